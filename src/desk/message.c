/* message.c - public replies and internal notes, and what they do to a ticket. */
#include "util/common.h"
#include "desk/desk_private.h"
#include "rules/status.h"
#include "util/time.h"

/*
 * A public message for a closed ticket: a new ticket for the same
 * requester, group and assignee, linked follow_up to the closed one, with
 * the message as its first.
 */
static enum err_code follow_up(struct desk *d, const struct actor *who, struct arena *a,
			       const struct ticket_row *closed, const struct message_in *in,
			       int64_t at, struct message_out *out, struct err *e)
{
	struct ticket_row t = *closed;
	struct rows tags;
	char data[64];
	bool added;
	enum err_code rc;

	t.status = STATUS_NEW;
	t.solved_at = t.closed_at = t.first_response_at = t.merged_into_id = 0;
	t.sla_due_at = t.sla_sort_key = 0; /* the defaults: desk_sla_apply sets them */
	t.created_at = t.updated_at = at;
	t.channel = in->channel;
	t.opened_by_agent = role_answers_customers(who->role) && who->user_id != t.requester_id;
	if ((rc = desk_ticket_insert(d, &t, &t.id, e)))
		return rc;
	snprintf(data, sizeof(data), "{\"follow_up_of\":%" PRId64 "}", closed->id);
	if ((rc = desk_event(d, "ticket", t.id, "ticket.created", who, NULL, NULL, NULL, data, at,
			     e)) ||
	    (rc = repo_link_add(desk_db(d), t.id, closed->id, LINK_FOLLOW_UP, at, &added, e)) ||
	    (rc = repo_tags_get(desk_db(d), a, closed->id, &tags, e)))
		return rc;
	for (size_t i = 0; i < tags.count; i++)
		if ((rc = repo_tag_add(desk_db(d), t.id, *ROWS_AT(&tags, const char *, i), &added, e)))
			return rc;
	if ((rc = desk_insert_message(d, who, t.id, who->role, in, at, &out->message_id, e)))
		return rc;
	snprintf(data, sizeof(data), "{\"follow_up\":%" PRId64 "}", t.id);
	if ((rc = desk_event(d, "ticket", closed->id, "ticket.linked", who, NULL, NULL, NULL, data,
			     at, e)))
		return rc;
	out->ticket_id = t.id;
	out->follow_up = true;
	out->status = t.status;
	return ERR_OK;
}

enum err_code desk_message_add(struct desk *d, const struct actor *who, int64_t id,
			       const struct message_in *in, struct message_out *out,
			       struct err *e)
{
	struct arena a;
	struct ticket_row t, was;
	struct status_message sm = {0};
	struct status_outcome so;
	enum status_verdict verdict;
	int64_t now = time_now_ms();
	enum err_code rc;

	memset(out, 0, sizeof(*out));
	if (who->user_id == 0)
		return err_set(e, ERR_INVALID, "a message needs an author (act as a user with --as "
			       "EMAIL)");
	if ((unsigned)in->kind >= MSG__COUNT || (unsigned)in->channel >= CHANNEL__COUNT ||
	    in->status >= STATUS__COUNT)
		return err_set(e, ERR_INVALID, "unknown message kind, channel or status");
	if ((rc = desk_check_text("message", in->body, DESK_BODY_MAX, true, e)))
		return rc;
	if (strlen(in->body) > DESK_BODY_MAX)
		return err_set(e, ERR_INVALID, "message is longer than %d bytes", DESK_BODY_MAX);

	arena_init(&a);
	if ((rc = db_begin(desk_db(d), e)))
		goto out;
	if ((rc = desk_visible_ticket(d, who, &a, id, &t, e)) ||
	    (rc = desk_require(who, in->kind == MSG_PUBLIC ? ACT_REPLY : ACT_NOTE, e)))
		goto fail;
	if (in->status >= 0 && (rc = desk_require(who, ACT_SET_FIELDS, e)))
		goto fail;
	was = t;

	sm.current = t.status;
	sm.author = who->role;
	sm.kind = in->kind;
	sm.has_first_response = t.first_response_at != 0;
	sm.requested = in->status >= 0;
	sm.request = sm.requested ? (enum status)in->status : STATUS_NEW;
	verdict = status_on_message(&sm, &so);
	switch (verdict) {
	case STATUS_OK:
		break;
	case STATUS_FOLLOW_UP:
		if ((rc = follow_up(d, who, &a, &t, in, now, out, e)))
			goto fail;
		goto commit;
	case STATUS_NOT_PUBLIC:
	case STATUS_NOT_INTERNAL:
		rc = err_set(e, ERR_FORBIDDEN, "%s", status_verdict_reason(verdict));
		goto fail;
	case STATUS_BAD_REQUESTED:
		rc = err_set(e, ERR_CONFLICT, "ticket #%" PRId64 " cannot move from %s to %s with a "
			     "message", id, status_name(t.status), status_name(sm.request));
		goto fail;
	}
	if ((rc = desk_insert_message(d, who, id, who->role, in, now, &out->message_id, e)))
		goto fail;
	if ((rc = desk_set_status(d, who, &t, so.next, now, NULL, e)))
		goto fail;
	if (so.sets_first_response) {
		char ms[24];
		t.first_response_at = now;
		snprintf(ms, sizeof(ms), "%" PRId64, now);
		if ((rc = desk_event(d, "ticket", id, "ticket.first_response", who,
				     "first_response_at", NULL, ms, NULL, now, e)))
			goto fail;
	}
	t.updated_at = now;
	/* Only what the message changed: a reply to an open ticket rewrites 2 indexes, not 11. */
	if ((rc = repo_ticket_update_changed(desk_db(d), &was, &t, e)))
		goto fail;
	out->ticket_id = id;
	out->status = t.status;
commit:
	if ((rc = desk_sla_apply(d, out->ticket_id, now, e)) || (rc = db_commit(desk_db(d), e)))
		goto fail;
	goto out;
fail:
	db_rollback(desk_db(d));
	memset(out, 0, sizeof(*out));
out:
	arena_release(&a);
	return rc;
}
