/* ticket.c - creating, changing, merging, linking and reading tickets. */
#include "util/common.h"
#include "desk/desk_private.h"
#include "rules/status.h"
#include "util/time.h"

#include <jansson.h>

const char *desk_json(struct arena *a, json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
	const char *out = arena_strdup(a, s ? s : "null");
	free(s);
	json_decref(v);
	return out;
}

enum err_code desk_set_status(struct desk *d, const struct actor *who, struct ticket_row *t,
			      enum status next, int64_t at, const char *data, struct err *e)
{
	enum status prev = t->status;

	if (prev == next)
		return ERR_OK;
	t->status = next;
	if (next == STATUS_SOLVED)
		t->solved_at = at;
	else if (next != STATUS_CLOSED)
		t->solved_at = 0; /* reopened: the last solve is undone */
	if (next == STATUS_CLOSED)
		t->closed_at = at;
	return desk_event(d, "ticket", t->id, "field.status", who, "status", status_name(prev),
			  status_name(next), data, at, e);
}

/* Validates and normalises tags into the arena. */
static enum err_code norm_tags(struct arena *a, const char *const *in, size_t n, char ***out,
			       struct err *e)
{
	if (n > DESK_TAGS_MAX)
		return err_set(e, ERR_INVALID, "%zu tags in one change; the limit is %d", n,
			       DESK_TAGS_MAX);
	*out = arena_array(a, n ? n : 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		char *t = arena_alloc(a, DESK_TAG_MAX + 1);
		enum err_code rc = desk_tag_norm(in[i], t, e);
		if (rc)
			return rc;
		(*out)[i] = t;
	}
	return ERR_OK;
}

static enum err_code add_tags(struct desk *d, const struct actor *who, int64_t id, char **tags,
			      size_t n, int64_t at, struct err *e)
{
	for (size_t i = 0; i < n; i++) {
		bool added;
		enum err_code rc = repo_tag_add(desk_db(d), id, tags[i], &added, e);
		if (!rc && added)
			rc = desk_event(d, "ticket", id, "tag.added", who, "tags", NULL, tags[i],
					NULL, at, e);
		if (rc)
			return rc;
	}
	return ERR_OK;
}

