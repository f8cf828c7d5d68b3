/* test_arrival.c - tests of src/rules/arrival.c: the rhythm, the trend, the draws. */
#include "util/common.h"
#include "rules/arrival.h"
#include "util/time.h"
#include "util/xalloc.h"
#include "testlib.h"

#include <math.h>

/* Monday 2026-11-16 00:00 UTC. */
#define MONDAY 1794787200000LL
#define HOUR MS_PER_HOUR
#define DAY MS_PER_DAY
#define YEAR_MS (365.2425 * (double)MS_PER_DAY)

/* Every hour weighs 1, no trend: arrivals uniform in time. */
static void flat(struct arrival_model *m)
{
	for (int i = 0; i < ARRIVAL_WEEK_HOURS; i++)
		m->week[i] = 1;
	m->growth = 0;
	m->anchor = MONDAY;
}

static double week_hour(const struct arrival_model *m, int day, int hour)
{
	return m->week[day * 24 + hour];
}

static void test_default_rhythm(void **state)
{
	struct arrival_model m;
	double max = 0, weekday = 0, weekend = 0;

	(void)state;
	arrival_model_default(&m, MONDAY);
	assert_true(m.growth > 0.39 && m.growth < 0.41);
	assert_true(m.anchor == MONDAY);
	for (int i = 0; i < ARRIVAL_WEEK_HOURS; i++) {
		assert_true(m.week[i] > 0 && m.week[i] <= 1);
		max = fmax(max, m.week[i]);
	}
	assert_true(max == 1.0);
	for (int d = 0; d < 7; d++)
		for (int h = 0; h < 24; h++)
			*(d < 5 ? &weekday : &weekend) += week_hour(&m, d, h) / (d < 5 ? 5 : 2);
	/* Business hours against the night, on every weekday. */
	for (int d = 0; d < 5; d++)
		for (int h = 10; h < 16; h++)
			assert_true(week_hour(&m, d, h) > 3 * week_hour(&m, d, 3));
	assert_true(weekend < 0.5 * weekday);
	/* The Monday bump and the quieter Friday afternoon. */
	assert_true(week_hour(&m, 0, 10) > week_hour(&m, 2, 10));
	assert_true(week_hour(&m, 4, 15) < week_hour(&m, 3, 15));
}

static void test_rate_follows_week_and_trend(void **state)
{
	struct arrival_model m;

	(void)state;
	arrival_model_default(&m, MONDAY);
	/* Any instant in a clock hour has the hour's rate. */
	assert_true(arrival_rate(&m, MONDAY + 10 * HOUR) == arrival_rate(&m, MONDAY + 10 * HOUR +
										 HOUR - 1));
	/* The week's weight times the trend at the middle of the hour. */
	assert_true(fabs(arrival_rate(&m, MONDAY + 10 * HOUR) /
			 (week_hour(&m, 0, 10) * pow(1.4, 10.5 * HOUR / YEAR_MS)) - 1) < 1e-12);
	assert_true(fabs(arrival_rate(&m, MONDAY + DAY + 3 * HOUR + 59 * MS_PER_MIN) /
			 (week_hour(&m, 1, 3) * pow(1.4, 27.5 * HOUR / YEAR_MS)) - 1) < 1e-12);
	/* 52 weeks later, the same hour of the week: grown by 1.4^(364 days / year). */
	double ratio = arrival_rate(&m, MONDAY + 364 * DAY + 10 * HOUR) /
		       arrival_rate(&m, MONDAY + 10 * HOUR);
	assert_true(fabs(ratio - pow(1.4, 364.0 / 365.2425)) < 1e-9);
	/* Before the anchor the trend falls. */
	assert_true(arrival_rate(&m, MONDAY - 364 * DAY + 10 * HOUR) <
		    arrival_rate(&m, MONDAY + 10 * HOUR));
	/* Instants before 1970 work the same (floor division, not truncation). */
	m.anchor = -1000 * DAY;
	assert_true(fabs(arrival_rate(&m, -1000 * DAY + 10 * HOUR) /
			 week_hour(&m, time_weekday_utc(-1000 * DAY), 10) - 1) < 1e-3);
}

