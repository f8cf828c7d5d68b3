/*
 * status.h - the ticket status machine.
 *
 * Two kinds of move: a person setting a status (status_can_set), and what
 * a new message does to the ticket it lands on (status_on_message). Pure:
 * the desk feeds facts in and writes what comes out.
 *
 *  - new is only ever the first status: nothing moves back to it;
 *  - closed is final: nothing leaves it, and a message for a closed
 *    ticket starts a new ticket linked to it (follow_up);
 *  - closed is reached only from solved;
 *  - a public reply by an agent moves new to open (or to the status the
 *    agent chose), and sets first_response_at when it is unset (never
 *    moved by later edits);
 *  - a customer's message reopens a pending or solved ticket; an on_hold
 *    ticket stays on hold (it waits on a third party, not the customer);
 *  - internal notes never move a ticket by themselves;
 *  - an admin or agent may ask for a status with a message (a reply that
 *    solves, a note that puts on hold): any move status_can_set allows
 *    except to new; engineers and customers never ask. A public message
 *    on a closed ticket starts the follow-up whatever was asked.
 */
#ifndef CHAMPION_STATUS_H
#define CHAMPION_STATUS_H

#include "rules/model.h"

/* True when a person may move a ticket from one status to the other. */
bool status_can_set(enum status from, enum status to);

/* Why a message was refused, or RULE_OK. */
enum status_verdict {
	STATUS_OK,
	STATUS_FOLLOW_UP,       /* the ticket is closed: start a linked new ticket */
	STATUS_NOT_PUBLIC,      /* this role never writes to the customer */
	STATUS_NOT_INTERNAL,    /* customers do not write internal notes */
	STATUS_BAD_REQUESTED,   /* the status asked for is not reachable */
};

struct status_message {
	enum status current;
	enum role author;
	enum msg_kind kind;
	bool has_first_response; /* first_response_at already set */
	bool requested;          /* the author asked for a status ... */
	enum status request;     /* ... this one */
};

struct status_outcome {
	enum status next;
	bool sets_first_response; /* set first_response_at to the message's time */
	bool reopens;             /* solved -> open by the customer */
};

enum status_verdict status_on_message(const struct status_message *m, struct status_outcome *out);

/* A short human reason for a verdict. */
const char *status_verdict_reason(enum status_verdict v);

#endif
