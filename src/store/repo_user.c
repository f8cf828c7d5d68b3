/* repo_user.c - users, organisations and groups. */
#include "util/common.h"
#include "store/repo_private.h"

#define USER_COLS "id, email, name, role, organisation_id, active, created_at, updated_at"

static void read_user(struct arena *a, struct db_stmt *st, struct user_row *u)
{
	u->id = db_col_int64(st, 0);
	u->email = arena_strdup(a, db_col_text(st, 1));
	u->name = arena_strdup(a, db_col_text(st, 2));
	u->role = (enum role)role_parse(db_col_text(st, 3));
	u->organisation_id = db_col_int64(st, 4);
	u->active = db_col_int64(st, 5) != 0;
	u->created_at = db_col_int64(st, 6);
	u->updated_at = db_col_int64(st, 7);
}

enum err_code repo_user_insert(struct db *db, const struct user_new *u, int64_t *id,
			       struct err *e)
{
	static const char sql[] =
		"INSERT INTO users (email, email_norm, name, role, organisation_id, created_at, "
		"updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_text(st, 1, u->email);
	db_bind_text(st, 2, u->email_norm);
	db_bind_text(st, 3, u->name);
	db_bind_text(st, 4, role_name(u->role));
	db_bind_id(st, 5, u->organisation_id);
	db_bind_int64(st, 6, u->at);
	rc = repo_run_insert(db, st, id, e);
	if (rc == ERR_CONFLICT)
		err_set(e, ERR_CONFLICT, "a user with email '%s' already exists", u->email);
	return rc;
}

static enum err_code one_user(struct db_stmt *st, struct arena *a, struct user_row *out,
			      struct err *e, const char *what)
{
	enum err_code rc = ERR_OK;
	int r = db_step(st, e);
	if (r == DB_ROW)
		read_user(a, st, out);
	else
		rc = r < 0 ? e->code : err_set(e, ERR_NOT_FOUND, "no user %s", what);
	db_done(st);
	return rc;
}

enum err_code repo_user_get(struct db *db, struct arena *a, int64_t id, struct user_row *out,
			    struct err *e)
{
	static const char sql[] = "SELECT " USER_COLS " FROM users WHERE id = $1";
	struct db_stmt *st;
	char what[32];
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_int64(st, 1, id);
	snprintf(what, sizeof(what), "#%" PRId64, id);
	return one_user(st, a, out, e, what);
}

enum err_code repo_user_by_email(struct db *db, struct arena *a, const char *email_norm,
				 struct user_row *out, struct err *e)
{
	static const char sql[] = "SELECT " USER_COLS " FROM users WHERE email_norm = $1";
	struct db_stmt *st;
	char what[300];
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_text(st, 1, email_norm);
	snprintf(what, sizeof(what), "'%s'", email_norm);
	return one_user(st, a, out, e, what);
}

enum err_code repo_user_list(struct db *db, struct arena *a, int role, struct rows *out,
			     struct err *e)
{
	/* The cast: PostgreSQL cannot tell a NULL-tested parameter's type otherwise. */
	static const char sql[] = "SELECT " USER_COLS " FROM users WHERE CAST($1 AS TEXT) IS NULL "
				  "OR role = $1 ORDER BY id";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	if (rc)
		return rc;
	rows_init(out, sizeof(struct user_row));
	db_bind_text(st, 1, role >= 0 ? role_name((enum role)role) : NULL);
	while ((r = db_step(st, e)) == DB_ROW)
		read_user(a, st, rows_push(a, out));
	if (r < 0)
		rc = e->code;
	db_done(st);
	return rc;
}

enum err_code repo_user_update(struct db *db, const struct user_row *u, struct err *e)
{
	static const char sql[] = "UPDATE users SET name = $2, role = $3, organisation_id = $4, "
				  "active = $5, updated_at = $6 WHERE id = $1";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_int64(st, 1, u->id);
	db_bind_text(st, 2, u->name);
	db_bind_text(st, 3, role_name(u->role));
	db_bind_id(st, 4, u->organisation_id);
	db_bind_int64(st, 5, u->active);
	db_bind_int64(st, 6, u->updated_at);
	if ((rc = repo_run(st, e)))
		return rc;
	if (db_changes(db) == 0)
		return err_set(e, ERR_NOT_FOUND, "no user #%" PRId64, u->id);
	return ERR_OK;
}

