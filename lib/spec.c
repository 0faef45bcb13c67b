/* spec.c - see spec.h */
#include "spec.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "util.h"

static const char *const feature_names[] = {"stft", "mel", "mfcc", "chroma"};
static const char *const scale_names[] = {"linear", "log1p", "db"};
static const char *const chroma_names =
	"C,C#,D,D#,E,F,F#,G,G#,A,A#,B";

typedef struct {
	mlv_stft *stft;
	float *frame;  /* n_fft */
	float *bins;   /* n_fft/2+1 */
	double hi;     /* max of this thread's output, for top_db and ref=max */
} worker;

struct mlv_spec {
	mlv_spec_opts o;
	double sr;
	size_t bins, width;
	mlv_fbank *bank;  /* mel or chroma filters */
	mlv_fbank *dct;   /* mfcc */
	float *mel;       /* mfcc: frames x n_mels, grown as needed */
	size_t mel_cap;
	int nthreads;
	worker *w;
	/* set for one mlv_spec_run */
	const float *x;
	size_t n;
	float *out;
};

void
mlv_spec_opts_default(mlv_spec_opts *o, enum mlv_feature feature)
{
	memset(o, 0, sizeof *o);
	o->feature = feature;
	o->n_fft = 2048;
	o->window = MLV_WINDOW_HANN;
	o->pad = MLV_PAD_REFLECT;
	o->scale = MLV_SCALE_LINEAR;
	o->ref = 1;
	o->top_db = 80;
	o->n_mels = 128;
	o->mel_norm = 1;
	o->n_mfcc = 20;
}

static int
parse_name(const char *name, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(name, names[i]))
			return i;
	return -1;
}

int
mlv_feature_parse(const char *name, enum mlv_feature *f)
{
	int i = parse_name(name, feature_names, 4);
	if (i < 0)
		return -1;
	*f = (enum mlv_feature)i;
	return 0;
}

const char *
mlv_feature_name(enum mlv_feature f)
{
	return feature_names[f];
}

int
mlv_scale_parse(const char *name, enum mlv_scale *s)
{
	int i = parse_name(name, scale_names, 3);
	if (i < 0)
		return -1;
	*s = (enum mlv_scale)i;
	return 0;
}

const char *
mlv_scale_name(enum mlv_scale s)
{
	return scale_names[s];
}

static mlv_spec *
fail(mlv_spec *s, char *err, size_t errlen, const char *fmt, ...)
	MLV_PRINTF(4, 5);

static mlv_spec *
fail(mlv_spec *s, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	mlv_spec_free(s);
	return NULL;
}

