/* cmd_ticket.c - champion ticket: create, list, search, show, reply, note, set, merge, link, events. */
#include "util/common.h"
#include "cmd/cmd.h"
#include "desk/view.h"
#include "util/str.h"
#include "util/time.h"
#include "util/xalloc.h"

#include <jansson.h>
#include <sys/stat.h>

static const char usage[] =
	"usage: champion ticket create --subject TEXT --requester EMAIL [--name NAME]\n"
	"                              (--body TEXT | --body-file FILE | --body -)\n"
	"                              [--priority P] [--group NAME] [--assignee EMAIL]\n"
	"                              [--tag TAG]... [--attach FILE]... [--channel C]\n"
	"       champion ticket list [--status S] [--assignee EMAIL|none] [--group NAME]\n"
	"                            [--requester EMAIL] [--tag TAG] [--updated-since TIME]\n"
	"                            [--order newest|due] [--limit N] [--cursor ID] [--json]\n"
	"       champion ticket search QUERY [--status S] [--assignee EMAIL|none]\n"
	"                            [--requester EMAIL] [--tag TAG] [--limit N]\n"
	"                            [--cursor N] [--json]\n"
	"       champion ticket show ID [--json]\n"
	"       champion ticket reply ID (--body TEXT | --body-file FILE | --body -)\n"
	"                                [--status S] [--attach FILE]...\n"
	"       champion ticket note ID (--body TEXT | --body-file FILE | --body -)\n"
	"       champion ticket set ID [--status S] [--priority P] [--subject TEXT]\n"
	"                              [--assignee EMAIL|none] [--group NAME|none]\n"
	"                              [--tag TAG]... [--untag TAG]... [--follower EMAIL]...\n"
	"                              [--unfollow EMAIL]... [--if-version N]\n"
	"       champion ticket merge ID --into TARGET\n"
	"       champion ticket link ID OTHER [--kind related|incident]\n"
	"       champion ticket events ID [--json]\n"
	"\n"
	"Tickets and their conversation. Replies and notes need an author: pass the\n"
	"global --as EMAIL. Statuses: new, open, pending, on_hold, solved, closed;\n"
	"priorities: low, normal, high, urgent. TIME is ISO 8601 (2026-11-22 or\n"
	"2026-11-22T09:30:00Z). A reply to a closed ticket starts a new ticket linked\n"
	"to it. 'set' with --if-version refuses to change a ticket someone else changed\n"
	"since you read it. 'list' pages newest first: pass the last ID as --cursor for\n"
	"the next page. --order due lists by what is due instead: breached SLA targets\n"
	"first (oldest breach first), then the soonest due, then the longest customer\n"
	"wait among tickets without a target. 'show' includes the ticket's SLA clocks.\n"
	"\n"
	"'search' finds tickets by the words of their subject and messages, best match\n"
	"first (relevance, then recency), with the matching passage. QUERY: words (all\n"
	"must appear), \"a phrase\", prefix* (2 characters or more), -excluded,\n"
	"either OR other. Case, accents and word endings do not matter: 'connecting'\n"
	"finds 'connection'. Pass next_cursor (--json) as --cursor for the next page.\n";

#define MAX_MULTI 64

struct opts {
	const char *subject, *requester, *name, *body, *body_file, *group, *assignee, *channel;
	const char *into, *kind, *requester_filter, *updated_since;
	const char *tags[MAX_MULTI], *untags[MAX_MULTI], *attach[MAX_MULTI];
	const char *follow[MAX_MULTI], *unfollow[MAX_MULTI];
	size_t ntags, nuntags, nattach, nfollow, nunfollow;
	int status, priority, limit;
	int64_t cursor, if_version, updated_ms;
	bool json, by_due;
};

