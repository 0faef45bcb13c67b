/* test-simmat.c - similarity matrices, top-K retrieval, Foote novelty,
 * peak picking and the column statistics behind the variance ranking. */
#include <stdlib.h>

#include "rng.h"
#include "simmat.h"
#include "stats.h"
#include "test.h"

static const mlv_sim_kind kinds[] = {MLV_SIM_COSINE, MLV_SIM_DOT,
                                     MLV_SIM_EUCLIDEAN, MLV_SIM_CORRELATION};

/* The measure in double, straight from its definition. */
static double
ref_sim(mlv_sim_kind kind, const float *a, const float *b, size_t d)
{
	double ma = 0, mb = 0, ab = 0, aa = 0, bb = 0, dd = 0;
	if (kind == MLV_SIM_CORRELATION) {
		for (size_t j = 0; j < d; j++) {
			ma += a[j];
			mb += b[j];
		}
		ma /= (double)d;
		mb /= (double)d;
	}
	for (size_t j = 0; j < d; j++) {
		double x = a[j] - ma, y = b[j] - mb;
		ab += x * y;
		aa += x * x;
		bb += y * y;
		dd += ((double)a[j] - b[j]) * ((double)a[j] - b[j]);
	}
	switch (kind) {
	case MLV_SIM_DOT:
		return ab;
	case MLV_SIM_EUCLIDEAN:
		return sqrt(dd);
	default:
		return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0;
	}
}

TEST(names_round_trip)
{
	for (size_t i = 0; i < 4; i++) {
		mlv_sim_kind k;
		CHECK_INT(mlv_sim_parse(mlv_sim_name(kinds[i]), &k), 0);
		CHECK_INT(k, kinds[i]);
	}
	mlv_sim_kind k;
	CHECK_INT(mlv_sim_parse("cosinus", &k), -1);
	CHECK_STR(mlv_sim_name((mlv_sim_kind)9), "?");
	CHECK_INT(mlv_sim_larger_is_closer(MLV_SIM_EUCLIDEAN), 0);
	CHECK_INT(mlv_sim_larger_is_closer(MLV_SIM_COSINE), 1);
}

/* Orthogonal, parallel, opposite and zero rows, checked by hand. */
TEST(hand_checked_matrices)
{
	float a[] = {
		1, 0, 0,   /* 0: e1 */
		0, 2, 0,   /* 1: 2 e2, orthogonal to e1 */
		3, 0, 0,   /* 2: parallel to e1 */
		0, 0, 0,   /* 3: zero */
		-1, 0, 0,  /* 4: opposite to e1 */
		1, 1, 0,   /* 5: 45 degrees */
	};
	float s[36];
	char err[128];
	CHECK_INT(mlv_simmat(MLV_SIM_COSINE, a, 6, 3, NULL, 0, 0, s, 2, err,
	                     sizeof err), 0);
	CHECK(s[0 * 6 + 0] == 1 && s[1 * 6 + 1] == 1 && s[5 * 6 + 5] == 1);
	CHECK(s[3 * 6 + 3] == 0);          /* zero row: 0, even with itself */
	CHECK_NEAR(s[0 * 6 + 1], 0, 1e-7);
	CHECK_NEAR(s[0 * 6 + 2], 1, 1e-7);
	CHECK(s[0 * 6 + 2] <= 1);          /* clamped */
	CHECK_NEAR(s[2 * 6 + 4], -1, 1e-7);
	CHECK(s[0 * 6 + 3] == 0 && s[3 * 6 + 5] == 0);
	CHECK_NEAR(s[0 * 6 + 5], sqrt(0.5), 1e-6);
	CHECK_NEAR(s[1 * 6 + 5], sqrt(0.5), 1e-6);

	CHECK_INT(mlv_simmat(MLV_SIM_DOT, a, 6, 3, NULL, 0, 0, s, 1, err,
	                     sizeof err), 0);
	CHECK(s[0 * 6 + 2] == 3 && s[1 * 6 + 1] == 4 && s[2 * 6 + 4] == -3);
	CHECK(s[1 * 6 + 5] == 2 && s[3 * 6 + 3] == 0 && s[0 * 6 + 1] == 0);

	CHECK_INT(mlv_simmat(MLV_SIM_EUCLIDEAN, a, 6, 3, NULL, 0, 0, s, 1, err,
	                     sizeof err), 0);
	for (int i = 0; i < 6; i++)
		CHECK(s[i * 6 + i] == 0);
	CHECK_NEAR(s[0 * 6 + 2], 2, 1e-6);
	CHECK_NEAR(s[1 * 6 + 4], sqrt(5), 1e-6);
	CHECK_NEAR(s[3 * 6 + 2], 3, 1e-6);
	CHECK_NEAR(s[0 * 6 + 4], 2, 1e-6);
	CHECK_NEAR(s[4 * 6 + 0], 2, 1e-6);

	float c[] = {
		1, 2, 3,   /* 0 */
		2, 4, 6,   /* 1: 2 x row 0: r = 1 */
		3, 2, 1,   /* 2: reversed: r = -1 */
		5, 5, 5,   /* 3: constant: r = 0 with everything */
		1, 0, 0,   /* 4 */
		0, 1, 0,   /* 5: r(4, 5) = -1/2 */
	};
	CHECK_INT(mlv_simmat(MLV_SIM_CORRELATION, c, 6, 3, NULL, 0, 0, s, 2,
	                     err, sizeof err), 0);
	CHECK_NEAR(s[0 * 6 + 1], 1, 1e-6);
	CHECK_NEAR(s[0 * 6 + 2], -1, 1e-6);
	CHECK(s[0 * 6 + 3] == 0 && s[3 * 6 + 3] == 0 && s[3 * 6 + 5] == 0);
	CHECK_NEAR(s[4 * 6 + 5], -0.5, 1e-6);
	CHECK(s[0] == 1 && s[4 * 6 + 4] == 1);

	/* A cross matrix, 2 x 3: rows of a against rows of c. */
	float x[6];
	CHECK_INT(mlv_simmat(MLV_SIM_DOT, a, 2, 3, c, 3, 3, x, 1, err,
	                     sizeof err), 0);
	CHECK(x[0] == 1 && x[1] == 2 && x[2] == 3);
	CHECK(x[3] == 4 && x[4] == 8 && x[5] == 4);
}

