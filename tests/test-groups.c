/* test-groups.c - record ids, the keys of records, string dictionaries. */
#include <stdio.h>
#include <stdlib.h>

#include "groups.h"
#include "test.h"

TEST(record_keys)
{
	mlv_record r[3];
	for (int k = 0; k < 3; k++)
		mlv_record_init(&r[k]);
	mlv_meta_set(&r[0], "label.b", "x");
	mlv_meta_set(&r[0], "id", "a.wav");
	mlv_meta_set(&r[1], "label.a", "y");
	mlv_meta_set(&r[1], "label.b", "z");
	mlv_meta_set(&r[2], "labels", "not a label key");
	size_t n;
	const char **keys = mlv_record_keys(r, 3, "label.", &n);
	CHECK_INT(n, 2);
	CHECK_STR(keys[0], "label.a");
	CHECK_STR(keys[1], "label.b");
	free(keys);
	keys = mlv_record_keys(r, 3, "", &n);
	CHECK_INT(n, 4);
	CHECK_STR(keys[0], "id");
	CHECK_STR(keys[3], "labels");
	free(keys);
	CHECK_STR(mlv_record_id(&r[0]), "a.wav");
	CHECK_STR(mlv_record_id(&r[1]), "");
	for (int k = 0; k < 3; k++)
		mlv_record_free(&r[k]);
}

/* Paths from the root as their fewest last parts that tell them apart. */
TEST(short_ids)
{
	static const char *const ids[] = {"/tmp/x/a/c.wav", "/tmp/x/b/c.wav",
	                                  "/tmp/x/b/d.wav"};
	mlv_record r[3];
	for (int k = 0; k < 3; k++) {
		mlv_record_init(&r[k]);
		mlv_meta_set(&r[k], "id", ids[k]);
	}
	CHECK_INT(mlv_id_parts(r, 3), 2);
	CHECK_STR(mlv_id_tail(ids[0], 2), "a/c.wav");
	CHECK_INT(mlv_id_parts(r + 2, 1), 1);
	CHECK_STR(mlv_id_tail(ids[2], 1), "d.wav");
	CHECK_STR(mlv_id_tail("gen/0", 1), "gen/0");
	for (int k = 0; k < 3; k++)
		mlv_record_free(&r[k]);
}

/* Codes in order of first appearance, through growth; sorting renumbers. */
TEST(dictionary)
{
	mlv_dict d;
	mlv_dict_init(&d);
	char s[32];
	for (int i = 0; i < 1000; i++) {
		snprintf(s, sizeof s, "v%d", (i * 7) % 100);
		CHECK_INT(mlv_dict_code(&d, s), i < 100 ? i : (i % 100));
	}
	CHECK_INT(d.n, 100);
	CHECK_INT(mlv_dict_find(&d, "v7"), 1);
	CHECK_INT(mlv_dict_find(&d, "v100"), -1);
	uint32_t *renum = mlv_dict_sort(&d);
	/* v0 < v1 < v10 < v11 ... in byte order */
	CHECK_STR(d.names[0], "v0");
	CHECK_STR(d.names[2], "v10");
	CHECK_INT(renum[1], mlv_dict_find(&d, "v7"));
	CHECK_STR(d.names[renum[1]], "v7");
	free(renum);
	mlv_dict_free(&d);
	CHECK(d.names == NULL && d.n == 0);
}

int
main(void)
{
	RUN(record_keys);
	RUN(short_ids);
	RUN(dictionary);
	return TEST_EXIT();
}
