/* cmd_job.c - champion job: the desk's background work (outbound mail...), for admins. */
#include "util/common.h"
#include "cmd/cmd.h"
#include "util/str.h"

static const char usage[] =
	"usage: champion job list [--state queued|running|done|failed|cancelled] [--ticket ID]\n"
	"                         [--limit N]\n"
	"       champion job retry ID\n"
	"\n"
	"Durable work the desk does after a change commits: mail.send (a reply to mail),\n"
	"mail.ack (the acknowledgement of a ticket opened by mail). 'list' shows the\n"
	"newest first, with attempts, when each runs next and its last error (an SMTP\n"
	"server's answer, say). 'retry' queues a failed or cancelled job again at once,\n"
	"its attempts reset. Admins only.\n"
	"\n"
	"   --state S    only jobs in that state\n"
	"   --ticket ID  only one ticket's jobs\n"
	"   --limit N    at most N jobs (default 50, at most 500)\n";

static int run(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"state", required_argument, NULL, 's'},
		{"ticket", required_argument, NULL, 't'},
		{"limit", required_argument, NULL, 'l'},
		{0},
	};
	const char *verb;
	bool started = false;
	struct err e = ERR_INIT;
	struct desk *d = NULL;
	struct actor who;
	int opt, status, state = -1;
	int64_t ticket = 0, limit = 50, id = 0;

	if (argc < 2)
		return cmd_usage_error(&cmd_job, "which one: list or retry?");
	verb = argv[1];
	while ((opt = cmd_getopt("job", argc - 1, argv + 1, "", opts, &started)) != -1) {
		if (opt == 's') {
			if ((state = job_state_parse(optarg)) < 0)
				return cmd_usage_error(&cmd_job, "--state is one of queued, running, "
						       "done, failed, cancelled (not '%s')", optarg);
		} else if (opt == 't') {
			if (str_parse_int64(optarg, 1, INT64_MAX, &ticket) < 0)
				return cmd_usage_error(&cmd_job, "--ticket wants a ticket number");
		} else if (opt == 'l') {
			if (str_parse_int64(optarg, 1, DESK_JOB_LIST_MAX, &limit) < 0)
				return cmd_usage_error(&cmd_job, "--limit is 1 to %d", DESK_JOB_LIST_MAX);
		} else {
			return EX_USAGE;
		}
	}
	int nargs = argc - 1 - optind;
	char **args = argv + 1 + optind;
	if (strcmp(verb, "retry") == 0) {
		if (nargs != 1 || str_parse_int64(args[0], 1, INT64_MAX, &id) < 0)
			return cmd_usage_error(&cmd_job, "retry wants one job ID (a number)");
	} else if (strcmp(verb, "list") == 0) {
		if (nargs)
			return cmd_usage_error(&cmd_job, "unexpected argument '%s'", args[0]);
	} else {
		return cmd_usage_error(&cmd_job, "'%s' is not one of list, retry", verb);
	}
	if ((status = cmd_open_desk(ctx, false, &d)) || (status = cmd_actor(ctx, d, &who)))
		goto out;
	if (strcmp(verb, "retry") == 0) {
		if (desk_job_retry(d, &who, id, &e))
			goto fail;
		printf("queued job #%" PRId64 " again\n", id);
	} else {
		struct rows rows;
		if (desk_job_list(d, &who, &ctx->arena, state, ticket, (int)limit, &rows, &e))
			goto fail;
		printf("%-6s %-10s %-9s %-7s %-8s %-16s %s\n", "ID", "KIND", "STATE", "TICKET",
		       "ATTEMPTS", "RUNS", "LAST ERROR");
		for (size_t i = 0; i < rows.count; i++) {
			struct job_row *j = ROWS_AT(&rows, struct job_row, i);
			char tk[24] = "-", at[16];
			if (j->ticket_id)
				snprintf(tk, sizeof(tk), "#%" PRId64, j->ticket_id);
			snprintf(at, sizeof(at), "%d/%d", j->attempts, j->max_attempts);
			printf("%-6" PRId64 " %-10s %-9s %-7s %-8s %-16s %s\n", j->id, j->kind,
			       job_state_name(j->state), tk, at,
			       j->state == JOB_QUEUED ? cmd_time(ctx, j->run_at) : "-",
			       j->last_error ? j->last_error : "");
		}
	}
	goto out;
fail:
	status = cmd_fail(&e);
out:
	desk_close(d);
	return status;
}

const struct cmd cmd_job = {"job", "list and retry the desk's background work (admins)", usage,
			    run};
