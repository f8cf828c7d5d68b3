/* repo_mail.c - mail received (mail_inbound) and the Message-IDs that thread it. */
#include "util/common.h"
#include "store/repo_private.h"

#define INBOUND_COLUMNS                                                                           \
	"id, mailbox, raw_sha256, raw_size, message_id, sender, received_at, state, ticket_id, "  \
	"message, detail"

static void read_inbound(struct arena *a, struct db_stmt *st, struct inbound_row *r)
{
	r->id = db_col_int64(st, 0);
	r->mailbox = repo_col_str(a, st, 1);
	r->raw_sha256 = repo_col_str(a, st, 2);
	r->raw_size = db_col_int64(st, 3);
	r->message_id = repo_col_str(a, st, 4);
	r->sender = repo_col_str(a, st, 5);
	r->received_at = db_col_int64(st, 6);
	r->state = repo_col_str(a, st, 7);
	r->ticket_id = db_col_int64(st, 8);
	r->message = db_col_int64(st, 9);
	r->detail = repo_col_str(a, st, 10);
}

enum err_code repo_inbound_insert(struct db *db, const struct inbound_row *r, int64_t *id,
				  struct err *e)
{
	static const char sql[] =
		"INSERT INTO mail_inbound (mailbox, raw_sha256, raw_size, message_id, sender, "
		"received_at, state, ticket_id, message, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, "
		"$8, $9, $10)";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);

	if (rc)
		return rc;
	db_bind_text(st, 1, r->mailbox);
	db_bind_text(st, 2, r->raw_sha256);
	db_bind_int64(st, 3, r->raw_size);
	db_bind_text(st, 4, r->message_id);
	db_bind_text(st, 5, r->sender);
	db_bind_int64(st, 6, r->received_at);
	db_bind_text(st, 7, r->state);
	db_bind_id(st, 8, r->ticket_id);
	db_bind_id(st, 9, r->message);
	db_bind_text(st, 10, r->detail);
	return repo_run_insert(db, st, id, e);
}

static enum err_code one_inbound(struct db_stmt *st, struct arena *a, struct inbound_row *out,
				 const char *what, struct err *e)
{
	enum err_code rc = ERR_OK;
	int r = db_step(st, e);

	if (r == DB_ROW)
		read_inbound(a, st, out);
	else
		rc = r < 0 ? e->code : err_set(e, ERR_NOT_FOUND, "no received message %s", what);
	db_done(st);
	return rc;
}

enum err_code repo_inbound_find(struct db *db, struct arena *a, const char *mailbox,
				const char *message_id, struct inbound_row *out, struct err *e)
{
	static const char sql[] = "SELECT " INBOUND_COLUMNS " FROM mail_inbound WHERE mailbox = $1 "
				  "AND message_id = $2 AND state != 'duplicate'";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);

	if (rc)
		return rc;
	db_bind_text(st, 1, mailbox);
	db_bind_text(st, 2, message_id);
	return one_inbound(st, a, out, message_id, e);
}

enum err_code repo_inbound_get(struct db *db, struct arena *a, int64_t id,
			       struct inbound_row *out, struct err *e)
{
	static const char sql[] = "SELECT " INBOUND_COLUMNS " FROM mail_inbound WHERE id = $1";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	char what[32];

	if (rc)
		return rc;
	db_bind_int64(st, 1, id);
	snprintf(what, sizeof(what), "#%" PRId64, id);
	return one_inbound(st, a, out, what, e);
}

enum err_code repo_inbound_new_tickets(struct db *db, const char *sender, int64_t since,
				       int64_t *n, struct err *e)
{
	static const char sql[] = "SELECT count(*) FROM mail_inbound WHERE sender = $1 AND "
				  "received_at >= $2 AND state IN ('new_ticket', 'held')";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	if (rc)
		return rc;
	db_bind_text(st, 1, sender);
	db_bind_int64(st, 2, since);
	r = db_step(st, e);
	*n = r == DB_ROW ? db_col_int64(st, 0) : 0;
	db_done(st);
	return r < 0 ? e->code : ERR_OK;
}

enum err_code repo_message_by_mail_id(struct db *db, const char *mail_id, int64_t *message_id,
				      int64_t *ticket_id, struct err *e)
{
	static const char sql[] =
		"SELECT id, ticket_id FROM messages WHERE mail_id = $1 ORDER BY id DESC LIMIT 1";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	if (rc)
		return rc;
	db_bind_text(st, 1, mail_id);
	r = db_step(st, e);
	if (r == DB_ROW) {
		*message_id = db_col_int64(st, 0);
		*ticket_id = db_col_int64(st, 1);
	} else {
		rc = r < 0 ? e->code : err_set(e, ERR_NOT_FOUND, "no message <%s>", mail_id);
	}
	db_done(st);
	return rc;
}

