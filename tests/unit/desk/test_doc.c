/*
 * test_doc.c - tests of src/desk/doc.c: every change to a ticket leaves its
 * stored staff document equal to a fresh rendering, in the same commit;
 * changes to many tickets at once (a renamed user or group) make their
 * documents stale until rendered again, and reads never see them stale.
 */
#include "util/common.h"
#include "desk/desk.h"
#include "desk/view.h"
#include "util/jw.h"
#include "util/time.h"
#include "testlib.h"

static int setup(void **state)
{
	struct tl_desk *t = calloc(1, sizeof(*t));
	tl_desk_open(t, "desk-doc");
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tl_desk *t = *state;
	tl_desk_close(t);
	free(t);
	time_set_clock(NULL);
	return 0;
}

static struct db *db_of(struct tl_desk *t)
{
	return t->d->store.db;
}

/* The integer of a query that ends with "= " and the id. */
static int64_t q(struct tl_desk *t, const char *head, int64_t id)
{
	char sql[256];
	snprintf(sql, sizeof(sql), "%s%" PRId64, head, id);
	return tl_query_int(db_of(t), sql);
}

/* Ticket id rendered now, the slow way, as who sees it. */
static char *render(struct tl_desk *t, const struct actor *who, int64_t id)
{
	struct arena a;
	struct ticket_view v;
	struct err e = ERR_INIT;
	struct buf b = BUF_INIT;
	struct jw w;

	arena_init(&a);
	if (desk_ticket_get(t->d, who, &a, id, &v, &e))
		fail_msg("get #%" PRId64 ": %s", id, e.msg);
	jw_init(&w, &b);
	view_ticket_full_write(&w, &v);
	arena_release(&a);
	return buf_detach(&b, NULL);
}

/* What a reader gets: the stored document for staff when there is one. */
static char *read_doc(struct tl_desk *t, const struct actor *who, int64_t id, int64_t *version)
{
	struct arena a;
	struct err e = ERR_INIT;
	struct buf b = BUF_INIT;

	arena_init(&a);
	if (desk_ticket_doc(t->d, who, &a, id, version, &b, &e))
		fail_msg("doc #%" PRId64 ": %s", id, e.msg);
	arena_release(&a);
	return buf_detach(&b, NULL);
}

/* Ticket id's list entry rendered now from its row. */
static char *render_item(struct tl_desk *t, int64_t id)
{
	struct arena a;
	struct ticket_view v;
	struct err e = ERR_INIT;
	struct buf b = BUF_INIT;
	struct jw w;

	arena_init(&a);
	if (desk_ticket_get(t->d, &t->agent, &a, id, &v, &e))
		fail_msg("get #%" PRId64 ": %s", id, e.msg);
	jw_init(&w, &b);
	view_ticket_write(&w, &v.ticket);
	arena_release(&a);
	return buf_detach(&b, NULL);
}

/* The stored list entry of ticket id, or NULL. */
static char *stored_item(struct tl_desk *t, int64_t id)
{
	return tl_query_text(db_of(t), "SELECT item FROM ticket_items WHERE ticket_id = %" PRId64,
			     id);
}

/* Every ticket has a stored document, equal to a fresh rendering; nothing is left pending. */
static void assert_docs_fresh(struct tl_desk *t)
{
	int64_t n = tl_query_int(db_of(t), "SELECT max(id) FROM tickets");

	assert_int_equal(tl_query_int(db_of(t), "SELECT count(*) FROM docs_pending"), 0);
	for (int64_t id = 1; id <= n; id++) {
		int64_t version = 0;
		assert_int_equal(q(t, "SELECT count(*) FROM ticket_docs WHERE ticket_id = ", id),
				 1);
		assert_int_equal(q(t, "SELECT version FROM ticket_docs WHERE ticket_id = ", id),
				 q(t, "SELECT version FROM tickets WHERE id = ", id));
		char *stored = read_doc(t, &t->agent, id, &version);
		char *fresh = render(t, &t->agent, id);
		if (strcmp(stored, fresh) != 0)
			fail_msg("ticket #%" PRId64 ": stored %s\nfresh %s", id, stored, fresh);
		assert_int_equal(version, q(t, "SELECT version FROM tickets WHERE id = ", id));
		free(stored);
		free(fresh);
		stored = stored_item(t, id);
		fresh = render_item(t, id);
		if (!stored || strcmp(stored, fresh) != 0)
			fail_msg("ticket #%" PRId64 ": stored entry %s\nfresh %s", id,
				 stored ? stored : "(none)", fresh);
		free(stored);
		free(fresh);
	}
}

