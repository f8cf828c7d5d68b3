/* outbox.c - sending the mail.send jobs; see outbox.h. */
#include "util/common.h"
#include "mail/outbox.h"
#include "mail/compose.h"
#include "util/buf.h"
#include "util/log.h"

#include <gmime/gmime.h>
#include <unistd.h>

/* Runs one claimed job: compose, send, record. */
static enum err_code send_one(struct desk *d, struct arena *a, const struct smtp_conf *smtp,
			      const struct job_row *j, const char *worker, struct err *e)
{
	struct desk_outgoing out;
	struct mail_compose m = {0};
	struct smtp_result r;
	struct buf msg = BUF_INIT;
	const char **rcpt;
	size_t n = 0;
	enum err_code rc;

	bool ack = strcmp(j->kind, DESK_JOB_MAIL_ACK) == 0;
	/* A sign-in link is a notification about a user rather than a ticket. */
	bool notify = strcmp(j->kind, DESK_JOB_NOTIFY) == 0 || strcmp(j->kind, DESK_JOB_LINK) == 0;

	if (ack)
		rc = desk_mail_ack_outgoing(d, a, j, &out, e);
	else if (notify)
		rc = desk_notify_outgoing(d, a, j, &out, e);
	else
		rc = desk_mail_outgoing(d, a, j->ref_id, &out, e);
	if (rc == ERR_NOT_FOUND)
		return desk_job_finish(d, j, worker, DESK_JOB_FAIL, e->msg, e);
	if (rc)
		return rc;
	if (strcmp(out.delivery, "queued") != 0) /* sent already: a job run twice */
		return desk_job_finish(d, j, worker, DESK_JOB_OK, NULL, e);
	if (!out.from)
		return desk_job_finish(d, j, worker, DESK_JOB_RETRY, "mail.from is not set", e);
	m.from = out.from;
	m.to = (const char *const *)out.to.items;
	m.n_to = out.to.count;
	m.cc = (const char *const *)out.cc.items;
	m.n_cc = out.cc.count;
	m.subject = out.subject;
	m.ticket_id = out.ticket_id;
	m.message_id = out.mail_id;
	m.in_reply_to = out.in_reply_to;
	m.references = (const char *const *)out.references.items;
	m.n_references = out.references.count;
	m.body_markdown = out.body;
	m.date = out.created_at;
	m.automatic = ack || notify;
	struct mail_compose_file *files = arena_alloc(a, sizeof(*files) * (out.files.count + 1));
	for (size_t i = 0; i < out.files.count; i++) {
		const struct desk_outgoing_file *f = ROWS_AT(&out.files, struct desk_outgoing_file, i);
		files[i] = (struct mail_compose_file){f->filename, f->content_type, f->path};
	}
	m.files = files;
	m.n_files = out.files.count;
	if (mail_compose(&m, &msg) < 0) {
		/* A stored file gone: the disk's trouble, worth another try. */
		char why[256];
		snprintf(why, sizeof(why), "cannot read an attachment: %s", strerror(errno));
		buf_release(&msg);
		return desk_job_finish(d, j, worker, DESK_JOB_RETRY, why, e);
	}

	rcpt = arena_alloc(a, sizeof(*rcpt) * (out.to.count + out.cc.count + 1));
	for (size_t i = 0; i < out.to.count; i++)
		rcpt[n++] = *ROWS_AT(&out.to, const char *, i);
	for (size_t i = 0; i < out.cc.count; i++)
		rcpt[n++] = *ROWS_AT(&out.cc, const char *, i);
	smtp_send(smtp, out.sender, rcpt, n, msg.data, msg.len, &r);
	buf_release(&msg);
	log_info("mail_send", "kind=%s message=%" PRId64 " ticket=%" PRId64 " outcome=%s code=%ld "
		 "attempt=%d detail=\"%s\"", j->kind, out.message_id, out.ticket_id,
		 smtp_outcome_name(r.outcome), r.code, j->attempts, r.detail);

	/* An acknowledgement or a notification: what came of it is an event on the ticket. */
	if (ack || notify) {
		enum desk_job_outcome o = r.outcome == SMTP_SENT	  ? DESK_JOB_OK
					  : r.outcome == SMTP_PERMANENT ? DESK_JOB_FAIL
									: DESK_JOB_RETRY;
		bool last = o == DESK_JOB_FAIL || (o == DESK_JOB_RETRY && j->attempts >= j->max_attempts);
		if ((o == DESK_JOB_OK || last) &&
		    (rc = (notify ? desk_notified : desk_mail_acked)(d, j, o == DESK_JOB_OK, r.detail,
								     e)))
			return rc;
		return desk_job_finish(d, j, worker, o, o == DESK_JOB_OK ? NULL : r.detail, e);
	}
	switch (r.outcome) {
	case SMTP_SENT:
		if ((rc = desk_mail_delivered(d, out.message_id, "sent", r.detail, e)))
			return rc;
		return desk_job_finish(d, j, worker, DESK_JOB_OK, NULL, e);
	case SMTP_PERMANENT:
		if ((rc = desk_mail_delivered(d, out.message_id, "failed", r.detail, e)))
			return rc;
		return desk_job_finish(d, j, worker, DESK_JOB_FAIL, r.detail, e);
	case SMTP_TRANSIENT:
		break;
	}
	/* Still queued with the server's answer; out of attempts, that answer is the end. */
	if ((rc = desk_mail_delivered(d, out.message_id,
				      j->attempts >= j->max_attempts ? "failed" : "queued", r.detail,
				      e)))
		return rc;
	return desk_job_finish(d, j, worker, DESK_JOB_RETRY, r.detail, e);
}

int mail_outbox_run_once(struct desk *d, const struct smtp_conf *smtp, const char *worker,
			 struct err *e)
{
	static const char *const kinds[] = {DESK_JOB_MAIL_SEND, DESK_JOB_MAIL_ACK, DESK_JOB_NOTIFY,
					    DESK_JOB_LINK, NULL};
	int ran = 0;

	for (;;) {
		struct arena a;
		struct job_row j;
		enum err_code rc;

		arena_init(&a);
		rc = desk_job_claim(d, &a, kinds, worker, &j, e);
		if (rc == ERR_NOT_FOUND) {
			arena_release(&a);
			return ran;
		}
		if (!rc) {
			rc = send_one(d, &a, smtp, &j, worker, e);
			ran++;
		}
		arena_release(&a);
		/* A lost lease is the other worker's job now; anything else stops the pass. */
		if (rc && rc != ERR_CONFLICT)
			return -1;
	}
}

static void outbox_tick(struct desk_worker *w)
{
	struct outbox *o = w->ctx;
	struct err e = ERR_INIT;

	if (mail_outbox_run_once(w->desk, &o->smtp, w->name, &e) < 0)
		log_warn("outbox", "error=\"%s\"", e.msg);
}

enum err_code mail_outbox_start(struct outbox *o, const struct store_options *so,
				const struct desk_settings *ds, const struct smtp_conf *smtp,
				int poll_ms, struct err *e)
{
	enum err_code rc;

	memset(o, 0, sizeof(*o));
	o->smtp = *smtp;
	g_mime_init(); /* counted: balanced in mail_outbox_stop */
	if ((rc = desk_worker_start(&o->w, "outbox", so, ds, poll_ms, outbox_tick, o, e)))
		g_mime_shutdown();
	return rc;
}

void mail_outbox_wake(struct outbox *o)
{
	desk_worker_wake(&o->w);
}

void mail_outbox_stop(struct outbox *o)
{
	if (!o->w.desk)
		return;
	desk_worker_stop(&o->w);
	g_mime_shutdown();
}
