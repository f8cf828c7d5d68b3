/* mail_out.c - what a reply is mailed as, and what the SMTP server said of it. */
#include "util/common.h"
#include "desk/desk_private.h"
#include "store/blob.h"

#include <limits.h>
#include "util/time.h"

#include <jansson.h>

/* The ticket's other messages' Message-IDs, oldest first, up to before. */
static enum err_code thread_ids(struct desk *d, struct arena *a, int64_t ticket_id,
				int64_t before, struct rows *out, struct err *e)
{
	static const char sql[] = "SELECT mail_id FROM messages WHERE ticket_id = $1 AND id < $2 "
				  "AND mail_id IS NOT NULL ORDER BY id";
	struct db_stmt *st;
	enum err_code rc = db_prepare(desk_db(d), sql, &st, e);
	int r;

	rows_init(out, sizeof(const char *));
	if (rc)
		return rc;
	db_bind_int64(st, 1, ticket_id);
	db_bind_int64(st, 2, before);
	while ((r = db_step(st, e)) == DB_ROW)
		*(const char **)rows_push(a, out) = arena_strdup(a, db_col_text(st, 0));
	db_done(st);
	return r < 0 ? e->code : ERR_OK;
}

static enum err_code outgoing(struct desk *d, struct arena *a, int64_t message_id,
			      struct desk_outgoing *out, struct err *e)
{
	struct message_row m;
	struct ticket_row t;
	struct user_row u;
	struct rows followers, files;
	enum err_code rc;

	if ((rc = repo_message_get(desk_db(d), a, message_id, &m, e)))
		return rc;
	if (!m.delivery || !m.mail_id || m.kind != MSG_PUBLIC)
		return err_set(e, ERR_NOT_FOUND, "message %" PRId64 " is not queued for mail",
			       message_id);
	if ((rc = repo_ticket_get(desk_db(d), a, m.ticket_id, &t, e)) ||
	    (rc = repo_user_get(desk_db(d), a, t.requester_id, &u, e)) ||
	    (rc = repo_followers_get(desk_db(d), a, t.id, &followers, e)) ||
	    (rc = thread_ids(d, a, t.id, m.id, &out->references, e)))
		return rc;
	out->message_id = m.id;
	out->ticket_id = t.id;
	out->from = d->mail_from ? arena_strdup(a, d->mail_from) : NULL;
	out->sender = d->mail_address ? arena_strdup(a, d->mail_address) : NULL;
	out->subject = t.subject;
	out->body = m.body_text;
	out->mail_id = m.mail_id;
	out->delivery = m.delivery;
	out->created_at = m.created_at;
	out->in_reply_to = out->references.count
				   ? *ROWS_AT(&out->references, const char *, out->references.count - 1)
				   : NULL;
	*(const char **)rows_push(a, &out->to) = u.email;
	if ((rc = repo_attachments_get(desk_db(d), a, t.id, &files, e)))
		return rc;
	for (size_t i = 0; i < files.count; i++) {
		struct attachment_row *x = ROWS_AT(&files, struct attachment_row, i);
		struct desk_outgoing_file *f;
		char path[PATH_MAX];
		if (x->message_id != m.id || blob_path(d->store.blob_dir, x->sha256, path,
							 sizeof(path)) < 0)
			continue;
		f = rows_push(a, &out->files);
		f->filename = x->filename;
		f->content_type = x->content_type;
		f->path = arena_strdup(a, path);
	}
	for (size_t i = 0; i < followers.count; i++) {
		int64_t id = *ROWS_AT(&followers, int64_t, i);
		struct user_row f;
		if (id == m.author_id || id == t.requester_id)
			continue;
		if ((rc = repo_user_get(desk_db(d), a, id, &f, e)))
			return rc;
		if (f.active)
			*(const char **)rows_push(a, &out->cc) = f.email;
	}
	return ERR_OK;
}

enum err_code desk_mail_outgoing(struct desk *d, struct arena *a, int64_t message_id,
				 struct desk_outgoing *out, struct err *e)
{
	enum err_code rc;

	memset(out, 0, sizeof(*out));
	rows_init(&out->to, sizeof(const char *));
	rows_init(&out->cc, sizeof(const char *));
	rows_init(&out->references, sizeof(const char *));
	rows_init(&out->files, sizeof(struct desk_outgoing_file));
	if ((rc = db_begin_read(desk_db(d), e)))
		return rc;
	return desk_read_end(d, outgoing(d, a, message_id, out, e), e);
}

