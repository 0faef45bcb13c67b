/* boundaries.h - section-boundary scores against annotations.
 * The conventions of labels, rows and errors are eval.h's.
 */
#ifndef MLV_BOUNDARIES_H
#define MLV_BOUNDARIES_H

#include <stddef.h>
#include <stdint.h>

/* The size of a maximum one-to-one matching of estimated to reference
 * event times, a pair matching when |est - ref| <= tol: what
 * mir_eval.util.match_events counts (a maximum bipartite matching, not a
 * greedy one, which can pair an estimate with the wrong reference and
 * leave another unmatched). */
size_t mlv_match_events(const double *ref, size_t nref, const double *est,
                        size_t nest, double tol);

/* Precision hits/nest, recall hits/nref and their harmonic mean; each 0
 * when its denominator is (mir_eval.segment.detection's convention). */
void mlv_prf(size_t hits, size_t nref, size_t nest, double *precision,
             double *recall, double *f);

/* Comma-separated numbers ("30,90.5,130"; "" is none) into *out
 * (malloc'd, NULL when none) and *n.  -1 with a message for text that
 * is not such a list or a value that is not finite. */
int mlv_parse_times(const char *text, double **out, size_t *n, char *err,
                    size_t errlen);

/* Section annotations: a TSV file whose header names a path column
 * ("file" or "path") and a start-time column ("start_s" or "start", in
 * seconds), one line per section. */
typedef struct {
	char **file;
	double *start;
	size_t n;
} mlv_sections;

/* -1 with a message naming the file and line for a missing column, a
 * short line or a start that is not a number. */
int mlv_sections_read(mlv_sections *s, const char *path, char *err,
                      size_t errlen);
/* The reference boundaries of one recording: the section starts above 0
 * of the lines about name (a path or an id; a "#..." fragment after the
 * last slash, such as mlv-spec's "#t=0,10", is ignored), sorted, without
 * repeats, into out (room for s->n values) and *nout; *nlines gets the
 * number of those lines (0: the file is not annotated).  A line is about
 * name when the shorter of its path and name is a trailing part of the
 * other in whole components (disc1/01.wav of /m/disc1/01.wav, not of
 * /m/disc2/01.wav; sub/p2.wav is not /b/p2.wav); of several files, the
 * one sharing the most components.  -1 with a message naming them when
 * several different files share the most. */
int mlv_sections_boundaries(const mlv_sections *s, const char *name,
                            double *out, size_t *nout, size_t *nlines,
                            char *err, size_t errlen);
void mlv_sections_free(mlv_sections *s);

#endif
