/* test_migrate.c - tests of src/store/migrate.c: applying, refusing newer and foreign. */
#include "util/common.h"
#include "store/db.h"
#include "store/migrate.h"
#include "store/repo.h"
#include "util/time.h"
#include "testlib.h"

#include <ctype.h>

struct fixture {
	char *dir;
	char *path;
	struct db *db;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct db_options o = {.create = true, .sync = DB_SYNC_OFF, .busy_timeout_ms = 1000};
	struct err e = ERR_INIT;

	f->dir = tl_tmpdir("migrate");
	f->path = tl_join(f->dir, "m.db");
	if (db_open(&f->db, f->path, &o, &e) != ERR_OK)
		return -1;
	time_set_fixed(1767225600000LL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	db_close(f->db);
	tl_rmtree(f->dir);
	free(f->dir);
	free(f->path);
	free(f);
	return 0;
}

static void test_table_is_numbered(void **state)
{
	(void)state;
	assert_true(migrations_count >= 1);
	/* Ascending; a number may be missing while its branch is unmerged. */
	for (size_t i = 0; i < migrations_count; i++) {
		assert_true(migrations[i].version > (i ? migrations[i - 1].version : 0));
		assert_true(migrations[i].name && *migrations[i].name);
		assert_true(migrations[i].sql && strlen(migrations[i].sql) > 10);
	}
	assert_int_equal(migrate_latest(), migrations[migrations_count - 1].version);
	/* PostgreSQL's set is numbered the same way and reaches the same version. */
	assert_true(migrations_pg_count >= 1);
	for (size_t i = 0; i < migrations_pg_count; i++) {
		assert_true(migrations_pg[i].version > (i ? migrations_pg[i - 1].version : 0));
		assert_true(migrations_pg[i].sql && strlen(migrations_pg[i].sql) > 10);
	}
	assert_int_equal(migrations_pg[migrations_pg_count - 1].version, migrate_latest());
}

static void test_fresh_database(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	int v = -1;

	assert_int_equal(migrate_apply(f->db, f->path, &v, &e), ERR_OK);
	assert_int_equal(v, migrate_latest());
	/* One row per migration, stamped with the (pinned) clock. */
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM schema_migrations"),
			 (int64_t)migrations_count);
	assert_int_equal(tl_query_int(f->db, "SELECT max(version) FROM schema_migrations"),
			 migrate_latest());
	assert_int_equal(tl_query_int(f->db, "SELECT min(applied_at) FROM schema_migrations"),
			 1767225600000LL);
	/* The model's tables exist. */
	static const char *const tables[] = {"organisations", "users", "agent_groups",
					     "group_members", "tickets", "ticket_tags",
					     "ticket_followers", "ticket_links", "messages",
					     "attachments", "message_attachments", "events"};
	for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
		char sql[128];
		snprintf(sql, sizeof(sql),
			 "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '%s'",
			 tables[i]);
		if (tl_query_int(f->db, sql) != 1)
			fail_msg("table %s is missing", tables[i]);
	}
}

static void test_apply_is_idempotent(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	int v = -1;

	assert_int_equal(migrate_apply(f->db, f->path, &v, &e), ERR_OK);
	time_set_fixed(1800000000000LL);
	for (int i = 0; i < 3; i++) {
		v = -1;
		assert_int_equal(migrate_apply(f->db, f->path, &v, &e), ERR_OK);
		assert_int_equal(v, migrate_latest());
	}
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM schema_migrations"),
			 (int64_t)migrations_count);
	/* Nothing was re-applied later. */
	assert_int_equal(tl_query_int(f->db, "SELECT max(applied_at) FROM schema_migrations"),
			 1767225600000LL);
}

/* A schema_migrations table with no rows yet: every migration is applied. */
static void test_empty_migrations_table(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	int v = -1;

	assert_int_equal(db_exec(f->db,
				 "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
				 "name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
				 &e),
			 ERR_OK);
	assert_int_equal(migrate_apply(f->db, f->path, &v, &e), ERR_OK);
	assert_int_equal(v, migrate_latest());
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM tickets"), 0);
}

