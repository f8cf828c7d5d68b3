/*
 * test_desk.c - tests of src/desk/desk.c: opening a desk, actors, and the
 * validation every use case shares (emails, text, tags).
 */
#include "util/common.h"
#include "desk/desk.h"
#include "testlib.h"

static void test_open_missing_and_reopen(void **state)
{
	(void)state;
	char *dir = tl_tmpdir("desk-open");
	char *path = tl_join(dir, "desk.db");
	struct store_options o = {.target = path, .create = false, .sync = DB_SYNC_OFF,
				  .busy_timeout_ms = 100};
	struct desk *d = NULL;
	struct err e = ERR_INIT;

	assert_int_equal(desk_open(&d, &o, &e), ERR_NOT_FOUND);
	assert_null(d);
	assert_contains(e.msg, path);
	o.create = true;
	assert_int_equal(desk_open(&d, &o, &e), ERR_OK);
	assert_non_null(d);
	desk_close(d);
	o.create = false;
	assert_int_equal(desk_open(&d, &o, &e), ERR_OK);
	desk_close(d);
	desk_close(NULL);
	free(path);
	tl_rmtree(dir);
	free(dir);
}

static void test_system_actor(void **state)
{
	(void)state;
	assert_int_equal(desk_system_actor.user_id, 0);
	assert_int_equal(desk_system_actor.role, ROLE_ADMIN);
}

struct email_case {
	const char *name;
	const char *in;
	const char *out; /* NULL: ERR_INVALID */
};

static const struct email_case email_cases[] = {
	{"plain", "alice@example.com", "alice@example.com"},
	{"folded and trimmed", "  Alice.Smith@Example.COM\t", "alice.smith@example.com"},
	{"plus address", "a+tag@x.io", "a+tag@x.io"},
	{"utf-8 local part kept", "j\xc3\xb6rg@example.de", "j\xc3\xb6rg@example.de"},
	{"empty", "", NULL},
	{"only spaces", "   ", NULL},
	{"no at", "alice.example.com", NULL},
	{"nothing before at", "@example.com", NULL},
	{"nothing after at", "alice@", NULL},
	{"two ats", "a@b@c", NULL},
	{"inner space", "al ice@example.com", NULL},
	{"angle brackets", "<alice@example.com>", NULL},
	{"a list", "a@x.io,b@x.io", NULL},
	{"quote", "\"a\"@x.io", NULL},
	{"control character", "a\x01@x.io", NULL},
	{"not utf-8", "a\xff@x.io", NULL},
};

static void test_email_norm_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(email_cases); i++) {
		const struct email_case *c = &email_cases[i];
		char out[DESK_EMAIL_MAX + 1] = "";
		struct err e = ERR_INIT;
		enum err_code rc = desk_email_norm(c->in, out, &e);

		if (c->out && (rc != ERR_OK || strcmp(out, c->out) != 0))
			fail_msg("case '%s': %s '%s' (%s)", c->name, err_code_name(rc), out, e.msg);
		if (!c->out && (rc != ERR_INVALID || e.msg[0] == '\0'))
			fail_msg("case '%s': %s, want invalid", c->name, err_code_name(rc));
	}
	char out[DESK_EMAIL_MAX + 1];
	struct err e = ERR_INIT;
	assert_int_equal(desk_email_norm(NULL, out, &e), ERR_INVALID);
}

static void test_email_norm_length(void **state)
{
	(void)state;
	char in[DESK_EMAIL_MAX + 2], out[DESK_EMAIL_MAX + 1];
	struct err e = ERR_INIT;
	const char *domain = "@example.com";
	size_t dl = strlen(domain);

	/* Exactly DESK_EMAIL_MAX bytes fits... */
	memset(in, 'a', DESK_EMAIL_MAX - dl);
	memcpy(in + DESK_EMAIL_MAX - dl, domain, dl + 1);
	assert_int_equal(strlen(in), DESK_EMAIL_MAX);
	assert_int_equal(desk_email_norm(in, out, &e), ERR_OK);
	assert_string_equal(out, in);
	/* ...one more byte does not. */
	memset(in, 'a', DESK_EMAIL_MAX + 1 - dl);
	memcpy(in + DESK_EMAIL_MAX + 1 - dl, domain, dl + 1);
	assert_int_equal(desk_email_norm(in, out, &e), ERR_INVALID);
}

struct text_case {
	const char *name;
	const char *s;
	size_t max;
	bool multiline;
	enum err_code rc;
	const char *msg; /* part of the message, when refused */
};

