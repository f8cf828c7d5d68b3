/*
 * test_inbound.c - tests of src/mail/inbound.c (and mail/html, rules/text,
 * mail/guard through it): every message of tests/fixtures/mail/NNN-*.eml
 * against its sidecar NNN-*.expect, then caps with big parts made here,
 * and bytes that are no mail at all.
 *
 * An .expect file holds "key: value" lines ('#' starts a comment; "\n" in
 * a value is a line break). The keys are in the table `checks` below and
 * in tests/fixtures/mail/README.md.
 */
#include "util/common.h"
#include "mail/guard.h"
#include "mail/inbound.h"
#include "util/buf.h"
#include "util/rng.h"
#include "util/str.h"
#include "util/time.h"
#include "util/xalloc.h"
#include "testlib.h"

#include <dirent.h>
#include <gmime/gmime.h>

#define OWN_DEFAULT "support@desk.example"
#define OWN_MAX 8

/* One message parsed, with what the checks need besides it. */
struct subject {
	struct mail_inbound m;
	struct mail_guard g;
	const char *name;
	int failures;
};

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	struct buf b;
	char chunk[8192];
	size_t n;

	assert_non_null(fp);
	buf_init(&b, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		assert_int_equal(buf_append(&b, chunk, n), 0);
	fclose(fp);
	return buf_detach(&b, len);
}

static PRINTF_LIKE(2, 3) void miss(struct subject *s, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL %s: ", s->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	s->failures++;
}

static bool yes(const char *v)
{
	return strcmp(v, "yes") == 0;
}

static const char *yn(bool b)
{
	return b ? "yes" : "no";
}

static void check_bool(struct subject *s, const char *key, bool got, const char *want)
{
	if (got != yes(want))
		miss(s, "%s: got %s, want %s", key, yn(got), want);
}

static void check_str(struct subject *s, const char *key, const char *got, const char *want)
{
	if (strcmp(want, "none") == 0 ? got != NULL : !got || strcmp(got, want) != 0)
		miss(s, "%s: got '%s', want '%s'", key, got ? got : "(none)", want);
}

static bool has(const char *hay, size_t n, const char *needle)
{
	return hay && memmem(hay, n, needle, strlen(needle)) != NULL;
}

/* "N rest": the 1-based attachment N, or NULL (and a failure). */
static const struct mail_attachment *nth(struct subject *s, const char *v, const char **rest)
{
	char *end;
	long i = strtol(v, &end, 10);

	*rest = end + strspn(end, " ");
	if (i < 1 || (size_t)i > s->m.nattachments) {
		miss(s, "no attachment %ld (there are %zu)", i, s->m.nattachments);
		return NULL;
	}
	return &s->m.attachments[i - 1];
}

static bool in_list(const struct mail_addr_list *l, const char *addr)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].addr, addr) == 0)
			return true;
	return false;
}

