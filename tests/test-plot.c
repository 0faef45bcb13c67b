/* test-plot.c - gnuplot quoting, kinds and options, colour groups,
 * tooltips, variance order, spreads and dendrogram layout. */
#include <math.h>
#include <stdlib.h>

#include "plot.h"
#include "test.h"

/* What mlv_plot_string writes for s, malloc'd. */
static char *
quoted(const char *s, int flags)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	mlv_plot_string(f, s, flags);
	fclose(f);
	return buf;
}

#define CHECK_QUOTED(s, flags, want) do { \
	char *q_ = quoted(s, flags); \
	CHECK_STR(q_, want); \
	free(q_); \
} while (0)

/* A record of rows x cols values v[] with "key=value" metadata. */
static void
make(mlv_record *r, size_t rows, size_t cols, const float *v,
     const char *const *meta, size_t nmeta)
{
	mlv_record_init(r);
	mlv_record_resize(r, rows, cols);
	for (size_t i = 0; i < rows * cols; i++)
		r->data[i] = v[i];
	for (size_t m = 0; m < nmeta; m++) {
		char *kv = strdup(meta[m]), *eq = strchr(kv, '=');
		*eq = '\0';
		mlv_meta_set(r, kv, eq + 1);
		free(kv);
	}
}

TEST(strings_are_quoted_for_gnuplot_and_xml)
{
	CHECK_QUOTED("plain", 0, "\"plain\"");
	/* gnuplot 5.4 misreads a single-quoted string that begins with '' */
	CHECK_QUOTED("'Round Midnight", 0, "\"'Round Midnight\"");
	CHECK_QUOTED("it's", 0, "\"it's\"");
	CHECK_QUOTED("a\nb", 0, "\"a\\nb\"");
	CHECK_QUOTED("a\nb", MLV_PLOT_ONELINE, "\"a b\"");
	CHECK_QUOTED("tab\there\x7f", 0, "\"tab here \"");
	CHECK_QUOTED("<a> & \"b\" \\n", 0, "\"<a> & \\\"b\\\" \\\\n\"");
	/* gnuplot runs `command` in double quotes; $ and @ are plain */
	CHECK_QUOTED("`rm x` $HOME @m", 0, "\"\\140rm x\\140 $HOME @m\"");
	/* "]]>" may not stand in XML text: a zero-width space breaks it */
	CHECK_QUOTED("a]]>b]>]]", 0, "\"a]]\xE2\x80\x8B>b]>]]\"");
	CHECK_QUOTED("]]>", 0, "\"]]\xE2\x80\x8B>\"");
	/* UTF-8 kept; a stray byte, an overlong form, a surrogate and the
	 * non-characters XML forbids are ? */
	CHECK_QUOTED("caf\xC3\xA9 \xD7\xA2\xD7\x91", 0,
	             "\"caf\xC3\xA9 \xD7\xA2\xD7\x91\"");
	CHECK_QUOTED("bad\xFFx", 0, "\"bad?x\"");
	CHECK_QUOTED("\xC0\xAF", 0, "\"?" "?\""); /* split: no trigraph */
	CHECK_QUOTED("\xED\xA0\x80", 0, "\"?" "?" "?\"");
	CHECK_QUOTED("\xEF\xBF\xBE\xEF\xBF\xBD", 0, "\"?" "?" "?\xEF\xBF\xBD\"");
	/* tooltips: gnuplot does not escape these in its JavaScript string */
	CHECK_QUOTED("'\"\\", MLV_PLOT_HYPERTEXT,
	             "\"\xE2\x80\x99\xE2\x80\x9D\xE2\x88\x96\"");
}