enum err_code desk_ticket_create(struct desk *d, const struct actor *who,
				 const struct ticket_new_in *in, int64_t *id, struct err *e)
{
	struct arena a;
	struct user_row requester = {0}, assignee = {0};
	struct group_row group = {0};
	struct ticket_row t = {0};
	struct message_in first = {0};
	struct actor author;
	char **tags = NULL;
	int64_t now = time_now_ms(), mid;
	bool sla_done = false;
	enum err_code rc;

	if ((rc = desk_require(who, ACT_TICKET_CREATE, e)))
		return rc;
	if ((rc = desk_check_text("subject", in->subject, DESK_SUBJECT_MAX, false, e)))
		return rc;
	if ((rc = desk_check_text("message", in->body, DESK_BODY_MAX, true, e)))
		return rc;
	if (strlen(in->body) > DESK_BODY_MAX)
		return err_set(e, ERR_INVALID, "message is longer than %d bytes", DESK_BODY_MAX);
	if (in->priority >= PRIORITY__COUNT)
		return err_set(e, ERR_INVALID, "priority must be one of %s", priority_names());
	if ((unsigned)in->channel >= CHANNEL__COUNT)
		return err_set(e, ERR_INVALID, "channel must be one of %s", channel_names());
	if (who->user_id == 0 && !in->requester_email)
		return err_set(e, ERR_INVALID, "a ticket needs a requester (an email address)");

	arena_init(&a);
	if ((rc = norm_tags(&a, in->tags, in->ntags, &tags, e)))
		goto out;
	if ((rc = db_begin(desk_db(d), e)))
		goto out;
	if (in->requester_email) {
		rc = desk_find_or_add_customer(d, who, &a, in->requester_email,
					       in->requester_name, now, &requester, e);
		if (rc)
			goto fail;
	} else if ((rc = repo_user_get(desk_db(d), &a, who->user_id, &requester, e))) {
		goto fail;
	}
	if (requester.id != who->user_id && (rc = desk_require(who, ACT_TICKET_CREATE_FOR, e)))
		goto fail;
	if (!requester.active) {
		rc = err_set(e, ERR_INVALID, "requester '%s' is deactivated", requester.email);
		goto fail;
	}
	if ((in->group || in->assignee_email) && (rc = desk_require(who, ACT_SET_FIELDS, e)))
		goto fail;
	if (in->group && (rc = desk_find_group(d, &a, in->group, &group, e)))
		goto fail;
	if (in->assignee_email && (rc = desk_find_assignee(d, &a, in->assignee_email, &assignee, e)))
		goto fail;

	t.subject = in->subject;
	t.status = STATUS_NEW;
	t.priority = in->priority >= 0 ? (enum priority)in->priority : PRIORITY_NORMAL;
	t.requester_id = requester.id;
	t.assignee_id = assignee.id;
	t.group_id = group.id;
	t.organisation_id = requester.organisation_id;
	t.channel = in->channel;
	t.opened_by_agent = role_answers_customers(who->role) && who->user_id != 0 &&
			    who->user_id != requester.id;
	t.created_at = t.updated_at = now;
	/* The opening message is the requester's unless staff wrote it for them. */
	author = *who;
	if (who->user_id == 0 || !role_answers_customers(who->role)) {
		author.user_id = requester.id;
		author.role = requester.role;
	}
	/* On a desk without SLA policies the queue key is known now: one write, not two. */
	if ((rc = desk_sla_first_key(d, &t, author.role, &sla_done, e)) ||
	    (rc = desk_ticket_insert(d, &t, id, e)))
		goto fail;
	t.id = *id;

	json_t *data = json_pack("{s:s, s:s, s:I, s:s}", "subject", in->subject, "priority",
				 priority_name(t.priority), "requester_id", (json_int_t)requester.id,
				 "channel", channel_name(t.channel));
	if (assignee.id)
		json_object_set_new(data, "assignee_id", json_integer(assignee.id));
	if (group.id)
		json_object_set_new(data, "group_id", json_integer(group.id));
	if ((rc = desk_event(d, "ticket", t.id, "ticket.created", who, NULL, NULL, NULL,
			     desk_json(&a, data), now, e)))
		goto fail;

	first.kind = MSG_PUBLIC;
	first.body = in->body;
	first.body_html = in->body_html;
	first.channel = in->channel;
	first.attachments = in->attachments;
	first.nattachments = in->nattachments;
	first.mail_id = in->mail_id;
	if ((rc = desk_insert_message(d, &author, t.id, author.role, &first, now, &mid, e)))
		goto fail;
	if ((rc = add_tags(d, who, t.id, tags, in->ntags, now, e)))
		goto fail;
	if ((!sla_done && (rc = desk_sla_apply(d, t.id, now, e))) || (rc = db_commit(desk_db(d), e)))
		goto fail;
	goto out;
fail:
	db_rollback(desk_db(d));
out:
	arena_release(&a);
	return rc;
}

/* One field event with before/after values as text. */
static enum err_code field_event(struct desk *d, const struct actor *who, int64_t id,
				 const char *field, const char *old_value, const char *new_value,
				 int64_t at, struct err *e)
{
	char kind[48];
	snprintf(kind, sizeof(kind), "field.%s", field);
	return desk_event(d, "ticket", id, kind, who, field, old_value, new_value, NULL, at, e);
}

static const char *id_text(struct arena *a, int64_t id)
{
	return id ? arena_printf(a, "%" PRId64, id) : NULL;
}

