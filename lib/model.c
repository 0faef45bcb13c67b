/* model.c - models: building, input statistics, training and inference.
 * See model.h; the YAML is model-config.c's, the files model-io.c's. */
#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Random streams drawn from the one seed (mlv_rng_stream), so that each
 * use is independent of how much the others consumed. */
enum { STREAM_INIT, STREAM_DROPOUT, STREAM_SHUFFLE, STREAM_SPLIT };

/* ------------------------------------------------------------------------
 * models */

size_t
mlv_model_in_size(const mlv_model *m)
{
	return mlv_nn_in_size(m->net);
}

size_t
mlv_model_latent_size(const mlv_model *m)
{
	return mlv_nn_latent_size(m->net);
}

mlv_model *
mlv_model_new(mlv_model_config *cfg, char *err, size_t errlen)
{
	mlv_model *m = mlv_calloc(1, sizeof *m);
	m->cfg = *cfg;
	memset(cfg, 0, sizeof *cfg);
	if (!m->cfg.nlayers || m->cfg.latent >= m->cfg.nlayers) {
		snprintf(err, errlen, "model: no layers, or no latent layer");
		goto fail;
	}
	m->net = mlv_model_config_net(&m->cfg, "model", &m->yaml_layer, &m->latent_layer,
	                   err, errlen);
	if (!m->net || mlv_nn_build(m->net, err, errlen) ||
	    mlv_nn_alloc(m->net, m->cfg.batch_size, err, errlen))
		goto fail;
	size_t in;
	if (mlv_checked_mul(m->cfg.batch_size, mlv_model_in_size(m), &in) ||
	    in > SIZE_MAX / sizeof(float)) {
		snprintf(err, errlen, "model: batch of %zu is too large",
		         m->cfg.batch_size);
		goto fail;
	}
	m->batch = mlv_malloc(in * sizeof(float));
	m->tbatch = mlv_malloc(mlv_mul_size(m->cfg.batch_size,
	                       mlv_nn_target_size(m->net) * sizeof(float),
	                       "batch"));
	mlv_rng g;
	mlv_rng_stream(&g, m->cfg.seed, STREAM_INIT);
	mlv_nn_init(m->net, &g);
	mlv_rng_stream(&m->net->rng, m->cfg.seed, STREAM_DROPOUT);
	mlv_rng_stream(&m->shuffle, m->cfg.seed, STREAM_SHUFFLE);
	m->best_loss = INFINITY;
	return m;
fail:
	mlv_model_free(m);
	return NULL;
}

void
mlv_model_free(mlv_model *m)
{
	if (!m)
		return;
	mlv_model_config_free(&m->cfg);
	mlv_nn_free(m->net);
	free(m->yaml_layer);
	free(m->latent_layer);
	if (m->has_norm)
		mlv_norm_free(&m->norm);
	free(m->batch);
	free(m->tbatch);
	for (size_t c = 0; c < m->nclasses; c++)
		free(m->classes[c]);
	free(m->classes);
	free(m->class_weight);
	free(m->order);
	free(m->split);
	free(m);
}

int
mlv_model_set_norm(mlv_model *m, mlv_norm *s, char *err, size_t errlen)
{
	if (s->cols != mlv_model_in_size(m)) {
		snprintf(err, errlen, "statistics fitted on rows of %zu values, "
		         "the model reads %zu", s->cols, mlv_model_in_size(m));
		return -1;
	}
	if (s->kind != m->cfg.norm || s->per_column != m->cfg.norm_per_column) {
		snprintf(err, errlen, "%s statistics by %s, the model's description "
		         "says normalise: %s, axis: %s", mlv_norm_name(s->kind),
		         s->per_column ? "column" : "global",
		         mlv_norm_name(m->cfg.norm),
		         m->cfg.norm_per_column ? "column" : "global");
		return -1;
	}
	/* Keep the statistics exactly as a saved model holds them (the
	 * record's float values), so that a loaded model, or a run resumed
	 * from a checkpoint, scales its input bit for bit as this one. */
	mlv_record r;
	mlv_record_init(&r);
	mlv_norm_to_record(s, &r);
	if (m->has_norm)
		mlv_norm_free(&m->norm);
	m->has_norm = mlv_norm_from_record(&m->norm, &r, s->cols, err,
	                                   errlen) == 0;
	mlv_record_free(&r);
	mlv_norm_free(s);
	memset(s, 0, sizeof *s);
	return m->has_norm ? 0 : -1;
}