static int push(const char **arr, size_t *n, const char *v, const char *what)
{
	if (*n == MAX_MULTI)
		return cmd_usage_error(&cmd_ticket, "more than %d %s options", MAX_MULTI, what);
	arr[(*n)++] = v;
	return 0;
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{"subject", required_argument, NULL, 's'},
		{"requester", required_argument, NULL, 'r'},
		{"name", required_argument, NULL, 'N'},
		{"body", required_argument, NULL, 'b'},
		{"body-file", required_argument, NULL, 'B'},
		{"priority", required_argument, NULL, 'p'},
		{"status", required_argument, NULL, 'S'},
		{"group", required_argument, NULL, 'g'},
		{"assignee", required_argument, NULL, 'a'},
		{"tag", required_argument, NULL, 't'},
		{"untag", required_argument, NULL, 'T'},
		{"attach", required_argument, NULL, 'A'},
		{"channel", required_argument, NULL, 'c'},
		{"follower", required_argument, NULL, 'f'},
		{"unfollow", required_argument, NULL, 'F'},
		{"into", required_argument, NULL, 'i'},
		{"kind", required_argument, NULL, 'k'},
		{"updated-since", required_argument, NULL, 'u'},
		{"limit", required_argument, NULL, 'l'},
		{"cursor", required_argument, NULL, 'C'},
		{"if-version", required_argument, NULL, 'v'},
		{"json", no_argument, NULL, 'j'},
		{"order", required_argument, NULL, 'O'},
		{0},
	};
	bool started = false;
	int opt, st;
	int64_t n;

	while ((opt = cmd_getopt("ticket", argc, argv, "", longopts, &started)) != -1) {
		st = 0;
		switch (opt) {
		case 's':
			o->subject = optarg;
			break;
		case 'r':
			o->requester = optarg;
			break;
		case 'N':
			o->name = optarg;
			break;
		case 'b':
			o->body = optarg;
			break;
		case 'B':
			o->body_file = optarg;
			break;
		case 'p':
			if ((o->priority = priority_parse(optarg)) < 0)
				return cmd_usage_error(&cmd_ticket, "priority '%s' is not one of %s",
						       optarg, priority_names());
			break;
		case 'S':
			if ((o->status = status_parse(optarg)) < 0)
				return cmd_usage_error(&cmd_ticket, "status '%s' is not one of %s",
						       optarg, status_names());
			break;
		case 'g':
			o->group = optarg;
			break;
		case 'a':
			o->assignee = optarg;
			break;
		case 't':
			st = push(o->tags, &o->ntags, optarg, "--tag");
			break;
		case 'T':
			st = push(o->untags, &o->nuntags, optarg, "--untag");
			break;
		case 'A':
			st = push(o->attach, &o->nattach, optarg, "--attach");
			break;
		case 'f':
			st = push(o->follow, &o->nfollow, optarg, "--follower");
			break;
		case 'F':
			st = push(o->unfollow, &o->nunfollow, optarg, "--unfollow");
			break;
		case 'c':
			o->channel = optarg;
			break;
		case 'i':
			o->into = optarg;
			break;
		case 'k':
			o->kind = optarg;
			break;
		case 'u':
			if (time_parse_iso(optarg, &o->updated_ms) < 0)
				return cmd_usage_error(&cmd_ticket, "--updated-since '%s' is not an ISO "
						       "8601 time (2026-11-22 or 2026-11-22T09:30:00Z)",
						       optarg);
			o->updated_since = optarg;
			break;
		case 'l':
			if (str_parse_int64(optarg, 1, DESK_LIST_MAX, &n) < 0)
				return cmd_usage_error(&cmd_ticket, "--limit wants a number from 1 to %d",
						       DESK_LIST_MAX);
			o->limit = (int)n;
			break;
		case 'C':
			if (cmd_parse_ticket_id(optarg, &o->cursor) < 0)
				return cmd_usage_error(&cmd_ticket, "--cursor wants a ticket id (list) "
						       "or a next_cursor (search)");
			break;
		case 'v':
			if (str_parse_int64(optarg, 1, INT64_MAX, &o->if_version) < 0)
				return cmd_usage_error(&cmd_ticket, "--if-version wants a positive number");
			break;
		case 'j':
			o->json = true;
			break;
		case 'O':
			if (strcmp(optarg, "due") != 0 && strcmp(optarg, "newest") != 0)
				return cmd_usage_error(&cmd_ticket, "--order wants newest or due");
			o->by_due = strcmp(optarg, "due") == 0;
			break;
		default:
			return EX_USAGE;
		}
		if (st)
			return st;
	}
	return 0;
}

