/* test-pca.c - PCA and STD-PCA against analytic values. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pca.h"
#include "rng.h"
#include "test.h"

/* A factorial design: the 2^d rows s in {-1, +1}^d scaled by a[j], so
 * every column has mean 0, the columns are exactly uncorrelated and the
 * sample covariance (n - 1 divisor) is diag(a^2 n / (n - 1)).  Rotating
 * the rows by an orthogonal R and shifting them by an offset makes the
 * covariance R diag(...) R^T with eigenvectors the columns of R. */
static size_t
design(size_t d, const double *a, const double *r, const double *offset,
       float *x)
{
	size_t n = (size_t)1 << d;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++) {
			double v = offset[j];
			for (size_t l = 0; l < d; l++) {
				double s = (i >> l) & 1 ? 1.0 : -1.0;
				v += r[j * d + l] * a[l] * s;
			}
			x[i * d + j] = (float)v;
		}
	return n;
}

/* A 3-d rotation: about z by 30 degrees, then about x by 50 degrees. */
static void
rotation3(double *r)
{
	double a = 30 * M_PI / 180, b = 50 * M_PI / 180;
	double rz[9] = {cos(a), -sin(a), 0, sin(a), cos(a), 0, 0, 0, 1};
	double rx[9] = {1, 0, 0, 0, cos(b), -sin(b), 0, sin(b), cos(b)};
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			r[i * 3 + j] = 0;
			for (int l = 0; l < 3; l++)
				r[i * 3 + j] += rx[i * 3 + l] * rz[l * 3 + j];
		}
}

TEST(known_covariance)
{
	double a[3] = {3, 2, 1}, r[9], off[3] = {100, -50, 7};
	float x[8 * 3];
	rotation3(r);
	size_t n = design(3, a, r, off, x);
	mlv_pca p;
	char err[128] = "";
	CHECK_INT(mlv_pca_fit(&p, x, n, 3, 3, 0, err, sizeof err), 0);
	double f = (double)n / (double)(n - 1);
	for (int c = 0; c < 3; c++) {
		CHECK_NEAR(p.variance[c], a[c] * a[c] * f, 1e-5);
		/* Component c is column c of R, up to the sign rule. */
		double big = 0, dot = 0;
		for (int j = 0; j < 3; j++) {
			if (fabs(r[j * 3 + c]) > fabs(big))
				big = r[j * 3 + c];
			dot += p.components[c * 3 + j] * r[j * 3 + c];
		}
		double sign = big < 0 ? -1 : 1;
		for (int j = 0; j < 3; j++)
			CHECK_NEAR(p.components[c * 3 + j], sign * r[j * 3 + c], 1e-5);
		CHECK_NEAR(fabs(dot), 1, 1e-6);
	}
	CHECK_NEAR(p.total_variance, (9 + 4 + 1) * f, 1e-5);
	for (int j = 0; j < 3; j++) {
		CHECK_NEAR(p.mean[j], off[j], 1e-5);
		CHECK_NEAR(p.scale[j], 1, 0);
	}
	CHECK(!p.standardize);
	mlv_pca_free(&p);
	CHECK(p.mean == NULL && p.components == NULL);
}

/* Fewer components than columns: the two largest, in order, and the
 * variance ratios of what is kept. */
TEST(partial_components)
{
	double a[5] = {1, 5, 2, 4, 3}, r[25], off[5] = {1, 2, 3, 4, 5};
	for (int i = 0; i < 25; i++)
		r[i] = i % 6 == 0; /* identity: the axes themselves */
	float x[32 * 5];
	size_t n = design(5, a, r, off, x);
	mlv_pca p;
	CHECK_INT(mlv_pca_fit(&p, x, n, 5, 2, 0, NULL, 0), 0);
	CHECK_INT(p.k, 2);
	double f = 32.0 / 31.0;
	CHECK_NEAR(p.variance[0], 25 * f, 1e-5);
	CHECK_NEAR(p.variance[1], 16 * f, 1e-5);
	CHECK_NEAR(p.total_variance, 55 * f, 1e-5);
	CHECK_NEAR(p.variance[0] / p.total_variance, 25.0 / 55, 1e-6);
	/* Axis 1 then axis 3, loadings +1 by the sign rule. */
	CHECK_NEAR(p.components[0 * 5 + 1], 1, 1e-6);
	CHECK_NEAR(p.components[1 * 5 + 3], 1, 1e-6);
	mlv_pca_free(&p);
}

/* Fit on one set, apply to another: a point offset + R (a .* s) maps to
 * +-a .* s, whatever rows the fit saw; a fit loaded into arrays from
 * mlv_pca_alloc maps it identically. */
