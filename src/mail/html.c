/* html.c - HTML mail to text and to a sanitised allow-listed HTML, with gumbo. */
#include "util/common.h"
#include "mail/html.h"
#include "util/buf.h"
#include "util/xalloc.h"

#include <gumbo.h>

#define LIST_DEPTH 16 /* nested lists whose markers we number */
#define LINK_DEPTH 8  /* nested links whose targets we print */
#define URL_MAX 2048  /* longer link targets are dropped */
#define DEPTH_MAX 1000 /* deeper markup is read as text (see nesting) */

/* ---- walking a gumbo tree without recursion (mail can nest without end) ---- */

struct walker {
	bool (*enter)(void *ctx, GumboNode *n); /* true: visit the children, then leave */
	void (*leave)(void *ctx, GumboNode *n);
	void *ctx;
};

static GumboVector *kids(GumboNode *n)
{
	if (n->type == GUMBO_NODE_DOCUMENT)
		return &n->v.document.children;
	if (n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE)
		return &n->v.element.children;
	return NULL;
}

/* The next sibling of n under its parent, or NULL. */
static GumboNode *next_sibling(GumboNode *n)
{
	GumboVector *pk = kids(n->parent);
	size_t i = n->index_within_parent;

	if (!pk)
		return NULL;
	if (i >= pk->length || pk->data[i] != n) /* not where it says: look for it */
		for (i = 0; i < pk->length && pk->data[i] != n; i++)
			;
	return i + 1 < pk->length ? pk->data[i + 1] : NULL;
}

static void walk(GumboNode *root, const struct walker *w)
{
	GumboNode *n = root;

	for (;;) {
		bool into = w->enter(w->ctx, n);
		GumboVector *k = kids(n);

		if (into && k && k->length) {
			n = k->data[0];
			continue;
		}
		if (into)
			w->leave(w->ctx, n);
		for (;;) {
			GumboNode *sib;
			if (n == root || !n->parent)
				return;
			sib = next_sibling(n);
			if (sib) {
				n = sib;
				break;
			}
			n = n->parent;
			w->leave(w->ctx, n);
		}
	}
}

/*
 * How deep the elements of html nest, by counting start and end tags
 * without parsing: tags that never nest in a parsed tree (void elements,
 * and p, li, td, tr and such, which close their open sibling) are left out,
 * so it errs on the high side only for broken markup. gumbo's tree building
 * is quadratic in the depth (each block start tag looks through the stack
 * of open elements), so markup deeper than DEPTH_MAX is never given to it.
 */
static size_t nesting(const char *s, size_t n)
{
	static const char *const flat[] = {
		"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
		"param", "source", "track", "wbr", "p", "li", "dt", "dd", "td", "th", "tr",
		"option", "optgroup", "thead", "tbody", "tfoot", "colgroup", "caption", "rp", "rt",
	};
	size_t depth = 0, max = 0;

	for (const char *p = s, *end = s + n; p && p < end; p = memchr(p, '<', (size_t)(end - p))) {
		bool close = false;
		char name[16];
		size_t k = 0;

		p++;
		if (p < end && *p == '/') {
			close = true;
			p++;
		}
		while (p < end && k < sizeof(name) - 1 &&
		       ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			name[k++] = (char)(*p++ | 0x20);
		name[k] = '\0';
		if (k == 0)
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(flat); i++)
			if (strcmp(name, flat[i]) == 0)
				goto next;
		if (close) {
			depth -= depth > 0;
		} else if (++depth > max) {
			max = depth;
		}
	next:;
	}
	return max;
}

/* Markup too deep for gumbo, read as text: tags dropped, blanks collapsed. */
static void flatten(const char *s, size_t n, struct buf *out)
{
	bool in_tag = false, space = false;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (in_tag) {
			in_tag = c != '>';
			continue;
		}
		if (c == '<') {
			in_tag = true;
			space = out->len > 0;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\0') {
			space = out->len > 0;
			continue;
		}
		if (space && buf_putc(out, ' ') < 0)
			return;
		space = false;
		if (buf_putc(out, c) < 0)
			return;
	}
}

