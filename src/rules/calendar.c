/* calendar.c - business-hours arithmetic over a weekly schedule, holidays and a zone. */
#include "util/common.h"
#include "rules/calendar.h"
#include "util/time.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <dlfcn.h>
#include <pthread.h>
#include <unicode/ucal.h>
#include <unicode/ustring.h>

struct calendar_dated {
	int64_t day; /* days since 1970-01-01 of the local civil date */
	struct calendar_day open;
};

struct calendar_offset {
	int64_t at;     /* from this instant (UTC ms) ... */
	int64_t offset; /* ... local time is UTC plus this many ms */
};

static const char *const day_names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
static const char *const day_long[7] = {"monday", "tuesday",  "wednesday", "thursday",
                                        "friday", "saturday", "sunday"};

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Weekday of a day number: 0 Monday .. 6 Sunday (1970-01-01 was a Thursday). */
static int weekday_of(int64_t day)
{
	return (int)((day % 7 + 7 + 3) % 7);
}

/* The open ranges of minute map open[0..1440) into d; -1 when there are too many. */
static int day_from_minutes(struct calendar_day *d, const bool *open)
{
	d->n = 0;
	for (int m = 0; m < CALENDAR_DAY_MINUTES;) {
		if (!open[m]) {
			m++;
			continue;
		}
		int s = m;
		while (m < CALENDAR_DAY_MINUTES && open[m])
			m++;
		if (d->n == CALENDAR_DAY_RANGES)
			return -1;
		d->r[d->n].start = (int16_t)s;
		d->r[d->n].end = (int16_t)m;
		d->n++;
	}
	return 0;
}

static void minutes_from_day(bool *open, const struct calendar_day *d)
{
	memset(open, 0, CALENDAR_DAY_MINUTES * sizeof(*open));
	for (int i = 0; i < d->n; i++)
		for (int m = d->r[i].start; m < d->r[i].end; m++)
			open[m] = true;
}

/* Checks the schedule and fills c->week; ERR_INVALID when it is wrong or empty. */
static enum err_code build_week(struct calendar *c, const struct calendar_week *w, struct err *e)
{
	bool map[7][CALENDAR_DAY_MINUTES]; /* open minutes of each weekday */
	bool any = false;

	memset(map, 0, sizeof(map));
	for (int d = 0; d < 7; d++) {
		if (w->n[d] < 0 || w->n[d] > CALENDAR_DAY_MAX)
			return err_set(e, ERR_INVALID, "%s has %d intervals (at most %d)",
			               day_long[d], w->n[d], CALENDAR_DAY_MAX);
		for (int i = 0; i < w->n[d]; i++) {
			int s = w->day[d][i].start, t = w->day[d][i].end;
			if (s < 0 || s >= CALENDAR_DAY_MINUTES || t <= s ||
			    t > 2 * CALENDAR_DAY_MINUTES)
				return err_set(e, ERR_INVALID,
				               "%s interval [%d, %d) is not within 0 <= start < "
				               "1440, start < end <= 2880 minutes",
				               day_long[d], s, t);
			for (int m = s; m < t; m++) {
				if (m < CALENDAR_DAY_MINUTES)
					map[d][m] = true;
				else
					map[(d + 1) % 7][m - CALENDAR_DAY_MINUTES] = true;
			}
		}
	}
	for (int d = 0; d < 7; d++) {
		/* At most CALENDAR_DAY_MAX intervals and as many overnight parts: always fits. */
		if (day_from_minutes(&c->week[d], map[d]))
			BUG("%s has more than %d open ranges", day_long[d], CALENDAR_DAY_RANGES);
		any |= c->week[d].n > 0;
	}
	if (!any)
		return err_set(e, ERR_INVALID, "the week has no business hours");
	return ERR_OK;
}

struct closure {
	int64_t day;
	int start, end;
};

