/* test_model.c - tests of src/rules/model.c: every name round-trips. */
#include "util/common.h"
#include "rules/model.h"
#include "testlib.h"

/* One enumeration: its names as the database stores them, and its functions. */
struct vocab {
	const char *what;
	const char *const *names;
	size_t count;
	const char *(*name)(int v);
	int (*parse)(const char *s);
	const char *(*joined)(void);
};

static const char *const roles[] = {"admin", "agent", "engineer", "customer"};
static const char *const statuses[] = {"new", "open", "pending", "on_hold", "solved", "closed"};
static const char *const priorities[] = {"low", "normal", "high", "urgent"};
static const char *const channels[] = {"email", "web", "api", "cli", "portal", "phone"};
static const char *const kinds[] = {"public", "internal"};
static const char *const links[] = {"related", "incident", "follow_up", "merged"};

/* Adapters: the name functions take their own enum types. */
static const char *role_n(int v)
{
	return role_name((enum role)v);
}

static const char *status_n(int v)
{
	return status_name((enum status)v);
}

static const char *priority_n(int v)
{
	return priority_name((enum priority)v);
}

static const char *channel_n(int v)
{
	return channel_name((enum channel)v);
}

static const char *kind_n(int v)
{
	return msg_kind_name((enum msg_kind)v);
}

static const char *link_n(int v)
{
	return link_kind_name((enum link_kind)v);
}

static const struct vocab vocabs[] = {
	{"role", roles, ROLE__COUNT, role_n, role_parse, role_names},
	{"status", statuses, STATUS__COUNT, status_n, status_parse, status_names},
	{"priority", priorities, PRIORITY__COUNT, priority_n, priority_parse, priority_names},
	{"channel", channels, CHANNEL__COUNT, channel_n, channel_parse, channel_names},
	{"msg_kind", kinds, MSG__COUNT, kind_n, msg_kind_parse, NULL},
	{"link_kind", links, LINK__COUNT, link_n, link_kind_parse, link_kind_names},
};

static void test_counts_match_names(void **state)
{
	(void)state;
	assert_int_equal(ARRAY_SIZE(roles), ROLE__COUNT);
	assert_int_equal(ARRAY_SIZE(statuses), STATUS__COUNT);
	assert_int_equal(ARRAY_SIZE(priorities), PRIORITY__COUNT);
	assert_int_equal(ARRAY_SIZE(channels), CHANNEL__COUNT);
	assert_int_equal(ARRAY_SIZE(kinds), MSG__COUNT);
	assert_int_equal(ARRAY_SIZE(links), LINK__COUNT);
}

static void test_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(vocabs); i++) {
		const struct vocab *v = &vocabs[i];
		for (size_t k = 0; k < v->count; k++) {
			const char *n = v->name((int)k);
			if (strcmp(n, v->names[k]) != 0)
				fail_msg("%s %zu is named '%s', want '%s'", v->what, k, n,
					 v->names[k]);
			if (v->parse(n) != (int)k)
				fail_msg("%s '%s' parses to %d, want %zu", v->what, n, v->parse(n), k);
		}
	}
}

static void test_unknown_names(void **state)
{
	(void)state;
	static const char *const unknown[] = {
		"", "?", "Admin", "OPEN", " open", "open ", "on-hold", "onhold", "solve", "urgentt",
		"follow-up", "e-mail", "internal\n", "publicx", "superuser",
	};
	for (size_t i = 0; i < ARRAY_SIZE(vocabs); i++) {
		const struct vocab *v = &vocabs[i];
		for (size_t k = 0; k < ARRAY_SIZE(unknown); k++)
			if (v->parse(unknown[k]) != -1)
				fail_msg("%s parses '%s'", v->what, unknown[k]);
		assert_int_equal(v->parse(NULL), -1);
		/* Values outside the enumeration have the placeholder name. */
		assert_string_equal(v->name((int)v->count), "?");
		assert_string_equal(v->name(-1), "?");
	}
}

/* The joined lists for error messages hold exactly the names, in order. */
static void test_joined_names(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(vocabs); i++) {
		const struct vocab *v = &vocabs[i];
		char want[256] = "";
		size_t len = 0;

		if (!v->joined)
			continue;
		for (size_t k = 0; k < v->count; k++)
			len += (size_t)snprintf(want + len, sizeof(want) - len, "%s%s",
						k ? ", " : "", v->names[k]);
		assert_string_equal(v->joined(), want);
	}
}

static void test_role_predicates(void **state)
{
	(void)state;
	static const struct {
		enum role r;
		bool staff, answers;
	} cases[] = {
		{ROLE_ADMIN, true, true},
		{ROLE_AGENT, true, true},
		{ROLE_ENGINEER, true, false},
		{ROLE_CUSTOMER, false, false},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(role_is_staff(cases[i].r), cases[i].staff);
		assert_int_equal(role_answers_customers(cases[i].r), cases[i].answers);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_match_names),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_unknown_names),
		cmocka_unit_test(test_joined_names),
		cmocka_unit_test(test_role_predicates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
