/*
 * testlib.h - what the unit tests share: cmocka, temporary directories,
 * small file helpers. Linked into every unit test executable.
 *
 * A test that needs files makes its own directory with tl_tmpdir() and
 * removes it with tl_rmtree(); nothing is left behind in the source or
 * build tree.
 */
#ifndef CHAMPION_TESTLIB_H
#define CHAMPION_TESTLIB_H

#include "util/common.h"
#include "desk/desk.h"
#include "store/store.h"

#include <setjmp.h>
#include <cmocka.h>

/* A fresh directory under $TMPDIR (or /tmp); malloc'd path. Fails the test on error. */
char *tl_tmpdir(const char *tag);
/* Removes path and everything below it; accepts NULL. */
void tl_rmtree(const char *path);
/* dir "/" name into a malloc'd string. */
char *tl_join(const char *dir, const char *name);
/* Writes len bytes to path (creating or truncating); fails the test on error. */
void tl_write_file(const char *path, const void *data, size_t len);
/* Size of the file at path, or -1. */
long long tl_file_size(const char *path);
/* True when path exists. */
bool tl_exists(const char *path);

/*
 * Whether the tests run on PostgreSQL (CHAMPION_TEST_PG_URL, set by
 * tests/pg/run_unit.sh). A test of something only SQLite has (its query
 * plans, its temporary triggers) starts with `if (tl_pg()) skip();`.
 */
bool tl_pg(void);

/* A fresh, migrated desk database in its own temporary directory. */
struct tl_store {
	char *dir;
	char *path; /* DIR/desk.db, or the PostgreSQL URL (CHAMPION_TEST_PG_URL) */
	char *files; /* attachments.dir: NULL (beside the file), or DIR/files on PostgreSQL */
	struct store store;
};

/* Creates the desk (fails the test on error); the clock is pinned first. */
void tl_store_open(struct tl_store *t, const char *tag);
/* Closes the store and removes its directory. */
void tl_store_close(struct tl_store *t);
/* The single integer a query returns (fails the test on error). */
int64_t tl_query_int(struct db *db, const char *sql);
/* The text of the first row's first column (malloc'd), or NULL for none; fmt as printf's. */
char *tl_query_text(struct db *db, const char *fmt, ...) PRINTF_LIKE(2, 3);

/*
 * A fresh desk with a cast of users, for the desk/ tests:
 *   admin@desk.io (admin), agent@desk.io and agent2@desk.io (agents),
 *   eng@desk.io (engineer in group "Tier 2"), eng2@desk.io (engineer in no
 *   group), alice@example.com and bob@example.com (customers, no
 *   organisation), carol@acme.com and dave@acme.com (customers of Acme,
 *   which shares tickets), erin@other.com and frank@other.com (customers
 *   of Other, which does not). The clock is pinned at TL_T0.
 */
#define TL_T0 1767225600000LL /* 2026-01-01T00:00:00Z */

struct tl_desk {
	char *dir;
	char *path;  /* as tl_store's */
	char *files; /* as tl_store's: what another desk_open of path must be told */
	struct desk *d;
	struct actor sys, admin, agent, agent2, eng, eng2, alice, bob, carol, dave, erin, frank;
	int64_t tier2; /* the group */
	int64_t acme, other;
};

void tl_desk_open(struct tl_desk *t, const char *tag);
void tl_desk_close(struct tl_desk *t);
/* Rows in one of the tables repo_count knows. */
int64_t tl_count(struct desk *d, const char *table);

/* assert_string_contains: haystack holds needle (prints both when not). */
#define assert_contains(hay, needle) tl_assert_contains((hay), (needle), __FILE__, __LINE__)
void tl_assert_contains(const char *hay, const char *needle, const char *file, int line);

#endif
