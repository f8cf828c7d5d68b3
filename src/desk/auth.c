/* auth.c - passwords (argon2id), sessions and the sign-in throttle. */
#include "util/common.h"
#include "desk/desk_private.h"
#include "util/time.h"

#include <sodium.h>

/* OWASP's argon2id floor: 19 MiB, two passes. */
#define PW_OPSLIMIT 2
#define PW_MEMLIMIT ((size_t)19 << 20)
#define SESSION_PREFIX "chs_"

/* Verified when the account has no password, so both cases take as long. */
static const char dummy_hash[crypto_pwhash_STRBYTES] =
	"$argon2id$v=19$m=19456,t=2,p=1$LnNwhpaVsxGrlsiKMt4S9w$"
	"D7HaIyLBTNCWRVJnnlqiQX/gRU60mohpSb9p8SHchVE";

enum err_code desk_password_set(struct desk *d, const struct actor *who, const char *email,
				const char *password, struct err *e)
{
	char hash[crypto_pwhash_STRBYTES];
	struct arena a;
	struct user_row u;
	size_t len = password ? strlen(password) : 0;
	int64_t now = time_now_ms();
	enum err_code rc;

	if (sodium_init() < 0)
		return err_set(e, ERR_INTERNAL, "libsodium cannot start");
	if (len < DESK_PASSWORD_MIN)
		return err_set(e, ERR_INVALID, "a password needs at least %d characters",
			       DESK_PASSWORD_MIN);
	if (len > DESK_PASSWORD_MAX)
		return err_set(e, ERR_INVALID, "a password may have at most %d bytes",
			       DESK_PASSWORD_MAX);
	if ((rc = desk_check_text("password", password, DESK_PASSWORD_MAX, false, e)))
		return rc;
	/* Hash before taking the write lock: it is the slow part. */
	if (crypto_pwhash_str(hash, password, len, PW_OPSLIMIT, PW_MEMLIMIT) != 0)
		return err_set(e, ERR_TRANSIENT, "not enough memory to hash the password");
	arena_init(&a);
	if ((rc = db_begin(desk_db(d), e)))
		goto out;
	if ((rc = desk_find_user(d, &a, email, &u, e)))
		goto fail;
	if (u.id != who->user_id && who->role != ROLE_ADMIN) {
		rc = err_set(e, ERR_FORBIDDEN, "only an admin sets others' passwords");
		goto fail;
	}
	if ((rc = repo_password_set(desk_db(d), u.id, hash, now, e)) ||
	    (rc = desk_event(d, "user", u.id, "user.password_set", who, NULL, NULL, NULL, NULL, now,
			     e)) ||
	    (rc = db_commit(desk_db(d), e)))
		goto fail;
	goto out;
fail:
	db_rollback(desk_db(d));
out:
	sodium_memzero(hash, sizeof(hash));
	arena_release(&a);
	return rc;
}

/* Records a failed sign-in against the account and the address, and commits it. */
static enum err_code record_failure(struct desk *d, const char *user_key, const char *addr_key,
				    int64_t now, struct err *e)
{
	enum err_code rc;

	if ((rc = repo_login_failure_add(desk_db(d), user_key, now, e)) ||
	    (rc = repo_login_failure_add(desk_db(d), addr_key, now, e)) ||
	    (rc = db_commit(desk_db(d), e))) {
		db_rollback(desk_db(d));
		return rc;
	}
	return err_set(e, ERR_FORBIDDEN, "wrong email or password");
}

enum err_code desk_login_check(struct desk *d, const char *email, const char *password,
			       const char *address, struct login_check *c, struct err *e)
{
	char norm[DESK_EMAIL_MAX + 1];
	const char *hash = NULL;
	struct arena a;
	struct user_row u = {0};
	int64_t n_user = 0, n_addr = 0;
	enum err_code rc;
	bool known;

	memset(c, 0, sizeof(*c));
	c->at = time_now_ms();
	if (sodium_init() < 0)
		return err_set(e, ERR_INTERNAL, "libsodium cannot start");
	if ((rc = desk_email_norm(email, norm, e)))
		return rc;
	snprintf(c->user_key, sizeof(c->user_key), "user:%s", norm);
	snprintf(c->addr_key, sizeof(c->addr_key), "addr:%.64s", address ? address : "-");
	if (!password || strlen(password) > DESK_PASSWORD_MAX)
		return ERR_OK; /* a wrong password, without the work */
	arena_init(&a);
	if ((rc = db_begin_read(desk_db(d), e)))
		goto out;
	if ((rc = repo_login_failures(desk_db(d), c->user_key, c->at - DESK_LOGIN_WINDOW_MS,
				      &n_user, e)) ||
	    (rc = repo_login_failures(desk_db(d), c->addr_key, c->at - DESK_LOGIN_WINDOW_MS,
				      &n_addr, e)))
		goto done;
	if (n_user >= DESK_LOGIN_MAX_PER_USER || n_addr >= DESK_LOGIN_MAX_PER_ADDRESS) {
		c->throttled = true;
		goto done;
	}
	rc = repo_user_by_email(desk_db(d), &a, norm, &u, e);
	known = rc == ERR_OK && u.active;
	if (rc == ERR_NOT_FOUND) {
		err_clear(e);
		rc = ERR_OK;
	}
	if (rc || (known && (rc = repo_password_get(desk_db(d), &a, u.id, &hash, e))))
		goto done;
	if (!known || !hash) {
		/* Spend the same time as a real check, then fail the same way. */
		int ignored = crypto_pwhash_str_verify(dummy_hash, password, strlen(password));
		(void)ignored;
	} else if (crypto_pwhash_str_verify(hash, password, strlen(password)) == 0) {
		c->user_id = u.id;
	}
done:
	db_rollback(desk_db(d)); /* it only read */
out:
	arena_release(&a);
	return rc;
}

