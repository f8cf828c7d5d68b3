/* repo_sla.c - calendars, SLA policies and targets, clocks, and what the clocks read. */
#include "util/common.h"
#include "store/repo_private.h"
#include "util/buf.h"

/* Steps st to the end, calling read for each row; releases st. */
/* --- calendars -------------------------------------------------------------- */

enum err_code repo_calendar_insert(struct db *db, const char *name, const char *name_norm,
				   const char *zone, const char *hours, int64_t at, int64_t *id,
				   struct err *e)
{
	static const char sql[] = "INSERT INTO calendars (name, name_norm, zone, hours, "
				  "created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_text(st, 1, name);
	db_bind_text(st, 2, name_norm);
	db_bind_text(st, 3, zone);
	db_bind_text(st, 4, hours);
	db_bind_int64(st, 5, at);
	return repo_run_id(st, id, e);
}

enum err_code repo_calendar_holiday_add(struct db *db, int64_t calendar_id,
					const struct holiday_row *h, struct err *e)
{
	static const char sql[] =
		"INSERT INTO calendar_holidays (calendar_id, day, start_minute, end_minute) "
		"VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
	char day[16];
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	snprintf(day, sizeof(day), "%04d-%02d-%02d", h->year, h->month, h->day);
	db_bind_int64(st, 1, calendar_id);
	db_bind_text(st, 2, day);
	db_bind_int64(st, 3, h->start);
	db_bind_int64(st, 4, h->end);
	return repo_run(st, e);
}

/* A number below 100 as two digits, in SQL both backends read ('0' || 7 is '07'). */
#define TWO_DIGITS(x) "(CASE WHEN " x " < 10 THEN '0' ELSE '' END || (" x "))"
/* group_concat: SQLite's; the PostgreSQL schema defines the same aggregate. */
#define CALENDAR_COLS                                                                             \
	"c.id, c.name, c.zone, c.hours, c.created_at, c.version, (SELECT group_concat(x.txt, '; ') FROM "    \
	"(SELECT h.day || CASE WHEN h.start_minute = 0 AND h.end_minute = 0 THEN '' ELSE ' ' || " \
	TWO_DIGITS("h.start_minute / 60") " || ':' || " TWO_DIGITS("h.start_minute % 60")        \
	" || '-' || " TWO_DIGITS("h.end_minute / 60") " || ':' || " TWO_DIGITS("h.end_minute % 60") \
	" END AS txt FROM calendar_holidays h WHERE "                                             \
	"h.calendar_id = c.id ORDER BY h.day, h.start_minute) x)"

static void read_calendar(struct arena *a, struct db_stmt *st, void *row)
{
	struct calendar_row *c = row;
	const char *hol;

	c->id = db_col_int64(st, 0);
	c->name = repo_col_str(a, st, 1);
	c->zone = repo_col_str(a, st, 2);
	c->hours = repo_col_str(a, st, 3);
	c->created_at = db_col_int64(st, 4);
	c->version = db_col_int64(st, 5);
	hol = db_col_text(st, 6);
	c->holidays = arena_strdup(a, hol ? hol : "");
}

enum err_code repo_calendar_list(struct db *db, struct arena *a, struct rows *out,
				 struct err *e)
{
	static const char sql[] = "SELECT " CALENDAR_COLS " FROM calendars c ORDER BY c.name_norm";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);

	rows_init(out, sizeof(struct calendar_row));
	if (rc)
		return rc;
	return repo_each_row(st, a, out, read_calendar, e);
}

static enum err_code calendar_one(struct db *db, struct arena *a, const char *sql,
				  const char *name, int64_t id, struct calendar_row *out,
				  struct err *e)
{
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	if (rc)
		return rc;
	if (name)
		db_bind_text(st, 1, name);
	else
		db_bind_int64(st, 1, id);
	r = db_step(st, e);
	if (r == DB_ROW)
		read_calendar(a, st, out);
	else if (r < 0)
		rc = e->code;
	else if (name)
		rc = err_set(e, ERR_NOT_FOUND, "no calendar '%s'", name);
	else
		rc = err_set(e, ERR_NOT_FOUND, "no calendar %" PRId64, id);
	db_done(st);
	return rc;
}

