# The model parser under libFuzzer (clang's compiler-rt: Debian
# libclang-rt-14-dev, scripts/install-deps.sh --fuzz). Built from the
# parser's sources alone (no device, no libcirce.a) with the sanitizers;
# new inputs go to $(FUZZ_DIR)/corpus, crashers to $(FUZZ_DIR)/ (add them to
# tools/fuzz/corpus once fixed). tests/test_fuzz_model.c replays
# tools/fuzz/corpus in make test without libFuzzer.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_SRCS    := tools/fuzz/fuzz_model.c common/error.c host/safetensors.c host/model_graph.c
FUZZ_FLAGS   := -std=gnu11 -g -O1 -Wall -Wextra -Werror -Iinclude -I. $(JANSSON_CFLAGS) \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer

.PHONY: fuzz

$(FUZZ_DIR)/fuzz_model: $(FUZZ_SRCS) host/safetensors.h host/model.h common/error.h \
                        include/circe/circe.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $(FUZZ_SRCS) $(JANSSON_LIBS) -lm

fuzz: $(FUZZ_DIR)/fuzz_model ## fuzz the model parser for FUZZ_SECONDS (default 60; libFuzzer)
	@mkdir -p $(FUZZ_DIR)/corpus
	$(FUZZ_DIR)/fuzz_model -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	  -dict=tools/fuzz/model.dict -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
	  -artifact_prefix=$(FUZZ_DIR)/ $(FUZZ_DIR)/corpus tools/fuzz/corpus

# Source coverage of the parser by the corpora (the committed seeds and what
# make fuzz found): the harness built with clang's coverage mapping, replayed
# by libFuzzer with -runs=0, summarized by llvm-cov per file.
LLVM_PROFDATA ?= llvm-profdata
LLVM_COV      ?= llvm-cov
.PHONY: fuzz-coverage

$(FUZZ_DIR)/fuzz_model_cov: $(FUZZ_SRCS) host/safetensors.h host/model.h common/error.h \
                            include/circe/circe.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=gnu11 -g -O0 -Iinclude -I. $(JANSSON_CFLAGS) -fsanitize=fuzzer \
	  -fprofile-instr-generate -fcoverage-mapping -o $@ $(FUZZ_SRCS) $(JANSSON_LIBS) -lm

fuzz-coverage: $(FUZZ_DIR)/fuzz_model_cov ## line/branch coverage of the model parser by the fuzz corpora
	@mkdir -p $(FUZZ_DIR)/corpus
	LLVM_PROFILE_FILE=$(FUZZ_DIR)/cov.profraw $< -runs=0 $(FUZZ_DIR)/corpus tools/fuzz/corpus \
	  >/dev/null 2>&1
	$(LLVM_PROFDATA) merge -sparse -o $(FUZZ_DIR)/cov.profdata $(FUZZ_DIR)/cov.profraw
	$(LLVM_COV) report $< -instr-profile=$(FUZZ_DIR)/cov.profdata \
	  host/safetensors.c host/model_graph.c
