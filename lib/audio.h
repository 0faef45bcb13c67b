/* audio.h - decode audio files into mono float samples, optionally resampled;
 * encode samples as Ogg Opus.
 *
 * Anything libsndfile reads (WAV, AIFF, FLAC, Ogg Vorbis, Opus, MP3, ...)
 * from a file, a pipe or stdin, mixed down to mono or one channel chosen,
 * cut to a time range by seeking, and resampled with libsoxr at high
 * quality (SOXR_HQ).  Samples are floats; integer formats are scaled to
 * [-1, 1) by libsndfile, float formats are passed through unscaled.
 *
 * Errors are returned as -1 with "<file>: <what> (<why>)" in err, e.g.
 * "x.wav: cannot decode (File contains data in an unknown format.)", where
 * <file> is the path as given, or "<stdin>" for "-".  The functions never
 * print or exit, except that allocation failure dies, as mlv_malloc does
 * (mpg123, libsndfile's MP3 decoder, may print warnings of its own about
 * low-rate MP3 files after a seek).
 */
#ifndef MLV_AUDIO_H
#define MLV_AUDIO_H

#include <stddef.h>
#include <stdint.h>

#include "stream.h"

/* Sample rates, native or target, are refused outside [1 Hz, 1.536 MHz]:
 * 1.536 MHz (32 x 48 kHz) is the highest PCM rate converters offer, so a
 * header claiming more is corrupt, and below 1 Hz nothing is audio. */
#define MLV_AUDIO_MIN_SR 1.0
#define MLV_AUDIO_MAX_SR 1536000.0
/* Resampling by more than this factor either way is refused: every real
 * conversion (8 kHz <-> 1.536 MHz is 192) fits, while a typo such as a
 * target of 22 Hz for 22050 Hz would take seconds per minute of audio
 * (soxr's cost grows with odd decimation ratios), upsampling gigabytes. */
#define MLV_AUDIO_MAX_RATIO 256.0

/* Tags read with sf_get_string, in this order; mlv_audio_tag_names[i]
 * names tags[i] ("title", "artist", ...). */
enum {
	MLV_AUDIO_TITLE, MLV_AUDIO_ARTIST, MLV_AUDIO_ALBUM, MLV_AUDIO_GENRE,
	MLV_AUDIO_DATE, MLV_AUDIO_COMMENT, MLV_AUDIO_TRACKNUMBER,
	MLV_AUDIO_COPYRIGHT, MLV_AUDIO_SOFTWARE, MLV_AUDIO_LICENSE,
	MLV_AUDIO_NTAGS
};
extern const char *const mlv_audio_tag_names[MLV_AUDIO_NTAGS];

/* What to read.  All zeros (or a NULL pointer) means: mix down, whole
 * file, native rate. */
typedef struct {
	int channel;      /* 0: average all channels; 1..channels: that one */
	double start;     /* seconds from the start of the file, >= 0 */
	double end;       /* seconds, exclusive; <= 0: to the end of the file */
	double target_sr; /* Hz; 0: keep the native rate */
} mlv_audio_opts;

typedef struct {
	float *x;              /* n mono samples at sr (owned) */
	size_t n;
	double sr;             /* rate of x, Hz: target_sr, or native_sr */
	double t0;             /* time of x[0] in the file, seconds */
	double native_sr;      /* the file's rate, Hz */
	int channels;          /* the file's channel count */
	int64_t native_frames; /* frames (samples per channel) in the file,
	                        * -1 when the file does not tell */
	char format[64];       /* "WAV (Microsoft), Signed 16 bit PCM" */
	char *tags[MLV_AUDIO_NTAGS]; /* trimmed text; NULL if absent/blank */
} mlv_audio;

/* Decode path ("-" for stdin) into *a per opts (NULL: defaults).
 *
 * Range: frames round(start*native_sr) up to round(end*native_sr),
 * exclusive, counted at the native rate; an end past the file is clamped
 * to it, a start at or past the end is an error.  The range is reached by
 * seeking, so only the frames in it are decoded, and it always holds the
 * same samples as a full decode: where libsndfile 1.2.0 seeks inexactly
 * (MP3, which needs frames of warm-up after a seek; the last Ogg page of
 * Vorbis) the module seeks earlier and decodes forward, and formats that
 * cannot seek are decoded from the start.  A file shorter than its header
 * says yields the frames it has; a decoding error is an error.  Pipes,
 * FIFOs and devices, stdin among them, are read fully into memory first,
 * since several formats need to seek (a regular file on stdin is read in
 * place).  The range is resampled after it is cut.
 *
 * 0 on success; -1 with a message in err (errlen bytes) otherwise: the
 * file cannot be opened or decoded, is empty or holds no samples, has a
 * rate outside MLV_AUDIO_MIN_SR..MAX_SR, lacks the channel, or the range
 * or target rate is bad.  *a is always initialised, so mlv_audio_free()
 * is safe after either outcome (on failure a holds nothing).
 *
 * Reentrant: threads may load files at once (opening is serialised, as
 * libsndfile keeps the text of a failed open in a global). */
int mlv_audio_load(mlv_audio *a, const char *path, const mlv_audio_opts *opts,
                   char *err, size_t errlen);

/* The same for nbytes of encoded audio at bytes, named name in messages
 * (for tests and fuzzing without files). */
int mlv_audio_load_mem(mlv_audio *a, const void *bytes, size_t nbytes,
                       const char *name, const mlv_audio_opts *opts,
                       char *err, size_t errlen);
/* The tag named name ("title", ...), or NULL. */
const char *mlv_audio_tag(const mlv_audio *a, const char *name);

/* Set label.title, label.artist, ... in r for each tag a has. */
void mlv_audio_tags_to_meta(const mlv_audio *a, mlv_record *r);

void mlv_audio_free(mlv_audio *a);

/* Resample n mono samples from from_sr to to_sr Hz with soxr (SOXR_HQ:
 * 20-bit, linear phase, its delay removed so out[i] is at time i/to_sr).
 * *out is allocated (free() it; never NULL on success) and holds *nout =
 * round(n*to_sr/from_sr) samples.  Equal rates copy.  -1 with
 * "cannot resample (<why>)" in err for rates outside MLV_AUDIO_MIN_SR..
 * MAX_SR, a ratio beyond MLV_AUDIO_MAX_RATIO, or a soxr failure. */
int mlv_resample(float **out, size_t *nout, const float *in, size_t n,
                 double from_sr, double to_sr, char *err, size_t errlen);

/* Opus's own rate (RFC 6716), which mlv_audio_encode_opus encodes at. */
#define MLV_OPUS_SR 48000.0

/* n mono samples at sr Hz (resampled to MLV_OPUS_SR first when sr
 * differs) as an Ogg Opus file in memory, through libsndfile (1.0.29 or
 * later), at about 32 kbit/s: *out (malloc'd, *len bytes).  0, or -1 with
 * "cannot encode Ogg Opus (<why>)" or a resampling error in err. */
int mlv_audio_encode_opus(const float *x, size_t n, double sr,
                          unsigned char **out, size_t *len, char *err,
                          size_t errlen);

#endif
