/*
 * test_db.c - tests of src/store/db.c and db_sqlite.c: opening, the
 * statement cache, $N placeholders, transactions and savepoints, and the
 * mapping of database errors to the taxonomy.
 */
#include "util/common.h"
#include "store/db.h"
#include "testlib.h"

#include <time.h>

struct fixture {
	char *dir;
	char *path;
	struct db *db;
};

static const struct db_options create_opts = {.create = true, .sync = DB_SYNC_OFF,
					      .busy_timeout_ms = 1000};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct err e = ERR_INIT;

	f->dir = tl_tmpdir("db");
	f->path = tl_join(f->dir, "t.db");
	if (db_open(&f->db, f->path, &create_opts, &e) != ERR_OK) {
		print_error("db_open: %s\n", e.msg);
		return -1;
	}
	if (db_exec(f->db,
		    "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, "
		    "n INTEGER CHECK (n >= 0), label TEXT NOT NULL DEFAULT 'x');"
		    "CREATE TABLE child (id INTEGER PRIMARY KEY, "
		    "t_id INTEGER NOT NULL REFERENCES t (id));",
		    &e) != ERR_OK) {
		print_error("schema: %s\n", e.msg);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	db_close(f->db);
	tl_rmtree(f->dir);
	free(f->dir);
	free(f->path);
	free(f);
	return 0;
}

/* --- opening ----------------------------------------------------------- */

static void test_open_missing_without_create(void **state)
{
	(void)state;
	char *dir = tl_tmpdir("db-missing");
	char *path = tl_join(dir, "absent.db");
	struct db_options o = {.create = false, .sync = DB_SYNC_FULL, .busy_timeout_ms = 100};
	struct db *db = NULL;
	struct err e = ERR_INIT;

	assert_int_equal(db_open(&db, path, &o, &e), ERR_NOT_FOUND);
	assert_int_equal(e.code, ERR_NOT_FOUND);
	assert_null(db);
	assert_contains(e.msg, path);
	assert_false(tl_exists(path)); /* refusing did not create it */

	/* A missing directory is not found either, even with create. */
	char *deep = tl_join(dir, "no/such/dir/x.db");
	o.create = true;
	assert_int_equal(db_open(&db, deep, &o, &e), ERR_NOT_FOUND);
	assert_contains(e.msg, deep);
	free(deep);
	free(path);
	tl_rmtree(dir);
	free(dir);
}

static void test_open_creates(void **state)
{
	(void)state;
	char *dir = tl_tmpdir("db-create");
	char *path = tl_join(dir, "new.db");
	struct db *db = NULL;
	struct err e = ERR_INIT;

	assert_int_equal(db_open(&db, path, &create_opts, &e), ERR_OK);
	assert_non_null(db);
	assert_true(tl_exists(path));
	assert_string_equal(db_backend(db), "sqlite");
	assert_true(strlen(db_backend_version(db)) >= 5);
	assert_int_equal(db_depth(db), 0);
	/* WAL and foreign keys are on. */
	struct db_stmt *st;
	assert_int_equal(db_prepare_dynamic(db, "PRAGMA journal_mode", &st, &e), ERR_OK);
	assert_int_equal(db_step(st, &e), DB_ROW);
	assert_string_equal(db_col_text(st, 0), "wal");
	db_done(st);
	assert_int_equal(tl_query_int(db, "PRAGMA foreign_keys"), 1);
	db_close(db);
	db_close(NULL); /* accepted */
	free(path);
	tl_rmtree(dir);
	free(dir);
}

static void test_open_postgresql_refused(void **state)
{
	(void)state;
	struct db *db = NULL;
	struct err e = ERR_INIT;

	assert_int_equal(db_open(&db, "postgresql://localhost/desk", &create_opts, &e),
			 ERR_INVALID);
	assert_contains(e.msg, "postgresql://localhost/desk");
	assert_int_equal(db_open(&db, "postgres://x", &create_opts, &e), ERR_INVALID);
	assert_null(db);
}

static void test_sync_names(void **state)
{
	(void)state;
	static const char *const names[] = {"off", "normal", "full"};
	for (int i = 0; i < 3; i++) {
		assert_int_equal(db_parse_sync(names[i]), i);
		assert_string_equal(db_sync_name((enum db_sync)i), names[i]);
	}
	assert_int_equal(db_parse_sync("FULL"), -1);
	assert_int_equal(db_parse_sync(""), -1);
	assert_int_equal(db_parse_sync("extra"), -1);
	assert_string_equal(db_sync_name((enum db_sync)7), "?");
}

