/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness of the model loader's device-free half: the safetensors
 * container (host/safetensors.c) and circe.graph with every tensor lookup
 * (host/model_graph.c), through circe_model_check, the same checks
 * circe_model_load makes before it builds layers on a device.
 * `make fuzz FUZZ_SECONDS=N` builds it with clang -fsanitize=fuzzer,address,
 * undefined and runs it from tools/fuzz/corpus; tests/test_fuzz_model.c
 * runs it over the corpus as a plain test (no libFuzzer).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "circe/circe.h"
#include "host/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int err = circe_model_check(data, size);

	/* Every failure says why: an empty message would be a bug too. */
	if (err && !strstr(circe_errmsg(), "model: "))
		__builtin_trap();
	return 0;
}
