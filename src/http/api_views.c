/* api_views.c - /api/v1/views: saved views with counts, a view's tickets, adding and changing views. */
#include "util/common.h"
#include "desk/view.h"
#include "http/api.h"
#include "http/input.h"

static int refuse(struct write_job *j)
{
	arena_release(&j->arena);
	free(j);
	return 0;
}

int api_views_list(struct hreq *r)
{
	struct rows rows;
	struct err e = ERR_INIT;
	struct buf b = BUF_INIT;
	struct jw w;

	if (desk_view_list(worker_desk(r->w), &r->actor, &r->arena, true, &rows, &e))
		return http_error(r, &e);
	jw_init(&w, &b);
	view_saved_list_write(&w, &rows);
	return http_json_buf(r, 200, &b, NULL);
}

int api_view_tickets(struct hreq *r)
{
	struct view_page p;
	struct err e = ERR_INIT;
	int64_t limit = 50, cursor = 0;
	struct buf b = BUF_INIT;
	struct jw w;

	if (query_int(r, "limit", 1, DESK_LIST_MAX, &limit) < 0 ||
	    query_int(r, "cursor", 1, INT64_MAX, &cursor) < 0)
		return 0;
	if (desk_view_tickets(worker_desk(r->w), &r->actor, &r->arena, r->params[0], cursor,
			      (int)limit, &p, &e))
		return http_error(r, &e);
	jw_init(&w, &b);
	view_queue_page_write(&w, &p, (int64_t)p.tickets.count == limit);
	return http_json_buf(r, 200, &b, NULL);
}

/* Renders view id as the actor sees it now, with its count. */
static int show(struct hreq *r, int status, int64_t id)
{
	struct view_info v;
	struct err e = ERR_INIT;
	struct buf b = BUF_INIT;
	struct jw w;

	if (desk_view_get(worker_desk(r->w), &r->actor, &r->arena, id, &v, &e))
		return http_error(r, &e);
	if (status == 201) {
		const char *loc = arena_printf(&r->arena, "/api/v1/views/%" PRId64, id);
		h2o_add_header(&r->req->pool, &r->req->res.headers, H2O_TOKEN_LOCATION, NULL, loc,
			       strlen(loc));
	}
	jw_init(&w, &b);
	view_saved_write(&w, &v);
	return http_json_buf(r, status, &b, NULL);
}

struct view_job {
	struct view_in in;
	int64_t id;
};

/*
 * The body's view fields into in (strings in the job's arena): name,
 * filter (an object), order (due or newest), and with_shared's shared or
 * else position.
 */
static int view_fields(struct hreq *r, struct write_job *j, struct view_in *in, bool adding)
{
	static const char *const add_fields[] = {"name", "filter", "order", "shared", NULL};
	static const char *const edit_fields[] = {"name", "filter", "order", "position", NULL};
	const char *order;
	json_t *v;

	in->by_due = -1;
	if (input_only(r, adding ? add_fields : edit_fields) < 0 ||
	    input_string(r, &j->arena, "name", adding, &in->name) < 0 ||
	    input_string(r, &j->arena, "order", false, &order) < 0)
		return -1;
	if (order && strcmp(order, "due") != 0 && strcmp(order, "newest") != 0)
		return http_problem(r, 422, "invalid", "field 'order' must be due or newest"), -1;
	if (order)
		in->by_due = strcmp(order, "due") == 0;
	if ((v = json_object_get(r->body, "filter"))) {
		if (!json_is_object(v))
			return http_problem(r, 422, "invalid",
					    "field 'filter' must be an object (see the API reference)"),
			       -1;
		char *text = json_dumps(v, JSON_COMPACT);
		in->filter = arena_strdup(&j->arena, text);
		free(text);
	}
	if ((v = json_object_get(r->body, "shared"))) {
		if (!json_is_boolean(v))
			return http_problem(r, 422, "invalid", "field 'shared' must be true or false"),
			       -1;
		in->shared = json_is_true(v);
	}
	if ((v = json_object_get(r->body, "position"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 1)
			return http_problem(r, 422, "invalid",
					    "field 'position' must be a positive integer"),
			       -1;
		in->position = json_integer_value(v);
	}
	return 0;
}

static enum err_code run_add(struct desk *d, struct write_job *j, struct err *e)
{
	struct view_job *vj = j->in;
	return desk_view_add(d, &j->actor, &vj->in, &j->id, e);
}

static int done_add(struct hreq *r, struct write_job *j)
{
	if (j->rc)
		return http_error(r, &j->err);
	return show(r, 201, j->id);
}

int api_views_create(struct hreq *r)
{
	struct write_job *j = job_new(r, run_add, done_add);
	struct view_job *vj = arena_zalloc(&j->arena, sizeof(*vj));

	j->in = vj;
	if (view_fields(r, j, &vj->in, true) < 0)
		return refuse(j);
	return job_submit(j);
}

static enum err_code run_edit(struct desk *d, struct write_job *j, struct err *e)
{
	struct view_job *vj = j->in;
	j->id = vj->id;
	return desk_view_edit(d, &j->actor, vj->id, &vj->in, e);
}

static int done_edit(struct hreq *r, struct write_job *j)
{
	if (j->rc)
		return http_error(r, &j->err);
	return show(r, 200, j->id);
}

int api_view_patch(struct hreq *r)
{
	struct write_job *j = job_new(r, run_edit, done_edit);
	struct view_job *vj = arena_zalloc(&j->arena, sizeof(*vj));

	j->in = vj;
	vj->id = r->params[0];
	if (view_fields(r, j, &vj->in, false) < 0)
		return refuse(j);
	return job_submit(j);
}

static enum err_code run_remove(struct desk *d, struct write_job *j, struct err *e)
{
	return desk_view_remove(d, &j->actor, j->id, e);
}

static int done_remove(struct hreq *r, struct write_job *j)
{
	if (j->rc)
		return http_error(r, &j->err);
	return http_text(r, 204, NULL, "", 0);
}

int api_view_delete(struct hreq *r)
{
	struct write_job *j = job_new(r, run_remove, done_remove);
	j->id = r->params[0];
	return job_submit(j);
}