static GumboOutput *parse(const char *html, size_t len)
{
	GumboOptions o = kGumboDefaultOptions;

	o.max_errors = 0; /* we never read them */
	return gumbo_parse_with_options(&o, html ? html : "", html ? len : 0);
}

static bool is_html(GumboNode *n)
{
	return n->v.element.tag_namespace == GUMBO_NAMESPACE_HTML;
}

static const char *attr(GumboNode *n, const char *name)
{
	GumboAttribute *a = gumbo_get_attribute(&n->v.element.attributes, name);
	return a ? a->value : NULL;
}

/* Elements whose content is never text to read: code, metadata, controls. */
static bool opaque(GumboTag t)
{
	switch (t) {
	case GUMBO_TAG_SCRIPT: case GUMBO_TAG_STYLE: case GUMBO_TAG_HEAD: case GUMBO_TAG_TITLE:
	case GUMBO_TAG_TEMPLATE: case GUMBO_TAG_NOSCRIPT: case GUMBO_TAG_IFRAME:
	case GUMBO_TAG_OBJECT: case GUMBO_TAG_EMBED: case GUMBO_TAG_APPLET: case GUMBO_TAG_FRAME:
	case GUMBO_TAG_FRAMESET: case GUMBO_TAG_NOFRAMES: case GUMBO_TAG_SELECT:
	case GUMBO_TAG_TEXTAREA: case GUMBO_TAG_BUTTON: case GUMBO_TAG_SVG: case GUMBO_TAG_MATH:
	case GUMBO_TAG_META: case GUMBO_TAG_LINK: case GUMBO_TAG_BASE: case GUMBO_TAG_FORM:
	case GUMBO_TAG_INPUT: case GUMBO_TAG_XMP: case GUMBO_TAG_PLAINTEXT: case GUMBO_TAG_AUDIO:
	case GUMBO_TAG_VIDEO: case GUMBO_TAG_CANVAS: case GUMBO_TAG_NOEMBED:
		return true;
	default:
		return false;
	}
}

/*
 * A link target fit to follow: http, https, mailto or a fragment, with the
 * blanks and controls a browser would ignore taken out first. Written to
 * out (URL_MAX bytes); NULL when the target is anything else.
 */
static const char *safe_url(const char *v, char out[URL_MAX])
{
	size_t n = 0;

	for (const char *p = v; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= 0x20 || c == 0x7f)
			continue;
		if (n + 1 >= URL_MAX)
			return NULL;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	if (n == 0)
		return NULL;
	if (out[0] == '#' || strncasecmp(out, "http://", 7) == 0 ||
	    strncasecmp(out, "https://", 8) == 0 || strncasecmp(out, "mailto:", 7) == 0)
		return out;
	return NULL;
}

/* ---- to text ---- */

struct text_out {
	struct buf b;
	bool full;        /* the cap was reached: write nothing more */
	int pending_nl;   /* line breaks owed before the next text */
	bool space;       /* a space owed before the next text */
	bool line_start;  /* the next byte starts a line */
	int quote;        /* blockquote depth: "> " per level at each line start */
	int pre;          /* inside <pre>: white space kept */
	int lists;        /* list nesting */
	struct { bool ordered; int next; } list[LIST_DEPTH];
	int links;
	struct { size_t start; char url[URL_MAX]; bool ok; } link[LINK_DEPTH];
};

static void put(struct text_out *t, const char *p, size_t n)
{
	if (!t->full && buf_append(&t->b, p, n) < 0)
		t->full = true;
}

static void start_line(struct text_out *t)
{
	if (t->b.len)
		put(t, "\n", 1);
	t->line_start = true;
}

