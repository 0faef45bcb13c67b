/* test-cluster.c - k-means, hierarchical clustering, DBSCAN and partition
 * scores, against hand computations, brute-force references and values
 * recorded from scipy 1.10.1 / scikit-learn 1.2.1 (Debian's
 * /usr/bin/python3; each snippet is beside its numbers). */
#include <stdint.h>
#include <stdlib.h>

#include "cluster.h"
#include "rng.h"
#include "test.h"

/* n points around `blobs` centres far apart: point i in blob i % blobs. */
static float *
blob_points(size_t n, size_t d, size_t blobs, double spread, uint64_t seed)
{
	mlv_rng g;
	mlv_rng_seed(&g, seed);
	float *x = malloc(n * d * sizeof(float));
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++) {
			double centre = j < 3 ? 20.0 * (double)((i % blobs >> j) & 1)
			                      : 0;
			if (j == 0)
				centre += 50.0 * (double)(i % blobs / 8);
			x[i * d + j] = (float)(centre + spread * mlv_rng_normal(&g));
		}
	return x;
}

/* Whether two labellings are the same partition (a bijection maps one
 * set of numbers to the other). */
static int
same_partition(const int32_t *a, const int32_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if ((a[i] == a[j]) != (b[i] == b[j]))
				return 0;
	return 1;
}

static void
check_rows(const double *z, const double (*want)[4], size_t rows, double tol)
{
	for (size_t i = 0; i < rows; i++) {
		CHECK_INT(z[4 * i], want[i][0]);
		CHECK_INT(z[4 * i + 1], want[i][1]);
		CHECK_NEAR(z[4 * i + 2], want[i][2], tol);
		CHECK_INT(z[4 * i + 3], want[i][3]);
	}
}

/* ---- hierarchical ------------------------------------------------------ */

/* Six points in the plane: pairs {0,1}, {2,3}, {4,5}, then the first two
 * pairs, then everything.
 *   from scipy.cluster.hierarchy import linkage, fcluster
 *   P = np.array([[0,0],[0,1],[4,0],[4,1.5],[10,0],[10,3]], float)
 *   linkage(P, m); fcluster(Z, 2 or 3, 'maxclust') - 1;
 *   fcluster(Z, 3.5, 'distance') - 1 */
static const float six[] = {0, 0, 0, 1, 4, 0, 4, 1.5f, 10, 0, 10, 3};

TEST(ward_heights_by_hand)
{
	double z[5 * 4];
	char err[256];
	CHECK_INT(mlv_hclust(six, 6, 2, MLV_LINK_WARD, 0, 1, z, err, sizeof err),
	          0);
	/* Ward height sqrt(2 |A||B| / (|A|+|B|)) |c_A - c_B|: pairs at their
	 * distances; (0,.5) and (4,.75): sqrt(2*2*2/4 * 16.0625); (2,.625)
	 * and (10,1.5): sqrt(2*4*2/6 * 64.765625).  scipy: 5.6678920243773172,
	 * 13.141854257802942. */
	const double want[5][4] = {
		{0, 1, 1, 2}, {2, 3, 1.5, 2}, {4, 5, 3, 2},
		{6, 7, sqrt(32.125), 4}, {8, 9, sqrt(16.0 / 6 * 64.765625), 6},
	};
	check_rows(z, want, 5, 1e-14);
	CHECK_NEAR(z[4 * 3 + 2], 5.6678920243773172, 1e-15);
	CHECK_NEAR(z[4 * 4 + 2], 13.141854257802942, 1e-15);

	/* points on a line, each merge by hand: {0,1} at 1; centroid .5 to
	 * 3: sqrt(4/3) 2.5; 4/3 to 7: sqrt(6/4) 17/3; 11/4 to 15:
	 * sqrt(8/5) 12.25 */
	const float line[] = {0, 1, 3, 7, 15};
	double zl[4 * 4];
	CHECK_INT(mlv_hclust(line, 5, 1, MLV_LINK_WARD, 0, 1, zl, err,
	                     sizeof err), 0);
	const double wl[4][4] = {
		{0, 1, 1, 2}, {2, 5, sqrt(4.0 / 3) * 2.5, 3},
		{3, 6, sqrt(1.5) * 17 / 3, 4}, {4, 7, sqrt(1.6) * 12.25, 5},
	};
	check_rows(zl, wl, 4, 1e-14);
}

TEST(other_linkages_match_scipy)
{
	double z[5 * 4];
	char err[256];
	/* single: nearest points of the groups, (4,0)-(0,0) = 4 and
	 * (4,0)-(10,0) = 6; complete: farthest, sqrt(18.25), sqrt(109);
	 * average: scipy's values */
	const double ws[5][4] = {
		{0, 1, 1, 2}, {2, 3, 1.5, 2}, {4, 5, 3, 2}, {6, 7, 4, 4}, {8, 9, 6, 6},
	};
	const double wc[5][4] = {
		{0, 1, 1, 2}, {2, 3, 1.5, 2}, {4, 5, 3, 2}, {6, 7, sqrt(18.25), 4},
		{8, 9, sqrt(109), 6},
	};
	const double wa[5][4] = {
		{0, 1, 1, 2}, {2, 3, 1.5, 2}, {4, 5, 3, 2},
		{6, 7, 4.1065590931064255, 4}, {8, 9, 8.2207177458211689, 6},
	};
	CHECK_INT(mlv_hclust(six, 6, 2, MLV_LINK_SINGLE, 0, 1, z, err,
	                     sizeof err), 0);
	check_rows(z, ws, 5, 1e-15);
	CHECK_INT(mlv_hclust(six, 6, 2, MLV_LINK_COMPLETE, 0, 2, z, err,
	                     sizeof err), 0);
	check_rows(z, wc, 5, 1e-15);
	CHECK_INT(mlv_hclust(six, 6, 2, MLV_LINK_AVERAGE, 0, 2, z, err,
	                     sizeof err), 0);
	check_rows(z, wa, 5, 1e-15);
}

