/* view.c - the JSON shapes of the desk's records, shared by every channel. */
#include "util/common.h"
#include "desk/view.h"
#include "rules/queue.h"
#include "rules/sla.h"
#include "util/time.h"

/* An ISO 8601 time, or null for 0. */
static void put_time(struct jw *w, int64_t ms)
{
	char iso[TIME_ISO_MAX];

	if (ms)
		jw_str(w, time_format_iso(ms, iso));
	else
		jw_null(w);
}

#define ktime(w, key, ms) (jw_key(w, key), put_time((w), (ms)))

/* The fields of a ticket row, inside an object the caller opened. */
static void ticket_fields(struct jw *w, const struct ticket_row *t)
{
	jw_kint(w, "id", t->id);
	jw_kstr(w, "subject", t->subject);
	jw_kstr(w, "status", status_name(t->status));
	jw_kstr(w, "priority", priority_name(t->priority));
	jw_kint(w, "requester_id", t->requester_id);
	jw_kstr(w, "channel", channel_name(t->channel));
	jw_kint(w, "version", t->version);
	ktime(w, "created_at", t->created_at);
	jw_kid(w, "assignee_id", t->assignee_id);
	jw_kid(w, "group_id", t->group_id);
	jw_kid(w, "organisation_id", t->organisation_id);
	jw_kid(w, "merged_into_id", t->merged_into_id);
	ktime(w, "updated_at", t->updated_at);
	ktime(w, "solved_at", t->solved_at);
	ktime(w, "closed_at", t->closed_at);
	ktime(w, "first_response_at", t->first_response_at);
	jw_kbool(w, "opened_by_agent", t->opened_by_agent);
}

void view_ticket_write(struct jw *w, const struct ticket_row *t)
{
	jw_obj(w);
	ticket_fields(w, t);
	jw_end(w);
}

static void attachments_of(struct jw *w, const struct ticket_view *v, int64_t message_id)
{
	char url[80];

	jw_key(w, "attachments");
	jw_arr(w);
	for (size_t k = 0; k < v->attachments.count; k++) {
		struct attachment_row *x = ROWS_AT(&v->attachments, struct attachment_row, k);
		if (x->message_id != message_id)
			continue;
		/* Where the API serves it (api_ticket_attachment). */
		snprintf(url, sizeof(url), "/api/v1/tickets/%" PRId64 "/attachments/%" PRId64,
			 v->ticket.id, x->id);
		jw_obj(w);
		jw_kint(w, "id", x->id);
		jw_kstr(w, "filename", x->filename);
		jw_kstr(w, "content_type", x->content_type);
		jw_kint(w, "size", x->size);
		jw_kstr(w, "sha256", x->sha256);
		jw_kstr(w, "url", url);
		jw_end(w);
	}
	jw_end(w);
}

/* requester {id, email, name}, assignee (email), group (name), tags: as staff see a ticket. */
static void people_fields(struct jw *w, const struct user_row *requester,
			  const char *assignee_email, const char *group, const struct rows *tags)
{
	jw_key(w, "requester");
	jw_obj(w);
	jw_kint(w, "id", requester->id);
	jw_kstr(w, "email", requester->email);
	jw_kstr(w, "name", requester->name);
	jw_end(w);
	jw_kstr(w, "assignee", assignee_email);
	jw_kstr(w, "group", group);
	jw_key(w, "tags");
	jw_arr(w);
	for (size_t i = 0; i < tags->count; i++)
		jw_str(w, *ROWS_AT(tags, const char *, i));
	jw_end(w);
}