TEST(fit_then_apply)
{
	double a[3] = {3, 2, 1}, r[9], off[3] = {100, -50, 7};
	float x[8 * 3];
	rotation3(r);
	size_t n = design(3, a, r, off, x);
	mlv_pca p;
	CHECK_INT(mlv_pca_fit(&p, x, n, 3, 3, 0, NULL, 0), 0);
	double s[3][3] = {{0.5, -1, 2}, {0, 0, 0}, {-3, 1.5, 0.25}};
	float q[9], y[9], y2[9];
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			double v = off[j];
			for (int l = 0; l < 3; l++)
				v += r[j * 3 + l] * s[i][l];
			q[i * 3 + j] = (float)v;
		}
	mlv_pca_apply(&p, q, 3, y);
	for (int i = 0; i < 3; i++)
		for (int c = 0; c < 3; c++) {
			double dot = 0;
			for (int j = 0; j < 3; j++)
				dot += p.components[c * 3 + j] * r[j * 3 + c];
			CHECK_NEAR(y[i * 3 + c], (dot < 0 ? -1 : 1) * s[i][c], 2e-4);
		}
	mlv_pca loaded;
	CHECK_INT(mlv_pca_alloc(&loaded, 3, 3), 0);
	memcpy(loaded.mean, p.mean, 3 * sizeof(float));
	memcpy(loaded.scale, p.scale, 3 * sizeof(float));
	memcpy(loaded.components, p.components, 9 * sizeof(float));
	mlv_pca_apply(&loaded, q, 3, y2);
	CHECK(memcmp(y, y2, sizeof y) == 0);
	mlv_pca_free(&loaded);
	CHECK_INT(mlv_pca_alloc(&loaded, 3, 4), -1);
	CHECK(loaded.mean == NULL);
	mlv_pca_free(&p);
}

/* STD-PCA: each column divided by its population std first; a constant
 * column gets scale 1, maps to 0 and loads on no component.  With z0 = s1
 * and z1 = (s1 + s2)/sqrt(2) the correlation is r = 1/sqrt(2): the
 * eigenpairs are (1 +- r) n/(n-1) on (1, 1)/sqrt(2) and (1, -1)/sqrt(2),
 * the latter a tie of magnitudes that the sign rule settles as (+, -). */
TEST(std_pca_constant_column)
{
	float x[4 * 3];
	size_t n = 0;
	for (int s1 = -1; s1 <= 1; s1 += 2)
		for (int s2 = -1; s2 <= 1; s2 += 2) {
			x[n * 3 + 0] = 10 + 3.0f * s1;
			x[n * 3 + 1] = 5;
			x[n * 3 + 2] = -2 + 0.5f * (float)((s1 + s2) / sqrt(2.0));
			n++;
		}
	mlv_pca p;
	CHECK_INT(mlv_pca_fit(&p, x, n, 3, 3, 1, NULL, 0), 0);
	CHECK(p.standardize);
	CHECK_NEAR(p.scale[0], 3, 1e-6);
	CHECK_NEAR(p.scale[1], 1, 0);
	CHECK_NEAR(p.mean[1], 5, 0);
	CHECK_NEAR(p.scale[2], 0.5, 1e-6);
	double f = 4.0 / 3.0, rr = 1 / sqrt(2.0), h = 1 / sqrt(2.0);
	CHECK_NEAR(p.variance[0], (1 + rr) * f, 1e-5);
	CHECK_NEAR(p.variance[1], (1 - rr) * f, 1e-5);
	CHECK_NEAR(p.variance[2], 0, 1e-6);
	CHECK_NEAR(p.total_variance, 2 * f, 1e-5);
	CHECK_NEAR(p.components[0], h, 1e-5);
	CHECK_NEAR(p.components[1], 0, 1e-6);
	CHECK_NEAR(p.components[2], h, 1e-5);
	CHECK_NEAR(p.components[3], h, 1e-5);
	CHECK_NEAR(p.components[4], 0, 1e-6);
	CHECK_NEAR(p.components[5], -h, 1e-5);
	/* The constant column's own axis, with nothing of the others. */
	CHECK_NEAR(fabs(p.components[7]), 1, 1e-6);
	float q[3] = {13, 123, -2}, y[3];
	mlv_pca_apply(&p, q, 1, y);
	/* z = (1, 118, 0): the constant column's 118 lands on component 3
	 * only, so components 1 and 2 see (1, 0). */
	CHECK_NEAR(y[0], h, 1e-5);
	CHECK_NEAR(y[1], h, 1e-5);
	for (int c = 0; c < 3; c++)
		CHECK(isfinite(y[c]));
	mlv_pca_free(&p);
}

/* Sign rule: every component's largest loading is positive, and
 * negating the data (which negates nothing in the covariance) or
 * permuting rows gives bit-identical components. */
