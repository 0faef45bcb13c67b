/* mlv-cat - concatenate, select, inspect and convert MLV streams. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "index.h"
#include "npz.h"
#include "opts.h"
#include "stats.h"
#include "stream.h"
#include "util.h"

enum format { FMT_AUTO, FMT_MLV, FMT_TSV, FMT_CSV, FMT_NPY, FMT_NPZ };
enum mode { MODE_DATA, MODE_HEADERS, MODE_SUMMARY };

typedef struct {
	char *key, *glob;
	int negate;
	int seen; /* some record has the key */
} condition;

static enum mode mode = MODE_DATA;
static enum format from = FMT_AUTO, to = FMT_MLV;
static condition *conds;
static size_t nconds;
static char **sets; /* "KEY=VALUE" */
static size_t nsets;
static char **keys;
static size_t nkeys;
static size_t every = 1;
static int names, stack;
static int any_selected;
static size_t records_out;
/* The keys records have, for the hint when no record has a --where key;
 * a sample is enough to name the nearest. */
#define MAX_KNOWN_KEYS 64
static char *known_keys[MAX_KNOWN_KEYS];
static size_t nknown;

/* .npy holds one array: --stack collects every row, else the one record,
 * before the header can be written. */
static mlv_record stacked;
static mlv_npz_writer *npz;

enum { OPT_SET = MLV_OPT_OWN, OPT_KEYS, OPT_NAMES, OPT_STACK, OPT_INDEX,
       OPT_IDS };

static const mlv_about about = {
	"mlv-cat [-Hs] [-f FORMAT] [-t FORMAT] [-i GLOB] [-w "
	"KEY=GLOB]... [-e N]\n"
	"               [--set KEY=VALUE]... [--keys KEYS] [--names] "
	"[--stack] [-q] [-o FILE] [FILE...]\n"
	"       mlv-cat --index INDEX... [--ids FILE] [OPTIONS] [ID...]",
	"Concatenate MLV streams (stdin when no FILE or '-'), "
	"selecting records,\n"
	"thinning rows, and converting to and from TSV, CSV and NumPy "
	".npy and .npz.\n"
	"With --index, read the records of the IDs given, in that order, "
	"seeking\nwith an index that mlv-index wrote.",
	NULL,
};

static const mlv_opt cat_options[] = {
	{"headers", 'H', NULL, "print each record's header line", 'H', NULL},
	{"summary", 's', NULL, "print rows, cols, min, max, mean, std and NaN/Inf\n"
	 "count of each record (TSV)", 's', NULL},
	{"from", 'f', "FORMAT", "input: mlv, npy, npz (detected), tsv, csv",
	 'f', NULL},
	{"to", 't', "FORMAT", "output: mlv (default), tsv, csv, npy (one record),\n"
	 "npz (an array per record, metadata in meta.json)", 't', NULL},
	{"id", 'i', "GLOB", "keep records whose id matches GLOB", 'i', NULL},
	{"where", 'w', "KEY=GLOB", "keep records whose KEY matches (KEY!=GLOB: "
	 "does not);\n"
	 "repeat to require all", 'w', NULL},
	{"every", 'e', "N", "keep every Nth row (dt is scaled)", 'e', NULL},
	{"set", 0, "KEY=VALUE", "set metadata on every record", OPT_SET, NULL},
	{"keys", 0, "KEYS", "tsv/csv: lead each row with these keys "
	 "(comma-separated;\n"
	 "'row' is the row index, 't' its time)", OPT_KEYS, NULL},
	{NULL, 'k', NULL, NULL, 0, "keys"},
	{"names", 0, NULL, "tsv/csv: start with a line of column names",
	 OPT_NAMES, NULL},
	{"stack", 0, NULL, "npy: one array of all the records' rows",
	 OPT_STACK, NULL},
	{"index", 0, "INDEX", "read the records of the IDs given (operands), "
	 "seeking\n"
	 "with this index of mlv-index (repeat for several)", OPT_INDEX, NULL},
	{"ids", 0, "FILE", "with --index: the IDs of FILE too, one a line",
	 OPT_IDS, NULL},
	{0},
};

