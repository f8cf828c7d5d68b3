/*
 * api_sla.c - /api/v1/sla/policies, /api/v1/calendars and
 * /api/v1/reports/first-response: SLA settings (staff read them, admins
 * change them: the desk checks) and the first-response report, the same
 * documents as the CLI's --json.
 */
#include "util/common.h"
#include "desk/view.h"
#include "http/api.h"
#include "http/input.h"

#define CALENDAR_HOLIDAYS_MAX DESK_HOLIDAYS_MAX

/* Drops a job the handler refused before submitting it. */
static int refuse(struct write_job *j)
{
	arena_release(&j->arena);
	free(j);
	return 0;
}

/* "#ID": how the desk names a policy or calendar by its id. */
static const char *ref_of(struct arena *a, int64_t id)
{
	return arena_printf(a, "#%" PRId64, id);
}

/* --- policies ----------------------------------------------------------------- */

int api_sla_policies_list(struct hreq *r)
{
	struct rows pol, tg;
	struct err e = ERR_INIT;
	json_t *arr;

	if (desk_sla_list(worker_desk(r->w), &r->actor, &r->arena, &pol, &tg, &e))
		return http_error(r, &e);
	arr = json_array();
	for (size_t i = 0; i < pol.count; i++)
		json_array_append_new(arr, view_sla_policy_json(ROWS_AT(&pol, struct sla_policy_row, i),
								&tg));
	return http_json(r, 200, json_pack("{s:o}", "policies", arr));
}

static int show_policy(struct hreq *r, int status, int64_t id)
{
	struct sla_policy_row p;
	struct rows tg;
	struct err e = ERR_INIT;

	if (desk_sla_get(worker_desk(r->w), &r->actor, &r->arena, ref_of(&r->arena, id), &p, &tg,
			 &e))
		return http_error(r, &e);
	return http_json(r, status, view_sla_policy_json(&p, &tg));
}

/*
 * An enum that may be null: absent stays DESK_SLA_KEEP when editing (else
 * -1), null is -1 (any, none), a name its value; 422 for another.
 */
static int nullable_enum(struct hreq *r, const char *key, bool editing,
			 int (*parse)(const char *), const char *names, int *out)
{
	json_t *v = json_object_get(r->body, key);

	*out = editing ? DESK_SLA_KEEP : -1;
	if (!v)
		return 0;
	if (json_is_null(v)) {
		*out = -1;
		return 0;
	}
	if (!json_is_string(v) || (*out = parse(json_string_value(v))) < 0)
		return http_problem(r, 422, "invalid", "field '%s' must be one of %s%s", key, names,
				    " or null"),
		       -1;
	return 0;
}

/* A string that may be null: null is "" (cleared) when editing. */
static int nullable_string(struct hreq *r, struct arena *a, const char *key, bool editing,
			   const char **out)
{
	bool present;

	if (input_nullable(r, a, key, out, &present) < 0)
		return -1;
	if (present && !*out && editing)
		*out = "";
	return 0;
}

static int boolean(struct hreq *r, const char *key, bool *present, bool *out)
{
	json_t *v = json_object_get(r->body, key);

	*present = v != NULL;
	*out = json_is_true(v);
	if (v && !json_is_boolean(v))
		return http_problem(r, 422, "invalid", "field '%s' must be true or false", key), -1;
	return 0;
}

/* A policy's fields from the body into in (see struct sla_policy_in). */
static int policy_in(struct hreq *r, struct arena *a, bool editing, struct sla_policy_in *in)
{
	static const char *const metrics[] = {"first_reply", "next_reply", "periodic_update",
					      "resolution"};
	int64_t warn = 0;

	if (input_string(r, a, "name", !editing, &in->name) < 0 ||
	    nullable_enum(r, "priority", editing, priority_parse, priority_names(), &in->priority) < 0 ||
	    nullable_enum(r, "channel", editing, channel_parse, channel_names(), &in->channel) < 0 ||
	    nullable_enum(r, "requester_role", editing, role_parse, role_names(),
			  &in->requester_role) < 0 ||
	    nullable_enum(r, "escalate_to", editing, priority_parse, priority_names(),
			  &in->escalate_to) < 0 ||
	    nullable_string(r, a, "group", editing, &in->group) < 0 ||
	    nullable_string(r, a, "organisation", editing, &in->organisation) < 0 ||
	    nullable_string(r, a, "tag", editing, &in->tag) < 0 ||
	    nullable_string(r, a, "calendar", editing, &in->calendar) < 0 ||
	    input_string(r, a, "pause", false, &in->pause) < 0 ||
	    input_string(r, a, "on_warn", false, &in->on_warn) < 0 ||
	    input_string(r, a, "on_breach", false, &in->on_breach) < 0 ||
	    boolean(r, "business", &in->business_given, &in->business) < 0)
		return -1;
	for (size_t k = 0; k < ARRAY_SIZE(metrics); k++) {
		if (nullable_string(r, a, metrics[k], true, &in->targets[k]) < 0)
			return -1;
		if (in->targets[k] && !*in->targets[k])
			in->targets[k] = "none";
	}
	if (json_object_get(r->body, "warn_percent")) {
		json_t *v = json_object_get(r->body, "warn_percent");
		warn = json_is_integer(v) ? json_integer_value(v) : 0;
		if (warn < 1 || warn > 99)
			return http_problem(r, 422, "invalid",
					    "field 'warn_percent' must be an integer from 1 to 99"),
			       -1;
		in->warn_percent = (int)warn;
	}
	if (!editing) {
		/* As the CLI: business time when a calendar is given, unless told otherwise. */
		if (!in->business_given)
			in->business = in->calendar != NULL;
		in->business_given = false;
	}
	return 0;
}

