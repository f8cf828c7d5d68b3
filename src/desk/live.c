/*
 * live.c - what live listeners are told: the ticket events and presence
 * changes after a cursor, read from the desk itself (so a change made by
 * any process sharing the desk reaches them: the mailgate's new ticket as
 * much as this server's reply), and who may hear of which ticket.
 * Presence is staff's: engineers, agents and admins on a ticket they see.
 */
#include "util/common.h"
#include "desk/desk_private.h"
#include "util/time.h"

static const char *const presence_states[] = {"viewing", "typing", "left", NULL};

/* The channel the schema's triggers notify (migrations/postgresql, live_changed). */
#define LIVE_CHANNEL "champion_live"

enum err_code desk_live_watch_open(struct desk *d, struct desk_live_watch **out, struct err *e)
{
	return db_watch_open(d->store.target, LIVE_CHANNEL, (struct db_watch **)out, e);
}

int desk_live_watch_wait(struct desk_live_watch *w, int timeout_ms, struct err *e)
{
	return db_watch_wait((struct db_watch *)w, timeout_ms, e);
}

void desk_live_watch_close(struct desk_live_watch *w)
{
	db_watch_close((struct db_watch *)w);
}

enum err_code desk_live_head(struct desk *d, const struct actor *who, struct live_cursor *c,
			     struct err *e)
{
	enum err_code rc;

	if ((rc = desk_require(who, ACT_SEE_INTERNAL, e)) || (rc = db_begin_read(desk_db(d), e)))
		return rc;
	return desk_read_end(
		d, repo_feed_head(desk_db(d), &c->event_id, &c->presence_seq, e), e);
}

static enum err_code live_read(struct desk *d, struct arena *a, struct live_cursor *c,
			       struct live_batch *out, struct err *e)
{
	enum err_code rc;

	if ((rc = repo_feed_events(desk_db(d), a, c->event_id, DESK_LIVE_BATCH, &out->events, e)) ||
	    (rc = repo_feed_presence(desk_db(d), a, c->presence_seq, DESK_LIVE_BATCH,
				     &out->presence, e)))
		return rc;
	if (out->events.count)
		c->event_id = ROWS_AT(&out->events, struct event_row, out->events.count - 1)->id;
	if (out->presence.count)
		c->presence_seq =
			ROWS_AT(&out->presence, struct presence_row, out->presence.count - 1)->seq;
	return ERR_OK;
}

enum err_code desk_live_read(struct desk *d, struct arena *a, struct live_cursor *c,
			     struct live_batch *out, struct err *e)
{
	enum err_code rc;

	rows_init(&out->events, sizeof(struct event_row));
	rows_init(&out->presence, sizeof(struct presence_row));
	if ((rc = db_begin_read(desk_db(d), e)))
		return rc;
	return desk_read_end(d, live_read(d, a, c, out, e), e);
}

bool desk_live_sees(struct desk *d, const struct actor *who, struct arena *a, int64_t ticket_id)
{
	struct ticket_row t;
	struct err e = ERR_INIT;
	bool yes;

	if (perm_sees_every_ticket(who->role))
		return true;
	if (db_begin_read(desk_db(d), &e))
		return false;
	yes = desk_read_end(d, desk_visible_ticket(d, who, a, ticket_id, &t, &e), &e) == ERR_OK;
	return yes;
}

static int state_parse(const char *s)
{
	for (int i = 0; presence_states[i]; i++)
		if (strcmp(s, presence_states[i]) == 0)
			return i;
	return -1;
}

enum err_code desk_presence_set(struct desk *d, const struct actor *who, int64_t ticket_id,
				const char *state, struct err *e)
{
	struct arena a;
	struct ticket_row t;
	enum err_code rc;

	if (!state || state_parse(state) < 0)
		return err_set(e, ERR_INVALID, "state must be viewing, typing or left");
	arena_init(&a);
	/* Whether the ticket is there first, as for its events: a refusal tells no more. */
	if (!(rc = db_begin(desk_db(d), e))) {
		if ((rc = desk_visible_ticket(d, who, &a, ticket_id, &t, e)) ||
		    (rc = desk_require(who, ACT_SEE_INTERNAL, e)) ||
		    (rc = repo_presence_set(desk_db(d), ticket_id, who->user_id, state,
					    time_now_ms(), e)) ||
		    (rc = db_commit(desk_db(d), e)))
			db_rollback(desk_db(d));
	}
	arena_release(&a);
	return rc;
}

static enum err_code presence_list(struct desk *d, const struct actor *who, struct arena *a,
				   int64_t ticket_id, struct rows *out, struct err *e)
{
	struct ticket_row t;
	enum err_code rc = desk_visible_ticket(d, who, a, ticket_id, &t, e);

	if (rc || (rc = desk_require(who, ACT_SEE_INTERNAL, e)))
		return rc;
	return repo_presence_of(desk_db(d), a, ticket_id, time_now_ms() - DESK_PRESENCE_TTL_MS,
				out, e);
}

enum err_code desk_presence_list(struct desk *d, const struct actor *who, struct arena *a,
				 int64_t ticket_id, struct rows *out, struct err *e)
{
	enum err_code rc;

	rows_init(out, sizeof(struct presence_row));
	if ((rc = db_begin_read(desk_db(d), e)))
		return rc;
	return desk_read_end(d, presence_list(d, who, a, ticket_id, out, e), e);
}
