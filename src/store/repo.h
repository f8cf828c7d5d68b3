/*
 * repo.h - the desk's queries, written once for every backend.
 *
 * Each function runs one or a few statements on a connection the caller
 * holds (inside the caller's transaction when it writes). Strings in
 * returned rows are allocated in the caller's arena. Every function
 * returns an err_code and fills e on failure; a missing row is
 * ERR_NOT_FOUND with a message naming it.
 *
 * Only desk/ calls these: nothing else writes to the database.
 */
#ifndef CHAMPION_REPO_H
#define CHAMPION_REPO_H

#include "rules/model.h"
#include "store/db.h"
#include "util/arena.h"
#include "util/buf.h"

struct user_row {
	int64_t id;
	const char *email;
	const char *name;
	enum role role;
	int64_t organisation_id;
	bool active;
	int64_t created_at;
	int64_t updated_at;
};

struct org_row {
	int64_t id;
	const char *name;
	const char *domain;
	bool shares_tickets;
	int64_t created_at;
};

struct group_row {
	int64_t id;
	const char *name;
	int64_t members;
	int64_t created_at;
};

struct ticket_row {
	int64_t id;
	const char *subject;
	enum status status;
	enum priority priority;
	int64_t requester_id;
	int64_t assignee_id;
	int64_t group_id;
	int64_t organisation_id;
	enum channel channel;
	bool opened_by_agent;
	int64_t created_at;
	int64_t updated_at;
	int64_t solved_at;
	int64_t closed_at;
	int64_t first_response_at;
	int64_t merged_into_id;
	int64_t version;
	int64_t sla_due_at;   /* the earliest due time of a running clock; 0: none */
	int64_t sla_sort_key; /* the queue's order (rules/sla.h, sla_sort_key) */
	/* Read only: derived columns (0016_first_reply.sql), written by their own calls. */
	int64_t fr_at;               /* the ticket.first_response event's time; 0: none */
	int64_t fr_business_ms;      /* created_at to fr_at in business time; -1: not measured */
	int64_t fr_calendar_id;      /* the calendar it was measured on; 0: none */
	int64_t fr_calendar_version;
};

struct message_row {
	int64_t id;
	int64_t ticket_id;
	int64_t author_id;
	enum role author_role;
	enum msg_kind kind;
	enum channel channel;
	const char *body_text;
	const char *body_html;
	int64_t created_at;
	const char *mail_id;         /* Message-ID without <>, NULL when none */
	const char *delivery;        /* "queued", "sent", "failed"; NULL: not mailed */
	const char *delivery_detail; /* the SMTP server's last answer */
	int64_t signature_at;        /* byte offset of the signature in body_text, -1: none */
	int64_t quote_at;            /* byte offset of the quoted history, -1: none */
};

struct attachment_row {
	int64_t id;
	int64_t message_id;
	const char *sha256;
	int64_t size;
	const char *filename;
	const char *content_type;
};

struct link_row {
	int64_t ticket_id;
	int64_t other_id;
	enum link_kind kind;
};

struct event_row {
	int64_t id;
	const char *entity;
	int64_t entity_id;
	const char *kind;
	int64_t actor_id;
	const char *field;
	const char *old_value;
	const char *new_value;
	const char *data;
	int64_t created_at;
};

/* A growing array of rows in an arena. */
struct rows {
	void *items;
	size_t count;
	size_t cap;
	size_t size;
};

/* --- events ------------------------------------------------------------- */

struct event_new {
	const char *entity;
	int64_t entity_id;
	const char *kind;
	int64_t actor_id; /* 0: the system */
	const char *field;
	const char *old_value;
	const char *new_value;
	const char *data; /* JSON or NULL */
	int64_t at;
};

enum err_code repo_event_add(struct db *db, const struct event_new *ev, struct err *e);
enum err_code repo_event_list(struct db *db, struct arena *a, const char *entity, int64_t id,
			      struct rows *out, struct err *e);

/* --- users, organisations, groups --------------------------------------- */

struct user_new {
	const char *email;
	const char *email_norm;
	const char *name;
	enum role role;
	int64_t organisation_id;
	int64_t at;
};

enum err_code repo_user_insert(struct db *db, const struct user_new *u, int64_t *id,
			       struct err *e);
enum err_code repo_user_get(struct db *db, struct arena *a, int64_t id, struct user_row *out,
			    struct err *e);
enum err_code repo_user_by_email(struct db *db, struct arena *a, const char *email_norm,
				 struct user_row *out, struct err *e);
/* role < 0: every role. */
enum err_code repo_user_list(struct db *db, struct arena *a, int role, struct rows *out,
			     struct err *e);
