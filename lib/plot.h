/* plot.h - writing gnuplot scripts and running gnuplot.
 *
 * mlv-plot writes a gnuplot script (data inline as here-documents, so no
 * temporary data files) and feeds it to gnuplot on its stdin.  This is the
 * part any plotting tool needs: quoting text from data so gnuplot and the
 * SVG it writes both show it as text, the palettes, the output types, the
 * kinds of plot (maps, trajectories, averages, parallel coordinates,
 * heatmaps, curves, dendrograms) and running gnuplot with an atomically
 * renamed output file.
 */
#ifndef MLV_PLOT_H
#define MLV_PLOT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "stream.h"

/* Thirteen colours ("#RRGGBB") before any repeats: Okabe & Ito's seven,
 * distinguishable with any common colour blindness, then five of Paul
 * Tol's darker ones (wine, indigo, olive, green, brown: at least 22 CIE76
 * units from every other colour) and black last, since it is also the
 * axes' colour. */
#define MLV_PLOT_NCOLORS 13
extern const char *const mlv_plot_colors[MLV_PLOT_NCOLORS];
/* The grey of points that are not highlighted, and the highlight. */
#define MLV_PLOT_GREY "#BBBBBB"
#define MLV_PLOT_STRONG "#D55E00"
/* Marks that are not data: boundaries, cut lines, links above a cut. */
#define MLV_PLOT_DARK "#555555"

enum mlv_plot_type { MLV_PLOT_SVG, MLV_PLOT_PNG, MLV_PLOT_PDF };

/* "svg", "png" or "pdf" (also as a file name's extension, any case):
 * 0 and *type set, or -1 when name is none of them. */
int mlv_plot_type_parse(const char *name, enum mlv_plot_type *type);
/* The type a path's extension names; -1 for none or an unknown one. */
int mlv_plot_type_of_path(const char *path, enum mlv_plot_type *type);

/* Text flags for mlv_plot_string. */
enum {
	/* For SVG hypertext (tooltips): gnuplot copies these into a
	 * JavaScript string inside an XML attribute without escaping ' " and
	 * \, so they are replaced by their typographic look-alikes
	 * (U+2019, U+201D, U+2216). */
	MLV_PLOT_HYPERTEXT = 1,
	/* Newlines become spaces (axis labels, legend entries). */
	MLV_PLOT_ONELINE = 2,
};

/* Write s as a gnuplot string: double-quoted, with " and \ escaped, a
 * backtick as \140 (gnuplot substitutes `command` in double quotes) and
 * newlines as \n unless MLV_PLOT_ONELINE.  Other control characters
 * become spaces, bytes that are not UTF-8 (and U+FFFE, U+FFFF) '?', and a
 * zero-width space breaks "]]>", so the SVG gnuplot writes stays
 * well-formed XML whatever s holds; gnuplot itself escapes < and & there.
 * The one way text from data enters a script. */
void mlv_plot_string(FILE *f, const char *s, int flags);

/* Write the "set terminal" line for type, width x height pixels (PDF:
 * hundredths of an inch), noenhanced, so text from data is never markup;
 * an SVG carries the script its tooltips need. */
void mlv_plot_terminal(FILE *f, enum mlv_plot_type type, int width,
                       int height);

/* 0 when the file at path is a whole image of type: not empty, and ending
 * as one must (SVG's </svg>, PDF's %%EOF, PNG's IEND chunk).  gnuplot
 * ignores write errors and exits 0 on a full disk, so its exit status
 * cannot tell.  Else -1 and "incomplete image (...)" in err. */
int mlv_plot_check_image(const char *path, enum mlv_plot_type type,
                         char *err, size_t errlen);

/* Run gnuplot (the command in MLV_GNUPLOT, or "gnuplot" on PATH) with
 * script on its stdin; its stdout is ours, its stderr ours too, so its
 * messages reach the user.  0 when it exits 0; otherwise -1 and a message
 * in err ("gnuplot not found ..." when it cannot be run). */
