/*
 * test_status.c - tests of src/rules/status.c: the status machine, checked
 * exhaustively against a reference written here from the header comment
 * of rules/status.h (not from status.c).
 */
#include "util/common.h"
#include "rules/status.h"
#include "testlib.h"

enum { Y = 1, N = 0 };

/*
 * status_can_set, from the header:
 *  - new is only ever the first status: nothing moves back to it;
 *  - closed is final: nothing leaves it;
 *  - closed is reached only from solved;
 *  - everything else may be set by a person.
 * Setting the status a ticket already has is not a move, so it is allowed
 * (new -> new on a new ticket, closed -> closed on a closed one).
 */
static const bool can_set[STATUS__COUNT][STATUS__COUNT] = {
	/* to:            new open pend hold solv clos */
	[STATUS_NEW] = {Y, Y, Y, Y, Y, N},
	[STATUS_OPEN] = {N, Y, Y, Y, Y, N},
	[STATUS_PENDING] = {N, Y, Y, Y, Y, N},
	[STATUS_ON_HOLD] = {N, Y, Y, Y, Y, N},
	[STATUS_SOLVED] = {N, Y, Y, Y, Y, Y},
	[STATUS_CLOSED] = {N, N, N, N, N, Y},
};

static void test_can_set_every_pair(void **state)
{
	(void)state;
	int failures = 0;

	for (int from = 0; from < STATUS__COUNT; from++)
		for (int to = 0; to < STATUS__COUNT; to++) {
			bool got = status_can_set((enum status)from, (enum status)to);
			if (got != can_set[from][to]) {
				print_error("status_can_set(%s, %s) = %d, want %d\n",
					    status_name((enum status)from),
					    status_name((enum status)to), got, can_set[from][to]);
				failures++;
			}
		}
	assert_int_equal(failures, 0);
}

/* The three rules again, stated directly, so a wrong table cannot hide them. */
static void test_can_set_rules(void **state)
{
	(void)state;
	for (int s = 0; s < STATUS__COUNT; s++) {
		if (s != STATUS_NEW)
			assert_false(status_can_set((enum status)s, STATUS_NEW));
		if (s != STATUS_CLOSED)
			assert_false(status_can_set(STATUS_CLOSED, (enum status)s));
		if (s != STATUS_SOLVED && s != STATUS_CLOSED)
			assert_false(status_can_set((enum status)s, STATUS_CLOSED));
	}
	assert_true(status_can_set(STATUS_SOLVED, STATUS_CLOSED));
	assert_true(status_can_set(STATUS_SOLVED, STATUS_OPEN));
	assert_false(status_can_set(STATUS__COUNT, STATUS_OPEN));
	assert_false(status_can_set(STATUS_OPEN, STATUS__COUNT));
}

/*
 * status_on_message, from the header (and perm.h for who may choose a
 * status: only admins and agents change fields):
 *  1. an engineer never writes publicly (NOT_PUBLIC); a customer never
 *     writes an internal note (NOT_INTERNAL); these come first;
 *  2. a status may be requested with a message by an admin or agent only,
 *     never new (nothing moves back to it), and only a move status_can_set
 *     allows (so closed only from solved, and nothing out of closed);
 *     otherwise BAD_REQUESTED;
 *  3. closed is final: a public message for a closed ticket starts a
 *     follow-up (FOLLOW_UP) whatever was asked; an internal note may be
 *     added to it, and the ticket stays closed;
 *  4. internal notes never move a ticket by themselves (an agent's
 *     explicit request is a person setting the status);
 *  5. a public reply by an admin or agent moves new to open, or to the
 *     chosen status, and sets first_response_at when it is unset;
 *  6. a customer's message reopens a pending or solved ticket (reopens is
 *     true only for solved); on_hold stays on hold; new and open stay.
 * A refused message changes nothing: next is the current status and both
 * flags are false.
 */
static bool request_ok(const struct status_message *m)
{
	if (m->author != ROLE_ADMIN && m->author != ROLE_AGENT)
		return false;
	if (m->request == STATUS_NEW)
		return false;
	/* So solved -> closed may be asked for; open -> closed may not. */
	return can_set[m->current][m->request];
}

static enum status_verdict on_message_ref(const struct status_message *m,
					  struct status_outcome *o)
{
	o->next = m->current;
	o->sets_first_response = false;
	o->reopens = false;