/* Adds or removes one follower inside the caller's transaction; *changed says if it did. */
static enum err_code apply_follower(struct desk *d, const struct actor *who, struct arena *a,
				    const struct ticket_row *t, const char *email, bool add,
				    int64_t at, bool *changed, struct err *e)
{
	struct user_row u;
	enum err_code rc;

	*changed = false;
	if (add)
		rc = desk_find_or_add_customer(d, who, a, email, NULL, at, &u, e);
	else
		rc = desk_find_user(d, a, email, &u, e);
	if (rc)
		return rc;
	if (add && u.id == t->requester_id)
		return err_set(e, ERR_INVALID, "'%s' is the requester of ticket #%" PRId64, u.email,
			       t->id);
	rc = add ? repo_follower_add(desk_db(d), t->id, u.id, changed, e)
		 : repo_follower_remove(desk_db(d), t->id, u.id, changed, e);
	if (rc || !*changed)
		return rc;
	return desk_event(d, "ticket", t->id, add ? "follower.added" : "follower.removed", who,
			  "followers", add ? NULL : u.email, add ? u.email : NULL, NULL, at, e);
}

enum err_code desk_ticket_update(struct desk *d, const struct actor *who, int64_t id,
				 const struct ticket_change *c, struct err *e)
{
	struct arena a;
	struct ticket_row t, before;
	char **add = NULL, **del = NULL;
	int64_t now = time_now_ms();
	bool changed = false;
	enum err_code rc;

	bool fields = c->status >= 0 || c->priority >= 0 || c->subject || c->assignee_email ||
		      c->group || c->ntags_add || c->ntags_remove;
	bool follows = c->nfollowers_add || c->nfollowers_remove;
	/* Marking one's request solved, and nothing else, is the customer's own to do. */
	bool solving = c->status == STATUS_SOLVED && c->priority < 0 && !c->subject &&
		       !c->assignee_email && !c->group && !c->ntags_add && !c->ntags_remove &&
		       !follows;

	if (c->status >= STATUS__COUNT || c->priority >= PRIORITY__COUNT)
		return err_set(e, ERR_INVALID, "unknown status or priority");
	if (c->nfollowers_add + c->nfollowers_remove > DESK_TAGS_MAX)
		return err_set(e, ERR_INVALID, "more than %d follower changes at once", DESK_TAGS_MAX);
	if (c->subject && (rc = desk_check_text("subject", c->subject, DESK_SUBJECT_MAX, false, e)))
		return rc;
	arena_init(&a);
	if ((rc = norm_tags(&a, c->tags_add, c->ntags_add, &add, e)) ||
	    (rc = norm_tags(&a, c->tags_remove, c->ntags_remove, &del, e)))
		goto out;
	if ((rc = db_begin(desk_db(d), e)))
		goto out;
	if ((rc = desk_visible_ticket(d, who, &a, id, &t, e)) ||
	    (fields && (rc = desk_require(who, solving ? ACT_MARK_SOLVED : ACT_SET_FIELDS, e))) ||
	    (follows && (rc = desk_require(who, ACT_FOLLOWERS, e))))
		goto fail;
	before = t;
	if (c->expected_version && c->expected_version != t.version) {
		rc = err_set(e, ERR_CONFLICT,
			     "ticket #%" PRId64 " has changed (version %" PRId64 ", expected %" PRId64
			     "); reload it and try again",
			     id, t.version, c->expected_version);
		goto fail;
	}
	if (t.status == STATUS_CLOSED) {
		rc = err_set(e, ERR_CONFLICT, "ticket #%" PRId64 " is closed; closed is final", id);
		goto fail;
	}
	if (c->status >= 0 && (enum status)c->status != t.status) {
		if (!status_can_set(t.status, (enum status)c->status)) {
			rc = err_set(e, ERR_CONFLICT, "ticket #%" PRId64 " cannot move from %s to %s%s",
				     id, status_name(t.status), status_name((enum status)c->status),
				     c->status == STATUS_CLOSED ? " (solve it first)"
				     : c->status == STATUS_NEW  ? " (new is only the first status)"
								: "");
			goto fail;
		}
		if ((rc = desk_set_status(d, who, &t, (enum status)c->status, now, NULL, e)))
			goto fail;
		changed = true;
	}
	if (c->priority >= 0 && (enum priority)c->priority != t.priority) {
		t.priority = (enum priority)c->priority;
		if ((rc = field_event(d, who, id, "priority", priority_name(before.priority),
				      priority_name(t.priority), now, e)))
			goto fail;
		changed = true;
	}
	if (c->subject && strcmp(c->subject, t.subject) != 0) {
		t.subject = c->subject;
		if ((rc = field_event(d, who, id, "subject", before.subject, t.subject, now, e)))
			goto fail;
		changed = true;
	}
	if (c->assignee_email) {
		struct user_row u = {0};
		if (*c->assignee_email &&
		    (rc = desk_find_assignee(d, &a, c->assignee_email, &u, e)))
			goto fail;
		if (u.id != t.assignee_id) {
			t.assignee_id = u.id;
			if ((rc = field_event(d, who, id, "assignee_id", id_text(&a, before.assignee_id),
					      id_text(&a, u.id), now, e)))
				goto fail;
			changed = true;
		}
	}
	if (c->group) {
		struct group_row g = {0};
		if (*c->group && (rc = desk_find_group(d, &a, c->group, &g, e)))
			goto fail;
		if (g.id != t.group_id) {
			t.group_id = g.id;
			if ((rc = field_event(d, who, id, "group_id", id_text(&a, before.group_id),
					      id_text(&a, g.id), now, e)))
				goto fail;
			changed = true;
		}
	}
	for (size_t i = 0; i < c->ntags_remove; i++) {
		bool removed;
		if ((rc = repo_tag_remove(desk_db(d), id, del[i], &removed, e)))
			goto fail;
		if (removed && (rc = desk_event(d, "ticket", id, "tag.removed", who, "tags",
						del[i], NULL, NULL, now, e)))
			goto fail;
		changed |= removed;
	}
	for (size_t i = 0; i < c->ntags_add; i++) {
		bool added;
		if ((rc = repo_tag_add(desk_db(d), id, add[i], &added, e)))
			goto fail;
		if (added && (rc = desk_event(d, "ticket", id, "tag.added", who, "tags", NULL,
					      add[i], NULL, now, e)))
			goto fail;
		changed |= added;
	}
	for (size_t i = 0; i < c->nfollowers_remove + c->nfollowers_add; i++) {
		bool adding = i >= c->nfollowers_remove, done;
		const char *email = adding ? c->followers_add[i - c->nfollowers_remove]
					   : c->followers_remove[i];
		if ((rc = apply_follower(d, who, &a, &t, email, adding, now, &done, e)))
			goto fail;
		changed |= done;
	}
	if (changed) {
		t.updated_at = now;
		if ((rc = repo_ticket_update(desk_db(d), &t, e)) ||
		    (rc = desk_sla_apply(d, id, now, e)))
			goto fail;
	}
	if ((rc = db_commit(desk_db(d), e)))
		goto fail;
	goto out;
fail:
	db_rollback(desk_db(d));
out:
	arena_release(&a);
	return rc;
}