/* Ties resolve as in scipy: merges of equal height keep the order the
 * algorithm found them in, and the clusters are numbered after sorting.
 *   S = [[0,0],[1,0],[0,1],[1,1],[5,5]]; linkage(S, 'single'/'ward')
 *   L = [[0],[1],[2],[3]]; linkage(L, 'single') */
TEST(ties_in_scipy_order)
{
	const float sq[] = {0, 0, 1, 0, 0, 1, 1, 1, 5, 5};
	double z[4 * 4];
	char err[256];
	CHECK_INT(mlv_hclust(sq, 5, 2, MLV_LINK_SINGLE, 0, 1, z, err,
	                     sizeof err), 0);
	const double ws[4][4] = {
		{0, 1, 1, 2}, {2, 5, 1, 3}, {3, 6, 1, 4},
		{4, 7, 5.6568542494923806, 5},
	};
	check_rows(z, ws, 4, 1e-15);
	CHECK_INT(mlv_hclust(sq, 5, 2, MLV_LINK_WARD, 0, 1, z, err,
	                     sizeof err), 0);
	const double ww[4][4] = {
		{0, 1, 1, 2}, {2, 3, 1, 2}, {5, 6, 1.4142135623730951, 4},
		{4, 7, 8.0498447189992426, 5},
	};
	check_rows(z, ww, 4, 1e-15);
	CHECK_INT(mlv_hclust(sq, 5, 2, MLV_LINK_AVERAGE, 0, 1, z, err,
	                     sizeof err), 0);
	const double wa[4][4] = {
		{0, 1, 1, 2}, {2, 3, 1, 2}, {5, 6, 1.2071067811865475, 4},
		{4, 7, 6.3835426340558881, 5},
	};
	check_rows(z, wa, 4, 1e-15);
	const float line[] = {0, 1, 2, 3};
	double zl[3 * 4];
	CHECK_INT(mlv_hclust(line, 4, 1, MLV_LINK_SINGLE, 0, 1, zl, err,
	                     sizeof err), 0);
	const double wl[3][4] = {{0, 1, 1, 2}, {2, 4, 1, 3}, {3, 5, 1, 4}};
	check_rows(zl, wl, 3, 0);
}

/* Agglomerative clustering the slow way: merge the closest pair of
 * clusters, their distance computed from the definition each time. */
static void
naive_linkage(const float *x, size_t n, size_t d, mlv_linkage m,
              double *heights, int32_t *assign_at_k, size_t k)
{
	int32_t *c = malloc(n * sizeof *c);
	double *best = malloc(n * n * sizeof *best);
	size_t *size = calloc(n, sizeof *size);
	double *cen = calloc(n * d, sizeof *cen);
	for (size_t i = 0; i < n; i++) {
		c[i] = (int32_t)i;
		size[i] = 1;
		for (size_t j = 0; j < d; j++)
			cen[i * d + j] = x[i * d + j];
	}
	for (size_t step = 0; step + 1 < n; step++) {
		if (n - step == k)
			memcpy(assign_at_k, c, n * sizeof *c);
		for (size_t a = 0; a < n * n; a++)
			best[a] = m == MLV_LINK_SINGLE ? INFINITY
			          : m == MLV_LINK_WARD ? 0 : -1;
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n; j++) {
				size_t a = (size_t)c[i], b = (size_t)c[j];
				if (a >= b)
					continue;
				double s = 0;
				for (size_t t = 0; t < d; t++) {
					double u = (double)x[i * d + t] - x[j * d + t];
					s += u * u;
				}
				s = sqrt(s);
				double *v = &best[a * n + b];
				if (m == MLV_LINK_SINGLE)
					*v = s < *v ? s : *v;
				else if (m == MLV_LINK_COMPLETE)
					*v = s > *v ? s : *v;
				else if (m == MLV_LINK_AVERAGE)
					*v = (*v < 0 ? 0 : *v) + s / (double)(size[a] * size[b]);
			}
		double h = INFINITY;
		size_t ba = 0, bb = 0;
		for (size_t a = 0; a < n; a++)
			for (size_t b = a + 1; b < n; b++) {
				if (!size[a] || !size[b])
					continue;
				double v = best[a * n + b];
				if (m == MLV_LINK_WARD) {
					double s = 0;
					for (size_t t = 0; t < d; t++) {
						double u = cen[a * d + t] - cen[b * d + t];
						s += u * u;
					}
					v = sqrt(2.0 * size[a] * size[b] / (size[a] + size[b]) * s);
				}
				if (v < h) {
					h = v;
					ba = a;
					bb = b;
				}
			}
		heights[step] = h;
		for (size_t t = 0; t < d; t++)
			cen[ba * d + t] = (cen[ba * d + t] * size[ba] +
			                   cen[bb * d + t] * size[bb]) /
			                  (double)(size[ba] + size[bb]);
		size[ba] += size[bb];
		size[bb] = 0;
		for (size_t i = 0; i < n; i++)
			if ((size_t)c[i] == bb)
				c[i] = (int32_t)ba;
	}
	free(cen);
	free(size);
	free(best);
	free(c);
}

