/* copy.c - a whole desk copied into a PostgreSQL store, and checked (copy.h). */
#include "util/common.h"
#include "store/blob.h"
#include "store/copy.h"
#include "store/search.h"
#include "util/buf.h"
#include "util/time.h"
#include "util/xalloc.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#define FETCH_SQL "FETCH 2000 FROM champion_copy" /* rows a PostgreSQL read brings at once */
#define BATCH_ROWS 256          /* rows per INSERT */
#define BATCH_PARAMS 30000      /* placeholders per INSERT (PostgreSQL takes 65535) */
#define BATCH_BYTES (8u << 20)  /* values held for one INSERT */
#define PROGRESS_EVERY 5000     /* rows between two progress reports */

enum col_kind { COL_TEXT, COL_INT, COL_BYTES };

struct column {
	char *name;
	enum col_kind kind;
	bool identity;
};

struct table {
	char *name;
	struct column *cols;
	int ncols;
	char *select; /* SELECT "c1", ... FROM "t" */
};

/* The rows held for the next INSERT: each value's place in data, or NULL. */
struct batch {
	struct buf data;
	size_t *off, *len;
	bool *null;
	int nvals, cap, rows;
};

/* The order-free sum of a table's row hashes (copy.h). */
struct sum {
	uint64_t lo, hi;
};

/* Reads a table's rows: one statement on SQLite, a cursor fetched in pieces on PostgreSQL. */
struct reader {
	struct db *db;
	struct db_stmt *st;
	bool cursor;
	int got; /* rows of the current FETCH */
};

static bool on_pg(struct db *db)
{
	return strcmp(db_backend(db), "postgresql") == 0;
}

/* What each backend derives for itself, never copied. */
static bool derived(const char *name)
{
	return strcmp(name, "schema_migrations") == 0 || strcmp(name, "search_pending") == 0 ||
	       strcmp(name, "search_docs") == 0 || strncmp(name, "search_index", 12) == 0 ||
	       strncmp(name, "sqlite_", 7) == 0;
}

static void quote_ident(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			buf_putc(b, '"');
		buf_putc(b, *s);
	}
	buf_putc(b, '"');
}

static enum err_code step_fail(struct err *e)
{
	return e->code ? e->code : ERR_INTERNAL;
}

/* The names of the tables of db's schema, sorted, into *out (malloc'd). */
static enum err_code list_tables(struct db *db, char ***out, size_t *n, struct err *e)
{
	static const char sql[] =
		"SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name";
	static const char sql_pg[] =
		"SELECT CAST(table_name AS TEXT) FROM information_schema.tables "
		"WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' "
		"ORDER BY CAST(table_name AS TEXT) COLLATE \"C\"";
	struct db_stmt *st;
	size_t cap = 0;
	enum err_code rc;
	int r;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(db, on_pg(db) ? sql_pg : sql, &st, e)))
		return rc;
	while ((r = db_step(st, e)) == DB_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			*out = xrealloc(*out, cap * sizeof(**out));
		}
		(*out)[(*n)++] = xstrdup(db_col_text(st, 0));
	}
	db_done(st);
	return r < 0 ? step_fail(e) : ERR_OK;
}

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static bool has_name(char **v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], name) == 0)
			return true;
	return false;
}

static enum err_code kind_of(const char *table, const char *col, const char *type,
			     enum col_kind *k, struct err *e)
{
	if (strcmp(type, "bigint") == 0 || strcmp(type, "integer") == 0 ||
	    strcmp(type, "smallint") == 0)
		*k = COL_INT;
	else if (strcmp(type, "text") == 0 || strcmp(type, "character varying") == 0)
		*k = COL_TEXT;
	else if (strcmp(type, "bytea") == 0)
		*k = COL_BYTES;
	else
		return err_set(e, ERR_INVALID, "column %s.%s is of type %s, which a copy does not "
			       "know how to carry", table, col, type);
	return ERR_OK;
}

