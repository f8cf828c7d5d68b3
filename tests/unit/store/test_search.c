/*
 * test_search.c - tests of src/store/search_sqlite.c: the tokenizer
 * (folding, stemming, prefixes), ranking, snippets, filters, the viewer's
 * visibility inside the query, and the index following every write.
 */
#include "util/common.h"
#include "rules/query.h"
#include "store/repo.h"
#include "store/search.h"
#include "testlib.h"

#include <math.h>

#define DAY 86400000LL
#define NOW (1000 * DAY)

struct fixture {
	struct tl_store ts;
	struct db *db;
	struct arena a;
	int64_t agent, agent2, eng, cust, cust2, acme1, acme2, other1, other2, group;
	int64_t acme, other_org;
};

static int64_t add_user(struct db *db, const char *email, enum role r, int64_t org)
{
	struct user_new u = {email, email, email, r, org, 1};
	struct err e = ERR_INIT;
	int64_t id = 0;
	if (repo_user_insert(db, &u, &id, &e))
		fail_msg("user %s: %s", email, e.msg);
	return id;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct err e = ERR_INIT;

	tl_store_open(&f->ts, "search");
	f->db = f->ts.store.db;
	arena_init(&f->a);
	if (repo_org_insert(f->db, "Acme", "acme", NULL, true, 1, &f->acme, &e) ||
	    repo_org_insert(f->db, "Other", "other", NULL, false, 1, &f->other_org, &e))
		return -1;
	f->agent = add_user(f->db, "agent@desk.io", ROLE_AGENT, 0);
	f->agent2 = add_user(f->db, "agent2@desk.io", ROLE_AGENT, 0);
	f->eng = add_user(f->db, "eng@desk.io", ROLE_ENGINEER, 0);
	f->cust = add_user(f->db, "cust@x.io", ROLE_CUSTOMER, 0);
	f->cust2 = add_user(f->db, "cust2@x.io", ROLE_CUSTOMER, 0);
	f->acme1 = add_user(f->db, "one@acme.com", ROLE_CUSTOMER, f->acme);
	f->acme2 = add_user(f->db, "two@acme.com", ROLE_CUSTOMER, f->acme);
	f->other1 = add_user(f->db, "one@other.com", ROLE_CUSTOMER, f->other_org);
	f->other2 = add_user(f->db, "two@other.com", ROLE_CUSTOMER, f->other_org);
	if (repo_group_insert(f->db, "Tier 2", "tier 2", 1, &f->group, &e) ||
	    repo_group_add_member(f->db, f->group, f->eng, false, &e))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	arena_release(&f->a);
	tl_store_close(&f->ts);
	free(f);
	return 0;
}

/* A ticket by requester (with its organisation) and its opening message. */
static int64_t add_ticket(struct fixture *f, const char *subject, int64_t requester, int64_t org,
			  const char *body, int64_t updated)
{
	struct ticket_row t = {.subject = subject, .status = STATUS_OPEN,
			       .priority = PRIORITY_NORMAL, .requester_id = requester,
			       .organisation_id = org, .channel = CHANNEL_EMAIL,
			       .created_at = updated, .updated_at = updated};
	struct message_row m = {.author_id = requester, .author_role = ROLE_CUSTOMER,
				.kind = MSG_PUBLIC, .channel = CHANNEL_EMAIL, .body_text = body,
				.created_at = updated};
	struct err e = ERR_INIT;
	int64_t id = 0, mid;

	/* Messages reach the index when their transaction commits (search_flush_pending). */
	bool own = db_depth(f->db) == 0;
	if (own && db_begin(f->db, &e))
		fail_msg("begin: %s", e.msg);
	if (repo_ticket_insert(f->db, &t, &id, &e))
		fail_msg("ticket '%s': %s", subject, e.msg);
	m.ticket_id = id;
	/* Noted for the index as desk_insert_message does. */
	if (repo_message_insert(f->db, &m, &mid, &e) || search_note_message(f->db, mid, &e))
		fail_msg("message: %s", e.msg);
	if (own && db_commit(f->db, &e))
		fail_msg("commit: %s", e.msg);
	return id;
}