/*
 * A migration merged after a higher number was applied (0009 landing
 * after 0010) is applied all the same: recorded ones are skipped, not
 * every one below the highest.
 */
static void test_late_lower_number_applied(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	char sql[200];
	int v = -1;

	assert_int_equal(db_exec(f->db,
				 "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
				 "name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
				 &e),
			 ERR_OK);
	/* Every migration but the first is recorded; the first (the model) is not. */
	for (size_t i = 1; i < migrations_count; i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO schema_migrations VALUES (%d, 'x', 0)",
			 migrations[i].version);
		assert_int_equal(db_exec(f->db, sql, &e), ERR_OK);
	}
	assert_int_equal(migrate_apply(f->db, f->path, &v, &e), ERR_OK);
	assert_int_equal(v, migrate_latest());
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM tickets"), 0);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM schema_migrations"),
			 (int64_t)migrations_count);
}

/* The desk as it was before migration version below: the earlier ones applied and recorded. */
static void migrate_before(struct db *db, int below)
{
	struct err e = ERR_INIT;
	char sql[200];

	assert_int_equal(db_exec(db,
				 "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
				 "name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
				 &e),
			 ERR_OK);
	for (size_t i = 0; i < migrations_count && migrations[i].version < below; i++) {
		assert_int_equal(db_exec(db, migrations[i].sql, &e), ERR_OK);
		snprintf(sql, sizeof(sql), "INSERT INTO schema_migrations VALUES (%d, 'x', 0)",
			 migrations[i].version);
		assert_int_equal(db_exec(db, sql, &e), ERR_OK);
	}
}

/*
 * 0016_first_reply on a desk that has answered tickets and clocks: the
 * report's columns are filled from the events (the first
 * ticket.first_response) and the first_reply clocks.
 */