/* t's columns as the PostgreSQL catalogue describes them (t->name set). */
static enum err_code load_columns(struct db *db, struct table *t, struct err *e)
{
	static const char sql[] =
		"SELECT CAST(column_name AS TEXT), CAST(data_type AS TEXT), "
		"CASE WHEN is_identity = 'YES' THEN 1 ELSE 0 END FROM information_schema.columns "
		"WHERE table_schema = current_schema() AND table_name = CAST($1 AS TEXT) "
		"ORDER BY ordinal_position";
	struct db_stmt *st;
	struct buf b = BUF_INIT;
	int cap = 0, r;
	enum err_code rc;

	if ((rc = db_prepare(db, sql, &st, e)))
		return rc;
	db_bind_text(st, 1, t->name);
	while ((r = db_step(st, e)) == DB_ROW) {
		if (t->ncols == cap) {
			cap = cap ? 2 * cap : 16;
			t->cols = xrealloc(t->cols, (size_t)cap * sizeof(*t->cols));
		}
		struct column *c = &t->cols[t->ncols];
		c->name = xstrdup(db_col_text(st, 0));
		c->identity = db_col_int64(st, 2) != 0;
		t->ncols++;
		if ((rc = kind_of(t->name, c->name, db_col_text(st, 1), &c->kind, e))) {
			db_done(st);
			return rc;
		}
	}
	db_done(st);
	if (r < 0)
		return step_fail(e);
	buf_puts(&b, "SELECT ");
	for (int i = 0; i < t->ncols; i++) {
		if (i)
			buf_puts(&b, ", ");
		quote_ident(&b, t->cols[i].name);
	}
	buf_puts(&b, " FROM ");
	quote_ident(&b, t->name);
	t->select = buf_detach(&b, NULL);
	return ERR_OK;
}

/* The names of a table's columns in the source, compared with the destination's. */
static enum err_code same_columns(struct db *db, const struct table *t, struct err *e)
{
	static const char sql[] = "SELECT name FROM pragma_table_info($1)";
	static const char sql_pg[] =
		"SELECT CAST(column_name AS TEXT) FROM information_schema.columns "
		"WHERE table_schema = current_schema() AND table_name = CAST($1 AS TEXT)";
	struct db_stmt *st;
	int n = 0, r;
	enum err_code rc;

	if ((rc = db_prepare(db, on_pg(db) ? sql_pg : sql, &st, e)))
		return rc;
	db_bind_text(st, 1, t->name);
	while ((r = db_step(st, e)) == DB_ROW) {
		const char *name = db_col_text(st, 0);
		bool found = false;
		for (int i = 0; i < t->ncols && !found; i++)
			found = strcmp(t->cols[i].name, name) == 0;
		if (!found) {
			err_set(e, ERR_INVALID, "column %s.%s of the source has no counterpart in the "
				"destination: are both desks at the same schema version?", t->name,
				name);
			db_done(st);
			return ERR_INVALID;
		}
		n++;
	}
	db_done(st);
	if (r < 0)
		return step_fail(e);
	if (n != t->ncols)
		return err_set(e, ERR_INVALID, "table %s has %d columns in the source and %d in the "
			       "destination: are both desks at the same schema version?", t->name, n,
			       t->ncols);
	return ERR_OK;
}

static void free_tables(struct table *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (int j = 0; j < t[i].ncols; j++)
			free(t[i].cols[j].name);
		free(t[i].cols);
		free(t[i].name);
		free(t[i].select);
	}
	free(t);
}

/* The tables to copy, described by the destination, checked against the source. */
static enum err_code plan(struct db *from, struct db *to, struct table **out, size_t *n,
			  struct err *e)
{
	char **src = NULL, **dst = NULL;
	size_t nsrc = 0, ndst = 0;
	struct table *t = NULL;
	size_t nt = 0;
	enum err_code rc;

