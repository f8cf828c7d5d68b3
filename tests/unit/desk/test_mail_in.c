/*
 * test_mail_in.c - tests of src/desk/mail_in.c: mail stored verbatim and
 * threaded (In-Reply-To, References, subject tag from a participant),
 * new tickets with their Cc followers, duplicates, bounces, unreadable
 * messages, the per-sender hold, and text made valid on the way.
 */
#include "util/common.h"
#include "desk/desk.h"
#include "store/blob.h"
#include "testlib.h"

struct fixture {
	struct tl_desk t;
	struct arena a;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct err e = ERR_INIT;
	tl_desk_open(&f->t, "mail-in");
	arena_init(&f->a);
	assert_int_equal(desk_set_mail(f->t.d, "Help <help@desk.io>", &e), ERR_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	arena_release(&f->a);
	tl_desk_close(&f->t);
	free(f);
	return 0;
}

static struct desk_mail_in mail(const char *from, const char *id, const char *subject,
				const char *body)
{
	struct desk_mail_in m = {.from = from, .message_id = id, .subject = subject,
				 .body_text = body, .raw = "From: x\r\n\r\nraw bytes\r\n"};
	m.raw_len = strlen(m.raw);
	return m;
}

static struct desk_mail_result receive(struct fixture *f, const struct desk_mail_in *m)
{
	struct desk_mail_result r;
	struct err e = ERR_INIT;
	if (desk_mail_receive(f->t.d, m, &r, &e))
		fail_msg("receive: %s", e.msg);
	return r;
}

static struct ticket_view view(struct fixture *f, int64_t id)
{
	struct ticket_view v;
	struct err e = ERR_INIT;
	if (desk_ticket_get(f->t.d, &f->t.admin, &f->a, id, &v, &e))
		fail_msg("ticket %" PRId64 ": %s", id, e.msg);
	return v;
}

static const struct message_row *last_message(const struct ticket_view *v)
{
	return ROWS_AT(&v->messages, struct message_row, v->messages.count - 1);
}

/* An agent's public reply on ticket id; its Message-ID (queued for mail). */
static const char *agent_reply(struct fixture *f, int64_t id)
{
	struct message_in m = {.kind = MSG_PUBLIC, .body = "Try this", .channel = CHANNEL_WEB,
			       .status = -1};
	struct message_out out;
	struct err e = ERR_INIT;
	assert_int_equal(desk_message_add(f->t.d, &f->t.agent, id, &m, &out, &e), ERR_OK);
	struct ticket_view v = view(f, id);
	assert_non_null(last_message(&v)->mail_id);
	return last_message(&v)->mail_id;
}

static void test_new_ticket_with_followers(void **state)
{
	struct fixture *f = *state;
	static const char *const cc[] = {"Watcher@Example.com", "help@desk.io", "bad address"};
	struct desk_mail_in m = mail("New.Person@Example.COM", "abc@mail.example.com",
				     "Printer on fire", "It smokes.\nHelp!");
	m.from_name = "New Person";
	m.cc = cc;
	m.n_cc = 3;
	struct desk_mail_result r = receive(f, &m);

	assert_string_equal(r.state, "new_ticket");
	struct ticket_view v = view(f, r.ticket_id);
	assert_string_equal(v.ticket.subject, "Printer on fire");
	assert_int_equal(v.ticket.channel, CHANNEL_EMAIL);
	assert_string_equal(v.requester.email, "new.person@example.com");
	assert_string_equal(v.requester.name, "New Person");
	assert_int_equal(v.requester.role, ROLE_CUSTOMER);
	/* A customer's own ticket: not opened by an agent, so first reply time counts. */
	assert_false(v.ticket.opened_by_agent);
	assert_int_equal(v.messages.count, 1);
	assert_string_equal(last_message(&v)->body_text, "It smokes.\nHelp!");
	assert_string_equal(last_message(&v)->mail_id, "abc@mail.example.com");
	assert_int_equal(r.message_id, last_message(&v)->id);
	/* The watcher follows; the desk's own address and garbage do not. */
	assert_int_equal(v.followers.count, 1);
	assert_string_equal(ROWS_AT(&v.followers, struct user_row, 0)->email, "watcher@example.com");
	/* The raw message is in the store, and on the record. */
	char hex[BLOB_HEX_LEN + 1];
	blob_hash(m.raw, m.raw_len, hex);
	assert_int_equal(tl_query_int(f->t.d->store.db,
				      "SELECT count(*) FROM mail_inbound WHERE state = 'new_ticket' "
				      "AND mailbox = 'default' AND sender = 'new.person@example.com'"),
			 1);
	char sql[160];
	snprintf(sql, sizeof(sql), "SELECT size FROM mail_raw WHERE sha256 = '%s'", hex);
	assert_int_equal(tl_query_int(f->t.d->store.db, sql), (int64_t)m.raw_len);
}

static void test_duplicates_thread_once(void **state)
{
	struct fixture *f = *state;
	struct desk_mail_in m = mail("alice@example.com", "dup@x", "Once", "hello");
	struct desk_mail_result r1 = receive(f, &m), r2 = receive(f, &m);

	assert_string_equal(r1.state, "new_ticket");
	assert_string_equal(r2.state, "duplicate");
	assert_int_equal(r2.ticket_id, r1.ticket_id);
	assert_int_equal(tl_count(f->t.d, "tickets"), 1);
	/* Another mailbox is another delivery. */
	m.mailbox = "sales";
	assert_string_equal(receive(f, &m).state, "new_ticket");
}

/* A hash made ahead (desk_mail_hash, on a reader thread) is the one the message is kept by. */
static void test_hash_made_ahead(void **state)
{
	struct fixture *f = *state;
	struct desk_mail_in m = mail("alice@example.com", "ahead@x", "Ahead", "hello");
	struct desk_mail_in n = mail("bob@example.com", "here@x", "Here", "hello");
	char hex[DESK_SHA256_HEX];
	struct err e = ERR_INIT;
	struct db_stmt *st;

	desk_mail_hash(&m, hex);
	m.raw_sha256 = hex;
	receive(f, &m);
	receive(f, &n); /* the same raw bytes, hashed by desk_mail_receive */
	assert_int_equal(db_prepare(f->t.d->store.db,
				    "SELECT count(*), min(raw_sha256) FROM mail_inbound", &st, &e),
			 ERR_OK);
	assert_int_equal(db_step(st, &e), DB_ROW);
	assert_int_equal(db_col_int64(st, 0), 2);
	assert_string_equal(db_col_text(st, 1), hex);
	db_done(st);
	assert_int_equal(tl_query_int(f->t.d->store.db,
				      "SELECT count(DISTINCT raw_sha256) FROM mail_inbound"),
			 1);
}

static void test_replies_thread(void **state)
{
	struct fixture *f = *state;
	struct desk_mail_in m = mail("alice@example.com", "first@x", "VPN down", "It is down");
	int64_t id = receive(f, &m).ticket_id;
	const char *sent = agent_reply(f, id);

	/* In-Reply-To our reply. */
	m = mail("alice@example.com", "second@x", "Re: [#999] VPN down", "Still down");
	m.in_reply_to = sent;
	struct desk_mail_result r = receive(f, &m);
	assert_string_equal(r.state, "threaded");
	assert_int_equal(r.ticket_id, id);
	/* References only (a client that drops In-Reply-To), naming her own first mail. */
	static const char *const refs[] = {"unknown@y", "first@x"};
	m = mail("alice@example.com", "third@x", "Re: VPN", "Third");
	m.references = refs;
	m.n_references = 2;
	assert_int_equal(receive(f, &m).ticket_id, id);
	/* A stranger answering in the thread is added as a follower. */
	m = mail("bob@example.com", "fourth@x", "Re: VPN", "Me too");
	m.in_reply_to = "second@x";
	r = receive(f, &m);
	assert_string_equal(r.state, "threaded");
	struct ticket_view v = view(f, id);
	assert_int_equal(v.messages.count, 5);
	assert_int_equal(v.followers.count, 1);
	assert_string_equal(ROWS_AT(&v.followers, struct user_row, 0)->email, "bob@example.com");
}

static void test_subject_tag_needs_a_participant(void **state)
{
	struct fixture *f = *state;
	struct desk_mail_in m = mail("alice@example.com", "t1@x", "Billing", "Invoice wrong");
	int64_t id = receive(f, &m).ticket_id;

	m = mail("alice@example.com", "t2@x", "Re: [#1] Billing", "More");
	m.ticket_tag = id;
	assert_string_equal(receive(f, &m).state, "threaded");
	/* Someone else quoting the tag gets a ticket of their own. */
	m = mail("mallory@evil.example", "t3@x", "[#1] Billing", "Let me in");
	m.ticket_tag = id;
	struct desk_mail_result r = receive(f, &m);
	assert_string_equal(r.state, "new_ticket");
	assert_true(r.ticket_id != id);
	/* A tag of no ticket: a new one. */
	m = mail("alice@example.com", "t4@x", "[#4242] Other", "x");
	m.ticket_tag = 4242;
	assert_string_equal(receive(f, &m).state, "new_ticket");
}

static void test_merged_and_closed(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	struct desk_mail_in m = mail("alice@example.com", "m1@x", "One", "one");
	int64_t a = receive(f, &m).ticket_id;
	m = mail("alice@example.com", "m2@x", "Two", "two");
	int64_t b = receive(f, &m).ticket_id;

	assert_int_equal(desk_ticket_merge(f->t.d, &f->t.agent, a, b, &e), ERR_OK);
	m = mail("alice@example.com", "m3@x", "Re: One", "on the merged one");
	m.in_reply_to = "m1@x";
	struct desk_mail_result r = receive(f, &m);
	assert_string_equal(r.state, "threaded");
	assert_int_equal(r.ticket_id, b);

	/* A reply to a closed ticket opens a follow-up. */
	struct ticket_change c = {.status = STATUS_SOLVED, .priority = -1};
	assert_int_equal(desk_ticket_update(f->t.d, &f->t.agent, b, &c, &e), ERR_OK);
	c.status = STATUS_CLOSED;
	assert_int_equal(desk_ticket_update(f->t.d, &f->t.agent, b, &c, &e), ERR_OK);
	m = mail("alice@example.com", "m4@x", "Re: Two", "again");
	m.in_reply_to = "m2@x";
	r = receive(f, &m);
	assert_string_equal(r.state, "threaded");
	assert_true(r.ticket_id != b);
}

static void test_unreadable_is_a_ticket_with_the_source(void **state)
{
	struct fixture *f = *state;
	struct desk_mail_in m = mail("alice@example.com", NULL, NULL, NULL);
	m.unreadable = true;
	m.unreadable_reason = "no boundary in a multipart";
	struct desk_mail_result r = receive(f, &m);

	assert_string_equal(r.state, "new_ticket");
	struct ticket_view v = view(f, r.ticket_id);
	assert_string_equal(v.ticket.subject, "(no subject)");
	assert_contains(last_message(&v)->body_text, "no boundary in a multipart");
	assert_int_equal(v.attachments.count, 1);
	struct attachment_row *x = ROWS_AT(&v.attachments, struct attachment_row, 0);
	assert_string_equal(x->filename, "message.eml");
	assert_string_equal(x->content_type, "message/rfc822");
	assert_int_equal(x->size, (int64_t)m.raw_len);
}

static void test_bounces(void **state)
{
	struct fixture *f = *state;
	struct desk_mail_in m = mail("alice@example.com", "b1@x", "Hello", "hi");
	int64_t id = receive(f, &m).ticket_id;
	const char *sent = agent_reply(f, id);
	static const char *const who[] = {"alice@example.com"};

	m = mail("MAILER-DAEMON@mx.example.com", "dsn1@mx", "Undelivered Mail Returned to Sender",
		 "report");
	m.bounce = true;
	m.bounce_of = sent;
	m.bounce_recipients = who;
	m.n_bounce_recipients = 1;
	m.bounce_text = "550 5.1.1 user unknown";
	struct desk_mail_result r = receive(f, &m);
	assert_string_equal(r.state, "bounce");
	assert_int_equal(r.ticket_id, id);
	assert_int_equal(tl_count(f->t.d, "tickets"), 1);
	struct ticket_view v = view(f, id);
	const struct message_row *note = last_message(&v);
	assert_int_equal(note->kind, MSG_INTERNAL);
	assert_contains(note->body_text, "550 5.1.1 user unknown");
	assert_contains(note->body_text, "alice@example.com");
	const struct message_row *reply = ROWS_AT(&v.messages, struct message_row, 1);
	assert_string_equal(reply->delivery, "failed");
	assert_contains(reply->delivery_detail, "bounced");
	assert_int_equal(tl_query_int(f->t.d->store.db, "SELECT count(*) FROM users WHERE email = "
				      "'alice@example.com' AND mail_bounced_at IS NOT NULL"), 1);
	/* A report about mail the desk never sent makes nothing. */
	m.message_id = "dsn2@mx";
	m.bounce_of = "someone-else@x";
	r = receive(f, &m);
	assert_string_equal(r.state, "ignored");
	assert_int_equal(r.ticket_id, 0);
	assert_int_equal(tl_count(f->t.d, "tickets"), 1);
}

static void test_flood_is_held(void **state)
{
	struct fixture *f = *state;
	char id[32];

	desk_set_mail_intake(f->t.d, 3, true);
	for (int i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "flood%d@x", i);
		struct desk_mail_in m = mail("robot@example.com", id, "Alert", "disk full");
		assert_string_equal(receive(f, &m).state, i < 3 ? "new_ticket" : "held");
	}
	assert_int_equal(tl_count(f->t.d, "tickets"), 3);
	assert_int_equal(tl_query_int(f->t.d->store.db,
				      "SELECT count(*) FROM mail_inbound WHERE state = 'held'"), 2);
	/* Someone else is not held. */
	struct desk_mail_in m = mail("alice@example.com", "a@x", "Question", "q");
	assert_string_equal(receive(f, &m).state, "new_ticket");
	/* No sender at all: held, not lost. */
	m = mail(NULL, "nosender@x", "?", "?");
	assert_string_equal(receive(f, &m).state, "held");
	m = mail("not an address", "bad@x", "?", "?");
	assert_string_equal(receive(f, &m).state, "held");
}

