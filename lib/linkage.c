/* linkage.c - see linkage.h */
#include "linkage.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "pool.h"
#include "stats.h"
#include "util.h"

static const char *const linkage_names[] = {
	[MLV_LINK_WARD] = "ward",
	[MLV_LINK_SINGLE] = "single",
	[MLV_LINK_COMPLETE] = "complete",
	[MLV_LINK_AVERAGE] = "average",
};

int
mlv_linkage_parse(const char *name, mlv_linkage *method)
{
	for (int m = MLV_LINK_WARD; m <= MLV_LINK_AVERAGE; m++)
		if (!strcmp(name, linkage_names[m])) {
			*method = (mlv_linkage)m;
			return 0;
		}
	return -1;
}

const char *
mlv_linkage_name(mlv_linkage method)
{
	return method <= MLV_LINK_AVERAGE ? linkage_names[method] : "unknown";
}

size_t
mlv_hclust_bytes(size_t n, size_t d, mlv_linkage method)
{
	size_t per_point, vec, pairs, bytes;
	/* ward, single: the points in double and float, sizes, positions,
	 * one scan's results and the chain, 12 d + 64 bytes a point; the
	 * sort and union-find that number the merges, 80 */
	if (d > SIZE_MAX / 16 || mlv_checked_mul(n, 12 * d + 64 + 80, &vec))
		return 0;
	if (method == MLV_LINK_WARD || method == MLV_LINK_SINGLE)
		return vec;
	if (mlv_checked_mul(n, n > 0 ? n - 1 : 0, &pairs) ||
	    mlv_checked_mul(pairs / 2, sizeof(double), &bytes) ||
	    mlv_checked_mul(n, 4 * sizeof(size_t) + 80, &per_point) ||
	    bytes + per_point < bytes)
		return 0;
	return bytes + per_point;
}

