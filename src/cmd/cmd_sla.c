/* cmd_sla.c - champion sla: SLA policies, recomputing clocks, running due timers. */
#include "util/common.h"
#include "cmd/cmd.h"
#include "desk/view.h"
#include "rules/sla.h"
#include "util/str.h"

#include <jansson.h>

static const char usage[] =
	"usage: champion sla add NAME [--priority P] [--group NAME] [--org NAME] [--tag TAG]\n"
	"                             [--channel C] [--requester-role R] [--calendar NAME]\n"
	"                             [--first-reply T] [--next-reply T] [--periodic-update T]\n"
	"                             [--resolution T] [--business | --calendar-time]\n"
	"                             [--pause STATUSES] [--warn PERCENT] [--escalate-to P]\n"
	"                             [--on-warn ACTIONS] [--on-breach ACTIONS]\n"
	"       champion sla edit POLICY [--name NAME] [the options of add]\n"
	"       champion sla move POLICY POSITION\n"
	"       champion sla deactivate|activate POLICY\n"
	"       champion sla list [--json]\n"
	"       champion sla recompute\n"
	"       champion sla run\n"
	"\n"
	"SLA policies are tried in the order they were added; the first whose\n"
	"conditions all match a ticket applies. T is targets per priority:\n"
	"'normal=4h,urgent=1h' (units m, h, d; all=8h sets every priority). Targets\n"
	"count business time on --calendar (the default when a calendar is given) or,\n"
	"with --calendar-time, every minute. First reply runs from creation to the\n"
	"first public agent reply (none for tickets agents open); next reply from each\n"
	"customer message after an agent reply to the next agent reply; periodic\n"
	"update between public agent replies; resolution to the solve, resumed by a\n"
	"reopen. --pause lists the statuses that stop the resolution clock\n"
	"(default pending,on_hold; 'none' for none). Warnings come at --warn percent of\n"
	"a target (default 75) and breaches at the due time, as events on the ticket;\n"
	"with --escalate-to, a breach raises a lower priority to P. ACTIONS (default\n"
	"notify; 'none' for none): 'notify' mails the assignee, or the group's members\n"
	"when unassigned (at a breach the group's leads too) once mail.from is set;\n"
	"'assign-lead' (breaches only) gives the ticket to its group's lead. Every\n"
	"action is an event on the ticket.\n"
	"\n"
	"POLICY is a policy's name or #ID. 'edit' changes only what is given: 'any'\n"
	"lifts a priority, channel or role condition, '' a group, org, tag or\n"
	"calendar; a metric's targets 'none' removes them; --escalate-to none stops\n"
	"raising. 'move' puts a policy at POSITION (1: tried first). An inactive\n"
	"policy matches no ticket. Each change recomputes the clocks of the tickets\n"
	"not closed from their events, as if the policy had always been so.\n"
	"\n"
	"'recompute' rebuilds every ticket's clocks from its events, and the business\n"
	"times the first-response report keeps (after a calendar or policy edit, the\n"
	"report measures closed tickets again itself until then). 'run' fires the\n"
	"due warning and breach timers (sla.timer jobs) once; champion serve does it\n"
	"every second, so use it where no server runs (cron). A timer fires once,\n"
	"however many run it.\n"
	"All but 'list' need an admin.\n";

static void target_text(struct arena *a, const struct rows *tg, int64_t policy,
			const char *metric, const char **text)
{
	char buf[256] = "";
	size_t n = 0;

	for (size_t i = 0; i < tg->count; i++) {
		struct sla_target_row *t = ROWS_AT(tg, struct sla_target_row, i);
		if (t->policy_id != policy || strcmp(t->metric, metric) != 0)
			continue;
		n += (size_t)snprintf(buf + n, sizeof(buf) - n < 2 ? 0 : sizeof(buf) - n, "%s%s=%dm%s",
				      n ? "," : "", priority_name(t->priority), t->minutes,
				      t->business ? "" : " (calendar)");
		if (n >= sizeof(buf))
			n = sizeof(buf) - 1;
	}
	*text = arena_strdup(a, buf);
}

static int list(struct cmd_ctx *ctx, struct desk *d, const struct actor *who, bool json,
		struct err *e)
{
	static const char *const metrics[] = {"first_reply", "next_reply", "periodic_update",
					      "resolution"};
	struct rows pol, tg;
	json_t *arr = json ? json_array() : NULL;