static enum format
parse_format(const char *s, const char *opt)
{
	if (!strcmp(s, "mlv"))
		return FMT_MLV;
	if (!strcmp(s, "tsv"))
		return FMT_TSV;
	if (!strcmp(s, "csv"))
		return FMT_CSV;
	if (!strcmp(s, "npy"))
		return FMT_NPY;
	if (!strcmp(s, "npz"))
		return FMT_NPZ;
	mlv_usage_error("%s %s: unknown format (mlv, tsv, csv, npy or npz)", opt,
	                s);
}

static void
add_condition(char *arg)
{
	char *eq = strchr(arg, '=');
	if (!eq || eq == arg)
		mlv_usage_error("--where %s: expected KEY=GLOB or KEY!=GLOB", arg);
	conds = mlv_realloc(conds, (nconds + 1) * sizeof *conds);
	condition *c = &conds[nconds++];
	c->negate = eq[-1] == '!';
	c->seen = 0;
	c->key = mlv_strdup(arg);
	c->key[eq - arg - c->negate] = '\0';
	c->glob = eq + 1;
	if (!mlv_key_valid(c->key))
		mlv_usage_error("--where %s: invalid key '%s'", arg, c->key);
}

static void
note_keys(const mlv_record *r)
{
	for (size_t i = 0; i < r->nmeta && nknown < MAX_KNOWN_KEYS; i++) {
		size_t k = 0;
		while (k < nknown && strcmp(known_keys[k], r->meta[i].key))
			k++;
		if (k == nknown)
			known_keys[nknown++] = mlv_strdup(r->meta[i].key);
	}
}

static int
selected(const mlv_record *r)
{
	int all_seen = 1;
	for (size_t i = 0; i < nconds; i++) {
		conds[i].seen |= mlv_meta_get(r, conds[i].key) != NULL;
		all_seen &= conds[i].seen;
	}
	if (!all_seen)
		note_keys(r);
	for (size_t i = 0; i < nconds; i++) {
		const char *v = mlv_meta_get(r, conds[i].key);
		int match = v && !fnmatch(conds[i].glob, v, 0);
		if (match == conds[i].negate)
			return 0;
	}
	return 1;
}

/* A --where key no record has is most likely a typo: say so, with the
 * keys there are. */
static void
warn_unseen_keys(void)
{
	for (size_t i = 0; i < nconds && nknown; i++) {
		if (conds[i].seen)
			continue;
		size_t len = 1;
		for (size_t k = 0; k < nknown; k++)
			len += strlen(known_keys[k]) + 2;
		char *list = mlv_malloc(len);
		list[0] = '\0';
		for (size_t k = 0; k < nknown; k++) {
			if (k)
				strcat(list, ", ");
			strcat(list, known_keys[k]);
		}
		const char *near = mlv_nearest_key(conds[i].key,
		                                   (const char *const *)known_keys,
		                                   nknown);
		mlv_warn("--where %s: no record has this key (%s%s%skeys: %s%s)",
		         conds[i].key, near ? "did you mean " : "",
		         near ? near : "", near ? "? " : "", list,
		         nknown == MAX_KNOWN_KEYS ? ", ..." : "");
		free(list);
	}
}

static void
thin_rows(mlv_record *r)
{
	size_t kept = (r->rows + every - 1) / every;
	for (size_t i = 1; i < kept; i++)
		memmove(r->data + i * r->cols, r->data + i * every * r->cols,
		        r->cols * sizeof(float));
	r->rows = kept;
	double dt;
	if (mlv_meta_get_double(r, "dt", &dt) == 0)
		mlv_meta_setf(r, "dt", "%.9g", dt * (double)every);
}

/* Append r's rows to the one .npy array written at the end. */
static void
stack_rows(mlv_reader *rd, const mlv_record *r)
{
	if (records_out && r->cols != stacked.cols)
		mlv_die("%s: %zu columns, but the records before have %zu (--stack "
		        "needs equal widths)", mlv_reader_where(rd, r), r->cols,
		        stacked.cols);
	size_t old = stacked.rows;
	size_t n = mlv_mul_size(old + r->rows, r->cols, "--stack");
	if (n > stacked.data_cap) {
		stacked.data_cap = n * 2;
		stacked.data = mlv_realloc(stacked.data,
		        mlv_mul_size(stacked.data_cap, sizeof(float), "--stack"));
	}
	if (r->rows && r->cols)
		memcpy(stacked.data + old * r->cols, r->data,
		       r->rows * r->cols * sizeof(float));
	stacked.rows = old + r->rows;
	stacked.cols = r->cols;
}

