/*
 * test_text.c - tests of src/rules/text.c: fold points of mail text as a
 * table of named cases, and strict subject tags.
 */
#include "util/common.h"
#include "rules/text.h"
#include "testlib.h"

struct fold_case {
	const char *name;
	const char *text;
	enum text_quote quote;
	const char *quote_starts; /* NULL: no quote (quote_at is the length) */
	const char *sig_starts;   /* NULL: no signature (sig_at is quote_at) */
	const char *body_ends;    /* the new text ends with this */
};

static const struct fold_case fold_cases[] = {
	{"plain text", "Hello,\n\nthe printer is on fire.\n", TEXT_QUOTE_NONE, NULL, NULL,
	 "on fire."},
	{"empty", "", TEXT_QUOTE_NONE, NULL, NULL, ""},
	{"gmail attribution", "Thanks, it works.\n\nOn Mon, Nov 30, 2026 at 10:00 AM Support "
	 "<support@desk.example> wrote:\n> Try turning it off.\n> \n> Bye\n",
	 TEXT_QUOTE_ATTRIBUTION, "On Mon, Nov 30", NULL, "it works."},
	{"gmail attribution wrapped", "Yes.\n\nOn Mon, Nov 30, 2026 at 10:00 AM Very Long Name "
	 "Of The\nSupport Team <support@desk.example> wrote:\n\n> old\n",
	 TEXT_QUOTE_ATTRIBUTION, "On Mon", NULL, "Yes."},
	{"inline answers are not folded", "On Mon, Nov 30, 2026 Bob wrote:\n> question one\n"
	 "answer one\n> question two\nanswer two\n", TEXT_QUOTE_NONE, NULL, NULL, "answer two"},
	{"german", "Danke!\n\nAm 30.11.2026 um 10:00 schrieb Support <support@desk.example>:\n"
	 "> Hallo\n", TEXT_QUOTE_ATTRIBUTION, "Am 30.11.2026", NULL, "Danke!"},
	{"french", "Merci.\n\nLe lun. 30 nov. 2026 à 10:00, Support <s@d.example> a écrit :\n"
	 "> Bonjour\n", TEXT_QUOTE_ATTRIBUTION, "Le lun.", NULL, "Merci."},
	{"outlook original message", "Done.\r\n\r\n-----Original Message-----\r\nFrom: Support\r\n"
	 "Sent: Monday\r\n\r\nold text\r\n", TEXT_QUOTE_ORIGINAL, "-----Original Message-----",
	 NULL, "Done."},
	{"outlook header block", "See attached.\n\n________________________________\nFrom: Support "
	 "<support@desk.example>\nSent: Monday, November 30, 2026 10:00\nTo: Bob\nSubject: Re: "
	 "x\n\nold text\n", TEXT_QUOTE_HEADERS, "________________", NULL, "See attached."},
	{"outlook bold header block", "Ok\n\n*From:* Support\n*Sent:* Monday\n\nold\n",
	 TEXT_QUOTE_HEADERS, "*From:* Support", NULL, "Ok"},
	{"german outlook", "Ok\n\nVon: Support\nGesendet: Montag, 30. November 2026\nAn: Bob\n",
	 TEXT_QUOTE_HEADERS, "Von: Support", NULL, "Ok"},
	{"from alone is not history", "From: the logs I see this\nerror 42\n", TEXT_QUOTE_NONE,
	 NULL, NULL, "error 42"},
	{"forward", "FYI\n\nBegin forwarded message:\n\nFrom: x\n", TEXT_QUOTE_FORWARD,
	 "Begin forwarded", NULL, "FYI"},
	{"trailing quote marks", "I agree.\n\n> you said\n> this\n", TEXT_QUOTE_MARKS,
	 "> you said", NULL, "I agree."},
	{"quote marks with a short attribution", "I agree.\n\nBob wrote:\n> you said\n",
	 TEXT_QUOTE_MARKS, "Bob wrote:", NULL, "I agree."},
	{"signature", "Fixed.\n\n-- \nBob Smith\nAcme\n", TEXT_QUOTE_NONE, NULL, "-- \nBob",
	 "Fixed."},
	{"signature before quote", "Fixed.\n-- \nBob\n\nOn Tue, Dec 1, 2026, Support wrote:\n"
	 "> hi\n", TEXT_QUOTE_ATTRIBUTION, "On Tue", "-- \nBob", "Fixed."},
	{"long dash block is no signature", "a\n-- \n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n"
	 "14\n15\n16\n", TEXT_QUOTE_NONE, NULL, NULL, "16"},
	{"sign-off", "The export fails since Monday.\n\nBest regards,\nBob\n", TEXT_QUOTE_NONE,
	 NULL, "Best regards,", "since Monday."},
	{"sent from my iphone", "Yes please\n\nSent from my iPhone\n", TEXT_QUOTE_NONE, NULL,
	 "Sent from my iPhone", "Yes please"},
	{"thanks as the first line stays", "Thanks!\n", TEXT_QUOTE_NONE, NULL, NULL, "Thanks!"},
	{"all quoted", "> only a quote\n", TEXT_QUOTE_MARKS, "> only a quote", NULL, ""},
};