/* "9.3 GiB" */
static const char *
human_bytes(double b, char *buf, size_t len)
{
	const char *unit[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};
	int u = 0;
	while (b >= 1024 && u < 5) {
		b /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", b, unit[u]);
	return buf;
}

typedef struct {
	double h;
	size_t i;
} hc_row;

static int
hc_row_cmp(const void *pa, const void *pb)
{
	const hc_row *a = pa, *b = pb;
	if (a->h != b->h)
		return a->h < b->h ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

static size_t
uf_find(size_t *parent, size_t x)
{
	size_t root = x;
	while (parent[root] != root)
		root = parent[root];
	while (parent[x] != root) {
		size_t next = parent[x];
		parent[x] = root;
		x = next;
	}
	return root;
}

/* The merges as the algorithm found them name their clusters by a member
 * point ("slot"); scipy sorts them by height (stably) and renumbers them
 * with a union-find, the i-th merge becoming cluster n + i (scipy's
 * _hierarchy.label).  Doing the same gives scipy's rows exactly. */
static void
hc_finish(double *z, size_t n)
{
	size_t m = n - 1;
	hc_row *r = mlv_malloc(m * sizeof *r);
	double *sorted = mlv_malloc(mlv_mul_size(m, 4 * sizeof(double), "tree"));
	size_t *parent = mlv_malloc(mlv_mul_size(2 * n, sizeof(size_t), "tree"));
	size_t *size = mlv_malloc(mlv_mul_size(2 * n, sizeof(size_t), "tree"));
	for (size_t i = 0; i < m; i++) {
		r[i].h = z[4 * i + 2];
		r[i].i = i;
	}
	qsort(r, m, sizeof *r, hc_row_cmp);
	for (size_t i = 0; i < m; i++)
		memcpy(sorted + 4 * i, z + 4 * r[i].i, 4 * sizeof(double));
	for (size_t i = 0; i < 2 * n - 1; i++) {
		parent[i] = i;
		size[i] = i < n;
	}
	for (size_t i = 0; i < m; i++) {
		size_t a = uf_find(parent, (size_t)sorted[4 * i]);
		size_t b = uf_find(parent, (size_t)sorted[4 * i + 1]);
		size_t id = n + i;
		parent[a] = parent[b] = id;
		size[id] = size[a] + size[b];
		z[4 * i] = (double)(a < b ? a : b);
		z[4 * i + 1] = (double)(a < b ? b : a);
		z[4 * i + 2] = sorted[4 * i + 2];
		z[4 * i + 3] = (double)size[id];
	}
	free(size);
	free(parent);
	free(sorted);
	free(r);
}

/* One merge, recorded by slots.  The height is raised, if need be, to
 * those of the merges that made the two parts: with exact arithmetic the
 * chain methods never produce a lower merge above a higher one
 * (reducibility), and a rounding inversion would otherwise reorder parent
 * before child in the sort. */
static void
hc_record(double *z, size_t *last, size_t k, size_t sx, size_t sy, double h,
          double size)
{
	if (last[sx] != SIZE_MAX && z[4 * last[sx] + 2] > h)
		h = z[4 * last[sx] + 2];
	if (last[sy] != SIZE_MAX && z[4 * last[sy] + 2] > h)
		h = z[4 * last[sy] + 2];
	z[4 * k] = (double)sx;
	z[4 * k + 1] = (double)sy;
	z[4 * k + 2] = h;
	z[4 * k + 3] = size;
	last[sy] = k;
	last[sx] = SIZE_MAX;
}

/* ---- on vectors: single linkage ----------------------------------------
 *
 * Coordinates are kept column-wise (coordinate j of position p at
 * j * cap + p), so one query's squared distances to all positions are a
 * loop over the positions that the compiler vectorises, summing over the
 * coordinates in order j = 0..d-1: the distance from a to b is then the
 * same double as from b to a, which the chain's termination relies on.
 * Positions follow the point order; merged-away positions are squeezed
 * out now and then, so scans stay as long as the live clusters. */
typedef struct {
	size_t d, m, cap;
	double *cent;    /* d x cap */
	double *sz;      /* cluster size; 0 once merged away */
	uint32_t *slot;  /* the point that names the cluster (scipy's index) */
	double *out;     /* one scan's results */
	size_t *map;     /* old position -> new, while squeezing */
	size_t dead;
} hc_vec;

#define HC_SCAN 64

static void
hc_scan(const hc_vec *v, const double *q)
{
	size_t m = v->m, d = v->d;
	for (size_t p0 = 0; p0 < m; p0 += HC_SCAN) {
		size_t np = m - p0 < HC_SCAN ? m - p0 : HC_SCAN;
		double acc[HC_SCAN] = {0};
		for (size_t j = 0; j < d; j++) {
			const double *c = v->cent + j * v->cap + p0;
			double qj = q[j];
			for (size_t p = 0; p < np; p++) {
				double t = c[p] - qj;
				acc[p] += t * t;
			}
		}
		memcpy(v->out + p0, acc, np * sizeof(double));
	}
}

static void
hc_vec_init(hc_vec *v, const float *x, size_t n, size_t d)
{
	v->d = d;
	v->m = v->cap = n;
	v->cent = mlv_malloc(mlv_mul_size(mlv_mul_size(n, d, "points"),
	                                  sizeof(double), "points"));
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++)
			v->cent[j * n + i] = x[i * d + j];
	v->sz = mlv_malloc(n * sizeof(double));
	v->slot = mlv_malloc(n * sizeof(uint32_t));
	v->out = mlv_malloc(n * sizeof(double));
	v->map = mlv_malloc(n * sizeof(size_t));
	for (size_t i = 0; i < n; i++) {
		v->sz[i] = 1;
		v->slot[i] = (uint32_t)i;
	}
	v->dead = 0;
}

static void
hc_vec_free(hc_vec *v)
{
	free(v->cent);
	free(v->sz);
	free(v->slot);
	free(v->out);
	free(v->map);
}

/* Drop merged-away positions once they are an eighth of the scan;
 * positions listed in keep[nkeep] are renumbered and extra (may be NULL)
 * moves with the positions. */
static void
hc_squeeze(hc_vec *v, size_t *keep, size_t nkeep, double *extra)
{
	if (v->dead < 32 || v->dead * 8 < v->m)
		return;
	for (size_t j = 0; j < v->d; j++) {
		double *c = v->cent + j * v->cap;
		size_t o = 0;
		for (size_t p = 0; p < v->m; p++)
			if (v->sz[p] > 0)
				c[o++] = c[p];
	}
	size_t w = 0;
	for (size_t p = 0; p < v->m; p++) {
		v->map[p] = w;
		if (v->sz[p] > 0) {
			v->sz[w] = v->sz[p];
			v->slot[w] = v->slot[p];
			if (extra)
				extra[w] = extra[p];
			w++;
		}
	}
	for (size_t i = 0; i < nkeep; i++)
		keep[i] = v->map[keep[i]];
	v->m = w;
	v->dead = 0;
}

/* Ward by the nearest-neighbour chain (Muellner 2011, section 4; scipy's
 * _hierarchy.nn_chain, step for step: the chain starts at the lowest live
 * cluster, a nearest neighbour is the first strictly closest in point
 * order with the chain's previous element preferred, the merged cluster
 * takes the higher slot).  The Ward dissimilarity of clusters A and B is
 * |A||B| / (|A|+|B|) |c_A - c_B|^2, half the square of scipy's height.
 *
 * The chain's scans run on centred, scaled float copies of the
 * centroids, four to a vector, which settle almost every candidate; the
 * few whose float dissimilarity lies within the float error bound of the
 * smallest are recomputed from the double centroids with the one double
 * formula, so the chain makes exactly the choices of an all-double chain
 * (checked bit for bit against one on offset, tiny, tied and duplicated
 * data) at a third of its time: 1.1 s against 3.5 s for 20,000 points
 * in 16-d.  Ward heights from centroids equal scipy's Lance-Williams ones
 * to rounding (1e-15 relative); where exact ties exist only in real
 * arithmetic, the two roundings may break them differently, as scipy's
 * and fastcluster's own implementations do between themselves. */

/* Positions are scanned WARD_LANES at a time with the sums kept in
 * registers; arrays are padded to a multiple of it with dead entries. */
#define WARD_LANES 16

typedef struct {
	size_t n, d, m, cap;
	double *cent;    /* n x d by slot: centroids in the input's coordinates */
	float *f;        /* d x cap by position: centroid - mean, in float */
	float *fsz;      /* by position: size, 0 once merged away */
	float *pen;      /* by position: 0, or INFINITY once merged away */
	uint32_t *slot;  /* by position */
	float *out;      /* by position: one scan's float dissimilarities */
	size_t dead;
} ward_vec;

/* |A||B| / (|A|+|B|) |c_A - c_B|^2, the same double for (a, b) and (b, a) */
static double
ward_delta(const ward_vec *v, size_t sa, size_t sb, double na, double nb)
{
	const double *a = v->cent + sa * v->d, *b = v->cent + sb * v->d;
	double s = 0;
	for (size_t j = 0; j < v->d; j++) {
		double t = a[j] - b[j];
		s += t * t;
	}
	return na * nb / (na + nb) * s;
}

/* Four floats as one value (GCC and Clang vector extensions): the
 * compiler emits SSE, AVX or NEON operations for them without
 * machine-specific code here. */
typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));

