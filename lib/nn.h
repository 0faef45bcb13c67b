/* nn.h - a small neural-network engine: dense, LSTM and friends, MSE, Adam.
 *
 * Written in the manner of karpathy's llm.c (train_gpt2.c): every layer is a
 * pair of plain functions over caller-owned buffers,
 *
 *     mlv_nn_dense_forward(out, inp, w, b, n, in, units)
 *     mlv_nn_dense_backward(dinp, dw, db, dout, inp, w, n, in, units)
 *
 * outputs first, then inputs and weights, then dimensions.  Backward passes
 * ADD into their gradients (dinp, dw, db); mlv_nn_zero_grad() clears the
 * parameter gradients, so gradients of several batches can be accumulated.
 * Every matrix product goes through mlv_nn_gemm(), the one cblas_sgemm call
 * of this module (lib/knn.c's mlv_gemm_abt is the other in mlv), with
 * mlv_nn_gemm_naive() beside it for tests.
 *
 * A network (mlv_nn) is a sequence of such layers over batches of samples,
 * each sample a sequence of `steps` vectors of `features` floats stored step
 * by step (man/mlv.5, key steps): a batch is batch x steps x features,
 * row-major.  Its parameters live in one contiguous float block described
 * by a table of named tensors; gradients and Adam's m and v mirror the
 * block, so the optimiser is one flat loop (llm.c's ParameterTensors and
 * param_sizes[]).  Activations, caches and their gradients are allocated
 * once by mlv_nn_alloc() for a maximum batch: nothing allocates inside the
 * training loop.
 *
 * Adding a layer kind.  nn.c keeps a table of kinds, one struct of function
 * pointers each (setup: output shape, parameter tensors and per-sample
 * cache sizes from the input shape; init; forward; backward), indexed by
 * mlv_nn_kind.  A table rather than switches: every kind needs the same four
 * operations, and with a switch per operation a new kind would be spread
 * over four places in the engine; with the table it is its plain function
 * pair plus one table entry, and the engine (allocation, chaining, zeroing,
 * Adam, the sizes table, saving) is untouched.  Its settings and their
 * model-file keys are described once too (mlv_nn_setting_get), so the
 * YAML reader and writer need no edit either.  Hooks in use:
 *   - vae (reparameterisation z = mu + exp(logvar/2) eps): 2L features in
 *     and L out, eps drawn from nn->rng and kept in its cache; its forward
 *     returns an auxiliary loss (the KL term), which mlv_nn_loss_value()
 *     adds, and its backward adds the KL gradient itself.
 *   - Softmax classifiers: MLV_LOSS_CROSS_ENTROPY in the one loss switch,
 *     with targets given as class indices.
 *   - batchnorm: forward's `train` flag selects batch or running
 *     statistics; the running statistics are tensors of the block whose
 *     gradients stay 0, which Adam leaves as they are.
 *   - conv2d: setup maps (steps, frequencies x channels) to (steps',
 *     frequencies' x filters); im2col into its cache, then the dense
 *     layer's product.
 *
 * Conventions.  Sizes are size_t; every product of sizes that is allocated
 * is checked.  Functions that can fail return -1 with a message in err;
 * nothing here prints or exits except through util.h's allocator.  Random
 * numbers come from explicitly seeded mlv_rng states.  Nothing is threaded
 * here except inside OpenBLAS, whose partition of a product among threads
 * is fixed by its shape, so a seed gives the same bits for a given
 * OpenBLAS thread count (tests/test-nn.c trains twice on 2 threads).  It
 * does not across thread counts: OpenBLAS 0.3.21 blocks the inner
 * dimension differently when threaded, so products with k above ~384 (the
 * 501-bin input layer) round differently on 1 and 2 threads.
 */
#ifndef MLV_NN_H
#define MLV_NN_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"

/* ---- matrix products ---- */

/* C = alpha * op(A) * op(B) + beta * C, row-major, op(A) m x k, op(B)
 * k x n, C m x n; ta/tb nonzero transpose A (stored k x m) or B (stored
 * n x k).  lda, ldb, ldc are row strides in floats, so a step of a batch of
 * sequences (every steps-th row) is a matrix too.  Dimensions and strides
 * must be below INT_MAX (mlv_nn_alloc checks the network's). */