enum err_code desk_login_finish(struct desk *d, const struct login_check *c,
				struct login_out *out, struct err *e)
{
	char secret_hex[DESK_SECRET_HEX];
	unsigned char csrf[16];
	struct arena a;
	struct user_row u;
	int64_t now = time_now_ms(), id;
	enum err_code rc;

	memset(out, 0, sizeof(*out));
	if (c->throttled) {
		out->throttled = true;
		out->retry_after_s = DESK_LOGIN_WINDOW_MS / 1000;
		return err_set(e, ERR_TRANSIENT, "too many failed sign-ins; try again later");
	}
	arena_init(&a);
	if ((rc = db_begin(desk_db(d), e)))
		goto out;
	if (!c->user_id) {
		rc = record_failure(d, c->user_key, c->addr_key, now, e);
		goto out;
	}
	/* The account may have gone while the password was checked. */
	if ((rc = repo_user_get(desk_db(d), &a, c->user_id, &u, e)) || !u.active) {
		db_rollback(desk_db(d));
		rc = err_set(e, ERR_FORBIDDEN, "wrong email or password");
		goto out;
	}
	randombytes_buf(csrf, sizeof(csrf));
	desk_secret_new(SESSION_PREFIX, out->session, secret_hex);
	sodium_bin2hex(out->csrf, sizeof(out->csrf), csrf, sizeof(csrf));
	if ((rc = repo_session_insert(desk_db(d), u.id, secret_hex, out->csrf, now,
				      now + DESK_SESSION_TTL_MS, &id, e)) ||
	    (rc = repo_login_failures_clear(desk_db(d), c->user_key, e)) ||
	    (rc = desk_event(d, "user", u.id, "user.signed_in", NULL, NULL, NULL, NULL, NULL, now,
			     e)) ||
	    (rc = db_commit(desk_db(d), e))) {
		db_rollback(desk_db(d));
		sodium_memzero(out->session, sizeof(out->session));
		goto out;
	}
	out->actor.user_id = u.id;
	out->actor.role = u.role;
	out->actor.organisation_id = u.organisation_id;
out:
	arena_release(&a);
	return rc;
}

enum err_code desk_login(struct desk *d, const char *email, const char *password,
			 const char *address, struct login_out *out, struct err *e)
{
	struct login_check c;
	enum err_code rc = desk_login_check(d, email, password, address, &c, e);

	if (rc) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	return desk_login_finish(d, &c, out, e);
}

enum err_code desk_logout(struct desk *d, const char *session, struct err *e)
{
	char hex[DESK_SECRET_HEX];

	desk_secret_hash(session, hex);
	return repo_session_delete(desk_db(d), hex, e);
}

enum err_code desk_actor_by_session(struct desk *d, const char *session, struct actor *out,
				    char csrf[65], struct err *e)
{
	char hex[DESK_SECRET_HEX];
	enum err_code rc;
	bool active;

	if (strncmp(session, SESSION_PREFIX, sizeof(SESSION_PREFIX) - 1) != 0 ||
	    strlen(session) >= DESK_TOKEN_MAX)
		return err_set(e, ERR_NOT_FOUND, "not a Champion session");
	desk_secret_hash(session, hex);
	if ((rc = repo_session_user(desk_db(d), hex, time_now_ms(), &out->user_id, &out->role,
				    &out->organisation_id, &active, csrf, e)))
		return rc;
	if (!active)
		return err_set(e, ERR_NOT_FOUND, "the session's user is deactivated");
	return ERR_OK;
}
