/* repo_job.c - durable work: add, claim under a lease, finish, list. */
#include "util/common.h"
#include "store/repo_private.h"
#include "util/buf.h"

#define JOB_KINDS_MAX 16

static const char *const state_names[] = {
	[JOB_QUEUED] = "queued", [JOB_RUNNING] = "running", [JOB_DONE] = "done",
	[JOB_FAILED] = "failed", [JOB_CANCELLED] = "cancelled",
};

const char *job_state_name(enum job_state s)
{
	return (size_t)s < sizeof(state_names) / sizeof(state_names[0]) ? state_names[s] : "?";
}

int job_state_parse(const char *s)
{
	for (size_t i = 0; s && i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (strcmp(s, state_names[i]) == 0)
			return (int)i;
	return -1;
}

#define JOB_COLUMNS                                                                               \
	"id, kind, ticket_id, ref_id, payload, dedupe_key, state, run_at, attempts, "             \
	"max_attempts, lease_until, worker, last_error, created_at, updated_at"

static void read_job(struct arena *a, struct db_stmt *st, struct job_row *j)
{
	int s;

	j->id = db_col_int64(st, 0);
	j->kind = repo_col_str(a, st, 1);
	j->ticket_id = db_col_int64(st, 2);
	j->ref_id = db_col_int64(st, 3);
	j->payload = repo_col_str(a, st, 4);
	j->dedupe_key = repo_col_str(a, st, 5);
	s = job_state_parse(db_col_text(st, 6));
	j->state = s < 0 ? JOB_FAILED : (enum job_state)s;
	j->run_at = db_col_int64(st, 7);
	j->attempts = (int)db_col_int64(st, 8);
	j->max_attempts = (int)db_col_int64(st, 9);
	j->lease_until = db_col_int64(st, 10);
	j->worker = repo_col_str(a, st, 11);
	j->last_error = repo_col_str(a, st, 12);
	j->created_at = db_col_int64(st, 13);
	j->updated_at = db_col_int64(st, 14);
}

enum err_code repo_job_insert(struct db *db, const struct job_new *j, int64_t at, int64_t *id,
			      struct err *e)
{
	/*
	 * A key held by a queued job moves that job (DO UPDATE); held by one
	 * past the queue, the WHERE leaves it as it is and RETURNING gives no
	 * row: then the holder's id is looked up.
	 */
	static const char sql[] =
		"INSERT INTO jobs (kind, ticket_id, ref_id, payload, dedupe_key, run_at, max_attempts, "
		"created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) "
		"ON CONFLICT (dedupe_key) DO UPDATE SET run_at = excluded.run_at, "
		"payload = excluded.payload, updated_at = excluded.updated_at "
		"WHERE jobs.state = 'queued' RETURNING id";
	static const char holder[] = "SELECT id FROM jobs WHERE dedupe_key = $1";
	struct db_stmt *st;
	enum err_code rc;
	int64_t got = 0;
	int r;

	if (!j->kind || !*j->kind)
		return err_set(e, ERR_INVALID, "a job needs a kind");
	if ((rc = db_prepare(db, sql, &st, e)))
		return rc;
	db_bind_text(st, 1, j->kind);
	db_bind_id(st, 2, j->ticket_id);
	db_bind_id(st, 3, j->ref_id);
	db_bind_text(st, 4, j->payload);
	db_bind_text(st, 5, j->dedupe_key);
	db_bind_int64(st, 6, j->run_at);
	db_bind_int64(st, 7, j->max_attempts > 0 ? j->max_attempts : 1);
	db_bind_int64(st, 8, at);
	r = db_step(st, e);
	if (r == DB_ROW)
		got = db_col_int64(st, 0);
	db_done(st);
	if (r < 0)
		return e->code;
	if (!got && j->dedupe_key) {
		if ((rc = db_prepare(db, holder, &st, e)))
			return rc;
		db_bind_text(st, 1, j->dedupe_key);
		r = db_step(st, e);
		if (r == DB_ROW)
			got = db_col_int64(st, 0);
		db_done(st);
		if (r < 0)
			return e->code;
	}
	if (!got)
		return err_set(e, ERR_INTERNAL, "job '%s' was not stored", j->kind);
	if (id)
		*id = got;
	return ERR_OK;
}

/* Running jobs whose lease ended: queued again, or failed past their attempts. */
static enum err_code reap(struct db *db, int64_t now, struct err *e)
{
	static const char sql[] =
		"UPDATE jobs SET state = CASE WHEN attempts >= max_attempts THEN 'failed' "
		"ELSE 'queued' END, lease_until = NULL, updated_at = $1, "
		"last_error = 'the worker stopped before finishing (lease ended)' "
		"WHERE state = 'running' AND lease_until < $1";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);

	if (rc)
		return rc;
	db_bind_int64(st, 1, now);
	return repo_run(st, e);
}

enum err_code repo_job_claim(struct db *db, struct arena *a, const char *const *kinds,
			     const char *worker, int64_t now, int64_t lease_ms,
			     struct job_row *out, struct err *e)
{
	struct buf sql = BUF_INIT;
	struct db_stmt *st = NULL;
	enum err_code rc;
	size_t nkinds = 0;
	int r;

