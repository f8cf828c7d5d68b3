/* inbound.c - one received message read through GMime into struct mail_inbound. */
#include "util/common.h"
#include "mail/inbound.h"
#include "mail/html.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <gmime/gmime.h>
#include <iconv.h>

#define CHUNK (64 * 1024)
#define DEPTH_MAX 32         /* MIME nesting we follow */
#define ADDRS_MAX 1000       /* mailboxes kept of one header */
#define IDS_MAX 200          /* ids kept of References */
#define RCPTS_MAX 100        /* recipients kept of one DSN */
#define FILENAME_MAX_LEN 200 /* bytes of a file name, cut at a character boundary */
#define HEADER_MAX 4096      /* bytes kept of a guard header */
#define UNPARSEABLE "(unparseable message)"

static const char utf8_replacement[] = "\xef\xbf\xbd";

/* Where a part sits, for what it means. */
enum parent { PARENT_TOP, PARENT_MIXED, PARENT_ALTERNATIVE, PARENT_RELATED, PARENT_REPORT };

struct ctx {
	struct mail_inbound *m;
	struct arena *a;
	struct mail_limits lim;
	GMimeParserOptions *opts;
	size_t total;         /* decoded bytes kept so far */
	size_t parts;         /* parts looked at */
	struct buf text;      /* the text parts, joined */
	bool have_text;
	bool alt_text_taken;  /* the multipart/alternative being read gave its text */
	const char *html_raw; /* the first HTML part, in UTF-8 */
	size_t html_raw_len;
	struct mail_attachment *att;
	size_t natt, catt;
	const char *eml_message_id; /* of the first attached message, for bounces */
	GMimeParserWarning first_warning;
	bool truncated_warning;
};

/* ---- strings ---- */

/* The length of the well-formed UTF-8 sequence at s[0..n), or 0. */
static size_t utf8_seq(const char *s, size_t n)
{
	unsigned char c = (unsigned char)s[0];
	size_t want = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
		      : c >= 0xf0 && c <= 0xf4 ? 4 : 0;

	if (!want || want > n || !str_utf8_valid(s, want, NULL))
		return 0;
	return want;
}

/*
 * s[0..n) as a clean UTF-8 string in a: bad sequences become U+FFFD; with
 * one_line, controls (tabs and line breaks too) become spaces, runs of
 * spaces one, and the result is trimmed; otherwise NUL becomes U+FFFD and CRLF or CR becomes LF.
 */
static char *clean(struct arena *a, const char *s, size_t n, bool one_line, size_t *out_len)
{
	struct buf b;
	char *out;
	size_t i = 0, len;

	buf_init(&b, BUF_NO_MAX);
	while (s && i < n) {
		unsigned char c = (unsigned char)s[i];
		size_t k = utf8_seq(s + i, n - i);

		if (k == 0) {
			buf_append(&b, utf8_replacement, 3);
			i++;
		} else if (c == '\r' && !one_line) {
			buf_putc(&b, '\n');
			i += (i + 1 < n && s[i + 1] == '\n') ? 2 : 1;
		} else if (c == 0 && !one_line) {
			buf_append(&b, utf8_replacement, 3);
			i++;
		} else if (one_line && (c < 0x20 || c == 0x7f || c == ' ')) {
			if (b.len && b.data[b.len - 1] != ' ') /* runs of blanks read as one */
				buf_putc(&b, ' ');
			i++;
		} else {
			buf_append(&b, s + i, k);
			i += k;
		}
	}
	if (one_line) {
		const char *t = str_trim(buf_str(&b), &len);
		out = arena_strndup(a, t, len);
	} else {
		len = b.len;
		out = arena_strndup(a, buf_str(&b), len);
	}
	buf_release(&b);
	if (out_len)
		*out_len = len;
	return out;
}

static char *clean_line(struct arena *a, const char *s)
{
	return clean(a, s, s ? strlen(s) : 0, true, NULL);
}

/* windows-1252 to UTF-8: the bytes no table maps become U+FFFD; never fails. */
static void from_cp1252(struct buf *out, const char *s, size_t n)
{
	static const uint16_t c1[32] = {
		0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
		0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd,
		0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
		0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178,
	};

	for (size_t i = 0; i < n; i++) {
		unsigned c = (unsigned char)s[i];
		char u[3];
		if (c < 0x80) {
			if (buf_putc(out, (char)c) < 0)
				return;
			continue;
		}
		if (c < 0xa0)
			c = c1[c - 0x80];
		if (c < 0x800) {
			u[0] = (char)(0xc0 | (c >> 6));
			u[1] = (char)(0x80 | (c & 0x3f));
			if (buf_append(out, u, 2) < 0)
				return;
		} else {
			u[0] = (char)(0xe0 | (c >> 12));
			u[1] = (char)(0x80 | ((c >> 6) & 0x3f));
			u[2] = (char)(0x80 | (c & 0x3f));
			if (buf_append(out, u, 3) < 0)
				return;
		}
	}
}

