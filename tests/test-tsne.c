/* test-tsne.c - t-SNE (affinities, gradients, the optimisation) and the
 * map quality figures. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "knn.h"
#include "quality.h"
#include "rng.h"
#include "test.h"
#include "tsne.h"

/* n points in d dimensions: `blobs` Gaussian clusters of unit spread whose
 * centres lie `sep` apart along successive axes. */
static float *
blobs_data(size_t n, size_t d, size_t blobs, double sep, uint64_t seed,
           int *label)
{
	float *x = malloc(n * d * sizeof *x);
	mlv_rng g;
	mlv_rng_seed(&g, seed);
	for (size_t i = 0; i < n; i++) {
		size_t b = i * blobs / n;
		if (label)
			label[i] = (int)b;
		for (size_t j = 0; j < d; j++)
			x[i * d + j] = (float)(mlv_rng_normal(&g) +
			                       (j == b % d ? sep * (double)(b + 1) : 0));
	}
	return x;
}

/* Each calibrated row has entropy log(perplexity) and sums to 1. */
TEST(perplexity_calibration)
{
	size_t n = 300, d = 5, k = 45;
	float *x = blobs_data(n, d, 3, 4, 1, NULL);
	uint32_t *idx = malloc(n * k * sizeof *idx);
	float *dist = malloc(n * k * sizeof *dist), *p = malloc(n * k * sizeof *p);
	CHECK_INT(mlv_knn(x, n, x, n, d, k, 1, idx, dist, 2), 0);
	CHECK_INT(mlv_tsne_calibrate(dist, n, k, 15, p, 2), 0);
	double worst = 0, worst_sum = 0;
	for (size_t i = 0; i < n; i++) {
		double h = 0, s = 0;
		for (size_t j = 0; j < k; j++) {
			double v = p[i * k + j];
			if (v > 0)
				h -= v * log(v);
			s += v;
		}
		if (fabs(h - log(15.0)) > worst)
			worst = fabs(h - log(15.0));
		if (fabs(s - 1) > worst_sum)
			worst_sum = fabs(s - 1);
		/* Nearer neighbours weigh at least as much. */
		for (size_t j = 1; j < k; j++)
			CHECK(p[i * k + j] <= p[i * k + j - 1]);
	}
	CHECK(worst < 2e-5);
	CHECK(worst_sum < 1e-5);
	/* A perplexity above k cannot be reached: every row reports it,
	 * and gets the uniform distribution, the nearest it can be. */
	CHECK_INT(mlv_tsne_calibrate(dist, n, 10, 50, p, 1), n);
	/* (rows of 10 read with stride 10: the first 10 x n values) */
	CHECK_NEAR(p[0], 0.1, 1e-3);
	/* In place, as mlv_tsne_affinities calls it, and on one thread:
	 * the same values. */
	CHECK_INT(mlv_tsne_calibrate(dist, n, k, 15, p, 2), 0);
	CHECK_INT(mlv_tsne_calibrate(dist, n, k, 15, dist, 1), 0);
	CHECK(memcmp(dist, p, n * k * sizeof *p) == 0);
	free(x);
	free(idx);
	free(dist);
	free(p);
}

/* P is symmetric, sums to 1, has no diagonal and covers each point's
 * 3 * perplexity neighbours. */
TEST(affinities)
{
	size_t n = 200, d = 4;
	float *x = blobs_data(n, d, 2, 5, 2, NULL);
	mlv_tsne_p P;
	char err[128];
	CHECK_INT(mlv_tsne_affinities(x, n, d, 10, 2, &P, err, sizeof err), 0);
	double sum = 0;
	int asym = 0, diag = 0;
	for (size_t i = 0; i < n; i++) {
		CHECK(P.row[i + 1] - P.row[i] >= 30);
		for (size_t e = P.row[i]; e < P.row[i + 1]; e++) {
			size_t j = P.col[e];
			sum += P.val[e];
			diag += j == i;
			int found = 0;
			for (size_t f = P.row[j]; f < P.row[j + 1]; f++)
				if (P.col[f] == i) {
					found = 1;
					asym += P.val[f] != P.val[e];
				}
			asym += !found;
		}
	}
	CHECK_INT(asym, 0);
	CHECK_INT(diag, 0);
	CHECK_NEAR(sum, 1, 1e-5);
	mlv_tsne_p_free(&P);
	CHECK_INT(mlv_tsne_affinities(x, 20, d, 30, 1, &P, err, sizeof err), -1);
	CHECK(strstr(err, "too large") != NULL);
	CHECK_INT(mlv_tsne_affinities(x, n, d, 0.5, 1, &P, err, sizeof err), -1);
	free(x);
}

