/* token.c - API tokens: made once, stored as SHA-256, revocable. */
#include "util/common.h"
#include "desk/desk_private.h"
#include "util/time.h"

#include <sodium.h>

#define TOKEN_PREFIX "chp_"
#define SECRET_BYTES 32

void desk_secret_hash(const char *secret, char hex[DESK_SECRET_HEX])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)secret, strlen(secret));
	sodium_bin2hex(hex, DESK_SECRET_HEX, h, sizeof(h));
}

void desk_secret_new(const char *prefix, char out[DESK_TOKEN_MAX], char hex[DESK_SECRET_HEX])
{
	unsigned char secret[SECRET_BYTES];
	size_t plen = strlen(prefix);

	randombytes_buf(secret, sizeof(secret));
	memcpy(out, prefix, plen);
	sodium_bin2base64(out + plen, DESK_TOKEN_MAX - plen, secret, sizeof(secret),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(secret, sizeof(secret));
	desk_secret_hash(out, hex);
}

enum err_code desk_token_create(struct desk *d, const struct actor *who, const char *email,
				const char *name, char token[DESK_TOKEN_MAX], int64_t *id,
				struct err *e)
{
	char hex[DESK_SECRET_HEX];
	struct arena a;
	struct user_row u;
	int64_t now = time_now_ms();
	enum err_code rc;

	if (sodium_init() < 0)
		return err_set(e, ERR_INTERNAL, "libsodium cannot start");
	if (!name || !*name)
		name = "api";
	if ((rc = desk_check_text("token name", name, DESK_NAME_MAX, false, e)))
		return rc;
	arena_init(&a);
	if ((rc = db_begin(desk_db(d), e)))
		goto out;
	if ((rc = desk_find_user(d, &a, email, &u, e)))
		goto fail;
	if (u.id != who->user_id && who->role != ROLE_ADMIN) {
		rc = err_set(e, ERR_FORBIDDEN, "only an admin makes tokens for others");
		goto fail;
	}
	if (!u.active) {
		rc = err_set(e, ERR_INVALID, "'%s' is deactivated", u.email);
		goto fail;
	}
	desk_secret_new(TOKEN_PREFIX, token, hex);
	if ((rc = repo_token_insert(desk_db(d), u.id, name, hex, now, id, e)) ||
	    (rc = desk_event(d, "user", u.id, "token.created", who, NULL, NULL, name, NULL, now,
			     e)) ||
	    (rc = db_commit(desk_db(d), e)))
		goto fail;
	goto out;
fail:
	db_rollback(desk_db(d));
	sodium_memzero(token, DESK_TOKEN_MAX);
out:
	arena_release(&a);
	return rc;
}

enum err_code desk_token_revoke(struct desk *d, const struct actor *who, int64_t id,
				struct err *e)
{
	struct arena a;
	struct rows all;
	int64_t now = time_now_ms(), owner = 0;
	bool revoked = false;
	enum err_code rc;

	arena_init(&a);
	if ((rc = db_begin(desk_db(d), e)))
		goto out;
	if ((rc = repo_token_list(desk_db(d), &a, who->role == ROLE_ADMIN ? 0 : who->user_id,
				  &all, e)))
		goto fail;
	for (size_t i = 0; i < all.count; i++)
		if (ROWS_AT(&all, struct token_row, i)->id == id)
			owner = ROWS_AT(&all, struct token_row, i)->user_id;
	if (!owner) {
		rc = err_set(e, ERR_NOT_FOUND, "no token #%" PRId64, id);
		goto fail;
	}
	if ((rc = repo_token_revoke(desk_db(d), id, now, &revoked, e)))
		goto fail;
	if (!revoked) {
		rc = err_set(e, ERR_CONFLICT, "token #%" PRId64 " is already revoked", id);
		goto fail;
	}
	if ((rc = desk_event(d, "user", owner, "token.revoked", who, NULL, NULL, NULL, NULL, now,
			     e)) ||
	    (rc = db_commit(desk_db(d), e)))
		goto fail;
	goto out;
fail:
	db_rollback(desk_db(d));
out:
	arena_release(&a);
	return rc;
}

enum err_code desk_token_list(struct desk *d, const struct actor *who, struct arena *a,
			      const char *email, struct rows *out, struct err *e)
{
	struct user_row u = {0};
	enum err_code rc;

	if (email && (rc = desk_find_user(d, a, email, &u, e)))
		return rc;
	if ((!email || u.id != who->user_id) && who->role != ROLE_ADMIN)
		return err_set(e, ERR_FORBIDDEN, "only an admin lists others' tokens");
	return repo_token_list(desk_db(d), a, u.id, out, e);
}

enum err_code desk_actor_by_token(struct desk *d, const char *token, struct actor *out,
				  struct err *e)
{
	char hex[DESK_SECRET_HEX];
	enum err_code rc;
	bool active;

	if (strncmp(token, TOKEN_PREFIX, sizeof(TOKEN_PREFIX) - 1) != 0 ||
	    strlen(token) >= DESK_TOKEN_MAX)
		return err_set(e, ERR_NOT_FOUND, "not a Champion token");
	desk_secret_hash(token, hex);
	if ((rc = repo_token_user(desk_db(d), hex, &out->user_id, &out->role, &out->organisation_id,
				  &active, e)))
		return rc;
	if (!active)
		return err_set(e, ERR_NOT_FOUND, "the token's user is deactivated");
	return ERR_OK;
}
