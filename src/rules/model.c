/* model.c - names of the desk's enumerations. */
#include "util/common.h"
#include "rules/model.h"

static const char *const roles[] = {"admin", "agent", "engineer", "customer"};
static const char *const statuses[] = {"new", "open", "pending", "on_hold", "solved", "closed"};
static const char *const priorities[] = {"low", "normal", "high", "urgent"};
static const char *const channels[] = {"email", "web", "api", "cli", "portal", "phone"};
static const char *const msg_kinds[] = {"public", "internal"};
static const char *const link_kinds[] = {"related", "incident", "follow_up", "merged"};

static const char *name(const char *const *names, size_t n, int v)
{
	return v >= 0 && (size_t)v < n ? names[v] : "?";
}

static int parse(const char *const *names, size_t n, const char *s)
{
	if (!s)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

#define NAMED(prefix, table)                                                                      \
	int prefix##_parse(const char *s)                                                         \
	{                                                                                         \
		return parse(table, ARRAY_SIZE(table), s);                                        \
	}

NAMED(role, roles)
NAMED(status, statuses)
NAMED(priority, priorities)
NAMED(channel, channels)
NAMED(msg_kind, msg_kinds)
NAMED(link_kind, link_kinds)

const char *role_name(enum role r)
{
	return name(roles, ARRAY_SIZE(roles), (int)r);
}

const char *status_name(enum status s)
{
	return name(statuses, ARRAY_SIZE(statuses), (int)s);
}

const char *priority_name(enum priority p)
{
	return name(priorities, ARRAY_SIZE(priorities), (int)p);
}

const char *channel_name(enum channel c)
{
	return name(channels, ARRAY_SIZE(channels), (int)c);
}

const char *msg_kind_name(enum msg_kind k)
{
	return name(msg_kinds, ARRAY_SIZE(msg_kinds), (int)k);
}

const char *link_kind_name(enum link_kind k)
{
	return name(link_kinds, ARRAY_SIZE(link_kinds), (int)k);
}

const char *role_names(void)
{
	return "admin, agent, engineer, customer";
}

const char *status_names(void)
{
	return "new, open, pending, on_hold, solved, closed";
}

const char *priority_names(void)
{
	return "low, normal, high, urgent";
}

const char *channel_names(void)
{
	return "email, web, api, cli, portal, phone";
}

const char *link_kind_names(void)
{
	return "related, incident, follow_up, merged";
}