int
mlv_model_set_classes(mlv_model *m, char *const *names, size_t n,
                      const int32_t *y, size_t rows, char *err, size_t errlen)
{
	size_t units = mlv_nn_out_size(m->net);
	if (m->cfg.loss != MLV_LOSS_CROSS_ENTROPY)
		return mlv_errf(err, errlen, "the model is not a classifier "
		                "(loss: %s)", mlv_nn_loss_name(m->cfg.loss));
	if (n != units)
		return mlv_errf(err, errlen, "%zu classes, but the last layer has "
		                "%zu units (one per class)", n, units);
	double *count = mlv_calloc(n, sizeof *count);
	for (size_t i = 0; y && i < rows; i++)
		if (y[i] >= 0 && (size_t)y[i] < n)
			count[y[i]]++;
	float *w = mlv_malloc(n * sizeof *w);
	for (size_t c = 0; c < n; c++) {
		if (m->cfg.balanced && !count[c]) {
			free(count);
			free(w);
			return mlv_errf(err, errlen, "class '%s' has no rows, so "
			                "balanced weights are undefined", names[c]);
		}
		w[c] = m->cfg.balanced ?
		       (float)((double)rows / ((double)n * count[c])) : 1.0f;
	}
	free(count);
	for (size_t c = 0; c < m->nclasses; c++)
		free(m->classes[c]);
	free(m->classes);
	free(m->class_weight);
	m->classes = mlv_calloc(n, sizeof *m->classes);
	for (size_t c = 0; c < n; c++)
		m->classes[c] = mlv_strdup(names[c]);
	m->nclasses = n;
	m->class_weight = w;
	m->net->class_weight = w;
	return 0;
}

/* Rows idx[0..b) of targets y (tsize floats each) into m->tbatch. */
static const float *
gather_target(mlv_model *m, const float *y, const uint32_t *idx, size_t b)
{
	size_t t = mlv_nn_target_size(m->net);
	for (size_t i = 0; i < b; i++)
		memcpy(m->tbatch + i * t, y + idx[i] * t, t * sizeof(float));
	return m->tbatch;
}

/* Rows idx[0..b) of x (or rows first.. when idx is NULL) into m->batch,
 * scaled by the model's statistics. */
static const float *
gather(mlv_model *m, const float *x, const uint32_t *idx, size_t first,
       size_t b)
{
	size_t d = mlv_model_in_size(m);
	if (!idx && !m->has_norm)
		return x + first * d;
	for (size_t i = 0; i < b; i++) {
		size_t r = idx ? idx[i] : first + i;
		memcpy(m->batch + i * d, x + r * d, d * sizeof(float));
	}
	if (m->has_norm)
		mlv_norm_apply(&m->norm, m->batch, b);
	return m->batch;
}

/* The training/validation split of n rows: a seeded permutation's first
 * validation * n rows are held out; both parts kept in ascending order. */
static void
make_split(mlv_model *m, size_t n)
{
	free(m->split);
	free(m->order);
	m->split = mlv_malloc(mlv_mul_size(n, sizeof *m->split, "split"));
	m->order = mlv_malloc(mlv_mul_size(n, sizeof *m->order, "split"));
	size_t nval = (size_t)floor(m->cfg.validation * (double)n);
	mlv_rng g;
	mlv_rng_stream(&g, m->cfg.seed, STREAM_SPLIT);
	for (size_t i = 0; i < n; i++)
		m->order[i] = (uint32_t)i;
	mlv_rng_shuffle(&g, m->order, n);
	/* Flag held-out rows in split, then list both parts in order. */
	memset(m->split, 0, n * sizeof *m->split);
	for (size_t i = 0; i < nval; i++)
		m->split[m->order[i]] = 1;
	size_t t = 0, v = n - nval;
	for (size_t i = 0; i < n; i++) {
		if (m->split[i])
			m->order[v++] = (uint32_t)i;
		else
			m->order[t++] = (uint32_t)i;
	}
	memcpy(m->split, m->order, n * sizeof *m->split);
	m->split_n = n;
	m->ntrain = n - nval;
}