enum err_code repo_user_update(struct db *db, const struct user_row *u, struct err *e);

enum err_code repo_org_insert(struct db *db, const char *name, const char *name_norm,
			      const char *domain, bool shares, int64_t at, int64_t *id,
			      struct err *e);
enum err_code repo_org_get(struct db *db, struct arena *a, int64_t id, struct org_row *out,
			   struct err *e);
enum err_code repo_org_by_name(struct db *db, struct arena *a, const char *name_norm,
			       struct org_row *out, struct err *e);
enum err_code repo_org_list(struct db *db, struct arena *a, struct rows *out, struct err *e);

enum err_code repo_group_insert(struct db *db, const char *name, const char *name_norm,
				int64_t at, int64_t *id, struct err *e);
enum err_code repo_group_by_name(struct db *db, struct arena *a, const char *name_norm,
				 struct group_row *out, struct err *e);
enum err_code repo_group_get(struct db *db, struct arena *a, int64_t id, struct group_row *out,
			     struct err *e);
enum err_code repo_group_list(struct db *db, struct arena *a, struct rows *out, struct err *e);
enum err_code repo_group_add_member(struct db *db, int64_t group_id, int64_t user_id,
				    bool lead, struct err *e);
enum err_code repo_group_is_member(struct db *db, int64_t group_id, int64_t user_id,
				   bool *member, struct err *e);

/* --- tickets -------------------------------------------------------------- */

/*
 * t's sla_due_at and sla_sort_key are written too when the key is set,
 * else the defaults. Like repo_message_insert, it does not note the row for
 * the ticket's document (repo_docs_pending_add): desk_ticket_insert does.
 */
enum err_code repo_ticket_insert(struct db *db, const struct ticket_row *t, int64_t *id,
				 struct err *e);
enum err_code repo_ticket_get(struct db *db, struct arena *a, int64_t id, struct ticket_row *out,
			      struct err *e);
/* Writes every column of t (by t->id) and bumps version. */
enum err_code repo_ticket_update(struct db *db, const struct ticket_row *t, struct err *e);
/*
 * The same, writing only the columns where t differs from was (the row as
 * read; same id) and version: the indexes of columns left alone are not
 * rewritten, nor their triggers run. ERR_NOT_FOUND when the row is gone.
 */
enum err_code repo_ticket_update_changed(struct db *db, const struct ticket_row *was,
					const struct ticket_row *t, struct err *e);

struct ticket_filter {
	int status;               /* -1: any */
	int64_t assignee_id;      /* 0: any, -1: unassigned */
	int64_t group_id;         /* 0: any */
	int64_t requester_id;     /* 0: any */
	const char *tag;          /* NULL: any */
	int64_t updated_since;    /* 0: any */
	int64_t before_id;        /* cursor: ids below this; 0 from the newest */
	bool by_due;              /* order by sla_sort_key, id; the cursor is the last id seen */
	int limit;                /* 1..1000 */
	/* What saved views add (desk/views.c); zero: any. */
	unsigned status_mask;     /* 1u << status, used when status is -1 */
	unsigned priority_mask;   /* 1u << priority */
	int64_t group_member_id;  /* tickets of a group this user is in (with group_id 0) */
	bool no_group;            /* tickets without a group */
	const char *const *tags;  /* tickets carrying every one of them (normalised) */
	size_t ntags;
	int64_t organisation_id;
	/* sla_sort_key in one of these [from, to) ranges (at most 4). */
	int64_t sla_from[4], sla_to[4];
	size_t nsla;
	/* Visibility, applied inside the query. */
	enum role viewer_role;
	int64_t viewer_id;
	int64_t viewer_org_id;
};

enum err_code repo_ticket_list(struct db *db, struct arena *a, const struct ticket_filter *f,
			       struct rows *out, struct err *e);
/* A ticket's entry in a list as stored (0018_ticket_items.sql); json NULL: none stored yet. */
struct ticket_item {
	int64_t id;
	const char *json;
	size_t len;
};
/* repo_ticket_list's tickets as their stored entries, in the same order. */
enum err_code repo_ticket_items(struct db *db, struct arena *a, const struct ticket_filter *f,
				struct rows *out, struct err *e);
struct buf;
enum ticket_sql { TICKET_SQL_ROWS, TICKET_SQL_COUNT, TICKET_SQL_ITEMS };
/* Appends the SQL that repo_ticket_list, _count or _items runs for f (query plans). */
void repo_ticket_sql(const struct ticket_filter *f, enum ticket_sql what, struct buf *out);
/* How many tickets match f (its cursor, order and limit aside). */
enum err_code repo_ticket_count(struct db *db, const struct ticket_filter *f, int64_t *n,
				struct err *e);