static void test_mass(void **state)
{
	struct arrival_model m;

	(void)state;
	flat(&m);
	assert_true(arrival_mass(&m, MONDAY, MONDAY) == 0);
	assert_true(arrival_mass(&m, MONDAY + HOUR, MONDAY) == 0);
	assert_true(fabs(arrival_mass(&m, MONDAY, MONDAY + HOUR) - 1) < 1e-12);
	assert_true(fabs(arrival_mass(&m, MONDAY, MONDAY + 7 * DAY) - 168) < 1e-9);
	/* Partial hours count by their length. */
	assert_true(fabs(arrival_mass(&m, MONDAY + HOUR / 2, MONDAY + HOUR) - 0.5) < 1e-12);
	assert_true(fabs(arrival_mass(&m, MONDAY + 10 * MS_PER_MIN, MONDAY + 25 * MS_PER_MIN) -
			 0.25) < 1e-12);

	/* Additive at any split point, with the real rhythm and trend. */
	arrival_model_default(&m, MONDAY);
	int64_t a = MONDAY - 40 * DAY + 1234567, b = MONDAY + 3 * DAY + 777, c = MONDAY + 90 * DAY;
	double whole = arrival_mass(&m, a, c);
	double parts = arrival_mass(&m, a, b) + arrival_mass(&m, b, c);
	assert_true(fabs(whole - parts) < 1e-9 * whole);
	/* A week's mass: the sum of the week's weights, each times its hour's trend. */
	double sum = 0;
	for (int i = 0; i < ARRIVAL_WEEK_HOURS; i++)
		sum += m.week[i] * pow(1.4, (i + 0.5) * HOUR / YEAR_MS);
	assert_true(fabs(arrival_mass(&m, MONDAY, MONDAY + 7 * DAY) / sum - 1) < 1e-12);
}

static void test_draw_sorted_in_window(void **state)
{
	struct arrival_model m;
	struct rng r;
	enum { N = 50000 };
	int64_t *out = xcalloc(N, sizeof(int64_t));

	(void)state;
	arrival_model_default(&m, MONDAY);
	rng_init(&r, 1);
	/* A window not aligned to hours. */
	int64_t start = MONDAY - 30 * DAY + 17 * MS_PER_MIN + 3, end = MONDAY + 5 * HOUR + 59;
	assert_int_equal(arrival_draw(&m, start, end, N, &r, out), 0);
	for (int i = 0; i < N; i++) {
		assert_true(out[i] >= start && out[i] < end);
		if (i)
			assert_true(out[i] >= out[i - 1]);
	}
	free(out);
}

static void test_draw_deterministic(void **state)
{
	struct arrival_model m;
	struct rng r1, r2, r3;
	enum { N = 2000 };
	int64_t a[N], b[N], c[N];

	(void)state;
	arrival_model_default(&m, MONDAY);
	rng_init(&r1, 42);
	rng_init(&r2, 42);
	rng_init(&r3, 43);
	assert_int_equal(arrival_draw(&m, MONDAY - 365 * DAY, MONDAY, N, &r1, a), 0);
	assert_int_equal(arrival_draw(&m, MONDAY - 365 * DAY, MONDAY, N, &r2, b), 0);
	assert_int_equal(arrival_draw(&m, MONDAY - 365 * DAY, MONDAY, N, &r3, c), 0);
	assert_memory_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, c, sizeof(a));

	/* A stream gives the same sequence as a draw. */
	struct arrival_stream s;
	rng_init(&r1, 42);
	assert_int_equal(arrival_stream_init(&s, &m, MONDAY - 365 * DAY, MONDAY, N, &r1), 0);
	for (int i = 0; i < N; i++)
		assert_true(arrival_stream_next(&s) == a[i]);
}

static void test_draw_refuses(void **state)
{
	struct arrival_model m;
	struct rng r;
	int64_t out[4] = {7, 7, 7, 7};
	struct arrival_stream s;

	(void)state;
	flat(&m);
	rng_init(&r, 1);
	assert_int_equal(arrival_draw(&m, MONDAY, MONDAY, 4, &r, out), -1);
	assert_int_equal(arrival_draw(&m, MONDAY + 1, MONDAY, 4, &r, out), -1);
	/* No mass: only Monday 09:00 weighs, and the window misses it. */
	for (int i = 0; i < ARRIVAL_WEEK_HOURS; i++)
		m.week[i] = 0;
	m.week[9] = 1;
	assert_int_equal(arrival_draw(&m, MONDAY + 10 * HOUR, MONDAY + DAY, 4, &r, out), -1);
	assert_int_equal(arrival_stream_init(&s, &m, MONDAY + 10 * HOUR, MONDAY + DAY, 4, &r), -1);
	for (int i = 0; i < 4; i++)
		assert_true(out[i] == 7);
	/* No arrivals is fine. */
	assert_int_equal(arrival_draw(&m, MONDAY, MONDAY + DAY, 0, &r, out), 0);
	assert_true(out[0] == 7);
}

