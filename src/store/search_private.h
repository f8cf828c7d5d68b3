/*
 * search_private.h - what search.c (the backend-neutral half of search.h)
 * and the backends' modules share. Private to store/.
 *
 * Each backend implements the index's writes and its ranked query; the
 * pending list (search_pending), its checks and the HTML of snippets are
 * common. Snippets come from the backends with the matched words between
 * \x02 and \x03.
 */
#ifndef CHAMPION_SEARCH_PRIVATE_H
#define CHAMPION_SEARCH_PRIVATE_H

#include "store/search.h"

/* A snippet (marks \x02 and \x03) as HTML: escaped, marks as <mark>, in the arena. */
const char *search_snippet_html(struct arena *a, const char *s);

/* search_sqlite.c: FTS5. */
enum err_code search_sqlite_tickets(struct db *db, struct arena *a, const struct search_filter *f,
				    struct rows *out, struct err *e);
/* The INSERTs that index the pending messages: all, or the oldest $1 (search.c runs them). */
extern const char search_sqlite_add_pending[], search_sqlite_add_some[];
enum err_code search_sqlite_rebuild(struct db *db, struct err *e);

/* search_pg.c: tsvector, GIN and ts_rank. */
enum err_code search_pg_tickets(struct db *db, struct arena *a, const struct search_filter *f,
				struct rows *out, struct err *e);
extern const char search_pg_add_pending[], search_pg_add_some[];
enum err_code search_pg_rebuild(struct db *db, struct err *e);

#endif
