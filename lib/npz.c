/* npz.c - see npz.h.  The ZIP layout is PKWARE's APPNOTE.TXT (local file
 * headers, central directory, end record; stored members only). */
#define _POSIX_C_SOURCE 200809L
#include "npz.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_END 0x06054b50u
#define ZIP_MAX 0xFFFFFFFEu
#define ZIP_MAX_ENTRIES 65535u
#define ZIP_VERSION 20      /* 2.0: what stored members need */
#define DOS_DATE_1980 0x21  /* 1980-01-01: archives do not depend on the clock */
#define META_NAME "meta.json"
/* meta.json is read whole; a larger one is not ours. */
#define META_MAX ((size_t)256 << 20)

int
mlv_is_npz(const unsigned char *buf, size_t len)
{
	return len >= 4 && !memcmp(buf, "PK\x03\x04", 4);
}

/* CRC-32 (the ZIP and zlib polynomial, reflected). */
static uint32_t
crc32_update(uint32_t crc, const unsigned char *p, size_t n)
{
	static uint32_t table[256];
	if (!table[1])
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	crc = ~crc;
	for (size_t i = 0; i < n; i++)
		crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
	return ~crc;
}

static void
put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void
put32(unsigned char *p, uint32_t v)
{
	put16(p, v & 0xFFFF);
	put16(p + 2, v >> 16);
}

static unsigned
get16(const unsigned char *p)
{
	return p[0] | (unsigned)p[1] << 8;
}

static uint32_t
get32(const unsigned char *p)
{
	return get16(p) | (uint32_t)get16(p + 2) << 16;
}

/* ---- writing ---- */

typedef struct {
	char *name; /* member name, NAME.npy */
	uint32_t crc, size, offset;
} entry;

struct mlv_npz_writer {
	mlv_writer *w;
	uint64_t offset;
	entry *e;
	size_t n, cap;
	size_t *slot;  /* hash set of the names: 1 + index into e, or 0 */
	size_t nslot;  /* a power of 2, at least twice n */
	char *json;
	size_t json_len, json_cap;
};

mlv_npz_writer *
mlv_npz_begin(mlv_writer *w)
{
	mlv_npz_writer *z = mlv_calloc(1, sizeof *z);
	z->w = w;
	return z;
}

static void
json_append(mlv_npz_writer *z, const char *s, size_t n)
{
	if (z->json_len + n + 1 > z->json_cap) {
		z->json_cap = 2 * (z->json_len + n + 1);
		z->json = mlv_realloc(z->json, z->json_cap);
	}
	memcpy(z->json + z->json_len, s, n);
	z->json_len += n;
}

/* A JSON string; bytes from 0x80 pass as they are (UTF-8 text stays
 * text). */
static void
json_string(mlv_npz_writer *z, const char *s)
{
	json_append(z, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char esc[8];
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			json_append(z, esc, 2);
		} else if (*p < 0x20) {
			snprintf(esc, sizeof esc, "\\u%04x", *p);
			json_append(z, esc, 6);
		} else {
			json_append(z, (const char *)p, 1);
		}
	}
	json_append(z, "\"", 1);
}

/* FNV-1a. */
static size_t
name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3u;
	return (size_t)h;
}

/* The slot of name in z's set: where it is, or the empty one it would
 * take.  Linear probing; the set is kept at most half full. */
static size_t *
name_slot(const mlv_npz_writer *z, const char *name)
{
	size_t i = name_hash(name) & (z->nslot - 1);
	while (z->slot[i] && strcmp(z->e[z->slot[i] - 1].name, name))
		i = (i + 1) & (z->nslot - 1);
	return &z->slot[i];
}

/* Record e[n - 1]'s name in the set, growing it first when half full. */
static void
name_add(mlv_npz_writer *z)
{
	if (2 * z->n > z->nslot) {
		free(z->slot);
		z->nslot = z->nslot ? 2 * z->nslot : 256;
		z->slot = mlv_calloc(z->nslot, sizeof *z->slot);
		for (size_t i = 0; i + 1 < z->n; i++)
			*name_slot(z, z->e[i].name) = i + 1;
	}
	*name_slot(z, z->e[z->n - 1].name) = z->n;
}

/* The member name of a record: its id made a Python identifier-like key
 * (no '.', so no array can be called meta.json), unique in the archive. */