static void test_zero_hours_stay_empty(void **state)
{
	struct arrival_model m;
	struct rng r;
	enum { N = 10000 };
	int64_t out[N];

	(void)state;
	flat(&m);
	for (int i = 0; i < ARRIVAL_WEEK_HOURS; i++)
		m.week[i] = 0;
	m.week[9] = 1;     /* Monday 09:00 */
	m.week[4 * 24 + 23] = 1; /* Friday 23:00 */
	rng_init(&r, 5);
	/* Three weeks: six hours with mass, everything else empty. */
	assert_int_equal(arrival_draw(&m, MONDAY, MONDAY + 21 * DAY, N, &r, out), 0);
	for (int i = 0; i < N; i++) {
		int64_t in_week = (out[i] - MONDAY) % (7 * DAY);
		assert_true((in_week >= 9 * HOUR && in_week < 10 * HOUR) ||
			    (in_week >= 4 * DAY + 23 * HOUR && in_week < 5 * DAY));
	}
	/* The last arrival lies in the last hour with mass, never past it. */
	assert_true(out[N - 1] >= MONDAY + 18 * DAY + 23 * HOUR);
	assert_true(out[N - 1] < MONDAY + 19 * DAY);
}

static void test_shares_follow_weights(void **state)
{
	struct arrival_model m;
	struct rng r;
	enum { N = 200000 };
	int64_t *out = xcalloc(N, sizeof(int64_t));
	int early = 0;

	(void)state;
	/* Monday 00:00 weighs 1, Monday 01:00 weighs 3: a quarter falls in the first hour. */
	flat(&m);
	m.week[1] = 3;
	rng_init(&r, 11);
	assert_int_equal(arrival_draw(&m, MONDAY, MONDAY + 2 * HOUR, N, &r, out), 0);
	for (int i = 0; i < N; i++)
		early += out[i] < MONDAY + HOUR;
	/* Binomial: sd = sqrt(N * 0.25 * 0.75) ~ 194; allow 5 sd. */
	assert_true(abs(early - N / 4) < 1000);

	/* Uniform inside an hour: as many in its first half as in its second. */
	int first_half = 0;
	for (int i = 0; i < N; i++)
		first_half += out[i] >= MONDAY + HOUR && out[i] < MONDAY + HOUR + HOUR / 2;
	int in_second_hour = N - early;
	assert_true(abs(2 * first_half - in_second_hour) < 2 * 1000);
	free(out);
}

static void test_trend_grows_volume(void **state)
{
	struct arrival_model m;
	struct rng r;
	enum { N = 200000 };
	int64_t *out = xcalloc(N, sizeof(int64_t));
	int first = 0;

	(void)state;
	/* Flat week, +40% a year, two years: the second year has 1.4 times the first. */
	flat(&m);
	m.growth = 0.4;
	int64_t start = MONDAY - 2 * 364 * DAY, mid = MONDAY - 364 * DAY;
	rng_init(&r, 3);
	assert_int_equal(arrival_draw(&m, start, MONDAY, N, &r, out), 0);
	for (int i = 0; i < N; i++)
		first += out[i] < mid;
	double ratio = (double)(N - first) / first;
	double expect = arrival_mass(&m, mid, MONDAY) / arrival_mass(&m, start, mid);
	assert_true(fabs(expect - pow(1.4, 364 * (double)DAY / YEAR_MS)) < 1e-3);
	assert_true(fabs(ratio - expect) < 0.03);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_rhythm),
		cmocka_unit_test(test_rate_follows_week_and_trend),
		cmocka_unit_test(test_mass),
		cmocka_unit_test(test_draw_sorted_in_window),
		cmocka_unit_test(test_draw_deterministic),
		cmocka_unit_test(test_draw_refuses),
		cmocka_unit_test(test_zero_hours_stay_empty),
		cmocka_unit_test(test_shares_follow_weights),
		cmocka_unit_test(test_trend_grows_volume),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
