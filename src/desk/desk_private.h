/* desk_private.h - helpers shared by the desk's use cases; private to desk/. */
#ifndef CHAMPION_DESK_PRIVATE_H
#define CHAMPION_DESK_PRIVATE_H

#include "desk/desk.h"
#include "rules/perm.h"

static inline struct db *desk_db(struct desk *d)
{
	return d->store.db;
}

/* Appends one event row. */
enum err_code desk_event(struct desk *d, const char *entity, int64_t id, const char *kind,
			 const struct actor *who, const char *field, const char *old_value,
			 const char *new_value, const char *data, int64_t at, struct err *e);

/* ERR_FORBIDDEN naming the action unless the actor's role allows it. */
enum err_code desk_require(const struct actor *who, enum action a, struct err *e);

/* Loads a ticket the actor may see; ERR_NOT_FOUND otherwise (never FORBIDDEN). */
enum err_code desk_visible_ticket(struct desk *d, const struct actor *who, struct arena *a,
				  int64_t id, struct ticket_row *out, struct err *e);

/* The user with this email, or ERR_NOT_FOUND naming it. */
enum err_code desk_find_user(struct desk *d, struct arena *a, const char *email,
			     struct user_row *out, struct err *e);
/* The user with this email, created as a customer when unknown. */
enum err_code desk_find_or_add_customer(struct desk *d, const struct actor *who,
					struct arena *a, const char *email, const char *name,
					int64_t at, struct user_row *out, struct err *e);
/* The group with this name (case-insensitive), or ERR_NOT_FOUND. */
enum err_code desk_find_group(struct desk *d, struct arena *a, const char *name,
			      struct group_row *out, struct err *e);
/* A staff user who may be assigned tickets (admin or agent, active). */
enum err_code desk_find_assignee(struct desk *d, struct arena *a, const char *email,
				 struct user_row *out, struct err *e);

/* Validates and stores attachments, linking them to message_id. */
enum err_code desk_attach(struct desk *d, int64_t message_id, const struct attachment_in *in,
			  size_t n, int64_t at, struct err *e);

/*
 * A new ticket's row, noting its document as changed (docs_pending):
 * since 0024 no trigger does it (see desk_insert_message).
 */
enum err_code desk_ticket_insert(struct desk *d, struct ticket_row *t, int64_t *id,
				 struct err *e);

/*
 * Inserts a message with its event, noted for the search index and its
 * ticket's document; no status logic. Since 0024 the desk notes new
 * tickets and messages itself, not a trigger: tickets and messages are
 * parent tables, and with a trigger on INSERT SQLite also counts, in every
 * table that refers to them, the rows naming the new id, and copies each
 * page the INSERT changes to a statement journal first. With the writer's
 * flat groups, a new ticket went from 611,000 to 519,000 of the writer's
 * instructions, most of it this. Rows inserted by hand, outside the desk,
 * are not noted (see migration 0024).
 */
enum err_code desk_insert_message(struct desk *d, const struct actor *who, int64_t ticket_id,
				  enum role author_role, const struct message_in *in, int64_t at,
				  int64_t *message_id, struct err *e);

/*
 * Moves t to status next at time at (solved_at and closed_at follow) and
 * writes the field.status event. Does not check the status machine: the
 * caller did. The caller writes t back with repo_ticket_update.
 */
enum err_code desk_set_status(struct desk *d, const struct actor *who, struct ticket_row *t,
			      enum status next, int64_t at, const char *data, struct err *e);

/*
 * Ends a read use case begun with db_begin_read (one snapshot, locks
 * taken once): commits when rc is ERR_OK, else rolls back. Returns rc, or
 * the commit's error.
 */
enum err_code desk_read_end(struct desk *d, enum err_code rc, struct err *e);

/* desk_ticket_get inside the caller's transaction. */
enum err_code desk_ticket_view(struct desk *d, const struct actor *who, struct arena *a,
			       int64_t id, struct ticket_view *out, struct err *e);
/* Makes every write transaction on d's connection store its tickets' documents (doc.c). */
void desk_docs_hook(struct desk *d);
/* Renders the entries of items that have none stored (doc.c). */
enum err_code desk_ticket_items_fill(struct desk *d, struct arena *a, struct rows *items,
				     struct err *e);

struct json_t;
/* Serialises a JSON value into the arena and releases it (takes ownership). */
const char *desk_json(struct arena *a, struct json_t *v);

/* Credentials (token.c): a secret is shown once and stored as its SHA-256. */
#define DESK_SECRET_HEX 65
/* PREFIX and 32 random bytes (URL-safe base64) into out; its hash into hex. */
void desk_secret_new(const char *prefix, char out[DESK_TOKEN_MAX], char hex[DESK_SECRET_HEX]);
void desk_secret_hash(const char *secret, char hex[DESK_SECRET_HEX]);

/*
 * Adds a job in the current transaction (see desk.h's jobs): run_at 0 is
 * now, max_attempts 0 is DESK_JOB_ATTEMPTS. *id may be NULL.
 */
enum err_code desk_job_add(struct desk *d, const struct job_new *j, int64_t *id, struct err *e);

/*
 * Recomputes ticket id's SLA from its events inside the caller's
 * transaction: the policy, its clocks, the ticket's sla_* columns, and
 * the warning and breach timers (jobs keyed sla:ID:METRIC:CYCLE:KIND).
 * Called at the end of every use case that changes a ticket.
 */
enum err_code desk_sla_apply(struct desk *d, int64_t id, int64_t now, struct err *e);
/*
 * For a ticket about to be inserted (created_at set) whose one public
 * message author writes: when the desk keeps no SLA, sets t's sla_due_at
 * and sla_sort_key to what desk_sla_apply would write after the creation,
 * and *done, so the caller inserts them and skips desk_sla_apply. Else
 * *done is false and t is untouched.
 */
enum err_code desk_sla_first_key(struct desk *d, struct ticket_row *t, enum role author,
				 bool *done, struct err *e);
/*
 * Queues a notification about ticket t in the current transaction (a
 * notify job keyed key: one per key): to its assignee, or to its group's
 * active staff when unassigned, and with leads to the group's leads too.
 * about is the event kind it tells of. Nothing is queued without
 * mail.from or without anyone to tell; *queued: the recipients.
 */
enum err_code desk_notify_staff(struct desk *d, struct arena *a, const struct ticket_row *t,
				bool leads, const char *key, const char *about,
				const char *subject, const char *text, int *queued,
				struct err *e);
/*
 * The calendar with this id and version, built once per desk and built
 * again when its version changed (0: the one named "default", NULL when
 * none; version 0: read it).
 */
struct calendar;
enum err_code desk_sla_calendar(struct desk *d, int64_t id, int64_t version,
				const struct calendar **out, struct err *e);
/* The id and version of the calendar named "default"; 0 and 0 when there is none. */
enum err_code desk_sla_default_calendar(struct desk *d, struct arena *a, int64_t *id,
					int64_t *version, struct err *e);
void desk_calendars_free(struct desk_calendars *c);

#endif
