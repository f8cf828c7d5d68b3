/*
 * sla.c - calendars and SLA policies, and applying them: after every
 * change to a ticket its clocks are recomputed from its events
 * (rules/sla), stored, and its warning and breach timers armed as jobs.
 */
#include "util/common.h"
#include "desk/desk_private.h"
#include "rules/sla.h"
#include "util/str.h"
#include "util/time.h"
#include "util/xalloc.h"

#include <jansson.h>

/* A parked timer (its clock is paused) waits here until a change moves it. */
#define PARKED_AT CALENDAR_MAX_MS
#define RECOMPUTE_BATCH 1000 /* tickets per transaction: ~0.1 s of the write lock */

static enum err_code recompute(struct desk *d, bool all, int64_t *count, struct err *e);

/* --- calendars, cached per desk connection by id and version ----------------- */

struct desk_calendars {
	size_t n, cap;
	int64_t *ids;
	int64_t *versions;
	struct calendar **cals; /* each its own allocation: a pointer handed out stays */
};

void desk_calendars_free(struct desk_calendars *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		calendar_release(c->cals[i]);
		free(c->cals[i]);
	}
	free(c->ids);
	free(c->versions);
	free(c->cals);
	free(c);
}

/* Fills h from "YYYY-MM-DD" or "YYYY-MM-DD HH:MM-HH:MM". */
static enum err_code parse_holiday(const char *s, struct calendar_holiday *h, struct err *e)
{
	int y, mo, d, sh, sm, eh, em, used = 0;

	memset(h, 0, sizeof(*h));
	if (sscanf(s, "%4d-%2d-%2d %2d:%2d-%2d:%2d%n", &y, &mo, &d, &sh, &sm, &eh, &em, &used) ==
		    7 &&
	    (size_t)used == strlen(s)) {
		h->start = sh * 60 + sm;
		h->end = eh * 60 + em;
		if (sm > 59 || em > 59 || h->start >= h->end)
			return err_set(e, ERR_INVALID, "holiday '%s': the closed hours must be "
				       "HH:MM-HH:MM, start before end", s);
	} else if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3 || (size_t)used != strlen(s)) {
		return err_set(e, ERR_INVALID, "holiday '%s' is not YYYY-MM-DD or YYYY-MM-DD "
			       "HH:MM-HH:MM", s);
	}
	h->year = y;
	h->month = mo;
	h->day = d;
	return ERR_OK;
}

/* Builds a calendar from its row and holidays. */
static enum err_code build_calendar(struct desk *d, const struct calendar_row *row,
				    struct calendar *out, struct err *e)
{
	struct arena a;
	struct calendar_week w;
	struct rows hol;
	struct calendar_holiday *h = NULL;
	enum err_code rc;

	arena_init(&a);
	if ((rc = calendar_week_parse(&w, row->hours, e)) ||
	    (rc = repo_calendar_holidays(desk_db(d), &a, row->id, &hol, e)))
		goto out;
	h = arena_array(&a, hol.count ? hol.count : 1, sizeof(*h));
	for (size_t i = 0; i < hol.count; i++) {
		struct holiday_row *r = ROWS_AT(&hol, struct holiday_row, i);
		h[i] = (struct calendar_holiday){r->year, r->month, r->day, r->start, r->end};
	}
	rc = calendar_init(out, row->zone, &w, h, hol.count, e);
out:
	arena_release(&a);
	return rc;
}

/*
 * The calendar with this id and version (0: the one named "default", or
 * NULL when none; version 0: read it), built again when it changed.
 */
static enum err_code calendar_of(struct desk *d, int64_t id, int64_t version,
				 const struct calendar **out, struct err *e)
{
	struct desk_calendars *c;
	struct calendar_row row = {0};
	struct calendar built;
	struct arena a;
	size_t i;
	enum err_code rc = ERR_OK;

	*out = NULL;
	if (!d->calendars)
		d->calendars = xcalloc(1, sizeof(*d->calendars));
	c = d->calendars;
	arena_init(&a);
	if (id == 0 || version == 0) {
		rc = id ? repo_calendar_get(desk_db(d), &a, id, &row, e)
			: repo_calendar_by_name(desk_db(d), &a, "default", &row, e);
		if (rc == ERR_NOT_FOUND && id == 0) {
			err_clear(e);
			rc = ERR_OK;
			goto out;
		}
		if (rc)
			goto out;
		id = row.id;
		version = row.version;
	}
	for (i = 0; i < c->n && c->ids[i] != id; i++)
		;
	if (i < c->n && c->versions[i] == version) {
		*out = c->cals[i];
		goto out;
	}
	if (!row.id && (rc = repo_calendar_get(desk_db(d), &a, id, &row, e)))
		goto out;
	if ((rc = build_calendar(d, &row, &built, e)))
		goto out;
	if (i == c->n) {
		if (c->n == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 4;
			c->ids = xrealloc(c->ids, c->cap * sizeof(*c->ids));
			c->versions = xrealloc(c->versions, c->cap * sizeof(*c->versions));
			c->cals = xrealloc(c->cals, c->cap * sizeof(*c->cals));
		}
		c->cals[c->n++] = xcalloc(1, sizeof(struct calendar));
	} else {
		calendar_release(c->cals[i]); /* changed since it was built */
	}
	c->ids[i] = id;
	c->versions[i] = row.version;
	*c->cals[i] = built;
	*out = c->cals[i];
out:
	arena_release(&a);
	return rc;
}

enum err_code desk_sla_calendar(struct desk *d, int64_t id, int64_t version,
				const struct calendar **out, struct err *e)
{
	return calendar_of(d, id, version, out, e);
}

enum err_code desk_sla_default_calendar(struct desk *d, struct arena *a, int64_t *id,
					int64_t *version, struct err *e)
{
	struct calendar_row row;
	enum err_code rc = repo_calendar_by_name(desk_db(d), a, "default", &row, e);

	*id = *version = 0;
	if (rc == ERR_NOT_FOUND) {
		err_clear(e);
		return ERR_OK;
	}
	if (!rc) {
		*id = row.id;
		*version = row.version;
	}
	return rc;
}

static char *norm(struct arena *a, const char *name)
{
	size_t len;
	const char *s = str_trim(name, &len);
	return str_lower_ascii(arena_strndup(a, s, len));
}

/* Checks a zone, hours and holidays by building the calendar once; h: the holidays parsed. */
static enum err_code check_calendar(struct arena *a, const char *zone, const char *hours,
				    const char *const *holidays, size_t n,
				    struct calendar_holiday **h, struct err *e)
{
	struct calendar_week w;
	struct calendar cal;
	enum err_code rc;

	if (n > DESK_HOLIDAYS_MAX)
		return err_set(e, ERR_INVALID, "%zu holidays; the limit is %d", n, DESK_HOLIDAYS_MAX);
	if ((rc = calendar_week_parse(&w, hours, e)))
		return rc;
	*h = arena_array(a, n ? n : 1, sizeof(**h));
	for (size_t i = 0; i < n; i++)
		if ((rc = parse_holiday(holidays[i], &(*h)[i], e)))
			return rc;
	if ((rc = calendar_init(&cal, zone, &w, *h, n, e)))
		return rc;
	calendar_release(&cal);
	return ERR_OK;
}

static enum err_code put_holidays(struct desk *d, int64_t id, const struct calendar_holiday *h,
				  size_t n, struct err *e)
{
	enum err_code rc = ERR_OK;

	for (size_t i = 0; !rc && i < n; i++) {
		struct holiday_row r = {h[i].year, h[i].month, h[i].day, h[i].start, h[i].end};
		rc = repo_calendar_holiday_add(desk_db(d), id, &r, e);
	}
	return rc;
}

