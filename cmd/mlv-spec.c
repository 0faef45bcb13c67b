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

static mlv_spec_opts spec_opts;
static mlv_audio_opts audio_opts = {.target_sr = 22050};
static double clip_len, clip_hop;
static int tail_pad;
static mlv_norm_kind norm_kind = MLV_NORM_NONE;
static int norm_per_column;
static const char *fit_stats_path, *stats_path;
static mlv_norm saved_stats;
static mlv_record saved_stats_record;
static int have_saved_stats;
/* Statistics fitted on one kind of feature must not scale another of the
 * same width: these keys travel with them and must match. */
static const char *const stats_keys[] = {
	"feature", "sr", "n_fft", "win_length", "hop", "window", "pad",
	"power", "scale", "ref", "amin", "top_db", "n_mels", "fmin", "fmax",
	"mel_scale", "mel_norm", "n_mfcc", "tuning",
};
static mlv_manifest manifest;
static int nthreads;

/* Results are written in input order as they complete. */
static item *items;
static result *results;
static size_t nitems, next_to_write, items_done;
static mlv_progress progress;
static mlv_writer *out;
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;

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
add_record(result *res, mlv_spec *sp, const float *x, size_t n, int threads,
           const item *it, const mlv_audio *a, double t_start, double t_end,
           long clip, char *err, size_t errlen)
{
	size_t frames = mlv_spec_frames(sp, n);
	if (!frames) {
		snprintf(err, errlen, "%s: too short for one frame (%zu samples; "
		         "--n-fft %zu uncentred)", it->path, n, spec_opts.n_fft);
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
	for (size_t k = 0; it->row && k < manifest.nlabels; k++)
		mlv_meta_set(r, manifest.label_names[k], it->row->labels[k]);
	if (have_saved_stats) {
		for (size_t k = 0; k < sizeof stats_keys / sizeof *stats_keys; k++) {
			const char *want = mlv_meta_get(&saved_stats_record,
			                                stats_keys[k]);
			const char *got = mlv_meta_get(r, stats_keys[k]);
			if ((want || got) && (!want || !got || strcmp(want, got))) {
				snprintf(err, errlen, "%s: statistics %s were fitted on "
				         "%s=%s, these features have %s=%s", it->path,
				         stats_path, stats_keys[k], want ? want : "(none)",
				         stats_keys[k], got ? got : "(none)");
				mlv_record_free(r);
				res->n--;
				return -1;
			}
		}
		mlv_norm_apply_parallel(&saved_stats, r->data, r->rows, threads);
	} else if (norm_kind != MLV_NORM_NONE && !fit_stats_path) {
		mlv_norm s;
		mlv_norm_init(&s, norm_kind, norm_per_column, r->cols);
		mlv_norm_add_parallel(&s, r->data, r->rows, threads);
		mlv_norm_apply_parallel(&s, r->data, r->rows, threads);
		mlv_norm_free(&s);
	}
	if (norm_kind != MLV_NORM_NONE || have_saved_stats)
		mlv_meta_set(r, "norm", have_saved_stats ?
		             mlv_norm_name(saved_stats.kind) :
		             mlv_norm_name(norm_kind));
	return 0;
}

static int
process(const item *it, result *res, int threads, char *err, size_t errlen)
{
	mlv_audio a;
	mlv_audio_opts ao = audio_opts;
	ao.start = it->start;
	ao.end = it->end;
	if (mlv_audio_load(&a, it->path, &ao, err, errlen))
		return -1;
	int rc = -1;
	char why[512];
	mlv_spec *sp = mlv_spec_new(&spec_opts, a.sr, threads, why, sizeof why);
	if (!sp) {
		snprintf(err, errlen, "%s: %s", it->path, why);
		goto out;
	}
	if (clip_len <= 0) {
		rc = add_record(res, sp, a.x, a.n, threads, it, &a, a.t0,
		                a.t0 + (double)a.n / a.sr, -1, err, errlen);
		goto out;
	}
	size_t len = (size_t)llround(clip_len * a.sr);
	size_t hop = (size_t)llround(clip_hop * a.sr);
	if (a.n < len && !tail_pad) {
		snprintf(err, errlen, "%s: shorter than one clip (%.3f s < %g s; "
		         "--tail pad keeps it)", it->path, (double)a.n / a.sr,
		         clip_len);
		goto out;
	}
	float *padded = NULL;
	long k = 0;
	for (size_t at = 0; at < a.n; at += hop, k++) {
		const float *x = a.x + at;
		if (at + len > a.n) {
			if (!tail_pad || (at > 0 && at + len - hop >= a.n))
				break;
			if (!padded)
				padded = mlv_calloc(len, sizeof(float));
			memcpy(padded, x, (a.n - at) * sizeof(float));
			x = padded;
		}
		double t = a.t0 + (double)at / a.sr;
		if (add_record(res, sp, x, len, threads, it, &a, t,
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
	int threads = *(int *)ctx;
	char err[1024];
	result *res = &results[i];
	if (process(&items[i], res, threads, err, sizeof err)) {
		mlv_warn("%s", err);
		free_result(res);
		res->failed = 1;
	}
	pthread_mutex_lock(&write_lock);
	mlv_progress_update(&progress, ++items_done, nitems, "inputs");
	if (fit_stats_path) {
		pthread_mutex_unlock(&write_lock);
		return;
	}
	res->done = 1;
	while (next_to_write < nitems && results[next_to_write].done) {
		result *r = &results[next_to_write++];
		for (size_t k = 0; k < r->n; k++)
			mlv_write_or_die(out, &r->recs[k]);
		free_result(r);
	}
	pthread_mutex_unlock(&write_lock);
}

/* --fit-stats: fit on every record, save, then apply the statistics as
 * saved (float32), so this run's data is scaled exactly as data scaled
 * later with --stats. */
static void
fit_and_write(void)
{
	size_t width = 0;
	for (size_t i = 0; i < nitems && !width; i++)
		if (results[i].n)
			width = results[i].recs[0].cols;
	if (!width)
		return;
	mlv_norm fit, applied;
	mlv_norm_init(&fit, norm_kind, norm_per_column, width);
	for (size_t i = 0; i < nitems; i++)
		for (size_t k = 0; k < results[i].n; k++)
			mlv_norm_add(&fit, results[i].recs[k].data,
			             results[i].recs[k].rows);
	mlv_record st;
	mlv_record_init(&st);
	mlv_norm_to_record(&fit, &st);
	const mlv_record *first = NULL;
	for (size_t i = 0; i < nitems && !first; i++)
		if (results[i].n)
			first = &results[i].recs[0];
	for (size_t k = 0; k < sizeof stats_keys / sizeof *stats_keys; k++) {
		const char *v = mlv_meta_get(first, stats_keys[k]);
		if (v)
			mlv_meta_set(&st, stats_keys[k], v);
	}
	char err[256];
	if (mlv_norm_from_record(&applied, &st, width, err, sizeof err))
		mlv_die("%s: %s", fit_stats_path, err);
	mlv_writer *w = mlv_writer_open_or_die(fit_stats_path);
	mlv_write_or_die(w, &st);
	mlv_writer_close_or_die(w);
	for (size_t i = 0; i < nitems; i++) {
		for (size_t k = 0; k < results[i].n; k++) {
			mlv_norm_apply(&applied, results[i].recs[k].data,
			               results[i].recs[k].rows);
			mlv_write_or_die(out, &results[i].recs[k]);
		}
		free_result(&results[i]);
	}
	mlv_record_free(&st);
	mlv_norm_free(&fit);
	mlv_norm_free(&applied);
}

static void
load_stats(size_t width)
{
	mlv_reader *rd = mlv_reader_open_or_die(stats_path);
	mlv_record r;
	mlv_record_init(&r);
	if (!mlv_read_or_die(rd, &r))
		mlv_die("%s: empty stream (expected statistics from --fit-stats)",
		        stats_path);
	char err[256];
	if (mlv_norm_from_record(&saved_stats, &r, width, err, sizeof err))
		mlv_die("%s: %s", mlv_reader_where(rd, &r), err);
	have_saved_stats = 1;
	saved_stats_record = r;
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
refuse_unused(const char *given, enum mlv_feature f)
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
	int db = spec_opts.scale == MLV_SCALE_DB || f == MLV_FEATURE_MFCC;
	if ((given[OPT_AMIN - 256] || given[OPT_TOPDB - 256]) && !db)
		mlv_usage_error("--amin and --top-db apply only with --scale db "
		                "or -f mfcc");
	if (given[OPT_REF - 256] && spec_opts.scale != MLV_SCALE_DB)
		mlv_usage_error("--ref applies only with --scale db");
	if (given[OPT_AXIS - 256] && norm_kind == MLV_NORM_NONE)
		mlv_usage_error("--norm-axis goes with --norm minmax or zscore");
	if (given[OPT_TAIL - 256] && clip_len <= 0)
		mlv_usage_error("--tail goes with --clip");
}

int
main(int argc, char **argv)
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
	mlv_spec_opts_default(&spec_opts, MLV_FEATURE_STFT);

	const char *output = "-", *list = NULL;
	char given[64] = {0};
	int c;
	mlv_init(argv);
	nthreads = mlv_default_threads();
	while ((c = getopt_long(argc, argv, "f:j:o:h", longopts, NULL)) != -1) {
		if (c >= 256 && c < 256 + (int)sizeof given)
			given[c - 256] = 1;
		switch (c) {
		case 'f':
			if (mlv_feature_parse(optarg, &spec_opts.feature))
				mlv_usage_error("--feature %s: unknown (stft, mel, mfcc "
				                "or chroma)", optarg);
			break;
		case OPT_SR:
			audio_opts.target_sr = mlv_parse_double(optarg, 0,
			                                        MLV_AUDIO_MAX_SR, "--sr");
			break;
		case OPT_CHANNEL:
			audio_opts.channel = (int)mlv_parse_int(optarg, 1, 1024,
			                                        "--channel");
			break;
		case OPT_NFFT: spec_opts.n_fft = parse_count(optarg, "--n-fft"); break;
		case OPT_WIN:
			spec_opts.win_length = parse_count(optarg, "--win-length");
			break;
		case OPT_HOP: spec_opts.hop = parse_count(optarg, "--hop"); break;
		case OPT_WINDOW:
			if (mlv_window_parse(optarg, &spec_opts.window))
				mlv_usage_error("--window %s: unknown (hann, hamming or "
				                "blackman)", optarg);
			break;
		case OPT_PAD:
			if (mlv_pad_parse(optarg, &spec_opts.pad) ||
			    spec_opts.pad == MLV_PAD_NONE)
				mlv_usage_error("--pad %s: unknown (reflect or constant; "
				                "--no-center for none)", optarg);
			break;
		case OPT_NOCENTER: spec_opts.pad = MLV_PAD_NONE; break;
		case OPT_POWER:
			spec_opts.power = (int)mlv_parse_int(optarg, 1, 2, "--power");
			break;
		case OPT_SCALE:
			if (mlv_scale_parse(optarg, &spec_opts.scale))
				mlv_usage_error("--scale %s: unknown (linear, log1p or db)",
				                optarg);
			break;
		case OPT_REF:
			spec_opts.ref_max = !strcmp(optarg, "max");
			if (!spec_opts.ref_max)
				spec_opts.ref = mlv_parse_double(optarg, 1e-30, 1e30,
				                                 "--ref");
			break;
		case OPT_AMIN:
			spec_opts.amin = mlv_parse_double(optarg, 1e-30, 1, "--amin");
			break;
		case OPT_TOPDB:
			spec_opts.top_db = !strcmp(optarg, "none") ? -1 :
			        mlv_parse_double(optarg, 0, 1e4, "--top-db");
			break;
		case OPT_NMELS:
			spec_opts.n_mels = parse_count(optarg, "--n-mels");
			break;
		case OPT_FMIN:
			spec_opts.fmin = mlv_parse_double(optarg, 0, 1e7, "--fmin");
			break;
		case OPT_FMAX:
			spec_opts.fmax = mlv_parse_double(optarg, 1e-3, 1e7, "--fmax");
			break;
		case OPT_HTK: spec_opts.htk = 1; break;
		case OPT_MELNORM:
			if (strcmp(optarg, "slaney") && strcmp(optarg, "none"))
				mlv_usage_error("--mel-norm %s: unknown (slaney or none)",
				                optarg);
			spec_opts.mel_norm = !strcmp(optarg, "slaney");
			break;
		case OPT_NMFCC:
			spec_opts.n_mfcc = parse_count(optarg, "--n-mfcc");
			break;
		case OPT_TUNING:
			spec_opts.tuning = mlv_parse_double(optarg, -0.5, 0.5,
			                                    "--tuning");
			break;
		case OPT_NORM:
			if (mlv_norm_parse(optarg, &norm_kind))
				mlv_usage_error("--norm %s: unknown (none, minmax or "
				                "zscore)", optarg);
			break;
		case OPT_AXIS:
			if (strcmp(optarg, "global") && strcmp(optarg, "column"))
				mlv_usage_error("--norm-axis %s: unknown (global or "
				                "column)", optarg);
			norm_per_column = !strcmp(optarg, "column");
			break;
		case OPT_FIT: fit_stats_path = optarg; break;
		case OPT_STATS: stats_path = optarg; break;
		case OPT_CLIP:
			clip_len = mlv_parse_double(optarg, 1e-3, 1e6, "--clip");
			break;
		case OPT_CLIPHOP:
			clip_hop = mlv_parse_double(optarg, 1e-3, 1e6, "--clip-hop");
			break;
		case OPT_TAIL:
			if (strcmp(optarg, "drop") && strcmp(optarg, "pad"))
				mlv_usage_error("--tail %s: unknown (drop or pad)", optarg);
			tail_pad = !strcmp(optarg, "pad");
			break;
		case OPT_LIST: list = optarg; break;
		case 'j':
			nthreads = mlv_parse_jobs(optarg);
			break;
		case 'o': output = optarg; break;
		case 'h': usage(); break;
		case OPT_VERSION: mlv_print_version(); return 0;
		default: mlv_try_help();
		}
	}
	refuse_unused(given, spec_opts.feature);
	if (clip_hop > 0 && clip_len <= 0)
		mlv_usage_error("--clip-hop goes with --clip");
	if (clip_len > 0 && clip_hop <= 0)
		clip_hop = clip_len;
	if (fit_stats_path && stats_path)
		mlv_usage_error("--fit-stats and --stats exclude each other");
	if (fit_stats_path && norm_kind == MLV_NORM_NONE)
		mlv_usage_error("--fit-stats needs --norm minmax or zscore");
	if (stats_path && norm_kind != MLV_NORM_NONE)
		mlv_usage_error("--stats brings its own normalisation; drop --norm");
	if (audio_opts.target_sr > 0 && audio_opts.target_sr < MLV_AUDIO_MIN_SR)
		mlv_usage_error("--sr %g: too small (minimum %g)",
		                audio_opts.target_sr, MLV_AUDIO_MIN_SR);

	/* Check the feature parameters before touching any audio, at the
	 * target rate when it is known (the file's own rate otherwise). */
	char err[512];
	double probe_sr = audio_opts.target_sr > 0 ? audio_opts.target_sr :
	                  MLV_AUDIO_MAX_SR;
	mlv_spec *probe = mlv_spec_new(&spec_opts, probe_sr, 1, err, sizeof err);
	if (!probe)
		mlv_usage_error("%s", err);
	size_t width = mlv_spec_width(probe);
	mlv_spec_free(probe);
	if (!mlv_fft_size_fast(spec_opts.n_fft))
		mlv_warn("--n-fft %zu: KissFFT is several times slower when %s "
		         "has a prime factor above 5 (try 1000, 1024, 1200, 2048)",
		         spec_opts.n_fft, spec_opts.n_fft % 2 ? "it" : "its half");
	if (stats_path)
		load_stats(width);

	if (list) {
		if (optind < argc)
			mlv_usage_error("give files or --list, not both");
		if (mlv_manifest_read(&manifest, list, err, sizeof err))
			mlv_die("%s: %s", list, err);
		nitems = manifest.n;
		items = mlv_calloc(nitems ? nitems : 1, sizeof *items);
		for (size_t i = 0; i < nitems; i++) {
			items[i].path = manifest.rows[i].path;
			items[i].start = manifest.rows[i].start;
			items[i].end = manifest.rows[i].end;
			items[i].row = &manifest.rows[i];
		}
	} else {
		nitems = optind < argc ? (size_t)(argc - optind) : 1;
		items = mlv_calloc(nitems, sizeof *items);
		for (size_t i = 0; i < nitems; i++)
			items[i].path = optind < argc ? argv[optind + (int)i] : "-";
	}
	size_t stdin_uses = 0;
	for (size_t i = 0; i < nitems; i++)
		stdin_uses += !strcmp(items[i].path, "-");
	if (stdin_uses > 1)
		mlv_usage_error("stdin ('-') can be read only once");

	mlv_outputs_check_or_die(1, fit_stats_path);
	out = mlv_writer_open_or_die(output);
	results = mlv_calloc(nitems ? nitems : 1, sizeof *results);
	/* Many files: one thread each.  One file: its frames in parallel. */
	int per_item = nitems > 1 ? 1 : nthreads;
	mlv_progress_begin(&progress, "features");
	mlv_parallel_items(nitems, nitems > 1 ? nthreads : 1, run_item, &per_item);
	mlv_progress_end(&progress);
	if (fit_stats_path)
		fit_and_write();
	size_t failed = 0;
	for (size_t i = 0; i < nitems; i++)
		failed += (size_t)results[i].failed;
	/* Good inputs are written even when others fail; but a run with
	 * nothing to show leaves an existing -o file alone. */
	if (failed == nitems && nitems)
		mlv_writer_abort(out);
	else
		mlv_writer_close_or_die(out);
	if (failed && nitems > 1)
		mlv_warn("%zu of %zu inputs failed", failed, nitems);
	free(results);
	free(items);
	mlv_manifest_free(&manifest);
	if (have_saved_stats) {
		mlv_norm_free(&saved_stats);
		mlv_record_free(&saved_stats_record);
	}
	return failed ? MLV_EXIT_FAILURE : 0;
}
