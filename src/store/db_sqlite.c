/* db_sqlite.c - the SQLite driver: WAL, busy timeout, $N placeholders. */
#include "util/common.h"
#include "store/db_driver.h"
#include "util/xalloc.h"

#include <pthread.h>
#include <sqlite3.h>
#include <unistd.h>

#define MAX_PARAMS 64

struct sq_stmt {
	sqlite3_stmt *st;
	sqlite3 *conn;
	int nmap;
	int map[MAX_PARAMS + 1]; /* $n -> SQLite's parameter index */
};

/* Maps a SQLite result code (extended) to the taxonomy with a message. */
static enum err_code fail(sqlite3 *conn, int rc, struct err *e, const char *what)
{
	const char *msg = conn ? sqlite3_errmsg(conn) : sqlite3_errstr(rc);

	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return err_set(e, ERR_TRANSIENT, "database is busy (%s); try again", msg);
	case SQLITE_CONSTRAINT:
		if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
			return err_set(e, ERR_CONFLICT, "already exists (%s)", msg);
		return err_set(e, ERR_INVALID, "rejected by the database (%s)", msg);
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return err_set(e, ERR_INTERNAL,
			       "the database file is corrupt or is not a database (%s)", msg);
	case SQLITE_FULL:
		return err_set(e, ERR_TRANSIENT, "disk full while %s (%s)", what, msg);
	case SQLITE_IOERR:
		return err_set(e, ERR_TRANSIENT, "i/o error while %s (%s)", what, msg);
	case SQLITE_CANTOPEN:
		return err_set(e, ERR_NOT_FOUND, "cannot open database (%s)", msg);
	case SQLITE_READONLY:
		return err_set(e, ERR_FORBIDDEN, "database is read-only (%s)", msg);
	default:
		return err_set(e, ERR_INTERNAL, "database error while %s: %s", what, msg);
	}
}

static enum err_code sq_exec(void *conn, const char *sql, struct err *e)
{
	char *msg = NULL;
	int rc = sqlite3_exec(conn, sql, NULL, NULL, &msg);
	sqlite3_free(msg);
	if (rc != SQLITE_OK)
		return fail(conn, sqlite3_extended_errcode(conn), e, "executing a statement");
	return ERR_OK;
}

/*
 * Before SQLite starts: no memory statistics. Debian builds SQLite with
 * them on, and they put a global mutex around every allocation SQLite
 * makes, which every thread of the server then contends for.
 */
static const char *sq_vfs; /* db_sqlite_vfs.c's, or NULL for SQLite's default */

static void sq_configure(void)
{
	int ignored = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); /* MISUSE if started already */
	(void)ignored;
	sq_vfs = db_sqlite_vfs_register();
}

/*
 * After each commit of a keep_wal connection (instead of the automatic
 * checkpoint): once the log is DB_KEEP_WAL_PAGES long, copy it into the
 * database and empty it. Without waiting: a reader in the way is a
 * server's, whose own checkpoints fold the log in. Every log page is
 * copied once, though each process that opens the desk alone rebuilds
 * the log's index and forgets what was copied: so the log is emptied,
 * never left copied but full. A log past DB_KEEP_WAL_MAX pages is not
 * ours to copy (one delivery paid 9.8 s for a server's once): its
 * writer's checkpoints or close fold it in. arg: the busy timeout.
 */
