/*
 * model.h - the desk's vocabulary: roles, statuses, priorities, channels,
 * message kinds and link kinds, with their stable names.
 *
 * The names are what the database stores, the API speaks and the CLI
 * prints; the enums are what the code switches on. Pure: no I/O.
 */
#ifndef CHAMPION_MODEL_H
#define CHAMPION_MODEL_H

#include "util/common.h"

enum role { ROLE_ADMIN, ROLE_AGENT, ROLE_ENGINEER, ROLE_CUSTOMER, ROLE__COUNT };

enum status {
	STATUS_NEW,
	STATUS_OPEN,
	STATUS_PENDING,
	STATUS_ON_HOLD,
	STATUS_SOLVED,
	STATUS_CLOSED,
	STATUS__COUNT
};

enum priority { PRIORITY_LOW, PRIORITY_NORMAL, PRIORITY_HIGH, PRIORITY_URGENT, PRIORITY__COUNT };

enum channel {
	CHANNEL_EMAIL,
	CHANNEL_WEB,
	CHANNEL_API,
	CHANNEL_CLI,
	CHANNEL_PORTAL,
	CHANNEL_PHONE,
	CHANNEL__COUNT
};

enum msg_kind { MSG_PUBLIC, MSG_INTERNAL, MSG__COUNT };

enum link_kind { LINK_RELATED, LINK_INCIDENT, LINK_FOLLOW_UP, LINK_MERGED, LINK__COUNT };

const char *role_name(enum role r);
const char *status_name(enum status s);
const char *priority_name(enum priority p);
const char *channel_name(enum channel c);
const char *msg_kind_name(enum msg_kind k);
const char *link_kind_name(enum link_kind k);

/* Name to enum value; -1 when s is not one of the names. */
int role_parse(const char *s);
int status_parse(const char *s);
int priority_parse(const char *s);
int channel_parse(const char *s);
int msg_kind_parse(const char *s);
int link_kind_parse(const char *s);

/* "low, normal, high, urgent": the names joined, for error messages. */
const char *role_names(void);
const char *status_names(void);
const char *priority_names(void);
const char *channel_names(void);
const char *link_kind_names(void);

/* Staff answer customers: admin and agent. Engineers are staff without replies. */
static inline bool role_is_staff(enum role r)
{
	return r == ROLE_ADMIN || r == ROLE_AGENT || r == ROLE_ENGINEER;
}

static inline bool role_answers_customers(enum role r)
{
	return r == ROLE_ADMIN || r == ROLE_AGENT;
}

#endif
