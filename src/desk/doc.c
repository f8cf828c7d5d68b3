/*
 * doc.c - ticket documents: the JSON a ticket reads as, for the staff who
 * see every ticket, stored in the transaction that changes the ticket.
 *
 * A staff GET of a ticket is then one lookup instead of a dozen
 * (0015_ticket_docs.sql says which changes note a ticket). Other readers,
 * and tickets whose document is not there, get it rendered at once by the
 * same code, so the two can never differ but in age, and the age is none:
 * the document is written before the commit that changed the ticket.
 */
#include "util/common.h"
#include "desk/desk_private.h"
#include "desk/view.h"
#include "desk/worker.h"
#include "util/jw.h"
#include "util/log.h"
#include "util/time.h"

/* The document of ticket id as who sees it, rendered now into b. */
static enum err_code doc_render(struct desk *d, const struct actor *who, struct arena *a,
				int64_t id, int64_t *version, struct buf *b, struct err *e)
{
	struct ticket_view v;
	struct jw w;
	enum err_code rc = desk_ticket_view(d, who, a, id, &v, e);

	if (rc)
		return rc;
	jw_init(&w, b);
	view_ticket_full_write(&w, &v);
	*version = v.ticket.version;
	return ERR_OK;
}

/*
 * Renders and stores ticket id's staff document and its list entry; drops
 * them when the ticket is gone.
 */
static enum err_code doc_store(struct desk *d, struct arena *a, int64_t id, struct err *e)
{
	struct buf b = BUF_INIT;
	struct ticket_view v;
	struct jw w;
	enum err_code rc = desk_ticket_view(d, &desk_system_actor, a, id, &v, e);

	if (rc == ERR_NOT_FOUND) {
		err_clear(e);
		return repo_doc_drop(desk_db(d), id, e);
	}
	if (rc)
		return rc;
	jw_init(&w, &b);
	view_ticket_full_write(&w, &v);
	rc = repo_doc_put(desk_db(d), id, v.ticket.version, b.data, b.len, e);
	if (!rc) {
		buf_reset(&b);
		jw_init(&w, &b);
		view_ticket_write(&w, &v.ticket);
		rc = repo_item_put(desk_db(d), id, b.data, b.len, e);
	}
	buf_release(&b);
	return rc;
}

enum err_code desk_ticket_items_fill(struct desk *d, struct arena *a, struct rows *items,
				     struct err *e)
{
	struct buf b = BUF_INIT;
	enum err_code rc = ERR_OK;

	for (size_t i = 0; i < items->count && !rc; i++) {
		struct ticket_item *it = ROWS_AT(items, struct ticket_item, i);
		struct ticket_row t;
		struct jw w;
		if (it->json || (rc = repo_ticket_get(desk_db(d), a, it->id, &t, e)))
			continue;
		buf_reset(&b);
		jw_init(&w, &b);
		view_ticket_write(&w, &t);
		it->len = b.len;
		it->json = arena_strndup(a, buf_str(&b), b.len);
	}
	buf_release(&b);
	return rc;
}

static enum err_code store_all(struct desk *d, struct arena *a, const struct rows *ids,
			       struct err *e)
{
	enum err_code rc = ERR_OK;

	for (size_t i = 0; i < ids->count && !rc; i++)
		rc = doc_store(d, a, *ROWS_AT(ids, int64_t, i), e);
	return rc;
}

/*
 * db_before_commit: the documents of the tickets this transaction changed.
 * A bulk load (champion import) leaves them stale instead, for champion
 * serve's docs worker: rendering them was an eighth of the import's
 * storing thread, which sets its speed.
 */
static enum err_code docs_flush(struct db *db, void *ctx, struct err *e)
{
	struct desk *d = ctx;
	struct arena a;
	struct rows ids;
	enum err_code rc;

	if (d->bulk)
		return repo_docs_pending_defer(db, e);
	arena_init(&a);
	if (!(rc = repo_docs_pending_take(db, &a, &ids, e)))
		rc = store_all(d, &a, &ids, e);
	arena_release(&a);
	return rc;
}

void desk_docs_hook(struct desk *d)
{
	db_before_commit(desk_db(d), docs_flush, d);
}

enum err_code desk_ticket_doc(struct desk *d, const struct actor *who, struct arena *a,
			      int64_t id, int64_t *version, struct buf *b, struct err *e)
{
	enum err_code rc = db_begin_read(desk_db(d), e);

	if (rc)
		return rc;
	if (perm_sees_every_ticket(who->role) && perm_allows(who->role, ACT_SEE_INTERNAL)) {
		rc = repo_doc_get(desk_db(d), id, version, b, e);
		if (rc != ERR_NOT_FOUND)
			return desk_read_end(d, rc, e);
		err_clear(e);
	}
	return desk_read_end(d, doc_render(d, who, a, id, version, b, e), e);
}

enum err_code desk_docs_refresh(struct desk *d, int max, int *done, struct err *e)
{
	struct arena a;
	struct rows ids = {0};
	enum err_code rc = db_begin(desk_db(d), e);

	*done = 0;
	if (rc)
		return rc;
	arena_init(&a);
	if ((rc = repo_docs_stale_take(desk_db(d), &a, max, &ids, e)) ||
	    (rc = store_all(d, &a, &ids, e)) || (rc = db_commit(desk_db(d), e)))
		db_rollback(desk_db(d));
	else
		*done = (int)ids.count;
	arena_release(&a);
	return rc;
}

enum err_code desk_docs_rebuild(struct desk *d, struct err *e)
{
	enum err_code rc = db_begin(desk_db(d), e);
	int done = 0;

	if (rc || (rc = repo_docs_all_stale(desk_db(d), e)) || (rc = db_commit(desk_db(d), e))) {
		db_rollback(desk_db(d));
		return rc;
	}
	do
		rc = desk_docs_refresh(d, DESK_DOCS_BATCH, &done, e);
	while (!rc && done == DESK_DOCS_BATCH);
	return rc;
}

/* champion serve's worker: the stale documents, a batch per transaction. */
static void docs_tick(struct desk_worker *w)
{
	struct err e = ERR_INIT;
	int done = 0, total = 0;
	int64_t until = time_mono_ms() + DESK_DOCS_SLICE_MS;

	do {
		if (desk_docs_refresh(w->desk, DESK_DOCS_BATCH, &done, &e)) {
			log_warn("ticket documents", "error=\"%s\"", e.msg);
			return;
		}
		total += done;
	} while (done == DESK_DOCS_BATCH && time_mono_ms() < until);
	if (total)
		log_debug("ticket documents rendered", "tickets=%d", total);
	/* More to do: again as soon as this run ends, letting other writers in between. */
	if (done == DESK_DOCS_BATCH)
		desk_worker_wake(w);
}

enum err_code desk_docs_worker_start(struct desk_worker *w, const struct store_options *so,
				     const struct desk_settings *ds, struct err *e)
{
	return desk_worker_start(w, "docs", so, ds, DESK_DOCS_POLL_MS, docs_tick, NULL, e);
}
