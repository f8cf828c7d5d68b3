/*
 * test_views.c - tests of src/desk/views.c: the default views and their
 * counts for different readers against independent counts, the due order
 * of Breaching soon, the filter's validation and canonical form, who may
 * see and change which views, and the query plans of every default view
 * (counts walk indexes, pages of Mine and Unassigned sort nothing).
 */
#include "util/common.h"
#include "desk/desk.h"
#include "rules/queue.h"
#include "util/time.h"
#include "testlib.h"

#define MIN 60000LL

struct fixture {
	struct tl_desk t;
	struct arena a;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	tl_desk_open(&f->t, "views");
	arena_init(&f->a);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	arena_release(&f->a);
	tl_desk_close(&f->t);
	time_set_clock(NULL);
	free(f);
	return 0;
}

static int64_t q(struct fixture *f, const char *fmt, ...) PRINTF_LIKE(2, 3);
static int64_t q(struct fixture *f, const char *fmt, ...)
{
	char sql[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	return tl_query_int(f->t.d->store.db, sql);
}

/* A ticket made at at, for alice, with these assignee and group (NULL: none). */
static int64_t ticket(struct fixture *f, int64_t at, const char *assignee, const char *group,
		      int priority, const char *tag)
{
	const char *tags[] = {tag};
	struct ticket_new_in in = {.subject = "Help", .body = "It broke", .priority = priority,
				   .channel = CHANNEL_EMAIL, .requester_email = "alice@example.com",
				   .assignee_email = assignee, .group = group, .tags = tags,
				   .ntags = tag ? 1 : 0};
	struct err e = ERR_INIT;
	int64_t id;
	time_set_fixed(at);
	if (desk_ticket_create(f->t.d, &f->t.sys, &in, &id, &e))
		fail_msg("create: %s", e.msg);
	return id;
}

static void set_status(struct fixture *f, int64_t id, enum status s)
{
	struct ticket_change c = {.status = (int)s, .priority = -1};
	struct err e = ERR_INIT;
	if (desk_ticket_update(f->t.d, &f->t.agent, id, &c, &e))
		fail_msg("set: %s", e.msg);
}

static int64_t builtin(struct fixture *f, const char *key)
{
	return q(f, "SELECT id FROM views WHERE builtin = '%s'", key);
}

/* The count view id shows the reader. */
static int64_t count_of(struct fixture *f, const struct actor *who, int64_t id)
{
	struct view_info v;
	struct err e = ERR_INIT;
	if (desk_view_get(f->t.d, who, &f->a, id, &v, &e))
		fail_msg("view get: %s", e.msg);
	return v.count;
}

/* The ids of a view's first page, "1 2 3". */
static const char *page_of(struct fixture *f, const struct actor *who, int64_t id)
{
	struct view_page p;
	struct err e = ERR_INIT;
	char buf[512] = "";
	size_t n = 0;
	if (desk_view_tickets(f->t.d, who, &f->a, id, 0, 0, &p, &e))
		fail_msg("view tickets: %s", e.msg);
	for (size_t i = 0; i < p.tickets.count; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%" PRId64, i ? " " : "",
				      ROWS_AT(&p.tickets, struct ticket_row, i)->id);
	return arena_strdup(&f->a, buf);
}

#define UNSOLVED "status IN ('new', 'open', 'pending', 'on_hold')"

static void test_defaults_count_for_each_reader(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	struct rows rows;
	int64_t t0 = TL_T0 + 60 * MIN;

	int64_t a1 = ticket(f, t0, "agent@desk.io", NULL, -1, NULL);
	int64_t a2 = ticket(f, t0 + MIN, "agent2@desk.io", "Tier 2", -1, NULL);
	int64_t g = ticket(f, t0 + 2 * MIN, NULL, "Tier 2", -1, NULL);
	int64_t u = ticket(f, t0 + 3 * MIN, NULL, NULL, -1, NULL);
	int64_t done = ticket(f, t0 + 4 * MIN, "agent@desk.io", NULL, -1, NULL);
	int64_t eng = ticket(f, t0 + 5 * MIN, "agent@desk.io", NULL, -1, "engineering");
	set_status(f, done, STATUS_SOLVED);
	set_status(f, eng, STATUS_ON_HOLD);
	if (desk_group_add_member(f->t.d, &f->t.sys, "Tier 2", "agent2@desk.io", false, &e))
		fail_msg("member: %s", e.msg);

	assert_int_equal(desk_view_list(f->t.d, &f->t.agent, &f->a, true, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 5);
	static const char *const names[] = {"Mine", "Unassigned", "My groups", "Breaching soon",
					    "Waiting on engineering"};
	for (size_t i = 0; i < 5; i++) {
		struct view_info *v = ROWS_AT(&rows, struct view_info, i);
		assert_string_equal(v->row.name, names[i]);
		assert_int_equal(v->row.owner_id, 0);
		assert_true(v->row.by_due);
	}
	int64_t mine = builtin(f, "mine"), unassigned = builtin(f, "unassigned");
	int64_t groups = builtin(f, "my_groups"), waiting = builtin(f, "waiting_on_engineering");
	/* Against independent counts. */
	assert_int_equal(count_of(f, &f->t.agent, mine),
			 q(f, "SELECT count(*) FROM tickets WHERE assignee_id = %" PRId64
			      " AND " UNSOLVED, f->t.agent.user_id));
	assert_int_equal(count_of(f, &f->t.agent, mine), 2);
	assert_int_equal(count_of(f, &f->t.agent2, mine), 1);
	assert_string_equal(page_of(f, &f->t.agent2, mine), arena_printf(&f->a, "%" PRId64, a2));
	assert_int_equal(count_of(f, &f->t.agent, unassigned),
			 q(f, "SELECT count(*) FROM tickets WHERE assignee_id IS NULL AND " UNSOLVED));
	assert_int_equal(count_of(f, &f->t.agent, groups), 0);
	assert_int_equal(count_of(f, &f->t.agent2, groups), 2);
	assert_int_equal(count_of(f, &f->t.agent, waiting), 1);
	assert_string_equal(page_of(f, &f->t.agent, waiting), arena_printf(&f->a, "%" PRId64, eng));
	/* The engineer counts only what they see: Tier 2's tickets. */
	assert_int_equal(count_of(f, &f->t.eng, groups), 2);
	assert_string_equal(page_of(f, &f->t.eng, unassigned), arena_printf(&f->a, "%" PRId64, g));
	assert_int_equal(count_of(f, &f->t.eng2, unassigned), 0);
	/* The system is nobody: "me" and "mine" match nothing for it. */
	assert_int_equal(count_of(f, &f->t.sys, mine), 0);
	assert_int_equal(count_of(f, &f->t.sys, groups), 0);
	assert_int_equal(count_of(f, &f->t.sys, unassigned), 2);
	(void)a1;
	(void)u;
}

static void test_breaching_soon_by_what_is_due(void **state)
{
	struct fixture *f = *state;
	struct sla_policy_in in = {.name = "All", .priority = -1, .channel = -1,
				   .requester_role = -1, .escalate_to = -1};
	struct err e = ERR_INIT;
	int64_t t0 = TL_T0 + 60 * MIN, id;

	in.targets[0] = "normal=1h";
	if (desk_sla_add(f->t.d, &f->t.sys, &in, &id, &e))
		fail_msg("policy: %s", e.msg);
	int64_t late = ticket(f, t0, NULL, NULL, -1, NULL);         /* due t0+60 */
	int64_t later = ticket(f, t0 - 30 * MIN, NULL, NULL, -1, NULL); /* due t0+30: older breach */
	int64_t soon = ticket(f, t0 + 50 * MIN, NULL, NULL, -1, NULL); /* due t0+110 */
	int64_t far = ticket(f, t0 + 70 * MIN, NULL, NULL, -1, NULL);  /* due t0+130: on track */
	int64_t none = ticket(f, t0, NULL, NULL, PRIORITY_LOW, NULL);  /* no target */
	time_set_fixed(t0 + 70 * MIN);
	int64_t v = builtin(f, "breaching_soon");
	assert_string_equal(page_of(f, &f->t.agent, v),
			    arena_printf(&f->a, "%" PRId64 " %" PRId64 " %" PRId64, later, late,
					 soon));
	assert_int_equal(count_of(f, &f->t.agent, v), 3);
	/* The states as the page reads them. */
	struct view_page p;
	assert_int_equal(desk_view_tickets(f->t.d, &f->t.agent, &f->a, v, 0, 0, &p, &e), ERR_OK);
	assert_int_equal(p.soon_ms, 60 * MIN);
	assert_int_equal(queue_sla_of(ROWS_AT(&p.tickets, struct ticket_row, 0)->sla_sort_key, p.now,
				      p.soon_ms), QUEUE_SLA_BREACHED);
	assert_int_equal(queue_sla_of(ROWS_AT(&p.tickets, struct ticket_row, 2)->sla_sort_key, p.now,
				      p.soon_ms), QUEUE_SLA_BREACHING_SOON);
	/* A page of one, then the next after the cursor. */
	assert_int_equal(desk_view_tickets(f->t.d, &f->t.agent, &f->a, v, later, 1, &p, &e), ERR_OK);
	assert_int_equal(p.tickets.count, 1);
	assert_int_equal(ROWS_AT(&p.tickets, struct ticket_row, 0)->id, late);
	/* A personal view with a wider window takes the far one too, and on-track alone only it. */
	struct view_in vi = {.name = "Two hours", .by_due = -1,
			     .filter = "{\"sla\":[\"breaching_soon\"],\"sla_soon_minutes\":120}"};
	assert_int_equal(desk_view_add(f->t.d, &f->t.agent, &vi, &id, &e), ERR_OK);
	assert_string_equal(page_of(f, &f->t.agent, id),
			    arena_printf(&f->a, "%" PRId64 " %" PRId64, soon, far));
	vi = (struct view_in){.name = "On track", .by_due = -1, .filter = "{\"sla\":[\"on_track\"]}"};
	assert_int_equal(desk_view_add(f->t.d, &f->t.agent, &vi, &id, &e), ERR_OK);
	assert_string_equal(page_of(f, &f->t.agent, id), arena_printf(&f->a, "%" PRId64, far));
	vi = (struct view_in){.name = "No target", .by_due = -1, .filter = "{\"sla\":[\"none\"]}"};
	assert_int_equal(desk_view_add(f->t.d, &f->t.agent, &vi, &id, &e), ERR_OK);
	assert_string_equal(page_of(f, &f->t.agent, id), arena_printf(&f->a, "%" PRId64, none));
}

static void test_filter_validation(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *filter, *msg;
	} bad[] = {
		{"{\"status\": [\"open\",", "filter: invalid JSON at line 1, column"},
		{"[]", "the filter must be a JSON object"},
		{"{\"colour\":1}", "filter: unknown key 'colour' (known: status, priority"},
		{"{\"status\":[\"opn\"]}", "filter.status[0]: 'opn' is not one of new, open"},
		{"{\"status\":[\"open\", 3]}", "filter.status[1]: this value is not one of"},
		{"{\"status\":\"open\"}", "filter.status must be a non-empty array"},
		{"{\"status\":[]}", "filter.status must be a non-empty array"},
		{"{\"priority\":[\"hot\"]}", "filter.priority[0]: 'hot' is not one of low"},
		{"{\"sla\":[\"late\"]}", "filter.sla[0]: 'late' is not one of breached"},
		{"{\"assignee\":\"nobody@desk.io\"}", "filter.assignee: "},
		{"{\"assignee\":true}", "filter.assignee must be 'me', 'none', an id or a name"},
		{"{\"assignee\":-3}", "filter.assignee must be"},
		{"{\"group\":\"Tier 9\"}", "filter.group: "},
		{"{\"organisation\":\"Nobody\"}", "filter.organisation: no organisation named 'Nobody'"},
		{"{\"organisation\":\"none\"}", "filter.organisation: no organisation named 'none'"},
		{"{\"tags\":[\"a b\"]}", "filter.tags[0]: "},
		{"{\"tags\":[1]}", "filter.tags[0] must be a string"},
		{"{\"tags\":[]}", "filter.tags must be an array of 1 to 10 tags"},
		{"{\"sla_soon_minutes\":0}", "filter.sla_soon_minutes must be a whole number"},
		{"{\"sla_soon_minutes\":\"60\"}", "filter.sla_soon_minutes must be a whole number"},
		{"{\"status\":[\"open\"],\"status\":[\"new\"]}", "filter: invalid JSON"},
	};
	struct err e = ERR_INIT;
	int64_t id;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct view_in in = {.name = "Bad", .filter = bad[i].filter, .by_due = -1};
		err_clear(&e);
		if (desk_view_add(f->t.d, &f->t.agent, &in, &id, &e) != ERR_INVALID)
			fail_msg("'%s' was taken", bad[i].filter);
		if (!strstr(e.msg, bad[i].msg))
			fail_msg("'%s': '%s' does not say '%s'", bad[i].filter, e.msg, bad[i].msg);
	}
	assert_int_equal(q(f, "SELECT count(*) FROM views WHERE name = 'Bad'"), 0);
	/* Names become ids; sets come in their enumeration's order; tags normalised. */
	struct view_in in = {.name = "Mixed", .by_due = 0,
			     .filter = "{\"priority\":[\"urgent\",\"low\"],\"tags\":[\"VIP\"],"
				       "\"assignee\":\"agent2@desk.io\",\"group\":\"tier 2\","
				       "\"organisation\":\"Acme\",\"sla\":[\"none\",\"breached\"]}"};
	assert_int_equal(desk_view_add(f->t.d, &f->t.agent, &in, &id, &e), ERR_OK);
	struct view_info v;
	assert_int_equal(desk_view_get(f->t.d, &f->t.agent, &f->a, id, &v, &e), ERR_OK);
	assert_string_equal(v.row.filter,
			    arena_printf(&f->a,
					 "{\"assignee\":%" PRId64 ",\"group\":%" PRId64
					 ",\"organisation\":%" PRId64 ",\"priority\":[\"low\",\"urgent\"],"
					 "\"sla\":[\"breached\",\"none\"],\"tags\":[\"vip\"]}",
					 f->t.agent2.user_id, f->t.tier2, f->t.acme));
	assert_false(v.row.by_due);
	/* Too long a filter. */
	char big[DESK_VIEW_FILTER_MAX + 64];
	memset(big, ' ', sizeof(big) - 1);
	big[0] = '{';
	big[sizeof(big) - 2] = '}';
	big[sizeof(big) - 1] = '\0';
	in = (struct view_in){.name = "Big", .by_due = -1, .filter = big};
	assert_int_equal(desk_view_add(f->t.d, &f->t.agent, &in, &id, &e), ERR_INVALID);
	assert_contains(e.msg, "longer than");
}

