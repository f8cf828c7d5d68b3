/* repo_event.c - the append-only event log, and the shared repo helpers. */
#include "util/common.h"
#include "store/repo.h"

void rows_init(struct rows *r, size_t size)
{
	r->items = NULL;
	r->count = 0;
	r->cap = 0;
	r->size = size;
}

void *rows_push(struct arena *a, struct rows *r)
{
	if (r->count == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		void *items = arena_array(a, cap, r->size);
		if (r->count)
			memcpy(items, r->items, r->count * r->size);
		r->items = items;
		r->cap = cap;
	}
	void *p = (char *)r->items + r->count++ * r->size;
	memset(p, 0, r->size);
	return p;
}

/*
 * A ticket's first ticket.first_response event is also its first reply
 * on its row (fr_at, fr_by: what the first-response report reads), as
 * the trigger first_reply_recorded wrote it until 0022. A trigger on
 * events made every event's INSERT a statement SQLite must be able to
 * undo on its own: it copied each page the insert touched to a statement
 * journal first (a sixth of a new ticket's instructions in the writer).
 */
static enum err_code first_reply(struct db *db, const struct event_new *ev, struct err *e)
{
	static const char sql[] =
		"UPDATE tickets SET fr_at = $2, fr_by = $3 WHERE id = $1 AND fr_at IS NULL";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);

	if (rc)
		return rc;
	db_bind_int64(st, 1, ev->entity_id);
	db_bind_int64(st, 2, ev->at);
	db_bind_id(st, 3, ev->actor_id);
	if (db_step(st, e) < 0)
		rc = e->code;
	db_done(st);
	return rc;
}

enum err_code repo_event_add(struct db *db, const struct event_new *ev, struct err *e)
{
	static const char sql[] =
		"INSERT INTO events (entity, entity_id, kind, actor_id, field, old_value, new_value, "
		"data, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_text(st, 1, ev->entity);
	db_bind_int64(st, 2, ev->entity_id);
	db_bind_text(st, 3, ev->kind);
	db_bind_id(st, 4, ev->actor_id);
	db_bind_text(st, 5, ev->field);
	db_bind_text(st, 6, ev->old_value);
	db_bind_text(st, 7, ev->new_value);
	db_bind_text(st, 8, ev->data);
	db_bind_int64(st, 9, ev->at);
	if (db_step(st, e) < 0)
		rc = e->code;
	db_done(st);
	if (!rc && !strcmp(ev->kind, "ticket.first_response") && !strcmp(ev->entity, "ticket"))
		rc = first_reply(db, ev, e);
	return rc;
}

static const char *text(struct arena *a, struct db_stmt *st, int i)
{
	return arena_strdup(a, db_col_text(st, i));
}

enum err_code repo_event_list(struct db *db, struct arena *a, const char *entity, int64_t id,
			      struct rows *out, struct err *e)
{
	static const char sql[] =
		"SELECT id, entity, entity_id, kind, actor_id, field, old_value, new_value, data, "
		"created_at FROM events WHERE entity = $1 AND entity_id = $2 ORDER BY id";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	if (rc)
		return rc;
	rows_init(out, sizeof(struct event_row));
	db_bind_text(st, 1, entity);
	db_bind_int64(st, 2, id);
	while ((r = db_step(st, e)) == DB_ROW) {
		struct event_row *ev = rows_push(a, out);
		ev->id = db_col_int64(st, 0);
		ev->entity = text(a, st, 1);
		ev->entity_id = db_col_int64(st, 2);
		ev->kind = text(a, st, 3);
		ev->actor_id = db_col_int64(st, 4);
		ev->field = text(a, st, 5);
		ev->old_value = text(a, st, 6);
		ev->new_value = text(a, st, 7);
		ev->data = text(a, st, 8);
		ev->created_at = db_col_int64(st, 9);
	}
	if (r < 0)
		rc = e->code;
	db_done(st);
	return rc;
}

enum err_code repo_count(struct db *db, const char *table, int64_t *n, struct err *e)
{
	static const char *const allowed[] = {"tickets", "messages", "events", "users",
					      "organisations", "agent_groups", "ticket_tags",
					      "attachments", "sla_policies", "sla_clocks", "calendars",
					      "jobs"};
	char sql[96];
	struct db_stmt *st;
	enum err_code rc;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(allowed); i++)
		if (strcmp(allowed[i], table) == 0)
			break;
	if (i == ARRAY_SIZE(allowed))
		BUG("counting unknown table '%s'", table);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	if ((rc = db_prepare_dynamic(db, sql, &st, e)))
		return rc;
	if (db_step(st, e) == DB_ROW)
		*n = db_col_int64(st, 0);
	else
		rc = e->code ? e->code : ERR_INTERNAL;
	db_done(st);
	return rc;
}
