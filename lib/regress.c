/* regress.c - see regress.h */
#include "regress.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "classify.h"
#include "labels.h"
#include "util.h"

int
mlv_ridge_fit(mlv_ridge *m, const float *x, size_t n, size_t d,
              const double *y, double alpha, char *err, size_t errlen)
{
	memset(m, 0, sizeof *m);
	if (n < 2 || !d)
		return mlv_errf(err, errlen, "%zu rows of %zu columns: a regression "
		                "needs 2 rows and a column", n, d);
	if (!(alpha >= 0) || !isfinite(alpha))
		return mlv_errf(err, errlen, "alpha %g: not >= 0", alpha);
	m->d = d;
	m->mean = mlv_malloc(3 * d * sizeof *m->mean);
	m->scale = m->mean + d;
	m->coef = m->scale + d;
	mlv_standardize_fit(x, n, d, m->mean, m->scale);
	double ym = 0;
	for (size_t i = 0; i < n; i++)
		ym += y[i];
	ym /= (double)n;
	m->intercept = ym;
	double *xs = mlv_malloc(mlv_mul_size(n, d * sizeof *xs, "rows"));
	double *yc = mlv_malloc(n * sizeof *yc);
	for (size_t i = 0; i < n; i++) {
		yc[i] = y[i] - ym;
		for (size_t j = 0; j < d; j++)
			xs[i * d + j] = (x[i * d + j] - m->mean[j]) / m->scale[j];
	}
	/* Centred columns and targets take the unpenalised intercept out;
	 * then w = (X'X + aI)^-1 X'y = X'(XX' + aI)^-1 y, whichever system
	 * is smaller. */
	int blas = mlv_blas_single_thread();
	size_t k = d <= n ? d : n;
	double *g = mlv_malloc(mlv_mul_size(k, k * sizeof *g, "Gram matrix"));
	double *rhs = mlv_malloc(k * sizeof *rhs);
	if (d <= n) {
		cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)n, 1.0,
		            xs, (int)d, 0.0, g, (int)d);
		cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, (int)d, 1.0, xs, (int)d,
		            yc, 1, 0.0, rhs, 1);
	} else {
		cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)n, (int)d,
		            1.0, xs, (int)d, 0.0, g, (int)n);
		memcpy(rhs, yc, n * sizeof *rhs);
	}
	for (size_t i = 0; i < k; i++)
		g[i * k + i] += alpha;
	lapack_int info = LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', (lapack_int)k, 1,
	                                g, (lapack_int)k, rhs, 1);
	mlv_lapack_check_memory(info, "LAPACKE_dposv");
	int ret = 0;
	if (info)
		ret = mlv_errf(err, errlen, "the normal equations are singular "
		               "(collinear columns; give alpha > 0)");
	else if (d <= n)
		memcpy(m->coef, rhs, d * sizeof *rhs);
	else
		cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, (int)d, 1.0, xs,
		            (int)d, rhs, 1, 0.0, m->coef, 1);
	mlv_blas_restore(blas);
	free(g);
	free(rhs);
	free(xs);
	free(yc);
	return ret;
}

void
mlv_ridge_predict(const mlv_ridge *m, const float *x, size_t n, double *pred)
{
	for (size_t i = 0; i < n; i++) {
		double z = m->intercept;
		for (size_t j = 0; j < m->d; j++)
			z += m->coef[j] * ((x[i * m->d + j] - m->mean[j]) / m->scale[j]);
		pred[i] = z;
	}
}

void
mlv_ridge_free(mlv_ridge *m)
{
	free(m->mean);
	memset(m, 0, sizeof *m);
}

double
mlv_r2(const double *y, const double *pred, size_t n)
{
	if (!n)
		return NAN;
	double mean = 0, res = 0, tot = 0;
	for (size_t i = 0; i < n; i++)
		mean += y[i];
	mean /= (double)n;
	for (size_t i = 0; i < n; i++) {
		res += (y[i] - pred[i]) * (y[i] - pred[i]);
		tot += (y[i] - mean) * (y[i] - mean);
	}
	return tot > 0 ? 1 - res / tot : NAN;
}

typedef struct {
	double v;
	uint32_t i;
} ranked;

static int
cmp_ranked(const void *a, const void *b)
{
	const ranked *x = a, *y = b;
	return x->v < y->v ? -1 : x->v > y->v ? 1 : (x->i > y->i) - (x->i < y->i);
}

void
mlv_rank_average(const double *v, size_t n, double *rank)
{
	ranked *r = mlv_malloc((n ? n : 1) * sizeof *r);
	for (size_t i = 0; i < n; i++) {
		r[i].v = v[i];
		r[i].i = (uint32_t)i;
	}
	qsort(r, n, sizeof *r, cmp_ranked);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && r[j].v == r[i].v)
			j++;
		/* ranks i+1 .. j share their mean */
		double mean = ((double)(i + 1) + (double)j) / 2;
		for (size_t t = i; t < j; t++)
			rank[r[t].i] = mean;
		i = j;
	}
	free(r);
}

double
mlv_spearman(const double *a, const double *b, size_t n)
{
	if (n < 2)
		return NAN;
	double *ra = mlv_malloc(2 * n * sizeof *ra), *rb = ra + n;
	mlv_rank_average(a, n, ra);
	mlv_rank_average(b, n, rb);
	/* both rank vectors have mean (n + 1) / 2 */
	double mu = ((double)n + 1) / 2, sab = 0, saa = 0, sbb = 0;
	for (size_t i = 0; i < n; i++) {
		sab += (ra[i] - mu) * (rb[i] - mu);
		saa += (ra[i] - mu) * (ra[i] - mu);
		sbb += (rb[i] - mu) * (rb[i] - mu);
	}
	free(ra);
	return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : NAN;
}

void
mlv_spearman_within(const double *a, const double *b, const int32_t *group,
                    size_t n, size_t ngroups, double *rho)
{
	size_t m, *start;
	uint32_t *rows;
	mlv_rows_by_class(group, n, &m, &start, &rows);
	double *ga = mlv_malloc((n ? n : 1) * 2 * sizeof *ga), *gb = ga + n;
	for (size_t g = 0; g < ngroups; g++) {
		size_t cn = g < m ? start[g + 1] - start[g] : 0;
		for (size_t j = 0; j < cn; j++) {
			ga[j] = a[rows[start[g] + j]];
			gb[j] = b[rows[start[g] + j]];
		}
		rho[g] = mlv_spearman(ga, gb, cn);
	}
	free(ga);
	free(start);
	free(rows);
}
