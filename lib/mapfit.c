/* mapfit.c - see mapfit.h
 *
 * References, read for the method (no code copied):
 *   [OT] openTSNE, pavlin-policar/openTSNE: openTSNE/tsne.py
 *        (TSNEEmbedding.transform, prepare_partial, PartialTSNEEmbedding)
 *        and openTSNE/affinity.py (PerplexityBasedNN.to_new).
 *   [UW] uwot, jlmelville/uwot: R/transform.R (umap_transform) and
 *        inst/include/uwot/gradient.h.
 */
#include "mapfit.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "knn.h"
#include "pool.h"
#include "rng.h"
#include "stream.h"
#include "tsne.h"
#include "umap.h"
#include "util.h"

static const char *const kind_names[] = {"tsne", "umap"};

const char *
mlv_mapfit_kind_name(mlv_mapfit_kind kind)
{
	return kind_names[kind];
}

/* ---- the fit file ------------------------------------------------------ */

static void
set_params(mlv_record *r, const mlv_mapfit *f, const char *id)
{
	mlv_meta_clear(r);
	mlv_meta_set(r, "id", id);
	mlv_meta_set(r, "kind", "mapfit");
	mlv_meta_set(r, "method", kind_names[f->kind]);
	if (f->kind == MLV_MAPFIT_TSNE) {
		mlv_meta_setf(r, "perplexity", "%.17g", f->perplexity);
		return;
	}
	mlv_meta_setf(r, "neighbors", "%zu", f->n_neighbors);
	mlv_meta_setf(r, "min_dist", "%.17g", f->min_dist);
	mlv_meta_setf(r, "spread", "%.17g", f->spread);
	mlv_meta_setf(r, "epochs", "%d", f->n_epochs);
	mlv_meta_setf(r, "learning_rate", "%.17g", f->learning_rate);
	mlv_meta_setf(r, "negative_rate", "%.17g", f->negative_sample_rate);
}

void
mlv_mapfit_save(const char *path, const mlv_mapfit *f)
{
	mlv_writer *w = mlv_writer_open_or_die(path);
	mlv_record r;
	mlv_record_init(&r);
	set_params(&r, f, "map.reference");
	r.rows = f->n;
	r.cols = f->d;
	if (mlv_write_header(w, &r) || mlv_write_floats(w, f->x, f->n * f->d))
		mlv_writer_die(w);
	set_params(&r, f, "map.embedding");
	r.cols = f->dims;
	if (mlv_write_header(w, &r) ||
	    mlv_write_floats(w, f->y, f->n * f->dims))
		mlv_writer_die(w);
	mlv_writer_close_or_die(w);
	mlv_record_free(&r);
}

static double
get_num(const char *path, const mlv_record *r, const char *key, double min,
        double max)
{
	double v;
	if (mlv_meta_get_double(r, key, &v) || !(v >= min && v <= max))
		mlv_die("%s: %s: missing or out of range (a fit saved by "
		        "mlv-project --fit)", path, key);
	return v;
}

int
mlv_mapfit_kind_of(const char *path)
{
	mlv_reader *rd = mlv_reader_open(path);
	if (!rd)
		return -1;
	mlv_record r;
	mlv_record_init(&r);
	int kind = -1;
	const char *k, *m;
	if (mlv_read(rd, &r) == 1 && (k = mlv_meta_get(&r, "kind")) &&
	    !strcmp(k, "mapfit") && (m = mlv_meta_get(&r, "method")))
		kind = !strcmp(m, "tsne") ? MLV_MAPFIT_TSNE :
		       !strcmp(m, "umap") ? MLV_MAPFIT_UMAP : -1;
	mlv_record_free(&r);
	mlv_reader_close(rd);
	return kind;
}