/* Adds or removes a follower: the shared body of both use cases. */
static enum err_code follower(struct desk *d, const struct actor *who, int64_t id,
			      const char *email, bool add, struct err *e)
{
	struct ticket_change c = {.status = -1, .priority = -1};

	if (add) {
		c.followers_add = &email;
		c.nfollowers_add = 1;
	} else {
		c.followers_remove = &email;
		c.nfollowers_remove = 1;
	}
	return desk_ticket_update(d, who, id, &c, e);
}

enum err_code desk_follower_add(struct desk *d, const struct actor *who, int64_t id,
				const char *email, struct err *e)
{
	return follower(d, who, id, email, true, e);
}

enum err_code desk_follower_remove(struct desk *d, const struct actor *who, int64_t id,
				   const char *email, struct err *e)
{
	return follower(d, who, id, email, false, e);
}

enum err_code desk_ticket_merge(struct desk *d, const struct actor *who, int64_t source,
				int64_t target, struct err *e)
{
	struct arena a;
	struct ticket_row s, t;
	int64_t now = time_now_ms(), moved = 0, mid;
	bool added;
	enum err_code rc;

	if (source == target)
		return err_set(e, ERR_INVALID, "cannot merge ticket #%" PRId64 " into itself",
			       source);
	arena_init(&a);
	if ((rc = db_begin(desk_db(d), e)))
		goto out;
	if ((rc = desk_visible_ticket(d, who, &a, source, &s, e)) ||
	    (rc = desk_visible_ticket(d, who, &a, target, &t, e)) ||
	    (rc = desk_require(who, ACT_MERGE, e)))
		goto fail;
	if (s.status == STATUS_CLOSED || t.status == STATUS_CLOSED) {
		rc = err_set(e, ERR_CONFLICT, "ticket #%" PRId64 " is closed; closed tickets cannot "
			     "be merged", s.status == STATUS_CLOSED ? source : target);
		goto fail;
	}
	if ((rc = repo_messages_move(desk_db(d), source, target, &moved, e)) ||
	    (rc = repo_ticket_move_extras(desk_db(d), source, target, e)) ||
	    (rc = repo_link_add(desk_db(d), source, target, LINK_MERGED, now, &added, e)))
		goto fail;
	json_t *data = json_pack("{s:I, s:I, s:I}", "source", (json_int_t)source, "target",
				 (json_int_t)target, "messages_moved", (json_int_t)moved);
	const char *js = desk_json(&a, data);
	if ((rc = desk_event(d, "ticket", source, "ticket.merged", who, "merged_into_id", NULL,
			     id_text(&a, target), js, now, e)) ||
	    (rc = desk_event(d, "ticket", target, "ticket.merged", who, NULL, NULL, NULL, js, now,
			     e)))
		goto fail;
	if (who->user_id) {
		struct message_in note = {.kind = MSG_INTERNAL, .channel = CHANNEL_CLI};
		note.body = arena_printf(&a, "Ticket #%" PRId64 " was merged into #%" PRId64 ".",
					 source, target);
		if ((rc = desk_insert_message(d, who, target, who->role, &note, now, &mid, e)) ||
		    (rc = desk_insert_message(d, who, source, who->role, &note, now, &mid, e)))
			goto fail;
	}
	s.merged_into_id = target;
	s.updated_at = now;
	if ((rc = desk_set_status(d, who, &s, STATUS_CLOSED, now, js, e)) ||
	    (rc = repo_ticket_update(desk_db(d), &s, e)))
		goto fail;
	t.updated_at = now;
	if ((rc = repo_ticket_update(desk_db(d), &t, e)) || (rc = desk_sla_apply(d, source, now, e)) ||
	    (rc = db_commit(desk_db(d), e)))
		goto fail;
	goto out;
fail:
	db_rollback(desk_db(d));
out:
	arena_release(&a);
	return rc;
}

