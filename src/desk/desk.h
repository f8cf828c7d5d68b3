/*
 * desk.h - the use cases: one function per thing a person does at the desk.
 *
 * Channels (CLI, HTTP, mail) parse and authenticate, call one function
 * here, and render its result. Each function that changes something opens
 * a transaction, checks the actor's permission (rules/perm), validates
 * input, applies the rules (rules/status), writes the new state and its
 * event rows, and commits; on any error nothing is written.
 *
 * Every function returns an err_code and fills e on failure. A ticket the
 * actor may not see is ERR_NOT_FOUND, never ERR_FORBIDDEN. Results that
 * hold strings or arrays are allocated in the caller's arena.
 *
 * Never includes HTTP, mail or CLI headers; never prints.
 */
#ifndef CHAMPION_DESK_H
#define CHAMPION_DESK_H

#include "rules/model.h"
#include "store/repo.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"

struct desk_calendars;

struct desk {
	struct store store;
	struct desk_calendars *calendars; /* built calendars by id (sla.c); freed by desk_close */
	char *mail_from;   /* the desk's From address; NULL: replies are not mailed */
	char *mail_domain; /* the domain of its Message-IDs (mail_from's) */
	char *mail_address; /* mail_from's bare address: the envelope sender, the loop guard's */
	int mail_new_per_hour;    /* new tickets one sender may open by mail in an hour; 0: default */
	bool mail_cc_not_follow;  /* Cc addresses of a new ticket do not become followers */
	char *mail_ack_text;      /* the acknowledgement of a ticket opened by mail; NULL: none */
	char *web_url;            /* where people open the desk, no trailing '/'; NULL: unknown */
	bool bulk;                /* a bulk load: files unsynced until desk_bulk_sync */
	struct buf bulk_unsynced; /* their paths, NUL-separated */
	int64_t job_lease_ms;     /* a worker's claim on a job; 0: DESK_JOB_LEASE_MS */
	uint64_t sla_none_txn;    /* the transaction sla_none was read in (bulk loads; sla.c) */
	bool sla_none;            /* no active SLA policy and no clock then */
};

/*
 * What a desk is told by the configuration (the channels read it once and
 * hand the same settings to every desk connection they open). Strings are
 * copied. A zeroed struct is a desk that mails nothing.
 */
struct desk_settings {
	const char *mail_from;     /* mail.from: replies are mailed; NULL or "": not */
	int mail_new_per_hour;     /* mail.new_tickets_per_hour; 0: the default */
	bool mail_cc_followers;    /* mail.cc_followers */
	const char *mail_ack_text; /* mail.acknowledge; NULL or "": none */
	int64_t job_lease_ms;      /* jobs.lease_ms; 0: DESK_JOB_LEASE_MS */
	const char *web_url;       /* web.url: the links mailed start with it; NULL or "": none */
};

/* Applies s to d (see desk_set_mail and friends); ERR_INVALID for a bad mail_from or web_url. */
enum err_code desk_configure(struct desk *d, const struct desk_settings *s, struct err *e);

/* Opens (or, with o->create, creates) the desk. Caller frees with desk_close. */
enum err_code desk_open(struct desk **out, const struct store_options *o, struct err *e);
/* Time the desk's connection has spent in the database (metrics). */
int64_t desk_db_busy_ns(struct desk *d);
/*
 * Folds into the database what the write-ahead log holds and no reader
 * needs, without waiting (db_checkpoint): for the checkpointer of a server
 * whose writer leaves checkpoints to it (store_options.log_watch).
 */
enum err_code desk_checkpoint(struct desk *d, int *log_pages, int *copied, struct err *e);
void desk_close(struct desk *d);
/*
 * Mails public replies from now on: from is the desk's address, bare or
 * with a name ("Support <help@example.com>"); its domain names the
 * Message-IDs. Each staff member's public message is then stored with a
 * Message-ID and delivery "queued", and a mail.send job in the same
 * transaction. NULL or "" stops it. ERR_INVALID for an address without
 * a domain.
 */
enum err_code desk_set_mail(struct desk *d, const char *from, struct err *e);

/*
 * A group of use cases committed together (the server's writer): between
 * begin and commit, each use case runs in its own savepoint, so one that
 * fails leaves the others; commit makes them all durable at once.
 *
 * A flat batch saves the savepoints (db_begin_flat): a use case that fails
 * after changing rows spoils it (desk_batch_spoiled), and the caller rolls
 * it back and runs the whole group again in an ordinary batch.
 */
enum err_code desk_batch_begin(struct desk *d, bool flat, struct err *e);
bool desk_batch_spoiled(struct desk *d);
/*
 * A bulk load (champion import): stored files are written without a sync
 * each; desk_bulk_sync makes them all durable, and must run before each
 * batch that names them commits. Mail is received inside the caller's
 * batch without a savepoint of its own: when desk_mail_receive fails, its
 * writes are left in the batch, which the caller must roll back. The
 * tickets it changes get no document at its commits: they are left stale
 * (docs_stale) for champion serve's docs worker, and reads render them
 * live meanwhile.
 */
void desk_bulk_begin(struct desk *d);
enum err_code desk_bulk_sync(struct desk *d, struct err *e);
enum err_code desk_batch_commit(struct desk *d, struct err *e);
void desk_batch_rollback(struct desk *d);
/*
 * A batch whose begin or commit failed as transient (the database busy or
 * restarting, a serialization failure, a deadlock) runs again, whole,
 * after *delay_ms (backoff with jitter): true for
 * attempts 1..DESK_BATCH_RETRIES, unless the commit's outcome is unknown
 * (the connection was lost while the server had it: running it again
 * could store it twice). Past the retries, the error reaches the callers.
 */
#define DESK_BATCH_RETRIES 3
#define DESK_BATCH_RETRY_MS 50
bool desk_batch_retry(struct desk *d, enum err_code rc, int attempt, int64_t *delay_ms);
/* A trivial read: the database answers (readiness). */
enum err_code desk_ping(struct desk *d, struct err *e);

/* Who is acting. The system actor (id 0) is an admin with no user row. */
struct actor {
	int64_t user_id;
	enum role role;
	int64_t organisation_id;
};

extern const struct actor desk_system_actor;

/* The actor for an active user with this email (case-insensitive). */
enum err_code desk_actor_by_email(struct desk *d, const char *email, struct actor *out,
				  struct err *e);

