/* db.c - the generic half of the driver interface: cache, savepoints. */
#include "util/common.h"
#include "store/db.h"
#include "store/db_driver.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <time.h>

#define CACHE_BUCKETS 256

struct db_stmt {
	struct db *db;
	void *impl;
	const char *sql;
	bool cached;
	bool in_use;
	int64_t t0;           /* mono_ns() at its first step; 0 when not stepping */
	struct db_stmt *next; /* cache bucket chain */
};

#define DB_FLAT_MARKS 16 /* inner levels of a flat transaction that can end in a rollback unspoiled */

struct db {
	const struct db_driver *drv;
	void *conn;
	int depth;
	uint64_t txn_seq; /* outermost transactions begun */
	int64_t busy_ns; /* time spent in the driver's step and exec */
	int64_t reprepares; /* cached statements the driver had to prepare again */
	bool writing;    /* the outermost transaction was opened by db_begin */
	bool flat;       /* ... by db_begin_flat: inner levels open no savepoint */
	bool spoiled;    /* an inner level of a flat one was rolled back after changing rows */
	int64_t flat_mark[DB_FLAT_MARKS]; /* rows changed when inner level i began */
	struct {
		db_commit_fn *fn;
		void *ctx;
	} before_commit[DB_BEFORE_COMMIT_MAX];
	int nbefore_commit;
	struct db_stmt *cache[CACHE_BUCKETS];
	struct built *built[CACHE_BUCKETS]; /* db_prepare_built's texts */
	int nbuilt;
};

/* A query text built at run time, kept so that its statement is cached by address. */
struct built {
	struct built *next;
	char sql[];
};

#define BUILT_MAX 256 /* texts kept per connection; past that, statements are one-off */

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A statement's time counts from its first step to its last (or db_done): two clock reads a
 * statement, not two a row. */
static void stmt_clock_stop(struct db_stmt *st)
{
	if (st->t0) {
		st->db->busy_ns += mono_ns() - st->t0;
		st->t0 = 0;
	}
}

int64_t db_busy_ns(const struct db *db)
{
	return db->busy_ns;
}

int64_t db_reprepares(const struct db *db)
{
	return db->reprepares;
}

void db_before_commit(struct db *db, db_commit_fn *fn, void *ctx)
{
	if (db->nbefore_commit == DB_BEFORE_COMMIT_MAX)
		BUG("more than %d before-commit hooks", DB_BEFORE_COMMIT_MAX);
	db->before_commit[db->nbefore_commit].fn = fn;
	db->before_commit[db->nbefore_commit].ctx = ctx;
	db->nbefore_commit++;
}

static const char *const sync_names[] = {"off", "normal", "full"};

