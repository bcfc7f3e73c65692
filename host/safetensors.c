/* SPDX-License-Identifier: Apache-2.0 */
/*
 * safetensors reader. The file comes from outside (a training script, a
 * download, the fuzzer), so every number in it is checked against the
 * buffer before it is used as a size or an offset: nothing here reads
 * outside [buf, buf + len), whatever the file says.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "common/error.h"
#include "host/safetensors.h"

static const struct {
	const char *name;
	size_t size;
} circe_st_dtypes[] = {
	[CIRCE_ST_BOOL] = { "BOOL", 1 },       [CIRCE_ST_U8] = { "U8", 1 },
	[CIRCE_ST_I8] = { "I8", 1 },	       [CIRCE_ST_F8_E5M2] = { "F8_E5M2", 1 },
	[CIRCE_ST_F8_E4M3] = { "F8_E4M3", 1 }, [CIRCE_ST_I16] = { "I16", 2 },
	[CIRCE_ST_U16] = { "U16", 2 },	       [CIRCE_ST_F16] = { "F16", 2 },
	[CIRCE_ST_BF16] = { "BF16", 2 },       [CIRCE_ST_I32] = { "I32", 4 },
	[CIRCE_ST_U32] = { "U32", 4 },	       [CIRCE_ST_F32] = { "F32", 4 },
	[CIRCE_ST_F64] = { "F64", 8 },	       [CIRCE_ST_I64] = { "I64", 8 },
	[CIRCE_ST_U64] = { "U64", 8 },
};

#define CIRCE_ST_NUM_DTYPES (sizeof(circe_st_dtypes) / sizeof(circe_st_dtypes[0]))

const char *circe_st_dtype_name(enum circe_st_dtype dtype)
{
	return (size_t)dtype < CIRCE_ST_NUM_DTYPES ? circe_st_dtypes[dtype].name : "?";
}

size_t circe_st_dtype_size(enum circe_st_dtype dtype)
{
	return (size_t)dtype < CIRCE_ST_NUM_DTYPES ? circe_st_dtypes[dtype].size : 0;
}

const char *circe_st_shape_str(unsigned ndim, const size_t *shape, char *buf, size_t len)
{
	size_t n;

	if (!len)
		return buf;
	n = (size_t)snprintf(buf, len, "[");
	for (unsigned i = 0; i < ndim && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%zu", i ? ", " : "", shape[i]);
	if (n < len)
		snprintf(buf + n, len - n, "]");
	return buf;
}

void circe_st_free(struct circe_st_file *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->ntensors; i++)
		free(st->tensors[i].name);
	for (size_t i = 0; i < st->nmeta; i++) {
		free(st->meta[i].key);
		free(st->meta[i].value);
	}
	free(st->tensors);
	free(st->meta);
	free(st->owned);
	memset(st, 0, sizeof(*st));
}

/* A non-negative JSON integer as size_t. */
static bool circe_st_json_size(const json_t *v, size_t *out)
{
	json_int_t i;

	if (!json_is_integer(v))
		return false;
	i = json_integer_value(v);
	if (i < 0 || (unsigned long long)i > SIZE_MAX)
		return false;
	*out = (size_t)i;
	return true;
}

static int circe_st_parse_meta(json_t *meta, struct circe_st_file *st)
{
	const char *key;
	json_t *v;

	if (!json_is_object(meta))
		return circe_err(-EINVAL, "model: header: __metadata__ is not an object");
	st->meta = calloc(json_object_size(meta) ? json_object_size(meta) : 1, sizeof(*st->meta));
	if (!st->meta)
		return circe_err(-ENOMEM, "model: out of memory for the metadata");
	json_object_foreach(meta, key, v)
	{
		struct circe_st_meta *m = &st->meta[st->nmeta];

		if (!json_is_string(v))
			return circe_err(-EINVAL,
					 "model: header: __metadata__ '%.64s' is not a string "
					 "(safetensors metadata values are strings)",
					 key);
		m->key = strdup(key);
		m->value = strdup(json_string_value(v));
		st->nmeta++;
		if (!m->key || !m->value)
			return circe_err(-ENOMEM, "model: out of memory for the metadata");
	}
	return 0;
}