/* --- statements --------------------------------------------------------- */

static const char q_plus_one[] = "SELECT $1 + 1";

static int64_t plus_one(struct db *db, struct db_stmt **used, int64_t v)
{
	struct db_stmt *st;
	struct err e = ERR_INIT;
	int64_t r;

	assert_int_equal(db_prepare(db, q_plus_one, &st, &e), ERR_OK);
	db_bind_int64(st, 1, v);
	assert_int_equal(db_step(st, &e), DB_ROW);
	r = db_col_int64(st, 0);
	assert_int_equal(db_step(st, &e), DB_DONE);
	db_done(st);
	if (used)
		*used = st;
	return r;
}

static void test_cache_reuses_statement(void **state)
{
	struct fixture *f = *state;
	struct db_stmt *a, *b;

	assert_int_equal(plus_one(f->db, &a, 41), 42);
	assert_int_equal(plus_one(f->db, &b, -8), -7);
	/* The same static SQL hands back the same (reset) statement. */
	assert_ptr_equal(a, b);
	for (int i = 0; i < 100; i++)
		assert_int_equal(plus_one(f->db, NULL, i), i + 1);
}

/* A statement left mid-result and reused starts from its first row. */
static void test_cache_resets_half_read(void **state)
{
	struct fixture *f = *state;
	static const char q[] = "SELECT value FROM (SELECT 1 AS value UNION ALL SELECT 2) "
				"ORDER BY value";
	struct db_stmt *st;
	struct err e = ERR_INIT;

	assert_int_equal(db_prepare(f->db, q, &st, &e), ERR_OK);
	assert_int_equal(db_step(st, &e), DB_ROW);
	assert_int_equal(db_col_int64(st, 0), 1);
	db_done(st); /* abandoned after one row */
	assert_int_equal(db_prepare(f->db, q, &st, &e), ERR_OK);
	assert_int_equal(db_step(st, &e), DB_ROW);
	assert_int_equal(db_col_int64(st, 0), 1);
	assert_int_equal(db_step(st, &e), DB_ROW);
	assert_int_equal(db_col_int64(st, 0), 2);
	assert_int_equal(db_step(st, &e), DB_DONE);
	db_done(st);
}

static void test_cache_nested_use(void **state)
{
	struct fixture *f = *state;
	static const char q_by_id[] = "SELECT id, name FROM t WHERE id >= $1 ORDER BY id";
	struct db_stmt *outer, *inner, *again;
	struct err e = ERR_INIT;
	int rows = 0;

	assert_int_equal(db_exec(f->db,
				 "INSERT INTO t (id, name, n) VALUES (1, 'a', 1), (2, 'b', 2), "
				 "(3, 'c', 3)",
				 &e),
			 ERR_OK);
	/* While the cached statement is stepping, the same SQL runs inside it. */
	assert_int_equal(db_prepare(f->db, q_by_id, &outer, &e), ERR_OK);
	db_bind_int64(outer, 1, 1);
	while (db_step(outer, &e) == DB_ROW) {
		int64_t id = db_col_int64(outer, 0);
		assert_int_equal(db_prepare(f->db, q_by_id, &inner, &e), ERR_OK);
		assert_ptr_not_equal(inner, outer);
		db_bind_int64(inner, 1, id);
		int n = 0;
		while (db_step(inner, &e) == DB_ROW)
			n++;
		assert_int_equal(n, 4 - id); /* rows from id to 3 */
		db_done(inner);
		rows++;
		/* The outer statement is untouched by the inner one. */
		assert_int_equal(db_col_int64(outer, 0), id);
	}
	assert_int_equal(rows, 3);
	db_done(outer);
	/* Afterwards the cached statement serves again. */
	assert_int_equal(db_prepare(f->db, q_by_id, &again, &e), ERR_OK);
	assert_ptr_equal(again, outer);
	db_done(again);
	db_done(NULL);
}

static void test_dynamic_statement(void **state)
{
	struct fixture *f = *state;
	char sql[64];
	struct db_stmt *st;
	struct err e = ERR_INIT;

	for (int i = 0; i < 5; i++) {
		snprintf(sql, sizeof(sql), "SELECT %d * $1", i);
		assert_int_equal(db_prepare_dynamic(f->db, sql, &st, &e), ERR_OK);
		db_bind_int64(st, 1, 10);
		assert_int_equal(db_step(st, &e), DB_ROW);
		assert_int_equal(db_col_int64(st, 0), i * 10);
		db_done(st); /* finalized: ASan would report a leak otherwise */
	}
}

