/*
 * stats.h - percentiles for reports: waiting times are reported as
 * median, p90 and p99 beside counts, never as averages.
 *
 * Pure: no I/O, no globals, no allocation.
 */
#ifndef CHAMPION_STATS_H
#define CHAMPION_STATS_H

#include "util/common.h"

/* Sorts v ascending in place. */
void stats_sort(int64_t *v, size_t n);

/*
 * The p-th percentile (0 < p <= 100) of n ascending values by nearest
 * rank: the smallest value with at least p% of the values at or below
 * it, v[ceil(p * n / 100) - 1]. 0 when n is 0.
 */
int64_t stats_percentile(const int64_t *sorted, size_t n, int p);

/*
 * The p[i]-th percentiles of v's n values into out[i] (np of them), the
 * same as stats_percentile gives of the sorted values, without sorting:
 * a selection per percentile, linear on average. Reorders v.
 */
void stats_percentiles(int64_t *v, size_t n, const int *p, size_t np, int64_t *out);

#endif
