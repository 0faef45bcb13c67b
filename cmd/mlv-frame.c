/* mlv-frame - cut the rows of each record into windows (segments). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"
#include "segment.h"
#include "stream.h"
#include "util.h"

static mlv_segment_opts opts = {.every = 1};
static double length_s, hop_s;
static int stack, whole;
static mlv_pool_kind pool;
static const char *pool_name;
static size_t steps;

enum { OPT_SECONDS = MLV_OPT_OWN, OPT_HOP, OPT_HOPS, OPT_STACK, OPT_STEPS,
       OPT_TAIL, OPT_WHOLE, OPT_POOL };

static const mlv_about about = {
	"mlv-frame (-l ROWS | --seconds S | --whole) [--hop ROWS | "
	"--hop-seconds S]\n"
	"                 [-e K] [--stack [--steps S] | --pool HOW] "
	"[--tail drop|pad]\n"
	"                 [-q] [-o FILE] [FILE...]",
	"Cut the rows of each record into windows (segments): every "
	"window's kept rows\n"
	"become a record of their own, or with --stack one row of a "
	"record per input\n"
	"record, ready for a sequence model, or with --pool one "
	"summary row.",
	"MusicLatentVIS's segments from 32-d note latents every 0.025 "
	"s: 10 s windows,\n"
	"every 20th column, 4 steps of 5 x 32:\n"
	"  mlv-frame --seconds 10 --every 20 --stack --steps 4 "
	"notes.mlv\n"
	"One mean vector per note (record):\n"
	"  mlv-frame --whole --pool mean notes.mlv\n",
};

static const mlv_opt frame_options[] = {
	{"length", 'l', "ROWS", "rows per window", 'l', NULL},
	{"seconds", 0, "S", "window length in seconds (needs dt)",
	 OPT_SECONDS, NULL},
	{"whole", 0, NULL, "one window: all rows of the record",
	 OPT_WHOLE, NULL},
	{"hop", 0, "ROWS", "rows between window starts (default: the length)",
	 OPT_HOP, NULL},
	{"hop-seconds", 0, "S", "the hop in seconds (needs dt)",
	 OPT_HOPS, NULL},
	{"every", 'e', "K", "keep every Kth row of a window (1)", 'e', NULL},
	{"stack", 0, NULL, "one row per window: its kept rows side by side",
	 OPT_STACK, NULL},
	{"steps", 0, "S", "with --stack: the row is S time steps (default: one\n"
	 "per kept row); sets steps=S", OPT_STEPS, NULL},
	{"pool", 0, "HOW", "one row per window: mean, max or meanstd (means,\n"
	 "then standard deviations) of each column", OPT_POOL, NULL},
	{"tail", 0, "MODE", "drop (default) or pad a last, partial window",
	 OPT_TAIL, NULL},
	{0},
};

/* Rows for a span of seconds, from the record's dt. */
static size_t
rows_for(double seconds, double dt, const char *what, mlv_reader *rd,
         const mlv_record *r)
{
	double n = seconds / dt;
	if (!(dt > 0) || n < 0.5 || n > 1e12)
		mlv_die("%s: %s %g s is not a whole number of rows of dt %g s",
		        mlv_reader_where(rd, r), what, seconds, dt);
	return (size_t)llround(n);
}

/* Window geometry for this record: from rows, or from seconds and dt. */
static int
geometry(mlv_reader *rd, const mlv_record *r, mlv_segment_opts *o, double *dt)
{
	*o = opts;
	*dt = 0;
	int have_dt = mlv_meta_get_double(r, "dt", dt) == 0;
	if ((length_s > 0 || hop_s > 0) && !have_dt)
		mlv_die("%s: no dt (seconds between rows), so --seconds and "
		        "--hop-seconds cannot be turned into rows",
		        mlv_reader_where(rd, r));
	if (length_s > 0)
		o->length = rows_for(length_s, *dt, "--seconds", rd, r);
	if (whole)
		o->length = r->rows;
	if (hop_s > 0)
		o->hop = rows_for(hop_s, *dt, "--hop-seconds", rd, r);
	if (!o->hop)
		o->hop = o->length;
	return have_dt;
}