enum err_code repo_tags_get(struct db *db, struct arena *a, int64_t ticket_id, struct rows *out,
			    struct err *e);
enum err_code repo_tag_add(struct db *db, int64_t ticket_id, const char *tag, bool *added,
			   struct err *e);
enum err_code repo_tag_remove(struct db *db, int64_t ticket_id, const char *tag, bool *removed,
			      struct err *e);

enum err_code repo_follower_add(struct db *db, int64_t ticket_id, int64_t user_id, bool *added,
				struct err *e);
enum err_code repo_follower_remove(struct db *db, int64_t ticket_id, int64_t user_id,
				   bool *removed, struct err *e);
/* The ticket's followers as users (rows of struct user_row), in one query. */
enum err_code repo_followers_users(struct db *db, struct arena *a, int64_t ticket_id,
				   struct rows *out, struct err *e);
/* The assignee's email and the group's name (NULL for 0 or a missing row), in one query. */
enum err_code repo_ticket_names(struct db *db, struct arena *a, int64_t assignee_id,
				int64_t group_id, const char **assignee_email,
				const char **group_name, struct err *e);
/* Rows of int64_t user ids. */
enum err_code repo_followers_get(struct db *db, struct arena *a, int64_t ticket_id,
				 struct rows *out, struct err *e);
enum err_code repo_is_follower(struct db *db, int64_t ticket_id, int64_t user_id, bool *yes,
			       struct err *e);
/* Moves followers and tags of one ticket onto another (merge). */
enum err_code repo_ticket_move_extras(struct db *db, int64_t from, int64_t to, struct err *e);

enum err_code repo_link_add(struct db *db, int64_t ticket_id, int64_t other_id,
			    enum link_kind kind, int64_t at, bool *added, struct err *e);
/* Links where the ticket is either side. */
enum err_code repo_links_get(struct db *db, struct arena *a, int64_t ticket_id, struct rows *out,
			     struct err *e);

/* --- messages and attachments -------------------------------------------- */

/*
 * Does not note the message for the search index (search_note_message)
 * or its ticket's document (repo_docs_pending_add): desk_insert_message
 * does both (0024). One that is not noted must never be changed or
 * deleted: their triggers take it out of the index, where it never was.
 */
enum err_code repo_message_insert(struct db *db, const struct message_row *m, int64_t *id,
				  struct err *e);
/* with_internal false leaves internal notes out. */
enum err_code repo_messages_get(struct db *db, struct arena *a, int64_t ticket_id,
				bool with_internal, struct rows *out, struct err *e);
/* One message, whatever its kind. */
enum err_code repo_message_get(struct db *db, struct arena *a, int64_t id, struct message_row *out,
			       struct err *e);
/* The outbox's word on a mailed message: delivery and the server's answer. */
enum err_code repo_message_delivery(struct db *db, int64_t id, const char *delivery,
				    const char *detail, struct err *e);
enum err_code repo_messages_move(struct db *db, int64_t from, int64_t to, int64_t *moved,
				 struct err *e);
enum err_code repo_attachment_upsert(struct db *db, const char *sha256, int64_t size, int64_t at,
				     int64_t *id, struct err *e);
enum err_code repo_attachment_link(struct db *db, int64_t message_id, int64_t attachment_id,
				   const char *filename, const char *content_type, struct err *e);
enum err_code repo_attachments_get(struct db *db, struct arena *a, int64_t ticket_id,
				   struct rows *out, struct err *e);
/* Attachment attachment_id on a message of ticket_id (public ones only unless
 * with_internal), from the earliest such message; ERR_NOT_FOUND when none. */
enum err_code repo_attachment_find(struct db *db, struct arena *a, int64_t ticket_id,
				   int64_t attachment_id, bool with_internal,
				   struct attachment_row *out, struct err *e);

/* --- API tokens ----------------------------------------------------------- */

struct token_row {
	int64_t id;
	int64_t user_id;
	const char *name;
	int64_t created_at;
	int64_t revoked_at;
};

enum err_code repo_token_insert(struct db *db, int64_t user_id, const char *name,
				const char *secret_hash, int64_t at, int64_t *id, struct err *e);
/* The live (unrevoked) token with this hash; ERR_NOT_FOUND otherwise. */
enum err_code repo_token_by_hash(struct db *db, const char *secret_hash, struct token_row *out,
				 struct err *e);
/* The live token's user, active or not, in one query. */
enum err_code repo_token_user(struct db *db, const char *secret_hash, int64_t *user_id,
			      enum role *role, int64_t *org_id, bool *active, struct err *e);
