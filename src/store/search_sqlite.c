/*
 * search_sqlite.c - search.h on SQLite: FTS5, the "champion" tokenizer,
 * the ranked query and its snippets. Everything FTS5 knows of lives here
 * (and in migrations/sqlite/0004_search.sql).
 *
 * The tokenizer wraps FTS5's own unicode61 (remove_diacritics 2: case
 * and accents folded, "Café" and "cafe" the same) and stems every token
 * with Snowball's English stemmer ("connecting" and "connection" both
 * "connect"). For a prefix query ("connecti*") it gives the word as typed
 * and, when it differs, its stem at the same place: FTS5 takes either.
 */
#include "util/common.h"
#include "store/db_driver.h"
#include "store/repo_private.h"
#include "store/search.h"
#include "store/search_private.h"
#include "util/buf.h"
#include "util/xalloc.h"

#include <libstemmer.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <unistd.h>

#define STEM_MAX 64 /* longer tokens are kept as they are */
#define CACHE_SLOTS 4096 /* stems remembered per tokenizer (a power of 2) */
#define CACHE_WORD 24    /* longest token and stem remembered */
#define SNIPPET_TOKENS 16

/* --- the tokenizer ------------------------------------------------------- */

/*
 * Stemming costs as much as the rest of indexing together, and words
 * repeat (Zipf): a direct-mapped cache of token -> stem saves most of it.
 */
struct stem_slot {
	uint8_t nword, nstem; /* nword 0: empty */
	char word[CACHE_WORD];
	char stem[CACHE_WORD];
};

struct tok {
	fts5_tokenizer inner;   /* unicode61's methods */
	Fts5Tokenizer *inner_tok;
	struct sb_stemmer *stemmer;
	struct stem_slot cache[CACHE_SLOTS];
};

struct tok_call {
	struct tok *t;
	void *ctx;
	int flags;
	int (*emit)(void *ctx, int tflags, const char *tok, int n, int start, int end);
};

static void tok_delete(Fts5Tokenizer *p)
{
	struct tok *t = (struct tok *)p;

	if (!t)
		return;
	if (t->inner_tok)
		t->inner.xDelete(t->inner_tok);
	if (t->stemmer)
		sb_stemmer_delete(t->stemmer);
	sqlite3_free(t);
}

static int tok_create(void *api_ptr, const char **argv, int argc, Fts5Tokenizer **out)
{
	static const char *const inner_args[] = {"remove_diacritics", "2"};
	fts5_api *api = api_ptr;
	struct tok *t;
	void *ud = NULL;
	int rc;

	(void)argv;
	*out = NULL;
	if (argc != 0)
		return SQLITE_ERROR;
	if (!(t = sqlite3_malloc(sizeof(*t))))
		return SQLITE_NOMEM;
	memset(t, 0, sizeof(*t));
	rc = api->xFindTokenizer(api, "unicode61", &ud, &t->inner);
	if (rc == SQLITE_OK)
		rc = t->inner.xCreate(ud, (const char **)inner_args, 2, &t->inner_tok);
	if (rc == SQLITE_OK && !(t->stemmer = sb_stemmer_new("english", NULL)))
		rc = SQLITE_NOMEM;
	if (rc != SQLITE_OK) {
		tok_delete((Fts5Tokenizer *)t);
		return rc;
	}
	*out = (Fts5Tokenizer *)t;
	return SQLITE_OK;
}

/* The stem of tok (n bytes), through the cache; NULL when it has none. */
static const char *stem_of(struct tok *t, const char *tok, int n, int *slen)
{
	struct stem_slot *slot = NULL;
	const sb_symbol *stem;

	if (n <= CACHE_WORD) {
		uint32_t h = 2166136261u; /* FNV-1a */
		for (int i = 0; i < n; i++)
			h = (h ^ (unsigned char)tok[i]) * 16777619u;
		slot = &t->cache[h & (CACHE_SLOTS - 1)];
		if (slot->nword == n && memcmp(slot->word, tok, (size_t)n) == 0) {
			*slen = slot->nstem;
			return slot->stem;
		}
	}
	if (n > STEM_MAX || !(stem = sb_stemmer_stem(t->stemmer, (const sb_symbol *)tok, n)))
		return NULL;
	*slen = sb_stemmer_length(t->stemmer);
	if (slot && *slen <= CACHE_WORD) {
		slot->nword = (uint8_t)n;
		slot->nstem = (uint8_t)*slen;
		memcpy(slot->word, tok, (size_t)n);
		memcpy(slot->stem, stem, (size_t)*slen);
	}
	return (const char *)stem;
}