MLV_NORETURN static void
die_npz(mlv_writer *w)
{
	if (errno == EFBIG)
		mlv_die("%s: more than an .npz without ZIP64 holds (65535 records, "
		        "4 GiB)", mlv_writer_name(w));
	mlv_writer_die(w);
}

static void
emit(mlv_writer *w, mlv_reader *rd, mlv_record *r)
{
	static char *hdr;
	static size_t hdr_cap;
	char delim = to == FMT_CSV ? ',' : '\t';

	if (mode == MODE_HEADERS) {
		size_t n = mlv_format_header(r, &hdr, &hdr_cap);
		mlv_write_bytes_or_die(w, hdr, n);
		return;
	}
	if (mode == MODE_SUMMARY) {
		mlv_summary s;
		const char *id = mlv_meta_get(r, "id");
		mlv_summarize(r->data, r->rows * r->cols, &s);
		if (mlv_text_write_field(w, mlv_reader_name(rd), '\t'))
			mlv_writer_die(w);
		mlv_writer_printf_or_die(w, "\t%llu\t",
		                         (unsigned long long)mlv_reader_index(rd));
		if (mlv_text_write_field(w, id ? id : "", '\t'))
			mlv_writer_die(w);
		mlv_writer_printf_or_die(w, "\t%zu\t%zu\t%.9g\t%.9g\t%.9g\t%.9g\t%zu\n",
		                         r->rows, r->cols, s.min, s.max, s.mean,
		                         s.std, s.nonfinite);
		return;
	}
	size_t bad = mlv_count_nonfinite(r->data, r->rows * r->cols);
	if (bad)
		mlv_warn("%s: %zu NaN/Inf values", mlv_reader_where(rd, r), bad);
	switch (to) {
	case FMT_NPZ:
		if (mlv_npz_add(npz, r))
			die_npz(w);
		break;
	case FMT_NPY:
		if (!stack && records_out)
			mlv_die("%s: a second record, but an .npy file holds one "
			        "array (--to npz writes one per record, --stack all "
			        "their rows as one)", mlv_reader_where(rd, r));
		stack_rows(rd, r);
		break;
	case FMT_TSV:
	case FMT_CSV:
		if (names && !records_out &&
		    mlv_text_write_names(w, r, delim, keys, nkeys))
			mlv_writer_die(w);
		if (mlv_text_write_rows(w, r, delim, keys, nkeys))
			mlv_writer_die(w);
		break;
	default:
		mlv_write_or_die(w, r);
	}
	records_out++;
}

static void
process(mlv_writer *w, mlv_reader *rd, mlv_record *r)
{
	if (!selected(r))
		return;
	any_selected = 1;
	if (every > 1)
		thin_rows(r);
	for (size_t i = 0; i < nsets; i++) {
		char *eq = strchr(sets[i], '=');
		*eq = '\0';
		mlv_meta_set(r, sets[i], eq + 1);
		*eq = '=';
	}
	emit(w, rd, r);
}

