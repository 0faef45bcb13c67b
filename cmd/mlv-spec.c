/* mlv-spec - audio files to spectral feature streams. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio.h"
#include "manifest.h"
#include "norm.h"
#include "opts.h"
#include "pool.h"
#include "spec.h"
#include "stream.h"
#include "util.h"

typedef struct {
	const char *path;
	double start, end;          /* seconds, from a manifest */
	const mlv_manifest_row *row;
} item;

typedef struct {
	mlv_record *recs;
	size_t n;
	int failed, done;
} result;

/* Statistics fitted on one kind of feature must not scale another of the
 * same width: these keys travel with them and must match. */
static const char *const stats_keys[] = {
	"feature", "sr", "n_fft", "win_length", "hop", "window", "pad",
	"power", "scale", "ref", "amin", "top_db", "n_mels", "fmin", "fmax",
	"mel_scale", "mel_norm", "n_mfcc", "tuning",
};
/* One run: the settings from the options and the state the worker
 * threads share, handed to them instead of file-level globals. */
typedef struct {
	mlv_spec_opts spec_opts;
	mlv_audio_opts audio_opts;
	double clip_len, clip_hop;
	int tail_pad;
	mlv_norm_kind norm_kind;
	int norm_per_column;
	const char *fit_stats_path, *stats_path;
	mlv_norm saved_stats;
	mlv_record saved_stats_record;
	int have_saved_stats;
	mlv_manifest manifest;
	int nthreads;
	int item_threads;           /* threads for one input's frames */
	/* Results are written in input order as they complete. */
	item *items;
	result *results;
	size_t nitems, next_to_write, items_done;
	mlv_progress progress;
	mlv_writer *writer;
	pthread_mutex_t write_lock;
} job;

enum {
	OPT_SR = MLV_OPT_OWN, OPT_FEATURE, OPT_CHANNEL, OPT_NFFT, OPT_WIN, OPT_HOP,
	OPT_WINDOW,
	OPT_PAD, OPT_NOCENTER, OPT_POWER, OPT_SCALE, OPT_REF, OPT_AMIN,
	OPT_TOPDB, OPT_NMELS, OPT_FMIN, OPT_FMAX, OPT_HTK, OPT_MELNORM,
	OPT_NMFCC, OPT_NORM, OPT_AXIS, OPT_FIT, OPT_STATS, OPT_CLIP,
	OPT_CLIPHOP, OPT_TAIL, OPT_LIST, OPT_TUNING,
};

static const mlv_about about = {
	"mlv-spec [--feature F] [--sr HZ] [--channel N] [--n-fft N] "
	"[--hop N] ...\n"
	"                [--norm KIND] [--fit-stats FILE | --stats "
	"FILE] [--clip SEC]\n"
	"                [--list MANIFEST] [-j N] [-q] [-o FILE] "
	"[FILE...]",
	"Compute spectral features of audio files ('-' or none: "
	"stdin), one record per\n"
	"file, clip or manifest row, one row per frame, with librosa's "
	"formulas.\n"
	"\n"
	"Features:",
	NULL,
};

