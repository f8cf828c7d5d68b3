/* cmd_view.c - champion view: list, add, edit and remove saved views. */
#include "util/common.h"
#include "cmd/cmd.h"
#include "desk/view.h"
#include "util/jw.h"
#include "util/str.h"


static const char usage[] =
	"usage: champion view list [--json]\n"
	"       champion view add NAME [--filter JSON] [--order due|newest] [--shared]\n"
	"       champion view edit NAME|ID [--name NAME] [--filter JSON] [--order due|newest]\n"
	"                                  [--position N]\n"
	"       champion view remove NAME|ID\n"
	"\n"
	"A view is a saved filter and order of tickets; 'champion queue' shows them\n"
	"with their counts and pages through their tickets. Views are personal to the\n"
	"user (the global --as EMAIL) unless --shared: shared views are the desk's,\n"
	"seen by all staff and changed by admins only. Customers have no views.\n"
	"\n"
	"--filter is a JSON object; each key is optional and narrows the view:\n"
	"  \"status\": [\"new\",\"open\",\"pending\",\"on_hold\",\"solved\",\"closed\"]  (any of)\n"
	"  \"priority\": [\"low\",\"normal\",\"high\",\"urgent\"]               (any of)\n"
	"  \"assignee\": \"me\" | \"none\" | USER_ID | \"EMAIL\"\n"
	"  \"group\": \"mine\" | \"none\" | GROUP_ID | \"NAME\"   (mine: your groups)\n"
	"  \"tags\": [\"vip\", ...]                                 (all of)\n"
	"  \"sla\": [\"breached\",\"breaching_soon\",\"on_track\",\"none\"]   (any of)\n"
	"  \"sla_soon_minutes\": 60          (the breaching_soon window)\n"
	"  \"organisation\": ORG_ID | \"NAME\"  (the requester's)\n"
	"Names and emails are stored as ids. --order due (the default) lists by what\n"
	"is due; newest lists the newest first. --position moves a view among its\n"
	"kind (shared or personal). A NAME finds your own view before a shared one.\n";

static int list(struct cmd_ctx *ctx, struct desk *d, const struct actor *who, bool json)
{
	struct rows rows;
	struct err e = ERR_INIT;

	if (desk_view_list(d, who, &ctx->arena, false, &rows, &e))
		return cmd_fail(&e);
	if (json) {
		struct buf b = BUF_INIT;
		struct jw w;
		jw_init(&w, &b);
		view_saved_list_write(&w, &rows);
		cmd_print_json(&b);
		return 0;
	}
	for (size_t i = 0; i < rows.count; i++) {
		struct view_info *v = ROWS_AT(&rows, struct view_info, i);
		printf("%" PRId64 ". %s (#%" PRId64 ", %s, %s)\n   %s\n", v->row.position,
		       v->row.name, v->row.id, v->row.owner_id ? "personal" : "shared",
		       v->row.by_due ? "by what is due" : "newest first", v->row.filter);
	}
	if (!rows.count)
		printf("no views\n");
	return 0;
}

static int run(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"filter", required_argument, NULL, 'f'},
		{"order", required_argument, NULL, 'o'},
		{"shared", no_argument, NULL, 's'},
		{"name", required_argument, NULL, 'n'},
		{"position", required_argument, NULL, 'p'},
		{"json", no_argument, NULL, 'j'},
		{0},
	};
	struct view_in in = {.by_due = -1};
	bool started = false, json = false;
	struct err e = ERR_INIT;
	struct desk *d = NULL;
	struct actor who;
	struct view_info vi;
	const char *verb;
	int opt, status;
	int64_t id;

	if (argc < 2)
		return cmd_usage_error(&cmd_view, "which one: list, add, edit or remove?");
	verb = argv[1];
	while ((opt = cmd_getopt("view", argc - 1, argv + 1, "", opts, &started)) != -1) {
		switch (opt) {
		case 'f':
			in.filter = optarg;
			break;
		case 'o':
			if (strcmp(optarg, "due") != 0 && strcmp(optarg, "newest") != 0)
				return cmd_usage_error(&cmd_view, "--order wants due or newest");
			in.by_due = strcmp(optarg, "due") == 0;
			break;
		case 's':
			in.shared = true;
			break;
		case 'n':
			in.name = optarg;
			break;
		case 'p':
			if (str_parse_int64(optarg, 1, 1000000, &in.position) < 0)
				return cmd_usage_error(&cmd_view, "--position wants a number from 1");
			break;
		case 'j':
			json = true;
			break;
		default:
			return EX_USAGE;
		}
	}
	int nargs = argc - 1 - optind;
	char **args = argv + 1 + optind;
	bool is_list = strcmp(verb, "list") == 0, is_add = strcmp(verb, "add") == 0;
	bool is_edit = strcmp(verb, "edit") == 0, is_remove = strcmp(verb, "remove") == 0;
	if (!is_list && !is_add && !is_edit && !is_remove)
		return cmd_usage_error(&cmd_view, "'%s' is not a view command", verb);
	if (nargs != (is_list ? 0 : 1))
		return cmd_usage_error(&cmd_view, is_list ? "list wants no arguments"
					: "%s wants one view", verb);
	if (!is_edit && (in.position || (in.name && !is_add)))
		return cmd_usage_error(&cmd_view, "--name and --position are for edit");
	if (!is_add && in.shared)
		return cmd_usage_error(&cmd_view, "--shared is for add");
	if (is_remove && (in.filter || in.by_due >= 0))
		return cmd_usage_error(&cmd_view, "remove takes no options");
	if ((status = cmd_open_desk(ctx, false, &d)) || (status = cmd_actor(ctx, d, &who)))
		goto out;
	if (is_list) {
		status = list(ctx, d, &who, json);
		goto out;
	}
	if (is_add) {
		in.name = args[0];
		if (desk_view_add(d, &who, &in, &id, &e))
			goto fail;
		printf("added %s view '%s' (#%" PRId64 ")\n", in.shared ? "shared" : "personal",
		       args[0], id);
		goto out;
	}
	if (desk_view_find(d, &who, &ctx->arena, args[0], &vi, &e))
		goto fail;
	if (is_edit) {
		if (desk_view_edit(d, &who, vi.row.id, &in, &e))
			goto fail;
		printf("changed view '%s' (#%" PRId64 ")\n", in.name ? in.name : vi.row.name,
		       vi.row.id);
	} else {
		if (desk_view_remove(d, &who, vi.row.id, &e))
			goto fail;
		printf("removed view '%s' (#%" PRId64 ")\n", vi.row.name, vi.row.id);
	}
	goto out;
fail:
	status = cmd_fail(&e);
out:
	desk_close(d);
	return status;
}

const struct cmd cmd_view = {"view", "saved views: filters of tickets for champion queue", usage, run};