static int circe_st_parse_tensor(const char *name, json_t *info, struct circe_st_file *st)
{
	struct circe_st_tensor *t = &st->tensors[st->ntensors];
	json_t *dtype, *shape, *offsets, *v;
	size_t bytes, i, dsize;
	const char *ds;

	if (strlen(name) > CIRCE_ST_MAX_NAME)
		return circe_err(-EINVAL, "model: tensor '%.64s...': name longer than %d bytes",
				 name, CIRCE_ST_MAX_NAME);
	if (!json_is_object(info))
		return circe_err(-EINVAL, "model: tensor '%s': not an object", name);
	dtype = json_object_get(info, "dtype");
	shape = json_object_get(info, "shape");
	offsets = json_object_get(info, "data_offsets");
	if (!dtype || !shape || !offsets)
		return circe_err(-EINVAL, "model: tensor '%s': no %s", name,
				 !dtype	  ? "dtype"
				 : !shape ? "shape"
					  : "data_offsets");
	if (!json_is_string(dtype))
		return circe_err(-EINVAL, "model: tensor '%s': dtype is not a string", name);
	ds = json_string_value(dtype);
	for (i = 0; i < CIRCE_ST_NUM_DTYPES; i++)
		if (!strcmp(ds, circe_st_dtypes[i].name))
			break;
	if (i == CIRCE_ST_NUM_DTYPES)
		return circe_err(-EINVAL, "model: tensor '%s': unknown dtype '%.32s'", name, ds);
	t->dtype = (enum circe_st_dtype)i;
	dsize = circe_st_dtypes[i].size;

	if (!json_is_array(shape))
		return circe_err(-EINVAL, "model: tensor '%s': shape is not an array", name);
	if (json_array_size(shape) > CIRCE_ST_MAX_DIMS)
		return circe_err(-EINVAL,
				 "model: tensor '%s': shape has %zu dimensions, at most %d", name,
				 json_array_size(shape), CIRCE_ST_MAX_DIMS);
	t->ndim = (unsigned)json_array_size(shape);
	t->count = 1;
	json_array_foreach(shape, i, v)
	{
		if (!circe_st_json_size(v, &t->shape[i]) || t->shape[i] == 0)
			return circe_err(-EINVAL,
					 "model: tensor '%s': shape[%zu] is not an integer > 0",
					 name, i);
		if (t->count > SIZE_MAX / t->shape[i])
			return circe_err(-EINVAL,
					 "model: tensor '%s': shape: the element count overflows",
					 name);
		t->count *= t->shape[i];
	}
	if (t->count > SIZE_MAX / dsize)
		return circe_err(-EINVAL, "model: tensor '%s': shape: the byte count overflows",
				 name);
	bytes = t->count * dsize;

	if (!json_is_array(offsets) || json_array_size(offsets) != 2)
		return circe_err(-EINVAL,
				 "model: tensor '%s': data_offsets is not an array [begin, end]",
				 name);
	if (!circe_st_json_size(json_array_get(offsets, 0), &t->begin) ||
	    !circe_st_json_size(json_array_get(offsets, 1), &t->end))
		return circe_err(-EINVAL,
				 "model: tensor '%s': data_offsets: not integers >= 0 (a negative "
				 "offset would point into the header)",
				 name);
	if (t->end < t->begin)
		return circe_err(-EINVAL,
				 "model: tensor '%s': data_offsets [%zu, %zu]: end < begin", name,
				 t->begin, t->end);
	if (t->end > st->data_len)
		return circe_err(-EINVAL,
				 "model: tensor '%s': data_offsets [%zu, %zu] past the end of the "
				 "data (%zu bytes; truncated file?)",
				 name, t->begin, t->end, st->data_len);
	if (t->end - t->begin != bytes) {
		char s[160];

		return circe_err(-EINVAL,
				 "model: tensor '%s': data_offsets [%zu, %zu] hold %zu bytes, its "
				 "dtype %s and shape %s need %zu",
				 name, t->begin, t->end, t->end - t->begin, ds,
				 circe_st_shape_str(t->ndim, t->shape, s, sizeof(s)), bytes);
	}
	t->name = strdup(name);
	if (!t->name)
		return circe_err(-ENOMEM, "model: out of memory for tensor names");
	st->ntensors++;
	return 0;
}

