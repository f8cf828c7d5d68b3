#!/usr/bin/env bash
# test_views.sh - saved views through the CLI: the five defaults with
# counts checked against an independent count (sqlite3), each default for
# two agents, breached and breaching-soon tickets in what-is-due order,
# pages, personal and shared views and who may change them, and precise
# errors for bad input. The clock stands at 2026-11-02 10:00 UTC.
. "${BASH_SOURCE%/*}/lib.sh"

DB=champion.db
A1=(--as agent@example.com)
A2=(--as agent2@example.com)
UNSOLVED="status IN ('new', 'open', 'pending', 'on_hold')"

q()
{
	sql "$DB" "$1"
}
# new WHEN [ARGS...]: creates a ticket then; sets ID.
new()
{
	local when=$1
	shift
	CHAMPION_NOW=$when ch ticket create --subject "Ticket made at $when" \
		--requester customer@example.com --body "It broke" "$@"
	assert_status 0
	ID=$(printf '%s' "$OUT" | sed -n 's/^created ticket #\([0-9]*\)$/\1/p')
	[ -n "$ID" ] || fail "no ticket id in '$OUT'"
}
uid()
{
	q "SELECT id FROM users WHERE email = '$1'"
}
# count NAME [AS...]: the count champion queue shows for view NAME.
count()
{
	local name=$1
	shift
	ch "$@" queue --json
	assert_status 0
	json "[v['count'] for v in j['views'] if v['name'] == '$name'][0]"
}
# page NAME [AS...]: the ids of the view's first page, space-separated.
page()
{
	local name=$1
	shift
	ch "$@" queue --view "$name" --json
	assert_status 0
	json "' '.join(str(t['id']) for t in j['tickets'])"
}

ch init --admin admin@example.com
assert_status 0
for u in agent agent2; do
	ch user add $u@example.com --role agent
	assert_status 0
done
ch user add eng@example.com --role engineer
assert_status 0
ch group add Support
ch group add Billing
ch group member Support agent@example.com
assert_status 0
ch group member Support agent2@example.com
ch group member Billing agent2@example.com
ch group member Billing eng@example.com
assert_status 0
# First replies: normal 4h, urgent 1h, calendar time; low has no target.
ch sla add Everyone --first-reply "normal=4h,urgent=1h"
assert_status 0

# --- help -----------------------------------------------------------------------------
for c in queue view; do
	ch "$c" --help
	assert_status 0
	out_has "usage: champion $c"
done
ch help
out_has "queue"

# --- the desk ---------------------------------------------------------------------------
new 2026-11-02T05:00:00Z --assignee agent@example.com --group Support
T1=$ID # due 09:00: breached an hour ago
new 2026-11-02T04:00:00Z --assignee agent2@example.com --group Billing
T2=$ID # due 08:00: breached two hours ago, the oldest breach
new 2026-11-02T06:30:00Z --group Support
T3=$ID # due 10:30: breaching soon
new 2026-11-02T09:00:00Z --assignee agent@example.com
T4=$ID # due 13:00: on track
new 2026-11-02T08:00:00Z --priority low
T5=$ID # no target: waiting since 08:00
new 2026-11-02T07:00:00Z --priority urgent --assignee agent@example.com --group Support
T6=$ID
CHAMPION_NOW=2026-11-02T07:30:00Z ch "${A1[@]}" ticket reply "$T6" --body "Asking the engineers" \
	--status on_hold
assert_status 0
ch "${A1[@]}" ticket set "$T6" --tag engineering
assert_status 0
new 2026-11-01T07:00:00Z --assignee agent@example.com
T7=$ID
CHAMPION_NOW=2026-11-01T08:00:00Z ch "${A1[@]}" ticket reply "$T7" --body "Done" --status solved
assert_status 0
new 2026-11-02T09:30:00Z --group Billing --priority low --tag engineering
T8=$ID # tagged, but not on hold

# --- the defaults, with counts ------------------------------------------------------------
ch "${A1[@]}" queue
assert_status 0
for v in Mine Unassigned "My groups" "Breaching soon" "Waiting on engineering"; do
	out_has "$v"
done
AG=$(uid agent@example.com)
AG2=$(uid agent2@example.com)
assert_eq "$(q "SELECT count(*) FROM tickets WHERE assignee_id = $AG AND $UNSOLVED")" \
	"$(count Mine "${A1[@]}")" "Mine for agent, against sqlite3"