/* Pays the owed breaks and the quote marks, before a piece of text. */
static void settle(struct text_out *t)
{
	if (t->b.len == 0) {
		t->pending_nl = 0;
		t->line_start = true;
	}
	for (; t->pending_nl > 0; t->pending_nl--) {
		start_line(t);
		t->space = false;
	}
	if (t->line_start) {
		for (int i = 0; i < t->quote; i++)
			put(t, "> ", 2);
		t->line_start = false;
		t->space = false;
	}
	if (t->space) {
		put(t, " ", 1);
		t->space = false;
	}
}

static void brk(struct text_out *t, int n)
{
	if (t->pending_nl < n)
		t->pending_nl = n;
	t->space = false;
}

static void text(struct text_out *t, const char *s)
{
	for (const char *p = s; *p && !t->full;) {
		if (t->pre) {
			const char *e = p + strcspn(p, "\n");
			if (e > p) {
				settle(t);
				put(t, p, (size_t)(e - p));
			}
			if (*e == '\n') {
				t->pending_nl++;
				e++;
			}
			p = e;
			continue;
		}
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f') {
			if (!t->line_start && t->b.len && t->pending_nl == 0)
				t->space = true;
			p++;
			continue;
		}
		const char *e = p + strcspn(p, " \t\n\r\f");
		settle(t);
		put(t, p, (size_t)(e - p));
		p = e;
	}
}

static bool block(GumboTag tag, int *lines)
{
	switch (tag) {
	case GUMBO_TAG_P: case GUMBO_TAG_H1: case GUMBO_TAG_H2: case GUMBO_TAG_H3:
	case GUMBO_TAG_H4: case GUMBO_TAG_H5: case GUMBO_TAG_H6: case GUMBO_TAG_TABLE:
	case GUMBO_TAG_UL: case GUMBO_TAG_OL: case GUMBO_TAG_PRE: case GUMBO_TAG_BLOCKQUOTE:
	case GUMBO_TAG_DL:
		*lines = 2;
		return true;
	case GUMBO_TAG_DIV: case GUMBO_TAG_TR: case GUMBO_TAG_LI: case GUMBO_TAG_DT:
	case GUMBO_TAG_DD: case GUMBO_TAG_ADDRESS: case GUMBO_TAG_SECTION:
	case GUMBO_TAG_ARTICLE: case GUMBO_TAG_HEADER: case GUMBO_TAG_FOOTER:
	case GUMBO_TAG_CENTER: case GUMBO_TAG_CAPTION: case GUMBO_TAG_FIGURE: case GUMBO_TAG_MAIN:
	case GUMBO_TAG_NAV: case GUMBO_TAG_ASIDE:
		*lines = 1;
		return true;
	default:
		return false;
	}
}

