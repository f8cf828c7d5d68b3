/*
 * outbox.h - the mail jobs: mail.send (a public reply), mail.ack (an
 * acknowledgement) and notify (a notification to staff, an event on the
 * ticket once sent). Each public reply queued for mail is composed (mail/compose) and handed to the SMTP server (mail/smtp), then
 * its delivery is recorded on the message: sent, or failed with the
 * server's answer. A transient failure retries with the jobs' backoff; a
 * 5xx ends it. A crash between the server's 250 and the record leaves the
 * job to be claimed again when its lease ends: the reply may be sent
 * twice, never zero times, with the same Message-ID both times.
 *
 * champion serve runs one outbox thread on its own desk connection; it
 * looks for due jobs every poll_ms and when woken.
 */
#ifndef CHAMPION_MAIL_OUTBOX_H
#define CHAMPION_MAIL_OUTBOX_H

#include "desk/desk.h"
#include "mail/smtp.h"
#include "desk/worker.h"

struct outbox {
	struct desk_worker w; /* its thread and desk connection; w.name: host:pid:outbox */
	struct smtp_conf smtp;
};

/*
 * Sends every due mail.send job with desk d, as worker; returns how many
 * jobs it ran (sent, retried or failed), or -1 with e set when the desk
 * failed.
 */
int mail_outbox_run_once(struct desk *d, const struct smtp_conf *smtp, const char *worker,
			 struct err *e);

/*
 * Opens the outbox's desk (so, configured with ds) and starts its thread.
 * The strings in smtp must outlive the outbox.
 */
enum err_code mail_outbox_start(struct outbox *o, const struct store_options *so,
				const struct desk_settings *ds, const struct smtp_conf *smtp,
				int poll_ms, struct err *e);
/* Asks it to look for jobs now. */
void mail_outbox_wake(struct outbox *o);
/* Lets the job in hand finish, stops the thread, closes the desk. */
void mail_outbox_stop(struct outbox *o);

#endif