static int closure_cmp(const void *a, const void *b)
{
	const struct closure *x = a, *y = b;
	return (x->day > y->day) - (x->day < y->day);
}

/* Checks the holidays and fills c->dated: each date's weekday ranges less its closures. */
static enum err_code build_dated(struct calendar *c, const struct calendar_holiday *hol,
                                 size_t nhol, struct err *e)
{
	struct closure *cl;
	bool open[CALENDAR_DAY_MINUTES];

	if (nhol == 0)
		return ERR_OK;
	cl = xcalloc(nhol, sizeof(*cl));
	for (size_t i = 0; i < nhol; i++) {
		const struct calendar_holiday *h = &hol[i];
		int64_t y;
		unsigned m, d;

		if (h->year < 1970 || h->year > 2199 || h->month < 1 || h->month > 12 ||
		    h->day < 1 || h->day > 31)
			goto bad_date;
		cl[i].day = time_days_from_civil(h->year, (unsigned)h->month, (unsigned)h->day);
		time_civil_from_days(cl[i].day, &y, &m, &d);
		if (y != h->year || (int)m != h->month || (int)d != h->day)
			goto bad_date;
		if (h->start == 0 && h->end == 0) {
			cl[i].start = 0;
			cl[i].end = CALENDAR_DAY_MINUTES;
		} else if (h->start < 0 || h->start >= h->end || h->end > CALENDAR_DAY_MINUTES) {
			err_set(e, ERR_INVALID,
			        "holiday %04d-%02d-%02d closes [%d, %d), not within 0 <= start < "
			        "end <= 1440 minutes",
			        h->year, h->month, h->day, h->start, h->end);
			free(cl);
			return ERR_INVALID;
		} else {
			cl[i].start = h->start;
			cl[i].end = h->end;
		}
		continue;
	bad_date:
		err_set(e, ERR_INVALID, "holiday %04d-%02d-%02d is not a date in 1970..2199",
		        h->year, h->month, h->day);
		free(cl);
		return ERR_INVALID;
	}
	qsort(cl, nhol, sizeof(*cl), closure_cmp);

	c->dated = xcalloc(nhol, sizeof(*c->dated));
	for (size_t i = 0; i < nhol;) {
		int64_t day = cl[i].day;
		struct calendar_dated *dd = &c->dated[c->ndated++];

		minutes_from_day(open, &c->week[weekday_of(day)]);
		for (; i < nhol && cl[i].day == day; i++)
			for (int m = cl[i].start; m < cl[i].end; m++)
				open[m] = false;
		dd->day = day;
		/* Each partial closure may split a range in two. */
		if (day_from_minutes(&dd->open, open)) {
			int64_t y;
			unsigned mo, d;
			time_civil_from_days(day, &y, &mo, &d);
			err_set(e, ERR_INVALID,
			        "holidays split %04" PRId64 "-%02u-%02u into more than %d ranges",
			        y, mo, d, CALENDAR_DAY_RANGES);
			free(cl);
			return ERR_INVALID;
		}
	}
	free(cl);
	return ERR_OK;
}

/*
 * ICU, loaded when the first calendar is built rather than when the
 * process starts: most commands never build one (mailgate on a desk
 * without business-hours policies), and loading ICU's libraries (with
 * the C++ runtime) cost each of them some 2 ms. Its functions carry
 * ICU's version in their names (ucal_open_72); its headers spell them.
 * Set once, then only read.
 */
#define ICU_STR2(x) #x
#define ICU_STR(x) ICU_STR2(x)
#define ICU_LIB "libicui18n.so." ICU_STR(U_ICU_VERSION_MAJOR_NUM)

static struct {
	__typeof__(u_uastrncpy) *uastrncpy;
	__typeof__(u_errorName) *error_name;
	__typeof__(ucal_getCanonicalTimeZoneID) *canonical_id;
	__typeof__(ucal_open) *open;
	__typeof__(ucal_close) *close;
	__typeof__(ucal_setMillis) *set_millis;
	__typeof__(ucal_get) *get;
	__typeof__(ucal_getTimeZoneTransitionDate) *next_transition;
	char failed[256]; /* why ICU could not be loaded; "" when it was */
} icu;