static int circe_st_cmp_begin(const void *a, const void *b)
{
	const struct circe_st_tensor *x = *(const struct circe_st_tensor *const *)a;
	const struct circe_st_tensor *y = *(const struct circe_st_tensor *const *)b;

	return x->begin < y->begin ? -1 : x->begin > y->begin;
}

/* Two tensors sharing bytes would let a write through one corrupt the other,
 * and the format forbids it. */
static int circe_st_check_overlap(struct circe_st_file *st)
{
	struct circe_st_tensor **order;
	int err = 0;

	if (st->ntensors < 2)
		return 0;
	order = calloc(st->ntensors, sizeof(*order));
	if (!order)
		return circe_err(-ENOMEM, "model: out of memory");
	for (size_t i = 0; i < st->ntensors; i++)
		order[i] = &st->tensors[i];
	qsort(order, st->ntensors, sizeof(*order), circe_st_cmp_begin);
	for (size_t i = 1; i < st->ntensors; i++) {
		if (order[i]->begin < order[i - 1]->end) {
			err = circe_err(
				-EINVAL,
				"model: tensor '%s': data_offsets [%zu, %zu] overlap tensor "
				"'%s' [%zu, %zu]",
				order[i]->name, order[i]->begin, order[i]->end, order[i - 1]->name,
				order[i - 1]->begin, order[i - 1]->end);
			break;
		}
	}
	free(order);
	return err;
}

int circe_st_parse(const void *buf, size_t len, struct circe_st_file *st)
{
	const uint8_t *p = buf;
	json_error_t jerr;
	json_t *root, *v;
	const char *key;
	uint64_t n = 0;
	int err = 0;

	if (!st)
		return circe_err(-EINVAL, "model: NULL output");
	memset(st, 0, sizeof(*st));
	if (!buf && len)
		return circe_err(-EINVAL, "model: NULL buffer");
	if (len < 8)
		return circe_err(-EINVAL,
				 "model: file is %zu bytes, shorter than the 8-byte header size "
				 "(truncated?)",
				 len);
	for (int i = 7; i >= 0; i--)
		n = n << 8 | p[i];
	if (n > CIRCE_ST_MAX_HEADER)
		return circe_err(-EINVAL, "model: header size %llu bytes is over the %u-byte cap",
				 (unsigned long long)n, CIRCE_ST_MAX_HEADER);
	if (n > len - 8)
		return circe_err(-EINVAL,
				 "model: header size %llu bytes runs past the end of the file "
				 "(%zu bytes after the size; truncated?)",
				 (unsigned long long)n, len - 8);
	if (n < 2)
		return circe_err(-EINVAL, "model: header size %llu bytes: too small for JSON",
				 (unsigned long long)n);
	st->header_len = (size_t)n;
	st->data_len = len - 8 - st->header_len;

	root = json_loadb((const char *)p + 8, st->header_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return circe_err(-EINVAL, "model: header is not JSON: %s (byte %d of the header)",
				 jerr.text, jerr.position);
	if (!json_is_object(root)) {
		err = circe_err(-EINVAL, "model: header is not a JSON object");
		goto free_root;
	}
	st->tensors =
		calloc(json_object_size(root) ? json_object_size(root) : 1, sizeof(*st->tensors));
	if (!st->tensors) {
		err = circe_err(-ENOMEM, "model: out of memory for %zu tensors",
				json_object_size(root));
		goto free_root;
	}
	json_object_foreach(root, key, v)
	{
		if (!strcmp(key, "__metadata__"))
			err = circe_st_parse_meta(v, st);
		else
			err = circe_st_parse_tensor(key, v, st);
		if (err)
			goto free_root;
	}
	err = circe_st_check_overlap(st);
	if (err)
		goto free_root;
	for (size_t i = 0; i < st->ntensors; i++)
		st->tensors[i].data = p + 8 + st->header_len + st->tensors[i].begin;

free_root:
	json_decref(root);
	if (err)
		circe_st_free(st);
	return err;
}

int circe_st_read(const char *path, uint8_t **out, size_t *out_len)
{
	struct stat sb;
	uint8_t *buf = NULL;
	size_t len, got = 0;
	int fd, err;

	*out = NULL;
	*out_len = 0;
	if (!path)
		return circe_err(-EINVAL, "model: NULL path");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		return circe_err(err, "model: cannot open '%s': %s", path, strerror(-err));
	}
	if (fstat(fd, &sb)) {
		err = -errno;
		circe_err(err, "model: cannot stat '%s': %s", path, strerror(-err));
		goto close_fd;
	}
	if (!S_ISREG(sb.st_mode)) {
		err = circe_err(-EINVAL, "model: '%s' is not a regular file", path);
		goto close_fd;
	}
	if ((unsigned long long)sb.st_size > SIZE_MAX) {
		err = circe_err(-EFBIG, "model: '%s' is too large", path);
		goto close_fd;
	}
	len = (size_t)sb.st_size;
	buf = malloc(len ? len : 1);
	if (!buf) {
		err = circe_err(-ENOMEM, "model: cannot allocate %zu bytes for '%s'", len, path);
		goto close_fd;
	}
	while (got < len) {
		ssize_t r = read(fd, buf + got, len - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			err = circe_err(-EIO, "model: reading '%s': %s", path,
					r ? strerror(errno) : "file shrank while being read");
			goto free_buf;
		}
		got += (size_t)r;
	}
	close(fd);
	*out = buf;
	*out_len = len;
	return 0;

free_buf:
	free(buf);
close_fd:
	close(fd);
	return err;
}

