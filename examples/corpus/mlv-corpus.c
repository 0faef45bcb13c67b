/* mlv-corpus - write synthetic audio corpora with ground-truth labels.
 *
 *   mlv-corpus notes|performers|sections|composers [options] -o DIR
 *
 * Deterministic stand-ins for the test corpora of MusicLatentVIS (T1 notes,
 * T2 performers, T3 sections) and Symphony2vec (composers), laid out like
 * the rendered and real corpora of the project's shared data: WAV files
 * and a labels.tsv whose `file` column is relative to DIR, with the same
 * column names, so the examples run unchanged on either.  Everything comes
 * from one additive synthesizer driven by a table of timbres; the output
 * is a pure function of the options.  examples/corpus/README.md describes
 * the data.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pool.h"
#include "rng.h"
#include "stream.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* Timbres                                                             */

#define MAX_PARTIALS 12

/* One instrument of the synthesizer.  A note is a sum of partials, each a
 * sine at ratio_k f0 with amplitude amp[k] times an envelope, plus noise.
 * The envelope is attack x body_k x release: a raised-cosine rise, a body
 * that decays from 1 toward `sustain` with time constant tau / (1 + damp
 * (k - 1)) (higher partials die faster, as on a plucked string), and a
 * raised-cosine fall once the key is let go. */
typedef struct {
	const char *name;
	double amp[MAX_PARTIALS]; /* partials 1..12 at full velocity */
	double inharm;    /* stiffness B: partial k at k f0 sqrt(1 + B k^2) */
	double detune;    /* cents between two copies of each partial: the
	                   * beating of a zheng's or a piano's string pair, or
	                   * of an ensemble; 0: one copy */
	double formant_hz, formant_db, formant_oct; /* a body resonance: partials
	                   * near formant_hz gain up to formant_db, over a
	                   * Gaussian of formant_oct octaves (sd) */
	double attack;    /* s */
	double sustain;   /* body level after the decay; 0: plucked */
	double tau;       /* s, decay time of the fundamental */
	double damp;      /* how much faster partial k decays */
	double release;   /* s */
	double vib_rate;  /* Hz */
	double vib_cents; /* +- cents */
	double vib_delay; /* s for the vibrato to fade in, as players do */
	double breath;    /* steady noise (breath, bow), relative level */
	double click;     /* noise burst at the attack (pick, hammer, chiff) */
	double click_tau; /* s */
	double noise_lo, noise_hi; /* Hz: band of both noises (0: open) */
	double bright;    /* velocity tilt: partial k times k^(bright (v - 1)),
	                   * v = velocity / 127: softer notes are darker */
	double level_db;  /* balance between timbres */
} timbre;

enum {
	FLUTE, ERHU, PIPA, ZHENG, PIANO, GUITAR, STRINGS, CELLO, BASS, BRASS,
	KICK, HAT, NTIMBRES
};

/* The parameters come from the acoustics of each family (Fletcher and
 * Rossing, "The Physics of Musical Instruments", 1998), not from fits to
 * recordings: what matters for the tests is that the four note timbres
 * differ in the cues listeners and spectrogram models use (spectral
 * envelope, attack, decay, vibrato, noise), as the real ones do.  A
 * string plucked at 1/p of its length lacks harmonics p, 2p, ...: the
 * pipa's and zheng's tables are |sin(k pi / p)| / k^e, capped so the
 * fundamental stays the strongest partial. */
static const timbre timbres[NTIMBRES] = {
	/* Bamboo flute: nearly sinusoidal, a few low harmonics; a soft
	 * tongued attack with a chiff, much breath noise, gentle vibrato. */
	[FLUTE] = {"bamboo_flute", .amp = {1, .45, .25, .12, .06, .03},
		.attack = .06, .sustain = .9, .tau = .3, .release = .08,
		.vib_rate = 5, .vib_cents = 12, .vib_delay = .2,
		.breath = .06, .click = .15, .click_tau = .03,
		.noise_lo = 1000, .noise_hi = 6000, .bright = 1},
	/* Erhu: a bowed string's sawtooth-like 1/n spectrum through the
	 * python-skin body's nasal resonance, a slow bow attack, full
	 * sustain, wide vibrato (~5.5 Hz), a little bow noise; bowing harder
	 * brightens it much. */
	[ERHU] = {"erhu", .amp = {1, .5, .33, .25, .2, .17, .14, .12, .11, .1,
	                          .09, .08},
		.formant_hz = 2500, .formant_db = 8, .formant_oct = .4,
		.attack = .1, .sustain = .85, .tau = .2, .release = .12,
		.vib_rate = 5.5, .vib_cents = 25, .vib_delay = .15,
		.breath = .015, .click = .05, .click_tau = .02,
		.noise_lo = 2000, .noise_hi = 8000, .bright = 1.5},
	/* Pipa: plucked with a plectrum at 1/7 of the string: bright, no
	 * 7th harmonic; an immediate attack with a pick click, a fast decay
	 * that dulls the high partials first, slightly stiff strings. */
	[PIPA] = {"pipa", .amp = {1, .9, .85, .75, .6, .3, 0, .25, .4, .45, .4,
	                          .3},
		.inharm = .0001, .attack = .002, .tau = .2, .damp = .4,
		.release = .05, .click = .3, .click_tau = .005,
		.noise_lo = 1500, .noise_hi = 9000, .bright = 1, .level_db = -3},
	/* Zheng: plucked with a softer fingerpick at 1/4 of the string:
	 * dark, no 4th and 8th harmonics; a long ring, stiff strings,
	 * beating (the string is heard with its neighbour) and a light
	 * pressed vibrato. */
	[ZHENG] = {"zheng", .amp = {1, .57, .24, 0, .12, .14, .08, 0, .06, .07,
	                            .04},
		.inharm = .0003, .detune = 3, .attack = .003, .tau = 1,
		.damp = .4, .release = .3,
		.vib_rate = 4.5, .vib_cents = 8, .vib_delay = .25,
		.click = .15, .click_tau = .005, .noise_lo = 1000,
		.noise_hi = 7000, .bright = 1},
	[PIANO] = {"piano", .amp = {1, .6, .45, .3, .25, .2, .12, .1, .06, .04},
		.inharm = .0004, .detune = 1.5, .attack = .002, .tau = 1.5,
		.damp = .3, .release = .15, .click = .1, .click_tau = .004,
		.noise_lo = 200, .noise_hi = 3000, .bright = 1.2},
	[GUITAR] = {"guitar", .amp = {1, .55, .4, .25, .15, .1, .06, .04},
		.inharm = .00005, .attack = .003, .tau = .8, .damp = .35,
		.release = .1, .click = .1, .click_tau = .004,
		.noise_lo = 800, .noise_hi = 5000, .bright = 1},
	/* An ensemble: many players, hence the detuning (chorus) and the
	 * slow swell. */
	[STRINGS] = {"strings", .amp = {1, .5, .33, .25, .2, .16, .14, .12},
		.detune = 8, .attack = .25, .sustain = .9, .tau = .5,
		.release = .3, .vib_rate = 5, .vib_cents = 10, .vib_delay = .1,
		.breath = .01, .noise_lo = 2000, .noise_hi = 8000, .bright = 1,
		.level_db = -4},
	[CELLO] = {"cello", .amp = {1, .7, .45, .35, .25, .18, .12, .08},
		.formant_hz = 600, .formant_db = 4, .formant_oct = .5,
		.attack = .08, .sustain = .85, .tau = .3, .release = .15,
		.vib_rate = 5, .vib_cents = 15, .vib_delay = .2,
		.breath = .02, .click = .03, .click_tau = .02,
		.noise_lo = 500, .noise_hi = 4000, .bright = 1.2},
	[BASS] = {"bass", .amp = {1, .45, .2, .1, .05},
		.attack = .005, .tau = .9, .damp = .5, .release = .08,
		.click = .05, .click_tau = .004, .noise_lo = 100,
		.noise_hi = 1500, .bright = .8, .level_db = 2},
	/* Brass: the spectral peak above the fundamental and the strong
	 * brightening with dynamics are what make it brass. */
	[BRASS] = {"brass", .amp = {.6, .9, 1, .85, .7, .55, .45, .35, .27, .2,
	                            .15, .1},
		.attack = .04, .sustain = .9, .tau = .15, .release = .1,
		.vib_rate = 5, .vib_cents = 5, .vib_delay = .3,
		.breath = .01, .click = .05, .click_tau = .01,
		.noise_lo = 1000, .noise_hi = 6000, .bright = 2, .level_db = -1},
	[KICK] = {"kick", .amp = {1, .2},
		.attack = .001, .tau = .12, .damp = 1, .release = .05,
		.click = .4, .click_tau = .003, .noise_lo = 20,
		.noise_hi = 2500},
	/* No partials: only the noise burst, high-passed. */
	[HAT] = {"hat", .attack = .001, .tau = .03, .release = .03,
		.click = 1, .click_tau = .03, .noise_lo = 7000, .level_db = -14},
};

/* ------------------------------------------------------------------ */
/* The synthesis core                                                  */

/* A player's way with a timbre (performer B's brighter tone, another
 * vibrato). */
typedef struct {
	int timbre;
	double bright;    /* added to the velocity tilt's exponent */
	double vib_depth; /* times the timbre's vibrato depth */
	double vib_rate;  /* times its rate */
} voice;

typedef struct {
	voice v;
	double t;       /* onset, s */
	double dur;     /* s the key is held */
	double midi;    /* pitch, MIDI note number */
	double vel;     /* MIDI velocity, 1..127 */
	uint64_t seed;  /* of the note's noise and phases */
} note_event;

typedef struct {
	note_event *e;
	size_t n, cap;
} score;

static voice
plain(int t)
{
	return (voice){t, 0, 1, 1};
}

static void
score_add(score *s, const voice *v, double t, double dur, double midi,
          double vel, mlv_rng *g)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		s->e = mlv_realloc(s->e, mlv_mul_size(s->cap, sizeof *s->e,
		                                      "score"));
	}
	s->e[s->n++] = (note_event){*v, fmax(t, 0), fmax(dur, 0), midi,
	                            fmin(fmax(vel, 1), 127), mlv_rng_u64(g)};
}

