/*
 * db_driver.h - what a backend implements behind db.h.
 *
 * db.c owns the generic parts (statement cache, savepoints, placeholder
 * numbering); a driver only talks to its library. Private to store/.
 */
#ifndef CHAMPION_DB_DRIVER_H
#define CHAMPION_DB_DRIVER_H

#include "store/db.h"

struct db_driver {
	const char *name;
	/* Begins a write transaction (a string literal: cached by address). */
	const char *begin_write;
	/*
	 * A failed statement aborts the whole transaction (PostgreSQL): every
	 * level then needs its savepoint, so db_begin_flat is an ordinary
	 * db_begin there.
	 */
	bool failure_aborts;
	/* Writers run side by side, each locking the rows it writes (PostgreSQL). */
	bool row_locks;
	enum err_code (*open)(void **conn, const char *target, const struct db_options *o,
			      struct err *e);
	void (*close)(void *conn);
	const char *(*version)(void *conn);
	enum err_code (*prepare)(void *conn, const char *sql, void **impl, struct err *e);
	/* Ready to run again; returns how often it was prepared again since the last reset. */
	int (*reset)(void *impl);
	void (*finalize)(void *impl);
	void (*bind_int64)(void *impl, int n, int64_t v);
	void (*bind_double)(void *impl, int n, double v);
	void (*bind_text)(void *impl, int n, const char *s, size_t len);
	void (*bind_blob)(void *impl, int n, const void *p, size_t len);
	void (*bind_null)(void *impl, int n);
	int (*step)(void *impl, struct err *e);
	int64_t (*col_int64)(void *impl, int i);
	double (*col_double)(void *impl, int i);
	const char *(*col_text)(void *impl, int i);
	const void *(*col_blob)(void *impl, int i, size_t *len);
	bool (*col_is_null)(void *impl, int i);
	enum err_code (*exec)(void *conn, const char *sql, struct err *e);
	int64_t (*changes)(void *conn);
	/* Rows inserted, changed or deleted since the connection opened, triggers' included. */
	int64_t (*total_changes)(void *conn);
	int64_t (*last_insert_id)(void *conn);
	enum err_code (*checkpoint)(void *conn, int *log_pages, int *copied, struct err *e);
	/* The last COMMIT's outcome is unknown (the connection was lost waiting); NULL: never. */
	bool (*commit_unknown)(void *conn);
	/* db_watch_*; watch_open NULL: the backend has no signals. */
	enum err_code (*watch_open)(const char *target, const char *channel, void **out,
				    struct err *e);
	int (*watch_wait)(void *w, int timeout_ms, struct err *e);
	void (*watch_close)(void *w);
};

extern const struct db_driver db_sqlite_driver;
extern const struct db_driver db_pg_driver;

/*
 * Registers the VFS that writes the write-ahead log a commit at a time
 * (db_sqlite_vfs.c); its name, or NULL if SQLite's default VFS is not one
 * it can wrap.
 */
const char *db_sqlite_vfs_register(void);

/* Registers the search tokenizer on a new SQLite connection (search_sqlite.c). */
enum err_code search_sqlite_register(void *conn, struct err *e);

#endif
