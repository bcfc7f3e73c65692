LIB_SRCS += common/error.c
