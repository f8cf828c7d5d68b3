/* poller.c - the IMAP poller of champion serve; see poller.h. */
#include "util/common.h"
#include "mail/poller.h"
#include "mail/accept.h"
#include "util/log.h"

#include <gmime/gmime.h>

struct delivery {
	struct desk *d;
	const char *mailbox;
};

static enum err_code deliver(void *ctx, uint64_t uidvalidity, uint64_t uid, const char *raw,
			     size_t len, struct err *e)
{
	struct delivery *dv = ctx;
	struct desk_mail_result r;
	enum err_code rc = mail_accept(dv->d, dv->mailbox, raw, len, uidvalidity, uid, &r, e);

	if (!rc)
		log_info("mail_received", "mailbox=%s uid=%" PRIu64 " state=%s ticket=%" PRId64,
			 dv->mailbox, uid, r.state, r.ticket_id);
	return rc;
}

int mail_poller_run_once(struct desk *d, const char *mailbox, const struct imap_conf *c,
			 struct err *e)
{
	struct delivery dv = {d, mailbox};
	struct imap_poll_result r;
	struct err ignored = ERR_INIT;
	uint64_t uidvalidity, last;
	enum err_code rc;

	if ((rc = desk_mailbox_bookmark(d, mailbox, &uidvalidity, &last, e)))
		return -1;
	rc = imap_poll(c, uidvalidity, last, deliver, &dv, &r, e);
	if (r.renumbered)
		log_warn("mailbox_renumbered", "mailbox=%s uidvalidity=%" PRIu64, mailbox,
			 r.uidvalidity);
	/* The outcome is on the mailbox: a poll that failed says why. */
	desk_mailbox_polled(d, mailbox, rc ? 0 : r.uidvalidity, rc ? e->msg : NULL, &ignored);
	return rc ? -1 : r.fetched;
}

static void poller_tick(struct desk_worker *w)
{
	struct poller *p = w->ctx;
	struct err e = ERR_INIT;

	if (mail_poller_run_once(w->desk, p->mailbox, &p->imap, &e) < 0)
		log_warn("imap_poll", "mailbox=%s error=\"%s\"", p->mailbox, e.msg);
}

enum err_code mail_poller_start(struct poller *p, const struct store_options *so,
				const struct desk_settings *ds, const char *mailbox,
				const struct imap_conf *c, int poll_ms, struct err *e)
{
	enum err_code rc;

	memset(p, 0, sizeof(*p));
	snprintf(p->mailbox, sizeof(p->mailbox), "%s", mailbox && *mailbox ? mailbox : "imap");
	p->imap = *c;
	g_mime_init(); /* counted: balanced in mail_poller_stop */
	if ((rc = desk_worker_start(&p->w, "imap", so, ds, poll_ms, poller_tick, p, e)))
		g_mime_shutdown();
	return rc;
}

void mail_poller_stop(struct poller *p)
{
	if (!p->w.desk)
		return;
	desk_worker_stop(&p->w);
	g_mime_shutdown();
}
