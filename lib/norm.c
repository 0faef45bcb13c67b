/* norm.c - see norm.h */
#include "norm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
mlv_norm_parse(const char *name, mlv_norm_kind *kind)
{
	if (!strcmp(name, "none"))
		*kind = MLV_NORM_NONE;
	else if (!strcmp(name, "minmax"))
		*kind = MLV_NORM_MINMAX;
	else if (!strcmp(name, "zscore"))
		*kind = MLV_NORM_ZSCORE;
	else
		return -1;
	return 0;
}

const char *
mlv_norm_name(mlv_norm_kind kind)
{
	return kind == MLV_NORM_MINMAX ? "minmax" :
	       kind == MLV_NORM_ZSCORE ? "zscore" : "none";
}

void
mlv_norm_init(mlv_norm *s, mlv_norm_kind kind, int per_column, size_t cols)
{
	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->per_column = per_column;
	s->cols = cols;
	s->n = per_column ? cols : 1;
	s->lo = mlv_calloc(s->n, sizeof *s->lo);
	s->hi = mlv_calloc(s->n, sizeof *s->hi);
	s->mean = mlv_calloc(s->n, sizeof *s->mean);
	s->m2 = mlv_calloc(s->n, sizeof *s->m2);
	s->count = mlv_calloc(s->n, sizeof *s->count);
	for (size_t j = 0; j < s->n; j++) {
		s->lo[j] = INFINITY;
		s->hi[j] = -INFINITY;
	}
}

void
mlv_norm_free(mlv_norm *s)
{
	free(s->lo);
	free(s->hi);
	free(s->mean);
	free(s->m2);
	free(s->count);
	memset(s, 0, sizeof *s);
}

void
mlv_norm_add(mlv_norm *s, const float *x, size_t rows)
{
	for (size_t i = 0; i < rows; i++) {
		const float *row = x + i * s->cols;
		for (size_t j = 0; j < s->cols; j++) {
			double v = row[j];
			if (!isfinite(v))
				continue;
			size_t k = s->per_column ? j : 0;
			/* Welford: stable for spectra with large offsets. */
			s->count[k] += 1;
			double d = v - s->mean[k];
			s->mean[k] += d / s->count[k];
			s->m2[k] += d * (v - s->mean[k]);
			if (v < s->lo[k])
				s->lo[k] = v;
			if (v > s->hi[k])
				s->hi[k] = v;
		}
	}
}

/* offset and scale of statistic k: y = (x - offset) * scale */
static void
affine(const mlv_norm *s, size_t k, double *offset, double *scale)
{
	double a, b;
	if (s->kind == MLV_NORM_MINMAX) {
		a = s->lo[k];
		b = s->hi[k] - s->lo[k];
	} else {
		a = s->mean[k];
		b = s->count[k] > 0 ? sqrt(s->m2[k] / s->count[k]) : 0;
	}
	*offset = isfinite(a) ? a : 0;
	*scale = b > 0 && isfinite(b) ? 1 / b : 0;
}

void
mlv_norm_apply(const mlv_norm *s, float *x, size_t rows)
{
	if (s->kind == MLV_NORM_NONE)
		return;
	double *off = mlv_malloc(s->n * sizeof *off);
	double *scale = mlv_malloc(s->n * sizeof *scale);
	for (size_t k = 0; k < s->n; k++)
		affine(s, k, &off[k], &scale[k]);
	for (size_t i = 0; i < rows; i++) {
		float *row = x + i * s->cols;
		for (size_t j = 0; j < s->cols; j++) {
			size_t k = s->per_column ? j : 0;
			row[j] = (float)((row[j] - off[k]) * scale[k]);
		}
	}
	free(off);
	free(scale);
}

void
mlv_norm_to_record(const mlv_norm *s, mlv_record *r)
{
	mlv_record_resize(r, 2, s->n);
	mlv_meta_clear(r);
	mlv_meta_set(r, "id", "stats");
	mlv_meta_set(r, "kind", "stats");
	mlv_meta_set(r, "norm", mlv_norm_name(s->kind));
	mlv_meta_set(r, "axis", s->per_column ? "column" : "global");
	mlv_meta_setf(r, "width", "%zu", s->cols);
	mlv_meta_set(r, "rownames",
	             s->kind == MLV_NORM_ZSCORE ? "mean,std" : "min,max");
	for (size_t k = 0; k < s->n; k++) {
		if (s->kind == MLV_NORM_ZSCORE) {
			r->data[k] = (float)s->mean[k];
			r->data[s->n + k] = (float)(s->count[k] > 0 ?
			                   sqrt(s->m2[k] / s->count[k]) : 0);
		} else {
			r->data[k] = (float)s->lo[k];
			r->data[s->n + k] = (float)s->hi[k];
		}
	}
}

int
mlv_norm_from_record(mlv_norm *s, const mlv_record *r, size_t cols,
                     char *err, size_t errlen)
{
	const char *kind = mlv_meta_get(r, "kind");
	const char *norm = mlv_meta_get(r, "norm");
	const char *axis = mlv_meta_get(r, "axis");
	mlv_norm_kind k;
	if (!kind || strcmp(kind, "stats") || !norm || mlv_norm_parse(norm, &k) ||
	    !axis || (strcmp(axis, "column") && strcmp(axis, "global")) ||
	    r->rows != 2) {
		snprintf(err, errlen, "not normalisation statistics (expected "
		         "kind=stats with norm, axis and 2 rows)");
		return -1;
	}
	int per_column = !strcmp(axis, "column");
	double width;
	if (mlv_meta_get_double(r, "width", &width) || width != (double)cols ||
	    (per_column && r->cols != cols) || (!per_column && r->cols != 1)) {
		snprintf(err, errlen, "statistics fitted on %s columns, data has "
		         "%zu", mlv_meta_get(r, "width") ? mlv_meta_get(r, "width")
		         : "?", cols);
		return -1;
	}
	mlv_norm_init(s, k, per_column, cols);
	for (size_t j = 0; j < s->n; j++) {
		double a = r->data[j], b = r->data[s->n + j];
		s->count[j] = 1;
		if (k == MLV_NORM_ZSCORE) {
			s->mean[j] = a;
			s->m2[j] = b * b;
		} else {
			s->lo[j] = a;
			s->hi[j] = b;
		}
	}
	return 0;
}