/* The exact gradient is the derivative of KL(P || Q): central finite
 * differences on a tiny problem. */
TEST(exact_gradient_vs_finite_differences)
{
	size_t n = 20, d = 4;
	float *x = blobs_data(n, d, 2, 3, 3, NULL);
	mlv_tsne_p P;
	CHECK_INT(mlv_tsne_affinities(x, n, d, 5, 1, &P, NULL, 0), 0);
	double y[40], grad[40], scratch[40];
	mlv_rng g;
	mlv_rng_seed(&g, 4);
	for (int i = 0; i < 40; i++)
		y[i] = mlv_rng_normal(&g);
	mlv_tsne_opts o;
	mlv_tsne_defaults(&o);
	o.method = MLV_TSNE_EXACT;
	o.nthreads = 1;
	mlv_tsne_grad *w = mlv_tsne_grad_new(n, &o);
	mlv_tsne_gradient(w, &P, y, 1, grad);
	double worst = 0, norm = 0;
	for (int i = 0; i < 40; i++)
		norm = fmax(norm, fabs(grad[i]));
	for (int i = 0; i < 40; i++) {
		double h = 1e-5, keep = y[i];
		y[i] = keep + h;
		double zp = mlv_tsne_gradient(w, &P, y, 1, scratch);
		double kp = mlv_tsne_kl(&P, y, zp, 1);
		y[i] = keep - h;
		double zm = mlv_tsne_gradient(w, &P, y, 1, scratch);
		double km = mlv_tsne_kl(&P, y, zm, 1);
		y[i] = keep;
		double fd = (kp - km) / (2 * h);
		if (fabs(fd - grad[i]) > worst)
			worst = fabs(fd - grad[i]);
	}
	CHECK(norm > 1e-3);
	CHECK(worst < 1e-5 * norm + 1e-8);
	mlv_tsne_grad_free(w);
	mlv_tsne_p_free(&P);
	free(x);
}

static double
rel_err(const double *a, const double *b, size_t n)
{
	double num = 0, den = 0;
	for (size_t i = 0; i < n; i++) {
		num += (a[i] - b[i]) * (a[i] - b[i]);
		den += b[i] * b[i];
	}
	return sqrt(num / den);
}

/* The FFT gradient against the exact one: a map of 400 points 30 units
 * wide (a t-SNE map's scale: the kernel sampled at 3 nodes per unit), and
 * the same shrunk 30 times (early iterations).  FIt-SNE's interpolation
 * with 3 nodes per box of unit side is accurate to a few per cent where
 * the kernel's curvature is resolved by only 3 nodes per unit, far better
 * on small maps.  Measured: 1.5e-2 (repulsion alone 1.6e-2, Z 6e-4) and
 * 1.4e-6; the bounds leave room for a change of grid rounding. */
