/*
 * test_sla.c - tests of src/rules/sla.c: policy matching, target parsing,
 * and the clock engine over histories worked out by hand (pauses, reopen,
 * next-reply cycles, business against calendar time, a priority change
 * mid-way, agent-opened tickets, breach at the due instant).
 */
#include "util/common.h"
#include "rules/sla.h"
#include "util/time.h"
#include "testlib.h"

#define MIN 60000LL
#define HOUR (60 * MIN)

static int64_t iso(const char *s)
{
	int64_t ms;
	if (time_parse_iso(s, &ms))
		fail_msg("bad instant '%s' in a test", s);
	return ms;
}

/* A history: up to 32 events. */
struct hist {
	struct sla_event ev[32];
	struct sla_input in;
	struct calendar cal;
	bool has_cal;
};

static void hist_init(struct hist *h, const char *created, enum priority p)
{
	memset(h, 0, sizeof(*h));
	sla_input_defaults(&h->in);
	h->in.created_at = iso(created);
	h->in.priority = p;
	h->in.events = h->ev;
}

static void add(struct hist *h, const char *at, enum sla_event_kind k, int value)
{
	assert_true(h->in.nevents < ARRAY_SIZE(h->ev));
	h->ev[h->in.nevents++] = (struct sla_event){iso(at), k, value};
}

/* Targets of one metric, every priority the same, minutes m. */
static void target(struct hist *h, enum sla_metric k, int m, bool business)
{
	for (int p = 0; p < PRIORITY__COUNT; p++)
		h->in.targets[k][p] = (struct sla_target){m, business};
}

/* Mon-Fri 09:00-17:00 UTC. */
static void office(struct hist *h)
{
	struct calendar_week w;
	struct err e = ERR_INIT;
	assert_int_equal(calendar_week_parse(&w, "mon-fri 09:00-17:00", &e), ERR_OK);
	assert_int_equal(calendar_init(&h->cal, "UTC", &w, NULL, 0, &e), ERR_OK);
	h->has_cal = true;
	h->in.calendar = &h->cal;
}

static void hist_release(struct hist *h)
{
	if (h->has_cal)
		calendar_release(&h->cal);
}

static struct sla_state at(struct hist *h, const char *now)
{
	struct sla_state s;
	sla_compute(&h->in, iso(now), &s);
	return s;
}

static void test_first_reply_calendar(void **state)
{
	(void)state;
	struct hist h;
	hist_init(&h, "2026-01-05T10:00:00Z", PRIORITY_NORMAL);
	target(&h, SLA_FIRST_REPLY, 60, false);
	add(&h, "2026-01-05T10:00:00Z", SLA_EV_CUSTOMER_MESSAGE, 0);

	struct sla_state s = at(&h, "2026-01-05T10:30:00Z");
	const struct sla_clock *c = &s.clock[SLA_FIRST_REPLY];
	assert_true(c->present && c->running && !c->paused);
	assert_int_equal(c->due_at, iso("2026-01-05T11:00:00Z"));
	assert_int_equal(c->warn_at, iso("2026-01-05T10:45:00Z"));
	assert_int_equal(c->elapsed_ms, 30 * MIN);
	assert_int_equal(c->breached_at, 0);
	assert_int_equal(s.next_due_at, iso("2026-01-05T11:00:00Z"));
	assert_int_equal(s.waiting_since, iso("2026-01-05T10:00:00Z"));
	assert_int_equal(sla_sort_key(&s), iso("2026-01-05T11:00:00Z"));
	/* Nothing but first reply has a target. */
	assert_false(s.clock[SLA_RESOLUTION].present);

	/* At the due instant it is breached, and stays so. */
	s = at(&h, "2026-01-05T11:00:00Z");
	assert_int_equal(s.clock[SLA_FIRST_REPLY].breached_at, iso("2026-01-05T11:00:00Z"));
	s = at(&h, "2026-01-08T11:00:00Z");
	assert_int_equal(s.clock[SLA_FIRST_REPLY].breached_at, iso("2026-01-05T11:00:00Z"));
	assert_int_equal(sla_sort_key(&s), iso("2026-01-05T11:00:00Z"));

	/* Answered exactly at the due time: met. */
	add(&h, "2026-01-05T11:00:00Z", SLA_EV_AGENT_REPLY, 0);
	add(&h, "2026-01-05T11:00:00Z", SLA_EV_STATUS, STATUS_PENDING);
	s = at(&h, "2026-01-06T00:00:00Z");
	c = &s.clock[SLA_FIRST_REPLY];
	assert_false(c->running);
	assert_int_equal(c->achieved_at, iso("2026-01-05T11:00:00Z"));
	assert_int_equal(c->breached_at, 0);
	assert_int_equal(c->breaches, 0);
	assert_int_equal(s.first_reply_at, iso("2026-01-05T11:00:00Z"));
	assert_int_equal(s.waiting_since, 0);
	assert_int_equal(s.next_due_at, SLA_NEVER);
	assert_int_equal(sla_sort_key(&s), SLA_KEY_IDLE);
	hist_release(&h);
}

