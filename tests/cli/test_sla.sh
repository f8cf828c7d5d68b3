#!/usr/bin/env bash
# test_sla.sh - first response, measured, through the CLI: calendars, SLA
# policies, clocks on tickets, the queue ordered by what is due (a hard
# ticket skipped for days comes first), timers firing once, recomputing
# from the events, and the first-response report against an independent
# count over the events.
. "${BASH_SOURCE%/*}/lib.sh"

DB=champion.db
AGENT=(--as agent@example.com)

at()
{
	local when=$1
	shift
	CHAMPION_NOW=$when ch "$@"
}
q()
{
	sql "$DB" "$1"
}
# iso MS: an instant in milliseconds as 2026-11-06T13:00:00Z (empty stays empty).
iso()
{
	[ -n "$1" ] && date -u -d "@$(($1 / 1000))" +%Y-%m-%dT%H:%M:%SZ
}
# new WHEN REQUESTER [ARGS...]: creates a ticket then; sets ID.
new()
{
	local when=$1 who=$2
	shift 2
	at "$when" ticket create --subject "Help from $who" --requester "$who" --body "It broke" "$@"
	assert_status 0
	ID=$(printf '%s' "$OUT" | sed -n 's/^created ticket #\([0-9]*\)$/\1/p')
	[ -n "$ID" ] || fail "no ticket id in '$OUT'"
}
reply()
{
	CHAMPION_NOW=$1 ch "${AGENT[@]}" ticket reply "$2" --body "On it" --status pending
	assert_status 0
}

ch init --admin admin@example.com
assert_status 0
ch user add agent@example.com --role agent
assert_status 0
ch group add Support
assert_status 0

# --- help names every command -------------------------------------------------------
for c in calendar sla report; do
	ch "$c" --help
	assert_status 0
	out_has "champion $c"
done
ch help
out_has "calendar"
out_has "report"

# --- calendars ----------------------------------------------------------------------
ch calendar add Office --zone Europe/London --hours "mon-fri 09:00-17:00" \
	--holiday 2026-11-04 --holiday "2026-11-05 13:00-24:00"
assert_status 0
out_has "added calendar 'Office'"
ch calendar add Bad --zone Mars/Olympus --hours "mon-fri 09:00-17:00"
assert_fails
err_has "Mars/Olympus"
ch calendar add Bad --zone UTC --hours "someday 09:00"
assert_fails
ch calendar add Bad --zone UTC --hours "mon 09:00-17:00" --holiday 2026-02-30x
assert_fails
err_has "holiday"
ch calendar add office --zone UTC --hours "mon 09:00-17:00"
assert_fails
err_has "exists"
ch "${AGENT[@]}" calendar add Mine --zone UTC --hours "mon 09:00-17:00"
assert_fails
ch calendar list
assert_status 0
out_has "Europe/London"
out_has "2026-11-04; 2026-11-05 13:00-24:00"
ch calendar list --json
assert_eq "Office" "$(json 'j[0]["name"]')" "calendar name"

# --- policies -----------------------------------------------------------------------
ch sla add Urgent --priority urgent --calendar-time --calendar Office --first-reply "all=30m" \
	--escalate-to urgent
assert_status 0
ch sla add Standard --calendar Office --first-reply "normal=4h,high=2h" --next-reply "all=8h" \
	--resolution "normal=5d"
assert_status 0
out_has "added SLA policy 'Standard'"
ch sla add Broken --first-reply "normal=4x"
assert_fails
err_has "first_reply"
ch sla add NoTargets
assert_fails
err_has "at least one target"
ch sla add Biz --business --first-reply "all=1h"
assert_fails
err_has "--calendar"
ch "${AGENT[@]}" sla add Mine --first-reply "all=1h"
assert_fails
ch sla list
assert_status 0
out_has "1. Urgent"
out_has "2. Standard"
out_has "first_reply      normal=240m,high=120m"
ch sla list --json
assert_eq "Standard" "$(json 'j[1]["name"]')" "second policy"
assert_eq "240" "$(json 'j[1]["targets"]["first_reply"]["normal"]["minutes"]')" "target"
assert_eq "urgent" "$(json 'j[0]["conditions"]["priority"]')" "condition"
assert_eq "urgent" "$(json 'j[0]["escalate_to"]')" "escalation"
ch sla add Odd --first-reply "all=1h" --escalate-to asap
assert_status 64

