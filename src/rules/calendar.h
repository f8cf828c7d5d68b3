/*
 * calendar.h - business hours: a weekly schedule in an IANA time zone,
 * less dated holidays, and the arithmetic SLA clocks need on it.
 *
 * Business time is a set of instants. An instant t (UTC ms) is business
 * time when its local wall-clock time in the calendar's zone - a civil
 * date D and a time of day - is open:
 *
 *   - the weekly schedule opens it: an interval of D's weekday holds the
 *     time of day, or an overnight interval of the day before D runs past
 *     midnight into it; and
 *   - no holiday dated D closes that time of day.
 *
 * Consequences, on purpose:
 *   - DST: a wall-clock hour that does not exist (spring forward) adds
 *     nothing; one that happens twice (fall back) counts twice. A 09:00 to
 *     17:00 day is 8 hours on every date unless a change falls inside it.
 *     Half-hour changes (Australia/Lord_Howe) and odd offsets (Asia/Kolkata
 *     +05:30, Pacific/Chatham +12:45/+13:45) need nothing special.
 *   - Overnight shifts: an interval may end after midnight (22:00 to 06:00
 *     is start 1320, end 1800). The part after midnight is wall-clock time
 *     of the next date, so a holiday on that next date closes it, and a
 *     holiday on the start date closes only the part before midnight.
 *   - Holidays are civil dates in the calendar's zone. A whole-day holiday
 *     closes the date's 24 wall-clock hours; a partial one closes only
 *     [start, end) of that date (e.g. a half day: closed 13:00 to 24:00).
 *     Several holidays on one date close the union of their ranges.
 *   - Intervals and holidays may overlap: business time is their union,
 *     never counted twice.
 *
 * The calendar knows the instants in [CALENDAR_MIN_MS, CALENDAR_MAX_MS)
 * (1970 to 2200 UTC); none outside is business time. Offsets come from
 * ICU's zone data, read once by calendar_init into a table of offset
 * changes; the process TZ is never read or changed.
 *
 * Results are exact to the millisecond: instants may fall anywhere in a
 * minute, and a business minute is 60000 ms of business time.
 *
 * Pure apart from calendar_init, which asks ICU for the zone (loading ICU
 * the first time: its functions are the one global, set once): no I/O. After calendar_init a calendar is immutable, so any number of
 * threads may share one (ICU is not used after init).
 */
#ifndef CHAMPION_CALENDAR_H
#define CHAMPION_CALENDAR_H

#include "util/common.h"
#include "util/err.h"

#define CALENDAR_MIN_MS 0LL             /* 1970-01-01T00:00Z */
#define CALENDAR_MAX_MS 7258118400000LL /* 2200-01-01T00:00Z */
/* What the searches return when there is no answer before CALENDAR_MAX_MS. */
#define CALENDAR_NEVER INT64_MAX
/* A search that finds no business time for this long gives up (CALENDAR_NEVER). */
#define CALENDAR_HORIZON_MS (50 * 36525LL * 24 * 3600 * 1000 / 100) /* 50 years */

#define CALENDAR_DAY_MINUTES 1440
#define CALENDAR_DAY_MAX     8  /* intervals per weekday in a schedule */
#define CALENDAR_DAY_RANGES  32 /* open ranges one date may have, after holidays */
#define CALENDAR_ZONE_MAX    64 /* bytes of a zone name, with its NUL */

/*
 * Open from start to end minutes after local midnight: 0 <= start < 1440,
 * start < end <= 2880. An end past 1440 runs into the next day (an
 * overnight shift); 0 to 1440 is the whole day.
 */
struct calendar_interval {
	int start, end;
};

/* The weekly schedule, Monday (0) to Sunday (6); day[d][0..n[d]) are used. */
struct calendar_week {
	int n[7];
	struct calendar_interval day[7][CALENDAR_DAY_MAX];
};

/*
 * A holiday: the local civil date year-month-day (1970..2199) is closed
 * from start to end minutes after midnight (0 <= start < end <= 1440), or
 * all day when start and end are both 0 - so {.year, .month, .day} alone
 * is a whole-day holiday.
 */
struct calendar_holiday {
	int year, month, day;
	int start, end;
};

