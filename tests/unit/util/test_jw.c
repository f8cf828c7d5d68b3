/* test_jw.c - tests of src/util/jw.c: structure, escaping, UTF-8, and agreement with jansson. */
#include "util/common.h"
#include "util/jw.h"
#include "testlib.h"

#include <jansson.h>
#include <math.h>

static void test_structure(void **state)
{
	struct buf b = BUF_INIT;
	struct jw w;

	(void)state;
	jw_init(&w, &b);
	jw_obj(&w);
	jw_kint(&w, "id", 7);
	jw_kid(&w, "none", 0);
	jw_kid(&w, "some", -3);
	jw_kbool(&w, "yes", true);
	jw_kstr(&w, "null", NULL);
	jw_key(&w, "empty_arr");
	jw_arr(&w);
	jw_end(&w);
	jw_key(&w, "empty_obj");
	jw_obj(&w);
	jw_end(&w);
	jw_key(&w, "list");
	jw_arr(&w);
	jw_int(&w, INT64_MIN);
	jw_int(&w, INT64_MAX);
	jw_bool(&w, false);
	jw_null(&w);
	jw_arr(&w);
	jw_str(&w, "x");
	jw_end(&w);
	jw_obj(&w);
	jw_kstr(&w, "k", "v");
	jw_end(&w);
	jw_end(&w);
	jw_key(&w, "raw");
	jw_raw(&w, "{\"a\":[1,2]}");
	jw_end(&w);
	assert_string_equal(buf_str(&b),
			    "{\"id\":7,\"none\":null,\"some\":-3,\"yes\":true,\"null\":null,"
			    "\"empty_arr\":[],\"empty_obj\":{},\"list\":[-9223372036854775808,"
			    "9223372036854775807,false,null,[\"x\"],{\"k\":\"v\"}],"
			    "\"raw\":{\"a\":[1,2]}}");
	assert_int_equal(w.depth, 0);
	buf_release(&b);
}

/* Writes s as the only value of an array and returns what jansson reads back. */
static char *round_trip(const char *s, size_t len, struct buf *b)
{
	struct jw w;
	json_t *v;
	json_error_t err;
	char *out;

	buf_reset(b);
	jw_init(&w, b);
	jw_arr(&w);
	jw_strn(&w, s, len);
	jw_end(&w);
	v = json_loadb(b->data, b->len, JSON_ALLOW_NUL, &err);
	if (!v)
		fail_msg("jansson refuses %s: %s", buf_str(b), err.text);
	out = strndup(json_string_value(json_array_get(v, 0)),
		      json_string_length(json_array_get(v, 0)));
	json_decref(v);
	return out;
}

static void test_escaping(void **state)
{
	static const struct {
		const char *name, *in, *json, *back;
		size_t len;
	} cases[] = {
		{"plain", "hello", "[\"hello\"]", "hello", 5},
		{"quote and backslash", "a\"b\\c", "[\"a\\\"b\\\\c\"]", "a\"b\\c", 5},
		{"newline tab cr", "a\nb\tc\rd", "[\"a\\nb\\tc\\rd\"]", "a\nb\tc\rd", 7},
		{"other controls", "\x01\x1f", "[\"\\u0001\\u001f\"]", "\x01\x1f", 2},
		{"del passes", "\x7f", "[\"\x7f\"]", "\x7f", 1},
		{"utf-8 passes", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		 "[\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"]",
		 "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14},
		{"lone continuation byte", "a\x80z", "[\"a\xef\xbf\xbdz\"]", "a\xef\xbf\xbdz", 3},
		{"truncated sequence at the end", "ab\xe2\x82", "[\"ab\xef\xbf\xbd\xef\xbf\xbd\"]",
		 "ab\xef\xbf\xbd\xef\xbf\xbd", 4},
		{"overlong slash", "\xc0\xaf", "[\"\xef\xbf\xbd\xef\xbf\xbd\"]",
		 "\xef\xbf\xbd\xef\xbf\xbd", 2},
		{"surrogate", "\xed\xa0\x80", "[\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"]",
		 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 3},
		{"nul inside", "a\0b", "[\"a\\u0000b\"]", NULL, 3},
	};
	struct buf b = BUF_INIT;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *back = round_trip(cases[i].in, cases[i].len, &b);
		if (strcmp(buf_str(&b), cases[i].json) != 0)
			fail_msg("case '%s': wrote %s, want %s", cases[i].name, buf_str(&b),
				 cases[i].json);
		if (cases[i].back && strcmp(back, cases[i].back) != 0)
			fail_msg("case '%s': jansson read back '%s'", cases[i].name, back);
		free(back);
	}
	buf_release(&b);
}

/* Every single byte, and random byte strings: always JSON jansson takes. */
static void test_always_valid(void **state)
{
	struct buf b = BUF_INIT;
	unsigned char s[64];
	uint64_t x = 0x9e3779b97f4a7c15u;

	(void)state;
	for (int c = 0; c < 256; c++) {
		s[0] = (unsigned char)c;
		free(round_trip((const char *)s, 1, &b));
	}
	for (int n = 0; n < 2000; n++) {
		size_t len = (size_t)(n % 64);
		for (size_t i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			s[i] = (unsigned char)(x >> 24);
		}
		free(round_trip((const char *)s, len, &b));
	}
	buf_release(&b);
}

/*
 * Long runs of plain text are scanned eight bytes at a time: a byte that
 * needs escaping must be found at every offset in and around those words.
 */
static void test_specials_anywhere(void **state)
{
	static const char specials[] = {'"', '\\', '\n', '\x01', '\x1f', '\x7f', ' ', '~'};
	char s[41];
	struct buf b = BUF_INIT;

	(void)state;
	for (size_t len = 1; len < sizeof(s); len++) {
		for (size_t at = 0; at < len; at++) {
			for (size_t k = 0; k < sizeof(specials); k++) {
				memset(s, 'x', len);
				s[at] = specials[k];
				char *back = round_trip(s, len, &b);
				if (strlen(back) != len || memcmp(back, s, len) != 0)
					fail_msg("byte 0x%02x at %zu of %zu: read back '%s'",
						 (unsigned)(unsigned char)specials[k], at, len, back);
				free(back);
			}
		}
	}
	buf_release(&b);
}

/* Reals are written as jansson writes them, so either writer gives the same answer. */
static void test_reals_as_jansson(void **state)
{
	static const double values[] = {0.0, 1.0, -2.0, 0.1, 1.0 / 3.0, 2.5e-7, 1e21, 123456789.0,
					0.75, -0.000123};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
		struct buf b = BUF_INIT;
		struct jw w;
		json_t *j = json_real(values[i]);
		char *want = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);

		jw_init(&w, &b);
		jw_real(&w, values[i]);
		assert_string_equal(buf_str(&b), want);
		free(want);
		json_decref(j);
		buf_release(&b);
	}
	struct buf b = BUF_INIT;
	struct jw w;
	jw_init(&w, &b);
	jw_arr(&w);
	jw_real(&w, NAN);
	jw_real(&w, INFINITY);
	jw_end(&w);
	assert_string_equal(buf_str(&b), "[null,null]");
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_always_valid),
		cmocka_unit_test(test_specials_anywhere),
		cmocka_unit_test(test_reals_as_jansson),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