static bool text_enter(void *ctx, GumboNode *n)
{
	struct text_out *t = ctx;
	GumboTag tag;
	int lines;

	if (t->full)
		return false;
	if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE ||
	    n->type == GUMBO_NODE_CDATA) {
		text(t, n->v.text.text);
		return false;
	}
	if (n->type == GUMBO_NODE_DOCUMENT)
		return true;
	if (n->type != GUMBO_NODE_ELEMENT)
		return false;
	tag = n->v.element.tag;
	if (!is_html(n) || opaque(tag))
		return false;
	if (block(tag, &lines))
		brk(t, lines);
	switch (tag) {
	case GUMBO_TAG_BR:
		settle(t);
		t->pending_nl = 1;
		return false;
	case GUMBO_TAG_HR:
		brk(t, 1);
		settle(t);
		put(t, "---", 3);
		brk(t, 1);
		return false;
	case GUMBO_TAG_IMG: {
		const char *alt = attr(n, "alt");
		if (alt && *alt) {
			settle(t);
			put(t, "[", 1);
			text(t, alt);
			put(t, "]", 1);
		}
		return false;
	}
	case GUMBO_TAG_TD: case GUMBO_TAG_TH:
		t->space = t->b.len && !t->line_start && t->pending_nl == 0;
		break;
	case GUMBO_TAG_BLOCKQUOTE:
		t->quote++;
		break;
	case GUMBO_TAG_PRE:
		t->pre++;
		break;
	case GUMBO_TAG_UL: case GUMBO_TAG_OL:
		if (t->lists < LIST_DEPTH) {
			const char *start = attr(n, "start");
			t->list[t->lists].ordered = tag == GUMBO_TAG_OL;
			t->list[t->lists].next = 1;
			if (start && *start >= '1' && *start <= '9' && strlen(start) < 6)
				t->list[t->lists].next = (int)strtol(start, NULL, 10);
		}
		t->lists++;
		break;
	case GUMBO_TAG_LI: {
		char mark[32];
		int depth = t->lists > 0 ? t->lists - 1 : 0;
		settle(t);
		for (int i = 0; i < depth && i < LIST_DEPTH; i++)
			put(t, "  ", 2);
		if (t->lists > 0 && t->lists <= LIST_DEPTH && t->list[t->lists - 1].ordered)
			snprintf(mark, sizeof(mark), "%d. ", t->list[t->lists - 1].next++);
		else
			snprintf(mark, sizeof(mark), "- ");
		put(t, mark, strlen(mark));
		break;
	}
	case GUMBO_TAG_A:
		if (t->links < LINK_DEPTH) {
			const char *href = attr(n, "href");
			t->link[t->links].start = t->b.len;
			t->link[t->links].ok = href && safe_url(href, t->link[t->links].url) &&
					       t->link[t->links].url[0] != '#';
		}
		t->links++;
		break;
	default:
		break;
	}
	return true;
}

/* Whether the text of a link already says where it goes. */
static bool says_url(const char *txt, size_t n, const char *url)
{
	if (strncasecmp(url, "mailto:", 7) == 0)
		url += 7;
	while (n && (*txt == ' ' || *txt == '<'))
		txt++, n--;
	while (n && (txt[n - 1] == ' ' || txt[n - 1] == '>'))
		n--;
	return n == strlen(url) && strncasecmp(txt, url, n) == 0;
}

static void text_leave(void *ctx, GumboNode *n)
{
	struct text_out *t = ctx;
	GumboTag tag;
	int lines;

	if (n->type != GUMBO_NODE_ELEMENT)
		return;
	tag = n->v.element.tag;
	switch (tag) {
	case GUMBO_TAG_BLOCKQUOTE:
		t->quote--; /* the lines after it carry one mark fewer */
		break;
	case GUMBO_TAG_PRE:
		t->pre--;
		break;
	case GUMBO_TAG_UL: case GUMBO_TAG_OL:
		t->lists--;
		break;
	case GUMBO_TAG_A:
		t->links--;
		if (t->links < LINK_DEPTH && t->link[t->links].ok) {
			size_t s = t->link[t->links].start;
			const char *url = t->link[t->links].url;
			if (t->b.len > s && !says_url(t->b.data + s, t->b.len - s, url)) {
				settle(t);
				put(t, " (", 2);
				put(t, url, strlen(url));
				put(t, ")", 1);
			} else if (t->b.len == s) {
				settle(t);
				put(t, url, strlen(url));
			}
		}
		break;
	default:
		break;
	}
	if (block(tag, &lines))
		brk(t, lines);
}

char *mail_html_to_text(const char *html, size_t len, size_t max, struct arena *a,
			size_t *out_len, bool *truncated)
{
	GumboOutput *g = NULL;
	struct text_out *t = xcalloc(1, sizeof(*t));
	struct walker w = {text_enter, text_leave, NULL};
	char *out;

	w.ctx = t;
	buf_init(&t->b, max);
	t->line_start = true;
	if (nesting(html, len) > DEPTH_MAX) {
		flatten(html, len, &t->b);
		t->full = t->b.len == max;
		goto out;
	}
	g = parse(html, len);
	walk(g->document, &w);
	gumbo_destroy_output(&kGumboDefaultOptions, g);
out:
	out = arena_strndup(a, buf_str(&t->b), t->b.len);
	if (out_len)
		*out_len = t->b.len;
	if (truncated)
		*truncated = t->full;
	buf_release(&t->b);
	free(t);
	return out;
}

