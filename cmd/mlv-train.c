/* mlv-train - fit an autoencoder or a classifier described in YAML to the
 * rows of streams. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "blas.h"
#include "labels.h"
#include "model.h"
#include "opts.h"
#include "points.h"
#include "pool.h"
#include "stream.h"
#include "util.h"

enum { OPT_MODEL = MLV_OPT_OWN, OPT_EPOCHS, OPT_BATCH, OPT_LR, OPT_VAL,
       OPT_LOG, OPT_CKPT, OPT_CKPT_EVERY, OPT_RESUME, OPT_TARGET,
       OPT_CLASS_WEIGHTS, OPT_BUFFER_ROWS, OPT_HOLDOUT_BY };

static const mlv_about about = {
	"mlv-train --model MODEL.yaml [--epochs N] [--batch-size N] [--lr LR] "
	"[--seed S]\n"
	"                 [--validation F] [--log FILE] [--checkpoint FILE "
	"[--checkpoint-every N]]\n"
	"                 [--target KEY [--class-weights none|balanced]] "
	"[-j N] [-q]\n"
	"                 -o MODEL.mlv [FILE...]\n"
	"       mlv-train --model MODEL.yaml --buffer-rows N [--holdout-by KEY] "
	"[...] -o MODEL.mlv FILE\n"
	"       mlv-train --resume CHECKPOINT [--epochs N] [...] -o MODEL.mlv "
	"[FILE...]",
	"Train the autoencoder or classifier a YAML description gives on the "
	"rows of the\ninput (each row one sample; a row of S x F values is S "
	"steps of F features),\nand write the trained model, an MLV stream of "
	"named tensors, for mlv-encode.",
	NULL,
};

static const mlv_opt train_options[] = {
	{"model", 0, "FILE", "the model description (YAML)", OPT_MODEL, NULL},
	{NULL, 'm', NULL, NULL, 0, "model"},
	{"epochs", 0, "N", "train until N epochs in all (description's epochs)",
	 OPT_EPOCHS, NULL},
	{"batch-size", 0, "N", "samples per step", OPT_BATCH, NULL},
	{"lr", 0, "LR", "Adam's learning rate", OPT_LR, NULL},
	{"validation", 0, "F", "fraction of rows held out to monitor [0, 1)",
	 OPT_VAL, NULL},
	{"log", 0, "FILE", "train and validation loss per epoch, an MLV record",
	 OPT_LOG, NULL},
	{"checkpoint", 0, "FILE", "save the whole training state to FILE ...",
	 OPT_CKPT, NULL},
	{"checkpoint-every", 0, "N", "... every N epochs (1)", OPT_CKPT_EVERY,
	 NULL},
	{"every", 0, NULL, NULL, 0, "checkpoint-every"},
	{"resume", 0, "FILE", "continue from a checkpoint, bit for bit",
	 OPT_RESUME, NULL},
	{"target", 0, "KEY", "classifiers: the metadata key of the classes",
	 OPT_TARGET, NULL},
	{"class-weights", 0, "W", "classifiers: none or balanced",
	 OPT_CLASS_WEIGHTS, NULL},
	{"buffer-rows", 0, "N", "stream FILE every epoch through a shuffle "
	 "buffer of N rows", OPT_BUFFER_ROWS, NULL},
	{"holdout-by", 0, "KEY", "--buffer-rows: hold out whole groups of "
	 "KEY's value (id)", OPT_HOLDOUT_BY, NULL},
	{"output", 'o', "FILE", "the trained model (written atomically)", 'o',
	 NULL},
	{0},
};

/* The losses per epoch, as one record at the end: epoch, train, then
 * validation when rows are held out, the reconstruction and the layers'
 * terms (KL, contractive) when a layer adds one, and accuracies for
 * classifiers. */
#define LOG_COLS 7
typedef struct {
	float *rows; /* epoch, train, validation, reconstruction, penalty,
	              * accuracy, validation_accuracy */
	size_t n, cap;
} loss_log;

static void
log_epoch(loss_log *log, size_t epoch, const mlv_epoch_report *rep)
{
	if (log->n == log->cap) {
		log->cap = log->cap ? 2 * log->cap : 64;
		log->rows = mlv_realloc(log->rows,
		                        log->cap * LOG_COLS * sizeof(float));
	}
	float *r = log->rows + LOG_COLS * log->n++;
	r[0] = (float)epoch;
	r[1] = (float)rep->train_loss;
	r[2] = (float)rep->val_loss;
	r[3] = (float)(rep->train_loss - rep->train_aux);
	r[4] = (float)rep->train_aux;
	r[5] = (float)rep->train_acc;
	r[6] = (float)rep->val_acc;
}

