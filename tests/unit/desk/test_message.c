/*
 * test_message.c - tests of src/desk/message.c: replies and internal notes,
 * first response, reopening, follow-ups for closed tickets, and that a
 * refused message writes nothing.
 */
#include "util/common.h"
#include "desk/desk.h"
#include "store/blob.h"
#include "util/time.h"
#include "testlib.h"

static int setup(void **state)
{
	struct tl_desk *t = calloc(1, sizeof(*t));
	tl_desk_open(t, "desk-message");
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

struct counts {
	int64_t tickets, messages, events, attachments;
};

static struct counts counts(struct tl_desk *t)
{
	struct counts c = {tl_count(t->d, "tickets"), tl_count(t->d, "messages"),
			   tl_count(t->d, "events"), tl_count(t->d, "attachments")};
	return c;
}

#define assert_counts_equal(a, b)                                                                 \
	do {                                                                                      \
		struct counts a_ = (a), b_ = (b);                                                 \
		assert_int_equal(a_.tickets, b_.tickets);                                         \
		assert_int_equal(a_.messages, b_.messages);                                       \
		assert_int_equal(a_.events, b_.events);                                           \
		assert_int_equal(a_.attachments, b_.attachments);                                 \
	} while (0)

static int64_t create(struct tl_desk *t, const struct actor *who, const char *subject)
{
	struct ticket_new_in in = {.subject = subject, .body = "Help, please.",
				   .priority = -1, .channel = CHANNEL_PORTAL};
	struct err e = ERR_INIT;
	int64_t id = 0;
	if (desk_ticket_create(t->d, who, &in, &id, &e) != ERR_OK)
		fail_msg("create: %s", e.msg);
	return id;
}

static struct message_in msg(enum msg_kind kind, const char *body)
{
	struct message_in m = {0};
	m.kind = kind;
	m.body = body;
	m.channel = CHANNEL_WEB;
	m.status = -1;
	return m;
}

static enum err_code post(struct tl_desk *t, const struct actor *who, int64_t id,
			  enum msg_kind kind, const char *body, int status, struct message_out *out,
			  struct err *e)
{
	struct message_in m = msg(kind, body);
	struct message_out ignored;
	m.status = status;
	return desk_message_add(t->d, who, id, &m, out ? out : &ignored, e);
}

static struct ticket_row get(struct tl_desk *t, struct arena *a, int64_t id)
{
	struct ticket_view v;
	struct err e = ERR_INIT;
	if (desk_ticket_get(t->d, &t->admin, a, id, &v, &e) != ERR_OK)
		fail_msg("get #%" PRId64 ": %s", id, e.msg);
	return v.ticket;
}

static void set_status(struct tl_desk *t, int64_t id, enum status s)
{
	struct ticket_change c = {.status = (int)s, .priority = -1};
	struct err e = ERR_INIT;
	if (desk_ticket_update(t->d, &t->agent, id, &c, &e) != ERR_OK)
		fail_msg("status %s: %s", status_name(s), e.msg);
}

/* Whether the ticket's log holds an event of this kind. */
static bool has_event(struct tl_desk *t, struct arena *a, int64_t id, const char *kind)
{
	struct rows rows;
	struct err e = ERR_INIT;
	if (desk_ticket_events(t->d, &t->admin, a, id, &rows, &e) != ERR_OK)
		fail_msg("events: %s", e.msg);
	for (size_t i = 0; i < rows.count; i++)
		if (strcmp(ROWS_AT(&rows, struct event_row, i)->kind, kind) == 0)
			return true;
	return false;
}

/* --- first response ------------------------------------------------------------ */

static void test_first_response_set_once(void **state)
{
	struct tl_desk *t = *state;
	struct arena a;
	struct err e = ERR_INIT;
	struct message_out out;
	const int64_t t1 = TL_T0 + 7 * MS_PER_MIN;

	arena_init(&a);
	int64_t id = create(t, &t->alice, "First response");

	/* An internal note is not a response, and moves nothing. */
	time_set_fixed(TL_T0 + MS_PER_MIN);
	assert_int_equal(post(t, &t->agent, id, MSG_INTERNAL, "looking", -1, NULL, &e), ERR_OK);
	struct ticket_row r = get(t, &a, id);
	assert_int_equal(r.first_response_at, 0);
	assert_int_equal(r.status, STATUS_NEW);
	/* Nor is the customer writing again. */
	assert_int_equal(post(t, &t->alice, id, MSG_PUBLIC, "hello?", -1, NULL, &e), ERR_OK);
	assert_int_equal(get(t, &a, id).first_response_at, 0);

	/* The first public agent reply sets it and opens the ticket. */
	time_set_fixed(t1);
	assert_int_equal(post(t, &t->agent, id, MSG_PUBLIC, "On it.", -1, &out, &e), ERR_OK);
	assert_int_equal(out.ticket_id, id);
	assert_false(out.follow_up);
	assert_int_equal(out.status, STATUS_OPEN);
	assert_true(out.message_id > 0);
	r = get(t, &a, id);
	assert_int_equal(r.first_response_at, t1);
	assert_int_equal(r.status, STATUS_OPEN);
	assert_int_equal(r.updated_at, t1);
	assert_true(has_event(t, &a, id, "ticket.first_response"));

	/* Later replies, by anyone, and later edits never move it. */
	time_set_fixed(t1 + MS_PER_HOUR);
	assert_int_equal(post(t, &t->agent2, id, MSG_PUBLIC, "Update.", -1, NULL, &e), ERR_OK);
	assert_int_equal(post(t, &t->admin, id, MSG_PUBLIC, "From the boss.", -1, NULL, &e),
			 ERR_OK);
	struct ticket_change c = {.status = -1, .priority = PRIORITY_HIGH, .subject = "Renamed"};
	assert_int_equal(desk_ticket_update(t->d, &t->agent, id, &c, &e), ERR_OK);
	set_status(t, id, STATUS_SOLVED);
	assert_int_equal(post(t, &t->alice, id, MSG_PUBLIC, "Still broken.", -1, NULL, &e),
			 ERR_OK);
	assert_int_equal(post(t, &t->agent, id, MSG_PUBLIC, "Again.", -1, NULL, &e), ERR_OK);
	r = get(t, &a, id);
	assert_int_equal(r.first_response_at, t1);

	/* Exactly one first-response event. */
	struct rows rows;
	size_t n = 0;
	assert_int_equal(desk_ticket_events(t->d, &t->admin, &a, id, &rows, &e), ERR_OK);
	for (size_t i = 0; i < rows.count; i++)
		n += strcmp(ROWS_AT(&rows, struct event_row, i)->kind, "ticket.first_response") == 0;
	assert_int_equal(n, 1);
	arena_release(&a);
}

static void test_reply_with_status(void **state)
{
	struct tl_desk *t = *state;
	struct arena a;
	struct err e = ERR_INIT;
	struct message_out out;

	arena_init(&a);
	int64_t id = create(t, &t->alice, "With status");
	assert_int_equal(post(t, &t->agent, id, MSG_PUBLIC, "Can you try X?", STATUS_PENDING,
			      &out, &e),
			 ERR_OK);
	assert_int_equal(out.status, STATUS_PENDING);
	struct ticket_row r = get(t, &a, id);
	assert_int_equal(r.status, STATUS_PENDING);
	assert_int_equal(r.first_response_at, TL_T0);

	time_set_fixed(TL_T0 + 1000);
	assert_int_equal(post(t, &t->agent, id, MSG_PUBLIC, "Fixed.", STATUS_SOLVED, &out, &e),
			 ERR_OK);
	r = get(t, &a, id);
	assert_int_equal(r.status, STATUS_SOLVED);
	assert_int_equal(r.solved_at, TL_T0 + 1000);
	/* A note may carry a status too. */
	assert_int_equal(post(t, &t->agent, id, MSG_INTERNAL, "parking", STATUS_ON_HOLD, &out,
			      &e),
			 ERR_OK);
	assert_int_equal(get(t, &a, id).status, STATUS_ON_HOLD);
	/* A solved ticket may be closed with a last reply. */
	set_status(t, id, STATUS_SOLVED);
	time_set_fixed(TL_T0 + 2000);
	assert_int_equal(post(t, &t->agent, id, MSG_PUBLIC, "Closing.", STATUS_CLOSED, &out, &e),
			 ERR_OK);
	r = get(t, &a, id);
	assert_int_equal(r.status, STATUS_CLOSED);
	assert_int_equal(r.closed_at, TL_T0 + 2000);
	arena_release(&a);
}

/*
 * A reply writes the ticket's columns it changed and no others: the
 * indexes on the rest (assignee, group, requester, ...) are not rewritten.
 */
static void test_reply_writes_only_changed_columns(void **state)
{
	if (tl_pg())
		skip(); /* it watches the writes with a SQLite temporary trigger */
	struct tl_desk *t = *state;
	struct db *db = t->d->store.db;
	struct arena a;
	struct err e = ERR_INIT;
	struct message_out out;

	arena_init(&a);
	int64_t id = create(t, &t->alice, "Narrow");
	if (db_exec(db,
		    "CREATE TEMP TABLE touched (n INTEGER); "
		    "CREATE TEMP TRIGGER watch AFTER UPDATE OF subject, priority, requester_id, "
		    "assignee_id, group_id, organisation_id, channel, created_at ON tickets "
		    "BEGIN INSERT INTO touched VALUES (1); END",
		    &e))
		fail_msg("%s", e.msg);
	time_set_fixed(TL_T0 + 1000);
	assert_int_equal(post(t, &t->alice, id, MSG_PUBLIC, "More detail.", -1, &out, &e), ERR_OK);
	time_set_fixed(TL_T0 + 2000);
	assert_int_equal(post(t, &t->agent, id, MSG_PUBLIC, "Try this.", STATUS_PENDING, &out, &e),
			 ERR_OK);
	assert_int_equal(tl_query_int(db, "SELECT count(*) FROM touched"), 0);
	struct ticket_row r = get(t, &a, id);
	assert_int_equal(r.status, STATUS_PENDING);
	assert_int_equal(r.updated_at, TL_T0 + 2000);
	assert_int_equal(r.first_response_at, TL_T0 + 2000);
	assert_int_equal(r.version, 3);
	assert_string_equal(r.subject, "Narrow");
	arena_release(&a);
}

static void test_bad_requested_status_writes_nothing(void **state)
{
	struct tl_desk *t = *state;
	struct arena a;
	struct err e = ERR_INIT;

	arena_init(&a);
	int64_t id = create(t, &t->alice, "Bad status");
	assert_int_equal(post(t, &t->agent, id, MSG_PUBLIC, "hi", -1, NULL, &e), ERR_OK);
	struct counts before = counts(t);

	/* Closed only from solved; never back to new. */
	assert_int_equal(post(t, &t->agent, id, MSG_PUBLIC, "bye", STATUS_CLOSED, NULL, &e),
			 ERR_CONFLICT);
	assert_int_equal(post(t, &t->agent, id, MSG_PUBLIC, "again", STATUS_NEW, NULL, &e),
			 ERR_CONFLICT);
	/* Customers and engineers do not choose statuses. */
	assert_int_equal(post(t, &t->alice, id, MSG_PUBLIC, "done", STATUS_SOLVED, NULL, &e),
			 ERR_FORBIDDEN);
	/* An unknown status is invalid input. */
	assert_int_equal(post(t, &t->agent, id, MSG_PUBLIC, "x", STATUS__COUNT, NULL, &e),
			 ERR_INVALID);
	assert_counts_equal(counts(t), before);
	assert_int_equal(get(t, &a, id).status, STATUS_OPEN);
	arena_release(&a);
}

/* --- customers ---------------------------------------------------------------------- */

static void test_customer_reply_reopens(void **state)
{
	struct tl_desk *t = *state;
	struct arena a;
	struct err e = ERR_INIT;
	struct message_out out;
	struct rows rows;

	arena_init(&a);
	int64_t id = create(t, &t->alice, "Reopen");
	assert_int_equal(post(t, &t->agent, id, MSG_PUBLIC, "Done!", STATUS_SOLVED, NULL, &e),
			 ERR_OK);
	assert_true(get(t, &a, id).solved_at > 0);

	time_set_fixed(TL_T0 + MS_PER_DAY);
	assert_int_equal(post(t, &t->alice, id, MSG_PUBLIC, "No it is not.", -1, &out, &e),
			 ERR_OK);
	assert_int_equal(out.status, STATUS_OPEN);
	struct ticket_row r = get(t, &a, id);
	assert_int_equal(r.status, STATUS_OPEN);
	assert_int_equal(r.solved_at, 0); /* the solve is undone */
	/* The move is in the log, solved -> open, by her. */
	assert_int_equal(desk_ticket_events(t->d, &t->admin, &a, id, &rows, &e), ERR_OK);
	struct event_row *last_status = NULL;
	for (size_t i = 0; i < rows.count; i++)
		if (strcmp(ROWS_AT(&rows, struct event_row, i)->kind, "field.status") == 0)
			last_status = ROWS_AT(&rows, struct event_row, i);
	assert_non_null(last_status);
	assert_string_equal(last_status->old_value, "solved");
	assert_string_equal(last_status->new_value, "open");
	assert_int_equal(last_status->actor_id, t->alice.user_id);
	assert_int_equal(last_status->created_at, TL_T0 + MS_PER_DAY);

	/* Pending reopens too; on hold stays on hold. */
	set_status(t, id, STATUS_PENDING);
	assert_int_equal(post(t, &t->alice, id, MSG_PUBLIC, "Here it is.", -1, NULL, &e), ERR_OK);
	assert_int_equal(get(t, &a, id).status, STATUS_OPEN);
	set_status(t, id, STATUS_ON_HOLD);
	assert_int_equal(post(t, &t->alice, id, MSG_PUBLIC, "Any news?", -1, NULL, &e), ERR_OK);
	assert_int_equal(get(t, &a, id).status, STATUS_ON_HOLD);

	/* A follower of the ticket may reply too. */
	assert_int_equal(desk_follower_add(t->d, &t->agent, id, "bob@example.com", &e), ERR_OK);
	assert_int_equal(post(t, &t->bob, id, MSG_PUBLIC, "Same here.", -1, NULL, &e), ERR_OK);
	arena_release(&a);
}

static void test_customer_cannot_write_internal(void **state)
{
	struct tl_desk *t = *state;
	struct err e = ERR_INIT;

	int64_t id = create(t, &t->alice, "No notes");
	struct counts before = counts(t);
	assert_int_equal(post(t, &t->alice, id, MSG_INTERNAL, "psst", -1, NULL, &e),
			 ERR_FORBIDDEN);
	assert_counts_equal(counts(t), before);
}

/* --- engineers ----------------------------------------------------------------------- */

static void test_engineer_notes_only(void **state)
{
	struct tl_desk *t = *state;
	struct arena a;
	struct err e = ERR_INIT;
	struct message_out out;
	struct ticket_view v;

	arena_init(&a);
	int64_t id = create(t, &t->alice, "Needs an engineer");
	struct ticket_change c = {.status = -1, .priority = -1, .group = "Tier 2"};
	assert_int_equal(desk_ticket_update(t->d, &t->agent, id, &c, &e), ERR_OK);

	/* In the ticket's group: an internal note works and moves nothing. */
	assert_int_equal(post(t, &t->eng, id, MSG_INTERNAL, "Root cause: DNS.", -1, &out, &e),
			 ERR_OK);
	assert_int_equal(out.status, STATUS_NEW);
	struct ticket_row r = get(t, &a, id);
	assert_int_equal(r.status, STATUS_NEW);
	assert_int_equal(r.first_response_at, 0);
	assert_int_equal(desk_ticket_get(t->d, &t->eng, &a, id, &v, &e), ERR_OK);
	struct message_row *m = ROWS_AT(&v.messages, struct message_row, v.messages.count - 1);
	assert_int_equal(m->kind, MSG_INTERNAL);
	assert_int_equal(m->author_id, t->eng.user_id);
	assert_int_equal(m->author_role, ROLE_ENGINEER);
	assert_string_equal(m->body_text, "Root cause: DNS.");

	/* A public reply is refused, and writes nothing. */
	struct counts before = counts(t);
	assert_int_equal(post(t, &t->eng, id, MSG_PUBLIC, "Hi customer!", -1, NULL, &e),
			 ERR_FORBIDDEN);
	assert_counts_equal(counts(t), before);
	assert_int_equal(get(t, &a, id).first_response_at, 0);

	/* An engineer outside the group does not see the ticket at all. */
	assert_int_equal(post(t, &t->eng2, id, MSG_INTERNAL, "me?", -1, NULL, &e), ERR_NOT_FOUND);
	assert_counts_equal(counts(t), before);
	arena_release(&a);
}

/* --- closed tickets ------------------------------------------------------------------ */

static void test_reply_to_closed_starts_follow_up(void **state)
{
	struct tl_desk *t = *state;
	struct arena a;
	struct err e = ERR_INIT;
	struct message_out out;
	struct ticket_view old_v, new_v;
	const char *tags[] = {"vpn"};
	struct ticket_change c = {.status = -1, .priority = PRIORITY_HIGH, .tags_add = tags,
				  .ntags_add = 1, .group = "Tier 2"};

	arena_init(&a);
	int64_t id = create(t, &t->alice, "Closed one");
	assert_int_equal(desk_ticket_update(t->d, &t->agent, id, &c, &e), ERR_OK);
	assert_int_equal(post(t, &t->agent, id, MSG_PUBLIC, "Fixed.", STATUS_SOLVED, NULL, &e),
			 ERR_OK);
	set_status(t, id, STATUS_CLOSED);
	assert_int_equal(desk_ticket_get(t->d, &t->agent, &a, id, &old_v, &e), ERR_OK);
	size_t old_messages = old_v.messages.count;
	int64_t old_version = old_v.ticket.version;
	int64_t tickets = tl_count(t->d, "tickets");

	time_set_fixed(TL_T0 + 30 * MS_PER_DAY);
	assert_int_equal(post(t, &t->alice, id, MSG_PUBLIC, "It broke again.", -1, &out, &e),
			 ERR_OK);
	assert_true(out.follow_up);
	assert_int_not_equal(out.ticket_id, id);
	assert_int_equal(out.status, STATUS_NEW);
	assert_int_equal(tl_count(t->d, "tickets"), tickets + 1);

	/* The closed ticket is untouched. */
	assert_int_equal(desk_ticket_get(t->d, &t->agent, &a, id, &old_v, &e), ERR_OK);
	assert_int_equal(old_v.ticket.status, STATUS_CLOSED);
	assert_int_equal(old_v.messages.count, old_messages);
	assert_int_equal(old_v.ticket.version, old_version);

	/* The follow-up: same requester, the message, linked to the closed one. */
	assert_int_equal(desk_ticket_get(t->d, &t->alice, &a, out.ticket_id, &new_v, &e), ERR_OK);
	assert_int_equal(new_v.ticket.status, STATUS_NEW);
	assert_int_equal(new_v.ticket.requester_id, t->alice.user_id);
	assert_int_equal(new_v.ticket.created_at, TL_T0 + 30 * MS_PER_DAY);
	assert_int_equal(new_v.ticket.first_response_at, 0);
	assert_int_equal(new_v.ticket.closed_at, 0);
	assert_int_equal(new_v.ticket.solved_at, 0);
	assert_int_equal(new_v.messages.count, 1);
	struct message_row *m = ROWS_AT(&new_v.messages, struct message_row, 0);
	assert_int_equal(m->id, out.message_id);
	assert_string_equal(m->body_text, "It broke again.");
	assert_int_equal(m->author_id, t->alice.user_id);
	assert_int_equal(new_v.links.count, 1);
	struct link_row *l = ROWS_AT(&new_v.links, struct link_row, 0);
	assert_int_equal(l->ticket_id, out.ticket_id);
	assert_int_equal(l->other_id, id);
	assert_int_equal(l->kind, LINK_FOLLOW_UP);
	assert_int_equal(new_v.tags.count, 1); /* tags carry over */
	assert_int_equal(new_v.ticket.group_id, t->tier2);
	assert_true(has_event(t, &a, out.ticket_id, "ticket.created"));
	assert_true(has_event(t, &a, id, "ticket.linked"));
	arena_release(&a);
}

/*
 * Closed is final: a note on a closed ticket asking for "open" is refused
 * with ERR_CONFLICT and writes nothing. (Found accepted, with the request
 * silently dropped, by an earlier status.c; fixed.)
 */
static void test_note_on_closed_with_status_refused(void **state)
{
	struct tl_desk *t = *state;
	struct err e = ERR_INIT;

	int64_t id = create(t, &t->alice, "Closed");
	set_status(t, id, STATUS_SOLVED);
	set_status(t, id, STATUS_CLOSED);
	struct counts before = counts(t);
	assert_int_equal(post(t, &t->agent, id, MSG_INTERNAL, "reopen please", STATUS_OPEN, NULL,
			      &e),
			 ERR_CONFLICT);
	assert_counts_equal(counts(t), before);
}

static void test_note_on_closed_is_kept(void **state)
{
	struct tl_desk *t = *state;
	struct arena a;
	struct err e = ERR_INIT;
	struct message_out out;

	arena_init(&a);
	int64_t id = create(t, &t->alice, "Closed, annotated");
	set_status(t, id, STATUS_SOLVED);
	set_status(t, id, STATUS_CLOSED);
	int64_t tickets = tl_count(t->d, "tickets");
	assert_int_equal(post(t, &t->agent, id, MSG_INTERNAL, "for the record", -1, &out, &e),
			 ERR_OK);
	assert_false(out.follow_up);
	assert_int_equal(out.ticket_id, id);
	assert_int_equal(tl_count(t->d, "tickets"), tickets);
	assert_int_equal(get(t, &a, id).status, STATUS_CLOSED);
	arena_release(&a);
}

/* --- input ------------------------------------------------------------------------------ */

static void test_invalid_message_writes_nothing(void **state)
{
	struct tl_desk *t = *state;
	struct err e = ERR_INIT;
	static const struct {
		const char *name;
		const char *body;
	} bodies[] = {
		{"not utf-8", "caf\xe9"},
		{"truncated sequence", "abc\xe2\x82"},
		{"missing", NULL},
		{"empty", ""},
		{"blank", " \n\t "},
		{"control character", "bell\x07"},
	};

	int64_t id = create(t, &t->alice, "Input");
	struct counts before = counts(t);
	for (size_t i = 0; i < ARRAY_SIZE(bodies); i++) {
		enum err_code rc = post(t, &t->agent, id, MSG_PUBLIC, bodies[i].body, -1, NULL, &e);
		if (rc != ERR_INVALID)
			fail_msg("case '%s': %s", bodies[i].name, err_code_name(rc));
		assert_counts_equal(counts(t), before);
	}
	/* Too long in bytes. */
	char *big = malloc(DESK_BODY_MAX + 2);
	memset(big, 'a', DESK_BODY_MAX + 1);
	big[DESK_BODY_MAX + 1] = '\0';
	assert_int_equal(post(t, &t->agent, id, MSG_PUBLIC, big, -1, NULL, &e), ERR_INVALID);
	free(big);
	/* Unknown kind or channel. */
	struct message_in m = msg((enum msg_kind)7, "x");
	struct message_out out;
	assert_int_equal(desk_message_add(t->d, &t->agent, id, &m, &out, &e), ERR_INVALID);
	m = msg(MSG_PUBLIC, "x");
	m.channel = (enum channel)99;
	assert_int_equal(desk_message_add(t->d, &t->agent, id, &m, &out, &e), ERR_INVALID);
	/* The system actor is nobody: a message needs an author. */
	assert_int_equal(post(t, &t->sys, id, MSG_PUBLIC, "x", -1, NULL, &e), ERR_INVALID);
	assert_counts_equal(counts(t), before);
}

static void test_attachments(void **state)
{
	struct tl_desk *t = *state;
	struct arena a;
	struct err e = ERR_INIT;
	struct ticket_view v;
	struct message_out out;
	struct attachment_in ok = {.filename = "log.txt", .content_type = "text/plain",
				   .data = "abc", .len = 3};
	struct attachment_in secret = {.filename = "notes.txt", .data = "internal", .len = 8};
	struct message_in m = msg(MSG_PUBLIC, "See the log.");
	char path[4096], hex[BLOB_HEX_LEN + 1];

	arena_init(&a);
	int64_t id = create(t, &t->alice, "Attachments");
	m.attachments = &ok;
	m.nattachments = 1;
	assert_int_equal(desk_message_add(t->d, &t->alice, id, &m, &out, &e), ERR_OK);
	m = msg(MSG_INTERNAL, "Our notes.");
	m.attachments = &secret;
	m.nattachments = 1;
	assert_int_equal(desk_message_add(t->d, &t->agent, id, &m, &out, &e), ERR_OK);

	/* The bytes are in the blob store under their hash. */
	blob_hash("abc", 3, hex);
	assert_int_equal(blob_path(t->d->store.blob_dir, hex, path, sizeof(path)), 0);
	assert_true(tl_exists(path));

	assert_int_equal(desk_ticket_get(t->d, &t->agent, &a, id, &v, &e), ERR_OK);
	assert_int_equal(v.attachments.count, 2);
	assert_int_equal(desk_ticket_get(t->d, &t->alice, &a, id, &v, &e), ERR_OK);
	assert_int_equal(v.attachments.count, 1); /* not the internal note's */
	struct attachment_row *x = ROWS_AT(&v.attachments, struct attachment_row, 0);
	assert_string_equal(x->filename, "log.txt");
	assert_string_equal(x->content_type, "text/plain");
	assert_string_equal(x->sha256, hex);
	assert_int_equal(x->size, 3);
	arena_release(&a);
}

/* A bad attachment fails after the message row was written: all of it is undone. */
static void test_bad_attachment_rolls_back(void **state)
{
	struct tl_desk *t = *state;
	struct err e = ERR_INIT;
	struct message_out out;
	static const struct attachment_in bad[] = {
		{.filename = "../../etc/passwd", .data = "x", .len = 1},
		{.filename = "", .data = "x", .len = 1},
		{.filename = "..", .data = "x", .len = 1},
		{.filename = "a\\b.txt", .data = "x", .len = 1},
		{.filename = "bad\xff.txt", .data = "x", .len = 1},
	};

	int64_t id = create(t, &t->alice, "Bad attachment");
	struct counts before = counts(t);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct attachment_in two[2] = {
			{.filename = "fine.txt", .data = "fine", .len = 4},
			bad[i],
		};
		struct message_in m = msg(MSG_PUBLIC, "two files");
		m.attachments = two;
		m.nattachments = 2;
		enum err_code rc = desk_message_add(t->d, &t->alice, id, &m, &out, &e);
		if (rc != ERR_INVALID)
			fail_msg("attachment '%s': %s", bad[i].filename, err_code_name(rc));
		assert_counts_equal(counts(t), before);
		assert_int_equal(tl_count(t->d, "attachments"), before.attachments);
	}
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_first_response_set_once),
		T(test_reply_with_status),
		T(test_reply_writes_only_changed_columns),
		T(test_bad_requested_status_writes_nothing),
		T(test_customer_reply_reopens),
		T(test_customer_cannot_write_internal),
		T(test_engineer_notes_only),
		T(test_reply_to_closed_starts_follow_up),
		T(test_note_on_closed_with_status_refused),
		T(test_note_on_closed_is_kept),
		T(test_invalid_message_writes_nothing),
		T(test_attachments),
		T(test_bad_attachment_rolls_back),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