static void test_first_reply_business(void **state)
{
	(void)state;
	struct hist h;
	/* Friday 16:00; 4 business hours: 1 on Friday, 3 on Monday -> 12:00. */
	hist_init(&h, "2026-01-09T16:00:00Z", PRIORITY_NORMAL);
	office(&h);
	target(&h, SLA_FIRST_REPLY, 240, true);
	struct sla_state s = at(&h, "2026-01-10T12:00:00Z");
	const struct sla_clock *c = &s.clock[SLA_FIRST_REPLY];
	assert_true(c->business);
	assert_int_equal(c->due_at, iso("2026-01-12T12:00:00Z"));
	assert_int_equal(c->warn_at, iso("2026-01-12T11:00:00Z"));
	assert_int_equal(c->elapsed_ms, HOUR);
	/* The same target in calendar time falls on Friday 20:00. */
	target(&h, SLA_FIRST_REPLY, 240, false);
	s = at(&h, "2026-01-10T12:00:00Z");
	assert_int_equal(s.clock[SLA_FIRST_REPLY].due_at, iso("2026-01-09T20:00:00Z"));
	assert_int_equal(s.clock[SLA_FIRST_REPLY].breached_at, iso("2026-01-09T20:00:00Z"));
	hist_release(&h);
}

static void test_agent_opened_has_no_first_reply(void **state)
{
	(void)state;
	struct hist h;
	hist_init(&h, "2026-01-05T10:00:00Z", PRIORITY_HIGH);
	h.in.opened_by_agent = true;
	target(&h, SLA_FIRST_REPLY, 60, false);
	target(&h, SLA_NEXT_REPLY, 60, false);
	add(&h, "2026-01-05T10:00:00Z", SLA_EV_AGENT_REPLY, 0);
	struct sla_state s = at(&h, "2026-01-06T10:00:00Z");
	assert_false(s.clock[SLA_FIRST_REPLY].present);
	assert_int_equal(s.clock[SLA_FIRST_REPLY].cycles, 0);
	assert_false(s.clock[SLA_NEXT_REPLY].present);
	assert_int_equal(s.waiting_since, 0);
	assert_int_equal(sla_sort_key(&s), SLA_KEY_IDLE);
	/* The customer answers: now a next reply is owed. */
	add(&h, "2026-01-06T10:00:00Z", SLA_EV_CUSTOMER_MESSAGE, 0);
	s = at(&h, "2026-01-06T10:10:00Z");
	assert_true(s.clock[SLA_NEXT_REPLY].running);
	assert_int_equal(s.clock[SLA_NEXT_REPLY].due_at, iso("2026-01-06T11:00:00Z"));
	assert_int_equal(s.waiting_since, iso("2026-01-06T10:00:00Z"));
	hist_release(&h);
}

