/* test_repo_message.c - tests of src/store/repo_message.c: messages, moves, attachments. */
#include "util/common.h"
#include "store/repo.h"
#include "store/search.h"
#include "testlib.h"

struct fixture {
	struct tl_store ts;
	struct db *db;
	struct arena a;
	int64_t agent, cust, t1, t2;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct err e = ERR_INIT;
	struct user_new agent = {"agent@desk.io", "agent@desk.io", "Agent", ROLE_AGENT, 0, 1};
	struct user_new cust = {"c@x.io", "c@x.io", "Cust", ROLE_CUSTOMER, 0, 1};
	struct ticket_row t = {.subject = "s", .status = STATUS_OPEN, .priority = PRIORITY_LOW,
			       .channel = CHANNEL_WEB, .created_at = 1, .updated_at = 1};

	tl_store_open(&f->ts, "repo-message");
	f->db = f->ts.store.db;
	arena_init(&f->a);
	if (repo_user_insert(f->db, &agent, &f->agent, &e) ||
	    repo_user_insert(f->db, &cust, &f->cust, &e))
		return -1;
	t.requester_id = f->cust;
	if (repo_ticket_insert(f->db, &t, &f->t1, &e) || repo_ticket_insert(f->db, &t, &f->t2, &e))
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

static int64_t add_message(struct fixture *f, int64_t ticket, int64_t author, enum role r,
			   enum msg_kind k, const char *body, int64_t at)
{
	struct message_row m = {.ticket_id = ticket, .author_id = author, .author_role = r,
				.kind = k, .channel = CHANNEL_EMAIL, .body_text = body,
				.created_at = at};
	struct err e = ERR_INIT;
	int64_t id = 0;
	/* Noted for the search index as desk_insert_message does: test_move moves it. */
	if (repo_message_insert(f->db, &m, &id, &e) || search_note_message(f->db, id, &e))
		fail_msg("message: %s", e.msg);
	return id;
}

static void test_insert_and_get(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	struct rows rows;
	struct message_row m = {.ticket_id = f->t1, .author_id = f->agent,
				.author_role = ROLE_AGENT, .kind = MSG_PUBLIC,
				.channel = CHANNEL_PORTAL, .body_text = "Hello **there**",
				.body_html = "<p>Hello <strong>there</strong></p>", .created_at = 50};
	int64_t id = 0;

	assert_int_equal(repo_message_insert(f->db, &m, &id, &e), ERR_OK);
	assert_true(id > 0);
	assert_int_equal(repo_messages_get(f->db, &f->a, f->t1, true, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 1);
	struct message_row *g = ROWS_AT(&rows, struct message_row, 0);
	assert_int_equal(g->id, id);
	assert_int_equal(g->ticket_id, f->t1);
	assert_int_equal(g->author_id, f->agent);
	assert_int_equal(g->author_role, ROLE_AGENT);
	assert_int_equal(g->kind, MSG_PUBLIC);
	assert_int_equal(g->channel, CHANNEL_PORTAL);
	assert_string_equal(g->body_text, "Hello **there**");
	assert_string_equal(g->body_html, "<p>Hello <strong>there</strong></p>");
	assert_int_equal(g->created_at, 50);
}

static void test_internal_filter_and_order(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	struct rows rows;

	/* Inserted out of time order: the list is by created_at, then id. */
	int64_t m3 = add_message(f, f->t1, f->cust, ROLE_CUSTOMER, MSG_PUBLIC, "third", 30);
	int64_t m1 = add_message(f, f->t1, f->cust, ROLE_CUSTOMER, MSG_PUBLIC, "first", 10);
	int64_t m2 = add_message(f, f->t1, f->agent, ROLE_AGENT, MSG_INTERNAL, "note", 20);
	int64_t m2b = add_message(f, f->t1, f->agent, ROLE_AGENT, MSG_PUBLIC, "same time", 20);
	add_message(f, f->t2, f->cust, ROLE_CUSTOMER, MSG_PUBLIC, "elsewhere", 5);

	assert_int_equal(repo_messages_get(f->db, &f->a, f->t1, true, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 4);
	assert_int_equal(ROWS_AT(&rows, struct message_row, 0)->id, m1);
	assert_int_equal(ROWS_AT(&rows, struct message_row, 1)->id, m2);
	assert_int_equal(ROWS_AT(&rows, struct message_row, 2)->id, m2b);
	assert_int_equal(ROWS_AT(&rows, struct message_row, 3)->id, m3);
	assert_null(ROWS_AT(&rows, struct message_row, 0)->body_html);

	assert_int_equal(repo_messages_get(f->db, &f->a, f->t1, false, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 3); /* the internal note is left out */
	for (size_t i = 0; i < rows.count; i++)
		assert_int_equal(ROWS_AT(&rows, struct message_row, i)->kind, MSG_PUBLIC);
}

static void test_refused(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	int64_t id;
	struct message_row m = {.ticket_id = 999, .author_id = f->cust,
				.author_role = ROLE_CUSTOMER, .kind = MSG_PUBLIC,
				.channel = CHANNEL_EMAIL, .body_text = "x", .created_at = 1};

	assert_int_equal(repo_message_insert(f->db, &m, &id, &e), ERR_INVALID); /* no ticket */
	m.ticket_id = f->t1;
	m.body_text = NULL;
	assert_int_equal(repo_message_insert(f->db, &m, &id, &e), ERR_INVALID); /* no body */
	m.body_text = "x";
	m.kind = (enum msg_kind)5;
	assert_int_equal(repo_message_insert(f->db, &m, &id, &e), ERR_INVALID); /* bad kind */
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM messages"), 0);
}

static void test_move(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	struct rows rows;
	int64_t moved = -1;

	add_message(f, f->t1, f->cust, ROLE_CUSTOMER, MSG_PUBLIC, "a", 10);
	add_message(f, f->t1, f->agent, ROLE_AGENT, MSG_INTERNAL, "b", 11);
	add_message(f, f->t2, f->cust, ROLE_CUSTOMER, MSG_PUBLIC, "c", 12);

	assert_int_equal(repo_messages_move(f->db, f->t1, f->t2, &moved, &e), ERR_OK);
	assert_int_equal(moved, 2);
	assert_int_equal(repo_messages_get(f->db, &f->a, f->t1, true, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 0);
	assert_int_equal(repo_messages_get(f->db, &f->a, f->t2, true, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 3);
	assert_string_equal(ROWS_AT(&rows, struct message_row, 0)->body_text, "a");
	/* Moving from an empty ticket moves nothing. */
	assert_int_equal(repo_messages_move(f->db, f->t1, f->t2, &moved, &e), ERR_OK);
	assert_int_equal(moved, 0);
}

static void test_attachments(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	struct rows rows;
	const char *h1 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	const char *h2 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	int64_t a1 = 0, a1again = 0, a2 = 0;

	int64_t m1 = add_message(f, f->t1, f->cust, ROLE_CUSTOMER, MSG_PUBLIC, "see attached", 1);
	int64_t m2 = add_message(f, f->t1, f->agent, ROLE_AGENT, MSG_PUBLIC, "same file", 2);

	/* The same content is one row, whatever its size argument says later. */
	assert_int_equal(repo_attachment_upsert(f->db, h1, 3, 1, &a1, &e), ERR_OK);
	assert_int_equal(repo_attachment_upsert(f->db, h1, 3, 2, &a1again, &e), ERR_OK);
	assert_int_equal(a1, a1again);
	assert_int_equal(repo_attachment_upsert(f->db, h2, 0, 3, &a2, &e), ERR_OK);
	assert_int_not_equal(a1, a2);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM attachments"), 2);

	assert_int_equal(repo_attachment_link(f->db, m1, a1, "abc.txt", "text/plain", &e), ERR_OK);
	assert_int_equal(repo_attachment_link(f->db, m1, a1, "abc.txt", "text/plain", &e),
			 ERR_OK); /* idempotent */
	assert_int_equal(repo_attachment_link(f->db, m1, a2, "empty.bin",
					      "application/octet-stream", &e),
			 ERR_OK);
	assert_int_equal(repo_attachment_link(f->db, m2, a1, "copy.txt", "text/plain", &e),
			 ERR_OK);

	assert_int_equal(repo_attachments_get(f->db, &f->a, f->t1, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 3);
	struct attachment_row *x = ROWS_AT(&rows, struct attachment_row, 0);
	assert_int_equal(x->message_id, m1);
	assert_string_equal(x->filename, "abc.txt");
	assert_string_equal(x->sha256, h1);
	assert_int_equal(x->size, 3);
	assert_string_equal(x->content_type, "text/plain");
	assert_string_equal(ROWS_AT(&rows, struct attachment_row, 1)->filename, "empty.bin");
	assert_int_equal(ROWS_AT(&rows, struct attachment_row, 2)->message_id, m2);
	assert_int_equal(repo_attachments_get(f->db, &f->a, f->t2, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 0);

	/* A negative size is refused by the schema. */
	int64_t bad;
	assert_int_equal(repo_attachment_upsert(f->db, "00", -1, 1, &bad, &e), ERR_INVALID);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_insert_and_get),
		T(test_internal_filter_and_order),
		T(test_refused),
		T(test_move),
		T(test_attachments),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