/* Limits every channel enforces through the desk. */
#define DESK_SUBJECT_MAX 250     /* code points */
#define DESK_BODY_MAX (1 << 20)  /* bytes of a message body */
#define DESK_NAME_MAX 200        /* code points of a person, group or organisation name */
#define DESK_EMAIL_MAX 254       /* bytes, RFC 5321 */
#define DESK_TAG_MAX 64          /* bytes */
#define DESK_TAGS_MAX 50         /* tags on one ticket change */
#define DESK_LIST_MAX 1000       /* rows in one page */
#define DESK_ATTACHMENTS_MAX 10  /* files on one message */
#define DESK_FILENAME_MAX 255    /* code points of an attachment's name */
#define DESK_TYPE_MAX 127        /* bytes of an attachment's content type */

/* --- users, organisations, groups --------------------------------------- */

struct user_new_in {
	const char *email;
	const char *name;         /* NULL: the email's local part */
	enum role role;
	const char *organisation; /* name, or NULL */
};

enum err_code desk_user_add(struct desk *d, const struct actor *who, const struct user_new_in *in,
			    int64_t *id, struct err *e);

struct user_change {
	const char *name;         /* NULL: unchanged */
	int role;                 /* -1: unchanged */
	const char *organisation; /* NULL: unchanged, "": none */
	int active;               /* -1: unchanged */
};

enum err_code desk_user_set(struct desk *d, const struct actor *who, const char *email,
			    const struct user_change *c, struct err *e);
/* A user's record: one's own, or anyone's for staff (ACT_USER_LIST). */
enum err_code desk_user_get(struct desk *d, const struct actor *who, struct arena *a,
			    const char *email, struct user_row *out, struct err *e);
/* The same by id, and a change by id (the API names users by id). */
enum err_code desk_user_get_id(struct desk *d, const struct actor *who, struct arena *a,
			       int64_t id, struct user_row *out, struct err *e);
enum err_code desk_user_set_id(struct desk *d, const struct actor *who, int64_t id,
			       const struct user_change *c, struct err *e);
/* The actor's own record. */
enum err_code desk_me(struct desk *d, const struct actor *who, struct arena *a,
		      struct user_row *out, struct err *e);
enum err_code desk_user_list(struct desk *d, const struct actor *who, struct arena *a, int role,
			     struct rows *out, struct err *e);

enum err_code desk_org_add(struct desk *d, const struct actor *who, const char *name,
			   const char *domain, bool shares, int64_t *id, struct err *e);
enum err_code desk_org_list(struct desk *d, const struct actor *who, struct arena *a,
			    struct rows *out, struct err *e);

enum err_code desk_group_add(struct desk *d, const struct actor *who, const char *name,
			     int64_t *id, struct err *e);
enum err_code desk_group_add_member(struct desk *d, const struct actor *who, const char *group,
				    const char *email, bool lead, struct err *e);
enum err_code desk_group_add_member_id(struct desk *d, const struct actor *who, int64_t group_id,
				       const char *email, bool lead, struct err *e);
enum err_code desk_group_list(struct desk *d, const struct actor *who, struct arena *a,
			      struct rows *out, struct err *e);

/* --- tickets -------------------------------------------------------------- */

/*
 * A file attached to a message: its bytes are either in memory (data, len)
 * or already on disk in a synced temporary file of the attachment store
 * (tmp_path, with its sha256 and len: an upload written with blob_tmp_*),
 * which the desk moves into the store when the message is written.
 */
struct attachment_in {
	const char *filename;
	const char *content_type; /* NULL: application/octet-stream */
	const void *data;
	size_t len;
	const char *tmp_path; /* NULL: the bytes are data */
	const char *sha256;   /* with tmp_path: the hex SHA-256 of its content */
};

struct ticket_new_in {
	const char *subject;
	const char *body;            /* the opening message, plain text */
	const char *body_html;       /* sanitised HTML, or NULL */
	const char *requester_email; /* NULL: the actor; created as a customer if unknown */
	const char *requester_name;  /* used when the requester is created */
	int priority;                /* -1: normal */
	const char *group;           /* name or NULL */
	const char *assignee_email;  /* or NULL */
	const char *const *tags;
	size_t ntags;
	enum channel channel;
	const struct attachment_in *attachments;
	size_t nattachments;
	const char *mail_id;         /* the opening mail's Message-ID (without <>), or NULL */
};

enum err_code desk_ticket_create(struct desk *d, const struct actor *who,
				 const struct ticket_new_in *in, int64_t *id, struct err *e);

struct message_in {
	enum msg_kind kind;
	const char *body;
	const char *body_html;
	enum channel channel;
	int status; /* -1: let the rules decide; else the status to set with it */
	const struct attachment_in *attachments;
	size_t nattachments;
	const char *mail_id; /* a received mail's Message-ID (without <>), or NULL */
};

struct message_out {
	int64_t message_id;
	int64_t ticket_id; /* a new follow-up ticket when the target was closed */
	bool follow_up;
	enum status status; /* the ticket's status afterwards */
};

/* A public reply or an internal note on ticket id. */
enum err_code desk_message_add(struct desk *d, const struct actor *who, int64_t id,
			       const struct message_in *in, struct message_out *out,
			       struct err *e);

struct ticket_change {
	int status;                  /* -1: unchanged */
	int priority;                /* -1: unchanged */
	const char *assignee_email;  /* NULL: unchanged, "": unassign */
	const char *group;           /* NULL: unchanged, "": no group */
	const char *subject;         /* NULL: unchanged */
	const char *const *tags_add;
	size_t ntags_add;
	const char *const *tags_remove;
	size_t ntags_remove;
	const char *const *followers_add;    /* emails; unknown ones become customers */
	size_t nfollowers_add;
	const char *const *followers_remove;
	size_t nfollowers_remove;
	int64_t expected_version;    /* 0: any; else ERR_CONFLICT when the ticket moved on */
};

enum err_code desk_ticket_update(struct desk *d, const struct actor *who, int64_t id,
				 const struct ticket_change *c, struct err *e);

enum err_code desk_follower_add(struct desk *d, const struct actor *who, int64_t id,
				const char *email, struct err *e);
enum err_code desk_follower_remove(struct desk *d, const struct actor *who, int64_t id,
				   const char *email, struct err *e);

/*
 * Merges source into target: the source's messages, tags and followers
 * move to the target, the source is closed with merged_into_id set, both
 * get an internal note and events. Neither may be closed or merged.
 */
