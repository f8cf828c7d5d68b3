/* cmd_token.c - champion token: API tokens for the HTTP API. */
#include "util/common.h"
#include "cmd/cmd.h"
#include "util/str.h"

#include <sodium.h>

static const char usage[] =
	"usage: champion token create --user EMAIL [--name NAME]\n"
	"       champion token list [--user EMAIL]\n"
	"       champion token revoke ID\n"
	"\n"
	"API tokens, sent as 'Authorization: Bearer TOKEN' to 'champion serve'. 'create'\n"
	"prints the token once: only its hash is stored. A token acts with its user's\n"
	"role. Admins make and revoke tokens for anyone; others (with --as) their own.\n";

static int run(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"user", required_argument, NULL, 'u'},
		{"name", required_argument, NULL, 'n'},
		{0},
	};
	const char *verb, *user = NULL, *name = NULL;
	bool started = false;
	struct err e = ERR_INIT;
	struct desk *d = NULL;
	struct actor who;
	int opt, status;
	int64_t id = 0;

	if (argc < 2)
		return cmd_usage_error(&cmd_token, "which one: create, list or revoke?");
	verb = argv[1];
	while ((opt = cmd_getopt("token", argc - 1, argv + 1, "", opts, &started)) != -1) {
		if (opt == 'u')
			user = optarg;
		else if (opt == 'n')
			name = optarg;
		else
			return EX_USAGE;
	}
	int nargs = argc - 1 - optind;
	char **args = argv + 1 + optind;
	if (strcmp(verb, "create") == 0) {
		if (!user)
			return cmd_usage_error(&cmd_token, "create wants --user EMAIL");
		if (nargs)
			return cmd_usage_error(&cmd_token, "unexpected argument '%s'", args[0]);
	} else if (strcmp(verb, "revoke") == 0) {
		if (nargs != 1 || str_parse_int64(args[0], 1, INT64_MAX, &id) < 0)
			return cmd_usage_error(&cmd_token, "revoke wants one token ID (a number)");
	} else if (strcmp(verb, "list") == 0) {
		if (nargs)
			return cmd_usage_error(&cmd_token, "unexpected argument '%s'", args[0]);
	} else {
		return cmd_usage_error(&cmd_token, "'%s' is not one of create, list, revoke", verb);
	}
	if ((status = cmd_open_desk(ctx, false, &d)) || (status = cmd_actor(ctx, d, &who)))
		goto out;
	if (strcmp(verb, "create") == 0) {
		char token[DESK_TOKEN_MAX];
		if (desk_token_create(d, &who, user, name, token, &id, &e))
			goto fail;
		printf("%s\n", token);
		fprintf(stderr, "token #%" PRId64 " for %s; it is shown only now\n", id, user);
		sodium_memzero(token, sizeof(token));
	} else if (strcmp(verb, "revoke") == 0) {
		if (desk_token_revoke(d, &who, id, &e))
			goto fail;
		printf("revoked token #%" PRId64 "\n", id);
	} else {
		struct rows rows;
		if (desk_token_list(d, &who, &ctx->arena, user, &rows, &e))
			goto fail;
		printf("%-6s %-7s %-8s %-16s %s\n", "ID", "USER", "STATE", "CREATED", "NAME");
		for (size_t i = 0; i < rows.count; i++) {
			struct token_row *t = ROWS_AT(&rows, struct token_row, i);
			printf("%-6" PRId64 " %-7" PRId64 " %-8s %-16s %s\n", t->id, t->user_id,
			       t->revoked_at ? "revoked" : "live", cmd_time(ctx, t->created_at),
			       t->name);
		}
	}
	goto out;
fail:
	status = cmd_fail(&e);
out:
	desk_close(d);
	return status;
}

const struct cmd cmd_token = {"token", "create, list and revoke API tokens", usage, run};