static int64_t add_message(struct fixture *f, int64_t ticket, enum msg_kind kind, const char *body)
{
	struct message_row m = {.ticket_id = ticket, .author_id = f->agent,
				.author_role = ROLE_AGENT, .kind = kind, .channel = CHANNEL_WEB,
				.body_text = body, .created_at = NOW};
	struct err e = ERR_INIT;
	int64_t mid = 0;
	bool own = db_depth(f->db) == 0;
	if (own && db_begin(f->db, &e))
		fail_msg("begin: %s", e.msg);
	if (repo_message_insert(f->db, &m, &mid, &e) || search_note_message(f->db, mid, &e))
		fail_msg("message: %s", e.msg);
	if (own && db_commit(f->db, &e))
		fail_msg("commit: %s", e.msg);
	return mid;
}

/* A filter for text as seen by an agent; callers change what they test. */
static struct search_filter filter(struct fixture *f, const char *text)
{
	struct query *q = arena_zalloc(&f->a, sizeof(*q));
	struct query_error qe;
	struct search_filter sf = {.query = q, .status = -1, .viewer_role = ROLE_AGENT,
				   .viewer_id = f->agent, .with_internal = true, .now = NOW,
				   .limit = 100};
	if (query_parse(text, strlen(text), &f->a, q, &qe) < 0)
		fail_msg("query '%s': %s", text, qe.msg);
	return sf;
}

/* The ticket ids found, in order, as "3 1 2" ("" for none). */
static const char *found(struct fixture *f, const struct search_filter *sf)
{
	struct err e = ERR_INIT;
	struct rows hits;
	char *out = arena_zalloc(&f->a, 512);
	size_t n = 0;

	if (search_tickets(f->db, &f->a, sf, &hits, &e))
		fail_msg("search: %s", e.msg);
	for (size_t i = 0; i < hits.count && n < 480; i++)
		n += (size_t)snprintf(out + n, 512 - n, "%s%" PRId64, i ? " " : "",
				      ROWS_AT(&hits, struct search_hit, i)->ticket_id);
	return out;
}

/* How many tickets text finds for an agent (up to 100). */
static size_t tl_count_hits(struct fixture *f, const char *text)
{
	struct search_filter sf = filter(f, text);
	struct rows hits;
	struct err e = ERR_INIT;
	if (search_tickets(f->db, &f->a, &sf, &hits, &e))
		fail_msg("search: %s", e.msg);
	return hits.count;
}

static const char *find(struct fixture *f, const char *text)
{
	struct search_filter sf = filter(f, text);
	return found(f, &sf);
}

static const char *ids(struct fixture *f, int64_t a, int64_t b)
{
	return b ? arena_printf(&f->a, "%" PRId64 " %" PRId64, a, b)
		 : arena_printf(&f->a, "%" PRId64, a);
}

static void test_folding(void **state)
{
	struct fixture *f = *state;
	int64_t t = add_ticket(f, "Espresso", f->cust, 0, "The Café machine in Zürich is ÉTEINTE.", NOW);

	assert_string_equal(find(f, "cafe"), ids(f, t, 0));
	assert_string_equal(find(f, "CAFÉ"), ids(f, t, 0));
	assert_string_equal(find(f, "zurich eteinte"), ids(f, t, 0));
	assert_string_equal(find(f, "espresso"), ids(f, t, 0));
	assert_string_equal(find(f, "tea"), "");
}

static void test_stemming(void **state)
{
	struct fixture *f = *state;
	int64_t t = add_ticket(f, "VPN", f->cust, 0, "We keep connecting but the tunnels drop.", NOW);

	assert_string_equal(find(f, "connection"), ids(f, t, 0));
	assert_string_equal(find(f, "connects tunnel dropped"), ids(f, t, 0));
	/* Prefixes match the word as typed or its stem. */
	assert_string_equal(find(f, "conn*"), ids(f, t, 0));
	assert_string_equal(find(f, "connections*"), ids(f, t, 0));
	assert_string_equal(find(f, "tunnelx*"), "");
}

