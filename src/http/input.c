/* input.c - typed fields from JSON bodies and query strings. */
#include "util/common.h"
#include "http/input.h"
#include "http/multipart.h"
#include "util/str.h"
#include "util/time.h"

int input_only(struct hreq *r, const char *const *allowed)
{
	const char *key;
	json_t *v;

	json_object_foreach(r->body, key, v) {
		const char *const *k = allowed;
		while (*k && strcmp(*k, key) != 0)
			k++;
		if (!*k)
			return http_problem(r, 422, "invalid", "unknown field '%s'", key), -1;
	}
	return 0;
}

int input_string(struct hreq *r, struct arena *a, const char *key, bool required,
		 const char **out)
{
	json_t *v = json_object_get(r->body, key);

	*out = NULL;
	if (!v) {
		if (required)
			return http_problem(r, 422, "invalid", "field '%s' is required", key), -1;
		return 0;
	}
	if (!json_is_string(v))
		return http_problem(r, 422, "invalid", "field '%s' must be a string", key), -1;
	if (strlen(json_string_value(v)) != json_string_length(v))
		return http_problem(r, 422, "invalid", "field '%s' holds a NUL character", key), -1;
	*out = arena_strndup(a, json_string_value(v), json_string_length(v));
	return 0;
}

int input_nullable(struct hreq *r, struct arena *a, const char *key, const char **out,
		   bool *present)
{
	json_t *v = json_object_get(r->body, key);

	*present = v != NULL;
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	return input_string(r, a, key, false, out);
}

int input_strings(struct hreq *r, struct arena *a, const char *key, size_t max,
		  const char ***out, size_t *n)
{
	json_t *v = json_object_get(r->body, key), *item;
	size_t i;

	*out = NULL;
	*n = 0;
	if (!v)
		return 0;
	if (!json_is_array(v))
		return http_problem(r, 422, "invalid", "field '%s' must be an array of strings", key),
		       -1;
	if (json_array_size(v) > max)
		return http_problem(r, 422, "invalid", "field '%s' has more than %zu items", key, max),
		       -1;
	*out = arena_array(a, json_array_size(v) + 1, sizeof(char *));
	json_array_foreach(v, i, item) {
		if (!json_is_string(item) || strlen(json_string_value(item)) != json_string_length(item))
			return http_problem(r, 422, "invalid", "field '%s' item %zu must be a string",
					    key, i),
			       -1;
		(*out)[i] = arena_strdup(a, json_string_value(item));
	}
	*n = json_array_size(v);
	return 0;
}

int input_id(struct hreq *r, const char *key, bool required, int64_t *out)
{
	json_t *v = json_object_get(r->body, key);

	if (!v) {
		if (required)
			return http_problem(r, 422, "invalid", "field '%s' is required", key), -1;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 1)
		return http_problem(r, 422, "invalid", "field '%s' must be a positive integer", key),
		       -1;
	*out = json_integer_value(v);
	return 0;
}

int input_enum(struct hreq *r, const char *key, int (*parse)(const char *), const char *names,
	       int *out)
{
	json_t *v = json_object_get(r->body, key);

	*out = -1;
	if (!v)
		return 0;
	if (!json_is_string(v) || (*out = parse(json_string_value(v))) < 0)
		return http_problem(r, 422, "invalid", "field '%s' must be one of %s", key, names),
		       -1;
	return 0;
}

int query_int(struct hreq *r, const char *key, int64_t min, int64_t max, int64_t *out)
{
	const char *v = hreq_query(r, key);
	if (!v)
		return 0;
	if (str_parse_int64(v, min, max, out) < 0)
		return http_problem(r, 400, "invalid_parameter",
				    "query parameter '%s' must be a whole number from %" PRId64
				    " to %" PRId64, key, min, max),
		       -1;
	return 0;
}

int query_enum(struct hreq *r, const char *key, int (*parse)(const char *), const char *names,
	       int *out)
{
	const char *v = hreq_query(r, key);
	if (!v)
		return 0;
	if ((*out = parse(v)) < 0)
		return http_problem(r, 400, "invalid_parameter",
				    "query parameter '%s' must be one of %s", key, names),
		       -1;
	return 0;
}

int query_time(struct hreq *r, const char *key, int64_t *out)
{
	const char *v = hreq_query(r, key);
	if (!v)
		return 0;
	if (time_parse_iso(v, out) < 0)
		return http_problem(r, 400, "invalid_parameter",
				    "query parameter '%s' must be an ISO 8601 time", key),
		       -1;
	return 0;
}

/* On the slow lane: the uploads' bytes to disk, so the writer only renames. */
static enum err_code sync_uploads(struct desk *d, struct write_job *j, struct err *e)
{
	enum err_code rc = ERR_OK;

	(void)d;
	for (size_t i = 0; i < j->nuploads && !rc; i++)
		if (j->uploads[i].tmp_path)
			rc = blob_sync_file(j->uploads[i].tmp_path, e);
	return rc;
}

void input_attachments(struct hreq *r, struct write_job *j, const struct attachment_in **out,
		       size_t *n)
{
	struct arena *a = &j->arena;
	struct attachment_in *att;

	*out = NULL;
	*n = 0;
	if (!r->form || !r->form->nfiles)
		return;
	att = arena_array(a, r->form->nfiles, sizeof(*att));
	for (size_t i = 0; i < r->form->nfiles; i++) {
		struct mp_file *f = &r->form->files[i];
		att[i] = (struct attachment_in){
			.filename = arena_strdup(a, f->filename),
			.content_type = arena_strdup(a, f->content_type),
			.len = f->tmp.size,
			.sha256 = arena_strdup(a, f->tmp.hex),
		};
		att[i].tmp_path = multipart_take(f, a);
	}
	*out = att;
	*n = r->form->nfiles;
	j->uploads = att;
	j->nuploads = *n;
	j->prep = sync_uploads;
}
