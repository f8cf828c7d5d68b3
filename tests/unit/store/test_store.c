/*
 * test_store.c - tests of src/store/store.c: creating, reopening and
 * refusing what is not a desk (foreign, newer, empty, random, truncated).
 */
#include "util/common.h"
#include "store/repo.h"
#include "store/migrate.h"
#include "store/store.h"
#include "util/time.h"
#include "testlib.h"

#include <unistd.h>

struct fixture {
	char *dir;
	char *path;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->dir = tl_tmpdir("store");
	f->path = tl_join(f->dir, "desk.db");
	time_set_fixed(1767225600000LL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	tl_rmtree(f->dir);
	free(f->dir);
	free(f->path);
	free(f);
	return 0;
}

static enum err_code open_store(struct store *s, const char *path, bool create, struct err *e)
{
	struct store_options o = {.target = path, .create = create, .sync = DB_SYNC_OFF,
				  .busy_timeout_ms = 200};
	return store_open(s, &o, e);
}

static void test_create_migrates(void **state)
{
	struct fixture *f = *state;
	struct store s;
	struct err e = ERR_INIT;
	char want_blobs[4096];

	assert_int_equal(open_store(&s, f->path, true, &e), ERR_OK);
	assert_int_equal(s.version, migrate_latest());
	assert_non_null(s.db);
	assert_string_equal(s.target, f->path);
	snprintf(want_blobs, sizeof(want_blobs), "%s.files", f->path);
	assert_string_equal(s.blob_dir, want_blobs); /* beside the database by default */
	assert_int_equal(s.blob_max, 25u << 20);
	assert_int_equal(tl_query_int(s.db, "SELECT max(version) FROM schema_migrations"),
			 migrate_latest());
	store_release(&s);
	assert_null(s.db);
	assert_null(s.target);
}

static void test_reopen_is_idempotent(void **state)
{
	struct fixture *f = *state;
	struct store s;
	struct err e = ERR_INIT;
	int64_t id;

	assert_int_equal(open_store(&s, f->path, true, &e), ERR_OK);
	struct user_new u = {"a@example.com", "a@example.com", "A", ROLE_AGENT, 0, 1};
	assert_int_equal(repo_user_insert(s.db, &u, &id, &e), ERR_OK);
	store_release(&s);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(open_store(&s, f->path, false, &e), ERR_OK);
		assert_int_equal(s.version, migrate_latest());
		assert_int_equal(tl_query_int(s.db, "SELECT count(*) FROM schema_migrations"),
				 (int64_t)migrations_count);
		assert_int_equal(tl_query_int(s.db, "SELECT count(*) FROM users"), 1);
		store_release(&s);
	}
}

static void test_create_over_existing_refused(void **state)
{
	struct fixture *f = *state;
	struct store s;
	struct err e = ERR_INIT;

	assert_int_equal(open_store(&s, f->path, true, &e), ERR_OK);
	store_release(&s);
	long long size = tl_file_size(f->path);
	assert_int_equal(open_store(&s, f->path, true, &e), ERR_CONFLICT);
	assert_contains(e.msg, f->path);
	assert_null(s.db);
	assert_int_equal(tl_file_size(f->path), size);
	/* And it still opens as the desk it was. */
	assert_int_equal(open_store(&s, f->path, false, &e), ERR_OK);
	store_release(&s);
}

static void test_missing_refused(void **state)
{
	struct fixture *f = *state;
	struct store s;
	struct err e = ERR_INIT;

	assert_int_equal(open_store(&s, f->path, false, &e), ERR_NOT_FOUND);
	assert_contains(e.msg, f->path);
	assert_false(tl_exists(f->path));
	assert_null(s.db);

	assert_int_equal(open_store(&s, "", false, &e), ERR_INVALID);
	assert_int_equal(open_store(&s, NULL, true, &e), ERR_INVALID);
}

static void test_options(void **state)
{
	struct fixture *f = *state;
	struct store_options o = {.target = f->path, .create = true, .sync = DB_SYNC_FULL,
				  .busy_timeout_ms = 0, .blob_dir = "/srv/blobs",
				  .blob_max = 1234};
	struct store s;
	struct err e = ERR_INIT;

	assert_int_equal(store_open(&s, &o, &e), ERR_OK);
	assert_string_equal(s.blob_dir, "/srv/blobs");
	assert_int_equal(s.blob_max, 1234);
	assert_int_equal(tl_query_int(s.db, "PRAGMA synchronous"), 2); /* FULL */
	store_release(&s);
}

static void test_newer_desk_refused(void **state)
{
	struct fixture *f = *state;
	struct store s;
	struct err e = ERR_INIT;
	char sql[160];

	assert_int_equal(open_store(&s, f->path, true, &e), ERR_OK);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO schema_migrations VALUES (%d, 'from_the_future', 0)",
		 migrate_latest() + 7);
	assert_int_equal(db_exec(s.db, sql, &e), ERR_OK);
	store_release(&s);

	assert_int_equal(open_store(&s, f->path, false, &e), ERR_CONFLICT);
	assert_contains(e.msg, "newer");
	assert_null(s.db);
}

