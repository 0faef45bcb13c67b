/* model-io.c - saving and loading models and checkpoints.  See model.h. */
#include "model.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ------------------------------------------------------------------------
 * saving */

static size_t
count_tensors(const mlv_nn *nn)
{
	size_t t = 0;
	for (size_t i = 0; i < nn->nlayers; i++)
		t += nn->layers[i].ntensors;
	return t;
}

static void
tensor_id(char *buf, size_t len, const mlv_model *m, size_t layer,
          size_t k, const char *suffix)
{
	snprintf(buf, len, "layer.%zu.%s%s", m->yaml_layer[layer],
	         m->net->layers[layer].tensor[k].name, suffix);
}

static void
rng_text(char *buf, size_t len, const mlv_rng *g)
{
	snprintf(buf, len, "%016" PRIx64 ":%016" PRIx64 ":%016" PRIx64
	         ":%016" PRIx64, g->s[0], g->s[1], g->s[2], g->s[3]);
}

/* Write the tensors of block (params, m or v) with id suffix. */
static int
write_block(mlv_model *m, mlv_writer *w, mlv_record *r, const float *block,
            const char *suffix)
{
	for (size_t i = 0; i < m->net->nlayers; i++) {
		const mlv_nn_layer *l = &m->net->layers[i];
		for (size_t k = 0; k < l->ntensors; k++) {
			char id[96];
			tensor_id(id, sizeof id, m, i, k, suffix);
			mlv_record_resize(r, l->tensor[k].rows, l->tensor[k].cols);
			memcpy(r->data, block + l->tensor[k].offset,
			       l->tensor[k].rows * l->tensor[k].cols * sizeof(float));
			mlv_meta_clear(r);
			mlv_meta_set(r, "id", id);
			mlv_meta_set(r, "kind", "model");
			if (mlv_write(w, r))
				return -1;
		}
	}
	return 0;
}

int
mlv_model_write(mlv_model *m, mlv_writer *w, int checkpoint, char *err,
                size_t errlen)
{
	if (m->cfg.norm != MLV_NORM_NONE && !m->has_norm) {
		snprintf(err, errlen, "the model expects %s statistics of its input "
		         "and none were set", mlv_norm_name(m->cfg.norm));
		return -1;
	}
	if (m->cfg.loss == MLV_LOSS_CROSS_ENTROPY && !m->nclasses) {
		snprintf(err, errlen, "the classifier's classes were not set");
		return -1;
	}
	mlv_record r;
	mlv_record_init(&r);
	char *yaml = mlv_model_config_format(&m->cfg);
	int rc = -1;
	mlv_record_resize(&r, 0, 0);
	mlv_meta_set(&r, "id", "model");
	mlv_meta_set(&r, "kind", "model");
	mlv_meta_setf(&r, "mlv-model", "%d", MLV_MODEL_VERSION);
	if (m->cfg.name)
		mlv_meta_set(&r, "name", m->cfg.name);
	mlv_meta_setf(&r, "steps", "%zu", m->cfg.steps);
	mlv_meta_setf(&r, "features", "%zu", m->cfg.features);
	mlv_meta_setf(&r, "latent", "%zu", mlv_model_latent_size(m));
	mlv_meta_setf(&r, "params", "%zu", m->net->nparams);
	mlv_meta_setf(&r, "tensors", "%zu", count_tensors(m->net));
	mlv_meta_set(&r, "norm", mlv_norm_name(m->cfg.norm));
	mlv_meta_setf(&r, "checkpoint", "%d", checkpoint ? 1 : 0);
	mlv_meta_setf(&r, "epoch", "%zu", m->epoch);
	mlv_meta_setf(&r, "step", "%" PRIu64, m->net->step);
	if (m->nclasses)
		mlv_meta_setf(&r, "classes", "%zu", m->nclasses);
	mlv_meta_set(&r, "config", yaml);
	if (mlv_write(w, &r))
		goto werr;
	if (m->has_norm) {
		mlv_norm_to_record(&m->norm, &r);
		mlv_meta_set(&r, "id", "model.norm");
		if (mlv_write(w, &r))
			goto werr;
	}
	if (m->nclasses) {
		size_t len = 1;
		for (size_t c = 0; c < m->nclasses; c++)
			len += strlen(m->classes[c]) + 1;
		char *names = mlv_malloc(len), *p = names;
		for (size_t c = 0; c < m->nclasses; c++)
			p += sprintf(p, "%s%s", c ? "," : "", m->classes[c]);
		mlv_record_resize(&r, 1, m->nclasses);
		memcpy(r.data, m->class_weight, m->nclasses * sizeof(float));
		mlv_meta_clear(&r);
		mlv_meta_set(&r, "id", "model.classes");
		mlv_meta_set(&r, "kind", "model");
		mlv_meta_set(&r, "names", names);
		free(names);
		if (mlv_write(w, &r))
			goto werr;
	}
	if (write_block(m, w, &r, m->net->params, ""))
		goto werr;
	if (checkpoint) {
		char buf[96];
		if (write_block(m, w, &r, m->net->m, ".adam_m") ||
		    write_block(m, w, &r, m->net->v, ".adam_v"))
			goto werr;
		mlv_record_resize(&r, 0, 0);
		mlv_meta_clear(&r);
		mlv_meta_set(&r, "id", "train-state");
		mlv_meta_set(&r, "kind", "model");
		mlv_meta_setf(&r, "epoch", "%zu", m->epoch);
		mlv_meta_setf(&r, "step", "%" PRIu64, m->net->step);
		rng_text(buf, sizeof buf, &m->net->rng);
		mlv_meta_set(&r, "rng.dropout", buf);
		rng_text(buf, sizeof buf, &m->shuffle);
		mlv_meta_set(&r, "rng.shuffle", buf);
		mlv_meta_setf(&r, "best_loss", "%a", m->best_loss);
		mlv_meta_setf(&r, "bad_epochs", "%zu", m->bad_epochs);
		if (mlv_write(w, &r))
			goto werr;
	}
	rc = 0;
	goto out;
werr:
	snprintf(err, errlen, "%s: write error (%s)", mlv_writer_name(w),
	         strerror(errno));
out:
	free(yaml);
	mlv_record_free(&r);
	return rc;
}

