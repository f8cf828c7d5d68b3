/*
 * test_calendar.c - tests of src/rules/calendar.c: business-hours arithmetic.
 *
 * Named cases worked out by hand (DST days in five zones, year ends, a
 * leap day, overnight shifts, holidays, errors), then randomised
 * properties checked against a brute-force reference that walks UTC
 * minute by minute and asks ICU for each minute's local date and time.
 */
#include "util/common.h"
#include "rules/calendar.h"
#include "util/rng.h"
#include "util/time.h"
#include "util/xalloc.h"
#include "testlib.h"

#include <time.h>
#include <unicode/ucal.h>
#include <unicode/ustring.h>

#define MIN MS_PER_MIN

static int64_t iso(const char *s)
{
	int64_t ms;
	if (time_parse_iso(s, &ms))
		fail_msg("bad instant '%s' in a test", s);
	return ms;
}

/*
 * Holidays in a test's own short form: "2026-12-25; 2026-12-24 13:00-24:00"
 * (a date alone is a whole day). Returns how many were written to h.
 */
static size_t holidays(const char *text, struct calendar_holiday *h, size_t cap)
{
	size_t n = 0;

	while (text && *text) {
		int y, mo, d, sh, sm, eh, em, used = 0;
		assert_true(n < cap);
		memset(&h[n], 0, sizeof(h[n]));
		if (sscanf(text, " %d-%d-%d %d:%d-%d:%d%n", &y, &mo, &d, &sh, &sm, &eh, &em,
		           &used) == 7) {
			h[n].start = sh * 60 + sm;
			h[n].end = eh * 60 + em;
		} else if (sscanf(text, " %d-%d-%d%n", &y, &mo, &d, &used) != 3) {
			fail_msg("bad holidays '%s' in a test", text);
		}
		h[n].year = y;
		h[n].month = mo;
		h[n].day = d;
		n++;
		text += used;
		while (*text == ';' || *text == ' ')
			text++;
	}
	return n;
}

/* A calendar from a schedule's text and holidays' text; fails the test on error. */
static void cal_open(struct calendar *c, const char *zone, const char *sched, const char *hols)
{
	struct calendar_week w;
	struct calendar_holiday h[16];
	struct err e = ERR_INIT;
	size_t nh = holidays(hols, h, ARRAY_SIZE(h));

	if (calendar_week_parse(&w, sched, &e) != ERR_OK)
		fail_msg("schedule '%s': %s", sched, e.msg);
	if (calendar_init(c, zone, &w, h, nh, &e) != ERR_OK)
		fail_msg("calendar %s '%s': %s", zone, sched, e.msg);
}

/* Business minutes in [a, b). */
struct between_case {
	const char *name, *zone, *sched, *hols;
	const char *a, *b;
	int64_t minutes;
};

