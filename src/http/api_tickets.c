/* api_tickets.c - /api/v1/tickets: list, create, read, change, answer, merge, history. */
#include "util/common.h"
#include "desk/view.h"
#include "http/api.h"
#include "http/input.h"

/* A ticket's strong ETag: it changes with every change (version). */
static const char *etag_of(struct hreq *r, int64_t id, int64_t version)
{
	return arena_printf(&r->arena, "\"%" PRId64 ".%" PRId64 "\"", id, version);
}

/* The version in an If-Match of ours, "ID.VERSION"; 0 if absent or "*" (any
 * version: RFC 9110 13.1.1), -1 if foreign. */
static int64_t if_match_version(struct hreq *r, int64_t id)
{
	const char *h = hreq_header(r, H2O_TOKEN_IF_MATCH);
	int64_t tid, v;
	int used = 0;

	if (!h || strcmp(h, "*") == 0)
		return 0;
	if (sscanf(h, "\"%" SCNd64 ".%" SCNd64 "\"%n", &tid, &v, &used) != 2 ||
	    (size_t)used != strlen(h) || tid != id || v < 1)
		return -1;
	return v;
}

int api_tickets_list(struct hreq *r)
{
	struct ticket_query q = {.status = -1};
	struct rows rows;
	struct err e = ERR_INIT;
	int64_t limit = 50, cursor = 0;
	struct buf b = BUF_INIT;
	struct jw w;

	if (query_enum(r, "status", status_parse, status_names(), &q.status) < 0 ||
	    query_int(r, "limit", 1, DESK_LIST_MAX, &limit) < 0 ||
	    query_int(r, "cursor", 1, INT64_MAX, &cursor) < 0 ||
	    query_time(r, "updated_since", &q.updated_since) < 0)
		return 0;
	const char *order = hreq_query(r, "order");
	if (order && strcmp(order, "due") != 0 && strcmp(order, "newest") != 0)
		return http_problem(r, 400, "invalid_parameter",
				    "order must be newest (the default) or due");
	q.by_due = order && strcmp(order, "due") == 0;
	q.assignee_email = hreq_query(r, "assignee");
	q.group = hreq_query(r, "group");
	q.requester_email = hreq_query(r, "requester");
	q.tag = hreq_query(r, "tag");
	q.limit = (int)limit;
	q.before_id = cursor;
	if (desk_ticket_items(worker_desk(r->w), &r->actor, &r->arena, &q, &rows, &e)) {
		/* What the desk finds invalid in a list query is a query parameter. */
		if (e.code == ERR_INVALID)
			return http_problem(r, 400, "invalid_parameter", "%s", e.msg);
		return http_error(r, &e);
	}
	jw_init(&w, &b);
	jw_obj(&w);
	jw_key(&w, "tickets");
	jw_arr(&w);
	for (size_t i = 0; i < rows.count; i++) {
		const struct ticket_item *it = ROWS_AT(&rows, struct ticket_item, i);
		jw_rawn(&w, it->json, it->len);
	}
	int64_t last = rows.count ? ROWS_AT(&rows, struct ticket_item, rows.count - 1)->id : 0;
	view_page_end(&w, last, (int64_t)rows.count == limit);
	return http_json_buf(r, 200, &b, NULL);
}

/* A ticket as it is now, from the worker's read connection: its stored document for staff. */
static int show(struct hreq *r, int status, int64_t id)
{
	struct err e = ERR_INIT;
	struct buf b = BUF_INIT;
	int64_t version = 0;
	const char *etag, *inm;

	if (desk_ticket_doc(worker_desk(r->w), &r->actor, &r->arena, id, &version, &b, &e)) {
		buf_release(&b);
		return http_error(r, &e);
	}
	etag = etag_of(r, id, version);
	if (status == 200 && (inm = hreq_header(r, H2O_TOKEN_IF_NONE_MATCH)) && strcmp(inm, etag) == 0) {
		buf_release(&b);
		return http_not_modified(r, etag);
	}
	if (status == 201) {
		const char *loc = arena_printf(&r->arena, "/api/v1/tickets/%" PRId64, id);
		h2o_add_header(&r->req->pool, &r->req->res.headers, H2O_TOKEN_LOCATION, NULL, loc,
			       strlen(loc));
	}
	return http_json_buf(r, status, &b, etag);
}

int api_ticket_get(struct hreq *r)
{
	return show(r, 200, r->params[0]);
}

static enum err_code run_create(struct desk *d, struct write_job *j, struct err *e)
{
	return desk_ticket_create(d, &j->actor, j->in, &j->id, e);
}

static int done_show(struct hreq *r, struct write_job *j, int status)
{
	if (j->rc)
		return http_error(r, &j->err);
	return show(r, status, j->id);
}

static int done_create(struct hreq *r, struct write_job *j)
{
	return done_show(r, j, 201);
}

