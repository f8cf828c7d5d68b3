/*
 * api_session.c - /api/v1/session: sign in with a password or a mailed
 * link, see the session, sign out; /api/v1/session/link: ask for a link.
 */
#include "util/common.h"
#include "desk/view.h"
#include "http/api.h"
#include "http/input.h"

#include <sodium.h>

struct login_job {
	const char *email, *password, *link, *address;
	struct login_check check;
	struct login_out out;
};

/* Slow (argon2id): on the slow lane, neither on an event loop nor on the writer. */
static enum err_code prep_login(struct desk *d, struct write_job *j, struct err *e)
{
	struct login_job *l = j->in;
	enum err_code rc = desk_login_check(d, l->email, l->password, l->address, &l->check, e);

	sodium_memzero((void *)l->password, strlen(l->password));
	return rc;
}

/* Quick: the session, or the failure recorded. */
static enum err_code run_login(struct desk *d, struct write_job *j, struct err *e)
{
	struct login_job *l = j->in;

	if (l->link) {
		enum err_code rc = desk_link_signin(d, l->link, l->address, &l->out, e);
		sodium_memzero((void *)l->link, strlen(l->link));
		return rc;
	}
	return desk_login_finish(d, &l->check, &l->out, e);
}

static int session_json(struct hreq *r, int status, const struct actor *who, const char *csrf)
{
	struct user_row u;
	struct err e = ERR_INIT;

	if (desk_me(worker_desk(r->w), who, &r->arena, &u, &e))
		return http_error(r, &e);
	return http_json(r, status, json_pack("{s:o, s:s}", "user", view_user_json(&u),
					      "csrf_token", csrf));
}

/* The throttle's 429, with when to try again. */
static int too_many(struct hreq *r, int64_t retry_after_s, const char *why)
{
	char retry[24];

	snprintf(retry, sizeof(retry), "%" PRId64, retry_after_s);
	h2o_add_header(&r->req->pool, &r->req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL, retry,
		       strlen(retry));
	return http_problem(r, 429, "too_many_attempts", "%s", why);
}

static int done_login(struct hreq *r, struct write_job *j)
{
	struct login_job *l = j->in;
	char cookie[160];

	if (l->out.throttled)
		return too_many(r, l->out.retry_after_s, j->err.msg);
	if (j->rc == ERR_FORBIDDEN || j->rc == ERR_NOT_FOUND)
		return http_problem(r, 401, "unauthenticated", "%s", j->err.msg);
	if (j->rc)
		return http_error(r, &j->err);
	snprintf(cookie, sizeof(cookie),
		 HTTP_SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%lld",
		 l->out.session, (long long)(DESK_SESSION_TTL_MS / 1000));
	h2o_add_header(&r->req->pool, &r->req->res.headers, H2O_TOKEN_SET_COOKIE, NULL, cookie,
		       strlen(cookie));
	sodium_memzero(l->out.session, sizeof(l->out.session));
	return session_json(r, 201, &l->out.actor, l->out.csrf);
}

int api_session_create(struct hreq *r)
{
	static const char *const fields[] = {"email", "password", "link", NULL};
	struct write_job *j = job_new(r, run_login, done_login);
	struct login_job *l = arena_zalloc(&j->arena, sizeof(*l));

	j->in = l;
	if (input_only(r, fields) < 0 || input_string(r, &j->arena, "link", false, &l->link) < 0)
		goto refused;
	if (l->link) {
		if (json_object_get(r->body, "email") || json_object_get(r->body, "password")) {
			http_problem(r, 422, "invalid", "give either a link, or an email and a "
				     "password, not both");
			goto refused;
		}
	} else if (input_string(r, &j->arena, "email", true, &l->email) < 0 ||
		   input_string(r, &j->arena, "password", true, &l->password) < 0) {
		goto refused;
	} else {
		j->prep = prep_login; /* argon2id */
	}
	l->address = arena_strdup(&j->arena, hreq_peer(r));
	return job_submit(j);
refused:
	arena_release(&j->arena);
	free(j);
	return 0;
}

int api_session_link_get(struct hreq *r)
{
	bool on = desk_links_enabled(worker_desk(r->w));

	return http_json(r, 200, json_pack("{s:b, s:i}", "enabled", on, "expires_in_minutes",
					   (int)(DESK_LINK_TTL_MS / 60000)));
}

struct link_job {
	const char *email, *address;
	int64_t retry_after_s;
};

static enum err_code run_link(struct desk *d, struct write_job *j, struct err *e)
{
	struct link_job *l = j->in;
	return desk_link_request(d, l->email, l->address, &l->retry_after_s, e);
}

static int done_link(struct hreq *r, struct write_job *j)
{
	struct link_job *l = j->in;

	if (l->retry_after_s > 0)
		return too_many(r, l->retry_after_s, j->err.msg);
	if (j->rc)
		return http_error(r, &j->err);
	/* The same answer whether or not the email has an account. */
	return http_json(r, 202, json_pack("{s:s, s:i}", "detail",
					   "If that address belongs to a customer of this desk, a "
					   "sign-in link is on its way to it.",
					   "expires_in_minutes", (int)(DESK_LINK_TTL_MS / 60000)));
}

int api_session_link_create(struct hreq *r)
{
	static const char *const fields[] = {"email", NULL};
	struct write_job *j = job_new(r, run_link, done_link);
	struct link_job *l = arena_zalloc(&j->arena, sizeof(*l));

	j->in = l;
	if (input_only(r, fields) < 0 || input_string(r, &j->arena, "email", true, &l->email) < 0) {
		arena_release(&j->arena);
		free(j);
		return 0;
	}
	l->address = arena_strdup(&j->arena, hreq_peer(r));
	return job_submit(j);
}

int api_session_get(struct hreq *r)
{
	if (!r->session)
		return http_problem(r, 404, "not_found", "this request came with a token, not a session");
	return session_json(r, 200, &r->actor, r->csrf);
}

static enum err_code run_logout(struct desk *d, struct write_job *j, struct err *e)
{
	return desk_logout(d, j->in, e);
}

static int done_logout(struct hreq *r, struct write_job *j)
{
	static const char expire[] =
		HTTP_SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0";

	if (j->rc)
		return http_error(r, &j->err);
	h2o_add_header(&r->req->pool, &r->req->res.headers, H2O_TOKEN_SET_COOKIE, NULL, expire,
		       sizeof(expire) - 1);
	return http_text(r, 204, NULL, "", 0);
}

int api_session_delete(struct hreq *r)
{
	struct write_job *j;

	if (!r->session)
		return http_problem(r, 404, "not_found", "this request came with a token, not a session");
	j = job_new(r, run_logout, done_logout);
	j->in = arena_strdup(&j->arena, r->session);
	return job_submit(j);
}