static const struct text_case text_cases[] = {
	{"plain", "Printer on fire", 250, false, ERR_OK, NULL},
	{"tab is fine", "a\tb", 250, false, ERR_OK, NULL},
	{"multibyte counts code points", "\xc3\xa9\xc3\xa9\xc3\xa9", 3, false, ERR_OK, NULL},
	{"one code point too many", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 3, false, ERR_INVALID,
	 "limit is 3"},
	{"newline in one-line text", "a\nb", 250, false, ERR_INVALID, "one line"},
	{"carriage return in one-line text", "a\rb", 250, false, ERR_INVALID, "one line"},
	{"newline in multi-line text", "a\r\nb", 250, true, ERR_OK, NULL},
	{"empty", "", 250, false, ERR_INVALID, "empty"},
	{"only spaces", " \t ", 250, true, ERR_INVALID, "empty"},
	{"control character", "a\x07", 250, true, ERR_INVALID, "control"},
	{"escape sequence", "\x1b[2J", 250, true, ERR_INVALID, "control"},
	{"not utf-8, with the offset", "abc\xff", 250, true, ERR_INVALID, "offset 3"},
	{"overlong slash", "\xc0\xaf", 250, true, ERR_INVALID, "UTF-8"},
	{"surrogate", "\xed\xa0\x80", 250, true, ERR_INVALID, "UTF-8"},
};

static void test_check_text_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(text_cases); i++) {
		const struct text_case *c = &text_cases[i];
		struct err e = ERR_INIT;
		enum err_code rc = desk_check_text("subject", c->s, c->max, c->multiline, &e);

		if (rc != c->rc)
			fail_msg("case '%s': %s (%s)", c->name, err_code_name(rc), e.msg);
		if (c->msg) {
			assert_contains(e.msg, c->msg);
			assert_contains(e.msg, "subject"); /* names the field */
		}
	}
	struct err e = ERR_INIT;
	assert_int_equal(desk_check_text("body", NULL, 10, true, &e), ERR_INVALID);
	assert_contains(e.msg, "body");
}

struct tag_case {
	const char *name;
	const char *in;
	const char *out; /* NULL: ERR_INVALID */
};

static const struct tag_case tag_cases[] = {
	{"lower-cased", "VPN", "vpn"},
	{"every allowed character", "a-b_c.d:e9", "a-b_c.d:e9"},
	{"trimmed", "  billing ", "billing"},
	{"empty", "", NULL},
	{"spaces only", "   ", NULL},
	{"inner space", "two words", NULL},
	{"slash", "a/b", NULL},
	{"non-ascii", "caf\xc3\xa9", NULL},
	{"hash", "#urgent", NULL},
};

static void test_tag_norm_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(tag_cases); i++) {
		const struct tag_case *c = &tag_cases[i];
		char out[DESK_TAG_MAX + 1] = "";
		struct err e = ERR_INIT;
		enum err_code rc = desk_tag_norm(c->in, out, &e);

		if (c->out && (rc != ERR_OK || strcmp(out, c->out) != 0))
			fail_msg("case '%s': %s '%s'", c->name, err_code_name(rc), out);
		if (!c->out && rc != ERR_INVALID)
			fail_msg("case '%s': %s, want invalid", c->name, err_code_name(rc));
	}
	char in[DESK_TAG_MAX + 2], out[DESK_TAG_MAX + 1];
	struct err e = ERR_INIT;
	memset(in, 'x', DESK_TAG_MAX);
	in[DESK_TAG_MAX] = '\0';
	assert_int_equal(desk_tag_norm(in, out, &e), ERR_OK);
	in[DESK_TAG_MAX] = 'x';
	in[DESK_TAG_MAX + 1] = '\0';
	assert_int_equal(desk_tag_norm(in, out, &e), ERR_INVALID);
	assert_int_equal(desk_tag_norm(NULL, out, &e), ERR_INVALID);
}

static void test_actor_by_email(void **state)
{
	(void)state;
	struct tl_desk t;
	struct actor a = {0};
	struct err e = ERR_INIT;

	tl_desk_open(&t, "desk-actor");
	assert_int_equal(desk_actor_by_email(t.d, " CAROL@Acme.com ", &a, &e), ERR_OK);
	assert_int_equal(a.user_id, t.carol.user_id);
	assert_int_equal(a.role, ROLE_CUSTOMER);
	assert_int_equal(a.organisation_id, t.acme);
	assert_int_equal(desk_actor_by_email(t.d, "agent@desk.io", &a, &e), ERR_OK);
	assert_int_equal(a.role, ROLE_AGENT);

	assert_int_equal(desk_actor_by_email(t.d, "nobody@desk.io", &a, &e), ERR_NOT_FOUND);
	assert_contains(e.msg, "nobody@desk.io");
	assert_int_equal(desk_actor_by_email(t.d, "not an email", &a, &e), ERR_INVALID);

	/* A deactivated user cannot act. */
	struct user_change c = {.name = NULL, .role = -1, .organisation = NULL, .active = 0};
	assert_int_equal(desk_user_set(t.d, &t.admin, "bob@example.com", &c, &e), ERR_OK);
	assert_int_equal(desk_actor_by_email(t.d, "bob@example.com", &a, &e), ERR_FORBIDDEN);
	assert_contains(e.msg, "deactivated");
	tl_desk_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_missing_and_reopen),
		cmocka_unit_test(test_system_actor),
		cmocka_unit_test(test_email_norm_table),
		cmocka_unit_test(test_email_norm_length),
		cmocka_unit_test(test_check_text_table),
		cmocka_unit_test(test_tag_norm_table),
		cmocka_unit_test(test_actor_by_email),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
