/* explore.h - the data of an mlv-explore page, and the page itself.
 *
 * mlv-explore turns a map (and optionally a second map of the same rows,
 * their latent rows, cluster ids, neighbours and audio) into one HTML file
 * that works offline.  The page's HTML, CSS and JS are sources built into
 * the tool; the data go in at the page's markers as one JSON element
 * (mlv-meta) and base64 blobs of little-endian arrays (mlv-blob-NAME),
 * as man/mlv-explore.1 describes them: one array per quantity, never an
 * object per point, and what a record determines (its rows' record and
 * row numbers, their times, its labels) once per record, so 100,000
 * points on two maps stay near 2 MB.  Contract (version 2):
 *   records: id, name (the id shortened as mlv-plot's legends show it,
 *     mlv_id_tail), src, rows (row count), t0, dt, dur (numbers; null:
 *     unknown): the points are the records' rows in order, row j of a
 *     record starting at t0 + j * dt and ending dur later (dur: dt when
 *     the record has none);
 *   labels: per key its sorted values and each record's code, a blob of
 *     u8, u16 or u32 as the values need, its type's largest value for a
 *     record without the key;
 *   neighbours.index: u8, u16 or u32 as the number of points needs;
 *   maps' xy, clusters, columns, latent, neighbours' dist and clips per
 *     point.
 *
 * Points are the rows of the first map, record by record.  Every other
 * input (a second map, latent rows, clusters, neighbours) is matched to
 * them by (record id, row): in the same order when the records' ids and
 * row counts agree one to one, else through the ids, which must then be
 * unique.  Functions return 0, or -1 with "<file or record>: <what>
 * (<why>)" in err; allocation failure dies as mlv_malloc does.
 */
#ifndef MLV_EXPLORE_H
#define MLV_EXPLORE_H

#include <stddef.h>
#include <stdint.h>

#include "knn.h"

#include "points.h"
#include "stream.h"

#define MLV_EXPLORE_MISSING 0xFFFFFFFFu /* a label code: no value */
#define MLV_EXPLORE_MAXMAPS 2

/* A label.* key: its sorted distinct values and each record's code. */
typedef struct {
	char *key;
	char **values;
	size_t nvalues;
	uint32_t *codes; /* [nrecs], MLV_EXPLORE_MISSING: the record lacks it */
} mlv_explore_label;

/* A continuous column: a map column past the first two. */
typedef struct {
	char *name;
	float *values; /* [n] */
} mlv_explore_column;

typedef struct {
	char *name;    /* the map's file name */
	char *axes[2]; /* "t-SNE 1", "t-SNE 2", or its colnames, or x, y */
	float *xy;     /* [2n]: x0, y0, x1, y1, ... */
} mlv_explore_map;

typedef enum {
	MLV_EXPLORE_AUDIO_NONE, MLV_EXPLORE_AUDIO_URL, MLV_EXPLORE_AUDIO_EMBEDDED
} mlv_explore_audio_mode;

typedef struct {
	char *title;
	size_t n;                  /* points */
	mlv_explore_map maps[MLV_EXPLORE_MAXMAPS];
	size_t nmaps;
	/* records of the first map, in stream order */
	size_t nrecs;
	char **rec_id;             /* [nrecs]; "" when a record has none */
	size_t id_parts;           /* names shown: ids' last parts (groups.h) */
	char **rec_src;            /* [nrecs]; its audio file, or NULL */
	size_t *rec_first;         /* [nrecs + 1]: its points are first..next */
	double *rec_t0, *rec_dt;   /* [nrecs] seconds; dt NaN: unknown */
	double *rec_dur;           /* [nrecs] a row's length; NaN: unknown */
	uint32_t *point_record;    /* [n] */
	mlv_explore_label *labels; /* sorted by key */
	size_t nlabels;
	char *clusters_name;       /* NULL: no clusters */
	int32_t *clusters;         /* [n], -1 for noise or none */
	mlv_explore_column *columns;
	size_t ncolumns;
	size_t dims;               /* latent columns; 0: no latent rows */
	char **latent_names;       /* [dims] */
	float *latent;             /* [n * dims] row-major */
	size_t k;                  /* neighbours per point; 0: none */
	char *nn_measure;          /* what nn_dist holds: "euclidean", ... */
	uint32_t *nn_index;        /* [n * k], nearest first, self excluded */
	float *nn_dist;            /* [n * k] */
	mlv_explore_audio_mode audio;
	char **urls;               /* [nrecs] (mode URL); NULL entries */
	unsigned char *clips;      /* mode EMBEDDED: Ogg clips, back to back */
	uint32_t *clip_offset;     /* [n + 1]: clip i is clips[off[i]..off[i+1]) */
	const char *color;         /* initial colouring: a label key, "cluster" */
} mlv_explore;

