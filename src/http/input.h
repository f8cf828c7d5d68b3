/*
 * input.h - reading a request's JSON body and query string, field by
 * field, with one precise 4xx per mistake. Each function returns 0, or -1
 * after queuing the error response (so a handler reads top to bottom:
 * `if (input_string(...) < 0) return 0;`). Strings are copied into the
 * given arena, so they outlive the request body (a write job's arena).
 */
#ifndef CHAMPION_INPUT_H
#define CHAMPION_INPUT_H

#include "http/http.h"

/* Refuses keys other than those listed (NULL-terminated): 422 naming the first. */
int input_only(struct hreq *r, const char *const *allowed);
/* A string field; *out NULL when absent (422 when required and absent). */
int input_string(struct hreq *r, struct arena *a, const char *key, bool required,
		 const char **out);
/* A string field that may also be null: *present says whether it was given. */
int input_nullable(struct hreq *r, struct arena *a, const char *key, const char **out,
		   bool *present);
/* An array of strings, at most max. */
int input_strings(struct hreq *r, struct arena *a, const char *key, size_t max,
		  const char ***out, size_t *n);
/* A positive integer field. */
int input_id(struct hreq *r, const char *key, bool required, int64_t *out);
/* One of names (parse returns -1 for an unknown name): *out -1 when absent. */
int input_enum(struct hreq *r, const char *key, int (*parse)(const char *), const char *names,
	       int *out);

/*
 * The files of a multipart request (none for JSON) as attachments in the
 * write job's arena, which takes over their temporary files: they are
 * removed with it unless the desk moved them into the store. The job's
 * prep syncs them on the slow lane, so neither a loop nor the writer waits
 * for an upload to reach the disk.
 */
void input_attachments(struct hreq *r, struct write_job *j, const struct attachment_in **out,
		       size_t *n);

/* Query parameters: a positive integer in [min, max] (400 otherwise); absent leaves *out. */
int query_int(struct hreq *r, const char *key, int64_t min, int64_t max, int64_t *out);
int query_enum(struct hreq *r, const char *key, int (*parse)(const char *), const char *names,
	       int *out);
/* An ISO 8601 time. */
int query_time(struct hreq *r, const char *key, int64_t *out);

#endif
