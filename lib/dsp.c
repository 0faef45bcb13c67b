/* dsp.c - see dsp.h
 *
 * The filter banks and windows restate librosa's and scipy's numpy code in
 * the same order of float64 operations, rounding to float32 where they do,
 * so the weights agree with librosa's to the last bit or two rather than
 * merely to a tolerance.
 */
#include "dsp.h"
#include "util.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <kiss_fft.h>
#include <kiss_fftr.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#ifndef M_LN10
#define M_LN10 2.30258509299404568402
#endif

/* ---- windows -------------------------------------------------------- */

static const struct {
	const char *name;
	int nterms;
	double a[3];
} windows[] = {
	/* scipy.signal.windows: hann and hamming are general_hamming(M, 0.5)
	 * and (M, 0.54), i.e. general_cosine(M, [alpha, 1 - alpha]). */
	[MLV_WINDOW_HANN] = {"hann", 2, {0.5, 0.5, 0}},
	[MLV_WINDOW_HAMMING] = {"hamming", 2, {0.54, 0.46, 0}},
	[MLV_WINDOW_BLACKMAN] = {"blackman", 3, {0.42, 0.50, 0.08}},
};
#define NWINDOWS (sizeof windows / sizeof windows[0])

static int
window_ok(enum mlv_window kind)
{
	return (unsigned)kind < NWINDOWS;
}

int
mlv_window_make(float *w, size_t n, enum mlv_window kind)
{
	if (!n || !window_ok(kind))
		return -1;
	if (n == 1) {
		w[0] = 1; /* scipy's _len_guards: windows of length <= 1 are ones */
		return 0;
	}
	/* scipy's general_cosine(n + 1, a) without its last point:
	 * fac = linspace(-pi, pi, n + 1), w = sum_k a_k cos(k fac), whose
	 * alternating signs give 0.5 - 0.5 cos(2 pi i/n) for hann. */
	double step = (M_PI - -M_PI) / (double)n;
	for (size_t i = 0; i < n; i++) {
		double fac = (double)i * step + -M_PI, v = 0;
		for (int k = 0; k < windows[kind].nterms; k++)
			v += windows[kind].a[k] * cos((double)k * fac);
		w[i] = (float)v;
	}
	return 0;
}

int
mlv_window_parse(const char *name, enum mlv_window *kind)
{
	for (size_t i = 0; i < NWINDOWS; i++)
		if (!strcmp(name, windows[i].name)) {
			*kind = (enum mlv_window)i;
			return 0;
		}
	return -1;
}

const char *
mlv_window_name(enum mlv_window kind)
{
	return window_ok(kind) ? windows[kind].name : NULL;
}

/* ---- framing -------------------------------------------------------- */

static const char *const pad_names[] = {
	[MLV_PAD_NONE] = "none",
	[MLV_PAD_CONSTANT] = "constant",
	[MLV_PAD_REFLECT] = "reflect",
};
#define NPADS (sizeof pad_names / sizeof pad_names[0])

int
mlv_pad_parse(const char *name, enum mlv_pad *pad)
{
	for (size_t i = 0; i < NPADS; i++)
		if (!strcmp(name, pad_names[i])) {
			*pad = (enum mlv_pad)i;
			return 0;
		}
	return -1;
}

const char *
mlv_pad_name(enum mlv_pad pad)
{
	return (unsigned)pad < NPADS ? pad_names[pad] : NULL;
}

size_t
mlv_frame_count(size_t nsamples, size_t n_fft, size_t hop, enum mlv_pad pad)
{
	size_t len;

	if (!n_fft || !hop)
		return 0;
	switch (pad) {
	case MLV_PAD_NONE:
		len = nsamples;
		break;
	case MLV_PAD_CONSTANT:
	case MLV_PAD_REFLECT:
		/* n_fft/2 on each side: one sample short of n_fft in all for odd
		 * n_fft, as librosa. */
		if (nsamples > SIZE_MAX - n_fft)
			return 0;
		len = nsamples + n_fft / 2 * 2;
		break;
	default:
		return 0;
	}
	return len < n_fft ? 0 : 1 + (len - n_fft) / hop;
}

