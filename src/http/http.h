/*
 * http.h - the HTTP channel: server, router, requests, responses.
 *
 * `champion serve` runs one event loop per worker thread (libh2o's
 * evloop), each with its own SO_REUSEPORT listener and its own read
 * connection to the desk, and one writer thread that commits the writes
 * of all workers in groups (writer.c): a write request becomes a job, the
 * writer runs many jobs' desk calls inside one transaction (each in its
 * own savepoint) and commits once, so one fsync acknowledges them all;
 * the job's result comes back to its worker's loop, which renders it.
 *
 * A handler receives a struct hreq with the route matched, path
 * parameters resolved, the caller authenticated and the JSON body parsed
 * (routes.c says which). It validates, calls one desk function (a read,
 * on the loop) or submits a job (a write), and queues exactly one
 * response. Handlers hold no business rules and know nothing of SQL.
 */
#ifndef CHAMPION_HTTP_H
#define CHAMPION_HTTP_H

#ifndef H2O_USE_LIBUV
#define H2O_USE_LIBUV 0
#endif
#include <h2o.h>
#include <jansson.h>
#include <stdatomic.h>

#include "desk/desk.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"

struct server;
struct worker;
struct hreq;
struct write_job;
struct mp_form;

/* --- routes ---------------------------------------------------------------- */

enum route_flags {
	ROUTE_PUBLIC = 1 << 0, /* no authentication */
	ROUTE_JSON = 1 << 1,   /* the body must be a JSON object */
	/*
	 * The body may also be multipart/form-data (multipart.h): the JSON
	 * object in a part named "message" (at most body_max bytes) and files,
	 * each decoded to a temporary file of the attachment store before the
	 * handler runs (hreq.form). Such a body may be as large as the
	 * server's upload limit (server.upload_max).
	 */
	ROUTE_MULTIPART = 1 << 2,
};

#define ROUTE_MAX_PARAMS 2

struct route {
	const char *method;
	const char *pattern; /* "/api/v1/tickets/{id}": {name} is a positive integer */
	unsigned flags;
	size_t body_max; /* bytes; 0: no body allowed */
	int (*handler)(struct hreq *r);
};

/* The API: the single source of routes (routes.c). */
extern const struct route http_routes[];
extern const size_t http_nroutes;

/*
 * Finds the route for method and path. Returns the route, or NULL with
 * *status 404 (no path matches) or 405 (the path matches another method).
 */
const struct route *router_match(const char *method, size_t mlen, const char *path,
				 size_t plen, int64_t params[ROUTE_MAX_PARAMS], int *status);
/* The methods the routes take on path, as an Allow header's value ("GET, HEAD, PATCH");
 * its length. */
size_t router_allow(const char *path, size_t plen, char *out, size_t size);

/* --- requests ------------------------------------------------------------- */

struct hreq {
	h2o_req_t *req;
	struct worker *w;
	const struct route *route;
	struct arena arena;
	struct actor actor;
	int64_t params[ROUTE_MAX_PARAMS];
	json_t *body;           /* parsed JSON body when ROUTE_JSON; borrowed from the arena */
	struct mp_form *form;   /* a multipart body's files (ROUTE_MULTIPART), or NULL */
	char id[32];            /* request id, also sent as X-Request-Id */
	int64_t start_ns;
	struct write_job *job;  /* a write in flight, or NULL */
	const char *session;    /* the session cookie's value when it authenticated */
	char csrf[65];          /* that session's CSRF token */
	const char *cache_control; /* the response's Cache-Control; NULL: "private, no-cache" */
	bool responded;
};

/* The query parameter name's value (decoded, in the arena), or NULL. */
const char *hreq_query(struct hreq *r, const char *name);
/* The name of the first query parameter whose name or value has a broken
 * %-escape, decodes to a NUL or is not UTF-8; NULL when all are sound. */
const char *hreq_query_bad(struct hreq *r);
/* A cookie's value (in the arena), or NULL. */
const char *hreq_cookie(struct hreq *r, const char *name);
/* The client's address as text (in the arena). */
const char *hreq_peer(struct hreq *r);
/* A request header's value (in the arena), or NULL. */
const char *hreq_header(struct hreq *r, const h2o_token_t *token);
/* The same for a header h2o has no token for (lower-case name). */
const char *hreq_header_str(struct hreq *r, const char *name);

#define HTTP_SESSION_COOKIE "champion_session"

/* Sends v as JSON with status (takes ownership of v). Returns 0. */
int http_json(struct hreq *r, int status, json_t *v);
/* Same, with an ETag header (a quoted strong tag). */
int http_json_etag(struct hreq *r, int status, json_t *v, const char *etag);
/* JSON written with a jw into b (released), with an ETag unless NULL. */
int http_json_buf(struct hreq *r, int status, struct buf *b, const char *etag);
/* A body of any type (copied). */
int http_text(struct hreq *r, int status, const char *type, const char *body, size_t len);
/* Starts a 200 of unknown length whose body gen sends (h2o_send) as it comes. */
void http_stream_start(struct hreq *r, const char *type, h2o_generator_t *gen);
/* As http_text, for a body that outlives the request (a file compiled in): sent uncopied. */
int http_static(struct hreq *r, int status, const char *type, const char *body, size_t len);
/*
 * The file at path as the response body, read in chunks as the client
 * takes it (h2o_file_send): status 200 with type, an ETag, and
 * Content-Disposition: attachment naming filename. 500 if the file cannot
 * be opened.
 */
