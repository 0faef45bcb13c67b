/* stream.c - MLV stream reader and writer; see stream.h and man/mlv.5. */
#define _POSIX_C_SOURCE 200809L
#include "stream.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define MLV_BIG_ENDIAN 1
#else
#define MLV_BIG_ENDIAN 0
#endif

/* Large enough to hold a maximal header line and its newline, so a header
 * is always parsed from one contiguous buffer. */
#define READ_BUF (1024 * 1024)
#define WRITE_BUF (1024 * 1024)

/* ---- records and metadata ---- */

void
mlv_record_init(mlv_record *r)
{
	memset(r, 0, sizeof *r);
}

void
mlv_record_free(mlv_record *r)
{
	mlv_meta_clear(r);
	free(r->meta);
	free(r->data);
	mlv_record_init(r);
}

void
mlv_record_resize(mlv_record *r, size_t rows, size_t cols)
{
	size_t n = mlv_mul_size(rows, cols, "record");
	mlv_mul_size(n, sizeof(float), "record");
	if (n > r->data_cap) {
		free(r->data);
		r->data = mlv_malloc(n * sizeof(float));
		r->data_cap = n;
	}
	r->rows = rows;
	r->cols = cols;
}

void
mlv_record_copy(mlv_record *dst, const mlv_record *src)
{
	mlv_record_resize(dst, src->rows, src->cols);
	if (src->rows && src->cols)
		memcpy(dst->data, src->data, src->rows * src->cols * sizeof(float));
	mlv_meta_clear(dst);
	mlv_meta_merge(dst, src, 1);
}

size_t
mlv_count_nonfinite(const float *x, size_t n)
{
	size_t bad = 0;
	for (size_t i = 0; i < n; i++)
		bad += !isfinite(x[i]);
	return bad;
}

static int
key_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' ||
	       c == '+' || c == '-';
}

int
mlv_key_valid(const char *key)
{
	if (!*key)
		return 0;
	for (const char *p = key; *p; p++)
		if (!key_char((unsigned char)*p))
			return 0;
	return 1;
}

/* The optimal-string-alignment distance between a[0 .. na) and b[0 ..
 * nb) (Damerau 1964, each substring edited once), stopping at limit + 1
 * once every alignment costs more.  Three rows of nb + 1. */
static size_t
edit_distance(const char *a, size_t na, const char *b, size_t nb,
              size_t limit)
{
	size_t *row = mlv_malloc(3 * (nb + 1) * sizeof *row);
	size_t *two = row, *prev = row + nb + 1, *cur = row + 2 * (nb + 1);
	for (size_t j = 0; j <= nb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= na; i++) {
		size_t best = cur[0] = i;
		for (size_t j = 1; j <= nb; j++) {
			size_t d = prev[j - 1] + (a[i - 1] != b[j - 1]);
			if (prev[j] + 1 < d)
				d = prev[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && two[j - 2] + 1 < d)
				d = two[j - 2] + 1;
			cur[j] = d;
			best = d < best ? d : best;
		}
		if (best > limit) {
			free(row);
			return limit + 1;
		}
		size_t *t = two;
		two = prev;
		prev = cur;
		cur = t;
	}
	size_t d = prev[nb];
	free(row);
	return d;
}

const char *
mlv_nearest_key(const char *want, const char *const *keys, size_t nkeys)
{
	size_t n = strlen(want), limit = n > 3 ? (n + 2) / 3 : 1;
	const char *nearest = NULL;
	for (size_t i = 0; i < nkeys; i++) {
		size_t d = edit_distance(want, n, keys[i], strlen(keys[i]), limit);
		if (d == 0)
			return NULL;
		if (d <= limit) {
			nearest = keys[i];
			limit = d - 1;
		}
	}
	return nearest;
}

static mlv_kv *
meta_find(const mlv_record *r, const char *key)
{
	for (size_t i = 0; i < r->nmeta; i++)
		if (!strcmp(r->meta[i].key, key))
			return &r->meta[i];
	return NULL;
}

const char *
mlv_meta_get(const mlv_record *r, const char *key)
{
	mlv_kv *kv = meta_find(r, key);
	return kv ? kv->val : NULL;
}

static void
meta_append(mlv_record *r, const char *key, const char *val)
{
	if (r->nmeta == r->meta_cap) {
		r->meta_cap = r->meta_cap ? 2 * r->meta_cap : 16;
		r->meta = mlv_realloc(r->meta, r->meta_cap * sizeof *r->meta);
	}
	r->meta[r->nmeta].key = mlv_strdup(key);
	r->meta[r->nmeta].val = mlv_strdup(val);
	r->nmeta++;
}

static int
compare_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A key that a header gives twice, or NULL: found by sorting, since a
 * header may hold thousands of keys (a pairwise check took seconds). */
