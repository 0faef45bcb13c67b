/* classify.c - see classify.h */
#include "classify.h"

#include <cblas.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "labels.h"
#include "neighbours.h"
#include "stats.h"
#include "util.h"

void
mlv_standardize_fit(const float *x, size_t n, size_t d, double *mean,
                    double *scale)
{
	mlv_column_stats(x, n, d, mean, scale);
	for (size_t j = 0; j < d; j++) {
		/* scikit-learn's test for a constant column: a variance
		 * within the rounding error of its computation. */
		double var = scale[j], eps = DBL_EPSILON, nn = (double)n;
		double bound = nn * eps * var + (nn * mean[j] * eps) *
		               (nn * mean[j] * eps);
		scale[j] = var <= bound ? 1 : sqrt(var);
	}
}

void
mlv_standardize_apply(const double *mean, const double *scale, float *x,
                      size_t n, size_t d)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++)
			x[i * d + j] = (float)((x[i * d + j] - mean[j]) / scale[j]);
}

void
mlv_logreg_defaults(mlv_logreg_opts *o)
{
	o->C = 1;
	o->max_iter = 2000;
	o->tol = 1e-6;
	o->standardize = 1;
}

typedef struct {
	const double *x;
	const int32_t *y;
	size_t n, d, k;
	double C;
	double *z; /* n x k: logits, then their gradient */
} logreg_ctx;

/* The objective and its gradient: Z = X W^T + b by dgemm, then per row
 * the log-sum-exp shifted by its maximum (no overflow), and
 * dW = (P - Y)^T X + W / C, db = column sums of P - Y. */
static double
logreg_eval(const logreg_ctx *c, const double *w, double *grad)
{
	size_t n = c->n, d = c->d, k = c->k;
	const double *b = w + k * d;
	if (n && d)
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)k,
		            (int)d, 1.0, c->x, (int)d, w, (int)d, 0.0, c->z, (int)k);
	else
		memset(c->z, 0, n * k * sizeof *c->z);
	double loss = 0;
	for (size_t i = 0; i < n; i++) {
		double *z = c->z + i * k, top = -INFINITY, sum = 0;
		for (size_t j = 0; j < k; j++) {
			z[j] += b[j];
			if (z[j] > top)
				top = z[j];
		}
		for (size_t j = 0; j < k; j++)
			sum += exp(z[j] - top);
		double lse = top + log(sum);
		loss += lse - z[c->y[i]];
		for (size_t j = 0; j < k; j++)
			z[j] = exp(z[j] - lse);
		z[c->y[i]] -= 1;
	}
	double norm2 = 0;
	for (size_t i = 0; i < k * d; i++)
		norm2 += w[i] * w[i];
	if (grad) {
		for (size_t i = 0; i < k * d; i++)
			grad[i] = w[i] / c->C;
		if (n && d)
			cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k,
			            (int)d, (int)n, 1.0, c->z, (int)k, c->x, (int)d, 1.0,
			            grad, (int)d);
		double *gb = grad + k * d;
		memset(gb, 0, k * sizeof *gb);
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < k; j++)
				gb[j] += c->z[i * k + j];
	}
	return loss + norm2 / (2 * c->C);
}

double
mlv_logreg_loss(const double *w, const double *x, size_t n, size_t d,
                const int32_t *y, size_t nclasses, double C, double *grad)
{
	logreg_ctx c = {x, y, n, d, nclasses, C, NULL};
	c.z = mlv_malloc(mlv_mul_size(n, nclasses * sizeof *c.z, "logits"));
	double f = logreg_eval(&c, w, grad);
	free(c.z);
	return f;
}

/* L-BFGS sees the objective divided by the rows, so its tolerances mean
 * the same for 100 rows as for 100,000 (scikit-learn >= 1.2 scales its
 * loss the same way); the minimiser is the same. */
