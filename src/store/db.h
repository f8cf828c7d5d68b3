/*
 * db.h - the store's small driver interface.
 *
 * One connection (struct db) and its prepared statements (struct db_stmt),
 * with a driver behind them: SQLite now, libpq next. Queries are written
 * once, in SQL both backends accept: $1..$N placeholders, INSERT ... ON
 * CONFLICT, RETURNING, no backend-only functions. What truly differs (DDL
 * types, full-text search) lives in per-backend migrations and modules.
 *
 * Errors come back as the desk's taxonomy (util/err.h): a busy or locked
 * database is ERR_TRANSIENT, a unique violation ERR_CONFLICT, a check,
 * not-null or foreign-key violation ERR_INVALID, a corrupt file
 * ERR_INTERNAL with a message that says so.
 *
 * Never called from channels: only desk/ and store/ touch a struct db.
 */
#ifndef CHAMPION_DB_H
#define CHAMPION_DB_H

#include "util/common.h"
#include "util/err.h"

struct db;
struct db_stmt;

enum db_sync { DB_SYNC_OFF, DB_SYNC_NORMAL, DB_SYNC_FULL };

/*
 * For a connection that leaves checkpoints to another (a server's writer):
 * its commits never fold the write-ahead log into the database (SQLite's
 * automatic checkpoint, which would copy a thousand pages and sync twice
 * inside one of its commits); after each commit it tells grown the log's
 * length in pages, and the watcher runs db_checkpoint on a connection of
 * its own. Embed it in the watcher's state. Called on the committing
 * thread, inside the commit: keep it short.
 */
struct db_log_watch {
	void (*grown)(struct db_log_watch *w, int pages);
};

struct db_options {
	bool create;         /* create the database when it does not exist */
	enum db_sync sync;   /* durability of a commit (SQLite's synchronous) */
	int busy_timeout_ms; /* how long to wait on a locked database */
	/*
	 * For short-lived writers (mailgate): closing leaves the write-ahead
	 * log in place, and the log is folded into the database and emptied
	 * once a commit leaves it DB_KEEP_WAL_PAGES long, if no reader is in
	 * the way. A delivery then syncs the log at its commit (and the
	 * directory), instead of also checkpointing, syncing the database and
	 * deleting the log on every close. A log longer than DB_KEEP_WAL_MAX
	 * pages was written by a bigger writer (a server, an import), whose
	 * own checkpoints fold it in, or whose close does: it is left to them.
	 */
	bool keep_wal;
	struct db_log_watch *log_watch; /* NULL: the connection checkpoints as SQLite does */
};

#define DB_KEEP_WAL_PAGES 128
#define DB_KEEP_WAL_MAX 4096 /* 16 MiB of 4 KiB pages: some 20 ms to copy */

/* "off", "normal", "full" to enum db_sync; -1 for anything else. */
int db_parse_sync(const char *s);
const char *db_sync_name(enum db_sync s);

/*
 * Opens the database at target: a file path for SQLite, or a
 * "postgresql://" (or "postgres://") URL for PostgreSQL, whose client
 * library is loaded then (ERR_TRANSIENT when the server cannot be
 * reached). On success
 * *out is a connection the caller frees with db_close.
 */
enum err_code db_open(struct db **out, const char *target, const struct db_options *o,
		      struct err *e);
void db_close(struct db *db);
/* "sqlite" or "postgresql": for the per-backend migrations and search. */
const char *db_backend(const struct db *db);
/* Backend version string, for `champion config` and diagnostics. */
const char *db_backend_version(const struct db *db);

/*
 * A prepared statement for sql, which must have static storage (a string
 * literal): the connection caches it by address and hands the same
 * statement back next time. Finish with db_done, which resets it.
 */
enum err_code db_prepare(struct db *db, const char *sql, struct db_stmt **out, struct err *e);
/* The same for SQL built at run time; db_done finalizes it. */
enum err_code db_prepare_dynamic(struct db *db, const char *sql, struct db_stmt **out,
				 struct err *e);
/*
 * SQL built at run time from a few fixed pieces (a list's filters): the
 * connection keeps a copy of each distinct text (up to a bound) and caches
 * its statement as db_prepare does. Never for text that holds values.
 */
enum err_code db_prepare_built(struct db *db, const char *sql, struct db_stmt **out,
			       struct err *e);
/* Resets (cached) or finalizes (dynamic) st; accepts NULL. */
void db_done(struct db_stmt *st);

/*
 * Binds placeholder $n (1-based; numbers may skip; binding one the
 * statement lacks is a bug). Text and blobs are copied. Give a
 * placeholder whose type nothing around it says (a bare SELECT $1) a
 * cast: PostgreSQL must know every parameter's type.
 */
void db_bind_int64(struct db_stmt *st, int n, int64_t v);
void db_bind_double(struct db_stmt *st, int n, double v);
/* NULL s binds SQL NULL. */
void db_bind_text(struct db_stmt *st, int n, const char *s);
void db_bind_textn(struct db_stmt *st, int n, const char *s, size_t len);
void db_bind_blob(struct db_stmt *st, int n, const void *p, size_t len);
void db_bind_null(struct db_stmt *st, int n);
/* Binds v, or NULL when v is 0 (ids start at 1). */
void db_bind_id(struct db_stmt *st, int n, int64_t v);

#define DB_ROW 1
#define DB_DONE 0
/* DB_ROW when a row is ready, DB_DONE at the end, -1 on error (e set). */
int db_step(struct db_stmt *st, struct err *e);