TEST(all_linkages_match_brute_force)
{
	size_t n = 45, d = 3, k = 4;
	float *x = test_normal_points(n, d, 11);
	double *z = malloc((n - 1) * 4 * sizeof *z), *h = malloc(n * sizeof *h);
	int32_t *want = malloc(n * sizeof *want), *got = malloc(n * sizeof *got);
	char err[256];
	for (int m = MLV_LINK_WARD; m <= MLV_LINK_AVERAGE; m++) {
		CHECK_INT(mlv_hclust(x, n, d, (mlv_linkage)m, 0, 2, z, err,
		                     sizeof err), 0);
		naive_linkage(x, n, d, (mlv_linkage)m, h, want, k);
		for (size_t i = 0; i + 1 < n; i++) {
			CHECK_NEAR(z[4 * i + 2], h[i], 1e-12);
			if (i)
				CHECK(z[4 * i + 2] >= z[4 * (i - 1) + 2]);
			CHECK(z[4 * i] < z[4 * i + 1]);
			CHECK(z[4 * i + 1] < (double)(n + i));
		}
		CHECK_INT(z[4 * (n - 2) + 3], n);
		size_t nc;
		CHECK_INT(mlv_hclust_cut_k(z, n, k, got, &nc, err, sizeof err), 0);
		CHECK_INT(nc, k);
		CHECK(same_partition(got, want, n));
	}
	free(got);
	free(want);
	free(h);
	free(z);
	free(x);
}

/* fcluster's numbers: a depth-first walk from the root, first part first.
 *   fcluster(Z_P_ward, k, 'maxclust') - 1, fcluster(Z, 3.5, 'distance') - 1
 *   Q = [[10],[0],[11],[1],[30],[5]]; fcluster(linkage(Q,'ward'), k,
 *   'maxclust') - 1 for k = 2, 3, 4 */
TEST(cut_by_k_and_by_height)
{
	double z[5 * 4];
	int32_t lab[6];
	size_t nc;
	char err[256];
	CHECK_INT(mlv_hclust(six, 6, 2, MLV_LINK_WARD, 0, 1, z, err, sizeof err),
	          0);
	const int32_t k2[] = {1, 1, 1, 1, 0, 0}, k3[] = {1, 1, 2, 2, 0, 0};
	CHECK_INT(mlv_hclust_cut_k(z, 6, 2, lab, &nc, err, sizeof err), 0);
	CHECK_INT(nc, 2);
	CHECK(!memcmp(lab, k2, sizeof k2));
	CHECK_INT(mlv_hclust_cut_k(z, 6, 3, lab, &nc, err, sizeof err), 0);
	CHECK(!memcmp(lab, k3, sizeof k3));
	CHECK_INT(mlv_hclust_cut_height(z, 6, 3.5, lab, &nc, err, sizeof err), 0);
	CHECK_INT(nc, 3);
	CHECK(!memcmp(lab, k3, sizeof k3));
	/* at a merge's own height the merge counts (<=) */
	CHECK_INT(mlv_hclust_cut_height(z, 6, 3, lab, &nc, err, sizeof err), 0);
	CHECK_INT(nc, 3);
	CHECK_INT(mlv_hclust_cut_height(z, 6, 2.999, lab, &nc, err, sizeof err),
	          0);
	CHECK_INT(nc, 4);
	CHECK_INT(mlv_hclust_cut_height(z, 6, 1e9, lab, &nc, err, sizeof err), 0);
	CHECK_INT(nc, 1);
	CHECK_INT(mlv_hclust_cut_k(z, 6, 1, lab, &nc, err, sizeof err), 0);
	CHECK(lab[0] == 0 && lab[5] == 0 && nc == 1);
	/* k >= n: every point alone, numbered in walk order (scipy 1.10
	 * gives n - 2 clusters here: its search never tries the lowest
	 * merge) */
	CHECK_INT(mlv_hclust_cut_k(z, 6, 6, lab, &nc, err, sizeof err), 0);
	CHECK_INT(nc, 6);
	const int32_t k6[] = {2, 3, 4, 5, 0, 1};
	CHECK(!memcmp(lab, k6, sizeof k6));

	const float q[] = {10, 0, 11, 1, 30, 5};
	CHECK_INT(mlv_hclust(q, 6, 1, MLV_LINK_WARD, 0, 1, z, err, sizeof err),
	          0);
	const int32_t q2[] = {0, 0, 0, 0, 1, 0}, q3[] = {0, 1, 0, 1, 2, 1},
	              q4[] = {0, 1, 0, 1, 3, 2};
	CHECK_INT(mlv_hclust_cut_k(z, 6, 2, lab, &nc, err, sizeof err), 0);
	CHECK(!memcmp(lab, q2, sizeof q2));
	CHECK_INT(mlv_hclust_cut_k(z, 6, 3, lab, &nc, err, sizeof err), 0);
	CHECK(!memcmp(lab, q3, sizeof q3));
	CHECK_INT(mlv_hclust_cut_k(z, 6, 4, lab, &nc, err, sizeof err), 0);
	CHECK(!memcmp(lab, q4, sizeof q4));

	/* equal heights cannot be split: four points 1 apart on a line
	 * (single linkage merges all at 1) give one cluster for any k < 4 */
	const float line[] = {0, 1, 2, 3};
	double zl[3 * 4];
	int32_t ll[4];
	CHECK_INT(mlv_hclust(line, 4, 1, MLV_LINK_SINGLE, 0, 1, zl, err,
	                     sizeof err), 0);
	CHECK_INT(mlv_hclust_cut_k(zl, 4, 3, ll, &nc, err, sizeof err), 0);
	CHECK_INT(nc, 1);
}

