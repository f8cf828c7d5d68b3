/*
 * test_job.c - tests of src/desk/job.c and src/store/repo_job.c: durable
 * work added with its change, claimed under a lease, retried with backoff,
 * reclaimed when a worker dies, a timer's key keeping it to one job.
 */
#include "util/common.h"
#include "desk/desk.h"
#include "desk/desk_private.h"
#include "util/time.h"
#include "testlib.h"

#define SEC 1000LL

struct fixture {
	struct tl_desk t;
	struct arena a;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	tl_desk_open(&f->t, "job");
	arena_init(&f->a);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	arena_release(&f->a);
	tl_desk_close(&f->t);
	time_set_clock(NULL);
	free(f);
	return 0;
}

/* Adds a job in its own transaction; returns its id. */
static int64_t add(struct fixture *f, const char *kind, int64_t run_at, const char *key)
{
	struct job_new j = {.kind = kind, .payload = "{\"n\":1}", .dedupe_key = key,
			    .run_at = run_at};
	struct err e = ERR_INIT;
	int64_t id = 0;

	assert_int_equal(db_begin(f->t.d->store.db, &e), ERR_OK);
	if (desk_job_add(f->t.d, &j, &id, &e))
		fail_msg("add: %s", e.msg);
	assert_int_equal(db_commit(f->t.d->store.db, &e), ERR_OK);
	return id;
}

static enum err_code claim(struct fixture *f, const char *worker, struct job_row *j)
{
	struct err e = ERR_INIT;
	return desk_job_claim(f->t.d, &f->a, NULL, worker, j, &e);
}

static struct job_row get(struct fixture *f, int64_t id)
{
	struct job_row j;
	struct err e = ERR_INIT;
	assert_int_equal(repo_job_get(f->t.d->store.db, &f->a, id, &j, &e), ERR_OK);
	return j;
}

static void test_claim_run_finish(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	struct job_row j;
	int64_t id = add(f, "test.echo", 0, NULL), later;

	assert_int_equal(get(f, id).state, JOB_QUEUED);
	assert_int_equal(get(f, id).max_attempts, DESK_JOB_ATTEMPTS);
	assert_int_equal(claim(f, "w1", &j), ERR_OK);
	assert_int_equal(j.id, id);
	assert_string_equal(j.kind, "test.echo");
	assert_string_equal(j.payload, "{\"n\":1}");
	assert_int_equal(j.attempts, 1);
	assert_int_equal(j.state, JOB_RUNNING);
	assert_int_equal(j.lease_until, TL_T0 + DESK_JOB_LEASE_MS);
	/* Held: nobody else gets it. */
	assert_int_equal(claim(f, "w2", &j), ERR_NOT_FOUND);
	assert_int_equal(desk_job_finish(f->t.d, &j, "w1", DESK_JOB_OK, NULL, &e), ERR_OK);
	assert_int_equal(get(f, id).state, JOB_DONE);
	assert_int_equal(claim(f, "w1", &j), ERR_NOT_FOUND);

	/* Not before its time; the earliest first. */
	later = add(f, "test.echo", TL_T0 + 60 * SEC, NULL);
	id = add(f, "test.echo", TL_T0 + 30 * SEC, NULL);
	int64_t due = 0;
	assert_int_equal(desk_job_next_due(f->t.d, &due, &e), ERR_OK);
	assert_int_equal(due, TL_T0 + 30 * SEC);
	assert_int_equal(claim(f, "w1", &j), ERR_NOT_FOUND);
	time_set_fixed(TL_T0 + 90 * SEC);
	assert_int_equal(claim(f, "w1", &j), ERR_OK);
	assert_int_equal(j.id, id);
	assert_int_equal(claim(f, "w1", &j), ERR_OK);
	assert_int_equal(j.id, later);
}

static void test_kinds(void **state)
{
	struct fixture *f = *state;
	static const char *const mail[] = {"mail.send", NULL};
	struct err e = ERR_INIT;
	struct job_row j;
	int64_t timer = add(f, "sla.timer", 0, NULL), send = add(f, "mail.send", 0, NULL);

	assert_int_equal(desk_job_claim(f->t.d, &f->a, mail, "w", &j, &e), ERR_OK);
	assert_int_equal(j.id, send);
	assert_int_equal(desk_job_claim(f->t.d, &f->a, mail, "w", &j, &e), ERR_NOT_FOUND);
	assert_int_equal(claim(f, "w", &j), ERR_OK);
	assert_int_equal(j.id, timer);
}

