/* cmd_group.c - champion group: groups of staff and their members. */
#include "util/common.h"
#include "cmd/cmd.h"

static const char usage[] =
	"usage: champion group add NAME\n"
	"       champion group member NAME EMAIL [--lead]\n"
	"       champion group list\n"
	"\n"
	"Groups own tickets while nobody is assigned, and decide what engineers see.\n"
	"'member' adds a staff user to a group (--lead: as its lead). Needs an admin.\n";

static int run(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {{"lead", no_argument, NULL, 'l'}, {0}};
	bool lead = false, started = false;
	struct err e = ERR_INIT;
	struct desk *d = NULL;
	struct actor who;
	const char *verb;
	int opt, status;

	if (argc < 2)
		return cmd_usage_error(&cmd_group, "which one: add, member or list?");
	verb = argv[1];
	while ((opt = cmd_getopt("group", argc - 1, argv + 1, "", opts, &started)) != -1) {
		if (opt != 'l')
			return EX_USAGE;
		lead = true;
	}
	int nargs = argc - 1 - optind;
	char **args = argv + 1 + optind;
	if (strcmp(verb, "add") == 0 ? nargs != 1
	    : strcmp(verb, "member") == 0 ? nargs != 2
	    : strcmp(verb, "list") == 0   ? nargs != 0
					  : -1)
		return cmd_usage_error(&cmd_group, "usage: add NAME | member NAME EMAIL | list");
	if ((status = cmd_open_desk(ctx, false, &d)) || (status = cmd_actor(ctx, d, &who)))
		goto out;
	if (strcmp(verb, "add") == 0) {
		int64_t id;
		if (desk_group_add(d, &who, args[0], &id, &e))
			goto fail;
		printf("added group '%s' (#%" PRId64 ")\n", args[0], id);
	} else if (strcmp(verb, "member") == 0) {
		if (desk_group_add_member(d, &who, args[0], args[1], lead, &e))
			goto fail;
		printf("%s is in group '%s'%s\n", args[1], args[0], lead ? " as lead" : "");
	} else {
		struct rows rows;
		if (desk_group_list(d, &who, &ctx->arena, &rows, &e))
			goto fail;
		printf("%-6s %-8s %s\n", "ID", "MEMBERS", "NAME");
		for (size_t i = 0; i < rows.count; i++) {
			struct group_row *g = ROWS_AT(&rows, struct group_row, i);
			printf("%-6" PRId64 " %-8" PRId64 " %s\n", g->id, g->members, g->name);
		}
	}
	goto out;
fail:
	status = cmd_fail(&e);
out:
	desk_close(d);
	return status;
}

const struct cmd cmd_group = {"group", "add groups and their members", usage, run};
