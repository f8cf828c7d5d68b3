/*
 * web.c - the agent workspace and the customer portal: pages at fixed
 * addresses, and the files they load under /assets/VERSION/, all compiled
 * into the binary (web.h). Only GET and HEAD; nothing here reads the desk.
 *
 * A page is answered with "no-cache" (the browser asks again, and gets a
 * 304 while the build is the same) and a Content-Security-Policy that
 * runs scripts and styles from this server only, never inline: the UI
 * writes untrusted text as text (textContent), and this policy is the
 * second wall if it ever did not. The files under /assets/VERSION/ change
 * address with every build, so they are cached for a year.
 */
#include "util/common.h"
#include "http/http.h"
#include "http/web.h"

#define ASSETS_PREFIX "/assets/"

static const char page_policy[] =
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
	"connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; "
	"frame-ancestors 'none'";

/* The pages: address -> file. */
static const struct {
	const char *path;
	const char *file;
} pages[] = {
	{"/", "agent.html"},
	{"/portal", "portal.html"},
	{"/portal/", "portal.html"},
};

const struct route web_route = {"GET", "/ (web UI)", ROUTE_PUBLIC, 0, NULL};

const struct web_asset *web_asset_find(const char *name, size_t len)
{
	size_t lo = 0, hi = web_assets_count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *n = web_assets[mid].name;
		size_t nlen = strlen(n);
		int c = memcmp(n, name, nlen < len ? nlen : len);
		if (c == 0)
			c = nlen < len ? -1 : nlen > len;
		if (c == 0)
			return &web_assets[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const char *page_for(const char *path, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(pages); i++)
		if (strlen(pages[i].path) == len && memcmp(pages[i].path, path, len) == 0)
			return pages[i].file;
	return NULL;
}

bool web_wants(const char *path, size_t len)
{
	return page_for(path, len) ||
	       (len >= sizeof(ASSETS_PREFIX) - 1 &&
		memcmp(path, ASSETS_PREFIX, sizeof(ASSETS_PREFIX) - 1) == 0);
}

/* Whether the client takes gzip: "gzip" (or "*") as a coding in Accept-Encoding, not at q=0. */
static bool takes_gzip(struct hreq *r)
{
	const char *p = hreq_header(r, H2O_TOKEN_ACCEPT_ENCODING);

	while (p && *p) {
		size_t n;
		p += strspn(p, " \t,");
		n = strcspn(p, " \t;,");
		bool ours = (n == 4 && strncasecmp(p, "gzip", 4) == 0) || (n == 1 && *p == '*');
		double q = 1;
		p += n;
		while (*p && *p != ',') { /* parameters: only q counts */
			p += strspn(p, " \t;");
			if ((p[0] == 'q' || p[0] == 'Q') && p[1] == '=')
				q = strtod(p + 2, NULL);
			p += strcspn(p, ";,");
		}
		if (ours)
			return q > 0;
	}
	return false;
}

static void header(struct hreq *r, const char *name, const char *value)
{
	h2o_add_header_by_str(&r->req->pool, &r->req->res.headers, name, strlen(name), 0, NULL,
			      value, strlen(value));
}

static int send_asset(struct hreq *r, const struct web_asset *a, bool page)
{
	const char *inm = hreq_header(r, H2O_TOKEN_IF_NONE_MATCH);
	bool gz = a->gz && takes_gzip(r);

	r->cache_control = page ? "no-cache" : "public, max-age=31536000, immutable";
	if (page) {
		header(r, "content-security-policy", page_policy);
		header(r, "referrer-policy", "same-origin");
		header(r, "x-frame-options", "DENY");
	}
	if (a->gz)
		header(r, "vary", "accept-encoding");
	if (inm && strcmp(inm, a->etag) == 0)
		return http_not_modified(r, a->etag);
	header(r, "etag", a->etag);
	if (gz)
		h2o_add_header(&r->req->pool, &r->req->res.headers, H2O_TOKEN_CONTENT_ENCODING, NULL,
			       H2O_STRLIT("gzip"));
	return http_static(r, 200, a->type, gz ? a->gz : a->data, gz ? a->gzlen : a->len);
}

int web_serve(struct hreq *r)
{
	h2o_req_t *req = r->req;
	const char *path = req->path_normalized.base;
	size_t len = req->path_normalized.len;
	const char *file = page_for(path, len);
	const struct web_asset *a;

	r->route = &web_route;
	if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")) &&
	    !h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"))) {
		h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL,
			       H2O_STRLIT("GET, HEAD"));
		return http_problem(r, 405, "method_not_allowed", "%.*s is not allowed on %.*s",
				    (int)req->method.len, req->method.base, (int)len, path);
	}
	if (file)
		return send_asset(r, web_asset_find(file, strlen(file)), true);
	/* /assets/VERSION/NAME: this build's set only, never a page. */
	path += sizeof(ASSETS_PREFIX) - 1;
	len -= sizeof(ASSETS_PREFIX) - 1;
	size_t vlen = strlen(web_version);
	if (len > vlen + 1 && memcmp(path, web_version, vlen) == 0 && path[vlen] == '/') {
		a = web_asset_find(path + vlen + 1, len - vlen - 1);
		if (a && !strstr(a->name, ".html"))
			return send_asset(r, a, false);
	}
	return http_problem(r, 404, "not_found", "no such file: %.*s (this build's files are "
			    "under " ASSETS_PREFIX "%s/)", (int)req->path_normalized.len,
			    req->path_normalized.base, web_version);
}