static void test_placeholders_out_of_order(void **state)
{
	struct fixture *f = *state;
	static const char q[] = "SELECT $2 || '-' || $1, $3, $1 || $1";
	static const char q_gap[] = "SELECT $5, $2";
	struct db_stmt *st;
	struct err e = ERR_INIT;

	assert_int_equal(db_prepare(f->db, q, &st, &e), ERR_OK);
	db_bind_int64(st, 3, 33); /* bound last-first */
	db_bind_text(st, 1, "one");
	db_bind_text(st, 2, "two");
	assert_int_equal(db_step(st, &e), DB_ROW);
	assert_string_equal(db_col_text(st, 0), "two-one");
	assert_int_equal(db_col_int64(st, 1), 33);
	assert_string_equal(db_col_text(st, 2), "oneone"); /* a repeated $1 is one value */
	db_done(st);

	/* Numbers need not start at 1 nor be contiguous. */
	assert_int_equal(db_prepare(f->db, q_gap, &st, &e), ERR_OK);
	db_bind_int64(st, 5, 5);
	db_bind_int64(st, 2, 2);
	assert_int_equal(db_step(st, &e), DB_ROW);
	assert_int_equal(db_col_int64(st, 0), 5);
	assert_int_equal(db_col_int64(st, 1), 2);
	db_done(st);
}

static void test_bind_and_columns(void **state)
{
	struct fixture *f = *state;
	static const char q[] = "SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9";
	const unsigned char blob[] = {0, 1, 2, 0xff, 0};
	struct db_stmt *st;
	struct err e = ERR_INIT;
	size_t len = 0;

	assert_int_equal(db_prepare(f->db, q, &st, &e), ERR_OK);
	db_bind_int64(st, 1, INT64_MIN);
	db_bind_double(st, 2, 2.5);
	db_bind_text(st, 3, "caf\xc3\xa9");
	db_bind_text(st, 4, NULL);
	db_bind_textn(st, 5, "abcdef", 3);
	db_bind_blob(st, 6, blob, sizeof(blob));
	db_bind_null(st, 7);
	db_bind_id(st, 8, 0);
	db_bind_id(st, 9, 77);
	assert_int_equal(db_step(st, &e), DB_ROW);
	assert_int_equal(db_col_int64(st, 0), INT64_MIN);
	assert_true(db_col_double(st, 1) == 2.5);
	assert_string_equal(db_col_text(st, 2), "caf\xc3\xa9");
	assert_null(db_col_text(st, 3));
	assert_true(db_col_is_null(st, 3));
	assert_string_equal(db_col_text(st, 4), "abc");
	const unsigned char *p = db_col_blob(st, 5, &len);
	assert_int_equal(len, sizeof(blob));
	assert_memory_equal(p, blob, sizeof(blob));
	assert_true(db_col_is_null(st, 6));
	assert_true(db_col_is_null(st, 7)); /* id 0 is NULL */
	assert_false(db_col_is_null(st, 8));
	assert_int_equal(db_col_int64(st, 8), 77);
	assert_false(db_col_is_null(st, 0));
	db_done(st);
}

/* Text is copied when bound: changing the caller's buffer changes nothing. */
static void test_bind_copies_text(void **state)
{
	struct fixture *f = *state;
	static const char q[] = "SELECT $1";
	char buf[8] = "before";
	struct db_stmt *st;
	struct err e = ERR_INIT;

	assert_int_equal(db_prepare(f->db, q, &st, &e), ERR_OK);
	db_bind_text(st, 1, buf);
	memcpy(buf, "after!", 7);
	assert_int_equal(db_step(st, &e), DB_ROW);
	assert_string_equal(db_col_text(st, 0), "before");
	db_done(st);
}

/* --- transactions --------------------------------------------------------- */

static const char q_insert[] = "INSERT INTO t (id, name, n) VALUES ($1, $2, $3)";

static enum err_code insert_row(struct db *db, int64_t id, const char *name, int64_t n,
				struct err *e)
{
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, q_insert, &st, e);
	if (rc)
		return rc;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, name);
	db_bind_int64(st, 3, n);
	rc = db_step(st, e) < 0 ? e->code : ERR_OK;
	db_done(st);
	return rc;
}

