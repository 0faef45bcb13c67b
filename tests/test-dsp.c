/* test-dsp.c - lib/dsp.c against formulas, known values and librosa.
 *
 * The librosa references are fixtures made by tests/ref/gen_dsp.py (numpy
 * restatements of librosa's formulas) and committed in tests/ref/dsp/.  They
 * are read from $MLV_TEST_REF/dsp, MLV_TEST_REF defaulting to tests/ref:
 * run from the top of the tree, as `make check` does.  A missing fixture is
 * a failure, not a skip.
 */
#include "dsp.h"
#include "test.h"

#include <float.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* ---- fixtures ------------------------------------------------------- */

static void
ref_path(char *buf, size_t size, const char *name, const char *ext)
{
	const char *dir = getenv("MLV_TEST_REF");
	snprintf(buf, size, "%s/dsp/%s%s", dir && *dir ? dir : "tests/ref",
	         name, ext);
}

static void
fixture_error(const char *path, const char *why)
{
	test_failed_checks++;
	printf("#   fixture %s: %s\n", path, why);
}

/* Skip "# ..." comment lines; store the value after "empty filters:" in
 * *empty when asked. */
static void
skip_comments(FILE *f, int *empty)
{
	int c;
	char line[512];
	while ((c = getc(f)) == '#') {
		if (!fgets(line, sizeof line, f))
			return;
		const char *e = strstr(line, "empty filters:");
		if (e && empty)
			*empty = atoi(e + strlen("empty filters:"));
	}
	if (c != EOF)
		ungetc(c, f);
}

/* NAME.f32 (little-endian float32, row-major) with NAME.shape: "rows cols".
 * Returns a malloc'd array, or NULL after failing the test. */
static float *
load_dense(const char *name, size_t *rows, size_t *cols)
{
	char path[4096];
	size_t r, c;

	ref_path(path, sizeof path, name, ".shape");
	FILE *f = fopen(path, "r");
	if (!f) {
		fixture_error(path, "cannot open");
		return NULL;
	}
	skip_comments(f, NULL);
	int ok = fscanf(f, "%zu %zu", &r, &c) == 2;
	fclose(f);
	if (!ok || !r || !c) {
		fixture_error(path, "no \"rows cols\" line");
		return NULL;
	}
	ref_path(path, sizeof path, name, ".f32");
	f = fopen(path, "rb");
	if (!f) {
		fixture_error(path, "cannot open");
		return NULL;
	}
	float *a = malloc(r * c * sizeof *a);
	unsigned char b[4];
	size_t i = 0;
	for (; i < r * c && fread(b, 1, 4, f) == 4; i++) {
		uint32_t u = (uint32_t)b[0] | (uint32_t)b[1] << 8 |
		             (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
		memcpy(&a[i], &u, 4);
	}
	int extra = getc(f) != EOF;
	fclose(f);
	if (i != r * c || extra) {
		fixture_error(path, "size does not match its .shape");
		free(a);
		return NULL;
	}
	*rows = r;
	*cols = c;
	return a;
}

/* NAME.txt: "rows cols", then "row first count values..." per nonzero row. */
static float *
load_sparse(const char *name, size_t *rows, size_t *cols, int *empty)
{
	char path[4096];
	size_t r, c, row, first, count;

	ref_path(path, sizeof path, name, ".txt");
	FILE *f = fopen(path, "r");
	if (!f) {
		fixture_error(path, "cannot open");
		return NULL;
	}
	*empty = -1;
	skip_comments(f, empty);
	if (fscanf(f, "%zu %zu", &r, &c) != 2 || !r || !c) {
		fixture_error(path, "no \"rows cols\" line");
		fclose(f);
		return NULL;
	}
	float *a = calloc(r * c, sizeof *a);
	while (fscanf(f, "%zu %zu %zu", &row, &first, &count) == 3) {
		if (row >= r || first > c || count > c - first)
			goto bad;
		for (size_t i = 0; i < count; i++) {
			double v;
			if (fscanf(f, "%lf", &v) != 1)
				goto bad;
			a[row * c + first + i] = (float)v;
		}
	}
	if (!feof(f))
		goto bad;
	fclose(f);
	*rows = r;
	*cols = c;
	return a;
bad:
	fixture_error(path, "malformed");
	fclose(f);
	free(a);
	return NULL;
}

/* |got - want| <= rtol |want| + atol everywhere; prints the largest
 * differences either way, and the worst entry on failure. */
static void
check_close(const char *what, const float *got, const float *want, size_t n,
            double rtol, double atol)
{
	double maxabs = 0, maxrel = 0;
	size_t bad = 0, worst = 0, at = 0;
	double worst_excess = -1;
	for (size_t i = 0; i < n; i++) {
		double g = got[i], w = want[i], d = fabs(g - w);
		double lim = rtol * fabs(w) + atol;
		if (d > maxabs)
			maxabs = d;
		if (w != 0 && d / fabs(w) > maxrel) {
			maxrel = d / fabs(w);
			at = i;
		}
		if (!(d <= lim)) { /* catches NaN too */
			bad++;
			if (!(d - lim <= worst_excess)) {
				worst_excess = d - lim;
				worst = i;
			}
		}
	}
	printf("#   %s: %zu values, max abs diff %.3g, max rel diff %.3g "
	       "(of %.6g)\n", what, n, maxabs, maxrel, n ? want[at] : 0.0);
	if (bad) {
		test_failed_checks++;
		printf("#   %s: %zu of %zu beyond rtol %g atol %g; worst [%zu]: "
		       "got %.9g, expected %.9g\n", what, bad, n, rtol, atol,
		       worst, got[worst], want[worst]);
	}
}

static float
max_abs(const float *x, size_t n)
{
	float m = 0;
	for (size_t i = 0; i < n; i++)
		if (fabsf(x[i]) > m)
			m = fabsf(x[i]);
	return m;
}

/* The signal of gen_dsp.py's test_signal(): 0.1 s of silence, then two
 * tones and a linear chirp from 100 Hz to 8 kHz, in float64, as float32. */
static void
test_signal(float *x, double sr, size_t n)
{
	double dur = (double)n / sr, f0 = 100.0, f1 = 8000.0;
	size_t silent = (size_t)floor(sr / 10);
	for (size_t i = 0; i < n; i++) {
		double t = (double)i / sr;
		double v = 0.5 * sin(2 * M_PI * 440.0 * t) +
		           0.25 * sin(2 * M_PI * 1234.5 * t + 0.3) +
		           0.2 * sin(2 * M_PI * (f0 * t + (f1 - f0) / (2 * dur) * t * t));
		x[i] = i < silent ? 0 : (float)v;
	}
}

/* A reproducible frame of noise in [-1, 1). */
static void
noise(float *x, size_t n, uint64_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		x[i] = (float)((double)(seed >> 11) / 4503599627370496.0 - 1.0);
	}
}

/* ---- windows -------------------------------------------------------- */

