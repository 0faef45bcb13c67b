/* norm.c - see norm.h */
#include "norm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

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

/* Update lo/hi (width values each) with rows x width values.  NaN fails
 * both comparisons and drops out by itself; infinities do not, and are
 * left to range_finite(). */
static void
range_fast(const float *x, size_t rows, size_t width, float *lo, float *hi)
{
	if (width > 1) {
		for (size_t i = 0; i < rows; i++) {
			const float *row = x + i * width;
			for (size_t j = 0; j < width; j++) {
				float v = row[j];
				lo[j] = v < lo[j] ? v : lo[j];
				hi[j] = v > hi[j] ? v : hi[j];
			}
		}
		return;
	}
	/* One long column: eight lanes, so the loop vectorizes. */
	float a[8], b[8];
	for (int k = 0; k < 8; k++) {
		a[k] = lo[0];
		b[k] = hi[0];
	}
	size_t i = 0;
	for (; i + 8 <= rows; i += 8)
		for (int k = 0; k < 8; k++) {
			float v = x[i + (size_t)k];
			a[k] = v < a[k] ? v : a[k];
			b[k] = v > b[k] ? v : b[k];
		}
	for (; i < rows; i++) {
		a[0] = x[i] < a[0] ? x[i] : a[0];
		b[0] = x[i] > b[0] ? x[i] : b[0];
	}
	for (int k = 0; k < 8; k++) {
		lo[0] = a[k] < lo[0] ? a[k] : lo[0];
		hi[0] = b[k] > hi[0] ? b[k] : hi[0];
	}
}

static void
range_finite(const float *x, size_t rows, size_t width, float *lo, float *hi)
{
	for (size_t i = 0; i < rows; i++) {
		const float *row = x + i * width;
		for (size_t j = 0; j < width; j++) {
			float v = row[j];
			if (isfinite(v)) {
				lo[j] = v < lo[j] ? v : lo[j];
				hi[j] = v > hi[j] ? v : hi[j];
			}
		}
	}
}

/* The range of finite values: fast, then again with checks only when an
 * infinity (rare in practice) got in. */
static void
range_of(const float *x, size_t rows, size_t width, float *lo, float *hi)
{
	range_fast(x, rows, width, lo, hi);
	int inf = 0;
	for (size_t j = 0; j < width; j++)
		inf |= lo[j] == -INFINITY || hi[j] == INFINITY;
	if (!inf)
		return;
	for (size_t j = 0; j < width; j++) {
		lo[j] = INFINITY;
		hi[j] = -INFINITY;
	}
	range_finite(x, rows, width, lo, hi);
}

/* Sums of rows x width finite values, per column, centred on mean when
 * given (second pass) or not (first pass). */
static void
sums_of(const float *x, size_t rows, size_t width, const double *mean,
        double *sum, double *count)
{
	for (size_t i = 0; i < rows; i++) {
		const float *row = x + i * width;
		for (size_t j = 0; j < width; j++) {
			double v = row[j];
			if (!isfinite(v))
				continue;
			if (mean) {
				v -= mean[j];
				v *= v;
			}
			sum[j] += v;
			count[j] += 1;
		}
	}
}

/* Statistics of one block into b (initialised like s, empty). */
static void
block_stats(mlv_norm *b, const float *x, size_t rows)
{
	/* A global statistic treats the block as one column of values. */
	size_t width = b->per_column ? b->cols : 1;
	if (!b->per_column)
		rows *= b->cols;
	if (b->kind == MLV_NORM_MINMAX) {
		float *lo = mlv_malloc(2 * width * sizeof(float)), *hi = lo + width;
		for (size_t j = 0; j < width; j++) {
			lo[j] = INFINITY;
			hi[j] = -INFINITY;
		}
		range_of(x, rows, width, lo, hi);
		for (size_t j = 0; j < width; j++) {
			b->lo[j] = lo[j];
			b->hi[j] = hi[j];
		}
		free(lo);
		return;
	}
	/* The block's mean first, then squared deviations from it, so large
	 * offsets cancel nothing. */
	sums_of(x, rows, width, NULL, b->mean, b->count);
	for (size_t j = 0; j < width; j++)
		b->mean[j] = b->count[j] > 0 ? b->mean[j] / b->count[j] : 0;
	double *count = mlv_calloc(width, sizeof(double));
	sums_of(x, rows, width, b->mean, b->m2, count);
	free(count);
}

/* dst += src: min/max, or Chan, Golub and LeVeque's pairwise update of
 * count, mean and squared deviations. */
static void
merge(mlv_norm *dst, const mlv_norm *src)
{
	for (size_t j = 0; j < dst->n; j++) {
		if (src->lo[j] < dst->lo[j])
			dst->lo[j] = src->lo[j];
		if (src->hi[j] > dst->hi[j])
			dst->hi[j] = src->hi[j];
		if (src->count[j] == 0)
			continue;
		double total = dst->count[j] + src->count[j];
		double d = src->mean[j] - dst->mean[j];
		dst->m2[j] += src->m2[j] + d * d * dst->count[j] * src->count[j] / total;
		dst->mean[j] += d * src->count[j] / total;
		dst->count[j] = total;
	}
}

