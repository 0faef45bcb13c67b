/* nn.c - see nn.h */
#include "nn.h"

#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ------------------------------------------------------------------------
 * matrix products */

void
mlv_nn_gemm(int ta, int tb, size_t m, size_t n, size_t k, float alpha,
            const float *a, size_t lda, const float *b, size_t ldb,
            float beta, float *c, size_t ldc)
{
	if (!m || !n)
		return;
	/* cblas_sgemm with k = 0 scales C by beta, as the naive loop does. */
	cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
	            tb ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k,
	            alpha, a, (int)lda, b, (int)ldb, beta, c, (int)ldc);
}

void
mlv_nn_gemm_naive(int ta, int tb, size_t m, size_t n, size_t k, float alpha,
                  const float *a, size_t lda, const float *b, size_t ldb,
                  float beta, float *c, size_t ldc)
{
	for (size_t i = 0; i < m; i++)
		for (size_t j = 0; j < n; j++) {
			double s = 0;
			for (size_t p = 0; p < k; p++) {
				double x = ta ? a[p * lda + i] : a[i * lda + p];
				double y = tb ? b[j * ldb + p] : b[p * ldb + j];
				s += x * y;
			}
			float *cij = &c[i * ldc + j];
			/* beta 0 overwrites, as BLAS does, even NaN. */
			*cij = (float)(alpha * s + (beta == 0 ? 0 : (double)beta * *cij));
		}
}

/* ------------------------------------------------------------------------
 * dense */

void
mlv_nn_dense_forward(float *out, const float *inp, const float *w,
                     const float *b, size_t n, size_t in, size_t units)
{
	/* Bias first, then the product accumulates onto it (beta 1): one
	 * pass over out instead of two. */
	for (size_t r = 0; r < n; r++)
		memcpy(out + r * units, b, units * sizeof(float));
	mlv_nn_gemm(0, 1, n, units, in, 1.0f, inp, in, w, in, 1.0f, out, units);
}

/* db[j] += sum over rows of d[r][j], summed in float row by row: the same
 * order for any thread count. */
static void
add_column_sums(float *db, const float *d, size_t n, size_t cols)
{
	for (size_t r = 0; r < n; r++) {
		const float *row = d + r * cols;
		for (size_t j = 0; j < cols; j++)
			db[j] += row[j];
	}
}

void
mlv_nn_dense_backward(float *dinp, float *dw, float *db, const float *dout,
                      const float *inp, const float *w, size_t n, size_t in,
                      size_t units)
{
	if (dinp) /* (n x units) . (units x in) */
		mlv_nn_gemm(0, 0, n, in, units, 1.0f, dout, units, w, in, 1.0f,
		            dinp, in);
	/* (units x n) . (n x in) */
	mlv_nn_gemm(1, 0, units, in, n, 1.0f, dout, units, inp, in, 1.0f, dw, in);
	add_column_sums(db, dout, n, units);
}

/* ------------------------------------------------------------------------
 * activations */

static const char *const act_names[MLV_ACT_COUNT] = {
	"linear", "relu", "leaky_relu", "tanh", "sigmoid",
};

const char *
mlv_nn_act_name(mlv_nn_act act)
{
	return act < MLV_ACT_COUNT ? act_names[act] : "?";
}

int
mlv_nn_act_parse(const char *name, mlv_nn_act *act)
{
	for (int i = 0; i < MLV_ACT_COUNT; i++)
		if (!strcmp(name, act_names[i])) {
			*act = (mlv_nn_act)i;
			return 0;
		}
	return -1;
}

static float
sigmoidf(float x)
{
	return 1.0f / (1.0f + expf(-x));
}

/* tanh from one expf: glibc's tanhf goes through expm1f and was half of
 * an LSTM epoch's time.  (1 - t) / (1 + t) with t = exp(-2|x|) cancels
 * near 0, so below 0.3 the odd Taylor series to x^11 is used (its first
 * omitted term is < 1e-9 there).  Within 2.2 ulp of tanh in double over
 * all floats, as glibc's tanhf (tests/test-nn.c checks 3 ulp). */
static float
tanh_fast(float x)
{
	float a = fabsf(x);
	if (a < 0.3f) {
		float x2 = x * x;
		return x + x * x2 * (-1.0f / 3 + x2 * (2.0f / 15 +
		       x2 * (-17.0f / 315 + x2 * (62.0f / 2835 +
		       x2 * (-1382.0f / 155925)))));
	}
	if (a > 9.1f) /* tanh(9.1) rounds to 1 in float */
		return copysignf(1.0f, x);
	float t = expf(-2 * a);
	return copysignf((1 - t) / (1 + t), x);
}

void
mlv_nn_act_forward(float *out, const float *inp, size_t n, mlv_nn_act act,
                   float slope)
{
	switch (act) {
	case MLV_ACT_LINEAR:
		if (out != inp)
			memmove(out, inp, n * sizeof(float));
		break;
	case MLV_ACT_RELU:
		for (size_t i = 0; i < n; i++)
			out[i] = inp[i] > 0 ? inp[i] : 0;
		break;
	case MLV_ACT_LEAKY_RELU:
		for (size_t i = 0; i < n; i++)
			out[i] = inp[i] > 0 ? inp[i] : slope * inp[i];
		break;
	case MLV_ACT_TANH:
		for (size_t i = 0; i < n; i++)
			out[i] = tanh_fast(inp[i]);
		break;
	case MLV_ACT_SIGMOID:
		for (size_t i = 0; i < n; i++)
			out[i] = sigmoidf(inp[i]);
		break;
	default:
		break;
	}
}

