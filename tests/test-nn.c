/* test-nn.c - layers, gradients, Adam and training of lib/nn.
 *
 * Gradient checks.  Every layer kind and activation is checked against
 * central differences: the layer runs in float, as in training; the scalar
 * checked is L = sum_i R_i out_i for fixed random R (so dL/dout = R), summed
 * in double; the numerical derivative of each input and parameter is
 * (L(p + h) - L(p - h)) / 2h with h = 1e-2 for single layers.  With float
 * outputs the rounding of L is about 1e-7 |L|, which the division by 2h
 * turns into ~1e-5, and the O(h^2) truncation of these smooth functions is
 * of the same order.  Whole networks use h = 1e-3: a parameter moved by h
 * moves many pre-activations downstream, and one within reach of a ReLU's
 * kink would spoil the difference (their MSE losses are ~0.1, so the
 * rounding term stays ~1e-5).  The bound is
 *     |numerical - analytic| <= 1e-2 * max(|numerical|, |analytic|) + 2e-3
 * for every element (relative 1%, absolute 2e-3 near zero).  Observed
 * errors are printed for every check.  ReLU inputs are kept well away from
 * the kink (5h for the single layer; more than 10h, asserted, in networks).
 */
#include <cblas.h>
#include <stdlib.h>

#include "nn.h"
#include "rng.h"
#include "test.h"

#define GC_H 1e-2f
#define GC_RTOL 1e-2
#define GC_ATOL 2e-3

static void
fill_uniform(float *x, size_t n, float lo, float hi, mlv_rng *g)
{
	for (size_t i = 0; i < n; i++)
		x[i] = lo + (hi - lo) * (float)mlv_rng_uniform(g);
}

/* Values of magnitude in [0.1, 1] with random signs: away from relu's kink
 * at 0 by more than the finite-difference step. */
static void
fill_away_from_zero(float *x, size_t n, mlv_rng *g)
{
	for (size_t i = 0; i < n; i++) {
		float v = 0.1f + 0.9f * (float)mlv_rng_uniform(g);
		x[i] = mlv_rng_uniform(g) < 0.5 ? -v : v;
	}
}

/* A problem for the checker: variables to perturb, their analytic
 * gradients, and a function computing the scalar L. */
#define GC_MAXVARS 6
typedef struct {
	const char *name;
	size_t nvars;
	float *var[GC_MAXVARS];
	float *grad[GC_MAXVARS];
	size_t len[GC_MAXVARS];
	const char *varname[GC_MAXVARS];
	double (*loss)(void *ctx);
	void *ctx;
	float h;        /* finite-difference step */
} gc_problem;

/* Compare every analytic gradient with central differences; returns the
 * number of elements outside the bound and prints the worst one. */
static int
gradcheck(gc_problem *p)
{
	int bad = 0;
	double overall = 0;
	float h = p->h;
	for (size_t v = 0; v < p->nvars; v++) {
		double worst = 0, wnum = 0, wana = 0;
		size_t wi = 0;
		int vbad = 0;
		for (size_t i = 0; i < p->len[v]; i++) {
			float keep = p->var[v][i];
			p->var[v][i] = keep + h;
			double lp = p->loss(p->ctx);
			p->var[v][i] = keep - h;
			double lm = p->loss(p->ctx);
			p->var[v][i] = keep;
			/* The step actually taken, in float. */
			double step = (double)(keep + h) - (double)(keep - h);
			double num = (lp - lm) / step;
			double ana = p->grad[v][i];
			double scale = fabs(num) > fabs(ana) ? fabs(num) : fabs(ana);
			if (fabs(num - ana) > GC_RTOL * scale + GC_ATOL)
				vbad++;
			/* Relative error, measured against 1e-2 at least so that
			 * near-zero gradients do not dominate the report. */
			double rel = fabs(num - ana) / (scale > 1e-2 ? scale : 1e-2);
			if (rel > worst) {
				worst = rel;
				wnum = num;
				wana = ana;
				wi = i;
			}
		}
		if (vbad)
			printf("#   %s: %s: %d elements out of bounds; worst %s[%zu]: "
			       "numerical %.6g, analytic %.6g\n", p->name,
			       p->varname[v], vbad, p->varname[v], wi, wnum, wana);
		bad += vbad;
		overall = worst > overall ? worst : overall;
	}
	printf("#   %s: worst relative error %.2g\n", p->name, overall);
	return bad;
}

static double
weighted_sum(const float *out, const float *r, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += (double)out[i] * r[i];
	return s;
}

/* ---- matrix products ---- */

TEST(gemm_matches_naive_for_every_transpose_and_stride)
{
	mlv_rng g;
	mlv_rng_seed(&g, 1);
	size_t m = 37, n = 29, k = 45, pad = 3;
	float *a = malloc((m + pad) * (k + pad) * sizeof(float));
	float *b = malloc((n + pad) * (k + pad) * sizeof(float));
	float *c1 = malloc(m * (n + pad) * sizeof(float));
	float *c2 = malloc(m * (n + pad) * sizeof(float));
	fill_uniform(a, (m + pad) * (k + pad), -1, 1, &g);
	fill_uniform(b, (n + pad) * (k + pad), -1, 1, &g);
	for (int ta = 0; ta < 2; ta++)
		for (int tb = 0; tb < 2; tb++) {
			/* Leading dimensions wider than the matrices, beta 0.5. */
			size_t lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad;
			size_t ldc = n + pad;
			fill_uniform(c1, m * ldc, -1, 1, &g);
			memcpy(c2, c1, m * ldc * sizeof(float));
			mlv_nn_gemm(ta, tb, m, n, k, 0.75f, a, lda, b, ldb, 0.5f, c1, ldc);
			mlv_nn_gemm_naive(ta, tb, m, n, k, 0.75f, a, lda, b, ldb, 0.5f,
			                  c2, ldc);
			double worst = 0;
			for (size_t i = 0; i < m; i++)
				for (size_t j = 0; j < ldc; j++) {
					double d = fabs((double)c1[i * ldc + j] - c2[i * ldc + j]);
					if (j >= n) /* padding untouched */
						CHECK(c1[i * ldc + j] == c2[i * ldc + j]);
					worst = d > worst ? d : worst;
				}
			/* Sums of 45 products of magnitude <= 1 in float: 1e-5. */
			CHECK_NEAR(worst, 0, 1e-5);
		}
	/* A hand-computed product: [1 2; 3 4] . [5 6; 7 8]^T = [17 23; 39 53]. */
	float x[] = {1, 2, 3, 4}, y[] = {5, 6, 7, 8}, z[4];
	mlv_nn_gemm(0, 1, 2, 2, 2, 1, x, 2, y, 2, 0, z, 2);
	CHECK(z[0] == 17 && z[1] == 23 && z[2] == 39 && z[3] == 53);
	free(a);
	free(b);
	free(c1);
	free(c2);
}

/* ---- dense ---- */

typedef struct {
	size_t n, in, units;
	float *x, *w, *b, *out, *r;
} dense_ctx;

static double
dense_loss(void *p)
{
	dense_ctx *c = p;
	mlv_nn_dense_forward(c->out, c->x, c->w, c->b, c->n, c->in, c->units);
	return weighted_sum(c->out, c->r, c->n * c->units);
}

