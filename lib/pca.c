/* pca.c - see pca.h
 *
 * The fit forms the d x d covariance and solves its eigenproblem with
 * LAPACK rather than taking an SVD of the n x d data: latent spaces are
 * narrow (d = 8..512) and tall (n up to millions), so the covariance costs
 * O(n d^2) flops in O(d^2) memory and the eigenproblem O(d^3), never
 * touching an n x d copy.  The covariance is accumulated in double by
 * cblas_dsyrk over blocks of centred rows converted from float: summing
 * 10^6 float products in float would keep about 1 correct digit of a
 * small eigenvalue after cancellation, and squaring the data (which is
 * what forming the covariance does to the condition number) is only safe
 * at double precision.  The cost of double here is negligible beside the
 * n x d reads.  dsyevr (MRRR) returns just the k largest eigenpairs.
 */
#include "pca.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "util.h"

/* Rows converted to double per dsyrk call: 4096 x d doubles, enough for
 * BLAS to run at speed, small enough to stay in cache for narrow d. */
#define PCA_BLOCK 4096

int
mlv_pca_alloc(mlv_pca *p, size_t d, size_t k)
{
	memset(p, 0, sizeof *p);
	if (k == 0 || k > d)
		return -1;
	p->d = d;
	p->k = k;
	p->mean = mlv_calloc(d, sizeof(float));
	p->scale = mlv_malloc(mlv_mul_size(d, sizeof(float), "pca scale"));
	p->components = mlv_calloc(mlv_mul_size(k, d, "pca components"),
	                           sizeof(float));
	p->variance = mlv_calloc(k, sizeof(float));
	for (size_t j = 0; j < d; j++)
		p->scale[j] = 1;
	return 0;
}

void
mlv_pca_free(mlv_pca *p)
{
	free(p->mean);
	free(p->scale);
	free(p->components);
	free(p->variance);
	memset(p, 0, sizeof *p);
}

