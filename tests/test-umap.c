/* test-umap.c - UMAP: curve fit, smooth kNN, fuzzy union, spectral layout,
 * embeddings of known structure, determinism, bad parameters. */
#include <lapacke.h>
#include <stdlib.h>

#include "knn.h"
#include "rng.h"
#include "test.h"
#include "umap.h"

/* k blobs of `per` points in d dims, centres `sep` apart on the axes,
 * unit normal noise; label (k * per) may be NULL. */
static float *
blobs(size_t k, size_t per, size_t d, double sep, uint64_t seed, int *label)
{
	mlv_rng g;
	mlv_rng_seed(&g, seed);
	float *x = malloc(k * per * d * sizeof *x);
	for (size_t c = 0; c < k; c++)
		for (size_t i = 0; i < per; i++) {
			size_t r = c * per + i;
			for (size_t j = 0; j < d; j++)
				x[r * d + j] = (float)(mlv_rng_normal(&g) +
				                       (j == c % d ? sep : 0));
			if (label)
				label[r] = (int)c;
		}
	return x;
}

/* Mean fraction of each point's k nearest in x kept among its k nearest
 * in y (knn_quality.py's KNN10 for k = 10). */
static double
knn_preservation(const float *x, size_t d, const float *y, size_t dims,
                 size_t n, size_t k)
{
	uint32_t *ix = malloc(n * k * sizeof *ix), *iy = malloc(n * k * sizeof *iy);
	float *dist = malloc(n * k * sizeof *dist);
	mlv_knn(x, n, x, n, d, k, 1, ix, dist, 1);
	mlv_knn(y, n, y, n, dims, k, 1, iy, dist, 1);
	size_t kept = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t a = 0; a < k; a++)
			for (size_t b = 0; b < k; b++)
				kept += ix[i * k + a] == iy[i * k + b];
	free(ix);
	free(iy);
	free(dist);
	return (double)kept / (double)(n * k);
}

TEST(ab_fit_matches_umap_learn)
{
	double a, b;
	/* scipy.optimize.curve_fit as umap-learn's find_ab_params calls it */
	CHECK_INT(mlv_umap_find_ab(0.1, 1, &a, &b), 0);
	CHECK_NEAR(a, 1.57694346, 1e-5);
	CHECK_NEAR(b, 0.89506088, 1e-5);
	CHECK_INT(mlv_umap_find_ab(0.01, 1, &a, &b), 0);
	CHECK_NEAR(a, 1.89560587, 1e-5);
	CHECK_NEAR(b, 0.80063784, 1e-5);
	CHECK_INT(mlv_umap_find_ab(0.5, 1, &a, &b), 0);
	CHECK_NEAR(a, 0.58303002, 1e-5);
	CHECK_NEAR(b, 1.33416699, 1e-5);
	CHECK_INT(mlv_umap_find_ab(0.1, 2, &a, &b), 0);
	CHECK_NEAR(a, 0.54466054, 1e-5);
	CHECK_NEAR(b, 0.84205543, 1e-5);
	CHECK_INT(mlv_umap_find_ab(0, 1, &a, &b), 0);
	CHECK_NEAR(a, 1.9328084, 1e-5);
	CHECK_NEAR(b, 0.79049497, 1e-5);
	CHECK_INT(mlv_umap_find_ab(1, 1, &a, &b), 0); /* min_dist = spread */
	CHECK_NEAR(a, 0.11497568, 1e-5);
	CHECK_NEAR(b, 1.92923715, 1e-5);
	CHECK_INT(mlv_umap_find_ab(1.5, 1, &a, &b), -1);
	CHECK_INT(mlv_umap_find_ab(-0.1, 1, &a, &b), -1);
	CHECK_INT(mlv_umap_find_ab(0.1, 0, &a, &b), -1);
}