# --- a week at the desk -------------------------------------------------------------
# Monday 09:30: the hard one. Nobody answers it for days.
new 2026-11-02T09:30:00Z hard@customer.test
HARD=$ID
# Easy ones every half day, answered within minutes; the last two wait.
EASY=()
for when in 2026-11-02T14:00:00Z 2026-11-03T09:10:00Z 2026-11-03T15:00:00Z \
	2026-11-05T10:00:00Z 2026-11-06T09:00:00Z 2026-11-06T11:00:00Z; do
	new "$when" easy@customer.test
	EASY+=("$ID")
done
for i in 0 1 2 3; do
	created=$(q "SELECT created_at FROM tickets WHERE id = ${EASY[$i]}")
	reply "$(iso $((created + (7 * i + 5) * 60000)))" "${EASY[$i]}"
done
# An urgent one, answered late (calendar time: 30 minutes).
new 2026-11-03T10:00:00Z vip@customer.test --priority urgent
URGENT=$ID
reply 2026-11-03T11:00:00Z "$URGENT"
# A low one: no target, waiting since Monday 08:00.
new 2026-11-02T08:00:00Z low@customer.test --priority low
LOW=$ID
# An agent opens one for a customer: no first reply is owed.
CHAMPION_NOW=2026-11-03T12:00:00Z ch "${AGENT[@]}" ticket create --subject "We called you" \
	--requester phone@customer.test --body "As discussed" --channel phone
assert_status 0
CALLED=$(q "SELECT max(id) FROM tickets")
assert_eq "" "$(q "SELECT metric FROM sla_clocks WHERE ticket_id = $CALLED AND metric = 'first_reply'")" \
	"no first reply owed on a ticket an agent opened"

# Monday 09:30 + 4 business hours = 13:30 Monday.
at 2026-11-06T12:00:00Z ticket show "$HARD" --json
assert_status 0
assert_eq "Standard" "$(json 'j["sla"]["policy"]')" "the hard ticket's policy"
assert_eq "first_reply breached 2026-11-02T13:30:00.000Z" \
	"$(json '" ".join([j["sla"]["clocks"][0][k] for k in ("metric", "state", "due_at")])')" \
	"the hard ticket's first reply clock"
at 2026-11-06T12:00:00Z ticket show "$HARD"
out_has "sla policy: Standard"
out_has "sla first_reply"
# Friday 09:00 (ticket 6) + 4h = 13:00; 11:00 (ticket 7) + 4h = 15:00.
at 2026-11-06T12:00:00Z ticket show "${EASY[4]}" --json
assert_eq "2026-11-06T13:00:00.000Z running" \
	"$(json 'j["sla"]["clocks"][0]["due_at"] + " " + j["sla"]["clocks"][0]["state"]')" "due"

# --- the queue: the hard ticket surfaces at the top ---------------------------------
CHAMPION_NOW=2026-11-06T12:00:00Z ch "${AGENT[@]}" ticket list --order due --json
assert_status 0
ORDER=$(json '" ".join(str(t["id"]) for t in j["tickets"])')
# Breached, then due soonest (first replies Friday, the called-in ticket's
# resolution in weeks), then the longest wait without a target.
assert_eq "$HARD ${EASY[4]} ${EASY[5]} $CALLED $LOW" "$(echo "$ORDER" | cut -d' ' -f1-5)" \
	"queue by due"
