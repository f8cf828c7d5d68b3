/* mail_in.c - mail received: stored verbatim, then threaded onto a ticket; see desk.h. */
#include "util/common.h"
#include "desk/desk_private.h"
#include "store/blob.h"
#include "util/buf.h"
#include "util/time.h"
#include "util/xalloc.h"

#include <jansson.h>
#include <sodium.h>

#define REPLACEMENT "\xEF\xBF\xBD"

void desk_set_mail_intake(struct desk *d, int per_hour, bool cc_followers)
{
	d->mail_new_per_hour = per_hour;
	d->mail_cc_not_follow = !cc_followers;
}

void desk_set_mail_ack(struct desk *d, const char *text)
{
	free(d->mail_ack_text);
	d->mail_ack_text = text && *text ? xstrdup(text) : NULL;
}

/*
 * Queues the acknowledgement of ticket tid: its Message-ID (the same on a
 * retry) and its text ({ticket} filled in) fixed now, in the job.
 */
static enum err_code queue_ack(struct desk *d, struct arena *a, int64_t tid, struct err *e)
{
	struct job_new j = {.kind = DESK_JOB_MAIL_ACK, .ticket_id = tid};
	struct buf text = BUF_INIT;
	const char *p = d->mail_ack_text, *q;
	unsigned char r[8];
	char key[48], id[160];

	while ((q = strstr(p, "{ticket}"))) {
		buf_append(&text, p, (size_t)(q - p));
		buf_printf(&text, "%" PRId64, tid);
		p = q + 8;
	}
	buf_puts(&text, p);
	randombytes_buf(r, sizeof(r));
	snprintf(id, sizeof(id), "champion.%" PRId64 ".ack.%02x%02x%02x%02x%02x%02x%02x%02x@%s", tid,
		 r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], d->mail_domain);
	snprintf(key, sizeof(key), "mail.ack:%" PRId64, tid);
	j.dedupe_key = key;
	j.payload = desk_json(a, json_pack("{s:s, s:s}", "mail_id", id, "text", buf_str(&text)));
	buf_release(&text);
	return desk_job_add(d, &j, NULL, e);
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2, cp = s[0] & 0x1F;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3, cp = s[0] & 0x0F;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

/*
 * Text the desk accepts: invalid bytes become U+FFFD, control characters
 * a space (a body keeps its line breaks and tabs; CR goes), at most
 * max_cp code points: a longer text keeps max_cp - 1 and ends in "…".
 * Into the arena.
 */
static const char *scrub(struct arena *a, const char *s, bool multiline, size_t max_cp)
{
	struct buf b = BUF_INIT;
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), cps = 0;
	size_t mark = 0; /* b's length at max_cp - 1 code points: where a cut text ends */
	const char *out;

	for (size_t i = 0; i < n;) {
		size_t k, run = i;
		if (cps == max_cp) {
			buf_truncate(&b, mark);
			buf_puts(&b, "\xE2\x80\xA6");
			break;
		}
		/* A run of printable ASCII (and, in a body, line breaks and tabs) goes as it is. */
		while (run < n && run - i < max_cp - cps &&
		       ((p[run] >= 0x20 && p[run] < 0x7F) ||
			(multiline && (p[run] == '\n' || p[run] == '\t'))))
			run++;
		if (run > i) {
			if (cps < max_cp - 1 && cps + (run - i) >= max_cp - 1)
				mark = b.len + (max_cp - 1 - cps);
			buf_append(&b, p + i, run - i);
			cps += run - i;
			i = run;
			continue;
		}
		k = utf8_len(p + i, n - i);
		if (!k) {
			buf_puts(&b, REPLACEMENT);
			i++;
		} else if (k == 1 && (p[i] < 0x20 || p[i] == 0x7F)) {
			if (multiline && (p[i] == '\n' || p[i] == '\t'))
				buf_putc(&b, (char)p[i]);
			else if (p[i] != '\r')
				buf_putc(&b, ' ');
			i++;
		} else if (k == 2 && p[i] == 0xC2 && p[i + 1] < 0xA0) { /* C1 controls */
			buf_putc(&b, ' ');
			i += 2;
		} else {
			buf_append(&b, p + i, k);
			i += k;
		}
		if (++cps == max_cp - 1)
			mark = b.len;
	}
	out = arena_strdup(a, buf_str(&b));
	buf_release(&b);
	return out;
}

