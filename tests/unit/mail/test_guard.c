/*
 * test_guard.c - tests of src/mail/guard.c: each rule of mail/guard.h on a
 * message made by hand, as a table of named cases.
 */
#include "util/common.h"
#include "mail/guard.h"
#include "testlib.h"

struct guard_case {
	const char *name;
	struct mail_inbound m;
	bool allowed;
	enum mail_guard_reason reason;
	enum mail_kind kind;
};

#define FROM(a) .from = {"", a}

static const struct guard_case cases[] = {
	{"a person", {FROM("bob@example.com"), .subject = "Printer"}, true, MAIL_GUARD_OK,
	 MAIL_KIND_PERSON},
	{"own address", {FROM("support@desk.example")}, false, MAIL_GUARD_OWN_ADDRESS,
	 MAIL_KIND_AUTOMATIC},
	{"own address, other case", {FROM("Support@DESK.example")}, false,
	 MAIL_GUARD_OWN_ADDRESS, MAIL_KIND_AUTOMATIC},
	{"second own address", {FROM("billing@desk.example")}, false, MAIL_GUARD_OWN_ADDRESS,
	 MAIL_KIND_AUTOMATIC},
	{"x-loop", {FROM("bob@example.com"), .x_loop = "support@desk.example"}, false,
	 MAIL_GUARD_OWN_ADDRESS, MAIL_KIND_AUTOMATIC},
	{"bounce", {FROM("MAILER-DAEMON@mx.example.com"), .bounce = true,
		    .null_return_path = true}, false, MAIL_GUARD_BOUNCE, MAIL_KIND_BOUNCE},
	{"null return path", {FROM("bob@example.com"), .null_return_path = true}, false,
	 MAIL_GUARD_NULL_RETURN_PATH, MAIL_KIND_AUTOMATIC},
	{"auto-submitted no", {FROM("bob@example.com"), .auto_submitted = "no"}, true,
	 MAIL_GUARD_OK, MAIL_KIND_PERSON},
	{"auto-submitted No with comment", {FROM("bob@example.com"), .auto_submitted = " No (x)"},
	 true, MAIL_GUARD_OK, MAIL_KIND_PERSON},
	{"auto-replied", {FROM("bob@example.com"), .auto_submitted = "auto-replied"}, false,
	 MAIL_GUARD_AUTO_SUBMITTED, MAIL_KIND_AUTOMATIC},
	{"auto-generated", {FROM("bob@example.com"), .auto_submitted = "auto-generated"}, false,
	 MAIL_GUARD_AUTO_SUBMITTED, MAIL_KIND_AUTOMATIC},
	{"nonsense auto-submitted", {FROM("bob@example.com"), .auto_submitted = "noway"}, false,
	 MAIL_GUARD_AUTO_SUBMITTED, MAIL_KIND_AUTOMATIC},
	{"x-autoreply", {FROM("bob@example.com"), .x_autoreply = "yes"}, false,
	 MAIL_GUARD_AUTO_REPLY_HEADER, MAIL_KIND_AUTOMATIC},
	{"x-autorespond", {FROM("bob@example.com"), .x_autorespond = "1"}, false,
	 MAIL_GUARD_AUTO_REPLY_HEADER, MAIL_KIND_AUTOMATIC},
	{"precedence bulk", {FROM("news@example.com"), .precedence = "bulk"}, false,
	 MAIL_GUARD_PRECEDENCE, MAIL_KIND_BULK},
	{"precedence junk", {FROM("news@example.com"), .precedence = "Junk"}, false,
	 MAIL_GUARD_PRECEDENCE, MAIL_KIND_BULK},
	{"precedence list", {FROM("news@example.com"), .precedence = "list"}, false,
	 MAIL_GUARD_PRECEDENCE, MAIL_KIND_BULK},
	{"precedence auto_reply", {FROM("bob@example.com"), .precedence = "auto_reply"}, false,
	 MAIL_GUARD_PRECEDENCE, MAIL_KIND_AUTOMATIC},
	{"precedence first-class", {FROM("bob@example.com"), .precedence = "first-class"}, true,
	 MAIL_GUARD_OK, MAIL_KIND_PERSON},
	{"precedence bulky is not bulk", {FROM("bob@example.com"), .precedence = "bulky"}, true,
	 MAIL_GUARD_OK, MAIL_KIND_PERSON},
	{"list-id", {FROM("dev@lists.example.com"), .list_id = "<dev.lists.example.com>"}, false,
	 MAIL_GUARD_LIST, MAIL_KIND_BULK},
	{"list-unsubscribe", {FROM("shop@example.com"), .list_unsubscribe = "<mailto:u@x>"},
	 false, MAIL_GUARD_LIST, MAIL_KIND_BULK},
	{"suppress all", {FROM("bob@example.com"), .x_auto_response_suppress = "All"}, false,
	 MAIL_GUARD_SUPPRESS, MAIL_KIND_PERSON},
	{"suppress list", {FROM("bob@example.com"), .x_auto_response_suppress = "DR, OOF, AutoReply"},
	 false, MAIL_GUARD_SUPPRESS, MAIL_KIND_PERSON},
	{"suppress receipts only", {FROM("bob@example.com"), .x_auto_response_suppress = "DR, RN, NRN"},
	 true, MAIL_GUARD_OK, MAIL_KIND_PERSON},
	{"out of office subject", {FROM("bob@example.com"), .subject = "Out of Office: Printer"},
	 false, MAIL_GUARD_AUTO_SUBJECT, MAIL_KIND_AUTOMATIC},
	{"german vacation subject", {FROM("bob@example.com"), .subject = "Abwesenheitsnotiz: x"},
	 false, MAIL_GUARD_AUTO_SUBJECT, MAIL_KIND_AUTOMATIC},
	{"no sender", {FROM(NULL)}, false, MAIL_GUARD_NO_SENDER, MAIL_KIND_PERSON},
	{"own address wins over list", {FROM("support@desk.example"), .list_id = "<x>"}, false,
	 MAIL_GUARD_OWN_ADDRESS, MAIL_KIND_AUTOMATIC},
};

static void test_cases(void **state)
{
	static const char *const own[] = {"support@desk.example", " <Billing@Desk.Example> "};
	int failures = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct mail_guard g;
		mail_guard_check(&cases[i].m, own, ARRAY_SIZE(own), &g);
		if (g.auto_reply_allowed != cases[i].allowed || g.reason != cases[i].reason ||
		    g.kind != cases[i].kind) {
			print_error("%s: allowed %d, %s, %s\n", cases[i].name, g.auto_reply_allowed,
				    mail_guard_reason_name(g.reason), mail_guard_kind_name(g.kind));
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

static void test_no_own_addresses(void **state)
{
	struct mail_inbound m = {FROM("support@desk.example")};
	struct mail_guard g;

	(void)state;
	mail_guard_check(&m, NULL, 3, &g);
	assert_true(g.auto_reply_allowed);
	assert_string_equal(mail_guard_reason_name(g.reason), "ok");
	assert_string_equal(mail_guard_kind_name(g.kind), "person");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_no_own_addresses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
