/* stats.c - percentiles by nearest rank. */
#include "util/common.h"
#include "rules/stats.h"

static int cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

void stats_sort(int64_t *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp);
}

int64_t stats_percentile(const int64_t *sorted, size_t n, int p)
{
	size_t rank;

	if (!n || p <= 0)
		return n ? sorted[0] : 0;
	if (p >= 100)
		return sorted[n - 1];
	rank = ((size_t)p * n + 99) / 100; /* ceil(p * n / 100), from 1 */
	return sorted[rank ? rank - 1 : 0];
}
