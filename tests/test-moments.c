/* test-moments.c - mergeable statistics: shards merged equal one pass,
 * survive their record, and fit the PCA the rows fit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "moments.h"
#include "pca.h"
#include "rng.h"
#include "test.h"

/* n rows of d correlated columns far from 0, where raw sums of squares
 * would cancel. */
static float *
rows(size_t n, size_t d, uint64_t seed)
{
	float *x = malloc(n * d * sizeof *x);
	mlv_rng g;
	mlv_rng_seed(&g, seed);
	for (size_t i = 0; i < n; i++) {
		double z = mlv_rng_normal(&g);
		for (size_t j = 0; j < d; j++)
			x[i * d + j] = (float)(-40 + 10 * (double)j + (1 + (double)j) *
			                       (0.5 * z + mlv_rng_normal(&g)));
	}
	return x;
}

static double
relerr(double a, double b)
{
	return fabs(a - b) / (fabs(b) > 1e-300 ? fabs(b) : 1);
}

/* Two passes in long double: the reference. */
static void
reference(const float *x, size_t n, size_t d, double *mean, double *m2)
{
	for (size_t j = 0; j < d; j++) {
		long double s = 0;
		for (size_t i = 0; i < n; i++)
			s += x[i * d + j];
		mean[j] = (double)(s / n);
	}
	for (size_t j = 0; j < d; j++)
		for (size_t l = 0; l < d; l++) {
			long double s = 0;
			for (size_t i = 0; i < n; i++)
				s += ((long double)x[i * d + j] - mean[j]) *
				     ((long double)x[i * d + l] - mean[l]);
			m2[j * d + l] = (double)s;
		}
}

TEST(shards_merge_to_one_pass)
{
	size_t n = 10007, d = 5;
	float *x = rows(n, d, 1);
	double mean[5], m2[25];
	reference(x, n, d, mean, m2);
	mlv_moments all, merged, part;
	mlv_moments_init(&all, d, 1);
	CHECK_INT(mlv_moments_add(&all, x, n, 0, NULL, 0), 0);
	/* Uneven shards, merged in order. */
	size_t cut[] = {0, 1, 3000, 3001, 9000, n};
	mlv_moments_init(&merged, d, 1);
	for (size_t s = 0; s + 1 < sizeof cut / sizeof *cut; s++) {
		mlv_moments_init(&part, d, 1);
		CHECK_INT(mlv_moments_add(&part, x + cut[s] * d, cut[s + 1] - cut[s],
		                          cut[s], NULL, 0), 0);
		CHECK_INT(mlv_moments_merge(&merged, &part, NULL, 0), 0);
		mlv_moments_free(&part);
	}
	CHECK_NEAR(all.count, (double)n, 0);
	CHECK_NEAR(merged.count, (double)n, 0);
	double worst = 0;
	for (size_t j = 0; j < d; j++) {
		worst = fmax(worst, relerr(all.mean[j], mean[j]));
		worst = fmax(worst, relerr(merged.mean[j], mean[j]));
		for (size_t l = 0; l < d; l++) {
			worst = fmax(worst, relerr(all.m2[j * d + l], m2[j * d + l]));
			worst = fmax(worst, relerr(merged.m2[j * d + l], m2[j * d + l]));
		}
		float lo = x[j], hi = x[j];
		for (size_t i = 0; i < n; i++) {
			lo = fminf(lo, x[i * d + j]);
			hi = fmaxf(hi, x[i * d + j]);
		}
		CHECK_NEAR(merged.lo[j], lo, 0);
		CHECK_NEAR(merged.hi[j], hi, 0);
	}
	/* The bound of moments.h: rounding alone. */
	CHECK(worst < 1e-12);
	/* Without cross products: the diagonal, the same way. */
	mlv_moments diag;
	mlv_moments_init(&diag, d, 0);
	CHECK_INT(mlv_moments_add(&diag, x, n, 0, NULL, 0), 0);
	for (size_t j = 0; j < d; j++)
		CHECK(relerr(diag.m2[j], m2[j * d + j]) < 1e-12);
	/* Merging cross products into diagonal ones keeps the diagonal. */
	mlv_moments_free(&diag);
	mlv_moments_init(&diag, d, 0);
	CHECK_INT(mlv_moments_merge(&diag, &all, NULL, 0), 0);
	for (size_t j = 0; j < d; j++)
		CHECK(relerr(diag.m2[j], m2[j * d + j]) < 1e-12);
	/* ...but not the other way. */
	char err[160] = "";
	CHECK_INT(mlv_moments_merge(&all, &diag, err, sizeof err), -1);
	CHECK(strstr(err, "without cross products") != NULL);
	mlv_moments_free(&diag);
	mlv_moments_free(&all);
	mlv_moments_free(&merged);
	free(x);
}

