/* multipart.c - multipart/form-data bodies through GMime, files straight to disk. */
#include "util/common.h"
#include "http/multipart.h"
#include "util/str.h"

#include <gmime/gmime.h>

#define CHUNK (64 * 1024)
#define BOUNDARY_MAX 70 /* RFC 2046 */

PRINTF_LIKE(4, 5)
static int refuse(struct mp_error *err, int status, const char *code, const char *fmt, ...)
{
	va_list ap;

	err->status = status;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
	va_end(ap);
	return -1;
}

static int refuse_io(struct mp_error *err, const struct err *e)
{
	bool transient = e->code == ERR_TRANSIENT;
	return refuse(err, transient ? 503 : 500, transient ? "transient" : "internal", "%s",
		      e->msg);
}

bool multipart_is_form(const char *ct)
{
	static const char want[] = "multipart/form-data";
	size_t n = sizeof(want) - 1;

	if (!ct)
		return false;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return strncasecmp(ct, want, n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ' || ct[n] == '\t');
}

/* The parser's complaints that mean the body is not a whole, well-formed form. */
struct warnings {
	GMimeParserWarning first;
	gint64 offset;
};

static void on_warning(gint64 offset, GMimeParserWarning code, const gchar *item, gpointer arg)
{
	struct warnings *w = arg;

	(void)item;
	switch (code) {
	case GMIME_WARN_MALFORMED_MULTIPART:
	case GMIME_WARN_TRUNCATED_MESSAGE:
	case GMIME_WARN_MALFORMED_MESSAGE:
	case GMIME_CRIT_INVALID_HEADER_NAME:
	case GMIME_CRIT_CONFLICTING_HEADER:
	case GMIME_CRIT_CONFLICTING_PARAMETER:
	case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
	case GMIME_CRIT_NESTING_OVERFLOW:
	case GMIME_WARN_PART_WITHOUT_CONTENT:
	case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
		if (!w->first) {
			w->first = code;
			w->offset = offset;
		}
		break;
	default: /* duplicated or 8-bit headers and the like: harmless in a form */
		break;
	}
}

static const char *warning_text(GMimeParserWarning code)
{
	switch (code) {
	case GMIME_WARN_TRUNCATED_MESSAGE: return "the body is truncated";
	case GMIME_CRIT_INVALID_HEADER_NAME: return "a part has an invalid header name";
	case GMIME_CRIT_CONFLICTING_HEADER:
	case GMIME_CRIT_CONFLICTING_PARAMETER: return "a part has conflicting headers";
	case GMIME_CRIT_NESTING_OVERFLOW: return "parts are nested too deep";
	case GMIME_WARN_PART_WITHOUT_CONTENT:
	case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT: return "a part has no headers or content";
	default: return "the parts are malformed";
	}
}

/* Whether body ends its parts: "--boundary--" at the start of a line. */
static bool has_close_delimiter(const char *body, size_t len, const char *boundary)
{
	size_t bl = strlen(boundary);
	const char *p = body, *end = body + len;

	while (p < end) {
		const char *hit = memmem(p, (size_t)(end - p), boundary, bl);
		if (!hit)
			return false;
		if (hit - body >= 2 && hit[-1] == '-' && hit[-2] == '-' &&
		    (hit - body == 2 || hit[-3] == '\n') && (size_t)(end - hit) >= bl + 2 &&
		    hit[bl] == '-' && hit[bl + 1] == '-')
			return true;
		p = hit + 1;
	}
	return false;
}

/* A file name as people see it: the last path segment, no control characters. */
static char *clean_filename(struct arena *a, const char *raw)
{
	const char *base = raw;
	char *out;
	size_t len;

	for (const char *p = raw; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	base = str_trim(base, &len);
	out = arena_strndup(a, base, len);
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '_';
	return out;
}

/* "type/subtype" of a part, lower-case; application/octet-stream when it gave none. */
static const char *part_type(struct arena *a, GMimeObject *part)
{
	GMimeContentType *ct = g_mime_object_get_content_type(part);
	char *t;

	if (!g_mime_object_get_header(part, "Content-Type") || !ct)
		return "application/octet-stream";
	t = arena_printf(a, "%s/%s", g_mime_content_type_get_media_type(ct),
			 g_mime_content_type_get_media_subtype(ct));
	return str_lower_ascii(t);
}

/*
 * Opens a part's decoded content for reading: the raw content, or a filter
 * over it that undoes base64, quoted-printable or uuencode. Caller unrefs.
 */
static GMimeStream *decoded_stream(GMimePart *part)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeStream *raw, *filtered;
	GMimeFilter *f;
	GMimeContentEncoding enc;

	if (!w)
		return g_mime_stream_mem_new();
	raw = g_mime_data_wrapper_get_stream(w);
	enc = g_mime_data_wrapper_get_encoding(w);
	g_mime_stream_reset(raw);
	if (enc != GMIME_CONTENT_ENCODING_BASE64 && enc != GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE &&
	    enc != GMIME_CONTENT_ENCODING_UUENCODE) {
		g_object_ref(raw);
		return raw;
	}
	filtered = g_mime_stream_filter_new(raw);
	f = g_mime_filter_basic_new(enc, FALSE);
	g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered), f);
	g_object_unref(f);
	return filtered;
}

