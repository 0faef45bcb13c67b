/* mlv-eval - the numbers of the experiments, as TSV: neighbour agreement,
 * probe classifiers, cluster and section-boundary scores. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "crossval.h"
#include "eval.h"
#include "opts.h"
#include "partition.h"
#include "points.h"
#include "pool.h"
#include "simmat.h"
#include "stream.h"
#include "util.h"

enum subcommand { NEIGHBOURS, CLASSIFY, REGRESS, CLUSTERS, BOUNDARIES,
                  NSUB };
static const char *const subnames[NSUB] = {"neighbours", "classify",
                                           "regress", "clusters",
                                           "boundaries"};

/* The options, each a bit, so a subcommand can refuse those it would
 * ignore. */
enum {
	O_K = 1 << 0, O_LABEL = 1 << 1, O_METRIC = 1 << 2, O_EXCLUDE = 1 << 3,
	O_TRAIN = 1 << 4, O_CLASSIFIER = 1 << 5, O_C = 1 << 6,
	O_MAXITER = 1 << 7, O_NOSTD = 1 << 8, O_PRED = 1 << 9,
	O_TRUTH = 1 << 10, O_TOL = 1 << 11, O_JOBS = 1 << 12,
	O_WITHIN = 1 << 13, O_TRACK = 1 << 14, O_FOLDS = 1 << 15,
	O_GROUP = 1 << 16, O_SEED = 1 << 17, O_NAME = 1 << 18, O_TABLE = 1 << 19,
	O_CONF = 1 << 20, O_CONFS = 1 << 21, O_TARGET = 1 << 22,
	O_ALPHA = 1 << 23
};
static const unsigned allowed[NSUB] = {
	[NEIGHBOURS] = O_K | O_LABEL | O_METRIC | O_EXCLUDE | O_WITHIN | O_JOBS,
	[CLASSIFY] = O_K | O_LABEL | O_METRIC | O_TRAIN | O_CLASSIFIER | O_C |
	             O_MAXITER | O_NOSTD | O_PRED | O_TRACK | O_JOBS | O_FOLDS |
	             O_GROUP | O_SEED | O_NAME | O_TABLE | O_CONF | O_CONFS,
	[REGRESS] = O_TARGET | O_ALPHA | O_WITHIN | O_TRAIN | O_FOLDS | O_GROUP |
	            O_SEED | O_NAME | O_TABLE | O_JOBS,
	[CLUSTERS] = O_TRUTH | O_JOBS,
	[BOUNDARIES] = O_TRUTH | O_TOL | O_JOBS,
};

/* The TSV lines, written once every number is known: a run that fails
 * half-way prints nothing. */
static char *tsv;
static size_t tsv_len, tsv_cap;

enum { OPT_MEASURE = MLV_OPT_OWN, OPT_CLASSIFIER, OPT_EXCLUDE, OPT_WITHIN,
       OPT_TRAIN, OPT_C, OPT_MAXITER, OPT_NOSTD, OPT_PRED, OPT_TRACK,
       OPT_TRUTH, OPT_TOL, OPT_NOHEADER, OPT_FOLDS, OPT_GROUP, OPT_NAME,
       OPT_TABLE, OPT_CONF, OPT_CONFS, OPT_TARGET, OPT_ALPHA };

static const mlv_about about = {
	"mlv-eval neighbours --label KEY [--label KEY...] [-n K] "
	"[--measure M]\n"
	"                           [--exclude KEY] [--within KEY] "
	"[common] [FILE...]\n"
	"       mlv-eval classify --train FILE --label KEY "
	"[--classifier logreg|knn]\n"
	"                         [-n K] [--measure M] [--C C] [--max-iter N]\n"
	"                         [--no-standardize] [--predictions FILE] "
	"[--track KEY]\n"
	"                         [--group KEY] [--confusion FILE]\n"
	"                         [--confusion-stream FILE] [common] [TEST...]\n"
	"       mlv-eval classify --folds K --group KEY --label KEY [--seed S] "
	"[--table]\n"
	"                         [--name NAME...] [classifier and confusion "
	"options]\n"
	"                         [common] [FILE...]\n"
	"       mlv-eval regress --target KEY [--alpha A] [--within KEY[,KEY...]]\n"
	"                        (--train FILE [TEST...] | --folds K --group KEY\n"
	"                        [--seed S] [--table] [--name NAME...] FILE...)\n"
	"                        [common]\n"
	"       mlv-eval clusters --truth KEY [common] [FILE...]\n"
	"       mlv-eval boundaries --truth TSV [--tolerance S] "
	"[common] [FILE...]",
	"Score a latent space: TSV lines of metric, key, value and n, "
	"the items the\n"
	"value was computed over.\n"
	"\n"
	"neighbours: leave-one-out k-NN over all rows of all records; "
	"per label,\n"
	"knn_agreement, knn_accuracy and chance_agreement.",
	NULL,
};

static const mlv_opt eval_options[] = {
	{"measure", 0, "M", "euclidean (default), cosine, correlation, dot",
	 OPT_MEASURE, NULL},
	{NULL, 'm', NULL, NULL, 0, "measure"},
	{NULL, 'k', NULL, NULL, 0, "neighbours"},
	{"exclude", 0, "KEY", "pass over neighbours sharing the row's KEY (its "
	 "track)", OPT_EXCLUDE, NULL},
	{"within", 0, "KEY", "only neighbours sharing the row's KEY (its pitch);"
	 "\nregress: KEY[,KEY...], the groups of spearman_within",
	 OPT_WITHIN, NULL},
	{NULL, 0, NULL, "\nclassify: fit on --train, predict every test row; "
	 "accuracy, balanced_accuracy,\nchance_balanced, track_accuracy, "
	 "majority_baseline, classes and recall per\nclass; --label KEY is the "
	 "label to predict, -n K and --measure M are -c knn's.", 0, NULL},
	{"train", 0, "FILE", "the training rows (split by track, never by clip)",
	 OPT_TRAIN, NULL},
	{"classifier", 0, "C", "logreg (multinomial, L2 penalty; the default) or "
	 "knn", OPT_CLASSIFIER, NULL},
	{NULL, 'c', NULL, NULL, 0, "classifier"},
	{"C", 0, "C", "logreg's inverse penalty strength (1)", OPT_C, NULL},
	{"max-iter", 0, "N", "logreg's L-BFGS iterations (2000)", OPT_MAXITER,
	 NULL},
	{"no-standardize", 0, NULL, "keep the columns' scales (default: "
	 "standardise with the\ntraining rows' mean and std)", OPT_NOSTD, NULL},
	{"predictions", 0, "FILE", "the test records with one column, the "
	 "predicted class", OPT_PRED, NULL},
	{"track", 0, "KEY", "the test rows' tracks for track_accuracy (default: "
	 "src,\nelse id without its #fragment; with --folds, --group)", OPT_TRACK,
	 NULL},
	{"group", 0, "KEY", "rows kept on one side of a split (label.track);\n"
	 "with --folds, dealt whole to the folds",
	 OPT_GROUP, NULL},
	{"folds", 0, "K", "K-fold cross-validation by --group, stratified;\n"
	 "each FILE is scored on its own", OPT_FOLDS, NULL},
	{"name", 0, "NAME", "the next FILE's name in the output (default: its "
	 "path)", OPT_NAME, NULL},
	{"confusion", 0, "FILE", "the confusion matrix as TSV (rows: true "
	 "class)", OPT_CONF, NULL},
	{"confusion-stream", 0, "FILE", "the same as an MLV record, a heatmap "
	 "for mlv-plot", OPT_CONFS, NULL},
	{"table", 0, NULL, "with --folds, a line per FILE: mean, sd per metric",
	 OPT_TABLE, NULL},
	{NULL, 0, NULL, "\nregress: ridge regression of a numeric label, "
	 "standardised on the training rows;\nr2, spearman and spearman_within "
	 "(mean and sd over the --within groups).", 0, NULL},
	{"target", 0, "KEY", "the numeric label to predict (label.velocity)",
	 OPT_TARGET, NULL},
	{"alpha", 0, "A", "the ridge penalty, >= 0 (1)", OPT_ALPHA, NULL},
	{NULL, 0, NULL, "\nclusters: ari, nmi, purity, clusters and classes of "
	 "mlv-cluster's output.\nboundaries: precision, recall and f_measure of "
	 "mlv-simmat --novelty's\nboundaries, per record and over all.", 0,
	 NULL},
	{"truth", 0, "KEY|TSV", "clusters: the label to compare with;\n"
	 "boundaries: sections, columns file (or path),\nstart_s (or start)",
	 OPT_TRUTH, NULL},
	{"tolerance", 0, "S", "boundaries: seconds (default: one row, the\n"
	 "record's dt)", OPT_TOL, NULL},
	{NULL, 0, NULL, "\nCommon:", 0, NULL},
	{"no-header", 0, NULL, "no header line", OPT_NOHEADER, NULL},
	{0},
};

