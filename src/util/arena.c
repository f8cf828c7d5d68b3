/* arena.c - region allocator with cleanup hooks. */
#include "util/common.h"
#include "util/arena.h"
#include "util/xalloc.h"

#define CHUNK_MIN 8192
#define ALIGN _Alignof(max_align_t)

struct arena_chunk {
	struct arena_chunk *next;
	size_t used;
	size_t size;
	_Alignas(max_align_t) unsigned char data[];
};

struct arena_cleanup {
	struct arena_cleanup *next;
	void (*fn)(void *);
	void *arg;
};

void arena_init(struct arena *a)
{
	a->chunk = NULL;
	a->cleanups = NULL;
	a->total = 0;
}

void arena_release(struct arena *a)
{
	struct arena_cleanup *c = a->cleanups;
	struct arena_chunk *k = a->chunk;

	/* Hooks live in the arena's own memory: run them all before freeing. */
	while (c) {
		c->fn(c->arg);
		c = c->next;
	}
	while (k) {
		struct arena_chunk *next = k->next;
		free(k);
		k = next;
	}
	arena_init(a);
}

void *arena_alloc(struct arena *a, size_t size)
{
	struct arena_chunk *k = a->chunk;
	size_t need = (size + ALIGN - 1) & ~(ALIGN - 1);

	if (need < size)
		BUG("arena allocation of %zu bytes overflows", size);
	if (!k || k->size - k->used < need) {
		size_t csize = need > CHUNK_MIN ? need : CHUNK_MIN;
		/* Grow chunks with the arena so big responses take few mallocs. */
		if (a->total / 2 > csize && a->total / 2 < (size_t)64 << 20)
			csize = a->total / 2;
		k = xmalloc(sizeof(*k) + csize);
		k->size = csize;
		k->used = 0;
		k->next = a->chunk;
		a->chunk = k;
		a->total += csize;
	}
	void *p = k->data + k->used;
	k->used += need;
	return p;
}

void *arena_zalloc(struct arena *a, size_t size)
{
	void *p = arena_alloc(a, size);
	memset(p, 0, size);
	return p;
}

void *arena_array(struct arena *a, size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size)
		BUG("arena array of %zu x %zu overflows", nmemb, size);
	return arena_zalloc(a, nmemb * size);
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	char small[256];
	va_list ap, cp;
	int n;
	char *p;

	va_start(ap, fmt);
	va_copy(cp, ap);
	n = vsnprintf(small, sizeof(small), fmt, cp);
	va_end(cp);
	if (n < 0)
		BUG("bad format '%s'", fmt);
	if ((size_t)n < sizeof(small)) {
		va_end(ap);
		return arena_strndup(a, small, (size_t)n);
	}
	p = arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void arena_cleanup_add(struct arena *a, void (*fn)(void *), void *arg)
{
	struct arena_cleanup *c = arena_alloc(a, sizeof(*c));
	c->fn = fn;
	c->arg = arg;
	c->next = a->cleanups;
	a->cleanups = c;
}