static void
frame_record(mlv_writer *w, mlv_reader *rd, mlv_record *r, mlv_record *out,
             int *short_records)
{
	mlv_segment_opts o;
	double dt, t0 = 0;
	int have_dt = geometry(rd, r, &o, &dt);
	int have_t0 = mlv_meta_get_double(r, "t0", &t0) == 0;
	size_t nwin = mlv_segment_count(&o, r->rows);
	size_t kept = mlv_segment_kept(&o);
	if (!nwin && whole)
		mlv_die("%s: no rows, so no window%s (--whole)",
		        mlv_reader_where(rd, r), pool ? " to pool" :
		        stack ? " to stack" : "");
	if (!nwin) {
		mlv_warn("%s: %zu rows, shorter than one window of %zu (--tail "
		         "pad keeps it)", mlv_reader_where(rd, r), r->rows,
		         o.length);
		(*short_records)++;
		return;
	}
	if (stack && steps && kept % steps)
		mlv_die("%s: %zu kept rows per window do not split into --steps "
		        "%zu", mlv_reader_where(rd, r), kept, steps);
	const char *id = mlv_meta_get(r, "id");
	char *base_id = mlv_strdup(id ? id : "");

	mlv_meta_clear(out);
	mlv_meta_merge(out, r, 1);
	mlv_meta_unset(out, "colnames");
	mlv_meta_setf(out, "segment_rows", "%zu", o.length);
	mlv_meta_setf(out, "segment_hop", "%zu", o.hop);
	mlv_meta_setf(out, "segment_every", "%zu", o.every);
	if (have_dt)
		mlv_meta_setf(out, "dur", "%.10g", (double)o.length * dt);

	if (stack || pool) {
		size_t cols = pool ? mlv_segment_pooled_cols(pool, r->cols) :
		              mlv_mul_size(kept, r->cols, "window");
		mlv_record_resize(out, nwin, cols);
		for (size_t k = 0; k < nwin; k++)
			if (pool)
				mlv_segment_pool(&o, pool, r->data, r->rows, r->cols, k,
				                 out->data + k * cols);
			else
				mlv_segment_copy(&o, r->data, r->rows, r->cols, k,
				                 out->data + k * cols);
		if (stack)
			mlv_meta_setf(out, "steps", "%zu", steps ? steps : kept);
		else
			mlv_meta_set(out, "pool", pool_name);
		/* Means and maxima keep the columns' meaning. */
		const char *names = mlv_meta_get(r, "colnames");
		if (pool && pool != MLV_POOL_MEANSTD && names)
			mlv_meta_set(out, "colnames", names);
		if (have_dt)
			mlv_meta_setf(out, "dt", "%.10g", (double)o.hop * dt);
		mlv_write_or_die(w, out);
		free(base_id);
		return;
	}
	mlv_record_resize(out, kept, r->cols);
	if (have_dt)
		mlv_meta_setf(out, "dt", "%.10g", (double)o.every * dt);
	for (size_t k = 0; k < nwin; k++) {
		mlv_segment_copy(&o, r->data, r->rows, r->cols, k, out->data);
		double start = t0 + (double)(k * o.hop) * dt;
		if (have_dt && have_t0) {
			mlv_meta_setf(out, "id", "%s#t=%.6g,%.6g", base_id, start,
			              start + (double)o.length * dt);
			mlv_meta_setf(out, "t0", "%.10g", start);
		} else {
			mlv_meta_setf(out, "id", "%s#%zu", base_id, k);
		}
		mlv_meta_setf(out, "segment", "%zu", k);
		mlv_write_or_die(w, out);
	}
	free(base_id);
}

int
main(int argc, char **argv)
{
	static const mlv_opt *const options[] = {frame_options,
	                                         mlv_opts_output,
	                                         mlv_opts_common, NULL};
	mlv_opts cli;
	const char *output = "-";
	int c;
	mlv_init(argv);
	mlv_opts_begin(&cli, argc, argv, &about, options);
	while ((c = mlv_opts_next(&cli)) != -1) {
		switch (c) {
		case 'l':
			opts.length = (size_t)mlv_parse_int(cli.arg, 1, 1LL << 40,
			                                    "--length");
			break;
		case OPT_SECONDS:
			length_s = mlv_parse_double(cli.arg, 1e-9, 1e9, "--seconds");
			break;
		case OPT_HOP:
			opts.hop = (size_t)mlv_parse_int(cli.arg, 1, 1LL << 40, "--hop");
			break;
		case OPT_HOPS:
			hop_s = mlv_parse_double(cli.arg, 1e-9, 1e9, "--hop-seconds");
			break;
		case 'e':
			opts.every = (size_t)mlv_parse_int(cli.arg, 1, 1LL << 40,
			                                   "--every");
			break;
		case OPT_STACK: stack = 1; break;
		case OPT_WHOLE: whole = 1; break;
		case OPT_POOL:
			if (mlv_pool_parse(cli.arg, &pool))
				mlv_usage_error("--pool %s: mean, max or meanstd", cli.arg);
			pool_name = cli.arg;
			break;
		case OPT_STEPS:
			steps = (size_t)mlv_parse_int(cli.arg, 1, 1LL << 30, "--steps");
			break;
		case OPT_TAIL:
			if (strcmp(cli.arg, "drop") && strcmp(cli.arg, "pad"))
				mlv_usage_error("--tail %s: drop or pad", cli.arg);
			opts.pad = !strcmp(cli.arg, "pad");
			break;
		case 'o': output = cli.arg; break;
		}
	}
	if ((opts.length > 0) + (length_s > 0) + whole != 1)
		mlv_usage_error("give the window as --length ROWS, --seconds S or "
		                "--whole");
	if (whole && (opts.hop || hop_s > 0))
		mlv_usage_error("--whole is one window: no hop");
	if (stack && pool)
		mlv_usage_error("--stack and --pool exclude each other");
	if (opts.hop && hop_s > 0)
		mlv_usage_error("--hop and --hop-seconds exclude each other");
	if (steps && !stack)
		mlv_usage_error("--steps goes with --stack");

	mlv_writer *w = mlv_writer_open_or_die(output);
	mlv_record r, out;
	mlv_record_init(&r);
	mlv_record_init(&out);
	int short_records = 0;
	int nfiles = optind < argc ? argc - optind : 1;
	for (int i = 0; i < nfiles; i++) {
		mlv_reader *rd = mlv_reader_open_or_die(optind < argc ?
		                                        argv[optind + i] : "-");
		while (mlv_read_or_die(rd, &r))
			frame_record(w, rd, &r, &out, &short_records);
		mlv_reader_close(rd);
	}
	mlv_writer_close_or_die(w);
	mlv_record_free(&r);
	mlv_record_free(&out);
	return short_records ? MLV_EXIT_FAILURE : 0;
}