static const mlv_opt spec_options[] = {
	{"feature", 0, "NAME", "stft (default), mel, mfcc, chroma",
	 OPT_FEATURE, NULL},
	{NULL, 'f', NULL, NULL, 0, "feature"},
	{"sr", 0, "HZ", "resample to HZ (default 22050; 0 keeps the file's "
	 "rate)", OPT_SR, NULL},
	{"channel", 0, "N", "use channel N (default: mix down to mono)",
	 OPT_CHANNEL, NULL},
	{"n-fft", 0, "N", "FFT size (2048)", OPT_NFFT, NULL},
	{"win-length", 0, "N", "window length, centred in the FFT (n-fft)",
	 OPT_WIN, NULL},
	{"hop", 0, "N", "samples between frames (win-length/4)", OPT_HOP, NULL},
	{"window", 0, "NAME", "hann (default), hamming, blackman",
	 OPT_WINDOW, NULL},
	{"pad", 0, "MODE", "centre frames, padding reflect (default) or "
	 "constant", OPT_PAD, NULL},
	{"no-center", 0, NULL, "uncentred frames (librosa center=False)",
	 OPT_NOCENTER, NULL},
	{"power", 0, "P", "1 magnitude (stft default), 2 power (the others)",
	 OPT_POWER, NULL},
	{"scale", 0, "S", "stft, mel: linear (default), log1p, db",
	 OPT_SCALE, NULL},
	{"ref", 0, "R", "dB reference: a number (1) or max", OPT_REF, NULL},
	{"amin", 0, "A", "dB floor (1e-5 magnitude, 1e-10 power)",
	 OPT_AMIN, NULL},
	{"top-db", 0, "DB", "dB range kept below the maximum (80; none)",
	 OPT_TOPDB, NULL},
	{"n-mels", 0, "N", "mel bands (128)", OPT_NMELS, NULL},
	{"fmin", 0, "HZ", "mel range's low end (0)", OPT_FMIN, NULL},
	{"fmax", 0, "HZ", "mel range's high end (sr/2)", OPT_FMAX, NULL},
	{"htk", 0, NULL, "HTK mel scale (default Slaney)", OPT_HTK, NULL},
	{"mel-norm", 0, "NORM", "slaney (default) or none", OPT_MELNORM, NULL},
	{"n-mfcc", 0, "N", "MFCC coefficients (20)", OPT_NMFCC, NULL},
	{"tuning", 0, "T", "chroma: deviation from A440 in chroma bins (0)",
	 OPT_TUNING, NULL},
	{NULL, 0, NULL, "Normalisation:", 0, NULL},
	{"norm", 0, "KIND", "none (default), minmax, zscore: per record unless\n"
	 "--fit-stats or --stats", OPT_NORM, NULL},
	{"norm-axis", 0, "AXIS", "global (default): one statistic; column: one "
	 "per column",
	 OPT_AXIS, NULL},
	{"fit-stats", 0, "FILE", "fit statistics on all records of this run, "
	 "save them\n"
	 "to FILE, and apply them", OPT_FIT, NULL},
	{"stats", 0, "FILE", "apply statistics saved by --fit-stats",
	 OPT_STATS, NULL},
	{NULL, 0, NULL, "Segmentation and input:", 0, NULL},
	{"clip", 0, "SEC", "cut each file into clips of SEC seconds, a record "
	 "each", OPT_CLIP, NULL},
	{"clip-hop", 0, "SEC", "seconds between clip starts (--clip)",
	 OPT_CLIPHOP, NULL},
	{"tail", 0, "MODE", "drop (default) or pad a last, short clip",
	 OPT_TAIL, NULL},
	{"list", 0, "MANIFEST", "TSV: path, optional start and end seconds, "
	 "labels", OPT_LIST, NULL},
	{0},
};

/* Seconds for ids: short, and exact for the round numbers clips use. */
static void
set_id(mlv_record *r, const char *path, int ranged, double start, double end)
{
	if (ranged)
		mlv_meta_setf(r, "id", "%s#t=%.6g,%.6g", path, start, end);
	else
		mlv_meta_set(r, "id", path);
}

