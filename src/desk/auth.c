/* auth.c - passwords (argon2id), sessions and the sign-in throttle. */
#include "util/common.h"
#include "desk/desk_private.h"
#include "util/time.h"

#include <jansson.h>
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

/*
 * A new session for u in the caller's transaction, its user.signed_in
 * event carrying data (NULL: none), and who it is in out.
 */
static enum err_code session_start(struct desk *d, const struct user_row *u, const char *data,
				   int64_t now, struct login_out *out, struct err *e)
{
	char secret_hex[DESK_SECRET_HEX];
	unsigned char csrf[16];
	int64_t id;
	enum err_code rc;

	randombytes_buf(csrf, sizeof(csrf));
	desk_secret_new(SESSION_PREFIX, out->session, secret_hex);
	sodium_bin2hex(out->csrf, sizeof(out->csrf), csrf, sizeof(csrf));
	if ((rc = repo_session_insert(desk_db(d), u->id, secret_hex, out->csrf, now,
				      now + DESK_SESSION_TTL_MS, &id, e)) ||
	    (rc = desk_event(d, "user", u->id, "user.signed_in", NULL, NULL, NULL, NULL, data, now,
			     e)))
		return rc;
	out->actor.user_id = u->id;
	out->actor.role = u->role;
	out->actor.organisation_id = u->organisation_id;
	return ERR_OK;
}

enum err_code desk_login_finish(struct desk *d, const struct login_check *c,
				struct login_out *out, struct err *e)
{
	struct arena a;
	struct user_row u;
	int64_t now = time_now_ms();
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
	if ((rc = repo_login_failures_clear(desk_db(d), c->user_key, e)) ||
	    (rc = session_start(d, &u, NULL, now, out, e)) || (rc = db_commit(desk_db(d), e))) {
		db_rollback(desk_db(d));
		sodium_memzero(out->session, sizeof(out->session));
		goto out;
	}
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

bool desk_links_enabled(const struct desk *d)
{
	return d->web_url && d->mail_from;
}

/* How many of key's entries fall in the window ending at now. */
static enum err_code recent(struct desk *d, const char *key, int64_t now, int64_t *n,
			    struct err *e)
{
	return repo_login_failures(desk_db(d), key, now - DESK_LOGIN_WINDOW_MS, n, e);
}

/* The link and its mail job, in the caller's transaction. */
static enum err_code link_mail(struct desk *d, struct arena *a, const struct user_row *u,
			       const char *address, int64_t now, struct err *e)
{
	char link[DESK_TOKEN_MAX], hex[DESK_SECRET_HEX];
	struct job_new j = {.kind = DESK_JOB_LINK, .max_attempts = 3};
	unsigned char r[8];
	char id[160];
	const char *text;
	int64_t link_id;
	enum err_code rc;

	desk_secret_new(DESK_LINK_PREFIX, link, hex);
	if ((rc = repo_link_insert(desk_db(d), u->id, hex, now, now + DESK_LINK_TTL_MS, address,
				   &link_id, e)))
		goto out;
	randombytes_buf(r, sizeof(r));
	snprintf(id, sizeof(id), "champion.link.%02x%02x%02x%02x%02x%02x%02x%02x@%s", r[0], r[1],
		 r[2], r[3], r[4], r[5], r[6], r[7], d->mail_domain);
	text = arena_printf(a,
			    "Someone, we hope you, asked to sign in to our support portal as %s.\n\n"
			    "Open this link within %d minutes to sign in. It works once:\n\n"
			    "%s/portal#link=%s\n\n"
			    "If you did not ask for it, you can ignore this mail: nobody signs in "
			    "without the link.\n",
			    u->email, (int)(DESK_LINK_TTL_MS / 60000), d->web_url, link);
	j.ref_id = link_id;
	j.payload = desk_json(a, json_pack("{s:s, s:s, s:s, s:s, s:[s], s:I, s:I}", "mail_id", id,
					   "about", "user.signin_link", "subject",
					   "Your sign-in link", "text", text, "to", u->email,
					   "user_id", (json_int_t)u->id, "expires_at",
					   (json_int_t)(now + DESK_LINK_TTL_MS)));
	rc = desk_job_add(d, &j, NULL, e);
out:
	sodium_memzero(link, sizeof(link));
	return rc;
}

enum err_code desk_link_request(struct desk *d, const char *email, const char *address,
				int64_t *retry_after_s, struct err *e)
{
	char norm[DESK_EMAIL_MAX + 1], user_key[DESK_EMAIL_MAX + 16], addr_key[96];
	int64_t now = time_now_ms(), n_user = 0, n_addr = 0;
	struct arena a;
	struct user_row u;
	enum err_code rc;

	*retry_after_s = 0;
	if (sodium_init() < 0)
		return err_set(e, ERR_INTERNAL, "libsodium cannot start");
	if ((rc = desk_email_norm(email, norm, e)))
		return rc;
	if (!desk_links_enabled(d))
		return err_set(e, ERR_CONFLICT, "this desk mails no sign-in links: it needs both "
			       "web.url and mail.from");
	snprintf(user_key, sizeof(user_key), "link:user:%s", norm);
	snprintf(addr_key, sizeof(addr_key), "link:addr:%.64s", address ? address : "-");
	arena_init(&a);
	if ((rc = db_begin(desk_db(d), e)))
		goto out;
	if ((rc = recent(d, user_key, now, &n_user, e)) ||
	    (rc = recent(d, addr_key, now, &n_addr, e)))
		goto fail;
	if (n_user >= DESK_LINK_MAX_PER_USER || n_addr >= DESK_LINK_MAX_PER_ADDRESS) {
		*retry_after_s = DESK_LOGIN_WINDOW_MS / 1000;
		rc = err_set(e, ERR_TRANSIENT, "too many sign-in links asked for; try again later");
		goto fail;
	}
	if ((rc = repo_login_failure_add(desk_db(d), user_key, now, e)) ||
	    (rc = repo_login_failure_add(desk_db(d), addr_key, now, e)) ||
	    (rc = repo_links_prune(desk_db(d), now - DESK_LOGIN_WINDOW_MS, e)))
		goto fail;
	rc = repo_user_by_email(desk_db(d), &a, norm, &u, e);
	if (rc == ERR_NOT_FOUND) {
		err_clear(e);
		rc = ERR_OK;
	} else if (!rc && u.active && u.role == ROLE_CUSTOMER) {
		rc = link_mail(d, &a, &u, address, now, e);
	}
	if (rc || (rc = db_commit(desk_db(d), e)))
		goto fail;
	goto out;
fail:
	db_rollback(desk_db(d));
out:
	arena_release(&a);
	return rc;
}

enum err_code desk_link_signin(struct desk *d, const char *link, const char *address,
			       struct login_out *out, struct err *e)
{
	char hex[DESK_SECRET_HEX], addr_key[80];
	int64_t now = time_now_ms(), n_addr = 0, user_id = 0;
	struct arena a;
	struct user_row u;
	enum err_code rc;

