/* cmd_demo.c - champion demo: fill an empty desk with a realistic synthetic one. */
#include "util/common.h"
#include "cmd/cmd.h"
#include "util/str.h"

#include <time.h>
#include <unistd.h>

static const char usage[] =
	"usage: champion demo --tickets N [--days D] [--seed S]\n"
	"\n"
	"Fills an empty desk with a synthetic technical-support desk, for trying\n"
	"Champion and for benchmarks: an administrator (admin@demo.example), groups\n"
	"for five product areas, agents and engineers in them, organisations and\n"
	"their customers, and N tickets arriving over the last D days with a weekly\n"
	"rhythm and a growth trend. Each ticket has its conversation (questions,\n"
	"answers, internal notes, escalations), tags, statuses by age and the full\n"
	"event history, all following the desk's own rules.\n"
	"\n"
	"Creates the desk when --db names no file yet; refuses a desk that already\n"
	"has tickets. The same seed and clock (CHAMPION_NOW) give the same desk.\n"
	"\n"
	"   --tickets N   how many tickets, 1 to 10000000 (required)\n"
	"   --days D      spread them over the last D days, 1 to 3650 (default 365)\n"
	"   --seed S      seed of the generator, 0 to 2^63-1 (default 1)\n"
	"\n"
	"Progress shows on standard error when it is a terminal; a summary goes to\n"
	"standard output.\n";

struct progress {
	bool tty;
	int64_t shown; /* last percentage shown */
};

static void show_progress(void *arg, int64_t done, int64_t total)
{
	struct progress *p = arg;
	int64_t pct = done * 100 / total;

	if (!p->tty || (pct == p->shown && done != total))
		return;
	p->shown = pct;
	fprintf(stderr, "\rdemo: %" PRId64 " of %" PRId64 " tickets (%" PRId64 "%%)", done, total,
		pct);
	if (done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static int run(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"tickets", required_argument, NULL, 't'},
		{"days", required_argument, NULL, 'd'},
		{"seed", required_argument, NULL, 's'},
		{0},
	};
	struct demo_options o = {.tickets = 0, .days = 365, .seed = 1};
	struct progress prog = {.tty = isatty(STDERR_FILENO) == 1, .shown = -1};
	struct demo_stats st;
	struct err e = ERR_INIT;
	struct desk *d = NULL;
	struct timespec t0;
	bool started = false;
	int64_t v;
	int opt, status;

	while ((opt = cmd_getopt("demo", argc, argv, "", opts, &started)) != -1) {
		switch (opt) {
		case 't':
			if (str_parse_int64(optarg, 1, 10000000, &v))
				return cmd_usage_error(&cmd_demo, "--tickets '%s' is not a whole "
						   "number from 1 to 10000000", optarg);
			o.tickets = v;
			break;
		case 'd':
			if (str_parse_int64(optarg, 1, 3650, &v))
				return cmd_usage_error(&cmd_demo, "--days '%s' is not a whole "
						   "number from 1 to 3650", optarg);
			o.days = (int)v;
			break;
		case 's':
			if (str_parse_int64(optarg, 0, INT64_MAX, &v))
				return cmd_usage_error(&cmd_demo, "--seed '%s' is not a whole "
						   "number from 0 to %" PRId64, optarg, INT64_MAX);
			o.seed = (uint64_t)v;
			break;
		default:
			return EX_USAGE;
		}
	}
	if (optind < argc)
		return cmd_usage_error(&cmd_demo, "unexpected argument '%s'", argv[optind]);
	if (o.tickets == 0)
		return cmd_usage_error(&cmd_demo, "how many tickets? --tickets N is required");

	/* A new path becomes a desk; an existing one must be an (empty) desk. */
	const char *path = conf_get(&ctx->conf, "db.path");
	bool exists = path && *path && access(path, F_OK) == 0;
	if ((status = cmd_open_desk(ctx, !exists, &d)))
		return status;

	o.progress = show_progress;
	o.progress_arg = &prog;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (desk_demo(d, &o, &st, &e)) {
		if (prog.tty && prog.shown >= 0)
			fputc('\n', stderr);
		status = cmd_fail(&e);
		goto out;
	}
	double secs = seconds_since(&t0);
	double rate = secs > 0 ? (double)st.tickets / secs : 0;
	printf("demo desk '%s' (seed %" PRIu64 ", %d days)\n", d->store.target, o.seed, o.days);
	printf("  %" PRId64 " tickets, %" PRId64 " messages, %" PRId64 " events\n", st.tickets,
	       st.messages, st.events);
	printf("  %" PRId64 " users, %" PRId64 " organisations, %" PRId64 " groups\n", st.users,
	       st.organisations, st.groups);
	printf("  %.1f s, %.0f tickets/s\n", secs, rate);
	printf("sign in as admin@demo.example (on the command line: --as admin@demo.example)\n");
out:
	desk_close(d);
	return status;
}

const struct cmd cmd_demo = {"demo", "fill an empty desk with a realistic synthetic one", usage,
			     run};