/* One period of a sine, so partials cost a table lookup, not a sin()
 * call; 4096 points with linear interpolation are within 3e-7, far below
 * 16-bit quantisation. */
#define SINE_SIZE 4096
static float sine_table[SINE_SIZE + 1];

static void
sine_init(void)
{
	for (int i = 0; i <= SINE_SIZE; i++)
		sine_table[i] = (float)sin(2 * M_PI * i / SINE_SIZE);
}

/* sin(2 pi x) for x in [0, 1]. */
static inline double
sine(double x)
{
	double p = x * SINE_SIZE;
	int i = (int)p;
	if (i >= SINE_SIZE)
		i = SINE_SIZE - 1;
	return sine_table[i] + (p - i) * (sine_table[i + 1] - sine_table[i]);
}

/* Velocity to gain: the DLS / General MIDI 2 curve, 40 log10(v / 127)
 * dB, close to SoundFont 2's default concave curve: velocities 40, 70,
 * 100, 127 give -20.1, -10.4, -4.2 and 0 dB, as the notes rendered with
 * FluidSynth for the shared test corpus measure (-20.1, -10.4, -4.2). */
static double
velocity_db(double vel)
{
	return 40 * log10(vel / 127);
}

/* Add one note into out[0..n) at rate sr. */
static void
render_note(float *out, size_t n, double sr, const note_event *e)
{
	const timbre *tb = &timbres[e->v.timbre];
	double f0 = 440 * pow(2, (e->midi - 69) / 12);
	double v = e->vel / 127;
	double gain = pow(10, (velocity_db(e->vel) + tb->level_db) / 20);
	double len = e->dur + tb->release;
	/* Plucked notes are over when the fundamental is 60 dB down. */
	if (tb->sustain == 0)
		len = fmin(len, 6.9 * tb->tau);
	size_t i0 = (size_t)ceil(e->t * sr);
	size_t i1 = (size_t)ceil((e->t + len) * sr);
	if (i0 >= n)
		return;
	if (i1 > n)
		i1 = n;
	mlv_rng g;
	mlv_rng_seed(&g, e->seed);

	double ratio[2 * MAX_PARTIALS], amp[2 * MAX_PARTIALS];
	double decay[2 * MAX_PARTIALS], q[2 * MAX_PARTIALS];
	double phase[2 * MAX_PARTIALS];
	double norm = 0, tilt = tb->bright * (v - 1) + e->v.bright;
	for (int k = 0; k < MAX_PARTIALS; k++)
		norm += tb->amp[k] * tb->amp[k];
	norm = norm > 0 ? 1 / sqrt(norm) : 0;
	double vib = tb->vib_cents * e->v.vib_depth;
	double top = 0.45 * sr / (f0 * pow(2, vib / 1200));
	int np = 0, copies = tb->detune > 0 ? 2 : 1;
	for (int k = 0; k < MAX_PARTIALS; k++) {
		if (tb->amp[k] <= 0)
			continue;
		/* Both copies start in phase, as two strings plucked together
		 * do; the beating then only ever lowers the sum slowly. */
		double start = mlv_rng_uniform(&g);
		double h = k + 1, r = h * sqrt(1 + tb->inharm * h * h);
		if (r * pow(2, tb->detune / 2400) >= top)
			break; /* above Nyquist: would alias */
		double a = tb->amp[k] * norm * pow(h, tilt) / sqrt(copies);
		if (tb->formant_db != 0) {
			double oct = log2(r * f0 / tb->formant_hz) / tb->formant_oct;
			a *= pow(10, tb->formant_db / 20 * exp(-0.5 * oct * oct));
		}
		double tau = tb->tau / (1 + tb->damp * k);
		for (int c = 0; c < copies; c++) {
			ratio[np] = r * pow(2, (c ? 1 : -1) * (copies - 1) *
			                       tb->detune / 2400);
			amp[np] = a;
			decay[np] = 1;
			q[np] = tau > 0 ? exp(-1 / (sr * tau)) : 1;
			phase[np++] = start;
		}
	}
	double sustain = tb->tau > 0 ? tb->sustain : 1;
	double vib_phase = mlv_rng_uniform(&g);
	double vib_rate = tb->vib_rate * e->v.vib_rate / sr;
	/* One-pole low-passes at the band's edges: the signal through the
	 * upper one, minus its part below the lower one. */
	double below = 0, lowpass = 0, a_lo = 0, a_hi = 0;
	if (tb->noise_lo > 0)
		a_lo = 1 - exp(-2 * M_PI * tb->noise_lo / sr);
	if (tb->noise_hi > 0)
		a_hi = 1 - exp(-2 * M_PI * tb->noise_hi / sr);
	double click_q = tb->click_tau > 0 ? exp(-1 / (sr * tb->click_tau)) : 0;
	double click = tb->click, f0_step = f0 / sr;

	for (size_t i = i0; i < i1; i++) {
		double t = (double)i / sr - e->t;
		/* sin^2 rise and cos^2 fall: smooth, so no clicks beyond the
		 * ones the timbre asks for. */
		double env = 1;
		if (t < tb->attack) {
			double s = sine(t / (4 * tb->attack));
			env = s * s;
		}
		if (t > e->dur) {
			double u = (t - e->dur) / tb->release;
			double s = u < 1 ? sine(0.25 + u / 4) : 0;
			env *= s * s;
		}
		double step = f0_step;
		if (vib > 0) {
			double ramp = tb->vib_delay > 0 ? fmin(1, t / tb->vib_delay) : 1;
			double x = vib_phase + vib_rate * (double)(i - i0);
			double c = vib * ramp * sine(x - floor(x)) * (M_LN2 / 1200);
			step *= 1 + c * (1 + c / 2); /* 2^(cents/1200), |c| < 0.03 */
		}
		double y = 0;
		for (int p = 0; p < np; p++) {
			phase[p] += ratio[p] * step;
			if (phase[p] >= 1)
				phase[p] -= 1;
			y += amp[p] * (sustain + (1 - sustain) * decay[p]) *
			     sine(phase[p]);
			decay[p] *= q[p];
		}
		if (tb->breath > 0 || click > 1e-4) {
			double x = 2 * mlv_rng_uniform(&g) - 1;
			if (a_hi > 0)
				x = lowpass += a_hi * (x - lowpass);
			if (a_lo > 0) {
				below += a_lo * (x - below);
				x -= below;
			}
			y += (tb->breath + click) * x;
			click *= click_q;
		}
		out[i] += (float)(gain * env * y);
	}
}

/* The score mixed into a new buffer of n samples. */
static float *
render_score(const score *s, size_t n, double sr)
{
	float *x = mlv_calloc(n ? n : 1, sizeof *x);
	for (size_t i = 0; i < s->n; i++)
		render_note(x, n, sr, &s->e[i]);
	return x;
}

/* A cos^2 fade over the last `seconds`, so a cut never clicks. */
static void
fade_out(float *x, size_t n, double sr, double seconds)
{
	size_t m = (size_t)(seconds * sr);
	if (m > n)
		m = n;
	for (size_t i = 0; i < m; i++) {
		double s = sine(0.25 * (double)(i + 1) / (double)m);
		x[n - m + i] *= (float)(1 - s * s);
	}
}

static double
peak(const float *x, size_t n)
{
	double m = 0;
	for (size_t i = 0; i < n; i++)
		m = fmax(m, fabs(x[i]));
	return m;
}

/* Peak level of every file (notes: of the loudest note): -3 dBFS of
 * headroom, so nothing clips and a resampler's ripple has room. */
#define HEADROOM 0.70794578438413791 /* 10^(-3/20) */

static double
normalising_gain(double pk)
{
	return pk > 0 ? HEADROOM / pk : 1;
}

/* ------------------------------------------------------------------ */
/* Output                                                              */

static const char *outdir;
static double rate = 22050;
static uint64_t seed;
static int threads;

static char *
path_in_dir(const char *name)
{
	size_t n = strlen(outdir) + strlen(name) + 2;
	char *p = mlv_malloc(n);
	snprintf(p, n, "%s/%s", outdir, name);
	return p;
}

/* mkdir -p. */
static void
make_dir(const char *dir)
{
	char *p = mlv_strdup(dir);
	for (char *s = p + 1; ; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;
		*s = '\0';
		struct stat st;
		if (mkdir(p, 0777) && (errno != EEXIST || stat(p, &st) ||
		                       !S_ISDIR(st.st_mode)))
			mlv_die("%s: cannot create directory (%s)", p,
			        errno == EEXIST ? "not a directory" : strerror(errno));
		if (!c)
			break;
		*s = c;
	}
	free(p);
}

/* A noise floor, RMS dBFS: a quiet room, and dither for the 16 bits.
 * Without it rests would be digital silence, whose log spectra and
 * cosine similarities are undefined. */
#define NOISE_FLOOR_DB -80.0

/* Write x * gain plus the noise floor to DIR/name as 16-bit PCM WAV,
 * atomically (a temporary file renamed into place), and return its RMS
 * level in dBFS.  Samples are rounded here, not by libsndfile, so the
 * bytes are ours alone. */
