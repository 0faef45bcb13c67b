/* index.h - keyed random access to MLV streams: a sidecar index of record
 * id -> byte offset and length, after Kaldi's scp files.
 *
 * An index is text (man/mlv.5, INDEX FILES, is the specification): for
 * each stream file it covers, a line naming the file and what identifies
 * its contents (size, mtime, a checksum of its first and last 64 KiB),
 * then one line per record that has an id.  Indexes concatenate as
 * streams do: `cat a.idx b.idx` is the index of both files.  A record is
 * fetched by one pread(2) of its bytes, so fetching k records costs O(k)
 * reads whatever the stream's size.
 */
#ifndef MLV_INDEX_H
#define MLV_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "stream.h"

#define MLV_INDEX_MAGIC "mlvidx1"
/* The checksum covers this much at each end of the file. */
#define MLV_INDEX_SUM_BYTES 65536
/* The longest line of an index or of a list of ids: an id comes from a
 * header line, and an encoded path is at most 3 * PATH_MAX. */
#define MLV_INDEX_LINE_MAX (4 * MLV_HEADER_MAX)
/* Stream files kept open while fetching, well under the usual limit of
 * 1024 descriptors however many shards an index spans. */
#define MLV_INDEX_OPEN_MAX 64

typedef struct {
	char *id;        /* decoded */
	size_t file;     /* into mlv_index.files */
	uint64_t record; /* 1-based record number in its file */
	uint64_t offset; /* of the header line */
	uint64_t length; /* header line, newline and payload */
} mlv_index_entry;

typedef struct {
	char *path;      /* as an index names it, relative to its directory */
	char *open_path; /* path, resolved against that directory */
	uint64_t size, sum;
	int64_t mtime_sec;
	long mtime_nsec;
	uint64_t records;  /* entries of this file */
	uint64_t no_id;    /* records without an id, not indexed */
	int fd;            /* open for fetching, or -1 */
	int summed;        /* the checksum was compared */
} mlv_index_file;

typedef struct {
	mlv_index_file *files;
	size_t nfiles, files_cap;
	mlv_index_entry *entries;
	size_t n, cap;
	size_t *slots;     /* hash table of entry number + 1 (0: empty) */
	size_t nslots;     /* a power of two, at least twice n */
	size_t nhashed;    /* entries the table holds */
	unsigned char *buf; /* fetch buffer */
	size_t buf_cap;
	mlv_reader *rd;     /* over the record last fetched */
	size_t nopen;       /* files with an fd open */
} mlv_index;

void mlv_index_init(mlv_index *ix);
void mlv_index_free(mlv_index *ix);

/* Index the stream file path (a regular file), reading it whole, and add
 * it as a file named `as` in the index written.  0, or -1 with a message
 * ("<file>: ...") in err. */
int mlv_index_add_stream(mlv_index *ix, const char *path, const char *as,
                         char *err, size_t errlen);
/* Read the index file path ("-": stdin) and add its files and entries;
 * relative stream paths are resolved against the index's directory.  A
 * malformed or truncated index is refused: -1, "<file>: line N: ..." in
 * err. */
int mlv_index_load(mlv_index *ix, const char *path, char *err,
                   size_t errlen);
/* Write the index; stream paths are written relative to directory dir
 * where they are under it (or in it), else absolute.  dir NULL: each
 * file's path as it was given.  0, or -1 with errno. */
int mlv_index_write(const mlv_index *ix, mlv_writer *w, const char *dir);

/* The first entry (in index order) with this id, and in *count how many
 * have it; NULL when none. */
const mlv_index_entry *mlv_index_find(mlv_index *ix, const char *id,
                                      size_t *count);
/* The id nearest to want (mlv_nearest_key), for "did you mean"; NULL when
 * none is near. */
const char *mlv_index_nearest(mlv_index *ix, const char *want);
/* The next id held by more than one entry, from *pos on (start at 0):
 * its first entry and in *count how many; NULL when no more. */
const mlv_index_entry *mlv_index_next_duplicate(mlv_index *ix, size_t *pos,
                                                size_t *count);

/* The ids of a text file ("-": stdin), one a line (blank lines skipped),
 * appended to *ids (malloc'd array of malloc'd strings).  0, or -1 with
 * a message in err. */
int mlv_index_read_ids(const char *path, char ***ids, size_t *n, char *err,
                       size_t errlen);

/* Read entry e's record into r.  On its first use a file is checked
 * against the index (size, mtime, checksum) and a stale index refused
 * (size and mtime again whenever it is reopened: at most
 * MLV_INDEX_OPEN_MAX files are kept open);
 * the record read must be a whole record with the entry's id and length.
 * Returns a reader to name the record in messages (mlv_reader_where),
 * valid until the next fetch, or NULL with a message in err. */
mlv_reader *mlv_index_fetch(mlv_index *ix, const mlv_index_entry *e,
                            mlv_record *r, char *err, size_t errlen);

#endif