/* One folded token from unicode61: stem it and pass it on. */
static int tok_stem(void *p, int tflags, const char *tok, int n, int start, int end)
{
	struct tok_call *c = p;
	const char *stem;
	int slen, rc;

	if (!(stem = stem_of(c->t, tok, n, &slen)))
		return c->emit(c->ctx, tflags, tok, n, start, end);
	if (!(c->flags & FTS5_TOKENIZE_PREFIX))
		return c->emit(c->ctx, tflags, stem, slen, start, end);
	/* A prefix: the word as typed, and its stem as a synonym. */
	if ((rc = c->emit(c->ctx, tflags, tok, n, start, end)) != SQLITE_OK)
		return rc;
	if (slen == n && memcmp(stem, tok, (size_t)n) == 0)
		return SQLITE_OK;
	return c->emit(c->ctx, tflags | FTS5_TOKEN_COLOCATED, stem, slen, start, end);
}

static int tok_tokenize(Fts5Tokenizer *p, void *ctx, int flags, const char *text, int n,
			int (*emit)(void *, int, const char *, int, int, int))
{
	struct tok *t = (struct tok *)p;
	struct tok_call c = {.t = t, .ctx = ctx, .flags = flags, .emit = emit};
	return t->inner.xTokenize(t->inner_tok, &c, flags, text, n, tok_stem);
}

/* --- the rank function ------------------------------------------------------ */

/*
 * champion_rank(search_index, subject_weight, body_weight, kinds): Okapi BM25 as
 * FTS5's bm25() computes it (k1 1.2, b 0.75, a column's hits times its
 * weight, the document's length over the average), higher is better, with
 * one difference: a phrase's document frequency is estimated, not counted.
 * bm25() counts every document holding each phrase on its first row, a
 * walk of the phrase's whole list: 30 ms for a word in 40% of a
 * 1,000,000-message desk, more than the rest of a search together. Here
 * the phrase's documents are read oldest first until RANK_SAMPLE of them,
 * and the count is that density over the index's rows (message ids are
 * dense). A rarer phrase is counted exactly. The estimate only moves the
 * weights of a query's words against each other: a one-word query ranks
 * the same. kinds has a letter per phrase ('p' a prefix, see fts5_expr):
 * a prefix phrase's list is built whole before its first row is read, so
 * it is not sampled; it weighs as a word in RANK_PREFIX_SHARE of the rows.
 */
#define RANK_K1 1.2
#define RANK_B 0.75
#define RANK_SAMPLE 2048
#define RANK_COLUMNS 2
#define RANK_PREFIX_SHARE 0.01

struct rank_ctx {
	int nphrase;
	double avgdl;
	double weight[RANK_COLUMNS];
	double idf[]; /* per phrase */
};

struct rank_sample {
	const Fts5ExtensionApi *api;
	int64_t first, last, n;
};

static int rank_sample_row(const Fts5ExtensionApi *api, Fts5Context *fts, void *p)
{
	struct rank_sample *s = p;
	sqlite3_int64 id = api->xRowid(fts);

	if (s->n++ == 0)
		s->first = id;
	s->last = id;
	return s->n >= RANK_SAMPLE ? SQLITE_DONE : SQLITE_OK;
}

static int rank_prepare(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_value **argv,
			int argc, struct rank_ctx **out)
{
	struct rank_ctx *r;
	sqlite3_int64 nrow = 0, ntok = 0;
	int nphrase = api->xPhraseCount(fts), rc;
	const char *kinds = argc > RANK_COLUMNS ? (const char *)sqlite3_value_text(argv[RANK_COLUMNS]) : NULL;
	int nkinds = kinds ? (int)strlen(kinds) : 0;

	*out = NULL;
	if (!(r = sqlite3_malloc64(sizeof(*r) + sizeof(double) * (size_t)(nphrase > 0 ? nphrase : 1))))
		return SQLITE_NOMEM;
	r->nphrase = nphrase;
	for (int c = 0; c < RANK_COLUMNS; c++)
		r->weight[c] = c < argc ? sqlite3_value_double(argv[c]) : 1.0;
	if ((rc = api->xRowCount(fts, &nrow)) == SQLITE_OK)
		rc = api->xColumnTotalSize(fts, -1, &ntok);
	r->avgdl = nrow > 0 ? (double)ntok / (double)nrow : 1.0;
	for (int i = 0; rc == SQLITE_OK && i < nphrase; i++) {
		struct rank_sample s = {.api = api};
		double hits, idf;
		if (i < nkinds && kinds[i] == 'p') {
			hits = (double)nrow * RANK_PREFIX_SHARE;
		} else {
			rc = api->xQueryPhrase(fts, i, &s, rank_sample_row);
			hits = (double)s.n;
		}
		if (s.n >= RANK_SAMPLE && s.last > s.first)
			hits = (double)nrow * (double)s.n / (double)(s.last - s.first + 1);
		if (hits > (double)nrow)
			hits = (double)nrow;
		/* As bm25(): log((N - n + 0.5) / (n + 0.5)), kept above zero. */
		idf = log(((double)nrow - hits + 0.5) / (hits + 0.5));
		r->idf[i] = idf > 1e-6 ? idf : 1e-6;
	}
	if (rc != SQLITE_OK) {
		sqlite3_free(r);
		return rc;
	}
	if ((rc = api->xSetAuxdata(fts, r, sqlite3_free)) != SQLITE_OK)
		return rc; /* xSetAuxdata freed it */
	*out = r;
	return SQLITE_OK;
}