	memset(out, 0, sizeof(*out));
	if (sodium_init() < 0)
		return err_set(e, ERR_INTERNAL, "libsodium cannot start");
	/* The password's address key: guesses of either spend one budget. */
	snprintf(addr_key, sizeof(addr_key), "addr:%.64s", address ? address : "-");
	arena_init(&a);
	if ((rc = db_begin(desk_db(d), e)))
		goto out;
	if ((rc = recent(d, addr_key, now, &n_addr, e)))
		goto fail;
	if (n_addr >= DESK_LOGIN_MAX_PER_ADDRESS) {
		out->throttled = true;
		out->retry_after_s = DESK_LOGIN_WINDOW_MS / 1000;
		rc = err_set(e, ERR_TRANSIENT, "too many failed sign-ins; try again later");
		goto fail;
	}
	if (!link || strncmp(link, DESK_LINK_PREFIX, sizeof(DESK_LINK_PREFIX) - 1) != 0 ||
	    strlen(link) >= DESK_TOKEN_MAX)
		rc = ERR_NOT_FOUND;
	else {
		desk_secret_hash(link, hex);
		rc = repo_link_use(desk_db(d), hex, now, &user_id, e);
		if (!rc && ((rc = repo_user_get(desk_db(d), &a, user_id, &u, e)) == ERR_OK) &&
		    !u.active)
			rc = ERR_NOT_FOUND;
	}
	if (rc == ERR_NOT_FOUND) {
		err_clear(e);
		if ((rc = repo_login_failure_add(desk_db(d), addr_key, now, e)) ||
		    (rc = db_commit(desk_db(d), e)))
			goto fail;
		rc = err_set(e, ERR_FORBIDDEN, "this sign-in link is unknown, used or expired: ask "
			     "for a new one");
		goto out;
	}
	if (rc || (rc = session_start(d, &u, "{\"by\":\"link\"}", now, out, e)) ||
	    (rc = db_commit(desk_db(d), e))) {
		sodium_memzero(out->session, sizeof(out->session));
		goto fail;
	}
	goto out;
fail:
	db_rollback(desk_db(d));
out:
	arena_release(&a);
	return rc;
}
