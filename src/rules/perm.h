/*
 * perm.h - who may see and do what: the role table.
 *
 *  admin     everything;
 *  agent     every ticket, every ticket action, customers; no settings
 *            (staff users, organisations, groups);
 *  engineer  a light seat: only tickets assigned to them or to one of
 *            their groups, internal notes only, no field changes;
 *  customer  their own tickets, tickets they follow, and their
 *            organisation's when it shares tickets; they create tickets
 *            for themselves and reply publicly.
 *
 * A ticket the actor may not see is reported as not found, never as
 * forbidden, so ids leak nothing; the desk does that mapping. Pure.
 */
#ifndef CHAMPION_PERM_H
#define CHAMPION_PERM_H

#include "rules/model.h"

enum action {
	ACT_TICKET_CREATE,     /* a ticket for oneself */
	ACT_TICKET_CREATE_FOR, /* a ticket on someone else's behalf */
	ACT_REPLY,             /* public message */
	ACT_NOTE,              /* internal note */
	ACT_SET_FIELDS,        /* status, priority, assignee, group, tags */
	ACT_MARK_SOLVED,       /* set a ticket one sees to solved, and change nothing else */
	ACT_FOLLOWERS,
	ACT_MERGE,
	ACT_LINK,
	ACT_SEE_INTERNAL,      /* read internal notes and the event log */
	ACT_USER_LIST,
	ACT_CUSTOMER_MANAGE,   /* add and edit customers */
	ACT_STAFF_MANAGE,      /* add and edit admins, agents, engineers */
	ACT_ORG_MANAGE,
	ACT_GROUP_MANAGE,
	ACT_JOBS,              /* see and retry the desk's background work */
	ACT_SLA_MANAGE,        /* calendars and SLA policies */
	ACT_REPORTS,           /* the desk's measures */
	ACT_VIEWS,             /* saved views: read them, keep personal ones */
	ACT_VIEWS_SHARED,      /* add, change and remove the desk's shared views */
	ACT__COUNT
};

/* What relates the actor to one ticket. */
struct ticket_access {
	bool is_requester;
	bool is_follower;
	bool org_shared;     /* same organisation, and it shares tickets */
	bool assigned_to_me;
	bool in_my_group;
};

bool perm_allows(enum role r, enum action a);
/* Whether r sees every ticket whatever its access (staff who work the queue). */
bool perm_sees_every_ticket(enum role r);
bool perm_ticket_visible(enum role r, const struct ticket_access *t);
const char *action_name(enum action a);

#endif