static const char *
duplicate_key(const mlv_record *r)
{
	if (r->nmeta < 2)
		return NULL;
	const char **keys = mlv_malloc(r->nmeta * sizeof *keys);
	for (size_t i = 0; i < r->nmeta; i++)
		keys[i] = r->meta[i].key;
	qsort(keys, r->nmeta, sizeof *keys, compare_keys);
	const char *dup = NULL;
	for (size_t i = 1; i < r->nmeta && !dup; i++)
		if (!strcmp(keys[i - 1], keys[i]))
			dup = keys[i];
	free(keys);
	return dup;
}

void
mlv_meta_set(mlv_record *r, const char *key, const char *val)
{
	mlv_kv *kv = meta_find(r, key);
	if (kv) {
		char *v = mlv_strdup(val);
		free(kv->val);
		kv->val = v;
		return;
	}
	meta_append(r, key, val);
}

void
mlv_meta_setf(mlv_record *r, const char *key, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		mlv_die("%s: cannot format metadata value", key);
	if ((size_t)n < sizeof small) {
		mlv_meta_set(r, key, small);
		return;
	}
	char *buf = mlv_malloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(buf, (size_t)n + 1, fmt, ap);
	va_end(ap);
	mlv_meta_set(r, key, buf);
	free(buf);
}

void
mlv_meta_unset(mlv_record *r, const char *key)
{
	mlv_kv *kv = meta_find(r, key);
	if (!kv)
		return;
	free(kv->key);
	free(kv->val);
	size_t i = (size_t)(kv - r->meta);
	memmove(kv, kv + 1, (r->nmeta - i - 1) * sizeof *kv);
	r->nmeta--;
}

void
mlv_meta_clear(mlv_record *r)
{
	for (size_t i = 0; i < r->nmeta; i++) {
		free(r->meta[i].key);
		free(r->meta[i].val);
	}
	r->nmeta = 0;
}

void
mlv_meta_merge(mlv_record *dst, const mlv_record *src, int replace)
{
	for (size_t i = 0; i < src->nmeta; i++)
		if (replace || !meta_find(dst, src->meta[i].key))
			mlv_meta_set(dst, src->meta[i].key, src->meta[i].val);
}

int
mlv_meta_get_double(const mlv_record *r, const char *key, double *out)
{
	const char *v = mlv_meta_get(r, key);
	if (!v)
		return -1;
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	if (end == v || *end || errno == ERANGE)
		return -2;
	*out = d;
	return 0;
}

static int
needs_escape(unsigned char c)
{
	return c <= ' ' || c > '~' || c == '%';
}

size_t
mlv_encode(char *out, const char *in)
{
	static const char hex[] = "0123456789ABCDEF";
	char *o = out;
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		if (needs_escape(*p)) {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		} else {
			*o++ = (char)*p;
		}
	}
	*o = '\0';
	return (size_t)(o - out);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
mlv_decode(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		if (*p != '%') {
			*o++ = *p;
			continue;
		}
		int hi = hexval((unsigned char)p[1]);
		int lo = hi < 0 ? -1 : hexval((unsigned char)p[2]);
		if (lo < 0 || (hi == 0 && lo == 0))
			return -1;
		*o++ = (char)(hi << 4 | lo);
		p += 2;
	}
	*o = '\0';
	return 0;
}

/* ---- reading ---- */

struct mlv_reader {
	int fd;
	int own_fd;
	/* Bytes read ahead of the descriptor (or an in-memory source): taken
	 * before fd, which is -1 when there is none. */
	const unsigned char *mem;
	unsigned char *mem_owned; /* mem, when read ahead by the reader */
	size_t mem_len, mem_pos, mem_cap;
	int mem_is_rest;          /* nothing follows mem */
	char *name;
	unsigned char *buf;
	size_t pos, len;   /* unread bytes are buf[pos..len) */
	int eof;
	uint64_t consumed; /* bytes consumed before buf[pos] */
	uint64_t index;    /* 1-based index of the record last read */
	uint64_t offset;   /* byte offset of its header */
	uint64_t max_bytes;
	char err[1024];
	char *where;       /* last mlv_reader_where() text */
};

uint64_t
mlv_max_record_bytes(void)
{
	const char *s = getenv("MLV_MAX_RECORD");
	if (!s || !*s)
		return MLV_DEFAULT_MAX_RECORD;
	return mlv_parse_size(s, "MLV_MAX_RECORD");
}

mlv_reader *
mlv_reader_fdopen(int fd, const char *name)
{
	mlv_reader *rd = mlv_calloc(1, sizeof *rd);
	rd->fd = fd;
	rd->name = mlv_strdup(name);
	rd->buf = mlv_malloc(READ_BUF);
	rd->max_bytes = mlv_max_record_bytes();
	return rd;
}

mlv_reader *
mlv_reader_memopen(const void *buf, size_t len, const char *name)
{
	mlv_reader *rd = mlv_reader_fdopen(-1, name);
	rd->mem = buf;
	rd->mem_len = len;
	rd->mem_is_rest = 1;
	return rd;
}

