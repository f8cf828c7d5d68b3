/* api_search.c - GET /api/v1/search: tickets by their words, best first. */
#include "util/common.h"
#include "desk/view.h"
#include "http/api.h"
#include "http/input.h"

int api_search(struct hreq *r)
{
	struct search_query q = {.status = -1};
	struct search_result res;
	struct err e = ERR_INIT;
	int64_t limit = DESK_SEARCH_LIMIT, cursor = 0;
	struct buf b = BUF_INIT;
	struct jw w;

	if (!(q.text = hreq_query(r, "q")))
		return http_problem(r, 400, "invalid_parameter", "query parameter 'q' is required "
				    "(the words to search for)");
	if (query_enum(r, "status", status_parse, status_names(), &q.status) < 0 ||
	    query_int(r, "limit", 1, DESK_SEARCH_LIMIT_MAX, &limit) < 0 ||
	    query_int(r, "cursor", 1, DESK_SEARCH_OFFSET_MAX, &cursor) < 0)
		return 0;
	q.assignee_email = hreq_query(r, "assignee");
	q.requester_email = hreq_query(r, "requester");
	q.tag = hreq_query(r, "tag");
	q.limit = (int)limit;
	q.offset = cursor;
	if (desk_search(worker_desk(r->w), &r->actor, &r->arena, &q, &res, &e)) {
		if (e.code == ERR_INVALID && res.syntax_column)
			return http_problem_extra(r, 400, "query_syntax",
						  json_pack("{s:I}", "column",
							    (json_int_t)res.syntax_column),
						  "%s", e.msg);
		return http_error(r, &e);
	}
	jw_init(&w, &b);
	jw_obj(&w);
	jw_key(&w, "results");
	jw_arr(&w);
	for (size_t i = 0; i < res.hits.count; i++)
		view_search_hit_write(&w, ROWS_AT(&res.hits, struct search_result_hit, i));
	view_page_end(&w, res.next_offset, res.next_offset > 0);
	return http_json_buf(r, 200, &b, NULL);
}
