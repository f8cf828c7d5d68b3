/* status.c - the ticket status machine. */
#include "util/common.h"
#include "rules/status.h"

/* allowed[from][to]: moves a person may make by setting the status. */
static const bool allowed[STATUS__COUNT][STATUS__COUNT] = {
	/*                 new    open   pend   hold   solved closed */
	[STATUS_NEW] = {true, true, true, true, true, false},
	[STATUS_OPEN] = {false, true, true, true, true, false},
	[STATUS_PENDING] = {false, true, true, true, true, false},
	[STATUS_ON_HOLD] = {false, true, true, true, true, false},
	[STATUS_SOLVED] = {false, true, true, true, true, true},
	[STATUS_CLOSED] = {false, false, false, false, false, true},
};

bool status_can_set(enum status from, enum status to)
{
	if ((unsigned)from >= STATUS__COUNT || (unsigned)to >= STATUS__COUNT)
		return false;
	return allowed[from][to];
}

enum status_verdict status_on_message(const struct status_message *m, struct status_outcome *out)
{
	out->next = m->current;
	out->sets_first_response = false;
	out->reopens = false;

	if (m->kind == MSG_PUBLIC && m->author == ROLE_ENGINEER)
		return STATUS_NOT_PUBLIC;
	if (m->kind == MSG_INTERNAL && m->author == ROLE_CUSTOMER)
		return STATUS_NOT_INTERNAL;
	/* A public message never reopens a closed ticket: it starts another. */
	if (m->current == STATUS_CLOSED && m->kind == MSG_PUBLIC)
		return STATUS_FOLLOW_UP;
	/* Only those who answer customers choose a status with a message, within the machine. */
	if (m->requested && (!role_answers_customers(m->author) || m->request == STATUS_NEW ||
			     !status_can_set(m->current, m->request)))
		return STATUS_BAD_REQUESTED;
	if (m->kind == MSG_INTERNAL) {
		if (m->requested)
			out->next = m->request;
		return STATUS_OK;
	}
	if (role_answers_customers(m->author)) {
		out->sets_first_response = !m->has_first_response;
		if (m->requested)
			out->next = m->request;
		else if (m->current == STATUS_NEW)
			out->next = STATUS_OPEN;
		return STATUS_OK;
	}
	/* A customer wrote. */
	if (m->current == STATUS_PENDING || m->current == STATUS_SOLVED) {
		out->reopens = m->current == STATUS_SOLVED;
		out->next = STATUS_OPEN;
	}
	return STATUS_OK;
}

const char *status_verdict_reason(enum status_verdict v)
{
	switch (v) {
	case STATUS_OK:
		return "ok";
	case STATUS_FOLLOW_UP:
		return "the ticket is closed";
	case STATUS_NOT_PUBLIC:
		return "engineers write internal notes only, never to the customer";
	case STATUS_NOT_INTERNAL:
		return "customers cannot write internal notes";
	case STATUS_BAD_REQUESTED:
		return "that status cannot be set with this message";
	}
	return "?";
}
