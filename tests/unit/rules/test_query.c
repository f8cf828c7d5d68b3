/*
 * test_query.c - tests of src/rules/query.c: the search box's syntax, its
 * terms, and the column every syntax error names.
 */
#include "util/common.h"
#include "rules/query.h"
#include "testlib.h"

/* The parsed query in a compact form: groups joined by " & ", "-" for negated,
 * "|" between OR'd terms, w:word p:prefix q:"phrase". */
static const char *show(struct arena *a, const struct query *q)
{
	char *out = arena_alloc(a, 1024);
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < q->ngroups; i++) {
		const struct query_group *g = &q->groups[i];
		n += (size_t)snprintf(out + n, 1024 - n, "%s%s", i ? " & " : "", g->negated ? "-" : "");
		for (size_t k = 0; k < g->nterms; k++) {
			const struct query_term *t = &g->terms[k];
			n += (size_t)snprintf(out + n, 1024 - n, "%s%c:%s@%zu", k ? "|" : "",
					      t->kind == QUERY_WORD ? 'w' : t->kind == QUERY_PREFIX ? 'p' : 'q',
					      t->text, t->column);
		}
	}
	return out;
}

static const struct {
	const char *in, *want;
} good[] = {
	{"refund", "w:refund@1"},
	{"  refund   invoice ", "w:refund@3 & w:invoice@12"},
	{"\"card declined\"", "q:card declined@1"},
	{"refu*", "p:refu@1"},
	{"refund -paypal", "w:refund@1 & -w:paypal@8"},
	{"refund -\"bank transfer\"", "w:refund@1 & -q:bank transfer@8"},
	{"stripe OR paypal refund", "w:stripe@1|w:paypal@11 & w:refund@18"},
	{"a OR b OR c", "w:a@1|w:b@6|w:c@11"},
	{"or and not", "w:or@1 & w:and@4 & w:not@8"},      /* only OR is an operator */
	{"e-mail INV-2025", "w:e-mail@1 & w:INV-2025@8"},  /* inner punctuation stays */
	{"café naïve", "w:café@1 & w:naïve@6"},             /* columns count characters */
	{"refund — ... !!", "w:refund@1"},                  /* symbols alone are ignored */
	{"\"\" refund", "w:refund@4"},
	{"x\"y z\"", "w:x@1 & q:y z@2"},
	{"NOT(this)", "w:NOT(this)@1"},                     /* FTS5 syntax is only text */
	{"über* éa*", "p:über@1 & p:éa@7"},
};

static void test_parses(void **state)
{
	(void)state;
	struct arena a;
	int failures = 0;

	arena_init(&a);
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		struct query q;
		struct query_error err;
		if (query_parse(good[i].in, strlen(good[i].in), &a, &q, &err) < 0) {
			print_error("'%s': error %s\n", good[i].in, err.msg);
			failures++;
			continue;
		}
		const char *got = show(&a, &q);
		if (strcmp(got, good[i].want) != 0) {
			print_error("'%s': got %s, want %s\n", good[i].in, got, good[i].want);
			failures++;
		}
	}
	arena_release(&a);
	assert_int_equal(failures, 0);
}

static const struct {
	const char *in;
	size_t column;
	const char *says;
} bad[] = {
	{"\"card declined", 1, "unclosed quote"},
	{"refund \"card", 8, "unclosed quote"},
	{"café \"x", 6, "unclosed quote"},
	{"OR refund", 1, "needs a word before"},
	{"refund OR", 8, "needs a word after"},
	{"refund OR OR x", 11, "needs a word before"},
	{"refund -", 8, "'-' at column 8"},
	{"- refund", 1, "'-' at column 1"},
	{"-paypal", 1, "only excludes"},
	{"-a -b", 1, "only excludes"},
	{"-a OR b", 4, "cannot be combined with OR"},
	{"a OR -b", 6, "cannot be combined with OR"},
	{"a*b", 2, "can only end a word"},
	{"ab**", 3, "can only end a word"},
	{"*", 1, "needs a word before it"},
	{"x a*", 3, "at least 2 characters"},
	{"\"a b\"*", 6, "follows a phrase"},
	{"", 1, "no words"},
	{"   ", 1, "no words"},
	{"— !!", 1, "no words"},
	{"a b c d e f g h i j k l m n o p q", 33, "more than 16 terms"},
};

static void test_errors_name_the_column(void **state)
{
	(void)state;
	struct arena a;
	int failures = 0;

	arena_init(&a);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct query q;
		struct query_error err;
		char col[32];
		if (query_parse(bad[i].in, strlen(bad[i].in), &a, &q, &err) == 0) {
			print_error("'%s': parsed, want an error\n", bad[i].in);
			failures++;
			continue;
		}
		snprintf(col, sizeof(col), "%zu", bad[i].column);
		if (err.column != bad[i].column || !strstr(err.msg, bad[i].says) ||
		    !strstr(err.msg, col)) {
			print_error("'%s': column %zu '%s', want column %zu and '%s'\n", bad[i].in,
				    err.column, err.msg, bad[i].column, bad[i].says);
			failures++;
		}
	}
	arena_release(&a);
	assert_int_equal(failures, 0);
}

static void test_length_limit(void **state)
{
	(void)state;
	struct arena a;
	struct query q;
	struct query_error err;
	char s[QUERY_MAX_BYTES + 2];

	arena_init(&a);
	memset(s, 'x', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	assert_int_equal(query_parse(s, QUERY_MAX_BYTES, &a, &q, &err), 0);
	assert_int_equal(query_parse(s, QUERY_MAX_BYTES + 1, &a, &q, &err), -1);
	assert_int_equal(err.column, QUERY_MAX_BYTES + 1);
	assert_contains(err.msg, "longer than");
	arena_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parses),
		cmocka_unit_test(test_errors_name_the_column),
		cmocka_unit_test(test_length_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
