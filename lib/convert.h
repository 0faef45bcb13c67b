/* convert.h - MLV records to and from NumPy .npy files and delimited text.
 *
 * .npy is NumPy's own format (numpy.lib.format, versions 1.0-3.0).  Records
 * are written as C-order '<f4' arrays of shape (ROWS, COLS); any float,
 * integer or bool array is read, converted to float32: 1-D arrays become
 * one column, (N, S, F) arrays N rows of S*F values with steps=S, Fortran
 * order is transposed.  A file holding several arrays written one after
 * another (np.save to one open file) is read as several records.
 *
 * Text is TSV or CSV, one row per line.  Floats are printed with 9
 * significant digits, which float32 needs to round-trip exactly.
 */
#ifndef MLV_CONVERT_H
#define MLV_CONVERT_H

#include <stddef.h>

#include "stream.h"

/* True when buf (at least 6 bytes of it) starts an .npy array. */
int mlv_is_npy(const unsigned char *buf, size_t len);

/* Read the next .npy array from rd into r (metadata cleared).  1: read;
 * 0: end of input; -1: error, message in err.  *inexact counts integer
 * values float32 cannot hold exactly. */
int mlv_npy_read(mlv_reader *rd, mlv_record *r, size_t *inexact, char *err,
                 size_t errlen);

/* The .npy header of a C-order float32 array of rows x cols into out (at
 * least MLV_NPY_HEADER_MAX bytes); returns its length. */
#define MLV_NPY_HEADER_MAX 384
size_t mlv_npy_header(unsigned char *out, size_t rows, size_t cols);
/* Write that header. */
int mlv_npy_write_header(mlv_writer *w, size_t rows, size_t cols);

/* Read delimited text (delim '\t' or ',') from rd into one record: rows
 * are lines; blank lines and lines starting with '#' are skipped; a first
 * line in which no field is a number names the columns (colnames=a,b,...).
 * 0 on success, -1 with a message naming the line in err. */
int mlv_text_read(mlv_reader *rd, char delim, mlv_record *r, char *err,
                  size_t errlen);

/* A text field: CSV-quoted when delim is ',' and the text needs it; with
 * tabs, newlines and backslashes escaped as \t \n \\ when delim is '\t'. */
int mlv_text_write_field(mlv_writer *w, const char *s, char delim);

/* Write the rows of r, each preceded by the values of `keys`: metadata
 * keys, or "row" (the row index) and "t" (t0 + row*dt, in seconds). */
int mlv_text_write_rows(mlv_writer *w, const mlv_record *r, char delim,
                        char *const *keys, size_t nkeys);

/* Names in a colnames value (commas + 1; empty names count). */
size_t mlv_count_names(const char *names);

/* A header line: the key names, then colnames (when they match the
 * columns one to one) or c0, c1, ... */
int mlv_text_write_names(mlv_writer *w, const mlv_record *r, char delim,
                         char *const *keys, size_t nkeys);

#endif
