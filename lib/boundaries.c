/* boundaries.c - see boundaries.h */
#include "boundaries.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Kuhn's augmenting paths: try to give reference r an estimate, moving
 * the estimates' current partners along if they can go elsewhere. */
static int
augment(size_t r, const double *ref, const double *est, size_t nest,
        double tol, size_t *owner, unsigned char *seen)
{
	for (size_t e = 0; e < nest; e++) {
		if (seen[e] || !(fabs(est[e] - ref[r]) <= tol))
			continue;
		seen[e] = 1;
		if (owner[e] == SIZE_MAX ||
		    augment(owner[e], ref, est, nest, tol, owner, seen)) {
			owner[e] = r;
			return 1;
		}
	}
	return 0;
}

size_t
mlv_match_events(const double *ref, size_t nref, const double *est,
                 size_t nest, double tol)
{
	size_t *owner = mlv_malloc((nest ? nest : 1) * sizeof *owner);
	unsigned char *seen = mlv_malloc(nest ? nest : 1);
	for (size_t e = 0; e < nest; e++)
		owner[e] = SIZE_MAX;
	size_t hits = 0;
	for (size_t r = 0; r < nref; r++) {
		memset(seen, 0, nest);
		hits += (size_t)augment(r, ref, est, nest, tol, owner, seen);
	}
	free(owner);
	free(seen);
	return hits;
}

void
mlv_prf(size_t hits, size_t nref, size_t nest, double *precision,
        double *recall, double *f)
{
	*precision = nest ? (double)hits / (double)nest : 0;
	*recall = nref ? (double)hits / (double)nref : 0;
	*f = *precision + *recall > 0 ?
	     2 * *precision * *recall / (*precision + *recall) : 0;
}

int
mlv_parse_times(const char *text, double **out, size_t *n, char *err,
                size_t errlen)
{
	*out = NULL;
	*n = 0;
	if (!*text)
		return 0;
	size_t cap = 1;
	for (const char *s = text; *s; s++)
		cap += *s == ',';
	double *v = mlv_malloc(cap * sizeof *v);
	const char *s = text;
	for (;;) {
		char *end;
		errno = 0;
		double t = strtod(s, &end);
		if (end == s || (*end && *end != ',') || errno || !isfinite(t)) {
			free(v);
			return mlv_errf(err, errlen, "\"%s\" is not a comma-separated "
			                "list of times", text);
		}
		v[(*n)++] = t;
		if (!*end)
			break;
		s = end + 1;
	}
	*out = v;
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Split a line at tabs in place: fields[] point into it. */
static size_t
split_tabs(char *line, char ***fields, size_t *cap)
{
	size_t n = 0;
	for (char *s = line;;) {
		if (n == *cap) {
			*cap = *cap ? 2 * *cap : 16;
			*fields = mlv_realloc(*fields, *cap * sizeof **fields);
		}
		(*fields)[n++] = s;
		char *tab = strchr(s, '\t');
		if (!tab)
			break;
		*tab = '\0';
		s = tab + 1;
	}
	return n;
}

int
mlv_sections_read(mlv_sections *s, const char *path, char *err,
                  size_t errlen)
{
	memset(s, 0, sizeof *s);
	FILE *f = fopen(path, "r");
	if (!f)
		return mlv_errf(err, errlen, "%s: cannot open (%s)", path,
		                strerror(errno));
	char *line = NULL, **fields = NULL;
	size_t linecap = 0, fcap = 0, cap = 0, lineno = 0;
	long file_col = -1, start_col = -1;
	ssize_t len;
	int ret = 0;
	while (!ret && (len = getline(&line, &linecap, f)) >= 0) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len)
			continue;
		size_t nf = split_tabs(line, &fields, &fcap);
		if (file_col < 0) {
			for (size_t i = 0; i < nf; i++) {
				if (file_col < 0 && (!strcmp(fields[i], "file") ||
				                     !strcmp(fields[i], "path")))
					file_col = (long)i;
				if (start_col < 0 && (!strcmp(fields[i], "start_s") ||
				                      !strcmp(fields[i], "start")))
					start_col = (long)i;
			}
			if (file_col < 0 || start_col < 0)
				ret = mlv_errf(err, errlen, "%s: line %zu: no %s column in "
				               "the header (\"file\" or \"path\", "
				               "\"start_s\" or \"start\")", path, lineno,
				               file_col < 0 ? "file" : "start");
			continue;
		}
		if ((long)nf <= file_col || (long)nf <= start_col) {
			ret = mlv_errf(err, errlen, "%s: line %zu: %zu fields, the "
			               "header has more", path, lineno, nf);
			break;
		}
		char *end;
		errno = 0;
		double t = strtod(fields[start_col], &end);
		if (end == fields[start_col] || *end || errno || !isfinite(t)) {
			ret = mlv_errf(err, errlen, "%s: line %zu: start \"%s\" is not "
			               "a number of seconds", path, lineno,
			               fields[start_col]);
			break;
		}
		if (s->n == cap) {
			cap = cap ? 2 * cap : 64;
			s->file = mlv_realloc(s->file, cap * sizeof *s->file);
			s->start = mlv_realloc(s->start, cap * sizeof *s->start);
		}
		s->file[s->n] = mlv_strdup(fields[file_col]);
		s->start[s->n++] = t;
	}
	if (!ret && ferror(f))
		ret = mlv_errf(err, errlen, "%s: read error (%s)", path,
		               strerror(errno));
	else if (!ret && file_col < 0)
		ret = mlv_errf(err, errlen, "%s: empty (a header line and a line "
		               "per section were expected)", path);
	fclose(f);
	free(line);
	free(fields);
	if (ret)
		mlv_sections_free(s);
	return ret;
}

