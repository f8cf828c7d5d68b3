/* test_str.c - tests of src/util/str.c: UTF-8, integers, trimming, case. */
#include "util/common.h"
#include "util/str.h"
#include "testlib.h"

struct utf8_case {
	const char *name;
	const char *s;
	size_t len;     /* bytes of s to check */
	bool valid;
	size_t bad_at;  /* offset of the first bad sequence when invalid */
};

#define U(name, lit, valid, at) {name, lit, sizeof(lit) - 1, valid, at}

static const struct utf8_case utf8_cases[] = {
	U("empty", "", true, 0),
	U("ascii", "Hello, world", true, 0),
	U("nul byte is ascii", "a\0b", true, 0),
	U("2-byte e acute", "caf\xc3\xa9", true, 0),
	U("2-byte lowest U+0080", "\xc2\x80", true, 0),
	U("2-byte highest U+07FF", "\xdf\xbf", true, 0),
	U("3-byte euro", "\xe2\x82\xac", true, 0),
	U("3-byte lowest U+0800", "\xe0\xa0\x80", true, 0),
	U("3-byte U+D7FF below surrogates", "\xed\x9f\xbf", true, 0),
	U("3-byte U+E000 above surrogates", "\xee\x80\x80", true, 0),
	U("3-byte U+FFFF", "\xef\xbf\xbf", true, 0),
	U("4-byte emoji", "\xf0\x9f\x98\x80", true, 0),
	U("4-byte lowest U+10000", "\xf0\x90\x80\x80", true, 0),
	U("4-byte highest U+10FFFF", "\xf4\x8f\xbf\xbf", true, 0),
	U("mixed widths", "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z", true, 0),

	U("overlong 2-byte NUL c0 80", "\xc0\x80", false, 0),
	U("overlong 2-byte c1 bf", "ab\xc1\xbf", false, 2),
	U("overlong 3-byte NUL", "\xe0\x80\x80", false, 0),
	U("overlong 3-byte U+07FF", "x\xe0\x9f\xbf", false, 1),
	U("overlong 4-byte NUL", "\xf0\x80\x80\x80", false, 0),
	U("overlong 4-byte U+FFFF", "\xf0\x8f\xbf\xbf", false, 0),
	U("surrogate U+D800", "\xed\xa0\x80", false, 0),
	U("surrogate U+DBFF", "ok\xed\xaf\xbf", false, 2),
	U("surrogate U+DC00", "\xed\xb0\x80", false, 0),
	U("surrogate U+DFFF", "\xed\xbf\xbf", false, 0),
	U("CESU pair", "\xed\xa0\xbd\xed\xb8\x80", false, 0),
	U("above U+10FFFF f4 90", "\xf4\x90\x80\x80", false, 0),
	U("lead f5", "\xf5\x80\x80\x80", false, 0),
	U("lead f7 (U+1FFFFF)", "\xf7\xbf\xbf\xbf", false, 0),
	U("5-byte lead f8", "\xf8\x88\x80\x80\x80", false, 0),
	U("6-byte lead fc", "\xfc\x84\x80\x80\x80\x80", false, 0),
	U("byte fe", "\xfe", false, 0),
	U("byte ff", "a\xff", false, 1),
	U("lone continuation", "\x80", false, 0),
	U("continuation after ascii", "abc\xbf", false, 3),
	U("truncated 2-byte at end", "ab\xc3", false, 2),
	U("truncated 3-byte at end", "\xe2\x82", false, 0),
	U("truncated 4-byte at end", "xy\xf0\x9f\x98", false, 2),
	U("truncated 2-byte before ascii", "\xc3" "A", false, 0),
	U("truncated 3-byte before ascii", "\xe2\x82" "A", false, 0),
	U("truncated 4-byte before new lead", "\xf0\x9f\xc3\xa9", false, 0),
	U("bad after multibyte text", "\xc3\xa9\xe2\x82\xac" "x\x80", false, 6),
	U("first of two bad sequences", "ok\xc0\x80\xff", false, 2),
};

static void test_utf8_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(utf8_cases); i++) {
		const struct utf8_case *c = &utf8_cases[i];
		size_t bad = 12345;
		bool ok = str_utf8_valid(c->s, c->len, &bad);

		if (ok != c->valid)
			fail_msg("case '%s': valid %d, want %d", c->name, ok, c->valid);
		if (!c->valid && bad != c->bad_at)
			fail_msg("case '%s': bad offset %zu, want %zu", c->name, bad, c->bad_at);
		/* bad_offset may be NULL. */
		assert_int_equal(str_utf8_valid(c->s, c->len, NULL), c->valid);
	}
}

