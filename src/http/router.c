/* router.c - matching a method and path against the route table. */
#include "util/common.h"
#include "http/http.h"

/* Matches one pattern; fills params from {name} segments (positive integers). */
static bool match(const char *pat, const char *path, size_t plen, int64_t *params)
{
	const char *p = path, *end = path + plen;
	int np = 0;

	while (*pat) {
		if (*pat == '{') {
			const char *close = strchr(pat, '}');
			int64_t v = 0;
			const char *d = p;
			while (p < end && *p >= '0' && *p <= '9') {
				if (v > (INT64_MAX - (*p - '0')) / 10)
					return false; /* overflow: no such resource */
				v = v * 10 + (*p - '0');
				p++;
			}
			if (p == d || v < 1 || np == ROUTE_MAX_PARAMS)
				return false;
			params[np++] = v;
			pat = close + 1;
			continue;
		}
		if (p == end || *p != *pat)
			return false;
		p++;
		pat++;
	}
	/* One trailing slash is forgiven. */
	return p == end || (p + 1 == end && *p == '/');
}

const struct route *router_match(const char *method, size_t mlen, const char *path,
				 size_t plen, int64_t params[ROUTE_MAX_PARAMS], int *status)
{
	bool path_seen = false;

	for (size_t i = 0; i < http_nroutes; i++) {
		const struct route *rt = &http_routes[i];
		int64_t got[ROUTE_MAX_PARAMS] = {0};
		if (!match(rt->pattern, path, plen, got))
			continue;
		path_seen = true;
		bool same = strlen(rt->method) == mlen && memcmp(rt->method, method, mlen) == 0;
		/* HEAD is GET without the body; h2o drops the body itself. */
		if (!same && mlen == 4 && memcmp(method, "HEAD", 4) == 0 &&
		    strcmp(rt->method, "GET") == 0)
			same = true;
		if (!same)
			continue;
		memcpy(params, got, sizeof(got));
		*status = 200;
		return rt;
	}
	*status = path_seen ? 405 : 404;
	return NULL;
}

size_t router_allow(const char *path, size_t plen, char *out, size_t size)
{
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < http_nroutes; i++) {
		const struct route *rt = &http_routes[i];
		int64_t got[ROUTE_MAX_PARAMS] = {0};
		if (!match(rt->pattern, path, plen, got))
			continue;
		bool get = strcmp(rt->method, "GET") == 0;
		int w = snprintf(out + n, size - n, "%s%s%s", n ? ", " : "", rt->method,
				 get ? ", HEAD" : "");
		if (w < 0 || (size_t)w >= size - n) {
			out[n] = '\0';
			break;
		}
		n += (size_t)w;
	}
	return n;
}