TEST(fft_gradient_vs_exact)
{
	size_t n = 400, d = 6;
	float *x = blobs_data(n, d, 4, 4, 5, NULL);
	mlv_tsne_p P;
	CHECK_INT(mlv_tsne_affinities(x, n, d, 20, 2, &P, NULL, 0), 0);
	double *y = malloc(2 * n * sizeof *y), *ge = malloc(2 * n * sizeof *ge);
	double *gf = malloc(2 * n * sizeof *gf);
	mlv_rng g;
	mlv_rng_seed(&g, 6);
	for (size_t i = 0; i < n; i++) {
		/* Four clusters of radius ~3 in a 30 x 30 square. */
		size_t b = i * 4 / n;
		y[2 * i] = 3 * mlv_rng_normal(&g) + 10 * (double)(b % 2) - 5;
		y[2 * i + 1] = 3 * mlv_rng_normal(&g) + 10 * (double)(b / 2) - 5;
	}
	mlv_tsne_opts o;
	mlv_tsne_defaults(&o);
	o.nthreads = 2;
	o.method = MLV_TSNE_EXACT;
	mlv_tsne_grad *we = mlv_tsne_grad_new(n, &o);
	o.method = MLV_TSNE_FFT;
	mlv_tsne_grad *wf = mlv_tsne_grad_new(n, &o);
	double ze = mlv_tsne_gradient(we, &P, y, 1, ge);
	double zf = mlv_tsne_gradient(wf, &P, y, 1, gf);
	double e1 = rel_err(gf, ge, 2 * n), ez = fabs(zf - ze) / ze;
	CHECK(e1 < 3e-2);
	CHECK(ez < 3e-3);
	/* Repulsion alone (no attraction to hide its error). */
	ze = mlv_tsne_gradient(we, &P, y, 0, ge);
	zf = mlv_tsne_gradient(wf, &P, y, 0, gf);
	double e2 = rel_err(gf, ge, 2 * n);
	CHECK(e2 < 4e-2);
	for (size_t i = 0; i < 2 * n; i++)
		y[i] /= 30;
	ze = mlv_tsne_gradient(we, &P, y, 1, ge);
	zf = mlv_tsne_gradient(wf, &P, y, 1, gf);
	double e3 = rel_err(gf, ge, 2 * n);
	CHECK(e3 < 1e-3);
	CHECK(fabs(zf - ze) < 1e-5 * ze);
	printf("# fft gradient relative error %.2g (repulsion %.2g, Z %.2g), "
	       "small map %.2g\n", e1, e2, ez, e3);
	mlv_tsne_grad_free(we);
	mlv_tsne_grad_free(wf);
	mlv_tsne_p_free(&P);
	free(x);
	free(y);
	free(ge);
	free(gf);
}

typedef struct {
	int calls, last;
	double first_kl, last_kl;
	int kl_count;
} progress_log;

static void
progress(void *ctx, int iter, int n_iter, double kl)
{
	progress_log *l = ctx;
	l->calls++;
	l->last = iter;
	(void)n_iter;
	if (!isnan(kl)) {
		if (!l->kl_count++)
			l->first_kl = kl;
		l->last_kl = kl;
	}
}

/* Centroid separation over the largest RMS radius of a blob. */
static double
separation(const float *y, size_t n, const int *label, int blobs)
{
	double cx[8] = {0}, cy[8] = {0}, r2[8] = {0}, cnt[8] = {0};
	for (size_t i = 0; i < n; i++) {
		cx[label[i]] += y[2 * i];
		cy[label[i]] += y[2 * i + 1];
		cnt[label[i]]++;
	}
	for (int b = 0; b < blobs; b++) {
		cx[b] /= cnt[b];
		cy[b] /= cnt[b];
	}
	for (size_t i = 0; i < n; i++) {
		double dx = y[2 * i] - cx[label[i]], dy = y[2 * i + 1] - cy[label[i]];
		r2[label[i]] += dx * dx + dy * dy;
	}
	double rmax = 0, dmin = INFINITY;
	for (int b = 0; b < blobs; b++) {
		rmax = fmax(rmax, sqrt(r2[b] / cnt[b]));
		for (int c = 0; c < b; c++)
			dmin = fmin(dmin, hypot(cx[b] - cx[c], cy[b] - cy[c]));
	}
	return dmin / rmax;
}

/* Three well-separated blobs of 100 points in 5-D, embedded with the
 * defaults (exact method at this size) and with the FFT method. */