static void test_commit_and_rollback(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;

	assert_int_equal(db_begin(f->db, &e), ERR_OK);
	assert_int_equal(db_depth(f->db), 1);
	assert_int_equal(insert_row(f->db, 1, "kept", 1, &e), ERR_OK);
	assert_int_equal(db_changes(f->db), 1);
	assert_int_equal(db_commit(f->db, &e), ERR_OK);
	assert_int_equal(db_depth(f->db), 0);

	assert_int_equal(db_begin(f->db, &e), ERR_OK);
	assert_int_equal(insert_row(f->db, 2, "dropped", 1, &e), ERR_OK);
	db_rollback(f->db);
	assert_int_equal(db_depth(f->db), 0);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM t"), 1);
	assert_int_equal(tl_query_int(f->db, "SELECT id FROM t"), 1);
	db_rollback(f->db); /* outside a transaction: nothing happens */
	assert_int_equal(db_depth(f->db), 0);
}

static void test_savepoints(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;

	/* Inner rollback keeps the outer work. */
	assert_int_equal(db_begin(f->db, &e), ERR_OK);
	assert_int_equal(insert_row(f->db, 1, "outer", 1, &e), ERR_OK);
	assert_int_equal(db_begin(f->db, &e), ERR_OK);
	assert_int_equal(db_depth(f->db), 2);
	assert_int_equal(insert_row(f->db, 2, "inner", 1, &e), ERR_OK);
	db_rollback(f->db);
	assert_int_equal(db_depth(f->db), 1);
	assert_int_equal(insert_row(f->db, 3, "after", 1, &e), ERR_OK);
	assert_int_equal(db_commit(f->db, &e), ERR_OK);
	assert_int_equal(tl_query_int(f->db, "SELECT group_concat(id) = '1,3' FROM "
					     "(SELECT id FROM t ORDER BY id)"),
			 1);

	/* Outer rollback drops everything, committed savepoints too. */
	assert_int_equal(db_begin(f->db, &e), ERR_OK);
	assert_int_equal(insert_row(f->db, 4, "a", 1, &e), ERR_OK);
	assert_int_equal(db_begin(f->db, &e), ERR_OK);
	assert_int_equal(insert_row(f->db, 5, "b", 1, &e), ERR_OK);
	assert_int_equal(db_commit(f->db, &e), ERR_OK); /* releases the savepoint */
	assert_int_equal(db_depth(f->db), 1);
	db_rollback(f->db);
	assert_int_equal(db_depth(f->db), 0);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM t WHERE id IN (4, 5)"), 0);

	/* Three levels: the innermost rollback keeps the middle. */
	assert_int_equal(db_begin(f->db, &e), ERR_OK);
	assert_int_equal(db_begin(f->db, &e), ERR_OK);
	assert_int_equal(insert_row(f->db, 6, "middle", 1, &e), ERR_OK);
	assert_int_equal(db_begin(f->db, &e), ERR_OK);
	assert_int_equal(db_depth(f->db), 3);
	assert_int_equal(insert_row(f->db, 7, "inner", 1, &e), ERR_OK);
	db_rollback(f->db);
	assert_int_equal(db_commit(f->db, &e), ERR_OK);
	assert_int_equal(db_commit(f->db, &e), ERR_OK);
	assert_int_equal(db_depth(f->db), 0);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM t WHERE id = 6"), 1);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM t WHERE id = 7"), 0);

	/* A savepoint can be used again after a rollback at the same depth. */
	assert_int_equal(db_begin(f->db, &e), ERR_OK);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(db_begin(f->db, &e), ERR_OK);
		assert_int_equal(insert_row(f->db, 10 + i, NULL, 1, &e), ERR_OK);
		if (i == 1)
			db_rollback(f->db);
		else
			assert_int_equal(db_commit(f->db, &e), ERR_OK);
	}
	assert_int_equal(db_commit(f->db, &e), ERR_OK);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM t WHERE id >= 10"), 2);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM t WHERE id = 11"), 0);
}

/* A failed statement inside a savepoint does not poison the outer transaction. */
static void test_failure_inside_savepoint(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;

	assert_int_equal(db_begin(f->db, &e), ERR_OK);
	assert_int_equal(insert_row(f->db, 1, "one", 1, &e), ERR_OK);
	assert_int_equal(db_begin(f->db, &e), ERR_OK);
	assert_int_equal(insert_row(f->db, 1, "dup", 1, &e), ERR_CONFLICT);
	db_rollback(f->db);
	assert_int_equal(insert_row(f->db, 2, "two", 1, &e), ERR_OK);
	assert_int_equal(db_commit(f->db, &e), ERR_OK);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM t"), 2);
}

/*
 * A flat transaction opens no savepoint: an inner rollback after no
 * change leaves it whole; one after a change spoils it, and the caller
 * rolls it back whole. A statement that fails changes nothing.
 */
