/* index.c - the sidecar index of MLV streams (see index.h, man/mlv.5). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "index.h"
#include "util.h"

void
mlv_index_init(mlv_index *ix)
{
	memset(ix, 0, sizeof *ix);
}

void
mlv_index_free(mlv_index *ix)
{
	for (size_t i = 0; i < ix->nfiles; i++) {
		free(ix->files[i].path);
		free(ix->files[i].open_path);
		if (ix->files[i].fd >= 0)
			close(ix->files[i].fd);
	}
	for (size_t i = 0; i < ix->n; i++)
		free(ix->entries[i].id);
	free(ix->files);
	free(ix->entries);
	free(ix->slots);
	free(ix->buf);
	mlv_reader_close(ix->rd);
	mlv_index_init(ix);
}

static mlv_index_file *
add_file(mlv_index *ix, const char *path, const char *open_path)
{
	if (ix->nfiles == ix->files_cap) {
		ix->files_cap = ix->files_cap ? 2 * ix->files_cap : 4;
		ix->files = mlv_realloc(ix->files, mlv_mul_size(ix->files_cap,
		                        sizeof *ix->files, "index"));
	}
	mlv_index_file *f = &ix->files[ix->nfiles++];
	memset(f, 0, sizeof *f);
	f->path = mlv_strdup(path);
	f->open_path = mlv_strdup(open_path);
	f->fd = -1;
	return f;
}

static void
add_entry(mlv_index *ix, char *id, uint64_t record, uint64_t offset,
          uint64_t length)
{
	if (ix->n == ix->cap) {
		ix->cap = ix->cap ? 2 * ix->cap : 1024;
		ix->entries = mlv_realloc(ix->entries, mlv_mul_size(ix->cap,
		                          sizeof *ix->entries, "index"));
	}
	mlv_index_entry *e = &ix->entries[ix->n++];
	e->id = id;
	e->file = ix->nfiles - 1;
	e->record = record;
	e->offset = offset;
	e->length = length;
	ix->files[e->file].records++;
}

/* FNV-1a, 64-bit (Fowler, Noll and Vo): a checksum against accidents,
 * such as a file rewritten with the same size and mtime, not against
 * malice. */
static uint64_t
fnv1a(uint64_t h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/* The checksum of the first and last MLV_INDEX_SUM_BYTES of fd (the whole
 * file when it is smaller): the first record's header and the end, where
 * an append or a rewrite shows, for two reads whatever the size. */
static int
file_sum(int fd, uint64_t size, uint64_t *sum)
{
	static unsigned char buf[MLV_INDEX_SUM_BYTES];
	uint64_t h = 0xcbf29ce484222325ULL;
	uint64_t head = size < sizeof buf ? size : sizeof buf;
	uint64_t tail_at = size - head;
	for (int pass = 0; pass < 2; pass++) {
		uint64_t at = pass ? tail_at : 0;
		size_t got = 0;
		while (got < head) {
			ssize_t k = pread(fd, buf + got, head - got, (off_t)(at + got));
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0) {
				if (k == 0)
					errno = EIO;
				return -1;
			}
			got += (size_t)k;
		}
		h = fnv1a(h, buf, head);
	}
	*sum = h;
	return 0;
}

static int
identify(int fd, mlv_index_file *f)
{
	struct stat st;
	if (fstat(fd, &st))
		return -1;
	if (!S_ISREG(st.st_mode)) {
		errno = ESPIPE;
		return -1;
	}
	f->size = (uint64_t)st.st_size;
	f->mtime_sec = (int64_t)st.st_mtim.tv_sec;
	f->mtime_nsec = st.st_mtim.tv_nsec;
	return file_sum(fd, f->size, &f->sum);
}