static int keep_wal_hook(void *arg, sqlite3 *conn, const char *name, int pages)
{
	if (pages >= DB_KEEP_WAL_PAGES && pages <= DB_KEEP_WAL_MAX) {
		sqlite3_busy_timeout(conn, 0);
		(void)sqlite3_wal_checkpoint_v2(conn, name, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
		sqlite3_busy_timeout(conn, (int)(intptr_t)arg);
	}
	return SQLITE_OK; /* the commit stands whatever the checkpoint did */
}

/* After each commit of a log_watch connection, instead of the automatic checkpoint. */
static int log_watch_hook(void *arg, sqlite3 *conn, const char *name, int pages)
{
	struct db_log_watch *w = arg;

	(void)conn;
	(void)name;
	w->grown(w, pages);
	return SQLITE_OK;
}

static enum err_code sq_open(void **out, const char *path, const struct db_options *o,
			     struct err *e)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	static const char *const sync_sql[] = {
		"PRAGMA synchronous=OFF",
		"PRAGMA synchronous=NORMAL",
		"PRAGMA synchronous=FULL",
	};
	sqlite3 *conn = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	enum err_code rc;

	pthread_once(&once, sq_configure);
	if (!o->create && access(path, F_OK) != 0)
		return err_set(e, ERR_NOT_FOUND,
			       "no desk at '%s' (create one with 'champion init')", path);
	if (o->create)
		flags |= SQLITE_OPEN_CREATE;
	int src = sqlite3_open_v2(path, &conn, flags, sq_vfs);
	if (src != SQLITE_OK) {
		rc = err_set(e, src == SQLITE_CANTOPEN ? ERR_NOT_FOUND : ERR_INTERNAL,
			     "cannot open desk '%s': %s", path,
			     conn ? sqlite3_errmsg(conn) : sqlite3_errstr(src));
		sqlite3_close(conn);
		return rc;
	}
	sqlite3_extended_result_codes(conn, 1);
	sqlite3_busy_timeout(conn, o->busy_timeout_ms > 0 ? o->busy_timeout_ms : 5000);
	if (o->keep_wal) {
		sqlite3_db_config(conn, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
		sqlite3_wal_hook(conn, keep_wal_hook,
				 (void *)(intptr_t)(o->busy_timeout_ms > 0 ? o->busy_timeout_ms : 5000));
	} else if (o->log_watch) {
		sqlite3_wal_hook(conn, log_watch_hook, o->log_watch);
	}
	/* The first read tells a corrupt or foreign file from a database. */
	rc = sq_exec(conn, "PRAGMA journal_mode=WAL", e);
	if (!rc)
		rc = sq_exec(conn, sync_sql[o->sync <= DB_SYNC_FULL ? o->sync : DB_SYNC_FULL], e);
	if (!rc)
		rc = sq_exec(conn, "PRAGMA foreign_keys=ON", e);
	/* Sorts and temporary indexes stay in memory: no temp file per query. */
	if (!rc)
		rc = sq_exec(conn, "PRAGMA temp_store=MEMORY", e);
	/* Before the migrations: the search index names its tokenizer. */
	if (!rc)
		rc = search_sqlite_register(conn, e);
	if (rc) {
		char msg[ERR_MSG_MAX];
		snprintf(msg, sizeof(msg), "%s", e ? e->msg : "");
		err_set(e, rc, "cannot open desk '%s': %s", path, msg);
		sqlite3_close(conn);
		return rc;
	}
	*out = conn;
	return ERR_OK;
}

static void sq_close(void *conn)
{
	sqlite3_close(conn);
}

static const char *sq_version(void *conn)
{
	(void)conn;
	return sqlite3_libversion();
}

static enum err_code sq_prepare(void *conn, const char *sql, void **out, struct err *e)
{
	struct sq_stmt *s;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v3(conn, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);

	if (rc != SQLITE_OK)
		return fail(conn, sqlite3_extended_errcode(conn), e, "preparing a query");
	s = xcalloc(1, sizeof(*s));
	s->st = st;
	s->conn = conn;
	int count = sqlite3_bind_parameter_count(st);
	for (int i = 1; i <= count; i++) {
		const char *name = sqlite3_bind_parameter_name(st, i);
		char *end;
		long n;

		if (!name || name[0] != '$')
			BUG("query parameter %d is not $N in: %s", i, sql);
		n = strtol(name + 1, &end, 10);
		if (*end || n < 1 || n > MAX_PARAMS)
			BUG("query parameter '%s' is not $1..$%d", name, MAX_PARAMS);
		s->map[n] = i;
		if (n > s->nmap)
			s->nmap = (int)n;
	}
	*out = s;
	return ERR_OK;
}

/*
 * SQLite prepares a statement again when the schema changed, or when a
 * value bound to a parameter the plan depends on (a partial index's
 * condition, a LIKE prefix) is bound again: a parse and a plan on every
 * run of a cached statement. Counted so the second kind shows.
 */
static int sq_reset(void *impl)
{
	struct sq_stmt *s = impl;
	sqlite3_reset(s->st);
	sqlite3_clear_bindings(s->st);
	return sqlite3_stmt_status(s->st, SQLITE_STMTSTATUS_REPREPARE, 1);
}

static void sq_finalize(void *impl)
{
	struct sq_stmt *s = impl;
	sqlite3_finalize(s->st);
	free(s);
}

static int idx(struct sq_stmt *s, int n)
{
	if (n < 1 || n > s->nmap || !s->map[n])
		BUG("binding $%d, which the query does not have", n);
	return s->map[n];
}

static void sq_bind_int64(void *impl, int n, int64_t v)
{
	struct sq_stmt *s = impl;
	sqlite3_bind_int64(s->st, idx(s, n), v);
}

static void sq_bind_double(void *impl, int n, double v)
{
	struct sq_stmt *s = impl;
	sqlite3_bind_double(s->st, idx(s, n), v);
}

static void sq_bind_text(void *impl, int n, const char *p, size_t len)
{
	struct sq_stmt *s = impl;
	sqlite3_bind_text64(s->st, idx(s, n), p, len, SQLITE_TRANSIENT, SQLITE_UTF8);
}

static void sq_bind_blob(void *impl, int n, const void *p, size_t len)
{
	struct sq_stmt *s = impl;
	sqlite3_bind_blob64(s->st, idx(s, n), p, len, SQLITE_TRANSIENT);
}

static void sq_bind_null(void *impl, int n)
{
	struct sq_stmt *s = impl;
	sqlite3_bind_null(s->st, idx(s, n));
}

static int sq_step(void *impl, struct err *e)
{
	struct sq_stmt *s = impl;
	int rc = sqlite3_step(s->st);

	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE)
		return DB_DONE;
	fail(s->conn, sqlite3_extended_errcode(s->conn), e, "running a query");
	return -1;
}