enum err_code desk_ticket_link(struct desk *d, const struct actor *who, int64_t id,
			       int64_t other, enum link_kind kind, struct err *e)
{
	struct arena a;
	struct ticket_row t, o;
	int64_t now = time_now_ms();
	bool added;
	enum err_code rc;

	if (id == other)
		return err_set(e, ERR_INVALID, "cannot link ticket #%" PRId64 " to itself", id);
	if (kind != LINK_RELATED && kind != LINK_INCIDENT)
		return err_set(e, ERR_INVALID, "links made by hand are related or incident; '%s' "
			       "links are made by the desk", link_kind_name(kind));
	arena_init(&a);
	if ((rc = db_begin(desk_db(d), e)))
		goto out;
	if ((rc = desk_visible_ticket(d, who, &a, id, &t, e)) ||
	    (rc = desk_visible_ticket(d, who, &a, other, &o, e)) ||
	    (rc = desk_require(who, ACT_LINK, e)) ||
	    (rc = repo_link_add(desk_db(d), id, other, kind, now, &added, e)))
		goto fail;
	if (added) {
		const char *js = desk_json(&a, json_pack("{s:I, s:I, s:s}", "ticket_id",
							 (json_int_t)id, "other_id",
							 (json_int_t)other, "kind",
							 link_kind_name(kind)));
		if ((rc = desk_event(d, "ticket", id, "ticket.linked", who, NULL, NULL, NULL, js,
				     now, e)) ||
		    (rc = desk_event(d, "ticket", other, "ticket.linked", who, NULL, NULL, NULL, js,
				     now, e)))
			goto fail;
	}
	if ((rc = db_commit(desk_db(d), e)))
		goto fail;
	goto out;
fail:
	db_rollback(desk_db(d));
out:
	arena_release(&a);
	return rc;
}