static const struct between_case between_cases[] = {
    {"ny plain week", "America/New_York", "mon-fri 09:00-17:00", NULL, "2026-01-05T00:00-05:00",
     "2026-01-10T00:00-05:00", 5 * 480},
    {"ny spring forward skips 02:00-03:00", "America/New_York", "sun 01:00-04:00", NULL,
     "2026-03-08T00:00Z", "2026-03-09T00:00Z", 120},
    {"ny fall back counts 01:00-02:00 twice", "America/New_York", "sun 01:00-03:00", NULL,
     "2026-11-01T00:00Z", "2026-11-02T00:00Z", 180},
    {"london summer day", "Europe/London", "mon-fri 09:00-17:00", NULL, "2026-07-01T08:00Z",
     "2026-07-01T16:00Z", 480},
    {"london 23-hour sunday", "Europe/London", "sun 00:00-24:00", NULL, "2026-03-28T00:00Z",
     "2026-03-31T00:00Z", 23 * 60},
    {"london 25-hour sunday", "Europe/London", "sun 00:00-24:00", NULL, "2026-10-24T00:00Z",
     "2026-10-27T00:00Z", 25 * 60},
    {"lord howe half-hour fall back", "Australia/Lord_Howe", "sun 01:00-03:00", NULL,
     "2026-04-04T00:00Z", "2026-04-06T00:00Z", 150},
    {"lord howe half-hour spring forward", "Australia/Lord_Howe", "sun 01:00-03:00", NULL,
     "2026-10-03T00:00Z", "2026-10-05T00:00Z", 90},
    {"kolkata +05:30", "Asia/Kolkata", "mon-fri 09:00-17:30", NULL, "2026-01-14T03:30Z",
     "2026-01-14T12:00Z", 510},
    {"kolkata day seen from utc", "Asia/Kolkata", "mon-fri 09:00-17:30", NULL, "2026-01-14T00:00Z",
     "2026-01-15T00:00Z", 510},
    {"chatham +13:45 summer day", "Pacific/Chatham", "mon-fri 09:00-17:00", NULL,
     "2026-01-13T19:15Z", "2026-01-14T03:15Z", 480},
    {"chatham 03:45 falls back to 02:45", "Pacific/Chatham", "sun 02:00-05:00", NULL,
     "2026-04-04T00:00Z", "2026-04-06T00:00Z", 240},
    {"leap february", "Europe/London", "mon-fri 09:00-17:00", NULL, "2028-02-01T00:00Z",
     "2028-03-01T00:00Z", 21 * 480},
    {"leap day holiday", "Europe/London", "mon-fri 09:00-17:00", "2028-02-29", "2028-02-01T00:00Z",
     "2028-03-01T00:00Z", 20 * 480},
    {"overnight shifts, none from sunday", "Etc/UTC", "mon-fri 22:00-06:00", NULL,
     "2026-01-05T00:00Z", "2026-01-12T00:00Z", 5 * 480},
    {"overnight across spring forward", "America/New_York", "sat 22:00-06:00", NULL,
     "2026-03-07T12:00Z", "2026-03-09T00:00Z", 420},
    {"overnight across fall back", "America/New_York", "sat 22:00-06:00", NULL, "2026-10-31T12:00Z",
     "2026-11-02T00:00Z", 540},
    {"christmas: full and half day", "America/New_York", "mon-fri 09:00-17:00",
     "2026-12-25; 2026-12-24 13:00-24:00", "2026-12-21T00:00-05:00", "2026-12-27T00:00-05:00",
     3 * 480 + 240},
    {"holiday on a closed day changes nothing", "America/New_York", "mon-fri 09:00-17:00",
     "2026-12-26", "2026-12-21T00:00-05:00", "2026-12-27T00:00-05:00", 5 * 480},
    {"holiday closes the overnight part on its date", "Etc/UTC", "daily 22:00-06:00", "2026-12-25",
     "2026-12-24T12:00Z", "2026-12-26T12:00Z", 120 + 360},
    {"overlapping holidays close their union", "Etc/UTC", "daily 09:00-17:00",
     "2026-06-01 10:00-12:00; 2026-06-01 11:00-13:00; 2026-06-01 16:00-24:00", "2026-06-01T00:00Z",
     "2026-06-02T00:00Z", 60 + 180},
    {"overlapping intervals count once", "Etc/UTC", "mon 09:00-12:00,11:00-13:00; sun 22:00-10:00",
     NULL, "2026-06-01T00:00Z", "2026-06-02T00:00Z", 13 * 60},
    {"year end", "America/New_York", "mon-fri 09:00-17:00", "2027-01-01", "2026-12-31T00:00-05:00",
     "2027-01-05T00:00-05:00", 480 + 480},
    {"reversed is negative", "Etc/UTC", "mon-fri 09:00-17:00", NULL, "2026-01-06T00:00Z",
     "2026-01-05T10:30Z", -(390 + 0)},
    {"empty range", "Etc/UTC", "daily 00:00-24:00", NULL, "2026-01-06T00:00Z", "2026-01-06T00:00Z",
     0},
};

static void test_between_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(between_cases); i++) {
		const struct between_case *k = &between_cases[i];
		struct calendar c;
		int64_t a = iso(k->a), b = iso(k->b);

		cal_open(&c, k->zone, k->sched, k->hols);
		int64_t got = calendar_minutes_between(&c, a, b);
		if (got != k->minutes)
			fail_msg("%s: %" PRId64 " minutes, want %" PRId64, k->name, got,
			         k->minutes);
		assert_true(calendar_business_ms(&c, a, b) == k->minutes * MIN);
		assert_true(calendar_minutes_between(&c, b, a) == -k->minutes);
		calendar_release(&c);
	}
}

