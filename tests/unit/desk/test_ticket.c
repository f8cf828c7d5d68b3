/*
 * test_ticket.c - tests of src/desk/ticket.c: creating, changing, merging,
 * linking, following and reading tickets, with who may see what, and that
 * every change writes its events in the same transaction.
 */
#include "util/common.h"
#include "desk/desk.h"
#include "util/time.h"
#include "testlib.h"

static int setup(void **state)
{
	struct tl_desk *t = calloc(1, sizeof(*t));
	tl_desk_open(t, "desk-ticket");
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tl_desk *t = *state;
	tl_desk_close(t);
	free(t);
	time_set_clock(NULL);
	return 0;
}

/* Row counts of the tables a use case writes, to prove a failure wrote nothing. */
struct counts {
	int64_t tickets, messages, events, users, tags;
};

static struct counts counts(struct tl_desk *t)
{
	struct counts c = {tl_count(t->d, "tickets"), tl_count(t->d, "messages"),
			   tl_count(t->d, "events"), tl_count(t->d, "users"),
			   tl_count(t->d, "ticket_tags")};
	return c;
}

#define assert_counts_equal(a, b)                                                                 \
	do {                                                                                      \
		struct counts a_ = (a), b_ = (b);                                                 \
		assert_int_equal(a_.tickets, b_.tickets);                                         \
		assert_int_equal(a_.messages, b_.messages);                                       \
		assert_int_equal(a_.events, b_.events);                                           \
		assert_int_equal(a_.users, b_.users);                                             \
		assert_int_equal(a_.tags, b_.tags);                                               \
	} while (0)

static struct ticket_new_in ticket_in(const char *subject, const char *requester)
{
	struct ticket_new_in in = {0};
	in.subject = subject;
	in.body = "It does not work.";
	in.requester_email = requester;
	in.priority = -1;
	in.channel = CHANNEL_EMAIL;
	return in;
}

static int64_t create(struct tl_desk *t, const struct actor *who, const char *subject,
		      const char *requester)
{
	struct ticket_new_in in = ticket_in(subject, requester);
	struct err e = ERR_INIT;
	int64_t id = 0;
	if (desk_ticket_create(t->d, who, &in, &id, &e) != ERR_OK)
		fail_msg("create '%s': %s", subject, e.msg);
	assert_true(id > 0);
	return id;
}

static struct ticket_row get(struct tl_desk *t, struct arena *a, int64_t id)
{
	struct ticket_view v;
	struct err e = ERR_INIT;
	if (desk_ticket_get(t->d, &t->admin, a, id, &v, &e) != ERR_OK)
		fail_msg("get #%" PRId64 ": %s", id, e.msg);
	return v.ticket;
}

static struct ticket_change no_change(void)
{
	struct ticket_change c = {0};
	c.status = -1;
	c.priority = -1;
	return c;
}

/* The kinds of a ticket's events, joined with spaces, oldest first. */
static const char *event_kinds(struct tl_desk *t, struct arena *a, int64_t id)
{
	struct rows rows;
	struct err e = ERR_INIT;
	char *out = arena_strdup(a, "");

	if (desk_ticket_events(t->d, &t->agent, a, id, &rows, &e) != ERR_OK)
		fail_msg("events #%" PRId64 ": %s", id, e.msg);
	for (size_t i = 0; i < rows.count; i++)
		out = arena_printf(a, "%s%s%s", out, i ? " " : "",
				   ROWS_AT(&rows, struct event_row, i)->kind);
	return out;
}

/* --- creating ------------------------------------------------------------------ */

static void test_create_adds_unknown_requester(void **state)
{
	struct tl_desk *t = *state;
	struct ticket_new_in in = ticket_in("VPN drops every hour", "  New.Person@Example.COM ");
	struct arena a;
	struct err e = ERR_INIT;
	struct ticket_view v;
	struct counts before = counts(t);
	int64_t id = 0;

	arena_init(&a);
	in.requester_name = "New Person";
	assert_int_equal(desk_ticket_create(t->d, &t->sys, &in, &id, &e), ERR_OK);
	struct counts after = counts(t);
	assert_int_equal(after.users, before.users + 1);
	assert_int_equal(after.tickets, before.tickets + 1);
	assert_int_equal(after.messages, before.messages + 1);

	struct user_row u;
	assert_int_equal(desk_user_get(t->d, &desk_system_actor, &a, "new.person@example.com", &u, &e), ERR_OK);
	assert_int_equal(u.role, ROLE_CUSTOMER);
	assert_string_equal(u.name, "New Person");
	assert_string_equal(u.email, "New.Person@Example.COM"); /* as given, trimmed */

	assert_int_equal(desk_ticket_get(t->d, &t->agent, &a, id, &v, &e), ERR_OK);
	assert_string_equal(v.ticket.subject, "VPN drops every hour");
	assert_int_equal(v.ticket.status, STATUS_NEW);
	assert_int_equal(v.ticket.priority, PRIORITY_NORMAL);
	assert_int_equal(v.ticket.requester_id, u.id);
	assert_int_equal(v.ticket.channel, CHANNEL_EMAIL);
	assert_int_equal(v.ticket.created_at, TL_T0);
	assert_int_equal(v.ticket.first_response_at, 0);
	assert_int_equal(v.ticket.version, 1);
	assert_false(v.ticket.opened_by_agent);
	assert_int_equal(v.requester.id, u.id);
	assert_int_equal(v.messages.count, 1);
	struct message_row *m = ROWS_AT(&v.messages, struct message_row, 0);
	assert_int_equal(m->author_id, u.id); /* the requester wrote the opening message */
	assert_int_equal(m->author_role, ROLE_CUSTOMER);
	assert_int_equal(m->kind, MSG_PUBLIC);
	assert_string_equal(m->body_text, "It does not work.");
	assert_string_equal(event_kinds(t, &a, id), "ticket.created message.public");
	arena_release(&a);
}