enum err_code desk_read_end(struct desk *d, enum err_code rc, struct err *e)
{
	if (rc) {
		db_rollback(desk_db(d));
		return rc;
	}
	if ((rc = db_commit(desk_db(d), e)))
		db_rollback(desk_db(d));
	return rc;
}

enum err_code desk_ticket_view(struct desk *d, const struct actor *who, struct arena *a,
			       int64_t id, struct ticket_view *out, struct err *e)
{
	bool internal = perm_allows(who->role, ACT_SEE_INTERNAL);
	struct rows atts;
	enum err_code rc;

	memset(out, 0, sizeof(*out));
	if ((rc = desk_visible_ticket(d, who, a, id, &out->ticket, e)) ||
	    (rc = repo_user_get(desk_db(d), a, out->ticket.requester_id, &out->requester, e)))
		return rc;
	/* A GET is a dozen lookups: each one saved is a few percent of its time. */
	if ((out->ticket.assignee_id || out->ticket.group_id) &&
	    (rc = repo_ticket_names(desk_db(d), a, out->ticket.assignee_id, out->ticket.group_id,
				    &out->assignee_email, &out->group_name, e)))
		return rc;
	if ((rc = repo_tags_get(desk_db(d), a, id, &out->tags, e)) ||
	    (rc = repo_messages_get(desk_db(d), a, id, internal, &out->messages, e)) ||
	    (rc = repo_attachments_get(desk_db(d), a, id, &atts, e)) ||
	    (rc = repo_links_get(desk_db(d), a, id, &out->links, e)) ||
	    (rc = repo_followers_users(desk_db(d), a, id, &out->followers, e)))
		return rc;
	/* Attachments of messages the actor cannot read stay hidden. */
	rows_init(&out->attachments, sizeof(struct attachment_row));
	for (size_t i = 0; i < atts.count; i++) {
		struct attachment_row *x = ROWS_AT(&atts, struct attachment_row, i);
		for (size_t j = 0; j < out->messages.count; j++) {
			if (ROWS_AT(&out->messages, struct message_row, j)->id == x->message_id) {
				*(struct attachment_row *)rows_push(a, &out->attachments) = *x;
				break;
			}
		}
	}
	return ERR_OK;
}

/* A user id from an email for a list filter; ERR_NOT_FOUND names the email. */
static enum err_code user_id_of(struct desk *d, struct arena *a, const char *email, int64_t *id,
				struct err *e)
{
	struct user_row u;
	enum err_code rc = desk_find_user(d, a, email, &u, e);
	if (!rc)
		*id = u.id;
	return rc;
}

enum err_code desk_ticket_get(struct desk *d, const struct actor *who, struct arena *a,
			      int64_t id, struct ticket_view *out, struct err *e)
{
	enum err_code rc = db_begin_read(desk_db(d), e);
	if (rc)
		return rc;
	return desk_read_end(d, desk_ticket_view(d, who, a, id, out, e), e);
}

/*
 * The repo's filter for q as who sees it; *none when it names somebody or
 * some group a customer may not learn of (their list is then empty).
 */