/* Converts with iconv (GMime's names and aliases); -1 when the bytes do not fit the charset. */
static int convert(struct buf *out, const char *s, size_t n, const char *charset, bool *capped)
{
	iconv_t cd = g_mime_iconv_open("UTF-8", charset);
	char tmp[4096];
	char *in = (char *)s;
	size_t left = n;
	int rc = -1;

	if (cd == (iconv_t)-1)
		return -1;
	for (;;) {
		char *o = tmp;
		size_t room = sizeof(tmp);
		size_t r = left ? iconv(cd, &in, &left, &o, &room) : iconv(cd, NULL, NULL, &o, &room);
		if (buf_append(out, tmp, sizeof(tmp) - room) < 0) {
			*capped = true; /* what we have is the text */
			break;
		}
		if (r == (size_t)-1 && errno == E2BIG)
			continue;
		if (r == (size_t)-1)
			goto out; /* EILSEQ, EINVAL: not this charset */
		if (!left) {
			o = tmp;
			room = sizeof(tmp);
			iconv(cd, NULL, NULL, &o, &room);
			buf_append(out, tmp, sizeof(tmp) - room);
			break;
		}
	}
	rc = 0;
out:
	g_mime_iconv_close(cd);
	return rc;
}

static bool is_utf8_name(const char *cs)
{
	return !cs || !*cs || g_ascii_strcasecmp(cs, "utf-8") == 0 ||
	       g_ascii_strcasecmp(cs, "utf8") == 0 || g_ascii_strcasecmp(cs, "us-ascii") == 0 ||
	       g_ascii_strcasecmp(cs, "ascii") == 0;
}

/* The Latin charsets, where one byte is one character. */
static bool single_byte(const char *cs)
{
	return g_ascii_strncasecmp(cs, "iso-8859-", 9) == 0 ||
	       g_ascii_strncasecmp(cs, "iso8859-", 8) == 0 ||
	       g_ascii_strncasecmp(cs, "windows-125", 11) == 0 ||
	       g_ascii_strncasecmp(cs, "cp125", 5) == 0 || g_ascii_strncasecmp(cs, "latin", 5) == 0;
}

static bool has_8bit(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return true;
	return false;
}

/*
 * Bytes of a text part as UTF-8 in the arena (max bytes at most), from
 * the declared charset; when that is unknown or does not fit the bytes,
 * UTF-8 if they are, windows-1252 otherwise (charset_fallback set).
 */
static char *to_utf8(struct ctx *c, const char *s, size_t n, const char *charset, size_t max,
		     size_t *out_len, bool *cut)
{
	struct buf b;
	char *out;
	bool utf8, capped = false;

	buf_init(&b, max);
	if (n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) { /* a BOM says UTF-8 whatever was declared */
		s += 3;
		n -= 3;
		charset = "utf-8";
	}
	utf8 = str_utf8_valid(s, n, NULL);
	if (is_utf8_name(charset)) {
		if (utf8) {
			buf_append(&b, s, n < max ? n : max);
		} else {
			c->m->charset_fallback = true;
			from_cp1252(&b, s, n);
		}
	} else if (utf8 && single_byte(charset) && has_8bit(s, n)) {
		/* Valid UTF-8 with 8-bit bytes is almost never Latin text: it was mislabelled. */
		c->m->charset_fallback = true;
		buf_append(&b, s, n < max ? n : max);
	} else if (convert(&b, s, n, charset, &capped) < 0) {
		buf_reset(&b);
		c->m->charset_fallback = true;
		if (utf8)
			buf_append(&b, s, n < max ? n : max);
		else
			from_cp1252(&b, s, n);
	}
	if (cut)
		*cut = capped || (b.len >= max && n > 0);
	out = clean(c->a, buf_str(&b), b.len, false, out_len);
	buf_release(&b);
	return out;
}

/* ---- addresses ---- */

const char *mail_inbound_addr(const char *raw, struct arena *a)
{
	const char *p, *at = NULL;
	size_t n;
	char *out;

	if (!raw)
		return NULL;
	p = str_trim(raw, &n);
	if (n >= 2 && p[0] == '<' && p[n - 1] == '>') {
		p++;
		n -= 2;
	}
	if (n == 0 || n > 320 || !str_utf8_valid(p, n, NULL))
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];
		if (ch <= 0x20 || ch == 0x7f || ch == '<' || ch == '>' || ch == ',' || ch == ';' ||
		    ch == '"' || ch == '(' || ch == ')' || ch == '[' || ch == ']' || ch == '\\')
			return NULL;
		if (ch == '@')
			at = p + i;
	}
	if (!at || at == p || at == p + n - 1 || memchr(p, '@', (size_t)(at - p)))
		return NULL;
	if (at[1] == '.' || p[n - 1] == '.' || strstr(at, "..") != NULL)
		return NULL;
	out = arena_strndup(a, p, n);
	str_lower_ascii(out + (at - p) + 1);
	return out;
}

static void mailbox(struct ctx *c, InternetAddress *ia, struct mail_addr *out)
{
	const char *name = internet_address_get_name(ia);

	out->name = clean_line(c->a, name ? name : "");
	out->addr = mail_inbound_addr(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)),
				      c->a);
}

/* The mailboxes of l, groups flattened, into out[0..max); returns how many. */
static size_t mailboxes(InternetAddressList *l, InternetAddress **out, size_t max)
{
	int n = l ? internet_address_list_length(l) : 0;
	size_t got = 0;

	for (int i = 0; i < n && got < max; i++) {
		InternetAddress *ia = internet_address_list_get_address(l, i);
		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			InternetAddressList *members =
				internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia));
			int count = members ? internet_address_list_length(members) : 0;
			for (int k = 0; k < count && got < max; k++) {
				InternetAddress *one = internet_address_list_get_address(members, k);
				if (INTERNET_ADDRESS_IS_MAILBOX(one))
					out[got++] = one;
			}
		} else if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
			out[got++] = ia;
		}
	}
	return got;
}

