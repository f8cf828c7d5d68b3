/* search.c - finding tickets by their words, within what the actor may see. */
#include "util/common.h"
#include "desk/desk_private.h"
#include "rules/query.h"
#include "store/search.h"
#include "util/str.h"
#include "util/time.h"

/* Checks the input and fills the store's filter (the query parsed into the arena). */
static enum err_code prepare(struct desk *d, const struct actor *who, struct arena *a,
			     const struct search_query *q, struct search_filter *f, char *tag,
			     size_t *column, struct err *e)
{
	struct query *parsed = arena_zalloc(a, sizeof(*parsed));
	struct query_error qe;
	struct user_row u;
	size_t len, bad;
	enum err_code rc;

	if (!q->text)
		return err_set(e, ERR_INVALID, "a search query is required");
	len = strlen(q->text);
	if (!str_utf8_valid(q->text, len, &bad))
		return err_set(e, ERR_INVALID, "the search query is not valid UTF-8 (bad byte at "
			       "offset %zu)", bad);
	if (str_has_control(q->text, len))
		return err_set(e, ERR_INVALID, "the search query holds a control character");
	if (query_parse(q->text, len, a, parsed, &qe) < 0) {
		*column = qe.column;
		return err_set(e, ERR_INVALID, "search query: %s", qe.msg);
	}
	f->query = parsed;
	f->limit = q->limit ? q->limit : DESK_SEARCH_LIMIT;
	if (f->limit < 1 || f->limit > DESK_SEARCH_LIMIT_MAX)
		return err_set(e, ERR_INVALID, "limit must be between 1 and %d",
			       DESK_SEARCH_LIMIT_MAX);
	if (q->offset < 0 || q->offset > DESK_SEARCH_OFFSET_MAX)
		return err_set(e, ERR_INVALID, "cursor must be between 0 and %d (search pages go "
			       "no deeper; narrow the query)", DESK_SEARCH_OFFSET_MAX);
	f->offset = (int)q->offset;
	if (q->status >= STATUS__COUNT)
		return err_set(e, ERR_INVALID, "status must be one of %s", status_names());
	f->status = q->status;
	if (q->assignee_email && strcmp(q->assignee_email, "none") == 0) {
		f->assignee_id = -1;
	} else if (q->assignee_email) {
		if ((rc = desk_find_user(d, a, q->assignee_email, &u, e)))
			return rc;
		f->assignee_id = u.id;
	}
	if (q->requester_email) {
		if ((rc = desk_find_user(d, a, q->requester_email, &u, e)))
			return rc;
		f->requester_id = u.id;
	}
	if (q->tag) {
		if ((rc = desk_tag_norm(q->tag, tag, e)))
			return rc;
		f->tag = tag;
	}
	f->viewer_role = who->role;
	f->viewer_id = who->user_id;
	f->viewer_org_id = who->organisation_id;
	f->with_internal = perm_allows(who->role, ACT_SEE_INTERNAL);
	f->now = time_now_ms();
	return ERR_OK;
}

static enum err_code search(struct desk *d, const struct actor *who, struct arena *a,
			    const struct search_query *q, struct search_result *out, struct err *e)
{
	struct search_filter f = {.status = -1};
	char tag[DESK_TAG_MAX + 1];
	struct rows hits;
	enum err_code rc;

	if ((rc = prepare(d, who, a, q, &f, tag, &out->syntax_column, e)) ||
	    (rc = search_tickets(desk_db(d), a, &f, &hits, e)))
		return rc;
	for (size_t i = 0; i < hits.count; i++) {
		struct search_hit *h = ROWS_AT(&hits, struct search_hit, i);
		struct search_result_hit *r = rows_push(a, &out->hits);
		if ((rc = repo_ticket_get(desk_db(d), a, h->ticket_id, &r->ticket, e)))
			return rc;
		r->message_id = h->message_id;
		r->score = h->score;
		r->snippet = h->snippet;
	}
	if ((int)hits.count == f.limit && f.offset + f.limit <= DESK_SEARCH_OFFSET_MAX)
		out->next_offset = f.offset + f.limit;
	return ERR_OK;
}

enum err_code desk_search(struct desk *d, const struct actor *who, struct arena *a,
			  const struct search_query *q, struct search_result *out, struct err *e)
{
	enum err_code rc;

	memset(out, 0, sizeof(*out));
	rows_init(&out->hits, sizeof(struct search_result_hit));
	if ((rc = db_begin_read(desk_db(d), e)))
		return rc;
	return desk_read_end(d, search(d, who, a, q, out, e), e);
}

enum err_code desk_search_catch_up(struct desk *d, int batch, int64_t *indexed, struct err *e)
{
	enum err_code rc;
	int64_t total = 0;
	bool any = false;
	int done;

	if (batch <= 0)
		batch = DESK_SEARCH_CATCH_UP_BATCH;
	if ((rc = search_pending_any(desk_db(d), &any, e)) || !any)
		goto out;
	do {
		if ((rc = db_begin(desk_db(d), e)))
			break;
		if ((rc = search_flush_some(desk_db(d), batch, &done, e)) ||
		    (rc = db_commit(desk_db(d), e))) {
			db_rollback(desk_db(d));
			break;
		}
		total += done;
	} while (done == batch);
out:
	if (indexed)
		*indexed = total;
	return rc;
}
