/* migrate.c - apply numbered migrations in order, refuse newer schemas. */
#include "util/common.h"
#include "store/db.h"
#include "store/migrate.h"
#include "util/log.h"
#include "util/time.h"
#include "util/xalloc.h"

int migrate_latest(void)
{
	return migrations_count ? migrations[migrations_count - 1].version : 0;
}

static bool on_pg(struct db *db)
{
	return strcmp(db_backend(db), "postgresql") == 0;
}

/* The open backend's migrations. */
static void migration_set(struct db *db, const struct migration **list, size_t *n)
{
	*list = on_pg(db) ? migrations_pg : migrations;
	*n = on_pg(db) ? migrations_pg_count : migrations_count;
}

/* Backend-specific catalogue query: does the database hold any table? */
enum err_code migrate_probe(struct db *db, bool *has_any, bool *has_migrations,
				  struct err *e)
{
	static const char sql[] =
		"SELECT count(*), coalesce(sum(name = 'schema_migrations'), 0) FROM sqlite_master "
		"WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
	/* The tables of the connection's schema (search_path's first). */
	static const char sql_pg[] =
		"SELECT count(*), count(*) FILTER (WHERE table_name = 'schema_migrations') "
		"FROM information_schema.tables WHERE table_schema = current_schema()";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, on_pg(db) ? sql_pg : sql, &st, e);
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

/*
 * The versions recorded in schema_migrations, ascending, into *out (malloc'd,
 * *n of them): one query, the whole check on a desk that is up to date.
 * *missing when the database has no such table (then nothing is read).
 */
static enum err_code recorded(struct db *db, int **out, size_t *n, bool *missing,
			      struct err *e)
{
	static const char sql[] = "SELECT version FROM schema_migrations ORDER BY version";
	struct db_stmt *st;
	size_t cap = migrations_count + migrations_pg_count + 8;
	int *v = NULL;
	enum err_code rc;
	int r;

	*out = NULL;
	*n = 0;
	*missing = false;
	if ((rc = db_prepare(db, sql, &st, e))) {
		/* No table to read: the probe tells a database without it from a failure. */
		struct err pe = ERR_INIT;
		bool has_any, has_migrations;
		if (migrate_probe(db, &has_any, &has_migrations, &pe) == ERR_OK && !has_migrations) {
			err_clear(e);
			*missing = true;
			return ERR_OK;
		}
		return rc;
	}
	v = xmalloc(cap * sizeof(*v));
	while ((r = db_step(st, e)) == DB_ROW) {
		if (*n == cap) {
			cap *= 2;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[(*n)++] = (int)db_col_int64(st, 0);
	}
	db_done(st);
	if (r < 0) {
		free(v);
		*n = 0;
		return e->code ? e->code : ERR_INTERNAL;
	}
	*out = v;
	return ERR_OK;
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

/* Brings db up to date; create: whether a database without any table may become a desk. */
static enum err_code migrate(struct db *db, const char *where, bool create, int *version,
			     struct err *e)
{
	const struct migration *list;
	size_t count;
	int *done = NULL, v = 0;
	size_t ndone = 0, k = 0;
	bool missing;
	enum err_code rc;

	migration_set(db, &list, &count);
	if ((rc = recorded(db, &done, &ndone, &missing, e)))
		return rc;
	if (missing) {
		bool has_any = false, has_migrations = false;
		if ((rc = migrate_probe(db, &has_any, &has_migrations, e)))
			return rc;
		if (has_any)
			return err_set(e, ERR_INVALID, "'%s' is a database but not a Champion desk",
				       where);
		if (!create)
			return err_set(e, ERR_NOT_FOUND,
				       "'%s' is empty, not a desk (create one with 'champion init')",
				       where);
		rc = db_exec(db,
			     on_pg(db) ? "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, "
					 "name TEXT NOT NULL, applied_at BIGINT NOT NULL)"
				       : "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
					 "name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
			     e);
		if (rc)
			return rc;
	}
	if (ndone)
		v = done[ndone - 1];
	if (v > migrate_latest()) {
		free(done);
		return err_set(e, ERR_CONFLICT,
			       "desk '%s' has schema version %d, newer than this champion knows "
			       "(%d); use a newer champion",
			       where, v, migrate_latest());
	}
	/*
	 * Each migration not yet recorded, in order: numbers are taken by
	 * branches, so one merged later (0009 after 0010) still applies. Both
	 * lists ascend, so one pass over them finds the gaps.
	 */
	for (size_t i = 0; i < count; i++) {
		while (k < ndone && done[k] < list[i].version)
			k++;
		if (k < ndone && done[k] == list[i].version)
			continue;
		if ((rc = apply_one(db, &list[i], e))) {
			free(done);
			return rc;
		}
		if (list[i].version > v)
			v = list[i].version;
	}
	free(done);
	*version = v;
	return ERR_OK;
}

/*
 * On PostgreSQL, one migrating connection at a time across every process:
 * a session-level advisory lock, taken before reading what is recorded
 * and let go after. The second of two servers starting together waits,
 * then finds everything applied. SQLite's BEGIN IMMEDIATE already
 * serialises each migration's transaction.
 */
#define MIGRATE_LOCK "SELECT pg_advisory_lock(7294103187365111)"
#define MIGRATE_UNLOCK "SELECT pg_advisory_unlock(7294103187365111)"

static enum err_code migrate_locked(struct db *db, const char *where, bool create, int *version,
				    struct err *e)
{
	enum err_code rc;
	struct err ignored = ERR_INIT;

	if (!on_pg(db))
		return migrate(db, where, create, version, e);
	if ((rc = db_exec(db, MIGRATE_LOCK, e)))
		return rc;
	rc = migrate(db, where, create, version, e);
	db_exec(db, MIGRATE_UNLOCK, &ignored);
	return rc;
}

enum err_code migrate_apply(struct db *db, const char *where, int *version, struct err *e)
{
	return migrate_locked(db, where, true, version, e);
}

enum err_code migrate_desk(struct db *db, const char *where, int *version, struct err *e)
{
	return migrate_locked(db, where, false, version, e);
}
