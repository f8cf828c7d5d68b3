/* user.c - users, organisations and groups. */
#include "util/common.h"
#include "desk/desk_private.h"
#include "util/str.h"
#include "util/time.h"

/* A name trimmed and case-folded for uniqueness, in the arena. */
static char *name_norm(struct arena *a, const char *name)
{
	size_t len;
	const char *s = str_trim(name, &len);
	return str_lower_ascii(arena_strndup(a, s, len));
}

static enum err_code find_org(struct desk *d, struct arena *a, const char *name,
			      struct org_row *out, struct err *e)
{
	return repo_org_by_name(desk_db(d), a, name_norm(a, name), out, e);
}

/* Staff roles need ACT_STAFF_MANAGE, customers ACT_CUSTOMER_MANAGE. */
static enum err_code require_manage(const struct actor *who, enum role r, struct err *e)
{
	return desk_require(who, r == ROLE_CUSTOMER ? ACT_CUSTOMER_MANAGE : ACT_STAFF_MANAGE, e);
}

/* Inserts a user with its event; the caller holds the transaction. */
static enum err_code insert_user(struct desk *d, const struct actor *who, struct arena *a,
				 const char *email, const char *name, enum role role,
				 int64_t org_id, int64_t at, int64_t *id, struct err *e)
{
	char norm[DESK_EMAIL_MAX + 1];
	struct user_new u = {.role = role, .organisation_id = org_id, .at = at};
	enum err_code rc = desk_email_norm(email, norm, e);

	if (rc)
		return rc;
	size_t len;
	const char *trimmed = str_trim(email, &len);
	u.email = arena_strndup(a, trimmed, len); /* as given; unique by its folded form */
	u.email_norm = arena_strdup(a, norm);
	if (name) {
		if ((rc = desk_check_text("name", name, DESK_NAME_MAX, false, e)))
			return rc;
		u.name = name;
	} else {
		u.name = arena_strndup(a, norm, (size_t)(strchr(norm, '@') - norm));
	}
	if ((rc = repo_user_insert(desk_db(d), &u, id, e)))
		return rc;
	return desk_event(d, "user", *id, "user.created", who, NULL, NULL, role_name(role), NULL,
			  at, e);
}

enum err_code desk_find_or_add_customer(struct desk *d, const struct actor *who,
					struct arena *a, const char *email, const char *name,
					int64_t at, struct user_row *out, struct err *e)
{
	enum err_code rc = desk_find_user(d, a, email, out, e);
	int64_t id;

	if (rc != ERR_NOT_FOUND)
		return rc;
	err_clear(e);
	if ((rc = insert_user(d, who, a, email, name, ROLE_CUSTOMER, 0, at, &id, e)))
		return rc;
	return repo_user_get(desk_db(d), a, id, out, e);
}

enum err_code desk_user_add(struct desk *d, const struct actor *who, const struct user_new_in *in,
			    int64_t *id, struct err *e)
{
	struct arena a;
	struct org_row org = {0};
	int64_t now = time_now_ms();
	enum err_code rc;

	if ((rc = require_manage(who, in->role, e)))
		return rc;
	arena_init(&a);
	if ((rc = db_begin(desk_db(d), e)))
		goto out;
	if (in->organisation && (rc = find_org(d, &a, in->organisation, &org, e)))
		goto fail;
	if ((rc = insert_user(d, who, &a, in->email, in->name, in->role, org.id, now, id, e)))
		goto fail;
	if ((rc = db_commit(desk_db(d), e)))
		goto fail;
	goto out;
fail:
	db_rollback(desk_db(d));
out:
	arena_release(&a);
	return rc;
}

enum err_code desk_user_get(struct desk *d, const struct actor *who, struct arena *a,
			    const char *email, struct user_row *out, struct err *e)
{
	enum err_code rc = desk_find_user(d, a, email, out, e);
	if (rc || out->id == who->user_id || perm_allows(who->role, ACT_USER_LIST))
		return rc;
	/* Whether an address is known is itself private. */
	memset(out, 0, sizeof(*out));
	return err_set(e, ERR_NOT_FOUND, "no user '%s'", email);
}

/* One field event for a user change, values as text. */
static enum err_code user_field(struct desk *d, const struct actor *who, int64_t id,
				const char *field, const char *old_value, const char *new_value,
				int64_t at, struct err *e)
{
	char kind[48];
	snprintf(kind, sizeof(kind), "field.%s", field);
	return desk_event(d, "user", id, kind, who, field, old_value, new_value, NULL, at, e);
}