/* Points icu.field at ICU's function name; false when the library lacks it. */
#define ICU_GET(h, field, name) \
	((icu.field = (__typeof__(icu.field))dlsym(h, ICU_STR(name))) != NULL)

static void icu_load(void)
{
	void *h = dlopen(ICU_LIB, RTLD_NOW | RTLD_LOCAL);

	if (!h)
		snprintf(icu.failed, sizeof(icu.failed), "%s", dlerror());
	else if (!ICU_GET(h, uastrncpy, u_uastrncpy) || !ICU_GET(h, error_name, u_errorName) ||
		 !ICU_GET(h, canonical_id, ucal_getCanonicalTimeZoneID) ||
		 !ICU_GET(h, open, ucal_open) || !ICU_GET(h, close, ucal_close) ||
		 !ICU_GET(h, set_millis, ucal_setMillis) || !ICU_GET(h, get, ucal_get) ||
		 !ICU_GET(h, next_transition, ucal_getTimeZoneTransitionDate))
		snprintf(icu.failed, sizeof(icu.failed), "%s lacks a function", ICU_LIB);
}

/* Offset (ms) of the zone at the calendar's current instant. */
static int64_t ucal_offset(UCalendar *uc, UErrorCode *st)
{
	int32_t zone = icu.get(uc, UCAL_ZONE_OFFSET, st);
	int32_t dst = icu.get(uc, UCAL_DST_OFFSET, st);
	return (int64_t)zone + dst;
}

/* Reads the zone's offsets over [CALENDAR_MIN_MS, CALENDAR_MAX_MS) from ICU into c->offsets. */
static enum err_code build_offsets(struct calendar *c, const char *zone, struct err *e)
{
	UChar id[CALENDAR_ZONE_MAX], canon[CALENDAR_ZONE_MAX];
	UErrorCode st = U_ZERO_ERROR;
	UBool system = false;
	UCalendar *uc = NULL;
	size_t cap = 64;
	enum err_code rc = ERR_OK;
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	for (const char *p = zone; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("/_+-", *p))
			return err_set(e, ERR_INVALID, "unknown time zone '%s'", zone);
	pthread_once(&once, icu_load);
	if (icu.failed[0])
		return err_set(e, ERR_INTERNAL, "time zone '%s': cannot load ICU: %s", zone,
			       icu.failed);
	icu.uastrncpy(id, zone, CALENDAR_ZONE_MAX);
	icu.canonical_id(id, -1, canon, CALENDAR_ZONE_MAX, &system, &st);
	if (U_FAILURE(st) || !system)
		return err_set(e, ERR_INVALID, "unknown time zone '%s'", zone);

	uc = icu.open(id, -1, "", UCAL_GREGORIAN, &st);
	if (U_FAILURE(st))
		goto icu_fail;
	c->offsets = xmalloc(cap * sizeof(*c->offsets));
	icu.set_millis(uc, (UDate)CALENDAR_MIN_MS, &st);
	c->offsets[0].at = CALENDAR_MIN_MS;
	c->offsets[0].offset = ucal_offset(uc, &st);
	c->noffsets = 1;
	for (;;) {
		UDate next;

		if (U_FAILURE(st))
			goto icu_fail;
		if (!icu.next_transition(uc, UCAL_TZ_TRANSITION_NEXT, &next, &st) ||
		    U_FAILURE(st) || next >= (UDate)CALENDAR_MAX_MS)
			break;
		icu.set_millis(uc, next, &st);
		int64_t off = ucal_offset(uc, &st);
		/* A change of rule or of name alone changes no offset: skip it. */
		if (off == c->offsets[c->noffsets - 1].offset)
			continue;
		if (c->noffsets == cap) {
			cap *= 2;
			c->offsets = xrealloc(c->offsets, cap * sizeof(*c->offsets));
		}
		c->offsets[c->noffsets].at = (int64_t)next;
		c->offsets[c->noffsets].offset = off;
		c->noffsets++;
	}
	if (U_FAILURE(st))
		goto icu_fail;
	goto out;
icu_fail:
	rc = err_set(e, ERR_INTERNAL, "time zone '%s': icu: %s", zone, icu.error_name(st));
out:
	if (uc)
		icu.close(uc);
	return rc;
}