static char *
member_name(const mlv_npz_writer *z, const mlv_record *r)
{
	const char *id = mlv_meta_get(r, "id");
	char base[208];
	if (id && *id) {
		size_t i = 0;
		for (; id[i] && i < 200; i++) {
			char c = id[i];
			int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			           (c >= '0' && c <= '9') || c == '_' || c == '-';
			base[i] = keep ? c : '_';
		}
		base[i] = '\0';
	} else {
		snprintf(base, sizeof base, "arr_%zu", z->n);
	}
	char *name = mlv_malloc(strlen(base) + 32);
	for (unsigned long k = 1;; k++) {
		if (k == 1)
			sprintf(name, "%s.npy", base);
		else
			sprintf(name, "%s_%lu.npy", base, k);
		if (!z->nslot || !*name_slot(z, name))
			return name;
	}
}

/* A stored member: local header, name, then the bytes the caller writes. */
static int
write_local(mlv_npz_writer *z, const char *name, uint32_t crc, uint64_t size)
{
	size_t namelen = strlen(name);
	if (z->n >= ZIP_MAX_ENTRIES || size > ZIP_MAX ||
	    z->offset + 30 + namelen + size > ZIP_MAX) {
		errno = EFBIG;
		return -1;
	}
	unsigned char h[30] = {0};
	put32(h, SIG_LOCAL);
	put16(h + 4, ZIP_VERSION);
	put16(h + 12, DOS_DATE_1980);
	put32(h + 14, crc);
	put32(h + 18, (uint32_t)size);
	put32(h + 22, (uint32_t)size);
	put16(h + 26, (unsigned)namelen);
	if (mlv_write_bytes(z->w, h, sizeof h) ||
	    mlv_write_bytes(z->w, name, namelen))
		return -1;
	if (z->n == z->cap) {
		z->cap = z->cap ? 2 * z->cap : 64;
		z->e = mlv_realloc(z->e, z->cap * sizeof *z->e);
	}
	z->e[z->n++] = (entry){mlv_strdup(name), crc, (uint32_t)size,
	                       (uint32_t)z->offset};
	name_add(z);
	z->offset += 30 + namelen + size;
	return 0;
}

int
mlv_npz_add(mlv_npz_writer *z, const mlv_record *r)
{
	unsigned char h[MLV_NPY_HEADER_MAX];
	size_t hlen = mlv_npy_header(h, r->rows, r->cols);
	size_t nvals = r->rows * r->cols;
	char *name = member_name(z, r);
	/* Past ZIP's limits without ZIP64 (an entry kept for meta.json),
	 * refused before the pass over the data and before a byte of it. */
	uint64_t size = hlen + (uint64_t)nvals * 4;
	if (z->n + 2 > ZIP_MAX_ENTRIES || size > ZIP_MAX ||
	    z->offset + 30 + strlen(name) + size > ZIP_MAX) {
		free(name);
		errno = EFBIG;
		return -1;
	}
	/* The CRC over the little-endian bytes the file holds. */
	uint32_t crc = crc32_update(0, h, hlen);
	for (size_t i = 0; i < nvals; i++) {
		uint32_t u;
		unsigned char b[4];
		memcpy(&u, &r->data[i], 4);
		put32(b, u);
		crc = crc32_update(crc, b, 4);
	}
	int rc = write_local(z, name, crc, size) ||
	         mlv_write_bytes(z->w, h, hlen) ||
	         mlv_write_floats(z->w, r->data, nvals) ? -1 : 0;
	if (!rc) {
		const char *open = z->n > 1 ? ",\n  {\"name\": " :
		                   "\n  {\"name\": ";
		json_append(z, open, strlen(open));
		name[strlen(name) - 4] = '\0';
		json_string(z, name);
		json_append(z, ", \"meta\": {", strlen(", \"meta\": {"));
		for (size_t i = 0; i < r->nmeta; i++) {
			if (i)
				json_append(z, ", ", 2);
			json_string(z, r->meta[i].key);
			json_append(z, ": ", 2);
			json_string(z, r->meta[i].val);
		}
		json_append(z, "}}", 2);
	}
	free(name);
	return rc;
}