/* Points, records, times, labels, columns and clusters from the first map
 * (read with mlv_points_read; where names each record for messages; name
 * is its file name).  A map's first two columns are its coordinates, so it
 * needs at least two, and a third named z (mlv-project --dims 3) is
 * refused.  Of the columns past two, one named "cluster" (mlv-paste of
 * mlv-cluster's output) whose values are all integers >= -1 gives the
 * clusters; the others are continuous columns.  A point's start is
 * t0 + row * dt of its record and its end start + dur (dur absent: + dt);
 * unknown without dt. */
int mlv_explore_init(mlv_explore *e, const mlv_points *map, const char *name,
                     char *err, size_t errlen);
void mlv_explore_free(mlv_explore *e);

/* For each point of base, the row of other with the same record id and
 * row, into at[base->n]; other must hold exactly the same records (as ids
 * and row counts).  name is other's file name, for messages. */
int mlv_explore_match(const mlv_points *base, const mlv_points *other,
                      const char *name, size_t *at, char *err,
                      size_t errlen);

/* A second map of the same points (its first two columns). */
int mlv_explore_add_map(mlv_explore *e, const mlv_points *base,
                        const mlv_points *map, const char *name, char *err,
                        size_t errlen);
/* The latent rows behind the points (same records and rows). */
int mlv_explore_set_latent(mlv_explore *e, const mlv_points *base,
                           const mlv_points *latent, const char *name,
                           char *err, size_t errlen);
/* Cluster ids from a stream of one integer column (or a column named
 * cluster) per point; they replace a pasted cluster column. */
int mlv_explore_set_clusters(mlv_explore *e, const mlv_points *base,
                             const mlv_points *clusters, const char *name,
                             char *err, size_t errlen);
/* The k nearest points of each point in the latent space (Euclidean, as
 * mlv-simmat -m euclidean --knn k+1 finds them, less the point itself),
 * or approximately by NN-descent (ann.h) as search (knn.h) and the
 * number of points decide, its random draws from seed. */
int mlv_explore_knn(mlv_explore *e, size_t k, mlv_knn_search search,
                    uint64_t seed, int nthreads, char *err, size_t errlen);
/* Neighbours from mlv-simmat --query MAP-ROWS --knn K+1 output (TSV:
 * query_id, query_t, rank, id, t, value), rows found from their times.
 * Each point must be a query once, with the same number of ranks; its own
 * entry (or else its last) is dropped, so k = ranks - 1. */
int mlv_explore_read_neighbours(mlv_explore *e, const mlv_points *base,
                                const char *path, char *err, size_t errlen);

/* Point i's start and end in seconds in its source; NaN: unknown. */
void mlv_explore_point_times(const mlv_explore *e, size_t i, double *start,
                             double *end);

/* 0 when key is a label key or "cluster" (with clusters); else -1 and
 * the keys there are in err. */
int mlv_explore_check_color(const mlv_explore *e, const char *key, char *err,
                            size_t errlen);

/* Records' audio files (from base, the first map's points): src, else
 * the id when root/id is a file.  Paths are relative to root (NULL: the
 * current directory).  With base_url, each record's URL is
 * base_url/PATH (percent-encoded); otherwise the path from
 * page_dir (NULL: the current directory) to root/PATH.  Mode URL when
 * any record has a file, NONE otherwise. */
int mlv_explore_audio_urls(mlv_explore *e, const mlv_points *base,
                           const char *page_dir, const char *root,
                           const char *base_url, char *err, size_t errlen);
/* Each point's segment of its record's audio file (found as
 * mlv_explore_audio_urls finds it) as an Ogg Opus clip in the page: mode
 * EMBEDDED.  A point without times gets its whole file.  -1 naming the
 * first record without a file or the first file that cannot be decoded,
 * or when the clips take more than max_bytes (at most 4G: offsets are
 * 32-bit). */
int mlv_explore_embed_audio(mlv_explore *e, const mlv_points *base,
                            const char *root, uint64_t max_bytes,
                            int nthreads, char *err, size_t errlen);
/* The path of a record's audio file: root/src, or src when it is absolute
 * or root NULL (malloc'd), or NULL. */
char *mlv_explore_audio_file(const mlv_explore *e, size_t rec,
                             const char *root);

/* Write the page: html split at <!--MLV-STYLE-->, <!--MLV-DATA--> and
 * <!--MLV-SCRIPT--> (in that order, each once), css and js inlined, the
 * data in between.  -1 with errno on a write error; -1 with errno EINVAL
 * for a template without its markers. */
int mlv_explore_write(mlv_writer *w, const mlv_explore *e, const char *html,
                      const char *css, const char *js);

#endif