TEST(gradcheck_dense)
{
	mlv_rng g;
	mlv_rng_seed(&g, 2);
	dense_ctx c = {.n = 3, .in = 5, .units = 4};
	float x[15], w[20], b[4], out[12], r[12];
	float dx[15] = {0}, dw[20] = {0}, db[4] = {0};
	c.x = x, c.w = w, c.b = b, c.out = out, c.r = r;
	fill_uniform(x, 15, -1, 1, &g);
	fill_uniform(w, 20, -1, 1, &g);
	fill_uniform(b, 4, -1, 1, &g);
	fill_uniform(r, 12, -1, 1, &g);
	dense_loss(&c);
	mlv_nn_dense_backward(dx, dw, db, r, x, w, 3, 5, 4);
	gc_problem p = {"dense", 3, {x, w, b}, {dx, dw, db}, {15, 20, 4},
	                {"inp", "w", "b"}, dense_loss, &c, GC_H};
	CHECK_INT(gradcheck(&p), 0);
	/* Backward adds: a second call doubles every gradient. */
	float dw1 = dw[7];
	mlv_nn_dense_backward(dx, dw, db, r, x, w, 3, 5, 4);
	CHECK_NEAR(dw[7], 2 * dw1, 1e-6);
	/* Forward by hand: out[0][0] = b0 + sum_j x0j w0j. */
	double want = b[0];
	for (int j = 0; j < 5; j++)
		want += (double)x[j] * w[j];
	CHECK_NEAR(out[0], want, 1e-6);
}

/* ---- activations ---- */

typedef struct {
	size_t n;
	mlv_nn_act act;
	float slope;
	float *x, *out, *r;
} act_ctx;

static double
act_loss(void *p)
{
	act_ctx *c = p;
	mlv_nn_act_forward(c->out, c->x, c->n, c->act, c->slope);
	return weighted_sum(c->out, c->r, c->n);
}

TEST(gradcheck_every_activation)
{
	for (int a = 0; a < MLV_ACT_COUNT; a++) {
		mlv_rng g;
		mlv_rng_seed(&g, 3 + (uint64_t)a);
		float x[40], out[40], r[40], dx[40] = {0};
		act_ctx c = {40, (mlv_nn_act)a, 0.1f, x, out, r};
		fill_away_from_zero(x, 40, &g);
		for (int i = 0; i < 40; i++) /* larger inputs reach saturation */
			x[i] *= 3;
		fill_uniform(r, 40, -1, 1, &g);
		act_loss(&c);
		mlv_nn_act_backward(dx, r, x, out, 40, c.act, c.slope);
		gc_problem p = {mlv_nn_act_name(c.act), 1, {x}, {dx}, {40}, {"inp"},
		                act_loss, &c, GC_H};
		CHECK_INT(gradcheck(&p), 0);
	}
	/* Values by hand. */
	float in[] = {-2, 0, 3}, o[3];
	mlv_nn_act_forward(o, in, 3, MLV_ACT_LEAKY_RELU, 0.2f);
	CHECK(o[0] == -0.4f && o[1] == 0 && o[2] == 3);
	mlv_nn_act_forward(o, in, 3, MLV_ACT_SIGMOID, 0);
	CHECK_NEAR(o[0], 1 / (1 + exp(2.0)), 1e-7);
	CHECK_NEAR(o[1], 0.5, 1e-7);
	mlv_nn_act_forward(o, in, 3, MLV_ACT_TANH, 0);
	CHECK_NEAR(o[2], tanh(3.0), 1e-7);
	mlv_nn_act_forward(o, in, 3, MLV_ACT_RELU, 0);
	CHECK(o[0] == 0 && o[1] == 0 && o[2] == 3);
	mlv_nn_act act;
	CHECK_INT(mlv_nn_act_parse("leaky_relu", &act), 0);
	CHECK_INT(act, MLV_ACT_LEAKY_RELU);
	CHECK_INT(mlv_nn_act_parse("softplus", &act), -1);
}

/* The tanh activation (and the LSTM's) uses its own expf-based tanh:
 * within 3 units in the last place of tanh in double, over 4 million
 * points spread through [-12, 12], and exactly odd. */
TEST(tanh_is_accurate_to_3_ulp)
{
	enum { N = 1 << 16 };
	static float x[N], y[N];
	double worst = 0;
	float wx = 0;
	for (int block = 0; block < 64; block++) {
		/* Geometric blocks from 1e-8 to 12: small inputs matter. */
		double lo = 1e-8 * pow(12 / 1e-8, block / 64.0);
		double hi = 1e-8 * pow(12 / 1e-8, (block + 1) / 64.0);
		for (int i = 0; i < N; i++)
			x[i] = (float)(lo + (hi - lo) * i / N) * (i % 2 ? -1 : 1);
		mlv_nn_act_forward(y, x, N, MLV_ACT_TANH, 0);
		for (int i = 0; i < N; i++) {
			double want = tanh((double)x[i]);
			float w = (float)fabs(want);
			double ulp = nextafterf(w, INFINITY) - w;
			double e = fabs(y[i] - want) / ulp;
			if (e > worst) {
				worst = e;
				wx = x[i];
			}
		}
	}
	printf("#   tanh: worst %.2f ulp at %g\n", worst, (double)wx);
	CHECK(worst <= 3);
	float p[] = {0.7f, 20, 1e-30f}, q[] = {-0.7f, -20, -1e-30f}, pp[3], qq[3];
	mlv_nn_act_forward(pp, p, 3, MLV_ACT_TANH, 0);
	mlv_nn_act_forward(qq, q, 3, MLV_ACT_TANH, 0);
	CHECK(pp[0] == -qq[0] && pp[1] == 1 && qq[1] == -1 && pp[2] == 1e-30f);
}

/* ---- dropout ---- */

typedef struct {
	size_t n;
	float *x, *mask, *out, *r;
} drop_ctx;

static double
drop_loss(void *p)
{
	drop_ctx *c = p;
	mlv_nn_dropout_forward(c->out, c->x, c->mask, c->n);
	return weighted_sum(c->out, c->r, c->n);
}

TEST(gradcheck_dropout_with_fixed_mask)
{
	mlv_rng g;
	mlv_rng_seed(&g, 4);
	enum { N = 400 };
	float x[N], mask[N], out[N], r[N], dx[N] = {0};
	drop_ctx c = {N, x, mask, out, r};
	fill_uniform(x, N, -1, 1, &g);
	fill_uniform(r, N, -1, 1, &g);
	mlv_nn_dropout_mask(mask, &g, 0.5f, N);
	size_t zeros = 0;
	for (int i = 0; i < N; i++) {
		CHECK(mask[i] == 0 || mask[i] == 2);
		zeros += mask[i] == 0;
	}
	/* Binomial(400, 0.5): 200 +- 10 (sd), so [150, 250] is 5 sd. */
	CHECK(zeros > 150 && zeros < 250);
	drop_loss(&c);
	mlv_nn_dropout_backward(dx, r, mask, N);
	gc_problem p = {"dropout", 1, {x}, {dx}, {N}, {"inp"}, drop_loss, &c, GC_H};
	CHECK_INT(gradcheck(&p), 0);
}

/* ---- LSTM ---- */

typedef struct {
	size_t B, T, in, H;
	int seq;
	float *x, *wih, *whh, *bih, *bhh, *out, *cache, *r;
} lstm_ctx;

static double
lstm_loss(void *p)
{
	lstm_ctx *c = p;
	mlv_nn_lstm_forward(c->out, c->cache, c->x, c->wih, c->whh, c->bih,
	                    c->bhh, c->B, c->T, c->in, c->H, c->seq);
	return weighted_sum(c->out, c->r, c->B * (c->seq ? c->T : 1) * c->H);
}