TEST(memory_cap_and_bad_input)
{
	char err[256] = "";
	double z[5 * 4];
	/* 20,000 points need 20000 * 19999 / 2 doubles = 1.5 GiB: refused
	 * before anything is allocated */
	float *big = calloc(20000, sizeof(float));
	CHECK_INT(mlv_hclust(big, 20000, 1, MLV_LINK_COMPLETE, (size_t)1 << 30, 1,
	                     NULL, err, sizeof err), -1);
	CHECK(strstr(err, "1.5 GiB") != NULL);
	CHECK(strstr(err, "1.0 GiB allowed") != NULL);
	CHECK_INT(mlv_hclust(big, 20000, 1, MLV_LINK_AVERAGE, 1000000, 1, NULL,
	                     err, sizeof err), -1);
	CHECK(strstr(err, "average linkage of 20000 points") != NULL);
	free(big);
	CHECK(mlv_hclust_bytes(20000, 1, MLV_LINK_COMPLETE) >
	      (size_t)20000 * 19999 / 2 * 8);
	CHECK(mlv_hclust_bytes(50000, 16, MLV_LINK_WARD) < 20000000);
	/* and Ward's O(n d) fits where the matrix would not */
	CHECK_INT(mlv_hclust(six, 6, 2, MLV_LINK_WARD, 4096, 1, z, err,
	                     sizeof err), 0);
	CHECK_INT(mlv_hclust(six, 6, 2, MLV_LINK_WARD, 100, 1, z, err,
	                     sizeof err), -1);

	CHECK_INT(mlv_hclust(six, 1, 2, MLV_LINK_WARD, 0, 1, z, err, sizeof err),
	          -1);
	CHECK(strstr(err, "at least 2 points") != NULL);
	const float nan[] = {0, 0, 1, NAN, 2, 2};
	CHECK_INT(mlv_hclust(nan, 3, 2, MLV_LINK_SINGLE, 0, 1, z, err, sizeof err),
	          -1);
	CHECK(strstr(err, "row 1 column 1") != NULL);
	mlv_linkage m;
	CHECK_INT(mlv_linkage_parse("average", &m), 0);
	CHECK_INT(m, MLV_LINK_AVERAGE);
	CHECK_INT(mlv_linkage_parse("centroid", &m), -1);
	CHECK_STR(mlv_linkage_name(MLV_LINK_WARD), "ward");

	/* trees that are not trees */
	int32_t lab[3];
	const double future[] = {0, 4, 1, 2, 2, 3, 2, 3};
	CHECK_INT(mlv_hclust_cut_k(future, 3, 2, lab, NULL, err, sizeof err), -1);
	CHECK(strstr(err, "row 0") != NULL);
	const double twice[] = {0, 1, 1, 2, 1, 2, 2, 2};
	CHECK_INT(mlv_hclust_cut_k(twice, 3, 2, lab, NULL, err, sizeof err), -1);
	CHECK(strstr(err, "merged twice") != NULL);
	const double size[] = {0, 1, 1, 2, 2, 3, 2, 2};
	CHECK_INT(mlv_hclust_cut_k(size, 3, 2, lab, NULL, err, sizeof err), -1);
	CHECK(strstr(err, "size 2") != NULL);
	const double good[] = {0, 1, 1, 2, 2, 3, 2, 3};
	CHECK_INT(mlv_hclust_cut_k(good, 3, 0, lab, NULL, err, sizeof err), -1);
	CHECK_INT(mlv_hclust_cut_height(good, 3, NAN, lab, NULL, err, sizeof err),
	          -1);
	CHECK_INT(mlv_hclust_cut_k(good, 3, 2, lab, NULL, err, sizeof err), 0);
	CHECK(lab[0] == lab[1] && lab[2] != lab[0]);
}

/* ---- k-means ----------------------------------------------------------- */

TEST(kmeans_recovers_blobs)
{
	size_t n = 800, d = 5, k = 4;
	float *x = blob_points(n, d, k, 1.0, 21);
	int32_t *lab = malloc(n * sizeof *lab), *truth = malloc(n * sizeof *truth);
	float cen[4 * 5];
	double inertia;
	int iter;
	char err[256];
	mlv_kmeans_opts o;
	mlv_kmeans_defaults(&o);
	o.k = k;
	o.seed = 5;
	o.nthreads = 2;
	CHECK_INT(mlv_kmeans(x, n, d, &o, lab, cen, &inertia, &iter, err,
	                     sizeof err), 0);
	for (size_t i = 0; i < n; i++)
		truth[i] = (int32_t)(i % k);
	CHECK(same_partition(lab, truth, n));
	CHECK(iter >= 1 && iter <= 10);
	/* centroids are the clusters' means; inertia the squared distances */
	double sse = 0;
	for (size_t c = 0; c < k; c++) {
		double mean[5] = {0};
		size_t cnt = 0;
		for (size_t i = 0; i < n; i++)
			if ((size_t)lab[i] == c) {
				cnt++;
				for (size_t j = 0; j < d; j++)
					mean[j] += x[i * d + j];
			}
		CHECK_INT(cnt, n / k);
		for (size_t j = 0; j < d; j++)
			CHECK_NEAR(cen[c * d + j], mean[j] / (double)cnt, 1e-5);
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++) {
			double t = x[i * d + j] - cen[lab[i] * d + j];
			sse += t * t;
		}
	CHECK_NEAR(inertia, sse, 1e-5);
	/* about d per point for unit-variance blobs */
	CHECK(inertia > 0.8 * (double)(n * d) && inertia < 1.2 * (double)(n * d));
	free(truth);
	free(lab);
	free(x);
}