enum err_code calendar_init(struct calendar *c, const char *zone, const struct calendar_week *week,
                            const struct calendar_holiday *hol, size_t nhol, struct err *e)
{
	enum err_code rc;

	memset(c, 0, sizeof(*c));
	if (!zone || !*zone || strlen(zone) >= CALENDAR_ZONE_MAX)
		return err_set(e, ERR_INVALID, "unknown time zone '%s'", zone ? zone : "");
	memcpy(c->zone, zone, strlen(zone) + 1);
	rc = build_week(c, week, e);
	if (rc == ERR_OK)
		rc = build_dated(c, hol, nhol, e);
	if (rc == ERR_OK)
		rc = build_offsets(c, zone, e);
	if (rc != ERR_OK)
		calendar_release(c);
	return rc;
}

void calendar_release(struct calendar *c)
{
	free(c->dated);
	free(c->offsets);
	memset(c, 0, sizeof(*c));
}

/* The open ranges of local civil date day: its holiday entry, or its weekday's. */
static const struct calendar_day *day_ranges(const struct calendar *c, int64_t day)
{
	size_t lo = 0, hi = c->ndated;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->dated[mid].day < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < c->ndated && c->dated[lo].day == day)
		return &c->dated[lo].open;
	return &c->week[weekday_of(day)];
}

