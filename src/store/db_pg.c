/*
 * db_pg.c - the PostgreSQL driver (libpq) behind db.h.
 *
 * A connection is one libpq connection, used by one thread at a time like
 * every struct db. Statements are prepared on the server once per
 * connection, under a name of their own ("c1", "c2"...), and run with
 * PQexecPrepared: values travel as text, blobs as binary; results come
 * back as text, bytea as its hex form, decoded on demand. The whole
 * result of a step is fetched at once: the desk's queries return pages,
 * not tables.
 *
 * The SQL is the same text SQLite runs ($1..$N placeholders are native
 * here). What differs is said where it differs: the write lock
 * (BEGIN IMMEDIATE is SQLite's; here a transaction takes row locks as it
 * goes), and errors, mapped from SQLSTATE classes to the desk's taxonomy.
 */
#include "util/common.h"
#include "store/db_driver.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <dlfcn.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>

/*
 * libpq, loaded when the first PostgreSQL connection opens rather than
 * when the process starts: a desk on SQLite never needs it, and libpq
 * brings its own dozen libraries (TLS, Kerberos, LDAP) that every
 * short-lived command (mailgate) would otherwise load. Set once, then
 * only read.
 */
#define PQ_LIB "libpq.so.5"

static struct {
	__typeof__(PQresultErrorField) *PQresultErrorField;
	__typeof__(PQresultErrorMessage) *PQresultErrorMessage;
	__typeof__(PQerrorMessage) *PQerrorMessage;
	__typeof__(PQstatus) *PQstatus;
	__typeof__(PQexec) *PQexec;
	__typeof__(PQresultStatus) *PQresultStatus;
	__typeof__(PQclear) *PQclear;
	__typeof__(PQconnectdb) *PQconnectdb;
	__typeof__(PQfinish) *PQfinish;
	__typeof__(PQsetNoticeProcessor) *PQsetNoticeProcessor;
	__typeof__(PQparameterStatus) *PQparameterStatus;
	__typeof__(PQprepare) *PQprepare;
	__typeof__(PQfreemem) *PQfreemem;
	__typeof__(PQexecPrepared) *PQexecPrepared;
	__typeof__(PQcmdStatus) *PQcmdStatus;
	__typeof__(PQcmdTuples) *PQcmdTuples;
	__typeof__(PQntuples) *PQntuples;
	__typeof__(PQgetisnull) *PQgetisnull;
	__typeof__(PQgetvalue) *PQgetvalue;
	__typeof__(PQftype) *PQftype;
	__typeof__(PQgetlength) *PQgetlength;
	__typeof__(PQunescapeBytea) *PQunescapeBytea;
	__typeof__(PQreset) *PQreset;
	__typeof__(PQtransactionStatus) *PQtransactionStatus;
	__typeof__(PQsocket) *PQsocket;
	__typeof__(PQconsumeInput) *PQconsumeInput;
	__typeof__(PQnotifies) *PQnotifies;
	char failed[256]; /* why libpq could not be loaded; "" when it was */
} pq;