enum err_code desk_calendar_add(struct desk *d, const struct actor *who,
				const struct calendar_in *in, int64_t *id, struct err *e)
{
	struct arena a;
	struct calendar_holiday *h = NULL;
	int64_t now = time_now_ms();
	enum err_code rc;

	if ((rc = desk_require(who, ACT_SLA_MANAGE, e)) ||
	    (rc = desk_check_text("calendar name", in->name, DESK_NAME_MAX, false, e)))
		return rc;
	if (!in->zone || !in->hours)
		return err_set(e, ERR_INVALID, "a calendar needs a zone and hours");
	arena_init(&a);
	if ((rc = check_calendar(&a, in->zone, in->hours, in->holidays, in->nholidays, &h, e)) ||
	    (rc = db_begin(desk_db(d), e)))
		goto out;
	rc = repo_calendar_insert(desk_db(d), in->name, norm(&a, in->name), in->zone, in->hours,
				  now, id, e);
	if (rc == ERR_CONFLICT)
		rc = err_set(e, ERR_CONFLICT, "a calendar named '%s' exists", in->name);
	if (!rc)
		rc = put_holidays(d, *id, h, in->nholidays, e);
	if (rc || (rc = db_commit(desk_db(d), e)))
		db_rollback(desk_db(d));
out:
	arena_release(&a);
	return rc;
}

/* The calendar named ref ("#ID", "ID" or its name), in the caller's transaction. */
static enum err_code find_calendar(struct desk *d, struct arena *a, const char *ref,
				   struct calendar_row *out, struct err *e)
{
	const char *key = ref && *ref == '#' ? ref + 1 : ref;
	int64_t id;
	enum err_code rc;

	if (!ref || !*ref)
		return err_set(e, ERR_INVALID, "which calendar? give its name or #ID");
	rc = repo_calendar_by_name(desk_db(d), a, norm(a, ref), out, e);
	if (rc == ERR_NOT_FOUND && str_parse_int64(key, 1, INT64_MAX, &id) == 0) {
		err_clear(e);
		rc = repo_calendar_get(desk_db(d), a, id, out, e);
	}
	if (rc == ERR_NOT_FOUND)
		rc = err_set(e, ERR_NOT_FOUND, "no calendar '%s'", ref);
	return rc;
}

enum err_code desk_calendar_get(struct desk *d, const struct actor *who, struct arena *a,
				const char *ref, struct calendar_row *out, struct err *e)
{
	enum err_code rc;

	if ((rc = desk_require(who, ACT_REPORTS, e)) || (rc = db_begin_read(desk_db(d), e)))
		return rc;
	return desk_read_end(d, find_calendar(d, a, ref, out, e), e);
}

enum err_code desk_calendar_edit(struct desk *d, const struct actor *who, const char *ref,
				 const struct calendar_in *in, bool set_holidays,
				 struct calendar_row *out, struct arena *a, struct err *e)
{
	struct calendar_row c;
	struct calendar_holiday *h = NULL;
	const char **old = NULL;
	const char *const *hol = in->holidays;
	size_t nhol = in->nholidays;
	int64_t n;
	enum err_code rc;

	if ((rc = desk_require(who, ACT_SLA_MANAGE, e)) ||
	    (in->name && (rc = desk_check_text("calendar name", in->name, DESK_NAME_MAX, false, e))))
		return rc;
	if ((rc = db_begin(desk_db(d), e)))
		return rc;
	if ((rc = find_calendar(d, a, ref, &c, e)))
		goto fail;
	if (!set_holidays) {
		/* The old ones, checked again with the new zone and hours. */
		struct rows rows;
		if ((rc = repo_calendar_holidays(desk_db(d), a, c.id, &rows, e)))
			goto fail;
		old = arena_array(a, rows.count ? rows.count : 1, sizeof(*old));
		for (size_t i = 0; i < rows.count; i++) {
			struct holiday_row *r = ROWS_AT(&rows, struct holiday_row, i);
			old[i] = r->start || r->end
					 ? arena_printf(a, "%04d-%02d-%02d %02d:%02d-%02d:%02d", r->year,
							r->month, r->day, r->start / 60, r->start % 60,
							r->end / 60, r->end % 60)
					 : arena_printf(a, "%04d-%02d-%02d", r->year, r->month, r->day);
		}
		hol = old;
		nhol = rows.count;
	}
	if (in->name)
		c.name = in->name;
	if (in->zone)
		c.zone = in->zone;
	if (in->hours)
		c.hours = in->hours;
	if ((rc = check_calendar(a, c.zone, c.hours, hol, nhol, &h, e)))
		goto fail;
	rc = repo_calendar_update(desk_db(d), c.id, c.name, norm(a, c.name), c.zone, c.hours, e);
	if (rc == ERR_CONFLICT)
		rc = err_set(e, ERR_CONFLICT, "a calendar named '%s' exists", c.name);
	if (rc)
		goto fail;
	if (set_holidays && ((rc = repo_calendar_holidays_clear(desk_db(d), c.id, e)) ||
			     (rc = put_holidays(d, c.id, h, nhol, e))))
		goto fail;
	if ((rc = repo_calendar_get(desk_db(d), a, c.id, out, e)) ||
	    (rc = db_commit(desk_db(d), e)))
		goto fail;
	/* Its version moved: every connection builds it again; the clocks follow. */
	return recompute(d, false, &n, e);
fail:
	db_rollback(desk_db(d));
	return rc;
}

enum err_code desk_calendar_list(struct desk *d, const struct actor *who, struct arena *a,
				 struct rows *out, struct err *e)
{
	enum err_code rc;

	rows_init(out, sizeof(struct calendar_row));
	if ((rc = desk_require(who, ACT_REPORTS, e)) || (rc = db_begin_read(desk_db(d), e)))
		return rc;
	return desk_read_end(d, repo_calendar_list(desk_db(d), a, out, e), e);
}

/* --- policies ------------------------------------------------------------- */

/* The active policies, parsed: conditions and targets by metric and priority. */
struct loaded {
	size_t n;
	struct sla_policy_row *rows;
	struct sla_conditions *cond;
	struct sla_target (*targets)[SLA_METRIC__COUNT][PRIORITY__COUNT];
	unsigned *pause_resolution;
	unsigned *on_warn, *on_breach; /* SLA_ACT_* */
	bool need_requester, need_tags; /* some policy looks at them */
	int64_t default_id, default_version; /* the calendar named "default"; 0: none */
	bool no_clocks;                 /* no ticket has a clock: none to compare or drop */
};

/* Conditions JSON into c (tag in the arena); unknown keys are ignored. */
static void parse_conditions(struct arena *a, const char *text, struct sla_conditions *c)
{
	json_t *j = json_loads(text ? text : "{}", 0, NULL), *v;

	*c = (struct sla_conditions){.priority = -1, .channel = -1, .requester_role = -1};
	if (!j)
		return;
	if ((v = json_object_get(j, "priority")) && json_is_string(v))
		c->priority = priority_parse(json_string_value(v));
	if ((v = json_object_get(j, "channel")) && json_is_string(v))
		c->channel = channel_parse(json_string_value(v));
	if ((v = json_object_get(j, "requester_role")) && json_is_string(v))
		c->requester_role = role_parse(json_string_value(v));
	if ((v = json_object_get(j, "group_id")) && json_is_integer(v))
		c->group_id = json_integer_value(v);
	if ((v = json_object_get(j, "organisation_id")) && json_is_integer(v))
		c->organisation_id = json_integer_value(v);
	if ((v = json_object_get(j, "tag")) && json_is_string(v))
		c->tag = arena_strdup(a, json_string_value(v));
	json_decref(j);
}

