/* test-eval.c - L-BFGS, the logistic-regression probe against
 * scikit-learn, neighbour agreement, chance level, classifier scores,
 * cluster ids and boundary matching; ridge regression, R^2 and Spearman
 * against scikit-learn and scipy (constants computed with them), group
 * k-folds.
 *
 * The scikit-learn reference is a fixture made by tests/ref/eval-sklearn.py
 * and committed as tests/ref/eval-{train,test,logreg}.tsv, read from
 * $MLV_TEST_REF (default tests/ref), so no Python is needed here.
 */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "eval.h"
#include "optim.h"
#include "rng.h"
#include "stream.h"
#include "test.h"

/* ---- L-BFGS --------------------------------------------------------- */

/* f = x'Ax/2 - b'x with A = Q diag(1..1000) Q' for a fixed rotation Q:
 * the minimum is A^-1 b, known in closed form through Q. */
#define QN 12
typedef struct {
	double q[QN][QN], lambda[QN], b[QN];
} quad;

static double
quad_eval(void *ctx, const double *x, double *grad, size_t n)
{
	const quad *qd = ctx;
	double y[QN], f = 0;
	for (size_t i = 0; i < n; i++) {
		y[i] = 0;
		for (size_t j = 0; j < n; j++)
			y[i] += qd->q[j][i] * x[j];  /* y = Q'x */
	}
	for (size_t i = 0; i < n; i++) {
		double ay = 0; /* (A x)_i = sum_j Q_ij lambda_j y_j */
		for (size_t j = 0; j < n; j++)
			ay += qd->q[i][j] * qd->lambda[j] * y[j];
		grad[i] = ay - qd->b[i];
		f += x[i] * ay / 2 - qd->b[i] * x[i];
	}
	return f;
}

/* An orthogonal Q from Gram-Schmidt on random vectors. */
static void
quad_init(quad *qd, uint64_t seed)
{
	mlv_rng g;
	mlv_rng_seed(&g, seed);
	for (int i = 0; i < QN; i++) {
		for (int j = 0; j < QN; j++)
			qd->q[j][i] = mlv_rng_normal(&g);
		for (int p = 0; p < i; p++) {
			double d = 0;
			for (int j = 0; j < QN; j++)
				d += qd->q[j][i] * qd->q[j][p];
			for (int j = 0; j < QN; j++)
				qd->q[j][i] -= d * qd->q[j][p];
		}
		double norm = 0;
		for (int j = 0; j < QN; j++)
			norm += qd->q[j][i] * qd->q[j][i];
		for (int j = 0; j < QN; j++)
			qd->q[j][i] /= sqrt(norm);
		qd->lambda[i] = 1 + 999.0 * i / (QN - 1);
		qd->b[i] = mlv_rng_normal(&g);
	}
}

TEST(lbfgs_minimises_an_ill_conditioned_quadratic)
{
	quad qd;
	quad_init(&qd, 5);
	double x[QN] = {0}, want[QN];
	/* x* = Q diag(1/lambda) Q'b */
	for (int i = 0; i < QN; i++) {
		want[i] = 0;
		for (int j = 0; j < QN; j++) {
			double qb = 0;
			for (int l = 0; l < QN; l++)
				qb += qd.q[l][j] * qd.b[l];
			want[i] += qd.q[i][j] * qb / qd.lambda[j];
		}
	}
	mlv_lbfgs_opts o;
	mlv_lbfgs_defaults(&o);
	o.gtol = 1e-10;
	mlv_lbfgs_result r;
	char err[256];
	CHECK_INT(mlv_lbfgs(x, QN, quad_eval, &qd, &o, &r, err, sizeof err), 0);
	CHECK(r.status == MLV_LBFGS_GTOL || r.status == MLV_LBFGS_FTOL);
	CHECK(r.iterations < 200);
	for (int i = 0; i < QN; i++)
		CHECK_NEAR(x[i], want[i], 1e-8);
	double g[QN];
	CHECK_NEAR(quad_eval(&qd, x, g, QN), r.f, 1e-15);
}

static double
rosenbrock(void *ctx, const double *x, double *grad, size_t n)
{
	(void)ctx;
	(void)n;
	double a = 1 - x[0], b = x[1] - x[0] * x[0];
	grad[0] = -2 * a - 400 * x[0] * b;
	grad[1] = 200 * b;
	return a * a + 100 * b * b;
}

TEST(lbfgs_finds_rosenbrocks_valley_floor)
{
	double x[2] = {-1.2, 1};
	mlv_lbfgs_opts o;
	mlv_lbfgs_defaults(&o);
	mlv_lbfgs_result r;
	CHECK_INT(mlv_lbfgs(x, 2, rosenbrock, NULL, &o, &r, NULL, 0), 0);
	CHECK_NEAR(x[0], 1, 1e-6);
	CHECK_NEAR(x[1], 1, 1e-6);
	CHECK(r.f < 1e-12);
	CHECK(r.iterations < 100);
}

static double
nan_at_start(void *ctx, const double *x, double *grad, size_t n)
{
	(void)ctx;
	(void)x;
	grad[0] = n ? 0 : 1;
	return NAN;
}

/* Overflows beyond |x| > 3, like exp() of a long step: the line search
 * must back off rather than stop. */
static double
wall(void *ctx, const double *x, double *grad, size_t n)
{
	(void)ctx;
	(void)n;
	if (fabs(x[0]) > 3) {
		grad[0] = NAN;
		return INFINITY;
	}
	grad[0] = 2 * (x[0] - 2);
	return (x[0] - 2) * (x[0] - 2);
}

TEST(lbfgs_reports_bad_starts_and_survives_overflow)
{
	double x[1] = {0};
	mlv_lbfgs_opts o;
	mlv_lbfgs_defaults(&o);
	char err[256];
	CHECK_INT(mlv_lbfgs(x, 1, nan_at_start, NULL, &o, NULL, err, sizeof err),
	          -1);
	CHECK(strstr(err, "not finite") != NULL);
	o.memory = 0;
	CHECK_INT(mlv_lbfgs(x, 1, wall, NULL, &o, NULL, err, sizeof err), -1);
	CHECK(strstr(err, "bad options") != NULL);
	mlv_lbfgs_defaults(&o);
	mlv_lbfgs_result r;
	x[0] = -2.9; /* the first step, of unit length toward 2, stays in */
	CHECK_INT(mlv_lbfgs(x, 1, wall, NULL, &o, &r, err, sizeof err), 0);
	CHECK_NEAR(x[0], 2, 1e-9);
	o.max_iter = 1;
	x[0] = -2.9;
	CHECK_INT(mlv_lbfgs(x, 1, wall, NULL, &o, &r, err, sizeof err), 0);
	CHECK(r.status == MLV_LBFGS_MAX_ITER || r.status == MLV_LBFGS_GTOL);
	CHECK(strcmp(mlv_lbfgs_status_text(MLV_LBFGS_MAX_ITER), "?") != 0);
}

/* ---- logistic regression ------------------------------------------- */

TEST(logreg_gradient_matches_finite_differences)
{
	enum { N = 40, D = 5, K = 3 };
	mlv_rng g;
	mlv_rng_seed(&g, 11);
	double x[N * D], w[(D + 1) * K], grad[(D + 1) * K];
	int32_t y[N];
	for (int i = 0; i < N * D; i++)
		x[i] = mlv_rng_normal(&g);
	for (int i = 0; i < N; i++)
		y[i] = (int32_t)mlv_rng_below(&g, K);
	for (int i = 0; i < (D + 1) * K; i++)
		w[i] = mlv_rng_normal(&g);
	double C = 0.7;
	double f = mlv_logreg_loss(w, x, N, D, y, K, C, grad);
	CHECK(isfinite(f) && f > 0);
	double worst = 0;
	for (int i = 0; i < (D + 1) * K; i++) {
		double h = 1e-5, keep = w[i];
		w[i] = keep + h;
		double fp = mlv_logreg_loss(w, x, N, D, y, K, C, NULL);
		w[i] = keep - h;
		double fm = mlv_logreg_loss(w, x, N, D, y, K, C, NULL);
		w[i] = keep;
		double fd = (fp - fm) / (2 * h);
		double rel = fabs(fd - grad[i]) / fmax(1, fabs(grad[i]));
		if (rel > worst)
			worst = rel;
	}
	if (worst > 1e-7)
		printf("#   worst relative gradient error %g\n", worst);
	CHECK(worst <= 1e-7);
	/* The loss itself, by hand for one row: -log softmax. */
	double one[(1 + 1) * 2] = {1, -1, 0.5, 0}, xr[1] = {2};
	int32_t yr[1] = {1};
	double z0 = 2 + 0.5, z1 = -2, lse = log(exp(z0) + exp(z1));
	CHECK_NEAR(mlv_logreg_loss(one, xr, 1, 1, yr, 2, 2, NULL),
	           lse - z1 + (1 + 1) / 4.0, 1e-12);
}

