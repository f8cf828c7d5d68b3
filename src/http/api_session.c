/* api_session.c - /api/v1/session: sign in with a password, see the session, sign out. */
#include "util/common.h"
#include "desk/view.h"
#include "http/api.h"
#include "http/input.h"

#include <sodium.h>

struct login_job {
	const char *email, *password, *address;
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

static int done_login(struct hreq *r, struct write_job *j)
{
	struct login_job *l = j->in;
	char cookie[160];

	if (l->out.throttled) {
		char retry[24];
		snprintf(retry, sizeof(retry), "%" PRId64, l->out.retry_after_s);
		h2o_add_header(&r->req->pool, &r->req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
			       retry, strlen(retry));
		return http_problem(r, 429, "too_many_attempts", "%s", j->err.msg);
	}
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
	static const char *const fields[] = {"email", "password", NULL};
	struct write_job *j = job_new(r, run_login, done_login);
	struct login_job *l = arena_zalloc(&j->arena, sizeof(*l));

	j->in = l;
	if (input_only(r, fields) < 0 || input_string(r, &j->arena, "email", true, &l->email) < 0 ||
	    input_string(r, &j->arena, "password", true, &l->password) < 0) {
		arena_release(&j->arena);
		free(j);
		return 0;
	}
	l->address = arena_strdup(&j->arena, hreq_peer(r));
	j->prep = prep_login;
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