static enum err_code list_filter(struct desk *d, const struct actor *who, struct arena *a,
				 const struct ticket_query *q, struct ticket_filter *out,
				 char tag[DESK_TAG_MAX + 1], bool *none, struct err *e)
{
	struct ticket_filter f = {
		.status = q->status,
		.updated_since = q->updated_since,
		.before_id = q->before_id,
		.by_due = q->by_due,
		.limit = q->limit ? q->limit : 50,
		.viewer_role = who->role,
		.viewer_id = who->user_id,
		.viewer_org_id = who->organisation_id,
	};
	enum err_code rc = ERR_OK;

	*none = false;
	if (f.limit < 1 || f.limit > DESK_LIST_MAX)
		return err_set(e, ERR_INVALID, "limit must be between 1 and %d", DESK_LIST_MAX);
	if (q->status >= STATUS__COUNT)
		return err_set(e, ERR_INVALID, "status must be one of %s", status_names());
	if (q->before_id < 0)
		return err_set(e, ERR_INVALID, "cursor must be a positive ticket id");
	if (q->assignee_email) {
		if (strcmp(q->assignee_email, "none") == 0)
			f.assignee_id = -1;
		else
			rc = user_id_of(d, a, q->assignee_email, &f.assignee_id, e);
	}
	if (!rc && q->requester_email)
		rc = user_id_of(d, a, q->requester_email, &f.requester_id, e);
	if (!rc && q->group) {
		struct group_row g;
		if (!(rc = desk_find_group(d, a, q->group, &g, e)))
			f.group_id = g.id;
	}
	if (rc == ERR_NOT_FOUND && !perm_allows(who->role, ACT_USER_LIST)) {
		/*
		 * Who and which groups exist is not a customer's to learn: for
		 * them a filter naming nobody matches nothing, as one naming
		 * somebody else does.
		 */
		err_clear(e);
		*none = true;
		return ERR_OK;
	}
	if (rc)
		return rc;
	if (q->tag) {
		if ((rc = desk_tag_norm(q->tag, tag, e)))
			return rc;
		f.tag = tag;
	}
	*out = f;
	return ERR_OK;
}

static enum err_code ticket_list(struct desk *d, const struct actor *who, struct arena *a,
				 const struct ticket_query *q, struct rows *out, struct err *e)
{
	struct ticket_filter f;
	char tag[DESK_TAG_MAX + 1];
	bool none;
	enum err_code rc = list_filter(d, who, a, q, &f, tag, &none, e);

	rows_init(out, sizeof(struct ticket_row));
	if (rc || none)
		return rc;
	return repo_ticket_list(desk_db(d), a, &f, out, e);
}

enum err_code desk_ticket_list(struct desk *d, const struct actor *who, struct arena *a,
			       const struct ticket_query *q, struct rows *out, struct err *e)
{
	enum err_code rc = db_begin_read(desk_db(d), e);
	if (rc)
		return rc;
	return desk_read_end(d, ticket_list(d, who, a, q, out, e), e);
}

static enum err_code ticket_items(struct desk *d, const struct actor *who, struct arena *a,
				  const struct ticket_query *q, struct rows *out, struct err *e)
{
	struct ticket_filter f;
	char tag[DESK_TAG_MAX + 1];
	bool none;
	enum err_code rc = list_filter(d, who, a, q, &f, tag, &none, e);

	rows_init(out, sizeof(struct ticket_item));
	if (rc || none || (rc = repo_ticket_items(desk_db(d), a, &f, out, e)))
		return rc;
	return desk_ticket_items_fill(d, a, out, e);
}

enum err_code desk_ticket_items(struct desk *d, const struct actor *who, struct arena *a,
				const struct ticket_query *q, struct rows *out, struct err *e)
{
	enum err_code rc = db_begin_read(desk_db(d), e);
	if (rc)
		return rc;
	return desk_read_end(d, ticket_items(d, who, a, q, out, e), e);
}

enum err_code desk_ticket_events(struct desk *d, const struct actor *who, struct arena *a,
				 int64_t id, struct rows *out, struct err *e)
{
	struct ticket_row t;
	enum err_code rc = desk_visible_ticket(d, who, a, id, &t, e);
	if (rc || (rc = desk_require(who, ACT_SEE_INTERNAL, e)))
		return rc;
	return repo_event_list(desk_db(d), a, "ticket", id, out, e);
}