typedef struct {
	float *dst;
	size_t nb, next, calls, stop_after;
	int order_ok;
} sink;

static int
collect(void *ctx, size_t row0, size_t nrows, const float *rows, size_t nb)
{
	sink *k = ctx;
	k->order_ok &= row0 == k->next && nb == k->nb && nrows > 0;
	memcpy(k->dst + row0 * nb, rows, nrows * nb * sizeof(float));
	k->next = row0 + nrows;
	k->calls++;
	return k->stop_after && k->calls == k->stop_after ? 7 : 0;
}

/* Sizes that are no multiple of the tiles (64 or 256 rows, 2048 columns)
 * nor of the bands, against double precision. */
TEST(block_boundaries_match_double_reference)
{
	size_t na = 300, nb = 2100, dims[] = {7, 100};
	char err[128];
	for (size_t di = 0; di < 2; di++) {
		size_t d = dims[di];
		float *a = test_normal_points(na, d, 10 + di), *b = test_normal_points(nb, d, 20);
		float *s = malloc(na * nb * sizeof(float));
		float *t = malloc(na * nb * sizeof(float));
		for (size_t ki = 0; ki < 4; ki++) {
			mlv_sim_kind kind = kinds[ki];
			CHECK_INT(mlv_simmat(kind, a, na, d, b, nb, d, s, 2, err,
			                     sizeof err), 0);
			double worst = 0;
			for (size_t i = 0; i < na; i++)
				for (size_t j = 0; j < nb; j++) {
					double want = ref_sim(kind, a + i * d, b + j * d, d);
					double scale = kind == MLV_SIM_DOT ||
					        kind == MLV_SIM_EUCLIDEAN ? sqrt((double)d) : 1;
					double e = fabs(s[i * nb + j] - want) / scale;
					worst = e > worst ? e : worst;
				}
			if (worst > 5e-6)
				printf("#   %s d=%zu: max error %g\n", mlv_sim_name(kind), d,
				       worst);
			CHECK(worst <= 5e-6);
			/* Streamed bands: in order, and the same bits. */
			sink k = {.dst = t, .nb = nb, .order_ok = 1};
			CHECK_INT(mlv_simmat_stream(kind, a, na, d, b, nb, d, 1,
			                            collect, &k, err, sizeof err), 0);
			CHECK(k.order_ok && k.next == na);
			CHECK(!memcmp(s, t, na * nb * sizeof(float)));
		}
		free(a);
		free(b);
		free(s);
		free(t);
	}
}