static v4f
v4_load(const float *p)
{
	v4f v;
	memcpy(&v, p, sizeof v);
	return v;
}

static v4f
v4_min(v4f a, v4f b)
{
	v4i m = a < b;
	return (v4f)(((v4i)a & m) | ((v4i)b & ~m));
}

/* The float dissimilarities of q (size nq) to every position into
 * v->out; returns the smallest.  Dead positions have weight 0 and
 * penalty INFINITY, so the loop has no branches. */
static float
ward_scan(ward_vec *v, const float *q, float nq)
{
	size_t mm = (v->m + WARD_LANES - 1) / WARD_LANES * WARD_LANES;
	v4f inf = {INFINITY, INFINITY, INFINITY, INFINITY};
	v4f mn = inf, vnq = {nq, nq, nq, nq};
	for (size_t p0 = 0; p0 < mm; p0 += WARD_LANES) {
		v4f a[WARD_LANES / 4] = {{0}};
		for (size_t j = 0; j < v->d; j++) {
			const float *c = v->f + j * v->cap + p0;
			v4f qj = {q[j], q[j], q[j], q[j]};
			for (size_t l = 0; l < WARD_LANES / 4; l++) {
				v4f t = v4_load(c + 4 * l) - qj;
				a[l] += t * t;
			}
		}
		for (size_t l = 0; l < WARD_LANES / 4; l++) {
			size_t p = p0 + 4 * l;
			v4f sz = v4_load(v->fsz + p);
			v4f o = a[l] * (sz * vnq / (sz + vnq)) + v4_load(v->pen + p);
			memcpy(v->out + p, &o, sizeof o);
			mn = v4_min(o, mn);
		}
	}
	float m = mn[0];
	for (int l = 1; l < 4; l++)
		m = mn[l] < m ? mn[l] : m;
	return m;
}