static int64_t create(struct tl_desk *t, const struct actor *who, const char *subject,
		      const char *requester)
{
	struct ticket_new_in in = {0};
	struct err e = ERR_INIT;
	int64_t id = 0;

	in.subject = subject;
	in.body = "The export stops at \"50%\"\nand says nothing.";
	in.requester_email = requester;
	in.priority = -1;
	in.channel = CHANNEL_EMAIL;
	if (desk_ticket_create(t->d, who, &in, &id, &e))
		fail_msg("create: %s", e.msg);
	return id;
}

static void add_message(struct tl_desk *t, const struct actor *who, int64_t id,
			enum msg_kind kind, const char *body)
{
	struct message_in in = {.kind = kind, .body = body, .channel = CHANNEL_WEB, .status = -1};
	struct message_out out;
	struct err e = ERR_INIT;

	if (desk_message_add(t->d, who, id, &in, &out, &e))
		fail_msg("message on #%" PRId64 ": %s", id, e.msg);
}

static struct ticket_change no_change(void)
{
	struct ticket_change c = {0};
	c.status = -1;
	c.priority = -1;
	return c;
}

static void change(struct tl_desk *t, int64_t id, const struct ticket_change *c)
{
	struct err e = ERR_INIT;
	if (desk_ticket_update(t->d, &t->agent, id, c, &e))
		fail_msg("update #%" PRId64 ": %s", id, e.msg);
}

/* Each kind of change rewrites the document in its own commit. */
static void test_every_change_renders(void **state)
{
	struct tl_desk *t = *state;
	struct err e = ERR_INIT;
	static const char *const tags[] = {"billing", "export"};
	static const char *const followers[] = {"bob@example.com"};
	struct ticket_change c;

	int64_t a = create(t, &t->alice, "Export stops", "alice@example.com");
	int64_t b = create(t, &t->agent, "Invoice wrong", "carol@acme.com");
	assert_docs_fresh(t);

	add_message(t, &t->agent, a, MSG_PUBLIC, "Which browser?");
	assert_docs_fresh(t);
	add_message(t, &t->agent, a, MSG_INTERNAL, "Looks like the CSV bug.");
	assert_docs_fresh(t);
	add_message(t, &t->alice, a, MSG_PUBLIC, "Firefox.");
	assert_docs_fresh(t);

	c = no_change();
	c.tags_add = tags;
	c.ntags_add = 2;
	c.followers_add = followers;
	c.nfollowers_add = 1;
	c.assignee_email = "agent@desk.io";
	c.group = "Tier 2";
	c.priority = PRIORITY_HIGH;
	change(t, a, &c);
	assert_docs_fresh(t);
	char *doc = read_doc(t, &t->agent, a, &(int64_t){0});
	assert_non_null(strstr(doc, "\"billing\""));
	free(doc);

	c = no_change();
	c.tags_remove = tags;
	c.ntags_remove = 1;
	c.followers_remove = followers;
	c.nfollowers_remove = 1;
	c.subject = "Export stops at 50%";
	change(t, a, &c);
	assert_docs_fresh(t);

	if (desk_ticket_link(t->d, &t->agent, b, a, LINK_RELATED, &e))
		fail_msg("link: %s", e.msg);
	assert_docs_fresh(t);

	int64_t m = create(t, &t->agent, "Same export problem", "alice@example.com");
	if (desk_ticket_merge(t->d, &t->agent, m, a, &e))
		fail_msg("merge: %s", e.msg);
	assert_docs_fresh(t);
}

/* A customer never gets the staff document: internal notes stay out. */
static void test_customers_get_their_own_view(void **state)
{
	struct tl_desk *t = *state;
	int64_t v = 0;
	int64_t a = create(t, &t->alice, "Export stops", "alice@example.com");

	add_message(t, &t->agent, a, MSG_INTERNAL, "Secret: the CSV bug.");
	char *staff = read_doc(t, &t->agent, a, &v);
	char *mine = read_doc(t, &t->alice, a, &v);
	char *fresh = render(t, &t->alice, a);
	assert_non_null(strstr(staff, "Secret"));
	assert_null(strstr(mine, "Secret"));
	assert_string_equal(mine, fresh);
	free(staff);
	free(mine);
	free(fresh);

	/* An engineer outside the ticket's group does not see it at all. */
	struct arena ar;
	struct err e = ERR_INIT;
	struct buf b = BUF_INIT;
	arena_init(&ar);
	assert_int_equal(desk_ticket_doc(t->d, &t->eng2, &ar, a, &v, &b, &e), ERR_NOT_FOUND);
	arena_release(&ar);
	buf_release(&b);
}