TEST(self_agrees_with_cross)
{
	size_t n = 333, d = 13;
	float *a = test_normal_points(n, d, 3), *s = malloc(n * n * sizeof(float));
	float *c = malloc(n * n * sizeof(float));
	char err[128];
	for (size_t ki = 0; ki < 4; ki++) {
		mlv_sim_kind kind = kinds[ki];
		CHECK_INT(mlv_simmat(kind, a, n, d, NULL, 0, 0, s, 2, err,
		                     sizeof err), 0);
		CHECK_INT(mlv_simmat(kind, a, n, d, a, n, d, c, 2, err,
		                     sizeof err), 0);
		double worst = 0, asym = 0;
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n; j++) {
				double e = fabs(s[i * n + j] - c[i * n + j]);
				/* Off the diagonal the two are the same computation;
				 * on it self is exact and cross is rounded. */
				if (i != j)
					worst = e > worst ? e : worst;
				else if (kind == MLV_SIM_EUCLIDEAN)
					CHECK(s[i * n + i] == 0 &&
					      c[i * n + i] <= 2e-3 * sqrt(ref_sim(MLV_SIM_DOT,
					      a + i * d, a + i * d, d)));
				else if (kind != MLV_SIM_DOT)
					CHECK(s[i * n + i] == 1 && fabs(c[i * n + i] - 1) < 1e-6);
				/* s[i][j] and s[j][i] may come from different
				 * kernels (OpenBLAS's edge tiles round differently
				 * on some CPUs): a few ulps of |a_i| |a_j|, the
				 * scale of a dot product's rounding error. */
				e = fabs(s[i * n + j] - s[j * n + i]) / fmax(1,
				    sqrt(ref_sim(MLV_SIM_DOT, a + i * d, a + i * d, d) *
				         ref_sim(MLV_SIM_DOT, a + j * d, a + j * d, d)));
				asym = e > asym ? e : asym;
			}
		CHECK(worst == 0);
		CHECK(asym <= 1e-6);
	}
	free(a);
	free(s);
	free(c);
}

TEST(same_bits_for_any_thread_count)
{
	/* Short and tall tiles (64 and 256 rows), several bands each. */
	size_t nas[] = {700, 300}, nbs[] = {4500, 17000}, ds[] = {24, 100};
	char err[128];
	for (int c = 0; c < 2; c++) {
		size_t na = nas[c], nb = nbs[c], d = ds[c];
		float *a = test_normal_points(na, d, 4), *b = test_normal_points(nb, d, 5);
		float *s1 = malloc(na * nb * sizeof(float));
		float *s = malloc(na * nb * sizeof(float));
		for (size_t ki = 0; ki < 4; ki++) {
			CHECK_INT(mlv_simmat(kinds[ki], a, na, d, b, nb, d, s1, 1, err,
			                     sizeof err), 0);
			for (int th = 1; th <= 3; th++) {
				sink k = {.dst = s, .nb = nb, .order_ok = 1};
				CHECK_INT(mlv_simmat_stream(kinds[ki], a, na, d, b, nb, d,
				                            th, collect, &k, err, sizeof err),
				          0);
				CHECK(k.order_ok && k.next == na && k.calls > 1);
				CHECK(!memcmp(s1, s, na * nb * sizeof(float)));
			}
			CHECK_INT(mlv_simmat(kinds[ki], a, na, d, b, nb, d, s, 3, err,
			                     sizeof err), 0);
			CHECK(!memcmp(s1, s, na * nb * sizeof(float)));
		}
		free(a);
		free(b);
		free(s1);
		free(s);
	}
}

TEST(callback_stops_the_stream)
{
	size_t n = 2000, d = 4;
	float *a = test_normal_points(n, d, 6), *t = malloc(n * n * sizeof(float));
	sink k = {.dst = t, .nb = n, .order_ok = 1, .stop_after = 1};
	char err[64];
	CHECK_INT(mlv_simmat_stream(MLV_SIM_COSINE, a, n, d, NULL, 0, 0, 2,
	                            collect, &k, err, sizeof err), 7);
	CHECK_INT(k.calls, 1);
	CHECK(k.next < n);
	free(a);
	free(t);
}

/* ---- retrieval ---------------------------------------------------- */

/* Rank r of each query's list is right when no more than r collection
 * rows are strictly closer (beyond tol) and its value matches its
 * index's double-precision value. */
static int
topk_matches_brute_force(mlv_sim_kind kind, const float *q, size_t nq,
                         const float *x, size_t n, size_t d, size_t k,
                         int self, const uint32_t *idx, const float *val,
                         double tol)
{
	double sign = mlv_sim_larger_is_closer(kind) ? 1 : -1;
	double *all = malloc(n * sizeof(double));
	int good = 1;
	for (size_t i = 0; i < nq && good; i++) {
		for (size_t j = 0; j < n; j++)
			all[j] = sign * ref_sim(kind, q + i * d, x + j * d, d);
		for (size_t r = 0; r < k; r++) {
			uint32_t j = idx[i * k + r];
			size_t closer = 0;
			for (size_t m = 0; m < n; m++)
				closer += !(self && m == i) && all[m] > all[j] + tol;
			if (j >= n || (self && j == i) || closer > r ||
			    fabs(val[i * k + r] - sign * all[j]) > tol ||
			    (r && sign * val[i * k + r] > sign * val[i * k + r - 1])) {
				printf("#   %s query %zu rank %zu: index %u value %g, "
				       "%zu closer\n", mlv_sim_name(kind), i, r, j,
				       val[i * k + r], closer);
				good = 0;
				break;
			}
		}
	}
	free(all);
	return good;
}

/* Identical rows far from the origin are at distance 0 exactly, which
 * the expansion |q|^2 + |x|^2 - 2 q.x misses by cancellation. */
