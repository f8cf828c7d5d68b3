/*
 * xalloc.h - allocation that never returns NULL.
 *
 * Champion has one out-of-memory policy: abort. Callers stay linear, and
 * every size an outside party controls is capped before it reaches here.
 */
#ifndef CHAMPION_XALLOC_H
#define CHAMPION_XALLOC_H

#include "util/common.h"

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