static double
write_wav(const char *name, const float *x, size_t n, double gain, mlv_rng *g)
{
	char *path = path_in_dir(name), *tmp;
	short *pcm = mlv_malloc(mlv_mul_size(n ? n : 1, sizeof *pcm, "samples"));
	/* Triangular noise, the difference of two uniforms: RMS a / sqrt(6). */
	double a = pow(10, NOISE_FLOOR_DB / 20) * sqrt(6), sum = 0;
	for (size_t i = 0; i < n; i++) {
		double floor_noise = a * (mlv_rng_uniform(g) - mlv_rng_uniform(g));
		long s = lrint((x[i] * gain + floor_noise) * 32767);
		s = s > 32767 ? 32767 : s < -32768 ? -32768 : s;
		pcm[i] = (short)s;
		sum += (double)s * (double)s;
	}
	int fd = mlv_temp_beside(path, &tmp);
	if (fd < 0)
		mlv_die("%s: cannot create (%s)", path, strerror(errno));
	SF_INFO info = {.samplerate = (int)rate, .channels = 1,
	                .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16};
	SNDFILE *f = sf_open_fd(fd, SFM_WRITE, &info, SF_TRUE);
	if (!f)
		mlv_die("%s: cannot create (%s)", path, sf_strerror(NULL));
	if (sf_write_short(f, pcm, (sf_count_t)n) != (sf_count_t)n)
		mlv_die("%s: write error (%s)", path, sf_strerror(f));
	if (sf_close(f))
		mlv_die("%s: write error", path);
	if (rename(tmp, path))
		mlv_die("%s: cannot rename into place (%s)", path, strerror(errno));
	mlv_cleanup_remove(tmp);
	free(tmp);
	free(pcm);
	free(path);
	return sum > 0 ? 10 * log10(sum / (double)n / (32768.0 * 32768.0)) : -120;
}

/* Render a score to n samples, fade, normalise and write it. */
static void
finish_file(const char *name, const score *s, size_t n, double fade,
            mlv_rng *g)
{
	float *x = render_score(s, n, rate);
	fade_out(x, n, rate, fade);
	write_wav(name, x, n, normalising_gain(peak(x, n)), g);
	free(x);
}

static mlv_writer *
labels_open(const char *name)
{
	char *path = path_in_dir(name);
	mlv_writer *w = mlv_writer_open_or_die(path);
	free(path);
	return w;
}

/* ------------------------------------------------------------------ */
/* Music: tunes, chords, timing                                        */

typedef struct {
	double midi;   /* 0: a rest */
	double beats;
} mnote;

enum { MAJ, MIN, DIM };

typedef struct {
	int root;      /* pitch class, 0 = C */
	int quality;
	double beats;
} mchord;

/* A melody and its chords; both loop, and span the same beats. */
typedef struct {
	const mnote *notes;
	size_t nnotes;
	const mchord *chords;
	size_t nchords;
	int meter;     /* beats per bar */
} tune;

#define LEN(a) (sizeof(a) / sizeof(a)[0])
#define TUNE(n, c, m) {n, LEN(n), c, LEN(c), m}

enum { C_ = 0, D_ = 2, E_ = 4, G_ = 7, A_ = 9, B_ = 11 };

/* Ode to Joy (Beethoven, Symphony No. 9), in D, 16 bars of 4/4. */
static const mnote ode_notes[] = {
	{66, 1}, {66, 1}, {67, 1}, {69, 1}, {69, 1}, {67, 1}, {66, 1}, {64, 1},
	{62, 1}, {62, 1}, {64, 1}, {66, 1}, {66, 1.5}, {64, .5}, {64, 2},
	{66, 1}, {66, 1}, {67, 1}, {69, 1}, {69, 1}, {67, 1}, {66, 1}, {64, 1},
	{62, 1}, {62, 1}, {64, 1}, {66, 1}, {64, 1.5}, {62, .5}, {62, 2},
	{64, 1}, {64, 1}, {66, 1}, {62, 1},
	{64, 1}, {66, .5}, {67, .5}, {66, 1}, {62, 1},
	{64, 1}, {66, .5}, {67, .5}, {66, 1}, {64, 1},
	{62, 1}, {64, 1}, {57, 2},
	{66, 1}, {66, 1}, {67, 1}, {69, 1}, {69, 1}, {67, 1}, {66, 1}, {64, 1},
	{62, 1}, {62, 1}, {64, 1}, {66, 1}, {64, 1.5}, {62, .5}, {62, 2},
};
static const mchord ode_chords[] = {
	{D_, MAJ, 4}, {A_, MAJ, 4}, {D_, MAJ, 4}, {A_, MAJ, 4},
	{D_, MAJ, 4}, {A_, MAJ, 4}, {D_, MAJ, 4}, {A_, MAJ, 2}, {D_, MAJ, 2},
	{A_, MAJ, 4}, {D_, MAJ, 4}, {A_, MAJ, 4}, {D_, MAJ, 2}, {A_, MAJ, 2},
	{D_, MAJ, 4}, {A_, MAJ, 4}, {D_, MAJ, 4}, {A_, MAJ, 2}, {D_, MAJ, 2},
};

/* Twinkle, twinkle ("Ah! vous dirai-je, maman"), in D, 12 bars of 4/4. */
static const mnote twinkle_notes[] = {
	{62, 1}, {62, 1}, {69, 1}, {69, 1}, {71, 1}, {71, 1}, {69, 2},
	{67, 1}, {67, 1}, {66, 1}, {66, 1}, {64, 1}, {64, 1}, {62, 2},
	{69, 1}, {69, 1}, {67, 1}, {67, 1}, {66, 1}, {66, 1}, {64, 2},
	{69, 1}, {69, 1}, {67, 1}, {67, 1}, {66, 1}, {66, 1}, {64, 2},
	{62, 1}, {62, 1}, {69, 1}, {69, 1}, {71, 1}, {71, 1}, {69, 2},
	{67, 1}, {67, 1}, {66, 1}, {66, 1}, {64, 1}, {64, 1}, {62, 2},
};
static const mchord twinkle_chords[] = {
	{D_, MAJ, 4}, {G_, MAJ, 2}, {D_, MAJ, 2}, {G_, MAJ, 2}, {D_, MAJ, 2},
	{A_, MAJ, 2}, {D_, MAJ, 2},
	{D_, MAJ, 2}, {G_, MAJ, 2}, {D_, MAJ, 2}, {A_, MAJ, 2},
	{D_, MAJ, 2}, {G_, MAJ, 2}, {D_, MAJ, 2}, {A_, MAJ, 2},
	{D_, MAJ, 4}, {G_, MAJ, 2}, {D_, MAJ, 2}, {G_, MAJ, 2}, {D_, MAJ, 2},
	{A_, MAJ, 2}, {D_, MAJ, 2},
};

/* Greensleeves (English traditional), in A minor, 3/4, from the pickup
 * to the end of the chorus: 31 bars; the pickup completes the last. */
static const mnote greensleeves_notes[] = {
	{69, 1},
	{72, 2}, {74, 1}, {76, 1.5}, {78, .5}, {76, 1}, {74, 2}, {71, 1},
	{67, 1.5}, {69, .5}, {71, 1}, {72, 2}, {69, 1}, {69, 1.5}, {68, .5},
	{69, 1}, {71, 2}, {68, 1}, {64, 2}, {69, 1},
	{72, 2}, {74, 1}, {76, 1.5}, {78, .5}, {76, 1}, {74, 2}, {71, 1},
	{67, 1.5}, {69, .5}, {71, 1}, {72, 1.5}, {71, .5}, {69, 1},
	{68, 1.5}, {66, .5}, {68, 1}, {69, 3}, {69, 2}, {0, 1},
	{79, 3}, {79, 1.5}, {78, .5}, {76, 1}, {74, 2}, {71, 1},
	{67, 1.5}, {69, .5}, {71, 1}, {72, 2}, {69, 1}, {69, 1.5}, {68, .5},
	{69, 1}, {71, 2}, {68, 1}, {64, 3},
	{79, 3}, {79, 1.5}, {78, .5}, {76, 1}, {74, 2}, {71, 1},
	{67, 1.5}, {69, .5}, {71, 1}, {72, 1.5}, {71, .5}, {69, 1},
	{68, 1.5}, {66, .5}, {68, 1}, {69, 2},
};
static const mchord greensleeves_chords[] = {
	{A_, MIN, 1},
	{A_, MIN, 3}, {C_, MAJ, 3}, {G_, MAJ, 3}, {E_, MIN, 3}, {A_, MIN, 3},
	{E_, MAJ, 3}, {E_, MAJ, 3}, {A_, MIN, 3},
	{A_, MIN, 3}, {C_, MAJ, 3}, {G_, MAJ, 3}, {E_, MIN, 3}, {A_, MIN, 3},
	{E_, MAJ, 3}, {A_, MIN, 3}, {A_, MIN, 3},
	{C_, MAJ, 3}, {C_, MAJ, 3}, {G_, MAJ, 3}, {E_, MIN, 3}, {A_, MIN, 3},
	{E_, MAJ, 3}, {E_, MAJ, 3}, {E_, MAJ, 3},
	{C_, MAJ, 3}, {C_, MAJ, 3}, {G_, MAJ, 3}, {E_, MIN, 3}, {A_, MIN, 3},
	{E_, MAJ, 3}, {A_, MIN, 2},
};

/* A pentatonic theme in D written for the pipa piece, 8 bars of 4/4:
 * long notes for the tremolo, a scalar answer. */
static const mnote pentatonic_notes[] = {
	{66, 1}, {69, 1}, {71, 1}, {74, 1}, {71, 1}, {69, 1}, {66, 2},
	{64, 1}, {66, 1}, {69, 1}, {71, 1}, {69, 4},
	{74, .5}, {71, .5}, {69, 1}, {71, 1}, {74, 1}, {69, 1}, {66, 1}, {64, 2},
	{66, 1}, {64, 1}, {62, 1}, {64, 1}, {62, 4},
};
static const mchord pentatonic_chords[] = {
	{D_, MAJ, 4}, {B_, MIN, 4}, {E_, MIN, 4}, {A_, MAJ, 4},
	{D_, MAJ, 4}, {B_, MIN, 4}, {A_, MAJ, 4}, {D_, MAJ, 4},
};

static const tune ode = TUNE(ode_notes, ode_chords, 4);
static const tune twinkle = TUNE(twinkle_notes, twinkle_chords, 4);
static const tune greensleeves = TUNE(greensleeves_notes,
                                      greensleeves_chords, 3);
static const tune pentatonic = TUNE(pentatonic_notes, pentatonic_chords, 4);

/* Beat to time: t[b] is the onset of beat b; a beat's length is
 * 60/tempo stretched by rubato, a slow sine over each phrase, as players
 * broaden and press on. */
typedef struct {
	double *t;
	size_t n;
} beat_clock;