	while (kinds && kinds[nkinds])
		nkinds++;
	if (nkinds > JOB_KINDS_MAX)
		return err_set(e, ERR_INVALID, "at most %d job kinds per claim", JOB_KINDS_MAX);
	if ((rc = reap(db, now, e)))
		return rc;
	buf_puts(&sql, "UPDATE jobs SET state = 'running', attempts = attempts + 1, "
		       "lease_until = $2, worker = $3, updated_at = $1 WHERE id = (SELECT id FROM jobs "
		       "WHERE state = 'queued' AND run_at <= $1");
	if (nkinds) {
		buf_puts(&sql, " AND kind IN (");
		for (size_t i = 0; i < nkinds; i++)
			buf_printf(&sql, "%s$%zu", i ? ", " : "", i + 4);
		buf_puts(&sql, ")");
	}
	buf_puts(&sql, " ORDER BY run_at, id LIMIT 1");
	/*
	 * Servers sharing a PostgreSQL desk claim at once: each takes the first
	 * due job no other claim has locked, instead of waiting for that claim
	 * and then finding its job taken. (SQLite has one writer at a time.)
	 */
	if (strcmp(db_backend(db), "postgresql") == 0)
		buf_puts(&sql, " FOR UPDATE SKIP LOCKED");
	buf_puts(&sql, ") RETURNING " JOB_COLUMNS);
	if ((rc = db_prepare_built(db, buf_str(&sql), &st, e)))
		goto out;
	db_bind_int64(st, 1, now);
	db_bind_int64(st, 2, now + lease_ms);
	db_bind_text(st, 3, worker);
	for (size_t i = 0; i < nkinds; i++)
		db_bind_text(st, (int)i + 4, kinds[i]);
	r = db_step(st, e);
	if (r == DB_ROW)
		read_job(a, st, out);
	else
		rc = r < 0 ? e->code : err_set(e, ERR_NOT_FOUND, "no job is due");
out:
	db_done(st);
	buf_release(&sql);
	return rc;
}

enum err_code repo_job_finish(struct db *db, int64_t id, const char *worker,
			      enum job_state state, int64_t run_at, const char *error, int64_t at,
			      struct err *e)
{
	static const char sql[] =
		"UPDATE jobs SET state = $3, run_at = CASE WHEN $3 = 'queued' THEN $4 ELSE run_at END, "
		"lease_until = NULL, last_error = $5, updated_at = $6 "
		"WHERE id = $1 AND state = 'running' AND worker = $2";
	struct db_stmt *st;
	enum err_code rc;

	if (state == JOB_RUNNING)
		return err_set(e, ERR_INVALID, "a job is finished to queued, done, failed or cancelled");
	if ((rc = db_prepare(db, sql, &st, e)))
		return rc;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, worker);
	db_bind_text(st, 3, job_state_name(state));
	db_bind_int64(st, 4, run_at);
	db_bind_text(st, 5, error);
	db_bind_int64(st, 6, at);
	if ((rc = repo_run(st, e)))
		return rc;
	if (db_changes(db) != 1)
		return err_set(e, ERR_CONFLICT, "job %" PRId64 " is no longer held by '%s'", id,
			       worker ? worker : "");
	return ERR_OK;
}

enum err_code repo_job_get(struct db *db, struct arena *a, int64_t id, struct job_row *out,
			   struct err *e)
{
	static const char sql[] = "SELECT " JOB_COLUMNS " FROM jobs WHERE id = $1";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	if (rc)
		return rc;
	db_bind_int64(st, 1, id);
	r = db_step(st, e);
	if (r == DB_ROW)
		read_job(a, st, out);
	else
		rc = r < 0 ? e->code : err_set(e, ERR_NOT_FOUND, "no job %" PRId64, id);
	db_done(st);
	return rc;
}

enum err_code repo_job_list(struct db *db, struct arena *a, int state, int64_t ticket_id,
			    int limit, struct rows *out, struct err *e)
{
	static const char sql[] =
		"SELECT " JOB_COLUMNS " FROM jobs WHERE (CAST($1 AS TEXT) IS NULL OR state = $1) "
		"AND (CAST($2 AS BIGINT) IS NULL OR ticket_id = $2) ORDER BY id DESC LIMIT $3";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	rows_init(out, sizeof(struct job_row));
	if (rc)
		return rc;
	db_bind_text(st, 1, state >= 0 ? job_state_name((enum job_state)state) : NULL);
	db_bind_id(st, 2, ticket_id);
	db_bind_int64(st, 3, limit);
	while ((r = db_step(st, e)) == DB_ROW)
		read_job(a, st, rows_push(a, out));
	db_done(st);
	return r < 0 ? e->code : ERR_OK;
}

enum err_code repo_job_next_due(struct db *db, int64_t *run_at, struct err *e)
{
	static const char sql[] = "SELECT min(run_at) FROM jobs WHERE state = 'queued'";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	if (rc)
		return rc;
	r = db_step(st, e);
	*run_at = r == DB_ROW ? db_col_int64(st, 0) : 0;
	db_done(st);
	return r < 0 ? e->code : ERR_OK;
}

enum err_code repo_job_requeue(struct db *db, int64_t id, int64_t run_at, int64_t at,
			       struct err *e)
{
	static const char sql[] =
		"UPDATE jobs SET state = 'queued', attempts = 0, run_at = $2, lease_until = NULL, "
		"updated_at = $3 WHERE id = $1 AND state IN ('failed', 'cancelled')";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);

	if (rc)
		return rc;
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, run_at);
	db_bind_int64(st, 3, at);
	if ((rc = repo_run(st, e)))
		return rc;
	if (db_changes(db) == 1)
		return ERR_OK;
	struct arena a;
	struct job_row j;
	arena_init(&a);
	rc = repo_job_get(db, &a, id, &j, e);
	if (!rc)
		rc = err_set(e, ERR_CONFLICT, "job %" PRId64 " is %s: only a failed or cancelled job "
			     "is retried", id, job_state_name(j.state));
	arena_release(&a);
	return rc;
}

enum err_code repo_job_payload_set(struct db *db, int64_t id, const char *payload, struct err *e)
{
	static const char sql[] = "UPDATE jobs SET payload = $2 WHERE id = $1";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, payload);
	return repo_run(st, e);
}