enum err_code desk_ticket_merge(struct desk *d, const struct actor *who, int64_t source,
				int64_t target, struct err *e);

/* Links id to other (incident: id is an incident of the problem other). */
enum err_code desk_ticket_link(struct desk *d, const struct actor *who, int64_t id,
			       int64_t other, enum link_kind kind, struct err *e);

struct ticket_view {
	struct ticket_row ticket;
	struct user_row requester;
	const char *assignee_email; /* NULL when unassigned */
	const char *group_name;     /* NULL when no group */
	struct rows tags;           /* const char * */
	struct rows messages;       /* struct message_row; internal notes only for staff */
	struct rows attachments;    /* struct attachment_row */
	struct rows followers;      /* struct user_row */
	struct rows links;          /* struct link_row */
};

enum err_code desk_ticket_get(struct desk *d, const struct actor *who, struct arena *a,
			      int64_t id, struct ticket_view *out, struct err *e);

/*
 * Ticket documents (doc.c): the JSON of desk_ticket_get as the API shows
 * it, stored for the staff who see every ticket in the transaction that
 * changes the ticket (0015_ticket_docs.sql), so that reading it is one
 * lookup. desk_ticket_doc appends ticket id's document as who sees it to b
 * (the stored one, or rendered now) and sets *version (the ETag's).
 */
enum err_code desk_ticket_doc(struct desk *d, const struct actor *who, struct arena *a,
			      int64_t id, int64_t *version, struct buf *b, struct err *e);
#define DESK_DOCS_BATCH 256    /* documents per transaction of the background rendering */
#define DESK_DOCS_SLICE_MS 200 /* a worker run's time before it lets other work in */
#define DESK_DOCS_POLL_MS 1000
/* Renders up to max stale documents (a renamed user or group, an old desk) in one transaction. */
enum err_code desk_docs_refresh(struct desk *d, int max, int *done, struct err *e);
/* Renders every ticket's document again (after a bulk load), a batch per transaction. */
enum err_code desk_docs_rebuild(struct desk *d, struct err *e);

struct ticket_query {
	int status;                 /* -1: any */
	const char *assignee_email; /* NULL: any, "none": unassigned */
	const char *group;
	const char *requester_email;
	const char *tag;
	int64_t updated_since;
	int64_t before_id;          /* cursor: the last id of the previous page */
	bool by_due;                /* ordered by what is due (sla_sort_key) instead of newest first */
	int limit;                  /* 0: 50 */
};

enum err_code desk_ticket_list(struct desk *d, const struct actor *who, struct arena *a,
			       const struct ticket_query *q, struct rows *out, struct err *e);
/*
 * The same tickets as their list entries (struct ticket_item): the JSON
 * view_ticket_write writes, as stored with each ticket's document
 * (0018_ticket_items.sql) or rendered now where none is stored yet.
 */
enum err_code desk_ticket_items(struct desk *d, const struct actor *who, struct arena *a,
				const struct ticket_query *q, struct rows *out, struct err *e);

/*
 * Attachment attachment_id (its id in the ticket view) of ticket id, as the
 * actor may read it: through a message of the ticket the actor can see
 * (internal notes only for staff), the earliest such message naming the
 * file. An attachment the actor may not read is ERR_NOT_FOUND, like an
 * unknown one. out's strings are in a; path is the file of its bytes.
 */
struct attachment_file {
	struct attachment_row row;
	const char *path;
};

enum err_code desk_attachment_get(struct desk *d, const struct actor *who, struct arena *a,
				  int64_t id, int64_t attachment_id, struct attachment_file *out,
				  struct err *e);

/* --- search (search.c) ----------------------------------------------------- */

#define DESK_SEARCH_LIMIT 25      /* hits in a page by default */
#define DESK_SEARCH_LIMIT_MAX 100
#define DESK_SEARCH_OFFSET_MAX 1000 /* how deep pages go */

struct search_query {
	const char *text;           /* the query (rules/query.h's syntax) */
	int status;                 /* -1: any */
	const char *assignee_email; /* NULL: any, "none": unassigned */
	const char *requester_email;
	const char *tag;
	int64_t offset;             /* the cursor: hits to skip */
	int limit;                  /* 0: DESK_SEARCH_LIMIT */
};

struct search_result_hit {
	struct ticket_row ticket;
	int64_t message_id;
	double score;
	const char *snippet;        /* HTML: escaped text, matches in <mark> */
};

struct search_result {
	struct rows hits;           /* struct search_result_hit, best first */
	int64_t next_offset;        /* 0 when this page is the last */
	size_t syntax_column;       /* on a syntax error (ERR_INVALID): where, from 1 */
};

/*
 * Searches the tickets the actor may see, and only the messages they may
 * read (no internal notes for customers). A query that does not parse is
 * ERR_INVALID with out->syntax_column set and a message that names the
 * column; other invalid input is ERR_INVALID with syntax_column 0.
 */
enum err_code desk_search(struct desk *d, const struct actor *who, struct arena *a,
			  const struct search_query *q, struct search_result *out, struct err *e);

/*
 * Indexes the messages a search_later desk (store_options) left waiting,
 * batch of them a transaction (0: DESK_SEARCH_CATCH_UP_BATCH), until none
 * is left; *indexed (may be NULL) gets how many. Takes the write lock only
 * when something waits.
 */
#define DESK_SEARCH_CATCH_UP_BATCH 2000
enum err_code desk_search_catch_up(struct desk *d, int batch, int64_t *indexed, struct err *e);

/* The ticket's events, oldest first (staff only). */
enum err_code desk_ticket_events(struct desk *d, const struct actor *who, struct arena *a,
				 int64_t id, struct rows *out, struct err *e);

/* --- validation shared by the use cases (desk.c) --------------------------- */

/* Normalised email (trimmed, ASCII lower-case) into out, or ERR_INVALID. */
enum err_code desk_email_norm(const char *email, char out[DESK_EMAIL_MAX + 1], struct err *e);
/* Well-formed UTF-8 without control characters, 1..max code points. */
enum err_code desk_check_text(const char *what, const char *s, size_t max_cp, bool multiline,
			      struct err *e);
/* A tag: 1..DESK_TAG_MAX bytes of [a-z0-9_-.:] after lower-casing into out. */
enum err_code desk_tag_norm(const char *tag, char out[DESK_TAG_MAX + 1], struct err *e);