TEST(smooth_knn_sums_to_log2_k)
{
	size_t n = 500, d = 5, m = 14;
	float *x = blobs(2, n / 2, d, 3, 7, NULL);
	uint32_t *idx = malloc(n * m * sizeof *idx);
	float *dist = malloc(n * m * sizeof *dist), *w = malloc(n * m * sizeof *w);
	float *rho = malloc(n * sizeof *rho), *sigma = malloc(n * sizeof *sigma);
	/* a point with a duplicate: its nearest distance is 0 */
	memcpy(x + 1 * d, x, d * sizeof *x);
	CHECK_INT(mlv_knn(x, n, x, n, d, m, 1, idx, dist, 2), 0);
	mlv_umap_smooth_knn(dist, n, m, w, rho, sigma, 2);
	double worst = 0;
	int rho_ok = 1, first_ok = 1;
	for (size_t i = 0; i < n; i++) {
		double s = 0;
		for (size_t r = 0; r < m; r++)
			s += w[i * m + r];
		if (fabs(s - log2(15.0)) > worst)
			worst = fabs(s - log2(15.0));
		/* rho: the nearest neighbour at a non-zero distance */
		size_t r0 = 0;
		while (r0 < m && dist[i * m + r0] == 0)
			r0++;
		rho_ok &= rho[i] == dist[i * m + r0];
		first_ok &= w[i * m + r0] == 1.0f && sigma[i] > 0;
	}
	CHECK(worst < 1e-4);
	CHECK(rho_ok);
	CHECK(first_ok);
	/* the duplicate pair: distance 0 to each other, membership 1 */
	CHECK(dist[0] == 0 && idx[0] == 1 && w[0] == 1.0f);
	CHECK(rho[0] > 0);
	/* same result on one thread */
	float *w1 = malloc(n * m * sizeof *w1);
	mlv_umap_smooth_knn(dist, n, m, w1, NULL, NULL, 1);
	CHECK(!memcmp(w, w1, n * m * sizeof *w));
	free(w1);
	free(x);
	free(idx);
	free(dist);
	free(w);
	free(rho);
	free(sigma);
}

TEST(fuzzy_union_by_hand)
{
	/* directed memberships, two per vertex (3 -> 2 has weight 0) */
	uint32_t idx[] = {1, 2, 0, 3, 0, 1, 1, 2};
	float w[] = {0.5f, 1.0f, 0.4f, 0.25f, 0.8f, 0.1f, 1.0f, 0.0f};
	mlv_umap_graph g;
	mlv_umap_fuzzy_union(&g, idx, w, 4, 2);
	/* (0,1): .5 + .4 - .2 = .7; (0,2): 1 + .8 - .8 = 1;
	 * (1,3): .25 + 1 - .25 = 1; (1,2): .1 one way only */
	size_t ptr[] = {0, 2, 5, 7, 8};
	uint32_t col[] = {1, 2, 0, 2, 3, 0, 1, 1};
	float val[] = {0.7f, 1.0f, 0.7f, 0.1f, 1.0f, 1.0f, 0.1f, 1.0f};
	CHECK_INT(g.n, 4);
	for (int i = 0; i <= 4; i++)
		CHECK_INT(g.ptr[i], ptr[i]);
	for (int e = 0; e < 8; e++) {
		CHECK_INT(g.col[e], col[e]);
		CHECK_NEAR(g.val[e], val[e], 1e-6);
	}
	CHECK_INT(mlv_umap_components(&g, NULL), 1);
	mlv_umap_graph_free(&g);
	CHECK(g.ptr == NULL && g.n == 0);
}

TEST(components_are_labelled_by_lowest_vertex)
{
	/* 0-3 and 1-2, and 4 alone */
	uint32_t idx[] = {3, 2, 1, 0, 0};
	float w[] = {1, 1, 1, 1, 0};
	mlv_umap_graph g;
	mlv_umap_fuzzy_union(&g, idx, w, 5, 1);
	uint32_t label[5];
	CHECK_INT(mlv_umap_components(&g, label), 3);
	CHECK_INT(label[0], 0);
	CHECK_INT(label[1], 1);
	CHECK_INT(label[2], 1);
	CHECK_INT(label[3], 0);
	CHECK_INT(label[4], 2);
	mlv_umap_graph_free(&g);
}

/* A graph from an edge list, through the fuzzy union (each pair listed
 * once, weight w: the union keeps w). */
static void
graph_from_edges(mlv_umap_graph *g, size_t n, const uint32_t (*e)[2],
                 const float *w, size_t ne)
{
	/* per vertex, its out-list padded with weight-0 entries */
	size_t m = 0, *deg = calloc(n, sizeof *deg);
	for (size_t i = 0; i < ne; i++)
		if (++deg[e[i][0]] > m)
			m = deg[e[i][0]];
	uint32_t *idx = calloc(n * m, sizeof *idx);
	float *ww = calloc(n * m, sizeof *ww);
	memset(deg, 0, n * sizeof *deg);
	for (size_t i = 0; i < ne; i++) {
		size_t a = e[i][0];
		idx[a * m + deg[a]] = e[i][1];
		ww[a * m + deg[a]++] = w[i];
	}
	for (size_t i = 0; i < n; i++)
		for (size_t r = deg[i]; r < m; r++)
			idx[i * m + r] = i + 1 < n ? (uint32_t)(i + 1) : 0;
	mlv_umap_fuzzy_union(g, idx, ww, n, m);
	free(idx);
	free(ww);
	free(deg);
}