/* Reads the JSON part (at most max bytes) into the arena. */
static int read_json(GMimePart *part, const struct mp_limits *lim, struct arena *a,
		     struct mp_form *out, struct mp_error *err)
{
	GMimeStream *s = decoded_stream(part);
	char *buf = arena_alloc(a, lim->json_max + 1);
	size_t got = 0;
	int rc = 0;

	for (;;) {
		ssize_t n = g_mime_stream_read(s, buf + got, lim->json_max + 1 - got);
		if (n < 0) {
			rc = refuse(err, 400, "invalid_multipart", "cannot read the '%s' part",
				    lim->json_field);
			break;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > lim->json_max) {
			rc = refuse(err, 413, "body_too_large",
				    "the '%s' part is over %zu bytes; that is its limit",
				    lim->json_field, lim->json_max);
			break;
		}
	}
	g_object_unref(s);
	if (rc == 0) {
		buf[got] = '\0';
		out->json = buf;
		out->json_len = got;
	}
	return rc;
}

static void discard(void *p)
{
	blob_tmp_discard(p);
}

/* Decodes a file part in chunks into a temporary file, refusing it past the limit. */
static int write_file(GMimePart *part, struct mp_file *f, const struct mp_limits *lim,
		      struct arena *a, struct mp_error *err)
{
	struct err e = ERR_INIT;
	GMimeStream *s;
	char *buf;
	int rc = 0;

	if (blob_tmp_open(&f->tmp, lim->blob_dir, &e))
		return refuse_io(err, &e);
	arena_cleanup_add(a, discard, &f->tmp);
	s = decoded_stream(part);
	buf = malloc(CHUNK);
	if (!buf)
		abort();
	for (;;) {
		ssize_t n = g_mime_stream_read(s, buf, CHUNK);
		if (n < 0) {
			rc = refuse(err, 400, "invalid_multipart", "cannot read file '%s'",
				    f->filename);
			break;
		}
		if (n == 0)
			break;
		if (f->tmp.size + (size_t)n > lim->file_max) {
			rc = refuse(err, 413, "attachment_too_large",
				    "file '%s' is over %zu bytes, the limit for one attachment "
				    "(attachments.max_bytes)",
				    f->filename, lim->file_max);
			break;
		}
		if (blob_tmp_write(&f->tmp, buf, (size_t)n, &e)) {
			rc = refuse_io(err, &e);
			break;
		}
	}
	free(buf);
	g_object_unref(s);
	if (rc == 0 && blob_tmp_finish(&f->tmp, &e))
		rc = refuse_io(err, &e);
	return rc;
}

/* One part of the form: the JSON, or a file. */
static int take_part(GMimeObject *obj, const struct mp_limits *lim, struct arena *a,
		     struct mp_form *out, struct mp_error *err, size_t index)
{
	GMimeContentDisposition *disp = g_mime_object_get_content_disposition(obj);
	const char *name, *filename;
	struct mp_file *f;

	if (!GMIME_IS_PART(obj))
		return refuse(err, 400, "invalid_multipart",
			      "part %zu is itself multipart; send each file as its own part", index);
	if (!disp || g_ascii_strcasecmp(g_mime_content_disposition_get_disposition(disp),
					"form-data") != 0)
		return refuse(err, 400, "invalid_multipart",
			      "part %zu has no 'Content-Disposition: form-data' header", index);
	name = g_mime_content_disposition_get_parameter(disp, "name");
	filename = g_mime_content_disposition_get_parameter(disp, "filename");
	if (!name || !*name)
		return refuse(err, 400, "invalid_multipart", "part %zu has no field name", index);
	if (strcmp(name, lim->json_field) == 0 && !filename) {
		if (out->json)
			return refuse(err, 400, "invalid_multipart", "the '%s' part is there twice",
				      lim->json_field);
		return read_json(GMIME_PART(obj), lim, a, out, err);
	}
	if (!filename)
		return refuse(err, 400, "invalid_multipart",
			      "part '%.100s' is neither '%s' nor a file (a file part needs a "
			      "filename in its Content-Disposition)",
			      name, lim->json_field);
	if (out->nfiles == lim->files_max)
		return refuse(err, 413, "too_many_attachments",
			      "more than %zu files in one request; that is the limit",
			      lim->files_max);
	f = &out->files[out->nfiles];
	memset(f, 0, sizeof(*f));
	f->tmp.fd = -1;
	f->field = arena_strdup(a, name);
	f->filename = clean_filename(a, filename);
	if (!*f->filename || strcmp(f->filename, ".") == 0 || strcmp(f->filename, "..") == 0)
		return refuse(err, 400, "invalid_multipart", "file part %zu has no file name",
			      index);
	f->content_type = part_type(a, obj);
	if (write_file(GMIME_PART(obj), f, lim, a, err) < 0)
		return -1;
	out->nfiles++;
	return 0;
}