/* Whether any of the WARD_LANES values at o is <= t. */
static int
ward_any_below(const float *o, float t)
{
	v4f vt = {t, t, t, t};
	v4i any = {0, 0, 0, 0};
	for (size_t l = 0; l < WARD_LANES / 4; l++)
		any |= v4_load(o + 4 * l) <= vt;
	return (any[0] | any[1] | any[2] | any[3]) != 0;
}

static void
ward_squeeze(ward_vec *v, size_t *keep, size_t nkeep, size_t *map)
{
	if (v->dead < 32 || v->dead * 8 < v->m)
		return;
	size_t mm = (v->m + WARD_LANES - 1) / WARD_LANES * WARD_LANES, w = 0;
	for (size_t j = 0; j < v->d; j++) {
		float *c = v->f + j * v->cap;
		w = 0;
		for (size_t p = 0; p < v->m; p++)
			if (v->fsz[p] > 0)
				c[w++] = c[p];
		for (size_t p = w; p < mm; p++)
			c[p] = 0;
	}
	w = 0;
	for (size_t p = 0; p < v->m; p++) {
		map[p] = w;
		if (v->fsz[p] > 0) {
			v->fsz[w] = v->fsz[p];
			v->pen[w] = 0;
			v->slot[w++] = v->slot[p];
		}
	}
	for (size_t p = w; p < mm; p++) {
		v->fsz[p] = 0;
		v->pen[p] = INFINITY;
	}
	for (size_t i = 0; i < nkeep; i++)
		keep[i] = map[keep[i]];
	v->m = w;
	v->dead = 0;
}

