/*
 * db_sqlite_vfs.c - the write-ahead log written a commit at a time.
 *
 * SQLite writes a commit into its log as two writes per page: the frame's
 * 24-byte header, then the page. 4,120-byte frames straddle the file's
 * pages, so each frame costs the kernel two system calls and three page
 * cache updates; a group commit of sixteen new tickets is some hundred
 * frames. This VFS wraps the default one and, for log files only, gathers
 * writes that follow each other in a buffer, written in a few calls of up
 * to 124 KiB:
 *
 *  - before the log is synced, read, truncated or sized, or closed;
 *  - before a commit becomes visible to other connections: SQLite makes it
 *    so by rewriting the log index's header in shared memory, and calls
 *    the database file's xShmBarrier first (walIndexWriteHdr). The
 *    database file knows its log (sqlite3_database_file_object), and
 *    writes its buffer then. A commit is thus in the file before anyone
 *    can read it, with synchronous=FULL, NORMAL or OFF alike;
 *  - when a write does not follow the buffer, or would overflow it.
 *
 * Everything else, and every other file, goes straight to the default VFS.
 * A buffer that cannot be written reports the error from the call that
 * wrote it (xSync fails the commit; a failed barrier cannot report one, so
 * the log remembers it and fails its next call).
 */
#include "util/common.h"
#include "store/db_driver.h"
#include "util/xalloc.h"

#include <sqlite3.h>
#include <string.h>

#define LOG_BUFFER_MAX (1 << 20) /* bytes gathered before they are written anyway */
#define LOG_WRITE_MAX (31 * 4096) /* bytes per write (os_unix.c's seekAndWriteFd keeps 17 bits) */

struct vfs_file {
	sqlite3_file base;
	sqlite3_file *real;    /* the default VFS's file, right after this struct */
	struct vfs_file *log;  /* a database file: its open log, if any */
	struct vfs_file *db;   /* a log: its database file (ours), if known */
	/* A log's gathered writes: len bytes for offset at. */
	unsigned char *buf;
	size_t len, cap;
	sqlite3_int64 at;
	int failed; /* a write of the buffer failed where no one could be told */
};

static sqlite3_vfs vfs;
static sqlite3_vfs *base_vfs;

static struct vfs_file *of(sqlite3_file *f)
{
	return (struct vfs_file *)f;
}

/* Writes what the log gathered. */
static int flush(struct vfs_file *f)
{
	int rc;

	if (f->failed) {
		rc = f->failed;
		f->failed = SQLITE_OK;
		f->len = 0;
		return rc;
	}
	/* In pieces the default VFS writes whole: it writes less than 128 KiB at a time. */
	for (size_t done = 0, n; done < f->len; done += n) {
		n = f->len - done < LOG_WRITE_MAX ? f->len - done : LOG_WRITE_MAX;
		rc = f->real->pMethods->xWrite(f->real, f->buf + done, (int)n,
					       f->at + (sqlite3_int64)done);
		if (rc != SQLITE_OK) {
			f->len = 0;
			return rc;
		}
	}
	f->len = 0;
	return SQLITE_OK;
}

/* --- the log -------------------------------------------------------------- */

static int log_close(sqlite3_file *file)
{
	struct vfs_file *f = of(file);
	int rc = flush(f), rc2;

	if (f->db && f->db->log == f)
		f->db->log = NULL;
	rc2 = f->real->pMethods->xClose(f->real);
	free(f->buf);
	f->buf = NULL;
	return rc != SQLITE_OK ? rc : rc2;
}

static int log_read(sqlite3_file *file, void *p, int n, sqlite3_int64 off)
{
	struct vfs_file *f = of(file);
	int rc = flush(f);

	return rc != SQLITE_OK ? rc : f->real->pMethods->xRead(f->real, p, n, off);
}

static int log_write(sqlite3_file *file, const void *p, int n, sqlite3_int64 off)
{
	struct vfs_file *f = of(file);
	int rc;

	if (f->len && (off != f->at + (sqlite3_int64)f->len || f->len + (size_t)n > f->cap)) {
		if ((rc = flush(f)) != SQLITE_OK)
			return rc;
	}
	if ((size_t)n > LOG_WRITE_MAX)
		return f->real->pMethods->xWrite(f->real, p, n, off);
	if (f->len == 0)
		f->at = off;
	memcpy(f->buf + f->len, p, (size_t)n);
	f->len += (size_t)n;
	return SQLITE_OK;
}

static int log_truncate(sqlite3_file *file, sqlite3_int64 size)
{
	struct vfs_file *f = of(file);
	int rc = flush(f);

	return rc != SQLITE_OK ? rc : f->real->pMethods->xTruncate(f->real, size);
}

static int log_sync(sqlite3_file *file, int flags)
{
	struct vfs_file *f = of(file);
	int rc = flush(f);

	return rc != SQLITE_OK ? rc : f->real->pMethods->xSync(f->real, flags);
}