TEST(types_and_kinds_by_name)
{
	enum mlv_plot_type t;
	CHECK_INT(mlv_plot_type_parse("PNG", &t), 0);
	CHECK_INT(t, MLV_PLOT_PNG);
	CHECK_INT(mlv_plot_type_of_path("dir.svg/map.pdf", &t), 0);
	CHECK_INT(t, MLV_PLOT_PDF);
	CHECK_INT(mlv_plot_type_of_path("dir.svg/map", &t), -1);
	CHECK_INT(mlv_plot_type_parse("jpeg", &t), -1);
	for (int k = 0; k < MLV_PLOT_NKINDS; k++) {
		enum mlv_plot_kind kind;
		const char *name = mlv_plot_kind_name((enum mlv_plot_kind)k);
		CHECK_INT(mlv_plot_kind_parse(name, &kind), 0);
		CHECK_INT(kind, k);
		CHECK(strstr(mlv_plot_kind_list(), name) != NULL);
	}
	enum mlv_plot_kind kind;
	CHECK_INT(mlv_plot_kind_parse("pie", &kind), -1);
	CHECK_INT(mlv_plot_kind_for("tree"), MLV_PLOT_DENDROGRAM);
	CHECK_INT(mlv_plot_kind_for("simmat"), MLV_PLOT_HEATMAP);
	CHECK_INT(mlv_plot_kind_for("mel"), MLV_PLOT_HEATMAP);
	CHECK_INT(mlv_plot_kind_for("loss"), MLV_PLOT_LINES);
	CHECK_INT(mlv_plot_kind_for("novelty"), MLV_PLOT_LINES);
	CHECK_INT(mlv_plot_kind_for("latent"), MLV_PLOT_PARALLEL);
	CHECK_INT(mlv_plot_kind_for("xy"), MLV_PLOT_SCATTER);
	CHECK_INT(mlv_plot_kind_for(NULL), MLV_PLOT_SCATTER);
}

TEST(options_must_fit_the_kind)
{
	mlv_plot_opts o;
	char err[256];
	mlv_plot_defaults(&o);
	CHECK_INT(mlv_plot_check(&o, err, sizeof err), 0);
	o.color_key = "id";
	o.hl_key = "label.part";
	o.hl_glob = "b";
	CHECK_INT(mlv_plot_check(&o, err, sizeof err), 0);
	o.color_column = 3;
	CHECK_INT(mlv_plot_check(&o, err, sizeof err), -1);
	CHECK_STR(err, "--color and --color-column: choose one");
	o.color_key = NULL;
	o.kind = MLV_PLOT_AVERAGES;
	CHECK_INT(mlv_plot_check(&o, err, sizeof err), -1);
	CHECK(strstr(err, "--color-column colours rows") != NULL);
	o.color_column = 0;
	o.kind = MLV_PLOT_HEATMAP;
	CHECK_INT(mlv_plot_check(&o, err, sizeof err), -1);
	o.hl_key = NULL;
	o.sort_variance = 1;
	o.columns = 4;
	CHECK_INT(mlv_plot_check(&o, err, sizeof err), 0);
	o.kind = MLV_PLOT_LINES;
	CHECK_INT(mlv_plot_check(&o, err, sizeof err), -1);
	CHECK_STR(err, "--sort-variance and --columns go with --kind parallel "
	          "or heatmap, not lines");
	mlv_plot_defaults(&o);
	o.clusters = 3;
	CHECK_INT(mlv_plot_check(&o, err, sizeof err), -1);
	o.kind = MLV_PLOT_DENDROGRAM;
	CHECK_INT(mlv_plot_check(&o, err, sizeof err), 0);
	o.max_rows = 0;
	CHECK_INT(mlv_plot_check(&o, err, sizeof err), -1);
	o.kind = MLV_PLOT_PARALLEL;
	o.clusters = 0;
	CHECK_INT(mlv_plot_check(&o, err, sizeof err), 0);
	o.with_points = 1;
	CHECK_INT(mlv_plot_check(&o, err, sizeof err), -1);
}

