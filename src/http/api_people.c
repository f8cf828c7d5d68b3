/* api_people.c - /api/v1/users, /organisations, /groups: people and their teams. */
#include "util/common.h"
#include "desk/view.h"
#include "http/api.h"
#include "http/input.h"

/* Drops a job the handler refused before submitting it. */
static int refuse(struct write_job *j)
{
	arena_release(&j->arena);
	free(j);
	return 0;
}

int api_users_list(struct hreq *r)
{
	struct rows rows;
	struct err e = ERR_INIT;
	int role = -1;
	json_t *arr;

	if (query_enum(r, "role", role_parse, role_names(), &role) < 0)
		return 0;
	if (desk_user_list(worker_desk(r->w), &r->actor, &r->arena, role, &rows, &e))
		return http_error(r, &e);
	arr = json_array();
	for (size_t i = 0; i < rows.count; i++)
		json_array_append_new(arr, view_user_json(ROWS_AT(&rows, struct user_row, i)));
	return http_json(r, 200, json_pack("{s:o}", "users", arr));
}

static int show_user(struct hreq *r, int status, int64_t id)
{
	struct user_row u;
	struct err e = ERR_INIT;

	if (desk_user_get_id(worker_desk(r->w), &r->actor, &r->arena, id, &u, &e))
		return http_error(r, &e);
	return http_json(r, status, view_user_json(&u));
}

int api_user_get(struct hreq *r)
{
	return show_user(r, 200, r->params[0]);
}

static enum err_code run_user_add(struct desk *d, struct write_job *j, struct err *e)
{
	return desk_user_add(d, &j->actor, j->in, &j->id, e);
}

static int done_user_add(struct hreq *r, struct write_job *j)
{
	if (j->rc)
		return http_error(r, &j->err);
	return show_user(r, 201, j->id);
}

int api_users_create(struct hreq *r)
{
	static const char *const fields[] = {"email", "name", "role", "organisation", NULL};
	struct write_job *j = job_new(r, run_user_add, done_user_add);
	struct user_new_in *in = arena_zalloc(&j->arena, sizeof(*in));
	int role;

	j->in = in;
	if (input_only(r, fields) < 0 || input_string(r, &j->arena, "email", true, &in->email) < 0 ||
	    input_string(r, &j->arena, "name", false, &in->name) < 0 ||
	    input_enum(r, "role", role_parse, role_names(), &role) < 0 ||
	    input_string(r, &j->arena, "organisation", false, &in->organisation) < 0)
		return refuse(j);
	in->role = role >= 0 ? (enum role)role : ROLE_CUSTOMER;
	return job_submit(j);
}

struct user_patch {
	int64_t id;
	struct user_change c;
};

static enum err_code run_user_patch(struct desk *d, struct write_job *j, struct err *e)
{
	struct user_patch *p = j->in;
	j->id = p->id;
	return desk_user_set_id(d, &j->actor, p->id, &p->c, e);
}

static int done_user_show(struct hreq *r, struct write_job *j)
{
	if (j->rc)
		return http_error(r, &j->err);
	return show_user(r, 200, j->id);
}

int api_user_patch(struct hreq *r)
{
	static const char *const fields[] = {"name", "role", "organisation", "active", NULL};
	struct write_job *j = job_new(r, run_user_patch, done_user_show);
	struct user_patch *p = arena_zalloc(&j->arena, sizeof(*p));
	json_t *active = json_object_get(r->body, "active");
	const char *org;
	bool has_org;

	j->in = p;
	p->id = r->params[0];
	p->c.active = -1;
	if (input_only(r, fields) < 0 || input_string(r, &j->arena, "name", false, &p->c.name) < 0 ||
	    input_enum(r, "role", role_parse, role_names(), &p->c.role) < 0 ||
	    input_nullable(r, &j->arena, "organisation", &org, &has_org) < 0)
		return refuse(j);
	if (active && !json_is_boolean(active)) {
		http_problem(r, 422, "invalid", "field 'active' must be true or false");
		return refuse(j);
	}
	if (active)
		p->c.active = json_is_true(active);
	if (has_org)
		p->c.organisation = org ? org : "";
	return job_submit(j);
}

