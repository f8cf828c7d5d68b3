/* repo_ticket.c - tickets, tags, followers and links. */
#include "util/common.h"
#include "store/repo_private.h"
#include "util/buf.h"

#define TICKET_COLS                                                                               \
	"id, subject, status, priority, requester_id, assignee_id, group_id, organisation_id, "  \
	"channel, opened_by_agent, created_at, updated_at, solved_at, closed_at, "               \
	"first_response_at, merged_into_id, version, sla_due_at, sla_sort_key, fr_at, "          \
	"coalesce(fr_business_ms, -1), fr_calendar_id, fr_calendar_version"

static void read_ticket(struct arena *a, struct db_stmt *st, struct ticket_row *t)
{
	t->id = db_col_int64(st, 0);
	t->subject = arena_strdup(a, db_col_text(st, 1));
	t->status = (enum status)status_parse(db_col_text(st, 2));
	t->priority = (enum priority)priority_parse(db_col_text(st, 3));
	t->requester_id = db_col_int64(st, 4);
	t->assignee_id = db_col_int64(st, 5);
	t->group_id = db_col_int64(st, 6);
	t->organisation_id = db_col_int64(st, 7);
	t->channel = (enum channel)channel_parse(db_col_text(st, 8));
	t->opened_by_agent = db_col_int64(st, 9) != 0;
	t->created_at = db_col_int64(st, 10);
	t->updated_at = db_col_int64(st, 11);
	t->solved_at = db_col_int64(st, 12);
	t->closed_at = db_col_int64(st, 13);
	t->first_response_at = db_col_int64(st, 14);
	t->merged_into_id = db_col_int64(st, 15);
	t->version = db_col_int64(st, 16);
	t->sla_due_at = db_col_int64(st, 17);
	t->sla_sort_key = db_col_int64(st, 18);
	t->fr_at = db_col_int64(st, 19);
	t->fr_business_ms = db_col_int64(st, 20);
	t->fr_calendar_id = db_col_int64(st, 21);
	t->fr_calendar_version = db_col_int64(st, 22);
}

/* The columns after id, by placeholder ($2..$16), and how each is bound. */
enum col_kind { COL_TEXT, COL_INT, COL_ID /* 0 is NULL */ };
static const struct {
	const char *name;
	enum col_kind kind;
} ticket_col[] = {
	[2] = {"subject", COL_TEXT},	     [3] = {"status", COL_TEXT},
	[4] = {"priority", COL_TEXT},	     [5] = {"requester_id", COL_INT},
	[6] = {"assignee_id", COL_ID},	     [7] = {"group_id", COL_ID},
	[8] = {"organisation_id", COL_ID},   [9] = {"channel", COL_TEXT},
	[10] = {"opened_by_agent", COL_INT}, [11] = {"created_at", COL_INT},
	[12] = {"updated_at", COL_INT},	     [13] = {"solved_at", COL_ID},
	[14] = {"closed_at", COL_ID},	     [15] = {"first_response_at", COL_ID},
	[16] = {"merged_into_id", COL_ID},
};
#define TICKET_COL_FIRST 2
#define TICKET_COL_LAST 16

/* Column $n of t: its text (COL_TEXT), else its number in *v. */
static const char *col_value(const struct ticket_row *t, int n, int64_t *v)
{
	const int64_t nums[] = {[5] = t->requester_id,	 [6] = t->assignee_id,
				[7] = t->group_id,	 [8] = t->organisation_id,
				[10] = t->opened_by_agent, [11] = t->created_at,
				[12] = t->updated_at,	 [13] = t->solved_at,
				[14] = t->closed_at,	 [15] = t->first_response_at,
				[16] = t->merged_into_id};

	*v = 0;
	switch (n) {
	case 2:
		return t->subject;
	case 3:
		return status_name(t->status);
	case 4:
		return priority_name(t->priority);
	case 9:
		return channel_name(t->channel);
	default:
		*v = nums[n];
		return NULL;
	}
}

static void bind_col(struct db_stmt *st, const struct ticket_row *t, int n)
{
	int64_t v;
	const char *s = col_value(t, n, &v);

	if (ticket_col[n].kind == COL_TEXT)
		db_bind_text(st, n, s);
	else if (ticket_col[n].kind == COL_ID)
		db_bind_id(st, n, v);
	else
		db_bind_int64(st, n, v);
}

