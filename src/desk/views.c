/* views.c - saved views: filters of tickets with counts, pages in what-is-due order. */
#include "util/common.h"
#include "desk/desk_private.h"
#include "rules/queue.h"
#include "util/str.h"
#include "util/time.h"

#include <jansson.h>

/* Who a filter's assignee or group names. */
enum who_kind { WHO_ANY, WHO_ME, WHO_NONE, WHO_ID };

/* A filter, parsed (filter JSON as desk.h describes it). */
struct vfilter {
	unsigned status, priority, sla; /* masks; 0: any */
	enum who_kind assignee, group;
	int64_t assignee_id, group_id, organisation_id;
	const char *tags[DESK_VIEW_TAGS_MAX];
	size_t ntags;
	int64_t soon_minutes; /* 0: QUEUE_SOON_MINUTES */
};

static const char known_keys[] =
	"status, priority, assignee, group, tags, sla, sla_soon_minutes, organisation";

/* A name trimmed and case-folded, in the arena (users.c's rule for names). */
static char *name_norm(struct arena *a, const char *name)
{
	size_t len;
	const char *s = str_trim(name, &len);
	return str_lower_ascii(arena_strndup(a, s, len));
}

/* Puts "prefix: " before e's message (its code becomes code). */
static enum err_code prefix_err(struct err *e, enum err_code code, const char *prefix)
{
	char msg[sizeof(e->msg)];

	memcpy(msg, e->msg, sizeof(msg));
	return err_set(e, code, "%s: %s", prefix, msg);
}

/* A JSON array of names into a mask: "filter.KEY[i]: 'x' is not one of ...". */
static enum err_code name_set(json_t *v, const char *key, int (*parse)(const char *),
			      const char *names, unsigned *mask, struct err *e)
{
	size_t i;
	json_t *x;

	if (!json_is_array(v) || json_array_size(v) == 0)
		return err_set(e, ERR_INVALID, "filter.%s must be a non-empty array of %s", key,
			       names);
	json_array_foreach(v, i, x) {
		int k = json_is_string(x) ? parse(json_string_value(x)) : -1;
		if (k < 0)
			return err_set(e, ERR_INVALID, "filter.%s[%zu]: %s%s%s is not one of %s", key,
				       i, json_is_string(x) ? "'" : "",
				       json_is_string(x) ? json_string_value(x) : "this value",
				       json_is_string(x) ? "'" : "", names);
		*mask |= 1u << k;
	}
	return ERR_OK;
}

static int sla_parse(const char *s)
{
	return queue_sla_parse(s);
}

/*
 * A reference to a user, group or organisation: a positive id, one of
 * the words (word1 -> WHO_ME, "none" -> WHO_NONE), or (resolve) a name
 * looked up by find. Stored filters hold ids only.
 */
static enum err_code who_of(struct desk *d, struct arena *a, json_t *v, const char *key,
			    const char *word1, bool resolve,
			    enum err_code (*find)(struct desk *, struct arena *, const char *,
						  int64_t *, struct err *),
			    enum who_kind *kind, int64_t *id, struct err *e)
{
	if (json_is_integer(v) && json_integer_value(v) > 0) {
		*kind = WHO_ID;
		*id = json_integer_value(v);
		return ERR_OK;
	}
	if (!json_is_string(v))
		return err_set(e, ERR_INVALID, "filter.%s must be %s%s%san id or a name", key,
			       word1 ? "'" : "", word1 ? word1 : "", word1 ? "', 'none', " : "");
	const char *s = json_string_value(v);
	if (word1 && strcmp(s, word1) == 0) {
		*kind = WHO_ME;
		return ERR_OK;
	}
	if (word1 && strcmp(s, "none") == 0) {
		*kind = WHO_NONE;
		return ERR_OK;
	}
	if (!resolve)
		return err_set(e, ERR_INVALID, "filter.%s: a stored filter names ids, not '%s'",
			       key, s);
	*kind = WHO_ID;
	enum err_code rc = find(d, a, s, id, e);
	if (rc == ERR_NOT_FOUND) {
		char prefix[48];
		snprintf(prefix, sizeof(prefix), "filter.%s", key);
		rc = prefix_err(e, ERR_INVALID, prefix);
	}
	return rc;
}

static enum err_code find_user(struct desk *d, struct arena *a, const char *email, int64_t *id,
			       struct err *e)
{
	struct user_row u;
	enum err_code rc = desk_find_user(d, a, email, &u, e);
	if (!rc)
		*id = u.id;
	return rc;
}

