/* migrate.c - apply numbered migrations in order, refuse newer schemas. */
#include "util/common.h"
#include "store/db.h"
#include "store/migrate.h"
#include "util/log.h"
#include "util/time.h"

int migrate_latest(void)
{
	return migrations_count ? migrations[migrations_count - 1].version : 0;
}

/* Backend-specific catalogue query: does the database hold any table? */
enum err_code migrate_probe(struct db *db, bool *has_any, bool *has_migrations,
				  struct err *e)
{
	static const char sql[] =
		"SELECT count(*), coalesce(sum(name = 'schema_migrations'), 0) FROM sqlite_master "
		"WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	if (db_step(st, e) != DB_ROW) {
		db_done(st);
		return e->code ? e->code : ERR_INTERNAL;
	}
	*has_any = db_col_int64(st, 0) > 0;
	*has_migrations = db_col_int64(st, 1) > 0;
	db_done(st);
	return ERR_OK;
}

static enum err_code current_version(struct db *db, int *v, struct err *e)
{
	static const char sql[] = "SELECT coalesce(max(version), 0) FROM schema_migrations";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	if (db_step(st, e) != DB_ROW)
		rc = e->code ? e->code : ERR_INTERNAL;
	else
		*v = (int)db_col_int64(st, 0);
	db_done(st);
	return rc;
}

/* Whether migration version is recorded as applied. */
static enum err_code is_applied(struct db *db, int version, bool *yes, struct err *e)
{
	static const char sql[] = "SELECT 1 FROM schema_migrations WHERE version = $1";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	if (rc)
		return rc;
	db_bind_int64(st, 1, version);
	r = db_step(st, e);
	*yes = r == DB_ROW;
	if (r < 0)
		rc = e->code;
	db_done(st);
	return rc;
}

static enum err_code apply_one(struct db *db, const struct migration *m, struct err *e)
{
	static const char record[] =
		"INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)";
	struct db_stmt *st = NULL;
	enum err_code rc;

	if ((rc = db_begin(db, e)))
		return rc;
	if ((rc = db_exec(db, m->sql, e)))
		goto fail;
	if ((rc = db_prepare(db, record, &st, e)))
		goto fail;
	db_bind_int64(st, 1, m->version);
	db_bind_text(st, 2, m->name);
	db_bind_int64(st, 3, time_now_ms());
	if (db_step(st, e) < 0) {
		rc = e->code;
		goto fail;
	}
	db_done(st);
	st = NULL;
	if ((rc = db_commit(db, e)))
		goto fail;
	log_info("applied migration", "version=%d name=%s", m->version, m->name);
	return ERR_OK;
fail:
	db_done(st);
	db_rollback(db);
	return rc;
}

enum err_code migrate_apply(struct db *db, const char *where, int *version, struct err *e)
{
	bool has_any = false, has_migrations = false;
	int v = 0;
	enum err_code rc;

	if ((rc = migrate_probe(db, &has_any, &has_migrations, e)))
		return rc;
	if (has_any && !has_migrations)
		return err_set(e, ERR_INVALID, "'%s' is a database but not a Champion desk", where);
	if (!has_migrations) {
		rc = db_exec(db,
			     "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
			     "name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
			     e);
		if (rc)
			return rc;
	}
	if ((rc = current_version(db, &v, e)))
		return rc;
	if (v > migrate_latest())
		return err_set(e, ERR_CONFLICT,
			       "desk '%s' has schema version %d, newer than this champion knows "
			       "(%d); use a newer champion",
			       where, v, migrate_latest());
	/*
	 * Each migration not yet recorded, in order: numbers are taken by
	 * branches, so one merged later (0009 after 0010) still applies.
	 */
	for (size_t i = 0; i < migrations_count; i++) {
		bool done = false;
		if ((rc = is_applied(db, migrations[i].version, &done, e)))
			return rc;
		if (done)
			continue;
		if ((rc = apply_one(db, &migrations[i], e)))
			return rc;
		if (migrations[i].version > v)
			v = migrations[i].version;
	}
	*version = v;
	return ERR_OK;
}
