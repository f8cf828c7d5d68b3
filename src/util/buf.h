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

/* Each returns 0, or -1 when the result would pass b->max. */
int buf_append(struct buf *b, const void *data, size_t len);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);

/* The contents as a C string: "" for an empty buf, never NULL. */
const char *buf_str(const struct buf *b);

#endif