/* The length bounds the check: a sequence cut by len is truncated. */
static void test_utf8_respects_len(void **state)
{
	(void)state;
	const char *s = "a\xe2\x82\xac";
	size_t bad = 99;

	assert_true(str_utf8_valid(s, 4, NULL));
	assert_false(str_utf8_valid(s, 3, &bad));
	assert_int_equal(bad, 1);
	assert_false(str_utf8_valid(s, 2, &bad));
	assert_int_equal(bad, 1);
	assert_true(str_utf8_valid(s, 1, NULL));
	assert_true(str_utf8_valid(s, 0, NULL));
}

/* Every 2-byte and 3-byte sequence against an independent decoder. */
static void test_utf8_exhaustive_short(void **state)
{
	(void)state;
	for (unsigned a = 0x80; a <= 0xff; a++) {
		for (unsigned b = 0; b <= 0xff; b++) {
			unsigned char s2[2] = {(unsigned char)a, (unsigned char)b};
			bool want2 = a >= 0xc2 && a <= 0xdf && (b & 0xc0) == 0x80;
			if (str_utf8_valid((const char *)s2, 2, NULL) != want2)
				fail_msg("%02x %02x: want %d", a, b, want2);
			if (a < 0xe0 || a > 0xef)
				continue;
			for (unsigned c = 0x80; c <= 0xbf; c++) {
				unsigned char s3[3] = {(unsigned char)a, (unsigned char)b,
						       (unsigned char)c};
				unsigned cp = ((a & 0x0f) << 12) | ((b & 0x3f) << 6) | (c & 0x3f);
				bool want3 = (b & 0xc0) == 0x80 && cp >= 0x800 &&
					     !(cp >= 0xd800 && cp <= 0xdfff);
				if (str_utf8_valid((const char *)s3, 3, NULL) != want3)
					fail_msg("%02x %02x %02x: want %d", a, b, c, want3);
			}
		}
	}
}

static void test_utf8_count(void **state)
{
	(void)state;
	assert_int_equal(str_utf8_count("", 0), 0);
	assert_int_equal(str_utf8_count("abc", 3), 3);
	assert_int_equal(str_utf8_count("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 10), 4);
}

static void test_has_control(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		const char *s;
		size_t len;
		bool has;
	} cases[] = {
		{"plain", "hello", 5, false},
		{"tab cr lf allowed", "a\tb\r\nc", 6, false},
		{"empty", "", 0, false},
		{"nul", "a\0b", 3, true},
		{"bell", "a\x07", 2, true},
		{"escape", "\x1b[31m", 5, true},
		{"delete", "x\x7f", 2, true},
		{"utf-8 is not control", "\xc3\xa9", 2, false},
		{"nel (U+0085)", "a\xc2\x85z", 4, true},
		{"csi (U+009B)", "\xc2\x9b" "31m", 5, true},
		{"first after C1 (U+00A0)", "\xc2\xa0", 2, false},
		{"inverted question mark (U+00BF)", "\xc2\xbf", 2, false},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		if (str_has_control(cases[i].s, cases[i].len) != cases[i].has)
			fail_msg("case '%s': want %d", cases[i].name, cases[i].has);
}

struct int_case {
	const char *name;
	const char *s;
	int64_t min, max;
	int rc;
	int64_t v;
};

static const struct int_case int_cases[] = {
	{"zero", "0", 0, 10, 0, 0},
	{"negative zero", "-0", -5, 5, 0, 0},
	{"plain", "42", 0, 100, 0, 42},
	{"negative", "-42", -100, 100, 0, -42},
	{"leading zeros", "007", 0, 10, 0, 7},
	{"at min", "-5", -5, 5, 0, -5},
	{"at max", "5", -5, 5, 0, 5},
	{"below min", "-6", -5, 5, -1, 0},
	{"above max", "6", -5, 5, -1, 0},
	{"negative when min is 0", "-1", 0, 10, -1, 0},
	{"int64 max", "9223372036854775807", INT64_MIN, INT64_MAX, 0, INT64_MAX},
	{"int64 min", "-9223372036854775808", INT64_MIN, INT64_MAX, 0, INT64_MIN},
	{"overflow by one", "9223372036854775808", INT64_MIN, INT64_MAX, -1, 0},
	{"underflow by one", "-9223372036854775809", INT64_MIN, INT64_MAX, -1, 0},
	{"huge", "99999999999999999999999", INT64_MIN, INT64_MAX, -1, 0},
	{"empty", "", INT64_MIN, INT64_MAX, -1, 0},
	{"sign only", "-", INT64_MIN, INT64_MAX, -1, 0},
	{"double sign", "--1", INT64_MIN, INT64_MAX, -1, 0},
	{"plus sign", "+1", INT64_MIN, INT64_MAX, -1, 0},
	{"leading space", " 1", INT64_MIN, INT64_MAX, -1, 0},
	{"trailing space", "1 ", INT64_MIN, INT64_MAX, -1, 0},
	{"trailing newline", "1\n", INT64_MIN, INT64_MAX, -1, 0},
	{"trailing garbage", "12abc", INT64_MIN, INT64_MAX, -1, 0},
	{"hex", "0x10", INT64_MIN, INT64_MAX, -1, 0},
	{"decimal point", "1.5", INT64_MIN, INT64_MAX, -1, 0},
	{"exponent", "1e3", INT64_MIN, INT64_MAX, -1, 0},
	{"words", "ten", INT64_MIN, INT64_MAX, -1, 0},
	{"space after sign", "- 1", INT64_MIN, INT64_MAX, -1, 0},
};

static void test_parse_int64_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(int_cases); i++) {
		const struct int_case *c = &int_cases[i];
		int64_t v = 777;
		int rc = str_parse_int64(c->s, c->min, c->max, &v);
		if (rc != c->rc)
			fail_msg("case '%s' (\"%s\"): rc %d, want %d", c->name, c->s, rc, c->rc);
		if (rc == 0 && v != c->v)
			fail_msg("case '%s': value %" PRId64 ", want %" PRId64, c->name, v, c->v);
	}
	int64_t v;
	assert_int_equal(str_parse_int64(NULL, 0, 1, &v), -1);
}

