/*
 * routes.c - the API: method + path pattern -> handler. The single source
 * of the routes; docs/openapi.yaml describes the same list.
 */
#include "util/common.h"
#include "http/api.h"

#define KB 1024
/*
 * A message of DESK_BODY_MAX plus JSON escaping. Routes that also take
 * multipart/form-data (ROUTE_MULTIPART) hold it to the 'message' part;
 * the whole upload may be as large as the server's upload limit.
 */
#define BODY_MESSAGE (2 * 1024 * KB)

const struct route http_routes[] = {
	{"GET", "/healthz", ROUTE_PUBLIC, 0, api_healthz},
	{"GET", "/readyz", ROUTE_PUBLIC, 0, api_readyz},
	{"GET", "/metrics", ROUTE_PUBLIC, 0, api_metrics},
	{"GET", "/api/v1/me", 0, 0, api_me},
	{"POST", "/api/v1/session", ROUTE_PUBLIC | ROUTE_JSON, 4 * KB, api_session_create},
	{"GET", "/api/v1/session", 0, 0, api_session_get},
	{"DELETE", "/api/v1/session", 0, 0, api_session_delete},
	{"GET", "/api/v1/session/link", ROUTE_PUBLIC, 0, api_session_link_get},
	{"POST", "/api/v1/session/link", ROUTE_PUBLIC | ROUTE_JSON, 1 * KB, api_session_link_create},
	{"GET", "/api/v1/tickets", 0, 0, api_tickets_list},
	{"POST", "/api/v1/tickets", ROUTE_JSON | ROUTE_MULTIPART, BODY_MESSAGE, api_tickets_create},
	{"GET", "/api/v1/tickets/{id}", 0, 0, api_ticket_get},
	{"PATCH", "/api/v1/tickets/{id}", ROUTE_JSON, 64 * KB, api_ticket_patch},
	{"POST", "/api/v1/tickets/{id}/replies", ROUTE_JSON | ROUTE_MULTIPART, BODY_MESSAGE, api_ticket_reply},
	{"POST", "/api/v1/tickets/{id}/notes", ROUTE_JSON | ROUTE_MULTIPART, BODY_MESSAGE, api_ticket_note},
	{"POST", "/api/v1/tickets/{id}/merge", ROUTE_JSON, 4 * KB, api_ticket_merge},
	{"GET", "/api/v1/tickets/{id}/events", 0, 0, api_ticket_events},
	{"GET", "/api/v1/tickets/{id}/sla", 0, 0, api_ticket_sla},
	{"GET", "/api/v1/tickets/{id}/attachments/{attachment_id}", 0, 0, api_ticket_attachment},
	{"GET", "/api/v1/tickets/{id}/presence", 0, 0, api_ticket_presence},
	{"POST", "/api/v1/tickets/{id}/presence", ROUTE_JSON, 1 * KB, api_ticket_presence_set},
	{"GET", "/api/v1/users", 0, 0, api_users_list},
	{"POST", "/api/v1/users", ROUTE_JSON, 4 * KB, api_users_create},
	{"GET", "/api/v1/users/{id}", 0, 0, api_user_get},
	{"PATCH", "/api/v1/users/{id}", ROUTE_JSON, 4 * KB, api_user_patch},
	{"GET", "/api/v1/organisations", 0, 0, api_orgs_list},
	{"POST", "/api/v1/organisations", ROUTE_JSON, 4 * KB, api_orgs_create},
	{"GET", "/api/v1/groups", 0, 0, api_groups_list},
	{"POST", "/api/v1/groups", ROUTE_JSON, 4 * KB, api_groups_create},
	{"POST", "/api/v1/groups/{id}/members", ROUTE_JSON, 4 * KB, api_group_members_add},
	{"GET", "/api/v1/search", 0, 0, api_search},
	{"GET", "/api/v1/stream", 0, 0, api_stream},
	{"GET", "/api/v1/views", 0, 0, api_views_list},
	{"POST", "/api/v1/views", ROUTE_JSON, 8 * KB, api_views_create},
	{"PATCH", "/api/v1/views/{id}", ROUTE_JSON, 8 * KB, api_view_patch},
	{"DELETE", "/api/v1/views/{id}", 0, 0, api_view_delete},
	{"GET", "/api/v1/views/{id}/tickets", 0, 0, api_view_tickets},
	{"GET", "/api/v1/sla/policies", 0, 0, api_sla_policies_list},
	{"POST", "/api/v1/sla/policies", ROUTE_JSON, 16 * KB, api_sla_policies_create},
	{"PATCH", "/api/v1/sla/policies/{id}", ROUTE_JSON, 16 * KB, api_sla_policy_patch},
	{"DELETE", "/api/v1/sla/policies/{id}", 0, 0, api_sla_policy_delete},
	{"GET", "/api/v1/calendars", 0, 0, api_calendars_list},
	{"POST", "/api/v1/calendars", ROUTE_JSON, 64 * KB, api_calendars_create},
	{"PATCH", "/api/v1/calendars/{id}", ROUTE_JSON, 64 * KB, api_calendar_patch},
	{"GET", "/api/v1/reports/first-response", 0, 0, api_report_first_response},
};
const size_t http_nroutes = ARRAY_SIZE(http_routes);