/* Features of x[0..n) into a new record appended to res. */
static int
add_record(const job *j, result *res, mlv_spec *sp, const float *x, size_t n,
           int threads, const item *it, const mlv_audio *a, double t_start,
           double t_end, long clip, char *err, size_t errlen)
{
	size_t frames = mlv_spec_frames(sp, n);
	if (!frames) {
		snprintf(err, errlen, "%s: too short for one frame (%zu samples; "
		         "--n-fft %zu uncentred)", it->path, n,
		         j->spec_opts.n_fft);
		return -1;
	}
	res->recs = mlv_realloc(res->recs, (res->n + 1) * sizeof *res->recs);
	mlv_record *r = &res->recs[res->n++];
	mlv_record_init(r);
	mlv_record_resize(r, frames, mlv_spec_width(sp));
	mlv_spec_run(sp, x, n, r->data, threads);

	/* Audio from stdin has no name to give its records, as in mlv-cat. */
	if (strcmp(it->path, "-")) {
		int ranged = clip >= 0 || it->start > 0 || it->end > 0;
		set_id(r, it->path, ranged, t_start, t_end);
		mlv_meta_set(r, "src", it->path);
	}
	mlv_meta_setf(r, "t0", "%.10g", t_start + mlv_spec_t0(sp));
	mlv_spec_describe(sp, r);
	if (clip >= 0)
		mlv_meta_setf(r, "clip", "%ld", clip);
	mlv_audio_tags_to_meta(a, r);
	for (size_t k = 0; it->row && k < j->manifest.nlabels; k++)
		mlv_meta_set(r, j->manifest.label_names[k], it->row->labels[k]);
	if (j->have_saved_stats) {
		for (size_t k = 0; k < sizeof stats_keys / sizeof *stats_keys; k++) {
			const char *want = mlv_meta_get(&j->saved_stats_record,
			                                stats_keys[k]);
			const char *got = mlv_meta_get(r, stats_keys[k]);
			if ((want || got) && (!want || !got || strcmp(want, got))) {
				snprintf(err, errlen, "%s: statistics %s were fitted on "
				         "%s=%s, these features have %s=%s", it->path,
				         j->stats_path, stats_keys[k],
				         want ? want : "(none)",
				         stats_keys[k], got ? got : "(none)");
				mlv_record_free(r);
				res->n--;
				return -1;
			}
		}
		mlv_norm_apply_parallel(&j->saved_stats, r->data, r->rows,
		                        threads);
	} else if (j->norm_kind != MLV_NORM_NONE && !j->fit_stats_path) {
		mlv_norm s;
		mlv_norm_init(&s, j->norm_kind, j->norm_per_column, r->cols);
		mlv_norm_add_parallel(&s, r->data, r->rows, threads);
		mlv_norm_apply_parallel(&s, r->data, r->rows, threads);
		mlv_norm_free(&s);
	}
	if (j->norm_kind != MLV_NORM_NONE || j->have_saved_stats)
		mlv_meta_set(r, "norm", j->have_saved_stats ?
		             mlv_norm_name(j->saved_stats.kind) :
		             mlv_norm_name(j->norm_kind));
	return 0;
}

static int
process(const job *j, const item *it, result *res, int threads, char *err,
        size_t errlen)
{
	mlv_audio a;
	mlv_audio_opts ao = j->audio_opts;
	ao.start = it->start;
	ao.end = it->end;
	if (mlv_audio_load(&a, it->path, &ao, err, errlen))
		return -1;
	int rc = -1;
	char why[512];
	mlv_spec *sp = mlv_spec_new(&j->spec_opts, a.sr, threads, why,
	                            sizeof why);
	if (!sp) {
		snprintf(err, errlen, "%s: %s", it->path, why);
		goto out;
	}
	if (j->clip_len <= 0) {
		rc = add_record(j, res, sp, a.x, a.n, threads, it, &a, a.t0,
		                a.t0 + (double)a.n / a.sr, -1, err, errlen);
		goto out;
	}
	size_t len = (size_t)llround(j->clip_len * a.sr);
	size_t hop = (size_t)llround(j->clip_hop * a.sr);
	if (a.n < len && !j->tail_pad) {
		snprintf(err, errlen, "%s: shorter than one clip (%.3f s < %g s; "
		         "--tail pad keeps it)", it->path, (double)a.n / a.sr,
		         j->clip_len);
		goto out;
	}
	float *padded = NULL;
	long k = 0;
	for (size_t at = 0; at < a.n; at += hop, k++) {
		const float *x = a.x + at;
		if (at + len > a.n) {
			if (!j->tail_pad || (at > 0 && at + len - hop >= a.n))
				break;
			if (!padded)
				padded = mlv_calloc(len, sizeof(float));
			memcpy(padded, x, (a.n - at) * sizeof(float));
			x = padded;
		}
		double t = a.t0 + (double)at / a.sr;
		if (add_record(j, res, sp, x, len, threads, it, &a, t,
		               t + (double)len / a.sr, k, err, errlen))
			break;
	}
	free(padded);
	rc = res->n ? 0 : -1;
out:
	mlv_spec_free(sp);
	mlv_audio_free(&a);
	return rc;
}

static void
free_result(result *res)
{
	for (size_t i = 0; i < res->n; i++)
		mlv_record_free(&res->recs[i]);
	free(res->recs);
	res->recs = NULL;
	res->n = 0;
}