/* The mailboxes of a list with a usable address, at most ADDRS_MAX. */
static void addr_list(struct ctx *c, InternetAddressList *l, struct mail_addr_list *out)
{
	InternetAddress *boxes[ADDRS_MAX];
	size_t n = mailboxes(l, boxes, ARRAY_SIZE(boxes));

	out->v = arena_array(c->a, n ? n : 1, sizeof(*out->v));
	out->n = 0;
	for (size_t i = 0; i < n; i++) {
		mailbox(c, boxes[i], &out->v[out->n]);
		if (out->v[out->n].addr)
			out->n++;
	}
}

/* ---- headers ---- */

/* A Message-ID without brackets, or NULL when the value holds none. */
static const char *msgid(struct ctx *c, const char *value)
{
	char *id = value ? g_mime_utils_decode_message_id(value) : NULL;
	const char *out = NULL;
	size_t n = id ? strlen(id) : 0;

	if (n && n <= 995 && !str_has_control(id, n) && !strpbrk(id, " <>") &&
	    str_utf8_valid(id, n, NULL))
		out = arena_strndup(c->a, id, n);
	g_free(id);
	return out;
}

static void id_list(struct ctx *c, const char *value, struct mail_ids *out)
{
	GMimeReferences *refs = value ? g_mime_references_parse(c->opts, value) : NULL;
	int n = refs ? g_mime_references_length(refs) : 0;

	out->n = 0;
	out->v = arena_array(c->a, n > 0 ? (size_t)n : 1, sizeof(*out->v));
	/* The newest are at the end of References: keep those when there are too many. */
	for (int i = n > IDS_MAX ? n - IDS_MAX : 0; i < n; i++) {
		const char *id = g_mime_references_get_message_id(refs, i);
		size_t len = id ? strlen(id) : 0;
		if (len && len <= 995 && !str_has_control(id, len) && str_utf8_valid(id, len, NULL) &&
		    !strpbrk(id, " <>"))
			out->v[out->n++] = arena_strndup(c->a, id, len);
	}
	if (refs)
		g_mime_references_free(refs);
}

static const char *header(struct ctx *c, GMimeObject *o, const char *name)
{
	const char *v = g_mime_object_get_header(o, name);
	size_t n;

	if (!v)
		return NULL;
	n = strlen(v);
	return clean(c->a, v, n > HEADER_MAX ? HEADER_MAX : n, true, NULL);
}

static void read_headers(struct ctx *c, GMimeMessage *msg)
{
	struct mail_inbound *m = c->m;
	GMimeObject *o = GMIME_OBJECT(msg);
	GMimeHeaderList *hl = g_mime_object_get_header_list(o);
	int count = hl ? g_mime_header_list_get_count(hl) : 0, ids = 0;
	const char *v, *subject;
	InternetAddress *first;

	for (int i = 0; i < count; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		if (g_ascii_strcasecmp(g_mime_header_get_name(h), "Message-ID") != 0)
			continue;
		if (ids++ == 0)
			m->message_id = msgid(c, g_mime_header_get_raw_value(h));
	}
	m->dup_message_id = ids > 1;
	m->no_message_id = !m->message_id;
	id_list(c, g_mime_object_get_header(o, "In-Reply-To"), &m->in_reply_to);
	id_list(c, g_mime_object_get_header(o, "References"), &m->references);

	subject = g_mime_message_get_subject(msg);
	m->subject = clean_line(c->a, subject ? subject : "");
	m->ticket_tag = text_ticket_tag(m->subject, strlen(m->subject));

	v = g_mime_object_get_header(o, "Date");
	if (v) {
		GDateTime *dt = g_mime_utils_header_decode_date(v);
		if (dt) {
			m->date_ms = (int64_t)g_date_time_to_unix(dt) * 1000 +
				     g_date_time_get_microsecond(dt) / 1000;
			g_date_time_unref(dt);
		}
	}
	m->no_date = m->date_ms == 0;

	/* The first From mailbox, with its name even when its address is no good. */
	if (mailboxes(g_mime_message_get_from(msg), &first, 1))
		mailbox(c, first, &m->from);
	else
		m->from.name = "";
	m->from_invalid = !m->from.addr;
	addr_list(c, g_mime_message_get_reply_to(msg), &m->reply_to);
	addr_list(c, g_mime_message_get_to(msg), &m->to);
	addr_list(c, g_mime_message_get_cc(msg), &m->cc);

	v = g_mime_object_get_header(o, "Return-Path");
	if (v) {
		size_t n;
		const char *t = str_trim(v, &n);
		bool empty = true;
		for (size_t i = 0; i < n; i++)
			if (t[i] != '<' && t[i] != '>' && t[i] != ' ' && t[i] != '\t')
				empty = false;
		m->null_return_path = empty;
		if (!empty)
			m->return_path = mail_inbound_addr(t, c->a);
	}
	m->auto_submitted = header(c, o, "Auto-Submitted");
	m->precedence = header(c, o, "Precedence");
	m->list_id = header(c, o, "List-Id");
	m->list_unsubscribe = header(c, o, "List-Unsubscribe");
	m->x_autoreply = header(c, o, "X-Autoreply");
	m->x_autorespond = header(c, o, "X-Autorespond");
	m->x_auto_response_suppress = header(c, o, "X-Auto-Response-Suppress");
	m->x_loop = header(c, o, "X-Loop");
}