static void pq_load(void)
{
	void *h = dlopen(PQ_LIB, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		snprintf(pq.failed, sizeof(pq.failed), "%s", dlerror());
		return;
	}
#define PQ_GET(name) \
	if (!(pq.name = (__typeof__(pq.name))dlsym(h, #name))) { \
		snprintf(pq.failed, sizeof(pq.failed), "%s lacks %s", PQ_LIB, #name); \
		return; \
	}
	PQ_GET(PQresultErrorField)
	PQ_GET(PQresultErrorMessage)
	PQ_GET(PQerrorMessage)
	PQ_GET(PQstatus)
	PQ_GET(PQexec)
	PQ_GET(PQresultStatus)
	PQ_GET(PQclear)
	PQ_GET(PQconnectdb)
	PQ_GET(PQfinish)
	PQ_GET(PQsetNoticeProcessor)
	PQ_GET(PQparameterStatus)
	PQ_GET(PQprepare)
	PQ_GET(PQfreemem)
	PQ_GET(PQexecPrepared)
	PQ_GET(PQcmdStatus)
	PQ_GET(PQcmdTuples)
	PQ_GET(PQntuples)
	PQ_GET(PQgetisnull)
	PQ_GET(PQgetvalue)
	PQ_GET(PQftype)
	PQ_GET(PQgetlength)
	PQ_GET(PQunescapeBytea)
	PQ_GET(PQreset)
	PQ_GET(PQtransactionStatus)
	PQ_GET(PQsocket)
	PQ_GET(PQconsumeInput)
	PQ_GET(PQnotifies)
#undef PQ_GET
}

/*
 * A lost connection (the server restarted, the network dropped) is opened
 * again before the next statement, which prepares its statement again on
 * the new one (gen says which connection a statement was prepared on).
 * A connection lost inside a transaction is not: the transaction is gone,
 * and a statement run on a new connection would commit alone. Until the
 * caller rolls back (db_rollback's ROLLBACK, answered here), everything
 * fails as transient.
 */
struct pg_conn {
	PGconn *c;
	unsigned long next_name; /* statements prepared so far: their names */
	int64_t changes;         /* rows the last INSERT, UPDATE or DELETE changed */
	int64_t total_changes;
	unsigned gen;            /* connections opened so far (PQreset) */
	bool lost_txn;           /* lost inside a transaction: only ROLLBACK is taken */
	bool commit_unknown;     /* lost while the server had the last COMMIT */
	char settings[160];      /* the session's SET statements, again after a reset */
	char version[64];
};

#define MAX_PARAMS 65535 /* the protocol's count of parameters is 16 bits */

struct pg_stmt {
	struct pg_conn *pc;
	char name[24];
	char *text;      /* the statement as prepared (renumbered), to prepare again */
	unsigned gen;    /* the connection it is prepared on */
	int *map;        /* $n in the desk's SQL -> its number on the server; 0: unused */
	int nmap;        /* entries of map: the largest $n + 1 */
	int nparams;
	char **values;   /* per parameter: malloc'd text or bytes, NULL for SQL NULL */
	int *lengths;    /* bytes of a binary value */
	int *formats;    /* 0 text, 1 binary (blobs) */
	PGresult *res;   /* the current step's result; NULL before the first step */
	bool executed;   /* run since the last reset */
	int row, nrows;  /* the row db_col_* read; rows in res */
	unsigned char *blob; /* col_blob's last decoded value (PQunescapeBytea's) */
};

/*
 * The taxonomy from a failed result (or the connection's message when
 * there is none). Class 08 (connection), 40 (serialization failure,
 * deadlock), 53 (resources), 55P03 (lock not available) and 57P0x (the
 * server going down) are transient: a retry may succeed.
 */
static enum err_code fail(struct pg_conn *pc, const PGresult *res, struct err *e,
			  const char *what)
{
	const char *state = res ? pq.PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? pq.PQresultErrorMessage(res) : pq.PQerrorMessage(pc->c);
	char clean[400];
	size_t n;

	snprintf(clean, sizeof(clean), "%s", msg && *msg ? msg : "no message");
	n = strlen(clean);
	while (n && (clean[n - 1] == '\n' || clean[n - 1] == ' '))
		clean[--n] = '\0';
	if (pq.PQstatus(pc->c) != CONNECTION_OK)
		return err_set(e, ERR_TRANSIENT, "the database connection is lost while %s (%s)",
			       what, clean);
	if (!state)
		return err_set(e, ERR_INTERNAL, "database error while %s: %s", what, clean);
	if (strcmp(state, "23505") == 0)
		return err_set(e, ERR_CONFLICT, "already exists (%s)", clean);
	if (strncmp(state, "23", 2) == 0)
		return err_set(e, ERR_INVALID, "rejected by the database (%s)", clean);
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "40", 2) == 0 ||
	    strncmp(state, "53", 2) == 0 || strcmp(state, "55P03") == 0 ||
	    strncmp(state, "57P0", 4) == 0)
		return err_set(e, ERR_TRANSIENT, "database is busy (%s); try again", clean);
	if (strcmp(state, "25006") == 0)
		return err_set(e, ERR_FORBIDDEN, "database is read-only (%s)", clean);
	return err_set(e, ERR_INTERNAL, "database error while %s: %s [%s]", what, clean, state);
}

/*
 * Before a statement: a connection that was lost is opened again (and set
 * up as before), unless it was lost inside a transaction (see pg_conn).
 * *rolled_back: the statement was that transaction's ROLLBACK, and is done.
 */
static enum err_code ready(struct pg_conn *pc, const char *sql, bool *rolled_back,
			   struct err *e)
{
	PGresult *res;
	enum err_code rc = ERR_OK;

	*rolled_back = false;
	if (pc->lost_txn) {
		if (strcmp(sql, "ROLLBACK") == 0) {
			pc->lost_txn = false;
			*rolled_back = true;
			return ERR_OK;
		}
		return err_set(e, ERR_TRANSIENT, "the database connection was lost inside a "
			       "transaction; it is being rolled back");
	}
	if (pq.PQstatus(pc->c) == CONNECTION_OK)
		return ERR_OK;
	pq.PQreset(pc->c);
	if (pq.PQstatus(pc->c) != CONNECTION_OK)
		return fail(pc, NULL, e, "connecting to the database again");
	pc->gen++;
	res = pq.PQexec(pc->c, pc->settings);
	if (pq.PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = fail(pc, res, e, "setting up the connection again");
	pq.PQclear(res);
	return rc;
}

/*
 * After a failed statement: a connection lost inside a transaction stays
 * so (pg_conn); lost while running COMMIT, nobody knows whether it
 * committed (db_commit_unknown).
 */
static void note_loss(struct pg_conn *pc, PGTransactionStatusType before, const char *sql)
{
	if (pq.PQstatus(pc->c) == CONNECTION_OK)
		return;
	if (strcmp(sql, "COMMIT") == 0)
		pc->commit_unknown = true;
	else if (before == PQTRANS_INTRANS || before == PQTRANS_INERROR || before == PQTRANS_ACTIVE)
		pc->lost_txn = true;
}

static enum err_code pg_exec(void *conn, const char *sql, struct err *e)
{
	struct pg_conn *pc = conn;
	PGTransactionStatusType before = pq.PQtransactionStatus(pc->c);
	PGresult *res;
	ExecStatusType s;
	enum err_code rc;
	bool rolled_back;

	pc->commit_unknown = false;
	if ((rc = ready(pc, sql, &rolled_back, e)) || rolled_back)
		return rc;
	res = pq.PQexec(pc->c, sql);
	s = pq.PQresultStatus(res);
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		rc = fail(pc, res, e, "executing a statement");
		note_loss(pc, before, sql);
	}
	pq.PQclear(res);
	return rc;
}

/* libpq's notices (a NOTICE from CREATE ... IF NOT EXISTS) are not errors: kept quiet. */
static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* libpq loaded, then a connection to url with notices kept quiet. */
static enum err_code connect_to(const char *url, PGconn **out, struct err *e)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	PGconn *c;
	enum err_code rc;

	*out = NULL;
	pthread_once(&once, pq_load);
	if (pq.failed[0])
		return err_set(e, ERR_INTERNAL, "cannot load the PostgreSQL client library: %s",
			       pq.failed);
	c = pq.PQconnectdb(url);
	if (!c || pq.PQstatus(c) != CONNECTION_OK) {
		rc = err_set(e, ERR_TRANSIENT, "cannot connect to the database: %s",
			     c ? pq.PQerrorMessage(c) : "out of memory");
		/* libpq ends its messages with a newline */
		size_t n = strlen(e->msg);
		if (n && e->msg[n - 1] == '\n')
			e->msg[n - 1] = '\0';
		pq.PQfinish(c);
		return rc;
	}
	pq.PQsetNoticeProcessor(c, quiet, NULL);
	*out = c;
	return ERR_OK;
}