static void
tsv_reserve(size_t need)
{
	if (tsv_len + need > tsv_cap) {
		tsv_cap = 2 * (tsv_len + need);
		tsv = mlv_realloc(tsv, tsv_cap);
	}
}

/* One field and its tab; names, keys and ids may hold tabs and newlines,
 * which would break the line. */
static void
put_field(const char *f)
{
	size_t len = strlen(f);
	tsv_reserve(len + 2);
	for (size_t i = 0; i < len; i++)
		tsv[tsv_len++] = f[i] == '\t' || f[i] == '\n' || f[i] == '\r' ? ' ' :
		                 f[i];
	tsv[tsv_len++] = '\t';
}

static void
put_number(double value, size_t n)
{
	tsv_reserve(64);
	tsv_len += (size_t)snprintf(tsv + tsv_len, tsv_cap - tsv_len,
	                            "%.6g\t%zu\n", value, n);
}

static void
emit(const char *metric, const char *key, double value, size_t n)
{
	put_field(metric);
	put_field(key);
	put_number(value, n);
}

/* A line of the cross-validation table: name, metric, key, fold. */
static void
emit_cv(const char *name, const char *metric, const char *key,
        const char *fold, double value, size_t n)
{
	put_field(name);
	put_field(metric);
	put_field(key);
	put_field(fold);
	put_number(value, n);
}

/* Each row's class of key, dying with the record that has none; c gets
 * the classes (sorted names). */
static int32_t *
row_classes(const mlv_points *p, const char *key, const char *opt,
            mlv_classes *c)
{
	char err[512];
	int32_t *cls = mlv_malloc((p->n ? p->n : 1) * sizeof *cls);
	if (mlv_classes_of_key(c, p, key, cls, err, sizeof err))
		mlv_die("%s (%s %s)", err, opt, key);
	return cls;
}

static void
one_class_check(const mlv_classes *c, const char *input, const char *key,
                const char *why)
{
	if (c->n < 2)
		mlv_die("%s: one class only, %s=%s (%s)", input, key,
		        c->n ? c->names[0] : "", why);
}

static void
neighbours(const mlv_points *p, const char *input, char **labels,
           size_t nlabels, const char *exclude, const char *within,
           mlv_sim_kind kind, size_t k, int nthreads)
{
	char err[512];
	if (p->n < k + 1)
		mlv_die("%s: %zu rows; -n %zu needs at least %zu", input, p->n, k,
		        k + 1);
	/* Every label first: a bad one fails before the long part. */
	int32_t **cls = mlv_malloc(nlabels * sizeof *cls);
	size_t *ncls = mlv_malloc(nlabels * sizeof *ncls);
	for (size_t l = 0; l < nlabels; l++) {
		mlv_classes c;
		cls[l] = row_classes(p, labels[l], "--label", &c);
		one_class_check(&c, input, labels[l], "agreement would be 1 "
		                "whatever the neighbours");
		ncls[l] = c.n;
		mlv_classes_free(&c);
	}
	int32_t *group = NULL, *inside = NULL;
	mlv_classes g = {NULL, 0}, w = {NULL, 0};
	if (exclude)
		group = row_classes(p, exclude, "--exclude", &g);
	if (within)
		inside = row_classes(p, within, "--within", &w);
	/* Keys are per record, so are the rows a row may meet: each
	 * record with rows needs k of them. */
	size_t *avail = mlv_malloc((p->n ? p->n : 1) * sizeof *avail);
	mlv_comparable_rows(inside, group, p->n, avail);
	for (size_t r = 0; r < p->nrecs; r++) {
		size_t i = p->first[r];
		if (!p->recs[r].rows || avail[i] >= k)
			continue;
		if (!within)
			mlv_die("%s: %zu rows outside its %s=%s, fewer than -n %zu",
			        p->where[r], avail[i], exclude, g.names[group[i]], k);
		if (!exclude)
			mlv_die("%s: %zu other rows share its %s=%s, fewer than -n "
			        "%zu (--within %s)", p->where[r], avail[i], within,
			        w.names[inside[i]], k, within);
		mlv_die("%s: %zu rows share its %s=%s outside its %s=%s, fewer "
		        "than -n %zu (--within %s --exclude %s)", p->where[r],
		        avail[i], within, w.names[inside[i]], exclude,
		        g.names[group[i]], k, within, exclude);
	}
	free(avail);
	mlv_classes_free(&g);
	mlv_classes_free(&w);
	uint32_t *nbr = mlv_malloc(mlv_mul_size(p->n, k * sizeof *nbr,
	                                        "neighbours"));
	if (mlv_neighbours_within(kind, p->x, p->n, p->d, k, inside, group, nbr,
	                          nthreads, err, sizeof err))
		mlv_die("%s: %s%s%s%s", input, err, within ? " (--within " : "",
		        within ? within : "", within ? ")" : "");
	for (size_t l = 0; l < nlabels; l++) {
		mlv_knn_scores s;
		mlv_knn_score(nbr, p->n, k, cls[l], ncls[l], &s);
		emit("knn_agreement", labels[l], s.agreement, p->n);
		emit("knn_accuracy", labels[l], s.accuracy, p->n);
		emit("chance_agreement", labels[l],
		     mlv_chance_agreement_within(cls[l], group, inside, p->n), p->n);
		free(cls[l]);
	}
	free(nbr);
	free(inside);
	free(group);
	free(cls);
	free(ncls);
}