static void
clock_init(beat_clock *ck, double t0, double tempo, double beats,
           double rubato, double period, double phase)
{
	ck->n = (size_t)ceil(beats) + 1;
	ck->t = mlv_malloc(mlv_mul_size(ck->n + 1, sizeof *ck->t, "beats"));
	ck->t[0] = t0;
	for (size_t b = 0; b < ck->n; b++) {
		double swing = rubato * sin(2 * M_PI * (b + 0.5) / period + phase);
		ck->t[b + 1] = ck->t[b] + 60 / tempo * (1 + swing);
	}
}

static double
clock_at(const beat_clock *ck, double beat)
{
	if (beat < 0)
		beat = 0;
	size_t b = (size_t)beat;
	if (b >= ck->n)
		b = ck->n - 1;
	return ck->t[b] + (beat - (double)b) * (ck->t[b + 1] - ck->t[b]);
}

/* How a line is played. */
typedef struct {
	double articulation; /* fraction of the written length held */
	double vel;          /* base velocity */
	double arch;         /* velocity swell to the middle of each phrase */
	double vel_jitter;   /* sd of velocity */
	double jitter;       /* s, sd of onset times */
	double stretch;      /* written beats times this (augmentation) */
	int transpose;       /* semitones */
	double tremolo;      /* Hz: notes of a beat or longer are re-plucked
	                      * this fast (the pipa's lunzhi); 0: off */
	int eighths;         /* play every note as running eighths, note and
	                      * upper octave in turn */
} playing;

/* Play the tune's melody, looped, from beat b0 to b1. */
static void
play_tune(score *s, const voice *v, const tune *tu, const playing *pl,
          const beat_clock *ck, double b0, double b1, mlv_rng *g)
{
	double phrase = 4.0 * tu->meter, stretch = pl->stretch > 0 ?
	                pl->stretch : 1;
	double b = b0;
	for (size_t i = 0; b < b1 - 1e-9; i = (i + 1) % tu->nnotes) {
		const mnote *m = &tu->notes[i];
		double len = fmin(m->beats * stretch, b1 - b);
		if (m->midi > 0) {
			double pos = fmod(b - b0, phrase) / phrase;
			double vel = pl->vel + pl->arch * sin(M_PI * pos) +
			             pl->vel_jitter * mlv_rng_normal(g);
			double midi = m->midi + pl->transpose;
			double t0 = clock_at(ck, b), t1 = clock_at(ck, b + len);
			if (pl->eighths) {
				for (int k = 0; k < (int)(len * 2 + 1e-9); k++) {
					double e0 = clock_at(ck, b + k / 2.0);
					double e1 = clock_at(ck, b + (k + 1) / 2.0);
					score_add(s, v, e0, (e1 - e0) * pl->articulation,
					          midi + (k % 2) * 12, vel - (k % 2) * 8, g);
				}
			} else if (pl->tremolo > 0 && len >= 1) {
				int k, plucks = (int)((t1 - t0) * pl->tremolo);
				for (k = 0; k < plucks; k++)
					score_add(s, v, t0 + k / pl->tremolo,
					          1 / pl->tremolo, midi, vel - 6 * (k > 0), g);
			} else {
				t0 += pl->jitter * mlv_rng_normal(g);
				score_add(s, v, t0, (t1 - t0) * pl->articulation, midi,
				          vel, g);
			}
		}
		b += len;
	}
}

/* Accompaniment patterns. */
enum {
	ACC_BLOCK,    /* the chord held for its length (strings, pads) */
	ACC_BEAT,     /* the chord struck on every beat (chorale, march) */
	ACC_BROKEN,   /* eighths: root, fifth, third, fifth (piano) */
	ACC_ARPEGGIO, /* eighths up and down the chord, ringing (zheng) */
	ACC_OFFBEAT,  /* short chords between the beats (dance guitar) */
	ACC_BASS,     /* the root on the first and third beat */
	ACC_WALK      /* root and fifth in quarters */
};

/* Chord tones from the root: the root placed in [lo, lo + 12). */
static void
chord_tones(const mchord *c, int lo, int tones[4])
{
	int third = c->quality == MAJ ? 4 : 3, fifth = c->quality == DIM ? 6 : 7;
	int root = lo + ((c->root - lo) % 12 + 12) % 12;
	tones[0] = root;
	tones[1] = root + third;
	tones[2] = root + fifth;
	tones[3] = root + 12;
}

/* Play the tune's chords, looped, from beat b0 to b1 in a pattern. */
static void
play_chords(score *s, const voice *v, const tune *tu, int pattern, int lo,
            double vel, const beat_clock *ck, double b0, double b1,
            mlv_rng *g)
{
	static const int broken[] = {0, 2, 1, 2};
	static const int arpeggio[] = {0, 1, 2, 3, 2, 1};
	double b = b0;
	for (size_t i = 0; b < b1 - 1e-9; i = (i + 1) % tu->nchords) {
		const mchord *c = &tu->chords[i];
		double end = fmin(b + c->beats, b1);
		int tones[4];
		chord_tones(c, lo, tones);
		double step = pattern == ACC_BROKEN || pattern == ACC_ARPEGGIO ||
		              pattern == ACC_OFFBEAT ? 0.5 :
		              pattern == ACC_BLOCK ? end - b :
		              pattern == ACC_BASS ? 2 : 1;
		int k = 0;
		for (double x = b; x < end - 1e-9; x += step, k++) {
			double t0 = clock_at(ck, x), len = fmin(step, end - x);
			double t1 = clock_at(ck, x + len);
			double vv = vel + 3 * mlv_rng_normal(g);
			switch (pattern) {
			case ACC_BLOCK:
			case ACC_BEAT:
				for (int j = 0; j < 3; j++)
					score_add(s, v, t0, (t1 - t0) * 0.95, tones[j], vv, g);
				break;
			case ACC_BROKEN:
				score_add(s, v, t0, t1 - t0, tones[broken[k % 4]], vv, g);
				break;
			case ACC_ARPEGGIO:
				score_add(s, v, t0, 2 * (t1 - t0), tones[arpeggio[k % 6]],
				          vv, g);
				break;
			case ACC_OFFBEAT:
				if (k % 2)
					for (int j = 0; j < 3; j++)
						score_add(s, v, t0, (t1 - t0) * 0.6, tones[j], vv,
						          g);
				break;
			case ACC_BASS:
				score_add(s, v, t0, (t1 - t0) * 0.95, tones[0], vv, g);
				break;
			case ACC_WALK:
				score_add(s, v, t0, (t1 - t0) * 0.8,
				          k % 2 ? tones[2] - 12 : tones[0], vv, g);
				break;
			}
		}
		b = end;
	}
}

/* Kick on beats 1 and 3, hi-hat on every eighth. */
static void
play_drums(score *s, const beat_clock *ck, double b0, double b1, double vel,
           mlv_rng *g)
{
	voice kick = plain(KICK), hat = plain(HAT);
	for (int k = 0; b0 + k * 0.5 < b1 - 1e-9; k++) {
		double t = clock_at(ck, b0 + k * 0.5);
		if (k % 4 == 0)
			score_add(s, &kick, t, 0.2, 33, vel, g);
		score_add(s, &hat, t, 0.05, 90, vel - 10 * (k % 2), g);
	}
}

/* ------------------------------------------------------------------ */
/* notes: MusicLatentVIS T1                                            */

static const int note_timbres[] = {FLUTE, ERHU, PIPA, ZHENG};
static const struct {
	const char *solfege, *pitch;
	int midi;
} note_pitches[] = {
	{"Do4", "D4", 62}, {"Re4", "E4", 64}, {"Mi4", "F#4", 66},
	{"Fa4", "G4", 67}, {"So4", "A4", 69}, {"La4", "B4", 71},
	{"Ti4", "C#5", 73}, {"Do5", "D5", 74}, {"Re5", "E5", 76},
	{"Mi5", "F#5", 78}, {"Fa5", "G5", 79}, {"So5", "A5", 81},
};
static const int note_velocities[] = {40, 70, 100, 127};

#define NOTES_N (LEN(note_timbres) * LEN(note_velocities) * LEN(note_pitches))

typedef struct {
	double seconds, gain;
	int write;
	double peak[NOTES_N], rms[NOTES_N];
} notes_job;

static void
note_index(size_t i, int *tb, int *vel, size_t *pitch)
{
	*pitch = i % LEN(note_pitches);
	*vel = note_velocities[i / LEN(note_pitches) % LEN(note_velocities)];
	*tb = note_timbres[i / (LEN(note_pitches) * LEN(note_velocities))];
}

static void
note_name(char *buf, size_t len, size_t i)
{
	int tb, vel;
	size_t p;
	note_index(i, &tb, &vel, &p);
	char pitch[8];
	snprintf(pitch, sizeof pitch, "%s", note_pitches[p].pitch);
	char *sharp = strchr(pitch, '#');
	if (sharp)
		*sharp = 's';
	snprintf(buf, len, "%s_%s_%s_v%03d.wav", timbres[tb].name,
	         note_pitches[p].solfege, pitch, vel);
}

/* Pass 1 measures every note's peak, pass 2 writes them with one gain
 * for the whole corpus, so loudness relations between notes survive. */
static void
notes_item(void *ctx, size_t i, int thread)
{
	notes_job *job = ctx;
	(void)thread;
	int tb, vel;
	size_t p;
	note_index(i, &tb, &vel, &p);
	mlv_rng g;
	mlv_rng_stream(&g, seed, i);
	score s = {0};
	voice v = plain(tb);
	/* The key is held for the whole file, as in the rendered corpus;
	 * plucked notes decay within it. */
	score_add(&s, &v, 0, job->seconds, note_pitches[p].midi, vel, &g);
	size_t n = (size_t)llround(job->seconds * rate);
	float *x = render_score(&s, n, rate);
	fade_out(x, n, rate, 0.01);
	if (job->write) {
		char name[64];
		note_name(name, sizeof name, i);
		job->rms[i] = write_wav(name, x, n, job->gain, &g);
	} else {
		job->peak[i] = peak(x, n);
	}
	free(x);
	free(s.e);
}

