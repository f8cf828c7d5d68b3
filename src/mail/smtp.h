/*
 * smtp.h - handing one message to an SMTP server (libcurl): plain SMTP,
 * STARTTLS or SMTPS, with or without authentication.
 *
 * The outcome says what the outbox does next: sent (the server took the
 * message: 250), transient (a 4xx answer, or no answer at all: the
 * connection, DNS, TLS or a timeout failed; try again later) or permanent
 * (a 5xx answer: the server refuses it for good). detail keeps the
 * server's last answer line, or curl's reason when there was none.
 */
#ifndef CHAMPION_MAIL_SMTP_H
#define CHAMPION_MAIL_SMTP_H

#include "util/common.h"

struct smtp_conf {
	const char *url;      /* smtp://host[:port] or smtps://host[:port] */
	const char *user;     /* NULL or "": no authentication */
	const char *password;
	bool require_tls;     /* smtp://: refuse to send without STARTTLS (else use it when offered) */
	const char *ca_file;  /* PEM authorities to trust; NULL or "": the system's */
	long timeout_ms;      /* the whole exchange */
};

enum smtp_outcome { SMTP_SENT, SMTP_TRANSIENT, SMTP_PERMANENT };

#define SMTP_DETAIL_MAX 256

struct smtp_result {
	enum smtp_outcome outcome;
	long code;                    /* the server's last reply code, 0 if none */
	char detail[SMTP_DETAIL_MAX]; /* its last reply line, or curl's reason */
};

/*
 * Sends data (len bytes, CRLF lines) from envelope sender from to the n
 * envelope recipients (bare addresses). Blocks up to c->timeout_ms.
 * Thread-safe.
 */
void smtp_send(const struct smtp_conf *c, const char *from, const char *const *rcpt, size_t n,
	       const char *data, size_t len, struct smtp_result *r);

const char *smtp_outcome_name(enum smtp_outcome o);

#endif