mlv_spec *
mlv_spec_new(const mlv_spec_opts *opts, double sr, int nthreads, char *err,
             size_t errlen)
{
	mlv_spec *s = mlv_calloc(1, sizeof *s);
	mlv_spec_opts *o = &s->o;
	*o = *opts;
	s->sr = sr;
	s->nthreads = nthreads < 1 ? 1 : nthreads;
	if (!o->win_length)
		o->win_length = o->n_fft;
	if (!o->hop)
		o->hop = o->win_length / 4 ? o->win_length / 4 : 1;
	if (!o->power)
		o->power = o->feature == MLV_FEATURE_STFT ? 1 : 2;
	if (o->fmax <= 0)
		o->fmax = sr / 2;
	if (o->amin <= 0)
		o->amin = o->power == 1 && o->feature != MLV_FEATURE_MFCC ? 1e-5 :
		          1e-10;

	if (o->n_fft < 2 || o->n_fft > (1u << 24))
		return fail(s, err, errlen, "--n-fft %zu: out of range (2 to "
		            "16777216)", o->n_fft);
	if (o->win_length > o->n_fft)
		return fail(s, err, errlen, "--win-length %zu: longer than "
		            "--n-fft %zu", o->win_length, o->n_fft);
	if (o->power != 1 && o->power != 2)
		return fail(s, err, errlen, "--power %d: must be 1 (magnitude) "
		            "or 2 (power)", o->power);
	if (o->scale != MLV_SCALE_LINEAR && (o->feature == MLV_FEATURE_MFCC ||
	                                     o->feature == MLV_FEATURE_CHROMA))
		return fail(s, err, errlen, "--scale %s: only stft and mel are "
		            "scaled (mfcc is computed from dB, chroma is "
		            "normalised)", mlv_scale_name(o->scale));
	if (o->feature == MLV_FEATURE_MEL || o->feature == MLV_FEATURE_MFCC) {
		if (o->fmax > sr / 2)
			return fail(s, err, errlen, "--fmax %g: above the Nyquist "
			            "frequency (%g Hz at %g Hz)", o->fmax, sr / 2, sr);
		if (o->fmin < 0 || o->fmin >= o->fmax)
			return fail(s, err, errlen, "--fmin %g: must be >= 0 and "
			            "below fmax %g", o->fmin, o->fmax);
		if (o->n_mels < 1 || o->n_mels > 4096)
			return fail(s, err, errlen, "--n-mels %zu: out of range "
			            "(1 to 4096)", o->n_mels);
	}
	if (o->feature == MLV_FEATURE_MFCC &&
	    (o->n_mfcc < 1 || o->n_mfcc > o->n_mels))
		return fail(s, err, errlen, "--n-mfcc %zu: must be 1 to --n-mels "
		            "(%zu)", o->n_mfcc, o->n_mels);

	mlv_stft *st = mlv_stft_new(o->n_fft, o->win_length, o->window);
	if (!st)
		return fail(s, err, errlen, "cannot plan an FFT of %zu points",
		            o->n_fft);
	s->bins = mlv_stft_bins(st);
	s->w = mlv_calloc((size_t)s->nthreads, sizeof *s->w);
	for (int t = 0; t < s->nthreads; t++) {
		s->w[t].stft = t ? mlv_stft_clone(st) : st;
		s->w[t].frame = mlv_malloc(o->n_fft * sizeof(float));
		s->w[t].bins = mlv_malloc(s->bins * sizeof(float));
	}

	float *w = NULL;
	switch (o->feature) {
	case MLV_FEATURE_STFT:
		s->width = s->bins;
		break;
	case MLV_FEATURE_MEL:
	case MLV_FEATURE_MFCC:
		w = mlv_malloc(mlv_mul_size(o->n_mels, s->bins, "mel bank") *
		               sizeof(float));
		if (mlv_mel_filters(w, sr, o->n_fft, o->n_mels, o->fmin, o->fmax,
		                    o->htk, o->mel_norm) < 0) {
			free(w);
			return fail(s, err, errlen, "bad mel filter parameters");
		}
		s->bank = mlv_fbank_new(w, o->n_mels, s->bins);
		free(w);
		s->width = o->n_mels;
		if (o->feature == MLV_FEATURE_MFCC) {
			w = mlv_malloc(o->n_mfcc * o->n_mels * sizeof(float));
			mlv_dct_ortho_matrix(w, o->n_mfcc, o->n_mels);
			s->dct = mlv_fbank_new(w, o->n_mfcc, o->n_mels);
			free(w);
			s->width = o->n_mfcc;
		}
		break;
	case MLV_FEATURE_CHROMA:
		w = mlv_malloc(MLV_CHROMA_BINS * s->bins * sizeof(float));
		if (mlv_chroma_filters(w, sr, o->n_fft, o->tuning) < 0) {
			free(w);
			return fail(s, err, errlen, "bad chroma filter parameters");
		}
		s->bank = mlv_fbank_new(w, MLV_CHROMA_BINS, s->bins);
		free(w);
		s->width = MLV_CHROMA_BINS;
		break;
	}
	return s;
}

void
mlv_spec_free(mlv_spec *s)
{
	if (!s)
		return;
	for (int t = 0; s->w && t < s->nthreads; t++) {
		mlv_stft_free(s->w[t].stft);
		free(s->w[t].frame);
		free(s->w[t].bins);
	}
	free(s->w);
	mlv_fbank_free(s->bank);
	mlv_fbank_free(s->dct);
	free(s->mel);
	free(s);
}

size_t
mlv_spec_width(const mlv_spec *s)
{
	return s->width;
}

size_t
mlv_spec_frames(const mlv_spec *s, size_t n)
{
	return mlv_frame_count(n, s->o.n_fft, s->o.hop, s->o.pad);
}

