/* model.h - autoencoder models: YAML descriptions, training, saved models.
 *
 * Four files implement it: model-config.c reads and writes descriptions
 * and builds the network one describes, model.c trains and runs models,
 * model-stream.c trains them out of core, model-io.c saves and loads
 * them.
 *
 * A model file (YAML, read with libyaml) describes an autoencoder for
 * mlv-train and mlv-encode: its input, layers, which layer's output is the
 * latent, the loss, the optimiser and the training schedule.  A trained
 * model, or a checkpoint to resume from, is an MLV stream of named tensors
 * (man/mlv.5, kind=model), so mlv's own tools can list and inspect it.
 *
 * Schema (every key but input.features, layers and latent has a default;
 * unknown keys are refused, naming the file and line):
 *
 *   model: TEXT                  free-text name
 *   input:
 *     features: N                features per step (501 spectrogram bins)
 *     steps: 1                   steps per sample (4 for the LSTM model)
 *     normalise: none            none | minmax | zscore: statistics mlv-train
 *                                fits on the training rows and saves with
 *                                the model (lib/norm.h), over all
 *                                steps x features values of a row
 *     axis: column               column | global: per value or one for all
 *   layers:                      a sequence; each layer has a kind and:
 *     - kind: dense              units (alias size), activation (linear),
 *                                slope (leaky_relu, 0.01), dropout, name;
 *                                applied to every step of a sequence
 *     - kind: lstm               units, return_sequences (false: only the
 *                                last step's output), dropout, name
 *     - kind: repeat             steps: the one-step input repeated
 *     - kind: dropout            rate, name
 *     - kind: activation         activation, slope, dropout, name
 *     dropout: R on a layer applies inverted dropout of rate R to its
 *     output (after its activation, and after the latent when on the
 *     latent layer); activations: linear relu leaky_relu tanh sigmoid.
 *   latent: NAME | INDEX         the layer whose output is the latent
 *   loss: mse                    mse: an autoencoder, reconstructing its
 *                                input; cross_entropy: a classifier, the
 *                                last layer's units one logit per class
 *   target: KEY                  cross_entropy: the record metadata key
 *                                whose values are the classes
 *                                (label.composer); mlv-train --target
 *   class_weights: none          cross_entropy: none | balanced, each
 *                                class weighted n / (classes x its rows),
 *                                scikit-learn's "balanced"
 *   optimiser:                   ("optimizer" is accepted too)
 *     kind: adam
 *     lr: 0.001
 *     beta1: 0.9
 *     beta2: 0.999
 *     eps: 1e-8
 *     schedule: constant         constant | step: lr x gamma^floor(epoch /
 *                                step_size), PyTorch's StepLR | cosine:
 *                                min_lr + (lr - min_lr)(1 + cos(pi epoch /
 *                                epochs)) / 2, its CosineAnnealingLR over
 *                                the run's epochs; set once per epoch
 *     step_size: 1               step: epochs between decays
 *     gamma: 0.1                 step: the factor
 *     min_lr: 0                  cosine: the last epochs' rate
 *     clip_norm: 0               rescale the gradient to this L2 norm when
 *                                longer (0: never), clip_grad_norm_
 *   batch_size: 32
 *   epochs: 1
 *   seed: 0                      initialisation, dropout, shuffling, split
 *   validation: 0                fraction of rows held out, [0, 1)
 *   early_stopping:
 *     patience: 0                epochs without improvement before stopping
 *                                (0: never stop early)
 *     min_delta: 0               improvement smaller than this does not count
 *
 * Layer kinds and their settings are nn.h's table (mlv_nn_setting_get):
 *     - kind: noise              sigma: Gaussian noise added in training
 *                                (a denoising autoencoder's corruption)
 *     - kind: vae                kl_weight (1), warmup (0 steps): 2L
 *                                features in (means, log-variances), L
 *                                out, sampled in training, the mean at
 *                                inference; adds the KL term to the loss
 *     - kind: batchnorm          BatchNorm1d over each feature
 *     - kind: conv2d             filters, kernel, kernel_freq, channels:
 *                                time (steps) x frequency x channels,
 *                                channels last
 *     - kind: maxpool            pool, pool_freq, channels
 *     - kind: flatten            the steps as one step
 *     contractive: W on a dense layer adds W ||J||_F^2 of its activated
 *     output's Jacobian (a contractive layer after its activation).
 *
 * An autoencoder reconstructs its input, so the last layer's output must
 * have the input's shape; the latent must not be the last layer.  A
 * classifier's last layer is one step of as many units as classes, and
 * its latent may be any layer, the last one (the logits) too.
 *
 * Saved models.  Records, in order (all kind=model except the statistics):
 *   1. id=model, 0 x 0: mlv-model=1 (format version), config (the
 *      normalised YAML of mlv_model_config_format, percent-encoded by the
 *      stream), steps, features, latent (its size), params (total floats),
 *      tensors (records of parameters that follow), norm, checkpoint (0|1),
 *      epoch, step
 *   2. if norm is not none: the input statistics, kind=stats id=model.norm
 *      (lib/norm.h's record)
 *   2b. classifiers: kind=model id=model.classes, 1 x classes, the class
 *      weights, with names= the classes, comma-separated, in class order;
 *      the header then has classes=N (its absence means none)
 *   3. one record per parameter tensor, in layer order, id=layer.N.NAME
 *      with N the index in the YAML's layers and NAME as in PyTorch
 *      (weight, bias; weight_ih, weight_hh, bias_ih, bias_hh), rows x cols
 *   4. checkpoints only: the Adam moments, id=layer.N.NAME.adam_m and
 *      .adam_v, and id=train-state (0 x 0) holding the random states, the
 *      epoch, the step and the early-stopping state, exactly (hexadecimal),
 *      so that a resumed run continues bit for bit.
 * Loading checks the version, every id and shape against the architecture
 * the config describes, and that values are finite, and names the record
 * and both values when something differs.
 */