/* Whether column $n differs between a and b as stored (an id of 0 or less is NULL). */
static bool col_differs(const struct ticket_row *a, const struct ticket_row *b, int n)
{
	int64_t x, y;
	const char *s = col_value(a, n, &x), *t = col_value(b, n, &y);

	if (ticket_col[n].kind == COL_TEXT)
		return s != t && (!s || !t || strcmp(s, t) != 0);
	if (ticket_col[n].kind == COL_ID)
		return (x > 0 || y > 0) && x != y;
	return x != y;
}

/* Binds $2..$16 to the ticket's columns in TICKET_COLS order (after id). */
static void bind_ticket(struct db_stmt *st, const struct ticket_row *t)
{
	for (int n = TICKET_COL_FIRST; n <= TICKET_COL_LAST; n++)
		bind_col(st, t, n);
}

enum err_code repo_ticket_insert(struct db *db, const struct ticket_row *t, int64_t *id,
				 struct err *e)
{
	static const char sql[] =
		"INSERT INTO tickets (subject, status, priority, requester_id, assignee_id, "
		"group_id, organisation_id, channel, opened_by_agent, created_at, updated_at, "
		"solved_at, closed_at, first_response_at, merged_into_id) VALUES ($2, $3, $4, $5, "
		"$6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)";
	/* With its queue key known: not written a second time by the SLA. */
	static const char keyed[] =
		"INSERT INTO tickets (subject, status, priority, requester_id, assignee_id, "
		"group_id, organisation_id, channel, opened_by_agent, created_at, updated_at, "
		"solved_at, closed_at, first_response_at, merged_into_id, sla_due_at, sla_sort_key) "
		"VALUES ($2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, "
		"$18)";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, t->sla_sort_key ? keyed : sql, &st, e);
	if (rc)
		return rc;
	bind_ticket(st, t);
	if (t->sla_sort_key) {
		db_bind_id(st, 17, t->sla_due_at);
		db_bind_int64(st, 18, t->sla_sort_key);
	}
	return repo_run_insert(db, st, id, e);
}

enum err_code repo_ticket_get(struct db *db, struct arena *a, int64_t id, struct ticket_row *out,
			      struct err *e)
{
	static const char sql[] = "SELECT " TICKET_COLS " FROM tickets WHERE id = $1";
	/* In a write: the row stays this transaction's until it commits (db_lock_reads). */
	static const char sql_lock[] =
		"SELECT " TICKET_COLS " FROM tickets WHERE id = $1 FOR UPDATE";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, db_lock_reads(db) ? sql_lock : sql, &st, e);
	int r;

	if (rc)
		return rc;
	db_bind_int64(st, 1, id);
	r = db_step(st, e);
	if (r == DB_ROW)
		read_ticket(a, st, out);
	else
		rc = r < 0 ? e->code : err_set(e, ERR_NOT_FOUND, "no ticket #%" PRId64, id);
	db_done(st);
	return rc;
}

enum err_code repo_ticket_range(struct db *db, struct arena *a, int64_t after_id, int limit,
				struct rows *out, struct err *e)
{
	static const char sql[] =
		"SELECT " TICKET_COLS " FROM tickets WHERE id > $1 ORDER BY id LIMIT $2";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	rows_init(out, sizeof(struct ticket_row));
	if (rc)
		return rc;
	db_bind_int64(st, 1, after_id);
	db_bind_int64(st, 2, limit);
	while ((r = db_step(st, e)) == DB_ROW)
		read_ticket(a, st, rows_push(a, out));
	db_done(st);
	return r < 0 ? e->code : ERR_OK;
}

enum err_code repo_ticket_update(struct db *db, const struct ticket_row *t, struct err *e)
{
	static const char sql[] =
		"UPDATE tickets SET subject = $2, status = $3, priority = $4, requester_id = $5, "
		"assignee_id = $6, group_id = $7, organisation_id = $8, channel = $9, "
		"opened_by_agent = $10, created_at = $11, updated_at = $12, solved_at = $13, "
		"closed_at = $14, first_response_at = $15, merged_into_id = $16, "
		"version = version + 1 WHERE id = $1";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_int64(st, 1, t->id);
	bind_ticket(st, t);
	if ((rc = repo_run(st, e)))
		return rc;
	if (db_changes(db) == 0)
		return err_set(e, ERR_NOT_FOUND, "no ticket #%" PRId64, t->id);
	return ERR_OK;
}