static void rank_fn(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
		    int argc, sqlite3_value **argv)
{
	struct rank_ctx *r = api->xGetAuxdata(fts, 0);
	double freq[64], *f = freq, score = 0;
	int len = 0, ninst = 0, rc = SQLITE_OK;

	if (!r && (rc = rank_prepare(api, fts, argv, argc, &r)) != SQLITE_OK)
		goto out;
	if (r->nphrase > (int)(sizeof(freq) / sizeof(freq[0])) &&
	    !(f = sqlite3_malloc64(sizeof(double) * (size_t)r->nphrase))) {
		rc = SQLITE_NOMEM;
		goto out;
	}
	for (int i = 0; i < r->nphrase; i++)
		f[i] = 0;
	if ((rc = api->xInstCount(fts, &ninst)) != SQLITE_OK)
		goto out;
	for (int i = 0; i < ninst; i++) {
		int phrase, col, off;
		if ((rc = api->xInst(fts, i, &phrase, &col, &off)) != SQLITE_OK)
			goto out;
		if (col >= 0 && col < RANK_COLUMNS)
			f[phrase] += r->weight[col];
	}
	if ((rc = api->xColumnSize(fts, -1, &len)) != SQLITE_OK)
		goto out;
	for (int i = 0; i < r->nphrase; i++) {
		double norm = RANK_K1 * (1 - RANK_B + RANK_B * (double)len / r->avgdl);
		score += r->idf[i] * f[i] * (RANK_K1 + 1) / (f[i] + norm);
	}
out:
	if (f != freq)
		sqlite3_free(f);
	if (rc == SQLITE_OK)
		sqlite3_result_double(ctx, score);
	else
		sqlite3_result_error_code(ctx, rc);
}

/* Called by the driver on every new connection, before the migrations. */
enum err_code search_sqlite_register(void *conn, struct err *e)
{
	static fts5_tokenizer methods = {tok_create, tok_delete, tok_tokenize};
	sqlite3_stmt *st = NULL;
	fts5_api *api = NULL;
	int rc;

	rc = sqlite3_prepare_v2(conn, "SELECT fts5(?1)", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (!api)
		return err_set(e, ERR_INTERNAL, "this SQLite has no FTS5 (%s)", sqlite3_libversion());
	rc = api->xCreateTokenizer(api, "champion", api, &methods, NULL);
	if (rc == SQLITE_OK)
		rc = api->xCreateFunction(api, "champion_rank", NULL, rank_fn, NULL);
	if (rc != SQLITE_OK)
		return err_set(e, ERR_INTERNAL, "cannot register the search tokenizer: %s",
			       sqlite3_errstr(rc));
	return ERR_OK;
}

/* --- the query ------------------------------------------------------------- */

/*
 * One term as an FTS5 string: quoted, so FTS5 sees only text to tokenize.
 * Each term is one FTS5 phrase, numbered in the order written; kinds
 * gets 'p' for a prefix phrase, '.' for any other (champion_rank's).
 */
static void put_term(struct buf *b, struct buf *kinds, const struct query_term *t)
{
	buf_putc(b, '"');
	for (const char *s = t->text; *s; s++) {
		if (*s == '"')
			buf_putc(b, '"');
		buf_putc(b, *s);
	}
	buf_putc(b, '"');
	if (t->kind == QUERY_PREFIX)
		buf_putc(b, '*');
	buf_putc(kinds, t->kind == QUERY_PREFIX ? 'p' : '.');
}

static void put_group(struct buf *b, struct buf *kinds, const struct query_group *g)
{
	if (g->nterms > 1)
		buf_putc(b, '(');
	for (size_t i = 0; i < g->nterms; i++) {
		if (i)
			buf_puts(b, " OR ");
		put_term(b, kinds, &g->terms[i]);
	}
	if (g->nterms > 1)
		buf_putc(b, ')');
}

/* The parsed query as an FTS5 expression: (A AND (B OR C)) NOT D NOT E. */
static void fts5_expr(struct buf *b, struct buf *kinds, const struct query *q)
{
	bool first = true;

	buf_putc(b, '(');
	for (size_t i = 0; i < q->ngroups; i++) {
		if (q->groups[i].negated)
			continue;
		if (!first)
			buf_puts(b, " AND ");
		put_group(b, kinds, &q->groups[i]);
		first = false;
	}
	buf_putc(b, ')');
	for (size_t i = 0; i < q->ngroups; i++) {
		if (!q->groups[i].negated)
			continue;
		buf_puts(b, " NOT ");
		put_group(b, kinds, &q->groups[i]);
	}
}

/*
 * The snippets of all hits: the best fragment of each hit's message, else
 * its subject, highlighted. FTS5 makes them from a MATCH, and a MATCH over
 * the desk's index builds a prefix phrase's whole list of documents first
 * (tens of milliseconds for a common prefix, more than the search itself).
 * So the hits alone are copied into a temporary FTS5 table of the
 * connection's (same columns, same tokenizer), matched there, and removed:
 * the same snippets, from a handful of documents.
 */
static enum err_code hit_snippets(struct db *db, struct arena *a, const char *match,
				  struct rows *hits, struct err *e)
{
	/*
	 * Made once per connection (again if a rollback undid it), without
	 * automatic merges: it never holds more than one page of hits. The
	 * hits go in with one statement, as FTS5 writes a segment at the end
	 * of each.
	 */
	static const char made[] =
		"SELECT 1 FROM temp.sqlite_master WHERE name = 'search_hits'";
	static const char make[] =
		"CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_hits USING fts5(subject, body, "
		"tokenize = 'champion')";
	static const char no_merge[] =
		"INSERT INTO temp.search_hits (search_hits, rank) VALUES ('automerge', 0)";
	static const char add[] =
		"INSERT INTO temp.search_hits (rowid, subject, body) SELECT m.id, t.subject, "
		"m.body_text FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE m.id IN "
		"(SELECT value FROM json_each($1))";
	static const char snip[] =
		"SELECT rowid, snippet(search_hits, 1, char(2), char(3), '…', 16), "
		"highlight(search_hits, 0, char(2), char(3)) FROM temp.search_hits "
		"WHERE search_hits MATCH $1";
	static const char clear[] = "DELETE FROM temp.search_hits";
	struct db_stmt *st = NULL;
	enum err_code rc;
	int r;

