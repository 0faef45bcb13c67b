/* groups.c - see groups.h */
#include "groups.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

const char *
mlv_record_id(const mlv_record *r)
{
	const char *id = mlv_meta_get(r, "id");
	return id ? id : "";
}

const char *
mlv_id_tail(const char *id, size_t parts)
{
	if (*id != '/' && *id != '.')
		return id;
	const char *p = id + strlen(id);
	while (p > id && !(p[-1] == '/' && --parts == 0))
		p--;
	while (*p == '/')
		p++;
	return *p ? p : id;
}

typedef struct {
	const char *tail, *id;
} named;

static int
named_cmp(const void *pa, const void *pb)
{
	const named *a = pa, *b = pb;
	int c = strcmp(a->tail, b->tail);
	return c ? c : strcmp(a->id, b->id);
}

size_t
mlv_id_parts(const mlv_record *recs, size_t nrecs)
{
	named *n = mlv_malloc((nrecs ? nrecs : 1) * sizeof *n);
	size_t parts;
	for (parts = 1;; parts++) {
		int clash = 0, whole = 1;
		for (size_t k = 0; k < nrecs; k++) {
			n[k].id = mlv_record_id(&recs[k]);
			n[k].tail = mlv_id_tail(n[k].id, parts);
			whole &= mlv_id_tail(n[k].id, parts + 1) == n[k].tail;
		}
		qsort(n, nrecs, sizeof *n, named_cmp);
		for (size_t k = 1; k < nrecs && !clash; k++)
			clash = !strcmp(n[k].tail, n[k - 1].tail) &&
			        strcmp(n[k].id, n[k - 1].id);
		if (!clash || whole)
			break;
	}
	free(n);
	return parts;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **
mlv_record_keys(const mlv_record *recs, size_t nrecs, const char *prefix,
                size_t *n)
{
	size_t plen = strlen(prefix), total = 0, m = 0;
	for (size_t k = 0; k < nrecs; k++)
		total += recs[k].nmeta;
	const char **keys = mlv_malloc((total + 1) * sizeof *keys);
	for (size_t k = 0; k < nrecs; k++)
		for (size_t j = 0; j < recs[k].nmeta; j++)
			if (!strncmp(recs[k].meta[j].key, prefix, plen))
				keys[m++] = recs[k].meta[j].key;
	if (m)
		qsort(keys, m, sizeof *keys, cmp_str);
	size_t distinct = 0;
	for (size_t i = 0; i < m; i++)
		if (!distinct || strcmp(keys[i], keys[distinct - 1]))
			keys[distinct++] = keys[i];
	*n = distinct;
	return keys;
}

static size_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)(h ^ h >> 32);
}

void
mlv_dict_init(mlv_dict *d)
{
	memset(d, 0, sizeof *d);
	d->mask = 15;
	d->slot = mlv_calloc(d->mask + 1, sizeof *d->slot);
}

/* Where s is, or the empty slot where it would go. */
static size_t
dict_slot(const mlv_dict *d, const char *s)
{
	size_t h = hash_str(s) & d->mask;
	while (d->slot[h] && strcmp(d->names[d->slot[h] - 1], s))
		h = (h + 1) & d->mask;
	return h;
}

/* Slots for the names, at most half full. */
static void
dict_rehash(mlv_dict *d, size_t size)
{
	free(d->slot);
	d->mask = size - 1;
	d->slot = mlv_calloc(size, sizeof *d->slot);
	for (size_t i = 0; i < d->n; i++)
		d->slot[dict_slot(d, d->names[i])] = (uint32_t)i + 1;
}

uint32_t
mlv_dict_code(mlv_dict *d, const char *s)
{
	size_t h = dict_slot(d, s);
	if (d->slot[h])
		return d->slot[h] - 1;
	if (d->n >= UINT32_MAX - 1)
		mlv_die("too many distinct values (at most %u)", UINT32_MAX - 1);
	/* names grow by doubling, with the slots at twice their room */
	if ((d->n & (d->n - 1)) == 0)
		d->names = mlv_realloc(d->names, (d->n ? 2 * d->n : 1) *
		                       sizeof *d->names);
	d->names[d->n++] = mlv_strdup(s);
	d->slot[h] = (uint32_t)d->n;
	if (2 * d->n > d->mask)
		dict_rehash(d, 2 * (d->mask + 1));
	return (uint32_t)d->n - 1;
}

long long
mlv_dict_find(const mlv_dict *d, const char *s)
{
	size_t h = dict_slot(d, s);
	return d->slot[h] ? (long long)d->slot[h] - 1 : -1;
}

uint32_t *
mlv_dict_sort(mlv_dict *d)
{
	char **old = mlv_malloc((d->n ? d->n : 1) * sizeof *old);
	memcpy(old, d->names, d->n * sizeof *old);
	if (d->n)
		qsort(d->names, d->n, sizeof *d->names, cmp_str);
	dict_rehash(d, d->mask + 1);
	uint32_t *renum = mlv_malloc((d->n ? d->n : 1) * sizeof *renum);
	for (size_t i = 0; i < d->n; i++)
		renum[i] = (uint32_t)mlv_dict_find(d, old[i]);
	free(old);
	return renum;
}

char **
mlv_dict_take(mlv_dict *d)
{
	char **names = d->names;
	free(d->slot);
	memset(d, 0, sizeof *d);
	return names;
}

void
mlv_dict_free(mlv_dict *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->names[i]);
	free(mlv_dict_take(d));
}