	if (m->kind == MSG_PUBLIC && m->author == ROLE_ENGINEER)
		return STATUS_NOT_PUBLIC;
	if (m->kind == MSG_INTERNAL && m->author == ROLE_CUSTOMER)
		return STATUS_NOT_INTERNAL;
	if (m->current == STATUS_CLOSED && m->kind == MSG_PUBLIC)
		return STATUS_FOLLOW_UP;
	/* A note on a closed ticket asking for another status asks to leave closed. */
	if (m->requested && !request_ok(m))
		return STATUS_BAD_REQUESTED;
	if (m->kind == MSG_INTERNAL) {
		if (m->requested)
			o->next = m->request;
		return STATUS_OK;
	}
	if (m->author == ROLE_ADMIN || m->author == ROLE_AGENT) {
		o->sets_first_response = !m->has_first_response;
		if (m->requested)
			o->next = m->request;
		else if (m->current == STATUS_NEW)
			o->next = STATUS_OPEN;
		return STATUS_OK;
	}
	/* The customer. */
	if (m->current == STATUS_PENDING)
		o->next = STATUS_OPEN;
	if (m->current == STATUS_SOLVED) {
		o->next = STATUS_OPEN;
		o->reopens = true;
	}
	return STATUS_OK;
}

static const char *verdict_name(enum status_verdict v)
{
	static const char *const names[] = {"OK", "FOLLOW_UP", "NOT_PUBLIC", "NOT_INTERNAL",
					    "BAD_REQUESTED"};
	return (unsigned)v < ARRAY_SIZE(names) ? names[v] : "?";
}

static void describe(const struct status_message *m, char *out, size_t n)
{
	snprintf(out, n, "%s ticket, %s writes %s, first response %s, request %s",
		 status_name(m->current), role_name(m->author), msg_kind_name(m->kind),
		 m->has_first_response ? "set" : "unset",
		 m->requested ? status_name(m->request) : "none");
}

/* Every status x role x kind x first response x (no request or each status). */
static int compare_all(void)
{
	int failures = 0, cases = 0;

	for (int cur = 0; cur < STATUS__COUNT; cur++)
		for (int role = 0; role < ROLE__COUNT; role++)
			for (int kind = 0; kind < MSG__COUNT; kind++)
				for (int fr = 0; fr < 2; fr++)
					for (int req = -1; req < STATUS__COUNT; req++) {
						struct status_message m = {
							.current = (enum status)cur,
							.author = (enum role)role,
							.kind = (enum msg_kind)kind,
							.has_first_response = fr,
							.requested = req >= 0,
							.request = req >= 0 ? (enum status)req
									    : STATUS_OPEN,
						};
						struct status_outcome got, want;
						enum status_verdict gv, wv;
						char what[160];

						/* Poison the outcome: the function must fill it. */
						memset(&got, 0x5a, sizeof(got));
						gv = status_on_message(&m, &got);
						wv = on_message_ref(&m, &want);
						cases++;
						if (gv == wv && got.next == want.next &&
						    got.sets_first_response ==
							    want.sets_first_response &&
						    got.reopens == want.reopens)
							continue;
						failures++;
						describe(&m, what, sizeof(what));
						print_error("%s: got %s next=%s first=%d reopens=%d; "
							    "want %s next=%s first=%d reopens=%d\n",
							    what, verdict_name(gv),
							    status_name(got.next),
							    got.sets_first_response, got.reopens,
							    verdict_name(wv), status_name(want.next),
							    want.sets_first_response, want.reopens);
					}
	assert_int_equal(cases, STATUS__COUNT * ROLE__COUNT * MSG__COUNT * 2 * (STATUS__COUNT + 1));
	return failures;
}

/* All 672 combinations agree with the reference, verdict and outcome. */
static void test_on_message_exhaustive(void **state)
{
	(void)state;
	assert_int_equal(compare_all(), 0);
}

/* The unrequested half of the space has no open question: it must agree. */
static void test_on_message_without_request(void **state)
{
	(void)state;
	int failures = 0;

	for (int cur = 0; cur < STATUS__COUNT; cur++)
		for (int role = 0; role < ROLE__COUNT; role++)
			for (int kind = 0; kind < MSG__COUNT; kind++)
				for (int fr = 0; fr < 2; fr++) {
					struct status_message m = {(enum status)cur, (enum role)role,
								   (enum msg_kind)kind, fr, false,
								   STATUS_NEW};
					struct status_outcome got, want;
					if (status_on_message(&m, &got) != on_message_ref(&m, &want) ||
					    got.next != want.next ||
					    got.sets_first_response != want.sets_first_response ||
					    got.reopens != want.reopens)
						failures++;
				}
	assert_int_equal(failures, 0);
}

/* Named scenarios from the header, spelled out. */
struct scenario {
	const char *name;
	struct status_message m;
	enum status_verdict verdict;
	enum status next;
	bool first, reopens;
};

