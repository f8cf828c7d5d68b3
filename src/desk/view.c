/* view.c - the JSON shapes of the desk's records, shared by every channel. */
#include "util/common.h"
#include "desk/view.h"
#include "util/time.h"

json_t *view_ticket_json(const struct ticket_row *t)
{
	char iso[TIME_ISO_MAX];
	json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:I, s:s}", "id", (json_int_t)t->id,
			      "subject", t->subject, "status", status_name(t->status), "priority",
			      priority_name(t->priority), "requester_id", (json_int_t)t->requester_id,
			      "channel", channel_name(t->channel), "version", (json_int_t)t->version,
			      "created_at", time_format_iso(t->created_at, iso));
#define OPT_ID(key, v) json_object_set_new(j, key, (v) ? json_integer(v) : json_null())
#define OPT_TIME(key, v) \
	json_object_set_new(j, key, (v) ? json_string(time_format_iso(v, iso)) : json_null())
	OPT_ID("assignee_id", t->assignee_id);
	OPT_ID("group_id", t->group_id);
	OPT_ID("organisation_id", t->organisation_id);
	OPT_ID("merged_into_id", t->merged_into_id);
	OPT_TIME("updated_at", t->updated_at);
	OPT_TIME("solved_at", t->solved_at);
	OPT_TIME("closed_at", t->closed_at);
	OPT_TIME("first_response_at", t->first_response_at);
	json_object_set_new(j, "opened_by_agent", json_boolean(t->opened_by_agent));
	return j;
}


json_t *view_ticket_full_json(const struct ticket_view *v)
{
	char iso[TIME_ISO_MAX];
	json_t *j = view_ticket_json(&v->ticket), *arr;

	json_object_set_new(j, "requester", json_pack("{s:I, s:s, s:s}", "id",
						      (json_int_t)v->requester.id, "email",
						      v->requester.email, "name", v->requester.name));
	json_object_set_new(j, "assignee",
			    v->assignee_email ? json_string(v->assignee_email) : json_null());
	json_object_set_new(j, "group", v->group_name ? json_string(v->group_name) : json_null());
	arr = json_array();
	for (size_t i = 0; i < v->tags.count; i++)
		json_array_append_new(arr, json_string(*ROWS_AT(&v->tags, const char *, i)));
	json_object_set_new(j, "tags", arr);
	arr = json_array();
	for (size_t i = 0; i < v->followers.count; i++)
		json_array_append_new(arr, json_string(ROWS_AT(&v->followers, struct user_row, i)->email));
	json_object_set_new(j, "followers", arr);
	arr = json_array();
	for (size_t i = 0; i < v->links.count; i++) {
		struct link_row *l = ROWS_AT(&v->links, struct link_row, i);
		json_array_append_new(arr, json_pack("{s:I, s:I, s:s}", "ticket_id",
						     (json_int_t)l->ticket_id, "other_id",
						     (json_int_t)l->other_id, "kind",
						     link_kind_name(l->kind)));
	}
	json_object_set_new(j, "links", arr);
	arr = json_array();
	for (size_t i = 0; i < v->messages.count; i++) {
		struct message_row *m = ROWS_AT(&v->messages, struct message_row, i);
		json_t *mj = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)m->id,
				       "author_id", (json_int_t)m->author_id, "author_role",
				       role_name(m->author_role), "kind", msg_kind_name(m->kind),
				       "channel", channel_name(m->channel), "body_text",
				       m->body_text, "created_at", time_format_iso(m->created_at, iso));
		json_t *aj = json_array();
		for (size_t k = 0; k < v->attachments.count; k++) {
			struct attachment_row *x = ROWS_AT(&v->attachments, struct attachment_row, k);
			if (x->message_id == m->id)
				json_array_append_new(aj, json_pack("{s:s, s:s, s:I, s:s}", "filename",
								    x->filename, "content_type",
								    x->content_type, "size",
								    (json_int_t)x->size, "sha256",
								    x->sha256));
		}
		json_object_set_new(mj, "attachments", aj);
		json_array_append_new(arr, mj);
	}
	json_object_set_new(j, "messages", arr);
	return j;
}

json_t *view_event_json(const struct event_row *ev)
{
	char iso[TIME_ISO_MAX];
	json_t *j = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)ev->id, "kind", ev->kind,
			      "created_at", time_format_iso(ev->created_at, iso));
	json_t *data = ev->data ? json_loads(ev->data, 0, NULL) : NULL;

	json_object_set_new(j, "actor_id", ev->actor_id ? json_integer(ev->actor_id) : json_null());
	json_object_set_new(j, "field", ev->field ? json_string(ev->field) : json_null());
	json_object_set_new(j, "old", ev->old_value ? json_string(ev->old_value) : json_null());
	json_object_set_new(j, "new", ev->new_value ? json_string(ev->new_value) : json_null());
	json_object_set_new(j, "data", data ? data : json_null());
	return j;
}

json_t *view_user_json(const struct user_row *u)
{
	json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:b}", "id", (json_int_t)u->id, "email",
			      u->email, "name", u->name, "role", role_name(u->role), "active",
			      u->active);
	json_object_set_new(j, "organisation_id",
			    u->organisation_id ? json_integer(u->organisation_id) : json_null());
	return j;
}

json_t *view_org_json(const struct org_row *o)
{
	char iso[TIME_ISO_MAX];
	json_t *j = json_pack("{s:I, s:s, s:b, s:s}", "id", (json_int_t)o->id, "name", o->name,
			      "shares_tickets", o->shares_tickets, "created_at",
			      time_format_iso(o->created_at, iso));
	json_object_set_new(j, "domain", o->domain ? json_string(o->domain) : json_null());
	return j;
}

json_t *view_group_json(const struct group_row *g)
{
	char iso[TIME_ISO_MAX];
	return json_pack("{s:I, s:s, s:I, s:s}", "id", (json_int_t)g->id, "name", g->name,
			 "members", (json_int_t)g->members, "created_at",
			 time_format_iso(g->created_at, iso));
}

json_t *view_search_hit_json(const struct search_result_hit *h)
{
	json_t *j = json_pack("{s:o, s:f, s:s}", "ticket", view_ticket_json(&h->ticket), "score",
			      h->score, "snippet", h->snippet ? h->snippet : "");
	json_object_set_new(j, "message_id", h->message_id ? json_integer(h->message_id)
							   : json_null());
	return j;
}

json_t *view_page_json(const char *key, json_t *items, int64_t last_id, bool full)
{
	json_t *page = json_object();
	json_object_set_new(page, key, items);
	json_object_set_new(page, "next_cursor", full && last_id ? json_integer(last_id) : json_null());
	return page;
}
