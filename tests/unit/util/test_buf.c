/* test_buf.c - tests of src/util/buf.c: growth, the size cap, detach. */
#include "util/common.h"
#include "util/buf.h"
#include "testlib.h"

/* The invariant every operation keeps: data[len] is NUL once data exists. */
static void assert_terminated(const struct buf *b)
{
	assert_non_null(buf_str(b));
	if (b->data) {
		assert_true(b->cap > b->len);
		assert_int_equal(b->data[b->len], '\0');
	}
	assert_int_equal(strlen(buf_str(b)) <= b->len, true);
}

static void test_empty(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	struct buf c;

	assert_string_equal(buf_str(&b), "");
	assert_int_equal(b.len, 0);
	assert_int_equal(b.max, BUF_NO_MAX);
	buf_init(&c, 0);
	assert_int_equal(c.max, BUF_NO_MAX); /* 0 means no maximum */
	assert_null(c.data);
	assert_string_equal(buf_str(&c), "");
	buf_release(&b);
	buf_release(&c);
}

static void test_append_terminates(void **state)
{
	(void)state;
	struct buf b;
	const char bin[] = {'a', '\0', 'b'};

	buf_init(&b, 0);
	assert_int_equal(buf_puts(&b, "hello"), 0);
	assert_terminated(&b);
	assert_int_equal(buf_putc(&b, ' '), 0);
	assert_terminated(&b);
	assert_int_equal(buf_append(&b, "world!!", 5), 0);
	assert_terminated(&b);
	assert_string_equal(buf_str(&b), "hello world");
	assert_int_equal(b.len, 11);

	/* An embedded NUL is counted in len and still followed by a NUL. */
	assert_int_equal(buf_append(&b, bin, sizeof(bin)), 0);
	assert_int_equal(b.len, 14);
	assert_memory_equal(b.data + 11, bin, 3);
	assert_int_equal(b.data[14], '\0');

	/* Appending nothing keeps the contents. */
	assert_int_equal(buf_append(&b, NULL, 0), 0);
	assert_int_equal(b.len, 14);
	buf_release(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
}

static void test_append_empty_allocates_terminated(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;

	assert_int_equal(buf_puts(&b, ""), 0);
	assert_non_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.data[0], '\0');
	buf_release(&b);
}

struct cap_case {
	const char *name;
	size_t max;
	const char *first;  /* appended first, must fit */
	const char *second; /* then this */
	int rc;             /* expected result of the second append */
	const char *after;  /* contents afterwards */
};

static const struct cap_case cap_cases[] = {
	{"fits below the cap", 8, "abc", "de", 0, "abcde"},
	{"fills the cap exactly", 8, "abcd", "efgh", 0, "abcdefgh"},
	{"one byte past the cap", 8, "abcd", "efghi", -1, "abcd"},
	{"far past the cap", 8, "ab", "0123456789abcdef", -1, "ab"},
	{"full buffer refuses one byte", 4, "abcd", "e", -1, "abcd"},
	{"full buffer accepts nothing", 4, "abcd", "", 0, "abcd"},
	{"cap of one", 1, "", "xy", -1, ""},
	{"no cap", 0, "abc", "defghijklmnopqrstuvwxyz", 0, "abcdefghijklmnopqrstuvwxyz"},
};

static void test_cap_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cap_cases); i++) {
		const struct cap_case *c = &cap_cases[i];
		struct buf b;

		buf_init(&b, c->max);
		print_message("case: %s\n", c->name);
		assert_int_equal(buf_puts(&b, c->first), 0);
		assert_int_equal(buf_puts(&b, c->second), c->rc);
		assert_string_equal(buf_str(&b), c->after);
		assert_int_equal(b.len, strlen(c->after));
		assert_terminated(&b);
		buf_release(&b);
	}
}

/* Every kind of append refuses past the cap and leaves contents unchanged. */
static void test_cap_every_append(void **state)
{
	(void)state;
	struct buf b;

	buf_init(&b, 10);
	assert_int_equal(buf_puts(&b, "0123456789"), 0);
	assert_int_equal(buf_putc(&b, 'x'), -1);
	assert_int_equal(buf_append(&b, "x", 1), -1);
	assert_int_equal(buf_printf(&b, "%d", 7), -1);
	assert_string_equal(buf_str(&b), "0123456789");
	assert_int_equal(b.len, 10);

	buf_reset(&b);
	assert_int_equal(buf_printf(&b, "%s-%d", "abcd", 12345), 0); /* 10 bytes */
	assert_string_equal(buf_str(&b), "abcd-12345");
	buf_reset(&b);
	assert_int_equal(buf_printf(&b, "abc"), 0);
	assert_int_equal(buf_printf(&b, "%08d", 1), -1); /* 3 + 8 > 10 */
	assert_string_equal(buf_str(&b), "abc");
	assert_int_equal(b.len, 3);
	assert_terminated(&b);
	buf_release(&b);
	/* release keeps the cap: the buf is reusable as it was made. */
	assert_int_equal(buf_puts(&b, "0123456789x"), -1);
	assert_int_equal(buf_puts(&b, "0123456789"), 0);
	buf_release(&b);
}