/* s without its leading and trailing spaces, in the arena. */
static const char *trimmed(struct arena *a, const char *s)
{
	size_t n;

	while (*s == ' ')
		s++;
	n = strlen(s);
	while (n && s[n - 1] == ' ')
		n--;
	return arena_strndup(a, s, n);
}

static const char *subject_of(struct arena *a, const char *s)
{
	const char *t = scrub(a, s, false, DESK_SUBJECT_MAX);
	while (*t == ' ')
		t++;
	return *t ? t : "(no subject)";
}

/* The body, with a note when it was cut or could not be read. */
static const char *body_of(struct arena *a, const struct desk_mail_in *in)
{
	/* Code points, not bytes: at most 4 bytes each keeps it under DESK_BODY_MAX. */
	const char *t;

	if (in->unreadable)
		return arena_printf(a, "(This message could not be read: %s. The original is "
				    "attached as message.eml.)",
				    in->unreadable_reason ? in->unreadable_reason : "unknown format");
	t = scrub(a, in->body_text, true, DESK_BODY_MAX / 4 - 64);
	return *t ? t : "(no text)";
}

/* The ticket a Message-ID threads to (its merge target when merged); 0 when none. */
static enum err_code ticket_of_mail_id(struct desk *d, struct arena *a, const char *id,
				       int64_t *ticket, struct err *e)
{
	struct ticket_row t;
	int64_t mid;
	enum err_code rc;

	*ticket = 0;
	if (!id || !*id)
		return ERR_OK;
	rc = repo_message_by_mail_id(desk_db(d), id, &mid, ticket, e);
	if (rc == ERR_NOT_FOUND) {
		*ticket = 0;
		return ERR_OK;
	}
	for (int hops = 0; !rc && hops < 8; hops++) {
		if ((rc = repo_ticket_get(desk_db(d), a, *ticket, &t, e)) || !t.merged_into_id)
			break;
		*ticket = t.merged_into_id;
	}
	return rc;
}

/* Whether user u takes part in ticket t: requester, follower or staff. */
static enum err_code participant(struct desk *d, const struct ticket_row *t,
				 const struct user_row *u, bool *yes, struct err *e)
{
	*yes = u->id == t->requester_id || role_answers_customers(u->role) ||
	       u->role == ROLE_ENGINEER;
	if (*yes)
		return ERR_OK;
	return repo_is_follower(desk_db(d), t->id, u->id, yes, e);
}

static struct actor actor_of(const struct user_row *u)
{
	struct actor who = {.user_id = u->id, .role = u->role, .organisation_id = u->organisation_id};
	return who;
}

/* The attachments to store: the raw message when unreadable, else the parsed ones (capped). */
static void attachments_of(struct arena *a, const struct desk_mail_in *in,
			   const struct attachment_in **att, size_t *n)
{
	if (in->unreadable) {
		struct attachment_in *x = arena_zalloc(a, sizeof(*x));
		x->filename = "message.eml";
		x->content_type = "message/rfc822";
		x->data = in->raw;
		x->len = in->raw_len;
		*att = x;
		*n = 1;
		return;
	}
	*att = in->attachments;
	*n = in->nattachments > DESK_ATTACHMENTS_MAX ? DESK_ATTACHMENTS_MAX : in->nattachments;
}

static enum err_code bounce(struct desk *d, struct arena *a, const struct desk_mail_in *in,
			    const struct user_row *sender, struct inbound_row *row,
			    struct err *e)
{
	struct message_in note = {.kind = MSG_INTERNAL, .channel = CHANNEL_EMAIL, .status = -1};
	struct actor who = actor_of(sender);
	int64_t mid = 0, tid = 0, at = time_now_ms(), note_id;
	struct buf b = BUF_INIT;
	enum err_code rc = ERR_OK;