static enum err_code find_group(struct desk *d, struct arena *a, const char *name, int64_t *id,
				struct err *e)
{
	struct group_row g;
	enum err_code rc = desk_find_group(d, a, name, &g, e);
	if (!rc)
		*id = g.id;
	return rc;
}

static enum err_code find_org(struct desk *d, struct arena *a, const char *name, int64_t *id,
			      struct err *e)
{
	struct org_row o;
	enum err_code rc = repo_org_by_name(desk_db(d), a, name_norm(a, name), &o, e);
	if (rc == ERR_NOT_FOUND)
		return err_set(e, ERR_NOT_FOUND, "no organisation named '%s'", name);
	if (!rc)
		*id = o.id;
	return rc;
}

/*
 * Parses filter JSON text into f; with resolve, emails and names are
 * looked up (input), else only ids are taken (a stored filter).
 */
static enum err_code filter_parse(struct desk *d, struct arena *a, const char *text,
				  bool resolve, struct vfilter *f, struct err *e)
{
	json_error_t jerr;
	json_t *root = NULL, *v;
	const char *key;
	enum err_code rc = ERR_OK;

	memset(f, 0, sizeof(*f));
	if (strlen(text) > DESK_VIEW_FILTER_MAX)
		return err_set(e, ERR_INVALID, "the filter is longer than %d bytes",
			       DESK_VIEW_FILTER_MAX);
	root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return err_set(e, ERR_INVALID, "filter: invalid JSON at line %d, column %d: %s",
			       jerr.line, jerr.column, jerr.text);
	if (!json_is_object(root)) {
		rc = err_set(e, ERR_INVALID, "the filter must be a JSON object");
		goto out;
	}
	json_object_foreach(root, key, v) {
		if (strcmp(key, "status") == 0) {
			rc = name_set(v, key, status_parse, status_names(), &f->status, e);
		} else if (strcmp(key, "priority") == 0) {
			rc = name_set(v, key, priority_parse, priority_names(), &f->priority, e);
		} else if (strcmp(key, "sla") == 0) {
			rc = name_set(v, key, sla_parse, queue_sla_names(), &f->sla, e);
		} else if (strcmp(key, "assignee") == 0) {
			rc = who_of(d, a, v, key, "me", resolve, find_user, &f->assignee,
				    &f->assignee_id, e);
		} else if (strcmp(key, "group") == 0) {
			rc = who_of(d, a, v, key, "mine", resolve, find_group, &f->group,
				    &f->group_id, e);
		} else if (strcmp(key, "organisation") == 0) {
			enum who_kind k;
			rc = who_of(d, a, v, key, NULL, resolve, find_org, &k, &f->organisation_id, e);
		} else if (strcmp(key, "sla_soon_minutes") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 1 ||
			    json_integer_value(v) > QUEUE_SOON_MINUTES_MAX)
				rc = err_set(e, ERR_INVALID,
					     "filter.sla_soon_minutes must be a whole number of "
					     "minutes from 1 to %d",
					     QUEUE_SOON_MINUTES_MAX);
			else
				f->soon_minutes = json_integer_value(v);
		} else if (strcmp(key, "tags") == 0) {
			size_t i;
			json_t *x;
			if (!json_is_array(v) || json_array_size(v) == 0 ||
			    json_array_size(v) > DESK_VIEW_TAGS_MAX) {
				rc = err_set(e, ERR_INVALID,
					     "filter.tags must be an array of 1 to %d tags",
					     DESK_VIEW_TAGS_MAX);
				break;
			}
			json_array_foreach(v, i, x) {
				char tag[DESK_TAG_MAX + 1];
				if (!json_is_string(x)) {
					rc = err_set(e, ERR_INVALID, "filter.tags[%zu] must be a string",
						     i);
					break;
				}
				if ((rc = desk_tag_norm(json_string_value(x), tag, e))) {
					char prefix[48];
					snprintf(prefix, sizeof(prefix), "filter.tags[%zu]", i);
					rc = prefix_err(e, ERR_INVALID, prefix);
					break;
				}
				f->tags[f->ntags++] = arena_strdup(a, tag);
			}
		} else {
			rc = err_set(e, ERR_INVALID, "filter: unknown key '%s' (known: %s)", key,
				     known_keys);
		}
		if (rc)
			break;
	}
out:
	json_decref(root);
	return rc;
}