static void
cat_file(mlv_writer *w, const char *path, mlv_record *r)
{
	mlv_reader *rd = mlv_reader_open_or_die(path);
	enum format fmt = from;
	char err[512];
	if (fmt == FMT_AUTO) {
		const unsigned char *buf;
		size_t len;
		if (mlv_reader_peek(rd, &buf, &len, 6))
			mlv_die("%s", mlv_reader_error(rd));
		fmt = mlv_is_npy(buf, len) ? FMT_NPY :
		      mlv_is_npz(buf, len) ? FMT_NPZ : FMT_MLV;
	}
	if (fmt == FMT_MLV) {
		while (mlv_read_or_die(rd, r))
			process(w, rd, r);
	} else if (fmt == FMT_NPZ) {
		mlv_record *recs;
		size_t n;
		if (mlv_npz_read(rd, &recs, &n, err, sizeof err))
			mlv_die("%s: %s", mlv_reader_name(rd), err);
		for (size_t i = 0; i < n; i++) {
			process(w, rd, &recs[i]);
			mlv_record_free(&recs[i]);
		}
		free(recs);
	} else if (fmt == FMT_NPY) {
		size_t inexact;
		int rc;
		while ((rc = mlv_npy_read(rd, r, &inexact, err, sizeof err)) > 0) {
			if (inexact)
				mlv_warn("%s: %zu integer values rounded to float32",
				         mlv_reader_where(rd, NULL), inexact);
			/* Arrays after the first of one file get path#N, so
			 * they can be told apart and selected. */
			if (strcmp(path, "-") && mlv_reader_index(rd) == 1)
				mlv_meta_set(r, "id", path);
			else if (strcmp(path, "-"))
				mlv_meta_setf(r, "id", "%s#%llu", path,
				              (unsigned long long)mlv_reader_index(rd));
			process(w, rd, r);
		}
		if (rc < 0)
			mlv_die("%s: %s", mlv_reader_name(rd), err);
	} else {
		if (mlv_text_read(rd, fmt == FMT_CSV ? ',' : '\t', r, err,
		                  sizeof err))
			mlv_die("%s: %s", mlv_reader_name(rd), err);
		if (strcmp(path, "-"))
			mlv_meta_set(r, "id", path);
		process(w, rd, r);
	}
	mlv_reader_close(rd);
}

/* The records of ids[], in that order, each by one read at the offset
 * the index gives; every id is looked up before anything is written. */
static void
cat_ids(mlv_writer *w, mlv_index *ix, const char *index_name, char **ids,
        size_t nids, mlv_record *r)
{
	const mlv_index_entry **e = mlv_malloc(mlv_mul_size(nids ? nids : 1,
	                                       sizeof *e, "--index"));
	char err[1024];
	for (size_t i = 0; i < nids; i++) {
		size_t count;
		e[i] = mlv_index_find(ix, ids[i], &count);
		if (!e[i]) {
			const char *near = mlv_index_nearest(ix, ids[i]);
			mlv_die("%s: no record has id '%s'%s%s%s", index_name, ids[i],
			        near ? " (did you mean '" : "", near ? near : "",
			        near ? "'?)" : "");
		}
		if (count > 1)
			mlv_warn("%s: %zu records have this id; reading the first "
			         "(%s record %llu)", ids[i], count,
			         ix->files[e[i]->file].path,
			         (unsigned long long)e[i]->record);
	}
	for (size_t i = 0; i < nids; i++) {
		mlv_reader *rd = mlv_index_fetch(ix, e[i], r, err, sizeof err);
		if (!rd)
			mlv_die("%s", err);
		process(w, rd, r);
	}
	free(e);
}

static void
split_keys(char *arg)
{
	for (char *k = strtok(arg, ","); k; k = strtok(NULL, ",")) {
		if (strcmp(k, "row") && strcmp(k, "t") && !mlv_key_valid(k))
			mlv_usage_error("--keys: invalid key '%s'", k);
		keys = mlv_realloc(keys, (nkeys + 1) * sizeof *keys);
		keys[nkeys++] = k;
	}
}