/* Eigenvalues (ascending) and vectors (columns of vec, row-major n x n)
 * of the normalized Laplacian of g, by LAPACK. */
static void
dense_laplacian_eig(const mlv_umap_graph *g, double *val, double *vec)
{
	size_t n = g->n;
	double *deg = calloc(n, sizeof *deg);
	for (size_t i = 0; i < n; i++)
		for (size_t e = g->ptr[i]; e < g->ptr[i + 1]; e++)
			deg[i] += g->val[e];
	memset(vec, 0, n * n * sizeof *vec);
	for (size_t i = 0; i < n; i++) {
		vec[i * n + i] = 1;
		for (size_t e = g->ptr[i]; e < g->ptr[i + 1]; e++)
			vec[i * n + g->col[e]] -= g->val[e] / sqrt(deg[i] * deg[g->col[e]]);
	}
	LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)n, vec,
	              (lapack_int)n, val);
	free(deg);
}

/* |cos| between column c of y (n x dims, float) and column q of vec. */
static double
abs_cos(const float *y, size_t dims, size_t c, const double *vec, size_t n,
        size_t q)
{
	double dp = 0, ny = 0, nv = 0;
	for (size_t i = 0; i < n; i++) {
		dp += y[i * dims + c] * vec[i * n + q];
		ny += (double)y[i * dims + c] * y[i * dims + c];
		nv += vec[i * n + q] * vec[i * n + q];
	}
	return fabs(dp) / sqrt(ny * nv);
}

TEST(spectral_two_cliques_split_on_first_coordinate)
{
	/* two 10-cliques, joined by one weak edge 0 - 10 */
	enum { N = 20 };
	uint32_t e[2 * 45 + 1][2];
	float w[2 * 45 + 1];
	size_t ne = 0;
	for (uint32_t base = 0; base < N; base += 10)
		for (uint32_t i = 0; i < 10; i++)
			for (uint32_t j = i + 1; j < 10; j++) {
				e[ne][0] = base + i;
				e[ne][1] = base + j;
				w[ne++] = 1;
			}
	e[ne][0] = 0;
	e[ne][1] = 10;
	w[ne++] = 0.01f;
	mlv_umap_graph g;
	graph_from_edges(&g, N, (const uint32_t (*)[2])e, w, ne);
	CHECK_INT(mlv_umap_components(&g, NULL), 1);
	float y[N * 2];
	char err[200] = "";
	CHECK_INT(mlv_umap_spectral(&g, 2, 1, y, err, sizeof err), 1);
	int split = 1;
	for (int i = 0; i < N; i++)
		split &= (y[i * 2] > 0) == (y[0] > 0) ? i < 10 : i >= 10;
	CHECK(split);
	/* unit columns, entry of largest magnitude positive */
	for (int c = 0; c < 2; c++) {
		double s = 0, big = 0;
		for (int i = 0; i < N; i++) {
			s += (double)y[i * 2 + c] * y[i * 2 + c];
			if (fabs(y[i * 2 + c]) > fabs(big))
				big = y[i * 2 + c];
		}
		CHECK_NEAR(s, 1, 1e-5);
		CHECK(big > 0);
	}
	double val[N], vec[N * N];
	dense_laplacian_eig(&g, val, vec);
	CHECK(abs_cos(y, 2, 0, vec, N, 1) > 1 - 1e-6);
	/* the third eigenvalue is repeated: check column 1's Rayleigh
	 * quotient y' L y / y' y rather than its direction */
	double deg[N] = {0}, num = 0, rq = 0;
	for (size_t i = 0; i < N; i++)
		for (size_t f = g.ptr[i]; f < g.ptr[i + 1]; f++)
			deg[i] += g.val[f];
	for (size_t i = 0; i < N; i++) {
		double lv = y[i * 2 + 1];
		for (size_t f = g.ptr[i]; f < g.ptr[i + 1]; f++)
			lv -= g.val[f] / sqrt(deg[i] * deg[g.col[f]]) *
			      y[g.col[f] * 2 + 1];
		rq += y[i * 2 + 1] * lv;
		num += (double)y[i * 2 + 1] * y[i * 2 + 1];
	}
	CHECK_NEAR(rq / num, val[2], 1e-6);
	mlv_umap_graph_free(&g);

	/* disconnected: refused with a message */
	e[ne - 1][1] = 0; /* the weak edge becomes a self-loop: dropped */
	w[ne - 1] = 0;
	graph_from_edges(&g, N, (const uint32_t (*)[2])e, w, ne);
	CHECK_INT(mlv_umap_components(&g, NULL), 2);
	CHECK_INT(mlv_umap_spectral(&g, 2, 1, y, err, sizeof err), -1);
	CHECK(strstr(err, "2 connected components") != NULL);
	mlv_umap_graph_free(&g);
}