static enum err_code load_policies(struct desk *d, struct arena *a, struct loaded *L,
				   struct err *e)
{
	struct rows pol, tg;
	enum err_code rc;

	memset(L, 0, sizeof(*L));
	if ((rc = desk_sla_default_calendar(d, a, &L->default_id, &L->default_version, e)) ||
	    (rc = repo_sla_policy_list(desk_db(d), a, true, &pol, e)))
		return rc;
	L->n = pol.count;
	if (!L->n)
		return ERR_OK;
	if ((rc = repo_sla_target_list(desk_db(d), a, &tg, e)))
		return rc;
	L->rows = pol.items;
	L->cond = arena_array(a, L->n, sizeof(*L->cond));
	L->targets = arena_array(a, L->n, sizeof(*L->targets));
	L->pause_resolution = arena_array(a, L->n, sizeof(*L->pause_resolution));
	L->on_warn = arena_array(a, L->n, sizeof(*L->on_warn));
	L->on_breach = arena_array(a, L->n, sizeof(*L->on_breach));
	for (size_t i = 0; i < L->n; i++) {
		struct err ignore = ERR_INIT;
		if (sla_actions_parse(L->rows[i].on_warn, false, &L->on_warn[i], &ignore))
			L->on_warn[i] = SLA_ACT_NOTIFY;
		if (sla_actions_parse(L->rows[i].on_breach, true, &L->on_breach[i], &ignore))
			L->on_breach[i] = SLA_ACT_NOTIFY;
		parse_conditions(a, L->rows[i].conditions, &L->cond[i]);
		L->need_requester |= L->cond[i].requester_role >= 0;
		L->need_tags |= L->cond[i].tag != NULL;
		memset(L->targets[i], 0, sizeof(L->targets[i]));
		if (sla_pause_parse(L->rows[i].pause, &L->pause_resolution[i], &ignore))
			L->pause_resolution[i] = SLA_STATUS_BIT(STATUS_PENDING) |
						 SLA_STATUS_BIT(STATUS_ON_HOLD);
	}
	for (size_t k = 0; k < tg.count; k++) {
		struct sla_target_row *t = ROWS_AT(&tg, struct sla_target_row, k);
		int m = sla_metric_parse(t->metric);
		for (size_t i = 0; m >= 0 && i < L->n; i++)
			if (L->rows[i].id == t->policy_id)
				L->targets[i][m][t->priority] = (struct sla_target){t->minutes,
										     t->business};
	}
	return ERR_OK;
}

/* A ticket's history as the clock engine reads it. */
static enum err_code load_input(struct desk *d, struct arena *a, const struct ticket_row *t,
				struct sla_input *in, struct err *e)
{
	struct rows facts, msgs;
	struct sla_event *ev;
	size_t n = 0;
	bool prio_seen = false;
	enum err_code rc;

	if ((rc = repo_sla_facts(desk_db(d), a, t->id, &facts, e)) ||
	    (rc = repo_message_roles(desk_db(d), a, t->id, &msgs, e)))
		return rc;
	in->created_at = t->created_at;
	in->priority = t->priority;
	in->opened_by_agent = t->opened_by_agent;
	ev = arena_array(a, facts.count ? facts.count : 1, sizeof(*ev));
	for (size_t i = 0; i < facts.count; i++) {
		struct sla_fact_row *f = ROWS_AT(&facts, struct sla_fact_row, i);
		struct sla_event *x = &ev[n];
		x->at = f->at;
		if (strcmp(f->kind, "ticket.created") == 0) {
			in->created_at = f->at; /* the event is the history */
			continue;
		}
		if (strcmp(f->kind, "field.status") == 0) {
			int s = status_parse(f->new_value);
			if (s < 0)
				continue;
			x->kind = SLA_EV_STATUS;
			x->value = s;
		} else if (strcmp(f->kind, "field.priority") == 0) {
			int p = priority_parse(f->new_value), old = priority_parse(f->old_value);
			if (p < 0)
				continue;
			if (!prio_seen && old >= 0)
				in->priority = (enum priority)old; /* what it was created with */
			prio_seen = true;
			x->kind = SLA_EV_PRIORITY;
			x->value = p;
		} else {
			/* A public message: whose? Messages merged away are looked up by id. */
			int role = -1;
			for (size_t k = 0; k < msgs.count; k++) {
				struct message_role *m = ROWS_AT(&msgs, struct message_role, k);
				if (m->id == f->message_id) {
					role = (int)m->role;
					break;
				}
			}
			if (role < 0 && f->message_id &&
			    (rc = repo_message_role(desk_db(d), f->message_id, &role, e)))
				return rc;
			if (role < 0)
				continue;
			x->kind = role_answers_customers((enum role)role) ? SLA_EV_AGENT_REPLY
									  : SLA_EV_CUSTOMER_MESSAGE;
		}
		n++;
	}
	in->events = ev;
	in->nevents = n;
	return ERR_OK;
}

/* The policy for the ticket as it is now; -1: none. */
static enum err_code match(struct desk *d, struct arena *a, const struct loaded *L,
			   const struct ticket_row *t, int *idx, struct err *e)
{
	struct sla_ticket_facts f = {.priority = t->priority, .group_id = t->group_id,
				     .organisation_id = t->organisation_id, .channel = t->channel,
				     .requester_role = ROLE_CUSTOMER};
	struct user_row req;
	struct rows tags;
	enum err_code rc;

	*idx = -1;
	if (!L->n)
		return ERR_OK;
	/* Only what some policy's conditions read: two queries fewer per ticket otherwise. */
	if (L->need_requester) {
		if ((rc = repo_user_get(desk_db(d), a, t->requester_id, &req, e)))
			return rc;
		f.requester_role = req.role;
	}
	if (L->need_tags) {
		if ((rc = repo_tags_get(desk_db(d), a, t->id, &tags, e)))
			return rc;
		f.tags = tags.items;
		f.ntags = tags.count;
	}
	*idx = sla_policy_match(L->cond, L->n, &f);
	return ERR_OK;
}

/* The ticket's state at now under the policy that applies; *pidx -1: none. */
static enum err_code compute(struct desk *d, struct arena *a, const struct loaded *L,
			     const struct ticket_row *t, int64_t now, int *pidx,
			     struct sla_state *out, struct err *e)
{
	struct sla_input in;
	enum err_code rc;

	sla_input_defaults(&in);
	if ((rc = match(d, a, L, t, pidx, e)) || (rc = load_input(d, a, t, &in, e)))
		return rc;
	if (*pidx >= 0) {
		memcpy(in.targets, L->targets[*pidx], sizeof(in.targets));
		in.pause[SLA_RESOLUTION] = L->pause_resolution[*pidx];
		in.warn_percent = L->rows[*pidx].warn_percent;
		if (L->rows[*pidx].calendar_id &&
		    (rc = calendar_of(d, L->rows[*pidx].calendar_id,
				      L->rows[*pidx].calendar_version, &in.calendar, e)))
			return rc;
	}
	sla_compute(&in, now, out);
	return ERR_OK;
}

static int64_t or_zero(int64_t t)
{
	return t == SLA_NEVER ? 0 : t;
}

/* The key of a timer: one per ticket, metric, cycle and kind. */
static void timer_key(char *buf, size_t n, int64_t id, enum sla_metric m, int64_t cycle,
		      const char *kind)
{
	snprintf(buf, n, "sla:%" PRId64 ":%s:%" PRId64 ":%s", id, sla_metric_name(m), cycle, kind);
}

