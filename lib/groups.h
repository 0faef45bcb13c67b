/* groups.h - what colour groups, legends and tooltips are made of, shared
 * by mlv-plot's gnuplot scripts and mlv-explore's page: a record's id and
 * its short name, the distinct keys of records (the label.* keys a page
 * colours by, the keys a mistyped -c is compared with) and dictionaries
 * that number distinct strings (the groups of a legend, the values of a
 * label, records by id).
 */
#ifndef MLV_GROUPS_H
#define MLV_GROUPS_H

#include <stddef.h>
#include <stdint.h>

#include "stream.h"

/* r's id, "" when it has none. */
const char *mlv_record_id(const mlv_record *r);
/* An id that is a path from the root or the working directory
 * ("/tmp/x/a/c.wav", "../a/c.wav") as its last parts components ("c.wav"
 * for 1), without a leading '/'; any other id ("gen/0", "a/c.wav") whole,
 * since the user chose it. */
const char *mlv_id_tail(const char *id, size_t parts);
/* The path components the records' short names keep (mlv_id_tail): the
 * fewest that still tell every two different ids apart, so legends,
 * titles and tooltips show "330.wav", not a temporary directory's
 * absolute path, nor "../../data/330.wav". */
size_t mlv_id_parts(const mlv_record *recs, size_t nrecs);

/* The distinct keys of recs[nrecs] that start with prefix ("" for all),
 * sorted by bytes, as a malloc'd array of pointers into the records'
 * metadata; *n their count. */
const char **mlv_record_keys(const mlv_record *recs, size_t nrecs,
                             const char *prefix, size_t *n);

/* Distinct strings numbered 0, 1, ... in order of first appearance, found
 * by hash in constant time. */
typedef struct {
	char **names; /* [n] copies */
	size_t n;
	uint32_t *slot; /* code + 1; 0: empty */
	size_t mask;
} mlv_dict;

void mlv_dict_init(mlv_dict *d);
/* The code of s, numbering it if it is new. */
uint32_t mlv_dict_code(mlv_dict *d, const char *s);
/* The code of s, or -1. */
long long mlv_dict_find(const mlv_dict *d, const char *s);
/* Renumber the strings in byte order; returns the malloc'd map
 * new_code[old_code], n entries. */
uint32_t *mlv_dict_sort(mlv_dict *d);
/* The names (the caller frees them and each), the rest freed. */
char **mlv_dict_take(mlv_dict *d);
void mlv_dict_free(mlv_dict *d);

#endif