static void test_next_reply_cycles(void **state)
{
	(void)state;
	struct hist h;
	hist_init(&h, "2026-01-05T10:00:00Z", PRIORITY_NORMAL);
	target(&h, SLA_NEXT_REPLY, 30, false);
	add(&h, "2026-01-05T10:00:00Z", SLA_EV_CUSTOMER_MESSAGE, 0);
	/* More customer messages before any agent reply start no next reply. */
	add(&h, "2026-01-05T10:05:00Z", SLA_EV_CUSTOMER_MESSAGE, 0);
	struct sla_state s = at(&h, "2026-01-05T10:10:00Z");
	assert_false(s.clock[SLA_NEXT_REPLY].present);
	add(&h, "2026-01-05T11:00:00Z", SLA_EV_AGENT_REPLY, 0);
	add(&h, "2026-01-05T11:00:00Z", SLA_EV_STATUS, STATUS_PENDING);
	/* Cycle 1: 12:00 -> answered 12:20 (met); the 12:10 message joins it. */
	add(&h, "2026-01-05T12:00:00Z", SLA_EV_CUSTOMER_MESSAGE, 0);
	add(&h, "2026-01-05T12:00:00Z", SLA_EV_STATUS, STATUS_OPEN);
	add(&h, "2026-01-05T12:10:00Z", SLA_EV_CUSTOMER_MESSAGE, 0);
	s = at(&h, "2026-01-05T12:15:00Z");
	assert_int_equal(s.clock[SLA_NEXT_REPLY].started_at, iso("2026-01-05T12:00:00Z"));
	assert_int_equal(s.clock[SLA_NEXT_REPLY].due_at, iso("2026-01-05T12:30:00Z"));
	assert_int_equal(s.waiting_since, iso("2026-01-05T12:00:00Z"));
	add(&h, "2026-01-05T12:20:00Z", SLA_EV_AGENT_REPLY, 0);
	/* Cycle 2: 13:00 -> answered 14:00 (breached at 13:30). */
	add(&h, "2026-01-05T13:00:00Z", SLA_EV_CUSTOMER_MESSAGE, 0);
	add(&h, "2026-01-05T14:00:00Z", SLA_EV_AGENT_REPLY, 0);
	s = at(&h, "2026-01-05T15:00:00Z");
	const struct sla_clock *c = &s.clock[SLA_NEXT_REPLY];
	assert_int_equal(c->cycles, 2);
	assert_int_equal(c->breaches, 1);
	assert_false(c->running);
	assert_int_equal(c->started_at, iso("2026-01-05T13:00:00Z"));
	assert_int_equal(c->achieved_at, iso("2026-01-05T14:00:00Z"));
	assert_int_equal(c->breached_at, iso("2026-01-05T13:30:00Z"));
	/* Cycle 3 runs. */
	add(&h, "2026-01-05T16:00:00Z", SLA_EV_CUSTOMER_MESSAGE, 0);
	s = at(&h, "2026-01-05T16:01:00Z");
	assert_int_equal(s.clock[SLA_NEXT_REPLY].cycles, 3);
	assert_true(s.clock[SLA_NEXT_REPLY].running);
	assert_int_equal(s.clock[SLA_NEXT_REPLY].breached_at, 0);
	/* Looking back at 12:15 still shows cycle 1: later events are ignored. */
	s = at(&h, "2026-01-05T12:15:00Z");
	assert_int_equal(s.clock[SLA_NEXT_REPLY].cycles, 1);
	hist_release(&h);
}

