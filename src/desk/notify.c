/*
 * notify.c - notifications: a mail to the people who should act on a
 * ticket, queued as a notify job in the transaction of what caused it (an
 * SLA warning or breach) and sent by the outbox like any mail. A sign-in
 * link (auth.c) is the same kind of mail, to one person and about no
 * ticket: its job is a mail.link, which forgets its text once sent.
 */
#include "util/common.h"
#include "desk/desk_private.h"
#include "util/time.h"

#include <jansson.h>
#include <sodium.h>

/* Adds email to the list unless it is there. */
static void add_once(json_t *to, const char *email)
{
	size_t i;
	json_t *v;

	json_array_foreach(to, i, v)
		if (strcmp(json_string_value(v), email) == 0)
			return;
	json_array_append_new(to, json_string(email));
}

enum err_code desk_notify_staff(struct desk *d, struct arena *a, const struct ticket_row *t,
				bool leads, const char *key, const char *about,
				const char *subject, const char *text, int *queued,
				struct err *e)
{
	struct job_new j = {.kind = DESK_JOB_NOTIFY, .ticket_id = t->id, .dedupe_key = key};
	json_t *to = json_array();
	struct rows staff = {0};
	unsigned char r[8];
	char id[160];
	enum err_code rc = ERR_OK;

	*queued = 0;
	/* Nothing can send it without the desk's address. */
	if (!d->mail_from)
		goto out;
	if (t->assignee_id) {
		struct user_row u;
		if ((rc = repo_user_get(desk_db(d), a, t->assignee_id, &u, e)))
			goto out;
		if (u.active && role_answers_customers(u.role))
			add_once(to, u.email);
	}
	if (t->group_id && (rc = repo_group_staff(desk_db(d), a, t->group_id, &staff, e)))
		goto out;
	for (size_t i = 0; i < staff.count; i++) {
		const struct group_staff_row *g = ROWS_AT(&staff, struct group_staff_row, i);
		/* Unassigned: the whole group; at a breach its leads too. */
		if (!t->assignee_id || (leads && g->lead))
			add_once(to, g->email);
	}
	if (json_array_size(to) == 0)
		goto out;
	randombytes_buf(r, sizeof(r));
	snprintf(id, sizeof(id),
		 "champion.%" PRId64 ".notify.%02x%02x%02x%02x%02x%02x%02x%02x@%s", t->id, r[0], r[1],
		 r[2], r[3], r[4], r[5], r[6], r[7], d->mail_domain);
	*queued = (int)json_array_size(to);
	j.payload = desk_json(a, json_pack("{s:s, s:s, s:s, s:s, s:O}", "mail_id", id, "about", about,
					   "subject", subject, "text", text, "to", to));
	rc = desk_job_add(d, &j, NULL, e);
out:
	json_decref(to);
	return rc;
}

static enum err_code notify_outgoing(struct desk *d, struct arena *a, const struct job_row *j,
				     struct desk_outgoing *out, struct err *e)
{
	json_t *p = j->payload ? json_loads(j->payload, 0, NULL) : NULL;
	json_t *to = json_object_get(p, "to"), *v;
	const char *id = json_string_value(json_object_get(p, "mail_id"));
	const char *subject = json_string_value(json_object_get(p, "subject"));
	const char *text = json_string_value(json_object_get(p, "text"));
	enum err_code rc = ERR_OK;
	size_t i;

	if (!id || !subject || !text || !json_is_array(to) || !json_array_size(to)) {
		rc = err_set(e, ERR_NOT_FOUND, "notification job %" PRId64 " has no recipients, "
			     "subject or text", j->id);
		goto out;
	}
	/* A link that died waiting for the mail server is no use to mail. */
	json_t *until = json_object_get(p, "expires_at");
	if (until && json_integer_value(until) <= time_now_ms()) {
		rc = err_set(e, ERR_NOT_FOUND, "the sign-in link of job %" PRId64 " expired before "
			     "it could be mailed", j->id);
		goto out;
	}
	json_array_foreach(to, i, v)
		if (json_is_string(v))
			*(const char **)rows_push(a, &out->to) = arena_strdup(a, json_string_value(v));
	out->ticket_id = j->ticket_id;
	out->mail_id = arena_strdup(a, id);
	out->subject = arena_strdup(a, subject);
	out->body = arena_strdup(a, text);
	out->from = d->mail_from ? arena_strdup(a, d->mail_from) : NULL;
	out->sender = d->mail_address ? arena_strdup(a, d->mail_address) : NULL;
	out->delivery = "queued";
	out->created_at = time_now_ms();
out:
	json_decref(p);
	return rc;
}

enum err_code desk_notify_outgoing(struct desk *d, struct arena *a, const struct job_row *j,
				   struct desk_outgoing *out, struct err *e)
{
	memset(out, 0, sizeof(*out));
	rows_init(&out->to, sizeof(const char *));
	rows_init(&out->cc, sizeof(const char *));
	rows_init(&out->references, sizeof(const char *));
	rows_init(&out->files, sizeof(struct desk_outgoing_file));
	return notify_outgoing(d, a, j, out, e);
}

enum err_code desk_notified(struct desk *d, const struct job_row *j, bool sent,
			    const char *detail, struct err *e)
{
	struct arena a;
	json_t *p = j->payload ? json_loads(j->payload, 0, NULL) : NULL;
	const char *data;
	enum err_code rc;

	int64_t user_id = json_integer_value(json_object_get(p, "user_id"));
	const char *kept = NULL;

	arena_init(&a);
	/* Says what it was about and to whom; takes the new value. */
	data = desk_json(&a, json_pack("{s:O?, s:O?, s:s?}", "about", json_object_get(p, "about"),
				       "to", json_object_get(p, "to"), "detail", detail));
	/* A link's secret lives no longer than it must: only who and what stay. */
	if (strcmp(j->kind, DESK_JOB_LINK) == 0)
		kept = desk_json(&a, json_pack("{s:O?, s:O?, s:I}", "about",
					       json_object_get(p, "about"), "to",
					       json_object_get(p, "to"), "user_id",
					       (json_int_t)user_id));
	json_decref(p);
	if ((rc = db_begin(desk_db(d), e)))
		goto out;
	if ((rc = desk_event(d, j->ticket_id ? "ticket" : "user",
			     j->ticket_id ? j->ticket_id : user_id,
			     sent ? "notification.sent" : "notification.failed", &desk_system_actor,
			     NULL, NULL, NULL, data, time_now_ms(), e)) ||
	    (kept && (rc = repo_job_payload_set(desk_db(d), j->id, kept, e)))) {
		db_rollback(desk_db(d));
		goto out;
	}
	rc = db_commit(desk_db(d), e);
out:
	arena_release(&a);
	return rc;
}
