/* SPDX-License-Identifier: Apache-2.0 */
/* NumPy .npy files (format versions 1.0, 2.0 and 3.0), C order, little-endian. */
#ifndef CIRCE_HOST_NPY_H
#define CIRCE_HOST_NPY_H

#include <stddef.h>
#include <stdint.h>

#define CIRCE_NPY_MAX_DIMS 8

enum circe_npy_dtype {
	CIRCE_NPY_I8,  /* '|i1' */
	CIRCE_NPY_U8,  /* '|u1' */
	CIRCE_NPY_I16, /* '<i2' */
	CIRCE_NPY_I32, /* '<i4' */
	CIRCE_NPY_F32, /* '<f4' */
};

struct circe_npy {
	enum circe_npy_dtype dtype;
	unsigned ndim;
	size_t shape[CIRCE_NPY_MAX_DIMS];
	size_t count; /* product of shape (1 for ndim 0) */
	void *data;   /* count elements, 4 KiB aligned, owned */
};

size_t circe_npy_dtype_size(enum circe_npy_dtype dtype);
const char *circe_npy_dtype_name(enum circe_npy_dtype dtype); /* "int8", ... */

/* Parse an in-memory file. -EINVAL with circe_errmsg() naming the problem
 * (bad magic, truncated header or data, unsupported dtype, fortran_order,
 * bad shape, size overflow). out is untouched on error. */
int circe_npy_parse(const void *buf, size_t len, struct circe_npy *out);
int circe_npy_load(const char *path, struct circe_npy *out);
int circe_npy_save(const char *path, enum circe_npy_dtype dtype, unsigned ndim, const size_t *shape,
		   const void *data);
void circe_npy_free(struct circe_npy *npy);

#endif
