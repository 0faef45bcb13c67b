/* mapfit.h - new points onto a finished t-SNE or UMAP map.
 *
 * A map fit keeps what placing new points needs: the reference rows, their
 * map, and the parameters of the run that made it.  New points are then
 * placed against the fixed reference, never moving it, so a library's map
 * grows track by track without being redrawn:
 *
 *   t-SNE as openTSNE's transform (Poličar, Stražar and Zupan, "openTSNE:
 *   a modular Python library for t-SNE dimensionality reduction and
 *   embedding", 2019; TSNEEmbedding.prepare_partial and transform): each
 *   new point's affinities to its floor(3 perplexity) nearest reference
 *   points, calibrated to the fit's perplexity (openTSNE's transform
 *   defaults to 5, which kept fewer neighbours in our tests: 10-NN
 *   preservation 0.31 against 0.34 on tests/test-mapfit.c's mixture)
 *   and normalised per point; the point starts at
 *   the affinity-weighted mean of those neighbours' positions and
 *   descends the gradient of its own KL divergence against the fixed
 *   reference map (no exaggeration, momentum, the gradient's norm clipped
 *   as openTSNE's max_grad_norm), its repulsion by Barnes-Hut over the
 *   map (theta 0.5).  The KL divergence is the point's own, its q
 *   normalised over its own kernel sum: openTSNE normalises the
 *   repulsion by the sum over all new points, which weakens it as more
 *   points are placed together and kept fewer neighbours here (0.316
 *   against 0.337).
 *
 *   UMAP as uwot's umap_transform (McInnes, Healy and Melville 2018;
 *   jlmelville/uwot R/transform.R): memberships to the fit's n_neighbors
 *   - 1 nearest reference points by the fit's smooth kNN, the start at
 *   the membership-weighted mean of their positions, then the fit's SGD
 *   on the new points only, with negative samples drawn from the
 *   reference, for a third of the fit's epochs at a quarter of its
 *   learning rate (uwot's defaults).  Unlike uwot, at half the fit's
 *   negative sample rate, the balance of pull and push a point feels in
 *   the fit, where it is pulled as both ends of its edges: 10-NN
 *   preservation of held-out points 0.223 against uwot's 0.185 on
 *   tests/test-mapfit.c's mixture (0.214 against 0.196 to 0.220 against
 *   0.210 on five samples; 0.072 against 0.055 with 2,000 points placed
 *   on 10,000 of a 16-d mixture, 0.085 joint).
 *
 * New points never see one another, so each is placed on its own: the
 * result is the same for any thread count, and for UMAP for a seed.
 */
#ifndef MLV_MAPFIT_H
#define MLV_MAPFIT_H

#include <stddef.h>
#include <stdint.h>

typedef enum { MLV_MAPFIT_TSNE, MLV_MAPFIT_UMAP } mlv_mapfit_kind;

typedef struct {
	mlv_mapfit_kind kind;
	size_t n, d, dims;  /* reference points, their columns, map columns */
	float *x;           /* n x d reference rows */
	float *y;           /* n x dims their map */
	double perplexity;  /* t-SNE: the fit's */
	size_t n_neighbors; /* UMAP: the fit's, counting the point itself */
	double min_dist, spread;     /* UMAP: the fit's curve */
	int n_epochs;                /* UMAP: epochs the fit ran */
	double learning_rate;        /* UMAP: the fit's */
	double negative_sample_rate; /* UMAP: the fit's */
} mlv_mapfit;

/* The kind's name in fit files and messages: "tsne" or "umap". */
const char *mlv_mapfit_kind_name(mlv_mapfit_kind kind);

/* Save f to path as an MLV stream of two records, both kind=mapfit with
 * method=tsne|umap and the parameters above as keys (man/mlv-project.1,
 * FIT FILES): id=map.reference (n x d, the reference rows) and
 * id=map.embedding (n x dims, their map).  Dies with one line on a write
 * error, as the stream writers do. */
void mlv_mapfit_save(const char *path, const mlv_mapfit *f);

/* Load a fit saved by mlv_mapfit_save into f (owning new arrays; release
 * with mlv_mapfit_free).  Dies with one line naming path for a file that
 * is not such a fit, or whose records do not agree. */
void mlv_mapfit_load(const char *path, mlv_mapfit *f);
/* The method of the map fit saved at path, read from its first header,
 * so that --apply needs no -m; -1 when path holds no map fit (a PCA fit,
 * or anything else, which the caller's own loader then names). */
int mlv_mapfit_kind_of(const char *path);
void mlv_mapfit_free(mlv_mapfit *f);

typedef struct {
	double perplexity;    /* t-SNE: 0, the fit's */
	int n_iter;           /* t-SNE iterations, UMAP epochs; -1: 250 for
	                       * t-SNE, a third of the fit's (at least 1) for
	                       * UMAP; 0: the starting places only */
	double learning_rate; /* 0: t-SNE 1, UMAP a quarter of the fit's */
	uint64_t seed;        /* UMAP's negative samples */
	int nthreads;         /* <= 0: all cores; does not change results */
} mlv_transform_opts;

void mlv_transform_defaults(mlv_transform_opts *o);
/* Replace o's "the default" values (0 and -1 above) by what f's kind
 * uses, so a caller can record them. */
void mlv_transform_resolve(const mlv_mapfit *f, mlv_transform_opts *o);

/* Place the m x f->d rows of q on f's map: out gets m x f->dims.  Memory:
 * the m x K neighbours (K = floor(3 perplexity) or n_neighbors - 1) and
 * O(m) besides.  Time: t-SNE O(m log n) per iteration, UMAP O(m K) per
 * epoch, after the neighbour search (knn.h).  Returns 0, or -1 with a
 * message in err for bad options, too few reference points, or a value of
 * q that is not finite. */
int mlv_mapfit_transform(const mlv_mapfit *f, const float *q, size_t m,
                         const mlv_transform_opts *o, float *out, char *err,
                         size_t errlen);

#endif