int api_orgs_list(struct hreq *r)
{
	struct rows rows;
	struct err e = ERR_INIT;
	json_t *arr;

	if (desk_org_list(worker_desk(r->w), &r->actor, &r->arena, &rows, &e))
		return http_error(r, &e);
	arr = json_array();
	for (size_t i = 0; i < rows.count; i++)
		json_array_append_new(arr, view_org_json(ROWS_AT(&rows, struct org_row, i)));
	return http_json(r, 200, json_pack("{s:o}", "organisations", arr));
}

struct org_in {
	const char *name, *domain;
	bool shares;
};

static enum err_code run_org_add(struct desk *d, struct write_job *j, struct err *e)
{
	struct org_in *o = j->in;
	return desk_org_add(d, &j->actor, o->name, o->domain, o->shares, &j->id, e);
}

static int done_created_id(struct hreq *r, struct write_job *j)
{
	if (j->rc)
		return http_error(r, &j->err);
	return http_json(r, 201, json_pack("{s:I}", "id", (json_int_t)j->id));
}

int api_orgs_create(struct hreq *r)
{
	static const char *const fields[] = {"name", "domain", "shares_tickets", NULL};
	struct write_job *j = job_new(r, run_org_add, done_created_id);
	struct org_in *o = arena_zalloc(&j->arena, sizeof(*o));
	json_t *shares = json_object_get(r->body, "shares_tickets");

	j->in = o;
	if (input_only(r, fields) < 0 || input_string(r, &j->arena, "name", true, &o->name) < 0 ||
	    input_string(r, &j->arena, "domain", false, &o->domain) < 0)
		return refuse(j);
	if (shares && !json_is_boolean(shares)) {
		http_problem(r, 422, "invalid", "field 'shares_tickets' must be true or false");
		return refuse(j);
	}
	o->shares = shares && json_is_true(shares);
	return job_submit(j);
}

int api_groups_list(struct hreq *r)
{
	struct rows rows;
	struct err e = ERR_INIT;
	json_t *arr;

	if (desk_group_list(worker_desk(r->w), &r->actor, &r->arena, &rows, &e))
		return http_error(r, &e);
	arr = json_array();
	for (size_t i = 0; i < rows.count; i++)
		json_array_append_new(arr, view_group_json(ROWS_AT(&rows, struct group_row, i)));
	return http_json(r, 200, json_pack("{s:o}", "groups", arr));
}

static enum err_code run_group_add(struct desk *d, struct write_job *j, struct err *e)
{
	return desk_group_add(d, &j->actor, j->in, &j->id, e);
}

int api_groups_create(struct hreq *r)
{
	static const char *const fields[] = {"name", NULL};
	struct write_job *j = job_new(r, run_group_add, done_created_id);
	const char *name;

	if (input_only(r, fields) < 0 || input_string(r, &j->arena, "name", true, &name) < 0)
		return refuse(j);
	j->in = (void *)name;
	return job_submit(j);
}

struct member_in {
	int64_t group_id;
	const char *email;
	bool lead;
};

static enum err_code run_member(struct desk *d, struct write_job *j, struct err *e)
{
	struct member_in *m = j->in;
	j->id = m->group_id;
	return desk_group_add_member_id(d, &j->actor, m->group_id, m->email, m->lead, e);
}

static int done_member(struct hreq *r, struct write_job *j)
{
	if (j->rc)
		return http_error(r, &j->err);
	return http_json(r, 201, json_pack("{s:I}", "group_id", (json_int_t)j->id));
}

int api_group_members_add(struct hreq *r)
{
	static const char *const fields[] = {"email", "lead", NULL};
	struct write_job *j = job_new(r, run_member, done_member);
	struct member_in *m = arena_zalloc(&j->arena, sizeof(*m));
	json_t *lead = json_object_get(r->body, "lead");

	j->in = m;
	m->group_id = r->params[0];
	if (input_only(r, fields) < 0 || input_string(r, &j->arena, "email", true, &m->email) < 0)
		return refuse(j);
	if (lead && !json_is_boolean(lead)) {
		http_problem(r, 422, "invalid", "field 'lead' must be true or false");
		return refuse(j);
	}
	m->lead = lead && json_is_true(lead);
	return job_submit(j);
}
