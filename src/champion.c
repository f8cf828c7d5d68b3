/*
 * champion.c - main: global options, configuration, and the subcommand table.
 */
#include "util/common.h"
#include "cmd/cmd.h"
#include "util/log.h"
#include "util/time.h"

#include <locale.h>

#ifndef CHAMPION_VERSION
#define CHAMPION_VERSION "0.1.0"
#endif

static void usage(FILE *f)
{
	fprintf(f, "usage: champion [--db PATH] [--config FILE] [--set KEY=VALUE] [--as EMAIL]\n"
		   "                <command> [<args>]\n\n"
		   "Champion is a self-hosted help desk for technical support teams.\n\n"
		   "commands:\n");
	for (const struct cmd *const *c = cmd_table; *c; c++)
		fprintf(f, "   %-13s %s\n", (*c)->name, (*c)->summary);
	fprintf(f, "   %-13s %s\n", "help", "show this, or a command's help");
	fprintf(f, "   %-13s %s\n", "version", "print the version");
	fprintf(f, "\nglobal options (anywhere on the line):\n"
		   "   --db PATH          the desk's database (else $CHAMPION_DB or\n"
		   "                      $CHAMPION_DATABASE_URL, else champion.db)\n"
		   "   --config FILE      configuration file (else $CHAMPION_CONFIG, else "
		   "./champion.conf)\n"
		   "   --set KEY=VALUE    override one configuration key (see 'champion config')\n"
		   "   --as EMAIL         act as this user (default: the local administrator)\n"
		   "\n'champion <command> --help' tells more about each command; 'man champion' "
		   "too.\n");
}

static const struct cmd *find(const char *name)
{
	for (const struct cmd *const *c = cmd_table; *c; c++)
		if (strcmp((*c)->name, name) == 0)
			return *c;
	return NULL;
}

/* A global option's value from "--opt VALUE" or "--opt=VALUE"; shifts argv. */
static int take_global(int *argc, char **argv, int i, const char *opt, const char **value)
{
	size_t n = strlen(opt);
	int used;

	if (strncmp(argv[i], opt, n) != 0)
		return 0;
	if (argv[i][n] == '=') {
		*value = argv[i] + n + 1;
		used = 1;
	} else if (argv[i][n] == '\0') {
		if (i + 1 >= *argc) {
			fprintf(stderr, "champion: option '%s' needs a value\n", opt);
			return -1;
		}
		*value = argv[i + 1];
		used = 2;
	} else {
		return 0;
	}
	memmove(&argv[i], &argv[i + used], (size_t)(*argc - i - used + 1) * sizeof(char *));
	*argc -= used;
	return 1;
}

int main(int argc, char **argv)
{
	struct cmd_ctx ctx = {0};
	struct err e = ERR_INIT;
	const char *db = NULL, *config = NULL, *sets[32];
	const struct cmd *c;
	int nsets = 0, status, level;
	/* The command line as given, for a command this binary hands over (kept till exit). */
	static char **given;

	if (!(given = malloc(sizeof(*given) * (size_t)(argc + 1))))
		return EX_OSERR;
	memcpy(given, argv, sizeof(*given) * (size_t)(argc + 1));
	setlocale(LC_ALL, "C");
	if (time_clock_from_env() < 0) {
		fprintf(stderr, "champion: CHAMPION_NOW is neither an ISO 8601 instant nor "
				"milliseconds\n");
		return EX_USAGE;
	}
	for (int i = 1; i < argc;) {
		const char *v;
		int r;

		if (strcmp(argv[i], "--") == 0)
			break;
		if ((r = take_global(&argc, argv, i, "--db", &v)) > 0)
			db = v;
		else if (r == 0 && (r = take_global(&argc, argv, i, "--config", &v)) > 0)
			config = v;
		else if (r == 0 && (r = take_global(&argc, argv, i, "--as", &v)) > 0)
			ctx.as_email = v;
		else if (r == 0 && (r = take_global(&argc, argv, i, "--set", &v)) > 0) {
			if (nsets == (int)ARRAY_SIZE(sets)) {
				fprintf(stderr, "champion: too many --set options\n");
				return EX_USAGE;
			}
			sets[nsets++] = v;
		}
		if (r < 0)
			return EX_USAGE;
		if (r == 0)
			i++;
	}

	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		if (argc > 2 && strcmp(argv[1], "help") == 0) {
			if (!(c = find(argv[2]))) {
				fprintf(stderr, "champion: '%s' is not a champion command; see "
						"'champion help'\n", argv[2]);
				return EX_USAGE;
			}
			if (!c->run)
				return cmd_handoff(given);
			fputs(c->usage, stdout);
			return 0;
		}
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("champion %s\n", CHAMPION_VERSION);
		return 0;
	}
	if (!(c = find(argv[1]))) {
		fprintf(stderr, "champion: '%s' is not a champion command; see 'champion help'\n",
			argv[1]);
		return EX_USAGE;
	}
	if (!c->run)
		return cmd_handoff(given);
	if (cmd_wants_help(argc - 1, argv + 1)) {
		fputs(c->usage, stdout);
		return 0;
	}

	if (conf_load(&ctx.conf, config, &e)) {
		status = cmd_fail(&e);
		goto out;
	}
	for (int i = 0; i < nsets; i++) {
		char key[128];
		const char *eq = strchr(sets[i], '=');
		if (!eq || eq == sets[i] || (size_t)(eq - sets[i]) >= sizeof(key)) {
			fprintf(stderr, "champion: --set wants KEY=VALUE, not '%s'\n", sets[i]);
			status = EX_USAGE;
			goto out;
		}
		snprintf(key, sizeof(key), "%.*s", (int)(eq - sets[i]), sets[i]);
		if (conf_set(&ctx.conf, key, eq + 1, CONF_FLAG, &e)) {
			status = cmd_fail(&e);
			goto out;
		}
	}
	if (db && conf_set(&ctx.conf, "db.path", db, CONF_FLAG, &e)) {
		status = cmd_fail(&e);
		goto out;
	}
	level = log_parse_level(conf_get(&ctx.conf, "log.level"));
	if (level < 0) {
		fprintf(stderr, "champion: log.level = '%s' is not one of debug, info, warn, error, "
				"off\n", conf_get(&ctx.conf, "log.level"));
		status = EX_CONFIG;
		goto out;
	}
	log_set_level((enum log_level)level);
	arena_init(&ctx.arena);
	status = c->run(&ctx, argc - 1, argv + 1);
	arena_release(&ctx.arena);
out:
	conf_release(&ctx.conf);
	return status;
}
