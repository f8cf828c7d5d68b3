/* respond.c - reading a request, and the one place responses are queued. */
#include "util/common.h"
#include "http/server_private.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/str.h"

#include <arpa/inet.h>
#include <sys/stat.h>
#include <netinet/in.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes s[0..n) ('+' is a space) into the arena; NULL on a bad escape. */
static char *decode(struct arena *a, const char *s, size_t n)
{
	char *out = arena_alloc(a, n + 1), *o = out;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi, lo;
			if (i + 2 >= n || (hi = hexval(s[i + 1])) < 0 || (lo = hexval(s[i + 2])) < 0)
				return NULL;
			*o++ = (char)(hi * 16 + lo);
			i += 2;
		} else {
			*o++ = s[i] == '+' ? ' ' : s[i];
		}
	}
	*o = '\0';
	return out;
}

/* The number of %-escapes in [s, end) (all well-formed: decode passed). */
static int count_escapes(const char *s, const char *end)
{
	int n = 0;
	for (; s < end; s++)
		if (*s == '%') {
			n++;
			s += 2;
		}
	return n;
}

const char *hreq_query(struct hreq *r, const char *name)
{
	h2o_req_t *req = r->req;
	size_t nlen = strlen(name);
	const char *q, *end;

	if (req->query_at == SIZE_MAX)
		return NULL;
	q = req->path.base + req->query_at + 1;
	end = req->path.base + req->path.len;
	while (q < end) {
		const char *amp = memchr(q, '&', (size_t)(end - q));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(q, '=', (size_t)(stop - q));
		const char *kend = eq ? eq : stop;
		if ((size_t)(kend - q) == nlen && memcmp(q, name, nlen) == 0) {
			const char *v = eq ? eq + 1 : stop;
			return decode(&r->arena, v, (size_t)(stop - v));
		}
		q = stop + 1;
	}
	return NULL;
}

const char *hreq_query_bad(struct hreq *r)
{
	h2o_req_t *req = r->req;
	const char *q, *end;

	if (req->query_at == SIZE_MAX)
		return NULL;
	q = req->path.base + req->query_at + 1;
	end = req->path.base + req->path.len;
	while (q < end) {
		const char *amp = memchr(q, '&', (size_t)(end - q));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(q, '=', (size_t)(stop - q));
		const char *kend = eq ? eq : stop;
		const char *v = eq ? eq + 1 : stop;
		const char *dv = decode(&r->arena, v, (size_t)(stop - v));
		const char *dk = decode(&r->arena, q, (size_t)(kend - q));
		if (!dk || !dv || strlen(dv) != (size_t)(stop - v) - 2 * (size_t)count_escapes(v, stop) ||
		    !str_utf8_valid(dv, strlen(dv), NULL))
			return arena_strndup(&r->arena, q, (size_t)(kend - q));
		q = stop + 1;
	}
	return NULL;
}

const char *hreq_cookie(struct hreq *r, const char *name)
{
	size_t nlen = strlen(name);
	ssize_t i = -1;

	/* HTTP/2 may split cookies over several headers. */
	while ((i = h2o_find_header(&r->req->headers, H2O_TOKEN_COOKIE, i)) != -1) {
		h2o_iovec_t v = r->req->headers.entries[i].value;
		const char *p = v.base, *end = v.base + v.len;
		while (p < end) {
			while (p < end && (*p == ' ' || *p == ';'))
				p++;
			const char *semi = memchr(p, ';', (size_t)(end - p));
			const char *stop = semi ? semi : end;
			if ((size_t)(stop - p) > nlen && memcmp(p, name, nlen) == 0 && p[nlen] == '=')
				return arena_strndup(&r->arena, p + nlen + 1, (size_t)(stop - p - nlen - 1));
			p = stop;
		}
	}
	return NULL;
}

const char *hreq_peer(struct hreq *r)
{
	struct sockaddr_storage ss;
	char host[64] = "-";
	socklen_t len = r->req->conn->callbacks->get_peername(r->req->conn, (struct sockaddr *)&ss);

	if (len && ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
	else if (len && ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host));
	return arena_strdup(&r->arena, host);
}