int api_tickets_create(struct hreq *r)
{
	static const char *const fields[] = {"subject", "body", "requester", "requester_name",
					     "priority", "group", "assignee", "tags", NULL};
	struct write_job *j = job_new(r, run_create, done_create);
	struct ticket_new_in *in = arena_zalloc(&j->arena, sizeof(*in));
	const char **tags;

	j->in = in;
	in->channel = CHANNEL_API;
	if (input_only(r, fields) < 0 ||
	    input_string(r, &j->arena, "subject", true, &in->subject) < 0 ||
	    input_string(r, &j->arena, "body", true, &in->body) < 0 ||
	    input_string(r, &j->arena, "requester", false, &in->requester_email) < 0 ||
	    input_string(r, &j->arena, "requester_name", false, &in->requester_name) < 0 ||
	    input_enum(r, "priority", priority_parse, priority_names(), &in->priority) < 0 ||
	    input_string(r, &j->arena, "group", false, &in->group) < 0 ||
	    input_string(r, &j->arena, "assignee", false, &in->assignee_email) < 0 ||
	    input_strings(r, &j->arena, "tags", DESK_TAGS_MAX, &tags, &in->ntags) < 0)
		goto refused;
	in->tags = tags;
	input_attachments(r, j, &in->attachments, &in->nattachments);
	return job_submit(j);
refused:
	arena_release(&j->arena);
	free(j);
	return 0;
}

struct patch_in {
	struct ticket_change c;
	int64_t id;
	bool stale; /* set by the run: If-Match did not match */
};

static enum err_code run_patch(struct desk *d, struct write_job *j, struct err *e)
{
	struct patch_in *p = j->in;
	enum err_code rc;

	j->id = p->id;
	rc = desk_ticket_update(d, &j->actor, p->id, &p->c, e);
	p->stale = rc == ERR_CONFLICT && p->c.expected_version;
	return rc;
}

static int done_patch(struct hreq *r, struct write_job *j)
{
	struct patch_in *p = j->in;

	if (p->stale) {
		/* Tell a lost update from a refused move: compare versions now. */
		struct ticket_view v;
		struct err e = ERR_INIT;
		if (!desk_ticket_get(worker_desk(r->w), &r->actor, &r->arena, p->id, &v, &e) &&
		    v.ticket.version != p->c.expected_version)
			return http_problem(r, 412, "precondition_failed",
					    "ticket #%" PRId64 " has changed since version %" PRId64
					    " (it is at %" PRId64 "); reload it",
					    p->id, p->c.expected_version, v.ticket.version);
	}
	return done_show(r, j, 200);
}

int api_ticket_patch(struct hreq *r)
{
	static const char *const fields[] = {"status", "priority", "subject", "assignee", "group",
					     "add_tags", "remove_tags", "add_followers",
					     "remove_followers", NULL};
	struct write_job *j = job_new(r, run_patch, done_patch);
	struct patch_in *p = arena_zalloc(&j->arena, sizeof(*p));
	const char **add, **del, **fadd, **fdel, *assignee, *group;
	bool has_assignee, has_group;
	int64_t version = if_match_version(r, r->params[0]);

	j->in = p;
	p->id = r->params[0];
	if (version < 0) {
		http_problem(r, 412, "precondition_failed",
			     "If-Match must be this ticket's ETag, as GET returns it");
		goto refused;
	}
	p->c.expected_version = version;
	if (input_only(r, fields) < 0 ||
	    input_enum(r, "status", status_parse, status_names(), &p->c.status) < 0 ||
	    input_enum(r, "priority", priority_parse, priority_names(), &p->c.priority) < 0 ||
	    input_string(r, &j->arena, "subject", false, &p->c.subject) < 0 ||
	    input_nullable(r, &j->arena, "assignee", &assignee, &has_assignee) < 0 ||
	    input_nullable(r, &j->arena, "group", &group, &has_group) < 0 ||
	    input_strings(r, &j->arena, "add_tags", DESK_TAGS_MAX, &add, &p->c.ntags_add) < 0 ||
	    input_strings(r, &j->arena, "remove_tags", DESK_TAGS_MAX, &del, &p->c.ntags_remove) < 0 ||
	    input_strings(r, &j->arena, "add_followers", DESK_TAGS_MAX, &fadd,
			  &p->c.nfollowers_add) < 0 ||
	    input_strings(r, &j->arena, "remove_followers", DESK_TAGS_MAX, &fdel,
			  &p->c.nfollowers_remove) < 0)
		goto refused;
	if (has_assignee)
		p->c.assignee_email = assignee ? assignee : "";
	if (has_group)
		p->c.group = group ? group : "";
	p->c.tags_add = add;
	p->c.tags_remove = del;
	p->c.followers_add = fadd;
	p->c.followers_remove = fdel;
	return job_submit(j);
refused:
	arena_release(&j->arena);
	free(j);
	return 0;
}