static void
run_item(void *ctx, size_t i, int thread)
{
	(void)thread;
	job *j = ctx;
	int threads = j->item_threads;
	char err[1024];
	result *res = &j->results[i];
	if (process(j, &j->items[i], res, threads, err, sizeof err)) {
		mlv_warn("%s", err);
		free_result(res);
		res->failed = 1;
	}
	pthread_mutex_lock(&j->write_lock);
	mlv_progress_update(&j->progress, ++j->items_done, j->nitems, "inputs");
	if (j->fit_stats_path) {
		pthread_mutex_unlock(&j->write_lock);
		return;
	}
	res->done = 1;
	while (j->next_to_write < j->nitems &&
	       j->results[j->next_to_write].done) {
		result *r = &j->results[j->next_to_write++];
		for (size_t k = 0; k < r->n; k++)
			mlv_write_or_die(j->writer, &r->recs[k]);
		free_result(r);
	}
	pthread_mutex_unlock(&j->write_lock);
}

/* --fit-stats: fit on every record, save, then apply the statistics as
 * saved (float32), so this run's data is scaled exactly as data scaled
 * later with --stats. */
static void
fit_and_write(job *j)
{
	size_t width = 0;
	for (size_t i = 0; i < j->nitems && !width; i++)
		if (j->results[i].n)
			width = j->results[i].recs[0].cols;
	if (!width)
		return;
	mlv_norm fit, applied;
	mlv_norm_init(&fit, j->norm_kind, j->norm_per_column, width);
	for (size_t i = 0; i < j->nitems; i++)
		for (size_t k = 0; k < j->results[i].n; k++)
			mlv_norm_add(&fit, j->results[i].recs[k].data,
			             j->results[i].recs[k].rows);
	mlv_record st;
	mlv_record_init(&st);
	mlv_norm_to_record(&fit, &st);
	const mlv_record *first = NULL;
	for (size_t i = 0; i < j->nitems && !first; i++)
		if (j->results[i].n)
			first = &j->results[i].recs[0];
	for (size_t k = 0; k < sizeof stats_keys / sizeof *stats_keys; k++) {
		const char *v = mlv_meta_get(first, stats_keys[k]);
		if (v)
			mlv_meta_set(&st, stats_keys[k], v);
	}
	char err[256];
	if (mlv_norm_from_record(&applied, &st, width, err, sizeof err))
		mlv_die("%s: %s", j->fit_stats_path, err);
	mlv_writer *w = mlv_writer_open_or_die(j->fit_stats_path);
	mlv_write_or_die(w, &st);
	mlv_writer_close_or_die(w);
	for (size_t i = 0; i < j->nitems; i++) {
		for (size_t k = 0; k < j->results[i].n; k++) {
			mlv_norm_apply(&applied, j->results[i].recs[k].data,
			               j->results[i].recs[k].rows);
			mlv_write_or_die(j->writer, &j->results[i].recs[k]);
		}
		free_result(&j->results[i]);
	}
	mlv_record_free(&st);
	mlv_norm_free(&fit);
	mlv_norm_free(&applied);
}

static void
load_stats(job *j, size_t width)
{
	mlv_reader *rd = mlv_reader_open_or_die(j->stats_path);
	mlv_record r;
	mlv_record_init(&r);
	if (!mlv_read_or_die(rd, &r))
		mlv_die("%s: empty stream (expected statistics from --fit-stats)",
		        j->stats_path);
	char err[256];
	if (mlv_norm_from_record(&j->saved_stats, &r, width, err, sizeof err))
		mlv_die("%s: %s", mlv_reader_where(rd, &r), err);
	j->have_saved_stats = 1;
	j->saved_stats_record = r;
	mlv_reader_close(rd);
}

static size_t
parse_count(const char *arg, const char *opt)
{
	return (size_t)mlv_parse_int(arg, 1, 1 << 24, opt);
}


/* Options that only some features or modes read: given elsewhere, they
 * would be ignored, and a Makefile would never know. */