static void test_first_reply_backfill(void **state)
{
	static const char desk[] =
		"INSERT INTO users (id, email, email_norm, name, role, created_at, updated_at) VALUES "
		"(1, 'c@x', 'c@x', 'C', 'customer', 0, 0), (2, 'a@x', 'a@x', 'A', 'agent', 0, 0), "
		"(3, 'b@x', 'b@x', 'B', 'agent', 0, 0);"
		"INSERT INTO tickets (id, subject, status, priority, requester_id, channel, created_at, "
		"updated_at) VALUES (1, 's', 'solved', 'normal', 1, 'email', 100, 100), "
		"(2, 's', 'open', 'normal', 1, 'email', 200, 200), "
		"(3, 's', 'open', 'normal', 1, 'email', 300, 300);"
		"INSERT INTO events (entity, entity_id, kind, actor_id, created_at) VALUES "
		"('ticket', 1, 'ticket.first_response', 2, 150), ('ticket', 1, 'message.public', 3, 160), "
		"('ticket', 1, 'ticket.first_response', 3, 170), ('ticket', 2, 'message.public', 1, 210), "
		"('user', 3, 'ticket.first_response', 2, 220);"
		"INSERT INTO sla_policies (id, position, name, name_norm, created_at) VALUES "
		"(1, 1, 'P', 'p', 0);"
		"INSERT INTO sla_clocks (ticket_id, metric, policy_id, business, target_ms, started_at, "
		"due_at, achieved_at) VALUES (1, 'first_reply', 1, 0, 60, 100, NULL, 150), "
		"(2, 'first_reply', 1, 0, 60, 200, 260, NULL), (2, 'resolution', 1, 0, 60, 200, 260, NULL);"
		"INSERT INTO sla_clocks (ticket_id, metric, policy_id, business, target_ms, started_at, "
		"due_at, breached_at) VALUES (3, 'first_reply', 1, 0, 60, 300, 360, 360);";
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	int v = -1;

	/* A desk as it was before 0016. */
	migrate_before(f->db, 16);
	assert_int_equal(db_exec(f->db, desk, &e), ERR_OK);
	assert_int_equal(migrate_apply(f->db, f->path, &v, &e), ERR_OK);

	/* Ticket 1: the first of its two first-response events, its met clock. */
	assert_int_equal(tl_query_int(f->db, "SELECT fr_at FROM tickets WHERE id = 1"), 150);
	assert_int_equal(tl_query_int(f->db, "SELECT fr_by FROM tickets WHERE id = 1"), 2);
	assert_int_equal(tl_query_int(f->db, "SELECT fr_sla FROM tickets WHERE id = 1"), 1);
	/* Ticket 2: unanswered (a user's event is not a ticket's), its clock running. */
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM tickets WHERE id = 2 AND "
					     "fr_at IS NULL AND fr_by IS NULL"), 1);
	assert_int_equal(tl_query_int(f->db, "SELECT fr_sla FROM tickets WHERE id = 2"), 0);
	assert_int_equal(tl_query_int(f->db, "SELECT fr_sla_due_at FROM tickets WHERE id = 2"), 260);
	/* Ticket 3: breached. No business time is measured until a recompute. */
	assert_int_equal(tl_query_int(f->db, "SELECT fr_sla FROM tickets WHERE id = 3"), 2);
	assert_int_equal(tl_query_int(f->db, "SELECT count(fr_business_ms) FROM tickets"), 0);
	/*
	 * Afterwards the store keeps them as the trigger did until 0022 (no
	 * trigger is left on events): a later event does not move the first.
	 */
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM sqlite_master WHERE type = "
					     "'trigger' AND tbl_name = 'events' AND name NOT LIKE "
					     "'events_no_%'"),
			 0);
	struct event_new ev = {.entity = "ticket", .entity_id = 2, .kind = "ticket.first_response",
			       .actor_id = 3, .at = 230};
	assert_int_equal(repo_event_add(f->db, &ev, &e), ERR_OK);
	ev.actor_id = 2;
	ev.at = 240;
	assert_int_equal(repo_event_add(f->db, &ev, &e), ERR_OK);
	ev.entity = "user"; /* not a ticket's */
	ev.entity_id = 3;
	assert_int_equal(repo_event_add(f->db, &ev, &e), ERR_OK);
	assert_int_equal(tl_query_int(f->db, "SELECT fr_at FROM tickets WHERE id = 2"), 230);
	assert_int_equal(tl_query_int(f->db, "SELECT fr_by FROM tickets WHERE id = 2"), 3);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM tickets WHERE id = 3 AND "
					     "fr_at IS NULL"),
			 1);
}

