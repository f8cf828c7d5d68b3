/* cmd_calendar.c - champion calendar: business-hours calendars for SLA targets. */
#include "util/common.h"
#include "cmd/cmd.h"
#include "desk/view.h"

#include <jansson.h>

static const char usage[] =
	"usage: champion calendar add NAME --zone ZONE --hours HOURS\n"
	"                             [--holiday 'YYYY-MM-DD[ HH:MM-HH:MM]']...\n"
	"       champion calendar edit CALENDAR [--name NAME] [--zone ZONE] [--hours HOURS]\n"
	"                             [--holiday 'YYYY-MM-DD[ HH:MM-HH:MM]']... [--no-holidays]\n"
	"       champion calendar list [--json]\n"
	"\n"
	"Business hours in an IANA time zone, less holidays, for SLA targets counted\n"
	"in business time. HOURS: 'mon-fri 09:00-17:00; sat 10:00-14:00' (days: mon\n"
	"tue wed thu fri sat sun, ranges like fri-mon, or daily; 22:00-06:00 runs past\n"
	"midnight). A holiday closes a local date, or only the hours given. The\n"
	"calendar named 'default' measures business time for tickets no policy covers\n"
	"(else they count calendar time).\n"
	"\n"
	"'edit' changes a calendar (CALENDAR: its name or #ID): what is given\n"
	"replaces what was; --holiday given replaces all the holidays, --no-holidays\n"
	"removes them. The clocks of the tickets not closed are recomputed from their\n"
	"events, and a running champion serve uses the new hours at once. 'add' and\n"
	"'edit' need an admin.\n";

#define MAX_HOLIDAYS 400

static int run(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"zone", required_argument, NULL, 'z'},
		{"hours", required_argument, NULL, 'H'},
		{"holiday", required_argument, NULL, 'd'},
		{"json", no_argument, NULL, 'j'},
		{"name", required_argument, NULL, 'n'},
		{"no-holidays", no_argument, NULL, 'N'},
		{0},
	};
	const char *holidays[MAX_HOLIDAYS];
	struct calendar_in in = {0};
	bool started = false, json = false, no_holidays = false;
	const char *rename = NULL;
	struct err e = ERR_INIT;
	struct desk *d = NULL;
	struct actor who;
	const char *verb;
	int opt, status;

	if (argc < 2)
		return cmd_usage_error(&cmd_calendar, "which one: add, edit or list?");
	verb = argv[1];
	while ((opt = cmd_getopt("calendar", argc - 1, argv + 1, "", opts, &started)) != -1) {
		switch (opt) {
		case 'z':
			in.zone = optarg;
			break;
		case 'H':
			in.hours = optarg;
			break;
		case 'd':
			if (in.nholidays == MAX_HOLIDAYS)
				return cmd_usage_error(&cmd_calendar, "more than %d holidays",
						       MAX_HOLIDAYS);
			holidays[in.nholidays++] = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'n':
			rename = optarg;
			break;
		case 'N':
			no_holidays = true;
			break;
		default:
			return EX_USAGE;
		}
	}
	int nargs = argc - 1 - optind;
	char **args = argv + 1 + optind;
	if ((rename || no_holidays) && strcmp(verb, "edit") != 0)
		return cmd_usage_error(&cmd_calendar, "--name and --no-holidays are for edit");
	if (strcmp(verb, "add") == 0) {
		if (nargs != 1)
			return cmd_usage_error(&cmd_calendar, "add wants one NAME");
		if (!in.zone || !in.hours)
			return cmd_usage_error(&cmd_calendar, "add wants --zone ZONE and --hours HOURS");
	} else if (strcmp(verb, "edit") == 0) {
		if (nargs != 1)
			return cmd_usage_error(&cmd_calendar, "edit wants one CALENDAR");
		if (no_holidays && in.nholidays)
			return cmd_usage_error(&cmd_calendar, "give --holiday or --no-holidays, not both");
		if (!rename && !in.zone && !in.hours && !in.nholidays && !no_holidays)
			return cmd_usage_error(&cmd_calendar, "edit wants something to change: --name, "
					       "--zone, --hours, --holiday or --no-holidays");
	} else if (strcmp(verb, "list") == 0) {
		if (nargs != 0)
			return cmd_usage_error(&cmd_calendar, "list wants no arguments");
	} else {
		return cmd_usage_error(&cmd_calendar, "'%s' is not a calendar command", verb);
	}
	if ((status = cmd_open_desk(ctx, false, &d)) || (status = cmd_actor(ctx, d, &who)))
		goto out;
	if (strcmp(verb, "add") == 0) {
		int64_t id;
		in.name = args[0];
		in.holidays = holidays;
		if (desk_calendar_add(d, &who, &in, &id, &e))
			goto fail;
		printf("added calendar '%s' (#%" PRId64 ")\n", args[0], id);
	} else if (strcmp(verb, "edit") == 0) {
		struct calendar_row c;
		in.name = rename;
		in.holidays = holidays;
		if (desk_calendar_edit(d, &who, args[0], &in, in.nholidays || no_holidays, &c,
				       &ctx->arena, &e))
			goto fail;
		printf("changed calendar '%s' (#%" PRId64 ", version %" PRId64 "); clocks recomputed\n",
		       c.name, c.id, c.version);
	} else {
		struct rows rows;
		if (desk_calendar_list(d, &who, &ctx->arena, &rows, &e))
			goto fail;
		json_t *arr = json ? json_array() : NULL;
		if (!json)
			printf("%-5s %-16s %-20s %s\n", "ID", "NAME", "ZONE", "HOURS");
		for (size_t i = 0; i < rows.count; i++) {
			struct calendar_row *c = ROWS_AT(&rows, struct calendar_row, i);
			if (json) {
				json_array_append_new(arr, view_calendar_json(c));
				continue;
			}
			printf("%-5" PRId64 " %-16s %-20s %s\n", c->id, c->name, c->zone, c->hours);
			if (*c->holidays)
				printf("      holidays: %s\n", c->holidays);
		}
		if (json) {
			json_dumpf(arr, stdout, JSON_INDENT(2));
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

const struct cmd cmd_calendar = {"calendar", "business-hours calendars for SLA targets", usage,
				 run};