static enum err_code pg_open(void **out, const char *url, const struct db_options *o,
			     struct err *e)
{
	struct pg_conn *pc = xcalloc(1, sizeof(*pc));
	const char *v;
	enum err_code rc;

	*out = NULL;
	if ((rc = connect_to(url, &pc->c, e))) {
		free(pc);
		return rc;
	}
	v = pq.PQparameterStatus(pc->c, "server_version");
	snprintf(pc->version, sizeof(pc->version), "PostgreSQL %s", v ? v : "?");
	/*
	 * full: a commit returns once it is on disk; normal: once it is in the
	 * server's log buffer (a crash of the server may lose the last few, never
	 * corrupt); off as normal. Waiting for a lock: busy_timeout_ms, as SQLite's.
	 */
	snprintf(pc->settings, sizeof(pc->settings),
		 "SET client_encoding = 'UTF8'; SET synchronous_commit = %s; "
		 "SET lock_timeout = %d",
		 o->sync == DB_SYNC_FULL ? "on" : "off", o->busy_timeout_ms > 0 ? o->busy_timeout_ms : 5000);
	if ((rc = pg_exec(pc, pc->settings, e))) {
		pq.PQfinish(pc->c);
		free(pc);
		return rc;
	}
	*out = pc;
	return ERR_OK;
}