/*
 * A stream over "Content-Type: ...\r\n\r\n" and then the body, without
 * copying the body: a memory stream that borrows its bytes (the caller
 * takes them back with g_byte_array_steal before the array is freed).
 */
static GMimeStream *form_stream(const char *content_type, const char *body, size_t len,
				GByteArray **borrowed)
{
	char *head = g_strdup_printf("Content-Type: %s\r\n\r\n", content_type);
	GMimeStream *cat = g_mime_stream_cat_new();
	GMimeStream *h = g_mime_stream_mem_new_with_buffer(head, strlen(head));
	GMimeStream *b;

	g_free(head);
	*borrowed = g_byte_array_new_take((guint8 *)body, len);
	b = g_mime_stream_mem_new_with_byte_array(*borrowed);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(b), FALSE);
	g_mime_stream_cat_add_source(GMIME_STREAM_CAT(cat), h);
	g_mime_stream_cat_add_source(GMIME_STREAM_CAT(cat), b);
	g_object_unref(h);
	g_object_unref(b);
	return cat;
}

int multipart_parse(const char *content_type, const char *body, size_t len,
		    const struct mp_limits *lim, struct arena *a, struct mp_form *out,
		    struct mp_error *err)
{
	GMimeParserOptions *opts = NULL;
	GMimeContentType *ct = NULL;
	GMimeStream *stream = NULL;
	GMimeParser *parser = NULL;
	GMimeObject *top = NULL;
	GByteArray *borrowed = NULL;
	struct warnings warn = {0};
	const char *boundary;
	int rc = -1, count;

	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	if (!multipart_is_form(content_type)) {
		refuse(err, 415, "not_multipart", "the body is not multipart/form-data");
		goto out;
	}
	opts = g_mime_parser_options_new();
	g_mime_parser_options_set_warning_callback(opts, on_warning, &warn);
	ct = g_mime_content_type_parse(opts, content_type);
	boundary = ct ? g_mime_content_type_get_parameter(ct, "boundary") : NULL;
	if (!boundary || !*boundary) {
		refuse(err, 400, "missing_boundary",
		       "Content-Type multipart/form-data needs its boundary parameter "
		       "(multipart/form-data; boundary=...)");
		goto out;
	}
	if (strlen(boundary) > BOUNDARY_MAX) {
		refuse(err, 400, "invalid_multipart", "the boundary is longer than %d characters",
		       BOUNDARY_MAX);
		goto out;
	}
	if (!has_close_delimiter(body ? body : "", body ? len : 0, boundary)) {
		refuse(err, 400, "invalid_multipart",
		       "the body does not end with the closing boundary '--%.70s--' (truncated?)",
		       boundary);
		goto out;
	}
	stream = form_stream(content_type, body ? body : "", body ? len : 0, &borrowed);
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_persist_stream(parser, TRUE); /* parts point into the body: no copies */
	top = g_mime_parser_construct_part(parser, opts);
	if (!top || !GMIME_IS_MULTIPART(top)) {
		refuse(err, 400, "invalid_multipart", "the body is not a multipart form");
		goto out;
	}
	if (warn.first) {
		refuse(err, 400, "invalid_multipart", "%s (near byte %" PRId64 ")",
		       warning_text(warn.first), (int64_t)warn.offset);
		goto out;
	}
	count = g_mime_multipart_get_count(GMIME_MULTIPART(top));
	if (count <= 0) {
		refuse(err, 400, "invalid_multipart", "the form has no parts");
		goto out;
	}
	out->files = arena_array(a, lim->files_max + 1, sizeof(*out->files));
	for (size_t i = 0; i <= lim->files_max; i++) {
		out->files[i].tmp.fd = -1;
		out->files[i].tmp.path[0] = '\0';
	}
	for (int i = 0; i < count; i++)
		if (take_part(g_mime_multipart_get_part(GMIME_MULTIPART(top), i), lim, a, out, err,
			      (size_t)i + 1) < 0)
			goto out;
	rc = 0;
out:
	if (rc < 0) {
		/* Nothing half-done stays: the files written so far go now. */
		for (size_t i = 0; out->files && i <= out->nfiles && i <= lim->files_max; i++)
			blob_tmp_discard(&out->files[i].tmp);
		memset(out, 0, sizeof(*out));
	}
	if (top)
		g_object_unref(top);
	if (parser)
		g_object_unref(parser);
	if (stream)
		g_object_unref(stream);
	if (borrowed)
		g_byte_array_steal(borrowed, NULL); /* frees the array, not the body */
	if (ct)
		g_object_unref(ct);
	if (opts)
		g_mime_parser_options_free(opts);
	return rc;
}

const char *multipart_take(struct mp_file *f, struct arena *to)
{
	struct blob_tmp *t = arena_alloc(to, sizeof(*t));

	*t = f->tmp;
	arena_cleanup_add(to, discard, t);
	f->tmp.path[0] = '\0'; /* the request's cleanup leaves it alone now */
	f->tmp.fd = -1;
	return t->path;
}