static void
write_log(const char *path, const loss_log *log, const mlv_model *m)
{
	/* Columns that mean something for this model only: no column of
	 * NaN without held-out rows, no penalty without a layer adding one. */
	static const char *const names[LOG_COLS] = {
		"epoch", "train", "validation", "reconstruction", "penalty",
		"accuracy",
		"validation_accuracy"};
	int val = m->cfg.validation > 0, cls = m->nclasses > 0, aux = 0;
	for (size_t i = 0; i < m->net->nlayers; i++)
		aux |= m->net->layers[i].spec.kind == MLV_NN_VAE ||
		       m->net->layers[i].spec.kind == MLV_NN_CONTRACTIVE;
	int on[LOG_COLS] = {1, 1, val, aux, aux, cls, cls && val};
	size_t cols = 0;
	char colnames[128] = "";
	for (int c = 0; c < LOG_COLS; c++)
		if (on[c])
			snprintf(colnames + strlen(colnames),
			         sizeof colnames - strlen(colnames), "%s%s",
			         cols++ ? "," : "", names[c]);
	mlv_record r;
	mlv_record_init(&r);
	mlv_record_resize(&r, log->n, cols);
	for (size_t i = 0; i < log->n; i++)
		for (int c = 0, k = 0; c < LOG_COLS; c++)
			if (on[c])
				r.data[i * cols + k++] = log->rows[LOG_COLS * i + c];
	mlv_meta_set(&r, "id", m->cfg.name ? m->cfg.name : "loss");
	mlv_meta_set(&r, "kind", "loss");
	mlv_meta_set(&r, "colnames", colnames);
	mlv_meta_setf(&r, "seed", "%llu", (unsigned long long)m->cfg.seed);
	mlv_writer *w = mlv_writer_open_or_die(path);
	mlv_write_or_die(w, &r);
	mlv_writer_close_or_die(w);
	mlv_record_free(&r);
}

/* A classifier's targets: each row's class of the key, as floats; the
 * classes are set on the model when it is new, and must be the same as
 * the checkpoint's when resumed. */
static float *
class_targets(mlv_model *m, const mlv_points *p, const char *input, int fresh)
{
	const char *key = m->cfg.target;
	char err[1024];
	mlv_classes cl;
	int32_t *y = mlv_malloc(mlv_mul_size(p->n, sizeof *y, "rows"));
	if (mlv_classes_of_key(&cl, p, key, y, err, sizeof err))
		mlv_die("%s", err);
	for (size_t c = 0; c < cl.n; c++)
		if (strchr(cl.names[c], ','))
			mlv_die("%s: %s=%s: a class name cannot hold a comma", input,
			        key, cl.names[c]);
	if (fresh) {
		if (mlv_model_set_classes(m, cl.names, cl.n, y, p->n, err,
		                          sizeof err))
			mlv_die("%s: --target %s: %s", input, key, err);
	} else {
		int same = cl.n == m->nclasses;
		for (size_t c = 0; same && c < cl.n; c++)
			same = !strcmp(cl.names[c], m->classes[c]);
		if (!same)
			mlv_die("%s: the classes of %s are not the checkpoint's",
			        input, key);
	}
	float *t = mlv_malloc(mlv_mul_size(p->n, sizeof *t, "rows"));
	for (size_t i = 0; i < p->n; i++)
		t[i] = (float)y[i];
	free(y);
	mlv_classes_free(&cl);
	return t;
}

