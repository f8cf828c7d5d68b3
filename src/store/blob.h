/*
 * blob.h - content-addressed file storage for attachments.
 *
 * A blob is named by the SHA-256 of its bytes and stored once, as
 * DIR/ab/abcdef... (the first two hex digits fan the files out). Writing
 * the same content twice stores it once. A blob is written to a temporary
 * file, synced, then renamed into place: a crash leaves either no blob or
 * a whole one. Blobs are never changed; deleting is a later concern
 * (garbage collection of unreferenced hashes).
 *
 * A blob is made durable before the transaction that references it
 * commits, so a write that fails or rolls back after storing its files
 * leaves them unreferenced: harmless (they are named by their content, so
 * a later upload of the same bytes reuses them) and reclaimable by that
 * garbage collection. Rows never point at a missing blob.
 */
#ifndef CHAMPION_BLOB_H
#define CHAMPION_BLOB_H

#include "util/common.h"
#include "util/err.h"

#include <sodium.h>
#include <sys/types.h>

#define BLOB_HEX_LEN 64

/* The hex SHA-256 of data into hex (65 bytes with the NUL). */
void blob_hash(const void *data, size_t len, char hex[BLOB_HEX_LEN + 1]);

/*
 * Stores data under dir (created when missing) and its hash into hex.
 * ERR_TRANSIENT when the disk refuses (full, i/o), ERR_INTERNAL otherwise.
 */
enum err_code blob_put(const char *dir, const void *data, size_t len,
		       char hex[BLOB_HEX_LEN + 1], struct err *e);

/*
 * blob_put, durable at once (sync) or not: a bulk load writes its blobs
 * unsynced and syncs each (blob_sync_file, then its directory) before it
 * commits.
 */
enum err_code blob_put_ex(const char *dir, const void *data, size_t len, bool sync,
			  char hex[BLOB_HEX_LEN + 1], struct err *e);

/* The path of a blob into out (PATH_MAX bytes); 0, or -1 if it does not fit. */
int blob_path(const char *dir, const char *hex, char *out, size_t out_size);

/*
 * A blob written piece by piece (an upload), never held whole in memory:
 * the bytes go to a fresh temporary file DIR/tmp/upload.XXXXXX and are
 * hashed as they go. blob_tmp_finish closes the file and gives its hash;
 * blob_sync_file makes its bytes durable and blob_adopt moves it into
 * place (later, on other threads: a server syncs off its event loops). A file
 * that is not adopted must be removed with blob_tmp_discard. A crash can
 * leave a temporary file behind in DIR/tmp: nothing refers to it, and it
 * may be deleted whenever no upload is in flight.
 */
struct blob_tmp {
	int fd;                     /* -1 once finished or discarded */
	char path[PATH_MAX];        /* "" when there is no file of ours */
	dev_t dev;                  /* the file's identity: discard removes only it */
	ino_t ino;
	crypto_hash_sha256_state h;
	uint64_t size;              /* bytes written */
	char hex[BLOB_HEX_LEN + 1]; /* the SHA-256, once finished */
};

/* Creates the temporary file (and DIR, DIR/tmp). ERR_TRANSIENT/ERR_INTERNAL as blob_put. */
enum err_code blob_tmp_open(struct blob_tmp *t, const char *dir, struct err *e);
enum err_code blob_tmp_write(struct blob_tmp *t, const void *data, size_t len, struct err *e);
/* Closes the file; t->hex and t->size then name the content. */
enum err_code blob_tmp_finish(struct blob_tmp *t, struct err *e);
/* Closes and removes the temporary file if it is still there and still ours. */
void blob_tmp_discard(struct blob_tmp *t);
/* fsync of a finished temporary file: the slow part of blob_adopt, which
 * may be done beforehand, elsewhere. */
enum err_code blob_sync_file(const char *path, struct err *e);

/*
 * Moves a finished, synced temporary file holding the content with hash hex into
 * the store under dir, then syncs the directory: the blob is durable when
 * this returns. If the blob exists already, the temporary file is removed.
 * ERR_INVALID for a malformed hash; else as blob_put.
 */
enum err_code blob_adopt(const char *dir, const char *tmp_path, const char *hex, struct err *e);

#endif