TEST(sign_convention)
{
	size_t n = 500, d = 6;
	float *x = malloc(n * d * sizeof *x), *xn = malloc(n * d * sizeof *xn);
	mlv_rng g;
	mlv_rng_seed(&g, 7);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++) {
			x[i * d + j] = (float)(mlv_rng_normal(&g) * (1 + (double)j) +
			                       (j ? 0.3 * x[i * d] : 0));
		}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++)
			xn[(n - 1 - i) * d + j] = -x[i * d + j];
	mlv_pca p, q;
	CHECK_INT(mlv_pca_fit(&p, x, n, d, d, 0, NULL, 0), 0);
	CHECK_INT(mlv_pca_fit(&q, xn, n, d, d, 0, NULL, 0), 0);
	for (size_t c = 0; c < d; c++) {
		float big = 0;
		double norm = 0;
		for (size_t j = 0; j < d; j++) {
			float v = p.components[c * d + j];
			if (fabsf(v) > fabsf(big))
				big = v;
			norm += (double)v * v;
		}
		CHECK(big > 0);
		CHECK_NEAR(norm, 1, 1e-5);
		if (c)
			CHECK(p.variance[c] <= p.variance[c - 1]);
		for (size_t j = 0; j < d; j++)
			CHECK_NEAR(q.components[c * d + j], p.components[c * d + j], 1e-5);
	}
	mlv_pca_free(&p);
	mlv_pca_free(&q);
	free(x);
	free(xn);
}

/* Many rows (several of apply's blocks), against the projection done
 * naively in double. */
TEST(apply_blocks)
{
	size_t n = 9000, d = 4;
	float *x = malloc(n * d * sizeof *x), *y = malloc(n * 2 * sizeof *y);
	mlv_rng g;
	mlv_rng_seed(&g, 3);
	for (size_t i = 0; i < n * d; i++)
		x[i] = (float)(mlv_rng_normal(&g) * (1 + (double)(i % d)) + 10);
	mlv_pca p;
	CHECK_INT(mlv_pca_fit(&p, x, n, d, 2, 1, NULL, 0), 0);
	mlv_pca_apply(&p, x, n, y);
	double maxerr = 0, var0 = 0, mean0 = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t c = 0; c < 2; c++) {
			double v = 0;
			for (size_t j = 0; j < d; j++)
				v += (x[i * d + j] - (double)p.mean[j]) / p.scale[j] *
				     p.components[c * d + j];
			if (fabs(v - y[i * 2 + c]) > maxerr)
				maxerr = fabs(v - y[i * 2 + c]);
			if (c == 0)
				mean0 += v;
		}
	mean0 /= (double)n;
	for (size_t i = 0; i < n; i++)
		var0 += (y[i * 2] - mean0) * (y[i * 2] - mean0);
	CHECK(maxerr < 1e-5);
	CHECK_NEAR(mean0, 0, 1e-5);
	/* The scores' variance is the reported variance of component 0. */
	CHECK_NEAR(var0 / (double)(n - 1), p.variance[0], 1e-4);
	mlv_pca_free(&p);
	free(x);
	free(y);
}

/* The largest principal angle between the spans of the k <= 3 unit rows
 * of a and b (d values each): sin^2 of it is the largest eigenvalue of
 * I - M^T M, M = a b^T, found by power iteration. */
static double
largest_angle(const float *a, const float *b, size_t k, size_t d)
{
	double m[9] = {0}, s[9] = {0};
	for (size_t i = 0; i < k; i++)
		for (size_t j = 0; j < k; j++)
			for (size_t l = 0; l < d; l++)
				m[i * 3 + j] += (double)a[i * d + l] * b[j * d + l];
	for (size_t i = 0; i < k; i++)
		for (size_t j = 0; j < k; j++) {
			double t = 0;
			for (size_t l = 0; l < k; l++)
				t += m[l * 3 + i] * m[l * 3 + j];
			s[i * 3 + j] = (i == j) - t;
		}
	double v[3] = {1, 0.7, 0.3}, lam = 0;
	for (int it = 0; it < 500; it++) {
		double w[3] = {0}, norm = 0;
		for (size_t i = 0; i < k; i++)
			for (size_t j = 0; j < k; j++)
				w[i] += s[i * 3 + j] * v[j];
		for (size_t i = 0; i < k; i++)
			norm += w[i] * w[i];
		norm = sqrt(norm);
		if (norm == 0)
			return 0;
		lam = norm;
		for (size_t i = 0; i < k; i++)
			v[i] = w[i] / norm;
	}
	return asin(sqrt(lam < 1 ? lam : 1));
}