/* Whether sql has "x IN (a, b, c...)" of three values or more, whatever the spacing. */
static bool has_long_in_list(const char *sql)
{
	for (const char *p = sql; (p = strstr(p, "IN")); p += 2) {
		const char *q = p + 2;
		int commas = 0;
		if (p > sql && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
			continue;
		while (isspace((unsigned char)*q))
			q++;
		if (*q != '(')
			continue;
		for (q++; *q && *q != ')' && *q != '('; q++)
			commas += *q == ',';
		if (*q == ')' && commas >= 2)
			return true;
	}
	return false;
}

/*
 * 0021: mail_inbound's CHECK, which 0019 missed (its list starts on a
 * line of its own), and (0020's) events_sla's WHERE are comparisons too, on a desk
 * migrated before it with rows in both; no table is left with a CHECK IN
 * list of three values or more, and repo_sla_facts's query still reads
 * events_sla alone.
 */
static void test_in_lists_0021(void **state)
{
	static const char *const states[] = {"new_ticket", "threaded", "duplicate",
					     "held",       "bounce",   "ignored"};
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	struct db_stmt *st;
	char sql[600];
	int v = -1;

	migrate_before(f->db, 21);
	assert_int_equal(db_exec(f->db,
				 "INSERT INTO mail_raw VALUES ('h', 1, x'00');"
				 "INSERT INTO mail_inbound (mailbox, raw_sha256, raw_size, received_at, "
				 "state) VALUES ('m', 'h', 1, 5, 'held');"
				 "INSERT INTO events (entity, entity_id, kind, created_at) VALUES "
				 "('ticket', 7, 'ticket.created', 1), ('ticket', 7, 'field.subject', 2), "
				 "('ticket', 7, 'message.public', 3)",
				 &e),
			 ERR_OK);
	assert_int_equal(migrate_apply(f->db, f->path, &v, &e), ERR_OK);
	assert_int_equal(v, migrate_latest());

	assert_int_equal(db_prepare(f->db, "SELECT name, sql FROM sqlite_master WHERE type = "
					   "'table' AND sql IS NOT NULL", &st, &e),
			 ERR_OK);
	while (db_step(st, &e) == DB_ROW)
		if (has_long_in_list(db_col_text(st, 1)))
			fail_msg("table %s keeps an IN list: %s", db_col_text(st, 0),
				 db_col_text(st, 1));
	db_done(st);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM sqlite_master WHERE name = "
					     "'mail_inbound' AND sql LIKE '%CHECK (state = ''new_ticket'' OR %'"),
			 1);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM sqlite_master WHERE name = "
					     "'events_sla' AND sql NOT LIKE '% IN %' AND sql LIKE "
					     "'%WHERE kind = ''ticket.created'' OR %'"),
			 1);
	/* repo_sla_facts's query (the same text): from the covering index, its two events. */
	static const char facts[] =
		"SELECT kind, old_value, new_value, data, created_at FROM events WHERE entity = "
		"'ticket' AND entity_id = 7 AND (kind = 'ticket.created' OR kind = 'field.status' "
		"OR kind = 'field.priority' OR kind = 'message.public') ORDER BY id";
	bool covered = false;
	snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN %s", facts);
	assert_int_equal(db_prepare_dynamic(f->db, sql, &st, &e), ERR_OK);
	while (db_step(st, &e) == DB_ROW)
		covered |= strstr(db_col_text(st, 3), "COVERING INDEX events_sla") != NULL;
	db_done(st);
	assert_true(covered);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM (%s)", facts);
	assert_int_equal(tl_query_int(f->db, sql), 2);
	/* The row kept; the same values accepted, anything else refused. */
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM mail_inbound WHERE state = 'held'"),
			 1);
	for (size_t i = 0; i < ARRAY_SIZE(states); i++) {
		snprintf(sql, sizeof(sql),
			 "INSERT INTO mail_inbound (mailbox, raw_sha256, raw_size, received_at, "
			 "state) VALUES ('m', 'h', 1, 6, '%s')",
			 states[i]);
		assert_int_equal(db_exec(f->db, sql, &e), ERR_OK);
	}
	assert_int_equal(db_exec(f->db,
				 "INSERT INTO mail_inbound (mailbox, raw_sha256, raw_size, received_at, "
				 "state) VALUES ('m', 'h', 1, 7, 'lost')",
				 &e),
			 ERR_INVALID);
	err_clear(&e);
	char *ok = tl_query_text(f->db, "PRAGMA integrity_check");
	assert_string_equal(ok, "ok");
	free(ok);
}

static void test_newer_schema_refused(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	char sql[200];
	int v = -1;

	assert_int_equal(migrate_apply(f->db, f->path, &v, &e), ERR_OK);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO schema_migrations (version, name, applied_at) VALUES (%d, 'future', 0)",
		 migrate_latest() + 1);
	assert_int_equal(db_exec(f->db, sql, &e), ERR_OK);

	v = -1;
	assert_int_equal(migrate_apply(f->db, f->path, &v, &e), ERR_CONFLICT);
	assert_int_equal(e.code, ERR_CONFLICT);
	assert_contains(e.msg, "newer");
	assert_contains(e.msg, f->path);
	assert_int_equal(v, -1); /* no version reported */
	/* Refusing changed nothing. */
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM schema_migrations"),
			 (int64_t)migrations_count + 1);
}