static void
make_notes(double seconds)
{
	notes_job *job = mlv_calloc(1, sizeof *job);
	job->seconds = seconds;
	mlv_parallel_items(NOTES_N, threads, notes_item, job);
	double pk = 0;
	for (size_t i = 0; i < NOTES_N; i++)
		pk = fmax(pk, job->peak[i]);
	job->gain = normalising_gain(pk);
	job->write = 1;
	mlv_parallel_items(NOTES_N, threads, notes_item, job);

	mlv_writer *w = labels_open("labels.tsv");
	mlv_writer_printf_or_die(w, "file\tstart_s\tend_s\tsynth\tinstrument\t"
	                         "solfege\tpitch\tmidi\tf0_hz\tloudness\t"
	                         "velocity\trms_dbfs\n");
	for (size_t i = 0; i < NOTES_N; i++) {
		int tb, vel;
		size_t p;
		char name[64];
		note_index(i, &tb, &vel, &p);
		note_name(name, sizeof name, i);
		int level = (int)(i / LEN(note_pitches) % LEN(note_velocities)) + 1;
		mlv_writer_printf_or_die(w, "%s\t0.000\t%.3f\tmlv-corpus\t%s\t%s\t"
		                         "%s\t%d\t%.2f\tI%d\t%d\t%.1f\n", name,
		                         seconds, timbres[tb].name,
		                         note_pitches[p].solfege, note_pitches[p].pitch,
		                         note_pitches[p].midi,
		                         440 * pow(2, (note_pitches[p].midi - 69) / 12.0),
		                         level, vel, job->rms[i]);
	}
	mlv_writer_close_or_die(w);
	free(job);
}

/* ------------------------------------------------------------------ */
/* performers: MusicLatentVIS T2                                       */

static const struct {
	const char *name;
	const tune *tu;
	int instrument;
	double tempo[2];        /* performer A, B */
	int acc, acc_pattern, acc_lo, bass;
	const char *acc_names;
} perf_pieces[] = {
	{"ode_to_joy", &ode, ERHU, {96, 106}, PIANO, ACC_BROKEN, 50, BASS,
	 "piano,bass"},
	{"greensleeves", &greensleeves, FLUTE, {132, 122}, GUITAR, ACC_ARPEGGIO,
	 48, CELLO, "guitar,cello"},
	{"twinkle", &twinkle, ZHENG, {84, 92}, STRINGS, ACC_BLOCK, 52, BASS,
	 "strings,bass"},
};

/* Two players of one tune: A legato, freer (more rubato and jitter),
 * softer, wider and slower vibrato; B more detached, a little brighter
 * and louder, steadier, with a quicker, narrower vibrato.  The
 * differences are kept as small as in the rendered corpus, where the
 * accompaniment, not the player, separates the two renditions. */
static const struct {
	const char *name;
	double articulation, rubato, jitter, vel, bright, vib_depth, vib_rate;
} performers[2] = {
	{"A", 1.0, 0.04, 0.012, 80, 0.0, 1.0, 1.0},
	{"B", 0.8, 0.02, 0.006, 88, 0.1, 0.6, 1.3},
};

/* Files in the order of the rendered corpus: the two main renditions
 * (A solo, B accompanied), then the crossed controls. */
static const struct {
	int performer, accomp;
	const char *role;
} perf_files[] = {{0, 0, "main"}, {1, 1, "main"}, {1, 0, "control"},
                  {0, 1, "control"}};

#define PERF_N (LEN(perf_pieces) * LEN(perf_files))

static void
perf_item(void *ctx, size_t i, int thread)
{
	double seconds = *(double *)ctx;
	(void)thread;
	size_t pc = i / LEN(perf_files);
	int who = perf_files[i % LEN(perf_files)].performer;
	int accomp = perf_files[i % LEN(perf_files)].accomp;
	const tune *tu = perf_pieces[pc].tu;
	double tempo = perf_pieces[pc].tempo[who];
	/* One stream per (piece, performer) for the melody and one for the
	 * accompaniment, so the solo and accompanied files of a performer
	 * carry exactly the same melody performance. */
	mlv_rng gm, ga, gt;
	mlv_rng_stream(&gm, seed, 4 * pc + 2 * (size_t)who);
	mlv_rng_stream(&ga, seed, 4 * pc + 2 * (size_t)who + 1);
	mlv_rng_stream(&gt, seed, 1000 + 2 * pc + (size_t)who);
	double beats = seconds * tempo / 60 * 1.1 + 2 * tu->meter;
	beat_clock ck;
	clock_init(&ck, 0, tempo, beats, performers[who].rubato,
	           4.0 * tu->meter, 2 * M_PI * mlv_rng_uniform(&gt));

	score s = {0};
	voice mel = {perf_pieces[pc].instrument, performers[who].bright,
	             performers[who].vib_depth, performers[who].vib_rate};
	playing pl = {.articulation = performers[who].articulation,
	              .vel = performers[who].vel, .arch = 10, .vel_jitter = 4,
	              .jitter = performers[who].jitter};
	play_tune(&s, &mel, tu, &pl, &ck, 0, beats, &gm);
	if (accomp) {
		voice acc = plain(perf_pieces[pc].acc), bass = plain(perf_pieces[pc].bass);
		play_chords(&s, &acc, tu, perf_pieces[pc].acc_pattern,
		            perf_pieces[pc].acc_lo, 55, &ck, 0, beats, &ga);
		play_chords(&s, &bass, tu, ACC_BASS, 36, 70, &ck, 0, beats, &ga);
	}
	char name[64];
	snprintf(name, sizeof name, "%s_%s_%s.wav", perf_pieces[pc].name,
	         performers[who].name, accomp ? "accomp" : "solo");
	finish_file(name, &s, (size_t)llround(seconds * rate), fmin(1, seconds / 10),
	            &gt);
	free(s.e);
	free(ck.t);
}

static void
make_performers(double seconds)
{
	mlv_parallel_items(PERF_N, threads, perf_item, &seconds);
	mlv_writer *w = labels_open("labels.tsv");
	mlv_writer_printf_or_die(w, "file\tpiece\tperformer\taccompaniment\t"
	                         "role\tinstrument\taccompaniment_instruments\t"
	                         "tempo_bpm\tduration_s\n");
	for (size_t i = 0; i < PERF_N; i++) {
		size_t pc = i / LEN(perf_files);
		int who = perf_files[i % LEN(perf_files)].performer;
		int accomp = perf_files[i % LEN(perf_files)].accomp;
		mlv_writer_printf_or_die(w, "%s_%s_%s.wav\t%s\t%s\t%s\t%s\t%s\t%s\t"
		                         "%g\t%.3f\n", perf_pieces[pc].name,
		                         performers[who].name,
		                         accomp ? "accomp" : "solo", perf_pieces[pc].name,
		                         performers[who].name, accomp ? "yes" : "no",
		                         perf_files[i % LEN(perf_files)].role,
		                         timbres[perf_pieces[pc].instrument].name,
		                         accomp ? perf_pieces[pc].acc_names : "-",
		                         perf_pieces[pc].tempo[who],
		                         (double)llround(seconds * rate) / rate);
	}
	mlv_writer_close_or_die(w);
}

/* ------------------------------------------------------------------ */
/* sections: MusicLatentVIS T3                                         */

typedef struct {
	const char *label;
	int kind;          /* what is played; equal kinds give equal notes */
	double tempo;      /* nominal bpm */
	const char *instruments, *dynamics, *description;
} section_def;

typedef struct {
	const char *name;
	const tune *tu;
	void (*play)(score *s, int kind, const beat_clock *ck, double beats,
	             mlv_rng *g);
	section_def sec[5];
	/* each section's length over --section-seconds: unequal, and in
	 * another order in every piece, so sections do not change at a
	 * fixed period that a boundary every so many seconds would hit */
	double scale[5];
} piece_def;

/* A tempo change: the theme at 96 bpm with tremolo, then in running
 * eighths at 168, then slow and low. */
static void
play_pipa(score *s, int kind, const beat_clock *ck, double beats, mlv_rng *g)
{
	voice v = plain(PIPA);
	playing moderate = {.articulation = 0.9, .vel = 80, .arch = 8,
	                    .vel_jitter = 3, .tremolo = 12};
	playing fast = {.articulation = 0.8, .vel = 105, .arch = 6,
	                .vel_jitter = 3, .eighths = 1};
	playing slow = {.articulation = 1, .vel = 50, .arch = 6,
	                .vel_jitter = 3, .stretch = 2, .transpose = -12,
	                .tremolo = 8};
	play_tune(s, &v, &pentatonic, kind == 0 ? &moderate : kind == 1 ?
	          &fast : &slow, ck, 0, beats, g);
}

/* An orchestration change: one melody, one tempo, other instruments. */
static void
play_orchestration(score *s, int kind, const beat_clock *ck, double beats,
                   mlv_rng *g)
{
	const tune *tu = &greensleeves;
	int tutti = kind == 3;
	double vel = tutti ? 112 : 80, acc = tutti ? 90 : 60;
	playing mel = {.articulation = 0.95, .vel = vel, .arch = 8,
	               .vel_jitter = 3};
	voice flute = plain(FLUTE), erhu = plain(ERHU), brass = plain(BRASS);
	voice strings = plain(STRINGS), cello = plain(CELLO);
	/* Horn- and tuba-like: the brass timbre played darker. */
	voice horn = {BRASS, -0.6, 1, 1}, tuba = {BRASS, -0.8, 0, 1};
	if (kind == 0 || tutti)
		play_tune(s, &flute, tu, &mel, ck, 0, beats, g);
	if (kind == 1 || tutti) {
		play_tune(s, &erhu, tu, &mel, ck, 0, beats, g);
		play_chords(s, &strings, tu, ACC_BLOCK, 52, acc, ck, 0, beats, g);
		play_chords(s, &cello, tu, ACC_BASS, 36, acc + 10, ck, 0, beats, g);
	}
	if (kind == 2 || tutti) {
		playing low = mel;
		low.transpose = -12 * !tutti;
		play_tune(s, &brass, tu, &low, ck, 0, beats, g);
		play_chords(s, &horn, tu, ACC_BEAT, 50, acc, ck, 0, beats, g);
		play_chords(s, &tuba, tu, ACC_BASS, 33, acc + 10, ck, 0, beats, g);
	}
}