static void test_text_made_valid(void **state)
{
	struct fixture *f = *state;
	struct desk_mail_in m = mail("alice@example.com", "txt@x", "Bad\x01 sub\xffject\r\n end",
				     "line one\r\nline\x02two \xc3\x28 end\xc2\x85.");
	struct desk_mail_result r = receive(f, &m);
	struct ticket_view v = view(f, r.ticket_id);

	assert_string_equal(v.ticket.subject, "Bad  sub\xEF\xBF\xBDject  end");
	assert_string_equal(last_message(&v)->body_text,
			    "line one\nline two \xEF\xBF\xBD( end .");
	/* A display name with control characters (found by the fuzzer): the mail is taken. */
	m = mail("jg@example.de", "name@x", "Gr\xc3\xbc\xc3\x9f", "body");
	m.from_name = "J\xc3\xbcrgen Gr\xc3\xb6\xc2\x9f\x01";
	struct desk_mail_result r2 = receive(f, &m);
	assert_string_equal(r2.state, "new_ticket");
	assert_string_equal(view(f, r2.ticket_id).requester.name, "J\xc3\xbcrgen Gr\xc3\xb6");
	/*
	 * A subject longer than the cap is cut to it, "…" included, and is a
	 * ticket (it was held: one code point over); one at the cap is whole.
	 */
	char subj[DESK_SUBJECT_MAX + 20], want[DESK_SUBJECT_MAX + 8];
	memset(subj, 'a', sizeof(subj) - 1);
	subj[sizeof(subj) - 1] = '\0';
	subj[5] = '\t';
	memcpy(subj + DESK_SUBJECT_MAX - 1, "\xc3\xa9", 2); /* the 250th code point */
	memset(want, 'a', DESK_SUBJECT_MAX - 1);
	want[5] = ' ';
	memcpy(want + DESK_SUBJECT_MAX - 1, "\xE2\x80\xA6", 4);
	m = mail("alice@example.com", "cap1@x", subj, "x");
	r2 = receive(f, &m);
	assert_string_equal(r2.state, "new_ticket");
	assert_string_equal(view(f, r2.ticket_id).ticket.subject, want);
	subj[DESK_SUBJECT_MAX + 1] = '\0'; /* 250 code points, the last of two bytes */
	memcpy(want + DESK_SUBJECT_MAX - 1, "\xc3\xa9", 3);
	m = mail("alice@example.com", "cap2@x", subj, "x");
	r2 = receive(f, &m);
	assert_string_equal(r2.state, "new_ticket");
	assert_string_equal(view(f, r2.ticket_id).ticket.subject, want);
	/* Also when the cut falls inside a run of ASCII. */
	memset(subj, 'b', DESK_SUBJECT_MAX + 10);
	subj[DESK_SUBJECT_MAX + 10] = '\0';
	memset(want, 'b', DESK_SUBJECT_MAX - 1);
	memcpy(want + DESK_SUBJECT_MAX - 1, "\xE2\x80\xA6", 4);
	m = mail("alice@example.com", "cap3@x", subj, "x");
	r2 = receive(f, &m);
	assert_string_equal(r2.state, "new_ticket");
	assert_string_equal(view(f, r2.ticket_id).ticket.subject, want);
	m = mail("alice@example.com", "blank@x", "   ", "");
	v = view(f, receive(f, &m).ticket_id);
	assert_string_equal(v.ticket.subject, "(no subject)");
	assert_string_equal(last_message(&v)->body_text, "(no text)");
}

