/* test_user.c - tests of src/desk/user.c: users, organisations, groups. */
#include "util/common.h"
#include "desk/desk.h"
#include "util/time.h"
#include "testlib.h"

static int setup(void **state)
{
	struct tl_desk *t = calloc(1, sizeof(*t));
	tl_desk_open(t, "desk-user");
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tl_desk *t = *state;
	tl_desk_close(t);
	free(t);
	return 0;
}

static void test_add_user(void **state)
{
	struct tl_desk *t = *state;
	struct arena a;
	struct err e = ERR_INIT;
	struct user_row u;
	int64_t id = 0;
	int64_t events = tl_count(t->d, "events");
	struct user_new_in in = {.email = " Grace.Hopper@Navy.MIL ", .name = NULL,
				 .role = ROLE_AGENT, .organisation = NULL};

	arena_init(&a);
	assert_int_equal(desk_user_add(t->d, &t->admin, &in, &id, &e), ERR_OK);
	assert_int_equal(desk_user_get(t->d, &desk_system_actor, &a, "grace.hopper@navy.mil", &u, &e), ERR_OK);
	assert_int_equal(u.id, id);
	assert_string_equal(u.email, "Grace.Hopper@Navy.MIL");
	assert_string_equal(u.name, "grace.hopper"); /* the local part when no name is given */
	assert_int_equal(u.role, ROLE_AGENT);
	assert_true(u.active);
	assert_int_equal(u.created_at, TL_T0);
	assert_int_equal(tl_count(t->d, "events"), events + 1); /* user.created */

	/* The same address in another case is the same user. */
	in.email = "GRACE.HOPPER@navy.mil";
	int64_t users = tl_count(t->d, "users");
	events = tl_count(t->d, "events");
	assert_int_equal(desk_user_add(t->d, &t->admin, &in, &id, &e), ERR_CONFLICT);
	assert_contains(e.msg, "GRACE.HOPPER@navy.mil");
	assert_int_equal(tl_count(t->d, "users"), users);
	assert_int_equal(tl_count(t->d, "events"), events);
	arena_release(&a);
}

static void test_add_user_refused(void **state)
{
	struct tl_desk *t = *state;
	struct err e = ERR_INIT;
	int64_t id;
	int64_t users = tl_count(t->d, "users"), events = tl_count(t->d, "events");
	struct user_new_in staff = {.email = "new.agent@desk.io", .role = ROLE_AGENT};
	struct user_new_in cust = {.email = "new.cust@x.io", .role = ROLE_CUSTOMER};

	/* Agents manage customers, not staff; customers and engineers manage nobody. */
	assert_int_equal(desk_user_add(t->d, &t->agent, &staff, &id, &e), ERR_FORBIDDEN);
	assert_int_equal(desk_user_add(t->d, &t->eng, &cust, &id, &e), ERR_FORBIDDEN);
	assert_int_equal(desk_user_add(t->d, &t->alice, &cust, &id, &e), ERR_FORBIDDEN);
	/* Bad input. */
	struct user_new_in bad = {.email = "not an email", .role = ROLE_CUSTOMER};
	assert_int_equal(desk_user_add(t->d, &t->admin, &bad, &id, &e), ERR_INVALID);
	bad = (struct user_new_in){.email = "x@x.io", .name = "two\nlines",
				   .role = ROLE_CUSTOMER};
	assert_int_equal(desk_user_add(t->d, &t->admin, &bad, &id, &e), ERR_INVALID);
	bad = (struct user_new_in){.email = "x@x.io", .role = ROLE_CUSTOMER,
				   .organisation = "No Such Org"};
	assert_int_equal(desk_user_add(t->d, &t->admin, &bad, &id, &e), ERR_NOT_FOUND);
	assert_int_equal(tl_count(t->d, "users"), users);
	assert_int_equal(tl_count(t->d, "events"), events);

	/* An agent may add a customer. */
	assert_int_equal(desk_user_add(t->d, &t->agent, &cust, &id, &e), ERR_OK);
}

