/*
 * search_pg.c - search.h on PostgreSQL: the index is search_docs, one
 * tsvector per message (its ticket's subject weighted A, its body B),
 * under a GIN index, made with the "champion" text search configuration
 * (migrations/postgresql/0026_schema.sql: case and accents folded by
 * unaccent, Snowball's English stemmer, no stop words), so that it finds
 * what SQLite's "champion" tokenizer finds.
 *
 * The query is the parsed one (rules/query.h) turned into a tsquery by
 * PostgreSQL's own functions, each term a bound value: a word or phrase
 * through phraseto_tsquery (words in order), a prefix through to_tsquery
 * with the word quoted and ":*". Nothing the user typed reaches the
 * tsquery syntax unquoted.
 *
 * Ranking: ts_rank with the subject weighing twice the body, normalised by
 * the document's length (PostgreSQL has no BM25), times the recency of
 * search.h; the candidates are bounded as on SQLite (SEARCH_CANDIDATES,
 * newest messages first). Snippets: ts_headline.
 */
#include "util/common.h"
#include "store/repo_private.h"
#include "store/search_private.h"
#include "util/buf.h"

#define TERM_PARAM 14 /* the first term's placeholder: $1..$13 are search_tickets' */
#define SNIPPET_WORDS 16 /* a fragment's words, as SQLite's snippet's tokens */

/* A term as a tsquery, its text bound at $n. */
static void put_term(struct buf *b, const struct query_term *t, int n)
{
	if (t->kind == QUERY_PREFIX)
		buf_printf(b,
			   "to_tsquery('champion', '''' || replace(replace($%d, '\\', '\\\\'), '''', "
			   "'''''') || ''':*')",
			   n);
	else
		buf_printf(b, "phraseto_tsquery('champion', $%d)", n);
}

static void put_group(struct buf *b, const struct query_group *g, int *n)
{
	buf_putc(b, '(');
	for (size_t i = 0; i < g->nterms; i++) {
		if (i)
			buf_puts(b, " || ");
		put_term(b, &g->terms[i], (*n)++);
	}
	buf_putc(b, ')');
}

/* The query as a tsquery expression: (A && (B || C)) && !!D; terms from $TERM_PARAM. */
static void tsquery_expr(struct buf *b, const struct query *q)
{
	int n = TERM_PARAM;
	bool first = true;

	buf_putc(b, '(');
	for (int negated = 0; negated < 2; negated++)
		for (size_t i = 0; i < q->ngroups; i++) {
			if (q->groups[i].negated != (negated == 1))
				continue;
			if (!first)
				buf_puts(b, " && ");
			if (negated)
				buf_puts(b, "!!");
			put_group(b, &q->groups[i], &n);
			first = false;
		}
	buf_putc(b, ')');
}

/* Binds the terms, in the order tsquery_expr numbered them. */
static void bind_terms(struct db_stmt *st, const struct query *q)
{
	int n = TERM_PARAM;

	for (int negated = 0; negated < 2; negated++)
		for (size_t i = 0; i < q->ngroups; i++) {
			if (q->groups[i].negated != (negated == 1))
				continue;
			for (size_t k = 0; k < q->groups[i].nterms; k++)
				db_bind_text(st, n++, q->groups[i].terms[k].text);
		}
}

/*
 * A fragment of whole as FTS5 shows one: "…" where it starts or ends
 * inside the text. Compared without the marks and spaces at its ends.
 */
static char *with_ends(struct arena *a, const char *fragment, const char *whole)
{
	struct buf plain = BUF_INIT;
	const char *p, *w = whole ? whole : "";
	size_t n, wl, k;
	bool head, tail;
	char *out;

	for (p = fragment; *p; p++)
		if (*p != '\x02' && *p != '\x03')
			buf_putc(&plain, *p);
	p = buf_str(&plain);
	while (*p == ' ')
		p++;
	n = strlen(p);
	while (n && p[n - 1] == ' ')
		n--;
	while (*w && strchr(" \t\r\n", *w))
		w++;
	wl = strlen(w);
	while (wl && strchr(" \t\r\n", w[wl - 1]))
		wl--;
	k = n < 8 ? n : 8;
	head = k && strncmp(w, p, k) != 0;
	/* ts_headline may leave out the text's last punctuation mark: still its end */
	tail = k && !(wl >= k && memcmp(w + wl - k, p + n - k, k) == 0) &&
	       !(wl >= k + 1 && memcmp(w + wl - k - 1, p + n - k, k) == 0);
	out = arena_printf(a, "%s%s%s", head ? "… " : "", fragment, tail ? " …" : "");
	buf_release(&plain);
	return out;
}

/*
 * The snippets of the hits: the best fragment of each hit's message, else
 * its subject, the matches between \x02 and \x03.
 */
