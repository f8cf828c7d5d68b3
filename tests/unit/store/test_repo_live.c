/*
 * test_repo_live.c - tests of src/store/repo_live.c: what live listeners
 * follow. Ticket events after an id (other entities left out), presence
 * changes after a seq, a seq never handed out twice even when old rows
 * go, and who is on a ticket now.
 */
#include "util/common.h"
#include "store/repo.h"
#include "testlib.h"

#define DAY (24 * 3600 * 1000LL)

struct fixture {
	struct tl_store ts;
	struct db *db;
	struct arena a;
	int64_t ann, bob;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct err e = ERR_INIT;
	struct user_new ann = {"ann@desk.io", "ann@desk.io", "Ann", ROLE_AGENT, 0, 1};
	struct user_new bob = {"bob@desk.io", "bob@desk.io", "Bob", ROLE_AGENT, 0, 1};

	tl_store_open(&f->ts, "repo-live");
	f->db = f->ts.store.db;
	arena_init(&f->a);
	if (repo_user_insert(f->db, &ann, &f->ann, &e) || repo_user_insert(f->db, &bob, &f->bob, &e))
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

static void test_events_after(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	struct rows rows;
	int64_t head = -1, seq = -1;
	struct event_new t7 = {.entity = "ticket", .entity_id = 7, .kind = "ticket.created",
			       .actor_id = f->ann, .at = 100};
	struct event_new u = {.entity = "user", .entity_id = 7, .kind = "user.created", .at = 110};
	struct event_new t8 = {.entity = "ticket", .entity_id = 8, .kind = "message.public",
			       .at = 120};

	assert_int_equal(repo_feed_head(f->db, &head, &seq, &e), ERR_OK);
	assert_int_equal(seq, 0);
	int64_t start = head;
	assert_int_equal(repo_event_add(f->db, &t7, &e), ERR_OK);
	assert_int_equal(repo_event_add(f->db, &u, &e), ERR_OK);
	assert_int_equal(repo_event_add(f->db, &t8, &e), ERR_OK);
	assert_int_equal(repo_feed_events(f->db, &f->a, start, 10, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 2); /* the user's event is not a ticket's */
	struct event_row *a = ROWS_AT(&rows, struct event_row, 0), *b = ROWS_AT(&rows, struct event_row, 1);
	assert_int_equal(a->entity_id, 7);
	assert_string_equal(a->kind, "ticket.created");
	assert_int_equal(a->actor_id, f->ann);
	assert_int_equal(b->entity_id, 8);
	assert_true(b->id > a->id);
	/* From the last seen on, and at most limit. */
	assert_int_equal(repo_feed_events(f->db, &f->a, a->id, 10, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 1);
	assert_int_equal(repo_feed_events(f->db, &f->a, start, 1, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 1);
	assert_int_equal(repo_feed_head(f->db, &head, &seq, &e), ERR_OK);
	assert_int_equal(head, b->id);
}

static void test_presence(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	struct rows rows;
	int64_t head, seq;

	assert_int_equal(repo_presence_set(f->db, 5, f->ann, "viewing", 1000, &e), ERR_OK);
	assert_int_equal(repo_presence_set(f->db, 5, f->bob, "viewing", 1100, &e), ERR_OK);
	assert_int_equal(repo_presence_set(f->db, 5, f->ann, "typing", 1200, &e), ERR_OK);
	/* One row per person and ticket, changed in place, in the order they changed. */
	assert_int_equal(repo_presence_of(f->db, &f->a, 5, 0, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 2);
	struct presence_row *p0 = ROWS_AT(&rows, struct presence_row, 0);
	struct presence_row *p1 = ROWS_AT(&rows, struct presence_row, 1);
	assert_string_equal(p0->name, "Bob");
	assert_string_equal(p1->name, "Ann");
	assert_string_equal(p1->state, "typing");
	assert_string_equal(p1->email, "ann@desk.io");
	assert_true(p1->seq > p0->seq);
	/* Confirmed too long ago: not there now. */
	assert_int_equal(repo_presence_of(f->db, &f->a, 5, 1150, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 1);
	/* Left: not there, but the change is in the feed. */
	assert_int_equal(repo_presence_set(f->db, 5, f->bob, "left", 1300, &e), ERR_OK);
	assert_int_equal(repo_presence_of(f->db, &f->a, 5, 0, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 1);
	assert_int_equal(repo_feed_presence(f->db, &f->a, p1->seq, 10, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 1);
	assert_string_equal(ROWS_AT(&rows, struct presence_row, 0)->state, "left");
	assert_int_equal(repo_feed_head(f->db, &head, &seq, &e), ERR_OK);
	assert_int_equal(seq, ROWS_AT(&rows, struct presence_row, 0)->seq);
	/* A day later, old rows go, but never the newest seq: the next is larger still. */
	int64_t last = seq;
	assert_int_equal(repo_presence_set(f->db, 9, f->ann, "viewing", 1300 + 2 * DAY, &e), ERR_OK);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM presence"), 1);
	assert_int_equal(repo_presence_set(f->db, 9, f->bob, "viewing", 1400 + 2 * DAY, &e), ERR_OK);
	assert_int_equal(repo_feed_presence(f->db, &f->a, last, 10, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 2);
	assert_true(ROWS_AT(&rows, struct presence_row, 0)->seq > last);
	assert_true(ROWS_AT(&rows, struct presence_row, 1)->seq >
		    ROWS_AT(&rows, struct presence_row, 0)->seq);
	/* Only three states. */
	assert_int_equal(repo_presence_set(f->db, 9, f->ann, "dancing", 1500 + 2 * DAY, &e),
			 ERR_INVALID);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_events_after),
		T(test_presence),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