/* Wide data (rows < columns): the Gram and randomized solvers find the
 * components the covariance solver does, with the same variances, and
 * AUTO picks the Gram solver for this shape. */
TEST(wide_solvers)
{
	size_t n = 40, d = 300, k = 3;
	float *x = malloc(n * d * sizeof *x);
	mlv_rng g;
	mlv_rng_seed(&g, 11);
	/* Three strong directions plus noise. */
	double f[3][300];
	for (size_t c = 0; c < 3; c++)
		for (size_t j = 0; j < d; j++)
			f[c][j] = mlv_rng_normal(&g);
	for (size_t i = 0; i < n; i++) {
		double a[3] = {8 * mlv_rng_normal(&g), 4 * mlv_rng_normal(&g),
		               2 * mlv_rng_normal(&g)};
		for (size_t j = 0; j < d; j++)
			x[i * d + j] = (float)(5 + a[0] * f[0][j] + a[1] * f[1][j] +
			                       a[2] * f[2][j] +
			                       0.1 * mlv_rng_normal(&g));
	}
	CHECK_INT(mlv_pca_solver_auto(n, d, k), MLV_PCA_GRAM);
	CHECK_INT(mlv_pca_solver_auto(5000, 64, k), MLV_PCA_COVARIANCE);
	CHECK_INT(mlv_pca_solver_auto(20000, 27584, k), MLV_PCA_RANDOMIZED);
	for (int std = 0; std <= 1; std++) {
		mlv_pca cov, gram, rnd;
		mlv_pca_opts o;
		mlv_pca_defaults(&o);
		o.solver = MLV_PCA_COVARIANCE;
		CHECK_INT(mlv_pca_fit_opts(&cov, x, n, d, k, std, &o, NULL, 0), 0);
		o.solver = MLV_PCA_GRAM;
		CHECK_INT(mlv_pca_fit_opts(&gram, x, n, d, k, std, &o, NULL, 0), 0);
		o.solver = MLV_PCA_RANDOMIZED;
		o.seed = 5;
		CHECK_INT(mlv_pca_fit_opts(&rnd, x, n, d, k, std, &o, NULL, 0), 0);
		CHECK(largest_angle(cov.components, gram.components, k, d) < 1e-3);
		CHECK(largest_angle(cov.components, rnd.components, k, d) < 1e-3);
		CHECK_NEAR(gram.total_variance, cov.total_variance,
		           1e-9 * cov.total_variance);
		CHECK_NEAR(rnd.total_variance, cov.total_variance,
		           1e-9 * cov.total_variance);
		for (size_t c = 0; c < k; c++) {
			CHECK_NEAR(gram.variance[c], cov.variance[c],
			           1e-5 * cov.variance[c]);
			CHECK_NEAR(rnd.variance[c], cov.variance[c],
			           1e-5 * cov.variance[c]);
			/* The sign rule holds whatever the solver: the same axes. */
			for (size_t j = 0; j < d; j++)
				CHECK_NEAR(gram.components[c * d + j],
				           cov.components[c * d + j], 1e-4);
		}
		mlv_pca_free(&cov);
		mlv_pca_free(&gram);
		mlv_pca_free(&rnd);
	}
	/* The Gram solver cannot give more components than rows - 1. */
	mlv_pca p;
	mlv_pca_opts o;
	char err[160] = "";
	mlv_pca_defaults(&o);
	o.solver = MLV_PCA_GRAM;
	CHECK_INT(mlv_pca_fit_opts(&p, x, 4, d, 4, 0, &o, err, sizeof err), -1);
	CHECK(strstr(err, "at most 3 components") != NULL);
	free(x);
}

TEST(errors)
{
	float x[6] = {1, 2, 3, 4, NAN, 6};
	mlv_pca p;
	char err[128] = "";
	CHECK_INT(mlv_pca_fit(&p, x, 1, 3, 1, 0, err, sizeof err), -1);
	CHECK(strstr(err, "2 rows") != NULL);
	CHECK_INT(mlv_pca_fit(&p, x, 2, 3, 4, 0, err, sizeof err), -1);
	CHECK_INT(mlv_pca_fit(&p, x, 2, 3, 0, 0, err, sizeof err), -1);
	CHECK_INT(mlv_pca_fit(&p, x, 2, 3, 2, 0, err, sizeof err), -1);
	CHECK(strstr(err, "not finite") != NULL);
	CHECK(p.mean == NULL);
	mlv_pca_free(&p);
}

int
main(void)
{
	RUN(known_covariance);
	RUN(wide_solvers);
	RUN(partial_components);
	RUN(fit_then_apply);
	RUN(std_pca_constant_column);
	RUN(sign_convention);
	RUN(apply_blocks);
	RUN(errors);
	return TEST_EXIT();
}