static void test_create_known_requester_case_insensitive(void **state)
{
	struct tl_desk *t = *state;
	struct arena a;
	int64_t users = tl_count(t->d, "users");

	arena_init(&a);
	int64_t id = create(t, &t->agent, "Hello", "ALICE@example.COM");
	assert_int_equal(tl_count(t->d, "users"), users);
	struct ticket_row r = get(t, &a, id);
	assert_int_equal(r.requester_id, t->alice.user_id);
	assert_true(r.opened_by_agent); /* an agent opened it for her */
	arena_release(&a);
}

static void test_customer_creates_own_ticket(void **state)
{
	struct tl_desk *t = *state;
	struct arena a;

	arena_init(&a);
	int64_t id = create(t, &t->carol, "Our invoices", NULL);
	struct ticket_row r = get(t, &a, id);
	assert_int_equal(r.requester_id, t->carol.user_id);
	assert_int_equal(r.organisation_id, t->acme); /* from the requester */
	assert_false(r.opened_by_agent);
	arena_release(&a);
}

static void test_create_refused_writes_nothing(void **state)
{
	struct tl_desk *t = *state;
	struct counts before = counts(t);
	struct err e = ERR_INIT;
	int64_t id = 0;

	/* A customer may not open tickets for others, known or new. */
	struct ticket_new_in in = ticket_in("For Bob", "bob@example.com");
	assert_int_equal(desk_ticket_create(t->d, &t->alice, &in, &id, &e), ERR_FORBIDDEN);
	in = ticket_in("For a stranger", "stranger@example.org");
	assert_int_equal(desk_ticket_create(t->d, &t->alice, &in, &id, &e), ERR_FORBIDDEN);
	/* Engineers do not open tickets. */
	in = ticket_in("Engineer's", NULL);
	assert_int_equal(desk_ticket_create(t->d, &t->eng, &in, &id, &e), ERR_FORBIDDEN);
	/* Customers do not choose a group or an assignee. */
	in = ticket_in("With group", NULL);
	in.group = "Tier 2";
	assert_int_equal(desk_ticket_create(t->d, &t->alice, &in, &id, &e), ERR_FORBIDDEN);
	assert_counts_equal(counts(t), before);
}

struct bad_create {
	const char *name;
	const char *subject;
	const char *body;
	const char *requester;
	const char *tag;
	int priority;
	int channel;
};

static const struct bad_create bad_creates[] = {
	{"subject not utf-8", "Caf\xe9 broken", "body", "new@x.io", NULL, -1, CHANNEL_EMAIL},
	{"subject overlong utf-8", "\xc0\xaf", "body", "new@x.io", NULL, -1, CHANNEL_EMAIL},
	{"subject with a surrogate", "a\xed\xa0\x80", "body", "new@x.io", NULL, -1,
	 CHANNEL_EMAIL},
	{"subject on two lines", "one\ntwo", "body", "new@x.io", NULL, -1, CHANNEL_EMAIL},
	{"subject empty", "  ", "body", "new@x.io", NULL, -1, CHANNEL_EMAIL},
	{"subject missing", NULL, "body", "new@x.io", NULL, -1, CHANNEL_EMAIL},
	{"subject with escape", "\x1b[31mred", "body", "new@x.io", NULL, -1, CHANNEL_EMAIL},
	{"body not utf-8", "ok", "\xff\xfe", "new@x.io", NULL, -1, CHANNEL_EMAIL},
	{"body missing", "ok", NULL, "new@x.io", NULL, -1, CHANNEL_EMAIL},
	{"body with a bell", "ok", "ding\x07", "new@x.io", NULL, -1, CHANNEL_EMAIL},
	{"bad requester email", "ok", "body", "not-an-email", NULL, -1, CHANNEL_EMAIL},
	{"bad tag", "ok", "body", "new@x.io", "two words", -1, CHANNEL_EMAIL},
	{"unknown priority", "ok", "body", "new@x.io", NULL, 9, CHANNEL_EMAIL},
	{"unknown channel", "ok", "body", "new@x.io", NULL, -1, 42},
	{"system actor without requester", "ok", "body", NULL, NULL, -1, CHANNEL_EMAIL},
};

static void test_create_invalid_input_writes_nothing(void **state)
{
	struct tl_desk *t = *state;
	struct counts before = counts(t);

	for (size_t i = 0; i < ARRAY_SIZE(bad_creates); i++) {
		const struct bad_create *b = &bad_creates[i];
		struct ticket_new_in in = ticket_in(b->subject, b->requester);
		const char *tags[1] = {b->tag};
		struct err e = ERR_INIT;
		int64_t id = 0;

		in.body = b->body;
		in.priority = b->priority;
		in.channel = (enum channel)b->channel;
		if (b->tag) {
			in.tags = tags;
			in.ntags = 1;
		}
		enum err_code rc = desk_ticket_create(t->d, &t->sys, &in, &id, &e);
		if (rc != ERR_INVALID)
			fail_msg("case '%s': %s (%s)", b->name, err_code_name(rc), e.msg);
		assert_true(e.msg[0] != '\0');
		assert_counts_equal(counts(t), before);
	}
}

static void test_subject_length_in_code_points(void **state)
{
	struct tl_desk *t = *state;
	char subject[DESK_SUBJECT_MAX * 2 + 3];
	struct err e = ERR_INIT;
	int64_t id;

	/* DESK_SUBJECT_MAX two-byte characters: long in bytes, but within the limit. */
	for (int i = 0; i < DESK_SUBJECT_MAX; i++)
		memcpy(subject + 2 * i, "\xc3\xa9", 2);
	subject[2 * DESK_SUBJECT_MAX] = '\0';
	struct ticket_new_in in = ticket_in(subject, "alice@example.com");
	assert_int_equal(desk_ticket_create(t->d, &t->sys, &in, &id, &e), ERR_OK);
	/* One more is too many. */
	memcpy(subject + 2 * DESK_SUBJECT_MAX, "\xc3\xa9", 3);
	int64_t before = tl_count(t->d, "tickets");
	assert_int_equal(desk_ticket_create(t->d, &t->sys, &in, &id, &e), ERR_INVALID);
	assert_int_equal(tl_count(t->d, "tickets"), before);
}