static double
logreg_mean(void *ctx, const double *w, double *grad, size_t nw)
{
	const logreg_ctx *c = ctx;
	double f = logreg_eval(c, w, grad);
	for (size_t i = 0; i < nw; i++)
		grad[i] /= (double)c->n;
	return f / (double)c->n;
}

int
mlv_logreg_fit(mlv_logreg *m, const float *x, size_t n, size_t d,
               const int32_t *y, size_t nclasses, const mlv_logreg_opts *o,
               char *err, size_t errlen)
{
	memset(m, 0, sizeof *m);
	if (!n || !d)
		return mlv_errf(err, errlen, "%zu rows of %zu columns: nothing to "
		                "fit", n, d);
	if (nclasses < 2)
		return mlv_errf(err, errlen, "%zu class: a classifier needs at "
		                "least 2", nclasses);
	if (!(o->C > 0) || !isfinite(o->C) || o->max_iter < 1 || !(o->tol >= 0))
		return mlv_errf(err, errlen, "bad options (C %g, max_iter %d, tol "
		                "%g)", o->C, o->max_iter, o->tol);
	size_t *count = mlv_calloc(nclasses, sizeof *count);
	for (size_t i = 0; i < n; i++) {
		if (y[i] < 0 || (size_t)y[i] >= nclasses) {
			free(count);
			return mlv_errf(err, errlen, "row %zu: class %d is not in 0..%zu",
			                i, y[i], nclasses - 1);
		}
		count[y[i]]++;
	}
	for (size_t c = 0; c < nclasses; c++)
		if (!count[c]) {
			free(count);
			/* Its intercept would run off to -infinity. */
			return mlv_errf(err, errlen, "class %zu has no rows", c);
		}
	free(count);
	m->d = d;
	m->nclasses = nclasses;
	m->mean = mlv_malloc(2 * d * sizeof *m->mean);
	m->scale = m->mean + d;
	size_t nw = mlv_mul_size(d + 1, nclasses, "coefficients");
	m->coef = mlv_calloc(nw, sizeof *m->coef);
	m->intercept = m->coef + d * nclasses;
	/* Centred columns, standardised or not: W x + b = W (x - mean) +
	 * (b + W mean) and b is not penalised, so centring changes nothing
	 * but the conditioning, which columns far from 0 ruin (L-BFGS, and
	 * scikit-learn's too, then stops far from the optimum). */
	mlv_standardize_fit(x, n, d, m->mean, m->scale);
	if (!o->standardize)
		for (size_t j = 0; j < d; j++)
			m->scale[j] = 1;
	double *xs = mlv_malloc(mlv_mul_size(n, d * sizeof *xs, "rows"));
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++)
			xs[i * d + j] = (x[i * d + j] - m->mean[j]) / m->scale[j];
	logreg_ctx c = {xs, y, n, d, nclasses, o->C, NULL};
	c.z = mlv_malloc(mlv_mul_size(n, nclasses * sizeof *c.z, "logits"));
	mlv_lbfgs_opts lo;
	mlv_lbfgs_defaults(&lo);
	lo.max_iter = o->max_iter;
	lo.gtol = o->tol;
	/* OpenBLAS on one thread: its split of a product among threads can
	 * change the last bits, and the fit must not depend on the machine. */
	int blas = mlv_blas_single_thread();
	int ret = mlv_lbfgs(m->coef, nw, logreg_mean, &c, &lo, &m->fit, err,
	                    errlen);
	if (!ret)
		m->objective = logreg_eval(&c, m->coef, NULL);
	mlv_blas_restore(blas);
	free(c.z);
	free(xs);
	return ret;
}

void
mlv_logreg_predict(const mlv_logreg *m, const float *x, size_t n,
                   int32_t *pred)
{
	size_t d = m->d, k = m->nclasses;
	double *xs = mlv_malloc(d * sizeof *xs);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < d; j++)
			xs[j] = (x[i * d + j] - m->mean[j]) / m->scale[j];
		double best = -INFINITY;
		pred[i] = 0;
		for (size_t c = 0; c < k; c++) {
			double z = m->intercept[c];
			for (size_t j = 0; j < d; j++)
				z += m->coef[c * d + j] * xs[j];
			if (z > best) {
				best = z;
				pred[i] = (int32_t)c;
			}
		}
	}
	free(xs);
}

