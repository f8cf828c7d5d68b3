/* attachment.c - reading an attachment's file through the ticket that carries it. */
#include "util/common.h"
#include "desk/desk_private.h"
#include "store/blob.h"

static enum err_code attachment_get(struct desk *d, const struct actor *who, struct arena *a,
				    int64_t id, int64_t attachment_id, struct attachment_file *out,
				    struct err *e)
{
	struct ticket_row t;
	char path[PATH_MAX];
	enum err_code rc;

	/* Ticket first: one the actor cannot see hides its attachments too. */
	if ((rc = desk_visible_ticket(d, who, a, id, &t, e)) ||
	    (rc = repo_attachment_find(desk_db(d), a, id, attachment_id,
				       perm_allows(who->role, ACT_SEE_INTERNAL), &out->row, e)))
		return rc;
	if (blob_path(d->store.blob_dir, out->row.sha256, path, sizeof(path)) < 0)
		return err_set(e, ERR_INTERNAL, "attachment directory '%s' is too long",
			       d->store.blob_dir);
	out->path = arena_strdup(a, path);
	return ERR_OK;
}

enum err_code desk_attachment_get(struct desk *d, const struct actor *who, struct arena *a,
				  int64_t id, int64_t attachment_id, struct attachment_file *out,
				  struct err *e)
{
	enum err_code rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_begin_read(desk_db(d), e)))
		return rc;
	rc = attachment_get(d, who, a, id, attachment_id, out, e);
	if (rc) {
		db_rollback(desk_db(d));
		return rc;
	}
	if ((rc = db_commit(desk_db(d), e)))
		db_rollback(desk_db(d));
	return rc;
}