int
main(int argc, char **argv)
{
	static const mlv_opt *const options[] = {cat_options, mlv_opts_output,
	                                         mlv_opts_common, NULL};
	mlv_opts cli;
	const char *output = "-";
	char *idglob;
	char err[1024];
	char **ids = NULL, **indexes = NULL;
	size_t nids = 0, nindexes = 0;
	const char *ids_file = NULL;
	mlv_index ix;
	int c;

	mlv_init(argv);
	mlv_index_init(&ix);
	mlv_opts_begin(&cli, argc, argv, &about, options);
	while ((c = mlv_opts_next(&cli)) != -1) {
		switch (c) {
		case 'H': mode = MODE_HEADERS; break;
		case 's': mode = MODE_SUMMARY; break;
		case 'f': from = parse_format(cli.arg, "--from"); break;
		case 't': to = parse_format(cli.arg, "--to"); break;
		case 'i':
			idglob = mlv_malloc(strlen(cli.arg) + 4);
			sprintf(idglob, "id=%s", cli.arg);
			add_condition(idglob);
			break;
		case 'w': add_condition(cli.arg); break;
		case 'e':
			every = (size_t)mlv_parse_int(cli.arg, 1, 1LL << 40, "--every");
			break;
		case OPT_SET: {
			char *eq = strchr(cli.arg, '=');
			if (!eq)
				mlv_usage_error("--set %s: expected KEY=VALUE", cli.arg);
			*eq = '\0';
			if (!mlv_key_valid(cli.arg))
				mlv_usage_error("--set: invalid key '%s'", cli.arg);
			*eq = '=';
			sets = mlv_realloc(sets, (nsets + 1) * sizeof *sets);
			sets[nsets++] = cli.arg;
			break;
		}
		case OPT_KEYS: split_keys(cli.arg); break;
		case OPT_NAMES: names = 1; break;
		case OPT_STACK: stack = 1; break;
		case OPT_INDEX:
			indexes = mlv_realloc(indexes, (nindexes + 1) * sizeof *indexes);
			indexes[nindexes++] = cli.arg;
			break;
		case OPT_IDS: ids_file = cli.arg; break;
		case 'o': output = cli.arg; break;
		}
	}
	if (to == FMT_MLV && (nkeys || names))
		mlv_usage_error("--keys and --names go with --to tsv or csv");
	if (stack && to != FMT_NPY)
		mlv_usage_error("--stack goes with --to npy");
	if (ids_file && !nindexes)
		mlv_usage_error("--ids goes with --index");
	if (nindexes) {
		if (from != FMT_AUTO && from != FMT_MLV)
			mlv_usage_error("--index reads MLV streams (no --from)");
		int stdin_uses = ids_file && !strcmp(ids_file, "-");
		for (size_t i = 0; i < nindexes; i++)
			stdin_uses += !strcmp(indexes[i], "-");
		if (stdin_uses > 1)
			mlv_usage_error("stdin ('-') can be read only once");
		for (size_t i = 0; i < nindexes; i++)
			if (mlv_index_load(&ix, indexes[i], err, sizeof err))
				mlv_die("%s", err);
		for (int i = optind; i < argc; i++) {
			ids = mlv_realloc(ids, (nids + 1) * sizeof *ids);
			ids[nids++] = mlv_strdup(argv[i]);
		}
		if (ids_file &&
		    mlv_index_read_ids(ids_file, &ids, &nids, err, sizeof err))
			mlv_die("%s", err);
		if (!nids)
			mlv_usage_error("--index: no ID to read (give IDs or --ids "
			                "FILE)");
	}

	mlv_writer *w = mode != MODE_DATA || to == FMT_TSV || to == FMT_CSV ?
	                mlv_writer_open_text_or_die(output) :
	                mlv_writer_open_or_die(output);
	mlv_record r;
	mlv_record_init(&r);
	mlv_record_init(&stacked);
	if (to == FMT_NPZ)
		npz = mlv_npz_begin(w);
	if (mode == MODE_SUMMARY)
		mlv_writer_printf_or_die(w, "file\trecord\tid\trows\tcols\tmin\t"
		                         "max\tmean\tstd\tnonfinite\n");
	if (nindexes)
		cat_ids(w, &ix, indexes[0], ids, nids, &r);
	else if (optind == argc)
		cat_file(w, "-", &r);
	for (int i = optind; i < argc && !nindexes; i++)
		cat_file(w, argv[i], &r);
	if (npz && mlv_npz_end(npz))
		die_npz(w);
	if (to == FMT_NPY && mode == MODE_DATA && (stack || records_out)) {
		if (mlv_npy_write_header(w, stacked.rows, stacked.cols))
			mlv_writer_die(w);
		mlv_write_bytes_or_die(w, stacked.data,
		                       stacked.rows * stacked.cols * sizeof(float));
	}
	mlv_writer_close_or_die(w);
	mlv_record_free(&r);
	mlv_record_free(&stacked);
	warn_unseen_keys();
	for (size_t k = 0; k < nknown; k++)
		free(known_keys[k]);
	for (size_t i = 0; i < nids; i++)
		free(ids[i]);
	free(ids);
	free(indexes);
	mlv_index_free(&ix);
	/* As grep: selecting nothing is status 1, the output still made. */
	return nconds && !any_selected;
}
