/* server.c - event loops, listeners, request dispatch, graceful shutdown. */
#include "util/common.h"
#include "http/server_private.h"
#include "http/multipart.h"
#include "util/log.h"
#include "util/str.h"
#include "util/time.h"
#include "util/xalloc.h"

#include <arpa/inet.h>
#include <gmime/gmime.h>
#include <sodium.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define container_of(p, type, member) ((type *)((char *)(p)-offsetof(type, member)))

int64_t http_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct desk *worker_desk(struct worker *w)
{
	return w->desk;
}

bool server_ready(struct worker *w)
{
	return atomic_load(&w->s->ready) && !atomic_load(&w->s->stopping);
}

/* --- requests ------------------------------------------------------------- */

void hreq_finish(struct hreq *r)
{
	arena_release(&r->arena);
}

/* The request's pool is going away: the request is over, answered or not. */
static void on_dispose(void *p)
{
	struct hreq *r = p;

	if (r->job)
		r->job->r = NULL; /* the writer's answer will find nobody */
	atomic_fetch_sub_explicit(&r->w->m.in_flight, 1, memory_order_relaxed);
	hreq_finish(r);
}

static bool has_json_type(struct hreq *r)
{
	const char *ct = hreq_header(r, H2O_TOKEN_CONTENT_TYPE);
	size_t n = sizeof("application/json") - 1;
	return ct && strncasecmp(ct, "application/json", n) == 0 && (ct[n] == '\0' || ct[n] == ';');
}

static bool is_safe_method(h2o_req_t *req)
{
	return h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")) ||
	       h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"));
}

/* Authenticates from the session cookie; unsafe methods also need X-CSRF-Token. */
static int authenticate_session(struct hreq *r, const char *cookie)
{
	struct err e = ERR_INIT;
	const char *sent;
	enum err_code rc = desk_actor_by_session(r->w->desk, cookie, &r->actor, r->csrf, &e);

	if (rc == ERR_NOT_FOUND) {
		http_problem(r, 401, "unauthenticated", "the session has ended; sign in again");
		return -1;
	}
	if (rc) {
		http_error(r, &e);
		return -1;
	}
	if (!is_safe_method(r->req)) {
		sent = hreq_header_str(r, "x-csrf-token");
		if (!sent || strlen(sent) != strlen(r->csrf) ||
		    sodium_memcmp(sent, r->csrf, strlen(r->csrf)) != 0) {
			http_problem(r, 403, "csrf_failed",
				     "this request needs the session's X-CSRF-Token header");
			return -1;
		}
	}
	r->session = cookie;
	return 0;
}

/* Authenticates from Authorization: Bearer or the session cookie; answers 401 itself. */
static int authenticate(struct hreq *r)
{
	const char *h = hreq_header(r, H2O_TOKEN_AUTHORIZATION);
	const char *cookie = h ? NULL : hreq_cookie(r, HTTP_SESSION_COOKIE);
	struct err e = ERR_INIT;
	enum err_code rc;

	if (cookie)
		return authenticate_session(r, cookie);
	if (!h || strncasecmp(h, "Bearer ", 7) != 0) {
		h2o_add_header(&r->req->pool, &r->req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE,
			       NULL, H2O_STRLIT("Bearer realm=\"champion\""));
		http_problem(r, 401, "unauthenticated",
			     "sign in first: send 'Authorization: Bearer TOKEN' (champion token "
			     "create)");
		return -1;
	}
	rc = desk_actor_by_token(r->w->desk, h + 7, &r->actor, &e);
	if (rc == ERR_NOT_FOUND) {
		h2o_add_header(&r->req->pool, &r->req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE,
			       NULL, H2O_STRLIT("Bearer realm=\"champion\", error=\"invalid_token\""));
		http_problem(r, 401, "unauthenticated", "the token is unknown or revoked");
		return -1;
	}
	if (rc) {
		http_error(r, &e);
		return -1;
	}
	return 0;
}

/* Parses a JSON object; answers 400 itself on failure. */
static int parse_json(struct hreq *r, const char *text, size_t len, const char *what)
{
	json_error_t jerr;
	json_t *v;

	v = json_loadb(text ? text : "", len, JSON_REJECT_DUPLICATES, &jerr);
	if (!v)
		return http_problem(r, 400, "invalid_json", "invalid JSON%s at line %d, column %d: %s",
				    what, jerr.line, jerr.column, jerr.text),
		       -1;
	arena_cleanup_add(&r->arena, (void (*)(void *))json_decref, v);
	if (!json_is_object(v))
		return http_problem(r, 400, "invalid_json", "the %s must be a JSON object",
				    *what ? "'message' part" : "body"),
		       -1;
	r->body = v;
	return 0;
}