static const char *const policy_fields[] = {
	"name", "priority", "channel", "requester_role", "group", "organisation", "tag",
	"calendar", "first_reply", "next_reply", "periodic_update", "resolution", "business",
	"pause", "warn_percent", "escalate_to", "on_warn", "on_breach", "active", "position",
	NULL};

static enum err_code run_policy_add(struct desk *d, struct write_job *j, struct err *e)
{
	return desk_sla_add(d, &j->actor, j->in, &j->id, e);
}

static int done_policy_added(struct hreq *r, struct write_job *j)
{
	if (j->rc)
		return http_error(r, &j->err);
	return show_policy(r, 201, j->id);
}

static int done_policy(struct hreq *r, struct write_job *j)
{
	if (j->rc)
		return http_error(r, &j->err);
	return show_policy(r, 200, j->id);
}

int api_sla_policies_create(struct hreq *r)
{
	struct write_job *j = job_new(r, run_policy_add, done_policy_added);
	struct sla_policy_in *in = arena_zalloc(&j->arena, sizeof(*in));

	j->in = in;
	if (input_only(r, policy_fields) < 0 || policy_in(r, &j->arena, false, in) < 0)
		return refuse(j);
	if (json_object_get(r->body, "active") || json_object_get(r->body, "position")) {
		http_problem(r, 422, "invalid", "a new policy is active and tried last: 'active' "
			     "and 'position' are for PATCH");
		return refuse(j);
	}
	return job_submit(j);
}

struct policy_patch {
	int64_t id;
	struct sla_policy_in in;
	bool edit;           /* any field of in given */
	int active;          /* -1: unchanged */
	int64_t position;    /* 0: unchanged */
};

static enum err_code run_policy_patch(struct desk *d, struct write_job *j, struct err *e)
{
	struct policy_patch *p = j->in;
	const char *ref = ref_of(&j->arena, p->id);
	enum err_code rc = ERR_OK;

	j->id = p->id;
	/* Each step recomputes; an edit that fails leaves the later ones undone. */
	if (p->edit)
		rc = desk_sla_edit(d, &j->actor, ref, &p->in, &j->id, e);
	if (!rc && p->active >= 0)
		rc = desk_sla_set_active(d, &j->actor, ref, p->active != 0, &j->id, e);
	if (!rc && p->position)
		rc = desk_sla_move(d, &j->actor, ref, p->position, &j->id, e);
	return rc;
}

int api_sla_policy_patch(struct hreq *r)
{
	struct write_job *j = job_new(r, run_policy_patch, done_policy);
	struct policy_patch *p = arena_zalloc(&j->arena, sizeof(*p));
	bool has_active, active;
	size_t n = json_object_size(r->body);

	j->in = p;
	p->id = r->params[0];
	p->active = -1;
	if (input_only(r, policy_fields) < 0 || policy_in(r, &j->arena, true, &p->in) < 0 ||
	    boolean(r, "active", &has_active, &active) < 0 ||
	    input_id(r, "position", false, &p->position) < 0)
		return refuse(j);
	if (has_active) {
		p->active = active;
		n--;
	}
	if (p->position)
		n--;
	p->edit = n > 0;
	if (!json_object_size(r->body)) {
		http_problem(r, 422, "invalid", "nothing to change");
		return refuse(j);
	}
	return job_submit(j);
}

static enum err_code run_policy_delete(struct desk *d, struct write_job *j, struct err *e)
{
	int64_t *id = j->in;
	return desk_sla_set_active(d, &j->actor, ref_of(&j->arena, *id), false, &j->id, e);
}

int api_sla_policy_delete(struct hreq *r)
{
	struct write_job *j = job_new(r, run_policy_delete, done_policy);
	int64_t *id = arena_zalloc(&j->arena, sizeof(*id));

	*id = r->params[0];
	j->in = id;
	return job_submit(j);
}