static void test_fold_cases(void **state)
{
	int failures = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(fold_cases); i++) {
		const struct fold_case *c = &fold_cases[i];
		size_t len = strlen(c->text), be = strlen(c->body_ends);
		struct text_fold f;

		text_fold_points(c->text, len, &f);
		if (f.quote != c->quote ||
		    (c->quote_starts ? strncmp(c->text + f.quote_at, c->quote_starts,
					       strlen(c->quote_starts)) != 0
				     : f.quote_at != len) ||
		    (c->sig_starts ? strncmp(c->text + f.sig_at, c->sig_starts,
					     strlen(c->sig_starts)) != 0
				   : f.sig_at != f.quote_at) ||
		    f.body_end < be || strncmp(c->text + f.body_end - be, c->body_ends, be) != 0 ||
		    f.body_end > f.sig_at || f.sig_at > f.quote_at || f.quote_at > len) {
			print_error("%s: quote %s at %zu, sig at %zu, body_end %zu\n", c->name,
				    text_quote_name(f.quote), f.quote_at, f.sig_at, f.body_end);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

/* Fold points never pass the text nor each other, whatever the bytes. */
static void test_fold_bounds(void **state)
{
	static const char *const texts[] = {"\n", "\r\n\r\n", ">", "On x wrote:", "-- ",
					    "--\n", "From: a\nSent: b", "a\nOn", "\0\0\n>"};
	struct text_fold f;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		size_t len = strlen(texts[i]);
		text_fold_points(texts[i], len, &f);
		assert_true(f.body_end <= f.sig_at && f.sig_at <= f.quote_at && f.quote_at <= len);
	}
	text_fold_points(NULL, 0, &f);
	assert_int_equal(f.quote_at, 0);
}

/* Many attribution-like lines: the scan stays linear (a quadratic one times out here). */
static void test_fold_linear(void **state)
{
	static const char *const units[] = {"On a wrote:\n", "On a wrote:\n> q\nx\n",
					    "From: a\n", "-- \n"};
	struct text_fold f;

	(void)state;
	for (size_t u = 0; u < ARRAY_SIZE(units); u++) {
		size_t ul = strlen(units[u]), n = 200000;
		char *t = malloc(ul * n + 8);
		assert_non_null(t);
		for (size_t i = 0; i < n; i++)
			memcpy(t + i * ul, units[u], ul);
		memcpy(t + ul * n, "> q\nx\n", 7);
		text_fold_points(t, ul * n + 6, &f);
		assert_true(f.quote_at <= ul * n + 6);
		free(t);
	}
}

static void test_ticket_tag(void **state)
{
	static const struct {
		const char *s;
		int64_t want;
	} cases[] = {
		{"Re: [#1234] Printer", 1234},
		{"[#1]", 1},
		{"Re: Printer [#77]", 77},
		{"[#0]", 0},
		{"[#0123]", 0},
		{"[# 12]", 0},
		{"[#12 ]", 0},
		{"[#12", 0},
		{"#12", 0},
		{"[12]", 0},
		{"[#-12]", 0},
		{"[#12a]", 0},
		{"[#1234567890123456]", 0},
		{"[#123456789012345]", 123456789012345},
		{"[#x] then [#9]", 9},
		{"", 0},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		if (text_ticket_tag(cases[i].s, strlen(cases[i].s)) != cases[i].want)
			fail_msg("'%s': got %" PRId64 ", want %" PRId64, cases[i].s,
				 text_ticket_tag(cases[i].s, strlen(cases[i].s)), cases[i].want);
	/* Length bounds the scan: the tag past len is not seen. */
	assert_int_equal(text_ticket_tag("[#12]", 4), 0);
	assert_int_equal(text_ticket_tag(NULL, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold_cases),
		cmocka_unit_test(test_fold_bounds),
		cmocka_unit_test(test_fold_linear),
		cmocka_unit_test(test_ticket_tag),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
