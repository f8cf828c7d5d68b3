/* sla.c - SLA policy matching and the clock engine over a ticket's events. */
#include "util/common.h"
#include "rules/sla.h"

static const char *const metric_names[] = {
	[SLA_FIRST_REPLY] = "first_reply",
	[SLA_NEXT_REPLY] = "next_reply",
	[SLA_PERIODIC_UPDATE] = "periodic_update",
	[SLA_RESOLUTION] = "resolution",
};

const char *sla_metric_name(enum sla_metric m)
{
	return (unsigned)m < SLA_METRIC__COUNT ? metric_names[m] : "?";
}

int sla_metric_parse(const char *s)
{
	for (int i = 0; s && i < SLA_METRIC__COUNT; i++)
		if (strcmp(s, metric_names[i]) == 0)
			return i;
	return -1;
}

bool sla_conditions_match(const struct sla_conditions *c, const struct sla_ticket_facts *t)
{
	if (c->priority >= 0 && (enum priority)c->priority != t->priority)
		return false;
	if (c->group_id && c->group_id != t->group_id)
		return false;
	if (c->organisation_id && c->organisation_id != t->organisation_id)
		return false;
	if (c->channel >= 0 && (enum channel)c->channel != t->channel)
		return false;
	if (c->requester_role >= 0 && (enum role)c->requester_role != t->requester_role)
		return false;
	if (c->tag) {
		size_t i;
		for (i = 0; i < t->ntags; i++)
			if (strcmp(t->tags[i], c->tag) == 0)
				break;
		if (i == t->ntags)
			return false;
	}
	return true;
}

int sla_policy_match(const struct sla_conditions *policies, size_t n,
		     const struct sla_ticket_facts *t)
{
	for (size_t i = 0; i < n && i < INT_MAX; i++)
		if (sla_conditions_match(&policies[i], t))
			return (int)i;
	return -1;
}

/* One "name=amount" entry of a target list; len bytes of s. */
static enum err_code parse_target(const char *s, size_t len, int minutes[PRIORITY__COUNT],
				  struct err *e)
{
	const char *eq = memchr(s, '=', len);
	char name[16];
	int64_t amount = 0, unit;
	size_t i, nlen;

	if (!eq || eq == s || (nlen = (size_t)(eq - s)) >= sizeof(name))
		return err_set(e, ERR_INVALID, "target '%.*s' is not PRIORITY=AMOUNT (normal=4h)",
			       (int)len, s);
	memcpy(name, s, nlen);
	name[nlen] = '\0';
	i = (size_t)(eq - s) + 1;
	if (i >= len || len - i < 2)
		return err_set(e, ERR_INVALID, "target '%.*s' wants an amount with a unit (30m, "
			       "4h, 2d)", (int)len, s);
	for (; i + 1 < len; i++) {
		if (s[i] < '0' || s[i] > '9' || amount > SLA_TARGET_MAX_MINUTES)
			return err_set(e, ERR_INVALID, "target '%.*s' wants a whole number before "
				       "its unit", (int)len, s);
		amount = amount * 10 + (s[i] - '0');
	}
	switch (s[len - 1]) {
	case 'm':
		unit = 1;
		break;
	case 'h':
		unit = 60;
		break;
	case 'd':
		unit = 1440;
		break;
	default:
		return err_set(e, ERR_INVALID, "target '%.*s': the unit is m, h or d", (int)len, s);
	}
	amount *= unit;
	if (amount < 1 || amount > SLA_TARGET_MAX_MINUTES)
		return err_set(e, ERR_INVALID, "target '%.*s' is not between 1 minute and 366 days",
			       (int)len, s);
	if (strcmp(name, "all") == 0) {
		for (int p = 0; p < PRIORITY__COUNT; p++)
			minutes[p] = (int)amount;
		return ERR_OK;
	}
	int p = priority_parse(name);
	if (p < 0)
		return err_set(e, ERR_INVALID, "target '%.*s': '%s' is not all or one of %s",
			       (int)len, s, name, priority_names());
	minutes[p] = (int)amount;
	return ERR_OK;
}

enum err_code sla_targets_parse(const char *text, int minutes[PRIORITY__COUNT], struct err *e)
{
	const char *s = text;