/* One date's open ranges, minutes [start, end) within [0, 1440], ascending, disjoint. */
struct calendar_day {
	int n;
	struct {
		int16_t start, end;
	} r[CALENDAR_DAY_RANGES];
};

struct calendar_dated;  /* a holiday date and what stays open on it */
struct calendar_offset; /* an instant and the zone's UTC offset from then on */

struct calendar {
	char zone[CALENDAR_ZONE_MAX]; /* the zone name as given */
	/* Open ranges of a date by its weekday, overnight parts of the day before included. */
	struct calendar_day week[7];
	struct calendar_dated *dated; /* holiday dates, ascending */
	size_t ndated;
	struct calendar_offset *offsets; /* first at CALENDAR_MIN_MS, ascending */
	size_t noffsets;
};

/*
 * Builds c for zone (an IANA name such as "Europe/London"), the weekly
 * schedule week and nhol holidays hol (both copied; may be freed after).
 * Returns ERR_OK, or fills e and returns ERR_INVALID for an unknown zone,
 * an interval or holiday out of range, or a week without business time;
 * ERR_INTERNAL when ICU fails. On failure c holds nothing to release.
 * The caller releases c with calendar_release.
 */
enum err_code calendar_init(struct calendar *c, const char *zone, const struct calendar_week *week,
                            const struct calendar_holiday *hol, size_t nhol, struct err *e);
/* Frees what calendar_init allocated; c may then be inited again. Accepts a zeroed c. */
void calendar_release(struct calendar *c);

/* True when instant t is business time. */
bool calendar_is_open(const struct calendar *c, int64_t t);

/*
 * The earliest business instant at or after t: t itself when it is open.
 * CALENDAR_NEVER when there is none before CALENDAR_MAX_MS or within
 * CALENDAR_HORIZON_MS of t.
 */
int64_t calendar_next_open(const struct calendar *c, int64_t t);

/*
 * The earliest instant u >= from such that [from, u) holds ms of business
 * time: the end of that much work, which may be the closing time of an
 * interval (a 09:00-17:00 day: 16:00 plus an hour is 17:00, not 09:00 the
 * next day). ms <= 0 gives from itself, even outside hours; use
 * calendar_next_open for "when do we open". CALENDAR_NEVER when the work
 * does not fit before CALENDAR_MAX_MS, or a search finds no business time
 * for CALENDAR_HORIZON_MS.
 */
int64_t calendar_add_ms(const struct calendar *c, int64_t from, int64_t ms);
/* calendar_add_ms with minutes * 60000; CALENDAR_NEVER when that overflows. */
int64_t calendar_add_minutes(const struct calendar *c, int64_t from, int64_t minutes);

/*
 * Business time in [a, b), in ms; when b < a, minus the business time in
 * [b, a), so that business_ms(a, b) + business_ms(b, c) == business_ms(a, c)
 * for any a, b, c. Cost grows with the days and open intervals between.
 */
int64_t calendar_business_ms(const struct calendar *c, int64_t a, int64_t b);
/* calendar_business_ms in whole minutes, truncated toward zero. */
int64_t calendar_minutes_between(const struct calendar *c, int64_t a, int64_t b);

/*
 * Parses a weekly schedule from text into w (zeroed first), for
 * configuration and the CLI:
 *
 *     mon-fri 09:00-17:00; sat 10:00-14:00
 *     mon,wed 08:00-12:00,13:00-17:00; fri-sun 22:00-06:00; daily 12:00-13:00
 *
 * Clauses are separated by ';'; each is a day list (mon tue wed thu fri
 * sat sun, ranges like fri-mon wrap, or "daily"), then one or more time
 * ranges HH:MM-HH:MM separated by ',' or spaces. An end before the start
 * runs past midnight (22:00-06:00); an end equal to it is an error; 24:00
 * may end a range, and 00:00-24:00 is the whole day. Days may repeat
 * across clauses; days never named are closed. Returns ERR_OK, or ERR_INVALID with e naming the
 * offending text (w then undefined). It does not check that the week has
 * business time: calendar_init does.
 */
enum err_code calendar_week_parse(struct calendar_week *w, const char *text, struct err *e);

#endif