/* Blocks have a fixed size, whatever the thread count, and are merged in
 * order: the statistics, and so the normalised data, do not depend on
 * how many threads computed them. */
#define BLOCK_VALUES (1u << 16)

typedef struct {
	mlv_norm *blocks;
	const float *x;
	size_t rows, block_rows, cols;
} add_ctx;

static void
add_range(void *ctx, size_t begin, size_t end, int thread)
{
	(void)thread;
	add_ctx *c = ctx;
	for (size_t k = begin; k < end; k++) {
		size_t first = k * c->block_rows;
		size_t n = c->rows - first < c->block_rows ? c->rows - first :
		           c->block_rows;
		block_stats(&c->blocks[k], c->x + first * c->cols, n);
	}
}

void
mlv_norm_add_parallel(mlv_norm *s, const float *x, size_t rows, int nthreads)
{
	if (!rows || !s->cols)
		return;
	add_ctx c = {.x = x, .rows = rows, .cols = s->cols};
	c.block_rows = BLOCK_VALUES / s->cols ? BLOCK_VALUES / s->cols : 1;
	size_t nblocks = (rows + c.block_rows - 1) / c.block_rows;
	c.blocks = mlv_calloc(nblocks, sizeof *c.blocks);
	for (size_t k = 0; k < nblocks; k++)
		mlv_norm_init(&c.blocks[k], s->kind, s->per_column, s->cols);
	mlv_parallel_for(nblocks, nthreads, add_range, &c);
	for (size_t k = 0; k < nblocks; k++) {
		merge(s, &c.blocks[k]);
		mlv_norm_free(&c.blocks[k]);
	}
	free(c.blocks);
}

void
mlv_norm_add(mlv_norm *s, const float *x, size_t rows)
{
	mlv_norm_add_parallel(s, x, rows, 1);
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

typedef struct {
	float *x;
	size_t width;
	const double *off, *scale;
} apply_ctx;

static void
apply_range(void *ctx, size_t begin, size_t end, int thread)
{
	(void)thread;
	apply_ctx *c = ctx;
	if (c->width == 1) {
		double off = c->off[0], scale = c->scale[0];
		for (size_t i = begin; i < end; i++)
			c->x[i] = (float)((c->x[i] - off) * scale);
		return;
	}
	for (size_t i = begin; i < end; i++) {
		float *row = c->x + i * c->width;
		for (size_t j = 0; j < c->width; j++)
			row[j] = (float)((row[j] - c->off[j]) * c->scale[j]);
	}
}

void
mlv_norm_apply_parallel(const mlv_norm *s, float *x, size_t rows,
                        int nthreads)
{
	if (s->kind == MLV_NORM_NONE)
		return;
	size_t width = s->per_column ? s->cols : 1;
	if (!s->per_column)
		rows *= s->cols;
	double *off = mlv_malloc(2 * width * sizeof(double)), *scale = off + width;
	for (size_t j = 0; j < width; j++)
		affine(s, j, &off[j], &scale[j]);
	apply_ctx c = {.x = x, .width = width, .off = off, .scale = scale};
	mlv_parallel_for(rows, nthreads, apply_range, &c);
	free(off);
}

void
mlv_norm_invert(const mlv_norm *s, float *x, size_t rows)
{
	if (s->kind == MLV_NORM_NONE)
		return;
	size_t width = s->per_column ? s->cols : 1;
	if (!s->per_column)
		rows *= s->cols;
	for (size_t j = 0; j < width; j++) {
		double off, scale;
		affine(s, j, &off, &scale);
		double span = scale > 0 ? 1 / scale : 0;
		for (size_t i = 0; i < rows; i++)
			x[i * width + j] = (float)(x[i * width + j] * span + off);
	}
}

void
mlv_norm_apply(const mlv_norm *s, float *x, size_t rows)
{
	mlv_norm_apply_parallel(s, x, rows, 1);
}

void
mlv_norm_from_moments(mlv_norm *s, const mlv_moments *m, mlv_norm_kind kind,
                      int per_column)
{
	size_t d = m->d;
	mlv_norm_init(s, kind, per_column, d);
	for (size_t j = 0; j < d; j++) {
		size_t o = per_column ? j : 0;
		double m2 = m->cross ? m->m2[j * d + j] : m->m2[j];
		s->lo[o] = m->lo[j] < s->lo[o] ? m->lo[j] : s->lo[o];
		s->hi[o] = m->hi[j] > s->hi[o] ? m->hi[j] : s->hi[o];
		if (per_column) {
			s->mean[j] = m->mean[j];
			s->m2[j] = m2;
			s->count[j] = m->count;
			continue;
		}
		/* Global: the columns are groups of values, merged as shards
		 * are (Chan et al.). */
		if (m->count == 0)
			continue;
		double total = s->count[0] + m->count, dm = m->mean[j] - s->mean[0];
		s->m2[0] += m2 + dm * dm * s->count[0] * m->count / total;
		s->mean[0] += dm * m->count / total;
		s->count[0] = total;
	}
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