static void pg_close(void *conn)
{
	struct pg_conn *pc = conn;
	if (!pc)
		return;
	pq.PQfinish(pc->c);
	free(pc);
}

static const char *pg_version(void *conn)
{
	return ((struct pg_conn *)conn)->version;
}

/*
 * The desk's SQL may skip placeholder numbers ($2..$16 in a statement that
 * shares its binding code with one that uses $1); SQLite does not mind,
 * but PostgreSQL must know the type of every parameter up to the largest.
 * So the numbers used are renumbered densely, in order ($2 -> $1 ...), and
 * map says where each bound value goes. Quoted strings and identifiers,
 * comments and dollar-quoted bodies are copied as they are. Returns the
 * new text (malloc'd) and *map (malloc'd, *nmap entries), or NULL for a
 * number past MAX_PARAMS.
 */
static char *renumber(const char *sql, int **mapp, int *nmap, int *count)
{
	int *map = NULL;
	size_t len = strlen(sql);
	char *out = xmalloc(len + 1), *o = out;
	const char *p = sql;
	int next = 0;

	*nmap = 1;
	map = xcalloc(1, sizeof(*map));
	/* First pass: which numbers are used, so that new numbers follow the old order. */
	for (int pass = 0; pass < 2; pass++) {
		p = sql;
		o = out;
		while (*p) {
			if (*p == '\'' || *p == '"') { /* '...' and "...", doubled quotes inside */
				char q = *p;
				*o++ = *p++;
				while (*p && !(*p == q && p[1] != q))
					if (*p == q) {
						*o++ = *p++;
						*o++ = *p++;
					} else {
						*o++ = *p++;
					}
				if (*p)
					*o++ = *p++;
			} else if (p[0] == '-' && p[1] == '-') {
				while (*p && *p != '\n')
					*o++ = *p++;
			} else if (p[0] == '/' && p[1] == '*') {
				const char *end = strstr(p + 2, "*/");
				size_t n = end ? (size_t)(end + 2 - p) : strlen(p);
				memcpy(o, p, n);
				o += n;
				p += n;
			} else if (*p == '$' && p[1] >= '0' && p[1] <= '9') {
				int n = 0;
				p++;
				while (*p >= '0' && *p <= '9') {
					n = n * 10 + (*p++ - '0');
					if (n > MAX_PARAMS) {
						free(out);
						free(map);
						return NULL;
					}
				}
				if (pass == 0) {
					if (n >= *nmap) {
						map = xrealloc(map, (size_t)(n + 1) * sizeof(*map));
						memset(map + *nmap, 0, (size_t)(n + 1 - *nmap) * sizeof(*map));
						*nmap = n + 1;
					}
					map[n] = 1;
				} else {
					/* never longer than the old number: the text only shrinks */
					o += snprintf(o, 8, "$%d", map[n]);
				}
			} else if (*p == '$') { /* $$...$$ or $tag$...$tag$ */
				const char *tag_end = p + 1;
				while (*tag_end == '_' || (*tag_end >= 'a' && *tag_end <= 'z') ||
				       (*tag_end >= 'A' && *tag_end <= 'Z') ||
				       (*tag_end >= '0' && *tag_end <= '9'))
					tag_end++;
				if (*tag_end != '$') {
					*o++ = *p++;
					continue;
				}
				size_t tlen = (size_t)(tag_end + 1 - p);
				const char *body_end = p + tlen;
				while (*body_end && strncmp(body_end, p, tlen) != 0)
					body_end++;
				size_t n = *body_end ? (size_t)(body_end + tlen - p) : strlen(p);
				memcpy(o, p, n);
				o += n;
				p += n;
			} else {
				*o++ = *p++;
			}
		}
		if (pass == 0)
			for (int n = 1; n < *nmap; n++)
				if (map[n])
					map[n] = ++next;
	}
	*o = '\0';
	*count = next;
	*mapp = map;
	return out;
}

