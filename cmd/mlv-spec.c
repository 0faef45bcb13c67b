/* mlv-spec - audio files to spectral feature streams. */
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio.h"
#include "manifest.h"
#include "norm.h"
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

static void
usage(void)
{
	printf("usage: mlv-spec [-f FEATURE] [--sr HZ] [--channel N] [--n-fft N] "
	       "[--hop N] ...\n"
	       "                [--norm KIND] [--fit-stats FILE | --stats FILE] "
	       "[--clip SEC]\n"
	       "                [--list MANIFEST] [-j N] [-o FILE] [FILE...]\n"
	       "Compute spectral features of audio files ('-' or none: stdin), "
	       "one record per\nfile, clip or manifest row, one row per frame, "
	       "with librosa's formulas.\n\n"
	       "Features:\n"
	       "  -f, --feature NAME     stft (default), mel, mfcc, chroma\n"
	       "      --sr HZ            resample to HZ (default 22050; 0 keeps "
	       "the file's rate)\n"
	       "      --channel N        use channel N (default: mix down to "
	       "mono)\n"
	       "      --n-fft N          FFT size (2048)\n"
	       "      --win-length N     window length, centred in the FFT "
	       "(n-fft)\n"
	       "      --hop N            samples between frames (win-length/4)\n"
	       "      --window NAME      hann (default), hamming, blackman\n"
	       "      --pad MODE         centre frames, padding reflect "
	       "(default) or constant\n"
	       "      --no-center        uncentred frames (librosa center=False)\n"
	       "      --power P          1 magnitude (stft default), 2 power "
	       "(the others)\n"
	       "      --scale S          stft, mel: linear (default), log1p, db\n"
	       "      --ref R            dB reference: a number (1) or max\n"
	       "      --amin A           dB floor (1e-5 magnitude, 1e-10 power)\n"
	       "      --top-db DB        dB range kept below the maximum (80; "
	       "none)\n"
	       "      --n-mels N         mel bands (128)\n"
	       "      --fmin HZ, --fmax HZ   mel range (0, sr/2)\n"
	       "      --htk              HTK mel scale (default Slaney)\n"
	       "      --mel-norm NORM    slaney (default) or none\n"
	       "      --n-mfcc N         MFCC coefficients (20)\n"
	       "      --tuning T         chroma: deviation from A440 in "
	       "chroma bins (0)\n"
	       "Normalisation:\n"
	       "      --norm KIND        none (default), minmax, zscore: per "
	       "record unless\n"
	       "                         --fit-stats or --stats\n"
	       "      --norm-axis AXIS   global (default): one statistic; "
	       "column: one per column\n"
	       "      --fit-stats FILE   fit statistics on all records of this "
	       "run, save them\n"
	       "                         to FILE, and apply them\n"
	       "      --stats FILE       apply statistics saved by --fit-stats\n"
	       "Segmentation and input:\n"
	       "      --clip SEC         cut each file into clips of SEC "
	       "seconds, a record each\n"
	       "      --clip-hop SEC     seconds between clip starts (--clip)\n"
	       "      --tail MODE        drop (default) or pad a last, short "
	       "clip\n"
	       "      --list MANIFEST    TSV: path, optional start and end "
	       "seconds, labels\n"
	       "  -j, --jobs N           threads (default: all cores)\n"
	       "  -o, --output FILE      write FILE (atomically) instead of "
	       "stdout\n"
	       "  -h, --help             show this help\n"
	       "      --version          show the version\n");
	exit(0);
}

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

