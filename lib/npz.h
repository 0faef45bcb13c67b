/* npz.h - MLV streams as NumPy .npz archives, one array per record.
 *
 * An .npz is a ZIP archive of .npy members (np.savez).  mlv writes one
 * stored (uncompressed) member NAME.npy per record, a C-order '<f4' array
 * of shape (ROWS, COLS), NAME being the record's id with every byte outside
 * [A-Za-z0-9_-] made '_' (arr_N without an id) and made unique with _2,
 * _3, ...; then a member meta.json:
 *
 *     {"mlv": 1, "arrays": [{"name": "NAME", "meta": {"id": "...", ...}},
 *                            ...]}
 *
 * listing the arrays in stream order with every metadata key as a string,
 * so np.load(f)[NAME] is a record and json.loads(np.load(f)["meta.json"])
 * its metadata.  Reading takes np.savez's archives too (the arrays in
 * archive order, each with id=NAME), but not np.savez_compressed's.
 * Without ZIP64 an archive holds at most 65534 records (and meta.json) and
 * 4 GiB; a record past either is refused before any of it is written.
 */
#ifndef MLV_NPZ_H
#define MLV_NPZ_H

#include <stddef.h>

#include "stream.h"

/* True when buf (at least 4 bytes of it) starts a ZIP archive. */
int mlv_is_npz(const unsigned char *buf, size_t len);

typedef struct mlv_npz_writer mlv_npz_writer;

/* Write an archive to w, a record at a time, as records arrive. */
mlv_npz_writer *mlv_npz_begin(mlv_writer *w);
/* 0, or -1 with errno set (a write error) or EFBIG (past ZIP's limits). */
int mlv_npz_add(mlv_npz_writer *z, const mlv_record *r);
/* Write meta.json and the directory, and free z.  0 or -1 as above. */
int mlv_npz_end(mlv_npz_writer *z);

/* Read a whole archive from rd into *recs[*n] (malloc'd, each to be freed
 * with mlv_record_free), in the order meta.json lists them, with their
 * metadata.  0, or -1 with a message in err. */
int mlv_npz_read(mlv_reader *rd, mlv_record **recs, size_t *n, char *err,
                 size_t errlen);

#endif
