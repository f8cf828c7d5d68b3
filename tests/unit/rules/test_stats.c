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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nearest_rank),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