double
mlv_spec_t0(const mlv_spec *s)
{
	return s->o.pad == MLV_PAD_NONE ? (double)(s->o.n_fft / 2) / s->sr : 0;
}

/* Per-value scaling that needs no global statistic; the dB forms clip at
 * top_db in a second pass, once the maximum is known. */
static void
scale_row(const mlv_spec *s, float *row, size_t n)
{
	const mlv_spec_opts *o = &s->o;
	if (o->scale == MLV_SCALE_LOG1P) {
		mlv_log1p(row, n);
	} else if (o->scale == MLV_SCALE_DB) {
		double ref = o->ref_max ? 1 : o->ref;
		if (o->power == 1)
			mlv_amplitude_to_db(row, n, ref, o->amin, -1);
		else
			mlv_power_to_db(row, n, ref, o->amin, -1);
	}
}

static void
frames_range(void *ctx, size_t begin, size_t end, int thread)
{
	mlv_spec *s = ctx;
	const mlv_spec_opts *o = &s->o;
	worker *w = &s->w[thread];
	double hi = -INFINITY;
	for (size_t t = begin; t < end; t++) {
		mlv_frame_get(w->frame, s->x, s->n, t, o->n_fft, o->hop, o->pad);
		float *row = s->out + t * s->width;
		switch (o->feature) {
		case MLV_FEATURE_STFT:
			mlv_stft_do(w->stft, w->frame, row, o->power);
			break;
		case MLV_FEATURE_MEL:
			mlv_stft_do(w->stft, w->frame, w->bins, o->power);
			mlv_fbank_do(s->bank, w->bins, row);
			break;
		case MLV_FEATURE_MFCC:
			/* The DCT waits for the dB clip at the whole matrix's
			 * maximum, as librosa.feature.mfcc does it. */
			/* power_to_db whatever the power, as librosa.feature.mfcc
			 * does. */
			row = s->mel + t * o->n_mels;
			mlv_stft_do(w->stft, w->frame, w->bins, o->power);
			mlv_fbank_do(s->bank, w->bins, row);
			mlv_power_to_db(row, o->n_mels, 1, o->amin, -1);
			break;
		case MLV_FEATURE_CHROMA:
			mlv_stft_do(w->stft, w->frame, w->bins, o->power);
			mlv_fbank_do(s->bank, w->bins, row);
			mlv_normalize_max(row, MLV_CHROMA_BINS);
			break;
		}
		size_t width = o->feature == MLV_FEATURE_MFCC ? o->n_mels : s->width;
		if (o->feature != MLV_FEATURE_MFCC)
			scale_row(s, row, width);
		for (size_t j = 0; j < width; j++)
			if (row[j] > hi)
				hi = row[j];
	}
	w->hi = hi;
}

/* The second pass of dB scaling: shift by the maximum (ref=max) and clip
 * at max - top_db, both taken over the whole matrix. */
typedef struct {
	float *x;
	size_t width;
	double shift, floor;
} clip_ctx;

static void
clip_range(void *ctx, size_t begin, size_t end, int thread)
{
	(void)thread;
	clip_ctx *c = ctx;
	for (size_t i = begin * c->width; i < end * c->width; i++) {
		double v = c->x[i] - c->shift;
		c->x[i] = (float)(v < c->floor ? c->floor : v);
	}
}

static void
dct_range(void *ctx, size_t begin, size_t end, int thread)
{
	(void)thread;
	mlv_spec *s = ctx;
	for (size_t t = begin; t < end; t++)
		mlv_fbank_do(s->dct, s->mel + t * s->o.n_mels, s->out + t * s->width);
}