struct trim_case {
	const char *name;
	const char *in;
	size_t skip; /* leading bytes skipped */
	const char *out;
};

static const struct trim_case trim_cases[] = {
	{"nothing to trim", "abc", 0, "abc"},
	{"both sides", "  a b  ", 2, "a b"},
	{"inner space kept", "x  y", 0, "x  y"},
	{"all space", " \t\r\n ", 5, ""},
	{"empty", "", 0, ""},
	{"every kind of space", "\t\r\n\f\v x \f\v\t", 6, "x"},
	{"utf-8 not trimmed", "\xc2\xa0x", 0, "\xc2\xa0x"},
};

static void test_trim_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(trim_cases); i++) {
		const struct trim_case *c = &trim_cases[i];
		size_t len = 999;
		const char *p = str_trim(c->in, &len);
		if (p != c->in + c->skip)
			fail_msg("case '%s': skipped %td, want %zu", c->name, p - c->in, c->skip);
		if (len != strlen(c->out) || memcmp(p, c->out, len) != 0)
			fail_msg("case '%s': got '%.*s'", c->name, (int)len, p);
	}
}

static void test_lower_ascii(void **state)
{
	(void)state;
	char s[] = "HeLLo-123 Z@[`{ \xc3\x80" "B";
	char *r = str_lower_ascii(s);
	assert_ptr_equal(r, s);
	/* Only A-Z change; '@', '[', '`', '{' and UTF-8 bytes stay. */
	assert_string_equal(s, "hello-123 z@[`{ \xc3\x80" "b");
	char e[] = "";
	assert_string_equal(str_lower_ascii(e), "");
}

static void test_starts_with(void **state)
{
	(void)state;
	assert_true(str_starts_with("postgresql://x", "postgresql://"));
	assert_true(str_starts_with("abc", ""));
	assert_true(str_starts_with("abc", "abc"));
	assert_false(str_starts_with("ab", "abc"));
	assert_false(str_starts_with("Abc", "abc"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_table),
		cmocka_unit_test(test_utf8_respects_len),
		cmocka_unit_test(test_utf8_exhaustive_short),
		cmocka_unit_test(test_utf8_count),
		cmocka_unit_test(test_has_control),
		cmocka_unit_test(test_parse_int64_table),
		cmocka_unit_test(test_trim_table),
		cmocka_unit_test(test_lower_ascii),
		cmocka_unit_test(test_starts_with),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