static void test_phrases_or_not(void **state)
{
	struct fixture *f = *state;
	int64_t a = add_ticket(f, "Payment", f->cust, 0, "The card declined, says the bank.", NOW);
	int64_t b = add_ticket(f, "Payment", f->cust, 0, "The bank declined, then the card worked.",
			       NOW - DAY);

	assert_string_equal(find(f, "\"card declined\""), ids(f, a, 0));
	assert_string_equal(find(f, "card declined"), ids(f, a, b));
	assert_string_equal(find(f, "card -worked"), ids(f, a, 0));
	assert_string_equal(find(f, "stripe OR worked"), ids(f, b, 0));
	/* Subject and body make one document. */
	assert_string_equal(find(f, "payment worked"), ids(f, b, 0));
}

static void test_hostile_text_is_only_text(void **state)
{
	struct fixture *f = *state;
	static const char *const queries[] = {
		"NEAR(a b)", "subject:refund", "^start", "a AND", "(x", "x)", "{subject body}:x",
		"a + b", "\"NOT\"", "AND OR* NOT", "'quote", "a:b:c", "\xc3\xa9t\xc3\xa9*",
	};
	add_ticket(f, "Refund", f->cust, 0, "NEAR the subject: AND x", NOW);
	for (size_t i = 0; i < ARRAY_SIZE(queries); i++) {
		struct search_filter sf = filter(f, queries[i]);
		struct err e = ERR_INIT;
		struct rows hits;
		if (search_tickets(f->db, &f->a, &sf, &hits, &e))
			fail_msg("query '%s': %s", queries[i], e.msg);
	}
	assert_string_equal(find(f, "subject:"), "1");
}

static void test_ranking(void **state)
{
	struct fixture *f = *state;
	/* Same age: more mentions, in a shorter text, rank higher. */
	int64_t once = add_ticket(f, "Question", f->cust, 0,
				  "A timeout happened once while we uploaded many large files today.",
				  NOW);
	int64_t thrice = add_ticket(f, "Question", f->cust, 0, "Timeout, timeout, timeout.", NOW);
	/* In the subject, a word weighs more than in a body. */
	int64_t subject = add_ticket(f, "Backup failed", f->cust, 0, "It stopped at night.", NOW);
	int64_t body = add_ticket(f, "Night job", f->cust, 0, "The backup failed at night.", NOW);

	assert_string_equal(find(f, "timeout"), ids(f, thrice, once));
	assert_string_equal(find(f, "backup"), ids(f, subject, body));

	/* Recency breaks a tie: the same text, one updated a year ago. */
	int64_t old = add_ticket(f, "Printer", f->cust, 0, "The printer jams.", NOW - 365 * DAY);
	int64_t recent = add_ticket(f, "Printer", f->cust, 0, "The printer jams.", NOW - DAY);
	assert_string_equal(find(f, "printer jams"), ids(f, recent, old));

	/* Scores come best first and positive. */
	struct search_filter sf = filter(f, "printer");
	struct rows hits;
	struct err e = ERR_INIT;
	assert_int_equal(search_tickets(f->db, &f->a, &sf, &hits, &e), ERR_OK);
	assert_int_equal(hits.count, 2);
	double s0 = ROWS_AT(&hits, struct search_hit, 0)->score;
	double s1 = ROWS_AT(&hits, struct search_hit, 1)->score;
	assert_true(s0 > s1 && s1 > 0);
	/* recency(1 day) / recency(365 days), from the formula in search.h */
	double want = (0.5 + 0.5 / (1 + 1 / 30.0)) / (0.5 + 0.5 / (1 + 365 / 30.0));
	assert_true(fabs(s0 / s1 - want) < 1e-6);
}

static void test_one_hit_per_ticket_with_best_message(void **state)
{
	struct fixture *f = *state;
	int64_t t = add_ticket(f, "Login", f->cust, 0, "I cannot log in.", NOW);
	int64_t best = add_message(f, t, MSG_PUBLIC, "Reset the password: password reset link.");
	add_message(f, t, MSG_PUBLIC, "Did the password work?");
	struct search_filter sf = filter(f, "password");
	struct rows hits;
	struct err e = ERR_INIT;

	assert_int_equal(search_tickets(f->db, &f->a, &sf, &hits, &e), ERR_OK);
	assert_int_equal(hits.count, 1);
	assert_int_equal(ROWS_AT(&hits, struct search_hit, 0)->message_id, best);
}

