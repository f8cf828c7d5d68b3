/* server_private.h - the server's insides, shared by server.c, writer.c, metrics.c. */
#ifndef CHAMPION_SERVER_PRIVATE_H
#define CHAMPION_SERVER_PRIVATE_H

#include "http/http.h"
#include "desk/worker.h"

#include <pthread.h>

#define METRIC_BUCKETS 12

/* Counters one worker writes and /metrics reads (relaxed atomics). */
struct metrics {
	_Atomic uint64_t *by_route_status; /* (nroutes + 2: none, web) x 500 statuses (100..599) */
	_Atomic uint64_t latency[METRIC_BUCKETS + 1];
	_Atomic uint64_t latency_sum_us;
	_Atomic uint64_t requests;
	_Atomic uint64_t db_ns;
	_Atomic int64_t connections;
	_Atomic int64_t in_flight;
};

struct worker {
	struct server *s;
	int index;
	pthread_t thread;
	h2o_context_t ctx;
	h2o_accept_ctx_t accept;
	h2o_socket_t *listener;
	int listen_fd;
	h2o_multithread_queue_t *queue;
	h2o_multithread_receiver_t receiver; /* finished writes come back here */
	struct desk *desk;                   /* this loop's read connection */
	uint64_t next_request;
	struct metrics m;
	_Atomic bool quiet; /* past its grace period: it submits no more writes */
	/* Live updates (api_live.c): this loop's open streams and where they are. */
	h2o_linklist_t streams;
	struct live_cursor live;
	int64_t live_polled_ms, live_read_ms;
	uint64_t live_heard;      /* the server's live.signals at this loop's last read */
	_Atomic bool receiving;   /* its queue takes messages (a wake from the listener) */
};

/* The thread that hears the desk's signals (api_live.c); started only where they exist. */
struct live_listener {
	pthread_t thread;
	bool started;
	struct desk_live_watch *watch;
	_Atomic uint64_t signals;
	_Atomic bool listening; /* the watch is connected: loops may poll seldom */
};

/* A thread, its queue of jobs and its own connection to the desk. */
struct lane {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct write_job *head, *tail;
	bool stop, started;
	struct desk *desk;
};

/* The one thread that writes: groups of jobs, one commit per group. */
struct writer {
	struct lane q;
	int batch_max;
	_Atomic uint64_t batches, jobs;
	_Atomic uint64_t spoiled; /* flat batches run again with savepoints */
	_Atomic uint64_t retried; /* groups run again after a transient failure */
	_Atomic uint64_t jobs_retried; /* jobs run again alone after failing as transient */
	/*
	 * Its connection leaves checkpoints to the checkpointer (writer.c):
	 * log is told the log's length after each commit.
	 */
	struct db_log_watch log;
	int log_pages, log_woken_at;   /* the writer's */
	int64_t indexed_at;            /* the writer's last search index catch-up (time_mono_ms) */
	bool index_due;                /* it committed since */
	struct desk_worker checkpointer;
	int ckpt_pages, ckpt_copied;   /* the checkpointer's last, for its log */
};

struct server {
	struct server_options o;
	size_t upload_max; /* the largest multipart body: attachments.max_bytes x DESK_ATTACHMENTS_MAX */
	h2o_globalconf_t config;
	struct worker *workers;
	int nworkers;
	struct writer writer;
	struct lane slow; /* CPU-heavy preparation of writes (argon2id), off the loops */
	struct live_listener live;
	_Atomic bool stopping;
	_Atomic bool writer_done; /* at shutdown: every write answered */
	_Atomic bool ready;
};

/* Start and stop the writer and the slow lane. */
int writer_start(struct server *s, struct err *e);
void writer_stop(struct server *s);
void writer_submit(struct server *s, struct write_job *j);
/* On a worker's loop: finished jobs. */
void writer_on_done(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages);

/* On a worker's loop: the desk's changes to its live streams, and pings (api_live.c). */
void live_tick(struct worker *w);
/* Ends every live stream of the loop (the server is stopping). */
void live_close_all(struct worker *w);
/* The listener of the desk's signals, where the backend has them; stopped before the loops. */
int live_listen_start(struct server *s, struct err *e);
void live_listen_stop(struct server *s);

void metrics_init(struct metrics *m);
void metrics_release(struct metrics *m);

/* Ends a request that has been answered: access log, metrics, arena. */
void hreq_finish(struct hreq *r);
/* Turns the errors h2o answers itself (text/plain) into problem+json (respond.c). */
void http_problem_filter_register(h2o_pathconf_t *conf);

#endif