/* Index of the offset in force at t (CALENDAR_MIN_MS <= t). */
static size_t offset_index(const struct calendar *c, int64_t t)
{
	size_t lo = 0, hi = c->noffsets;

	/* The last entry with at <= t; entry 0 is at CALENDAR_MIN_MS. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->offsets[mid].at <= t)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/*
 * A forward walk over business time: each step yields the next open
 * stretch of UTC instants. Within one offset segment local time is UTC
 * plus a constant, so a local date's open ranges map to UTC intervals by
 * subtracting the offset; a local range cut by an offset change is cut
 * there too, and the rest is found in the next segment's own mapping
 * (nothing of a skipped hour, a repeated hour twice).
 */
struct walk {
	const struct calendar *c;
	int64_t t;  /* nothing open in the part of time already walked, before t */
	size_t seg; /* offset segment holding t */
};

static void walk_start(struct walk *w, const struct calendar *c, int64_t t)
{
	w->c = c;
	w->t = t < CALENDAR_MIN_MS ? CALENDAR_MIN_MS : t;
	w->seg = w->t < CALENDAR_MAX_MS ? offset_index(c, w->t) : 0;
}

/*
 * The next open stretch [*s, *e) with w->t <= *s < limit, and moves past
 * it. Stretches may touch (at midnight, at an offset change); *e is not
 * cut at limit. False when nothing opens before limit (or CALENDAR_MAX_MS);
 * the walk may then go on with a later limit.
 */
static bool walk_next(struct walk *w, int64_t limit, int64_t *s, int64_t *e)
{
	const struct calendar *c = w->c;

	if (limit > CALENDAR_MAX_MS)
		limit = CALENDAR_MAX_MS;
	while (w->t < limit) {
		while (w->seg + 1 < c->noffsets && c->offsets[w->seg + 1].at <= w->t)
			w->seg++;
		int64_t off = c->offsets[w->seg].offset;
		int64_t seg_end =
		    w->seg + 1 < c->noffsets ? c->offsets[w->seg + 1].at : CALENDAR_MAX_MS;
		int64_t day = floor_div(w->t + off, MS_PER_DAY);
		int64_t midnight = day * MS_PER_DAY - off; /* local midnight of day, in UTC */
		const struct calendar_day *d = day_ranges(c, day);

		for (int i = 0; i < d->n; i++) {
			int64_t rs = midnight + d->r[i].start * MS_PER_MIN;
			int64_t re = midnight + d->r[i].end * MS_PER_MIN;
			if (re <= w->t)
				continue;
			if (rs < w->t)
				rs = w->t;
			if (rs >= seg_end)
				break;
			if (rs >= limit) {
				w->t = rs;
				return false;
			}
			if (re > seg_end)
				re = seg_end;
			*s = rs;
			*e = re;
			w->t = re;
			return true;
		}
		int64_t next_day = midnight + MS_PER_DAY;
		w->t = next_day < seg_end ? next_day : seg_end;
	}
	return false;
}

/* The search limit from the walk's position: a horizon ahead, at most CALENDAR_MAX_MS. */
static int64_t horizon(const struct walk *w)
{
	return w->t < CALENDAR_MAX_MS - CALENDAR_HORIZON_MS ? w->t + CALENDAR_HORIZON_MS
	                                                    : CALENDAR_MAX_MS;
}

bool calendar_is_open(const struct calendar *c, int64_t t)
{
	struct walk w;
	int64_t s, e;

	/* Open exactly when a stretch starts at t itself. */
	walk_start(&w, c, t);
	return t >= CALENDAR_MIN_MS && t < CALENDAR_MAX_MS && walk_next(&w, t + 1, &s, &e);
}

int64_t calendar_next_open(const struct calendar *c, int64_t t)
{
	struct walk w;
	int64_t s, e;

	walk_start(&w, c, t);
	if (!walk_next(&w, horizon(&w), &s, &e))
		return CALENDAR_NEVER;
	return s;
}

int64_t calendar_add_ms(const struct calendar *c, int64_t from, int64_t ms)
{
	struct walk w;
	int64_t s, e;

	if (ms <= 0)
		return from;
	walk_start(&w, c, from);
	for (;;) {
		if (!walk_next(&w, horizon(&w), &s, &e))
			return CALENDAR_NEVER;
		if (e - s >= ms)
			return s + ms;
		ms -= e - s;
	}
}

int64_t calendar_add_minutes(const struct calendar *c, int64_t from, int64_t minutes)
{
	if (minutes > INT64_MAX / MS_PER_MIN)
		return CALENDAR_NEVER;
	return calendar_add_ms(c, from, minutes * MS_PER_MIN);
}

int64_t calendar_business_ms(const struct calendar *c, int64_t a, int64_t b)
{
	struct walk w;
	int64_t s, e, sum = 0;

	if (b < a)
		return -calendar_business_ms(c, b, a);
	walk_start(&w, c, a);
	while (walk_next(&w, b, &s, &e))
		sum += (e < b ? e : b) - s;
	return sum;
}

int64_t calendar_minutes_between(const struct calendar *c, int64_t a, int64_t b)
{
	return calendar_business_ms(c, a, b) / MS_PER_MIN;
}

/* Parsing "mon-fri 09:00-17:00; sat 10:00-14:00". */

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* A day name at p (three letters, any case) into *d; the end of it, or NULL. */
static const char *parse_day(const char *p, int *d)
{
	for (int i = 0; i < 7; i++) {
		if (strncasecmp(p, day_names[i], 3) == 0 && !isalpha((unsigned char)p[3])) {
			*d = i;
			return p + 3;
		}
	}
	return NULL;
}

/* "H:MM" or "HH:MM", 00:00 to 24:00, into minutes; the end of it, or NULL. */
static const char *parse_clock(const char *p, int *min)
{
	int h = 0, n = 0;

	while (isdigit((unsigned char)*p) && n < 2) {
		h = h * 10 + (*p++ - '0');
		n++;
	}
	if (n == 0 || *p != ':' || !isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]) ||
	    isdigit((unsigned char)p[3]))
		return NULL;
	int m = (p[1] - '0') * 10 + (p[2] - '0');
	if (m > 59 || h > 24 || (h == 24 && m != 0))
		return NULL;
	*min = h * 60 + m;
	return p + 3;
}