/* --- API tokens (token.c) --------------------------------------------------- */

#define DESK_TOKEN_MAX 64 /* bytes of a token string, with its NUL */

/*
 * Creates an API token for the user with this email: admins for anyone,
 * others for themselves. The token is written to token (shown once; only
 * its hash is stored).
 */
enum err_code desk_token_create(struct desk *d, const struct actor *who, const char *email,
				const char *name, char token[DESK_TOKEN_MAX], int64_t *id,
				struct err *e);
enum err_code desk_token_revoke(struct desk *d, const struct actor *who, int64_t id,
				struct err *e);
/* Tokens of one user (email), or of everyone (NULL, admins only). */
enum err_code desk_token_list(struct desk *d, const struct actor *who, struct arena *a,
			      const char *email, struct rows *out, struct err *e);
/* The actor a live token stands for; ERR_NOT_FOUND for an unknown or revoked one. */
enum err_code desk_actor_by_token(struct desk *d, const char *token, struct actor *out,
				  struct err *e);

/* --- passwords and sessions (auth.c) ---------------------------------------- */

#define DESK_PASSWORD_MIN 10      /* bytes */
#define DESK_PASSWORD_MAX 1024
#define DESK_LOGIN_WINDOW_MS (15 * 60 * 1000)
#define DESK_LOGIN_MAX_PER_USER 5     /* failures in the window before refusing */
#define DESK_LOGIN_MAX_PER_ADDRESS 20
#define DESK_SESSION_TTL_MS (14LL * 24 * 60 * 60 * 1000)

/* Sets a password (argon2id): admins for anyone, others their own. */
enum err_code desk_password_set(struct desk *d, const struct actor *who, const char *email,
				const char *password, struct err *e);

struct login_out {
	char session[DESK_TOKEN_MAX]; /* the cookie value: shown once, stored as a hash */
	char csrf[65];                /* sent back by the browser on unsafe requests */
	struct actor actor;
	bool throttled;               /* too many failures: try again in retry_after_s */
	int64_t retry_after_s;
};

/*
 * Signs in with email and password from address. A wrong email or
 * password is ERR_FORBIDDEN ("wrong email or password", the same for
 * both) and is recorded, committed, against the account and the address;
 * past DESK_LOGIN_MAX_PER_* failures in the window, sign-in is refused
 * with ERR_TRANSIENT and out->throttled, before any password is checked.
 * Slow on purpose (argon2id): never call it on an event loop.
 */
enum err_code desk_login(struct desk *d, const char *email, const char *password,
			 const char *address, struct login_out *out, struct err *e);

/*
 * desk_login in two halves, so that a server runs the slow one on neither
 * an event loop nor its writer. The check only reads (the throttle, the
 * account, argon2id) and says what it found; the finish writes: a session
 * when the password matched, else the failure, or the throttle's answer.
 */
struct login_check {
	char user_key[DESK_EMAIL_MAX + 8];
	char addr_key[80];
	int64_t user_id; /* > 0: the password matched this user's */
	bool throttled;
	int64_t at;
};
enum err_code desk_login_check(struct desk *d, const char *email, const char *password,
			       const char *address, struct login_check *c, struct err *e);
enum err_code desk_login_finish(struct desk *d, const struct login_check *c,
				struct login_out *out, struct err *e);
enum err_code desk_logout(struct desk *d, const char *session, struct err *e);

/*
 * Sign-in links for the customer portal. A customer asks for one by
 * their email; the desk mails them WEB_URL/portal#link=SECRET, which
 * signs them in once, within DESK_LINK_TTL_MS. The secret sits in the
 * fragment so that it reaches neither the server's access log nor a
 * Referer, and the page spends it with a POST, so that a mail scanner
 * that opens every link spends nothing. Staff sign in with passwords
 * only: a mailbox should not open the whole desk.
 */
#define DESK_LINK_PREFIX "chl_"
#define DESK_LINK_TTL_MS (15 * 60 * 1000)
#define DESK_LINK_MAX_PER_USER 3     /* links asked for one email in DESK_LOGIN_WINDOW_MS */
#define DESK_LINK_MAX_PER_ADDRESS 10 /* asked from one client address */
/* payload: notify's, with "user_id" and "expires_at"; only "to", "about", "user_id" once sent */
#define DESK_JOB_LINK "mail.link"

/* Whether d mails sign-in links: both web.url and mail.from are set. */
bool desk_links_enabled(const struct desk *d);
/*
 * Asks, from address, for a sign-in link for email. An active
 * customer's gets a link and its mail job in one transaction; any other
 * email is answered the same way and gets nothing, so the answer tells
 * nobody who has an account. ERR_INVALID for a malformed email,
 * ERR_CONFLICT when links are off, ERR_TRANSIENT with *retry_after_s > 0
 * past DESK_LINK_MAX_PER_* requests in the window (counted whether or
 * not the email is known).
 */
enum err_code desk_link_request(struct desk *d, const char *email, const char *address,
				int64_t *retry_after_s, struct err *e);
/*
 * Signs in with a link's secret from address: a session as desk_login's.
 * An unknown, used or expired link is ERR_FORBIDDEN, recorded against
 * the address like a wrong password (and throttled the same way).
 */
enum err_code desk_link_signin(struct desk *d, const char *link, const char *address,
			       struct login_out *out, struct err *e);
/* The actor of a live session, and its CSRF token; ERR_NOT_FOUND otherwise. */
enum err_code desk_actor_by_session(struct desk *d, const char *session, struct actor *out,
				    char csrf[65], struct err *e);

/* --- synthetic data (demo.c) ---------------------------------------------- */

struct demo_options {
	int64_t tickets;  /* how many tickets */
	int days;         /* spread over this many days, ending now */
	uint64_t seed;
	/* Called now and then with tickets written so far; may be NULL. */
	void (*progress)(void *arg, int64_t done, int64_t total);
	void *progress_arg;
};

struct demo_stats {
	int64_t tickets, messages, events, users, organisations, groups;
};

/* Fills an empty desk with a realistic synthetic one (ERR_CONFLICT if it has tickets). */
enum err_code desk_demo(struct desk *d, const struct demo_options *o, struct demo_stats *out,
			struct err *e);