int
mlv_model_save(mlv_model *m, const char *path, int checkpoint, char *err,
               size_t errlen)
{
	mlv_writer *w = mlv_writer_open(path);
	if (!w) {
		snprintf(err, errlen, "%s: cannot open for writing (%s)", path,
		         strerror(errno));
		return -1;
	}
	if (mlv_model_write(m, w, checkpoint, err, errlen)) {
		mlv_writer_abort(w);
		return -1;
	}
	if (mlv_writer_close(w)) {
		snprintf(err, errlen, "%s: write error (%s)", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * loading */

/* The next record, or -1 with a message saying what was expected. */
static int
next_record(mlv_reader *rd, mlv_record *r, const char *expected, char *err,
            size_t errlen)
{
	int rc = mlv_read(rd, r);
	if (rc > 0)
		return 0;
	if (rc == 0)
		snprintf(err, errlen, "%s: the stream ends after record %llu, "
		         "expected %s", mlv_reader_name(rd),
		         (unsigned long long)mlv_reader_index(rd), expected);
	else
		snprintf(err, errlen, "%s", mlv_reader_error(rd));
	return -1;
}

/* A header value as a size: -1 with a message if absent or not one. */
static int
meta_size(mlv_reader *rd, const mlv_record *r, const char *key, size_t *out,
          char *err, size_t errlen)
{
	const char *s = mlv_meta_get(r, key);
	char *end;
	errno = 0;
	unsigned long long v = s ? strtoull(s, &end, 10) : 0;
	if (!s || *s < '0' || *s > '9' || *end || errno || v > SIZE_MAX) {
		snprintf(err, errlen, "%s: %s %s", mlv_reader_where(rd, r),
		         s ? "bad value of" : "missing key", key);
		if (s)
			snprintf(err + strlen(err), errlen - strlen(err), " ('%s')", s);
		return -1;
	}
	*out = (size_t)v;
	return 0;
}

static int
parse_rng(const char *s, mlv_rng *g)
{
	if (!s)
		return -1;
	for (int i = 0; i < 4; i++) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(s, &end, 16);
		if (end == s || errno || (i < 3 ? *end != ':' : *end != '\0'))
			return -1;
		g->s[i] = (uint64_t)v;
		s = end + 1;
	}
	return 0;
}

/* Read the tensors of one block (params, m or v) in order, checking ids,
 * shapes and values. */
static int
read_block(mlv_model *m, mlv_reader *rd, mlv_record *r, float *block,
           const char *suffix, int nonneg, char *err, size_t errlen)
{
	for (size_t i = 0; i < m->net->nlayers; i++) {
		const mlv_nn_layer *l = &m->net->layers[i];
		for (size_t k = 0; k < l->ntensors; k++) {
			char id[96], want[128];
			tensor_id(id, sizeof id, m, i, k, suffix);
			snprintf(want, sizeof want, "id=%s", id);
			if (next_record(rd, r, want, err, errlen))
				return -1;
			const char *got = mlv_meta_get(r, "id");
			const char *where = mlv_reader_where(rd, r);
			if (!got || strcmp(got, id)) {
				snprintf(err, errlen, "%s: expected id=%s, found %s%s", where,
				         id, got ? "id=" : "no id", got ? got : "");
				return -1;
			}
			size_t rows = l->tensor[k].rows, cols = l->tensor[k].cols;
			if (r->rows != rows || r->cols != cols) {
				snprintf(err, errlen, "%s: shape %zu x %zu, the architecture "
				         "(layers[%zu] %s, %zu -> %zu features) expects "
				         "%zu x %zu", where, r->rows, r->cols,
				         m->yaml_layer[i], mlv_nn_kind_name(l->spec.kind),
				         l->in_features, l->out_features, rows, cols);
				return -1;
			}
			size_t bad = mlv_count_nonfinite(r->data, rows * cols);
			if (bad) {
				snprintf(err, errlen, "%s: %zu of %zu values are not "
				         "finite", where, bad, rows * cols);
				return -1;
			}
			for (size_t j = 0; nonneg && j < rows * cols; j++)
				if (r->data[j] < 0) {
					snprintf(err, errlen, "%s: value %zu is negative (%g); "
					         "Adam's second moments are not", where, j,
					         (double)r->data[j]);
					return -1;
				}
			memcpy(block + l->tensor[k].offset, r->data,
			       rows * cols * sizeof(float));
		}
	}
	return 0;
}

/* A classifier's classes record: n weights, n comma-separated names. */
static int
read_classes(mlv_model *m, mlv_reader *rd, mlv_record *r, size_t n,
             char *err, size_t errlen)
{
	if (next_record(rd, r, "the classes (id=model.classes)", err, errlen))
		return -1;
	const char *where = mlv_reader_where(rd, r);
	const char *id = mlv_meta_get(r, "id"), *names = mlv_meta_get(r, "names");
	if (!id || strcmp(id, "model.classes") || !names || r->rows != 1 ||
	    r->cols != n) {
		snprintf(err, errlen, "%s: expected id=model.classes, 1 x %zu, with "
		         "names=", where, n);
		return -1;
	}
	for (size_t c = 0; c < n; c++)
		if (!(r->data[c] >= 0 && isfinite(r->data[c]))) {
			snprintf(err, errlen, "%s: class weight %zu is %g", where, c,
			         (double)r->data[c]);
			return -1;
		}
	char *copy = mlv_strdup(names), *save = NULL;
	char **list = mlv_calloc(n, sizeof *list);
	size_t k = 0;
	for (char *t = strtok_r(copy, ",", &save); t && k < n;
	     t = strtok_r(NULL, ",", &save))
		list[k++] = t;
	int rc = 0;
	if (k != n || strtok_r(NULL, ",", &save)) {
		snprintf(err, errlen, "%s: names= lists %s classes than %zu", where,
		         k < n ? "fewer" : "more", n);
		rc = -1;
	} else {
		/* The weights as saved, not recomputed: resumed runs continue
		 * bit for bit. */
		int balanced = m->cfg.balanced;
		m->cfg.balanced = 0;
		rc = mlv_model_set_classes(m, list, n, NULL, 0, err, errlen);
		m->cfg.balanced = balanced;
		if (!rc)
			memcpy(m->class_weight, r->data, n * sizeof(float));
	}
	free(list);
	free(copy);
	return rc;
}

/* Compare a header size with the architecture's. */
static int
check_header(mlv_reader *rd, const mlv_record *r, const char *key,
             size_t want, char *err, size_t errlen)
{
	size_t got;
	if (meta_size(rd, r, key, &got, err, errlen))
		return -1;
	if (got != want) {
		snprintf(err, errlen, "%s: %s=%zu, the architecture in its config "
		         "gives %zu", mlv_reader_where(rd, r), key, got, want);
		return -1;
	}
	return 0;
}

/* The parameters of the description's network, counted without allocating
 * them, so that a model file's header can be checked against the
 * architecture and against the bytes that follow before anything of that
 * size is allocated. */
static int
config_params(const mlv_model_config *c, size_t *total, char *err,
              size_t errlen)
{
	size_t *yaml_layer, *latent_layer;
	mlv_nn *nn = mlv_model_config_net(c, "model", &yaml_layer, &latent_layer, err,
	                       errlen);
	if (!nn)
		return -1;
	int rc = 0;
	*total = 0;
	for (size_t i = 0; i < nn->nlayers && !rc; i++)
		for (size_t k = 0; k < nn->layers[i].ntensors && !rc; k++) {
			size_t n;
			if (mlv_checked_mul(nn->layers[i].tensor[k].rows,
			                    nn->layers[i].tensor[k].cols, &n) ||
			    *total > SIZE_MAX / (3 * sizeof(float)) - n)
				rc = mlv_errf(err, errlen, "model: too many parameters");
			else
				*total += n;
		}
	free(yaml_layer);
	free(latent_layer);
	mlv_nn_free(nn);
	return rc;
}

mlv_model *
mlv_model_read(mlv_reader *rd, char *err, size_t errlen)
{
	mlv_record r;
	mlv_record_init(&r);
	mlv_model *m = NULL;
	mlv_model_config cfg;
	memset(&cfg, 0, sizeof cfg);
	if (next_record(rd, &r, "a model (kind=model id=model)", err, errlen))
		goto fail;
	const char *where = mlv_reader_where(rd, &r);
	const char *kind = mlv_meta_get(&r, "kind"), *id = mlv_meta_get(&r, "id");
	if (!kind || strcmp(kind, "model") || !id || strcmp(id, "model")) {
		snprintf(err, errlen, "%s: not an mlv model (expected kind=model "
		         "id=model, found kind=%s id=%s)", where,
		         kind ? kind : "(none)", id ? id : "(none)");
		goto fail;
	}
	const char *ver = mlv_meta_get(&r, "mlv-model");
	if (!ver || strcmp(ver, "1")) {
		snprintf(err, errlen, "%s: model format version %s, this mlv reads "
		         "version %d", where, ver ? ver : "(missing mlv-model key)",
		         MLV_MODEL_VERSION);
		goto fail;
	}
	const char *yaml = mlv_meta_get(&r, "config");
	if (!yaml) {
		snprintf(err, errlen, "%s: missing key config (the model's "
		         "description)", where);
		goto fail;
	}
	char cname[512];
	snprintf(cname, sizeof cname, "%s: config", where);
	if (mlv_model_config_parse(&cfg, yaml, strlen(yaml), cname, err, errlen))
		goto fail;
	size_t checkpoint, epoch, params;
	uint64_t left;
	if (config_params(&cfg, &params, err, errlen) ||
	    check_header(rd, &r, "params", params, err, errlen) ||
	    meta_size(rd, &r, "checkpoint", &checkpoint, err, errlen))
		goto fail;
	if (checkpoint > 1) {
		snprintf(err, errlen, "%s: checkpoint=%zu (0 or 1)", where,
		         checkpoint);
		goto fail;
	}
	/* Parameters, and Adam's two moments in a checkpoint, as float32. */
	uint64_t need = (uint64_t)params * sizeof(float) * (checkpoint ? 3 : 1);
	/* From a pipe, take what arrives (up to what the header promises)
	 * before allocating the network for it. */
	if (mlv_reader_read_ahead(rd, need + 1)) {
		snprintf(err, errlen, "%s", mlv_reader_error(rd));
		goto fail;
	}
	if (mlv_reader_bytes_left(rd, &left) == 0 && need > left) {
		snprintf(err, errlen, "%s: truncated model (params=%zu need %llu "
		         "bytes of values; the file holds %llu more)", where, params,
		         (unsigned long long)need, (unsigned long long)left);
		goto fail;
	}
	m = mlv_model_new(&cfg, err, errlen);
	if (!m)
		goto fail;
	if (check_header(rd, &r, "steps", m->cfg.steps, err, errlen) ||
	    check_header(rd, &r, "features", m->cfg.features, err, errlen) ||
	    check_header(rd, &r, "latent", mlv_model_latent_size(m), err,
	                 errlen) ||
	    check_header(rd, &r, "tensors", count_tensors(m->net), err, errlen) ||
	    meta_size(rd, &r, "epoch", &epoch, err, errlen))
		goto fail;
	const char *norm = mlv_meta_get(&r, "norm");
	if (!norm || strcmp(norm, mlv_norm_name(m->cfg.norm))) {
		snprintf(err, errlen, "%s: norm=%s, its config says normalise: %s",
		         where, norm ? norm : "(missing)",
		         mlv_norm_name(m->cfg.norm));
		goto fail;
	}
	m->epoch = epoch;
	size_t nclasses = 0;
	if (mlv_meta_get(&r, "classes") &&
	    meta_size(rd, &r, "classes", &nclasses, err, errlen))
		goto fail;
	if ((m->cfg.loss == MLV_LOSS_CROSS_ENTROPY) !=
	    (nclasses == mlv_nn_out_size(m->net))) {
		snprintf(err, errlen, "%s: classes=%zu; its config's %s has %zu",
		         where, nclasses, mlv_nn_loss_name(m->cfg.loss),
		         m->cfg.loss == MLV_LOSS_CROSS_ENTROPY ?
		         mlv_nn_out_size(m->net) : 0);
		goto fail;
	}
	if (m->cfg.norm != MLV_NORM_NONE) {
		if (next_record(rd, &r, "the input statistics (id=model.norm)", err,
		                errlen))
			goto fail;
		char e[256];
		mlv_norm s;
		where = mlv_reader_where(rd, &r);
		if (mlv_norm_from_record(&s, &r, mlv_model_in_size(m), e, sizeof e)) {
			snprintf(err, errlen, "%s: %s", where, e);
			goto fail;
		}
		if (mlv_model_set_norm(m, &s, e, sizeof e)) {
			snprintf(err, errlen, "%s: %s", where, e);
			mlv_norm_free(&s);
			goto fail;
		}
	}
	if (nclasses && read_classes(m, rd, &r, nclasses, err, errlen))
		goto fail;
	if (read_block(m, rd, &r, m->net->params, "", 0, err, errlen))
		goto fail;
	if (checkpoint) {
		if (read_block(m, rd, &r, m->net->m, ".adam_m", 0, err, errlen) ||
		    read_block(m, rd, &r, m->net->v, ".adam_v", 1, err, errlen) ||
		    next_record(rd, &r, "id=train-state", err, errlen))
			goto fail;
		where = mlv_reader_where(rd, &r);
		id = mlv_meta_get(&r, "id");
		if (!id || strcmp(id, "train-state")) {
			snprintf(err, errlen, "%s: expected id=train-state, found "
			         "id=%s", where, id ? id : "(none)");
			goto fail;
		}
		size_t step, bad;
		const char *best = mlv_meta_get(&r, "best_loss");
		char *end = NULL;
		double bl = best ? strtod(best, &end) : NAN;
		if (meta_size(rd, &r, "epoch", &m->epoch, err, errlen) ||
		    meta_size(rd, &r, "step", &step, err, errlen) ||
		    meta_size(rd, &r, "bad_epochs", &bad, err, errlen))
			goto fail;
		if (!best || *end || isnan(bl)) {
			snprintf(err, errlen, "%s: bad or missing best_loss", where);
			goto fail;
		}
		if (parse_rng(mlv_meta_get(&r, "rng.dropout"), &m->net->rng) ||
		    parse_rng(mlv_meta_get(&r, "rng.shuffle"), &m->shuffle)) {
			snprintf(err, errlen, "%s: bad or missing rng.dropout or "
			         "rng.shuffle (four 64-bit hexadecimal words)", where);
			goto fail;
		}
		m->net->step = step;
		m->best_loss = bl;
		m->bad_epochs = bad;
	}
	mlv_record_free(&r);
	return m;
fail:
	mlv_model_config_free(&cfg);
	mlv_model_free(m);
	mlv_record_free(&r);
	return NULL;
}

mlv_model *
mlv_model_load(const char *path, char *err, size_t errlen)
{
	mlv_reader *rd = mlv_reader_open(path);
	if (!rd) {
		snprintf(err, errlen, "%s: cannot open (%s)", path, strerror(errno));
		return NULL;
	}
	mlv_model *m = mlv_model_read(rd, err, errlen);
	mlv_reader_close(rd);
	return m;
}
