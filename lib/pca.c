/* pca.c - see pca.h
 *
 * The covariance solver forms the d x d covariance and solves its
 * eigenproblem with LAPACK rather than taking an SVD of the n x d data:
 * latent spaces are narrow (d = 8..512) and tall (n up to millions), so
 * the covariance costs O(n d^2) flops in O(d^2) memory and the
 * eigenproblem O(d^3), never touching an n x d copy.  The covariance is
 * accumulated in double by cblas_dsyrk over blocks of centred rows
 * converted from float: summing 10^6 float products in float would keep
 * about 1 correct digit of a small eigenvalue after cancellation, and
 * squaring the data (which is what forming the covariance does to the
 * condition number) is only safe at double precision.  The cost of double
 * here is negligible beside the n x d reads.  dsyevr (MRRR) returns just
 * the k largest eigenpairs.
 *
 * Flattened clips are the opposite shape (Symphony2vec: a few hundred rows
 * of 64 x 431 = 27,584 values), where the covariance would take 6 GB: the
 * Gram solver works in the n x n space the rows span instead, and the
 * randomized one in a (k + 10)-dimensional sketch of it.  Every solver
 * reads x through centred blocks of at most BLOCK_VALUES doubles.
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
#include "moments.h"
#include "rng.h"
#include "util.h"

/* Rows converted to double per BLAS call: up to 4096, enough for BLAS to
 * run at speed, and at most BLOCK_VALUES values (16 MB), so wide rows do
 * not make a block of gigabytes. */
#define PCA_BLOCK 4096
#define BLOCK_VALUES ((size_t)1 << 21)
/* Halko et al.'s oversampling p (scikit-learn's n_oversamples). */
#define OVERSAMPLE 10
/* AUTO's limit on the Gram matrix's n and the covariance's d: 4096^2
 * doubles is 128 MB. */
#define EXACT_MAX 4096

static const char *const solver_names[] = {"auto", "covariance", "gram",
                                           "randomized"};

void
mlv_pca_defaults(mlv_pca_opts *o)
{
	o->solver = MLV_PCA_AUTO;
	o->power_iter = 7;
	o->seed = 0;
}

int
mlv_pca_solver_parse(const char *name, mlv_pca_solver *s)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(name, solver_names[i])) {
			*s = (mlv_pca_solver)i;
			return 0;
		}
	return -1;
}

mlv_pca_solver
mlv_pca_solver_auto(size_t n, size_t d, size_t k)
{
	if (n < d && n <= EXACT_MAX && k < n)
		return MLV_PCA_GRAM;
	if (d <= EXACT_MAX)
		return MLV_PCA_COVARIANCE;
	return MLV_PCA_RANDOMIZED;
}

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

/* The centred (and scaled) input: row i of B is (x_i - mean) / scale. */
typedef struct {
	const float *x;
	size_t n, d;
	const double *mean, *scale;
} centred;

/* out (rows x cols, row-major) = B[i0 .. i0 + rows, j0 .. j0 + cols). */
static void
centre_block(const centred *b, size_t i0, size_t rows, size_t j0,
             size_t cols, double *out)
{
	for (size_t i = 0; i < rows; i++) {
		const float *r = b->x + (i0 + i) * b->d + j0;
		for (size_t j = 0; j < cols; j++)
			out[i * cols + j] = (r[j] - b->mean[j0 + j]) / b->scale[j0 + j];
	}
}

static size_t
block_rows(size_t d)
{
	size_t m = BLOCK_VALUES / d;
	return m < 1 ? 1 : m > PCA_BLOCK ? PCA_BLOCK : m;
}

/* y (n x l) = B m, for m (d x l); *ss, when given, gets the sum of
 * squares of B (the trace of B^T B). */
static void
mul_b(const centred *b, const double *m, size_t l, double *y, double *blk,
      double *ss)
{
	size_t step = block_rows(b->d);
	double s = 0;
	for (size_t i0 = 0; i0 < b->n; i0 += step) {
		size_t rows = b->n - i0 < step ? b->n - i0 : step;
		centre_block(b, i0, rows, 0, b->d, blk);
		if (ss)
			for (size_t i = 0; i < rows * b->d; i++)
				s += blk[i] * blk[i];
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows,
		            (int)l, (int)b->d, 1.0, blk, (int)b->d, m, (int)l, 0.0,
		            y + i0 * l, (int)l);
	}
	if (ss)
		*ss = s;
}

