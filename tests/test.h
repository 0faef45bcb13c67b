/* test.h - the unit tests' tiny harness.
 *
 * Each TEST(name) is a function; RUN(name) calls it and prints "ok NAME" or
 * "not ok NAME" followed by the failed checks.  tests/run.sh counts those
 * lines across every test program.  Checks report file, line, expected and
 * actual values, so a failure explains itself without a debugger.
 */
#ifndef MLV_TEST_H
#define MLV_TEST_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

static int test_failed_checks;
static int test_failures;

#define TEST(name) static void test_##name(void)

#define RUN(name) do { \
	test_failed_checks = 0; \
	test_##name(); \
	printf("%s %s\n", test_failed_checks ? "not ok" : "ok", #name); \
	fflush(stdout); \
	test_failures += test_failed_checks != 0; \
} while (0)

#define CHECK(cond) do { \
	if (!(cond)) { \
		test_failed_checks++; \
		printf("#   %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	} \
} while (0)

#define CHECK_INT(a, b) do { \
	long long va_ = (long long)(a), vb_ = (long long)(b); \
	if (va_ != vb_) { \
		test_failed_checks++; \
		printf("#   %s:%d: %s == %s: got %lld, expected %lld\n", \
		       __FILE__, __LINE__, #a, #b, va_, vb_); \
	} \
} while (0)

#define CHECK_STR(a, b) do { \
	const char *sa_ = (a), *sb_ = (b); \
	if (!sa_ || !sb_ || strcmp(sa_, sb_)) { \
		test_failed_checks++; \
		printf("#   %s:%d: %s == %s: got \"%s\", expected \"%s\"\n", \
		       __FILE__, __LINE__, #a, #b, sa_ ? sa_ : "(null)", \
		       sb_ ? sb_ : "(null)"); \
	} \
} while (0)

/* |a-b| <= tol * max(1, |b|): absolute near zero, relative elsewhere. */
#define CHECK_NEAR(a, b, tol) do { \
	double na_ = (a), nb_ = (b), nt_ = (tol); \
	double scale_ = fabs(nb_) > 1 ? fabs(nb_) : 1; \
	if (!(fabs(na_ - nb_) <= nt_ * scale_)) { \
		test_failed_checks++; \
		printf("#   %s:%d: %s ~ %s: got %.9g, expected %.9g (tol %g)\n", \
		       __FILE__, __LINE__, #a, #b, na_, nb_, nt_); \
	} \
} while (0)

#define TEST_EXIT() (test_failures ? 1 : 0)

/* n x d standard normal values from seed, malloc'd: the random points of
 * the neighbour, similarity and clustering tests. */
static inline float *
test_normal_points(size_t n, size_t d, uint64_t seed)
{
	mlv_rng g;
	mlv_rng_seed(&g, seed);
	float *x = malloc(n * d * sizeof(float));
	for (size_t i = 0; i < n * d; i++)
		x[i] = (float)mlv_rng_normal(&g);
	return x;
}

#endif
