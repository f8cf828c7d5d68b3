/* testlib.c - helpers shared by the unit tests. */
#include "util/common.h"
#include "testlib.h"
#include "util/time.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

char *tl_tmpdir(const char *tag)
{
	const char *base = getenv("TMPDIR");
	char tmpl[4096];
	char *dir;

	if (!base || !*base)
		base = "/tmp";
	snprintf(tmpl, sizeof(tmpl), "%s/champion-unit-%s-XXXXXX", base, tag);
	dir = mkdtemp(tmpl);
	if (!dir)
		fail_msg("mkdtemp '%s': %s", tmpl, strerror(errno));
	return strdup(dir);
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void tl_rmtree(const char *path)
{
	if (path)
		nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *tl_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	assert_non_null(p);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

void tl_write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	const char *p = data;

	if (fd < 0)
		fail_msg("open '%s': %s", path, strerror(errno));
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0)
			fail_msg("write '%s': %s", path, strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	close(fd);
}

long long tl_file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

bool tl_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

void tl_assert_contains(const char *hay, const char *needle, const char *file, int line)
{
	if (!hay || !needle || !strstr(hay, needle))
		fail_msg("%s:%d: expected \"%s\" to contain \"%s\"", file, line, hay ? hay : "(null)",
			 needle ? needle : "(null)");
}

bool tl_pg(void)
{
	const char *url = getenv("CHAMPION_TEST_PG_URL");
	return url && *url;
}

/*
 * Where a test's fresh desk lives: DIR/desk.db, or, with
 * CHAMPION_TEST_PG_URL (tests/pg/run_unit.sh), that PostgreSQL database
 * with its schema emptied first, and its files in DIR/files.
 */
static char *desk_target(const char *dir, struct store_options *o)
{
	const char *url = getenv("CHAMPION_TEST_PG_URL");
	static const struct db_options raw = {.sync = DB_SYNC_OFF, .busy_timeout_ms = 5000};
	struct db *db = NULL;
	struct err e = ERR_INIT;

	if (!url || !*url)
		return tl_join(dir, "desk.db");
	if (db_open(&db, url, &raw, &e) ||
	    db_exec(db, "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public", &e))
		fail_msg("emptying the test database %s: %s", url, e.msg);
	db_close(db);
	o->blob_dir = tl_join(dir, "files");
	return strdup(url);
}

void tl_store_open(struct tl_store *t, const char *tag)
{
	struct store_options o = {0};
	struct err e = ERR_INIT;

	time_set_fixed(1767225600000LL); /* 2026-01-01T00:00:00Z */
	t->dir = tl_tmpdir(tag);
	t->path = desk_target(t->dir, &o);
	o.target = t->path;
	o.create = true;
	o.sync = DB_SYNC_OFF;
	o.busy_timeout_ms = 1000;
	if (store_open(&t->store, &o, &e) != ERR_OK)
		fail_msg("store_open '%s': %s", t->path, e.msg);
	t->files = (char *)o.blob_dir;
}

void tl_store_close(struct tl_store *t)
{
	store_release(&t->store);
	tl_rmtree(t->dir);
	free(t->dir);
	free(t->path);
	free(t->files);
	t->dir = t->path = t->files = NULL;
}

int64_t tl_query_int(struct db *db, const char *sql)
{
	struct db_stmt *st = NULL;
	struct err e = ERR_INIT;
	int64_t v;

	if (db_prepare_dynamic(db, sql, &st, &e) != ERR_OK)
		fail_msg("prepare '%s': %s", sql, e.msg);
	if (db_step(st, &e) != DB_ROW)
		fail_msg("'%s' returned no row: %s", sql, e.msg);
	v = db_col_int64(st, 0);
	db_done(st);
	return v;
}

char *tl_query_text(struct db *db, const char *fmt, ...)
{
	struct db_stmt *st = NULL;
	struct err e = ERR_INIT;
	char sql[512];
	const char *v;
	char *out = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	if (db_prepare_dynamic(db, sql, &st, &e) != ERR_OK)
		fail_msg("prepare '%s': %s", sql, e.msg);
	if ((r = db_step(st, &e)) == DB_ROW && (v = db_col_text(st, 0)))
		out = strdup(v);
	else if (r < 0)
		fail_msg("'%s': %s", sql, e.msg);
	db_done(st);
	return out;
}

static void add_user(struct tl_desk *t, const char *email, enum role r, const char *org,
		     struct actor *out)
{
	struct user_new_in in = {.email = email, .name = NULL, .role = r, .organisation = org};
	struct err e = ERR_INIT;
	int64_t id;

	if (desk_user_add(t->d, &desk_system_actor, &in, &id, &e) != ERR_OK)
		fail_msg("desk_user_add %s: %s", email, e.msg);
	if (desk_actor_by_email(t->d, email, out, &e) != ERR_OK)
		fail_msg("desk_actor_by_email %s: %s", email, e.msg);
	assert_int_equal(out->user_id, id);
}

void tl_desk_open(struct tl_desk *t, const char *tag)
{
	struct store_options o = {0};
	struct err e = ERR_INIT;
	const struct actor *sys = &desk_system_actor;

	memset(t, 0, sizeof(*t));
	time_set_fixed(TL_T0);
	t->dir = tl_tmpdir(tag);
	t->path = desk_target(t->dir, &o);
	o.target = t->path;
	o.create = true;
	o.sync = DB_SYNC_OFF;
	o.busy_timeout_ms = 1000;
	if (desk_open(&t->d, &o, &e) != ERR_OK)
		fail_msg("desk_open '%s': %s", t->path, e.msg);
	t->files = (char *)o.blob_dir;
	t->sys = desk_system_actor;
	if (desk_org_add(t->d, sys, "Acme", "acme.com", true, &t->acme, &e) ||
	    desk_org_add(t->d, sys, "Other", "other.com", false, &t->other, &e) ||
	    desk_group_add(t->d, sys, "Tier 2", &t->tier2, &e))
		fail_msg("setting up the desk: %s", e.msg);
	add_user(t, "admin@desk.io", ROLE_ADMIN, NULL, &t->admin);
	add_user(t, "agent@desk.io", ROLE_AGENT, NULL, &t->agent);
	add_user(t, "agent2@desk.io", ROLE_AGENT, NULL, &t->agent2);
	add_user(t, "eng@desk.io", ROLE_ENGINEER, NULL, &t->eng);
	add_user(t, "eng2@desk.io", ROLE_ENGINEER, NULL, &t->eng2);
	add_user(t, "alice@example.com", ROLE_CUSTOMER, NULL, &t->alice);
	add_user(t, "bob@example.com", ROLE_CUSTOMER, NULL, &t->bob);
	add_user(t, "carol@acme.com", ROLE_CUSTOMER, "Acme", &t->carol);
	add_user(t, "dave@acme.com", ROLE_CUSTOMER, "Acme", &t->dave);
	add_user(t, "erin@other.com", ROLE_CUSTOMER, "Other", &t->erin);
	add_user(t, "frank@other.com", ROLE_CUSTOMER, "Other", &t->frank);
	if (desk_group_add_member(t->d, sys, "Tier 2", "eng@desk.io", false, &e))
		fail_msg("group member: %s", e.msg);
	assert_int_equal(t->carol.organisation_id, t->acme);
}

void tl_desk_close(struct tl_desk *t)
{
	desk_close(t->d);
	tl_rmtree(t->dir);
	free(t->dir);
	free(t->path);
	free(t->files);
	memset(t, 0, sizeof(*t));
}

int64_t tl_count(struct desk *d, const char *table)
{
	struct err e = ERR_INIT;
	int64_t n = -1;

	if (repo_count(d->store.db, table, &n, &e) != ERR_OK)
		fail_msg("count %s: %s", table, e.msg);
	return n;
}
