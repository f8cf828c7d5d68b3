/* repo_token.c - API tokens, stored as hashes. */
#include "util/common.h"
#include "store/repo_private.h"

enum err_code repo_token_insert(struct db *db, int64_t user_id, const char *name,
				const char *secret_hash, int64_t at, int64_t *id, struct err *e)
{
	static const char sql[] = "INSERT INTO api_tokens (user_id, name, secret_hash, created_at) "
				  "VALUES ($1, $2, $3, $4) RETURNING id";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, name);
	db_bind_text(st, 3, secret_hash);
	db_bind_int64(st, 4, at);
	return repo_run_id(st, id, e);
}

enum err_code repo_token_by_hash(struct db *db, const char *secret_hash, struct token_row *out,
				 struct err *e)
{
	static const char sql[] = "SELECT id, user_id, created_at FROM api_tokens "
				  "WHERE secret_hash = $1 AND revoked_at IS NULL";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	if (rc)
		return rc;
	db_bind_text(st, 1, secret_hash);
	r = db_step(st, e);
	if (r == DB_ROW) {
		out->id = db_col_int64(st, 0);
		out->user_id = db_col_int64(st, 1);
		out->name = NULL;
		out->created_at = db_col_int64(st, 2);
		out->revoked_at = 0;
	} else {
		rc = r < 0 ? e->code : err_set(e, ERR_NOT_FOUND, "no such token");
	}
	db_done(st);
	return rc;
}

enum err_code repo_token_user(struct db *db, const char *secret_hash, int64_t *user_id,
			      enum role *role, int64_t *org_id, bool *active, struct err *e)
{
	static const char sql[] =
		"SELECT u.id, u.role, u.organisation_id, u.active FROM api_tokens t JOIN users u "
		"ON u.id = t.user_id WHERE t.secret_hash = $1 AND t.revoked_at IS NULL";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	if (rc)
		return rc;
	db_bind_text(st, 1, secret_hash);
	r = db_step(st, e);
	if (r == DB_ROW) {
		*user_id = db_col_int64(st, 0);
		*role = (enum role)role_parse(db_col_text(st, 1));
		*org_id = db_col_int64(st, 2);
		*active = db_col_int64(st, 3) != 0;
	} else {
		rc = r < 0 ? e->code : err_set(e, ERR_NOT_FOUND, "no such token");
	}
	db_done(st);
	return rc;
}

enum err_code repo_token_revoke(struct db *db, int64_t id, int64_t at, bool *revoked,
				struct err *e)
{
	static const char sql[] =
		"UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, at);
	rc = repo_run(st, e);
	if (!rc)
		*revoked = db_changes(db) > 0;
	return rc;
}

enum err_code repo_token_list(struct db *db, struct arena *a, int64_t user_id, struct rows *out,
			      struct err *e)
{
	static const char sql[] = "SELECT id, user_id, name, created_at, revoked_at FROM api_tokens "
				  "WHERE $1 = 0 OR user_id = $1 ORDER BY id";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	if (rc)
		return rc;
	rows_init(out, sizeof(struct token_row));
	db_bind_int64(st, 1, user_id);
	while ((r = db_step(st, e)) == DB_ROW) {
		struct token_row *t = rows_push(a, out);
		t->id = db_col_int64(st, 0);
		t->user_id = db_col_int64(st, 1);
		t->name = arena_strdup(a, db_col_text(st, 2));
		t->created_at = db_col_int64(st, 3);
		t->revoked_at = db_col_int64(st, 4);
	}
	if (r < 0)
		rc = e->code;
	db_done(st);
	return rc;
}