static void test_set_user(void **state)
{
	struct tl_desk *t = *state;
	struct arena a;
	struct err e = ERR_INIT;
	struct user_row u;
	struct user_change c = {.name = "Alice Liddell", .role = -1, .organisation = "acme",
				.active = -1};

	arena_init(&a);
	int64_t events = tl_count(t->d, "events");
	assert_int_equal(desk_user_set(t->d, &t->agent, "alice@example.com", &c, &e), ERR_OK);
	assert_int_equal(desk_user_get(t->d, &desk_system_actor, &a, "alice@example.com", &u, &e), ERR_OK);
	assert_string_equal(u.name, "Alice Liddell");
	assert_int_equal(u.organisation_id, t->acme);
	assert_int_equal(tl_count(t->d, "events"), events + 2); /* name and organisation */

	/* An agent cannot make a customer staff; nobody demotes or disables themselves. */
	events = tl_count(t->d, "events");
	c = (struct user_change){.role = ROLE_ADMIN, .active = -1};
	assert_int_equal(desk_user_set(t->d, &t->agent, "alice@example.com", &c, &e),
			 ERR_FORBIDDEN);
	c = (struct user_change){.role = ROLE_AGENT, .active = -1};
	assert_int_equal(desk_user_set(t->d, &t->admin, "admin@desk.io", &c, &e), ERR_FORBIDDEN);
	c = (struct user_change){.role = -1, .active = 0};
	assert_int_equal(desk_user_set(t->d, &t->admin, "admin@desk.io", &c, &e), ERR_FORBIDDEN);
	assert_int_equal(desk_user_set(t->d, &t->admin, "ghost@desk.io", &c, &e), ERR_NOT_FOUND);
	assert_int_equal(tl_count(t->d, "events"), events);
	assert_int_equal(desk_user_get(t->d, &desk_system_actor, &a, "alice@example.com", &u, &e), ERR_OK);
	assert_int_equal(u.role, ROLE_CUSTOMER);
	arena_release(&a);
}

static void test_orgs_and_groups(void **state)
{
	struct tl_desk *t = *state;
	struct arena a;
	struct err e = ERR_INIT;
	struct rows rows;
	int64_t id;

	arena_init(&a);
	assert_int_equal(desk_org_add(t->d, &t->admin, "ACME", NULL, false, &id, &e),
			 ERR_CONFLICT); /* names are unique case-insensitively */
	assert_int_equal(desk_org_add(t->d, &t->agent, "Initech", NULL, false, &id, &e),
			 ERR_FORBIDDEN);
	assert_int_equal(desk_org_add(t->d, &t->admin, "Initech", "initech.com", true, &id, &e),
			 ERR_OK);
	assert_int_equal(desk_org_list(t->d, &t->agent, &a, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 3);

	assert_int_equal(desk_group_add(t->d, &t->admin, "tier 2", &id, &e), ERR_CONFLICT);
	assert_int_equal(desk_group_add(t->d, &t->agent, "Billing", &id, &e), ERR_FORBIDDEN);
	assert_int_equal(desk_group_add(t->d, &t->admin, "Billing", &id, &e), ERR_OK);
	assert_int_equal(desk_group_add_member(t->d, &t->admin, "billing", "agent@desk.io", true,
					       &e),
			 ERR_OK);
	/* Groups hold staff, not customers. */
	assert_int_equal(desk_group_add_member(t->d, &t->admin, "billing", "alice@example.com",
					       false, &e),
			 ERR_INVALID);
	assert_int_equal(desk_group_add_member(t->d, &t->admin, "sales", "agent@desk.io", false,
					       &e),
			 ERR_NOT_FOUND);
	assert_int_equal(desk_group_list(t->d, &t->eng, &a, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 2);
	assert_int_equal(desk_group_list(t->d, &t->alice, &a, &rows, &e), ERR_FORBIDDEN);
	assert_int_equal(desk_user_list(t->d, &t->alice, &a, -1, &rows, &e), ERR_FORBIDDEN);
	assert_int_equal(desk_user_list(t->d, &t->agent, &a, ROLE_ENGINEER, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 2);
	arena_release(&a);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_add_user),
		T(test_add_user_refused),
		T(test_set_user),
		T(test_orgs_and_groups),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