enum err_code desk_mail_delivered(struct desk *d, int64_t message_id, const char *delivery,
				  const char *detail, struct err *e)
{
	enum err_code rc;

	if (strcmp(delivery, "sent") != 0 && strcmp(delivery, "failed") != 0 &&
	    strcmp(delivery, "queued") != 0)
		return err_set(e, ERR_INVALID, "delivery is queued, sent or failed");
	if ((rc = db_begin(desk_db(d), e)))
		return rc;
	if ((rc = repo_message_delivery(desk_db(d), message_id, delivery, detail, e))) {
		db_rollback(desk_db(d));
		return rc;
	}
	return db_commit(desk_db(d), e);
}

/* A member of an ack job's payload ({"mail_id": ..., "text": ...}), into the arena. */
static const char *payload_str(struct arena *a, const char *payload, const char *key)
{
	json_error_t err;
	json_t *v = payload ? json_loads(payload, 0, &err) : NULL;
	const char *s = v ? json_string_value(json_object_get(v, key)) : NULL;
	const char *out = s ? arena_strdup(a, s) : NULL;

	json_decref(v);
	return out;
}

static enum err_code ack_outgoing(struct desk *d, struct arena *a, const struct job_row *j,
				  struct desk_outgoing *out, struct err *e)
{
	static const char first[] = "SELECT mail_id, created_at FROM messages WHERE ticket_id = $1 "
				    "ORDER BY id LIMIT 1";
	struct ticket_row t;
	struct user_row u;
	struct db_stmt *st;
	enum err_code rc;
	int r;

	if ((rc = repo_ticket_get(desk_db(d), a, j->ticket_id, &t, e)) ||
	    (rc = repo_user_get(desk_db(d), a, t.requester_id, &u, e)))
		return rc;
	out->body = payload_str(a, j->payload, "text");
	if (!(out->mail_id = payload_str(a, j->payload, "mail_id")) || !out->body)
		return err_set(e, ERR_NOT_FOUND, "acknowledgement job %" PRId64 " has no Message-ID or text",
			       j->id);
	if ((rc = db_prepare(desk_db(d), first, &st, e)))
		return rc;
	db_bind_int64(st, 1, t.id);
	if ((r = db_step(st, e)) == DB_ROW) {
		const char *id = db_col_text(st, 0);
		out->in_reply_to = id ? arena_strdup(a, id) : NULL;
	}
	db_done(st);
	if (r < 0)
		return e->code;
	if (out->in_reply_to)
		*(const char **)rows_push(a, &out->references) = out->in_reply_to;
	out->ticket_id = t.id;
	out->from = d->mail_from ? arena_strdup(a, d->mail_from) : NULL;
	out->sender = d->mail_address ? arena_strdup(a, d->mail_address) : NULL;
	out->subject = t.subject;
	out->delivery = "queued";
	out->created_at = time_now_ms();
	*(const char **)rows_push(a, &out->to) = u.email;
	return ERR_OK;
}

enum err_code desk_mail_ack_outgoing(struct desk *d, struct arena *a, const struct job_row *j,
				     struct desk_outgoing *out, struct err *e)
{
	enum err_code rc;

	memset(out, 0, sizeof(*out));
	rows_init(&out->to, sizeof(const char *));
	rows_init(&out->cc, sizeof(const char *));
	rows_init(&out->references, sizeof(const char *));
	rows_init(&out->files, sizeof(struct desk_outgoing_file));
	if ((rc = db_begin_read(desk_db(d), e)))
		return rc;
	return desk_read_end(d, ack_outgoing(d, a, j, out, e), e);
}

enum err_code desk_mail_acked(struct desk *d, const struct job_row *j, bool sent,
			      const char *detail, struct err *e)
{
	struct arena a;
	const char *data;
	enum err_code rc;

	arena_init(&a);
	data = desk_json(&a, json_pack("{s:s?}", "detail", detail)); /* takes the value */
	if ((rc = db_begin(desk_db(d), e)))
		goto out;
	if ((rc = desk_event(d, "ticket", j->ticket_id,
			     sent ? "mail.acknowledged" : "mail.acknowledgement_failed",
			     &desk_system_actor, NULL, NULL, NULL, data, time_now_ms(), e))) {
		db_rollback(desk_db(d));
		goto out;
	}
	rc = db_commit(desk_db(d), e);
out:
	arena_release(&a);
	return rc;
}