static void
refuse_unused(const job *j, const char *given, enum mlv_feature f)
{
	static const struct {
		int opt;
		const char *name, *needs;
		unsigned features; /* bit per enum mlv_feature */
	} rules[] = {
		{OPT_NMELS, "--n-mels", "--feature mel or mfcc",
		 1u << MLV_FEATURE_MEL | 1u << MLV_FEATURE_MFCC},
		{OPT_FMIN, "--fmin", "--feature mel or mfcc",
		 1u << MLV_FEATURE_MEL | 1u << MLV_FEATURE_MFCC},
		{OPT_FMAX, "--fmax", "--feature mel or mfcc",
		 1u << MLV_FEATURE_MEL | 1u << MLV_FEATURE_MFCC},
		{OPT_HTK, "--htk", "--feature mel or mfcc",
		 1u << MLV_FEATURE_MEL | 1u << MLV_FEATURE_MFCC},
		{OPT_MELNORM, "--mel-norm", "--feature mel or mfcc",
		 1u << MLV_FEATURE_MEL | 1u << MLV_FEATURE_MFCC},
		{OPT_NMFCC, "--n-mfcc", "--feature mfcc",
		 1u << MLV_FEATURE_MFCC},
		{OPT_TUNING, "--tuning", "--feature chroma",
		 1u << MLV_FEATURE_CHROMA},
	};
	for (size_t i = 0; i < sizeof rules / sizeof *rules; i++)
		if (given[rules[i].opt - MLV_OPT_OWN] && !(rules[i].features & 1u << f))
			mlv_usage_error("%s applies only with %s", rules[i].name,
			                rules[i].needs);
	int db = j->spec_opts.scale == MLV_SCALE_DB || f == MLV_FEATURE_MFCC;
	if ((given[OPT_AMIN - MLV_OPT_OWN] || given[OPT_TOPDB - MLV_OPT_OWN]) && !db)
		mlv_usage_error("--amin and --top-db apply only with --scale db "
		                "or -f mfcc");
	if (given[OPT_REF - MLV_OPT_OWN] && j->spec_opts.scale != MLV_SCALE_DB)
		mlv_usage_error("--ref applies only with --scale db");
	if (given[OPT_AXIS - MLV_OPT_OWN] && j->norm_kind == MLV_NORM_NONE)
		mlv_usage_error("--norm-axis goes with --norm minmax or zscore");
	if (given[OPT_TAIL - MLV_OPT_OWN] && j->clip_len <= 0)
		mlv_usage_error("--tail goes with --clip");
}