/* Index into x[0..n) of sample n + e (right of the end, e >= 0) or of
 * sample -d (left of the start, d >= 1) under numpy.pad(mode="reflect"):
 * for n >= 2 that is the signal extended with period 2(n-1) by mirroring
 * about x[0] and x[n-1], which is what numpy's repeated reflection of
 * signals shorter than the padding amounts to; for n == 1 it is x[0]. */
static size_t
reflect_right(size_t n, size_t e)
{
	if (n == 1)
		return 0;
	size_t period = 2 * (n - 1), m = (n + e) % period;
	return m < n ? m : period - m;
}

static size_t
reflect_left(size_t n, size_t d)
{
	if (n == 1)
		return 0;
	size_t period = 2 * (n - 1), m = (period - d % period) % period;
	return m < n ? m : period - m;
}

int
mlv_frame_get(float *out, const float *x, size_t nsamples, size_t t,
              size_t n_fft, size_t hop, enum mlv_pad pad)
{
	if (t >= mlv_frame_count(nsamples, n_fft, hop, pad))
		return -1;
	if (pad == MLV_PAD_NONE) {
		memcpy(out, x + t * hop, n_fft * sizeof *out);
		return 0;
	}
	if (pad == MLV_PAD_REFLECT && !nsamples)
		return -1;

	/* In padded coordinates the frame is [t*hop, t*hop + n_fft) and the
	 * signal [half, half + nsamples).  The frame count guarantees
	 * t*hop <= nsamples, so none of this goes negative. */
	size_t half = n_fft / 2, p0 = t * hop;
	size_t lo = p0 < half ? half - p0 : 0;         /* first signal sample */
	size_t hi = nsamples + half - p0;              /* one past the last */
	if (hi > n_fft)
		hi = n_fft;
	if (hi > lo) /* hi == lo for an empty signal: all padding */
		memcpy(out + lo, x + (p0 + lo - half), (hi - lo) * sizeof *out);
	if (pad == MLV_PAD_CONSTANT) {
		memset(out, 0, lo * sizeof *out);
		memset(out + hi, 0, (n_fft - hi) * sizeof *out);
		return 0;
	}
	for (size_t i = 0; i < lo; i++)
		out[i] = x[reflect_left(nsamples, half - p0 - i)];
	for (size_t i = hi; i < n_fft; i++)
		out[i] = x[reflect_right(nsamples, p0 + i - half - nsamples)];
	return 0;
}

/* ---- STFT ----------------------------------------------------------- */

struct mlv_stft {
	size_t n_fft, win_length, lo; /* the window is [lo, lo + win_length) */
	enum mlv_window kind;
	float *window;                /* n_fft, zero outside the window */
	/* Even n_fft: real FFT of buf.  Odd n_fft: complex FFT of cin, whose
	 * imaginary parts stay 0.  Either way only [lo, lo + win_length) is
	 * ever written, so the zero padding is set once here. */
	kiss_fftr_cfg rcfg;
	kiss_fft_cfg ccfg;
	float *buf;
	kiss_fft_cpx *cin;
	kiss_fft_cpx *spec;           /* n_fft/2+1 (even) or n_fft (odd) */
};

/* KissFFT plans in memory from util.h's allocator (KissFFT's interface for
 * caller-supplied memory, as lib/tsne.c does), so that running out of it
 * is reported as any other allocation; released with free(). */
static kiss_fftr_cfg
rplan(int n)
{
	size_t len = 0;
	kiss_fftr_alloc(n, 0, NULL, &len);
	return kiss_fftr_alloc(n, 0, mlv_malloc(len), &len);
}

static kiss_fft_cfg
cplan(int n)
{
	size_t len = 0;
	kiss_fft_alloc(n, 0, NULL, &len);
	return kiss_fft_alloc(n, 0, mlv_malloc(len), &len);
}

