/*
 * sla_timers.h - the SLA timer worker of champion serve: a ticker (its own
 * thread) on its own desk connection that runs the due sla.timer jobs
 * (warnings and breaches, desk_sla_run_due) every poll. Jobs are leased, so
 * any number of servers may run one each; a timer still fires once.
 */
#ifndef CHAMPION_SLA_TIMERS_H
#define CHAMPION_SLA_TIMERS_H

#include "desk/desk.h"
#include "util/ticker.h"

#define DESK_SLA_TIMERS_POLL_MS 1000

struct sla_timers {
	struct desk *desk; /* its own connection */
	char worker[DESK_WORKER_MAX]; /* host:pid:sla */
	struct ticker ticker;
};

/*
 * Opens the worker's desk (so, configured with ds) and starts its thread;
 * on error nothing is left to stop.
 */
enum err_code desk_sla_timers_start(struct sla_timers *t, const struct store_options *so,
				    const struct desk_settings *ds, int poll_ms, struct err *e);
/* Lets the timer in hand finish, stops the thread, closes the desk. Accepts one never started. */
void desk_sla_timers_stop(struct sla_timers *t);

#endif