static void test_flat(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;

	assert_int_equal(db_begin_flat(f->db, &e), ERR_OK);
	assert_int_equal(insert_row(f->db, 1, "one", 1, &e), ERR_OK);
	/* An inner level that changes rows and commits: kept. */
	assert_int_equal(db_begin(f->db, &e), ERR_OK);
	assert_int_equal(db_depth(f->db), 2);
	assert_int_equal(insert_row(f->db, 2, "two", 1, &e), ERR_OK);
	assert_int_equal(db_commit(f->db, &e), ERR_OK);
	/* One whose only statement fails, then rolls back: nothing to undo. */
	assert_int_equal(db_begin(f->db, &e), ERR_OK);
	assert_int_equal(insert_row(f->db, 1, "dup", 1, &e), ERR_CONFLICT);
	assert_int_equal(insert_row(f->db, 3, "neg", -1, &e), ERR_INVALID);
	db_rollback(f->db);
	assert_false(db_spoiled(f->db));
	/* Two levels deep, reading only. */
	assert_int_equal(db_begin(f->db, &e), ERR_OK);
	assert_int_equal(db_begin_read(f->db, &e), ERR_OK);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM t"), 2);
	db_rollback(f->db);
	db_rollback(f->db);
	assert_false(db_spoiled(f->db));
	assert_int_equal(db_depth(f->db), 1);
	assert_int_equal(db_commit(f->db, &e), ERR_OK);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM t"), 2);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM t WHERE id IN (1, 2)"), 2);

	/* A change, then the level's rollback: spoiled, and the rows are still there. */
	assert_int_equal(db_begin_flat(f->db, &e), ERR_OK);
	assert_int_equal(db_begin(f->db, &e), ERR_OK);
	assert_int_equal(insert_row(f->db, 4, "four", 1, &e), ERR_OK);
	assert_int_equal(db_begin(f->db, &e), ERR_OK); /* a clean inner level inside it */
	db_rollback(f->db);
	assert_false(db_spoiled(f->db));
	db_rollback(f->db);
	assert_true(db_spoiled(f->db));
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM t WHERE id = 4"), 1);
	db_rollback(f->db);
	assert_int_equal(db_depth(f->db), 0);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM t WHERE id = 4"), 0);

	/* The next transaction starts clean, with savepoints again. */
	assert_int_equal(db_begin(f->db, &e), ERR_OK);
	assert_false(db_spoiled(f->db));
	assert_int_equal(db_begin(f->db, &e), ERR_OK);
	assert_int_equal(insert_row(f->db, 5, "five", 1, &e), ERR_OK);
	db_rollback(f->db);
	assert_false(db_spoiled(f->db));
	assert_int_equal(db_commit(f->db, &e), ERR_OK);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM t WHERE id = 5"), 0);

	/* Deeper than the levels it marks: a rollback there spoils it, change or not. */
	assert_int_equal(db_begin_flat(f->db, &e), ERR_OK);
	for (int i = 0; i < 20; i++)
		assert_int_equal(db_begin(f->db, &e), ERR_OK);
	db_rollback(f->db);
	assert_true(db_spoiled(f->db));
	while (db_depth(f->db) > 0)
		db_rollback(f->db);
}

/*
 * The log is written a commit at a time (db_sqlite_vfs.c): with
 * synchronous=NORMAL nothing syncs it, yet once a commit returns, its
 * frames are in the file and another connection reads them; a commit
 * larger than the buffer, and reads of its own writes inside it, see
 * everything.
 */
static void test_log_gathered(void **state)
{
	struct fixture *f = *state;
	static const struct db_options normal = {.sync = DB_SYNC_NORMAL, .busy_timeout_ms = 1000};
	struct err e = ERR_INIT;
	struct db *a, *b;
	char *wal = tl_join(f->dir, "t.db-wal");

	assert_int_equal(db_open(&a, f->path, &normal, &e), ERR_OK);
	assert_int_equal(db_open(&b, f->path, &normal, &e), ERR_OK);
	assert_int_equal(db_exec(a, "CREATE TABLE big (id INTEGER PRIMARY KEY, pad BLOB)", &e), ERR_OK);
	long long before = tl_file_size(wal);
	assert_int_equal(db_begin(a, &e), ERR_OK);
	assert_int_equal(db_exec(a, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
				    "FROM n WHERE i < 1000) INSERT INTO big (pad) SELECT "
				    "randomblob(3000) FROM n", &e),
			 ERR_OK);
	assert_int_equal(tl_query_int(a, "SELECT count(*) FROM big WHERE length(pad) = 3000"), 1000);
	assert_int_equal(db_commit(a, &e), ERR_OK);
	/* 3 MB of rows: in the log's file, and seen by the other connection. */
	assert_true(tl_file_size(wal) >= before + 3000000);
	assert_int_equal(tl_query_int(b, "SELECT count(*) FROM big"), 1000);
	/* A small commit too, with nothing to sync it. */
	assert_int_equal(db_exec(a, "INSERT INTO big (pad) VALUES (x'01')", &e), ERR_OK);
	assert_int_equal(tl_query_int(b, "SELECT count(*) FROM big WHERE pad = x'01'"), 1);
	char *ok = tl_query_text(b, "PRAGMA integrity_check");
	assert_string_equal(ok, "ok");
	free(ok);
	db_close(b);
	db_close(a);
	free(wal);
}