const char *hreq_header(struct hreq *r, const h2o_token_t *token)
{
	ssize_t i = h2o_find_header(&r->req->headers, token, -1);
	if (i < 0)
		return NULL;
	h2o_iovec_t v = r->req->headers.entries[i].value;
	return arena_strndup(&r->arena, v.base, v.len);
}

const char *hreq_header_str(struct hreq *r, const char *name)
{
	ssize_t i = h2o_find_header_by_str(&r->req->headers, name, strlen(name), -1);
	if (i < 0)
		return NULL;
	h2o_iovec_t v = r->req->headers.entries[i].value;
	return arena_strndup(&r->arena, v.base, v.len);
}

#define MIN_SIZE(a, b) ((a) < (b) ? (a) : (b))

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 428: return "Precondition Required";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

/* What every response gets: status, common headers, metrics, the access log line. */
static void begin(struct hreq *r, int status, const char *type, size_t len)
{
	h2o_req_t *req = r->req;
	int64_t ns = http_now_ns() - r->start_ns;

	if (r->responded)
		BUG("second response to request %s", r->id);
	r->responded = true;
	req->res.status = status;
	req->res.reason = reason(status);
	if (type)
		h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, type,
			       strlen(type));
	h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-content-type-options"),
			      0, NULL, H2O_STRLIT("nosniff"));
	if (!r->cache_control)
		r->cache_control = "private, no-cache";
	h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
		       r->cache_control, strlen(r->cache_control));
	metrics_observe(r->w, r->route, status, ns);
	if (log_get_level() <= LOG_INFO)
		log_info("request", "id=%s method=%.*s path=\"%.*s\" route=\"%s\" status=%d "
			 "dur_us=%" PRId64 " user=%" PRId64,
			 r->id, (int)req->method.len, req->method.base, (int)req->path.len,
			 req->path.base, r->route ? r->route->pattern : "-", status, ns / 1000,
			 r->actor.user_id);
	req->res.content_length = len; /* else h2o closes after any status but 200 */
}

/* The single exit of every response but files: headers, body, access log, metrics. */
static int respond(struct hreq *r, int status, const char *type, const char *body, size_t len)
{
	begin(r, status, type, len);
	h2o_send_inline(r->req, body, len);
	return 0;
}

/* RFC 5987 attr-char: what filename* may carry unencoded. */
static bool attr_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("!#$&+-.^_`|~", c) != NULL;
}

const char *http_content_disposition(struct arena *a, const char *filename)
{
	size_t n = strlen(filename);
	/* Fallback: at most n bytes; exact: at most 3n. */
	char *ascii = arena_alloc(a, n + 1), *exact = arena_alloc(a, 3 * n + 1);
	char *p = ascii, *q = exact;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)filename[i];
		if (c >= 0x80) {
			/* One '_' for each UTF-8 character, at its lead byte. */
			if ((c & 0xc0) != 0x80)
				*p++ = '_';
		} else {
			*p++ = (c < 0x20 || c == 0x7f || c == '"' || c == '\\') ? '_' : (char)c;
		}
		if (c && attr_char(c)) {
			*q++ = (char)c;
		} else {
			*q++ = '%';
			*q++ = "0123456789ABCDEF"[c >> 4];
			*q++ = "0123456789ABCDEF"[c & 15];
		}
	}
	*p = *q = '\0';
	return arena_printf(a, "attachment; filename=\"%s\"; filename*=UTF-8''%s",
			    *ascii ? ascii : "attachment", exact);
}

int http_file(struct hreq *r, const char *path, const char *type, const char *filename,
	      const char *etag)
{
	h2o_req_t *req = r->req;
	const char *disp = http_content_disposition(&r->arena, filename);
	struct stat sb;

	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		log_error("attachment file missing", "id=%s path=\"%s\" error=\"%s\"", r->id, path,
			  strerror(errno));
		return http_problem(r, 500, "internal", "the attachment's file is missing");
	}
	h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_DISPOSITION, NULL, disp,
		       strlen(disp));
	h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ETAG, NULL, etag, strlen(etag));
	/* Even opened in a tab by mistake, an uploaded page runs nothing. */
	h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("content-security-policy"),
			      0, NULL, H2O_STRLIT("default-src 'none'; sandbox"));
	begin(r, 200, NULL, (size_t)sb.st_size);
	/* h2o reads the file in chunks as the client takes them: never whole in memory. */
	if (h2o_file_send(req, 200, "OK", path, h2o_iovec_init(type, strlen(type)),
			  H2O_FILE_FLAG_NO_ETAG) != 0) {
		log_error("cannot send attachment file", "id=%s path=\"%s\"", r->id, path);
		h2o_send_error_generic(req, 500, "Internal Server Error",
				       "cannot read the attachment", 0);
	}
	return 0;
}

