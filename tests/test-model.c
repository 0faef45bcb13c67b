/* test-model.c - model descriptions, training epochs, saved models. */
#include <stdlib.h>
#include <unistd.h>

#include "model.h"
#include "test.h"

static char tmpdir[] = "/tmp/mlv-test-model-XXXXXX";

/* A path in the test's directory; the last four calls' results stay
 * valid (copy one that must live longer). */
static const char *
tmp_path(const char *name)
{
	static char buf[4][256];
	static int next;
	char *b = buf[next++ % 4];
	snprintf(b, sizeof buf[0], "%s/%s", tmpdir, name);
	return b;
}

/* Parse text; on failure return NULL after printing the message. */
static int
parse(mlv_model_config *c, const char *text, char *err, size_t errlen)
{
	return mlv_model_config_parse(c, text, strlen(text), "t.yaml", err,
	                              errlen);
}

/* ---- the shipped examples ---- */

/* Run from the top of the tree (tests/run.sh does). */
TEST(paper_models_load)
{
	char err[512];
	mlv_model_config c;
	if (mlv_model_config_load(&c, "examples/models/musiclatentvis-fc.yaml",
	                          err, sizeof err)) {
		test_failed_checks++;
		printf("#   %s\n", err);
		return;
	}
	CHECK_INT(c.nlayers, 6);
	CHECK_INT(c.features, 501);
	CHECK_INT(c.latent, 2);
	CHECK_INT(c.batch_size, 512);
	CHECK_INT(c.epochs, 500);
	CHECK(c.adam.lr == 1e-3 && c.adam.eps == 1e-8);
	CHECK_INT(c.norm, MLV_NORM_MINMAX);
	CHECK_INT(c.layers[5].spec.act, MLV_ACT_SIGMOID);
	mlv_model *m = mlv_model_new(&c, err, sizeof err);
	CHECK(m != NULL);
	if (m) {
		/* PyTorch's count for 501-256-128-32-128-256-501 (the peer). */
		CHECK_INT(m->net->nparams, 331541);
		CHECK_INT(mlv_model_latent_size(m), 32);
		/* dense+relu x5, dense+sigmoid: 12 network layers, the latent
		 * the relu after the third dense. */
		CHECK_INT(m->net->nlayers, 12);
		CHECK_INT(m->net->latent, 5);
		mlv_model_free(m);
	}
	if (mlv_model_config_load(&c, "examples/models/musiclatentvis-lstm.yaml",
	                          err, sizeof err)) {
		test_failed_checks++;
		printf("#   %s\n", err);
		return;
	}
	CHECK_INT(c.steps, 4);
	CHECK_INT(c.features, 160);
	CHECK_INT(c.batch_size, 128);
	CHECK(c.validation == 0.2);
	m = mlv_model_new(&c, err, sizeof err);
	CHECK(m != NULL);
	if (m) {
		/* LSTM(160->16) 11392 + LSTM(16->16) 2176 + Linear(16->160) 2720,
		 * the peer's count. */
		CHECK_INT(m->net->nparams, 16288);
		CHECK_INT(mlv_model_latent_size(m), 16);
		CHECK_INT(mlv_nn_out_size(m->net), 640);
		mlv_model_free(m);
	}
}

/* ---- normalised descriptions ---- */

static const char *full_yaml =
	"model: \"a \\\"quoted\\\" name\"\n"
	"input: {features: 6, steps: 3, normalise: zscore, axis: global}\n"
	"layers:\n"
	"  - {kind: dense, size: 5, activation: leaky_relu, slope: 0.2,"
	" dropout: 0.1}\n"
	"  - {kind: lstm, units: 4, name: enc}\n"
	"  - {kind: repeat, steps: 3}\n"
	"  - {kind: lstm, units: 4, return_sequences: yes}\n"
	"  - {kind: dropout, rate: 0.25}\n"
	"  - {kind: dense, units: 6}\n"
	"  - {kind: activation, activation: tanh}\n"
	"latent: enc\n"
	"optimizer: {lr: 0.003, beta2: 0.99}\n"
	"batch_size: 7\n"
	"epochs: 9\n"
	"seed: 18446744073709551615\n"
	"validation: 0.3\n"
	"early_stopping: {patience: 4, min_delta: 1e-4}\n";

TEST(normalised_description_parses_to_the_same_config)
{
	char err[512] = "";
	mlv_model_config a, b;
	if (parse(&a, full_yaml, err, sizeof err)) {
		test_failed_checks++;
		printf("#   %s\n", err);
		return;
	}
	CHECK_STR(a.name, "a \"quoted\" name");
	CHECK_INT(a.nlayers, 7);
	CHECK_INT(a.latent, 1);
	CHECK(a.layers[0].spec.slope == 0.2f && a.layers[0].dropout == 0.1f);
	CHECK_INT(a.layers[0].spec.units, 5);
	CHECK_INT(a.layers[3].spec.return_sequences, 1);
	CHECK_INT(a.layers[1].spec.return_sequences, 0);
	CHECK(a.adam.lr == 0.003 && a.adam.beta1 == 0.9 && a.adam.beta2 == 0.99);
	CHECK(a.seed == UINT64_MAX);
	CHECK_INT(a.patience, 4);
	CHECK(a.min_delta == 1e-4);
	CHECK_INT(a.norm_per_column, 0);
	char *ta = mlv_model_config_format(&a);
	CHECK_INT(mlv_model_config_parse(&b, ta, strlen(ta), "normalised", err,
	                                 sizeof err), 0);
	char *tb = mlv_model_config_format(&b);
	CHECK_STR(tb, ta);
	CHECK(strstr(ta, "lr: 0.003,") != NULL);
	CHECK(strstr(ta, "eps: 1e-08") != NULL);
	mlv_model_config_free(&a);
	mlv_model_config_free(&b);
	free(ta);
	free(tb);
}

