/*
 * cmd.h - the CLI channel: the subcommand table and what commands share.
 *
 * main (champion.c) loads the configuration, takes the global options
 * (--db, --config, --set, --as) from anywhere on the command line, and
 * runs one entry of the table. A command parses its own options, calls
 * the desk, prints the result, and returns an exit status (sysexits.h,
 * through err_exit_code for desk errors). Commands hold no business rules.
 */
#ifndef CHAMPION_CMD_H
#define CHAMPION_CMD_H

#include "desk/desk.h"
#include "util/arena.h"
#include "util/conf.h"

#include <sysexits.h>

struct cmd_ctx {
	struct conf conf;
	const char *as_email; /* --as EMAIL: act as this user; NULL: the system (admin) */
	struct arena arena;   /* freed when the command ends */
};

struct cmd {
	const char *name;
	const char *summary; /* one line for `champion help` */
	const char *usage;   /* the whole --help text */
	/* NULL: the command is champion-serve's (see cmd_handoff). */
	int (*run)(struct cmd_ctx *ctx, int argc, char **argv);
};

#define CMD_SERVE_SUMMARY "serve the desk over HTTP (the JSON API)"

extern const struct cmd cmd_init, cmd_user, cmd_org, cmd_group, cmd_ticket, cmd_config,
	cmd_demo, cmd_token, cmd_serve, cmd_mailgate, cmd_import, cmd_job, cmd_calendar, cmd_sla,
	cmd_report, cmd_queue, cmd_view, cmd_migrate_store;

/* The table main dispatches from; NULL-terminated. */
extern const struct cmd *const cmd_table[];

/*
 * Runs champion-serve, from the directory of the running binary, with argv
 * (the command line as given); returns an exit status only when it cannot.
 */
int cmd_handoff(char **argv);

/*
 * Opens the desk named by the configuration (create for init). On error
 * prints "champion: MESSAGE" and returns the exit status; 0 on success.
 */
int cmd_open_desk(struct cmd_ctx *ctx, bool create, struct desk **out);
/* The same with what how sets besides the configuration (create, keep_wal). */
int cmd_open_desk_as(struct cmd_ctx *ctx, const struct store_options *how, struct desk **out);
/* The store options the configuration gives (create as passed in *o); prints on error. */
int cmd_store_options(struct cmd_ctx *ctx, struct store_options *o);
/* The acting user from --as (or the system actor); prints and returns status on error. */
int cmd_actor(struct cmd_ctx *ctx, struct desk *d, struct actor *out);

/* Prints "champion: MESSAGE" for e and returns its exit status. */
int cmd_fail(const struct err *e);
/* Prints the JSON in b indented, keys sorted, then releases b. */
void cmd_print_json(struct buf *b);
/* Prints "champion: CMD: MESSAGE" plus a hint to --help; returns EX_USAGE. */
/* The desk's settings from the configuration (strings borrowed from it); exit status or 0. */
int cmd_desk_settings(struct cmd_ctx *ctx, struct desk_settings *out);
int cmd_usage_error(const struct cmd *c, const char *fmt, ...) PRINTF_LIKE(2, 3);
#include <getopt.h>

/*
 * getopt_long with Champion's messages: returns the option, -1 at the end
 * of options, or -2 after printing "champion CMD: unknown option ..." or
 * "... needs a value" (the caller returns EX_USAGE). Call with
 * *started = false first; it resets getopt's state.
 */
int cmd_getopt(const char *cmdname, int argc, char **argv, const char *shortopts,
	       const struct option *longopts, bool *started);

/* True when argv holds -h or --help before a "--". */
bool cmd_wants_help(int argc, char **argv);

/* A ticket id "42" or "#42" into *id; 0 or -1. */
int cmd_parse_ticket_id(const char *s, int64_t *id);
/* Reads all of standard input (up to max bytes) into a malloc'd string. */
char *cmd_read_stdin(size_t max, size_t *len, struct err *e);
/* Reads a file (up to max bytes) into a malloc'd buffer. */
char *cmd_read_file(const char *path, size_t max, size_t *len, struct err *e);
/* Formats an instant for people: "2026-11-22 04:20" UTC, "-" for 0. */
const char *cmd_time(struct cmd_ctx *ctx, int64_t ms);

#endif