void
mlv_nn_act_backward(float *dinp, const float *dout, const float *inp,
                    const float *out, size_t n, mlv_nn_act act, float slope)
{
	switch (act) {
	case MLV_ACT_LINEAR:
		for (size_t i = 0; i < n; i++)
			dinp[i] += dout[i];
		break;
	case MLV_ACT_RELU:
		/* dout is read whatever the sign, so the select vectorises
		 * (a load under the condition kept it a branch a value) */
		for (size_t i = 0; i < n; i++) {
			float g = dout[i];
			dinp[i] += out[i] > 0 ? g : 0;
		}
		break;
	case MLV_ACT_LEAKY_RELU:
		for (size_t i = 0; i < n; i++)
			dinp[i] += inp[i] > 0 ? dout[i] : slope * dout[i];
		break;
	case MLV_ACT_TANH:
		for (size_t i = 0; i < n; i++)
			dinp[i] += (1 - out[i] * out[i]) * dout[i];
		break;
	case MLV_ACT_SIGMOID:
		for (size_t i = 0; i < n; i++)
			dinp[i] += out[i] * (1 - out[i]) * dout[i];
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------------------
 * dropout */

void
mlv_nn_dropout_mask(float *mask, mlv_rng *g, float rate, size_t n)
{
	float keep = 1.0f / (1.0f - rate);
	for (size_t i = 0; i < n; i++)
		mask[i] = mlv_rng_uniform(g) < rate ? 0.0f : keep;
}

void
mlv_nn_dropout_forward(float *out, const float *inp, const float *mask,
                       size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = inp[i] * mask[i];
}

void
mlv_nn_dropout_backward(float *dinp, const float *dout, const float *mask,
                        size_t n)
{
	for (size_t i = 0; i < n; i++)
		dinp[i] += dout[i] * mask[i];
}

/* ------------------------------------------------------------------------
 * LSTM
 *
 * The cache of a batch of B samples is planar, so that one sgemm covers
 * the input products of every step:  gates (B x T x 4H, activated), c, tanh
 * c and h (B x T x H each).  A step t of the batch is then a matrix with
 * row stride T*4H (or T*H), which sgemm takes as its leading dimension. */

size_t
mlv_nn_lstm_cache_floats(size_t steps, size_t units)
{
	return mlv_mul_size(mlv_mul_size(steps, units, "lstm cache"), 7,
	                    "lstm cache");
}

size_t
mlv_nn_lstm_scratch_floats(size_t steps, size_t units)
{
	return mlv_mul_size(mlv_mul_size(steps, units, "lstm scratch"), 4,
	                    "lstm scratch") + 2 * units;
}

void
mlv_nn_lstm_forward(float *out, float *cache, const float *inp,
                    const float *w_ih, const float *w_hh, const float *b_ih,
                    const float *b_hh, size_t batch, size_t steps, size_t in,
                    size_t units, int return_sequences)
{
	size_t B = batch, T = steps, H = units, G = 4 * units;
	float *gates = cache, *c = gates + B * T * G, *tc = c + B * T * H,
	      *h = tc + B * T * H;
	if (!B)
		return;
	/* gates = x W_ih^T + b_ih + b_hh for every (sample, step) at once. */
	for (size_t r = 0; r < B * T; r++)
		for (size_t j = 0; j < G; j++)
			gates[r * G + j] = b_ih[j] + b_hh[j];
	mlv_nn_gemm(0, 1, B * T, G, in, 1.0f, inp, in, w_ih, in, 1.0f, gates, G);
	for (size_t t = 0; t < T; t++) {
		if (t > 0) /* += h_{t-1} W_hh^T, rows of step t */
			mlv_nn_gemm(0, 1, B, G, H, 1.0f, h + (t - 1) * H, T * H, w_hh,
			            H, 1.0f, gates + t * G, T * G);
		for (size_t b = 0; b < B; b++) {
			float *gt = gates + (b * T + t) * G;
			size_t o = (b * T + t) * H;
			for (size_t j = 0; j < H; j++) {
				float ig = sigmoidf(gt[j]);
				float fg = sigmoidf(gt[H + j]);
				float gg = tanh_fast(gt[2 * H + j]);
				float og = sigmoidf(gt[3 * H + j]);
				float cprev = t > 0 ? c[o - H + j] : 0.0f;
				float ct = fg * cprev + ig * gg;
				float tct = tanh_fast(ct);
				gt[j] = ig;
				gt[H + j] = fg;
				gt[2 * H + j] = gg;
				gt[3 * H + j] = og;
				c[o + j] = ct;
				tc[o + j] = tct;
				h[o + j] = og * tct;
			}
		}
	}
	if (return_sequences)
		memcpy(out, h, B * T * H * sizeof(float));
	else
		for (size_t b = 0; b < B; b++)
			memcpy(out + b * H, h + (b * T + T - 1) * H, H * sizeof(float));
}

void
mlv_nn_lstm_backward(float *dinp, float *dw_ih, float *dw_hh, float *db_ih,
                     float *db_hh, float *scratch, const float *dout,
                     const float *cache, const float *inp, const float *w_ih,
                     const float *w_hh, size_t batch, size_t steps, size_t in,
                     size_t units, int return_sequences)
{
	size_t B = batch, T = steps, H = units, G = 4 * units;
	const float *gates = cache, *c = gates + B * T * G, *tc = c + B * T * H,
	            *h = tc + B * T * H;
	float *dgates = scratch, *dh = dgates + B * T * G, *dc = dh + B * H;
	if (!B)
		return;
	memset(dh, 0, B * H * sizeof(float));
	memset(dc, 0, B * H * sizeof(float));
	for (size_t t = T; t-- > 0;) {
		for (size_t b = 0; b < B; b++) {
			const float *gt = gates + (b * T + t) * G;
			float *dg = dgates + (b * T + t) * G;
			size_t o = (b * T + t) * H;
			const float *dy = NULL;
			if (return_sequences)
				dy = dout + o;
			else if (t == T - 1)
				dy = dout + b * H;
			for (size_t j = 0; j < H; j++) {
				/* dh: from this step's output and from step t+1
				 * through W_hh (left in dh by the product below). */
				float dht = dh[b * H + j] + (dy ? dy[j] : 0.0f);
				float ig = gt[j], fg = gt[H + j], gg = gt[2 * H + j],
				      og = gt[3 * H + j];
				float tct = tc[o + j];
				float dct = dc[b * H + j] + dht * og * (1 - tct * tct);
				float cprev = t > 0 ? c[o - H + j] : 0.0f;
				dg[j] = dct * gg * ig * (1 - ig);
				dg[H + j] = dct * cprev * fg * (1 - fg);
				dg[2 * H + j] = dct * ig * (1 - gg * gg);
				dg[3 * H + j] = dht * tct * og * (1 - og);
				dc[b * H + j] = dct * fg;
			}
		}
		if (t > 0) /* dh_{t-1} = dgates_t . W_hh:  (B x 4H)(4H x H) */
			mlv_nn_gemm(0, 0, B, H, G, 1.0f, dgates + t * G, T * G, w_hh, H,
			            0.0f, dh, H);
	}
	/* Parameter gradients over all steps at once where the layout allows:
	 * dW_ih += dgates^T x  ((4H x BT)(BT x in)). */
	mlv_nn_gemm(1, 0, G, in, B * T, 1.0f, dgates, G, inp, in, 1.0f, dw_ih, in);
	for (size_t t = 1; t < T; t++) /* dW_hh += dgates_t^T h_{t-1} */
		mlv_nn_gemm(1, 0, G, H, B, 1.0f, dgates + t * G, T * G,
		            h + (t - 1) * H, T * H, 1.0f, dw_hh, H);
	add_column_sums(db_ih, dgates, B * T, G);
	add_column_sums(db_hh, dgates, B * T, G);
	if (dinp) /* (BT x 4H)(4H x in) */
		mlv_nn_gemm(0, 0, B * T, in, G, 1.0f, dgates, G, w_ih, in, 1.0f,
		            dinp, in);
}

/* ------------------------------------------------------------------------
 * repeat */

void
mlv_nn_repeat_forward(float *out, const float *inp, size_t batch,
                      size_t steps, size_t features)
{
	for (size_t b = 0; b < batch; b++)
		for (size_t t = 0; t < steps; t++)
			memcpy(out + (b * steps + t) * features, inp + b * features,
			       features * sizeof(float));
}

void
mlv_nn_repeat_backward(float *dinp, const float *dout, size_t batch,
                       size_t steps, size_t features)
{
	for (size_t b = 0; b < batch; b++)
		for (size_t t = 0; t < steps; t++) {
			const float *d = dout + (b * steps + t) * features;
			for (size_t j = 0; j < features; j++)
				dinp[b * features + j] += d[j];
		}
}

/* ------------------------------------------------------------------------
 * MSE */

double
mlv_nn_mse_forward(const float *out, const float *target, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++) {
		double d = (double)out[i] - target[i];
		s += d * d;
	}
	return n ? s / (double)n : 0;
}

void
mlv_nn_mse_backward(float *dout, const float *out, const float *target,
                    size_t n)
{
	float scale = 2.0f / (float)n;
	for (size_t i = 0; i < n; i++)
		dout[i] += scale * (out[i] - target[i]);
}

void
mlv_nn_mse_rows(float *err, const float *out, const float *target,
                size_t rows, size_t cols)
{
	for (size_t r = 0; r < rows; r++)
		err[r] = (float)mlv_nn_mse_forward(out + r * cols, target + r * cols,
		                                   cols);
}

/* log sum exp of a row of logits, shifted by its maximum for range. */
static double
log_sum_exp(const float *z, size_t classes)
{
	float mx = z[0];
	for (size_t c = 1; c < classes; c++)
		mx = fmaxf(mx, z[c]);
	double sum = 0;
	for (size_t c = 0; c < classes; c++)
		sum += exp((double)z[c] - mx);
	return mx + log(sum);
}

static double
class_weight(const float *weight, size_t y)
{
	return weight ? weight[y] : 1.0;
}

double
mlv_nn_xent_forward(const float *logits, const float *target,
                    const float *weight, size_t n, size_t classes)
{
	double loss = 0, wsum = 0;
	for (size_t i = 0; i < n; i++) {
		const float *z = logits + i * classes;
		size_t y = (size_t)target[i];
		double w = class_weight(weight, y);
		loss += w * (log_sum_exp(z, classes) - z[y]);
		wsum += w;
	}
	return wsum > 0 ? loss / wsum : 0;
}

void
mlv_nn_xent_backward(float *dlogits, const float *logits,
                     const float *target, const float *weight, size_t n,
                     size_t classes)
{
	double wsum = 0;
	for (size_t i = 0; i < n; i++)
		wsum += class_weight(weight, (size_t)target[i]);
	if (wsum <= 0)
		return;
	for (size_t i = 0; i < n; i++) {
		const float *z = logits + i * classes;
		size_t y = (size_t)target[i];
		double lse = log_sum_exp(z, classes);
		double w = class_weight(weight, y) / wsum;
		for (size_t c = 0; c < classes; c++)
			dlogits[i * classes + c] +=
				(float)(w * (exp(z[c] - lse) - (c == y)));
	}
}

size_t
mlv_nn_xent_correct(const float *logits, const float *target, size_t n,
                    size_t classes)
{
	size_t right = 0;
	for (size_t i = 0; i < n; i++) {
		const float *z = logits + i * classes;
		size_t best = 0;
		for (size_t c = 1; c < classes; c++)
			if (z[c] > z[best])
				best = c;
		right += best == (size_t)target[i];
	}
	return right;
}

/* ------------------------------------------------------------------------
 * Adam */

mlv_adam
mlv_adam_defaults(void)
{
	mlv_adam a = {1e-3, 0.9, 0.999, 1e-8};
	return a;
}

void
mlv_adam_update(const mlv_adam *opt, float *params, const float *grads,
                float *m, float *v, size_t n, uint64_t t)
{
	/* PyTorch's single-tensor Adam (torch/optim/adam.py, 1.13): scalars
	 * are computed in double from the step count and the hyperparameters,
	 * then the tensor arithmetic runs in float:
	 *   m.mul_(b1).add_(g, alpha=1-b1); v.mul_(b2).addcmul_(g, g, value=1-b2)
	 *   denom = (v.sqrt() / sqrt(bc2)).add_(eps); p.addcdiv_(m, denom,
	 *   value=-lr/bc1) */
	double bc1 = 1 - pow(opt->beta1, (double)t);
	double bc2 = 1 - pow(opt->beta2, (double)t);
	float step_size = (float)(opt->lr / bc1);
	float bc2_sqrt = (float)sqrt(bc2);
	float b1 = (float)opt->beta1, b2 = (float)opt->beta2;
	float c1 = (float)(1 - opt->beta1), c2 = (float)(1 - opt->beta2);
	float eps = (float)opt->eps;
	for (size_t i = 0; i < n; i++) {
		float g = grads[i];
		m[i] = b1 * m[i] + c1 * g;
		v[i] = b2 * v[i] + c2 * g * g;
		float denom = sqrtf(v[i]) / bc2_sqrt + eps;
		params[i] -= step_size * (m[i] / denom);
	}
}

/* ------------------------------------------------------------------------
 * layer kinds: the one table the engine dispatches through */

typedef struct {
	const char *name;
	unsigned settings, required; /* bits 1u << mlv_nn_setting */
	/* From spec and input shape: output shape, tensors (names and shapes,
	 * offsets left to the engine), per-sample cache and scratch. */
	int (*setup)(mlv_nn_layer *l, char *err, size_t errlen);
	void (*init)(mlv_nn_layer *l, mlv_rng *g);
	/* Returns the output (l->out, or inp for a layer that is the identity
	 * at inference); *aux gets any loss the layer adds (a VAE's KL). */
	const float *(*forward)(mlv_nn *nn, mlv_nn_layer *l, const float *inp,
	                        size_t batch, int train, double *aux);
	void (*backward)(mlv_nn *nn, mlv_nn_layer *l, float *dinp,
	                 const float *inp, size_t batch);
	/* NULL, or a check of the layers before it (nn->nlayers of them), for
	 * a kind that works on them. */
	int (*link)(const mlv_nn *nn, char *err, size_t errlen);
} kind_ops;

static void
set_tensor(mlv_nn_layer *l, const char *name, size_t rows, size_t cols)
{
	mlv_nn_tensor *t = &l->tensor[l->ntensors++];
	snprintf(t->name, sizeof t->name, "%s", name);
	t->rows = rows;
	t->cols = cols;
}

static void
init_uniform(float *p, size_t n, double bound, mlv_rng *g)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (float)((2 * mlv_rng_uniform(g) - 1) * bound);
}