/* ---- errors, with line numbers ---- */

static void
check_error(const char *text, const char *want1, const char *want2)
{
	char err[512] = "";
	mlv_model_config c;
	int rc = parse(&c, text, err, sizeof err);
	CHECK_INT(rc, -1);
	if (rc == 0) {
		mlv_model_config_free(&c);
		return;
	}
	if (!strstr(err, want1) || (want2 && !strstr(err, want2))) {
		test_failed_checks++;
		printf("#   message \"%s\" lacks \"%s\"%s%s\n", err, want1,
		       want2 ? " or " : "", want2 ? want2 : "");
	}
}

#define HEAD "input: {features: 4}\nlayers:\n"

TEST(yaml_errors_name_file_line_and_problem)
{
	/* unknown layer kind, on the value's line */
	check_error(HEAD "  - {kind: dense, units: 2}\n"
	            "  - {kind: conv, units: 4}\n"
	            "latent: 0\n",
	            "t.yaml:4: layers[1]: unknown kind 'conv'", "dense, activation");
	/* missing size, on the layer's line */
	check_error(HEAD "  - kind: dense\n"
	            "    units: 2\n"
	            "  - kind: dense\n"
	            "    activation: relu\n"
	            "latent: 0\n",
	            "t.yaml:5: layers[1] (dense): missing 'units'", NULL);
	/* bad activation */
	check_error(HEAD "  - {kind: dense, units: 2, activation: relu6}\n"
	            "  - {kind: dense, units: 4}\n"
	            "latent: 0\n",
	            "t.yaml:3: layers[0]: unknown activation 'relu6'",
	            "leaky_relu");
	/* latent missing altogether, and naming no layer */
	check_error(HEAD "  - {kind: dense, units: 2}\n"
	            "  - {kind: dense, units: 4}\n",
	            "t.yaml:1: missing 'latent'", NULL);
	check_error(HEAD "  - {kind: dense, units: 2, name: code}\n"
	            "  - {kind: dense, units: 4}\n"
	            "latent: codes\n",
	            "t.yaml:5: latent: no layer is named 'codes'", NULL);
	check_error(HEAD "  - {kind: dense, units: 2}\n"
	            "  - {kind: dense, units: 4}\n"
	            "latent: 1\n",
	            "t.yaml:5: latent: layers[1] is the last layer", NULL);
	/* unknown keys, at the top and in a layer */
	check_error(HEAD "  - {kind: dense, units: 2}\n"
	            "  - {kind: dense, units: 4}\n"
	            "latent: 0\n"
	            "epochz: 3\n",
	            "t.yaml:6: model file: unknown key 'epochz'", "epochs");
	check_error(HEAD "  - {kind: dense, units: 2, unitz: 3}\n"
	            "  - {kind: dense, units: 4}\n"
	            "latent: 0\n",
	            "t.yaml:3: layers[0]: unknown key 'unitz'", NULL);
	/* a key of another kind, a duplicate, a bad number */
	check_error(HEAD "  - {kind: dense, units: 2, return_sequences: true}\n"
	            "  - {kind: dense, units: 4}\n"
	            "latent: 0\n",
	            "t.yaml:3: layers[0]: 'return_sequences' does not apply to "
	            "a dense layer", NULL);
	check_error(HEAD "  - {kind: dense, units: 2}\n"
	            "  - {kind: dense, units: 4}\n"
	            "latent: 0\n"
	            "latent: 0\n",
	            "t.yaml:6: model file: duplicate key 'latent'", NULL);
	check_error(HEAD "  - {kind: dense, units: 2x}\n"
	            "  - {kind: dense, units: 4}\n"
	            "latent: 0\n",
	            "t.yaml:3: layers[0].units: '2x' is not a whole number",
	            NULL);
	check_error("input: {features: 4}\nlayers:\n"
	            "  - {kind: dense, units: 2}\n"
	            "  - {kind: dense, units: 4}\n"
	            "latent: 0\nbatch_size: 0\n",
	            "t.yaml:6: batch_size: 0 is out of range", NULL);
	/* shapes: the output must match the input; repeat needs one step */
	check_error(HEAD "  - {kind: dense, units: 2}\n"
	            "  - {kind: dense, units: 3}\n"
	            "latent: 0\n",
	            "t.yaml:4: layers[1]: the last layer's output is 1 step(s) "
	            "x 3 features, the input 1 x 4", NULL);
	check_error("input: {features: 4, steps: 2}\nlayers:\n"
	            "  - {kind: lstm, units: 2, return_sequences: true}\n"
	            "  - {kind: repeat, steps: 2}\n"
	            "  - {kind: dense, units: 4}\n"
	            "latent: 0\n",
	            "t.yaml:4: layers[1] (repeat): needs an input of one step",
	            "got 2 steps");
	/* YAML syntax, and a missing input */
	check_error("input: {features: 4\nlayers: []\n",
	            "t.yaml:", "YAML syntax");
	check_error("layers:\n  - {kind: dense, units: 2}\nlatent: 0\n",
	            "t.yaml:1: missing 'input'", NULL);
	check_error(HEAD "  - {kind: dense, units: 2, activation: tanh, "
	            "slope: 0.1}\n  - {kind: dense, units: 4}\nlatent: 0\n",
	            "t.yaml:3: layers[0]: 'slope' applies only to activation "
	            "leaky_relu", NULL);
	check_error(HEAD "  - {kind: dropout}\n  - {kind: dense, units: 4}\n"
	            "latent: 0\n",
	            "t.yaml:3: layers[0] (dropout): missing 'rate'", NULL);
	/* a missing file names itself */
	char err[512];
	mlv_model_config c;
	CHECK_INT(mlv_model_config_load(&c, "/nonexistent/m.yaml", err,
	                                sizeof err), -1);
	CHECK(strstr(err, "/nonexistent/m.yaml: cannot open") != NULL);
}