void
mlv_mapfit_load(const char *path, mlv_mapfit *f)
{
	static const char *const ids[] = {"map.reference", "map.embedding"};
	memset(f, 0, sizeof *f);
	mlv_reader *rd = mlv_reader_open_or_die(path);
	mlv_record r[2];
	for (int i = 0; i < 2; i++) {
		mlv_record_init(&r[i]);
		const char *id, *kind;
		if (!mlv_read_or_die(rd, &r[i]) ||
		    !(kind = mlv_meta_get(&r[i], "kind")) ||
		    strcmp(kind, "mapfit") || !(id = mlv_meta_get(&r[i], "id")) ||
		    strcmp(id, ids[i]))
			mlv_die("%s: record %d: not a t-SNE or UMAP fit (expected "
			        "%s, kind=mapfit, as mlv-project -m tsne|umap --fit "
			        "saves)", path, i + 1, ids[i]);
	}
	const char *m = mlv_meta_get(&r[0], "method"),
	           *m2 = mlv_meta_get(&r[1], "method");
	if (!m || !m2 || strcmp(m, m2) || (strcmp(m, "tsne") && strcmp(m, "umap")))
		mlv_die("%s: method: missing, unknown or not the same in both "
		        "records", path);
	f->kind = strcmp(m, "tsne") ? MLV_MAPFIT_UMAP : MLV_MAPFIT_TSNE;
	f->n = r[0].rows;
	f->d = r[0].cols;
	f->dims = r[1].cols;
	if (r[1].rows != f->n || !f->n || !f->d || !f->dims)
		mlv_die("%s: %zu reference rows of %zu values but a map of %zu x "
		        "%zu", path, f->n, f->d, r[1].rows, r[1].cols);
	if (f->kind == MLV_MAPFIT_TSNE) {
		f->perplexity = get_num(path, &r[0], "perplexity", 1, 1e5);
	} else {
		f->n_neighbors = (size_t)get_num(path, &r[0], "neighbors", 2,
		                                 (double)f->n);
		f->min_dist = get_num(path, &r[0], "min_dist", 0, 1e6);
		f->spread = get_num(path, &r[0], "spread", 1e-6, 1e6);
		f->n_epochs = (int)get_num(path, &r[0], "epochs", 0, 1 << 24);
		f->learning_rate = get_num(path, &r[0], "learning_rate", 1e-9, 1e9);
		f->negative_sample_rate = get_num(path, &r[0], "negative_rate",
		                                  1e-3, 1e4);
	}
	if (mlv_count_nonfinite(r[0].data, f->n * f->d) ||
	    mlv_count_nonfinite(r[1].data, f->n * f->dims))
		mlv_die("%s: a value is not finite", path);
	/* The records' buffers become the fit's. */
	f->x = r[0].data;
	f->y = r[1].data;
	r[0].data = r[1].data = NULL;
	r[0].data_cap = r[1].data_cap = 0;
	mlv_record_free(&r[0]);
	mlv_record_free(&r[1]);
	mlv_reader_close(rd);
}

void
mlv_mapfit_free(mlv_mapfit *f)
{
	free(f->x);
	free(f->y);
	memset(f, 0, sizeof *f);
}

void
mlv_transform_defaults(mlv_transform_opts *o)
{
	memset(o, 0, sizeof *o);
	o->n_iter = -1;
}

void
mlv_transform_resolve(const mlv_mapfit *f, mlv_transform_opts *o)
{
	if (f->kind == MLV_MAPFIT_TSNE) {
		if (o->perplexity <= 0)
			o->perplexity = f->perplexity;
		if (o->n_iter < 0)
			o->n_iter = 250;
		if (o->learning_rate <= 0)
			o->learning_rate = 1;
		return;
	}
	/* [UW] umap_transform's defaults */
	if (o->n_iter < 0)
		o->n_iter = f->n_epochs >= 6 ? f->n_epochs / 3 : 1;
	if (o->learning_rate <= 0)
		o->learning_rate = f->learning_rate / 4;
}

/* ---- t-SNE ------------------------------------------------------------- */

/* [OT] max_grad_norm: a point near a dense cluster of the reference feels
 * a large repulsion at first and would be flung across the map. */
#define TSNE_MAX_GRAD 0.25
#define TSNE_MOMENTUM 0.8