int
mlv_index_add_stream(mlv_index *ix, const char *path, const char *as,
                     char *err, size_t errlen)
{
	mlv_reader *rd = mlv_reader_open(path);
	if (!rd)
		return mlv_errf(err, errlen, "%s: cannot open (%s)", path,
		                strerror(errno));
	uint64_t left;
	if (!strcmp(path, "-") || mlv_reader_bytes_left(rd, &left)) {
		mlv_reader_close(rd);
		return mlv_errf(err, errlen, "%s: cannot index (not a regular "
		                "file: an index names a file to seek in)",
		                strcmp(path, "-") ? path : "<stdin>");
	}
	mlv_index_file *f = add_file(ix, as, path);
	/* Identify the file before reading it: a writer still appending then
	 * makes the index stale rather than wrong. */
	int fd = open(path, O_RDONLY);
	int rc = fd < 0 ? -1 : identify(fd, f);
	if (fd >= 0)
		close(fd);
	if (rc) {
		mlv_reader_close(rd);
		return mlv_errf(err, errlen, "%s: cannot read (%s)", path,
		                strerror(errno));
	}
	mlv_record r;
	mlv_record_init(&r);
	while ((rc = mlv_read(rd, &r)) > 0) {
		const char *id = mlv_meta_get(&r, "id");
		uint64_t at = mlv_reader_offset(rd);
		if (!id || !*id) {
			f->no_id++;
			continue;
		}
		add_entry(ix, mlv_strdup(id), mlv_reader_index(rd), at,
		          mlv_reader_tell(rd) - at);
	}
	if (rc < 0)
		mlv_errf(err, errlen, "%s", mlv_reader_error(rd));
	else if (mlv_reader_tell(rd) != f->size)
		rc = mlv_errf(err, errlen, "%s: changed while it was indexed "
		              "(%llu bytes, then %llu)", path,
		              (unsigned long long)f->size,
		              (unsigned long long)mlv_reader_tell(rd));
	mlv_record_free(&r);
	mlv_reader_close(rd);
	return rc < 0 ? -1 : 0;
}

/* ---- the text format ---- */