/* The instant that many business minutes after from. */
struct add_case {
	const char *name, *zone, *sched, *hols;
	const char *from;
	int64_t minutes;
	const char *want;
};

static const struct add_case add_cases[] = {
    {"within the day", "America/New_York", "mon-fri 09:00-17:00", NULL, "2026-01-05T10:00-05:00",
     90, "2026-01-05T11:30-05:00"},
    {"ends at closing, not next opening", "America/New_York", "mon-fri 09:00-17:00", NULL,
     "2026-01-05T16:00-05:00", 60, "2026-01-05T17:00-05:00"},
    {"over the weekend", "America/New_York", "mon-fri 09:00-17:00", NULL, "2026-01-09T16:00-05:00",
     61, "2026-01-12T09:01-05:00"},
    {"zero outside hours stays put", "America/New_York", "mon-fri 09:00-17:00", NULL,
     "2026-01-10T12:00-05:00", 0, "2026-01-10T12:00-05:00"},
    {"negative stays put", "America/New_York", "mon-fri 09:00-17:00", NULL,
     "2026-01-10T12:00-05:00", -5, "2026-01-10T12:00-05:00"},
    {"spring forward: the skipped hour is not worked", "America/New_York", "sun 01:00-04:00", NULL,
     "2026-03-08T06:00Z", 90, "2026-03-08T07:30Z"},
    {"spring forward from before opening", "America/New_York", "sun 01:00-04:00", NULL,
     "2026-03-08T05:00Z", 61, "2026-03-08T07:01Z"},
    {"fall back: the repeated hour is worked twice", "America/New_York", "sun 01:00-03:00", NULL,
     "2026-11-01T05:00Z", 150, "2026-11-01T07:30Z"},
    {"london summer", "Europe/London", "mon-fri 09:00-17:00", NULL, "2026-07-01T07:00Z", 60,
     "2026-07-01T09:00Z"},
    {"lord howe after the half-hour change", "Australia/Lord_Howe", "sun 01:00-03:00", NULL,
     "2026-04-04T14:00Z", 120, "2026-04-04T16:00Z"},
    {"kolkata", "Asia/Kolkata", "mon-fri 09:00-17:30", NULL, "2026-01-14T03:00Z", 60,
     "2026-01-14T04:30Z"},
    {"chatham", "Pacific/Chatham", "mon-fri 09:00-17:00", NULL, "2026-01-13T19:00Z", 480,
     "2026-01-14T03:15Z"},
    {"chatham into the next day", "Pacific/Chatham", "mon-fri 09:00-17:00", NULL,
     "2026-01-13T19:00Z", 481, "2026-01-14T19:16Z"},
    {"year end with new year's day off", "America/New_York", "mon-fri 09:00-17:00", "2027-01-01",
     "2026-12-31T16:00-05:00", 120, "2027-01-04T10:00-05:00"},
    {"through a leap day", "Europe/London", "mon-fri 09:00-17:00", NULL, "2028-02-28T16:00Z", 120,
     "2028-02-29T10:00Z"},
    {"over a leap-day holiday", "Europe/London", "mon-fri 09:00-17:00", "2028-02-29",
     "2028-02-28T16:00Z", 120, "2028-03-01T10:00Z"},
    {"overnight shift to its end", "Etc/UTC", "mon-fri 22:00-06:00", NULL, "2026-01-09T23:00Z", 420,
     "2026-01-10T06:00Z"},
    {"overnight shift to monday night", "Etc/UTC", "mon-fri 22:00-06:00", NULL, "2026-01-09T23:00Z",
     421, "2026-01-12T22:01Z"},
    {"overnight across spring forward", "America/New_York", "sat 22:00-06:00", NULL,
     "2026-03-08T03:00Z", 300, "2026-03-08T08:00Z"},
    {"half-day holiday", "America/New_York", "mon-fri 09:00-17:00",
     "2026-12-25; 2026-12-24 13:00-24:00", "2026-12-24T12:00-05:00", 61, "2026-12-28T09:01-05:00"},
};

