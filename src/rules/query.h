/*
 * query.h - what people type in the search box, parsed into terms. Pure.
 *
 * The syntax, case-insensitive except for OR:
 *
 *   refund invoice     both words, anywhere in one message or the subject
 *   "card declined"    the words next to each other, in this order
 *   refu*              a word that starts with "refu" (2 characters at least)
 *   -paypal -"a b"     without this word or phrase
 *   stripe OR paypal   either (OR binds tighter than the implicit AND)
 *
 * A word is a run of anything but spaces and double quotes; punctuation
 * inside it ("e-mail", "INV-2025") makes it a phrase of its parts. Words
 * made only of punctuation or symbols are ignored. Words are matched
 * after case folding, accent removal and stemming (the backend does
 * that), so "Connecting" finds "connection" and "café" finds "Cafe".
 *
 * The parser never hands raw text to a backend's query language: terms
 * come out as plain text that each backend quotes itself.
 */
#ifndef CHAMPION_QUERY_H
#define CHAMPION_QUERY_H

#include "util/common.h"
#include "util/arena.h"

#define QUERY_MAX_BYTES 512  /* of the whole query */
#define QUERY_MAX_TERMS 16
#define QUERY_PREFIX_MIN 2   /* code points before a '*' */

enum query_term_kind {
	QUERY_WORD,   /* one word (maybe with inner punctuation) */
	QUERY_PREFIX, /* word* */
	QUERY_PHRASE, /* "several words" */
};

struct query_term {
	enum query_term_kind kind;
	const char *text; /* NUL-terminated, in the arena; never empty */
	size_t column;    /* where it starts, in code points from 1 */
};

/* Terms joined by OR; negated groups hold exactly one term. */
struct query_group {
	struct query_term *terms;
	size_t nterms;
	bool negated;
};

/* Groups joined by AND; at least one is not negated. */
struct query {
	struct query_group *groups;
	size_t ngroups;
};

struct query_error {
	size_t column;   /* 1-based code point of the mistake */
	char msg[160];   /* "unclosed quote at column 7" */
};

/*
 * Parses s (len bytes, valid UTF-8: the caller checked). Returns 0 and
 * fills q (arrays in the arena), or -1 and fills err.
 */
int query_parse(const char *s, size_t len, struct arena *a, struct query *q,
		struct query_error *err);

#endif
