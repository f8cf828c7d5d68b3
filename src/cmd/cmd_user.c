/* cmd_user.c - champion user: add, list and change people. */
#include "util/common.h"
#include "cmd/cmd.h"
#include "desk/view.h"

#include <sodium.h>

#include <jansson.h>

static const char usage[] =
	"usage: champion user add EMAIL [--name NAME] [--role ROLE] [--org ORGANISATION]\n"
	"       champion user list [--role ROLE] [--json]\n"
	"       champion user show EMAIL [--json]\n"
	"       champion user set EMAIL [--name NAME] [--role ROLE] [--org ORG|none]\n"
	"                               [--active yes|no] [--password -]\n"
	"\n"
	"People at the desk. ROLE is admin, agent, engineer or customer (default\n"
	"customer). Emails are unique regardless of case. Adding or changing staff\n"
	"(admin, agent, engineer) needs an admin; customers, an agent.\n"
	"'--password -' reads a new password (at least 10 characters) from the first\n"
	"line of standard input, never from the command line; it signs in to the API\n"
	"(POST /api/v1/session).\n";

static int parse_role(const char *s, int *role)
{
	*role = role_parse(s);
	if (*role < 0)
		return cmd_usage_error(&cmd_user, "role '%s' is not one of %s", s, role_names());
	return 0;
}

static int run(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'},  {"role", required_argument, NULL, 'r'},
		{"org", required_argument, NULL, 'o'},   {"active", required_argument, NULL, 'a'},
		{"json", no_argument, NULL, 'j'},        {"password", required_argument, NULL, 'p'},
		{0},
	};
	const char *verb, *name = NULL, *org = NULL;
	int role = -1, active = -1, opt, status;
	bool json = false, started = false, password = false;
	struct err e = ERR_INIT;
	struct desk *d = NULL;
	struct actor who;

	if (argc < 2)
		return cmd_usage_error(&cmd_user, "which one: add, list, show or set?");
	verb = argv[1];
	while ((opt = cmd_getopt("user", argc - 1, argv + 1, "", opts, &started)) != -1) {
		switch (opt) {
		case 'n':
			name = optarg;
			break;
		case 'r':
			if ((status = parse_role(optarg, &role)))
				return status;
			break;
		case 'o':
			org = optarg;
			break;
		case 'a':
			if (strcmp(optarg, "yes") == 0)
				active = 1;
			else if (strcmp(optarg, "no") == 0)
				active = 0;
			else
				return cmd_usage_error(&cmd_user, "--active wants yes or no");
			break;
		case 'j':
			json = true;
			break;
		case 'p':
			if (strcmp(optarg, "-") != 0)
				return cmd_usage_error(&cmd_user, "give the password on standard input "
						       "with '--password -', not on the command line");
			password = true;
			break;
		default:
			return EX_USAGE;
		}
	}
	int nargs = argc - 1 - optind;
	char **args = argv + 1 + optind;
	bool wants_email = strcmp(verb, "list") != 0;

	if (strcmp(verb, "add") && strcmp(verb, "list") && strcmp(verb, "show") && strcmp(verb, "set"))
		return cmd_usage_error(&cmd_user, "'%s' is not one of add, list, show, set", verb);
	if (wants_email && nargs != 1)
		return cmd_usage_error(&cmd_user, "%s wants one EMAIL", verb);
	if (!wants_email && nargs != 0)
		return cmd_usage_error(&cmd_user, "unexpected argument '%s'", args[0]);
	if ((status = cmd_open_desk(ctx, false, &d)) || (status = cmd_actor(ctx, d, &who)))
		goto out;

	if (strcmp(verb, "add") == 0) {
		struct user_new_in u = {.email = args[0],
					.name = name,
					.role = role >= 0 ? (enum role)role : ROLE_CUSTOMER,
					.organisation = org};
		int64_t id;
		if (desk_user_add(d, &who, &u, &id, &e))
			goto fail;
		printf("added %s %s (user #%" PRId64 ")\n", role_name(u.role), args[0], id);
	} else if (strcmp(verb, "set") == 0) {
		struct user_change c = {.name = name, .role = role, .active = active};
		if (org)
			c.organisation = strcmp(org, "none") == 0 ? "" : org;
		if ((name || role >= 0 || active >= 0 || org) && desk_user_set(d, &who, args[0], &c, &e))
			goto fail;
		if (password) {
			size_t len;
			char *pw = cmd_read_stdin(DESK_PASSWORD_MAX + 2, &len, &e);
			if (!pw)
				goto fail;
			pw[strcspn(pw, "\r\n")] = '\0';
			enum err_code prc = desk_password_set(d, &who, args[0], pw, &e);
			sodium_memzero(pw, len);
			free(pw);
			if (prc)
				goto fail;
		}
		printf("updated %s\n", args[0]);
	} else if (strcmp(verb, "show") == 0) {
		struct user_row u;
		if (desk_user_get(d, &who, &ctx->arena, args[0], &u, &e))
			goto fail;
		if (json) {
			json_t *j = view_user_json(&u);
			json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
			putchar('\n');
			json_decref(j);
		} else {
			printf("user #%" PRId64 "\nemail:   %s\nname:    %s\nrole:    %s\n"
			       "active:  %s\ncreated: %s\n",
			       u.id, u.email, u.name, role_name(u.role), u.active ? "yes" : "no",
			       cmd_time(ctx, u.created_at));
		}
	} else {
		struct rows rows;
		json_t *arr = json ? json_array() : NULL;
		if (desk_user_list(d, &who, &ctx->arena, role, &rows, &e)) {
			json_decref(arr);
			goto fail;
		}
		if (!json)
			printf("%-6s %-9s %-6s %-32s %s\n", "ID", "ROLE", "ACTIVE", "EMAIL", "NAME");
		for (size_t i = 0; i < rows.count; i++) {
			struct user_row *u = ROWS_AT(&rows, struct user_row, i);
			if (json)
				json_array_append_new(arr, view_user_json(u));
			else
				printf("%-6" PRId64 " %-9s %-6s %-32s %s\n", u->id, role_name(u->role),
				       u->active ? "yes" : "no", u->email, u->name);
		}
		if (json) {
			json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
			putchar('\n');
			json_decref(arr);
		}
	}
	goto out;
fail:
	status = cmd_fail(&e);
out:
	desk_close(d);
	return status;
}

const struct cmd cmd_user = {"user", "add, list, show and change users", usage, run};
