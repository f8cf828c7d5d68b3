/*
 * sla.h - SLA policies and clocks: which policy applies to a ticket, and
 * what each of its clocks says at an instant, computed from the ticket's
 * history alone.
 *
 * The clocks are a function of (policy targets, calendar, events, now):
 * the desk feeds the ticket's events in order after every change, and the
 * recompute command feeds the same events, so there is one answer.
 *
 * Metrics and their cycles (a cycle runs from a start to an end):
 *   first_reply      creation to the first public agent reply; none for a
 *                    ticket opened by an agent for the customer.
 *   next_reply       each customer public message that follows an agent's
 *                    public reply (the first unanswered one when several
 *                    arrive) to the next public agent reply.
 *   periodic_update  each public agent reply to the next one, while the
 *                    ticket is not solved.
 *   resolution       creation to the solve; a reopen resumes the same
 *                    cycle (the time spent solved does not count).
 * Solving ends a running first_reply, next_reply or periodic_update cycle
 * unachieved ("cancelled": it has no due time any more, but a breach that
 * already happened stays).
 *
 * Pausing: while the ticket is in a status of the metric's pause set, the
 * cycle's clock stands still (pause_ms grows, due_at is SLA_NEVER). The
 * defaults: resolution pauses in pending and on_hold, periodic_update in
 * pending, the reply metrics never.
 *
 * Targets: a cycle's target is the policy's target for the priority the
 * ticket has at the cycle's end (or at now while it runs): raising the
 * priority mid-way moves the due time earlier, measured from the start.
 * Each target counts business time on the policy's calendar or calendar
 * time. A cycle is breached when its target is reached before its end:
 * breached_at is that instant (its due time); achieved exactly at the due
 * time is met.
 *
 * Pure: no I/O, no globals, no allocation.
 */
#ifndef CHAMPION_SLA_H
#define CHAMPION_SLA_H

#include "rules/calendar.h"
#include "rules/model.h"
#include "util/err.h"

#define SLA_NEVER INT64_MAX /* no due time: paused, or no target */
#define SLA_WARN_PERCENT 75 /* warnings at this share of a target, by default */
#define SLA_TARGET_MAX_MINUTES (366 * 24 * 60)

enum sla_metric {
	SLA_FIRST_REPLY,
	SLA_NEXT_REPLY,
	SLA_PERIODIC_UPDATE,
	SLA_RESOLUTION,
	SLA_METRIC__COUNT
};

/* "first_reply", "next_reply", "periodic_update", "resolution"; "?" otherwise. */
const char *sla_metric_name(enum sla_metric m);
/* The metric of a name, or -1. */
int sla_metric_parse(const char *s);

/* A target: minutes (0: none) of business or calendar time. */
struct sla_target {
	int minutes;
	bool business;
};

/* What a policy asks of a ticket; -1 or 0 (ids) or NULL: any. */
struct sla_conditions {
	int priority;
	int64_t group_id;
	int64_t organisation_id;
	const char *tag;
	int channel;
	int requester_role;
};

/* The facts about a ticket that policies match on. */
struct sla_ticket_facts {
	enum priority priority;
	int64_t group_id, organisation_id;
	enum channel channel;
	enum role requester_role;
	const char *const *tags;
	size_t ntags;
};

/* True when the ticket meets every condition set in c. */
bool sla_conditions_match(const struct sla_conditions *c, const struct sla_ticket_facts *t);

/*
 * The policy that applies: the first of n (in their order) whose
 * conditions match, as its index; -1 when none does.
 */
int sla_policy_match(const struct sla_conditions *policies, size_t n,
		     const struct sla_ticket_facts *t);

/*
 * Parses targets "normal=4h,urgent=1h,low=2d,high=90m" (all=8h sets
 * every priority first, later entries override) into minutes[priority]
 * (0 for a priority not named). Units: m, h, d (24 hours of the measure).
 * ERR_INVALID naming the bad entry.
 */
enum err_code sla_targets_parse(const char *text, int minutes[PRIORITY__COUNT], struct err *e);

/* A status set as a bit mask: 1u << status. */
#define SLA_STATUS_BIT(s) (1u << (unsigned)(s))
/* Parses "pending,on_hold" (or "" or "none": no status) into a mask. */
enum err_code sla_pause_parse(const char *text, unsigned *mask, struct err *e);

