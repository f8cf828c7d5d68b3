/* test_time.c - tests of src/util/time.c: ISO 8601, the civil calendar, the clock. */
#include "util/common.h"
#include "util/time.h"
#include "testlib.h"

#include <time.h>

/* Expected instants computed independently (Python's datetime, UTC). */
#define T_2024_02_29 1709164800000LL
#define T_2026_01_01 1767225600000LL
#define T_2026_03_01 1772323200000LL
#define T_0001_01_01 (-62135596800000LL)
#define T_9999_END 253402300799999LL /* 9999-12-31T23:59:59.999Z */

struct fmt_case {
	const char *name;
	int64_t ms;
	const char *iso;
};

static const struct fmt_case fmt_cases[] = {
	{"epoch", 0, "1970-01-01T00:00:00.000Z"},
	{"one ms before the epoch", -1, "1969-12-31T23:59:59.999Z"},
	{"one day before the epoch", -86400000LL, "1969-12-31T00:00:00.000Z"},
	{"1960", -315619200000LL, "1960-01-01T00:00:00.000Z"},
	{"1900-03-01 (1900 not leap)", -2203891200000LL, "1900-03-01T00:00:00.000Z"},
	{"leap day 2000 noon", 951825600000LL, "2000-02-29T12:00:00.000Z"},
	{"leap day 2024", T_2024_02_29, "2024-02-29T00:00:00.000Z"},
	{"day after leap day", T_2024_02_29 + 86400000LL, "2024-03-01T00:00:00.000Z"},
	{"last ms of 2025", T_2026_01_01 - 1, "2025-12-31T23:59:59.999Z"},
	{"first ms of 2026", T_2026_01_01, "2026-01-01T00:00:00.000Z"},
	{"2026-02-28 end", T_2026_03_01 - 1, "2026-02-28T23:59:59.999Z"},
	{"the header's example", 1795321225123LL, "2026-11-22T04:20:25.123Z"},
	{"year 1", T_0001_01_01, "0001-01-01T00:00:00.000Z"},
	{"year 9999 end", T_9999_END, "9999-12-31T23:59:59.999Z"},
	{"year 10000 (past the fast path)", T_9999_END + 1, "10000-01-01T00:00:00.000Z"},
	{"year 0 (1 BC)", T_0001_01_01 - 1, "0000-12-31T23:59:59.999Z"},
};

static void test_format_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(fmt_cases); i++) {
		char out[TIME_ISO_MAX];
		const struct fmt_case *c = &fmt_cases[i];
		char *r = time_format_iso(c->ms, out);
		assert_ptr_equal(r, out);
		if (strcmp(out, c->iso) != 0)
			fail_msg("case '%s': got %s, want %s", c->name, out, c->iso);
	}
}

struct parse_case {
	const char *name;
	const char *s;
	int rc;
	int64_t ms;
};