mlv_reader *
mlv_reader_open(const char *path)
{
	if (!path || !strcmp(path, "-"))
		return mlv_reader_fdopen(STDIN_FILENO, "<stdin>");
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		errno = EISDIR;
		return NULL;
	}
	mlv_reader *rd = mlv_reader_fdopen(fd, path);
	rd->own_fd = 1;
	return rd;
}

mlv_reader *
mlv_reader_open_or_die(const char *path)
{
	mlv_reader *rd = mlv_reader_open(path);
	if (!rd)
		mlv_die("%s: cannot open (%s)", path, strerror(errno));
	return rd;
}

void
mlv_reader_close(mlv_reader *rd)
{
	if (!rd)
		return;
	if (rd->own_fd)
		close(rd->fd);
	free(rd->name);
	free(rd->mem_owned);
	free(rd->buf);
	free(rd->where);
	free(rd);
}

const char *
mlv_reader_error(const mlv_reader *rd)
{
	return rd->err;
}

const char *
mlv_reader_name(const mlv_reader *rd)
{
	return rd->name;
}

uint64_t
mlv_reader_index(const mlv_reader *rd)
{
	return rd->index;
}

void
mlv_reader_mark_record(mlv_reader *rd)
{
	rd->index++;
	rd->offset = rd->consumed + rd->pos;
}

uint64_t
mlv_reader_offset(const mlv_reader *rd)
{
	return rd->offset;
}

void
mlv_reader_set_origin(mlv_reader *rd, uint64_t offset, uint64_t index)
{
	rd->consumed = offset;
	rd->index = index;
}

uint64_t
mlv_reader_tell(const mlv_reader *rd)
{
	return rd->consumed + rd->pos;
}

int
mlv_reader_bytes_left(const mlv_reader *rd, uint64_t *left)
{
	if (rd->mem_is_rest) {
		*left = (rd->len - rd->pos) + (rd->mem_len - rd->mem_pos);
		return 0;
	}
	struct stat st;
	if (rd->mem || fstat(rd->fd, &st) || !S_ISREG(st.st_mode))
		return -1;
	uint64_t at = mlv_reader_tell(rd);
	*left = (uint64_t)st.st_size > at ? (uint64_t)st.st_size - at : 0;
	return 0;
}

int
mlv_reader_read_ahead(mlv_reader *rd, uint64_t max)
{
	uint64_t left;
	if (rd->mem_is_rest || (!rd->mem && !mlv_reader_bytes_left(rd, &left)))
		return 0;
	/* Keep what is read ahead and not yet taken, and add to it. */
	unsigned char *buf = rd->mem_owned;
	size_t len = rd->mem_len - rd->mem_pos, cap = rd->mem_cap;
	int failed = 0;
	if (len && rd->mem_pos)
		memmove(buf, buf + rd->mem_pos, len);
	while ((uint64_t)len < max) {
		if (len == cap) {
			cap = cap ? 2 * cap : READ_BUF;
			if ((uint64_t)cap > max)
				cap = (size_t)max;
			buf = mlv_realloc(buf, cap);
		}
		ssize_t k = read(rd->fd, buf + len, cap - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			snprintf(rd->err, sizeof rd->err, "%s: read error at byte "
			         "%llu (%s)", rd->name,
			         (unsigned long long)(rd->consumed + rd->len + len),
			         strerror(errno));
			failed = 1;
			break;
		}
		if (k == 0) {
			rd->mem_is_rest = 1;
			break;
		}
		len += (size_t)k;
	}
	rd->mem = rd->mem_owned = buf;
	rd->mem_cap = cap;
	rd->mem_len = len;
	rd->mem_pos = 0;
	return -failed;
}

const char *
mlv_reader_where(mlv_reader *rd, const mlv_record *r)
{
	const char *id = r ? mlv_meta_get(r, "id") : NULL;
	size_t n = strlen(rd->name) + (id ? strlen(id) : 0) + 64;
	free(rd->where);
	rd->where = mlv_malloc(n);
	if (id)
		snprintf(rd->where, n, "%s: record %llu (id=%s)", rd->name,
		         (unsigned long long)rd->index, id);
	else
		snprintf(rd->where, n, "%s: record %llu", rd->name,
		         (unsigned long long)rd->index);
	return rd->where;
}

/* read(2) from the descriptor, or a copy from the memory source. */
static ssize_t
source_read(mlv_reader *rd, void *dst, size_t n)
{
	if (rd->mem_pos == rd->mem_len)
		return rd->fd < 0 || rd->mem_is_rest ? 0 : read(rd->fd, dst, n);
	size_t k = rd->mem_len - rd->mem_pos < n ? rd->mem_len - rd->mem_pos : n;
	memcpy(dst, rd->mem + rd->mem_pos, k);
	rd->mem_pos += k;
	return (ssize_t)k;
}

