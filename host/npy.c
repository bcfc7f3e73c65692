/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NumPy .npy reader and writer. The format: "\x93NUMPY", major and minor
 * version bytes, a little-endian header length (2 bytes in 1.0, 4 bytes in
 * 2.0 and 3.0), then a Python dict literal such as
 *   {'descr': '<i4', 'fortran_order': False, 'shape': (3, 4), }
 * padded with spaces and a newline, then the raw data in C order.
 *
 * The header comes from files we did not write, so it is parsed as a small
 * grammar rather than matched against the layout numpy happens to produce.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "circe/circe.h"
#include "common/error.h"
#include "host/npy.h"

#define CIRCE_NPY_MAGIC "\x93NUMPY"
#define CIRCE_NPY_MAGIC_LEN 6
#define CIRCE_NPY_ALIGN 4096
#define CIRCE_NPY_HEADER_ALIGN 64

size_t circe_npy_dtype_size(enum circe_npy_dtype dtype)
{
	switch (dtype) {
	case CIRCE_NPY_I8:
	case CIRCE_NPY_U8:
		return 1;
	case CIRCE_NPY_I16:
		return 2;
	case CIRCE_NPY_I32:
	case CIRCE_NPY_F32:
		return 4;
	}
	return 0;
}

const char *circe_npy_dtype_name(enum circe_npy_dtype dtype)
{
	switch (dtype) {
	case CIRCE_NPY_I8:
		return "int8";
	case CIRCE_NPY_U8:
		return "uint8";
	case CIRCE_NPY_I16:
		return "int16";
	case CIRCE_NPY_I32:
		return "int32";
	case CIRCE_NPY_F32:
		return "float32";
	}
	return "unknown";
}

static const char *circe_npy_dtype_descr(enum circe_npy_dtype dtype)
{
	switch (dtype) {
	case CIRCE_NPY_I8:
		return "|i1";
	case CIRCE_NPY_U8:
		return "|u1";
	case CIRCE_NPY_I16:
		return "<i2";
	case CIRCE_NPY_I32:
		return "<i4";
	case CIRCE_NPY_F32:
		return "<f4";
	}
	return NULL;
}

/* ---- header dict parser ---- */

struct circe_npy_lex {
	const char *p, *end;
};