static json_t *mask_json(unsigned mask, int count, const char *(*name)(int))
{
	json_t *arr = json_array();
	for (int i = 0; i < count; i++)
		if (mask & (1u << i))
			json_array_append_new(arr, json_string(name(i)));
	return arr;
}

static const char *status_at(int i)
{
	return status_name((enum status)i);
}

static const char *priority_at(int i)
{
	return priority_name((enum priority)i);
}

static const char *sla_at(int i)
{
	return queue_sla_name((enum queue_sla)i);
}

static json_t *who_json(enum who_kind k, int64_t id, const char *word1)
{
	return k == WHO_ME ? json_string(word1) : k == WHO_NONE ? json_string("none")
							 : json_integer(id);
}

/* The canonical JSON of f (ids, sets in their enumeration's order), in the arena. */
static const char *filter_text(struct arena *a, const struct vfilter *f)
{
	json_t *o = json_object();

	if (f->status)
		json_object_set_new(o, "status", mask_json(f->status, STATUS__COUNT, status_at));
	if (f->priority)
		json_object_set_new(o, "priority",
				    mask_json(f->priority, PRIORITY__COUNT, priority_at));
	if (f->assignee != WHO_ANY)
		json_object_set_new(o, "assignee", who_json(f->assignee, f->assignee_id, "me"));
	if (f->group != WHO_ANY)
		json_object_set_new(o, "group", who_json(f->group, f->group_id, "mine"));
	if (f->ntags) {
		json_t *arr = json_array();
		for (size_t i = 0; i < f->ntags; i++)
			json_array_append_new(arr, json_string(f->tags[i]));
		json_object_set_new(o, "tags", arr);
	}
	if (f->sla)
		json_object_set_new(o, "sla", mask_json(f->sla, QUEUE_SLA__COUNT, sla_at));
	if (f->soon_minutes)
		json_object_set_new(o, "sla_soon_minutes", json_integer(f->soon_minutes));
	if (f->organisation_id)
		json_object_set_new(o, "organisation", json_integer(f->organisation_id));
	return desk_json(a, o);
}

static int64_t soon_ms(const struct vfilter *f)
{
	return (f->soon_minutes ? f->soon_minutes : QUEUE_SOON_MINUTES) * 60000;
}

/*
 * The ticket list's filter for f as the actor reads it at now. False when
 * it can match nothing ("me" or "mine" for the system, which is nobody).
 */
static bool ticket_filter_of(const struct vfilter *f, const struct actor *who, int64_t now,
			     struct ticket_filter *tf)
{
	int64_t from[2], to[2];

	*tf = (struct ticket_filter){
		.status = -1,
		.status_mask = f->status,
		.priority_mask = f->priority,
		.tags = f->tags,
		.ntags = f->ntags,
		.organisation_id = f->organisation_id,
		.viewer_role = who->role,
		.viewer_id = who->user_id,
		.viewer_org_id = who->organisation_id,
	};
	if ((f->assignee == WHO_ME || f->group == WHO_ME) && !who->user_id)
		return false;
	if (f->assignee == WHO_ME)
		tf->assignee_id = who->user_id;
	else if (f->assignee == WHO_NONE)
		tf->assignee_id = -1;
	else if (f->assignee == WHO_ID)
		tf->assignee_id = f->assignee_id;
	if (f->group == WHO_ME)
		tf->group_member_id = who->user_id;
	else if (f->group == WHO_NONE)
		tf->no_group = true;
	else if (f->group == WHO_ID)
		tf->group_id = f->group_id;
	tf->nsla = queue_sla_ranges(f->sla, now, soon_ms(f), from, to);
	for (size_t i = 0; i < tf->nsla; i++) {
		tf->sla_from[i] = from[i];
		tf->sla_to[i] = to[i];
	}
	return true;
}

/* The view with this id if the actor sees it; ERR_NOT_FOUND otherwise. */
static enum err_code visible_view(struct desk *d, const struct actor *who, struct arena *a,
				  int64_t id, struct view_row *out, struct err *e)
{
	enum err_code rc = repo_view_get(desk_db(d), a, id, out, e);
	if (!rc && !queue_view_visible(out->owner_id, who->user_id))
		rc = err_set(e, ERR_NOT_FOUND, "no view #%" PRId64, id);
	return rc;
}

