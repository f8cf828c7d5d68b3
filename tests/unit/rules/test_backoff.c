/* test_backoff.c - tests of src/rules/backoff.c: doubling, the cap, jitter. */
#include "util/common.h"
#include "rules/backoff.h"
#include "testlib.h"

static void test_doubles_to_the_cap(void **state)
{
	const struct backoff b = {1000, 60000};

	(void)state;
	/* u just under 1: the top of the jitter range, the undisturbed delay. */
	assert_int_equal(backoff_delay(&b, 1, 0.999999999), 1000);
	assert_int_equal(backoff_delay(&b, 2, 0.999999999), 2000);
	assert_int_equal(backoff_delay(&b, 3, 0.999999999), 4000);
	assert_int_equal(backoff_delay(&b, 6, 0.999999999), 32000);
	assert_int_equal(backoff_delay(&b, 7, 0.999999999), 60000);
	assert_int_equal(backoff_delay(&b, 1000000, 0.999999999), 60000);
	assert_int_equal(backoff_delay(&b, 0, 0.999999999), 1000);
	assert_int_equal(backoff_delay(&b, -5, 0.999999999), 1000);
}

static void test_jitter_is_within_half(void **state)
{
	const struct backoff b = {1000, 60000};

	(void)state;
	assert_int_equal(backoff_delay(&b, 1, 0), 500);
	assert_int_equal(backoff_delay(&b, 3, 0), 2000);
	assert_int_equal(backoff_delay(&b, 50, 0), 30000);
	for (int n = 1; n < 70; n++)
		for (double u = 0; u < 1; u += 0.0625) {
			int64_t d = backoff_delay(&b, n, u), top = backoff_delay(&b, n, 0.9999999);
			assert_true(d >= top / 2 && d <= top);
			assert_true(d <= backoff_delay(&b, n + 1, u));
		}
	/* A draw outside [0, 1) is taken as 0, never past the delay. */
	assert_int_equal(backoff_delay(&b, 1, 1.5), 500);
	assert_int_equal(backoff_delay(&b, 1, -1), 500);
}

static void test_odd_settings(void **state)
{
	const struct backoff zero = {0, 0}, big = {INT64_MAX / 2, INT64_MAX};

	(void)state;
	assert_int_equal(backoff_delay(&zero, 5, 0.5), 1);
	assert_true(backoff_delay(&big, 100, 0.9999) > 0);
	assert_true(backoff_delay(&big, 100, 0.9999) <= INT64_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doubles_to_the_cap),
		cmocka_unit_test(test_jitter_is_within_half),
		cmocka_unit_test(test_odd_settings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