/* The repulsion of the fixed map by Barnes-Hut (van der Maaten, "Accelerating
 * t-SNE using tree-based algorithms", JMLR 2014, as bhtsne and openTSNE's
 * transform use it): a quadtree over the map, whose cells seen under a
 * ratio of side to distance below theta act as one point at their centre
 * of mass, so a new point costs O(log n) an iteration instead of O(n).
 * The tree is built once, since the map never moves. */
#define TSNE_THETA 0.5
#define QT_DEPTH 48 /* coincident points share a leaf below this */

typedef struct {
	double cx, cy, half; /* the cell: centre and half its side */
	double mx, my;       /* its points' centre of mass */
	uint32_t count;      /* its points */
	uint32_t child;      /* the first of its 4 children; 0: a leaf */
} qnode;

typedef struct {
	qnode *node;
	size_t len, cap;
} qtree;

/* Cell at of t holds the n map points idx[] (tmp: n of scratch). */
static void
qt_build(qtree *t, size_t at, const float *y, uint32_t *idx, uint32_t *tmp,
         size_t n, int depth)
{
	qnode *q = &t->node[at];
	double mx = 0, my = 0;
	for (size_t i = 0; i < n; i++) {
		mx += y[2 * idx[i]];
		my += y[2 * idx[i] + 1];
	}
	q->mx = n ? mx / (double)n : q->cx;
	q->my = n ? my / (double)n : q->cy;
	q->count = (uint32_t)n;
	q->child = 0;
	if (n <= 1 || depth >= QT_DEPTH)
		return;
	if (t->len + 4 > t->cap) {
		t->cap = 2 * t->cap + 4;
		t->node = mlv_realloc(t->node, mlv_mul_size(t->cap, sizeof *t->node,
		                                            "t-SNE"));
		q = &t->node[at];
	}
	size_t c = t->len, cnt[5] = {0};
	t->len += 4;
	q->child = (uint32_t)c;
	for (size_t i = 0; i < n; i++)
		cnt[1 + (y[2 * idx[i]] >= q->cx) + 2 * (y[2 * idx[i] + 1] >= q->cy)]++;
	for (int k = 1; k <= 4; k++)
		cnt[k] += cnt[k - 1];
	size_t pos[4] = {cnt[0], cnt[1], cnt[2], cnt[3]};
	for (size_t i = 0; i < n; i++)
		tmp[pos[(y[2 * idx[i]] >= q->cx) + 2 * (y[2 * idx[i] + 1] >= q->cy)]++]
			= idx[i];
	memcpy(idx, tmp, n * sizeof *idx);
	double h = q->half / 2, cx = q->cx, cy = q->cy;
	for (int k = 0; k < 4; k++) {
		qnode *ch = &t->node[c + (size_t)k];
		ch->cx = cx + (k & 1 ? h : -h);
		ch->cy = cy + (k & 2 ? h : -h);
		ch->half = h;
		qt_build(t, c + (size_t)k, y, idx + cnt[k], tmp + cnt[k],
		         cnt[k + 1] - cnt[k], depth + 1);
	}
}

static void
qt_new(qtree *t, const float *y, size_t n)
{
	double lo0 = y[0], hi0 = y[0], lo1 = y[1], hi1 = y[1];
	for (size_t i = 1; i < n; i++) {
		lo0 = fmin(lo0, y[2 * i]);
		hi0 = fmax(hi0, y[2 * i]);
		lo1 = fmin(lo1, y[2 * i + 1]);
		hi1 = fmax(hi1, y[2 * i + 1]);
	}
	uint32_t *idx = mlv_malloc(mlv_mul_size(n, 2 * sizeof *idx, "t-SNE"));
	for (size_t i = 0; i < n; i++)
		idx[i] = (uint32_t)i;
	t->cap = 1;
	t->len = 1;
	t->node = mlv_malloc(sizeof *t->node);
	t->node[0].cx = (lo0 + hi0) / 2;
	t->node[0].cy = (lo1 + hi1) / 2;
	t->node[0].half = fmax(hi0 - lo0, hi1 - lo1) / 2 + 1e-6;
	qt_build(t, 0, y, idx, idx + n, n, 0);
	free(idx);
}