/*
 * Durable work (jobs): a use case that causes work (a reply's outbound
 * mail, an SLA timer) adds a job in its own transaction (desk_private.h:
 * desk_job_add); workers claim due jobs, run them outside any transaction
 * and finish them. A claim is a lease: a job whose worker died is claimed
 * again once the lease ends, so every job runs at least once and kinds
 * make their work idempotent.
 */
#define DESK_JOB_LEASE_MS (5 * 60 * 1000)  /* a worker's claim on a job */
#define DESK_JOB_RETRY_BASE_MS 30000      /* first retry after 15..30 s */
#define DESK_JOB_RETRY_CAP_MS (6 * 3600 * 1000) /* retries at most 3..6 h apart */
#define DESK_JOB_ATTEMPTS 12              /* about two days of retries */
#define DESK_JOB_LIST_MAX 500
#define DESK_JOB_MAIL_SEND "mail.send" /* ref_id: a public message to mail */
#define DESK_JOB_MAIL_ACK "mail.ack"   /* ticket_id: acknowledge it to its requester */

#define DESK_WORKER_MAX 96
/* A job worker's name, "HOST:PID:ROLE" (at most DESK_WORKER_MAX bytes with the NUL). */
void desk_worker_name(char out[DESK_WORKER_MAX], const char *role);

enum desk_job_outcome {
	DESK_JOB_OK,    /* done */
	DESK_JOB_RETRY, /* a transient failure: again after a backoff, failed past its attempts */
	DESK_JOB_FAIL,  /* a permanent failure: failed now */
};

/*
 * Claims the most overdue job of one of kinds (NULL-terminated) for
 * worker, in its own transaction. ERR_NOT_FOUND when none is due.
 */
enum err_code desk_job_claim(struct desk *d, struct arena *a, const char *const *kinds,
			     const char *worker, struct job_row *out, struct err *e);
/*
 * Records what running j came to, with error (NULL when ok) as the job's
 * last error. ERR_CONFLICT when the lease ended and the job went to
 * another worker (its outcome then is that worker's).
 */
enum err_code desk_job_finish(struct desk *d, const struct job_row *j, const char *worker,
			      enum desk_job_outcome outcome, const char *error, struct err *e);
/* The time of the next queued job (0: none): when a worker should look again. */
enum err_code desk_job_next_due(struct desk *d, int64_t *at, struct err *e);
/* Jobs, newest first (admins): state -1 for any, ticket 0 for any, 1..DESK_JOB_LIST_MAX. */
enum err_code desk_job_list(struct desk *d, const struct actor *who, struct arena *a,
			    int state, int64_t ticket_id, int limit, struct rows *out,
			    struct err *e);
/* A failed or cancelled job queued again now, with its attempts reset (admins). */
enum err_code desk_job_retry(struct desk *d, const struct actor *who, int64_t id,
			     struct err *e);

/*
 * Outgoing mail (the outbox's mail.send jobs): what to send for a public
 * message queued for mail, and what came of it.
 */
struct desk_outgoing {
	int64_t message_id, ticket_id;
	const char *from;        /* the desk's address (mail.from) */
	const char *sender;      /* its bare address, for the envelope */
	const char *subject;     /* the ticket's, without the tag */
	const char *body;        /* the message's Markdown */
	const char *mail_id;     /* its Message-ID, without <> */
	const char *in_reply_to; /* the ticket's latest earlier mail_id, or NULL */
	struct rows to;          /* const char *: the requester's address */
	struct rows cc;          /* const char *: followers' addresses but the author's */
	struct rows references;  /* const char *: the ticket's earlier mail_ids, oldest first */
	const char *delivery;    /* "queued", "sent" or "failed" */
	int64_t created_at;
	struct rows files;       /* struct desk_outgoing_file: the message's attachments */
};

struct desk_outgoing_file {
	const char *filename, *content_type;
	const char *path;        /* the stored file */
};

/* Loads what message_id is to be mailed as; ERR_NOT_FOUND when it is not queued for mail. */
enum err_code desk_mail_outgoing(struct desk *d, struct arena *a, int64_t message_id,
				 struct desk_outgoing *out, struct err *e);
/*
 * Loads the acknowledgement of ticket_id (a mail.ack job j): to its
 * requester, in reply to its first message, with the Message-ID the job
 * was given. ERR_NOT_FOUND when the ticket is gone or acknowledged.
 */
enum err_code desk_mail_ack_outgoing(struct desk *d, struct arena *a, const struct job_row *j,
				     struct desk_outgoing *out, struct err *e);
/* Records on the ticket that its acknowledgement went out (or failed: detail). */
enum err_code desk_mail_acked(struct desk *d, const struct job_row *j, bool sent,
			      const char *detail, struct err *e);
/*
 * Loads a notification to staff (a notify job j: an SLA warning or
 * breach), as fixed when it was queued. ERR_NOT_FOUND when the job
 * carries no recipients, subject or text.
 */
enum err_code desk_notify_outgoing(struct desk *d, struct arena *a, const struct job_row *j,
				   struct desk_outgoing *out, struct err *e);
/* Records on the ticket that a notification went out (notification.sent) or failed (detail). */
enum err_code desk_notified(struct desk *d, const struct job_row *j, bool sent,
			    const char *detail, struct err *e);
/* Records the outbox's word on message_id: "sent" or "failed", with the server's answer. */
enum err_code desk_mail_delivered(struct desk *d, int64_t message_id, const char *delivery,
				  const char *detail, struct err *e);

/*
 * Mail received (mailgate, IMAP): one message, parsed by the mail channel
 * into desk terms. desk_mail_receive, in one transaction, stores the raw
 * bytes (content-addressed, in mail_raw), records the message and threads
 * it:
 *   - a Message-ID already received on this mailbox: a duplicate, recorded
 *     and otherwise ignored (at-least-once fetching threads once);
 *   - a delivery report (bounce): an internal note on the ticket whose
 *     reply bounced, that reply's delivery set failed, the recipients
 *     flagged; never a ticket;
 *   - In-Reply-To, then References (newest first), naming a message the
 *     desk sent or received: a public message on that ticket (a sender who
 *     is not yet on it becomes a follower);
 *   - a subject tag [#N] of an existing ticket whose requester, follower
 *     or staff the sender is: the same;
 *   - else a new ticket by the sender (a customer, created when unknown),
 *     its Cc addresses followers, unless the sender opened more than the
 *     hourly limit already: then the message is held (stored, no ticket).
 * A message the parser could not read (unreadable) still makes its ticket,
 * with the raw message attached as message.eml. Text is made valid for
 * the desk on the way: invalid UTF-8 and control characters replaced,
 * over-long subjects and bodies cut (the original keeps everything).
 * ERR_TRANSIENT when the database is busy or the disk refuses: the mail
 * server should retry.
 */
