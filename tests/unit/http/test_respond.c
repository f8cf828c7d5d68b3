/* test_respond.c - tests of src/http/respond.c: the Content-Disposition of downloads. */
#include "util/common.h"
#include "http/http.h"
#include "testlib.h"

static void test_content_disposition(void **state)
{
	static const struct {
		const char *name;
		const char *filename;
		const char *want;
	} cases[] = {
		{"plain", "report.pdf", "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"},
		{"space", "my report.pdf",
		 "attachment; filename=\"my report.pdf\"; filename*=UTF-8''my%20report.pdf"},
		{"quotes and backslash", "a\"b\\c.txt",
		 "attachment; filename=\"a_b_c.txt\"; filename*=UTF-8''a%22b%5Cc.txt"},
		{"CRLF cannot start a header", "x\r\nSet-Cookie: a=b",
		 "attachment; filename=\"x__Set-Cookie: a=b\"; filename*=UTF-8''x%0D%0ASet-Cookie%3A%20a%3Db"},
		{"UTF-8", "r\xc3\xa9sum\xc3\xa9 \xe2\x82\xac.pdf",
		 "attachment; filename=\"r_sum_ _.pdf\"; "
		 "filename*=UTF-8''r%C3%A9sum%C3%A9%20%E2%82%AC.pdf"},
		{"semicolon and percent", "a;b%41.txt",
		 "attachment; filename=\"a;b%41.txt\"; filename*=UTF-8''a%3Bb%2541.txt"},
		{"attr-chars kept", "a!#$&+-.^_`|~z",
		 "attachment; filename=\"a!#$&+-.^_`|~z\"; filename*=UTF-8''a!#$&+-.^_`|~z"},
		{"empty", "", "attachment; filename=\"attachment\"; filename*=UTF-8''"},
	};
	struct arena a;

	(void)state;
	arena_init(&a);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *got = http_content_disposition(&a, cases[i].filename);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case '%s': got '%s'", cases[i].name, got);
		if (strpbrk(got, "\r\n"))
			fail_msg("case '%s': a line break in the header", cases[i].name);
	}
	arena_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content_disposition),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