assert_eq 3 "$(count Mine "${A1[@]}")" "Mine for agent"
assert_eq "$T1 $T4 $T6" "$(page Mine "${A1[@]}" | tr ' ' '\n' | sort -n | xargs)" "Mine's tickets"
assert_eq "$(q "SELECT count(*) FROM tickets WHERE assignee_id = $AG2 AND $UNSOLVED")" \
	"$(count Mine "${A2[@]}")" "Mine for agent2, against sqlite3"
assert_eq "$T2" "$(page Mine "${A2[@]}")" "Mine for agent2"
assert_eq "$(q "SELECT count(*) FROM tickets WHERE assignee_id IS NULL AND $UNSOLVED")" \
	"$(count Unassigned "${A1[@]}")" "Unassigned, against sqlite3"
assert_eq "$T3 $T5 $T8" "$(page Unassigned "${A2[@]}" | tr ' ' '\n' | sort -n | xargs)" \
	"Unassigned for agent2"
assert_eq "$(q "SELECT count(*) FROM tickets WHERE group_id IN (SELECT group_id FROM
	group_members WHERE user_id = $AG) AND $UNSOLVED")" "$(count "My groups" "${A1[@]}")" \
	"My groups for agent, against sqlite3"
assert_eq "$T1 $T3 $T6" "$(page "My groups" "${A1[@]}" | tr ' ' '\n' | sort -n | xargs)" \
	"My groups for agent (Support)"
assert_eq "$T1 $T2 $T3 $T6 $T8" "$(page "My groups" "${A2[@]}" | tr ' ' '\n' | sort -n | xargs)" \
	"My groups for agent2 (Support and Billing)"
# Breached first, the oldest breach first, then the soonest due.
assert_eq "$T2 $T1 $T3" "$(page "Breaching soon" "${A1[@]}")" "Breaching soon, by what is due"
assert_eq "$(q "SELECT count(*) FROM tickets WHERE sla_sort_key < 1793613600000 + 3600000")" \
	"$(count "Breaching soon" "${A1[@]}")" "Breaching soon, against sqlite3"
ch "${A1[@]}" queue --view "Breaching soon" --json
assert_eq "breached breached breaching_soon" "$(json "' '.join(t['sla']['state'] for t in j['tickets'])")" \
	"the SLA states"
assert_eq "2026-11-02T08:00:00.000Z" "$(json "j['tickets'][0]['sla']['due_at']")" "the due time"
ch "${A1[@]}" queue --view "Breaching soon"
assert_status 0
out_has "breached 2h 0m ago"
out_has "due in 30m"
assert_eq "$T6" "$(page "Waiting on engineering" "${A1[@]}")" "Waiting on engineering"
# The whole desk by what is due: a view of its own, with the longest wait without a target.
ch "${A1[@]}" view add Everything
assert_status 0
out_has "added personal view 'Everything'"
ch "${A1[@]}" queue --view Everything --json
assert_eq "$T2 $T1 $T3 $T4" "$(json "' '.join(str(t['id']) for t in j['tickets'][:4])")" \
	"everything by what is due"
assert_eq "none" "$(json "[t['sla']['state'] for t in j['tickets'] if t['id'] == $T5][0]")" \
	"no target"
assert_eq "2026-11-02T08:00:00.000Z" \
	"$(json "[t['sla']['waiting_since'] for t in j['tickets'] if t['id'] == $T5][0]")" \
	"waiting since"
# Pages follow the order: the cursor is the last id seen.
ch "${A1[@]}" queue --view "Breaching soon" --limit 2
assert_status 0
out_has "(more: --cursor $T1)"
ch "${A1[@]}" queue --view "Breaching soon" --limit 2 --cursor "$T1" --json
assert_eq "$T3" "$(json "' '.join(str(t['id']) for t in j['tickets'])")" "the second page"
assert_eq "None" "$(json "j['next_cursor']")" "no page after the last"
# The clock moves: at 10:45 the soon one has breached too.
CHAMPION_NOW=2026-11-02T10:45:00Z ch "${A1[@]}" queue --view "Breaching soon" --json
assert_eq "breached breached breached" "$(json "' '.join(t['sla']['state'] for t in j['tickets'])")" \
	"states at 10:45"
