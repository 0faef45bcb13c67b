/* convert.c - see convert.h */
#define _POSIX_C_SOURCE 200809L
#include "convert.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAX_DIMS 8

int
mlv_is_npy(const unsigned char *buf, size_t len)
{
	return len >= 6 && !memcmp(buf, NPY_MAGIC, 6);
}

/* ---- .npy ---- */

typedef struct {
	char kind;      /* 'f', 'i', 'u', 'b' */
	int size;       /* bytes per item */
	int swap;       /* stored big-endian */
	int fortran;
	int ndim;
	size_t shape[NPY_MAX_DIMS];
} npy_info;

/* The declared shape as NumPy prints it: "(3, 4)", "(5,)". */
static void
npy_format_shape(const npy_info *info, char *out, size_t cap)
{
	size_t len = (size_t)snprintf(out, cap, "(");
	for (int i = 0; i < info->ndim && len < cap; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s%zu",
		                        i ? ", " : "", info->shape[i]);
	if (len < cap)
		snprintf(out + len, cap - len, info->ndim == 1 ? ",)" : ")");
}

/* Find 'key': in the header dict and return what follows the colon. */
static const char *
dict_value(const char *hdr, const char *key)
{
	char pat[32];
	snprintf(pat, sizeof pat, "'%s'", key);
	const char *p = strstr(hdr, pat);
	if (!p) {
		snprintf(pat, sizeof pat, "\"%s\"", key);
		p = strstr(hdr, pat);
	}
	if (!p)
		return NULL;
	p += strlen(pat);
	while (*p == ' ')
		p++;
	if (*p != ':')
		return NULL;
	p++;
	while (*p == ' ')
		p++;
	return p;
}

static int
parse_npy_header(const char *hdr, npy_info *info, char *err, size_t errlen)
{
	const char *d = dict_value(hdr, "descr");
	if (!d || (*d != '\'' && *d != '"'))
		return mlv_errf(err, errlen, "no 'descr' in .npy header");
	char quote = *d++;
	char descr[16];
	size_t n = 0;
	while (d[n] && d[n] != quote && n < sizeof descr - 1) {
		descr[n] = d[n];
		n++;
	}
	descr[n] = '\0';
	if (n < 3 || d[n] != quote)
		return mlv_errf(err, errlen, "unsupported .npy dtype (%.15s)", d);
	char order = descr[0];
	info->kind = descr[1];
	char *end;
	long size = strtol(descr + 2, &end, 10);
	int known = !*end && ((info->kind == 'f' && (size == 4 || size == 8)) ||
	            ((info->kind == 'i' || info->kind == 'u') &&
	             (size == 1 || size == 2 || size == 4 || size == 8)) ||
	            (info->kind == 'b' && size == 1));
	if (!known || (order != '<' && order != '>' && order != '|' &&
	               order != '='))
		return mlv_errf(err, errlen, "unsupported .npy dtype '%s' (mlv "
		               "reads float32/64, integers and bool)", descr);
	info->size = (int)size;
	info->swap = order == '>' && size > 1;

	const char *f = dict_value(hdr, "fortran_order");
	if (!f)
		return mlv_errf(err, errlen, "no 'fortran_order' in .npy header");
	info->fortran = !strncmp(f, "True", 4);

	const char *s = dict_value(hdr, "shape");
	if (!s || *s != '(')
		return mlv_errf(err, errlen, "no 'shape' in .npy header");
	s++;
	info->ndim = 0;
	for (;;) {
		while (*s == ' ' || *s == ',')
			s++;
		if (*s == ')')
			break;
		if (*s < '0' || *s > '9' || info->ndim == NPY_MAX_DIMS)
			return mlv_errf(err, errlen, "bad 'shape' in .npy header");
		errno = 0;
		unsigned long long v = strtoull(s, &end, 10);
		if (errno == ERANGE || v > SIZE_MAX)
			return mlv_errf(err, errlen, "bad 'shape' in .npy header");
		info->shape[info->ndim++] = (size_t)v;
		s = end;
		if (*s == 'L')
			s++;
	}
	return 0;
}

/* One element as float32.  Integers convert straight to float, never
 * through double, which would round twice; *inexact is set when float32
 * cannot hold the integer exactly. */