/* PyTorch's LSTM equations written out per sample in double, as an
 * independent reference for the forward pass. */
static void
lstm_reference(double *out, const lstm_ctx *c)
{
	size_t H = c->H;
	for (size_t b = 0; b < c->B; b++) {
		double h[16] = {0}, cs[16] = {0};
		for (size_t t = 0; t < c->T; t++) {
			const float *xt = c->x + (b * c->T + t) * c->in;
			double gate[64], hn[16];
			for (size_t j = 0; j < 4 * H; j++) {
				double s = (double)c->bih[j] + c->bhh[j];
				for (size_t k = 0; k < c->in; k++)
					s += (double)c->wih[j * c->in + k] * xt[k];
				for (size_t k = 0; k < H; k++)
					s += (double)c->whh[j * H + k] * h[k];
				gate[j] = s;
			}
			for (size_t j = 0; j < H; j++) {
				double i = 1 / (1 + exp(-gate[j]));
				double f = 1 / (1 + exp(-gate[H + j]));
				double g = tanh(gate[2 * H + j]);
				double o = 1 / (1 + exp(-gate[3 * H + j]));
				cs[j] = f * cs[j] + i * g;
				hn[j] = o * tanh(cs[j]);
			}
			memcpy(h, hn, H * sizeof(double));
			if (c->seq)
				memcpy(out + (b * c->T + t) * H, h, H * sizeof(double));
		}
		if (!c->seq)
			memcpy(out + b * H, h, H * sizeof(double));
	}
}

static void
check_lstm(int seq)
{
	enum { B = 2, T = 3, IN = 4, H = 3 };
	mlv_rng g;
	mlv_rng_seed(&g, 5 + (uint64_t)seq);
	float x[B * T * IN], wih[4 * H * IN], whh[4 * H * H], bih[4 * H],
	      bhh[4 * H], out[B * T * H], r[B * T * H];
	float cache[B * 7 * T * H], scratch[B * (4 * T * H + 2 * H)];
	float dx[B * T * IN] = {0}, dwih[4 * H * IN] = {0},
	      dwhh[4 * H * H] = {0}, dbih[4 * H] = {0}, dbhh[4 * H] = {0};
	CHECK_INT(mlv_nn_lstm_cache_floats(T, H), 7 * T * H);
	CHECK_INT(mlv_nn_lstm_scratch_floats(T, H), 4 * T * H + 2 * H);
	lstm_ctx c = {B, T, IN, H, seq, x, wih, whh, bih, bhh, out, cache, r};
	fill_uniform(x, sizeof x / sizeof *x, -1, 1, &g);
	fill_uniform(wih, sizeof wih / sizeof *wih, -0.8f, 0.8f, &g);
	fill_uniform(whh, sizeof whh / sizeof *whh, -0.8f, 0.8f, &g);
	fill_uniform(bih, 4 * H, -0.5f, 0.5f, &g);
	fill_uniform(bhh, 4 * H, -0.5f, 0.5f, &g);
	fill_uniform(r, sizeof r / sizeof *r, -1, 1, &g);
	lstm_loss(&c);
	double ref[B * T * H];
	lstm_reference(ref, &c);
	size_t nout = B * (seq ? T : 1) * H;
	double worst = 0;
	for (size_t i = 0; i < nout; i++)
		worst = fmax(worst, fabs(out[i] - ref[i]));
	CHECK_NEAR(worst, 0, 1e-6);
	mlv_nn_lstm_backward(dx, dwih, dwhh, dbih, dbhh, scratch, r, cache, x,
	                     wih, whh, B, T, IN, H, seq);
	/* Both biases receive the same gradient. */
	CHECK(!memcmp(dbih, dbhh, sizeof dbih));
	gc_problem p = {seq ? "lstm sequence" : "lstm last", 5,
	                {x, wih, whh, bih, bhh}, {dx, dwih, dwhh, dbih, dbhh},
	                {B * T * IN, 4 * H * IN, 4 * H * H, 4 * H, 4 * H},
	                {"inp", "w_ih", "w_hh", "b_ih", "b_hh"}, lstm_loss, &c, GC_H};
	CHECK_INT(gradcheck(&p), 0);
}

TEST(gradcheck_lstm_returning_the_sequence)
{
	check_lstm(1);
}

TEST(gradcheck_lstm_returning_the_last_output)
{
	check_lstm(0);
}

/* ---- repeat ---- */

typedef struct {
	size_t B, T, F;
	float *x, *out, *r;
} rep_ctx;

static double
rep_loss(void *p)
{
	rep_ctx *c = p;
	mlv_nn_repeat_forward(c->out, c->x, c->B, c->T, c->F);
	return weighted_sum(c->out, c->r, c->B * c->T * c->F);
}

TEST(gradcheck_repeat)
{
	mlv_rng g;
	mlv_rng_seed(&g, 7);
	float x[2 * 3], out[2 * 4 * 3], r[2 * 4 * 3], dx[6] = {0};
	rep_ctx c = {2, 4, 3, x, out, r};
	fill_uniform(x, 6, -1, 1, &g);
	fill_uniform(r, 24, -1, 1, &g);
	rep_loss(&c);
	CHECK(out[0] == x[0] && out[3 * 3 + 2] == x[2] &&
	      out[(4 + 2) * 3 + 1] == x[3 + 1]);
	mlv_nn_repeat_backward(dx, r, 2, 4, 3);
	gc_problem p = {"repeat", 1, {x}, {dx}, {6}, {"inp"}, rep_loss, &c, GC_H};
	CHECK_INT(gradcheck(&p), 0);
}

/* ---- MSE ---- */

typedef struct {
	size_t n;
	float *y, *t;
} mse_ctx;

static double
mse_loss(void *p)
{
	mse_ctx *c = p;
	return mlv_nn_mse_forward(c->y, c->t, c->n);
}

TEST(gradcheck_mse)
{
	mlv_rng g;
	mlv_rng_seed(&g, 8);
	float y[30], t[30], dy[30] = {0};
	mse_ctx c = {30, y, t};
	fill_uniform(y, 30, -1, 1, &g);
	fill_uniform(t, 30, -1, 1, &g);
	mlv_nn_mse_backward(dy, y, t, 30);
	gc_problem p = {"mse", 1, {y}, {dy}, {30}, {"out"}, mse_loss, &c, GC_H};
	CHECK_INT(gradcheck(&p), 0);
	float a[] = {1, 2, 3, 4}, b[] = {1, 0, 3, 0}, err[2];
	CHECK_NEAR(mlv_nn_mse_forward(a, b, 4), (4.0 + 16.0) / 4, 1e-12);
	mlv_nn_mse_rows(err, a, b, 2, 2);
	CHECK(err[0] == 2 && err[1] == 8);
}

/* ---- cross-entropy ---- */

typedef struct {
	size_t n, classes;
	float *z, *t;
	const float *w;
} xent_ctx;

static double
xent_loss(void *p)
{
	xent_ctx *c = p;
	return mlv_nn_xent_forward(c->z, c->t, c->w, c->n, c->classes);
}

