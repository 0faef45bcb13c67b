/* stats.c - see stats.h */
#include "stats.h"

#include <math.h>
#include <stdlib.h>

#include "util.h"

void
mlv_summarize(const float *x, size_t n, mlv_summary *s)
{
	double mean = 0, m2 = 0, lo = INFINITY, hi = -INFINITY;
	size_t count = 0, bad = 0;
	for (size_t i = 0; i < n; i++) {
		double v = x[i];
		if (!isfinite(v)) {
			bad++;
			continue;
		}
		count++;
		double d = v - mean;
		mean += d / (double)count;
		m2 += d * (v - mean);
		if (v < lo)
			lo = v;
		if (v > hi)
			hi = v;
	}
	s->count = count;
	s->nonfinite = bad;
	s->min = count ? lo : NAN;
	s->max = count ? hi : NAN;
	s->mean = count ? mean : NAN;
	s->std = count ? sqrt(m2 / (double)count) : NAN;
}

void
mlv_column_stats(const float *x, size_t rows, size_t cols, double *mean,
                 double *var)
{
	for (size_t j = 0; j < cols; j++)
		mean[j] = var[j] = 0;
	if (rows == 0) {
		for (size_t j = 0; j < cols; j++)
			mean[j] = var[j] = NAN;
		return;
	}
	/* Row by row, so x is read in memory order. */
	for (size_t i = 0; i < rows; i++)
		for (size_t j = 0; j < cols; j++)
			mean[j] += x[i * cols + j];
	for (size_t j = 0; j < cols; j++)
		mean[j] /= (double)rows;
	for (size_t i = 0; i < rows; i++)
		for (size_t j = 0; j < cols; j++) {
			double dv = x[i * cols + j] - mean[j];
			var[j] += dv * dv;
		}
	for (size_t j = 0; j < cols; j++)
		var[j] /= (double)rows;
}

typedef struct {
	double v;
	uint32_t i;
} ranked;

/* Larger first, NaN last, then lower index: a total order, so qsort's
 * instability cannot show. */
static int
rank_cmp(const void *pa, const void *pb)
{
	const ranked *a = pa, *b = pb;
	int na = isnan(a->v), nb = isnan(b->v);
	if (na != nb)
		return na - nb;
	if (!na && a->v != b->v)
		return a->v > b->v ? -1 : 1;
	return (a->i > b->i) - (a->i < b->i);
}

void
mlv_rank_desc(const double *v, size_t n, uint32_t *order)
{
	ranked *r = mlv_malloc((n ? n : 1) * sizeof *r);
	for (size_t i = 0; i < n; i++)
		r[i] = (ranked){v[i], (uint32_t)i};
	qsort(r, n, sizeof *r, rank_cmp);
	for (size_t i = 0; i < n; i++)
		order[i] = r[i].i;
	free(r);
}

void
mlv_column_means(const float *x, size_t rows, size_t cols, double *mean)
{
	for (size_t j = 0; j < cols; j++)
		mean[j] = 0;
	for (size_t i = 0; i < rows; i++)
		for (size_t j = 0; j < cols; j++)
			mean[j] += x[i * cols + j];
	for (size_t j = 0; j < cols; j++)
		mean[j] /= (double)rows;
}

double
mlv_dot(const double *a, const double *b, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}