/* --- errors --------------------------------------------------------------- */

struct constraint_case {
	const char *name;
	const char *sql;
	enum err_code code;
};

static const struct constraint_case constraint_cases[] = {
	{"unique column", "INSERT INTO t (id, name, n) VALUES (2, 'taken', 0)", ERR_CONFLICT},
	{"primary key", "INSERT INTO t (id, name, n) VALUES (1, 'other', 0)", ERR_CONFLICT},
	{"check", "INSERT INTO t (id, name, n) VALUES (3, 'neg', -1)", ERR_INVALID},
	{"not null", "INSERT INTO t (id, name, n, label) VALUES (4, 'nl', 0, NULL)", ERR_INVALID},
	{"foreign key", "INSERT INTO child (id, t_id) VALUES (1, 999)", ERR_INVALID},
	{"update into a unique value", "UPDATE t SET name = 'taken' WHERE id = 5", ERR_CONFLICT},
};

static void test_constraint_mapping(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;

	assert_int_equal(db_exec(f->db,
				 "INSERT INTO t (id, name, n) VALUES (1, 'taken', 0), (5, 'five', 0)",
				 &e),
			 ERR_OK);
	for (size_t i = 0; i < ARRAY_SIZE(constraint_cases); i++) {
		const struct constraint_case *c = &constraint_cases[i];
		struct db_stmt *st;
		err_clear(&e);
		/* Through a prepared statement... */
		assert_int_equal(db_prepare_dynamic(f->db, c->sql, &st, &e), ERR_OK);
		if (db_step(st, &e) != -1 || e.code != c->code)
			fail_msg("case '%s': step gave %s (%s)", c->name, err_code_name(e.code),
				 e.msg);
		assert_true(strlen(e.msg) > 0);
		db_done(st);
		/* ...and through db_exec. */
		err_clear(&e);
		if (db_exec(f->db, c->sql, &e) != c->code)
			fail_msg("case '%s': exec gave %s (%s)", c->name, err_code_name(e.code),
				 e.msg);
	}
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM t"), 2);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM child"), 0);
}

static void test_bad_sql(void **state)
{
	struct fixture *f = *state;
	struct db_stmt *st = NULL;
	struct err e = ERR_INIT;

	assert_int_not_equal(db_prepare_dynamic(f->db, "SELEKT 1", &st, &e), ERR_OK);
	assert_contains(e.msg, "syntax error");
	err_clear(&e);
	assert_int_not_equal(db_exec(f->db, "SELECT * FROM no_such_table", &e), ERR_OK);
	assert_contains(e.msg, "no_such_table");
}

/* --- locking ----------------------------------------------------------------- */

static int64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_busy_is_transient(void **state)
{
	struct fixture *f = *state;
	struct db_options quick = {.create = false, .sync = DB_SYNC_OFF, .busy_timeout_ms = 50};
	struct db *other = NULL;
	struct err e = ERR_INIT;

	assert_int_equal(db_open(&other, f->path, &quick, &e), ERR_OK);
	/* The first connection takes the write lock and holds it. */
	assert_int_equal(db_begin(f->db, &e), ERR_OK);
	assert_int_equal(insert_row(f->db, 1, "holder", 1, &e), ERR_OK);

	int64_t t0 = monotonic_ms();
	assert_int_equal(db_begin(other, &e), ERR_TRANSIENT);
	int64_t waited = monotonic_ms() - t0;
	assert_int_equal(e.code, ERR_TRANSIENT);
	assert_contains(e.msg, "busy");
	assert_int_equal(db_depth(other), 0); /* a failed begin opens nothing */
	assert_true(waited >= 40);            /* it waited for the busy timeout ... */
	assert_true(waited < 3000);           /* ... and not much longer */

	/* A bare write outside a transaction is refused the same way. */
	err_clear(&e);
	assert_int_equal(db_exec(other, "INSERT INTO t (id, name, n) VALUES (9, 'x', 1)", &e),
			 ERR_TRANSIENT);
	/* Readers are not blocked by a writer (WAL). */
	assert_int_equal(tl_query_int(other, "SELECT count(*) FROM t"), 0);

	/* Once the lock is released the second writer gets through. */
	assert_int_equal(db_commit(f->db, &e), ERR_OK);
	assert_int_equal(db_begin(other, &e), ERR_OK);
	assert_int_equal(insert_row(other, 2, "second", 1, &e), ERR_OK);
	assert_int_equal(db_commit(other, &e), ERR_OK);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM t"), 2);
	db_close(other);
}