static void check(struct subject *s, const char *key, const char *v)
{
	const struct mail_inbound *m = &s->m;
	const struct mail_attachment *at;
	const char *rest;

	if (strcmp(key, "subject") == 0) {
		check_str(s, key, m->subject, v);
	} else if (strcmp(key, "subject_contains") == 0) {
		if (!strstr(m->subject, v))
			miss(s, "subject '%s' lacks '%s'", m->subject, v);
	} else if (strcmp(key, "message_id") == 0) {
		check_str(s, key, m->message_id, v);
	} else if (strcmp(key, "dup_message_id") == 0) {
		check_bool(s, key, m->dup_message_id, v);
	} else if (strcmp(key, "no_message_id") == 0) {
		check_bool(s, key, m->no_message_id, v);
	} else if (strcmp(key, "in_reply_to") == 0) {
		check_str(s, key, m->in_reply_to.n ? m->in_reply_to.v[0] : NULL, v);
	} else if (strcmp(key, "references") == 0) {
		if (m->references.n != strtoul(v, NULL, 10))
			miss(s, "references: got %zu, want %s", m->references.n, v);
	} else if (strcmp(key, "reference_last") == 0) {
		check_str(s, key, m->references.n ? m->references.v[m->references.n - 1] : NULL, v);
	} else if (strcmp(key, "date") == 0) {
		char iso[TIME_ISO_MAX];
		check_str(s, key, m->date_ms ? time_format_iso(m->date_ms, iso) : NULL, v);
	} else if (strcmp(key, "no_date") == 0) {
		check_bool(s, key, m->no_date, v);
	} else if (strcmp(key, "ticket_tag") == 0) {
		if (m->ticket_tag != strtoll(v, NULL, 10))
			miss(s, "ticket_tag: got %" PRId64 ", want %s", m->ticket_tag, v);
	} else if (strcmp(key, "from_addr") == 0) {
		check_str(s, key, m->from.addr, v);
	} else if (strcmp(key, "from_name") == 0) {
		check_str(s, key, m->from.name, v);
	} else if (strcmp(key, "from_invalid") == 0) {
		check_bool(s, key, m->from_invalid, v);
	} else if (strcmp(key, "reply_to") == 0) {
		check_str(s, key, m->reply_to.n ? m->reply_to.v[0].addr : NULL, v);
	} else if (strcmp(key, "to") == 0 || strcmp(key, "cc") == 0) {
		const struct mail_addr_list *l = key[0] == 't' ? &m->to : &m->cc;
		if (l->n != strtoul(v, NULL, 10))
			miss(s, "%s: got %zu addresses, want %s", key, l->n, v);
	} else if (strcmp(key, "to_addr") == 0 || strcmp(key, "cc_addr") == 0) {
		if (!in_list(key[0] == 't' ? &m->to : &m->cc, v))
			miss(s, "%s: '%s' is not among them", key, v);
	} else if (strcmp(key, "to_name") == 0) {
		bool found = false;
		for (size_t i = 0; i < m->to.n; i++)
			found |= strcmp(m->to.v[i].name, v) == 0;
		if (!found)
			miss(s, "to_name: no '%s'", v);
	} else if (strcmp(key, "return_path") == 0) {
		if (strcmp(v, "<>") == 0) {
			if (!m->null_return_path)
				miss(s, "return_path: not null");
		} else {
			check_str(s, key, m->return_path, v);
		}
	} else if (strcmp(key, "null_return_path") == 0) {
		check_bool(s, key, m->null_return_path, v);
	} else if (strcmp(key, "text_contains") == 0) {
		if (!has(m->text, m->text_len, v))
			miss(s, "text lacks '%s'; text is:\n%s\n", v, m->text);
	} else if (strcmp(key, "text_absent") == 0) {
		if (has(m->text, m->text_len, v))
			miss(s, "text holds '%s'; text is:\n%s\n", v, m->text);
	} else if (strcmp(key, "text_starts_with") == 0) {
		if (strncmp(m->text, v, strlen(v)) != 0)
			miss(s, "text does not start with '%s'; text is:\n%s\n", v, m->text);
	} else if (strcmp(key, "text_empty") == 0) {
		check_bool(s, key, m->text_len == 0, v);
	} else if (strcmp(key, "text_from_html") == 0) {
		check_bool(s, key, m->text_from_html, v);
	} else if (strcmp(key, "html") == 0) {
		check_bool(s, key, m->html != NULL, v);
	} else if (strcmp(key, "html_contains") == 0) {
		if (!has(m->html, m->html_len, v))
			miss(s, "html lacks '%s'; html is:\n%s\n", v, m->html ? m->html : "(none)");
	} else if (strcmp(key, "html_absent") == 0) {
		if (has(m->html, m->html_len, v))
			miss(s, "html holds '%s'; html is:\n%s\n", v, m->html);
	} else if (strcmp(key, "attachments") == 0) {
		if (m->nattachments != strtoul(v, NULL, 10)) {
			miss(s, "attachments: got %zu, want %s", m->nattachments, v);
			for (size_t i = 0; i < m->nattachments; i++)
				fprintf(stderr, "  %zu %s %s\n", i + 1, m->attachments[i].filename,
					m->attachments[i].content_type);
		}
	} else if (strcmp(key, "attachment") == 0) {
		if ((at = nth(s, v, &rest))) {
			char want[512];
			snprintf(want, sizeof(want), "%s %s", at->filename, at->content_type);
			if (strcmp(want, rest) != 0)
				miss(s, "attachment %s: got '%s'", v, want);
		}
	} else if (strcmp(key, "attachment_inline") == 0) {
		if ((at = nth(s, v, &rest)))
			check_bool(s, key, at->is_inline, rest);
	} else if (strcmp(key, "attachment_cid") == 0) {
		if ((at = nth(s, v, &rest)))
			check_str(s, key, at->content_id, rest);
	} else if (strcmp(key, "attachment_size") == 0) {
		if ((at = nth(s, v, &rest)) && at->len != strtoul(rest, NULL, 10))
			miss(s, "attachment_size %s: got %zu", v, at->len);
	} else if (strcmp(key, "attachment_dropped") == 0) {
		if ((at = nth(s, v, &rest)))
			check_bool(s, key, at->dropped, rest);
	} else if (strcmp(key, "attachment_contains") == 0) {
		if ((at = nth(s, v, &rest)) && !has(at->data, at->len, rest))
			miss(s, "attachment %s lacks '%s'", v, rest);
	} else if (strcmp(key, "auto_reply_allowed") == 0) {
		check_bool(s, key, s->g.auto_reply_allowed, v);
	} else if (strcmp(key, "guard_reason") == 0) {
		check_str(s, key, mail_guard_reason_name(s->g.reason), v);
	} else if (strcmp(key, "kind") == 0) {
		check_str(s, key, mail_guard_kind_name(s->g.kind), v);
	} else if (strcmp(key, "bounce") == 0) {
		check_bool(s, key, m->bounce, v);
	} else if (strcmp(key, "bounce_original") == 0) {
		check_str(s, key, m->bounce_message_id, v);
	} else if (strcmp(key, "bounce_rcpts") == 0) {
		if (m->nbounce_rcpts != strtoul(v, NULL, 10))
			miss(s, "bounce_rcpts: got %zu, want %s", m->nbounce_rcpts, v);
	} else if (strcmp(key, "bounce_rcpt") == 0) {
		bool found = false;
		for (size_t i = 0; i < m->nbounce_rcpts; i++) {
			char got[700];
			snprintf(got, sizeof(got), "%s %s %s", m->bounce_rcpts[i].recipient,
				 m->bounce_rcpts[i].action, m->bounce_rcpts[i].status);
			found |= strcmp(got, v) == 0;
		}
		if (!found) {
			miss(s, "bounce_rcpt: no '%s'", v);
			for (size_t i = 0; i < m->nbounce_rcpts; i++)
				fprintf(stderr, "  (%s %s %s)\n", m->bounce_rcpts[i].recipient,
					m->bounce_rcpts[i].action, m->bounce_rcpts[i].status);
		}
	} else if (strcmp(key, "quote") == 0) {
		if (strcmp(text_quote_name(m->fold.quote), v) != 0)
			miss(s, "quote: got %s, want %s", text_quote_name(m->fold.quote), v);
	} else if (strcmp(key, "quote_starts_with") == 0) {
		if (m->fold.quote_at >= m->text_len ||
		    strncmp(m->text + m->fold.quote_at, v, strlen(v)) != 0)
			miss(s, "quote does not start with '%s' (at %zu): '%.60s'", v,
			     m->fold.quote_at, m->text + m->fold.quote_at);
	} else if (strcmp(key, "sig_starts_with") == 0) {
		if (strcmp(v, "none") == 0 ? m->fold.sig_at != m->fold.quote_at
					   : strncmp(m->text + m->fold.sig_at, v, strlen(v)) != 0)
			miss(s, "signature does not start with '%s': '%.60s'", v,
			     m->text + m->fold.sig_at);
	} else if (strcmp(key, "body_ends_with") == 0) {
		size_t n = strlen(v);
		if (m->fold.body_end < n || strncmp(m->text + m->fold.body_end - n, v, n) != 0)
			miss(s, "new text does not end with '%s': '%.*s'", v, (int)m->fold.body_end,
			     m->text);
	} else if (strcmp(key, "degraded") == 0) {
		check_bool(s, key, m->degraded, v);
		if (m->degraded != yes(v))
			fprintf(stderr, "  (reason: %s)\n", m->degraded_reason ? m->degraded_reason : "-");
	} else if (strcmp(key, "degraded_reason") == 0) {
		check_str(s, key, m->degraded_reason, v);
	} else if (strcmp(key, "truncated") == 0) {
		check_bool(s, key, m->truncated, v);
	} else if (strcmp(key, "charset_fallback") == 0) {
		check_bool(s, key, m->charset_fallback, v);
	} else if (strcmp(key, "own") == 0 || strcmp(key, "limit_part") == 0 ||
		   strcmp(key, "limit_total") == 0) {
		/* read before parsing */
	} else {
		miss(s, "unknown key '%s'", key);
	}
}