TEST(gradcheck_weighted_cross_entropy)
{
	mlv_rng g;
	mlv_rng_seed(&g, 21);
	float z[6 * 4], dz[6 * 4] = {0}, t[6] = {0, 3, 1, 1, 2, 0};
	const float w[4] = {0.5f, 2, 1, 3};
	fill_uniform(z, 24, -2, 2, &g);
	xent_ctx c = {6, 4, z, t, w};
	mlv_nn_xent_backward(dz, z, t, w, 6, 4);
	gc_problem p = {"cross_entropy", 1, {z}, {dz}, {24}, {"logits"},
	                xent_loss, &c, GC_H};
	CHECK_INT(gradcheck(&p), 0);
	/* By hand: logits (0, ln 3) and class 1: p = 3/4, loss -ln(3/4); with
	 * a second row (0, 0) of class 0 weighted 3 times less. */
	float z2[4] = {0, logf(3), 0, 0}, t2[2] = {1, 0}, w2[2] = {1, 3};
	CHECK_NEAR(mlv_nn_xent_forward(z2, t2, NULL, 1, 2), -log(0.75), 1e-7);
	CHECK_NEAR(mlv_nn_xent_forward(z2, t2, w2, 2, 2),
	           (3 * -log(0.75) + 1 * -log(0.5)) / 4, 1e-7);
	CHECK_INT(mlv_nn_xent_correct(z2, t2, 2, 2), 2);
}

/* ---- whole networks ---- */

static mlv_nn *
build(size_t steps, size_t features, const mlv_nn_spec *specs, size_t n,
      long latent, uint64_t seed, size_t batch)
{
	char err[256];
	mlv_nn *nn = mlv_nn_new(steps, features);
	for (size_t i = 0; i < n; i++)
		if (mlv_nn_add(nn, &specs[i], err, sizeof err) < 0) {
			printf("#   add layer %zu: %s\n", i, err);
			mlv_nn_free(nn);
			return NULL;
		}
	if (latent >= 0) {
		nn->latent = (size_t)latent;
		nn->has_latent = 1;
	}
	if (mlv_nn_build(nn, err, sizeof err) ||
	    mlv_nn_alloc(nn, batch, err, sizeof err)) {
		printf("#   %s\n", err);
		mlv_nn_free(nn);
		return NULL;
	}
	mlv_rng g;
	mlv_rng_stream(&g, seed, 0);
	mlv_nn_init(nn, &g);
	mlv_rng_stream(&nn->rng, seed, 1);
	return nn;
}

/* The paper's LSTM autoencoder in miniature, with dropout on its input:
 * dropout, lstm (last output = latent), repeat, lstm (sequence), dense. */
static const mlv_nn_spec lstm_ae[] = {
	{.kind = MLV_NN_DROPOUT, .rate = 0.25f},
	{.kind = MLV_NN_LSTM, .units = 3},
	{.kind = MLV_NN_REPEAT, .steps = 3},
	{.kind = MLV_NN_LSTM, .units = 3, .return_sequences = 1},
	{.kind = MLV_NN_DENSE, .units = 5},
	{.kind = MLV_NN_ACTIVATION, .act = MLV_ACT_LEAKY_RELU, .slope = 0.1f},
};

typedef struct {
	mlv_nn *nn;
	const float *x, *t;
	size_t batch;
	mlv_rng rng; /* the dropout stream, restored before every forward */
} net_ctx;

static double
net_loss(void *p)
{
	net_ctx *c = p;
	c->nn->rng = c->rng;
	mlv_nn_forward(c->nn, c->x, c->batch, 1);
	return mlv_nn_loss_value(c->nn, c->t, c->batch);
}

/* Analytic gradients of the network (parameters and input) at the
 * current point, with the same dropout masks as net_loss. */
static float *
net_gradients(net_ctx *c, float *dx)
{
	mlv_nn *nn = c->nn;
	nn->dinput = dx;
	mlv_nn_zero_grad(nn);
	net_loss(c);
	mlv_nn_backward(nn, c->x, c->t, c->batch);
	nn->dinput = NULL;
	float *grads = malloc(nn->nparams * sizeof(float));
	memcpy(grads, nn->grads, nn->nparams * sizeof(float));
	return grads;
}

TEST(gradcheck_whole_lstm_autoencoder_with_dropout)
{
	mlv_nn *nn = build(3, 5, lstm_ae, 6, 1, 11, 4);
	CHECK(nn != NULL);
	if (!nn)
		return;
	CHECK_INT(mlv_nn_out_size(nn), 15);
	CHECK_INT(mlv_nn_latent_size(nn), 3);
	/* PyTorch's parameter count: 4H(in+H) + 8H per LSTM, plus the dense. */
	CHECK_INT(nn->nparams, (12 * 8 + 24) + (12 * 6 + 24) + (5 * 3 + 5));
	mlv_rng g;
	mlv_rng_seed(&g, 12);
	float x[4 * 15], t[4 * 15], dx[4 * 15];
	fill_uniform(x, 60, -1, 1, &g);
	fill_uniform(t, 60, -1, 1, &g);
	net_ctx c = {nn, x, t, 4, nn->rng};
	float *grads = net_gradients(&c, dx);
	gc_problem p = {"lstm autoencoder", 2, {nn->params, x}, {grads, dx},
	                {nn->nparams, 60}, {"params", "inp"}, net_loss, &c, 1e-3f};
	CHECK_INT(gradcheck(&p), 0);
	free(grads);
	mlv_nn_free(nn);
}

/* A dense autoencoder with every activation and a dropout. */
static const mlv_nn_spec fc_all[] = {
	{.kind = MLV_NN_DENSE, .units = 6},
	{.kind = MLV_NN_ACTIVATION, .act = MLV_ACT_TANH},
	{.kind = MLV_NN_DENSE, .units = 3},
	{.kind = MLV_NN_ACTIVATION, .act = MLV_ACT_LINEAR},
	{.kind = MLV_NN_DENSE, .units = 6},
	{.kind = MLV_NN_ACTIVATION, .act = MLV_ACT_LEAKY_RELU, .slope = 0.3f},
	{.kind = MLV_NN_DROPOUT, .rate = 0.2f},
	{.kind = MLV_NN_DENSE, .units = 5},
	{.kind = MLV_NN_ACTIVATION, .act = MLV_ACT_RELU},
	{.kind = MLV_NN_DENSE, .units = 4},
	{.kind = MLV_NN_ACTIVATION, .act = MLV_ACT_SIGMOID},
};

TEST(gradcheck_whole_dense_network)
{
	mlv_nn *nn = build(1, 4, fc_all, 11, 3, 13, 5);
	CHECK(nn != NULL);
	if (!nn)
		return;
	mlv_rng g;
	mlv_rng_seed(&g, 17); /* data whose relu inputs keep clear of 0 */
	float x[5 * 4], t[5 * 4], dx[5 * 4];
	fill_uniform(x, 20, -1, 1, &g);
	fill_uniform(t, 20, 0, 1, &g);
	net_ctx c = {nn, x, t, 5, nn->rng};
	float *grads = net_gradients(&c, dx);
	/* The precondition of h = 1e-3: no ReLU input within 10h of 0 (the
	 * leaky relu's kink is at layer 5, the relu's at layer 8). */
	float closest = INFINITY;
	for (size_t i = 0; i < 5 * 6; i++)
		closest = fminf(closest, fabsf(nn->layers[4].out[i]));
	for (size_t i = 0; i < 5 * 5; i++)
		closest = fminf(closest, fabsf(nn->layers[7].out[i]));
	CHECK(closest > 1e-2f);
	gc_problem p = {"dense network", 2, {nn->params, x}, {grads, dx},
	                {nn->nparams, 20}, {"params", "inp"}, net_loss, &c, 1e-3f};
	CHECK_INT(gradcheck(&p), 0);
	free(grads);
	mlv_nn_free(nn);
}