static void
hc_ward(const float *x, size_t n, size_t d, double *z)
{
	size_t cap = (n + WARD_LANES - 1) / WARD_LANES * WARD_LANES;
	ward_vec v = {.n = n, .d = d, .m = n, .cap = cap};
	v.cent = mlv_malloc(mlv_mul_size(mlv_mul_size(n, d, "points"),
	                                 sizeof(double), "points"));
	v.f = mlv_malloc(mlv_mul_size(mlv_mul_size(cap, d, "points"),
	                              sizeof(float), "points"));
	v.fsz = mlv_malloc(cap * sizeof(float));
	v.pen = mlv_malloc(cap * sizeof(float));
	v.slot = mlv_malloc(cap * sizeof(uint32_t));
	v.out = mlv_malloc(cap * sizeof(float));
	double *sz = mlv_malloc(n * sizeof(double));      /* by slot */
	double *mean = mlv_malloc(d * sizeof(double));
	float *q = mlv_malloc(d * sizeof(float));
	size_t *chain = mlv_malloc(n * sizeof(size_t));
	size_t *last = mlv_malloc(n * sizeof(size_t));
	size_t *map = mlv_malloc(n * sizeof(size_t));
	mlv_column_means(x, n, d, mean);
	/* The float copies are (c - mean) * scale (range_scale), so A = 2
	 * bounds every scaled |centroid - mean|. */
	double scale = mlv_range_scale(x, n, d, mean), A = 2;
	for (size_t j = 0; j < d; j++)
		for (size_t i = n; i < cap; i++)
			v.f[j * cap + i] = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++) {
			double c = x[i * d + j];
			v.cent[i * d + j] = c;
			v.f[j * cap + i] = (float)((c - mean[j]) * scale);
		}
	for (size_t i = 0; i < cap; i++) {
		v.fsz[i] = i < n;
		v.pen[i] = i < n ? 0 : INFINITY;
		v.slot[i] = (uint32_t)i;
	}
	for (size_t i = 0; i < n; i++) {
		sz[i] = 1;
		last[i] = SIZE_MAX;
	}
	/* Float error bounds, in scaled units (u = 2^-24, each doubled or
	 * more for room): the float difference vector is within
	 * E = sqrt(d) (2 u A + tiny) of the exact one, so sqrt(delta) is off
	 * by at most sqrt(w) E plus a relative (d + 16) u from the float sums
	 * and weights. */
	double E = sqrt((double)d) * (A * 0x1p-21 + 0x1p-126);
	double g = (double)(d + 16) * 0x1p-23;
	size_t len = 0;
	for (size_t k = 0; k + 1 < n; k++) {
		ward_squeeze(&v, chain, len, map);
		if (len == 0) {
			size_t p = 0;
			while (v.fsz[p] == 0)
				p++;
			chain[len++] = p;
		}
		size_t px, py;
		double cur;
		for (;;) {
			px = chain[len - 1];
			size_t sx = v.slot[px];
			for (size_t j = 0; j < d; j++)
				q[j] = v.f[j * cap + px];
			/* the query itself must not count */
			float keep = v.pen[px];
			v.pen[px] = INFINITY;
			float fmin = ward_scan(&v, q, v.fsz[px]);
			v.pen[px] = keep;
			/* every candidate that could be within rounding of the
			 * smallest: sqrt(delta_p) <= sqrt(delta_min) + 2 sqrt(w) E,
			 * w < |x| */
			double ew = sqrt(sz[sx]) * E;
			double t = (sqrt(fmin / (1 - g)) + ew) * (1 + 0x1p-22) + ew;
			double thr = (1 + g) * t * t * (1 + 1e-9) +
			             sz[sx] * (double)(d + 1) * 0x1p-126;
			float fthr = (float)thr;
			if ((double)fthr < thr)
				fthr = nextafterf(fthr, INFINITY);
			py = len > 1 ? chain[len - 2] : SIZE_MAX;
			cur = len > 1 ? ward_delta(&v, sx, v.slot[py], sz[sx],
			                           sz[v.slot[py]]) : INFINITY;
			for (size_t p0 = 0; p0 < v.m; p0 += WARD_LANES) {
				if (!ward_any_below(v.out + p0, fthr))
					continue;
				for (size_t p = p0; p < p0 + WARD_LANES && p < v.m; p++) {
					if (!(v.out[p] <= fthr) || p == px || v.fsz[p] == 0)
						continue;
					size_t sp = v.slot[p];
					double dl = ward_delta(&v, sx, sp, sz[sx], sz[sp]);
					if (dl < cur) {
						cur = dl;
						py = p;
					}
				}
			}
			if (len > 1 && py == chain[len - 2])
				break;
			chain[len++] = py;
		}
		len -= 2;
		if (px > py) {
			size_t t = px;
			px = py;
			py = t;
		}
		size_t sx = v.slot[px], sy = v.slot[py];
		double nx = sz[sx], ny = sz[sy];
		double *cx = v.cent + sx * d, *cy = v.cent + sy * d;
		for (size_t j = 0; j < d; j++) {
			cy[j] = (nx * cx[j] + ny * cy[j]) / (nx + ny);
			v.f[j * cap + py] = (float)((cy[j] - mean[j]) * scale);
		}
		hc_record(z, last, k, sx, sy, sqrt(2 * cur), nx + ny);
		sz[sy] = nx + ny;
		sz[sx] = 0;
		v.fsz[py] = (float)(nx + ny);
		v.fsz[px] = 0;
		v.pen[px] = INFINITY;
		v.dead++;
	}
	free(map);
	free(last);
	free(chain);
	free(q);
	free(mean);
	free(sz);
	free(v.out);
	free(v.slot);
	free(v.pen);
	free(v.fsz);
	free(v.f);
	free(v.cent);
}

/* Single linkage by Prim's algorithm on the vectors (scipy's
 * _hierarchy.mst_single_linkage with the distances computed on the fly,
 * so memory is O(n d)).  Squared distances are compared, which orders the
 * candidates as their square roots do (short of ties the rounding of a
 * root would create). */
static void
hc_single(const float *x, size_t n, size_t d, double *z)
{
	hc_vec v;
	hc_vec_init(&v, x, n, d);
	double *best = mlv_malloc(n * sizeof(double));
	double *q = mlv_malloc(d * sizeof(double));
	for (size_t i = 0; i < n; i++)
		best[i] = INFINITY;
	size_t px = 0;
	for (size_t k = 0; k + 1 < n; k++) {
		v.sz[px] = 0;
		v.dead++;
		for (size_t j = 0; j < d; j++)
			q[j] = v.cent[j * v.cap + px];
		hc_scan(&v, q);
		double cur = INFINITY;
		size_t py = 0;
		for (size_t p = 0; p < v.m; p++) {
			if (v.sz[p] == 0)
				continue;
			if (best[p] > v.out[p])
				best[p] = v.out[p];
			if (best[p] < cur) {
				cur = best[p];
				py = p;
			}
		}
		z[4 * k] = v.slot[px];
		z[4 * k + 1] = v.slot[py];
		z[4 * k + 2] = sqrt(cur);
		z[4 * k + 3] = 0;
		px = py;
		hc_squeeze(&v, &px, 1, best);
	}
	free(q);
	free(best);
	hc_vec_free(&v);
}

