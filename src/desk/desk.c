/* desk.c - opening a desk, actors, and validation shared by the use cases. */
#include "util/common.h"
#include "desk/desk_private.h"
#include "rules/backoff.h"
#include "rules/text.h"
#include "store/blob.h"
#include "store/search.h"
#include "util/str.h"
#include "util/time.h"
#include "util/xalloc.h"

#include <limits.h>
#include <sodium.h>

const struct actor desk_system_actor = {.user_id = 0, .role = ROLE_ADMIN, .organisation_id = 0};

enum err_code desk_open(struct desk **out, const struct store_options *o, struct err *e)
{
	struct desk *d = xcalloc(1, sizeof(*d));
	enum err_code rc = store_open(&d->store, o, e);
	if (rc) {
		free(d);
		return rc;
	}
	desk_docs_hook(d);
	*out = d;
	return ERR_OK;
}

int64_t desk_db_busy_ns(struct desk *d)
{
	return db_busy_ns(desk_db(d));
}

enum err_code desk_checkpoint(struct desk *d, int *log_pages, int *copied, struct err *e)
{
	return db_checkpoint(desk_db(d), log_pages, copied, e);
}

void desk_close(struct desk *d)
{
	if (!d)
		return;
	store_release(&d->store);
	desk_calendars_free(d->calendars);
	free(d->mail_from);
	free(d->mail_domain);
	free(d->mail_address);
	free(d->mail_ack_text);
	free(d->web_url);
	buf_release(&d->bulk_unsynced);
	free(d);
}

enum err_code desk_set_mail(struct desk *d, const char *from, struct err *e)
{
	const char *at, *end;

	free(d->mail_from);
	free(d->mail_domain);
	free(d->mail_address);
	d->mail_from = d->mail_domain = d->mail_address = NULL;
	if (!from || !*from)
		return ERR_OK;
	if (!(at = strrchr(from, '@')) || at == from)
		return err_set(e, ERR_INVALID, "mail.from '%s' is not an address", from);
	end = at + 1 + strcspn(at + 1, "> \t");
	if (end == at + 1 || (*end && *end != '>') || str_has_control(from, strlen(from)))
		return err_set(e, ERR_INVALID, "mail.from '%s' is not an address", from);
	d->mail_from = xstrdup(from);
	d->mail_domain = xstrndup(at + 1, (size_t)(end - at - 1));
	/* The bare address: inside <...> when there are brackets, else the whole. */
	const char *lt = strrchr(from, '<');
	const char *start = lt && lt < at ? lt + 1 : from;
	while (*start == ' ' || *start == '\t')
		start++;
	d->mail_address = xstrndup(start, (size_t)(end - start));
	return ERR_OK;
}

enum err_code desk_configure(struct desk *d, const struct desk_settings *s, struct err *e)
{
	enum err_code rc = desk_set_mail(d, s->mail_from, e);

	if (rc)
		return rc;
	desk_set_mail_intake(d, s->mail_new_per_hour, s->mail_cc_followers);
	desk_set_mail_ack(d, s->mail_ack_text);
	d->job_lease_ms = s->job_lease_ms;
	return desk_set_web_url(d, s->web_url, e);
}

enum err_code desk_set_web_url(struct desk *d, const char *url, struct err *e)
{
	size_t len;

	free(d->web_url);
	d->web_url = NULL;
	if (!url || !*url)
		return ERR_OK;
	len = strlen(url);
	if ((strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) ||
	    strcspn(url, "?# \t\"<>") != len || str_has_control(url, len) || len > 512 ||
	    !url[strlen(url[4] == 's' ? "https://" : "http://")])
		return err_set(e, ERR_INVALID, "web.url '%s' is not an http:// or https:// address "
			       "without a query or fragment", url);
	while (len && url[len - 1] == '/')
		len--;
	d->web_url = xstrndup(url, len);
	return ERR_OK;
}