TEST(window_values)
{
	float w[64];
	size_t sizes[] = {8, 7, 64, 2};
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		size_t n = sizes[s];
		CHECK_INT(mlv_window_make(w, n, MLV_WINDOW_HANN), 0);
		for (size_t i = 0; i < n; i++)
			CHECK_NEAR(w[i], 0.5 - 0.5 * cos(2 * M_PI * (double)i / (double)n), 1e-7);
		CHECK_INT(mlv_window_make(w, n, MLV_WINDOW_HAMMING), 0);
		for (size_t i = 0; i < n; i++)
			CHECK_NEAR(w[i], 0.54 - 0.46 * cos(2 * M_PI * (double)i / (double)n), 1e-7);
		CHECK_INT(mlv_window_make(w, n, MLV_WINDOW_BLACKMAN), 0);
		for (size_t i = 0; i < n; i++) {
			double a = 2 * M_PI * (double)i / (double)n;
			CHECK_NEAR(w[i], 0.42 - 0.5 * cos(a) + 0.08 * cos(2 * a), 1e-7);
		}
	}
	/* Periodic, not symmetric: hann(8) starts at 0 and peaks at 1 in the
	 * middle, and has no second zero at the end. */
	mlv_window_make(w, 8, MLV_WINDOW_HANN);
	CHECK(w[0] == 0);
	CHECK(w[4] == 1);
	CHECK_NEAR(w[7], 0.146446609, 1e-7);
	/* scipy: a window of length 1 is {1}. */
	for (int k = 0; k < 3; k++) {
		w[0] = 0;
		CHECK_INT(mlv_window_make(w, 1, (enum mlv_window)k), 0);
		CHECK(w[0] == 1);
	}
	CHECK_INT(mlv_window_make(w, 0, MLV_WINDOW_HANN), -1);
	CHECK_INT(mlv_window_make(w, 8, (enum mlv_window)3), -1);
	CHECK_INT(mlv_window_make(w, 8, (enum mlv_window)-1), -1);
}

TEST(window_names)
{
	enum mlv_window k = MLV_WINDOW_HANN;
	CHECK_INT(mlv_window_parse("blackman", &k), 0);
	CHECK_INT(k, MLV_WINDOW_BLACKMAN);
	CHECK_INT(mlv_window_parse("hamming", &k), 0);
	CHECK_INT(k, MLV_WINDOW_HAMMING);
	CHECK_INT(mlv_window_parse("hann", &k), 0);
	CHECK_INT(k, MLV_WINDOW_HANN);
	CHECK_INT(mlv_window_parse("Hann", &k), -1);
	CHECK_INT(mlv_window_parse("", &k), -1);
	CHECK_INT(k, MLV_WINDOW_HANN);
	CHECK_STR(mlv_window_name(MLV_WINDOW_HAMMING), "hamming");
	CHECK(mlv_window_name((enum mlv_window)7) == NULL);

	enum mlv_pad p = MLV_PAD_NONE;
	CHECK_INT(mlv_pad_parse("reflect", &p), 0);
	CHECK_INT(p, MLV_PAD_REFLECT);
	CHECK_INT(mlv_pad_parse("constant", &p), 0);
	CHECK_INT(p, MLV_PAD_CONSTANT);
	CHECK_INT(mlv_pad_parse("none", &p), 0);
	CHECK_INT(p, MLV_PAD_NONE);
	CHECK_INT(mlv_pad_parse("zeros", &p), -1);
	CHECK_STR(mlv_pad_name(MLV_PAD_REFLECT), "reflect");
	CHECK(mlv_pad_name((enum mlv_pad)3) == NULL);
}

/* ---- framing -------------------------------------------------------- */

TEST(frame_count)
{
	/* librosa: 1 + len(y) // hop centred, 1 + (len(y) - n_fft) // hop not. */
	CHECK_INT(mlv_frame_count(22050, 2048, 512, MLV_PAD_REFLECT), 44);
	CHECK_INT(mlv_frame_count(22050, 2048, 512, MLV_PAD_CONSTANT), 44);
	CHECK_INT(mlv_frame_count(22050, 2048, 512, MLV_PAD_NONE), 40);
	/* The MusicLatentVIS STFT: 600 s at 20 kHz, hop 500. */
	CHECK_INT(mlv_frame_count(12000000, 1000, 500, MLV_PAD_REFLECT), 24001);
	CHECK_INT(mlv_frame_count(10, 8, 3, MLV_PAD_REFLECT), 4);
	CHECK_INT(mlv_frame_count(10, 8, 3, MLV_PAD_NONE), 1);
	CHECK_INT(mlv_frame_count(7, 8, 3, MLV_PAD_NONE), 0);
	/* Odd n_fft: the padding totals n_fft - 1. */
	CHECK_INT(mlv_frame_count(5, 7, 2, MLV_PAD_REFLECT), 3);
	CHECK_INT(mlv_frame_count(0, 7, 2, MLV_PAD_CONSTANT), 0);
	CHECK_INT(mlv_frame_count(0, 8, 2, MLV_PAD_CONSTANT), 1);
	CHECK_INT(mlv_frame_count(100, 0, 2, MLV_PAD_REFLECT), 0);
	CHECK_INT(mlv_frame_count(100, 8, 0, MLV_PAD_REFLECT), 0);
	CHECK_INT(mlv_frame_count(100, 8, 2, (enum mlv_pad)9), 0);
	CHECK_INT(mlv_frame_count(SIZE_MAX - 3, 8, 2, MLV_PAD_REFLECT), 0);
}

static void
check_frame(const float *x, size_t n, size_t t, size_t n_fft, size_t hop,
            enum mlv_pad pad, const float *want)
{
	float out[16];
	int rc = mlv_frame_get(out, x, n, t, n_fft, hop, pad);
	CHECK_INT(rc, 0);
	for (size_t i = 0; rc == 0 && i < n_fft; i++)
		if (out[i] != want[i]) {
			test_failed_checks++;
			printf("#   frame %zu (%s) [%zu]: got %g, expected %g\n", t,
			       mlv_pad_name(pad), i, out[i], want[i]);
		}
}

