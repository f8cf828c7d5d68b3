/*
 * test_html.c - tests of src/mail/html.c: text rendering and sanitising on
 * small cases, the output cap, and markup too deep for gumbo.
 */
#include "util/common.h"
#include "mail/html.h"
#include "util/buf.h"
#include "testlib.h"

static const char *text_of(struct arena *a, const char *html)
{
	return mail_html_to_text(html, strlen(html), 1 << 20, a, NULL, NULL);
}

static const char *clean_of(struct arena *a, const char *html)
{
	return mail_html_sanitize(html, strlen(html), 1 << 20, a, NULL, NULL);
}

static void test_text(void **state)
{
	struct arena a;

	(void)state;
	arena_init(&a);
	assert_string_equal(text_of(&a, "<p>one</p><p>two</p>"), "one\n\ntwo");
	assert_string_equal(text_of(&a, "a<br>b<br><br>c"), "a\nb\n\nc");
	assert_string_equal(text_of(&a, "  lots   of\n\n spaces  "), "lots of spaces");
	assert_string_equal(text_of(&a, "<ul><li>x</li><li>y</li></ul>"), "- x\n- y");
	assert_string_equal(text_of(&a, "<a href='https://e.example/'>site</a>"),
			    "site (https://e.example/)");
	assert_string_equal(text_of(&a, "<a href='javascript:x()'>no</a>"), "no");
	assert_string_equal(text_of(&a, "<a href='#top'>top</a>"), "top");
	assert_string_equal(text_of(&a, "<script>x</script><style>y</style>z"), "z");
	assert_string_equal(text_of(&a, "hi<blockquote>old<br>older</blockquote>new"),
			    "hi\n\n> old\n> older\n\nnew");
	assert_string_equal(text_of(&a, "&lt;tag&gt; &amp; &eacute;"), "<tag> & é");
	assert_string_equal(text_of(&a, ""), "");
	arena_release(&a);
}

static void test_sanitize(void **state)
{
	struct arena a;

	(void)state;
	arena_init(&a);
	assert_string_equal(clean_of(&a, "<b onclick='x()'>bold</b>"), "<b>bold</b>");
	assert_string_equal(clean_of(&a, "<img src='https://t.example/p.gif' alt='p'>"),
			    "<img alt=\"p\" data-blocked=\"remote\">");
	assert_string_equal(clean_of(&a, "<img src='cid:a@b'>"), "<img src=\"cid:a@b\">");
	assert_string_equal(clean_of(&a, "<a href='https://e.example/?a=1&b=2'>l</a>"),
			    "<a href=\"https://e.example/?a=1&amp;b=2\" rel=\"noopener noreferrer "
			    "nofollow\" target=\"_blank\">l</a>");
	assert_string_equal(clean_of(&a, "<custom-tag>kept text</custom-tag>"), "kept text");
	assert_string_equal(clean_of(&a, "<script>alert(1)</script>ok"), "ok");
	assert_string_equal(clean_of(&a, "<p style='color:red' class='c' id='i'>p</p>"), "<p>p</p>");
	assert_string_equal(clean_of(&a, "x<!-- comment -->y"), "xy");
	arena_release(&a);
}

static void test_cap(void **state)
{
	struct arena a;
	bool cut = false;
	size_t len;
	const char *html = "<p>0123456789</p><p>0123456789</p><p>0123456789</p>";

	(void)state;
	arena_init(&a);
	mail_html_to_text(html, strlen(html), 16, &a, &len, &cut);
	assert_true(cut);
	assert_true(len <= 16);
	cut = false;
	mail_html_sanitize(html, strlen(html), 20, &a, &len, &cut);
	assert_true(cut);
	assert_true(len <= 20);
	arena_release(&a);
}

/* 200,000 nested elements: read as text at once, never handed to gumbo. */
static void test_too_deep(void **state)
{
	struct arena a;
	struct buf b;
	const char *t, *h;

	(void)state;
	buf_init(&b, 0);
	for (int i = 0; i < 100000; i++)
		buf_puts(&b, "<div><blockquote>");
	buf_puts(&b, "deep <b>words</b>");
	arena_init(&a);
	t = mail_html_to_text(b.data, b.len, 1 << 20, &a, NULL, NULL);
	h = mail_html_sanitize(b.data, b.len, 1 << 20, &a, NULL, NULL);
	assert_string_equal(t, "deep words");
	assert_string_equal(h, "<div>deep words</div>");
	arena_release(&a);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_too_deep),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
