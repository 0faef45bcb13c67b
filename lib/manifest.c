/* manifest.c - see manifest.h */
#define _POSIX_C_SOURCE 200809L
#include "manifest.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream.h"
#include "util.h"

/* Split a line at tabs in place; returns the field count. */
static size_t
split_tabs(char *line, char ***fields, size_t *cap)
{
	size_t n = 0;
	for (char *p = line;; ) {
		if (n == *cap) {
			*cap = *cap ? 2 * *cap : 16;
			*fields = mlv_realloc(*fields, *cap * sizeof **fields);
		}
		(*fields)[n++] = p;
		char *tab = strchr(p, '\t');
		if (!tab)
			return n;
		*tab = '\0';
		p = tab + 1;
	}
}

/* The 1-based column of a NUL byte in line[0..len), or 0 when none: a
 * label cut there would change silently. */
static size_t
nul_column(const char *line, size_t len)
{
	const char *z = memchr(line, '\0', len);
	if (!z)
		return 0;
	size_t col = 1;
	for (const char *p = line; p < z; p++)
		col += *p == '\t';
	return col;
}

/* 0, or -1 with a message when two header fields have the same name (one
 * of the two columns would be dropped). */
static int
check_unique_names(char **names, size_t n, size_t lineno, char *err,
                   size_t errlen)
{
	for (size_t j = 1; j < n; j++)
		for (size_t i = 0; i < j; i++)
			if (!strcmp(names[i], names[j]))
				return mlv_errf(err, errlen, "line %zu: columns %zu and "
				                "%zu are both named '%.40s'", lineno,
				                i + 1, j + 1, names[j]);
	return 0;
}

static int
parse_seconds(const char *s, double *out)
{
	char *end;
	errno = 0;
	*out = strtod(s, &end);
	return end == s || *end || errno == ERANGE || !isfinite(*out) ||
	       *out < 0 ? -1 : 0;
}

static char *
resolve(const char *manifest, const char *path)
{
	const char *slash = strrchr(manifest, '/');
	if (path[0] == '/' || !slash)
		return mlv_strdup(path);
	size_t dir = (size_t)(slash - manifest) + 1;
	char *out = mlv_malloc(dir + strlen(path) + 1);
	memcpy(out, manifest, dir);
	strcpy(out + dir, path);
	return out;
}

int
mlv_manifest_read(mlv_manifest *m, const char *path, char *err, size_t errlen)
{
	memset(m, 0, sizeof *m);
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "cannot open (%s)", strerror(errno));
		return -1;
	}
	int rc = mlv_manifest_read_file(m, f, path, err, errlen);
	fclose(f);
	return rc;
}

int
mlv_manifest_read_file(mlv_manifest *m, FILE *f, const char *path, char *err,
                       size_t errlen)
{
	memset(m, 0, sizeof *m);
	char *line = NULL, **fields = NULL, **header = NULL;
	size_t lcap = 0, fcap = 0, lineno = 0, ncols = 0, cap = 0;
	long path_col = -1, start_col = -1, end_col = -1;
	long *label_col = NULL;
	int rc = -1;
	ssize_t len;
	while ((len = getline(&line, &lcap, f)) >= 0) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len || line[0] == '#')
			continue;
		size_t nul = nul_column(line, (size_t)len);
		if (nul) {
			int named = header && nul <= ncols;
			snprintf(err, errlen, "line %zu, column %zu%s%.40s%s: a NUL "
			         "byte (labels are text)", lineno, nul,
			         named ? " (" : "", named ? header[nul - 1] : "",
			         named ? ")" : "");
			goto out;
		}
		size_t nf = split_tabs(line, &fields, &fcap);
		if (!ncols) {
			if (check_unique_names(fields, nf, lineno, err, errlen))
				goto out;
			ncols = nf;
			header = mlv_calloc(nf, sizeof *header);
			for (size_t j = 0; j < nf; j++)
				header[j] = mlv_strdup(fields[j]);
			label_col = mlv_calloc(nf, sizeof *label_col);
			m->label_names = mlv_calloc(nf, sizeof *m->label_names);
			for (size_t j = 0; j < nf; j++) {
				const char *name = fields[j];
				if (path_col < 0 && (!strcmp(name, "path") ||
				                     !strcmp(name, "file")))
					path_col = (long)j;
				else if (!strcmp(name, "start") || !strcmp(name, "start_s"))
					start_col = (long)j;
				else if (!strcmp(name, "end") || !strcmp(name, "end_s"))
					end_col = (long)j;
				else {
					size_t n = strlen(name) + 7;
					char *key = mlv_malloc(n);
					snprintf(key, n, "label.%s", name);
					if (!*name || !mlv_key_valid(key)) {
						snprintf(err, errlen, "line %zu: column name "
						         "'%.40s' is not usable as a label (letters, "
						         "digits and _.:+- only)", lineno, name);
						free(key);
						goto out;
					}
					label_col[m->nlabels] = (long)j;
					m->label_names[m->nlabels++] = key;
				}
			}
			if (path_col < 0) {
				snprintf(err, errlen, "line %zu: no 'path' or 'file' "
				         "column in the header", lineno);
				goto out;
			}
			continue;
		}
		if (nf != ncols) {
			snprintf(err, errlen, "line %zu: %zu fields (the header has "
			         "%zu)", lineno, nf, ncols);
			goto out;
		}
		if (m->n == cap) {
			cap = cap ? 2 * cap : 64;
			m->rows = mlv_realloc(m->rows, cap * sizeof *m->rows);
		}
		mlv_manifest_row *row = &m->rows[m->n];
		memset(row, 0, sizeof *row);
		row->line = lineno;
		if (!*fields[path_col]) {
			snprintf(err, errlen, "line %zu: empty path", lineno);
			goto out;
		}
		if ((start_col >= 0 && parse_seconds(fields[start_col], &row->start)) ||
		    (end_col >= 0 && parse_seconds(fields[end_col], &row->end))) {
			snprintf(err, errlen, "line %zu: start and end must be "
			         "seconds >= 0", lineno);
			goto out;
		}
		if (row->end > 0 && row->end <= row->start) {
			snprintf(err, errlen, "line %zu: end %g is not after start %g",
			         lineno, row->end, row->start);
			goto out;
		}
		row->path = resolve(path, fields[path_col]);
		row->labels = mlv_calloc(m->nlabels ? m->nlabels : 1, sizeof(char *));
		for (size_t k = 0; k < m->nlabels; k++)
			row->labels[k] = mlv_strdup(fields[label_col[k]]);
		m->n++;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "read error (%s)", strerror(errno));
		goto out;
	}
	if (!ncols) {
		snprintf(err, errlen, "empty manifest (no header line)");
		goto out;
	}
	rc = 0;
out:
	free(line);
	free(fields);
	for (size_t j = 0; j < ncols; j++)
		free(header[j]);
	free(header);
	free(label_col);
	if (rc)
		mlv_manifest_free(m);
	return rc;
}

void
mlv_manifest_free(mlv_manifest *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->rows[i].path);
		for (size_t k = 0; k < m->nlabels; k++)
			free(m->rows[i].labels[k]);
		free(m->rows[i].labels);
	}
	for (size_t k = 0; k < m->nlabels; k++)
		free(m->label_names[k]);
	free(m->label_names);
	free(m->rows);
	memset(m, 0, sizeof *m);
}