double
mlv_model_lr(const mlv_model_config *c, size_t e)
{
	double lr = c->adam.lr;
	switch (c->schedule) {
	case MLV_SCHEDULE_STEP:
		return lr * pow(c->gamma, (double)(e / c->step_size));
	case MLV_SCHEDULE_COSINE:
		if (e >= c->epochs)
			return c->min_lr;
		return c->min_lr + (lr - c->min_lr) *
		       (1 + cos(M_PI * (double)e / (double)c->epochs)) / 2;
	case MLV_SCHEDULE_CONSTANT:
	default:
		return lr;
	}
}

int
mlv_model_train_epoch(mlv_model *m, const float *x, const float *y, size_t n,
                      mlv_epoch_report *rep, char *err, size_t errlen)
{
	if (n > UINT32_MAX) {
		snprintf(err, errlen, "%zu rows; at most %u can be trained on",
		         n, UINT32_MAX);
		return -1;
	}
	int classifier = m->cfg.loss == MLV_LOSS_CROSS_ENTROPY;
	if (classifier && (!y || !m->class_weight)) {
		snprintf(err, errlen, "a classifier needs its classes and each "
		         "row's class (a target)");
		return -1;
	}
	if (m->split_n != n || !m->split)
		make_split(m, n);
	size_t ntrain = m->ntrain, B = m->cfg.batch_size;
	size_t td = mlv_nn_target_size(m->net), C = mlv_nn_out_size(m->net);
	if (!ntrain) {
		snprintf(err, errlen, "no training rows: %zu rows with validation "
		         "fraction %g", n, m->cfg.validation);
		return -1;
	}
	m->net->adam.lr = mlv_model_lr(&m->cfg, m->epoch);
	/* Each epoch shuffles the training rows afresh from their sorted
	 * order, so the permutation depends only on m->shuffle's state. */
	memcpy(m->order, m->split, ntrain * sizeof *m->order);
	mlv_rng_shuffle(&m->shuffle, m->order, ntrain);
	double sum = 0, aux = 0;
	size_t nb = 0, right = 0;
	for (size_t i = 0; i < ntrain; i += B) {
		size_t b = ntrain - i < B ? ntrain - i : B;
		const float *xb = gather(m, x, m->order + i, 0, b);
		const float *tb = y ? gather_target(m, y, m->order + i, b) : xb;
		sum += mlv_nn_train_step(m->net, xb, tb, b);
		aux += m->net->aux_loss;
		if (classifier)
			right += mlv_nn_xent_correct(m->net->inputs[m->net->nlayers],
			                             tb, b, C);
		nb++;
	}
	rep->train_loss = sum / (double)nb;
	rep->train_aux = aux / (double)nb;
	rep->train_acc = classifier ? (double)right / (double)ntrain : NAN;
	rep->val_loss = rep->val_acc = NAN;
	if (ntrain < n) {
		double sq = 0;
		right = 0;
		for (size_t i = ntrain; i < n; i += B) {
			size_t b = n - i < B ? n - i : B;
			const float *xb = gather(m, x, m->split + i, 0, b);
			const float *tb = y ? gather_target(m, y, m->split + i, b) : xb;
			const float *out = mlv_nn_forward(m->net, xb, b, 0);
			if (classifier) {
				sq += mlv_nn_xent_forward(out, tb, m->class_weight, b, C) *
				      (double)b;
				right += mlv_nn_xent_correct(out, tb, b, C);
			} else {
				sq += mlv_nn_mse_forward(out, tb, b * td) * (double)(b * td);
			}
		}
		rep->val_loss = sq / ((double)(n - ntrain) *
		                      (double)(classifier ? 1 : td));
		if (classifier)
			rep->val_acc = (double)right / (double)(n - ntrain);
	}
	mlv_model_end_epoch(m, rep, ntrain < n);
	return 0;
}

