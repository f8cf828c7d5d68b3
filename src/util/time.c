/* time.c - the injectable clock and ISO 8601 in UTC. */
#include "util/common.h"
#include "util/time.h"

#include <time.h>

static int64_t (*clock_fn)(void);
static int64_t fixed_ms;

static int64_t fixed_clock(void)
{
	return fixed_ms;
}

int64_t time_now_ms(void)
{
	struct timespec ts;

	if (clock_fn)
		return clock_fn();
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * MS_PER_SEC + ts.tv_nsec / 1000000;
}

int64_t time_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * MS_PER_SEC + ts.tv_nsec / 1000000;
}

void time_set_clock(int64_t (*fn)(void))
{
	clock_fn = fn;
}

void time_set_fixed(int64_t ms)
{
	fixed_ms = ms;
	clock_fn = fixed_clock;
}

int time_clock_from_env(void)
{
	const char *s = getenv("CHAMPION_NOW");
	int64_t ms;
	char *end;

	if (!s || !*s)
		return 0;
	if (time_parse_iso(s, &ms) == 0) {
		time_set_fixed(ms);
		return 0;
	}
	errno = 0;
	ms = strtoll(s, &end, 10);
	if (errno || *end)
		return -1;
	time_set_fixed(ms);
	return 0;
}

/* Howard Hinnant's days_from_civil, exact for the proleptic Gregorian calendar. */
int64_t time_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void time_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

char *time_format_iso(int64_t ms, char out[TIME_ISO_MAX])
{
	int64_t days = floor_div(ms, MS_PER_DAY);
	int64_t rem = ms - days * MS_PER_DAY;
	int64_t y;
	unsigned m, d;

	time_civil_from_days(days, &y, &m, &d);
	if (y >= 0 && y <= 9999) {
		/* Digits by hand: this runs for every time in every answer. */
		unsigned v[] = {(unsigned)y / 100, (unsigned)y % 100, m, d,
				(unsigned)(rem / MS_PER_HOUR), (unsigned)(rem / MS_PER_MIN % 60),
				(unsigned)(rem / 1000 % 60)};
		static const char sep[] = {0, 0, '-', '-', 'T', ':', ':'};
		char *p = out;
		for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
			if (sep[i])
				*p++ = sep[i];
			*p++ = (char)('0' + v[i] / 10);
			*p++ = (char)('0' + v[i] % 10);
		}
		unsigned msec = (unsigned)(rem % 1000);
		*p++ = '.';
		*p++ = (char)('0' + msec / 100);
		*p++ = (char)('0' + msec / 10 % 10);
		*p++ = (char)('0' + msec % 10);
		*p++ = 'Z';
		*p = '\0';
		return out;
	}
	snprintf(out, TIME_ISO_MAX, "%04" PRId64 "-%02u-%02uT%02d:%02d:%02d.%03dZ", y, m, d,
		 (int)(rem / MS_PER_HOUR), (int)(rem / MS_PER_MIN % 60), (int)(rem / 1000 % 60),
		 (int)(rem % 1000));
	return out;
}

/* n decimal digits at *p into *out; advances *p. */
static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int days_in_month(int y, int m)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

int time_parse_iso(const char *s, int64_t *out)
{
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0, frac = 0, off = 0;

	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
	    digits(&p, 2, &d))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return -1;
	if (*p == 'T' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
			return -1;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &sec))
				return -1;
			if (*p == '.') {
				int scale = 100, n = 0;
				p++;
				while (*p >= '0' && *p <= '9') {
					frac += (*p - '0') * scale;
					scale /= 10;
					p++;
					n++;
				}
				if (n == 0)
					return -1;
			}
		}
		if (h > 23 || mi > 59 || sec > 60)
			return -1;
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p == '-' ? -1 : 1, oh, om;
			p++;
			if (digits(&p, 2, &oh))
				return -1;
			if (*p == ':')
				p++;
			if (digits(&p, 2, &om) || oh > 23 || om > 59)
				return -1;
			off = sign * (oh * 60 + om);
		}
	}
	if (*p)
		return -1;
	*out = time_days_from_civil(y, (unsigned)mo, (unsigned)d) * MS_PER_DAY + h * MS_PER_HOUR +
	       mi * MS_PER_MIN + sec * MS_PER_SEC + frac - off * MS_PER_MIN;
	return 0;
}

int time_weekday_utc(int64_t ms)
{
	int64_t days = floor_div(ms, MS_PER_DAY);
	/* 1970-01-01 was a Thursday (3 when Monday is 0). */
	int64_t w = (days + 3) % 7;
	return (int)(w < 0 ? w + 7 : w);
}