TEST(spectral_path_graph_against_lapack)
{
	/* a path's low eigenvalues crowd together (gaps ~ 1/n^2): the
	 * restarts have work to do */
	enum { N = 300 };
	uint32_t e[N - 1][2];
	float w[N - 1];
	for (uint32_t i = 0; i + 1 < N; i++) {
		e[i][0] = i;
		e[i][1] = i + 1;
		w[i] = 0.5f + 0.5f * (float)((i * 7) % 5) / 4;
	}
	mlv_umap_graph g;
	graph_from_edges(&g, N, (const uint32_t (*)[2])e, w, N - 1);
	static float y[N * 3];
	static double val[N], vec[N * N];
	char err[200];
	CHECK_INT(mlv_umap_spectral(&g, 3, 5, y, err, sizeof err), 1);
	dense_laplacian_eig(&g, val, vec);
	for (size_t c = 0; c < 3; c++)
		CHECK(abs_cos(y, 3, c, vec, N, c + 1) > 1 - 1e-6);
	mlv_umap_graph_free(&g);
}

TEST(ring_starts_as_a_circle)
{
	/* points on a noisy circle in 5-D: a connected graph whose
	 * Laplacian's low eigenvectors are the cosine and sine around it */
	size_t n = 400, d = 5;
	mlv_rng g;
	mlv_rng_seed(&g, 3);
	float *x = malloc(n * d * sizeof *x), *y = malloc(n * 2 * sizeof *y);
	for (size_t i = 0; i < n; i++) {
		double t = 2 * M_PI * (double)i / (double)n;
		for (size_t j = 0; j < d; j++)
			x[i * d + j] = (float)(0.02 * mlv_rng_normal(&g));
		x[i * d] += (float)(10 * cos(t));
		x[i * d + 1] += (float)(10 * sin(t));
	}
	mlv_umap_opts o;
	mlv_umap_defaults(&o);
	o.n_epochs = 0;
	o.nthreads = 2;
	mlv_umap_info info;
	char err[200];
	CHECK_INT(mlv_umap(x, n, d, &o, y, &info, err, sizeof err), 0);
	CHECK_INT(info.init, MLV_UMAP_INIT_SPECTRAL);
	CHECK_INT(info.components, 1);
	CHECK_INT(info.spectral_converged, 1);
	CHECK_INT(info.n_epochs, 0);
	double big = 0, mean = 0, m2 = 0;
	for (size_t i = 0; i < n; i++) {
		double r = hypot(y[2 * i], y[2 * i + 1]);
		mean += r;
		m2 += r * r;
		big = fmax(big, fmax(fabs(y[2 * i]), fabs(y[2 * i + 1])));
	}
	mean /= (double)n;
	double sd = sqrt(m2 / (double)n - mean * mean);
	CHECK_NEAR(big, 10, 1e-3); /* scaled to 10, plus noise of sd 1e-4 */
	CHECK(sd < 0.05 * mean);
	free(x);
	free(y);
}

/* Embed three separated blobs; return 10-NN preservation and check that
 * every point's 10 nearest in the map share its blob. */
