/* test_stats.c - tests of src/rules/stats.c: nearest-rank percentiles. */
#include "util/common.h"
#include "rules/stats.h"
#include "testlib.h"

static void test_nearest_rank(void **state)
{
	(void)state;
	int64_t v[] = {50, 10, 40, 20, 30};
	stats_sort(v, ARRAY_SIZE(v));
	assert_int_equal(v[0], 10);
	assert_int_equal(v[4], 50);
	/* n = 5: p50 is rank ceil(2.5) = 3, p90 rank 5, p20 rank 1. */
	assert_int_equal(stats_percentile(v, 5, 50), 30);
	assert_int_equal(stats_percentile(v, 5, 90), 50);
	assert_int_equal(stats_percentile(v, 5, 20), 10);
	assert_int_equal(stats_percentile(v, 5, 21), 20);
	assert_int_equal(stats_percentile(v, 5, 100), 50);
	assert_int_equal(stats_percentile(v, 0, 50), 0);
	/* 100 values 1..100: pN is N. */
	int64_t w[100];
	for (int i = 0; i < 100; i++)
		w[i] = 100 - i;
	stats_sort(w, 100);
	assert_int_equal(stats_percentile(w, 100, 50), 50);
	assert_int_equal(stats_percentile(w, 100, 90), 90);
	assert_int_equal(stats_percentile(w, 100, 99), 99);
	int64_t one = 7;
	assert_int_equal(stats_percentile(&one, 1, 99), 7);
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Selection gives what sorting gives, in any order of percentiles, with ties and runs. */
static void test_percentiles_select(void **state)
{
	static const struct {
		const char *name;
		int spread; /* values drawn from [0, spread); 0: ascending, -1: descending */
	} cases[] = {
		{"random", 1000000}, {"many ties", 3}, {"all equal", 1}, {"ascending", 0},
		{"descending", -1},
	};
	static const int ps[] = {50, 90, 99, 1, 100, 50, 75};
	static const size_t sizes[] = {1, 2, 3, 5, 10, 99, 100, 101, 1000, 4097};
	uint64_t seed = 88172645463325252ull;
	(void)state;

	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		for (size_t z = 0; z < ARRAY_SIZE(sizes); z++) {
			size_t n = sizes[z];
			int64_t *v = calloc(n, sizeof(*v)), *sorted = calloc(n, sizeof(*v));
			int64_t got[ARRAY_SIZE(ps)];
			for (size_t i = 0; i < n; i++) {
				seed ^= seed << 13;
				seed ^= seed >> 7;
				seed ^= seed << 17;
				v[i] = cases[c].spread > 0 ? (int64_t)(seed % (uint64_t)cases[c].spread)
				       : cases[c].spread == 0 ? (int64_t)i : (int64_t)(n - i);
				sorted[i] = v[i];
			}
			qsort(sorted, n, sizeof(*sorted), cmp64);
			stats_percentiles(v, n, ps, ARRAY_SIZE(ps), got);
			for (size_t i = 0; i < ARRAY_SIZE(ps); i++)
				if (got[i] != stats_percentile(sorted, n, ps[i]))
					fail_msg("%s, n %zu: p%d is %lld, not %lld", cases[c].name, n,
						 ps[i], (long long)got[i],
						 (long long)stats_percentile(sorted, n, ps[i]));
			/* The values are all still there. */
			qsort(v, n, sizeof(*v), cmp64);
			assert_memory_equal(v, sorted, n * sizeof(*v));
			free(v);
			free(sorted);
		}
	}
	int64_t none[1] = {0}, out[1] = {-1};
	stats_percentiles(none, 0, ps, 1, out);
	assert_int_equal(out[0], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nearest_rank),
		cmocka_unit_test(test_percentiles_select),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