	if ((rc = list_tables(from, &src, &nsrc, e)) || (rc = list_tables(to, &dst, &ndst, e)))
		goto done;
	for (size_t i = 0; i < nsrc; i++)
		if (!derived(src[i]) && !has_name(dst, ndst, src[i])) {
			rc = err_set(e, ERR_INVALID, "table %s of the source has no counterpart in the "
				     "destination: are both desks at the same schema version?",
				     src[i]);
			goto done;
		}
	t = xcalloc(ndst ? ndst : 1, sizeof(*t));
	for (size_t i = 0; i < ndst; i++) {
		if (derived(dst[i]))
			continue;
		if (!has_name(src, nsrc, dst[i])) {
			rc = err_set(e, ERR_INVALID, "table %s of the destination is missing from the "
				     "source: are both desks at the same schema version?", dst[i]);
			goto done;
		}
		t[nt].name = xstrdup(dst[i]);
		nt++;
		if ((rc = load_columns(to, &t[nt - 1], e)) || (rc = same_columns(from, &t[nt - 1], e)))
			goto done;
	}
done:
	free_names(src, nsrc);
	free_names(dst, ndst);
	if (rc) {
		free_tables(t, nt);
		t = NULL;
		nt = 0;
	}
	*out = t;
	*n = nt;
	return rc;
}

static enum err_code reader_open(struct reader *r, struct db *db, const char *select,
				 struct err *e)
{
	memset(r, 0, sizeof(*r));
	r->db = db;
	r->cursor = on_pg(db);
	if (!r->cursor)
		return db_prepare_dynamic(db, select, &r->st, e);
	struct buf b = BUF_INIT;
	enum err_code rc;
	buf_printf(&b, "DECLARE champion_copy NO SCROLL CURSOR FOR %s", select);
	rc = db_exec(db, buf_str(&b), e);
	buf_release(&b);
	return rc ? rc : db_prepare(db, FETCH_SQL, &r->st, e);
}

/* DB_ROW, DB_DONE, or -1 as db_step. */
static int reader_step(struct reader *r, struct err *e)
{
	int s = db_step(r->st, e);

	if (s == DB_DONE && r->cursor && r->got > 0) {
		/* That FETCH is read out: the next one. */
		db_done(r->st);
		r->st = NULL;
		r->got = 0;
		if (db_prepare(r->db, FETCH_SQL, &r->st, e))
			return -1;
		s = db_step(r->st, e);
	}
	if (s == DB_ROW)
		r->got++;
	return s;
}

static void reader_close(struct reader *r)
{
	struct err ignored = ERR_INIT;

	db_done(r->st);
	r->st = NULL;
	if (r->cursor)
		db_exec(r->db, "CLOSE champion_copy", &ignored);
}

/* Column i of the current row as copy.h hashes it; NULL for SQL NULL. */
static const void *value(struct db_stmt *st, int i, enum col_kind k, size_t *len)
{
	if (db_col_is_null(st, i))
		return NULL;
	if (k == COL_BYTES) {
		const void *p = db_col_blob(st, i, len);
		return p ? p : "";
	}
	const char *s = db_col_text(st, i);
	*len = strlen(s);
	return s;
}

static void hash_value(crypto_generichash_state *h, const void *p, size_t len)
{
	unsigned char head[9] = {p != NULL};

	for (int i = 0; i < 8; i++)
		head[1 + i] = (unsigned char)((uint64_t)len >> (8 * i));
	crypto_generichash_update(h, head, p ? sizeof(head) : 1);
	if (p && len)
		crypto_generichash_update(h, p, len);
}

static void sum_add(struct sum *s, const unsigned char h[STORE_COPY_SUM])
{
	uint64_t lo = 0, hi = 0;

	for (int i = 7; i >= 0; i--) {
		lo = lo << 8 | h[i];
		hi = hi << 8 | h[8 + i];
	}
	s->lo += lo;
	s->hi += hi + (s->lo < lo);
}

static void sum_out(const struct sum *s, unsigned char out[STORE_COPY_SUM])
{
	for (int i = 0; i < 8; i++) {
		out[i] = (unsigned char)(s->lo >> (8 * i));
		out[8 + i] = (unsigned char)(s->hi >> (8 * i));
	}
}

