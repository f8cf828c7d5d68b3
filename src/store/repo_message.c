/* repo_message.c - messages and their attachments. */
#include "util/common.h"
#include "store/repo_private.h"

#define MESSAGE_COLUMNS                                                                           \
	"id, ticket_id, author_id, author_role, kind, channel, body_text, body_html, created_at, " \
	"mail_id, delivery, delivery_detail, coalesce(signature_at, -1), coalesce(quote_at, -1)"

static void read_message(struct arena *a, struct db_stmt *st, struct message_row *m)
{
	m->id = db_col_int64(st, 0);
	m->ticket_id = db_col_int64(st, 1);
	m->author_id = db_col_int64(st, 2);
	m->author_role = (enum role)role_parse(db_col_text(st, 3));
	m->kind = (enum msg_kind)msg_kind_parse(db_col_text(st, 4));
	m->channel = (enum channel)channel_parse(db_col_text(st, 5));
	m->body_text = arena_strdup(a, db_col_text(st, 6));
	m->body_html = arena_strdup(a, db_col_text(st, 7));
	m->created_at = db_col_int64(st, 8);
	m->mail_id = repo_col_str(a, st, 9);
	m->delivery = repo_col_str(a, st, 10);
	m->delivery_detail = repo_col_str(a, st, 11);
	m->signature_at = db_col_int64(st, 12);
	m->quote_at = db_col_int64(st, 13);
}

enum err_code repo_message_insert(struct db *db, const struct message_row *m, int64_t *id,
				  struct err *e)
{
	static const char sql[] =
		"INSERT INTO messages (ticket_id, author_id, author_role, kind, channel, body_text, "
		"body_html, created_at, mail_id, delivery, signature_at, quote_at) VALUES ($1, $2, $3, "
		"$4, $5, $6, $7, $8, $9, $10, nullif($11, -1), nullif($12, -1))";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_int64(st, 1, m->ticket_id);
	db_bind_int64(st, 2, m->author_id);
	db_bind_text(st, 3, role_name(m->author_role));
	db_bind_text(st, 4, msg_kind_name(m->kind));
	db_bind_text(st, 5, channel_name(m->channel));
	db_bind_text(st, 6, m->body_text);
	db_bind_text(st, 7, m->body_html);
	db_bind_int64(st, 8, m->created_at);
	db_bind_text(st, 9, m->mail_id);
	db_bind_text(st, 10, m->delivery);
	db_bind_int64(st, 11, m->signature_at);
	db_bind_int64(st, 12, m->quote_at);
	return repo_run_insert(db, st, id, e);
}

enum err_code repo_messages_get(struct db *db, struct arena *a, int64_t ticket_id,
				bool with_internal, struct rows *out, struct err *e)
{
	static const char sql[] =
		"SELECT " MESSAGE_COLUMNS " FROM messages WHERE ticket_id = $1 "
		"AND (kind = 'public' OR $2 = 1) ORDER BY created_at, id";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	if (rc)
		return rc;
	rows_init(out, sizeof(struct message_row));
	db_bind_int64(st, 1, ticket_id);
	db_bind_int64(st, 2, with_internal);
	while ((r = db_step(st, e)) == DB_ROW) {
		read_message(a, st, rows_push(a, out));
	}
	if (r < 0)
		rc = e->code;
	db_done(st);
	return rc;
}

enum err_code repo_messages_move(struct db *db, int64_t from, int64_t to, int64_t *moved,
				 struct err *e)
{
	static const char sql[] = "UPDATE messages SET ticket_id = $2 WHERE ticket_id = $1";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_int64(st, 1, from);
	db_bind_int64(st, 2, to);
	rc = repo_run(st, e);
	if (!rc)
		*moved = db_changes(db);
	return rc;
}

enum err_code repo_attachment_upsert(struct db *db, const char *sha256, int64_t size, int64_t at,
				     int64_t *id, struct err *e)
{
	/* DO UPDATE (a no-op) rather than DO NOTHING so RETURNING always yields the id. */
	static const char sql[] = "INSERT INTO attachments (sha256, size, created_at) VALUES ($1, "
				  "$2, $3) ON CONFLICT (sha256) DO UPDATE SET sha256 = "
				  "excluded.sha256 RETURNING id";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_text(st, 1, sha256);
	db_bind_int64(st, 2, size);
	db_bind_int64(st, 3, at);
	return repo_run_id(st, id, e);
}