typedef struct {
	char **names;
	float *x;
	size_t n;
} rows;

static void
ref_path(char *buf, size_t size, const char *name)
{
	const char *dir = getenv("MLV_TEST_REF");
	snprintf(buf, size, "%s/%s", dir && *dir ? dir : "tests/ref", name);
}

/* eval-train.tsv or eval-test.tsv: class name and 6 values a line. */
static int
load_rows(const char *name, rows *r)
{
	char path[512], line[1024];
	ref_path(path, sizeof path, name);
	FILE *f = fopen(path, "r");
	memset(r, 0, sizeof *r);
	if (!f) {
		printf("#   cannot open %s\n", path);
		return -1;
	}
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#')
			continue;
		r->names = realloc(r->names, (r->n + 1) * sizeof *r->names);
		r->x = realloc(r->x, (r->n + 1) * 6 * sizeof *r->x);
		char *s = strchr(line, '\t');
		if (!s)
			break;
		*s++ = '\0';
		r->names[r->n] = strdup(line);
		for (int j = 0; j < 6; j++)
			r->x[r->n * 6 + j] = strtof(s, &s);
		r->n++;
	}
	fclose(f);
	return 0;
}

static void
free_rows(rows *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->names[i]);
	free(r->names);
	free(r->x);
}

/* The values of "CASE<TAB>WHAT<TAB>v1<TAB>v2..." in eval-logreg.tsv
 * (numbers; class names are not asked for); returns how many. */
static size_t
ref_values(const char *rcase, const char *what, double *out, size_t max)
{
	char path[512], prefix[128];
	ref_path(path, sizeof path, "eval-logreg.tsv");
	snprintf(prefix, sizeof prefix, "%s\t%s\t", rcase, what);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = 0, cap = 1 << 16;
	char *line = malloc(cap);
	while (fgets(line, (int)cap, f)) {
		if (strncmp(line, prefix, strlen(prefix)))
			continue;
		char *s = line + strlen(prefix), *end;
		while (n < max && (out[n] = strtod(s, &end), end != s)) {
			n++;
			s = end;
		}
		break;
	}
	free(line);
	fclose(f);
	return n;
}

static int32_t
class_of(const char *name)
{
	/* scikit-learn's classes_: sorted names */
	static const char *const sorted[] = {"bach", "chopin", "haydn", "mozart"};
	for (int32_t c = 0; c < 4; c++)
		if (!strcmp(name, sorted[c]))
			return c;
	return -1;
}

/* Fit case rcase of eval-logreg.tsv with gradient tolerance tol (0: the
 * default) and compare: coefficients within coef_tol of the exact
 * minimiser (relative to the largest), the same predictions, and in the
 * standardised case scikit-learn's coefficients within 1e-4 and its
 * predictions. */
static void
check_against_sklearn(const char *rcase, int standardize, double C,
                      double tol, double coef_tol)
{
	rows tr, te;
	if (load_rows("eval-train.tsv", &tr) || load_rows("eval-test.tsv", &te)) {
		test_failed_checks++;
		return;
	}
	CHECK_INT(tr.n, 120);
	CHECK_INT(te.n, 80);
	int32_t *y = malloc(tr.n * sizeof *y), *yt = malloc(te.n * sizeof *yt);
	int32_t *pred = malloc(te.n * sizeof *pred);
	for (size_t i = 0; i < tr.n; i++)
		y[i] = class_of(tr.names[i]);
	for (size_t i = 0; i < te.n; i++)
		yt[i] = class_of(te.names[i]);
	mlv_logreg_opts o;
	mlv_logreg_defaults(&o);
	o.standardize = standardize;
	o.C = C;
	if (tol > 0)
		o.tol = tol;
	mlv_logreg m;
	char err[256];
	CHECK_INT(mlv_logreg_fit(&m, tr.x, tr.n, 6, y, 4, &o, err, sizeof err), 0);
	double exact_f, sk_f, exact[28], sk[28], exact_pred[80], sk_pred[80];
	double sk_acc, sk_bal, exact_acc;
	CHECK_INT(ref_values(rcase, "exact_objective", &exact_f, 1), 1);
	CHECK_INT(ref_values(rcase, "objective", &sk_f, 1), 1);
	CHECK_INT(ref_values(rcase, "exact_coef", exact, 24), 24);
	CHECK_INT(ref_values(rcase, "exact_intercept", exact + 24, 4), 4);
	CHECK_INT(ref_values(rcase, "coef", sk, 24), 24);
	CHECK_INT(ref_values(rcase, "intercept", sk + 24, 4), 4);
	CHECK_INT(ref_values(rcase, "exact_predict", exact_pred, 80), 80);
	CHECK_INT(ref_values(rcase, "predict", sk_pred, 80), 80);
	CHECK_INT(ref_values(rcase, "accuracy", &sk_acc, 1), 1);
	CHECK_INT(ref_values(rcase, "balanced_accuracy", &sk_bal, 1), 1);
	CHECK_INT(ref_values(rcase, "exact_accuracy", &exact_acc, 1), 1);

	/* Our optimum is the exact one, to the precision of the stopping
	 * rule; scikit-learn's is within 1e-4 of it when its L-BFGS got
	 * there (the standardised case). */
	CHECK_NEAR(m.objective, exact_f, 1e-9);
	CHECK(m.objective <= sk_f * (1 + 1e-12));
	double scale = 0, dexact = 0, dsk = 0;
	for (int i = 0; i < 28; i++)
		scale = fmax(scale, fabs(exact[i]));
	/* Our intercepts act on centred columns; scikit-learn's on the
	 * columns as they are (the same when standardised). */
	double b[4];
	for (int c = 0; c < 4; c++) {
		b[c] = m.intercept[c];
		for (int j = 0; j < 6 && !standardize; j++)
			b[c] -= m.coef[c * 6 + j] * m.mean[j];
	}
	for (int i = 0; i < 28; i++) {
		double ours = i < 24 ? m.coef[i] : b[i - 24];
		dexact = fmax(dexact, fabs(ours - exact[i]) / scale);
		dsk = fmax(dsk, fabs(ours - sk[i]) / scale);
	}
	printf("# %s, tol %g: objective %.12g (exact %.12g, scikit-learn "
	       "%.12g), %d iterations (%s, gradient %.2g); coefficients within "
	       "%.2g of the exact minimiser, %.2g of scikit-learn's\n", rcase,
	       o.tol, m.objective, exact_f, sk_f, m.fit.iterations,
	       mlv_lbfgs_status_text(m.fit.status), m.fit.gmax, dexact, dsk);
	CHECK(m.fit.status != MLV_LBFGS_MAX_ITER);
	CHECK(dexact < coef_tol);
	if (standardize)
		CHECK(dsk < 1e-4);

	mlv_logreg_predict(&m, te.x, te.n, pred);
	size_t same_exact = 0, same_sk = 0;
	for (size_t i = 0; i < te.n; i++) {
		same_exact += pred[i] == (int32_t)exact_pred[i];
		same_sk += pred[i] == (int32_t)sk_pred[i];
	}
	CHECK_INT(same_exact, te.n);
	if (standardize)
		CHECK_INT(same_sk, te.n);
	double acc, bal;
	mlv_classify_score(yt, pred, te.n, 4, &acc, &bal);
	CHECK_NEAR(acc, exact_acc, 1e-12);
	if (standardize) {
		CHECK_NEAR(acc, sk_acc, 1e-12);
		CHECK_NEAR(bal, sk_bal, 1e-12);
	}
	mlv_logreg_free(&m);
	free(y);
	free(yt);
	free(pred);
	free_rows(&tr);
	free_rows(&te);
}

