/* perm.c - the role table. */
#include "util/common.h"
#include "rules/perm.h"

#define A(role) (1u << (role))
#define STAFF (A(ROLE_ADMIN) | A(ROLE_AGENT))

static const struct {
	const char *name;
	unsigned roles;
} actions[ACT__COUNT] = {
	[ACT_TICKET_CREATE] = {"create tickets", STAFF | A(ROLE_CUSTOMER)},
	[ACT_TICKET_CREATE_FOR] = {"create tickets for others", STAFF},
	[ACT_REPLY] = {"reply", STAFF | A(ROLE_CUSTOMER)},
	[ACT_NOTE] = {"write internal notes", STAFF | A(ROLE_ENGINEER)},
	[ACT_SET_FIELDS] = {"change ticket fields", STAFF},
	[ACT_MARK_SOLVED] = {"mark a request solved", STAFF | A(ROLE_CUSTOMER)},
	[ACT_FOLLOWERS] = {"change followers", STAFF},
	[ACT_MERGE] = {"merge tickets", STAFF},
	[ACT_LINK] = {"link tickets", STAFF},
	[ACT_SEE_INTERNAL] = {"see internal notes", STAFF | A(ROLE_ENGINEER)},
	[ACT_USER_LIST] = {"list users", STAFF | A(ROLE_ENGINEER)},
	[ACT_CUSTOMER_MANAGE] = {"manage customers", STAFF},
	[ACT_STAFF_MANAGE] = {"manage staff", A(ROLE_ADMIN)},
	[ACT_ORG_MANAGE] = {"manage organisations", A(ROLE_ADMIN)},
	[ACT_GROUP_MANAGE] = {"manage groups", A(ROLE_ADMIN)},
	[ACT_JOBS] = {"see and retry background jobs", A(ROLE_ADMIN)},
	[ACT_SLA_MANAGE] = {"manage calendars and SLA policies", A(ROLE_ADMIN)},
	[ACT_REPORTS] = {"read reports", STAFF},
	[ACT_VIEWS] = {"use views", STAFF | A(ROLE_ENGINEER)},
	[ACT_VIEWS_SHARED] = {"manage shared views", A(ROLE_ADMIN)},
};

bool perm_allows(enum role r, enum action a)
{
	if ((unsigned)r >= ROLE__COUNT || (unsigned)a >= ACT__COUNT)
		return false;
	return (actions[a].roles & A(r)) != 0;
}

bool perm_sees_every_ticket(enum role r)
{
	return r == ROLE_ADMIN || r == ROLE_AGENT;
}

bool perm_ticket_visible(enum role r, const struct ticket_access *t)
{
	if (perm_sees_every_ticket(r))
		return true;
	switch (r) {
	case ROLE_ADMIN:
	case ROLE_AGENT:
		break;
	case ROLE_ENGINEER:
		return t->assigned_to_me || t->in_my_group;
	case ROLE_CUSTOMER:
		return t->is_requester || t->is_follower || t->org_shared;
	case ROLE__COUNT:
		break;
	}
	return false;
}

const char *action_name(enum action a)
{
	return (unsigned)a < ACT__COUNT ? actions[a].name : "?";
}