/* Failures after the transaction started undo what came before them. */
static void test_create_failure_rolls_back(void **state)
{
	struct tl_desk *t = *state;
	struct counts before = counts(t);
	struct err e = ERR_INIT;
	int64_t id;

	/* The requester would be created, then the group is not found. */
	struct ticket_new_in in = ticket_in("Group typo", "fresh@example.net");
	in.group = "Tier 3";
	assert_int_equal(desk_ticket_create(t->d, &t->agent, &in, &id, &e), ERR_NOT_FOUND);
	assert_contains(e.msg, "tier 3");
	assert_counts_equal(counts(t), before);
	/* A customer cannot be assigned. */
	in = ticket_in("Bad assignee", "fresh@example.net");
	in.assignee_email = "alice@example.com";
	assert_int_equal(desk_ticket_create(t->d, &t->agent, &in, &id, &e), ERR_INVALID);
	assert_counts_equal(counts(t), before);
	struct user_row u;
	struct arena a;
	arena_init(&a);
	assert_int_equal(desk_user_get(t->d, &desk_system_actor, &a, "fresh@example.net", &u, &e), ERR_NOT_FOUND);
	arena_release(&a);
}

static void test_create_with_fields(void **state)
{
	struct tl_desk *t = *state;
	struct ticket_new_in in = ticket_in("Fields", "bob@example.com");
	const char *tags[] = {"VPN", " billing ", "vpn"};
	struct arena a;
	struct ticket_view v;
	struct err e = ERR_INIT;
	int64_t id;

	arena_init(&a);
	in.tags = tags;
	in.ntags = ARRAY_SIZE(tags);
	in.group = "TIER 2"; /* names match case-insensitively */
	in.assignee_email = "agent2@desk.io";
	in.priority = PRIORITY_HIGH;
	in.channel = CHANNEL_PHONE;
	assert_int_equal(desk_ticket_create(t->d, &t->agent, &in, &id, &e), ERR_OK);
	assert_int_equal(desk_ticket_get(t->d, &t->agent, &a, id, &v, &e), ERR_OK);
	assert_int_equal(v.ticket.group_id, t->tier2);
	assert_string_equal(v.group_name, "Tier 2");
	assert_int_equal(v.ticket.assignee_id, t->agent2.user_id);
	assert_string_equal(v.assignee_email, "agent2@desk.io");
	assert_int_equal(v.ticket.priority, PRIORITY_HIGH);
	assert_int_equal(v.ticket.channel, CHANNEL_PHONE);
	assert_int_equal(v.tags.count, 2); /* normalised, duplicates dropped */
	assert_string_equal(*ROWS_AT(&v.tags, const char *, 0), "billing");
	assert_string_equal(*ROWS_AT(&v.tags, const char *, 1), "vpn");
	assert_string_equal(event_kinds(t, &a, id),
			    "ticket.created message.public tag.added tag.added");
	arena_release(&a);
}

/* --- changing ----------------------------------------------------------------- */

static void test_update_expected_version(void **state)
{
	struct tl_desk *t = *state;
	struct arena a;
	struct err e = ERR_INIT;

	arena_init(&a);
	int64_t id = create(t, &t->alice, "Versioned", NULL);
	struct ticket_row r = get(t, &a, id);
	assert_int_equal(r.version, 1);
	struct counts before = counts(t);

	struct ticket_change c = no_change();
	c.priority = PRIORITY_URGENT;
	c.expected_version = 2; /* someone else's view */
	assert_int_equal(desk_ticket_update(t->d, &t->agent, id, &c, &e), ERR_CONFLICT);
	assert_contains(e.msg, "version");
	assert_counts_equal(counts(t), before);
	r = get(t, &a, id);
	assert_int_equal(r.priority, PRIORITY_NORMAL);
	assert_int_equal(r.version, 1);

	c.expected_version = 1;
	assert_int_equal(desk_ticket_update(t->d, &t->agent, id, &c, &e), ERR_OK);
	r = get(t, &a, id);
	assert_int_equal(r.priority, PRIORITY_URGENT);
	assert_int_equal(r.version, 2);

	/* The same stale version again: refused. */
	c.priority = PRIORITY_LOW;
	assert_int_equal(desk_ticket_update(t->d, &t->agent, id, &c, &e), ERR_CONFLICT);
	/* 0 means any version. */
	c.expected_version = 0;
	assert_int_equal(desk_ticket_update(t->d, &t->agent, id, &c, &e), ERR_OK);
	assert_int_equal(get(t, &a, id).version, 3);
	arena_release(&a);
}