/* ---- on the condensed distance matrix: complete and average ---------- */

/* Row i, column j > i of the condensed matrix (scipy's condensed_index). */
static size_t
cidx(size_t n, size_t i, size_t j)
{
	return n * i - i * (i + 1) / 2 + (j - i - 1);
}

typedef struct {
	const float *x;
	size_t n, d;
	double *dist;
} pdist_ctx;

#define PDIST_ROWS 64

static void
pdist_rows(void *ctx, size_t item, int thread)
{
	(void)thread;
	pdist_ctx *c = ctx;
	size_t i0 = item * PDIST_ROWS, i1 = i0 + PDIST_ROWS < c->n ? i0 + PDIST_ROWS : c->n;
	for (size_t i = i0; i < i1; i++) {
		double *row = c->dist + cidx(c->n, i, i + 1);
		for (size_t j = i + 1; j < c->n; j++)
			row[j - i - 1] = sqrt(mlv_dist2_double(c->x + i * c->d,
			                                   c->x + j * c->d, c->d));
	}
}

/* Complete or average linkage by the nearest-neighbour chain on the
 * matrix with the Lance-Williams updates, as scipy's _hierarchy.nn_chain
 * (same scan order and ties). */
static void
hc_matrix(const float *x, size_t n, size_t d, mlv_linkage method,
          int nthreads, double *z)
{
	size_t pairs = n * (n - 1) / 2;
	pdist_ctx pc = {.x = x, .n = n, .d = d};
	pc.dist = mlv_malloc(mlv_mul_size(pairs, sizeof(double), "distances"));
	mlv_parallel_items((n + PDIST_ROWS - 1) / PDIST_ROWS, nthreads,
	                   pdist_rows, &pc);
	double *D = pc.dist;
	size_t *size = mlv_malloc(n * sizeof(size_t));
	size_t *live = mlv_malloc(n * sizeof(size_t));
	size_t *chain = mlv_malloc(n * sizeof(size_t));
	size_t *last = mlv_malloc(n * sizeof(size_t));
	for (size_t i = 0; i < n; i++) {
		size[i] = 1;
		live[i] = i;
		last[i] = SIZE_MAX;
	}
	size_t nlive = n, dead = 0, len = 0;
	for (size_t k = 0; k + 1 < n; k++) {
		if (dead >= 32 && dead * 8 >= nlive) {
			size_t w = 0;
			for (size_t t = 0; t < nlive; t++)
				if (size[live[t]])
					live[w++] = live[t];
			nlive = w;
			dead = 0;
		}
		if (len == 0) {
			size_t t = 0;
			while (!size[live[t]])
				t++;
			chain[len++] = live[t];
		}
		size_t cx, cy;
		double cur;
		for (;;) {
			cx = chain[len - 1];
			cy = len > 1 ? chain[len - 2] : SIZE_MAX;
			cur = len > 1 ? D[cx < cy ? cidx(n, cx, cy) : cidx(n, cy, cx)]
			              : INFINITY;
			for (size_t t = 0; t < nlive; t++) {
				size_t i = live[t];
				if (!size[i] || i == cx)
					continue;
				double v = D[i < cx ? cidx(n, i, cx) : cidx(n, cx, i)];
				if (v < cur) {
					cur = v;
					cy = i;
				}
			}
			if (len > 1 && cy == chain[len - 2])
				break;
			chain[len++] = cy;
		}
		len -= 2;
		if (cx > cy) {
			size_t t = cx;
			cx = cy;
			cy = t;
		}
		size_t nx = size[cx], ny = size[cy];
		hc_record(z, last, k, cx, cy, cur, (double)(nx + ny));
		size[cx] = 0;
		size[cy] = nx + ny;
		dead++;
		for (size_t t = 0; t < nlive; t++) {
			size_t i = live[t];
			if (!size[i] || i == cy)
				continue;
			double dx = D[i < cx ? cidx(n, i, cx) : cidx(n, cx, i)];
			double *dy = &D[i < cy ? cidx(n, i, cy) : cidx(n, cy, i)];
			if (method == MLV_LINK_COMPLETE)
				*dy = dx > *dy ? dx : *dy;
			else
				*dy = ((double)nx * dx + (double)ny * *dy) /
				      (double)(nx + ny);
		}
	}
	free(last);
	free(chain);
	free(live);
	free(size);
	free(D);
}