TEST(topk_distances_are_exact)
{
	size_t n = 50, d = 16, k = 3;
	float *x = test_normal_points(n, d, 9);
	for (size_t i = 0; i < n * d; i++)
		x[i] = 100 + x[i];
	memcpy(x + 7 * d, x + 3 * d, d * sizeof *x);
	uint32_t idx[3];
	float val[3];
	char err[128];
	CHECK_INT(mlv_sim_topk(MLV_SIM_EUCLIDEAN, x + 3 * d, 1, d, x, n, d, k,
	                       idx, val, 1, err, sizeof err), 0);
	CHECK(idx[0] == 3 && val[0] == 0 && idx[1] == 7 && val[1] == 0);
	double ref = 0;
	for (size_t j = 0; j < d; j++)
		ref += ((double)x[3 * d + j] - x[idx[2] * d + j]) *
		       ((double)x[3 * d + j] - x[idx[2] * d + j]);
	CHECK(fabs(val[2] - sqrt(ref)) <= 1e-6 * sqrt(ref));
	free(x);
}

TEST(topk_matches_brute_force)
{
	/* More queries than a query block (256), more rows than a point
	 * block (2048). */
	size_t n = 2300, nq = 300, d = 8, k = 7;
	float *x = test_normal_points(n, d, 7), *q = test_normal_points(nq, d, 8);
	uint32_t *idx = malloc(n * k * sizeof *idx);
	float *val = malloc(n * k * sizeof *val);
	float *s = malloc(nq * n * sizeof *s);
	char err[128];
	for (size_t ki = 0; ki < 4; ki++) {
		mlv_sim_kind kind = kinds[ki];
		double tol = kind == MLV_SIM_COSINE || kind == MLV_SIM_CORRELATION ?
		        2e-6 : 2e-5 * d;
		CHECK_INT(mlv_sim_topk(kind, q, nq, d, x, n, d, k, idx, val, 2, err,
		                       sizeof err), 0);
		CHECK(topk_matches_brute_force(kind, q, nq, x, n, d, k, 0, idx, val,
		                               tol));
		/* The values are the matrix's, computed the same way, except
		 * distances, which top-k recomputes from the differences. */
		CHECK_INT(mlv_simmat(kind, q, nq, d, x, n, d, s, 2, err,
		                     sizeof err), 0);
		double worst = 0;
		for (size_t i = 0; i < nq; i++)
			for (size_t r = 0; r < k; r++) {
				double e = fabs(val[i * k + r] - s[i * n + idx[i * k + r]]);
				worst = e > worst ? e : worst;
			}
		CHECK(worst <= (kind == MLV_SIM_EUCLIDEAN ? tol : 1e-6));
		/* Self: the collection's rows as queries, themselves left out. */
		CHECK_INT(mlv_sim_topk(kind, x, n, d, NULL, 0, 0, k, idx, val, 2,
		                       err, sizeof err), 0);
		CHECK(topk_matches_brute_force(kind, x, 400, x, n, d, k, 1, idx,
		                               val, tol));
	}
	free(s);
	free(x);
	free(q);
	free(idx);
	free(val);
}

/* A collection of 50 distinct rows, each repeated many times: copies of
 * a row have bitwise equal values, so each list must be the copies of
 * the closest distinct rows in increasing index. */
TEST(topk_ties_go_to_the_lower_index)
{
	size_t n = 3000, d = 6, k = 12, nq = 40, nd = 50;
	float *distinct = test_normal_points(nd, d, 9);
	float *x = malloc(n * d * sizeof(float));
	uint32_t *id = malloc(n * sizeof *id);
	mlv_rng g;
	mlv_rng_seed(&g, 10);
	for (size_t i = 0; i < n; i++) {
		id[i] = (uint32_t)mlv_rng_below(&g, nd);
		memcpy(x + i * d, distinct + id[i] * d, d * sizeof(float));
	}
	uint32_t *idx = malloc(n * k * sizeof *idx), *want = malloc(k * sizeof *want);
	float *val = malloc(n * k * sizeof *val);
	uint32_t *idx2 = malloc(nq * k * sizeof *idx2);
	float *val2 = malloc(nq * k * sizeof *val2);
	double *dv = malloc(nd * sizeof(double));
	uint32_t *dorder = malloc(nd * sizeof *dorder);
	char err[128];
	for (size_t ki = 0; ki < 4; ki++) {
		mlv_sim_kind kind = kinds[ki];
		double sign = mlv_sim_larger_is_closer(kind) ? 1 : -1;
		for (int self = 0; self <= 1; self++) {
			CHECK_INT(mlv_sim_topk(kind, x, self ? n : nq, d,
			                       self ? NULL : x, n, d, k, idx, val, 1, err,
			                       sizeof err), 0);
			int same = 1;
			for (size_t i = 0; i < nq; i++) {
				/* Distinct rows by closeness, then their copies by
				 * index (the query's own row left out for self). */
				for (size_t c = 0; c < nd; c++)
					dv[c] = sign * ref_sim(kind, x + i * d, distinct + c * d, d);
				mlv_rank_desc(dv, nd, dorder);
				size_t got = 0;
				for (size_t c = 0; c < nd && got < k; c++)
					for (size_t j = 0; j < n && got < k; j++)
						if (id[j] == dorder[c] && !(self && j == i))
							want[got++] = (uint32_t)j;
				for (size_t r = 0; r < k; r++)
					same &= idx[i * k + r] == want[r];
			}
			if (!same)
				printf("#   %s self=%d: lists differ from brute force\n",
				       mlv_sim_name(kind), self);
			CHECK(same);
		}
		for (int th = 2; th <= 3; th++) {
			CHECK_INT(mlv_sim_topk(kind, x, nq, d, x, n, d, k, idx2, val2,
			                       th, err, sizeof err), 0);
			CHECK_INT(mlv_sim_topk(kind, x, nq, d, x, n, d, k, idx, val,
			                       1, err, sizeof err), 0);
			CHECK(!memcmp(idx, idx2, nq * k * sizeof *idx));
			CHECK(!memcmp(val, val2, nq * k * sizeof *val));
		}
	}
	free(distinct);
	free(x);
	free(id);
	free(idx);
	free(want);
	free(val);
	free(idx2);
	free(val2);
	free(dv);
	free(dorder);
}

