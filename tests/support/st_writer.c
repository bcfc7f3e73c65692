/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/st_writer.h"

struct st_writer_tensor {
	char *name, *dtype;
	unsigned ndim;
	size_t shape[8];
	uint8_t *data;
	size_t bytes;
	int override;
	long long begin, end;
};

struct st_writer {
	struct st_writer_tensor *t;
	size_t nt;
	char **keys, **values;
	size_t nmeta;
};

/* A growable string. */
struct st_str {
	char *s;
	size_t len, cap;
	int err;
};

static void st_puts(struct st_str *b, const char *s, size_t n)
{
	if (b->err)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->s, cap);

		if (!p) {
			b->err = -ENOMEM;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void st_printf(struct st_str *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void st_printf(struct st_str *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	st_puts(b, tmp, n < 0 ? 0 : (size_t)n);
}

static void st_json_string(struct st_str *b, const char *s)
{
	st_puts(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };

			st_puts(b, e, 2);
		} else if (c < 0x20) {
			st_printf(b, "\\u%04x", c);
		} else {
			st_puts(b, (const char *)&c, 1);
		}
	}
	st_puts(b, "\"", 1);
}

struct st_writer *st_writer_new(void)
{
	return calloc(1, sizeof(struct st_writer));
}

void st_writer_free(struct st_writer *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->nt; i++) {
		free(w->t[i].name);
		free(w->t[i].dtype);
		free(w->t[i].data);
	}
	for (size_t i = 0; i < w->nmeta; i++) {
		free(w->keys[i]);
		free(w->values[i]);
	}
	free(w->t);
	free(w->keys);
	free(w->values);
	free(w);
}

int st_writer_add(struct st_writer *w, const char *name, const char *dtype, unsigned ndim,
		  const size_t *shape, const void *data, size_t bytes)
{
	struct st_writer_tensor *t, *nt;

	if (ndim > 8)
		return -EINVAL;
	nt = realloc(w->t, (w->nt + 1) * sizeof(*w->t));
	if (!nt)
		return -ENOMEM;
	w->t = nt;
	t = &w->t[w->nt];
	memset(t, 0, sizeof(*t));
	t->name = strdup(name);
	t->dtype = strdup(dtype);
	t->data = malloc(bytes ? bytes : 1);
	if (!t->name || !t->dtype || !t->data) {
		free(t->name);
		free(t->dtype);
		free(t->data);
		return -ENOMEM;
	}
	if (bytes)
		memcpy(t->data, data, bytes);
	t->bytes = bytes;
	t->ndim = ndim;
	memcpy(t->shape, shape, ndim * sizeof(*shape));
	w->nt++;
	return 0;
}

int st_writer_add_f32(struct st_writer *w, const char *name, unsigned ndim, const size_t *shape,
		      const float *data)
{
	size_t count = 1;
	uint8_t *le;
	int err;

	for (unsigned i = 0; i < ndim; i++)
		count *= shape[i];
	le = malloc(count * 4 + 1);
	if (!le)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++) {
		uint32_t u;

		memcpy(&u, &data[i], 4);
		le[4 * i] = (uint8_t)u;
		le[4 * i + 1] = (uint8_t)(u >> 8);
		le[4 * i + 2] = (uint8_t)(u >> 16);
		le[4 * i + 3] = (uint8_t)(u >> 24);
	}
	err = st_writer_add(w, name, "F32", ndim, shape, le, count * 4);
	free(le);
	return err;
}

int st_writer_set_offsets(struct st_writer *w, const char *name, long long begin, long long end)
{
	for (size_t i = 0; i < w->nt; i++) {
		if (!strcmp(w->t[i].name, name)) {
			w->t[i].override = 1;
			w->t[i].begin = begin;
			w->t[i].end = end;
			return 0;
		}
	}
	return -ENOENT;
}

int st_writer_meta(struct st_writer *w, const char *key, const char *value)
{
	char **k = realloc(w->keys, (w->nmeta + 1) * sizeof(*k)), **v;

	if (!k)
		return -ENOMEM;
	w->keys = k;
	v = realloc(w->values, (w->nmeta + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	w->values = v;
	w->keys[w->nmeta] = strdup(key);
	w->values[w->nmeta] = strdup(value);
	if (!w->keys[w->nmeta] || !w->values[w->nmeta])
		return -ENOMEM;
	w->nmeta++;
	return 0;
}

int st_file_raw(const char *header, const void *data, size_t data_len, uint8_t **buf, size_t *len)
{
	size_t n = strlen(header);
	uint8_t *p = malloc(8 + n + data_len + 1);

	if (!p)
		return -ENOMEM;
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)((uint64_t)n >> (8 * i));
	memcpy(p + 8, header, n);
	if (data_len)
		memcpy(p + 8 + n, data, data_len);
	*buf = p;
	*len = 8 + n + data_len;
	return 0;
}

int st_writer_build(const struct st_writer *w, uint8_t **buf, size_t *len)
{
	struct st_str h = { 0 };
	size_t off = 0, data_len = 0;
	uint8_t *data;
	int err;

	st_puts(&h, "{", 1);
	if (w->nmeta) {
		st_puts(&h, "\"__metadata__\":{", 16);
		for (size_t i = 0; i < w->nmeta; i++) {
			if (i)
				st_puts(&h, ",", 1);
			st_json_string(&h, w->keys[i]);
			st_puts(&h, ":", 1);
			st_json_string(&h, w->values[i]);
		}
		st_puts(&h, "}", 1);
	}
	for (size_t i = 0; i < w->nt; i++) {
		const struct st_writer_tensor *t = &w->t[i];

		if (i || w->nmeta)
			st_puts(&h, ",", 1);
		st_json_string(&h, t->name);
		st_puts(&h, ":{\"dtype\":", 10);
		st_json_string(&h, t->dtype);
		st_puts(&h, ",\"shape\":[", 10);
		for (unsigned d = 0; d < t->ndim; d++)
			st_printf(&h, "%s%zu", d ? "," : "", t->shape[d]);
		if (t->override)
			st_printf(&h, "],\"data_offsets\":[%lld,%lld]}", t->begin, t->end);
		else
			st_printf(&h, "],\"data_offsets\":[%zu,%zu]}", off, off + t->bytes);
		off += t->bytes;
	}
	st_puts(&h, "}", 1);
	while (!h.err && (h.len % 8))
		st_puts(&h, " ", 1);
	if (h.err) {
		free(h.s);
		return h.err;
	}
	data_len = off;
	data = malloc(data_len + 1);
	if (!data) {
		free(h.s);
		return -ENOMEM;
	}
	off = 0;
	for (size_t i = 0; i < w->nt; i++) {
		memcpy(data + off, w->t[i].data, w->t[i].bytes);
		off += w->t[i].bytes;
	}
	err = st_file_raw(h.s, data, data_len, buf, len);
	free(data);
	free(h.s);
	return err;
}

int st_write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	int err = 0;

	if (!f)
		return -errno;
	if (len && fwrite(buf, 1, len, f) != len)
		err = -EIO;
	if (fclose(f) && !err)
		err = -EIO;
	return err;
}

int st_writer_save(const struct st_writer *w, const char *path)
{
	uint8_t *buf;
	size_t len;
	int err = st_writer_build(w, &buf, &len);

	if (err)
		return err;
	err = st_write_file(path, buf, len);
	free(buf);
	return err;
}
