/* repo_private.h - helpers shared by the repo_*.c files; private to store/. */
#ifndef CHAMPION_REPO_PRIVATE_H
#define CHAMPION_REPO_PRIVATE_H

#include "store/repo.h"

/* Column i as a string in the arena, NULL for SQL NULL. */
static inline const char *repo_col_str(struct arena *a, struct db_stmt *st, int i)
{
	const char *s = db_col_text(st, i);
	return s ? arena_strdup(a, s) : NULL;
}

/* Runs a statement that returns no rows, then releases it. */
static inline enum err_code repo_run(struct db_stmt *st, struct err *e)
{
	enum err_code rc = db_step(st, e) < 0 ? e->code : ERR_OK;
	db_done(st);
	return rc;
}

/* Runs an INSERT ... RETURNING id, then releases it. */
static inline enum err_code repo_run_id(struct db_stmt *st, int64_t *id, struct err *e)
{
	enum err_code rc = ERR_OK;
	int r = db_step(st, e);
	if (r == DB_ROW)
		*id = db_col_int64(st, 0);
	else
		rc = r < 0 ? e->code : err_set(e, ERR_INTERNAL, "insert returned no id");
	db_done(st);
	return rc;
}

/* Runs a plain INSERT (no RETURNING, no upsert) and reads the new row's id. */
static inline enum err_code repo_run_insert(struct db *db, struct db_stmt *st, int64_t *id,
					    struct err *e)
{
	int r = db_step(st, e);
	enum err_code rc = r < 0 ? e->code : ERR_OK;

	if (r == DB_DONE)
		*id = db_last_insert_id(db);
	else if (r == DB_ROW)
		rc = err_set(e, ERR_INTERNAL, "an insert returned a row");
	db_done(st);
	return rc;
}

/* Reads the current row of st into row (an item of a struct rows), copying strings into a. */
typedef void repo_read_fn(struct arena *a, struct db_stmt *st, void *row);

/* Steps st (bound) to its end, reading each row into a new item of out; then releases st. */
static inline enum err_code repo_each_row(struct db_stmt *st, struct arena *a, struct rows *out,
					  repo_read_fn *read, struct err *e)
{
	int r;
	while ((r = db_step(st, e)) == DB_ROW)
		read(a, st, rows_push(a, out));
	db_done(st);
	return r < 0 ? e->code : ERR_OK;
}

/* The rows of sql (static) with $1 = p1, read into out (items of size bytes). */
static inline enum err_code repo_rows_of(struct db *db, const char *sql, int64_t p1,
					 struct arena *a, struct rows *out, size_t size,
					 repo_read_fn *read, struct err *e)
{
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);

	rows_init(out, size);
	if (rc)
		return rc;
	db_bind_int64(st, 1, p1);
	return repo_each_row(st, a, out, read, e);
}

/*
 * Who sees which tickets (t), in SQL: rules/perm.c's visibility as the
 * ticket list and search both apply it inside their queries. $8 is the
 * viewer, $9 a customer's organisation.
 */
#define REPO_ENGINEER_SEES                                                                        \
	"(t.assignee_id = $8 OR t.group_id IN (SELECT gm.group_id FROM group_members gm "         \
	"WHERE gm.user_id = $8))"
#define REPO_CUSTOMER_SEES                                                                        \
	"(t.requester_id = $8 OR t.id IN (SELECT w.ticket_id FROM ticket_followers w WHERE "      \
	"w.user_id = $8) OR t.organisation_id IN (SELECT o.id FROM organisations o WHERE "        \
	"o.id = $9 AND o.shares_tickets = 1))"

#endif