mlv_stft *
mlv_stft_new(size_t n_fft, size_t win_length, enum mlv_window kind)
{
	if (n_fft < 2 || n_fft > INT_MAX || !win_length || win_length > n_fft ||
	    !window_ok(kind))
		return NULL;

	mlv_stft *st = mlv_calloc(1, sizeof *st);
	st->n_fft = n_fft;
	st->win_length = win_length;
	st->lo = (n_fft - win_length) / 2; /* librosa.util.pad_center */
	st->kind = kind;
	st->window = mlv_calloc(n_fft, sizeof *st->window);
	mlv_window_make(st->window + st->lo, win_length, kind);
	if (n_fft % 2 == 0) {
		st->buf = mlv_calloc(n_fft, sizeof *st->buf);
		st->spec = mlv_calloc(n_fft / 2 + 1, sizeof *st->spec);
		st->rcfg = rplan((int)n_fft);
	} else {
		/* kiss_fftr needs an even length. */
		st->cin = mlv_calloc(n_fft, sizeof *st->cin);
		st->spec = mlv_calloc(n_fft, sizeof *st->spec);
		st->ccfg = cplan((int)n_fft);
	}
	return st;
}

int
mlv_fft_size_fast(size_t n_fft)
{
	size_t m = n_fft % 2 ? n_fft : n_fft / 2;
	for (size_t p = 2; p <= 5; p++)
		while (m > 1 && m % p == 0)
			m /= p;
	return m == 1;
}

mlv_stft *
mlv_stft_clone(const mlv_stft *st)
{
	/* A KissFFT plan is one block with pointers into itself, so it cannot
	 * be copied; planning again takes about 10 us for n_fft 1000. */
	return st ? mlv_stft_new(st->n_fft, st->win_length, st->kind) : NULL;
}

void
mlv_stft_free(mlv_stft *st)
{
	if (!st)
		return;
	if (st->rcfg)
		kiss_fftr_free(st->rcfg);
	if (st->ccfg)
		kiss_fft_free(st->ccfg);
	free(st->window);
	free(st->buf);
	free(st->cin);
	free(st->spec);
	free(st);
}

int
mlv_stft_do(mlv_stft *st, const float *frame, float *out, int power)
{
	if (power != 1 && power != 2)
		return -1;
	size_t lo = st->lo, n = st->win_length, nb = st->n_fft / 2 + 1;
	const float *w = st->window + lo, *f = frame + lo;
	if (st->rcfg) {
		float *b = st->buf + lo;
		for (size_t i = 0; i < n; i++)
			b[i] = f[i] * w[i];
		kiss_fftr(st->rcfg, st->buf, st->spec);
	} else {
		kiss_fft_cpx *b = st->cin + lo;
		for (size_t i = 0; i < n; i++)
			b[i].r = f[i] * w[i];
		kiss_fft(st->ccfg, st->cin, st->spec);
	}
	const kiss_fft_cpx *s = st->spec;
	if (power == 2)
		for (size_t k = 0; k < nb; k++)
			out[k] = s[k].r * s[k].r + s[k].i * s[k].i;
	else
		for (size_t k = 0; k < nb; k++)
			out[k] = sqrtf(s[k].r * s[k].r + s[k].i * s[k].i);
	return 0;
}

size_t
mlv_stft_n_fft(const mlv_stft *st)
{
	return st->n_fft;
}

size_t
mlv_stft_bins(const mlv_stft *st)
{
	return st->n_fft / 2 + 1;
}

const float *
mlv_stft_window(const mlv_stft *st)
{
	return st->window;
}

/* ---- mel ------------------------------------------------------------ */

/* librosa.hz_to_mel and mel_to_hz of one value: Slaney's scale is linear,
 * 200/3 Hz per mel, up to 1 kHz and logarithmic above it, a factor 6.4 per
 * 27 mels. */
#define SLANEY_F_SP (200.0 / 3)
#define SLANEY_MIN_LOG_HZ 1000.0
#define SLANEY_MIN_LOG_MEL ((SLANEY_MIN_LOG_HZ - 0.0) / SLANEY_F_SP)
#define SLANEY_LOGSTEP (log(6.4) / 27.0)

static double
hz_to_mel(double f, int htk)
{
	if (htk)
		return 2595.0 * log10(1.0 + f / 700.0);
	if (f >= SLANEY_MIN_LOG_HZ)
		return SLANEY_MIN_LOG_MEL + log(f / SLANEY_MIN_LOG_HZ) / SLANEY_LOGSTEP;
	return (f - 0.0) / SLANEY_F_SP;
}

