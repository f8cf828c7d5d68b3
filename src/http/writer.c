/* writer.c - the writer thread: many requests' writes, one commit. */
#include "util/common.h"
#include "http/server_private.h"
#include "util/log.h"
#include "util/xalloc.h"

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

int job_submit(struct write_job *j)
{
	j->r->job = j;
	writer_submit(j->w->s, j);
	return 0;
}

void writer_submit(struct server *s, struct write_job *j)
{
	struct writer *wr = &s->writer;

	pthread_mutex_lock(&wr->lock);
	j->next = NULL;
	if (wr->tail)
		wr->tail->next = j;
	else
		wr->head = j;
	wr->tail = j;
	pthread_cond_signal(&wr->wake);
	pthread_mutex_unlock(&wr->lock);
}

/* Runs one group: every job in its own savepoint, one commit for all. */
static void run_group(struct writer *wr, struct write_job *group)
{
	struct err e = ERR_INIT;
	enum err_code rc = desk_batch_begin(wr->desk, &e);
	size_t n = 0;

	for (struct write_job *j = group; j; j = j->next, n++) {
		if (rc) {
			j->rc = rc;
			j->err = e;
			continue;
		}
		err_clear(&j->err);
		j->rc = j->run(wr->desk, j, &j->err);
	}
	if (!rc && (rc = desk_batch_commit(wr->desk, &e))) {
		desk_batch_rollback(wr->desk);
		for (struct write_job *j = group; j; j = j->next)
			if (j->rc == ERR_OK) {
				j->rc = rc;
				j->err = e;
			}
	}
	atomic_fetch_add(&wr->batches, 1);
	atomic_fetch_add(&wr->jobs, n);
	/* Acknowledge only now: every answer below is durable. */
	for (struct write_job *j = group, *next; j; j = next) {
		next = j->next;
		h2o_multithread_send_message(&j->w->receiver, &j->msg);
	}
}

static void *writer_main(void *arg)
{
	struct server *s = arg;
	struct writer *wr = &s->writer;

	for (;;) {
		struct write_job *group, *last;
		int n = 1;

		pthread_mutex_lock(&wr->lock);
		while (!wr->head && !wr->stop)
			pthread_cond_wait(&wr->wake, &wr->lock);
		if (!wr->head && wr->stop) {
			pthread_mutex_unlock(&wr->lock);
			break;
		}
		group = last = wr->head;
		while (last->next && n < wr->batch_max) {
			last = last->next;
			n++;
		}
		wr->head = last->next;
		if (!wr->head)
			wr->tail = NULL;
		last->next = NULL;
		pthread_mutex_unlock(&wr->lock);
		int64_t t0 = http_now_ns();
		run_group(wr, group);
		metrics_db_time(&s->workers[0], http_now_ns() - t0);
	}
	return NULL;
}

int writer_start(struct server *s, struct err *e)
{
	struct writer *wr = &s->writer;
	struct store_options so = s->o.store;

	so.create = false;
	if (desk_open(&wr->desk, &so, e))
		return -1;
	wr->batch_max = s->o.batch_max > 0 ? s->o.batch_max : 256;
	pthread_mutex_init(&wr->lock, NULL);
	pthread_cond_init(&wr->wake, NULL);
	pthread_create(&wr->thread, NULL, writer_main, s);
	return 0;
}

void writer_stop(struct server *s)
{
	struct writer *wr = &s->writer;

	if (!wr->desk)
		return;
	pthread_mutex_lock(&wr->lock);
	wr->stop = true;
	pthread_cond_signal(&wr->wake);
	pthread_mutex_unlock(&wr->lock);
	pthread_join(wr->thread, NULL);
	pthread_mutex_destroy(&wr->lock);
	pthread_cond_destroy(&wr->wake);
	desk_close(wr->desk);
	wr->desk = NULL;
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