int db_parse_sync(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(sync_names); i++)
		if (strcmp(s, sync_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *db_sync_name(enum db_sync s)
{
	return (size_t)s < ARRAY_SIZE(sync_names) ? sync_names[s] : "?";
}

static const struct db_driver *driver_of(const char *target)
{
	if (str_starts_with(target, "postgresql://") || str_starts_with(target, "postgres://"))
		return &db_pg_driver;
	return &db_sqlite_driver;
}

enum err_code db_open(struct db **out, const char *target, const struct db_options *o,
		      struct err *e)
{
	const struct db_driver *drv = driver_of(target);
	struct db *db;
	void *conn = NULL;
	enum err_code rc;

	rc = drv->open(&conn, target, o, e);
	if (rc)
		return rc;
	db = xcalloc(1, sizeof(*db));
	db->drv = drv;
	db->conn = conn;
	*out = db;
	return ERR_OK;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < CACHE_BUCKETS; i++) {
		struct built *bt = db->built[i];
		while (bt) {
			struct built *next = bt->next;
			free(bt);
			bt = next;
		}
	}
	for (size_t i = 0; i < CACHE_BUCKETS; i++) {
		struct db_stmt *st = db->cache[i];
		while (st) {
			struct db_stmt *next = st->next;
			db->drv->finalize(st->impl);
			free(st);
			st = next;
		}
	}
	db->drv->close(db->conn);
	free(db);
}

const char *db_backend(const struct db *db)
{
	return db->drv->name;
}

const char *db_backend_version(const struct db *db)
{
	return db->drv->version(db->conn);
}

static size_t bucket(const char *sql)
{
	uintptr_t p = (uintptr_t)sql;
	return (size_t)((p >> 4) ^ (p >> 12)) % CACHE_BUCKETS;
}

enum err_code db_prepare_dynamic(struct db *db, const char *sql, struct db_stmt **out,
				 struct err *e)
{
	void *impl;
	enum err_code rc = db->drv->prepare(db->conn, sql, &impl, e);
	if (rc)
		return rc;
	struct db_stmt *st = xcalloc(1, sizeof(*st));
	st->db = db;
	st->impl = impl;
	st->sql = sql;
	st->in_use = true;
	*out = st;
	return ERR_OK;
}

enum err_code db_prepare(struct db *db, const char *sql, struct db_stmt **out, struct err *e)
{
	size_t b = bucket(sql);
	struct db_stmt *st;

	for (st = db->cache[b]; st; st = st->next)
		if (st->sql == sql)
			break;
	if (st && !st->in_use) {
		st->in_use = true;
		*out = st;
		return ERR_OK;
	}
	/* Nested use of the same query: a one-off statement serves the inner one. */
	enum err_code rc = db_prepare_dynamic(db, sql, out, e);
	if (rc || st)
		return rc;
	(*out)->cached = true;
	(*out)->next = db->cache[b];
	db->cache[b] = *out;
	return ERR_OK;
}

enum err_code db_prepare_built(struct db *db, const char *sql, struct db_stmt **out,
			       struct err *e)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	struct built *bt;
	size_t len = strlen(sql);

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)sql[i]) * 16777619u;
	for (bt = db->built[h % CACHE_BUCKETS]; bt; bt = bt->next)
		if (strcmp(bt->sql, sql) == 0)
			return db_prepare(db, bt->sql, out, e);
	if (db->nbuilt == BUILT_MAX)
		return db_prepare_dynamic(db, sql, out, e);
	bt = xmalloc(sizeof(*bt) + len + 1);
	memcpy(bt->sql, sql, len + 1);
	bt->next = db->built[h % CACHE_BUCKETS];
	db->built[h % CACHE_BUCKETS] = bt;
	db->nbuilt++;
	return db_prepare(db, bt->sql, out, e);
}

void db_done(struct db_stmt *st)
{
	if (!st)
		return;
	stmt_clock_stop(st);
	if (st->cached) {
		st->db->reprepares += st->db->drv->reset(st->impl);
		st->in_use = false;
		return;
	}
	st->db->drv->finalize(st->impl);
	free(st);
}

void db_bind_int64(struct db_stmt *st, int n, int64_t v)
{
	st->db->drv->bind_int64(st->impl, n, v);
}

void db_bind_double(struct db_stmt *st, int n, double v)
{
	st->db->drv->bind_double(st->impl, n, v);
}

void db_bind_text(struct db_stmt *st, int n, const char *s)
{
	if (s)
		st->db->drv->bind_text(st->impl, n, s, strlen(s));
	else
		st->db->drv->bind_null(st->impl, n);
}

void db_bind_textn(struct db_stmt *st, int n, const char *s, size_t len)
{
	st->db->drv->bind_text(st->impl, n, s, len);
}

void db_bind_blob(struct db_stmt *st, int n, const void *p, size_t len)
{
	st->db->drv->bind_blob(st->impl, n, p, len);
}

void db_bind_null(struct db_stmt *st, int n)
{
	st->db->drv->bind_null(st->impl, n);
}