static double
embed_blobs(int parallel, size_t dims, mlv_umap_init init, int *sep_ok)
{
	size_t per = 100, n = 3 * per, d = 8;
	int label[300];
	float *x = blobs(3, per, d, 12, 11, label);
	float *y = malloc(n * dims * sizeof *y);
	mlv_umap_opts o;
	mlv_umap_defaults(&o);
	o.dims = dims;
	o.sgd_parallel = parallel;
	o.nthreads = 2;
	o.init = init;
	mlv_umap_info info;
	char err[200];
	double q = -1;
	*sep_ok = 0;
	if (mlv_umap(x, n, d, &o, y, &info, err, sizeof err) == 0) {
		uint32_t idx[300 * 10];
		float dist[300 * 10];
		mlv_knn(y, n, y, n, dims, 10, 1, idx, dist, 1);
		size_t same = 0;
		for (size_t i = 0; i < n * 10; i++)
			same += label[idx[i]] == label[i / 10];
		*sep_ok = same == n * 10 && info.n_epochs == 500;
		q = knn_preservation(x, d, y, dims, n, 10);
	}
	free(x);
	free(y);
	return q;
}

TEST(separated_blobs_stay_separated)
{
	int ok;
	/* the blobs' graph has three components: PCA stands in for the
	 * spectral layout */
	double q = embed_blobs(0, 2, MLV_UMAP_INIT_SPECTRAL, &ok);
	CHECK(ok);
	CHECK(q > 0.4);
	q = embed_blobs(1, 2, MLV_UMAP_INIT_SPECTRAL, &ok);
	CHECK(ok);
	CHECK(q > 0.4);
	q = embed_blobs(0, 3, MLV_UMAP_INIT_RANDOM, &ok);
	CHECK(ok);
	CHECK(q > 0.4);
	q = embed_blobs(1, 3, MLV_UMAP_INIT_PCA, &ok);
	CHECK(ok);
	CHECK(q > 0.4);
}

TEST(same_seed_same_map_for_any_thread_count)
{
	size_t n = 600, d = 6;
	float *x = blobs(4, n / 4, d, 2.5, 5, NULL);
	float *ref = malloc(n * 2 * sizeof *ref), *y = malloc(n * 2 * sizeof *y);
	mlv_umap_opts o;
	mlv_umap_defaults(&o);
	o.n_epochs = 100;
	char err[200];
	for (int par = 0; par < 2; par++) {
		o.sgd_parallel = par;
		o.seed = 42;
		o.nthreads = 1;
		CHECK_INT(mlv_umap(x, n, d, &o, ref, NULL, err, sizeof err), 0);
		for (int t = 1; t <= 4; t++) {
			o.nthreads = t;
			CHECK_INT(mlv_umap(x, n, d, &o, y, NULL, err, sizeof err), 0);
			CHECK(!memcmp(y, ref, n * 2 * sizeof *y));
		}
		o.seed = 43;
		CHECK_INT(mlv_umap(x, n, d, &o, y, NULL, err, sizeof err), 0);
		CHECK(memcmp(y, ref, n * 2 * sizeof *y) != 0);
		/* centred */
		double mx = 0, my = 0;
		for (size_t i = 0; i < n; i++) {
			mx += ref[2 * i];
			my += ref[2 * i + 1];
		}
		CHECK_NEAR(mx / (double)n, 0, 1e-4);
		CHECK_NEAR(my / (double)n, 0, 1e-4);
	}
	free(x);
	free(ref);
	free(y);
}

/* Above 2048 points the in-place descent is pipelined over blocks of
 * heads, the next block scheduled on another thread: the map must still
 * not depend on the thread count, in two dims (lanes paused at each
 * block's end) and in three. */
TEST(pipelined_descent_same_for_any_thread_count)
{
	size_t n = 4500, d = 6;
	float *x = blobs(3, n / 3, d, 3, 7, NULL);
	float *ref = malloc(n * 3 * sizeof *ref), *y = malloc(n * 3 * sizeof *y);
	mlv_umap_opts o;
	mlv_umap_defaults(&o);
	o.n_epochs = 30;
	o.seed = 5;
	char err[200];
	for (size_t dims = 2; dims <= 3; dims++) {
		o.dims = dims;
		o.nthreads = 1;
		CHECK_INT(mlv_umap(x, n, d, &o, ref, NULL, err, sizeof err), 0);
		for (int t = 2; t <= 3; t++) {
			o.nthreads = t;
			CHECK_INT(mlv_umap(x, n, d, &o, y, NULL, err, sizeof err), 0);
			CHECK(!memcmp(y, ref, n * dims * sizeof *y));
		}
	}
	free(x);
	free(ref);
	free(y);
}