static int
fill(mlv_reader *rd)
{
	if (rd->eof)
		return 0;
	if (rd->pos > 0) {
		memmove(rd->buf, rd->buf + rd->pos, rd->len - rd->pos);
		rd->consumed += rd->pos;
		rd->len -= rd->pos;
		rd->pos = 0;
	}
	if (rd->len == READ_BUF)
		return 1;
	ssize_t n;
	do
		n = source_read(rd, rd->buf + rd->len, READ_BUF - rd->len);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		snprintf(rd->err, sizeof rd->err, "%s: read error at byte %llu (%s)",
		         rd->name, (unsigned long long)(rd->consumed + rd->len),
		         strerror(errno));
		return -1;
	}
	if (n == 0)
		rd->eof = 1;
	rd->len += (size_t)n;
	return n > 0;
}

int
mlv_reader_peek(mlv_reader *rd, const unsigned char **buf, size_t *len,
                size_t want)
{
	if (want > READ_BUF)
		want = READ_BUF;
	while (rd->len - rd->pos < want) {
		int rc = fill(rd);
		if (rc < 0)
			return -1;
		if (rc == 0)
			break;
	}
	*buf = rd->buf + rd->pos;
	*len = rd->len - rd->pos;
	return 0;
}

/* Read n bytes into dst, taking what is buffered first and then reading
 * straight from the descriptor, which keeps large payloads out of the
 * buffer (one copy fewer). */
static int
read_exact(mlv_reader *rd, unsigned char *dst, size_t n, size_t *got)
{
	size_t have = rd->len - rd->pos;
	size_t take = have < n ? have : n;
	if (take)
		memcpy(dst, rd->buf + rd->pos, take);
	rd->pos += take;
	*got = take;
	while (*got < n && !rd->eof) {
		ssize_t k = source_read(rd, dst + *got, n - *got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			snprintf(rd->err, sizeof rd->err,
			         "%s: read error at byte %llu (%s)", rd->name,
			         (unsigned long long)(rd->consumed + rd->pos + *got),
			         strerror(errno));
			return -1;
		}
		if (k == 0)
			rd->eof = 1;
		*got += (size_t)k;
		rd->consumed += (size_t)k;
	}
	return *got == n ? 0 : -1;
}

int
mlv_reader_read_raw(mlv_reader *rd, void *buf, size_t n, size_t *got)
{
	rd->err[0] = '\0';
	return read_exact(rd, buf, n, got);
}

static int
read_error(mlv_reader *rd, const char *fmt, ...) MLV_PRINTF(2, 3);

static int
read_error(mlv_reader *rd, const char *fmt, ...)
{
	int n = snprintf(rd->err, sizeof rd->err, "%s: record %llu at byte %llu: ",
	                 rd->name, (unsigned long long)rd->index,
	                 (unsigned long long)rd->offset);
	if (n < 0 || (size_t)n >= sizeof rd->err)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rd->err + n, sizeof rd->err - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Strictly decimal, no sign, no spaces, no overflow. */
static int
parse_dim(const char *s, size_t *out)
{
	if (!*s)
		return -1;
	uint64_t v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v > SIZE_MAX)
		return -1;
	*out = (size_t)v;
	return 0;
}

/* Quote a header fragment for a message: printable bytes as they are,
 * others as \xNN, at most 24 bytes of it. */
static const char *
quote_bytes(char *out, const unsigned char *s, size_t n)
{
	char *o = out;
	for (size_t i = 0; i < n && i < 24; i++) {
		if (s[i] >= ' ' && s[i] <= '~')
			*o++ = (char)s[i];
		else
			o += sprintf(o, "\\x%02X", s[i]);
	}
	*o = '\0';
	return out;
}

/* What a file that is not a stream is, by its magic bytes, for a message
 * that names the tool that reads it; NULL when unknown. */
static const char *
foreign_format(const unsigned char *b, size_t n)
{
	static const struct { size_t at; const char *magic, *what; } known[] = {
		{0, "\x93NUMPY", "this is a NumPy file, not an MLV stream "
		 "(convert it with mlv-cat --from npy)"},
		{8, "WAVE", "this is WAV audio, not an MLV stream (compute "
		 "features from it with mlv-spec)"},
		{0, "fLaC", "this is FLAC audio, not an MLV stream (compute "
		 "features from it with mlv-spec)"},
		{0, "OggS", "this is Ogg audio, not an MLV stream (compute "
		 "features from it with mlv-spec)"},
		{0, "ID3", "this is MP3 audio, not an MLV stream (compute "
		 "features from it with mlv-spec)"},
		{8, "AIF", "this is AIFF audio, not an MLV stream (compute "
		 "features from it with mlv-spec)"},
	};
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		size_t len = strlen(known[i].magic);
		if (n >= known[i].at + len &&
		    !memcmp(b + known[i].at, known[i].magic, len))
			return known[i].what;
	}
	/* An MP3 without a tag starts with a frame's sync bits. */
	if (n >= 2 && b[0] == 0xFF && (b[1] & 0xE6) == 0xE2)
		return "this is MP3 audio, not an MLV stream (compute features "
		       "from it with mlv-spec)";
	return NULL;
}

