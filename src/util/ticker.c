/* ticker.c - a thread that runs a function now and then; see ticker.h. */
#include "util/common.h"
#include "util/ticker.h"

#include <time.h>

static void *ticker_main(void *arg)
{
	struct ticker *t = arg;

	pthread_mutex_lock(&t->lock);
	while (!t->stop) {
		struct timespec until;
		t->woken = false;
		pthread_mutex_unlock(&t->lock);
		t->fn(t->ctx);
		pthread_mutex_lock(&t->lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += t->period_ms / 1000;
		until.tv_nsec += (long)(t->period_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!t->stop && !t->woken)
			if (pthread_cond_timedwait(&t->wake, &t->lock, &until) != 0)
				break;
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

void ticker_start(struct ticker *t, void (*fn)(void *ctx), void *ctx, int period_ms)
{
	t->fn = fn;
	t->ctx = ctx;
	t->period_ms = period_ms > 0 ? period_ms : 1000;
	t->stop = t->woken = false;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->wake, NULL);
	pthread_create(&t->thread, NULL, ticker_main, t);
	t->started = true;
}

void ticker_wake(struct ticker *t)
{
	if (!t->started)
		return;
	pthread_mutex_lock(&t->lock);
	t->woken = true;
	pthread_cond_signal(&t->wake);
	pthread_mutex_unlock(&t->lock);
}

void ticker_stop(struct ticker *t)
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
	t->started = false;
}
