/*
 * imap.h - reading a mailbox over IMAP (libcurl): new messages by UID, each
 * handed over, committed by the caller, and only then moved away (or left
 * marked \Seen). At least once: the caller's committed UID is the only
 * bookmark, so a crash between the fetch and the commit fetches that
 * message again, and the desk knows it by its Message-ID.
 *
 * libcurl fetches with BODY[], which marks a message \Seen as it is read;
 * when the caller fails to commit it, the flag is taken off again so a
 * person reading the mailbox sees it as unread.
 */
#ifndef CHAMPION_MAIL_IMAP_H
#define CHAMPION_MAIL_IMAP_H

#include "util/common.h"
#include "util/err.h"

struct imap_conf {
	const char *url;      /* imap://host[:port]/MAILBOX or imaps://... */
	const char *user;
	const char *password;
	const char *move_to;  /* a folder to move committed messages to; NULL or "": leave them \Seen */
	bool require_tls;     /* imap://: refuse to log in without STARTTLS */
	const char *ca_file;  /* PEM authorities to trust; NULL or "": the system's */
	long timeout_ms;      /* each command */
	int batch_max;        /* messages per poll, at most */
};

/*
 * Takes one fetched message (uid, raw bytes); returns ERR_OK once it is
 * committed, anything else to stop the poll (it is fetched again next
 * time). Called in UID order.
 */
typedef enum err_code (*imap_deliver_fn)(void *ctx, uint64_t uidvalidity, uint64_t uid,
					 const char *raw, size_t len, struct err *e);

struct imap_poll_result {
	uint64_t uidvalidity;
	uint64_t last_uid;  /* the newest UID committed, as given or advanced */
	int fetched;        /* messages handed over and committed */
	bool renumbered;    /* the server's UIDVALIDITY changed: started from UID 1 */
};

/*
 * One poll: the mailbox's UIDVALIDITY, then every message past last_uid
 * (at most batch_max), each delivered and then moved or flagged. A
 * different uidvalidity than the one given restarts from UID 1.
 * ERR_TRANSIENT when the server cannot be reached or answers with an
 * error (e names it); the deliver function's error as it returned it.
 */
enum err_code imap_poll(const struct imap_conf *c, uint64_t uidvalidity, uint64_t last_uid,
			imap_deliver_fn deliver, void *ctx, struct imap_poll_result *out,
			struct err *e);

#endif
