/* mlv-synth - write a test signal as an audio file.
 *
 *   mlv-synth [--sr HZ] [--seconds S] [--channels N] [--tone HZ:AMP]...
 *             [--noise AMP] [--seed S] [--subtype pcm16|float]
 *             [--tag NAME=TEXT]... -o FILE
 *
 * The signal is the sum of the tones (sines starting at phase 0) plus
 * seeded uniform noise; channel c (0-based) carries it scaled by
 * (c + 1) / N, so a mixdown is the signal times (N + 1) / (2N).  The file
 * type follows -o's extension (.wav, .flac, .ogg, .aiff); tags are title,
 * artist, album, genre, date, comment.  A test helper, not installed.
 */
#include <getopt.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "util.h"

#define MAX_TONES 16
#define MAX_TAGS 8

static int
major_format(const char *path)
{
	const char *dot = strrchr(path, '.');
	if (dot && !strcmp(dot, ".flac"))
		return SF_FORMAT_FLAC;
	if (dot && !strcmp(dot, ".ogg"))
		return SF_FORMAT_OGG;
	if (dot && (!strcmp(dot, ".aiff") || !strcmp(dot, ".aif")))
		return SF_FORMAT_AIFF;
	return SF_FORMAT_WAV;
}

static int
tag_id(const char *name)
{
	static const struct { const char *name; int id; } tags[] = {
		{"title", SF_STR_TITLE}, {"artist", SF_STR_ARTIST},
		{"album", SF_STR_ALBUM}, {"genre", SF_STR_GENRE},
		{"date", SF_STR_DATE}, {"comment", SF_STR_COMMENT},
	};
	for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
		if (!strcmp(name, tags[i].name))
			return tags[i].id;
	return -1;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"sr", required_argument, NULL, 'r'},
		{"seconds", required_argument, NULL, 's'},
		{"channels", required_argument, NULL, 'c'},
		{"tone", required_argument, NULL, 't'},
		{"noise", required_argument, NULL, 'n'},
		{"seed", required_argument, NULL, 'S'},
		{"subtype", required_argument, NULL, 'u'},
		{"tag", required_argument, NULL, 'g'},
		{"output", required_argument, NULL, 'o'},
		{NULL, 0, NULL, 0},
	};
	double sr = 22050, seconds = 1, noise = 0;
	double freq[MAX_TONES], amp[MAX_TONES];
	char *tags[MAX_TAGS];
	int ntones = 0, ntags = 0, channels = 1, subtype = SF_FORMAT_PCM_16;
	long long seed = 0;
	const char *out = NULL;
	int c;
	mlv_init(argv);
	while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': sr = mlv_parse_double(optarg, 1, 1e7, "--sr"); break;
		case 's': seconds = mlv_parse_double(optarg, 0, 1e5, "--seconds"); break;
		case 'c': channels = (int)mlv_parse_int(optarg, 1, 64, "--channels"); break;
		case 't': {
			char *colon = strchr(optarg, ':');
			if (!colon || ntones == MAX_TONES)
				mlv_usage_error("--tone %s: expected HZ:AMP", optarg);
			*colon = '\0';
			freq[ntones] = mlv_parse_double(optarg, 0, 1e7, "--tone");
			amp[ntones++] = mlv_parse_double(colon + 1, 0, 1, "--tone");
			break;
		}
		case 'n': noise = mlv_parse_double(optarg, 0, 1, "--noise"); break;
		case 'S': seed = mlv_parse_int(optarg, 0, 1LL << 62, "--seed"); break;
		case 'u':
			if (!strcmp(optarg, "float"))
				subtype = SF_FORMAT_FLOAT;
			else if (!strcmp(optarg, "pcm16"))
				subtype = SF_FORMAT_PCM_16;
			else
				mlv_usage_error("--subtype %s: pcm16 or float", optarg);
			break;
		case 'g':
			if (!strchr(optarg, '=') || ntags == MAX_TAGS)
				mlv_usage_error("--tag %s: expected NAME=TEXT", optarg);
			tags[ntags++] = optarg;
			break;
		case 'o': out = optarg; break;
		default: return MLV_EXIT_USAGE;
		}
	}
	if (!out)
		mlv_usage_error("-o FILE is required");
	int major = major_format(out);
	SF_INFO info = {
		.samplerate = (int)sr,
		.channels = channels,
		.format = major | (major == SF_FORMAT_OGG ? SF_FORMAT_VORBIS :
		                   major == SF_FORMAT_FLAC ? SF_FORMAT_PCM_16 : subtype),
	};
	SNDFILE *f = sf_open(out, SFM_WRITE, &info);
	if (!f)
		mlv_die("%s: cannot create (%s)", out, sf_strerror(NULL));
	for (int i = 0; i < ntags; i++) {
		char *eq = strchr(tags[i], '=');
		*eq = '\0';
		int id = tag_id(tags[i]);
		if (id < 0)
			mlv_usage_error("--tag %s: unknown tag", tags[i]);
		sf_set_string(f, id, eq + 1);
	}
	size_t n = (size_t)llround(seconds * sr);
	float *frame = mlv_malloc((size_t)channels * sizeof(float));
	mlv_rng g;
	mlv_rng_seed(&g, (uint64_t)seed);
	for (size_t i = 0; i < n; i++) {
		double v = 0, t = (double)i / sr;
		for (int k = 0; k < ntones; k++)
			v += amp[k] * sin(2 * M_PI * freq[k] * t);
		if (noise > 0)
			v += noise * (2 * mlv_rng_uniform(&g) - 1);
		for (int ch = 0; ch < channels; ch++)
			frame[ch] = (float)(v * (ch + 1) / channels);
		if (sf_writef_float(f, frame, 1) != 1)
			mlv_die("%s: write error (%s)", out, sf_strerror(f));
	}
	if (sf_close(f))
		mlv_die("%s: write error", out);
	free(frame);
	return 0;
}