TEST(three_blobs)
{
	size_t n = 300, d = 5;
	int label[300];
	float *x = blobs_data(n, d, 3, 8, 7, label);
	float y[600];
	mlv_tsne_opts o;
	mlv_tsne_defaults(&o);
	o.nthreads = 2;
	progress_log log = {0};
	o.progress = progress;
	o.progress_ctx = &log;
	double kl = 0;
	char err[128];
	CHECK_INT(mlv_tsne_run(x, n, d, &o, y, &kl, err, sizeof err), 0);
	CHECK_INT(log.calls, 1000);
	CHECK_INT(log.last, 1000);
	CHECK_INT(log.kl_count, 20);
	CHECK_NEAR(log.last_kl, kl, 0);
	CHECK(kl < log.first_kl);
	CHECK(kl > 0 && kl < 1.5);
	mlv_quality q;
	CHECK_INT(mlv_map_quality(x, d, y, 2, n, 10, 0, 0, 1, 2, &q, NULL, 0), 0);
	CHECK(q.trustworthiness > 0.95);
	double sep = separation(y, n, label, 3);
	CHECK(sep > 3);
	double mx = 0, my = 0;
	for (size_t i = 0; i < n; i++) {
		mx += y[2 * i];
		my += y[2 * i + 1];
	}
	CHECK_NEAR(mx / (double)n, 0, 1e-4);
	CHECK_NEAR(my / (double)n, 0, 1e-4);
	printf("# exact: KL %.4f trustworthiness %.4f separation %.1f\n", kl,
	       q.trustworthiness, sep);

	o.method = MLV_TSNE_FFT;
	o.progress = NULL;
	CHECK_INT(mlv_tsne_run(x, n, d, &o, y, &kl, err, sizeof err), 0);
	CHECK_INT(mlv_map_quality(x, d, y, 2, n, 10, 0, 0, 1, 2, &q, NULL, 0), 0);
	CHECK(q.trustworthiness > 0.95);
	sep = separation(y, n, label, 3);
	CHECK(sep > 3);
	printf("# fft: KL %.4f trustworthiness %.4f separation %.1f\n", kl,
	       q.trustworthiness, sep);
	free(x);
}

/* The same map for a seed whatever the thread count; another seed
 * (random init) gives another map. */
TEST(determinism)
{
	size_t n = 500, d = 8;
	float *x = blobs_data(n, d, 5, 5, 8, NULL);
	float *y1 = malloc(2 * n * sizeof *y1), *y2 = malloc(2 * n * sizeof *y2);
	float *y3 = malloc(2 * n * sizeof *y3);
	mlv_tsne_opts o;
	mlv_tsne_defaults(&o);
	o.method = MLV_TSNE_FFT;
	o.init = MLV_TSNE_INIT_RANDOM;
	o.n_iter = 300;
	o.early_iter = 100;
	o.seed = 11;
	o.nthreads = 1;
	double kl1, kl2, kl3;
	CHECK_INT(mlv_tsne_run(x, n, d, &o, y1, &kl1, NULL, 0), 0);
	o.nthreads = 2;
	CHECK_INT(mlv_tsne_run(x, n, d, &o, y2, &kl2, NULL, 0), 0);
	o.nthreads = 3;
	CHECK_INT(mlv_tsne_run(x, n, d, &o, y3, &kl3, NULL, 0), 0);
	CHECK(memcmp(y1, y2, 2 * n * sizeof *y1) == 0);
	CHECK(memcmp(y1, y3, 2 * n * sizeof *y1) == 0);
	CHECK(kl1 == kl2 && kl1 == kl3);
	o.seed = 12;
	CHECK_INT(mlv_tsne_run(x, n, d, &o, y2, &kl2, NULL, 0), 0);
	CHECK(memcmp(y1, y2, 2 * n * sizeof *y1) != 0);
	/* A given start is used as given: start from a finished map and
	 * go on without exaggeration. */
	o.init = MLV_TSNE_INIT_GIVEN;
	o.early_iter = 0;
	o.n_iter = 50;
	memcpy(y2, y1, 2 * n * sizeof *y1);
	CHECK_INT(mlv_tsne_run(x, n, d, &o, y2, &kl2, NULL, 0), 0);
	CHECK(kl2 <= kl1 * 1.01);
	free(x);
	free(y1);
	free(y2);
	free(y3);
}