enum err_code repo_org_insert(struct db *db, const char *name, const char *name_norm,
			      const char *domain, bool shares, int64_t at, int64_t *id,
			      struct err *e)
{
	static const char sql[] =
		"INSERT INTO organisations (name, name_norm, domain, shares_tickets, created_at, "
		"updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_text(st, 1, name);
	db_bind_text(st, 2, name_norm);
	db_bind_text(st, 3, domain);
	db_bind_int64(st, 4, shares);
	db_bind_int64(st, 5, at);
	rc = repo_run_id(st, id, e);
	if (rc == ERR_CONFLICT)
		err_set(e, ERR_CONFLICT, "an organisation named '%s' already exists", name);
	return rc;
}

#define ORG_COLS "id, name, domain, shares_tickets, created_at"

static void read_org(struct arena *a, struct db_stmt *st, struct org_row *o)
{
	o->id = db_col_int64(st, 0);
	o->name = arena_strdup(a, db_col_text(st, 1));
	o->domain = arena_strdup(a, db_col_text(st, 2));
	o->shares_tickets = db_col_int64(st, 3) != 0;
	o->created_at = db_col_int64(st, 4);
}

static enum err_code one_org(struct db_stmt *st, struct arena *a, struct org_row *out,
			     struct err *e, const char *what)
{
	enum err_code rc = ERR_OK;
	int r = db_step(st, e);
	if (r == DB_ROW)
		read_org(a, st, out);
	else
		rc = r < 0 ? e->code : err_set(e, ERR_NOT_FOUND, "no organisation %s", what);
	db_done(st);
	return rc;
}

enum err_code repo_org_get(struct db *db, struct arena *a, int64_t id, struct org_row *out,
			   struct err *e)
{
	static const char sql[] = "SELECT " ORG_COLS " FROM organisations WHERE id = $1";
	struct db_stmt *st;
	char what[32];
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_int64(st, 1, id);
	snprintf(what, sizeof(what), "#%" PRId64, id);
	return one_org(st, a, out, e, what);
}

enum err_code repo_org_by_name(struct db *db, struct arena *a, const char *name_norm,
			       struct org_row *out, struct err *e)
{
	static const char sql[] = "SELECT " ORG_COLS " FROM organisations WHERE name_norm = $1";
	struct db_stmt *st;
	char what[300];
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_text(st, 1, name_norm);
	snprintf(what, sizeof(what), "'%s'", name_norm);
	return one_org(st, a, out, e, what);
}

enum err_code repo_org_list(struct db *db, struct arena *a, struct rows *out, struct err *e)
{
	static const char sql[] = "SELECT " ORG_COLS " FROM organisations ORDER BY id";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	if (rc)
		return rc;
	rows_init(out, sizeof(struct org_row));
	while ((r = db_step(st, e)) == DB_ROW)
		read_org(a, st, rows_push(a, out));
	if (r < 0)
		rc = e->code;
	db_done(st);
	return rc;
}

enum err_code repo_group_insert(struct db *db, const char *name, const char *name_norm,
				int64_t at, int64_t *id, struct err *e)
{
	static const char sql[] = "INSERT INTO agent_groups (name, name_norm, created_at) "
				  "VALUES ($1, $2, $3) RETURNING id";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_text(st, 1, name);
	db_bind_text(st, 2, name_norm);
	db_bind_int64(st, 3, at);
	rc = repo_run_id(st, id, e);
	if (rc == ERR_CONFLICT)
		err_set(e, ERR_CONFLICT, "a group named '%s' already exists", name);
	return rc;
}

#define GROUP_COLS                                                                                \
	"g.id, g.name, g.created_at, (SELECT count(*) FROM group_members m WHERE m.group_id = "  \
	"g.id)"

static void read_group(struct arena *a, struct db_stmt *st, struct group_row *g)
{
	g->id = db_col_int64(st, 0);
	g->name = arena_strdup(a, db_col_text(st, 1));
	g->created_at = db_col_int64(st, 2);
	g->members = db_col_int64(st, 3);
}

static enum err_code one_group(struct db_stmt *st, struct arena *a, struct group_row *out,
			       struct err *e, const char *what)
{
	enum err_code rc = ERR_OK;
	int r = db_step(st, e);
	if (r == DB_ROW)
		read_group(a, st, out);
	else
		rc = r < 0 ? e->code : err_set(e, ERR_NOT_FOUND, "no group %s", what);
	db_done(st);
	return rc;
}

