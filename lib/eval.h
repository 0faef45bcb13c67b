/* eval.h - the numbers of the experiments: neighbour agreement, probe
 * classifiers, cluster and section-boundary scores.
 *
 * MusicLatentVIS (2020) judges a latent space by how often a note's ten
 * nearest neighbours share its pitch, instrument or loudness (task T1),
 * and by whether the self-similarity of segment latents shows a piece's
 * sections (T2); Symphony2vec classifies the composer of 10-second clip
 * embeddings with a logistic regression, tracks split between training
 * and test.  mlv-eval prints these numbers; this module computes them.
 *
 * Labels are per-record metadata (label.pitch=60): every row of a record
 * has its record's class.  Rows are float32, row-major, and must be
 * finite (mlv_points_read checks).  Functions that can fail return -1
 * with a message in err[errlen] (err may be NULL) and never print or
 * exit.  Nothing depends on the thread count.
 */
#ifndef MLV_EVAL_H
#define MLV_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "optim.h"
#include "points.h"
#include "simmat.h"

/* ---- class labels ------------------------------------------------- */

/* The distinct values of a metadata key, sorted by strcmp: class c is
 * names[c], the order scikit-learn gives string labels (classes_). */
typedef struct {
	char **names;
	size_t n;
} mlv_classes;

/* The values of key over the records of p that have rows.  -1 with a
 * message naming the first record without key. */
int mlv_classes_collect(mlv_classes *c, const mlv_points *p, const char *key,
                        char *err, size_t errlen);
/* The class of name, or -1. */
int32_t mlv_classes_find(const mlv_classes *c, const char *name);
/* out[p->n]: each row's class, -1 for a value that is not in c.  -1 with
 * a message for a record without key. */
int mlv_classes_of_rows(const mlv_classes *c, const mlv_points *p,
                        const char *key, int32_t *out, char *err,
                        size_t errlen);
void mlv_classes_free(mlv_classes *c);

/* ---- nearest-neighbour agreement ---------------------------------- */

/* nbr (n x k): for each of the n rows of x (n x d), its k closest other
 * rows by the measure kind, closest first with equal values in row
 * order (mlv_sim_topk's order).  With group (n ids, e.g. the class of
 * label.track), rows of a row's own group are passed over: a clip is
 * never judged by clips of its own track.  Each row first gets a few
 * candidates beyond k (at most 2k + 64 more); the rows whose group
 * takes them all are searched again among the rows outside their group,
 * so a large group costs no more than a small one.  -1 with a message
 * for k == 0, k >= n, a row with fewer than k rows outside its group,
 * or what mlv_sim_topk refuses. */
int mlv_neighbours(mlv_sim_kind kind, const float *x, size_t n, size_t d,
                   size_t k, const int32_t *group, uint32_t *nbr,
                   int nthreads, char *err, size_t errlen);

/* mlv_neighbours within each class of `within` (n classes, or NULL for
 * one class of all rows): a row's neighbours are only rows of its own
 * within-class, e.g. notes of its pitch, to ask whether the nearest notes
 * of the same pitch have the same instrument when pitch dominates the
 * space.  nbr holds indices into all n rows.  -1 with a message naming
 * a row (an index into all n rows) when its within-class has too few
 * rows for k. */
int mlv_neighbours_within(mlv_sim_kind kind, const float *x, size_t n,
                          size_t d, size_t k, const int32_t *within,
                          const int32_t *group, uint32_t *nbr, int nthreads,
                          char *err, size_t errlen);

/* out[n]: how many rows each row may take its neighbours from: those of
 * its class of within (NULL: all rows) outside its group (NULL: other
 * than itself).  mlv_neighbours_within needs k of them for every row. */
void mlv_comparable_rows(const int32_t *within, const int32_t *group,
                         size_t n, size_t *out);

/* The majority class among the k rows nbr[0..k) of labels (in
 * 0..nclasses-1); of classes with equal counts, the one whose first
 * member comes first, i.e. the nearest.  counts: nclasses scratch.
 * -1 for k == 0. */
int32_t mlv_vote(const uint32_t *nbr, size_t k, const int32_t *labels,
                 size_t nclasses, uint32_t *counts);

typedef struct {
	double agreement; /* mean over rows of the fraction of its k
	                   * neighbours of its own class */
	double accuracy;  /* fraction of rows whose neighbours' vote
	                   * (mlv_vote) is their class */
} mlv_knn_scores;

/* Leave-one-out scores of the neighbours nbr (n x k, k >= 1, from
 * mlv_neighbours) for labels (n classes in 0..nclasses-1); NaN for
 * n == 0. */