/* z (d x l) = B^T y, for y (n x l). */
static void
mul_bt(const centred *b, const double *y, size_t l, double *z, double *blk)
{
	size_t step = block_rows(b->d);
	for (size_t i0 = 0; i0 < b->n; i0 += step) {
		size_t rows = b->n - i0 < step ? b->n - i0 : step;
		centre_block(b, i0, rows, 0, b->d, blk);
		cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)b->d,
		            (int)l, (int)rows, 1.0, blk, (int)b->d, y + i0 * l,
		            (int)l, i0 ? 1.0 : 0.0, z, (int)l);
	}
}

/* The k largest eigenpairs of the symmetric m x m a (upper triangle,
 * destroyed), largest first: w[c] and column c of z (m x k). */
static int
top_eigen(double *a, size_t m, size_t k, double *w, double *z, char *err,
          size_t errlen)
{
	double *wa = mlv_malloc(m * sizeof *wa);
	double *za = mlv_malloc(mlv_mul_size(m, k, "pca eigenvectors") *
	                        sizeof *za);
	lapack_int *isuppz = mlv_malloc(2 * k * sizeof *isuppz);
	lapack_int found = 0;
	lapack_int info = LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'I', 'U',
	                                 (lapack_int)m, a, (lapack_int)m, 0, 0,
	                                 (lapack_int)(m - k + 1), (lapack_int)m,
	                                 0.0, &found, wa, za, (lapack_int)k,
	                                 isuppz);
	mlv_lapack_check_memory(info, "LAPACKE_dsyevr");
	int ok = info == 0 && (size_t)found == k;
	if (!ok)
		mlv_errf(err, errlen, "LAPACKE_dsyevr failed (info %d, %d of %zu "
		         "eigenvalues)", (int)info, (int)found, k);
	/* dsyevr lists eigenvalues in ascending order. */
	for (size_t c = 0; ok && c < k; c++) {
		w[c] = wa[k - 1 - c];
		for (size_t i = 0; i < m; i++)
			z[i * k + c] = za[i * k + k - 1 - c];
	}
	free(wa);
	free(za);
	free(isuppz);
	return ok ? 0 : -1;
}

/* The k largest eigenpairs of the d x d covariance-like cov (destroyed):
 * lambda and the eigenvectors as the rows of v (k x d). */
static int
eigen_rows(double *cov, size_t d, size_t k, double *lambda, double *v,
           char *err, size_t errlen)
{
	double *z = mlv_malloc(mlv_mul_size(d, k, "pca eigenvectors") *
	                       sizeof *z);
	int rc = top_eigen(cov, d, k, lambda, z, err, errlen);
	for (size_t c = 0; !rc && c < k; c++)
		for (size_t j = 0; j < d; j++)
			v[c * d + j] = z[j * k + c];
	free(z);
	return rc;
}

/* Orthonormalise the columns of a (m x l, m >= l) in place (QR). */
static int
orthonormalise(double *a, size_t m, size_t l, char *err, size_t errlen)
{
	double *tau = mlv_malloc(l * sizeof *tau);
	lapack_int info = LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, (lapack_int)m,
	                                 (lapack_int)l, a, (lapack_int)l, tau);
	if (info == 0)
		info = LAPACKE_dorgqr(LAPACK_ROW_MAJOR, (lapack_int)m,
		                      (lapack_int)l, (lapack_int)l, a,
		                      (lapack_int)l, tau);
	mlv_lapack_check_memory(info, "LAPACKE_dgeqrf/dorgqr");
	free(tau);
	if (info)
		mlv_errf(err, errlen, "LAPACK QR failed (info %d)", (int)info);
	return info ? -1 : 0;
}

