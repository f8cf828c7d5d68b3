/* sla_timers.c - champion serve's thread that fires due SLA timers. */
#include "util/common.h"
#include "desk/sla_timers.h"
#include "util/log.h"

#include <time.h>
#include <unistd.h>

static void *timers_main(void *arg)
{
	struct sla_timers *t = arg;

	pthread_mutex_lock(&t->lock);
	while (!t->stop) {
		struct err e = ERR_INIT;
		struct timespec until;
		int ran = 0;

		pthread_mutex_unlock(&t->lock);
		if (desk_sla_run_due(t->desk, t->worker, &ran, &e))
			log_warn("sla timers", "error=\"%s\"", e.msg);
		else if (ran)
			log_debug("sla timers ran", "jobs=%d", ran);
		pthread_mutex_lock(&t->lock);
		if (t->stop)
			break;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += t->poll_ms / 1000;
		until.tv_nsec += (long)(t->poll_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&t->wake, &t->lock, &until);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

enum err_code desk_sla_timers_start(struct sla_timers *t, const struct store_options *so,
				    int poll_ms, struct err *e)
{
	struct store_options opts = *so;
	char host[40] = "";
	enum err_code rc;

	memset(t, 0, sizeof(*t));
	opts.create = false;
	if ((rc = desk_open(&t->desk, &opts, e)))
		return rc;
	gethostname(host, sizeof(host) - 1);
	snprintf(t->worker, sizeof(t->worker), "%s:%ld:sla", host, (long)getpid());
	t->poll_ms = poll_ms > 0 ? poll_ms : DESK_SLA_TIMERS_POLL_MS;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->wake, NULL);
	pthread_create(&t->thread, NULL, timers_main, t);
	t->started = true;
	return ERR_OK;
}

void desk_sla_timers_stop(struct sla_timers *t)
{
	if (!t->started)
		return;
	pthread_mutex_lock(&t->lock);
	t->stop = true;
	pthread_cond_signal(&t->wake);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->thread, NULL);
	pthread_mutex_destroy(&t->lock);
	pthread_cond_destroy(&t->wake);
	desk_close(t->desk);
	t->desk = NULL;
	t->started = false;
}
