/*
 * poller.h - champion serve's IMAP poller: every poll_ms, the mailbox's
 * new messages (mail/imap) through mail_accept, the bookmark moved in each
 * message's own transaction, the poll's outcome recorded on the mailbox.
 */
#ifndef CHAMPION_MAIL_POLLER_H
#define CHAMPION_MAIL_POLLER_H

#include "desk/desk.h"
#include "mail/imap.h"
#include "desk/worker.h"

struct poller {
	struct desk_worker w; /* its thread and desk connection */
	struct imap_conf imap;
	char mailbox[128];    /* the desk's name for it */
};

/* One poll of mailbox with d: messages accepted, or -1 with e set. */
int mail_poller_run_once(struct desk *d, const char *mailbox, const struct imap_conf *c,
			 struct err *e);

/*
 * Opens the poller's desk (so, configured with ds) and starts polling. The
 * strings in c must outlive the poller.
 */
enum err_code mail_poller_start(struct poller *p, const struct store_options *so,
				const struct desk_settings *ds, const char *mailbox, const struct imap_conf *c, int poll_ms,
				struct err *e);
/* Lets a poll in progress end, stops, closes the desk. */
void mail_poller_stop(struct poller *p);

#endif