/* Hashes the reader's current row into s; with b, keeps its values for the next INSERT. */
static void take_row(struct db_stmt *st, const struct table *t, struct sum *s, struct batch *b)
{
	crypto_generichash_state h;
	unsigned char out[STORE_COPY_SUM];

	crypto_generichash_init(&h, NULL, 0, sizeof(out));
	for (int i = 0; i < t->ncols; i++) {
		size_t len = 0;
		const void *p = value(st, i, t->cols[i].kind, &len);
		hash_value(&h, p, len);
		if (!b)
			continue;
		if (b->nvals == b->cap) {
			b->cap = b->cap ? 2 * b->cap : 1024;
			b->off = xrealloc(b->off, (size_t)b->cap * sizeof(*b->off));
			b->len = xrealloc(b->len, (size_t)b->cap * sizeof(*b->len));
			b->null = xrealloc(b->null, (size_t)b->cap * sizeof(*b->null));
		}
		b->off[b->nvals] = b->data.len;
		b->len[b->nvals] = len;
		b->null[b->nvals] = p == NULL;
		if (p && buf_append(&b->data, p, len) < 0)
			BUG("a batch without a bound grew past SIZE_MAX");
		b->nvals++;
	}
	if (b)
		b->rows++;
	crypto_generichash_final(&h, out, sizeof(out));
	sum_add(s, out);
}

static int batch_rows(const struct table *t)
{
	int n = BATCH_PARAMS / t->ncols;
	return n < 1 ? 1 : n > BATCH_ROWS ? BATCH_ROWS : n;
}

/* Writes the rows held in b into t at once, and empties b. */
static enum err_code flush(struct db *db, const struct table *t, struct batch *b, struct err *e)
{
	struct buf sql = BUF_INIT;
	struct db_stmt *st;
	enum err_code rc;
	int n = 1;

	if (!b->rows)
		return ERR_OK;
	buf_puts(&sql, "INSERT INTO ");
	quote_ident(&sql, t->name);
	buf_puts(&sql, " (");
	for (int i = 0; i < t->ncols; i++) {
		if (i)
			buf_puts(&sql, ", ");
		quote_ident(&sql, t->cols[i].name);
	}
	buf_puts(&sql, ") VALUES ");
	for (int r = 0; r < b->rows; r++) {
		buf_puts(&sql, r ? ", (" : "(");
		for (int i = 0; i < t->ncols; i++)
			buf_printf(&sql, i ? ", $%d" : "$%d", n++);
		buf_putc(&sql, ')');
	}
	/* A full batch has the same text every time: its statement is kept. */
	rc = b->rows == batch_rows(t) ? db_prepare_built(db, buf_str(&sql), &st, e)
				      : db_prepare_dynamic(db, buf_str(&sql), &st, e);
	buf_release(&sql);
	if (rc)
		return rc;
	for (int v = 0; v < b->nvals; v++) {
		const char *p = b->data.data + b->off[v];
		if (b->null[v])
			db_bind_null(st, v + 1);
		else if (t->cols[v % t->ncols].kind == COL_BYTES)
			db_bind_blob(st, v + 1, p, b->len[v]);
		else
			db_bind_textn(st, v + 1, p, b->len[v]);
	}
	if (db_step(st, e) < 0)
		rc = step_fail(e);
	db_done(st);
	buf_reset(&b->data);
	b->nvals = b->rows = 0;
	return rc;
}

static enum err_code count_rows(struct db *db, const char *table, int64_t *n,
				struct err *e)
{
	struct buf sql = BUF_INIT;
	struct db_stmt *st;
	enum err_code rc;

	buf_puts(&sql, "SELECT count(*) FROM ");
	quote_ident(&sql, table);
	rc = db_prepare_dynamic(db, buf_str(&sql), &st, e);
	buf_release(&sql);
	if (rc)
		return rc;
	if (db_step(st, e) == DB_ROW)
		*n = db_col_int64(st, 0);
	else
		rc = step_fail(e);
	db_done(st);
	return rc;
}

static void report(struct store_copy_progress *p, const char *what, int64_t done, int64_t total)
{
	if (p && p->fn)
		p->fn(p, what, done, total);
}