#define NONE false, STATUS_NEW
#define REQ(s) true, s

static const struct scenario scenarios[] = {
	{"agent's first reply opens a new ticket",
	 {STATUS_NEW, ROLE_AGENT, MSG_PUBLIC, false, NONE}, STATUS_OK, STATUS_OPEN, Y, N},
	{"admin replies like an agent",
	 {STATUS_NEW, ROLE_ADMIN, MSG_PUBLIC, false, NONE}, STATUS_OK, STATUS_OPEN, Y, N},
	{"agent's later reply keeps first response",
	 {STATUS_OPEN, ROLE_AGENT, MSG_PUBLIC, true, NONE}, STATUS_OK, STATUS_OPEN, N, N},
	{"agent replies and sets pending",
	 {STATUS_NEW, ROLE_AGENT, MSG_PUBLIC, false, REQ(STATUS_PENDING)}, STATUS_OK,
	 STATUS_PENDING, Y, N},
	{"agent replies and solves",
	 {STATUS_OPEN, ROLE_AGENT, MSG_PUBLIC, true, REQ(STATUS_SOLVED)}, STATUS_OK,
	 STATUS_SOLVED, N, N},
	{"agent reply on pending without request stays pending",
	 {STATUS_PENDING, ROLE_AGENT, MSG_PUBLIC, true, NONE}, STATUS_OK, STATUS_PENDING, N, N},
	{"agent cannot request new",
	 {STATUS_OPEN, ROLE_AGENT, MSG_PUBLIC, true, REQ(STATUS_NEW)}, STATUS_BAD_REQUESTED,
	 STATUS_OPEN, N, N},
	{"agent cannot close an open ticket with a reply",
	 {STATUS_OPEN, ROLE_AGENT, MSG_PUBLIC, true, REQ(STATUS_CLOSED)}, STATUS_BAD_REQUESTED,
	 STATUS_OPEN, N, N},
	{"customer reopens solved",
	 {STATUS_SOLVED, ROLE_CUSTOMER, MSG_PUBLIC, true, NONE}, STATUS_OK, STATUS_OPEN, N, Y},
	{"customer answers pending",
	 {STATUS_PENDING, ROLE_CUSTOMER, MSG_PUBLIC, true, NONE}, STATUS_OK, STATUS_OPEN, N, N},
	{"customer on on_hold stays on hold",
	 {STATUS_ON_HOLD, ROLE_CUSTOMER, MSG_PUBLIC, true, NONE}, STATUS_OK, STATUS_ON_HOLD, N,
	 N},
	{"customer on new stays new and sets no first response",
	 {STATUS_NEW, ROLE_CUSTOMER, MSG_PUBLIC, false, NONE}, STATUS_OK, STATUS_NEW, N, N},
	{"customer cannot choose a status",
	 {STATUS_OPEN, ROLE_CUSTOMER, MSG_PUBLIC, false, REQ(STATUS_SOLVED)},
	 STATUS_BAD_REQUESTED, STATUS_OPEN, N, N},
	{"customer on closed starts a follow-up",
	 {STATUS_CLOSED, ROLE_CUSTOMER, MSG_PUBLIC, true, NONE}, STATUS_FOLLOW_UP, STATUS_CLOSED,
	 N, N},
	{"agent reply on closed starts a follow-up",
	 {STATUS_CLOSED, ROLE_AGENT, MSG_PUBLIC, true, NONE}, STATUS_FOLLOW_UP, STATUS_CLOSED, N,
	 N},
	{"customer cannot write internal notes",
	 {STATUS_OPEN, ROLE_CUSTOMER, MSG_INTERNAL, false, NONE}, STATUS_NOT_INTERNAL,
	 STATUS_OPEN, N, N},
	{"engineer cannot reply publicly",
	 {STATUS_OPEN, ROLE_ENGINEER, MSG_PUBLIC, false, NONE}, STATUS_NOT_PUBLIC, STATUS_OPEN, N,
	 N},
	{"engineer cannot reply publicly even on closed",
	 {STATUS_CLOSED, ROLE_ENGINEER, MSG_PUBLIC, false, NONE}, STATUS_NOT_PUBLIC,
	 STATUS_CLOSED, N, N},
	{"engineer's note moves nothing",
	 {STATUS_NEW, ROLE_ENGINEER, MSG_INTERNAL, false, NONE}, STATUS_OK, STATUS_NEW, N, N},
	{"engineer cannot choose a status",
	 {STATUS_OPEN, ROLE_ENGINEER, MSG_INTERNAL, false, REQ(STATUS_PENDING)},
	 STATUS_BAD_REQUESTED, STATUS_OPEN, N, N},
	{"agent's note on new sets no first response",
	 {STATUS_NEW, ROLE_AGENT, MSG_INTERNAL, false, NONE}, STATUS_OK, STATUS_NEW, N, N},
	{"agent's note with a status sets it",
	 {STATUS_OPEN, ROLE_AGENT, MSG_INTERNAL, true, REQ(STATUS_ON_HOLD)}, STATUS_OK,
	 STATUS_ON_HOLD, N, N},
	{"agent closes a solved ticket with a reply",
	 {STATUS_SOLVED, ROLE_AGENT, MSG_PUBLIC, true, REQ(STATUS_CLOSED)}, STATUS_OK,
	 STATUS_CLOSED, N, N},
	{"agent's note cannot reopen a closed ticket",
	 {STATUS_CLOSED, ROLE_AGENT, MSG_INTERNAL, true, REQ(STATUS_OPEN)}, STATUS_BAD_REQUESTED,
	 STATUS_CLOSED, N, N},
	{"agent's reply on closed starts a follow-up whatever was asked",
	 {STATUS_CLOSED, ROLE_AGENT, MSG_PUBLIC, true, REQ(STATUS_OPEN)}, STATUS_FOLLOW_UP,
	 STATUS_CLOSED, N, N},
	{"agent's note on closed keeps it closed",
	 {STATUS_CLOSED, ROLE_AGENT, MSG_INTERNAL, true, NONE}, STATUS_OK, STATUS_CLOSED, N, N},
};