enum err_code repo_message_set_mail_id(struct db *db, int64_t message_id, const char *mail_id,
				       struct err *e)
{
	static const char sql[] = "UPDATE messages SET mail_id = $2 WHERE id = $1";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);

	if (rc)
		return rc;
	db_bind_int64(st, 1, message_id);
	db_bind_text(st, 2, mail_id);
	return repo_run(st, e);
}

enum err_code repo_user_mail_bounced(struct db *db, int64_t user_id, int64_t at, struct err *e)
{
	static const char sql[] = "UPDATE users SET mail_bounced_at = $2 WHERE id = $1";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);

	if (rc)
		return rc;
	db_bind_int64(st, 1, user_id);
	db_bind_int64(st, 2, at);
	return repo_run(st, e);
}

enum err_code repo_mailbox_get(struct db *db, const char *name, uint64_t *uidvalidity,
			       uint64_t *last_uid, struct err *e)
{
	static const char sql[] = "SELECT uidvalidity, last_uid FROM mailboxes WHERE name = $1";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	*uidvalidity = *last_uid = 0;
	if (rc)
		return rc;
	db_bind_text(st, 1, name);
	r = db_step(st, e);
	if (r == DB_ROW) {
		*uidvalidity = (uint64_t)db_col_int64(st, 0);
		*last_uid = (uint64_t)db_col_int64(st, 1);
	}
	db_done(st);
	return r < 0 ? e->code : ERR_OK;
}

enum err_code repo_mailbox_advance(struct db *db, const char *name, uint64_t uidvalidity,
				   uint64_t uid, struct err *e)
{
	static const char sql[] =
		"INSERT INTO mailboxes (name, uidvalidity, last_uid) VALUES ($1, $2, $3) "
		"ON CONFLICT (name) DO UPDATE SET last_uid = CASE WHEN mailboxes.uidvalidity = "
		"excluded.uidvalidity AND mailboxes.last_uid > excluded.last_uid THEN "
		"mailboxes.last_uid ELSE excluded.last_uid END, uidvalidity = excluded.uidvalidity";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);

	if (rc)
		return rc;
	db_bind_text(st, 1, name);
	db_bind_int64(st, 2, (int64_t)uidvalidity);
	db_bind_int64(st, 3, (int64_t)uid);
	return repo_run(st, e);
}

enum err_code repo_mailbox_polled(struct db *db, const char *name, uint64_t uidvalidity,
				  int64_t at, const char *error, struct err *e)
{
	static const char sql[] =
		"INSERT INTO mailboxes (name, uidvalidity, polled_at, last_error) VALUES ($1, $2, $3, "
		"$4) ON CONFLICT (name) DO UPDATE SET last_uid = CASE WHEN mailboxes.uidvalidity = "
		"excluded.uidvalidity OR excluded.uidvalidity = 0 THEN mailboxes.last_uid ELSE 0 END, "
		"uidvalidity = CASE WHEN excluded.uidvalidity = 0 THEN mailboxes.uidvalidity ELSE "
		"excluded.uidvalidity END, polled_at = excluded.polled_at, "
		"last_error = excluded.last_error";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);

	if (rc)
		return rc;
	db_bind_text(st, 1, name);
	db_bind_int64(st, 2, (int64_t)uidvalidity);
	db_bind_int64(st, 3, at);
	db_bind_text(st, 4, error);
	return repo_run(st, e);
}

enum err_code repo_message_set_fold(struct db *db, int64_t message_id, int64_t signature_at,
				    int64_t quote_at, struct err *e)
{
	static const char sql[] =
		"UPDATE messages SET signature_at = nullif($2, -1), quote_at = nullif($3, -1) "
		"WHERE id = $1";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);

	if (rc)
		return rc;
	db_bind_int64(st, 1, message_id);
	db_bind_int64(st, 2, signature_at);
	db_bind_int64(st, 3, quote_at);
	return repo_run(st, e);
}

enum err_code repo_mail_raw_put(struct db *db, const char *sha256, const void *raw, size_t len,
				struct err *e)
{
	static const char sql[] = "INSERT INTO mail_raw (sha256, size, bytes) VALUES ($1, $2, $3) "
				  "ON CONFLICT (sha256) DO NOTHING";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);

	if (rc)
		return rc;
	db_bind_text(st, 1, sha256);
	db_bind_int64(st, 2, (int64_t)len);
	db_bind_blob(st, 3, len ? raw : "", len);
	return repo_run(st, e);
}
