/* manifest.h - TSV lists of audio files with time ranges and labels.
 *
 * The first line names the columns.  One is the path ("path" or "file");
 * "start" and "end" (or "start_s", "end_s") are optional times in seconds;
 * every other column is a label, written as label.NAME metadata.  Relative
 * paths are taken relative to the manifest's own directory, so a manifest
 * works from wherever the tool is run.  Blank lines and lines starting with
 * '#' are skipped.
 */
#ifndef MLV_MANIFEST_H
#define MLV_MANIFEST_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
	char *path;     /* resolved */
	double start;   /* seconds; 0 when absent */
	double end;     /* seconds; 0 when absent (to the end of the file) */
	char **labels;  /* nlabels values, in the order of label_names */
	size_t line;    /* line number in the manifest, for messages */
} mlv_manifest_row;

typedef struct {
	mlv_manifest_row *rows;
	size_t n;
	char **label_names; /* "label.NAME" keys */
	size_t nlabels;
} mlv_manifest;

/* 0, or -1 with "line N: what (why)" in err. */
int mlv_manifest_read(mlv_manifest *m, const char *path, char *err,
                      size_t errlen);
/* The same from an open stream (fmemopen for tests), with relative paths
 * resolved against path's directory. */
int mlv_manifest_read_file(mlv_manifest *m, FILE *f, const char *path,
                           char *err, size_t errlen);
void mlv_manifest_free(mlv_manifest *m);

#endif
