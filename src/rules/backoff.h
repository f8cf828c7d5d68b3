/*
 * backoff.h - when to try failed work again: exponential backoff with
 * jitter, capped.
 *
 * The n-th retry (n >= 1) waits base * 2^(n-1), at most cap, then is
 * spread by jitter: the delay is drawn uniformly from [d/2, d] with the
 * caller's unit draw u in [0, 1). Halving at most keeps a retry from
 * coming back at once while workers that failed together (an SMTP server
 * down for everyone) drift apart instead of retrying in step.
 *
 * Pure: no I/O, no globals, no randomness of its own.
 */
#ifndef CHAMPION_BACKOFF_H
#define CHAMPION_BACKOFF_H

#include "util/common.h"

struct backoff {
	int64_t base_ms; /* the first retry's delay before jitter; > 0 */
	int64_t cap_ms;  /* no delay is longer; >= base_ms */
};

/* The delay before retry n (n < 1 is taken as 1), in ms; in [1, cap]. */
int64_t backoff_delay(const struct backoff *b, int n, double u);

#endif