static int
parse_header(mlv_reader *rd, char *line, mlv_record *r, size_t *rows,
             size_t *cols)
{
	char *save = NULL;
	char *tok = strtok_r(line, " ", &save);
	if (!tok || strcmp(tok, MLV_MAGIC)) {
		char q[128];
		if (tok && !strncmp(tok, "MLV", 3))
			return read_error(rd, "unsupported format version (%s, "
			                  "this mlv reads MLV1)",
			                  quote_bytes(q, (unsigned char *)tok,
			                              strlen(tok)));
		return read_error(rd, "not an MLV record (starts with '%s')",
		                  quote_bytes(q, (unsigned char *)line,
		                              tok ? strlen(line) : 0));
	}
	char *rs = strtok_r(NULL, " ", &save);
	char *cs = rs ? strtok_r(NULL, " ", &save) : NULL;
	if (!rs || !cs)
		return read_error(rd, "bad header (expected 'MLV1 ROWS COLS')");
	if (parse_dim(rs, rows))
		return read_error(rd, "bad header (ROWS '%.32s' is not a "
		                  "non-negative integer that fits)", rs);
	if (parse_dim(cs, cols))
		return read_error(rd, "bad header (COLS '%.32s' is not a "
		                  "non-negative integer that fits)", cs);
	mlv_meta_clear(r);
	while ((tok = strtok_r(NULL, " ", &save))) {
		char *eq = strchr(tok, '=');
		if (!eq)
			return read_error(rd, "bad header (field '%.40s' is not "
			                  "key=value)", tok);
		*eq = '\0';
		if (!mlv_key_valid(tok))
			return read_error(rd, "bad header (invalid key '%.40s')",
			                  tok);
		if (mlv_decode(eq + 1))
			return read_error(rd, "bad header (bad percent-encoding "
			                  "in value of '%.40s')", tok);
		meta_append(r, tok, eq + 1);
	}
	const char *dup = duplicate_key(r);
	if (dup)
		return read_error(rd, "bad header (duplicate key '%.40s')", dup);
	return 0;
}

static void
swap_floats(float *x, size_t n)
{
	uint32_t *u = (uint32_t *)x;
	for (size_t i = 0; i < n; i++)
		u[i] = __builtin_bswap32(u[i]);
}

int
mlv_read(mlv_reader *rd, mlv_record *r)
{
	rd->err[0] = '\0';
	/* Find the end of the header line, filling the buffer as needed. */
	size_t scanned = 0;
	unsigned char *nl;
	for (;;) {
		nl = memchr(rd->buf + rd->pos + scanned, '\n',
		            rd->len - rd->pos - scanned);
		if (nl)
			break;
		scanned = rd->len - rd->pos;
		if (scanned > MLV_HEADER_MAX)
			break;
		int rc = fill(rd);
		if (rc < 0)
			return -1;
		if (rc == 0)
			break;
	}
	rd->index++;
	rd->offset = rd->consumed + rd->pos;
	size_t avail = rd->len - rd->pos;
	char *line = (char *)rd->buf + rd->pos;
	if (avail == 0 && !nl) {
		rd->index--;
		return 0;
	}
	size_t cmp = avail < 5 ? avail : 5;
	if (memcmp(line, MLV_MAGIC " ", cmp) && strncmp(line, "MLV", cmp < 3 ? cmp : 3)) {
		char q[128];
		const char *what = rd->offset == 0 ?
		                   foreign_format((unsigned char *)line, avail) :
		                   NULL;
		if (what)
			return read_error(rd, "%s", what);
		return read_error(rd, "not an MLV record (starts with '%s')",
		                  quote_bytes(q, (unsigned char *)line, avail));
	}
	if (!nl) {
		if (avail > MLV_HEADER_MAX)
			return read_error(rd, "header line longer than %d bytes",
			                  MLV_HEADER_MAX);
		return read_error(rd, "truncated header (%zu bytes, no newline)",
		                  avail);
	}
	size_t hlen = (size_t)(nl - (rd->buf + rd->pos));
	if (hlen > MLV_HEADER_MAX)
		return read_error(rd, "header line longer than %d bytes",
		                  MLV_HEADER_MAX);
	for (size_t i = 0; i < hlen; i++) {
		unsigned char c = (unsigned char)line[i];
		if (c < ' ' || c > '~')
			return read_error(rd, "bad header (byte 0x%02X at column "
			                  "%zu; values must be percent-encoded)",
			                  c, i + 1);
	}
	line[hlen] = '\0';
	size_t rows = 0, cols = 0;
	int rc = parse_header(rd, line, r, &rows, &cols);
	rd->pos += hlen + 1;
	if (rc)
		return -1;

	size_t n, bytes;
	if (mlv_checked_mul(rows, cols, &n) ||
	    mlv_checked_mul(n, sizeof(float), &bytes) ||
	    bytes > rd->max_bytes)
		return read_error(rd, "record too large (%zu x %zu floats; the "
		                  "limit is %llu bytes, set MLV_MAX_RECORD to "
		                  "raise it)", rows, cols,
		                  (unsigned long long)rd->max_bytes);
	/* Grow the buffer as the payload arrives rather than trusting the
	 * header: a truncated or lying record then costs only what it
	 * actually holds. */
	size_t got = 0;
	while (got < bytes) {
		size_t want = bytes;
		size_t cap_bytes = r->data_cap * sizeof(float);
		if (cap_bytes < bytes) {
			size_t step = cap_bytes > (64u << 20) ? cap_bytes : (64u << 20);
			want = cap_bytes + step < bytes ? cap_bytes + step : bytes;
			want = (want + 3) & ~(size_t)3;
			r->data = mlv_realloc(r->data, want);
			r->data_cap = want / sizeof(float);
		}
		size_t chunk, k;
		chunk = (r->data_cap * sizeof(float) < bytes ?
		         r->data_cap * sizeof(float) : bytes) - got;
		if (read_exact(rd, (unsigned char *)r->data + got, chunk, &k)) {
			got += k;
			if (rd->err[0])
				return -1;
			return read_error(rd, "truncated payload (expected %zu "
			                  "bytes for %zu x %zu floats, got %zu)",
			                  bytes, rows, cols, got);
		}
		got += k;
	}
	r->rows = rows;
	r->cols = cols;
	if (MLV_BIG_ENDIAN)
		swap_floats(r->data, n);
	return 1;
}

