/* eval.h - the numbers of the experiments: labels of rows
 * (labels.h), neighbour agreement (neighbours.h), probe classifiers
 * (classify.h), regression probes (regress.h), their group k-fold
 * cross-validation (crossval.h) and section-boundary scores
 * (boundaries.h), one header each; cluster scores are partition.h's.
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

#include "boundaries.h"
#include "classify.h"
#include "crossval.h"
#include "labels.h"
#include "neighbours.h"
#include "regress.h"

#endif
