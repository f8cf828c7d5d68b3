/* query.c - the search box's syntax: words, "phrases", prefix*, -exclusion, OR. */
#include "util/common.h"
#include "rules/query.h"

enum lex_kind { LEX_TERM, LEX_OR, LEX_SKIP };

/* One lexeme: a term (maybe negated), OR, or a term with nothing to search (skipped). */
struct lex {
	enum lex_kind kind;
	struct query_term term;
	bool negated;
};

struct parser {
	const char *s;
	size_t len, pos;
	struct arena *a;
	struct query_error *err;
};

static int fail(struct parser *p, size_t column, const char *fmt, ...) PRINTF_LIKE(3, 4);

static int fail(struct parser *p, size_t column, const char *fmt, ...)
{
	va_list ap;

	p->err->column = column;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* The 1-based code point column of byte offset off. */
static size_t column_of(const char *s, size_t off)
{
	size_t col = 1;
	for (size_t i = 0; i < off; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			col++;
	return col;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Decodes one code point of valid UTF-8 at s; *n is its length. */
static uint32_t decode(const unsigned char *s, size_t *n)
{
	if (s[0] < 0x80) {
		*n = 1;
		return s[0];
	}
	if (s[0] < 0xe0) {
		*n = 2;
		return ((uint32_t)(s[0] & 0x1f) << 6) | (s[1] & 0x3f);
	}
	if (s[0] < 0xf0) {
		*n = 3;
		return ((uint32_t)(s[0] & 0x0f) << 12) | ((uint32_t)(s[1] & 0x3f) << 6) |
		       (s[2] & 0x3f);
	}
	*n = 4;
	return ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3f) << 12) |
	       ((uint32_t)(s[2] & 0x3f) << 6) | (s[3] & 0x3f);
}

/* Punctuation, symbols, arrows, dingbats, emoji: nothing a search index keeps. */
static bool is_symbol(uint32_t c)
{
	if (c < 0x80)
		return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
	return (c < 0xc0 && c != 0xaa && c != 0xb5 && c != 0xba) || c == 0xd7 || c == 0xf7 ||
	       (c >= 0x2000 && c <= 0x2bff) || (c >= 0x3000 && c <= 0x303f) ||
	       (c >= 0xe000 && c <= 0xf8ff) || (c >= 0xfe00 && c <= 0xfe0f) ||
	       (c >= 0x1f000 && c <= 0x1faff);
}

/* True when s[0..n) holds something besides punctuation and symbols. */
static bool searchable(const char *s, size_t n)
{
	size_t i = 0, k;
	while (i < n) {
		if (!is_symbol(decode((const unsigned char *)s + i, &k)))
			return true;
		i += k;
	}
	return false;
}

/* A quoted phrase starting at the quote at p->pos. */
static int lex_phrase(struct parser *p, struct lex *lx, size_t start)
{
	size_t open = p->pos, end;
	const char *close = memchr(p->s + open + 1, '"', p->len - open - 1);

	if (!close)
		return fail(p, column_of(p->s, open),
			    "unclosed quote at column %zu: end the phrase with '\"'",
			    column_of(p->s, open));
	end = (size_t)(close - p->s);
	p->pos = end + 1;
	if (p->pos < p->len && p->s[p->pos] == '*')
		return fail(p, column_of(p->s, p->pos),
			    "'*' at column %zu follows a phrase; a prefix ends a single word",
			    column_of(p->s, p->pos));
	lx->term.kind = QUERY_PHRASE;
	lx->term.column = column_of(p->s, start);
	lx->kind = searchable(p->s + open + 1, end - open - 1) ? LEX_TERM : LEX_SKIP;
	lx->term.text = arena_strndup(p->a, p->s + open + 1, end - open - 1);
	return 0;
}

/* A bare word (maybe OR, maybe word*) starting at p->pos. */
static int lex_word(struct parser *p, struct lex *lx, size_t start)
{
	size_t b = p->pos, e = b;

	while (e < p->len && !is_space(p->s[e]) && p->s[e] != '"')
		e++;
	p->pos = e;
	lx->term.column = column_of(p->s, start);
	if (!lx->negated && e - b == 2 && memcmp(p->s + b, "OR", 2) == 0) {
		lx->kind = LEX_OR;
		return 0;
	}
	lx->term.kind = QUERY_WORD;
	for (size_t i = b; i < e; i++) {
		if (p->s[i] != '*')
			continue;
		if (i + 1 != e)
			return fail(p, column_of(p->s, i), "'*' at column %zu can only end a word",
				    column_of(p->s, i));
		if (i == b)
			return fail(p, column_of(p->s, i), "'*' at column %zu needs a word before it",
				    column_of(p->s, i));
		if (column_of(p->s + b, i - b) - 1 < QUERY_PREFIX_MIN)
			return fail(p, lx->term.column,
				    "prefix '%.*s' at column %zu needs at least %d characters "
				    "before '*'",
				    (int)(e - b), p->s + b, lx->term.column, QUERY_PREFIX_MIN);
		lx->term.kind = QUERY_PREFIX;
		e--;
	}
	lx->kind = searchable(p->s + b, e - b) ? LEX_TERM : LEX_SKIP;
	lx->term.text = arena_strndup(p->a, p->s + b, e - b);
	return 0;
}

/* The next lexeme; returns 1 when there is one, 0 at the end, -1 on error. */
static int lex_next(struct parser *p, struct lex *lx)
{
	size_t start;

	while (p->pos < p->len && is_space(p->s[p->pos]))
		p->pos++;
	if (p->pos == p->len)
		return 0;
	memset(lx, 0, sizeof(*lx));
	start = p->pos;
	if (p->s[p->pos] == '-') {
		if (p->pos + 1 == p->len || is_space(p->s[p->pos + 1]))
			return fail(p, column_of(p->s, start),
				    "'-' at column %zu needs a word or phrase right after it",
				    column_of(p->s, start));
		lx->negated = true;
		p->pos++;
	}
	if (p->s[p->pos] == '"')
		return lex_phrase(p, lx, start) < 0 ? -1 : 1;
	return lex_word(p, lx, start) < 0 ? -1 : 1;
}

int query_parse(const char *s, size_t len, struct arena *a, struct query *q,
		struct query_error *err)
{
	struct parser p = {.s = s, .len = len, .a = a, .err = err};
	struct lex lx, prev = {.kind = LEX_OR}; /* before the first: as if after OR */
	struct query_group *g = NULL;
	size_t nterms = 0, first_negated = 0;
	bool pending_or = false, any_positive = false;
	int r;

	memset(q, 0, sizeof(*q));
	memset(err, 0, sizeof(*err));
	if (len > QUERY_MAX_BYTES)
		return fail(&p, column_of(s, QUERY_MAX_BYTES),
			    "the query is longer than %d bytes (at column %zu)", QUERY_MAX_BYTES,
			    column_of(s, QUERY_MAX_BYTES));
	q->groups = arena_array(a, QUERY_MAX_TERMS, sizeof(*q->groups));
	while ((r = lex_next(&p, &lx)) > 0) {
		if (lx.kind == LEX_OR) {
			if (prev.kind == LEX_OR)
				return fail(&p, lx.term.column,
					    "OR at column %zu needs a word before it", lx.term.column);
			if (prev.negated)
				return fail(&p, lx.term.column,
					    "OR at column %zu follows an excluded term; '-' cannot "
					    "be combined with OR",
					    lx.term.column);
			pending_or = true;
			prev = lx;
			continue;
		}
		if (pending_or && lx.negated)
			return fail(&p, lx.term.column,
				    "'-' at column %zu follows OR; '-' cannot be combined with OR",
				    lx.term.column);
		if (++nterms > QUERY_MAX_TERMS)
			return fail(&p, lx.term.column,
				    "more than %d terms (the one at column %zu is one too many)",
				    QUERY_MAX_TERMS, lx.term.column);
		if (!pending_or || !g) {
			g = &q->groups[q->ngroups++];
			g->terms = arena_array(a, QUERY_MAX_TERMS, sizeof(*g->terms));
			g->negated = lx.negated;
		}
		if (lx.kind == LEX_TERM)
			g->terms[g->nterms++] = lx.term;
		if (lx.negated && !first_negated)
			first_negated = lx.term.column;
		pending_or = false;
		prev = lx;
	}
	if (r < 0)
		return -1;
	if (pending_or)
		return fail(&p, prev.term.column, "OR at column %zu needs a word after it",
			    prev.term.column);
	/* Drop the groups whose every term was punctuation. */
	size_t n = 0;
	for (size_t i = 0; i < q->ngroups; i++) {
		if (!q->groups[i].nterms)
			continue;
		any_positive |= !q->groups[i].negated;
		q->groups[n++] = q->groups[i];
	}
	q->ngroups = n;
	if (!any_positive) {
		if (first_negated)
			return fail(&p, first_negated,
				    "the query only excludes (from column %zu); add a word to "
				    "search for",
				    first_negated);
		return fail(&p, 1, "the query has no words to search for (at column 1)");
	}
	return 0;
}