/* Covariance solver: v (k x d) and the eigenvalues of B^T B. */
static int
solve_covariance(const centred *b, size_t k, double *lambda, double *v,
                 double *total, char *err, size_t errlen)
{
	size_t d = b->d, step = block_rows(d);
	if (d > 46340) { /* d*d must fit LAPACK's int */
		mlv_errf(err, errlen, "%zu columns: too wide for the covariance "
		         "solver (try gram or randomized)", d);
		return -1;
	}
	double *cov = mlv_calloc(mlv_mul_size(d, d, "pca covariance"),
	                         sizeof *cov);
	double *blk = mlv_malloc(step * d * sizeof *blk);
	for (size_t i0 = 0; i0 < b->n; i0 += step) {
		size_t m = b->n - i0 < step ? b->n - i0 : step;
		centre_block(b, i0, m, 0, d, blk);
		cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)m,
		            1.0, blk, (int)d, 1.0, cov, (int)d);
	}
	*total = 0;
	for (size_t j = 0; j < d; j++)
		*total += cov[j * d + j];
	int rc = eigen_rows(cov, d, k, lambda, v, err, errlen);
	free(cov);
	free(blk);
	return rc;
}

/* Gram solver: G = B B^T (n x n) over blocks of columns; its eigenvector
 * u_c gives the component B^T u_c / sqrt(lambda_c), of unit length since
 * u_c^T B B^T u_c = lambda_c. */
static int
solve_gram(const centred *b, size_t k, double *lambda, double *v,
           double *total, char *err, size_t errlen)
{
	size_t n = b->n, d = b->d;
	if (k >= n) {
		mlv_errf(err, errlen, "the gram solver gives at most %zu "
		         "components of %zu rows (asked %zu)", n - 1, n, k);
		return -1;
	}
	size_t w = BLOCK_VALUES / n ? BLOCK_VALUES / n : 1;
	double *g = mlv_calloc(mlv_mul_size(n, n, "pca gram"), sizeof *g);
	double *blk = mlv_malloc(mlv_mul_size(n, w, "pca block") * sizeof *blk);
	double *u = mlv_malloc(n * k * sizeof *u);
	for (size_t j0 = 0; j0 < d; j0 += w) {
		size_t cols = d - j0 < w ? d - j0 : w;
		centre_block(b, 0, n, j0, cols, blk);
		cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)n,
		            (int)cols, 1.0, blk, (int)cols, 1.0, g, (int)n);
	}
	*total = 0;
	for (size_t i = 0; i < n; i++)
		*total += g[i * n + i];
	int rc = top_eigen(g, n, k, lambda, u, err, errlen);
	/* A component with no variance has no direction to map back to. */
	if (!rc && !(lambda[k - 1] > 1e-12 * lambda[0])) {
		mlv_errf(err, errlen, "the rows span fewer than %zu dimensions "
		         "(ask fewer components, or the covariance solver)", k);
		rc = -1;
	}
	for (size_t c = 0; !rc && c < k; c++)
		for (size_t i = 0; i < n; i++)
			u[i * k + c] /= sqrt(lambda[c]);
	/* v = (B^T u)^T, a block of columns at a time. */
	for (size_t j0 = 0; !rc && j0 < d; j0 += w) {
		size_t cols = d - j0 < w ? d - j0 : w;
		centre_block(b, 0, n, j0, cols, blk);
		cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k,
		            (int)cols, (int)n, 1.0, u, (int)k, blk, (int)cols, 0.0,
		            v + j0, (int)d);
	}
	free(g);
	free(blk);
	free(u);
	return rc;
}

/* Randomized solver (Halko, Martinsson and Tropp 2011, algorithms 4.4
 * and 5.1): Q spans B's range sketched by a Gaussian Omega (d x l) and q
 * power iterations; the SVD of the small C = Q^T B comes from the
 * eigenpairs (sigma^2, w) of C C^T = Z^T Z (Z = B^T Q, d x l), and its
 * right singular vectors are Z w / sigma. */