	for (int p = 0; p < PRIORITY__COUNT; p++)
		minutes[p] = 0;
	if (!text || !*text)
		return err_set(e, ERR_INVALID, "targets are empty; give PRIORITY=AMOUNT,... "
			       "(normal=4h,urgent=1h)");
	while (*s) {
		size_t len = strcspn(s, ",");
		enum err_code rc;

		while (len && *s == ' ')
			s++, len--;
		while (len && s[len - 1] == ' ')
			len--;
		if (!len)
			return err_set(e, ERR_INVALID, "targets '%s' have an empty entry", text);
		if ((rc = parse_target(s, len, minutes, e)))
			return rc;
		s += strcspn(s, ",");
		if (*s == ',')
			s++;
	}
	return ERR_OK;
}

enum err_code sla_pause_parse(const char *text, unsigned *mask, struct err *e)
{
	const char *s = text;

	*mask = 0;
	if (!text || !*text || strcmp(text, "none") == 0)
		return ERR_OK;
	while (*s) {
		size_t len = strcspn(s, ",");
		char name[16];
		int st;

		if (len == 0 || len >= sizeof(name))
			return err_set(e, ERR_INVALID, "pause statuses '%s' are not a list like "
				       "pending,on_hold", text);
		memcpy(name, s, len);
		name[len] = '\0';
		st = status_parse(name);
		if (st < 0 || st == STATUS_NEW || st == STATUS_OPEN || st == STATUS_SOLVED ||
		    st == STATUS_CLOSED)
			return err_set(e, ERR_INVALID, "'%s' cannot pause a clock: pending and "
				       "on_hold can", name);
		*mask |= SLA_STATUS_BIT(st);
		s += len;
		if (*s == ',')
			s++;
	}
	return ERR_OK;
}

enum err_code sla_actions_parse(const char *text, bool breach, unsigned *mask, struct err *e)
{
	const char *s = text;

	*mask = 0;
	if (!text || !*text || strcmp(text, "none") == 0)
		return ERR_OK;
	while (*s) {
		size_t len = strcspn(s, ",");
		if (len == 6 && strncmp(s, "notify", len) == 0)
			*mask |= SLA_ACT_NOTIFY;
		else if (len == 11 && strncmp(s, "assign-lead", len) == 0 && breach)
			*mask |= SLA_ACT_ASSIGN_LEAD;
		else if (len == 11 && strncmp(s, "assign-lead", len) == 0)
			return err_set(e, ERR_INVALID, "a warning can only notify: assign-lead is "
				       "for breaches");
		else
			return err_set(e, ERR_INVALID, "'%.*s' is not an action: %s", (int)(len > 40 ? 40 : len),
				       s, breach ? "notify, assign-lead or none" : "notify or none");
		s += len;
		if (*s == ',')
			s++;
	}
	return ERR_OK;
}

const char *sla_actions_name(unsigned mask)
{
	static const char *const names[] = {"", "notify", "assign-lead", "notify,assign-lead"};
	return names[mask & 3u];
}

void sla_input_defaults(struct sla_input *in)
{
	memset(in, 0, sizeof(*in));
	in->pause[SLA_RESOLUTION] = SLA_STATUS_BIT(STATUS_PENDING) | SLA_STATUS_BIT(STATUS_ON_HOLD);
	in->pause[SLA_PERIODIC_UPDATE] = SLA_STATUS_BIT(STATUS_PENDING);
	in->warn_percent = SLA_WARN_PERCENT;
}

/* --- measuring: business or calendar time ------------------------------------- */

struct measure {
	const struct calendar *cal; /* NULL: calendar time */
};

static int64_t measure_between(const struct measure *m, int64_t a, int64_t b)
{
	return m->cal ? calendar_business_ms(m->cal, a, b) : b - a;
}

static int64_t measure_add(const struct measure *m, int64_t from, int64_t ms)
{
	if (m->cal)
		return calendar_add_ms(m->cal, from, ms);
	return from > SLA_NEVER - ms ? SLA_NEVER : from + ms;
}

/* A cycle being walked: where it began in the history. */
struct cycle {
	bool on;            /* running */
	bool started;
	int64_t start;
	size_t idx;         /* the first event after its start */
	enum status status; /* the ticket's status at its start */
};

/* What a cycle's span [from, to] holds, for one metric. */
struct span {
	int64_t active;       /* measured, pauses left out */
	int64_t paused;       /* measured while paused */
	int64_t pause_start;  /* when the pause in force at to began; 0: none */
	int64_t reach;        /* when active time reached the target; 0: not by to */
	int64_t reach_warn;   /* the same for the warning share */
};

static void span_walk(const struct sla_input *in, const struct measure *ms, unsigned mask,
		      const struct cycle *c, int64_t to, int64_t target, int64_t warn,
		      struct span *o)
{
	enum status st = c->status;
	int64_t a = c->start;
	size_t i = c->idx;

