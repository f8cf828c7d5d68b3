/* repo_private.h - helpers shared by the repo_*.c files; private to store/. */
#ifndef CHAMPION_REPO_PRIVATE_H
#define CHAMPION_REPO_PRIVATE_H

#include "store/repo.h"

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

#endif
