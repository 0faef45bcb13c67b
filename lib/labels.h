/* labels.h - classes, tracks and clusters of rows, from
 * their records' metadata.
 * The conventions of labels, rows and errors are eval.h's.
 */
#ifndef MLV_LABELS_H
#define MLV_LABELS_H

#include <stddef.h>
#include <stdint.h>

#include "points.h"

/* The distinct values of a metadata key, sorted by strcmp: class c is
 * names[c], the order scikit-learn gives string labels (classes_). */
typedef struct {
	char **names;
	size_t n;
} mlv_classes;

/* The values of key over the records of p that have rows.  -1 with a
 * message naming the first record without key. */
int mlv_classes_collect(mlv_classes *c, const mlv_points *p, const char *key,
                        char *err, size_t errlen);
/* The class of name, or -1. */
int32_t mlv_classes_find(const mlv_classes *c, const char *name);
/* out[p->n]: each row's class, -1 for a value that is not in c.  -1 with
 * a message for a record without key. */
int mlv_classes_of_rows(const mlv_classes *c, const mlv_points *p,
                        const char *key, int32_t *out, char *err,
                        size_t errlen);
void mlv_classes_free(mlv_classes *c);
/* Both steps for one key: c gets the classes of key over p, out[p->n]
 * each row's class.  -1 with a message naming the first record without
 * key (c is then empty). */
int mlv_classes_of_key(mlv_classes *c, const mlv_points *p, const char *key,
                       int32_t *out, char *err, size_t errlen);

/* out[p->n]: each row's value of key as a number, parsed strictly (the
 * whole value, finite; "60", "-3.5e2").  -1 with a message naming the
 * first record without key or whose value is not a number. */
int mlv_values_of_rows(const mlv_points *p, const char *key, double *out,
                       char *err, size_t errlen);
/* out[p->n]: each row's group of the values of nkeys keys together (the
 * rows of one pitch and one instrument), numbered in the order of the
 * values' classes, key by key; *ngroups gets how many.  -1 with a
 * message naming the first record without a key. */
int mlv_groups_of_keys(const mlv_points *p, char *const *keys, size_t nkeys,
                       int32_t *out, size_t *ngroups, char *err,
                       size_t errlen);

/* The size of the largest set of rows with equal ids (n > 0). */
size_t mlv_largest_class(const int32_t *ids, size_t n);
/* The rows of each class of ids (n values >= 0), in row order:
 * rows[start[c] .. start[c + 1]) are class c's; *nclasses is the largest
 * id + 1.  *start and *rows are malloc'd. */
void mlv_rows_by_class(const int32_t *ids, size_t n, size_t *nclasses,
                       size_t **start, uint32_t **rows);

/* track[p->n]: each row's track, numbered by the sorted names: the
 * record's value of key, or without key (NULL) its src, else its id
 * without a "#..." fragment (mlv-spec's clips of one file), else the
 * record alone; *ntracks gets how many.  -1 with a message naming a
 * record without key. */
int mlv_tracks_of_rows(const mlv_points *p, const char *key, int32_t *track,
                       size_t *ntracks, char *err, size_t errlen);

/* ids[p->n]: the cluster ids of records written by mlv-cluster
 * (kind=cluster, one column of integers; -1 is noise) and, in
 * *nclusters, how many distinct ids there are.  -1 with a message
 * naming the record otherwise. */
int mlv_cluster_ids(const mlv_points *p, int32_t *ids, size_t *nclusters,
                    char *err, size_t errlen);

#endif