	memset(o, 0, sizeof(*o));
	if (mask & SLA_STATUS_BIT(st))
		o->pause_start = a;
	for (;;) {
		int64_t b = to;
		/* The next status change inside the span ends this segment. */
		while (i < in->nevents && in->events[i].at <= to && in->events[i].kind != SLA_EV_STATUS)
			i++;
		bool more = i < in->nevents && in->events[i].at <= to;
		if (more)
			b = in->events[i].at;
		if (b > a) {
			int64_t m = measure_between(ms, a, b);
			if (mask & SLA_STATUS_BIT(st)) {
				o->paused += m;
			} else {
				if (!o->reach_warn && o->active + m >= warn)
					o->reach_warn = measure_add(ms, a, warn - o->active);
				if (!o->reach && o->active + m >= target)
					o->reach = measure_add(ms, a, target - o->active);
				o->active += m;
			}
		}
		if (!more)
			break;
		enum status next = (enum status)in->events[i].value;
		bool was = (mask & SLA_STATUS_BIT(st)) != 0, is = (mask & SLA_STATUS_BIT(next)) != 0;
		if (is && !was)
			o->pause_start = b;
		else if (!is)
			o->pause_start = 0;
		st = next;
		a = b > a ? b : a;
		i++;
	}
}

/* The pause set a metric's cycles use: solved time never counts for resolution. */
static unsigned mask_of(const struct sla_input *in, enum sla_metric m)
{
	unsigned mask = in->pause[m] & ~(SLA_STATUS_BIT(STATUS_NEW) | SLA_STATUS_BIT(STATUS_OPEN));
	if (m == SLA_RESOLUTION)
		mask |= SLA_STATUS_BIT(STATUS_SOLVED) | SLA_STATUS_BIT(STATUS_CLOSED);
	return mask;
}

/*
 * Fills clock k from cycle c, ended at end (achieved when achieved, else
 * cancelled) or running at now (end 0), with the targets of priority p.
 */
static void settle(const struct sla_input *in, enum sla_metric k, const struct cycle *c,
		   int64_t end, bool achieved, int64_t now, enum priority p, struct sla_clock *clk)
{
	const struct sla_target *t = &in->targets[k][p];
	struct measure ms = {t->business ? in->calendar : NULL};
	int64_t to = end ? end : now, target, warn;
	int pct = in->warn_percent > 0 && in->warn_percent < 100 ? in->warn_percent
								  : SLA_WARN_PERCENT;
	struct span s;
	int cycles = clk->cycles, breaches = clk->breaches;

	memset(clk, 0, sizeof(*clk));
	clk->cycles = cycles;
	clk->breaches = breaches;
	if (t->minutes <= 0)
		return;
	target = (int64_t)t->minutes * 60000;
	warn = target * pct / 100;
	if (warn < 1)
		warn = 1;
	span_walk(in, &ms, mask_of(in, k), c, to, target, warn, &s);
	clk->present = true;
	clk->running = end == 0;
	clk->business = t->business && in->calendar;
	clk->started_at = c->start;
	clk->target_ms = target;
	clk->paused_ms = s.paused;
	clk->elapsed_ms = s.active;
	clk->paused = clk->running && s.pause_start != 0;
	clk->paused_since = clk->paused ? s.pause_start : 0;
	if (achieved)
		clk->achieved_at = end;
	clk->ended_at = end;
	if (s.reach)
		clk->due_at = s.reach;
	else if (clk->paused)
		clk->due_at = SLA_NEVER;
	else
		clk->due_at = measure_add(&ms, to, target - s.active);
	if (s.reach_warn)
		clk->warn_at = s.reach_warn;
	else if (clk->paused)
		clk->warn_at = SLA_NEVER;
	else
		clk->warn_at = measure_add(&ms, to, warn - s.active);
	/*
	 * A running clock is breached once its due time comes; an ended one
	 * when it used more than its target (ended exactly on it is met, and
	 * so is a reply after hours that used no more business time).
	 */
	if (s.reach && (clk->running ? s.reach <= now : s.active > target)) {
		clk->breached_at = s.reach;
		clk->breaches++;
	}
	if (!clk->running && !clk->breached_at && !achieved)
		clk->due_at = clk->warn_at = SLA_NEVER; /* cancelled in time: nothing is owed */
}

static void begin(struct cycle *c, int64_t at, size_t idx, enum status st, struct sla_clock *clk)
{
	c->on = c->started = true;
	c->start = at;
	c->idx = idx;
	c->status = st;
	clk->cycles++;
}