void db_bind_id(struct db_stmt *st, int n, int64_t v)
{
	if (v > 0)
		st->db->drv->bind_int64(st->impl, n, v);
	else
		st->db->drv->bind_null(st->impl, n);
}

int db_step(struct db_stmt *st, struct err *e)
{
	int r;

	if (!st->t0)
		st->t0 = mono_ns();
	r = st->db->drv->step(st->impl, e);
	if (r != DB_ROW)
		stmt_clock_stop(st);
	return r;
}

int64_t db_col_int64(struct db_stmt *st, int i)
{
	return st->db->drv->col_int64(st->impl, i);
}

double db_col_double(struct db_stmt *st, int i)
{
	return st->db->drv->col_double(st->impl, i);
}

const char *db_col_text(struct db_stmt *st, int i)
{
	return st->db->drv->col_text(st->impl, i);
}

const void *db_col_blob(struct db_stmt *st, int i, size_t *len)
{
	return st->db->drv->col_blob(st->impl, i, len);
}

bool db_col_is_null(struct db_stmt *st, int i)
{
	return st->db->drv->col_is_null(st->impl, i);
}

enum err_code db_exec(struct db *db, const char *sql, struct err *e)
{
	int64_t t0 = mono_ns();
	enum err_code rc = db->drv->exec(db->conn, sql, e);
	db->busy_ns += mono_ns() - t0;
	return rc;
}

/*
 * Transaction statements run on every request: they go through the
 * statement cache (keyed by the address of the SQL) instead of being
 * parsed each time. Savepoints nest up to DB_SP_CACHED levels that way;
 * deeper ones are parsed when used.
 */
#define DB_SP_CACHED 8
#define SP_NAMES(op) {op "sp0", op "sp1", op "sp2", op "sp3", op "sp4", op "sp5", op "sp6", op "sp7"}
static const char *const sp_begin[DB_SP_CACHED] = SP_NAMES("SAVEPOINT ");
static const char *const sp_release[DB_SP_CACHED] = SP_NAMES("RELEASE ");
static const char *const sp_rollback[DB_SP_CACHED] = SP_NAMES("ROLLBACK TO ");

/* One statement of no result through the cache. */
static enum err_code run_cached(struct db *db, const char *sql, struct err *e)
{
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	if (rc)
		return rc;
	r = db_step(st, e);
	db_done(st);
	return r < 0 ? e->code : ERR_OK;
}

/* The savepoint statement op ("SAVEPOINT ", ...) for level n. */
static enum err_code run_savepoint(struct db *db, const char *const cached[], const char *op,
				   int n, struct err *e)
{
	char sql[48];

	if (n < DB_SP_CACHED)
		return run_cached(db, cached[n], e);
	snprintf(sql, sizeof(sql), "%ssp%d", op, n);
	return db_exec(db, sql, e);
}

static enum err_code begin(struct db *db, const char *first, struct err *e)
{
	enum err_code rc;

	if (db->depth > 0 && db->flat) {
		if (db->depth < DB_FLAT_MARKS)
			db->flat_mark[db->depth] = db->drv->total_changes(db->conn);
		db->depth++;
		return ERR_OK;
	}
	rc = db->depth == 0 ? run_cached(db, first, e)
			    : run_savepoint(db, sp_begin, "SAVEPOINT ", db->depth, e);
	if (rc == ERR_OK && db->depth++ == 0) {
		db->txn_seq++;
		db->flat = db->spoiled = false;
	}
	return rc;
}

enum err_code db_begin(struct db *db, struct err *e)
{
	if (db->depth == 0)
		db->writing = true;
	return begin(db, db->drv->begin_write, e);
}

enum err_code db_begin_flat(struct db *db, struct err *e)
{
	enum err_code rc;

	if (db->depth != 0)
		BUG("a flat transaction inside another");
	if ((rc = db_begin(db, e)) == ERR_OK)
		db->flat = !db->drv->failure_aborts;
	return rc;
}

