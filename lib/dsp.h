/* dsp.h - short-time spectra and the features librosa computes from them.
 *
 * Everything here reproduces librosa (0.10/0.11) and the scipy.signal
 * windows it uses, formula for formula, in float32 data with float64
 * intermediates: windows, framing, STFT magnitude or power, log(1+x), dB,
 * mel and chroma filter banks, the DCT of MFCCs, max-normalisation.  Where a
 * function follows a librosa function, its comment names it.
 *
 * A spectrogram is computed frame by frame from a signal in memory, with
 * fixed working memory:
 *
 *	nf = mlv_frame_count(n, n_fft, hop, MLV_PAD_REFLECT);
 *	st = mlv_stft_new(n_fft, win_length, MLV_WINDOW_HANN);
 *	for (t = 0; t < nf; t++) {
 *		mlv_frame_get(frame, x, n, t, n_fft, hop, MLV_PAD_REFLECT);
 *		mlv_stft_do(st, frame, spec, 2);     n_fft/2+1 powers
 *		mlv_fbank_do(mel, spec, melspec);     n_mels powers
 *	}
 *
 * Threads: mlv_frame_get and mlv_fbank_do only read shared data, so any
 * number of threads may call them at once.  An mlv_stft holds FFT scratch
 * space, so each thread needs its own: make one, then mlv_stft_clone() it
 * for the others.  mlv_frame_get() and the _do functions never allocate
 * (but see mlv_stft_new() on FFT lengths); the filter-bank makers allocate
 * only temporaries.
 *
 * Errors: functions return NULL or -1 on bad parameters and never print or
 * exit; only running out of memory ends the process (util.h's allocator).
 */
#ifndef MLV_DSP_H
#define MLV_DSP_H

#include <stddef.h>

/* ---- windows -------------------------------------------------------- */

/* Periodic ("DFT-even") windows, as scipy.signal.get_window(name, n,
 * fftbins=True), which librosa.stft uses:
 *	hann      0.5  - 0.5 cos(2 pi i/n)
 *	hamming   0.54 - 0.46 cos(2 pi i/n)
 *	blackman  0.42 - 0.5 cos(2 pi i/n) + 0.08 cos(4 pi i/n)
 * for i in [0, n); a window of length 1 is {1}. */
enum mlv_window {
	MLV_WINDOW_HANN,
	MLV_WINDOW_HAMMING,
	MLV_WINDOW_BLACKMAN,
};

/* Fill w[0..n) with the window.  Returns 0, or -1 if n is 0 or kind is
 * not a window. */
int mlv_window_make(float *w, size_t n, enum mlv_window kind);
/* "hann", "hamming" or "blackman" into *kind; returns 0, or -1 for any
 * other name (leaving *kind alone). */
int mlv_window_parse(const char *name, enum mlv_window *kind);
/* The name mlv_window_parse() accepts, or NULL for a bad kind. */
const char *mlv_window_name(enum mlv_window kind);

/* ---- framing -------------------------------------------------------- */

/* How frames meet the ends of the signal, as librosa.stft's center and
 * pad_mode:
 *	MLV_PAD_NONE      center=False: frame t is x[t*hop, t*hop + n_fft)
 *	MLV_PAD_CONSTANT  center=True, pad_mode="constant" (librosa >= 0.10's
 *	                  default): frame t is centred on sample t*hop and
 *	                  reads zeros beyond either end
 *	MLV_PAD_REFLECT   center=True, pad_mode="reflect" (librosa < 0.10):
 *	                  as numpy.pad(mode="reflect") of the whole signal by
 *	                  n_fft/2 on each side, mirrored about the end samples
 *	                  without repeating them, and mirrored again as often as
 *	                  needed when the signal is shorter than the padding
 *	                  (librosa 0.9's padding; 0.10 pads slices of the
 *	                  ends instead and can differ in the last sample of
 *	                  the last frame when n_fft is even and hop >= n_fft/2
 *	                  divides the length) */
enum mlv_pad {
	MLV_PAD_NONE,
	MLV_PAD_CONSTANT,
	MLV_PAD_REFLECT,
};