static void test_fold_points_are_kept(void **state)
{
	struct fixture *f = *state;
	const char *body = "Thanks, that fixed it.\n\n-- \nPat\n\nOn Mon, 1 Dec 2026, Help wrote:\n"
			   "> Try turning it off.\n";
	struct desk_mail_in m = mail("pat@example.com", "fold@x", "Fixed", body);
	struct ticket_view v = view(f, receive(f, &m).ticket_id);
	const struct message_row *msg = last_message(&v);

	assert_true(msg->signature_at > 0 && msg->quote_at > msg->signature_at);
	assert_true(strncmp(msg->body_text + msg->signature_at, "-- \n", 4) == 0);
	assert_true(strncmp(msg->body_text + msg->quote_at, "On Mon", 6) == 0);
	/* Nothing to fold: nothing stored. */
	m = mail("pat@example.com", "nofold@x", "Plain", "Just text.");
	v = view(f, receive(f, &m).ticket_id);
	assert_int_equal(last_message(&v)->signature_at, -1);
	assert_int_equal(last_message(&v)->quote_at, -1);
}

static void test_engineer_mail_is_never_lost(void **state)
{
	struct fixture *f = *state;
	struct desk_mail_in m = mail("alice@example.com", "e1@x", "Crash", "it crashes");
	int64_t id = receive(f, &m).ticket_id;

	/* eng2 is in no group: the ticket is not theirs; the reply becomes its own ticket. */
	m = mail("eng2@desk.io", "e2@x", "Re: Crash", "a note by mail");
	m.in_reply_to = "e1@x";
	struct desk_mail_result r = receive(f, &m);
	assert_true(strcmp(r.state, "new_ticket") == 0 || strcmp(r.state, "held") == 0);
	assert_true(r.ticket_id != id);
	assert_int_equal(tl_query_int(f->t.d->store.db,
				      "SELECT count(*) FROM mail_inbound WHERE message_id = 'e2@x'"),
			 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_ticket_with_followers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates_thread_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hash_made_ahead, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replies_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subject_tag_needs_a_participant, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merged_and_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_is_a_ticket_with_the_source, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bounces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood_is_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_made_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fold_points_are_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engineer_mail_is_never_lost, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