#ifndef MLV_MODEL_H
#define MLV_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "nn.h"
#include "norm.h"
#include "rng.h"
#include "stream.h"

#define MLV_MODEL_VERSION 1

typedef struct {
	mlv_nn_spec spec;      /* kind and its settings; for dense, spec.act is
	                        * the activation applied after it */
	float dropout;         /* dropout rate on the output, 0 for none */
	char *name;            /* NULL, or [A-Za-z][A-Za-z0-9_.-]* */
	int line;              /* 1-based line in the YAML, 0 if unknown */
} mlv_model_layer;

typedef enum {
	MLV_SCHEDULE_CONSTANT, MLV_SCHEDULE_STEP, MLV_SCHEDULE_COSINE
} mlv_model_schedule;
/* "constant", "step", "cosine"; parse returns -1 for another name. */
const char *mlv_model_schedule_name(mlv_model_schedule s);
int mlv_model_schedule_parse(const char *name, mlv_model_schedule *s);

typedef struct {
	char *name;            /* model: NULL if absent */
	size_t steps, features;
	mlv_norm_kind norm;
	int norm_per_column;
	mlv_model_layer *layers;
	size_t nlayers;
	size_t latent;         /* index into layers */
	mlv_nn_loss loss;
	char *target;          /* target: NULL if absent */
	int balanced;          /* class_weights: balanced */
	mlv_adam adam;
	mlv_model_schedule schedule;
	size_t step_size;
	double gamma, min_lr, clip_norm;
	size_t batch_size, epochs;
	uint64_t seed;
	double validation;
	size_t patience;
	double min_delta;
} mlv_model_config;

/* Parse a model description.  `name` is used in messages, which read
 * "NAME:LINE: what is wrong".  0, or -1 with the message in err; on error
 * cfg holds nothing to free. */
int mlv_model_config_parse(mlv_model_config *cfg, const char *text,
                           size_t len, const char *name, char *err,
                           size_t errlen);
