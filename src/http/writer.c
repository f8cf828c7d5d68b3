/* writer.c - the writer thread: many requests' writes, one commit. */
#include "util/common.h"
#include "http/server_private.h"
#include "util/log.h"
#include "util/time.h"
#include "util/xalloc.h"

#include <errno.h>
#include <time.h>

struct write_job *job_new(struct hreq *r,
			  enum err_code (*run)(struct desk *, struct write_job *, struct err *),
			  int (*done)(struct hreq *, struct write_job *))
{
	struct write_job *j = xcalloc(1, sizeof(*j));

	arena_init(&j->arena);
	j->w = r->w;
	j->r = r;
	j->actor = r->actor;
	j->run = run;
	j->done = done;
	return j;
}

/* --- lanes ---------------------------------------------------------------- */

static void lane_push(struct lane *l, struct write_job *j)
{
	pthread_mutex_lock(&l->lock);
	j->next = NULL;
	if (l->tail)
		l->tail->next = j;
	else
		l->head = j;
	l->tail = j;
	pthread_cond_signal(&l->wake);
	pthread_mutex_unlock(&l->lock);
}

/*
 * Waits for jobs, up to wait_ms (forever when negative); takes up to max
 * of them, linked. NULL when none came in time, or once stopped and
 * empty (*stopped then true; stopped may be NULL).
 */
static struct write_job *lane_take(struct lane *l, int max, int64_t wait_ms, bool *stopped)
{
	struct write_job *first, *last;
	struct timespec until;
	int n = 1;

	if (wait_ms >= 0) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += wait_ms / 1000;
		until.tv_nsec += (wait_ms % 1000) * 1000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
	}
	pthread_mutex_lock(&l->lock);
	while (!l->head && !l->stop)
		if (wait_ms < 0)
			pthread_cond_wait(&l->wake, &l->lock);
		else if (pthread_cond_timedwait(&l->wake, &l->lock, &until) == ETIMEDOUT)
			break;
	if (stopped)
		*stopped = !l->head && l->stop;
	if (!l->head) {
		pthread_mutex_unlock(&l->lock);
		return NULL;
	}
	first = last = l->head;
	while (last->next && n < max) {
		last = last->next;
		n++;
	}
	l->head = last->next;
	if (!l->head)
		l->tail = NULL;
	last->next = NULL;
	pthread_mutex_unlock(&l->lock);
	return first;
}

/* Opens the lane's own desk connection with so and starts its thread. */
static int lane_start(struct lane *l, struct server *s, void *(*main)(void *),
		      const struct store_options *so, struct err *e)
{
	if (desk_open(&l->desk, so, e))
		return -1;
	if (desk_configure(l->desk, &s->o.desk, e))
		return -1;
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC); /* lane_take's timed waits */
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->wake, &attr);
	pthread_condattr_destroy(&attr);
	pthread_create(&l->thread, NULL, main, s);
	l->started = true;
	return 0;
}

/* Lets the lane finish what it holds, then ends its thread and closes its desk. */
static void lane_stop(struct lane *l)
{
	if (l->started) {
		pthread_mutex_lock(&l->lock);
		l->stop = true;
		pthread_cond_signal(&l->wake);
		pthread_mutex_unlock(&l->lock);
		pthread_join(l->thread, NULL);
		pthread_mutex_destroy(&l->lock);
		pthread_cond_destroy(&l->wake);
		l->started = false;
	}
	desk_close(l->desk);
	l->desk = NULL;
}

int job_submit(struct write_job *j)
{
	j->r->job = j;
	if (j->prep)
		lane_push(&j->w->s->slow, j);
	else
		writer_submit(j->w->s, j);
	return 0;
}

void writer_submit(struct server *s, struct write_job *j)
{
	lane_push(&s->writer.q, j);
}

/*
 * Runs one group's jobs in one transaction. First flat (db_begin_flat):
 * no savepoint per job, whose journal in memory cost a tenth of the
 * writer's instructions for a new ticket. A job that fails after changing
 * rows spoils the batch; then the whole group runs again with every job in
 * its own savepoint, so one that fails leaves the others. Nothing of the
 * first run reaches a client: jobs are answered after the commit.
 */
enum batch { BATCH_DONE, BATCH_SPOILED, BATCH_FAILED };

/*
 * BATCH_SPOILED when the flat run is spoiled and rolled back; BATCH_FAILED
 * when the transaction could not begin or commit (*batch_rc: why), every
 * job then answered with that error unless it failed on its own.
 */
static enum batch run_jobs(struct desk *d, struct write_job *group, bool flat, bool again,
			   enum err_code *batch_rc)
{
	struct err be = ERR_INIT, *e = &be;
	enum err_code rc = desk_batch_begin(d, flat, e);