/* A denoising VAE in miniature: input noise, a dense encoder to means and
 * log-variances, the sampling layer (its KL weight halfway through its
 * warm-up), a dense decoder. */
static const mlv_nn_spec vae_net[] = {
	{.kind = MLV_NN_NOISE, .sigma = 0.3f},
	{.kind = MLV_NN_DENSE, .units = 6},
	{.kind = MLV_NN_VAE, .kl_weight = 0.8f, .warmup = 8},
	{.kind = MLV_NN_DENSE, .units = 4},
	{.kind = MLV_NN_ACTIVATION, .act = MLV_ACT_SIGMOID},
};

TEST(gradcheck_denoising_vae)
{
	mlv_nn *nn = build(1, 4, vae_net, 5, 2, 19, 5);
	CHECK(nn != NULL);
	if (!nn)
		return;
	CHECK_INT(mlv_nn_latent_size(nn), 3);
	nn->step = 3; /* KL weight 0.8 x 4/8 */
	mlv_rng g;
	mlv_rng_seed(&g, 23);
	float x[5 * 4], t[5 * 4], dx[5 * 4];
	fill_uniform(x, 20, -1, 1, &g);
	fill_uniform(t, 20, 0, 1, &g);
	net_ctx c = {nn, x, t, 5, nn->rng};
	float *grads = net_gradients(&c, dx);
	CHECK(nn->aux_loss > 0);
	gc_problem p = {"denoising vae", 2, {nn->params, x}, {grads, dx},
	                {nn->nparams, 20}, {"params", "inp"}, net_loss, &c, 1e-3f};
	CHECK_INT(gradcheck(&p), 0);
	free(grads);
	/* The KL term by hand, from the sampling layer's input and weight:
	 * 0.4 x -1/2 sum (1 + lv - mu^2 - exp(lv)) / batch. */
	net_loss(&c);
	const float *h = nn->layers[1].out;
	double kl = 0;
	for (size_t r = 0; r < 5; r++)
		for (size_t j = 0; j < 3; j++) {
			double mu = h[r * 6 + j], lv = h[r * 6 + 3 + j];
			kl += 1 + lv - mu * mu - exp(lv);
		}
	CHECK_NEAR(nn->aux_loss, 0.4 * -0.5 * kl / 5, 1e-6);
	/* At inference: no noise, and the latent is the mean. */
	const float *z = mlv_nn_encode(nn, x, 5);
	float mu[5 * 3];
	for (size_t r = 0; r < 5; r++)
		for (size_t j = 0; j < 3; j++)
			mu[r * 3 + j] = x[r * 4] * nn->layers[1].param[0][j * 4] +
			                x[r * 4 + 1] * nn->layers[1].param[0][j * 4 + 1] +
			                x[r * 4 + 2] * nn->layers[1].param[0][j * 4 + 2] +
			                x[r * 4 + 3] * nn->layers[1].param[0][j * 4 + 3] +
			                nn->layers[1].param[1][j];
	for (size_t i = 0; i < 15; i++)
		CHECK_NEAR(z[i], mu[i], 1e-5);
	mlv_nn_free(nn);
}

/* A contractive encoder: a penalty on each of two dense layers, after a
 * sigmoid and after a tanh, then a leaky relu decoder. */
static const mlv_nn_spec cae_net[] = {
	{.kind = MLV_NN_DENSE, .units = 5},
	{.kind = MLV_NN_ACTIVATION, .act = MLV_ACT_SIGMOID},
	{.kind = MLV_NN_CONTRACTIVE, .contractive = 0.3f},
	{.kind = MLV_NN_DENSE, .units = 3},
	{.kind = MLV_NN_ACTIVATION, .act = MLV_ACT_TANH},
	{.kind = MLV_NN_CONTRACTIVE, .contractive = 0.7f},
	{.kind = MLV_NN_DENSE, .units = 4},
};

TEST(gradcheck_contractive_penalty)
{
	mlv_nn *nn = build(1, 4, cae_net, 7, 5, 37, 5);
	CHECK(nn != NULL);
	if (!nn)
		return;
	mlv_rng g;
	mlv_rng_seed(&g, 41);
	float x[5 * 4], t[5 * 4], dx[5 * 4];
	fill_uniform(x, 20, -1, 1, &g);
	fill_uniform(t, 20, -1, 1, &g);
	net_ctx c = {nn, x, t, 5, nn->rng};
	float *grads = net_gradients(&c, dx);
	gc_problem p = {"contractive", 2, {nn->params, x}, {grads, dx},
	                {nn->nparams, 20}, {"params", "inp"}, net_loss, &c, 1e-3f};
	CHECK_INT(gradcheck(&p), 0);
	free(grads);
	/* The penalty by hand: lambda / batch sum_s sum_j (a'_sj)^2 |W_j|^2. */
	net_loss(&c);
	double pen = 0;
	for (int k = 0; k < 2; k++) {
		const mlv_nn_layer *d = &nn->layers[3 * k], *a = d + 1;
		size_t H = d->out_features, D = d->in_features;
		for (size_t r = 0; r < 5; r++)
			for (size_t j = 0; j < H; j++) {
				double h = a->out[r * H + j], w2 = 0;
				double da = k ? 1 - h * h : h * (1 - h);
				for (size_t i = 0; i < D; i++)
					w2 += (double)d->param[0][j * D + i] *
					      d->param[0][j * D + i];
				pen += (k ? 0.7 : 0.3) * da * da * w2 / 5;
			}
	}
	CHECK_NEAR(nn->aux_loss, pen, 1e-6);
	mlv_nn_free(nn);
	/* Only after a dense layer and its activation. */
	char err[256];
	nn = mlv_nn_new(1, 4);
	CHECK(mlv_nn_add(nn, &cae_net[2], err, sizeof err) < 0);
	CHECK(strstr(err, "must follow a dense layer") != NULL);
	mlv_nn_free(nn);
}

/* A classifier: dense, leaky relu, dense to 3 logits, weighted
 * cross-entropy against class indices. */
static const mlv_nn_spec mlp[] = {
	{.kind = MLV_NN_DENSE, .units = 5},
	{.kind = MLV_NN_ACTIVATION, .act = MLV_ACT_LEAKY_RELU, .slope = 0.05f},
	{.kind = MLV_NN_DENSE, .units = 3},
};

TEST(gradcheck_weighted_classifier)
{
	mlv_nn *nn = build(1, 4, mlp, 3, -1, 29, 6);
	CHECK(nn != NULL);
	if (!nn)
		return;
	const float w[3] = {1, 0.25f, 2.5f};
	nn->loss = MLV_LOSS_CROSS_ENTROPY;
	nn->class_weight = w;
	CHECK_INT(mlv_nn_target_size(nn), 1);
	mlv_rng g;
	mlv_rng_seed(&g, 33);
	float x[6 * 4], t[6] = {0, 1, 2, 2, 1, 0}, dx[6 * 4];
	fill_uniform(x, 24, -1, 1, &g);
	net_ctx c = {nn, x, t, 6, nn->rng};
	float *grads = net_gradients(&c, dx);
	float closest = INFINITY;
	for (size_t i = 0; i < 6 * 5; i++)
		closest = fminf(closest, fabsf(nn->layers[0].out[i]));
	CHECK(closest > 1e-2f);
	gc_problem p = {"classifier", 2, {nn->params, x}, {grads, dx},
	                {nn->nparams, 24}, {"params", "inp"}, net_loss, &c, 1e-3f};
	CHECK_INT(gradcheck(&p), 0);
	free(grads);
	mlv_nn_free(nn);
}