/* A texture and dynamics change on one instrument: arpeggios alone,
 * melody over arpeggios, then a loud, fast minor version with a band. */
static void
play_koto(score *s, int kind, const beat_clock *ck, double beats, mlv_rng *g)
{
	voice zheng = plain(ZHENG);
	if (kind == 0) {
		play_chords(s, &zheng, &ode, ACC_ARPEGGIO, 50, 35, ck, 0, beats, g);
		return;
	}
	if (kind == 1) {
		playing mel = {.articulation = 1, .vel = 85, .arch = 8,
		               .vel_jitter = 3};
		play_tune(s, &zheng, &ode, &mel, ck, 0, beats, g);
		play_chords(s, &zheng, &ode, ACC_ARPEGGIO, 50, 50, ck, 0, beats, g);
		return;
	}
	/* Ode to Joy in D minor: the major third, sixth and seventh of D
	 * lowered, the D chord minor (A stays major, the dominant). */
	mnote minor[LEN(ode_notes)];
	mchord chords[LEN(ode_chords)];
	for (size_t i = 0; i < LEN(ode_notes); i++) {
		int pc = ((int)ode_notes[i].midi - D_) % 12;
		minor[i] = ode_notes[i];
		minor[i].midi -= pc == 4 || pc == 9 || pc == 11;
	}
	for (size_t i = 0; i < LEN(ode_chords); i++) {
		chords[i] = ode_chords[i];
		if (chords[i].root == D_)
			chords[i].quality = MIN;
	}
	tune tu = {minor, LEN(minor), chords, LEN(chords), 4};
	playing mel = {.articulation = 0.9, .vel = 118, .arch = 5,
	               .vel_jitter = 3};
	voice strings = plain(STRINGS), bass = plain(BASS);
	play_tune(s, &zheng, &tu, &mel, ck, 0, beats, g);
	play_chords(s, &strings, &tu, ACC_BLOCK, 50, 95, ck, 0, beats, g);
	play_chords(s, &bass, &tu, ACC_WALK, 36, 110, ck, 0, beats, g);
	play_drums(s, ck, 0, beats, 105, g);
}

/* Nominal tempos fill 10 s with whole bars (steps of 24 bpm in 4/4, 18 in
 * 3/4), so a section of any length plays at its nominal tempo, and
 * sections that share a label sound the same. */
static const piece_def pieces[] = {
	{"pipa_tempo", &pentatonic, play_pipa, {
		{"A", 0, 96, "pipa", "mf",
		 "theme, moderate tempo, plucked with tremolo on long notes"},
		{"B", 1, 168, "pipa", "f",
		 "sudden speed change: theme in running eighths at a fast tempo, "
		 "loud"},
		{"A", 0, 96, "pipa", "mf", "return of the first section, identical "
		 "notes"},
		{"C", 2, 72, "pipa", "p", "soft and slow: theme an octave lower, "
		 "in long tremolo notes"},
		{"B", 1, 168, "pipa", "f", "fast section again"}},
	 {1, 1.5, 0.75, 1.25, 0.5}},
	{"orchestration", &greensleeves, play_orchestration, {
		{"flute_solo", 0, 126, "bamboo_flute", "mf",
		 "Greensleeves, flute alone"},
		{"strings", 1, 126, "erhu+strings+cello", "mf",
		 "same melody on erhu with string chords and cello bass"},
		{"brass", 2, 126, "brass", "mf",
		 "same melody on low brass with horn-like chords and tuba-like bass"},
		{"flute_solo", 0, 126, "bamboo_flute", "mf",
		 "flute alone again, identical notes"},
		{"tutti", 3, 126, "bamboo_flute+erhu+brass+strings+cello", "ff",
		 "everything together, loud"}},
	 {1.25, 0.75, 1, 1.5, 0.5}},
	{"koto_texture", &ode, play_koto, {
		{"intro", 0, 72, "zheng", "pp", "slow soft zheng arpeggios"},
		{"A", 1, 96, "zheng+zheng", "mf",
		 "Ode to Joy melody on zheng over zheng arpeggios, moderate"},
		{"B", 2, 144, "zheng+strings+bass+drums", "ff",
		 "same tune in D minor, fast and loud, with drums, bass and strings"},
		{"A", 1, 96, "zheng+zheng", "mf", "return of A, identical notes"},
		{"coda", 0, 48, "zheng", "pp", "the intro's arpeggios, slower"}},
	 {0.5, 1.5, 1.25, 0.75, 1}},
};

#define NSECTIONS 5
#define SEGMENT_SECONDS 10.0

/* Section k's length: its scale times `seconds`, rounded to whole 10-s
 * segments and at least one, so every change falls on a segment
 * boundary. */
static double
section_length(const piece_def *p, int k, double seconds)
{
	return SEGMENT_SECONDS * fmax(1, round(p->scale[k] * seconds /
	                                       SEGMENT_SECONDS));
}

/* Where section k starts; k = NSECTIONS gives the piece's length. */
static double
section_start(const piece_def *p, int k, double seconds)
{
	double t = 0;
	for (int j = 0; j < k; j++)
		t += section_length(p, j, seconds);
	return t;
}

/* Whole bars that fill a section of `seconds` at about `tempo`, so every
 * boundary falls exactly on a bar line. */
static double
section_beats(const piece_def *p, const section_def *sd, double seconds)
{
	int meter = p->tu->meter;
	double bars = fmax(1, round(seconds * sd->tempo / 60 / meter));
	return bars * meter;
}

static void
sections_item(void *ctx, size_t i, int thread)
{
	double seconds = *(double *)ctx;
	(void)thread;
	const piece_def *p = &pieces[i];
	score s = {0};
	for (int k = 0; k < NSECTIONS; k++) {
		const section_def *sd = &p->sec[k];
		double len = section_length(p, k, seconds);
		double beats = section_beats(p, sd, len);
		beat_clock ck;
		clock_init(&ck, section_start(p, k, seconds), beats * 60 / len,
		           beats, 0, 1, 0);
		/* Seeded by the kind, so a section that returns is note for
		 * note the same. */
		mlv_rng g;
		mlv_rng_stream(&g, seed, 64 * i + (size_t)sd->kind);
		p->play(&s, sd->kind, &ck, beats, &g);
		free(ck.t);
	}
	char name[64];
	snprintf(name, sizeof name, "%s.wav", p->name);
	mlv_rng g;
	mlv_rng_stream(&g, seed, 64 * i + 63);
	finish_file(name, &s, (size_t)llround(section_start(p, NSECTIONS,
	            seconds) * rate), 1, &g);
	free(s.e);
}

static void
make_sections(double seconds)
{
	mlv_parallel_items(LEN(pieces), threads, sections_item, &seconds);
	mlv_writer *w = labels_open("segments.tsv");
	mlv_writer_printf_or_die(w, "file\tsegment\tstart_s\tend_s\tsection\t"
	                         "label\tpurity\n");
	for (size_t i = 0; i < LEN(pieces); i++) {
		const piece_def *p = &pieces[i];
		double total = section_start(p, NSECTIONS, seconds);
		for (int k = 0; (k + 1) * SEGMENT_SECONDS <= total + 1e-9; k++) {
			double a = k * SEGMENT_SECONDS, b = a + SEGMENT_SECONDS;
			int best = 0;
			double cover = 0;
			for (int j = 0; j < NSECTIONS; j++) {
				double c = fmin(b, section_start(p, j + 1, seconds)) -
				           fmax(a, section_start(p, j, seconds));
				if (c > cover + 1e-9) {
					cover = c;
					best = j;
				}
			}
			mlv_writer_printf_or_die(w, "%s.wav\t%d\t%.1f\t%.1f\t%d\t%s\t"
			                         "%.2f\n", pieces[i].name, k, a, b,
			                         best + 1, pieces[i].sec[best].label,
			                         cover / SEGMENT_SECONDS);
		}
	}
	mlv_writer_close_or_die(w);

	w = labels_open("labels.tsv");
	mlv_writer_printf_or_die(w, "file\tpiece\tsection\tlabel\tstart_s\t"
	                         "end_s\ttempo_bpm\tinstruments\tdynamics\t"
	                         "description\n");
	for (size_t i = 0; i < LEN(pieces); i++) {
		const piece_def *p = &pieces[i];
		for (int k = 0; k < NSECTIONS; k++) {
			const section_def *sd = &p->sec[k];
			double start = section_start(p, k, seconds);
			double len = section_length(p, k, seconds);
			mlv_writer_printf_or_die(w, "%s.wav\t%s\t%d\t%s\t%.3f\t%.3f\t"
			                         "%.2f\t%s\t%s\t%s\n", p->name, p->name,
			                         k + 1, sd->label, start, start + len,
			                         section_beats(p, sd, len) * 60 / len,
			                         sd->instruments, sd->dynamics,
			                         sd->description);
		}
	}
	mlv_writer_close_or_die(w);
}

/* ------------------------------------------------------------------ */
/* composers: Symphony2vec's composer classification                   */

/* A composer's habits.  Tracks draw their key, tempo, progression,
 * melody and lead instrument from these, so tracks of one composer share
 * a mode, a pace, a palette, a register, a rhythm and a harmonic rhythm
 * without being copies. */
typedef struct {
	const char *composer, *soundtrack, *mode_name;
	int mode[7];            /* the scale: semitones above the key note */
	int key_lo, key_hi;     /* MIDI range of the key note */
	double tempo_lo, tempo_hi;
	int meter;
	double chord_beats;     /* harmonic rhythm: beats per chord */
	int progs[3][4];        /* chord progressions, as scale degrees */
	double rhythm[4];       /* weights of melody notes of 2, 1, 1/2, 1/4
	                         * beats */
	double rest;            /* chance of a rest */
	int lead[2];            /* melody instruments: a track takes one */
	int lead_octave;        /* semitones from the key note */
	int chords, chord_pattern, chord_lo;
	int bass, bass_pattern, bass_lo;
	int drums;
	double vel;
} style;