TEST(logreg_matches_scikit_learn_standardized)
{
	check_against_sklearn("std_C1", 1, 1.0, 0, 1e-4);
	check_against_sklearn("std_C1", 1, 1.0, 1e-9, 1e-6);
}

/* Raw columns of scales 0.1 to 100 around 1000: scikit-learn's own
 * L-BFGS stops far from the optimum there (its objective is 0.4% above
 * it and one test row flips), ours must not. */
TEST(logreg_matches_the_exact_optimum_on_raw_columns)
{
	check_against_sklearn("raw_C0.01", 0, 0.01, 0, 1e-4);
	/* badly conditioned even centred: L-BFGS stops on the objective's
	 * relative decrease (64 eps) before a gradient of 1e-9 */
	check_against_sklearn("raw_C0.01", 0, 0.01, 1e-9, 1e-5);
}

TEST(logreg_refuses_what_it_cannot_fit)
{
	float x[4] = {0, 1, 2, 3};
	int32_t y[4] = {0, 0, 2, 2}, one[4] = {0, 0, 0, 0}, bad[4] = {0, 5, 1, 1};
	mlv_logreg_opts o;
	mlv_logreg_defaults(&o);
	mlv_logreg m;
	char err[256];
	CHECK_INT(mlv_logreg_fit(&m, x, 4, 1, y, 3, &o, err, sizeof err), -1);
	CHECK(strstr(err, "class 1 has no rows") != NULL);
	mlv_logreg_free(&m);
	CHECK_INT(mlv_logreg_fit(&m, x, 4, 1, one, 1, &o, err, sizeof err), -1);
	mlv_logreg_free(&m);
	CHECK_INT(mlv_logreg_fit(&m, x, 4, 1, bad, 2, &o, err, sizeof err), -1);
	mlv_logreg_free(&m);
	o.C = 0;
	CHECK_INT(mlv_logreg_fit(&m, x, 4, 1, y, 3, &o, err, sizeof err), -1);
	mlv_logreg_free(&m);
}

TEST(standardize_like_standard_scaler)
{
	float x[] = {1, 7, 100, 3, 7, 200, 5, 7, 300};
	double mean[3], scale[3];
	mlv_standardize_fit(x, 3, 3, mean, scale);
	CHECK_NEAR(mean[0], 3, 1e-12);
	CHECK_NEAR(scale[0], sqrt(8.0 / 3), 1e-12);
	CHECK_NEAR(scale[1], 1, 0); /* constant: left unscaled */
	CHECK_NEAR(scale[2], sqrt(20000.0 / 3), 1e-9);
	mlv_standardize_apply(mean, scale, x, 3, 3);
	CHECK_NEAR(x[0], -2 / sqrt(8.0 / 3), 1e-6);
	CHECK_NEAR(x[1], 0, 0);
	CHECK_NEAR(x[8], 100 / sqrt(20000.0 / 3), 1e-6);
}

/* ---- neighbours ------------------------------------------------------ */

/* Six points on a line, 0 1 3 10 11 13, labels a a b b a b, tracks
 * 0 0 1 1 2 2; every neighbour list worked out by hand (see the
 * comments below). */
static const float line_x[6] = {0, 1, 3, 10, 11, 13};
static const int32_t line_label[6] = {0, 0, 1, 1, 0, 1};
static const int32_t line_track[6] = {0, 0, 1, 1, 2, 2};

TEST(neighbour_agreement_by_hand)
{
	uint32_t nbr[12];
	char err[256];
	/* k = 2: 0 -> 1 2, 1 -> 0 2, 2 -> 1 0, 3 -> 4 5, 4 -> 3 5, 5 -> 4 3 */
	CHECK_INT(mlv_neighbours(MLV_SIM_EUCLIDEAN, line_x, 6, 1, 2, NULL, nbr, 1,
	                         err, sizeof err), 0);
	static const uint32_t want[12] = {1, 2, 0, 2, 1, 0, 4, 5, 3, 5, 4, 3};
	for (int i = 0; i < 12; i++)
		CHECK_INT(nbr[i], want[i]);
	mlv_knn_scores s;
	mlv_knn_score(nbr, 6, 2, line_label, 2, &s);
	/* agreements 1/2 1/2 0 1/2 0 1/2; votes (ties to the nearest)
	 * a a a a b a: right for rows 0 and 1 */
	CHECK_NEAR(s.agreement, 2.0 / 6, 1e-12);
	CHECK_NEAR(s.accuracy, 2.0 / 6, 1e-12);
	CHECK_NEAR(mlv_chance_agreement(line_label, NULL, 6), 0.4, 1e-12);
}

TEST(neighbour_agreement_excluding_the_own_track)
{
	uint32_t nbr[12];
	char err[256];
	/* 0 -> 2 3, 1 -> 2 3, 2 -> 1 0, 3 -> 4 5, 4 -> 3 2, 5 -> 3 2 */
	CHECK_INT(mlv_neighbours(MLV_SIM_EUCLIDEAN, line_x, 6, 1, 2, line_track,
	                         nbr, 2, err, sizeof err), 0);
	static const uint32_t want[12] = {2, 3, 2, 3, 1, 0, 4, 5, 3, 2, 3, 2};
	for (int i = 0; i < 12; i++)
		CHECK_INT(nbr[i], want[i]);
	mlv_knn_scores s;
	mlv_knn_score(nbr, 6, 2, line_label, 2, &s);
	CHECK_NEAR(s.agreement, 1.5 / 6, 1e-12);
	CHECK_NEAR(s.accuracy, 1.0 / 6, 1e-12);
	/* rows 0-3 meet 4 rows outside their track, 1 of their class;
	 * rows 4 and 5 meet 4 rows, 2 of their class */
	CHECK_NEAR(mlv_chance_agreement(line_label, line_track, 6), 2.0 / 6,
	           1e-12);
	/* a track of 5 of 6 rows leaves one row outside it: too few for 2 */
	static const int32_t big[6] = {0, 0, 0, 0, 0, 1};
	CHECK_INT(mlv_neighbours(MLV_SIM_EUCLIDEAN, line_x, 6, 1, 2, big, nbr, 1,
	                         err, sizeof err), -1);
	CHECK(strstr(err, "fewer than the 2 neighbours") != NULL);
	CHECK_INT(mlv_neighbours(MLV_SIM_EUCLIDEAN, line_x, 6, 1, 6, NULL, nbr, 1,
	                         err, sizeof err), -1);
	CHECK(isnan(mlv_chance_agreement(line_label, big + 0, 1)));
}

