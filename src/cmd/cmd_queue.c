/* cmd_queue.c - champion queue: the views with their counts, or one view's tickets by what is due. */
#include "util/common.h"
#include "cmd/cmd.h"
#include "desk/view.h"
#include "rules/queue.h"
#include "rules/sla.h"
#include "util/jw.h"
#include "util/str.h"
#include "util/time.h"


static const char usage[] =
	"usage: champion queue [--view NAME|ID] [--limit N] [--cursor ID] [--json]\n"
	"\n"
	"The views you see (pass the global --as EMAIL), each with how many tickets it\n"
	"holds for you now; with --view, that view's tickets, a page at a time, each\n"
	"with its SLA state: breached (a target passed its due time), breaching_soon\n"
	"(due within the view's window, 60 minutes by default), on_track, or none (no\n"
	"target runs: then how long the customer has waited, if they wait). Views\n"
	"order by what is due: breached first (oldest breach first), then the\n"
	"soonest due, then the longest customer wait among tickets without a target.\n"
	"Pass the last ID as --cursor for the next page. The desk's default views:\n"
	"Mine, Unassigned, My groups, Breaching soon, Waiting on engineering (on hold,\n"
	"tagged 'engineering'). 'champion view' adds and changes views.\n";

/* The JSON a jw wrote, indented like the other commands' --json. */
/* A duration for people: "45m", "3h 20m", "2d 4h". */
static const char *span(struct cmd_ctx *ctx, int64_t ms)
{
	int64_t m = (ms < 0 ? -ms : ms) / 60000;
	if (m < 60)
		return arena_printf(&ctx->arena, "%" PRId64 "m", m);
	if (m < 24 * 60)
		return arena_printf(&ctx->arena, "%" PRId64 "h %" PRId64 "m", m / 60, m % 60);
	return arena_printf(&ctx->arena, "%" PRId64 "d %" PRId64 "h", m / 1440, m % 1440 / 60);
}

/* What the SLA says of a ticket: "breached 2h 5m ago", "due in 35m", "waiting 3d 4h". */
static const char *due_text(struct cmd_ctx *ctx, const struct ticket_row *t, int64_t now)
{
	int64_t key = t->sla_sort_key, since = queue_waiting_since(key);

	if (key < SLA_KEY_WAIT)
		return key < now ? arena_printf(&ctx->arena, "breached %s ago (%s)",
						span(ctx, now - key), cmd_time(ctx, key))
				 : arena_printf(&ctx->arena, "due in %s (%s)", span(ctx, key - now),
						cmd_time(ctx, key));
	if (since)
		return arena_printf(&ctx->arena, "waiting %s", span(ctx, now - since));
	return "-";
}

static int list(struct cmd_ctx *ctx, struct desk *d, const struct actor *who, bool json)
{
	struct rows rows;
	struct err e = ERR_INIT;

	if (desk_view_list(d, who, &ctx->arena, true, &rows, &e))
		return cmd_fail(&e);
	if (json) {
		struct buf b = BUF_INIT;
		struct jw w;
		jw_init(&w, &b);
		view_saved_list_write(&w, &rows);
		cmd_print_json(&b);
		return 0;
	}
	printf("%-5s %-30s %8s  %s\n", "ID", "VIEW", "TICKETS", "KIND");
	for (size_t i = 0; i < rows.count; i++) {
		struct view_info *v = ROWS_AT(&rows, struct view_info, i);
		printf("%-5" PRId64 " %-30s %8" PRId64 "  %s\n", v->row.id, v->row.name, v->count,
		       v->row.owner_id ? "personal" : "shared");
	}
	if (!rows.count)
		printf("no views\n");
	return 0;
}

static int page(struct cmd_ctx *ctx, struct desk *d, const struct actor *who, const char *view,
		int64_t cursor, int limit, bool json)
{
	struct view_info vi;
	struct view_page p;
	struct err e = ERR_INIT;

	if (desk_view_find(d, who, &ctx->arena, view, &vi, &e) ||
	    desk_view_tickets(d, who, &ctx->arena, vi.row.id, cursor, limit, &p, &e))
		return cmd_fail(&e);
	bool full = (int)p.tickets.count == (limit ? limit : 50);
	if (json) {
		struct buf b = BUF_INIT;
		struct jw w;
		jw_init(&w, &b);
		view_queue_page_write(&w, &p, full);
		cmd_print_json(&b);
		return 0;
	}
	printf("%s (#%" PRId64 "): %" PRId64 " tickets, %s\n", vi.row.name, vi.row.id, vi.count,
	       vi.row.by_due ? "by what is due" : "newest first");
	printf("%-7s %-8s %-7s %-15s %-40s %s\n", "ID", "STATUS", "PRIO", "SLA", "DUE / WAIT",
	       "SUBJECT");
	for (size_t i = 0; i < p.tickets.count; i++) {
		struct ticket_row *t = ROWS_AT(&p.tickets, struct ticket_row, i);
		printf("%-7" PRId64 " %-8s %-7s %-15s %-40s %s\n", t->id, status_name(t->status),
		       priority_name(t->priority),
		       queue_sla_name(queue_sla_of(t->sla_sort_key, p.now, p.soon_ms)),
		       due_text(ctx, t, p.now), t->subject);
	}
	if (full)
		printf("(more: --cursor %" PRId64 ")\n",
		       ROWS_AT(&p.tickets, struct ticket_row, p.tickets.count - 1)->id);
	return 0;
}

static int run(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"view", required_argument, NULL, 'v'},
		{"limit", required_argument, NULL, 'l'},
		{"cursor", required_argument, NULL, 'c'},
		{"json", no_argument, NULL, 'j'},
		{0},
	};
	const char *view = NULL;
	bool started = false, json = false;
	int64_t limit = 0, cursor = 0;
	struct desk *d = NULL;
	struct actor who;
	int opt, status;

	while ((opt = cmd_getopt("queue", argc, argv, "", opts, &started)) != -1) {
		switch (opt) {
		case 'v':
			view = optarg;
			break;
		case 'l':
			if (str_parse_int64(optarg, 1, DESK_LIST_MAX, &limit) < 0)
				return cmd_usage_error(&cmd_queue, "--limit wants a number from 1 to %d",
						       DESK_LIST_MAX);
			break;
		case 'c':
			if (cmd_parse_ticket_id(optarg, &cursor) < 0)
				return cmd_usage_error(&cmd_queue, "--cursor wants a ticket id");
			break;
		case 'j':
			json = true;
			break;
		default:
			return EX_USAGE;
		}
	}
	if (optind < argc)
		return cmd_usage_error(&cmd_queue, "unexpected argument '%s'", argv[optind]);
	if (!view && (limit || cursor))
		return cmd_usage_error(&cmd_queue, "--limit and --cursor page a --view");
	if ((status = cmd_open_desk(ctx, false, &d)) || (status = cmd_actor(ctx, d, &who)))
		goto out;
	status = view ? page(ctx, d, &who, view, cursor, (int)limit, json) : list(ctx, d, &who, json);
out:
	desk_close(d);
	return status;
}

const struct cmd cmd_queue = {"queue", "the views with their counts, and a view's tickets by what is due", usage, run};
