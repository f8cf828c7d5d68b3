/* text.c - fold points of mail text (quote, signature) and subject ticket tags. */
#include "util/common.h"
#include "rules/text.h"

#define SIG_MAX_LINES 15    /* a "-- " block longer than this is not a signature */
#define SIGNOFF_WINDOW 6    /* a sign-off must be among this many last lines */
#define SIGNOFF_MAX_LEN 48  /* ... and short */
#define ATTRIB_LINES 3      /* an attribution may wrap over this many lines */
#define HEADER_BLOCK_LINES 5 /* "Sent:" must follow "From:" within these lines */
#define TAG_DIGITS_MAX 15

/* One line of the text: [at, end) without its line break; next is the following line. */
struct line {
	size_t at, end, next;
};

static struct line line_at(const char *s, size_t len, size_t at)
{
	struct line l = {at, at, at};
	const char *nl = at < len ? memchr(s + at, '\n', len - at) : NULL;

	l.end = nl ? (size_t)(nl - s) : len;
	l.next = nl ? l.end + 1 : len;
	if (l.end > l.at && s[l.end - 1] == '\r')
		l.end--;
	return l;
}

static bool is_sp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* The line without leading and trailing white space. */
static void trimmed(const char *s, struct line l, const char **p, size_t *n)
{
	size_t a = l.at, e = l.end;

	while (a < e && is_sp(s[a]))
		a++;
	while (e > a && is_sp(s[e - 1]))
		e--;
	*p = s + a;
	*n = e - a;
}

static bool blank(const char *s, struct line l)
{
	const char *p;
	size_t n;

	trimmed(s, l, &p, &n);
	return n == 0;
}

static bool quoted(const char *s, struct line l)
{
	const char *p;
	size_t n;

	trimmed(s, l, &p, &n);
	return n > 0 && p[0] == '>';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* ASCII-case-insensitive: p[0..n) starts with w. */
static bool starts(const char *p, size_t n, const char *w)
{
	size_t wl = strlen(w);

	if (wl > n)
		return false;
	for (size_t i = 0; i < wl; i++)
		if (lower(p[i]) != lower(w[i]))
			return false;
	return true;
}

static bool ends(const char *p, size_t n, const char *w)
{
	size_t wl = strlen(w);
	return wl <= n && starts(p + n - wl, wl, w);
}

static bool contains(const char *p, size_t n, const char *w)
{
	size_t wl = strlen(w);

	for (size_t i = 0; wl <= n && i <= n - wl; i++)
		if (starts(p + i, n - i, w))
			return true;
	return false;
}

/* How an attribution opens and closes, per language. */
static const struct {
	const char *open, *close;
} attributions[] = {
	{"On ", "wrote:"},     {"On ", "writes:"},   {"Am ", "schrieb:"},
	{"Am ", ":"},          {"Le ", "a écrit :"}, {"Le ", "a écrit:"},
	{"El ", "escribió:"},  {"Op ", "geschreven:"}, {"Op ", ":"},
	{"Il ", "ha scritto:"}, {"Em ", "escreveu:"},
};

/* Words that must appear in an attribution whose close is a bare ':'. */
static bool attribution_words(const char *p, size_t n, const char *open)
{
	if (strcmp(open, "Am ") == 0)
		return contains(p, n, "schrieb");
	if (strcmp(open, "Op ") == 0)
		return contains(p, n, "schreef");
	return true;
}

/*
 * Whether an attribution starts at line l (it may wrap over a few lines);
 * *last is set to its last line.
 */
static bool attribution_at(const char *s, size_t len, struct line l, struct line *last)
{
	const char *p0, *p;
	size_t n0, n;

	trimmed(s, l, &p0, &n0);
	for (size_t i = 0; i < ARRAY_SIZE(attributions); i++) {
		struct line cur = l;
		if (!starts(p0, n0, attributions[i].open))
			continue;
		for (int k = 0; k < ATTRIB_LINES; k++) {
			trimmed(s, cur, &p, &n);
			if (n == 0)
				break;
			if (ends(p, n, attributions[i].close)) {
				/* The words may be spread over the lines: check the whole span. */
				if (!attribution_words(p0, (size_t)(p + n - p0), attributions[i].open))
					break;
				*last = cur;
				return true;
			}
			if (cur.next >= len)
				break;
			cur = line_at(s, len, cur.next);
		}
	}
	return false;
}

/* Start of the last non-blank unquoted line, or len when there is none. */
static size_t last_unquoted(const char *s, size_t len)
{
	size_t last = len;

	for (size_t at = 0; at < len;) {
		struct line l = line_at(s, len, at);
		if (!blank(s, l) && !quoted(s, l))
			last = l.at;
		at = l.next;
	}
	return last;
}

/* Start of the first quoted line at or after from, or len. */
static size_t next_quoted(const char *s, size_t len, size_t from)
{
	for (size_t at = from; at < len;) {
		struct line l = line_at(s, len, at);
		if (quoted(s, l))
			return l.at;
		at = l.next;
	}
	return len;
}

static bool original_separator(const char *p, size_t n)
{
	static const char *const words[] = {
		"original message", "ursprüngliche nachricht", "message d'origine",
		"mensaje original", "oorspronkelijk bericht", "messaggio originale",
	};

	if (n < 4 || p[0] != '-' || p[1] != '-')
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (contains(p, n, words[i]))
			return true;
	return false;
}

static bool forward_marker(const char *p, size_t n)
{
	return starts(p, n, "Begin forwarded message:") ||
	       (n > 4 && p[0] == '-' && p[1] == '-' &&
		(contains(p, n, "forwarded message") || contains(p, n, "weitergeleitete nachricht") ||
		 contains(p, n, "message transféré")));
}

/* Strips Outlook's bold markers: "*From:*" reads as "From:". */
static bool field_line(const char *p, size_t n, const char *const *names, size_t count)
{
	if (n && p[0] == '*') {
		p++;
		n--;
	}
	for (size_t i = 0; i < count; i++)
		if (starts(p, n, names[i]))
			return true;
	return false;
}

static const char *const from_names[] = {"From:", "Von:", "De :", "De:", "Van:", "Da:"};
static const char *const sent_names[] = {"Sent:", "Date:", "Gesendet:", "Datum:", "Envoyé :",
					 "Envoyé:", "Date :", "Enviado:", "Verzonden:", "Inviato:"};

/* An Outlook header block starting at l: "From:" then "Sent:" within a few lines. */
static bool header_block_at(const char *s, size_t len, struct line l)
{
	const char *p;
	size_t n;

	trimmed(s, l, &p, &n);
	if (!field_line(p, n, from_names, ARRAY_SIZE(from_names)))
		return false;
	for (int k = 0; k < HEADER_BLOCK_LINES && l.next < len; k++) {
		l = line_at(s, len, l.next);
		trimmed(s, l, &p, &n);
		if (field_line(p, n, sent_names, ARRAY_SIZE(sent_names)))
			return true;
	}
	return false;
}

static bool underscores(const char *s, struct line l)
{
	const char *p;
	size_t n;

	trimmed(s, l, &p, &n);
	if (n < 10)
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] != '_')
			return false;
	return true;
}

