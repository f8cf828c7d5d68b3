/*
 * web.h - the web UI's files, compiled into the binary (scripts/embed.py
 * --kind assets, from web/), and how champion serve answers for them.
 */
#ifndef CHAMPION_WEB_H
#define CHAMPION_WEB_H

#include <stddef.h>

struct web_asset {
	const char *name; /* its path under web/: "js/agent.js" */
	const char *type; /* Content-Type */
	const char *etag; /* "\"…\"": a hash of data */
	const char *data;
	size_t len;
	const char *gz; /* data gzip-compressed, or NULL when that is not smaller */
	size_t gzlen;
};

/* Every file, sorted by name; the set's hash, which names it in URLs. */
extern const struct web_asset web_assets[];
extern const size_t web_assets_count;
extern const char web_version[];

/* The file named name (a path under web/), or NULL. */
const struct web_asset *web_asset_find(const char *name, size_t len);

#endif