	if (in->bounce_of)
		rc = repo_message_by_mail_id(desk_db(d), in->bounce_of, &mid, &tid, e);
	if (rc == ERR_NOT_FOUND || !in->bounce_of) {
		row->state = "ignored";
		row->detail = "a delivery report for a message this desk did not send";
		return ERR_OK;
	}
	if (rc)
		return rc;
	buf_puts(&b, "Delivery failed");
	for (size_t i = 0; i < in->n_bounce_recipients; i++)
		buf_printf(&b, "%s%s", i ? ", " : " for ", in->bounce_recipients[i]);
	buf_puts(&b, ".\n\n");
	buf_puts(&b, in->bounce_text ? in->bounce_text : "");
	note.body = scrub(a, buf_str(&b), true, DESK_BODY_MAX / 4 - 64);
	buf_release(&b);
	if ((rc = desk_insert_message(d, &who, tid, ROLE_CUSTOMER, &note, at, &note_id, e)) ||
	    (rc = repo_message_delivery(desk_db(d), mid, "failed",
					arena_printf(a, "bounced: %s", in->n_bounce_recipients
								  ? in->bounce_recipients[0]
								  : "recipient unknown"),
					e)))
		return rc;
	for (size_t i = 0; i < in->n_bounce_recipients; i++) {
		char norm[DESK_EMAIL_MAX + 1];
		struct user_row u;
		struct err ignored = ERR_INIT;
		if (desk_email_norm(in->bounce_recipients[i], norm, &ignored) ||
		    repo_user_by_email(desk_db(d), a, norm, &u, &ignored))
			continue;
		if ((rc = repo_user_mail_bounced(desk_db(d), u.id, at, e)))
			return rc;
	}
	row->state = "bounce";
	row->ticket_id = tid;
	row->message = note_id;
	row->detail = arena_printf(a, "bounce of message %" PRId64, mid);
	return ERR_OK;
}

/* Adds the message to ticket tid as the sender; a sender not on it becomes a follower. */
static enum err_code thread_onto(struct desk *d, struct arena *a, const struct desk_mail_in *in,
				 const struct user_row *sender, int64_t tid,
				 struct inbound_row *row, struct err *e)
{
	struct message_in m = {.kind = MSG_PUBLIC, .channel = CHANNEL_EMAIL, .status = -1};
	struct message_out out;
	struct ticket_row t;
	struct actor who = actor_of(sender);
	bool yes, added;
	enum err_code rc;

	if ((rc = repo_ticket_get(desk_db(d), a, tid, &t, e)) ||
	    (rc = participant(d, &t, sender, &yes, e)))
		return rc;
	if (!yes) {
		if ((rc = repo_follower_add(desk_db(d), tid, sender->id, &added, e)) ||
		    (rc = desk_event(d, "ticket", tid, "follower.added", &desk_system_actor,
				     "followers", NULL, sender->email, "{\"by\":\"mail\"}",
				     time_now_ms(), e)))
			return rc;
	}
	m.body = body_of(a, in);
	m.body_html = in->unreadable ? NULL : in->body_html;
	m.mail_id = row->message_id;
	attachments_of(a, in, &m.attachments, &m.nattachments);
	/* An engineer's mail is a note: they never reply to the customer. */
	if (sender->role == ROLE_ENGINEER)
		m.kind = MSG_INTERNAL;
	if ((rc = desk_message_add(d, &who, tid, &m, &out, e)))
		return rc;
	row->state = "threaded";
	row->ticket_id = out.ticket_id;
	row->message = out.message_id;
	return ERR_OK;
}

static enum err_code new_ticket(struct desk *d, struct arena *a, const struct desk_mail_in *in,
				const struct user_row *sender, struct inbound_row *row,
				struct err *e)
{
	struct ticket_new_in t = {.priority = -1, .channel = CHANNEL_EMAIL};
	struct actor who = actor_of(sender);
	int64_t n = 0, tid, at = time_now_ms();
	int per_hour = d->mail_new_per_hour > 0 ? d->mail_new_per_hour : DESK_MAIL_NEW_PER_HOUR;
	enum err_code rc;