static size_t
rows_of(const mlv_nn_layer *l, size_t batch)
{
	return batch * l->in_steps;
}

/* dense */

static int
dense_setup(mlv_nn_layer *l, char *err, size_t errlen)
{
	if (!l->spec.units || l->spec.units > INT_MAX / 4) {
		snprintf(err, errlen, "dense: units must be 1 to %d, got %zu",
		         INT_MAX / 4, l->spec.units);
		return -1;
	}
	l->out_steps = l->in_steps;
	l->out_features = l->spec.units;
	set_tensor(l, "weight", l->spec.units, l->in_features);
	set_tensor(l, "bias", 1, l->spec.units);
	return 0;
}

static void
dense_init(mlv_nn_layer *l, mlv_rng *g)
{
	double bound = 1 / sqrt((double)l->in_features);
	init_uniform(l->param[0], l->spec.units * l->in_features, bound, g);
	init_uniform(l->param[1], l->spec.units, bound, g);
}

static const float *
dense_forward(mlv_nn *nn, mlv_nn_layer *l, const float *inp, size_t batch,
              int train, double *aux)
{
	(void)nn, (void)train, (void)aux;
	mlv_nn_dense_forward(l->out, inp, l->param[0], l->param[1],
	                     rows_of(l, batch), l->in_features, l->spec.units);
	return l->out;
}

static void
dense_backward(mlv_nn *nn, mlv_nn_layer *l, float *dinp, const float *inp,
               size_t batch)
{
	(void)nn;
	mlv_nn_dense_backward(dinp, l->grad[0], l->grad[1], l->dout, inp,
	                      l->param[0], rows_of(l, batch), l->in_features,
	                      l->spec.units);
}

/* activation */

static int
act_setup(mlv_nn_layer *l, char *err, size_t errlen)
{
	if ((unsigned)l->spec.act >= MLV_ACT_COUNT) {
		snprintf(err, errlen, "activation: unknown activation %d",
		         (int)l->spec.act);
		return -1;
	}
	if (!isfinite(l->spec.slope)) {
		snprintf(err, errlen, "activation: slope must be finite");
		return -1;
	}
	l->out_steps = l->in_steps;
	l->out_features = l->in_features;
	return 0;
}

static const float *
act_forward(mlv_nn *nn, mlv_nn_layer *l, const float *inp, size_t batch,
            int train, double *aux)
{
	(void)nn, (void)aux;
	/* At inference the identity costs nothing; in training backward reads
	 * l->out, so it is written. */
	if (l->spec.act == MLV_ACT_LINEAR && !train)
		return inp;
	mlv_nn_act_forward(l->out, inp, rows_of(l, batch) * l->in_features,
	                   l->spec.act, l->spec.slope);
	return l->out;
}

static void
act_backward(mlv_nn *nn, mlv_nn_layer *l, float *dinp, const float *inp,
             size_t batch)
{
	(void)nn;
	if (dinp)
		mlv_nn_act_backward(dinp, l->dout, inp, l->out,
		                    rows_of(l, batch) * l->in_features, l->spec.act,
		                    l->spec.slope);
}

/* dropout */

static int
dropout_setup(mlv_nn_layer *l, char *err, size_t errlen)
{
	if (!(l->spec.rate >= 0 && l->spec.rate < 1)) {
		snprintf(err, errlen, "dropout: rate must be in [0, 1), got %g",
		         (double)l->spec.rate);
		return -1;
	}
	l->out_steps = l->in_steps;
	l->out_features = l->in_features;
	l->cache_floats = mlv_mul_size(l->in_steps, l->in_features, "dropout");
	return 0;
}

static const float *
dropout_forward(mlv_nn *nn, mlv_nn_layer *l, const float *inp, size_t batch,
                int train, double *aux)
{
	(void)aux;
	if (!train)
		return inp;
	size_t n = rows_of(l, batch) * l->in_features;
	/* Rate 0 draws no numbers: a model with its dropout switched off
	 * trains exactly as one without the layer. */
	if (l->spec.rate == 0) {
		memcpy(l->out, inp, n * sizeof(float));
		for (size_t i = 0; i < n; i++)
			l->cache[i] = 1.0f;
		return l->out;
	}
	mlv_nn_dropout_mask(l->cache, &nn->rng, l->spec.rate, n);
	mlv_nn_dropout_forward(l->out, inp, l->cache, n);
	return l->out;
}

static void
dropout_backward(mlv_nn *nn, mlv_nn_layer *l, float *dinp, const float *inp,
                 size_t batch)
{
	(void)nn, (void)inp;
	if (dinp)
		mlv_nn_dropout_backward(dinp, l->dout, l->cache,
		                        rows_of(l, batch) * l->in_features);
}

/* lstm */

static int
lstm_setup(mlv_nn_layer *l, char *err, size_t errlen)
{
	if (!l->spec.units || l->spec.units > INT_MAX / 8) {
		snprintf(err, errlen, "lstm: units must be 1 to %d, got %zu",
		         INT_MAX / 8, l->spec.units);
		return -1;
	}
	size_t H = l->spec.units;
	l->out_steps = l->spec.return_sequences ? l->in_steps : 1;
	l->out_features = H;
	set_tensor(l, "weight_ih", 4 * H, l->in_features);
	set_tensor(l, "weight_hh", 4 * H, H);
	set_tensor(l, "bias_ih", 1, 4 * H);
	set_tensor(l, "bias_hh", 1, 4 * H);
	l->cache_floats = mlv_nn_lstm_cache_floats(l->in_steps, H);
	l->scratch_floats = mlv_nn_lstm_scratch_floats(l->in_steps, H);
	return 0;
}

static void
lstm_init(mlv_nn_layer *l, mlv_rng *g)
{
	double bound = 1 / sqrt((double)l->spec.units);
	for (size_t i = 0; i < 4; i++)
		init_uniform(l->param[i], l->tensor[i].rows * l->tensor[i].cols,
		             bound, g);
}

static const float *
lstm_forward(mlv_nn *nn, mlv_nn_layer *l, const float *inp, size_t batch,
             int train, double *aux)
{
	(void)nn, (void)train, (void)aux;
	mlv_nn_lstm_forward(l->out, l->cache, inp, l->param[0], l->param[1],
	                    l->param[2], l->param[3], batch, l->in_steps,
	                    l->in_features, l->spec.units,
	                    l->spec.return_sequences);
	return l->out;
}

static void
lstm_backward(mlv_nn *nn, mlv_nn_layer *l, float *dinp, const float *inp,
              size_t batch)
{
	(void)nn;
	mlv_nn_lstm_backward(dinp, l->grad[0], l->grad[1], l->grad[2],
	                     l->grad[3], l->scratch, l->dout, l->cache, inp,
	                     l->param[0], l->param[1], batch, l->in_steps,
	                     l->in_features, l->spec.units,
	                     l->spec.return_sequences);
}

/* repeat */

static int
repeat_setup(mlv_nn_layer *l, char *err, size_t errlen)
{
	if (l->in_steps != 1) {
		snprintf(err, errlen, "repeat: needs an input of one step (a "
		         "vector, such as an lstm's last output), got %zu steps",
		         l->in_steps);
		return -1;
	}
	if (!l->spec.steps || l->spec.steps > INT_MAX / 4) {
		snprintf(err, errlen, "repeat: steps must be 1 to %d, got %zu",
		         INT_MAX / 4, l->spec.steps);
		return -1;
	}
	l->out_steps = l->spec.steps;
	l->out_features = l->in_features;
	return 0;
}

static const float *
repeat_forward(mlv_nn *nn, mlv_nn_layer *l, const float *inp, size_t batch,
               int train, double *aux)
{
	(void)nn, (void)train, (void)aux;
	mlv_nn_repeat_forward(l->out, inp, batch, l->spec.steps, l->in_features);
	return l->out;
}

static void
repeat_backward(mlv_nn *nn, mlv_nn_layer *l, float *dinp, const float *inp,
                size_t batch)
{
	(void)nn, (void)inp;
	if (dinp)
		mlv_nn_repeat_backward(dinp, l->dout, batch, l->spec.steps,
		                       l->in_features);
}

/* noise: additive Gaussian noise in training (a denoising autoencoder's
 * corruption, Vincent et al. 2008); the identity at inference */

