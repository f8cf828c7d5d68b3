/* worker.c - champion serve's background workers, each on a desk connection of its own. */
#include "util/common.h"
#include "desk/worker.h"
#include "util/log.h"

static void worker_tick(void *arg)
{
	struct desk_worker *w = arg;
	w->run(w);
}

enum err_code desk_worker_start(struct desk_worker *w, const char *role,
				const struct store_options *so, const struct desk_settings *ds,
				int period_ms, void (*run)(struct desk_worker *w), void *ctx,
				struct err *e)
{
	struct store_options opts = *so;
	enum err_code rc;

	memset(w, 0, sizeof(*w));
	opts.create = false;
	if ((rc = desk_open(&w->desk, &opts, e)) || (rc = desk_configure(w->desk, ds, e))) {
		desk_close(w->desk);
		w->desk = NULL;
		return rc;
	}
	desk_worker_name(w->name, role);
	w->run = run;
	w->ctx = ctx;
	ticker_start(&w->ticker, worker_tick, w, period_ms);
	return ERR_OK;
}

void desk_worker_wake(struct desk_worker *w)
{
	ticker_wake(&w->ticker);
}

void desk_worker_stop(struct desk_worker *w)
{
	if (!w->desk)
		return;
	ticker_stop(&w->ticker);
	desk_close(w->desk);
	w->desk = NULL;
}

static void sla_timers_tick(struct desk_worker *w)
{
	struct err e = ERR_INIT;
	int ran = 0;

	if (desk_sla_run_due(w->desk, w->name, &ran, &e))
		log_warn("sla timers", "error=\"%s\"", e.msg);
	else if (ran)
		log_debug("sla timers ran", "jobs=%d", ran);
}

enum err_code desk_sla_timers_start(struct desk_worker *w, const struct store_options *so,
				    const struct desk_settings *ds, int poll_ms, struct err *e)
{
	return desk_worker_start(w, "sla", so, ds, poll_ms > 0 ? poll_ms : DESK_SLA_TIMERS_POLL_MS,
				 sla_timers_tick, NULL, e);
}