enum err_code repo_token_revoke(struct db *db, int64_t id, int64_t at, bool *revoked,
				struct err *e);
enum err_code repo_token_list(struct db *db, struct arena *a, int64_t user_id, struct rows *out,
			      struct err *e);

/* --- passwords, sessions, sign-in throttle -------------------------------- */

enum err_code repo_password_set(struct db *db, int64_t user_id, const char *hash, int64_t at,
				struct err *e);
/* The user's password hash (in the arena), NULL when none is set. */
enum err_code repo_password_get(struct db *db, struct arena *a, int64_t user_id,
				const char **hash, struct err *e);
enum err_code repo_session_insert(struct db *db, int64_t user_id, const char *secret_hash,
				  const char *csrf, int64_t at, int64_t expires_at, int64_t *id,
				  struct err *e);
/* The unexpired session's user and CSRF token (copied into csrf, 65 bytes). */
enum err_code repo_session_user(struct db *db, const char *secret_hash, int64_t now,
				int64_t *user_id, enum role *role, int64_t *org_id, bool *active,
				char csrf[65], struct err *e);
enum err_code repo_session_delete(struct db *db, const char *secret_hash, struct err *e);
enum err_code repo_login_failure_add(struct db *db, const char *key, int64_t at, struct err *e);
enum err_code repo_login_failures(struct db *db, const char *key, int64_t since, int64_t *n,
				  struct err *e);
enum err_code repo_login_failures_clear(struct db *db, const char *key, struct err *e);
/* A sign-in link (0026_signin_links.sql): only its secret's hash is stored. */
enum err_code repo_link_insert(struct db *db, int64_t user_id, const char *secret_hash,
			       int64_t at, int64_t expires_at, const char *address, int64_t *id,
			       struct err *e);
/*
 * Uses the link with this hash at now: its user, once. ERR_NOT_FOUND for
 * a link unknown, used or expired (the same answer for all three).
 */
enum err_code repo_link_use(struct db *db, const char *secret_hash, int64_t now,
			    int64_t *user_id, struct err *e);
/* Deletes links that expired before before (used or not). */
enum err_code repo_links_prune(struct db *db, int64_t before, struct err *e);

/* --- jobs: durable work (0007_jobs.sql) --------------------------------------- */

enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_FAILED, JOB_CANCELLED };

struct job_row {
	int64_t id;
	const char *kind;
	int64_t ticket_id;  /* 0: none */
	int64_t ref_id;     /* 0: none */
	const char *payload; /* JSON or NULL */
	const char *dedupe_key;
	enum job_state state;
	int64_t run_at;
	int attempts, max_attempts;
	int64_t lease_until;
	const char *worker;
	const char *last_error;
	int64_t created_at, updated_at;
};

struct job_new {
	const char *kind;
	int64_t ticket_id, ref_id; /* 0: none */
	const char *payload;       /* NULL: none */
	const char *dedupe_key;    /* NULL: none */
	int64_t run_at;
	int max_attempts;
};

const char *job_state_name(enum job_state s);
/* -1 for an unknown name. */
int job_state_parse(const char *s);

/*
 * Adds a queued job. With a dedupe_key already held by a queued job, that
 * job is moved to the new run_at and payload instead (a timer set again);
 * held by a job past the queue (running, done...), nothing is added and
 * *id is that job's. *id may be NULL.
 */
enum err_code repo_job_insert(struct db *db, const struct job_new *j, int64_t at, int64_t *id,
			      struct err *e);
/*
 * Claims the most overdue queued job (run_at <= now) of one of kinds
 * (NULL-terminated; NULL: any): running, leased to worker until
 * now + lease_ms, attempts + 1. ERR_NOT_FOUND when nothing is due. Jobs
 * whose lease ended are queued again first (their worker died).
 */
enum err_code repo_job_claim(struct db *db, struct arena *a, const char *const *kinds,
			     const char *worker, int64_t now, int64_t lease_ms,
			     struct job_row *out, struct err *e);
/*
 * Ends a claim held by worker: to state (done, failed, cancelled, or
 * queued again at run_at) with error (NULL: none). ERR_CONFLICT when the
 * worker no longer holds the job (its lease ended and another took it).
 */
enum err_code repo_job_finish(struct db *db, int64_t id, const char *worker,
			      enum job_state state, int64_t run_at, const char *error, int64_t at,
			      struct err *e);
/* One job. */
enum err_code repo_job_get(struct db *db, struct arena *a, int64_t id, struct job_row *out,
			   struct err *e);
/* Jobs, newest first: of one state (-1: any) and ticket (0: any), at most limit. */
enum err_code repo_job_list(struct db *db, struct arena *a, int state, int64_t ticket_id,
			    int limit, struct rows *out, struct err *e);