static int
noise_setup(mlv_nn_layer *l, char *err, size_t errlen)
{
	if (!(l->spec.sigma >= 0 && isfinite(l->spec.sigma))) {
		snprintf(err, errlen, "noise: sigma must be finite and >= 0, got %g",
		         (double)l->spec.sigma);
		return -1;
	}
	l->out_steps = l->in_steps;
	l->out_features = l->in_features;
	return 0;
}

static const float *
noise_forward(mlv_nn *nn, mlv_nn_layer *l, const float *inp, size_t batch,
              int train, double *aux)
{
	(void)aux;
	if (!train)
		return inp;
	size_t n = rows_of(l, batch) * l->in_features;
	/* Sigma 0 draws nothing, as dropout's rate 0. */
	for (size_t i = 0; i < n; i++)
		l->out[i] = l->spec.sigma == 0 ? inp[i] :
		            inp[i] + l->spec.sigma * (float)mlv_rng_normal(&nn->rng);
	return l->out;
}

static void
noise_backward(mlv_nn *nn, mlv_nn_layer *l, float *dinp, const float *inp,
               size_t batch)
{
	(void)nn, (void)inp;
	size_t n = rows_of(l, batch) * l->in_features;
	for (size_t i = 0; dinp && i < n; i++)
		dinp[i] += l->dout[i];
}

/* vae: Kingma and Welling 2014's reparameterisation.  Each row of 2L
 * inputs is a mean mu and a log-variance lv; in training the output is
 * z = mu + exp(lv / 2) eps with eps ~ N(0, 1) drawn from nn->rng (kept in
 * the cache), and the layer adds w KL(N(mu, exp(lv)) || N(0, 1)), per
 * sample, -1/2 sum_j (1 + lv_j - mu_j^2 - exp(lv_j)), averaged over the
 * batch, to the loss.  w rises linearly over the first `warmup` steps
 * (Bowman et al. 2016's KL annealing).  At inference the output is mu:
 * the embedding is the mean. */

static int
vae_setup(mlv_nn_layer *l, char *err, size_t errlen)
{
	if (l->in_features % 2) {
		snprintf(err, errlen, "vae: needs an even number of input features "
		         "(means, then log-variances), got %zu", l->in_features);
		return -1;
	}
	if (!(l->spec.kl_weight >= 0 && isfinite(l->spec.kl_weight))) {
		snprintf(err, errlen, "vae: kl_weight must be finite and >= 0, "
		         "got %g", (double)l->spec.kl_weight);
		return -1;
	}
	l->out_steps = l->in_steps;
	l->out_features = l->in_features / 2;
	l->cache_floats = mlv_mul_size(l->in_steps, l->out_features, "vae");
	return 0;
}

/* The KL weight of the coming update (nn->step updates done). */
static double
vae_weight(const mlv_nn *nn, const mlv_nn_layer *l)
{
	double w = l->spec.kl_weight;
	if (l->spec.warmup && nn->step < l->spec.warmup)
		w *= (double)(nn->step + 1) / (double)l->spec.warmup;
	return w;
}

static const float *
vae_forward(mlv_nn *nn, mlv_nn_layer *l, const float *inp, size_t batch,
            int train, double *aux)
{
	size_t rows = rows_of(l, batch), L = l->out_features;
	double kl = 0;
	for (size_t r = 0; r < rows; r++) {
		const float *mu = inp + r * 2 * L, *lv = mu + L;
		float *z = l->out + r * L, *eps = l->cache + r * L;
		for (size_t j = 0; j < L; j++) {
			if (!train) {
				z[j] = mu[j];
				continue;
			}
			eps[j] = (float)mlv_rng_normal(&nn->rng);
			float e = expf(lv[j]);
			z[j] = mu[j] + sqrtf(e) * eps[j];
			kl += 1.0 + lv[j] - (double)mu[j] * mu[j] - e;
		}
	}
	if (train)
		*aux = vae_weight(nn, l) * -0.5 * kl / (double)batch;
	return l->out;
}

static void
vae_backward(mlv_nn *nn, mlv_nn_layer *l, float *dinp, const float *inp,
             size_t batch)
{
	if (!dinp)
		return;
	size_t rows = rows_of(l, batch), L = l->out_features;
	float w = (float)(vae_weight(nn, l) / (double)batch);
	for (size_t r = 0; r < rows; r++) {
		const float *mu = inp + r * 2 * L, *lv = mu + L;
		const float *dz = l->dout + r * L, *eps = l->cache + r * L;
		float *dmu = dinp + r * 2 * L, *dlv = dmu + L;
		for (size_t j = 0; j < L; j++) {
			float e = expf(lv[j]);
			dmu[j] += dz[j] + w * mu[j];
			dlv[j] += 0.5f * (dz[j] * sqrtf(e) * eps[j] + w * (e - 1));
		}
	}
}

/* contractive: Rifai et al. 2011's contractive autoencoder penalty,
 * lambda ||J||_F^2 of the Jacobian J = diag(a'(z)) W of the dense layer
 * and activation just before it, h = a(W x + b), exact for that pair:
 *     ||J||_F^2 = sum_j a'(z_j)^2 sum_i W_ji^2,
 * summed over steps and averaged over the batch, added as an auxiliary
 * loss in training.  The output is its input.  Its backward adds the
 * penalty's gradients straight into the dense layer's weight gradient
 * and output gradient (dL/dz), which the layers before it then carry on:
 * every backward adds into zeroed gradients, so order does not matter. */

static int
contractive_setup(mlv_nn_layer *l, char *err, size_t errlen)
{
	if (!(l->spec.contractive >= 0 && isfinite(l->spec.contractive))) {
		snprintf(err, errlen, "contractive: the weight must be finite and "
		         ">= 0, got %g", (double)l->spec.contractive);
		return -1;
	}
	l->out_steps = l->in_steps;
	l->out_features = l->in_features;
	/* sum_i W_ji^2 per unit (one sample's worth is enough) */
	l->cache_floats = l->in_features;
	return 0;
}

static int
contractive_link(const mlv_nn *nn, char *err, size_t errlen)
{
	size_t n = nn->nlayers;
	if (n < 2 || nn->layers[n - 1].spec.kind != MLV_NN_ACTIVATION ||
	    nn->layers[n - 2].spec.kind != MLV_NN_DENSE) {
		snprintf(err, errlen, "contractive: must follow a dense layer and "
		         "its activation");
		return -1;
	}
	return 0;
}

/* g = a'(z)^2 and dg/dz, from h = a(z) (z for leaky relu). */
static void
act_grad_sq(mlv_nn_act act, float slope, float z, float h, float *g,
            float *dg)
{
	float d;
	switch (act) {
	case MLV_ACT_RELU:
		*g = h > 0;
		*dg = 0;
		break;
	case MLV_ACT_LEAKY_RELU:
		*g = z > 0 ? 1 : slope * slope;
		*dg = 0;
		break;
	case MLV_ACT_TANH:
		d = 1 - h * h;
		*g = d * d;
		*dg = -4 * h * d * d;
		break;
	case MLV_ACT_SIGMOID:
		d = h * (1 - h);
		*g = d * d;
		*dg = 2 * d * d * (1 - 2 * h);
		break;
	case MLV_ACT_LINEAR:
	default:
		*g = 1;
		*dg = 0;
		break;
	}
}

static const float *
contractive_forward(mlv_nn *nn, mlv_nn_layer *l, const float *inp,
                    size_t batch, int train, double *aux)
{
	if (!train)
		return inp;
	const mlv_nn_layer *act = l - 1, *dense = l - 2;
	size_t H = l->in_features, D = dense->in_features;
	size_t rows = rows_of(l, batch);
	float *S = l->cache;
	for (size_t j = 0; j < H; j++) {
		double sum = 0;
		for (size_t i = 0; i < D; i++)
			sum += (double)dense->param[0][j * D + i] *
			       dense->param[0][j * D + i];
		S[j] = (float)sum;
	}
	double pen = 0;
	for (size_t r = 0; r < rows; r++)
		for (size_t j = 0; j < H; j++) {
			float g, dg;
			act_grad_sq(act->spec.act, act->spec.slope,
			            dense->out[r * H + j], inp[r * H + j], &g, &dg);
			pen += (double)g * S[j];
		}
	(void)nn;
	*aux = l->spec.contractive * pen / (double)batch;
	return inp;
}

static void
contractive_backward(mlv_nn *nn, mlv_nn_layer *l, float *dinp,
                     const float *inp, size_t batch)
{
	(void)nn;
	mlv_nn_layer *act = l - 1, *dense = l - 2;
	size_t H = l->in_features, D = dense->in_features;
	size_t rows = rows_of(l, batch);
	for (size_t i = 0; dinp && i < rows * H; i++)
		dinp[i] += l->dout[i];
	float c = (float)(l->spec.contractive / (double)batch);
	const float *S = l->cache;
	for (size_t j = 0; j < H; j++) {
		double gsum = 0;
		for (size_t r = 0; r < rows; r++) {
			float g, dg;
			act_grad_sq(act->spec.act, act->spec.slope,
			            dense->out[r * H + j], inp[r * H + j], &g, &dg);
			gsum += g;
			dense->dout[r * H + j] += c * dg * S[j];
		}
		float k = 2 * c * (float)gsum;
		for (size_t i = 0; i < D; i++)
			dense->grad[0][j * D + i] += k * dense->param[0][j * D + i];
	}
}

/* batchnorm: Ioffe and Szegedy 2015 with PyTorch's BatchNorm1d
 * arithmetic (eps 1e-5, momentum 0.1): each feature normalised over the
 * batch's rows (every step of every sample) in training, by running
 * statistics at inference, then scaled and shifted.  The running mean and
 * variance are tensors of the block, so model files and checkpoints keep
 * them; their gradients stay 0, and Adam moves no parameter whose
 * gradient has always been 0 (m = v = 0), so they change only here. */