int
mlv_read_or_die(mlv_reader *rd, mlv_record *r)
{
	int rc = mlv_read(rd, r);
	if (rc < 0)
		mlv_die("%s", rd->err);
	return rc;
}

/* ---- writing ---- */

struct mlv_writer {
	int fd;
	char *path;    /* the file renamed over: -o's name, or its link's target */
	char *tmp;     /* temporary name while writing a regular file */
	char *spool;   /* a file another program writes, copied in at close */
	char *name;    /* for messages */
	unsigned char *buf;
	size_t len;
	size_t whole;  /* buf[0..whole) ends at a record's end */
	uint64_t owed; /* payload bytes the record being written still needs */
	char *hdr;     /* header scratch, reused */
	size_t hdr_cap;
};

/* Writers that write in place (stdout, devices, FIFOs): at death they pass
 * on the whole records they hold, as a filter should, and nothing half. */
#define MAX_INPLACE 8
static mlv_writer *inplace[MAX_INPLACE];

static int write_all(int fd, const unsigned char *p, size_t n);

static void
flush_whole_records(void)
{
	for (int i = 0; i < MAX_INPLACE; i++)
		if (inplace[i] && write_all(inplace[i]->fd, inplace[i]->buf,
		                            inplace[i]->whole) == 0)
			inplace[i]->len = inplace[i]->whole = 0;
}

static void
inplace_track(mlv_writer *w, mlv_writer *replace)
{
	for (int i = 0; i < MAX_INPLACE; i++)
		if (inplace[i] == replace) {
			inplace[i] = w;
			break;
		}
	mlv_at_die(flush_whole_records);
}

/* The name a write to path lands on: symbolic links followed to their
 * target, even a target that does not exist yet, so that renaming over
 * it keeps the link.  NULL with errno ELOOP after 40 links. */
static char *
follow_links(const char *path)
{
	char *p = mlv_strdup(path);
	for (int hops = 0; hops < 40; hops++) {
		struct stat st;
		char target[PATH_MAX];
		ssize_t n;
		if (lstat(p, &st) || !S_ISLNK(st.st_mode) ||
		    (n = readlink(p, target, sizeof target - 1)) < 0)
			return p;
		target[n] = '\0';
		const char *slash = strrchr(p, '/');
		size_t dirlen = target[0] == '/' || !slash ? 0 :
		                (size_t)(slash - p) + 1;
		char *next = mlv_malloc(dirlen + (size_t)n + 1);
		memcpy(next, p, dirlen);
		memcpy(next + dirlen, target, (size_t)n + 1);
		free(p);
		p = next;
	}
	free(p);
	errno = ELOOP;
	return NULL;
}

static void
writer_free(mlv_writer *w)
{
	free(w->path);
	free(w->tmp);
	free(w->spool);
	free(w->name);
	free(w->buf);
	free(w->hdr);
	free(w);
}