TEST(kmeans_same_for_any_thread_count)
{
	size_t n = 3000, d = 6, k = 7;
	float *x = test_normal_points(n, d, 31);
	int32_t *l1 = malloc(n * sizeof *l1), *l2 = malloc(n * sizeof *l2);
	float c1[7 * 6], c2[7 * 6];
	double in1, in2;
	int it1, it2;
	char err[256];
	mlv_kmeans_opts o;
	mlv_kmeans_defaults(&o);
	o.k = k;
	o.n_init = 3;
	o.seed = 99;
	o.nthreads = 1;
	CHECK_INT(mlv_kmeans(x, n, d, &o, l1, c1, &in1, &it1, err, sizeof err), 0);
	int counts[] = {2, 3, 5};
	for (int t = 0; t < 3; t++) {
		o.nthreads = counts[t];
		CHECK_INT(mlv_kmeans(x, n, d, &o, l2, c2, &in2, &it2, err, sizeof err),
		          0);
		CHECK(!memcmp(l1, l2, n * sizeof *l1));
		CHECK(!memcmp(c1, c2, sizeof c1));
		CHECK(in1 == in2);
		CHECK_INT(it1, it2);
	}
	CHECK(it1 > 1);
	/* another seed, another start; more restarts never do worse than
	 * their first */
	o.seed = 100;
	o.n_init = 1;
	CHECK_INT(mlv_kmeans(x, n, d, &o, l2, c2, &in2, &it2, err, sizeof err), 0);
	CHECK(memcmp(l1, l2, n * sizeof *l1) != 0);
	double one = in2;
	o.n_init = 4;
	CHECK_INT(mlv_kmeans(x, n, d, &o, l2, c2, &in2, &it2, err, sizeof err), 0);
	CHECK(in2 <= one);
	o.max_iter = 1;
	o.n_init = 1;
	CHECK_INT(mlv_kmeans(x, n, d, &o, l2, c2, &in2, &it2, err, sizeof err), 0);
	CHECK_INT(it2, 1);
	free(l2);
	free(l1);
	free(x);
}

TEST(kmeans_duplicates_and_empty_clusters)
{
	/* three distinct points, each four times */
	const float base[3][2] = {{0, 0}, {10, 0}, {0, 10}};
	float x[12 * 2];
	for (int i = 0; i < 12; i++) {
		x[2 * i] = base[i % 3][0];
		x[2 * i + 1] = base[i % 3][1];
	}
	int32_t lab[12], truth[12];
	for (int i = 0; i < 12; i++)
		truth[i] = i % 3;
	float cen[5 * 2];
	double inertia;
	char err[256];
	mlv_kmeans_opts o;
	mlv_kmeans_defaults(&o);
	o.k = 3;
	o.n_init = 2;
	CHECK_INT(mlv_kmeans(x, 12, 2, &o, lab, cen, &inertia, NULL, err,
	                   sizeof err), 0);
	CHECK(same_partition(lab, truth, 12));
	CHECK_NEAR(inertia, 0, 1e-9);
	/* more clusters than distinct points: still an answer, no loop */
	o.k = 5;
	CHECK_INT(mlv_kmeans(x, 12, 2, &o, lab, cen, &inertia, NULL, err,
	                   sizeof err), 0);
	CHECK_NEAR(inertia, 0, 1e-9);
	for (int i = 0; i < 12; i++)
		CHECK(lab[i] >= 0 && lab[i] < 5);
	/* k = n = 1 */
	o.k = 1;
	CHECK_INT(mlv_kmeans(x, 1, 2, &o, lab, cen, &inertia, NULL, err,
	                   sizeof err), 0);
	CHECK_INT(lab[0], 0);
	CHECK(cen[0] == 0 && cen[1] == 0);
}

TEST(kmeans_bad_parameters)
{
	float x[8] = {0, 1, 2, 3, 4, 5, 6, 7};
	int32_t lab[4];
	char err[256];
	mlv_kmeans_opts o;
	mlv_kmeans_defaults(&o);
	o.k = 5;
	CHECK_INT(mlv_kmeans(x, 4, 2, &o, lab, NULL, NULL, NULL, err, sizeof err),
	          -1);
	CHECK(strstr(err, "k 5 must be between 1 and the number of points, 4"));
	o.k = 0;
	CHECK_INT(mlv_kmeans(x, 4, 2, &o, lab, NULL, NULL, NULL, err, sizeof err),
	          -1);
	o.k = 2;
	o.max_iter = 0;
	CHECK_INT(mlv_kmeans(x, 4, 2, &o, lab, NULL, NULL, NULL, err, sizeof err),
	          -1);
	o.max_iter = 10;
	o.tol = NAN;
	CHECK_INT(mlv_kmeans(x, 4, 2, &o, lab, NULL, NULL, NULL, err, sizeof err),
	          -1);
	o.tol = 1e-4;
	x[5] = NAN;
	CHECK_INT(mlv_kmeans(x, 4, 2, &o, lab, NULL, NULL, NULL, err, sizeof err),
	          -1);
	CHECK(strstr(err, "row 2 column 1 is nan") != NULL);
	x[5] = INFINITY;
	CHECK_INT(mlv_kmeans(x, 4, 2, &o, lab, NULL, NULL, NULL, err, sizeof err),
	          -1);
	CHECK_INT(mlv_kmeans(x, 0, 2, &o, lab, NULL, NULL, NULL, err, sizeof err),
	          -1);
	CHECK_INT(mlv_kmeans(x, 4, 2, &o, lab, NULL, NULL, NULL, NULL, 0), -1);
}

/* ---- DBSCAN ------------------------------------------------------------ */

/* scikit-learn's DBSCAN, transcribed: brute-force neighbourhoods (double
 * distances <= eps), then dbscan_inner's depth-first expansion. */