int
mlv_npz_end(mlv_npz_writer *z)
{
	const char *head = "{\"mlv\": 1, \"arrays\": [";
	char *meta = mlv_malloc(strlen(head) + z->json_len + 8);
	size_t len = (size_t)sprintf(meta, "%s%.*s%s]}\n", head,
	                             (int)z->json_len, z->json ? z->json : "",
	                             z->n ? "\n" : "");
	uint32_t crc = crc32_update(0, (unsigned char *)meta, len);
	int rc = write_local(z, META_NAME, crc, len) ||
	         mlv_write_bytes(z->w, meta, len) ? -1 : 0;
	free(meta);
	uint64_t dir_at = z->offset, dir_len = 0;
	for (size_t i = 0; i < z->n && !rc; i++) {
		size_t namelen = strlen(z->e[i].name);
		unsigned char c[46] = {0};
		put32(c, SIG_CENTRAL);
		put16(c + 4, ZIP_VERSION);
		put16(c + 6, ZIP_VERSION);
		put16(c + 14, DOS_DATE_1980);
		put32(c + 16, z->e[i].crc);
		put32(c + 20, z->e[i].size);
		put32(c + 24, z->e[i].size);
		put16(c + 28, (unsigned)namelen);
		put32(c + 42, z->e[i].offset);
		rc = mlv_write_bytes(z->w, c, sizeof c) ||
		     mlv_write_bytes(z->w, z->e[i].name, namelen) ? -1 : 0;
		dir_len += sizeof c + namelen;
	}
	if (!rc && dir_at + dir_len > ZIP_MAX) {
		errno = EFBIG;
		rc = -1;
	}
	if (!rc) {
		unsigned char end[22] = {0};
		put32(end, SIG_END);
		put16(end + 8, (unsigned)z->n);
		put16(end + 10, (unsigned)z->n);
		put32(end + 12, (uint32_t)dir_len);
		put32(end + 16, (uint32_t)dir_at);
		rc = mlv_write_bytes(z->w, end, sizeof end);
	}
	int e = errno;
	for (size_t i = 0; i < z->n; i++)
		free(z->e[i].name);
	free(z->e);
	free(z->slot);
	free(z->json);
	free(z);
	errno = e;
	return rc;
}

/* ---- reading meta.json: the subset of JSON mlv writes ---- */

static const char *
skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static void
utf8(char **o, unsigned long c)
{
	if (c < 0x80) {
		*(*o)++ = (char)c;
	} else if (c < 0x800) {
		*(*o)++ = (char)(0xC0 | c >> 6);
		*(*o)++ = (char)(0x80 | (c & 0x3F));
	} else if (c < 0x10000) {
		*(*o)++ = (char)(0xE0 | c >> 12);
		*(*o)++ = (char)(0x80 | (c >> 6 & 0x3F));
		*(*o)++ = (char)(0x80 | (c & 0x3F));
	} else {
		*(*o)++ = (char)(0xF0 | c >> 18);
		*(*o)++ = (char)(0x80 | (c >> 12 & 0x3F));
		*(*o)++ = (char)(0x80 | (c >> 6 & 0x3F));
		*(*o)++ = (char)(0x80 | (c & 0x3F));
	}
}

static int
hex4(const char *p, unsigned long *v)
{
	char buf[5];
	memcpy(buf, p, 4);
	buf[4] = '\0';
	char *end;
	*v = strtoul(buf, &end, 16);
	return end == buf + 4 ? 0 : -1;
}

/* A string at *pp into a malloc'd *out; NULL *out when malformed or when
 * it holds a NUL, which metadata cannot. */
static const char *
json_str(const char *p, char **out)
{
	*out = NULL;
	if (*p != '"')
		return p;
	const char *q = ++p;
	while (*q && *q != '"')
		q += *q == '\\' && q[1] ? 2 : 1;
	if (!*q)
		return q;
	char *s = mlv_malloc((size_t)(q - p) * 2 + 1), *o = s;
	while (p < q) {
		if (*p != '\\') {
			*o++ = *p++;
			continue;
		}
		unsigned long c;
		switch (p[1]) {
		case 'n': *o++ = '\n'; break;
		case 't': *o++ = '\t'; break;
		case 'r': *o++ = '\r'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'u':
			if (q - p < 6 || hex4(p + 2, &c) || c == 0)
				goto bad;
			p += 4;
			if (c >= 0xD800 && c < 0xDC00) {
				unsigned long lo;
				if (q - p < 8 || p[2] != '\\' || p[3] != 'u' ||
				    hex4(p + 4, &lo) || lo < 0xDC00 || lo > 0xDFFF)
					goto bad;
				c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
				p += 6;
			}
			utf8(&o, c);
			break;
		default: *o++ = p[1];
		}
		p += 2;
	}
	*o = '\0';
	*out = s;
	return q + 1;
bad:
	free(s);
	return q;
}