/*
 * A failed or cancelled job queued again at run_at with no attempts spent;
 * ERR_CONFLICT when it is queued, running or done.
 */
enum err_code repo_job_requeue(struct db *db, int64_t id, int64_t run_at, int64_t at,
			       struct err *e);
/* Replaces a job's payload (NULL: none), e.g. to forget a secret it carried. */
enum err_code repo_job_payload_set(struct db *db, int64_t id, const char *payload, struct err *e);
/* The earliest run_at of a queued job, 0 when none (a worker's next wake-up). */
enum err_code repo_job_next_due(struct db *db, int64_t *run_at, struct err *e);

/* --- mail received (0009_mail_in.sql) ------------------------------------------ */

struct inbound_row {
	int64_t id;
	const char *mailbox;
	const char *raw_sha256;
	int64_t raw_size;
	const char *message_id; /* NULL: none */
	const char *sender;
	int64_t received_at;
	const char *state;      /* new_ticket, threaded, duplicate, held, bounce, ignored */
	int64_t ticket_id;      /* 0: none */
	int64_t message;        /* 0: none */
	const char *detail;
};

enum err_code repo_inbound_insert(struct db *db, const struct inbound_row *r, int64_t *id,
				  struct err *e);
/* Stores a raw message under its hash (once: the same bytes again are a no-op). */
enum err_code repo_mail_raw_put(struct db *db, const char *sha256, const void *raw, size_t len,
				struct err *e);
/* The first (not duplicate) row for (mailbox, message_id); ERR_NOT_FOUND when none. */
enum err_code repo_inbound_find(struct db *db, struct arena *a, const char *mailbox,
				const char *message_id, struct inbound_row *out, struct err *e);
enum err_code repo_inbound_get(struct db *db, struct arena *a, int64_t id,
			       struct inbound_row *out, struct err *e);
/* Tickets opened by sender's mail since (rate limits). */
enum err_code repo_inbound_new_tickets(struct db *db, const char *sender, int64_t since,
				       int64_t *n, struct err *e);
/* The newest message sent or received with this Message-ID; ERR_NOT_FOUND when none. */
enum err_code repo_message_by_mail_id(struct db *db, const char *mail_id, int64_t *message_id,
				      int64_t *ticket_id, struct err *e);
enum err_code repo_message_set_mail_id(struct db *db, int64_t message_id, const char *mail_id,
				       struct err *e);
/* Where the message's text folds (-1: not there). */
enum err_code repo_message_set_fold(struct db *db, int64_t message_id, int64_t signature_at,
				    int64_t quote_at, struct err *e);
/* A mailbox's IMAP bookmark; zeros for one never read. */
enum err_code repo_mailbox_get(struct db *db, const char *name, uint64_t *uidvalidity,
			       uint64_t *last_uid, struct err *e);
/* Moves the bookmark to uid (never back, unless uidvalidity changed). */
enum err_code repo_mailbox_advance(struct db *db, const char *name, uint64_t uidvalidity,
				   uint64_t uid, struct err *e);
enum err_code repo_mailbox_polled(struct db *db, const char *name, uint64_t uidvalidity,
				  int64_t at, const char *error, struct err *e);
/* Notes that mail to the user bounced at at. */
enum err_code repo_user_mail_bounced(struct db *db, int64_t user_id, int64_t at, struct err *e);

/* --- SLA: calendars, policies, clocks (0010_sla.sql) ---------------------------- */

struct calendar_row {
	int64_t id;
	const char *name;
	const char *zone;
	const char *hours;    /* calendar_week_parse's text */
	const char *holidays; /* "YYYY-MM-DD[ HH:MM-HH:MM]; ..." ascending, or "" */
	int64_t created_at;
	int64_t version;      /* bumped by every edit */
};

struct holiday_row {
	int year, month, day;
	int start, end; /* minutes; both 0: the whole day */
};

enum err_code repo_calendar_insert(struct db *db, const char *name, const char *name_norm,
				   const char *zone, const char *hours, int64_t at, int64_t *id,
				   struct err *e);
enum err_code repo_calendar_holiday_add(struct db *db, int64_t calendar_id,
					const struct holiday_row *h, struct err *e);
/*
 * Replaces a calendar's name, zone and hours and bumps its version;
 * ERR_CONFLICT for a taken name, ERR_NOT_FOUND for no such calendar.
 */
enum err_code repo_calendar_update(struct db *db, int64_t id, const char *name,
				   const char *name_norm, const char *zone, const char *hours,
				   struct err *e);
