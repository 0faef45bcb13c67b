/* mlv-explore - one self-contained HTML page to explore maps and hear them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blas.h"
#include "explore.h"
#include "opts.h"
#include "points.h"
#include "pool.h"
#include "stream.h"
#include "util.h"

/* mlv_page_html, mlv_page_css, mlv_page_js: page/explore.* (Makefile). */
#include "../build/gen/explore-page.h"

#define DEFAULT_KNN 10

enum { OPT_LATENT = MLV_OPT_OWN, OPT_TITLE, OPT_CLUSTERS,
       OPT_NEIGHBOUR_LIST, OPT_ROOT, OPT_BASE, OPT_EMBED, OPT_MAX_AUDIO };

static const mlv_about about = {
	"mlv-explore [options] MAP.mlv [MAP2.mlv] -o PAGE.html",
	"One HTML file that works offline: the points of a map (and of "
	"a second map of\n"
	"the same rows, matched by record id and row) to hover, "
	"select, colour by\n"
	"label or cluster, and click to hear their audio.",
	"A t-SNE and a UMAP map of the same segments, linked:\n"
	"  mlv-explore -c label.performer --latent seg.mlv tsne.mlv "
	"umap.mlv -o seg.html\n",
};

static const mlv_opt explore_options[] = {
	{"title", 0, "TEXT", "the page's title (the first map's file name)",
	 OPT_TITLE, NULL},
	{NULL, 't', NULL, NULL, 0, "title"},
	{"color", 'c', "KEY", "initial colouring: a label key, or cluster",
	 'c', NULL},
	{"latent", 0, "FILE", "the high-dimensional rows behind the map",
	 OPT_LATENT, NULL},
	{"clusters", 0, "FILE", "one integer column per row (mlv-cluster "
	 "output)", OPT_CLUSTERS, NULL},
	{"neighbour-list", 0, "FILE", "nearest neighbours, as mlv-simmat's TSV "
	 "of K+1 per row", OPT_NEIGHBOUR_LIST, NULL},
	{"audio-root", 0, "DIR", "where the records' audio paths start (.); URLs are\n"
	 "made relative to the page", OPT_ROOT, NULL},
	{"audio-base", 0, "URL", "or put under this URL", OPT_BASE, NULL},
	{"embed-audio", 0, NULL, "put each point's clip into the page (Ogg "
	 "Opus)", OPT_EMBED, NULL},
	{"max-audio", 0, "SIZE", "cap on embedded audio (50M)",
	 OPT_MAX_AUDIO, NULL},
	{"output", 'o', "FILE", "the page (required unless stdout is not a "
	 "terminal)", 'o', NULL},
	{0},
};

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
	static const mlv_opt *const options[] = {explore_options,
	                                         mlv_opts_neighbours,
	                                         mlv_opts_knn_search,
	                                         mlv_opts_seed,
	                                         mlv_opts_jobs,
	                                         mlv_opts_common, NULL};
	mlv_opts cli;
	const char *output = NULL, *title = NULL, *color = NULL;
	const char *latent_path = NULL, *clusters_path = NULL;
	const char *neighbours_path = NULL, *root = NULL, *base_url = NULL;
	long long knn = -1;
	int embed = 0, nthreads = mlv_default_threads(), search = MLV_KNN_AUTO;
	uint64_t seed = 0;
	uint64_t max_audio = (uint64_t)50 << 20;
	int c;
	mlv_init(argv);
	mlv_blas_check_room();
	mlv_opts_begin(&cli, argc, argv, &about, options);
	while ((c = mlv_opts_next(&cli)) != -1) {
		switch (c) {
		case 'o': output = cli.arg; break;
		case OPT_TITLE: title = cli.arg; break;
		case 'c': color = cli.arg; break;
		case OPT_LATENT: latent_path = cli.arg; break;
		case OPT_CLUSTERS: clusters_path = cli.arg; break;
		case OPT_NEIGHBOUR_LIST: neighbours_path = cli.arg; break;
		case 'n': {
			/* --neighbours FILE was this option's spelling once. */
			char *end;
			(void)strtoll(cli.arg, &end, 10);
			if (end == cli.arg || *end) {
				mlv_warn("--neighbours FILE is now --neighbour-list FILE "
				         "(the old spelling will go)");
				neighbours_path = cli.arg;
				break;
			}
			knn = mlv_parse_int(cli.arg, 0, 1 << 20, "--neighbours");
			break;
		}
		case OPT_ROOT: root = cli.arg; break;
		case OPT_BASE: base_url = cli.arg; break;
		case OPT_EMBED: embed = 1; break;
		case OPT_MAX_AUDIO:
			max_audio = mlv_parse_size(cli.arg, "--max-audio");
			break;
		case 'j': nthreads = mlv_parse_jobs(cli.arg); break;
		case MLV_OPT_KNN_SEARCH:
			if ((search = mlv_knn_search_parse(cli.arg)) < 0)
				mlv_usage_error("--knn-search %s: auto, exact or ann",
				                cli.arg);
			break;
		case MLV_OPT_SEED:
			seed = (uint64_t)mlv_parse_int(cli.arg, 0, INT64_MAX, "--seed");
			break;
		}
	}
	if (argc - optind > 2)
		mlv_usage_error("%d maps (at most 2: MAP.mlv [MAP2.mlv])",
		                argc - optind);
	if (!output && isatty(STDOUT_FILENO))
		mlv_usage_error("-o FILE: the page is HTML, not for a terminal");
	if (neighbours_path && knn >= 0)
		mlv_usage_error("--neighbour-list and --neighbours exclude each "
		                "other");
	if (knn > 0 && !latent_path)
		mlv_usage_error("--neighbours needs --latent (the rows to find "
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
		if (mlv_explore_knn(&e, k, (mlv_knn_search)search, seed,
		                    nthreads, err, sizeof err))
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