static void test_add_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(add_cases); i++) {
		const struct add_case *k = &add_cases[i];
		struct calendar c;
		char got_s[TIME_ISO_MAX], want_s[TIME_ISO_MAX];
		int64_t from = iso(k->from), want = iso(k->want);

		cal_open(&c, k->zone, k->sched, k->hols);
		int64_t got = calendar_add_minutes(&c, from, k->minutes);
		if (got != want)
			fail_msg("%s: %s, want %s", k->name, time_format_iso(got, got_s),
			         time_format_iso(want, want_s));
		if (k->minutes > 0)
			assert_true(calendar_minutes_between(&c, from, got) == k->minutes);
		calendar_release(&c);
	}
}

static void test_next_open_and_is_open(void **state)
{
	struct calendar c;

	(void)state;
	cal_open(&c, "America/New_York", "mon-fri 09:00-17:00", "2026-01-12");
	/* Open: itself. Closed: the next opening, over a weekend and a holiday. */
	assert_true(calendar_next_open(&c, iso("2026-01-09T12:00-05:00")) ==
	            iso("2026-01-09T12:00-05:00"));
	assert_true(calendar_next_open(&c, iso("2026-01-09T17:00-05:00")) ==
	            iso("2026-01-13T09:00-05:00"));
	assert_true(calendar_is_open(&c, iso("2026-01-09T09:00-05:00")));
	assert_true(calendar_is_open(&c, iso("2026-01-09T16:59:59.999-05:00")));
	assert_false(calendar_is_open(&c, iso("2026-01-09T17:00-05:00")));
	assert_false(calendar_is_open(&c, iso("2026-01-09T08:59:59.999-05:00")));
	assert_false(calendar_is_open(&c, iso("2026-01-12T12:00-05:00")));
	assert_false(calendar_is_open(&c, INT64_MIN));
	assert_false(calendar_is_open(&c, INT64_MAX));
	/* Millisecond precision: half a minute is half a minute. */
	assert_true(calendar_business_ms(&c, iso("2026-01-09T16:59:30-05:00"),
	                                 iso("2026-01-13T09:00:30-05:00")) == 60000);
	assert_true(calendar_add_ms(&c, iso("2026-01-09T16:59:30-05:00"), 45000) ==
	            iso("2026-01-13T09:00:15-05:00"));
	/* Before 1970 nothing is open: the first opening is 1970's. */
	assert_true(calendar_next_open(&c, -1000 * MS_PER_DAY) == iso("1970-01-01T09:00-05:00"));
	calendar_release(&c);
}

static void test_limits(void **state)
{
	struct calendar c;

	(void)state;
	cal_open(&c, "Etc/UTC", "daily 00:00-01:00", NULL);
	/* Nothing after 2200: NEVER, not a loop. */
	assert_true(calendar_next_open(&c, iso("2199-12-31T02:00Z")) == CALENDAR_NEVER);
	assert_true(calendar_next_open(&c, INT64_MAX - 1) == CALENDAR_NEVER);
	assert_true(calendar_add_minutes(&c, iso("2199-12-30T00:00Z"), 121) == CALENDAR_NEVER);
	assert_true(calendar_add_minutes(&c, iso("2199-12-30T00:00Z"), 120) ==
	            iso("2199-12-31T01:00Z"));
	assert_true(calendar_add_minutes(&c, 0, INT64_MAX) == CALENDAR_NEVER);
	assert_true(calendar_add_minutes(&c, INT64_MIN, 1) == 60000);
	/* The whole range: 230 years of an hour a day, in one call. */
	int64_t days = (CALENDAR_MAX_MS - CALENDAR_MIN_MS) / MS_PER_DAY;
	assert_true(calendar_minutes_between(&c, INT64_MIN, INT64_MAX) == days * 60);
	assert_true(calendar_minutes_between(&c, INT64_MAX, INT64_MIN) == -days * 60);
	calendar_release(&c);
}