/* Prepares s on the connection as it is now (again, after a reset). */
static enum err_code server_prepare(struct pg_stmt *s, struct err *e)
{
	struct pg_conn *pc = s->pc;
	PGresult *res = pq.PQprepare(pc->c, s->name, s->text, 0, NULL);
	enum err_code rc = ERR_OK;

	if (pq.PQresultStatus(res) != PGRES_COMMAND_OK) {
		char what[120];
		/* Which statement: a failed prepare is the SQL's fault, and says so. */
		snprintf(what, sizeof(what), "preparing \"%.80s%s\"", s->text,
			 strlen(s->text) > 80 ? "…" : "");
		rc = fail(pc, res, e, what);
	} else {
		s->gen = pc->gen;
	}
	pq.PQclear(res);
	return rc;
}

static void free_stmt(struct pg_stmt *s)
{
	for (int i = 0; i < s->nparams; i++)
		free(s->values[i]);
	free(s->values);
	free(s->lengths);
	free(s->formats);
	free(s->text);
	free(s->map);
	free(s);
}

static enum err_code pg_prepare(void *conn, const char *sql, void **out, struct err *e)
{
	struct pg_conn *pc = conn;
	struct pg_stmt *s = xcalloc(1, sizeof(*s));
	enum err_code rc;
	bool rolled_back;

	s->pc = pc;
	if (!(s->text = renumber(sql, &s->map, &s->nmap, &s->nparams))) {
		free(s);
		return err_set(e, ERR_INTERNAL, "a statement has a placeholder past $%d", MAX_PARAMS);
	}
	snprintf(s->name, sizeof(s->name), "c%lu", ++pc->next_name);
	if (s->nparams) {
		s->values = xcalloc((size_t)s->nparams, sizeof(*s->values));
		s->lengths = xcalloc((size_t)s->nparams, sizeof(*s->lengths));
		s->formats = xcalloc((size_t)s->nparams, sizeof(*s->formats));
	}
	/* On a connection lost inside a transaction, the first step prepares it. */
	s->gen = pc->gen - 1;
	if (!pc->lost_txn && ((rc = ready(pc, "", &rolled_back, e)) || (rc = server_prepare(s, e)))) {
		free_stmt(s);
		return rc;
	}
	*out = s;
	return ERR_OK;
}