TEST(groups_by_key_in_order_of_appearance)
{
	static const float v[4] = {0, 0, 1, 1};
	mlv_record r[3];
	make(&r[0], 2, 1, v, (const char *const[]){"id=x", "who=bo"}, 2);
	make(&r[1], 1, 1, v, (const char *const[]){"id=y", "who=al"}, 2);
	make(&r[2], 2, 1, v, (const char *const[]){"id=z", "who=bo"}, 2);
	mlv_plot_opts o;
	mlv_plot_groups g;
	mlv_plot_defaults(&o);
	o.color_key = "who";
	CHECK_INT(mlv_plot_group_rows(&g, r, 3, &o, NULL, 0), 0);
	CHECK_INT(g.n, 2);
	CHECK_STR(g.names[0], "bo");
	CHECK_STR(g.names[1], "al");
	CHECK_INT(g.rows, 5);
	static const uint32_t of_row[5] = {0, 0, 1, 0, 0};
	static const size_t order[5] = {0, 1, 3, 4, 2}, start[3] = {0, 4, 5};
	for (size_t i = 0; i < 5; i++) {
		CHECK_INT(g.of_row[i], of_row[i]);
		CHECK_INT(g.order[i], order[i]);
	}
	for (size_t i = 0; i < 3; i++)
		CHECK_INT(g.start[i], start[i]);
	CHECK_STR(mlv_plot_group_color(&g, 1), mlv_plot_colors[1]);
	mlv_plot_groups_free(&g);

	/* a key no record has: one group, "(none)" */
	o.color_key = "absent";
	CHECK_INT(mlv_plot_group_rows(&g, r, 3, &o, NULL, 0), 0);
	CHECK_INT(g.n, 1);
	CHECK_STR(g.names[0], "(none)");
	mlv_plot_groups_free(&g);
	for (int k = 0; k < 3; k++)
		mlv_record_free(&r[k]);
}

TEST(groups_by_column_in_numeric_order)
{
	/* x, cluster id: 10 comes after 9 and -1 (noise) first */
	static const float v[10] = {0, 10, 1, 9, 2, -1, 3, 10, 4, 9};
	mlv_record r;
	make(&r, 5, 2, v, (const char *const[]){"id=c"}, 1);
	mlv_plot_opts o;
	mlv_plot_groups g;
	char err[256];
	mlv_plot_defaults(&o);
	o.color_column = 2;
	CHECK_INT(mlv_plot_group_rows(&g, &r, 1, &o, err, sizeof err), 0);
	CHECK_INT(g.n, 3);
	CHECK_STR(g.names[0], "-1");
	CHECK_STR(g.names[1], "9");
	CHECK_STR(g.names[2], "10");
	static const uint32_t of_row[5] = {2, 1, 0, 2, 1};
	for (size_t i = 0; i < 5; i++)
		CHECK_INT(g.of_row[i], of_row[i]);
	mlv_plot_groups_free(&g);
	o.color_column = 3;
	CHECK_INT(mlv_plot_group_rows(&g, &r, 1, &o, err, sizeof err), -1);
	CHECK_STR(err, "record 1 (id=c): --color-column 3, but it has 2 columns");
	mlv_record_free(&r);
}

TEST(highlight_alone_and_with_a_key)
{
	static const float v[2] = {0, 0};
	mlv_record r[3];
	make(&r[0], 1, 2, v, (const char *const[]){"id=a1", "part=a"}, 2);
	make(&r[1], 1, 2, v, (const char *const[]){"id=b1", "part=b"}, 2);
	make(&r[2], 1, 2, v, (const char *const[]){"id=b2", "part=bb"}, 2);
	mlv_plot_opts o;
	mlv_plot_groups g;
	mlv_plot_defaults(&o);
	o.hl_key = "part";
	o.hl_glob = "b*";
	CHECK_INT(mlv_plot_group_rows(&g, r, 3, &o, NULL, 0), 0);
	CHECK_INT(g.n, 2);
	CHECK(g.other && g.strong);
	CHECK_STR(g.names[0], "other");
	CHECK_STR(g.names[1], "part=b*");
	CHECK_INT(g.of_row[0], 0);
	CHECK_INT(g.of_row[1], 1);
	CHECK_INT(g.of_row[2], 1);
	CHECK_STR(mlv_plot_group_color(&g, 0), MLV_PLOT_GREY);
	CHECK_STR(mlv_plot_group_color(&g, 1), MLV_PLOT_STRONG);
	mlv_plot_groups_free(&g);
	/* with -c: the highlighted records take their key's colours */
	o.color_key = "id";
	CHECK_INT(mlv_plot_group_rows(&g, r, 3, &o, NULL, 0), 0);
	CHECK_INT(g.n, 3);
	CHECK(g.other && !g.strong);
	CHECK_STR(g.names[1], "b1");
	CHECK_STR(g.names[2], "b2");
	CHECK_STR(mlv_plot_group_color(&g, 0), MLV_PLOT_GREY);
	CHECK_STR(mlv_plot_group_color(&g, 1), mlv_plot_colors[0]);
	CHECK_STR(mlv_plot_group_color(&g, 2), mlv_plot_colors[1]);
	mlv_plot_groups_free(&g);
	for (int k = 0; k < 3; k++)
		mlv_record_free(&r[k]);
}