static enum err_code arm(struct desk *d, int64_t id, enum sla_metric m,
			 const struct sla_clock *c, const char *kind, int64_t at, struct err *e)
{
	char key[128], payload[160];
	struct job_new j = {.kind = DESK_JOB_SLA_TIMER, .ticket_id = id};

	timer_key(key, sizeof(key), id, m, c->started_at, kind);
	snprintf(payload, sizeof(payload),
		 "{\"cycle\":%" PRId64 ",\"kind\":\"%s\",\"metric\":\"%s\"}", c->started_at, kind,
		 sla_metric_name(m));
	j.dedupe_key = key;
	j.payload = payload;
	j.run_at = at == SLA_NEVER || at > PARKED_AT ? PARKED_AT : at;
	return desk_job_add(d, &j, NULL, e);
}

/* The clocks of a state as rows (policy 0: none); returns how many. */
static size_t clock_rows(int64_t ticket_id, int64_t policy, const struct sla_state *s,
			 struct sla_clock_row rows[SLA_METRIC__COUNT])
{
	size_t n = 0;

	for (int k = 0; policy && k < SLA_METRIC__COUNT; k++) {
		const struct sla_clock *c = &s->clock[k];
		if (!c->present)
			continue;
		rows[n++] = (struct sla_clock_row){
			.ticket_id = ticket_id,
			.metric = sla_metric_name((enum sla_metric)k),
			.policy_id = policy,
			.business = c->business,
			.target_ms = c->target_ms,
			.started_at = c->started_at,
			.due_at = or_zero(c->due_at),
			.warn_at = or_zero(c->warn_at),
			.paused_ms = c->paused_ms,
			.paused_since = c->paused_since,
			.achieved_at = c->achieved_at,
			.ended_at = c->ended_at,
			.breached_at = c->breached_at,
			.cycles = c->cycles,
			.breaches = c->breaches,
		};
	}
	return n;
}

/*
 * What the first-response report reads of the ticket (report.c): how its
 * first_reply clock counts, and its first reply's wait in business time
 * on the calendar the report measures it on (the policy's, else the one
 * named "default", else calendar time), measured again only when that
 * calendar is not the one it was measured on.
 */
static enum err_code first_reply_cols(struct desk *d, const struct loaded *L, int pidx,
				      const struct ticket_row *t, const struct sla_state *s,
				      struct ticket_sla_cols *c, struct err *e)
{
	const struct sla_clock *k = &s->clock[SLA_FIRST_REPLY];
	const struct calendar *cal = NULL;
	int64_t id = L->default_id, version = L->default_version;
	enum err_code rc;

	c->fr_sla = FR_SLA_NONE;
	if (pidx >= 0 && k->present) {
		c->fr_sla = k->breached_at ? FR_SLA_BREACHED
			    : k->achieved_at ? FR_SLA_MET : FR_SLA_RUNNING;
		c->fr_sla_due_at = or_zero(k->due_at);
	}
	c->fr_business_ms = -1;
	if (!t->fr_at)
		return ERR_OK;
	if (pidx >= 0 && L->rows[pidx].calendar_id) {
		id = L->rows[pidx].calendar_id;
		version = L->rows[pidx].calendar_version;
	}
	c->fr_calendar_id = id;
	c->fr_calendar_version = version;
	if (t->fr_business_ms >= 0 && t->fr_calendar_id == id && t->fr_calendar_version == version) {
		c->fr_business_ms = t->fr_business_ms;
		return ERR_OK;
	}
	if (id && (rc = calendar_of(d, id, version, &cal, e)))
		return rc;
	c->fr_business_ms = cal ? calendar_business_ms(cal, t->created_at, t->fr_at)
				: t->fr_at - t->created_at;
	return ERR_OK;
}

/* Stores a computed state: clocks, the ticket's columns, the timers. */
static enum err_code store_state(struct desk *d, const struct loaded *L, int pidx,
				 const struct ticket_row *t, const struct sla_state *s,
				 struct err *e)
{
	struct sla_clock_row rows[SLA_METRIC__COUNT];
	int64_t policy = pidx >= 0 ? L->rows[pidx].id : 0;
	size_t n = clock_rows(t->id, policy, s, rows);
	struct ticket_sla_cols cols = {.policy_id = policy, .due_at = or_zero(s->next_due_at),
				       .sort_key = sla_sort_key(s)};
	enum err_code rc;

	if ((rc = first_reply_cols(d, L, pidx, t, s, &cols, e)) ||
	    (!L->no_clocks && (rc = repo_sla_clocks_put(desk_db(d), t->id, rows, n, e))) ||
	    (rc = repo_ticket_sla_set(desk_db(d), t->id, &cols, e)))
		return rc;
	for (int k = 0; policy && k < SLA_METRIC__COUNT; k++) {
		const struct sla_clock *c = &s->clock[k];
		if (!c->present || !c->running)
			continue;
		/* A breach that happened makes its warning moot. */
		if (!c->breached_at && (rc = arm(d, t->id, (enum sla_metric)k, c, "warn",
						 c->warn_at, e)))
			return rc;
		if ((rc = arm(d, t->id, (enum sla_metric)k, c, "breach", c->due_at, e)))
			return rc;
	}
	return ERR_OK;
}

static enum err_code apply_row(struct desk *d, struct arena *a, const struct loaded *L,
			       const struct ticket_row *t, int64_t now, struct err *e)
{
	struct sla_state s;
	int pidx;
	enum err_code rc;

	if ((rc = compute(d, a, L, t, now, &pidx, &s, e)))
		return rc;
	return store_state(d, L, pidx, t, &s, e);
}

static enum err_code apply(struct desk *d, struct arena *a, const struct loaded *L, int64_t id,
			   int64_t now, struct err *e)
{
	struct ticket_row t;
	enum err_code rc;

	if ((rc = repo_ticket_get(desk_db(d), a, id, &t, e)))
		return rc;
	return apply_row(d, a, L, &t, now, e);
}

/*
 * Whether the desk keeps no SLA (no active policy, no clock): a ticket's
 * SLA is then its queue key alone. Read once per transaction in a bulk
 * load, where nothing edits policies meanwhile; else every time.
 */
static enum err_code sla_none(struct desk *d, bool *none, struct err *e)
{
	uint64_t txn = db_txn_seq(desk_db(d));
	enum err_code rc;

	if (d->bulk && txn && d->sla_none_txn == txn) {
		*none = d->sla_none;
		return ERR_OK;
	}
	if ((rc = repo_sla_none(desk_db(d), none, e)))
		return rc;
	d->sla_none = *none;
	d->sla_none_txn = d->bulk ? txn : 0;
	return ERR_OK;
}

enum err_code desk_sla_apply(struct desk *d, int64_t id, int64_t now, struct err *e)
{
	struct arena a;
	struct loaded L = {0};
	bool none = false;
	enum err_code rc;

	arena_init(&a);
	if (!(rc = sla_none(d, &none, e)) && !none)
		rc = load_policies(d, &a, &L, e);
	L.no_clocks = none;
	if (!rc)
		rc = apply(d, &a, &L, id, now, e);
	arena_release(&a);
	return rc;
}

enum err_code desk_sla_first_key(struct desk *d, struct ticket_row *t, enum role author,
				 bool *done, struct err *e)
{
	struct sla_input in;
	struct sla_event ev = {.at = t->created_at};
	struct sla_state s;
	bool none;
	enum err_code rc;

	*done = false;
	if ((rc = sla_none(d, &none, e)) || !none)
		return rc;
	/* What load_input reads back after the creation: its one public message. */
	sla_input_defaults(&in);
	in.created_at = t->created_at;
	in.priority = t->priority;
	in.opened_by_agent = t->opened_by_agent;
	ev.kind = role_answers_customers(author) ? SLA_EV_AGENT_REPLY : SLA_EV_CUSTOMER_MESSAGE;
	in.events = &ev;
	in.nevents = 1;
	sla_compute(&in, t->created_at, &s);
	t->sla_due_at = or_zero(s.next_due_at);
	t->sla_sort_key = sla_sort_key(&s);
	*done = true;
	return ERR_OK;
}