/*
 * What a warning or a breach does besides recording its event (a
 * policy's on_warn and on_breach). Raising the priority is the policy's
 * escalate_to, apart.
 */
#define SLA_ACT_NOTIFY 1u      /* "notify": mail the assignee, else the group's members */
#define SLA_ACT_ASSIGN_LEAD 2u /* "assign-lead": give the ticket to its group's lead */
/*
 * Parses "notify,assign-lead" ("" or "none": nothing) into a mask of
 * SLA_ACT_*; at a warning (breach false) only notify is allowed.
 * ERR_INVALID naming the bad entry.
 */
enum err_code sla_actions_parse(const char *text, bool breach, unsigned *mask, struct err *e);
/* The mask as text, in a fixed order: "notify,assign-lead", "notify", "assign-lead" or "". */
const char *sla_actions_name(unsigned mask);

/* A ticket's history as the clocks read it. */
enum sla_event_kind {
	SLA_EV_STATUS,           /* value: the new status */
	SLA_EV_PRIORITY,         /* value: the new priority */
	SLA_EV_AGENT_REPLY,      /* a public message by an admin or agent */
	SLA_EV_CUSTOMER_MESSAGE, /* a public message by anyone else */
};

struct sla_event {
	int64_t at;
	enum sla_event_kind kind;
	int value;
};

struct sla_input {
	int64_t created_at;
	enum priority priority; /* at creation */
	bool opened_by_agent;   /* no first reply is owed */
	const struct sla_event *events; /* after the creation, in order */
	size_t nevents;
	/* Per metric and priority; minutes 0: the metric is not measured. */
	struct sla_target targets[SLA_METRIC__COUNT][PRIORITY__COUNT];
	unsigned pause[SLA_METRIC__COUNT]; /* status masks; see sla_input_defaults */
	int warn_percent;                  /* 1..99; 0: SLA_WARN_PERCENT */
	const struct calendar *calendar;   /* for business targets; NULL: calendar time */
};

/* Zeroes in and sets the default pause sets and warning share. */
void sla_input_defaults(struct sla_input *in);

/* One metric's latest cycle at the instant asked. */
struct sla_clock {
	bool present;        /* the metric has a target and a cycle has started */
	bool running;        /* neither achieved nor cancelled */
	bool paused;         /* running, and standing still now */
	int cycles;          /* cycles so far (next_reply, periodic_update count up) */
	int breaches;        /* cycles breached so far */
	int64_t started_at;
	int64_t target_ms;   /* of business or calendar time */
	bool business;
	int64_t due_at;      /* SLA_NEVER when paused or ended unbreached */
	int64_t warn_at;     /* SLA_NEVER likewise, or past a warning share it cannot reach */
	int64_t paused_ms;   /* of the measure, in this cycle up to its end or now */
	int64_t paused_since;/* 0 unless paused */
	int64_t achieved_at; /* 0 unless achieved */
	int64_t ended_at;    /* achieved or cancelled: when; 0 while running */
	int64_t breached_at; /* the due time when it passed before the end; 0 otherwise */
	int64_t elapsed_ms;  /* measured time in the cycle, pauses left out, to its end or now */
};

struct sla_state {
	struct sla_clock clock[SLA_METRIC__COUNT];
	enum status status;     /* at now */
	enum priority priority; /* at now */
	int64_t first_reply_at; /* the first public agent reply, 0 when none */
	int64_t waiting_since;  /* the customer waits on us since then; 0 when not */
	int64_t next_due_at;    /* the earliest due_at of a running clock; SLA_NEVER when none */
};

/*
 * The clocks at now from the history in in (events after now are
 * ignored). Instants out of the calendar's range count as closed.
 */
void sla_compute(const struct sla_input *in, int64_t now, struct sla_state *out);

/*
 * The queue's sort key (ascending = most urgent first): the earliest due
 * time of a running clock - an overdue one is a breach, so breached
 * tickets come first, oldest breach first, then the soonest due; then,
 * for tickets without a running target, SLA_KEY_WAIT + waiting_since
 * (longest wait first); then SLA_KEY_IDLE for tickets nobody waits on.
 */
#define SLA_KEY_WAIT 10000000000000LL /* past every due time of the calendar's range */
#define SLA_KEY_IDLE 30000000000000LL
int64_t sla_sort_key(const struct sla_state *s);

#endif