#define BN_EPS 1e-5f
#define BN_MOMENTUM 0.1f

static int
bn_setup(mlv_nn_layer *l, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	size_t F = l->in_features;
	l->out_steps = l->in_steps;
	l->out_features = F;
	set_tensor(l, "weight", 1, F);
	set_tensor(l, "bias", 1, F);
	set_tensor(l, "running_mean", 1, F);
	set_tensor(l, "running_var", 1, F);
	/* per sample: x-hat of its steps, and room for 1/std */
	l->cache_floats = mlv_mul_size(l->in_steps + 1, F, "batchnorm");
	return 0;
}

static void
bn_init(mlv_nn_layer *l, mlv_rng *g)
{
	(void)g;
	for (size_t j = 0; j < l->in_features; j++) {
		l->param[0][j] = 1;
		l->param[1][j] = 0;
		l->param[2][j] = 0;
		l->param[3][j] = 1;
	}
}

/* Both passes run over rows in the outer loop and features in the inner,
 * with one accumulator per feature: the same sums in the same order as a
 * loop over each feature's column, without striding down the columns
 * (F up to a few hundred floats a row under a conv2d, half of a CNN
 * epoch's time when it strided). */
static const float *
bn_forward(mlv_nn *nn, mlv_nn_layer *l, const float *inp, size_t batch,
           int train, double *aux)
{
	(void)nn, (void)aux;
	size_t F = l->in_features, rows = rows_of(l, batch);
	const float *w = l->param[0], *b = l->param[1];
	float *rm = l->param[2], *rv = l->param[3];
	float *xhat = l->cache, *istd = l->cache + rows * F;
	double *acc = mlv_malloc(mlv_mul_size(2 * sizeof(double), F, "batchnorm"));
	double *mean = acc, *sq = acc + F;
	float *mu = mlv_malloc(F * sizeof(float));
	if (train) {
		for (size_t j = 0; j < F; j++)
			mean[j] = sq[j] = 0;
		for (size_t r = 0; r < rows; r++)
			for (size_t j = 0; j < F; j++)
				mean[j] += inp[r * F + j];
		for (size_t j = 0; j < F; j++)
			mean[j] /= (double)rows;
		for (size_t r = 0; r < rows; r++)
			for (size_t j = 0; j < F; j++) {
				double d = inp[r * F + j] - mean[j];
				sq[j] += d * d;
			}
	}
	for (size_t j = 0; j < F; j++) {
		double m, var;
		if (train) {
			m = mean[j];
			var = sq[j] / (double)rows;
			/* the running variance is the unbiased one, as PyTorch's */
			if (rows > 1) {
				rm[j] = (1 - BN_MOMENTUM) * rm[j] + BN_MOMENTUM * (float)m;
				rv[j] = (1 - BN_MOMENTUM) * rv[j] + BN_MOMENTUM *
				        (float)(sq[j] / (double)(rows - 1));
			}
		} else {
			m = rm[j];
			var = rv[j];
		}
		istd[j] = (float)(1 / sqrt(var + BN_EPS));
		mu[j] = (float)m;
	}
	for (size_t r = 0; r < rows; r++)
		for (size_t j = 0; j < F; j++) {
			float h = (inp[r * F + j] - mu[j]) * istd[j];
			if (train)
				xhat[r * F + j] = h;
			l->out[r * F + j] = w[j] * h + b[j];
		}
	free(acc);
	free(mu);
	return l->out;
}

static void
bn_backward(mlv_nn *nn, mlv_nn_layer *l, float *dinp, const float *inp,
            size_t batch)
{
	(void)nn, (void)inp;
	size_t F = l->in_features, rows = rows_of(l, batch);
	const float *w = l->param[0], *xhat = l->cache;
	const float *istd = l->cache + rows * F, *dy = l->dout;
	double *acc = mlv_malloc(mlv_mul_size(2 * sizeof(double), F, "batchnorm"));
	double *sdy = acc, *sdyx = acc + F;
	for (size_t j = 0; j < F; j++)
		sdy[j] = sdyx[j] = 0;
	for (size_t r = 0; r < rows; r++)
		for (size_t j = 0; j < F; j++) {
			sdy[j] += dy[r * F + j];
			sdyx[j] += (double)dy[r * F + j] * xhat[r * F + j];
		}
	for (size_t j = 0; j < F; j++) {
		l->grad[0][j] += (float)sdyx[j];
		l->grad[1][j] += (float)sdy[j];
	}
	if (dinp) {
		/* dx = w istd / N (N dy - sum dy - xhat sum dy xhat) */
		float *k = mlv_malloc(3 * F * sizeof(float));
		float *fsdy = k + F, *fsdyx = k + 2 * F;
		for (size_t j = 0; j < F; j++) {
			k[j] = w[j] * istd[j] / (float)rows;
			fsdy[j] = (float)sdy[j];
			fsdyx[j] = (float)sdyx[j];
		}
		for (size_t r = 0; r < rows; r++)
			for (size_t j = 0; j < F; j++)
				dinp[r * F + j] += k[j] * ((float)rows * dy[r * F + j] -
				                           fsdy[j] -
				                           xhat[r * F + j] * fsdyx[j]);
		free(k);
	}
	free(acc);
}

/* conv2d: PyTorch's Conv2d (stride 1, no padding) over time x frequency,
 * channels last.  Each sample's patches are laid out by im2col as rows
 * (t, f) of C x kt x kf values (PyTorch's weight order, (filters, C, kt,
 * kf)), so the convolution is the dense layer's product of those rows
 * with the filters, and its output rows (t, f) of filters values are
 * again channels last. */

static int
conv_setup(mlv_nn_layer *l, char *err, size_t errlen)
{
	size_t C = l->spec.channels, kt = l->spec.kernel, kf = l->spec.kernel_freq;
	if (!C || l->in_features % C) {
		snprintf(err, errlen, "conv2d: %zu features are not frequencies x "
		         "%zu channels", l->in_features, C);
		return -1;
	}
	size_t F = l->in_features / C;
	if (!kt || !kf || kt > l->in_steps || kf > F || !l->spec.filters) {
		snprintf(err, errlen, "conv2d: a kernel of %zu x %zu does not fit "
		         "%zu steps x %zu frequencies (or no filters)", kt, kf,
		         l->in_steps, F);
		return -1;
	}
	size_t T2 = l->in_steps - kt + 1, F2 = F - kf + 1, K = C * kt * kf;
	/* K is a row stride of the product, which cblas takes as an int */
	if (K > INT_MAX / 4) {
		snprintf(err, errlen, "conv2d: a kernel of %zu values is too large",
		         K);
		return -1;
	}
	l->out_steps = T2;
	l->out_features = mlv_mul_size(F2, l->spec.filters, "conv2d");
	set_tensor(l, "weight", l->spec.filters, K);
	set_tensor(l, "bias", 1, l->spec.filters);
	l->cache_floats = mlv_mul_size(T2 * F2, K, "conv2d");
	l->scratch_floats = l->cache_floats;
	return 0;
}

static void
conv_init(mlv_nn_layer *l, mlv_rng *g)
{
	/* kaiming_uniform(a = sqrt(5)), as nn.Conv2d: U(+-1/sqrt(fan_in)) */
	double bound = 1 / sqrt((double)l->tensor[0].cols);
	init_uniform(l->param[0], l->tensor[0].rows * l->tensor[0].cols, bound,
	             g);
	init_uniform(l->param[1], l->spec.filters, bound, g);
}

/* One im2col element: patch row (t, f), column (c, i, j), of sample x. */
#define CONV_AT(x, t, f, c, i, j, C, Fin) \
	((x)[((t) + (i)) * (Fin) + ((f) + (j)) * (C) + (c)])

static const float *
conv_forward(mlv_nn *nn, mlv_nn_layer *l, const float *inp, size_t batch,
             int train, double *aux)
{
	(void)nn, (void)train, (void)aux;
	size_t C = l->spec.channels, kt = l->spec.kernel, kf = l->spec.kernel_freq;
	size_t Fin = l->in_features, F2 = Fin / C - kf + 1;
	size_t T2 = l->out_steps, K = C * kt * kf;
	size_t insz = l->in_steps * Fin;
	for (size_t s = 0; s < batch; s++) {
		const float *x = inp + s * insz;
		float *col = l->cache + s * l->cache_floats;
		for (size_t t = 0; t < T2; t++)
			for (size_t f = 0; f < F2; f++, col += K)
				for (size_t c = 0, k = 0; c < C; c++)
					for (size_t i = 0; i < kt; i++)
						for (size_t j = 0; j < kf; j++)
							col[k++] = CONV_AT(x, t, f, c, i, j, C, Fin);
	}
	mlv_nn_dense_forward(l->out, l->cache, l->param[0], l->param[1],
	                     batch * T2 * F2, K, l->spec.filters);
	return l->out;
}

