#!/usr/bin/env bash
# test_sla.sh - champion serve fires SLA timers: a ticket whose first reply
# came due while no server ran gets its breach event once the server is up,
# once, and GET /api/v1/tickets?order=due puts it first.
. "${BASH_SOURCE%/*}/lib.sh"

ch init --admin admin@example.com
[ "$STATUS" = 0 ] || fail "init: $ERR"
ch user add agent@example.com --role agent
make_token agent@example.com
AGENT=$TOKEN
ch sla add Fast --first-reply "all=1h" --escalate-to high
[ "$STATUS" = 0 ] || fail "sla add: $ERR"
for who in a b c; do
	CHAMPION_NOW=2026-11-02T09:00:00Z ch ticket create --subject "From $who" \
		--requester "$who@customer.test" --body "Help"
	[ "$STATUS" = 0 ] || fail "ticket create: $ERR"
done
# Ticket 1 was answered in time; 2 and 3 were not (3 came later).
CHAMPION_NOW=2026-11-02T09:10:00Z ch --as agent@example.com ticket reply 1 --body "Done" --status solved
CHAMPION_NOW=2026-11-02T09:30:00Z ch ticket create --subject "Later" --requester d@customer.test --body "Help"
assert_eq 0 "$(sql "SELECT count(*) FROM events WHERE kind = 'sla.breach'")" "no breach before a server runs"

export CHAMPION_NOW=2026-11-02T12:00:00Z
start_server
# The timers thread runs every second: wait for the breaches (3 s at most).
for _ in $(seq 30); do
	[ "$(sql "SELECT count(*) FROM events WHERE kind = 'sla.breach'")" = 3 ] && break
	sleep 0.1
done
assert_eq "0 1 1 1" "$(sql "SELECT group_concat(n, ' ') FROM (SELECT t.id, (SELECT count(*) FROM events e
	WHERE e.entity_id = t.id AND e.kind = 'sla.breach') AS n FROM tickets t ORDER BY t.id)")" \
	"one breach for each unanswered ticket"
assert_eq "high high high" "$(sql "SELECT group_concat(priority, ' ') FROM tickets WHERE id > 1")" \
	"escalated on breach"
api GET '/api/v1/tickets?order=due' "$AGENT"
expect_status 200
assert_eq "2 3 4 1" "$(jb '" ".join(str(t["id"]) for t in j["tickets"])')" "breached first, oldest first"
api GET /api/v1/tickets/2/sla "$AGENT"
expect_status 200
assert_eq "Fast first_reply breached 2026-11-02T10:00:00.000Z" \
	"$(jb '" ".join([j["policy"], j["clocks"][0]["metric"], j["clocks"][0]["state"], j["clocks"][0]["breached_at"]])')" \
	"GET /api/v1/tickets/2/sla"
api GET /api/v1/tickets/99/sla "$AGENT"
expect_status 404
make_token b@customer.test
api GET /api/v1/tickets/2/sla "$TOKEN"
expect_status 403
sleep 1.2
stop_server
assert_eq 3 "$(sql "SELECT count(*) FROM events WHERE kind = 'sla.breach'")" "each fired once"
assert_eq 0 "$(sql "SELECT count(*) FROM jobs WHERE kind = 'sla.timer' AND state IN ('running', 'failed')")" \
	"no timer left running or failed"
finish