/* Every kind of nn.h's table, with each of its settings at a sample value
 * of its type, between a dense+tanh layer (a contractive layer's link, an
 * even width for a vae) and a dense output layer: a new kind is checked
 * without a test of its own. */
TEST(gradcheck_every_kind_in_the_table)
{
	for (int k = 0; k < MLV_NN_KIND_COUNT; k++) {
		mlv_nn_spec spec[4] = {
			{.kind = MLV_NN_DENSE, .units = 6},
			{.kind = MLV_NN_ACTIVATION, .act = MLV_ACT_TANH},
		};
		spec[2] = mlv_nn_spec_default((mlv_nn_kind)k);
		for (int set = 0; set < MLV_NN_SET_COUNT; set++) {
			if (!(mlv_nn_kind_settings((mlv_nn_kind)k) >> set & 1))
				continue;
			switch (mlv_nn_setting_get((mlv_nn_setting)set)->type) {
			case MLV_NN_TYPE_SIZE:
				mlv_nn_spec_set(&spec[2], (mlv_nn_setting)set, 2);
				break;
			case MLV_NN_TYPE_FLOAT:
				mlv_nn_spec_set(&spec[2], (mlv_nn_setting)set, 0.3);
				break;
			case MLV_NN_TYPE_BOOL:
				mlv_nn_spec_set(&spec[2], (mlv_nn_setting)set, 1);
				break;
			case MLV_NN_TYPE_ACT:
				mlv_nn_spec_set(&spec[2], (mlv_nn_setting)set,
				                MLV_ACT_SIGMOID);
				break;
			}
		}
		spec[3] = (mlv_nn_spec){.kind = MLV_NN_DENSE, .units = 3};
		/* One step, or three for the kinds that work along time (a
		 * repeat needs one, a kernel or a window of 2 steps two). */
		size_t steps = 1;
		mlv_nn *nn = mlv_nn_new(1, 4);
		char err[256];
		if (mlv_nn_add(nn, &spec[0], err, sizeof err) < 0 ||
		    mlv_nn_add(nn, &spec[1], err, sizeof err) < 0 ||
		    mlv_nn_add(nn, &spec[2], err, sizeof err) < 0)
			steps = 3;
		mlv_nn_free(nn);
		nn = build(steps, 4, spec, 4, -1, 43 + (uint64_t)k, 3);
		CHECK(nn != NULL);
		if (!nn)
			continue;
		nn->step = 1;
		size_t in = 3 * mlv_nn_in_size(nn), out = 3 * mlv_nn_out_size(nn);
		mlv_rng g;
		mlv_rng_seed(&g, 47);
		float x[3 * 3 * 4], dx[3 * 3 * 4], t[3 * 3 * 6];
		fill_uniform(x, in, -1, 1, &g);
		fill_uniform(t, out, -1, 1, &g);
		net_ctx c = {nn, x, t, 3, nn->rng};
		float *grads = net_gradients(&c, dx);
		gc_problem p = {mlv_nn_kind_name((mlv_nn_kind)k), 2,
		                {nn->params, x}, {grads, dx}, {nn->nparams, in},
		                {"params", "inp"}, net_loss, &c, 1e-3f};
		CHECK_INT(gradcheck(&p), 0);
		free(grads);
		mlv_nn_free(nn);
	}
}

/* conv2d against the direct sum of PyTorch's Conv2d (weight (O, C, kt,
 * kf), input (C, T, F) here stored time x frequency x channel), and
 * maxpool against the window maxima. */
TEST(conv2d_and_maxpool_match_direct_sums)
{
	static const mlv_nn_spec cnn[] = {
		{.kind = MLV_NN_CONV2D, .filters = 2, .kernel = 2, .kernel_freq = 3,
		 .channels = 2},
		{.kind = MLV_NN_MAXPOOL, .pool = 2, .pool_freq = 2, .channels = 2},
	};
	enum { T = 5, F = 6, C = 2, O = 2, KT = 2, KF = 3 };
	mlv_nn *nn = build(T, F * C, cnn, 2, -1, 3, 2);
	CHECK(nn != NULL);
	if (!nn)
		return;
	/* out: 4 steps x 4 frequencies x 2 filters; pooled 2 x 2 x 2 */
	CHECK_INT(mlv_nn_layer_size(nn, 0), 4 * 4 * 2);
	CHECK_INT(mlv_nn_out_size(nn), 2 * 2 * 2);
	mlv_rng g;
	mlv_rng_seed(&g, 5);
	float x[2 * T * F * C];
	fill_uniform(x, 2 * T * F * C, -1, 1, &g);
	mlv_nn_forward(nn, x, 2, 0);
	const float *w = nn->layers[0].param[0], *b = nn->layers[0].param[1];
	const float *y = nn->layers[0].out, *p = nn->layers[1].out;
	double worst = 0;
	for (int s = 0; s < 2; s++)
		for (int t = 0; t < 4; t++)
			for (int f = 0; f < 4; f++)
				for (int o = 0; o < O; o++) {
					double sum = b[o];
					for (int c = 0; c < C; c++)
						for (int i = 0; i < KT; i++)
							for (int j = 0; j < KF; j++)
								sum += (double)w[((o * C + c) * KT + i) * KF + j] *
								       x[s * T * F * C + (t + i) * F * C +
								         (f + j) * C + c];
					worst = fmax(worst, fabs(sum - y[s * 32 + (t * 4 + f) * O + o]));
				}
	CHECK(worst < 1e-5);
	int bad = 0;
	for (int s = 0; s < 2; s++)
		for (int t = 0; t < 2; t++)
			for (int f = 0; f < 2; f++)
				for (int o = 0; o < O; o++) {
					float mx = -INFINITY;
					for (int i = 0; i < 2; i++)
						for (int j = 0; j < 2; j++)
							mx = fmaxf(mx, y[s * 32 + ((2 * t + i) * 4 +
							                           2 * f + j) * O + o]);
					bad += mx != p[s * 8 + (t * 2 + f) * O + o];
				}
	CHECK_INT(bad, 0);
	mlv_nn_free(nn);
}

TEST(batchnorm_statistics_as_pytorch)
{
	static const mlv_nn_spec bn[] = {{.kind = MLV_NN_BATCHNORM}};
	mlv_nn *nn = build(1, 2, bn, 1, -1, 1, 4);
	CHECK(nn != NULL);
	if (!nn)
		return;
	CHECK_INT(nn->nparams, 8);
	float x[8] = {1, 10, 2, 20, 3, 30, 6, 40}, t[8] = {0};
	const float *y = mlv_nn_forward(nn, x, 4, 1);
	/* feature 0: mean 3, biased variance 3.5, unbiased 14/3 */
	CHECK_NEAR(y[0], (1 - 3) / sqrt(3.5 + 1e-5), 1e-6);
	CHECK_NEAR(nn->layers[0].param[2][0], 0.3, 1e-7);
	CHECK_NEAR(nn->layers[0].param[3][0], 0.9 + 0.1 * 14 / 3.0, 1e-6);
	/* inference: the running statistics */
	float rm = nn->layers[0].param[2][1], rv = nn->layers[0].param[3][1];
	y = mlv_nn_forward(nn, x, 4, 0);
	CHECK_NEAR(y[1], (10 - rm) / sqrt(rv + 1e-5), 1e-5);
	/* Adam leaves the running statistics to the forward pass */
	mlv_nn_train_step(nn, x, t, 4);
	CHECK(nn->grads[4] == 0 && nn->grads[7] == 0);
	CHECK_NEAR(nn->layers[0].param[2][0], 0.9 * 0.3 + 0.1 * 3, 1e-6);
	mlv_nn_free(nn);
}