/*
 * The first line that opens quoted history, by its introduction. An
 * attribution whose quotes are followed by an unquoted line introduces
 * inline answers, not history: a quoted line after it comes before the
 * last unquoted line. Both are found in one pass each (a cursor that only
 * moves forward), so the scan stays linear whatever the text.
 */
static size_t find_introduced(const char *s, size_t len, enum text_quote *kind)
{
	size_t prev_nonblank = len; /* start of the last non-blank line seen */
	size_t last_u = last_unquoted(s, len), nextq = 0;

	for (size_t at = 0; at < len;) {
		struct line l = line_at(s, len, at), last;
		const char *p;
		size_t n;

		trimmed(s, l, &p, &n);
		if (n && !quoted(s, l)) {
			if (attribution_at(s, len, l, &last)) {
				if (nextq < last.next)
					nextq = next_quoted(s, len, last.next);
				if (nextq >= last_u || last_u < last.next) {
					*kind = TEXT_QUOTE_ATTRIBUTION;
					return l.at;
				}
			}
			if (original_separator(p, n)) {
				*kind = TEXT_QUOTE_ORIGINAL;
				return l.at;
			}
			if (forward_marker(p, n)) {
				*kind = TEXT_QUOTE_FORWARD;
				return l.at;
			}
			if (header_block_at(s, len, l)) {
				*kind = TEXT_QUOTE_HEADERS;
				if (prev_nonblank < len && underscores(s, line_at(s, len, prev_nonblank)))
					return prev_nonblank;
				return l.at;
			}
		}
		if (n)
			prev_nonblank = l.at;
		at = l.next;
	}
	return len;
}

/* A trailing block of quoted lines (and blanks), with the line that says who wrote it. */
static size_t find_marks(const char *s, size_t len)
{
	size_t start = len, prev = len;
	bool any = false;

	/* Walk forward remembering where the current run of quoted/blank lines began. */
	for (size_t at = 0; at < len;) {
		struct line l = line_at(s, len, at);
		if (quoted(s, l)) {
			if (!any) {
				start = l.at;
				any = true;
			}
		} else if (!blank(s, l)) {
			any = false;
			start = len;
			prev = l.at;
		}
		at = l.next;
	}
	if (!any)
		return len;
	if (prev < len) {
		/* "Bob wrote:" just above the quotes belongs to them. */
		struct line l = line_at(s, len, prev);
		const char *p;
		size_t n;

		trimmed(s, l, &p, &n);
		if (ends(p, n, "wrote:") || ends(p, n, "writes:") || ends(p, n, "schrieb:") ||
		    ends(p, n, "écrit :") || ends(p, n, "écrit:"))
			return l.at;
	}
	return start;
}