/* How many tickets v holds for the actor at now. */
static enum err_code count_view(struct desk *d, const struct actor *who, struct arena *a,
				const struct view_row *v, int64_t now, int64_t *n, struct err *e)
{
	struct vfilter f;
	struct ticket_filter tf;
	enum err_code rc = filter_parse(d, a, v->filter, false, &f, e);

	*n = 0;
	if (rc || !ticket_filter_of(&f, who, now, &tf))
		return rc;
	return repo_ticket_count(desk_db(d), &tf, n, e);
}

static enum err_code view_list(struct desk *d, const struct actor *who, struct arena *a,
			       bool counts, struct rows *out, struct err *e)
{
	struct rows rows;
	int64_t now = time_now_ms();
	enum err_code rc = repo_view_list(desk_db(d), a, who->user_id, &rows, e);

	for (size_t i = 0; !rc && i < rows.count; i++) {
		struct view_info *vi = rows_push(a, out);
		vi->row = *ROWS_AT(&rows, struct view_row, i);
		vi->count = -1;
		if (counts)
			rc = count_view(d, who, a, &vi->row, now, &vi->count, e);
	}
	return rc;
}

enum err_code desk_view_list(struct desk *d, const struct actor *who, struct arena *a,
			     bool counts, struct rows *out, struct err *e)
{
	enum err_code rc;

	rows_init(out, sizeof(struct view_info));
	if ((rc = desk_require(who, ACT_VIEWS, e)) || (rc = db_begin_read(desk_db(d), e)))
		return rc;
	return desk_read_end(d, view_list(d, who, a, counts, out, e), e);
}

/* One view with its count. */
static enum err_code view_get(struct desk *d, const struct actor *who, struct arena *a,
			      int64_t id, const char *name, struct view_info *out, struct err *e)
{
	enum err_code rc;

	if (name) {
		rc = repo_view_by_name(desk_db(d), a, who->user_id, name_norm(a, name), &out->row, e);
		if (rc == ERR_NOT_FOUND)
			err_set(e, ERR_NOT_FOUND, "no view named '%s'", name);
	} else {
		rc = visible_view(d, who, a, id, &out->row, e);
	}
	if (!rc)
		rc = count_view(d, who, a, &out->row, time_now_ms(), &out->count, e);
	return rc;
}

enum err_code desk_view_get(struct desk *d, const struct actor *who, struct arena *a,
			    int64_t id, struct view_info *out, struct err *e)
{
	enum err_code rc;

	if ((rc = desk_require(who, ACT_VIEWS, e)) || (rc = db_begin_read(desk_db(d), e)))
		return rc;
	return desk_read_end(d, view_get(d, who, a, id, NULL, out, e), e);
}

enum err_code desk_view_find(struct desk *d, const struct actor *who, struct arena *a,
			     const char *name_or_id, struct view_info *out, struct err *e)
{
	const char *s = name_or_id && *name_or_id == '#' ? name_or_id + 1 : name_or_id;
	int64_t id = 0;
	enum err_code rc;

	if (!s || !*s)
		return err_set(e, ERR_INVALID, "which view: give its name or id");
	if ((rc = desk_require(who, ACT_VIEWS, e)) || (rc = db_begin_read(desk_db(d), e)))
		return rc;
	if (str_parse_int64(s, 1, INT64_MAX, &id) < 0)
		id = 0;
	return desk_read_end(d, view_get(d, who, a, id, id ? NULL : name_or_id, out, e), e);
}

/* A user of the page read before, or NULL: a queue names few people many times. */
static const struct user_row *seen_user(const struct rows *names, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++) {
		const struct ticket_names *x = ROWS_AT(names, struct ticket_names, i);
		if (x->requester.id == id)
			return &x->requester;
	}
	return NULL;
}

/* The names each ticket of the page shows: requester, assignee, group, tags. */
static enum err_code name_tickets(struct desk *d, struct arena *a, struct view_page *p,
				  struct err *e)
{
	struct db *db = desk_db(d);
	enum err_code rc = ERR_OK;