/* ---- Adam ---- */

TEST(adam_matches_a_hand_computed_step)
{
	mlv_adam opt = {0.01, 0.9, 0.999, 1e-8};
	float p[] = {1, -2, 0.5f}, m[3] = {0}, v[3] = {0};
	float g1[] = {0.1f, -0.2f, 0}, g2[] = {0.3f, 0.1f, -0.05f};
	/* Step 1: m-hat = g and v-hat = g^2, so each parameter moves by lr
	 * against the sign of its gradient (eps aside), and a zero gradient
	 * moves nothing. */
	mlv_adam_update(&opt, p, g1, m, v, 3, 1);
	CHECK_NEAR(p[0], 0.99, 1e-7);
	CHECK_NEAR(p[1], -1.99, 1e-7);
	CHECK(p[2] == 0.5f);
	/* m and v are float: within a few units in the last place. */
	CHECK_NEAR(m[0], 0.1 * (double)g1[0], 3e-9);
	CHECK_NEAR(v[1], 0.001 * (double)g1[1] * g1[1], 1e-11);
	/* Step 2 from the textbook form, in double. */
	double pd[] = {p[0], p[1], p[2]};
	double md[3], vd[3];
	for (int i = 0; i < 3; i++) {
		md[i] = 0.9 * (0.1 * g1[i]) + 0.1 * g2[i];
		vd[i] = 0.999 * (0.001 * (double)g1[i] * g1[i]) +
		        0.001 * (double)g2[i] * g2[i];
		double mh = md[i] / (1 - 0.81), vh = vd[i] / (1 - 0.999 * 0.999);
		pd[i] -= 0.01 * mh / (sqrt(vh) + 1e-8);
	}
	mlv_adam_update(&opt, p, g2, m, v, 3, 2);
	for (int i = 0; i < 3; i++) {
		CHECK_NEAR(p[i], pd[i], 2e-7);
		CHECK_NEAR(m[i], md[i], 1e-8);
		CHECK_NEAR(v[i], vd[i], 1e-11);
	}
	mlv_adam d = mlv_adam_defaults();
	CHECK(d.lr == 1e-3 && d.beta1 == 0.9 && d.beta2 == 0.999 &&
	      d.eps == 1e-8);
}

/* ---- training ---- */

/* Points on a 2-d curved sheet in 8-d, in (0, 1): x = sigmoid(A s + B s^2)
 * for s uniform in [-1, 1]^2. */
static void
toy_data(float *x, size_t n, uint64_t seed)
{
	mlv_rng g;
	mlv_rng_seed(&g, seed);
	float a[8][2], b[8][2];
	fill_uniform(&a[0][0], 16, -2, 2, &g);
	fill_uniform(&b[0][0], 16, -1, 1, &g);
	for (size_t i = 0; i < n; i++) {
		double s0 = 2 * mlv_rng_uniform(&g) - 1, s1 = 2 * mlv_rng_uniform(&g) - 1;
		for (int j = 0; j < 8; j++) {
			double z = a[j][0] * s0 + a[j][1] * s1 + b[j][0] * s0 * s0 +
			           b[j][1] * s0 * s1;
			x[i * 8 + j] = (float)(1 / (1 + exp(-z)));
		}
	}
}

static const mlv_nn_spec toy_ae[] = {
	{.kind = MLV_NN_DENSE, .units = 32},
	{.kind = MLV_NN_ACTIVATION, .act = MLV_ACT_TANH},
	{.kind = MLV_NN_DENSE, .units = 2},
	{.kind = MLV_NN_DENSE, .units = 32},
	{.kind = MLV_NN_ACTIVATION, .act = MLV_ACT_TANH},
	{.kind = MLV_NN_DENSE, .units = 8},
	{.kind = MLV_NN_ACTIVATION, .act = MLV_ACT_SIGMOID},
};

/* Full-set MSE at inference. */
static double
eval_mse(mlv_nn *nn, const float *x, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i += nn->max_batch) {
		size_t b = n - i < nn->max_batch ? n - i : nn->max_batch;
		const float *y = mlv_nn_forward(nn, x + i * 8, b, 0);
		s += mlv_nn_mse_forward(y, x + i * 8, b * 8) * (double)b;
	}
	return s / (double)n;
}

TEST(tiny_autoencoder_learns)
{
	enum { N = 512, BATCH = 32, STEPS = 400 };
	float *x = malloc(N * 8 * sizeof(float));
	toy_data(x, N, 21);
	mlv_nn *nn = build(1, 8, toy_ae, 7, 2, 22, BATCH);
	CHECK(nn != NULL);
	if (!nn)
		return;
	nn->adam.lr = 1e-2f;
	double before = eval_mse(nn, x, N);
	for (int s = 0; s < STEPS; s++) {
		size_t i = (size_t)(s * BATCH) % N;
		mlv_nn_train_step(nn, x + i * 8, x + i * 8, BATCH);
	}
	double after = eval_mse(nn, x, N);
	printf("#   toy autoencoder: MSE %.5f -> %.5f after %d steps\n", before,
	       after, STEPS);
	CHECK(after < before / 10);
	CHECK_INT(nn->step, STEPS);
	/* encode + decode is the inference forward, bit for bit. */
	float z[BATCH * 2], y[BATCH * 8], err[BATCH];
	memcpy(z, mlv_nn_encode(nn, x, BATCH), sizeof z);
	memcpy(y, mlv_nn_decode(nn, z, BATCH), sizeof y);
	const float *full = mlv_nn_forward(nn, x, BATCH, 0);
	CHECK(!memcmp(y, full, sizeof y));
	mlv_nn_recon_error(nn, x, BATCH, err);
	CHECK_NEAR(err[5], mlv_nn_mse_forward(y + 5 * 8, x + 5 * 8, 8), 1e-7);
	mlv_nn_free(nn);
	free(x);
}

/* Training with dropout from a seed: the final weights.  Rows of d values
 * (d = 8: the toy sheet; otherwise uniform in [0, 1]). */
static float *
train_copy(uint64_t seed, int steps, size_t batch, const float *x, size_t n,
           size_t d, size_t *nparams)
{
	const mlv_nn_spec net[] = {
		{.kind = MLV_NN_DENSE, .units = 96},
		{.kind = MLV_NN_ACTIVATION, .act = MLV_ACT_RELU},
		{.kind = MLV_NN_DROPOUT, .rate = 0.3f},
		{.kind = MLV_NN_DENSE, .units = d},
		{.kind = MLV_NN_ACTIVATION, .act = MLV_ACT_SIGMOID},
	};
	mlv_nn *nn = build(1, d, net, 5, 1, seed, batch);
	if (!nn)
		return NULL;
	for (int s = 0; s < steps; s++) {
		size_t i = ((size_t)s * batch) % (n - batch + 1);
		mlv_nn_train_step(nn, x + i * d, x + i * d, batch);
	}
	float *p = malloc(nn->nparams * sizeof(float));
	memcpy(p, nn->params, nn->nparams * sizeof(float));
	*nparams = nn->nparams;
	mlv_nn_free(nn);
	return p;
}