TEST(topk_thread_count_does_not_matter)
{
	size_t n = 2600, d = 16, k = 5;
	float *x = test_normal_points(n, d, 11);
	uint32_t *i1 = malloc(n * k * sizeof *i1), *i2 = malloc(n * k * sizeof *i2);
	float *v1 = malloc(n * k * sizeof *v1), *v2 = malloc(n * k * sizeof *v2);
	char err[128];
	for (size_t ki = 0; ki < 4; ki++) {
		CHECK_INT(mlv_sim_topk(kinds[ki], x, n, d, NULL, 0, 0, k, i1, v1, 1,
		                       err, sizeof err), 0);
		CHECK_INT(mlv_sim_topk(kinds[ki], x, n, d, NULL, 0, 0, k, i2, v2, 3,
		                       err, sizeof err), 0);
		CHECK(!memcmp(i1, i2, n * k * sizeof *i1));
		CHECK(!memcmp(v1, v2, n * k * sizeof *v1));
	}
	free(x);
	free(i1);
	free(i2);
	free(v1);
	free(v2);
}

/* ---- novelty and peaks -------------------------------------------- */

/* Sections of 6, 9 and 5 rows: 1 within a section, `across` between. */
static void
block_diagonal(float *s, float across)
{
	int sec[20];
	for (int i = 0; i < 20; i++)
		sec[i] = i < 6 ? 0 : i < 15 ? 1 : 2;
	for (int i = 0; i < 20; i++)
		for (int j = 0; j < 20; j++)
			s[i * 20 + j] = sec[i] == sec[j] ? 1 : across;
}

TEST(novelty_finds_block_boundaries)
{
	float s[400], nov[20];
	uint32_t peaks[10];
	size_t np;
	char err[128];
	block_diagonal(s, 0);
	for (size_t L = 2; L <= 5; L++) {
		CHECK_INT(mlv_novelty(s, 20, L, 0, nov, err, sizeof err), 0);
		/* Two whole quadrants of 1 out of a kernel of mass 1. */
		CHECK_NEAR(nov[6], 0.5, 1e-6);
		CHECK_NEAR(nov[15], 0.5, 1e-6);
		/* Inside a section, the kernel within it: +within -cross = 0. */
		if (L <= 4)
			CHECK_NEAR(nov[10], 0, 1e-6);
		/* Row 0 sees only its own section: one quadrant. */
		CHECK_NEAR(nov[0], 0.25, 1e-6);
		CHECK_INT(mlv_pick_peaks(nov, 20, 0.3, 2, peaks, &np, err,
		                         sizeof err), 0);
		CHECK_INT(np, 2);
		CHECK_INT(peaks[0], 6);
		CHECK_INT(peaks[1], 15);
	}
	/* Sections that are merely less alike (0.4) and a box kernel. */
	block_diagonal(s, 0.4f);
	CHECK_INT(mlv_novelty(s, 20, 3, 1e9, nov, err, sizeof err), 0);
	CHECK_NEAR(nov[6], 0.5 * 0.6, 1e-6);
	CHECK_INT(mlv_pick_peaks(nov, 20, 0.5, 3, peaks, &np, err, sizeof err), 0);
	CHECK(np == 2 && peaks[0] == 6 && peaks[1] == 15);
	/* The kernel by hand, L = 2, sigma = 1: offsets -3/2 .. 3/2 weigh
	 * e^-1, 1, 1, e^-1 relative to the centre (the taper divided by
	 * its central value cancels in Z), Z = (2 + 2/e)^2.  A single 1 on
	 * the diagonal at row 5 is seen by rows 4 .. 7; an off-diagonal
	 * pair (5, 6), (6, 5) straddles row 6 and counts against it. */
	memset(s, 0, sizeof s);
	s[5 * 20 + 5] = 1;
	double z = (2 + 2 / M_E) * (2 + 2 / M_E);
	CHECK_INT(mlv_novelty(s, 20, 2, 1, nov, err, sizeof err), 0);
	CHECK_NEAR(nov[4], exp(-2) / z, 1e-6);
	CHECK_NEAR(nov[5], 1 / z, 1e-6);
	CHECK_NEAR(nov[6], 1 / z, 1e-6);
	CHECK_NEAR(nov[7], exp(-2) / z, 1e-6);
	CHECK(nov[3] == 0 && nov[8] == 0);
	s[5 * 20 + 5] = 0;
	s[5 * 20 + 6] = s[6 * 20 + 5] = 1;
	CHECK_INT(mlv_novelty(s, 20, 2, 1, nov, err, sizeof err), 0);
	CHECK_NEAR(nov[6], -2 / z, 1e-6);
	CHECK_NEAR(nov[5], 2 * exp(-1) / z, 1e-6);  /* rows 5, 6 after row 5 */
	/* sigma 0 means L / 2: the same as sigma 1 for L = 2. */
	float nov2[20];
	CHECK_INT(mlv_novelty(s, 20, 2, 0, nov2, err, sizeof err), 0);
	CHECK(!memcmp(nov, nov2, sizeof nov));
}

