/*
 * compose.h - an outgoing message as RFC 5322 bytes: a reply from the desk.
 *
 * The body is the agent's Markdown: sent as text/plain (the Markdown as
 * written, which reads as text) and text/html rendered by cmark-gfm in
 * safe mode (raw HTML and javascript: links dropped), together as
 * multipart/alternative. Headers carry the desk's Message-ID, the thread
 * (In-Reply-To, References) and the ticket's tag "[#ID]" in the subject,
 * so the customer's answer threads back whatever their client keeps.
 * Automatic messages say so (Auto-Submitted: auto-replied, RFC 3834).
 * Lines end in CRLF, ready for SMTP.
 *
 * Fails only when an attached file cannot be read; out of memory aborts.
 * Needs g_mime_init.
 */
#ifndef CHAMPION_MAIL_COMPOSE_H
#define CHAMPION_MAIL_COMPOSE_H

#include "util/common.h"
#include "util/buf.h"

/* A file to attach, read from path when the message is composed. */
struct mail_compose_file {
	const char *filename;
	const char *content_type; /* "type/subtype" */
	const char *path;
};

struct mail_compose {
	const char *from;            /* "Name <addr>" or addr */
	const char *const *to;       /* addresses, n_to of them */
	size_t n_to;
	const char *const *cc;
	size_t n_cc;
	const char *subject;         /* without the tag */
	int64_t ticket_id;           /* the tag: [#ticket_id]; 0: none (a sign-in link) */
	const char *message_id;      /* without <> */
	const char *in_reply_to;     /* without <>; NULL: none */
	const char *const *references; /* oldest first, without <> */
	size_t n_references;
	const char *body_markdown;
	int64_t date;                /* ms */
	bool automatic;              /* an acknowledgement, not a person's reply */
	const struct mail_compose_file *files; /* attached after the text (multipart/mixed) */
	size_t n_files;
};

/*
 * Appends the message to out. Returns 0, or -1 when a file cannot be read
 * (errno set; out then holds nothing new).
 */
int mail_compose(const struct mail_compose *m, struct buf *out);

/* The Markdown as safe HTML (cmark-gfm: tables, autolinks, strikethrough) into out. */
void mail_markdown_html(const char *md, struct buf *out);

#endif