/* Stores a file's bytes: durable at once, or noted for desk_bulk_sync in a bulk load. */
static enum err_code put_file(struct desk *d, const void *data, size_t len,
			      char hex[BLOB_HEX_LEN + 1], struct err *e)
{
	char path[PATH_MAX];
	enum err_code rc = blob_put_ex(d->store.blob_dir, data, len, !d->bulk, hex, e);

	if (rc || !d->bulk)
		return rc;
	if (blob_path(d->store.blob_dir, hex, path, sizeof(path)) == 0)
		buf_append(&d->bulk_unsynced, path, strlen(path) + 1);
	return ERR_OK;
}

void desk_bulk_begin(struct desk *d)
{
	struct err ignored = ERR_INIT;

	d->bulk = true;
	/* A bulk load touches far more pages than a request: keep them in memory. */
	db_exec(desk_db(d), "PRAGMA cache_size = -131072", &ignored);
	/*
	 * And folds the write-ahead log into the database every 64 MiB rather
	 * than every 4: the pages every batch changes (the indexes' hot ends)
	 * are copied once per checkpoint, not once per batch. On a 20,000
	 * message import: a sixth fewer writes, half the reads, a third of the
	 * syncs.
	 */
	db_exec(desk_db(d), "PRAGMA wal_autocheckpoint = 16384", &ignored);
	/*
	 * The tables' CHECK constraints stay on: since 0019 they are
	 * comparisons, not IN lists that SQLite turned into a temporary table
	 * per row written (19% of an import's instructions).
	 */
}

enum err_code desk_bulk_sync(struct desk *d, struct err *e)
{
	const char *p = d->bulk_unsynced.data, *end = p + d->bulk_unsynced.len;
	enum err_code rc = ERR_OK;

	/* Each file, then its directory (which holds its name). */
	for (; p && p < end && !rc; p += strlen(p) + 1) {
		char dir[PATH_MAX];
		const char *slash = strrchr(p, '/');
		if ((rc = blob_sync_file(p, e)))
			break;
		if (slash && (size_t)(slash - p) < sizeof(dir)) {
			snprintf(dir, sizeof(dir), "%.*s", (int)(slash - p), p);
			rc = blob_sync_file(dir, e);
		}
	}
	/* The store's own directory holds the names of directories made meanwhile. */
	if (!rc && d->bulk_unsynced.len)
		rc = blob_sync_file(d->store.blob_dir, e);
	buf_reset(&d->bulk_unsynced);
	return rc;
}

enum err_code desk_batch_begin(struct desk *d, bool flat, struct err *e)
{
	return flat ? db_begin_flat(desk_db(d), e) : db_begin(desk_db(d), e);
}

bool desk_batch_spoiled(struct desk *d)
{
	return db_spoiled(desk_db(d));
}

enum err_code desk_batch_commit(struct desk *d, struct err *e)
{
	return db_commit(desk_db(d), e);
}

void desk_batch_rollback(struct desk *d)
{
	db_rollback(desk_db(d));
}

bool desk_batch_retry(struct desk *d, enum err_code rc, int attempt, int64_t *delay_ms)
{
	static const struct backoff b = {.base_ms = DESK_BATCH_RETRY_MS,
					 .cap_ms = 8 * DESK_BATCH_RETRY_MS};
	double u = (double)randombytes_uniform(1u << 30) / (double)(1u << 30);

	if (rc != ERR_TRANSIENT || attempt > DESK_BATCH_RETRIES || db_commit_unknown(desk_db(d)))
		return false;
	*delay_ms = backoff_delay(&b, attempt, u);
	return true;
}

enum err_code desk_ping(struct desk *d, struct err *e)
{
	int64_t n;
	return repo_count(desk_db(d), "agent_groups", &n, e);
}

enum err_code desk_email_norm(const char *email, char out[DESK_EMAIL_MAX + 1], struct err *e)
{
	size_t len;
	const char *s, *at;