static void test_resolution_pauses_and_reopen(void **state)
{
	(void)state;
	struct hist h;
	hist_init(&h, "2026-01-05T10:00:00Z", PRIORITY_NORMAL);
	target(&h, SLA_RESOLUTION, 240, false);
	add(&h, "2026-01-05T10:00:00Z", SLA_EV_CUSTOMER_MESSAGE, 0);
	add(&h, "2026-01-05T11:00:00Z", SLA_EV_AGENT_REPLY, 0);
	add(&h, "2026-01-05T11:00:00Z", SLA_EV_STATUS, STATUS_PENDING);
	struct sla_state s = at(&h, "2026-01-05T12:00:00Z");
	const struct sla_clock *c = &s.clock[SLA_RESOLUTION];
	assert_true(c->paused);
	assert_int_equal(c->paused_since, iso("2026-01-05T11:00:00Z"));
	assert_int_equal(c->paused_ms, HOUR);
	assert_int_equal(c->due_at, SLA_NEVER);
	assert_int_equal(c->elapsed_ms, HOUR);
	assert_int_equal(s.next_due_at, SLA_NEVER);
	/* Pending -> on hold: still paused, since 11:00. */
	add(&h, "2026-01-05T13:00:00Z", SLA_EV_STATUS, STATUS_ON_HOLD);
	s = at(&h, "2026-01-05T13:30:00Z");
	assert_int_equal(s.clock[SLA_RESOLUTION].paused_since, iso("2026-01-05T11:00:00Z"));
	/* Open at 14:00: 1 h used, 3 h left -> due 17:00. */
	add(&h, "2026-01-05T14:00:00Z", SLA_EV_STATUS, STATUS_OPEN);
	s = at(&h, "2026-01-05T14:30:00Z");
	c = &s.clock[SLA_RESOLUTION];
	assert_false(c->paused);
	assert_int_equal(c->paused_ms, 3 * HOUR);
	assert_int_equal(c->due_at, iso("2026-01-05T17:00:00Z"));
	/* Solved at 15:00: achieved, 2 h used. */
	add(&h, "2026-01-05T15:00:00Z", SLA_EV_STATUS, STATUS_SOLVED);
	s = at(&h, "2026-01-06T10:00:00Z");
	c = &s.clock[SLA_RESOLUTION];
	assert_false(c->running);
	assert_int_equal(c->achieved_at, iso("2026-01-05T15:00:00Z"));
	assert_int_equal(c->elapsed_ms, 2 * HOUR);
	assert_int_equal(c->breached_at, 0);
	/* Reopened a day later: the solved day does not count; 2 h left. */
	add(&h, "2026-01-06T15:00:00Z", SLA_EV_CUSTOMER_MESSAGE, 0);
	add(&h, "2026-01-06T15:00:00Z", SLA_EV_STATUS, STATUS_OPEN);
	s = at(&h, "2026-01-06T15:30:00Z");
	c = &s.clock[SLA_RESOLUTION];
	assert_true(c->running);
	assert_int_equal(c->achieved_at, 0);
	assert_int_equal(c->due_at, iso("2026-01-06T17:00:00Z"));
	/* Breached at 17:00, solved at 18:00: one breach, counted once. */
	add(&h, "2026-01-06T18:00:00Z", SLA_EV_STATUS, STATUS_SOLVED);
	s = at(&h, "2026-01-07T00:00:00Z");
	c = &s.clock[SLA_RESOLUTION];
	assert_int_equal(c->achieved_at, iso("2026-01-06T18:00:00Z"));
	assert_int_equal(c->breached_at, iso("2026-01-06T17:00:00Z"));
	assert_int_equal(c->breaches, 1);
	hist_release(&h);
}

static void test_pause_is_configurable(void **state)
{
	(void)state;
	struct hist h;
	hist_init(&h, "2026-01-05T10:00:00Z", PRIORITY_NORMAL);
	target(&h, SLA_RESOLUTION, 120, false);
	h.in.pause[SLA_RESOLUTION] = 0; /* nothing pauses it */
	add(&h, "2026-01-05T10:30:00Z", SLA_EV_STATUS, STATUS_PENDING);
	struct sla_state s = at(&h, "2026-01-05T11:00:00Z");
	assert_false(s.clock[SLA_RESOLUTION].paused);
	assert_int_equal(s.clock[SLA_RESOLUTION].due_at, iso("2026-01-05T12:00:00Z"));
	/* Pausing first reply in pending moves its due time by the pause. */
	target(&h, SLA_FIRST_REPLY, 60, false);
	h.in.pause[SLA_FIRST_REPLY] = SLA_STATUS_BIT(STATUS_PENDING);
	add(&h, "2026-01-05T11:30:00Z", SLA_EV_STATUS, STATUS_OPEN);
	s = at(&h, "2026-01-05T11:40:00Z");
	assert_int_equal(s.clock[SLA_FIRST_REPLY].paused_ms, HOUR);
	assert_int_equal(s.clock[SLA_FIRST_REPLY].due_at, iso("2026-01-05T12:00:00Z"));
	hist_release(&h);
}

