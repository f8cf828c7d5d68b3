/*
 * accept.h - one received message into the desk: read by mail/inbound,
 * judged by mail/guard, stored and threaded by desk_mail_receive. The one
 * path of `champion mailgate` and the IMAP poller.
 */
#ifndef CHAMPION_MAIL_ACCEPT_H
#define CHAMPION_MAIL_ACCEPT_H

#include "desk/desk.h"

/*
 * Accepts raw[0..len) for mailbox (NULL: DESK_MAILBOX_DEFAULT); uid and
 * uidvalidity when it was read over IMAP (0 otherwise: the mailbox's
 * bookmark moves with the message). out->state says what became of it.
 * Needs g_mime_init. ERR_TRANSIENT when the desk is busy or the disk
 * refuses: nothing was kept, try again.
 */
enum err_code mail_accept(struct desk *d, const char *mailbox, const char *raw, size_t len,
			  uint64_t uidvalidity, uint64_t uid, struct desk_mail_result *out,
			  struct err *e);

/*
 * The first half of mail_accept, apart so a bulk import can read messages
 * on one thread while another stores them: reads raw[0..len) into in (its
 * strings in a, which must outlive in; raw too), judged against the desk's
 * own bare address own (desk->mail_address, or NULL). Touches no database;
 * never fails.
 */
void mail_read(struct desk_mail_in *in, const char *raw, size_t len, const char *own,
	       struct arena *a);

#endif