TEST(errors)
{
	float x[40];
	for (int i = 0; i < 40; i++)
		x[i] = (float)i;
	float y[40];
	mlv_tsne_opts o;
	mlv_tsne_defaults(&o);
	char err[128] = "";
	CHECK_INT(mlv_tsne_run(x, 20, 2, &o, y, NULL, err, sizeof err), -1);
	CHECK(strstr(err, "perplexity") != NULL);
	o.perplexity = 3;
	x[7] = NAN;
	CHECK_INT(mlv_tsne_run(x, 20, 2, &o, y, NULL, err, sizeof err), -1);
	CHECK(strstr(err, "not finite") != NULL);
	x[7] = 7;
	o.momentum = 1.5;
	CHECK_INT(mlv_tsne_run(x, 20, 2, &o, y, NULL, err, sizeof err), -1);
}

/* The largest perplexity n points allow is one the run accepts, and a
 * hundredth more is not. */
TEST(max_perplexity)
{
	CHECK(mlv_tsne_max_perplexity(4) == 0);
	CHECK(mlv_tsne_max_perplexity(5) == 1.33);
	CHECK(mlv_tsne_max_perplexity(20) == 6.33);
	CHECK(mlv_tsne_max_perplexity(72) == 23.66);
	CHECK_INT(mlv_tsne_min_points(30), 92);
	float x[144], y[144];
	for (int i = 0; i < 144; i++)
		x[i] = (float)((i * 37) % 101);
	mlv_tsne_opts o;
	mlv_tsne_defaults(&o);
	o.n_iter = 10;
	o.early_iter = 5;
	for (size_t n = 5; n <= 72; n++) {
		double most = mlv_tsne_max_perplexity(n);
		CHECK(mlv_tsne_min_points(most) <= n);
		CHECK(mlv_tsne_min_points(most + 0.01) > n);
		o.perplexity = most;
		CHECK_INT(mlv_tsne_run(x, n, 2, &o, y, NULL, NULL, 0), 0);
	}
}

/* A fixed example against the peer benchmark's knn_quality.py definitions
 * (shared/bench/peers/common.py) and scikit-learn 1.2.1, which agree:
 *
 *   import numpy as np; from common import knn_preservation, trustworthiness
 *   from sklearn.manifold import trustworthiness as sk_trust
 *   n = 80; i = np.arange(n)[:, None].astype(np.float64)
 *   X = np.hstack([np.sin(0.37*i*(j+1)) + np.cos(0.11*i + j)
 *                  for j in range(4)]).astype(np.float32)
 *   Y = np.hstack([np.sin(0.05*i)*(1 + 0.3*np.cos(0.7*i)),
 *                  np.cos(0.05*i)*(1 + 0.3*np.sin(1.3*i))]).astype(np.float32)
 *   for k in (5, 10): print(k, knn_preservation(X, Y, k),
 *       trustworthiness(X, Y, k), sk_trust(X.astype(float), Y.astype(float),
 *                                          n_neighbors=k))
 *   5 0.225 0.7695486111111112 0.7695486111111112
 *   10 0.29875 0.7678682170542636 0.7678682170542636
 */