static void test_business_pause(void **state)
{
	(void)state;
	struct hist h;
	/* Monday 16:00, 8 business hours. Pending from 16:30 to Tuesday 10:00. */
	hist_init(&h, "2026-01-05T16:00:00Z", PRIORITY_NORMAL);
	office(&h);
	target(&h, SLA_RESOLUTION, 480, true);
	add(&h, "2026-01-05T16:30:00Z", SLA_EV_STATUS, STATUS_PENDING);
	add(&h, "2026-01-06T10:00:00Z", SLA_EV_STATUS, STATUS_OPEN);
	struct sla_state s = at(&h, "2026-01-06T10:00:00Z");
	const struct sla_clock *c = &s.clock[SLA_RESOLUTION];
	/* Paused: 16:30-17:00 and 09:00-10:00 are business time: 1.5 h. */
	assert_int_equal(c->paused_ms, 90 * MIN);
	assert_int_equal(c->elapsed_ms, 30 * MIN);
	/* 7.5 h left from Tuesday 10:00: 7 h Tuesday, 0.5 h Wednesday. */
	assert_int_equal(c->due_at, iso("2026-01-07T09:30:00Z"));
	hist_release(&h);
}

static void test_priority_change_midway(void **state)
{
	(void)state;
	struct hist h;
	hist_init(&h, "2026-01-05T10:00:00Z", PRIORITY_NORMAL);
	h.in.targets[SLA_FIRST_REPLY][PRIORITY_NORMAL] = (struct sla_target){240, false};
	h.in.targets[SLA_FIRST_REPLY][PRIORITY_URGENT] = (struct sla_target){60, false};
	struct sla_state s = at(&h, "2026-01-05T10:30:00Z");
	assert_int_equal(s.clock[SLA_FIRST_REPLY].due_at, iso("2026-01-05T14:00:00Z"));
	/* Raised to urgent at 10:30: due an hour from creation. */
	add(&h, "2026-01-05T10:30:00Z", SLA_EV_PRIORITY, PRIORITY_URGENT);
	s = at(&h, "2026-01-05T10:40:00Z");
	assert_int_equal(s.priority, PRIORITY_URGENT);
	assert_int_equal(s.clock[SLA_FIRST_REPLY].due_at, iso("2026-01-05T11:00:00Z"));
	assert_int_equal(s.clock[SLA_FIRST_REPLY].breached_at, 0);
	/* Raised at 12:00 instead: breached at once, at 11:00. */
	h.ev[0].at = iso("2026-01-05T12:00:00Z");
	s = at(&h, "2026-01-05T12:00:00Z");
	assert_int_equal(s.clock[SLA_FIRST_REPLY].breached_at, iso("2026-01-05T11:00:00Z"));
	/* A priority without a target: no clock. */
	h.ev[0].value = PRIORITY_LOW;
	s = at(&h, "2026-01-05T12:00:00Z");
	assert_false(s.clock[SLA_FIRST_REPLY].present);
	assert_int_equal(s.next_due_at, SLA_NEVER);
	assert_int_equal(sla_sort_key(&s), SLA_KEY_WAIT + iso("2026-01-05T10:00:00Z"));
	hist_release(&h);
}

static void test_solve_cancels_reply_clocks(void **state)
{
	(void)state;
	struct hist h;
	hist_init(&h, "2026-01-05T10:00:00Z", PRIORITY_NORMAL);
	target(&h, SLA_FIRST_REPLY, 60, false);
	add(&h, "2026-01-05T10:30:00Z", SLA_EV_STATUS, STATUS_SOLVED);
	struct sla_state s = at(&h, "2026-01-05T12:00:00Z");
	const struct sla_clock *c = &s.clock[SLA_FIRST_REPLY];
	assert_true(c->present);
	assert_false(c->running);
	assert_int_equal(c->achieved_at, 0);
	assert_int_equal(c->ended_at, iso("2026-01-05T10:30:00Z"));
	assert_int_equal(c->breached_at, 0);
	assert_int_equal(c->due_at, SLA_NEVER);
	assert_int_equal(s.first_reply_at, 0);
	/* Solved after the due time: the breach stays. */
	h.ev[0].at = iso("2026-01-05T11:30:00Z");
	s = at(&h, "2026-01-05T12:00:00Z");
	assert_int_equal(s.clock[SLA_FIRST_REPLY].breached_at, iso("2026-01-05T11:00:00Z"));
	hist_release(&h);
}