ch "${AGENT[@]}" ticket list --order due --limit 2 --json
NEXT=$(json 'j["next_cursor"]')
assert_eq "${EASY[4]}" "$NEXT" "cursor"
ch "${AGENT[@]}" ticket list --order due --limit 2 --cursor "$NEXT" --json
assert_eq "${EASY[5]} $CALLED" "$(json '" ".join(str(t["id"]) for t in j["tickets"])')" "page 2"
ch ticket list --order soonest
assert_status 64
# The default order is newest first, as before.
ch ticket list --json
assert_eq "$(q "SELECT max(id) FROM tickets")" "$(json 'j["tickets"][0]["id"]')" "newest first"
# The query walks the index: SQLite sorts nothing.
if [ "$TEST_BACKEND" = sqlite ]; then
	PLAN=$(q "EXPLAIN QUERY PLAN SELECT id FROM tickets t WHERE t.status = 'new'
		ORDER BY t.sla_sort_key, t.id LIMIT 50")
	assert_not_contains "$PLAN" "TEMP B-TREE" "the query plan"
fi

# --- timers fire once -----------------------------------------------------------------
at 2026-11-06T12:00:00Z sla run
assert_status 0
assert_match "$OUT" "^ran [0-9]+ SLA timers$"
assert_eq "1" "$(q "SELECT count(*) FROM events WHERE entity_id = $HARD AND kind = 'sla.breach'")" \
	"one breach event"
assert_eq "1" "$(q "SELECT count(*) FROM events WHERE entity_id = $URGENT AND kind = 'sla.breach'")" \
	"the urgent ticket's late reply breached"
# Friday 09:00 + 75% of 4 hours: warned at 12:00, not breached yet.
assert_eq "1|0" "$(q "SELECT count(CASE WHEN kind = 'sla.warning' THEN 1 END), count(CASE WHEN kind = 'sla.breach' THEN 1 END) FROM events
	WHERE entity_id = ${EASY[4]}")" "warning only"
at 2026-11-06T12:00:00Z sla run
out_has "ran 0 SLA timers"
at 2026-11-06T14:00:00Z sla run
assert_eq "1|1" "$(q "SELECT count(CASE WHEN kind = 'sla.warning' THEN 1 END), count(CASE WHEN kind = 'sla.breach' THEN 1 END) FROM events
	WHERE entity_id = ${EASY[4]}")" "warning then breach"
at 2026-11-06T14:00:00Z ticket events "$HARD"
out_has "sla.breach"
ch "${AGENT[@]}" sla run
assert_fails

# --- recompute rebuilds the derived state from the events ---------------------------
BEFORE=$(q "SELECT group_concat(ticket_id || metric || coalesce(CAST(due_at AS TEXT), '') || coalesce(CAST(achieved_at AS TEXT), '')
	|| coalesce(CAST(breached_at AS TEXT), ''), ',') FROM (SELECT * FROM sla_clocks ORDER BY ticket_id, metric) AS x")
q "DELETE FROM sla_clocks; UPDATE tickets SET sla_sort_key = 0, sla_due_at = NULL" >/dev/null
at 2026-11-06T14:00:00Z sla recompute
assert_status 0
out_has "recomputed the SLA clocks of 10 tickets"
AFTER=$(q "SELECT group_concat(ticket_id || metric || coalesce(CAST(due_at AS TEXT), '') || coalesce(CAST(achieved_at AS TEXT), '')
	|| coalesce(CAST(breached_at AS TEXT), ''), ',') FROM (SELECT * FROM sla_clocks ORDER BY ticket_id, metric) AS x")
assert_eq "$BEFORE" "$AFTER" "clocks after recompute"
CHAMPION_NOW=2026-11-06T12:00:00Z ch "${AGENT[@]}" ticket list --order due --json
assert_eq "$ORDER" "$(json '" ".join(str(t["id"]) for t in j["tickets"])')" "queue after recompute"

# --- a later edit moves nothing reported -----------------------------------------------
at 2026-11-07T10:00:00Z ticket set "${EASY[0]}" --priority high --status open
assert_status 0

# --- the report, against the events counted another way ----------------------------
at 2026-11-09T00:00:00Z report first-response --from 2026-11-01 --to 2026-11-08 --json
assert_status 0
printf '%s' "$OUT" >report.json
q "SELECT c.created_at || ' ' || coalesce(CAST(r.created_at AS TEXT), '')
	FROM events c JOIN tickets t ON t.id = c.entity_id AND t.opened_by_agent = 0
	LEFT JOIN events r ON r.entity_id = c.entity_id AND r.kind = 'ticket.first_response'
	WHERE c.kind = 'ticket.created' ORDER BY c.entity_id" >times.txt
CHECK=$(python3 - <<'EOF'
import json, math, datetime as dt
rep = json.load(open("report.json"))
line = rep["lines"][0]
rows = [l.split(" ") for l in open("times.txt").read().split("\n") if l.strip()]
cal, biz = [], []
HOL = {dt.date(2026, 11, 4): (0, 1440), dt.date(2026, 11, 5): (780, 1440)}
def business(a, b):
    # Europe/London is UTC+0 in November: 09:00-17:00 on weekdays, less holidays.
    total, t = 0, a
    day = dt.datetime.utcfromtimestamp(a // 1000).date()
    while True:
        start = int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp()) * 1000
        if start >= b:
            break
        if day.weekday() < 5:
            lo, hi = start + 9 * 3600000, start + 17 * 3600000
            spans = [(lo, hi)]
            if day in HOL:
                h0, h1 = HOL[day]
                c0, c1 = start + h0 * 60000, start + h1 * 60000
                spans = [(x, min(y, c0)) for x, y in spans if x < c0] + \
                        [(max(x, c1), y) for x, y in spans if y > c1]
            for x, y in spans:
                total += max(0, min(y, b) - max(x, a))
        day += dt.timedelta(days=1)
    return total
for c, r in rows:
    if r:
        cal.append(int(r) - int(c))
        biz.append(business(int(c), int(r)))
def pct(v, p):
    v = sorted(v)
    return v[math.ceil(p * len(v) / 100) - 1]
out = []
out.append(line["tickets"] == len(rows))
out.append(line["answered"] == len(cal))
for p in (50, 90, 99):
    out.append(line["calendar"]["p%d_ms" % p] == pct(cal, p))
    out.append(line["business"]["p%d_ms" % p] == pct(biz, p))
print("ok" if all(out) else "mismatch %r cal=%r biz=%r line=%r" % (out, cal, biz, line))
EOF
)
assert_eq "ok" "$CHECK" "report against the events"
assert_eq "9 5" "$(python3 -c 'import json; l = json.load(open("report.json"))["lines"][0]; print(l["tickets"], l["answered"])')" \
	"tickets and answered"
# Met: the 4 easy ones; breached: hard, urgent (late), the last two easy (past due).
assert_eq "4 4 50.0" "$(python3 -c 'import json; l = json.load(open("report.json"))["lines"][0]; print(l["sla_met"], l["sla_breached"], l["sla_attainment_pct"])')" \
	"attainment"
at 2026-11-09T00:00:00Z report first-response --from 2026-11-01 --to 2026-11-08 --by priority
assert_status 0
out_has "urgent"
out_has "high"
assert_match "$OUT" "normal +6 +3"
at 2026-11-09T00:00:00Z report first-response --from 2026-11-01 --to 2026-11-08 --by agent
out_has "agent@example.com"
out_has "(unanswered)"
ch report first-response --from 2026-11-08 --to 2026-11-01
assert_fails
ch report first-response --from yesterday --to 2026-11-01
assert_status 64
ch report first-response --from 2026-11-01 --to 2026-11-08 --by mood
assert_status 64
ch report nonsense
assert_status 64
ch --as easy@customer.test report first-response --from 2026-11-01 --to 2026-11-08
assert_fails

# --- editing a policy moves due times as a fresh computation would -------------------
clocks()
{ # [TICKET]: every ticket's clocks, but TICKET's
	q "SELECT group_concat(ticket_id || ':' || metric || ':' || coalesce(CAST(due_at AS TEXT), '') || ':' ||
		coalesce(CAST(breached_at AS TEXT), '') || ':' || coalesce(CAST(achieved_at AS TEXT), ''), ',')
		FROM (SELECT * FROM sla_clocks WHERE ticket_id != ${1:-0} ORDER BY ticket_id, metric) AS x"
}
due()
{ # TICKET METRIC: the stored due time, ISO
	iso "$(q "SELECT due_at FROM sla_clocks WHERE ticket_id = $1 AND metric = '$2'")"
}
EASY5=${EASY[5]}
assert_eq "2026-11-06T15:00:00Z" "$(due "$EASY5" first_reply)" "Friday 11:00 + 4h before the edit"
at 2026-11-06T12:00:00Z sla edit Standard --first-reply "normal=2h,high=1h"
assert_status 0
out_has "changed SLA policy #2; clocks recomputed"
# Friday 11:00 + 2 business hours.
assert_eq "2026-11-06T13:00:00Z" "$(due "$EASY5" first_reply)" "the due time moved"
assert_eq "2026-11-06T13:00:00Z" "$(iso "$(q "SELECT sla_due_at FROM tickets WHERE id = $EASY5")")" \
	"the queue's due time too"
