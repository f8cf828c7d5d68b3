/*
 * arrival.h - when tickets arrive: a weekly rhythm times a growth trend.
 *
 * The model is a non-homogeneous Poisson process whose intensity is
 * constant within each clock hour (UTC):
 *
 *     rate(t) = week[hour_of_week(t)] * (1 + growth) ^ ((mid(t) - anchor) / year)
 *
 * where hour_of_week counts from Monday 00:00 UTC (0) to Sunday 23:00
 * (167), mid(t) is the middle of t's clock hour and a year is 365.2425
 * days. The rate is relative: only its shape matters when drawing a known
 * number of arrivals, and a caller that knows a volume scales it with
 * arrival_mass (capacity planning: expected arrivals in a window are
 * volume * mass(window) / mass(reference window)).
 *
 * Drawing N arrivals in a window is the Poisson process conditioned on
 * its count: N independent instants from the normalised intensity,
 * returned in ascending order. The draw walks the hours once, by inverse
 * CDF over the piecewise-constant intensity, with order statistics made
 * in ascending order, so it neither sorts nor allocates.
 *
 * Pure: no I/O, no globals, no allocation; randomness only from the
 * caller's rng, so a seed gives the same instants on every run.
 */
#ifndef CHAMPION_ARRIVAL_H
#define CHAMPION_ARRIVAL_H

#include "util/common.h"
#include "util/rng.h"

#define ARRIVAL_WEEK_HOURS 168

struct arrival_model {
	/* Relative intensity per hour of the week, Monday 00:00 UTC first; each >= 0. */
	double week[ARRIVAL_WEEK_HOURS];
	/* Yearly growth of the volume: 0.4 is +40% a year, 0 is flat; > -1. */
	double growth;
	/* The instant (ms) where the trend factor is 1. */
	int64_t anchor;
};

/*
 * Fills m with a technical-support desk's rhythm: weekday business-hours
 * peak (09:00-17:00 UTC, a dip at lunch), quiet nights, weekends at about
 * a fifth of a weekday, Mondays a quarter busier and Friday afternoons
 * quieter; growth +40% a year; anchor as given. The busiest hour is 1.
 */
void arrival_model_default(struct arrival_model *m, int64_t anchor);

/* The relative intensity at instant t (per hour); 0 where the week has 0. */
double arrival_rate(const struct arrival_model *m, int64_t t);

/*
 * The integral of the rate over [start, end), in rate-hours; 0 when the
 * window is empty or reversed. Linear in the window: mass(a, c) =
 * mass(a, b) + mass(b, c) up to rounding.
 */
double arrival_mass(const struct arrival_model *m, int64_t start, int64_t end);

/*
 * A sequential draw of n arrivals in [start, end), for callers that do not
 * want n instants in memory at once. Fill it with arrival_stream_init,
 * then call arrival_stream_next n times: each call returns the next
 * instant, never earlier than the one before. The stream holds no memory
 * of its own (nothing to release) and reads m and r on every call: both
 * must outlive it, and r must not be shared meanwhile if the sequence is
 * to be reproducible.
 */
struct arrival_stream {
	const struct arrival_model *m;
	struct rng *r;
	int64_t start, end;
	double total;    /* mass of the window */
	uint64_t left;   /* draws still to come */
	double gap;      /* 1 - the last uniform order statistic */
	int64_t lo, hi;  /* the current hour bin, clipped to the window */
	double cum;      /* mass before the current bin */
	double bin;      /* mass of the current bin */
	int64_t last_hi; /* end of the last bin with mass, for rounding at the end */
	int64_t prev;    /* the instant returned last */
};

/*
 * Prepares s to draw n arrivals in [start, end) from m with r. Returns 0,
 * or -1 (s unusable) when end <= start or the window holds no mass (every
 * hour in it has weight 0).
 */
int arrival_stream_init(struct arrival_stream *s, const struct arrival_model *m, int64_t start,
			int64_t end, uint64_t n, struct rng *r);
/* The next arrival (ms) in [start, end); calling it more than n times is a BUG. */
int64_t arrival_stream_next(struct arrival_stream *s);

/*
 * Draws n arrivals in [start, end) into out[0..n), ascending. Returns 0,
 * or -1 (out untouched) when arrival_stream_init would fail. Same
 * sequence as a stream with the same arguments.
 */
int arrival_draw(const struct arrival_model *m, int64_t start, int64_t end, uint64_t n,
		 struct rng *r, int64_t *out);

#endif