static const struct parse_case parse_cases[] = {
	{"date alone is midnight UTC", "2026-01-01", 0, T_2026_01_01},
	{"leap day 2024", "2024-02-29", 0, T_2024_02_29},
	{"leap day 2000 (div by 400)", "2000-02-29T12:00:00Z", 0, 951825600000LL},
	{"time without zone is UTC", "2026-01-01T00:00", 0, T_2026_01_01},
	{"minutes only with Z", "2026-01-01T00:01Z", 0, T_2026_01_01 + 60000},
	{"milliseconds", "2025-12-31T23:59:59.999Z", 0, T_2026_01_01 - 1},
	{"one fraction digit", "2026-01-01T00:00:00.5Z", 0, T_2026_01_01 + 500},
	{"fraction beyond ms truncates", "2026-01-01T00:00:00.1239Z", 0, T_2026_01_01 + 123},
	{"offset +05:30", "2026-03-01T05:30:00+05:30", 0, T_2026_03_01},
	{"offset -08:00 crosses back a month", "2026-02-28T16:00:00-08:00", 0, T_2026_03_01},
	{"offset -03:30 (minutes count against the sign)", "2026-02-28T20:30:00-03:30", 0,
	 T_2026_03_01},
	{"offset +00:00", "2026-01-01T00:00:00+00:00", 0, T_2026_01_01},
	{"offset into the previous year", "2026-01-01T01:00+02:00", 0, T_2026_01_01 - 3600000},
	{"negative instant", "1969-12-31T23:59:59.999Z", 0, -1},
	{"1960", "1960-01-01", 0, -315619200000LL},
	{"year 1", "0001-01-01T00:00:00Z", 0, T_0001_01_01},

	{"2026 is not leap", "2026-02-29", -1, 0},
	{"1900 is not leap", "1900-02-29", -1, 0},
	{"2100 is not leap", "2100-02-29T00:00Z", -1, 0},
	{"hour 24", "2026-01-01T24:00", -1, 0},
	{"hour 24 with seconds and zone", "2026-01-01T24:00:00Z", -1, 0},
	{"minute 60", "2026-01-01T10:60Z", -1, 0},
	{"month 13", "2026-13-01", -1, 0},
	{"month 0", "2026-00-10", -1, 0},
	{"day 0", "2026-01-00", -1, 0},
	{"day 32", "2026-01-32", -1, 0},
	{"april 31", "2026-04-31", -1, 0},
	{"garbage", "garbage", -1, 0},
	{"empty", "", -1, 0},
	{"short month", "2026-1-01", -1, 0},
	{"two-digit year", "26-01-01", -1, 0},
	{"slashes", "2026/01/01", -1, 0},
	{"T without time", "2026-01-01T", -1, 0},
	{"hour without minutes", "2026-01-01T10", -1, 0},
	{"dot without digits", "2026-01-01T10:00:00.Z", -1, 0},
	{"zone on a date alone", "2026-01-01Z", -1, 0},
	{"trailing junk after Z", "2026-01-01T10:00Zjunk", -1, 0},
	{"trailing junk after date", "2026-01-01x", -1, 0},
	{"one-digit offset hour", "2026-01-01T10:00+5:30", -1, 0},
	{"offset hour 24", "2026-01-01T10:00+24:00", -1, 0},
	{"offset minute 60", "2026-01-01T10:00+05:60", -1, 0},
	{"offset cut short", "2026-01-01T10:00+05:", -1, 0},
	{"leading space", " 2026-01-01", -1, 0},
	{"negative year", "-001-01-01", -1, 0},
};

static void test_parse_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(parse_cases); i++) {
		const struct parse_case *c = &parse_cases[i];
		int64_t ms = 4242;
		int rc = time_parse_iso(c->s, &ms);
		if (rc != c->rc)
			fail_msg("case '%s' (\"%s\"): rc %d, want %d", c->name, c->s, rc, c->rc);
		if (rc == 0 && ms != c->ms)
			fail_msg("case '%s': %" PRId64 ", want %" PRId64, c->name, ms, c->ms);
		if (rc != 0 && ms != 4242)
			fail_msg("case '%s': *ms changed on failure", c->name);
	}
}

static void round_trip(int64_t ms)
{
	char iso[TIME_ISO_MAX];
	int64_t back = 0;

	time_format_iso(ms, iso);
	if (time_parse_iso(iso, &back) != 0)
		fail_msg("%" PRId64 " formats as '%s', which does not parse", ms, iso);
	if (back != ms)
		fail_msg("%" PRId64 " -> '%s' -> %" PRId64, ms, iso, back);
}

static void test_round_trips(void **state)
{
	(void)state;
	static const int64_t spots[] = {
		0, -1, 1, T_2024_02_29 - 1, T_2024_02_29, T_2024_02_29 + 86400000LL - 1,
		T_2026_01_01 - 1, T_2026_01_01, T_2026_03_01 - 1, T_0001_01_01, T_9999_END,
		951782400000LL /* 2000-02-29 */, -2203891200001LL /* 1900-02-28 end */,
	};
	for (size_t i = 0; i < ARRAY_SIZE(spots); i++)
		round_trip(spots[i]);
	/* A sweep over years 1..9999 with a step that visits every ms offset class. */
	for (int64_t ms = T_0001_01_01; ms <= T_9999_END; ms += 9876543211LL)
		round_trip(ms);
	/* Every hour around the leap days of 1900 (none), 2000 and 2024, and a year end. */
	static const int64_t days[] = {-2203977600000LL, 951696000000LL, T_2024_02_29 - 86400000LL,
				       T_2026_01_01 - 86400000LL};
	for (size_t i = 0; i < ARRAY_SIZE(days); i++)
		for (int64_t ms = days[i]; ms < days[i] + 3 * 86400000LL; ms += 3600000LL - 1)
			round_trip(ms);
}

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(int64_t y, unsigned m)
{
	static const unsigned dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && leap(y) ? 29 : dm[m - 1];
}

/*
 * Walks the calendar one day at a time from -4800-01-01 to 9999-12-31 with
 * a calendar written here, and checks both conversions at every day.
 */