/* ---- training ---- */

/* A small sequence autoencoder with every layer kind, dropout, held-out
 * rows, statistics and early stopping, on smooth random sequences. */
static const char *seq_yaml =
	"input: {features: 6, steps: 3, normalise: zscore, axis: column}\n"
	"layers:\n"
	"  - {kind: dropout, rate: 0.2}\n"
	"  - {kind: lstm, units: 8, name: code}\n"
	"  - {kind: repeat, steps: 3}\n"
	"  - {kind: lstm, units: 8, return_sequences: true, dropout: 0.1}\n"
	"  - {kind: dense, units: 6, activation: leaky_relu}\n"
	"latent: code\n"
	"optimiser: {lr: 0.01}\n"
	"batch_size: 16\n"
	"epochs: 6\n"
	"seed: 3\n"
	"validation: 0.25\n"
	"early_stopping: {patience: 3, min_delta: 0}\n";

static float *
seq_data(size_t n)
{
	mlv_rng g;
	mlv_rng_seed(&g, 77);
	float *x = malloc(n * 18 * sizeof(float));
	for (size_t i = 0; i < n; i++) {
		double a = mlv_rng_uniform(&g) * 6.28, b = mlv_rng_uniform(&g);
		for (int t = 0; t < 3; t++)
			for (int j = 0; j < 6; j++)
				x[i * 18 + t * 6 + j] =
					(float)(10 + 5 * b * sin(a + 0.7 * t + 0.9 * j));
	}
	return x;
}

static mlv_model *
seq_model(const float *x, size_t n)
{
	char err[512];
	mlv_model_config c;
	if (parse(&c, seq_yaml, err, sizeof err)) {
		printf("#   %s\n", err);
		return NULL;
	}
	mlv_model *m = mlv_model_new(&c, err, sizeof err);
	if (!m) {
		printf("#   %s\n", err);
		return NULL;
	}
	mlv_norm s;
	mlv_norm_init(&s, MLV_NORM_ZSCORE, 1, 18);
	mlv_norm_add(&s, x, n);
	if (mlv_model_set_norm(m, &s, err, sizeof err)) {
		printf("#   %s\n", err);
		mlv_model_free(m);
		return NULL;
	}
	return m;
}

TEST(training_epochs_lower_the_loss)
{
	enum { N = 200, EPOCHS = 30 };
	char err[512];
	float *x = seq_data(N);
	mlv_model *m = seq_model(x, N);
	CHECK(m != NULL);
	if (!m) {
		free(x);
		return;
	}
	double first = mlv_model_loss(m, x, N);
	mlv_epoch_report rep;
	for (int e = 0; e < EPOCHS; e++)
		CHECK_INT(mlv_model_train_epoch(m, x, NULL, N, &rep, err, sizeof err), 0);
	double last = mlv_model_loss(m, x, N);
	printf("#   sequence autoencoder: MSE %.4f -> %.4f after %d epochs "
	       "(validation %.4f)\n", first, last, EPOCHS, rep.val_loss);
	CHECK(last < 0.7 * first); /* observed 0.48 */
	CHECK(isfinite(rep.val_loss) && rep.val_loss < first);
	CHECK_INT(m->epoch, EPOCHS);
	/* 150 training rows in batches of 16: 10 steps an epoch. */
	CHECK_INT(m->ntrain, 150);
	CHECK_INT(m->net->step, 10 * EPOCHS);
	/* The split: disjoint, complete, each part ascending. */
	int seen[N] = {0}, ok = 1;
	for (size_t i = 0; i < N; i++) {
		ok &= !seen[m->split[i]]++;
		if (i && i != 150)
			ok &= m->split[i] > m->split[i - 1];
	}
	CHECK(ok);
	/* Inference helpers agree with each other. */
	float z[N * 8], errs[N];
	mlv_model_encode(m, x, N, z);
	mlv_model_recon_error(m, x, N, errs);
	double mean = 0;
	for (int i = 0; i < N; i++)
		mean += errs[i];
	CHECK_NEAR(mean / N, last, 1e-5);
	float *y = malloc(N * 18 * sizeof(float));
	mlv_model_decode(m, z, N, y);
	float *xn = malloc(N * 18 * sizeof(float));
	memcpy(xn, x, N * 18 * sizeof(float));
	mlv_norm_apply(&m->norm, xn, N);
	CHECK_NEAR(mlv_nn_mse_forward(xn + 7 * 18, y + 7 * 18, 18), errs[7],
	           1e-6);
	free(y);
	free(xn);
	free(x);
	mlv_model_free(m);
}

