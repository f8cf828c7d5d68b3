/*
 * repo_live.c - what live listeners follow: the ticket events after an id,
 * and presence (who is viewing or typing on a ticket) after a seq.
 */
#include "util/common.h"
#include "store/repo_private.h"

/* Presence rows this much older than the newest are deleted as new ones come. */
#define PRESENCE_KEEP_MS (24 * 3600 * 1000LL)

enum err_code repo_presence_set(struct db *db, int64_t ticket_id, int64_t user_id,
				const char *state, int64_t at, struct err *e)
{
	static const char upsert[] =
		"INSERT INTO presence (ticket_id, user_id, state, seq, at) VALUES ($1, $2, $3, "
		"(SELECT coalesce(max(seq), 0) + 1 FROM presence), $4) "
		"ON CONFLICT (ticket_id, user_id) DO UPDATE SET state = excluded.state, "
		"seq = excluded.seq, at = excluded.at";
	/* Never the row with the largest seq: the next seq must stay larger than any seen. */
	static const char prune[] =
		"DELETE FROM presence WHERE at < $1 AND seq < (SELECT max(seq) FROM presence)";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, upsert, &st, e);

	if (rc)
		return rc;
	db_bind_int64(st, 1, ticket_id);
	db_bind_int64(st, 2, user_id);
	db_bind_text(st, 3, state);
	db_bind_int64(st, 4, at);
	if ((rc = repo_run(st, e)) || (rc = db_prepare(db, prune, &st, e)))
		return rc;
	db_bind_int64(st, 1, at - PRESENCE_KEEP_MS);
	return repo_run(st, e);
}

static void read_presence(struct arena *a, struct db_stmt *st, struct presence_row *p)
{
	p->ticket_id = db_col_int64(st, 0);
	p->user_id = db_col_int64(st, 1);
	p->state = repo_col_str(a, st, 2);
	p->seq = db_col_int64(st, 3);
	p->at = db_col_int64(st, 4);
	p->name = repo_col_str(a, st, 5);
	p->email = repo_col_str(a, st, 6);
}

#define PRESENCE_COLS \
	"p.ticket_id, p.user_id, p.state, p.seq, p.at, u.name, u.email FROM presence p " \
	"JOIN users u ON u.id = p.user_id"

static enum err_code presence_rows(struct db_stmt *st, struct arena *a, struct rows *out,
				   struct err *e)
{
	enum err_code rc = ERR_OK;
	int r;

	while ((r = db_step(st, e)) == DB_ROW)
		read_presence(a, st, rows_push(a, out));
	if (r < 0)
		rc = e->code;
	db_done(st);
	return rc;
}

enum err_code repo_presence_of(struct db *db, struct arena *a, int64_t ticket_id, int64_t since,
			       struct rows *out, struct err *e)
{
	static const char sql[] = "SELECT " PRESENCE_COLS " WHERE p.ticket_id = $1 AND p.at >= $2 "
				  "AND p.state != 'left' ORDER BY p.seq";
	struct db_stmt *st;
	enum err_code rc;

	rows_init(out, sizeof(struct presence_row));
	if ((rc = db_prepare(db, sql, &st, e)))
		return rc;
	db_bind_int64(st, 1, ticket_id);
	db_bind_int64(st, 2, since);
	return presence_rows(st, a, out, e);
}

enum err_code repo_feed_presence(struct db *db, struct arena *a, int64_t after_seq, int limit,
				 struct rows *out, struct err *e)
{
	static const char sql[] =
		"SELECT " PRESENCE_COLS " WHERE p.seq > $1 ORDER BY p.seq LIMIT $2";
	struct db_stmt *st;
	enum err_code rc;

	rows_init(out, sizeof(struct presence_row));
	if ((rc = db_prepare(db, sql, &st, e)))
		return rc;
	db_bind_int64(st, 1, after_seq);
	db_bind_int64(st, 2, limit);
	return presence_rows(st, a, out, e);
}

enum err_code repo_feed_events(struct db *db, struct arena *a, int64_t after_id, int limit,
			       struct rows *out, struct err *e)
{
	static const char sql[] =
		"SELECT id, entity_id, kind, actor_id, created_at FROM events "
		"WHERE id > $1 AND entity = 'ticket' ORDER BY id LIMIT $2";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	rows_init(out, sizeof(struct event_row));
	if (rc)
		return rc;
	db_bind_int64(st, 1, after_id);
	db_bind_int64(st, 2, limit);
	while ((r = db_step(st, e)) == DB_ROW) {
		struct event_row *ev = rows_push(a, out);
		ev->id = db_col_int64(st, 0);
		ev->entity = "ticket";
		ev->entity_id = db_col_int64(st, 1);
		ev->kind = repo_col_str(a, st, 2);
		ev->actor_id = db_col_int64(st, 3);
		ev->created_at = db_col_int64(st, 4);
	}
	if (r < 0)
		rc = e->code;
	db_done(st);
	return rc;
}

enum err_code repo_feed_head(struct db *db, int64_t *event_id, int64_t *presence_seq,
			     struct err *e)
{
	static const char sql[] = "SELECT (SELECT coalesce(max(id), 0) FROM events), "
				  "(SELECT coalesce(max(seq), 0) FROM presence)";
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	int r;

	if (rc)
		return rc;
	if ((r = db_step(st, e)) == DB_ROW) {
		*event_id = db_col_int64(st, 0);
		*presence_seq = db_col_int64(st, 1);
	} else {
		rc = r < 0 ? e->code : err_set(e, ERR_INTERNAL, "no feed head");
	}
	db_done(st);
	return rc;
}