/* "none", "constant" or "reflect" into *pad; returns 0 or -1. */
int mlv_pad_parse(const char *name, enum mlv_pad *pad);
const char *mlv_pad_name(enum mlv_pad pad);

/* Frames of a signal of nsamples samples: 1 + (nsamples - n_fft) / hop
 * uncentred, 1 + (nsamples + 2*(n_fft/2) - n_fft) / hop centred, and 0 when
 * the (padded) signal is shorter than n_fft, when n_fft or hop is 0, or when
 * pad is not an mlv_pad. */
size_t mlv_frame_count(size_t nsamples, size_t n_fft, size_t hop,
                       enum mlv_pad pad);

/* Copy frame t (n_fft samples) of x[0..nsamples) into out, padded as pad
 * says.  Returns 0, or -1 if t >= mlv_frame_count(...) or nsamples is 0
 * with MLV_PAD_REFLECT (there is nothing to reflect).  x is not changed and
 * out must not overlap it. */
int mlv_frame_get(float *out, const float *x, size_t nsamples, size_t t,
                  size_t n_fft, size_t hop, enum mlv_pad pad);

/* ---- STFT ----------------------------------------------------------- */

typedef struct mlv_stft mlv_stft;

/* An STFT of n_fft-sample frames (2 <= n_fft <= INT_MAX, odd allowed)
 * whose window of win_length samples (1 <= win_length <= n_fft) is centred
 * in the frame with zeros around it, as librosa.util.pad_center:
 * (n_fft - win_length)/2 zeros before it.  Returns NULL on bad parameters.
 * The FFT is KissFFT's real transform (a complex one for odd n_fft), planned
 * here and reused by every mlv_stft_do().  Choose n_fft so that n_fft/2
 * (even n_fft) or n_fft (odd) has no prime factor above 5 (1000, 1024,
 * 1200, 2048): for other lengths KissFFT falls back to a slower generic
 * radix that mallocs a small scratch buffer on every transform (correct
 * and thread-safe, but no longer allocation-free). */
mlv_stft *mlv_stft_new(size_t n_fft, size_t win_length, enum mlv_window window);
/* 1 when n_fft is a length KissFFT transforms at full speed (as above). */
int mlv_fft_size_fast(size_t n_fft);
/* A new STFT with the same parameters, for another thread. */
mlv_stft *mlv_stft_clone(const mlv_stft *st);
void mlv_stft_free(mlv_stft *st);

/* Window the n_fft samples of frame (the samples outside the window are
 * not read), transform them and write the n_fft/2+1 bins from 0 Hz to
 * sr/2 (sr * (n_fft-1)/(2 n_fft) for odd n_fft) to out: |X_k| for power 1,
 * |X_k|^2 for power 2, unscaled (a sine of amplitude A at bin k's
 * frequency gives |X_k| = A * sum(window) / 2).  Returns 0, or -1 if power
 * is neither 1 nor 2.  Does not allocate; frame and out may not overlap. */
int mlv_stft_do(mlv_stft *st, const float *frame, float *out, int power);

size_t mlv_stft_n_fft(const mlv_stft *st);
/* n_fft/2 + 1: the length of mlv_stft_do()'s output. */
size_t mlv_stft_bins(const mlv_stft *st);
/* The n_fft window values, zero-padded as described above. */
const float *mlv_stft_window(const mlv_stft *st);

/* ---- filter banks and other linear maps ----------------------------- */

/* Mel filters, as librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels,
 * fmin=fmin, fmax=fmax, htk=htk, norm="slaney" if slaney_norm else None):
 * n_mels triangles on the Slaney (htk 0: linear below 1 kHz, logarithmic
 * above) or HTK (htk 1: 2595 log10(1 + f/700)) mel scale, equally spaced in
 * mels from fmin to fmax Hz, peaking at 1, or divided by their width in Hz
 * over 2 (area normalisation) when slaney_norm is 1.
 * w is n_mels x (n_fft/2+1), row-major.  fmax <= 0 means sr/2 (librosa's
 * None).  Requires sr > 0, n_fft >= 2, n_mels >= 1 and
 * 0 <= fmin < fmax <= sr/2.  Returns the number of filters that come out
 * empty (all zero: too many bands for the FFT bins, which librosa warns
 * about), or -1 on bad parameters. */