static void test_civil_days_walk(void **state)
{
	(void)state;
	int64_t y = -4800;
	unsigned m = 1, d = 1;
	int64_t days = -719162; /* 0001-01-01, from Python's datetime */

	/* Days from -4800-01-01 to 0001-01-01 (astronomical years, 0 is leap). */
	for (int64_t yy = -4800; yy < 1; yy++)
		days -= leap(yy) ? 366 : 365;
	assert_int_equal(time_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(time_days_from_civil(1, 1, 1), -719162);
	assert_int_equal(time_days_from_civil(9999, 12, 31), 2932896);
	for (;;) {
		int64_t cy;
		unsigned cm, cd;

		if (time_days_from_civil(y, m, d) != days)
			fail_msg("days_from_civil(%" PRId64 "-%u-%u) = %" PRId64 ", want %" PRId64, y,
				 m, d, time_days_from_civil(y, m, d), days);
		time_civil_from_days(days, &cy, &cm, &cd);
		if (cy != y || cm != m || cd != d)
			fail_msg("civil_from_days(%" PRId64 ") = %" PRId64 "-%u-%u, want %" PRId64
				 "-%u-%u",
				 days, cy, cm, cd, y, m, d);
		if (y == 9999 && m == 12 && d == 31)
			break;
		days++;
		if (++d > month_days(y, m)) {
			d = 1;
			if (++m > 12) {
				m = 1;
				y++;
			}
		}
	}
}

static void test_weekday(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int64_t ms;
		int wd; /* 0 Monday .. 6 Sunday */
	} cases[] = {
		{"epoch is a Thursday", 0, 3},
		{"last ms of 1969 is a Wednesday", -1, 2},
		{"2000-01-01 is a Saturday", 946684800000LL, 5},
		{"2024-02-29 is a Thursday", T_2024_02_29, 3},
		{"2026-11-22 is a Sunday", 1795321225123LL, 6},
		{"0001-01-01 is a Monday", T_0001_01_01, 0},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		if (time_weekday_utc(cases[i].ms) != cases[i].wd)
			fail_msg("case '%s': %d, want %d", cases[i].name,
				 time_weekday_utc(cases[i].ms), cases[i].wd);
	/* Each day is the next weekday, across the epoch and negative days. */
	int prev = time_weekday_utc(-4000 * MS_PER_DAY);
	for (int64_t day = -3999; day < 4000; day++) {
		int w = time_weekday_utc(day * MS_PER_DAY + 12345);
		assert_int_equal(w, (prev + 1) % 7);
		assert_int_equal(time_weekday_utc(day * MS_PER_DAY + MS_PER_DAY - 1), w);
		prev = w;
	}
}

static int64_t custom_now(void)
{
	return 123456789;
}

static void test_clock(void **state)
{
	(void)state;
	time_set_fixed(T_2026_01_01);
	assert_int_equal(time_now_ms(), T_2026_01_01);
	assert_int_equal(time_now_ms(), T_2026_01_01); /* it does not move */
	time_set_fixed(-5);
	assert_int_equal(time_now_ms(), -5);
	time_set_clock(custom_now);
	assert_int_equal(time_now_ms(), 123456789);

	/* NULL restores the real clock. */
	time_set_clock(NULL);
	int64_t now = time_now_ms();
	int64_t wall = (int64_t)time(NULL) * 1000;
	assert_true(now > T_2024_02_29);
	assert_true(now - wall < 5000 && wall - now < 5000);
}

static void test_clock_from_env(void **state)
{
	(void)state;
	unsetenv("CHAMPION_NOW");
	time_set_fixed(77);
	assert_int_equal(time_clock_from_env(), 0); /* unset: clock untouched */
	assert_int_equal(time_now_ms(), 77);

	setenv("CHAMPION_NOW", "2026-03-01T05:30:00+05:30", 1);
	assert_int_equal(time_clock_from_env(), 0);
	assert_int_equal(time_now_ms(), T_2026_03_01);

	setenv("CHAMPION_NOW", "1767225600000", 1);
	time_set_fixed(0);
	assert_int_equal(time_clock_from_env(), 0);
	assert_int_equal(time_now_ms(), T_2026_01_01);

	setenv("CHAMPION_NOW", "next tuesday", 1);
	assert_int_equal(time_clock_from_env(), -1);
	setenv("CHAMPION_NOW", "2026-02-29", 1);
	assert_int_equal(time_clock_from_env(), -1);
	assert_int_equal(time_now_ms(), T_2026_01_01); /* a malformed value changes nothing */

	unsetenv("CHAMPION_NOW");
	time_set_clock(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_table),
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_civil_days_walk),
		cmocka_unit_test(test_weekday),
		cmocka_unit_test(test_clock),
		cmocka_unit_test(test_clock_from_env),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