	if ((rc = repo_inbound_new_tickets(desk_db(d), row->sender, at - 3600 * 1000LL, &n, e)))
		return rc;
	if (n >= per_hour) {
		row->state = "held";
		row->detail = arena_printf(a, "over %d new tickets an hour from %s", per_hour,
					   row->sender);
		return ERR_OK;
	}
	t.subject = subject_of(a, in->subject);
	t.body = body_of(a, in);
	t.mail_id = row->message_id;
	t.body_html = in->unreadable ? NULL : in->body_html;
	attachments_of(a, in, &t.attachments, &t.nattachments);
	if ((rc = desk_ticket_create(d, &who, &t, &tid, e)))
		return rc;
	row->state = "new_ticket";
	row->ticket_id = tid;
	/* The loop guards decided: no automatic answer to an automatic message. */
	if (d->mail_ack_text && d->mail_from && !in->automatic && (rc = queue_ack(d, a, tid, e)))
		return rc;
	{
		static const char first[] = "SELECT min(id) FROM messages WHERE ticket_id = $1";
		struct db_stmt *st;
		if ((rc = db_prepare(desk_db(d), first, &st, e)))
			return rc;
		db_bind_int64(st, 1, tid);
		if (db_step(st, e) == DB_ROW)
			row->message = db_col_int64(st, 0);
		db_done(st);
	}
	if (d->mail_cc_not_follow)
		return ERR_OK;
	for (size_t i = 0; i < in->n_cc; i++) {
		char norm[DESK_EMAIL_MAX + 1];
		struct user_row u;
		struct err bad = ERR_INIT;
		bool added;
		if (desk_email_norm(in->cc[i], norm, &bad) || strcmp(norm, row->sender) == 0 ||
		    (d->mail_address && strcasecmp(d->mail_address, norm) == 0))
			continue;
		if ((rc = desk_find_or_add_customer(d, &desk_system_actor, a, norm, NULL, at, &u, e)) ||
		    (rc = repo_follower_add(desk_db(d), tid, u.id, &added, e)))
			return rc;
		if (added && (rc = desk_event(d, "ticket", tid, "follower.added", &desk_system_actor,
					      "followers", NULL, u.email, "{\"by\":\"mail\"}", at, e)))
			return rc;
	}
	return ERR_OK;
}

/* An answer about the message (not the desk's health): the mail is kept some other way. */
static bool refused(enum err_code rc)
{
	return rc == ERR_INVALID || rc == ERR_NOT_FOUND || rc == ERR_FORBIDDEN || rc == ERR_CONFLICT;
}

static enum err_code receive(struct desk *d, struct arena *a, const struct desk_mail_in *in,
			     struct inbound_row *row, struct err *e)
{
	struct inbound_row seen;
	struct user_row sender;
	const char *name;
	struct ticket_row t;
	int64_t tid = 0;
	enum err_code rc;

	if (row->message_id) {
		rc = repo_inbound_find(desk_db(d), a, row->mailbox, row->message_id, &seen, e);
		if (!rc) {
			row->state = "duplicate";
			row->ticket_id = seen.ticket_id;
			row->detail = arena_printf(a, "already received as #%" PRId64, seen.id);
			return ERR_OK;
		}
		if (rc != ERR_NOT_FOUND)
			return rc;
	}
	if (!row->sender) {
		row->state = "held";
		row->detail = "no sender address";
		return ERR_OK;
	}
	if (in->loop) {
		row->state = "held";
		row->detail = "from the desk's own address (a mail loop)";
		return ERR_OK;
	}
	/* A display name is the sender's to choose: made valid, never a reason to refuse mail. */
	name = in->from_name ? trimmed(a, scrub(a, in->from_name, false, DESK_NAME_MAX)) : NULL;
	rc = desk_find_or_add_customer(d, &desk_system_actor, a, row->sender,
				       name && *name ? name : NULL, row->received_at, &sender, e);
	if (refused(rc)) {
		row->state = "held";
		row->detail = arena_printf(a, "the sender cannot be a customer: %s", e->msg);
		return ERR_OK;
	}
	if (rc)
		return rc;
	if (!sender.active) {
		row->state = "held";
		row->detail = arena_printf(a, "the sender %s is deactivated", sender.email);
		return ERR_OK;
	}
	if (in->bounce)
		return bounce(d, a, in, &sender, row, e);

	if ((rc = ticket_of_mail_id(d, a, in->in_reply_to, &tid, e)))
		return rc;
	for (size_t i = in->n_references; !tid && i > 0; i--)
		if ((rc = ticket_of_mail_id(d, a, in->references[i - 1], &tid, e)))
			return rc;
	if (!tid && in->ticket_tag > 0) {
		bool yes = false;
		rc = repo_ticket_get(desk_db(d), a, in->ticket_tag, &t, e);
		if (rc && rc != ERR_NOT_FOUND)
			return rc;
		if (!rc) {
			while (t.merged_into_id && !(rc = repo_ticket_get(desk_db(d), a,
									  t.merged_into_id, &t, e)))
				;
			if (rc || (rc = participant(d, &t, &sender, &yes, e)))
				return rc;
			if (yes)
				tid = t.id;
		}
	}
	if (tid) {
		/* In a savepoint: a reply the desk refuses (an engineer's on a ticket not
		 * theirs, say) becomes a ticket of its own rather than lost mail. */
		if ((rc = db_begin(desk_db(d), e)))
			return rc;
		rc = thread_onto(d, a, in, &sender, tid, row, e);
		if (!rc)
			return db_commit(desk_db(d), e);
		db_rollback(desk_db(d));
		if (!refused(rc))
			return rc;
	}
	if ((rc = db_begin(desk_db(d), e)))
		return rc;
	rc = new_ticket(d, a, in, &sender, row, e);
	if (!rc)
		return db_commit(desk_db(d), e);
	db_rollback(desk_db(d));
	if (!refused(rc))
		return rc;
	/* Kept, not ticketed: the reason is on the record. */
	row->state = "held";
	row->ticket_id = row->message = 0;
	row->detail = arena_strdup(a, e->msg);
	return ERR_OK;
}