	struct buf ids = BUF_INIT;

	if (!hits->count)
		return ERR_OK;
	if ((rc = db_prepare(db, made, &st, e)))
		return rc;
	r = db_step(st, e);
	db_done(st);
	if (r < 0)
		return e->code;
	if (r != DB_ROW && ((rc = db_prepare(db, make, &st, e)) || (rc = repo_run(st, e)) ||
			    (rc = db_prepare(db, no_merge, &st, e)) || (rc = repo_run(st, e))))
		return rc;
	if ((rc = db_prepare(db, clear, &st, e)) || (rc = repo_run(st, e)))
		return rc;
	buf_putc(&ids, '[');
	for (size_t i = 0; i < hits->count; i++) {
		struct search_hit *h = ROWS_AT(hits, struct search_hit, i);
		h->snippet = "";
		buf_printf(&ids, "%s%" PRId64, i ? "," : "", h->message_id);
	}
	buf_putc(&ids, ']');
	if (!(rc = db_prepare(db, add, &st, e))) {
		db_bind_text(st, 1, buf_str(&ids));
		rc = repo_run(st, e);
	}
	buf_release(&ids);
	if (rc)
		return rc;
	if ((rc = db_prepare(db, snip, &st, e)))
		return rc;
	db_bind_text(st, 1, match);
	while ((r = db_step(st, e)) == DB_ROW) {
		int64_t id = db_col_int64(st, 0);
		const char *body = db_col_text(st, 1);
		const char *text = body && strchr(body, '\x02') ? body : db_col_text(st, 2);
		for (size_t i = 0; i < hits->count; i++) {
			struct search_hit *h = ROWS_AT(hits, struct search_hit, i);
			if (h->message_id == id)
				h->snippet = search_snippet_html(a, text);
		}
	}
	rc = r < 0 ? e->code : ERR_OK;
	db_done(st);
	if (!rc && (rc = db_prepare(db, clear, &st, e)) == ERR_OK)
		rc = repo_run(st, e);
	return rc;
}

/*
 * The filters on t (tickets) of a search: $5 assignee, $6 requester, $7
 * tag. The status is written into the text, as repo_ticket.c's lists do:
 * the partial indexes on tickets are conditions on it, and a bound status
 * would make SQLite prepare the statement again at every search.
 */
static void append_filters(struct buf *sql, const struct search_filter *f)
{
	if (f->status >= 0)
		buf_printf(sql, " AND t.status = '%s'", status_name((enum status)f->status));
	if (f->assignee_id > 0)
		buf_puts(sql, " AND t.assignee_id = $5");
	else if (f->assignee_id < 0)
		buf_puts(sql, " AND t.assignee_id IS NULL");
	if (f->requester_id)
		buf_puts(sql, " AND t.requester_id = $6");
	if (f->tag)
		buf_puts(sql, " AND EXISTS (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id "
			      "AND g.tag = $7)");
}

enum err_code search_sqlite_tickets(struct db *db, struct arena *a, const struct search_filter *f,
			     struct rows *out, struct err *e)
{
	struct buf sql = BUF_INIT, match = BUF_INIT, kinds = BUF_INIT;
	struct db_stmt *st = NULL;
	enum err_code rc;
	int r;