enum err_code repo_ticket_update_changed(struct db *db, const struct ticket_row *was,
					const struct ticket_row *t, struct err *e)
{
	struct buf sql = BUF_INIT;
	struct db_stmt *st;
	enum err_code rc;

	if (was->id != t->id)
		BUG("ticket #%" PRId64 " written over #%" PRId64, t->id, was->id);
	/* Made of the fixed column names only: one cached statement per set of columns. */
	buf_puts(&sql, "UPDATE tickets SET ");
	for (int n = TICKET_COL_FIRST; n <= TICKET_COL_LAST; n++)
		if (col_differs(was, t, n))
			buf_printf(&sql, "%s = $%d, ", ticket_col[n].name, n);
	buf_puts(&sql, "version = version + 1 WHERE id = $1");
	rc = db_prepare_built(db, buf_str(&sql), &st, e);
	buf_release(&sql);
	if (rc)
		return rc;
	db_bind_int64(st, 1, t->id);
	for (int n = TICKET_COL_FIRST; n <= TICKET_COL_LAST; n++)
		if (col_differs(was, t, n))
			bind_col(st, t, n);
	if ((rc = repo_run(st, e)))
		return rc;
	if (db_changes(db) == 0)
		return err_set(e, ERR_NOT_FOUND, "no ticket #%" PRId64, t->id);
	return ERR_OK;
}

/*
 * "(t.status = 'new' OR t.status = 'open')" for a mask of names (names are
 * constants, not input): as partial indexes write their conditions, and
 * SQLite reads it as an IN list when choosing an index.
 */
static void any_of(struct buf *sql, const char *col, unsigned mask, int count,
		    const char *(*name)(int))
{
	int n = 0;

	buf_puts(sql, " AND (");
	for (int i = 0; i < count; i++)
		if (mask & (1u << i))
			buf_printf(sql, "%s%s = '%s'", n++ ? " OR " : "", col, name(i));
	buf_puts(sql, ")");
}

static const char *status_at(int i)
{
	return status_name((enum status)i);
}

static const char *priority_at(int i)
{
	return priority_name((enum priority)i);
}

/*
 * The WHERE clause of f, written once for the list and the count. Every
 * filter binds its own numbered parameter (bind_filter): $2..$9 as the
 * list always had them, $11 the group member, $12..$19 the SLA ranges,
 * $20 the organisation, $21.. the tags. A status, or a set of them, is
 * written into the text, never bound: comparisons joined by OR in the
 * enumeration's order, so that the unsolved set reads exactly as the
 * partial indexes say it (0012_views.sql, as 0020_partial_lists.sql
 * writes them). A bound status would be a value those indexes' conditions
 * depend on, and SQLite prepares such a statement again each time it is
 * bound: a parse and a plan per page (db_reprepares).
 */
