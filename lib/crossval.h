/* crossval.h - group-aware k-fold cross-validation of probe classifiers.
 * The conventions of labels, rows and errors are eval.h's.
 *
 * Symphony2vec's own code split clips, not tracks, so clips of one piece
 * were on both sides; here whole groups (tracks) are dealt to folds, and
 * every step that learns from data (the scaler, the classifier) sees the
 * training folds only.
 */
#ifndef MLV_CROSSVAL_H
#define MLV_CROSSVAL_H

#include <stddef.h>
#include <stdint.h>

#include "classify.h"

/* fold[ngroups]: the test fold, 0..k-1, of each group of rows (group: n
 * ids in 0..ngroups-1, every id used; cls: the rows' classes in
 * 0..nclasses-1, or NULL for one class).  Stratified by class where the
 * groups allow, as scikit-learn's StratifiedGroupKFold aims to be: a
 * group's class is the most frequent class of its rows (the lowest on
 * ties); the groups of each class, in an order shuffled by seed, are
 * dealt to the folds in turn, each class starting at the fold after the
 * last one the previous class was dealt to, so every fold tests every
 * class with at least k groups and the folds get about as many groups.
 * ngroups_of[nclasses] (may be NULL) gets how many groups hold rows of
 * each class; a class in fewer than k groups is tested in that many
 * folds at most.
 * -1 with a message when there are fewer than k groups or k < 2. */
int mlv_group_folds(const int32_t *group, const int32_t *cls, size_t n,
                    size_t ngroups, size_t nclasses, size_t k, uint64_t seed,
                    int32_t *fold, size_t *ngroups_of, char *err,
                    size_t errlen);

/* nfolds[nclasses]: how many of the k folds test rows of each class (y:
 * n classes, fold: their n folds). */
void mlv_folds_of_classes(const int32_t *y, const int32_t *fold, size_t n,
                          size_t nclasses, size_t k, size_t *nfolds);

/* Sample mean and standard deviation (divided by m - 1; 0 for m == 1) of
 * the m finite values of v[n], NaN (undefined scores) left out; NaN
 * when there are none.  Returns m. */
size_t mlv_mean_sd(const double *v, size_t n, double *mean, double *sd);

/* The probe: multinomial logistic regression (classify.h) or k-NN, after
 * standardisation with the training rows' mean and std when lo.standardize. */
typedef struct {
	int use_knn;
	size_t k;            /* k-NN's neighbours */
	mlv_sim_kind kind;   /* k-NN's measure */
	mlv_logreg_opts lo;
	int nthreads;
} mlv_probe_opts;

/* Fit on train (n x d, classes y in 0..nclasses-1) and predict pred[nt]
 * for test (nt x d), in the same numbering; classes without training
 * rows are never predicted.  *not_converged is set when L-BFGS ran out of
 * iterations.  Neither input is changed.  -1 with a message for fewer
 * than 2 training classes, k-NN's k above the training rows, or what the
 * classifier refuses. */
int mlv_probe_classify(const mlv_probe_opts *o, const float *train, size_t n,
                       const int32_t *y, size_t nclasses, const float *test,
                       size_t nt, size_t d, int32_t *pred, int *not_converged,
                       char *err, size_t errlen);

/* One fold's figures: on its test rows, accuracy, balanced accuracy,
 * track accuracy (majority vote of each track's rows), and the accuracy
 * of predicting the training folds' most frequent class. */
typedef struct {
	double accuracy, balanced, track_accuracy, majority;
	size_t ntrain, ntest, ntracks;
	int not_converged;
} mlv_fold_scores;

/* Cross-validate the probe: for each fold f of fold_of_row (n values in
 * 0..k-1), fit on the other folds' rows of x (n x d, classes y) and
 * predict fold f's, into pred[n] and s[f].  track: n ids >= 0 (each
 * track's rows of one class, as mlv_track_accuracy needs).  -1 with a
 * message naming the fold when a fit fails or a fold is empty. */
int mlv_crossval_classify(const mlv_probe_opts *o, const float *x, size_t n,
                          size_t d, const int32_t *y, size_t nclasses,
                          const int32_t *track, const int32_t *fold_of_row,
                          size_t k, int32_t *pred, mlv_fold_scores *s,
                          char *err, size_t errlen);

/* One fold of a regression probe: on its test rows, R^2 and Spearman's
 * correlation of prediction and target, over all of them and (the mean
 * over groups where it is defined) within each group. */
typedef struct {
	double r2, spearman, spearman_within;
	size_t ntest, ngroups;
} mlv_fold_regress;

/* Cross-validate ridge regression (regress.h) of targets y[n] on x
 * (n x d) over the k folds of fold_of_row: pred[n] gets each row's
 * prediction by the fit on the other folds, s[k] the folds' scores, with
 * within (n ids in 0..nwithin-1, or NULL) the groups.  -1 with a message
 * naming the fold when a fit fails or a fold is empty. */
int mlv_crossval_regress(const float *x, size_t n, size_t d, const double *y,
                         const int32_t *within, size_t nwithin,
                         const int32_t *fold_of_row, size_t k, double alpha,
                         double *pred, mlv_fold_regress *s, char *err,
                         size_t errlen);

/* m[nclasses x nclasses]: m[t * nclasses + p] counts the rows of true
 * class t predicted p. */
void mlv_confusion(const int32_t *truth, const int32_t *pred, size_t n,
                   size_t nclasses, size_t *m);

#endif