/* The test rows' predicted classes as a column of the test records, and
 * what each number means. */
static void
write_predictions(mlv_points *te, mlv_writer *w, const int32_t *pred,
                  const mlv_classes *c, const char *label,
                  const char *classifier)
{
	float *y = mlv_malloc((te->n ? te->n : 1) * sizeof *y);
	for (size_t i = 0; i < te->n; i++)
		y[i] = (float)pred[i];
	for (size_t r = 0; r < te->nrecs; r++) {
		mlv_meta_set(&te->recs[r], "predicted", label);
		mlv_meta_set(&te->recs[r], "classifier", classifier);
		mlv_meta_setf(&te->recs[r], "classes", "%zu", c->n);
		for (size_t k = 0; k < c->n; k++) {
			char key[32];
			snprintf(key, sizeof key, "class.%zu", k);
			mlv_meta_set(&te->recs[r], key, c->names[k]);
		}
	}
	mlv_points_write(te, w, y, 1, "prediction", "class", 0);
	free(y);
}

/* What the subcommand and its options ask for. */
typedef struct {
	enum subcommand sub;
	const char *output, *exclude, *within, *train, *predictions, *truth;
	const char *track, *group, *confusion, *confusion_stream, *target;
	char **withins;
	size_t nwithin;
	double alpha;
	char **labels, **names;
	size_t nlabels, nnames, folds;
	uint64_t seed;
	mlv_probe_opts probe;
	int header, table;
	mlv_writer *pw, *cw, *csw; /* --predictions, --confusion(-stream) */
	double tolerance;
} settings;

/* Dies when a track's rows differ in class, naming two of them. */
static void
check_tracks(const mlv_points *p, const int32_t *y, const int32_t *tracks,
             size_t nclasses, const char *label, const char *track)
{
	double acc;
	size_t ntracks, conflict[2];
	if (!mlv_track_accuracy(y, y, tracks, p->n, nclasses, &acc, &ntracks,
	                        conflict))
		return;
	size_t r0 = mlv_points_record_of(p, conflict[0]);
	size_t r1 = mlv_points_record_of(p, conflict[1]);
	mlv_die("%s: %s=%s, but %s=%s in %s of the same track (%s)",
	        p->where[r1], label, mlv_meta_get(&p->recs[r1], label), label,
	        mlv_meta_get(&p->recs[r0], label), p->where[r0],
	        track ? track : "tracks by src, else id: give --track");
}

static int32_t *
row_tracks(const mlv_points *p, const char *track)
{
	char err[512];
	size_t ntracks;
	int32_t *tracks = mlv_malloc((p->n ? p->n : 1) * sizeof *tracks);
	if (mlv_tracks_of_rows(p, track, tracks, &ntracks, err, sizeof err))
		mlv_die("%s (--track %s)", err, track ? track : "");
	return tracks;
}

/* A group on both sides of a split makes the test a test of memory:
 * refuse it, naming the group and a record of each side. */
static void
check_disjoint(const mlv_points *tr, const mlv_points *te, const char *group)
{
	mlv_classes g, h;
	free(row_classes(tr, group, "--group", &g));
	free(row_classes(te, group, "--group", &h));
	for (size_t r = 0; r < te->nrecs; r++) {
		const char *v = mlv_meta_get(&te->recs[r], group);
		if (!te->recs[r].rows || mlv_classes_find(&g, v) < 0)
			continue;
		for (size_t q = 0; q < tr->nrecs; q++)
			if (tr->recs[q].rows &&
			    !strcmp(mlv_meta_get(&tr->recs[q], group), v))
				mlv_die("%s: %s=%s is also in the training rows, %s (a "
				        "group must be on one side of the split)",
				        te->where[r], group, v, tr->where[q]);
	}
	mlv_classes_free(&g);
	mlv_classes_free(&h);
}

/* Per-class recall and the confusion matrix of truth and pred (n rows of
 * the k classes names[]): recall lines through line(), the matrix as TSV
 * and as a record (rows true, columns predicted, kind=confusion, names in
 * rownames and colnames) for mlv-plot --kind heatmap. */
static void
confusion(const int32_t *truth, const int32_t *pred, size_t n,
          char *const *names, size_t k, const char *label, const char *name,
          int lines, const settings *s)
{
	size_t *m = mlv_malloc(k * k * sizeof *m);
	mlv_confusion(truth, pred, n, k, m);
	for (size_t t = 0; t < k; t++) {
		size_t rows = 0;
		for (size_t q = 0; q < k; q++)
			rows += m[t * k + q];
		if (!rows || !lines)
			continue;
		char *key = mlv_malloc(strlen(label) + strlen(names[t]) + 2);
		sprintf(key, "%s=%s", label, names[t]);
		double recall = (double)m[t * k + t] / (double)rows;
		if (s->folds)
			emit_cv(name, "recall", key, "all", recall, rows);
		else
			emit("recall", key, recall, rows);
		free(key);
	}
	if (s->cw) {
		mlv_writer_printf_or_die(s->cw, "%s", label);
		for (size_t q = 0; q < k; q++)
			mlv_writer_printf_or_die(s->cw, "\t%s", names[q]);
		for (size_t t = 0; t < k; t++) {
			mlv_writer_printf_or_die(s->cw, "\n%s", names[t]);
			for (size_t q = 0; q < k; q++)
				mlv_writer_printf_or_die(s->cw, "\t%zu", m[t * k + q]);
		}
		mlv_writer_printf_or_die(s->cw, "\n");
	}
	if (s->csw) {
		mlv_record r;
		mlv_record_init(&r);
		mlv_record_resize(&r, k, k);
		for (size_t i = 0; i < k * k; i++)
			r.data[i] = (float)m[i];
		/* names are a comma-separated list: a comma in one would
		 * split it */
		size_t len = 1;
		for (size_t q = 0; q < k; q++)
			len += strlen(names[q]) + 1;
		char *list = mlv_malloc(len);
		list[0] = '\0';
		for (size_t q = 0; q < k; q++) {
			if (q)
				strcat(list, ",");
			char *e = list + strlen(list);
			strcat(list, names[q]);
			for (; *e; e++)
				*e = *e == ',' ? ';' : *e;
		}
		mlv_meta_set(&r, "id", name ? name : "confusion");
		mlv_meta_set(&r, "kind", "confusion");
		mlv_meta_set(&r, "predicted", label);
		mlv_meta_set(&r, "classifier", s->probe.use_knn ? "knn" : "logreg");
		mlv_meta_set(&r, "rownames", list);
		mlv_meta_set(&r, "colnames", list);
		mlv_write_or_die(s->csw, &r);
		free(list);
		mlv_record_free(&r);
	}
	free(m);
}