static void where_filter(struct buf *sql, const struct ticket_filter *f)
{
	buf_puts(sql, " WHERE 1 = 1");
	if (f->status >= 0)
		any_of(sql, "t.status", 1u << f->status, STATUS__COUNT, status_at);
	else if (f->status_mask)
		any_of(sql, "t.status", f->status_mask, STATUS__COUNT, status_at);
	if (f->priority_mask)
		any_of(sql, "t.priority", f->priority_mask, PRIORITY__COUNT, priority_at);
	if (f->assignee_id > 0)
		buf_puts(sql, " AND t.assignee_id = $2");
	else if (f->assignee_id < 0)
		buf_puts(sql, " AND t.assignee_id IS NULL");
	if (f->group_id)
		buf_puts(sql, " AND t.group_id = $3");
	else if (f->no_group)
		buf_puts(sql, " AND t.group_id IS NULL");
	else if (f->group_member_id)
		buf_puts(sql, " AND t.group_id IN (SELECT m.group_id FROM group_members m "
			      "WHERE m.user_id = $11)");
	if (f->requester_id)
		buf_puts(sql, " AND t.requester_id = $4");
	if (f->organisation_id)
		buf_puts(sql, " AND t.organisation_id = $20");
	if (f->tag)
		buf_puts(sql, " AND EXISTS (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id "
			      "AND g.tag = $5)");
	for (size_t i = 0; i < f->ntags; i++)
		buf_printf(sql, " AND EXISTS (SELECT 1 FROM ticket_tags g%zu WHERE g%zu.ticket_id = "
				"t.id AND g%zu.tag = $%zu)", i, i, i, 21 + i);
	for (size_t i = 0; i < f->nsla; i++)
		buf_printf(sql, "%s(t.sla_sort_key >= $%zu AND t.sla_sort_key < $%zu)%s",
			   i ? " OR " : " AND (", 12 + 2 * i, 13 + 2 * i, i + 1 == f->nsla ? ")" : "");
	if (f->updated_since)
		buf_puts(sql, " AND t.updated_at >= $6");
	switch (f->viewer_role) {
	case ROLE_ADMIN:
	case ROLE_AGENT:
		break;
	case ROLE_ENGINEER:
		buf_puts(sql, " AND " REPO_ENGINEER_SEES);
		break;
	default:
		buf_puts(sql, " AND " REPO_CUSTOMER_SEES);
		break;
	}
}

static void bind_filter(struct db_stmt *st, const struct ticket_filter *f)
{
	if (f->assignee_id > 0)
		db_bind_int64(st, 2, f->assignee_id);
	if (f->group_id)
		db_bind_int64(st, 3, f->group_id);
	if (f->group_member_id)
		db_bind_int64(st, 11, f->group_member_id);
	if (f->requester_id)
		db_bind_int64(st, 4, f->requester_id);
	if (f->organisation_id)
		db_bind_int64(st, 20, f->organisation_id);
	if (f->tag)
		db_bind_text(st, 5, f->tag);
	for (size_t i = 0; i < f->ntags; i++)
		db_bind_text(st, 21 + (int)i, f->tags[i]);
	for (size_t i = 0; i < f->nsla; i++) {
		db_bind_int64(st, 12 + 2 * (int)i, f->sla_from[i]);
		db_bind_int64(st, 13 + 2 * (int)i, f->sla_to[i]);
	}
	if (f->updated_since)
		db_bind_int64(st, 6, f->updated_since);
	if (f->viewer_role == ROLE_ENGINEER || f->viewer_role == ROLE_CUSTOMER)
		db_bind_int64(st, 8, f->viewer_id);
	if (f->viewer_role == ROLE_CUSTOMER)
		db_bind_int64(st, 9, f->viewer_org_id);
}

void repo_ticket_sql(const struct ticket_filter *f, enum ticket_sql what, struct buf *out)
{
	if (what == TICKET_SQL_COUNT) {
		buf_puts(out, "SELECT count(*) FROM tickets t");
		where_filter(out, f);
		return;
	}
	if (what == TICKET_SQL_ITEMS)
		buf_puts(out, "SELECT t.id, i.item FROM tickets t LEFT JOIN ticket_items i ON "
			      "i.ticket_id = t.id");
	else
		buf_puts(out, "SELECT " TICKET_COLS " FROM tickets t");
	where_filter(out, f);
	if (f->before_id && f->by_due)
		buf_puts(out, " AND (t.sla_sort_key, t.id) > (SELECT c.sla_sort_key, c.id FROM "
			      "tickets c WHERE c.id = $7)");
	else if (f->before_id)
		buf_puts(out, " AND t.id < $7");
	if (f->by_due)
		buf_puts(out, " ORDER BY t.sla_sort_key, t.id LIMIT $10");
	else
		buf_puts(out, " ORDER BY t.id DESC LIMIT $10");
}

static void read_item(struct arena *a, struct db_stmt *st, void *row)
{
	struct ticket_item *it = row;
	const void *p = db_col_blob(st, 1, &it->len);

	it->id = db_col_int64(st, 0);
	it->json = p ? arena_strndup(a, p, it->len) : NULL;
}

static void read_ticket_row(struct arena *a, struct db_stmt *st, void *row)
{
	read_ticket(a, st, row);
}

