# Every tests/test_<module>.c is one cmocka suite, linked with the shared test
# helpers (tests/support/) and libcirce. Device trees under tests/dts/ are
# compiled by dtc for the device-tree tests.

TEST_NAMES   := $(notdir $(basename $(wildcard tests/test_*.c)))
TEST_BINS    := $(TEST_NAMES:%=$(BUILD)/tests/%)
TEST_SUPPORT_SRCS := $(wildcard tests/support/*.c)
TEST_SUPPORT_OBJS := $(TEST_SUPPORT_SRCS:%.c=$(OBJ_DIR)/%.o)
TEST_DTBS    := $(patsubst tests/dts/%.dts,$(BUILD)/tests/dts/%.dtb,$(wildcard tests/dts/*.dts))

$(BUILD)/tests/%: $(OBJ_DIR)/tests/%.o $(TEST_SUPPORT_OBJS) $(LIB) $(TEST_DTBS) $(DTB) $(CIRCE)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(TEST_SUPPORT_OBJS) $(LIB) $(LDLIBS) -lcmocka

$(BUILD)/tests/dts/%.dtb: tests/dts/%.dts
	@mkdir -p $(dir $@)
	$(DTC) -q -I dts -O dtb -o $@ $<
