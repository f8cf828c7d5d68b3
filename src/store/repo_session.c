/* repo_session.c - password hashes, sessions and failed sign-ins. */
#include "util/common.h"
#include "store/repo_private.h"

enum err_code repo_password_set(struct db *db, int64_t user_id, const char *hash, int64_t at,
				struct err *e)
{
	static const char sql[] =
		"UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, hash);
	db_bind_int64(st, 3, at);
	return repo_run(st, e);
}

enum err_code repo_password_get(struct db *db, struct arena *a, int64_t user_id,
				const char **hash, struct err *e)
{
	static const char sql[] = "SELECT password_hash FROM users WHERE id = $1";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	if (rc)
		return rc;
	db_bind_int64(st, 1, user_id);
	r = db_step(st, e);
	if (r == DB_ROW)
		*hash = arena_strdup(a, db_col_text(st, 0));
	else
		rc = r < 0 ? e->code : err_set(e, ERR_NOT_FOUND, "no user #%" PRId64, user_id);
	db_done(st);
	return rc;
}

enum err_code repo_session_insert(struct db *db, int64_t user_id, const char *secret_hash,
				  const char *csrf, int64_t at, int64_t expires_at, int64_t *id,
				  struct err *e)
{
	static const char sql[] =
		"INSERT INTO sessions (user_id, secret_hash, csrf_token, created_at, expires_at) "
		"VALUES ($1, $2, $3, $4, $5) RETURNING id";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, secret_hash);
	db_bind_text(st, 3, csrf);
	db_bind_int64(st, 4, at);
	db_bind_int64(st, 5, expires_at);
	return repo_run_id(st, id, e);
}

enum err_code repo_session_user(struct db *db, const char *secret_hash, int64_t now,
				int64_t *user_id, enum role *role, int64_t *org_id, bool *active,
				char csrf[65], struct err *e)
{
	static const char sql[] =
		"SELECT u.id, u.role, u.organisation_id, u.active, s.csrf_token FROM sessions s "
		"JOIN users u ON u.id = s.user_id WHERE s.secret_hash = $1 AND s.expires_at > $2";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	if (rc)
		return rc;
	db_bind_text(st, 1, secret_hash);
	db_bind_int64(st, 2, now);
	r = db_step(st, e);
	if (r == DB_ROW) {
		*user_id = db_col_int64(st, 0);
		*role = (enum role)role_parse(db_col_text(st, 1));
		*org_id = db_col_int64(st, 2);
		*active = db_col_int64(st, 3) != 0;
		snprintf(csrf, 65, "%s", db_col_text(st, 4));
	} else {
		rc = r < 0 ? e->code : err_set(e, ERR_NOT_FOUND, "no such session");
	}
	db_done(st);
	return rc;
}

enum err_code repo_session_delete(struct db *db, const char *secret_hash, struct err *e)
{
	static const char sql[] = "DELETE FROM sessions WHERE secret_hash = $1";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_text(st, 1, secret_hash);
	return repo_run(st, e);
}

enum err_code repo_login_failure_add(struct db *db, const char *key, int64_t at, struct err *e)
{
	static const char sql[] = "INSERT INTO login_failures (key, at) VALUES ($1, $2)";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_text(st, 1, key);
	db_bind_int64(st, 2, at);
	return repo_run(st, e);
}

enum err_code repo_login_failures(struct db *db, const char *key, int64_t since, int64_t *n,
				  struct err *e)
{
	static const char sql[] = "SELECT count(*) FROM login_failures WHERE key = $1 AND at >= $2";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	if (rc)
		return rc;
	db_bind_text(st, 1, key);
	db_bind_int64(st, 2, since);
	r = db_step(st, e);
	if (r == DB_ROW)
		*n = db_col_int64(st, 0);
	else
		rc = r < 0 ? e->code : ERR_INTERNAL;
	db_done(st);
	return rc;
}

enum err_code repo_login_failures_clear(struct db *db, const char *key, struct err *e)
{
	static const char sql[] = "DELETE FROM login_failures WHERE key = $1";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_text(st, 1, key);
	return repo_run(st, e);
}

enum err_code repo_link_insert(struct db *db, int64_t user_id, const char *secret_hash,
			       int64_t at, int64_t expires_at, const char *address, int64_t *id,
			       struct err *e)
{
	static const char sql[] =
		"INSERT INTO signin_links (user_id, secret_hash, created_at, expires_at, address) "
		"VALUES ($1, $2, $3, $4, $5) RETURNING id";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, secret_hash);
	db_bind_int64(st, 3, at);
	db_bind_int64(st, 4, expires_at);
	db_bind_text(st, 5, address);
	return repo_run_id(st, id, e);
}

enum err_code repo_link_use(struct db *db, const char *secret_hash, int64_t now,
			    int64_t *user_id, struct err *e)
{
	static const char sql[] =
		"UPDATE signin_links SET used_at = $2 "
		"WHERE secret_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING user_id";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	if (rc)
		return rc;
	db_bind_text(st, 1, secret_hash);
	db_bind_int64(st, 2, now);
	r = db_step(st, e);
	if (r == DB_ROW)
		*user_id = db_col_int64(st, 0);
	else
		rc = r < 0 ? e->code : err_set(e, ERR_NOT_FOUND, "no such sign-in link");
	db_done(st);
	return rc;
}

enum err_code repo_links_prune(struct db *db, int64_t before, struct err *e)
{
	static const char sql[] = "DELETE FROM signin_links WHERE expires_at < $1";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_int64(st, 1, before);
	return repo_run(st, e);
}