/* The message body from --body TEXT, --body - (stdin) or --body-file; malloc'd. */
static char *read_body(const struct opts *o, struct err *e)
{
	size_t len;

	if (o->body && o->body_file) {
		err_set(e, ERR_INVALID, "give --body or --body-file, not both");
		return NULL;
	}
	if (o->body_file)
		return cmd_read_file(o->body_file, DESK_BODY_MAX, &len, e);
	if (!o->body) {
		err_set(e, ERR_INVALID, "a message is required: --body TEXT, --body-file FILE, or "
			"--body - for standard input");
		return NULL;
	}
	if (strcmp(o->body, "-") == 0)
		return cmd_read_stdin(DESK_BODY_MAX, &len, e);
	return xstrdup(o->body);
}

/* Reads --attach files; the data lives until the arena is released. */
static enum err_code read_attachments(struct cmd_ctx *ctx, const struct opts *o, size_t max,
				      struct attachment_in **out, struct err *e)
{
	*out = arena_array(&ctx->arena, o->nattach ? o->nattach : 1, sizeof(**out));
	for (size_t i = 0; i < o->nattach; i++) {
		const char *slash = strrchr(o->attach[i], '/');
		struct stat sb;
		size_t len;
		char *data;

		if (stat(o->attach[i], &sb) == 0 && S_ISREG(sb.st_mode) && (size_t)sb.st_size > max)
			return err_set(e, ERR_INVALID,
				       "attachment '%s' is %lld bytes; the limit is %zu bytes "
				       "(attachments.max_bytes)",
				       o->attach[i], (long long)sb.st_size, max);
		if (!(data = cmd_read_file(o->attach[i], max, &len, e)))
			return e->code;
		arena_cleanup_add(&ctx->arena, free, data);
		(*out)[i].filename = slash ? slash + 1 : o->attach[i];
		(*out)[i].data = data;
		(*out)[i].len = len;
		(*out)[i].content_type = NULL;
	}
	return ERR_OK;
}

static void dump(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	putchar('\n');
	json_decref(j);
}