TEST(neighbours_within_a_group)
{
	/* Within the line's halves {0 1 3} and {10 11 13} (within = 0 0 0 1
	 * 1 1), k = 1: 0 -> 1, 1 -> 0, 2 -> 1, 3 -> 4, 4 -> 3, 5 -> 4; the
	 * same as without, since the halves are far apart.  Within tracks
	 * instead (0 0 1 1 2 2) each row's only candidate is its partner. */
	static const int32_t half[6] = {0, 0, 0, 1, 1, 1};
	uint32_t nbr[6];
	char err[256];
	CHECK_INT(mlv_neighbours_within(MLV_SIM_EUCLIDEAN, line_x, 6, 1, 1, half,
	                                NULL, nbr, 1, err, sizeof err), 0);
	static const uint32_t want[6] = {1, 0, 1, 4, 3, 4};
	for (int i = 0; i < 6; i++)
		CHECK_INT(nbr[i], want[i]);
	CHECK_INT(mlv_neighbours_within(MLV_SIM_EUCLIDEAN, line_x, 6, 1, 1,
	                                line_track, NULL, nbr, 1, err,
	                                sizeof err), 0);
	static const uint32_t pairs[6] = {1, 0, 3, 2, 5, 4};
	for (int i = 0; i < 6; i++)
		CHECK_INT(nbr[i], pairs[i]);
	/* labels a a b b a b within tracks: rows 0, 1 meet a partner of
	 * their class, rows 2, 3 too, rows 4, 5 do not */
	CHECK_NEAR(mlv_chance_agreement_within(line_label, NULL, line_track, 6),
	           4.0 / 6, 1e-12);
	/* within the halves, excluding tracks: row 0 (track 0) has one row
	 * of its half outside its track, row 2, too few for k = 2; and a
	 * half of 3 rows cannot give k = 3 */
	CHECK_INT(mlv_neighbours_within(MLV_SIM_EUCLIDEAN, line_x, 6, 1, 2, half,
	                                line_track, nbr, 1, err, sizeof err), -1);
	CHECK_INT(mlv_neighbours_within(MLV_SIM_EUCLIDEAN, line_x, 6, 1, 3, half,
	                                NULL, nbr, 1, err, sizeof err), -1);
}

/* The neighbours as they were found before the retry outside the group:
 * k + (largest group - 1) candidates for every row, filtered. */
static int
neighbours_by_all_candidates(mlv_sim_kind kind, const float *x, size_t n,
                             size_t d, size_t k, const int32_t *group,
                             uint32_t *nbr)
{
	size_t big = 0;
	for (size_t i = 0; i < n; i++) {
		size_t s = 0;
		for (size_t j = 0; j < n; j++)
			s += group[j] == group[i];
		big = s > big ? s : big;
	}
	size_t kk = k + big - 1 < n - 1 ? k + big - 1 : n - 1;
	uint32_t *idx = malloc(n * kk * sizeof *idx);
	float *val = malloc(n * kk * sizeof *val);
	char err[256];
	int ret = mlv_sim_topk(kind, x, n, d, NULL, 0, d, kk, idx, val, 1, err,
	                       sizeof err);
	for (size_t i = 0; !ret && i < n; i++) {
		size_t m = 0;
		for (size_t j = 0; j < kk && m < k; j++)
			if (group[idx[i * kk + j]] != group[i])
				nbr[i * k + m++] = idx[i * kk + j];
		ret = m < k ? -1 : 0;
	}
	free(idx);
	free(val);
	return ret;
}

/* Euclidean neighbours outside the group by brute force: the distances
 * mlv_sim_topk reports (in double, rounded to float), ties by row. */
static void
euclidean_outside_by_brute_force(const float *x, size_t n, size_t d,
                                 size_t k, const int32_t *group,
                                 uint32_t *nbr)
{
	float *dist = malloc(n * sizeof *dist);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			double s = 0;
			for (size_t c = 0; c < d; c++) {
				double e = (double)x[i * d + c] - x[j * d + c];
				s += e * e;
			}
			dist[j] = group[j] == group[i] ? INFINITY : (float)sqrt(s);
		}
		/* selection: the k best in order, each the lowest row of the
		 * smallest distance left */
		for (size_t m = 0; m < k; m++) {
			size_t best = 0;
			for (size_t j = 1; j < n; j++)
				if (dist[j] < dist[best])
					best = j;
			nbr[i * k + m] = (uint32_t)best;
			dist[best] = INFINITY;
		}
	}
	free(dist);
}

TEST(excluding_large_groups_finds_the_same_neighbours)
{
	/* groups of 300, 120, 70, 40 and many of 1 to 5 rows, shuffled;
	 * coarse values (integers 0..3) make many exact ties, whose order
	 * must not change either; moving the large groups apart makes
	 * their rows' first candidates all their own (the retry) */
	enum { N = 700, D = 3 };
	static float x[N * D];
	static int32_t group[N];
	static uint32_t got[N * 12], want[N * 12];
	static const size_t sizes[4] = {300, 120, 70, 40};
	mlv_rng g;
	mlv_rng_seed(&g, 11);
	size_t i = 0;
	int32_t id = 0;
	for (size_t s = 0; s < 4; s++, id++)
		for (size_t j = 0; j < sizes[s]; j++)
			group[i++] = id;
	while (i < N) {
		size_t s = 1 + (size_t)mlv_rng_below(&g, 5);
		for (size_t j = 0; j < s && i < N; j++)
			group[i++] = id;
		id++;
	}
	for (i = N - 1; i > 0; i--) {
		size_t j = (size_t)mlv_rng_below(&g, i + 1);
		int32_t t = group[i];
		group[i] = group[j];
		group[j] = t;
	}
	static const mlv_sim_kind kinds[4] = {MLV_SIM_EUCLIDEAN, MLV_SIM_COSINE,
	                                      MLV_SIM_CORRELATION, MLV_SIM_DOT};
	static const size_t ks[3] = {1, 5, 12};
	char err[256];
	for (int mode = 0; mode < 4; mode++) {
		int coarse = mode & 1, apart = mode & 2;
		for (i = 0; i < N * D; i++) {
			x[i] = coarse ? (float)mlv_rng_below(&g, 4) :
			       (float)mlv_rng_normal(&g);
			if (apart && group[i / D] < 4)
				x[i] += (float)(10 * (group[i / D] + 1) * (i % D + 1));
		}
		for (size_t kind = 0; kind < 4; kind++)
			for (size_t t = 0; t < 3; t++) {
				size_t k = ks[t];
				CHECK_INT(mlv_neighbours(kinds[kind], x, N, D, k, group,
				                         got, 2, err, sizeof err), 0);
				int eucl = kinds[kind] == MLV_SIM_EUCLIDEAN;
				size_t diff = 0;
				/* the old way's neighbours; but its lists could end
				 * amid exact ties of coarse rows, decided there by the
				 * rounding of the products (3 rows of 700 here) */
				if (!(coarse && eucl)) {
					CHECK_INT(neighbours_by_all_candidates(kinds[kind], x, N,
					                                       D, k, group,
					                                       want), 0);
					for (i = 0; i < N * k; i++)
						diff += got[i] != want[i];
				}
				/* and the exact order, ties to the lower row */
				if (eucl) {
					euclidean_outside_by_brute_force(x, N, D, k, group,
					                                 want);
					for (i = 0; i < N * k; i++)
						diff += got[i] != want[i];
				}
				CHECK_INT(diff, 0);
			}
	}
}

TEST(cosine_neighbours)
{
	/* directions: 0 and 1 close to the x axis, 2 and 3 to the y axis;
	 * lengths do not matter */
	float x[8] = {1, 0.1f, 50, 3, 0.1f, 1, 2, 40};
	uint32_t nbr[4];
	char err[256];
	CHECK_INT(mlv_neighbours(MLV_SIM_COSINE, x, 4, 2, 1, NULL, nbr, 1, err,
	                         sizeof err), 0);
	CHECK_INT(nbr[0], 1);
	CHECK_INT(nbr[1], 0);
	CHECK_INT(nbr[2], 3);
	CHECK_INT(nbr[3], 2);
}

TEST(vote_ties_go_to_the_nearest)
{
	static const int32_t labels[5] = {0, 1, 1, 0, 2};
	uint32_t counts[3];
	uint32_t a[4] = {3, 1, 2, 0}; /* 0 1 1 0: 2 each, row 3 (class 0) first */
	CHECK_INT(mlv_vote(a, 4, labels, 3, counts), 0);
	uint32_t b[4] = {1, 3, 2, 0}; /* 1 0 1 0: class 1 is nearer */
	CHECK_INT(mlv_vote(b, 4, labels, 3, counts), 1);
	uint32_t c[3] = {4, 1, 2}; /* 2 1 1: a majority beats the nearest */
	CHECK_INT(mlv_vote(c, 3, labels, 3, counts), 1);
	CHECK_INT(mlv_vote(c, 0, labels, 3, counts), -1);
}