static float
npy_value(const unsigned char *p, const npy_info *info, int *inexact)
{
	unsigned char b[8];
	for (int i = 0; i < info->size; i++)
		b[i] = info->swap ? p[info->size - 1 - i] : p[i];
	*inexact = 0;
	if (info->kind == 'f') {
		if (info->size == 4) {
			float v;
			memcpy(&v, b, 4);
			return v;
		}
		double v;
		memcpy(&v, b, 8);
		return (float)v;
	}
	if (info->kind == 'b')
		return b[0] != 0;
	if (info->kind == 'i') {
		int64_t v;
		switch (info->size) {
		case 1: v = (int8_t)b[0]; break;
		case 2: { int16_t t; memcpy(&t, b, 2); v = t; break; }
		case 4: { int32_t t; memcpy(&t, b, 4); v = t; break; }
		default: memcpy(&v, b, 8);
		}
		float f = (float)v;
		/* 2^63 itself is out of int64's range: anything rounding there
		 * is inexact, and the cast back is only done below it. */
		*inexact = f >= 0x1p63f || (int64_t)f != v;
		return f;
	}
	uint64_t v;
	switch (info->size) {
	case 1: v = b[0]; break;
	case 2: { uint16_t t; memcpy(&t, b, 2); v = t; break; }
	case 4: { uint32_t t; memcpy(&t, b, 4); v = t; break; }
	default: memcpy(&v, b, 8);
	}
	float f = (float)v;
	*inexact = f >= 0x1p64f || (uint64_t)f != v;
	return f;
}

int
mlv_npy_read(mlv_reader *rd, mlv_record *r, size_t *inexact, char *err,
             size_t errlen)
{
	const unsigned char *buf;
	size_t len, got;
	*inexact = 0;
	if (mlv_reader_peek(rd, &buf, &len, 12))
		return mlv_errf(err, errlen, "%s", mlv_reader_error(rd));
	if (len == 0)
		return 0;
	mlv_reader_mark_record(rd);
	if (!mlv_is_npy(buf, len))
		return mlv_errf(err, errlen, "not an .npy array (bad magic)");
	if (len < 10)
		return mlv_errf(err, errlen, "truncated .npy header");
	int major = buf[6];
	size_t hlen, pre;
	if (major == 1) {
		hlen = buf[8] | (size_t)buf[9] << 8;
		pre = 10;
	} else if (major == 2 || major == 3) {
		if (len < 12)
			return mlv_errf(err, errlen, "truncated .npy header");
		hlen = buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 |
		       (size_t)buf[11] << 24;
		pre = 12;
	} else {
		return mlv_errf(err, errlen, "unsupported .npy version %d.%d",
		               major, buf[7]);
	}
	if (hlen > MLV_HEADER_MAX)
		return mlv_errf(err, errlen, ".npy header too long (%zu bytes)",
		               hlen);
	char *hdr = mlv_malloc(pre + hlen + 1);
	if (mlv_reader_read_raw(rd, hdr, pre + hlen, &got)) {
		free(hdr);
		return mlv_errf(err, errlen, "truncated .npy header");
	}
	hdr[pre + hlen] = '\0';
	npy_info info;
	memset(&info, 0, sizeof info);
	int rc = parse_npy_header(hdr + pre, &info, err, errlen);
	free(hdr);
	if (rc)
		return -1;

	size_t rows = 1, cols = 1, steps = 0, n = 0, bytes = 0;
	if (info.ndim >= 1)
		rows = info.shape[0];
	int overflow = 0;
	for (int i = 1; i < info.ndim; i++)
		overflow |= mlv_checked_mul(cols, info.shape[i], &cols);
	if (info.ndim == 3)
		steps = info.shape[1];
	if (overflow || mlv_checked_mul(rows, cols, &n) ||
	    mlv_checked_mul(n, (size_t)info.size, &bytes) ||
	    mlv_checked_mul(n, sizeof(float), &got) ||
	    bytes > mlv_max_record_bytes() || got > mlv_max_record_bytes()) {
		char shape[NPY_MAX_DIMS * 22 + 3];
		npy_format_shape(&info, shape, sizeof shape);
		return mlv_errf(err, errlen, ".npy array too large (shape %s; "
		               "set MLV_MAX_RECORD to raise the limit)", shape);
	}
	if (info.fortran && info.ndim > 2)
		return mlv_errf(err, errlen, "Fortran-order .npy arrays of more "
		               "than 2 dimensions are not supported");

	/* Refuse a shape the input cannot fill before allocating for it (a
	 * pipe is read ahead to know). */
	uint64_t left;
	if (mlv_reader_read_ahead(rd, (uint64_t)bytes + 1))
		return mlv_errf(err, errlen, "%s", mlv_reader_error(rd));
	if (mlv_reader_bytes_left(rd, &left) == 0 && bytes > left)
		return mlv_errf(err, errlen, "truncated .npy data (expected %zu "
		               "bytes, got %llu)", bytes, (unsigned long long)left);
	mlv_record_resize(r, rows, cols);
	mlv_meta_clear(r);
	if (info.ndim == 3)
		mlv_meta_setf(r, "steps", "%zu", steps);
	if (info.kind == 'f' && info.size == 4 && !info.swap && !info.fortran) {
		if (mlv_reader_read_raw(rd, r->data, bytes, &got))
			return mlv_errf(err, errlen, "truncated .npy data (expected "
			               "%zu bytes, got %zu)", bytes, got);
		return 1;
	}
	/* Other types go through a bounded staging buffer, converting as
	 * they arrive. */
	size_t chunk_items = (1u << 20) / (size_t)info.size;
	unsigned char *stage = mlv_malloc(chunk_items * (size_t)info.size);
	size_t done = 0;
	while (done < n) {
		size_t k = n - done < chunk_items ? n - done : chunk_items;
		if (mlv_reader_read_raw(rd, stage, k * (size_t)info.size, &got)) {
			free(stage);
			return mlv_errf(err, errlen, "truncated .npy data (expected "
			               "%zu bytes, got %zu)", bytes,
			               done * (size_t)info.size + got);
		}
		for (size_t i = 0; i < k; i++) {
			int lost;
			float f = npy_value(stage + i * (size_t)info.size, &info,
			                    &lost);
			*inexact += (size_t)lost;
			size_t at = done + i;
			if (info.fortran) /* element (i, j) is stored at j*rows + i */
				at = (at % rows) * cols + at / rows;
			r->data[at] = f;
		}
		done += k;
	}
	free(stage);
	return 1;
}