/* Reads t from one store (hashing it) and, with to, writes it into another. */
static enum err_code scan(struct db *db, struct db *to, const struct table *t,
			  struct store_copy_progress *p, int64_t *rows,
			  unsigned char sum[STORE_COPY_SUM], struct err *e)
{
	struct reader r;
	struct batch b = {.data = BUF_INIT};
	struct sum s = {0, 0};
	int64_t total = 0;
	int full = batch_rows(t), got;
	enum err_code rc;

	*rows = 0;
	if (to && (rc = count_rows(db, t->name, &total, e)))
		return rc;
	if (to)
		report(p, t->name, 0, total);
	if ((rc = reader_open(&r, db, t->select, e)))
		return rc;
	while ((got = reader_step(&r, e)) == DB_ROW) {
		take_row(r.st, t, &s, to ? &b : NULL);
		++*rows;
		if (to && (b.rows == full || b.data.len >= BATCH_BYTES) && (rc = flush(to, t, &b, e)))
			break;
		if (to && *rows % PROGRESS_EVERY == 0)
			report(p, t->name, *rows, total);
	}
	if (!rc && got < 0)
		rc = step_fail(e);
	reader_close(&r);
	if (!rc && to)
		rc = flush(to, t, &b, e);
	if (!rc && to)
		report(p, t->name, *rows, total > *rows ? total : *rows);
	buf_release(&b.data);
	free(b.off);
	free(b.len);
	free(b.null);
	sum_out(&s, sum);
	return rc;
}

/* The next identity value of each copied table: past its largest id, as SQLite would. */
static enum err_code set_identities(struct db *db, const struct table *t, struct err *e)
{
	static const char setval[] =
		"SELECT setval(CAST(pg_get_serial_sequence(CAST($1 AS TEXT), CAST($2 AS TEXT)) "
		"AS regclass), CAST($3 AS BIGINT), false)";
	enum err_code rc = ERR_OK;

	for (int i = 0; i < t->ncols && !rc; i++) {
		struct buf sql = BUF_INIT, name = BUF_INIT;
		struct db_stmt *st;
		int64_t next = 1;

		if (!t->cols[i].identity)
			continue;
		buf_puts(&sql, "SELECT coalesce(max(");
		quote_ident(&sql, t->cols[i].name);
		buf_puts(&sql, "), 0) + 1 FROM ");
		quote_ident(&sql, t->name);
		quote_ident(&name, t->name);
		if (!(rc = db_prepare_dynamic(db, buf_str(&sql), &st, e))) {
			if (db_step(st, e) == DB_ROW)
				next = db_col_int64(st, 0);
			else
				rc = step_fail(e);
			db_done(st);
		}
		if (!rc && !(rc = db_prepare(db, setval, &st, e))) {
			db_bind_text(st, 1, buf_str(&name));
			db_bind_text(st, 2, t->cols[i].name);
			db_bind_int64(st, 3, next);
			if (db_step(st, e) < 0)
				rc = step_fail(e);
			db_done(st);
		}
		buf_release(&sql);
		buf_release(&name);
	}
	return rc;
}

/* Runs "before TABLE after", the table's name quoted. */
static enum err_code exec_on(struct db *db, const char *before, const char *table,
			     const char *after, struct err *e)
{
	struct buf sql = BUF_INIT;
	enum err_code rc;

	buf_puts(&sql, before);
	quote_ident(&sql, table);
	buf_puts(&sql, after);
	rc = db_exec(db, buf_str(&sql), e);
	buf_release(&sql);
	return rc;
}

