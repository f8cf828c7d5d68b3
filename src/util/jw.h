/*
 * jw.h - a JSON writer: values appended straight to a buf.
 *
 * Rendering a response by building a jansson tree and then serialising it
 * costs an allocation per value and a walk over the tree; the hot answers
 * of the server (a ticket, a queue page) are written here instead, in one
 * pass into one buffer. The writer puts the commas and the colons; the
 * caller says what comes in what order:
 *
 *	jw_obj(&w);
 *	jw_key(&w, "id");  jw_int(&w, 7);
 *	jw_key(&w, "tags"); jw_arr(&w); jw_str(&w, "billing"); jw_end(&w);
 *	jw_end(&w);
 *
 * Strings are escaped as RFC 8259 asks (", \ and controls; everything else
 * as UTF-8); bytes that are not UTF-8 become U+FFFD, so the output is
 * always valid JSON. A NULL string is written as null. Nesting deeper than
 * JW_DEPTH, or an end without its opening, is a bug (BUG()).
 */
#ifndef CHAMPION_JW_H
#define CHAMPION_JW_H

#include "util/buf.h"

#define JW_DEPTH 16

struct jw {
	struct buf *b;
	int depth;
	bool need_comma[JW_DEPTH + 1]; /* per level: a value was written there */
	char closer[JW_DEPTH + 1];     /* per level: '}' or ']' */
	bool after_key;                /* the next value follows a key: no comma */
};

void jw_init(struct jw *w, struct buf *b);

void jw_obj(struct jw *w);
void jw_arr(struct jw *w);
void jw_end(struct jw *w); /* closes the innermost object or array */

/*
 * A key: a string literal of the code's own words, written as it is (no
 * quote, backslash or control), its quotes and colon joined at compile time.
 */
#define jw_key(w, key) jw_key_raw((w), "\"" key "\":", sizeof(key) + 2)
void jw_key_raw(struct jw *w, const char *key_json, size_t len);
void jw_str(struct jw *w, const char *s); /* NULL: null */
void jw_strn(struct jw *w, const char *s, size_t len);
void jw_int(struct jw *w, int64_t v);
void jw_bool(struct jw *w, bool v);
void jw_real(struct jw *w, double v); /* as jansson writes it; null if not finite */
void jw_null(struct jw *w);
/* Text that is JSON already (a stored document), written as it is; NULL: null. */
void jw_raw(struct jw *w, const char *json);
void jw_rawn(struct jw *w, const char *json, size_t len);

/* Key (a literal) and value in one call; jw_kid writes null for 0. */
#define jw_kstr(w, key, s) (jw_key(w, key), jw_str((w), (s)))
#define jw_kint(w, key, v) (jw_key(w, key), jw_int((w), (v)))
#define jw_kid(w, key, id) (jw_key(w, key), jw_id((w), (id)))
#define jw_kbool(w, key, v) (jw_key(w, key), jw_bool((w), (v)))
void jw_id(struct jw *w, int64_t id); /* 0: null */

#endif