static void test_snippets(void **state)
{
	struct fixture *f = *state;
	add_ticket(f, "Script <b>tags</b>", f->cust, 0,
		   "Our page shows <script>alert('x')</script> & then the Widgets break.", NOW);
	struct search_filter sf = filter(f, "widget");
	struct rows hits;
	struct err e = ERR_INIT;

	assert_int_equal(search_tickets(f->db, &f->a, &sf, &hits, &e), ERR_OK);
	assert_int_equal(hits.count, 1);
	const char *s = ROWS_AT(&hits, struct search_hit, 0)->snippet;
	assert_contains(s, "<mark>Widgets</mark>");
	assert_contains(s, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; then");
	assert_null(strstr(s, "<script"));
	/* In a long message, a fragment around the match, cut ends shown as "…". */
	add_ticket(f, "Long", f->cust, 0,
		   "One two three four five six seven eight nine ten eleven twelve thirteen "
		   "fourteen fifteen sixteen seventeen eighteen nineteen twenty gizmo twentyone "
		   "twentytwo twentythree twentyfour twentyfive twentysix twentyseven twentyeight "
		   "twentynine thirty thirtyone thirtytwo thirtythree thirtyfour thirtyfive.",
		   NOW);
	sf = filter(f, "gizmo");
	assert_int_equal(search_tickets(f->db, &f->a, &sf, &hits, &e), ERR_OK);
	assert_int_equal(hits.count, 1);
	s = ROWS_AT(&hits, struct search_hit, 0)->snippet;
	assert_contains(s, "<mark>gizmo</mark>");
	assert_true(strncmp(s, "…", strlen("…")) == 0);
	assert_true(strlen(s) > strlen("…") &&
		    strcmp(s + strlen(s) - strlen("…"), "…") == 0);
	assert_null(strstr(s, "One two"));
	assert_null(strstr(s, "thirtyfive"));
	/* A match only in the subject shows the subject, highlighted and escaped. */
	sf = filter(f, "tags");
	assert_int_equal(search_tickets(f->db, &f->a, &sf, &hits, &e), ERR_OK);
	assert_int_equal(hits.count, 1);
	assert_string_equal(ROWS_AT(&hits, struct search_hit, 0)->snippet,
			    "Script &lt;b&gt;<mark>tags</mark>&lt;/b&gt;");
}

static void test_visibility_inside_the_query(void **state)
{
	struct fixture *f = *state;
	int64_t mine = add_ticket(f, "Invoice", f->cust, 0, "invoice question", NOW);
	int64_t theirs = add_ticket(f, "Invoice", f->cust2, 0, "invoice question", NOW);
	int64_t acme = add_ticket(f, "Invoice", f->acme2, f->acme, "invoice question", NOW);
	int64_t other = add_ticket(f, "Invoice", f->other2, f->other_org, "invoice question", NOW);
	struct search_filter sf = filter(f, "invoice");
	struct ticket_row t;
	struct err e = ERR_INIT;

	sf.viewer_role = ROLE_CUSTOMER;
	sf.with_internal = false;
	sf.viewer_id = f->cust;
	assert_string_equal(found(f, &sf), ids(f, mine, 0));
	sf.viewer_id = f->acme1; /* Acme shares its tickets */
	sf.viewer_org_id = f->acme;
	assert_string_equal(found(f, &sf), ids(f, acme, 0));
	sf.viewer_id = f->other1; /* Other does not */
	sf.viewer_org_id = f->other_org;
	assert_string_equal(found(f, &sf), "");
	/* A follower sees the ticket. */
	bool added;
	assert_int_equal(repo_follower_add(f->db, theirs, f->other1, &added, &e), ERR_OK);
	assert_string_equal(found(f, &sf), ids(f, theirs, 0));
	/* Engineers: assigned to them or to their group. */
	sf.viewer_role = ROLE_ENGINEER;
	sf.viewer_id = f->eng;
	sf.with_internal = true;
	assert_string_equal(found(f, &sf), "");
	assert_int_equal(repo_ticket_get(f->db, &f->a, other, &t, &e), ERR_OK);
	t.group_id = f->group;
	assert_int_equal(repo_ticket_update(f->db, &t, &e), ERR_OK);
	assert_string_equal(found(f, &sf), ids(f, other, 0));
	/* Agents see all four, newest id first on a tie. */
	sf = filter(f, "invoice");
	assert_string_equal(found(f, &sf), arena_printf(&f->a, "%" PRId64 " %" PRId64 " %" PRId64
							    " %" PRId64, other, acme, theirs, mine));
}

static void test_internal_notes_only_for_staff(void **state)
{
	struct fixture *f = *state;
	int64_t t = add_ticket(f, "Outage", f->cust, 0, "Is the site down?", NOW);
	add_message(f, t, MSG_INTERNAL, "Root cause: the zebra database crashed.");
	struct search_filter sf = filter(f, "zebra");

	assert_string_equal(found(f, &sf), ids(f, t, 0));
	sf.viewer_role = ROLE_CUSTOMER;
	sf.viewer_id = f->cust;
	sf.with_internal = false;
	assert_string_equal(found(f, &sf), ""); /* their own ticket, but not the note */
	sf = filter(f, "outage");
	sf.viewer_role = ROLE_CUSTOMER;
	sf.viewer_id = f->cust;
	sf.with_internal = false;
	assert_string_equal(found(f, &sf), ids(f, t, 0));
}

static void test_filters(void **state)
{
	struct fixture *f = *state;
	int64_t a = add_ticket(f, "Export", f->cust, 0, "csv export broken", NOW);
	int64_t b = add_ticket(f, "Export", f->cust2, 0, "csv export broken", NOW);
	struct ticket_row t;
	struct err e = ERR_INIT;
	bool added;

	assert_int_equal(repo_ticket_get(f->db, &f->a, b, &t, &e), ERR_OK);
	t.status = STATUS_PENDING;
	t.assignee_id = f->agent2;
	assert_int_equal(repo_ticket_update(f->db, &t, &e), ERR_OK);
	assert_int_equal(repo_tag_add(f->db, a, "billing", &added, &e), ERR_OK);

	struct search_filter sf = filter(f, "export");
	assert_string_equal(found(f, &sf), ids(f, b, a));
	sf.status = STATUS_PENDING;
	assert_string_equal(found(f, &sf), ids(f, b, 0));
	/* Again without a new parse and plan (the status is in the text, not bound). */
	int64_t reprepared = db_reprepares(f->db);
	assert_string_equal(found(f, &sf), ids(f, b, 0));
	assert_int_equal(db_reprepares(f->db), reprepared);
	sf.status = -1;
	sf.assignee_id = f->agent2;
	assert_string_equal(found(f, &sf), ids(f, b, 0));
	sf.assignee_id = -1;
	assert_string_equal(found(f, &sf), ids(f, a, 0));
	sf.assignee_id = 0;
	sf.requester_id = f->cust2;
	assert_string_equal(found(f, &sf), ids(f, b, 0));
	sf.requester_id = 0;
	sf.tag = "billing";
	assert_string_equal(found(f, &sf), ids(f, a, 0));
	sf.tag = NULL;
	sf.limit = 1;
	assert_string_equal(found(f, &sf), ids(f, b, 0));
	sf.offset = 1;
	assert_string_equal(found(f, &sf), ids(f, a, 0));
	sf.offset = 2;
	assert_string_equal(found(f, &sf), "");
}

/*
 * The index holds nothing stale: FTS5's own integrity check on SQLite; on
 * PostgreSQL, every indexed message's document is what its text makes.
 */
static void assert_index_whole(struct fixture *f)
{
	struct err e = ERR_INIT;

	if (strcmp(db_backend(f->db), "postgresql") == 0) {
		assert_int_equal(tl_query_int(f->db,
					      "SELECT count(*) FROM search_docs s LEFT JOIN messages m "
					      "ON m.id = s.message_id LEFT JOIN tickets t ON t.id = "
					      "m.ticket_id WHERE m.id IS NULL OR s.doc <> "
					      "champion_doc(t.subject, m.body_text)"),
				 0);
		return;
	}
	assert_int_equal(db_exec(f->db, "INSERT INTO search_index (search_index, rank) VALUES "
					"('integrity-check', 1)", &e),
			 ERR_OK);
}

static void test_index_follows_writes(void **state)
{
	struct fixture *f = *state;
	int64_t a = add_ticket(f, "Old title", f->cust, 0, "first words", NOW);
	int64_t b = add_ticket(f, "Target", f->cust, 0, "other words", NOW);
	struct ticket_row t;
	struct err e = ERR_INIT;
	int64_t moved;

	/* A new subject: found by the new words only, with every message. */
	add_message(f, a, MSG_PUBLIC, "second reply");
	assert_int_equal(repo_ticket_get(f->db, &f->a, a, &t, &e), ERR_OK);
	t.subject = "Fresh heading";
	assert_int_equal(repo_ticket_update(f->db, &t, &e), ERR_OK);
	assert_string_equal(find(f, "old title"), "");
	assert_string_equal(find(f, "fresh second"), ids(f, a, 0));
	assert_string_equal(find(f, "heading first"), ids(f, a, 0));
	/* A merge moves messages: they are found under the target and its subject. */
	assert_int_equal(repo_messages_move(f->db, a, b, &moved, &e), ERR_OK);
	assert_string_equal(find(f, "target second"), ids(f, b, 0));
	assert_string_equal(find(f, "fresh"), "");
	assert_index_whole(f);
	/* A rebuild gives the same answers. */
	assert_int_equal(search_rebuild(f->db, &e), ERR_OK);
	assert_string_equal(find(f, "target second"), ids(f, b, 0));
}

/*
 * In one transaction, as the writer groups them: new messages wait in
 * search_pending until the commit indexes them once, with the subject and
 * ticket they have by then; a subject change or a merge in between does
 * not touch them in the index; a rollback indexes nothing.
 */
static void test_index_once_per_commit(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	struct ticket_row t;
	int64_t a, b, moved, mid;

	a = add_ticket(f, "Alpha subject", f->cust, 0, "indexed already", NOW);
	b = add_ticket(f, "Bravo subject", f->cust, 0, "the target", NOW);
	assert_int_equal(db_begin(f->db, &e), ERR_OK);
	mid = add_message(f, a, MSG_PUBLIC, "pending words");
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM search_pending"), 1);
	assert_string_equal(find(f, "pending"), ""); /* not before the commit */
	assert_int_equal(repo_ticket_get(f->db, &f->a, a, &t, &e), ERR_OK);
	t.subject = "Charlie subject";
	assert_int_equal(repo_ticket_update(f->db, &t, &e), ERR_OK);
	assert_int_equal(repo_messages_move(f->db, a, b, &moved, &e), ERR_OK);
	assert_int_equal(db_commit(f->db, &e), ERR_OK);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM search_pending"), 0);
	/* The pending message is under its new ticket, with that ticket's subject. */
	assert_string_equal(find(f, "pending bravo"), ids(f, b, 0));
	assert_string_equal(find(f, "pending charlie"), "");
	assert_string_equal(find(f, "indexed bravo"), ids(f, b, 0));
	(void)mid;

	/* Rolled back: neither noted nor indexed. */
	assert_int_equal(db_begin(f->db, &e), ERR_OK);
	add_message(f, b, MSG_PUBLIC, "vanishing words");
	db_rollback(f->db);
	assert_int_equal(tl_query_int(f->db, "SELECT count(*) FROM search_pending"), 0);
	assert_string_equal(find(f, "vanishing"), "");
	/* A read transaction's commit indexes nothing and costs no write. */
	assert_int_equal(db_begin_read(f->db, &e), ERR_OK);
	assert_int_equal(db_commit(f->db, &e), ERR_OK);
	assert_index_whole(f);
}

/*
 * The bulk build (champion demo): the index it copies in is whole and
 * consistent, its one segment sits at the top level (so the next commits
 * do not merge it: see bulk_lift), and writes after it are indexed too.
 */
static void test_bulk_build(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	struct search_bulk *b = NULL;
	char *scratch = arena_printf(&f->a, "%s.search-build", f->ts.path);
	int64_t first = 0, last = 0;

	assert_int_equal(db_begin(f->db, &e), ERR_OK);
	for (int i = 0; i < 300; i++) {
		last = add_ticket(f, i % 2 ? "Printer jam" : "Login loop", f->cust, 0,
				  i % 3 ? "the tray squeaks" : "a captcha again", NOW - i);
		first = first ? first : last;
	}
	assert_int_equal(db_commit(f->db, &e), ERR_OK);
	assert_int_equal(search_bulk_begin(f->db, f->ts.path, scratch, &b, &e), ERR_OK);
	assert_non_null(b);
	for (int64_t id = first; id <= last; id++) {
		struct ticket_row t;
		struct rows msgs;
		assert_int_equal(repo_ticket_get(f->db, &f->a, id, &t, &e), ERR_OK);
		assert_int_equal(repo_messages_get(f->db, &f->a, id, true, &msgs, &e), ERR_OK);
		for (size_t k = 0; k < msgs.count; k++) {
			struct message_row *m = ROWS_AT(&msgs, struct message_row, k);
			search_bulk_add(b, m->id, t.subject, m->body_text);
		}
	}
	assert_int_equal(search_bulk_finish(b, &e), ERR_OK);
	/* FTS5's structure record: a 4-byte cookie, then nLevel (25: the top level is 24). */
	assert_int_equal(tl_query_int(f->db, "SELECT hex(substr(block, 5, 1)) = '19' "
					     "FROM search_index_data WHERE id = 10"),
			 1);
	assert_int_equal(db_exec(f->db, "INSERT INTO search_index (search_index, rank) VALUES "
					"('integrity-check', 1)", &e),
			 ERR_OK);
	struct search_filter sf = filter(f, "printer squeak");
	struct rows hits;
	assert_int_equal(search_tickets(f->db, &f->a, &sf, &hits, &e), ERR_OK);
	assert_int_equal(hits.count, 100); /* 100 of the 150 printer tickets squeak */
	/* Later commits add their own small segments, and are found. */
	for (int i = 0; i < 40; i++)
		add_ticket(f, "Fresh fax", f->cust, 0, "paper everywhere", NOW);
	assert_int_equal(db_exec(f->db, "INSERT INTO search_index (search_index, rank) VALUES "
					"('integrity-check', 1)", &e),
			 ERR_OK);
	assert_int_equal(tl_count_hits(f, "fax paper"), 40);
}

/*
 * Past SEARCH_CANDIDATES matches, the newest ones the viewer may read are
 * ranked: an old ticket that says the word best drops out for an agent,
 * but a customer's own oldest ticket is still found (their permission is
 * applied while the candidates are picked, not after), and so are an
 * engineer's group's and a filter's.
 */
static void test_common_words_are_bounded(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	int64_t mine, best, old_open;

	assert_int_equal(db_begin(f->db, &e), ERR_OK);
	mine = add_ticket(f, "Printer widget", f->cust, 0, "my widget", NOW - 900 * DAY);
	best = add_ticket(f, "widget widget widget", f->cust2, 0, "widget widget widget widget",
			  NOW - 800 * DAY);
	old_open = add_ticket(f, "Old widget", f->cust2, 0, "widget", NOW - 700 * DAY);
	for (int i = 0; i < SEARCH_CANDIDATES + 50; i++)
		add_ticket(f, "Widget question", f->cust2, 0, "the widget again", NOW - 600 * DAY + i);
	char sql[96];
	snprintf(sql, sizeof(sql), "UPDATE tickets SET status = CASE id WHEN %" PRId64
		 " THEN 'open' ELSE 'closed' END", old_open);
	assert_int_equal(db_exec(f->db, sql, &e), ERR_OK);
	assert_int_equal(db_commit(f->db, &e), ERR_OK);

	/* An agent: the newest matches only, so the best old one is not there. */
	struct search_filter sf = filter(f, "widget");
	struct rows hits;
	sf.limit = 100;
	assert_int_equal(search_tickets(f->db, &f->a, &sf, &hits, &e), ERR_OK);
	assert_int_equal(hits.count, 100);
	for (size_t i = 0; i < hits.count; i++)
		assert_true(ROWS_AT(&hits, struct search_hit, i)->ticket_id != best);
	/* The customer: their one ticket, however old and however many match. */
	sf = filter(f, "widget");
	sf.viewer_role = ROLE_CUSTOMER;
	sf.viewer_id = f->cust;
	sf.with_internal = false;
	assert_string_equal(found(f, &sf), ids(f, mine, 0));

	/* A filter is applied while picking too: the one open ticket is found. */
	sf = filter(f, "widget");
	sf.status = STATUS_OPEN;
	assert_string_equal(found(f, &sf), ids(f, old_open, 0));
}

/*
 * champion_rank is FTS5's bm25() (negated: higher is better) whenever a
 * phrase's documents are counted whole, and close to it when a common
 * phrase's count is estimated from its oldest RANK_SAMPLE (2048) rows.
 */
static double rank_gap(struct fixture *f, const char *match, const char *kinds, int *rows)
{
	char sql[256];
	struct db_stmt *st;
	struct err e = ERR_INIT;
	double worst = 0;
	int r;

	snprintf(sql, sizeof(sql),
		 "SELECT champion_rank(search_index, 2.0, 1.0, '%s'), -bm25(search_index, 2.0, 1.0) "
		 "FROM search_index WHERE search_index MATCH '%s'", kinds, match);
	assert_int_equal(db_prepare_dynamic(f->db, sql, &st, &e), ERR_OK);
	*rows = 0;
	while ((r = db_step(st, &e)) == DB_ROW) {
		double mine = db_col_double(st, 0), theirs = db_col_double(st, 1);
		double gap = fabs(mine - theirs) / fabs(theirs);
		assert_true(mine > 0);
		worst = gap > worst ? gap : worst;
		(*rows)++;
	}
	assert_int_equal(r, DB_DONE);
	db_done(st);
	return worst;
}

static void test_rank_is_bm25(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	int rows;

	assert_int_equal(db_begin(f->db, &e), ERR_OK);
	for (int i = 0; i < 3000; i++)
		add_ticket(f, i % 7 ? "Gadget" : "Gadget sprocket", f->cust, 0,
			   i % 100 ? "the gadget hums" : "a sprocket in the gadget, sprocket",
			   NOW - 600 * DAY + i);
	assert_int_equal(db_commit(f->db, &e), ERR_OK);

	/* Counted whole: the same numbers. */
	assert_true(rank_gap(f, "sprocket", ".", &rows) < 1e-9);
	assert_int_equal(rows, 3000 / 7 + 1 + 30 - 5);
	assert_true(rank_gap(f, "\"sprocket gadget\"", ".", &rows) < 1e-9);
	/* gadget is in every row, past the sample: its weight is estimated. */
	assert_true(rank_gap(f, "gadget OR sprocket", "..", &rows) < 0.05);
	assert_int_equal(rows, 3000);
	/* A prefix is not sampled, and still ranks. */
	rank_gap(f, "sprock*", "p", &rows);
	assert_int_equal(rows, 3000 / 7 + 1 + 30 - 5);
}

/* PostgreSQL's index follows the writes: it has no bulk build to run beside a load. */
static void test_no_bulk_build_on_pg(void **state)
{
	struct fixture *f = *state;
	struct search_bulk *b = (struct search_bulk *)f;
	struct err e = ERR_INIT;

	assert_int_equal(search_bulk_begin(f->db, f->ts.path, "/nonexistent/scratch", &b, &e), ERR_OK);
	assert_null(b);
	assert_int_equal(search_bulk_finish(NULL, &e), ERR_OK);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	/* The same answers on both backends. */
	const struct CMUnitTest both[] = {
		T(test_folding),
		T(test_stemming),
		T(test_phrases_or_not),
		T(test_hostile_text_is_only_text),
		T(test_ranking),
		T(test_one_hit_per_ticket_with_best_message),
		T(test_snippets),
		T(test_visibility_inside_the_query),
		T(test_internal_notes_only_for_staff),
		T(test_filters),
		T(test_common_words_are_bounded),
		T(test_index_follows_writes),
		T(test_index_once_per_commit),
	};
	/* FTS5's own: BM25 and the bulk build. */
	const struct CMUnitTest sqlite_only[] = {
		T(test_rank_is_bm25),
		T(test_bulk_build),
	};
	const struct CMUnitTest pg_only[] = {
		T(test_no_bulk_build_on_pg),
	};
#undef T
	const char *url = getenv("CHAMPION_TEST_PG_URL");
	bool pg = url && *url;
	int failed = cmocka_run_group_tests_name(pg ? "search on postgresql" : "search on sqlite",
						 both, NULL, NULL);

	failed += pg ? cmocka_run_group_tests_name("postgresql only", pg_only, NULL, NULL)
		     : cmocka_run_group_tests_name("sqlite only", sqlite_only, NULL, NULL);
	return failed;
}
