/*
 * multipart.h - reading a multipart/form-data request body (RFC 7578).
 *
 * A form holds one part with a JSON text (the field named by the limits,
 * "message" for the API) and any number of files: parts whose
 * Content-Disposition names a filename. GMime parses the MIME structure;
 * each file is decoded (binary, base64 or quoted-printable) in chunks
 * straight into a temporary file of the attachment store and hashed as it
 * is written (blob_tmp), so no file's bytes are copied in memory, and a
 * file is refused as soon as it passes its limit.
 *
 * Needs g_mime_init() first (the server calls it once, at start). Never
 * touches the database.
 */
#ifndef CHAMPION_MULTIPART_H
#define CHAMPION_MULTIPART_H

#include "store/blob.h"
#include "util/arena.h"

struct mp_file {
	const char *field;        /* the form field's name */
	const char *filename;     /* without directories; control characters made '_' */
	const char *content_type; /* "type/subtype", lower-case; application/octet-stream when unsaid */
	struct blob_tmp tmp;      /* finished: tmp.path holds tmp.size bytes hashing to tmp.hex */
};

struct mp_form {
	const char *json; /* the JSON part's text, NUL-terminated, or NULL when absent */
	size_t json_len;
	struct mp_file *files;
	size_t nfiles;
};

struct mp_limits {
	const char *json_field; /* the name of the JSON part */
	size_t json_max;        /* bytes of the JSON part */
	size_t file_max;        /* bytes of one file, decoded */
	size_t files_max;       /* files in one form */
	const char *blob_dir;   /* where the temporary files go (DIR/tmp) */
};

/* Why a body was refused: an HTTP status, a stable code, a sentence for people. */
struct mp_error {
	int status;       /* 400 malformed, 413 over a limit, 415 not a form, 500/503 disk */
	const char *code; /* not_multipart, missing_boundary, invalid_multipart,
			     attachment_too_large, too_many_attachments, body_too_large,
			     internal, transient */
	char detail[300];
};

/* Whether a Content-Type header names multipart/form-data (any parameters). */
bool multipart_is_form(const char *content_type);

/*
 * Parses body (len bytes, sent with the Content-Type header content_type)
 * into out; strings and the file array are in a. The temporary files are
 * removed when a is released, unless taken first (multipart_take). Returns
 * 0, or -1 with err filled and no temporary file left.
 */
int multipart_parse(const char *content_type, const char *body, size_t len,
		    const struct mp_limits *lim, struct arena *a, struct mp_form *out,
		    struct mp_error *err);

/*
 * Moves the temporary file of f to the arena to: it is removed when to is
 * released instead (if not adopted into the store by then). Returns its
 * path, in to.
 */
const char *multipart_take(struct mp_file *f, struct arena *to);

#endif