enum err_code repo_calendar_by_name(struct db *db, struct arena *a, const char *name_norm,
				    struct calendar_row *out, struct err *e)
{
	static const char sql[] = "SELECT " CALENDAR_COLS " FROM calendars c WHERE c.name_norm = $1";
	return calendar_one(db, a, sql, name_norm, 0, out, e);
}

enum err_code repo_calendar_get(struct db *db, struct arena *a, int64_t id,
				struct calendar_row *out, struct err *e)
{
	static const char sql[] = "SELECT " CALENDAR_COLS " FROM calendars c WHERE c.id = $1";
	return calendar_one(db, a, sql, NULL, id, out, e);
}

enum err_code repo_calendar_update(struct db *db, int64_t id, const char *name,
				   const char *name_norm, const char *zone, const char *hours,
				   struct err *e)
{
	static const char sql[] = "UPDATE calendars SET name = $2, name_norm = $3, zone = $4, "
				  "hours = $5, version = version + 1 WHERE id = $1";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, name);
	db_bind_text(st, 3, name_norm);
	db_bind_text(st, 4, zone);
	db_bind_text(st, 5, hours);
	if ((rc = repo_run(st, e)))
		return rc;
	if (db_changes(db) == 0)
		return err_set(e, ERR_NOT_FOUND, "no calendar %" PRId64, id);
	return ERR_OK;
}

enum err_code repo_calendar_holidays_clear(struct db *db, int64_t calendar_id, struct err *e)
{
	static const char sql[] = "DELETE FROM calendar_holidays WHERE calendar_id = $1";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_int64(st, 1, calendar_id);
	return repo_run(st, e);
}

static void read_holiday(struct arena *a, struct db_stmt *st, void *row)
{
	struct holiday_row *h = row;
	const char *day = db_col_text(st, 0);
	(void)a;
	if (!day || sscanf(day, "%d-%d-%d", &h->year, &h->month, &h->day) != 3)
		h->year = h->month = h->day = 0; /* refused by calendar_init */
	h->start = (int)db_col_int64(st, 1);
	h->end = (int)db_col_int64(st, 2);
}

enum err_code repo_calendar_holidays(struct db *db, struct arena *a, int64_t calendar_id,
				     struct rows *out, struct err *e)
{
	static const char sql[] = "SELECT day, start_minute, end_minute FROM calendar_holidays "
				  "WHERE calendar_id = $1 ORDER BY day, start_minute";
	return repo_rows_of(db, sql, calendar_id, a, out, sizeof(struct holiday_row),
			    read_holiday, e);
}

/* --- policies and targets ------------------------------------------------------- */

enum err_code repo_sla_policy_insert(struct db *db, const struct sla_policy_row *p,
				     const char *name_norm, int64_t *id, struct err *e)
{
	static const char sql[] =
		"INSERT INTO sla_policies (position, name, name_norm, conditions, calendar_id, "
		"pause, warn_percent, active, created_at, escalate_to, on_warn, on_breach) VALUES "
		"((SELECT coalesce(max(position), 0) + 1 FROM sla_policies), $1, $2, $3, $4, $5, $6, "
		"$7, $8, $9, $10, $11) RETURNING id";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_text(st, 1, p->name);
	db_bind_text(st, 2, name_norm);
	db_bind_text(st, 3, p->conditions ? p->conditions : "{}");
	db_bind_id(st, 4, p->calendar_id);
	db_bind_text(st, 5, p->pause ? p->pause : "pending,on_hold");
	db_bind_int64(st, 6, p->warn_percent);
	db_bind_int64(st, 7, p->active);
	db_bind_int64(st, 8, p->created_at);
	db_bind_text(st, 9, p->escalate_to >= 0 ? priority_name((enum priority)p->escalate_to) : NULL);
	db_bind_text(st, 10, p->on_warn ? p->on_warn : "notify");
	db_bind_text(st, 11, p->on_breach ? p->on_breach : "notify");
	return repo_run_id(st, id, e);
}

