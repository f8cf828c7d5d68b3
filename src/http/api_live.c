/*
 * api_live.c - live updates: GET /api/v1/stream (server-sent events) and a
 * ticket's presence (who is viewing it or typing on it).
 *
 * Each loop keeps its open streams and, while it has any, reads the desk's
 * changes after its cursor (desk_live_read: the ticket events and
 * presence changes any process sharing the desk made) and writes each to
 * the streams whose caller may hear of that ticket. It reads every
 * server.live_poll_ms; on a desk that signals its changes (PostgreSQL's
 * NOTIFY, heard by this file's listener thread on a connection of its
 * own), at once when told, and otherwise only every LIVE_BACKSTOP times
 * that, in case a signal went unheard.
 * h2o takes one write at a time per stream: what comes while one is on
 * the wire waits in the stream's pending buffer and goes with the next.
 * A stream ends when its caller goes, at its ?seconds, or when the server
 * stops (so that shutdown does not wait on it).
 */
#include "util/common.h"
#include "http/api.h"
#include "http/input.h"
#include "http/server_private.h"
#include "util/jw.h"
#include "util/log.h"
#include "util/time.h"

#define LIVE_POLL_MS 250         /* server.live_poll_ms's default */
#define LIVE_BACKSTOP 20         /* polls skipped while the desk's signals are heard */
#define LIVE_LISTEN_WAIT_MS 250  /* the listener looks at the server's stopping this often */
#define LIVE_PING_MS 5000      /* a comment line, so proxies and clients see it alive */
#define LIVE_PENDING_MAX (1 << 20) /* a client this far behind is cut off */

struct stream {
	h2o_generator_t gen; /* first: h2o hands it back */
	h2o_linklist_t link; /* in its worker's streams */
	struct hreq *r;
	struct worker *w;
	struct actor who;
	struct buf pending;  /* waiting for the write on the wire */
	struct buf wire;     /* on the wire: kept until h2o proceeds */
	bool sending, ending, over;
	int64_t end_ms;      /* 0: until the client goes */
	int64_t ping_at_ms;
};

/* Off its loop's list: it hears of no more changes. */
static void stream_unlink(struct stream *s)
{
	if (h2o_linklist_is_linked(&s->link))
		h2o_linklist_unlink(&s->link);
}

/* Sends what is pending (and the end, when ending) unless a write is on the wire. */
static void flush(struct stream *s)
{
	h2o_iovec_t v;
	struct buf t;

	if (s->sending || s->over || (!s->pending.len && !s->ending))
		return;
	t = s->wire;
	s->wire = s->pending;
	s->pending = t;
	buf_reset(&s->pending);
	s->sending = true;
	v = h2o_iovec_init(s->wire.data, s->wire.len);
	if (s->ending) {
		s->over = true;
		h2o_send(s->r->req, &v, 1, H2O_SEND_STATE_FINAL);
	} else {
		h2o_send(s->r->req, &v, 1, H2O_SEND_STATE_IN_PROGRESS);
	}
}

static void on_proceed(h2o_generator_t *g, h2o_req_t *req)
{
	struct stream *s = (struct stream *)g;

	(void)req;
	s->sending = false;
	buf_reset(&s->wire);
	flush(s);
}

/* The client went away: h2o frees the request after this. */
static void on_stop(h2o_generator_t *g, h2o_req_t *req)
{
	struct stream *s = (struct stream *)g;

	(void)req;
	stream_unlink(s);
	s->over = true;
}

static void on_dispose(void *p)
{
	struct stream *s = p;

	stream_unlink(s);
	buf_release(&s->pending);
	buf_release(&s->wire);
}

/*
 * Off the list at once; the end goes out now, or when the write on the
 * wire is done (on_proceed flushes it).
 */
static void stream_end(struct stream *s)
{
	stream_unlink(s);
	s->ending = true;
	flush(s);
}

/* One server-sent event: "event: NAME\ndata: JSON\n\n" (JSON has no newline). */
static void send_event(struct stream *s, const char *name, const char *json, size_t len)
{
	if (s->over || s->ending)
		return;
	if (s->pending.len > LIVE_PENDING_MAX) {
		log_warn("live stream cut off: its client does not read", "id=%s", s->r->id);
		stream_end(s);
		return;
	}
	buf_printf(&s->pending, "event: %s\ndata: ", name);
	buf_append(&s->pending, json, len);
	buf_puts(&s->pending, "\n\n");
	flush(s);
}

/* The event of a change to a ticket, for the streams that may hear of it. */
static void tell_ticket(struct worker *w, struct arena *a, const struct event_row *ev)
{
	struct buf b = BUF_INIT;
	struct jw j;

	jw_init(&j, &b);
	jw_obj(&j);
	jw_kint(&j, "ticket_id", ev->entity_id);
	jw_kstr(&j, "kind", ev->kind);
	jw_kid(&j, "actor_id", ev->actor_id);
	jw_kint(&j, "event_id", ev->id);
	jw_end(&j);
	for (h2o_linklist_t *l = w->streams.next, *next; l != &w->streams; l = next) {
		struct stream *s = H2O_STRUCT_FROM_MEMBER(struct stream, link, l);
		next = l->next;
		if (desk_live_sees(w->desk, &s->who, a, ev->entity_id))
			send_event(s, "ticket", b.data, b.len);
	}
	buf_release(&b);
}