static int log_size(sqlite3_file *file, sqlite3_int64 *size)
{
	struct vfs_file *f = of(file);
	int rc = flush(f);

	return rc != SQLITE_OK ? rc : f->real->pMethods->xFileSize(f->real, size);
}

/* --- calls passed on as they are (the log flushes first where it matters) ---- */

static int pass_close(sqlite3_file *file)
{
	struct vfs_file *f = of(file);

	if (f->log)
		f->log->db = NULL;
	return f->real->pMethods->xClose(f->real);
}

static int pass_read(sqlite3_file *file, void *p, int n, sqlite3_int64 off)
{
	return of(file)->real->pMethods->xRead(of(file)->real, p, n, off);
}

static int pass_write(sqlite3_file *file, const void *p, int n, sqlite3_int64 off)
{
	return of(file)->real->pMethods->xWrite(of(file)->real, p, n, off);
}

static int pass_truncate(sqlite3_file *file, sqlite3_int64 size)
{
	return of(file)->real->pMethods->xTruncate(of(file)->real, size);
}

static int pass_sync(sqlite3_file *file, int flags)
{
	return of(file)->real->pMethods->xSync(of(file)->real, flags);
}

static int pass_size(sqlite3_file *file, sqlite3_int64 *size)
{
	return of(file)->real->pMethods->xFileSize(of(file)->real, size);
}

static int pass_lock(sqlite3_file *file, int lock)
{
	return of(file)->real->pMethods->xLock(of(file)->real, lock);
}

static int pass_unlock(sqlite3_file *file, int lock)
{
	return of(file)->real->pMethods->xUnlock(of(file)->real, lock);
}

static int pass_reserved(sqlite3_file *file, int *out)
{
	return of(file)->real->pMethods->xCheckReservedLock(of(file)->real, out);
}

