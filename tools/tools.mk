TOOL_BINS += $(BUILD)/tools/gen_pkg

$(BUILD)/tools/gen_pkg: tools/gen_pkg.c include/circe/hw.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)
