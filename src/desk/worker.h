/*
 * worker.h - a background worker of champion serve: a ticker (its own
 * thread) running one function on a desk connection of its own, every
 * period and whenever woken.
 */
#ifndef CHAMPION_DESK_WORKER_H
#define CHAMPION_DESK_WORKER_H

#include "desk/desk.h"
#include "util/ticker.h"

struct desk_worker {
	struct desk *desk;            /* its own connection */
	char name[DESK_WORKER_MAX];   /* host:pid:role, for job leases and logs */
	struct ticker ticker;
	void (*run)(struct desk_worker *w);
	void *ctx;
};

/*
 * Opens the worker's desk (so, configured with ds) and starts its thread,
 * which runs run(w) at once and then every period_ms. On error nothing is
 * left to stop.
 */
enum err_code desk_worker_start(struct desk_worker *w, const char *role,
				const struct store_options *so, const struct desk_settings *ds,
				int period_ms, void (*run)(struct desk_worker *w), void *ctx,
				struct err *e);
/* Runs the worker again as soon as its current run ends. */
void desk_worker_wake(struct desk_worker *w);
/* Lets the run in hand finish, stops the thread, closes the desk. Accepts one never started. */
void desk_worker_stop(struct desk_worker *w);

/*
 * The SLA timer worker: runs the due sla.timer jobs (warnings and
 * breaches, desk_sla_run_due) every poll_ms. Jobs are leased, so any
 * number of servers may run one each; a timer still fires once.
 */
#define DESK_SLA_TIMERS_POLL_MS 1000
enum err_code desk_sla_timers_start(struct desk_worker *w, const struct store_options *so,
				    const struct desk_settings *ds, int poll_ms, struct err *e);

/* The worker that renders stale ticket documents (doc.c). */
enum err_code desk_docs_worker_start(struct desk_worker *w, const struct store_options *so,
				     const struct desk_settings *ds, struct err *e);

#endif