# An engineer counts only the tickets they see (their group Billing).
assert_eq "$(q "SELECT count(*) FROM tickets WHERE group_id = (SELECT id FROM agent_groups
	WHERE name = 'Billing') AND $UNSOLVED")" "$(count "My groups" --as eng@example.com)" \
	"My groups for the engineer"
assert_eq "$T8" "$(page Unassigned --as eng@example.com)" "the engineer's unassigned: Billing's only"

# --- personal and shared views --------------------------------------------------------------
ch "${A1[@]}" view add Urgent --filter '{"priority":["urgent"],"assignee":"agent@example.com"}'
assert_status 0
ch "${A1[@]}" view list --json
assert_eq True \
	"$(json "[v['filter'] for v in j['views'] if v['name'] == 'Urgent'][0] == {'priority': ['urgent'], 'assignee': $AG}")" \
	"the stored filter names ids"
assert_eq 1 "$(count Urgent "${A1[@]}")" "the personal view's count"
URGENT=$(q "SELECT id FROM views WHERE name = 'Urgent'")
ch "${A2[@]}" queue
out_lacks "Urgent"
ch "${A2[@]}" queue --view "$URGENT"
assert_status 66
err_has "no view #$URGENT"
ch "${A2[@]}" view remove "$URGENT"
assert_status 66
ch "${A1[@]}" view add Shared --shared
assert_status 77
err_has "cannot manage shared views"
ch "${A1[@]}" view edit Mine --name Mien
assert_status 77
err_has "only an admin can change it"
ch "${A1[@]}" view add Urgent
assert_status 73
err_has "a view named 'Urgent' already exists"
ch "${A1[@]}" view edit Urgent --name "Hot" --order newest --filter '{"priority":["urgent","high"]}'
assert_status 0
ch "${A1[@]}" view list
out_has "Hot (#$URGENT, personal, newest first)"
out_has '{"priority":["high","urgent"]}'
ch view add "Acme" --shared --filter '{"organisation":"Nobody Inc"}'
assert_status 65
err_has "filter.organisation: no organisation named 'Nobody Inc'"
ch view add "High" --shared --filter '{"priority":["high"]}'
assert_status 0
ch "${A2[@]}" queue
out_has "High"
ch view edit High --position 1
assert_status 0
ch "${A2[@]}" view list --json
assert_eq "High" "$(json "j['views'][0]['name']")" "moved first"
ch view remove High
assert_status 0
out_has "removed view 'High'"
ch "${A2[@]}" queue
out_lacks "High"
ch "${A1[@]}" view remove Hot
assert_status 0
ch --as customer@example.com queue
assert_status 77
err_has "cannot use views"
ch --as customer@example.com view list
assert_status 77

# --- bad input --------------------------------------------------------------------------------
ch "${A1[@]}" queue --view Nope
assert_status 66
err_has "no view named 'Nope'"
ch "${A1[@]}" view add Bad --filter '{"status": ["open",'
assert_status 65
err_has "filter: invalid JSON at line 1, column"
ch "${A1[@]}" view add Bad --filter '{"status": ["opn"]}'
assert_status 65
err_has "filter.status[0]: 'opn' is not one of new, open, pending, on_hold, solved, closed"
ch "${A1[@]}" view add Bad --filter '{"colour": "red"}'
assert_status 65
err_has "filter: unknown key 'colour'"
ch "${A1[@]}" view add Bad --filter '{"sla": ["late"]}'
assert_status 65
err_has "filter.sla[0]: 'late' is not one of breached"
ch "${A1[@]}" view add Bad --filter '{"assignee": "nobody@example.com"}'
assert_status 65
err_has "filter.assignee"
ch "${A1[@]}" view add Bad --filter '["open"]'
assert_status 65
err_has "the filter must be a JSON object"
ch "${A1[@]}" view add Bad --filter '{"sla_soon_minutes": 0}'
assert_status 65
err_has "filter.sla_soon_minutes must be a whole number of minutes from 1"
ch "${A1[@]}" view add Bad --order oldest
assert_status 64
ch "${A1[@]}" queue --limit 5
assert_status 64
ch "${A1[@]}" view frobnicate
assert_status 64
assert_eq 0 "$(q "SELECT count(*) FROM views WHERE name = 'Bad'")" "nothing stored by a refusal"
assert_eq 5 "$(q "SELECT count(*) FROM views WHERE owner_id IS NULL")" "the defaults are still there"

finish