/* Changes the user named by email, or by id when email is NULL. */
static enum err_code user_set(struct desk *d, const struct actor *who, const char *email,
			      int64_t id, const struct user_change *c, struct err *e)
{
	struct arena a;
	struct user_row u, before;
	int64_t now = time_now_ms();
	enum err_code rc;

	arena_init(&a);
	if ((rc = db_begin(desk_db(d), e)))
		goto out;
	rc = email ? desk_find_user(d, &a, email, &u, e) : repo_user_get(desk_db(d), &a, id, &u, e);
	if (rc)
		goto fail;
	if (u.id != who->user_id && !perm_allows(who->role, ACT_USER_LIST)) {
		/* The answer for a user one may not see is the answer for a missing one. */
		rc = email ? err_set(e, ERR_NOT_FOUND, "no user '%s'", email)
			   : err_set(e, ERR_NOT_FOUND, "no user #%" PRId64, id);
		goto fail;
	}
	before = u;
	if ((rc = require_manage(who, u.role, e)))
		goto fail;
	if (c->role >= 0 && (rc = require_manage(who, (enum role)c->role, e)))
		goto fail;
	if (c->name) {
		if ((rc = desk_check_text("name", c->name, DESK_NAME_MAX, false, e)))
			goto fail;
		u.name = c->name;
	}
	if (c->role >= 0)
		u.role = (enum role)c->role;
	if (c->active >= 0)
		u.active = c->active != 0;
	if (c->organisation) {
		struct org_row org = {0};
		if (*c->organisation && (rc = find_org(d, &a, c->organisation, &org, e)))
			goto fail;
		u.organisation_id = org.id;
	}
	if (who->user_id == u.id && (u.role != before.role || !u.active))
		rc = err_set(e, ERR_FORBIDDEN, "you cannot change your own role or deactivate "
			     "yourself");
	if (rc)
		goto fail;
	u.updated_at = now;
	if ((rc = repo_user_update(desk_db(d), &u, e)))
		goto fail;
	if (strcmp(u.name, before.name) != 0 &&
	    (rc = user_field(d, who, u.id, "name", before.name, u.name, now, e)))
		goto fail;
	if (u.role != before.role && (rc = user_field(d, who, u.id, "role", role_name(before.role),
						       role_name(u.role), now, e)))
		goto fail;
	if (u.active != before.active &&
	    (rc = user_field(d, who, u.id, "active", before.active ? "true" : "false",
			     u.active ? "true" : "false", now, e)))
		goto fail;
	if (u.organisation_id != before.organisation_id) {
		char o[24], n[24];
		snprintf(o, sizeof(o), "%" PRId64, before.organisation_id);
		snprintf(n, sizeof(n), "%" PRId64, u.organisation_id);
		if ((rc = user_field(d, who, u.id, "organisation_id",
				     before.organisation_id ? o : NULL,
				     u.organisation_id ? n : NULL, now, e)))
			goto fail;
	}
	if ((rc = db_commit(desk_db(d), e)))
		goto fail;
	goto out;
fail:
	db_rollback(desk_db(d));
out:
	arena_release(&a);
	return rc;
}

enum err_code desk_me(struct desk *d, const struct actor *who, struct arena *a,
		      struct user_row *out, struct err *e)
{
	if (who->user_id == 0)
		return err_set(e, ERR_NOT_FOUND, "the system actor has no user record");
	return repo_user_get(desk_db(d), a, who->user_id, out, e);
}

enum err_code desk_user_set(struct desk *d, const struct actor *who, const char *email,
			    const struct user_change *c, struct err *e)
{
	return user_set(d, who, email, 0, c, e);
}

enum err_code desk_user_set_id(struct desk *d, const struct actor *who, int64_t id,
			       const struct user_change *c, struct err *e)
{
	return user_set(d, who, NULL, id, c, e);
}

enum err_code desk_user_get_id(struct desk *d, const struct actor *who, struct arena *a,
			       int64_t id, struct user_row *out, struct err *e)
{
	enum err_code rc = repo_user_get(desk_db(d), a, id, out, e);
	if (rc || out->id == who->user_id || perm_allows(who->role, ACT_USER_LIST))
		return rc;
	memset(out, 0, sizeof(*out));
	return err_set(e, ERR_NOT_FOUND, "no user #%" PRId64, id);
}

enum err_code desk_user_list(struct desk *d, const struct actor *who, struct arena *a, int role,
			     struct rows *out, struct err *e)
{
	enum err_code rc = desk_require(who, ACT_USER_LIST, e);
	if (rc)
		return rc;
	return repo_user_list(desk_db(d), a, role, out, e);
}