TEST(record_round_trip)
{
	size_t n = 500, d = 4;
	float *x = rows(n, d, 2);
	mlv_moments m, back;
	mlv_moments_init(&m, d, 1);
	CHECK_INT(mlv_moments_add(&m, x, n, 0, NULL, 0), 0);
	mlv_record r;
	mlv_record_init(&r);
	mlv_meta_set(&r, "feature", "mel");
	CHECK_INT(mlv_moments_to_record(&m, &r, NULL, 0), 0);
	CHECK_INT(r.rows, 4 + 2 * d);
	CHECK_STR(mlv_meta_get(&r, "kind"), "moments");
	CHECK_STR(mlv_meta_get(&r, "feature"), "mel");
	CHECK_INT(mlv_moments_from_record(&back, &r, NULL, 0), 0);
	CHECK_NEAR(back.count, (double)n, 0);
	CHECK(back.cross);
	for (size_t j = 0; j < d; j++) {
		CHECK(relerr(back.mean[j], m.mean[j]) < 4e-15);
		CHECK_NEAR(back.lo[j], m.lo[j], 0);
		for (size_t l = 0; l < d; l++)
			CHECK(relerr(back.m2[j * d + l], m.m2[j * d + l]) < 4e-15);
	}
	mlv_moments_free(&back);
	/* A record of another kind, or cut short, is refused. */
	char err[200] = "";
	mlv_meta_set(&r, "kind", "stats");
	CHECK_INT(mlv_moments_from_record(&back, &r, err, sizeof err), -1);
	CHECK(strstr(err, "not moments") != NULL);
	mlv_meta_set(&r, "kind", "moments");
	r.rows--;
	CHECK_INT(mlv_moments_from_record(&back, &r, err, sizeof err), -1);
	CHECK(strstr(err, "have 11 rows, not 12") != NULL);
	/* Metadata in common. */
	mlv_record o;
	mlv_record_init(&o);
	mlv_meta_set(&o, "feature", "mel");
	mlv_meta_set(&r, "src", "a.wav");
	mlv_meta_set(&o, "src", "b.wav");
	mlv_moments_common_meta(&r, &o);
	CHECK_STR(mlv_meta_get(&r, "feature"), "mel");
	CHECK(mlv_meta_get(&r, "src") == NULL);
	CHECK(mlv_meta_get(&r, "kind") == NULL);
	mlv_record_free(&o);
	mlv_record_free(&r);
	mlv_moments_free(&m);
	free(x);
}

/* PCA and STD-PCA fitted from merged shard statistics give the fit of
 * the rows: the same floats up to the last bit or so. */
TEST(pca_from_moments)
{
	size_t n = 3000, d = 6;
	float *x = rows(n, d, 3);
	for (size_t i = 0; i < n; i++)
		x[i * d + 2] = 7; /* a constant column */
	for (int std = 0; std <= 1; std++) {
		mlv_moments m, part;
		mlv_moments_init(&m, d, 1);
		for (size_t s = 0; s < 3; s++) {
			mlv_moments_init(&part, d, 1);
			CHECK_INT(mlv_moments_add(&part, x + s * 1000 * d, 1000,
			                          s * 1000, NULL, 0), 0);
			CHECK_INT(mlv_moments_merge(&m, &part, NULL, 0), 0);
			mlv_moments_free(&part);
		}
		mlv_pca a, b;
		mlv_pca_opts o;
		mlv_pca_defaults(&o);
		o.solver = MLV_PCA_COVARIANCE;
		CHECK_INT(mlv_pca_fit_opts(&a, x, n, d, 3, std, &o, NULL, 0), 0);
		CHECK_INT(mlv_pca_fit_moments(&b, &m, 3, std, NULL, 0), 0);
		CHECK_INT(b.standardize, std);
		CHECK(relerr(b.total_variance, a.total_variance) < 1e-12);
		for (size_t j = 0; j < d; j++) {
			CHECK(relerr(b.mean[j], a.mean[j]) <= 6e-8);
			CHECK(relerr(b.scale[j], a.scale[j]) <= 6e-8);
		}
		for (size_t c = 0; c < 3; c++) {
			CHECK(relerr(b.variance[c], a.variance[c]) <= 1.2e-7);
			for (size_t j = 0; j < d; j++)
				CHECK_NEAR(b.components[c * d + j], a.components[c * d + j],
				           1e-6);
		}
		mlv_pca_free(&a);
		mlv_pca_free(&b);
		mlv_moments_free(&m);
	}
	free(x);
}

TEST(errors)
{
	float x[6] = {1, 2, 3, 4, NAN, 6};
	mlv_moments m, o;
	char err[160] = "";
	mlv_moments_init(&m, 3, 1);
	CHECK_INT(mlv_moments_add(&m, x, 2, 10, err, sizeof err), -1);
	CHECK_STR(err, "row 11 column 1: value not finite");
	/* Moments of no rows merge with any width; of rows, not. */
	mlv_moments_init(&o, 2, 1);
	CHECK_INT(mlv_moments_merge(&m, &o, err, sizeof err), 0);
	CHECK_INT(mlv_moments_add(&o, x, 2, 0, NULL, 0), 0);
	CHECK_INT(mlv_moments_add(&m, x, 1, 0, NULL, 0), 0);
	CHECK_INT(mlv_moments_merge(&m, &o, err, sizeof err), -1);
	CHECK_STR(err, "moments of 2 columns, expected 3");
	mlv_moments_free(&m);
	mlv_moments_init(&m, 2, 1);
	CHECK_INT(mlv_moments_merge(&m, &o, err, sizeof err), 0);
	CHECK_NEAR(m.count, 2, 0);
	CHECK_NEAR(m.mean[1], 3, 0);
	mlv_moments_free(&m);
	mlv_moments_init(&m, 3, 1);
	CHECK_INT(mlv_moments_add(&m, x, 1, 0, NULL, 0), 0);
	mlv_pca p;
	CHECK_INT(mlv_pca_fit_moments(&p, &m, 1, 0, err, sizeof err), -1);
	CHECK(strstr(err, "at least 2 rows") != NULL);
	mlv_moments_free(&o);
	mlv_moments_init(&o, 3, 0);
	CHECK_INT(mlv_pca_fit_moments(&p, &o, 1, 0, err, sizeof err), -1);
	CHECK(strstr(err, "cross products") != NULL);
	mlv_moments_free(&o);
	mlv_moments_free(&m);
}

int
main(void)
{
	RUN(shards_merge_to_one_pass);
	RUN(record_round_trip);
	RUN(pca_from_moments);
	RUN(errors);
	return TEST_EXIT();
}