enum err_code repo_group_by_name(struct db *db, struct arena *a, const char *name_norm,
				 struct group_row *out, struct err *e)
{
	static const char sql[] = "SELECT " GROUP_COLS " FROM agent_groups g WHERE g.name_norm = $1";
	struct db_stmt *st;
	char what[300];
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_text(st, 1, name_norm);
	snprintf(what, sizeof(what), "'%s'", name_norm);
	return one_group(st, a, out, e, what);
}

enum err_code repo_group_get(struct db *db, struct arena *a, int64_t id, struct group_row *out,
			     struct err *e)
{
	static const char sql[] = "SELECT " GROUP_COLS " FROM agent_groups g WHERE g.id = $1";
	struct db_stmt *st;
	char what[32];
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_int64(st, 1, id);
	snprintf(what, sizeof(what), "#%" PRId64, id);
	return one_group(st, a, out, e, what);
}

enum err_code repo_group_list(struct db *db, struct arena *a, struct rows *out, struct err *e)
{
	static const char sql[] = "SELECT " GROUP_COLS " FROM agent_groups g ORDER BY g.id";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	if (rc)
		return rc;
	rows_init(out, sizeof(struct group_row));
	while ((r = db_step(st, e)) == DB_ROW)
		read_group(a, st, rows_push(a, out));
	if (r < 0)
		rc = e->code;
	db_done(st);
	return rc;
}

enum err_code repo_group_add_member(struct db *db, int64_t group_id, int64_t user_id,
				    bool lead, struct err *e)
{
	static const char sql[] = "INSERT INTO group_members (group_id, user_id, is_lead) "
				  "VALUES ($1, $2, $3) ON CONFLICT (group_id, user_id) "
				  "DO UPDATE SET is_lead = excluded.is_lead";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_int64(st, 1, group_id);
	db_bind_int64(st, 2, user_id);
	db_bind_int64(st, 3, lead);
	return repo_run(st, e);
}

enum err_code repo_group_is_member(struct db *db, int64_t group_id, int64_t user_id,
				   bool *member, struct err *e)
{
	static const char sql[] =
		"SELECT 1 FROM group_members WHERE group_id = $1 AND user_id = $2";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	if (rc)
		return rc;
	db_bind_int64(st, 1, group_id);
	db_bind_int64(st, 2, user_id);
	r = db_step(st, e);
	*member = r == DB_ROW;
	if (r < 0)
		rc = e->code;
	db_done(st);
	return rc;
}

enum err_code repo_followers_users(struct db *db, struct arena *a, int64_t ticket_id,
				   struct rows *out, struct err *e)
{
	static const char sql[] =
		"SELECT u.id, u.email, u.name, u.role, u.organisation_id, u.active, u.created_at, "
		"u.updated_at FROM ticket_followers f JOIN users u ON u.id = f.user_id "
		"WHERE f.ticket_id = $1 ORDER BY f.user_id";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	rows_init(out, sizeof(struct user_row));
	if (rc)
		return rc;
	db_bind_int64(st, 1, ticket_id);
	while ((r = db_step(st, e)) == DB_ROW)
		read_user(a, st, rows_push(a, out));
	db_done(st);
	return r < 0 ? e->code : ERR_OK;
}

enum err_code repo_ticket_names(struct db *db, struct arena *a, int64_t assignee_id,
				int64_t group_id, const char **assignee_email,
				const char **group_name, struct err *e)
{
	static const char sql[] = "SELECT (SELECT email FROM users WHERE id = $1), "
				  "(SELECT name FROM agent_groups WHERE id = $2)";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	*assignee_email = *group_name = NULL;
	if (rc)
		return rc;
	db_bind_int64(st, 1, assignee_id);
	db_bind_int64(st, 2, group_id);
	if ((r = db_step(st, e)) == DB_ROW) {
		const char *em = db_col_text(st, 0), *gn = db_col_text(st, 1);
		*assignee_email = em ? arena_strdup(a, em) : NULL;
		*group_name = gn ? arena_strdup(a, gn) : NULL;
	}
	db_done(st);
	return r < 0 ? e->code : ERR_OK;
}
