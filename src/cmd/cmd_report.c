/* cmd_report.c - champion report: the desk's measures, as percentiles. */
#include "util/common.h"
#include "cmd/cmd.h"
#include "desk/view.h"
#include "util/time.h"

#include <jansson.h>

static const char usage[] =
	"usage: champion report first-response --from TIME --to TIME\n"
	"                                      [--by group|agent|priority|channel] [--json]\n"
	"\n"
	"First reply time of the tickets created in [--from, --to): how many, how many\n"
	"answered, the median, p90 and p99 wait in calendar time and in business time\n"
	"(on the calendar of the ticket's SLA policy, else the calendar named\n"
	"'default', else every hour counts), and SLA attainment: the share of tickets\n"
	"with a first-reply target that met it (one still unanswered past its due\n"
	"time counts as breached). Tickets agents opened for a customer are left out.\n"
	"The times come from the events, so later edits do not move them. --by splits\n"
	"by the ticket's group and priority now, the agent who replied first, or the\n"
	"channel it came by. TIME is ISO 8601 (2026-11-01 or 2026-11-01T09:00:00Z).\n"
	"Needs an agent or admin.\n";

/* "3h 05m", "12m 30s", "2d 04h", "-" when there is nothing. */
static const char *dur(struct cmd_ctx *ctx, int64_t ms, int64_t n)
{
	int64_t s = ms / 1000;
	if (!n)
		return "-";
	if (s >= 86400)
		return arena_printf(&ctx->arena, "%" PRId64 "d %02" PRId64 "h", s / 86400,
				    s % 86400 / 3600);
	if (s >= 3600)
		return arena_printf(&ctx->arena, "%" PRId64 "h %02" PRId64 "m", s / 3600,
				    s % 3600 / 60);
	return arena_printf(&ctx->arena, "%" PRId64 "m %02" PRId64 "s", s / 60, s % 60);
}

static int run(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"from", required_argument, NULL, 'f'},
		{"to", required_argument, NULL, 't'},
		{"by", required_argument, NULL, 'b'},
		{"json", no_argument, NULL, 'j'},
		{0},
	};
	bool started = false, json = false;
	struct err e = ERR_INIT;
	struct desk *d = NULL;
	struct actor who;
	const char *from_s = NULL, *to_s = NULL;
	int64_t from = 0, to = 0;
	int opt, status, by = REPORT_BY_NONE;
	struct rows lines;

	if (argc < 2)
		return cmd_usage_error(&cmd_report, "which one: first-response?");
	if (strcmp(argv[1], "first-response") != 0)
		return cmd_usage_error(&cmd_report, "'%s' is not a report", argv[1]);
	while ((opt = cmd_getopt("report", argc - 1, argv + 1, "", opts, &started)) != -1) {
		switch (opt) {
		case 'f':
			from_s = optarg;
			break;
		case 't':
			to_s = optarg;
			break;
		case 'b':
			if ((by = report_by_parse(optarg)) <= REPORT_BY_NONE)
				return cmd_usage_error(&cmd_report, "--by '%s' is not group, agent, "
						       "priority or channel", optarg);
			break;
		case 'j':
			json = true;
			break;
		default:
			return EX_USAGE;
		}
	}
	if (argc - 1 - optind != 0)
		return cmd_usage_error(&cmd_report, "first-response wants no arguments");
	if (!from_s || !to_s)
		return cmd_usage_error(&cmd_report, "first-response wants --from TIME and --to TIME");
	if (time_parse_iso(from_s, &from) < 0 || time_parse_iso(to_s, &to) < 0)
		return cmd_usage_error(&cmd_report, "--from and --to are ISO 8601 times (2026-11-01 "
				       "or 2026-11-01T09:00:00Z)");
	if ((status = cmd_open_desk(ctx, false, &d)) || (status = cmd_actor(ctx, d, &who)))
		goto out;
	if (desk_report_first_response(d, &who, &ctx->arena, from, to, (enum report_by)by, &lines,
				       &e)) {
		status = cmd_fail(&e);
		goto out;
	}
	if (json) {
		json_t *doc = view_report_json(&lines, from, to, (enum report_by)by);
		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(doc);
		goto out;
	}
	printf("%-24s %7s %8s  %-22s  %-22s  %s\n", by ? report_by_name((enum report_by)by) : "", "TICKETS", "ANSWERED",
	       "CALENDAR p50/p90/p99", "BUSINESS p50/p90/p99", "SLA MET");
	for (size_t i = 0; i < lines.count; i++) {
		struct report_line *l = ROWS_AT(&lines, struct report_line, i);
		int64_t with = l->sla_met + l->sla_breached;
		const char *cal = arena_printf(&ctx->arena, "%s/%s/%s", dur(ctx, l->p50, l->answered),
					       dur(ctx, l->p90, l->answered),
					       dur(ctx, l->p99, l->answered));
		const char *biz = arena_printf(&ctx->arena, "%s/%s/%s",
					       dur(ctx, l->bp50, l->answered),
					       dur(ctx, l->bp90, l->answered),
					       dur(ctx, l->bp99, l->answered));
		printf("%-24s %7" PRId64 " %8" PRId64 "  %-22s  %-22s  ", l->key, l->tickets,
		       l->answered, cal, biz);
		if (with)
			printf("%.1f%% (%" PRId64 " of %" PRId64 ")\n",
			       100.0 * (double)l->sla_met / (double)with, l->sla_met, with);
		else
			printf("-\n");
	}
out:
	desk_close(d);
	return status;
}

const struct cmd cmd_report = {"report", "first response times as percentiles, SLA attainment",
			       usage, run};
