/*
 * search.c - the backend-neutral half of search.h: which backend's module
 * answers (by the connection's backend), the list of messages waiting for
 * the index, and the HTML of snippets.
 */
#include "util/common.h"
#include "store/repo_private.h"
#include "store/search_private.h"
#include "util/buf.h"

static bool on_pg(struct db *db)
{
	return strcmp(db_backend(db), "postgresql") == 0;
}

enum err_code search_tickets(struct db *db, struct arena *a, const struct search_filter *f,
			     struct rows *out, struct err *e)
{
	return on_pg(db) ? search_pg_tickets(db, a, f, out, e) : search_sqlite_tickets(db, a, f, out, e);
}

enum err_code search_rebuild(struct db *db, struct err *e)
{
	return on_pg(db) ? search_pg_rebuild(db, e) : search_sqlite_rebuild(db, e);
}

enum err_code search_note_message(struct db *db, int64_t message_id, struct err *e)
{
	static const char sql[] =
		"INSERT INTO search_pending (message_id) VALUES ($1) ON CONFLICT DO NOTHING";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);

	if (rc)
		return rc;
	db_bind_int64(st, 1, message_id);
	return repo_run(st, e);
}

enum err_code search_pending_any(struct db *db, bool *any, struct err *e)
{
	static const char sql[] = "SELECT EXISTS (SELECT 1 FROM search_pending)";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	if (rc)
		return rc;
	r = db_step(st, e);
	*any = r == DB_ROW && db_col_int64(st, 0) != 0;
	db_done(st);
	return r < 0 ? e->code : ERR_OK;
}

enum err_code search_flush_pending(struct db *db, void *ctx, struct err *e)
{
	static const char clear[] = "DELETE FROM search_pending";
	struct db_stmt *st;
	enum err_code rc;
	bool pending;

	(void)ctx;
	if ((rc = search_pending_any(db, &pending, e)) || !pending)
		return rc;
	if ((rc = db_prepare(db, on_pg(db) ? search_pg_add_pending : search_sqlite_add_pending,
			     &st, e)) ||
	    (rc = repo_run(st, e)) || (rc = db_prepare(db, clear, &st, e)))
		return rc;
	return repo_run(st, e);
}

enum err_code search_flush_some(struct db *db, int max, int *done, struct err *e)
{
	static const char clear[] =
		"DELETE FROM search_pending WHERE message_id IN (SELECT message_id FROM "
		"search_pending ORDER BY message_id LIMIT $1)";
	struct db_stmt *st;
	enum err_code rc;

	*done = 0;
	if ((rc = db_prepare(db, on_pg(db) ? search_pg_add_some : search_sqlite_add_some, &st, e)))
		return rc;
	db_bind_int64(st, 1, max);
	if ((rc = repo_run(st, e)) || (rc = db_prepare(db, clear, &st, e)))
		return rc;
	db_bind_int64(st, 1, max);
	if ((rc = repo_run(st, e)))
		return rc;
	*done = (int)db_changes(db);
	return ERR_OK;
}

const char *search_snippet_html(struct arena *a, const char *s)
{
	struct buf b = BUF_INIT;
	const char *out;

	for (; s && *s; s++) {
		switch (*s) {
		case '&': buf_puts(&b, "&amp;"); break;
		case '<': buf_puts(&b, "&lt;"); break;
		case '>': buf_puts(&b, "&gt;"); break;
		case '"': buf_puts(&b, "&quot;"); break;
		case '\'': buf_puts(&b, "&#39;"); break;
		case '\x02': buf_puts(&b, "<mark>"); break;
		case '\x03': buf_puts(&b, "</mark>"); break;
		case '\n':
		case '\r':
		case '\t': buf_putc(&b, ' '); break;
		default:
			if ((unsigned char)*s >= 0x20 && *s != 0x7f)
				buf_putc(&b, *s);
			break;
		}
	}
	out = arena_strdup(a, buf_str(&b));
	buf_release(&b);
	return out;
}
