/* cmd_init.c - champion init: create a desk. */
#include "util/common.h"
#include "cmd/cmd.h"
#include "util/xalloc.h"

#include <unistd.h>

static const char usage[] =
	"usage: champion init [--admin EMAIL [--name NAME]]\n"
	"\n"
	"Creates a new desk: the database (--db PATH, $CHAMPION_DB or champion.db) at\n"
	"the latest schema, with its attachment directory beside it. Refuses a path\n"
	"that already holds data.\n"
	"\n"
	"   --admin EMAIL   also add the first administrator\n"
	"   --name NAME     the administrator's name\n";

/* Closes and deletes a desk this command has just created. */
static void remove_desk(struct desk *d)
{
	char *path = xstrdup(d->store.target);
	char side[PATH_MAX];

	desk_close(d);
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
	free(path);
}

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
	if (admin) {
		char norm[DESK_EMAIL_MAX + 1];
		if (desk_email_norm(admin, norm, &e) ||
		    (name && desk_check_text("name", name, DESK_NAME_MAX, false, &e)))
			return cmd_fail(&e);
	}
	if ((status = cmd_open_desk(ctx, true, &d)))
		return status;
	if (admin) {
		struct user_new_in u = {.email = admin, .name = name, .role = ROLE_ADMIN};
		int64_t id;
		if (desk_user_add(d, &desk_system_actor, &u, &id, &e)) {
			/* A desk without its administrator is not what was asked for. */
			status = cmd_fail(&e);
			remove_desk(d);
			d = NULL;
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