/* The whole path: latents of three sections -> cosine -> novelty. */
TEST(novelty_of_cosine_self_similarity)
{
	size_t n = 20, d = 16;
	mlv_rng g;
	mlv_rng_seed(&g, 12);
	float centre[3][16], x[20 * 16], s[400], nov[20];
	for (int c = 0; c < 3; c++)
		for (size_t j = 0; j < d; j++)
			centre[c][j] = (float)fabs(mlv_rng_normal(&g));
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++)
			x[i * d + j] = centre[i < 6 ? 0 : i < 15 ? 1 : 2][j] +
			               0.1f * (float)mlv_rng_normal(&g);
	char err[128];
	CHECK_INT(mlv_simmat(MLV_SIM_COSINE, x, n, d, NULL, 0, 0, s, 2, err,
	                     sizeof err), 0);
	uint32_t peaks[10];
	size_t np;
	for (size_t L = 2; L <= 4; L++) {
		CHECK_INT(mlv_novelty(s, n, L, 0, nov, err, sizeof err), 0);
		CHECK_INT(mlv_pick_peaks(nov, n, 0.5, 2, peaks, &np, err,
		                         sizeof err), 0);
		CHECK(np == 2 && peaks[0] == 6 && peaks[1] == 15);
	}
}

TEST(peak_picking_rule)
{
	uint32_t p[8];
	size_t np = 99;
	char err[128];
	float flat[] = {2, 2, 2, 2, 2};
	CHECK_INT(mlv_pick_peaks(flat, 5, 0, 0, p, &np, err, sizeof err), 0);
	CHECK_INT(np, 0);
	/* Maxima at the ends are never peaks. */
	float ends[] = {9, 1, 0, 1, 9};
	CHECK_INT(mlv_pick_peaks(ends, 5, 0, 0, p, &np, err, sizeof err), 0);
	CHECK_INT(np, 0);
	float rising[] = {0, 1, 2, 3};
	CHECK_INT(mlv_pick_peaks(rising, 4, 0, 0, p, &np, err, sizeof err), 0);
	CHECK_INT(np, 0);
	/* Plateaus: the middle row, rounded down; one running into an end
	 * is not a maximum. */
	float odd[] = {0, 1, 1, 1, 0}, even[] = {0, 1, 1, 0}, edge[] = {0, 1, 1};
	CHECK_INT(mlv_pick_peaks(odd, 5, 0, 0, p, &np, err, sizeof err), 0);
	CHECK(np == 1 && p[0] == 2);
	CHECK_INT(mlv_pick_peaks(even, 4, 0, 0, p, &np, err, sizeof err), 0);
	CHECK(np == 1 && p[0] == 1);
	CHECK_INT(mlv_pick_peaks(edge, 3, 0, 0, p, &np, err, sizeof err), 0);
	CHECK_INT(np, 0);
	/* Threshold relative to the range of rows 1 .. n-2 (here 0 .. 5;
	 * the 100 at the end does not count). */
	float c[] = {0, 5, 0, 4, 0, 3, 0, 1, 100};
	CHECK_INT(mlv_pick_peaks(c, 9, 0, 0, p, &np, err, sizeof err), 0);
	CHECK(np == 3 && p[0] == 1 && p[1] == 3 && p[2] == 5);
	CHECK_INT(mlv_pick_peaks(c, 9, 0.7, 0, p, &np, err, sizeof err), 0);
	CHECK(np == 2 && p[0] == 1 && p[1] == 3);   /* >= 3.5 */
	CHECK_INT(mlv_pick_peaks(c, 9, 0.8, 0, p, &np, err, sizeof err), 0);
	CHECK(np == 2 && p[0] == 1 && p[1] == 3);   /* >= 4: equal counts */
	CHECK_INT(mlv_pick_peaks(c, 9, 1, 0, p, &np, err, sizeof err), 0);
	CHECK(np == 1 && p[0] == 1);
	/* Minimum distance: highest first; 3 is 2 rows from 1 and goes. */
	CHECK_INT(mlv_pick_peaks(c, 9, 0, 3, p, &np, err, sizeof err), 0);
	CHECK(np == 2 && p[0] == 1 && p[1] == 5);
	CHECK_INT(mlv_pick_peaks(c, 9, 0, 2, p, &np, err, sizeof err), 0);
	CHECK_INT(np, 3);
	/* Equal heights: the lower row wins. */
	float tie[] = {0, 2, 0, 2, 0};
	CHECK_INT(mlv_pick_peaks(tie, 5, 0, 3, p, &np, err, sizeof err), 0);
	CHECK(np == 1 && p[0] == 1);
	CHECK_INT(mlv_pick_peaks(tie, 2, 0, 0, p, &np, err, sizeof err), 0);
	CHECK_INT(np, 0);
	CHECK_INT(mlv_pick_peaks(tie, 0, 0, 0, p, &np, err, sizeof err), 0);
	CHECK_INT(np, 0);
}

