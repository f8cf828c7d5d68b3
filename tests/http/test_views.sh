#!/usr/bin/env bash
# test_views.sh - saved views over the API: GET /api/v1/views with counts
# against an independent count (sqlite3), the defaults for two agents, a
# view's page by what is due with SLA states and the cursor, adding,
# changing and removing views (personal and shared), and bad input: an
# unknown view (404), a malformed body (400 with the position), an unknown
# status or key in the filter (422 naming it).
. "${BASH_SOURCE%/*}/lib.sh"

UNSOLVED="status IN ('new', 'open', 'pending', 'on_hold')"
export CHAMPION_NOW=2026-11-02T10:00:00Z
ch_ok init --admin admin@example.com
ch_ok user add agent@example.com --role agent
ch_ok user add agent2@example.com --role agent
ch_ok group add Support
ch_ok group member Support agent2@example.com
ch_ok sla add Everyone --first-reply "normal=4h"
# new WHEN ARGS...: a ticket made then.
new()
{
	local when=$1
	shift
	CHAMPION_NOW=$when ch_ok ticket create --subject "Made at $when" --requester c@customer.test \
		--body "Help" "$@"
}
new 2026-11-02T05:00:00Z --assignee agent@example.com # 1: breached at 09:00
new 2026-11-02T04:00:00Z --assignee agent2@example.com --group Support # 2: breached at 08:00
new 2026-11-02T06:40:00Z --group Support # 3: due 10:40, breaching soon
new 2026-11-02T09:00:00Z --assignee agent@example.com # 4: on track
make_token agent@example.com
A1=$TOKEN
make_token agent2@example.com
A2=$TOKEN
make_token admin@example.com
ADMIN=$TOKEN
make_token c@customer.test
CUST=$TOKEN
AG=$(sql "SELECT id FROM users WHERE email_norm = 'agent@example.com'")
view_id()
{
	sql "SELECT id FROM views WHERE name = '$1'"
}
MINE=$(view_id Mine)
SOON=$(view_id "Breaching soon")
MYGRP=$(view_id "My groups")

start_server

# --- the list, with counts ----------------------------------------------------------
api GET /api/v1/views "$A1"
expect_status 200
assert_eq "Mine Unassigned My groups Breaching soon Waiting on engineering" \
	"$(jb '" ".join(v["name"] for v in j["views"])')" "the defaults, in order"
assert_eq "$(sql "SELECT count(*) FROM tickets WHERE assignee_id = $AG AND $UNSOLVED")" \
	"$(jb '[v["count"] for v in j["views"] if v["name"] == "Mine"][0]')" "Mine's count"
assert_eq "True True" "$(jb '" ".join(str(v["shared"]) for v in j["views"][:2])')" "shared"
assert_eq '{"assignee": "me", "status": ["new", "open", "pending", "on_hold"]}' \
	"$(jb 'json.dumps([v["filter"] for v in j["views"] if v["name"] == "Mine"][0], sort_keys=True)')" \
	"Mine's filter"
api GET /api/v1/views "$A2"
assert_eq "1 2" "$(jb '" ".join(str(v["count"]) for v in j["views"] if v["name"] in ("Mine", "My groups"))')" \
	"agent2's Mine and My groups"
api GET "/api/v1/views/$MYGRP/tickets" "$A1"
expect_status 200
assert_eq "0" "$(jb 'len(j["tickets"])')" "agent is in no group"
api GET "/api/v1/views/$MYGRP/tickets" "$A2"
assert_eq "2 3" "$(jb '" ".join(str(t["id"]) for t in j["tickets"])')" "agent2's groups, by what is due"

# --- a page, by what is due -------------------------------------------------------------
api GET "/api/v1/views/$SOON/tickets" "$A1"
expect_status 200
assert_eq "2 1 3" "$(jb '" ".join(str(t["id"]) for t in j["tickets"])')" "breached first, oldest first"
assert_eq "breached breached breaching_soon" "$(jb '" ".join(t["sla"]["state"] for t in j["tickets"])')" \
	"the states"