static double
mel_to_hz(double m, int htk)
{
	if (htk)
		return 700.0 * (pow(10.0, m / 2595.0) - 1.0);
	if (m >= SLANEY_MIN_LOG_MEL)
		return SLANEY_MIN_LOG_HZ * exp(SLANEY_LOGSTEP * (m - SLANEY_MIN_LOG_MEL));
	return 0.0 + SLANEY_F_SP * m;
}

int
mlv_mel_filters(float *w, double sr, size_t n_fft, size_t n_mels,
                double fmin, double fmax, int htk, int slaney_norm)
{
	size_t nb = n_fft / 2 + 1, total;

	if (!(sr > 0) || !isfinite(sr) || n_fft < 2 || !n_mels ||
	    n_mels > SIZE_MAX / sizeof(double) - 2 ||
	    mlv_checked_mul(n_mels, nb, &total))
		return -1;
	if (fmax <= 0)
		fmax = sr / 2;
	if (!(fmin >= 0) || !(fmin < fmax) || !(fmax <= sr / 2))
		return -1;

	/* Band edges: n_mels + 2 frequencies equally spaced in mels, as
	 * librosa.mel_frequencies, whose np.linspace computes i*step + start
	 * and sets the last point to stop exactly. */
	size_t m = n_mels + 2;
	double *mel_f = mlv_malloc(m * sizeof *mel_f);
	double min_mel = hz_to_mel(fmin, htk), max_mel = hz_to_mel(fmax, htk);
	double step = (max_mel - min_mel) / (double)(m - 1);
	for (size_t i = 0; i < m; i++)
		mel_f[i] = mel_to_hz(i == m - 1 ? max_mel : (double)i * step + min_mel,
		                     htk);

	/* FFT bin k is at k * sr/n_fft Hz, spelt as np.fft.rfftfreq does. */
	double val = 1.0 / ((double)n_fft * (1.0 / sr));
	int empty = 0;
	for (size_t i = 0; i < n_mels; i++) {
		double fd0 = mel_f[i + 1] - mel_f[i], fd1 = mel_f[i + 2] - mel_f[i + 1];
		double enorm = 2.0 / (mel_f[i + 2] - mel_f[i]);
		float *row = w + i * nb, peak = 0;
		for (size_t k = 0; k < nb; k++) {
			double f = (double)k * val;
			double lower = -(mel_f[i] - f) / fd0;
			double upper = (mel_f[i + 2] - f) / fd1;
			double v = lower < upper ? lower : upper;
			/* librosa stores the triangle in float32, then scales that
			 * by the float64 area factor and rounds again. */
			float t = (float)(v > 0 ? v : 0);
			if (slaney_norm)
				t = (float)((double)t * enorm);
			row[k] = t;
			if (t > peak)
				peak = t;
		}
		/* librosa's warning test: a band whose lower edge is above 0 Hz
		 * and which caught no FFT bin. */
		if (mel_f[i] != 0 && !(peak > 0))
			empty++;
	}
	free(mel_f);
	return empty;
}

/* ---- chroma --------------------------------------------------------- */

/* np.remainder for float64: the result takes the divisor's sign. */
static double
py_remainder(double a, double b)
{
	double mod = fmod(a, b);
	if (mod != 0) {
		if ((b < 0) != (mod < 0))
			mod += b;
	} else {
		mod = copysign(0.0, b);
	}
	return mod;
}

