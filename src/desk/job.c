/* job.c - durable work: adding jobs in a use case's transaction, claiming, finishing. */
#include "util/common.h"
#include "desk/desk_private.h"
#include "rules/backoff.h"
#include "util/time.h"

#include <sodium.h>
#include <unistd.h>

void desk_worker_name(char out[DESK_WORKER_MAX], const char *role)
{
	char host[40] = "";

	gethostname(host, sizeof(host) - 1);
	snprintf(out, DESK_WORKER_MAX, "%s:%ld:%.12s", host, (long)getpid(), role);
}

static const struct backoff retry = {DESK_JOB_RETRY_BASE_MS, DESK_JOB_RETRY_CAP_MS};

enum err_code desk_job_add(struct desk *d, const struct job_new *j, int64_t *id, struct err *e)
{
	struct job_new n = *j;
	int64_t now = time_now_ms();

	if (!n.run_at)
		n.run_at = now;
	if (!n.max_attempts)
		n.max_attempts = DESK_JOB_ATTEMPTS;
	return repo_job_insert(desk_db(d), &n, now, id, e);
}

enum err_code desk_job_claim(struct desk *d, struct arena *a, const char *const *kinds,
			     const char *worker, struct job_row *out, struct err *e)
{
	enum err_code rc;

	if ((rc = db_begin(desk_db(d), e)))
		return rc;
	rc = repo_job_claim(desk_db(d), a, kinds, worker, time_now_ms(),
			    d->job_lease_ms > 0 ? d->job_lease_ms : DESK_JOB_LEASE_MS, out, e);
	if (rc && rc != ERR_NOT_FOUND) {
		db_rollback(desk_db(d));
		return rc;
	}
	/* Nothing due still commits: ended leases were put back. */
	if (rc == ERR_NOT_FOUND)
		return (rc = db_commit(desk_db(d), e)) ? rc
						       : err_set(e, ERR_NOT_FOUND, "no job is due");
	return db_commit(desk_db(d), e);
}

enum err_code desk_job_finish(struct desk *d, const struct job_row *j, const char *worker,
			      enum desk_job_outcome outcome, const char *error, struct err *e)
{
	int64_t now = time_now_ms(), run_at = 0;
	enum job_state state = JOB_DONE;
	enum err_code rc;

	if (outcome == DESK_JOB_FAIL) {
		state = JOB_FAILED;
	} else if (outcome == DESK_JOB_RETRY) {
		if (j->attempts >= j->max_attempts) {
			state = JOB_FAILED;
		} else {
			double u = (double)randombytes_uniform(1u << 30) / (double)(1u << 30);
			state = JOB_QUEUED;
			run_at = now + backoff_delay(&retry, j->attempts, u);
		}
	}
	if ((rc = db_begin(desk_db(d), e)))
		return rc;
	rc = repo_job_finish(desk_db(d), j->id, worker, state, run_at, error, now, e);
	if (rc) {
		db_rollback(desk_db(d));
		return rc;
	}
	return db_commit(desk_db(d), e);
}

enum err_code desk_job_next_due(struct desk *d, int64_t *at, struct err *e)
{
	return repo_job_next_due(desk_db(d), at, e);
}

enum err_code desk_job_list(struct desk *d, const struct actor *who, struct arena *a,
			    int state, int64_t ticket_id, int limit, struct rows *out,
			    struct err *e)
{
	enum err_code rc;

	rows_init(out, sizeof(struct job_row));
	if ((rc = desk_require(who, ACT_JOBS, e)))
		return rc;
	if (limit < 1 || limit > DESK_JOB_LIST_MAX)
		return err_set(e, ERR_INVALID, "limit must be between 1 and %d", DESK_JOB_LIST_MAX);
	if ((rc = db_begin_read(desk_db(d), e)))
		return rc;
	return desk_read_end(d, repo_job_list(desk_db(d), a, state, ticket_id, limit, out, e), e);
}

enum err_code desk_job_retry(struct desk *d, const struct actor *who, int64_t id,
			     struct err *e)
{
	int64_t now = time_now_ms();
	enum err_code rc;

	if ((rc = desk_require(who, ACT_JOBS, e)))
		return rc;
	if ((rc = db_begin(desk_db(d), e)))
		return rc;
	if ((rc = repo_job_requeue(desk_db(d), id, now, now, e))) {
		db_rollback(desk_db(d));
		return rc;
	}
	return db_commit(desk_db(d), e);
}
