/* rng.h - a seeded, portable random number generator.
 *
 * xoshiro256** (Blackman and Vigna, "Scrambled linear pseudorandom number
 * generators", 2018), seeded through splitmix64 so that any 64-bit --seed,
 * 0 included, gives a good state.  The same seed gives the same numbers on
 * every platform: no rand(), no clock, no global state.
 */
#ifndef MLV_RNG_H
#define MLV_RNG_H

#include <stdint.h>

typedef struct {
	uint64_t s[4];
} mlv_rng;

void mlv_rng_seed(mlv_rng *g, uint64_t seed);
/* An independent stream for worker `index` (thread, shard, restart):
 * seeded from the parent's seed and the index, not from its position,
 * so results do not depend on the order workers are started. */
void mlv_rng_stream(mlv_rng *g, uint64_t seed, uint64_t index);
uint64_t mlv_rng_u64(mlv_rng *g);
/* Uniform in [0, 1), 53 random bits. */
double mlv_rng_uniform(mlv_rng *g);
/* Uniform integer in [0, n), unbiased (Lemire's method); n > 0. */
uint64_t mlv_rng_below(mlv_rng *g, uint64_t n);
/* Standard normal (Marsaglia's polar method). */
double mlv_rng_normal(mlv_rng *g);
/* Fisher-Yates shuffle of n indices. */
void mlv_rng_shuffle(mlv_rng *g, uint32_t *idx, uint64_t n);

#endif
