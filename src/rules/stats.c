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

/* The index of the p-th percentile in n sorted values (n > 0). */
static size_t rank_index(size_t n, int p)
{
	size_t rank;

	if (p <= 0)
		return 0;
	if (p >= 100)
		return n - 1;
	rank = ((size_t)p * n + 99) / 100; /* ceil(p * n / 100), from 1 */
	return rank ? rank - 1 : 0;
}

int64_t stats_percentile(const int64_t *sorted, size_t n, int p)
{
	return n ? sorted[rank_index(n, p)] : 0;
}

static void swap(int64_t *v, size_t i, size_t j)
{
	int64_t t = v[i];
	v[i] = v[j];
	v[j] = t;
}

/*
 * Puts the k-th smallest of v[0..n) at v[k], none larger before it and
 * none smaller after (Hoare's selection, median-of-three pivots); falls
 * back to sorting what is left when the pivots keep choosing badly.
 */
static void select_kth(int64_t *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1, rounds = 0;

	while (lo < hi) {
		if (++rounds > 64) {
			qsort(v + lo, hi - lo + 1, sizeof(*v), cmp);
			return;
		}
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid] < v[lo])
			swap(v, mid, lo);
		if (v[hi] < v[lo])
			swap(v, hi, lo);
		if (v[hi] < v[mid])
			swap(v, hi, mid);
		int64_t pivot = v[mid];
		size_t i = lo, j = hi;
		/* Invariant: v[lo..i) <= pivot, v(j..hi] >= pivot. */
		for (;;) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i >= j)
				break;
			swap(v, i, j);
			i++;
			j--;
		}
		/* Now v[lo..j] <= pivot <= v[j+1..hi] (j may be i or i - 1). */
		if (i == j) {
			if (k == i)
				return;
			if (k < i)
				hi = i - 1;
			else
				lo = i + 1;
		} else if (k <= j) {
			hi = j;
		} else {
			lo = j + 1;
		}
	}
}

void stats_percentiles(int64_t *v, size_t n, const int *p, size_t np, int64_t *out)
{
	for (size_t i = 0; i < np; i++) {
		size_t k, lo = 0, hi = n;
		bool found = false;

		if (!n) {
			out[i] = 0;
			continue;
		}
		k = rank_index(n, p[i]);
		/* A value selected before stays put: look only between the nearest ones. */
		for (size_t j = 0; j < i && !found; j++) {
			size_t kj = rank_index(n, p[j]);
			found = kj == k;
			if (kj < k && kj + 1 > lo)
				lo = kj + 1;
			else if (kj > k && kj < hi)
				hi = kj;
		}
		if (!found)
			select_kth(v + lo, hi - lo, k - lo);
		out[i] = v[k];
	}
}