static void test_update_writes_field_events(void **state)
{
	struct tl_desk *t = *state;
	struct arena a;
	struct err e = ERR_INIT;
	struct rows evs;
	const char *add[] = {"Outage"}, *del[] = {"none-such"};

	arena_init(&a);
	int64_t id = create(t, &t->alice, "Old subject", NULL);
	int64_t events = tl_count(t->d, "events");
	time_set_fixed(TL_T0 + 60000);

	struct ticket_change c = no_change();
	c.status = STATUS_PENDING;
	c.priority = PRIORITY_HIGH;
	c.subject = "New subject";
	c.assignee_email = "agent@desk.io";
	c.group = "tier 2";
	c.tags_add = add;
	c.ntags_add = 1;
	c.tags_remove = del;
	c.ntags_remove = 1;
	assert_int_equal(desk_ticket_update(t->d, &t->agent, id, &c, &e), ERR_OK);
	struct ticket_row r = get(t, &a, id);
	assert_int_equal(r.status, STATUS_PENDING);
	assert_int_equal(r.priority, PRIORITY_HIGH);
	assert_string_equal(r.subject, "New subject");
	assert_int_equal(r.assignee_id, t->agent.user_id);
	assert_int_equal(r.group_id, t->tier2);
	assert_int_equal(r.updated_at, TL_T0 + 60000);
	assert_int_equal(r.version, 2); /* one change, one version */
	assert_int_equal(tl_count(t->d, "events"), events + 6);

	assert_int_equal(desk_ticket_events(t->d, &t->agent, &a, id, &evs, &e), ERR_OK);
	static const struct {
		const char *kind, *field, *old_value, *new_value;
	} want[] = {
		{"field.status", "status", "new", "pending"},
		{"field.priority", "priority", "normal", "high"},
		{"field.subject", "subject", "Old subject", "New subject"},
		{"field.assignee_id", "assignee_id", NULL, NULL},
		{"field.group_id", "group_id", NULL, NULL},
		{"tag.added", "tags", NULL, "outage"},
	};
	assert_int_equal(evs.count, 2 + ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		struct event_row *ev = ROWS_AT(&evs, struct event_row, 2 + i);
		assert_string_equal(ev->kind, want[i].kind);
		assert_string_equal(ev->field, want[i].field);
		if (want[i].old_value)
			assert_string_equal(ev->old_value, want[i].old_value);
		if (want[i].new_value)
			assert_string_equal(ev->new_value, want[i].new_value);
		assert_int_equal(ev->actor_id, t->agent.user_id);
		assert_int_equal(ev->created_at, TL_T0 + 60000);
	}
	assert_null(ROWS_AT(&evs, struct event_row, 5)->old_value); /* was unassigned */

	/* The same change again changes nothing: no event, no new version. */
	events = tl_count(t->d, "events");
	c.status = STATUS_PENDING;
	assert_int_equal(desk_ticket_update(t->d, &t->agent, id, &c, &e), ERR_OK);
	assert_int_equal(tl_count(t->d, "events"), events);
	assert_int_equal(get(t, &a, id).version, 2);
	arena_release(&a);
}

static void test_update_status_rules(void **state)
{
	struct tl_desk *t = *state;
	struct arena a;
	struct err e = ERR_INIT;
	struct ticket_change c = no_change();

	arena_init(&a);
	int64_t id = create(t, &t->alice, "Status", NULL);
	struct counts before = counts(t);

	c.status = STATUS_CLOSED; /* closed only from solved */
	assert_int_equal(desk_ticket_update(t->d, &t->agent, id, &c, &e), ERR_CONFLICT);
	assert_counts_equal(counts(t), before);

	time_set_fixed(TL_T0 + 1000);
	c.status = STATUS_SOLVED;
	assert_int_equal(desk_ticket_update(t->d, &t->agent, id, &c, &e), ERR_OK);
	assert_int_equal(get(t, &a, id).solved_at, TL_T0 + 1000);

	c.status = STATUS_NEW; /* never back to new */
	assert_int_equal(desk_ticket_update(t->d, &t->agent, id, &c, &e), ERR_CONFLICT);

	time_set_fixed(TL_T0 + 2000);
	c.status = STATUS_CLOSED;
	assert_int_equal(desk_ticket_update(t->d, &t->agent, id, &c, &e), ERR_OK);
	struct ticket_row r = get(t, &a, id);
	assert_int_equal(r.status, STATUS_CLOSED);
	assert_int_equal(r.closed_at, TL_T0 + 2000);
	assert_int_equal(r.solved_at, TL_T0 + 1000);

	/* Closed is final: no status, no field changes. */
	before = counts(t);
	for (int s = 0; s < STATUS__COUNT; s++) {
		if (s == STATUS_CLOSED)
			continue;
		c.status = s;
		assert_int_equal(desk_ticket_update(t->d, &t->agent, id, &c, &e), ERR_CONFLICT);
	}
	c = no_change();
	c.priority = PRIORITY_LOW;
	assert_int_equal(desk_ticket_update(t->d, &t->agent, id, &c, &e), ERR_CONFLICT);
	assert_contains(e.msg, "closed");
	assert_counts_equal(counts(t), before);
	arena_release(&a);
}

/* An update that fails half-way leaves the ticket and the log as they were. */
static void test_update_failure_rolls_back(void **state)
{
	struct tl_desk *t = *state;
	struct arena a;
	struct err e = ERR_INIT;
	const char *add[] = {"ok-tag"};

	arena_init(&a);
	int64_t id = create(t, &t->alice, "Rollback", NULL);
	struct counts before = counts(t);
	struct ticket_change c = no_change();
	c.status = STATUS_PENDING;         /* applied first ... */
	c.priority = PRIORITY_URGENT;
	c.tags_add = add;
	c.ntags_add = 1;
	c.assignee_email = "ghost@desk.io"; /* ... then this fails */
	assert_int_equal(desk_ticket_update(t->d, &t->agent, id, &c, &e), ERR_NOT_FOUND);
	assert_contains(e.msg, "ghost@desk.io");
	assert_counts_equal(counts(t), before);
	struct ticket_row r = get(t, &a, id);
	assert_int_equal(r.status, STATUS_NEW);
	assert_int_equal(r.priority, PRIORITY_NORMAL);
	assert_int_equal(r.version, 1);

	/* An engineer cannot be assigned: same story. */
	c.assignee_email = "eng@desk.io";
	assert_int_equal(desk_ticket_update(t->d, &t->agent, id, &c, &e), ERR_INVALID);
	assert_counts_equal(counts(t), before);
	arena_release(&a);
}