/* ---- sanitise ---- */

struct html_out {
	struct buf b;
	bool full;
};

static void hput(struct html_out *h, const char *p, size_t n)
{
	if (!h->full && buf_append(&h->b, p, n) < 0)
		h->full = true;
}

static void hputs(struct html_out *h, const char *s)
{
	hput(h, s, strlen(s));
}

static void escape(struct html_out *h, const char *s)
{
	for (const char *p = s; *p && !h->full;) {
		size_t run = strcspn(p, "&<>\"'");
		hput(h, p, run);
		p += run;
		switch (*p) {
		case '&': hputs(h, "&amp;"); break;
		case '<': hputs(h, "&lt;"); break;
		case '>': hputs(h, "&gt;"); break;
		case '"': hputs(h, "&quot;"); break;
		case '\'': hputs(h, "&#39;"); break;
		default: return;
		}
		p++;
	}
}

static bool allowed_tag(GumboTag t)
{
	switch (t) {
	case GUMBO_TAG_A: case GUMBO_TAG_ABBR: case GUMBO_TAG_B: case GUMBO_TAG_BIG:
	case GUMBO_TAG_BLOCKQUOTE: case GUMBO_TAG_BR: case GUMBO_TAG_CAPTION:
	case GUMBO_TAG_CENTER: case GUMBO_TAG_CITE: case GUMBO_TAG_CODE: case GUMBO_TAG_COL:
	case GUMBO_TAG_COLGROUP: case GUMBO_TAG_DD: case GUMBO_TAG_DEL: case GUMBO_TAG_DIV:
	case GUMBO_TAG_DL: case GUMBO_TAG_DT: case GUMBO_TAG_EM: case GUMBO_TAG_FONT:
	case GUMBO_TAG_H1: case GUMBO_TAG_H2: case GUMBO_TAG_H3: case GUMBO_TAG_H4:
	case GUMBO_TAG_H5: case GUMBO_TAG_H6: case GUMBO_TAG_HR: case GUMBO_TAG_I:
	case GUMBO_TAG_IMG: case GUMBO_TAG_INS: case GUMBO_TAG_KBD: case GUMBO_TAG_LI:
	case GUMBO_TAG_OL: case GUMBO_TAG_P: case GUMBO_TAG_PRE: case GUMBO_TAG_Q:
	case GUMBO_TAG_S: case GUMBO_TAG_SAMP: case GUMBO_TAG_SMALL: case GUMBO_TAG_SPAN:
	case GUMBO_TAG_STRIKE: case GUMBO_TAG_STRONG: case GUMBO_TAG_SUB: case GUMBO_TAG_SUP:
	case GUMBO_TAG_TABLE: case GUMBO_TAG_TBODY: case GUMBO_TAG_TD: case GUMBO_TAG_TFOOT:
	case GUMBO_TAG_TH: case GUMBO_TAG_THEAD: case GUMBO_TAG_TR: case GUMBO_TAG_TT:
	case GUMBO_TAG_U: case GUMBO_TAG_UL: case GUMBO_TAG_VAR:
		return true;
	default:
		return false;
	}
}

static bool void_tag(GumboTag t)
{
	return t == GUMBO_TAG_BR || t == GUMBO_TAG_HR || t == GUMBO_TAG_IMG || t == GUMBO_TAG_COL;
}

/* Presentational attributes that can neither run code nor load anything. */
static bool allowed_attr(const char *name)
{
	static const char *const ok[] = {
		"alt", "title", "dir", "lang", "align", "valign", "width", "height", "colspan",
		"rowspan", "border", "cellpadding", "cellspacing", "start", "color", "face",
		"size", "span", "summary", "cite",
	};

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
		if (strcmp(name, ok[i]) == 0)
			return true;
	return false;
}