	*batch_rc = rc;
	for (struct write_job *j = group; j; j = j->next) {
		if (again && !j->again)
			continue;
		if (j->ran || j->batch_failed) /* in a spoiled or failed batch */
			j->rc = ERR_OK;
		j->batch_failed = false;
		if (rc) {
			j->rc = rc;
			j->err = *e;
			j->batch_failed = true;
			continue;
		}
		if (j->rc) /* its prep failed */
			continue;
		j->ran = true;
		j->err = (struct err)ERR_INIT;
		j->rc = j->run(d, j, &j->err);
		if (flat && desk_batch_spoiled(d)) {
			desk_batch_rollback(d);
			return BATCH_SPOILED;
		}
	}
	if (rc)
		return BATCH_FAILED;
	if ((rc = desk_batch_commit(d, e))) {
		desk_batch_rollback(d);
		*batch_rc = rc;
		for (struct write_job *j = group; j; j = j->next) {
			if (again && !j->again)
				continue;
			if (j->ran || j->rc == ERR_OK)
				j->batch_failed = true; /* nothing it did is stored */
			if (j->rc == ERR_OK) {
				j->rc = rc;
				j->err = *e;
			}
		}
		return BATCH_FAILED;
	}
	return BATCH_DONE;
}

static void pause_ms(int64_t ms)
{
	nanosleep(&(struct timespec){.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000}, NULL);
}

/*
 * Marks the jobs the database refused on their own, for now, in a batch
 * that committed (PostgreSQL: a deadlock, a serialization failure, a row
 * lock waited for past db.busy_timeout_ms). Each left nothing behind (its
 * savepoint went), so it may run again. Returns how many.
 */
static int mark_again(struct write_job *group)
{
	int n = 0;

	for (struct write_job *j = group; j; j = j->next) {
		j->again = j->ran && !j->batch_failed && j->rc == ERR_TRANSIENT;
		n += j->again;
	}
	return n;
}

static void run_group(struct writer *wr, struct write_job *group)
{
	struct desk *d = wr->q.desk;
	enum err_code rc;
	int64_t delay_ms;
	size_t n = 0;

	/* A group the database refused for now runs again, whole (desk_batch_retry). */
	for (int attempt = 1;; attempt++) {
		enum batch b = run_jobs(d, group, true, false, &rc);
		if (b == BATCH_SPOILED) {
			atomic_fetch_add(&wr->spoiled, 1);
			b = run_jobs(d, group, false, false, &rc);
		}
		if (b != BATCH_FAILED || !desk_batch_retry(d, rc, attempt, &delay_ms))
			break;
		atomic_fetch_add(&wr->retried, 1);
		pause_ms(delay_ms);
	}
	/* So do the jobs refused on their own, in a group of their own, with savepoints. */
	for (int attempt = 1, k; (k = mark_again(group)) > 0; attempt++) {
		if (!desk_batch_retry(d, ERR_TRANSIENT, attempt, &delay_ms))
			break;
		atomic_fetch_add(&wr->jobs_retried, (uint64_t)k);
		pause_ms(delay_ms);
		run_jobs(d, group, false, true, &rc);
	}
	for (struct write_job *j = group; j; j = j->next)
		n++;
	atomic_fetch_add(&wr->batches, 1);
	atomic_fetch_add(&wr->jobs, n);
	/* Acknowledge only now: every answer below is durable. */
	for (struct write_job *j = group, *next; j; j = next) {
		next = j->next;
		h2o_multithread_send_message(&j->w->receiver, &j->msg);
	}
}

/* --- checkpoints ---------------------------------------------------------- */

/*
 * The writer's commits do not fold the write-ahead log into the database:
 * SQLite's automatic checkpoint would, every WRITER_CHECKPOINT_PAGES, copy
 * the log's pages and sync the log and the database inside a commit, with
 * every request of the group waiting (11% of the writer's time under a
 * stream of new tickets). The checkpointer does it beside the writer, on
 * its own connection, without blocking it. The log starts again from its
 * beginning only at a commit that finds it wholly copied; if a stream of
 * writes never leaves it so, the writer copies the rest itself between
 * two groups once the log is WRITER_CHECKPOINT_MAX pages long.
 */
#define WRITER_CHECKPOINT_PAGES 1000 /* SQLite's wal_autocheckpoint default */
#define WRITER_CHECKPOINT_MAX 8000   /* 31 MiB of 4 KiB pages */

/* On the writer's thread, inside its commit. */
static void writer_log_grown(struct db_log_watch *log, int pages)
{
	struct writer *wr = H2O_STRUCT_FROM_MEMBER(struct writer, log, log);

	wr->log_pages = pages;
	if (pages < wr->log_woken_at) /* started again */
		wr->log_woken_at = 0;
	if (pages - wr->log_woken_at >= WRITER_CHECKPOINT_PAGES) {
		wr->log_woken_at = pages;
		desk_worker_wake(&wr->checkpointer);
	}
}