int
mlv_pca_fit(mlv_pca *p, const float *x, size_t n, size_t d, size_t k,
            int standardize, char *err, size_t errlen)
{
	double *mean = NULL, *scale = NULL, *cov = NULL, *blk = NULL;
	double *w = NULL, *z = NULL;
	lapack_int *isuppz = NULL;
	memset(p, 0, sizeof *p);
	if (n < 2) {
		mlv_errf(err, errlen, "PCA needs at least 2 rows, got %zu", n);
		return -1;
	}
	if (k == 0 || k > d) {
		mlv_errf(err, errlen, "%zu components asked of %zu columns", k, d);
		return -1;
	}
	if (d > 46340) { /* d*d must fit LAPACK's int */
		mlv_errf(err, errlen, "%zu columns: too wide for PCA", d);
		return -1;
	}
	mlv_mul_size(n, d, "pca input");
	if (mlv_pca_alloc(p, d, k) < 0)
		goto fail;
	p->standardize = standardize != 0;

	/* Two passes over x: the mean, then the spread about it, both in
	 * double, so a large common offset does not cancel the variance. */
	mean = mlv_calloc(d, sizeof *mean);
	scale = mlv_malloc(d * sizeof *scale);
	for (size_t i = 0; i < n; i++) {
		const float *r = x + i * d;
		for (size_t j = 0; j < d; j++) {
			if (!isfinite(r[j])) {
				mlv_errf(err, errlen, "row %zu column %zu: value not finite",
				       i, j);
				goto fail;
			}
			mean[j] += r[j];
		}
	}
	for (size_t j = 0; j < d; j++) {
		mean[j] /= (double)n;
		scale[j] = 1;
		p->mean[j] = (float)mean[j];
	}
	if (p->standardize) {
		double *ss = mlv_calloc(d, sizeof *ss);
		unsigned char *varies = mlv_calloc(d, 1);
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < d; j++) {
				double dv = x[i * d + j] - mean[j];
				ss[j] += dv * dv;
				varies[j] |= x[i * d + j] != x[j];
			}
		/* A column whose values are all equal has no spread to
		 * standardise: scale 1 maps it to 0 (StandardScaler does the
		 * same) instead of dividing by zero.  Testing equality rather
		 * than std < eps keeps a tiny but real spread standardised. */
		for (size_t j = 0; j < d; j++) {
			double s = sqrt(ss[j] / (double)n);
			scale[j] = varies[j] && s > 0 ? s : 1;
			p->scale[j] = (float)scale[j];
			/* Divide by the stored float, so the fit describes the data
			 * exactly as mlv_pca_apply will scale it. */
			scale[j] = p->scale[j];
		}
		free(ss);
		free(varies);
	}

	/* cov = sum over blocks of B^T B, B = (x - mean) / scale. */
	cov = mlv_calloc(mlv_mul_size(d, d, "pca covariance"), sizeof *cov);
	blk = mlv_malloc(mlv_mul_size(mlv_mul_size(PCA_BLOCK, d, "pca block"),
	                              sizeof *blk, "pca block"));
	for (size_t i0 = 0; i0 < n; i0 += PCA_BLOCK) {
		size_t m = n - i0 < PCA_BLOCK ? n - i0 : PCA_BLOCK;
		for (size_t i = 0; i < m; i++)
			for (size_t j = 0; j < d; j++)
				blk[i * d + j] = (x[(i0 + i) * d + j] - mean[j]) / scale[j];
		cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)m,
		            1.0, blk, (int)d, 1.0, cov, (int)d);
	}
	double trace = 0;
	for (size_t j = 0; j < d; j++)
		for (size_t l = j; l < d; l++)
			cov[j * d + l] /= (double)(n - 1);
	for (size_t j = 0; j < d; j++)
		trace += cov[j * d + j];
	p->total_variance = trace;

	w = mlv_malloc(d * sizeof *w);
	z = mlv_malloc(mlv_mul_size(d, k, "pca eigenvectors") * sizeof *z);
	isuppz = mlv_malloc(2 * k * sizeof *isuppz);
	lapack_int found = 0;
	lapack_int info = LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'I', 'U',
	                                 (lapack_int)d, cov, (lapack_int)d, 0, 0,
	                                 (lapack_int)(d - k + 1), (lapack_int)d,
	                                 0.0, &found, w, z, (lapack_int)k, isuppz);
	/* As any allocation: a caller falling back on failure (t-SNE's
	 * initialisation) must not turn it into another result. */
	if (info == LAPACK_WORK_MEMORY_ERROR ||
	    info == LAPACK_TRANSPOSE_MEMORY_ERROR)
		mlv_die("out of memory (LAPACKE_dsyevr's workspace)");
	if (info != 0 || (size_t)found != k) {
		mlv_errf(err, errlen, "LAPACKE_dsyevr failed (info %d, %d of %zu "
		       "eigenvalues)", (int)info, (int)found, k);
		goto fail;
	}
	/* dsyevr lists eigenvalues in ascending order: component c is the
	 * eigenvector column k-1-c. */
	for (size_t c = 0; c < k; c++) {
		size_t col = k - 1 - c;
		/* The sign rule of pca.h, with "largest" read to a relative
		 * 1e-6 so that loadings equal in exact arithmetic (a rotation
		 * by 45 degrees) are not told apart by rounding. */
		double top = 0;
		for (size_t j = 0; j < d; j++)
			if (fabs(z[j * k + col]) > top)
				top = fabs(z[j * k + col]);
		size_t big = 0;
		while (fabs(z[big * k + col]) < top * (1 - 1e-6))
			big++;
		double sign = z[big * k + col] < 0 ? -1 : 1;
		for (size_t j = 0; j < d; j++)
			p->components[c * d + j] = (float)(sign * z[j * k + col]);
		/* Rounding can leave the eigenvalue of a rank-deficient
		 * covariance slightly negative; a variance is not. */
		p->variance[c] = w[col] > 0 ? (float)w[col] : 0;
	}
	free(mean);
	free(scale);
	free(cov);
	free(blk);
	free(w);
	free(z);
	free(isuppz);
	return 0;
fail:
	free(mean);
	free(scale);
	free(cov);
	free(blk);
	free(w);
	free(z);
	free(isuppz);
	mlv_pca_free(p);
	return -1;
}

void
mlv_pca_apply(const mlv_pca *p, const float *x, size_t n, float *y)
{
	size_t d = p->d, k = p->k;
	if (!n)
		return;
	size_t rows = n < PCA_BLOCK ? n : PCA_BLOCK;
	float *blk = mlv_malloc(mlv_mul_size(mlv_mul_size(rows, d, "pca block"),
	                                     sizeof *blk, "pca block"));
	for (size_t i0 = 0; i0 < n; i0 += PCA_BLOCK) {
		size_t m = n - i0 < PCA_BLOCK ? n - i0 : PCA_BLOCK;
		for (size_t i = 0; i < m; i++)
			for (size_t j = 0; j < d; j++)
				blk[i * d + j] = (x[(i0 + i) * d + j] - p->mean[j]) /
				                 p->scale[j];
		mlv_gemm_abt(blk, p->components, y + i0 * k, m, k, d, k, 1.0f, 0.0f);
	}
	free(blk);
}