size_t
mlv_npy_header(unsigned char *out, size_t rows, size_t cols)
{
	char dict[256];
	int n = snprintf(dict, sizeof dict,
	                 "{'descr': '<f4', 'fortran_order': False, "
	                 "'shape': (%zu, %zu), }", rows, cols);
	/* numpy pads the header so the data starts 64-byte aligned. */
	size_t total = 10 + (size_t)n + 1;
	size_t pad = (64 - total % 64) % 64;
	size_t hlen = (size_t)n + pad + 1;
	unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
	                         (unsigned char)(hlen & 0xff),
	                         (unsigned char)(hlen >> 8)};
	memcpy(out, pre, sizeof pre);
	memcpy(out + sizeof pre, dict, (size_t)n);
	memset(out + sizeof pre + n, ' ', pad);
	out[sizeof pre + hlen - 1] = '\n';
	return sizeof pre + hlen;
}

int
mlv_npy_write_header(mlv_writer *w, size_t rows, size_t cols)
{
	unsigned char h[MLV_NPY_HEADER_MAX];
	return mlv_write_bytes(w, h, mlv_npy_header(h, rows, cols));
}

/* ---- delimited text ---- */

/* Split line in place into fields; CSV fields may be double-quoted with ""
 * for a quote.  Returns the field count, or -1 on an unterminated quote. */
static long
split_fields(char *line, char delim, char ***fields, size_t *cap)
{
	size_t nf = 0;
	char *p = line;
	for (;;) {
		if (nf == *cap) {
			*cap = *cap ? 2 * *cap : 64;
			*fields = mlv_realloc(*fields, *cap * sizeof **fields);
		}
		if (delim == ',' && *p == '"') {
			char *o = ++p;
			(*fields)[nf++] = o;
			for (;;) {
				if (!*p)
					return -1;
				if (*p == '"' && p[1] == '"') {
					*o++ = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					*o++ = *p++;
				}
			}
			*o = '\0';
			if (*p == delim) {
				p++;
				continue;
			}
			if (*p)
				return -1;
			return (long)nf;
		}
		(*fields)[nf++] = p;
		char *e = strchr(p, delim);
		if (!e)
			return (long)nf;
		*e = '\0';
		p = e + 1;
	}
}