int
mlv_chroma_filters(float *w, double sr, size_t n_fft, double tuning)
{
	enum { NC = MLV_CHROMA_BINS };
	size_t nb = n_fft / 2 + 1, total;

	if (!(sr > 0) || !isfinite(sr) || n_fft < 2 || !isfinite(tuning) ||
	    nb > SIZE_MAX / sizeof(double) - 1 ||
	    mlv_checked_mul(NC, nb, &total))
		return -1;

	/* frqbins[i]: FFT bin i's frequency in chroma bins above A0 - 4 oct
	 * (librosa.hz_to_octs times 12), bins at np.linspace(0, sr, n_fft,
	 * endpoint=False); bin 0 (0 Hz) is put 1.5 octaves below bin 1.  Only
	 * the first nb columns are kept, but each one's width looks at the
	 * next bin, so nb + 1 are computed when they exist. */
	size_t nf = nb + 1 < n_fft ? nb + 1 : n_fft;
	double *frq = mlv_malloc(nf * sizeof *frq);
	double a440 = 440.0 * pow(2.0, tuning / NC);
	double fstep = (sr - 0) / (double)n_fft;
	for (size_t i = 1; i < nf; i++)
		frq[i] = NC * log2(((double)i * fstep + 0) / (a440 / 16));
	frq[0] = frq[1] - 1.5 * NC;

	double n_chroma2 = 6.0; /* np.round(12 / 2) */
	for (size_t i = 0; i < nb; i++) {
		double width = 1.0, col[NC], norm2 = 0;
		if (i + 1 < n_fft) {
			width = frq[i + 1] - frq[i];
			if (!(width >= 1.0))
				width = 1.0;
		}
		/* Gaussian bumps at each pitch class, distance taken modulo an
		 * octave into [-6, 6), twice as narrow as the bin is wide. */
		for (int c = 0; c < NC; c++) {
			double d = frq[i] - c;
			d = py_remainder(d + n_chroma2 + 10 * NC, NC) - n_chroma2;
			double z = 2 * d / width;
			col[c] = exp(-0.5 * (z * z));
			norm2 += col[c] * col[c];
		}
		/* librosa.util.normalize(norm=2, axis=0): unit L2 norm per bin,
		 * unless the norm is below float64's tiny. */
		double len = sqrt(norm2);
		if (len < DBL_MIN)
			len = 1.0;
		/* The octave dominance window: ctroct 5, octwidth 2. */
		double o = (frq[i] / NC - 5.0) / 2;
		double octw = exp(-0.5 * (o * o));
		/* base_c: np.roll(-3) makes row 0 C instead of A. */
		for (int r = 0; r < NC; r++)
			w[(size_t)r * nb + i] = (float)(col[(r + 3) % NC] / len * octw);
	}
	free(frq);
	return 0;
}

/* ---- DCT ------------------------------------------------------------ */

int
mlv_dct_ortho_matrix(float *d, size_t n_out, size_t n_in)
{
	size_t total;

	if (!n_out || n_out > n_in || n_in > (size_t)1 << 30 ||
	    mlv_checked_mul(n_out, n_in, &total))
		return -1;
	double s0 = sqrt(1.0 / (double)n_in), sk = sqrt(2.0 / (double)n_in);
	uint64_t period = 4 * (uint64_t)n_in;
	for (size_t k = 0; k < n_out; k++)
		for (size_t i = 0; i < n_in; i++) {
			/* cos(pi k (2i+1) / (2 n_in)) with the integer angle reduced
			 * mod 4 n_in first, so large k*i lose no precision. */
			uint64_t a = (uint64_t)k * (2 * (uint64_t)i + 1) % period;
			double c = cos(M_PI * (double)a / (2.0 * (double)n_in));
			d[k * n_in + i] = (float)((k ? sk : s0) * c);
		}
	return 0;
}

/* ---- filter bank ---------------------------------------------------- */

struct mlv_fbank {
	size_t rows, cols;
	size_t *lo, *hi; /* row r's nonzero span [lo[r], hi[r]) */
	float *w;
};

mlv_fbank *
mlv_fbank_new(const float *w, size_t rows, size_t cols)
{
	size_t total;

	if (!rows || !cols || mlv_checked_mul(rows, cols, &total) ||
	    total > SIZE_MAX / sizeof(float))
		return NULL;
	mlv_fbank *fb = mlv_calloc(1, sizeof *fb);
	fb->rows = rows;
	fb->cols = cols;
	fb->w = mlv_malloc(total * sizeof *fb->w);
	memcpy(fb->w, w, total * sizeof *fb->w);
	fb->lo = mlv_malloc(rows * sizeof *fb->lo);
	fb->hi = mlv_malloc(rows * sizeof *fb->hi);
	for (size_t r = 0; r < rows; r++) {
		const float *row = w + r * cols;
		size_t lo = 0, hi = cols;
		while (lo < hi && row[lo] == 0)
			lo++;
		while (hi > lo && row[hi - 1] == 0)
			hi--;
		fb->lo[r] = lo;
		fb->hi[r] = hi;
	}
	return fb;
}