void mlv_knn_score(const uint32_t *nbr, size_t n, size_t k,
                   const int32_t *labels, size_t nclasses, mlv_knn_scores *s);

/* The agreement random neighbours would have: the mean over rows of the
 * fraction of the rows it may be compared with (all others, or those
 * outside its group) that share its class.  Without groups that is
 * sum over classes of p_c (n_c - 1) / (n - 1), p_c = n_c / n.  NaN when
 * some row has no row to be compared with. */
double mlv_chance_agreement(const int32_t *labels, const int32_t *group,
                            size_t n);
/* The same when rows are compared only within their class of `within`
 * (NULL: mlv_chance_agreement). */
double mlv_chance_agreement_within(const int32_t *labels,
                                   const int32_t *group,
                                   const int32_t *within, size_t n);

/* ---- classifiers -------------------------------------------------- */

/* Standardisation as scikit-learn's StandardScaler: mean and population
 * standard deviation of each column of the n x d rows of x (scale 1 for
 * a column that is constant up to rounding).  Fitted on training rows,
 * applied to training and test rows alike. */
void mlv_standardize_fit(const float *x, size_t n, size_t d, double *mean,
                         double *scale);
void mlv_standardize_apply(const double *mean, const double *scale,
                           float *x, size_t n, size_t d);

typedef struct {
	double C;        /* inverse of the penalty's strength, > 0 (1) */
	int max_iter;    /* L-BFGS iterations (2000) */
	double tol;      /* converged when no partial derivative of the
	                  * objective divided by the rows exceeds tol (1e-6);
	                  * or when L-BFGS can no longer lower it */
	int standardize; /* standardise the columns first (1) */
} mlv_logreg_opts;

void mlv_logreg_defaults(mlv_logreg_opts *o);

/* Multinomial logistic regression with an L2 penalty, the objective of
 * scikit-learn's LogisticRegression(C=C, multi_class='multinomial',
 * solver='lbfgs'):
 *
 *   sum over rows i of -log softmax(W x_i + b)[y_i]  +  |W|^2 / (2 C)
 *
 * (the intercepts b are not penalised), x_i standardised when asked,
 * minimised by L-BFGS in double from W = 0, b = 0. */
typedef struct {
	size_t d, nclasses;
	double *mean, *scale;   /* d each: x -> (x - mean) / scale, the
	                         * training rows' mean and std (scale 1
	                         * without standardisation: the columns are
	                         * still centred, which changes nothing but
	                         * the conditioning, b being unpenalised) */
	double *coef;           /* nclasses x d, acting on (x - mean) / scale */
	double *intercept;      /* nclasses, summing to 0 */
	double objective;       /* at the solution */
	mlv_lbfgs_result fit;   /* how L-BFGS ended */
} mlv_logreg;

/* Fit on x (n x d) and y (n classes in 0..nclasses-1, each class with at
 * least one row).  -1 with a message for n == 0, d == 0, fewer than 2
 * classes, a class without rows, a label out of range or bad options.
 * m->fit.status is MLV_LBFGS_MAX_ITER when max_iter ran out first.
 * Free m with mlv_logreg_free, also after a failure. */
int mlv_logreg_fit(mlv_logreg *m, const float *x, size_t n, size_t d,
                   const int32_t *y, size_t nclasses,
                   const mlv_logreg_opts *o, char *err, size_t errlen);
/* pred[n]: the class of largest decision value W x + b, the lowest class
 * on ties (numpy's argmax). */
void mlv_logreg_predict(const mlv_logreg *m, const float *x, size_t n,
                        int32_t *pred);
void mlv_logreg_free(mlv_logreg *m);

/* The objective above at w = W (nclasses x d, row-major) followed by b
 * (nclasses), for rows x (n x d, already standardised), with its
 * gradient in grad ((d + 1) nclasses values; may be NULL). */
double mlv_logreg_loss(const double *w, const double *x, size_t n, size_t d,
                       const int32_t *y, size_t nclasses, double C,
                       double *grad);

/* k-nearest-neighbour classification: pred[nt] for the nt rows of test
 * (nt x d) by the vote (mlv_vote) of their k closest rows of train
 * (n x d, classes y).  -1 with a message for k == 0 or k > n, or what
 * mlv_sim_topk refuses. */
int mlv_knn_classify(mlv_sim_kind kind, const float *train, size_t n,
                     const int32_t *y, size_t nclasses, const float *test,
                     size_t nt, size_t d, size_t k, int32_t *pred,
                     int nthreads, char *err, size_t errlen);

