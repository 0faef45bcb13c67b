/* mlv-train - fit an autoencoder described in YAML to the rows of streams. */
#include <cblas.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "points.h"
#include "pool.h"
#include "stream.h"
#include "util.h"

static void
usage(void)
{
	printf("usage: mlv-train -m MODEL.yaml [--epochs N] [--batch-size N] "
	       "[--lr LR] [--seed S]\n"
	       "                 [--validation F] [--log FILE] [--checkpoint "
	       "FILE [--every N]]\n"
	       "                 [-j N] -o MODEL.mlv [FILE...]\n"
	       "       mlv-train --resume CHECKPOINT [--epochs N] [...] -o "
	       "MODEL.mlv [FILE...]\n"
	       "Train the autoencoder a YAML description gives on the rows of "
	       "the input (each\nrow one sample; a row of S x F values is S "
	       "steps of F features), and write\nthe trained model, an MLV "
	       "stream of named tensors, for mlv-encode.\n\n"
	       "  -m, --model FILE       the model description (YAML)\n"
	       "      --epochs N         train until N epochs in all "
	       "(description's epochs)\n"
	       "      --batch-size N     samples per step\n"
	       "      --lr LR            Adam's learning rate\n"
	       "      --seed S           initialisation, dropout, shuffling, "
	       "split\n"
	       "      --validation F     fraction of rows held out to monitor "
	       "[0, 1)\n"
	       "      --log FILE         train and validation loss per epoch, "
	       "an MLV record\n"
	       "      --checkpoint FILE  save the whole training state to FILE "
	       "...\n"
	       "      --every N          ... every N epochs (1)\n"
	       "      --resume FILE      continue from a checkpoint, bit for "
	       "bit\n"
	       "  -j, --jobs N           OpenBLAS threads (default: all cores; "
	       "results are\n"
	       "                         reproducible for a given seed and "
	       "thread count)\n"
	       "  -o, --output FILE      the trained model (written "
	       "atomically)\n"
	       "  -h, --help             show this help\n"
	       "      --version          show the version\n");
	exit(0);
}

/* Train and validation loss per epoch, as one record at the end. */
typedef struct {
	float *rows; /* epoch, train, validation */
	size_t n, cap;
} loss_log;

static void
log_epoch(loss_log *log, size_t epoch, const mlv_epoch_report *rep)
{
	if (log->n == log->cap) {
		log->cap = log->cap ? 2 * log->cap : 64;
		log->rows = mlv_realloc(log->rows, log->cap * 3 * sizeof(float));
	}
	float *r = log->rows + 3 * log->n++;
	r[0] = (float)epoch;
	r[1] = (float)rep->train_loss;
	r[2] = (float)rep->val_loss;
}

static void
write_log(const char *path, const loss_log *log, const mlv_model *m)
{
	/* Without held-out rows there is no validation loss: two columns
	 * rather than a column of NaN. */
	int val = m->cfg.validation > 0;
	mlv_record r;
	mlv_record_init(&r);
	mlv_record_resize(&r, log->n, val ? 3 : 2);
	for (size_t i = 0; i < log->n; i++)
		memcpy(r.data + i * r.cols, log->rows + 3 * i, r.cols * sizeof(float));
	mlv_meta_set(&r, "id", m->cfg.name ? m->cfg.name : "loss");
	mlv_meta_set(&r, "kind", "loss");
	mlv_meta_set(&r, "colnames", val ? "epoch,train,validation" :
	             "epoch,train");
	mlv_meta_setf(&r, "seed", "%llu", (unsigned long long)m->cfg.seed);
	mlv_writer *w = mlv_writer_open_or_die(path);
	mlv_write_or_die(w, &r);
	mlv_writer_close_or_die(w);
	mlv_record_free(&r);
}

