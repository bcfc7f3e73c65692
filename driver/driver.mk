# Driver: device tree, device open/probe, contexts and job submission, and
# the table of backends built into the library.

LIB_SRCS += driver/dt.c driver/device.c driver/context.c driver/backends.c

# The device tree circe_open() reads when neither a path nor $CIRCE_DTB
# names one: the one this build compiled.
$(OBJ_DIR)/driver/device.o: CFLAGS += -DCIRCE_DEFAULT_DTB='"$(abspath $(DTB))"'