assert_eq "$(q "SELECT run_at FROM jobs WHERE ticket_id = $EASY5 AND dedupe_key LIKE '%first_reply%:breach'")" \
	"$(q "SELECT due_at FROM sla_clocks WHERE ticket_id = $EASY5 AND metric = 'first_reply'")" \
	"the breach timer re-armed at the new due time"
EDITED=$(clocks)
q "DELETE FROM sla_clocks" >/dev/null
at 2026-11-06T12:00:00Z sla recompute
assert_eq "$EDITED" "$(clocks)" "the edit's clocks are those computed from scratch"
# Only what is given changes: the resolution and next reply targets stay.
ch sla list --json
assert_eq "120 7200 480" "$(json '" ".join(str(j[1]["targets"][m]["normal"]["minutes"]) for m in ("first_reply", "resolution", "next_reply"))')" \
	"targets after the edit"
# A policy with a condition lifted and a metric removed.
at 2026-11-06T12:00:00Z sla edit Urgent --priority any --first-reply none --resolution "all=1d"
assert_status 0
ch sla list --json
assert_eq "{} ['resolution']" "$(json 'json.dumps(j[0]["conditions"]) + " " + str(sorted(j[0]["targets"]))')" \
	"condition lifted, targets replaced"
# Urgent now matches everything first: deactivated, Standard applies again.
at 2026-11-06T12:00:00Z sla deactivate Urgent
assert_status 0
out_has "deactivated SLA policy #1"
# The urgent ticket had only the Urgent policy: now none (Standard has no urgent target).
assert_eq "$(clocks "$URGENT")" "$(clocks)" "an inactive policy applies to nothing"
assert_eq "$(clocks "$URGENT")" "$(echo "$EDITED" | tr ',' '\n' | grep -v "^$URGENT:" | paste -sd,)" \
	"the others as before"
