/*
 * view.h - the JSON shapes of tickets, messages, events and users.
 *
 * One rendering for every channel: the API's bodies and the CLI's --json
 * output are the same documents. The _write functions append to a JSON
 * writer; the _json ones return a new jansson reference the caller owns
 * (made from the same writing); strings are copied, so the rows may go
 * afterwards.
 * Times are ISO 8601 UTC with milliseconds; absent ids and times are null.
 */
#ifndef CHAMPION_VIEW_H
#define CHAMPION_VIEW_H

#include "desk/desk.h"
#include "util/jw.h"

#include <jansson.h>

/* Each record written as one JSON value (the hot path of the API). */
void view_ticket_write(struct jw *w, const struct ticket_row *t);
void view_ticket_full_write(struct jw *w, const struct ticket_view *v);
void view_event_write(struct jw *w, const struct event_row *ev);
void view_user_write(struct jw *w, const struct user_row *u);
void view_org_write(struct jw *w, const struct org_row *o);
void view_group_write(struct jw *w, const struct group_row *g);
/*
 * A page: the caller writes jw_obj, jw_key(key), jw_arr and the items;
 * view_page_end closes the items and adds next_cursor (last_id when the
 * page was full, else null).
 */
void view_page_end(struct jw *w, int64_t last_id, bool full);

/*
 * A saved view: {id, name, shared, owner_id, position, order, filter,
 * builtin, count (when counted), created_at, updated_at}.
 */
void view_saved_write(struct jw *w, const struct view_info *v);
/* {"views": [...]} of rows of struct view_info: the API's and the CLI's list. */
void view_saved_list_write(struct jw *w, const struct rows *views);
/*
 * A page of a view: {view: {id, name, order}, tickets: [ticket + "sla":
 * {state, due_at, waiting_since}], next_cursor}; full says the page was full.
 */
void view_queue_page_write(struct jw *w, const struct view_page *p, bool full);

/* The same documents as new jansson values, for callers that add to them. */

json_t *view_ticket_json(const struct ticket_row *t);
/* The ticket with requester, assignee, group, tags, followers, links, messages. */
json_t *view_ticket_full_json(const struct ticket_view *v);
json_t *view_event_json(const struct event_row *ev);
json_t *view_user_json(const struct user_row *u);
json_t *view_org_json(const struct org_row *o);
json_t *view_group_json(const struct group_row *g);
/* {ticket, message_id, score, snippet}: one search hit. */
void view_search_hit_write(struct jw *w, const struct search_result_hit *h);
json_t *view_search_hit_json(const struct search_result_hit *h);
/* A ticket's SLA: {policy, due_at, clocks: [{metric, state, due_at, ...}]}. */
json_t *view_ticket_sla_json(const struct ticket_sla *s);
/* A clock's state in words: running, paused, breached, achieved, achieved late, ended... */
const char *view_sla_clock_state(const struct sla_clock_row *c);
/*
 * The first-response report (desk_report_first_response's lines) for
 * [from, to) grouped by by: {report, from, to, by, lines: [{key,
 * tickets, answered, calendar, business: {p50_ms, p90_ms, p99_ms},
 * sla_met, sla_breached, sla_attainment_pct}]}.
 */
json_t *view_report_json(const struct rows *lines, int64_t from, int64_t to, enum report_by by);
/* "none", "group", "agent", "priority", "channel"; report_by_parse: -1 for another name. */
const char *report_by_name(enum report_by by);
int report_by_parse(const char *s);
/* A policy with its targets (rows of struct sla_target_row; those of other policies skipped). */
json_t *view_sla_policy_json(const struct sla_policy_row *p, const struct rows *targets);
json_t *view_calendar_json(const struct calendar_row *c);
/* {key: items, next_cursor: last_id or null}; full says the page was full (takes items). */
json_t *view_page_json(const char *key, json_t *items, int64_t last_id, bool full);

#endif