TEST(colours_repeat_with_other_shapes)
{
	mlv_plot_groups g = {0};
	/* twelve colours at least before the first repeats */
	for (size_t i = 0; i < 12; i++)
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(mlv_plot_group_color(&g, i),
			             mlv_plot_group_color(&g, j)));
	CHECK_STR(mlv_plot_group_color(&g, MLV_PLOT_NCOLORS + 1),
	          mlv_plot_colors[1]);
	CHECK_INT(mlv_plot_group_shape(&g, 0), 7);
	CHECK_INT(mlv_plot_group_shape(&g, MLV_PLOT_NCOLORS - 1), 7);
	CHECK_INT(mlv_plot_group_shape(&g, MLV_PLOT_NCOLORS + 1), 5);
	g.other = 1;
	CHECK_STR(mlv_plot_group_color(&g, MLV_PLOT_NCOLORS + 1),
	          mlv_plot_colors[0]);
	CHECK_INT(mlv_plot_group_shape(&g, MLV_PLOT_NCOLORS + 1), 5);
}

TEST(a_key_no_record_has_is_named_with_the_keys)
{
	static const float v[2] = {0, 0};
	mlv_record r;
	char err[512], key[32], big[300];
	make(&r, 1, 2, v, (const char *const[]){"id=a", "label.piece=x"}, 2);
	mlv_plot_opts o;
	mlv_plot_defaults(&o);
	o.color_key = "label.piece";
	CHECK_INT(mlv_plot_keys_exist(&r, 1, &o, err, sizeof err), 0);
	o.hl_key = "label.pice";
	o.hl_glob = "x";
	CHECK_INT(mlv_plot_keys_exist(&r, 1, &o, err, sizeof err), -1);
	CHECK_STR(err, "--highlight label.pice: no record has this key; did you "
	          "mean label.piece? (the records' keys: id, label.piece)");
	/* 25 more keys: the first 20 of them all, then how many more */
	for (int i = 0; i < 25; i++) {
		snprintf(key, sizeof key, "key%02d", i);
		mlv_meta_set(&r, key, "1");
	}
	o.hl_key = NULL;
	o.color_key = "nothing.like.it";
	CHECK_INT(mlv_plot_keys_exist(&r, 1, &o, err, sizeof err), -1);
	CHECK(strstr(err, "-c nothing.like.it: no record has this key (the "
	              "records' keys: id, key00, key01, ") == err);
	CHECK(strstr(err, ", key18 and 7 more)") != NULL);
	/* a long key first: the list stops before the message would */
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	mlv_meta_set(&r, big, "1");
	CHECK_INT(mlv_plot_keys_exist(&r, 1, &o, err, sizeof err), -1);
	CHECK(strstr(err, "(the records have 28 keys, too long to list)") !=
	      NULL);
	mlv_record_free(&r);
}

TEST(tooltips_id_keys_labels_last)
{
	static const float v[1] = {0};
	mlv_record r;
	make(&r, 1, 1, v, (const char *const[]){"label.b=2", "id=t<1>",
	     "who=me", "label.a=1"}, 4);
	const char *keys[4] = {"who", "id", "label.a", "who"};
	char *s = mlv_plot_tip(&r, keys, 4, "t=1.000 s");
	CHECK_STR(s, "t<1>\nwho=me\nlabel.b=2\nlabel.a=1\nt=1.000 s");
	free(s);
	const char *missing[2] = {"nope", NULL};
	s = mlv_plot_tip(&r, missing, 2, NULL);
	CHECK_STR(s, "t<1>\nnope=(none)\nlabel.b=2\nlabel.a=1");
	free(s);
	mlv_record_free(&r);
}

