/* test-explore.c - matching streams by record id and row, and the page. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "explore.h"
#include "test.h"

/* Points of records named ids[i] with rows[i] rows of 2 columns, each
 * row (10 * id + row, row + 0.5). */
static void
make_points(mlv_points *p, const char *const *ids, const size_t *rows,
            size_t nrecs)
{
	memset(p, 0, sizeof *p);
	p->nrecs = nrecs;
	p->d = 2;
	p->recs = calloc(nrecs, sizeof *p->recs);
	p->where = calloc(nrecs, sizeof *p->where);
	p->first = calloc(nrecs, sizeof *p->first);
	for (size_t k = 0; k < nrecs; k++) {
		p->first[k] = p->n;
		p->n += rows[k];
	}
	p->x = malloc((p->n + 1) * 2 * sizeof *p->x);
	for (size_t k = 0; k < nrecs; k++) {
		mlv_record_init(&p->recs[k]);
		mlv_meta_set(&p->recs[k], "id", ids[k]);
		p->recs[k].rows = rows[k];
		p->recs[k].cols = 2;
		p->where[k] = malloc(64);
		snprintf(p->where[k], 64, "t.mlv: record %zu (id=%s)", k + 1, ids[k]);
		for (size_t i = 0; i < rows[k]; i++) {
			p->x[2 * (p->first[k] + i)] = (float)(10 * atoi(ids[k]) + (int)i);
			p->x[2 * (p->first[k] + i) + 1] = (float)i + 0.5f;
		}
	}
}

TEST(matching_by_id_and_row)
{
	static const char *const ids[] = {"1", "2", "3"};
	static const char *const shuffled[] = {"3", "1", "2"};
	static const char *const missing[] = {"3", "1", "4"};
	static const char *const twice[] = {"3", "1", "1"};
	static const size_t rows[] = {2, 3, 1}, rows_shuffled[] = {1, 2, 3};
	static const size_t rows_bad[] = {1, 2, 2};
	mlv_points base, other;
	size_t at[6];
	char err[256];
	make_points(&base, ids, rows, 3);

	make_points(&other, shuffled, rows_shuffled, 3);
	CHECK_INT(mlv_explore_match(&base, &other, "o.mlv", at, err, sizeof err), 0);
	for (size_t i = 0; i < base.n; i++)
		CHECK(other.x[2 * at[i]] == base.x[2 * i] &&
		      other.x[2 * at[i] + 1] == base.x[2 * i + 1]);
	mlv_points_free(&other);

	make_points(&other, shuffled, rows_bad, 3);
	CHECK_INT(mlv_explore_match(&base, &other, "o.mlv", at, err, sizeof err), -1);
	CHECK_STR(err, "t.mlv: record 3 (id=2): 2 rows, but t.mlv: record 2 (id=2) "
	          "has 3");
	mlv_points_free(&other);

	make_points(&other, missing, rows_shuffled, 3);
	CHECK_INT(mlv_explore_match(&base, &other, "o.mlv", at, err, sizeof err), -1);
	CHECK_STR(err, "o.mlv: no record with id=2, which t.mlv: record 2 (id=2) "
	          "has (streams are matched by record id and row)");
	mlv_points_free(&other);

	make_points(&other, twice, rows_shuffled, 3);
	CHECK_INT(mlv_explore_match(&base, &other, "o.mlv", at, err, sizeof err), -1);
	CHECK(strstr(err, "t.mlv: record 3 (id=1): a second record with this id"));
	mlv_points_free(&other);

	/* the same records in the same order match row for row, even with
	 * repeated ids */
	make_points(&other, twice, rows_shuffled, 3);
	CHECK_INT(mlv_explore_match(&other, &other, "o.mlv", at, err, sizeof err), 0);
	for (size_t i = 0; i < other.n; i++)
		CHECK_INT(at[i], i);
	mlv_points_free(&other);
	mlv_points_free(&base);
}

/* The page is the template with the data at its markers. */
TEST(page_template)
{
	static const char *const ids[] = {"1"};
	static const size_t rows[] = {2};
	mlv_points base;
	make_points(&base, ids, rows, 1);
	mlv_explore e;
	char err[256];
	CHECK_INT(mlv_explore_init(&e, &base, "m.mlv", err, sizeof err), 0);
	char path[] = "/tmp/test-explore.XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	mlv_writer *w = mlv_writer_open(path);
	CHECK_INT(mlv_explore_write(w, &e, "A<!--MLV-STYLE-->B<!--MLV-DATA-->"
	                            "C<!--MLV-SCRIPT-->D", "css", "js"), 0);
	CHECK_INT(mlv_writer_close(w), 0);
	char page[4096] = "";
	FILE *f = fopen(path, "r");
	size_t len = f ? fread(page, 1, sizeof page - 1, f) : 0;
	page[len] = '\0';
	if (f)
		fclose(f);
	const char *head = "A<style>css</style>B<script type=\"application/json\" "
	                   "id=\"mlv-meta\">{\"version\":2,\"title\":\"m.mlv\","
	                   "\"n\":2,";
	CHECK(!strncmp(page, head, strlen(head)));
	/* (10, 0.5) and (11, 1.5) as little-endian float32 */
	CHECK(strstr(page, "<script type=\"application/octet-stream\" "
	             "id=\"mlv-blob-xy0\">AAAgQQAAAD8AADBBAADAPw==</script>"));
	/* the points from their record's row count and times */
	CHECK(strstr(page, "\"records\":{\"id\":[\"1\"],\"name\":[\"1\"],"
	             "\"src\":[null],"
	             "\"rows\":[2],\"t0\":[0],\"dt\":[null],\"dur\":[null]}"));
	CHECK(strstr(page, "C<script>js</script>D"));
	CHECK(len > 2 && page[len - 1] == 'D');

	w = mlv_writer_open(path);
	errno = 0;
	CHECK_INT(mlv_explore_write(w, &e, "A<!--MLV-DATA--><!--MLV-STYLE-->"
	                            "<!--MLV-SCRIPT-->", "", ""), -1);
	CHECK_INT(errno, EINVAL);
	mlv_writer_abort(w);
	unlink(path);
	mlv_explore_free(&e);
	mlv_points_free(&base);
}

int
main(void)
{
	RUN(matching_by_id_and_row);
	RUN(page_template);
	return TEST_EXIT();
}