_Static_assert(DESK_SHA256_HEX == BLOB_HEX_LEN + 1, "a raw message is stored by its blob hash");

void desk_mail_hash(const struct desk_mail_in *in, char hex[DESK_SHA256_HEX])
{
	blob_hash(in->raw, in->raw_len, hex);
}

enum err_code desk_mail_receive(struct desk *d, const struct desk_mail_in *in,
				struct desk_mail_result *out, struct err *e)
{
	struct inbound_row row = {0};
	struct arena a;
	char sha[BLOB_HEX_LEN + 1], norm[DESK_EMAIL_MAX + 1];
	struct err bad = ERR_INIT;
	enum err_code rc;

	memset(out, 0, sizeof(*out));
	arena_init(&a);
	if (in->raw_sha256 && strlen(in->raw_sha256) == BLOB_HEX_LEN)
		memcpy(sha, in->raw_sha256, sizeof(sha));
	else
		desk_mail_hash(in, sha);
	row.mailbox = in->mailbox && *in->mailbox ? in->mailbox : DESK_MAILBOX_DEFAULT;
	row.raw_sha256 = sha;
	row.raw_size = (int64_t)in->raw_len;
	row.message_id = in->message_id && *in->message_id
				 ? scrub(&a, in->message_id, false, DESK_EMAIL_MAX * 2)
				 : NULL;
	row.sender = in->from && !desk_email_norm(in->from, norm, &bad) ? norm : NULL;
	row.received_at = time_now_ms();

	/*
	 * A bulk load rolls its whole batch back when one message fails
	 * (desk_bulk_begin): no savepoint of its own, and the pages it writes
	 * outside the threading's are not copied to a statement journal.
	 */
	if (d->bulk && db_depth(desk_db(d)) == 0)
		BUG("mail received in a bulk load outside its batch");
	if (!d->bulk && (rc = db_begin(desk_db(d), e)))
		goto out;
	/* The raw message first: whatever the threading makes of it, it is kept with it. */
	if ((rc = repo_mail_raw_put(desk_db(d), sha, in->raw, in->raw_len, e)) ||
	    (rc = receive(d, &a, in, &row, e)) ||
	    (rc = repo_inbound_insert(desk_db(d), &row, &out->inbound_id, e)) ||
	    (in->imap_uid && (rc = repo_mailbox_advance(desk_db(d), row.mailbox,
							in->imap_uidvalidity, in->imap_uid, e)))) {
		if (!d->bulk)
			db_rollback(desk_db(d));
		goto out;
	}
	if (!d->bulk && (rc = db_commit(desk_db(d), e)))
		goto out;
	out->state = row.state; /* static strings */
	out->ticket_id = row.ticket_id;
	out->message_id = row.message;
out:
	arena_release(&a);
	return rc;
}

enum err_code desk_mailbox_bookmark(struct desk *d, const char *mailbox, uint64_t *uidvalidity,
				    uint64_t *last_uid, struct err *e)
{
	return repo_mailbox_get(desk_db(d), mailbox, uidvalidity, last_uid, e);
}

enum err_code desk_mailbox_polled(struct desk *d, const char *mailbox, uint64_t uidvalidity,
				  const char *error, struct err *e)
{
	enum err_code rc;

	if ((rc = db_begin(desk_db(d), e)))
		return rc;
	if ((rc = repo_mailbox_polled(desk_db(d), mailbox, uidvalidity, time_now_ms(), error, e))) {
		db_rollback(desk_db(d));
		return rc;
	}
	return db_commit(desk_db(d), e);
}
