/* blob.c - content-addressed attachment files. */
#include "util/common.h"
#include "store/blob.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

void blob_hash(const void *data, size_t len, char hex[BLOB_HEX_LEN + 1])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, data, len);
	sodium_bin2hex(hex, BLOB_HEX_LEN + 1, h, sizeof(h));
}

int blob_path(const char *dir, const char *hex, char *out, size_t out_size)
{
	int n = snprintf(out, out_size, "%s/%.2s/%s", dir, hex, hex);
	return n < 0 || (size_t)n >= out_size ? -1 : 0;
}

/* Creates dir and any missing parents. */
static int mkdir_p(const char *dir)
{
	char path[PATH_MAX];
	size_t n = strlen(dir);

	if (n >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(path, dir, n + 1);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0750) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(path, 0750) == 0 || errno == EEXIST)
		return 0;
	return -1;
}

static enum err_code io_fail(struct err *e, const char *what, const char *path)
{
	enum err_code code = (errno == ENOSPC || errno == EIO || errno == EDQUOT) ? ERR_TRANSIENT
										 : ERR_INTERNAL;
	return err_set(e, code, "cannot %s '%s': %s", what, path, strerror(errno));
}

/* Makes a rename into dir durable. */
static enum err_code sync_dir(const char *dir, struct err *e)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return io_fail(e, "open directory", dir);
	ok = fsync(fd) == 0;
	close(fd);
	return ok ? ERR_OK : io_fail(e, "sync directory", dir);
}

enum err_code blob_put(const char *dir, const void *data, size_t len,
		       char hex[BLOB_HEX_LEN + 1], struct err *e)
{
	return blob_put_ex(dir, data, len, true, hex, e);
}

enum err_code blob_put_ex(const char *dir, const void *data, size_t len, bool sync,
			  char hex[BLOB_HEX_LEN + 1], struct err *e)
{
	char sub[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX];
	const char *p = data;
	size_t left = len;
	int fd;

	blob_hash(data, len, hex);
	if (blob_path(dir, hex, path, sizeof(path)) < 0 ||
	    snprintf(sub, sizeof(sub), "%s/%.2s", dir, hex) >= (int)sizeof(sub) ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return err_set(e, ERR_INTERNAL, "attachment directory '%s' is too long", dir);
	if (access(path, F_OK) == 0)
		return ERR_OK; /* the same content is stored already */
	if (mkdir_p(dir) < 0)
		return io_fail(e, "create directory", dir);
	if (mkdir_p(sub) < 0)
		return io_fail(e, "create directory", sub);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return io_fail(e, "create", tmp);
	while (left) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			enum err_code rc = io_fail(e, "write", tmp);
			close(fd);
			unlink(tmp);
			return rc;
		}
		p += n;
		left -= (size_t)n;
	}
	bool synced = !sync || fsync(fd) == 0;
	if (close(fd) < 0 || !synced) {
		enum err_code rc = io_fail(e, "sync", tmp);
		unlink(tmp);
		return rc;
	}
	if (rename(tmp, path) < 0) {
		enum err_code rc = io_fail(e, "rename", tmp);
		unlink(tmp);
		return rc;
	}
	return sync ? sync_dir(sub, e) : ERR_OK;
}

enum err_code blob_tmp_open(struct blob_tmp *t, const char *dir, struct err *e)
{
	char tmpdir[PATH_MAX];
	struct stat sb;

	memset(t, 0, sizeof(*t));
	t->fd = -1;
	if (snprintf(tmpdir, sizeof(tmpdir), "%s/tmp", dir) >= (int)sizeof(tmpdir) ||
	    snprintf(t->path, sizeof(t->path), "%s/upload.XXXXXX", tmpdir) >= (int)sizeof(t->path)) {
		t->path[0] = '\0';
		return err_set(e, ERR_INTERNAL, "attachment directory '%s' is too long", dir);
	}
	if (mkdir_p(tmpdir) < 0) {
		t->path[0] = '\0';
		return io_fail(e, "create directory", tmpdir);
	}
	if ((t->fd = mkostemp(t->path, O_CLOEXEC)) < 0) {
		enum err_code rc = io_fail(e, "create a file in", tmpdir);
		t->path[0] = '\0';
		return rc;
	}
	if (fstat(t->fd, &sb) < 0) {
		enum err_code rc = io_fail(e, "stat", t->path);
		blob_tmp_discard(t);
		return rc;
	}
	t->dev = sb.st_dev;
	t->ino = sb.st_ino;
	crypto_hash_sha256_init(&t->h);
	return ERR_OK;
}

enum err_code blob_tmp_write(struct blob_tmp *t, const void *data, size_t len, struct err *e)
{
	const char *p = data;

	if (t->fd < 0)
		BUG("write to a finished temporary blob");
	crypto_hash_sha256_update(&t->h, data, len);
	t->size += len;
	while (len) {
		ssize_t n = write(t->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return io_fail(e, "write", t->path);
		p += n;
		len -= (size_t)n;
	}
	return ERR_OK;
}

enum err_code blob_tmp_finish(struct blob_tmp *t, struct err *e)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	if (t->fd < 0)
		BUG("finish of a finished temporary blob");
	crypto_hash_sha256_final(&t->h, h);
	sodium_bin2hex(t->hex, sizeof(t->hex), h, sizeof(h));
	if (close(t->fd) < 0) {
		t->fd = -1;
		return io_fail(e, "close", t->path);
	}
	t->fd = -1;
	return ERR_OK;
}

enum err_code blob_sync_file(const char *path, struct err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool synced;

	if (fd < 0)
		return io_fail(e, "open", path);
	synced = fsync(fd) == 0;
	if (close(fd) < 0 || !synced)
		return io_fail(e, "sync", path);
	return ERR_OK;
}

void blob_tmp_discard(struct blob_tmp *t)
{
	struct stat sb;

	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	/* Adopted files were renamed away: unlink only the file we made. */
	if (t->path[0] && stat(t->path, &sb) == 0 && sb.st_dev == t->dev && sb.st_ino == t->ino)
		unlink(t->path);
	t->path[0] = '\0';
}

enum err_code blob_adopt(const char *dir, const char *tmp_path, const char *hex, struct err *e)
{
	char sub[PATH_MAX], path[PATH_MAX];
	enum err_code rc;

	if (!hex || strlen(hex) != BLOB_HEX_LEN || strspn(hex, "0123456789abcdef") != BLOB_HEX_LEN)
		return err_set(e, ERR_INVALID, "'%s' is not a SHA-256 in hex", hex ? hex : "");
	if (blob_path(dir, hex, path, sizeof(path)) < 0 ||
	    snprintf(sub, sizeof(sub), "%s/%.2s", dir, hex) >= (int)sizeof(sub))
		return err_set(e, ERR_INTERNAL, "attachment directory '%s' is too long", dir);
	if (access(path, F_OK) == 0) {
		unlink(tmp_path); /* the same content is stored already */
		return ERR_OK;
	}
	/* Cheap when blob_sync_file ran already; a blob is never renamed in unsynced. */
	rc = blob_sync_file(tmp_path, e);
	if (rc)
		return rc;
	if (mkdir_p(sub) < 0)
		return io_fail(e, "create directory", sub);
	if (rename(tmp_path, path) < 0)
		return io_fail(e, "rename", tmp_path);
	return sync_dir(sub, e);
}