void
mlv_model_end_epoch(mlv_model *m, mlv_epoch_report *rep, int validated)
{
	/* Keras's EarlyStopping: an improvement must beat the best by more
	 * than min_delta; patience counts epochs without one. */
	double monitored = validated ? rep->val_loss : rep->train_loss;
	rep->improved = monitored < m->best_loss - m->cfg.min_delta;
	if (rep->improved) {
		m->best_loss = monitored;
		m->bad_epochs = 0;
	} else {
		m->bad_epochs++;
	}
	rep->stop = m->cfg.patience && m->bad_epochs >= m->cfg.patience;
	m->epoch++;
}

void
mlv_model_encode(mlv_model *m, const float *x, size_t n, float *z)
{
	size_t B = m->cfg.batch_size, L = mlv_model_latent_size(m);
	for (size_t i = 0; i < n; i += B) {
		size_t b = n - i < B ? n - i : B;
		const float *out = mlv_nn_encode(m->net, gather(m, x, NULL, i, b), b);
		memcpy(z + i * L, out, b * L * sizeof(float));
	}
}

void
mlv_model_decode(mlv_model *m, const float *z, size_t n, float *y)
{
	size_t B = m->cfg.batch_size, L = mlv_model_latent_size(m);
	size_t d = mlv_nn_out_size(m->net);
	for (size_t i = 0; i < n; i += B) {
		size_t b = n - i < B ? n - i : B;
		const float *out = mlv_nn_decode(m->net, z + i * L, b);
		memcpy(y + i * d, out, b * d * sizeof(float));
	}
}

int
mlv_model_sample(mlv_model *m, const float *x, size_t n, mlv_rng *g,
                 float *z, char *err, size_t errlen)
{
	size_t lat = m->net->latent;
	if (m->net->layers[lat].spec.kind != MLV_NN_VAE || lat == 0)
		return mlv_errf(err, errlen, "the latent layer is not a vae layer: "
		                "there is nothing to sample");
	size_t B = m->cfg.batch_size, L = mlv_model_latent_size(m);
	for (size_t i = 0; i < n; i += B) {
		size_t b = n - i < B ? n - i : B;
		const float *h = mlv_nn_forward_to(m->net, gather(m, x, NULL, i, b),
		                                   b, lat - 1);
		for (size_t r = 0; r < b; r++)
			for (size_t j = 0; j < L; j++)
				z[(i + r) * L + j] = h[r * 2 * L + j] +
				    expf(h[r * 2 * L + L + j] / 2) *
				    (float)mlv_rng_normal(g);
	}
	return 0;
}

void
mlv_model_interpolate(mlv_model *m, const float *za, const float *zb,
                      size_t n, float *z, float *y)
{
	size_t L = mlv_model_latent_size(m);
	for (size_t i = 0; i < n; i++) {
		float t = n > 1 ? (float)i / (float)(n - 1) : 0;
		for (size_t j = 0; j < L; j++)
			z[i * L + j] = za[j] + (zb[j] - za[j]) * t;
	}
	mlv_model_decode(m, z, n, y);
	if (m->has_norm)
		mlv_norm_invert(&m->norm, y, n);
}

void
mlv_model_recon_error(mlv_model *m, const float *x, size_t n, float *err)
{
	size_t B = m->cfg.batch_size;
	for (size_t i = 0; i < n; i += B) {
		size_t b = n - i < B ? n - i : B;
		mlv_nn_recon_error(m->net, gather(m, x, NULL, i, b), b, err + i);
	}
}

double
mlv_model_loss(mlv_model *m, const float *x, size_t n)
{
	size_t B = m->cfg.batch_size, d = mlv_model_in_size(m);
	double sq = 0;
	for (size_t i = 0; i < n; i += B) {
		size_t b = n - i < B ? n - i : B;
		const float *xb = gather(m, x, NULL, i, b);
		const float *y = mlv_nn_forward(m->net, xb, b, 0);
		sq += mlv_nn_mse_forward(y, xb, b * d) * (double)(b * d);
	}
	return n ? sq / ((double)n * (double)d) : 0;
}