static void tell_presence(struct worker *w, struct arena *a, const struct presence_row *p)
{
	struct buf b = BUF_INIT;
	struct jw j;

	jw_init(&j, &b);
	jw_obj(&j);
	jw_kint(&j, "ticket_id", p->ticket_id);
	jw_kint(&j, "user_id", p->user_id);
	jw_kstr(&j, "name", p->name);
	jw_kstr(&j, "email", p->email);
	jw_kstr(&j, "state", p->state);
	jw_end(&j);
	for (h2o_linklist_t *l = w->streams.next, *next; l != &w->streams; l = next) {
		struct stream *s = H2O_STRUCT_FROM_MEMBER(struct stream, link, l);
		next = l->next;
		if (desk_live_sees(w->desk, &s->who, a, p->ticket_id))
			send_event(s, "presence", b.data, b.len);
	}
	buf_release(&b);
}

static void live_read(struct worker *w)
{
	struct live_batch batch;
	struct err e = ERR_INIT;
	struct arena a;

	arena_init(&a);
	do {
		if (desk_live_read(w->desk, &a, &w->live, &batch, &e)) {
			log_warn("cannot read the desk's changes for live streams", "error=\"%s\"",
				 e.msg);
			break;
		}
		for (size_t i = 0; i < batch.events.count; i++)
			tell_ticket(w, &a, ROWS_AT(&batch.events, struct event_row, i));
		for (size_t i = 0; i < batch.presence.count; i++)
			tell_presence(w, &a, ROWS_AT(&batch.presence, struct presence_row, i));
		arena_release(&a);
		arena_init(&a);
	} while (batch.events.count == DESK_LIVE_BATCH || batch.presence.count == DESK_LIVE_BATCH);
	arena_release(&a);
}

void live_tick(struct worker *w)
{
	int64_t now = time_mono_ms();
	int poll_ms = w->s->o.live_poll_ms > 0 ? w->s->o.live_poll_ms : LIVE_POLL_MS;
	uint64_t heard = atomic_load(&w->s->live.signals);
	bool told = heard != w->live_heard;

	if (h2o_linklist_is_empty(&w->streams) || (!told && now - w->live_polled_ms < LIVE_POLL_MS))
		return;
	w->live_polled_ms = now;
	if (atomic_load(&w->s->live.listening) && !told)
		poll_ms *= LIVE_BACKSTOP;
	if (told || now - w->live_read_ms >= poll_ms) {
		w->live_heard = heard; /* before reading: a signal during the read is heard next */
		w->live_read_ms = now;
		live_read(w);
	}
	for (h2o_linklist_t *l = w->streams.next, *next; l != &w->streams; l = next) {
		struct stream *s = H2O_STRUCT_FROM_MEMBER(struct stream, link, l);
		next = l->next;
		if (s->end_ms && now >= s->end_ms) {
			stream_end(s);
		} else if (now >= s->ping_at_ms) {
			s->ping_at_ms = now + LIVE_PING_MS;
			buf_puts(&s->pending, ": ping\n\n");
			flush(s);
		}
	}
}

void live_close_all(struct worker *w)
{
	while (!h2o_linklist_is_empty(&w->streams))
		stream_end(H2O_STRUCT_FROM_MEMBER(struct stream, link, w->streams.next));
}

int api_stream(struct hreq *r)
{
	struct worker *w = r->w;
	struct err e = ERR_INIT;
	struct live_cursor head;
	int64_t seconds = 0;
	struct stream *s;

	if (query_int(r, "seconds", 1, 86400, &seconds) < 0)
		return 0;
	if (desk_live_head(w->desk, &r->actor, &head, &e))
		return http_error(r, &e);
	/* The loop's cursor is where its streams are; the first stream starts it at now. */
	if (h2o_linklist_is_empty(&w->streams)) {
		w->live = head;
		w->live_polled_ms = w->live_read_ms = time_mono_ms();
		w->live_heard = atomic_load(&w->s->live.signals);
	}
	s = h2o_mem_alloc_shared(&r->req->pool, sizeof(*s), on_dispose);
	memset(s, 0, sizeof(*s));
	buf_init(&s->pending, BUF_NO_MAX);
	buf_init(&s->wire, BUF_NO_MAX);
	s->gen.proceed = on_proceed;
	s->gen.stop = on_stop;
	s->r = r;
	s->w = w;
	s->who = r->actor;
	s->ping_at_ms = time_mono_ms() + LIVE_PING_MS;
	s->end_ms = seconds ? time_mono_ms() + seconds * 1000 : 0;
	h2o_linklist_insert(&w->streams, &s->link);
	h2o_add_header_by_str(&r->req->pool, &r->req->res.headers, H2O_STRLIT("x-accel-buffering"),
			      0, NULL, H2O_STRLIT("no"));
	http_stream_start(r, "text/event-stream; charset=utf-8", &s->gen);
	/* The first event says the stream is open, and from which change on. */
	char hello[96];
	int n = snprintf(hello, sizeof(hello), "{\"event_id\":%" PRId64 ",\"presence_seq\":%" PRId64 "}",
			 w->live.event_id, w->live.presence_seq);
	send_event(s, "hello", hello, (size_t)n);
	return 0;
}

