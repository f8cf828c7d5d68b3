/*
 * search.h - full-text search over tickets and their messages, in desk
 * terms: a parsed query (rules/query.h), filters and the viewer in;
 * ranked tickets with a highlighted snippet out.
 *
 * One implementation per backend: search_sqlite.c (FTS5 with the
 * "champion" tokenizer: Unicode folding without accents, Snowball
 * English stemming). PostgreSQL will implement the same functions with
 * tsvector and ts_headline. The index itself is kept in sync by the
 * backend's schema (migrations), in the transaction of every write.
 *
 * A document is one message together with its ticket's subject: every
 * word of a query must appear in the subject or in that one message.
 * Results are tickets, each with its best message.
 *
 * Ranking (both backends): score = relevance * recency, where relevance
 * is the backend's BM25 (the subject weighing twice a message's body; on
 * SQLite a common word's document count is estimated from a sample, see
 * champion_rank in search_sqlite.c) and
 * recency = 0.5 + 0.5 / (1 + age_days / 30), age_days being the time
 * since the ticket's last update. Recent tickets win near-ties; an old
 * ticket loses at most half its relevance. A query matching more than
 * SEARCH_CANDIDATES messages the viewer may read ranks the newest
 * SEARCH_CANDIDATES of them: a word in half the desk finds the recent
 * tickets that say it best, in milliseconds rather than seconds.
 *
 * Snippets are HTML: the text escaped (& < > " '), the matched words in
 * <mark>...</mark>, cut parts shown as "…". Safe to insert into a page.
 */
#ifndef CHAMPION_SEARCH_H
#define CHAMPION_SEARCH_H

#include "rules/model.h"
#include "rules/query.h"
#include "store/db.h"
#include "store/repo.h"

#define SEARCH_RECENCY_DAYS 30.0 /* the age at which recency is 0.75 */
#define SEARCH_SUBJECT_WEIGHT 2.0
/*
 * The most matching messages a search ranks: past this many, the newest
 * ones the viewer may read (customers: all of theirs). See search_sqlite.c.
 */
#define SEARCH_CANDIDATES 1000

struct search_filter {
	const struct query *query;
	int status;            /* -1: any */
	int64_t assignee_id;   /* 0: any, -1: unassigned */
	int64_t requester_id;  /* 0: any */
	const char *tag;       /* NULL: any */
	/* Visibility, applied inside the query (as repo_ticket_list does). */
	enum role viewer_role;
	int64_t viewer_id;
	int64_t viewer_org_id;
	bool with_internal;    /* internal notes count as documents */
	int64_t now;           /* ms, for recency */
	int offset;            /* tickets to skip */
	int limit;             /* 1..100 */
};

struct search_hit {
	int64_t ticket_id;
	int64_t message_id;
	double score;          /* higher is better */
	const char *snippet;   /* HTML, in the arena */
};

/*
 * Finds tickets for f into out (rows of struct search_hit, best first).
 * A query whose terms the index cannot use (no words left after
 * tokenizing) finds nothing. Errors are the driver's.
 */
enum err_code search_tickets(struct db *db, struct arena *a, const struct search_filter *f,
			     struct rows *out, struct err *e);

/* Rebuilds the whole index from tickets and messages (after a bulk load). */
enum err_code search_rebuild(struct db *db, struct err *e);
/*
 * Indexes the messages written in this transaction (noted in
 * search_pending by a trigger): the store runs it just before every write
 * transaction commits (db_before_commit), so the index gets one segment
 * per commit instead of one per message.
 */
enum err_code search_flush_pending(struct db *db, void *ctx, struct err *e);
/*
 * Notes a new message for the index (search_pending): the desk calls it
 * when it writes one (0024), and search_flush_pending or
 * search_flush_some index it.
 */
enum err_code search_note_message(struct db *db, int64_t message_id, struct err *e);
/*
 * The same for at most max of the messages waiting, the oldest first,
 * inside the caller's transaction; *done gets how many it indexed.
 */
enum err_code search_flush_some(struct db *db, int max, int *done, struct err *e);
/* Whether messages wait in search_pending (a read, outside any transaction). */
enum err_code search_pending_any(struct db *db, bool *any, struct err *e);

/*
 * A bulk build beside a bulk load (champion demo), while the index's
 * triggers are off: the loader hands every message it writes to
 * search_bulk_add; a second thread indexes them meanwhile into a scratch
 * database at scratch_path; search_bulk_finish waits for it and copies
 * the finished index into the desk, replacing what the index held. On a
 * machine with a spare core the index costs the load almost nothing.
 *
 * begin: *out is NULL when the backend needs no bulk build (ERR_OK).
 * add: copies the strings; blocks while the builder is far behind.
 * finish: outside any transaction on db (the copy writes from the
 * builder's own connection); frees b whatever happens. On error the index
 * is as before: rebuild it with search_rebuild.
 * abort: stops the builder, removes the scratch database, frees b.
 */
struct search_bulk;

enum err_code search_bulk_begin(struct db *db, const char *desk_path, const char *scratch_path,
				struct search_bulk **out, struct err *e);
void search_bulk_add(struct search_bulk *b, int64_t message_id, const char *subject,
		     const char *body);
enum err_code search_bulk_finish(struct search_bulk *b, struct err *e);
void search_bulk_abort(struct search_bulk *b);

#endif