	if (desk_sla_list(d, who, &ctx->arena, &pol, &tg, e))
		return cmd_fail(e);
	for (size_t i = 0; i < pol.count; i++) {
		struct sla_policy_row *p = ROWS_AT(&pol, struct sla_policy_row, i);
		const char *texts[4];
		for (size_t k = 0; k < 4; k++)
			target_text(&ctx->arena, &tg, p->id, metrics[k], &texts[k]);
		if (json) {
			json_array_append_new(arr, view_sla_policy_json(p, &tg));
			continue;
		}
		printf("%" PRId64 ". %s (#%" PRId64 ")%s\n", p->position, p->name, p->id,
		       p->active ? "" : " inactive");
		printf("   when:     %s\n", strcmp(p->conditions, "{}") ? p->conditions : "any ticket");
		printf("   calendar: %s\n", p->calendar_name ? p->calendar_name : "- (calendar time)");
		for (size_t k = 0; k < 4; k++)
			if (*texts[k])
				printf("   %-16s %s\n", metrics[k], texts[k]);
		printf("   pause resolution: %s; warn at %d%%", p->pause, p->warn_percent);
		if (p->escalate_to >= 0)
			printf("; a breach raises priority to %s",
			       priority_name((enum priority)p->escalate_to));
		printf("\n   on warning: %s; on breach: %s\n", *p->on_warn ? p->on_warn : "none",
		       *p->on_breach ? p->on_breach : "none");
	}
	if (json) {
		json_dumpf(arr, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(arr);
	} else if (!pol.count) {
		printf("no SLA policies\n");
	}
	return 0;
}

/* An enum option: its value, or -1 for "any"/"none" when editing; -2 for a bad one. */
static int enum_opt(const char *arg, bool editing, const char *none, int (*parse)(const char *))
{
	if (editing && strcmp(arg, none) == 0)
		return -1;
	int v = parse(arg);
	return v < 0 ? -2 : v;
}

static int run(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"priority", required_argument, NULL, 'p'},
		{"group", required_argument, NULL, 'g'},
		{"org", required_argument, NULL, 'o'},
		{"tag", required_argument, NULL, 't'},
		{"channel", required_argument, NULL, 'c'},
		{"requester-role", required_argument, NULL, 'r'},
		{"calendar", required_argument, NULL, 'C'},
		{"first-reply", required_argument, NULL, '1'},
		{"next-reply", required_argument, NULL, '2'},
		{"periodic-update", required_argument, NULL, '3'},
		{"resolution", required_argument, NULL, '4'},
		{"business", no_argument, NULL, 'b'},
		{"calendar-time", no_argument, NULL, 'T'},
		{"pause", required_argument, NULL, 'P'},
		{"warn", required_argument, NULL, 'w'},
		{"warn-percent", required_argument, NULL, 'w'},
		{"escalate-to", required_argument, NULL, 'E'},
		{"on-warn", required_argument, NULL, 'W'},
		{"on-breach", required_argument, NULL, 'B'},
		{"name", required_argument, NULL, 'n'},
		{"json", no_argument, NULL, 'j'},
		{0},
	};
	static const char *const verbs[] = {"add", "edit", "move", "deactivate", "activate", "list",
					    "recompute", "run", NULL};
	struct sla_policy_in in = {.priority = -1, .channel = -1, .requester_role = -1,
				   .escalate_to = -1};
	bool started = false, json = false, business = false, caltime = false, editing;
	struct err e = ERR_INIT;
	struct desk *d = NULL;
	struct actor who;
	const char *verb, *rename = NULL;
	int opt, status, v = 0;
	int64_t n;

	if (argc < 2)
		return cmd_usage_error(&cmd_sla, "which one: add, edit, move, deactivate, activate, "
				       "list, recompute or run?");
	verb = argv[1];
	while (verbs[v] && strcmp(verbs[v], verb) != 0)
		v++;
	if (!verbs[v])
		return cmd_usage_error(&cmd_sla, "'%s' is not an sla command", verb);
	editing = strcmp(verb, "edit") == 0;
	if (editing)
		in = (struct sla_policy_in){.priority = DESK_SLA_KEEP, .channel = DESK_SLA_KEEP,
					    .requester_role = DESK_SLA_KEEP,
					    .escalate_to = DESK_SLA_KEEP};
	while ((opt = cmd_getopt("sla", argc - 1, argv + 1, "", opts, &started)) != -1) {
		switch (opt) {
		case 'p':
			if ((in.priority = enum_opt(optarg, editing, "any", priority_parse)) == -2)
				return cmd_usage_error(&cmd_sla, "priority '%s' is not one of %s", optarg,
						       priority_names());
			break;
		case 'c':
			if ((in.channel = enum_opt(optarg, editing, "any", channel_parse)) == -2)
				return cmd_usage_error(&cmd_sla, "channel '%s' is not one of %s", optarg,
						       channel_names());
			break;
		case 'r':
			if ((in.requester_role = enum_opt(optarg, editing, "any", role_parse)) == -2)
				return cmd_usage_error(&cmd_sla, "role '%s' is not one of %s", optarg,
						       role_names());
			break;
		case 'g':
			in.group = optarg;
			break;
		case 'o':
			in.organisation = optarg;
			break;
		case 't':
			in.tag = optarg;
			break;
		case 'C':
			in.calendar = optarg;
			break;
		case '1':
		case '2':
		case '3':
		case '4':
			in.targets[opt - '1'] = optarg;
			break;
		case 'b':
			business = true;
			break;
		case 'T':
			caltime = true;
			break;
		case 'P':
			in.pause = optarg;
			break;
		case 'w':
			if (str_parse_int64(optarg, 1, 99, &n) < 0)
				return cmd_usage_error(&cmd_sla, "--warn wants a percentage from 1 to 99");
			in.warn_percent = (int)n;
			break;
		case 'E':
			if ((in.escalate_to = enum_opt(optarg, editing, "none", priority_parse)) == -2)
				return cmd_usage_error(&cmd_sla, "--escalate-to '%s' is not one of %s",
						       optarg, priority_names());
			break;
		case 'W':
			in.on_warn = optarg;
			break;
		case 'B':
			in.on_breach = optarg;
			break;
		case 'n':
			rename = optarg;
			break;
		case 'j':
			json = true;
			break;
		default:
			return EX_USAGE;
		}
	}
	int nargs = argc - 1 - optind;
	char **args = argv + 1 + optind;
	int want = v == 0 || v == 1 || v == 3 || v == 4 ? 1 : v == 2 ? 2 : 0;
	if (nargs != want)
		return cmd_usage_error(&cmd_sla, want == 0	 ? "%s wants no arguments"
						 : want == 1 ? "%s wants one policy"
							     : "%s wants a policy and a position",
				       verb);
	if (rename && !editing)
		return cmd_usage_error(&cmd_sla, "--name is for edit (add takes NAME)");
	if (business && caltime)
		return cmd_usage_error(&cmd_sla, "give --business or --calendar-time, not both");
	if (!editing && business && !in.calendar)
		return cmd_usage_error(&cmd_sla, "--business wants --calendar NAME");
	if (editing) {
		in.business_given = business || caltime;
		in.business = business;
		in.name = rename;
	} else {
		in.business = in.calendar && !caltime;
	}
	if (v == 2 && str_parse_int64(args[1], 1, DESK_SLA_POLICIES_MAX, &n) < 0)
		return cmd_usage_error(&cmd_sla, "POSITION '%s' is not a number from 1 to %d", args[1],
				       DESK_SLA_POLICIES_MAX);
	if ((status = cmd_open_desk(ctx, false, &d)) || (status = cmd_actor(ctx, d, &who)))
		goto out;
	int64_t id;
	switch (v) {
	case 0:
		in.name = args[0];
		if (desk_sla_add(d, &who, &in, &id, &e))
			goto fail;
		printf("added SLA policy '%s' (#%" PRId64 ")\n", args[0], id);
		break;
	case 1:
		if (desk_sla_edit(d, &who, args[0], &in, &id, &e))
			goto fail;
		printf("changed SLA policy #%" PRId64 "; clocks recomputed\n", id);
		break;
	case 2:
		if (desk_sla_move(d, &who, args[0], n, &id, &e))
			goto fail;
		printf("moved SLA policy #%" PRId64 " to position %" PRId64 "; clocks recomputed\n", id,
		       n);
		break;
	case 3:
	case 4:
		if (desk_sla_set_active(d, &who, args[0], v == 4, &id, &e))
			goto fail;
		printf("%s SLA policy #%" PRId64 "; clocks recomputed\n",
		       v == 4 ? "activated" : "deactivated", id);
		break;
	case 5:
		status = list(ctx, d, &who, json, &e);
		break;
	case 6:
		if (desk_sla_recompute_all(d, &who, &n, &e))
			goto fail;
		printf("recomputed the SLA clocks of %" PRId64 " tickets\n", n);
		break;
	default: {
		char worker[DESK_WORKER_MAX];
		int ran;
		if (who.role != ROLE_ADMIN) {
			err_set(&e, ERR_FORBIDDEN, "running SLA timers needs an admin");
			goto fail;
		}
		desk_worker_name(worker, "sla");
		if (desk_sla_run_due(d, worker, &ran, &e))
			goto fail;
		printf("ran %d SLA timers\n", ran);
	}
	}
	goto out;
fail:
	status = cmd_fail(&e);
out:
	desk_close(d);
	return status;
}

const struct cmd cmd_sla = {"sla", "SLA policies, their clocks and timers", usage, run};