/* z = sum_l w_l and r = sum_l w_l^2 (y - y_l) over the map points l. */
static void
qt_repulsion(const qtree *t, double y0, double y1, double *z, double *r0,
             double *r1)
{
	uint32_t stack[4 * QT_DEPTH + 4];
	int sp = 0;
	stack[sp++] = 0;
	while (sp) {
		const qnode *q = &t->node[stack[--sp]];
		if (!q->count)
			continue;
		double d0 = y0 - q->mx, d1 = y1 - q->my, d2 = d0 * d0 + d1 * d1;
		double side = 2 * q->half;
		if (q->child && side * side >= TSNE_THETA * TSNE_THETA * d2) {
			for (uint32_t k = 0; k < 4; k++)
				stack[sp++] = q->child + k;
			continue;
		}
		double w = 1 / (1 + d2), cw = q->count * w;
		*z += cw;
		*r0 += cw * w * d0;
		*r1 += cw * w * d1;
	}
}

typedef struct {
	const mlv_mapfit *f;
	const qtree *tree;   /* over the map */
	const uint32_t *idx; /* m x k neighbours in the reference */
	const float *p;      /* m x k their affinities, each row summing to 1 */
	size_t k;
	int n_iter;
	double lr;
	float *out;
} tsne_job;

/* One new point i: gradient descent on KL(P_i || Q_i), where q_j = w_j /
 * sum_l w_l over every reference point l, w = 1 / (1 + |y_i - y_j|^2):
 *   dKL/dy_i = 2 sum_j (p_j - q_j) w_j (y_i - y_j). */
static void
tsne_place(void *ctx, size_t i, int thread)
{
	(void)thread;
	const tsne_job *c = ctx;
	const float *ry = c->f->y;
	const size_t k = c->k;
	const uint32_t *idx = c->idx + i * k;
	const float *p = c->p + i * k;
	double y0 = 0, y1 = 0, v0 = 0, v1 = 0;
	for (size_t j = 0; j < k; j++) {
		y0 += p[j] * ry[2 * idx[j]];
		y1 += p[j] * ry[2 * idx[j] + 1];
	}
	for (int it = 0; it < c->n_iter; it++) {
		double z = 0, r0 = 0, r1 = 0, a0 = 0, a1 = 0;
		qt_repulsion(c->tree, y0, y1, &z, &r0, &r1);
		for (size_t j = 0; j < k; j++) {
			double d0 = y0 - ry[2 * idx[j]], d1 = y1 - ry[2 * idx[j] + 1];
			double w = p[j] / (1 + d0 * d0 + d1 * d1);
			a0 += w * d0;
			a1 += w * d1;
		}
		double g0 = 2 * (a0 - r0 / z), g1 = 2 * (a1 - r1 / z);
		double norm = sqrt(g0 * g0 + g1 * g1);
		if (norm > TSNE_MAX_GRAD) {
			g0 *= TSNE_MAX_GRAD / norm;
			g1 *= TSNE_MAX_GRAD / norm;
		}
		v0 = TSNE_MOMENTUM * v0 - c->lr * g0;
		v1 = TSNE_MOMENTUM * v1 - c->lr * g1;
		y0 += v0;
		y1 += v1;
	}
	c->out[2 * i] = (float)y0;
	c->out[2 * i + 1] = (float)y1;
}

