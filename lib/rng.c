/* rng.c - see rng.h */
#include "rng.h"

#include <math.h>

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

void
mlv_rng_seed(mlv_rng *g, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		g->s[i] = splitmix64(&seed);
}

void
mlv_rng_stream(mlv_rng *g, uint64_t seed, uint64_t index)
{
	uint64_t x = seed;
	uint64_t mixed = splitmix64(&x) ^ (index * 0xD1B54A32D192ED03ULL);
	mlv_rng_seed(g, mixed);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
mlv_rng_u64(mlv_rng *g)
{
	uint64_t *s = g->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double
mlv_rng_uniform(mlv_rng *g)
{
	return (double)(mlv_rng_u64(g) >> 11) * 0x1.0p-53;
}

uint64_t
mlv_rng_below(mlv_rng *g, uint64_t n)
{
	__uint128_t m = (__uint128_t)mlv_rng_u64(g) * n;
	uint64_t low = (uint64_t)m;
	if (low < n) {
		uint64_t threshold = -n % n;
		while (low < threshold) {
			m = (__uint128_t)mlv_rng_u64(g) * n;
			low = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

double
mlv_rng_normal(mlv_rng *g)
{
	double u, v, s;
	do {
		u = 2.0 * mlv_rng_uniform(g) - 1.0;
		v = 2.0 * mlv_rng_uniform(g) - 1.0;
		s = u * u + v * v;
	} while (s >= 1.0 || s == 0.0);
	/* The polar method yields two variates; using one keeps the state a
	 * plain function of the call count, which checkpoints rely on. */
	return u * sqrt(-2.0 * log(s) / s);
}

void
mlv_rng_shuffle(mlv_rng *g, uint32_t *idx, uint64_t n)
{
	for (uint64_t i = n; i > 1; i--) {
		uint64_t j = mlv_rng_below(g, i);
		uint32_t t = idx[i - 1];
		idx[i - 1] = idx[j];
		idx[j] = t;
	}
}