TEST(chance_level)
{
	/* 3 a, 2 b: 3/5 * 2/4 + 2/5 * 1/4 */
	static const int32_t l[5] = {0, 1, 0, 1, 0};
	CHECK_NEAR(mlv_chance_agreement(l, NULL, 5), 0.4, 1e-12);
	/* groups that are each row alone change nothing */
	static const int32_t alone[5] = {4, 3, 2, 1, 0};
	CHECK_NEAR(mlv_chance_agreement(l, alone, 5), 0.4, 1e-12);
	/* one class: every neighbour agrees */
	static const int32_t same[3] = {7, 7, 7};
	CHECK_NEAR(mlv_chance_agreement(same, NULL, 3), 1, 1e-12);
	/* two classes, two tracks that are the classes: a row outside its
	 * track never shares its class */
	static const int32_t lab[4] = {0, 0, 1, 1};
	CHECK_NEAR(mlv_chance_agreement(lab, lab, 4), 0, 1e-12);
}

/* ---- classifier scores ---------------------------------------------- */

TEST(classifier_scores)
{
	/* truth 0 0 0 1 2 2, predicted 0 0 1 1 2 0: class recalls 2/3, 1,
	 * 1/2; class 3 has no rows and is left out */
	static const int32_t truth[6] = {0, 0, 0, 1, 2, 2};
	static const int32_t pred[6] = {0, 0, 1, 1, 2, 0};
	double acc, bal;
	mlv_classify_score(truth, pred, 6, 4, &acc, &bal);
	CHECK_NEAR(acc, 4.0 / 6, 1e-12);
	CHECK_NEAR(bal, (2.0 / 3 + 1 + 0.5) / 3, 1e-12);
	CHECK_INT(mlv_majority_class(truth, 6, 4), 0);
	static const int32_t tie[4] = {2, 1, 1, 2};
	CHECK_INT(mlv_majority_class(tie, 4, 3), 1);
}

TEST(knn_classifier)
{
	float train[6] = {0, 1, 2, 10, 11, 12};
	int32_t y[6] = {0, 0, 1, 1, 1, 1};
	float test[3] = {0.4f, 9, 1.6f};
	int32_t pred[3];
	char err[256];
	CHECK_INT(mlv_knn_classify(MLV_SIM_EUCLIDEAN, train, 6, y, 2, test, 3, 1,
	                           3, pred, 1, err, sizeof err), 0);
	CHECK_INT(pred[0], 0); /* 0 1 2: a a b */
	CHECK_INT(pred[1], 1); /* 10 11 12 */
	CHECK_INT(pred[2], 0); /* 2 1 0: b a a, a majority for a */
	CHECK_INT(mlv_knn_classify(MLV_SIM_EUCLIDEAN, train, 6, y, 2, test, 3, 1,
	                           7, pred, 1, err, sizeof err), -1);
}

/* ---- labels and cluster ids ----------------------------------------- */

/* Points of records with the given metadata ("key=value key=value"),
 * one row each of one column holding v[r]. */
static void
make_points(mlv_points *p, const char *const *meta, const float *v, size_t n)
{
	memset(p, 0, sizeof *p);
	p->recs = calloc(n, sizeof *p->recs);
	p->where = calloc(n, sizeof *p->where);
	p->first = calloc(n, sizeof *p->first);
	p->x = malloc(n * sizeof *p->x);
	p->nrecs = p->n = n;
	p->d = 1;
	for (size_t r = 0; r < n; r++) {
		mlv_record_init(&p->recs[r]);
		p->recs[r].rows = p->recs[r].cols = 1;
		char *m = strdup(meta[r]), *save = NULL;
		for (char *kv = strtok_r(m, " ", &save); kv;
		     kv = strtok_r(NULL, " ", &save)) {
			char *eq = strchr(kv, '=');
			*eq = '\0';
			mlv_meta_set(&p->recs[r], kv, eq + 1);
		}
		free(m);
		char where[64];
		snprintf(where, sizeof where, "t.mlv: record %zu", r + 1);
		p->where[r] = strdup(where);
		p->first[r] = r;
		p->x[r] = v[r];
	}
}

TEST(classes_are_sorted_names)
{
	static const char *const meta[4] = {
		"kind=cluster label.c=mozart", "kind=cluster label.c=bach",
		"kind=cluster label.c=mozart", "kind=cluster label.c=chopin"};
	static const float v[4] = {1, 0, -1, 1};
	mlv_points p;
	make_points(&p, meta, v, 4);
	mlv_classes c;
	char err[256];
	CHECK_INT(mlv_classes_collect(&c, &p, "label.c", err, sizeof err), 0);
	CHECK_INT(c.n, 3);
	CHECK_STR(c.names[0], "bach");
	CHECK_STR(c.names[2], "mozart");
	CHECK_INT(mlv_classes_find(&c, "chopin"), 1);
	CHECK_INT(mlv_classes_find(&c, "haydn"), -1);
	int32_t cls[4];
	CHECK_INT(mlv_classes_of_rows(&c, &p, "label.c", cls, err, sizeof err), 0);
	CHECK_INT(cls[0], 2);
	CHECK_INT(cls[3], 1);
	mlv_classes_free(&c);
	CHECK_INT(mlv_classes_collect(&c, &p, "label.x", err, sizeof err), -1);
	CHECK_STR(err, "t.mlv: record 1: no label.x");

	int32_t ids[4];
	size_t k;
	CHECK_INT(mlv_cluster_ids(&p, ids, &k, err, sizeof err), 0);
	CHECK_INT(k, 3);
	CHECK_INT(ids[2], -1);
	p.x[1] = 0.5f;
	CHECK_INT(mlv_cluster_ids(&p, ids, &k, err, sizeof err), -1);
	CHECK(strstr(err, "record 2: row 1: 0.5 is not a cluster id") != NULL);
	mlv_meta_set(&p.recs[0], "kind", "mel");
	CHECK_INT(mlv_cluster_ids(&p, ids, &k, err, sizeof err), -1);
	CHECK(strstr(err, "kind=mel, not cluster") != NULL);
	/* an empty record brings no class */
	p.recs[3].rows = 0;
	p.n = 3;
	CHECK_INT(mlv_classes_collect(&c, &p, "label.c", err, sizeof err), 0);
	CHECK_INT(c.n, 2);
	CHECK_INT(mlv_classes_find(&c, "chopin"), -1);
	mlv_classes_free(&c);
	mlv_points_free(&p);
}

/* ---- boundaries ------------------------------------------------------ */

TEST(matching_is_maximal_not_greedy)
{
	/* Pairing each reference with its closest free estimate takes
	 * 10-12 (distance 2) and leaves 15 without one; the maximum
	 * matching is 10-6 and 15-12. */
	double ref[2] = {10, 15}, est[2] = {12, 6};
	CHECK_INT(mlv_match_events(ref, 2, est, 2, 5), 2);
	/* In time order too: 10 takes 12 first (the nearer), and 16 then
	 * has nothing, unless 10 moves to 7. */
	double r2[2] = {10, 16}, e2[2] = {7, 12};
	CHECK_INT(mlv_match_events(r2, 2, e2, 2, 4), 2);
	/* one to one: two estimates near one reference count once */
	double r3[1] = {10}, e3[2] = {9, 11};
	CHECK_INT(mlv_match_events(r3, 1, e3, 2, 1), 1);
	/* the window is closed: |e - r| == tol matches */
	double r4[2] = {30, 60}, e4[3] = {20, 70.5, 45};
	CHECK_INT(mlv_match_events(r4, 2, e4, 3, 10), 1);
	CHECK_INT(mlv_match_events(r4, 2, e4, 0, 10), 0);
	CHECK_INT(mlv_match_events(r4, 0, e4, 3, 10), 0);
	/* a chain where every augmenting step is needed */
	double r5[3] = {1, 2, 3}, e5[3] = {1.5, 2.5, 0.6};
	CHECK_INT(mlv_match_events(r5, 3, e5, 3, 0.5), 3);
	double p, r, f;
	mlv_prf(3, 4, 6, &p, &r, &f);
	CHECK_NEAR(p, 0.5, 1e-12);
	CHECK_NEAR(r, 0.75, 1e-12);
	CHECK_NEAR(f, 0.6, 1e-12);
	mlv_prf(0, 0, 0, &p, &r, &f);
	CHECK(p == 0 && r == 0 && f == 0);
}