static const style styles[] = {
	{"Pastoral", "meadows", "ionian", .mode = {0, 2, 4, 5, 7, 9, 11},
	 .key_lo = 60, .key_hi = 67, .tempo_lo = 84, .tempo_hi = 100,
	 .meter = 4, .chord_beats = 8,
	 .progs = {{0, 3, 4, 0}, {0, 5, 3, 4}, {0, 4, 5, 3}},
	 .rhythm = {.2, .5, .3, 0}, .rest = .05,
	 .lead = {FLUTE, ERHU}, .lead_octave = 12,
	 .chords = ZHENG, .chord_pattern = ACC_ARPEGGIO, .chord_lo = 50,
	 .bass = CELLO, .bass_pattern = ACC_BASS, .bass_lo = 38, .vel = 80},
	{"Martial", "fortress", "aeolian", .mode = {0, 2, 3, 5, 7, 8, 10},
	 .key_lo = 57, .key_hi = 64, .tempo_lo = 112, .tempo_hi = 128,
	 .meter = 4, .chord_beats = 4,
	 .progs = {{0, 5, 6, 0}, {0, 3, 4, 0}, {0, 6, 5, 4}},
	 .rhythm = {.1, .45, .35, .1}, .rest = .05,
	 .lead = {BRASS, ERHU}, .lead_octave = 0,
	 .chords = BRASS, .chord_pattern = ACC_BEAT, .chord_lo = 48,
	 .bass = BASS, .bass_pattern = ACC_WALK, .bass_lo = 33, .drums = 1,
	 .vel = 105},
	{"Nocturne", "moonlight", "harmonic minor",
	 .mode = {0, 2, 3, 5, 7, 8, 11},
	 .key_lo = 57, .key_hi = 62, .tempo_lo = 58, .tempo_hi = 72,
	 .meter = 3, .chord_beats = 6,
	 .progs = {{0, 3, 4, 0}, {0, 5, 3, 4}, {0, 5, 1, 4}},
	 .rhythm = {.35, .45, .2, 0}, .rest = .1,
	 .lead = {CELLO, ERHU}, .lead_octave = 0,
	 .chords = PIANO, .chord_pattern = ACC_BROKEN, .chord_lo = 48,
	 .bass = PIANO, .bass_pattern = ACC_BASS, .bass_lo = 33, .vel = 65},
	{"Dance", "festival", "mixolydian", .mode = {0, 2, 4, 5, 7, 9, 10},
	 .key_lo = 62, .key_hi = 69, .tempo_lo = 132, .tempo_hi = 150,
	 .meter = 4, .chord_beats = 2,
	 .progs = {{0, 6, 3, 0}, {0, 3, 6, 4}, {0, 4, 6, 3}},
	 .rhythm = {0, .25, .55, .2}, .rest = .03,
	 .lead = {PIPA, FLUTE}, .lead_octave = 12,
	 .chords = GUITAR, .chord_pattern = ACC_OFFBEAT, .chord_lo = 52,
	 .bass = BASS, .bass_pattern = ACC_WALK, .bass_lo = 36, .drums = 1,
	 .vel = 95},
	{"Drift", "ambient", "lydian", .mode = {0, 2, 4, 6, 7, 9, 11},
	 .key_lo = 60, .key_hi = 66, .tempo_lo = 60, .tempo_hi = 72,
	 .meter = 4, .chord_beats = 16,
	 .progs = {{0, 1, 5, 0}, {0, 4, 1, 0}, {0, 2, 1, 5}},
	 .rhythm = {.7, .3, 0, 0}, .rest = .15,
	 .lead = {ERHU, FLUTE}, .lead_octave = 12,
	 .chords = STRINGS, .chord_pattern = ACC_BLOCK, .chord_lo = 48,
	 .bass = CELLO, .bass_pattern = ACC_BASS, .bass_lo = 36, .vel = 60},
	{"Chorale", "cathedral", "ionian", .mode = {0, 2, 4, 5, 7, 9, 11},
	 .key_lo = 60, .key_hi = 65, .tempo_lo = 72, .tempo_hi = 88,
	 .meter = 4, .chord_beats = 2,
	 .progs = {{0, 3, 4, 0}, {0, 5, 1, 4}, {0, 2, 3, 4}},
	 .rhythm = {.3, .7, 0, 0}, .rest = .02,
	 .lead = {BRASS, STRINGS}, .lead_octave = 0,
	 .chords = STRINGS, .chord_pattern = ACC_BEAT, .chord_lo = 50,
	 .bass = CELLO, .bass_pattern = ACC_BASS, .bass_lo = 36, .vel = 80},
};

#define MAX_COMPOSERS ((int)LEN(styles))

static const char *const pc_names[12] = {
	"C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"
};

typedef struct {
	int composers, tracks;
	double seconds;
	/* per track, for the labels */
	int *key, *lead;
	double *tempo;
} composers_job;

/* Scale degree d (any integer) of the style's mode, as MIDI. */
static int
degree_midi(const style *st, int key, int d)
{
	int oct = d >= 0 ? d / 7 : -((-d + 6) / 7);
	return key + 12 * oct + st->mode[d - 7 * oct];
}

static mchord
degree_chord(const style *st, int key, int d, double beats)
{
	int root = degree_midi(st, key, d);
	int third = degree_midi(st, key, d + 2) - root;
	int fifth = degree_midi(st, key, d + 4) - root;
	return (mchord){root % 12, third == 4 ? MAJ : fifth == 6 ? DIM : MIN,
	                beats};
}

/* A phrase over four chords: a random walk on the scale that lands on a
 * chord tone at each chord change, with the style's rhythm.  *deg carries
 * the walk from phrase to phrase. */
static size_t
compose_phrase(mnote *out, const style *st, int key, const int prog[4],
               int *deg, mlv_rng *g)
{
	static const double lengths[] = {2, 1, 0.5, 0.25};
	static const int steps[] = {-2, -1, -1, 1, 1, 2, 0, 3, -3};
	size_t n = 0;
	for (int c = 0; c < 4; c++) {
		double b = 0;
		int first = 1;
		while (b < st->chord_beats - 1e-9) {
			double r = mlv_rng_uniform(g) * (st->rhythm[0] + st->rhythm[1] +
			                                 st->rhythm[2] + st->rhythm[3]);
			int k = 0;
			while (k < 3 && r >= st->rhythm[k])
				r -= st->rhythm[k++];
			double len = fmin(lengths[k], st->chord_beats - b);
			if (first) {
				/* nearest chord tone: prog[c], +2 or +4 degrees */
				int best = *deg, dist = 99;
				for (int j = -7; j <= 7; j++) {
					int d = *deg + j;
					if ((((d - prog[c]) % 7 + 7) % 7) % 2 == 0 &&
					    ((d - prog[c]) % 7 + 7) % 7 != 6 && abs(j) < dist) {
						dist = abs(j);
						best = d;
					}
				}
				*deg = best;
			} else {
				*deg += steps[mlv_rng_below(g, LEN(steps))];
			}
			/* Keep within about an octave and a half. */
			if (*deg < -2)
				*deg = -*deg - 4;
			if (*deg > 9)
				*deg = 18 - *deg;
			int rest = !first && mlv_rng_uniform(g) < st->rest;
			out[n++] = (mnote){rest ? 0 : degree_midi(st, key, *deg), len};
			b += len;
			first = 0;
		}
	}
	return n;
}

static void
composers_item(void *ctx, size_t i, int thread)
{
	composers_job *job = ctx;
	(void)thread;
	const style *st = &styles[i / (size_t)job->tracks];
	mlv_rng g;
	mlv_rng_stream(&g, seed, i);
	int key = st->key_lo + (int)mlv_rng_below(&g, (uint64_t)(st->key_hi -
	                                                        st->key_lo + 1));
	double tempo = st->tempo_lo + (st->tempo_hi - st->tempo_lo) *
	               mlv_rng_uniform(&g);
	int lead = st->lead[mlv_rng_below(&g, 2)];
	const int *pa = st->progs[mlv_rng_below(&g, 3)];
	const int *pb = st->progs[mlv_rng_below(&g, 3)];
	job->key[i] = key;
	job->tempo[i] = tempo;
	job->lead[i] = lead;

	/* Form A A' B A: the answer varies A's ending, B takes the other
	 * progression a third higher. */
	size_t cap = (size_t)(16 * st->chord_beats / 0.25) + 16;
	mnote *mel = mlv_malloc(cap * sizeof *mel);
	mchord chords[16];
	int deg = 0;
	size_t na = compose_phrase(mel, st, key, pa, &deg, &g);
	memcpy(mel + na, mel, na * sizeof *mel);
	for (size_t k = 2 * na - 2; k < 2 * na; k++)
		if (mel[k].midi > 0)
			mel[k].midi = degree_midi(st, key, (int)mlv_rng_below(&g, 5) - 1);
	deg = 2;
	size_t nb = compose_phrase(mel + 2 * na, st, key, pb, &deg, &g);
	memcpy(mel + 2 * na + nb, mel, na * sizeof *mel);
	for (int k = 0; k < 16; k++)
		chords[k] = degree_chord(st, key, (k / 4 == 2 ? pb : pa)[k % 4],
		                         st->chord_beats);
	tune tu = {mel, 3 * na + nb, chords, 16, st->meter};

	double beats = job->seconds * tempo / 60 + st->meter;
	beat_clock ck;
	clock_init(&ck, 0, tempo, beats, 0, 1, 0);
	score s = {0};
	voice lv = plain(lead), cv = plain(st->chords), bv = plain(st->bass);
	playing pl = {.articulation = 0.9, .vel = st->vel, .arch = 10,
	              .vel_jitter = 4, .jitter = 0.005,
	              .transpose = st->lead_octave};
	play_tune(&s, &lv, &tu, &pl, &ck, 0, beats, &g);
	play_chords(&s, &cv, &tu, st->chord_pattern, st->chord_lo, st->vel - 25,
	            &ck, 0, beats, &g);
	play_chords(&s, &bv, &tu, st->bass_pattern, st->bass_lo, st->vel - 10,
	            &ck, 0, beats, &g);
	if (st->drums)
		play_drums(&s, &ck, 0, beats, st->vel - 10, &g);
	char name[64];
	snprintf(name, sizeof name, "%s-%02d.wav", st->soundtrack,
	         (int)(i % (size_t)job->tracks) + 1);
	finish_file(name, &s, (size_t)llround(job->seconds * rate),
	            fmin(1, job->seconds / 10), &g);
	free(s.e);
	free(ck.t);
	free(mel);
}