static void test_scenarios(void **state)
{
	(void)state;
	int failures = 0;

	for (size_t i = 0; i < ARRAY_SIZE(scenarios); i++) {
		const struct scenario *s = &scenarios[i];
		struct status_outcome o;
		enum status_verdict v = status_on_message(&s->m, &o);
		if (v != s->verdict || o.next != s->next || o.sets_first_response != s->first ||
		    o.reopens != s->reopens) {
			print_error("scenario '%s': %s next=%s first=%d reopens=%d\n", s->name,
				    verdict_name(v), status_name(o.next), o.sets_first_response,
				    o.reopens);
			failures++;
		}
		/* The reference agrees with every spelled-out scenario. */
		struct status_outcome r;
		assert_int_equal(on_message_ref(&s->m, &r), s->verdict);
		assert_int_equal(r.next, s->next);
	}
	assert_int_equal(failures, 0);
}

/*
 * Closed is reached only from solved, so an agent may close a solved
 * ticket with a message. (Found refused by an earlier status.c, which
 * refused any request for closed; fixed.)
 */
static void test_agent_closes_solved_with_message(void **state)
{
	(void)state;
	struct status_message m = {STATUS_SOLVED, ROLE_AGENT, MSG_PUBLIC, true,
				   REQ(STATUS_CLOSED)};
	struct status_outcome o;

	assert_int_equal(status_on_message(&m, &o), STATUS_OK);
	assert_int_equal(o.next, STATUS_CLOSED);
}

/*
 * Closed is final: a note on a closed ticket asking for another status is
 * refused, not accepted with the request dropped. (Found accepted by an
 * earlier status.c; fixed.)
 */
static void test_note_on_closed_with_request_refused(void **state)
{
	(void)state;
	struct status_message m = {STATUS_CLOSED, ROLE_AGENT, MSG_INTERNAL, true,
				   REQ(STATUS_OPEN)};
	struct status_outcome o;

	assert_int_equal(status_on_message(&m, &o), STATUS_BAD_REQUESTED);
	assert_int_equal(o.next, STATUS_CLOSED);
}

static void test_verdict_reasons(void **state)
{
	(void)state;
	for (int v = STATUS_OK; v <= STATUS_BAD_REQUESTED; v++) {
		const char *r = status_verdict_reason((enum status_verdict)v);
		assert_true(r && *r && strcmp(r, "?") != 0);
		for (int w = STATUS_OK; w < v; w++)
			assert_string_not_equal(r, status_verdict_reason((enum status_verdict)w));
	}
	assert_string_equal(status_verdict_reason((enum status_verdict)99), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_can_set_every_pair),
		cmocka_unit_test(test_can_set_rules),
		cmocka_unit_test(test_on_message_exhaustive),
		cmocka_unit_test(test_on_message_without_request),
		cmocka_unit_test(test_scenarios),
		cmocka_unit_test(test_agent_closes_solved_with_message),
		cmocka_unit_test(test_note_on_closed_with_request_refused),
		cmocka_unit_test(test_verdict_reasons),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