TEST(variance_order_and_spread)
{
	/* variances a 0.67, b 66.7, c 0.0067, d 10.7: b d a c */
	static const float x[12] = {1, 10, 0, 5, 2, 30, 0.1f, 1, 3, 20, 0.2f, 9};
	uint32_t order[4];
	mlv_plot_variance_order(x, 3, 4, order);
	CHECK_INT(order[0], 1);
	CHECK_INT(order[1], 3);
	CHECK_INT(order[2], 0);
	CHECK_INT(order[3], 2);
	/* four points 2 from (20, 0) along the axes, and a third column the
	 * spread leaves out: each variance 2, the spread sqrt(2) */
	static const float p[12] = {22, 0, 100, 18, 0, -100, 20, 2, 0, 20, -2, 0};
	mlv_record r;
	make(&r, 4, 3, p, NULL, 0);
	double mean[2];
	CHECK_NEAR(mlv_plot_spread(&r, 2, mean), sqrt(2), 1e-12);
	CHECK_NEAR(mean[0], 20, 1e-12);
	CHECK_NEAR(mean[1], 0, 1e-12);
	mlv_record_resize(&r, 0, 3);
	CHECK(isnan(mlv_plot_spread(&r, 2, mean)));
	mlv_record_free(&r);
}

/* 5 points: {1,3} at 1, {0,4} at 2, 2 joins {1,3} at 3, all at 5.  scipy's
 * leaves_list gives 0 4 2 1 3. */
static const double hand_tree[16] = {
	1, 3, 1, 2,
	0, 4, 2, 2,
	2, 5, 3, 3,
	6, 7, 5, 5,
};

TEST(leaf_order_and_places_as_scipy)
{
	uint32_t order[5];
	double x[9];
	mlv_plot_leaf_order(hand_tree, 5, order);
	static const uint32_t want[5] = {0, 4, 2, 1, 3};
	for (int i = 0; i < 5; i++)
		CHECK_INT(order[i], want[i]);
	mlv_plot_tree_x(hand_tree, 5, order, x);
	static const double want_x[9] = {0, 3, 2, 4, 1, 3.5, 0.5, 2.75, 1.625};
	for (int i = 0; i < 9; i++)
		CHECK_NEAR(x[i], want_x[i], 0);
	/* a chain as deep as the tree is long (single linkage on a line) */
	enum { N = 100000 };
	double *chain = malloc(4 * (N - 1) * sizeof *chain);
	uint32_t *corder = malloc(N * sizeof *corder);
	for (size_t i = 0; i + 1 < N; i++) {
		chain[4 * i] = i ? (double)(N + i - 1) : 0;
		chain[4 * i + 1] = (double)(i + 1);
		chain[4 * i + 2] = 1;
		chain[4 * i + 3] = (double)(i + 2);
	}
	mlv_plot_leaf_order(chain, N, corder);
	size_t bad = 0;
	for (size_t i = 0; i < N; i++)
		bad += corder[i] != i;
	CHECK_INT(bad, 0);
	free(corder);
	free(chain);
}