static void
conv_backward(mlv_nn *nn, mlv_nn_layer *l, float *dinp, const float *inp,
              size_t batch)
{
	(void)nn, (void)inp;
	size_t C = l->spec.channels, kt = l->spec.kernel, kf = l->spec.kernel_freq;
	size_t Fin = l->in_features, F2 = Fin / C - kf + 1;
	size_t T2 = l->out_steps, K = C * kt * kf;
	size_t insz = l->in_steps * Fin;
	float *dcol = dinp ? l->scratch : NULL;
	if (dcol)
		memset(dcol, 0, batch * l->scratch_floats * sizeof(float));
	mlv_nn_dense_backward(dcol, l->grad[0], l->grad[1], l->dout, l->cache,
	                      l->param[0], batch * T2 * F2, K, l->spec.filters);
	if (!dinp)
		return;
	/* col2im: each patch value back to the input value it copied */
	for (size_t s = 0; s < batch; s++) {
		float *dx = dinp + s * insz;
		const float *d = dcol + s * l->scratch_floats;
		for (size_t t = 0; t < T2; t++)
			for (size_t f = 0; f < F2; f++, d += K)
				for (size_t c = 0, k = 0; c < C; c++)
					for (size_t i = 0; i < kt; i++)
						for (size_t j = 0; j < kf; j++)
							CONV_AT(dx, t, f, c, i, j, C, Fin) += d[k++];
	}
}

/* maxpool: PyTorch's MaxPool2d with the stride its kernel, over time x
 * frequency, channels last; a remainder that does not fill a window is
 * dropped, as PyTorch's floor.  The cache keeps each output's argmax (its
 * index in the sample, as a float: exact below 2^24). */

static int
pool_setup(mlv_nn_layer *l, char *err, size_t errlen)
{
	size_t C = l->spec.channels, pt = l->spec.pool, pf = l->spec.pool_freq;
	if (!C || l->in_features % C || !pt || !pf || pt > l->in_steps ||
	    pf > l->in_features / C) {
		snprintf(err, errlen, "maxpool: a window of %zu x %zu does not fit "
		         "%zu steps x %zu features of %zu channels", pt, pf,
		         l->in_steps, l->in_features, C);
		return -1;
	}
	if (l->in_steps * l->in_features >= (size_t)1 << 24) {
		snprintf(err, errlen, "maxpool: samples of more than 2^24 values");
		return -1;
	}
	l->out_steps = l->in_steps / pt;
	l->out_features = (l->in_features / C / pf) * C;
	l->cache_floats = l->out_steps * l->out_features;
	return 0;
}

static const float *
pool_forward(mlv_nn *nn, mlv_nn_layer *l, const float *inp, size_t batch,
             int train, double *aux)
{
	(void)nn, (void)train, (void)aux;
	size_t C = l->spec.channels, pt = l->spec.pool, pf = l->spec.pool_freq;
	size_t Fin = l->in_features, F2 = l->out_features / C;
	size_t insz = l->in_steps * Fin, outsz = l->cache_floats;
	for (size_t s = 0; s < batch; s++) {
		const float *x = inp + s * insz;
		float *y = l->out + s * outsz, *arg = l->cache + s * outsz;
		for (size_t t = 0; t < l->out_steps; t++)
			for (size_t f = 0; f < F2; f++)
				for (size_t c = 0; c < C; c++) {
					size_t best = (t * pt) * Fin + (f * pf) * C + c;
					for (size_t i = 0; i < pt; i++)
						for (size_t j = 0; j < pf; j++) {
							size_t k = (t * pt + i) * Fin + (f * pf + j) * C + c;
							if (x[k] > x[best])
								best = k;
						}
					size_t o = t * l->out_features + f * C + c;
					y[o] = x[best];
					arg[o] = (float)best;
				}
	}
	return l->out;
}

static void
pool_backward(mlv_nn *nn, mlv_nn_layer *l, float *dinp, const float *inp,
              size_t batch)
{
	(void)nn, (void)inp;
	size_t insz = l->in_steps * l->in_features, outsz = l->cache_floats;
	for (size_t s = 0; dinp && s < batch; s++)
		for (size_t o = 0; o < outsz; o++)
			dinp[s * insz + (size_t)l->cache[s * outsz + o]] +=
				l->dout[s * outsz + o];
}

/* flatten: a sample's steps as one step (the memory is the same). */

static int
flatten_setup(mlv_nn_layer *l, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	l->out_steps = 1;
	l->out_features = l->in_steps * l->in_features;
	return 0;
}

static const float *
flatten_forward(mlv_nn *nn, mlv_nn_layer *l, const float *inp, size_t batch,
                int train, double *aux)
{
	(void)nn, (void)l, (void)batch, (void)train, (void)aux;
	return inp;
}

static void
flatten_backward(mlv_nn *nn, mlv_nn_layer *l, float *dinp, const float *inp,
                 size_t batch)
{
	(void)nn, (void)inp;
	for (size_t i = 0; dinp && i < batch * l->out_features; i++)
		dinp[i] += l->dout[i];
}

#define BIT(s) (1u << (s))
static const kind_ops kinds[MLV_NN_KIND_COUNT] = {
	/* dense's activation and contractive weight are the model builder's:
	 * it adds activation and contractive layers after the dense. */
	[MLV_NN_DENSE] = {"dense",
	                  BIT(MLV_NN_SET_UNITS) | BIT(MLV_NN_SET_ACT) |
	                  BIT(MLV_NN_SET_SLOPE) | BIT(MLV_NN_SET_CONTRACTIVE),
	                  BIT(MLV_NN_SET_UNITS),
	                  dense_setup, dense_init, dense_forward, dense_backward, NULL},
	[MLV_NN_ACTIVATION] = {"activation",
	                       BIT(MLV_NN_SET_ACT) | BIT(MLV_NN_SET_SLOPE),
	                       BIT(MLV_NN_SET_ACT), act_setup, NULL, act_forward,
	                       act_backward, NULL},
	[MLV_NN_DROPOUT] = {"dropout", BIT(MLV_NN_SET_RATE),
	                    BIT(MLV_NN_SET_RATE), dropout_setup, NULL,
	                    dropout_forward, dropout_backward, NULL},
	[MLV_NN_LSTM] = {"lstm",
	                 BIT(MLV_NN_SET_UNITS) | BIT(MLV_NN_SET_RETURN_SEQUENCES),
	                 BIT(MLV_NN_SET_UNITS), lstm_setup, lstm_init,
	                 lstm_forward, lstm_backward, NULL},
	[MLV_NN_REPEAT] = {"repeat", BIT(MLV_NN_SET_STEPS),
	                   BIT(MLV_NN_SET_STEPS), repeat_setup, NULL,
	                   repeat_forward, repeat_backward, NULL},
	[MLV_NN_NOISE] = {"noise", BIT(MLV_NN_SET_SIGMA), BIT(MLV_NN_SET_SIGMA),
	                  noise_setup, NULL, noise_forward, noise_backward, NULL},
	[MLV_NN_VAE] = {"vae", BIT(MLV_NN_SET_KL_WEIGHT) |
	                BIT(MLV_NN_SET_WARMUP), 0, vae_setup, NULL,
	                vae_forward, vae_backward, NULL},
	[MLV_NN_BATCHNORM] = {"batchnorm", 0, 0, bn_setup, bn_init, bn_forward,
	                      bn_backward, NULL},
	[MLV_NN_CONV2D] = {"conv2d", BIT(MLV_NN_SET_FILTERS) |
	                   BIT(MLV_NN_SET_KERNEL) | BIT(MLV_NN_SET_KERNEL_FREQ) |
	                   BIT(MLV_NN_SET_CHANNELS), BIT(MLV_NN_SET_FILTERS) |
	                   BIT(MLV_NN_SET_KERNEL), conv_setup, conv_init,
	                   conv_forward, conv_backward, NULL},
	[MLV_NN_MAXPOOL] = {"maxpool", BIT(MLV_NN_SET_POOL) |
	                    BIT(MLV_NN_SET_POOL_FREQ) | BIT(MLV_NN_SET_CHANNELS),
	                    0, pool_setup, NULL, pool_forward, pool_backward, NULL},
	[MLV_NN_FLATTEN] = {"flatten", 0, 0, flatten_setup, NULL,
	                    flatten_forward, flatten_backward, NULL},
	[MLV_NN_CONTRACTIVE] = {"contractive", BIT(MLV_NN_SET_CONTRACTIVE),
	                        BIT(MLV_NN_SET_CONTRACTIVE), contractive_setup,
	                        NULL, contractive_forward, contractive_backward,
	                        contractive_link},
};

