/*
 * text.h - reading plain text the way people write mail: where the new
 * words end, where the signature starts, where quoted history begins, and
 * which ticket a subject names.
 *
 * The desk keeps the full text of every message; these functions only say
 * where a reader may fold it. Offsets are bytes into the text given, always
 * at the start of a line, and never past its length. Text is UTF-8 with
 * LF or CRLF line ends; anything else is read as opaque bytes.
 *
 * Pure: no I/O, no globals, no allocation. Never fails: text with no
 * quote or signature has its fold points at its end.
 */
#ifndef CHAMPION_TEXT_H
#define CHAMPION_TEXT_H

#include "util/common.h"

/* What introduced the quoted history. */
enum text_quote {
	TEXT_QUOTE_NONE,
	TEXT_QUOTE_ATTRIBUTION, /* "On ... wrote:", "Am ... schrieb ...:", "Le ... a écrit :" */
	TEXT_QUOTE_ORIGINAL,    /* "-----Original Message-----" and its translations */
	TEXT_QUOTE_HEADERS,     /* an Outlook header block: "From: ..." then "Sent: ..." */
	TEXT_QUOTE_FORWARD,     /* "Begin forwarded message:", "---------- Forwarded message" */
	TEXT_QUOTE_MARKS,       /* a trailing block of "> " lines with no attribution */
};

struct text_fold {
	size_t body_end;        /* end of the new text, trailing blank lines left out */
	size_t sig_at;          /* start of the signature, or quote_at when none */
	size_t quote_at;        /* start of the quoted history, or the length when none */
	enum text_quote quote;  /* what introduced it */
	bool sig_delimited;     /* the signature began with the "-- " line */
};

/*
 * Finds the fold points of s[0..len). A block of "> " lines counts as
 * history only when nothing but blank lines follows it (so inline answers
 * between quotes are never folded away); an attribution line counts when
 * no unquoted line follows the quotes under it. A signature is the last
 * "-- " (or "--") line before the history, at most 15 lines long, or
 * else a sign-off ("Best regards,", "Mit freundlichen Grüßen", "Sent from
 * my iPhone", ...) among the last lines of the new text.
 */
void text_fold_points(const char *s, size_t len, struct text_fold *out);

/* A short stable name of a quote kind: "none", "attribution", ... */
const char *text_quote_name(enum text_quote q);

/*
 * The ticket number of the first strict tag "[#N]" in a subject: N is 1 to
 * 15 decimal digits without a leading zero, directly between "[#" and "]".
 * Returns 0 when there is none.
 */
int64_t text_ticket_tag(const char *s, size_t len);

#endif