/* Whether a message has at least one header a mail message has. */
static bool looks_like_mail(GMimeMessage *msg)
{
	static const char *const names[] = {"From", "To", "Subject", "Date", "Message-ID",
					    "Received", "Return-Path", "Cc", "MIME-Version"};
	GMimeObject *o = GMIME_OBJECT(msg);

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (g_mime_object_get_header(o, names[i]))
			return true;
	return false;
}

/* ---- parts ---- */

static void on_warning(gint64 offset, GMimeParserWarning code, const gchar *item, gpointer arg)
{
	struct ctx *c = arg;

	(void)offset;
	(void)item;
	switch (code) {
	case GMIME_WARN_TRUNCATED_MESSAGE:
		/* Only a cut multipart loses parts; a bare body without its last newline does not. */
		c->truncated_warning = true;
		break;
	case GMIME_WARN_MALFORMED_MULTIPART:
	case GMIME_WARN_MALFORMED_MESSAGE:
	case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
	case GMIME_CRIT_NESTING_OVERFLOW:
	case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
		if (!c->first_warning)
			c->first_warning = code;
		break;
	default: /* duplicated or 8-bit headers, odd parameters: read through */
		break;
	}
}

static const char *warning_reason(GMimeParserWarning code)
{
	switch (code) {
	case GMIME_WARN_MALFORMED_MULTIPART: return "a multipart has no parts";
	case GMIME_WARN_TRUNCATED_MESSAGE: return "the message is truncated";
	case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY: return "a multipart has no boundary";
	case GMIME_CRIT_NESTING_OVERFLOW: return "parts are nested too deep";
	case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT: return "a part has no headers or content";
	default: return "the message is malformed";
	}
}

static void degrade(struct ctx *c, const char *reason)
{
	if (!c->m->degraded) {
		c->m->degraded = true;
		c->m->degraded_reason = reason;
	}
}

/* "type/subtype" of a part, lower-case. */
static char *type_of(struct ctx *c, GMimeObject *o)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);
	const char *t = ct ? g_mime_content_type_get_media_type(ct) : NULL;
	const char *s = ct ? g_mime_content_type_get_media_subtype(ct) : NULL;

	if (!t || !s || !*t || !*s)
		return arena_strdup(c->a, "application/octet-stream");
	return str_lower_ascii(clean_line(c->a, arena_printf(c->a, "%s/%s", t, s)));
}

/* How many more bytes may be kept of one part. */
static size_t room(const struct ctx *c)
{
	size_t left = c->lim.total_max > c->total ? c->lim.total_max - c->total : 0;
	return left < c->lim.part_max ? left : c->lim.part_max;
}

/*
 * The decoded bytes of a leaf part, at most max of them, in the arena.
 * *over is set when there were more.
 */
static char *decode(struct ctx *c, GMimePart *part, size_t max, size_t *len, bool *over)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeStream *raw, *s;
	struct buf b;
	char *chunk, *out;

	*over = false;
	*len = 0;
	if (!w)
		return arena_strdup(c->a, "");
	raw = g_mime_data_wrapper_get_stream(w);
	if (!raw)
		return arena_strdup(c->a, "");
	g_mime_stream_reset(raw);
	s = g_mime_stream_filter_new(raw);
	switch (g_mime_data_wrapper_get_encoding(w)) {
	case GMIME_CONTENT_ENCODING_BASE64:
	case GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE:
	case GMIME_CONTENT_ENCODING_UUENCODE: {
		GMimeFilter *f = g_mime_filter_basic_new(g_mime_data_wrapper_get_encoding(w), FALSE);
		g_mime_stream_filter_add(GMIME_STREAM_FILTER(s), f);
		g_object_unref(f);
		break;
	}
	default:
		break;
	}
	buf_init(&b, max);
	chunk = xmalloc(CHUNK);
	for (;;) {
		ssize_t n = g_mime_stream_read(s, chunk, CHUNK);
		size_t take;
		if (n <= 0)
			break;
		take = (size_t)n;
		if (b.len + take > max) {
			take = max - b.len;
			*over = true;
		}
		buf_append(&b, chunk, take);
		if (*over)
			break;
	}
	free(chunk);
	g_object_unref(s);
	out = arena_alloc(c->a, b.len + 1);
	memcpy(out, buf_str(&b), b.len + 1);
	*len = b.len;
	buf_release(&b);
	return out;
}