static void test_retry_backs_off_then_fails(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	struct job_row j;
	struct job_new n = {.kind = "mail.send", .max_attempts = 3};
	int64_t id, now = TL_T0;

	assert_int_equal(db_begin(f->t.d->store.db, &e), ERR_OK);
	assert_int_equal(desk_job_add(f->t.d, &n, &id, &e), ERR_OK);
	assert_int_equal(db_commit(f->t.d->store.db, &e), ERR_OK);
	for (int attempt = 1; attempt <= 3; attempt++) {
		assert_int_equal(claim(f, "w", &j), ERR_OK);
		assert_int_equal(j.attempts, attempt);
		assert_int_equal(desk_job_finish(f->t.d, &j, "w", DESK_JOB_RETRY, "451 try later",
						 &e), ERR_OK);
		struct job_row after = get(f, id);
		assert_string_equal(after.last_error, "451 try later");
		if (attempt == 3) {
			assert_int_equal(after.state, JOB_FAILED);
			break;
		}
		/* Backoff doubles from DESK_JOB_RETRY_BASE_MS, each drawn in [d/2, d]. */
		int64_t d = DESK_JOB_RETRY_BASE_MS << (attempt - 1);
		assert_int_equal(after.state, JOB_QUEUED);
		assert_true(after.run_at >= now + d / 2 && after.run_at <= now + d);
		assert_int_equal(claim(f, "w", &j), ERR_NOT_FOUND);
		now = after.run_at;
		time_set_fixed(now);
	}
	/* A permanent failure ends it at once. */
	id = add(f, "mail.send", 0, NULL);
	assert_int_equal(claim(f, "w", &j), ERR_OK);
	assert_int_equal(desk_job_finish(f->t.d, &j, "w", DESK_JOB_FAIL, "550 no such user", &e),
			 ERR_OK);
	assert_int_equal(get(f, id).state, JOB_FAILED);
	assert_int_equal(get(f, id).attempts, 1);
}

static void test_dead_worker_lease_ends(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	struct job_row j1, j2;
	int64_t id = add(f, "mail.send", 0, NULL);

	assert_int_equal(claim(f, "w1", &j1), ERR_OK);
	time_set_fixed(TL_T0 + DESK_JOB_LEASE_MS - 1);
	assert_int_equal(claim(f, "w2", &j2), ERR_NOT_FOUND);
	/* w1 died: its lease ends, w2 runs the job again. */
	time_set_fixed(TL_T0 + DESK_JOB_LEASE_MS + 1);
	assert_int_equal(claim(f, "w2", &j2), ERR_OK);
	assert_int_equal(j2.id, id);
	assert_int_equal(j2.attempts, 2);
	assert_string_equal(j2.worker, "w2");
	/* w1 was only slow: its late outcome is refused, w2's stands. */
	assert_int_equal(desk_job_finish(f->t.d, &j1, "w1", DESK_JOB_OK, NULL, &e), ERR_CONFLICT);
	assert_contains(e.msg, "no longer held");
	assert_int_equal(get(f, id).state, JOB_RUNNING);
	assert_int_equal(desk_job_finish(f->t.d, &j2, "w2", DESK_JOB_OK, NULL, &e), ERR_OK);
	assert_int_equal(get(f, id).state, JOB_DONE);

	/* A job whose worker keeps dying fails after its attempts. */
	struct job_new n = {.kind = "mail.send", .max_attempts = 1};
	assert_int_equal(db_begin(f->t.d->store.db, &e), ERR_OK);
	assert_int_equal(desk_job_add(f->t.d, &n, &id, &e), ERR_OK);
	assert_int_equal(db_commit(f->t.d->store.db, &e), ERR_OK);
	assert_int_equal(claim(f, "w1", &j1), ERR_OK);
	time_set_fixed(TL_T0 + 3 * DESK_JOB_LEASE_MS);
	assert_int_equal(claim(f, "w2", &j2), ERR_NOT_FOUND);
	assert_int_equal(get(f, id).state, JOB_FAILED);
	assert_contains(get(f, id).last_error, "lease ended");
}

static void test_timer_key_is_one_job(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	struct job_row j;
	int64_t a = add(f, "sla.timer", TL_T0 + 100 * SEC, "sla:1:first_reply");
	int64_t b = add(f, "sla.timer", TL_T0 + 50 * SEC, "sla:1:first_reply");

	/* Set again while queued: the same job, moved. */
	assert_int_equal(a, b);
	assert_int_equal(get(f, a).run_at, TL_T0 + 50 * SEC);
	assert_int_equal(tl_query_int(f->t.d->store.db, "SELECT count(*) FROM jobs"), 1);
	time_set_fixed(TL_T0 + 60 * SEC);
	assert_int_equal(claim(f, "w", &j), ERR_OK);
	assert_int_equal(desk_job_finish(f->t.d, &j, "w", DESK_JOB_OK, NULL, &e), ERR_OK);
	/* Fired: setting it again neither adds nor re-arms it. */
	b = add(f, "sla.timer", TL_T0 + 500 * SEC, "sla:1:first_reply");
	assert_int_equal(a, b);
	assert_int_equal(get(f, a).state, JOB_DONE);
	assert_int_equal(tl_query_int(f->t.d->store.db, "SELECT count(*) FROM jobs"), 1);
}