static int
tsne_transform(const mlv_mapfit *f, const float *q, size_t m,
               const mlv_transform_opts *o, float *out, char *err,
               size_t errlen)
{
	double perp = o->perplexity;
	if (!(perp >= 1 && perp <= 1e5) || o->n_iter < 0 || f->dims != 2)
		return mlv_errf(err, errlen, "perplexity %g, %d iterations, a "
		                "map of %zu columns: t-SNE places points with "
		                "perplexity at least 1 on 2-D maps", perp,
		                o->n_iter, f->dims);
	size_t k = (size_t)floor(3 * perp);
	if (k > f->n)
		k = f->n;
	if (f->n < 2 || !(perp < (double)k))
		return mlv_errf(err, errlen, "perplexity %g: too large for a map "
		                "of %zu points", perp, f->n);
	uint32_t *idx = mlv_malloc(mlv_mul_size(m, k * sizeof *idx, "t-SNE"));
	float *p = mlv_malloc(mlv_mul_size(m, k * sizeof *p, "t-SNE"));
	mlv_knn(f->x, f->n, q, m, f->d, k, 0, idx, p, o->nthreads);
	/* [OT] to_new: conditional affinities, each row normalised alone. */
	mlv_tsne_calibrate(p, m, k, perp, p, o->nthreads);
	qtree tree;
	qt_new(&tree, f->y, f->n);
	tsne_job c = {f, &tree, idx, p, k, o->n_iter, o->learning_rate, out};
	mlv_parallel_items(m, o->nthreads, tsne_place, &c);
	free(tree.node);
	free(p);
	free(idx);
	return 0;
}

/* ---- UMAP -------------------------------------------------------------- */

/* [UW] gradient.h: the clip, and the floor of squared distances. */
#define UMAP_CLIP 4.0
#define UMAP_REP_EPS 0.001

typedef struct {
	const mlv_mapfit *f;
	const uint32_t *idx; /* m x k */
	const float *w;      /* m x k memberships */
	size_t k;
	double a, b, lr, wmax, nsr;
	int n_epochs;
	uint64_t seed;
	float *out;
} umap_job;

static double
clip(double v)
{
	return v > UMAP_CLIP ? UMAP_CLIP : v < -UMAP_CLIP ? -UMAP_CLIP : v;
}

/* Move y (dims) by the clipped step of an attraction (att) to, or a
 * repulsion from, the reference point at r. */
static void
umap_step(const umap_job *c, double *y, const float *r, size_t dims,
          int att, double alpha)
{
	double d2 = 0;
	for (size_t t = 0; t < dims; t++)
		d2 += (y[t] - r[t]) * (y[t] - r[t]);
	d2 = d2 > FLT_EPSILON ? d2 : FLT_EPSILON;
	double pw = pow(d2, c->b), g;
	if (att)
		g = -2 * c->a * c->b * pw / d2 / (c->a * pw + 1);
	else
		g = 2 * c->b / ((UMAP_REP_EPS + d2) * (c->a * pw + 1));
	for (size_t t = 0; t < dims; t++)
		y[t] += alpha * clip(g * (y[t] - r[t]));
}

/* One new point i: the fit's epoch schedule over its own edges (each
 * sampled in proportion to its weight, with its negative samples), only i
 * moving.  Its own random stream makes it independent of the others. */
static void
umap_place(void *ctx, size_t i, int thread)
{
	(void)thread;
	const umap_job *c = ctx;
	const mlv_mapfit *f = c->f;
	const size_t dims = f->dims, k = c->k;
	const uint32_t *idx = c->idx + i * k;
	const float *w = c->w + i * k;
	double y[16], *yy = dims <= 16 ? y : mlv_malloc(dims * sizeof *yy);
	double *next = mlv_malloc(2 * k * sizeof *next), *next_neg = next + k;
	double wsum = 0;
	for (size_t t = 0; t < dims; t++)
		yy[t] = 0;
	/* [UW] init "weighted": the membership-weighted mean */
	for (size_t j = 0; j < k; j++) {
		wsum += w[j];
		for (size_t t = 0; t < dims; t++)
			yy[t] += w[j] * f->y[idx[j] * dims + t];
	}
	for (size_t t = 0; t < dims; t++)
		yy[t] = wsum > 0 ? yy[t] / wsum : f->y[idx[0] * dims + t];
	for (size_t j = 0; j < k; j++) {
		double eps = w[j] > 0 ? c->wmax / w[j] : INFINITY;
		next[j] = eps;
		next_neg[j] = eps / c->nsr;
	}
	mlv_rng g;
	mlv_rng_stream(&g, c->seed, i);
	for (int e = 0; e < c->n_epochs; e++) {
		double alpha = c->lr * (1 - (double)e / c->n_epochs);
		for (size_t j = 0; j < k; j++) {
			/* edges sampled less than once in all are left out, as
			 * in the fit */
			double eps = c->wmax / w[j];
			if (!(w[j] * c->n_epochs >= c->wmax) || next[j] > e)
				continue;
			umap_step(c, yy, f->y + idx[j] * dims, dims, 1, alpha);
			next[j] += eps;
			double eps_neg = eps / c->nsr;
			int nneg = (int)((e - next_neg[j]) / eps_neg);
			for (int s = 0; s < nneg; s++) {
				size_t r = (size_t)mlv_rng_below(&g, f->n);
				umap_step(c, yy, f->y + r * dims, dims, 0, alpha);
			}
			if (nneg > 0)
				next_neg[j] += nneg * eps_neg;
		}
	}
	for (size_t t = 0; t < dims; t++)
		c->out[i * dims + t] = (float)yy[t];
	if (yy != y)
		free(yy);
	free(next);
}