static void circe_npy_skip_ws(struct circe_npy_lex *lx)
{
	while (lx->p < lx->end &&
	       (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\n' || *lx->p == '\r'))
		lx->p++;
}

static bool circe_npy_accept(struct circe_npy_lex *lx, char c)
{
	circe_npy_skip_ws(lx);
	if (lx->p < lx->end && *lx->p == c) {
		lx->p++;
		return true;
	}
	return false;
}

/* A quoted Python string without escapes (none of the valid keys or descrs
 * needs one). */
static int circe_npy_string(struct circe_npy_lex *lx, const char *what, char *out, size_t out_len)
{
	char quote;
	size_t n = 0;

	circe_npy_skip_ws(lx);
	if (lx->p >= lx->end || (*lx->p != '\'' && *lx->p != '"'))
		return circe_err(-EINVAL, "npy header: expected a quoted string for %s", what);
	quote = *lx->p++;
	while (lx->p < lx->end && *lx->p != quote) {
		if (*lx->p == '\\' || *lx->p == '\n')
			return circe_err(-EINVAL, "npy header: unsupported character in %s", what);
		if (n + 1 >= out_len)
			return circe_err(-EINVAL, "npy header: %s is too long", what);
		out[n++] = *lx->p++;
	}
	if (lx->p >= lx->end)
		return circe_err(-EINVAL, "npy header: unterminated string in %s", what);
	lx->p++;
	out[n] = '\0';
	return 0;
}

static int circe_npy_parse_descr(const char *descr, enum circe_npy_dtype *dtype)
{
	char order = '|';
	const char *t = descr;

	if (*t == '|' || *t == '<' || *t == '>' || *t == '=')
		order = *t++;
	if (!strcmp(t, "i1") || !strcmp(t, "u1") || !strcmp(t, "b")) {
		/* One byte: the byte order mark carries no meaning. */
		*dtype = t[0] == 'u' ? CIRCE_NPY_U8 : CIRCE_NPY_I8;
		return 0;
	}
	if (!strcmp(t, "B")) {
		*dtype = CIRCE_NPY_U8;
		return 0;
	}
	if (!strcmp(t, "i2") || !strcmp(t, "i4") || !strcmp(t, "f4")) {
		if (order == '>')
			return circe_err(-EINVAL,
					 "npy header: big-endian dtype '%s' is not supported "
					 "(little-endian only)",
					 descr);
		if (order != '<')
			return circe_err(-EINVAL,
					 "npy header: dtype '%s' has no explicit byte order "
					 "(expected '<%s')",
					 descr, t);
		*dtype = t[0] == 'f' ? CIRCE_NPY_F32 : t[1] == '2' ? CIRCE_NPY_I16 : CIRCE_NPY_I32;
		return 0;
	}
	return circe_err(-EINVAL,
			 "npy header: unsupported dtype '%s' (supported: '|i1' int8, '|u1' uint8, "
			 "'<i2' int16, '<i4' int32, '<f4' float32)",
			 descr);
}

static int circe_npy_parse_bool(struct circe_npy_lex *lx, bool *out)
{
	circe_npy_skip_ws(lx);
	if (lx->end - lx->p >= 4 && !memcmp(lx->p, "True", 4)) {
		lx->p += 4;
		*out = true;
		return 0;
	}
	if (lx->end - lx->p >= 5 && !memcmp(lx->p, "False", 5)) {
		lx->p += 5;
		*out = false;
		return 0;
	}
	return circe_err(-EINVAL, "npy header: fortran_order is not True or False");
}

static int circe_npy_parse_dim(struct circe_npy_lex *lx, size_t *out)
{
	size_t v = 0;
	bool any = false;

	circe_npy_skip_ws(lx);
	if (lx->p < lx->end && *lx->p == '-')
		return circe_err(-EINVAL, "npy header: negative dimension in shape");
	while (lx->p < lx->end && *lx->p >= '0' && *lx->p <= '9') {
		unsigned d = (unsigned)(*lx->p - '0');

		if (v > (SIZE_MAX - d) / 10)
			return circe_err(-EINVAL, "npy header: dimension in shape is too large");
		v = v * 10 + d;
		any = true;
		lx->p++;
	}
	if (!any)
		return circe_err(-EINVAL, "npy header: shape is not a tuple of integers");
	/* Python 2 numpy wrote longs as "3L". */
	if (lx->p < lx->end && *lx->p == 'L')
		lx->p++;
	*out = v;
	return 0;
}

static int circe_npy_parse_shape(struct circe_npy_lex *lx, unsigned *ndim, size_t *shape)
{
	unsigned n = 0;
	bool trailing_comma = false;
	int err;

	if (!circe_npy_accept(lx, '('))
		return circe_err(-EINVAL, "npy header: shape is not a tuple");
	if (circe_npy_accept(lx, ')')) {
		*ndim = 0;
		return 0;
	}
	for (;;) {
		size_t dim = 0;

		if (n >= CIRCE_NPY_MAX_DIMS)
			return circe_err(-EINVAL, "npy header: shape has more than %d dimensions",
					 CIRCE_NPY_MAX_DIMS);
		err = circe_npy_parse_dim(lx, &dim);
		if (err)
			return err;
		shape[n++] = dim;
		trailing_comma = false;
		if (circe_npy_accept(lx, ',')) {
			trailing_comma = true;
			if (circe_npy_accept(lx, ')'))
				break;
			continue;
		}
		if (circe_npy_accept(lx, ')'))
			break;
		return circe_err(-EINVAL, "npy header: shape tuple is malformed");
	}
	/* "(3)" is the integer 3 in Python, not a tuple. */
	if (n == 1 && !trailing_comma)
		return circe_err(-EINVAL, "npy header: shape (%zu) is not a tuple (write (%zu,))",
				 shape[0], shape[0]);
	*ndim = n;
	return 0;
}

struct circe_npy_header {
	enum circe_npy_dtype dtype;
	unsigned ndim;
	size_t shape[CIRCE_NPY_MAX_DIMS];
};

static int circe_npy_parse_dict(const char *text, size_t len, struct circe_npy_header *h)
{
	struct circe_npy_lex lx = { text, text + len };
	bool have_descr = false, have_order = false, have_shape = false;
	int err;

	if (!circe_npy_accept(&lx, '{'))
		return circe_err(-EINVAL, "npy header: not a dict (does not start with '{')");
	for (;;) {
		char key[32];

		if (circe_npy_accept(&lx, '}'))
			break;
		err = circe_npy_string(&lx, "a dict key", key, sizeof(key));
		if (err)
			return err;
		if (!circe_npy_accept(&lx, ':'))
			return circe_err(-EINVAL, "npy header: expected ':' after '%s'", key);
		if (!strcmp(key, "descr")) {
			char descr[32];

			if (have_descr)
				return circe_err(-EINVAL, "npy header: duplicate key 'descr'");
			circe_npy_skip_ws(&lx);
			if (lx.p < lx.end && *lx.p == '[')
				return circe_err(-EINVAL, "npy header: structured dtypes are not "
							  "supported");
			err = circe_npy_string(&lx, "'descr'", descr, sizeof(descr));
			if (err)
				return err;
			err = circe_npy_parse_descr(descr, &h->dtype);
			if (err)
				return err;
			have_descr = true;
		} else if (!strcmp(key, "fortran_order")) {
			bool fortran = false;

			if (have_order)
				return circe_err(-EINVAL,
						 "npy header: duplicate key 'fortran_order'");
			err = circe_npy_parse_bool(&lx, &fortran);
			if (err)
				return err;
			if (fortran)
				return circe_err(-EINVAL, "npy header: fortran_order True is not "
							  "supported (C order only)");
			have_order = true;
		} else if (!strcmp(key, "shape")) {
			if (have_shape)
				return circe_err(-EINVAL, "npy header: duplicate key 'shape'");
			err = circe_npy_parse_shape(&lx, &h->ndim, h->shape);
			if (err)
				return err;
			have_shape = true;
		} else {
			return circe_err(-EINVAL, "npy header: unexpected key '%s'", key);
		}
		if (circe_npy_accept(&lx, ','))
			continue;
		if (circe_npy_accept(&lx, '}'))
			break;
		return circe_err(-EINVAL, "npy header: expected ',' or '}' after '%s'", key);
	}
	circe_npy_skip_ws(&lx);
	if (lx.p != lx.end)
		return circe_err(-EINVAL, "npy header: unexpected text after the dict");
	if (!have_descr || !have_order || !have_shape)
		return circe_err(-EINVAL, "npy header: missing key '%s'",
				 !have_descr   ? "descr"
				 : !have_order ? "fortran_order"
					       : "shape");
	return 0;
}

/* ---- whole file ---- */

static void *circe_npy_alloc(size_t bytes)
{
	void *p = NULL;
	size_t len = bytes ? bytes : 1;

	/* Whole pages, so the buffer can be registered with a device context
	 * without exposing neighbouring heap data. */
	len = (len + CIRCE_NPY_ALIGN - 1) & ~(size_t)(CIRCE_NPY_ALIGN - 1);
	if (len < bytes || posix_memalign(&p, CIRCE_NPY_ALIGN, len))
		return NULL;
	memset((char *)p + bytes, 0, len - bytes);
	return p;
}

int circe_npy_parse(const void *buf, size_t len, struct circe_npy *out)
{
	const uint8_t *b = buf;
	struct circe_npy_header h = { 0 };
	size_t hlen, prefix, count = 1, bytes, avail;
	unsigned major;
	void *data;
	int err;

	if (!buf && len)
		return circe_err(-EINVAL, "npy: NULL buffer");
	if (!out)
		return circe_err(-EINVAL, "npy: NULL output");
	if (len < CIRCE_NPY_MAGIC_LEN || memcmp(b, CIRCE_NPY_MAGIC, CIRCE_NPY_MAGIC_LEN))
		return circe_err(-EINVAL, "npy: bad magic (not a .npy file)");
	if (len < CIRCE_NPY_MAGIC_LEN + 2)
		return circe_err(-EINVAL, "npy: truncated header (no version)");
	major = b[6];
	if (major == 1) {
		if (len < 10)
			return circe_err(-EINVAL, "npy: truncated header (no header length)");
		hlen = (size_t)b[8] | (size_t)b[9] << 8;
		prefix = 10;
	} else if (major == 2 || major == 3) {
		if (len < 12)
			return circe_err(-EINVAL, "npy: truncated header (no header length)");
		hlen = (size_t)b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 | (size_t)b[11] << 24;
		prefix = 12;
	} else {
		return circe_err(-EINVAL, "npy: unsupported format version %u.%u", major, b[7]);
	}
	if (hlen > len - prefix)
		return circe_err(
			-EINVAL,
			"npy: truncated header: header length %zu but only %zu bytes follow", hlen,
			len - prefix);
	err = circe_npy_parse_dict((const char *)b + prefix, hlen, &h);
	if (err)
		return err;
	for (unsigned i = 0; i < h.ndim; i++) {
		if (h.shape[i] && count > SIZE_MAX / h.shape[i])
			return circe_err(-EINVAL,
					 "npy: shape is too large (element count overflows)");
		count *= h.shape[i];
	}
	if (count > SIZE_MAX / circe_npy_dtype_size(h.dtype))
		return circe_err(-EINVAL, "npy: shape is too large (byte size overflows)");
	bytes = count * circe_npy_dtype_size(h.dtype);
	prefix += hlen;
	avail = len - prefix;
	if (avail < bytes)
		return circe_err(-EINVAL, "npy: truncated data: expected %zu data bytes, found %zu",
				 bytes, avail);
	if (avail > bytes)
		return circe_err(
			-EINVAL,
			"npy: extra data: expected %zu data bytes, found %zu (%zu too many)", bytes,
			avail, avail - bytes);
	data = circe_npy_alloc(bytes);
	if (!data)
		return circe_err(-ENOMEM, "npy: cannot allocate %zu bytes", bytes);
	if (bytes)
		memcpy(data, b + prefix, bytes);
	out->dtype = h.dtype;
	out->ndim = h.ndim;
	memset(out->shape, 0, sizeof(out->shape));
	memcpy(out->shape, h.shape, sizeof(h.shape[0]) * h.ndim);
	out->count = count;
	out->data = data;
	return 0;
}

static int circe_npy_read_file(const char *path, uint8_t **buf, size_t *len)
{
	struct stat st;
	uint8_t *p;
	size_t got = 0;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		return circe_err(err, "%s: cannot open: %s", path, strerror(-err));
	}
	if (fstat(fd, &st)) {
		err = circe_err(-errno, "%s: cannot stat: %s", path, strerror(errno));
		goto close_fd;
	}
	if (!S_ISREG(st.st_mode)) {
		err = circe_err(-EINVAL, "%s: not a regular file", path);
		goto close_fd;
	}
	if ((uint64_t)st.st_size > SIZE_MAX - 1) {
		err = circe_err(-EFBIG, "%s: too large", path);
		goto close_fd;
	}
	p = malloc((size_t)st.st_size + 1);
	if (!p) {
		err = circe_err(-ENOMEM, "%s: cannot allocate %lld bytes", path,
				(long long)st.st_size);
		goto close_fd;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, p + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = circe_err(-errno, "%s: read error: %s", path, strerror(errno));
			goto free_buf;
		}
		if (r == 0)
			break; /* shrank while reading: parse what is there */
		got += (size_t)r;
	}
	close(fd);
	*buf = p;
	*len = got;
	return 0;

free_buf:
	free(p);
close_fd:
	close(fd);
	return err;
}