static void test_foreign_database_refused(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	int v = -1;

	assert_int_equal(db_exec(f->db,
				 "CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL);"
				 "INSERT INTO invoices VALUES (1, 9.5)",
				 &e),
			 ERR_OK);
	assert_int_equal(migrate_apply(f->db, "their.db", &v, &e), ERR_INVALID);
	assert_contains(e.msg, "not a Champion desk");
	assert_contains(e.msg, "their.db");
	/* Their data is untouched and nothing of ours was added. */
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM invoices"), 1);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM sqlite_master WHERE "
					     "type = 'table'"),
			 1);
}

static void test_probe(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	bool has_any = true, is_desk = true;
	int v;

	/* An empty database: nothing in it, not a desk. */
	assert_int_equal(migrate_probe(f->db, &has_any, &is_desk, &e), ERR_OK);
	assert_false(has_any);
	assert_false(is_desk);
	/* A migrated one is a desk. */
	assert_int_equal(migrate_apply(f->db, f->path, &v, &e), ERR_OK);
	assert_int_equal(migrate_probe(f->db, &has_any, &is_desk, &e), ERR_OK);
	assert_true(has_any);
	assert_true(is_desk);
}

static void test_probe_foreign(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	bool has_any = false, is_desk = true;

	assert_int_equal(db_exec(f->db, "CREATE TABLE notes (body TEXT)", &e), ERR_OK);
	assert_int_equal(migrate_probe(f->db, &has_any, &is_desk, &e), ERR_OK);
	assert_true(has_any);
	assert_false(is_desk);
}
/*
 * 0019 writes CHECKs of three values or more as comparisons (SQLite builds a
 * temporary table per row for an IN list): none is left, they still
 * refuse what they refused, and the connection that migrated uses them.
 */
static void test_checks_without_in_lists(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	int v = -1;

	assert_int_equal(migrate_apply(f->db, f->path, &v, &e), ERR_OK);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM sqlite_master WHERE type = "
					     "'table' AND sql LIKE '%IN (''%'', ''%'', ''%'')%'"),
			 0);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM sqlite_master WHERE type = "
					     "'table' AND sql LIKE '%CHECK (status = ''new'' OR %'"),
			 1);
	assert_int_equal(db_exec(f->db,
				 "INSERT INTO jobs (kind, state, run_at, max_attempts, created_at, "
				 "updated_at) VALUES ('x', 'bogus', 0, 1, 0, 0)",
				 &e),
			 ERR_INVALID);
	assert_non_null(strstr(e.msg, "state = 'queued' OR"));
	err_clear(&e);
	assert_int_equal(db_exec(f->db,
				 "INSERT INTO jobs (kind, state, run_at, max_attempts, created_at, "
				 "updated_at) VALUES ('x', 'cancelled', 0, 1, 0, 0)",
				 &e),
			 ERR_OK);
	assert_int_not_equal(db_exec(f->db,
				     "INSERT INTO users (email, email_norm, role, created_at, "
				     "updated_at) VALUES ('a@b.c', 'a@b.c', 'boss', 0, 0)",
				     &e),
			     ERR_OK);
	err_clear(&e);
	char *ok = tl_query_text(f->db, "PRAGMA integrity_check");
	assert_string_equal(ok, "ok");
	free(ok);
}

/*
 * migrate_desk (opening a desk): an empty database or a foreign one is
 * refused and left as it was; a desk missing a migration gets it; a newer
 * one is refused.
 */