int http_json_etag(struct hreq *r, int status, json_t *v, const char *etag)
{
	char *s = json_dumps(v, JSON_COMPACT);
	int rc;

	json_decref(v);
	if (!s)
		BUG("cannot serialise a response");
	if (etag)
		h2o_add_header(&r->req->pool, &r->req->res.headers, H2O_TOKEN_ETAG, NULL, etag,
			       strlen(etag));
	rc = respond(r, status, "application/json", s, strlen(s));
	free(s);
	return rc;
}

int http_json_buf(struct hreq *r, int status, struct buf *b, const char *etag)
{
	int rc;

	if (etag)
		h2o_add_header(&r->req->pool, &r->req->res.headers, H2O_TOKEN_ETAG, NULL, etag,
			       strlen(etag));
	rc = respond(r, status, "application/json", buf_str(b), b->len);
	buf_release(b);
	return rc;
}

int http_json(struct hreq *r, int status, json_t *v)
{
	return http_json_etag(r, status, v, NULL);
}

int http_text(struct hreq *r, int status, const char *type, const char *body, size_t len)
{
	return respond(r, status, type, body ? body : "", len);
}

int http_static(struct hreq *r, int status, const char *type, const char *body, size_t len)
{
	static h2o_generator_t generator = {NULL, NULL};
	h2o_iovec_t buf = h2o_iovec_init(body, len);

	begin(r, status, type, len);
	h2o_start_response(r->req, &generator);
	if (h2o_memis(r->req->method.base, r->req->method.len, H2O_STRLIT("HEAD")))
		h2o_send(r->req, NULL, 0, H2O_SEND_STATE_FINAL);
	else
		h2o_send(r->req, &buf, 1, H2O_SEND_STATE_FINAL);
	return 0;
}

void http_stream_start(struct hreq *r, const char *type, h2o_generator_t *gen)
{
	begin(r, 200, type, SIZE_MAX);
	h2o_start_response(r->req, gen);
}

int http_not_modified(struct hreq *r, const char *etag)
{
	h2o_add_header(&r->req->pool, &r->req->res.headers, H2O_TOKEN_ETAG, NULL, etag,
		       strlen(etag));
	return respond(r, 304, NULL, "", 0);
}

static int vproblem(struct hreq *r, int status, const char *code, json_t *extra,
		    const char *fmt, va_list ap)
{
	char detail[ERR_MSG_MAX];
	json_t *v;
	char *s;
	int rc;

	vsnprintf(detail, sizeof(detail), fmt, ap);
	/* Messages quote what the client sent: keep the body valid UTF-8 JSON. */
	if (!str_utf8_valid(detail, strlen(detail), NULL))
		snprintf(detail, sizeof(detail), "%s (details held bytes that are not UTF-8)",
			 reason(status));
	v = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s}", "type", "about:blank", "title",
		      reason(status), "status", status, "detail", detail, "code", code,
		      "request_id", r->id);
	json_object_set_new(v, "instance", json_stringn(r->req->path.base, r->req->path.len));
	if (!json_object_get(v, "instance") || json_is_null(json_object_get(v, "instance")))
		json_object_del(v, "instance");
	if (extra)
		json_object_update_missing(v, extra);
	json_decref(extra);
	s = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	if (status == 503)
		h2o_add_header(&r->req->pool, &r->req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
			       H2O_STRLIT("1"));
	rc = respond(r, status, "application/problem+json", s ? s : "{}", s ? strlen(s) : 2);
	free(s);
	return rc;
}

int http_problem(struct hreq *r, int status, const char *code, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vproblem(r, status, code, NULL, fmt, ap);
	va_end(ap);
	return rc;
}