	for (size_t i = 0; i < p->tickets.count && !rc; i++) {
		const struct ticket_row *t = ROWS_AT(&p->tickets, struct ticket_row, i);
		struct ticket_names *x = rows_push(a, &p->names);
		const struct user_row *u = seen_user(&p->names, i, t->requester_id);
		struct user_row who;
		struct group_row g;

		memset(x, 0, sizeof(*x));
		if (u)
			x->requester = *u;
		else if ((rc = repo_user_get(db, a, t->requester_id, &x->requester, e)))
			break;
		if (t->assignee_id) {
			const struct ticket_names *prev = NULL;
			for (size_t k = 0; k < i && !prev; k++) {
				const struct ticket_names *y = ROWS_AT(&p->names, struct ticket_names, k);
				const struct ticket_row *tk = ROWS_AT(&p->tickets, struct ticket_row, k);
				if (tk->assignee_id == t->assignee_id)
					prev = y;
			}
			if (prev) {
				x->assignee_email = prev->assignee_email;
				x->assignee_name = prev->assignee_name;
			} else if (!(rc = repo_user_get(db, a, t->assignee_id, &who, e))) {
				x->assignee_email = who.email;
				x->assignee_name = who.name;
			}
		}
		if (!rc && t->group_id && !(rc = repo_group_get(db, a, t->group_id, &g, e)))
			x->group = g.name;
		if (!rc)
			rc = repo_tags_get(db, a, t->id, &x->tags, e);
	}
	return rc;
}

static enum err_code view_tickets(struct desk *d, const struct actor *who, struct arena *a,
				  int64_t id, int64_t cursor, int limit, struct view_page *out,
				  struct err *e)
{
	struct vfilter f;
	struct ticket_filter tf;
	enum err_code rc = visible_view(d, who, a, id, &out->view, e);

	if (rc || (rc = filter_parse(d, a, out->view.filter, false, &f, e)))
		return rc;
	out->now = time_now_ms();
	out->soon_ms = soon_ms(&f);
	if (!ticket_filter_of(&f, who, out->now, &tf))
		return ERR_OK;
	tf.before_id = cursor;
	tf.by_due = out->view.by_due;
	tf.limit = limit;
	if ((rc = repo_ticket_list(desk_db(d), a, &tf, &out->tickets, e)))
		return rc;
	return name_tickets(d, a, out, e);
}

enum err_code desk_view_tickets(struct desk *d, const struct actor *who, struct arena *a,
				int64_t id, int64_t cursor, int limit, struct view_page *out,
				struct err *e)
{
	enum err_code rc;

	memset(out, 0, sizeof(*out));
	rows_init(&out->tickets, sizeof(struct ticket_row));
	rows_init(&out->names, sizeof(struct ticket_names));
	if (!limit)
		limit = 50;
	if (limit < 1 || limit > DESK_LIST_MAX)
		return err_set(e, ERR_INVALID, "limit must be between 1 and %d", DESK_LIST_MAX);
	if (cursor < 0)
		return err_set(e, ERR_INVALID, "cursor must be a positive ticket id");
	if ((rc = desk_require(who, ACT_VIEWS, e)) || (rc = db_begin_read(desk_db(d), e)))
		return rc;
	return desk_read_end(d, view_tickets(d, who, a, id, cursor, limit, out, e), e);
}

static enum err_code view_sql(struct desk *d, const struct actor *who, struct arena *a,
			      int64_t id, bool count, struct buf *out, struct err *e)
{
	struct view_row v;
	struct vfilter f;
	struct ticket_filter tf;
	enum err_code rc = visible_view(d, who, a, id, &v, e);

	if (rc || (rc = filter_parse(d, a, v.filter, false, &f, e)))
		return rc;
	if (ticket_filter_of(&f, who, time_now_ms(), &tf)) {
		tf.by_due = v.by_due;
		repo_ticket_sql(&tf, count ? TICKET_SQL_COUNT : TICKET_SQL_ROWS, out);
	}
	return ERR_OK;
}

enum err_code desk_view_sql(struct desk *d, const struct actor *who, int64_t id, bool count,
			    struct buf *out, struct err *e)
{
	struct arena a;
	enum err_code rc;

	if ((rc = desk_require(who, ACT_VIEWS, e)) || (rc = db_begin_read(desk_db(d), e)))
		return rc;
	arena_init(&a);
	rc = desk_read_end(d, view_sql(d, who, &a, id, count, out, e), e);
	arena_release(&a);
	return rc;
}

/* The input's name and filter checked, the filter made canonical into v. */
static enum err_code check_in(struct desk *d, struct arena *a, const struct view_in *in,
			      struct view_row *v, struct err *e)
{
	enum err_code rc;
	struct vfilter f;

	if (in->name) {
		if ((rc = desk_check_text("view name", in->name, DESK_NAME_MAX, false, e)))
			return rc;
		v->name = in->name;
	}
	if (in->filter) {
		if ((rc = filter_parse(d, a, in->filter, true, &f, e)))
			return rc;
		v->filter = filter_text(a, &f);
	}
	if (in->by_due >= 0)
		v->by_due = in->by_due != 0;
	if (in->position < 0)
		return err_set(e, ERR_INVALID, "position must be a positive number");
	if (in->position)
		v->position = in->position;
	return ERR_OK;
}

