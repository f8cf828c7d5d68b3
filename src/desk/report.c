/* report.c - the desk's measures from its events: first response time as percentiles. */
#include "util/common.h"
#include "desk/desk_private.h"
#include "rules/calendar.h"
#include "rules/stats.h"
#include "util/time.h"

#define REPORT_KEYS_MAX 10000 /* lines in one report */

/* One line being gathered: the answered tickets' times. */
struct gather {
	struct report_line line;
	int64_t *cal, *biz;
	size_t n, cap;
};

static struct gather *line_for(struct arena *a, struct rows *lines, const char *key)
{
	for (size_t i = 0; i < lines->count; i++) {
		struct gather *g = ROWS_AT(lines, struct gather, i);
		if (strcmp(g->line.key, key) == 0)
			return g;
	}
	if (lines->count >= REPORT_KEYS_MAX)
		return NULL;
	struct gather *g = rows_push(a, lines);
	g->line.key = arena_strdup(a, key);
	return g;
}

static void push_time(struct arena *a, struct gather *g, int64_t cal, int64_t biz)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 64;
		int64_t *c = arena_array(a, cap, sizeof(*c)), *b = arena_array(a, cap, sizeof(*b));
		if (g->n) {
			memcpy(c, g->cal, g->n * sizeof(*c));
			memcpy(b, g->biz, g->n * sizeof(*b));
		}
		g->cal = c;
		g->biz = b;
		g->cap = cap;
	}
	g->cal[g->n] = cal;
	g->biz[g->n++] = biz;
}

/* The line a ticket counts in. */
static enum err_code key_of(struct desk *d, struct arena *a, const struct first_response_row *r,
			    enum report_by by, const char **key, struct err *e)
{
	enum err_code rc = ERR_OK;

	switch (by) {
	case REPORT_BY_NONE:
		*key = "all";
		break;
	case REPORT_BY_PRIORITY:
		*key = priority_name(r->priority);
		break;
	case REPORT_BY_CHANNEL:
		*key = channel_name(r->channel);
		break;
	case REPORT_BY_GROUP:
		*key = "(no group)";
		if (r->group_id) {
			struct group_row g;
			if (!(rc = repo_group_get(desk_db(d), a, r->group_id, &g, e)))
				*key = g.name;
		}
		break;
	case REPORT_BY_AGENT:
		*key = "(unanswered)";
		if (r->replied_at && r->replied_by) {
			struct user_row u;
			if (!(rc = repo_user_get(desk_db(d), a, r->replied_by, &u, e)))
				*key = u.email;
		}
		break;
	}
	return rc;
}

static int by_key(const void *x, const void *y)
{
	return strcmp(((const struct gather *)x)->line.key, ((const struct gather *)y)->line.key);
}

static enum err_code first_response(struct desk *d, struct arena *a, int64_t from, int64_t to,
				    enum report_by by, struct rows *out, struct err *e)
{
	struct rows src, lines;
	const struct calendar *fallback;
	int64_t now = time_now_ms();
	enum err_code rc;

	rows_init(&lines, sizeof(struct gather));
	/* Tickets no policy covers count on the calendar named "default", looked up once. */
	if ((rc = repo_first_responses(desk_db(d), a, from, to, &src, e)) ||
	    (rc = desk_sla_calendar(d, 0, 0, &fallback, e)))
		return rc;
	if (by == REPORT_BY_NONE)
		line_for(a, &lines, "all");
	for (size_t i = 0; i < src.count; i++) {
		struct first_response_row *r = ROWS_AT(&src, struct first_response_row, i);
		const struct calendar *cal;
		const char *key;
		struct gather *g;

		if ((rc = key_of(d, a, r, by, &key, e)))
			return rc;
		if (!(g = line_for(a, &lines, key)))
			return err_set(e, ERR_INVALID, "more than %d lines in one report",
				       REPORT_KEYS_MAX);
		g->line.tickets++;
		if (r->has_clock) {
			if (r->breached_at || (!r->achieved_at && r->due_at && r->due_at <= now))
				g->line.sla_breached++;
			else if (r->achieved_at)
				g->line.sla_met++;
		}
		if (!r->replied_at)
			continue;
		g->line.answered++;
		if (!r->calendar_id)
			cal = fallback;
		else if ((rc = desk_sla_calendar(d, r->calendar_id, r->calendar_version, &cal, e)))
			return rc;
		int64_t c = r->replied_at - r->created_at;
		push_time(a, g, c, cal ? calendar_business_ms(cal, r->created_at, r->replied_at) : c);
	}
	if (lines.count > 1)
		qsort(lines.items, lines.count, sizeof(struct gather), by_key);
	rows_init(out, sizeof(struct report_line));
	for (size_t i = 0; i < lines.count; i++) {
		struct gather *g = ROWS_AT(&lines, struct gather, i);
		stats_sort(g->cal, g->n);
		stats_sort(g->biz, g->n);
		g->line.p50 = stats_percentile(g->cal, g->n, 50);
		g->line.p90 = stats_percentile(g->cal, g->n, 90);
		g->line.p99 = stats_percentile(g->cal, g->n, 99);
		g->line.bp50 = stats_percentile(g->biz, g->n, 50);
		g->line.bp90 = stats_percentile(g->biz, g->n, 90);
		g->line.bp99 = stats_percentile(g->biz, g->n, 99);
		*(struct report_line *)rows_push(a, out) = g->line;
	}
	return ERR_OK;
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
