/* test_perm.c - tests of src/rules/perm.c: every role, action and access. */
#include "util/common.h"
#include "rules/perm.h"
#include "testlib.h"

/*
 * The role table, written from the header of rules/perm.h:
 *   admin     everything;
 *   agent     every ticket action and customers, no settings (staff,
 *             organisations, groups);
 *   engineer  internal notes (and reading them), no replies, no field
 *             changes, no ticket creation; may list users to find people;
 *   customer  creates tickets for themselves and replies publicly.
 */
enum { Y = 1, N = 0 };

static const struct {
	enum action a;
	const char *name;
	bool allowed[ROLE__COUNT]; /* admin, agent, engineer, customer */
} table[] = {
	{ACT_TICKET_CREATE, "ticket create", {Y, Y, N, Y}},
	{ACT_TICKET_CREATE_FOR, "ticket create for", {Y, Y, N, N}},
	{ACT_REPLY, "reply", {Y, Y, N, Y}},
	{ACT_NOTE, "note", {Y, Y, Y, N}},
	{ACT_SET_FIELDS, "set fields", {Y, Y, N, N}},
	{ACT_MARK_SOLVED, "mark solved", {Y, Y, N, Y}},
	{ACT_FOLLOWERS, "followers", {Y, Y, N, N}},
	{ACT_MERGE, "merge", {Y, Y, N, N}},
	{ACT_LINK, "link", {Y, Y, N, N}},
	{ACT_SEE_INTERNAL, "see internal", {Y, Y, Y, N}},
	{ACT_USER_LIST, "user list", {Y, Y, Y, N}},
	{ACT_CUSTOMER_MANAGE, "customer manage", {Y, Y, N, N}},
	{ACT_STAFF_MANAGE, "staff manage", {Y, N, N, N}},
	{ACT_ORG_MANAGE, "org manage", {Y, N, N, N}},
	{ACT_GROUP_MANAGE, "group manage", {Y, N, N, N}},
	{ACT_JOBS, "jobs", {Y, N, N, N}},
	{ACT_SLA_MANAGE, "sla manage", {Y, N, N, N}},
	{ACT_REPORTS, "reports", {Y, Y, N, N}},
	{ACT_VIEWS, "views", {Y, Y, Y, N}},
	{ACT_VIEWS_SHARED, "shared views", {Y, N, N, N}},
};

static void test_table_is_complete(void **state)
{
	(void)state;
	assert_int_equal(ARRAY_SIZE(table), ACT__COUNT);
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		assert_int_equal(table[i].a, (enum action)i);
}

static void test_every_role_every_action(void **state)
{
	(void)state;
	int failures = 0;

	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		for (int r = 0; r < ROLE__COUNT; r++)
			if (perm_allows((enum role)r, table[i].a) != table[i].allowed[r]) {
				print_error("%s may %s: got %d, want %d\n", role_name((enum role)r),
					    table[i].name, !table[i].allowed[r],
					    table[i].allowed[r]);
				failures++;
			}
	assert_int_equal(failures, 0);
}

static void test_admin_allows_everything(void **state)
{
	(void)state;
	for (int a = 0; a < ACT__COUNT; a++)
		assert_true(perm_allows(ROLE_ADMIN, (enum action)a));
}

static void test_out_of_range(void **state)
{
	(void)state;
	assert_false(perm_allows(ROLE__COUNT, ACT_REPLY));
	assert_false(perm_allows(ROLE_ADMIN, ACT__COUNT));
	assert_false(perm_allows((enum role)-1, ACT_REPLY));
	assert_string_equal(action_name(ACT__COUNT), "?");
	struct ticket_access all = {true, true, true, true, true};
	assert_false(perm_ticket_visible(ROLE__COUNT, &all));
}

static void test_action_names(void **state)
{
	(void)state;
	for (int a = 0; a < ACT__COUNT; a++) {
		const char *n = action_name((enum action)a);
		assert_true(n && *n && strcmp(n, "?") != 0);
		for (int b = 0; b < a; b++)
			assert_string_not_equal(n, action_name((enum action)b));
	}
}

/* Independent reading of the header: who sees a ticket, from what relates them. */
static bool visible_ref(enum role r, const struct ticket_access *t)
{
	switch (r) {
	case ROLE_ADMIN:
	case ROLE_AGENT:
		return true; /* every ticket */
	case ROLE_ENGINEER:
		return t->assigned_to_me || t->in_my_group; /* assigned to them or their groups */
	case ROLE_CUSTOMER:
		/* their own, those they follow, their organisation's when it shares */
		return t->is_requester || t->is_follower || t->org_shared;
	default:
		return false;
	}
}

static void test_visibility_exhaustive(void **state)
{
	(void)state;
	int failures = 0;

	for (int r = 0; r < ROLE__COUNT; r++)
		for (unsigned bits = 0; bits < 32; bits++) {
			struct ticket_access t = {
				.is_requester = bits & 1,
				.is_follower = bits & 2,
				.org_shared = bits & 4,
				.assigned_to_me = bits & 8,
				.in_my_group = bits & 16,
			};
			bool got = perm_ticket_visible((enum role)r, &t);
			if (got != visible_ref((enum role)r, &t)) {
				print_error("%s, access bits %02x: visible %d\n",
					    role_name((enum role)r), bits, got);
				failures++;
			}
		}
	assert_int_equal(failures, 0);
}

/* A few spelled-out cases, so a wrong reference cannot hide a wrong rule. */
static void test_visibility_examples(void **state)
{
	(void)state;
	struct ticket_access none = {0};
	struct ticket_access requester = {.is_requester = true};
	struct ticket_access grouped = {.in_my_group = true};
	struct ticket_access assigned_customer = {.assigned_to_me = true, .in_my_group = true};

	assert_true(perm_ticket_visible(ROLE_AGENT, &none));
	assert_false(perm_ticket_visible(ROLE_ENGINEER, &none));
	assert_false(perm_ticket_visible(ROLE_ENGINEER, &requester));
	assert_true(perm_ticket_visible(ROLE_ENGINEER, &grouped));
	assert_false(perm_ticket_visible(ROLE_CUSTOMER, &none));
	assert_true(perm_ticket_visible(ROLE_CUSTOMER, &requester));
	/* Assignment means nothing for a customer. */
	assert_false(perm_ticket_visible(ROLE_CUSTOMER, &assigned_customer));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_is_complete),
		cmocka_unit_test(test_every_role_every_action),
		cmocka_unit_test(test_admin_allows_everything),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_action_names),
		cmocka_unit_test(test_visibility_exhaustive),
		cmocka_unit_test(test_visibility_examples),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