TEST(frame_reflect)
{
	/* Expected frames are numpy.pad(x, n_fft // 2, mode="reflect") cut
	 * at t*hop. */
	float x[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	float f0[8] = {5, 4, 3, 2, 1, 2, 3, 4};
	float f1[8] = {2, 1, 2, 3, 4, 5, 6, 7};
	float f2[8] = {3, 4, 5, 6, 7, 8, 9, 10};
	float f3[8] = {6, 7, 8, 9, 10, 9, 8, 7};
	check_frame(x, 10, 0, 8, 3, MLV_PAD_REFLECT, f0);
	check_frame(x, 10, 1, 8, 3, MLV_PAD_REFLECT, f1);
	check_frame(x, 10, 2, 8, 3, MLV_PAD_REFLECT, f2);
	check_frame(x, 10, 3, 8, 3, MLV_PAD_REFLECT, f3);
	/* Odd n_fft 7, hop 2 on 1..5. */
	float g0[7] = {4, 3, 2, 1, 2, 3, 4};
	float g1[7] = {2, 1, 2, 3, 4, 5, 4};
	float g2[7] = {2, 3, 4, 5, 4, 3, 2};
	check_frame(x, 5, 0, 7, 2, MLV_PAD_REFLECT, g0);
	check_frame(x, 5, 1, 7, 2, MLV_PAD_REFLECT, g1);
	check_frame(x, 5, 2, 7, 2, MLV_PAD_REFLECT, g2);
	/* Shorter than the padding: numpy reflects again and again. */
	float s0[8] = {1, 2, 3, 2, 1, 2, 3, 2};
	check_frame(x, 3, 0, 8, 4, MLV_PAD_REFLECT, s0);
	float s1[8] = {2, 3, 2, 1, 2, 3, 2, 1}; /* hop 1: frame 1 */
	check_frame(x, 3, 1, 8, 1, MLV_PAD_REFLECT, s1);
	float t2[8] = {1, 2, 1, 2, 1, 2, 1, 2};
	check_frame(x, 2, 0, 8, 4, MLV_PAD_REFLECT, t2);
	float t9[16] = {2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1};
	check_frame(x, 2, 1, 16, 1, MLV_PAD_REFLECT, t9);
	float one[8] = {1, 1, 1, 1, 1, 1, 1, 1};
	check_frame(x, 1, 0, 8, 4, MLV_PAD_REFLECT, one);

	float out[8];
	CHECK_INT(mlv_frame_get(out, x, 10, 4, 8, 3, MLV_PAD_REFLECT), -1);
	CHECK_INT(mlv_frame_get(out, NULL, 0, 0, 8, 3, MLV_PAD_REFLECT), -1);
	CHECK_INT(mlv_frame_get(out, x, 10, 0, 0, 3, MLV_PAD_REFLECT), -1);
	CHECK_INT(mlv_frame_get(out, x, 10, 0, 8, 0, MLV_PAD_REFLECT), -1);
}

TEST(frame_constant)
{
	float x[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	float f0[8] = {0, 0, 0, 0, 1, 2, 3, 4};
	float f1[8] = {0, 1, 2, 3, 4, 5, 6, 7};
	float f3[8] = {6, 7, 8, 9, 10, 0, 0, 0};
	check_frame(x, 10, 0, 8, 3, MLV_PAD_CONSTANT, f0);
	check_frame(x, 10, 1, 8, 3, MLV_PAD_CONSTANT, f1);
	check_frame(x, 10, 3, 8, 3, MLV_PAD_CONSTANT, f3);
	float s0[8] = {0, 0, 0, 0, 1, 2, 3, 0};
	check_frame(x, 3, 0, 8, 4, MLV_PAD_CONSTANT, s0);
	float z[8] = {0};
	check_frame(NULL, 0, 0, 8, 4, MLV_PAD_CONSTANT, z);
	float out[8];
	CHECK_INT(mlv_frame_get(out, x, 10, 4, 8, 3, MLV_PAD_CONSTANT), -1);
}

TEST(frame_uncentred)
{
	float x[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	float f0[4] = {1, 2, 3, 4}, f2[4] = {7, 8, 9, 10};
	check_frame(x, 10, 0, 4, 3, MLV_PAD_NONE, f0);
	check_frame(x, 10, 2, 4, 3, MLV_PAD_NONE, f2);
	float out[8];
	CHECK_INT(mlv_frame_get(out, x, 10, 3, 4, 3, MLV_PAD_NONE), -1);
	CHECK_INT(mlv_frame_get(out, x, 7, 0, 8, 3, MLV_PAD_NONE), -1);
}

/* ---- STFT ----------------------------------------------------------- */

TEST(stft_tone)
{
	/* A sine of amplitude A at bin k's frequency, whole-frame window:
	 * |X_k| = A sum(w)/2, and for hann (W = N/2 at 0, -N/4 at +-1) the
	 * neighbours get A N/8 and every other bin 0. */
	enum { N = 256, K = 16 };
	const double A = 0.7;
	float x[N], mag[N / 2 + 1], pw[N / 2 + 1];
	for (int i = 0; i < N; i++)
		x[i] = (float)(A * sin(2 * M_PI * K * i / N + 0.4));

	struct { enum mlv_window k; double sum; } cases[] = {
		{MLV_WINDOW_HANN, 0.5 * N},
		{MLV_WINDOW_HAMMING, 0.54 * N},
		{MLV_WINDOW_BLACKMAN, 0.42 * N},
	};
	for (size_t c = 0; c < 3; c++) {
		mlv_stft *st = mlv_stft_new(N, N, cases[c].k);
		CHECK(st != NULL);
		if (!st)
			continue;
		CHECK_INT(mlv_stft_bins(st), N / 2 + 1);
		CHECK_INT(mlv_stft_n_fft(st), N);
		CHECK_INT(mlv_stft_do(st, x, mag, 1), 0);
		CHECK_INT(mlv_stft_do(st, x, pw, 2), 0);
		CHECK_NEAR(mag[K], A * cases[c].sum / 2, 1e-5);
		CHECK_NEAR(pw[K], mag[K] * mag[K], 1e-6);
		if (cases[c].k == MLV_WINDOW_HANN) {
			CHECK_NEAR(mag[K - 1], A * N / 8, 1e-5);
			CHECK_NEAR(mag[K + 1], A * N / 8, 1e-5);
			float far = 0;
			for (int k = 0; k <= N / 2; k++)
				if ((k < K - 1 || k > K + 1) && mag[k] > far)
					far = mag[k];
			CHECK(far < 1e-5 * mag[K]);
		}
		mlv_stft_free(st);
	}
}

/* The one-sided DFT of the windowed frame, in double, as the definition. */
static void
naive_stft(const float *frame, size_t n_fft, size_t win, enum mlv_window kind,
           float *out, int power)
{
	float w[1024];
	mlv_window_make(w, win, kind);
	size_t lo = (n_fft - win) / 2;
	for (size_t k = 0; k <= n_fft / 2; k++) {
		double re = 0, im = 0;
		for (size_t i = 0; i < win; i++) {
			double v = (double)frame[lo + i] * w[i];
			double a = -2 * M_PI * (double)((k * (lo + i)) % n_fft) / (double)n_fft;
			re += v * cos(a);
			im += v * sin(a);
		}
		double p = re * re + im * im;
		out[k] = (float)(power == 2 ? p : sqrt(p));
	}
}

TEST(stft_vs_dft)
{
	struct { size_t n_fft, win; enum mlv_window k; } cases[] = {
		{16, 16, MLV_WINDOW_HANN},
		{16, 10, MLV_WINDOW_HAMMING},
		{15, 9, MLV_WINDOW_BLACKMAN},
		{15, 15, MLV_WINDOW_HANN},
		{2, 1, MLV_WINDOW_HANN},
		{1000, 500, MLV_WINDOW_HANN},
		{999, 601, MLV_WINDOW_HAMMING},
	};
	float frame[1000], got[501], want[501];
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		size_t n = cases[c].n_fft, nb = n / 2 + 1;
		noise(frame, n, c + 1);
		mlv_stft *st = mlv_stft_new(n, cases[c].win, cases[c].k);
		CHECK(st != NULL);
		if (!st)
			continue;
		/* The padded window sits at (n_fft - win)/2. */
		const float *w = mlv_stft_window(st);
		size_t lo = (n - cases[c].win) / 2;
		CHECK(lo == 0 || w[lo - 1] == 0);
		CHECK(lo + cases[c].win == n || w[lo + cases[c].win] == 0);
		for (int power = 1; power <= 2; power++) {
			char what[64];
			CHECK_INT(mlv_stft_do(st, frame, got, power), 0);
			naive_stft(frame, n, cases[c].win, cases[c].k, want, power);
			snprintf(what, sizeof what, "n_fft %zu win %zu power %d", n,
			         cases[c].win, power);
			check_close(what, got, want, nb, 0, 2e-6 * max_abs(want, nb));
		}
		mlv_stft_free(st);
	}
}

TEST(stft_parseval)
{
	/* sum_k |X_k|^2 over all n_fft bins = n_fft sum_i (w_i x_i)^2, with
	 * bins 1 .. n_fft/2 - 1 counted twice in the one-sided spectrum. */
	enum { N = 1000 };
	float frame[N], pw[N / 2 + 1];
	noise(frame, N, 42);
	mlv_stft *st = mlv_stft_new(N, 500, MLV_WINDOW_HANN);
	CHECK(st != NULL);
	if (!st)
		return;
	mlv_stft_do(st, frame, pw, 2);
	const float *w = mlv_stft_window(st);
	double time = 0, freq = pw[0] + pw[N / 2];
	for (int i = 0; i < N; i++)
		time += (double)w[i] * w[i] * frame[i] * frame[i];
	for (int k = 1; k < N / 2; k++)
		freq += 2.0 * pw[k];
	CHECK_NEAR(freq / N / time, 1.0, 1e-6);
	/* DC is the windowed sum. */
	double dc = 0;
	for (int i = 0; i < N; i++)
		dc += (double)w[i] * frame[i];
	CHECK_NEAR(sqrt(pw[0]), fabs(dc), 1e-4);
	mlv_stft_free(st);
}

TEST(stft_bad_parameters)
{
	CHECK(mlv_stft_new(0, 0, MLV_WINDOW_HANN) == NULL);
	CHECK(mlv_stft_new(0, 1, MLV_WINDOW_HANN) == NULL);
	CHECK(mlv_stft_new(1, 1, MLV_WINDOW_HANN) == NULL);
	CHECK(mlv_stft_new(1024, 0, MLV_WINDOW_HANN) == NULL);
	CHECK(mlv_stft_new(1024, 1025, MLV_WINDOW_HANN) == NULL);
	CHECK(mlv_stft_new(1024, 512, (enum mlv_window)5) == NULL);
	CHECK(mlv_stft_new((size_t)INT_MAX + 1, 512, MLV_WINDOW_HANN) == NULL);
	CHECK(mlv_stft_clone(NULL) == NULL);
	mlv_stft_free(NULL);

	mlv_stft *st = mlv_stft_new(64, 64, MLV_WINDOW_HANN);
	float frame[64] = {0}, out[33];
	CHECK_INT(mlv_stft_do(st, frame, out, 0), -1);
	CHECK_INT(mlv_stft_do(st, frame, out, 3), -1);
	CHECK_INT(mlv_stft_do(st, frame, out, 2), 0);
	mlv_stft_free(st);
}

/* One thread's share of a spectrogram, with its own clone of the STFT. */
typedef struct {
	const mlv_stft *proto;
	const float *x;
	size_t n, t0, t1;
	float *out;
	int rc;
} stft_job;

static void *
stft_worker(void *arg)
{
	stft_job *j = arg;
	mlv_stft *st = mlv_stft_clone(j->proto);
	float frame[1000];
	j->rc = st ? 0 : -1;
	for (size_t t = j->t0; st && t < j->t1; t++) {
		j->rc |= mlv_frame_get(frame, j->x, j->n, t, 1000, 500, MLV_PAD_REFLECT);
		j->rc |= mlv_stft_do(st, frame, j->out + t * 501, 2);
	}
	mlv_stft_free(st);
	return NULL;
}

TEST(stft_threads)
{
	/* Four threads with their own clones give what one STFT gives. */
	enum { N = 40000, T = 81, NT = 4 };
	float *x = malloc(N * sizeof *x), frame[1000];
	float *one = malloc((size_t)T * 501 * sizeof *one);
	float *many = malloc((size_t)T * 501 * sizeof *many);
	test_signal(x, 20000, N);
	CHECK_INT(mlv_frame_count(N, 1000, 500, MLV_PAD_REFLECT), T);
	mlv_stft *st = mlv_stft_new(1000, 500, MLV_WINDOW_HANN);
	for (size_t t = 0; t < T; t++) {
		mlv_frame_get(frame, x, N, t, 1000, 500, MLV_PAD_REFLECT);
		mlv_stft_do(st, frame, one + t * 501, 2);
	}
	pthread_t tid[NT];
	stft_job jobs[NT];
	for (int i = 0; i < NT; i++) {
		jobs[i] = (stft_job){st, x, N, (size_t)T * i / NT,
		                     (size_t)T * (i + 1) / NT, many, 0};
		CHECK_INT(pthread_create(&tid[i], NULL, stft_worker, &jobs[i]), 0);
	}
	for (int i = 0; i < NT; i++) {
		pthread_join(tid[i], NULL);
		CHECK_INT(jobs[i].rc, 0);
	}
	CHECK(memcmp(one, many, (size_t)T * 501 * sizeof *one) == 0);
	mlv_stft_free(st);
	free(x);
	free(one);
	free(many);
}

/* ---- mel ------------------------------------------------------------ */

static void
check_mel(const char *name, double sr, size_t n_fft, size_t n_mels,
          double fmin, double fmax, int htk, int slaney)
{
	size_t rows, cols, nb = n_fft / 2 + 1;
	int empty;
	float *want = load_sparse(name, &rows, &cols, &empty);
	if (!want)
		return;
	CHECK_INT(rows, n_mels);
	CHECK_INT(cols, nb);
	float *got = malloc(n_mels * nb * sizeof *got);
	int rc = mlv_mel_filters(got, sr, n_fft, n_mels, fmin, fmax, htk, slaney);
	CHECK_INT(rc, empty);
	if (rc >= 0 && rows == n_mels && cols == nb) {
		check_close(name, got, want, n_mels * nb, 1e-6, 1e-7);
		/* The zeros are exact. */
		for (size_t i = 0; i < n_mels * nb; i++)
			if ((want[i] == 0) != (got[i] == 0)) {
				test_failed_checks++;
				printf("#   %s [%zu]: got %g, expected %g\n", name, i,
				       got[i], want[i]);
				break;
			}
	}
	free(got);
	free(want);
}

TEST(mel_filters)
{
	check_mel("mel_22050_2048_128_slaney", 22050, 2048, 128, 0, 0, 0, 1);
	check_mel("mel_22050_2048_128_none", 22050, 2048, 128, 0, 11025, 0, 0);
	check_mel("mel_20000_1000_64_htk_slaney", 20000, 1000, 64, 30, 8000, 1, 1);
	check_mel("mel_20000_1000_64_htk_none", 20000, 1000, 64, 30, 8000, 1, 0);
	check_mel("mel_8000_128_128_empty", 8000, 128, 128, 0, -1, 0, 1);
}

TEST(mel_known_values)
{
	/* Unnormalised triangles peak at 1 at most and overlap so that,
	 * between the first and last centres, each bin's weights sum to 1. */
	enum { NM = 40, NF = 512, NB = NF / 2 + 1 };
	static float w[NM * NB];
	CHECK_INT(mlv_mel_filters(w, 16000, NF, NM, 0, 0, 1, 0), 0);
	float peak = max_abs(w, NM * NB);
	CHECK(peak <= 1 && peak > 0.9f);
	/* HTK band centres: 700 (10^(m/2595) - 1) at m = 2595 log10(1 +
	 * 8000/700) (i + 1)/(NM + 1); bins between centres 2 and NM-1 sum
	 * to one. */
	double top = 2595 * log10(1 + 8000.0 / 700);
	double c2 = 700 * (pow(10, top * 3 / (NM + 1) / 2595) - 1);
	double clast = 700 * (pow(10, top * NM / (NM + 1) / 2595) - 1);
	for (size_t k = 0; k < NB; k++) {
		double f = k * 16000.0 / NF, s = 0;
		if (f < c2 || f > clast)
			continue;
		for (size_t m = 0; m < NM; m++)
			s += w[m * NB + k];
		CHECK_NEAR(s, 1.0, 1e-6);
	}
	/* Slaney area normalisation: each triangle's weights times its width
	 * over 2 are the unnormalised ones. */
	static float ws[NM * NB];
	CHECK_INT(mlv_mel_filters(ws, 16000, NF, NM, 0, 0, 1, 1), 0);
	for (size_t m = 0; m < NM; m++) {
		double lo = 700 * (pow(10, top * m / (NM + 1) / 2595) - 1);
		double hi = 700 * (pow(10, top * (m + 2) / (NM + 1) / 2595) - 1);
		for (size_t k = 0; k < NB; k++)
			CHECK_NEAR(ws[m * NB + k] * (hi - lo) / 2, w[m * NB + k], 1e-5);
	}
	/* fmax <= 0 is sr/2. */
	static float w2[NM * NB];
	mlv_mel_filters(w2, 16000, NF, NM, 0, 8000, 1, 0);
	CHECK(memcmp(w, w2, sizeof w) == 0);
}

TEST(mel_bad_parameters)
{
	static float w[128 * 1025];
	CHECK_INT(mlv_mel_filters(w, 22050, 0, 128, 0, 0, 0, 1), -1);
	CHECK_INT(mlv_mel_filters(w, 22050, 1, 128, 0, 0, 0, 1), -1);
	CHECK_INT(mlv_mel_filters(w, 22050, 2048, 0, 0, 0, 0, 1), -1);
	CHECK_INT(mlv_mel_filters(w, 22050, 2048, 128, 0, 11026, 0, 1), -1);
	CHECK_INT(mlv_mel_filters(w, 22050, 2048, 128, -1, 8000, 0, 1), -1);
	CHECK_INT(mlv_mel_filters(w, 22050, 2048, 128, 8000, 8000, 0, 1), -1);
	CHECK_INT(mlv_mel_filters(w, 22050, 2048, 128, 9000, 8000, 0, 1), -1);
	CHECK_INT(mlv_mel_filters(w, 22050, 2048, 128, NAN, 8000, 0, 1), -1);
	CHECK_INT(mlv_mel_filters(w, 22050, 2048, 128, 0, NAN, 0, 1), -1);
	CHECK_INT(mlv_mel_filters(w, 0, 2048, 128, 0, 0, 0, 1), -1);
	CHECK_INT(mlv_mel_filters(w, -22050, 2048, 128, 0, 0, 0, 1), -1);
	CHECK_INT(mlv_mel_filters(w, INFINITY, 2048, 128, 0, 0, 0, 1), -1);
	CHECK_INT(mlv_mel_filters(w, 22050, 2048, SIZE_MAX / 4, 0, 0, 0, 1), -1);
	CHECK_INT(mlv_mel_filters(w, 22050, 2048, 128, 0, 11025, 0, 1), 0);
}

/* ---- chroma --------------------------------------------------------- */

TEST(chroma_filters)
{
	struct { const char *name; double sr; size_t n_fft; } cases[] = {
		{"chroma_22050_2048", 22050, 2048},
		{"chroma_20000_1000", 20000, 1000},
	};
	for (size_t c = 0; c < 2; c++) {
		size_t rows, cols, nb = cases[c].n_fft / 2 + 1;
		float *want = load_dense(cases[c].name, &rows, &cols);
		if (!want)
			continue;
		CHECK_INT(rows, MLV_CHROMA_BINS);
		CHECK_INT(cols, nb);
		float *got = malloc(MLV_CHROMA_BINS * nb * sizeof *got);
		CHECK_INT(mlv_chroma_filters(got, cases[c].sr, cases[c].n_fft, 0), 0);
		if (rows * cols == MLV_CHROMA_BINS * nb)
			check_close(cases[c].name, got, want, rows * cols, 1e-6, 1e-7);
		free(got);
		free(want);
	}
	float w[12 * 2];
	CHECK_INT(mlv_chroma_filters(w, 22050, 0, 0), -1);
	CHECK_INT(mlv_chroma_filters(w, 22050, 1, 0), -1);
	CHECK_INT(mlv_chroma_filters(w, 0, 2, 0), -1);
	CHECK_INT(mlv_chroma_filters(w, NAN, 2, 0), -1);
	CHECK_INT(mlv_chroma_filters(w, 22050, 2, NAN), -1);
	CHECK_INT(mlv_chroma_filters(w, 22050, 2, 0), 0);
}

TEST(chroma_known_values)
{
	/* A bin at 440 Hz (A4) weighs most on A, 9 semitones above C.  A
	 * tuning of +1 bin moves A up to 466 Hz, which leaves 440 Hz a
	 * semitone below it, on G#. */
	enum { NF = 8000, NB = NF / 2 + 1 };
	static float w[12 * NB];
	size_t k = 176; /* 176 * 20000 / 8000 = 440 Hz */
	CHECK_INT(mlv_chroma_filters(w, 20000, NF, 0), 0);
	int best = 0;
	for (int c = 1; c < 12; c++)
		if (w[c * NB + k] > w[best * NB + k])
			best = c;
	CHECK_INT(best, 9);
	CHECK_INT(mlv_chroma_filters(w, 20000, NF, 1), 0);
	best = 0;
	for (int c = 1; c < 12; c++)
		if (w[c * NB + k] > w[best * NB + k])
			best = c;
	CHECK_INT(best, 8);
}

TEST(normalize_max)
{
	float x[4] = {0.5f, -2.0f, 1.0f, 0.0f};
	mlv_normalize_max(x, 4);
	CHECK(x[0] == 0.25f && x[1] == -1.0f && x[2] == 0.5f && x[3] == 0);
	/* Silence and values below FLT_MIN are left alone. */
	float z[3] = {0, 0, 0};
	mlv_normalize_max(z, 3);
	CHECK(z[0] == 0 && z[1] == 0 && z[2] == 0);
	float d[2] = {1e-40f, -5e-41f};
	mlv_normalize_max(d, 2);
	CHECK(d[0] == 1e-40f && d[1] == -5e-41f);
	float m[2] = {FLT_MIN, FLT_MIN / 2};
	mlv_normalize_max(m, 2);
	CHECK(m[0] == 1 && m[1] == 0.5f);
	mlv_normalize_max(NULL, 0);
}

TEST(chroma_stft)
{
	size_t fr, nt, cr, ct;
	float *S = load_dense("chroma_pow_in", &fr, &nt);
	float *want = load_dense("chroma_out", &cr, &ct);
	if (!S || !want || fr != 1025 || cr != 12 || ct != nt) {
		CHECK(S && want && fr == 1025 && cr == 12 && ct == nt);
		free(S);
		free(want);
		return;
	}
	static float fb[12 * 1025];
	mlv_chroma_filters(fb, 22050, 2048, 0);
	mlv_fbank *bank = mlv_fbank_new(fb, 12, 1025);
	float *got = malloc(12 * nt * sizeof *got), in[1025], c[12];
	for (size_t t = 0; t < nt; t++) {
		/* The fixture is (bins, frames) as librosa: gather a column. */
		for (size_t f = 0; f < 1025; f++)
			in[f] = S[f * nt + t];
		mlv_fbank_do(bank, in, c);
		mlv_normalize_max(c, 12);
		for (size_t i = 0; i < 12; i++)
			got[i * nt + t] = c[i];
	}
	check_close("chroma_out", got, want, 12 * nt, 1e-6, 1e-7);
	/* Frame 3 is silent and frame 4 below FLT_MIN: neither is scaled. */
	for (size_t i = 0; i < 12; i++) {
		CHECK(got[i * nt + 3] == 0);
		CHECK(got[i * nt + 4] < 1e-30f);
	}
	mlv_fbank_free(bank);
	free(got);
	free(S);
	free(want);
}

/* ---- filter banks, DCT ---------------------------------------------- */

TEST(fbank)
{
	enum { R = 5, C = 13 };
	float w[R * C], in[C], got[R];
	noise(w, R * C, 7);
	noise(in, C, 8);
	/* Ragged zero borders, and one all-zero row. */
	for (int c = 0; c < C; c++) {
		if (c < 3)
			w[0 * C + c] = 0;
		if (c > 9)
			w[1 * C + c] = 0;
		w[2 * C + c] = 0;
		if (c != 6)
			w[3 * C + c] = 0;
	}
	mlv_fbank *fb = mlv_fbank_new(w, R, C);
	CHECK(fb != NULL);
	if (!fb)
		return;
	CHECK_INT(mlv_fbank_rows(fb), R);
	CHECK_INT(mlv_fbank_cols(fb), C);
	float keep[R * C];
	memcpy(keep, w, sizeof w);
	for (int i = 0; i < R * C; i++)
		w[i] = 99; /* the bank works on its own copy */
	mlv_fbank_do(fb, in, got);
	for (int r = 0; r < R; r++) {
		double s = 0;
		for (int c = 0; c < C; c++)
			s += (double)keep[r * C + c] * in[c];
		CHECK_NEAR(got[r], s, 1e-6);
	}
	CHECK(got[2] == 0);
	mlv_fbank_free(fb);
	mlv_fbank_free(NULL);
	CHECK(mlv_fbank_new(w, 0, C) == NULL);
	CHECK(mlv_fbank_new(w, R, 0) == NULL);
	CHECK(mlv_fbank_new(w, SIZE_MAX / 2, 3) == NULL);
}

TEST(dct_ortho)
{
	enum { N = 32 };
	static float d[N * N];
	CHECK_INT(mlv_dct_ortho_matrix(d, N, N), 0);
	/* Orthonormal: D D^T = I. */
	double worst = 0;
	for (int a = 0; a < N; a++)
		for (int b = 0; b < N; b++) {
			double s = 0;
			for (int i = 0; i < N; i++)
				s += (double)d[a * N + i] * d[b * N + i];
			double e = fabs(s - (a == b));
			if (e > worst)
				worst = e;
		}
	CHECK(worst < 1e-6);
	/* Row 0 is the scaled mean; row k is sqrt(2/N) cos(pi k (2i+1)/2N). */
	CHECK_NEAR(d[0], 1 / sqrt(N), 1e-7);
	CHECK_NEAR(d[3 * N + 5], sqrt(2.0 / N) * cos(M_PI * 3 * 11 / (2.0 * N)), 1e-7);
	/* A constant input has only a DC coefficient: sqrt(N) times it. */
	float ones[N], out[N];
	for (int i = 0; i < N; i++)
		ones[i] = 2;
	mlv_fbank *fb = mlv_fbank_new(d, N, N);
	mlv_fbank_do(fb, ones, out);
	CHECK_NEAR(out[0], 2 * sqrt(N), 1e-6);
	for (int k = 1; k < N; k++)
		CHECK_NEAR(out[k], 0, 1e-6);
	mlv_fbank_free(fb);
	CHECK_INT(mlv_dct_ortho_matrix(d, 0, N), -1);
	CHECK_INT(mlv_dct_ortho_matrix(d, N + 1, N), -1);
	CHECK_INT(mlv_dct_ortho_matrix(d, 1, 0), -1);
	CHECK_INT(mlv_dct_ortho_matrix(d, 1, 1), 0);
	CHECK(d[0] == 1);
}

/* ---- scaling -------------------------------------------------------- */

TEST(log1p)
{
	float x[4] = {0, (float)(M_E - 1), 1e-8f, 99};
	mlv_log1p(x, 4);
	CHECK(x[0] == 0);
	CHECK_NEAR(x[1], 1, 1e-7);
	CHECK_NEAR(x[2], 1e-8, 1e-14);
	CHECK_NEAR(x[3], log(100), 1e-7);
	/* Within 2 ulp of the exact value over the range spectra take. */
	double worst = 0;
	for (int i = 0; i <= 2000; i++) {
		float v = (float)pow(10, -10 + i * 0.008), y = v;
		mlv_log1p(&y, 1);
		double e = fabs(y - log1p((double)v)) / log1p((double)v);
		worst = e > worst ? e : worst;
	}
	CHECK(worst < 2.4e-7);
}

TEST(db_known_values)
{
	float x[5] = {100, 1, 1e-3f, 0, 1e-12f};
	CHECK_INT(mlv_power_to_db(x, 5, 1, 1e-10, -1), 0);
	CHECK_NEAR(x[0], 20, 1e-6);
	CHECK(x[1] == 0);
	CHECK_NEAR(x[2], -30, 1e-5);
	CHECK_NEAR(x[3], -100, 1e-5); /* amin */
	CHECK_NEAR(x[4], -100, 1e-5);
	float y[3] = {100, 1, 1e-3f};
	CHECK_INT(mlv_power_to_db(y, 3, 10, 1e-10, 25), 0);
	CHECK_NEAR(y[0], 10, 1e-6);
	CHECK_NEAR(y[1], -10, 1e-6);
	CHECK_NEAR(y[2], -15, 1e-6); /* clipped: 25 dB below the peak */
	float a[3] = {-10, 1, 0};
	CHECK_INT(mlv_amplitude_to_db(a, 3, 1, 1e-5, 80), 0);
	CHECK_NEAR(a[0], 20, 1e-6);
	CHECK(a[1] == 0);
	CHECK_NEAR(a[2], -60, 1e-5); /* not -100: 80 dB below the peak */
	/* Bad amin or NaN leaves x alone. */
	float b[2] = {3, 4};
	CHECK_INT(mlv_power_to_db(b, 2, 1, 0, 80), -1);
	CHECK_INT(mlv_power_to_db(b, 2, 1, -1, 80), -1);
	CHECK_INT(mlv_power_to_db(b, 2, NAN, 1e-10, 80), -1);
	CHECK_INT(mlv_power_to_db(b, 2, 1, 1e-10, NAN), -1);
	CHECK_INT(mlv_amplitude_to_db(b, 2, 1, 0, 80), -1);
	CHECK_INT(mlv_amplitude_to_db(b, 2, 1, 1e-200, 80), -1); /* amin^2 = 0 */
	CHECK(b[0] == 3 && b[1] == 4);
	CHECK_INT(mlv_power_to_db(NULL, 0, 1, 1e-10, 80), 0);
}

TEST(db_librosa)
{
	struct { const char *in, *name; int amp; double ref, amin, top; } cases[] = {
		{"db_in", "power_to_db_default", 0, 1.0, 1e-10, 80},
		{"db_in", "power_to_db_ref", 0, 3.5, 1e-6, 40},
		{"db_in", "power_to_db_none", 0, 1e-3, 1e-12, -1},
		{"db_in", "power_to_db_tiny_ref", 0, 1e-20, 1e-10, 120},
		{"amp_in", "amplitude_to_db_default", 1, 1.0, 1e-5, 80},
		{"amp_in", "amplitude_to_db_ref", 1, -2.0, 1e-3, 30},
		{"amp_in", "amplitude_to_db_none", 1, 0.5, 1e-7, -1},
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		size_t r, n, r2, n2;
		float *x = load_dense(cases[c].in, &r, &n);
		float *want = load_dense(cases[c].name, &r2, &n2);
		if (x && want && r * n == r2 * n2) {
			int rc = cases[c].amp ?
			    mlv_amplitude_to_db(x, n, cases[c].ref, cases[c].amin, cases[c].top) :
			    mlv_power_to_db(x, n, cases[c].ref, cases[c].amin, cases[c].top);
			CHECK_INT(rc, 0);
			/* 1e-6 of the dB range: librosa computes in float32. */
			check_close(cases[c].name, x, want, n, 1e-6, 1e-5);
		} else {
			CHECK(x && want && r * n == r2 * n2);
		}
		free(x);
		free(want);
	}
}

/* ---- MFCC ----------------------------------------------------------- */

TEST(mfcc)
{
	size_t nm, nt, r, c, r2, c2;
	float *S = load_dense("mfcc_mel_in", &nm, &nt);
	float *want_db = load_dense("mfcc_db", &r, &c);
	float *want = load_dense("mfcc_13", &r2, &c2);
	if (!S || !want_db || !want || r != nm || c != nt || r2 != 13 || c2 != nt) {
		CHECK(S && want_db && want && r == nm && c == nt && r2 == 13 &&
		      c2 == nt);
		goto done;
	}
	/* librosa.feature.mfcc(S=power_to_db(S)): dB over the whole
	 * spectrogram (top_db against its global peak), then the DCT down
	 * each column. */
	CHECK_INT(mlv_power_to_db(S, nm * nt, 1, 1e-10, 80), 0);
	check_close("mfcc_db", S, want_db, nm * nt, 1e-6, 1e-5);
	float *d = malloc(13 * nm * sizeof *d), *got = malloc(13 * nt * sizeof *got);
	float *col = malloc(nm * sizeof *col), out[13];
	CHECK_INT(mlv_dct_ortho_matrix(d, 13, nm), 0);
	mlv_fbank *fb = mlv_fbank_new(d, 13, nm);
	for (size_t t = 0; t < nt; t++) {
		for (size_t m = 0; m < nm; m++)
			col[m] = S[m * nt + t];
		mlv_fbank_do(fb, col, out);
		for (size_t k = 0; k < 13; k++)
			got[k * nt + t] = out[k];
	}
	check_close("mfcc_13", got, want, 13 * nt, 1e-6, 1e-5);
	mlv_fbank_free(fb);
	free(d);
	free(got);
	free(col);
done:
	free(S);
	free(want_db);
	free(want);
}

/* ---- whole pipelines ------------------------------------------------ */

/* Spectrogram of x, (frames, bins) row-major. */
static float *
spectrogram(const float *x, size_t n, size_t n_fft, size_t win, size_t hop,
            enum mlv_window kind, enum mlv_pad pad, int power, size_t *nt)
{
	size_t nb = n_fft / 2 + 1;
	*nt = mlv_frame_count(n, n_fft, hop, pad);
	float *S = malloc(*nt * nb * sizeof *S), *frame = malloc(n_fft * sizeof *frame);
	mlv_stft *st = mlv_stft_new(n_fft, win, kind);
	for (size_t t = 0; t < *nt; t++) {
		CHECK_INT(mlv_frame_get(frame, x, n, t, n_fft, hop, pad), 0);
		CHECK_INT(mlv_stft_do(st, frame, S + t * nb, power), 0);
	}
	mlv_stft_free(st);
	free(frame);
	return S;
}

/* Apply a bank to every frame: (frames, cols) in, (rows, frames) out, the
 * layout of librosa's features. */
static float *
apply_bank(const float *w, size_t rows, size_t cols, const float *S, size_t nt)
{
	mlv_fbank *fb = mlv_fbank_new(w, rows, cols);
	float *out = malloc(rows * nt * sizeof *out), *o = malloc(rows * sizeof *o);
	for (size_t t = 0; t < nt; t++) {
		mlv_fbank_do(fb, S + t * cols, o);
		for (size_t r = 0; r < rows; r++)
			out[r * nt + t] = o[r];
	}
	mlv_fbank_free(fb);
	free(o);
	return out;
}

/* Compare with a fixture of the given shape; relative to the whole
 * fixture's scale when scaled (power spectra), else to max(1, |want|). */
static void
check_fixture(const char *name, const float *got, size_t rows, size_t cols,
              double tol, int scaled)
{
	size_t r, c;
	float *want = load_dense(name, &r, &c);
	if (!want)
		return;
	if (r != rows || c != cols) {
		test_failed_checks++;
		printf("#   %s: shape %zux%zu, expected %zux%zu\n", name, r, c,
		       rows, cols);
	} else if (scaled) {
		check_close(name, got, want, r * c, tol, tol * max_abs(want, r * c));
	} else {
		check_close(name, got, want, r * c, tol, tol);
	}
	free(want);
}

TEST(pipeline_librosa_defaults)
{
	/* librosa's defaults: sr 22050, n_fft 2048, hop 512, hann, centred,
	 * 128 Slaney mels, power_to_db, 20 MFCCs, chroma with tuning 0; both
	 * pad modes. */
	enum { SR = 22050, N = 22050, NF = 2048, NB = NF / 2 + 1, HOP = 512 };
	float *x = malloc(N * sizeof *x);
	test_signal(x, SR, N);
	size_t r, c;
	float *samples = load_dense("sig_a_samples", &r, &c);
	if (samples) {
		float pick[23];
		for (size_t i = 0; i < 23 && i < c; i++)
			pick[i] = x[i * 1000];
		CHECK_INT(c, 23);
		check_close("sig_a_samples", pick, samples, 23, 1e-7, 1e-7);
		free(samples);
	}
	static float mel[128 * NB], chroma[12 * NB], dct[20 * 128];
	CHECK_INT(mlv_mel_filters(mel, SR, NF, 128, 0, 0, 0, 1), 0);
	CHECK_INT(mlv_chroma_filters(chroma, SR, NF, 0), 0);
	CHECK_INT(mlv_dct_ortho_matrix(dct, 20, 128), 0);

	enum mlv_pad pads[2] = {MLV_PAD_CONSTANT, MLV_PAD_REFLECT};
	for (int p = 0; p < 2; p++) {
		char name[64];
		const char *pn = mlv_pad_name(pads[p]);
		size_t nt;
		float *S = spectrogram(x, N, NF, NF, HOP, MLV_WINDOW_HANN, pads[p], 2, &nt);
		CHECK_INT(nt, 44);
		size_t sel[10] = {0, 1, 2, 3, 4, 5, nt / 2, nt - 3, nt - 2, nt - 1};
		float *frames = malloc(10 * NB * sizeof *frames);
		for (int i = 0; i < 10; i++)
			memcpy(frames + i * NB, S + sel[i] * NB, NB * sizeof *frames);
		snprintf(name, sizeof name, "a_%s_power_frames", pn);
		check_fixture(name, frames, 10, NB, 1e-5, 1);

		float *M = apply_bank(mel, 128, NB, S, nt);
		float *C = apply_bank(chroma, 12, NB, S, nt);
		for (size_t t = 0; t < nt; t++) {
			float col[12];
			for (int i = 0; i < 12; i++)
				col[i] = C[i * nt + t];
			mlv_normalize_max(col, 12);
			for (int i = 0; i < 12; i++)
				C[i * nt + t] = col[i];
		}
		snprintf(name, sizeof name, "a_%s_chroma", pn);
		check_fixture(name, C, 12, nt, 1e-4, 0);

		CHECK_INT(mlv_power_to_db(M, 128 * nt, 1, 1e-10, 80), 0);
		snprintf(name, sizeof name, "a_%s_mel_db", pn);
		check_fixture(name, M, 128, nt, 1e-4, 0);

		/* (mels, frames) to (frames, mels) for the DCT. */
		float *Mt = malloc(128 * nt * sizeof *Mt);
		for (size_t t = 0; t < nt; t++)
			for (size_t m = 0; m < 128; m++)
				Mt[t * 128 + m] = M[m * nt + t];
		float *F = apply_bank(dct, 20, 128, Mt, nt);
		snprintf(name, sizeof name, "a_%s_mfcc", pn);
		check_fixture(name, F, 20, nt, 1e-4, 0);
		free(S);
		free(frames);
		free(M);
		free(C);
		free(Mt);
		free(F);
	}
	free(x);
}

TEST(pipeline_musiclatentvis)
{
	/* sr 20000, n_fft 1000, hann of 500 centred in the frame, hop 500,
	 * reflect; magnitude; 64 HTK mels from 30 Hz to 8 kHz in dB. */
	enum { SR = 20000, N = 12000, NF = 1000, NB = NF / 2 + 1 };
	float *x = malloc(N * sizeof *x);
	test_signal(x, SR, N);
	size_t nt;
	float *S = spectrogram(x, N, NF, 500, 500, MLV_WINDOW_HANN, MLV_PAD_REFLECT, 1, &nt);
	CHECK_INT(nt, 25);
	check_fixture("b_mag", S, nt, NB, 1e-5, 1);
	for (size_t i = 0; i < nt * NB; i++)
		S[i] *= S[i];
	static float mel[64 * NB];
	CHECK_INT(mlv_mel_filters(mel, SR, NF, 64, 30, 8000, 1, 1), 0);
	float *M = apply_bank(mel, 64, NB, S, nt);
	CHECK_INT(mlv_power_to_db(M, 64 * nt, 1, 1e-10, 80), 0);
	check_fixture("b_mel_db", M, 64, nt, 1e-4, 0);
	free(M);
	free(S);

	/* Odd n_fft (complex FFT), a shorter Hamming window, uncentred. */
	S = spectrogram(x, 3001, 999, 601, 250, MLV_WINDOW_HAMMING, MLV_PAD_NONE, 2, &nt);
	CHECK_INT(nt, 9);
	check_fixture("c_power", S, nt, 500, 1e-5, 1);
	free(S);
	free(x);
}

int
main(void)
{
	RUN(window_values);
	RUN(window_names);
	RUN(frame_count);
	RUN(frame_reflect);
	RUN(frame_constant);
	RUN(frame_uncentred);
	RUN(stft_tone);
	RUN(stft_vs_dft);
	RUN(stft_parseval);
	RUN(stft_bad_parameters);
	RUN(stft_threads);
	RUN(mel_filters);
	RUN(mel_known_values);
	RUN(mel_bad_parameters);
	RUN(chroma_filters);
	RUN(chroma_known_values);
	RUN(normalize_max);
	RUN(chroma_stft);
	RUN(fbank);
	RUN(dct_ortho);
	RUN(log1p);
	RUN(db_known_values);
	RUN(db_librosa);
	RUN(mfcc);
	RUN(pipeline_librosa_defaults);
	RUN(pipeline_musiclatentvis);
	return TEST_EXIT();
}