TEST(parse_times)
{
	double *t;
	size_t n;
	char err[256];
	CHECK_INT(mlv_parse_times("30,90.5,1.3e2", &t, &n, err, sizeof err), 0);
	CHECK_INT(n, 3);
	CHECK_NEAR(t[1], 90.5, 0);
	CHECK_NEAR(t[2], 130, 0);
	free(t);
	CHECK_INT(mlv_parse_times("", &t, &n, err, sizeof err), 0);
	CHECK_INT(n, 0);
	CHECK_INT(mlv_parse_times("1,,2", &t, &n, err, sizeof err), -1);
	CHECK_INT(mlv_parse_times("1,nan", &t, &n, err, sizeof err), -1);
	CHECK_INT(mlv_parse_times("12s", &t, &n, err, sizeof err), -1);
	CHECK(strstr(err, "\"12s\" is not a comma-separated list") != NULL);
}

/* A scratch file name of this process, under $TMPDIR or /tmp. */
static void
temp_path(char *path, size_t len, const char *tag)
{
	const char *base = getenv("TMPDIR");
	snprintf(path, len, "%s/mlv-test-eval-%s-%d.tsv",
	         base && *base ? base : "/tmp", tag, (int)getpid());
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

TEST(section_annotations)
{
	char path[512];
	temp_path(path, sizeof path, "sections");
	write_file(path, "piece\tfile\tsection\tstart_s\r\n"
	                 "koto\tsections/koto.flac\tintro\t0.000\r\n"
	                 "koto\tsections/koto.flac\tA\t30.000\r\n"
	                 "\n"
	                 "koto\tsections/koto.flac\tB\t90\r\n"
	                 "koto\tsections/koto.flac\tB2\t90\r\n"
	                 "pipa\tother/pipa.flac\tA\t0\n"
	                 "pipa\tother/pipa.flac\tB\t60\n");
	mlv_sections s;
	char err[512];
	CHECK_INT(mlv_sections_read(&s, path, err, sizeof err), 0);
	CHECK_INT(s.n, 6);
	double b[6];
	size_t nb, nl;
	CHECK_INT(mlv_sections_boundaries(&s, "/data/sections/koto.flac#t=0,10",
	                                  b, &nb, &nl, err, sizeof err), 0);
	CHECK_INT(nl, 4);
	CHECK_INT(nb, 2);
	CHECK_NEAR(b[0], 30, 0);
	CHECK_NEAR(b[1], 90, 0);
	CHECK_INT(mlv_sections_boundaries(&s, "pipa.flac", b, &nb, &nl, err,
	                                  sizeof err), 0);
	CHECK_INT(nl, 2);
	CHECK_INT(nb, 1);
	CHECK_INT(mlv_sections_boundaries(&s, "koto.wav", b, &nb, &nl, err,
	                                  sizeof err), 0);
	CHECK_INT(nl, 0);
	/* sections/koto.flac is not /data/x/koto.flac */
	CHECK_INT(mlv_sections_boundaries(&s, "/data/x/koto.flac", b, &nb, &nl,
	                                  err, sizeof err), 0);
	CHECK_INT(nl, 0);
	mlv_sections_free(&s);

	write_file(path, "path\tstart\nk.flac\t12x\n");
	CHECK_INT(mlv_sections_read(&s, path, err, sizeof err), -1);
	CHECK(strstr(err, ": line 2: start \"12x\" is not a number") != NULL);
	write_file(path, "file\tbegin\nk.flac\t12\n");
	CHECK_INT(mlv_sections_read(&s, path, err, sizeof err), -1);
	CHECK(strstr(err, "line 1: no start column") != NULL);
	write_file(path, "file\tx\tstart\nk.flac\n");
	CHECK_INT(mlv_sections_read(&s, path, err, sizeof err), -1);
	CHECK(strstr(err, "line 2: 1 fields") != NULL);
	write_file(path, "");
	CHECK_INT(mlv_sections_read(&s, path, err, sizeof err), -1);
	CHECK(strstr(err, "empty") != NULL);
	unlink(path);
	CHECK_INT(mlv_sections_read(&s, path, err, sizeof err), -1);
	CHECK(strstr(err, "cannot open") != NULL);
}

TEST(sections_match_whole_trailing_path_components)
{
	char path[512];
	temp_path(path, sizeof path, "paths");
	write_file(path, "file\tstart\n"
	                 "disc1/01.wav\t10\n"
	                 "disc2/01.wav\t20\n"
	                 "./disc1/01.wav\t15\n"
	                 "p2.wav\t30\n"
	                 "sub/p2.wav\t40\n"
	                 "only/q.wav\t50\n");
	mlv_sections s;
	char err[512];
	CHECK_INT(mlv_sections_read(&s, path, err, sizeof err), 0);
	unlink(path);
	double b[6];
	size_t nb, nl;
	/* the disc decides; ./disc1/01.wav is disc1/01.wav */
	CHECK_INT(mlv_sections_boundaries(&s, "/m/disc1/01.wav#t=0,5", b, &nb,
	                                  &nl, err, sizeof err), 0);
	CHECK_INT(nl, 2);
	CHECK_INT(nb, 2);
	CHECK_NEAR(b[0], 10, 0);
	CHECK_NEAR(b[1], 15, 0);
	CHECK_INT(mlv_sections_boundaries(&s, "/m/disc2/01.wav", b, &nb, &nl, err,
	                                  sizeof err), 0);
	CHECK_INT(nl, 1);
	CHECK_NEAR(b[0], 20, 0);
	/* a bare name fits both discs: ambiguous, both named */
	CHECK_INT(mlv_sections_boundaries(&s, "01.wav", b, &nb, &nl, err,
	                                  sizeof err), -1);
	CHECK_STR(err, "01.wav matches 2 annotated files equally well: "
	          "disc1/01.wav, disc2/01.wav (ambiguous; more of the path "
	          "would tell them apart)");
	CHECK_INT(mlv_sections_boundaries(&s, "/m/disc3/01.wav", b, &nb, &nl, err,
	                                  sizeof err), 0);
	CHECK_INT(nl, 0);
	/* /b/p2.wav is p2.wav, not sub/p2.wav; /x/sub/p2.wav the other */
	CHECK_INT(mlv_sections_boundaries(&s, "/b/p2.wav", b, &nb, &nl, err,
	                                  sizeof err), 0);
	CHECK_INT(nl, 1);
	CHECK_NEAR(b[0], 30, 0);
	CHECK_INT(mlv_sections_boundaries(&s, "/x/sub/p2.wav", b, &nb, &nl, err,
	                                  sizeof err), 0);
	CHECK_INT(nl, 1);
	CHECK_NEAR(b[0], 40, 0);
	/* a name shorter than the annotated path, which holds it whole */
	CHECK_INT(mlv_sections_boundaries(&s, "q.wav", b, &nb, &nl, err,
	                                  sizeof err), 0);
	CHECK_INT(nl, 1);
	CHECK_INT(mlv_sections_boundaries(&s, "/b/q.wav", b, &nb, &nl, err,
	                                  sizeof err), 0);
	CHECK_INT(nl, 0);
	mlv_sections_free(&s);
}

TEST(within_errors_name_rows_of_all_rows)
{
	/* within the halves, all of the second half one track: row 3 (the
	 * within-group's first) has no row outside its track */
	static const int32_t half[6] = {0, 0, 0, 1, 1, 1};
	static const int32_t track[6] = {0, 0, 1, 2, 2, 2};
	uint32_t nbr[12];
	char err[256];
	CHECK_INT(mlv_neighbours_within(MLV_SIM_EUCLIDEAN, line_x, 6, 1, 1, half,
	                                track, nbr, 1, err, sizeof err), -1);
	CHECK_STR(err, "row 3: 0 rows outside its group, fewer than the 1 "
	          "neighbours asked for");
	static const int32_t small[6] = {0, 0, 0, 0, 1, 1};
	CHECK_INT(mlv_neighbours_within(MLV_SIM_EUCLIDEAN, line_x, 6, 1, 2, small,
	                                NULL, nbr, 1, err, sizeof err), -1);
	CHECK_STR(err, "row 4: 2 rows in its within-group; 2 neighbours need at "
	          "least 3");
	size_t avail[6];
	mlv_comparable_rows(half, track, 6, avail);
	static const size_t want[6] = {1, 1, 2, 0, 0, 0};
	for (int i = 0; i < 6; i++)
		CHECK_INT(avail[i], want[i]);
	mlv_comparable_rows(NULL, NULL, 6, avail);
	CHECK_INT(avail[5], 5);
	mlv_comparable_rows(half, NULL, 6, avail);
	CHECK_INT(avail[0], 2);
	mlv_comparable_rows(NULL, track, 6, avail);
	CHECK_INT(avail[0], 4);
	CHECK_INT(avail[3], 3);
}

TEST(track_accuracy_by_majority_vote)
{
	/* tracks 5 5 5 | 2 2 | 9 | 7 7 7 7 (ids need not be in order):
	 * votes 0 0 1 -> 0 right; 1 0 tie -> 1 (first) wrong; 1 right;
	 * 2 2 0 0 tie -> 2 (first) right */
	static const int32_t track[10] = {5, 5, 5, 2, 2, 9, 7, 7, 7, 7};
	static const int32_t truth[10] = {0, 0, 0, 0, 0, 1, 2, 2, 2, 2};
	static const int32_t pred[10] = {0, 1, 0, 1, 0, 1, 2, 0, 2, 0};
	double acc;
	size_t n, conflict[2];
	CHECK_INT(mlv_track_accuracy(truth, pred, track, 10, 3, &acc, &n,
	                             conflict), 0);
	CHECK_INT(n, 4);
	CHECK_NEAR(acc, 3.0 / 4, 1e-12);
	static const int32_t mixed[10] = {0, 0, 0, 0, 1, 1, 2, 2, 2, 2};
	CHECK_INT(mlv_track_accuracy(mixed, pred, track, 10, 3, &acc, &n,
	                             conflict), -1);
	CHECK_INT(conflict[0], 3);
	CHECK_INT(conflict[1], 4);
	CHECK_INT(mlv_track_accuracy(truth, pred, track, 0, 3, &acc, &n,
	                             conflict), 0);
	CHECK(isnan(acc) && n == 0);

	/* tracks by key, src, id without its fragment, or the record */
	static const char *const meta[5] = {
		"id=a.wav#t=0,10 t=x", "id=a.wav#t=10,20 t=y",
		"id=c src=b.wav t=x", "id=d src=b.wav t=x", "t=y"};
	static const float v[5] = {0, 0, 0, 0, 0};
	mlv_points p;
	make_points(&p, meta, v, 5);
	int32_t tr[5];
	char err[256];
	CHECK_INT(mlv_tracks_of_rows(&p, NULL, tr, &n, err, sizeof err), 0);
	CHECK_INT(n, 3);
	CHECK(tr[0] == tr[1] && tr[2] == tr[3] && tr[0] != tr[2] &&
	      tr[4] != tr[0] && tr[4] != tr[2]);
	CHECK_INT(mlv_tracks_of_rows(&p, "t", tr, &n, err, sizeof err), 0);
	CHECK_INT(n, 2);
	CHECK(tr[0] == 0 && tr[1] == 1 && tr[3] == 0 && tr[4] == 1);
	CHECK_INT(mlv_tracks_of_rows(&p, "u", tr, &n, err, sizeof err), -1);
	CHECK_STR(err, "t.mlv: record 1: no u");
	mlv_points_free(&p);
}

/* ---- regression probes and cross-validation ------------------------- */

/* scipy.stats.spearmanr(a, b).correlation, scipy 1.x, ties averaged */
TEST(spearman_with_ties_matches_scipy)
{
	static const double a[8] = {1, 2, 2, 3, 3, 3, 4, 5};
	static const double b[8] = {2, 1, 4, 4, 3, 6, 5, 5};
	static const double c[6] = {0.5, 0.5, 0.5, 1, 1, 2};
	static const double d[6] = {3, 1, 2, 2, 2, 7};
	/* scipy.stats.rankdata(b): 2 1 4.5 4.5 3 8 6.5 6.5 */
	static const double rb[8] = {2, 1, 4.5, 4.5, 3, 8, 6.5, 6.5};
	double r[8];
	mlv_rank_average(b, 8, r);
	for (int i = 0; i < 8; i++)
		CHECK_NEAR(r[i], rb[i], 0);
	CHECK_NEAR(mlv_spearman(a, b, 8), 0.7144097497387378, 1e-14);
	CHECK_NEAR(mlv_spearman(c, d, 6), 0.4918693768379647, 1e-14);
	CHECK_NEAR(mlv_spearman(b, b, 8), 1, 1e-15);
	static const double same[3] = {1, 1, 1};
	CHECK(isnan(mlv_spearman(same, a, 3)));
	CHECK(isnan(mlv_spearman(a, b, 1)));
	/* within groups: group 0 the first 5 rows, 1 the last 3, 2 none */
	static const int32_t g[8] = {0, 0, 0, 0, 0, 1, 1, 1};
	double rho[3];
	mlv_spearman_within(a, b, g, 8, 3, rho);
	CHECK_NEAR(rho[0], mlv_spearman(a, b, 5), 1e-15);
	CHECK_NEAR(rho[1], mlv_spearman(a + 5, b + 5, 3), 1e-15);
	CHECK(isnan(rho[2]));
}

/* sklearn.metrics.r2_score([1, 2, 3, 4], [1.5, 2, 2.5, 5]) */
TEST(r2_matches_scikit_learn)
{
	static const double y[4] = {1, 2, 3, 4}, p[4] = {1.5, 2, 2.5, 5};
	CHECK_NEAR(mlv_r2(y, p, 4), 0.7, 1e-15);
	static const double c[3] = {2, 2, 2};
	CHECK(isnan(mlv_r2(c, p, 3)));
}

/* make_pipeline(StandardScaler(), Ridge(alpha)) of scikit-learn 1.2 on
 * the float32 rows as float64: coef_, intercept_, predict */
TEST(ridge_matches_scikit_learn)
{
	static const float x[7 * 3] = {1, 2, 0.5f, 2, 1, 0.1f, 3, 4, 0.7f,
	                               4, 3, 0.2f, 5, 6, 0.9f, 6, 5, 0.3f,
	                               7, 8, 0.4f};
	static const double y[7] = {1, 2.5, 2, 4.5, 4, 6.5, 6};
	static const float xt[2 * 3] = {2.5f, 2.5f, 0.3f, 8, 9, 1};
	static const double alpha[2] = {1, 0};
	static const double coef[2][3] = {
		{1.3671349914980266, 0.3007502685947671, -0.5638114018169386},
		{2.80760870708109, -1.1266649106242819, -0.1475674892894097}};
	static const double pred[2][2] = {{2.847450921810137, 5.971440258419845},
	                                  {2.5902173824648234,
	                                   6.6336956526358755}};
	for (int a = 0; a < 2; a++) {
		mlv_ridge m;
		double p[2];
		CHECK_INT(mlv_ridge_fit(&m, x, 7, 3, y, alpha[a], NULL, 0), 0);
		for (int j = 0; j < 3; j++)
			CHECK_NEAR(m.coef[j], coef[a][j], 1e-9);
		CHECK_NEAR(m.intercept, 3.7857142857142856, 1e-14);
		mlv_ridge_predict(&m, xt, 2, p);
		CHECK_NEAR(p[0], pred[a][0], 1e-9);
		CHECK_NEAR(p[1], pred[a][1], 1e-9);
		mlv_ridge_free(&m);
	}
	/* fewer rows than columns: the dual system, alpha 0.5 */
	static const float w[3 * 5] = {1, 2, 3, 4, 5, 2, 0, 1, 3, 3,
	                               0, 1, 1, 0, 2};
	static const double yw[3] = {1, 2, 0.5};
	static const double cw[5] = {0.3129038801254638, -0.21843054086463473,
	                             -0.07156672371394995, 0.17584864828406863,
	                             0.034797639317601714};
	static const float ones[5] = {1, 1, 1, 1, 1};
	mlv_ridge m;
	double p;
	CHECK_INT(mlv_ridge_fit(&m, w, 3, 5, yw, 0.5, NULL, 0), 0);
	for (int j = 0; j < 5; j++)
		CHECK_NEAR(m.coef[j], cw[j], 1e-9);
	mlv_ridge_predict(&m, ones, 1, &p);
	CHECK_NEAR(p, 1.0142245311316234, 1e-9);
	mlv_ridge_free(&m);
	/* alpha 0 and collinear columns: singular, said */
	static const float col[4 * 2] = {1, 2, 2, 4, 3, 6, 4, 8};
	static const double yc[4] = {1, 2, 0.5, 3};
	char err[256] = "";
	CHECK_INT(mlv_ridge_fit(&m, col, 4, 2, yc, 0, err, sizeof err), -1);
	CHECK(strstr(err, "singular") != NULL);
	mlv_ridge_free(&m);
}

/* Every group in one fold; each class's groups spread over the folds;
 * the same folds for a seed. */
TEST(group_folds_are_stratified_and_seeded)
{
	/* 10 groups of 3 rows: groups 0-5 class 0, 6-8 class 1, 9 class 2 */
	enum { G = 10, R = 3, K = 3 };
	int32_t group[G * R], cls[G * R], fold[G], again[G];
	for (int i = 0; i < G * R; i++) {
		group[i] = i / R;
		cls[i] = group[i] < 6 ? 0 : group[i] < 9 ? 1 : 2;
	}
	size_t ng[3];
	CHECK_INT(mlv_group_folds(group, cls, G * R, G, 3, K, 7, fold, ng, NULL,
	                          0), 0);
	CHECK_INT(ng[0], 6);
	CHECK_INT(ng[1], 3);
	CHECK_INT(ng[2], 1);
	int per[K][3] = {{0}}, groups[K] = {0};
	for (int g = 0; g < G; g++) {
		CHECK(fold[g] >= 0 && fold[g] < K);
		per[fold[g]][g < 6 ? 0 : g < 9 ? 1 : 2]++;
		groups[fold[g]]++;
	}
	for (int f = 0; f < K; f++) {
		CHECK_INT(per[f][0], 2); /* 6 groups over 3 folds */
		CHECK_INT(per[f][1], 1);
		CHECK(groups[f] >= 3 && groups[f] <= 4);
	}
	CHECK_INT(mlv_group_folds(group, cls, G * R, G, 3, K, 7, again, NULL,
	                          NULL, 0), 0);
	CHECK(!memcmp(fold, again, sizeof fold));
	int differ = 0;
	for (uint64_t seed = 8; seed < 12 && !differ; seed++) {
		mlv_group_folds(group, cls, G * R, G, 3, K, seed, again, NULL, NULL,
		                0);
		differ = memcmp(fold, again, sizeof fold) != 0;
	}
	CHECK(differ);
	char err[256] = "";
	CHECK_INT(mlv_group_folds(group, NULL, G * R, G, 0, 11, 0, fold, NULL,
	                          err, sizeof err), -1);
	CHECK_STR(err, "10 groups for 11 folds: every fold needs a group");
}

/* mean and sample sd of 0.5 0.25 0.75 1 and a NaN left out: 0.625 and
 * sqrt(((0.125)^2 + (0.375)^2 + (0.125)^2 + (0.375)^2) / 3) */
TEST(mean_and_sd_over_folds)
{
	static const double v[5] = {0.5, 0.25, NAN, 0.75, 1};
	double mean, sd;
	CHECK_INT(mlv_mean_sd(v, 5, &mean, &sd), 4);
	CHECK_NEAR(mean, 0.625, 1e-15);
	CHECK_NEAR(sd, sqrt((2 * 0.125 * 0.125 + 2 * 0.375 * 0.375) / 3), 1e-15);
	CHECK_INT(mlv_mean_sd(v + 2, 1, &mean, &sd), 0);
	CHECK(isnan(mean) && isnan(sd));
	CHECK_INT(mlv_mean_sd(v, 1, &mean, &sd), 1);
	CHECK(mean == 0.5 && sd == 0);
}

TEST(numeric_labels_parse_strictly)
{
	static const char *const meta[4] = {
		"label.v=60 label.p=a label.i=x", "label.v=-3.5e1 label.p=b label.i=x",
		"label.v=7 label.p=a label.i=y", "label.v=1 label.p=a label.i=x"};
	static const float v[4] = {0, 0, 0, 0};
	mlv_points p;
	make_points(&p, meta, v, 4);
	double y[4];
	CHECK_INT(mlv_values_of_rows(&p, "label.v", y, NULL, 0), 0);
	CHECK(y[0] == 60 && y[1] == -35 && y[2] == 7 && y[3] == 1);
	char err[256];
	CHECK_INT(mlv_values_of_rows(&p, "label.p", y, err, sizeof err), -1);
	CHECK_STR(err, "t.mlv: record 1: label.p=a is not a number");
	mlv_meta_set(&p.recs[2], "label.v", "7 dB");
	CHECK_INT(mlv_values_of_rows(&p, "label.v", y, err, sizeof err), -1);
	CHECK_STR(err, "t.mlv: record 3: label.v=7 dB is not a number");
	mlv_meta_set(&p.recs[2], "label.v", "inf");
	CHECK_INT(mlv_values_of_rows(&p, "label.v", y, err, sizeof err), -1);
	/* groups of two keys: (a,x) (b,x) (a,y) (a,x) */
	char *keys[2] = {"label.p", "label.i"};
	int32_t g[4];
	size_t ng;
	CHECK_INT(mlv_groups_of_keys(&p, keys, 2, g, &ng, NULL, 0), 0);
	CHECK_INT(ng, 3);
	CHECK(g[0] == 0 && g[2] == 1 && g[1] == 2 && g[3] == 0);
	char *nokey[1] = {"label.nope"};
	CHECK_INT(mlv_groups_of_keys(&p, nokey, 1, g, &ng, err, sizeof err), -1);
	CHECK_STR(err, "t.mlv: record 1: no label.nope");
	mlv_points_free(&p);
}

int
main(void)
{
	RUN(lbfgs_minimises_an_ill_conditioned_quadratic);
	RUN(lbfgs_finds_rosenbrocks_valley_floor);
	RUN(lbfgs_reports_bad_starts_and_survives_overflow);
	RUN(logreg_gradient_matches_finite_differences);
	RUN(logreg_matches_scikit_learn_standardized);
	RUN(logreg_matches_the_exact_optimum_on_raw_columns);
	RUN(logreg_refuses_what_it_cannot_fit);
	RUN(standardize_like_standard_scaler);
	RUN(neighbour_agreement_by_hand);
	RUN(neighbour_agreement_excluding_the_own_track);
	RUN(neighbours_within_a_group);
	RUN(excluding_large_groups_finds_the_same_neighbours);
	RUN(cosine_neighbours);
	RUN(vote_ties_go_to_the_nearest);
	RUN(chance_level);
	RUN(classifier_scores);
	RUN(knn_classifier);
	RUN(classes_are_sorted_names);
	RUN(matching_is_maximal_not_greedy);
	RUN(spearman_with_ties_matches_scipy);
	RUN(r2_matches_scikit_learn);
	RUN(ridge_matches_scikit_learn);
	RUN(group_folds_are_stratified_and_seeded);
	RUN(mean_and_sd_over_folds);
	RUN(numeric_labels_parse_strictly);
	RUN(parse_times);
	RUN(section_annotations);
	RUN(sections_match_whole_trailing_path_components);
	RUN(within_errors_name_rows_of_all_rows);
	RUN(track_accuracy_by_majority_vote);
	return TEST_EXIT();
}