int circe_st_load(const char *path, struct circe_st_file *st)
{
	uint8_t *buf;
	size_t len;
	int err;

	if (!st)
		return circe_err(-EINVAL, "model: NULL output");
	memset(st, 0, sizeof(*st));
	err = circe_st_read(path, &buf, &len);
	if (err)
		return err;
	err = circe_st_parse(buf, len, st);
	if (err) {
		free(buf);
		return err;
	}
	st->owned = buf;
	return 0;
}

const char *circe_st_meta_get(const struct circe_st_file *st, const char *key)
{
	for (size_t i = 0; st && i < st->nmeta; i++)
		if (!strcmp(st->meta[i].key, key))
			return st->meta[i].value;
	return NULL;
}

const struct circe_st_tensor *circe_st_find(const struct circe_st_file *st, const char *name)
{
	for (size_t i = 0; st && i < st->ntensors; i++)
		if (!strcmp(st->tensors[i].name, name))
			return &st->tensors[i];
	return NULL;
}

int circe_st_get_f32(const struct circe_st_file *st, const char *name, unsigned ndim,
		     const size_t *shape, float **out)
{
	const struct circe_st_tensor *t = circe_st_find(st, name);
	char have[160], want[160];
	void *p = NULL;
	float *f;

	*out = NULL;
	if (!t)
		return circe_err(-EINVAL, "model: tensor '%s': missing from the file", name);
	if (t->dtype != CIRCE_ST_F32)
		return circe_err(-EINVAL, "model: tensor '%s': dtype %s, expected F32", name,
				 circe_st_dtype_name(t->dtype));
	if (t->ndim != ndim || memcmp(t->shape, shape, ndim * sizeof(*shape)))
		return circe_err(-EINVAL, "model: tensor '%s': shape %s, expected %s", name,
				 circe_st_shape_str(t->ndim, t->shape, have, sizeof(have)),
				 circe_st_shape_str(ndim, shape, want, sizeof(want)));
	/* The data has no alignment in the file (it follows a header of any
	 * length): copy, converting from little-endian. */
	if (posix_memalign(&p, 64, t->count * sizeof(float)))
		return circe_err(-ENOMEM, "model: tensor '%s': cannot allocate %zu floats", name,
				 t->count);
	f = p;
	for (size_t i = 0; i < t->count; i++) {
		const uint8_t *b = t->data + 4 * i;
		uint32_t u = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
			     (uint32_t)b[3] << 24;

		memcpy(&f[i], &u, sizeof(u));
		if (!isfinite(f[i])) {
			int err = circe_err(-EINVAL, "model: tensor '%s': element %zu is %s", name,
					    i, isnan(f[i]) ? "NaN" : "infinite");

			free(p);
			return err;
		}
	}
	*out = f;
	return 0;
}