static int
parse_float(const char *s, float *out)
{
	while (*s == ' ')
		s++;
	char *end;
	errno = 0;
	*out = strtof(s, &end);
	if (end == s)
		return -1;
	while (*end == ' ')
		end++;
	return *end ? -1 : 0;
}

int
mlv_text_read(mlv_reader *rd, char delim, mlv_record *r, char *err,
              size_t errlen)
{
	size_t cap = 0, nrows = 0, ncols = 0, fcap = 0, lineno = 0;
	float *data = NULL;
	char **fields = NULL;
	char *line = NULL;
	size_t lcap = 0, llen = 0;
	int rc = -1, done = 0;
	mlv_record_resize(r, 0, 0);
	mlv_meta_clear(r);
	mlv_reader_mark_record(rd);
	while (!done) {
		/* Gather one line from the reader's buffer. */
		llen = 0;
		for (;;) {
			const unsigned char *buf;
			size_t len, got;
			if (mlv_reader_peek(rd, &buf, &len, 1)) {
				mlv_errf(err, errlen, "%s", mlv_reader_error(rd));
				goto out;
			}
			if (len == 0) {
				done = 1;
				break;
			}
			const unsigned char *nl = memchr(buf, '\n', len);
			size_t take = nl ? (size_t)(nl - buf) + 1 : len;
			if (llen + take + 1 > lcap) {
				lcap = 2 * (llen + take + 1);
				line = mlv_realloc(line, lcap);
			}
			mlv_reader_read_raw(rd, line + llen, take, &got);
			llen += take;
			if (nl)
				break;
		}
		if (done && llen == 0)
			break;
		lineno++;
		while (llen && (line[llen - 1] == '\n' || line[llen - 1] == '\r'))
			llen--;
		line[llen] = '\0';
		if (!llen || line[0] == '#')
			continue;
		if (memchr(line, '\0', llen)) {
			mlv_errf(err, errlen, "line %zu: NUL byte (not text)", lineno);
			goto out;
		}
		long nf = split_fields(line, delim, &fields, &fcap);
		if (nf < 0) {
			mlv_errf(err, errlen, "line %zu: unterminated quote", lineno);
			goto out;
		}
		if (nrows == 0 && ncols == 0) {
			/* A header names every column: a first line with some
			 * numbers is data, and a typo in it an error, not names. */
			float v;
			int all_names = 1;
			for (long i = 0; i < nf && all_names; i++)
				all_names = parse_float(fields[i], &v) != 0;
			ncols = (size_t)nf;
			if (all_names) {
				size_t need = 1;
				for (long i = 0; i < nf; i++)
					need += strlen(fields[i]) + 1;
				char *names = mlv_malloc(need), *o = names;
				for (long i = 0; i < nf; i++) {
					if (strchr(fields[i], ',')) {
						free(names);
						mlv_errf(err, errlen, "line %zu: column name "
						        "'%.40s' contains a comma", lineno,
						        fields[i]);
						goto out;
					}
					o += sprintf(o, "%s%s", i ? "," : "", fields[i]);
				}
				mlv_meta_set(r, "colnames", names);
				free(names);
				continue;
			}
		}
		if ((size_t)nf != ncols) {
			mlv_errf(err, errlen, "line %zu: %ld fields (expected %zu, as "
			        "in the first row)", lineno, nf, ncols);
			goto out;
		}
		if ((nrows + 1) * ncols > cap) {
			cap = 2 * (nrows + 1) * ncols;
			data = mlv_realloc(data, mlv_mul_size(cap, sizeof(float),
			                                      "text input"));
		}
		for (size_t j = 0; j < ncols; j++)
			if (parse_float(fields[j], &data[nrows * ncols + j])) {
				mlv_errf(err, errlen, "line %zu, field %zu: '%.40s' is "
				        "not a number", lineno, j + 1, fields[j]);
				goto out;
			}
		nrows++;
	}
	mlv_record_resize(r, nrows, ncols);
	if (nrows)
		memcpy(r->data, data, nrows * ncols * sizeof(float));
	rc = 0;
out:
	free(data);
	free(fields);
	free(line);
	return rc;
}