static void show_text(struct cmd_ctx *ctx, const struct ticket_view *v)
{
	const struct ticket_row *t = &v->ticket;

	printf("ticket #%" PRId64 ": %s\n", t->id, t->subject);
	printf("status:     %s\npriority:   %s\n", status_name(t->status),
	       priority_name(t->priority));
	printf("requester:  %s <%s>\n", v->requester.name, v->requester.email);
	printf("assignee:   %s\ngroup:      %s\n", v->assignee_email ? v->assignee_email : "-",
	       v->group_name ? v->group_name : "-");
	printf("channel:    %s\ncreated:    %s\nupdated:    %s\n", channel_name(t->channel),
	       cmd_time(ctx, t->created_at), cmd_time(ctx, t->updated_at));
	printf("first reply: %s\n", cmd_time(ctx, t->first_response_at));
	if (t->solved_at)
		printf("solved:     %s\n", cmd_time(ctx, t->solved_at));
	if (t->merged_into_id)
		printf("merged into: #%" PRId64 "\n", t->merged_into_id);
	printf("version:    %" PRId64 "\n", t->version);
	if (v->tags.count) {
		printf("tags:      ");
		for (size_t i = 0; i < v->tags.count; i++)
			printf(" %s", *ROWS_AT(&v->tags, const char *, i));
		putchar('\n');
	}
	for (size_t i = 0; i < v->followers.count; i++)
		printf("follower:   %s\n", ROWS_AT(&v->followers, struct user_row, i)->email);
	for (size_t i = 0; i < v->links.count; i++) {
		struct link_row *l = ROWS_AT(&v->links, struct link_row, i);
		printf("link:       #%" PRId64 " %s #%" PRId64 "\n", l->ticket_id,
		       link_kind_name(l->kind), l->other_id);
	}
	for (size_t i = 0; i < v->messages.count; i++) {
		struct message_row *m = ROWS_AT(&v->messages, struct message_row, i);
		printf("\n--- %s by user #%" PRId64 " (%s) at %s via %s ---\n",
		       m->kind == MSG_PUBLIC ? "reply" : "internal note", m->author_id,
		       role_name(m->author_role), cmd_time(ctx, m->created_at),
		       channel_name(m->channel));
		printf("%s\n", m->body_text);
		for (size_t k = 0; k < v->attachments.count; k++) {
			struct attachment_row *x = ROWS_AT(&v->attachments, struct attachment_row, k);
			if (x->message_id == m->id)
				printf("[attachment] %s (%s, %" PRId64 " bytes)\n", x->filename,
				       x->content_type, x->size);
		}
		if (m->delivery)
			printf("[mail] %s <%s>%s%s\n", m->delivery, m->mail_id ? m->mail_id : "",
			       m->delivery_detail ? ": " : "",
			       m->delivery_detail ? m->delivery_detail : "");
	}
}

static void sla_text(struct cmd_ctx *ctx, const struct ticket_sla *s)
{
	printf("sla policy: %s\n", s->policy_name ? s->policy_name : "-");
	for (size_t i = 0; i < s->clocks.count; i++) {
		struct sla_clock_row *c = ROWS_AT(&s->clocks, struct sla_clock_row, i);
		printf("sla %-15s %-17s target %" PRId64 "m %s, due %s", c->metric,
		       view_sla_clock_state(c),
		       c->target_ms / 60000, c->business ? "business" : "calendar",
		       cmd_time(ctx, c->due_at));
		if (c->achieved_at)
			printf(", achieved %s", cmd_time(ctx, c->achieved_at));
		if (c->breached_at)
			printf(", breached %s", cmd_time(ctx, c->breached_at));
		if (c->paused_since)
			printf(", paused since %s", cmd_time(ctx, c->paused_since));
		putchar('\n');
	}
}

static enum err_code do_list(struct cmd_ctx *ctx, struct desk *d, const struct actor *who,
			     const struct opts *o, struct err *e)
{
	struct ticket_query q = {
		.status = o->status,
		.assignee_email = o->assignee,
		.group = o->group,
		.requester_email = o->requester,
		.tag = o->ntags ? o->tags[0] : NULL,
		.before_id = o->cursor,
		.by_due = o->by_due,
		.limit = o->limit,
	};
	struct rows rows;
	enum err_code rc;

	q.updated_since = o->updated_ms;
	if ((rc = desk_ticket_list(d, who, &ctx->arena, &q, &rows, e)))
		return rc;
	if (o->json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < rows.count; i++)
			json_array_append_new(arr, view_ticket_json(ROWS_AT(&rows, struct ticket_row, i)));
		int64_t last = rows.count ? ROWS_AT(&rows, struct ticket_row, rows.count - 1)->id : 0;
		int limit = q.limit ? q.limit : 50;
		dump(view_page_json("tickets", arr, last, (int)rows.count == limit));
		return ERR_OK;
	}
	printf("%-7s %-8s %-7s %-16s %s\n", "ID", "STATUS", "PRIO", "UPDATED", "SUBJECT");
	for (size_t i = 0; i < rows.count; i++) {
		struct ticket_row *t = ROWS_AT(&rows, struct ticket_row, i);
		printf("%-7" PRId64 " %-8s %-7s %-16s %s\n", t->id, status_name(t->status),
		       priority_name(t->priority), cmd_time(ctx, t->updated_at), t->subject);
	}
	return ERR_OK;
}