TEST(tree_cut_colours_left_to_right)
{
	uint32_t order[5];
	int32_t leaf[5], link[4];
	size_t nc;
	double cut;
	char err[256];
	CHECK_INT(mlv_plot_tree_cut(hand_tree, 5, 2, order, leaf, link, &nc,
	                            &cut, err, sizeof err), 0);
	CHECK_INT(nc, 2);
	static const int32_t leaf2[5] = {0, 1, 1, 1, 0}, link2[4] = {1, 0, 1, -1};
	for (int i = 0; i < 5; i++)
		CHECK_INT(leaf[i], leaf2[i]);
	for (int i = 0; i < 4; i++)
		CHECK_INT(link[i], link2[i]);
	CHECK_NEAR(cut, 4, 0); /* between 3, inside, and 5, above */
	CHECK_INT(order[1], 4);

	CHECK_INT(mlv_plot_tree_cut(hand_tree, 5, 1, order, leaf, link, &nc,
	                            &cut, err, sizeof err), 0);
	CHECK_INT(nc, 1);
	for (int i = 0; i < 4; i++)
		CHECK_INT(link[i], 0);
	CHECK(isnan(cut));

	/* every point alone: numbered in leaf order, every merge above */
	CHECK_INT(mlv_plot_tree_cut(hand_tree, 5, 5, order, leaf, link, &nc,
	                            &cut, err, sizeof err), 0);
	CHECK_INT(nc, 5);
	static const int32_t leaf5[5] = {0, 3, 2, 4, 1};
	for (int i = 0; i < 5; i++)
		CHECK_INT(leaf[i], leaf5[i]);
	for (int i = 0; i < 4; i++)
		CHECK_INT(link[i], -1);
	CHECK_NEAR(cut, 0.5, 0);

	double broken[16];
	memcpy(broken, hand_tree, sizeof broken);
	broken[4] = 3; /* point 3 merged twice */
	CHECK_INT(mlv_plot_tree_cut(broken, 5, 2, order, leaf, link, &nc, &cut,
	                            err, sizeof err), -1);
	CHECK_STR(err, "merge tree row 1: cluster 3 is merged twice");
	CHECK_INT(mlv_plot_tree_cut(hand_tree, 5, 0, order, leaf, link, &nc,
	                            &cut, err, sizeof err), -1);
}

/* The script mlv_plot_script writes for recs, malloc'd, or NULL on error. */
static char *
script(const mlv_record *recs, size_t nrecs, const mlv_plot_opts *o,
       char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc = mlv_plot_script(f, recs, nrecs, o, err, errlen);
	fclose(f);
	if (rc) {
		free(buf);
		return NULL;
	}
	return buf;
}

TEST(scripts_of_each_kind)
{
	static const float tree[16] = {1, 3, 1, 2, 0, 4, 2, 2, 2, 5, 3, 3,
	                               6, 7, 5, 5};
	static const float xy[6] = {0, 1, 2, 3, 4, 5};
	mlv_record t, m;
	make(&t, 4, 4, tree, (const char *const[]){"id=tree", "kind=tree",
	     "method=ward"}, 3);
	make(&m, 3, 2, xy, (const char *const[]){"id=it's", "kind=xy"}, 2);
	mlv_plot_opts o;
	char err[256], *s;
	mlv_plot_defaults(&o);
	o.kind = MLV_PLOT_DENDROGRAM;
	o.clusters = 2;
	o.output = "out.svg";
	s = script(&t, 1, &o, err, sizeof err);
	CHECK(s != NULL);
	if (s) {
		CHECK(strstr(s, "set output \"out.svg\"\n") != NULL);
		CHECK(strstr(s, "set ylabel \"height (ward)\"\n") != NULL);
		CHECK(strstr(s, "('0' 0, '4' 1, '2' 2, '1' 3, '3' 4)") != NULL);
		/* the U over leaves 0 and 4, in cluster 1's block */
		CHECK(strstr(s, "$c0 << EOD\n0 0\n0 2\n1 2\n1 0\n\nEOD\n") != NULL);
		CHECK(strstr(s, "first 4 nohead") != NULL);
		CHECK(strstr(s, "'cluster 2: 3 points'") != NULL);
		CHECK(strstr(s, "unset output\n") != NULL);
	}
	free(s);
	s = script(&m, 1, &o, err, sizeof err);
	CHECK(s == NULL);
	CHECK_STR(err, "record 1 (id=it's): kind=xy, not a merge tree "
	          "(kind=tree, from mlv-cluster --tree)");
	o.kind = MLV_PLOT_TRAJECTORIES;
	o.clusters = 0;
	s = script(&m, 1, &o, err, sizeof err);
	CHECK(s != NULL);
	if (s) {
		CHECK(strstr(s, "set title \"it's\"\n") != NULL);
		CHECK(strstr(s, "$t0 << EOD\n0 1 1 1\n2 3 2 0\n4 5 3 2\n\nEOD\n")
		      != NULL);
		CHECK(strstr(s, "title \"it's\"") != NULL);
	}
	free(s);
	o.kind = MLV_PLOT_PARALLEL;
	o.columns = 1;
	s = script(&m, 1, &o, err, sizeof err);
	CHECK(s == NULL);
	CHECK_STR(err, "record 1 (id=it's): 1 column to draw; parallel "
	          "coordinates need 2 or more");
	mlv_record_free(&t);
	mlv_record_free(&m);
}