	rows_init(out, sizeof(struct search_hit));
	fts5_expr(&match, &kinds, f->query);
	/*
	 * score = champion_rank (BM25, higher is better) * recency; see search.h.
	 *
	 * The candidates come first, at most SEARCH_CANDIDATES messages, each
	 * one the viewer may read and that passes the filters, with its score;
	 * then their tickets are ranked by their best message. Ranking and
	 * joining every hit of a common word (40% of a large desk's messages
	 * say "hello") took seconds; the candidates bound that: the index is
	 * walked newest message first, each match joined to its message and
	 * ticket (permissions, filters, recency), and the walk stops at the
	 * SEARCH_CANDIDATES-th match the viewer may read. Customers' matches
	 * are checked against the set of their tickets' public messages, made
	 * once (looking each of those up in the index instead reads a common
	 * word's whole list every time). A query with fewer matches than that
	 * is ranked exactly.
	 */
	buf_printf(&sql,
		   "WITH hits AS MATERIALIZED (SELECT m.ticket_id AS tid, s.rowid AS mid, "
		   "champion_rank(search_index, %.1f, 1.0, $13) * (0.5 + 0.5 / (1.0 + "
		   "max(0, $2 - t.updated_at) / 86400000.0 / %.1f)) AS score "
		   "FROM search_index s CROSS JOIN messages m ON m.id = s.rowid "
		   "CROSS JOIN tickets t ON t.id = m.ticket_id WHERE search_index MATCH $1",
		   SEARCH_SUBJECT_WEIGHT, SEARCH_RECENCY_DAYS);
	if (f->viewer_role == ROLE_CUSTOMER) {
		/* "+": a filter on each match, not rowid lookups into the index. */
		buf_puts(&sql, " AND +s.rowid IN (SELECT m.id FROM tickets t JOIN messages m ON "
			       "m.ticket_id = t.id WHERE m.kind = 'public' AND " REPO_CUSTOMER_SEES ")");
	} else {
		buf_puts(&sql, " AND (m.kind = 'public' OR $3 = 1)");
		if (f->viewer_role == ROLE_ENGINEER)
			buf_puts(&sql, " AND " REPO_ENGINEER_SEES);
	}
	append_filters(&sql, f);
	buf_puts(&sql, " ORDER BY s.rowid DESC LIMIT $12) SELECT tid, mid, max(score) AS score "
		       "FROM hits GROUP BY tid ORDER BY score DESC, tid DESC LIMIT $10 OFFSET $11");
	if ((rc = db_prepare_built(db, buf_str(&sql), &st, e)))
		goto out;
	db_bind_text(st, 1, buf_str(&match));
	db_bind_int64(st, 2, f->now);
	if (f->viewer_role != ROLE_CUSTOMER) /* customers read public messages only */
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
	db_bind_text(st, 13, buf_str(&kinds));
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
	rc = hit_snippets(db, a, buf_str(&match), out, e);
out:
	db_done(st);
	buf_release(&sql);
	buf_release(&match);
	buf_release(&kinds);
	return rc;
}


/* Indexes the pending messages (search.c runs it, then empties the list). */
const char search_sqlite_add_pending[] =
	"INSERT INTO search_index (rowid, subject, body) SELECT p.message_id, t.subject, "
	"m.body_text FROM search_pending p JOIN messages m ON m.id = p.message_id "
	"JOIN tickets t ON t.id = m.ticket_id";
/* The same for the oldest $1 of them. */
const char search_sqlite_add_some[] =
	"INSERT INTO search_index (rowid, subject, body) SELECT p.message_id, t.subject, "
	"m.body_text FROM (SELECT message_id FROM search_pending ORDER BY message_id "
	"LIMIT $1) p JOIN messages m ON m.id = p.message_id JOIN tickets t ON t.id = "
	"m.ticket_id";


enum err_code search_sqlite_rebuild(struct db *db, struct err *e)
{
	return db_exec(db, "INSERT INTO search_index (search_index) VALUES ('rebuild')", e);
}

/* --- the bulk build ----------------------------------------------------------------- */

#define BULK_CHUNK (1 << 20)        /* bytes of documents handed over at once */
#define BULK_QUEUED_MAX (64 << 20)  /* the loader waits past this much */

/* Documents, packed: int64 id, uint32 subject length, uint32 body length, bytes. */
struct chunk {
	struct chunk *next;
	size_t len, cap;
	char data[];
};

struct search_bulk {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct chunk *head, *tail; /* handed over, not yet indexed */
	size_t queued;             /* bytes in the queue */
	bool closed;               /* no more chunks will come */
	bool stop;                 /* abort: give up */
	struct chunk *filling;     /* the loader's own, not in the queue */
	char *desk_path, *scratch_path;
	enum err_code rc;          /* the builder's outcome */
	struct err err;
};

static struct chunk *bulk_alloc_chunk(size_t need)
{
	size_t cap = need > BULK_CHUNK ? need : BULK_CHUNK;
	struct chunk *c = xmalloc(sizeof(*c) + cap);
	c->next = NULL;
	c->len = 0;
	c->cap = cap;
	return c;
}

static void remove_scratch(const char *path)
{
	char journal[PATH_MAX];
	unlink(path);
	snprintf(journal, sizeof(journal), "%s-journal", path);
	unlink(journal);
}

/* Runs SQL on the builder's connection; the error names what failed. */
static enum err_code bulk_exec(sqlite3 *conn, const char *sql, struct err *e)
{
	if (sqlite3_exec(conn, sql, NULL, NULL, NULL) == SQLITE_OK)
		return ERR_OK;
	return err_set(e, ERR_INTERNAL, "search index build: %s", sqlite3_errmsg(conn));
}

/*
 * FTS5 keeps its segments in levels, and merges a level into the next
 * once it holds `automerge` (4) segments: a segment at level L is
 * rewritten after about 4^L more commits. An index grown one commit at a
 * time has its big segments high up; the bulk build's one optimized
 * segment lands at level 1, where the desk's first dozen commits would
 * merge it, hundreds of megabytes, one slice per write (measured: POST
 * stalls for minutes on a 1,000,000-ticket demo desk). So it is moved up
 * to BULK_TOP_LEVEL, as if grown: its structure record (FTS5's format,
 * fts5_index.c: a 4-byte cookie; varints nLevel, nSegment, nWriteCounter;
 * per level nMerge, nSeg and per segment id, first and last page) is
 * rewritten with the levels below it empty. Anything unexpected in the
 * record leaves it as it is.
 */
#define BULK_TOP_LEVEL 24
#define FTS5_STRUCTURE_ROWID 10

/* SQLite's varint (sqlite3GetVarint): big-endian 7 bits a byte, the 9th whole. */
static int get_varint(const unsigned char *p, size_t n, size_t *i, uint64_t *out)
{
	uint64_t v = 0;
	for (int k = 0; k < 9; k++) {
		if (*i >= n)
			return -1;
		unsigned char c = p[(*i)++];
		if (k == 8) {
			*out = (v << 8) | c;
			return 0;
		}
		v = (v << 7) | (c & 0x7f);
		if (!(c & 0x80)) {
			*out = v;
			return 0;
		}
	}
	return -1;
}

static void put_varint(struct buf *b, uint64_t v)
{
	unsigned char tmp[10];
	int n = 0;

	if (v > 0x00ffffffffffffffULL) /* SQLite's nine-byte form: no page or id gets there */
		BUG("varint %" PRIu64 " too large for the structure record", v);
	do {
		unsigned char more = n ? 0x80 : 0;
		tmp[n++] = (unsigned char)((v & 0x7f) | more);
		v >>= 7;
	} while (v);
	while (n)
		buf_putc(b, (char)tmp[--n]);
}

static void bulk_lift(sqlite3 *conn)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *p;
	size_t n, i = 4;
	uint64_t nlevel, nseg, nwrite, v[5] = {0};
	struct buf b = BUF_INIT;
	int found = -1;