int
mlv_hclust(const float *x, size_t n, size_t d, mlv_linkage method,
           size_t max_bytes, int nthreads, double *z, char *err,
           size_t errlen)
{
	if (method > MLV_LINK_AVERAGE)
		return mlv_errf(err, errlen, "unknown linkage method %d", (int)method);
	const char *name = linkage_names[method];
	if (n < 2 || d == 0)
		return mlv_errf(err, errlen, "%s linkage needs at least 2 points of at "
		               "least one dimension (got %zu x %zu)", name, n, d);
	if (n > INT32_MAX)
		return mlv_errf(err, errlen, "%s linkage: %zu points is more than %d",
		               name, n, INT32_MAX);
	size_t need = mlv_hclust_bytes(n, d, method);
	int matrix = method == MLV_LINK_COMPLETE || method == MLV_LINK_AVERAGE;
	if (need == 0 || (max_bytes && need > max_bytes)) {
		double want = matrix ? (double)n * (double)(n - 1) / 2 * 8 +
		                       (double)n * 112
		                     : (double)n * ((double)d * 12 + 144);
		char b1[32], b2[48] = "can be addressed";
		human_bytes(want, b1, sizeof b1);
		if (need) {
			human_bytes((double)max_bytes, b2, sizeof b2);
			strcat(b2, " allowed");
		}
		return mlv_errf(err, errlen, "%s linkage of %zu points needs %s%s, "
		               "more than %s%s", name, n, b1,
		               matrix ? " for its n(n-1)/2 double distances" : "",
		               b2, matrix ? " (ward and single need O(n d))" : "");
	}
	if (mlv_check_finite(x, n, d, "clustering", err, errlen))
		return -1;
	switch (method) {
	case MLV_LINK_WARD:
		hc_ward(x, n, d, z);
		break;
	case MLV_LINK_SINGLE:
		hc_single(x, n, d, z);
		break;
	default:
		hc_matrix(x, n, d, method, mlv_threads(nthreads), z);
		break;
	}
	hc_finish(z, n);
	return 0;
}

/* ---- flat clusters from the tree -------------------------------------- */

static int
hc_check_tree(const double *z, size_t n, size_t *size, uint8_t *used,
              char *err, size_t errlen)
{
	for (size_t i = 0; i < 2 * n - 1; i++) {
		size[i] = i < n;
		used[i] = 0;
	}
	for (size_t i = 0; i + 1 < n; i++) {
		const double *r = z + 4 * i;
		for (int s = 0; s < 2; s++)
			if (!(r[s] >= 0 && r[s] < (double)(n + i) && r[s] == floor(r[s])))
				return mlv_errf(err, errlen, "merge tree row %zu: cluster "
				               "%g is not one of the %zu formed so far",
				               i, r[s], n + i);
		size_t a = (size_t)r[0], b = (size_t)r[1];
		if (a == b || used[a] || used[b])
			return mlv_errf(err, errlen, "merge tree row %zu: cluster %zu "
			               "is merged twice", i, used[a] || a == b ? a : b);
		if (!(r[2] >= 0) || !isfinite(r[2]))
			return mlv_errf(err, errlen, "merge tree row %zu: height %g is "
			               "not a finite distance", i, r[2]);
		if (r[3] != (double)(size[a] + size[b]))
			return mlv_errf(err, errlen, "merge tree row %zu: size %g, but "
			               "its parts have %zu points", i, r[3],
			               size[a] + size[b]);
		used[a] = used[b] = 1;
		size[n + i] = size[a] + size[b];
	}
	return 0;
}

/* scipy's _hierarchy.cluster_monocrit: walk the tree depth first from the
 * root (left part, then right), numbering a cluster when the walk enters
 * the first subtree whose criterion is <= cutoff, and a point on its own
 * when it is met outside any such subtree. */