	if (!email)
		return err_set(e, ERR_INVALID, "an email address is required");
	s = str_trim(email, &len);
	if (len == 0)
		return err_set(e, ERR_INVALID, "an email address is required");
	if (len > DESK_EMAIL_MAX)
		return err_set(e, ERR_INVALID, "email address is longer than %d bytes",
			       DESK_EMAIL_MAX);
	if (!str_utf8_valid(s, len, NULL))
		return err_set(e, ERR_INVALID, "email address is not valid UTF-8");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';' ||
		    c == '"')
			return err_set(e, ERR_INVALID, "email address '%.*s' has a character not "
				       "allowed in an address", (int)len, s);
	}
	at = memchr(s, '@', len);
	if (!at || at == s || at == s + len - 1 || memchr(at + 1, '@', (size_t)(s + len - at - 1)))
		return err_set(e, ERR_INVALID, "'%.*s' is not an email address (want name@domain)",
			       (int)len, s);
	memcpy(out, s, len);
	out[len] = '\0';
	str_lower_ascii(out);
	return ERR_OK;
}

enum err_code desk_check_text(const char *what, const char *s, size_t max_cp, bool multiline,
			      struct err *e)
{
	size_t len, bad, cp;

	if (!s)
		return err_set(e, ERR_INVALID, "%s is required", what);
	len = strlen(s);
	if (!str_utf8_valid(s, len, &bad))
		return err_set(e, ERR_INVALID, "%s is not valid UTF-8 (bad byte at offset %zu)",
			       what, bad);
	if (str_has_control(s, len))
		return err_set(e, ERR_INVALID, "%s holds a control character", what);
	if (!multiline && (memchr(s, '\n', len) || memchr(s, '\r', len)))
		return err_set(e, ERR_INVALID, "%s must be one line", what);
	str_trim(s, &cp);
	if (cp == 0)
		return err_set(e, ERR_INVALID, "%s is empty", what);
	cp = str_utf8_count(s, len);
	if (cp > max_cp)
		return err_set(e, ERR_INVALID, "%s is %zu characters long; the limit is %zu", what,
			       cp, max_cp);
	return ERR_OK;
}

enum err_code desk_tag_norm(const char *tag, char out[DESK_TAG_MAX + 1], struct err *e)
{
	size_t len;
	const char *s = str_trim(tag ? tag : "", &len);

	if (len == 0)
		return err_set(e, ERR_INVALID, "a tag cannot be empty");
	if (len > DESK_TAG_MAX)
		return err_set(e, ERR_INVALID, "tag '%.*s...' is longer than %d bytes", 20, s,
			       DESK_TAG_MAX);
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      c == '.' || c == ':'))
			return err_set(e, ERR_INVALID,
				       "tag '%.*s' may hold only letters, digits and _-.:",
				       (int)len, s);
		out[i] = c;
	}
	out[len] = '\0';
	return ERR_OK;
}

enum err_code desk_event(struct desk *d, const char *entity, int64_t id, const char *kind,
			 const struct actor *who, const char *field, const char *old_value,
			 const char *new_value, const char *data, int64_t at, struct err *e)
{
	struct event_new ev = {
		.entity = entity,
		.entity_id = id,
		.kind = kind,
		.actor_id = who ? who->user_id : 0,
		.field = field,
		.old_value = old_value,
		.new_value = new_value,
		.data = data,
		.at = at,
	};
	return repo_event_add(desk_db(d), &ev, e);
}

enum err_code desk_require(const struct actor *who, enum action a, struct err *e)
{
	if (perm_allows(who->role, a))
		return ERR_OK;
	return err_set(e, ERR_FORBIDDEN, "%s %s cannot %s",
		       who->role == ROLE_CUSTOMER ? "a" : "an", role_name(who->role),
		       action_name(a));
}

enum err_code desk_visible_ticket(struct desk *d, const struct actor *who, struct arena *a,
				  int64_t id, struct ticket_row *out, struct err *e)
{
	struct ticket_access acc = {0};
	enum err_code rc = repo_ticket_get(desk_db(d), a, id, out, e);

	if (rc)
		return rc;
	if (perm_sees_every_ticket(who->role))
		return ERR_OK;
	acc.is_requester = out->requester_id == who->user_id;
	acc.assigned_to_me = out->assignee_id == who->user_id;
	if (who->role == ROLE_CUSTOMER) {
		if (!acc.is_requester &&
		    (rc = repo_is_follower(desk_db(d), id, who->user_id, &acc.is_follower, e)))
			return rc;
		if (!acc.is_requester && !acc.is_follower && who->organisation_id &&
		    out->organisation_id == who->organisation_id) {
			struct org_row org;
			if ((rc = repo_org_get(desk_db(d), a, who->organisation_id, &org, e)))
				return rc;
			acc.org_shared = org.shares_tickets;
		}
	}
	if (who->role == ROLE_ENGINEER && out->group_id &&
	    (rc = repo_group_is_member(desk_db(d), out->group_id, who->user_id, &acc.in_my_group,
				       e)))
		return rc;
	if (!perm_ticket_visible(who->role, &acc))
		return err_set(e, ERR_NOT_FOUND, "no ticket #%" PRId64, id);
	return ERR_OK;
}

