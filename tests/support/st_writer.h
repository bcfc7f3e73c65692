/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small safetensors writer for tests (docs/model-format.md): tensors are
 * laid out in the order added, the header is written by hand (no JSON
 * library, so it is independent of the reader under test) and padded with
 * spaces to a multiple of 8. Hooks for malformed files: a tensor's offsets
 * can be overridden, and st_file_raw() wraps any header text.
 */
#ifndef CIRCE_TESTS_ST_WRITER_H
#define CIRCE_TESTS_ST_WRITER_H

#include <stddef.h>
#include <stdint.h>

struct st_writer;

struct st_writer *st_writer_new(void);
void st_writer_free(struct st_writer *w);

/* A tensor of any dtype text ("F32", "F16", "XYZ"), its bytes as given. */
int st_writer_add(struct st_writer *w, const char *name, const char *dtype, unsigned ndim,
		  const size_t *shape, const void *data, size_t bytes);
/* An F32 tensor of the shape's element count, little-endian. */
int st_writer_add_f32(struct st_writer *w, const char *name, unsigned ndim, const size_t *shape,
		      const float *data);
/* Write data_offsets [begin, end] for tensor name instead of its own. */
int st_writer_set_offsets(struct st_writer *w, const char *name, long long begin, long long end);
/* A __metadata__ entry (value JSON-escaped). No entry: no __metadata__. */
int st_writer_meta(struct st_writer *w, const char *key, const char *value);

/* The file in a malloc'd buffer. */
int st_writer_build(const struct st_writer *w, uint8_t **buf, size_t *len);
int st_writer_save(const struct st_writer *w, const char *path);

/* u64 size | header (as given) | data: a file with any header text. */
int st_file_raw(const char *header, const void *data, size_t data_len, uint8_t **buf, size_t *len);
/* Write len bytes to path. */
int st_write_file(const char *path, const void *buf, size_t len);

#endif