/* Recomputes tickets (not closed ones unless all) in batches, each its own transaction. */
static enum err_code recompute(struct desk *d, bool all, int64_t *count, struct err *e)
{
	int64_t after = 0, now = time_now_ms();
	enum err_code rc = ERR_OK;

	*count = 0;
	for (;;) {
		struct arena a;
		struct loaded L;
		struct rows ids;

		arena_init(&a);
		if ((rc = db_begin(desk_db(d), e))) {
			arena_release(&a);
			return rc;
		}
		rc = repo_ticket_range(desk_db(d), &a, after, RECOMPUTE_BATCH, &ids, e);
		if (!rc)
			rc = load_policies(d, &a, &L, e);
		for (size_t i = 0; !rc && i < ids.count; i++) {
			const struct ticket_row *t = ROWS_AT(&ids, struct ticket_row, i);
			after = t->id;
			if (!all && t->status == STATUS_CLOSED)
				continue;
			rc = apply_row(d, &a, &L, t, now, e);
			(*count)++;
		}
		if (rc || (rc = db_commit(desk_db(d), e))) {
			db_rollback(desk_db(d));
			arena_release(&a);
			return rc;
		}
		size_t got = ids.count;
		arena_release(&a);
		if (got < RECOMPUTE_BATCH)
			return ERR_OK;
	}
}

enum err_code desk_sla_recompute_all(struct desk *d, const struct actor *who, int64_t *count,
				     struct err *e)
{
	enum err_code rc = desk_require(who, ACT_SLA_MANAGE, e);
	*count = 0;
	return rc ? rc : recompute(d, true, count, e);
}

/* A policy as it will be written: its row and its targets. */
struct draft {
	struct sla_policy_row p;
	int minutes[SLA_METRIC__COUNT][PRIORITY__COUNT];
	bool business[SLA_METRIC__COUNT][PRIORITY__COUNT];
};

/* Sets or (value NULL) removes a condition; takes value. */
static void cond_set(json_t *cond, const char *key, json_t *value)
{
	if (value)
		json_object_set_new(cond, key, value);
	else
		json_object_del(cond, key);
}

/* Applies in's conditions to cond (see struct sla_policy_in: keep, clear, set). */
static enum err_code apply_conditions(struct desk *d, struct arena *a,
				      const struct sla_policy_in *in, json_t *cond, struct err *e)
{
	enum err_code rc;

	if (in->priority != DESK_SLA_KEEP)
		cond_set(cond, "priority", in->priority >= 0
			 ? json_string(priority_name((enum priority)in->priority)) : NULL);
	if (in->channel != DESK_SLA_KEEP)
		cond_set(cond, "channel", in->channel >= 0
			 ? json_string(channel_name((enum channel)in->channel)) : NULL);
	if (in->requester_role != DESK_SLA_KEEP)
		cond_set(cond, "requester_role", in->requester_role >= 0
			 ? json_string(role_name((enum role)in->requester_role)) : NULL);
	if (in->tag) {
		char tag[DESK_TAG_MAX + 1];
		if (*in->tag && (rc = desk_tag_norm(in->tag, tag, e)))
			return rc;
		cond_set(cond, "tag", *in->tag ? json_string(tag) : NULL);
	}
	if (in->group) {
		struct group_row g;
		if (*in->group && (rc = desk_find_group(d, a, in->group, &g, e)))
			return rc;
		cond_set(cond, "group_id", *in->group ? json_integer(g.id) : NULL);
	}
	if (in->organisation) {
		struct org_row o;
		if (*in->organisation &&
		    (rc = repo_org_by_name(desk_db(d), a, norm(a, in->organisation), &o, e)))
			return rc;
		cond_set(cond, "organisation_id", *in->organisation ? json_integer(o.id) : NULL);
	}
	return ERR_OK;
}

/*
 * Applies in to the draft x (a new policy when fresh): checks everything
 * and resolves names, in the caller's transaction.
 */
static enum err_code apply_in(struct desk *d, struct arena *a, const struct sla_policy_in *in,
			      bool fresh, struct draft *x, struct err *e)
{
	json_t *cond = json_loads(x->p.conditions ? x->p.conditions : "{}", 0, NULL);
	unsigned mask;
	bool any = false;
	enum err_code rc = ERR_OK;

	if (!json_is_object(cond)) {
		json_decref(cond);
		cond = json_object();
	}
	if (in->name && (rc = desk_check_text("policy name", in->name, DESK_NAME_MAX, false, e)))
		goto out;
	if (in->name)
		x->p.name = arena_strdup(a, in->name);
	if ((in->priority != DESK_SLA_KEEP && in->priority >= PRIORITY__COUNT) ||
	    (in->channel != DESK_SLA_KEEP && in->channel >= CHANNEL__COUNT) ||
	    (in->escalate_to != DESK_SLA_KEEP && in->escalate_to >= PRIORITY__COUNT) ||
	    (in->requester_role != DESK_SLA_KEEP && in->requester_role >= ROLE__COUNT)) {
		rc = err_set(e, ERR_INVALID, "unknown priority, channel or role");
		goto out;
	}
	if (in->warn_percent < 0 || in->warn_percent > 99) {
		rc = err_set(e, ERR_INVALID, "the warning share is a percentage from 1 to 99");
		goto out;
	}
	if (in->warn_percent)
		x->p.warn_percent = in->warn_percent;
	if (in->escalate_to != DESK_SLA_KEEP)
		x->p.escalate_to = in->escalate_to;
	if (in->pause) {
		if ((rc = sla_pause_parse(in->pause, &mask, e)))
			goto out;
		x->p.pause = arena_strdup(a, in->pause);
	}
	if (in->on_warn) {
		if ((rc = sla_actions_parse(in->on_warn, false, &mask, e)))
			goto out;
		x->p.on_warn = sla_actions_name(mask);
	}
	if (in->on_breach) {
		if ((rc = sla_actions_parse(in->on_breach, true, &mask, e)))
			goto out;
		x->p.on_breach = sla_actions_name(mask);
	}
	if ((rc = apply_conditions(d, a, in, cond, e)))
		goto out;
	x->p.conditions = desk_json(a, json_incref(cond));
	if (in->calendar && !*in->calendar) {
		x->p.calendar_id = 0;
	} else if (in->calendar) {
		struct calendar_row c;
		if ((rc = repo_calendar_by_name(desk_db(d), a, norm(a, in->calendar), &c, e)))
			goto out;
		x->p.calendar_id = c.id;
	}
	for (int k = 0; k < SLA_METRIC__COUNT; k++) {
		int minutes[PRIORITY__COUNT] = {0};
		bool biz = fresh || in->business_given ? in->business : x->p.calendar_id != 0;
		if (!in->targets[k])
			continue;
		if (strcmp(in->targets[k], "none") != 0 && *in->targets[k] &&
		    (rc = sla_targets_parse(in->targets[k], minutes, e))) {
			char msg[ERR_MSG_MAX];
			snprintf(msg, sizeof(msg), "%s", e->msg);
			rc = err_set(e, ERR_INVALID, "%s: %s", sla_metric_name((enum sla_metric)k), msg);
			goto out;
		}
		for (int pr = 0; pr < PRIORITY__COUNT; pr++) {
			x->minutes[k][pr] = minutes[pr];
			x->business[k][pr] = biz;
		}
	}
	for (int k = 0; k < SLA_METRIC__COUNT; k++) {
		for (int pr = 0; pr < PRIORITY__COUNT; pr++) {
			if (in->business_given)
				x->business[k][pr] = in->business;
			if (!x->minutes[k][pr])
				continue;
			any = true;
			if (x->business[k][pr] && !x->p.calendar_id) {
				rc = err_set(e, ERR_INVALID, "business-time targets need a calendar "
					     "(--calendar NAME)");
				goto out;
			}
		}
	}
	if (!any)
		rc = err_set(e, ERR_INVALID, "a policy needs at least one target (first reply, next "
			     "reply, periodic update or resolution)");
out:
	json_decref(cond);
	return rc;
}

