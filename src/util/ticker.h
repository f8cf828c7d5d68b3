/*
 * ticker.h - a thread that runs one function now and then: every
 * period_ms, and at once when woken. The background work of champion
 * serve (the outbox, the IMAP poller) runs on tickers.
 *
 * fn runs on the ticker's thread only, never twice at a time; stopping
 * waits for the run in progress to end.
 */
#ifndef CHAMPION_TICKER_H
#define CHAMPION_TICKER_H

#include "util/common.h"

#include <pthread.h>

struct ticker {
	void (*fn)(void *ctx);
	void *ctx;
	int period_ms;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop, woken, started;
};

/* Starts the thread; fn runs at once, then every period_ms (> 0). */
void ticker_start(struct ticker *t, void (*fn)(void *ctx), void *ctx, int period_ms);
/* Runs fn again as soon as the current run ends (or now). */
void ticker_wake(struct ticker *t);
/* Waits for the run in progress, then ends the thread. A ticker never started is left alone. */
void ticker_stop(struct ticker *t);

#endif