void sla_compute(const struct sla_input *in, int64_t now, struct sla_state *out)
{
	struct cycle cyc[SLA_METRIC__COUNT] = {{0}};
	enum status st = STATUS_NEW;
	enum priority prio = in->priority;
	int64_t wait_from = in->opened_by_agent ? 0 : in->created_at;
	bool replied = false;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (now < in->created_at)
		now = in->created_at;
	if (!in->opened_by_agent)
		begin(&cyc[SLA_FIRST_REPLY], in->created_at, 0, st, &out->clock[SLA_FIRST_REPLY]);
	begin(&cyc[SLA_RESOLUTION], in->created_at, 0, st, &out->clock[SLA_RESOLUTION]);

	for (i = 0; i < in->nevents && in->events[i].at <= now; i++) {
		const struct sla_event *ev = &in->events[i];
		switch (ev->kind) {
		case SLA_EV_PRIORITY:
			if (ev->value >= 0 && ev->value < PRIORITY__COUNT)
				prio = (enum priority)ev->value;
			break;
		case SLA_EV_AGENT_REPLY:
			if (!out->first_reply_at)
				out->first_reply_at = ev->at;
			for (int k = SLA_FIRST_REPLY; k <= SLA_PERIODIC_UPDATE; k++) {
				if (!cyc[k].on)
					continue;
				settle(in, (enum sla_metric)k, &cyc[k], ev->at, true, now, prio,
				       &out->clock[k]);
				cyc[k].on = false;
			}
			if (st != STATUS_SOLVED && st != STATUS_CLOSED)
				begin(&cyc[SLA_PERIODIC_UPDATE], ev->at, i + 1, st,
				      &out->clock[SLA_PERIODIC_UPDATE]);
			replied = true;
			wait_from = 0;
			break;
		case SLA_EV_CUSTOMER_MESSAGE:
			if (replied && !cyc[SLA_NEXT_REPLY].on && st != STATUS_CLOSED)
				begin(&cyc[SLA_NEXT_REPLY], ev->at, i + 1, st,
				      &out->clock[SLA_NEXT_REPLY]);
			if (!wait_from)
				wait_from = ev->at;
			break;
		case SLA_EV_STATUS: {
			if (ev->value < 0 || ev->value >= STATUS__COUNT)
				break;
			enum status next = (enum status)ev->value;
			bool ends = next == STATUS_SOLVED || next == STATUS_CLOSED;
			if (ends) {
				for (int k = SLA_FIRST_REPLY; k <= SLA_PERIODIC_UPDATE; k++) {
					if (!cyc[k].on)
						continue;
					settle(in, (enum sla_metric)k, &cyc[k], ev->at, false, now,
					       prio, &out->clock[k]);
					cyc[k].on = false;
				}
				if (cyc[SLA_RESOLUTION].on) {
					settle(in, SLA_RESOLUTION, &cyc[SLA_RESOLUTION], ev->at, true,
					       now, prio, &out->clock[SLA_RESOLUTION]);
					cyc[SLA_RESOLUTION].on = false;
				}
				wait_from = 0;
			} else if (st == STATUS_SOLVED && !cyc[SLA_RESOLUTION].on) {
				/* Reopened: the same resolution cycle runs on. */
				struct sla_clock *r = &out->clock[SLA_RESOLUTION];
				if (r->breached_at)
					r->breaches--; /* settled again at its next end */
				cyc[SLA_RESOLUTION].on = true;
			}
			st = next;
			break;
		}
		}
	}
	for (int k = 0; k < SLA_METRIC__COUNT; k++)
		if (cyc[k].on)
			settle(in, (enum sla_metric)k, &cyc[k], 0, false, now, prio, &out->clock[k]);
	out->status = st;
	out->priority = prio;
	out->waiting_since = (st == STATUS_NEW || st == STATUS_OPEN || st == STATUS_ON_HOLD)
				     ? wait_from : 0;
	out->next_due_at = SLA_NEVER;
	for (int k = 0; k < SLA_METRIC__COUNT; k++) {
		const struct sla_clock *c = &out->clock[k];
		if (c->present && c->running && !c->paused && c->due_at < out->next_due_at)
			out->next_due_at = c->due_at;
	}
}

int64_t sla_sort_key(const struct sla_state *s)
{
	if (s->next_due_at != SLA_NEVER && s->next_due_at < SLA_KEY_WAIT)
		return s->next_due_at;
	if (s->waiting_since)
		return SLA_KEY_WAIT + s->waiting_since;
	return SLA_KEY_IDLE;
}
