/* test-norm.c - normalisation statistics: fit, save, load, apply. */
#include <stdlib.h>

#include "norm.h"
#include "test.h"

TEST(minmax_per_column_fitted_over_blocks)
{
	float a[] = {0, 10, 2, 20};   /* 2 rows x 2 cols */
	float b[] = {4, 30, NAN, 40};
	mlv_norm s;
	mlv_norm_init(&s, MLV_NORM_MINMAX, 1, 2);
	mlv_norm_add(&s, a, 2);
	mlv_norm_add(&s, b, 2);
	float x[] = {0, 10, 4, 40, 2, 25};
	mlv_norm_apply(&s, x, 3);
	CHECK_NEAR(x[0], 0, 1e-7);
	CHECK_NEAR(x[1], 0, 1e-7);
	CHECK_NEAR(x[2], 1, 1e-7);
	CHECK_NEAR(x[3], 1, 1e-7);
	CHECK_NEAR(x[4], 0.5, 1e-7);
	CHECK_NEAR(x[5], 0.5, 1e-7);
	mlv_norm_free(&s);
}

TEST(zscore_global)
{
	float a[] = {1, 2, 3, 4, 5, 6};
	mlv_norm s;
	mlv_norm_init(&s, MLV_NORM_ZSCORE, 0, 3);
	mlv_norm_add(&s, a, 2);
	mlv_norm_apply(&s, a, 2);
	double sd = sqrt(17.5 / 6);
	CHECK_NEAR(a[0], (1 - 3.5) / sd, 1e-6);
	CHECK_NEAR(a[5], (6 - 3.5) / sd, 1e-6);
	mlv_norm_free(&s);
}

TEST(constant_data_does_not_divide_by_zero)
{
	float a[] = {3, 3, 3, 3};
	for (int kind = MLV_NORM_MINMAX; kind <= MLV_NORM_ZSCORE; kind++) {
		mlv_norm s;
		mlv_norm_init(&s, (mlv_norm_kind)kind, 1, 2);
		mlv_norm_add(&s, a, 2);
		float x[] = {3, 3, 5, 3};
		mlv_norm_apply(&s, x, 2);
		CHECK(x[0] == 0 && x[1] == 0 && x[2] == 0 && x[3] == 0);
		mlv_norm_free(&s);
	}
}

TEST(record_round_trip_and_width_check)
{
	float a[] = {1, 100, 2, 300, 4, 200};
	for (int kind = MLV_NORM_MINMAX; kind <= MLV_NORM_ZSCORE; kind++) {
		mlv_norm s, t;
		mlv_norm_init(&s, (mlv_norm_kind)kind, 1, 2);
		mlv_norm_add(&s, a, 3);
		mlv_record r;
		mlv_record_init(&r);
		mlv_norm_to_record(&s, &r);
		CHECK_STR(mlv_meta_get(&r, "kind"), "stats");
		CHECK_INT(r.rows, 2);
		CHECK_INT(r.cols, 2);
		char err[256];
		CHECK_INT(mlv_norm_from_record(&t, &r, 2, err, sizeof err), 0);
		float x[] = {1, 100, 3, 250}, y[] = {1, 100, 3, 250};
		mlv_norm_apply(&s, x, 2);
		mlv_norm_apply(&t, y, 2);
		for (int i = 0; i < 4; i++)
			CHECK_NEAR(y[i], x[i], 1e-6);
		mlv_norm_invert(&t, y, 2);
		CHECK_NEAR(y[0], 1, 1e-5);
		CHECK_NEAR(y[1], 100, 1e-5);
		CHECK_NEAR(y[3], 250, 1e-5);
		mlv_norm_free(&t);
		CHECK_INT(mlv_norm_from_record(&t, &r, 3, err, sizeof err), -1);
		CHECK(strstr(err, "fitted on 2 columns, data has 3") != NULL);
		mlv_meta_set(&r, "kind", "spec");
		CHECK_INT(mlv_norm_from_record(&t, &r, 2, err, sizeof err), -1);
		CHECK(strstr(err, "not normalisation statistics") != NULL);
		mlv_record_free(&r);
		mlv_norm_free(&s);
	}
}

TEST(parse_names)
{
	mlv_norm_kind k;
	CHECK(mlv_norm_parse("minmax", &k) == 0 && k == MLV_NORM_MINMAX);
	CHECK(mlv_norm_parse("zscore", &k) == 0 && k == MLV_NORM_ZSCORE);
	CHECK(mlv_norm_parse("none", &k) == 0 && k == MLV_NORM_NONE);
	CHECK(mlv_norm_parse("max", &k) == -1);
}

int
main(void)
{
	RUN(minmax_per_column_fitted_over_blocks);
	RUN(zscore_global);
	RUN(constant_data_does_not_divide_by_zero);
	RUN(record_round_trip_and_width_check);
	RUN(parse_names);
	return TEST_EXIT();
}