/* Twelve levels: past the eight whose statements are cached, the same rules. */
static void test_deep_savepoints(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;

	for (int d = 0; d < 12; d++) {
		assert_int_equal(db_begin(f->db, &e), ERR_OK);
		assert_int_equal(insert_row(f->db, 100 + d, NULL, 1, &e), ERR_OK);
	}
	assert_int_equal(db_depth(f->db), 12);
	db_rollback(f->db); /* drops row 111 */
	db_rollback(f->db); /* and 110 */
	for (int d = 10; d > 0; d--)
		assert_int_equal(db_commit(f->db, &e), ERR_OK);
	assert_int_equal(db_depth(f->db), 0);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM t WHERE id >= 100"), 10);
	assert_int_equal(tl_query_int(f->db, "SELECT max(id) FROM t"), 109);
}

/* The time a connection spends in statements grows with what it runs. */
static void test_busy_time(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	int64_t t0 = db_busy_ns(f->db), t1, t2;

	assert_true(t0 >= 0);
	assert_int_equal(db_begin(f->db, &e), ERR_OK);
	for (int i = 0; i < 200; i++)
		assert_int_equal(insert_row(f->db, 1000 + i, NULL, 1, &e), ERR_OK);
	assert_int_equal(db_commit(f->db, &e), ERR_OK);
	t1 = db_busy_ns(f->db);
	assert_true(t1 > t0);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM t"), 200);
	t2 = db_busy_ns(f->db);
	assert_true(t2 >= t1);
}

/* Built text: the same text from another buffer gets the same statement; past the bound, one-offs. */
static void test_built_statement(void **state)
{
	struct fixture *f = *state;
	char sql[64];
	struct db_stmt *st, *first[3];
	struct err e = ERR_INIT;

	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 3; i++) {
			snprintf(sql, sizeof(sql), "SELECT %d * $1", i);
			assert_int_equal(db_prepare_built(f->db, sql, &st, &e), ERR_OK);
			memset(sql, 'x', sizeof(sql) - 1); /* the connection kept its own copy */
			db_bind_int64(st, 1, 10);
			assert_int_equal(db_step(st, &e), DB_ROW);
			assert_int_equal(db_col_int64(st, 0), i * 10);
			db_done(st);
			if (round == 0)
				first[i] = st;
			else
				assert_ptr_equal(st, first[i]);
		}
	}
	/* Many distinct texts: all answer, none leaks (ASan), the bound holds. */
	for (int i = 0; i < 600; i++) {
		snprintf(sql, sizeof(sql), "SELECT %d + $1", i);
		assert_int_equal(db_prepare_built(f->db, sql, &st, &e), ERR_OK);
		db_bind_int64(st, 1, 1);
		assert_int_equal(db_step(st, &e), DB_ROW);
		assert_int_equal(db_col_int64(st, 0), i + 1);
		db_done(st);
	}
}

