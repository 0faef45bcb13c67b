/* audio.c - see audio.h */
#define _POSIX_C_SOURCE 200809L
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* madvise */
#endif
#include "audio.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sndfile.h>
#include <soxr.h>

#include "util.h"

/* libsndfile keeps the text of a failed open in a global: opens are
 * serialised so that files decoded in parallel report their own errors. */
static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;

const char *const mlv_audio_tag_names[MLV_AUDIO_NTAGS] = {
	"title", "artist", "album", "genre", "date", "comment", "tracknumber",
	"copyright", "software", "license",
};

static const int tag_ids[MLV_AUDIO_NTAGS] = {
	SF_STR_TITLE, SF_STR_ARTIST, SF_STR_ALBUM, SF_STR_GENRE, SF_STR_DATE,
	SF_STR_COMMENT, SF_STR_TRACKNUMBER, SF_STR_COPYRIGHT, SF_STR_SOFTWARE,
	SF_STR_LICENSE,
};

/* Frames decoded per sf_readf_float call when channels must be combined:
 * the interleaved scratch block stays in cache (256 KiB). */
#define MIX_BLOCK_FLOATS 65536
/* First size of the sample buffer, in frames: the frame count in the
 * header, but at most this or FRAMES_PER_BYTE per byte of input, so that
 * a corrupt FLAC header claiming 2^40 frames costs nothing; the buffer
 * doubles up to the header's count as frames keep coming.  8 frames per
 * byte is 16:1 compression of 16-bit mono, beyond FLAC's usual 2:1. */
#define FIRST_CAP_FRAMES ((size_t)1 << 22)
#define FRAMES_PER_BYTE 8
/* libsndfile 1.2.0 seeks in MP3 to the right sample, but mpg123 then
 * decodes without the bit reservoir and overlap of the frames before it:
 * the first thousands of samples come out wrong (measured: up to 9216 at
 * 16 kHz, where frames are small).  So seek this much earlier and decode
 * the difference. */
#define MPEG_PREROLL 18432
/* libsndfile 1.2.0 seeks wrong within the last Ogg page of a Vorbis
 * stream: the samples come out shifted by the end trim (384 at 16 kHz).
 * A page holds at most 255 packets of at most 4096 samples, so a seek
 * this far before the end lands before the last page; decode from there. */
#define VORBIS_LAST_PAGE ((sf_count_t)255 * 4096)
/* Input samples per soxr_process call. */
#define RESAMPLE_BLOCK ((size_t)1 << 16)

/* ---- whole input in memory, for stdin and pipes, and encoded output ---- */

typedef struct {
	unsigned char *buf;
	sf_count_t len, pos;
	size_t cap; /* bytes allocated in buf, for writing */
} membuf;

static sf_count_t
mem_len(void *user)
{
	return ((membuf *)user)->len;
}

static sf_count_t
mem_seek(sf_count_t off, int whence, void *user)
{
	membuf *m = user;
	sf_count_t base = whence == SEEK_CUR ? m->pos :
	                  whence == SEEK_END ? m->len : 0;
	/* libsndfile probes past the end while sniffing formats; clamp as a
	 * file would read nothing there, but refuse to go before 0. */
	if (off < -base)
		return -1;
	m->pos = base + off;
	return m->pos;
}

static sf_count_t
mem_read(void *ptr, sf_count_t count, void *user)
{
	membuf *m = user;
	if (count <= 0 || m->pos >= m->len)
		return 0;
	if (count > m->len - m->pos)
		count = m->len - m->pos;
	memcpy(ptr, m->buf + m->pos, (size_t)count);
	m->pos += count;
	return count;
}

static sf_count_t
mem_write(const void *ptr, sf_count_t count, void *user)
{
	membuf *m = user;
	if (count <= 0)
		return 0;
	size_t need = (size_t)m->pos + (size_t)count;
	if (need > m->cap) {
		m->cap = need > 2 * m->cap ? need : 2 * m->cap;
		m->buf = mlv_realloc(m->buf, m->cap);
	}
	if (m->pos > m->len)
		memset(m->buf + m->len, 0, (size_t)(m->pos - m->len));
	memcpy(m->buf + m->pos, ptr, (size_t)count);
	m->pos += count;
	if (m->pos > m->len)
		m->len = m->pos;
	return count;
}