static void put_attr(struct html_out *h, const char *name, const char *value)
{
	hputs(h, " ");
	hputs(h, name);
	hputs(h, "=\"");
	escape(h, value);
	hputs(h, "\"");
}

static void open_tag(struct html_out *h, GumboNode *n)
{
	GumboTag tag = n->v.element.tag;
	GumboVector *attrs = &n->v.element.attributes;
	char url[URL_MAX];

	hputs(h, "<");
	hputs(h, gumbo_normalized_tagname(tag));
	for (size_t i = 0; i < attrs->length; i++) {
		GumboAttribute *at = attrs->data[i];
		if (strcmp(at->name, "cite") == 0)
			continue; /* a URL, never followed by us: not worth checking */
		if (allowed_attr(at->name))
			put_attr(h, at->name, at->value);
	}
	if (tag == GUMBO_TAG_A) {
		const char *href = attr(n, "href");
		if (href && safe_url(href, url)) {
			put_attr(h, "href", url);
			if (url[0] != '#')
				hputs(h, " rel=\"noopener noreferrer nofollow\" target=\"_blank\"");
		}
	} else if (tag == GUMBO_TAG_IMG) {
		const char *src = attr(n, "src");
		size_t skip = 0;
		while (src && src[skip] && (unsigned char)src[skip] <= 0x20)
			skip++;
		if (src && strncasecmp(src + skip, "cid:", 4) == 0 && !strpbrk(src + skip, "\"<>"))
			put_attr(h, "src", src + skip);
		else if (src || attr(n, "srcset"))
			hputs(h, " data-blocked=\"remote\"");
	}
	hputs(h, ">");
}

static bool html_enter(void *ctx, GumboNode *n)
{
	struct html_out *h = ctx;
	GumboTag tag;

	if (h->full)
		return false;
	switch (n->type) {
	case GUMBO_NODE_DOCUMENT:
		return true;
	case GUMBO_NODE_TEXT: case GUMBO_NODE_WHITESPACE: case GUMBO_NODE_CDATA:
		escape(h, n->v.text.text);
		return false;
	case GUMBO_NODE_ELEMENT:
		break;
	default: /* comments, templates */
		return false;
	}
	tag = n->v.element.tag;
	if (!is_html(n) || opaque(tag))
		return false;
	if (allowed_tag(tag))
		open_tag(h, n);
	return !void_tag(tag);
}

static void html_leave(void *ctx, GumboNode *n)
{
	struct html_out *h = ctx;
	GumboTag tag;

	if (n->type != GUMBO_NODE_ELEMENT)
		return;
	tag = n->v.element.tag;
	if (allowed_tag(tag) && !void_tag(tag)) {
		hputs(h, "</");
		hputs(h, gumbo_normalized_tagname(tag));
		hputs(h, ">");
	}
}

char *mail_html_sanitize(const char *html, size_t len, size_t max, struct arena *a,
			 size_t *out_len, bool *truncated)
{
	struct html_out h = {.full = false};
	struct walker w = {html_enter, html_leave, &h};
	GumboOutput *g;
	char *out;

	buf_init(&h.b, max);
	if (nesting(html, len) > DEPTH_MAX) {
		struct buf flat;
		buf_init(&flat, max);
		flatten(html, len, &flat);
		hputs(&h, "<div>");
		escape(&h, buf_str(&flat));
		hputs(&h, "</div>");
		buf_release(&flat);
		goto out;
	}
	g = parse(html, len);
	walk(g->document, &w);
	gumbo_destroy_output(&kGumboDefaultOptions, g);
out:
	out = arena_strndup(a, buf_str(&h.b), h.b.len);
	if (out_len)
		*out_len = h.b.len;
	if (truncated)
		*truncated = h.full;
	buf_release(&h.b);
	return out;
}