enum err_code repo_sla_policy_update(struct db *db, const struct sla_policy_row *p,
				     const char *name_norm, struct err *e)
{
	static const char sql[] =
		"UPDATE sla_policies SET name = $2, name_norm = $3, conditions = $4, calendar_id = $5, "
		"pause = $6, warn_percent = $7, active = $8, escalate_to = $9, on_warn = $10, "
		"on_breach = $11 WHERE id = $1";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_int64(st, 1, p->id);
	db_bind_text(st, 2, p->name);
	db_bind_text(st, 3, name_norm);
	db_bind_text(st, 4, p->conditions ? p->conditions : "{}");
	db_bind_id(st, 5, p->calendar_id);
	db_bind_text(st, 6, p->pause ? p->pause : "pending,on_hold");
	db_bind_int64(st, 7, p->warn_percent);
	db_bind_int64(st, 8, p->active);
	db_bind_text(st, 9, p->escalate_to >= 0 ? priority_name((enum priority)p->escalate_to) : NULL);
	db_bind_text(st, 10, p->on_warn ? p->on_warn : "notify");
	db_bind_text(st, 11, p->on_breach ? p->on_breach : "notify");
	if ((rc = repo_run(st, e)))
		return rc;
	if (db_changes(db) == 0)
		return err_set(e, ERR_NOT_FOUND, "no SLA policy #%" PRId64, p->id);
	return ERR_OK;
}

enum err_code repo_sla_policy_position(struct db *db, int64_t id, int64_t position,
				       struct err *e)
{
	static const char sql[] = "UPDATE sla_policies SET position = $2 WHERE id = $1";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, position);
	return repo_run(st, e);
}

enum err_code repo_sla_targets_clear(struct db *db, int64_t policy_id, const char *metric,
				     struct err *e)
{
	static const char sql[] = "DELETE FROM sla_targets WHERE policy_id = $1 AND metric = $2";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_int64(st, 1, policy_id);
	db_bind_text(st, 2, metric);
	return repo_run(st, e);
}

enum err_code repo_sla_target_set(struct db *db, const struct sla_target_row *t,
				  struct err *e)
{
	static const char sql[] =
		"INSERT INTO sla_targets (policy_id, priority, metric, minutes, business) VALUES ($1, "
		"$2, $3, $4, $5) ON CONFLICT (policy_id, priority, metric) DO UPDATE SET minutes = "
		"excluded.minutes, business = excluded.business";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_int64(st, 1, t->policy_id);
	db_bind_text(st, 2, priority_name(t->priority));
	db_bind_text(st, 3, t->metric);
	db_bind_int64(st, 4, t->minutes);
	db_bind_int64(st, 5, t->business);
	return repo_run(st, e);
}

static void read_policy(struct arena *a, struct db_stmt *st, void *row)
{
	struct sla_policy_row *p = row;
	p->id = db_col_int64(st, 0);
	p->position = db_col_int64(st, 1);
	p->name = repo_col_str(a, st, 2);
	p->conditions = repo_col_str(a, st, 3);
	p->calendar_id = db_col_int64(st, 4);
	p->calendar_name = repo_col_str(a, st, 5);
	p->pause = repo_col_str(a, st, 6);
	p->warn_percent = (int)db_col_int64(st, 7);
	p->active = db_col_int64(st, 8) != 0;
	p->created_at = db_col_int64(st, 9);
	p->escalate_to = priority_parse(db_col_text(st, 10));
	p->on_warn = repo_col_str(a, st, 11);
	p->on_breach = repo_col_str(a, st, 12);
	p->calendar_version = db_col_int64(st, 13);
}

