/* jw.c - a JSON writer straight into a buf. */
#include "util/common.h"
#include "util/jw.h"
#include "util/str.h"
#include <math.h>

void jw_init(struct jw *w, struct buf *b)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
}

/* Before any value: the comma that separates it from the one before. */
static void before_value(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->need_comma[w->depth])
		buf_putc(w->b, ',');
	w->need_comma[w->depth] = true;
}

static void open_level(struct jw *w, char opener, char closer)
{
	before_value(w);
	if (w->depth == JW_DEPTH)
		BUG("JSON nested deeper than %d", JW_DEPTH);
	buf_putc(w->b, opener);
	w->depth++;
	w->need_comma[w->depth] = false;
	w->closer[w->depth] = closer;
}

void jw_obj(struct jw *w)
{
	open_level(w, '{', '}');
}

void jw_arr(struct jw *w)
{
	open_level(w, '[', ']');
}

void jw_end(struct jw *w)
{
	if (w->depth == 0 || w->after_key)
		BUG("jw_end without an open object or array, or right after a key");
	buf_putc(w->b, w->closer[w->depth]);
	w->depth--;
}

#define ONES 0x0101010101010101ULL
#define HIGH 0x8080808080808080ULL
/* Bytes of v equal to 0 are flagged (and perhaps bytes after one: only ever too many). */
#define ZERO_BYTES(v) (((v) - ONES) & ~(v) & HIGH)

/*
 * Whether the 8 bytes at p are all printable ASCII but " and \\, the
 * bytes a JSON string holds as they are: eight at a time, as message
 * bodies are most of a document. A false "no" only sends a byte down the
 * slow path.
 */
static inline bool word_plain(const char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return ((v & HIGH) | ((v - 0x20 * ONES) & ~v & HIGH) | ZERO_BYTES(v ^ ('"' * ONES)) |
		ZERO_BYTES(v ^ ('\\' * ONES))) == 0;
}

/* s[0..len) as a JSON string, quotes included. */
static void put_string(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, run = 0;

	buf_putc(b, '"');
	while (i < len) {
		unsigned char c;
		const char *esc = NULL;
		char u[7];

		while (len - i >= 8 && word_plain(s + i)) {
			i += 8;
			run += 8;
		}
		if (i == len)
			break;
		c = (unsigned char)s[i];

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			i++;
			run++;
			continue;
		}
		if (c >= 0x80) {
			/* One whole UTF-8 sequence, or U+FFFD for what is not one. */
			size_t n = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
			if (n && i + n <= len && str_utf8_valid(s + i, n, NULL)) {
				i += n;
				run += n;
				continue;
			}
			esc = "\xef\xbf\xbd";
		} else if (c == '"') {
			esc = "\\\"";
		} else if (c == '\\') {
			esc = "\\\\";
		} else if (c == '\n') {
			esc = "\\n";
		} else if (c == '\r') {
			esc = "\\r";
		} else if (c == '\t') {
			esc = "\\t";
		} else {
			u[0] = '\\';
			u[1] = 'u';
			u[2] = '0';
			u[3] = '0';
			u[4] = hex[c >> 4];
			u[5] = hex[c & 15];
			u[6] = '\0';
			esc = u;
		}
		buf_append(b, s + i - run, run);
		run = 0;
		buf_puts(b, esc);
		i++;
	}
	buf_append(b, s + i - run, run);
	buf_putc(b, '"');
}

void jw_key_raw(struct jw *w, const char *key_json, size_t len)
{
	if (w->depth == 0 || w->closer[w->depth] != '}' || w->after_key)
		BUG("jw_key outside an object, or twice");
	before_value(w);
	buf_append(w->b, key_json, len);
	w->after_key = true;
}

void jw_strn(struct jw *w, const char *s, size_t len)
{
	before_value(w);
	put_string(w->b, s, len);
}

void jw_str(struct jw *w, const char *s)
{
	if (!s) {
		jw_null(w);
		return;
	}
	jw_strn(w, s, strlen(s));
}

void jw_int(struct jw *w, int64_t v)
{
	char num[24], *p = num + sizeof(num);
	/* Digits from the end, in unsigned arithmetic: INT64_MIN too. */
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	before_value(w);
	buf_append(w->b, p, (size_t)(num + sizeof(num) - p));
}

void jw_bool(struct jw *w, bool v)
{
	before_value(w);
	if (v)
		buf_append(w->b, "true", 4);
	else
		buf_append(w->b, "false", 5);
}

void jw_real(struct jw *w, double v)
{
	char num[40];
	int n;

	if (!isfinite(v)) {
		jw_null(w);
		return;
	}
	/*
	 * As jansson writes a real: 17 significant digits, never an integer's
	 * look, an exponent without '+' or leading zeros (1e21, 2.5e-7).
	 */
	n = snprintf(num, sizeof(num), "%.17g", v);
	char *x = strchr(num, 'e');
	if (x) {
		char *to = x + 1, *from;
		if (*to == '-')
			to++;
		from = to;
		if (*from == '+')
			from++;
		while (*from == '0' && from[1])
			from++;
		memmove(to, from, strlen(from) + 1);
		n = (int)strlen(num);
	} else if (n > 0 && (size_t)n < sizeof(num) - 2 && !strchr(num, '.')) {
		num[n++] = '.';
		num[n++] = '0';
		num[n] = '\0';
	}
	before_value(w);
	buf_append(w->b, num, (size_t)n);
}

void jw_null(struct jw *w)
{
	before_value(w);
	buf_append(w->b, "null", 4);
}

void jw_raw(struct jw *w, const char *json)
{
	before_value(w);
	buf_puts(w->b, json ? json : "null");
}

void jw_rawn(struct jw *w, const char *json, size_t len)
{
	before_value(w);
	buf_append(w->b, json, len);
}

void jw_id(struct jw *w, int64_t id)
{
	if (id)
		jw_int(w, id);
	else
		jw_null(w);
}