static void
parse_options(int argc, char **argv, job *j, const char **output,
              const char **list)
{
	static const mlv_opt *const options[] = {spec_options, mlv_opts_jobs,
	                                         mlv_opts_output,
	                                         mlv_opts_common, NULL};
	mlv_opts cli;
	/* The defaults are librosa's and the same for every feature; only
	 * --power's depends on it, and mlv_spec_new settles that. */
	mlv_spec_opts *so = &j->spec_opts;
	mlv_audio_opts *ao = &j->audio_opts;
	mlv_spec_opts_default(so, MLV_FEATURE_STFT);

	char given[64] = {0};
	int c;
	j->nthreads = mlv_default_threads();
	mlv_opts_begin(&cli, argc, argv, &about, options);
	while ((c = mlv_opts_next(&cli)) != -1) {
		if (c >= MLV_OPT_OWN && c < MLV_OPT_OWN + (int)sizeof given)
			given[c - MLV_OPT_OWN] = 1;
		switch (c) {
		case OPT_FEATURE:
			if (mlv_feature_parse(cli.arg, &so->feature))
				mlv_usage_error("--feature %s: unknown (stft, mel, mfcc "
				                "or chroma)", cli.arg);
			break;
		case OPT_SR:
			ao->target_sr = mlv_parse_double(cli.arg, 0,
			                                        MLV_AUDIO_MAX_SR, "--sr");
			break;
		case OPT_CHANNEL:
			ao->channel = (int)mlv_parse_int(cli.arg, 1, 1024,
			                                        "--channel");
			break;
		case OPT_NFFT: so->n_fft = parse_count(cli.arg, "--n-fft"); break;
		case OPT_WIN:
			so->win_length = parse_count(cli.arg, "--win-length");
			break;
		case OPT_HOP: so->hop = parse_count(cli.arg, "--hop"); break;
		case OPT_WINDOW:
			if (mlv_window_parse(cli.arg, &so->window))
				mlv_usage_error("--window %s: unknown (hann, hamming or "
				                "blackman)", cli.arg);
			break;
		case OPT_PAD:
			if (mlv_pad_parse(cli.arg, &so->pad) ||
			    so->pad == MLV_PAD_NONE)
				mlv_usage_error("--pad %s: unknown (reflect or constant; "
				                "--no-center for none)", cli.arg);
			break;
		case OPT_NOCENTER: so->pad = MLV_PAD_NONE; break;
		case OPT_POWER:
			so->power = (int)mlv_parse_int(cli.arg, 1, 2, "--power");
			break;
		case OPT_SCALE:
			if (mlv_scale_parse(cli.arg, &so->scale))
				mlv_usage_error("--scale %s: unknown (linear, log1p or db)",
				                cli.arg);
			break;
		case OPT_REF:
			so->ref_max = !strcmp(cli.arg, "max");
			if (!so->ref_max)
				so->ref = mlv_parse_double(cli.arg, 1e-30, 1e30,
				                                 "--ref");
			break;
		case OPT_AMIN:
			so->amin = mlv_parse_double(cli.arg, 1e-30, 1, "--amin");
			break;
		case OPT_TOPDB:
			so->top_db = !strcmp(cli.arg, "none") ? -1 :
			        mlv_parse_double(cli.arg, 0, 1e4, "--top-db");
			break;
		case OPT_NMELS:
			so->n_mels = parse_count(cli.arg, "--n-mels");
			break;
		case OPT_FMIN:
			so->fmin = mlv_parse_double(cli.arg, 0, 1e7, "--fmin");
			break;
		case OPT_FMAX:
			so->fmax = mlv_parse_double(cli.arg, 1e-3, 1e7, "--fmax");
			break;
		case OPT_HTK: so->htk = 1; break;
		case OPT_MELNORM:
			if (strcmp(cli.arg, "slaney") && strcmp(cli.arg, "none"))
				mlv_usage_error("--mel-norm %s: unknown (slaney or none)",
				                cli.arg);
			so->mel_norm = !strcmp(cli.arg, "slaney");
			break;
		case OPT_NMFCC:
			so->n_mfcc = parse_count(cli.arg, "--n-mfcc");
			break;
		case OPT_TUNING:
			so->tuning = mlv_parse_double(cli.arg, -0.5, 0.5,
			                                    "--tuning");
			break;
		case OPT_NORM:
			if (mlv_norm_parse(cli.arg, &j->norm_kind))
				mlv_usage_error("--norm %s: unknown (none, minmax or "
				                "zscore)", cli.arg);
			break;
		case OPT_AXIS:
			if (strcmp(cli.arg, "global") && strcmp(cli.arg, "column"))
				mlv_usage_error("--norm-axis %s: unknown (global or "
				                "column)", cli.arg);
			j->norm_per_column = !strcmp(cli.arg, "column");
			break;
		case OPT_FIT: j->fit_stats_path = cli.arg; break;
		case OPT_STATS: j->stats_path = cli.arg; break;
		case OPT_CLIP:
			j->clip_len = mlv_parse_double(cli.arg, 1e-3, 1e6, "--clip");
			break;
		case OPT_CLIPHOP:
			j->clip_hop = mlv_parse_double(cli.arg, 1e-3, 1e6, "--clip-hop");
			break;
		case OPT_TAIL:
			if (strcmp(cli.arg, "drop") && strcmp(cli.arg, "pad"))
				mlv_usage_error("--tail %s: unknown (drop or pad)", cli.arg);
			j->tail_pad = !strcmp(cli.arg, "pad");
			break;
		case OPT_LIST: *list = cli.arg; break;
		case 'j':
			j->nthreads = mlv_parse_jobs(cli.arg);
			break;
		case 'o': *output = cli.arg; break;
		}
	}
	refuse_unused(j, given, so->feature);
	if (j->clip_hop > 0 && j->clip_len <= 0)
		mlv_usage_error("--clip-hop goes with --clip");
	if (j->clip_len > 0 && j->clip_hop <= 0)
		j->clip_hop = j->clip_len;
	if (j->fit_stats_path && j->stats_path)
		mlv_usage_error("--fit-stats and --stats exclude each other");
	if (j->fit_stats_path && j->norm_kind == MLV_NORM_NONE)
		mlv_usage_error("--fit-stats needs --norm minmax or zscore");
	if (j->stats_path && j->norm_kind != MLV_NORM_NONE)
		mlv_usage_error("--stats brings its own normalisation; drop --norm");
	if (ao->target_sr > 0 && ao->target_sr < MLV_AUDIO_MIN_SR)
		mlv_usage_error("--sr %g: too small (minimum %g)",
		                ao->target_sr, MLV_AUDIO_MIN_SR);
}