/* Removes every holiday of a calendar. */
enum err_code repo_calendar_holidays_clear(struct db *db, int64_t calendar_id, struct err *e);
/* Every calendar, by name, with its holidays as text. */
enum err_code repo_calendar_list(struct db *db, struct arena *a, struct rows *out,
				 struct err *e);
enum err_code repo_calendar_by_name(struct db *db, struct arena *a, const char *name_norm,
				    struct calendar_row *out, struct err *e);
enum err_code repo_calendar_get(struct db *db, struct arena *a, int64_t id,
				struct calendar_row *out, struct err *e);
/* Rows of struct holiday_row of one calendar. */
enum err_code repo_calendar_holidays(struct db *db, struct arena *a, int64_t calendar_id,
				     struct rows *out, struct err *e);

struct sla_policy_row {
	int64_t id;
	int64_t position;
	const char *name;
	const char *conditions; /* JSON */
	int64_t calendar_id;    /* 0: none */
	const char *calendar_name;
	const char *pause;      /* statuses pausing resolution: "pending,on_hold" */
	int warn_percent;
	int escalate_to;        /* the priority a breach raises the ticket to; -1: none */
	const char *on_warn;    /* actions at a warning (sla_actions_parse): "notify" or "" */
	const char *on_breach;  /* actions at a breach: "notify,assign-lead"... */
	bool active;
	int64_t created_at;
	int64_t calendar_version; /* the calendar's version (0: none) */
};

struct sla_target_row {
	int64_t policy_id;
	enum priority priority;
	const char *metric;
	int minutes;
	bool business;
};

/* Appends a policy after the others (position = last + 1). */
enum err_code repo_sla_policy_insert(struct db *db, const struct sla_policy_row *p,
				     const char *name_norm, int64_t *id, struct err *e);
enum err_code repo_sla_target_set(struct db *db, const struct sla_target_row *t,
				  struct err *e);
/*
 * Writes a policy's name, conditions, calendar, pause, warn_percent,
 * escalate_to, on_warn, on_breach and active; ERR_CONFLICT for a taken
 * name, ERR_NOT_FOUND for no such policy.
 */
enum err_code repo_sla_policy_update(struct db *db, const struct sla_policy_row *p,
				     const char *name_norm, struct err *e);
/* Sets a policy's position; the caller keeps positions unique at commit. */
enum err_code repo_sla_policy_position(struct db *db, int64_t id, int64_t position,
				       struct err *e);
/* Removes a policy's targets of one metric. */
enum err_code repo_sla_targets_clear(struct db *db, int64_t policy_id, const char *metric,
				     struct err *e);
/* Policies in position order (active only when active_only). */
enum err_code repo_sla_policy_list(struct db *db, struct arena *a, bool active_only,
				   struct rows *out, struct err *e);
/* Every target of every policy, by policy. */
enum err_code repo_sla_target_list(struct db *db, struct arena *a, struct rows *out,
				   struct err *e);

struct sla_clock_row {
	int64_t ticket_id;
	const char *metric;
	int64_t policy_id;
	bool business;
	int64_t target_ms;
	int64_t started_at;
	int64_t due_at, warn_at;  /* 0: none */
	int64_t paused_ms;
	int64_t paused_since;     /* 0: not paused */
	int64_t achieved_at, ended_at, breached_at; /* 0: not */
	int cycles, breaches;
};

/* Replaces the ticket's clocks with rows (count may be 0). */
enum err_code repo_sla_clocks_put(struct db *db, int64_t ticket_id,
				  const struct sla_clock_row *rows, size_t n, struct err *e);
/* Rows of struct sla_clock_row, by metric name. */
enum err_code repo_sla_clocks_get(struct db *db, struct arena *a, int64_t ticket_id,
				  struct rows *out, struct err *e);
/* How a ticket's first_reply clock counts in the report (tickets.fr_sla). */
enum fr_sla {
	FR_SLA_NONE = -1, /* no clock: NULL */
	FR_SLA_RUNNING,   /* not ended: breached once its due time passes */
	FR_SLA_MET,
	FR_SLA_BREACHED,
};
/* A ticket's denormalised SLA columns. */
struct ticket_sla_cols {
	int64_t policy_id; /* 0: none */
	int64_t due_at;    /* the earliest due time of a running clock; 0: none */
	int64_t sort_key;
	enum fr_sla fr_sla;
	int64_t fr_sla_due_at;       /* the first_reply clock's due time; 0: none */
	int64_t fr_business_ms;      /* -1: not measured (no first reply) */
	int64_t fr_calendar_id;      /* 0: none */
	int64_t fr_calendar_version; /* 0: none */
};
/* Writes them; unchanged values are not written. */
enum err_code repo_ticket_sla_set(struct db *db, int64_t ticket_id,
				  const struct ticket_sla_cols *c, struct err *e);