	if (sqlite3_prepare_v2(conn, "SELECT block FROM search_index_data WHERE id = ?1", -1, &st,
			       NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, FTS5_STRUCTURE_ROWID);
	if (sqlite3_step(st) != SQLITE_ROW || !(p = sqlite3_column_blob(st, 0)))
		goto out;
	n = (size_t)sqlite3_column_bytes(st, 0);
	if (n < 4 || get_varint(p, n, &i, &nlevel) || get_varint(p, n, &i, &nseg) ||
	    get_varint(p, n, &i, &nwrite) || nseg != 1 || nlevel < 1 || nlevel > BULK_TOP_LEVEL)
		goto out;
	for (uint64_t l = 0; l < nlevel; l++) {
		uint64_t nmerge, count;
		if (get_varint(p, n, &i, &nmerge) || get_varint(p, n, &i, &count) || nmerge ||
		    count > 1)
			goto out;
		if (count == 1) {
			if (get_varint(p, n, &i, &v[0]) || get_varint(p, n, &i, &v[1]) ||
			    get_varint(p, n, &i, &v[2]))
				goto out;
			found = (int)l;
		}
	}
	if (i != n || found < 0)
		goto out;
	buf_append(&b, p, 4); /* the cookie */
	put_varint(&b, BULK_TOP_LEVEL + 1);
	put_varint(&b, 1);
	put_varint(&b, nwrite);
	for (int l = 0; l < BULK_TOP_LEVEL; l++) {
		put_varint(&b, 0);
		put_varint(&b, 0);
	}
	put_varint(&b, 0);
	put_varint(&b, 1);
	for (int k = 0; k < 3; k++)
		put_varint(&b, v[k]);
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(conn, "UPDATE search_index_data SET block = ?2 WHERE id = ?1", -1,
			       &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, FTS5_STRUCTURE_ROWID);
		sqlite3_bind_blob(st, 2, b.data, (int)b.len, SQLITE_STATIC);
		sqlite3_step(st);
	}
out:
	sqlite3_finalize(st);
	buf_release(&b);
}