void view_ticket_full_write(struct jw *w, const struct ticket_view *v)
{
	jw_obj(w);
	ticket_fields(w, &v->ticket);
	people_fields(w, &v->requester, v->assignee_email, v->group_name, &v->tags);
	jw_key(w, "followers");
	jw_arr(w);
	for (size_t i = 0; i < v->followers.count; i++)
		jw_str(w, ROWS_AT(&v->followers, struct user_row, i)->email);
	jw_end(w);
	jw_key(w, "links");
	jw_arr(w);
	for (size_t i = 0; i < v->links.count; i++) {
		struct link_row *l = ROWS_AT(&v->links, struct link_row, i);
		jw_obj(w);
		jw_kint(w, "ticket_id", l->ticket_id);
		jw_kint(w, "other_id", l->other_id);
		jw_kstr(w, "kind", link_kind_name(l->kind));
		jw_end(w);
	}
	jw_end(w);
	jw_key(w, "messages");
	jw_arr(w);
	for (size_t i = 0; i < v->messages.count; i++) {
		struct message_row *m = ROWS_AT(&v->messages, struct message_row, i);
		jw_obj(w);
		jw_kint(w, "id", m->id);
		jw_kint(w, "author_id", m->author_id);
		jw_kstr(w, "author_role", role_name(m->author_role));
		jw_kstr(w, "kind", msg_kind_name(m->kind));
		jw_kstr(w, "channel", channel_name(m->channel));
		jw_kstr(w, "body_text", m->body_text);
		ktime(w, "created_at", m->created_at);
		if (m->signature_at >= 0 || m->quote_at >= 0) {
			jw_key(w, "fold");
			jw_obj(w);
			if (m->signature_at >= 0)
				jw_kint(w, "signature_at", m->signature_at);
			if (m->quote_at >= 0)
				jw_kint(w, "quote_at", m->quote_at);
			jw_end(w);
		}
		if (m->delivery) {
			jw_key(w, "delivery");
			jw_obj(w);
			jw_kstr(w, "state", m->delivery);
			if (m->mail_id)
				jw_kstr(w, "message_id", m->mail_id);
			if (m->delivery_detail)
				jw_kstr(w, "detail", m->delivery_detail);
			jw_end(w);
		}
		attachments_of(w, v, m->id);
		jw_end(w);
	}
	jw_end(w);
	jw_end(w);
}

void view_event_write(struct jw *w, const struct event_row *ev)
{
	jw_obj(w);
	jw_kint(w, "id", ev->id);
	jw_kstr(w, "kind", ev->kind);
	ktime(w, "created_at", ev->created_at);
	jw_kid(w, "actor_id", ev->actor_id);
	jw_kstr(w, "field", ev->field);
	jw_kstr(w, "old", ev->old_value);
	jw_kstr(w, "new", ev->new_value);
	/* Stored as JSON by desk_event (desk_json). */
	jw_key(w, "data");
	jw_raw(w, ev->data);
	jw_end(w);
}

void view_user_write(struct jw *w, const struct user_row *u)
{
	jw_obj(w);
	jw_kint(w, "id", u->id);
	jw_kstr(w, "email", u->email);
	jw_kstr(w, "name", u->name);
	jw_kstr(w, "role", role_name(u->role));
	jw_kbool(w, "active", u->active);
	jw_kid(w, "organisation_id", u->organisation_id);
	jw_end(w);
}

void view_org_write(struct jw *w, const struct org_row *o)
{
	jw_obj(w);
	jw_kint(w, "id", o->id);
	jw_kstr(w, "name", o->name);
	jw_kbool(w, "shares_tickets", o->shares_tickets);
	ktime(w, "created_at", o->created_at);
	jw_kstr(w, "domain", o->domain);
	jw_end(w);
}

void view_group_write(struct jw *w, const struct group_row *g)
{
	jw_obj(w);
	jw_kint(w, "id", g->id);
	jw_kstr(w, "name", g->name);
	jw_kint(w, "members", g->members);
	ktime(w, "created_at", g->created_at);
	jw_end(w);
}

void view_page_end(struct jw *w, int64_t last_id, bool full)
{
	jw_end(w); /* the items */
	jw_kid(w, "next_cursor", full ? last_id : 0);
	jw_end(w);
}

void view_saved_write(struct jw *w, const struct view_info *v)
{
	jw_obj(w);
	jw_kint(w, "id", v->row.id);
	jw_kstr(w, "name", v->row.name);
	jw_kbool(w, "shared", v->row.owner_id == 0);
	jw_kid(w, "owner_id", v->row.owner_id);
	jw_kint(w, "position", v->row.position);
	jw_kstr(w, "order", v->row.by_due ? "due" : "newest");
	jw_key(w, "filter");
	jw_raw(w, v->row.filter);
	jw_kstr(w, "builtin", v->row.builtin);
	if (v->count >= 0)
		jw_kint(w, "count", v->count);
	ktime(w, "created_at", v->row.created_at);
	ktime(w, "updated_at", v->row.updated_at);
	jw_end(w);
}

void view_saved_list_write(struct jw *w, const struct rows *views)
{
	jw_obj(w);
	jw_key(w, "views");
	jw_arr(w);
	for (size_t i = 0; i < views->count; i++)
		view_saved_write(w, ROWS_AT(views, struct view_info, i));
	jw_end(w);
	jw_end(w);
}