static void
converged_check(int not_converged, const char *where, const settings *s)
{
	if (not_converged)
		mlv_warn("%s: logistic regression not converged after %d "
		         "iterations; raise --max-iter", where, s->probe.lo.max_iter);
}

static void
classify(mlv_points *te, const char *input, const settings *s,
         mlv_writer *predictions)
{
	char err[512];
	const char *label = s->labels[0];
	mlv_points tr;
	char *tpath = (char *)s->train;
	mlv_points_read(&tr, &tpath, 1);
	if (!tr.n)
		mlv_die("%s: no training rows (--train)", s->train);
	if (!te->n)
		mlv_die("%s: no test rows", input);
	if (te->d != tr.d)
		mlv_die("%s: %zu columns, but the training rows (%s) have %zu",
		        input, te->d, s->train, tr.d);
	mlv_classes c, tc;
	int32_t *y = row_classes(&tr, label, "--label", &c);
	one_class_check(&c, s->train, label, "nothing to tell apart");
	if (s->group)
		check_disjoint(&tr, te, s->group);
	/* Test classes: the training ones, then any the training rows lack
	 * (never predicted, so their rows count as errors). */
	int32_t *tt = row_classes(te, label, "--label", &tc);
	int32_t *map = mlv_malloc(tc.n * sizeof *map);
	size_t extra = 0;
	for (size_t j = 0; j < tc.n; j++) {
		map[j] = mlv_classes_find(&c, tc.names[j]);
		if (map[j] < 0) {
			mlv_warn("%s: %s=%s is not among the training classes (its "
			         "rows count as errors)", input, label, tc.names[j]);
			map[j] = (int32_t)(c.n + extra++);
		}
	}
	for (size_t i = 0; i < te->n; i++)
		tt[i] = map[tt[i]];

	int32_t *pred = mlv_malloc(te->n * sizeof *pred);
	int nc;
	if (mlv_probe_classify(&s->probe, tr.x, tr.n, y, c.n, te->x, te->n, tr.d,
	                       pred, &nc, err, sizeof err))
		mlv_die("%s: %s", s->train, err);
	converged_check(nc, s->train, s);
	double acc, bal, tacc;
	mlv_classify_score(tt, pred, te->n, c.n + extra, &acc, &bal);
	int32_t *tracks = row_tracks(te, s->track);
	check_tracks(te, tt, tracks, c.n + extra, label, s->track);
	size_t ntracks, conflict[2];
	mlv_track_accuracy(tt, pred, tracks, te->n, c.n + extra, &tacc, &ntracks,
	                   conflict);
	free(tracks);
	int32_t major = mlv_majority_class(y, tr.n, c.n);
	size_t hits = 0;
	for (size_t i = 0; i < te->n; i++)
		hits += tt[i] == major;
	emit("accuracy", label, acc, te->n);
	emit("balanced_accuracy", label, bal, te->n);
	emit("chance_balanced", label, 1.0 / (double)c.n, te->n);
	emit("track_accuracy", label, tacc, ntracks);
	emit("majority_baseline", label, (double)hits / (double)te->n, te->n);
	emit("classes", label, (double)c.n, tr.n);
	char **names = mlv_malloc((c.n + extra) * sizeof *names);
	memcpy(names, c.names, c.n * sizeof *names);
	for (size_t j = 0; j < tc.n; j++)
		if ((size_t)map[j] >= c.n)
			names[map[j]] = tc.names[j];
	confusion(tt, pred, te->n, names, c.n + extra, label, NULL, 1, s);
	free(names);
	if (predictions)
		write_predictions(te, predictions, pred, &c, label,
		                  s->probe.use_knn ? "knn" : "logreg");
	free(pred);
	free(map);
	free(tt);
	free(y);
	mlv_classes_free(&c);
	mlv_classes_free(&tc);
	mlv_points_free(&tr);
}

/* The cross-validated figures, by fold and as mean and sd over folds. */
enum { CV_ACC, CV_BAL, CV_TRACK, CV_MAJOR, NCV };
static const char *const cv_names[NCV] = {"accuracy", "balanced_accuracy",
                                          "track_accuracy",
                                          "majority_baseline"};

/* Group k-fold cross-validation of one input, by --group, stratified by
 * --label: every group is tested once, by a probe fitted on the others. */