enum err_code desk_actor_by_email(struct desk *d, const char *email, struct actor *out,
				  struct err *e)
{
	struct arena a;
	struct user_row u;
	enum err_code rc;

	arena_init(&a);
	rc = desk_find_user(d, &a, email, &u, e);
	if (!rc && !u.active)
		rc = err_set(e, ERR_FORBIDDEN, "user '%s' is deactivated", u.email);
	if (!rc) {
		out->user_id = u.id;
		out->role = u.role;
		out->organisation_id = u.organisation_id;
	}
	arena_release(&a);
	return rc;
}

enum err_code desk_find_user(struct desk *d, struct arena *a, const char *email,
			     struct user_row *out, struct err *e)
{
	char norm[DESK_EMAIL_MAX + 1];
	enum err_code rc = desk_email_norm(email, norm, e);
	if (rc)
		return rc;
	return repo_user_by_email(desk_db(d), a, norm, out, e);
}

enum err_code desk_find_group(struct desk *d, struct arena *a, const char *name,
			      struct group_row *out, struct err *e)
{
	size_t len;
	const char *s = str_trim(name, &len);
	char *norm = arena_strndup(a, s, len);
	return repo_group_by_name(desk_db(d), a, str_lower_ascii(norm), out, e);
}

enum err_code desk_find_assignee(struct desk *d, struct arena *a, const char *email,
				 struct user_row *out, struct err *e)
{
	enum err_code rc = desk_find_user(d, a, email, out, e);
	if (rc)
		return rc;
	if (!role_answers_customers(out->role))
		return err_set(e, ERR_INVALID,
			       "'%s' is a%s %s; only admins and agents can be assigned tickets",
			       out->email, out->role == ROLE_ENGINEER ? "n" : "",
			       role_name(out->role));
	if (!out->active)
		return err_set(e, ERR_INVALID, "'%s' is deactivated", out->email);
	return ERR_OK;
}

/* A MIME type as stored: type/subtype and parameters, printable ASCII without quotes' tricks. */
static bool type_ok(const char *t)
{
	const char *slash = strchr(t, '/');
	size_t n = strlen(t);

	if (!slash || slash == t || !slash[1] || n > DESK_TYPE_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)t[i] < 0x20 || (unsigned char)t[i] >= 0x7f || t[i] == '\\')
			return false;
	return true;
}

enum err_code desk_attach(struct desk *d, int64_t message_id, const struct attachment_in *in,
			  size_t n, int64_t at, struct err *e)
{
	if (n > DESK_ATTACHMENTS_MAX)
		return err_set(e, ERR_INVALID, "%zu attachments on one message; the limit is %d", n,
			       DESK_ATTACHMENTS_MAX);
	/* Check every attachment before writing any file. */
	for (size_t i = 0; i < n; i++) {
		const struct attachment_in *x = &in[i];
		enum err_code rc;

		if (!x->filename || !*x->filename)
			return err_set(e, ERR_INVALID, "attachment %zu has no file name", i + 1);
		if (strchr(x->filename, '/') || strchr(x->filename, '\\') ||
		    strcmp(x->filename, ".") == 0 || strcmp(x->filename, "..") == 0)
			return err_set(e, ERR_INVALID,
				       "attachment name '%s' must not hold a path", x->filename);
		if ((rc = desk_check_text("attachment name", x->filename, DESK_FILENAME_MAX, false,
					  e)))
			return rc;
		if (x->content_type && !type_ok(x->content_type))
			return err_set(e, ERR_INVALID, "attachment '%s' has an invalid content type",
				       x->filename);
		if (x->len > d->store.blob_max)
			return err_set(e, ERR_INVALID,
				       "attachment '%s' is %zu bytes; the limit is %zu bytes", x->filename,
				       x->len, d->store.blob_max);
	}
	for (size_t i = 0; i < n; i++) {
		const struct attachment_in *x = &in[i];
		char hex[BLOB_HEX_LEN + 1];
		int64_t id;
		enum err_code rc;

		if (x->tmp_path) {
			/* An upload: on disk and synced already; move it into place. */
			if ((rc = blob_adopt(d->store.blob_dir, x->tmp_path, x->sha256, e)))
				return rc;
			snprintf(hex, sizeof(hex), "%s", x->sha256);
		} else if ((rc = put_file(d, x->data, x->len, hex, e))) {
			return rc;
		}
		if ((rc = repo_attachment_upsert(desk_db(d), hex, (int64_t)x->len, at, &id, e)))
			return rc;
		if ((rc = repo_attachment_link(desk_db(d), message_id, id, x->filename,
					       x->content_type ? x->content_type
							       : "application/octet-stream",
					       e)))
			return rc;
	}
	return ERR_OK;
}

