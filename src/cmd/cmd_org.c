/* cmd_org.c - champion org: organisations. */
#include "util/common.h"
#include "cmd/cmd.h"

static const char usage[] =
	"usage: champion org add NAME [--domain DOMAIN] [--shares]\n"
	"       champion org list\n"
	"\n"
	"Organisations group customers. With --shares, every member of the\n"
	"organisation sees all of its tickets; otherwise each sees only their own.\n"
	"Adding needs an admin.\n";

static int run(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"domain", required_argument, NULL, 'd'},
		{"shares", no_argument, NULL, 's'},
		{0},
	};
	const char *verb, *domain = NULL;
	bool shares = false, started = false;
	struct err e = ERR_INIT;
	struct desk *d = NULL;
	struct actor who;
	int opt, status;

	if (argc < 2)
		return cmd_usage_error(&cmd_org, "which one: add or list?");
	verb = argv[1];
	while ((opt = cmd_getopt("org", argc - 1, argv + 1, "", opts, &started)) != -1) {
		if (opt == 'd')
			domain = optarg;
		else if (opt == 's')
			shares = true;
		else
			return EX_USAGE;
	}
	int nargs = argc - 1 - optind;
	char **args = argv + 1 + optind;
	if (strcmp(verb, "add") == 0 && nargs != 1)
		return cmd_usage_error(&cmd_org, "add wants one NAME");
	else if (strcmp(verb, "list") == 0 && nargs != 0)
		return cmd_usage_error(&cmd_org, "unexpected argument '%s'", args[0]);
	else if (strcmp(verb, "add") && strcmp(verb, "list"))
		return cmd_usage_error(&cmd_org, "'%s' is not one of add, list", verb);
	if ((status = cmd_open_desk(ctx, false, &d)) || (status = cmd_actor(ctx, d, &who)))
		goto out;
	if (strcmp(verb, "add") == 0) {
		int64_t id;
		if (desk_org_add(d, &who, args[0], domain, shares, &id, &e))
			goto fail;
		printf("added organisation '%s' (#%" PRId64 ")\n", args[0], id);
	} else {
		struct rows rows;
		if (desk_org_list(d, &who, &ctx->arena, &rows, &e))
			goto fail;
		printf("%-6s %-6s %-24s %s\n", "ID", "SHARES", "DOMAIN", "NAME");
		for (size_t i = 0; i < rows.count; i++) {
			struct org_row *o = ROWS_AT(&rows, struct org_row, i);
			printf("%-6" PRId64 " %-6s %-24s %s\n", o->id, o->shares_tickets ? "yes" : "no",
			       o->domain ? o->domain : "-", o->name);
		}
	}
	goto out;
fail:
	status = cmd_fail(&e);
out:
	desk_close(d);
	return status;
}

const struct cmd cmd_org = {"org", "add and list organisations", usage, run};