void view_queue_page_write(struct jw *w, const struct view_page *p, bool full)
{
	jw_obj(w);
	jw_key(w, "view");
	jw_obj(w);
	jw_kint(w, "id", p->view.id);
	jw_kstr(w, "name", p->view.name);
	jw_kstr(w, "order", p->view.by_due ? "due" : "newest");
	jw_end(w);
	jw_key(w, "tickets");
	jw_arr(w);
	for (size_t i = 0; i < p->tickets.count; i++) {
		const struct ticket_row *t = ROWS_AT(&p->tickets, struct ticket_row, i);
		jw_obj(w);
		ticket_fields(w, t);
		if (i < p->names.count) {
			const struct ticket_names *x = ROWS_AT(&p->names, struct ticket_names, i);
			people_fields(w, &x->requester, x->assignee_email, x->group, &x->tags);
			jw_kstr(w, "assignee_name", x->assignee_name);
		}
		jw_key(w, "sla");
		jw_obj(w);
		jw_kstr(w, "state", queue_sla_name(queue_sla_of(t->sla_sort_key, p->now, p->soon_ms)));
		ktime(w, "due_at", t->sla_sort_key < SLA_KEY_WAIT ? t->sla_sort_key : 0);
		ktime(w, "waiting_since", queue_waiting_since(t->sla_sort_key));
		jw_end(w);
		jw_end(w);
	}
	int64_t last = p->tickets.count
			       ? ROWS_AT(&p->tickets, struct ticket_row, p->tickets.count - 1)->id
			       : 0;
	view_page_end(w, last, full);
}

/* The same shapes as jansson values, for callers that add to them. */
#define AS_JSON(name, type)                                               \
	json_t *view_##name##_json(const type *row)                       \
	{                                                                 \
		struct buf b = BUF_INIT;                                  \
		struct jw w;                                              \
		json_t *j;                                                \
		jw_init(&w, &b);                                          \
		view_##name##_write(&w, row);                             \
		j = json_loadb(b.data, b.len, 0, NULL);                   \
		buf_release(&b);                                          \
		if (!j)                                                   \
			BUG("view_" #name "_write wrote JSON jansson refuses"); \
		return j;                                                 \
	}

AS_JSON(ticket, struct ticket_row)
AS_JSON(ticket_full, struct ticket_view)
AS_JSON(event, struct event_row)
AS_JSON(user, struct user_row)
AS_JSON(org, struct org_row)
AS_JSON(group, struct group_row)
AS_JSON(search_hit, struct search_result_hit)

void view_search_hit_write(struct jw *w, const struct search_result_hit *h)
{
	jw_obj(w);
	jw_key(w, "ticket");
	view_ticket_write(w, &h->ticket);
	jw_key(w, "score");
	jw_real(w, h->score);
	jw_kstr(w, "snippet", h->snippet ? h->snippet : "");
	jw_kid(w, "message_id", h->message_id);
	jw_end(w);
}

json_t *view_page_json(const char *key, json_t *items, int64_t last_id, bool full)
{
	json_t *page = json_object();
	json_object_set_new(page, key, items);
	json_object_set_new(page, "next_cursor", full && last_id ? json_integer(last_id) : json_null());
	return page;
}

/* A clock's state in a word. */
const char *view_sla_clock_state(const struct sla_clock_row *c)
{
	if (c->achieved_at)
		return c->breached_at ? "achieved late" : "achieved";
	if (c->ended_at)
		return c->breached_at ? "breached, ended" : "ended";
	if (c->paused_since)
		return c->breached_at ? "breached, paused" : "paused";
	return c->breached_at ? "breached" : "running";
}

static json_t *time_or_null(int64_t ms)
{
	char iso[TIME_ISO_MAX];
	return ms ? json_string(time_format_iso(ms, iso)) : json_null();
}

json_t *view_ticket_sla_json(const struct ticket_sla *s)
{
	json_t *clocks = json_array();
	for (size_t i = 0; i < s->clocks.count; i++) {
		struct sla_clock_row *c = ROWS_AT(&s->clocks, struct sla_clock_row, i);
		json_t *o = json_pack("{s:s, s:s, s:b, s:I, s:I, s:i, s:i}", "metric", c->metric,
				      "state", view_sla_clock_state(c), "business", c->business,
				      "target_minutes", (json_int_t)(c->target_ms / 60000),
				      "paused_ms", (json_int_t)c->paused_ms, "cycles", c->cycles,
				      "breaches", c->breaches);
		json_object_set_new(o, "started_at", time_or_null(c->started_at));
		json_object_set_new(o, "due_at", time_or_null(c->due_at));
		json_object_set_new(o, "paused_since", time_or_null(c->paused_since));
		json_object_set_new(o, "achieved_at", time_or_null(c->achieved_at));
		json_object_set_new(o, "breached_at", time_or_null(c->breached_at));
		json_array_append_new(clocks, o);
	}
	json_t *o = json_pack("{s:o, s:o}", "due_at", time_or_null(s->due_at), "clocks", clocks);
	json_object_set_new(o, "policy", s->policy_name ? json_string(s->policy_name) : json_null());
	return o;
}

/* --- SLA policies, calendars, the first-response report ------------------------ */

static const char *const report_bys[] = {"none", "group", "agent", "priority", "channel"};

const char *report_by_name(enum report_by by)
{
	return (unsigned)by < ARRAY_SIZE(report_bys) ? report_bys[by] : "none";
}

int report_by_parse(const char *s)
{
	for (size_t i = 0; s && i < ARRAY_SIZE(report_bys); i++)
		if (strcmp(s, report_bys[i]) == 0)
			return (int)i;
	return -1;
}

static json_t *percentiles(const struct report_line *l, int64_t p50, int64_t p90, int64_t p99)
{
	if (!l->answered)
		return json_pack("{s:n, s:n, s:n}", "p50_ms", "p90_ms", "p99_ms");
	return json_pack("{s:I, s:I, s:I}", "p50_ms", (json_int_t)p50, "p90_ms", (json_int_t)p90,
			 "p99_ms", (json_int_t)p99);
}

json_t *view_report_json(const struct rows *lines, int64_t from, int64_t to, enum report_by by)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < lines->count; i++) {
		const struct report_line *l = ROWS_AT(lines, struct report_line, i);
		int64_t with = l->sla_met + l->sla_breached;
		json_t *o = json_pack("{s:s, s:I, s:I, s:o, s:o, s:I, s:I}", "key", l->key, "tickets",
				      (json_int_t)l->tickets, "answered", (json_int_t)l->answered,
				      "calendar", percentiles(l, l->p50, l->p90, l->p99), "business",
				      percentiles(l, l->bp50, l->bp90, l->bp99), "sla_met",
				      (json_int_t)l->sla_met, "sla_breached",
				      (json_int_t)l->sla_breached);
		json_object_set_new(o, "sla_attainment_pct",
				    with ? json_real(100.0 * (double)l->sla_met / (double)with)
					 : json_null());
		json_array_append_new(arr, o);
	}
	return json_pack("{s:s, s:o, s:o, s:s, s:o}", "report", "first-response", "from",
			 time_or_null(from), "to", time_or_null(to), "by", report_by_name(by), "lines",
			 arr);
}