void
mlv_logreg_free(mlv_logreg *m)
{
	free(m->mean);
	free(m->coef);
	memset(m, 0, sizeof *m);
}

int
mlv_knn_classify(mlv_sim_kind kind, const float *train, size_t n,
                 const int32_t *y, size_t nclasses, const float *test,
                 size_t nt, size_t d, size_t k, int32_t *pred, int nthreads,
                 char *err, size_t errlen)
{
	if (k == 0 || k > n)
		return mlv_errf(err, errlen, "%zu neighbours among %zu training "
		                "rows: k must be 1 to the rows", k, n);
	if (!nt)
		return 0;
	uint32_t *idx = mlv_malloc(mlv_mul_size(nt, k * sizeof *idx,
	                                        "neighbours"));
	float *val = mlv_malloc(mlv_mul_size(nt, k * sizeof *val, "neighbours"));
	uint32_t *counts = mlv_malloc(nclasses * sizeof *counts);
	int ret = mlv_sim_topk(kind, test, nt, d, train, n, d, k, idx, val,
	                       nthreads, err, errlen);
	for (size_t i = 0; !ret && i < nt; i++)
		pred[i] = mlv_vote(idx + i * k, k, y, nclasses, counts);
	free(idx);
	free(val);
	free(counts);
	return ret;
}

void
mlv_classify_score(const int32_t *truth, const int32_t *pred, size_t n,
                   size_t nclasses, double *accuracy, double *balanced)
{
	size_t *rows = mlv_calloc(2 * nclasses, sizeof *rows), *right =
	        rows + nclasses, total = 0;
	for (size_t i = 0; i < n; i++) {
		rows[truth[i]]++;
		if (pred[i] == truth[i]) {
			right[truth[i]]++;
			total++;
		}
	}
	double sum = 0;
	size_t present = 0;
	for (size_t c = 0; c < nclasses; c++)
		if (rows[c]) {
			sum += (double)right[c] / (double)rows[c];
			present++;
		}
	*accuracy = n ? (double)total / (double)n : NAN;
	*balanced = present ? sum / (double)present : NAN;
	free(rows);
}

int
mlv_track_accuracy(const int32_t *truth, const int32_t *pred,
                   const int32_t *track, size_t n, size_t nclasses,
                   double *accuracy, size_t *ntracks, size_t conflict[2])
{
	size_t m, *start;
	uint32_t *rows;
	mlv_rows_by_class(track, n, &m, &start, &rows);
	uint32_t *counts = mlv_malloc((nclasses ? nclasses : 1) *
	                              sizeof *counts);
	size_t tracks = 0, right = 0;
	int ret = 0;
	for (size_t t = 0; t < m && !ret; t++) {
		const uint32_t *r = rows + start[t];
		size_t cn = start[t + 1] - start[t];
		if (!cn)
			continue;
		for (size_t j = 1; j < cn && !ret; j++)
			if (truth[r[j]] != truth[r[0]]) {
				conflict[0] = r[0];
				conflict[1] = r[j];
				ret = -1;
			}
		tracks++;
		right += mlv_vote(r, cn, pred, nclasses, counts) == truth[r[0]];
	}
	*ntracks = tracks;
	*accuracy = tracks ? (double)right / (double)tracks : NAN;
	free(counts);
	free(rows);
	free(start);
	return ret;
}

int32_t
mlv_majority_class(const int32_t *y, size_t n, size_t nclasses)
{
	size_t *count = mlv_calloc(nclasses, sizeof *count);
	for (size_t i = 0; i < n; i++)
		count[y[i]]++;
	size_t best = 0;
	for (size_t c = 1; c < nclasses; c++)
		if (count[c] > count[best])
			best = c;
	free(count);
	return (int32_t)best;
}
