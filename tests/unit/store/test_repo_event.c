/*
 * test_repo_event.c - tests of src/store/repo_event.c: the append-only
 * event log, row arrays and table counts.
 */
#include "util/common.h"
#include "store/repo.h"
#include "testlib.h"

struct fixture {
	struct tl_store ts;
	struct db *db;
	struct arena a;
	int64_t agent;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct err e = ERR_INIT;
	struct user_new agent = {"agent@desk.io", "agent@desk.io", "Agent", ROLE_AGENT, 0, 1};

	tl_store_open(&f->ts, "repo-event");
	f->db = f->ts.store.db;
	arena_init(&f->a);
	if (repo_user_insert(f->db, &agent, &f->agent, &e))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	arena_release(&f->a);
	tl_store_close(&f->ts);
	free(f);
	return 0;
}

static void test_add_and_list(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	struct rows rows;
	struct event_new created = {.entity = "ticket", .entity_id = 7, .kind = "ticket.created",
				    .actor_id = f->agent, .data = "{\"channel\":\"email\"}",
				    .at = 100};
	struct event_new status = {.entity = "ticket", .entity_id = 7, .kind = "field.status",
				   .actor_id = 0, .field = "status", .old_value = "new",
				   .new_value = "open", .at = 200};
	struct event_new elsewhere = {.entity = "ticket", .entity_id = 8, .kind = "ticket.created",
				      .at = 150};
	struct event_new user = {.entity = "user", .entity_id = 7, .kind = "user.created",
				 .at = 160};

	assert_int_equal(repo_event_add(f->db, &created, &e), ERR_OK);
	assert_int_equal(repo_event_add(f->db, &elsewhere, &e), ERR_OK);
	assert_int_equal(repo_event_add(f->db, &user, &e), ERR_OK);
	assert_int_equal(repo_event_add(f->db, &status, &e), ERR_OK);

	assert_int_equal(repo_event_list(f->db, &f->a, "ticket", 7, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 2); /* only this entity's, not user #7's */
	struct event_row *a = ROWS_AT(&rows, struct event_row, 0);
	struct event_row *b = ROWS_AT(&rows, struct event_row, 1);
	assert_true(a->id < b->id);
	assert_string_equal(a->entity, "ticket");
	assert_int_equal(a->entity_id, 7);
	assert_string_equal(a->kind, "ticket.created");
	assert_int_equal(a->actor_id, f->agent);
	assert_null(a->field);
	assert_string_equal(a->data, "{\"channel\":\"email\"}");
	assert_int_equal(a->created_at, 100);
	assert_string_equal(b->kind, "field.status");
	assert_int_equal(b->actor_id, 0); /* the system */
	assert_string_equal(b->field, "status");
	assert_string_equal(b->old_value, "new");
	assert_string_equal(b->new_value, "open");
	assert_null(b->data);

	assert_int_equal(repo_event_list(f->db, &f->a, "ticket", 99, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 0);
}

static void test_refused_entity(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	struct event_new bad = {.entity = "invoice", .entity_id = 1, .kind = "x", .at = 1};
	struct event_new ghost = {.entity = "ticket", .entity_id = 1, .kind = "x",
				  .actor_id = 9999, .at = 1};

	assert_int_equal(repo_event_add(f->db, &bad, &e), ERR_INVALID);
	assert_int_equal(repo_event_add(f->db, &ghost, &e), ERR_INVALID); /* actor must exist */
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM events"), 0);
}

/* The history cannot be rewritten: UPDATE and DELETE are refused by triggers. */
static void test_append_only(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	struct event_new ev = {.entity = "ticket", .entity_id = 1, .kind = "ticket.created",
			       .at = 1};
	static const char *const rewrites[] = {
		"UPDATE events SET kind = 'forged'",
		"UPDATE events SET created_at = 0 WHERE id = 1",
		"DELETE FROM events",
		"DELETE FROM events WHERE id = 1",
	};

	assert_int_equal(repo_event_add(f->db, &ev, &e), ERR_OK);
	for (size_t i = 0; i < ARRAY_SIZE(rewrites); i++) {
		err_clear(&e);
		enum err_code rc = db_exec(f->db, rewrites[i], &e);
		if (rc == ERR_OK)
			fail_msg("'%s' was allowed", rewrites[i]);
		assert_contains(e.msg, "append-only");
	}
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM events WHERE kind = "
					     "'ticket.created' AND created_at = 1"),
			 1);
}

static void test_count(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	int64_t n = -1;
	struct event_new ev = {.entity = "ticket", .entity_id = 1, .kind = "k", .at = 1};

	assert_int_equal(repo_count(f->db, "users", &n, &e), ERR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(repo_count(f->db, "tickets", &n, &e), ERR_OK);
	assert_int_equal(n, 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(repo_event_add(f->db, &ev, &e), ERR_OK);
	assert_int_equal(repo_count(f->db, "events", &n, &e), ERR_OK);
	assert_int_equal(n, 3);
}

static void test_rows_grow(void **state)
{
	(void)state;
	struct arena a;
	struct rows r;

	arena_init(&a);
	rows_init(&r, sizeof(int64_t) * 3);
	assert_int_equal(r.count, 0);
	for (int64_t i = 0; i < 1000; i++) {
		int64_t *p = rows_push(&a, &r);
		assert_int_equal(p[0], 0); /* new items are zeroed */
		assert_int_equal(p[2], 0);
		p[0] = i;
		p[2] = -i;
	}
	assert_int_equal(r.count, 1000);
	assert_true(r.cap >= 1000);
	for (int64_t i = 0; i < 1000; i++) {
		int64_t *p = (int64_t *)r.items + i * 3;
		assert_int_equal(p[0], i);
		assert_int_equal(p[2], -i);
	}
	arena_release(&a);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_add_and_list),
		T(test_refused_entity),
		T(test_append_only),
		T(test_count),
		cmocka_unit_test(test_rows_grow),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