int mlv_plot_run(const char *script, size_t len, char *err, size_t errlen);

/* ---- kinds of plot and their options ------------------------------------ */

enum mlv_plot_kind {
	MLV_PLOT_SCATTER,      /* a 2-D map, a point per row */
	MLV_PLOT_TRAJECTORIES, /* each record's rows joined in row order */
	MLV_PLOT_AVERAGES,     /* a circle per record: its mean and spread */
	MLV_PLOT_PARALLEL,     /* parallel coordinates, a polyline per row */
	MLV_PLOT_HEATMAP,      /* one record as a matrix */
	MLV_PLOT_LINES,        /* columns against the first, or against time */
	MLV_PLOT_DENDROGRAM,   /* a merge tree from mlv-cluster --tree */
};
#define MLV_PLOT_NKINDS 7

/* 0 and *kind set, or -1 for a name that is none of the kinds. */
int mlv_plot_kind_parse(const char *name, enum mlv_plot_kind *kind);
const char *mlv_plot_kind_name(enum mlv_plot_kind kind);
/* The names of all kinds, ", "-separated, for messages. */
const char *mlv_plot_kind_list(void);
/* The kind that draws a record whose kind key is record_kind (NULL: the
 * record has none): tree a dendrogram; simmat, spec, mel, mfcc and chroma
 * a heatmap; loss and novelty lines; latent parallel coordinates;
 * anything else (xy, cluster, ...) a scatter plot. */
enum mlv_plot_kind mlv_plot_kind_for(const char *record_kind);

typedef struct {
	enum mlv_plot_kind kind;
	enum mlv_plot_type type;
	int width, height;      /* pixels; PDF: hundredths of an inch */
	const char *output;     /* the script's "set output"; NULL: stdout */
	const char *title;      /* NULL: the records' ids */
	const char *color_key;  /* colour by this metadata key */
	size_t color_column;    /* or by this column, from 1; 0: none */
	/* strong colour for the records whose hl_key matches the glob(7)
	 * pattern hl_glob, grey for the rest; with color_key or color_column
	 * the highlighted records take their colours instead */
	const char *hl_key, *hl_glob;
	int with_points;        /* averages: the rows too, faintly */
	int sort_variance;      /* parallel, heatmap: columns by variance */
	size_t columns;         /* parallel, heatmap: the first N; 0: all */
	size_t clusters;        /* dendrogram: colour the cut at K; 0: none */
	size_t max_rows;        /* parallel: draw at most this many rows,
	                         * evenly spaced; 0: all */
	char *const *extra;     /* gnuplot commands run before the plot */
	size_t nextra;
} mlv_plot_opts;

/* Rows parallel coordinates draw by default: pngcairo takes about 10 us
 * a segment, so 10,000 rows of 16 columns take 2 s, 100,000 take 16. */
#define MLV_PLOT_MAX_ROWS 10000

/* scatter, SVG, 800 x 600, max_rows MLV_PLOT_MAX_ROWS, the rest off. */
void mlv_plot_defaults(mlv_plot_opts *o);
/* 0, or -1 and a message for options that do not go together or with the
 * kind (--color-column with --color, --clusters with a scatter plot ...). */
int mlv_plot_check(const mlv_plot_opts *o, char *err, size_t errlen);

/* Write the whole gnuplot script that draws recs[nrecs] as o asks, from
 * "set terminal" to "unset output".  0, or -1 and a message naming the
 * record for input the kind cannot draw. */
int mlv_plot_script(FILE *f, const mlv_record *recs, size_t nrecs,
                    const mlv_plot_opts *o, char *err, size_t errlen);

/* ---- the pieces the kinds share (exported for their tests) -------------- */

/* Colour groups of rows.  A row's group is its record's value of the
 * colour key, or the text of its value in the colour column (%g), or
 * "" when there is neither.  With a highlight, group 0 is "other", the
 * rows of records that do not match, and with no colour key or column the
 * matching rows form one group named "KEY=GLOB" (strong).  Groups come in
 * order of appearance, those of a colour column in numeric order. */