static void test_desk_only(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	char sql[200];
	int v = -1;

	assert_int_equal(migrate_desk(f->db, "empty.db", &v, &e), ERR_NOT_FOUND);
	assert_contains(e.msg, "'empty.db' is empty, not a desk");
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM sqlite_master"), 0);
	assert_int_equal(v, -1);
	err_clear(&e);

	assert_int_equal(db_exec(f->db, "CREATE TABLE notes (body TEXT)", &e), ERR_OK);
	assert_int_equal(migrate_desk(f->db, "their.db", &v, &e), ERR_INVALID);
	assert_contains(e.msg, "'their.db' is a database but not a Champion desk");
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM sqlite_master"), 1);
	err_clear(&e);
	assert_int_equal(db_exec(f->db, "DROP TABLE notes", &e), ERR_OK);

	/* A desk that lacks its last migration: applied, the rest left alone. */
	assert_int_equal(migrate_apply(f->db, f->path, &v, &e), ERR_OK);
	snprintf(sql, sizeof(sql), "DELETE FROM schema_migrations WHERE version = %d",
		 migrate_latest());
	assert_int_equal(db_exec(f->db, sql, &e), ERR_OK);
	time_set_fixed(1800000000000LL);
	v = -1;
	assert_int_equal(migrate_desk(f->db, f->path, &v, &e), ERR_OK);
	assert_int_equal(v, migrate_latest());
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM schema_migrations WHERE "
					     "applied_at = 1800000000000"),
			 1);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM schema_migrations"),
			 (int64_t)migrations_count);
	/* Up to date: nothing to do. */
	assert_int_equal(migrate_desk(f->db, f->path, &v, &e), ERR_OK);
	assert_int_equal(v, migrate_latest());

	snprintf(sql, sizeof(sql), "INSERT INTO schema_migrations VALUES (%d, 'future', 0)",
		 migrate_latest() + 1);
	assert_int_equal(db_exec(f->db, sql, &e), ERR_OK);
	assert_int_equal(migrate_desk(f->db, f->path, &v, &e), ERR_CONFLICT);
	assert_contains(e.msg, "newer");
}

/* Whether SQLite's plan for sql names index. */
static bool plan_uses(struct db *db, const char *sql, const char *index)
{
	char explain[1024];
	struct db_stmt *st;
	struct err e = ERR_INIT;
	bool found = false;

	snprintf(explain, sizeof(explain), "EXPLAIN QUERY PLAN %s", sql);
	assert_int_equal(db_prepare_dynamic(db, explain, &st, &e), ERR_OK);
	while (db_step(st, &e) == DB_ROW)
		found |= strstr(db_col_text(st, 3), index) != NULL;
	db_done(st);
	return found;
}

/*
 * 0020 writes the WHERE of the partial indexes without IN lists (SQLite
 * builds a temporary table per row written for one): none is left, the
 * indexes hold the rows their new WHERE selects, before and after rows
 * are added, and the queries that name the same conditions still use them.
 */