static bool signoff(const char *p, size_t n)
{
	static const char *const words[] = {
		"best regards", "kind regards", "warm regards", "regards", "best wishes", "best",
		"cheers", "thanks", "thank you", "many thanks", "thanks again", "sincerely",
		"yours sincerely", "mit freundlichen grüßen", "mit freundlichen gruessen",
		"viele grüße", "beste grüße", "gruß", "cordialement", "bien cordialement",
		"bien à vous", "merci", "saludos", "un saludo",
	};

	if (n == 0 || n > SIGNOFF_MAX_LEN)
		return false;
	if (starts(p, n, "Sent from my ") || starts(p, n, "Von meinem ") ||
	    starts(p, n, "Envoyé de mon ") || starts(p, n, "Get Outlook for "))
		return true;
	while (n && (p[n - 1] == ',' || p[n - 1] == '!' || p[n - 1] == '.' || p[n - 1] == ' '))
		n--;
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (n == strlen(words[i]) && starts(p, n, words[i]))
			return true;
	return false;
}

/* The signature in s[0..end): the last "-- " line, or a sign-off near the end. */
static size_t find_signature(const char *s, size_t end, bool *delimited)
{
	size_t delim = end, first_nonblank = end;
	size_t recent[SIGNOFF_WINDOW];
	size_t nrecent = 0;

	*delimited = false;
	for (size_t at = 0; at < end;) {
		struct line l = line_at(s, end, at);
		const char *p = s + l.at;
		size_t n = l.end - l.at;

		if ((n == 3 && memcmp(p, "-- ", 3) == 0) || (n == 2 && memcmp(p, "--", 2) == 0))
			delim = l.at;
		if (!blank(s, l)) {
			if (first_nonblank == end)
				first_nonblank = l.at;
			recent[nrecent % SIGNOFF_WINDOW] = l.at;
			nrecent++;
		}
		at = l.next;
	}
	if (delim < end) {
		size_t lines = 0;
		for (size_t at = line_at(s, end, delim).next; at < end;) {
			struct line l = line_at(s, end, at);
			lines += !blank(s, l);
			at = l.next;
		}
		if (lines <= SIG_MAX_LINES) {
			*delimited = true;
			return delim;
		}
	}
	/* Oldest first among the last few non-blank lines; never the first line of the text. */
	for (size_t k = nrecent > SIGNOFF_WINDOW ? nrecent - SIGNOFF_WINDOW : 0; k < nrecent; k++) {
		size_t at = recent[k % SIGNOFF_WINDOW];
		struct line l = line_at(s, end, at);
		const char *p;
		size_t n;

		trimmed(s, l, &p, &n);
		if (at != first_nonblank && signoff(p, n))
			return at;
	}
	return end;
}

void text_fold_points(const char *s, size_t len, struct text_fold *out)
{
	enum text_quote kind = TEXT_QUOTE_NONE;
	size_t q, end;

	memset(out, 0, sizeof(*out));
	if (!s)
		len = 0;
	q = find_introduced(s, len, &kind);
	if (q == len) {
		q = find_marks(s, len);
		kind = q < len ? TEXT_QUOTE_MARKS : TEXT_QUOTE_NONE;
	}
	out->quote_at = q;
	out->quote = kind;
	out->sig_at = find_signature(s, q, &out->sig_delimited);
	end = out->sig_at;
	while (end > 0 && is_sp(s[end - 1]))
		end--;
	out->body_end = end;
}

const char *text_quote_name(enum text_quote q)
{
	switch (q) {
	case TEXT_QUOTE_NONE: return "none";
	case TEXT_QUOTE_ATTRIBUTION: return "attribution";
	case TEXT_QUOTE_ORIGINAL: return "original";
	case TEXT_QUOTE_HEADERS: return "headers";
	case TEXT_QUOTE_FORWARD: return "forward";
	case TEXT_QUOTE_MARKS: return "marks";
	}
	return "none";
}

int64_t text_ticket_tag(const char *s, size_t len)
{
	for (size_t i = 0; s && i + 3 < len; i++) {
		size_t j = i + 2, digits = 0;
		int64_t v = 0;

		if (s[i] != '[' || s[i + 1] != '#' || s[j] < '1' || s[j] > '9')
			continue;
		while (j < len && s[j] >= '0' && s[j] <= '9' && digits < TAG_DIGITS_MAX + 1) {
			v = v * 10 + (s[j] - '0');
			j++;
			digits++;
		}
		if (digits <= TAG_DIGITS_MAX && j < len && s[j] == ']')
			return v;
	}
	return 0;
}
