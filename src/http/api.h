/* api.h - the handlers the route table names (api_*.c). Private to http/. */
#ifndef CHAMPION_API_H
#define CHAMPION_API_H

#include "http/http.h"

int api_healthz(struct hreq *r);
int api_readyz(struct hreq *r);
int api_metrics(struct hreq *r);
int api_me(struct hreq *r);

int api_tickets_list(struct hreq *r);
int api_tickets_create(struct hreq *r);
int api_ticket_get(struct hreq *r);
int api_ticket_patch(struct hreq *r);
int api_ticket_reply(struct hreq *r);
int api_ticket_note(struct hreq *r);
int api_ticket_merge(struct hreq *r);
int api_ticket_events(struct hreq *r);
int api_ticket_sla(struct hreq *r);
int api_ticket_attachment(struct hreq *r);
int api_search(struct hreq *r);
/* api_live.c: server-sent events, presence. */
int api_stream(struct hreq *r);
int api_ticket_presence(struct hreq *r);
int api_ticket_presence_set(struct hreq *r);
int api_views_list(struct hreq *r);
int api_views_create(struct hreq *r);
int api_view_tickets(struct hreq *r);
int api_view_patch(struct hreq *r);
int api_view_delete(struct hreq *r);

int api_session_create(struct hreq *r);
int api_session_get(struct hreq *r);
int api_session_delete(struct hreq *r);
int api_session_link_get(struct hreq *r);
int api_session_link_create(struct hreq *r);
int api_users_list(struct hreq *r);
int api_users_create(struct hreq *r);
int api_user_get(struct hreq *r);
int api_user_patch(struct hreq *r);
int api_orgs_list(struct hreq *r);
int api_orgs_create(struct hreq *r);
int api_groups_list(struct hreq *r);
int api_groups_create(struct hreq *r);
int api_group_members_add(struct hreq *r);

int api_sla_policies_list(struct hreq *r);
int api_sla_policies_create(struct hreq *r);
int api_sla_policy_patch(struct hreq *r);
int api_sla_policy_delete(struct hreq *r);
int api_calendars_list(struct hreq *r);
int api_calendars_create(struct hreq *r);
int api_calendar_patch(struct hreq *r);
int api_report_first_response(struct hreq *r);

#endif