void mlv_nn_gemm(int ta, int tb, size_t m, size_t n, size_t k, float alpha,
                 const float *a, size_t lda, const float *b, size_t ldb,
                 float beta, float *c, size_t ldc);
/* The same by three loops with double sums, for tests. */
void mlv_nn_gemm_naive(int ta, int tb, size_t m, size_t n, size_t k,
                       float alpha, const float *a, size_t lda,
                       const float *b, size_t ldb, float beta, float *c,
                       size_t ldc);

/* ---- layers: plain forward/backward pairs ----
 * n counts rows (batch x steps for per-step layers); a NULL dinp skips the
 * input gradient (the first layer of a network needs none). */

/* out (n x units) = inp (n x in) . w^T + b;  w (units x in), b (units),
 * PyTorch's Linear.  Applied to each step of a sequence. */
void mlv_nn_dense_forward(float *out, const float *inp, const float *w,
                          const float *b, size_t n, size_t in, size_t units);
/* dinp (n x in) += dout . w;  dw += dout^T . inp;  db += column sums. */
void mlv_nn_dense_backward(float *dinp, float *dw, float *db,
                           const float *dout, const float *inp,
                           const float *w, size_t n, size_t in, size_t units);

typedef enum {
	MLV_ACT_LINEAR,     /* identity */
	MLV_ACT_RELU,       /* max(0, x) */
	MLV_ACT_LEAKY_RELU, /* x > 0 ? x : slope * x */
	MLV_ACT_TANH,
	MLV_ACT_SIGMOID,    /* 1 / (1 + exp(-x)) */
	MLV_ACT_COUNT
} mlv_nn_act;

/* Names as in the model files: "linear", "relu", "leaky_relu", "tanh",
 * "sigmoid".  Parse returns -1 for an unknown name. */
const char *mlv_nn_act_name(mlv_nn_act act);
int mlv_nn_act_parse(const char *name, mlv_nn_act *act);

/* out[i] = act(inp[i]) for n values; out may equal inp. */
void mlv_nn_act_forward(float *out, const float *inp, size_t n,
                        mlv_nn_act act, float slope);
/* dinp[i] += act'(inp[i]) * dout[i].  The derivative is taken from out
 * (relu, tanh, sigmoid) or inp (leaky relu), both as the forward left them.
 * At 0 relu's derivative is 0 and leaky relu's is slope, as PyTorch's. */
void mlv_nn_act_backward(float *dinp, const float *dout, const float *inp,
                         const float *out, size_t n, mlv_nn_act act,
                         float slope);

/* Inverted dropout (Srivastava et al. 2014, scaled at training time, as
 * PyTorch and Keras do): mask[i] is 0 with probability rate, else
 * 1 / (1 - rate), from g; 0 <= rate < 1.  At inference a network skips the
 * layer, so nothing is rescaled there. */
void mlv_nn_dropout_mask(float *mask, mlv_rng *g, float rate, size_t n);
/* out = inp * mask. */
void mlv_nn_dropout_forward(float *out, const float *inp, const float *mask,
                            size_t n);
/* dinp += dout * mask. */
void mlv_nn_dropout_backward(float *dinp, const float *dout,
                             const float *mask, size_t n);

/* LSTM (Hochreiter and Schmidhuber 1997) with PyTorch's equations and
 * parameter layout, gates in the order input, forget, cell, output:
 *   gates_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh   (4H wide)
 *   i, f, o = sigmoid(.), g = tanh(.)
 *   c_t = f c_{t-1} + i g,  h_t = o tanh(c_t),  h_0 = c_0 = 0.
 * inp is batch x steps x in; w_ih (4H x in), w_hh (4H x H), b_ih and b_hh
 * (4H).  out is batch x steps x H with return_sequences, else batch x H
 * (h of the last step).  cache holds mlv_nn_lstm_cache_floats() floats per
 * sample: the activated gates, c, tanh(c) and h of every step, which
 * backward reads. */
