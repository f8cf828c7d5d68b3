/* store.c - open a desk's database and migrate it. */
#include "util/common.h"
#include "store/migrate.h"
#include "store/search.h"
#include "store/store.h"
#include "util/xalloc.h"

#include <sys/stat.h>

enum err_code store_open(struct store *s, const struct store_options *o, struct err *e)
{
	struct db_options dbo = {.create = o->create,
				 .sync = o->sync,
				 .busy_timeout_ms = o->busy_timeout_ms,
				 .keep_wal = o->keep_wal,
				 .log_watch = o->log_watch};
	struct stat sb;
	enum err_code rc;

	memset(s, 0, sizeof(*s));
	if (!o->target || !*o->target)
		return err_set(e, ERR_INVALID, "no database given (--db PATH or CHAMPION_DB)");
	if (o->create && stat(o->target, &sb) == 0 && sb.st_size > 0)
		return err_set(e, ERR_CONFLICT, "'%s' already exists; not creating a desk over it",
			       o->target);
	if (!o->create && stat(o->target, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size == 0)
		return err_set(e, ERR_NOT_FOUND,
			       "'%s' is empty, not a desk (create one with 'champion init')",
			       o->target);
	/* A desk on a server is shared by hosts: where its files go must be said. */
	if (strstr(o->target, "://") && (!o->blob_dir || !*o->blob_dir))
		return err_set(e, ERR_INVALID, "a desk at '%s' needs attachments.dir: the directory "
			       "(shared by every host that serves the desk) that holds its files",
			       o->target);
	if ((rc = db_open(&s->db, o->target, &dbo, e)))
		return rc;
	rc = o->create ? migrate_apply(s->db, o->target, &s->version, e)
		       : migrate_desk(s->db, o->target, &s->version, e);
	if (rc) {
		db_close(s->db);
		s->db = NULL;
		return rc;
	}
	if (!o->search_later)
		db_before_commit(s->db, search_flush_pending, NULL);
	s->target = xstrdup(o->target);
	if (o->blob_dir && *o->blob_dir) {
		s->blob_dir = xstrdup(o->blob_dir);
	} else {
		size_t n = strlen(o->target) + sizeof(".files");
		s->blob_dir = xmalloc(n);
		snprintf(s->blob_dir, n, "%s.files", o->target);
	}
	s->blob_max = o->blob_max ? o->blob_max : (size_t)25 << 20;
	return ERR_OK;
}

void store_release(struct store *s)
{
	db_close(s->db);
	free(s->target);
	free(s->blob_dir);
	memset(s, 0, sizeof(*s));
}