assert_eq "2026-11-02T10:40:00.000Z" "$(jb 'j["tickets"][2]["sla"]["due_at"]')" "the soonest due"
assert_eq "Breaching soon" "$(jb 'j["view"]["name"]')" "the view"
api GET "/api/v1/views/$SOON/tickets?limit=2" "$A1"
assert_eq "1" "$(jb 'j["next_cursor"]')" "the cursor"
api GET "/api/v1/views/$SOON/tickets?limit=2&cursor=1" "$A1"
assert_eq "3 None" "$(jb '" ".join(str(t["id"]) for t in j["tickets"]) + " " + str(j["next_cursor"])')" \
	"the last page"

# --- adding, changing, removing ---------------------------------------------------------
api POST /api/v1/views "$A1" '{"name":"Overdue","filter":{"sla":["breached"],"assignee":"agent@example.com"}}'
expect_status 201
V=$(jb 'j["id"]')
assert_eq "/api/v1/views/$V" "$(hdr location)" "Location"
assert_eq "False 1 due" "$(jb '" ".join(str(x) for x in (j["shared"], j["count"], j["order"]))')" \
	"a personal view with its count"
assert_eq "{\"assignee\": $AG, \"sla\": [\"breached\"]}" "$(jb 'json.dumps(j["filter"], sort_keys=True)')" \
	"the email stored as an id"
api GET /api/v1/views "$A2"
assert_eq "False" "$(jb 'str(any(v["name"] == "Overdue" for v in j["views"]))')" "not agent2's"
api GET "/api/v1/views/$V/tickets" "$A2"
expect_problem 404 not_found
api PATCH "/api/v1/views/$V" "$A2" '{"name":"Mine now"}'
expect_problem 404 not_found
api PATCH "/api/v1/views/$V" "$A1" '{"name":"Late","order":"newest","filter":{"sla":["breached"]}}'
expect_status 200
assert_eq "Late newest 2" "$(jb '" ".join(str(x) for x in (j["name"], j["order"], j["count"]))')" \
	"changed"
api PATCH "/api/v1/views/$MINE" "$A1" '{"name":"Ours"}'
expect_problem 403 forbidden
api POST /api/v1/views "$A1" '{"name":"For all","shared":true}'
expect_problem 403 forbidden
api POST /api/v1/views "$ADMIN" '{"name":"For all","shared":true,"filter":{"status":["new"]}}'
expect_status 201
api GET /api/v1/views "$A2"
assert_eq "True" "$(jb 'str(any(v["name"] == "For all" for v in j["views"]))')" "shared with agent2"
api DELETE "/api/v1/views/$V" "$A1"
expect_status 204
api DELETE "/api/v1/views/$V" "$A1"
expect_problem 404 not_found
api GET /api/v1/views "$CUST"
expect_problem 403 forbidden

# --- bad input ------------------------------------------------------------------------------
api GET /api/v1/views/999/tickets "$A1"
expect_problem 404 not_found
assert_eq "no view #999" "$(jb 'j["detail"]')" "the unknown view"
api POST /api/v1/views "$A1" '{"name":"Bad","filter":{"status":["open",}}'
expect_problem 400 invalid_json
assert_contains "$(jb 'j["detail"]')" "line 1, column" "the position"
api POST /api/v1/views "$A1" '{"name":"Bad","filter":{"status":["opn"]}}'
expect_problem 422
assert_contains "$(jb 'j["detail"]')" "filter.status[0]: 'opn' is not one of new, open" "the status"
api POST /api/v1/views "$A1" '{"name":"Bad","filter":{"owner":"me"}}'
expect_problem 422
assert_contains "$(jb 'j["detail"]')" "filter: unknown key 'owner'" "the key"
api POST /api/v1/views "$A1" '{"name":"Bad","filter":"{}"}'
expect_problem 422
assert_contains "$(jb 'j["detail"]')" "'filter' must be an object" "a string filter"
api POST /api/v1/views "$A1" '{"name":"Bad","order":"oldest"}'
expect_problem 422
api POST /api/v1/views "$A1" '{"filter":{}}'
expect_problem 422
assert_contains "$(jb 'j["detail"]')" "'name' is required" "no name"
api GET "/api/v1/views/$SOON/tickets?limit=0" "$A1"
expect_problem 400
api POST /api/v1/views "$A1" '{"name":"Mine"}'
expect_status 201
api POST /api/v1/views "$A1" '{"name":"mine"}'
expect_problem 409 conflict
assert_eq 0 "$(sql "SELECT count(*) FROM views WHERE name = 'Bad'")" "nothing stored by a refusal"
stop_server
finish