/* A snippet (HTML, matches in <mark>) as plain text, matches in [brackets]. */
static const char *snippet_text(struct arena *a, const char *html)
{
	static const struct {
		const char *from, *to;
	} map[] = {{"<mark>", "["}, {"</mark>", "]"}, {"&amp;", "&"}, {"&lt;", "<"},
		   {"&gt;", ">"},     {"&quot;", "\""}, {"&#39;", "'"}};
	char *out = arena_alloc(a, strlen(html) + 1), *o = out;

	while (*html) {
		size_t i;
		for (i = 0; i < ARRAY_SIZE(map); i++)
			if (str_starts_with(html, map[i].from))
				break;
		if (i < ARRAY_SIZE(map)) {
			*o++ = map[i].to[0]; /* every replacement is one character */
			html += strlen(map[i].from);
		} else {
			*o++ = *html++;
		}
	}
	*o = '\0';
	return out;
}

static enum err_code do_search(struct cmd_ctx *ctx, struct desk *d, const struct actor *who,
			       const char *text, const struct opts *o, struct err *e)
{
	struct search_query q = {
		.text = text,
		.status = o->status,
		.assignee_email = o->assignee,
		.requester_email = o->requester,
		.tag = o->ntags ? o->tags[0] : NULL,
		.offset = o->cursor,
		.limit = o->limit,
	};
	struct search_result res;
	enum err_code rc;

	if ((rc = desk_search(d, who, &ctx->arena, &q, &res, e)))
		return rc;
	if (o->json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < res.hits.count; i++)
			json_array_append_new(arr, view_search_hit_json(ROWS_AT(
							   &res.hits, struct search_result_hit, i)));
		dump(view_page_json("results", arr, res.next_offset, res.next_offset > 0));
		return ERR_OK;
	}
	printf("%-7s %-8s %-16s %s\n", "ID", "STATUS", "UPDATED", "SUBJECT");
	for (size_t i = 0; i < res.hits.count; i++) {
		struct search_result_hit *h = ROWS_AT(&res.hits, struct search_result_hit, i);
		printf("%-7" PRId64 " %-8s %-16s %s\n        %s\n", h->ticket.id,
		       status_name(h->ticket.status), cmd_time(ctx, h->ticket.updated_at),
		       h->ticket.subject, snippet_text(&ctx->arena, h->snippet));
	}
	if (res.next_offset)
		printf("(more: --cursor %" PRId64 ")\n", res.next_offset);
	return ERR_OK;
}

static enum err_code do_events(struct cmd_ctx *ctx, struct desk *d, const struct actor *who,
			       int64_t id, bool json, struct err *e)
{
	struct rows rows;
	enum err_code rc = desk_ticket_events(d, who, &ctx->arena, id, &rows, e);
	json_t *arr = json ? json_array() : NULL;

	if (rc)
		return rc;
	for (size_t i = 0; i < rows.count; i++) {
		struct event_row *ev = ROWS_AT(&rows, struct event_row, i);
		if (json) {
			json_array_append_new(arr, view_event_json(ev));
			continue;
		}
		printf("%s  %-22s", cmd_time(ctx, ev->created_at), ev->kind);
		if (ev->actor_id)
			printf(" by #%" PRId64, ev->actor_id);
		if (ev->field)
			printf(" %s: %s -> %s", ev->field, ev->old_value ? ev->old_value : "-",
			       ev->new_value ? ev->new_value : "-");
		if (ev->data)
			printf(" %s", ev->data);
		putchar('\n');
	}
	if (json)
		dump(arr);
	return ERR_OK;
}