size_t mlv_nn_lstm_cache_floats(size_t steps, size_t units);
/* Scratch floats per sample that backward needs: the gate gradients of
 * every step and dh, dc of one step. */
size_t mlv_nn_lstm_scratch_floats(size_t steps, size_t units);
void mlv_nn_lstm_forward(float *out, float *cache, const float *inp,
                         const float *w_ih, const float *w_hh,
                         const float *b_ih, const float *b_hh, size_t batch,
                         size_t steps, size_t in, size_t units,
                         int return_sequences);
/* Backpropagation through time from dout (shaped as out) over the cache of
 * the last forward; adds into dinp, dw_ih, dw_hh, db_ih and db_hh (which
 * receive the same gradient, as in PyTorch).  scratch as sized above. */
void mlv_nn_lstm_backward(float *dinp, float *dw_ih, float *dw_hh,
                          float *db_ih, float *db_hh, float *scratch,
                          const float *dout, const float *cache,
                          const float *inp, const float *w_ih,
                          const float *w_hh, size_t batch, size_t steps,
                          size_t in, size_t units, int return_sequences);

/* out (batch x steps x features) repeats inp (batch x features) at every
 * step: a sequence decoder that gets the latent at every step (Keras's
 * RepeatVector; MusicLatentVIS section 3.2.2). */
void mlv_nn_repeat_forward(float *out, const float *inp, size_t batch,
                           size_t steps, size_t features);
/* dinp += the sum over steps of dout. */
void mlv_nn_repeat_backward(float *dinp, const float *dout, size_t batch,
                            size_t steps, size_t features);

/* Mean squared error over n values, summed in double (PyTorch's MSELoss,
 * reduction "mean"). */
double mlv_nn_mse_forward(const float *out, const float *target, size_t n);
/* dout += 2 (out - target) / n. */
void mlv_nn_mse_backward(float *dout, const float *out, const float *target,
                         size_t n);
/* err[r] = mean squared error of row r, rows x cols. */
void mlv_nn_mse_rows(float *err, const float *out, const float *target,
                     size_t rows, size_t cols);

/* Softmax cross-entropy of n rows of logits (n x classes) against class
 * indices target[i] (as floats, each below classes), weighted by
 * weight[class] (NULL: all 1) as in PyTorch's CrossEntropyLoss:
 * sum_i w[y_i] (logsumexp(z_i) - z_i[y_i]) / sum_i w[y_i], in double. */
double mlv_nn_xent_forward(const float *logits, const float *target,
                           const float *weight, size_t n, size_t classes);
/* dlogits += w[y_i] / sum w (softmax(z_i) - onehot(y_i)). */
void mlv_nn_xent_backward(float *dlogits, const float *logits,
                          const float *target, const float *weight, size_t n,
                          size_t classes);
/* Rows whose largest logit is at their target class. */
size_t mlv_nn_xent_correct(const float *logits, const float *target,
                           size_t n, size_t classes);

/* ---- Adam ---- */

/* Kingma and Ba 2015 with PyTorch's arithmetic (torch.optim.Adam, no
 * weight decay):  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
 * p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps), t >= 1. */
typedef struct {
	/* Double, as PyTorch keeps them (Python floats): 1 - beta2 is then
	 * computed in double and rounded once, 0.001f, where float arithmetic
	 * would give 1 - 0.999f = 0.00099998713. */
	double lr, beta1, beta2, eps;
} mlv_adam;

/* lr 1e-3, beta1 0.9, beta2 0.999, eps 1e-8: PyTorch's and Keras's. */
mlv_adam mlv_adam_defaults(void);
/* One step t (1-based) over n parameters. */
void mlv_adam_update(const mlv_adam *opt, float *params, const float *grads,
                     float *m, float *v, size_t n, uint64_t t);

/* ---- networks ---- */