TEST(early_stopping_counts_patience)
{
	enum { N = 64 };
	char err[512];
	mlv_model_config c;
	const char *yaml =
		"input: {features: 6, steps: 3}\n"
		"layers:\n"
		"  - {kind: lstm, units: 4}\n"
		"  - {kind: repeat, steps: 3}\n"
		"  - {kind: lstm, units: 6, return_sequences: true}\n"
		"latent: 0\n"
		"optimiser: {lr: 0}\n"
		"early_stopping: {patience: 2, min_delta: 1e-6}\n";
	mlv_model *m = NULL;
	if (parse(&c, yaml, err, sizeof err) ||
	    !(m = mlv_model_new(&c, err, sizeof err))) {
		test_failed_checks++;
		printf("#   %s\n", err);
		return;
	}
	float *x = seq_data(N);
	mlv_epoch_report r1, r2, r3;
	/* lr 0: the weights never move, so only the first epoch improves; the
	 * mean of batch losses changes only by rounding (other batches), which
	 * min_delta absorbs. */
	mlv_model_train_epoch(m, x, NULL, N, &r1, err, sizeof err);
	mlv_model_train_epoch(m, x, NULL, N, &r2, err, sizeof err);
	mlv_model_train_epoch(m, x, NULL, N, &r3, err, sizeof err);
	CHECK(r1.improved && !r1.stop);
	CHECK(!r2.improved && !r2.stop);
	CHECK(!r3.improved && r3.stop);
	CHECK_NEAR(r3.train_loss, r1.train_loss, 1e-6);
	CHECK_INT(m->bad_epochs, 2);
	CHECK(isnan(r1.val_loss));
	free(x);
	mlv_model_free(m);
}

/* ---- saving and loading ---- */

static int
same_block(const float *a, const float *b, size_t n)
{
	return !memcmp(a, b, n * sizeof(float));
}

TEST(save_and_load_round_trip_bit_identical)
{
	enum { N = 100 };
	char err[512];
	float *x = seq_data(N);
	mlv_model *m = seq_model(x, N);
	CHECK(m != NULL);
	if (!m) {
		free(x);
		return;
	}
	mlv_epoch_report rep;
	mlv_model_train_epoch(m, x, NULL, N, &rep, err, sizeof err);
	const char *path = tmp_path("m.mlv");
	CHECK_INT(mlv_model_save(m, path, 0, err, sizeof err), 0);
	mlv_model *l = mlv_model_load(path, err, sizeof err);
	if (!l)
		printf("#   %s\n", err);
	CHECK(l != NULL);
	if (l) {
		CHECK_INT(l->net->nparams, m->net->nparams);
		CHECK(same_block(l->net->params, m->net->params, m->net->nparams));
		char *a = mlv_model_config_format(&m->cfg);
		char *b = mlv_model_config_format(&l->cfg);
		CHECK_STR(b, a);
		free(a);
		free(b);
		CHECK(l->has_norm);
		CHECK_INT(l->epoch, 1);
		/* A model is not a checkpoint: Adam starts afresh. */
		CHECK_INT(l->net->step, 0);
		/* The statistics too: the loaded model encodes bit for bit. */
		float z1[N * 8], z2[N * 8];
		mlv_model_encode(m, x, N, z1);
		mlv_model_encode(l, x, N, z2);
		CHECK(!memcmp(z1, z2, sizeof z1));
		mlv_model_free(l);
	}
	free(x);
	mlv_model_free(m);
}

/* Five epochs of a, saving a checkpoint after the third; the checkpoint
 * loaded and trained two more epochs must end with a's bits.  Consumes a. */