static mlv_writer *
writer_open(const char *path, int text)
{
	mlv_writer *w = mlv_calloc(1, sizeof *w);
	w->buf = mlv_malloc(WRITE_BUF);
	if (!path || !strcmp(path, "-")) {
		w->name = mlv_strdup("<stdout>");
		/* As gzip does: bytes on a terminal help nobody. */
		if (!text && isatty(STDOUT_FILENO)) {
			writer_free(w);
			errno = ENOTTY;
			return NULL;
		}
		w->fd = STDOUT_FILENO;
		inplace_track(w, NULL);
		return w;
	}
	w->name = mlv_strdup(path);
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* Renaming over a device or FIFO would destroy it. */
		if (S_ISDIR(st.st_mode)) {
			errno = EISDIR;
			goto fail;
		}
		w->fd = open(path, O_WRONLY | O_TRUNC);
		if (w->fd < 0)
			goto fail;
		inplace_track(w, NULL);
		return w;
	}
	int existed = stat(path, &st) == 0;
	if (!(w->path = follow_links(path)))
		goto fail;
	w->fd = mlv_temp_beside(w->path, &w->tmp);
	if (w->fd < 0)
		goto fail;
	/* The file replaced keeps its owner and mode: a private result
	 * stays private.  Only root may give a file away, so a failed
	 * chown is expected and harmless. */
	if (existed) {
		if (fchown(w->fd, st.st_uid, st.st_gid))
			errno = 0;
		fchmod(w->fd, st.st_mode & 07777);
	}
	return w;
fail:;
	int e = errno;
	writer_free(w);
	errno = e;
	return NULL;
}

mlv_writer *
mlv_writer_open(const char *path)
{
	return writer_open(path, 0);
}

mlv_writer *
mlv_writer_open_text(const char *path)
{
	return writer_open(path, 1);
}

int
mlv_writer_check(const char *path)
{
	struct stat st;
	/* Opening a FIFO would wait for its reader; whether we may is
	 * enough to know. */
	if (path && strcmp(path, "-") && stat(path, &st) == 0 &&
	    S_ISFIFO(st.st_mode))
		return access(path, W_OK);
	/* Creating the temporary file, not access(): access() says yes to
	 * root for any directory, and only the attempt meets a read-only
	 * file system or a full inode table the way the real run will. */
	mlv_writer *w = mlv_writer_open(path);
	if (!w)
		return -1;
	mlv_writer_abort(w);
	return 0;
}

const char *
mlv_writer_name(const mlv_writer *w)
{
	return w->name;
}

static int
write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int
flush(mlv_writer *w)
{
	if (w->len && write_all(w->fd, w->buf, w->len))
		return -1;
	w->len = w->whole = 0;
	return 0;
}

static int
put(mlv_writer *w, const void *buf, size_t n)
{
	if (n == 0)
		return 0;
	if (n >= WRITE_BUF) {
		if (flush(w))
			return -1;
		return write_all(w->fd, buf, n);
	}
	if (w->len + n > WRITE_BUF && flush(w))
		return -1;
	memcpy(w->buf + w->len, buf, n);
	w->len += n;
	return 0;
}

int
mlv_write_bytes(mlv_writer *w, const void *buf, size_t n)
{
	if (put(w, buf, n))
		return -1;
	if (!w->owed)
		w->whole = w->len;
	return 0;
}

static int
writer_vprintf(mlv_writer *w, const char *fmt, va_list ap)
{
	char small[512];
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(small, sizeof small, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof small)
		return mlv_write_bytes(w, small, (size_t)n);
	char *big = mlv_malloc((size_t)n + 1);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	int rc = mlv_write_bytes(w, big, (size_t)n);
	free(big);
	return rc;
}

int
mlv_writer_printf(mlv_writer *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = writer_vprintf(w, fmt, ap);
	va_end(ap);
	return rc;
}

size_t
mlv_format_header(const mlv_record *r, char **buf, size_t *cap)
{
	size_t need = 64;
	for (size_t i = 0; i < r->nmeta; i++)
		need += strlen(r->meta[i].key) + 3 * strlen(r->meta[i].val) + 2;
	if (need > *cap) {
		*cap = need;
		*buf = mlv_realloc(*buf, need);
	}
	char *h = *buf;
	size_t len = (size_t)sprintf(h, MLV_MAGIC " %zu %zu", r->rows, r->cols);
	for (size_t i = 0; i < r->nmeta; i++) {
		len += (size_t)sprintf(h + len, " %s=", r->meta[i].key);
		len += mlv_encode(h + len, r->meta[i].val);
	}
	h[len++] = '\n';
	h[len] = '\0';
	return len;
}

int
mlv_write_header(mlv_writer *w, const mlv_record *r)
{
	size_t len = mlv_format_header(r, &w->hdr, &w->hdr_cap);
	if (len - 1 > MLV_HEADER_MAX) {
		errno = EOVERFLOW;
		return -1;
	}
	if (put(w, w->hdr, len))
		return -1;
	w->owed = (uint64_t)r->rows * r->cols * sizeof(float);
	if (!w->owed)
		w->whole = w->len;
	return 0;
}

int
mlv_write_floats(mlv_writer *w, const float *x, size_t n)
{
	int rc = 0;
	if (!MLV_BIG_ENDIAN) {
		rc = put(w, x, n * sizeof(float));
	} else {
		for (size_t i = 0; i < n && !rc; i++) {
			uint32_t u;
			memcpy(&u, &x[i], 4);
			u = __builtin_bswap32(u);
			rc = put(w, &u, 4);
		}
	}
	if (rc)
		return -1;
	uint64_t b = (uint64_t)n * sizeof(float);
	w->owed = b < w->owed ? w->owed - b : 0;
	if (!w->owed)
		w->whole = w->len;
	return 0;
}