#define DESK_MAILBOX_DEFAULT "default"
#define DESK_MAIL_NEW_PER_HOUR 60

struct desk_mail_in {
	const char *mailbox;           /* NULL: DESK_MAILBOX_DEFAULT */
	const void *raw;               /* the message as received */
	size_t raw_len;
	const char *raw_sha256;        /* its desk_mail_hash when the caller made it; NULL: none */
	bool unreadable;               /* the parser gave up: raw attached, reason shown */
	const char *unreadable_reason;
	const char *message_id;        /* without <>; NULL: none */
	const char *in_reply_to;       /* without <>; NULL: none */
	const char *const *references; /* without <>, oldest first */
	size_t n_references;
	const char *subject;           /* decoded */
	int64_t ticket_tag;            /* [#N] in the subject, 0: none */
	const char *from;              /* the sender's address */
	const char *from_name;         /* or NULL */
	const char *const *cc;
	size_t n_cc;
	const char *body_text;         /* the new text (decoded, UTF-8) */
	const char *body_html;         /* sanitised HTML or NULL */
	const struct attachment_in *attachments;
	size_t nattachments;
	bool bounce;                   /* a delivery status report */
	const char *bounce_of;         /* the Message-ID of the message that bounced */
	const char *const *bounce_recipients;
	size_t n_bounce_recipients;
	const char *bounce_text;       /* the report's human part */
	bool loop;                     /* from the desk's own address: held, never a ticket */
	bool automatic;                /* no automatic answer may go to it (loop guards) */
	/* Read from an IMAP mailbox: its bookmark moves to this UID in the same transaction. */
	uint64_t imap_uidvalidity, imap_uid; /* 0: not from IMAP */
};

struct desk_mail_result {
	int64_t inbound_id;
	const char *state;  /* new_ticket, threaded, duplicate, held, bounce, ignored */
	int64_t ticket_id;  /* 0: none */
	int64_t message_id; /* 0: none */
};

/* Settings of mail received: per_hour 0 for the default; cc_followers as said above. */
void desk_set_mail_intake(struct desk *d, int per_hour, bool cc_followers);
/*
 * Acknowledges every ticket opened by mail from a person (never to an
 * automatic, bulk or looping message: the loop guards) with text, where
 * "{ticket}" stands for the ticket's number: a mail.ack job in the
 * ticket's own transaction (needs mail.from). NULL or "": none.
 */
void desk_set_mail_ack(struct desk *d, const char *text);
/*
 * Where people open the desk ("https://help.example.com"): the links the
 * desk mails start with it, never with a request's Host header. NULL or
 * "": none (no sign-in links). ERR_INVALID unless http:// or https://
 * without a query or fragment; trailing slashes are dropped.
 */
enum err_code desk_set_web_url(struct desk *d, const char *url, struct err *e);
/*
 * The SHA-256 (hex) of in's raw bytes, which the desk stores the message
 * under: a reader thread may make it ahead (in->raw_sha256) so that the
 * storing thread does not.
 */
#define DESK_SHA256_HEX 65
void desk_mail_hash(const struct desk_mail_in *in, char hex[DESK_SHA256_HEX]);
enum err_code desk_mail_receive(struct desk *d, const struct desk_mail_in *in,
				struct desk_mail_result *out, struct err *e);

/* Where the IMAP poller is in a mailbox (0, 0 for one never read). */
enum err_code desk_mailbox_bookmark(struct desk *d, const char *mailbox, uint64_t *uidvalidity,
				    uint64_t *last_uid, struct err *e);
/*
 * After a poll: the server's uidvalidity (a new one restarts last_uid at
 * 0), the time, and the poll's error (NULL when it went well).
 */
enum err_code desk_mailbox_polled(struct desk *d, const char *mailbox, uint64_t uidvalidity,
				  const char *error, struct err *e);

/* --- SLA: calendars, policies, clocks, timers (sla.c) ------------------------ */

#define DESK_JOB_SLA_TIMER "sla.timer" /* payload: {"metric","kind":"warn"|"breach","cycle"} */
/* payload: {"mail_id","subject","text","to":[emails],"about":event kind}; sent by the outbox */
#define DESK_JOB_NOTIFY "notify"
#define DESK_HOLIDAYS_MAX 400          /* holidays on one calendar */
#define DESK_SLA_POLICIES_MAX 200

/*
 * A calendar: IANA zone, weekly hours in calendar_week_parse's syntax
 * ("mon-fri 09:00-17:00"), holidays as "YYYY-MM-DD" or "YYYY-MM-DD
 * HH:MM-HH:MM" (closed that part of the day). The calendar named
 * "default" measures business time for tickets no policy covers.
 */
struct calendar_in {
	const char *name;
	const char *zone;
	const char *hours;
	const char *const *holidays;
	size_t nholidays;
};

/* Adds a calendar (admins); ERR_INVALID for a bad zone, hours or holiday, ERR_CONFLICT for a taken name. */
enum err_code desk_calendar_add(struct desk *d, const struct actor *who,
				const struct calendar_in *in, int64_t *id, struct err *e);
/*
 * Changes a calendar (admins), named by name or "#ID"/"ID": a NULL
 * name, zone or hours stays; holidays replace the old ones when
 * set_holidays (none: nholidays 0). Bumps the calendar's version, so
 * every desk connection builds it again, and recomputes the clocks of the
 * tickets not closed. Errors as desk_calendar_add; ERR_NOT_FOUND.
 */
enum err_code desk_calendar_edit(struct desk *d, const struct actor *who, const char *ref,
				 const struct calendar_in *in, bool set_holidays,
				 struct calendar_row *out, struct arena *a, struct err *e);
/* One calendar by name or "#ID"/"ID" (staff). */
enum err_code desk_calendar_get(struct desk *d, const struct actor *who, struct arena *a,
				const char *ref, struct calendar_row *out, struct err *e);
/* Calendars by name (rows of struct calendar_row; staff). */
enum err_code desk_calendar_list(struct desk *d, const struct actor *who, struct arena *a,
				 struct rows *out, struct err *e);