static void test_update_permissions(void **state)
{
	struct tl_desk *t = *state;
	struct err e = ERR_INIT;
	struct ticket_change c = no_change();

	int64_t id = create(t, &t->alice, "Perms", NULL);
	struct counts before = counts(t);
	c.priority = PRIORITY_URGENT;
	/* She sees her ticket but may not change its fields. */
	assert_int_equal(desk_ticket_update(t->d, &t->alice, id, &c, &e), ERR_FORBIDDEN);
	/* Bob does not see it at all. */
	assert_int_equal(desk_ticket_update(t->d, &t->bob, id, &c, &e), ERR_NOT_FOUND);
	/* An engineer outside the ticket's group does not see it either. */
	assert_int_equal(desk_ticket_update(t->d, &t->eng, id, &c, &e), ERR_NOT_FOUND);
	assert_counts_equal(counts(t), before);

	/* In the group, the engineer sees it but makes no field changes. */
	struct ticket_change g = no_change();
	g.group = "Tier 2";
	assert_int_equal(desk_ticket_update(t->d, &t->agent, id, &g, &e), ERR_OK);
	before = counts(t);
	assert_int_equal(desk_ticket_update(t->d, &t->eng, id, &c, &e), ERR_FORBIDDEN);
	assert_counts_equal(counts(t), before);
}

/* --- seeing --------------------------------------------------------------------- */

/* A ticket the actor may not see looks exactly like one that does not exist. */
static void test_invisible_is_not_found(void **state)
{
	struct tl_desk *t = *state;
	struct arena a;
	struct err e = ERR_INIT, e_missing = ERR_INIT;
	struct ticket_view v;
	struct rows rows;
	struct message_out mo;
	struct message_in reply = {.kind = MSG_PUBLIC, .body = "me too", .channel = CHANNEL_WEB,
				   .status = -1};

	arena_init(&a);
	int64_t id = create(t, &t->alice, "Alice's private ticket", NULL);
	int64_t missing = id + 1000;
	struct counts before = counts(t);

	assert_int_equal(desk_ticket_get(t->d, &t->bob, &a, id, &v, &e), ERR_NOT_FOUND);
	assert_int_equal(desk_ticket_get(t->d, &t->bob, &a, missing, &v, &e_missing),
			 ERR_NOT_FOUND);
	assert_contains(e.msg, "no ticket #");
	assert_contains(e_missing.msg, "no ticket #");
	assert_int_equal(desk_message_add(t->d, &t->bob, id, &reply, &mo, &e), ERR_NOT_FOUND);
	assert_int_equal(desk_ticket_events(t->d, &t->bob, &a, id, &rows, &e), ERR_NOT_FOUND);
	assert_int_equal(desk_follower_add(t->d, &t->bob, id, "bob@example.com", &e),
			 ERR_NOT_FOUND);
	assert_int_equal(desk_ticket_get(t->d, &t->eng2, &a, id, &v, &e), ERR_NOT_FOUND);
	assert_counts_equal(counts(t), before);

	/* Her own is visible to her, and to staff. */
	assert_int_equal(desk_ticket_get(t->d, &t->alice, &a, id, &v, &e), ERR_OK);
	assert_int_equal(desk_ticket_get(t->d, &t->agent, &a, id, &v, &e), ERR_OK);
	assert_int_equal(desk_ticket_get(t->d, &t->admin, &a, id, &v, &e), ERR_OK);
	arena_release(&a);
}