/* Scores of predictions pred against truth, both n classes in
 * 0..nclasses-1 (a true class may have no predictions):
 *   accuracy           fraction of rows predicted right
 *   balanced accuracy  mean over the classes present in truth of the
 *                      fraction of their rows predicted right
 *                      (scikit-learn's balanced_accuracy_score)
 * n == 0 gives NaN. */
void mlv_classify_score(const int32_t *truth, const int32_t *pred, size_t n,
                        size_t nclasses, double *accuracy, double *balanced);
/* Clip-level predictions scored per track: the fraction of the
 * *ntracks tracks (track: n ids >= 0 of rows, e.g. of their recording)
 * whose rows' majority prediction is their class; ties go to the class
 * predicted first in row order.  NaN for n == 0.  -1 when a track's
 * rows differ in class, with two such rows in conflict. */
/* track[p->n]: each row's track, numbered by the sorted names: the
 * record's value of key, or without key (NULL) its src, else its id
 * without a "#..." fragment (mlv-spec's clips of one file), else the
 * record alone; *ntracks gets how many.  -1 with a message naming a
 * record without key. */
int mlv_tracks_of_rows(const mlv_points *p, const char *key, int32_t *track,
                       size_t *ntracks, char *err, size_t errlen);
int mlv_track_accuracy(const int32_t *truth, const int32_t *pred,
                       const int32_t *track, size_t n, size_t nclasses,
                       double *accuracy, size_t *ntracks, size_t conflict[2]);
/* The most frequent class of y, the lowest on ties (scikit-learn's
 * DummyClassifier(strategy='most_frequent')). */
int32_t mlv_majority_class(const int32_t *y, size_t n, size_t nclasses);

/* ---- clusters ----------------------------------------------------- */

/* ids[p->n]: the cluster ids of records written by mlv-cluster
 * (kind=cluster, one column of integers; -1 is noise) and, in
 * *nclusters, how many distinct ids there are.  -1 with a message
 * naming the record otherwise. */
int mlv_cluster_ids(const mlv_points *p, int32_t *ids, size_t *nclusters,
                    char *err, size_t errlen);

/* ---- section boundaries ------------------------------------------- */

/* The size of a maximum one-to-one matching of estimated to reference
 * event times, a pair matching when |est - ref| <= tol: what
 * mir_eval.util.match_events counts (a maximum bipartite matching, not a
 * greedy one, which can pair an estimate with the wrong reference and
 * leave another unmatched). */
size_t mlv_match_events(const double *ref, size_t nref, const double *est,
                        size_t nest, double tol);

/* Precision hits/nest, recall hits/nref and their harmonic mean; each 0
 * when its denominator is (mir_eval.segment.detection's convention). */
void mlv_prf(size_t hits, size_t nref, size_t nest, double *precision,
             double *recall, double *f);

/* Comma-separated numbers ("30,90.5,130"; "" is none) into *out
 * (malloc'd, NULL when none) and *n.  -1 with a message for text that
 * is not such a list or a value that is not finite. */
int mlv_parse_times(const char *text, double **out, size_t *n, char *err,
                    size_t errlen);

/* Section annotations: a TSV file whose header names a path column
 * ("file" or "path") and a start-time column ("start_s" or "start", in
 * seconds), one line per section. */
typedef struct {
	char **file;
	double *start;
	size_t n;
} mlv_sections;

/* -1 with a message naming the file and line for a missing column, a
 * short line or a start that is not a number. */
int mlv_sections_read(mlv_sections *s, const char *path, char *err,
                      size_t errlen);
/* The reference boundaries of one recording: the section starts above 0
 * of the lines about name (a path or an id; a "#..." fragment after the
 * last slash, such as mlv-spec's "#t=0,10", is ignored), sorted, without
 * repeats, into out (room for s->n values) and *nout; *nlines gets the
 * number of those lines (0: the file is not annotated).  A line is about
 * name when the shorter of its path and name is a trailing part of the
 * other in whole components (disc1/01.wav of /m/disc1/01.wav, not of
 * /m/disc2/01.wav; sub/p2.wav is not /b/p2.wav); of several files, the
 * one sharing the most components.  -1 with a message naming them when
 * several different files share the most. */
int mlv_sections_boundaries(const mlv_sections *s, const char *name,
                            double *out, size_t *nout, size_t *nlines,
                            char *err, size_t errlen);
void mlv_sections_free(mlv_sections *s);

#endif