int http_file(struct hreq *r, const char *path, const char *type, const char *filename,
	      const char *etag);
/*
 * The Content-Disposition value for a download named filename (RFC 6266):
 * an ASCII fallback in filename="..." (no quotes, backslashes, control
 * or non-ASCII bytes) and the exact name in filename*=UTF-8''... (RFC
 * 5987 percent-encoding), so no name can break out of the header. In a.
 */
const char *http_content_disposition(struct arena *a, const char *filename);
/* 304 Not Modified with the ETag. */
int http_not_modified(struct hreq *r, const char *etag);
/* RFC 7807 problem+json with this status; code is a stable error name. */
int http_problem(struct hreq *r, int status, const char *code, const char *fmt, ...)
	PRINTF_LIKE(4, 5);
/* The same with more members (takes ownership of extra; its keys never
 * replace the standard ones). */
int http_problem_extra(struct hreq *r, int status, const char *code, json_t *extra,
		       const char *fmt, ...) PRINTF_LIKE(5, 6);
/* The desk's error, mapped once: invalid 422, not_found 404, forbidden 403,
 * conflict 409, transient 503 (with Retry-After), internal 500. */
int http_error(struct hreq *r, const struct err *e);
/* The HTTP status for a desk error code. */
int http_status_of(enum err_code code);

/* --- writes ------------------------------------------------------------ */

/*
 * A write: run() executes on the writer thread inside the group's
 * transaction with the writer's desk; it must use only the job's own
 * data (its arena), never the request. done() then runs on the worker's
 * loop to render the response (an error too, when rc is not ERR_OK), only
 * if the request is still there.
 */
struct write_job {
	h2o_multithread_message_t msg; /* first: the loop gets it back */
	struct write_job *next;
	struct worker *w;
	struct hreq *r; /* NULL once the client went away (loop thread only) */
	struct arena arena;
	struct actor actor;
	enum err_code (*run)(struct desk *d, struct write_job *j, struct err *e);
	int (*done)(struct hreq *r, struct write_job *j);
	/* Optional: slow work before the write (hashing a password, syncing an
	 * upload), run on a thread of its own with a read connection; then the
	 * job goes to the writer, which skips run() if prep failed. */
	enum err_code (*prep)(struct desk *d, struct write_job *j, struct err *e);
	const struct attachment_in *uploads; /* files prep syncs (input_attachments) */
	size_t nuploads;
	enum err_code rc;
	struct err err;
	bool ran;  /* run() ran, in a batch that may have been spoiled (writer.c) */
	bool batch_failed; /* its batch could not begin or commit: it may run again */
	bool again; /* refused on its own for now: runs again in a group of its own */
	void *in;  /* the handler's input, in the job's arena */
	void *out; /* the run's output, in the job's arena */
	int64_t id;
};

/* A new job for r (the actor is copied). */
struct write_job *job_new(struct hreq *r,
			  enum err_code (*run)(struct desk *, struct write_job *, struct err *),
			  int (*done)(struct hreq *, struct write_job *));
/* Hands the job to the writer; the response comes from done(). Returns 0. */
int job_submit(struct write_job *j);

/* --- the server --------------------------------------------------------- */

struct server_options {
	const char *listen;      /* "127.0.0.1:8080" */
	int threads;             /* event loops; 0: one per core */
	size_t body_max;         /* the largest request body of any JSON route */
	int request_timeout_ms;  /* a client slower than this is cut off */
	int shutdown_grace_ms;   /* how long in-flight requests may finish */
	int batch_max;           /* writes per group commit */
	int live_poll_ms;        /* live streams read the desk's changes this often (0: 250) */
	struct store_options store;
	struct desk_settings desk; /* for every desk connection the server opens */
};

/* Runs until SIGTERM or SIGINT, then drains and returns an exit status. */
int server_run(const struct server_options *o, struct err *e);

/* The web UI (web.c): whether path is one of its pages or files; the answer for it. The
 * route its requests are counted under. */
bool web_wants(const char *path, size_t len);
int web_serve(struct hreq *r);
extern const struct route web_route;

/* Metrics (metrics.c). */
void metrics_observe(struct worker *w, const struct route *route, int status, int64_t ns);
void metrics_db_time(struct worker *w, int64_t ns);
int metrics_render(struct hreq *r);

/* The worker's desk (its own read connection). */
struct desk *worker_desk(struct worker *w);
bool server_ready(struct worker *w);

int64_t http_now_ns(void);

#endif