static void
naive_dbscan(const float *x, size_t n, size_t d, double eps, size_t ms,
             int32_t *lab)
{
	uint8_t *nb = calloc(n * n, 1), *core = calloc(n, 1);
	size_t cap = 4 * n, *stack = malloc(cap * sizeof *stack);
	for (size_t i = 0; i < n; i++) {
		size_t cnt = 0;
		for (size_t j = 0; j < n; j++) {
			double s = 0;
			for (size_t t = 0; t < d; t++) {
				double u = (double)x[i * d + t] - x[j * d + t];
				s += u * u;
			}
			nb[i * n + j] = s <= eps * eps;
			cnt += nb[i * n + j];
		}
		core[i] = cnt >= ms;
		lab[i] = -1;
	}
	int32_t next = 0;
	for (size_t s = 0; s < n; s++) {
		if (lab[s] != -1 || !core[s])
			continue;
		size_t top = 0, i = s;
		for (;;) {
			if (lab[i] == -1) {
				lab[i] = next;
				if (core[i])
					for (size_t j = 0; j < n; j++)
						if (nb[i * n + j] && lab[j] == -1) {
							if (top == cap)
								stack = realloc(stack, (cap *= 2) *
								                sizeof *stack);
							stack[top++] = j;
						}
			}
			if (!top)
				break;
			i = stack[--top];
		}
		next++;
	}
	free(stack);
	free(core);
	free(nb);
}

/* 1-d, eps 10, min_samples 6 (the point itself counts):
 *   X = [23..28, 14, 0..5, 50, -10]
 *   DBSCAN(eps=10, min_samples=6).fit(X[:, None]).labels_
 *   -> [0 0 0 0 0 0 0 1 1 1 1 1 1 -1 1]
 * 14 has 5 neighbours within 10 (itself, 4, 5, 23, 24): not core, a
 * border point of both clusters, given to the one expanded first, that
 * of point 0; 50 is noise; -10 is 10 from 0, a border point. */
TEST(dbscan_noise_and_border_points)
{
	const float x[] = {23, 24, 25, 26, 27, 28, 14, 0, 1, 2, 3, 4, 5, 50, -10};
	const int32_t want[] = {0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, -1, 1};
	int32_t lab[15];
	uint8_t core[15];
	size_t nc;
	char err[256];
	CHECK_INT(mlv_dbscan(x, 15, 1, 10, 6, 1, lab, core, &nc, err, sizeof err),
	          0);
	CHECK(!memcmp(lab, want, sizeof want));
	CHECK_INT(nc, 2);
	CHECK(core[0] && core[12] && !core[6] && !core[13] && !core[14]);
	/* DBSCAN(eps=1, min_samples=3).fit([0,1,2,3.5,5,6,7,20]) ->
	 * [0 0 0 -1 1 1 1 -1] */
	const float y[] = {0, 1, 2, 3.5f, 5, 6, 7, 20};
	const int32_t wy[] = {0, 0, 0, -1, 1, 1, 1, -1};
	CHECK_INT(mlv_dbscan(y, 8, 1, 1, 3, 2, lab, NULL, &nc, err, sizeof err),
	          0);
	CHECK(!memcmp(lab, wy, sizeof wy));
	/* min_samples 1: every point is a core point */
	CHECK_INT(mlv_dbscan(y, 8, 1, 0.5, 1, 2, lab, NULL, &nc, err, sizeof err),
	          0);
	CHECK_INT(nc, 8);
	CHECK_INT(lab[7], 7);
}

TEST(dbscan_matches_brute_force)
{
	size_t n = 2500, d = 4;
	float *x = blob_points(n, d, 5, 1.3, 41);
	/* two points exactly eps = 1.5 apart, which are neighbours */
	for (size_t j = 0; j < d; j++)
		x[7 * d + j] = x[3 * d + j];
	x[3 * d] = 1.0f;
	x[7 * d] = 2.5f;
	int32_t *want = malloc(n * sizeof *want), *l1 = malloc(n * sizeof *l1),
	        *l3 = malloc(n * sizeof *l3);
	char err[256];
	const double eps[] = {0.6, 1.5, 3.0};
	const size_t ms[] = {4, 10, 40};
	for (int t = 0; t < 3; t++) {
		naive_dbscan(x, n, d, eps[t], ms[t], want);
		CHECK_INT(mlv_dbscan(x, n, d, eps[t], ms[t], 1, l1, NULL, NULL, err,
		                     sizeof err), 0);
		CHECK_INT(mlv_dbscan(x, n, d, eps[t], ms[t], 3, l3, NULL, NULL, err,
		                     sizeof err), 0);
		CHECK(!memcmp(l1, want, n * sizeof *l1));
		CHECK(!memcmp(l3, want, n * sizeof *l3));
		size_t noise = 0;
		int32_t top = -1;
		for (size_t i = 0; i < n; i++) {
			noise += l1[i] < 0;
			top = l1[i] > top ? l1[i] : top;
		}
		if (t == 0)
			CHECK(noise > 100 && top > 5);  /* sparse: noise and fragments */
		if (t == 2)
			CHECK(noise < 10 && top == 4);  /* the five blobs */
	}
	free(l3);
	free(l1);
	free(want);
	free(x);
}

