/*
 * migrate.h - numbered schema migrations, applied at start.
 *
 * The migrations of each backend are compiled into the binary
 * (scripts/embed.py makes the table from migrations/<backend>/NNNN_*.sql).
 * store_migrate applies the open backend's pending ones in order, each in
 * its own transaction with its row in schema_migrations, and refuses a
 * database whose schema is newer than this binary knows. On PostgreSQL
 * an advisory lock is held meanwhile, so that servers starting together
 * migrate once.
 */
#ifndef CHAMPION_MIGRATE_H
#define CHAMPION_MIGRATE_H

#include "util/common.h"
#include "util/err.h"

struct db;

struct migration {
	int version;
	const char *name;
	const char *sql;
};

/* SQLite's (migrations/sqlite/) and PostgreSQL's (migrations/postgresql/): the same versions. */
extern const struct migration migrations[];
extern const size_t migrations_count;
extern const struct migration migrations_pg[];
extern const size_t migrations_pg_count;

/* The newest schema version this binary knows (both backends reach the same one). */
int migrate_latest(void);

/* Whether the database holds any table, and whether it is a desk (has schema_migrations). */
enum err_code migrate_probe(struct db *db, bool *has_any, bool *is_desk, struct err *e);

/*
 * Brings db up to the latest schema. where names the desk in messages.
 * A database with tables but no schema_migrations is not a desk
 * (ERR_INVALID); a newer one is refused (ERR_CONFLICT). *version gets
 * the version reached.
 */
enum err_code migrate_apply(struct db *db, const char *where, int *version, struct err *e);

/*
 * As migrate_apply, for a database that must be a desk already (opening
 * one): a database without any table is ERR_NOT_FOUND, one with tables but
 * no schema_migrations ERR_INVALID, and neither is changed. On a desk that
 * is up to date, one query.
 */
enum err_code migrate_desk(struct db *db, const char *where, int *version, struct err *e);

#endif