/* Past one value of any kind; NULL when malformed. */
static const char *
json_skip(const char *p, int depth)
{
	p = skip_ws(p);
	if (depth > 64)
		return NULL;
	if (*p == '"') {
		char *s;
		p = json_str(p, &s);
		if (!s)
			return NULL;
		free(s);
		return p;
	}
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		p = skip_ws(p + 1);
		while (p && *p != close) {
			if (close == '}') {
				p = json_skip(p, depth + 1);
				if (!p || *(p = skip_ws(p)) != ':')
					return NULL;
				p++;
			}
			p = json_skip(p, depth + 1);
			if (p && *(p = skip_ws(p)) == ',')
				p = skip_ws(p + 1);
			else if (p && *p != close)
				return NULL;
		}
		return p ? p + 1 : NULL;
	}
	const char *start = p;
	while (*p && !strchr(",]} \t\r\n", *p))
		p++;
	return p > start ? p : NULL;
}

/* Each member of the object at p: fn gets its key and where its value
 * starts, and returns where the value ends (NULL: malformed).  Returns the
 * end of the object, or NULL. */
typedef const char *(*member_fn)(const char *key, const char *p, void *ctx);

static const char *
json_object(const char *p, member_fn fn, void *ctx)
{
	p = skip_ws(p);
	if (*p != '{')
		return NULL;
	for (p = skip_ws(p + 1); p && *p != '}'; ) {
		char *key;
		p = skip_ws(json_str(p, &key));
		if (!key || *p != ':') {
			free(key);
			return NULL;
		}
		p = fn(key, skip_ws(p + 1), ctx);
		free(key);
		if (p && *(p = skip_ws(p)) == ',')
			p = skip_ws(p + 1);
		else if (p && *p != '}')
			p = NULL;
	}
	return p ? p + 1 : NULL;
}

static const char *
meta_member(const char *key, const char *p, void *ctx)
{
	char *v;
	p = json_str(p, &v);
	if (v && mlv_key_valid(key))
		mlv_meta_set(ctx, key, v);
	else
		p = NULL;
	free(v);
	return p;
}

typedef struct {
	char *name;
	mlv_record meta;
	int have_meta;
} entry_ctx;

static const char *
entry_member(const char *key, const char *p, void *ctx)
{
	entry_ctx *e = ctx;
	if (!strcmp(key, "name") && !e->name) {
		p = json_str(p, &e->name);
		return e->name ? p : NULL;
	}
	if (!strcmp(key, "meta")) {
		e->have_meta = 1;
		return json_object(p, meta_member, &e->meta);
	}
	return json_skip(p, 0);
}

typedef struct {
	mlv_record *recs;
	size_t n, placed;
} placing;

static mlv_record *
find_array(mlv_record *recs, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(mlv_meta_get(&recs[i], "id"), name))
			return &recs[i];
	return NULL;
}

/* One {"name": ..., "meta": {...}} of meta.json: the named array (id=its
 * name so far) gets that metadata and moves to the next place. */
static const char *
apply_entry(const char *p, placing *pl)
{
	entry_ctx e = {NULL, {0}, 0};
	mlv_record_init(&e.meta);
	p = json_object(p, entry_member, &e);
	mlv_record *r = p && e.name ? find_array(pl->recs + pl->placed,
	                                         pl->n - pl->placed, e.name) :
	                NULL;
	if (r) {
		if (e.have_meta) {
			mlv_meta_clear(r);
			mlv_meta_merge(r, &e.meta, 1);
		}
		mlv_record t = *r;
		*r = pl->recs[pl->placed];
		pl->recs[pl->placed++] = t;
	}
	free(e.name);
	mlv_record_free(&e.meta);
	return p;
}

static const char *
top_member(const char *key, const char *p, void *ctx)
{
	if (strcmp(key, "arrays") || *p != '[')
		return json_skip(p, 0);
	for (p = skip_ws(p + 1); p && *p != ']'; ) {
		p = apply_entry(p, ctx);
		if (p && *(p = skip_ws(p)) == ',')
			p = skip_ws(p + 1);
		else if (p && *p != ']')
			p = NULL;
	}
	return p ? p + 1 : NULL;
}

static int
apply_meta(const char *json, mlv_record *recs, size_t n, char *err,
           size_t errlen)
{
	placing pl = {recs, n, 0};
	if (!json_object(json, top_member, &pl))
		return mlv_errf(err, errlen, "%s: not the JSON mlv writes",
		                META_NAME);
	return 0;
}

/* ---- reading the archive ---- */

