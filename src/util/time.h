/*
 * time.h - instants as int64 milliseconds since the epoch, UTC.
 *
 * Every "now" in Champion comes from time_now_ms(), which tests can pin
 * with time_set_clock() (or, for the real binary, with the environment
 * variable CHAMPION_NOW, read once by time_clock_from_env). Conversions to
 * and from ISO 8601 are pure arithmetic on the proleptic Gregorian
 * calendar in UTC; zones other than UTC go through rules/calendar (ICU),
 * never through the process TZ.
 */
#ifndef CHAMPION_TIME_H
#define CHAMPION_TIME_H

#include "util/common.h"

#define MS_PER_SEC 1000LL
#define MS_PER_MIN (60 * MS_PER_SEC)
#define MS_PER_HOUR (60 * MS_PER_MIN)
#define MS_PER_DAY (24 * MS_PER_HOUR)

int64_t time_now_ms(void);
/* Milliseconds of a monotonic clock, for durations (never pinned). */
int64_t time_mono_ms(void);
/* Pin the clock (fn returns the instant), or NULL for the real clock. */
void time_set_clock(int64_t (*fn)(void));
/* A fixed instant: time_now_ms() returns ms until changed. */
void time_set_fixed(int64_t ms);
/* Reads CHAMPION_NOW (ISO 8601 or ms); 0 if unset, -1 if malformed. */
int time_clock_from_env(void);

/* Days since 1970-01-01 for a civil date, and back. */
int64_t time_days_from_civil(int64_t y, unsigned m, unsigned d);
void time_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

#define TIME_ISO_MAX 32
/* "2026-11-22T04:20:25.123Z" into out (TIME_ISO_MAX bytes); returns out. */
char *time_format_iso(int64_t ms, char out[TIME_ISO_MAX]);
/*
 * Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.fff]]" with "Z" or "+HH:MM"
 * (a date alone is midnight UTC, a time without zone is UTC). Returns 0,
 * or -1 on anything else, leaving *ms untouched.
 */
int time_parse_iso(const char *s, int64_t *ms);
/* Day of week of an instant in UTC: 0 Monday .. 6 Sunday. */
int time_weekday_utc(int64_t ms);

#endif