static void test_printf_growth(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	char expect[64];
	size_t want = 0;

	/* Many small formats: the buf grows through several reallocations. */
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(expect, sizeof(expect), "%d,", i * 7);
		assert_int_equal(buf_printf(&b, "%d,", i * 7), 0);
		want += (size_t)n;
		assert_int_equal(b.len, want);
		assert_memory_equal(b.data + want - (size_t)n, expect, (size_t)n);
		assert_terminated(&b);
	}
	/* One format much larger than the current capacity. */
	size_t big = b.cap * 3;
	char *s = malloc(big + 1);
	assert_non_null(s);
	memset(s, 'q', big);
	s[big] = '\0';
	size_t before = b.len;
	assert_int_equal(buf_printf(&b, "[%s]", s), 0);
	assert_int_equal(b.len, before + big + 2);
	assert_int_equal(b.data[before], '[');
	assert_int_equal(b.data[before + 1 + big], ']');
	assert_int_equal(b.data[before + big], 'q');
	assert_terminated(&b);
	free(s);

	/* An empty format still leaves a terminated buffer. */
	before = b.len;
	assert_int_equal(buf_printf(&b, "%s", ""), 0);
	assert_int_equal(b.len, before);
	buf_release(&b);
}

static int via_vprintf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
static int via_vprintf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;
	va_start(ap, fmt);
	rc = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

static void test_vprintf(void **state)
{
	(void)state;
	struct buf b;

	buf_init(&b, 16);
	assert_int_equal(via_vprintf(&b, "%s=%ld", "key", 42L), 0);
	assert_string_equal(buf_str(&b), "key=42");
	assert_int_equal(via_vprintf(&b, "%s", "this is far too long"), -1);
	assert_string_equal(buf_str(&b), "key=42");
	buf_release(&b);
}

static void test_detach(void **state)
{
	(void)state;
	struct buf b;
	size_t len = 99;
	char *d;

	buf_init(&b, 100);
	assert_int_equal(buf_puts(&b, "detach me"), 0);
	d = buf_detach(&b, &len);
	assert_string_equal(d, "detach me");
	assert_int_equal(len, 9);
	/* The buf is empty and reusable, its cap intact; the caller owns d. */
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(b.max, 100);
	assert_int_equal(buf_puts(&b, "again"), 0);
	assert_string_equal(buf_str(&b), "again");
	assert_string_equal(d, "detach me"); /* untouched by the reuse */
	free(d);
	buf_release(&b);

	/* An empty buf detaches to a malloc'd "", never NULL. */
	d = buf_detach(&b, &len);
	assert_non_null(d);
	assert_string_equal(d, "");
	assert_int_equal(len, 0);
	free(d);

	/* len may be NULL. */
	assert_int_equal(buf_puts(&b, "x"), 0);
	d = buf_detach(&b, NULL);
	assert_string_equal(d, "x");
	free(d);
}

static void test_reset(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;

	buf_reset(&b); /* on a never-used buf */
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(buf_puts(&b, "some text"), 0);
	size_t cap = b.cap;
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(b.cap, cap); /* keeps its memory */
	assert_int_equal(buf_puts(&b, "new"), 0);
	assert_string_equal(buf_str(&b), "new");
	buf_release(&b);
}

static void test_truncate(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	buf_truncate(&b, 0); /* on a never-used buf */
	buf_puts(&b, "hello, world");
	buf_truncate(&b, 20); /* past the end: nothing */
	assert_string_equal(buf_str(&b), "hello, world");
	buf_truncate(&b, 5);
	assert_int_equal(b.len, 5);
	assert_string_equal(buf_str(&b), "hello");
	buf_puts(&b, "!");
	assert_string_equal(buf_str(&b), "hello!");
	buf_truncate(&b, 0);
	assert_string_equal(buf_str(&b), "");
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_append_terminates),
		cmocka_unit_test(test_append_empty_allocates_terminated),
		cmocka_unit_test(test_cap_table),
		cmocka_unit_test(test_cap_every_append),
		cmocka_unit_test(test_printf_growth),
		cmocka_unit_test(test_vprintf),
		cmocka_unit_test(test_detach),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_truncate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