static int64_t sq_col_int64(void *impl, int i)
{
	return sqlite3_column_int64(((struct sq_stmt *)impl)->st, i);
}

static double sq_col_double(void *impl, int i)
{
	return sqlite3_column_double(((struct sq_stmt *)impl)->st, i);
}

static const char *sq_col_text(void *impl, int i)
{
	return (const char *)sqlite3_column_text(((struct sq_stmt *)impl)->st, i);
}

static const void *sq_col_blob(void *impl, int i, size_t *len)
{
	sqlite3_stmt *st = ((struct sq_stmt *)impl)->st;
	const void *p = sqlite3_column_blob(st, i);
	*len = (size_t)sqlite3_column_bytes(st, i);
	return p;
}

static bool sq_col_is_null(void *impl, int i)
{
	return sqlite3_column_type(((struct sq_stmt *)impl)->st, i) == SQLITE_NULL;
}

static int64_t sq_changes(void *conn)
{
	return sqlite3_changes64(conn);
}

static int64_t sq_total_changes(void *conn)
{
	return sqlite3_total_changes64(conn);
}

static int64_t sq_last_insert_id(void *conn)
{
	return sqlite3_last_insert_rowid(conn);
}

static enum err_code sq_checkpoint(void *conn, int *log_pages, int *copied, struct err *e)
{
	int rc = sqlite3_wal_checkpoint_v2(conn, NULL, SQLITE_CHECKPOINT_PASSIVE, log_pages, copied);

	if (rc == SQLITE_OK)
		return ERR_OK;
	return fail(conn, rc, e, "checkpoint");
}

const struct db_driver db_sqlite_driver = {
	/* The write lock at once: two writers never deadlock upgrading a read lock. */
	.begin_write = "BEGIN IMMEDIATE",
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.version = sq_version,
	.prepare = sq_prepare,
	.reset = sq_reset,
	.finalize = sq_finalize,
	.bind_int64 = sq_bind_int64,
	.bind_double = sq_bind_double,
	.bind_text = sq_bind_text,
	.bind_blob = sq_bind_blob,
	.bind_null = sq_bind_null,
	.step = sq_step,
	.col_int64 = sq_col_int64,
	.col_double = sq_col_double,
	.col_text = sq_col_text,
	.col_blob = sq_col_blob,
	.col_is_null = sq_col_is_null,
	.exec = sq_exec,
	.changes = sq_changes,
	.total_changes = sq_total_changes,
	.last_insert_id = sq_last_insert_id,
	.checkpoint = sq_checkpoint,
};