/* mlv_umap must refuse o, with a message naming `what`. */
static int
refused(const float *x, size_t n, size_t d, const mlv_umap_opts *o,
        const char *what)
{
	float y[64];
	char err[200] = "";
	int rc = mlv_umap(x, n, d, o, y, NULL, err, sizeof err);
	if (rc != -1 || !strstr(err, what)) {
		printf("#   rc %d, message \"%s\", wanted \"%s\"\n", rc, err, what);
		return 0;
	}
	return 1;
}

TEST(bad_parameters_are_refused)
{
	float x[20 * 2];
	for (int i = 0; i < 40; i++)
		x[i] = (float)((i * 37) % 11);
	mlv_umap_opts o;
	mlv_umap_defaults(&o);
	o.n_neighbors = 21;
	CHECK(refused(x, 20, 2, &o, "n_neighbors 21"));
	o.n_neighbors = 1;
	CHECK(refused(x, 20, 2, &o, "n_neighbors 1"));
	mlv_umap_defaults(&o);
	o.min_dist = 1.5;
	CHECK(refused(x, 20, 2, &o, "min_dist 1.5"));
	o.min_dist = -0.1;
	CHECK(refused(x, 20, 2, &o, "min_dist -0.1"));
	mlv_umap_defaults(&o);
	o.spread = 0;
	CHECK(refused(x, 20, 2, &o, "spread 0"));
	mlv_umap_defaults(&o);
	o.n_epochs = -2;
	CHECK(refused(x, 20, 2, &o, "n_epochs -2"));
	mlv_umap_defaults(&o);
	o.negative_sample_rate = 0;
	CHECK(refused(x, 20, 2, &o, "negative sample rate 0"));
	mlv_umap_defaults(&o);
	o.learning_rate = NAN;
	CHECK(refused(x, 20, 2, &o, "learning rate nan"));
	mlv_umap_defaults(&o);
	o.dims = 0;
	CHECK(refused(x, 20, 2, &o, "0 output dimensions"));
	mlv_umap_defaults(&o);
	o.dims = 3;
	o.init = MLV_UMAP_INIT_PCA;
	CHECK(refused(x, 20, 2, &o, "needs at least 3 input columns"));
	mlv_umap_defaults(&o);
	o.init = (mlv_umap_init)7;
	CHECK(refused(x, 20, 2, &o, "unknown initialisation"));
	mlv_umap_defaults(&o);
	CHECK(refused(x, 1, 2, &o, "1 points"));
	x[7] = NAN;
	CHECK(refused(x, 20, 2, &o, "row 3 column 1 is not finite"));
}

TEST(init_names)
{
	mlv_umap_init init;
	CHECK_INT(mlv_umap_init_parse("pca", &init), 0);
	CHECK_INT(init, MLV_UMAP_INIT_PCA);
	CHECK_INT(mlv_umap_init_parse("spectral", &init), 0);
	CHECK_INT(init, MLV_UMAP_INIT_SPECTRAL);
	CHECK_INT(mlv_umap_init_parse("random", &init), 0);
	CHECK_INT(init, MLV_UMAP_INIT_RANDOM);
	CHECK_INT(mlv_umap_init_parse("tsne", &init), -1);
	CHECK_STR(mlv_umap_init_name(MLV_UMAP_INIT_RANDOM), "random");
	mlv_umap_opts o;
	mlv_umap_defaults(&o);
	CHECK_INT(o.n_neighbors, 15);
	CHECK_NEAR(o.min_dist, 0.01, 0);
	CHECK_INT(o.n_epochs, -1);
	CHECK_INT(o.init, MLV_UMAP_INIT_SPECTRAL);
	CHECK_INT(o.sgd_parallel, 0);
}

int
main(void)
{
	RUN(ab_fit_matches_umap_learn);
	RUN(smooth_knn_sums_to_log2_k);
	RUN(fuzzy_union_by_hand);
	RUN(components_are_labelled_by_lowest_vertex);
	RUN(spectral_two_cliques_split_on_first_coordinate);
	RUN(spectral_path_graph_against_lapack);
	RUN(ring_starts_as_a_circle);
	RUN(separated_blobs_stay_separated);
	RUN(same_seed_same_map_for_any_thread_count);
	RUN(pipelined_descent_same_for_any_thread_count);
	RUN(bad_parameters_are_refused);
	RUN(init_names);
	return TEST_EXIT();
}