static void
crossval(mlv_points *p, const char *input, const char *name,
         const settings *s, mlv_writer *predictions)
{
	char err[512];
	const char *label = s->labels[0];
	size_t k = s->folds;
	if (!p->n)
		mlv_die("%s: no rows", input);
	mlv_classes c, g;
	int32_t *y = row_classes(p, label, "--label", &c);
	one_class_check(&c, input, label, "nothing to tell apart");
	int32_t *gid = row_classes(p, s->group, "--group", &g);
	/* Tracks: --track, else the groups when each has one class (a
	 * track's clips), else as without --folds (src, else id). */
	double acc;
	size_t ntracks, conflict[2];
	int32_t *tracks = s->track ? row_tracks(p, s->track) : gid;
	if (!s->track && mlv_track_accuracy(y, y, gid, p->n, c.n, &acc, &ntracks,
	                                    conflict))
		tracks = row_tracks(p, NULL);
	check_tracks(p, y, tracks, c.n, label, s->track ? s->track :
	             tracks == gid ? s->group : NULL);
	int32_t *gfold = mlv_malloc(g.n * sizeof *gfold);
	size_t *ngroups = mlv_malloc(c.n * sizeof *ngroups);
	if (mlv_group_folds(gid, y, p->n, g.n, c.n, k, s->seed, gfold, ngroups,
	                    err, sizeof err))
		mlv_die("%s: %s (--group %s)", input, err, s->group);
	int32_t *fold = mlv_malloc(p->n * sizeof *fold);
	for (size_t i = 0; i < p->n; i++)
		fold[i] = gfold[gid[i]];
	size_t *nfolds = mlv_malloc(c.n * sizeof *nfolds);
	mlv_folds_of_classes(y, fold, p->n, c.n, k, nfolds);
	for (size_t j = 0; j < c.n; j++)
		if (nfolds[j] < k)
			mlv_warn("%s: %s=%s is in %zu group%s (%s): tested in %zu of "
			         "%zu folds", input, label, c.names[j], ngroups[j],
			         ngroups[j] == 1 ? "" : "s", s->group, nfolds[j], k);
	int32_t *pred = mlv_malloc(p->n * sizeof *pred);
	mlv_fold_scores *fs = mlv_malloc(k * sizeof *fs);
	if (mlv_crossval_classify(&s->probe, p->x, p->n, p->d, y, c.n, tracks,
	                          fold, k, pred, fs, err, sizeof err))
		mlv_die("%s: %s", input, err);
	if (s->table && (s->cw || s->csw))
		confusion(y, pred, p->n, c.names, c.n, label, name, 0, s);
	double *v = mlv_malloc(NCV * k * sizeof *v), mean[NCV], sd[NCV];
	for (size_t f = 0; f < k; f++) {
		char where[600];
		snprintf(where, sizeof where, "%s: fold %zu", input, f + 1);
		converged_check(fs[f].not_converged, where, s);
		v[CV_ACC * k + f] = fs[f].accuracy;
		v[CV_BAL * k + f] = fs[f].balanced;
		v[CV_TRACK * k + f] = fs[f].track_accuracy;
		v[CV_MAJOR * k + f] = fs[f].majority;
	}
	for (int m = 0; m < NCV; m++)
		mlv_mean_sd(v + m * k, k, &mean[m], &sd[m]);
	if (s->table) {
		put_field(name);
		for (int m = 0; m < NCV; m++) {
			tsv_reserve(64);
			tsv_len += (size_t)snprintf(tsv + tsv_len, tsv_cap - tsv_len,
			                            "%.6g\t%.6g\t", mean[m], sd[m]);
		}
		tsv_reserve(64);
		tsv_len += (size_t)snprintf(tsv + tsv_len, tsv_cap - tsv_len,
		                            "%.6g\t%zu\t%zu\n", 1.0 / (double)c.n, k,
		                            p->n);
	} else {
		for (int m = 0; m < NCV; m++) {
			for (size_t f = 0; f < k; f++) {
				char fn[32];
				snprintf(fn, sizeof fn, "%zu", f + 1);
				emit_cv(name, cv_names[m], label, fn, v[m * k + f],
				        m == CV_TRACK ? fs[f].ntracks : fs[f].ntest);
			}
			emit_cv(name, cv_names[m], label, "mean", mean[m], k);
			emit_cv(name, cv_names[m], label, "sd", sd[m], k);
		}
		emit_cv(name, "chance_balanced", label, "all", 1.0 / (double)c.n,
		        p->n);
		emit_cv(name, "classes", label, "all", (double)c.n, p->n);
		emit_cv(name, "groups", s->group, "all", (double)g.n, p->n);
		confusion(y, pred, p->n, c.names, c.n, label, name, 1, s);
		/* Each class's groups, so a class tested in fewer folds than
		 * the others shows in the table, not only on stderr. */
		for (size_t j = 0; j < c.n; j++) {
			char *key = mlv_malloc(strlen(label) + strlen(c.names[j]) + 2);
			sprintf(key, "%s=%s", label, c.names[j]);
			size_t rows = 0;
			for (size_t i = 0; i < p->n; i++)
				rows += y[i] == (int32_t)j;
			emit_cv(name, "groups", key, "all", (double)ngroups[j], rows);
			emit_cv(name, "folds", key, "all", (double)nfolds[j], rows);
			free(key);
		}
	}
	if (predictions)
		write_predictions(p, predictions, pred, &c, label,
		                  s->probe.use_knn ? "knn" : "logreg");
	free(v);
	free(fs);
	free(pred);
	free(fold);
	free(ngroups);
	free(nfolds);
	free(gfold);
	if (tracks != gid)
		free(tracks);
	free(gid);
	free(y);
	mlv_classes_free(&c);
	mlv_classes_free(&g);
}

/* Each row's number of --target, dying with the record that has none or
 * whose value is not a number. */
static double *
row_targets(const mlv_points *p, const char *key)
{
	char err[512];
	double *y = mlv_malloc((p->n ? p->n : 1) * sizeof *y);
	if (mlv_values_of_rows(p, key, y, err, sizeof err))
		mlv_die("%s (--target %s)", err, key);
	return y;
}

/* Each row's group of the --within keys together, or NULL without. */
static int32_t *
row_within(const mlv_points *p, const settings *s, size_t *ngroups)
{
	char err[512];
	*ngroups = 0;
	if (!s->nwithin)
		return NULL;
	int32_t *g = mlv_malloc((p->n ? p->n : 1) * sizeof *g);
	if (mlv_groups_of_keys(p, s->withins, s->nwithin, g, ngroups, err,
	                       sizeof err))
		mlv_die("%s (--within %s)", err, s->within);
	return g;
}

/* Spearman's correlation of pred with y within each --within group,
 * as mean and sd over the groups where it is defined. */
static void
emit_within(const double *y, const double *pred, const mlv_points *p,
            const settings *s, const char *name)
{
	size_t ng;
	int32_t *g = row_within(p, s, &ng);
	if (!g)
		return;
	double *rho = mlv_malloc((ng ? ng : 1) * sizeof *rho), mean, sd;
	mlv_spearman_within(y, pred, g, p->n, ng, rho);
	size_t m = mlv_mean_sd(rho, ng, &mean, &sd);
	if (name) {
		emit_cv(name, "spearman_within", s->target, "all", mean, m);
		emit_cv(name, "spearman_within_sd", s->target, "all", sd, m);
	} else {
		emit("spearman_within", s->target, mean, m);
		emit("spearman_within_sd", s->target, sd, m);
	}
	free(rho);
	free(g);
}

/* Ridge regression of --target fitted on --train, scored on the test
 * rows. */
static void
regress(mlv_points *te, const char *input, const settings *s)
{
	char err[512];
	mlv_points tr;
	char *tpath = (char *)s->train;
	mlv_points_read(&tr, &tpath, 1);
	if (!te->n)
		mlv_die("%s: no test rows", input);
	if (te->d != tr.d)
		mlv_die("%s: %zu columns, but the training rows (%s) have %zu",
		        input, te->d, s->train, tr.d);
	if (s->group)
		check_disjoint(&tr, te, s->group);
	double *ya = row_targets(&tr, s->target);
	double *yb = row_targets(te, s->target);
	mlv_ridge m;
	if (mlv_ridge_fit(&m, tr.x, tr.n, tr.d, ya, s->alpha, err, sizeof err))
		mlv_die("%s: %s (--train)", s->train, err);
	double *pred = mlv_malloc(te->n * sizeof *pred);
	mlv_ridge_predict(&m, te->x, te->n, pred);
	emit("r2", s->target, mlv_r2(yb, pred, te->n), te->n);
	emit("spearman", s->target, mlv_spearman(yb, pred, te->n), te->n);
	emit_within(yb, pred, te, s, NULL);
	mlv_ridge_free(&m);
	free(pred);
	free(ya);
	free(yb);
	mlv_points_free(&tr);
}

/* The regression's figures over the folds. */
enum { RV_R2, RV_RHO, RV_WITHIN, NRV };
static const char *const rv_names[NRV] = {"r2", "spearman",
                                          "spearman_within"};