static int
umap_transform(const mlv_mapfit *f, const float *q, size_t m,
               const mlv_transform_opts *o, float *out, char *err,
               size_t errlen)
{
	double a, b;
	size_t k = f->n_neighbors - 1;
	if (mlv_umap_find_ab(f->min_dist, f->spread, &a, &b))
		return mlv_errf(err, errlen, "min_dist %g, spread %g: no curve "
		                "fits them", f->min_dist, f->spread);
	if (k < 1 || k > f->n || o->n_iter < 0)
		return mlv_errf(err, errlen, "%zu neighbours of %zu reference "
		                "points, %d epochs: cannot place points",
		                f->n_neighbors, f->n, o->n_iter);
	uint32_t *idx = mlv_malloc(mlv_mul_size(m, k * sizeof *idx, "UMAP"));
	float *dist = mlv_malloc(mlv_mul_size(m, k * sizeof *dist, "UMAP"));
	float *w = mlv_malloc(mlv_mul_size(m, k * sizeof *w, "UMAP"));
	mlv_knn(f->x, f->n, q, m, f->d, k, 0, idx, dist, o->nthreads);
	/* k others and the point itself make the fit's log2(n_neighbors). */
	mlv_umap_smooth_knn(dist, m, k, w, NULL, NULL, o->nthreads);
	float wmax = 0;
	for (size_t e = 0; e < m * k; e++)
		wmax = w[e] > wmax ? w[e] : wmax;
	/* Half the fit's negative rate: in the fit, a point is pulled both
	 * as the head and as the tail of its edges (in-place SGD moves both
	 * ends) but pushed only as the head; a placed point is only ever the
	 * head.  uwot keeps the fit's rate; the fit's balance kept more
	 * neighbours (see mapfit.h). */
	umap_job c = {f, idx, w, k, a, b, o->learning_rate, wmax,
	              f->negative_sample_rate / 2, o->n_iter, o->seed, out};
	mlv_parallel_items(m, o->nthreads, umap_place, &c);
	free(w);
	free(dist);
	free(idx);
	return 0;
}

int
mlv_mapfit_transform(const mlv_mapfit *f, const float *q, size_t m,
                     const mlv_transform_opts *o, float *out, char *err,
                     size_t errlen)
{
	if (mlv_count_nonfinite(q, m * f->d))
		return mlv_errf(err, errlen, "a value is not finite");
	if (f->n > UINT32_MAX)
		return mlv_errf(err, errlen, "%zu reference points: too many",
		                f->n);
	if (!m)
		return 0;
	mlv_transform_opts r = *o;
	mlv_transform_resolve(f, &r);
	return f->kind == MLV_MAPFIT_TSNE
	       ? tsne_transform(f, q, m, &r, out, err, errlen)
	       : umap_transform(f, q, m, &r, out, err, errlen);
}