/* The next chunk to index, or NULL at the end (or on abort). */
static struct chunk *bulk_take(struct search_bulk *b)
{
	struct chunk *c = NULL;

	pthread_mutex_lock(&b->lock);
	while (!b->head && !b->closed && !b->stop)
		pthread_cond_wait(&b->cond, &b->lock);
	if (b->head && !b->stop) {
		c = b->head;
		b->head = c->next;
		if (!b->head)
			b->tail = NULL;
		b->queued -= c->cap;
		pthread_cond_broadcast(&b->cond);
	}
	pthread_mutex_unlock(&b->lock);
	return c;
}

static enum err_code bulk_index(sqlite3 *conn, struct search_bulk *b, struct err *e)
{
	sqlite3_stmt *st = NULL;
	struct chunk *c;
	enum err_code rc = ERR_OK;

	if (sqlite3_prepare_v2(conn, "INSERT INTO search_index (rowid, subject, body) "
				     "VALUES (?1, ?2, ?3)", -1, &st, NULL) != SQLITE_OK)
		return err_set(e, ERR_INTERNAL, "search index build: %s", sqlite3_errmsg(conn));
	while ((c = bulk_take(b))) {
		for (size_t off = 0; off < c->len && !rc;) {
			int64_t id;
			uint32_t ns, nb;
			memcpy(&id, c->data + off, sizeof(id));
			memcpy(&ns, c->data + off + 8, sizeof(ns));
			memcpy(&nb, c->data + off + 12, sizeof(nb));
			off += 16;
			sqlite3_bind_int64(st, 1, id);
			sqlite3_bind_text(st, 2, c->data + off, (int)ns, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, c->data + off + ns, (int)nb, SQLITE_STATIC);
			off += ns + nb;
			if (sqlite3_step(st) != SQLITE_DONE)
				rc = err_set(e, ERR_INTERNAL, "search index build: %s",
					     sqlite3_errmsg(conn));
			sqlite3_reset(st);
		}
		free(c);
		if (rc)
			break;
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * Replaces the desk's index with the scratch one, table by table: FTS5's
 * own tables hold nothing but the index, the same for both (the desk's
 * index reads its text from search_documents, the scratch one has none).
 * The desk's connections see a commit by another connection and drop
 * what they cached of the index.
 */
static enum err_code bulk_copy(sqlite3 *conn, const char *desk_path, struct err *e)
{
	static const char copy[] =
		"BEGIN IMMEDIATE;"
		"DELETE FROM desk.search_index_data; DELETE FROM desk.search_index_idx;"
		"DELETE FROM desk.search_index_docsize;"
		"INSERT INTO desk.search_index_data SELECT * FROM main.search_index_data;"
		"INSERT INTO desk.search_index_idx SELECT * FROM main.search_index_idx;"
		"INSERT INTO desk.search_index_docsize SELECT * FROM main.search_index_docsize;"
		"COMMIT";
	sqlite3_stmt *st = NULL;
	enum err_code rc;

	if (sqlite3_prepare_v2(conn, "ATTACH ?1 AS desk", -1, &st, NULL) != SQLITE_OK)
		return err_set(e, ERR_INTERNAL, "search index build: %s", sqlite3_errmsg(conn));
	sqlite3_bind_text(st, 1, desk_path, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE
		     ? ERR_OK
		     : err_set(e, ERR_INTERNAL, "search index build: cannot open '%s': %s",
			       desk_path, sqlite3_errmsg(conn));
	sqlite3_finalize(st);
	if (rc)
		return rc;
	if ((rc = bulk_exec(conn, copy, e)))
		sqlite3_exec(conn, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static void *bulk_main(void *arg)
{
	struct search_bulk *b = arg;
	sqlite3 *conn = NULL;
	enum err_code rc;

	pthread_setname_np(pthread_self(), "search-build");

	if (sqlite3_open_v2(b->scratch_path, &conn,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		rc = err_set(&b->err, ERR_INTERNAL, "search index build: cannot create '%s': %s",
			     b->scratch_path, conn ? sqlite3_errmsg(conn) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(conn, 60000);
	/*
	 * A scratch file: no journal, no syncing; the same index as
	 * 0004_search.sql's. Its settings (in its own config table, not
	 * copied) trade memory for work: terms gather in a 64 MiB hash before
	 * a segment is written, segments are not merged as they come (each
	 * merge rewrites them), and one merge at the end makes one segment.
	 */
	if ((rc = bulk_exec(conn, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; "
				  "PRAGMA cache_size=-65536", &b->err)) ||
	    (rc = search_sqlite_register(conn, &b->err)) ||
	    (rc = bulk_exec(conn, "CREATE VIRTUAL TABLE search_index USING fts5(subject, body, "
				  "content = '', tokenize = 'champion');"
				  "INSERT INTO search_index (search_index, rank) VALUES "
				  "('hashsize', 67108864), ('automerge', 0), ('crisismerge', 64);"
				  "BEGIN", &b->err)) ||
	    (rc = bulk_index(conn, b, &b->err)) ||
	    (rc = bulk_exec(conn, "COMMIT", &b->err)))
		goto out;
	/*
	 * One segment, at the top level. The flushes above left several
	 * large segments at level 0, where the desk's first writes would
	 * find them: FTS5's automerge would then merge them, hundreds of
	 * megabytes, a slice inside every write transaction (measured: 18
	 * tickets/s on a 1,000,000-ticket demo desk instead of thousands).
	 */
	if ((rc = bulk_exec(conn, "INSERT INTO search_index (search_index) VALUES ('optimize')",
			    &b->err)))
		goto out;
	bulk_lift(conn);
	pthread_mutex_lock(&b->lock);
	bool stop = b->stop;
	pthread_mutex_unlock(&b->lock);
	if (!stop)
		rc = bulk_copy(conn, b->desk_path, &b->err);
out:
	sqlite3_close(conn);
	remove_scratch(b->scratch_path);
	pthread_mutex_lock(&b->lock);
	b->rc = rc;
	/* Drain, so a loader waiting for room goes on. */
	while (b->head) {
		struct chunk *c = b->head;
		b->head = c->next;
		free(c);
	}
	b->tail = NULL;
	b->queued = 0;
	b->stop = true;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

enum err_code search_bulk_begin(struct db *db, const char *desk_path, const char *scratch_path,
				struct search_bulk **out, struct err *e)
{
	/* Only SQLite's index is built beside a load; PostgreSQL's follows the writes. */
	if (strcmp(db_backend(db), "sqlite") != 0) {
		*out = NULL;
		return ERR_OK;
	}
	struct search_bulk *b;

	*out = NULL;
	if (strcmp(db_backend(db), "sqlite") != 0)
		return ERR_OK;
	b = xcalloc(1, sizeof(*b));
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->cond, NULL);
	b->desk_path = xstrdup(desk_path);
	b->scratch_path = xstrdup(scratch_path);
	remove_scratch(scratch_path);
	if (pthread_create(&b->thread, NULL, bulk_main, b) != 0) {
		pthread_mutex_destroy(&b->lock);
		pthread_cond_destroy(&b->cond);
		free(b->desk_path);
		free(b->scratch_path);
		free(b);
		return err_set(e, ERR_TRANSIENT, "cannot start the search index builder");
	}
	*out = b;
	return ERR_OK;
}

/* Hands the loader's chunk to the builder; waits while the queue is full. */
static void bulk_hand_over(struct search_bulk *b)
{
	struct chunk *c = b->filling;

	b->filling = NULL;
	if (!c)
		return;
	pthread_mutex_lock(&b->lock);
	while (b->queued >= BULK_QUEUED_MAX && !b->stop)
		pthread_cond_wait(&b->cond, &b->lock);
	if (b->stop) {
		free(c);
	} else {
		if (b->tail)
			b->tail->next = c;
		else
			b->head = c;
		b->tail = c;
		b->queued += c->cap;
		pthread_cond_broadcast(&b->cond);
	}
	pthread_mutex_unlock(&b->lock);
}

void search_bulk_add(struct search_bulk *b, int64_t message_id, const char *subject,
		     const char *body)
{
	uint32_t ns = (uint32_t)strlen(subject), nb = (uint32_t)strlen(body);
	size_t need = 16 + (size_t)ns + nb;

	if (!b)
		return;
	if (b->filling && b->filling->len + need > b->filling->cap)
		bulk_hand_over(b);
	if (!b->filling)
		b->filling = bulk_alloc_chunk(need);
	char *p = b->filling->data + b->filling->len;
	memcpy(p, &message_id, 8);
	memcpy(p + 8, &ns, 4);
	memcpy(p + 12, &nb, 4);
	memcpy(p + 16, subject, ns);
	memcpy(p + 16 + ns, body, nb);
	b->filling->len += need;
}

/* Waits for the builder, frees b; returns its outcome (copied into e when set). */
static enum err_code bulk_free(struct search_bulk *b, struct err *e)
{
	enum err_code rc;

	pthread_join(b->thread, NULL);
	rc = b->rc;
	if (rc && e)
		*e = b->err;
	free(b->filling);
	pthread_mutex_destroy(&b->lock);
	pthread_cond_destroy(&b->cond);
	free(b->desk_path);
	free(b->scratch_path);
	free(b);
	return rc;
}

/* Tells the builder no more documents come (and, with stop, to give up). */
static void bulk_close(struct search_bulk *b, bool stop)
{
	pthread_mutex_lock(&b->lock);
	b->closed = true;
	b->stop |= stop;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

enum err_code search_bulk_finish(struct search_bulk *b, struct err *e)
{
	if (!b)
		return ERR_OK;
	bulk_hand_over(b);
	bulk_close(b, false);
	return bulk_free(b, e);
}

void search_bulk_abort(struct search_bulk *b)
{
	if (!b)
		return;
	bulk_close(b, true);
	bulk_free(b, NULL);
}