/* The page of f as `what` selects it, a row of `size` bytes each made by read. */
static enum err_code list_page(struct db *db, struct arena *a, const struct ticket_filter *f,
			       enum ticket_sql what, size_t size,
			       void (*read)(struct arena *, struct db_stmt *, void *),
			       struct rows *out, struct err *e)
{
	struct buf sql = BUF_INIT;
	struct db_stmt *st = NULL;
	enum err_code rc;
	int r;

	rows_init(out, size);
	repo_ticket_sql(f, what, &sql);
	if ((rc = db_prepare_built(db, buf_str(&sql), &st, e)))
		goto out;
	bind_filter(st, f);
	if (f->before_id)
		db_bind_int64(st, 7, f->before_id);
	db_bind_int64(st, 10, f->limit);
	while ((r = db_step(st, e)) == DB_ROW)
		read(a, st, rows_push(a, out));
	if (r < 0)
		rc = e->code;
out:
	db_done(st);
	buf_release(&sql);
	return rc;
}

enum err_code repo_ticket_list(struct db *db, struct arena *a, const struct ticket_filter *f,
			       struct rows *out, struct err *e)
{
	return list_page(db, a, f, TICKET_SQL_ROWS, sizeof(struct ticket_row), read_ticket_row,
			 out, e);
}

enum err_code repo_ticket_items(struct db *db, struct arena *a, const struct ticket_filter *f,
				struct rows *out, struct err *e)
{
	return list_page(db, a, f, TICKET_SQL_ITEMS, sizeof(struct ticket_item), read_item, out, e);
}

enum err_code repo_ticket_count(struct db *db, const struct ticket_filter *f, int64_t *n,
				struct err *e)
{
	struct buf sql = BUF_INIT;
	struct db_stmt *st = NULL;
	enum err_code rc;
	int r;

	repo_ticket_sql(f, TICKET_SQL_COUNT, &sql);
	if ((rc = db_prepare_built(db, buf_str(&sql), &st, e)))
		goto out;
	bind_filter(st, f);
	r = db_step(st, e);
	if (r == DB_ROW)
		*n = db_col_int64(st, 0);
	else
		rc = r < 0 ? e->code : err_set(e, ERR_INTERNAL, "count returned no row");
out:
	db_done(st);
	buf_release(&sql);
	return rc;
}

enum err_code repo_tags_get(struct db *db, struct arena *a, int64_t ticket_id, struct rows *out,
			    struct err *e)
{
	static const char sql[] = "SELECT tag FROM ticket_tags WHERE ticket_id = $1 ORDER BY tag";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	if (rc)
		return rc;
	rows_init(out, sizeof(const char *));
	db_bind_int64(st, 1, ticket_id);
	while ((r = db_step(st, e)) == DB_ROW)
		*(const char **)rows_push(a, out) = arena_strdup(a, db_col_text(st, 0));
	if (r < 0)
		rc = e->code;
	db_done(st);
	return rc;
}

static enum err_code run_changed(struct db *db, struct db_stmt *st, bool *changed, struct err *e)
{
	enum err_code rc = repo_run(st, e);
	if (!rc && changed)
		*changed = db_changes(db) > 0;
	return rc;
}

enum err_code repo_tag_add(struct db *db, int64_t ticket_id, const char *tag, bool *added,
			   struct err *e)
{
	static const char sql[] = "INSERT INTO ticket_tags (ticket_id, tag) VALUES ($1, $2) "
				  "ON CONFLICT (ticket_id, tag) DO NOTHING";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_int64(st, 1, ticket_id);
	db_bind_text(st, 2, tag);
	return run_changed(db, st, added, e);
}

enum err_code repo_tag_remove(struct db *db, int64_t ticket_id, const char *tag, bool *removed,
			      struct err *e)
{
	static const char sql[] = "DELETE FROM ticket_tags WHERE ticket_id = $1 AND tag = $2";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_int64(st, 1, ticket_id);
	db_bind_text(st, 2, tag);
	return run_changed(db, st, removed, e);
}

enum err_code repo_follower_add(struct db *db, int64_t ticket_id, int64_t user_id, bool *added,
				struct err *e)
{
	static const char sql[] = "INSERT INTO ticket_followers (ticket_id, user_id) VALUES ($1, "
				  "$2) ON CONFLICT (ticket_id, user_id) DO NOTHING";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_int64(st, 1, ticket_id);
	db_bind_int64(st, 2, user_id);
	return run_changed(db, st, added, e);
}