/* --- presence ------------------------------------------------------------- */

static enum err_code run_presence(struct desk *d, struct write_job *j, struct err *e)
{
	return desk_presence_set(d, &j->actor, j->id, j->in, e);
}

static int done_presence(struct hreq *r, struct write_job *j)
{
	if (j->rc)
		return http_error(r, &j->err);
	return http_text(r, 204, NULL, "", 0);
}

int api_ticket_presence_set(struct hreq *r)
{
	static const char *const fields[] = {"state", NULL};
	struct write_job *j = job_new(r, run_presence, done_presence);
	const char *state;

	j->id = r->params[0];
	if (input_only(r, fields) < 0 || input_string(r, &j->arena, "state", true, &state) < 0) {
		arena_release(&j->arena);
		free(j);
		return 0;
	}
	j->in = (void *)state;
	return job_submit(j);
}

int api_ticket_presence(struct hreq *r)
{
	struct rows rows;
	struct err e = ERR_INIT;
	struct buf b = BUF_INIT;
	struct jw w;

	if (desk_presence_list(worker_desk(r->w), &r->actor, &r->arena, r->params[0], &rows, &e))
		return http_error(r, &e);
	jw_init(&w, &b);
	jw_obj(&w);
	jw_key(&w, "presence");
	jw_arr(&w);
	for (size_t i = 0; i < rows.count; i++) {
		const struct presence_row *p = ROWS_AT(&rows, struct presence_row, i);
		jw_obj(&w);
		jw_kint(&w, "user_id", p->user_id);
		jw_kstr(&w, "name", p->name);
		jw_kstr(&w, "email", p->email);
		jw_kstr(&w, "state", p->state);
		char iso[TIME_ISO_MAX];
		jw_kstr(&w, "at", time_format_iso(p->at, iso));
		jw_end(&w);
	}
	jw_end(&w);
	jw_end(&w);
	return http_json_buf(r, 200, &b, NULL);
}

/* --- the listener of the desk's signals ------------------------------------ */

static void *listen_main(void *arg)
{
	struct server *s = arg;
	struct live_listener *l = &s->live;
	bool told_lost = false;

	while (!atomic_load(&s->stopping)) {
		struct err e = ERR_INIT;
		int r = desk_live_watch_wait(l->watch, LIVE_LISTEN_WAIT_MS, &e);
		if (r < 0) {
			/* Lost: the loops poll as often as without signals until it is back. */
			atomic_store(&l->listening, false);
			if (!told_lost)
				log_warn("not hearing the desk's changes; live streams poll meanwhile",
					 "error=\"%s\"", e.msg);
			told_lost = true;
			nanosleep(&(struct timespec){.tv_nsec = LIVE_LISTEN_WAIT_MS * 1000000L}, NULL);
			continue;
		}
		if (r > 0) {
			if (told_lost)
				log_info("hearing the desk's changes again", "signals=%" PRIu64,
					 atomic_load(&l->signals));
			told_lost = false;
			atomic_store(&l->listening, true);
			atomic_fetch_add(&l->signals, 1);
			/* Wake the loops: a loop with streams reads at once, not at its next turn. */
			for (int i = 0; i < s->nworkers; i++)
				if (atomic_load(&s->workers[i].receiving))
					h2o_multithread_send_message(&s->workers[i].receiver, NULL);
		}
	}
	return NULL;
}

int live_listen_start(struct server *s, struct err *e)
{
	struct live_listener *l = &s->live;

	/* Any desk connection knows where the desk is: the first loop's. */
	if (desk_live_watch_open(s->workers[0].desk, &l->watch, e))
		return -1;
	if (!l->watch)
		return 0; /* signals are not this backend's: the loops poll */
	atomic_store(&l->listening, true);
	if (pthread_create(&l->thread, NULL, listen_main, s) != 0) {
		desk_live_watch_close(l->watch);
		l->watch = NULL;
		atomic_store(&l->listening, false);
		err_set(e, ERR_INTERNAL, "cannot start the thread that listens for the desk's changes");
		return -1;
	}
	l->started = true;
	return 0;
}

void live_listen_stop(struct server *s)
{
	struct live_listener *l = &s->live;

	if (l->started)
		pthread_join(l->thread, NULL);
	l->started = false;
	atomic_store(&l->listening, false);
	desk_live_watch_close(l->watch);
	l->watch = NULL;
}
