#!/usr/bin/env bash
# test_sla.sh - champion serve fires SLA timers: a ticket whose first reply
# came due while no server ran gets its breach event once the server is up,
# once, and GET /api/v1/tickets?order=due puts it first. SLA policies and
# calendars through the API (admins change them, agents read them), a
# calendar changed under a running server (its connections see the new
# hours), and the first-response report: the same document as the CLI's.
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
	WHERE e.entity_id = t.id AND e.kind = 'sla.breach') AS n FROM tickets t ORDER BY t.id) AS x")" \
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

# --- policies and calendars through the API ------------------------------------------
make_token admin@example.com
ADMIN=$TOKEN
start_server
api POST /api/v1/calendars "$ADMIN" '{"name":"Office","zone":"UTC","hours":"mon-fri 09:00-17:00","holidays":["2026-11-04"]}'
expect_status 201
CAL=$(jb 'j["id"]')
assert_eq "Office UTC 2026-11-04 1" "$(jb 'j["name"] + " " + j["zone"] + " " + j["holidays"] + " " + str(j["version"])')" "the calendar made"
api POST /api/v1/calendars "$ADMIN" '{"name":"Bad","zone":"Mars/Olympus","hours":"mon-fri 09:00-17:00"}'
expect_problem 422
assert_contains "$(jb 'j["detail"]')" "Mars/Olympus" "a bad zone named"
api POST /api/v1/calendars "$ADMIN" '{"name":"office","zone":"UTC","hours":"mon 09:00-17:00"}'
expect_problem 409
api POST /api/v1/calendars "$ADMIN" '{"name":"Odd","zone":"UTC","hours":"mon 09:00-17:00","colour":"red"}'
expect_problem 422
api POST /api/v1/calendars "$AGENT" '{"name":"Mine","zone":"UTC","hours":"mon 09:00-17:00"}'
expect_status 403
api GET /api/v1/calendars "$AGENT"
expect_status 200
assert_eq "Office" "$(jb '",".join(c["name"] for c in j["calendars"])')" "calendars listed"

api POST /api/v1/sla/policies "$ADMIN" '{"name":"Biz","tag":"vip","calendar":"Office","first_reply":"normal=2h,high=1h","on_breach":"notify,assign-lead","warn_percent":50}'
expect_status 201
POL=$(jb 'j["id"]')
assert_eq "2 Office 120 True vip notify,assign-lead 50" \
	"$(jb '" ".join(str(x) for x in (j["position"], j["calendar"], j["targets"]["first_reply"]["normal"]["minutes"], j["targets"]["first_reply"]["normal"]["business"], j["conditions"]["tag"], j["on_breach"], j["warn_percent"]))')" \
	"the policy made"
api POST /api/v1/sla/policies "$ADMIN" '{"name":"NoTargets"}'
expect_problem 422
assert_contains "$(jb 'j["detail"]')" "at least one target" "why"
api POST /api/v1/sla/policies "$ADMIN" '{"name":"Bad","first_reply":"all=1h","priority":"asap"}'
expect_problem 422
api POST /api/v1/sla/policies "$ADMIN" '{"name":"Bad","first_reply":"all=1h","on_breach":"page"}'
expect_problem 422
api POST /api/v1/sla/policies "$ADMIN" '{"first_reply":"all=1h"}'
expect_problem 422
api POST /api/v1/sla/policies "$AGENT" '{"name":"Mine","first_reply":"all=1h"}'
expect_status 403
# Tried first, it takes the VIP ticket created Monday 09:00: due 11:00.
api PATCH "/api/v1/sla/policies/$POL" "$ADMIN" '{"position":1}'
expect_status 200
assert_eq 1 "$(jb 'j["position"]')" "moved first"
CHAMPION_NOW=2026-11-02T09:00:00Z ch ticket create --subject "VIP" --requester vip@customer.test --body "Help" --tag vip
VIP=$(sql "SELECT max(id) FROM tickets")
api GET "/api/v1/tickets/$VIP/sla" "$AGENT"
assert_eq "Biz 2026-11-02T11:00:00.000Z" "$(jb 'j["policy"] + " " + j["clocks"][0]["due_at"]')" "the VIP ticket's clock"
# The running server's connections built the calendar; a change from the CLI reaches them.
ch calendar edit Office --hours "mon-fri 10:00-18:00"
assert_eq 0 "$STATUS" "calendar edit: $ERR"
api GET "/api/v1/tickets/$VIP/sla" "$AGENT"
assert_eq "2026-11-02T12:00:00.000Z" "$(jb 'j["clocks"][0]["due_at"]')" "the server sees the new hours"
api PATCH "/api/v1/calendars/$CAL" "$ADMIN" '{"hours":"mon-fri 09:00-17:00","holidays":["2026-11-02"]}'
expect_status 200
assert_eq "2026-11-02 3" "$(jb 'j["holidays"] + " " + str(j["version"])')" "patched through the API"
api GET "/api/v1/tickets/$VIP/sla" "$AGENT"
assert_eq "2026-11-03T11:00:00.000Z" "$(jb 'j["clocks"][0]["due_at"]')" "a holiday on Monday: due Tuesday"
due=$(sql "SELECT due_at FROM sla_clocks WHERE ticket_id = $VIP AND metric = 'first_reply'")
assert_eq "2026-11-03T11:00:00.000Z" "$(date -u -d "@$((due / 1000))" +%Y-%m-%dT%H:%M:%S.000Z)" \
	"the stored clock moved too"