#define DESK_SLA_KEEP (-2) /* desk_sla_edit: an integer field stays */

/*
 * An SLA policy, tried after the existing ones. Conditions: -1 or NULL
 * for any. Targets per metric as sla_targets_parse reads them
 * ("normal=4h,urgent=1h"), NULL for none; at least one. business:
 * counted on the calendar (which is then required), else calendar time.
 * on_warn and on_breach: sla_actions_parse's lists; NULL: "notify".
 *
 * desk_sla_edit reads the same struct as changes: NULL strings and
 * DESK_SLA_KEEP integers (0 for warn_percent) stay; "" clears a group,
 * organisation, tag or calendar condition, -1 a priority, channel, role
 * or escalation; a metric's targets "none" removes them. business counts
 * only with business_given; new targets otherwise count business time
 * when the policy has a calendar.
 */
struct sla_policy_in {
	const char *name;
	int priority;
	const char *group;
	const char *organisation;
	const char *tag;
	int channel;
	int requester_role;
	const char *calendar;
	const char *targets[4]; /* by enum sla_metric */
	bool business;
	const char *pause;      /* statuses pausing resolution; NULL: "pending,on_hold" */
	int warn_percent;       /* 0: 75 */
	int escalate_to;        /* a breach raises a lower priority to this; -1: never */
	const char *on_warn;    /* "notify" or "none" */
	const char *on_breach;  /* "notify,assign-lead", "assign-lead", "notify" or "none" */
	bool business_given;    /* edit: business says how every target counts */
};

/* Adds a policy (admins) and recomputes the open tickets' clocks. */
enum err_code desk_sla_add(struct desk *d, const struct actor *who, const struct sla_policy_in *in,
			   int64_t *id, struct err *e);
/*
 * Changes the policy named ref ("#ID", "ID" or its name; admins) as in
 * says and recomputes the clocks of the tickets not closed: due times
 * move as a fresh computation from the events puts them, and timers are
 * armed again. *id: the policy's. ERR_NOT_FOUND, ERR_INVALID as
 * desk_sla_add, ERR_CONFLICT for a taken name.
 */
enum err_code desk_sla_edit(struct desk *d, const struct actor *who, const char *ref,
			    const struct sla_policy_in *in, int64_t *id, struct err *e);
/* Moves a policy to position (1: tried first; admins), the others keep their order; recomputes. */
enum err_code desk_sla_move(struct desk *d, const struct actor *who, const char *ref,
			    int64_t position, int64_t *id, struct err *e);
/* Activates or deactivates a policy (an inactive one matches nothing; admins); recomputes. */
enum err_code desk_sla_set_active(struct desk *d, const struct actor *who, const char *ref,
				  bool active, int64_t *id, struct err *e);
/* One policy (struct sla_policy_row) and its targets (struct sla_target_row) by ref (staff). */
enum err_code desk_sla_get(struct desk *d, const struct actor *who, struct arena *a,
			   const char *ref, struct sla_policy_row *policy, struct rows *targets,
			   struct err *e);
/* Policies in order (rows of struct sla_policy_row) and all their targets (struct sla_target_row). */
enum err_code desk_sla_list(struct desk *d, const struct actor *who, struct arena *a,
			    struct rows *policies, struct rows *targets, struct err *e);
/*
 * Rebuilds every ticket's clocks, sla_* columns and timers from its
 * events (admins), in transactions of a thousand tickets; clocks that
 * come out as stored are not written again.
 * *count: tickets done.
 */
enum err_code desk_sla_recompute_all(struct desk *d, const struct actor *who, int64_t *count,
				     struct err *e);

/*
 * A ticket's SLA now (staff): its policy and clocks (struct sla_clock_row),
 * computed from its events at this instant.
 */
struct ticket_sla {
	int64_t policy_id;       /* 0: none applies */
	const char *policy_name; /* NULL when none */
	int64_t due_at;          /* the earliest due time of a running clock; 0: none */
	struct rows clocks;
};
enum err_code desk_ticket_sla(struct desk *d, const struct actor *who, struct arena *a,
			      int64_t id, struct ticket_sla *out, struct err *e);

/*
 * Runs one claimed sla.timer job: records the sla.warning or sla.breach
 * event on its ticket when the clock's cycle has reached that point and
 * the event is not there yet (so a job run twice records once). When the
 * point moved later (a pause, a priority change), *requeue_at says when
 * to run it again (0: the job is done).
 */
enum err_code desk_sla_fire(struct desk *d, const struct job_row *j, int64_t *requeue_at,
			    struct err *e);
/*
 * Claims and runs every due sla.timer job as worker, finishing each
 * (done, or queued again at its new time). *ran: jobs run.
 */
enum err_code desk_sla_run_due(struct desk *d, const char *worker, int *ran, struct err *e);

/* --- saved views (views.c) -------------------------------------------------- */

/*
 * A view is a saved filter and order of tickets; owner 0 is shared by the
 * desk (admins manage those), else it is personal to its owner. Staff
 * (admins, agents, engineers) see the shared views and their own; a
 * customer has none (ERR_FORBIDDEN). Another user's personal view is
 * ERR_NOT_FOUND. A view's tickets are those the actor may see, so an
 * engineer's counts cover their tickets only.
 *
 * The filter is a JSON object, each key optional (absent: any):
 *   status      ["new","open",...]    one of these statuses
 *   priority    ["high","urgent"]      one of these priorities
 *   assignee    "me" | "none" | ID | "EMAIL"
 *   group       "mine" | "none" | ID | "NAME"   ("mine": a group the actor is in)
 *   tags        ["vip",...]             every one of these tags
 *   sla         ["breached","breaching_soon","on_track","none"] (rules/queue.h)
 *   sla_soon_minutes  the breaching_soon window, 1..QUEUE_SOON_MINUTES_MAX (60)
 *   organisation ID | "NAME"            the requester's organisation
 * Emails and names are stored as ids: the stored filter is canonical.
 * Bad JSON is ERR_INVALID naming its line and column; an unknown key, a
 * wrong type or an unknown name is ERR_INVALID naming the key.
 */
#define DESK_VIEWS_MAX 50       /* personal views of one user; shared views of the desk */
#define DESK_VIEW_TAGS_MAX 10
#define DESK_VIEW_FILTER_MAX 4096 /* bytes of a filter's JSON */