/* ---- column statistics and the variance ranking --------------------- */

TEST(column_stats_match_double_reference)
{
	size_t rows = 1001, cols = 9;
	float *x = test_normal_points(rows, cols, 13);
	/* A large offset on some columns: the float values carry ~1e-3
	 * resolution, the variance must still come out right. */
	for (size_t i = 0; i < rows; i++)
		for (size_t j = 0; j < cols; j++)
			x[i * cols + j] = x[i * cols + j] * (float)(j + 1) +
			                  (j % 2 ? 1e4f : 0);
	double mean[9], var[9];
	mlv_column_stats(x, rows, cols, mean, var);
	for (size_t j = 0; j < cols; j++) {
		long double m = 0, v = 0;
		for (size_t i = 0; i < rows; i++)
			m += x[i * cols + j];
		m /= rows;
		for (size_t i = 0; i < rows; i++)
			v += (x[i * cols + j] - m) * (x[i * cols + j] - m);
		v /= rows;
		CHECK_NEAR(mean[j], (double)m, 1e-12);
		CHECK_NEAR(var[j], (double)v, 1e-10);
	}
	float h[] = {1, 10, 2, 10, 3, 10, 6, 10};  /* 4 rows x 2 */
	mlv_column_stats(h, 4, 2, mean, var);
	CHECK(mean[0] == 3 && var[0] == 3.5 && mean[1] == 10 && var[1] == 0);
	mlv_column_stats(h, 0, 2, mean, var);
	CHECK(isnan(mean[0]) && isnan(var[1]));
	free(x);
}

TEST(variance_ranking)
{
	double v[] = {0.1, 0.3, 0.3, NAN, 0.2, 0.3, -1};
	uint32_t o[7];
	mlv_rank_desc(v, 7, o);
	uint32_t want[] = {1, 2, 5, 4, 0, 6, 3};
	for (int i = 0; i < 7; i++)
		CHECK_INT(o[i], want[i]);
	/* The panel's use: the columns of a selection by variance. */
	float x[] = {0, 5, 1, 1, 5, 2, 2, 5, 9};  /* 3 rows x 3 */
	double mean[3], var[3];
	uint32_t order[3];
	mlv_column_stats(x, 3, 3, mean, var);
	mlv_rank_desc(var, 3, order);
	CHECK(order[0] == 2 && order[1] == 0 && order[2] == 1);
	mlv_rank_desc(v, 0, o);
}

/* ---- bad parameters ------------------------------------------------ */

#define CHECK_FAILS(call, words) do { \
	err[0] = 0; \
	CHECK_INT(call, -1); \
	CHECK(strstr(err, words) != NULL); \
	if (!strstr(err, words)) \
		printf("#   message: \"%s\"\n", err); \
} while (0)

static int
never(void *ctx, size_t r0, size_t nr, const float *rows, size_t nb)
{
	(void)ctx, (void)r0, (void)nr, (void)rows, (void)nb;
	return 0;
}