static void test_partial_indexes_without_in_lists(void **state)
{
	static const char desk[] =
		"INSERT INTO users (id, email, email_norm, name, role, created_at, updated_at) VALUES "
		"(1, 'c@x', 'c@x', 'C', 'customer', 0, 0);"
		"INSERT INTO tickets (id, subject, status, priority, requester_id, channel, created_at, "
		"updated_at) VALUES (1, 's', 'solved', 'normal', 1, 'email', 100, 100), "
		"(2, 's', 'open', 'normal', 1, 'email', 200, 200), "
		"(3, 's', 'on_hold', 'normal', 1, 'email', 300, 300);"
		"INSERT INTO events (entity, entity_id, kind, actor_id, created_at) VALUES "
		"('ticket', 1, 'ticket.created', 1, 100), ('ticket', 1, 'tag.added', 1, 100), "
		"('ticket', 2, 'message.public', 1, 200), ('ticket', 2, 'field.status', 1, 210);";
	static const char later[] =
		"INSERT INTO tickets (id, subject, status, priority, requester_id, channel, created_at, "
		"updated_at) VALUES (4, 's', 'new', 'normal', 1, 'email', 400, 400), "
		"(5, 's', 'closed', 'normal', 1, 'email', 500, 500);"
		"UPDATE tickets SET status = 'pending' WHERE id = 1;"
		"UPDATE tickets SET status = 'solved' WHERE id = 2;"
		"INSERT INTO events (entity, entity_id, kind, actor_id, created_at) VALUES "
		"('ticket', 4, 'field.priority', 1, 400), ('ticket', 4, 'message.internal', 1, 400);";
	static const char facts[] =
		"SELECT kind FROM events WHERE entity = 'ticket' AND entity_id = 4 AND (kind = "
		"'ticket.created' OR kind = 'field.status' OR kind = 'field.priority' OR kind = "
		"'message.public') ORDER BY id";
	static const char mine[] =
		"SELECT t.id FROM tickets t WHERE 1 = 1 AND (t.status = 'new' OR t.status = 'open' OR "
		"t.status = 'pending' OR t.status = 'on_hold') AND t.assignee_id = 7 ORDER BY "
		"t.sla_sort_key, t.id LIMIT 50";
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	int v = -1;

	/* A desk as it was before 0020. */
	migrate_before(f->db, 20);
	assert_int_equal(db_exec(f->db, desk, &e), ERR_OK);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM sqlite_master WHERE type = "
					     "'index' AND sql LIKE '%IN (''%'', ''%'', ''%'')%'"),
			 3);
	assert_int_equal(migrate_apply(f->db, f->path, &v, &e), ERR_OK);

	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM sqlite_master WHERE "
					     "sql LIKE '%IN (''%'', ''%'', ''%'')%'"),
			 0);
	char *ok = tl_query_text(f->db, "PRAGMA integrity_check");
	assert_string_equal(ok, "ok");
	free(ok);
	assert_int_equal(db_exec(f->db, later, &e), ERR_OK);
	ok = tl_query_text(f->db, "PRAGMA integrity_check");
	assert_string_equal(ok, "ok");
	free(ok);
	/* Unsolved: 1 (pending), 3 (on hold), 4 (new); events: 3 of the first four, and 4's priority. */
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM tickets INDEXED BY "
					     "tickets_unsolved_group WHERE (status = 'new' OR status "
					     "= 'open' OR status = 'pending' OR status = 'on_hold')"),
			 3);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM events INDEXED BY events_sla "
					     "WHERE entity = 'ticket' AND (kind = 'ticket.created' OR "
					     "kind = 'field.status' OR kind = 'field.priority' OR kind = "
					     "'message.public')"),
			 4);
	assert_true(plan_uses(f->db, facts, "events_sla"));
	assert_true(plan_uses(f->db, mine, "tickets_unsolved_assignee"));
	/* 0023: no tickets_created; the first-response report's range reads tickets_first_reply. */
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM sqlite_master WHERE name = "
					     "'tickets_created'"),
			 0);
	assert_true(plan_uses(f->db,
			      "SELECT created_at, fr_at, group_id, sla_policy_id, coalesce("
			      "fr_business_ms, -1), fr_calendar_id, fr_calendar_version, coalesce("
			      "fr_sla, -1), fr_sla_due_at FROM tickets WHERE created_at >= 0 AND "
			      "created_at < 1000 AND opened_by_agent = 0",
			      "tickets_first_reply"));
	/*
	 * 0024: no trigger fires on a new ticket or message (the desk notes
	 * them); the triggers on their changes and deletions stay.
	 */
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM sqlite_master WHERE type = "
					     "'trigger' AND tbl_name IN ('tickets', 'messages') AND "
					     "sql LIKE '%AFTER INSERT%'"),
			 0);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM sqlite_master WHERE type = "
					     "'trigger' AND name IN ('doc_message_changed', "
					     "'search_message_changed', 'doc_ticket_changed', "
					     "'search_message_removed')"),
			 4);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_is_numbered),
		T(test_probe),
		T(test_probe_foreign),
		T(test_fresh_database),
		T(test_apply_is_idempotent),
		T(test_empty_migrations_table),
		T(test_late_lower_number_applied),
		T(test_first_reply_backfill),
		T(test_checks_without_in_lists),
		T(test_partial_indexes_without_in_lists),
		T(test_in_lists_0021),
		T(test_newer_schema_refused),
		T(test_foreign_database_refused),
		T(test_desk_only),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