/* Column i (0-based) of the current row. Text is valid until the next step. */
int64_t db_col_int64(struct db_stmt *st, int i);
double db_col_double(struct db_stmt *st, int i);
const char *db_col_text(struct db_stmt *st, int i); /* NULL for SQL NULL */
const void *db_col_blob(struct db_stmt *st, int i, size_t *len);
bool db_col_is_null(struct db_stmt *st, int i);

/* Runs SQL without parameters or results, several statements allowed. */
enum err_code db_exec(struct db *db, const char *sql, struct err *e);

/*
 * Transactions nest: the outermost db_begin starts a write transaction
 * (taking the write lock at once, so two writers never deadlock on an
 * upgrade), inner ones are savepoints. db_rollback undoes the innermost.
 */
enum err_code db_begin(struct db *db, struct err *e);
enum err_code db_commit(struct db *db, struct err *e);
/*
 * A read transaction: several queries see one snapshot and take the
 * database's locks once. Outside a transaction it begins a deferred one
 * (no write lock); inside one it is a savepoint. End it with db_commit.
 */
enum err_code db_begin_read(struct db *db, struct err *e);
void db_rollback(struct db *db);
/*
 * A write transaction whose inner levels open no savepoint. A savepoint
 * makes SQLite copy every page it then changes for the first time to a
 * journal in memory, to undo it (a tenth of the writer's instructions
 * for a new ticket); a group of use cases that seldom fail need not pay
 * that. An inner db_rollback undoes nothing then: if rows changed since
 * its db_begin, the transaction is spoiled, and the caller must roll it
 * back whole and do its work again in an ordinary one. A statement that
 * fails leaves no change of its own either way. On a backend where a
 * failed statement aborts the whole transaction (PostgreSQL), inner
 * levels keep their savepoints: it is an ordinary db_begin there, never
 * spoiled.
 */
enum err_code db_begin_flat(struct db *db, struct err *e);
bool db_spoiled(const struct db *db);
/*
 * Whether a read should lock what it reads for the write that follows
 * (SELECT ... FOR UPDATE): inside a write transaction on a backend whose
 * writers run side by side (PostgreSQL, with several servers on one desk).
 * Without it, two writers could both read a ticket's version 5 and both
 * write on it. SQLite's writers take turns (BEGIN IMMEDIATE): never there.
 */
bool db_lock_reads(const struct db *db);
int db_depth(const struct db *db);
/* A number that changes at every outermost db_begin or db_begin_read (never 0 inside one). */
uint64_t db_txn_seq(const struct db *db);
/*
 * fn(db, ctx, e) runs inside every write transaction (db_begin) just
 * before its outermost COMMIT, in the order the hooks were added; an
 * error fails the commit, and the caller rolls back. The store uses one
 * to index new messages once per transaction, the desk one to render the
 * documents of the tickets the transaction changed.
 */
typedef enum err_code db_commit_fn(struct db *db, void *ctx, struct err *e);
#define DB_BEFORE_COMMIT_MAX 4
void db_before_commit(struct db *db, db_commit_fn *fn, void *ctx);
/* Nanoseconds this connection has spent running statements, each from its first step to its
 * last (for metrics). */
int64_t db_busy_ns(const struct db *db);
/*
 * Times a cached statement of this connection had to be prepared again
 * (after a schema change, or because a value its plan depends on was
 * bound again): a query meant to be cached should leave it unchanged.
 */
int64_t db_reprepares(const struct db *db);

/*
 * Copies into the database what the write-ahead log holds and no reader
 * still needs, without waiting for anyone (SQLite's PASSIVE checkpoint),
 * on a connection outside any transaction. *log_pages and *copied (either
 * may be NULL) get the log's length and how much of it is now copied; the
 * log starts again from its beginning at the first commit after it is
 * wholly copied. Nothing to do on a backend without such a log.
 */
enum err_code db_checkpoint(struct db *db, int *log_pages, int *copied, struct err *e);
/*
 * Signals between the processes that share a desk: PostgreSQL's LISTEN and
 * NOTIFY. A watch is a connection of its own, listening on one channel,
 * which the schema's triggers notify when the rows a reader follows change
 * (at their transaction's commit). SQLite has no such thing: db_watch_open
 * gives *out NULL there, and readers poll. A watch is used by one thread.
 */
struct db_watch;
enum err_code db_watch_open(const char *target, const char *channel, struct db_watch **out,
			    struct err *e);
/*
 * Waits up to timeout_ms for a signal. 1 when one or more came, or when the
 * connection was lost and is made again (signals may have been missed
 * meanwhile: read as if one came); 0 when none came; -1 when the
 * connection is lost and cannot be made again yet (e: ERR_TRANSIENT; call
 * again later).
 */
int db_watch_wait(struct db_watch *w, int timeout_ms, struct err *e);
void db_watch_close(struct db_watch *w);

/* Rows changed by the last INSERT, UPDATE or DELETE. */
int64_t db_changes(struct db *db);
/*
 * Whether the last db_commit that failed may have committed all the same:
 * the connection was lost while the server had the COMMIT (PostgreSQL).
 * Such a transaction must not be run again. Any other failed commit (or
 * begin) left nothing behind.
 */
bool db_commit_unknown(const struct db *db);
/*
 * The id of the row the connection's last INSERT statement made (the rows
 * its triggers insert do not count; an upsert that updated has none: use
 * RETURNING there). Cheaper than RETURNING, for which SQLite builds a
 * temporary table on every run.
 */
int64_t db_last_insert_id(struct db *db);

#endif
