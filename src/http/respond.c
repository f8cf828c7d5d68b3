/* respond.c - reading a request, and the one place responses are queued. */
#include "util/common.h"
#include "http/server_private.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/str.h"

#include <arpa/inet.h>
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
	case 409: return "Conflict";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 428: return "Precondition Required";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

/* The single exit of every response: headers, body, access log, metrics. */
static int respond(struct hreq *r, int status, const char *type, const char *body, size_t len)
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
	h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
		       H2O_STRLIT("private, no-cache"));
	metrics_observe(r->w, r->route, status, ns);
	if (log_get_level() <= LOG_INFO)
		log_info("request", "id=%s method=%.*s path=\"%.*s\" route=\"%s\" status=%d "
			 "dur_us=%" PRId64 " user=%" PRId64,
			 r->id, (int)req->method.len, req->method.base, (int)req->path.len,
			 req->path.base, r->route ? r->route->pattern : "-", status, ns / 1000,
			 r->actor.user_id);
	req->res.content_length = len; /* else h2o closes after any status but 200 */
	h2o_send_inline(req, body, len);
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

int http_json(struct hreq *r, int status, json_t *v)
{
	return http_json_etag(r, status, v, NULL);
}

int http_text(struct hreq *r, int status, const char *type, const char *body, size_t len)
{
	return respond(r, status, type, body ? body : "", len);
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
