/* spec.h - audio samples to a spectral feature matrix, one row per frame.
 *
 * Glues dsp.h's pieces into librosa's four feature functions, with
 * librosa's defaults:
 *	stft    |STFT| (power 1) or |STFT|^2 (power 2)     librosa.stft
 *	mel     mel filter bank of the power spectrum      feature.melspectrogram
 *	mfcc    DCT-II (ortho) of power_to_db(mel)         feature.mfcc
 *	chroma  12 pitch classes, max-normalised frames    feature.chroma_stft
 * stft and mel may then be scaled: log(1+x), or dB (amplitude_to_db for
 * power 1, power_to_db for power 2, top_db against the whole matrix).
 *
 * Frames are independent, so they are split over threads; the result does
 * not depend on the thread count.
 */
#ifndef MLV_SPEC_H
#define MLV_SPEC_H

#include <stddef.h>

#include "dsp.h"
#include "stream.h"

enum mlv_feature {
	MLV_FEATURE_STFT,
	MLV_FEATURE_MEL,
	MLV_FEATURE_MFCC,
	MLV_FEATURE_CHROMA,
};

enum mlv_scale {
	MLV_SCALE_LINEAR,
	MLV_SCALE_LOG1P,
	MLV_SCALE_DB,
};

typedef struct {
	enum mlv_feature feature;
	size_t n_fft;        /* 2048 */
	size_t win_length;   /* 0: n_fft */
	size_t hop;          /* 0: win_length / 4 */
	enum mlv_window window;
	enum mlv_pad pad;    /* MLV_PAD_NONE: uncentred frames */
	int power;           /* 0: 1 for stft, 2 for the others */
	enum mlv_scale scale;
	double ref;          /* dB reference; 1 */
	int ref_max;         /* dB relative to the matrix's maximum (ref=np.max) */
	double amin;         /* 0: librosa's, 1e-5 (power 1) or 1e-10 (power 2) */
	double top_db;       /* < 0: no clipping; 80 */
	size_t n_mels;       /* 128 */
	double fmin, fmax;   /* Hz; fmax 0: sr/2 */
	int htk;             /* HTK mel scale instead of Slaney's */
	int mel_norm;        /* Slaney area normalisation; 1 */
	size_t n_mfcc;       /* 20 */
	double tuning;       /* chroma: deviation from A440 in fractions of a
	                        chroma bin; 0 (librosa estimates it unless
	                        given: pass its estimate to match) */
} mlv_spec_opts;

/* librosa's defaults for the feature (power 0 stands for the feature's
 * own default, settled by mlv_spec_new). */
void mlv_spec_opts_default(mlv_spec_opts *o, enum mlv_feature feature);
int mlv_feature_parse(const char *name, enum mlv_feature *f);
const char *mlv_feature_name(enum mlv_feature f);
int mlv_scale_parse(const char *name, enum mlv_scale *s);
const char *mlv_scale_name(enum mlv_scale s);

typedef struct mlv_spec mlv_spec;

/* A feature extractor for signals at sr Hz, usable by up to nthreads
 * threads at once.  NULL with a message in err (which option, and why)
 * for parameters that do not fit: fmax above sr/2, a window longer than
 * the FFT, a scale on mfcc or chroma, more MFCCs than mel bands... */
mlv_spec *mlv_spec_new(const mlv_spec_opts *o, double sr, int nthreads,
                       char *err, size_t errlen);
void mlv_spec_free(mlv_spec *s);
/* Values per frame: n_fft/2+1, n_mels, n_mfcc or 12. */
size_t mlv_spec_width(const mlv_spec *s);
/* Frames of a signal of n samples (0 if it is too short for one). */
size_t mlv_spec_frames(const mlv_spec *s, size_t n);
/* Seconds from the start of the signal to the centre of frame 0. */
double mlv_spec_t0(const mlv_spec *s);
/* Compute mlv_spec_frames(s, n) rows of mlv_spec_width(s) values into out,
 * on up to nthreads threads (at most what mlv_spec_new was given). */
void mlv_spec_run(mlv_spec *s, const float *x, size_t n, float *out,
                  int nthreads);
/* Record the feature and its parameters as metadata: kind, sr, dt, dur,
 * n_fft, hop, win_length, window, pad, power, scale, ... */
void mlv_spec_describe(const mlv_spec *s, mlv_record *r);

#endif