/* The inputs: the manifest's rows, the files named, or stdin. */
static void
collect_items(job *j, const char *list, int argc, char **argv)
{
	char err[512];
	if (list) {
		if (optind < argc)
			mlv_usage_error("give files or --list, not both");
		if (mlv_manifest_read(&j->manifest, list, err, sizeof err))
			mlv_die("%s: %s", list, err);
		j->nitems = j->manifest.n;
		j->items = mlv_calloc(j->nitems ? j->nitems : 1, sizeof *j->items);
		for (size_t i = 0; i < j->nitems; i++) {
			j->items[i].path = j->manifest.rows[i].path;
			j->items[i].start = j->manifest.rows[i].start;
			j->items[i].end = j->manifest.rows[i].end;
			j->items[i].row = &j->manifest.rows[i];
		}
	} else {
		j->nitems = optind < argc ? (size_t)(argc - optind) : 1;
		j->items = mlv_calloc(j->nitems, sizeof *j->items);
		for (size_t i = 0; i < j->nitems; i++)
			j->items[i].path = optind < argc ? argv[optind + (int)i] : "-";
	}
	size_t stdin_uses = 0;
	for (size_t i = 0; i < j->nitems; i++)
		stdin_uses += !strcmp(j->items[i].path, "-");
	if (stdin_uses > 1)
		mlv_usage_error("stdin ('-') can be read only once");
}

int
main(int argc, char **argv)
{
	job j = {.audio_opts = {.target_sr = 22050},
	         .norm_kind = MLV_NORM_NONE,
	         .write_lock = PTHREAD_MUTEX_INITIALIZER};
	const char *output = "-", *list = NULL;
	mlv_init(argv);
	parse_options(argc, argv, &j, &output, &list);

	/* Check the feature parameters before touching any audio, at the
	 * target rate when it is known (the file's own rate otherwise). */
	char err[512];
	double probe_sr = j.audio_opts.target_sr > 0 ? j.audio_opts.target_sr :
	                  MLV_AUDIO_MAX_SR;
	mlv_spec *probe = mlv_spec_new(&j.spec_opts, probe_sr, 1, err,
	                               sizeof err);
	if (!probe)
		mlv_usage_error("%s", err);
	size_t width = mlv_spec_width(probe);
	mlv_spec_free(probe);
	if (!mlv_fft_size_fast(j.spec_opts.n_fft))
		mlv_warn("--n-fft %zu: KissFFT is several times slower when %s "
		         "has a prime factor above 5 (try 1000, 1024, 1200, 2048)",
		         j.spec_opts.n_fft,
		         j.spec_opts.n_fft % 2 ? "it" : "its half");
	if (j.stats_path)
		load_stats(&j, width);

	collect_items(&j, list, argc, argv);

	mlv_outputs_check_or_die(1, j.fit_stats_path);
	j.writer = mlv_writer_open_or_die(output);
	j.results = mlv_calloc(j.nitems ? j.nitems : 1, sizeof *j.results);
	/* Many files: one thread each.  One file: its frames in parallel. */
	j.item_threads = j.nitems > 1 ? 1 : j.nthreads;
	mlv_progress_begin(&j.progress, "features");
	mlv_parallel_items(j.nitems, j.nitems > 1 ? j.nthreads : 1, run_item,
	                   &j);
	mlv_progress_end(&j.progress);
	if (j.fit_stats_path)
		fit_and_write(&j);
	size_t failed = 0;
	for (size_t i = 0; i < j.nitems; i++)
		failed += (size_t)j.results[i].failed;
	/* Good inputs are written even when others fail; but a run with
	 * nothing to show leaves an existing -o file alone. */
	if (failed == j.nitems && j.nitems)
		mlv_writer_abort(j.writer);
	else
		mlv_writer_close_or_die(j.writer);
	if (failed && j.nitems > 1)
		mlv_warn("%zu of %zu inputs failed", failed, j.nitems);
	free(j.results);
	free(j.items);
	mlv_manifest_free(&j.manifest);
	if (j.have_saved_stats) {
		mlv_norm_free(&j.saved_stats);
		mlv_record_free(&j.saved_stats_record);
	}
	return failed ? MLV_EXIT_FAILURE : 0;
}