int
mlv_write(mlv_writer *w, const mlv_record *r)
{
	if (mlv_write_header(w, r))
		return -1;
	return mlv_write_floats(w, r->data, r->rows * r->cols);
}

const char *
mlv_writer_file(mlv_writer *w)
{
	if (w->tmp)
		return w->tmp;
	if (!w->spool) {
		const char *dir = getenv("TMPDIR");
		size_t n = strlen(dir && *dir ? dir : "/tmp") +
		           strlen(mlv_progname) + 2;
		char *base = mlv_malloc(n);
		snprintf(base, n, "%s/%s", dir && *dir ? dir : "/tmp",
		         mlv_progname);
		int fd = mlv_temp_beside(base, &w->spool);
		free(base);
		if (fd < 0)
			return NULL;
		close(fd);
	}
	return w->spool;
}

/* Copy the spool file another program wrote into the output stream. */
static int
copy_spool(mlv_writer *w)
{
	int fd = open(w->spool, O_RDONLY);
	if (fd < 0)
		return -1;
	unsigned char chunk[65536];
	ssize_t n;
	int rc = 0;
	while (!rc && (n = read(fd, chunk, sizeof chunk)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		rc = n < 0 ? -1 : mlv_write_bytes(w, chunk, (size_t)n);
	}
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

static void
remove_temp(char *path)
{
	if (path) {
		unlink(path);
		mlv_cleanup_remove(path);
	}
}

static void
writer_release(mlv_writer *w)
{
	remove_temp(w->spool);
	for (int i = 0; i < MAX_INPLACE; i++)
		if (inplace[i] == w)
			inplace[i] = NULL;
	writer_free(w);
}

int
mlv_writer_close(mlv_writer *w)
{
	int rc = w->spool ? copy_spool(w) : 0;
	if (!rc)
		rc = flush(w);
	int e = errno;
	if (w->fd != STDOUT_FILENO) {
		if (close(w->fd) && !rc) {
			rc = -1;
			e = errno;
		}
	}
	if (w->tmp) {
		if (!rc && rename(w->tmp, w->path)) {
			rc = -1;
			e = errno;
		}
		if (rc)
			unlink(w->tmp);
		mlv_cleanup_remove(w->tmp);
	}
	writer_release(w);
	errno = e;
	return rc;
}

void
mlv_writer_abort(mlv_writer *w)
{
	if (!w)
		return;
	if (w->fd != STDOUT_FILENO)
		close(w->fd);
	remove_temp(w->tmp);
	writer_release(w);
}

MLV_NORETURN static void
die_write(const char *name)
{
	if (errno == EPIPE)
		mlv_exit_broken_pipe();
	if (errno == EOVERFLOW)
		mlv_die("%s: header longer than %d bytes (too much metadata)",
		        name, MLV_HEADER_MAX);
	mlv_die("%s: write error (%s)", name, strerror(errno));
}

void
mlv_writer_die(const mlv_writer *w)
{
	die_write(w->name);
}

MLV_NORETURN static void
die_open(const char *path)
{
	if (errno == ENOTTY)
		mlv_die("<stdout>: is a terminal; binary output is not written "
		        "to it (redirect it, or use -o FILE)");
	mlv_die("%s: cannot create (%s)", path ? path : "<stdout>",
	        strerror(errno));
}

mlv_writer *
mlv_writer_open_or_die(const char *path)
{
	mlv_writer *w = mlv_writer_open(path);
	if (!w)
		die_open(path);
	return w;
}

mlv_writer *
mlv_writer_open_text_or_die(const char *path)
{
	mlv_writer *w = mlv_writer_open_text(path);
	if (!w)
		die_open(path);
	return w;
}

void
mlv_outputs_check_or_die(size_t n, ...)
{
	va_list ap;
	va_start(ap, n);
	for (size_t i = 0; i < n; i++) {
		const char *path = va_arg(ap, const char *);
		if (path && mlv_writer_check(path))
			die_open(path);
	}
	va_end(ap);
}

void
mlv_write_or_die(mlv_writer *w, const mlv_record *r)
{
	if (mlv_write(w, r))
		mlv_writer_die(w);
}

void
mlv_write_bytes_or_die(mlv_writer *w, const void *buf, size_t n)
{
	if (mlv_write_bytes(w, buf, n))
		mlv_writer_die(w);
}

void
mlv_writer_printf_or_die(mlv_writer *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = writer_vprintf(w, fmt, ap);
	va_end(ap);
	if (rc)
		mlv_writer_die(w);
}

void
mlv_writer_close_or_die(mlv_writer *w)
{
	/* close frees w, so keep the name for the message. */
	char *name = mlv_strdup(w->name);
	if (mlv_writer_close(w))
		die_write(name);
	free(name);
}