int mlv_mel_filters(float *w, double sr, size_t n_fft, size_t n_mels,
                    double fmin, double fmax, int htk, int slaney_norm);

/* Chroma filters, as librosa.filters.chroma(sr=sr, n_fft=n_fft,
 * tuning=tuning) with its defaults (librosa.feature.chroma_stft's): 12
 * pitch classes starting at C, Gaussian bumps per FFT bin, each bin's column
 * of 12 normalised to unit L2 norm, then weighted by a Gaussian over octaves
 * centred on octave 5 (A0 = 27.5 Hz) with half-width 2 octaves.  tuning is
 * the deviation from A440 in fractions of a bin (0 for chroma_stft with
 * tuning=0).  w is 12 x (n_fft/2+1), row-major.  Requires sr > 0,
 * n_fft >= 2 and a finite tuning; returns 0 or -1. */
#define MLV_CHROMA_BINS 12
int mlv_chroma_filters(float *w, double sr, size_t n_fft, double tuning);

/* The orthonormal DCT-II as a matrix, keeping the first n_out rows:
 * d[k*n_in + i] = s_k cos(pi k (2i + 1) / (2 n_in)), s_0 = sqrt(1/n_in),
 * s_k = sqrt(2/n_in); d times a column is scipy.fft.dct(type=2,
 * norm="ortho")[:n_out] of it, which librosa.feature.mfcc applies to dB
 * mel spectra.  Requires 1 <= n_out <= n_in; returns 0 or -1. */
int mlv_dct_ortho_matrix(float *d, size_t n_out, size_t n_in);

/* A rows x cols matrix (a filter bank, a DCT) applied to one frame at a
 * time.  Leading and trailing zeros of each row are skipped, so sparse mel
 * banks cost what their triangles cover. */
typedef struct mlv_fbank mlv_fbank;
/* Copies w (rows x cols, row-major); NULL if rows or cols is 0. */
mlv_fbank *mlv_fbank_new(const float *w, size_t rows, size_t cols);
void mlv_fbank_free(mlv_fbank *fb);
/* out[r] = sum_c w[r][c] in[c], summed in double: cols values in, rows
 * values out, which may not overlap.  Read-only on fb: threads may share
 * one mlv_fbank. */
void mlv_fbank_do(const mlv_fbank *fb, const float *in, float *out);
size_t mlv_fbank_rows(const mlv_fbank *fb);
size_t mlv_fbank_cols(const mlv_fbank *fb);

/* ---- scaling -------------------------------------------------------- */

/* x[i] = log(1 + x[i]) (x[i] > -1), in place. */
void mlv_log1p(float *x, size_t n);

/* In place, as librosa.power_to_db(x, ref=ref, amin=amin, top_db=top_db)
 * with a scalar ref:
 *	x = 10 log10(max(amin, x)) - 10 log10(max(amin, |ref|))
 * then, unless top_db < 0 (librosa's None), x = max(x, max(x) - top_db)
 * with max(x) over the n values passed, so pass a whole spectrogram to clip
 * it as librosa does (or clip frames later against a running maximum).
 * librosa's defaults are ref 1, amin 1e-10, top_db 80.  Returns 0, or -1
 * if amin <= 0 or amin, ref or top_db is NaN (x is then unchanged). */
int mlv_power_to_db(float *x, size_t n, double ref, double amin,
                    double top_db);

/* In place, as librosa.amplitude_to_db: power_to_db(x^2, ref^2, amin^2,
 * top_db) = 20 log10(max(amin, |x|)) - 20 log10(max(amin, |ref|)), then
 * clipped as above.  librosa's defaults are ref 1, amin 1e-5, top_db 80.
 * Returns 0 or -1 as mlv_power_to_db. */
int mlv_amplitude_to_db(float *x, size_t n, double ref, double amin,
                        double top_db);

/* In place, x /= max|x|, as librosa.util.normalize(x, norm=np.inf) on one
 * frame, which librosa.feature.chroma_stft applies to each chroma frame:
 * a frame whose max|x| is below FLT_MIN (silence) is left as it is. */
void mlv_normalize_max(float *x, size_t n);

#endif