/* The path components of name, last first: comp[i] (not terminated)
 * of length len[i], leaving out empty and "." components and a "#..."
 * fragment after the last slash (mlv-spec's "#t=0,10").  At most max;
 * returns how many there are. */
static size_t
path_components(const char *name, const char **comp, size_t *len,
                size_t max)
{
	const char *slash = strrchr(name, '/');
	const char *hash = strchr(slash ? slash + 1 : name, '#');
	const char *end = hash ? hash : name + strlen(name);
	size_t n = 0;
	while (end > name) {
		const char *c = end;
		while (c > name && c[-1] != '/')
			c--;
		size_t l = (size_t)(end - c);
		if (l && !(l == 1 && *c == '.')) {
			if (n < max) {
				comp[n] = c;
				len[n] = l;
			}
			n++;
		}
		end = c > name ? c - 1 : name;
	}
	return n;
}

#define MAX_COMPONENTS 64

/* How many trailing components two paths share when all of the shorter
 * one's are shared (disc1/01.wav and /music/disc1/01.wav: 2), else 0:
 * sub/p2.wav and /b/p2.wav are different files. */
static size_t
suffix_match(const char *const *ac, const size_t *al, size_t an,
             const char *path)
{
	const char *bc[MAX_COMPONENTS];
	size_t bl[MAX_COMPONENTS];
	size_t bn = path_components(path, bc, bl, MAX_COMPONENTS);
	size_t m = an < bn ? an : bn;
	if (m > MAX_COMPONENTS)
		m = MAX_COMPONENTS;
	for (size_t i = 0; i < m; i++)
		if (al[i] != bl[i] || memcmp(ac[i], bc[i], al[i]))
			return 0;
	return m;
}

/* Whether two annotation paths name the same file (a/x.wav, ./a/x.wav). */
static int
same_path(const char *a, const char *b)
{
	const char *ac[MAX_COMPONENTS];
	size_t al[MAX_COMPONENTS];
	size_t an = path_components(a, ac, al, MAX_COMPONENTS);
	const char *bc[MAX_COMPONENTS];
	size_t bl[MAX_COMPONENTS];
	return an == path_components(b, bc, bl, MAX_COMPONENTS) &&
	       suffix_match(ac, al, an, b) == (an < MAX_COMPONENTS ? an :
	                                       MAX_COMPONENTS);
}

int
mlv_sections_boundaries(const mlv_sections *s, const char *name, double *out,
                        size_t *nout, size_t *nlines, char *err,
                        size_t errlen)
{
	const char *nc[MAX_COMPONENTS];
	size_t nl[MAX_COMPONENTS];
	size_t nn = path_components(name, nc, nl, MAX_COMPONENTS);
	size_t best = 0, first = 0;
	for (size_t i = 0; i < s->n; i++) {
		size_t m = suffix_match(nc, nl, nn, s->file[i]);
		if (m > best) {
			best = m;
			first = i;
		}
	}
	*nout = *nlines = 0;
	if (!best)
		return 0;
	/* The files other than the first that match as well: naming them
	 * all, up to what err holds, tells which path to lengthen. */
	size_t others = 0, len = 0;
	char list[256] = "";
	for (size_t i = first + 1; i < s->n; i++) {
		if (suffix_match(nc, nl, nn, s->file[i]) != best ||
		    same_path(s->file[i], s->file[first]))
			continue;
		int dup = 0;
		for (size_t j = first + 1; j < i && !dup; j++)
			dup = suffix_match(nc, nl, nn, s->file[j]) == best &&
			      same_path(s->file[j], s->file[i]);
		if (dup)
			continue;
		others++;
		if (len < sizeof list)
			len += (size_t)snprintf(list + len, sizeof list - len, ", %s",
			                        s->file[i]);
	}
	if (others)
		return mlv_errf(err, errlen, "%s matches %zu annotated files "
		                "equally well: %s%s (ambiguous; more of the path would tell "
		                "them apart)", name,
		                others + 1, s->file[first], list);
	size_t m = 0;
	for (size_t i = first; i < s->n; i++) {
		if (!same_path(s->file[i], s->file[first]))
			continue;
		(*nlines)++;
		if (s->start[i] > 0)
			out[m++] = s->start[i];
	}
	qsort(out, m, sizeof *out, cmp_double);
	for (size_t i = 0; i < m; i++)
		if (i == 0 || out[i] != out[i - 1])
			out[(*nout)++] = out[i];
	return 0;
}

void
mlv_sections_free(mlv_sections *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->file[i]);
	free(s->file);
	free(s->start);
	memset(s, 0, sizeof *s);
}
