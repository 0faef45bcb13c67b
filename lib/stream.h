/* stream.h - the MLV stream: records of float32 matrices with metadata.
 *
 * A stream is a concatenation of records (so `cat a.mlv b.mlv` merges
 * shards, and an empty file is an empty stream).  A record is one ASCII
 * header line
 *
 *     MLV1 ROWS COLS key=value key=value ...\n
 *
 * followed by ROWS*COLS little-endian IEEE-754 float32 values, row-major.
 * Values are percent-encoded (every byte outside '!'..'~', and '%'), so any
 * text survives.  man/mlv.5 is the specification; this header is the C API.
 */
#ifndef MLV_STREAM_H
#define MLV_STREAM_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define MLV_MAGIC "MLV1"
/* A header line longer than this is refused: it is garbage, not metadata. */
#define MLV_HEADER_MAX (64 * 1024)
/* Default cap on one record's payload, overridable by MLV_MAX_RECORD
 * (a size such as 16G): a corrupt header must not make us allocate
 * terabytes before the payload turns out to be missing. */
#define MLV_DEFAULT_MAX_RECORD ((uint64_t)8 << 30)

typedef struct {
	char *key;
	char *val; /* decoded text */
} mlv_kv;

/* One record.  Buffers are reused across reads: a tool reading a stream
 * with one mlv_record allocates only when a record is larger than any
 * before it. */
typedef struct {
	size_t rows, cols;
	float *data;       /* rows*cols values, row-major */
	size_t data_cap;   /* floats allocated in data */
	mlv_kv *meta;      /* in header order */
	size_t nmeta, meta_cap;
} mlv_record;

void mlv_record_init(mlv_record *r);
void mlv_record_free(mlv_record *r);
/* Set the shape, growing data as needed (contents unspecified); dies on
 * overflow or out of memory. */
void mlv_record_resize(mlv_record *r, size_t rows, size_t cols);
/* Copy shape, data and metadata. */
void mlv_record_copy(mlv_record *dst, const mlv_record *src);
/* Number of NaN and infinite values. */
size_t mlv_count_nonfinite(const float *x, size_t n);

/* Metadata.  Keys are [A-Za-z0-9_.:+-]+ ("label.performer"); values any
 * text without NUL.  mlv_meta_set keeps the position of an existing key. */
int mlv_key_valid(const char *key);
const char *mlv_meta_get(const mlv_record *r, const char *key);
void mlv_meta_set(mlv_record *r, const char *key, const char *val);
void mlv_meta_setf(mlv_record *r, const char *key, const char *fmt, ...)
	MLV_PRINTF(3, 4);
void mlv_meta_unset(mlv_record *r, const char *key);
void mlv_meta_clear(mlv_record *r);
/* Copy the keys of src into dst; a key dst already has keeps its value
 * unless replace is set. */
void mlv_meta_merge(mlv_record *dst, const mlv_record *src, int replace);
/* Numeric value of key: 0 on success, -1 if absent, -2 if not a number. */
int mlv_meta_get_double(const mlv_record *r, const char *key, double *out);
/* The key of keys[nkeys] nearest to want, for "did you mean" in the
 * message about a key no record has: fewest edits (insertions, deletions,
 * substitutions and swaps of neighbouring bytes; case counts), the first
 * of equals.  NULL when nkeys is 0, when even the nearest takes more
 * edits than a third of strlen(want) rounded up (at least 1), too many to
 * be a slip of the keyboard, and when want itself is among keys.  Returns
 * one of keys, not a copy. */
const char *mlv_nearest_key(const char *want, const char *const *keys,
                            size_t nkeys);

/* Percent-encoding of header values.  mlv_encode returns the bytes written
 * excluding the NUL (out needs 3*strlen(in)+1); mlv_decode decodes in place
 * and returns -1 on a malformed escape or an encoded NUL. */
size_t mlv_encode(char *out, const char *in);
int mlv_decode(char *s);

/* The header line of r, with its newline and a NUL, into *buf (grown as
 * needed; *cap is its size).  Returns the length without the NUL. */
size_t mlv_format_header(const mlv_record *r, char **buf, size_t *cap);

/* ---- reading ---- */

typedef struct mlv_reader mlv_reader;

/* Open a file, or stdin for "-" or NULL.  NULL with errno set on failure. */
mlv_reader *mlv_reader_open(const char *path);
/* Read from an open descriptor (not closed by mlv_reader_close). */
mlv_reader *mlv_reader_fdopen(int fd, const char *name);
/* Read len bytes at buf (kept by the caller until closing), as if a
 * regular file of that name: for tests and fuzzing without files. */
mlv_reader *mlv_reader_memopen(const void *buf, size_t len, const char *name);
void mlv_reader_close(mlv_reader *rd);
/* 1: a record was read into r; 0: end of stream; -1: error, described by
 * mlv_reader_error() as "<file>: record N at byte B: <what> (<why>)". */
int mlv_read(mlv_reader *rd, mlv_record *r);
const char *mlv_reader_error(const mlv_reader *rd);
/* "<file>: record N (id=...)", naming the record last read, for messages. */
const char *mlv_reader_where(mlv_reader *rd, const mlv_record *r);
/* The file name as shown in messages ("<stdin>" for stdin). */
const char *mlv_reader_name(const mlv_reader *rd);
/* 1-based index of the record last read; its header's byte offset. */
uint64_t mlv_reader_index(const mlv_reader *rd);
uint64_t mlv_reader_offset(const mlv_reader *rd);
/* The bytes a regular file still holds after what was read (what a header
 * may claim at most); -1 when the input is not a regular file. */