TEST(nothing_to_draw_is_refused_by_name)
{
	static const float v[6] = {1, 2, 3, 4, 5, 6};
	const float nan = NAN;
	const float nans[4] = {nan, nan, nan, nan};
	mlv_record row, col, empty, blank;
	make(&row, 1, 3, v, (const char *const[]){"id=row"}, 1);
	make(&col, 2, 1, v, (const char *const[]){"id=col"}, 1);
	make(&empty, 0, 3, v, (const char *const[]){"id=none"}, 1);
	make(&blank, 2, 2, nans, (const char *const[]){"id=nan"}, 1);
	mlv_plot_opts o;
	char err[256], *s;
	mlv_plot_defaults(&o);
	o.kind = MLV_PLOT_HEATMAP;
	s = script(&row, 1, &o, err, sizeof err);
	CHECK(s == NULL);
	CHECK_STR(err, "record 1 (id=row): 1 x 3; a heatmap needs 2 or more "
	          "rows and 2 or more columns");
	s = script(&col, 1, &o, err, sizeof err);
	CHECK(s == NULL);
	CHECK_STR(err, "record 1 (id=col): 2 x 1; a heatmap needs 2 or more "
	          "rows and 2 or more columns");
	s = script(&blank, 1, &o, err, sizeof err);
	CHECK(s == NULL);
	CHECK_STR(err, "record 1 (id=nan): no finite values, so no colours to "
	          "draw");
	o.kind = MLV_PLOT_LINES;
	s = script(&empty, 1, &o, err, sizeof err);
	CHECK(s == NULL);
	CHECK_STR(err, "record 1 (id=none): no rows to plot");
	s = script(&row, 1, &o, err, sizeof err);
	CHECK(s == NULL);
	CHECK_STR(err, "record 1 (id=row): fewer than two rows with finite "
	          "values, so no line to draw");
	s = script(&col, 1, &o, err, sizeof err);
	CHECK(s != NULL);
	free(s);
	o.kind = MLV_PLOT_SCATTER;
	s = script(&blank, 1, &o, err, sizeof err);
	CHECK(s == NULL);
	CHECK_STR(err, "record 1 (id=nan): no row with finite values in "
	          "columns 1 and 2, so no point to draw");
	o.kind = MLV_PLOT_PARALLEL;
	s = script(&blank, 1, &o, err, sizeof err);
	CHECK(s == NULL);
	CHECK_STR(err, "record 1 (id=nan): no finite values in the columns "
	          "drawn, so no line to draw");
	mlv_record_free(&row);
	mlv_record_free(&col);
	mlv_record_free(&empty);
	mlv_record_free(&blank);
}

int
main(void)
{
	RUN(strings_are_quoted_for_gnuplot_and_xml);
	RUN(types_and_kinds_by_name);
	RUN(options_must_fit_the_kind);
	RUN(groups_by_key_in_order_of_appearance);
	RUN(groups_by_column_in_numeric_order);
	RUN(highlight_alone_and_with_a_key);
	RUN(colours_repeat_with_other_shapes);
	RUN(a_key_no_record_has_is_named_with_the_keys);
	RUN(tooltips_id_keys_labels_last);
	RUN(variance_order_and_spread);
	RUN(leaf_order_and_places_as_scipy);
	RUN(tree_cut_colours_left_to_right);
	RUN(scripts_of_each_kind);
	RUN(nothing_to_draw_is_refused_by_name);
	return TEST_EXIT();
}
