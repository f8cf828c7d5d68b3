/*
 * test_sla.c - tests of src/desk/sla.c and src/desk/report.c: policies
 * applied as tickets change, the queue ordered by what is due, SLA
 * timers firing once across leases and restarts, recomputation from the
 * events, and the first-response report against an independent count.
 */
#include "util/common.h"
#include "desk/desk.h"
#include "desk/desk_private.h"
#include "rules/calendar.h"
#include "rules/sla.h"
#include "util/time.h"
#include "testlib.h"

#define MIN 60000LL
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)
/* Monday 2026-01-05 00:00Z: TL_T0 (Thursday) plus four days. */
#define MON (TL_T0 + 4 * DAY)

struct fixture {
	struct tl_desk t;
	struct arena a;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	tl_desk_open(&f->t, "sla");
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

static void calendar(struct fixture *f, const char *name)
{
	const char *hol[] = {"2026-01-06"}; /* a Tuesday off */
	struct calendar_in in = {name, "UTC", "mon-fri 09:00-17:00", hol, 1};
	struct err e = ERR_INIT;
	int64_t id;
	if (desk_calendar_add(f->t.d, &f->t.sys, &in, &id, &e))
		fail_msg("calendar: %s", e.msg);
}

static int64_t policy(struct fixture *f, const char *name, const char *first, bool business,
		      int priority, const char *tag)
{
	struct sla_policy_in in = {.name = name, .priority = priority, .channel = -1,
				   .requester_role = -1, .tag = tag, .escalate_to = -1,
				   .calendar = business ? "Office" : NULL, .business = business};
	struct err e = ERR_INIT;
	int64_t id;
	in.targets[0] = first;
	if (desk_sla_add(f->t.d, &f->t.sys, &in, &id, &e))
		fail_msg("policy: %s", e.msg);
	return id;
}

static int64_t ticket_at(struct fixture *f, int64_t at, const struct actor *who, int priority,
			 const char *tag)
{
	const char *tags[] = {tag};
	struct ticket_new_in in = {.subject = "Help", .body = "It broke", .priority = priority,
				   .channel = CHANNEL_EMAIL, .tags = tags, .ntags = tag ? 1 : 0};
	struct err e = ERR_INIT;
	int64_t id;
	time_set_fixed(at);
	if (who->user_id == 0 || who->role != ROLE_CUSTOMER)
		in.requester_email = "alice@example.com";
	if (desk_ticket_create(f->t.d, who, &in, &id, &e))
		fail_msg("create: %s", e.msg);
	return id;
}

static void say(struct fixture *f, int64_t at, const struct actor *who, int64_t id, int status)
{
	struct message_in in = {.kind = MSG_PUBLIC, .body = "Noted", .channel = CHANNEL_EMAIL,
				.status = status};
	struct message_out out;
	struct err e = ERR_INIT;
	time_set_fixed(at);
	if (desk_message_add(f->t.d, who, id, &in, &out, &e))
		fail_msg("message: %s", e.msg);
}

static void set(struct fixture *f, int64_t at, int64_t id, int status, int priority)
{
	struct ticket_change c = {.status = status, .priority = priority};
	struct err e = ERR_INIT;
	time_set_fixed(at);
	if (desk_ticket_update(f->t.d, &f->t.agent, id, &c, &e))
		fail_msg("set: %s", e.msg);
}

static struct sla_clock_row clock_of(struct fixture *f, int64_t id, const char *metric)
{
	struct ticket_sla s;
	struct err e = ERR_INIT;
	if (desk_ticket_sla(f->t.d, &f->t.agent, &f->a, id, &s, &e))
		fail_msg("ticket sla: %s", e.msg);
	for (size_t i = 0; i < s.clocks.count; i++) {
		struct sla_clock_row *c = ROWS_AT(&s.clocks, struct sla_clock_row, i);
		if (strcmp(c->metric, metric) == 0)
			return *c;
	}
	return (struct sla_clock_row){0};
}

static void test_policy_applies_and_clock_follows(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	struct ticket_sla s;

	calendar(f, "Office");
	policy(f, "VIP", "all=30m", false, -1, "vip");
	policy(f, "Standard", "normal=4h,urgent=1h", true, -1, NULL);
	/* Monday 16:00: 4 business hours end Wednesday 12:00 (Tuesday is a holiday). */
	int64_t id = ticket_at(f, MON + 16 * HOUR, &f->t.alice, -1, NULL);
	assert_int_equal(desk_ticket_sla(f->t.d, &f->t.agent, &f->a, id, &s, &e), ERR_OK);
	assert_string_equal(s.policy_name, "Standard");
	struct sla_clock_row c = clock_of(f, id, "first_reply");
	assert_true(c.business);
	assert_int_equal(c.due_at, MON + 2 * DAY + 12 * HOUR);
	assert_int_equal(q(f, "SELECT sla_due_at FROM tickets WHERE id = %" PRId64, id),
			 MON + 2 * DAY + 12 * HOUR);
	/* Raised to urgent: one business hour, Monday 17:00. */
	set(f, MON + 16 * HOUR + 10 * MIN, id, -1, PRIORITY_URGENT);
	assert_int_equal(clock_of(f, id, "first_reply").due_at, MON + 17 * HOUR);
	/* A vip tag matches the first policy: 30 calendar minutes. */
	struct ticket_change tag = {.status = -1, .priority = -1};
	const char *vip[] = {"vip"};
	tag.tags_add = vip;
	tag.ntags_add = 1;
	assert_int_equal(desk_ticket_update(f->t.d, &f->t.agent, id, &tag, &e), ERR_OK);
	assert_int_equal(clock_of(f, id, "first_reply").due_at, MON + 16 * HOUR + 30 * MIN);
	assert_false(clock_of(f, id, "first_reply").business);
	/* Answered at 16:20: achieved, not breached; nothing due now. */
	say(f, MON + 16 * HOUR + 20 * MIN, &f->t.agent, id, STATUS_PENDING);
	c = clock_of(f, id, "first_reply");
	assert_int_equal(c.achieved_at, MON + 16 * HOUR + 20 * MIN);
	assert_int_equal(c.breached_at, 0);
	assert_int_equal(q(f, "SELECT count(*) FROM tickets WHERE id = %" PRId64
			      " AND sla_due_at IS NULL", id), 1);
	/* An agent-opened ticket owes no first reply. */
	int64_t mine = ticket_at(f, MON + 17 * HOUR, &f->t.agent, -1, NULL);
	assert_int_equal(clock_of(f, mine, "first_reply").started_at, 0);
}

static void test_queue_surfaces_skipped_hard_ticket(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	struct rows rows;

	policy(f, "Everyone", "normal=8h,high=4h", false, -1, NULL);
	/* The hard one came in Monday and was skipped for days. */
	int64_t hard = ticket_at(f, MON + 9 * HOUR, &f->t.bob, -1, NULL);
	int64_t ids[6];
	for (int i = 0; i < 6; i++) {
		/* Easy ones, every few hours since, most answered at once. */
		ids[i] = ticket_at(f, MON + DAY + i * 8 * HOUR, &f->t.alice, i == 5 ? PRIORITY_HIGH : -1,
				   NULL);
		if (i < 4)
			say(f, MON + DAY + i * 8 * HOUR + 10 * MIN, &f->t.agent, ids[i], STATUS_PENDING);
	}
	/* A ticket without a target (low priority has none) waiting a long time. */
	int64_t low = ticket_at(f, MON + 2 * HOUR, &f->t.carol, PRIORITY_LOW, NULL);
	time_set_fixed(MON + 4 * DAY);
	struct ticket_query qd = {.status = -1, .by_due = true};
	assert_int_equal(desk_ticket_list(f->t.d, &f->t.agent, &f->a, &qd, &rows, &e), ERR_OK);
	assert_true(rows.count >= 4);
	/* Breached first, oldest breach first: the hard ticket (due Monday 17:00). */
	assert_int_equal(ROWS_AT(&rows, struct ticket_row, 0)->id, hard);
	assert_int_equal(ROWS_AT(&rows, struct ticket_row, 1)->id, ids[4]);
	assert_int_equal(ROWS_AT(&rows, struct ticket_row, 2)->id, ids[5]);
	/* Then the longest wait without a target. */
	assert_int_equal(ROWS_AT(&rows, struct ticket_row, 3)->id, low);
	/* The default order is unchanged: newest first. */
	struct ticket_query qn = {.status = -1};
	assert_int_equal(desk_ticket_list(f->t.d, &f->t.agent, &f->a, &qn, &rows, &e), ERR_OK);
	assert_int_equal(ROWS_AT(&rows, struct ticket_row, 0)->id, low);
	/* Pages follow the order: the cursor is the last id seen. */
	qd.limit = 2;
	assert_int_equal(desk_ticket_list(f->t.d, &f->t.agent, &f->a, &qd, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 2);
	qd.before_id = ROWS_AT(&rows, struct ticket_row, 1)->id;
	assert_int_equal(desk_ticket_list(f->t.d, &f->t.agent, &f->a, &qd, &rows, &e), ERR_OK);
	assert_int_equal(ROWS_AT(&rows, struct ticket_row, 0)->id, ids[5]);
	assert_int_equal(ROWS_AT(&rows, struct ticket_row, 1)->id, low);
	/* The page walks an index; SQLite sorts nothing (no temp b-tree). */
	if (tl_pg())
		return; /* PostgreSQL plans its own way */
	static const char *const plans[] = {
		"EXPLAIN QUERY PLAN SELECT id FROM tickets t ORDER BY t.sla_sort_key, t.id LIMIT 50",
		"EXPLAIN QUERY PLAN SELECT id FROM tickets t WHERE t.status = 'open' ORDER BY "
		"t.sla_sort_key, t.id LIMIT 50",
		"EXPLAIN QUERY PLAN SELECT id FROM tickets t WHERE (t.sla_sort_key, t.id) > (SELECT "
		"c.sla_sort_key, c.id FROM tickets c WHERE c.id = 3) ORDER BY t.sla_sort_key, t.id "
		"LIMIT 50",
	};
	for (size_t i = 0; i < ARRAY_SIZE(plans); i++) {
		struct db_stmt *st;
		assert_int_equal(db_prepare(f->t.d->store.db, plans[i], &st, &e), ERR_OK);
		while (db_step(st, &e) == DB_ROW) {
			const char *detail = db_col_text(st, 3);
			if (detail && strstr(detail, "TEMP B-TREE"))
				fail_msg("'%s' sorts: %s", plans[i], detail);
		}
		db_done(st);
	}
}

/* Runs due SLA timers; returns how many ran. */
static int run_due(struct fixture *f, const char *worker)
{
	struct err e = ERR_INIT;
	int ran = 0;
	if (desk_sla_run_due(f->t.d, worker, &ran, &e))
		fail_msg("run due: %s", e.msg);
	return ran;
}

static int64_t events(struct fixture *f, int64_t id, const char *kind)
{
	return q(f, "SELECT count(*) FROM events WHERE entity = 'ticket' AND entity_id = %" PRId64
		    " AND kind = '%s'", id, kind);
}

static void test_timers_fire_once(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	static const char *const kinds[] = {DESK_JOB_SLA_TIMER, NULL};
	struct job_row j1, j2;
	int64_t requeue;

	policy(f, "Everyone", "normal=1h", false, -1, NULL);
	int64_t id = ticket_at(f, MON + 10 * HOUR, &f->t.alice, -1, NULL);
	assert_int_equal(q(f, "SELECT count(*) FROM jobs WHERE kind = 'sla.timer' AND ticket_id = "
			      "%" PRId64, id), 2);
	assert_int_equal(q(f, "SELECT run_at FROM jobs WHERE dedupe_key = 'sla:%" PRId64
			      ":first_reply:%lld:warn'", id, (long long)(MON + 10 * HOUR)),
			 MON + 10 * HOUR + 45 * MIN);
	assert_int_equal(run_due(f, "w"), 0);
	/* 10:50: the warning is due. Claimed, then the worker dies. */
	time_set_fixed(MON + 10 * HOUR + 50 * MIN);
	assert_int_equal(desk_job_claim(f->t.d, &f->a, kinds, "w1", &j1, &e), ERR_OK);
	time_set_fixed(MON + 10 * HOUR + 50 * MIN + DESK_JOB_LEASE_MS + 1);
	assert_int_equal(desk_job_claim(f->t.d, &f->a, kinds, "w2", &j2, &e), ERR_OK);
	assert_int_equal(j1.id, j2.id);
	/* Both run it: one event. */
	assert_int_equal(desk_sla_fire(f->t.d, &j2, &requeue, &e), ERR_OK);
	assert_int_equal(requeue, 0);
	assert_int_equal(desk_sla_fire(f->t.d, &j1, &requeue, &e), ERR_OK);
	assert_int_equal(events(f, id, "sla.warning"), 1);
	assert_int_equal(desk_job_finish(f->t.d, &j2, "w2", DESK_JOB_OK, NULL, &e), ERR_OK);
	assert_int_equal(events(f, id, "sla.breach"), 0);

	/* The desk restarts; the breach timer is still there and fires once. */
	desk_close(f->t.d);
	f->t.d = NULL;
	struct store_options o = {.target = f->t.path, .blob_dir = f->t.files, .sync = DB_SYNC_OFF,
				  .busy_timeout_ms = 1000};
	assert_int_equal(desk_open(&f->t.d, &o, &e), ERR_OK);
	time_set_fixed(MON + 11 * HOUR);
	assert_int_equal(run_due(f, "w3"), 1);
	assert_int_equal(events(f, id, "sla.breach"), 1);
	assert_int_equal(clock_of(f, id, "first_reply").breached_at, MON + 11 * HOUR);
	assert_int_equal(run_due(f, "w3"), 0);
	/* Recomputing later arms nothing new for the same cycle. */
	int64_t n;
	assert_int_equal(desk_sla_recompute_all(f->t.d, &f->t.sys, &n, &e), ERR_OK);
	time_set_fixed(MON + 12 * HOUR);
	assert_int_equal(run_due(f, "w3"), 0);
	assert_int_equal(events(f, id, "sla.breach"), 1);
}

static void test_paused_timer_moves(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	struct sla_policy_in in = {.name = "Fix", .priority = -1, .channel = -1,
				   .requester_role = -1, .escalate_to = -1};

	in.targets[3] = "normal=2h"; /* resolution */
	assert_int_equal(desk_sla_add(f->t.d, &f->t.sys, &in, &(int64_t){0}, &e), ERR_OK);
	int64_t id = ticket_at(f, MON + 10 * HOUR, &f->t.alice, -1, NULL);
	/* Pending from 10:30 (an agent asked) to 12:30 (the customer answered). */
	say(f, MON + 10 * HOUR + 30 * MIN, &f->t.agent, id, STATUS_PENDING);
	assert_int_equal(clock_of(f, id, "resolution").paused_since, MON + 10 * HOUR + 30 * MIN);
	assert_int_equal(clock_of(f, id, "resolution").due_at, 0);
	/* Paused: both timers are parked, so nothing fires at the old due time. */
	time_set_fixed(MON + 12 * HOUR + 10 * MIN);
	assert_int_equal(run_due(f, "w"), 0);
	assert_int_equal(events(f, id, "sla.breach"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM jobs WHERE ticket_id = %" PRId64
			      " AND state = 'queued' AND run_at = %lld", id, CALENDAR_MAX_MS), 2);
	say(f, MON + 12 * HOUR + 30 * MIN, &f->t.alice, id, -1);
	/* 30 minutes used, 90 left: due 14:00, and the timer moved there. */
	assert_int_equal(clock_of(f, id, "resolution").due_at, MON + 14 * HOUR);
	assert_int_equal(q(f, "SELECT run_at FROM jobs WHERE ticket_id = %" PRId64
			      " AND dedupe_key LIKE '%%:breach'", id), MON + 14 * HOUR);
	/* At 14:00 both are due: the warning is moot after the breach. */
	time_set_fixed(MON + 14 * HOUR);
	assert_int_equal(run_due(f, "w"), 2);
	assert_int_equal(events(f, id, "sla.breach"), 1);
	assert_int_equal(events(f, id, "sla.warning"), 0);
}

static void test_breach_escalates(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	struct sla_policy_in in = {.name = "Up", .priority = -1, .channel = -1,
				   .requester_role = -1, .escalate_to = PRIORITY_HIGH};
	struct ticket_view v;

	in.targets[0] = "normal=1h,high=30m,urgent=15m";
	assert_int_equal(desk_sla_add(f->t.d, &f->t.sys, &in, &(int64_t){0}, &e), ERR_OK);
	int64_t id = ticket_at(f, MON + 10 * HOUR, &f->t.alice, -1, NULL);
	time_set_fixed(MON + 11 * HOUR);
	assert_int_equal(run_due(f, "w"), 2);
	assert_int_equal(events(f, id, "sla.breach"), 1);
	assert_int_equal(desk_ticket_get(f->t.d, &f->t.agent, &f->a, id, &v, &e), ERR_OK);
	assert_int_equal(v.ticket.priority, PRIORITY_HIGH);
	assert_int_equal(q(f, "SELECT count(*) FROM events WHERE entity_id = %" PRId64 " AND kind = "
			      "'field.priority' AND new_value = 'high' AND actor_id IS NULL AND data = "
			      "'{\"reason\":\"sla.breach\"}'", id), 1);
	/* The same cycle, now under high's 30 minutes: still one breach, due at 10:30. */
	assert_int_equal(clock_of(f, id, "first_reply").due_at, MON + 10 * HOUR + 30 * MIN);
	time_set_fixed(MON + 12 * HOUR);
	assert_int_equal(run_due(f, "w"), 0);
	assert_int_equal(events(f, id, "sla.breach"), 1);
	/* Never lowers: an urgent ticket breaches and stays urgent. */
	int64_t u = ticket_at(f, MON + 12 * HOUR, &f->t.bob, PRIORITY_URGENT, NULL);
	time_set_fixed(MON + 12 * HOUR + 15 * MIN);
	assert_int_equal(run_due(f, "w"), 2);
	assert_int_equal(events(f, u, "sla.breach"), 1);
	assert_int_equal(events(f, u, "field.priority"), 0);
}

static void test_recompute_rebuilds_from_events(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	int64_t n;

	calendar(f, "Office");
	policy(f, "Standard", "all=2h", true, -1, NULL);
	int64_t a = ticket_at(f, MON + 10 * HOUR, &f->t.alice, -1, NULL);
	int64_t b = ticket_at(f, MON + 11 * HOUR, &f->t.bob, -1, NULL);
	say(f, MON + 11 * HOUR + 30 * MIN, &f->t.agent, a, STATUS_SOLVED);
	int64_t sum = q(f, "SELECT sum(due_at + coalesce(achieved_at, 0) + started_at) FROM "
			   "sla_clocks") + q(f, "SELECT sum(sla_sort_key) FROM tickets");
	/* Wreck the derived state; the events rebuild it. */
	assert_int_equal(db_exec(f->t.d->store.db, "DELETE FROM sla_clocks; UPDATE tickets SET "
				 "sla_sort_key = 0, sla_due_at = NULL, sla_policy_id = NULL", &e), ERR_OK);
	assert_int_equal(desk_sla_recompute_all(f->t.d, &f->t.sys, &n, &e), ERR_OK);
	assert_int_equal(n, 2);
	assert_int_equal(q(f, "SELECT sum(due_at + coalesce(achieved_at, 0) + started_at) FROM "
			      "sla_clocks") + q(f, "SELECT sum(sla_sort_key) FROM tickets"), sum);
	assert_int_equal(clock_of(f, b, "first_reply").due_at, MON + 13 * HOUR);
	/* Only admins recompute. */
	assert_int_equal(desk_sla_recompute_all(f->t.d, &f->t.agent, &n, &e), ERR_FORBIDDEN);
}

/*
 * Without any policy, a ticket's SLA is its queue key alone: a new ticket
 * is inserted with it (no second write of the row and its queue indexes),
 * and what the quick path writes is what recomputing from the events gives.
 */
static void test_no_policy_key_written_with_the_ticket(void **state)
{
	if (tl_pg())
		skip(); /* it watches the writes with a SQLite temporary trigger */
	struct fixture *f = *state;
	struct db *db = f->t.d->store.db;
	struct err e = ERR_INIT;
	int64_t n;

	assert_int_equal(db_exec(db, "CREATE TEMP TABLE keyed (n INTEGER); CREATE TEMP TRIGGER "
				 "watch_key AFTER UPDATE OF sla_sort_key ON tickets BEGIN "
				 "INSERT INTO keyed VALUES (1); END", &e), ERR_OK);
	int64_t a = ticket_at(f, MON + 10 * HOUR, &f->t.alice, -1, NULL);
	int64_t b = ticket_at(f, MON + 11 * HOUR, &f->t.agent, PRIORITY_URGENT, "vip");
	assert_int_equal(q(f, "SELECT count(*) FROM keyed"), 0);
	assert_int_equal(q(f, "SELECT sla_sort_key FROM tickets WHERE id = %" PRId64, a),
			 SLA_KEY_WAIT + MON + 10 * HOUR);
	assert_int_equal(q(f, "SELECT sla_sort_key FROM tickets WHERE id = %" PRId64, b),
			 SLA_KEY_IDLE);
	assert_int_equal(q(f, "SELECT count(*) FROM tickets WHERE sla_due_at IS NOT NULL OR "
			      "sla_policy_id IS NOT NULL"), 0);
	/* Answered, then asked again: the customer waits from the new question. */
	say(f, MON + 12 * HOUR, &f->t.agent, a, STATUS_PENDING);
	say(f, MON + 13 * HOUR, &f->t.alice, a, -1);
	assert_int_equal(q(f, "SELECT sla_sort_key FROM tickets WHERE id = %" PRId64, a),
			 SLA_KEY_WAIT + MON + 13 * HOUR);
	int64_t sum = q(f, "SELECT sum(sla_sort_key) FROM tickets");
	assert_int_equal(db_exec(db, "UPDATE tickets SET sla_sort_key = 0", &e), ERR_OK);
	assert_int_equal(desk_sla_recompute_all(f->t.d, &f->t.sys, &n, &e), ERR_OK);
	assert_int_equal(q(f, "SELECT sum(sla_sort_key) FROM tickets"), sum);
	assert_int_equal(q(f, "SELECT count(*) FROM sla_clocks"), 0);

	/* With a policy, the new ticket's clocks and due time come as before. */
	policy(f, "Fast", "all=1h", false, -1, NULL);
	int64_t c = ticket_at(f, MON + 14 * HOUR, &f->t.bob, -1, NULL);
	assert_int_equal(clock_of(f, c, "first_reply").due_at, MON + 15 * HOUR);
	assert_int_equal(q(f, "SELECT sla_sort_key FROM tickets WHERE id = %" PRId64, c),
			 MON + 15 * HOUR);
}

static void test_validation(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	int64_t id;
	struct calendar_in bad_zone = {"X", "Mars/Olympus", "mon-fri 09:00-17:00", NULL, 0};
	struct calendar_in bad_hours = {"X", "UTC", "someday", NULL, 0};
	const char *hol[] = {"2026-13-01"};
	struct calendar_in bad_hol = {"X", "UTC", "mon 09:00-17:00", hol, 1};

	assert_int_equal(desk_calendar_add(f->t.d, &f->t.sys, &bad_zone, &id, &e), ERR_INVALID);
	assert_int_equal(desk_calendar_add(f->t.d, &f->t.sys, &bad_hours, &id, &e), ERR_INVALID);
	assert_int_equal(desk_calendar_add(f->t.d, &f->t.sys, &bad_hol, &id, &e), ERR_INVALID);
	calendar(f, "Office");
	struct calendar_in again = {"office", "UTC", "mon 09:00-17:00", NULL, 0};
	assert_int_equal(desk_calendar_add(f->t.d, &f->t.sys, &again, &id, &e), ERR_CONFLICT);
	assert_int_equal(desk_calendar_add(f->t.d, &f->t.agent, &again, &id, &e), ERR_FORBIDDEN);

	struct sla_policy_in p = {.name = "P", .priority = -1, .channel = -1, .requester_role = -1,
				  .escalate_to = -1};
	assert_int_equal(desk_sla_add(f->t.d, &f->t.sys, &p, &id, &e), ERR_INVALID);
	assert_contains(e.msg, "at least one target");
	p.targets[0] = "normal=4x";
	assert_int_equal(desk_sla_add(f->t.d, &f->t.sys, &p, &id, &e), ERR_INVALID);
	assert_contains(e.msg, "first_reply");
	p.targets[0] = "normal=4h";
	p.business = true;
	assert_int_equal(desk_sla_add(f->t.d, &f->t.sys, &p, &id, &e), ERR_INVALID);
	p.calendar = "Nope";
	assert_int_equal(desk_sla_add(f->t.d, &f->t.sys, &p, &id, &e), ERR_NOT_FOUND);
	p.calendar = "Office";
	p.group = "Nope";
	assert_int_equal(desk_sla_add(f->t.d, &f->t.sys, &p, &id, &e), ERR_NOT_FOUND);
	p.group = "Tier 2";
	assert_int_equal(desk_sla_add(f->t.d, &f->t.sys, &p, &id, &e), ERR_OK);
	assert_int_equal(desk_sla_add(f->t.d, &f->t.sys, &p, &id, &e), ERR_CONFLICT);
	struct rows pol, tg;
	assert_int_equal(desk_sla_list(f->t.d, &f->t.agent, &f->a, &pol, &tg, &e), ERR_OK);
	assert_int_equal(pol.count, 1);
	assert_int_equal(tg.count, 1);
	assert_contains(ROWS_AT(&pol, struct sla_policy_row, 0)->conditions, "\"group_id\"");
	assert_int_equal(desk_sla_list(f->t.d, &f->t.alice, &f->a, &pol, &tg, &e), ERR_FORBIDDEN);
}

/* Nearest rank, written apart from rules/stats. */
static int64_t pct(int64_t *v, size_t n, int p)
{
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && v[k - 1] > v[k]; k--) {
			int64_t t = v[k];
			v[k] = v[k - 1];
			v[k - 1] = t;
		}
	size_t r = 0;
	while (r < n && (r + 1) * 100 < (size_t)p * n)
		r++;
	return n ? v[r] : 0;
}

static void test_report_matches_independent_count(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	struct rows lines;
	int64_t cal_ms[40], biz_ms[40];
	size_t n = 0;

	calendar(f, "Office");
	policy(f, "Standard", "all=2h", true, -1, NULL);
	/* 30 tickets over a week, answered after varying waits; 5 never. */
	for (int i = 0; i < 35; i++) {
		int64_t at = MON + (i % 7) * DAY + (i * 37 % 600) * MIN;
		int64_t id = ticket_at(f, at, i % 2 ? &f->t.alice : &f->t.bob, -1, NULL);
		if (i >= 30)
			continue;
		say(f, at + (int64_t)(i * i % 97 + 1) * 7 * MIN, &f->t.agent, id, STATUS_PENDING);
		/* A later edit moves nothing reported. */
		set(f, at + 3 * DAY, id, STATUS_OPEN, PRIORITY_HIGH);
	}
	time_set_fixed(MON + 20 * DAY);
	assert_int_equal(desk_report_first_response(f->t.d, &f->t.agent, &f->a, MON, MON + 8 * DAY,
						    REPORT_BY_NONE, &lines, &e), ERR_OK);
	assert_int_equal(lines.count, 1);
	struct report_line *l = ROWS_AT(&lines, struct report_line, 0);

	/* The same from the events, by SQL, with the calendar asked directly. */
	struct calendar c;
	struct calendar_week w;
	struct calendar_holiday h = {2026, 1, 6, 0, 0};
	assert_int_equal(calendar_week_parse(&w, "mon-fri 09:00-17:00", &e), ERR_OK);
	assert_int_equal(calendar_init(&c, "UTC", &w, &h, 1, &e), ERR_OK);
	struct db_stmt *st;
	assert_int_equal(db_prepare(f->t.d->store.db,
				    "SELECT c.created_at, r.created_at FROM events c JOIN events r ON "
				    "r.entity_id = c.entity_id AND r.kind = 'ticket.first_response' "
				    "WHERE c.kind = 'ticket.created' AND c.entity = 'ticket' AND "
				    "r.entity = 'ticket'", &st, &e), ERR_OK);
	while (db_step(st, &e) == DB_ROW) {
		int64_t a = db_col_int64(st, 0), b = db_col_int64(st, 1);
		cal_ms[n] = b - a;
		biz_ms[n++] = calendar_business_ms(&c, a, b);
	}
	db_done(st);
	calendar_release(&c);
	assert_int_equal(n, 30);
	assert_int_equal(l->tickets, 35);
	assert_int_equal(l->answered, 30);
	assert_int_equal(l->p50, pct(cal_ms, n, 50));
	assert_int_equal(l->p90, pct(cal_ms, n, 90));
	assert_int_equal(l->p99, pct(cal_ms, n, 99));
	assert_int_equal(l->bp50, pct(biz_ms, n, 50));
	assert_int_equal(l->bp90, pct(biz_ms, n, 90));
	assert_int_equal(l->bp99, pct(biz_ms, n, 99));
	/* Attainment: met within 2 business hours; the 5 unanswered are past due. */
	int64_t met = 0;
	for (size_t i = 0; i < n; i++)
		met += biz_ms[i] <= 2 * HOUR;
	assert_int_equal(l->sla_met, met);
	assert_int_equal(l->sla_breached, 35 - met);
	assert_true(l->bp50 <= l->p50);

	/* By priority: every ticket is high now. */
	assert_int_equal(desk_report_first_response(f->t.d, &f->t.agent, &f->a, MON, MON + 8 * DAY,
						    REPORT_BY_PRIORITY, &lines, &e), ERR_OK);
	assert_int_equal(lines.count, 2);
	assert_string_equal(ROWS_AT(&lines, struct report_line, 0)->key, "high");
	assert_int_equal(ROWS_AT(&lines, struct report_line, 0)->answered, 30);
	assert_int_equal(desk_report_first_response(f->t.d, &f->t.agent, &f->a, MON, MON + 8 * DAY,
						    REPORT_BY_AGENT, &lines, &e), ERR_OK);
	assert_int_equal(lines.count, 2);
	assert_string_equal(ROWS_AT(&lines, struct report_line, 0)->key, "(unanswered)");
	assert_string_equal(ROWS_AT(&lines, struct report_line, 1)->key, "agent@desk.io");
	assert_int_equal(desk_report_first_response(f->t.d, &f->t.alice, &f->a, MON, MON + DAY,
						    REPORT_BY_NONE, &lines, &e), ERR_FORBIDDEN);
	assert_int_equal(desk_report_first_response(f->t.d, &f->t.agent, &f->a, MON, MON,
						    REPORT_BY_NONE, &lines, &e), ERR_INVALID);
}

/* The report's line over the test's week, at a fixed now. */
static struct report_line week_line(struct fixture *f)
{
	struct rows lines;
	struct err e = ERR_INIT;
	time_set_fixed(MON + 20 * DAY);
	if (desk_report_first_response(f->t.d, &f->t.agent, &f->a, MON, MON + 8 * DAY,
				       REPORT_BY_NONE, &lines, &e))
		fail_msg("report: %s", e.msg);
	assert_int_equal(lines.count, 1);
	return *ROWS_AT(&lines, struct report_line, 0);
}

/*
 * The report reads what the ticket row keeps of the first reply
 * (0016_first_reply.sql): it must say what the events say through later
 * replies, a reopen and a merge, and follow a calendar edit even for a
 * closed ticket, which only a full recompute measures again.
 */
static void test_report_follows_changes(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	int64_t n;

	calendar(f, "Office");
	policy(f, "Standard", "all=2h", true, -1, NULL);
	/* a: Monday 10:00, answered 11:00 (1h), answered again, solved, reopened, answered. */
	int64_t a = ticket_at(f, MON + 10 * HOUR, &f->t.alice, -1, NULL);
	say(f, MON + 11 * HOUR, &f->t.agent, a, STATUS_PENDING);
	say(f, MON + 12 * HOUR, &f->t.agent, a, STATUS_SOLVED);
	say(f, MON + 13 * HOUR, &f->t.alice, a, -1);
	say(f, MON + 14 * HOUR, &f->t.agent, a, STATUS_PENDING);
	/* b: Monday 16:00, answered Wednesday 09:30 (Tuesday is a holiday: 1h30), closed. */
	int64_t b = ticket_at(f, MON + 16 * HOUR, &f->t.bob, -1, NULL);
	say(f, MON + 2 * DAY + 9 * HOUR + 30 * MIN, &f->t.agent, b, STATUS_SOLVED);
	set(f, MON + 2 * DAY + 10 * HOUR, b, STATUS_CLOSED, -1);
	/* c: Monday 09:00, answered 09:30, merged into a. */
	int64_t c = ticket_at(f, MON + 9 * HOUR, &f->t.alice, -1, NULL);
	say(f, MON + 9 * HOUR + 30 * MIN, &f->t.agent, c, STATUS_PENDING);
	time_set_fixed(MON + 3 * DAY);
	assert_int_equal(desk_ticket_merge(f->t.d, &f->t.agent, c, a, &e), ERR_OK);

	/* The first reply on the row is the ticket's first ticket.first_response event. */
	assert_int_equal(q(f, "SELECT count(*) FROM tickets t WHERE fr_at IS DISTINCT FROM "
			      "(SELECT created_at FROM events WHERE entity = 'ticket' AND entity_id = "
			      "t.id AND kind = 'ticket.first_response' ORDER BY id LIMIT 1) OR fr_by IS "
			      "DISTINCT FROM (SELECT "
			      "actor_id FROM events WHERE entity = 'ticket' AND entity_id = t.id AND "
			      "kind = 'ticket.first_response' ORDER BY id LIMIT 1)"), 0);
	assert_int_equal(q(f, "SELECT fr_at FROM tickets WHERE id = %" PRId64, a), MON + 11 * HOUR);
	assert_int_equal(q(f, "SELECT fr_by FROM tickets WHERE id = %" PRId64, a), f->t.agent.user_id);
	assert_int_equal(q(f, "SELECT fr_business_ms FROM tickets WHERE id = %" PRId64, a), HOUR);
	assert_int_equal(q(f, "SELECT fr_business_ms FROM tickets WHERE id = %" PRId64, b),
			 HOUR + 30 * MIN);
	assert_int_equal(q(f, "SELECT fr_business_ms FROM tickets WHERE id = %" PRId64, c), 30 * MIN);
	/* The first_reply clock as the report counts it: all three met. */
	assert_int_equal(q(f, "SELECT count(*) FROM tickets t JOIN sla_clocks k ON k.ticket_id = t.id "
			      "AND k.metric = 'first_reply' WHERE t.fr_sla = 1 AND k.achieved_at IS "
			      "NOT NULL AND k.breached_at IS NULL AND t.fr_sla_due_at IS NOT DISTINCT FROM "
			      "k.due_at"), 3);
	struct report_line l = week_line(f);
	assert_int_equal(l.tickets, 3);
	assert_int_equal(l.answered, 3);
	assert_int_equal(l.sla_met, 3);
	assert_int_equal(l.p99, 41 * HOUR + 30 * MIN);
	assert_int_equal(l.bp50, HOUR);
	assert_int_equal(l.bp99, HOUR + 30 * MIN);

	/* Longer hours: b is closed, so the edit leaves its row as it was measured... */
	struct calendar_in longer = {.hours = "mon-fri 08:00-18:00"};
	struct calendar_row row;
	assert_int_equal(desk_calendar_edit(f->t.d, &f->t.sys, "Office", &longer, false, &row, &f->a,
					    &e), ERR_OK);
	assert_int_equal(q(f, "SELECT fr_calendar_version FROM tickets WHERE id = %" PRId64, b), 1);
	assert_int_equal(q(f, "SELECT fr_calendar_version FROM tickets WHERE id = %" PRId64, a), 2);
	/* ... and the report measures it on the calendar as it is: 2h on Monday, 1h30 on Wednesday. */
	l = week_line(f);
	assert_int_equal(l.bp50, HOUR);
	assert_int_equal(l.bp99, 3 * HOUR + 30 * MIN);
	/* A full recompute measures the closed ones again. */
	assert_int_equal(desk_sla_recompute_all(f->t.d, &f->t.sys, &n, &e), ERR_OK);
	assert_int_equal(q(f, "SELECT fr_business_ms FROM tickets WHERE id = %" PRId64, b),
			 3 * HOUR + 30 * MIN);
	assert_int_equal(q(f, "SELECT count(*) FROM tickets WHERE fr_calendar_version = 2"), 3);
	l = week_line(f);
	assert_int_equal(l.bp99, 3 * HOUR + 30 * MIN);
	assert_int_equal(l.sla_met, 2);
	assert_int_equal(l.sla_breached, 1);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_policy_applies_and_clock_follows),
		T(test_queue_surfaces_skipped_hard_ticket),
		T(test_timers_fire_once),
		T(test_paused_timer_moves),
		T(test_breach_escalates),
		T(test_recompute_rebuilds_from_events),
		T(test_validation),
		T(test_no_policy_key_written_with_the_ticket),
		T(test_report_matches_independent_count),
		T(test_report_follows_changes),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