int
main(int argc, char **argv)
{
	static const mlv_opt *const options[] = {train_options, mlv_opts_seed,
	                                           mlv_opts_jobs, mlv_opts_common,
	                                           NULL};
	mlv_opts o;
	const char *model_path = NULL, *output = NULL, *log_path = NULL;
	const char *ckpt = NULL, *resume = NULL, *target = NULL;
	const char *holdout_by = NULL;
	long long buffer_rows = 0;
	int balanced = -1;
	long long epochs = -1, batch = -1, seed = -1, every = 1;
	double lr = -1, validation = -1;
	int threads = mlv_default_threads(), c;
	mlv_init(argv);
	mlv_blas_check_room();
	mlv_opts_begin(&o, argc, argv, &about, options);
	while ((c = mlv_opts_next(&o)) != -1) {
		switch (c) {
		case OPT_MODEL: model_path = o.arg; break;
		case OPT_EPOCHS:
			epochs = mlv_parse_int(o.arg, 1, 1LL << 30, "--epochs");
			break;
		case OPT_BATCH:
			batch = mlv_parse_int(o.arg, 1, 1 << 24, "--batch-size");
			break;
		case OPT_LR: lr = mlv_parse_double(o.arg, 1e-12, 10, "--lr"); break;
		case MLV_OPT_SEED:
			seed = mlv_parse_int(o.arg, 0, INT64_MAX, "--seed");
			break;
		case OPT_VAL:
			validation = mlv_parse_double(o.arg, 0, 0.99, "--validation");
			break;
		case OPT_LOG: log_path = o.arg; break;
		case OPT_CKPT: ckpt = o.arg; break;
		case OPT_CKPT_EVERY:
			every = mlv_parse_int(o.arg, 1, 1LL << 30, "--checkpoint-every");
			break;
		case OPT_RESUME: resume = o.arg; break;
		case OPT_TARGET: target = o.arg; break;
		case OPT_CLASS_WEIGHTS:
			if (strcmp(o.arg, "none") && strcmp(o.arg, "balanced"))
				mlv_usage_error("--class-weights %s: none or balanced",
				                o.arg);
			balanced = !strcmp(o.arg, "balanced");
			break;
		case 'j':
			threads = mlv_parse_jobs(o.arg);
			break;
		case OPT_BUFFER_ROWS:
			buffer_rows = mlv_parse_int(o.arg, 1, 1LL << 40,
			                            "--buffer-rows");
			break;
		case OPT_HOLDOUT_BY: holdout_by = o.arg; break;
		case 'o': output = o.arg; break;
		}
	}
	if (!output)
		mlv_usage_error("-o MODEL.mlv is required (a model is not piped)");
	if (!model_path == !resume)
		mlv_usage_error("give a description with --model, or --resume a "
		                "checkpoint");
	if (every != 1 && !ckpt)
		mlv_usage_error("--checkpoint-every goes with --checkpoint");
	if (resume && (batch > 0 || lr > 0 || seed >= 0 || validation >= 0 ||
	               target || balanced >= 0))
		mlv_usage_error("a resumed run keeps its checkpoint's settings; "
		                "only --epochs may change");
	if (holdout_by && !buffer_rows)
		mlv_usage_error("--holdout-by goes with --buffer-rows");
	if (buffer_rows && (resume || target || balanced >= 0))
		mlv_usage_error("--buffer-rows trains a new autoencoder: not with "
		                "--resume or a classifier's --target");
	if (buffer_rows && argc - optind != 1)
		mlv_usage_error("--buffer-rows reads one FILE");
	if (buffer_rows) {
		/* Every epoch re-reads the input, which a pipe cannot give. */
		struct stat st;
		const char *f = argv[optind];
		if (!strcmp(f, "-") || stat(f, &st) || !S_ISREG(st.st_mode))
			mlv_die("%s: --buffer-rows re-reads its input every epoch "
			        "(a regular file, not stdin or a pipe)", f);
	}
	openblas_set_num_threads(threads);
	mlv_outputs_check_or_die(3, output, log_path, ckpt);

	char err[1024];
	mlv_model *m;
	if (resume) {
		m = mlv_model_load(resume, err, sizeof err);
		if (!m)
			mlv_die("%s", err);
	} else {
		mlv_model_config cfg;
		if (mlv_model_config_load(&cfg, model_path, err, sizeof err))
			mlv_die("%s", err);
		if (batch > 0)
			cfg.batch_size = (size_t)batch;
		if (lr > 0)
			cfg.adam.lr = lr;
		if (seed >= 0)
			cfg.seed = (uint64_t)seed;
		if (validation >= 0)
			cfg.validation = validation;
		if (target) {
			free(cfg.target);
			cfg.target = mlv_strdup(target);
		}
		if (balanced >= 0)
			cfg.balanced = balanced;
		if (cfg.loss == MLV_LOSS_CROSS_ENTROPY && !cfg.target)
			mlv_usage_error("%s is a classifier (loss: cross_entropy): "
			                "give --target KEY", model_path);
		if (cfg.loss != MLV_LOSS_CROSS_ENTROPY && (target || balanced >= 0))
			mlv_usage_error("--target and --class-weights go with a "
			                "classifier (loss: cross_entropy)");
		m = mlv_model_new(&cfg, err, sizeof err);
		if (!m)
			mlv_die("%s: %s", model_path, err);
	}
	if (epochs > 0)
		m->cfg.epochs = (size_t)epochs;
	if (resume && m->epoch >= m->cfg.epochs)
		mlv_usage_error("%s has done its %zu epochs; give --epochs to train "
		                "on", resume, m->epoch);
	mlv_model_stream src = {NULL, (size_t)buffer_rows,
	                        holdout_by ? holdout_by : "id"};
	if (buffer_rows) {
		src.path = argv[optind];
		if (m->cfg.loss == MLV_LOSS_CROSS_ENTROPY)
			mlv_usage_error("--buffer-rows trains autoencoders (loss: mse) "
			                "only");
		if (m->cfg.norm != MLV_NORM_NONE &&
		    mlv_model_stream_norm(m, &src, err, sizeof err))
			mlv_die("%s", err);
	}

	mlv_points p = {0};
	const char *input = optind < argc ? argv[optind] : "<stdin>";
	if (!buffer_rows) {
		mlv_points_read(&p, argv + optind, argc - optind);
		size_t in = mlv_model_in_size(m);
		if (p.n && p.d != in)
			mlv_die("%s: rows of %zu values, but the model takes %zu (%zu "
			        "steps x %zu features)", input, p.d, in, m->cfg.steps,
			        m->cfg.features);
		if (!p.n)
			mlv_die("%s: no rows to train on", input);
	}
	if (!buffer_rows && !resume && m->cfg.norm != MLV_NORM_NONE) {
		/* The statistics the model will apply to everything it sees,
		 * fitted here on the training rows and saved with it. */
		mlv_norm s;
		mlv_norm_init(&s, m->cfg.norm, m->cfg.norm_per_column,
		              mlv_model_in_size(m));
		mlv_norm_add_parallel(&s, p.x, p.n, threads);
		if (mlv_model_set_norm(m, &s, err, sizeof err))
			mlv_die("%s: %s", input, err);
	}

	float *y = m->cfg.loss == MLV_LOSS_CROSS_ENTROPY ?
	           class_targets(m, &p, input, !resume) : NULL;
	loss_log log = {0};
	int saved = resume != NULL && ckpt && !strcmp(ckpt, resume);
	mlv_progress prog;
	mlv_progress_begin(&prog, "training");
	size_t first_epoch = m->epoch;
	while (m->epoch < m->cfg.epochs) {
		mlv_epoch_report rep;
		if (buffer_rows ? mlv_model_stream_epoch(m, &src, &rep, err,
		                                         sizeof err) :
		    mlv_model_train_epoch(m, p.x, y, p.n, &rep, err, sizeof err))
			mlv_die("%s: %s", input, err);
		double bad = !isfinite(rep.train_loss) ? rep.train_loss :
		             rep.val_loss;
		if (!isfinite(rep.train_loss) ||
		    (!isnan(rep.val_loss) && !isfinite(rep.val_loss)))
			mlv_die("%s: epoch %zu: the loss is %s: training diverged (try "
			        "a lower --lr)%s%s%s", input, m->epoch,
			        isnan(bad) ? "NaN" : "infinite",
			        saved ? "; the last good checkpoint, " : "",
			        saved ? ckpt : "", saved ? ", is kept" : "");
		log_epoch(&log, m->epoch, &rep);
		/* One line per epoch on a terminal, as Keras prints: the loss
		 * curve stays on screen. */
		if (prog.active) {
			char eta[32];
			fprintf(stderr, "%s: epoch %zu/%zu (%s): loss %.6g",
			        mlv_progname, m->epoch, m->cfg.epochs,
			        mlv_eta(eta, sizeof eta, mlv_now() - prog.start,
			                m->epoch - first_epoch,
			                m->cfg.epochs - first_epoch),
			        rep.train_loss);
			if (!isnan(rep.val_loss))
				fprintf(stderr, ", validation %.6g", rep.val_loss);
			if (!isnan(rep.train_acc))
				fprintf(stderr, ", accuracy %.4g", rep.train_acc);
			if (!isnan(rep.val_acc))
				fprintf(stderr, ", validation accuracy %.4g", rep.val_acc);
			fputc('\n', stderr);
		}
		if (ckpt && (m->epoch % (size_t)every == 0 || rep.stop ||
		             m->epoch == m->cfg.epochs)) {
			if (mlv_model_save(m, ckpt, 1, err, sizeof err))
				mlv_die("%s", err);
			saved = 1;
		}
		if (rep.stop)
			break;
	}
	if (mlv_model_save(m, output, 0, err, sizeof err))
		mlv_die("%s", err);
	if (log_path)
		write_log(log_path, &log, m);
	free(log.rows);
	free(y);
	mlv_points_free(&p);
	mlv_model_free(m);
	return 0;
}