static size_t
hc_monocrit(const double *z, const double *mc, size_t n, double cutoff,
            int32_t *labels, uint8_t *visited, size_t *stack)
{
	size_t nc = 0, leader = SIZE_MAX;
	memset(visited, 0, 2 * n - 1);
	ptrdiff_t k = 0;
	stack[0] = 2 * n - 2;
	while (k >= 0) {
		size_t root = stack[k] - n;
		size_t lc = (size_t)z[4 * root], rc = (size_t)z[4 * root + 1];
		if (leader == SIZE_MAX && mc[root] <= cutoff) {
			leader = root;
			nc++;
		}
		if (lc >= n && !visited[lc]) {
			visited[lc] = 1;
			stack[++k] = lc;
			continue;
		}
		if (rc >= n && !visited[rc]) {
			visited[rc] = 1;
			stack[++k] = rc;
			continue;
		}
		if (lc < n) {
			if (leader == SIZE_MAX)
				nc++;
			labels[lc] = (int32_t)(nc - 1);
		}
		if (rc < n) {
			if (leader == SIZE_MAX)
				nc++;
			labels[rc] = (int32_t)(nc - 1);
		}
		if (leader == root)
			leader = SIZE_MAX;
		k--;
	}
	return nc;
}

static int
dbl_cmp(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;
	return a < b ? -1 : a > b;
}

/* by_k: cut so at most k clusters remain; else at height t. */
static int
hc_cut(const double *z, size_t n, int by_k, size_t k, double t,
       int32_t *labels, size_t *nclusters, char *err, size_t errlen)
{
	if (n == 0)
		return mlv_errf(err, errlen, "cannot cut a tree of no points");
	if (n > INT32_MAX)
		return mlv_errf(err, errlen, "a tree of %zu points is more than %d",
		               n, INT32_MAX);
	if (by_k && k == 0)
		return mlv_errf(err, errlen, "cannot cut a tree into 0 clusters");
	if (!by_k && isnan(t))
		return mlv_errf(err, errlen, "cut height is NaN");
	if (n == 1) {
		labels[0] = 0;
		if (nclusters)
			*nclusters = 1;
		return 0;
	}
	size_t m = n - 1;
	size_t *size = mlv_malloc(mlv_mul_size(2 * n, sizeof(size_t), "tree"));
	uint8_t *used = mlv_malloc(2 * n);
	double *mc = mlv_malloc(m * sizeof(double));
	double *sorted = mlv_malloc(m * sizeof(double));
	int rc = -1;
	if (hc_check_tree(z, n, size, used, err, errlen))
		goto done;
	/* the highest merge in each subtree (scipy's
	 * get_max_dist_for_each_cluster): the heights themselves unless
	 * the tree has inversions */
	for (size_t i = 0; i < m; i++) {
		double h = z[4 * i + 2];
		for (int s = 0; s < 2; s++) {
			size_t c = (size_t)z[4 * i + s];
			if (c >= n && mc[c - n] > h)
				h = mc[c - n];
		}
		mc[i] = h;
	}
	double cutoff = t;
	if (by_k) {
		/* scipy's maxclust: the lowest of the subtree maxima that leaves
		 * at most k clusters; with n - 1 merges, merging the n - k
		 * lowest leaves k, so the (n-k)-th smallest.  (scipy 1.10's
		 * binary search never tries the lowest, so for k >= n - 1 it
		 * returns fewer clusters than this.) */
		if (k >= n) {
			cutoff = -INFINITY;
		} else {
			memcpy(sorted, mc, m * sizeof(double));
			qsort(sorted, m, sizeof(double), dbl_cmp);
			cutoff = sorted[n - k - 1];
		}
	}
	size_t nc = hc_monocrit(z, mc, n, cutoff, labels, used, size);
	if (nclusters)
		*nclusters = nc;
	rc = 0;
done:
	free(sorted);
	free(mc);
	free(used);
	free(size);
	return rc;
}

int
mlv_hclust_cut_k(const double *z, size_t n, size_t k, int32_t *labels,
                 size_t *nclusters, char *err, size_t errlen)
{
	return hc_cut(z, n, 1, k, 0, labels, nclusters, err, errlen);
}

int
mlv_hclust_cut_height(const double *z, size_t n, double t, int32_t *labels,
                      size_t *nclusters, char *err, size_t errlen)
{
	return hc_cut(z, n, 0, 0, t, labels, nclusters, err, errlen);
}
