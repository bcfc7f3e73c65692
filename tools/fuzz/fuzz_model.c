/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness of the model loader's device-free half: the safetensors
 * container (host/safetensors.c) and circe.graph with every tensor lookup
 * (host/model_graph.c), through circe_model_check, the same checks
 * circe_model_load makes before it builds layers on a device.
 *
 * Each input is tried twice: as a whole file, and as the text of
 * circe.graph wrapped in a well-formed container. The graph is a JSON text
 * inside a JSON string of the header, so byte mutations of a whole file
 * rarely keep both levels valid; the second reading lets the fuzzer work on
 * the graph's own syntax and checks directly.
 *
 * `make fuzz FUZZ_SECONDS=N` builds it with clang -fsanitize=fuzzer,address,
 * undefined and runs it from tools/fuzz/corpus; tests/test_fuzz_model.c
 * runs it over the corpus as a plain test (no libFuzzer).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "circe/circe.h"
#include "host/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every failure says why: an empty message would be a bug too. */
static void fuzz_model_check(const uint8_t *data, size_t size)
{
	int err = circe_model_check(data, size);

	if (err && strncmp(circe_errmsg(), "model: ", 7))
		__builtin_trap();
}

/* {"__metadata__":{"circe.format":"1","circe.graph":"<text, escaped>"},
 *  "t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}} + 4 data bytes */
static void fuzz_model_graph(const uint8_t *text, size_t size)
{
	static const char head[] = "{\"__metadata__\":{\"circe.format\":\"1\",\"circe.graph\":\"";
	static const char tail[] =
		"\"},\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
	size_t cap = 8 + sizeof(head) + 6 * size + sizeof(tail) + 4, n = 8;
	uint8_t *f = malloc(cap);

	if (!f)
		return;
	memcpy(f + n, head, sizeof(head) - 1);
	n += sizeof(head) - 1;
	for (size_t i = 0; i < size; i++) {
		uint8_t c = text[i];

		if (c == '"' || c == '\\') {
			f[n++] = '\\';
			f[n++] = c;
		} else if (c < 0x20) {
			n += (size_t)snprintf((char *)f + n, 7, "\\u%04x", c);
		} else {
			f[n++] = c;
		}
	}
	memcpy(f + n, tail, sizeof(tail) - 1);
	n += sizeof(tail) - 1;
	for (int i = 0; i < 8; i++)
		f[i] = (uint8_t)((uint64_t)(n - 8) >> (8 * i));
	memset(f + n, 0, 4);
	n += 4;
	fuzz_model_check(f, n);
	free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_model_check(data, size);
	fuzz_model_graph(data, size);
	return 0;
}