int
main(int argc, char **argv)
{
	enum { OPT_EPOCHS = 256, OPT_BATCH, OPT_LR, OPT_SEED, OPT_VAL, OPT_LOG,
	       OPT_CKPT, OPT_EVERY, OPT_RESUME, OPT_VERSION };
	static const struct option longopts[] = {
		{"model", required_argument, NULL, 'm'},
		{"epochs", required_argument, NULL, OPT_EPOCHS},
		{"batch-size", required_argument, NULL, OPT_BATCH},
		{"lr", required_argument, NULL, OPT_LR},
		{"seed", required_argument, NULL, OPT_SEED},
		{"validation", required_argument, NULL, OPT_VAL},
		{"log", required_argument, NULL, OPT_LOG},
		{"checkpoint", required_argument, NULL, OPT_CKPT},
		{"every", required_argument, NULL, OPT_EVERY},
		{"resume", required_argument, NULL, OPT_RESUME},
		{"jobs", required_argument, NULL, 'j'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	const char *model_path = NULL, *output = NULL, *log_path = NULL;
	const char *ckpt = NULL, *resume = NULL;
	long long epochs = -1, batch = -1, seed = -1, every = 1;
	double lr = -1, validation = -1;
	int threads = mlv_default_threads(), c;
	mlv_init(argv);
	while ((c = getopt_long(argc, argv, "m:j:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': model_path = optarg; break;
		case OPT_EPOCHS:
			epochs = mlv_parse_int(optarg, 1, 1LL << 30, "--epochs");
			break;
		case OPT_BATCH:
			batch = mlv_parse_int(optarg, 1, 1 << 24, "--batch-size");
			break;
		case OPT_LR: lr = mlv_parse_double(optarg, 1e-12, 10, "--lr"); break;
		case OPT_SEED:
			seed = mlv_parse_int(optarg, 0, INT64_MAX, "--seed");
			break;
		case OPT_VAL:
			validation = mlv_parse_double(optarg, 0, 0.99, "--validation");
			break;
		case OPT_LOG: log_path = optarg; break;
		case OPT_CKPT: ckpt = optarg; break;
		case OPT_EVERY:
			every = mlv_parse_int(optarg, 1, 1LL << 30, "--every");
			break;
		case OPT_RESUME: resume = optarg; break;
		case 'j':
			threads = mlv_parse_jobs(optarg);
			break;
		case 'o': output = optarg; break;
		case 'h': usage(); break;
		case OPT_VERSION: mlv_print_version(); return 0;
		default: mlv_try_help();
		}
	}
	if (!output)
		mlv_usage_error("-o MODEL.mlv is required (a model is not piped)");
	if (!model_path == !resume)
		mlv_usage_error("give a description with -m, or --resume a "
		                "checkpoint");
	if (every != 1 && !ckpt)
		mlv_usage_error("--every goes with --checkpoint");
	if (resume && (batch > 0 || lr > 0 || seed >= 0 || validation >= 0))
		mlv_usage_error("a resumed run keeps its checkpoint's settings; "
		                "only --epochs may change");
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
		m = mlv_model_new(&cfg, err, sizeof err);
		if (!m)
			mlv_die("%s: %s", model_path, err);
	}
	if (epochs > 0)
		m->cfg.epochs = (size_t)epochs;
	if (resume && m->epoch >= m->cfg.epochs)
		mlv_usage_error("%s has done its %zu epochs; give --epochs to train "
		                "on", resume, m->epoch);

	mlv_points p;
	mlv_points_read(&p, argv + optind, argc - optind);
	const char *input = optind < argc ? argv[optind] : "<stdin>";
	size_t in = mlv_model_in_size(m);
	if (p.n && p.d != in)
		mlv_die("%s: rows of %zu values, but the model takes %zu (%zu steps "
		        "x %zu features)", input, p.d, in, m->cfg.steps,
		        m->cfg.features);
	if (!p.n)
		mlv_die("%s: no rows to train on", input);
	if (!resume && m->cfg.norm != MLV_NORM_NONE) {
		/* The statistics the model will apply to everything it sees,
		 * fitted here on the training rows and saved with it. */
		mlv_norm s;
		mlv_norm_init(&s, m->cfg.norm, m->cfg.norm_per_column, in);
		mlv_norm_add_parallel(&s, p.x, p.n, threads);
		if (mlv_model_set_norm(m, &s, err, sizeof err))
			mlv_die("%s: %s", input, err);
	}

	loss_log log = {0};
	int saved = resume != NULL && ckpt && !strcmp(ckpt, resume);
	mlv_progress prog;
	mlv_progress_begin(&prog, "training");
	size_t first_epoch = m->epoch;
	while (m->epoch < m->cfg.epochs) {
		mlv_epoch_report rep;
		if (mlv_model_train_epoch(m, p.x, p.n, &rep, err, sizeof err))
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
	mlv_points_free(&p);
	mlv_model_free(m);
	return 0;
}
