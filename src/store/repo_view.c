/* repo_view.c - saved views: filters and orders of tickets (0012_views.sql). */
#include "util/common.h"
#include "store/repo_private.h"

#define VIEW_COLS "id, name, owner_id, position, filter, sort, builtin, created_at, updated_at"

static void read_view(struct arena *a, struct db_stmt *st, struct view_row *v)
{
	v->id = db_col_int64(st, 0);
	v->name = arena_strdup(a, db_col_text(st, 1));
	v->owner_id = db_col_int64(st, 2);
	v->position = db_col_int64(st, 3);
	v->filter = arena_strdup(a, db_col_text(st, 4));
	v->by_due = strcmp(db_col_text(st, 5), "due") == 0;
	v->builtin = repo_col_str(a, st, 6);
	v->created_at = db_col_int64(st, 7);
	v->updated_at = db_col_int64(st, 8);
}

static enum err_code taken(enum err_code rc, const char *name, struct err *e)
{
	if (rc == ERR_CONFLICT)
		err_set(e, ERR_CONFLICT, "a view named '%s' already exists", name);
	return rc;
}

enum err_code repo_view_insert(struct db *db, const struct view_row *v, const char *name_norm,
			       int64_t *id, struct err *e)
{
	static const char sql[] =
		"INSERT INTO views (name, name_norm, owner_id, position, filter, sort, created_at, "
		"updated_at) VALUES ($1, $2, $3, (SELECT coalesce(max(position), 0) + 1 FROM views "
		"WHERE coalesce(owner_id, 0) = coalesce(CAST($3 AS BIGINT), 0)), $4, $5, $6, $6) "
		"RETURNING id";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_text(st, 1, v->name);
	db_bind_text(st, 2, name_norm);
	db_bind_id(st, 3, v->owner_id);
	db_bind_text(st, 4, v->filter);
	db_bind_text(st, 5, v->by_due ? "due" : "newest");
	db_bind_int64(st, 6, v->created_at);
	return taken(repo_run_id(st, id, e), v->name, e);
}

/* Runs st (bound) for one view; ERR_NOT_FOUND with what when none. */
static enum err_code one(struct arena *a, struct db_stmt *st, struct view_row *out,
			 const char *what, struct err *e)
{
	enum err_code rc = ERR_OK;
	int r = db_step(st, e);
	if (r == DB_ROW)
		read_view(a, st, out);
	else
		rc = r < 0 ? e->code : err_set(e, ERR_NOT_FOUND, "no view %s", what);
	db_done(st);
	return rc;
}

enum err_code repo_view_get(struct db *db, struct arena *a, int64_t id, struct view_row *out,
			    struct err *e)
{
	static const char sql[] = "SELECT " VIEW_COLS " FROM views WHERE id = $1";
	struct db_stmt *st;
	char what[32];
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_int64(st, 1, id);
	snprintf(what, sizeof(what), "#%" PRId64, id);
	return one(a, st, out, what, e);
}

enum err_code repo_view_by_name(struct db *db, struct arena *a, int64_t user_id,
				const char *name_norm, struct view_row *out, struct err *e)
{
	static const char sql[] = "SELECT " VIEW_COLS " FROM views WHERE name_norm = $1 AND "
				  "(owner_id IS NULL OR owner_id = $2) ORDER BY owner_id IS NULL "
				  "LIMIT 1";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_text(st, 1, name_norm);
	db_bind_int64(st, 2, user_id);
	return one(a, st, out, "of that name", e);
}

enum err_code repo_view_list(struct db *db, struct arena *a, int64_t user_id, struct rows *out,
			     struct err *e)
{
	static const char sql[] = "SELECT " VIEW_COLS " FROM views WHERE owner_id IS NULL OR "
				  "owner_id = $1 ORDER BY owner_id IS NOT NULL, position, id";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	if (rc)
		return rc;
	rows_init(out, sizeof(struct view_row));
	db_bind_int64(st, 1, user_id);
	while ((r = db_step(st, e)) == DB_ROW)
		read_view(a, st, rows_push(a, out));
	if (r < 0)
		rc = e->code;
	db_done(st);
	return rc;
}

enum err_code repo_view_update(struct db *db, const struct view_row *v, const char *name_norm,
			       struct err *e)
{
	static const char sql[] = "UPDATE views SET name = $2, name_norm = $3, position = $4, "
				  "filter = $5, sort = $6, updated_at = $7 WHERE id = $1";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_int64(st, 1, v->id);
	db_bind_text(st, 2, v->name);
	db_bind_text(st, 3, name_norm);
	db_bind_int64(st, 4, v->position);
	db_bind_text(st, 5, v->filter);
	db_bind_text(st, 6, v->by_due ? "due" : "newest");
	db_bind_int64(st, 7, v->updated_at);
	if ((rc = taken(repo_run(st, e), v->name, e)))
		return rc;
	if (db_changes(db) == 0)
		return err_set(e, ERR_NOT_FOUND, "no view #%" PRId64, v->id);
	return ERR_OK;
}

enum err_code repo_view_delete(struct db *db, int64_t id, struct err *e)
{
	static const char sql[] = "DELETE FROM views WHERE id = $1";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_int64(st, 1, id);
	if ((rc = repo_run(st, e)))
		return rc;
	if (db_changes(db) == 0)
		return err_set(e, ERR_NOT_FOUND, "no view #%" PRId64, id);
	return ERR_OK;
}

enum err_code repo_view_make_room(struct db *db, int64_t owner_id, int64_t position, int64_t id,
				  struct err *e)
{
	static const char sql[] = "UPDATE views SET position = position + 1 WHERE coalesce(owner_id, "
				  "0) = $1 AND position >= $2 AND id <> $3";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_int64(st, 1, owner_id);
	db_bind_int64(st, 2, position);
	db_bind_int64(st, 3, id);
	return repo_run(st, e);
}