/*
 * h2o takes request headers up to about 400 KB; nobody sends a header of
 * more than 8 KB in good faith (nginx's limit), nor 64 KB of them.
 */
#define HEADER_FIELD_MAX (8 * 1024)
#define HEADERS_MAX (64 * 1024)

/* Answers 431 for oversized headers; 0 when they are fine. */
static int check_headers(struct hreq *r)
{
	size_t total = 0;

	for (size_t i = 0; i < r->req->headers.size; i++) {
		const h2o_header_t *h = &r->req->headers.entries[i];
		size_t n = h->name->len + h->value.len;
		if (n > HEADER_FIELD_MAX)
			return http_problem(r, 431, "header_too_large",
					    "header '%.*s' is %zu bytes; a header may have at most %d",
					    (int)(h->name->len < 64 ? h->name->len : 64), h->name->base, n,
					    HEADER_FIELD_MAX), -1;
		total += n;
	}
	if (total > HEADERS_MAX)
		return http_problem(r, 431, "header_too_large",
				    "the headers are %zu bytes; the limit is %d", total, HEADERS_MAX), -1;
	return 0;
}

/* Parses the JSON body; answers 400/415 itself on failure. */
static int parse_body(struct hreq *r)
{
	if (!has_json_type(r)) {
		if (r->route->flags & ROUTE_MULTIPART)
			return http_problem(r, 415, "unsupported_media_type",
					    "send the body as Content-Type: application/json, or as "
					    "multipart/form-data with the JSON in a part named "
					    "'message' and files in parts with a filename"),
			       -1;
		return http_problem(r, 415, "unsupported_media_type",
				    "send the body as Content-Type: application/json"),
		       -1;
	}
	return parse_json(r, r->req->entity.base, r->req->entity.len, "");
}

/*
 * Parses a multipart/form-data body: files to temporary files (removed
 * with the request unless a write job takes them), the "message" part's
 * JSON as the body. Answers 4xx/5xx itself on failure.
 */
static int parse_form(struct hreq *r, const char *ct)
{
	struct store *st = &r->w->desk->store;
	struct mp_limits lim = {.json_field = "message",
				.json_max = r->route->body_max,
				.file_max = st->blob_max,
				.files_max = DESK_ATTACHMENTS_MAX,
				.blob_dir = st->blob_dir};
	struct mp_form *form = arena_zalloc(&r->arena, sizeof(*form));
	struct mp_error err;

	if (multipart_parse(ct, r->req->entity.base, r->req->entity.len, &lim, &r->arena, form,
			    &err) < 0) {
		if (err.status >= 500)
			log_error("cannot store an upload", "id=%s error=\"%s\"", r->id, err.detail);
		return http_problem(r, err.status, err.code, "%s", err.detail), -1;
	}
	r->form = form;
	if (!form->json)
		return http_problem(r, 400, "invalid_multipart",
				    "the form has no 'message' part: send the JSON object there, "
				    "and files as parts with a filename"),
		       -1;
	return parse_json(r, form->json, form->json_len, " in the 'message' part");
}