/* The value with "\n" made a line break, in place. */
static char *unescape(char *v)
{
	char *w = v;

	for (char *r = v; *r; r++) {
		if (r[0] == '\\' && r[1] == 'n') {
			*w++ = '\n';
			r++;
		} else if (r[0] == '\\' && r[1] == 'r') {
			*w++ = '\r';
			r++;
		} else if (r[0] == '\\' && r[1] == 't') {
			*w++ = '\t';
			r++;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return v;
}

/* Splits an .expect file into its lines, each "key" and "value" (in place). */
static size_t expect_lines(char *text, char **keys, char **vals, size_t max)
{
	size_t n = 0;

	for (char *line = text, *next; line && *line; line = next) {
		char *colon;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (*line == '#' || *line == '\0')
			continue;
		colon = strstr(line, ": ");
		assert_non_null(colon);
		assert_true(n < max);
		*colon = '\0';
		keys[n] = line;
		vals[n] = unescape(colon + 2);
		n++;
	}
	return n;
}

/* Parses one fixture and checks its expectations; returns the failures. */
static int run_fixture(const char *dir, const char *eml_name)
{
	char *eml = tl_join(dir, eml_name);
	size_t el = strlen(eml);
	char *expect_path = xmalloc(el + 4);
	char *raw, *ex, *keys[128], *vals[128];
	const char *own[OWN_MAX];
	size_t rawlen, exlen, n, nown = 0;
	struct mail_limits lim = MAIL_LIMITS_DEFAULT;
	struct subject s = {.name = eml_name};
	struct arena a;

	memcpy(expect_path, eml, el - 4);
	memcpy(expect_path + el - 4, ".expect", 8);
	if (!tl_exists(expect_path)) {
		fprintf(stderr, "FAIL %s: no .expect file\n", eml_name);
		free(eml);
		free(expect_path);
		return 1;
	}
	raw = slurp(eml, &rawlen);
	ex = slurp(expect_path, &exlen);
	n = expect_lines(ex, keys, vals, ARRAY_SIZE(keys));
	for (size_t i = 0; i < n; i++) {
		if (strcmp(keys[i], "own") == 0 && nown < OWN_MAX)
			own[nown++] = vals[i];
		else if (strcmp(keys[i], "limit_part") == 0)
			lim.part_max = strtoul(vals[i], NULL, 10);
		else if (strcmp(keys[i], "limit_total") == 0)
			lim.total_max = strtoul(vals[i], NULL, 10);
	}
	if (nown == 0)
		own[nown++] = OWN_DEFAULT;
	arena_init(&a);
	mail_inbound_parse(&s.m, raw, rawlen, &lim, &a);
	mail_guard_check(&s.m, own, nown, &s.g);
	if (n == 0)
		miss(&s, "the .expect file checks nothing");
	for (size_t i = 0; i < n; i++)
		check(&s, keys[i], vals[i]);
	arena_release(&a);
	free(raw);
	free(ex);
	free(eml);
	free(expect_path);
	return s.failures;
}

static int by_name(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static char *fixture_dir(void)
{
	const char *root = getenv("SOURCE_ROOT");
	assert_non_null(root);
	return tl_join(root, "tests/fixtures/mail");
}

static void test_fixtures(void **state)
{
	char *dir = fixture_dir();
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int failures = 0;

	(void)state;
	assert_non_null(d);
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".eml") != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		failures += run_fixture(dir, names[i]);
		free(names[i]);
	}
	free(names);
	free(dir);
	print_message("%zu fixtures, %d failed expectations\n", n, failures);
	assert_true(n >= 60);
	assert_int_equal(failures, 0);
}

/* A message with a text part and a file of the sizes given (base64). */
static char *big_message(size_t text_bytes, size_t file_bytes, size_t *len)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct buf b;

	buf_init(&b, 0);
	buf_puts(&b, "From: Big <big@example.com>\r\nTo: support@desk.example\r\n"
		     "Subject: big\r\nMessage-ID: <big@example.com>\r\n"
		     "Date: Tue, 01 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
		     "Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n"
		     "--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
	for (size_t i = 0; i < text_bytes; i++)
		buf_putc(&b, i % 72 == 71 ? '\n' : (char)('a' + i % 26));
	buf_puts(&b, "\r\n--B\r\nContent-Type: application/octet-stream\r\n"
		     "Content-Disposition: attachment; filename=\"big.bin\"\r\n"
		     "Content-Transfer-Encoding: base64\r\n\r\n");
	/* 4 characters per 3 bytes, 76 a line. */
	for (size_t i = 0, col = 0; i < (file_bytes + 2) / 3 * 4; i++) {
		buf_putc(&b, b64[(i * 7) % 64]);
		if (++col == 76) {
			buf_puts(&b, "\r\n");
			col = 0;
		}
	}
	buf_puts(&b, "\r\n--B--\r\n");
	return buf_detach(&b, len);
}

static void test_caps(void **state)
{
	struct mail_limits lim = {.part_max = 1 << 20, .total_max = 4 << 20, .parts_max = 100};
	struct mail_inbound m;
	struct arena a;
	size_t len;
	char *raw = big_message(2 << 20, 3 << 20, &len);

	(void)state;
	arena_init(&a);
	mail_inbound_parse(&m, raw, len, &lim, &a);
	assert_true(m.truncated);
	assert_false(m.degraded);
	assert_true(m.text_len <= lim.part_max);
	assert_true(m.text_len > lim.part_max - 4096);
	assert_int_equal(m.nattachments, 1);
	assert_string_equal(m.attachments[0].filename, "big.bin");
	assert_true(m.attachments[0].dropped);
	assert_null(m.attachments[0].data);
	arena_release(&a);

	/* Under the part cap but over what is left of the total. */
	lim = (struct mail_limits){.part_max = 8 << 20, .total_max = (2 << 20) + 1000,
				   .parts_max = 100};
	arena_init(&a);
	mail_inbound_parse(&m, raw, len, &lim, &a);
	assert_true(m.truncated);
	assert_int_equal(m.nattachments, 1);
	assert_true(m.attachments[0].dropped);
	arena_release(&a);

	/* Within every cap: all kept. */
	lim = (struct mail_limits)MAIL_LIMITS_DEFAULT;
	arena_init(&a);
	mail_inbound_parse(&m, raw, len, &lim, &a);
	assert_false(m.truncated);
	assert_int_equal(m.text_len, 2 << 20);
	assert_int_equal(m.attachments[0].len, 3 << 20);
	arena_release(&a);
	free(raw);
}

/* Many parts: only parts_max are looked at. */
static void test_parts_cap(void **state)
{
	struct mail_limits lim = {.part_max = 1 << 20, .total_max = 4 << 20, .parts_max = 10};
	struct mail_inbound m;
	struct arena a;
	struct buf b;
	size_t len;
	char *raw;

	(void)state;
	buf_init(&b, 0);
	buf_puts(&b, "From: a@example.com\nSubject: parts\nContent-Type: multipart/mixed; "
		     "boundary=P\n\n");
	for (int i = 0; i < 50; i++)
		buf_printf(&b, "--P\nContent-Type: application/octet-stream\n"
			       "Content-Disposition: attachment; filename=f%d.bin\n\nx%d\n",
			   i, i);
	buf_puts(&b, "--P--\n");
	raw = buf_detach(&b, &len);
	arena_init(&a);
	mail_inbound_parse(&m, raw, len, &lim, &a);
	assert_true(m.truncated);
	assert_int_equal(m.nattachments, 9); /* the multipart itself is one of the 10 */
	arena_release(&a);
	free(raw);
}

/* Whatever the bytes, a struct comes back; no mail at all is degraded with its source kept. */
static void test_never_fails(void **state)
{
	struct rng r;
	char buf[4096];

	(void)state;
	rng_init(&r, 42);
	for (int round = 0; round < 300; round++) {
		struct mail_inbound m;
		struct mail_guard g;
		struct arena a;
		size_t len = (size_t)rng_below(&r, sizeof(buf));
		for (size_t i = 0; i < len; i++)
			buf[i] = (char)rng_below(&r, 256);
		if (round % 3 == 0 && len > 40) /* a head that looks like mail, then noise */
			memcpy(buf, "From: x@y.z\nContent-Type: multipart/mixed; boundary=a\n\n--a\n", 40);
		arena_init(&a);
		mail_inbound_parse(&m, buf, len, NULL, &a);
		mail_guard_check(&m, NULL, 0, &g);
		assert_non_null(m.subject);
		assert_non_null(m.text);
		assert_true(str_utf8_valid(m.subject, strlen(m.subject), NULL));
		assert_true(str_utf8_valid(m.text, m.text_len, NULL));
		assert_true(m.fold.quote_at <= m.text_len);
		if (m.degraded) {
			assert_non_null(m.degraded_reason);
			assert_true(m.nattachments >= 1);
			assert_string_equal(m.attachments[m.nattachments - 1].filename, "message.eml");
		}
		arena_release(&a);
	}
}

static void test_empty(void **state)
{
	struct mail_inbound m;
	struct arena a;

	(void)state;
	arena_init(&a);
	mail_inbound_parse(&m, NULL, 0, NULL, &a);
	assert_true(m.degraded);
	assert_string_equal(m.subject, "(unparseable message)");
	assert_int_equal(m.nattachments, 1);
	assert_int_equal(m.attachments[0].len, 0);
	assert_true(m.no_message_id);
	assert_true(m.from_invalid);
	arena_release(&a);
}

static void test_addr(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"Bob@Example.COM", "Bob@example.com"},
		{"  <bob@EXAMPLE.com>  ", "bob@example.com"},
		{"bob", NULL},
		{"@example.com", NULL},
		{"bob@", NULL},
		{"bob@@example.com", NULL},
		{"bob smith@example.com", NULL},
		{"bob@exa..mple.com", NULL},
		{"bob@.example.com", NULL},
		{"bob@example.com.", NULL},
		{"b\x01ob@example.com", NULL},
		{"bob@example.com, eve@example.com", NULL},
		{"jürgen@Müller.DE", "jürgen@müller.de"},
		{"", NULL},
	};
	struct arena a;

	(void)state;
	arena_init(&a);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *got = mail_inbound_addr(cases[i].in, &a);
		if (cases[i].want)
			assert_string_equal(got, cases[i].want);
		else if (got)
			fail_msg("'%s' gave '%s', want none", cases[i].in, got);
	}
	assert_null(mail_inbound_addr(NULL, &a));
	arena_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_parts_cap),
		cmocka_unit_test(test_never_fails),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_addr),
	};
	int rc;

	g_mime_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	g_mime_shutdown();
	return rc;
}