static void
crossval_regress(mlv_points *p, const char *input, const char *name,
                 const settings *s)
{
	char err[512];
	size_t k = s->folds, nw;
	if (!p->n)
		mlv_die("%s: no rows", input);
	double *y = row_targets(p, s->target);
	mlv_classes g;
	int32_t *gid = row_classes(p, s->group, "--group", &g);
	int32_t *gfold = mlv_malloc(g.n * sizeof *gfold);
	if (mlv_group_folds(gid, NULL, p->n, g.n, 0, k, s->seed, gfold, NULL,
	                    err, sizeof err))
		mlv_die("%s: %s (--group %s)", input, err, s->group);
	int32_t *fold = mlv_malloc(p->n * sizeof *fold);
	for (size_t i = 0; i < p->n; i++)
		fold[i] = gfold[gid[i]];
	int32_t *w = row_within(p, s, &nw);
	double *pred = mlv_malloc(p->n * sizeof *pred);
	mlv_fold_regress *fs = mlv_malloc(k * sizeof *fs);
	if (mlv_crossval_regress(p->x, p->n, p->d, y, w, nw, fold, k, s->alpha,
	                         pred, fs, err, sizeof err))
		mlv_die("%s: %s", input, err);
	int nm = w ? NRV : RV_WITHIN;
	double *v = mlv_malloc(NRV * k * sizeof *v), mean[NRV], sd[NRV];
	for (size_t f = 0; f < k; f++) {
		v[RV_R2 * k + f] = fs[f].r2;
		v[RV_RHO * k + f] = fs[f].spearman;
		v[RV_WITHIN * k + f] = fs[f].spearman_within;
	}
	for (int m = 0; m < NRV; m++)
		mlv_mean_sd(v + m * k, k, &mean[m], &sd[m]);
	if (s->table) {
		put_field(name);
		for (int m = 0; m < NRV; m++) {
			tsv_reserve(64);
			tsv_len += (size_t)snprintf(tsv + tsv_len, tsv_cap - tsv_len,
			                            "%.6g\t%.6g\t", mean[m], sd[m]);
		}
		tsv_reserve(64);
		tsv_len += (size_t)snprintf(tsv + tsv_len, tsv_cap - tsv_len,
		                            "%zu\t%zu\n", k, p->n);
	} else {
		for (int m = 0; m < nm; m++) {
			for (size_t f = 0; f < k; f++) {
				char fn[32];
				snprintf(fn, sizeof fn, "%zu", f + 1);
				emit_cv(name, rv_names[m], s->target, fn, v[m * k + f],
				        m == RV_WITHIN ? fs[f].ngroups : fs[f].ntest);
			}
			emit_cv(name, rv_names[m], s->target, "mean", mean[m], k);
			emit_cv(name, rv_names[m], s->target, "sd", sd[m], k);
		}
		emit_cv(name, "groups", s->group, "all", (double)g.n, p->n);
		emit_within(y, pred, p, s, name);
	}
	free(v);
	free(fs);
	free(pred);
	free(w);
	free(fold);
	free(gfold);
	free(gid);
	free(y);
	mlv_classes_free(&g);
}

static void
clusters(const mlv_points *p, const char *input, const char *key)
{
	char err[512];
	if (!p->n)
		mlv_die("%s: no rows to score", input);
	int32_t *ids = mlv_malloc(p->n * sizeof *ids);
	size_t nclusters;
	if (mlv_cluster_ids(p, ids, &nclusters, err, sizeof err))
		mlv_die("%s", err);
	mlv_classes c;
	int32_t *truth = row_classes(p, key, "--truth", &c);
	one_class_check(&c, input, key, "no partition to compare with");
	mlv_partition_scores s;
	mlv_partition_compare(truth, ids, p->n, &s);
	emit("ari", key, s.ari, p->n);
	emit("nmi", key, s.nmi, p->n);
	emit("purity", key, s.purity, p->n);
	emit("clusters", key, (double)nclusters, p->n);
	emit("classes", key, (double)c.n, p->n);
	mlv_classes_free(&c);
	free(truth);
	free(ids);
}

static void
boundaries(const mlv_points *p, const char *input, const char *truth,
           double tolerance)
{
	char err[512];
	mlv_sections sec;
	if (mlv_sections_read(&sec, truth, err, sizeof err))
		mlv_die("%s", err);
	if (!p->nrecs)
		mlv_die("%s: no records to score", input);
	double **ref = mlv_malloc(p->nrecs * sizeof *ref);
	double **est = mlv_malloc(p->nrecs * sizeof *est);
	size_t *nref = mlv_malloc(3 * p->nrecs * sizeof *nref);
	size_t *nest = nref + p->nrecs, *hits = nest + p->nrecs;
	/* Every record is checked before any line is printed. */
	for (size_t r = 0; r < p->nrecs; r++) {
		const mlv_record *rec = &p->recs[r];
		const char *b = mlv_meta_get(rec, "boundaries");
		if (!b)
			mlv_die("%s: no boundaries (records of mlv-simmat --novelty "
			        "have them)", p->where[r]);
		if (mlv_parse_times(b, &est[r], &nest[r], err, sizeof err))
			mlv_die("%s: boundaries %s", p->where[r], err);
		double tol = tolerance;
		if (tol < 0 && (mlv_meta_get_double(rec, "dt", &tol) || !(tol > 0)))
			mlv_die("%s: no dt for the default tolerance (give "
			        "--tolerance)", p->where[r]);
		ref[r] = mlv_malloc((sec.n ? sec.n : 1) * sizeof **ref);
		const char *src = mlv_meta_get(rec, "src");
		const char *id = mlv_meta_get(rec, "id");
		size_t lines = 0;
		/* src names the file; an id such as mlv-spec's is the file
		 * with a fragment */
		if (src && mlv_sections_boundaries(&sec, src, ref[r], &nref[r],
		                                   &lines, err, sizeof err))
			mlv_die("%s: src %s", p->where[r], err);
		if (!lines && id && mlv_sections_boundaries(&sec, id, ref[r],
		                                            &nref[r], &lines, err,
		                                            sizeof err))
			mlv_die("%s: id %s", p->where[r], err);
		if (!lines)
			mlv_die("%s: no line of %s is about %s (a line's file must "
			        "end src or id, or be ended by it, in whole path "
			        "components)", p->where[r], truth,
			        src ? src : id ? id : "this record (no src, no id)");
		hits[r] = mlv_match_events(ref[r], nref[r], est[r], nest[r], tol);
	}
	size_t th = 0, tr = 0, te = 0;
	double pr, re, f;
	for (size_t r = 0; r < p->nrecs; r++) {
		const char *id = mlv_meta_get(&p->recs[r], "id");
		char name[32];
		if (!id) {
			snprintf(name, sizeof name, "record %zu", r + 1);
			id = name;
		}
		mlv_prf(hits[r], nref[r], nest[r], &pr, &re, &f);
		emit("precision", id, pr, nest[r]);
		emit("recall", id, re, nref[r]);
		emit("f_measure", id, f, nref[r] + nest[r]);
		th += hits[r];
		tr += nref[r];
		te += nest[r];
		free(ref[r]);
		free(est[r]);
	}
	mlv_prf(th, tr, te, &pr, &re, &f);
	emit("precision", "all", pr, te);
	emit("recall", "all", re, tr);
	emit("f_measure", "all", f, tr + te);
	free(ref);
	free(est);
	free(nref);
	mlv_sections_free(&sec);
}