/* Writes x's targets in place of the policy's old ones. */
static enum err_code write_targets(struct desk *d, const struct draft *x, struct err *e)
{
	enum err_code rc = ERR_OK;

	for (int k = 0; !rc && k < SLA_METRIC__COUNT; k++) {
		rc = repo_sla_targets_clear(desk_db(d), x->p.id, sla_metric_name((enum sla_metric)k), e);
		for (int pr = 0; !rc && pr < PRIORITY__COUNT; pr++) {
			struct sla_target_row t = {x->p.id, (enum priority)pr,
						   sla_metric_name((enum sla_metric)k), x->minutes[k][pr],
						   x->business[k][pr]};
			if (x->minutes[k][pr])
				rc = repo_sla_target_set(desk_db(d), &t, e);
		}
	}
	return rc;
}

/* The policy named ref ("#ID", "ID" or its name) as a draft, in the caller's transaction. */
static enum err_code find_policy(struct desk *d, struct arena *a, const char *ref,
				 struct draft *x, struct err *e)
{
	struct rows pol, tg;
	const char *key = ref && *ref == '#' ? ref + 1 : ref;
	int64_t id = 0;
	enum err_code rc;

	memset(x, 0, sizeof(*x));
	if (!ref || !*ref)
		return err_set(e, ERR_INVALID, "which policy? give its name or #ID");
	if (str_parse_int64(key, 1, INT64_MAX, &id) < 0)
		id = 0;
	if ((rc = repo_sla_policy_list(desk_db(d), a, false, &pol, e)))
		return rc;
	for (size_t i = 0; i < pol.count; i++) {
		struct sla_policy_row *p = ROWS_AT(&pol, struct sla_policy_row, i);
		if (p->id == id || strcmp(norm(a, p->name), norm(a, ref)) == 0) {
			x->p = *p;
			break;
		}
	}
	if (!x->p.id)
		return err_set(e, ERR_NOT_FOUND, "no SLA policy '%s'", ref);
	if ((rc = repo_sla_target_list(desk_db(d), a, &tg, e)))
		return rc;
	for (size_t i = 0; i < tg.count; i++) {
		struct sla_target_row *t = ROWS_AT(&tg, struct sla_target_row, i);
		int m = sla_metric_parse(t->metric);
		if (t->policy_id != x->p.id || m < 0)
			continue;
		x->minutes[m][t->priority] = t->minutes;
		x->business[m][t->priority] = t->business;
	}
	return ERR_OK;
}

enum err_code desk_sla_add(struct desk *d, const struct actor *who, const struct sla_policy_in *in,
			   int64_t *id, struct err *e)
{
	struct arena a;
	struct draft x = {0};
	int64_t n;
	enum err_code rc;

	arena_init(&a);
	if ((rc = desk_require(who, ACT_SLA_MANAGE, e)) ||
	    (rc = desk_check_text("policy name", in->name, DESK_NAME_MAX, false, e)))
		goto out;
	if (in->business && !in->calendar) {
		rc = err_set(e, ERR_INVALID, "business-time targets need a calendar (--calendar NAME)");
		goto out;
	}
	x.p.pause = "pending,on_hold";
	x.p.warn_percent = SLA_WARN_PERCENT;
	x.p.escalate_to = -1;
	x.p.on_warn = x.p.on_breach = "notify";
	x.p.active = true;
	x.p.created_at = time_now_ms();
	if ((rc = db_begin(desk_db(d), e)))
		goto out;
	if ((rc = apply_in(d, &a, in, true, &x, e)) ||
	    (rc = repo_count(desk_db(d), "sla_policies", &n, e)))
		goto fail;
	if (n >= DESK_SLA_POLICIES_MAX) {
		rc = err_set(e, ERR_CONFLICT, "the desk has %d policies, the limit", DESK_SLA_POLICIES_MAX);
		goto fail;
	}
	rc = repo_sla_policy_insert(desk_db(d), &x.p, norm(&a, in->name), id, e);
	if (rc == ERR_CONFLICT)
		rc = err_set(e, ERR_CONFLICT, "a policy named '%s' exists", in->name);
	x.p.id = *id;
	if (rc || (rc = write_targets(d, &x, e)) || (rc = db_commit(desk_db(d), e)))
		goto fail;
	/* The policy may now apply to any ticket still moving. */
	rc = recompute(d, false, &n, e);
	goto out;
fail:
	db_rollback(desk_db(d));
out:
	arena_release(&a);
	return rc;
}

/* How a policy changes; the draft is the policy as found. */
enum change { CHANGE_EDIT, CHANGE_MOVE, CHANGE_ACTIVE };

static enum err_code change(struct desk *d, const struct actor *who, const char *ref,
			    enum change what, const struct sla_policy_in *in, int64_t arg,
			    int64_t *id, struct err *e)
{
	struct arena a;
	struct draft x;
	struct rows pol;
	int64_t n;
	enum err_code rc;

	arena_init(&a);
	*id = 0;
	if ((rc = desk_require(who, ACT_SLA_MANAGE, e)) || (rc = db_begin(desk_db(d), e)))
		goto out;
	if ((rc = find_policy(d, &a, ref, &x, e)))
		goto fail;
	*id = x.p.id;
	if (what == CHANGE_EDIT) {
		if ((rc = apply_in(d, &a, in, false, &x, e)))
			goto fail;
		rc = repo_sla_policy_update(desk_db(d), &x.p, norm(&a, x.p.name), e);
		if (rc == ERR_CONFLICT)
			rc = err_set(e, ERR_CONFLICT, "a policy named '%s' exists", x.p.name);
		if (rc || (rc = write_targets(d, &x, e)))
			goto fail;
	} else if (what == CHANGE_ACTIVE) {
		x.p.active = arg != 0;
		if ((rc = repo_sla_policy_update(desk_db(d), &x.p, norm(&a, x.p.name), e)))
			goto fail;
	} else {
		/* Positions stay unique: all out of the way (negative), then 1..n in the new order. */
		if ((rc = repo_sla_policy_list(desk_db(d), &a, false, &pol, e)))
			goto fail;
		if (arg < 1 || arg > (int64_t)pol.count) {
			rc = err_set(e, ERR_INVALID, "position %" PRId64 " is not between 1 and %zu",
				     arg, pol.count);
			goto fail;
		}
		int64_t *order = arena_array(&a, pol.count, sizeof(*order));
		size_t k = 0;
		for (size_t i = 0; i < pol.count; i++) {
			int64_t pid = ROWS_AT(&pol, struct sla_policy_row, i)->id;
			if (pid != x.p.id)
				order[k++] = pid;
		}
		memmove(order + arg, order + arg - 1, (pol.count - (size_t)arg) * sizeof(*order));
		order[arg - 1] = x.p.id;
		for (size_t i = 0; !rc && i < pol.count; i++)
			rc = repo_sla_policy_position(desk_db(d), order[i], -(int64_t)i - 1, e);
		for (size_t i = 0; !rc && i < pol.count; i++)
			rc = repo_sla_policy_position(desk_db(d), order[i], (int64_t)i + 1, e);
		if (rc)
			goto fail;
	}
	if ((rc = db_commit(desk_db(d), e)))
		goto fail;
	/* Due times move as a fresh computation from the events puts them. */
	rc = recompute(d, false, &n, e);
	goto out;
fail:
	db_rollback(desk_db(d));
out:
	arena_release(&a);
	return rc;
}