static void test_who_sees_and_changes_views(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	struct rows rows;
	struct view_info v;
	int64_t mine = builtin(f, "mine"), own, id;

	/* Customers have no views. */
	assert_int_equal(desk_view_list(f->t.d, &f->t.alice, &f->a, true, &rows, &e), ERR_FORBIDDEN);
	assert_int_equal(desk_view_get(f->t.d, &f->t.alice, &f->a, mine, &v, &e), ERR_FORBIDDEN);
	struct view_in in = {.name = "Hers", .by_due = -1};
	assert_int_equal(desk_view_add(f->t.d, &f->t.alice, &in, &id, &e), ERR_FORBIDDEN);
	/* Shared views need an admin. */
	in = (struct view_in){.name = "For all", .by_due = -1, .shared = true};
	assert_int_equal(desk_view_add(f->t.d, &f->t.agent, &in, &id, &e), ERR_FORBIDDEN);
	assert_int_equal(desk_view_add(f->t.d, &f->t.admin, &in, &id, &e), ERR_OK);
	struct view_in rename = {.name = "Ours", .by_due = -1};
	assert_int_equal(desk_view_edit(f->t.d, &f->t.agent, mine, &rename, &e), ERR_FORBIDDEN);
	assert_int_equal(desk_view_remove(f->t.d, &f->t.agent, mine, &e), ERR_FORBIDDEN);
	/* Personal views: the owner's alone; others do not find them. */
	in = (struct view_in){.name = "Mine", .by_due = -1, .filter = "{\"priority\":[\"urgent\"]}"};
	assert_int_equal(desk_view_add(f->t.d, &f->t.agent, &in, &own, &e), ERR_OK);
	assert_int_equal(desk_view_get(f->t.d, &f->t.agent2, &f->a, own, &v, &e), ERR_NOT_FOUND);
	assert_int_equal(desk_view_edit(f->t.d, &f->t.agent2, own, &rename, &e), ERR_NOT_FOUND);
	assert_int_equal(desk_view_remove(f->t.d, &f->t.admin, own, &e), ERR_NOT_FOUND);
	assert_int_equal(desk_view_list(f->t.d, &f->t.agent2, &f->a, false, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 6);
	assert_int_equal(desk_view_list(f->t.d, &f->t.agent, &f->a, false, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 7);
	assert_int_equal(ROWS_AT(&rows, struct view_info, 6)->row.id, own);
	/* A name finds one's own view before the shared one. */
	assert_int_equal(desk_view_find(f->t.d, &f->t.agent, &f->a, "mine", &v, &e), ERR_OK);
	assert_int_equal(v.row.id, own);
	assert_int_equal(desk_view_find(f->t.d, &f->t.agent2, &f->a, "Mine", &v, &e), ERR_OK);
	assert_int_equal(v.row.id, mine);
	assert_int_equal(desk_view_find(f->t.d, &f->t.agent2, &f->a, arena_printf(&f->a, "#%" PRId64, mine),
				       &v, &e), ERR_OK);
	assert_int_equal(desk_view_find(f->t.d, &f->t.agent2, &f->a, "Nope", &v, &e), ERR_NOT_FOUND);
	assert_string_equal(e.msg, "no view named 'Nope'");
	/* Names are unique per owner, case-insensitively. */
	in = (struct view_in){.name = "MINE ", .by_due = -1};
	assert_int_equal(desk_view_add(f->t.d, &f->t.agent, &in, &id, &e), ERR_CONFLICT);
	assert_int_equal(desk_view_add(f->t.d, &f->t.agent2, &in, &id, &e), ERR_OK);
	/* The system has no views of its own. */
	in = (struct view_in){.name = "System", .by_due = -1};
	assert_int_equal(desk_view_add(f->t.d, &f->t.sys, &in, &id, &e), ERR_INVALID);
	/* Engineers keep views too. */
	assert_int_equal(desk_view_add(f->t.d, &f->t.eng, &in, &id, &e), ERR_OK);
	/* Moving a view first moves the others down. */
	struct view_in move = {.by_due = -1, .position = 1};
	int64_t last = q(f, "SELECT max(id) FROM views WHERE owner_id IS NULL");
	assert_int_equal(desk_view_edit(f->t.d, &f->t.admin, last, &move, &e), ERR_OK);
	assert_int_equal(desk_view_list(f->t.d, &f->t.agent2, &f->a, false, &rows, &e), ERR_OK);
	assert_int_equal(ROWS_AT(&rows, struct view_info, 0)->row.id, last);
	assert_int_equal(ROWS_AT(&rows, struct view_info, 1)->row.id, mine);
	/* Removing: the owner their own, an admin a shared one. */
	assert_int_equal(desk_view_remove(f->t.d, &f->t.agent, own, &e), ERR_OK);
	assert_int_equal(desk_view_get(f->t.d, &f->t.agent, &f->a, own, &v, &e), ERR_NOT_FOUND);
	assert_int_equal(desk_view_remove(f->t.d, &f->t.admin, last, &e), ERR_OK);
	/* Bad paging. */
	struct view_page p;
	assert_int_equal(desk_view_tickets(f->t.d, &f->t.agent, &f->a, mine, 0, DESK_LIST_MAX + 1,
					   &p, &e), ERR_INVALID);
	assert_int_equal(desk_view_tickets(f->t.d, &f->t.agent, &f->a, 999, 0, 0, &p, &e),
			 ERR_NOT_FOUND);
}

/* Fails when the plan of sql reads the whole table, or (sorts false) sorts. */
static void check_plan(struct fixture *f, const char *what, const char *sql, bool may_sort)
{
	struct db_stmt *st;
	struct err e = ERR_INIT;
	char *explain = arena_printf(&f->a, "EXPLAIN QUERY PLAN %s", sql);
	int steps = 0;

	if (db_prepare_dynamic(f->t.d->store.db, explain, &st, &e))
		fail_msg("%s: %s", what, e.msg);
	while (db_step(st, &e) == DB_ROW) {
		const char *detail = db_col_text(st, 3);
		steps++;
		if (detail && strncmp(detail, "SCAN t", 6) == 0 && (!detail[6] || detail[6] == ' '))
			fail_msg("%s reads every ticket: %s\n%s", what, detail, sql);
		if (detail && !may_sort && strstr(detail, "TEMP B-TREE"))
			fail_msg("%s sorts: %s\n%s", what, detail, sql);
	}
	db_done(st);
	assert_true(steps > 0);
}

static void test_query_plans(void **state)
{
	if (tl_pg())
		skip(); /* SQLite's query plans */
	struct fixture *f = *state;
	static const struct {
		const char *key;
		bool page_may_sort;
	} views[] = {
		{"mine", false},
		{"unassigned", false},
		{"my_groups", true}, /* several groups: their ranges merge by a sort */
		{"breaching_soon", false},
		{"waiting_on_engineering", false},
	};
	struct err e = ERR_INIT;

	/* Enough tickets that a scan costs more than a search to the planner. */
	for (int i = 0; i < 40; i++)
		ticket(f, TL_T0 + i * MIN, i % 3 ? "agent@desk.io" : NULL, i % 2 ? "Tier 2" : NULL, -1,
		       i % 5 ? NULL : "engineering");
	if (desk_group_add_member(f->t.d, &f->t.sys, "Tier 2", "agent@desk.io", false, &e))
		fail_msg("member: %s", e.msg);
	for (size_t i = 0; i < ARRAY_SIZE(views); i++) {
		struct buf count = BUF_INIT, page = BUF_INIT;
		int64_t id = builtin(f, views[i].key);
		assert_int_equal(desk_view_sql(f->t.d, &f->t.agent, id, true, &count, &e), ERR_OK);
		assert_int_equal(desk_view_sql(f->t.d, &f->t.agent, id, false, &page, &e), ERR_OK);
		assert_contains(buf_str(&count), "count(*)");
		check_plan(f, arena_printf(&f->a, "%s's count", views[i].key), buf_str(&count), true);
		check_plan(f, arena_printf(&f->a, "%s's page", views[i].key), buf_str(&page),
			   views[i].page_may_sort);
		buf_release(&count);
		buf_release(&page);
	}
	/* Mine and Unassigned walk the partial indexes of the unsolved tickets. */
	struct buf page = BUF_INIT;
	assert_int_equal(desk_view_sql(f->t.d, &f->t.agent, builtin(f, "mine"), false, &page, &e),
			 ERR_OK);
	struct db_stmt *st;
	char *explain = arena_printf(&f->a, "EXPLAIN QUERY PLAN %s", buf_str(&page));
	assert_int_equal(db_prepare_dynamic(f->t.d->store.db, explain, &st, &e), ERR_OK);
	bool partial = false;
	while (db_step(st, &e) == DB_ROW)
		partial |= strstr(db_col_text(st, 3), "tickets_unsolved_assignee") != NULL;
	db_done(st);
	buf_release(&page);
	assert_true(partial);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_defaults_count_for_each_reader),
		T(test_breaching_soon_by_what_is_due),
		T(test_filter_validation),
		T(test_who_sees_and_changes_views),
		T(test_query_plans),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
