/* cmd_config.c - champion config: the effective configuration and its sources. */
#include "util/common.h"
#include "cmd/cmd.h"

static const char usage[] =
	"usage: champion config [--keys]\n"
	"\n"
	"Prints the effective configuration, one 'key = value' line each, with where\n"
	"the value came from: default, file (champion.conf), env, or flag (--db,\n"
	"--set KEY=VALUE).\n"
	"\n"
	"   --keys   also describe each key and name its environment variable\n";

static int run(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {{"keys", no_argument, NULL, 'k'}, {0}};
	bool started = false, keys = false;
	int opt;

	while ((opt = cmd_getopt("config", argc, argv, "", opts, &started)) != -1) {
		if (opt != 'k')
			return EX_USAGE;
		keys = true;
	}
	if (optind < argc)
		return cmd_usage_error(&cmd_config, "unexpected argument '%s'", argv[optind]);
	printf("# configuration file: %s\n", ctx->conf.file ? ctx->conf.file : "(none)");
	for (size_t i = 0; i < conf_nkeys; i++) {
		const char *k = conf_keys[i].name;
		if (keys)
			printf("# %s (env %s)\n", conf_keys[i].help, conf_keys[i].env);
		const char *v = conf_get(&ctx->conf, k);
		/* A secret is not printed, only whether it is set. */
		if (*v && strstr(k, "password"))
			v = "(set)";
		printf("%s = %s  # %s\n", k, v, conf_source_name(conf_source_of(&ctx->conf, k)));
	}
	return 0;
}

const struct cmd cmd_config = {"config", "show the effective configuration and its sources",
			       usage, run};