static int handle(h2o_handler_t *self, h2o_req_t *req)
{
	struct worker *w = container_of(req->conn->ctx, struct worker, ctx);
	struct hreq *r = h2o_mem_alloc_shared(&req->pool, sizeof(*r), on_dispose);
	const char *path = req->path_normalized.base;
	size_t plen = req->path_normalized.len;
	const char *bad;
	const char *ct = NULL;
	int status = 0;

	(void)self;
	memset(r, 0, sizeof(*r));
	r->req = req;
	r->w = w;
	r->start_ns = http_now_ns();
	arena_init(&r->arena);
	snprintf(r->id, sizeof(r->id), "%d-%" PRIu64, w->index, ++w->next_request);
	atomic_fetch_add_explicit(&w->m.in_flight, 1, memory_order_relaxed);
	h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-request-id"), 0, NULL,
			      r->id, strlen(r->id));

	if (check_headers(r) < 0)
		return 0;
	if (web_wants(path, plen))
		return web_serve(r);
	r->route = router_match(req->method.base, req->method.len, path, plen, r->params, &status);
	if (!r->route) {
		if (status == 405) {
			char allow[128];
			size_t n = router_allow(path, plen, allow, sizeof(allow));
			h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL,
				       h2o_strdup(&req->pool, allow, n).base, n);
			return http_problem(r, 405, "method_not_allowed", "%.*s is not allowed on %.*s",
					    (int)req->method.len, req->method.base, (int)plen, path);
		}
		return http_problem(r, 404, "not_found", "no such resource: %.*s", (int)plen, path);
	}
	if ((r->route->flags & ROUTE_MULTIPART) &&
	    multipart_is_form(ct = hreq_header(r, H2O_TOKEN_CONTENT_TYPE))) {
		if (req->entity.len > w->s->upload_max)
			return http_problem(r, 413, "body_too_large",
					    "the upload is %zu bytes; at most %zu are taken (%d files "
					    "of attachments.max_bytes)",
					    req->entity.len, w->s->upload_max, DESK_ATTACHMENTS_MAX);
	} else {
		ct = NULL;
		size_t limit = r->route->body_max < w->s->o.body_max ? r->route->body_max
								     : w->s->o.body_max;
		if (req->entity.base && req->entity.len > limit)
			return http_problem(r, 413, "body_too_large",
					    "the body is %zu bytes; this resource takes at most %zu",
					    req->entity.len, limit);
	}
	if (!(r->route->flags & ROUTE_PUBLIC) && authenticate(r) < 0)
		return 0;
	if ((bad = hreq_query_bad(r)))
		return http_problem(r, 400, "invalid_parameter",
				    "query parameter '%s' has a broken %%-escape, a NUL or bytes that "
				    "are not UTF-8", bad);
	if (ct && parse_form(r, ct) < 0)
		return 0;
	if (!ct && (r->route->flags & ROUTE_JSON) && parse_body(r) < 0)
		return 0;
	r->route->handler(r);
	if (!r->responded && !r->job)
		BUG("handler for %s %s answered nothing", r->route->method, r->route->pattern);
	return 0;
}

/* Every request: its handling, and the time the loop's reads spent in the desk. */
static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
	struct worker *w = container_of(req->conn->ctx, struct worker, ctx);
	int64_t db0 = desk_db_busy_ns(w->desk);
	int rc = handle(self, req);

	metrics_db_time(w, desk_db_busy_ns(w->desk) - db0);
	return rc;
}

/* --- listeners and loops ------------------------------------------------- */

static void on_accept(h2o_socket_t *listener, const char *err)
{
	struct worker *w = listener->data;
	h2o_socket_t *sock;

	if (err)
		return;
	if (!(sock = h2o_evloop_socket_accept(listener)))
		return;
	h2o_accept(&w->accept, sock);
}

