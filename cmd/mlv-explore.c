/* mlv-explore - one self-contained HTML page to explore maps and hear them. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "explore.h"
#include "points.h"
#include "pool.h"
#include "stream.h"
#include "util.h"

/* mlv_page_html, mlv_page_css, mlv_page_js: page/explore.* (Makefile). */
#include "../build/gen/explore-page.h"

#define DEFAULT_KNN 10

static void
usage(void)
{
	printf("usage: mlv-explore [options] MAP.mlv [MAP2.mlv] -o PAGE.html\n"
	       "One HTML file that works offline: the points of a map (and of a "
	       "second map of\nthe same rows, matched by record id and row) to "
	       "hover, select, colour by\nlabel or cluster, and click to hear "
	       "their audio.\n\n"
	       "  -o, --output FILE      the page (required unless stdout is not "
	       "a terminal)\n"
	       "  -t, --title TEXT       the page's title (the first map's file "
	       "name)\n"
	       "  -c, --color KEY        initial colouring: a label key, or "
	       "cluster\n"
	       "      --latent FILE      the high-dimensional rows behind the "
	       "map\n"
	       "      --clusters FILE    one integer column per row (mlv-cluster "
	       "output)\n"
	       "      --neighbours FILE  nearest neighbours, as mlv-simmat's "
	       "TSV of K+1 per row\n"
	       "      --knn K            or K neighbours computed from --latent "
	       "(10)\n"
	       "      --audio-root DIR   where the records' audio paths start "
	       "(.); URLs are\n"
	       "                         made relative to the page\n"
	       "      --audio-base URL   or put under this URL\n"
	       "      --embed-audio      put each point's clip into the page "
	       "(Ogg Opus)\n"
	       "      --max-audio SIZE   cap on embedded audio (50M)\n"
	       "  -j, --jobs N           threads (default: all cores)\n"
	       "  -h, --help             show this help\n"
	       "      --version          show the version\n\n"
	       "A t-SNE and a UMAP map of the same segments, linked:\n"
	       "  mlv-explore -c label.performer --latent seg.mlv tsne.mlv "
	       "umap.mlv -o seg.html\n");
	exit(0);
}

/* The file name of path, for titles and map names. */
static const char *
file_name(const char *path)
{
	if (!path || !strcmp(path, "-"))
		return "<stdin>";
	const char *slash = strrchr(path, '/');
	return slash && slash[1] ? slash + 1 : path;
}

/* The directory the page goes into, for relative audio URLs. */
static char *
page_dir(const char *output)
{
	const char *slash = strcmp(output, "-") ? strrchr(output, '/') : NULL;
	if (!slash)
		return mlv_strdup(".");
	if (slash == output)
		return mlv_strdup("/");
	char *dir = mlv_strdup(output);
	dir[slash - output] = '\0';
	return dir;
}

static void
read_points(mlv_points *p, const char *path)
{
	char *one = (char *)path;
	mlv_points_read(p, &one, 1);
}

typedef int (*add_fn)(mlv_explore *e, const mlv_points *base,
                      const mlv_points *other, const char *name, char *err,
                      size_t errlen);

/* Read the stream at path and match it to the map's points with add. */
static void
add_stream(mlv_explore *e, const mlv_points *map, const char *path,
           const char *name, add_fn add)
{
	char err[2048];
	mlv_points other;
	read_points(&other, path);
	if (add(e, map, &other, name, err, sizeof err))
		mlv_die("%s", err);
	mlv_points_free(&other);
}