enum err_code repo_sla_policy_list(struct db *db, struct arena *a, bool active_only,
				   struct rows *out, struct err *e)
{
	static const char sql[] =
		"SELECT p.id, p.position, p.name, p.conditions, p.calendar_id, c.name, p.pause, "
		"p.warn_percent, p.active, p.created_at, p.escalate_to, p.on_warn, p.on_breach, "
		"c.version FROM sla_policies p LEFT JOIN calendars c ON c.id = p.calendar_id WHERE ($1 = 0 OR p.active = 1) ORDER BY p.position";
	return repo_rows_of(db, sql, active_only, a, out, sizeof(struct sla_policy_row),
			    read_policy, e);
}

static void read_target(struct arena *a, struct db_stmt *st, void *row)
{
	struct sla_target_row *t = row;
	int p = priority_parse(db_col_text(st, 1));
	t->policy_id = db_col_int64(st, 0);
	t->priority = p < 0 ? PRIORITY_NORMAL : (enum priority)p;
	t->metric = repo_col_str(a, st, 2);
	t->minutes = (int)db_col_int64(st, 3);
	t->business = db_col_int64(st, 4) != 0;
}

enum err_code repo_sla_target_list(struct db *db, struct arena *a, struct rows *out,
				   struct err *e)
{
	static const char sql[] = "SELECT policy_id, priority, metric, minutes, business FROM "
				  "sla_targets ORDER BY policy_id, metric, CASE priority WHEN 'low' THEN 0 "
				  "WHEN 'normal' THEN 1 WHEN 'high' THEN 2 ELSE 3 END";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);

	rows_init(out, sizeof(struct sla_target_row));
	if (rc)
		return rc;
	return repo_each_row(st, a, out, read_target, e);
}

/* --- clocks ------------------------------------------------------------------- */

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool clock_eq(const struct sla_clock_row *x, const struct sla_clock_row *y)
{
	return str_eq(x->metric, y->metric) && x->policy_id == y->policy_id &&
	       x->business == y->business && x->target_ms == y->target_ms &&
	       x->started_at == y->started_at && x->due_at == y->due_at &&
	       x->warn_at == y->warn_at && x->paused_ms == y->paused_ms &&
	       x->paused_since == y->paused_since && x->achieved_at == y->achieved_at &&
	       x->ended_at == y->ended_at && x->breached_at == y->breached_at &&
	       x->cycles == y->cycles && x->breaches == y->breaches;
}

static void read_clock(struct arena *a, struct db_stmt *st, void *row);

/* True when the ticket's stored clocks are rows already (in metric order); *had: how many it has. */
static enum err_code clocks_same(struct db *db, int64_t ticket_id,
				 const struct sla_clock_row *rows, size_t n, bool *same,
				 size_t *had, struct err *e)
{
	struct arena a;
	struct rows old;
	enum err_code rc;

	*same = false;
	*had = 0;
	arena_init(&a);
	rc = repo_sla_clocks_get(db, &a, ticket_id, &old, e);
	if (!rc)
		*had = old.count;
	if (!rc && old.count == n) {
		*same = true;
		for (size_t i = 0; *same && i < n; i++)
			*same = clock_eq(ROWS_AT(&old, struct sla_clock_row, i), &rows[i]);
	}
	arena_release(&a);
	return rc;
}

/* One INSERT of n rows: a CHECK with an IN list builds its table once per statement, not per row. */
#define CLOCK_INSERT "INSERT INTO sla_clocks (ticket_id, metric, policy_id, business, target_ms, " \
	"started_at, due_at, warn_at, paused_ms, paused_since, achieved_at, ended_at, "          \
	"breached_at, cycles, breaches) VALUES "
/* The values of row k (from 0) are $15k+1 to $15k+15. */
#define CLOCK_VALUES_0 "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
#define CLOCK_VALUES_1 "($16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30)"
#define CLOCK_VALUES_2 "($31, $32, $33, $34, $35, $36, $37, $38, $39, $40, $41, $42, $43, $44, $45)"
#define CLOCK_VALUES_3 "($46, $47, $48, $49, $50, $51, $52, $53, $54, $55, $56, $57, $58, $59, $60)"