/* A renamed user's or group's tickets go stale: reads render them live until the worker has. */
static void test_renames_go_stale(void **state)
{
	struct tl_desk *t = *state;
	struct err e = ERR_INIT;
	struct user_change uc = {.name = "Alice Liddell", .role = -1, .active = -1};
	struct ticket_change c = no_change();
	int64_t v = 0, done = 0;
	int n = 0;

	int64_t a = create(t, &t->alice, "Export stops", "alice@example.com");
	int64_t b = create(t, &t->bob, "Login fails", "bob@example.com");
	c.group = "Tier 2";
	change(t, b, &c);
	assert_docs_fresh(t);

	if (desk_user_set(t->d, &t->admin, "alice@example.com", &uc, &e))
		fail_msg("rename: %s", e.msg);
	assert_int_equal(q(t, "SELECT count(*) FROM ticket_docs WHERE ticket_id = ", a), 0);
	assert_int_equal(q(t, "SELECT count(*) FROM docs_stale WHERE ticket_id = ", a), 1);
	assert_int_equal(q(t, "SELECT count(*) FROM ticket_docs WHERE ticket_id = ", b), 1);
	char *now = read_doc(t, &t->agent, a, &v);
	assert_non_null(strstr(now, "Alice Liddell"));
	free(now);

	if (db_exec(db_of(t), "UPDATE agent_groups SET name = 'Second line' WHERE name = 'Tier 2'",
		    &e))
		fail_msg("group rename: %s", e.msg);
	assert_int_equal(q(t, "SELECT count(*) FROM ticket_docs WHERE ticket_id = ", b), 0);
	now = read_doc(t, &t->agent, b, &v);
	assert_non_null(strstr(now, "Second line"));
	free(now);

	if (desk_docs_refresh(t->d, 1, &n, &e))
		fail_msg("refresh: %s", e.msg);
	assert_int_equal(n, 1);
	do {
		if (desk_docs_refresh(t->d, DESK_DOCS_BATCH, &n, &e))
			fail_msg("refresh: %s", e.msg);
		done += n;
	} while (n);
	assert_int_equal(done, 1);
	assert_docs_fresh(t);
}

/*
 * Any row a document shows, changed by any code that writes through a
 * desk connection (not only the ticket use cases, which also bump the
 * ticket's version), re-renders the document at the commit.
 */
static void test_rows_changed_directly(void **state)
{
	struct tl_desk *t = *state;
	static const char *const changes[] = {
		"UPDATE messages SET delivery = 'sent', delivery_detail = '250 ok' WHERE id = 1",
		"INSERT INTO ticket_tags (ticket_id, tag) VALUES (1, 'direct')",
		"DELETE FROM ticket_tags WHERE ticket_id = 1 AND tag = 'direct'",
		"INSERT INTO ticket_followers (ticket_id, user_id) SELECT 1, id FROM users "
		"WHERE email = 'bob@example.com'",
		"DELETE FROM ticket_followers WHERE ticket_id = 1",
		"INSERT INTO ticket_links (ticket_id, other_id, kind, created_at) "
		"VALUES (2, 1, 'incident', 5)",
		"UPDATE ticket_links SET kind = 'related' WHERE ticket_id = 2",
		"DELETE FROM ticket_links WHERE ticket_id = 2",
		"UPDATE messages SET ticket_id = 2 WHERE id = 1",
		"DELETE FROM messages WHERE id = 1",
	};
	struct err e = ERR_INIT;

	create(t, &t->alice, "Export stops", "alice@example.com");
	create(t, &t->bob, "Login fails", "bob@example.com");
	for (size_t i = 0; i < ARRAY_SIZE(changes); i++) {
		if (db_begin(db_of(t), &e) || db_exec(db_of(t), changes[i], &e) ||
		    db_commit(db_of(t), &e))
			fail_msg("'%s': %s", changes[i], e.msg);
		assert_docs_fresh(t);
	}
}

/* After a bulk load (or on a desk older than the documents), a rebuild renders them all. */
static void test_rebuild(void **state)
{
	struct tl_desk *t = *state;
	struct err e = ERR_INIT;

	for (int i = 0; i < 5; i++)
		create(t, &t->alice, "Export stops", "alice@example.com");
	if (db_exec(db_of(t), "DELETE FROM ticket_docs; DELETE FROM ticket_items", &e))
		fail_msg("%s", e.msg);
	if (desk_docs_rebuild(t->d, &e))
		fail_msg("rebuild: %s", e.msg);
	assert_int_equal(tl_query_int(db_of(t), "SELECT count(*) FROM docs_stale"), 0);
	assert_docs_fresh(t);
}

