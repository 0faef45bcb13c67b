/* neighbours.h - leave-one-out nearest-neighbour agreement
 * and its chance level.
 * The conventions of labels, rows and errors are eval.h's.
 */
#ifndef MLV_NEIGHBOURS_H
#define MLV_NEIGHBOURS_H

#include <stddef.h>
#include <stdint.h>

#include "simmat.h"

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

#endif