TEST(quality_reference)
{
	size_t n = 80;
	float x[80 * 4], y[80 * 2];
	for (size_t i = 0; i < n; i++) {
		double di = (double)i;
		for (int j = 0; j < 4; j++)
			x[i * 4 + (size_t)j] = (float)(sin(0.37 * di * (j + 1)) +
			                               cos(0.11 * di + j));
		y[i * 2] = (float)(sin(0.05 * di) * (1 + 0.3 * cos(0.7 * di)));
		y[i * 2 + 1] = (float)(cos(0.05 * di) * (1 + 0.3 * sin(1.3 * di)));
	}
	mlv_quality q;
	CHECK_INT(mlv_map_quality(x, 4, y, 2, n, 5, 0, 0, 1, 2, &q, NULL, 0), 0);
	CHECK_NEAR(q.knn_preservation, 0.225, 1e-12);
	CHECK_NEAR(q.trustworthiness, 0.7695486111111112, 1e-12);
	CHECK_INT(q.evaluated, 80);
	CHECK_INT(mlv_map_quality(x, 4, y, 2, n, 10, 0, 0, 1, 1, &q, NULL, 0), 0);
	CHECK_NEAR(q.knn_preservation, 0.29875, 1e-12);
	CHECK_NEAR(q.trustworthiness, 0.7678682170542636, 1e-12);
	/* Without trustworthiness; and the map against itself is perfect. */
	CHECK_INT(mlv_map_quality(x, 4, y, 2, n, 10, 0, 0, 0, 1, &q, NULL, 0), 0);
	CHECK(isnan(q.trustworthiness));
	CHECK_NEAR(q.knn_preservation, 0.29875, 1e-12);
	CHECK_INT(mlv_map_quality(x, 4, x, 4, n, 10, 0, 0, 1, 1, &q, NULL, 0), 0);
	CHECK_NEAR(q.knn_preservation, 1, 0);
	CHECK_NEAR(q.trustworthiness, 1, 0);
	char err[128] = "";
	CHECK_INT(mlv_map_quality(x, 4, y, 2, 5, 10, 0, 0, 1, 1, &q, err,
	                          sizeof err), -1);
	CHECK(err[0] != 0);
}

/* A seeded sample of the points estimates the figures of all of them:
 * the same sample for the same seed, close to the exact values. */
TEST(quality_sample)
{
	size_t n = 3000, d = 6;
	int label[3000];
	float *x = blobs_data(n, d, 6, 3, 9, label);
	float *y = malloc(2 * n * sizeof *y);
	/* A crude map: the first two coordinates plus a label offset. */
	for (size_t i = 0; i < n; i++) {
		y[2 * i] = x[i * d] + 4 * (float)(label[i] % 3);
		y[2 * i + 1] = x[i * d + 1] + 4 * (float)(label[i] / 3);
	}
	mlv_quality all, s1, s2;
	CHECK_INT(mlv_map_quality(x, d, y, 2, n, 10, 0, 0, 1, 2, &all, NULL, 0), 0);
	CHECK_INT(mlv_map_quality(x, d, y, 2, n, 10, 600, 5, 1, 2, &s1, NULL, 0), 0);
	CHECK_INT(mlv_map_quality(x, d, y, 2, n, 10, 600, 5, 1, 1, &s2, NULL, 0), 0);
	CHECK_INT(s1.evaluated, 600);
	CHECK(s1.trustworthiness == s2.trustworthiness);
	CHECK(s1.knn_preservation == s2.knn_preservation);
	CHECK_NEAR(s1.trustworthiness, all.trustworthiness, 0.01);
	CHECK_NEAR(s1.knn_preservation, all.knn_preservation, 0.03);
	CHECK_INT(mlv_quality_sample(100000), 0);
	CHECK_INT(mlv_quality_sample(1000000), 10000);
	printf("# quality: all %.4f %.4f, sample of 600 %.4f %.4f\n",
	       all.trustworthiness, all.knn_preservation, s1.trustworthiness,
	       s1.knn_preservation);
	free(x);
	free(y);
}

int
main(void)
{
	RUN(perplexity_calibration);
	RUN(affinities);
	RUN(exact_gradient_vs_finite_differences);
	RUN(fft_gradient_vs_exact);
	RUN(three_blobs);
	RUN(determinism);
	RUN(errors);
	RUN(max_perplexity);
	RUN(quality_reference);
	RUN(quality_sample);
	return TEST_EXIT();
}