enum err_code repo_follower_remove(struct db *db, int64_t ticket_id, int64_t user_id,
				   bool *removed, struct err *e)
{
	static const char sql[] =
		"DELETE FROM ticket_followers WHERE ticket_id = $1 AND user_id = $2";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_int64(st, 1, ticket_id);
	db_bind_int64(st, 2, user_id);
	return run_changed(db, st, removed, e);
}

enum err_code repo_followers_get(struct db *db, struct arena *a, int64_t ticket_id,
				 struct rows *out, struct err *e)
{
	static const char sql[] =
		"SELECT user_id FROM ticket_followers WHERE ticket_id = $1 ORDER BY user_id";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	if (rc)
		return rc;
	rows_init(out, sizeof(int64_t));
	db_bind_int64(st, 1, ticket_id);
	while ((r = db_step(st, e)) == DB_ROW)
		*(int64_t *)rows_push(a, out) = db_col_int64(st, 0);
	if (r < 0)
		rc = e->code;
	db_done(st);
	return rc;
}

enum err_code repo_is_follower(struct db *db, int64_t ticket_id, int64_t user_id, bool *yes,
			       struct err *e)
{
	static const char sql[] =
		"SELECT 1 FROM ticket_followers WHERE ticket_id = $1 AND user_id = $2";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	if (rc)
		return rc;
	db_bind_int64(st, 1, ticket_id);
	db_bind_int64(st, 2, user_id);
	r = db_step(st, e);
	*yes = r == DB_ROW;
	if (r < 0)
		rc = e->code;
	db_done(st);
	return rc;
}

enum err_code repo_ticket_move_extras(struct db *db, int64_t from, int64_t to, struct err *e)
{
	static const char tags[] = "INSERT INTO ticket_tags (ticket_id, tag) SELECT $2, tag FROM "
				   "ticket_tags WHERE ticket_id = $1 ON CONFLICT DO NOTHING";
	static const char followers[] =
		"INSERT INTO ticket_followers (ticket_id, user_id) SELECT $2, user_id FROM "
		"ticket_followers WHERE ticket_id = $1 ON CONFLICT DO NOTHING";
	const char *const sqls[] = {tags, followers};
	enum err_code rc = ERR_OK;

	for (size_t i = 0; i < ARRAY_SIZE(sqls) && !rc; i++) {
		struct db_stmt *st;
		if ((rc = db_prepare(db, sqls[i], &st, e)))
			break;
		db_bind_int64(st, 1, from);
		db_bind_int64(st, 2, to);
		rc = repo_run(st, e);
	}
	return rc;
}

enum err_code repo_link_add(struct db *db, int64_t ticket_id, int64_t other_id,
			    enum link_kind kind, int64_t at, bool *added, struct err *e)
{
	static const char sql[] =
		"INSERT INTO ticket_links (ticket_id, other_id, kind, created_at) VALUES ($1, $2, "
		"$3, $4) ON CONFLICT (ticket_id, other_id, kind) DO NOTHING";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_int64(st, 1, ticket_id);
	db_bind_int64(st, 2, other_id);
	db_bind_text(st, 3, link_kind_name(kind));
	db_bind_int64(st, 4, at);
	return run_changed(db, st, added, e);
}

enum err_code repo_links_get(struct db *db, struct arena *a, int64_t ticket_id, struct rows *out,
			     struct err *e)
{
	static const char sql[] = "SELECT ticket_id, other_id, kind FROM ticket_links WHERE "
				  "ticket_id = $1 OR other_id = $1 ORDER BY created_at, ticket_id";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	if (rc)
		return rc;
	rows_init(out, sizeof(struct link_row));
	db_bind_int64(st, 1, ticket_id);
	while ((r = db_step(st, e)) == DB_ROW) {
		struct link_row *l = rows_push(a, out);
		l->ticket_id = db_col_int64(st, 0);
		l->other_id = db_col_int64(st, 1);
		l->kind = (enum link_kind)link_kind_parse(db_col_text(st, 2));
	}
	if (r < 0)
		rc = e->code;
	db_done(st);
	return rc;
}
