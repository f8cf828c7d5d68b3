/*
 * store.h - the desk's storage: one database connection, migrated to the
 * latest schema, and the attachment directory beside it.
 */
#ifndef CHAMPION_STORE_H
#define CHAMPION_STORE_H

#include "store/db.h"

struct store {
	struct db *db;
	char *target;   /* file path or URL, as given */
	char *blob_dir; /* content-addressed attachment files */
	size_t blob_max;
	int version; /* schema version after migration */
};

struct store_options {
	const char *target;
	bool create;          /* champion init: create a new desk */
	enum db_sync sync;
	int busy_timeout_ms;
	const char *blob_dir; /* NULL: TARGET.files beside the database */
	size_t blob_max;      /* largest attachment accepted, in bytes */
	bool keep_wal;        /* see struct db_options */
	struct db_log_watch *log_watch; /* the same */
	/*
	 * The commits leave the messages they add in search_pending instead
	 * of indexing them (search_flush_pending); the owner indexes them in
	 * batches with desk_search_catch_up (a server's writer).
	 */
	bool search_later;
};

/*
 * Opens and migrates. With create, refuses a target that already holds a
 * desk (ERR_CONFLICT); without it, refuses one that does not exist
 * (ERR_NOT_FOUND). Fills s, which store_release empties.
 */
enum err_code store_open(struct store *s, const struct store_options *o, struct err *e);
void store_release(struct store *s);

#endif