static int
parse_u64(const char *s, uint64_t *out)
{
	if (!*s || strlen(s) > 20)
		return -1;
	uint64_t v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		uint64_t d = (uint64_t)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int
parse_hex64(const char *s, uint64_t *out)
{
	if (strlen(s) != 16)
		return -1;
	uint64_t v = 0;
	for (; *s; s++) {
		int c = *s;
		int d = c >= '0' && c <= '9' ? c - '0' :
		        c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			return -1;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return 0;
}

/* "SEC.NSEC", nine digits of nanoseconds. */
static int
parse_mtime(char *s, int64_t *sec, long *nsec)
{
	char *dot = strchr(s, '.');
	uint64_t a, b;
	if (!dot || strlen(dot + 1) != 9)
		return -1;
	*dot = '\0';
	int rc = parse_u64(s, &a) || parse_u64(dot + 1, &b) || a > INT64_MAX;
	*dot = '.';
	if (rc)
		return -1;
	*sec = (int64_t)a;
	*nsec = (long)b;
	return 0;
}

/* A file line: "mlvidx1 file=P size=N mtime=S.N sum=H records=N"; other
 * keys are allowed (and ignored) for later versions.  *records is the
 * number of entry lines that must follow. */
static const char *
parse_file_line(mlv_index *ix, char *line, const char *dir,
                uint64_t *records)
{
	char *tok, *save;
	char *path = NULL;
	uint64_t size = 0, sum = 0;
	int64_t sec = 0;
	long nsec = 0;
	unsigned have = 0;
	strtok_r(line, " ", &save);
	while ((tok = strtok_r(NULL, " ", &save))) {
		char *eq = strchr(tok, '=');
		if (!eq)
			return "a field without '='";
		*eq++ = '\0';
		if (!strcmp(tok, "file")) {
			if (mlv_decode(eq) || !*eq)
				return "bad file name";
			path = eq;
			have |= 1;
		} else if (!strcmp(tok, "size")) {
			if (parse_u64(eq, &size))
				return "bad size";
			have |= 2;
		} else if (!strcmp(tok, "mtime")) {
			if (parse_mtime(eq, &sec, &nsec))
				return "bad mtime";
			have |= 4;
		} else if (!strcmp(tok, "sum")) {
			if (parse_hex64(eq, &sum))
				return "bad sum";
			have |= 8;
		} else if (!strcmp(tok, "records")) {
			if (parse_u64(eq, records))
				return "bad records";
			have |= 16;
		}
	}
	if (have != 31)
		return "a file line needs file, size, mtime, sum and records";
	char *open_path;
	if (path[0] == '/' || !dir) {
		open_path = mlv_strdup(path);
	} else {
		open_path = mlv_malloc(strlen(dir) + strlen(path) + 2);
		sprintf(open_path, "%s/%s", dir, path);
	}
	mlv_index_file *f = add_file(ix, path, open_path);
	free(open_path);
	f->size = size;
	f->sum = sum;
	f->mtime_sec = sec;
	f->mtime_nsec = nsec;
	return NULL;
}

/* An entry line: "ID RECORD OFFSET LENGTH", in stream order. */
static const char *
parse_entry(mlv_index *ix, char *line)
{
	char *f[4];
	size_t k = 0;
	for (char *t = line; t; k++) {
		if (k == 4)
			return "more than 4 fields";
		f[k] = t;
		if ((t = strchr(t, ' ')))
			*t++ = '\0';
	}
	uint64_t rec, off, len;
	if (k != 4)
		return "expected ID RECORD OFFSET LENGTH";
	if (mlv_decode(f[0]) || !*f[0])
		return "bad id";
	if (parse_u64(f[1], &rec) || parse_u64(f[2], &off) ||
	    parse_u64(f[3], &len) || rec == 0 || len == 0)
		return "bad number";
	const mlv_index_file *file = &ix->files[ix->nfiles - 1];
	if (off > file->size || len > file->size - off)
		return "record beyond the end of its file";
	if (file->records) {
		/* Records follow each other: later ones start after the
		 * last ended, the next one exactly there. */
		const mlv_index_entry *p = &ix->entries[ix->n - 1];
		uint64_t end = p->offset + p->length;
		if (rec <= p->record || off < end ||
		    (rec == p->record + 1 && off != end))
			return "records out of order or overlapping";
	}
	add_entry(ix, mlv_strdup(f[0]), rec, off, len);
	return NULL;
}

/* A line of fp into *line (grown as needed; without its newline, which
 * *nl says was there): 1, or 0 at the end, or -1 for a line longer than
 * max, so that garbage such as /dev/zero is refused rather than read
 * into memory whole. */
static int
read_line(FILE *fp, char **line, size_t *cap, size_t max, size_t *len,
          int *nl)
{
	int c;
	*len = 0;
	*nl = 0;
	while ((c = getc_unlocked(fp)) != EOF) {
		if (c == '\n') {
			*nl = 1;
			break;
		}
		if (*len == max)
			return -1;
		if (*len + 1 >= *cap) {
			*cap = *cap ? 2 * *cap : 256;
			*line = mlv_realloc(*line, *cap);
		}
		(*line)[(*len)++] = (char)c;
	}
	if (!*cap)
		*line = mlv_realloc(*line, *cap = 256);
	(*line)[*len] = '\0';
	return *len || *nl;
}

int
mlv_index_load(mlv_index *ix, const char *path, char *err, size_t errlen)
{
	int use_stdin = !strcmp(path, "-");
	FILE *fp = use_stdin ? stdin : fopen(path, "r");
	const char *name = use_stdin ? "<stdin>" : path;
	if (!fp)
		return mlv_errf(err, errlen, "%s: cannot open (%s)", path,
		                strerror(errno));
	struct stat st;
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(fp);
		return mlv_errf(err, errlen, "%s: cannot open (%s)", path,
		                strerror(EISDIR));
	}
	char *dir = NULL;
	const char *slash = strrchr(path, '/');
	if (!use_stdin && slash) {
		dir = mlv_strdup(path);
		dir[slash > path ? slash - path : 1] = '\0';
	}
	size_t first_file = ix->nfiles;
	char *line = NULL;
	size_t cap = 0, len;
	uint64_t lineno = 0, expect = 0;
	const char *why = NULL;
	static const char *truncated =
		"truncated (fewer entries than its file line's records=)";
	int rc, nl;
	while (!why && (rc = read_line(fp, &line, &cap, MLV_INDEX_LINE_MAX,
	                               &len, &nl))) {
		lineno++;
		if (rc < 0) {
			why = "line too long (not an MLV index)";
			break;
		}
		if (!nl) {
			why = "truncated (no newline at the end)";
			break;
		}
		int is_file = !strncmp(line, MLV_INDEX_MAGIC " ", 8);
		if (strlen(line) != len)
			why = "a NUL byte";
		else if (ix->nfiles == first_file && !is_file)
			why = "not an MLV index (no " MLV_INDEX_MAGIC " line first)";
		else if (!is_file)
			why = ix->files[ix->nfiles - 1].records == expect ?
			      "more entries than its file line's records=" :
			      parse_entry(ix, line);
		else if (ix->nfiles > first_file &&
		         ix->files[ix->nfiles - 1].records != expect)
			why = truncated;
		else
			why = parse_file_line(ix, line, dir, &expect);
	}
	if (!why && ferror(fp))
		why = strerror(errno);
	else if (!why && lineno == 0)
		why = "empty (not an MLV index)";
	else if (!why && ix->files[ix->nfiles - 1].records != expect) {
		why = truncated;
		lineno++; /* where the next entry should be */
	}
	free(line);
	free(dir);
	if (!use_stdin)
		fclose(fp);
	if (why)
		return mlv_errf(err, errlen, "%s: line %llu: %s", name,
		                (unsigned long long)lineno, why);
	return 0;
}

/* path made relative to directory dir ("../x.mlv" when it is beside it),
 * or absolute when they share no directory but the root; malloc'd.  Both
 * are resolved with realpath(3); a path that does not resolve is kept. */
static char *
relative_to(const char *path, const char *dir)
{
	char *abs = realpath(path, NULL), *base = realpath(dir, NULL);
	char *out = NULL;
	if (!abs || !base) {
		out = mlv_strdup(path);
		goto done;
	}
	/* The longest common prefix ending at a directory boundary. */
	size_t common = 0;
	for (size_t i = 0; abs[i] && abs[i] == base[i]; i++)
		if (abs[i] == '/')
			common = i;
	size_t bl = strlen(base);
	if (!strncmp(abs, base, bl) && abs[bl] == '/')
		common = bl;
	if (common == 0) {
		out = mlv_strdup(abs);
		goto done;
	}
	size_t ups = 0;
	for (const char *p = base + common; *p; p++)
		ups += *p == '/';
	out = mlv_malloc(3 * ups + strlen(abs) + 1);
	out[0] = '\0';
	for (size_t i = 0; i < ups; i++)
		strcat(out, "../");
	strcat(out, abs + common + 1);
done:
	free(abs);
	free(base);
	return out;
}

int
mlv_index_write(const mlv_index *ix, mlv_writer *w, const char *dir)
{
	char *enc = NULL;
	size_t enc_cap = 0;
	size_t e = 0;
	int rc = 0;
	for (size_t i = 0; i < ix->nfiles && !rc; i++) {
		const mlv_index_file *f = &ix->files[i];
		char *path = dir ? relative_to(f->open_path, dir) :
		             mlv_strdup(f->path);
		size_t need = 3 * strlen(path) + 1;
		if (need > enc_cap)
			enc = mlv_realloc(enc, enc_cap = need);
		mlv_encode(enc, path);
		free(path);
		rc = mlv_writer_printf(w, "%s file=%s size=%llu mtime=%lld.%09ld "
		                       "sum=%016llx records=%llu\n", MLV_INDEX_MAGIC,
		                       enc, (unsigned long long)f->size,
		                       (long long)f->mtime_sec, f->mtime_nsec,
		                       (unsigned long long)f->sum,
		                       (unsigned long long)f->records);
		for (; e < ix->n && ix->entries[e].file == i && !rc; e++) {
			const mlv_index_entry *x = &ix->entries[e];
			need = 3 * strlen(x->id) + 1;
			if (need > enc_cap)
				enc = mlv_realloc(enc, enc_cap = need);
			mlv_encode(enc, x->id);
			rc = mlv_writer_printf(w, "%s %llu %llu %llu\n", enc,
			                       (unsigned long long)x->record,
			                       (unsigned long long)x->offset,
			                       (unsigned long long)x->length);
		}
	}
	free(enc);
	return rc;
}

/* ---- lookup ---- */

static size_t
hash_id(const char *id)
{
	return (size_t)fnv1a(0xcbf29ce484222325ULL, (const unsigned char *)id,
	                     strlen(id));
}

/* Open addressing with linear probing, entries inserted in index order:
 * of equal ids, the first in the index comes first along the probe. */
static void
hash_entries(mlv_index *ix)
{
	if (ix->nhashed == ix->n && ix->slots)
		return;
	size_t want = 16;
	while (want < 2 * ix->n)
		want *= 2;
	free(ix->slots);
	ix->slots = mlv_calloc(want, sizeof *ix->slots);
	ix->nslots = want;
	for (size_t i = 0; i < ix->n; i++) {
		size_t h = hash_id(ix->entries[i].id) & (want - 1);
		while (ix->slots[h])
			h = (h + 1) & (want - 1);
		ix->slots[h] = i + 1;
	}
	ix->nhashed = ix->n;
}

const mlv_index_entry *
mlv_index_find(mlv_index *ix, const char *id, size_t *count)
{
	hash_entries(ix);
	const mlv_index_entry *first = NULL;
	*count = 0;
	for (size_t h = hash_id(id) & (ix->nslots - 1); ix->slots[h];
	     h = (h + 1) & (ix->nslots - 1)) {
		const mlv_index_entry *e = &ix->entries[ix->slots[h] - 1];
		if (!strcmp(e->id, id)) {
			first = first ? first : e;
			++*count;
		}
	}
	return first;
}

const char *
mlv_index_nearest(mlv_index *ix, const char *want)
{
	const char **ids = mlv_malloc(mlv_mul_size(ix->n ? ix->n : 1,
	                                           sizeof *ids, "index"));
	for (size_t i = 0; i < ix->n; i++)
		ids[i] = ix->entries[i].id;
	const char *near = mlv_nearest_key(want, ids, ix->n);
	free(ids);
	return near;
}

const mlv_index_entry *
mlv_index_next_duplicate(mlv_index *ix, size_t *pos, size_t *count)
{
	while (*pos < ix->n) {
		const mlv_index_entry *e = &ix->entries[(*pos)++];
		if (mlv_index_find(ix, e->id, count) == e && *count > 1)
			return e;
	}
	return NULL;
}

int
mlv_index_read_ids(const char *path, char ***ids, size_t *n, char *err,
                   size_t errlen)
{
	int use_stdin = !strcmp(path, "-");
	FILE *fp = use_stdin ? stdin : fopen(path, "r");
	if (!fp)
		return mlv_errf(err, errlen, "%s: cannot open (%s)", path,
		                strerror(errno));
	char *line = NULL;
	size_t cap = 0, len;
	int rc, nl;
	uint64_t lineno = 0;
	while ((rc = read_line(fp, &line, &cap, MLV_INDEX_LINE_MAX, &len,
	                       &nl)) > 0) {
		lineno++;
		if (!len)
			continue;
		*ids = mlv_realloc(*ids, mlv_mul_size(*n + 1, sizeof **ids, "ids"));
		(*ids)[(*n)++] = mlv_strdup(line);
	}
	const char *name = use_stdin ? "<stdin>" : path;
	if (rc < 0)
		rc = mlv_errf(err, errlen, "%s: line %llu: longer than %d bytes "
		              "(not a list of ids)", name,
		              (unsigned long long)lineno + 1, MLV_INDEX_LINE_MAX);
	else if (ferror(fp))
		rc = mlv_errf(err, errlen, "%s: read error (%s)", name,
		              strerror(errno));
	free(line);
	if (!use_stdin)
		fclose(fp);
	return rc;
}

/* ---- fetching ---- */

/* Open f for fetching, refusing it when it is not the file indexed: size
 * and mtime at every opening, the checksum at the first. */
static int
open_file(mlv_index *ix, mlv_index_file *f, char *err, size_t errlen)
{
	if (ix->nopen == MLV_INDEX_OPEN_MAX) {
		for (size_t i = 0; i < ix->nfiles; i++)
			if (ix->files[i].fd >= 0) {
				close(ix->files[i].fd);
				ix->files[i].fd = -1;
			}
		ix->nopen = 0;
	}
	int fd = open(f->open_path, O_RDONLY);
	if (fd < 0)
		return mlv_errf(err, errlen, "%s: cannot open (%s)", f->open_path,
		                strerror(errno));
	mlv_index_file now = *f;
	struct stat st;
	int rc = fstat(fd, &st);
	if (!rc && !f->summed)
		rc = identify(fd, &now);
	else if (!rc) {
		now.size = (uint64_t)st.st_size;
		now.mtime_sec = (int64_t)st.st_mtim.tv_sec;
		now.mtime_nsec = st.st_mtim.tv_nsec;
	}
	if (rc) {
		int e = errno;
		close(fd);
		return mlv_errf(err, errlen, "%s: cannot read (%s)", f->open_path,
		                strerror(e));
	}
	const char *what = now.size != f->size ? "size" :
	                   now.mtime_sec != f->mtime_sec ||
	                   now.mtime_nsec != f->mtime_nsec ? "mtime" :
	                   now.sum != f->sum ? "checksum" : NULL;
	if (what) {
		close(fd);
		return mlv_errf(err, errlen, "%s: stale index (the file's %s "
		                "changed since it was indexed; run mlv-index "
		                "again)", f->open_path, what);
	}
	f->fd = fd;
	f->summed = 1;
	ix->nopen++;
	return 0;
}

mlv_reader *
mlv_index_fetch(mlv_index *ix, const mlv_index_entry *e, mlv_record *r,
                char *err, size_t errlen)
{
	mlv_index_file *f = &ix->files[e->file];
	if (f->fd < 0 && open_file(ix, f, err, errlen))
		return NULL;
	/* A record is at most a header line and the payload cap: a corrupt
	 * length must not make us allocate the file. */
	if (e->length > mlv_max_record_bytes() + MLV_HEADER_MAX + 1) {
		mlv_errf(err, errlen, "%s: record %llu at byte %llu: record too "
		         "large (index length %llu)", f->open_path,
		         (unsigned long long)e->record,
		         (unsigned long long)e->offset,
		         (unsigned long long)e->length);
		return NULL;
	}
	if (e->length > ix->buf_cap) {
		free(ix->buf);
		ix->buf_cap = (size_t)e->length;
		ix->buf = mlv_malloc(ix->buf_cap);
	}
	size_t got = 0;
	while (got < e->length) {
		ssize_t k = pread(f->fd, ix->buf + got, (size_t)e->length - got,
		                  (off_t)(e->offset + got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			mlv_errf(err, errlen, "%s: read error at byte %llu (%s)",
			         f->open_path, (unsigned long long)(e->offset + got),
			         k ? strerror(errno) : "end of file");
			return NULL;
		}
		got += (size_t)k;
	}
	mlv_reader_close(ix->rd);
	ix->rd = mlv_reader_memopen(ix->buf, got, f->open_path);
	mlv_reader_set_origin(ix->rd, e->offset, e->record - 1);
	int rc = mlv_read(ix->rd, r);
	if (rc < 0) {
		mlv_errf(err, errlen, "%s", mlv_reader_error(ix->rd));
		return NULL;
	}
	const char *id = rc ? mlv_meta_get(r, "id") : NULL;
	if (!id || strcmp(id, e->id) ||
	    mlv_reader_tell(ix->rd) != e->offset + e->length) {
		mlv_errf(err, errlen, "%s: record %llu at byte %llu: stale index "
		         "(not the record with id '%s' the index names; run "
		         "mlv-index again)", f->open_path,
		         (unsigned long long)e->record,
		         (unsigned long long)e->offset, e->id);
		return NULL;
	}
	return ix->rd;
}