int
mlv_text_write_field(mlv_writer *w, const char *s, char delim)
{
	if (delim == ',') {
		if (!strpbrk(s, ",\"\n\r"))
			return mlv_write_bytes(w, s, strlen(s));
		if (mlv_write_bytes(w, "\"", 1))
			return -1;
		for (const char *p = s; *p; p++)
			if (mlv_write_bytes(w, p, 1) ||
			    (*p == '"' && mlv_write_bytes(w, "\"", 1)))
				return -1;
		return mlv_write_bytes(w, "\"", 1);
	}
	for (const char *p = s; *p; p++) {
		const char *esc = *p == '\t' ? "\\t" : *p == '\n' ? "\\n" :
		                  *p == '\r' ? "\\r" : *p == '\\' ? "\\\\" : NULL;
		if (esc ? mlv_write_bytes(w, esc, 2) : mlv_write_bytes(w, p, 1))
			return -1;
	}
	return 0;
}

static int
write_float(mlv_writer *w, float v)
{
	char buf[32];
	int n;
	if (isnan(v))
		n = snprintf(buf, sizeof buf, "nan");
	else if (isinf(v))
		n = snprintf(buf, sizeof buf, v > 0 ? "inf" : "-inf");
	else
		n = snprintf(buf, sizeof buf, "%.9g", v);
	return mlv_write_bytes(w, buf, (size_t)n);
}

int
mlv_text_write_rows(mlv_writer *w, const mlv_record *r, char delim,
                    char *const *keys, size_t nkeys)
{
	double t0 = 0, dt = 0;
	mlv_meta_get_double(r, "t0", &t0);
	mlv_meta_get_double(r, "dt", &dt);
	for (size_t i = 0; i < r->rows; i++) {
		for (size_t k = 0; k < nkeys; k++) {
			char num[48];
			const char *v;
			if (!strcmp(keys[k], "row")) {
				snprintf(num, sizeof num, "%zu", i);
				v = num;
			} else if (!strcmp(keys[k], "t")) {
				snprintf(num, sizeof num, "%.9g", t0 + (double)i * dt);
				v = num;
			} else {
				v = mlv_meta_get(r, keys[k]);
				v = v ? v : "";
			}
			if (mlv_text_write_field(w, v, delim) ||
			    mlv_write_bytes(w, &delim, 1))
				return -1;
		}
		const float *row = r->data + i * r->cols;
		for (size_t j = 0; j < r->cols; j++)
			if ((j && mlv_write_bytes(w, &delim, 1)) ||
			    write_float(w, row[j]))
				return -1;
		if (mlv_write_bytes(w, "\n", 1))
			return -1;
	}
	return 0;
}

size_t
mlv_count_names(const char *names)
{
	size_t n = 1;
	for (const char *p = names; *p; p++)
		n += *p == ',';
	return n;
}

int
mlv_text_write_names(mlv_writer *w, const mlv_record *r, char delim,
                     char *const *keys, size_t nkeys)
{
	for (size_t k = 0; k < nkeys; k++)
		if (mlv_text_write_field(w, keys[k], delim) ||
		    mlv_write_bytes(w, &delim, 1))
			return -1;
	/* Names that do not match the columns one to one are not used:
	 * a misaligned header is worse than a generic one. */
	const char *names = mlv_meta_get(r, "colnames");
	if (names && mlv_count_names(names) != r->cols)
		names = NULL;
	char *copy = names ? mlv_strdup(names) : NULL;
	char *name = copy;
	int rc = 0;
	for (size_t j = 0; j < r->cols && !rc; j++) {
		char num[32];
		char *next = name ? strchr(name, ',') : NULL;
		if (next)
			*next++ = '\0';
		snprintf(num, sizeof num, "c%zu", j);
		rc = (j && mlv_write_bytes(w, &delim, 1)) ||
		     mlv_text_write_field(w, name ? name : num, delim);
		name = next;
	}
	free(copy);
	return rc || mlv_write_bytes(w, "\n", 1) ? -1 : 0;
}