static int
skip_bytes(mlv_reader *rd, uint64_t n)
{
	unsigned char chunk[65536];
	size_t got;
	while (n) {
		size_t k = n < sizeof chunk ? (size_t)n : sizeof chunk;
		if (mlv_reader_read_raw(rd, chunk, k, &got))
			return -1;
		n -= k;
	}
	return 0;
}

int
mlv_npz_read(mlv_reader *rd, mlv_record **recs, size_t *n, char *err,
             size_t errlen)
{
	size_t cap = 0, got;
	char *meta = NULL, *name = NULL;
	int rc = -1;
	*recs = NULL;
	*n = 0;
	for (;;) {
		uint64_t at = mlv_reader_tell(rd);
		unsigned char h[30];
		if (mlv_reader_read_raw(rd, h, 4, &got)) {
			if (got == 0 && at == 0) /* empty input, empty stream */
				break;
			mlv_errf(err, errlen, "truncated .npz archive at byte %llu",
			         (unsigned long long)at);
			goto out;
		}
		if (get32(h) == SIG_CENTRAL || get32(h) == SIG_END)
			break;
		if (get32(h) != SIG_LOCAL ||
		    mlv_reader_read_raw(rd, h + 4, 26, &got)) {
			mlv_errf(err, errlen, "not a .npz archive (no ZIP member at "
			         "byte %llu)", (unsigned long long)at);
			goto out;
		}
		unsigned flags = get16(h + 6), method = get16(h + 8);
		uint64_t size = get32(h + 18);
		size_t namelen = get16(h + 26), extralen = get16(h + 28);
		unsigned char extra[65536];
		free(name);
		name = mlv_malloc(namelen + 1);
		if (mlv_reader_read_raw(rd, name, namelen, &got) ||
		    mlv_reader_read_raw(rd, extra, extralen, &got)) {
			mlv_errf(err, errlen, "truncated .npz archive at byte %llu",
			         (unsigned long long)at);
			goto out;
		}
		name[namelen] = '\0';
		/* numpy writes ZIP64 sizes in an extra field (id 1). */
		for (size_t i = 0; size == 0xFFFFFFFFu && i + 4 <= extralen; ) {
			unsigned id = get16(extra + i), len = get16(extra + i + 2);
			if (id == 1 && len >= 8 && i + 12 <= extralen)
				size = get32(extra + i + 4) |
				       (uint64_t)get32(extra + i + 8) << 32;
			i += 4 + len;
		}
		if (flags & 9 || method) {
			mlv_errf(err, errlen, "%s: %s (mlv reads np.savez's stored "
			         "members)", name, method ? "compressed by "
			         "np.savez_compressed" : flags & 1 ? "encrypted" :
			         "sizes after the data (written to a pipe)");
			goto out;
		}
		size_t nl = strlen(name);
		if (nl > 4 && !strcmp(name + nl - 4, ".npy")) {
			if (*n == cap) {
				cap = cap ? 2 * cap : 16;
				*recs = mlv_realloc(*recs, cap * sizeof **recs);
			}
			mlv_record *r = &(*recs)[*n];
			mlv_record_init(r);
			size_t inexact;
			uint64_t from = mlv_reader_tell(rd);
			int k = mlv_npy_read(rd, r, &inexact, err, errlen);
			++*n;
			if (k <= 0) {
				if (!k)
					mlv_errf(err, errlen, "%s: empty member", name);
				goto out;
			}
			if (mlv_reader_tell(rd) - from != size) {
				mlv_errf(err, errlen, "%s: a member of %llu bytes holds "
				         "an array of %llu", name, (unsigned long long)size,
				         (unsigned long long)(mlv_reader_tell(rd) - from));
				goto out;
			}
			name[nl - 4] = '\0';
			mlv_meta_set(r, "id", name);
		} else if (!strcmp(name, META_NAME) && !meta && size < META_MAX) {
			meta = mlv_malloc((size_t)size + 1);
			if (mlv_reader_read_raw(rd, meta, (size_t)size, &got)) {
				mlv_errf(err, errlen, "%s: truncated", name);
				goto out;
			}
			meta[size] = '\0';
		} else if (skip_bytes(rd, size)) {
			mlv_errf(err, errlen, "%s: truncated", name);
			goto out;
		}
	}
	rc = meta ? apply_meta(meta, *recs, *n, err, errlen) : 0;
out:
	free(name);
	free(meta);
	if (rc) {
		for (size_t i = 0; i < *n; i++)
			mlv_record_free(&(*recs)[i]);
		free(*recs);
		*recs = NULL;
		*n = 0;
	}
	return rc;
}
