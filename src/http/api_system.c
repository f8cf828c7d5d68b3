/* api_system.c - liveness, readiness, metrics, and who am I. */
#include "util/common.h"
#include "http/api.h"
#include "desk/view.h"

int api_healthz(struct hreq *r)
{
	return http_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

int api_readyz(struct hreq *r)
{
	struct err e = ERR_INIT;

	if (!server_ready(r->w))
		return http_problem(r, 503, "not_ready", "the server is starting or stopping");
	if (desk_ping(worker_desk(r->w), &e))
		return http_problem(r, 503, "not_ready", "the desk does not answer: %s", e.msg);
	return http_json(r, 200, json_pack("{s:s}", "status", "ready"));
}

int api_metrics(struct hreq *r)
{
	return metrics_render(r);
}

int api_me(struct hreq *r)
{
	struct user_row u;
	struct err e = ERR_INIT;

	if (desk_me(worker_desk(r->w), &r->actor, &r->arena, &u, &e))
		return http_error(r, &e);
	return http_json(r, 200, view_user_json(&u));
}