/* Parses the subcommand and the options; returns argv from the
 * subcommand on, for optind. */
static char **
parse_options(int argc, char **argv, settings *s)
{
	static const mlv_opt *const options[] = {mlv_opts_label,
	                                         mlv_opts_neighbours,
	                                         eval_options, mlv_opts_seed,
	                                         mlv_opts_jobs,
	                                         mlv_opts_output,
	                                         mlv_opts_common, NULL};
	mlv_opts cli;
	static const struct { unsigned bit; const char *name; } optnames[] = {
		{O_K, "--neighbours"}, {O_LABEL, "--label"},
		{O_METRIC, "--measure"},
		{O_EXCLUDE, "--exclude"}, {O_WITHIN, "--within"},
		{O_TRAIN, "--train"},
		{O_CLASSIFIER, "--classifier"}, {O_C, "--C"}, {O_MAXITER, "--max-iter"},
		{O_NOSTD, "--no-standardize"}, {O_PRED, "--predictions"},
		{O_TRACK, "--track"}, {O_FOLDS, "--folds"}, {O_GROUP, "--group"},
		{O_SEED, "--seed"}, {O_NAME, "--name"}, {O_TABLE, "--table"},
		{O_CONF, "--confusion"}, {O_CONFS, "--confusion-stream"},
		{O_TARGET, "--target"}, {O_ALPHA, "--alpha"},
		{O_TRUTH, "--truth"}, {O_TOL, "--tolerance"},
	};
	memset(s, 0, sizeof *s);
	if (argc < 2 || argv[1][0] == '-') {
		/* Before a subcommand: -h, --help or --version, handled (and
		 * any other option refused) by the parser. */
		mlv_opts_begin(&cli, argc, argv, &about, options);
		while (mlv_opts_next(&cli) != -1)
			continue;
		mlv_usage_error("a subcommand is needed: neighbours, classify, "
		                "regress, clusters or boundaries");
	}
	s->sub = NSUB;
	for (int i = 0; i < NSUB; i++)
		if (!strcmp(argv[1], subnames[i]))
			s->sub = (enum subcommand)i;
	if (s->sub == NSUB)
		mlv_usage_error("%s: unknown subcommand (neighbours, classify, "
		                "regress, clusters or boundaries)", argv[1]);
	/* getopt names argv[0] in its messages: keep it "mlv-eval". */
	argv[1] = argv[0];
	argc--;
	argv++;

	s->output = "-";
	s->labels = mlv_malloc((size_t)argc * sizeof *s->labels);
	s->names = mlv_malloc((size_t)argc * sizeof *s->names);
	s->withins = mlv_malloc((size_t)argc * sizeof *s->withins);
	s->alpha = 1;
	s->probe.kind = MLV_SIM_EUCLIDEAN;
	mlv_logreg_defaults(&s->probe.lo);
	s->header = 1;
	s->probe.nthreads = mlv_default_threads();
	s->tolerance = -1;
	unsigned given = 0;
	int c;
	mlv_opts_begin(&cli, argc, argv, &about, options);
	while ((c = mlv_opts_next(&cli)) != -1) {
		switch (c) {
		case 'n':
			s->probe.k = (size_t)mlv_parse_int(cli.arg, 1, 1LL << 31,
			                             "--neighbours");
			given |= O_K;
			break;
		case OPT_WITHIN:
			/* regress groups by several keys at once */
			s->nwithin = 0;
			for (char *k = cli.arg, *e; k; k = e ? e + 1 : NULL) {
				size_t len = strcspn(k, ",");
				e = k[len] ? k + len : NULL;
				s->withins[s->nwithin] = mlv_malloc(len + 1);
				memcpy(s->withins[s->nwithin], k, len);
				s->withins[s->nwithin][len] = '\0';
				if (!mlv_key_valid(s->withins[s->nwithin++]))
					mlv_usage_error("--within %s: not a metadata key or a "
					                "list of them", cli.arg);
			}
			/* fall through */
		case MLV_OPT_LABEL:
		case OPT_EXCLUDE:
			if (c != OPT_WITHIN && !mlv_key_valid(cli.arg))
				mlv_usage_error("%s %s: not a metadata key", c == MLV_OPT_LABEL ?
				                "--label" : c == OPT_EXCLUDE ? "--exclude" :
				                "--within", cli.arg);
			if (c == MLV_OPT_LABEL)
				s->labels[s->nlabels++] = cli.arg;
			else if (c == OPT_EXCLUDE)
				s->exclude = cli.arg;
			else
				s->within = cli.arg;
			given |= c == MLV_OPT_LABEL ? O_LABEL : c == OPT_EXCLUDE ?
			         O_EXCLUDE : O_WITHIN;
			break;
		case OPT_MEASURE:
			if (mlv_sim_parse(cli.arg, &s->probe.kind))
				mlv_usage_error("--measure %s: unknown measure (euclidean, cosine, "
				                "correlation or dot)", cli.arg);
			given |= O_METRIC;
			break;
		case OPT_TRAIN: s->train = cli.arg; given |= O_TRAIN; break;
		case OPT_CLASSIFIER:
			if (strcmp(cli.arg, "logreg") && strcmp(cli.arg, "knn"))
				mlv_usage_error("--classifier %s: unknown classifier (logreg or knn)",
				                cli.arg);
			s->probe.use_knn = !strcmp(cli.arg, "knn");
			given |= O_CLASSIFIER;
			break;
		case OPT_C:
			s->probe.lo.C = mlv_parse_double(cli.arg, 1e-300, 1e300, "--C");
			given |= O_C;
			break;
		case OPT_MAXITER:
			s->probe.lo.max_iter = (int)mlv_parse_int(cli.arg, 1, 1 << 30,
			                                    "--max-iter");
			given |= O_MAXITER;
			break;
		case OPT_NOSTD: s->probe.lo.standardize = 0; given |= O_NOSTD; break;
		case OPT_PRED: s->predictions = cli.arg; given |= O_PRED; break;
		case OPT_TRACK:
			if (!mlv_key_valid(cli.arg))
				mlv_usage_error("--track %s: not a metadata key", cli.arg);
			s->track = cli.arg;
			given |= O_TRACK;
			break;
		case OPT_GROUP:
			if (!mlv_key_valid(cli.arg))
				mlv_usage_error("--group %s: not a metadata key", cli.arg);
			s->group = cli.arg;
			given |= O_GROUP;
			break;
		case OPT_FOLDS:
			s->folds = (size_t)mlv_parse_int(cli.arg, 2, 1 << 20, "--folds");
			given |= O_FOLDS;
			break;
		case MLV_OPT_SEED:
			s->seed = (uint64_t)mlv_parse_int(cli.arg, 0, INT64_MAX, "--seed");
			given |= O_SEED;
			break;
		case OPT_NAME: s->names[s->nnames++] = cli.arg; given |= O_NAME; break;
		case OPT_TABLE: s->table = 1; given |= O_TABLE; break;
		case OPT_CONF: s->confusion = cli.arg; given |= O_CONF; break;
		case OPT_TARGET:
			if (!mlv_key_valid(cli.arg))
				mlv_usage_error("--target %s: not a metadata key", cli.arg);
			s->target = cli.arg;
			given |= O_TARGET;
			break;
		case OPT_ALPHA:
			s->alpha = mlv_parse_double(cli.arg, 0, 1e300, "--alpha");
			given |= O_ALPHA;
			break;
		case OPT_CONFS: s->confusion_stream = cli.arg; given |= O_CONFS; break;
		case OPT_TRUTH: s->truth = cli.arg; given |= O_TRUTH; break;
		case OPT_TOL:
			s->tolerance = mlv_parse_double(cli.arg, 0, 1e300, "--tolerance");
			given |= O_TOL;
			break;
		case OPT_NOHEADER: s->header = 0; break;
		case 'j': s->probe.nthreads = mlv_parse_jobs(cli.arg); given |= O_JOBS; break;
		case 'o': s->output = cli.arg; break;
		}
	}
	for (size_t i = 0; i < sizeof optnames / sizeof *optnames; i++)
		if (given & optnames[i].bit & ~allowed[s->sub])
			mlv_usage_error("%s does not go with %s", optnames[i].name,
			                subnames[s->sub]);
	if ((s->sub == NEIGHBOURS || s->sub == CLASSIFY) && !s->nlabels)
		mlv_usage_error("%s needs --label KEY", subnames[s->sub]);
	if (s->sub == CLASSIFY && s->nlabels > 1)
		mlv_usage_error("classify predicts one --label");
	if ((s->sub == CLASSIFY || s->sub == REGRESS) && !s->train == !s->folds)
		mlv_usage_error("%s needs --train FILE or --folds K, not both",
		                subnames[s->sub]);
	if (s->sub == REGRESS && !s->target)
		mlv_usage_error("regress needs --target KEY");
	if (s->sub == NEIGHBOURS && s->nwithin > 1)
		mlv_usage_error("--within %s: neighbours takes one key", s->within);
	if (s->folds && !s->group)
		mlv_usage_error("--folds needs --group KEY (the tracks, dealt whole "
		                "to folds)");
	if (!s->folds && (given & (O_SEED | O_NAME | O_TABLE)))
		mlv_usage_error("--seed, --name and --table go with --folds");
	if ((s->sub == CLUSTERS || s->sub == BOUNDARIES) && !s->truth)
		mlv_usage_error("%s needs --truth", subnames[s->sub]);
	if (s->sub == CLUSTERS && !mlv_key_valid(s->truth))
		mlv_usage_error("--truth %s: not a metadata key", s->truth);
	if (!s->probe.k)
		s->probe.k = s->sub == NEIGHBOURS ? 10 : 5;

	return argv;
}

