/* classify.h - probe classifiers (logistic regression,
 * k-NN) and their scores.
 * The conventions of labels, rows and errors are eval.h's.
 */
#ifndef MLV_CLASSIFY_H
#define MLV_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "optim.h"
#include "simmat.h"

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
int mlv_track_accuracy(const int32_t *truth, const int32_t *pred,
                       const int32_t *track, size_t n, size_t nclasses,
                       double *accuracy, size_t *ntracks, size_t conflict[2]);
/* The most frequent class of y, the lowest on ties (scikit-learn's
 * DummyClassifier(strategy='most_frequent')). */
int32_t mlv_majority_class(const int32_t *y, size_t n, size_t nclasses);

#endif