static int run(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const char *const verbs[] = {"create", "list", "search", "show", "reply",
					    "note", "set", "merge", "link", "events"};
	struct opts o = {.status = -1, .priority = -1};
	struct err e = ERR_INIT;
	struct desk *d = NULL;
	struct actor who;
	const char *verb;
	char *body = NULL;
	int64_t id = 0, other = 0;
	int status;
	size_t v;

	if (argc < 2)
		return cmd_usage_error(&cmd_ticket, "which one: create, list, show, search, reply, "
				       "note, set, merge, link or events?");
	verb = argv[1];
	for (v = 0; v < ARRAY_SIZE(verbs); v++)
		if (strcmp(verb, verbs[v]) == 0)
			break;
	if (v == ARRAY_SIZE(verbs))
		return cmd_usage_error(&cmd_ticket, "'%s' is not a ticket command", verb);
	if ((status = parse(argc - 1, argv + 1, &o)))
		return status;
	int nargs = argc - 1 - optind;
	char **args = argv + 1 + optind;
	bool searching = strcmp(verb, "search") == 0;
	bool takes_id = strcmp(verb, "create") != 0 && strcmp(verb, "list") != 0 && !searching;
	int want = searching ? 1 : !takes_id ? 0 : strcmp(verb, "link") == 0 ? 2 : 1;

	if (nargs != want)
		return cmd_usage_error(&cmd_ticket, "%s wants %s", verb,
				       searching   ? "one QUERY (quote it: 'refund invoice')"
				       : want == 0 ? "no arguments"
				       : want == 1 ? "one ticket ID"
						   : "two ticket IDs");
	if (takes_id && cmd_parse_ticket_id(args[0], &id) < 0)
		return cmd_usage_error(&cmd_ticket, "'%s' is not a ticket id", args[0]);
	if (want == 2 && cmd_parse_ticket_id(args[1], &other) < 0)
		return cmd_usage_error(&cmd_ticket, "'%s' is not a ticket id", args[1]);
	if ((strcmp(verb, "list") == 0 || searching) && o.ntags > 1)
		return cmd_usage_error(&cmd_ticket, "%s filters on one --tag", verb);
	if (strcmp(verb, "merge") == 0 && (!o.into || cmd_parse_ticket_id(o.into, &other) < 0))
		return cmd_usage_error(&cmd_ticket, "merge wants --into TARGET, a ticket id");
	if ((status = cmd_open_desk(ctx, false, &d)) || (status = cmd_actor(ctx, d, &who)))
		goto out;

	if (strcmp(verb, "create") == 0) {
		struct ticket_new_in in = {
			.subject = o.subject,
			.requester_email = o.requester,
			.requester_name = o.name,
			.priority = o.priority,
			.group = o.group,
			.assignee_email = o.assignee,
			.tags = o.tags,
			.ntags = o.ntags,
			.channel = CHANNEL_CLI,
		};
		struct attachment_in *att;
		if (!o.subject) {
			status = cmd_usage_error(&cmd_ticket, "create wants --subject TEXT");
			goto out;
		}
		if (o.channel) {
			int ch = channel_parse(o.channel);
			if (ch < 0) {
				status = cmd_usage_error(&cmd_ticket, "channel '%s' is not one of %s",
							 o.channel, channel_names());
				goto out;
			}
			in.channel = (enum channel)ch;
		}
		if (!(body = read_body(&o, &e)) ||
		    read_attachments(ctx, &o, d->store.blob_max, &att, &e))
			goto fail;
		in.body = body;
		in.attachments = att;
		in.nattachments = o.nattach;
		if (desk_ticket_create(d, &who, &in, &id, &e))
			goto fail;
		printf("created ticket #%" PRId64 "\n", id);
	} else if (strcmp(verb, "list") == 0) {
		if (do_list(ctx, d, &who, &o, &e))
			goto fail;
	} else if (searching) {
		if (do_search(ctx, d, &who, args[0], &o, &e))
			goto fail;
	} else if (strcmp(verb, "show") == 0) {
		struct ticket_view view;
		struct ticket_sla sla;
		bool staff = role_is_staff(who.role);
		if (desk_ticket_get(d, &who, &ctx->arena, id, &view, &e) ||
		    (staff && desk_ticket_sla(d, &who, &ctx->arena, id, &sla, &e)))
			goto fail;
		if (o.json) {
			json_t *doc = view_ticket_full_json(&view);
			if (staff)
				json_object_set_new(doc, "sla", view_ticket_sla_json(&sla));
			dump(doc);
		} else {
			show_text(ctx, &view);
			if (staff) {
				putchar('\n');
				sla_text(ctx, &sla);
			}
		}
	} else if (strcmp(verb, "reply") == 0 || strcmp(verb, "note") == 0) {
		bool note = verb[0] == 'n';
		struct message_in in = {.kind = note ? MSG_INTERNAL : MSG_PUBLIC,
					.channel = CHANNEL_CLI,
					.status = o.status};
		struct message_out out;
		struct attachment_in *att;
		if (!(body = read_body(&o, &e)) ||
		    read_attachments(ctx, &o, d->store.blob_max, &att, &e))
			goto fail;
		in.body = body;
		in.attachments = att;
		in.nattachments = o.nattach;
		if (desk_message_add(d, &who, id, &in, &out, &e))
			goto fail;
		if (out.follow_up)
			printf("ticket #%" PRId64 " is closed; started follow-up ticket #%" PRId64
			       " with this %s (message #%" PRId64 ")\n",
			       id, out.ticket_id, note ? "note" : "reply", out.message_id);
		else
			printf("added %s #%" PRId64 " to ticket #%" PRId64 " (status %s)\n",
			       note ? "note" : "reply", out.message_id, id, status_name(out.status));
	} else if (strcmp(verb, "set") == 0) {
		struct ticket_change c = {
			.status = o.status,
			.priority = o.priority,
			.subject = o.subject,
			.tags_add = o.tags,
			.ntags_add = o.ntags,
			.tags_remove = o.untags,
			.ntags_remove = o.nuntags,
			.expected_version = o.if_version,
		};
		if (o.assignee)
			c.assignee_email = strcmp(o.assignee, "none") == 0 ? "" : o.assignee;
		if (o.group)
			c.group = strcmp(o.group, "none") == 0 ? "" : o.group;
		c.followers_add = o.follow;
		c.nfollowers_add = o.nfollow;
		c.followers_remove = o.unfollow;
		c.nfollowers_remove = o.nunfollow;
		if (desk_ticket_update(d, &who, id, &c, &e))
			goto fail;
		printf("updated ticket #%" PRId64 "\n", id);
	} else if (strcmp(verb, "merge") == 0) {
		if (desk_ticket_merge(d, &who, id, other, &e))
			goto fail;
		printf("merged ticket #%" PRId64 " into #%" PRId64 "\n", id, other);
	} else if (strcmp(verb, "link") == 0) {
		int kind = o.kind ? link_kind_parse(o.kind) : LINK_RELATED;
		if (kind < 0) {
			status = cmd_usage_error(&cmd_ticket, "link kind '%s' is not related or "
						 "incident", o.kind);
			goto out;
		}
		if (desk_ticket_link(d, &who, id, other, (enum link_kind)kind, &e))
			goto fail;
		printf("linked ticket #%" PRId64 " to #%" PRId64 " (%s)\n", id, other,
		       link_kind_name((enum link_kind)kind));
	} else {
		if (do_events(ctx, d, &who, id, o.json, &e))
			goto fail;
	}
	goto out;
fail:
	status = cmd_fail(&e);
out:
	free(body);
	desk_close(d);
	return status;
}

const struct cmd cmd_ticket = {"ticket", "create, list, show, answer and change tickets", usage,
			       run};
