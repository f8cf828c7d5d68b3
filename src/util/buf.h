/*
 * buf.h - a growable byte string with explicit length and a size cap.
 *
 * The data is always NUL-terminated (the NUL is not counted in len), so
 * it can be handed to C string functions when it holds no NUL itself.
 * A buf refuses to grow past max bytes: appends that would pass it fail
 * with -1 and leave the contents unchanged. max 0 means BUF_NO_MAX.
 *
 * Lifecycle: buf_init fills a struct the caller owns; buf_release frees
 * the contents and leaves an empty, reusable buf; buf_detach hands the
 * malloc'd data to the caller.
 */
#ifndef CHAMPION_BUF_H
#define CHAMPION_BUF_H

#include "util/common.h"

#define BUF_NO_MAX SIZE_MAX

struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
};

#define BUF_INIT {NULL, 0, 0, BUF_NO_MAX}

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
char *buf_detach(struct buf *b, size_t *len);
void buf_reset(struct buf *b);
/* Cuts b to its first len bytes; a len past its end changes nothing. */
void buf_truncate(struct buf *b, size_t len);

/* Each returns 0, or -1 when the result would pass b->max. */
int buf_append_slow(struct buf *b, const void *data, size_t len);
int buf_puts(struct buf *b, const char *s);

/* Inline while there is room: the JSON writer calls these per token. */
static inline int buf_append(struct buf *b, const void *data, size_t len)
{
	if (b->data && len < b->cap - b->len && len <= b->max - b->len) {
		if (len) /* data may be NULL then */
			memcpy(b->data + b->len, data, len);
		b->len += len;
		b->data[b->len] = '\0';
		return 0;
	}
	return buf_append_slow(b, data, len);
}

static inline int buf_putc(struct buf *b, char c)
{
	if (b->data && b->len + 1 < b->cap && b->len < b->max) {
		b->data[b->len++] = c;
		b->data[b->len] = '\0';
		return 0;
	}
	return buf_append_slow(b, &c, 1);
}
int buf_printf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);

/* The contents as a C string: "" for an empty buf, never NULL. */
const char *buf_str(const struct buf *b);

#endif