int circe_npy_load(const char *path, struct circe_npy *out)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int err;

	if (!path || !out)
		return circe_err(-EINVAL, "npy load: NULL %s", path ? "output" : "path");
	err = circe_npy_read_file(path, &buf, &len);
	if (err)
		return err;
	err = circe_npy_parse(buf, len, out);
	if (err) {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", circe_errmsg());
		circe_err(err, "%s: %s", path, msg);
	}
	free(buf);
	return err;
}

static int circe_npy_write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int circe_npy_save(const char *path, enum circe_npy_dtype dtype, unsigned ndim, const size_t *shape,
		   const void *data)
{
	char header[16 + 32 + CIRCE_NPY_MAX_DIMS * 24 + 2 * CIRCE_NPY_HEADER_ALIGN];
	const char *descr = circe_npy_dtype_descr(dtype);
	size_t count = 1, bytes, n, total;
	int fd, err;

	if (!path)
		return circe_err(-EINVAL, "npy save: NULL path");
	if (!descr)
		return circe_err(-EINVAL, "npy save %s: unknown dtype %d", path, (int)dtype);
	if (ndim > CIRCE_NPY_MAX_DIMS)
		return circe_err(-EINVAL, "npy save %s: %u dimensions, at most %d", path, ndim,
				 CIRCE_NPY_MAX_DIMS);
	if (ndim && !shape)
		return circe_err(-EINVAL, "npy save %s: NULL shape", path);
	for (unsigned i = 0; i < ndim; i++) {
		if (shape[i] && count > SIZE_MAX / shape[i])
			return circe_err(-EINVAL, "npy save %s: shape is too large", path);
		count *= shape[i];
	}
	if (count > SIZE_MAX / circe_npy_dtype_size(dtype))
		return circe_err(-EINVAL, "npy save %s: shape is too large", path);
	bytes = count * circe_npy_dtype_size(dtype);
	if (bytes && !data)
		return circe_err(-EINVAL, "npy save %s: NULL data", path);

	/* Version 1.0 header, the dict padded with spaces and a newline so the
	 * data starts at a multiple of 64 bytes, as numpy writes it. */
	memcpy(header, CIRCE_NPY_MAGIC "\x01\x00", 8);
	n = 10;
	n += (size_t)snprintf(header + n, sizeof(header) - n,
			      "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
	for (unsigned i = 0; i < ndim; i++)
		n += (size_t)snprintf(header + n, sizeof(header) - n, "%s%zu", i ? ", " : "",
				      shape[i]);
	n += (size_t)snprintf(header + n, sizeof(header) - n, "%s), }", ndim == 1 ? "," : "");
	total = (n + 1 + CIRCE_NPY_HEADER_ALIGN - 1) & ~(size_t)(CIRCE_NPY_HEADER_ALIGN - 1);
	memset(header + n, ' ', total - n - 1);
	header[total - 1] = '\n';
	header[8] = (char)((total - 10) & 0xFF);
	header[9] = (char)((total - 10) >> 8);

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		return circe_err(err, "%s: cannot create: %s", path, strerror(-err));
	}
	err = circe_npy_write_all(fd, header, total);
	if (!err && bytes)
		err = circe_npy_write_all(fd, data, bytes);
	if (close(fd) && !err)
		err = -errno;
	if (err) {
		unlink(path);
		return circe_err(err, "%s: write error: %s", path, strerror(-err));
	}
	return 0;
}

void circe_npy_free(struct circe_npy *npy)
{
	if (!npy)
		return;
	free(npy->data);
	memset(npy, 0, sizeof(*npy));
}