enum err_code desk_sla_edit(struct desk *d, const struct actor *who, const char *ref,
			    const struct sla_policy_in *in, int64_t *id, struct err *e)
{
	return change(d, who, ref, CHANGE_EDIT, in, 0, id, e);
}

enum err_code desk_sla_move(struct desk *d, const struct actor *who, const char *ref,
			    int64_t position, int64_t *id, struct err *e)
{
	return change(d, who, ref, CHANGE_MOVE, NULL, position, id, e);
}

enum err_code desk_sla_set_active(struct desk *d, const struct actor *who, const char *ref,
				  bool active, int64_t *id, struct err *e)
{
	return change(d, who, ref, CHANGE_ACTIVE, NULL, active, id, e);
}

enum err_code desk_sla_get(struct desk *d, const struct actor *who, struct arena *a,
			   const char *ref, struct sla_policy_row *policy, struct rows *targets,
			   struct err *e)
{
	struct draft x;
	enum err_code rc;

	rows_init(targets, sizeof(struct sla_target_row));
	if ((rc = desk_require(who, ACT_REPORTS, e)) || (rc = db_begin_read(desk_db(d), e)))
		return rc;
	rc = find_policy(d, a, ref, &x, e);
	if (!rc)
		rc = repo_sla_target_list(desk_db(d), a, targets, e);
	if (!rc) {
		/* Only this policy's. */
		size_t k = 0;
		for (size_t i = 0; i < targets->count; i++)
			if (ROWS_AT(targets, struct sla_target_row, i)->policy_id == x.p.id)
				*ROWS_AT(targets, struct sla_target_row, k++) =
					*ROWS_AT(targets, struct sla_target_row, i);
		targets->count = k;
		*policy = x.p;
	}
	return desk_read_end(d, rc, e);
}

enum err_code desk_sla_list(struct desk *d, const struct actor *who, struct arena *a,
			    struct rows *policies, struct rows *targets, struct err *e)
{
	enum err_code rc;

	rows_init(policies, sizeof(struct sla_policy_row));
	rows_init(targets, sizeof(struct sla_target_row));
	if ((rc = desk_require(who, ACT_REPORTS, e)) || (rc = db_begin_read(desk_db(d), e)))
		return rc;
	rc = repo_sla_policy_list(desk_db(d), a, false, policies, e);
	if (!rc)
		rc = repo_sla_target_list(desk_db(d), a, targets, e);
	return desk_read_end(d, rc, e);
}

static enum err_code ticket_sla(struct desk *d, const struct actor *who, struct arena *a,
				int64_t id, struct ticket_sla *out, struct err *e)
{
	struct ticket_row t;
	struct sla_clock_row rows[SLA_METRIC__COUNT];
	struct sla_state s;
	struct loaded L;
	int pidx;
	size_t n;
	enum err_code rc;

	memset(out, 0, sizeof(*out));
	rows_init(&out->clocks, sizeof(struct sla_clock_row));
	/* Computed at this instant from the events, not read back: a read sees breaches at once. */
	if ((rc = desk_visible_ticket(d, who, a, id, &t, e)) ||
	    (rc = desk_require(who, ACT_SEE_INTERNAL, e)) || (rc = load_policies(d, a, &L, e)) ||
	    (rc = compute(d, a, &L, &t, time_now_ms(), &pidx, &s, e)))
		return rc;
	if (pidx < 0)
		return ERR_OK;
	out->policy_id = L.rows[pidx].id;
	out->policy_name = L.rows[pidx].name;
	out->due_at = or_zero(s.next_due_at);
	n = clock_rows(id, out->policy_id, &s, rows);
	for (size_t i = 0; i < n; i++)
		*(struct sla_clock_row *)rows_push(a, &out->clocks) = rows[i];
	return ERR_OK;
}

enum err_code desk_ticket_sla(struct desk *d, const struct actor *who, struct arena *a,
			      int64_t id, struct ticket_sla *out, struct err *e)
{
	enum err_code rc = db_begin_read(desk_db(d), e);
	if (rc)
		return rc;
	return desk_read_end(d, ticket_sla(d, who, a, id, out, e), e);
}

/* --- timers ------------------------------------------------------------------ */

/* Reads a timer's payload; false when it is not one of ours. */
static bool parse_payload(const char *text, enum sla_metric *m, bool *breach, int64_t *cycle)
{
	json_t *j = json_loads(text ? text : "", 0, NULL);
	json_t *mv = json_object_get(j, "metric"), *kv = json_object_get(j, "kind"),
	       *cv = json_object_get(j, "cycle");
	bool ok = false;

	if (json_is_string(mv) && json_is_string(kv) && json_is_integer(cv)) {
		int metric = sla_metric_parse(json_string_value(mv));
		const char *kind = json_string_value(kv);
		if (metric >= 0 && (strcmp(kind, "warn") == 0 || strcmp(kind, "breach") == 0)) {
			*m = (enum sla_metric)metric;
			*breach = strcmp(kind, "breach") == 0;
			*cycle = json_integer_value(cv);
			ok = true;
		}
	}
	json_decref(j);
	return ok;
}

/* "first reply", for people. */
static const char *metric_words(enum sla_metric m)
{
	static const char *const words[] = {"first reply", "next reply", "periodic update",
					    "resolution"};
	return words[m];
}

/* "4h 30m" or "45m" of a target. */
static const char *duration_words(struct arena *a, int64_t ms)
{
	int64_t min = ms / 60000;
	if (min >= 60 && min % 60)
		return arena_printf(a, "%" PRId64 "h %" PRId64 "m", min / 60, min % 60);
	if (min >= 60)
		return arena_printf(a, "%" PRId64 "h", min / 60);
	return arena_printf(a, "%" PRId64 "m", min);
}

static const char *notice_subject(struct arena *a, enum sla_metric m, bool breach,
				  const char *due, const struct ticket_row *t)
{
	return arena_printf(a, "SLA %s: %s %s %s - %s", breach ? "breach" : "warning",
			    metric_words(m), breach ? "was due" : "due", due, t->subject);
}

static const char *notice_text(struct arena *a, const struct sla_policy_row *p,
			       enum sla_metric m, bool breach, const struct sla_clock *c,
			       const char *due, const struct ticket_row *t)
{
	const char *target = duration_words(a, c->target_ms);
	const char *basis = c->business ? "business time" : "calendar time";
	if (breach)
		return arena_printf(a, "Ticket #%" PRId64 " \"%s\" has breached its %s target "
				    "(%s of %s, policy %s): it was due at %s.\n\nPriority: %s.\n",
				    t->id, t->subject, metric_words(m), target, basis, p->name, due,
				    priority_name(t->priority));
	return arena_printf(a, "Ticket #%" PRId64 " \"%s\" has used %d%% of its %s target "
			    "(%s of %s, policy %s): it is due at %s.\n\nPriority: %s.\n",
			    t->id, t->subject, p->warn_percent, metric_words(m), target, basis,
			    p->name, due, priority_name(t->priority));
}