static enum err_code hit_snippets(struct db *db, struct arena *a, const struct query *q,
				  const char *expr, struct rows *hits, struct err *e)
{
	struct buf sql = BUF_INIT, ids = BUF_INIT;
	struct db_stmt *st = NULL;
	enum err_code rc;
	int r;

	if (!hits->count)
		return ERR_OK;
	/*
	 * ts_headline's parser takes "<script>" for a tag and leaves it out:
	 * '<' goes in as \x01 and comes back after, so the text shows as written.
	 * A body of SNIPPET_WORDS words or fewer is shown whole, as FTS5 does;
	 * a longer one as its best fragment of that many words (with_ends
	 * marks the cut ends). The body itself comes too, to tell where it was cut.
	 */
	buf_printf(&sql,
		   "SELECT m.id, ts_headline('champion', replace(m.body_text, '<', chr(1)), q.q, "
		   "'StartSel=' || chr(2) || ', StopSel=' || chr(3) || CASE WHEN "
		   "array_length(regexp_split_to_array(btrim(m.body_text), '\\s+'), 1) <= %d THEN "
		   "', HighlightAll=true' ELSE ', MaxWords=%d, MinWords=6, ShortWord=0, "
		   "MaxFragments=1' END), ts_headline('champion', replace(t.subject, '<', chr(1)), "
		   "q.q, 'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', HighlightAll=true'), "
		   "replace(m.body_text, '<', chr(1)) FROM (SELECT %s AS q) q, messages m JOIN "
		   "tickets t ON t.id = m.ticket_id WHERE m.id = ANY ($1::bigint[])",
		   SNIPPET_WORDS, SNIPPET_WORDS, expr);
	buf_putc(&ids, '{');
	for (size_t i = 0; i < hits->count; i++) {
		struct search_hit *h = ROWS_AT(hits, struct search_hit, i);
		h->snippet = "";
		buf_printf(&ids, "%s%" PRId64, i ? "," : "", h->message_id);
	}
	buf_putc(&ids, '}');
	if ((rc = db_prepare_built(db, buf_str(&sql), &st, e)))
		goto out;
	db_bind_text(st, 1, buf_str(&ids));
	bind_terms(st, q);
	while ((r = db_step(st, e)) == DB_ROW) {
		int64_t id = db_col_int64(st, 0);
		const char *body = db_col_text(st, 1);
		bool in_body = body && strchr(body, '\x02');
		const char *text = in_body ? body : db_col_text(st, 2);
		char *shown = in_body ? with_ends(a, text, db_col_text(st, 3))
				      : arena_strdup(a, text ? text : "");
		for (char *p = shown; (p = strchr(p, '\x01')) != NULL;)
			*p = '<';
		for (size_t i = 0; i < hits->count; i++) {
			struct search_hit *h = ROWS_AT(hits, struct search_hit, i);
			if (h->message_id == id)
				h->snippet = search_snippet_html(a, shown);
		}
	}
	rc = r < 0 ? e->code : ERR_OK;
out:
	db_done(st);
	buf_release(&sql);
	buf_release(&ids);
	return rc;
}

enum err_code search_pg_tickets(struct db *db, struct arena *a, const struct search_filter *f,
				struct rows *out, struct err *e)
{
	struct buf sql = BUF_INIT, expr = BUF_INIT;
	struct db_stmt *st = NULL;
	enum err_code rc;
	int r;