TEST(dbscan_bad_parameters)
{
	float x[4] = {0, 1, 2, 3};
	int32_t lab[4];
	char err[256];
	CHECK_INT(mlv_dbscan(x, 4, 1, 0, 2, 1, lab, NULL, NULL, err, sizeof err),
	          -1);
	CHECK(strstr(err, "eps 0 must be") != NULL);
	CHECK_INT(mlv_dbscan(x, 4, 1, -1, 2, 1, lab, NULL, NULL, err, sizeof err),
	          -1);
	CHECK_INT(mlv_dbscan(x, 4, 1, NAN, 2, 1, lab, NULL, NULL, err, sizeof err),
	          -1);
	CHECK_INT(mlv_dbscan(x, 4, 1, INFINITY, 2, 1, lab, NULL, NULL, err,
	                     sizeof err), -1);
	CHECK_INT(mlv_dbscan(x, 4, 1, 1, 0, 1, lab, NULL, NULL, err, sizeof err),
	          -1);
	CHECK(strstr(err, "min_samples") != NULL);
	x[2] = NAN;
	CHECK_INT(mlv_dbscan(x, 4, 1, 1, 2, 1, lab, NULL, NULL, err, sizeof err),
	          -1);
	CHECK(strstr(err, "row 2") != NULL);
	/* one point: a cluster of its own if it is enough, else noise */
	CHECK_INT(mlv_dbscan(x, 1, 1, 1, 1, 1, lab, NULL, NULL, err, sizeof err),
	          0);
	CHECK_INT(lab[0], 0);
	CHECK_INT(mlv_dbscan(x, 1, 1, 1, 2, 1, lab, NULL, NULL, err, sizeof err),
	          0);
	CHECK_INT(lab[0], -1);
}

/* ---- scores ------------------------------------------------------------ */

/* from sklearn.metrics import adjusted_rand_score as ari,
 *     normalized_mutual_info_score as nmi, silhouette_score
 * t = [0,0,0,0,1,1,1,1,2,2,2,2,2,-1,-1]; p = [1,1,1,0,0,0,2,2,2,2,2,3,3,3,-1]
 * ari(t, p) = 0.28733031674208143, nmi(t, p) = 0.60364073586425693;
 * purity by hand: the clusters' majorities 1+2+3+3+2 = 11 of 15. */
TEST(scores_match_sklearn)
{
	const int32_t t[] = {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, -1, -1};
	const int32_t p[] = {1, 1, 1, 0, 0, 0, 2, 2, 2, 2, 2, 3, 3, 3, -1};
	CHECK_NEAR(mlv_ari(t, p, 15), 0.28733031674208143, 1e-15);
	CHECK_NEAR(mlv_ari(p, t, 15), 0.28733031674208143, 1e-15);
	CHECK_NEAR(mlv_nmi(t, p, 15), 0.60364073586425693, 1e-15);
	CHECK_NEAR(mlv_nmi(p, t, 15), 0.60364073586425693, 1e-15);
	CHECK_NEAR(mlv_purity(t, p, 15), 11.0 / 15, 1e-15);
	/* ari/nmi([0,0,1,1,2,2], [5,5,7,7,9,9]) = 1; a single cluster
	 * against three: 0 and 0; single against single: nmi 1, ari 1 */
	const int32_t a[] = {0, 0, 1, 1, 2, 2}, b[] = {5, 5, 7, 7, 9, 9};
	const int32_t one[] = {3, 3, 3, 3, 3, 3};
	CHECK_NEAR(mlv_ari(a, b, 6), 1, 0);
	CHECK_NEAR(mlv_nmi(a, b, 6), 1, 1e-15);
	CHECK_NEAR(mlv_purity(a, b, 6), 1, 0);
	CHECK_NEAR(mlv_ari(one, a, 6), 0, 0);
	CHECK_NEAR(mlv_nmi(one, a, 6), 0, 0);
	CHECK_NEAR(mlv_nmi(one, one, 6), 1, 0);
	CHECK_NEAR(mlv_ari(one, one, 6), 1, 0);
	CHECK_NEAR(mlv_purity(a, one, 6), 1.0 / 3, 1e-15);
}

/* X = np.array([[0,0],[0,1],[1,0],[1,1.5],[5,5],[5,6],[6,5],[6.5,6],
 *               [10,0],[2.5,3],[9,1],[.5,.5]], dtype=np.float32)
 * silhouette_score(X, [0,0,0,0,1,1,1,1,2,3,2,0]) = 0.61359286308288574
 *   (cluster 3 is one point, scored 0)
 * silhouette_score(X, [0,0,0,0,1,1,1,1,2,2,2,-1]) = 0.12902812659740448
 * (sklearn averages in float32 here, hence the 1e-6 tolerance) */
TEST(silhouette_matches_sklearn)
{
	const float x[] = {0, 0, 0, 1, 1, 0, 1, 1.5f, 5, 5, 5, 6, 6, 5, 6.5f, 6,
	                   10, 0, 2.5f, 3, 9, 1, 0.5f, 0.5f};
	const int32_t l1[] = {0, 0, 0, 0, 1, 1, 1, 1, 2, 3, 2, 0};
	const int32_t l2[] = {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, -1};
	double s;
	char err[256];
	CHECK_INT(mlv_silhouette(x, 12, 2, l1, 1, &s, err, sizeof err), 0);
	CHECK_NEAR(s, 0.61359286308288574, 1e-6);
	CHECK_INT(mlv_silhouette(x, 12, 2, l2, 3, &s, err, sizeof err), 0);
	CHECK_NEAR(s, 0.12902812659740448, 1e-6);
	const int32_t same[12] = {0};
	CHECK_INT(mlv_silhouette(x, 12, 2, same, 1, &s, err, sizeof err), -1);
	CHECK(strstr(err, "got 1") != NULL);
	int32_t each[12];
	for (int i = 0; i < 12; i++)
		each[i] = i;
	CHECK_INT(mlv_silhouette(x, 12, 2, each, 1, &s, err, sizeof err), -1);
}