enum {
	OPT_SR = 256, OPT_CHANNEL, OPT_NFFT, OPT_WIN, OPT_HOP, OPT_WINDOW,
	OPT_PAD, OPT_NOCENTER, OPT_POWER, OPT_SCALE, OPT_REF, OPT_AMIN,
	OPT_TOPDB, OPT_NMELS, OPT_FMIN, OPT_FMAX, OPT_HTK, OPT_MELNORM,
	OPT_NMFCC, OPT_NORM, OPT_AXIS, OPT_FIT, OPT_STATS, OPT_CLIP,
	OPT_CLIPHOP, OPT_TAIL, OPT_LIST, OPT_TUNING, OPT_VERSION,
};

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
		{OPT_NMELS, "--n-mels", "-f mel or mfcc", 1u << MLV_FEATURE_MEL | 1u << MLV_FEATURE_MFCC},
		{OPT_FMIN, "--fmin", "-f mel or mfcc", 1u << MLV_FEATURE_MEL | 1u << MLV_FEATURE_MFCC},
		{OPT_FMAX, "--fmax", "-f mel or mfcc", 1u << MLV_FEATURE_MEL | 1u << MLV_FEATURE_MFCC},
		{OPT_HTK, "--htk", "-f mel or mfcc", 1u << MLV_FEATURE_MEL | 1u << MLV_FEATURE_MFCC},
		{OPT_MELNORM, "--mel-norm", "-f mel or mfcc", 1u << MLV_FEATURE_MEL | 1u << MLV_FEATURE_MFCC},
		{OPT_NMFCC, "--n-mfcc", "-f mfcc", 1u << MLV_FEATURE_MFCC},
		{OPT_TUNING, "--tuning", "-f chroma", 1u << MLV_FEATURE_CHROMA},
	};
	for (size_t i = 0; i < sizeof rules / sizeof *rules; i++)
		if (given[rules[i].opt - 256] && !(rules[i].features & 1u << f))
			mlv_usage_error("%s applies only with %s", rules[i].name,
			                rules[i].needs);
	int db = j->spec_opts.scale == MLV_SCALE_DB || f == MLV_FEATURE_MFCC;
	if ((given[OPT_AMIN - 256] || given[OPT_TOPDB - 256]) && !db)
		mlv_usage_error("--amin and --top-db apply only with --scale db "
		                "or -f mfcc");
	if (given[OPT_REF - 256] && j->spec_opts.scale != MLV_SCALE_DB)
		mlv_usage_error("--ref applies only with --scale db");
	if (given[OPT_AXIS - 256] && j->norm_kind == MLV_NORM_NONE)
		mlv_usage_error("--norm-axis goes with --norm minmax or zscore");
	if (given[OPT_TAIL - 256] && j->clip_len <= 0)
		mlv_usage_error("--tail goes with --clip");
}