/* Read and parse a file ("-" is not accepted: a model is a named file). */
int mlv_model_config_load(mlv_model_config *cfg, const char *path, char *err,
                          size_t errlen);
/* The normalised YAML of cfg, every setting explicit (malloc'd).  Parsing
 * it gives the same configuration. */
char *mlv_model_config_format(const mlv_model_config *cfg);
void mlv_model_config_free(mlv_model_config *cfg);
/* The network cfg describes, its layers added but not built: a dense
 * layer with an activation becomes a dense and an activation layer, and a
 * layer's dropout a dropout layer after it.  *yaml_layer and
 * *latent_layer (malloc'd) as in mlv_model.  NULL with a message naming
 * `where` and the layer's line. */
mlv_nn *mlv_model_config_net(const mlv_model_config *cfg, const char *where,
                             size_t **yaml_layer, size_t **latent_layer,
                             char *err, size_t errlen);

typedef struct {
	mlv_model_config cfg;
	mlv_nn *net;
	size_t *yaml_layer;    /* per net layer: its index in cfg.layers */
	size_t *latent_layer;  /* per cfg layer: the net layer of its output
	                        * before its dropout */
	int has_norm;
	mlv_norm norm;         /* input statistics when has_norm */
	/* Classifiers: the classes, in the order of their indices, and their
	 * weights (all 1 unless class_weights: balanced). */
	char **classes;
	size_t nclasses;
	float *class_weight;
	/* Training state, saved in checkpoints. */
	mlv_rng shuffle;       /* epoch permutations */
	size_t epoch;          /* epochs completed */
	double best_loss;      /* best monitored loss so far (INFINITY) */
	size_t bad_epochs;     /* epochs since it improved */
	/* Scratch, allocated once. */
	float *batch;          /* batch_size x in_size */
	float *tbatch;         /* batch_size x target size */
	uint32_t *order;       /* row order of an epoch */
	uint32_t *split;       /* the rows' training/validation split */
	size_t split_n, ntrain;
} mlv_model;

/* A model for cfg, which is moved into it (the caller's struct is
 * cleared), with parameters initialised from cfg.seed.  NULL with a
 * message when the layers do not fit together. */
mlv_model *mlv_model_new(mlv_model_config *cfg, char *err, size_t errlen);
void mlv_model_free(mlv_model *m);
/* Input statistics applied to every row before the network; moved into
 * the model (and kept in float, as saved, so a loaded model scales its
 * input bit for bit the same).  -1 if fitted on rows of another width or
 * of another kind or axis than the description's input.normalise. */
int mlv_model_set_norm(mlv_model *m, mlv_norm *s, char *err, size_t errlen);

/* A classifier's classes (names[0..n), copied) and, with n rows of class
 * indices y, their weights.  -1 with a message when n differs from the
 * last layer's units, or a class has no rows under balanced weights. */
int mlv_model_set_classes(mlv_model *m, char *const *names, size_t n,
                          const int32_t *y, size_t rows, char *err,
                          size_t errlen);

/* Floats per input row (steps x features) and per latent vector. */
size_t mlv_model_in_size(const mlv_model *m);
size_t mlv_model_latent_size(const mlv_model *m);

typedef struct {
	double train_loss;     /* mean of the epoch's batch losses, all terms */
	double train_aux;      /* the part of it the layers added (KL), mean */
	double train_acc;      /* classifiers: fraction of training rows right
	                        * (before each batch's step), else NAN */
	double val_loss;       /* the loss over the validation rows (MSE, or
	                        * cross-entropy, without the layers' terms),
	                        * NAN if none */
	double val_acc;        /* classifiers: fraction right, else NAN */
	int improved;          /* the monitored loss (validation if any, else
	                        * training) beat the best by more than
	                        * min_delta */
	int stop;              /* patience epochs without improvement */
} mlv_epoch_report;

/* One epoch over x (n rows of in_size raw values; the model's statistics
 * are applied to each batch) against targets y (n rows of the network's
 * target size: class indices for classifiers), or x itself when y is NULL
 * (autoencoders): the rows are split once per (seed, n) into
 * training and validation rows, the training rows shuffled with m->shuffle
 * and visited in batches of batch_size (the last may be smaller).  -1 when
 * fewer than one training row remains. */