typedef enum {
	MLV_NN_DENSE,      /* units; applied per step */
	MLV_NN_ACTIVATION, /* act, slope */
	MLV_NN_DROPOUT,    /* rate; identity at inference */
	MLV_NN_LSTM,       /* units, return_sequences */
	MLV_NN_REPEAT,     /* steps; input of one step */
	MLV_NN_NOISE,      /* sigma; identity at inference */
	MLV_NN_VAE,        /* kl_weight, warmup; 2L features in, L out */
	MLV_NN_CONTRACTIVE,/* contractive (the weight); after a dense and its
	                    * activation */
	MLV_NN_BATCHNORM,  /* per feature; batch or running statistics */
	MLV_NN_CONV2D,     /* filters, kernel, kernel_freq, channels */
	MLV_NN_MAXPOOL,    /* pool, pool_freq, channels */
	MLV_NN_FLATTEN,    /* steps x features to one step */
	MLV_NN_KIND_COUNT
} mlv_nn_kind;

/* "dense", "activation", "dropout", "lstm", "repeat", "noise", "vae",
 * "contractive", "batchnorm", "conv2d", "maxpool", "flatten"; -1 if
 * unknown. */
const char *mlv_nn_kind_name(mlv_nn_kind kind);
int mlv_nn_kind_parse(const char *name, mlv_nn_kind *kind);

/* mse: the output against a target of its shape.  cross_entropy: the
 * output is one logit per class and the target one value per sample, the
 * class index (0 to classes - 1) as a float; softmax and the negative log
 * likelihood, weighted by nn->class_weight when set, as PyTorch's
 * CrossEntropyLoss(weight=w): sum_i w[y_i] (-log p_i[y_i]) / sum_i w[y_i]. */
typedef enum { MLV_LOSS_MSE, MLV_LOSS_CROSS_ENTROPY, MLV_LOSS_COUNT }
	mlv_nn_loss;
const char *mlv_nn_loss_name(mlv_nn_loss loss);
int mlv_nn_loss_parse(const char *name, mlv_nn_loss *loss);

/* A layer as the caller describes it; fields a kind does not use are
 * ignored. */
typedef struct {
	mlv_nn_kind kind;
	size_t units;         /* dense, lstm: output features */
	mlv_nn_act act;       /* activation */
	float slope;          /* activation leaky_relu: negative slope */
	int return_sequences; /* lstm: every step's h, or the last only */
	size_t steps;         /* repeat: output steps */
	float rate;           /* dropout: probability of zeroing, [0, 1) */
	float sigma;          /* noise: standard deviation */
	float kl_weight;      /* vae: weight of the KL term */
	size_t warmup;        /* vae: steps over which that weight rises
	                       * linearly from 0 (0: none) */
	float contractive;    /* contractive: weight of ||J||_F^2 */
	/* conv2d and maxpool see a sample as time (steps) x frequency x
	 * channels, channels last: features = frequencies x channels. */
	size_t filters;       /* conv2d: output channels */
	size_t kernel;        /* conv2d: kernel steps (time) */
	size_t kernel_freq;   /* conv2d: kernel frequencies */
	size_t channels;      /* conv2d, maxpool: input channels */
	size_t pool;          /* maxpool: steps pooled (time) */
	size_t pool_freq;     /* maxpool: frequencies pooled */
} mlv_nn_spec;

/* ---- layer settings ----
 * Every setting of mlv_nn_spec, described once: its key in the model
 * files, its type, range, default and meaning.  With the kinds table's
 * lists of which settings a kind takes and requires, this is all the YAML
 * reader and writer (model-config.c) know of a kind: a new kind adds its
 * settings here and its row to the kinds table in nn.c. */
typedef enum {
	MLV_NN_SET_UNITS, MLV_NN_SET_ACT, MLV_NN_SET_SLOPE,
	MLV_NN_SET_RETURN_SEQUENCES, MLV_NN_SET_STEPS, MLV_NN_SET_RATE,
	MLV_NN_SET_SIGMA, MLV_NN_SET_KL_WEIGHT, MLV_NN_SET_WARMUP,
	MLV_NN_SET_CONTRACTIVE, MLV_NN_SET_FILTERS, MLV_NN_SET_KERNEL,
	MLV_NN_SET_KERNEL_FREQ, MLV_NN_SET_CHANNELS, MLV_NN_SET_POOL,
	MLV_NN_SET_POOL_FREQ, MLV_NN_SET_COUNT
} mlv_nn_setting;

