/*
 * inbound.h - one received mail message (RFC 5322 + MIME) read into what
 * the desk needs: who wrote to whom about what, the ids that thread it, its
 * text, its safe HTML, its files, and whether it is a bounce.
 *
 * GMime parses the MIME structure; charsets are converted to UTF-8 by
 * GMime's iconv tables (a declared charset that does not fit the bytes
 * falls back to UTF-8, then windows-1252); HTML goes through mail/html
 * (gumbo); the fold points of the text come from rules/text.
 *
 * Never refuses a message: whatever the bytes, mail_inbound_parse fills
 * the struct. A message it cannot read whole is marked degraded, with a
 * reason, and carries its raw source as the attachment "message.eml"
 * (subject "(unparseable message)" when no subject could be read), so the
 * caller can still open a ticket for it and lose nothing. The only fatal
 * error is running out of memory (aborts, like xmalloc).
 *
 * Bounded: each part keeps at most limits.part_max decoded bytes and the
 * message at most limits.total_max; a text part past its cap is cut (and
 * flagged), an attachment past it is kept without its bytes (dropped).
 *
 * Needs g_mime_init() first (once per process, as the server does). Never
 * touches the database, the network or files; holds no global state.
 */
#ifndef CHAMPION_MAIL_INBOUND_H
#define CHAMPION_MAIL_INBOUND_H

#include "rules/text.h"
#include "util/arena.h"

struct mail_limits {
	size_t part_max;  /* decoded bytes kept of one part (text, html or file) */
	size_t total_max; /* decoded bytes kept of the whole message */
	size_t parts_max; /* MIME parts looked at; the rest are ignored (flagged) */
};

/* 25 MiB a part, 50 MiB a message, 500 parts. */
#define MAIL_LIMITS_DEFAULT {25u << 20, 50u << 20, 500}

/* One mailbox. addr is "local@domain" with the domain lower-cased, or NULL. */
struct mail_addr {
	const char *name; /* display name, decoded to UTF-8; "" when none */
	const char *addr; /* NULL when the header held no usable address */
};

struct mail_addr_list {
	struct mail_addr *v;
	size_t n;
};

/* Message-IDs, each without its angle brackets. */
struct mail_ids {
	const char **v;
	size_t n;
};

struct mail_attachment {
	const char *filename;     /* safe to show and to store: no '/', '\\', "..", controls */
	const char *content_type; /* "type/subtype", lower-case */
	const char *content_id;   /* without angle brackets, or NULL */
	bool is_inline;           /* Content-Disposition inline (or a related image) */
	bool dropped;             /* over a size cap: data is NULL, len 0 */
	const char *data;         /* decoded bytes (may hold NULs), in the arena */
	size_t len;
};

/* One failed (or delayed...) recipient of a delivery status notification. */
struct mail_dsn_rcpt {
	const char *recipient;  /* Final-Recipient address (Original-Recipient when absent) */
	const char *action;     /* "failed", "delayed", "delivered", ... lower-case, or "" */
	const char *status;     /* "5.1.1" and the like, or "" */
	const char *diagnostic; /* Diagnostic-Code, or "" */
};

struct mail_inbound {
	/* Threading. */
	const char *message_id;   /* NULL when missing (no_message_id set) */
	struct mail_ids in_reply_to;
	struct mail_ids references; /* oldest first, as sent */
	int64_t ticket_tag;       /* N of the subject's "[#N]", 0 when none */

	/* Header facts. */
	const char *subject;      /* decoded UTF-8, "" when none */
	int64_t date_ms;          /* Date in ms UTC; 0 when missing or unreadable */
	struct mail_addr from;    /* the first From mailbox */
	struct mail_addr_list reply_to, to, cc;
	const char *return_path;  /* the address of Return-Path, NULL when absent or <> */
	bool null_return_path;    /* Return-Path: <> (a bounce or an autoresponder) */

	/* Headers the loop guard reads, as sent (unfolded), or NULL when absent. */
	const char *auto_submitted;
	const char *precedence;
	const char *list_id;
	const char *list_unsubscribe;
	const char *x_autoreply;
	const char *x_autorespond;
	const char *x_auto_response_suppress;
	const char *x_loop;

	/* Content. */
	const char *text;         /* text body, UTF-8, LF line ends; "" when none */
	size_t text_len;
	struct text_fold fold;    /* where text's new words, signature and history are */
	bool text_from_html;      /* text was made from the HTML (no text/plain part) */
	const char *html;         /* sanitised HTML, or NULL when the message had none */
	size_t html_len;
	struct mail_attachment *attachments;
	size_t nattachments;

	/* Bounces (RFC 3464). */
	bool bounce;                  /* a delivery status notification, or a bounce by its looks */
	const char *bounce_message_id; /* the Message-ID of the message that bounced, or NULL */
	struct mail_dsn_rcpt *bounce_rcpts;
	size_t nbounce_rcpts;

	/* What went wrong, if anything. */
	bool no_message_id;       /* no usable Message-ID header */
	bool dup_message_id;      /* more than one Message-ID header (the first is used) */
	bool no_date;             /* Date missing or unreadable */
	bool from_invalid;        /* From missing or without a usable address */
	bool truncated;           /* a part was cut or dropped by a cap, or parts_max hit */
	bool charset_fallback;    /* a part's charset was wrong or unknown: guessed */
	bool degraded;            /* the message could not be read whole ... */
	const char *degraded_reason; /* ... and why, in a few words; NULL when not */
};

/*
 * Reads raw[0..len) (need not be NUL-terminated; may hold NULs) into m.
 * Every string and array in m is allocated in a (nothing else to free);
 * raw is not kept. lim may be NULL for MAIL_LIMITS_DEFAULT. Never fails.
 */
void mail_inbound_parse(struct mail_inbound *m, const char *raw, size_t len,
			const struct mail_limits *lim, struct arena *a);

/*
 * Normalises one address: trims it, drops angle brackets, lower-cases the
 * domain. Returns it in a, or NULL when it is not "local@domain" with
 * printable ASCII (or UTF-8) and no spaces. Pure apart from the arena.
 */
const char *mail_inbound_addr(const char *raw, struct arena *a);

#endif