json_t *view_sla_policy_json(const struct sla_policy_row *p, const struct rows *targets)
{
	json_t *tg = json_object();
	json_t *o;

	for (size_t i = 0; i < targets->count; i++) {
		const struct sla_target_row *t = ROWS_AT(targets, struct sla_target_row, i);
		json_t *m;
		if (t->policy_id != p->id)
			continue;
		if (!(m = json_object_get(tg, t->metric)))
			json_object_set_new(tg, t->metric, m = json_object());
		json_object_set_new(m, priority_name(t->priority),
				    json_pack("{s:i, s:b}", "minutes", t->minutes, "business",
					      t->business));
	}
	o = json_pack("{s:I, s:I, s:s, s:s?, s:s, s:i, s:b, s:o}", "id", (json_int_t)p->id,
		      "position", (json_int_t)p->position, "name", p->name, "calendar",
		      p->calendar_name, "pause", p->pause, "warn_percent", p->warn_percent, "active",
		      p->active, "targets", tg);
	json_object_set_new(o, "conditions", json_loads(p->conditions ? p->conditions : "{}", 0, NULL));
	json_object_set_new(o, "on_warn", json_string(p->on_warn ? p->on_warn : ""));
	json_object_set_new(o, "on_breach", json_string(p->on_breach ? p->on_breach : ""));
	json_object_set_new(o, "escalate_to",
			    p->escalate_to >= 0
				    ? json_string(priority_name((enum priority)p->escalate_to))
				    : json_null());
	return o;
}

json_t *view_calendar_json(const struct calendar_row *c)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:I}", "id", (json_int_t)c->id, "name", c->name,
			 "zone", c->zone, "hours", c->hours, "holidays", c->holidays ? c->holidays : "",
			 "version", (json_int_t)c->version);
}