enum err_code desk_org_add(struct desk *d, const struct actor *who, const char *name,
			   const char *domain, bool shares, int64_t *id, struct err *e)
{
	struct arena a;
	int64_t now = time_now_ms();
	enum err_code rc;

	if ((rc = desk_require(who, ACT_ORG_MANAGE, e)))
		return rc;
	if ((rc = desk_check_text("organisation name", name, DESK_NAME_MAX, false, e)))
		return rc;
	if (domain && (rc = desk_check_text("domain", domain, 253, false, e)))
		return rc;
	arena_init(&a);
	if ((rc = db_begin(desk_db(d), e)))
		goto out;
	if ((rc = repo_org_insert(desk_db(d), name, name_norm(&a, name), domain, shares, now, id,
				  e)) ||
	    (rc = desk_event(d, "organisation", *id, "organisation.created", who, NULL, NULL, name,
			     NULL, now, e)) ||
	    (rc = db_commit(desk_db(d), e)))
		db_rollback(desk_db(d));
out:
	arena_release(&a);
	return rc;
}

enum err_code desk_org_list(struct desk *d, const struct actor *who, struct arena *a,
			    struct rows *out, struct err *e)
{
	enum err_code rc = desk_require(who, ACT_USER_LIST, e);
	if (rc)
		return rc;
	return repo_org_list(desk_db(d), a, out, e);
}

enum err_code desk_group_add(struct desk *d, const struct actor *who, const char *name,
			     int64_t *id, struct err *e)
{
	struct arena a;
	int64_t now = time_now_ms();
	enum err_code rc;

	if ((rc = desk_require(who, ACT_GROUP_MANAGE, e)))
		return rc;
	if ((rc = desk_check_text("group name", name, DESK_NAME_MAX, false, e)))
		return rc;
	arena_init(&a);
	if ((rc = db_begin(desk_db(d), e)))
		goto out;
	if ((rc = repo_group_insert(desk_db(d), name, name_norm(&a, name), now, id, e)) ||
	    (rc = desk_event(d, "group", *id, "group.created", who, NULL, NULL, name, NULL, now,
			     e)) ||
	    (rc = db_commit(desk_db(d), e)))
		db_rollback(desk_db(d));
out:
	arena_release(&a);
	return rc;
}

static enum err_code add_member(struct desk *d, const struct actor *who, const char *group,
				int64_t group_id, const char *email, bool lead, struct err *e);

enum err_code desk_group_add_member(struct desk *d, const struct actor *who, const char *group,
				    const char *email, bool lead, struct err *e)
{
	return add_member(d, who, group, 0, email, lead, e);
}

enum err_code desk_group_add_member_id(struct desk *d, const struct actor *who, int64_t group_id,
				       const char *email, bool lead, struct err *e)
{
	return add_member(d, who, NULL, group_id, email, lead, e);
}

/* Adds a staff user to the group named group, or with id group_id when group is NULL. */
static enum err_code add_member(struct desk *d, const struct actor *who, const char *group,
				int64_t group_id, const char *email, bool lead, struct err *e)
{
	struct arena a;
	struct group_row g;
	struct user_row u;
	char data[64];
	int64_t now = time_now_ms();
	enum err_code rc;

	if ((rc = desk_require(who, ACT_GROUP_MANAGE, e)))
		return rc;
	arena_init(&a);
	if ((rc = db_begin(desk_db(d), e)))
		goto out;
	if ((rc = group ? desk_find_group(d, &a, group, &g, e)
			: repo_group_get(desk_db(d), &a, group_id, &g, e)) ||
	    (rc = desk_find_user(d, &a, email, &u, e)))
		goto fail;
	if (u.role == ROLE_CUSTOMER) {
		rc = err_set(e, ERR_INVALID, "'%s' is a customer; groups hold staff", u.email);
		goto fail;
	}
	snprintf(data, sizeof(data), "{\"user_id\":%" PRId64 ",\"lead\":%s}", u.id,
		 lead ? "true" : "false");
	if ((rc = repo_group_add_member(desk_db(d), g.id, u.id, lead, e)) ||
	    (rc = desk_event(d, "group", g.id, "group.member_added", who, NULL, NULL, u.email,
			     data, now, e)) ||
	    (rc = db_commit(desk_db(d), e)))
		goto fail;
	goto out;
fail:
	db_rollback(desk_db(d));
out:
	arena_release(&a);
	return rc;
}

enum err_code desk_group_list(struct desk *d, const struct actor *who, struct arena *a,
			      struct rows *out, struct err *e)
{
	enum err_code rc = desk_require(who, ACT_USER_LIST, e);
	if (rc)
		return rc;
	return repo_group_list(desk_db(d), a, out, e);
}