static void test_periodic_update(void **state)
{
	(void)state;
	struct hist h;
	hist_init(&h, "2026-01-05T10:00:00Z", PRIORITY_NORMAL);
	target(&h, SLA_PERIODIC_UPDATE, 120, false);
	add(&h, "2026-01-05T10:00:00Z", SLA_EV_CUSTOMER_MESSAGE, 0);
	struct sla_state s = at(&h, "2026-01-05T11:00:00Z");
	assert_false(s.clock[SLA_PERIODIC_UPDATE].present);
	add(&h, "2026-01-05T11:00:00Z", SLA_EV_AGENT_REPLY, 0);
	add(&h, "2026-01-05T11:00:00Z", SLA_EV_STATUS, STATUS_ON_HOLD);
	s = at(&h, "2026-01-05T12:00:00Z");
	assert_int_equal(s.clock[SLA_PERIODIC_UPDATE].due_at, iso("2026-01-05T13:00:00Z"));
	/* Nothing the customer wrote is unanswered: no wait. */
	assert_int_equal(s.waiting_since, 0);
	add(&h, "2026-01-05T12:30:00Z", SLA_EV_AGENT_REPLY, 0);
	s = at(&h, "2026-01-05T12:40:00Z");
	assert_int_equal(s.clock[SLA_PERIODIC_UPDATE].cycles, 2);
	assert_int_equal(s.clock[SLA_PERIODIC_UPDATE].due_at, iso("2026-01-05T14:30:00Z"));
	hist_release(&h);
}

