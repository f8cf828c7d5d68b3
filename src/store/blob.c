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

enum err_code blob_put(const char *dir, const void *data, size_t len,
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
	bool synced = fsync(fd) == 0;
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
	return ERR_OK;
}