static void clear_result(struct pg_stmt *s)
{
	pq.PQclear(s->res);
	s->res = NULL;
	s->executed = false;
	s->row = s->nrows = 0;
	pq.PQfreemem(s->blob);
	s->blob = NULL;
}

/* SQLite keeps bindings across a reset; so does this, and db.c binds every value anyway. */
static int pg_reset(void *impl)
{
	clear_result(impl);
	return 0;
}

static void pg_finalize(void *impl)
{
	struct pg_stmt *s = impl;
	char sql[48];

	if (!s)
		return;
	clear_result(s);
	/* The server forgets it too, unless the connection is gone (or it never knew it). */
	if (pq.PQstatus(s->pc->c) == CONNECTION_OK && s->gen == s->pc->gen && !s->pc->lost_txn) {
		snprintf(sql, sizeof(sql), "DEALLOCATE %s", s->name);
		pq.PQclear(pq.PQexec(s->pc->c, sql));
	}
	free_stmt(s);
}

/* The value slot of the desk's $n, cleared to SQL NULL. */
static char **slot(struct pg_stmt *s, int n)
{
	int i;

	if (n < 1 || n >= s->nmap || !s->map[n] || s->map[n] > s->nparams)
		BUG("binding $%d, which the query does not have", n);
	i = s->map[n] - 1;
	free(s->values[i]);
	s->values[i] = NULL;
	s->formats[i] = 0;
	s->lengths[i] = 0;
	return &s->values[i];
}

static void pg_bind_int64(void *impl, int n, int64_t v)
{
	char **p = slot(impl, n);
	char buf[24];

	if (!p)
		return;
	snprintf(buf, sizeof(buf), "%" PRId64, v);
	*p = xstrdup(buf);
}

static void pg_bind_double(void *impl, int n, double v)
{
	char **p = slot(impl, n);
	char buf[40];

	if (!p)
		return;
	snprintf(buf, sizeof(buf), "%.17g", v);
	*p = xstrdup(buf);
}

static void pg_bind_text(void *impl, int n, const char *t, size_t len)
{
	char **p = slot(impl, n);
	if (p)
		*p = xstrndup(t, len); /* text parameters end at their NUL */
}

static void pg_bind_blob(void *impl, int n, const void *b, size_t len)
{
	struct pg_stmt *s = impl;
	char **p = slot(s, n);

	if (!p)
		return;
	*p = xmalloc(len ? len : 1);
	memcpy(*p, b, len);
	s->lengths[s->map[n] - 1] = (int)len;
	s->formats[s->map[n] - 1] = 1;
}

static void pg_bind_null(void *impl, int n)
{
	slot(impl, n);
}

/* Whether a command tag says rows were inserted, changed or deleted. */
static bool writes_rows(const char *tag)
{
	return str_starts_with(tag, "INSERT") || str_starts_with(tag, "UPDATE") ||
	       str_starts_with(tag, "DELETE") || str_starts_with(tag, "MERGE");
}

static int pg_step(void *impl, struct err *e)
{
	struct pg_stmt *s = impl;
	struct pg_conn *pc = s->pc;
	ExecStatusType st;

	if (!s->executed) {
		PGTransactionStatusType before = pq.PQtransactionStatus(pc->c);
		bool rolled_back;

		s->executed = true;
		s->row = s->nrows = 0;
		pc->commit_unknown = false;
		if (ready(pc, s->text, &rolled_back, e) ||
		    (!rolled_back && s->gen != pc->gen && server_prepare(s, e)))
			return -1;
		if (rolled_back) /* the transaction went with the connection */
			return DB_DONE;
		s->res = pq.PQexecPrepared(pc->c, s->name, s->nparams, (const char *const *)s->values,
					s->lengths, s->formats, 0);
		st = pq.PQresultStatus(s->res);
		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
			fail(pc, s->res, e, "running a statement");
			note_loss(pc, before, s->text);
			pq.PQclear(s->res);
			s->res = NULL;
			return -1;
		}
		if (writes_rows(pq.PQcmdStatus(s->res))) {
			pc->changes = strtoll(pq.PQcmdTuples(s->res), NULL, 10);
			pc->total_changes += pc->changes;
		}
		s->nrows = st == PGRES_TUPLES_OK ? pq.PQntuples(s->res) : 0;
		s->row = -1;
	}
	pq.PQfreemem(s->blob);
	s->blob = NULL;
	if (s->row + 1 >= s->nrows) {
		s->row = s->nrows;
		return DB_DONE;
	}
	s->row++;
	return DB_ROW;
}

