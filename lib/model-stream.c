/* model-stream.c - out-of-core training (mlv-train --buffer-rows): each
 * epoch re-reads a stream file and trains on batches drawn from a seeded
 * shuffle buffer of a bounded number of rows, as tf.data's
 * Dataset.shuffle(buffer_size) does, so memory is the buffer plus the
 * model whatever the file's size.  Held-out rows are whole groups (all
 * rows whose records share a metadata value), chosen by a seeded hash of
 * the value, so no group is on both sides. */
#include "model.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* splitmix64's finaliser (Steele, Lea and Flood 2014). */
static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int
mlv_model_heldout(const mlv_model *m, const char *value)
{
	if (m->cfg.validation <= 0)
		return 0;
	/* FNV-1a over the value from a seed-dependent basis, then mixed:
	 * uniform in [0, 1) for distinct values, fixed for a seed. */
	uint64_t h = mix64(m->cfg.seed ^ 0xcbf29ce484222325ULL);
	for (const unsigned char *p = (const unsigned char *)value; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	double u = (double)(mix64(h) >> 11) * 0x1p-53;
	return u < m->cfg.validation;
}

/* The next record of rd with rows of the model's width, its group value in
 * *group: 1, 0 at the end, -1 with a message. */
static int
next_record(mlv_model *m, const mlv_model_stream *s, mlv_reader *rd,
            mlv_record *r, const char **group, char *err, size_t errlen)
{
	int k = mlv_read(rd, r);
	if (k < 0)
		return mlv_errf(err, errlen, "%s", mlv_reader_error(rd));
	if (!k)
		return 0;
	size_t d = mlv_model_in_size(m);
	if (r->rows && r->cols != d)
		return mlv_errf(err, errlen, "%s: rows of %zu values, but the "
		                "model takes %zu", mlv_reader_where(rd, r), r->cols,
		                d);
	if (mlv_count_nonfinite(r->data, r->rows * r->cols))
		return mlv_errf(err, errlen, "%s: a NaN or infinite value",
		                mlv_reader_where(rd, r));
	*group = mlv_meta_get(r, s->group_key);
	if (!*group && m->cfg.validation > 0)
		return mlv_errf(err, errlen, "%s: no %s to hold rows out by "
		                "(--holdout-by)", mlv_reader_where(rd, r),
		                s->group_key);
	return 1;
}

static mlv_reader *
open_stream(const mlv_model_stream *s, char *err, size_t errlen)
{
	mlv_reader *rd = mlv_reader_open(s->path);
	if (!rd)
		mlv_errf(err, errlen, "%s: cannot open (%s)", s->path,
		         strerror(errno));
	return rd;
}

int
mlv_model_stream_norm(mlv_model *m, const mlv_model_stream *s, char *err,
                      size_t errlen)
{
	size_t d = mlv_model_in_size(m);
	mlv_reader *rd = open_stream(s, err, errlen);
	if (!rd)
		return -1;
	mlv_norm st;
	mlv_norm_init(&st, m->cfg.norm, m->cfg.norm_per_column, d);
	mlv_record r;
	mlv_record_init(&r);
	const char *g;
	int k;
	size_t n = 0;
	while ((k = next_record(m, s, rd, &r, &g, err, errlen)) > 0)
		if (!mlv_model_heldout(m, g ? g : "")) {
			mlv_norm_add(&st, r.data, r.rows);
			n += r.rows;
		}
	mlv_record_free(&r);
	mlv_reader_close(rd);
	if (!k && !n)
		k = mlv_errf(err, errlen, "%s: no training rows", s->path);
	if (!k)
		k = mlv_model_set_norm(m, &st, err, errlen);
	else
		mlv_norm_free(&st);
	return k;
}

/* Batches of the rows passed to feed: a training step when one is full
 * (or at the end), else the held-out rows' loss. */
typedef struct {
	mlv_model *m;
	int train;
	size_t b, batches, rows;
	double sum, aux;
} feeder;

static void
flush(feeder *f)
{
	mlv_model *m = f->m;
	size_t b = f->b, d = mlv_model_in_size(m);
	if (!b)
		return;
	if (m->has_norm)
		mlv_norm_apply(&m->norm, m->batch, b);
	if (f->train) {
		f->sum += mlv_nn_train_step(m->net, m->batch, m->batch, b);
		f->aux += m->net->aux_loss;
	} else {
		const float *out = mlv_nn_forward(m->net, m->batch, b, 0);
		f->sum += mlv_nn_mse_forward(out, m->batch, b * d) *
		          (double)(b * d);
	}
	f->batches++;
	f->rows += b;
	f->b = 0;
}

static void
feed(feeder *f, const float *row)
{
	size_t d = mlv_model_in_size(f->m);
	memcpy(f->m->batch + f->b * d, row, d * sizeof(float));
	if (++f->b == f->m->cfg.batch_size)
		flush(f);
}

int
mlv_model_stream_epoch(mlv_model *m, const mlv_model_stream *s,
                       mlv_epoch_report *rep, char *err, size_t errlen)
{
	if (m->cfg.loss == MLV_LOSS_CROSS_ENTROPY)
		return mlv_errf(err, errlen, "streamed training is for "
		                "autoencoders (loss: mse) only");
	size_t d = mlv_model_in_size(m), N = s->buffer_rows;
	float *buf = mlv_malloc(mlv_mul_size(N, d * sizeof(float), "buffer"));
	size_t have = 0;
	feeder f = {m, 1, 0, 0, 0, 0, 0};
	mlv_record r;
	mlv_record_init(&r);
	const char *g;
	int k = -1;
	m->net->adam.lr = mlv_model_lr(&m->cfg, m->epoch);
	mlv_reader *rd = open_stream(s, err, errlen);
	if (!rd)
		goto out;
	/* Training: each row read replaces a random row of the full buffer,
	 * which goes to the batch; at the end the rest leave in random
	 * order.  m->shuffle draws every choice, so a checkpoint holds it. */
	while ((k = next_record(m, s, rd, &r, &g, err, errlen)) > 0) {
		if (mlv_model_heldout(m, g ? g : ""))
			continue;
		for (size_t i = 0; i < r.rows; i++) {
			const float *row = r.data + i * d;
			if (have < N) {
				memcpy(buf + have++ * d, row, d * sizeof(float));
				continue;
			}
			size_t j = (size_t)mlv_rng_below(&m->shuffle, N);
			feed(&f, buf + j * d);
			memcpy(buf + j * d, row, d * sizeof(float));
		}
	}
	mlv_reader_close(rd);
	if (k)
		goto out;
	while (have) {
		size_t j = (size_t)mlv_rng_below(&m->shuffle, have--);
		feed(&f, buf + j * d);
		memcpy(buf + j * d, buf + have * d, d * sizeof(float));
	}
	flush(&f);
	if (!f.rows) {
		k = mlv_errf(err, errlen, "%s: no training rows (validation "
		             "fraction %g)", s->path, m->cfg.validation);
		goto out;
	}
	rep->train_loss = f.sum / (double)f.batches;
	rep->train_aux = f.aux / (double)f.batches;
	rep->train_acc = rep->val_loss = rep->val_acc = NAN;
	if (m->cfg.validation > 0) {
		/* The held-out groups' loss, read afresh after the epoch's
		 * steps, in file order. */
		feeder v = {m, 0, 0, 0, 0, 0, 0};
		if (!(rd = open_stream(s, err, errlen))) {
			k = -1;
			goto out;
		}
		while ((k = next_record(m, s, rd, &r, &g, err, errlen)) > 0)
			if (mlv_model_heldout(m, g))
				for (size_t i = 0; i < r.rows; i++)
					feed(&v, r.data + i * d);
		mlv_reader_close(rd);
		if (k)
			goto out;
		flush(&v);
		if (v.rows)
			rep->val_loss = v.sum / ((double)v.rows * (double)d);
	}
	mlv_model_end_epoch(m, rep, !isnan(rep->val_loss));
	k = 0;
out:
	free(buf);
	mlv_record_free(&r);
	return k;
}
