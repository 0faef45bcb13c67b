/* plot.h - writing gnuplot scripts and running gnuplot.
 *
 * mlv-plot writes a gnuplot script (data inline as here-documents, so no
 * temporary data files) and feeds it to gnuplot on its stdin.  This is the
 * part any plotting tool needs: quoting text from data so gnuplot and the
 * SVG it writes both show it as text, the palettes, the output types, and
 * running gnuplot with an atomically renamed output file.
 */
#ifndef MLV_PLOT_H
#define MLV_PLOT_H

#include <stddef.h>
#include <stdio.h>

/* Okabe & Ito's eight colours, distinguishable with any common colour
 * blindness ("#RRGGBB"); black last, since it is also the axes' colour. */
#define MLV_PLOT_NCOLORS 8
extern const char *const mlv_plot_colors[MLV_PLOT_NCOLORS];
/* The grey of points that are not highlighted, and the highlight. */
#define MLV_PLOT_GREY "#BBBBBB"
#define MLV_PLOT_STRONG "#D55E00"

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

/* Write s as a gnuplot string expression: single-quoted pieces (' doubled,
 * no backslash processing), joined by ."\n". at newlines unless
 * MLV_PLOT_ONELINE.  Other control characters become spaces and bytes that
 * are not UTF-8 become '?', so the SVG gnuplot writes stays well-formed;
 * gnuplot itself escapes < and & in SVG text. */
void mlv_plot_string(FILE *f, const char *s, int flags);

/* Write the "set terminal" line for type, width x height pixels (PDF:
 * hundredths of an inch), noenhanced, so text from data is never markup. */
void mlv_plot_terminal(FILE *f, enum mlv_plot_type type, int width,
                       int height);

/* A temporary name beside path (".NAME.XXXXXX" in its directory), created
 * empty with mkstemp and mode 0666 less the umask, registered for removal
 * on death (mlv_cleanup_add).  Returns a malloc'd path, or NULL with errno
 * set. */
char *mlv_plot_tmpname(const char *path);

/* Run gnuplot (the command in MLV_GNUPLOT, or "gnuplot" on PATH) with
 * script on its stdin; its stdout is ours, its stderr ours too, so its
 * messages reach the user.  0 when it exits 0; otherwise -1 and a message
 * in err ("gnuplot not found ..." when it cannot be run). */
int mlv_plot_run(const char *script, size_t len, char *err, size_t errlen);

#endif