static void
check_resume(mlv_model *a, const float *x, const float *y, size_t n)
{
	char err[512];
	const char *path = tmp_path("ckpt.mlv");
	mlv_epoch_report ra[5], rb[5];
	size_t e0 = a->epoch;
	for (int e = 0; e < 5; e++) {
		CHECK_INT(mlv_model_train_epoch(a, x, y, n, &ra[e], err, sizeof err),
		          0);
		if (e == 2)
			CHECK_INT(mlv_model_save(a, path, 1, err, sizeof err), 0);
	}
	mlv_model *b = mlv_model_load(path, err, sizeof err);
	if (!b)
		printf("#   %s\n", err);
	CHECK(b != NULL);
	if (b) {
		CHECK_INT(b->epoch, e0 + 3);
		for (int e = 3; e < 5; e++)
			mlv_model_train_epoch(b, x, y, n, &rb[e], err, sizeof err);
		size_t np = a->net->nparams;
		CHECK(same_block(a->net->params, b->net->params, np));
		CHECK(same_block(a->net->m, b->net->m, np));
		CHECK(same_block(a->net->v, b->net->v, np));
		CHECK(!memcmp(&a->net->rng, &b->net->rng, sizeof a->net->rng));
		CHECK(!memcmp(&a->shuffle, &b->shuffle, sizeof a->shuffle));
		CHECK(a->net->step == b->net->step);
		CHECK_INT(b->epoch, e0 + 5);
		CHECK(ra[4].train_loss == rb[4].train_loss);
		CHECK(ra[4].train_aux == rb[4].train_aux);
		CHECK(!memcmp(&ra[4].val_loss, &rb[4].val_loss, sizeof(double)));
		CHECK(!memcmp(&ra[4].val_acc, &rb[4].val_acc, sizeof(double)));
		CHECK(a->best_loss == b->best_loss);
		CHECK_INT(a->bad_epochs, b->bad_epochs);
		CHECK_INT(b->nclasses, a->nclasses);
		mlv_model_free(b);
	}
	mlv_model_free(a);
}

TEST(checkpoint_resume_matches_an_uninterrupted_run)
{
	enum { N = 120 };
	float *x = seq_data(N);
	mlv_model *a = seq_model(x, N);
	CHECK(a != NULL);
	if (a)
		check_resume(a, x, NULL, N);
	free(x);
}

/* A model of yaml, or NULL after a failed check. */
static mlv_model *
yaml_model(const char *yaml)
{
	char err[512];
	mlv_model_config c;
	if (parse(&c, yaml, err, sizeof err)) {
		printf("#   %s\n", err);
		test_failed_checks++;
		return NULL;
	}
	mlv_model *m = mlv_model_new(&c, err, sizeof err);
	if (!m) {
		printf("#   %s\n", err);
		test_failed_checks++;
	}
	return m;
}

/* Rows of 8 values around one of three centres, the class, imbalanced
 * 6:3:1. */
static void
blob_data(float *x, float *y, size_t n)
{
	mlv_rng g;
	mlv_rng_seed(&g, 5);
	for (size_t i = 0; i < n; i++) {
		int c = i % 10 < 6 ? 0 : i % 10 < 9 ? 1 : 2;
		y[i] = (float)c;
		for (int j = 0; j < 8; j++)
			x[i * 8 + j] = (float)((j % 3 == c ? 1.5 : 0) +
			                       0.5 * mlv_rng_normal(&g));
	}
}

static const char *vae_yaml =
	"input: {features: 8, normalise: zscore}\n"
	"layers:\n"
	"  - {kind: noise, sigma: 0.1}\n"
	"  - {kind: dense, units: 12, activation: tanh}\n"
	"  - {kind: dense, units: 6}\n"
	"  - {kind: vae, kl_weight: 0.5, warmup: 10, name: z}\n"
	"  - {kind: dense, units: 12, activation: tanh}\n"
	"  - {kind: dense, units: 8}\n"
	"latent: z\n"
	"optimiser: {schedule: step, step_size: 2, gamma: 0.5}\n"
	"batch_size: 16\n"
	"validation: 0.2\n"
	"seed: 4\n";

static const char *mlp_yaml =
	"input: {features: 8}\n"
	"layers:\n"
	"  - {kind: dropout, rate: 0.1}\n"
	"  - {kind: dense, units: 6, activation: leaky_relu, name: h}\n"
	"  - {kind: dense, units: 3}\n"
	"latent: h\n"
	"loss: cross_entropy\n"
	"target: label.c\n"
	"class_weights: balanced\n"
	"optimiser: {lr: 0.01, schedule: cosine, min_lr: 0.001, clip_norm: 1}\n"
	"epochs: 30\n"
	"batch_size: 16\n"
	"validation: 0.25\n"
	"seed: 6\n";