static int
solve_randomized(const centred *b, size_t k, const mlv_pca_opts *o,
                 double *lambda, double *v, double *total, char *err,
                 size_t errlen)
{
	size_t n = b->n, d = b->d, min = n < d ? n : d;
	if (k > min) {
		mlv_errf(err, errlen, "the randomized solver gives at most %zu "
		         "components of %zu x %zu values (asked %zu)", min, n, d, k);
		return -1;
	}
	size_t l = k + OVERSAMPLE < min ? k + OVERSAMPLE : min;
	double *blk = mlv_malloc(block_rows(d) * d * sizeof *blk);
	double *y = mlv_malloc(mlv_mul_size(n, l, "pca sketch") * sizeof *y);
	double *z = mlv_malloc(mlv_mul_size(d, l, "pca sketch") * sizeof *z);
	double *zz = mlv_malloc(l * l * sizeof *zz);
	double *wv = mlv_malloc(l * k * sizeof *wv);
	mlv_rng g;
	mlv_rng_seed(&g, o->seed);
	for (size_t i = 0; i < d * l; i++)
		z[i] = mlv_rng_normal(&g);
	mul_b(b, z, l, y, blk, total);
	int rc = orthonormalise(y, n, l, err, errlen);
	for (int it = 0; !rc && it < o->power_iter; it++) {
		mul_bt(b, y, l, z, blk);
		rc = orthonormalise(z, d, l, err, errlen);
		if (!rc) {
			mul_b(b, z, l, y, blk, NULL);
			rc = orthonormalise(y, n, l, err, errlen);
		}
	}
	if (!rc) {
		mul_bt(b, y, l, z, blk);
		cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)l, (int)d,
		            1.0, z, (int)l, 0.0, zz, (int)l);
		rc = top_eigen(zz, l, k, lambda, wv, err, errlen);
	}
	if (!rc && !(lambda[k - 1] > 1e-12 * lambda[0])) {
		mlv_errf(err, errlen, "the rows span fewer than %zu dimensions "
		         "(ask fewer components)", k);
		rc = -1;
	}
	for (size_t c = 0; !rc && c < k; c++)
		for (size_t i = 0; i < l; i++)
			wv[i * k + c] /= sqrt(lambda[c]);
	if (!rc) /* v = (Z w)^T */
		cblas_dgemm(CblasRowMajor, CblasTrans, CblasTrans, (int)k, (int)d,
		            (int)l, 1.0, wv, (int)k, z, (int)l, 0.0, v, (int)d);
	free(blk);
	free(y);
	free(z);
	free(zz);
	free(wv);
	return rc;
}

/* Components v (k x d) and eigenvalues lambda of the centred (scaled)
 * sums of products of n rows into p, with the sign rule of pca.h. */
static void
store(mlv_pca *p, const double *lambda, const double *v, double total,
      double n)
{
	size_t d = p->d, k = p->k;
	p->total_variance = total / (n - 1);
	for (size_t c = 0; c < k; c++) {
		const double *vc = v + c * d;
		/* The sign rule of pca.h, with "largest" read to a relative
		 * 1e-6 so that loadings equal in exact arithmetic (a rotation
		 * by 45 degrees) are not told apart by rounding. */
		double top = 0;
		for (size_t j = 0; j < d; j++)
			if (fabs(vc[j]) > top)
				top = fabs(vc[j]);
		size_t big = 0;
		while (fabs(vc[big]) < top * (1 - 1e-6))
			big++;
		double sign = vc[big] < 0 ? -1 : 1;
		for (size_t j = 0; j < d; j++)
			p->components[c * d + j] = (float)(sign * vc[j]);
		/* Rounding can leave the eigenvalue of a rank-deficient
		 * covariance slightly negative; a variance is not. */
		double var = lambda[c] / (n - 1);
		p->variance[c] = var > 0 ? (float)var : 0;
	}
}