/* "127.0.0.1:8080" or "[::1]:8080" into a bound, listening SO_REUSEPORT socket. */
static int open_listener(const char *listen_on, struct err *e)
{
	char host[256];
	const char *colon = strrchr(listen_on, ':');
	struct addrinfo hints = {0}, *ai = NULL;
	int fd = -1, one = 1, rc;
	int64_t port;

	if (!colon || colon == listen_on || !colon[1] ||
	    (size_t)(colon - listen_on) >= sizeof(host)) {
		err_set(e, ERR_INVALID, "listen address '%s' is not HOST:PORT", listen_on);
		return -1;
	}
	/* getaddrinfo takes "65536" and "99999" and wraps them: check the port first. */
	if (str_parse_int64(colon + 1, 1, 65535, &port) < 0) {
		err_set(e, ERR_INVALID, "listen address '%s': the port must be a number from 1 to 65535",
			listen_on);
		return -1;
	}
	if (listen_on[0] == '[' && colon[-1] == ']')
		snprintf(host, sizeof(host), "%.*s", (int)(colon - listen_on - 2), listen_on + 1);
	else
		snprintf(host, sizeof(host), "%.*s", (int)(colon - listen_on), listen_on);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	if ((rc = getaddrinfo(host, colon + 1, &hints, &ai)) != 0) {
		err_set(e, ERR_INVALID, "listen address '%s': %s (give a numeric address and port)",
			listen_on, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
		err_set(e, errno == EADDRINUSE ? ERR_CONFLICT : ERR_INTERNAL,
			"cannot listen on '%s': %s", listen_on, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static int64_t count_list(h2o_linklist_t *anchor)
{
	int64_t n = 0;
	for (h2o_linklist_t *l = anchor->next; l != anchor; l = l->next)
		n++;
	return n;
}

static void update_gauges(struct worker *w)
{
	atomic_store_explicit(&w->m.connections,
			      count_list(&w->ctx.http1._conns) + count_list(&w->ctx.http2._conns),
			      memory_order_relaxed);
}

/*
 * After the grace period and the writer's end: runs the loop (2 s at most)
 * until its connections are gone, so that writes finished after the grace
 * period are answered and their connections close. A connection h2o still
 * holds then (a client not reading its answer) keeps the context alive:
 * disposing it would fail h2o's checks. Returns whether the context can be
 * disposed.
 */
static bool worker_drain(struct worker *w)
{
	int64_t deadline = http_now_ns() + 2000 * (int64_t)1000000;

	for (;;) {
		h2o_evloop_run(w->ctx.loop, 0);
		update_gauges(w);
		if (atomic_load(&w->m.connections) == 0)
			return true;
		if (http_now_ns() > deadline)
			break;
		h2o_evloop_run(w->ctx.loop, 10);
	}
	log_warn("connections left open at exit", "worker=%d connections=%" PRId64, w->index,
		 atomic_load(&w->m.connections));
	return false;
}

/*
 * Lets go of the loop's h2o objects. On the loop's own thread: h2o keeps
 * its sockets' buffers in per-thread pools, which end with the thread (a
 * queue destroyed by another thread after this one exited read freed
 * memory, and crashed once the thread's stack was unmapped).
 */
static void worker_dispose(struct worker *w)
{
	/* request_shutdown armed HTTP/2's GOAWAY timer; the context may not go with it set. */
	if (h2o_timeout_is_linked(&w->ctx.http2._graceful_shutdown_timeout))
		h2o_timeout_unlink(&w->ctx.http2._graceful_shutdown_timeout);
	h2o_multithread_unregister_receiver(w->queue, &w->receiver);
	h2o_multithread_destroy_queue(w->queue);
	w->queue = NULL;
	h2o_context_dispose(&w->ctx);
	h2o_evloop_destroy(w->ctx.loop);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct server *s = w->s;
	int64_t deadline;

	/* h2o keeps per-thread buffer pools: its loop's sockets must be made on this thread. */
	h2o_context_init(&w->ctx, h2o_evloop_create(), &s->config);
	w->accept.ctx = &w->ctx;
	w->accept.hosts = s->config.hosts;
	w->queue = h2o_multithread_create_queue(w->ctx.loop);
	h2o_multithread_register_receiver(w->queue, &w->receiver, writer_on_done);
	atomic_store(&w->receiving, true);
	w->listener = h2o_evloop_socket_create(w->ctx.loop, w->listen_fd, H2O_SOCKET_FLAG_DONT_READ);
	w->listen_fd = -1; /* the listener's now: closing it closes the descriptor */
	w->listener->data = w;
	h2o_socket_read_start(w->listener, on_accept);
	while (!atomic_load(&s->stopping)) {
		h2o_evloop_run(w->ctx.loop, 100);
		update_gauges(w);
		live_tick(w);
	}
	live_close_all(w);
	/* Stop accepting, ask keep-alive connections to close, let in-flight requests end. */
	h2o_socket_read_stop(w->listener);
	h2o_socket_close(w->listener);
	w->listener = NULL;
	h2o_context_request_shutdown(&w->ctx);
	/*
	 * request_shutdown closes an HTTP/1 connection only after its next
	 * response and sends HTTP/2 a GOAWAY; connections idle between requests
	 * would stay until their timeout. With the timeouts at zero the next
	 * turn of the loop closes them; connections with a request running are
	 * in no timeout list and finish it first.
	 */
	w->ctx.http1.req_timeout.timeout = 0;
	w->ctx.http2.idle_timeout.timeout = 0;
	deadline = http_now_ns() + (int64_t)s->o.shutdown_grace_ms * 1000000;
	for (;;) {
		update_gauges(w);
		if (atomic_load(&w->m.in_flight) == 0 && atomic_load(&w->m.connections) == 0)
			break;
		if (http_now_ns() > deadline) {
			log_warn("shutdown grace period over", "worker=%d in_flight=%" PRId64
				 " connections=%" PRId64, w->index, atomic_load(&w->m.in_flight),
				 atomic_load(&w->m.connections));
			break;
		}
		h2o_evloop_run(w->ctx.loop, 20);
	}
	/* The writer finishes what it holds; its answers come back to this loop. */
	atomic_store(&w->quiet, true);
	while (!atomic_load(&s->writer_done))
		h2o_evloop_run(w->ctx.loop, 10);
	if (worker_drain(w))
		worker_dispose(w); /* w->queue NULL from now: disposed */
	return NULL;
}

static int worker_init(struct server *s, struct worker *w, int index, struct err *e)
{
	struct store_options so = s->o.store;

	w->s = s;
	w->index = index;
	w->listen_fd = -1;
	h2o_linklist_init_anchor(&w->streams);
	metrics_init(&w->m);
	so.create = false;
	/* Configured like the writer's: reads answer from the same settings. */
	if (desk_open(&w->desk, &so, e) || desk_configure(w->desk, &s->o.desk, e))
		return -1;
	if ((w->listen_fd = open_listener(s->o.listen, e)) < 0)
		return -1;
	return 0;
}

/* Returns false when the loop had to be left behind (worker_drain). */
static bool worker_release(struct worker *w)
{
	bool disposed = true;

	if (w->queue) /* its loop could not let go (worker_drain) */
		disposed = false;
	else if (w->listen_fd >= 0) /* never started */
		close(w->listen_fd);
	desk_close(w->desk);
	w->desk = NULL;
	metrics_release(&w->m);
	return disposed;
}

/* A server whose loops could not all be disposed: kept reachable until exit. */
static struct server *left_behind;

int server_run(const struct server_options *o, struct err *e)
{
	struct server *s = xcalloc(1, sizeof(*s));
	h2o_hostconf_t *host;
	h2o_pathconf_t *path;
	h2o_handler_t *handler;
	sigset_t sigs;
	int sig = 0, status = 1, started = 0;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	s->o = *o;
	g_mime_init();
	s->nworkers = o->threads > 0 ? o->threads : (int)(cores > 0 ? cores : 1);
	signal(SIGPIPE, SIG_IGN);
	/* Every thread inherits the block; the main thread takes the signals with sigwait. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	h2o_config_init(&s->config);
	s->config.max_request_entity_size = o->body_max;
	s->config.http1.req_timeout = (uint64_t)o->request_timeout_ms;
	s->config.http2.idle_timeout = (uint64_t)o->request_timeout_ms * 4;
	s->config.server_name = h2o_iovec_init(H2O_STRLIT("champion"));
	host = h2o_config_register_host(&s->config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
	path = h2o_config_register_path(host, "/", 0);
	handler = h2o_create_handler(path, sizeof(*handler));
	handler->on_req = on_req;
	http_problem_filter_register(path);
	http_problem_filter_register(&host->fallback_path);

	s->workers = xcalloc((size_t)s->nworkers, sizeof(*s->workers));
	for (int i = 0; i < s->nworkers; i++)
		s->workers[i].listen_fd = -1; /* a failed start releases them all */
	for (int i = 0; i < s->nworkers; i++)
		if (worker_init(s, &s->workers[i], i, e) < 0)
			goto out;
	/* Uploads: DESK_ATTACHMENTS_MAX files of attachments.max_bytes, the message, headers. */
	{
		size_t blob_max = s->workers[0].desk->store.blob_max;
		size_t extra = o->body_max + 256 * 1024;
		s->upload_max = blob_max > (SIZE_MAX - extra) / DESK_ATTACHMENTS_MAX
					? SIZE_MAX
					: blob_max * DESK_ATTACHMENTS_MAX + extra;
		/* h2o refuses (413) past this before reading the body; routes refuse below it. */
		s->config.max_request_entity_size =
			s->upload_max > o->body_max ? s->upload_max : o->body_max;
	}
	if (writer_start(s, e) < 0)
		goto out;
	for (; started < s->nworkers; started++)
		pthread_create(&s->workers[started].thread, NULL, worker_main, &s->workers[started]);
	if (live_listen_start(s, e) < 0)
		goto out;
	atomic_store(&s->ready, true);
	log_info("serving", "listen=%s workers=%d", o->listen, s->nworkers);
	fprintf(stderr, "champion: serving http://%s with %d loop%s (stop with Ctrl-C or SIGTERM)\n",
		o->listen, s->nworkers, s->nworkers == 1 ? "" : "s");

	while (sigwait(&sigs, &sig) != 0)
		;
	log_info("stopping", "signal=%d", sig);
	fprintf(stderr, "champion: stopping (signal %d): finishing requests in flight\n", sig);
	atomic_store(&s->stopping, true);
	status = 0;
out:
	atomic_store(&s->stopping, true);
	live_listen_stop(s);
	/* The loops end their grace period, the writer what it holds, then the loops. */
	for (int i = 0; i < started; i++)
		while (!atomic_load(&s->workers[i].quiet))
			nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
	writer_stop(s);
	atomic_store(&s->writer_done, true);
	for (int i = 0; i < started; i++)
		pthread_join(s->workers[i].thread, NULL);
	bool all_disposed = true;
	for (int i = 0; i < s->nworkers; i++)
		all_disposed &= worker_release(&s->workers[i]);
	if (!all_disposed) {
		left_behind = s;
		return status;
	}
	free(s->workers);
	h2o_config_dispose(&s->config);
	free(s);
	g_mime_shutdown();
	return status;
}
