/*
 * rng.h - a small deterministic pseudo-random generator (xoshiro256**).
 *
 * For synthetic data and simulation, where a seed must give the same
 * sequence on every machine; never for secrets (libsodium is for those).
 */
#ifndef CHAMPION_RNG_H
#define CHAMPION_RNG_H

#include "util/common.h"

struct rng {
	uint64_t s[4];
};

void rng_init(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
/* Uniform in [0, 1). */
double rng_double(struct rng *r);
/* Uniform integer in [0, n); n > 0. */
uint64_t rng_below(struct rng *r, uint64_t n);
/* Exponential with the given mean. */
double rng_exp(struct rng *r, double mean);
/* Log-normal whose median is median and log-space sigma is sigma. */
double rng_lognormal(struct rng *r, double median, double sigma);
/* Standard normal (Box-Muller). */
double rng_normal(struct rng *r);

#endif