typedef struct {
	char **names;     /* the legend entry of each group */
	size_t n;
	int other;        /* group 0 is the grey rest of a highlight */
	int strong;       /* highlight without colours: one strong group */
	size_t rows;      /* rows of all records */
	uint32_t *of_row; /* [rows] the group of each row, record by record */
	size_t *order;    /* [rows] the rows by group, in row order within */
	size_t *start;    /* [n + 1] group g is order[start[g] .. start[g+1]) */
} mlv_plot_groups;

/* 0 when some record has the colour key and some the highlight key (each
 * if set); otherwise -1 and a message naming the option, the keys the
 * records have and the nearest of them (mlv_nearest_key): a mistyped key
 * would draw every row as "(none)" or grey. */
int mlv_plot_keys_exist(const mlv_record *recs, size_t nrecs,
                        const mlv_plot_opts *o, char *err, size_t errlen);

/* 0, or -1 and a message for a colour column past a record's columns. */
int mlv_plot_group_rows(mlv_plot_groups *g, const mlv_record *recs,
                        size_t nrecs, const mlv_plot_opts *o, char *err,
                        size_t errlen);
void mlv_plot_groups_free(mlv_plot_groups *g);
/* Group i's colour ("#RRGGBB") and gnuplot point type: the palette in
 * turn, past MLV_PLOT_NCOLORS groups the colours again with other shapes. */
const char *mlv_plot_group_color(const mlv_plot_groups *g, size_t i);
int mlv_plot_group_shape(const mlv_plot_groups *g, size_t i);

/* Tooltip text for a point of record r: its id; key=value for each of
 * keys[nkeys] other than id and label.*, once ("(none)" when r lacks
 * it); every label.* key of r; then last (may be NULL).  One a line;
 * malloc'd. */
char *mlv_plot_tip(const mlv_record *r, const char *const *keys,
                   size_t nkeys, const char *last);

/* order[cols] = the columns of x (rows x cols, row-major) by their
 * variance over the rows, largest first (MusicLatentVIS's sorted-variance
 * view, Fig. 6 C-D); ties and NaN as mlv_rank_desc orders them. */
void mlv_plot_variance_order(const float *x, size_t rows, size_t cols,
                             uint32_t *order);

/* The mean of the first dims columns of r's rows into mean[dims], and
 * their spread: the root of the mean over those columns of the
 * (population) variance.  NaN for a record without rows. */
double mlv_plot_spread(const mlv_record *r, size_t dims, double *mean);

/* Merge trees z are scipy's linkage matrix, (n-1) x 4 doubles: a, b,
 * height, size, row i forming cluster n+i; they must be valid
 * (mlv_hclust_cut_k checks).
 *
 * order[n]: the leaves left to right as scipy.cluster.hierarchy.dendrogram
 * draws them (and leaves_list returns them): a merge's part a left of
 * its part b, recursively (n >= 2). */
void mlv_plot_leaf_order(const double *z, size_t n, uint32_t *order);
/* x[2n-1]: where each cluster stands, a leaf at its place in order (0 to
 * n-1), a merge midway between its parts. */
void mlv_plot_tree_x(const double *z, size_t n, const uint32_t *order,
                     double *x);
/* The tree checked and cut as mlv_hclust_cut_k cuts it (at most k flat
 * clusters), with its leaf order (mlv_plot_leaf_order) into order[n] and
 * its clusters numbered 0, 1, ... left to right: leaf[n] the cluster of
 * each point, link[n-1] that of each merge, or -1 for a merge above the
 * cut; *nclusters; *cut a height between the highest merge inside a
 * cluster and the lowest above (NaN for a single cluster).  0, or -1 and
 * a message for a tree that is not one or k == 0. */
int mlv_plot_tree_cut(const double *z, size_t n, size_t k, uint32_t *order,
                      int32_t *leaf, int32_t *link, size_t *nclusters,
                      double *cut, char *err, size_t errlen);

#endif