static bool pg_col_is_null(void *impl, int i)
{
	struct pg_stmt *s = impl;
	return !s->res || s->row < 0 || s->row >= s->nrows || pq.PQgetisnull(s->res, s->row, i);
}

static int64_t pg_col_int64(void *impl, int i)
{
	struct pg_stmt *s = impl;
	const char *v;

	if (pg_col_is_null(impl, i))
		return 0;
	v = pq.PQgetvalue(s->res, s->row, i);
	if (v[0] == 't' && !v[1]) /* a boolean */
		return 1;
	if (v[0] == 'f' && !v[1])
		return 0;
	return strtoll(v, NULL, 10);
}

static double pg_col_double(void *impl, int i)
{
	struct pg_stmt *s = impl;
	return pg_col_is_null(impl, i) ? 0 : strtod(pq.PQgetvalue(s->res, s->row, i), NULL);
}

static const char *pg_col_text(void *impl, int i)
{
	struct pg_stmt *s = impl;
	return pg_col_is_null(impl, i) ? NULL : pq.PQgetvalue(s->res, s->row, i);
}

static const void *pg_col_blob(void *impl, int i, size_t *len)
{
	struct pg_stmt *s = impl;
	const char *v;

	*len = 0;
	if (pg_col_is_null(impl, i))
		return NULL;
	v = pq.PQgetvalue(s->res, s->row, i);
	if (pq.PQftype(s->res, i) != 17 /* bytea */) { /* text read as bytes */
		*len = (size_t)pq.PQgetlength(s->res, s->row, i);
		return v;
	}
	pq.PQfreemem(s->blob);
	s->blob = pq.PQunescapeBytea((const unsigned char *)v, len);
	return s->blob;
}

static bool pg_commit_unknown(void *conn)
{
	return ((struct pg_conn *)conn)->commit_unknown;
}

static int64_t pg_changes(void *conn)
{
	return ((struct pg_conn *)conn)->changes;
}

static int64_t pg_total_changes(void *conn)
{
	return ((struct pg_conn *)conn)->total_changes;
}

/*
 * The id the last INSERT drew from a sequence (an identity column):
 * lastval(), which is right as long as no trigger of that INSERT draws
 * from another sequence. PostgreSQL migrations keep it so: their
 * triggers write only to tables keyed by the row they follow.
 */
static int64_t pg_last_insert_id(void *conn)
{
	struct pg_conn *pc = conn;
	PGresult *res = pq.PQexec(pc->c, "SELECT lastval()");
	int64_t id = 0;

	if (pq.PQresultStatus(res) == PGRES_TUPLES_OK && pq.PQntuples(res) == 1)
		id = strtoll(pq.PQgetvalue(res, 0, 0), NULL, 10);
	pq.PQclear(res);
	return id;
}

/*
 * A watch: a connection that only listens. Notifications arrive on its
 * socket between statements; libpq queues them as it reads.
 */
struct pg_watch {
	PGconn *c;
	char listen[80]; /* LISTEN "channel", again after a reset */
	bool lost;
};