static void checkpoint_run(struct desk_worker *w)
{
	struct writer *wr = w->ctx;
	struct err e = ERR_INIT;
	int pages, copied;

	if (desk_checkpoint(w->desk, &pages, &copied, &e)) {
		log_warn("checkpoint failed", "error=\"%s\"", e.msg);
	} else if (pages != wr->ckpt_pages || copied != wr->ckpt_copied) {
		log_debug("checkpoint", "log_pages=%d copied=%d", pages, copied);
		wr->ckpt_pages = pages;
		wr->ckpt_copied = copied;
	}
}

static void writer_checkpoint_self(struct writer *wr)
{
	struct err e = ERR_INIT;

	if (wr->log_pages < WRITER_CHECKPOINT_MAX)
		return;
	if (desk_checkpoint(wr->q.desk, NULL, NULL, &e))
		log_warn("checkpoint failed", "error=\"%s\"", e.msg);
}

/* --- the search index ------------------------------------------------------ */

/*
 * The writer's commits leave the messages they add in search_pending
 * (store_options.search_later), and the writer indexes them in a
 * transaction of their own at most every WRITER_INDEX_MS: a commit's
 * search index segment then holds some hundreds of messages instead of a
 * group's dozen, and FTS5 merges far fewer segments (the index was a
 * quarter of the writer's instructions for a new ticket, three quarters
 * of that merging). Search finds a new message WRITER_INDEX_MS or so
 * after its answer. Other connections (commands, the server's workers)
 * index at their commits, pending messages included.
 */
#define WRITER_INDEX_MS 50

static void writer_index(struct server *s)
{
	struct writer *wr = &s->writer;
	struct err e = ERR_INIT;
	int64_t db0 = desk_db_busy_ns(wr->q.desk);

	if (desk_search_catch_up(wr->q.desk, 0, NULL, &e))
		log_warn("search index catch-up failed", "error=\"%s\"", e.msg);
	metrics_db_time(&s->workers[0], desk_db_busy_ns(wr->q.desk) - db0);
	wr->indexed_at = time_mono_ms();
	wr->index_due = false;
}

static void *writer_main(void *arg)
{
	struct server *s = arg;
	struct writer *wr = &s->writer;
	struct write_job *group;
	bool stopped = false;

	writer_index(s); /* what a stopped server left */
	while (!stopped) {
		int64_t wait = -1;

		if (wr->index_due) {
			wait = wr->indexed_at + WRITER_INDEX_MS - time_mono_ms();
			if (wait < 0)
				wait = 0;
		}
		if ((group = lane_take(&wr->q, wr->batch_max, wait, &stopped))) {
			int64_t db0 = desk_db_busy_ns(wr->q.desk);
			run_group(wr, group);
			wr->index_due = true;
			writer_checkpoint_self(wr);
			metrics_db_time(&s->workers[0], desk_db_busy_ns(wr->q.desk) - db0);
		}
		if (wr->index_due && time_mono_ms() - wr->indexed_at >= WRITER_INDEX_MS)
			writer_index(s);
	}
	if (wr->index_due)
		writer_index(s);
	return NULL;
}

/* The slow lane: one job at a time, then on to the writer. */
static void *slow_main(void *arg)
{
	struct server *s = arg;
	struct write_job *j;

	while ((j = lane_take(&s->slow, 1, -1, NULL))) {
		int64_t db0 = desk_db_busy_ns(s->slow.desk);
		j->rc = j->prep(s->slow.desk, j, &j->err);
		metrics_db_time(&s->workers[0], desk_db_busy_ns(s->slow.desk) - db0);
		writer_submit(s, j);
	}
	return NULL;
}

int writer_start(struct server *s, struct err *e)
{
	struct writer *wr = &s->writer;
	struct store_options so = s->o.store;

	wr->batch_max = s->o.batch_max > 0 ? s->o.batch_max : 256;
	wr->log.grown = writer_log_grown;
	so.create = false;
	if (desk_worker_start(&wr->checkpointer, "checkpoint", &so, &s->o.desk, 1000,
			      checkpoint_run, wr, e))
		return -1;
	if (lane_start(&s->slow, s, slow_main, &so, e) < 0)
		goto fail;
	so.log_watch = &wr->log;
	so.search_later = true;
	if (lane_start(&wr->q, s, writer_main, &so, e) < 0)
		goto fail;
	return 0;
fail:
	writer_stop(s);
	return -1;
}

/* The slow lane first: what it finishes still goes to the writer. */
void writer_stop(struct server *s)
{
	lane_stop(&s->slow);
	lane_stop(&s->writer.q);
	desk_worker_stop(&s->writer.checkpointer);
}

void writer_on_done(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
	(void)receiver;
	while (!h2o_linklist_is_empty(messages)) {
		h2o_multithread_message_t *m =
			H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
		struct write_job *j = (struct write_job *)m;
		h2o_linklist_unlink(&m->link);
		if (j->r) {
			j->r->job = NULL;
			j->done(j->r, j);
		}
		arena_release(&j->arena);
		free(j);
	}
}