/*
 * A breach's escalation, in the timer's transaction, each step an event by
 * the desk: a lower priority raised to the policy's escalate_to, and with
 * assign-lead the ticket given to its group's lead (the first active one).
 */
static enum err_code escalate(struct desk *d, struct arena *a, const struct sla_policy_row *p,
			      unsigned actions, struct ticket_row *t, int64_t now, struct err *e)
{
	static const char reason[] = "{\"reason\":\"sla.breach\"}";
	bool changed = false;
	enum err_code rc;

	if (t->status == STATUS_CLOSED)
		return ERR_OK;
	if (p->escalate_to >= 0 && (enum priority)p->escalate_to > t->priority) {
		enum priority was = t->priority;
		t->priority = (enum priority)p->escalate_to;
		changed = true;
		if ((rc = desk_event(d, "ticket", t->id, "field.priority", NULL, "priority",
				     priority_name(was), priority_name(t->priority), reason, now, e)))
			return rc;
	}
	if ((actions & SLA_ACT_ASSIGN_LEAD) && t->group_id) {
		struct rows staff;
		int64_t lead = 0;
		if ((rc = repo_group_staff(desk_db(d), a, t->group_id, &staff, e)))
			return rc;
		for (size_t i = 0; i < staff.count && !lead; i++)
			if (ROWS_AT(&staff, struct group_staff_row, i)->lead)
				lead = ROWS_AT(&staff, struct group_staff_row, i)->user_id;
		if (lead && lead != t->assignee_id) {
			const char *was = t->assignee_id ? arena_printf(a, "%" PRId64, t->assignee_id)
							 : NULL;
			t->assignee_id = lead;
			changed = true;
			if ((rc = desk_event(d, "ticket", t->id, "field.assignee_id", NULL, "assignee_id",
					     was, arena_printf(a, "%" PRId64, lead), reason, now, e)))
				return rc;
		}
	}
	if (!changed)
		return ERR_OK;
	t->updated_at = now;
	return repo_ticket_update(desk_db(d), t, e);
}

/*
 * Decides and writes what a timer does, in the caller's transaction:
 * the event when its point is reached (once), else when to look again.
 */
static enum err_code fire(struct desk *d, struct arena *a, const struct job_row *j, int64_t now,
			  int64_t *requeue_at, struct err *e)
{
	struct ticket_row t;
	struct loaded L;
	struct sla_state s;
	const struct sla_clock *c;
	enum sla_metric m;
	int64_t cycle, point;
	bool breach, done;
	int pidx;
	char cyc[24], due[TIME_ISO_MAX];
	enum err_code rc;

	*requeue_at = 0;
	if (!parse_payload(j->payload, &m, &breach, &cycle))
		return err_set(e, ERR_INVALID, "job %" PRId64 " is not an SLA timer", j->id);
	if ((rc = repo_ticket_get(desk_db(d), a, j->ticket_id, &t, e)) ||
	    (rc = load_policies(d, a, &L, e)) || (rc = compute(d, a, &L, &t, now, &pidx, &s, e)))
		return rc;
	c = &s.clock[m];
	/* Another cycle, or the policy no longer measures it: nothing to say. */
	if (pidx < 0 || !c->present || c->started_at != cycle)
		return ERR_OK;
	/* Ended: only a breach that happened before the end is still news. */
	if (!c->running && !(breach && c->breached_at))
		return ERR_OK;
	point = breach ? c->due_at : c->warn_at;
	if (!c->running)
		point = c->breached_at;
	if (point == SLA_NEVER || point > now) {
		*requeue_at = point == SLA_NEVER || point > PARKED_AT ? PARKED_AT : point;
		return ERR_OK;
	}
	if (!breach && c->breached_at)
		return ERR_OK; /* too late to warn */
	snprintf(cyc, sizeof(cyc), "%" PRId64, cycle);
	const char *kind = breach ? "sla.breach" : "sla.warning";
	if ((rc = repo_event_exists(desk_db(d), t.id, kind, sla_metric_name(m), cyc, &done, e)) ||
	    done)
		return rc;
	time_format_iso(c->due_at, due);
	json_t *data = json_pack("{s:s, s:s, s:I, s:I, s:I}", "metric", sla_metric_name(m),
				 "due_at", due, "cycle_started_at", (json_int_t)cycle, "target_ms",
				 (json_int_t)c->target_ms, "policy_id",
				 (json_int_t)L.rows[pidx].id);
	if ((rc = desk_event(d, "ticket", t.id, kind, NULL, sla_metric_name(m), NULL, cyc,
			     desk_json(a, data), now, e)))
		return rc;
	if (breach && (rc = escalate(d, a, &L.rows[pidx], L.on_breach[pidx], &t, now, e)))
		return rc;
	if ((breach ? L.on_breach[pidx] : L.on_warn[pidx]) & SLA_ACT_NOTIFY) {
		char timer[128];
		int n;
		/* One notification per timer: "notify:sla:ID:METRIC:CYCLE:KIND". */
		timer_key(timer, sizeof(timer), t.id, m, cycle, breach ? "breach" : "warn");
		if ((rc = desk_notify_staff(d, a, &t, breach, arena_printf(a, "notify:%s", timer), kind,
					    notice_subject(a, m, breach, due, &t),
					    notice_text(a, &L.rows[pidx], m, breach, c, due, &t), &n, e)))
			return rc;
	}
	return desk_sla_apply(d, t.id, now, e);
}

enum err_code desk_sla_fire(struct desk *d, const struct job_row *j, int64_t *requeue_at,
			    struct err *e)
{
	struct arena a;
	enum err_code rc;

	arena_init(&a);
	if (!(rc = db_begin(desk_db(d), e))) {
		rc = fire(d, &a, j, time_now_ms(), requeue_at, e);
		if (rc || (rc = db_commit(desk_db(d), e)))
			db_rollback(desk_db(d));
	}
	arena_release(&a);
	return rc;
}

/* Fires j and finishes it in one transaction, so a lost lease writes nothing. */
static enum err_code fire_and_finish(struct desk *d, const struct job_row *j, const char *worker,
				     struct err *e)
{
	struct arena a;
	int64_t now = time_now_ms(), again = 0;
	enum err_code rc;

	arena_init(&a);
	if ((rc = db_begin(desk_db(d), e)))
		goto out;
	rc = fire(d, &a, j, now, &again, e);
	if (!rc)
		rc = repo_job_finish(desk_db(d), j->id, worker, again ? JOB_QUEUED : JOB_DONE, again,
				     NULL, now, e);
	if (rc || (rc = db_commit(desk_db(d), e)))
		db_rollback(desk_db(d));
out:
	arena_release(&a);
	return rc;
}

enum err_code desk_sla_run_due(struct desk *d, const char *worker, int *ran, struct err *e)
{
	static const char *const kinds[] = {DESK_JOB_SLA_TIMER, NULL};
	enum err_code rc;

	*ran = 0;
	for (;;) {
		struct arena a;
		struct job_row j;

		arena_init(&a);
		rc = desk_job_claim(d, &a, kinds, worker, &j, e);
		if (rc == ERR_NOT_FOUND) {
			err_clear(e);
			arena_release(&a);
			return ERR_OK;
		}
		if (!rc) {
			(*ran)++;
			rc = fire_and_finish(d, &j, worker, e);
			if (rc == ERR_CONFLICT) {
				err_clear(e); /* the lease ended: another worker has it */
				rc = ERR_OK;
			} else if (rc && rc != ERR_TRANSIENT) {
				struct err e2 = ERR_INIT;
				desk_job_finish(d, &j, worker, DESK_JOB_FAIL, e->msg, &e2);
			}
		}
		arena_release(&a);
		if (rc)
			return rc;
	}
}