bool db_spoiled(const struct db *db)
{
	return db->spoiled;
}

bool db_lock_reads(const struct db *db)
{
	return db->depth > 0 && db->writing && db->drv->row_locks;
}

enum err_code db_begin_read(struct db *db, struct err *e)
{
	static const char sql[] = "BEGIN";
	if (db->depth == 0)
		db->writing = false;
	return begin(db, sql, e);
}

enum err_code db_commit(struct db *db, struct err *e)
{
	static const char sql[] = "COMMIT";
	enum err_code rc;

	if (db->depth <= 0)
		BUG("commit outside a transaction");
	/* The last writes of the transaction, in it (a failure leaves it to roll back). */
	for (int i = 0; db->depth == 1 && db->writing && i < db->nbefore_commit; i++)
		if ((rc = db->before_commit[i].fn(db, db->before_commit[i].ctx, e)))
			return rc;
	if (db->depth == 1)
		rc = run_cached(db, sql, e);
	else if (db->flat)
		rc = ERR_OK;
	else
		rc = run_savepoint(db, sp_release, "RELEASE ", db->depth - 1, e);
	if (rc == ERR_OK)
		db->depth--;
	return rc;
}

void db_rollback(struct db *db)
{
	static const char sql[] = "ROLLBACK";
	struct err e = ERR_INIT;

	if (db->depth <= 0)
		return;
	if (db->depth == 1) {
		if (run_cached(db, sql, &e))
			log_warn("rollback failed", "error=\"%s\"", e.msg);
	} else if (db->flat) {
		/* Nothing to undo if no row changed since this level began. */
		int level = db->depth - 1;
		if (level >= DB_FLAT_MARKS ||
		    db->drv->total_changes(db->conn) != db->flat_mark[level])
			db->spoiled = true;
	} else if (run_savepoint(db, sp_rollback, "ROLLBACK TO ", db->depth - 1, &e) ||
		   run_savepoint(db, sp_release, "RELEASE ", db->depth - 1, &e)) {
		log_warn("rollback to savepoint failed", "error=\"%s\"", e.msg);
	}
	db->depth--;
}

uint64_t db_txn_seq(const struct db *db)
{
	return db->txn_seq;
}

int db_depth(const struct db *db)
{
	return db->depth;
}

bool db_commit_unknown(const struct db *db)
{
	return db->drv->commit_unknown && db->drv->commit_unknown(db->conn);
}

int64_t db_changes(struct db *db)
{
	return db->drv->changes(db->conn);
}

int64_t db_last_insert_id(struct db *db)
{
	return db->drv->last_insert_id(db->conn);
}

enum err_code db_checkpoint(struct db *db, int *log_pages, int *copied, struct err *e)
{
	int log = 0, done = 0;
	enum err_code rc = db->drv->checkpoint ? db->drv->checkpoint(db->conn, &log, &done, e) : ERR_OK;

	if (log_pages)
		*log_pages = log;
	if (copied)
		*copied = done;
	return rc;
}

struct db_watch {
	const struct db_driver *drv;
	void *impl;
};

enum err_code db_watch_open(const char *target, const char *channel, struct db_watch **out,
			    struct err *e)
{
	const struct db_driver *drv = driver_of(target);
	void *impl = NULL;
	enum err_code rc;

	*out = NULL;
	if (!drv->watch_open)
		return ERR_OK;
	if ((rc = drv->watch_open(target, channel, &impl, e)))
		return rc;
	*out = xmalloc(sizeof(**out));
	(*out)->drv = drv;
	(*out)->impl = impl;
	return ERR_OK;
}

int db_watch_wait(struct db_watch *w, int timeout_ms, struct err *e)
{
	return w->drv->watch_wait(w->impl, timeout_ms, e);
}

void db_watch_close(struct db_watch *w)
{
	if (!w)
		return;
	w->drv->watch_close(w->impl);
	free(w);
}