void
mlv_fbank_free(mlv_fbank *fb)
{
	if (!fb)
		return;
	free(fb->w);
	free(fb->lo);
	free(fb->hi);
	free(fb);
}

void
mlv_fbank_do(const mlv_fbank *fb, const float *in, float *out)
{
	for (size_t r = 0; r < fb->rows; r++) {
		const float *row = fb->w + r * fb->cols;
		size_t c = fb->lo[r], hi = fb->hi[r];
		/* Four partial sums: one double accumulator would make every
		 * add wait for the previous one. */
		double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
		for (; c + 4 <= hi; c += 4) {
			a0 += (double)row[c] * in[c];
			a1 += (double)row[c + 1] * in[c + 1];
			a2 += (double)row[c + 2] * in[c + 2];
			a3 += (double)row[c + 3] * in[c + 3];
		}
		for (; c < hi; c++)
			a0 += (double)row[c] * in[c];
		out[r] = (float)((a0 + a1) + (a2 + a3));
	}
}

size_t
mlv_fbank_rows(const mlv_fbank *fb)
{
	return fb->rows;
}

size_t
mlv_fbank_cols(const mlv_fbank *fb)
{
	return fb->cols;
}

/* ---- scaling -------------------------------------------------------- */

void
mlv_log1p(float *x, size_t n)
{
	/* log(u) * x / (u - 1) with u = 1 + x rounded (Goldberg, "What every
	 * computer scientist should know about floating-point arithmetic",
	 * 1991, Thm. 4): the division cancels u's rounding error, leaving
	 * about 1.5 ulp, and glibc's logf is twice as fast as its log1pf. */
	for (size_t i = 0; i < n; i++) {
		float v = x[i], u = 1.0f + v;
		x[i] = u == 1.0f ? v : logf(u) * (v / (u - 1.0f));
	}
}

/* 10 log10(v) as a scaled natural log: glibc's log is twice as fast as its
 * log10, and the two agree to float64 rounding, far below float32's. */
#define DB(v) (log(v) * (10.0 / M_LN10))

/* x = 10 log10(max(amin, x)) - offset, then clip at top_db below the
 * maximum unless top_db < 0.  square: x is an amplitude, use x*x. */
static void
to_db(float *x, size_t n, double amin, double offset, double top_db,
      int square)
{
	float peak = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		double v = x[i];
		if (square)
			v *= v;
		v = DB(v < amin ? amin : v) - offset;
		x[i] = (float)v;
		if (x[i] > peak)
			peak = x[i];
	}
	if (top_db < 0 || !n)
		return;
	/* librosa subtracts in float64 and compares in float32. */
	float floor = (float)((double)peak - top_db);
	for (size_t i = 0; i < n; i++)
		if (x[i] < floor)
			x[i] = floor;
}

int
mlv_power_to_db(float *x, size_t n, double ref, double amin, double top_db)
{
	if (!(amin > 0) || isnan(ref) || isnan(top_db))
		return -1;
	double r = fabs(ref);
	to_db(x, n, amin, DB(r < amin ? amin : r), top_db, 0);
	return 0;
}

int
mlv_amplitude_to_db(float *x, size_t n, double ref, double amin,
                    double top_db)
{
	/* librosa passes amin**2 on to power_to_db, which refuses it when it
	 * underflows to 0. */
	double amin2 = amin * amin, r2 = ref * ref;
	if (!(amin2 > 0) || isnan(ref) || isnan(top_db))
		return -1;
	to_db(x, n, amin2, DB(r2 < amin2 ? amin2 : r2), top_db, 1);
	return 0;
}

void
mlv_normalize_max(float *x, size_t n)
{
	double peak = 0;
	for (size_t i = 0; i < n; i++) {
		double a = fabs((double)x[i]);
		if (a > peak)
			peak = a;
	}
	/* librosa.util.normalize's threshold is tiny(x), FLT_MIN for float32
	 * data: below it the frame is left unscaled, not blown up. */
	if (peak < FLT_MIN)
		return;
	for (size_t i = 0; i < n; i++)
		x[i] = (float)((double)x[i] / peak);
}