static bool same_dir(const char *a, const char *b)
{
	struct stat sa, sb;

	if (strcmp(a, b) == 0)
		return true;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* Copies one attachment file, streamed, checking it holds the bytes it is named for. */
static enum err_code copy_file(const char *from_dir, const char *to_dir, const char *hex,
			       int64_t size, struct err *e)
{
	char src[PATH_MAX], dst[PATH_MAX], chunk[65536];
	struct blob_tmp t;
	struct stat sb;
	enum err_code rc;
	ssize_t n;
	int fd;

	if (blob_path(from_dir, hex, src, sizeof(src)) < 0 ||
	    blob_path(to_dir, hex, dst, sizeof(dst)) < 0)
		return err_set(e, ERR_INVALID, "attachment %s: a path too long", hex);
	if (stat(dst, &sb) == 0 && sb.st_size == size)
		return ERR_OK; /* there already: written whole or not at all (blob.h) */
	if ((fd = open(src, O_RDONLY | O_CLOEXEC)) < 0)
		return err_set(e, errno == ENOENT ? ERR_NOT_FOUND : ERR_INTERNAL,
			       "attachment file %s: %s", src, strerror(errno));
	if ((rc = blob_tmp_open(&t, to_dir, e))) {
		close(fd);
		return rc;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = err_set(e, ERR_INTERNAL, "reading %s: %s", src, strerror(errno));
			break;
		}
		if ((rc = blob_tmp_write(&t, chunk, (size_t)n, e)))
			break;
	}
	close(fd);
	if (!rc && !(rc = blob_tmp_finish(&t, e))) {
		if (strcmp(t.hex, hex) != 0 || (int64_t)t.size != size)
			rc = err_set(e, ERR_INTERNAL, "attachment file %s holds %" PRIu64 " bytes "
				     "hashing to %s, not the %" PRId64 " its desk recorded: it is "
				     "damaged", src, t.size, t.hex, size);
		else if (!(rc = blob_sync_file(t.path, e)))
			rc = blob_adopt(to_dir, t.path, hex, e);
	}
	blob_tmp_discard(&t);
	return rc;
}

/* Every attachment file of from into to's directory (or found there, when shared). */
static enum err_code copy_files(struct store *from, struct store *to,
				struct store_copy_progress *p, struct store_copy_report *r,
				struct err *e)
{
	static const char sql[] = "SELECT sha256, size FROM attachments ORDER BY id";
	struct reader rd;
	int64_t total = 0;
	enum err_code rc;
	int got;

	r->files_shared = same_dir(from->blob_dir, to->blob_dir);
	if ((rc = count_rows(from->db, "attachments", &total, e)) ||
	    (rc = reader_open(&rd, from->db, sql, e)))
		return rc;
	report(p, "files", 0, total);
	while ((got = reader_step(&rd, e)) == DB_ROW) {
		const char *hex = db_col_text(rd.st, 0);
		int64_t size = db_col_int64(rd.st, 1);
		char path[PATH_MAX];
		struct stat sb;

		if (!r->files_shared) {
			rc = copy_file(from->blob_dir, to->blob_dir, hex, size, e);
		} else if (blob_path(from->blob_dir, hex, path, sizeof(path)) < 0 ||
			   stat(path, &sb) != 0 || sb.st_size != size) {
			rc = err_set(e, ERR_NOT_FOUND, "attachment file %s is missing from %s, or "
				     "not whole", hex, from->blob_dir);
		}
		if (rc)
			break;
		r->files++;
		r->file_bytes += size;
		if (r->files % 500 == 0)
			report(p, "files", r->files, total);
	}
	if (!rc && got < 0)
		rc = step_fail(e);
	reader_close(&rd);
	if (!rc)
		report(p, "files", r->files, total);
	return rc;
}

static enum err_code in_use(struct db *db, struct err *e)
{
	static const char sql[] =
		"SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM tickets)";
	struct db_stmt *st;
	enum err_code rc;

	if ((rc = db_prepare(db, sql, &st, e)))
		return rc;
	if (db_step(st, e) != DB_ROW)
		rc = step_fail(e);
	else if (db_col_int64(st, 0) || db_col_int64(st, 1))
		rc = err_set(e, ERR_CONFLICT, "the destination holds a desk in use (%" PRId64
			     " users, %" PRId64 " tickets); copy into a new, empty one",
			     db_col_int64(st, 0), db_col_int64(st, 1));
	db_done(st);
	return rc;
}

bool store_copy_same(const struct store_copy_table *t)
{
	return t->rows_from == t->rows_to &&
	       memcmp(t->sum_from, t->sum_to, sizeof(t->sum_from)) == 0;
}

/* Writes every table into to, inside the caller's transaction, and reads each back. */
static enum err_code copy_tables(struct store *from, struct store *to, struct table *t,
				 size_t nt, struct store_copy_progress *p,
				 struct store_copy_report *r, struct err *e)
{
	enum err_code rc;