struct view_in {
	const char *name;   /* add: required; edit: NULL unchanged */
	const char *filter; /* JSON; add: NULL is {}; edit: NULL unchanged */
	int by_due;         /* 1 due, 0 newest; -1: due on add, unchanged on edit */
	bool shared;        /* add: shared by the desk (admins), else the actor's own */
	int64_t position;   /* edit: 0 unchanged; its place among its kind */
};

struct view_info {
	struct view_row row;
	int64_t count;      /* tickets the view holds for the actor; -1: not counted */
};

/* The actor's views (rows of struct view_info), shared first, with counts when counts. */
enum err_code desk_view_list(struct desk *d, const struct actor *who, struct arena *a,
			     bool counts, struct rows *out, struct err *e);
/* One view by id, or by "ID", "#ID" or name (the actor's own before a shared one). */
enum err_code desk_view_get(struct desk *d, const struct actor *who, struct arena *a,
			    int64_t id, struct view_info *out, struct err *e);
enum err_code desk_view_find(struct desk *d, const struct actor *who, struct arena *a,
			     const char *name_or_id, struct view_info *out, struct err *e);

/* A page of a view's tickets, in its order; the cursor is the last id of the previous page. */
/* --- live updates (live.c) ------------------------------------------------ */

/*
 * Where a live listener is in the desk's changes: the last ticket event
 * and presence change it was told of. Changes come from the desk itself,
 * so a listener hears of those any process made.
 */
struct live_cursor {
	int64_t event_id, presence_seq;
};
struct live_batch {
	struct rows events;   /* struct event_row: id, entity_id (the ticket), kind, actor_id */
	struct rows presence; /* struct presence_row */
};
#define DESK_LIVE_BATCH 500 /* changes read at once; the rest at the next read */
/* A presence not confirmed for this long is gone (the client confirms every 15 s). */
#define DESK_PRESENCE_TTL_MS (45 * 1000)

/* The cursor of a new listener: now. Staff and engineers only. */
enum err_code desk_live_head(struct desk *d, const struct actor *who, struct live_cursor *c,
			     struct err *e);
/* The changes after c, and c moved past them. Who may hear of each: desk_live_sees. */
enum err_code desk_live_read(struct desk *d, struct arena *a, struct live_cursor *c,
			     struct live_batch *out, struct err *e);
/* Whether who may be told of changes to ticket_id (whether they see it). */
bool desk_live_sees(struct desk *d, const struct actor *who, struct arena *a, int64_t ticket_id);
/*
 * A watch on the desk's changes, made by any process that shares it: told
 * when new events or presence may be there to read (PostgreSQL's NOTIFY,
 * see store/db.h), far sooner than a poll would find them. *out is NULL
 * on a backend without signals (SQLite): listeners poll there. The wait's
 * results are db_watch_wait's: 1 read now, 0 nothing came, -1 cannot
 * listen now (try again later; meanwhile, poll).
 */
struct desk_live_watch;
enum err_code desk_live_watch_open(struct desk *d, struct desk_live_watch **out, struct err *e);
int desk_live_watch_wait(struct desk_live_watch *w, int timeout_ms, struct err *e);
void desk_live_watch_close(struct desk_live_watch *w);
/* Records that who is viewing, typing on, or has left a ticket they see (staff, engineers). */
enum err_code desk_presence_set(struct desk *d, const struct actor *who, int64_t ticket_id,
				const char *state, struct err *e);
/* Who is viewing or typing on a ticket now (confirmed within DESK_PRESENCE_TTL_MS). */
enum err_code desk_presence_list(struct desk *d, const struct actor *who, struct arena *a,
				 int64_t ticket_id, struct rows *out, struct err *e);

/* What a queue's row shows beside the ticket's own fields. */
struct ticket_names {
	struct user_row requester;
	const char *assignee_email, *assignee_name; /* NULL when unassigned */
	const char *group;                          /* NULL when in no group */
	struct rows tags;                           /* const char *, sorted */
};
struct view_page {
	struct view_row view;
	struct rows tickets; /* struct ticket_row */
	struct rows names;   /* struct ticket_names, one for each ticket */
	int64_t now;         /* the instant the page was read at */
	int64_t soon_ms;     /* the view's breaching_soon window */
};
enum err_code desk_view_tickets(struct desk *d, const struct actor *who, struct arena *a,
				int64_t id, int64_t cursor, int limit, struct view_page *out,
				struct err *e);

/*
 * The SQL that counts view id's tickets (count) or reads a page of them,
 * for the actor, into out (its parameters unbound): for checking query
 * plans. ERR_NOT_FOUND as desk_view_get; out stays empty when the view
 * can match nothing for the actor.
 */
enum err_code desk_view_sql(struct desk *d, const struct actor *who, int64_t id, bool count,
			    struct buf *out, struct err *e);

enum err_code desk_view_add(struct desk *d, const struct actor *who, const struct view_in *in,
			    int64_t *id, struct err *e);
enum err_code desk_view_edit(struct desk *d, const struct actor *who, int64_t id,
			     const struct view_in *in, struct err *e);
enum err_code desk_view_remove(struct desk *d, const struct actor *who, int64_t id,
			       struct err *e);

/* --- reports (report.c) ------------------------------------------------------ */

enum report_by { REPORT_BY_NONE, REPORT_BY_GROUP, REPORT_BY_AGENT, REPORT_BY_PRIORITY,
		 REPORT_BY_CHANNEL };

/* One line of the first-response report. Times in ms; percentiles by nearest rank. */
struct report_line {
	const char *key;       /* the group, agent, priority or channel; "all" */
	int64_t tickets;       /* created in the period (not opened by an agent) */
	int64_t answered;      /* with a first reply */
	int64_t p50, p90, p99; /* calendar time to first reply, of the answered */
	int64_t bp50, bp90, bp99; /* business time (policy's calendar, else "default", else 24/7) */
	int64_t sla_met, sla_breached; /* tickets with a first-reply target */
};

/*
 * First reply times of the tickets created in [from, to) (staff), in
 * calendar and business time, grouped by by (the group and priority the
 * ticket has now, the agent who replied first, the channel it came in
 * by). A ticket still unanswered past its due time counts as breached.
 * Rows of struct report_line, by key; with REPORT_BY_NONE one line.
 */
enum err_code desk_report_first_response(struct desk *d, const struct actor *who,
					 struct arena *a, int64_t from, int64_t to,
					 enum report_by by, struct rows *out, struct err *e);

#endif
