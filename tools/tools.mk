TOOL_BINS += $(BUILD)/tools/gen_pkg $(BUILD)/tools/gen_act

# gen_pkg copies the activation tables into circe_pkg.sv, so it links them.
$(BUILD)/tools/gen_pkg: tools/gen_pkg.c hw/hls/act_tables.c include/circe/hw.h hw/hls/act_tables.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ tools/gen_pkg.c hw/hls/act_tables.c $(LDFLAGS)

$(BUILD)/tools/gen_act: tools/gen_act.c include/circe/hw.h hw/hls/act_tables.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS) -lm

.PHONY: tables
tables: $(BUILD)/tools/gen_act ## regenerate hw/hls/act_tables.c (the LSTM activation tables)
	$(BUILD)/tools/gen_act > hw/hls/act_tables.c.tmp && mv hw/hls/act_tables.c.tmp hw/hls/act_tables.c