static void test_job_rolls_back_with_its_change(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	struct job_new n = {.kind = "mail.send"};

	assert_int_equal(db_begin(f->t.d->store.db, &e), ERR_OK);
	assert_int_equal(desk_job_add(f->t.d, &n, NULL, &e), ERR_OK);
	db_rollback(f->t.d->store.db);
	assert_int_equal(tl_query_int(f->t.d->store.db, "SELECT count(*) FROM jobs"), 0);
	n.kind = "";
	assert_int_equal(desk_job_add(f->t.d, &n, NULL, &e), ERR_INVALID);
}

static void test_list_and_retry_are_for_admins(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	struct job_row j;
	struct rows rows;
	int64_t done = add(f, "mail.send", 0, NULL), failed;

	assert_int_equal(claim(f, "w", &j), ERR_OK);
	assert_int_equal(desk_job_finish(f->t.d, &j, "w", DESK_JOB_OK, NULL, &e), ERR_OK);
	failed = add(f, "mail.send", 0, NULL);
	assert_int_equal(claim(f, "w", &j), ERR_OK);
	assert_int_equal(desk_job_finish(f->t.d, &j, "w", DESK_JOB_FAIL, "550", &e), ERR_OK);

	assert_int_equal(desk_job_list(f->t.d, &f->t.agent, &f->a, -1, 0, 50, &rows, &e),
			 ERR_FORBIDDEN);
	assert_int_equal(desk_job_retry(f->t.d, &f->t.agent, failed, &e), ERR_FORBIDDEN);
	assert_int_equal(desk_job_list(f->t.d, &f->t.admin, &f->a, -1, 0, 0, &rows, &e),
			 ERR_INVALID);
	assert_int_equal(desk_job_list(f->t.d, &f->t.admin, &f->a, -1, 0, 50, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 2);
	assert_int_equal(ROWS_AT(&rows, struct job_row, 0)->id, failed);
	assert_int_equal(desk_job_list(f->t.d, &f->t.admin, &f->a, JOB_FAILED, 0, 50, &rows, &e),
			 ERR_OK);
	assert_int_equal(rows.count, 1);

	assert_int_equal(desk_job_retry(f->t.d, &f->t.admin, done, &e), ERR_CONFLICT);
	assert_contains(e.msg, "is done");
	assert_int_equal(desk_job_retry(f->t.d, &f->t.admin, 999, &e), ERR_NOT_FOUND);
	assert_int_equal(desk_job_retry(f->t.d, &f->t.admin, failed, &e), ERR_OK);
	assert_int_equal(get(f, failed).state, JOB_QUEUED);
	assert_int_equal(get(f, failed).attempts, 0);
	assert_int_equal(claim(f, "w", &j), ERR_OK);
	assert_int_equal(j.id, failed);
}

/*
 * Two servers on one PostgreSQL desk claim at the same moment: the second
 * takes the next due job at once (SKIP LOCKED) rather than waiting for the
 * first claim's transaction, and no job is taken twice.
 */
static void test_concurrent_claims_skip_locked(void **state)
{
	if (!tl_pg())
		skip(); /* SQLite has one writer at a time: its claims never overlap */
	struct fixture *f = *state;
	struct store_options o = {.target = f->t.path, .blob_dir = f->t.files, .sync = DB_SYNC_OFF,
				  .busy_timeout_ms = 200};
	struct desk *other = NULL;
	struct db *a = f->t.d->store.db, *b;
	struct job_row ja, jb, jc;
	struct err e = ERR_INIT;
	int64_t now = time_now_ms();
	int64_t first = add(f, "mail.send", now - 2 * SEC, NULL);
	int64_t second = add(f, "mail.send", now - SEC, NULL);

	assert_int_equal(desk_open(&other, &o, &e), ERR_OK);
	b = other->store.db;
	assert_int_equal(db_begin(a, &e), ERR_OK);
	assert_int_equal(repo_job_claim(a, &f->a, NULL, "server-a", now, 60 * SEC, &ja, &e), ERR_OK);
	assert_int_equal(ja.id, first);
	/* Server A has not committed: B neither waits nor takes A's job. */
	assert_int_equal(db_begin(b, &e), ERR_OK);
	assert_int_equal(repo_job_claim(b, &f->a, NULL, "server-b", now, 60 * SEC, &jb, &e), ERR_OK);
	assert_int_equal(jb.id, second);
	assert_int_equal(repo_job_claim(b, &f->a, NULL, "server-b", now, 60 * SEC, &jc, &e),
			 ERR_NOT_FOUND);
	assert_int_equal(db_commit(b, &e), ERR_OK);
	assert_int_equal(db_commit(a, &e), ERR_OK);
	assert_string_equal(get(f, first).worker, "server-a");
	assert_string_equal(get(f, second).worker, "server-b");
	desk_close(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_claim_run_finish, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kinds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_backs_off_then_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dead_worker_lease_ends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timer_key_is_one_job, setup, teardown),
		cmocka_unit_test_setup_teardown(test_job_rolls_back_with_its_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_and_retry_are_for_admins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_claims_skip_locked, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