void
mlv_spec_run(mlv_spec *s, const float *x, size_t n, float *out, int nthreads)
{
	const mlv_spec_opts *o = &s->o;
	size_t frames = mlv_spec_frames(s, n);
	if (nthreads < 1 || nthreads > s->nthreads)
		nthreads = s->nthreads;
	s->x = x;
	s->n = n;
	s->out = out;
	if (o->feature == MLV_FEATURE_MFCC) {
		size_t need = mlv_mul_size(frames, o->n_mels, "mel spectrogram");
		if (need > s->mel_cap) {
			free(s->mel);
			s->mel = mlv_malloc(mlv_mul_size(need, sizeof(float), "mel"));
			s->mel_cap = need;
		}
	}
	for (int t = 0; t < s->nthreads; t++)
		s->w[t].hi = -INFINITY;
	mlv_parallel_for(frames, nthreads, frames_range, s);

	int db = o->scale == MLV_SCALE_DB || o->feature == MLV_FEATURE_MFCC;
	if (db && frames) {
		double hi = -INFINITY;
		for (int t = 0; t < s->nthreads; t++)
			if (s->w[t].hi > hi)
				hi = s->w[t].hi;
		clip_ctx c = {
			.x = o->feature == MLV_FEATURE_MFCC ? s->mel : out,
			.width = o->feature == MLV_FEATURE_MFCC ? o->n_mels : s->width,
			.shift = o->ref_max && o->feature != MLV_FEATURE_MFCC ? hi : 0,
		};
		if (o->ref_max && o->feature != MLV_FEATURE_MFCC)
			hi = 0;
		c.floor = o->top_db >= 0 ? hi - o->top_db : -INFINITY;
		if (c.shift != 0 || o->top_db >= 0)
			mlv_parallel_for(frames, nthreads, clip_range, &c);
	}
	if (o->feature == MLV_FEATURE_MFCC)
		mlv_parallel_for(frames, nthreads, dct_range, s);
}

void
mlv_spec_describe(const mlv_spec *s, mlv_record *r)
{
	const mlv_spec_opts *o = &s->o;
	mlv_meta_set(r, "kind", o->feature == MLV_FEATURE_STFT ? "spec" :
	             mlv_feature_name(o->feature));
	mlv_meta_setf(r, "sr", "%.10g", s->sr);
	mlv_meta_setf(r, "dt", "%.10g", (double)o->hop / s->sr);
	mlv_meta_setf(r, "dur", "%.10g", (double)o->win_length / s->sr);
	mlv_meta_set(r, "feature", mlv_feature_name(o->feature));
	mlv_meta_setf(r, "n_fft", "%zu", o->n_fft);
	mlv_meta_setf(r, "win_length", "%zu", o->win_length);
	mlv_meta_setf(r, "hop", "%zu", o->hop);
	mlv_meta_set(r, "window", mlv_window_name(o->window));
	mlv_meta_set(r, "pad", mlv_pad_name(o->pad));
	mlv_meta_setf(r, "power", "%d", o->power);
	switch (o->feature) {
	case MLV_FEATURE_STFT:
		mlv_meta_setf(r, "df", "%.10g", s->sr / (double)o->n_fft);
		break;
	case MLV_FEATURE_MEL:
	case MLV_FEATURE_MFCC:
		mlv_meta_setf(r, "n_mels", "%zu", o->n_mels);
		mlv_meta_setf(r, "fmin", "%.10g", o->fmin);
		mlv_meta_setf(r, "fmax", "%.10g", o->fmax);
		mlv_meta_set(r, "mel_scale", o->htk ? "htk" : "slaney");
		mlv_meta_set(r, "mel_norm", o->mel_norm ? "slaney" : "none");
		if (o->feature == MLV_FEATURE_MFCC)
			mlv_meta_setf(r, "n_mfcc", "%zu", o->n_mfcc);
		break;
	case MLV_FEATURE_CHROMA:
		mlv_meta_set(r, "colnames", chroma_names);
		mlv_meta_setf(r, "tuning", "%.10g", o->tuning);
		break;
	}
	if (o->feature == MLV_FEATURE_STFT || o->feature == MLV_FEATURE_MEL)
		mlv_meta_set(r, "scale", mlv_scale_name(o->scale));
	if (o->scale == MLV_SCALE_DB || o->feature == MLV_FEATURE_MFCC) {
		if (o->ref_max && o->feature != MLV_FEATURE_MFCC)
			mlv_meta_set(r, "ref", "max");
		else
			mlv_meta_setf(r, "ref", "%.10g",
			              o->feature == MLV_FEATURE_MFCC ? 1.0 : o->ref);
		mlv_meta_setf(r, "amin", "%.10g", o->amin);
		if (o->top_db < 0)
			mlv_meta_set(r, "top_db", "none");
		else
			mlv_meta_setf(r, "top_db", "%.10g", o->top_db);
	}
}
