/* arrival.c - the arrival model: weekly rhythm, growth trend, ordered draws. */
#include "util/common.h"
#include "rules/arrival.h"
#include "util/time.h"

#include <math.h>

#define MS_PER_YEAR (365.2425 * (double)MS_PER_DAY)

/* Weekday share of the busiest hour, by UTC hour of day. */
static const double weekday_curve[24] = {
	0.12, 0.10, 0.09, 0.09, 0.10, 0.13, 0.22, 0.40, 0.70, 0.92, 1.00, 0.98,
	0.85, 0.93, 0.97, 0.95, 0.88, 0.70, 0.50, 0.38, 0.30, 0.24, 0.19, 0.15,
};

/* Volume of each day, Monday first, relative to a plain weekday. */
static const double day_factor[7] = {1.25, 1.05, 1.00, 0.97, 0.88, 0.20, 0.18};

void arrival_model_default(struct arrival_model *m, int64_t anchor)
{
	double max = 0;

	for (int d = 0; d < 7; d++) {
		for (int h = 0; h < 24; h++) {
			double w = weekday_curve[h];
			if (d >= 5)
				w = 0.4 + 0.6 * w; /* weekends: flatter, whatever the hour */
			else if (d == 4 && h >= 14)
				w *= 0.85; /* Friday afternoon */
			w *= day_factor[d];
			m->week[d * 24 + h] = w;
			if (w > max)
				max = w;
		}
	}
	for (int i = 0; i < ARRIVAL_WEEK_HOURS; i++)
		m->week[i] /= max;
	m->growth = 0.4;
	m->anchor = anchor;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* The start of the clock hour holding t. */
static int64_t hour_start(int64_t t)
{
	return floor_div(t, MS_PER_HOUR) * MS_PER_HOUR;
}

/* Rate of the clock hour starting at h. */
static double hour_rate(const struct arrival_model *m, int64_t h)
{
	int how = time_weekday_utc(h) * 24 + (int)(floor_div(h, MS_PER_HOUR) % 24 + 24) % 24;
	double w = m->week[how];
	if (w <= 0)
		return 0;
	if (m->growth == 0)
		return w;
	double years = ((double)(h - m->anchor) + MS_PER_HOUR / 2.0) / MS_PER_YEAR;
	return w * pow(1.0 + m->growth, years);
}

/* Mass of [lo, hi), which lies inside one clock hour. */
static double bin_mass(const struct arrival_model *m, int64_t lo, int64_t hi)
{
	return hour_rate(m, hour_start(lo)) * (double)(hi - lo) / (double)MS_PER_HOUR;
}

static int64_t bin_end(int64_t lo, int64_t end)
{
	int64_t next = hour_start(lo) + MS_PER_HOUR;
	return next < end ? next : end;
}

double arrival_rate(const struct arrival_model *m, int64_t t)
{
	return hour_rate(m, hour_start(t));
}

double arrival_mass(const struct arrival_model *m, int64_t start, int64_t end)
{
	double total = 0;

	/* The stream relies on this exact order of additions. */
	for (int64_t lo = start; lo < end;) {
		int64_t hi = bin_end(lo, end);
		total += bin_mass(m, lo, hi);
		lo = hi;
	}
	return total;
}

int arrival_stream_init(struct arrival_stream *s, const struct arrival_model *m, int64_t start,
			int64_t end, uint64_t n, struct rng *r)
{
	if (end <= start)
		return -1;
	double total = arrival_mass(m, start, end);
	if (!(total > 0) || !isfinite(total))
		return -1;
	s->m = m;
	s->r = r;
	s->start = start;
	s->end = end;
	s->total = total;
	s->left = n;
	s->gap = 1.0;
	s->lo = start;
	s->hi = bin_end(start, end);
	s->cum = 0;
	s->bin = bin_mass(m, s->lo, s->hi);
	s->last_hi = s->hi;
	s->prev = start;
	return 0;
}

int64_t arrival_stream_next(struct arrival_stream *s)
{
	int64_t t;

	if (s->left == 0)
		BUG("arrival stream drawn past its count");
	/*
	 * Ascending uniform order statistics: the gap above the k-th of n is
	 * the gap above the (k-1)-th times V^(1/(n-k+1)), V uniform in (0, 1].
	 */
	s->gap *= pow(1.0 - rng_double(s->r), 1.0 / (double)s->left);
	s->left--;
	double target = (1.0 - s->gap) * s->total;

	while (target >= s->cum + s->bin && s->hi < s->end) {
		s->cum += s->bin;
		s->lo = s->hi;
		s->hi = bin_end(s->lo, s->end);
		s->bin = bin_mass(s->m, s->lo, s->hi);
		if (s->bin > 0) {
			s->last_hi = s->hi;
		}
	}
	if (s->bin > 0 && target < s->cum + s->bin) {
		double frac = (target - s->cum) / s->bin;
		t = s->lo + (int64_t)(frac * (double)(s->hi - s->lo));
		if (t < s->lo)
			t = s->lo;
		if (t >= s->hi)
			t = s->hi - 1;
	} else {
		/* Rounding carried the target past the last bin with mass. */
		t = s->last_hi - 1;
	}
	if (t < s->prev)
		t = s->prev;
	s->prev = t;
	return t;
}

int arrival_draw(const struct arrival_model *m, int64_t start, int64_t end, uint64_t n,
		 struct rng *r, int64_t *out)
{
	struct arrival_stream s;

	if (arrival_stream_init(&s, m, start, end, n, r))
		return -1;
	for (uint64_t i = 0; i < n; i++)
		out[i] = arrival_stream_next(&s);
	return 0;
}