/* Length of the token at p: up to a space, ',', ';' or the end. */
static int token_len(const char *p)
{
	int n = 0;
	while (p[n] && !strchr(" \t,;", p[n]))
		n++;
	return n;
}

enum err_code calendar_week_parse(struct calendar_week *w, const char *text, struct err *e)
{
	const char *p = text;

	memset(w, 0, sizeof(*w));
	while (*p) {
		bool days[7] = {false};
		int nranges = 0;

		p = skip_space(p);
		if (*p == ';') {
			p++;
			continue;
		}
		if (!*p)
			break;
		/* The day list: "mon", "fri-mon", "mon,wed", "daily". */
		if (strncasecmp(p, "daily", 5) == 0 && !isalpha((unsigned char)p[5])) {
			for (int i = 0; i < 7; i++)
				days[i] = true;
			p += 5;
		} else {
			for (;;) {
				int a, b;
				const char *q = parse_day(p, &a);
				if (!q)
					return err_set(e, ERR_INVALID,
					               "schedule: '%.*s' is not a day (mon..sun, "
					               "daily)",
					               token_len(p) ? token_len(p) : 1, p);
				b = a;
				if (*q == '-') {
					const char *r = parse_day(q + 1, &b);
					if (!r)
						return err_set(
						    e, ERR_INVALID,
						    "schedule: '%.*s' is not a day range",
						    token_len(p), p);
					q = r;
				}
				for (int i = a;; i = (i + 1) % 7) {
					days[i] = true;
					if (i == b)
						break;
				}
				p = q;
				if (*p != ',')
					break;
				p++;
			}
		}
		if (*p != ' ' && *p != '\t')
			return err_set(
			    e, ERR_INVALID,
			    "schedule: expected a space and times after the days at '%.*s'",
			    *p ? token_len(p) + 1 : 5, *p ? p : "(end)");
		/* The time ranges: "09:00-12:00, 13:00-17:00". */
		for (;;) {
			int s, t;
			const char *q;

			p = skip_space(p);
			if (!*p || *p == ';')
				break;
			q = parse_clock(p, &s);
			if (!q || *q != '-' || !(q = parse_clock(q + 1, &t)) ||
			    (*q && !strchr(" \t,;", *q)))
				return err_set(e, ERR_INVALID,
				               "schedule: '%.*s' is not a time range HH:MM-HH:MM",
				               token_len(p) ? token_len(p) : 1, p);
			if (s == t || s == CALENDAR_DAY_MINUTES)
				return err_set(e, ERR_INVALID, "schedule: '%.*s' is empty",
				               token_len(p), p);
			if (t < s)
				t += CALENDAR_DAY_MINUTES;
			for (int i = 0; i < 7; i++) {
				if (!days[i])
					continue;
				if (w->n[i] == CALENDAR_DAY_MAX)
					return err_set(e, ERR_INVALID,
					               "schedule: more than %d intervals on %s",
					               CALENDAR_DAY_MAX, day_long[i]);
				w->day[i][w->n[i]].start = s;
				w->day[i][w->n[i]].end = t;
				w->n[i]++;
			}
			nranges++;
			p = skip_space(q);
			if (*p == ',')
				p++;
		}
		if (nranges == 0)
			return err_set(e, ERR_INVALID, "schedule: days without times in '%s'",
			               text);
	}
	return ERR_OK;
}