int
main(int argc, char **argv)
{
	settings s;
	mlv_init(argv);
	mlv_blas_check_room();
	argv = parse_options(argc, argv, &s);
	argc--;

	int ninputs = argc - optind;
	int cv = (s.sub == CLASSIFY || s.sub == REGRESS) && s.folds;
	if (s.nnames && s.nnames != (size_t)(ninputs ? ninputs : 1))
		mlv_usage_error("%zu --name for %d input%s: one per input", s.nnames,
		                ninputs ? ninputs : 1, ninputs == 1 ? "" : "s");
	if (cv && (s.predictions || s.confusion || s.confusion_stream) &&
	    ninputs > 1)
		mlv_usage_error("--predictions and --confusion take one input with "
		                "--folds");

	/* Both outputs are opened first, to fail before the work, and
	 * committed together at the end: a failed run leaves neither. */
	mlv_writer *w = mlv_writer_open_text_or_die(s.output);
	mlv_writer *pw = s.predictions ? mlv_writer_open_or_die(s.predictions) :
	                 NULL;
	s.pw = pw;
	s.cw = s.confusion ? mlv_writer_open_text_or_die(s.confusion) : NULL;
	s.csw = s.confusion_stream ?
	        mlv_writer_open_or_die(s.confusion_stream) : NULL;
	if (s.header) {
		tsv = mlv_strdup(!cv ? "metric\tkey\tvalue\tn\n" :
		                 s.table && s.sub == REGRESS ?
		                 "name\tr2\tr2_sd\tspearman\tspearman_sd\t"
		                 "spearman_within\tspearman_within_sd\tfolds\t"
		                 "rows\n" : s.table ?
		                 "name\taccuracy\taccuracy_sd\tbalanced_accuracy\t"
		                 "balanced_accuracy_sd\ttrack_accuracy\t"
		                 "track_accuracy_sd\tmajority_baseline\t"
		                 "majority_baseline_sd\tchance_balanced\tfolds\t"
		                 "rows\n" :
		                 "name\tmetric\tkey\tfold\tvalue\tn\n");
		tsv_len = strlen(tsv);
		tsv_cap = tsv_len + 1;
	}
	mlv_points p;
	/* Cross-validation scores each input on its own (one embedding
	 * each); the other subcommands take all rows as one set. */
	for (int i = 0; cv && i < (ninputs ? ninputs : 1); i++) {
		char *path = ninputs ? argv[optind + i] : "-";
		const char *input = strcmp(path, "-") ? path : "<stdin>";
		mlv_points_read(&p, &path, 1);
		if (s.sub == REGRESS)
			crossval_regress(&p, input, s.nnames ? s.names[i] : input, &s);
		else
			crossval(&p, input, s.nnames ? s.names[i] : input, &s, pw);
		mlv_points_free(&p);
	}
	if (!cv)
		mlv_points_read(&p, argv + optind, ninputs);
	const char *input = optind < argc ? argv[optind] : "<stdin>";
	switch (cv ? NSUB : s.sub) {
	case NEIGHBOURS:
		neighbours(&p, input, s.labels, s.nlabels, s.exclude, s.within,
		           s.probe.kind, s.probe.k, s.probe.nthreads);
		break;
	case CLASSIFY:
		classify(&p, input, &s, pw);
		break;
	case REGRESS:
		regress(&p, input, &s);
		break;
	case CLUSTERS:
		clusters(&p, input, s.truth);
		break;
	case BOUNDARIES:
		boundaries(&p, input, s.truth, s.tolerance);
		break;
	case NSUB:
		break;
	}
	mlv_write_bytes_or_die(w, tsv, tsv_len);
	if (pw)
		mlv_writer_close_or_die(pw);
	if (s.cw)
		mlv_writer_close_or_die(s.cw);
	if (s.csw)
		mlv_writer_close_or_die(s.csw);
	mlv_writer_close_or_die(w);
	if (!cv)
		mlv_points_free(&p);
	free(s.labels);
	free(s.names);
	for (size_t i = 0; i < s.nwithin; i++)
		free(s.withins[i]);
	free(s.withins);
	free(tsv);
	return 0;
}