typedef enum {
	MLV_NN_TYPE_SIZE,  /* size_t in [lo, hi] */
	MLV_NN_TYPE_FLOAT, /* float in [lo, hi], or [lo, hi) when hi_open */
	MLV_NN_TYPE_BOOL,  /* int, 0 or 1: true/false, yes/no */
	MLV_NN_TYPE_ACT    /* mlv_nn_act by name */
} mlv_nn_type;

typedef struct {
	const char *key;   /* as in the model files */
	mlv_nn_type type;
	double lo, hi;
	int hi_open;
	double def;        /* default (an mlv_nn_act for TYPE_ACT) */
	size_t offset;     /* of the field in mlv_nn_spec */
	const char *help;  /* what it means, for "missing 'key' (help)" */
	int quiet;         /* written only when not the default: settings
	                    * newer than the model format, whose older
	                    * descriptions must normalise to the same text */
} mlv_nn_setting_info;

const mlv_nn_setting_info *mlv_nn_setting_get(mlv_nn_setting s);
/* Bit 1u << s for each setting s the kind takes, and of those it
 * requires. */
unsigned mlv_nn_kind_settings(mlv_nn_kind kind);
unsigned mlv_nn_kind_required(mlv_nn_kind kind);
/* A spec of kind with every setting at its default. */
mlv_nn_spec mlv_nn_spec_default(mlv_nn_kind kind);
/* Setting s of spec as a double (an act as its number), and set it. */
double mlv_nn_spec_value(const mlv_nn_spec *spec, mlv_nn_setting s);
void mlv_nn_spec_set(mlv_nn_spec *spec, mlv_nn_setting s, double v);

#define MLV_NN_MAX_TENSORS 4

/* One parameter tensor: rows x cols floats at offset in the block (and in
 * the gradient, m and v blocks). */
typedef struct {
	char name[16];        /* "weight", "bias", "weight_ih", ... */
	size_t rows, cols;
	size_t offset;
} mlv_nn_tensor;

typedef struct {
	mlv_nn_spec spec;
	size_t in_steps, in_features, out_steps, out_features;
	size_t ntensors;
	mlv_nn_tensor tensor[MLV_NN_MAX_TENSORS];
	size_t cache_floats;   /* per sample: kept by forward for backward */
	size_t scratch_floats; /* per sample: backward's working space */
	/* Set by mlv_nn_build and mlv_nn_alloc: */
	float *param[MLV_NN_MAX_TENSORS], *grad[MLV_NN_MAX_TENSORS];
	float *out, *dout;     /* max_batch x out_steps x out_features */
	float *cache, *scratch;
} mlv_nn_layer;

typedef struct {
	size_t in_steps, in_features;
	mlv_nn_layer *layers;
	size_t nlayers, layers_cap;
	size_t latent;         /* layer whose output is the latent */
	int has_latent;
	mlv_nn_loss loss;
	const float *class_weight; /* cross_entropy: NULL, or one per class
	                            * (the caller's) */
	/* The parameter block and its mirrors, nparams floats each, in one
	 * allocation; tensors in layer order. */
	size_t nparams;
	float *params, *grads, *m, *v;
	mlv_adam adam;
	double clip_norm;      /* > 0: gradients longer than this (L2 over
	                        * the block) are scaled to it before a step */
	double grad_norm;      /* the last train step's norm, before clipping */
	uint64_t step;         /* Adam steps taken */
	mlv_rng rng;           /* dropout masks; seeded by the caller */
	/* Activations for up to max_batch samples (mlv_nn_alloc). */
	size_t max_batch;
	float *acts, *dacts;
	const float **inputs;  /* each layer's input in the last forward,
	                        * and [nlayers] the network's output */
	double aux_loss;       /* auxiliary loss of the last forward */
	float *dinput;         /* NULL, or batch x in_size: backward writes
	                        * the input gradient there (gradient checks) */
} mlv_nn;