static int pass_control(sqlite3_file *file, int op, void *arg)
{
	struct vfs_file *f = of(file);

	if (f->buf) { /* a log: nothing may see it without its writes */
		int rc = flush(f);
		if (rc != SQLITE_OK)
			return rc;
	}
	return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int pass_sector(sqlite3_file *file)
{
	return of(file)->real->pMethods->xSectorSize(of(file)->real);
}

static int pass_characteristics(sqlite3_file *file)
{
	return of(file)->real->pMethods->xDeviceCharacteristics(of(file)->real);
}

static int pass_shm_map(sqlite3_file *file, int page, int size, int extend, void volatile **p)
{
	return of(file)->real->pMethods->xShmMap(of(file)->real, page, size, extend, p);
}

/* Before a lock on the log index: the log holds every frame written so far. */
static int pass_shm_lock(sqlite3_file *file, int offset, int n, int flags)
{
	struct vfs_file *f = of(file);

	if (f->log) {
		int rc = flush(f->log);
		if (rc != SQLITE_OK)
			return rc;
	}
	return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}

/* Before the log index's header changes (a commit made visible): the frames first. */
static void pass_shm_barrier(sqlite3_file *file)
{
	struct vfs_file *f = of(file);

	if (f->log && f->log->len) {
		int rc = flush(f->log);
		if (rc != SQLITE_OK)
			f->log->failed = rc;
	}
	f->real->pMethods->xShmBarrier(f->real);
}

static int pass_shm_unmap(sqlite3_file *file, int delete_flag)
{
	return of(file)->real->pMethods->xShmUnmap(of(file)->real, delete_flag);
}

static int pass_fetch(sqlite3_file *file, sqlite3_int64 off, int n, void **p)
{
	return of(file)->real->pMethods->xFetch(of(file)->real, off, n, p);
}

static int pass_unfetch(sqlite3_file *file, sqlite3_int64 off, void *p)
{
	return of(file)->real->pMethods->xUnfetch(of(file)->real, off, p);
}

static const sqlite3_io_methods log_methods = {
	3,           log_close,     log_read,         log_write,         log_truncate,
	log_sync,    log_size,      pass_lock,        pass_unlock,       pass_reserved,
	pass_control, pass_sector,  pass_characteristics, pass_shm_map,  pass_shm_lock,
	pass_shm_barrier, pass_shm_unmap, pass_fetch, pass_unfetch,
};

static const sqlite3_io_methods pass_methods = {
	3,           pass_close,    pass_read,        pass_write,        pass_truncate,
	pass_sync,   pass_size,     pass_lock,        pass_unlock,       pass_reserved,
	pass_control, pass_sector,  pass_characteristics, pass_shm_map,  pass_shm_lock,
	pass_shm_barrier, pass_shm_unmap, pass_fetch, pass_unfetch,
};

/* For a file without shared memory or memory mapping. */
static const sqlite3_io_methods pass_methods_v1 = {
	1,           pass_close,    pass_read,        pass_write,        pass_truncate,
	pass_sync,   pass_size,     pass_lock,        pass_unlock,       pass_reserved,
	pass_control, pass_sector,  pass_characteristics, NULL,          NULL,
	NULL,        NULL,          NULL,             NULL,
};

static int vfs_open(sqlite3_vfs *v, sqlite3_filename name, sqlite3_file *file, int flags,
		    int *out_flags)
{
	struct vfs_file *f = of(file);
	int rc;

	(void)v;
	memset(f, 0, sizeof(*f));
	f->real = (sqlite3_file *)(f + 1);
	rc = base_vfs->xOpen(base_vfs, name, f->real, flags, out_flags);
	if (rc != SQLITE_OK || !f->real->pMethods) {
		/* SQLite calls xClose only when pMethods is set. */
		if (f->real->pMethods)
			f->real->pMethods->xClose(f->real);
		f->base.pMethods = NULL;
		return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
	}
	if (f->real->pMethods->iVersion < 3) { /* not the unix VFS's: no log index to watch */
		f->base.pMethods = &pass_methods_v1;
		return SQLITE_OK;
	}
	if (flags & SQLITE_OPEN_WAL) {
		sqlite3_file *db = name ? sqlite3_database_file_object(name) : NULL;
		f->cap = LOG_BUFFER_MAX;
		f->buf = xmalloc(f->cap);
		if (db && db->pMethods == &pass_methods) {
			f->db = of(db);
			f->db->log = f;
		}
		/* Without its database file the log cannot know when a commit shows: write through. */
		if (!f->db) {
			free(f->buf);
			f->buf = NULL;
			f->cap = 0;
		}
		f->base.pMethods = f->buf ? &log_methods : &pass_methods;
	} else {
		f->base.pMethods = &pass_methods;
	}
	return SQLITE_OK;
}

static int vfs_delete(sqlite3_vfs *v, const char *name, int sync_dir)
{
	(void)v;
	return base_vfs->xDelete(base_vfs, name, sync_dir);
}

static int vfs_access(sqlite3_vfs *v, const char *name, int flags, int *out)
{
	(void)v;
	return base_vfs->xAccess(base_vfs, name, flags, out);
}

static int vfs_full_path(sqlite3_vfs *v, const char *name, int n, char *out)
{
	(void)v;
	return base_vfs->xFullPathname(base_vfs, name, n, out);
}

static void *vfs_dl_open(sqlite3_vfs *v, const char *name)
{
	(void)v;
	return base_vfs->xDlOpen(base_vfs, name);
}

static void vfs_dl_error(sqlite3_vfs *v, int n, char *msg)
{
	(void)v;
	base_vfs->xDlError(base_vfs, n, msg);
}

static void (*vfs_dl_sym(sqlite3_vfs *v, void *h, const char *sym))(void)
{
	(void)v;
	return base_vfs->xDlSym(base_vfs, h, sym);
}

static void vfs_dl_close(sqlite3_vfs *v, void *h)
{
	(void)v;
	base_vfs->xDlClose(base_vfs, h);
}

static int vfs_randomness(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return base_vfs->xRandomness(base_vfs, n, out);
}

static int vfs_sleep(sqlite3_vfs *v, int us)
{
	(void)v;
	return base_vfs->xSleep(base_vfs, us);
}

static int vfs_time(sqlite3_vfs *v, double *out)
{
	(void)v;
	return base_vfs->xCurrentTime(base_vfs, out);
}

static int vfs_last_error(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return base_vfs->xGetLastError ? base_vfs->xGetLastError(base_vfs, n, out) : 0;
}

static int vfs_time64(sqlite3_vfs *v, sqlite3_int64 *out)
{
	(void)v;
	return base_vfs->xCurrentTimeInt64(base_vfs, out);
}

const char *db_sqlite_vfs_register(void)
{
	base_vfs = sqlite3_vfs_find(NULL);
	if (!base_vfs || base_vfs->iVersion < 2 || !base_vfs->xCurrentTimeInt64)
		return NULL;
	vfs.iVersion = 2;
	vfs.szOsFile = (int)sizeof(struct vfs_file) + base_vfs->szOsFile;
	vfs.mxPathname = base_vfs->mxPathname;
	vfs.zName = "champion";
	vfs.xOpen = vfs_open;
	vfs.xDelete = vfs_delete;
	vfs.xAccess = vfs_access;
	vfs.xFullPathname = vfs_full_path;
	vfs.xDlOpen = vfs_dl_open;
	vfs.xDlError = vfs_dl_error;
	vfs.xDlSym = vfs_dl_sym;
	vfs.xDlClose = vfs_dl_close;
	vfs.xRandomness = vfs_randomness;
	vfs.xSleep = vfs_sleep;
	vfs.xCurrentTime = vfs_time;
	vfs.xGetLastError = vfs_last_error;
	vfs.xCurrentTimeInt64 = vfs_time64;
	if (sqlite3_vfs_register(&vfs, 0) != SQLITE_OK)
		return NULL;
	return vfs.zName;
}