int
main(int argc, char **argv)
{
	enum { OPT_LATENT = 256, OPT_CLUSTERS, OPT_NEIGHBOURS, OPT_KNN,
	       OPT_ROOT, OPT_BASE, OPT_EMBED, OPT_MAX_AUDIO, OPT_VERSION };
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"title", required_argument, NULL, 't'},
		{"color", required_argument, NULL, 'c'},
		{"latent", required_argument, NULL, OPT_LATENT},
		{"clusters", required_argument, NULL, OPT_CLUSTERS},
		{"neighbours", required_argument, NULL, OPT_NEIGHBOURS},
		{"knn", required_argument, NULL, OPT_KNN},
		{"audio-root", required_argument, NULL, OPT_ROOT},
		{"audio-base", required_argument, NULL, OPT_BASE},
		{"embed-audio", no_argument, NULL, OPT_EMBED},
		{"max-audio", required_argument, NULL, OPT_MAX_AUDIO},
		{"jobs", required_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	const char *output = NULL, *title = NULL, *color = NULL;
	const char *latent_path = NULL, *clusters_path = NULL;
	const char *neighbours_path = NULL, *root = NULL, *base_url = NULL;
	long long knn = -1;
	int embed = 0, nthreads = mlv_default_threads();
	uint64_t max_audio = (uint64_t)50 << 20;
	int c;
	mlv_init(argv);
	while ((c = getopt_long(argc, argv, "o:t:c:j:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case 't': title = optarg; break;
		case 'c': color = optarg; break;
		case OPT_LATENT: latent_path = optarg; break;
		case OPT_CLUSTERS: clusters_path = optarg; break;
		case OPT_NEIGHBOURS: neighbours_path = optarg; break;
		case OPT_KNN: knn = mlv_parse_int(optarg, 0, 1 << 20, "--knn"); break;
		case OPT_ROOT: root = optarg; break;
		case OPT_BASE: base_url = optarg; break;
		case OPT_EMBED: embed = 1; break;
		case OPT_MAX_AUDIO:
			max_audio = mlv_parse_size(optarg, "--max-audio");
			break;
		case 'j': nthreads = mlv_parse_jobs(optarg); break;
		case 'h': usage(); break;
		case OPT_VERSION: mlv_print_version(); return 0;
		default: mlv_try_help();
		}
	}
	if (argc - optind > 2)
		mlv_usage_error("%d maps (at most 2: MAP.mlv [MAP2.mlv])",
		                argc - optind);
	if (!output && isatty(STDOUT_FILENO))
		mlv_usage_error("-o FILE: the page is HTML, not for a terminal");
	if (neighbours_path && knn >= 0)
		mlv_usage_error("--neighbours and --knn exclude each other");
	if (knn > 0 && !latent_path)
		mlv_usage_error("--knn needs --latent (the rows to find "
		                "neighbours among)");
	if (embed && base_url)
		mlv_usage_error("--embed-audio and --audio-base exclude each other");
	if (!output)
		output = "-";
	/* a page that cannot be created is refused before any work */
	mlv_writer *w = mlv_writer_open_or_die(output);

	char err[2048];
	const char *map_path = optind < argc ? argv[optind] : "-";
	mlv_points map;
	read_points(&map, map_path);
	mlv_explore e;
	if (mlv_explore_init(&e, &map, file_name(map_path), err, sizeof err))
		mlv_die("%s", err);
	if (optind + 1 < argc)
		add_stream(&e, &map, argv[optind + 1], file_name(argv[optind + 1]),
		           mlv_explore_add_map);
	if (latent_path)
		add_stream(&e, &map, latent_path, latent_path,
		           mlv_explore_set_latent);
	if (clusters_path)
		add_stream(&e, &map, clusters_path, clusters_path,
		           mlv_explore_set_clusters);
	if (title) {
		free(e.title);
		e.title = mlv_strdup(title);
	}
	if (color && mlv_explore_check_color(&e, color, err, sizeof err))
		mlv_die("%s", err);
	e.color = color;
	if (neighbours_path) {
		if (mlv_explore_read_neighbours(&e, &map, neighbours_path, err,
		                                sizeof err))
			mlv_die("%s", err);
	} else if (latent_path) {
		/* by default as many as the points allow, up to ten */
		size_t k = knn >= 0 ? (size_t)knn : e.n - 1 < DEFAULT_KNN ?
		           e.n - 1 : DEFAULT_KNN;
		if (mlv_explore_knn(&e, k, nthreads, err, sizeof err))
			mlv_die("%s", err);
	}
	char *dir = page_dir(output);
	if (embed ? mlv_explore_embed_audio(&e, &map, root, max_audio, nthreads,
	                                    err, sizeof err) :
	            mlv_explore_audio_urls(&e, &map, dir, root, base_url, err,
	                                   sizeof err))
		mlv_die("%s", err);
	free(dir);

	if (mlv_explore_write(w, &e, (const char *)mlv_page_html,
	                      (const char *)mlv_page_css,
	                      (const char *)mlv_page_js))
		mlv_writer_die(w);
	mlv_writer_close_or_die(w);
	mlv_explore_free(&e);
	mlv_points_free(&map);
	return 0;
}