int mlv_reader_bytes_left(const mlv_reader *rd, uint64_t *left);
/* For a pipe, which tells no size: read what follows into memory, until
 * its end or max bytes, before a caller allocates for what a header
 * promises; at the end, mlv_reader_bytes_left() then knows the bytes left.
 * 0 (also for a regular file, where there is nothing to do), or -1 on a
 * read error, described by mlv_reader_error(). */
int mlv_reader_read_ahead(mlv_reader *rd, uint64_t max);
/* Bytes consumed so far: where the next read starts. */
uint64_t mlv_reader_tell(const mlv_reader *rd);
/* Count a record of another format (.npy, text) starting here, so that
 * mlv_reader_where() and mlv_reader_index() name it too. */
void mlv_reader_mark_record(mlv_reader *rd);
/* Before the first read: number what follows as record index + 1 at
 * byte offset, for a reader over records fetched from the middle of a
 * stream (lib/index.c), so that messages name their true place. */
void mlv_reader_set_origin(mlv_reader *rd, uint64_t offset, uint64_t index);
/* Raw bytes not yet consumed, for tools that sniff other formats first. */
int mlv_reader_peek(mlv_reader *rd, const unsigned char **buf, size_t *len,
                    size_t want);
/* Read exactly n raw bytes (for non-MLV inputs); -1 on error or short. */
int mlv_reader_read_raw(mlv_reader *rd, void *buf, size_t n, size_t *got);
/* The payload cap in bytes (MLV_MAX_RECORD or the default). */
uint64_t mlv_max_record_bytes(void);

/* Open or die with "<file>: cannot open (<why>)". */
mlv_reader *mlv_reader_open_or_die(const char *path);
/* mlv_read, dying with the reader's message on error. */
int mlv_read_or_die(mlv_reader *rd, mlv_record *r);

/* ---- writing ---- */

typedef struct mlv_writer mlv_writer;

/* Write to stdout for "-" or NULL, refusing (errno ENOTTY) when stdout is
 * a terminal, as gzip does: these writers write binary.  A regular file
 * (or a new name) is written under a temporary name beside it and renamed
 * over PATH only by a successful mlv_writer_close(), so a failed run never
 * leaves a partial file nor damages an existing one; the file replaced
 * keeps its mode and, where we may, its owner (a new one gets the
 * umask's mode).  A symbolic link is followed: its target is replaced and
 * the link kept.  Devices and FIFOs are written in place.  Writing to
 * stdout, a device or a FIFO, a tool that dies (mlv_die) first passes on
 * the whole records it holds, and never half of one. */
mlv_writer *mlv_writer_open(const char *path);
/* The same for text (TSV, a gnuplot script): a terminal is fine. */
mlv_writer *mlv_writer_open_text(const char *path);
/* Before the work starts: 0 when mlv_writer_open(path) would succeed, by
 * creating and removing its temporary file; else -1 with errno. */
int mlv_writer_check(const char *path);
/* These return 0, or -1 with errno set.  Buffered; large payloads bypass
 * the buffer. */
int mlv_write(mlv_writer *w, const mlv_record *r);
/* A record in pieces, for payloads produced a band at a time: the header
 * of r (its rows, cols and metadata; r->data is not read), then exactly
 * rows*cols values through any number of mlv_write_floats calls. */
int mlv_write_header(mlv_writer *w, const mlv_record *r);
int mlv_write_floats(mlv_writer *w, const float *x, size_t n);
int mlv_write_bytes(mlv_writer *w, const void *buf, size_t n);
int mlv_writer_printf(mlv_writer *w, const char *fmt, ...) MLV_PRINTF(2, 3);
/* Flush, close, and rename into place.  -1 with errno on failure (the
 * temporary file is then removed). */
int mlv_writer_close(mlv_writer *w);
/* Discard everything written (removing the temporary file). */
void mlv_writer_abort(mlv_writer *w);
/* For output another program writes by name (gnuplot's "set output"): a
 * file it may write, owned by w.  The writer's temporary file when it will
 * be renamed into place; for stdout, a device or a FIFO a temporary file
 * in $TMPDIR whose bytes mlv_writer_close() copies in.  Write nothing else
 * to w.  NULL with errno when it cannot be created. */
const char *mlv_writer_file(mlv_writer *w);
const char *mlv_writer_name(const mlv_writer *w);

/* The same, dying with "<file>: write error (<why>)", or leaving quietly
 * through mlv_exit_broken_pipe() when the reader of a pipe went away. */
mlv_writer *mlv_writer_open_or_die(const char *path);
mlv_writer *mlv_writer_open_text_or_die(const char *path);
/* mlv_writer_check for each of n paths ("-": stdout; NULL: an optional
 * output not asked for), dying with the message mlv_writer_open_or_die
 * would give only after the work.  Call it before the work starts. */
void mlv_outputs_check_or_die(size_t n, ...);
void mlv_write_or_die(mlv_writer *w, const mlv_record *r);
void mlv_write_bytes_or_die(mlv_writer *w, const void *buf, size_t n);
void mlv_writer_printf_or_die(mlv_writer *w, const char *fmt, ...)
	MLV_PRINTF(2, 3);
void mlv_writer_close_or_die(mlv_writer *w);
/* Die for the write error in errno, as the functions above do. */
MLV_NORETURN void mlv_writer_die(const mlv_writer *w);

#endif