static enum err_code view_add(struct desk *d, const struct actor *who, struct arena *a,
			      const struct view_in *in, int64_t *id, struct err *e)
{
	struct view_row v = {.owner_id = in->shared ? 0 : who->user_id, .filter = "{}",
			     .by_due = true, .created_at = time_now_ms()};
	struct rows rows;
	size_t mine = 0;
	enum err_code rc;

	if ((rc = check_in(d, a, in, &v, e)) ||
	    (rc = repo_view_list(desk_db(d), a, who->user_id, &rows, e)))
		return rc;
	for (size_t i = 0; i < rows.count; i++)
		mine += ROWS_AT(&rows, struct view_row, i)->owner_id == v.owner_id;
	if (mine >= DESK_VIEWS_MAX)
		return err_set(e, ERR_CONFLICT, "%s already %d views: remove one first",
			       in->shared ? "the desk has" : "you have", DESK_VIEWS_MAX);
	return repo_view_insert(desk_db(d), &v, name_norm(a, v.name), id, e);
}

enum err_code desk_view_add(struct desk *d, const struct actor *who, const struct view_in *in,
			    int64_t *id, struct err *e)
{
	struct arena a;
	enum err_code rc;

	if ((rc = desk_require(who, ACT_VIEWS, e)) ||
	    (in->shared && (rc = desk_require(who, ACT_VIEWS_SHARED, e))))
		return rc;
	if (!in->shared && !who->user_id)
		return err_set(e, ERR_INVALID, "the system has no views of its own: add a shared "
				"view, or act as a user");
	if (!in->name)
		return err_set(e, ERR_INVALID, "a view needs a name");
	arena_init(&a);
	if (!(rc = db_begin(desk_db(d), e))) {
		if ((rc = view_add(d, who, &a, in, id, e)) || (rc = db_commit(desk_db(d), e)))
			db_rollback(desk_db(d));
	}
	arena_release(&a);
	return rc;
}

/* The view id, loaded for a change: visible, and editable by the actor. */
static enum err_code editable_view(struct desk *d, const struct actor *who, struct arena *a,
				   int64_t id, struct view_row *v, struct err *e)
{
	enum err_code rc = visible_view(d, who, a, id, v, e);
	if (!rc && !queue_view_editable(v->owner_id, who->user_id,
					perm_allows(who->role, ACT_VIEWS_SHARED)))
		rc = err_set(e, ERR_FORBIDDEN, "'%s' is shared by the desk: only an admin can "
				"change it", v->name);
	return rc;
}

static enum err_code view_edit(struct desk *d, const struct actor *who, struct arena *a,
			       int64_t id, const struct view_in *in, struct err *e)
{
	struct view_row v;
	enum err_code rc;

	if ((rc = editable_view(d, who, a, id, &v, e)) || (rc = check_in(d, a, in, &v, e)))
		return rc;
	v.updated_at = time_now_ms();
	if (in->position &&
	    (rc = repo_view_make_room(desk_db(d), v.owner_id, in->position, v.id, e)))
		return rc;
	return repo_view_update(desk_db(d), &v, name_norm(a, v.name), e);
}

enum err_code desk_view_edit(struct desk *d, const struct actor *who, int64_t id,
			     const struct view_in *in, struct err *e)
{
	struct arena a;
	enum err_code rc;

	if ((rc = desk_require(who, ACT_VIEWS, e)))
		return rc;
	arena_init(&a);
	if (!(rc = db_begin(desk_db(d), e))) {
		if ((rc = view_edit(d, who, &a, id, in, e)) || (rc = db_commit(desk_db(d), e)))
			db_rollback(desk_db(d));
	}
	arena_release(&a);
	return rc;
}

enum err_code desk_view_remove(struct desk *d, const struct actor *who, int64_t id,
			       struct err *e)
{
	struct arena a;
	struct view_row v;
	enum err_code rc;

	if ((rc = desk_require(who, ACT_VIEWS, e)))
		return rc;
	arena_init(&a);
	if (!(rc = db_begin(desk_db(d), e))) {
		if ((rc = editable_view(d, who, &a, id, &v, e)) ||
		    (rc = repo_view_delete(desk_db(d), id, e)) || (rc = db_commit(desk_db(d), e)))
			db_rollback(desk_db(d));
	}
	arena_release(&a);
	return rc;
}
