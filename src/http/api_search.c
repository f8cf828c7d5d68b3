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
	json_t *arr;

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
	arr = json_array();
	for (size_t i = 0; i < res.hits.count; i++)
		json_array_append_new(arr, view_search_hit_json(
						   ROWS_AT(&res.hits, struct search_result_hit, i)));
	return http_json(r, 200, view_page_json("results", arr, res.next_offset,
						res.next_offset > 0));
}