/* The id of the row an INSERT made, not of those its triggers made; the transaction counter. */
static void test_last_insert_id_and_txn_seq(void **state)
{
	struct fixture *f = *state;
	static const char ins[] = "INSERT INTO t (name, n) VALUES ($1, 1)";
	struct db_stmt *st;
	struct err e = ERR_INIT;
	uint64_t seq = db_txn_seq(f->db);

	assert_int_equal(db_exec(f->db,
				 "INSERT INTO t (id, name, n) VALUES (41, 'before', 0); "
				 "CREATE TRIGGER t_child AFTER INSERT ON t BEGIN "
				 "INSERT INTO child (id, t_id) VALUES (new.id + 1000, new.id); END",
				 &e),
			 ERR_OK);
	assert_int_equal(db_begin(f->db, &e), ERR_OK);
	assert_true(db_txn_seq(f->db) != seq);
	seq = db_txn_seq(f->db);
	assert_int_equal(db_begin(f->db, &e), ERR_OK); /* a savepoint: the same transaction */
	assert_int_equal(db_txn_seq(f->db), seq);
	assert_int_equal(db_prepare(f->db, ins, &st, &e), ERR_OK);
	db_bind_text(st, 1, "one");
	assert_int_equal(db_step(st, &e), DB_DONE);
	db_done(st);
	assert_int_equal(db_last_insert_id(f->db), 42);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM child WHERE id = 1042"), 1);
	assert_int_equal(db_commit(f->db, &e), ERR_OK);
	assert_int_equal(db_commit(f->db, &e), ERR_OK);
	assert_int_equal(db_begin_read(f->db, &e), ERR_OK);
	assert_true(db_txn_seq(f->db) != seq);
	assert_int_equal(db_commit(f->db, &e), ERR_OK);
}

/* --- checkpoints left to another connection ------------------------------ */

struct watch {
	struct db_log_watch log;
	int calls, last, max;
};

static void watch_grown(struct db_log_watch *log, int pages)
{
	struct watch *w = (struct watch *)log;

	w->calls++;
	w->last = pages;
	if (pages > w->max)
		w->max = pages;
}

/* One row of about 8 KiB per transaction: three log pages or so a commit. */
static void commit_big_rows(struct db *db, int first, int n)
{
	static const char ins[] = "INSERT INTO t (id, name, n, label) VALUES ($1, $2, 1, $3)";
	char label[8192], name[32];
	struct err e = ERR_INIT;
	struct db_stmt *st;

	memset(label, 'x', sizeof(label) - 1);
	label[sizeof(label) - 1] = '\0';
	for (int i = first; i < first + n; i++) {
		snprintf(name, sizeof(name), "row %d", i);
		assert_int_equal(db_begin(db, &e), ERR_OK);
		assert_int_equal(db_prepare(db, ins, &st, &e), ERR_OK);
		db_bind_int64(st, 1, i);
		db_bind_text(st, 2, name);
		db_bind_text(st, 3, label);
		assert_int_equal(db_step(st, &e), DB_DONE);
		db_done(st);
		assert_int_equal(db_commit(db, &e), ERR_OK);
	}
}

/*
 * A log_watch connection never checkpoints at its commits (SQLite would at
 * 1,000 pages and start the log again): it reports the log's length after
 * each one, and db_checkpoint, on another connection, folds the log in.
 */
static void test_log_watch(void **state)
{
	struct fixture *f = *state;
	struct watch w = {.log.grown = watch_grown};
	struct db_options o = {.sync = DB_SYNC_OFF, .busy_timeout_ms = 1000, .log_watch = &w.log};
	struct db *writer = NULL;
	struct err e = ERR_INIT;
	int pages = -1, copied = -1;

	assert_int_equal(db_open(&writer, f->path, &o, &e), ERR_OK);
	commit_big_rows(writer, 1, 500);
	assert_int_equal(w.calls, 500);
	assert_true(w.max > 1200);       /* past SQLite's automatic checkpoint ... */
	assert_int_equal(w.last, w.max); /* ... and never started again */

	/* The other connection copies it all; the next commit starts the log again. */
	assert_int_equal(db_checkpoint(f->db, &pages, &copied, &e), ERR_OK);
	assert_int_equal(pages, w.max);
	assert_int_equal(copied, pages);
	commit_big_rows(writer, 1001, 1);
	assert_true(w.last < 10);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM t"), 501);
	db_close(writer);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_missing_without_create),
		cmocka_unit_test(test_open_creates),
		cmocka_unit_test(test_open_postgresql_refused),
		cmocka_unit_test(test_sync_names),
		T(test_cache_reuses_statement),
		T(test_cache_resets_half_read),
		T(test_cache_nested_use),
		T(test_dynamic_statement),
		T(test_built_statement),
		T(test_last_insert_id_and_txn_seq),
		T(test_placeholders_out_of_order),
		T(test_bind_and_columns),
		T(test_bind_copies_text),
		T(test_commit_and_rollback),
		T(test_savepoints),
		T(test_deep_savepoints),
		T(test_busy_time),
		T(test_failure_inside_savepoint),
		T(test_constraint_mapping),
		T(test_flat),
		T(test_log_gathered),
		T(test_bad_sql),
		T(test_busy_is_transient),
		T(test_log_watch),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