#define MAX_DIM ((double)(1 << 24))
static const mlv_nn_setting_info settings[MLV_NN_SET_COUNT] = {
	[MLV_NN_SET_UNITS] = {"units", MLV_NN_TYPE_SIZE, 1, MAX_DIM, 0, 0,
	                      offsetof(mlv_nn_spec, units),
	                      "the number of output features", 0},
	[MLV_NN_SET_ACT] = {"activation", MLV_NN_TYPE_ACT, 0, 0, 0,
	                    MLV_ACT_LINEAR, offsetof(mlv_nn_spec, act),
	                    "linear, relu, leaky_relu, tanh or sigmoid", 0},
	/* PyTorch's LeakyReLU default */
	[MLV_NN_SET_SLOPE] = {"slope", MLV_NN_TYPE_FLOAT, -1e6, 1e6, 0, 0.01,
	                      offsetof(mlv_nn_spec, slope),
	                      "leaky_relu's slope below 0", 0},
	[MLV_NN_SET_RETURN_SEQUENCES] = {"return_sequences", MLV_NN_TYPE_BOOL,
	                                 0, 1, 0, 0,
	                                 offsetof(mlv_nn_spec,
	                                          return_sequences),
	                                 "every step's output, or the last", 0},
	[MLV_NN_SET_STEPS] = {"steps", MLV_NN_TYPE_SIZE, 1, MAX_DIM, 0, 0,
	                      offsetof(mlv_nn_spec, steps),
	                      "how many times to repeat the vector", 0},
	[MLV_NN_SET_RATE] = {"rate", MLV_NN_TYPE_FLOAT, 0, 1, 1, 0,
	                     offsetof(mlv_nn_spec, rate),
	                     "the probability of zeroing a value", 0},
	[MLV_NN_SET_SIGMA] = {"sigma", MLV_NN_TYPE_FLOAT, 0, 1e6, 0, 0,
	                      offsetof(mlv_nn_spec, sigma),
	                      "the standard deviation of the noise", 0},
	[MLV_NN_SET_KL_WEIGHT] = {"kl_weight", MLV_NN_TYPE_FLOAT, 0, 1e6, 0, 1,
	                          offsetof(mlv_nn_spec, kl_weight),
	                          "the weight of the KL term", 0},
	[MLV_NN_SET_WARMUP] = {"warmup", MLV_NN_TYPE_SIZE, 0, 1e9, 0, 0,
	                       offsetof(mlv_nn_spec, warmup),
	                       "steps over which the KL weight rises from 0", 0},
	[MLV_NN_SET_CONTRACTIVE] = {"contractive", MLV_NN_TYPE_FLOAT, 0, 1e6, 0,
	                            0, offsetof(mlv_nn_spec, contractive),
	                            "the weight of the Jacobian penalty", 1},
	[MLV_NN_SET_FILTERS] = {"filters", MLV_NN_TYPE_SIZE, 1, 1 << 16, 0, 0,
	                        offsetof(mlv_nn_spec, filters),
	                        "the number of output channels", 0},
	[MLV_NN_SET_KERNEL] = {"kernel", MLV_NN_TYPE_SIZE, 1, 1 << 16, 0, 0,
	                       offsetof(mlv_nn_spec, kernel),
	                       "the kernel's steps", 0},
	[MLV_NN_SET_KERNEL_FREQ] = {"kernel_freq", MLV_NN_TYPE_SIZE, 1, 1 << 16,
	                            0, 1, offsetof(mlv_nn_spec, kernel_freq),
	                            "the kernel's frequencies", 0},
	[MLV_NN_SET_CHANNELS] = {"channels", MLV_NN_TYPE_SIZE, 1, 1 << 16, 0, 1,
	                         offsetof(mlv_nn_spec, channels),
	                         "the input's channels", 0},
	[MLV_NN_SET_POOL] = {"pool", MLV_NN_TYPE_SIZE, 1, 1 << 16, 0, 1,
	                     offsetof(mlv_nn_spec, pool), "steps pooled", 0},
	[MLV_NN_SET_POOL_FREQ] = {"pool_freq", MLV_NN_TYPE_SIZE, 1, 1 << 16, 0,
	                          1, offsetof(mlv_nn_spec, pool_freq),
	                          "frequencies pooled", 0},
};

const mlv_nn_setting_info *
mlv_nn_setting_get(mlv_nn_setting s)
{
	return &settings[s];
}

unsigned
mlv_nn_kind_settings(mlv_nn_kind kind)
{
	return kind < MLV_NN_KIND_COUNT ? kinds[kind].settings : 0;
}

unsigned
mlv_nn_kind_required(mlv_nn_kind kind)
{
	return kind < MLV_NN_KIND_COUNT ? kinds[kind].required : 0;
}

double
mlv_nn_spec_value(const mlv_nn_spec *spec, mlv_nn_setting s)
{
	const char *f = (const char *)spec + settings[s].offset;
	switch (settings[s].type) {
	case MLV_NN_TYPE_SIZE:
		return (double)*(const size_t *)f;
	case MLV_NN_TYPE_FLOAT:
		return *(const float *)f;
	case MLV_NN_TYPE_BOOL:
		return *(const int *)f;
	case MLV_NN_TYPE_ACT:
	default:
		return (double)*(const mlv_nn_act *)f;
	}
}

void
mlv_nn_spec_set(mlv_nn_spec *spec, mlv_nn_setting s, double v)
{
	char *f = (char *)spec + settings[s].offset;
	switch (settings[s].type) {
	case MLV_NN_TYPE_SIZE:
		*(size_t *)f = (size_t)v;
		break;
	case MLV_NN_TYPE_FLOAT:
		*(float *)f = (float)v;
		break;
	case MLV_NN_TYPE_BOOL:
		*(int *)f = v != 0;
		break;
	case MLV_NN_TYPE_ACT:
	default:
		*(mlv_nn_act *)f = (mlv_nn_act)(int)v;
		break;
	}
}

mlv_nn_spec
mlv_nn_spec_default(mlv_nn_kind kind)
{
	mlv_nn_spec spec;
	memset(&spec, 0, sizeof spec);
	spec.kind = kind;
	for (int s = 0; s < MLV_NN_SET_COUNT; s++)
		mlv_nn_spec_set(&spec, (mlv_nn_setting)s, settings[s].def);
	return spec;
}

const char *
mlv_nn_kind_name(mlv_nn_kind kind)
{
	return kind < MLV_NN_KIND_COUNT ? kinds[kind].name : "?";
}

int
mlv_nn_kind_parse(const char *name, mlv_nn_kind *kind)
{
	for (int i = 0; i < MLV_NN_KIND_COUNT; i++)
		if (!strcmp(name, kinds[i].name)) {
			*kind = (mlv_nn_kind)i;
			return 0;
		}
	return -1;
}

static const char *const loss_names[MLV_LOSS_COUNT] = {"mse",
                                                        "cross_entropy"};

const char *
mlv_nn_loss_name(mlv_nn_loss loss)
{
	return loss < MLV_LOSS_COUNT ? loss_names[loss] : "?";
}

int
mlv_nn_loss_parse(const char *name, mlv_nn_loss *loss)
{
	for (int i = 0; i < MLV_LOSS_COUNT; i++)
		if (!strcmp(name, loss_names[i])) {
			*loss = (mlv_nn_loss)i;
			return 0;
		}
	return -1;
}

/* ------------------------------------------------------------------------
 * networks */

mlv_nn *
mlv_nn_new(size_t steps, size_t features)
{
	mlv_nn *nn = mlv_calloc(1, sizeof *nn);
	nn->in_steps = steps;
	nn->in_features = features;
	nn->adam = mlv_adam_defaults();
	nn->loss = MLV_LOSS_MSE;
	mlv_rng_seed(&nn->rng, 0);
	return nn;
}

void
mlv_nn_free(mlv_nn *nn)
{
	if (!nn)
		return;
	free(nn->layers);
	free(nn->inputs);
	free(nn->params);
	free(nn->acts);
	free(nn->dacts);
	free(nn);
}

long
mlv_nn_add(mlv_nn *nn, const mlv_nn_spec *spec, char *err, size_t errlen)
{
	if (nn->params) {
		snprintf(err, errlen, "layers cannot be added after the network "
		         "is built");
		return -1;
	}
	if ((unsigned)spec->kind >= MLV_NN_KIND_COUNT) {
		snprintf(err, errlen, "unknown layer kind %d", (int)spec->kind);
		return -1;
	}
	mlv_nn_layer l;
	memset(&l, 0, sizeof l);
	l.spec = *spec;
	if (nn->nlayers) {
		l.in_steps = nn->layers[nn->nlayers - 1].out_steps;
		l.in_features = nn->layers[nn->nlayers - 1].out_features;
	} else {
		l.in_steps = nn->in_steps;
		l.in_features = nn->in_features;
	}
	if (!l.in_steps || !l.in_features || l.in_steps > INT_MAX / 4 ||
	    l.in_features > INT_MAX / 4) {
		snprintf(err, errlen, "input of %zu steps x %zu features is out "
		         "of range", l.in_steps, l.in_features);
		return -1;
	}
	if (kinds[spec->kind].setup(&l, err, errlen) ||
	    (kinds[spec->kind].link && kinds[spec->kind].link(nn, err, errlen)))
		return -1;
	if (nn->nlayers == nn->layers_cap) {
		nn->layers_cap = nn->layers_cap ? 2 * nn->layers_cap : 8;
		nn->layers = mlv_realloc(nn->layers, mlv_mul_size(nn->layers_cap,
		                         sizeof *nn->layers, "layers"));
	}
	nn->layers[nn->nlayers] = l;
	return (long)nn->nlayers++;
}

int
mlv_nn_build(mlv_nn *nn, char *err, size_t errlen)
{
	if (!nn->nlayers) {
		snprintf(err, errlen, "the network has no layers");
		return -1;
	}
	if (nn->params) {
		snprintf(err, errlen, "the network is already built");
		return -1;
	}
	size_t total = 0;
	for (size_t i = 0; i < nn->nlayers; i++) {
		mlv_nn_layer *l = &nn->layers[i];
		for (size_t k = 0; k < l->ntensors; k++) {
			size_t n;
			if (mlv_checked_mul(l->tensor[k].rows, l->tensor[k].cols, &n) ||
			    total > SIZE_MAX / 4 - n) {
				snprintf(err, errlen, "too many parameters");
				return -1;
			}
			l->tensor[k].offset = total;
			total += n;
		}
	}
	nn->nparams = total;
	/* One more than the layers: the network's output. */
	nn->inputs = mlv_calloc(nn->nlayers + 1, sizeof *nn->inputs);
	nn->params = mlv_calloc(total ? 4 * total : 1, sizeof(float));
	nn->grads = nn->params + total;
	nn->m = nn->grads + total;
	nn->v = nn->m + total;
	for (size_t i = 0; i < nn->nlayers; i++) {
		mlv_nn_layer *l = &nn->layers[i];
		for (size_t k = 0; k < l->ntensors; k++) {
			l->param[k] = nn->params + l->tensor[k].offset;
			l->grad[k] = nn->grads + l->tensor[k].offset;
		}
	}
	nn->step = 0;
	return 0;
}

