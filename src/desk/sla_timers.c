/* sla_timers.c - champion serve's thread that fires due SLA timers. */
#include "util/common.h"
#include "desk/sla_timers.h"
#include "util/log.h"

#include <unistd.h>

static void timers_tick(void *arg)
{
	struct sla_timers *t = arg;
	struct err e = ERR_INIT;
	int ran = 0;

	if (desk_sla_run_due(t->desk, t->worker, &ran, &e))
		log_warn("sla timers", "error=\"%s\"", e.msg);
	else if (ran)
		log_debug("sla timers ran", "jobs=%d", ran);
}

enum err_code desk_sla_timers_start(struct sla_timers *t, const struct store_options *so,
				    const struct desk_settings *ds, int poll_ms, struct err *e)
{
	struct store_options opts = *so;
	enum err_code rc;

	memset(t, 0, sizeof(*t));
	opts.create = false;
	if ((rc = desk_open(&t->desk, &opts, e)) || (rc = desk_configure(t->desk, ds, e))) {
		desk_close(t->desk);
		t->desk = NULL;
		return rc;
	}
	desk_worker_name(t->worker, "sla");
	ticker_start(&t->ticker, timers_tick, t, poll_ms > 0 ? poll_ms : DESK_SLA_TIMERS_POLL_MS);
	return ERR_OK;
}

void desk_sla_timers_stop(struct sla_timers *t)
{
	if (!t->desk)
		return;
	ticker_stop(&t->ticker);
	desk_close(t->desk);
	t->desk = NULL;
}
