/*
 * repo_doc.c - ticket documents and list entries: the stored renderings of
 * each ticket (0015_ticket_docs.sql, 0018_ticket_items.sql).
 */
#include "util/common.h"
#include "store/repo_private.h"

enum err_code repo_doc_get(struct db *db, int64_t ticket_id, int64_t *version, struct buf *body,
			   struct err *e)
{
	static const char sql[] = "SELECT version, body FROM ticket_docs WHERE ticket_id = $1";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	const void *p;
	size_t len;
	int r;

	if (rc)
		return rc;
	db_bind_int64(st, 1, ticket_id);
	if ((r = db_step(st, e)) == DB_ROW) {
		*version = db_col_int64(st, 0);
		p = db_col_blob(st, 1, &len);
		if (buf_append(body, p, len))
			rc = err_set(e, ERR_INTERNAL, "ticket #%" PRId64 "'s document is too large",
				     ticket_id);
	} else {
		rc = r < 0 ? e->code : err_set(e, ERR_NOT_FOUND, "no document for ticket #%" PRId64,
					       ticket_id);
	}
	db_done(st);
	return rc;
}

enum err_code repo_doc_put(struct db *db, int64_t ticket_id, int64_t version, const char *body,
			   size_t len, struct err *e)
{
	static const char sql[] =
		"INSERT INTO ticket_docs (ticket_id, version, body) VALUES ($1, $2, $3) "
		"ON CONFLICT (ticket_id) DO UPDATE SET version = excluded.version, body = excluded.body";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);

	if (rc)
		return rc;
	db_bind_int64(st, 1, ticket_id);
	db_bind_int64(st, 2, version);
	db_bind_textn(st, 3, body, len);
	return repo_run(st, e);
}

enum err_code repo_item_put(struct db *db, int64_t ticket_id, const char *item, size_t len,
			    struct err *e)
{
	static const char sql[] =
		"INSERT INTO ticket_items (ticket_id, item) VALUES ($1, $2) "
		"ON CONFLICT (ticket_id) DO UPDATE SET item = excluded.item";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);

	if (rc)
		return rc;
	db_bind_int64(st, 1, ticket_id);
	db_bind_textn(st, 2, item, len);
	return repo_run(st, e);
}

/* A statement whose one parameter is a ticket's id. */
static enum err_code run_for(struct db *db, const char *sql, int64_t ticket_id, struct err *e)
{
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);

	if (rc)
		return rc;
	db_bind_int64(st, 1, ticket_id);
	return repo_run(st, e);
}

enum err_code repo_doc_drop(struct db *db, int64_t ticket_id, struct err *e)
{
	enum err_code rc = run_for(db, "DELETE FROM ticket_docs WHERE ticket_id = $1", ticket_id, e);

	if (!rc)
		rc = run_for(db, "DELETE FROM ticket_items WHERE ticket_id = $1", ticket_id, e);
	return rc;
}

/* The ids a DELETE ... RETURNING gives. */
static enum err_code take_ids(struct db *db, const char *sql, int max, struct arena *a,
			      struct rows *ids, struct err *e)
{
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	rows_init(ids, sizeof(int64_t));
	if (rc)
		return rc;
	if (max > 0)
		db_bind_int64(st, 1, max);
	while ((r = db_step(st, e)) == DB_ROW)
		*(int64_t *)rows_push(a, ids) = db_col_int64(st, 0);
	if (r < 0)
		rc = e->code;
	db_done(st);
	return rc;
}

enum err_code repo_docs_pending_add(struct db *db, int64_t ticket_id, struct err *e)
{
	return run_for(db, "INSERT INTO docs_pending (ticket_id) VALUES ($1) ON CONFLICT DO NOTHING",
		       ticket_id, e);
}

enum err_code repo_docs_pending_take(struct db *db, struct arena *a, struct rows *ids,
				     struct err *e)
{
	return take_ids(db, "DELETE FROM docs_pending RETURNING ticket_id", 0, a, ids, e);
}

enum err_code repo_docs_pending_defer(struct db *db, struct err *e)
{
	static const char *const sql[] = {
		"DELETE FROM ticket_docs WHERE ticket_id IN (SELECT ticket_id FROM docs_pending)",
		"DELETE FROM ticket_items WHERE ticket_id IN (SELECT ticket_id FROM docs_pending)",
		/* WHERE true: SQLite's parser needs it before an upsert's ON */
		"INSERT INTO docs_stale (ticket_id) SELECT ticket_id FROM docs_pending WHERE true "
		"ON CONFLICT DO NOTHING",
		"DELETE FROM docs_pending",
	};
	enum err_code rc = ERR_OK;

	for (size_t i = 0; i < ARRAY_SIZE(sql) && !rc; i++) {
		struct db_stmt *st;
		if (!(rc = db_prepare(db, sql[i], &st, e)))
			rc = repo_run(st, e);
	}
	return rc;
}

enum err_code repo_docs_stale_take(struct db *db, struct arena *a, int max, struct rows *ids,
				   struct err *e)
{
	return take_ids(db,
			"DELETE FROM docs_stale WHERE ticket_id IN (SELECT ticket_id FROM "
			"docs_stale ORDER BY ticket_id LIMIT $1) RETURNING ticket_id",
			max, a, ids, e);
}

enum err_code repo_docs_all_stale(struct db *db, struct err *e)
{
	return db_exec(db,
		       "INSERT INTO docs_stale (ticket_id) SELECT id FROM tickets WHERE true "
		       "ON CONFLICT DO NOTHING",
		       e);
}