static void
parse_options(int argc, char **argv, job *j, const char **output,
              const char **list)
{
	static const struct option longopts[] = {
		{"feature", required_argument, NULL, 'f'},
		{"sr", required_argument, NULL, OPT_SR},
		{"channel", required_argument, NULL, OPT_CHANNEL},
		{"n-fft", required_argument, NULL, OPT_NFFT},
		{"win-length", required_argument, NULL, OPT_WIN},
		{"hop", required_argument, NULL, OPT_HOP},
		{"window", required_argument, NULL, OPT_WINDOW},
		{"pad", required_argument, NULL, OPT_PAD},
		{"no-center", no_argument, NULL, OPT_NOCENTER},
		{"power", required_argument, NULL, OPT_POWER},
		{"scale", required_argument, NULL, OPT_SCALE},
		{"ref", required_argument, NULL, OPT_REF},
		{"amin", required_argument, NULL, OPT_AMIN},
		{"top-db", required_argument, NULL, OPT_TOPDB},
		{"n-mels", required_argument, NULL, OPT_NMELS},
		{"fmin", required_argument, NULL, OPT_FMIN},
		{"fmax", required_argument, NULL, OPT_FMAX},
		{"htk", no_argument, NULL, OPT_HTK},
		{"mel-norm", required_argument, NULL, OPT_MELNORM},
		{"n-mfcc", required_argument, NULL, OPT_NMFCC},
		{"tuning", required_argument, NULL, OPT_TUNING},
		{"norm", required_argument, NULL, OPT_NORM},
		{"norm-axis", required_argument, NULL, OPT_AXIS},
		{"fit-stats", required_argument, NULL, OPT_FIT},
		{"stats", required_argument, NULL, OPT_STATS},
		{"clip", required_argument, NULL, OPT_CLIP},
		{"clip-hop", required_argument, NULL, OPT_CLIPHOP},
		{"tail", required_argument, NULL, OPT_TAIL},
		{"list", required_argument, NULL, OPT_LIST},
		{"jobs", required_argument, NULL, 'j'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	/* The defaults are librosa's and the same for every feature; only
	 * --power's depends on it, and mlv_spec_new settles that. */
	mlv_spec_opts *so = &j->spec_opts;
	mlv_audio_opts *ao = &j->audio_opts;
	mlv_spec_opts_default(so, MLV_FEATURE_STFT);

	char given[64] = {0};
	int c;
	j->nthreads = mlv_default_threads();
	while ((c = getopt_long(argc, argv, "f:j:o:h", longopts, NULL)) != -1) {
		if (c >= 256 && c < 256 + (int)sizeof given)
			given[c - 256] = 1;
		switch (c) {
		case 'f':
			if (mlv_feature_parse(optarg, &so->feature))
				mlv_usage_error("--feature %s: unknown (stft, mel, mfcc "
				                "or chroma)", optarg);
			break;
		case OPT_SR:
			ao->target_sr = mlv_parse_double(optarg, 0,
			                                        MLV_AUDIO_MAX_SR, "--sr");
			break;
		case OPT_CHANNEL:
			ao->channel = (int)mlv_parse_int(optarg, 1, 1024,
			                                        "--channel");
			break;
		case OPT_NFFT: so->n_fft = parse_count(optarg, "--n-fft"); break;
		case OPT_WIN:
			so->win_length = parse_count(optarg, "--win-length");
			break;
		case OPT_HOP: so->hop = parse_count(optarg, "--hop"); break;
		case OPT_WINDOW:
			if (mlv_window_parse(optarg, &so->window))
				mlv_usage_error("--window %s: unknown (hann, hamming or "
				                "blackman)", optarg);
			break;
		case OPT_PAD:
			if (mlv_pad_parse(optarg, &so->pad) ||
			    so->pad == MLV_PAD_NONE)
				mlv_usage_error("--pad %s: unknown (reflect or constant; "
				                "--no-center for none)", optarg);
			break;
		case OPT_NOCENTER: so->pad = MLV_PAD_NONE; break;
		case OPT_POWER:
			so->power = (int)mlv_parse_int(optarg, 1, 2, "--power");
			break;
		case OPT_SCALE:
			if (mlv_scale_parse(optarg, &so->scale))
				mlv_usage_error("--scale %s: unknown (linear, log1p or db)",
				                optarg);
			break;
		case OPT_REF:
			so->ref_max = !strcmp(optarg, "max");
			if (!so->ref_max)
				so->ref = mlv_parse_double(optarg, 1e-30, 1e30,
				                                 "--ref");
			break;
		case OPT_AMIN:
			so->amin = mlv_parse_double(optarg, 1e-30, 1, "--amin");
			break;
		case OPT_TOPDB:
			so->top_db = !strcmp(optarg, "none") ? -1 :
			        mlv_parse_double(optarg, 0, 1e4, "--top-db");
			break;
		case OPT_NMELS:
			so->n_mels = parse_count(optarg, "--n-mels");
			break;
		case OPT_FMIN:
			so->fmin = mlv_parse_double(optarg, 0, 1e7, "--fmin");
			break;
		case OPT_FMAX:
			so->fmax = mlv_parse_double(optarg, 1e-3, 1e7, "--fmax");
			break;
		case OPT_HTK: so->htk = 1; break;
		case OPT_MELNORM:
			if (strcmp(optarg, "slaney") && strcmp(optarg, "none"))
				mlv_usage_error("--mel-norm %s: unknown (slaney or none)",
				                optarg);
			so->mel_norm = !strcmp(optarg, "slaney");
			break;
		case OPT_NMFCC:
			so->n_mfcc = parse_count(optarg, "--n-mfcc");
			break;
		case OPT_TUNING:
			so->tuning = mlv_parse_double(optarg, -0.5, 0.5,
			                                    "--tuning");
			break;
		case OPT_NORM:
			if (mlv_norm_parse(optarg, &j->norm_kind))
				mlv_usage_error("--norm %s: unknown (none, minmax or "
				                "zscore)", optarg);
			break;
		case OPT_AXIS:
			if (strcmp(optarg, "global") && strcmp(optarg, "column"))
				mlv_usage_error("--norm-axis %s: unknown (global or "
				                "column)", optarg);
			j->norm_per_column = !strcmp(optarg, "column");
			break;
		case OPT_FIT: j->fit_stats_path = optarg; break;
		case OPT_STATS: j->stats_path = optarg; break;
		case OPT_CLIP:
			j->clip_len = mlv_parse_double(optarg, 1e-3, 1e6, "--clip");
			break;
		case OPT_CLIPHOP:
			j->clip_hop = mlv_parse_double(optarg, 1e-3, 1e6, "--clip-hop");
			break;
		case OPT_TAIL:
			if (strcmp(optarg, "drop") && strcmp(optarg, "pad"))
				mlv_usage_error("--tail %s: unknown (drop or pad)", optarg);
			j->tail_pad = !strcmp(optarg, "pad");
			break;
		case OPT_LIST: *list = optarg; break;
		case 'j':
			j->nthreads = mlv_parse_jobs(optarg);
			break;
		case 'o': *output = optarg; break;
		case 'h': usage(); break;
		case OPT_VERSION: mlv_print_version(); exit(0);
		default: mlv_try_help();
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