enum err_code repo_sla_clocks_put(struct db *db, int64_t ticket_id,
				  const struct sla_clock_row *rows, size_t n, struct err *e)
{
	static const char del[] = "DELETE FROM sla_clocks WHERE ticket_id = $1";
	static const char *const ins[] = {
		NULL,
		CLOCK_INSERT CLOCK_VALUES_0,
		CLOCK_INSERT CLOCK_VALUES_0 ", " CLOCK_VALUES_1,
		CLOCK_INSERT CLOCK_VALUES_0 ", " CLOCK_VALUES_1 ", " CLOCK_VALUES_2,
		CLOCK_INSERT CLOCK_VALUES_0 ", " CLOCK_VALUES_1 ", " CLOCK_VALUES_2 ", " CLOCK_VALUES_3,
	};
	struct db_stmt *st;
	size_t had;
	bool same;
	enum err_code rc;

	/* Reading is a fraction of rewriting the B-trees: most recomputes change nothing. */
	if ((rc = clocks_same(db, ticket_id, rows, n, &same, &had, e)) || same)
		return rc;
	if (had) {
		if ((rc = db_prepare(db, del, &st, e)))
			return rc;
		db_bind_int64(st, 1, ticket_id);
		if ((rc = repo_run(st, e)))
			return rc;
	}
	if (!n)
		return ERR_OK;
	if (n >= ARRAY_SIZE(ins))
		BUG("%zu clocks for one ticket", n);
	if ((rc = db_prepare(db, ins[n], &st, e)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		const struct sla_clock_row *c = &rows[i];
		int k = (int)i * 15;
		db_bind_int64(st, k + 1, ticket_id);
		db_bind_text(st, k + 2, c->metric);
		db_bind_int64(st, k + 3, c->policy_id);
		db_bind_int64(st, k + 4, c->business);
		db_bind_int64(st, k + 5, c->target_ms);
		db_bind_int64(st, k + 6, c->started_at);
		db_bind_id(st, k + 7, c->due_at);
		db_bind_id(st, k + 8, c->warn_at);
		db_bind_int64(st, k + 9, c->paused_ms);
		db_bind_id(st, k + 10, c->paused_since);
		db_bind_id(st, k + 11, c->achieved_at);
		db_bind_id(st, k + 12, c->ended_at);
		db_bind_id(st, k + 13, c->breached_at);
		db_bind_int64(st, k + 14, c->cycles);
		db_bind_int64(st, k + 15, c->breaches);
	}
	return repo_run(st, e);
}

static void read_clock(struct arena *a, struct db_stmt *st, void *row)
{
	struct sla_clock_row *c = row;
	c->ticket_id = db_col_int64(st, 0);
	c->metric = repo_col_str(a, st, 1);
	c->policy_id = db_col_int64(st, 2);
	c->business = db_col_int64(st, 3) != 0;
	c->target_ms = db_col_int64(st, 4);
	c->started_at = db_col_int64(st, 5);
	c->due_at = db_col_int64(st, 6);
	c->warn_at = db_col_int64(st, 7);
	c->paused_ms = db_col_int64(st, 8);
	c->paused_since = db_col_int64(st, 9);
	c->achieved_at = db_col_int64(st, 10);
	c->ended_at = db_col_int64(st, 11);
	c->breached_at = db_col_int64(st, 12);
	c->cycles = (int)db_col_int64(st, 13);
	c->breaches = (int)db_col_int64(st, 14);
}

enum err_code repo_sla_clocks_get(struct db *db, struct arena *a, int64_t ticket_id,
				  struct rows *out, struct err *e)
{
	static const char sql[] =
		"SELECT ticket_id, metric, policy_id, business, target_ms, started_at, due_at, "
		"warn_at, paused_ms, paused_since, achieved_at, ended_at, breached_at, cycles, "
		"breaches FROM sla_clocks WHERE ticket_id = $1 ORDER BY CASE metric WHEN "
		"'first_reply' THEN 0 WHEN 'next_reply' THEN 1 WHEN 'periodic_update' THEN 2 ELSE 3 END";
	return repo_rows_of(db, sql, ticket_id, a, out, sizeof(struct sla_clock_row),
			    read_clock, e);
}

enum err_code repo_ticket_sla_set(struct db *db, int64_t ticket_id,
				  const struct ticket_sla_cols *c, struct err *e)
{
	/*
	 * Not a change a person made: version and updated_at stay. Unchanged
	 * values are not written, and the queue's key apart from the rest:
	 * four indexes hold it (two of them partial, whose conditions SQLite
	 * evaluates on every UPDATE that sets it), and it moves less often.
	 */
	static const char key_sql[] = "UPDATE tickets SET sla_sort_key = $2 WHERE id = $1 AND "
				      "sla_sort_key IS DISTINCT FROM $2";
	static const char sql[] =
		"UPDATE tickets SET sla_policy_id = $2, sla_due_at = $3, fr_sla = $4, "
		"fr_sla_due_at = $5, fr_business_ms = $6, fr_calendar_id = $7, "
		"fr_calendar_version = $8 WHERE id = $1 AND (sla_policy_id IS DISTINCT FROM $2 "
		"OR sla_due_at IS DISTINCT FROM $3 OR fr_sla IS DISTINCT FROM $4 "
		"OR fr_sla_due_at IS DISTINCT FROM $5 OR fr_business_ms IS DISTINCT FROM $6 "
		"OR fr_calendar_id IS DISTINCT FROM $7 OR fr_calendar_version IS DISTINCT FROM $8)";
	struct db_stmt *st;
	enum err_code rc;

	if ((rc = db_prepare(db, key_sql, &st, e)))
		return rc;
	db_bind_int64(st, 1, ticket_id);
	db_bind_int64(st, 2, c->sort_key);
	if ((rc = repo_run(st, e)) || (rc = db_prepare(db, sql, &st, e)))
		return rc;
	db_bind_int64(st, 1, ticket_id);
	db_bind_id(st, 2, c->policy_id);
	db_bind_id(st, 3, c->due_at);
	if (c->fr_sla == FR_SLA_NONE)
		db_bind_null(st, 4);
	else
		db_bind_int64(st, 4, c->fr_sla);
	db_bind_id(st, 5, c->fr_sla_due_at);
	if (c->fr_business_ms < 0) {
		db_bind_null(st, 6);
		db_bind_null(st, 7);
		db_bind_null(st, 8);
	} else {
		db_bind_int64(st, 6, c->fr_business_ms);
		db_bind_int64(st, 7, c->fr_calendar_id);
		db_bind_int64(st, 8, c->fr_calendar_version);
	}
	return repo_run(st, e);
}

enum err_code repo_ticket_sla_wait_keys(struct db *db, struct err *e)
{
	static const char sql[] =
		"UPDATE tickets SET sla_policy_id = NULL, sla_due_at = NULL, sla_sort_key = "
		"coalesce(CASE WHEN status IN ('new', 'open', 'on_hold') THEN 10000000000000 + ("
		"SELECT min(m.created_at) FROM messages m WHERE m.ticket_id = tickets.id AND m.kind = "
		"'public' AND m.author_role NOT IN ('admin', 'agent') AND m.created_at >= coalesce(("
		"SELECT max(r.created_at) FROM messages r WHERE r.ticket_id = tickets.id AND r.kind = "
		"'public' AND r.author_role IN ('admin', 'agent')), 0)) END, 30000000000000)";
	return db_exec(db, sql, e);
}

enum err_code repo_sla_none(struct db *db, bool *none, struct err *e)
{
	static const char sql[] = "SELECT NOT EXISTS (SELECT 1 FROM sla_policies WHERE active = 1) "
				  "AND NOT EXISTS (SELECT 1 FROM sla_clocks)";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	*none = false;
	if (rc)
		return rc;
	if ((r = db_step(st, e)) == DB_ROW)
		*none = db_col_int64(st, 0) != 0;
	db_done(st);
	return r < 0 ? e->code : ERR_OK;
}

enum err_code repo_ticket_sla_get(struct db *db, int64_t ticket_id, int64_t *policy_id,
				  int64_t *due_at, struct err *e)
{
	static const char sql[] = "SELECT sla_policy_id, sla_due_at FROM tickets WHERE id = $1";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	*policy_id = *due_at = 0;
	if (rc)
		return rc;
	db_bind_int64(st, 1, ticket_id);
	r = db_step(st, e);
	if (r == DB_ROW) {
		*policy_id = db_col_int64(st, 0);
		*due_at = db_col_int64(st, 1);
	} else {
		rc = r < 0 ? e->code : err_set(e, ERR_NOT_FOUND, "no ticket #%" PRId64, ticket_id);
	}
	db_done(st);
	return rc;
}

/* --- what the clocks read ------------------------------------------------------ */

static void read_fact(struct arena *a, struct db_stmt *st, void *row)
{
	struct sla_fact_row *f = row;
	const char *data = db_col_text(st, 3);
	long long mid = 0;

	f->kind = repo_col_str(a, st, 0);
	f->old_value = repo_col_str(a, st, 1);
	f->new_value = repo_col_str(a, st, 2);
	/* desk_insert_message writes {"message_id":N}. */
	if (data && sscanf(data, "{\"message_id\":%lld", &mid) == 1)
		f->message_id = mid;
	f->at = db_col_int64(st, 4);
}

enum err_code repo_sla_facts(struct db *db, struct arena *a, int64_t ticket_id,
			     struct rows *out, struct err *e)
{
	/* The kinds as events_sla's WHERE names them (0020): SQLite reads a partial index only
	 * for a query that names its condition. */
	static const char sql[] =
		"SELECT kind, old_value, new_value, data, created_at FROM events WHERE entity = "
		"'ticket' AND entity_id = $1 AND (kind = 'ticket.created' OR kind = 'field.status' "
		"OR kind = 'field.priority' OR kind = 'message.public') ORDER BY id";
	return repo_rows_of(db, sql, ticket_id, a, out, sizeof(struct sla_fact_row),
			    read_fact, e);
}

static void read_role(struct arena *a, struct db_stmt *st, void *row)
{
	struct message_role *m = row;
	int r = role_parse(db_col_text(st, 1));
	(void)a;
	m->id = db_col_int64(st, 0);
	m->role = r < 0 ? ROLE_CUSTOMER : (enum role)r;
}

enum err_code repo_message_roles(struct db *db, struct arena *a, int64_t ticket_id,
				 struct rows *out, struct err *e)
{
	static const char sql[] = "SELECT id, author_role FROM messages WHERE ticket_id = $1 AND "
				  "kind = 'public' ORDER BY id";
	return repo_rows_of(db, sql, ticket_id, a, out, sizeof(struct message_role),
			    read_role, e);
}

enum err_code repo_message_role(struct db *db, int64_t message_id, int *role, struct err *e)
{
	static const char sql[] = "SELECT author_role FROM messages WHERE id = $1";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	*role = -1;
	if (rc)
		return rc;
	db_bind_int64(st, 1, message_id);
	r = db_step(st, e);
	if (r == DB_ROW)
		*role = role_parse(db_col_text(st, 0));
	else if (r < 0)
		rc = e->code;
	db_done(st);
	return rc;
}

/*
 * The kind is written into the text (kinds are the desk's constants): the
 * events indexes are partial on kind, and SQLite prepares a statement
 * again each time a value those conditions depend on is bound.
 */
enum err_code repo_event_exists(struct db *db, int64_t ticket_id, const char *kind,
				const char *field, const char *new_value, bool *yes,
				struct err *e)
{
	struct buf sql = BUF_INIT;
	struct db_stmt *st;
	enum err_code rc;
	int r;

	*yes = false;
	if (strspn(kind, "abcdefghijklmnopqrstuvwxyz._") != strlen(kind))
		BUG("event kind '%s' is not a constant's name", kind);
	buf_printf(&sql, "SELECT 1 FROM events WHERE entity = 'ticket' AND entity_id = $1 AND "
			 "kind = '%s' AND field = $3 AND new_value = $4 LIMIT 1", kind);
	rc = db_prepare_built(db, buf_str(&sql), &st, e);
	buf_release(&sql);
	if (rc)
		return rc;
	db_bind_int64(st, 1, ticket_id);
	db_bind_text(st, 3, field);
	db_bind_text(st, 4, new_value);
	r = db_step(st, e);
	*yes = r == DB_ROW;
	if (r < 0)
		rc = e->code;
	db_done(st);
	return rc;
}

static void read_staff(struct arena *a, struct db_stmt *st, void *row)
{
	struct group_staff_row *g = row;
	g->user_id = db_col_int64(st, 0);
	g->email = repo_col_str(a, st, 1);
	g->lead = db_col_int64(st, 2) != 0;
}

enum err_code repo_group_staff(struct db *db, struct arena *a, int64_t group_id,
			       struct rows *out, struct err *e)
{
	static const char sql[] =
		"SELECT u.id, u.email, m.is_lead FROM group_members m JOIN users u ON u.id = "
		"m.user_id WHERE m.group_id = $1 AND u.active = 1 AND u.role IN ('admin', 'agent') "
		"ORDER BY u.id";
	return repo_rows_of(db, sql, group_id, a, out, sizeof(struct group_staff_row),
			    read_staff, e);
}

/* Covered by tickets_first_reply: one index range, no table lookups. */
#define FIRST_RESPONSES(key)                                                                      \
	"SELECT created_at, fr_at, " key ", sla_policy_id, coalesce(fr_business_ms, -1), "       \
	"fr_calendar_id, fr_calendar_version, coalesce(fr_sla, -1), fr_sla_due_at FROM tickets " \
	"WHERE created_at >= $1 AND created_at < $2 AND opened_by_agent = 0"

enum err_code repo_first_responses(struct db *db, int64_t from, int64_t to, enum fr_key key,
				   enum err_code (*fn)(void *ctx, const struct first_response_row *r,
						       struct err *e),
				   void *ctx, struct err *e)
{
	/* Only the key asked for: a column fewer to read is a tenth of the time. */
	static const char *const sql[] = {
		[FR_KEY_NONE] = FIRST_RESPONSES("0"),
		[FR_KEY_GROUP] = FIRST_RESPONSES("group_id"),
		[FR_KEY_REPLIER] = FIRST_RESPONSES("fr_by"),
		[FR_KEY_PRIORITY] = FIRST_RESPONSES("priority"),
		[FR_KEY_CHANNEL] = FIRST_RESPONSES("channel"),
	};
	struct db_stmt *st;
	enum err_code rc;
	int r;

	if ((unsigned)key >= ARRAY_SIZE(sql))
		BUG("unknown report key %d", (int)key);
	if ((rc = db_prepare(db, sql[key], &st, e)))
		return rc;
	db_bind_int64(st, 1, from);
	db_bind_int64(st, 2, to);
	while ((r = db_step(st, e)) == DB_ROW) {
		int64_t sla = db_col_int64(st, 7), k = 0;
		int v;
		if (key == FR_KEY_PRIORITY)
			k = (v = priority_parse(db_col_text(st, 2))) < 0 ? PRIORITY_NORMAL : v;
		else if (key == FR_KEY_CHANNEL)
			k = (v = channel_parse(db_col_text(st, 2))) < 0 ? CHANNEL_EMAIL : v;
		else
			k = db_col_int64(st, 2);
		struct first_response_row f = {
			.created_at = db_col_int64(st, 0),
			.replied_at = db_col_int64(st, 1),
			.key = k,
			.policy_id = db_col_int64(st, 3),
			.business_ms = db_col_int64(st, 4),
			.calendar_id = db_col_int64(st, 5),
			.calendar_version = db_col_int64(st, 6),
			.sla = sla >= FR_SLA_RUNNING && sla <= FR_SLA_BREACHED ? (enum fr_sla)sla
									       : FR_SLA_NONE,
			.sla_due_at = db_col_int64(st, 8),
		};
		if ((rc = fn(ctx, &f, e)))
			break;
	}
	if (!rc && r < 0)
		rc = e->code;
	db_done(st);
	return rc;
}