static void
make_composers(int composers, int tracks, double seconds)
{
	size_t n = (size_t)composers * (size_t)tracks;
	composers_job job = {composers, tracks, seconds,
	                     mlv_calloc(n, sizeof(int)), mlv_calloc(n, sizeof(int)),
	                     mlv_calloc(n, sizeof(double))};
	mlv_parallel_items(n, threads, composers_item, &job);
	mlv_writer *w = labels_open("labels.tsv");
	mlv_writer_printf_or_die(w, "file\tsoundtrack\tcomposer\ttrack\t"
	                         "duration_s\tkey\ttempo_bpm\tinstruments\n");
	for (size_t i = 0; i < n; i++) {
		const style *st = &styles[i / (size_t)tracks];
		char track[48];
		snprintf(track, sizeof track, "%s-%02d", st->soundtrack,
		         (int)(i % (size_t)tracks) + 1);
		mlv_writer_printf_or_die(w, "%s.wav\t%s\t%s\t%s\t%.3f\t%s %s\t%.1f\t"
		                         "%s+%s+%s%s\n", track, st->soundtrack,
		                         st->composer, track,
		                         (double)llround(seconds * rate) / rate,
		                         pc_names[job.key[i] % 12], st->mode_name,
		                         job.tempo[i], timbres[job.lead[i]].name,
		                         timbres[st->chords].name,
		                         timbres[st->bass].name,
		                         st->drums ? "+drums" : "");
	}
	mlv_writer_close_or_die(w);
	free(job.key);
	free(job.lead);
	free(job.tempo);
}

/* ------------------------------------------------------------------ */

static void
usage(void)
{
	printf(
"usage: mlv-corpus notes|performers|sections|composers [options] -o DIR\n"
"Write a synthetic audio corpus with ground-truth labels into DIR: 16-bit\n"
"mono WAV files and labels.tsv (tab-separated, a header line, `file'\n"
"relative to DIR), laid out like the rendered test corpora.  Each file\n"
"peaks at -3 dBFS (notes: the loudest note; one gain for all) over a\n"
"-80 dBFS noise floor.  The output is a pure function of the options:\n"
"the same bytes for any -j.  See examples/corpus/README.md.\n"
"\n"
"Corpora:\n"
"  notes        MusicLatentVIS T1: 4 timbres (bamboo_flute, erhu, pipa,\n"
"               zheng) x 12 pitches Do4..So5 of D major (D4..A5) x 4\n"
"               velocities (40 70 100 127 = loudness I1..I4): 192 notes,\n"
"               INSTRUMENT_SOLFEGE_PITCH_vVEL.wav (# written s, e.g.\n"
"               erhu_Mi4_Fs4_v100.wav).  Columns: file start_s end_s synth\n"
"               instrument solfege pitch midi f0_hz loudness velocity\n"
"               rms_dbfs\n"
"  performers   T2: ode_to_joy (erhu), greensleeves (bamboo_flute), twinkle\n"
"               (zheng), each by performer A (legato, rubato) and B\n"
"               (detached, brighter, other tempo and vibrato), solo and with\n"
"               accompaniment: 12 files PIECE_{A,B}_{solo,accomp}.wav; A_solo\n"
"               and B_accomp are the main pair, the others crossed controls.\n"
"               Columns: file piece performer accompaniment role instrument\n"
"               accompaniment_instruments tempo_bpm duration_s\n"
"  sections     T3: pipa_tempo (tempo changes), orchestration (instrument\n"
"               changes), koto_texture (texture and dynamics changes), 5\n"
"               sections each (A B A C B; solo, strings, brass, solo, tutti;\n"
"               intro A B A coda) of unequal lengths, whole 10-s segments.\n"
"               labels.tsv has one row per section: file\n"
"               piece section label start_s end_s tempo_bpm instruments\n"
"               dynamics description; segments.tsv one per 10-s segment:\n"
"               file segment start_s end_s section label purity\n"
"  composers    Symphony2vec: COMPOSERS composers (styles: mode, tempo,\n"
"               instruments, register, rhythm, harmonic rhythm) x TRACKS\n"
"               tracks SOUNDTRACK-NN.wav.  Columns: file soundtrack composer\n"
"               track duration_s key tempo_bpm instruments\n"
"\n"
"Options:\n"
"  -o, --output DIR         directory to write (created if needed); files\n"
"                           are replaced atomically, labels last\n"
"      --sr HZ              sample rate (22050, 8000..96000)\n"
"      --seed N             random seed (0)\n"
"      --seconds S          notes: length of a note (0.5, 0.05..10);\n"
"                           performers: of a file (60); composers: of a\n"
"                           track (40); 1..600\n"
"      --section-seconds S  sections: the base length of a section (30,\n"
"                           10..300); each is 0.5 to 1.5 times it, by\n"
"                           piece, rounded to whole 10 s\n"
"      --composers N        composers: how many (4, 1..%d)\n"
"      --tracks N           composers: tracks per composer (6, 1..99)\n"
"  -j, --jobs N             threads (default: all cores, at most 32)\n"
"  -h, --help               show this help\n"
"      --version            show the version\n", MAX_COMPOSERS);
	exit(0);
}

enum { C_NOTES, C_PERFORMERS, C_SECTIONS, C_COMPOSERS };
static const char *const corpora[] = {"notes", "performers", "sections",
                                      "composers"};

/* Refuse an option the corpus does not use, rather than ignore it. */
static void
only_for(int corpus, unsigned mask, const char *opt)
{
	if (!(mask & 1u << corpus))
		mlv_usage_error("%s: not an option of %s", opt, corpora[corpus]);
}

int
main(int argc, char **argv)
{
	enum { OPT_SR = 256, OPT_SEED, OPT_SECONDS, OPT_SECTION, OPT_COMPOSERS,
	       OPT_TRACKS, OPT_VERSION };
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"sr", required_argument, NULL, OPT_SR},
		{"seed", required_argument, NULL, OPT_SEED},
		{"seconds", required_argument, NULL, OPT_SECONDS},
		{"section-seconds", required_argument, NULL, OPT_SECTION},
		{"composers", required_argument, NULL, OPT_COMPOSERS},
		{"tracks", required_argument, NULL, OPT_TRACKS},
		{"jobs", required_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	mlv_init(argv);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			usage();
		if (!strcmp(argv[i], "--version")) {
			mlv_print_version();
			return 0;
		}
	}
	if (argc < 2 || argv[1][0] == '-')
		mlv_usage_error("which corpus? notes, performers, sections or "
		                "composers");
	int corpus = -1;
	for (int i = 0; i < (int)LEN(corpora); i++)
		if (!strcmp(argv[1], corpora[i]))
			corpus = i;
	if (corpus < 0)
		mlv_usage_error("%s: unknown corpus (notes, performers, sections, "
		                "composers)", argv[1]);
	double seconds = corpus == C_NOTES ? 0.5 : corpus == C_PERFORMERS ? 60 :
	                 40;
	double section_seconds = 30;
	int composers = 4, tracks = 6, c;
	threads = 0;
	argv[1] = argv[0];
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "o:j:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': outdir = optarg; break;
		case OPT_SR: rate = (double)mlv_parse_int(optarg, 8000, 96000,
		                                          "--sr"); break;
		case OPT_SEED:
			seed = (uint64_t)mlv_parse_int(optarg, 0, LLONG_MAX, "--seed");
			break;
		case OPT_SECONDS:
			only_for(corpus, 1u << C_NOTES | 1u << C_PERFORMERS |
			         1u << C_COMPOSERS, "--seconds");
			seconds = corpus == C_NOTES ?
			          mlv_parse_double(optarg, 0.05, 10, "--seconds") :
			          mlv_parse_double(optarg, 1, 600, "--seconds");
			break;
		case OPT_SECTION:
			only_for(corpus, 1u << C_SECTIONS, "--section-seconds");
			section_seconds = mlv_parse_double(optarg, 10, 300,
			                                   "--section-seconds");
			break;
		case OPT_COMPOSERS:
			only_for(corpus, 1u << C_COMPOSERS, "--composers");
			composers = (int)mlv_parse_int(optarg, 1, MAX_COMPOSERS,
			                               "--composers");
			break;
		case OPT_TRACKS:
			only_for(corpus, 1u << C_COMPOSERS, "--tracks");
			tracks = (int)mlv_parse_int(optarg, 1, 99, "--tracks");
			break;
		case 'j': threads = mlv_parse_jobs(optarg); break;
		default: mlv_try_help();
		}
	}
	if (optind < argc)
		mlv_usage_error("%s: unexpected argument", argv[optind]);
	if (!outdir || !*outdir)
		mlv_usage_error("-o DIR is required");
	/* Each thread holds a temporary file; mlv_init's list of them is
	 * short. */
	if (threads <= 0)
		threads = mlv_default_threads();
	/* Each thread has one temporary file open at a time, and lib/util
	 * keeps room for 64 to remove at death. */
	if (threads > 32)
		threads = 32;
	make_dir(outdir);
	sine_init();
	switch (corpus) {
	case C_NOTES: make_notes(seconds); break;
	case C_PERFORMERS: make_performers(seconds); break;
	case C_SECTIONS: make_sections(section_seconds); break;
	case C_COMPOSERS: make_composers(composers, tracks, seconds); break;
	}
	return 0;
}