/* A closed stretch longer than the horizon ends the search; a shorter one does not. */
static void test_horizon(void **state)
{
	struct calendar_week w;
	struct err e = ERR_INIT;
	struct calendar c;
	enum { N = 18300 }; /* more days than 50 years */
	struct calendar_holiday *h = xcalloc(N, sizeof(*h));
	int64_t first = time_days_from_civil(2030, 1, 1);

	(void)state;
	for (int i = 0; i < N; i++) {
		int64_t y;
		unsigned m, d;
		time_civil_from_days(first + i, &y, &m, &d);
		h[i] = (struct calendar_holiday){.year = (int)y, .month = (int)m, .day = (int)d};
	}
	assert_int_equal(calendar_week_parse(&w, "daily 09:00-17:00", &e), ERR_OK);
	assert_int_equal(calendar_init(&c, "Etc/UTC", &w, h, N, &e), ERR_OK);
	assert_true(calendar_next_open(&c, first * MS_PER_DAY) == CALENDAR_NEVER);
	assert_true(calendar_add_minutes(&c, first * MS_PER_DAY - 60 * MIN, 61) == CALENDAR_NEVER);
	assert_true(
	    calendar_minutes_between(&c, first * MS_PER_DAY, (first + N + 1) * MS_PER_DAY) == 480);
	calendar_release(&c);

	assert_int_equal(calendar_init(&c, "Etc/UTC", &w, h, 18000, &e), ERR_OK);
	assert_true(calendar_next_open(&c, first * MS_PER_DAY) ==
	            (first + 18000) * MS_PER_DAY + 9 * 60 * MIN);
	calendar_release(&c);
	free(h);
}

static void expect_init_error(const char *zone, const struct calendar_week *w,
                              const struct calendar_holiday *h, size_t nh, const char *msg)
{
	struct calendar c;
	struct err e = ERR_INIT;

	assert_int_equal(calendar_init(&c, zone, w, h, nh, &e), ERR_INVALID);
	assert_contains(e.msg, msg);
	/* Nothing to release, and releasing is harmless. */
	assert_null(c.dated);
	assert_null(c.offsets);
	calendar_release(&c);
}

static void test_init_errors(void **state)
{
	struct calendar_week w;
	struct calendar_holiday h = {.year = 2026, .month = 12, .day = 25};
	struct err e = ERR_INIT;

	(void)state;
	assert_int_equal(calendar_week_parse(&w, "", &e), ERR_OK);
	expect_init_error("Europe/London", &w, NULL, 0, "no business hours");
	assert_int_equal(calendar_week_parse(&w, "mon-fri 09:00-17:00", &e), ERR_OK);
	expect_init_error("Mars/Olympus_Mons", &w, NULL, 0,
	                  "unknown time zone 'Mars/Olympus_Mons'");
	/* Names are case-sensitive, custom offsets and ICU's Etc/Unknown are no zones. */
	expect_init_error("america/new_york", &w, NULL, 0, "unknown time zone");
	expect_init_error("Etc/Unknown", &w, NULL, 0, "unknown time zone");
	expect_init_error("GMT+05:00", &w, NULL, 0, "unknown time zone");
	expect_init_error("", &w, NULL, 0, "unknown time zone");
	expect_init_error("Europe/London\n", &w, NULL, 0, "unknown time zone");
	expect_init_error("Europe/Londonnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn",
	                  &w, NULL, 0, "unknown time zone");

	h.day = 32;
	expect_init_error("Europe/London", &w, &h, 1, "holiday 2026-12-32 is not a date");
	h = (struct calendar_holiday){.year = 2027, .month = 2, .day = 29};
	expect_init_error("Europe/London", &w, &h, 1, "not a date");
	h = (struct calendar_holiday){.year = 1969, .month = 12, .day = 31};
	expect_init_error("Europe/London", &w, &h, 1, "not a date");
	h = (struct calendar_holiday){.year = 2026, .month = 12, .day = 24, .start = 780};
	expect_init_error("Europe/London", &w, &h, 1, "closes [780, 0)");
	h.end = 1441;
	expect_init_error("Europe/London", &w, &h, 1, "closes [780, 1441)");

	w.day[2][0] = (struct calendar_interval){1440, 1500};
	expect_init_error("Europe/London", &w, NULL, 0, "wednesday interval [1440, 1500)");
	w.day[2][0] = (struct calendar_interval){600, 600};
	expect_init_error("Europe/London", &w, NULL, 0, "wednesday interval [600, 600)");
	w.day[2][0] = (struct calendar_interval){600, 2881};
	expect_init_error("Europe/London", &w, NULL, 0, "wednesday interval");
	w.day[2][0] = (struct calendar_interval){600, 700};
	w.n[6] = CALENDAR_DAY_MAX + 1;
	expect_init_error("Europe/London", &w, NULL, 0, "sunday has 9 intervals");
}