static void test_organisation_sharing_and_followers(void **state)
{
	struct tl_desk *t = *state;
	struct arena a;
	struct err e = ERR_INIT;
	struct ticket_view v;

	arena_init(&a);
	int64_t acme = create(t, &t->carol, "Acme shares", NULL);
	int64_t other = create(t, &t->erin, "Other does not", NULL);
	/* Acme shares tickets: a colleague sees it; outsiders do not. */
	assert_int_equal(desk_ticket_get(t->d, &t->dave, &a, acme, &v, &e), ERR_OK);
	assert_int_equal(desk_ticket_get(t->d, &t->alice, &a, acme, &v, &e), ERR_NOT_FOUND);
	/* Other does not share: even a colleague does not see it. */
	assert_int_equal(desk_ticket_get(t->d, &t->frank, &a, other, &v, &e), ERR_NOT_FOUND);
	/* Following makes it visible. */
	assert_int_equal(desk_follower_add(t->d, &t->agent, other, "frank@other.com", &e),
			 ERR_OK);
	assert_int_equal(desk_ticket_get(t->d, &t->frank, &a, other, &v, &e), ERR_OK);
	assert_int_equal(v.followers.count, 1);
	assert_int_equal(ROWS_AT(&v.followers, struct user_row, 0)->id, t->frank.user_id);

	/* Lists apply the same rules. */
	struct ticket_query q = {.status = -1};
	struct rows rows;
	assert_int_equal(desk_ticket_list(t->d, &t->frank, &a, &q, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 1);
	assert_int_equal(ROWS_AT(&rows, struct ticket_row, 0)->id, other);
	assert_int_equal(desk_ticket_list(t->d, &t->dave, &a, &q, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 1);
	assert_int_equal(desk_ticket_list(t->d, &t->bob, &a, &q, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 0);
	assert_int_equal(desk_ticket_list(t->d, &t->agent, &a, &q, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 2);
	arena_release(&a);
}

static void test_customer_does_not_see_internal(void **state)
{
	struct tl_desk *t = *state;
	struct arena a;
	struct err e = ERR_INIT;
	struct ticket_view v;
	struct rows rows;
	struct message_out mo;
	struct message_in note = {.kind = MSG_INTERNAL, .body = "She is on the old plan.",
				  .channel = CHANNEL_WEB, .status = -1};

	arena_init(&a);
	int64_t id = create(t, &t->alice, "Internal", NULL);
	assert_int_equal(desk_message_add(t->d, &t->agent, id, &note, &mo, &e), ERR_OK);
	assert_int_equal(desk_ticket_get(t->d, &t->agent, &a, id, &v, &e), ERR_OK);
	assert_int_equal(v.messages.count, 2);
	assert_int_equal(desk_ticket_get(t->d, &t->alice, &a, id, &v, &e), ERR_OK);
	assert_int_equal(v.messages.count, 1);
	assert_int_equal(ROWS_AT(&v.messages, struct message_row, 0)->kind, MSG_PUBLIC);
	/* She sees the ticket, so the event log is forbidden rather than not found. */
	assert_int_equal(desk_ticket_events(t->d, &t->alice, &a, id, &rows, &e), ERR_FORBIDDEN);
	arena_release(&a);
}

/* --- merging, linking, following ------------------------------------------------ */

static void test_merge(void **state)
{
	struct tl_desk *t = *state;
	struct arena a;
	struct err e = ERR_INIT;
	struct ticket_view vs, vt;
	struct message_out mo;
	struct message_in more = {.kind = MSG_PUBLIC, .body = "Also the printer.",
				  .channel = CHANNEL_EMAIL, .status = -1};
	const char *tag_a[] = {"printer"}, *tag_b[] = {"vpn"};
	struct ticket_change c = no_change();

	arena_init(&a);
	int64_t src = create(t, &t->alice, "Source", NULL);
	int64_t dst = create(t, &t->alice, "Target", NULL);
	assert_int_equal(desk_message_add(t->d, &t->alice, src, &more, &mo, &e), ERR_OK);
	c.tags_add = tag_a;
	c.ntags_add = 1;
	assert_int_equal(desk_ticket_update(t->d, &t->agent, src, &c, &e), ERR_OK);
	c.tags_add = tag_b;
	assert_int_equal(desk_ticket_update(t->d, &t->agent, dst, &c, &e), ERR_OK);
	assert_int_equal(desk_follower_add(t->d, &t->agent, src, "bob@example.com", &e), ERR_OK);
	int64_t src_events = 0, dst_events = 0;
	struct rows evs;
	assert_int_equal(desk_ticket_events(t->d, &t->agent, &a, src, &evs, &e), ERR_OK);
	src_events = (int64_t)evs.count;
	assert_int_equal(desk_ticket_events(t->d, &t->agent, &a, dst, &evs, &e), ERR_OK);
	dst_events = (int64_t)evs.count;

	time_set_fixed(TL_T0 + 5000);
	assert_int_equal(desk_ticket_merge(t->d, &t->agent, src, dst, &e), ERR_OK);

	assert_int_equal(desk_ticket_get(t->d, &t->agent, &a, src, &vs, &e), ERR_OK);
	assert_int_equal(desk_ticket_get(t->d, &t->agent, &a, dst, &vt, &e), ERR_OK);
	/* The source is closed and points at the target. */
	assert_int_equal(vs.ticket.status, STATUS_CLOSED);
	assert_int_equal(vs.ticket.merged_into_id, dst);
	assert_int_equal(vs.ticket.closed_at, TL_T0 + 5000);
	/* Its two messages moved; each ticket got an internal note. */
	assert_int_equal(vt.messages.count, 1 + 2 + 1);
	assert_int_equal(vs.messages.count, 1);
	assert_int_equal(ROWS_AT(&vs.messages, struct message_row, 0)->kind, MSG_INTERNAL);
	size_t notes = 0;
	for (size_t i = 0; i < vt.messages.count; i++)
		notes += ROWS_AT(&vt.messages, struct message_row, i)->kind == MSG_INTERNAL;
	assert_int_equal(notes, 1);
	/* Tags and followers joined the target. */
	assert_int_equal(vt.tags.count, 2);
	assert_int_equal(vt.followers.count, 1);
	assert_int_equal(ROWS_AT(&vt.followers, struct user_row, 0)->id, t->bob.user_id);
	/* A merged link, and events on both tickets. */
	bool merged_link = false;
	for (size_t i = 0; i < vt.links.count; i++) {
		struct link_row *l = ROWS_AT(&vt.links, struct link_row, i);
		merged_link |= l->ticket_id == src && l->other_id == dst && l->kind == LINK_MERGED;
	}
	assert_true(merged_link);
	assert_int_equal(desk_ticket_events(t->d, &t->agent, &a, src, &evs, &e), ERR_OK);
	assert_true((int64_t)evs.count > src_events);
	bool src_merged = false;
	for (size_t i = 0; i < evs.count; i++)
		src_merged |= strcmp(ROWS_AT(&evs, struct event_row, i)->kind, "ticket.merged") == 0;
	assert_true(src_merged);
	assert_int_equal(desk_ticket_events(t->d, &t->agent, &a, dst, &evs, &e), ERR_OK);
	assert_true((int64_t)evs.count > dst_events);
	arena_release(&a);
}

static void test_merge_refused_writes_nothing(void **state)
{
	struct tl_desk *t = *state;
	struct err e = ERR_INIT;
	struct ticket_change c = no_change();

	int64_t a1 = create(t, &t->alice, "A", NULL);
	int64_t a2 = create(t, &t->alice, "B", NULL);
	int64_t done = create(t, &t->alice, "Closed", NULL);
	c.status = STATUS_SOLVED;
	assert_int_equal(desk_ticket_update(t->d, &t->agent, done, &c, &e), ERR_OK);
	c.status = STATUS_CLOSED;
	assert_int_equal(desk_ticket_update(t->d, &t->agent, done, &c, &e), ERR_OK);
	struct counts before = counts(t);

	assert_int_equal(desk_ticket_merge(t->d, &t->agent, a1, a1, &e), ERR_INVALID);
	assert_int_equal(desk_ticket_merge(t->d, &t->agent, a1, done, &e), ERR_CONFLICT);
	assert_int_equal(desk_ticket_merge(t->d, &t->agent, done, a1, &e), ERR_CONFLICT);
	assert_int_equal(desk_ticket_merge(t->d, &t->alice, a1, a2, &e), ERR_FORBIDDEN);
	assert_int_equal(desk_ticket_merge(t->d, &t->bob, a1, a2, &e), ERR_NOT_FOUND);
	assert_int_equal(desk_ticket_merge(t->d, &t->agent, a1, a2 + 1000, &e), ERR_NOT_FOUND);
	assert_counts_equal(counts(t), before);
	/* A merged ticket is closed and cannot be merged again. */
	assert_int_equal(desk_ticket_merge(t->d, &t->agent, a1, a2, &e), ERR_OK);
	assert_int_equal(desk_ticket_merge(t->d, &t->agent, a1, a2, &e), ERR_CONFLICT);
}

static void test_link(void **state)
{
	struct tl_desk *t = *state;
	struct arena a;
	struct err e = ERR_INIT;
	struct ticket_view v;

	arena_init(&a);
	int64_t problem = create(t, &t->alice, "Outage", NULL);
	int64_t incident = create(t, &t->bob, "Cannot log in", NULL);
	int64_t events = tl_count(t->d, "events");

	assert_int_equal(desk_ticket_link(t->d, &t->agent, incident, problem, LINK_INCIDENT, &e),
			 ERR_OK);
	assert_int_equal(tl_count(t->d, "events"), events + 2); /* one on each ticket */
	assert_int_equal(desk_ticket_link(t->d, &t->agent, incident, problem, LINK_INCIDENT, &e),
			 ERR_OK);
	assert_int_equal(tl_count(t->d, "events"), events + 2); /* already linked */
	assert_int_equal(desk_ticket_get(t->d, &t->agent, &a, problem, &v, &e), ERR_OK);
	assert_int_equal(v.links.count, 1);
	assert_int_equal(ROWS_AT(&v.links, struct link_row, 0)->kind, LINK_INCIDENT);

	events = tl_count(t->d, "events");
	assert_int_equal(desk_ticket_link(t->d, &t->agent, problem, problem, LINK_RELATED, &e),
			 ERR_INVALID);
	assert_int_equal(desk_ticket_link(t->d, &t->agent, problem, incident, LINK_FOLLOW_UP,
					  &e),
			 ERR_INVALID);
	assert_int_equal(desk_ticket_link(t->d, &t->agent, problem, incident, LINK_MERGED, &e),
			 ERR_INVALID);
	assert_int_equal(desk_ticket_link(t->d, &t->alice, problem, incident, LINK_RELATED, &e),
			 ERR_NOT_FOUND); /* she cannot see Bob's ticket */
	assert_int_equal(tl_count(t->d, "events"), events);
	arena_release(&a);
}

static void test_followers(void **state)
{
	struct tl_desk *t = *state;
	struct err e = ERR_INIT;

	int64_t id = create(t, &t->alice, "Followers", NULL);
	int64_t users = tl_count(t->d, "users");
	int64_t events = tl_count(t->d, "events");

	assert_int_equal(desk_follower_add(t->d, &t->agent, id, "bob@example.com", &e), ERR_OK);
	assert_int_equal(tl_count(t->d, "events"), events + 1);
	assert_int_equal(desk_follower_add(t->d, &t->agent, id, "BOB@example.com", &e), ERR_OK);
	assert_int_equal(tl_count(t->d, "events"), events + 1); /* already following */
	/* An unknown follower becomes a customer. */
	assert_int_equal(desk_follower_add(t->d, &t->agent, id, "cc@partner.io", &e), ERR_OK);
	assert_int_equal(tl_count(t->d, "users"), users + 1);
	/* The requester already follows by being the requester. */
	events = tl_count(t->d, "events");
	assert_int_equal(desk_follower_add(t->d, &t->agent, id, "alice@example.com", &e),
			 ERR_INVALID);
	/* Customers do not manage followers. */
	assert_int_equal(desk_follower_add(t->d, &t->alice, id, "dave@acme.com", &e),
			 ERR_FORBIDDEN);
	assert_int_equal(tl_count(t->d, "events"), events);

	assert_int_equal(desk_follower_remove(t->d, &t->agent, id, "bob@example.com", &e), ERR_OK);
	assert_int_equal(tl_count(t->d, "events"), events + 1);
	assert_int_equal(desk_follower_remove(t->d, &t->agent, id, "bob@example.com", &e), ERR_OK);
	assert_int_equal(tl_count(t->d, "events"), events + 1);
}

static void test_update_followers(void **state)
{
	struct tl_desk *t = *state;
	struct arena a;
	struct err e = ERR_INIT;
	struct ticket_view v;
	const char *add[] = {"bob@example.com", "new.cc@partner.io"};
	const char *del[] = {"bob@example.com"};
	struct ticket_change c = no_change();

	arena_init(&a);
	int64_t id = create(t, &t->alice, "Followers by update", NULL);
	struct counts before = counts(t);
	c.followers_add = add;
	c.nfollowers_add = 2;
	assert_int_equal(desk_ticket_update(t->d, &t->agent, id, &c, &e), ERR_OK);
	assert_int_equal(desk_ticket_get(t->d, &t->agent, &a, id, &v, &e), ERR_OK);
	assert_int_equal(v.followers.count, 2);
	assert_int_equal(v.ticket.version, 2);
	struct counts after = counts(t);
	assert_int_equal(after.users, before.users + 1); /* the unknown one became a customer */
	assert_int_equal(after.events, before.events + 3); /* user.created, 2 follower.added */

	c = no_change();
	c.followers_remove = del;
	c.nfollowers_remove = 1;
	assert_int_equal(desk_ticket_update(t->d, &t->agent, id, &c, &e), ERR_OK);
	assert_int_equal(desk_ticket_get(t->d, &t->bob, &a, id, &v, &e), ERR_NOT_FOUND);

	/* The requester as a follower fails the whole change, new customer included. */
	const char *bad[] = {"brand.new@partner.io", "alice@example.com"};
	c = no_change();
	c.priority = PRIORITY_URGENT;
	c.followers_add = bad;
	c.nfollowers_add = 2;
	before = counts(t);
	assert_int_equal(desk_ticket_update(t->d, &t->agent, id, &c, &e), ERR_INVALID);
	assert_counts_equal(counts(t), before);
	arena_release(&a);
}

static void test_list_query(void **state)
{
	struct tl_desk *t = *state;
	struct arena a;
	struct err e = ERR_INIT;
	struct rows rows;
	struct ticket_change c = no_change();

	arena_init(&a);
	int64_t t1 = create(t, &t->alice, "one", NULL);
	int64_t t2 = create(t, &t->bob, "two", NULL);
	int64_t t3 = create(t, &t->alice, "three", NULL);
	c.status = STATUS_PENDING;
	c.assignee_email = "agent2@desk.io";
	assert_int_equal(desk_ticket_update(t->d, &t->agent, t2, &c, &e), ERR_OK);

	struct ticket_query q = {.status = -1};
	assert_int_equal(desk_ticket_list(t->d, &t->agent, &a, &q, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 3);
	assert_int_equal(ROWS_AT(&rows, struct ticket_row, 0)->id, t3); /* newest first */
	q.status = STATUS_PENDING;
	assert_int_equal(desk_ticket_list(t->d, &t->agent, &a, &q, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 1);
	assert_int_equal(ROWS_AT(&rows, struct ticket_row, 0)->id, t2);
	q = (struct ticket_query){.status = -1, .assignee_email = "none"};
	assert_int_equal(desk_ticket_list(t->d, &t->agent, &a, &q, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 2);
	q = (struct ticket_query){.status = -1, .requester_email = "Alice@Example.com"};
	assert_int_equal(desk_ticket_list(t->d, &t->agent, &a, &q, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 2);
	q = (struct ticket_query){.status = -1, .limit = 1, .before_id = t3};
	assert_int_equal(desk_ticket_list(t->d, &t->agent, &a, &q, &rows, &e), ERR_OK);
	assert_int_equal(rows.count, 1);
	assert_int_equal(ROWS_AT(&rows, struct ticket_row, 0)->id, t2);
	(void)t1;

	q = (struct ticket_query){.status = -1, .limit = DESK_LIST_MAX + 1};
	assert_int_equal(desk_ticket_list(t->d, &t->agent, &a, &q, &rows, &e), ERR_INVALID);
	q = (struct ticket_query){.status = STATUS__COUNT};
	assert_int_equal(desk_ticket_list(t->d, &t->agent, &a, &q, &rows, &e), ERR_INVALID);
	q = (struct ticket_query){.status = -1, .requester_email = "nobody@x.io"};
	assert_int_equal(desk_ticket_list(t->d, &t->agent, &a, &q, &rows, &e), ERR_NOT_FOUND);
	arena_release(&a);
}

/* How many tickets the agent's search for text finds; *has: whether id is one. */
static size_t found(struct tl_desk *t, struct arena *a, const char *text, int64_t id, bool *has)
{
	struct search_query q = {.text = text, .status = -1};
	struct search_result r;
	struct err e = ERR_INIT;

	if (desk_search(t->d, &t->agent, a, &q, &r, &e))
		fail_msg("search '%s': %s", text, e.msg);
	*has = false;
	for (size_t i = 0; i < r.hits.count; i++)
		*has |= ROWS_AT(&r.hits, struct search_result_hit, i)->ticket.id == id;
	return r.hits.count;
}

/*
 * A search_later desk (a server's writer) leaves its new messages for
 * desk_search_catch_up: not found before, found after, in batches of the
 * size asked; a catch-up with nothing waiting indexes nothing; a desk
 * that indexes at its commits takes what waits along with its own.
 */
static void test_search_later(void **state)
{
	struct tl_desk *t = *state;
	struct store_options o = {.target = t->path, .blob_dir = t->files, .sync = DB_SYNC_OFF,
				  .busy_timeout_ms = 1000, .search_later = true};
	struct desk *later = NULL;
	struct arena a;
	struct err e = ERR_INIT;
	int64_t n = -1, ids[5];
	bool has;

	arena_init(&a);
	assert_int_equal(desk_open(&later, &o, &e), ERR_OK);
	for (int i = 0; i < 5; i++) {
		struct ticket_new_in in = ticket_in("Wombat sighting", "alice@example.com");
		assert_int_equal(desk_ticket_create(later, &t->agent, &in, &ids[i], &e), ERR_OK);
	}
	assert_int_equal(found(t, &a, "wombat", ids[0], &has), 0);
	assert_int_equal(desk_search_catch_up(later, 2, &n, &e), ERR_OK);
	assert_int_equal(n, 5);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(found(t, &a, "wombat", ids[i], &has), 5);
		assert_true(has);
	}
	assert_int_equal(desk_search_catch_up(later, 0, &n, &e), ERR_OK);
	assert_int_equal(n, 0);

	struct ticket_new_in in = ticket_in("Platypus sighting", "bob@example.com");
	assert_int_equal(desk_ticket_create(later, &t->agent, &in, &ids[0], &e), ERR_OK);
	in.subject = "Platypus again";
	assert_int_equal(desk_ticket_create(t->d, &t->agent, &in, &ids[1], &e), ERR_OK);
	assert_int_equal(found(t, &a, "platypus", ids[0], &has), 2);
	assert_true(has);
	desk_close(later);
	arena_release(&a);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_search_later),
		T(test_create_adds_unknown_requester),
		T(test_create_known_requester_case_insensitive),
		T(test_customer_creates_own_ticket),
		T(test_create_refused_writes_nothing),
		T(test_create_invalid_input_writes_nothing),
		T(test_subject_length_in_code_points),
		T(test_create_failure_rolls_back),
		T(test_create_with_fields),
		T(test_update_expected_version),
		T(test_update_writes_field_events),
		T(test_update_status_rules),
		T(test_update_failure_rolls_back),
		T(test_update_permissions),
		T(test_invisible_is_not_found),
		T(test_organisation_sharing_and_followers),
		T(test_customer_does_not_see_internal),
		T(test_merge),
		T(test_merge_refused_writes_nothing),
		T(test_link),
		T(test_followers),
		T(test_update_followers),
		T(test_list_query),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