static sf_count_t
mem_tell(void *user)
{
	return ((membuf *)user)->pos;
}

/* Read fd to its end into m.  0, or -1 with errno set. */
static int
read_all(int fd, membuf *m)
{
	size_t cap = (size_t)1 << 16, len = 0;
	unsigned char *buf = mlv_malloc(cap);
	for (;;) {
		if (len == cap) {
			if (cap > SIZE_MAX / 2 || cap * 2 > (size_t)INT64_MAX) {
				free(buf);
				errno = EFBIG;
				return -1;
			}
			cap *= 2;
			buf = mlv_realloc(buf, cap);
		}
		ssize_t k = read(fd, buf + len, cap - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int e = errno;
			free(buf);
			errno = e;
			return -1;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	m->buf = buf;
	m->len = (sf_count_t)len;
	m->pos = 0;
	return 0;
}

/* ---- resampling ---- */

/* Why from_sr -> to_sr cannot be resampled, into why; 0 when it can. */
static int
rate_problem(double from_sr, double to_sr, char *why, size_t len)
{
	if (!(from_sr >= MLV_AUDIO_MIN_SR && from_sr <= MLV_AUDIO_MAX_SR) ||
	    !(to_sr >= MLV_AUDIO_MIN_SR && to_sr <= MLV_AUDIO_MAX_SR))
		return mlv_errf(why, len, "cannot resample (%g Hz to %g Hz: "
		               "rates must lie in %g .. %g Hz)", from_sr, to_sr,
		               MLV_AUDIO_MIN_SR, MLV_AUDIO_MAX_SR);
	double ratio = to_sr / from_sr;
	if (ratio > MLV_AUDIO_MAX_RATIO || ratio < 1 / MLV_AUDIO_MAX_RATIO)
		return mlv_errf(why, len, "cannot resample (%g Hz to %g Hz: "
		               "ratio beyond 1:%g)", from_sr, to_sr,
		               MLV_AUDIO_MAX_RATIO);
	return 0;
}

int
mlv_resample(float **out, size_t *nout, const float *in, size_t n,
             double from_sr, double to_sr, char *err, size_t errlen)
{
	*out = NULL;
	*nout = 0;
	if (rate_problem(from_sr, to_sr, err, errlen))
		return -1;
	double ratio = to_sr / from_sr;
	/* soxr stops at round(n*ratio) when flushed; one spare slot guards
	 * against its rounding differing from ours. */
	double want = floor((double)n * ratio + 0.5);
	if (want + 1 > (double)(SIZE_MAX / sizeof(float)))
		return mlv_errf(err, errlen, "cannot resample (%zu samples at "
		               "%g Hz to %g Hz: output too large)", n, from_sr,
		               to_sr);
	size_t cap = (size_t)want + 1;
	/* One float more than soxr is told: soxr_output (libsoxr 0.1.3)
	 * reads the output buffer 8 bytes at a time, 4 past its end when the
	 * count is odd (found by valgrind). */
	float *y = mlv_malloc((cap + 1) * sizeof *y);
	if (from_sr == to_sr) {
		if (n)
			memcpy(y, in, n * sizeof *y);
		*out = y;
		*nout = n;
		return 0;
	}
	soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
	soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
	soxr_error_t e = NULL;
	soxr_t sx = soxr_create(from_sr, to_sr, 1, &e, &io, &q, NULL);
	size_t ipos = 0, opos = 0, idone, odone;
	/* Fed in blocks rather than by soxr_oneshot: its FIFOs then stay
	 * small instead of growing by realloc to a copy of the whole input
	 * (quadratic under AddressSanitizer, and 1.5x slower without it);
	 * the output is bit-identical. */
	while (!e && ipos < n) {
		size_t ilen = n - ipos < RESAMPLE_BLOCK ? n - ipos :
		              RESAMPLE_BLOCK;
		idone = odone = 0;
		e = soxr_process(sx, in + ipos, ilen, &idone, y + opos,
		                 cap - opos, &odone);
		ipos += idone;
		opos += odone;
		if (!idone && !odone)
			break; /* output full: the rest would be cut anyway */
	}
	/* NULL input flushes the filter's tail, up to round(n*ratio). */
	do {
		odone = 0;
		if (!e && opos < cap)
			e = soxr_process(sx, NULL, 0, NULL, y + opos,
			                 cap - opos, &odone);
		opos += odone;
	} while (!e && odone && opos < cap);
	if (sx)
		soxr_delete(sx);
	if (e) {
		free(y);
		return mlv_errf(err, errlen, "cannot resample (%g Hz to %g Hz: "
		               "%s)", from_sr, to_sr, e);
	}
	*out = y;
	*nout = opos;
	return 0;
}

/* ---- decoding ---- */

/* Copy s into a fresh string without surrounding white space (RIFF INFO
 * values often carry padding), or NULL when nothing is left. */
static char *
trimmed_dup(const char *s)
{
	if (!s)
		return NULL;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	size_t len = strlen(s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
	               s[len - 1] == '\r' || s[len - 1] == '\n'))
		len--;
	if (!len)
		return NULL;
	char *t = mlv_malloc(len + 1);
	memcpy(t, s, len);
	t[len] = '\0';
	return t;
}

static void
format_name(char *out, size_t outlen, int format)
{
	SF_FORMAT_INFO major = {.format = format & SF_FORMAT_TYPEMASK};
	SF_FORMAT_INFO sub = {.format = format & SF_FORMAT_SUBMASK};
	int okm = !sf_command(NULL, SFC_GET_FORMAT_INFO, &major, sizeof major);
	int oks = !sf_command(NULL, SFC_GET_FORMAT_INFO, &sub, sizeof sub);
	snprintf(out, outlen, "%s%s%s", okm ? major.name : "unknown",
	         oks ? ", " : "", oks ? sub.name : "");
}

/* Ask for transparent huge pages on a large buffer, as NumPy does: the
 * 12,000 page faults of a fresh 48 MB buffer are a third of the time of
 * decoding 600 s of 20 kHz WAV (23 ms); with 2 MB pages it takes 15 ms.
 * Only a hint, ignored where THP is off. */
static void
advise_huge(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
	const uintptr_t page = 4096;
	if (bytes < ((size_t)4 << 20))
		return;
	uintptr_t lo = ((uintptr_t)p + page - 1) & ~(page - 1);
	uintptr_t hi = ((uintptr_t)p + bytes) & ~(page - 1);
	if (hi > lo)
		madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
	(void)p;
	(void)bytes;
#endif
}

/* Decode and drop frames: to reach a start in the rare format libsndfile
 * cannot seek in, and after an MP3 seek.  Returns the frames dropped,
 * fewer at the end of the data or on an error. */
static sf_count_t
skip_frames(SNDFILE *snd, sf_count_t frames, int channels)
{
	size_t block = MIX_BLOCK_FLOATS / (size_t)channels;
	if (!block)
		block = 1;
	if (frames <= 0)
		return 0;
	float *tmp = mlv_malloc(block * (size_t)channels * sizeof *tmp);
	sf_count_t done = 0;
	while (done < frames) {
		sf_count_t k = frames - done < (sf_count_t)block ?
		               frames - done : (sf_count_t)block;
		sf_count_t got = sf_readf_float(snd, tmp, k);
		if (got <= 0)
			break;
		done += got;
	}
	free(tmp);
	return done;
}

/* Read up to want frames from snd into a->x, mixing or picking channels.
 * Returns 0 (a->n frames read, possibly fewer than want when the file is
 * shorter than its header says), or -1 after a decoder error. */
static int
read_frames(SNDFILE *snd, mlv_audio *a, size_t want, int channel,
            uint64_t input_bytes)
{
	size_t ch = (size_t)a->channels;
	size_t cap = FIRST_CAP_FRAMES;
	if (input_bytes < SIZE_MAX / FRAMES_PER_BYTE &&
	    input_bytes * FRAMES_PER_BYTE > cap)
		cap = (size_t)input_bytes * FRAMES_PER_BYTE;
	if (cap > want)
		cap = want;
	size_t block = 0;
	float *tmp = NULL;
	if (ch > 1) {
		block = MIX_BLOCK_FLOATS / ch;
		if (!block)
			block = 1;
		tmp = mlv_malloc(block * ch * sizeof *tmp);
	}
	a->x = mlv_malloc(mlv_mul_size(cap, sizeof *a->x, "audio buffer"));
	advise_huge(a->x, cap * sizeof *a->x);
	a->n = 0;
	while (a->n < want) {
		if (a->n == cap) {
			cap = cap > want / 2 ? want : cap * 2;
			a->x = mlv_realloc(a->x, mlv_mul_size(cap, sizeof *a->x,
			                                      "audio buffer"));
			advise_huge(a->x, cap * sizeof *a->x);
		}
		size_t k = cap - a->n;
		if (ch > 1 && k > block)
			k = block;
		if (ch == 1) {
			/* The hot path: decode straight into the output. */
			sf_count_t got = sf_readf_float(snd, a->x + a->n,
			                                (sf_count_t)k);
			if (got <= 0)
				break;
			a->n += (size_t)got;
			continue;
		}
		sf_count_t got = sf_readf_float(snd, tmp, (sf_count_t)k);
		if (got <= 0)
			break;
		float *y = a->x + a->n;
		if (channel > 0) {
			const float *p = tmp + (channel - 1);
			for (sf_count_t i = 0; i < got; i++, p += ch)
				y[i] = *p;
		} else {
			/* Sum in double: the mean of floats is then rounded
			 * once, and 2 channels give exactly (l + r) / 2. */
			const float *p = tmp;
			for (sf_count_t i = 0; i < got; i++) {
				double s = 0;
				for (size_t c = 0; c < ch; c++)
					s += p[c];
				y[i] = (float)(s / (double)ch);
				p += ch;
			}
		}
		a->n += (size_t)got;
	}
	free(tmp);
	if (a->n < want && sf_error(snd) != SF_ERR_NO_ERROR)
		return -1;
	if (a->n && a->n < cap)
		a->x = mlv_realloc(a->x, a->n * sizeof *a->x);
	return 0;
}

/* Whether an input starts as an MLV stream does (mlv-spec's own output
 * given back to it), for a message better than libsndfile's. */
static int
starts_as_mlv(const unsigned char *b, size_t n)
{
	return n >= 5 && !memcmp(b, "MLV1 ", 5);
}

static int
valid_sr(double sr)
{
	return sr >= MLV_AUDIO_MIN_SR && sr <= MLV_AUDIO_MAX_SR;
}

/* Decode path, or the bytes given (nbytes of them, named name) when bytes
 * is not NULL. */
static int
load(mlv_audio *a, const char *path, const void *bytes, size_t nbytes,
     const char *name, const mlv_audio_opts *opts, char *err, size_t errlen)
{
	static const mlv_audio_opts defaults = {0, 0, 0, 0};
	const mlv_audio_opts *o = opts ? opts : &defaults;
	int is_stdin = !bytes && (!path || !strcmp(path, "-"));
	int fd = -1, own_fd = 0;
	membuf mem = {NULL, 0, 0, 0};
	int mlv_input = 0;
	SNDFILE *snd = NULL;
	SF_INFO info;
	float *y = NULL;
	char why[256];

	memset(a, 0, sizeof *a);
	memset(&info, 0, sizeof info);

	/* Options first, so a bad one is reported before any decoding. */
	if (o->channel < 0) {
		mlv_errf(err, errlen, "%s: bad channel (%d; channels count "
		        "from 1, 0 mixes them down)", name, o->channel);
		goto fail;
	}
	if (!(o->start >= 0) || !isfinite(o->start)) {
		mlv_errf(err, errlen, "%s: bad time range (start %g s; must be "
		        "0 or more)", name, o->start);
		goto fail;
	}
	if (isnan(o->end) || (o->end > 0 && o->end <= o->start)) {
		mlv_errf(err, errlen, "%s: bad time range (end %g s is not "
		        "after start %g s)", name, o->end, o->start);
		goto fail;
	}
	if (o->target_sr != 0 && !valid_sr(o->target_sr)) {
		mlv_errf(err, errlen, "%s: bad target sample rate (%g Hz; must "
		        "be %g .. %g Hz)", name, o->target_sr, MLV_AUDIO_MIN_SR,
		        MLV_AUDIO_MAX_SR);
		goto fail;
	}

	struct stat st;
	if (bytes) {
		mem.buf = mlv_malloc(nbytes ? nbytes : 1);
		memcpy(mem.buf, bytes, nbytes);
		mem.len = (sf_count_t)nbytes;
	} else if (is_stdin) {
		fd = STDIN_FILENO;
	} else {
		do
			fd = open(path, O_RDONLY | O_CLOEXEC);
		while (fd < 0 && errno == EINTR);
		if (fd < 0) {
			mlv_errf(err, errlen, "%s: cannot open (%s)", name,
			        strerror(errno));
			goto fail;
		}
		own_fd = 1;
	}
	if (!bytes && fstat(fd, &st)) {
		mlv_errf(err, errlen, "%s: cannot open (%s)", name,
		        strerror(errno));
		goto fail;
	}
	if (!bytes && S_ISDIR(st.st_mode)) {
		mlv_errf(err, errlen, "%s: cannot open (%s)", name,
		        strerror(EISDIR));
		goto fail;
	}
	if (!bytes && S_ISREG(st.st_mode)) {
		if (st.st_size == 0) {
			mlv_errf(err, errlen, "%s: cannot decode (empty file)",
			        name);
			goto fail;
		}
		/* The descriptor stays ours (close_desc 0): libsndfile's
		 * habit of closing it on a failed open varies by version. */
		unsigned char head[5];
		mlv_input = pread(fd, head, sizeof head, 0) == sizeof head &&
		            starts_as_mlv(head, sizeof head);
		pthread_mutex_lock(&open_lock);
		snd = sf_open_fd(fd, SFM_READ, &info, 0);
	} else {
		/* Pipes cannot seek, and WAV with its size at the end, FLAC
		 * or MP3 sniffing need to: take the whole input first. */
		if (!bytes && read_all(fd, &mem)) {
			mlv_errf(err, errlen, "%s: cannot read (%s)", name,
			        strerror(errno));
			goto fail;
		}
		if (mem.len == 0) {
			mlv_errf(err, errlen, "%s: cannot decode (empty input)",
			        name);
			goto fail;
		}
		mlv_input = starts_as_mlv(mem.buf, (size_t)mem.len);
		SF_VIRTUAL_IO vio = {mem_len, mem_seek, mem_read, mem_write,
		                     mem_tell};
		pthread_mutex_lock(&open_lock);
		snd = sf_open_virtual(&vio, SFM_READ, &info, &mem);
	}
	if (!snd && mlv_input)
		mlv_errf(err, errlen, "%s: cannot decode (this is an MLV stream, "
		        "not audio: give it to the other mlv tools)", name);
	else if (!snd)
		mlv_errf(err, errlen, "%s: cannot decode (%s)", name,
		        sf_strerror(NULL));
	pthread_mutex_unlock(&open_lock);
	if (!snd)
		goto fail;

	a->native_sr = info.samplerate;
	a->channels = info.channels;
	a->native_frames = info.frames;
	format_name(a->format, sizeof a->format, info.format);
	for (int i = 0; i < MLV_AUDIO_NTAGS; i++)
		a->tags[i] = trimmed_dup(sf_get_string(snd, tag_ids[i]));

	if (!valid_sr(a->native_sr)) {
		mlv_errf(err, errlen, "%s: unsupported sample rate (%d Hz; must "
		        "be %g .. %g Hz)", name, info.samplerate,
		        MLV_AUDIO_MIN_SR, MLV_AUDIO_MAX_SR);
		goto fail;
	}
	if (info.channels < 1) {
		mlv_errf(err, errlen, "%s: cannot decode (%d channels)", name,
		        info.channels);
		goto fail;
	}
	if (o->channel > info.channels) {
		mlv_errf(err, errlen, "%s: no channel %d (the file has %d "
		        "channel%s)", name, o->channel, info.channels,
		        info.channels == 1 ? "" : "s");
		goto fail;
	}
	if (o->target_sr > 0 && rate_problem(a->native_sr, o->target_sr, why,
	                                     sizeof why)) {
		mlv_errf(err, errlen, "%s: %s", name, why);
		goto fail;
	}
	if (info.frames <= 0) {
		mlv_errf(err, errlen, "%s: no samples (0 frames)", name);
		goto fail;
	}

	/* libsndfile says SF_COUNT_MAX frames when it cannot tell (an Ogg
	 * stream cut short): then decode to the end. */
	int known = info.frames != SF_COUNT_MAX;
	if (!known)
		a->native_frames = -1;
	/* Frame arithmetic in double: start*sr is finite, and compared with
	 * frames (at most 2^63) before conversion. */
	double fstart = floor(o->start * a->native_sr + 0.5);
	if (fstart >= (double)info.frames) {
		mlv_errf(err, errlen, "%s: bad time range (start %g s is not "
		        "before the end of the file, %.6g s)", name, o->start,
		        (double)info.frames / a->native_sr);
		goto fail;
	}
	sf_count_t first = (sf_count_t)fstart, last = info.frames;
	if (o->end > 0) {
		double fend = floor(o->end * a->native_sr + 0.5);
		if (fend < (double)last)
			last = (sf_count_t)fend;
	}
	if (last <= first) {
		mlv_errf(err, errlen, "%s: no samples (the range %g .. %g s "
		        "holds no frame at %g Hz)", name, o->start, o->end,
		        a->native_sr);
		goto fail;
	}
	size_t want = SIZE_MAX / sizeof(float);
	if ((uint64_t)(last - first) < want) {
		want = (size_t)(last - first);
	} else if (known) {
		mlv_errf(err, errlen, "%s: cannot decode (%lld frames: too "
		        "many)", name, (long long)(last - first));
		goto fail;
	}
	a->t0 = (double)first / a->native_sr;

	/* Seek to at, then decode from there to first: at is first where
	 * libsndfile seeks exactly, earlier where it does not. */
	sf_count_t at = first;
	if (!info.seekable)
		at = 0;
	else if ((info.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_MPEG)
		at = first - MPEG_PREROLL;
	else if ((info.format & SF_FORMAT_SUBMASK) == SF_FORMAT_VORBIS &&
	         known && first > info.frames - VORBIS_LAST_PAGE)
		at = info.frames - VORBIS_LAST_PAGE - 1;
	if (at < 0)
		at = 0;
	if (at > 0 && sf_seek(snd, at, SEEK_SET) != at) {
		/* A length estimated from a header (an MP3's Xing frame
		 * count, a truncated file) can promise frames that are not
		 * there: decode from the start, which finds the real end. */
		if (sf_seek(snd, 0, SEEK_SET) != 0) {
			snprintf(why, sizeof why, "%s", sf_strerror(snd));
			mlv_errf(err, errlen, "%s: cannot seek to %g s (%s)",
			        name, a->t0, why);
			goto fail;
		}
		at = 0;
	}
	sf_count_t skipped = skip_frames(snd, first - at, info.channels);
	if (skipped < first - at) {
		double where = (double)(at + skipped) / a->native_sr;
		if (sf_error(snd) != SF_ERR_NO_ERROR) {
			snprintf(why, sizeof why, "%s", sf_strerror(snd));
			mlv_errf(err, errlen, "%s: read error at %.6g s (%s)",
			        name, where, why);
		} else if (at == 0) {
			mlv_errf(err, errlen, "%s: bad time range (start %g s "
			        "is not before the end of the data, %.6g s)",
			        name, o->start, where);
		} else {
			/* The seek itself succeeded on a false length. */
			mlv_errf(err, errlen, "%s: bad time range (start %g s "
			        "is beyond the end of the data)", name,
			        o->start);
		}
		goto fail;
	}
	uint64_t input_bytes = mem.buf ? (uint64_t)mem.len :
	                       (uint64_t)st.st_size;
	if (read_frames(snd, a, want, o->channel, input_bytes)) {
		snprintf(why, sizeof why, "%s", sf_strerror(snd));
		mlv_errf(err, errlen, "%s: read error at %.6g s (%s)", name,
		        (double)(first + (sf_count_t)a->n) / a->native_sr, why);
		goto fail;
	}
	if (!a->n) {
		mlv_errf(err, errlen, "%s: no samples (none could be decoded)",
		        name);
		goto fail;
	}
	sf_close(snd);
	snd = NULL;
	free(mem.buf);
	mem.buf = NULL;

	a->sr = a->native_sr;
	if (o->target_sr > 0 && o->target_sr != a->native_sr) {
		size_t ny;
		if (mlv_resample(&y, &ny, a->x, a->n, a->native_sr,
		                 o->target_sr, why, sizeof why)) {
			mlv_errf(err, errlen, "%s: %s", name, why);
			goto fail;
		}
		if (!ny) {
			mlv_errf(err, errlen, "%s: no samples (%zu at %g Hz "
			        "leave none at %g Hz)", name, a->n,
			        a->native_sr, o->target_sr);
			goto fail;
		}
		free(a->x);
		a->x = y;
		a->n = ny;
		y = NULL;
		a->sr = o->target_sr;
	}
	if (own_fd)
		close(fd);
	return 0;

fail:
	free(y);
	if (snd)
		sf_close(snd);
	free(mem.buf);
	if (own_fd)
		close(fd);
	mlv_audio_free(a);
	return -1;
}

int
mlv_audio_load(mlv_audio *a, const char *path, const mlv_audio_opts *opts,
               char *err, size_t errlen)
{
	int is_stdin = !path || !strcmp(path, "-");
	return load(a, path, NULL, 0, is_stdin ? "<stdin>" : path, opts, err,
	            errlen);
}

int
mlv_audio_load_mem(mlv_audio *a, const void *bytes, size_t nbytes,
                   const char *name, const mlv_audio_opts *opts, char *err,
                   size_t errlen)
{
	return load(a, NULL, bytes, nbytes, name, opts, err, errlen);
}

const char *
mlv_audio_tag(const mlv_audio *a, const char *name)
{
	for (int i = 0; i < MLV_AUDIO_NTAGS; i++)
		if (!strcmp(name, mlv_audio_tag_names[i]))
			return a->tags[i];
	return NULL;
}

void
mlv_audio_tags_to_meta(const mlv_audio *a, mlv_record *r)
{
	char key[32];
	for (int i = 0; i < MLV_AUDIO_NTAGS; i++) {
		if (!a->tags[i] || !a->tags[i][0])
			continue;
		snprintf(key, sizeof key, "label.%s", mlv_audio_tag_names[i]);
		mlv_meta_set(r, key, a->tags[i]);
	}
}

void
mlv_audio_free(mlv_audio *a)
{
	if (!a)
		return;
	free(a->x);
	for (int i = 0; i < MLV_AUDIO_NTAGS; i++)
		free(a->tags[i]);
	memset(a, 0, sizeof *a);
}

int
mlv_audio_encode_opus(const float *x, size_t n, double sr,
                      unsigned char **out, size_t *len, char *err,
                      size_t errlen)
{
	*out = NULL;
	*len = 0;
	float *y = NULL;
	size_t ny = n;
	if (sr != MLV_OPUS_SR) {
		if (mlv_resample(&y, &ny, x, n, sr, MLV_OPUS_SR, err, errlen))
			return -1;
		x = y;
	}
	membuf mem = {NULL, 0, 0, 0};
	SF_VIRTUAL_IO vio = {mem_len, mem_seek, mem_read, mem_write, mem_tell};
	SF_INFO info = {.samplerate = (int)MLV_OPUS_SR, .channels = 1,
	                .format = SF_FORMAT_OGG | SF_FORMAT_OPUS};
	pthread_mutex_lock(&open_lock);
	SNDFILE *snd = sf_open_virtual(&vio, SFM_WRITE, &info, &mem);
	if (!snd)
		mlv_errf(err, errlen, "cannot encode Ogg Opus (%s)",
		         sf_strerror(NULL));
	pthread_mutex_unlock(&open_lock);
	/* libsndfile's Opus level 0.9 is about 32 kbit/s for mono music:
	 * clear enough to recognise a passage, 4 KB a second. */
	double level = 0.9;
	int status = -1;
	if (snd && sf_command(snd, SFC_SET_COMPRESSION_LEVEL, &level,
	                      sizeof level) == SF_TRUE &&
	    sf_writef_float(snd, x, (sf_count_t)ny) == (sf_count_t)ny)
		status = 0;
	else if (snd)
		mlv_errf(err, errlen, "cannot encode Ogg Opus (%s)",
		         sf_strerror(snd));
	if (snd && sf_close(snd) && !status)
		status = mlv_errf(err, errlen, "cannot encode Ogg Opus (closing "
		                  "failed)");
	free(y);
	if (status) {
		free(mem.buf);
		return -1;
	}
	*out = mem.buf;
	*len = (size_t)mem.len;
	return 0;
}