static void test_parse(void **state)
{
	struct calendar_week w;
	struct err e = ERR_INIT;

	(void)state;
	assert_int_equal(calendar_week_parse(&w, "mon-fri 09:00-17:00; sat 10:00-14:00", &e),
	                 ERR_OK);
	for (int d = 0; d < 5; d++) {
		assert_int_equal(w.n[d], 1);
		assert_int_equal(w.day[d][0].start, 540);
		assert_int_equal(w.day[d][0].end, 1020);
	}
	assert_int_equal(w.n[5], 1);
	assert_int_equal(w.day[5][0].start, 600);
	assert_int_equal(w.n[6], 0);

	/* Wrapping day ranges, overnight, lists, daily, 24:00, case. */
	assert_int_equal(calendar_week_parse(&w,
	                                     " FRI-Mon 22:00-06:00 ;mon,wed 8:00-12:00, "
	                                     "13:00-24:00 ; daily 00:00-24:00;",
	                                     &e),
	                 ERR_OK);
	assert_int_equal(w.n[0], 4);
	assert_int_equal(w.day[0][0].start, 1320);
	assert_int_equal(w.day[0][0].end, 1800);
	assert_int_equal(w.day[0][1].start, 480);
	assert_int_equal(w.day[0][2].end, 1440);
	assert_int_equal(w.day[0][3].start, 0);
	assert_int_equal(w.n[1], 1);
	assert_int_equal(w.n[2], 3);
	assert_int_equal(w.n[3], 1);
	assert_int_equal(w.n[4], 2);
	assert_int_equal(w.n[5], 2);
	assert_int_equal(w.n[6], 2);

	static const struct {
		const char *text, *msg;
	} bad[] = {
	    {"mon-fry 09:00-17:00", "'mon-fry' is not a day range"},
	    {"mnday 09:00-17:00", "'mnday' is not a day"},
	    {"mon 9-17", "'9-17' is not a time range"},
	    {"mon 09:00-17:60", "'09:00-17:60' is not a time range"},
	    {"mon 09:00-25:00", "is not a time range"},
	    {"mon 09:00-17:00x", "'09:00-17:00x' is not a time range"},
	    {"mon 09:00-09:00", "'09:00-09:00' is empty"},
	    {"mon 24:00-02:00", "'24:00-02:00' is empty"},
	    {"mon", "expected a space and times after the days"},
	    {"mon-fri09:00-17:00", "expected a space"},
	    {"mon ; tue 09:00-10:00", "days without times"},
	    {"mon 1:00-2:00 2:00-3:00 3:00-4:00 4:00-5:00 5:00-6:00 6:00-7:00 7:00-8:00 "
	     "8:00-9:00 9:00-10:00",
	     "more than 8 intervals on monday"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		err_clear(&e);
		if (calendar_week_parse(&w, bad[i].text, &e) != ERR_INVALID)
			fail_msg("'%s' parsed", bad[i].text);
		assert_contains(e.msg, bad[i].msg);
	}
}

/*
 * The reference: business time by definition, one UTC minute at a time.
 * ICU gives each minute's local date, weekday and time; the schedule and
 * holidays are read as given, not through the calendar's tables.
 */
struct reference {
	UCalendar *uc;
	const struct calendar_week *w;
	const struct calendar_holiday *h;
	size_t nh;
};

static bool ref_open(const struct reference *r, int64_t t)
{
	UErrorCode st = U_ZERO_ERROR;

	ucal_setMillis(r->uc, (UDate)t, &st);
	int y = ucal_get(r->uc, UCAL_YEAR, &st);
	int mo = ucal_get(r->uc, UCAL_MONTH, &st) + 1;
	int d = ucal_get(r->uc, UCAL_DATE, &st);
	int wd = (ucal_get(r->uc, UCAL_DAY_OF_WEEK, &st) + 5) % 7; /* Sunday 1 -> 6 */
	int m = ucal_get(r->uc, UCAL_HOUR_OF_DAY, &st) * 60 + ucal_get(r->uc, UCAL_MINUTE, &st);
	int prev = (wd + 6) % 7;
	bool open = false;

	assert_true(U_SUCCESS(st));
	for (int i = 0; i < r->w->n[wd]; i++)
		open |= r->w->day[wd][i].start <= m && m < r->w->day[wd][i].end;
	for (int i = 0; i < r->w->n[prev]; i++)
		open |= r->w->day[prev][i].start <= m + 1440 && m + 1440 < r->w->day[prev][i].end;
	for (size_t i = 0; i < r->nh; i++) {
		const struct calendar_holiday *h = &r->h[i];
		if (h->year == y && h->month == mo && h->day == d &&
		    ((h->start == 0 && h->end == 0) || (h->start <= m && m < h->end)))
			open = false;
	}
	return open;
}

/* A random schedule with business time: 0-3 intervals a day, some overnight, some long. */
static void random_week(struct rng *r, struct calendar_week *w)
{
	static const int grain[] = {1, 5, 15, 30, 60};
	bool any;

	do {
		int g = grain[rng_below(r, ARRAY_SIZE(grain))];
		any = false;
		memset(w, 0, sizeof(*w));
		for (int d = 0; d < 7; d++) {
			w->n[d] = (int)rng_below(r, 4);
			for (int i = 0; i < w->n[d]; i++) {
				int s = (int)rng_below(r, 1440 / g) * g;
				int len = (int)(rng_below(r, 4) == 0 ? rng_below(r, 1440)
				                                     : rng_below(r, 600)) +
				          1;
				len = (len + g - 1) / g * g;
				w->day[d][i].start = s;
				w->day[d][i].end = s + len > 2880 ? 2880 : s + len;
			}
			any |= w->n[d] > 0;
		}
	} while (!any);
}

/* Local civil date and minute of t, through ICU. */
static void local_date(UCalendar *uc, int64_t t, struct calendar_holiday *h)
{
	UErrorCode st = U_ZERO_ERROR;
	ucal_setMillis(uc, (UDate)t, &st);
	h->year = ucal_get(uc, UCAL_YEAR, &st);
	h->month = ucal_get(uc, UCAL_MONTH, &st) + 1;
	h->day = ucal_get(uc, UCAL_DATE, &st);
	assert_true(U_SUCCESS(st));
}

static const char *const zones[] = {
    "America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham",
};

enum {
	WINDOWS = 120, /* random calendars and windows per zone */
	QUERIES = 10,  /* cases per window */
	MAX_DAYS = 14, /* the longest window */
};

static int64_t t_2024, t_2031;
static int64_t ncases;

/* A window of random length in 2024-2030; half of them around an offset change. */
static int64_t random_window(struct rng *r, UCalendar *uc, int64_t *len)
{
	UErrorCode st = U_ZERO_ERROR;
	UDate next;

	*len = 1 + (int64_t)rng_below(r, MAX_DAYS * 1440);
	int64_t w0 =
	    t_2024 + (int64_t)rng_below(r, (uint64_t)((t_2031 - t_2024) / MIN - *len)) * MIN;
	if (rng_below(r, 2) == 0) {
		ucal_setMillis(uc, (UDate)w0, &st);
		if (ucal_getTimeZoneTransitionDate(uc, UCAL_TZ_TRANSITION_NEXT, &next, &st) &&
		    (int64_t)next + MS_PER_DAY < t_2031) {
			w0 = (int64_t)next - (int64_t)rng_below(r, (uint64_t)*len) * MIN;
		}
		assert_true(U_SUCCESS(st));
	}
	return w0;
}

static void check_window(struct rng *r, const struct calendar *c, const bool *open,
                         const int64_t *cum, int64_t w0, int64_t len)
{
	for (int q = 0; q < QUERIES; q++) {
		int64_t i = (int64_t)rng_below(r, (uint64_t)len + 1);
		int64_t j = (int64_t)rng_below(r, (uint64_t)len + 1);
		int64_t a = w0 + i * MIN, b = w0 + j * MIN;

		/* Between: the reference's count, either way round. */
		assert_true(calendar_minutes_between(c, a, b) == cum[j] - cum[i]);
		assert_true(calendar_business_ms(c, a, b) == (cum[j] - cum[i]) * MIN);

		/* Is open, next open. */
		int64_t k = i;
		while (k < len && !open[k])
			k++;
		if (i < len)
			assert_true(calendar_is_open(c, a) == open[i]);
		if (k < len)
			assert_true(calendar_next_open(c, a) == w0 + k * MIN);
		else
			assert_true(calendar_next_open(c, a) >= w0 + len * MIN);

		/* Add: the end of the n-th open minute from a. */
		int64_t n = (int64_t)rng_below(r, (uint64_t)(cum[len] - cum[i]) + 1);
		int64_t want = a;
		if (n > 0) {
			k = i;
			while (cum[k + 1] - cum[i] < n)
				k++;
			want = w0 + (k + 1) * MIN;
		}
		assert_true(calendar_add_minutes(c, a, n) == want);

		/* Properties off the minute grid, past the window. */
		int64_t x = a + (int64_t)rng_below(r, MIN);
		int64_t m = (int64_t)rng_below(r, 5000);
		int64_t u = calendar_add_minutes(c, x, m), v = calendar_add_minutes(c, x, m + 1);
		assert_true(calendar_business_ms(c, x, u) == m * MIN);
		assert_true(u < v);
		assert_true(calendar_business_ms(c, u, v) == MIN);
		int64_t y = b + (int64_t)rng_below(r, MIN) - MIN / 2;
		int64_t z = x + (int64_t)rng_below(r, 20 * MS_PER_DAY) - 10 * MS_PER_DAY;
		assert_true(calendar_business_ms(c, x, z) ==
		            calendar_business_ms(c, x, y) + calendar_business_ms(c, y, z));
		ncases++;
	}
}

static void test_random_against_reference(void **state)
{
	struct rng r;
	bool *open = xcalloc(MAX_DAYS * 1440, sizeof(*open));
	int64_t *cum = xcalloc(MAX_DAYS * 1440 + 1, sizeof(*cum));
	struct timespec t0, t1;

	(void)state;
	t_2024 = iso("2024-01-01T00:00Z");
	t_2031 = iso("2031-01-01T00:00Z");
	rng_init(&r, 20261203);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t z = 0; z < ARRAY_SIZE(zones); z++) {
		UErrorCode st = U_ZERO_ERROR;
		UChar id[CALENDAR_ZONE_MAX];
		u_uastrcpy(id, zones[z]);
		UCalendar *uc = ucal_open(id, -1, "", UCAL_GREGORIAN, &st);
		assert_true(U_SUCCESS(st));

		for (int win = 0; win < WINDOWS; win++) {
			struct calendar_week w;
			struct calendar_holiday h[4];
			struct calendar c;
			struct err e = ERR_INIT;
			int64_t len, w0 = random_window(&r, uc, &len);
			size_t nh = rng_below(&r, ARRAY_SIZE(h) + 1);

			random_week(&r, &w);
			for (size_t i = 0; i < nh; i++) {
				local_date(uc, w0 + (int64_t)rng_below(&r, (uint64_t)len) * MIN,
				           &h[i]);
				h[i].start = h[i].end = 0;
				if (rng_below(&r, 2)) {
					h[i].start = (int)rng_below(&r, 1440);
					h[i].end =
					    h[i].start + 1 +
					    (int)rng_below(&r, (uint64_t)(1440 - h[i].start));
				}
			}
			if (calendar_init(&c, zones[z], &w, h, nh, &e) != ERR_OK)
				fail_msg("%s: %s", zones[z], e.msg);

			struct reference ref = {uc, &w, h, nh};
			cum[0] = 0;
			for (int64_t i = 0; i < len; i++) {
				open[i] = ref_open(&ref, w0 + i * MIN);
				cum[i + 1] = cum[i] + open[i];
			}
			check_window(&r, &c, open, cum, w0, len);
			calendar_release(&c);
		}
		ucal_close(uc);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_message("%" PRId64 " random cases in %zu zones, %.2f s\n", ncases, ARRAY_SIZE(zones),
	              (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	free(open);
	free(cum);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_between_cases),
	    cmocka_unit_test(test_add_cases),
	    cmocka_unit_test(test_next_open_and_is_open),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_horizon),
	    cmocka_unit_test(test_init_errors),
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_random_against_reference),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