static enum err_code watch_listen(struct pg_watch *w, struct err *e)
{
	PGresult *res = pq.PQexec(w->c, w->listen);
	bool ok = pq.PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok)
		err_set(e, ERR_TRANSIENT, "cannot listen for the desk's changes: %s",
			pq.PQerrorMessage(w->c));
	pq.PQclear(res);
	return ok ? ERR_OK : ERR_TRANSIENT;
}

static enum err_code pg_watch_open(const char *url, const char *channel, void **out,
				   struct err *e)
{
	struct pg_watch *w = xcalloc(1, sizeof(*w));
	enum err_code rc;

	if (strspn(channel, "abcdefghijklmnopqrstuvwxyz_") != strlen(channel) ||
	    strlen(channel) > 60)
		BUG("channel '%s' is not a plain name", channel);
	snprintf(w->listen, sizeof(w->listen), "LISTEN %s", channel);
	if ((rc = connect_to(url, &w->c, e)) || (rc = watch_listen(w, e))) {
		if (w->c)
			pq.PQfinish(w->c);
		free(w);
		return rc;
	}
	*out = w;
	return ERR_OK;
}

/* Takes every notification libpq has read; how many. */
static int watch_drain(struct pg_watch *w)
{
	PGnotify *n;
	int count = 0;

	while ((n = pq.PQnotifies(w->c))) {
		pq.PQfreemem(n);
		count++;
	}
	return count;
}

static int pg_watch_wait(void *impl, int timeout_ms, struct err *e)
{
	struct pg_watch *w = impl;
	struct pollfd pfd;
	int r;

	if (w->lost) {
		pq.PQreset(w->c);
		if (pq.PQstatus(w->c) != CONNECTION_OK) {
			err_set(e, ERR_TRANSIENT, "cannot connect to the database: %s",
				pq.PQerrorMessage(w->c));
			return -1;
		}
		if (watch_listen(w, e))
			return -1;
		w->lost = false;
		return 1; /* what came meanwhile went unheard */
	}
	if (watch_drain(w))
		return 1;
	pfd.fd = pq.PQsocket(w->c);
	pfd.events = POLLIN;
	pfd.revents = 0;
	r = pfd.fd < 0 ? 1 : poll(&pfd, 1, timeout_ms);
	if (r < 0 && errno != EINTR)
		BUG("poll: %s", strerror(errno));
	if (r <= 0)
		return 0;
	if (!pq.PQconsumeInput(w->c) || pq.PQstatus(w->c) != CONNECTION_OK) {
		w->lost = true;
		err_set(e, ERR_TRANSIENT, "lost the connection that listens for the desk's changes: %s",
			pq.PQerrorMessage(w->c));
		return -1;
	}
	return watch_drain(w) > 0;
}

static void pg_watch_close(void *impl)
{
	struct pg_watch *w = impl;

	pq.PQfinish(w->c);
	free(w);
}

const struct db_driver db_pg_driver = {
	.name = "postgresql",
	/* Row locks are taken as rows are written: no lock to take up front. */
	.begin_write = "BEGIN",
	.failure_aborts = true,
	.row_locks = true,
	.open = pg_open,
	.close = pg_close,
	.version = pg_version,
	.prepare = pg_prepare,
	.reset = pg_reset,
	.finalize = pg_finalize,
	.bind_int64 = pg_bind_int64,
	.bind_double = pg_bind_double,
	.bind_text = pg_bind_text,
	.bind_blob = pg_bind_blob,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.col_int64 = pg_col_int64,
	.col_double = pg_col_double,
	.col_text = pg_col_text,
	.col_blob = pg_col_blob,
	.col_is_null = pg_col_is_null,
	.exec = pg_exec,
	.changes = pg_changes,
	.total_changes = pg_total_changes,
	.last_insert_id = pg_last_insert_id,
	.checkpoint = NULL,
	.commit_unknown = pg_commit_unknown,
	.watch_open = pg_watch_open,
	.watch_wait = pg_watch_wait,
	.watch_close = pg_watch_close,
};