TEST(learning_rate_schedules_and_clipping)
{
	char err[512];
	mlv_model_config c;
	CHECK_INT(parse(&c, mlp_yaml, err, sizeof err), 0);
	/* cosine from 0.01 to 0.001 over 30 epochs: halfway at epoch 15 */
	CHECK_NEAR(mlv_model_lr(&c, 0), 0.01, 1e-15);
	CHECK_NEAR(mlv_model_lr(&c, 15), 0.0055, 1e-15);
	CHECK_NEAR(mlv_model_lr(&c, 30), 0.001, 1e-15);
	CHECK(c.clip_norm == 1);
	/* the normalised text keeps them */
	char *t = mlv_model_config_format(&c);
	CHECK(strstr(t, "schedule: cosine, step_size: 1, gamma: 0.1, "
	                "min_lr: 0.001, clip_norm: 1}") != NULL);
	free(t);
	mlv_model_config_free(&c);
	CHECK_INT(parse(&c, vae_yaml, err, sizeof err), 0);
	/* step: 0.001 halved every 2 epochs */
	CHECK(mlv_model_lr(&c, 1) == 0.001 && mlv_model_lr(&c, 2) == 0.0005 &&
	      mlv_model_lr(&c, 5) == 0.001 * 0.25);
	mlv_model_config_free(&c);
	check_error("input: {features: 2}\nlayers:\n  - {kind: dense, units: 1}\n"
	            "  - {kind: dense, units: 2}\nlatent: 0\n"
	            "optimiser: {schedule: linear}\n",
	            "t.yaml:6: optimiser.schedule: unknown 'linear'", "cosine");
	/* clipping: a gradient of norm 5 scaled to norm 1 */
	mlv_nn *nn = mlv_nn_new(1, 2);
	mlv_nn_spec d = mlv_nn_spec_default(MLV_NN_DENSE);
	d.units = 1;
	CHECK(mlv_nn_add(nn, &d, err, sizeof err) == 0);
	CHECK_INT(mlv_nn_build(nn, err, sizeof err), 0);
	nn->grads[0] = 3;
	nn->grads[1] = 4;
	nn->grads[2] = 0;
	CHECK_NEAR(mlv_nn_clip_grad(nn, 10), 5, 1e-12);
	CHECK(nn->grads[0] == 3);
	CHECK_NEAR(mlv_nn_clip_grad(nn, 1), 5, 1e-12);
	CHECK_NEAR(nn->grads[0], 0.6, 1e-6);
	CHECK_NEAR(nn->grads[1], 0.8, 1e-6);
	mlv_nn_free(nn);
}

TEST(vae_and_classifier_train_save_and_resume_bit_exactly)
{
	enum { N = 100 };
	char err[512];
	float x[N * 8], y[N];
	blob_data(x, y, N);
	mlv_model *v = yaml_model(vae_yaml);
	if (v) {
		CHECK_INT(mlv_model_latent_size(v), 3);
		mlv_norm s;
		mlv_norm_init(&s, MLV_NORM_ZSCORE, 1, 8);
		mlv_norm_add(&s, x, N);
		CHECK_INT(mlv_model_set_norm(v, &s, err, sizeof err), 0);
		mlv_epoch_report r;
		CHECK_INT(mlv_model_train_epoch(v, x, NULL, N, &r, err, sizeof err),
		          0);
		/* The KL term is part of the loss, and logged apart. */
		CHECK(r.train_aux > 0 && r.train_aux < r.train_loss);
		CHECK(isnan(r.train_acc) && isnan(r.val_acc));
		mlv_model_train_epoch(v, x, NULL, N, &r, err, sizeof err);
		mlv_model_train_epoch(v, x, NULL, N, &r, err, sizeof err);
		CHECK(v->net->adam.lr == 0.0005); /* epoch 2 of the step schedule */
		check_resume(v, x, NULL, N);
	}
	const char *names[] = {"a", "b", "c"};
	int32_t yi[N];
	for (size_t i = 0; i < N; i++)
		yi[i] = (int32_t)y[i];
	mlv_model *c = yaml_model(mlp_yaml);
	if (c) {
		/* Training needs the classes. */
		mlv_epoch_report r;
		CHECK_INT(mlv_model_train_epoch(c, x, y, N, &r, err, sizeof err), -1);
		CHECK_INT(mlv_model_set_classes(c, (char **)names, 2, yi, N, err,
		                                sizeof err), -1);
		CHECK(strstr(err, "2 classes, but the last layer has 3") != NULL);
		CHECK_INT(mlv_model_set_classes(c, (char **)names, 3, yi, N, err,
		                                sizeof err), 0);
		/* balanced: n / (3 n_c) for 60, 30, 10 rows */
		CHECK_NEAR(c->class_weight[0], 100.0 / 180, 1e-7);
		CHECK_NEAR(c->class_weight[2], 100.0 / 30, 1e-6);
		for (int e = 0; e < 30; e++)
			mlv_model_train_epoch(c, x, y, N, &r, err, sizeof err);
		printf("#   classifier: accuracy %.3f, validation %.3f\n",
		       r.train_acc, r.val_acc);
		CHECK(r.val_acc > 0.8);
		const char *path = tmp_path("m.mlv");
		CHECK_INT(mlv_model_save(c, path, 0, err, sizeof err), 0);
		mlv_model *l = mlv_model_load(path, err, sizeof err);
		CHECK(l != NULL);
		if (l) {
			CHECK_INT(l->nclasses, 3);
			CHECK_STR(l->classes[2], "c");
			CHECK(!memcmp(l->class_weight, c->class_weight,
			              3 * sizeof(float)));
			CHECK_STR(l->cfg.target, "label.c");
			mlv_model_free(l);
		}
		mlv_model_free(c);
	}
	c = yaml_model(mlp_yaml);
	if (c) {
		mlv_model_set_classes(c, (char **)names, 3, yi, N, err, sizeof err);
		check_resume(c, x, y, N);
	}
}

