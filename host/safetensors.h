/* SPDX-License-Identifier: Apache-2.0 */
/*
 * safetensors container reader (https://huggingface.co/docs/safetensors):
 *
 *   u64 little-endian N | N bytes of JSON header | data
 *
 * The header maps tensor names to {"dtype", "shape", "data_offsets"} and may
 * hold "__metadata__", an object of string values. Everything is checked
 * against the buffer before anything is handed out: the header size against
 * the buffer and CIRCE_ST_MAX_HEADER, each tensor's dtype, shape (dims > 0,
 * the element and byte counts overflow-checked) and offsets (inside the
 * data, matching the byte count, not overlapping another tensor). Errors
 * return -EINVAL (or -ENOMEM, -EIO for the file) with circe_errmsg() naming
 * the tensor and the field, prefixed "model: ".
 */
#ifndef CIRCE_HOST_SAFETENSORS_H
#define CIRCE_HOST_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

/* The header-size cap of the reference implementation (100 MB). */
#define CIRCE_ST_MAX_HEADER 100000000u
#define CIRCE_ST_MAX_DIMS 8
/* Longest tensor name kept (longer names are an error). */
#define CIRCE_ST_MAX_NAME 255

enum circe_st_dtype {
	CIRCE_ST_BOOL,
	CIRCE_ST_U8,
	CIRCE_ST_I8,
	CIRCE_ST_F8_E5M2,
	CIRCE_ST_F8_E4M3,
	CIRCE_ST_I16,
	CIRCE_ST_U16,
	CIRCE_ST_F16,
	CIRCE_ST_BF16,
	CIRCE_ST_I32,
	CIRCE_ST_U32,
	CIRCE_ST_F32,
	CIRCE_ST_F64,
	CIRCE_ST_I64,
	CIRCE_ST_U64,
};

struct circe_st_tensor {
	char *name;
	enum circe_st_dtype dtype;
	unsigned ndim;
	size_t shape[CIRCE_ST_MAX_DIMS];
	size_t count;	     /* elements: product of shape (1 for ndim 0) */
	size_t begin, end;   /* data_offsets, relative to the data */
	const uint8_t *data; /* into the buffer the file was parsed from */
};

struct circe_st_meta {
	char *key;
	char *value;
};

struct circe_st_file {
	struct circe_st_tensor *tensors;
	size_t ntensors;
	struct circe_st_meta *meta;
	size_t nmeta;
	size_t header_len; /* N */
	size_t data_len;   /* bytes after the header */
	uint8_t *owned;	   /* the file's bytes when read by circe_st_load */
};

/* "F32", ... ("?" for a value outside the enum). */
const char *circe_st_dtype_name(enum circe_st_dtype dtype);
size_t circe_st_dtype_size(enum circe_st_dtype dtype);

/* Parse an in-memory file. The tensors point into buf, which must outlive
 * st. st is zeroed on error. */
int circe_st_parse(const void *buf, size_t len, struct circe_st_file *st);
/* The bytes of the regular file path, malloc'd (free with free()). */
int circe_st_read(const char *path, uint8_t **buf, size_t *len);
/* Read and parse path (the bytes are kept in st->owned). -EIO/-ENOENT/...
 * for the file, with the path in the message. */
int circe_st_load(const char *path, struct circe_st_file *st);
void circe_st_free(struct circe_st_file *st);

/* The __metadata__ value of key, or NULL. */
const char *circe_st_meta_get(const struct circe_st_file *st, const char *key);
/* The tensor called name, or NULL. */
const struct circe_st_tensor *circe_st_find(const struct circe_st_file *st, const char *name);

/*
 * The F32 tensor name with exactly the shape given, copied into a new
 * 64-byte-aligned float array (host byte order) in *out (free with free()).
 * Errors name the tensor: missing, its dtype, its shape against the one
 * expected, or a value that is NaN or infinite.
 */
int circe_st_get_f32(const struct circe_st_file *st, const char *name, unsigned ndim,
		     const size_t *shape, float **out);

/* "[512, 64]" into buf. */
const char *circe_st_shape_str(unsigned ndim, const size_t *shape, char *buf, size_t len);

#endif