static void test_targets_parse(void **state)
{
	(void)state;
	int m[PRIORITY__COUNT];
	struct err e = ERR_INIT;

	assert_int_equal(sla_targets_parse("normal=4h,urgent=1h", m, &e), ERR_OK);
	assert_int_equal(m[PRIORITY_NORMAL], 240);
	assert_int_equal(m[PRIORITY_URGENT], 60);
	assert_int_equal(m[PRIORITY_LOW], 0);
	assert_int_equal(sla_targets_parse("all=2d, high=90m", m, &e), ERR_OK);
	assert_int_equal(m[PRIORITY_LOW], 2880);
	assert_int_equal(m[PRIORITY_HIGH], 90);
	static const char *const bad[] = {"", "normal", "normal=", "normal=4", "normal=4x",
					  "normal=h", "hi=4h", "normal=0m", "normal=4h,,",
					  "normal=400d", "normal=-4h"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (sla_targets_parse(bad[i], m, &e) != ERR_INVALID)
			fail_msg("'%s' parsed", bad[i]);
	unsigned mask;
	assert_int_equal(sla_pause_parse("pending,on_hold", &mask, &e), ERR_OK);
	assert_int_equal(mask, SLA_STATUS_BIT(STATUS_PENDING) | SLA_STATUS_BIT(STATUS_ON_HOLD));
	assert_int_equal(sla_pause_parse("none", &mask, &e), ERR_OK);
	assert_int_equal(mask, 0);
	assert_int_equal(sla_pause_parse("open", &mask, &e), ERR_INVALID);
	assert_int_equal(sla_actions_parse("notify,assign-lead", true, &mask, &e), ERR_OK);
	assert_int_equal(mask, SLA_ACT_NOTIFY | SLA_ACT_ASSIGN_LEAD);
	assert_string_equal(sla_actions_name(mask), "notify,assign-lead");
	assert_int_equal(sla_actions_parse("assign-lead", true, &mask, &e), ERR_OK);
	assert_string_equal(sla_actions_name(mask), "assign-lead");
	assert_int_equal(sla_actions_parse("none", true, &mask, &e), ERR_OK);
	assert_int_equal(mask, 0);
	assert_string_equal(sla_actions_name(mask), "");
	assert_int_equal(sla_actions_parse("assign-lead", false, &mask, &e), ERR_INVALID);
	assert_int_equal(sla_actions_parse("notify,page", true, &mask, &e), ERR_INVALID);
	assert_int_equal(sla_actions_parse("notify,", true, &mask, &e), ERR_OK);
	assert_int_equal(mask, SLA_ACT_NOTIFY);
	assert_int_equal(sla_metric_parse("next_reply"), SLA_NEXT_REPLY);
	assert_string_equal(sla_metric_name(SLA_RESOLUTION), "resolution");
	assert_int_equal(sla_metric_parse("nope"), -1);
}

static void test_policy_match(void **state)
{
	(void)state;
	const char *tags[] = {"billing", "vip"};
	struct sla_ticket_facts t = {.priority = PRIORITY_URGENT, .group_id = 3,
				     .organisation_id = 7, .channel = CHANNEL_EMAIL,
				     .requester_role = ROLE_CUSTOMER, .tags = tags, .ntags = 2};
	struct sla_conditions any = {.priority = -1, .channel = -1, .requester_role = -1};
	struct sla_conditions p[4] = {any, any, any, any};

	p[0].tag = "enterprise";
	p[1].priority = PRIORITY_URGENT;
	p[1].group_id = 4;
	p[2].priority = PRIORITY_URGENT;
	p[2].tag = "vip";
	p[2].channel = CHANNEL_EMAIL;
	assert_int_equal(sla_policy_match(p, 4, &t), 2);
	assert_int_equal(sla_policy_match(p, 2, &t), -1);
	t.group_id = 4;
	assert_int_equal(sla_policy_match(p, 4, &t), 1);
	p[3].requester_role = ROLE_AGENT;
	p[3].organisation_id = 7;
	t.priority = PRIORITY_LOW;
	assert_int_equal(sla_policy_match(p, 4, &t), -1);
	t.requester_role = ROLE_AGENT;
	assert_int_equal(sla_policy_match(p, 4, &t), 3);
	assert_int_equal(sla_policy_match(&any, 1, &t), 0);
}

static void test_sort_key_order(void **state)
{
	(void)state;
	struct sla_state breached = {.next_due_at = iso("2026-01-01T00:00:00Z")};
	struct sla_state due = {.next_due_at = iso("2026-02-01T00:00:00Z")};
	struct sla_state wait = {.next_due_at = SLA_NEVER,
				 .waiting_since = iso("2025-01-01T00:00:00Z")};
	struct sla_state idle = {.next_due_at = SLA_NEVER};

	assert_true(sla_sort_key(&breached) < sla_sort_key(&due));
	assert_true(sla_sort_key(&due) < sla_sort_key(&wait));
	assert_true(sla_sort_key(&wait) < sla_sort_key(&idle));
	/* Far dates stay inside their band. */
	due.next_due_at = CALENDAR_MAX_MS - 1;
	assert_true(sla_sort_key(&due) < SLA_KEY_WAIT);
	wait.waiting_since = CALENDAR_MAX_MS - 1;
	assert_true(sla_sort_key(&wait) < SLA_KEY_IDLE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_reply_calendar),
		cmocka_unit_test(test_first_reply_business),
		cmocka_unit_test(test_agent_opened_has_no_first_reply),
		cmocka_unit_test(test_next_reply_cycles),
		cmocka_unit_test(test_resolution_pauses_and_reopen),
		cmocka_unit_test(test_pause_is_configurable),
		cmocka_unit_test(test_business_pause),
		cmocka_unit_test(test_priority_change_midway),
		cmocka_unit_test(test_solve_cancels_reply_clocks),
		cmocka_unit_test(test_periodic_update),
		cmocka_unit_test(test_targets_parse),
		cmocka_unit_test(test_policy_match),
		cmocka_unit_test(test_sort_key_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