/* The page of desk_ticket_items as one string, entries joined by newlines. */
static char *items_page(struct tl_desk *t, const struct actor *who, const struct ticket_query *q)
{
	struct arena a;
	struct rows rows;
	struct err e = ERR_INIT;
	struct buf b = BUF_INIT;

	arena_init(&a);
	if (desk_ticket_items(t->d, who, &a, q, &rows, &e))
		fail_msg("items: %s", e.msg);
	for (size_t i = 0; i < rows.count; i++) {
		const struct ticket_item *it = ROWS_AT(&rows, struct ticket_item, i);
		assert_int_equal(it->len, strlen(it->json));
		buf_printf(&b, "%s\n", it->json);
	}
	arena_release(&a);
	return buf_detach(&b, NULL);
}

/* The page of desk_ticket_list, each row written as view_ticket_write writes it. */
static char *rows_page(struct tl_desk *t, const struct actor *who, const struct ticket_query *q)
{
	struct arena a;
	struct rows rows;
	struct err e = ERR_INIT;
	struct buf b = BUF_INIT, one = BUF_INIT;

	arena_init(&a);
	if (desk_ticket_list(t->d, who, &a, q, &rows, &e))
		fail_msg("list: %s", e.msg);
	for (size_t i = 0; i < rows.count; i++) {
		struct jw w;
		buf_reset(&one);
		jw_init(&w, &one);
		view_ticket_write(&w, ROWS_AT(&rows, struct ticket_row, i));
		buf_printf(&b, "%s\n", buf_str(&one));
	}
	buf_release(&one);
	arena_release(&a);
	return buf_detach(&b, NULL);
}

static void assert_pages_equal(struct tl_desk *t)
{
	const struct actor *who[] = {&t->admin, &t->agent, &t->eng, &t->alice, &t->carol};
	struct ticket_query queries[] = {
		{.status = -1},
		{.status = STATUS_OPEN},
		{.status = -1, .limit = 2},
		{.status = -1, .before_id = 3},
		{.status = -1, .by_due = true},
		{.status = -1, .tag = "billing"},
		{.status = -1, .requester_email = "carol@acme.com"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(who); i++) {
		for (size_t k = 0; k < ARRAY_SIZE(queries); k++) {
			char *items = items_page(t, who[i], &queries[k]);
			char *rows = rows_page(t, who[i], &queries[k]);
			if (strcmp(items, rows) != 0)
				fail_msg("role %zu, query %zu: entries\n%s\nrows\n%s", i, k, items,
					 rows);
			free(items);
			free(rows);
		}
	}
}

/*
 * A list is made of the stored entries, and gives what rendering the rows
 * gives, for every reader and filter, whether the entries are stored or
 * not (a desk older than them).
 */
static void test_list_entries(void **state)
{
	struct tl_desk *t = *state;
	static const char *const tags[] = {"billing"};
	struct ticket_change c = no_change();
	struct err e = ERR_INIT;
	int64_t a = create(t, &t->alice, "Export stops", "alice@example.com");

	create(t, &t->carol, "Acme invoice \"Q3\"\twrong", "carol@acme.com");
	create(t, &t->agent, "Call back Dave", "dave@acme.com");
	create(t, &t->bob, "Login fails", "bob@example.com");
	c.status = STATUS_OPEN;
	c.tags_add = tags;
	c.ntags_add = 1;
	change(t, a, &c);
	assert_docs_fresh(t);
	assert_int_equal(tl_query_int(db_of(t), "SELECT count(*) FROM ticket_items"), 4);
	assert_pages_equal(t);
	if (db_exec(db_of(t), "DELETE FROM ticket_items WHERE ticket_id IN (1, 3)", &e))
		fail_msg("%s", e.msg);
	assert_pages_equal(t);
	if (db_exec(db_of(t), "DELETE FROM messages WHERE ticket_id = 4; DELETE FROM tickets "
			      "WHERE id = 4", &e))
		fail_msg("%s", e.msg);
	assert_int_equal(tl_query_int(db_of(t), "SELECT count(*) FROM ticket_items WHERE "
						"ticket_id = 4"),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_change_renders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_customers_get_their_own_view, setup, teardown),
		cmocka_unit_test_setup_teardown(test_renames_go_stale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rows_changed_directly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rebuild, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_entries, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
