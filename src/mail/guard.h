/*
 * guard.h - loop and noise guards for inbound mail: may the desk answer a
 * message automatically (an acknowledgement, a "we got your ticket"), and
 * was it written by a person, a machine, or a mass mailer?
 *
 * The rules, first match wins (RFC 3834 section 2, and what mail servers
 * actually send):
 *   own-address          From is one of the desk's own addresses (a loop),
 *                        or X-Loop names one
 *   bounce               a delivery status notification
 *   null-return-path     Return-Path: <>
 *   auto-submitted       Auto-Submitted other than "no"
 *   auto-reply-header    X-Autoreply or X-Autorespond present
 *   precedence           Precedence bulk, junk, list or auto_reply
 *   list                 List-Id or List-Unsubscribe present
 *   suppress             X-Auto-Response-Suppress with All, AutoReply or OOF
 *   auto-subject         a subject like "Out of Office:", "Automatic reply:",
 *                        "Abwesenheitsnotiz", "Réponse automatique"
 *   no-sender            no usable From address to answer
 *
 * The kind says who wrote it: "bounce"; "automatic" for auto-replies and
 * vacation notices (Auto-Submitted, X-Autoreply, Precedence auto_reply,
 * an auto-reply subject); "bulk" for lists and mass mail (Precedence bulk,
 * junk or list, List-Id); "person" otherwise, also when only
 * X-Auto-Response-Suppress asks for no auto-reply (Outlook sets it on mail
 * people write, too) unless the subject says it is an automatic reply.
 *
 * Pure: reads the parsed message and the addresses given; no allocation.
 */
#ifndef CHAMPION_MAIL_GUARD_H
#define CHAMPION_MAIL_GUARD_H

#include "mail/inbound.h"

enum mail_guard_reason {
	MAIL_GUARD_OK,
	MAIL_GUARD_OWN_ADDRESS,
	MAIL_GUARD_BOUNCE,
	MAIL_GUARD_NULL_RETURN_PATH,
	MAIL_GUARD_AUTO_SUBMITTED,
	MAIL_GUARD_AUTO_REPLY_HEADER,
	MAIL_GUARD_PRECEDENCE,
	MAIL_GUARD_LIST,
	MAIL_GUARD_SUPPRESS,
	MAIL_GUARD_AUTO_SUBJECT,
	MAIL_GUARD_NO_SENDER,
};

enum mail_kind {
	MAIL_KIND_PERSON,
	MAIL_KIND_AUTOMATIC,
	MAIL_KIND_BULK,
	MAIL_KIND_BOUNCE,
};

struct mail_guard {
	bool auto_reply_allowed;
	enum mail_guard_reason reason; /* MAIL_GUARD_OK when allowed */
	enum mail_kind kind;
};

/*
 * Judges m. own[0..nown) are the desk's own addresses ("support@x.com",
 * any case, angle brackets and blanks ignored); own may be NULL when nown
 * is 0. Always fills out.
 */
void mail_guard_check(const struct mail_inbound *m, const char *const *own, size_t nown,
		      struct mail_guard *out);

/* Stable names, as listed above: "own-address", ..., "ok"; "person", ... */
const char *mail_guard_reason_name(enum mail_guard_reason r);
const char *mail_guard_kind_name(enum mail_kind k);

#endif