	rows_init(out, sizeof(struct search_hit));
	tsquery_expr(&expr, f->query);
	/*
	 * As on SQLite (search_sqlite.c says why): at most SEARCH_CANDIDATES
	 * matching messages the viewer may read, newest first, each scored;
	 * then each ticket by its best message. ts_rank's weights are
	 * {D, C, B, A}: the body B, the subject A at twice its weight;
	 * normalisation 1 divides by 1 + log(the document's length).
	 *
	 * The match is written out in the WHERE, not read from the q CTE: the
	 * planner then sees the query's words (each execution of a prepared
	 * statement is planned for its values) and their frequency in the
	 * index's statistics. A common word walks search_docs newest first and
	 * stops at the candidates (10 ms for a word in 40% of 330,000
	 * messages); a rare one takes the GIN index. Through the CTE every word
	 * looked rare, and a common one joined every match (550 ms).
	 * ts_rank runs only on the candidates (after the LIMIT).
	 */
	buf_printf(&sql,
		   "WITH q AS MATERIALIZED (SELECT %s AS q), "
		   "hits AS MATERIALIZED (SELECT m.ticket_id AS tid, s.message_id AS mid, "
		   "ts_rank('{0, 0, %.1f, 1}', s.doc, q.q, 1)::float8 * (0.5 + 0.5 / (1.0 + "
		   "greatest(0, $2 - t.updated_at)::float8 / 86400000.0 / %.1f)) AS score "
		   "FROM q, search_docs s JOIN messages m ON m.id = s.message_id "
		   "JOIN tickets t ON t.id = m.ticket_id WHERE s.doc @@ %s",
		   buf_str(&expr), 1.0 / SEARCH_SUBJECT_WEIGHT, SEARCH_RECENCY_DAYS, buf_str(&expr));
	if (f->viewer_role == ROLE_CUSTOMER) {
		buf_puts(&sql, " AND m.kind = 'public' AND " REPO_CUSTOMER_SEES);
	} else {
		buf_puts(&sql, " AND (m.kind = 'public' OR $3 = 1)");
		if (f->viewer_role == ROLE_ENGINEER)
			buf_puts(&sql, " AND " REPO_ENGINEER_SEES);
	}
	if (f->status >= 0)
		buf_printf(&sql, " AND t.status = '%s'", status_name((enum status)f->status));
	if (f->assignee_id > 0)
		buf_puts(&sql, " AND t.assignee_id = $5");
	else if (f->assignee_id < 0)
		buf_puts(&sql, " AND t.assignee_id IS NULL");
	if (f->requester_id)
		buf_puts(&sql, " AND t.requester_id = $6");
	if (f->tag)
		buf_puts(&sql, " AND EXISTS (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id "
			       "AND g.tag = $7)");
	buf_puts(&sql, " ORDER BY s.message_id DESC LIMIT $12) "
		       "SELECT tid, mid, score FROM (SELECT tid, mid, score, row_number() OVER "
		       "(PARTITION BY tid ORDER BY score DESC, mid DESC) AS best FROM hits) x "
		       "WHERE best = 1 ORDER BY score DESC, tid DESC LIMIT $10 OFFSET $11");
	if ((rc = db_prepare_built(db, buf_str(&sql), &st, e)))
		goto out;
	db_bind_int64(st, 2, f->now);
	if (f->viewer_role != ROLE_CUSTOMER)
		db_bind_int64(st, 3, f->with_internal);
	if (f->assignee_id > 0)
		db_bind_int64(st, 5, f->assignee_id);
	if (f->requester_id)
		db_bind_int64(st, 6, f->requester_id);
	if (f->tag)
		db_bind_text(st, 7, f->tag);
	if (f->viewer_role == ROLE_ENGINEER || f->viewer_role == ROLE_CUSTOMER)
		db_bind_int64(st, 8, f->viewer_id);
	if (f->viewer_role == ROLE_CUSTOMER)
		db_bind_int64(st, 9, f->viewer_org_id);
	db_bind_int64(st, 10, f->limit);
	db_bind_int64(st, 11, f->offset);
	db_bind_int64(st, 12, SEARCH_CANDIDATES);
	bind_terms(st, f->query);
	while ((r = db_step(st, e)) == DB_ROW) {
		struct search_hit *h = rows_push(a, out);
		h->ticket_id = db_col_int64(st, 0);
		h->message_id = db_col_int64(st, 1);
		h->score = db_col_double(st, 2);
	}
	if (r < 0) {
		rc = e->code;
		goto out;
	}
	db_done(st);
	st = NULL;
	rc = hit_snippets(db, a, f->query, buf_str(&expr), out, e);
out:
	db_done(st);
	buf_release(&sql);
	buf_release(&expr);
	return rc;
}


/* Indexes the pending messages (search.c runs it, then empties the list). */
const char search_pg_add_pending[] =
	"INSERT INTO search_docs (message_id, doc) SELECT p.message_id, "
	"champion_doc(t.subject, m.body_text) FROM search_pending p JOIN messages m ON "
	"m.id = p.message_id JOIN tickets t ON t.id = m.ticket_id "
	"ON CONFLICT (message_id) DO UPDATE SET doc = excluded.doc";
/* The same for the oldest $1 of them. */
const char search_pg_add_some[] =
	"INSERT INTO search_docs (message_id, doc) SELECT p.message_id, "
	"champion_doc(t.subject, m.body_text) FROM (SELECT message_id FROM search_pending "
	"ORDER BY message_id LIMIT $1) p JOIN messages m ON m.id = p.message_id JOIN "
	"tickets t ON t.id = m.ticket_id ON CONFLICT (message_id) DO UPDATE SET doc = "
	"excluded.doc";


enum err_code search_pg_rebuild(struct db *db, struct err *e)
{
	return db_exec(db,
		       "DELETE FROM search_docs; "
		       "INSERT INTO search_docs (message_id, doc) SELECT m.id, "
		       "champion_doc(t.subject, m.body_text) FROM messages m JOIN tickets t ON "
		       "t.id = m.ticket_id; "
		       "DELETE FROM search_pending",
		       e);
}