/* Blobs: silhouette by brute force in double equals the blocked sgemm
 * one, for any thread count. */
TEST(silhouette_matches_brute_force)
{
	size_t n = 2700, d = 3; /* 900 a blob */
	float *x = blob_points(n, d, 3, 2.0, 51);
	int32_t *lab = malloc(n * sizeof *lab);
	for (size_t i = 0; i < n; i++)
		lab[i] = (int32_t)(i % 3);
	double want = 0;
	for (size_t i = 0; i < n; i++) {
		double sum[3] = {0};
		for (size_t j = 0; j < n; j++) {
			double s = 0;
			for (size_t t = 0; t < d; t++) {
				double u = (double)x[i * d + t] - x[j * d + t];
				s += u * u;
			}
			sum[lab[j]] += sqrt(s);
		}
		double a = sum[lab[i]] / (double)(n / 3 - 1), b = INFINITY;
		for (int c = 0; c < 3; c++)
			if (c != lab[i] && sum[c] / (double)(n / 3) < b)
				b = sum[c] / (double)(n / 3);
		want += (b - a) / (a > b ? a : b);
	}
	want /= (double)n;
	double s1, s2;
	char err[256];
	CHECK_INT(mlv_silhouette(x, n, d, lab, 1, &s1, err, sizeof err), 0);
	CHECK_INT(mlv_silhouette(x, n, d, lab, 2, &s2, err, sizeof err), 0);
	CHECK_NEAR(s1, want, 1e-6);
	CHECK(s1 == s2);
	CHECK(s1 > 0.5);
	free(lab);
	free(x);
}

/* k-means over shards: one assignment step's moments per cluster, by
 * hand; and Lloyd from given centres, on one process, reaches the labels
 * the merged shard steps reach. */
TEST(kmeans_shard_steps)
{
	float x[6 * 2] = {0, 0, 1, 0, 0, 1, 10, 10, 11, 10, 10, 12};
	double c[2 * 2] = {9, 9, 1, 1};
	mlv_moments m[2];
	int32_t lab[6];
	mlv_moments_init(&m[0], 2, 0);
	mlv_moments_init(&m[1], 2, 0);
	CHECK_INT(mlv_kmeans_assign_moments(x, 6, 2, c, 2, m, lab, NULL, 0), 0);
	for (int i = 0; i < 6; i++)
		CHECK_INT(lab[i], i < 3 ? 1 : 0);
	CHECK_NEAR(m[1].count, 3, 0);
	CHECK_NEAR(m[1].mean[0], 1.0 / 3, 1e-15);
	CHECK_NEAR(m[0].mean[1], 32.0 / 3, 1e-14);
	/* sum of squared deviations of 10, 10, 12 about 32/3 */
	CHECK_NEAR(m[0].m2[1], 8.0 / 3, 1e-13);
	/* Shards: the rows in two steps, merged, give the same moments. */
	mlv_moments a[2], b[2];
	for (int j = 0; j < 2; j++) {
		mlv_moments_init(&a[j], 2, 0);
		mlv_moments_init(&b[j], 2, 0);
	}
	CHECK_INT(mlv_kmeans_assign_moments(x, 4, 2, c, 2, a, NULL, NULL, 0), 0);
	CHECK_INT(mlv_kmeans_assign_moments(x + 8, 2, 2, c, 2, b, NULL, NULL, 0),
	          0);
	for (int j = 0; j < 2; j++) {
		CHECK_INT(mlv_moments_merge(&a[j], &b[j], NULL, 0), 0);
		CHECK_NEAR(a[j].count, m[j].count, 0);
		for (int l = 0; l < 2; l++) {
			CHECK_NEAR(a[j].mean[l], m[j].mean[l], 1e-14);
			CHECK_NEAR(a[j].m2[l], m[j].m2[l], 1e-13);
		}
		mlv_moments_free(&a[j]);
		mlv_moments_free(&b[j]);
	}
	/* Lloyd from these centres (k-means++ skipped): the same clusters,
	 * centroids the means. */
	mlv_kmeans_opts o;
	mlv_kmeans_defaults(&o);
	float init[4] = {9, 9, 1, 1}, cen[4];
	o.k = 2;
	o.init = init;
	o.nthreads = 1;
	CHECK_INT(mlv_kmeans(x, 6, 2, &o, lab, cen, NULL, NULL, NULL, 0), 0);
	for (int i = 0; i < 6; i++)
		CHECK_INT(lab[i], i < 3 ? 1 : 0);
	CHECK_NEAR(cen[2], 1.0 / 3, 1e-6);
	CHECK_NEAR(cen[1], 32.0 / 3, 1e-5);
	mlv_moments_free(&m[0]);
	mlv_moments_free(&m[1]);
}

int
main(void)
{
	RUN(ward_heights_by_hand);
	RUN(other_linkages_match_scipy);
	RUN(ties_in_scipy_order);
	RUN(all_linkages_match_brute_force);
	RUN(cut_by_k_and_by_height);
	RUN(memory_cap_and_bad_input);
	RUN(kmeans_recovers_blobs);
	RUN(kmeans_same_for_any_thread_count);
	RUN(kmeans_duplicates_and_empty_clusters);
	RUN(kmeans_bad_parameters);
	RUN(kmeans_shard_steps);
	RUN(dbscan_noise_and_border_points);
	RUN(dbscan_matches_brute_force);
	RUN(dbscan_bad_parameters);
	RUN(scores_match_sklearn);
	RUN(silhouette_matches_sklearn);
	RUN(silhouette_matches_brute_force);
	return TEST_EXIT();
}