enum err_code repo_attachment_link(struct db *db, int64_t message_id, int64_t attachment_id,
				   const char *filename, const char *content_type, struct err *e)
{
	static const char sql[] =
		"INSERT INTO message_attachments (message_id, attachment_id, filename, "
		"content_type) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_int64(st, 1, message_id);
	db_bind_int64(st, 2, attachment_id);
	db_bind_text(st, 3, filename);
	db_bind_text(st, 4, content_type);
	return repo_run(st, e);
}

enum err_code repo_attachments_get(struct db *db, struct arena *a, int64_t ticket_id,
				   struct rows *out, struct err *e)
{
	static const char sql[] =
		"SELECT a.id, ma.message_id, a.sha256, a.size, ma.filename, ma.content_type "
		"FROM messages m JOIN message_attachments ma ON ma.message_id = m.id "
		"JOIN attachments a ON a.id = ma.attachment_id WHERE m.ticket_id = $1 "
		"ORDER BY ma.message_id, ma.filename";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	if (rc)
		return rc;
	rows_init(out, sizeof(struct attachment_row));
	db_bind_int64(st, 1, ticket_id);
	while ((r = db_step(st, e)) == DB_ROW) {
		struct attachment_row *x = rows_push(a, out);
		x->id = db_col_int64(st, 0);
		x->message_id = db_col_int64(st, 1);
		x->sha256 = arena_strdup(a, db_col_text(st, 2));
		x->size = db_col_int64(st, 3);
		x->filename = arena_strdup(a, db_col_text(st, 4));
		x->content_type = arena_strdup(a, db_col_text(st, 5));
	}
	if (r < 0)
		rc = e->code;
	db_done(st);
	return rc;
}

enum err_code repo_attachment_find(struct db *db, struct arena *a, int64_t ticket_id,
				   int64_t attachment_id, bool with_internal,
				   struct attachment_row *out, struct err *e)
{
	static const char sql[] =
		"SELECT a.id, ma.message_id, a.sha256, a.size, ma.filename, ma.content_type "
		"FROM messages m JOIN message_attachments ma ON ma.message_id = m.id "
		"JOIN attachments a ON a.id = ma.attachment_id WHERE m.ticket_id = $1 "
		"AND a.id = $2 AND (m.kind = 'public' OR $3 = 1) "
		"ORDER BY m.created_at, m.id, ma.filename LIMIT 1";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	if (rc)
		return rc;
	db_bind_int64(st, 1, ticket_id);
	db_bind_int64(st, 2, attachment_id);
	db_bind_int64(st, 3, with_internal);
	r = db_step(st, e);
	if (r == DB_ROW) {
		out->id = db_col_int64(st, 0);
		out->message_id = db_col_int64(st, 1);
		out->sha256 = arena_strdup(a, db_col_text(st, 2));
		out->size = db_col_int64(st, 3);
		out->filename = arena_strdup(a, db_col_text(st, 4));
		out->content_type = arena_strdup(a, db_col_text(st, 5));
	} else if (r >= 0) {
		rc = err_set(e, ERR_NOT_FOUND, "no attachment #%" PRId64 " on ticket #%" PRId64,
			     attachment_id, ticket_id);
	} else {
		rc = e->code;
	}
	db_done(st);
	return rc;
}

enum err_code repo_message_get(struct db *db, struct arena *a, int64_t id, struct message_row *out,
			       struct err *e)
{
	static const char sql[] = "SELECT " MESSAGE_COLUMNS " FROM messages WHERE id = $1";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	if (rc)
		return rc;
	db_bind_int64(st, 1, id);
	r = db_step(st, e);
	if (r == DB_ROW)
		read_message(a, st, out);
	else
		rc = r < 0 ? e->code : err_set(e, ERR_NOT_FOUND, "no message %" PRId64, id);
	db_done(st);
	return rc;
}

enum err_code repo_message_delivery(struct db *db, int64_t id, const char *delivery,
				    const char *detail, struct err *e)
{
	static const char sql[] =
		"UPDATE messages SET delivery = $2, delivery_detail = $3 WHERE id = $1";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);

	if (rc)
		return rc;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, delivery);
	db_bind_text(st, 3, detail);
	return repo_run(st, e);
}