int mlv_model_train_epoch(mlv_model *m, const float *x, const float *y,
                          size_t n, mlv_epoch_report *rep, char *err,
                          size_t errlen);

/* An epoch's end: early stopping on the validation loss (when validated)
 * or the training loss, and the epoch count. */
void mlv_model_end_epoch(mlv_model *m, mlv_epoch_report *rep, int validated);

/* Out-of-core training (model-stream.c) of an autoencoder on a stream file
 * larger than memory, re-read every epoch.  Rows of the records whose
 * group_key value hashes (seeded) below cfg.validation are held out, so a
 * group is never split; the others are trained on in batches drawn from a
 * shuffle buffer of buffer_rows rows by m->shuffle.  Memory is the buffer,
 * one record and the model. */
typedef struct {
	const char *path;      /* a regular file */
	size_t buffer_rows;    /* >= 1 */
	const char *group_key; /* "id", or label.track ... */
} mlv_model_stream;
/* 1 when the rows of group value `value` are held out (never without a
 * validation fraction). */
int mlv_model_heldout(const mlv_model *m, const char *value);
/* Fit the statistics input.normalise asks for on the training rows, one
 * pass.  -1 with a message naming the file and record. */
int mlv_model_stream_norm(mlv_model *m, const mlv_model_stream *s, char *err,
                          size_t errlen);
/* One epoch as mlv_model_train_epoch, the validation loss over the
 * held-out rows read afresh after the steps. */
int mlv_model_stream_epoch(mlv_model *m, const mlv_model_stream *s,
                           mlv_epoch_report *rep, char *err, size_t errlen);

/* The learning rate of epoch e (0-based) by the schedule. */
double mlv_model_lr(const mlv_model_config *cfg, size_t e);

/* Inference on n raw rows of x (any n; batches internally): the latents
 * (n x latent_size), the reconstructions from latents (n x in_size, in the
 * normalised scale), and per-row reconstruction MSE. */
void mlv_model_encode(mlv_model *m, const float *x, size_t n, float *z);
void mlv_model_decode(mlv_model *m, const float *z, size_t n, float *y);
void mlv_model_recon_error(mlv_model *m, const float *x, size_t n,
                           float *err);
/* A VAE's latents drawn rather than its means: for each of n raw rows,
 * z = mu + exp(logvar / 2) eps with eps ~ N(0, 1) from g.  -1 with a
 * message when the latent layer is not a vae layer. */
int mlv_model_sample(mlv_model *m, const float *x, size_t n, mlv_rng *g,
                     float *z, char *err, size_t errlen);
/* n >= 2 latents on the segment from za to zb (latent_size floats each),
 * z_i = za + (zb - za) i / (n - 1), into z (n x latent_size), and their
 * decodings into y (n x in_size, in the input's scale when the model has
 * statistics): Symphony2vec's Fig. 9, as Bowman et al. 2016's
 * homotopies. */
void mlv_model_interpolate(mlv_model *m, const float *za, const float *zb,
                           size_t n, float *z, float *y);

/* Mean reconstruction MSE over n rows. */
double mlv_model_loss(mlv_model *m, const float *x, size_t n);

/* Save to w (or a file); checkpoint adds the optimiser and training state.
 * -1 with a message (write errors name the file and errno's text). */
int mlv_model_write(mlv_model *m, mlv_writer *w, int checkpoint, char *err,
                    size_t errlen);
int mlv_model_save(mlv_model *m, const char *path, int checkpoint, char *err,
                   size_t errlen);
/* Load a model (or checkpoint) from the next records of rd, or from a
 * file.  NULL with a message naming the record. */
mlv_model *mlv_model_read(mlv_reader *rd, char *err, size_t errlen);
mlv_model *mlv_model_load(const char *path, char *err, size_t errlen);

#endif