api PATCH "/api/v1/calendars/$CAL" "$ADMIN" '{"hours":"someday"}'
expect_problem 422
api PATCH "/api/v1/calendars/99" "$ADMIN" '{"hours":"mon 09:00-17:00"}'
expect_problem 404
api PATCH "/api/v1/calendars/$CAL" "$ADMIN" '{}'
expect_problem 422
# A policy edit moves it as well: 4 business hours from Tuesday 09:00.
api PATCH "/api/v1/sla/policies/$POL" "$ADMIN" '{"first_reply":"all=4h","tag":null}'
expect_status 200
assert_eq "{} 240" "$(jb 'json.dumps(j["conditions"]) + " " + str(j["targets"]["first_reply"]["urgent"]["minutes"])')" "the condition lifted, targets replaced"
api GET "/api/v1/tickets/$VIP/sla" "$AGENT"
assert_eq "2026-11-03T13:00:00.000Z" "$(jb 'j["clocks"][0]["due_at"]')" "the edited policy's due time"
api PATCH "/api/v1/sla/policies/$POL" "$ADMIN" '{"calendar":null}'
expect_problem 422
assert_contains "$(jb 'j["detail"]')" "need a calendar" "business time without a calendar"
api PATCH "/api/v1/sla/policies/$POL" "$ADMIN" '{"position":7}'
expect_problem 422
api PATCH "/api/v1/sla/policies/99" "$ADMIN" '{"warn_percent":60}'
expect_problem 404
api PATCH "/api/v1/sla/policies/$POL" "$ADMIN" '{"warn_percent":100}'
expect_problem 422
api DELETE "/api/v1/sla/policies/$POL" "$ADMIN"
expect_status 200
assert_eq "False" "$(jb 'j["active"]')" "deleted: inactive, kept for the history"
api GET /api/v1/sla/policies "$AGENT"
expect_status 200
assert_eq "Biz:False Fast:True" "$(jb '" ".join(p["name"] + ":" + str(p["active"]) for p in j["policies"])')" "policies listed"
api GET "/api/v1/tickets/$VIP/sla" "$AGENT"
assert_eq "Fast" "$(jb 'j["policy"]')" "the next policy applies"

# --- the report: the CLI's document -----------------------------------------------------
api GET "/api/v1/reports/first-response?from=2026-11-01&to=2026-11-08&by=priority" "$AGENT"
expect_status 200
printf '%s' "$BODY" >"$TMP/api_report.json"
ch report first-response --from 2026-11-01 --to 2026-11-08 --by priority --json
assert_eq 0 "$STATUS" "the CLI report: $ERR"
printf '%s' "$OUT" >"$TMP/cli_report.json"
assert_eq "same" "$(py -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); print("same" if a == b else "%r != %r" % (a, b))' "$TMP/api_report.json" "$TMP/cli_report.json")" \
	"the API's report is the CLI's"
assert_eq "5 priority" "$(jb 'str(sum(l["tickets"] for l in j["lines"])) + " " + j["by"]')" "every ticket counted"
api GET "/api/v1/reports/first-response?from=2026-11-01" "$AGENT"
expect_problem 400
api GET "/api/v1/reports/first-response?from=2026-11-08&to=2026-11-01" "$AGENT"
expect_problem 422
api GET "/api/v1/reports/first-response?from=2026-11-01&to=2026-11-08&by=mood" "$AGENT"
expect_problem 400
api GET "/api/v1/reports/first-response?from=yesterday&to=2026-11-08" "$AGENT"
expect_problem 400
stop_server
finish