/* An empty network for samples of steps x features. */
mlv_nn *mlv_nn_new(size_t steps, size_t features);
void mlv_nn_free(mlv_nn *nn);
/* Append a layer fed by the previous one's output; returns its index, or
 * -1 with a message when the spec does not fit the input shape (units 0,
 * repeat of a sequence, dropout rate outside [0, 1), ...).  Only before
 * mlv_nn_build. */
long mlv_nn_add(mlv_nn *nn, const mlv_nn_spec *spec, char *err,
                size_t errlen);
/* Allocate the parameter block (zeros), gradients and Adam state.  -1 for
 * a network with no layers or a size that overflows. */
int mlv_nn_build(mlv_nn *nn, char *err, size_t errlen);
/* PyTorch's initialisation, drawn from g layer by layer, weight before
 * bias: dense weight and bias U(-1/sqrt(in), 1/sqrt(in)) (kaiming_uniform
 * with a = sqrt(5), as nn.Linear), LSTM all four U(-1/sqrt(H), 1/sqrt(H)).
 * Clears m, v and the step count. */
void mlv_nn_init(mlv_nn *nn, mlv_rng *g);
/* Buffers for batches of up to max_batch samples (again to grow). */
int mlv_nn_alloc(mlv_nn *nn, size_t max_batch, char *err, size_t errlen);

/* Floats per sample of the input, the output, and layer i's output. */
size_t mlv_nn_in_size(const mlv_nn *nn);
size_t mlv_nn_out_size(const mlv_nn *nn);
size_t mlv_nn_layer_size(const mlv_nn *nn, size_t i);
/* Floats per sample of the loss's target: the output's for mse, 1 (the
 * class) for cross_entropy. */
size_t mlv_nn_target_size(const mlv_nn *nn);
/* The latent's floats per sample (0 without a latent). */
size_t mlv_nn_latent_size(const mlv_nn *nn);

/* Forward a batch (batch <= max_batch) of input samples; returns the
 * output (batch x out_size) inside nn.  train: dropout on, and the caches
 * backward needs are kept. */
const float *mlv_nn_forward(mlv_nn *nn, const float *x, size_t batch,
                            int train);
/* Inference through layers 0..latent; returns batch x latent_size. */
const float *mlv_nn_encode(mlv_nn *nn, const float *x, size_t batch);
/* Inference through layers 0..last; returns batch x layer_size(last). */
const float *mlv_nn_forward_to(mlv_nn *nn, const float *x, size_t batch,
                               size_t last);
/* Inference from the latent through the remaining layers. */
const float *mlv_nn_decode(mlv_nn *nn, const float *z, size_t batch);
/* Loss of the last forward's output against target (batch x
 * mlv_nn_target_size), plus any auxiliary loss the layers returned. */
double mlv_nn_loss_value(mlv_nn *nn, const float *target, size_t batch);
/* After a forward with train set, on the same x: add the loss gradient
 * with respect to every parameter into nn->grads.  With dinput set (tests),
 * the input gradient is written there too. */
void mlv_nn_backward(mlv_nn *nn, const float *x, const float *target,
                     size_t batch);
void mlv_nn_zero_grad(mlv_nn *nn);
/* One Adam step over the whole block with nn->adam; increments nn->step. */
void mlv_nn_update(mlv_nn *nn);
/* Scale nn->grads to norm max when its L2 norm (in double) is larger, as
 * PyTorch's clip_grad_norm_ (by max / (norm + 1e-6)); returns the norm. */
double mlv_nn_clip_grad(mlv_nn *nn, double max);
/* zero_grad, forward (train), loss, backward, clipping when
 * nn->clip_norm > 0, update; returns the loss. */
double mlv_nn_train_step(mlv_nn *nn, const float *x, const float *target,
                         size_t batch);
/* Per-sample reconstruction error (MSE of the inference output against x)
 * of an autoencoder, into err[batch]. */
void mlv_nn_recon_error(mlv_nn *nn, const float *x, size_t batch,
                        float *err);

#endif