/* Rewrite the saved model at src into dst, passing every record through
 * edit(index, record) first; records for which it returns 1 are left
 * out. */
static void
rewrite(const char *src, const char *dst, int (*edit)(int, mlv_record *))
{
	mlv_reader *rd = mlv_reader_open(src);
	mlv_writer *w = mlv_writer_open(dst);
	mlv_record r;
	mlv_record_init(&r);
	for (int i = 1; mlv_read(rd, &r) > 0; i++)
		if (!edit(i, &r))
			mlv_write(w, &r);
	mlv_record_free(&r);
	mlv_reader_close(rd);
	mlv_writer_close(w);
}

static int
edit_version(int i, mlv_record *r)
{
	if (i == 1)
		mlv_meta_set(r, "mlv-model", "2");
	return 0;
}

static int
edit_shape(int i, mlv_record *r)
{
	if (i == 2) /* layer.0.weight: 3 x 4 -> 4 x 3 */
		mlv_record_resize(r, r->cols, r->rows);
	return 0;
}

static int
edit_order(int i, mlv_record *r)
{
	if (i == 3)
		mlv_meta_set(r, "id", "layer.1.weight");
	return 0;
}

static int
edit_nan(int i, mlv_record *r)
{
	if (i == 4)
		r->data[1] = NAN;
	return 0;
}

static int
edit_params(int i, mlv_record *r)
{
	if (i == 1)
		mlv_meta_set(r, "params", "99");
	return 0;
}

static int
edit_truncate(int i, mlv_record *r)
{
	(void)r;
	return i >= 4;
}

static void
check_load_error(const char *src, int (*edit)(int, mlv_record *),
                 const char *want1, const char *want2)
{
	char err[512] = "";
	const char *bad = tmp_path("bad.mlv");
	rewrite(src, bad, edit);
	mlv_model *m = mlv_model_load(bad, err, sizeof err);
	CHECK(m == NULL);
	mlv_model_free(m);
	if (!strstr(err, want1) || (want2 && !strstr(err, want2))) {
		test_failed_checks++;
		printf("#   message \"%s\" lacks \"%s\"%s%s\n", err, want1,
		       want2 ? " or " : "", want2 ? want2 : "");
	}
}

TEST(loading_validates_version_ids_shapes_and_values)
{
	char err[512];
	mlv_model_config c;
	const char *yaml = HEAD
		"  - {kind: dense, units: 3, activation: relu}\n"
		"  - {kind: dense, units: 4}\n"
		"latent: 0\n";
	mlv_model *m = NULL;
	if (parse(&c, yaml, err, sizeof err) ||
	    !(m = mlv_model_new(&c, err, sizeof err))) {
		test_failed_checks++;
		printf("#   %s\n", err);
		return;
	}
	char good[256];
	snprintf(good, sizeof good, "%s", tmp_path("good.mlv"));
	CHECK_INT(mlv_model_save(m, good, 0, err, sizeof err), 0);
	mlv_model_free(m);
	check_load_error(good, edit_version, "record 1 (id=model): model "
	                 "format version 2, this mlv reads version 1", NULL);
	check_load_error(good, edit_shape, "record 2 (id=layer.0.weight): "
	                 "shape 4 x 3, the architecture (layers[0] dense, 4 -> 3 "
	                 "features) expects 3 x 4", NULL);
	check_load_error(good, edit_order, "record 3 (id=layer.1.weight): "
	                 "expected id=layer.0.bias, found id=layer.1.weight",
	                 NULL);
	check_load_error(good, edit_nan, "record 4 (id=layer.1.weight): 1 of "
	                 "12 values are not finite", NULL);
	check_load_error(good, edit_params, "record 1 (id=model): params=99, "
	                 "the architecture in its config gives 31", NULL);
	check_load_error(good, edit_truncate, "ends after record 3, expected "
	                 "id=layer.1.weight", NULL);
	/* Something else entirely. */
	mlv_writer *w = mlv_writer_open(tmp_path("other.mlv"));
	mlv_record r;
	mlv_record_init(&r);
	mlv_record_resize(&r, 1, 1);
	r.data[0] = 0;
	mlv_meta_set(&r, "kind", "spec");
	mlv_write(w, &r);
	mlv_writer_close(w);
	mlv_record_free(&r);
	CHECK(mlv_model_load(tmp_path("other.mlv"), err, sizeof err) == NULL);
	CHECK(strstr(err, "record 1: not an mlv model (expected kind=model "
	             "id=model, found kind=spec id=(none))") != NULL);
	/* A model needing statistics cannot be saved without them. */
	m = NULL;
	if (parse(&c, seq_yaml, err, sizeof err) ||
	    !(m = mlv_model_new(&c, err, sizeof err))) {
		test_failed_checks++;
		printf("#   %s\n", err);
		return;
	}
	CHECK_INT(mlv_model_save(m, tmp_path("nostats.mlv"), 0, err,
	                         sizeof err), -1);
	CHECK(strstr(err, "expects zscore statistics") != NULL);
	CHECK(access(tmp_path("nostats.mlv"), F_OK) != 0);
	mlv_model_free(m);
}