at 2026-11-06T12:00:00Z sla activate "#1"
assert_status 0
assert_eq "1" "$(q "SELECT count(DISTINCT policy_id) FROM sla_clocks WHERE ticket_id IN (SELECT id FROM tickets WHERE status != 'closed')")" \
	"active again: the first policy takes every ticket"
at 2026-11-06T12:00:00Z sla move Standard 1
assert_status 0
ch sla list
out_has "1. Standard"
out_has "2. Urgent"
assert_eq "$(clocks "$URGENT")" "$(clocks)" "Standard first again: nothing for urgent"
at 2026-11-06T12:00:00Z sla move Standard 3
assert_fails
err_has "between 1 and 2"
at 2026-11-06T12:00:00Z sla edit Nope --first-reply "all=1h"
assert_fails
err_has "no SLA policy 'Nope'"
at 2026-11-06T12:00:00Z sla edit Standard --first-reply "all=1x"
assert_fails
err_has "first_reply"
at 2026-11-06T12:00:00Z sla edit Standard --name Urgent
assert_fails
err_has "exists"
at 2026-11-06T12:00:00Z sla edit Standard --calendar ""
assert_fails
err_has "need a calendar"
assert_eq "$(clocks "$URGENT")" "$(echo "$EDITED" | tr ',' '\n' | grep -v "^$URGENT:" | paste -sd,)" \
	"refused edits change nothing"
ch "${AGENT[@]}" sla edit Standard --warn 50
assert_fails
ch "${AGENT[@]}" sla deactivate Standard
assert_fails

# --- editing a calendar moves due times too ----------------------------------------
at 2026-11-06T12:00:00Z calendar edit Office --hours "mon-fri 10:00-18:00"
assert_status 0
out_has "changed calendar 'Office' (#1, version 2); clocks recomputed"
# Friday 11:00 + 2 business hours on the new hours is still 13:00; the hard
# one, Monday 09:30, starts counting at 10:00: due 12:00.
assert_eq "2026-11-02T12:00:00Z" "$(due "$HARD" first_reply)" "the hard ticket's due time under the new hours"
ch calendar list
out_has "2026-11-04; 2026-11-05 13:00-24:00"
at 2026-11-06T12:00:00Z calendar edit Office --holiday 2026-11-06
assert_status 0
ch calendar list --json
assert_eq "2026-11-06 3" "$(json 'j[0]["holidays"] + " " + str(j[0]["version"])')" "holidays replaced"
# Friday is now a holiday: Friday's tickets wait for Monday 10:00 + 2h.
assert_eq "2026-11-09T12:00:00Z" "$(due "$EASY5" first_reply)" "a new holiday moves the due time"
CAL=$(clocks)
q "DELETE FROM sla_clocks" >/dev/null
at 2026-11-06T12:00:00Z sla recompute
assert_eq "$CAL" "$(clocks)" "the calendar edit's clocks are those computed from scratch"
at 2026-11-06T12:00:00Z calendar edit Office --no-holidays --zone America/New_York
assert_status 0
ch calendar list --json
assert_eq " America/New_York" "$(json 'j[0]["holidays"] + " " + j[0]["zone"]')" "zone changed, holidays gone"
ch calendar edit Office --zone Mars/Olympus
assert_fails
err_has "Mars/Olympus"
ch calendar edit Office --hours "someday"
assert_fails
ch calendar edit Nowhere --hours "mon 09:00-17:00"
assert_fails
err_has "no calendar 'Nowhere'"
ch calendar edit Office
assert_status 64
ch calendar edit Office --holiday 2026-12-25 --no-holidays
assert_status 64
ch "${AGENT[@]}" calendar edit Office --hours "mon 09:00-17:00"
assert_fails
ch calendar list --json
assert_eq "America/New_York 4" "$(json 'j[0]["zone"] + " " + str(j[0]["version"])')" "refused edits change nothing"

finish