/*
 * Sets every ticket's sla_sort_key for a desk without policies, in one
 * statement: the customer's wait (rules/sla.h's SLA_KEY_WAIT + the first
 * public customer message after the last public staff reply) for tickets
 * in new, open or on hold, else nobody waits. For bulk-written desks (demo).
 */
enum err_code repo_ticket_sla_wait_keys(struct db *db, struct err *e);
/* *none: no active SLA policy and no clock kept for any ticket. */
enum err_code repo_sla_none(struct db *db, bool *none, struct err *e);
/* The ticket's policy and earliest due time (0: none). */
enum err_code repo_ticket_sla_get(struct db *db, int64_t ticket_id, int64_t *policy_id,
				  int64_t *due_at, struct err *e);

/* What the clocks read of a ticket's history: one row per relevant event. */
struct sla_fact_row {
	const char *kind;      /* the event's kind */
	const char *new_value; /* field events */
	const char *old_value;
	int64_t message_id;    /* message.public: the message */
	int64_t at;
};
/* The ticket's status, priority and public-message events, oldest first. */
enum err_code repo_sla_facts(struct db *db, struct arena *a, int64_t ticket_id,
			     struct rows *out, struct err *e);
/* The public messages of a ticket as (id, author role) pairs: rows of struct message_role. */
struct message_role {
	int64_t id;
	enum role role;
};
enum err_code repo_message_roles(struct db *db, struct arena *a, int64_t ticket_id,
				 struct rows *out, struct err *e);
/* The author role of a message; -1 when there is no such message. */
enum err_code repo_message_role(struct db *db, int64_t message_id, int *role, struct err *e);
/* --- live: what listeners follow (repo_live.c) ------------------------------ */

/* Who is on a ticket: viewing, typing or left, as of at. */
struct presence_row {
	int64_t ticket_id, user_id;
	const char *state; /* "viewing", "typing", "left" */
	int64_t seq;       /* orders every change desk-wide */
	int64_t at;
	const char *name, *email;
};
/* Records user_id's presence on ticket_id (a new seq), and drops day-old rows. */
enum err_code repo_presence_set(struct db *db, int64_t ticket_id, int64_t user_id,
				const char *state, int64_t at, struct err *e);
/* Who is viewing or typing on ticket_id, confirmed at or after since, in seq order. */
enum err_code repo_presence_of(struct db *db, struct arena *a, int64_t ticket_id, int64_t since,
			       struct rows *out, struct err *e);
/* Presence changes after after_seq (any state), oldest first, at most limit. */
enum err_code repo_feed_presence(struct db *db, struct arena *a, int64_t after_seq, int limit,
				 struct rows *out, struct err *e);
/* Ticket events after after_id (id, entity_id, kind, actor_id, created_at), at most limit. */
enum err_code repo_feed_events(struct db *db, struct arena *a, int64_t after_id, int limit,
			       struct rows *out, struct err *e);
/* The newest event id and presence seq: where a new listener starts. */
enum err_code repo_feed_head(struct db *db, int64_t *event_id, int64_t *presence_seq,
			     struct err *e);

/* Whether the ticket has an event of kind with this field and new_value. */
enum err_code repo_event_exists(struct db *db, int64_t ticket_id, const char *kind,
				const char *field, const char *new_value, bool *yes,
				struct err *e);
/* An active staff member of a group (repo_group_staff). */
struct group_staff_row {
	int64_t user_id;
	const char *email;
	bool lead;
};
/* The group's active admins and agents (rows of struct group_staff_row), by user id. */
enum err_code repo_group_staff(struct db *db, struct arena *a, int64_t group_id,
			       struct rows *out, struct err *e);
/* Up to limit whole tickets with ids above after_id, ascending (rows of struct ticket_row). */
enum err_code repo_ticket_range(struct db *db, struct arena *a, int64_t after_id, int limit,
				struct rows *out, struct err *e);

/* What the first-response report splits its lines by: the key of each row. */
enum fr_key {
	FR_KEY_NONE,     /* 0 */
	FR_KEY_GROUP,    /* the group's id; 0: none */
	FR_KEY_REPLIER,  /* the first reply's author; 0: none */
	FR_KEY_PRIORITY, /* enum priority */
	FR_KEY_CHANNEL,  /* enum channel */
};
/* A ticket's first response as the report reads it (0016_first_reply.sql). */
struct first_response_row {
	int64_t created_at;
	int64_t replied_at;  /* the ticket.first_response event; 0: none yet */
	int64_t key;         /* enum fr_key */
	int64_t policy_id;   /* the ticket's SLA policy; 0: none */
	int64_t business_ms; /* the wait in business time; -1: not measured */
	int64_t calendar_id, calendar_version; /* what business_ms was measured on */
	enum fr_sla sla;     /* its first_reply clock */
	int64_t sla_due_at;
};
/*
 * Calls fn for each ticket created in [from, to) not opened by an agent,
 * in no particular order, until fn returns an error (returned).
 */