enum err_code desk_ticket_insert(struct desk *d, struct ticket_row *t, int64_t *id,
				 struct err *e)
{
	enum err_code rc = repo_ticket_insert(desk_db(d), t, id, e);

	return rc ? rc : repo_docs_pending_add(desk_db(d), *id, e);
}

enum err_code desk_insert_message(struct desk *d, const struct actor *who, int64_t ticket_id,
				  enum role author_role, const struct message_in *in, int64_t at,
				  int64_t *message_id, struct err *e)
{
	struct message_row m = {
		.ticket_id = ticket_id,
		.author_id = who->user_id,
		.author_role = author_role,
		.kind = in->kind,
		.channel = in->channel,
		.body_text = in->body,
		.body_html = in->body_html,
		.created_at = at,
	};
	char data[64], mail_id[128];
	enum err_code rc;
	bool mailed = d->mail_from && in->kind == MSG_PUBLIC && role_answers_customers(author_role);

	if (mailed) {
		/* Kept through every retry: a message sent twice is one message. */
		unsigned char r[8];
		randombytes_buf(r, sizeof(r));
		snprintf(mail_id, sizeof(mail_id), "champion.%" PRId64 ".%02x%02x%02x%02x%02x%02x%02x%02x@%s",
			 ticket_id, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], d->mail_domain);
		m.mail_id = mail_id;
		m.delivery = "queued";
	} else {
		m.mail_id = in->mail_id;
	}
	/* Mail carries quoted history and signatures: where a reader may fold it. */
	m.signature_at = m.quote_at = -1;
	if (in->channel == CHANNEL_EMAIL) {
		struct text_fold f;
		size_t len = strlen(in->body);
		text_fold_points(in->body, len, &f);
		if (f.sig_at < f.quote_at)
			m.signature_at = (int64_t)f.sig_at;
		if (f.quote_at < len)
			m.quote_at = (int64_t)f.quote_at;
	}
	if ((rc = repo_message_insert(desk_db(d), &m, message_id, e)) ||
	    (rc = search_note_message(desk_db(d), *message_id, e)) ||
	    (rc = repo_docs_pending_add(desk_db(d), ticket_id, e)))
		return rc;
	if (mailed) {
		char key[48];
		snprintf(key, sizeof(key), "mail.send:%" PRId64, *message_id);
		struct job_new j = {.kind = DESK_JOB_MAIL_SEND, .ticket_id = ticket_id,
				    .ref_id = *message_id, .dedupe_key = key};
		if ((rc = desk_job_add(d, &j, NULL, e)))
			return rc;
	}
	if ((rc = desk_attach(d, *message_id, in->attachments, in->nattachments, at, e)))
		return rc;
	snprintf(data, sizeof(data), "{\"message_id\":%" PRId64 "}", *message_id);
	return desk_event(d, "ticket", ticket_id,
			  in->kind == MSG_PUBLIC ? "message.public" : "message.internal", who,
			  NULL, NULL, NULL, data, at, e);
}