static void test_foreign_database_refused(void **state)
{
	struct fixture *f = *state;
	struct db_options o = {.create = true, .sync = DB_SYNC_OFF, .busy_timeout_ms = 100};
	struct db *db;
	struct store s;
	struct err e = ERR_INIT;

	assert_int_equal(db_open(&db, f->path, &o, &e), ERR_OK);
	assert_int_equal(db_exec(db, "CREATE TABLE recipes (id INTEGER PRIMARY KEY, name TEXT)",
				 &e),
			 ERR_OK);
	db_close(db);

	assert_int_equal(open_store(&s, f->path, false, &e), ERR_INVALID);
	assert_contains(e.msg, "not a Champion desk");
	assert_contains(e.msg, f->path);
	assert_null(s.db);
}

static void test_empty_file_refused(void **state)
{
	struct fixture *f = *state;
	struct store s;
	struct err e = ERR_INIT;

	tl_write_file(f->path, "", 0);
	assert_int_not_equal(open_store(&s, f->path, false, &e), ERR_OK);
	assert_contains(e.msg, f->path);
	assert_null(s.db);
}

/*
 * Refusing an empty file leaves it empty, so the 'champion init' the
 * message suggests then works. (An earlier store_open ran "PRAGMA
 * journal_mode=WAL" first, which wrote a 4096-byte header into it, and
 * init then refused the file as existing; fixed.)
 */
static void test_empty_file_left_untouched(void **state)
{
	struct fixture *f = *state;
	struct store s;
	struct err e = ERR_INIT;

	tl_write_file(f->path, "", 0);
	assert_int_not_equal(open_store(&s, f->path, false, &e), ERR_OK);
	assert_int_equal(tl_file_size(f->path), 0);
	/* What the message tells the user to do works. */
	assert_int_equal(open_store(&s, f->path, true, &e), ERR_OK);
	store_release(&s);
}

static void test_random_bytes_refused(void **state)
{
	struct fixture *f = *state;
	struct store s;
	struct err e = ERR_INIT;
	unsigned char junk[65536];
	uint64_t x = 88172645463325252ULL;

	for (size_t i = 0; i < sizeof(junk); i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift: no dependence on rng.c */
		junk[i] = (unsigned char)x;
	}
	tl_write_file(f->path, junk, sizeof(junk));
	assert_int_equal(open_store(&s, f->path, false, &e), ERR_INTERNAL);
	assert_contains(e.msg, f->path);
	assert_contains(e.msg, "not a database");
	assert_null(s.db);
	/* With create it is refused too (the file exists). */
	assert_int_not_equal(open_store(&s, f->path, true, &e), ERR_OK);
	assert_int_equal(tl_file_size(f->path), (long long)sizeof(junk));
}

/* A real desk with some rows, cut to half its size. */
static void test_truncated_desk(void **state)
{
	struct fixture *f = *state;
	struct store s;
	struct err e = ERR_INIT;
	char sql[256];

	assert_int_equal(open_store(&s, f->path, true, &e), ERR_OK);
	assert_int_equal(db_begin(s.db, &e), ERR_OK);
	for (int i = 1; i <= 300; i++) {
		snprintf(sql, sizeof(sql),
			 "INSERT INTO users (email, email_norm, name, role, created_at, updated_at) "
			 "VALUES ('u%d@example.com', 'u%d@example.com', 'User %d with a longish "
			 "name to fill pages', 'customer', 0, 0)",
			 i, i, i);
		assert_int_equal(db_exec(s.db, sql, &e), ERR_OK);
	}
	assert_int_equal(db_commit(s.db, &e), ERR_OK);
	store_release(&s); /* checkpoints the WAL into the file */
	char *wal = tl_join(f->dir, "desk.db-wal");
	assert_false(tl_exists(wal) && tl_file_size(wal) > 0);
	free(wal);

	long long size = tl_file_size(f->path);
	assert_true(size > 8 * 4096);
	assert_int_equal(truncate(f->path, size / 2), 0);

	/* Either opening fails, or reading every table does: clearly, without a crash. */
	enum err_code rc = open_store(&s, f->path, false, &e);
	if (rc == ERR_OK) {
		static const char *const tables[] = {"tickets", "messages", "events", "users",
						     "organisations", "agent_groups"};
		for (size_t i = 0; i < ARRAY_SIZE(tables) && rc == ERR_OK; i++) {
			int64_t n;
			rc = repo_count(s.db, tables[i], &n, &e);
		}
		store_release(&s);
	} else {
		assert_contains(e.msg, f->path);
		assert_null(s.db);
	}
	assert_int_equal(rc, ERR_INTERNAL);
	assert_contains(e.msg, "corrupt");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_create_migrates),
		T(test_reopen_is_idempotent),
		T(test_create_over_existing_refused),
		T(test_missing_refused),
		T(test_options),
		T(test_newer_desk_refused),
		T(test_foreign_database_refused),
		T(test_empty_file_refused),
		T(test_empty_file_left_untouched),
		T(test_random_bytes_refused),
		T(test_truncated_desk),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