/* --- calendars --------------------------------------------------------------- */

int api_calendars_list(struct hreq *r)
{
	struct rows rows;
	struct err e = ERR_INIT;
	json_t *arr;

	if (desk_calendar_list(worker_desk(r->w), &r->actor, &r->arena, &rows, &e))
		return http_error(r, &e);
	arr = json_array();
	for (size_t i = 0; i < rows.count; i++)
		json_array_append_new(arr, view_calendar_json(ROWS_AT(&rows, struct calendar_row, i)));
	return http_json(r, 200, json_pack("{s:o}", "calendars", arr));
}

static int show_calendar(struct hreq *r, int status, int64_t id)
{
	struct calendar_row c;
	struct err e = ERR_INIT;

	if (desk_calendar_get(worker_desk(r->w), &r->actor, &r->arena, ref_of(&r->arena, id), &c,
			      &e))
		return http_error(r, &e);
	return http_json(r, status, view_calendar_json(&c));
}

struct calendar_job {
	struct calendar_in in;
	bool set_holidays;
	int64_t id;
};

static const char *const calendar_fields[] = {"name", "zone", "hours", "holidays", NULL};

static int calendar_input(struct hreq *r, struct write_job *j, bool adding, struct calendar_job *c)
{
	const char **hol;

	if (input_only(r, calendar_fields) < 0 ||
	    input_string(r, &j->arena, "name", adding, &c->in.name) < 0 ||
	    input_string(r, &j->arena, "zone", adding, &c->in.zone) < 0 ||
	    input_string(r, &j->arena, "hours", adding, &c->in.hours) < 0 ||
	    input_strings(r, &j->arena, "holidays", CALENDAR_HOLIDAYS_MAX, &hol, &c->in.nholidays) < 0)
		return -1;
	c->in.holidays = hol;
	c->set_holidays = json_object_get(r->body, "holidays") != NULL;
	if (!adding && !json_object_size(r->body))
		return http_problem(r, 422, "invalid", "nothing to change"), -1;
	return 0;
}

static enum err_code run_calendar_add(struct desk *d, struct write_job *j, struct err *e)
{
	struct calendar_job *c = j->in;
	return desk_calendar_add(d, &j->actor, &c->in, &j->id, e);
}

static int done_calendar_added(struct hreq *r, struct write_job *j)
{
	if (j->rc)
		return http_error(r, &j->err);
	return show_calendar(r, 201, j->id);
}

static int done_calendar(struct hreq *r, struct write_job *j)
{
	if (j->rc)
		return http_error(r, &j->err);
	return show_calendar(r, 200, j->id);
}

int api_calendars_create(struct hreq *r)
{
	struct write_job *j = job_new(r, run_calendar_add, done_calendar_added);
	struct calendar_job *c = arena_zalloc(&j->arena, sizeof(*c));

	j->in = c;
	if (calendar_input(r, j, true, c) < 0)
		return refuse(j);
	return job_submit(j);
}

static enum err_code run_calendar_edit(struct desk *d, struct write_job *j, struct err *e)
{
	struct calendar_job *c = j->in;
	struct calendar_row row;

	j->id = c->id;
	return desk_calendar_edit(d, &j->actor, ref_of(&j->arena, c->id), &c->in, c->set_holidays,
				  &row, &j->arena, e);
}

int api_calendar_patch(struct hreq *r)
{
	struct write_job *j = job_new(r, run_calendar_edit, done_calendar);
	struct calendar_job *c = arena_zalloc(&j->arena, sizeof(*c));

	j->in = c;
	c->id = r->params[0];
	if (calendar_input(r, j, false, c) < 0)
		return refuse(j);
	return job_submit(j);
}

/* --- the first-response report ------------------------------------------------ */

int api_report_first_response(struct hreq *r)
{
	struct rows lines;
	struct err e = ERR_INIT;
	int64_t from = 0, to = 0;
	int by = REPORT_BY_NONE;

	if (!hreq_query(r, "from") || !hreq_query(r, "to"))
		return http_problem(r, 400, "invalid_parameter",
				    "query parameters 'from' and 'to' are required (ISO 8601)");
	if (query_time(r, "from", &from) < 0 || query_time(r, "to", &to) < 0 ||
	    query_enum(r, "by", report_by_parse, "group, agent, priority, channel", &by) < 0)
		return 0;
	if (by < 0)
		by = REPORT_BY_NONE;
	if (desk_report_first_response(worker_desk(r->w), &r->actor, &r->arena, from, to,
				       (enum report_by)by, &lines, &e))
		return http_error(r, &e);
	return http_json(r, 200, view_report_json(&lines, from, to, (enum report_by)by));
}
