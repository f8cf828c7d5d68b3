/* report.c - the desk's measures from its events: first response time as percentiles. */
#include "util/common.h"
#include "desk/desk_private.h"
#include "rules/calendar.h"
#include "rules/stats.h"
#include "util/time.h"
#include "util/xalloc.h"

#define REPORT_KEYS_MAX 10000 /* lines in one report */

/* One line being gathered: the answered tickets' times. */
struct gather {
	struct report_line line;
	int64_t *cal, *biz;
	size_t n, cap;
};

/* The report being gathered, one ticket at a time (repo_first_responses). */
struct scan {
	struct desk *d;
	struct arena *a;
	enum report_by by;
	int64_t now;
	struct rows lines;    /* struct gather */
	struct rows policies; /* struct sla_policy_row: every one, for its calendar */
	int64_t default_id, default_version; /* the calendar named "default"; 0: none */
	/* The line of each key's id (group, agent, priority, channel): open addressing. */
	int64_t *ids;
	size_t *line_of, nids, cap;
};

/* Index of the line named key in s->lines, added when new; SIZE_MAX past the limit. */
static size_t line_for(struct scan *s, const char *key)
{
	for (size_t i = 0; i < s->lines.count; i++)
		if (strcmp(ROWS_AT(&s->lines, struct gather, i)->line.key, key) == 0)
			return i;
	if (s->lines.count >= REPORT_KEYS_MAX)
		return SIZE_MAX;
	struct gather *g = rows_push(s->a, &s->lines);
	g->line.key = arena_strdup(s->a, key);
	return s->lines.count - 1;
}

/* Grows by realloc, not in the arena: a line may hold a million times (freed by free_times). */
static void push_time(struct gather *g, int64_t cal, int64_t biz)
{
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 64;
		g->cal = xrealloc(g->cal, g->cap * sizeof(*g->cal));
		g->biz = xrealloc(g->biz, g->cap * sizeof(*g->biz));
	}
	g->cal[g->n] = cal;
	g->biz[g->n++] = biz;
}

static void free_times(struct rows *lines)
{
	for (size_t i = 0; i < lines->count; i++) {
		struct gather *g = ROWS_AT(lines, struct gather, i);
		free(g->cal);
		free(g->biz);
	}
}

/* The id of the line a ticket counts in (0: none, "all", unanswered). */
static int64_t key_id(const struct scan *s, const struct first_response_row *r)
{
	if (s->by == REPORT_BY_AGENT)
		return r->replied_at ? r->key : 0;
	return r->key;
}

/* The key the repo reads for a grouping. */
static enum fr_key fr_key_of(enum report_by by)
{
	switch (by) {
	case REPORT_BY_NONE:
		break;
	case REPORT_BY_GROUP:
		return FR_KEY_GROUP;
	case REPORT_BY_AGENT:
		return FR_KEY_REPLIER;
	case REPORT_BY_PRIORITY:
		return FR_KEY_PRIORITY;
	case REPORT_BY_CHANNEL:
		return FR_KEY_CHANNEL;
	}
	return FR_KEY_NONE;
}

/* The name of the line of id, for people. */
static enum err_code key_name(struct scan *s, int64_t id, const char **key, struct err *e)
{
	enum err_code rc = ERR_OK;

	*key = "all";
	switch (s->by) {
	case REPORT_BY_NONE:
		break;
	case REPORT_BY_PRIORITY:
		*key = priority_name((enum priority)id);
		break;
	case REPORT_BY_CHANNEL:
		*key = channel_name((enum channel)id);
		break;
	case REPORT_BY_GROUP:
		*key = "(no group)";
		if (id) {
			struct group_row g;
			if (!(rc = repo_group_get(desk_db(s->d), s->a, id, &g, e)))
				*key = g.name;
		}
		break;
	case REPORT_BY_AGENT:
		*key = "(unanswered)";
		if (id) {
			struct user_row u;
			if (!(rc = repo_user_get(desk_db(s->d), s->a, id, &u, e)))
				*key = u.email;
		}
		break;
	}
	return rc;
}

static size_t slot_of(const struct scan *s, int64_t id)
{
	size_t i = (size_t)((uint64_t)id * 0x9E3779B97F4A7C15ull >> 32) & (s->cap - 1);
	while (s->line_of[i] != SIZE_MAX && s->ids[i] != id)
		i = (i + 1) & (s->cap - 1);
	return i;
}

/* The line a ticket counts in, its name looked up once per id. */
static enum err_code line_of(struct scan *s, const struct first_response_row *r, size_t *line,
			     struct err *e)
{
	int64_t id = key_id(s, r);
	const char *key = NULL;
	size_t i;
	enum err_code rc;

	if (s->nids * 2 >= s->cap) {
		int64_t *ids = s->ids;
		size_t *lines = s->line_of, cap = s->cap;
		s->cap = cap ? cap * 2 : 64;
		s->ids = arena_array(s->a, s->cap, sizeof(*s->ids));
		s->line_of = arena_array(s->a, s->cap, sizeof(*s->line_of));
		for (i = 0; i < s->cap; i++)
			s->line_of[i] = SIZE_MAX;
		for (i = 0; i < cap; i++) {
			if (lines[i] == SIZE_MAX)
				continue;
			size_t k = slot_of(s, ids[i]);
			s->ids[k] = ids[i];
			s->line_of[k] = lines[i];
		}
	}
	i = slot_of(s, id);
	if (s->line_of[i] == SIZE_MAX) {
		if ((rc = key_name(s, id, &key, e)))
			return rc;
		if ((s->line_of[i] = line_for(s, key)) == SIZE_MAX)
			return err_set(e, ERR_INVALID, "more than %d lines in one report",
				       REPORT_KEYS_MAX);
		s->ids[i] = id;
		s->nids++;
	}
	*line = s->line_of[i];
	return ERR_OK;
}