int http_problem_extra(struct hreq *r, int status, const char *code, json_t *extra,
		       const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vproblem(r, status, code, extra, fmt, ap);
	va_end(ap);
	return rc;
}

int http_status_of(enum err_code code)
{
	switch (code) {
	case ERR_OK: return 200;
	case ERR_INVALID: return 422;
	case ERR_NOT_FOUND: return 404;
	case ERR_FORBIDDEN: return 403;
	case ERR_CONFLICT: return 409;
	case ERR_TRANSIENT: return 503;
	case ERR_INTERNAL: return 500;
	}
	return 500;
}

int http_error(struct hreq *r, const struct err *e)
{
	int status = http_status_of(e->code);
	if (status == 500)
		log_error("internal error", "id=%s error=\"%s\"", r->id, e->msg);
	return http_problem(r, status, err_code_name(e->code), "%s",
			    e->msg[0] ? e->msg : err_code_name(e->code));
}

/* --- errors h2o answers itself ------------------------------------------- */

/*
 * h2o answers some requests before any handler sees them, in text/plain: a
 * body over server.body_max_bytes (413), a malformed request (400), a body
 * that does not arrive in time (408). This output filter gives them the
 * problem+json body every other error has; it leaves every other response
 * alone.
 */
struct problem_ostream {
	h2o_ostream_t super;
	h2o_iovec_t body;
};

static void problem_do_send(h2o_ostream_t *self, h2o_req_t *req, h2o_iovec_t *bufs, size_t n,
			    h2o_send_state_t state)
{
	struct problem_ostream *o = (struct problem_ostream *)self;

	(void)bufs;
	/* h2o's error bodies come whole, with the final state; HEAD has none. */
	h2o_ostream_send_next(&o->super, req, n ? &o->body : NULL, n ? 1 : 0, state);
	o->body = h2o_iovec_init(NULL, 0);
}

static void problem_setup(h2o_filter_t *self, h2o_req_t *req, h2o_ostream_t **slot)
{
	ssize_t i;
	const char *code = "http_error";
	char detail[160];

	(void)self;
	if (req->res.status < 400 ||
	    (i = h2o_find_header(&req->res.headers, H2O_TOKEN_CONTENT_TYPE, -1)) < 0 ||
	    !h2o_memis(req->res.headers.entries[i].value.base,
		       MIN_SIZE(req->res.headers.entries[i].value.len, 10), H2O_STRLIT("text/plain"))) {
		h2o_setup_next_ostream(req, slot);
		return;
	}
	switch (req->res.status) {
	case 400:
		code = "bad_request";
		snprintf(detail, sizeof(detail), "the request is not well-formed HTTP");
		break;
	case 408:
		code = "request_timeout";
		snprintf(detail, sizeof(detail), "the request did not arrive in time");
		break;
	case 413:
		code = "body_too_large";
		snprintf(detail, sizeof(detail),
			 "the body is larger than this server takes for any request (%zu bytes)",
			 req->conn->ctx->globalconf->max_request_entity_size);
		break;
	default:
		snprintf(detail, sizeof(detail), "%s", reason(req->res.status));
		break;
	}
	struct problem_ostream *o =
		(struct problem_ostream *)h2o_add_ostream(req, sizeof(*o), slot);
	char *body = h2o_mem_alloc_pool(&req->pool, 512);
	int len = snprintf(body, 512,
			   "{\"type\":\"about:blank\",\"title\":\"%s\",\"status\":%d,"
			   "\"detail\":\"%s\",\"code\":\"%s\"}",
			   reason(req->res.status), req->res.status, detail, code);
	o->body = h2o_iovec_init(body, (size_t)len);
	o->super.do_send = problem_do_send;
	req->res.headers.entries[i].value = h2o_iovec_init(H2O_STRLIT("application/problem+json"));
	req->res.content_length = (size_t)len;
	slot = &o->super.next;
	h2o_setup_next_ostream(req, slot);
}

void http_problem_filter_register(h2o_pathconf_t *conf)
{
	h2o_filter_t *f = h2o_create_filter(conf, sizeof(*f));
	f->on_setup_ostream = problem_setup;
}
