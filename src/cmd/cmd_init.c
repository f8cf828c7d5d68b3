/* cmd_init.c - champion init: create a desk. */
#include "util/common.h"
#include "cmd/cmd.h"

static const char usage[] =
	"usage: champion init [--admin EMAIL [--name NAME]]\n"
	"\n"
	"Creates a new desk: the database (--db PATH, $CHAMPION_DB or champion.db) at\n"
	"the latest schema, with its attachment directory beside it. Refuses a path\n"
	"that already holds data.\n"
	"\n"
	"   --admin EMAIL   also add the first administrator\n"
	"   --name NAME     the administrator's name\n";

static int run(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"admin", required_argument, NULL, 'a'},
		{"name", required_argument, NULL, 'n'},
		{0},
	};
	const char *admin = NULL, *name = NULL;
	struct err e = ERR_INIT;
	struct desk *d = NULL;
	bool started = false;
	int opt, status;

	while ((opt = cmd_getopt("init", argc, argv, "", opts, &started)) != -1) {
		switch (opt) {
		case 'a':
			admin = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		default:
			return EX_USAGE;
		}
	}
	if (optind < argc)
		return cmd_usage_error(&cmd_init, "unexpected argument '%s'", argv[optind]);
	if (name && !admin)
		return cmd_usage_error(&cmd_init, "--name goes with --admin");
	if ((status = cmd_open_desk(ctx, true, &d)))
		return status;
	if (admin) {
		struct user_new_in u = {.email = admin, .name = name, .role = ROLE_ADMIN};
		int64_t id;
		if (desk_user_add(d, &desk_system_actor, &u, &id, &e)) {
			status = cmd_fail(&e);
			goto out;
		}
	}
	printf("created desk '%s' (schema version %d)\n", d->store.target, d->store.version);
	if (admin)
		printf("administrator: %s\n", admin);
out:
	desk_close(d);
	return status;
}

const struct cmd cmd_init = {"init", "create a new desk", usage, run};
