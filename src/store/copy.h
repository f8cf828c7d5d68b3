/*
 * copy.h - a whole desk copied from one store into another, and checked
 * (champion migrate-store): a desk outgrowing SQLite moves to PostgreSQL.
 *
 * Every table of the schema is copied as it is, ids included, except what
 * each backend derives for itself: schema_migrations (both stores are at
 * the same version) and the full-text index (SQLite's FTS5 tables,
 * PostgreSQL's search_docs and search_pending), which is rebuilt in the
 * destination from its messages. The attachment files are copied into the
 * destination's directory, each checked against its SHA-256 name, before
 * any row that names them commits; desks that share one directory only
 * check that each file is there.
 *
 * The destination is PostgreSQL (the copy turns its triggers off while it
 * writes and defers its foreign keys to the commit) and must hold no desk
 * in use: no user and no ticket. Everything is written in one transaction,
 * which commits only when every table read back from the destination has
 * the row count and checksum read from the source; anything else leaves
 * the destination as it was. After the commit, ANALYZE gives the planner
 * its statistics at once. The source is read in one read transaction:
 * a snapshot. Writes made to it meanwhile are not copied, so stop its
 * servers and mail deliveries first.
 *
 * A table's checksum is order-free: the sum (mod 2^128) of a 128-bit
 * BLAKE2b hash of each row, each value hashed as the text the backend
 * gives for it (bytea as its bytes), NULL told apart from empty. So two
 * tables with the same rows in any order, on either backend, agree.
 */
#ifndef CHAMPION_COPY_H
#define CHAMPION_COPY_H

#include "store/store.h"

#define STORE_COPY_SUM 16

struct store_copy_table {
	char *name;
	int64_t rows_from, rows_to;
	unsigned char sum_from[STORE_COPY_SUM], sum_to[STORE_COPY_SUM];
};

struct store_copy_report {
	struct store_copy_table *tables; /* in the order copied */
	size_t ntables;
	int64_t files, file_bytes; /* attachment files copied (or found, when shared) */
	bool files_shared;         /* both desks use one directory */
	bool checked;              /* every table was read back (sum_to, rows_to set) */
	int64_t seconds_ms;        /* how long the copy took */
};

/*
 * Told how far the copy is: what is "files" or a table's name; done of
 * total rows (or files). Called at least at each table's start and end,
 * and every few thousand rows between.
 */
struct store_copy_progress {
	void (*fn)(struct store_copy_progress *p, const char *what, int64_t done, int64_t total);
};

/*
 * Copies from into to (both open, migrated stores, to on PostgreSQL;
 * p may be NULL) and fills r, which store_copy_release empties. A table
 * that reads back different is ERR_INTERNAL (r says which; nothing is
 * committed); a destination in use ERR_CONFLICT; schemas that differ
 * (stores of different versions) ERR_INVALID. Else the driver's errors.
 */
enum err_code store_copy(struct store *from, struct store *to, struct store_copy_progress *p,
			 struct store_copy_report *r, struct err *e);
bool store_copy_same(const struct store_copy_table *t);
void store_copy_release(struct store_copy_report *r);

#endif