	if ((rc = in_use(to->db, e)) || (rc = db_exec(to->db, "SET CONSTRAINTS ALL DEFERRED", e)))
		return rc;
	/* Rows come as they were: no trigger adds to them (the seeded views go). */
	for (size_t i = 0; i < nt; i++)
		if ((rc = exec_on(to->db, "ALTER TABLE ", t[i].name, " DISABLE TRIGGER USER", e)) ||
		    (rc = exec_on(to->db, "DELETE FROM ", t[i].name, "", e)))
			return rc;
	for (size_t i = 0; i < nt; i++) {
		struct store_copy_table *c = &r->tables[i];
		if ((rc = scan(from->db, to->db, &t[i], p, &c->rows_from, c->sum_from, e)) ||
		    (rc = set_identities(to->db, &t[i], e)))
			return rc;
	}
	report(p, "search index", 0, 1);
	if ((rc = search_rebuild(to->db, e)))
		return rc;
	report(p, "search index", 1, 1);
	/* The foreign keys checked now (a table cannot change while checks wait), the triggers back. */
	if ((rc = db_exec(to->db, "SET CONSTRAINTS ALL IMMEDIATE", e)))
		return rc;
	for (size_t i = 0; i < nt; i++)
		if ((rc = exec_on(to->db, "ALTER TABLE ", t[i].name, " ENABLE TRIGGER USER", e)))
			return rc;
	for (size_t i = 0; i < nt; i++) {
		struct store_copy_table *c = &r->tables[i];
		if ((rc = scan(to->db, NULL, &t[i], p, &c->rows_to, c->sum_to, e)))
			return rc;
	}
	r->checked = true;
	for (size_t i = 0; i < nt; i++) {
		const struct store_copy_table *c = &r->tables[i];
		if (!store_copy_same(c))
			return err_set(e, ERR_INTERNAL, "table %s reads back different from the "
				       "destination (%" PRId64 " rows copied, %" PRId64 " read): "
				       "nothing was committed", c->name, c->rows_from, c->rows_to);
	}
	return ERR_OK;
}

enum err_code store_copy(struct store *from, struct store *to, struct store_copy_progress *p,
			 struct store_copy_report *r, struct err *e)
{
	int64_t start = time_mono_ms();
	struct table *t = NULL;
	size_t nt = 0;
	enum err_code rc;

	memset(r, 0, sizeof(*r));
	if (!on_pg(to->db))
		return err_set(e, ERR_INVALID, "the destination '%s' is not a PostgreSQL desk: a "
			       "desk is copied into PostgreSQL only", to->target);
	if (from->version != to->version)
		return err_set(e, ERR_INVALID, "the source is at schema version %d and the "
			       "destination at %d", from->version, to->version);
	if ((rc = db_begin_read(from->db, e)))
		return rc;
	if ((rc = plan(from->db, to->db, &t, &nt, e)))
		goto out;
	r->tables = xcalloc(nt ? nt : 1, sizeof(*r->tables));
	r->ntables = nt;
	for (size_t i = 0; i < nt; i++)
		r->tables[i].name = xstrdup(t[i].name);
	/* Files first: durable before any row that names them commits (blob.h). */
	if ((rc = copy_files(from, to, p, r, e)) || (rc = db_begin(to->db, e)))
		goto out;
	if ((rc = copy_tables(from, to, t, nt, p, r, e)) || (rc = db_commit(to->db, e))) {
		db_rollback(to->db);
	} else {
		/*
		 * Statistics at once, not at autovacuum's leisure: the planner
		 * needs them from the first search (search_pg.c) and queue on.
		 */
		report(p, "statistics", 0, 1);
		rc = db_exec(to->db, "ANALYZE", e);
		report(p, "statistics", 1, 1);
	}
out:
	db_rollback(from->db); /* a read: nothing to keep */
	free_tables(t, nt);
	r->seconds_ms = time_mono_ms() - start;
	return rc;
}

void store_copy_release(struct store_copy_report *r)
{
	for (size_t i = 0; i < r->ntables; i++)
		free(r->tables[i].name);
	free(r->tables);
	memset(r, 0, sizeof(*r));
}