void
mlv_nn_init(mlv_nn *nn, mlv_rng *g)
{
	for (size_t i = 0; i < nn->nlayers; i++) {
		mlv_nn_layer *l = &nn->layers[i];
		if (kinds[l->spec.kind].init)
			kinds[l->spec.kind].init(l, g);
	}
	memset(nn->grads, 0, 3 * nn->nparams * sizeof(float));
	nn->step = 0;
}

size_t
mlv_nn_in_size(const mlv_nn *nn)
{
	return nn->in_steps * nn->in_features;
}

size_t
mlv_nn_layer_size(const mlv_nn *nn, size_t i)
{
	return nn->layers[i].out_steps * nn->layers[i].out_features;
}

size_t
mlv_nn_out_size(const mlv_nn *nn)
{
	return nn->nlayers ? mlv_nn_layer_size(nn, nn->nlayers - 1)
	                   : mlv_nn_in_size(nn);
}

size_t
mlv_nn_target_size(const mlv_nn *nn)
{
	return nn->loss == MLV_LOSS_CROSS_ENTROPY ? 1 : mlv_nn_out_size(nn);
}

size_t
mlv_nn_latent_size(const mlv_nn *nn)
{
	return nn->has_latent ? mlv_nn_layer_size(nn, nn->latent) : 0;
}

/* a += b, failing on overflow. */
static int
add_size(size_t *a, size_t b)
{
	if (*a > SIZE_MAX - b)
		return -1;
	*a += b;
	return 0;
}

int
mlv_nn_alloc(mlv_nn *nn, size_t max_batch, char *err, size_t errlen)
{
	if (!nn->params) {
		snprintf(err, errlen, "the network is not built");
		return -1;
	}
	if (!max_batch) {
		snprintf(err, errlen, "batch size must be at least 1");
		return -1;
	}
	size_t nacts = 0, ndacts = 0;
	for (size_t i = 0; i < nn->nlayers; i++) {
		mlv_nn_layer *l = &nn->layers[i];
		size_t out, cache, scratch, rows, widest, span;
		/* cblas takes int dimensions and strides.  Bounding the largest
		 * matrix a layer multiplies (the batch's rows of all steps times
		 * its widest row, 4H for an LSTM's gates) bounds them all. */
		widest = l->in_features > l->out_features ? l->in_features
		                                          : l->out_features;
		if (l->spec.kind == MLV_NN_LSTM)
			widest = 4 * l->spec.units > widest ? 4 * l->spec.units : widest;
		if (mlv_checked_mul(max_batch, l->in_steps > l->out_steps ?
		                    l->in_steps : l->out_steps, &rows) ||
		    mlv_checked_mul(rows, widest, &span) || span > INT_MAX ||
		    mlv_checked_mul(max_batch, mlv_nn_layer_size(nn, i), &out) ||
		    mlv_checked_mul(max_batch, l->cache_floats, &cache) ||
		    mlv_checked_mul(max_batch, l->scratch_floats, &scratch) ||
		    add_size(&nacts, out) || add_size(&nacts, cache) ||
		    add_size(&ndacts, out) || add_size(&ndacts, scratch) ||
		    nacts > SIZE_MAX / sizeof(float) ||
		    ndacts > SIZE_MAX / sizeof(float)) {
			snprintf(err, errlen, "batch of %zu samples is too large for "
			         "layer %zu (%s)", max_batch, i,
			         mlv_nn_kind_name(l->spec.kind));
			return -1;
		}
	}
	free(nn->acts);
	free(nn->dacts);
	nn->acts = mlv_calloc(nacts ? nacts : 1, sizeof(float));
	nn->dacts = mlv_calloc(ndacts ? ndacts : 1, sizeof(float));
	float *a = nn->acts, *d = nn->dacts;
	for (size_t i = 0; i < nn->nlayers; i++) {
		mlv_nn_layer *l = &nn->layers[i];
		size_t out = max_batch * mlv_nn_layer_size(nn, i);
		l->out = a;
		a += out;
		l->cache = a;
		a += max_batch * l->cache_floats;
		l->dout = d;
		d += out;
		l->scratch = d;
		d += max_batch * l->scratch_floats;
	}
	nn->max_batch = max_batch;
	return 0;
}

/* Layers first..last (inclusive) on inp; returns the last output and
 * records each layer's input for backward. */
static const float *
forward_range(mlv_nn *nn, size_t first, size_t last, const float *inp,
              size_t batch, int train)
{
	const float *cur = inp;
	nn->aux_loss = 0;
	for (size_t i = first; i <= last && i < nn->nlayers; i++) {
		mlv_nn_layer *l = &nn->layers[i];
		double aux = 0;
		nn->inputs[i] = cur;
		cur = kinds[l->spec.kind].forward(nn, l, cur, batch, train, &aux);
		nn->aux_loss += aux;
	}
	return cur;
}

const float *
mlv_nn_forward(mlv_nn *nn, const float *x, size_t batch, int train)
{
	const float *out = forward_range(nn, 0, nn->nlayers - 1, x, batch, train);
	nn->inputs[nn->nlayers] = out;
	return out;
}

const float *
mlv_nn_encode(mlv_nn *nn, const float *x, size_t batch)
{
	return forward_range(nn, 0, nn->latent, x, batch, 0);
}

const float *
mlv_nn_forward_to(mlv_nn *nn, const float *x, size_t batch, size_t last)
{
	return forward_range(nn, 0, last, x, batch, 0);
}

const float *
mlv_nn_decode(mlv_nn *nn, const float *z, size_t batch)
{
	return forward_range(nn, nn->latent + 1, nn->nlayers - 1, z, batch, 0);
}

/* The one place losses are told apart. */
double
mlv_nn_loss_value(mlv_nn *nn, const float *target, size_t batch)
{
	const float *out = nn->inputs[nn->nlayers];
	size_t n = batch * mlv_nn_out_size(nn);
	double loss = 0;
	switch (nn->loss) {
	case MLV_LOSS_CROSS_ENTROPY:
		loss = mlv_nn_xent_forward(out, target, nn->class_weight, batch,
		                           mlv_nn_out_size(nn));
		break;
	case MLV_LOSS_MSE:
	default:
		loss = mlv_nn_mse_forward(out, target, n);
		break;
	}
	return loss + nn->aux_loss;
}

static void
loss_backward(mlv_nn *nn, const float *target, size_t batch)
{
	mlv_nn_layer *last = &nn->layers[nn->nlayers - 1];
	size_t n = batch * mlv_nn_out_size(nn);
	switch (nn->loss) {
	case MLV_LOSS_CROSS_ENTROPY:
		mlv_nn_xent_backward(last->dout, last->out, target,
		                     nn->class_weight, batch, mlv_nn_out_size(nn));
		break;
	case MLV_LOSS_MSE:
	default:
		mlv_nn_mse_backward(last->dout, last->out, target, n);
		break;
	}
}

void
mlv_nn_backward(mlv_nn *nn, const float *x, const float *target,
                size_t batch)
{
	if (!batch)
		return;
	/* Backward passes add into their input gradients, so the activation
	 * gradients of this batch start at zero. */
	for (size_t i = 0; i < nn->nlayers; i++)
		memset(nn->layers[i].dout, 0,
		       batch * mlv_nn_layer_size(nn, i) * sizeof(float));
	if (nn->dinput)
		memset(nn->dinput, 0, batch * mlv_nn_in_size(nn) * sizeof(float));
	loss_backward(nn, target, batch);
	for (size_t i = nn->nlayers; i-- > 0;) {
		mlv_nn_layer *l = &nn->layers[i];
		float *dinp = i > 0 ? nn->layers[i - 1].dout : nn->dinput;
		const float *inp = i > 0 ? nn->inputs[i] : x;
		kinds[l->spec.kind].backward(nn, l, dinp, inp, batch);
	}
}

void
mlv_nn_zero_grad(mlv_nn *nn)
{
	memset(nn->grads, 0, nn->nparams * sizeof(float));
}

void
mlv_nn_update(mlv_nn *nn)
{
	nn->step++;
	mlv_adam_update(&nn->adam, nn->params, nn->grads, nn->m, nn->v,
	                nn->nparams, nn->step);
}

double
mlv_nn_clip_grad(mlv_nn *nn, double max)
{
	double sq = 0;
	for (size_t i = 0; i < nn->nparams; i++)
		sq += (double)nn->grads[i] * nn->grads[i];
	double norm = sqrt(sq);
	if (norm > max) {
		float k = (float)(max / (norm + 1e-6));
		for (size_t i = 0; i < nn->nparams; i++)
			nn->grads[i] *= k;
	}
	return norm;
}

double
mlv_nn_train_step(mlv_nn *nn, const float *x, const float *target,
                  size_t batch)
{
	mlv_nn_zero_grad(nn);
	mlv_nn_forward(nn, x, batch, 1);
	double loss = mlv_nn_loss_value(nn, target, batch);
	mlv_nn_backward(nn, x, target, batch);
	if (nn->clip_norm > 0)
		nn->grad_norm = mlv_nn_clip_grad(nn, nn->clip_norm);
	mlv_nn_update(nn);
	return loss;
}

void
mlv_nn_recon_error(mlv_nn *nn, const float *x, size_t batch, float *err)
{
	const float *y = mlv_nn_forward(nn, x, batch, 0);
	mlv_nn_mse_rows(err, y, x, batch, mlv_nn_out_size(nn));
}