/*
 * The business time of a first reply: on the calendar of the ticket's
 * policy, else the one named "default", else every hour counts. The
 * ticket row keeps it as measured (desk/sla.c); measured here again when
 * that calendar is no longer the one it was measured on.
 */
static enum err_code business_ms(struct scan *s, const struct first_response_row *r,
				 int64_t *out, struct err *e)
{
	const struct calendar *cal = NULL;
	int64_t id = s->default_id, version = s->default_version;
	enum err_code rc;

	for (size_t i = 0; r->policy_id && i < s->policies.count; i++) {
		const struct sla_policy_row *p = ROWS_AT(&s->policies, struct sla_policy_row, i);
		if (p->id == r->policy_id && p->calendar_id) {
			id = p->calendar_id;
			version = p->calendar_version;
			break;
		}
	}
	if (r->business_ms >= 0 && r->calendar_id == id && r->calendar_version == version) {
		*out = r->business_ms;
		return ERR_OK;
	}
	if (id && (rc = desk_sla_calendar(s->d, id, version, &cal, e)))
		return rc;
	*out = cal ? calendar_business_ms(cal, r->created_at, r->replied_at)
		   : r->replied_at - r->created_at;
	return ERR_OK;
}

/* Counts one ticket in its line. */
static enum err_code count(void *ctx, const struct first_response_row *r, struct err *e)
{
	struct scan *s = ctx;
	struct gather *g;
	size_t line = 0;
	int64_t biz;
	enum err_code rc;

	if ((rc = line_of(s, r, &line, e)))
		return rc;
	g = ROWS_AT(&s->lines, struct gather, line);
	g->line.tickets++;
	/* A clock still running past its due time is a breach already. */
	if (r->sla == FR_SLA_BREACHED ||
	    (r->sla == FR_SLA_RUNNING && r->sla_due_at && r->sla_due_at <= s->now))
		g->line.sla_breached++;
	else if (r->sla == FR_SLA_MET)
		g->line.sla_met++;
	if (!r->replied_at)
		return ERR_OK;
	g->line.answered++;
	if ((rc = business_ms(s, r, &biz, e)))
		return rc;
	push_time(g, r->replied_at - r->created_at, biz);
	return ERR_OK;
}

static int by_key(const void *x, const void *y)
{
	return strcmp(((const struct gather *)x)->line.key, ((const struct gather *)y)->line.key);
}

static enum err_code first_response(struct desk *d, struct arena *a, int64_t from, int64_t to,
				    enum report_by by, struct rows *out, struct err *e)
{
	static const int ps[] = {50, 90, 99};
	struct scan s = {.d = d, .a = a, .by = by, .now = time_now_ms()};
	enum err_code rc;

	rows_init(&s.lines, sizeof(struct gather));
	rows_init(out, sizeof(struct report_line));
	if ((rc = repo_sla_policy_list(desk_db(d), a, false, &s.policies, e)) ||
	    (rc = desk_sla_default_calendar(d, a, &s.default_id, &s.default_version, e)))
		goto out;
	if (by == REPORT_BY_NONE)
		line_for(&s, "all");
	if ((rc = repo_first_responses(desk_db(d), from, to, fr_key_of(by), count, &s, e)))
		goto out;
	if (s.lines.count > 1)
		qsort(s.lines.items, s.lines.count, sizeof(struct gather), by_key);
	for (size_t i = 0; i < s.lines.count; i++) {
		struct gather *g = ROWS_AT(&s.lines, struct gather, i);
		int64_t v[ARRAY_SIZE(ps)];
		stats_percentiles(g->cal, g->n, ps, ARRAY_SIZE(ps), v);
		g->line.p50 = v[0];
		g->line.p90 = v[1];
		g->line.p99 = v[2];
		stats_percentiles(g->biz, g->n, ps, ARRAY_SIZE(ps), v);
		g->line.bp50 = v[0];
		g->line.bp90 = v[1];
		g->line.bp99 = v[2];
		*(struct report_line *)rows_push(a, out) = g->line;
	}
out:
	free_times(&s.lines);
	return rc;
}

enum err_code desk_report_first_response(struct desk *d, const struct actor *who,
					 struct arena *a, int64_t from, int64_t to,
					 enum report_by by, struct rows *out, struct err *e)
{
	enum err_code rc;

	rows_init(out, sizeof(struct report_line));
	if ((rc = desk_require(who, ACT_REPORTS, e)))
		return rc;
	if (from >= to)
		return err_set(e, ERR_INVALID, "the period is empty: --from must be before --to");
	if ((unsigned)by > REPORT_BY_CHANNEL)
		return err_set(e, ERR_INVALID, "unknown grouping");
	if ((rc = db_begin_read(desk_db(d), e)))
		return rc;
	return desk_read_end(d, first_response(d, a, from, to, by, out, e), e);
}
