/*
 * arena.h - a region allocator freed in one step, with cleanup hooks.
 *
 * A request, a CLI command or an inbound message gets one arena; all that
 * is allocated while serving it comes from the arena and goes at once in
 * arena_release. Things that are not memory (statements, descriptors,
 * JSON roots) register a cleanup hook; hooks run last-in first-out.
 *
 * Allocation never fails (it aborts on exhaustion, like xmalloc); sizes an
 * outside party controls must be capped by the caller.
 */
#ifndef CHAMPION_ARENA_H
#define CHAMPION_ARENA_H

#include "util/common.h"

struct arena_chunk;
struct arena_cleanup;

struct arena {
	struct arena_chunk *chunk;
	struct arena_cleanup *cleanups;
	size_t total;
};

void arena_init(struct arena *a);
/* Runs the cleanup hooks, frees every chunk; the arena is reusable. */
void arena_release(struct arena *a);

/* size bytes aligned for any type; contents undefined. */
void *arena_alloc(struct arena *a, size_t size);
void *arena_zalloc(struct arena *a, size_t size);
/* nmemb * size, checked for overflow (aborts on overflow). */
void *arena_array(struct arena *a, size_t nmemb, size_t size);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* Call fn(arg) when the arena is released. */
void arena_cleanup_add(struct arena *a, void (*fn)(void *), void *arg);

#endif
