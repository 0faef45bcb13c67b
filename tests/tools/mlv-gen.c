/* mlv-gen - write a synthetic MLV stream for tests and benchmarks.
 *
 *   mlv-gen [--records N] [--rows R] [--cols C] [--seed S] [--nan K]
 *           [--separation D]
 *
 * Each record holds R x C standard normal values (seeded, so the same
 * arguments give the same bytes), id=gen/<i>, t0, dt and label.part
 * (a or b, alternating) metadata; --nan puts K NaN values in each record
 * (none when K exceeds R x C); --separation adds D to the first column of
 * the records labelled b, so a and b form two blobs D apart.
 * A test helper, not installed.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "rng.h"
#include "stream.h"
#include "util.h"

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"records", required_argument, NULL, 'n'},
		{"rows", required_argument, NULL, 'r'},
		{"cols", required_argument, NULL, 'c'},
		{"seed", required_argument, NULL, 's'},
		{"nan", required_argument, NULL, 'N'},
		{"separation", required_argument, NULL, 'D'},
		{NULL, 0, NULL, 0},
	};
	long long records = 1, rows = 4, cols = 3, seed = 0, nans = 0;
	double separation = 0;
	int c;
	mlv_init(argv);
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': records = mlv_parse_int(optarg, 0, 1LL << 32, "--records"); break;
		case 'r': rows = mlv_parse_int(optarg, 0, 1LL << 32, "--rows"); break;
		case 'c': cols = mlv_parse_int(optarg, 0, 1LL << 32, "--cols"); break;
		case 's': seed = mlv_parse_int(optarg, 0, 1LL << 62, "--seed"); break;
		case 'N': nans = mlv_parse_int(optarg, 0, 1LL << 32, "--nan"); break;
		case 'D': separation = mlv_parse_double(optarg, -1e6, 1e6, "--separation"); break;
		default: return MLV_EXIT_USAGE;
		}
	}
	mlv_rng g;
	mlv_rng_seed(&g, (uint64_t)seed);
	mlv_writer *w = mlv_writer_open_or_die("-");
	mlv_record r;
	mlv_record_init(&r);
	mlv_record_resize(&r, (size_t)rows, (size_t)cols);
	size_t n = r.rows * r.cols;
	for (long long i = 0; i < records; i++) {
		for (size_t k = 0; k < n; k++)
			r.data[k] = (float)mlv_rng_normal(&g);
		for (size_t k = 0; i % 2 && k < r.rows && r.cols; k++)
			r.data[k * r.cols] += (float)separation;
		/* One NaN in each of `nans` equal stretches: distinct places,
		 * so a record holds exactly that many. */
		for (long long k = 0; k < nans && (size_t)nans <= n; k++) {
			size_t stretch = n / (size_t)nans;
			r.data[(size_t)k * stretch + mlv_rng_below(&g, stretch)] = NAN;
		}
		mlv_meta_clear(&r);
		mlv_meta_setf(&r, "id", "gen/%lld", i);
		mlv_meta_setf(&r, "t0", "%lld", i * 10);
		mlv_meta_set(&r, "dt", "0.025");
		mlv_meta_set(&r, "kind", "test");
		mlv_meta_set(&r, "label.part", i % 2 ? "b" : "a");
		mlv_write_or_die(w, &r);
	}
	mlv_writer_close_or_die(w);
	mlv_record_free(&r);
	return 0;
}