static const char *extension_for(const char *type)
{
	static const struct {
		const char *type, *ext;
	} map[] = {
		{"image/png", ".png"}, {"image/jpeg", ".jpg"}, {"image/gif", ".gif"},
		{"image/webp", ".webp"}, {"application/pdf", ".pdf"}, {"text/plain", ".txt"},
		{"text/html", ".html"}, {"text/calendar", ".ics"}, {"message/rfc822", ".eml"},
		{"message/delivery-status", ".txt"}, {"text/rfc822-headers", ".txt"},
		{"application/pgp-signature", ".asc"}, {"application/zip", ".zip"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (strcmp(type, map[i].type) == 0)
			return map[i].ext;
	return ".bin";
}

/*
 * A name safe to show and to store: the last path segment, UTF-8, no
 * controls or characters Windows reserves, no "..", no leading dots.
 * NULL when nothing is left.
 */
static const char *safe_filename(struct ctx *c, const char *raw)
{
	const char *base, *p;
	struct buf b;
	char *s, *out = NULL;
	size_t len;

	if (!raw)
		return NULL;
	s = clean(c->a, raw, strlen(raw), false, NULL);
	base = s;
	for (p = s; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	buf_init(&b, BUF_NO_MAX);
	for (p = base; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch == '.' && (b.len == 0 || b.data[b.len - 1] == '.'))
			continue; /* no leading dots, no ".." */
		if (ch < 0x20 || ch == 0x7f || strchr(":*?\"<>|", ch))
			ch = '_';
		else if (ch == 0xc2 && (unsigned char)p[1] >= 0x80 && (unsigned char)p[1] <= 0x9f) {
			p++; /* a C1 control */
			ch = '_';
		}
		buf_putc(&b, (char)ch);
	}
	p = str_trim(buf_str(&b), &len);
	while (len && (p[len - 1] == '.' || p[len - 1] == ' '))
		len--;
	if (len > FILENAME_MAX_LEN) {
		len = FILENAME_MAX_LEN;
		while (len && ((unsigned char)p[len] & 0xc0) == 0x80)
			len--;
	}
	if (len)
		out = arena_strndup(c->a, p, len);
	buf_release(&b);
	return out;
}

static struct mail_attachment *add_attachment(struct ctx *c)
{
	if (c->natt == c->catt) {
		c->catt = c->catt ? c->catt * 2 : 8;
		c->att = xrealloc(c->att, c->catt * sizeof(*c->att));
	}
	memset(&c->att[c->natt], 0, sizeof(c->att[0]));
	return &c->att[c->natt++];
}

/* Keeps bytes as an attachment's content, or drops them past a cap. */
static void keep_bytes(struct ctx *c, struct mail_attachment *at, const char *data, size_t len,
		       bool over)
{
	if (over) {
		at->dropped = true;
		c->m->truncated = true;
		return;
	}
	at->data = data;
	at->len = len;
	c->total += len;
}

static void attach(struct ctx *c, GMimeObject *o, const char *type, bool is_inline,
		   const char *data, size_t len, bool over, const char *fallback_name)
{
	struct mail_attachment *at = add_attachment(c);
	const char *cid = g_mime_object_get_content_id(o);
	const char *name = GMIME_IS_PART(o) ? g_mime_part_get_filename(GMIME_PART(o)) : NULL;

	if (!name) {
		GMimeContentDisposition *d = g_mime_object_get_content_disposition(o);
		name = d ? g_mime_content_disposition_get_parameter(d, "filename") : NULL;
	}
	if (!name)
		name = g_mime_object_get_content_type_parameter(o, "name");
	at->filename = safe_filename(c, name);
	if (!at->filename && fallback_name)
		at->filename = safe_filename(c, fallback_name);
	if (!at->filename)
		at->filename = arena_printf(c->a, "attachment-%zu%s", c->natt, extension_for(type));
	at->content_type = type;
	at->content_id = cid && *cid ? msgid(c, arena_printf(c->a, "<%s>", cid)) : NULL;
	at->is_inline = is_inline;
	keep_bytes(c, at, data, len, over);
}

/* The Message-ID in a block of headers (text/rfc822-headers). */
static const char *headers_message_id(struct ctx *c, const char *s, size_t n)
{
	GByteArray *arr = g_byte_array_sized_new((guint)n + 2);
	GMimeStream *st;
	GMimeParser *p;
	GMimeMessage *msg;
	const char *id = NULL;

	g_byte_array_append(arr, (const guint8 *)s, (guint)n);
	g_byte_array_append(arr, (const guint8 *)"\n\n", 2);
	st = g_mime_stream_mem_new_with_byte_array(arr); /* owns arr */
	p = g_mime_parser_new_with_stream(st);
	msg = g_mime_parser_construct_message(p, c->opts);
	if (msg) {
		id = msgid(c, g_mime_object_get_header(GMIME_OBJECT(msg), "Message-ID"));
		g_object_unref(msg);
	}
	g_object_unref(p);
	g_object_unref(st);
	return id;
}

/* The value after "type;" of a DSN field ("rfc822; a@b" -> "a@b"). */
static const char *after_type(const char *v, size_t n, size_t *out_n)
{
	const char *semi = memchr(v, ';', n);
	if (semi) {
		n -= (size_t)(semi + 1 - v);
		v = semi + 1;
	}
	while (n && (*v == ' ' || *v == '\t'))
		v++, n--;
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r'))
		n--;
	*out_n = n;
	return v;
}

static void dsn_field(struct ctx *c, struct mail_dsn_rcpt *r, const char *name, size_t nl,
		      const char *v, size_t n)
{
	size_t vn;
	const char *val = after_type(v, n, &vn);
	char *s = clean(c->a, val, vn, true, NULL);

	if (nl == 15 && strncasecmp(name, "Final-Recipient", nl) == 0) {
		const char *addr = mail_inbound_addr(s, c->a);
		r->recipient = addr ? addr : s;
	} else if (nl == 18 && strncasecmp(name, "Original-Recipient", nl) == 0) {
		if (!r->recipient || !*r->recipient) {
			const char *addr = mail_inbound_addr(s, c->a);
			r->recipient = addr ? addr : s;
		}
	} else if (nl == 6 && strncasecmp(name, "Action", nl) == 0) {
		r->action = str_lower_ascii(s);
	} else if (nl == 6 && strncasecmp(name, "Status", nl) == 0) {
		s[strcspn(s, " \t(")] = '\0';
		r->status = s;
	} else if (nl == 15 && strncasecmp(name, "Diagnostic-Code", nl) == 0) {
		r->diagnostic = s;
	}
}

/*
 * message/delivery-status: groups of fields split by blank lines; the first
 * is about the message, each other about one recipient.
 */
static void parse_dsn(struct ctx *c, const char *s, size_t n)
{
	struct mail_inbound *m = c->m;
	struct mail_dsn_rcpt cur = {NULL, "", "", ""};
	const char *p = s, *end = s + n;
	bool any = false;

	if (!m->bounce_rcpts)
		m->bounce_rcpts = arena_array(c->a, RCPTS_MAX, sizeof(*m->bounce_rcpts));
	while (p <= end) {
		const char *eol = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
		const char *le = eol ? eol : end;
		size_t ll = (size_t)(le - p);
		bool blank_line = true;

		for (size_t i = 0; i < ll; i++)
			if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
				blank_line = false;
		if (blank_line) {
			if (any && cur.recipient && m->nbounce_rcpts < RCPTS_MAX)
				m->bounce_rcpts[m->nbounce_rcpts++] = cur;
			cur = (struct mail_dsn_rcpt){NULL, "", "", ""};
			any = false;
		} else if (p[0] != ' ' && p[0] != '\t') {
			/* One field, with its continuation lines. */
			const char *colon = memchr(p, ':', ll);
			const char *fe = le;
			while (fe < end && fe + 1 < end && (fe[1] == ' ' || fe[1] == '\t')) {
				const char *nx = memchr(fe + 1, '\n', (size_t)(end - fe - 1));
				fe = nx ? nx : end;
			}
			if (colon)
				dsn_field(c, &cur, p, (size_t)(colon - p), colon + 1,
					  (size_t)(fe - colon - 1));
			any = true;
			le = fe;
			eol = fe < end ? fe : NULL;
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	if (any && cur.recipient && m->nbounce_rcpts < RCPTS_MAX)
		m->bounce_rcpts[m->nbounce_rcpts++] = cur;
}

static void walk(struct ctx *c, GMimeObject *o, enum parent parent, int depth);

static void walk_multipart(struct ctx *c, GMimeMultipart *mp, const char *type, int depth)
{
	int n = g_mime_multipart_get_count(mp);
	enum parent kind = PARENT_MIXED;
	bool saved;

	if (strcmp(type, "multipart/alternative") == 0) {
		kind = PARENT_ALTERNATIVE;
	} else if (strcmp(type, "multipart/related") == 0) {
		kind = PARENT_RELATED;
	} else if (strcmp(type, "multipart/report") == 0) {
		const char *rt = g_mime_object_get_content_type_parameter(GMIME_OBJECT(mp),
									 "report-type");
		if (rt && g_ascii_strcasecmp(rt, "delivery-status") == 0) {
			c->m->bounce = true;
			kind = PARENT_REPORT;
		}
	}
	if (depth >= DEPTH_MAX) {
		degrade(c, "parts are nested too deep");
		return;
	}
	saved = c->alt_text_taken;
	c->alt_text_taken = false; /* each alternative gives one text */
	for (int i = 0; i < n; i++)
		walk(c, g_mime_multipart_get_part(mp, i), kind, depth + 1);
	c->alt_text_taken = saved;
}

static void walk_message(struct ctx *c, GMimeMessagePart *mp, const char *type, enum parent parent)
{
	GMimeMessage *inner = g_mime_message_part_get_message(mp);
	GMimeStream *s;
	GByteArray *arr;
	const char *id = NULL, *subject = NULL, *fallback = "forwarded.eml";
	char *data;
	size_t len, max = room(c);
	bool over;

	if (inner) {
		id = msgid(c, g_mime_object_get_header(GMIME_OBJECT(inner), "Message-ID"));
		subject = g_mime_message_get_subject(inner);
	}
	if (id && !c->eml_message_id)
		c->eml_message_id = id;
	if (parent == PARENT_REPORT && id && !c->m->bounce_message_id)
		c->m->bounce_message_id = id;
	if (subject && *subject)
		fallback = arena_printf(c->a, "%s.eml", subject);
	arr = g_byte_array_new();
	s = g_mime_stream_mem_new_with_byte_array(arr);
	if (inner)
		g_mime_object_write_to_stream(GMIME_OBJECT(inner), NULL, s);
	len = arr->len;
	over = len > max;
	data = arena_alloc(c->a, over ? 1 : len + 1);
	if (!over) {
		if (len)
			memcpy(data, arr->data, len);
		data[len] = '\0';
	}
	g_object_unref(s);
	attach(c, GMIME_OBJECT(mp), strcmp(type, "message/global") == 0 ? type : "message/rfc822",
	       false, over ? NULL : data, over ? 0 : len, over, fallback);
	if (c->natt && !strchr(c->att[c->natt - 1].filename, '.'))
		c->att[c->natt - 1].filename = arena_printf(c->a, "%s.eml", c->att[c->natt - 1].filename);
}

static bool disposed_as_attachment(GMimeObject *o)
{
	const char *d = g_mime_object_get_disposition(o);
	return d && g_ascii_strcasecmp(d, "attachment") == 0;
}

static bool disposed_inline(GMimeObject *o)
{
	const char *d = g_mime_object_get_disposition(o);
	return d && g_ascii_strcasecmp(d, "inline") == 0;
}

static void walk_leaf(struct ctx *c, GMimePart *part, const char *type, enum parent parent)
{
	GMimeObject *o = GMIME_OBJECT(part);
	const char *charset = g_mime_object_get_content_type_parameter(o, "charset");
	bool named = g_mime_part_get_filename(part) != NULL;
	bool body = !disposed_as_attachment(o) && !named;
	bool over, cut;
	size_t len, ulen;
	char *data;

	if (body && strcmp(type, "text/plain") == 0 &&
	    !(parent == PARENT_ALTERNATIVE && c->alt_text_taken)) {
		if (parent == PARENT_ALTERNATIVE)
			c->alt_text_taken = true;
		data = decode(c, part, room(c), &len, &over);
		data = to_utf8(c, data, len, charset, room(c), &ulen, &cut);
		if (over || cut)
			c->m->truncated = true;
		if (c->text.len && ulen)
			buf_puts(&c->text, "\n\n");
		buf_append(&c->text, data, ulen);
		c->total += ulen;
		c->have_text = true;
		return;
	}
	if (body && strcmp(type, "text/html") == 0 && !c->html_raw) {
		data = decode(c, part, room(c), &len, &over);
		c->html_raw = to_utf8(c, data, len, charset, room(c), &c->html_raw_len, &cut);
		if (over || cut)
			c->m->truncated = true;
		c->total += c->html_raw_len;
		return;
	}
	if (body && parent == PARENT_ALTERNATIVE &&
	    (strcmp(type, "text/plain") == 0 || strcmp(type, "text/html") == 0))
		return; /* another rendering of what we have */
	if (parent == PARENT_REPORT && (strcmp(type, "message/delivery-status") == 0 ||
					strcmp(type, "message/global-delivery-status") == 0)) {
		data = decode(c, part, room(c), &len, &over);
		parse_dsn(c, data, len);
		attach(c, o, type, false, data, len, over, "delivery-status.txt");
		return;
	}
	if (strcmp(type, "text/rfc822-headers") == 0 ||
	    strcmp(type, "message/global-headers") == 0) {
		data = decode(c, part, room(c), &len, &over);
		if (parent == PARENT_REPORT && !c->m->bounce_message_id)
			c->m->bounce_message_id = headers_message_id(c, data, len);
		attach(c, o, type, false, data, len, over, "original-headers.txt");
		return;
	}
	data = decode(c, part, room(c), &len, &over);
	attach(c, o, type,
	       disposed_inline(o) ||
		       (!disposed_as_attachment(o) && parent == PARENT_RELATED &&
			g_mime_object_get_content_id(o)),
	       data, len, over,
	       strcmp(type, "application/ms-tnef") == 0 ? "winmail.dat" : NULL);
}

static void walk(struct ctx *c, GMimeObject *o, enum parent parent, int depth)
{
	const char *type;

	if (!o)
		return;
	if (++c->parts > c->lim.parts_max) {
		c->m->truncated = true;
		return;
	}
	type = type_of(c, o);
	if (GMIME_IS_MULTIPART(o))
		walk_multipart(c, GMIME_MULTIPART(o), type, depth);
	else if (GMIME_IS_MESSAGE_PART(o))
		walk_message(c, GMIME_MESSAGE_PART(o), type, parent);
	else if (GMIME_IS_PART(o))
		walk_leaf(c, GMIME_PART(o), type, parent);
}

/* ---- the whole message ---- */

/* Bounces that are not multipart/report: the old formats, by their looks. */
static bool looks_like_bounce(const struct mail_inbound *m)
{
	static const char *const subjects[] = {
		"undeliverable", "undelivered mail", "delivery status notification",
		"mail delivery failed", "returned mail", "failure notice",
		"delivery failure", "mail delivery system", "unzustellbar",
	};
	bool daemon = m->null_return_path ||
		      (m->from.addr && (strncasecmp(m->from.addr, "mailer-daemon@", 14) == 0 ||
					strncasecmp(m->from.addr, "postmaster@", 11) == 0));

	if (!daemon)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(subjects); i++)
		if (strcasestr(m->subject, subjects[i]))
			return true;
	return false;
}

/* The raw source, kept whole as message.eml when the message could not be read. */
static void keep_source(struct ctx *c, const char *raw, size_t len)
{
	struct mail_attachment *at = add_attachment(c);
	bool over = len > c->lim.part_max;
	char *copy = NULL;

	if (!over) {
		copy = arena_alloc(c->a, len + 1);
		if (len)
			memcpy(copy, raw, len);
		copy[len] = '\0';
	}
	at->filename = "message.eml";
	at->content_type = "message/rfc822";
	keep_bytes(c, at, copy, len, over);
}

/* Whether raw ends lines both with CRLF and with a bare LF. */
static bool mixed_line_ends(const char *raw, size_t len)
{
	bool crlf = false, lf = false;
	const char *p = raw, *end = raw + len;

	while (p < end && !(crlf && lf)) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		if (nl > raw && nl[-1] == '\r')
			crlf = true;
		else
			lf = true;
		p = nl + 1;
	}
	return crlf && lf;
}

/*
 * raw with every CRLF made LF, malloc'd. GMime reads the line end of the
 * first line as the message's, and cuts a byte too many before each
 * boundary when a part's lines end otherwise.
 */
static char *lf_only(const char *raw, size_t len, size_t *out_len)
{
	char *out = xmalloc(len ? len : 1);
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (!(raw[i] == '\r' && i + 1 < len && raw[i + 1] == '\n'))
			out[n++] = raw[i];
	*out_len = n;
	return out;
}

/* A stream over raw without copying it (GMime only reads it). */
static GMimeStream *borrow_stream(const char *raw, size_t len, GByteArray **arr)
{
	GMimeStream *s;

	*arr = NULL;
	if (!raw || !len)
		return g_mime_stream_mem_new();
	*arr = g_byte_array_new_take((guint8 *)raw, len);
	s = g_mime_stream_mem_new_with_byte_array(*arr);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(s), FALSE);
	return s;
}

void mail_inbound_parse(struct mail_inbound *m, const char *raw, size_t len,
			const struct mail_limits *lim, struct arena *a)
{
	static const char *fallback_charsets[] = {"UTF-8", "windows-1252", NULL};
	static const struct mail_limits defaults = MAIL_LIMITS_DEFAULT;
	struct ctx c = {.m = m, .a = a};
	GByteArray *borrowed = NULL;
	GMimeStream *stream = NULL;
	GMimeParser *parser = NULL;
	GMimeMessage *msg = NULL;
	char *lf_copy = NULL;
	size_t lf_len = 0;

	memset(m, 0, sizeof(*m));
	c.lim = lim ? *lim : defaults;
	buf_init(&c.text, c.lim.part_max + 1);
	c.opts = g_mime_parser_options_new();
	g_mime_parser_options_set_rfc2047_compliance_mode(c.opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(c.opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_address_compliance_mode(c.opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_fallback_charsets(c.opts, fallback_charsets);
	g_mime_parser_options_set_warning_callback(c.opts, on_warning, &c);

	if (mixed_line_ends(raw, len)) /* only then: a consistent message is read as sent */
		lf_copy = lf_only(raw, len, &lf_len);
	stream = lf_copy ? borrow_stream(lf_copy, lf_len, &borrowed)
			 : borrow_stream(raw, len, &borrowed);
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_persist_stream(parser, TRUE); /* parts point into raw: no copies */
	msg = len ? g_mime_parser_construct_message(parser, c.opts) : NULL;
	if (!msg || !looks_like_mail(msg)) {
		degrade(&c, len ? "no mail headers" : "the message is empty");
		if (msg)
			read_headers(&c, msg);
		goto out;
	}
	read_headers(&c, msg);
	walk(&c, g_mime_message_get_mime_part(msg), PARENT_TOP, 0);
	if (c.first_warning)
		degrade(&c, warning_reason(c.first_warning));
	else if (c.truncated_warning && GMIME_IS_MULTIPART(g_mime_message_get_mime_part(msg)))
		degrade(&c, warning_reason(GMIME_WARN_TRUNCATED_MESSAGE));
	if (!m->bounce && looks_like_bounce(m))
		m->bounce = true;
	if (m->bounce && !m->bounce_message_id)
		m->bounce_message_id = c.eml_message_id;
out:
	if (m->degraded) {
		keep_source(&c, raw, len);
		if (!m->subject || !*m->subject)
			m->subject = UNPARSEABLE;
	}
	if (!m->subject)
		m->subject = "";
	if (!m->from.name)
		m->from.name = "";
	if (!m->message_id)
		m->no_message_id = true;
	if (!m->date_ms)
		m->no_date = true;
	if (!m->from.addr)
		m->from_invalid = true;
	if (c.html_raw) {
		bool cut = false;
		m->html = mail_html_sanitize(c.html_raw, c.html_raw_len, c.lim.part_max, a,
					     &m->html_len, &cut);
		m->truncated |= cut;
		if (!c.have_text) {
			char *t = mail_html_to_text(c.html_raw, c.html_raw_len, c.lim.part_max, a,
						    NULL, &cut);
			m->truncated |= cut;
			buf_puts(&c.text, t);
			m->text_from_html = true;
		}
	}
	m->text = clean(a, buf_str(&c.text), c.text.len, false, &m->text_len);
	text_fold_points(m->text, m->text_len, &m->fold);
	m->attachments = arena_array(a, c.natt ? c.natt : 1, sizeof(*m->attachments));
	if (c.natt)
		memcpy(m->attachments, c.att, c.natt * sizeof(*c.att));
	m->nattachments = c.natt;
	if (!m->bounce_rcpts)
		m->bounce_rcpts = arena_array(a, 1, sizeof(*m->bounce_rcpts));
	free(c.att);
	buf_release(&c.text);
	if (msg)
		g_object_unref(msg);
	g_object_unref(parser);
	g_object_unref(stream);
	if (borrowed)
		g_byte_array_steal(borrowed, NULL); /* frees the array, not raw */
	free(lf_copy);
	g_mime_parser_options_free(c.opts);
}
