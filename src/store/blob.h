/*
 * blob.h - content-addressed file storage for attachments.
 *
 * A blob is named by the SHA-256 of its bytes and stored once, as
 * DIR/ab/abcdef... (the first two hex digits fan the files out). Writing
 * the same content twice stores it once. A blob is written to a temporary
 * file, synced, then renamed into place: a crash leaves either no blob or
 * a whole one. Blobs are never changed; deleting is a later concern
 * (garbage collection of unreferenced hashes).
 */
#ifndef CHAMPION_BLOB_H
#define CHAMPION_BLOB_H

#include "util/common.h"
#include "util/err.h"

#define BLOB_HEX_LEN 64

/* The hex SHA-256 of data into hex (65 bytes with the NUL). */
void blob_hash(const void *data, size_t len, char hex[BLOB_HEX_LEN + 1]);

/*
 * Stores data under dir (created when missing) and its hash into hex.
 * ERR_TRANSIENT when the disk refuses (full, i/o), ERR_INTERNAL otherwise.
 */
enum err_code blob_put(const char *dir, const void *data, size_t len,
		       char hex[BLOB_HEX_LEN + 1], struct err *e);

/* The path of a blob into out (PATH_MAX bytes); 0, or -1 if it does not fit. */
int blob_path(const char *dir, const char *hex, char *out, size_t out_size);

#endif