int
mlv_pca_fit_opts(mlv_pca *p, const float *x, size_t n, size_t d, size_t k,
                 int standardize, const mlv_pca_opts *o, char *err,
                 size_t errlen)
{
	mlv_pca_opts def;
	double *mean = NULL, *scale = NULL, *lambda = NULL, *v = NULL;
	memset(p, 0, sizeof *p);
	if (!o) {
		mlv_pca_defaults(&def);
		o = &def;
	}
	if (n < 2) {
		mlv_errf(err, errlen, "PCA needs at least 2 rows, got %zu", n);
		return -1;
	}
	if (k == 0 || k > d) {
		mlv_errf(err, errlen, "%zu components asked of %zu columns", k, d);
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

	centred b = {x, n, d, mean, scale};
	mlv_pca_solver solver = o->solver == MLV_PCA_AUTO ?
	                        mlv_pca_solver_auto(n, d, k) : o->solver;
	lambda = mlv_malloc(k * sizeof *lambda);
	v = mlv_malloc(mlv_mul_size(k, d, "pca components") * sizeof *v);
	double total;
	int rc = solver == MLV_PCA_GRAM ?
	         solve_gram(&b, k, lambda, v, &total, err, errlen) :
	         solver == MLV_PCA_RANDOMIZED ?
	         solve_randomized(&b, k, o, lambda, v, &total, err, errlen) :
	         solve_covariance(&b, k, lambda, v, &total, err, errlen);
	if (rc)
		goto fail;
	store(p, lambda, v, total, (double)n);
	free(mean);
	free(scale);
	free(lambda);
	free(v);
	return 0;
fail:
	free(mean);
	free(scale);
	free(lambda);
	free(v);
	mlv_pca_free(p);
	return -1;
}

int
mlv_pca_fit(mlv_pca *p, const float *x, size_t n, size_t d, size_t k,
            int standardize, char *err, size_t errlen)
{
	return mlv_pca_fit_opts(p, x, n, d, k, standardize, NULL, err, errlen);
}

void
mlv_pca_apply(const mlv_pca *p, const float *x, size_t n, float *y)
{
	size_t d = p->d, k = p->k, step = block_rows(d);
	if (!n)
		return;
	size_t rows = n < step ? n : step;
	float *blk = mlv_malloc(mlv_mul_size(mlv_mul_size(rows, d, "pca block"),
	                                     sizeof *blk, "pca block"));
	for (size_t i0 = 0; i0 < n; i0 += step) {
		size_t m = n - i0 < step ? n - i0 : step;
		for (size_t i = 0; i < m; i++)
			for (size_t j = 0; j < d; j++)
				blk[i * d + j] = (x[(i0 + i) * d + j] - p->mean[j]) /
				                 p->scale[j];
		mlv_gemm_abt(blk, p->components, y + i0 * k, m, k, d, k, 1.0f, 0.0f);
	}
	free(blk);
}

int
mlv_pca_fit_moments(mlv_pca *p, const mlv_moments *m, size_t k,
                    int standardize, char *err, size_t errlen)
{
	size_t d = m->d;
	memset(p, 0, sizeof *p);
	if (!m->cross) {
		mlv_errf(err, errlen, "PCA needs the cross products (mlv-stats "
		         "--moments --cross)");
		return -1;
	}
	if (m->count < 2) {
		mlv_errf(err, errlen, "PCA needs at least 2 rows, got %.0f",
		         m->count);
		return -1;
	}
	if (k == 0 || k > d) {
		mlv_errf(err, errlen, "%zu components asked of %zu columns", k, d);
		return -1;
	}
	if (d > 46340) {
		mlv_errf(err, errlen, "%zu columns: too wide for PCA", d);
		return -1;
	}
	mlv_pca_alloc(p, d, k);
	p->standardize = standardize != 0;
	double *scale = mlv_malloc(d * sizeof *scale);
	for (size_t j = 0; j < d; j++) {
		p->mean[j] = (float)m->mean[j];
		/* As the rows' fit: a constant column keeps scale 1, and the
		 * divisor is the stored float. */
		double sd = sqrt(m->m2[j * d + j] / m->count);
		if (p->standardize && m->lo[j] != m->hi[j] && sd > 0)
			p->scale[j] = (float)sd;
		scale[j] = p->scale[j];
	}
	double *cov = mlv_malloc(d * d * sizeof *cov);
	double total = 0;
	for (size_t j = 0; j < d; j++)
		for (size_t l = 0; l < d; l++)
			cov[j * d + l] = m->m2[j * d + l] / (scale[j] * scale[l]);
	for (size_t j = 0; j < d; j++)
		total += cov[j * d + j];
	double *lambda = mlv_malloc(k * sizeof *lambda);
	double *v = mlv_malloc(k * d * sizeof *v);
	int rc = eigen_rows(cov, d, k, lambda, v, err, errlen);
	if (!rc)
		store(p, lambda, v, total, m->count);
	else
		mlv_pca_free(p);
	free(scale);
	free(cov);
	free(lambda);
	free(v);
	return rc;
}