/* ---- out-of-core training ---- */

static mlv_model *
stream_model(double validation)
{
	char err[512], text[512];
	snprintf(text, sizeof text,
	         "input: {features: 4}\n"
	         "layers:\n"
	         "  - {kind: dense, units: 2, activation: tanh, name: z}\n"
	         "  - {kind: dense, units: 4}\n"
	         "latent: z\nbatch_size: 8\nseed: 5\nvalidation: %g\n",
	         validation);
	mlv_model_config c;
	if (parse(&c, text, err, sizeof err)) {
		printf("#   %s\n", err);
		return NULL;
	}
	return mlv_model_new(&c, err, sizeof err);
}

/* 60 records of 5 rows, label.track t0..t14, each track's records spread
 * over the file; rows in x (file order) and each record's track in trk. */
static void
write_tracks(const char *path, float *x, int *trk)
{
	mlv_rng g;
	mlv_rng_seed(&g, 11);
	mlv_writer *w = mlv_writer_open_or_die(path);
	mlv_record r;
	mlv_record_init(&r);
	for (int i = 0; i < 60; i++) {
		mlv_record_resize(&r, 5, 4);
		for (size_t j = 0; j < 20; j++)
			r.data[j] = x[i * 20 + j] = (float)mlv_rng_normal(&g);
		trk[i] = (i * 7) % 15;
		mlv_meta_setf(&r, "id", "r%d", i);
		mlv_meta_setf(&r, "label.track", "t%d", trk[i]);
		mlv_write_or_die(w, &r);
	}
	mlv_writer_close_or_die(w);
	mlv_record_free(&r);
}

TEST(streamed_epochs_hold_out_whole_groups_deterministically)
{
	const char *path = tmp_path("tracks.mlv");
	float x[60 * 20], held[60 * 20];
	int trk[60];
	write_tracks(path, x, trk);
	mlv_model *m = stream_model(0.3), *m2 = stream_model(0.3);
	if (!m || !m2)
		return;
	/* The hash holds out about the fraction of many groups. */
	size_t out = 0;
	for (int i = 0; i < 4000; i++) {
		char v[32];
		snprintf(v, sizeof v, "track%d", i);
		out += (size_t)mlv_model_heldout(m, v);
	}
	CHECK(out > 1100 && out < 1300);
	/* The held-out rows are exactly those of the held-out tracks' records,
	 * in file order: their loss after the epoch is the epoch's
	 * validation loss. */
	size_t nv = 0;
	for (int i = 0; i < 60; i++) {
		char v[32];
		snprintf(v, sizeof v, "t%d", trk[i]);
		if (mlv_model_heldout(m, v))
			memcpy(held + 5 * 4 * nv++, x + i * 20, 20 * sizeof(float));
	}
	CHECK(nv > 0 && nv < 60);
	mlv_model_stream s = {path, 7, "label.track"};
	mlv_epoch_report a, b;
	char err[512];
	CHECK_INT(mlv_model_stream_epoch(m, &s, &a, err, sizeof err), 0);
	CHECK_INT(mlv_model_stream_epoch(m2, &s, &b, err, sizeof err), 0);
	CHECK_NEAR(a.val_loss, mlv_model_loss(m, held, 5 * nv), 1e-6);
	/* The same seed and buffer: the same batches, bit for bit. */
	CHECK(a.train_loss == b.train_loss && a.val_loss == b.val_loss);
	CHECK_INT(m->epoch, 1);
	/* A key a record lacks is named. */
	mlv_model_stream bad = {path, 7, "label.nope"};
	CHECK_INT(mlv_model_stream_epoch(m, &bad, &a, err, sizeof err), -1);
	CHECK(strstr(err, "no label.nope") && strstr(err, "record 1"));
	mlv_model_free(m);
	mlv_model_free(m2);
}

static void
cleanup(void)
{
	const char *names[] = {"m.mlv", "m2.mlv", "ckpt.mlv", "bad.mlv",
	                       "good.mlv", "other.mlv", "nostats.mlv",
	                       "tracks.mlv"};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		unlink(tmp_path(names[i]));
	rmdir(tmpdir);
}

int
main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(paper_models_load);
	RUN(normalised_description_parses_to_the_same_config);
	RUN(yaml_errors_name_file_line_and_problem);
	RUN(training_epochs_lower_the_loss);
	RUN(early_stopping_counts_patience);
	RUN(save_and_load_round_trip_bit_identical);
	RUN(checkpoint_resume_matches_an_uninterrupted_run);
	RUN(learning_rate_schedules_and_clipping);
	RUN(vae_and_classifier_train_save_and_resume_bit_exactly);
	RUN(loading_validates_version_ids_shapes_and_values);
	RUN(streamed_epochs_hold_out_whole_groups_deterministically);
	cleanup();
	return TEST_EXIT();
}