TEST(bad_parameters_return_minus_one_with_a_message)
{
	float a[] = {1, 2, 3, 4, 5, 6}, s[16], nov[4], val[8];
	uint32_t idx[8], p[4];
	size_t np;
	char err[160];
	CHECK_FAILS(mlv_simmat(MLV_SIM_COSINE, a, 2, 0, NULL, 0, 0, s, 1, err,
	                       sizeof err), "zero width");
	CHECK_FAILS(mlv_simmat(MLV_SIM_COSINE, a, 2, 3, a, 3, 2, s, 1, err,
	                       sizeof err), "width mismatch");
	CHECK_FAILS(mlv_simmat_stream(MLV_SIM_DOT, a, 2, 3, a, 3, 2, 1, never,
	                              NULL, err, sizeof err), "width mismatch");
	CHECK_FAILS(mlv_simmat((mlv_sim_kind)7, a, 2, 3, NULL, 0, 0, s, 1, err,
	                       sizeof err), "unknown");
	float bad[] = {1, 2, NAN, 4, 5, 6};
	CHECK_FAILS(mlv_simmat(MLV_SIM_DOT, a, 2, 3, bad, 2, 3, s, 1, err,
	                       sizeof err), "second matrix: row 0 column 2");
	CHECK_FAILS(mlv_simmat(MLV_SIM_DOT, bad, 2, 3, NULL, 0, 0, s, 1, err,
	                       sizeof err), "row 0 column 2: non-finite");
	CHECK_FAILS(mlv_sim_topk(MLV_SIM_COSINE, a, 2, 3, a, 2, 3, 3, idx, val,
	                         1, err, sizeof err), "k = 3");
	CHECK_FAILS(mlv_sim_topk(MLV_SIM_EUCLIDEAN, a, 2, 3, NULL, 0, 0, 2, idx,
	                         val, 1, err, sizeof err), "besides the query");
	CHECK_FAILS(mlv_sim_topk(MLV_SIM_COSINE, a, 2, 3, a, 2, 3, 0, idx, val,
	                         1, err, sizeof err), "k is 0");
	CHECK_FAILS(mlv_sim_topk(MLV_SIM_DOT, a, 2, 3, a, 3, 2, 1, idx, val, 1,
	                         err, sizeof err), "width mismatch");
	CHECK_FAILS(mlv_sim_topk(MLV_SIM_DOT, a, 2, 0, a, 2, 0, 1, idx, val, 1,
	                         err, sizeof err), "zero width");
	CHECK_FAILS(mlv_sim_topk(MLV_SIM_DOT, a, 2, 3, bad, 2, 3, 1, idx, val,
	                         1, err, sizeof err), "collection: row 0");
	/* k equal to what is there is fine. */
	CHECK_INT(mlv_sim_topk(MLV_SIM_EUCLIDEAN, a, 2, 3, NULL, 0, 0, 1, idx,
	                       val, 1, err, sizeof err), 0);
	CHECK(idx[0] == 1 && idx[1] == 0 && fabs(val[0] - sqrt(27)) < 1e-5);
	float sq[16] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
	CHECK_FAILS(mlv_novelty(sq, 4, 0, 0, nov, err, sizeof err),
	            "half-width 0");
	CHECK_FAILS(mlv_novelty(sq, 4, 2, -1, nov, err, sizeof err), "sigma");
	CHECK_FAILS(mlv_novelty(sq, 4, 2, INFINITY, nov, err, sizeof err),
	            "sigma");
	sq[5] = NAN;
	CHECK_FAILS(mlv_novelty(sq, 4, 2, 0, nov, err, sizeof err),
	            "non-finite");
	CHECK_FAILS(mlv_pick_peaks(nov, 4, 1.5, 0, p, &np, err, sizeof err),
	            "threshold");
	CHECK_FAILS(mlv_pick_peaks(nov, 4, 0.5, 0, p, &np, err, sizeof err),
	            "non-finite");
	/* Empty inputs are not errors: no rows, no calls. */
	CHECK_INT(mlv_simmat_stream(MLV_SIM_COSINE, a, 0, 3, NULL, 0, 0, 1,
	                            never, NULL, err, sizeof err), 0);
	CHECK_INT(mlv_novelty(sq, 0, 2, 0, nov, err, sizeof err), 0);
}

int
main(void)
{
	RUN(names_round_trip);
	RUN(hand_checked_matrices);
	RUN(block_boundaries_match_double_reference);
	RUN(self_agrees_with_cross);
	RUN(same_bits_for_any_thread_count);
	RUN(callback_stops_the_stream);
	RUN(topk_matches_brute_force);
	RUN(topk_distances_are_exact);
	RUN(topk_ties_go_to_the_lower_index);
	RUN(topk_thread_count_does_not_matter);
	RUN(novelty_finds_block_boundaries);
	RUN(novelty_of_cosine_self_similarity);
	RUN(peak_picking_rule);
	RUN(column_stats_match_double_reference);
	RUN(variance_ranking);
	RUN(bad_parameters_return_minus_one_with_a_message);
	return TEST_EXIT();
}