enum err_code repo_first_responses(struct db *db, int64_t from, int64_t to, enum fr_key key,
				   enum err_code (*fn)(void *ctx, const struct first_response_row *r,
						       struct err *e),
				   void *ctx, struct err *e);

/* --- ticket documents (0015_ticket_docs.sql) ------------------------------ */

/* A ticket's stored staff document: ERR_NOT_FOUND when there is none. */
enum err_code repo_doc_get(struct db *db, int64_t ticket_id, int64_t *version, struct buf *body,
			   struct err *e);
enum err_code repo_doc_put(struct db *db, int64_t ticket_id, int64_t version, const char *body,
			   size_t len, struct err *e);
/* A ticket's stored list entry (0018_ticket_items.sql), written with its document. */
enum err_code repo_item_put(struct db *db, int64_t ticket_id, const char *item, size_t len,
			    struct err *e);
/* Forgets ticket_id's document and list entry. */
enum err_code repo_doc_drop(struct db *db, int64_t ticket_id, struct err *e);
/*
 * Notes that this transaction changed ticket_id's document (docs_pending):
 * the desk calls it for a new ticket or message (0024); triggers note the
 * other changes.
 */
enum err_code repo_docs_pending_add(struct db *db, int64_t ticket_id, struct err *e);
/* The tickets this transaction changed (docs_pending), then forgets them. */
enum err_code repo_docs_pending_take(struct db *db, struct arena *a, struct rows *ids,
				     struct err *e);
/*
 * Moves the tickets this transaction changed (docs_pending) to docs_stale,
 * dropping their documents and list entries: a bulk load leaves them to
 * champion serve, and reads render them live meanwhile.
 */
enum err_code repo_docs_pending_defer(struct db *db, struct err *e);
/* Up to max tickets whose documents went stale (docs_stale), and forgets them. */
enum err_code repo_docs_stale_take(struct db *db, struct arena *a, int max, struct rows *ids,
				   struct err *e);
/* Notes every ticket as stale (after a bulk load). */
enum err_code repo_docs_all_stale(struct db *db, struct err *e);

/* --- saved views (0012_views.sql) -------------------------------------------- */

struct view_row {
	int64_t id;
	const char *name;
	int64_t owner_id;   /* 0: shared by the desk */
	int64_t position;
	const char *filter; /* JSON, desk/views.c's canonical form */
	bool by_due;        /* sort 'due'; else 'newest' */
	const char *builtin; /* the default view's key, NULL for others */
	int64_t created_at, updated_at;
};

/* Adds a view after the others of its owner (v->position ignored); ERR_CONFLICT for a taken name. */
enum err_code repo_view_insert(struct db *db, const struct view_row *v, const char *name_norm,
			       int64_t *id, struct err *e);
enum err_code repo_view_get(struct db *db, struct arena *a, int64_t id, struct view_row *out,
			    struct err *e);
/* The shared views and user_id's own (rows of struct view_row): shared first, by position. */
enum err_code repo_view_list(struct db *db, struct arena *a, int64_t user_id, struct rows *out,
			     struct err *e);
/* The view named name_norm that user_id sees: their own before a shared one. */
enum err_code repo_view_by_name(struct db *db, struct arena *a, int64_t user_id,
				const char *name_norm, struct view_row *out, struct err *e);
/* Writes name, position, filter, sort and updated_at of v (by id). */
enum err_code repo_view_update(struct db *db, const struct view_row *v, const char *name_norm,
			       struct err *e);
enum err_code repo_view_delete(struct db *db, int64_t id, struct err *e);
/* Moves the owner's other views at position and after one place down (room for id there). */
enum err_code repo_view_make_room(struct db *db, int64_t owner_id, int64_t position, int64_t id,
				  struct err *e);

/* --- helpers ------------------------------------------------------------ */

void rows_init(struct rows *r, size_t size);
/* A new zeroed item at the end of r. */
void *rows_push(struct arena *a, struct rows *r);
#define ROWS_AT(r, type, i) (&((type *)(r)->items)[i])

/* Counts of the main tables, for `champion demo` and the tests. */
enum err_code repo_count(struct db *db, const char *table, int64_t *n, struct err *e);

#endif