struct message_job {
	struct message_in m;
	int64_t id;
	struct message_out out;
};

static enum err_code run_message(struct desk *d, struct write_job *j, struct err *e)
{
	struct message_job *mj = j->in;
	return desk_message_add(d, &j->actor, mj->id, &mj->m, &mj->out, e);
}

static int done_message(struct hreq *r, struct write_job *j)
{
	struct message_job *mj = j->in;

	if (j->rc)
		return http_error(r, &j->err);
	return http_json(r, 201, json_pack("{s:I, s:I, s:b, s:s}", "message_id",
					   (json_int_t)mj->out.message_id, "ticket_id",
					   (json_int_t)mj->out.ticket_id, "follow_up",
					   mj->out.follow_up, "status", status_name(mj->out.status)));
}

static int message(struct hreq *r, enum msg_kind kind)
{
	static const char *const fields[] = {"body", "status", NULL};
	struct write_job *j = job_new(r, run_message, done_message);
	struct message_job *mj = arena_zalloc(&j->arena, sizeof(*mj));

	j->in = mj;
	mj->id = r->params[0];
	mj->m.kind = kind;
	mj->m.channel = CHANNEL_API;
	if (input_only(r, fields) < 0 ||
	    input_string(r, &j->arena, "body", true, &mj->m.body) < 0 ||
	    input_enum(r, "status", status_parse, status_names(), &mj->m.status) < 0) {
		arena_release(&j->arena);
		free(j);
		return 0;
	}
	input_attachments(r, j, &mj->m.attachments, &mj->m.nattachments);
	return job_submit(j);
}

int api_ticket_reply(struct hreq *r)
{
	return message(r, MSG_PUBLIC);
}

int api_ticket_note(struct hreq *r)
{
	return message(r, MSG_INTERNAL);
}

struct merge_in {
	int64_t source, target;
};

static enum err_code run_merge(struct desk *d, struct write_job *j, struct err *e)
{
	struct merge_in *m = j->in;
	j->id = m->target;
	return desk_ticket_merge(d, &j->actor, m->source, m->target, e);
}

static int done_merge(struct hreq *r, struct write_job *j)
{
	return done_show(r, j, 200);
}

int api_ticket_merge(struct hreq *r)
{
	static const char *const fields[] = {"into", NULL};
	struct write_job *j = job_new(r, run_merge, done_merge);
	struct merge_in *m = arena_zalloc(&j->arena, sizeof(*m));

	j->in = m;
	m->source = r->params[0];
	if (input_only(r, fields) < 0 || input_id(r, "into", true, &m->target) < 0) {
		arena_release(&j->arena);
		free(j);
		return 0;
	}
	return job_submit(j);
}

int api_ticket_events(struct hreq *r)
{
	struct rows rows;
	struct err e = ERR_INIT;
	json_t *arr;

	if (desk_ticket_events(worker_desk(r->w), &r->actor, &r->arena, r->params[0], &rows, &e))
		return http_error(r, &e);
	arr = json_array();
	for (size_t i = 0; i < rows.count; i++)
		json_array_append_new(arr, view_event_json(ROWS_AT(&rows, struct event_row, i)));
	return http_json(r, 200, json_pack("{s:o}", "events", arr));
}

int api_ticket_sla(struct hreq *r)
{
	struct ticket_sla s;
	struct err e = ERR_INIT;

	if (desk_ticket_sla(worker_desk(r->w), &r->actor, &r->arena, r->params[0], &s, &e))
		return http_error(r, &e);
	return http_json(r, 200, view_ticket_sla_json(&s));
}

/* A MIME type safe to send as it is: token/token, nothing else. */
static bool plain_type(const char *t)
{
	static const char tchar[] = "abcdefghijklmnopqrstuvwxyz0123456789!#$&^_.+-";
	size_t a = strspn(t, tchar);

	return a > 0 && t[a] == '/' && strspn(t + a + 1, tchar) > 0 &&
	       t[a + 1 + strspn(t + a + 1, tchar)] == '\0';
}

int api_ticket_attachment(struct hreq *r)
{
	struct attachment_file f;
	struct err e = ERR_INIT;
	const char *etag, *inm;

	if (desk_attachment_get(worker_desk(r->w), &r->actor, &r->arena, r->params[0],
				r->params[1], &f, &e))
		return http_error(r, &e);
	/* The content's hash: the same bytes, the same tag, under any name. */
	etag = arena_printf(&r->arena, "\"%s\"", f.row.sha256);
	if ((inm = hreq_header(r, H2O_TOKEN_IF_NONE_MATCH)) && strstr(inm, etag))
		return http_not_modified(r, etag);
	return http_file(r, f.path,
			 plain_type(f.row.content_type) ? f.row.content_type
							: "application/octet-stream",
			 f.row.filename, etag);
}