TEST(same_seed_gives_identical_weights)
{
	enum { N = 1024 };
	float *x = malloc(N * 8 * sizeof(float));
	toy_data(x, N, 31);
	size_t n1 = 0, n2 = 0, n3 = 0;
	float *a = train_copy(5, 30, 64, x, N, 8, &n1);
	float *b = train_copy(5, 30, 64, x, N, 8, &n2);
	float *c = train_copy(6, 30, 64, x, N, 8, &n3);
	CHECK(a && b && c && n1 == n2 && n1 == n3);
	if (a && b && c) {
		CHECK(!memcmp(a, b, n1 * sizeof(float)));
		CHECK(memcmp(a, c, n1 * sizeof(float)) != 0);
	}
	free(a);
	free(b);
	free(c);
	free(x);
}

/* nn threads nothing itself; OpenBLAS on 2 threads splits each product
 * the same way every time, so a seed still gives identical weights.  The
 * shapes are the FC model's first layer (501 inputs, batch 512), which
 * OpenBLAS does thread, and whose inner dimension it blocks differently
 * from one thread: 1 and 2 threads are not expected to agree (printed
 * for information). */
TEST(same_seed_gives_identical_weights_on_two_blas_threads)
{
	enum { N = 1024, D = 501 };
	float *x = malloc(N * D * sizeof(float));
	mlv_rng g;
	mlv_rng_seed(&g, 41);
	fill_uniform(x, N * D, 0, 1, &g);
	int saved = openblas_get_num_threads();
	size_t n1 = 0, n2 = 0, n3 = 0;
	openblas_set_num_threads(2);
	int two = openblas_get_num_threads();
	float *a = train_copy(9, 4, 512, x, N, D, &n1);
	float *b = train_copy(9, 4, 512, x, N, D, &n2);
	openblas_set_num_threads(1);
	float *c = train_copy(9, 4, 512, x, N, D, &n3);
	openblas_set_num_threads(saved);
	CHECK_INT(two, 2);
	CHECK(a && b && c && n1 == n2 && n1 == n3);
	if (a && b && c) {
		CHECK(!memcmp(a, b, n1 * sizeof(float)));
		size_t differ = 0;
		for (size_t i = 0; i < n1; i++)
			differ += a[i] != c[i];
		printf("#   1 vs 2 OpenBLAS threads: %zu of %zu weights differ\n",
		       differ, n1);
	}
	free(a);
	free(b);
	free(c);
	free(x);
}

/* ---- building ---- */

TEST(bad_layers_are_refused_with_a_reason)
{
	char err[256];
	mlv_nn *nn = mlv_nn_new(4, 10);
	mlv_nn_spec rep = {.kind = MLV_NN_REPEAT, .steps = 4};
	CHECK_INT(mlv_nn_add(nn, &rep, err, sizeof err), -1);
	CHECK(strstr(err, "one step") && strstr(err, "got 4 steps"));
	mlv_nn_spec d0 = {.kind = MLV_NN_DENSE, .units = 0};
	CHECK_INT(mlv_nn_add(nn, &d0, err, sizeof err), -1);
	CHECK(strstr(err, "units") != NULL);
	mlv_nn_spec drop = {.kind = MLV_NN_DROPOUT, .rate = 1.0f};
	CHECK_INT(mlv_nn_add(nn, &drop, err, sizeof err), -1);
	CHECK(strstr(err, "[0, 1)") != NULL);
	CHECK_INT(mlv_nn_build(nn, err, sizeof err), -1);
	mlv_nn_spec l = {.kind = MLV_NN_LSTM, .units = 6};
	CHECK_INT(mlv_nn_add(nn, &l, err, sizeof err), 0);
	CHECK_INT(nn->layers[0].out_steps, 1);
	CHECK_INT(mlv_nn_add(nn, &rep, err, sizeof err), 1);
	CHECK_INT(nn->layers[1].out_steps, 4);
	CHECK_INT(mlv_nn_build(nn, err, sizeof err), 0);
	CHECK_INT(nn->nparams, 4 * 6 * (10 + 6) + 8 * 6);
	CHECK_INT(mlv_nn_add(nn, &l, err, sizeof err), -1);
	mlv_nn_free(nn);
	mlv_nn_kind k;
	CHECK_INT(mlv_nn_kind_parse("lstm", &k), 0);
	CHECK_INT(k, MLV_NN_LSTM);
	CHECK_INT(mlv_nn_kind_parse("conv", &k), -1);
}

/* PyTorch's initialisation bounds: 1/sqrt(fan_in) for dense, 1/sqrt(H)
 * for LSTM; a wide layer fills most of its interval. */
TEST(initialisation_follows_pytorch_bounds)
{
	static const mlv_nn_spec net[] = {
		{.kind = MLV_NN_DENSE, .units = 64},
		{.kind = MLV_NN_LSTM, .units = 16},
	};
	mlv_nn *nn = build(1, 100, net, 2, -1, 3, 1);
	CHECK(nn != NULL);
	if (!nn)
		return;
	for (size_t li = 0; li < 2; li++) {
		mlv_nn_layer *l = &nn->layers[li];
		double bound = li == 0 ? 0.1 : 0.25;
		for (size_t t = 0; t < l->ntensors; t++) {
			size_t n = l->tensor[t].rows * l->tensor[t].cols;
			float lo = 1, hi = -1;
			for (size_t i = 0; i < n; i++) {
				lo = fminf(lo, l->param[t][i]);
				hi = fmaxf(hi, l->param[t][i]);
			}
			CHECK(lo >= -bound && hi <= bound);
			CHECK(hi - lo > 1.5 * bound);
		}
	}
	mlv_nn_free(nn);
}

int
main(void)
{
	RUN(gemm_matches_naive_for_every_transpose_and_stride);
	RUN(gradcheck_dense);
	RUN(gradcheck_every_activation);
	RUN(tanh_is_accurate_to_3_ulp);
	RUN(gradcheck_dropout_with_fixed_mask);
	RUN(gradcheck_lstm_returning_the_sequence);
	RUN(gradcheck_lstm_returning_the_last_output);
	RUN(gradcheck_repeat);
	RUN(gradcheck_mse);
	RUN(gradcheck_whole_lstm_autoencoder_with_dropout);
	RUN(gradcheck_whole_dense_network);
	RUN(gradcheck_weighted_cross_entropy);
	RUN(gradcheck_denoising_vae);
	RUN(gradcheck_weighted_classifier);
	RUN(gradcheck_contractive_penalty);
	RUN(gradcheck_every_kind_in_the_table);
	RUN(batchnorm_statistics_as_pytorch);
	RUN(conv2d_and_maxpool_match_direct_sums);
	RUN(adam_matches_a_hand_computed_step);
	RUN(tiny_autoencoder_learns);
	RUN(same_seed_gives_identical_weights);
	RUN(same_seed_gives_identical_weights_on_two_blas_threads);
	RUN(bad_layers_are_refused_with_a_reason);
	RUN(initialisation_follows_pytorch_bounds);
	return TEST_EXIT();
}
