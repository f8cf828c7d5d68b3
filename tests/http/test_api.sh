#!/usr/bin/env bash
# test_api.sh - every route of src/http/routes.c for an agent's token: the
# ticket list and each of its filters and cursor paging, create, read with
# ETag and If-None-Match, change with If-Match, replies and the first
# response time, notes, merge, the event log, who am I, people,
# organisations and groups, signing in with a password (cookie, CSRF,
# throttle), liveness, readiness, Prometheus metrics, and the access log
# (one line per request, with the id the X-Request-Id header gave).
. "${BASH_SOURCE%/*}/lib.sh"

# ids_of: the ids of the last page, space-separated; NEXT: its next_cursor.
page()
{
	IDS=$(jb '" ".join(str(t["id"]) for t in j["tickets"])')
	NEXT=$(jb 'j["next_cursor"]')
}
# sorted_ids SQL-WHERE: the ids the desk holds that match, newest first.
sql_ids()
{
	sql "SELECT id FROM tickets t WHERE $1 ORDER BY id DESC" | tr '\n' ' ' | sed 's/ $//'
}
ms()
{
	echo $(($(date -u -d "$1" +%s) * 1000))
}

# --- the desk ----------------------------------------------------------------------
ch_ok init --admin admin@example.com
ch_ok user add agent@example.com --role agent --name "Ada Agent"
ch_ok user add agent2@example.com --role agent
ch_ok group add Tier2
ch_ok group member Tier2 agent@example.com
ch_ok user add c1@acme.test
ch_ok user add c2@acme.test
# Two tickets from long ago: updated_since leaves them out.
CHAMPION_NOW=2020-01-01T00:00:00Z ch_ok ticket create --subject "Old one" \
	--requester c1@acme.test --group Tier2 --body "From long ago" --tag legacy
CHAMPION_NOW=2020-01-02T00:00:00Z ch_ok ticket create --subject "Old two" \
	--requester c2@acme.test --body "Also old"
make_token agent@example.com
AGENT=$TOKEN
AGENT_ID=$(sql "SELECT id FROM users WHERE email_norm = 'agent@example.com'")
C1_ID=$(sql "SELECT id FROM users WHERE email_norm = 'c1@acme.test'")

start_server --set log.level=info

# --- public routes -----------------------------------------------------------------
req GET /healthz
expect_status 200
assert_eq ok "$(jb 'j["status"]')" "/healthz status"
assert_match "$(hdr x-request-id)" '^[0-9]+-[0-9]+$' "X-Request-Id"
req GET /readyz
expect_status 200
assert_eq ready "$(jb 'j["status"]')" "/readyz status"

# --- who am I ----------------------------------------------------------------------
api GET /api/v1/me "$AGENT"
expect_status 200
assert_eq "agent@example.com agent Ada Agent $AGENT_ID True" \
	"$(jb '" ".join(str(x) for x in (j["email"], j["role"], j["name"], j["id"], j["active"]))')" "/me"

# --- create ------------------------------------------------------------------------
api POST /api/v1/tickets "$AGENT" '{"subject":"Printer on fire","body":"It is really on fire",
	"requester":"c1@acme.test","priority":"high","tags":["billing","Hardware"]}'
expect_status 201
T3=$(jb 'j["id"]')
assert_eq 3 "$T3" "the new ticket's id"
assert_eq "/api/v1/tickets/3" "$(hdr location)" "Location"
assert_eq '"3.1"' "$(hdr etag)" "ETag of a new ticket"
assert_match "$(hdr content-type)" '^application/json' "Content-Type"
assert_true 'set(["id","subject","status","priority","requester_id","requester","assignee",
	"group","tags","followers","links","messages","version","channel","created_at",
	"updated_at","first_response_at","solved_at","closed_at","merged_into_id",
	"opened_by_agent"]) <= set(j)' "the ticket's members"
assert_eq "Printer on fire|new|high|api|1|c1@acme.test|$C1_ID|None|None" \
	"$(jb '"|".join(str(x) for x in (j["subject"], j["status"], j["priority"], j["channel"],
		j["version"], j["requester"]["email"], j["requester_id"], j["assignee"],
		j["first_response_at"]))')" "the new ticket"
assert_eq '["billing", "hardware"]' "$(jb 'sorted(j["tags"])')" "tags, normalised"
assert_eq "1 public It is really on fire $AGENT_ID" \
	"$(jb '" ".join(str(x) for x in (len(j["messages"]), j["messages"][0]["kind"],
		j["messages"][0]["body_text"], j["messages"][0]["author_id"]))')" "the first message"
assert_eq 1 "$(sql 'SELECT count(*) FROM tickets WHERE id = 3')" "ticket 3 in the desk"

api POST /api/v1/tickets "$AGENT" '{"subject":"VPN down","body":"No tunnel",
	"requester":"c2@acme.test","group":"Tier2","assignee":"agent2@example.com",
	"tags":["billing","vip"]}'
expect_status 201
assert_eq "4 Tier2 agent2@example.com" "$(jb '" ".join(str(x) for x in (j["id"], j["group"], j["assignee"]))')" \
	"ticket 4's group and assignee"
api POST /api/v1/tickets "$AGENT" '{"subject":"Password reset","body":"Forgot it","requester":"c1@acme.test"}'
expect_status 201
api POST /api/v1/tickets "$AGENT" '{"subject":"Password reset again","body":"Dup of 5","requester":"c1@acme.test"}'
expect_status 201
# No requester: the agent's own ticket.
api POST /api/v1/tickets "$AGENT" '{"subject":"Note to self","body":"Renew the certificate"}'
expect_status 201
assert_eq "7 $AGENT_ID" "$(jb '"%d %d" % (j["id"], j["requester_id"])')" "a ticket for oneself"

# --- read: ETag and If-None-Match --------------------------------------------------
api GET /api/v1/tickets/3 "$AGENT"
expect_status 200
ETAG=$(hdr etag)
assert_eq '"3.1"' "$ETAG" "ETag"
assert_eq "3 Printer on fire" "$(jb '"%d %s" % (j["id"], j["subject"])')" "ticket 3"
req GET /api/v1/tickets/3 -H "Authorization: Bearer $AGENT" -H "If-None-Match: $ETAG"
expect_status 304 "If-None-Match with the current ETag"
assert_eq "$ETAG" "$(hdr etag)" "the 304's ETag"
assert_eq "" "$BODY" "the 304's body"
req GET /api/v1/tickets/3 -H "Authorization: Bearer $AGENT" -H 'If-None-Match: "3.0"'
expect_status 200 "If-None-Match with another ETag"
# Trailing slash and leading zeros name the same ticket.
api GET /api/v1/tickets/003/ "$AGENT"
expect_status 200

# --- change: If-Match --------------------------------------------------------------
req PATCH /api/v1/tickets/3 -H "Authorization: Bearer $AGENT" -H "If-Match: $ETAG" \
	-H 'Content-Type: application/json' --data-binary '{"status":"pending","add_tags":["urgent-ish"]}'
expect_status 200 "PATCH with the current If-Match"
ETAG2=$(hdr etag)
assert_eq "pending 2" "$(jb '"%s %d" % (j["status"], j["version"])')" "status and version after PATCH"
assert_eq "\"3.2\"" "$ETAG2" "the new ETag"
assert_contains "$(jb 'j["tags"]')" '"urgent-ish"' "tags after PATCH"
# The same If-Match again: the ticket moved on.
req PATCH /api/v1/tickets/3 -H "Authorization: Bearer $AGENT" -H "If-Match: $ETAG" \
	-H 'Content-Type: application/json' --data-binary '{"priority":"low"}'
expect_problem 412 precondition_failed
for bad in 'garbage' '"3.x"' 'W/"3.2"' '"4.1"' '"3.2" x' '"3.0"' '"3.-2"'; do
	req PATCH /api/v1/tickets/3 -H "Authorization: Bearer $AGENT" -H "If-Match: $bad" \
		-H 'Content-Type: application/json' --data-binary '{"priority":"low"}'
	expect_problem 412 precondition_failed "If-Match: $bad"
done
api GET /api/v1/tickets/3 "$AGENT"
assert_eq "high 2" "$(jb '"%s %d" % (j["priority"], j["version"])')" "ticket 3 after refused PATCHes"
assert_eq "$ETAG2" "$(hdr etag)" "ETag after refused PATCHes"
req GET /api/v1/tickets/3 -H "Authorization: Bearer $AGENT" -H "If-None-Match: $ETAG"
expect_status 200 "If-None-Match with the old ETag"
req GET /api/v1/tickets/3 -H "Authorization: Bearer $AGENT" -H "If-None-Match: $ETAG2"
expect_status 304 "If-None-Match with the new ETag"
# Without If-Match: last writer wins.
api PATCH /api/v1/tickets/3 "$AGENT" '{"priority":"urgent"}'
expect_status 200
assert_eq "urgent 3" "$(jb '"%s %d" % (j["priority"], j["version"])')" "PATCH without If-Match"
assert_eq '"3.3"' "$(hdr etag)" "ETag"
# If-Match: * matches any version of a ticket that exists (RFC 9110 13.1.1).
req PATCH /api/v1/tickets/3 -H "Authorization: Bearer $AGENT" -H 'If-Match: *' \
	-H 'Content-Type: application/json' --data-binary '{"priority":"high"}'
expect_status 200 "PATCH with If-Match: *"
assert_eq '"3.4"' "$(hdr etag)" "ETag after If-Match: *"
req PATCH /api/v1/tickets/999999 -H "Authorization: Bearer $AGENT" -H 'If-Match: *' \
	-H 'Content-Type: application/json' --data-binary '{"priority":"high"}'
expect_problem 404 not_found "If-Match: * on a missing ticket"
# A query parameter the desk finds invalid is a 400 like any other.
api GET "/api/v1/tickets?tag=not%20a%20tag%21" "$AGENT"
expect_problem 400 invalid_parameter "?tag= with a bad tag"

# --- replies: first_response_at is set once ----------------------------------------
api POST /api/v1/tickets/3/replies "$AGENT" '{"body":"We are on it."}'
expect_status 201
assert_true 'isinstance(j["message_id"], int) and j["message_id"] > 0' "a message id"
assert_eq "3 False pending" "$(jb '"%d %s %s" % (j["ticket_id"], j["follow_up"], j["status"])')" \
	"the reply's outcome"
api GET /api/v1/tickets/3 "$AGENT"
FR=$(jb 'j["first_response_at"]')
assert_match "$FR" '^20[0-9][0-9]-' "first_response_at after the first reply"
sleep 0.05
api POST /api/v1/tickets/3/replies "$AGENT" '{"body":"Fixed, I think.","status":"open"}'
expect_status 201
assert_eq open "$(jb 'j["status"]')" "status asked for with a reply"
api GET /api/v1/tickets/3 "$AGENT"
assert_eq "$FR" "$(jb 'j["first_response_at"]')" "first_response_at after the second reply"
assert_eq 3 "$(jb 'len([m for m in j["messages"] if m["kind"] == "public"])')" "public messages"
# A reply on a new ticket opens it.
api POST /api/v1/tickets/5/replies "$AGENT" '{"body":"Reset link sent."}'
expect_status 201
assert_eq "5 open" "$(jb '"%d %s" % (j["ticket_id"], j["status"])')" "reply on a new ticket"

# --- notes -------------------------------------------------------------------------
api POST /api/v1/tickets/3/notes "$AGENT" '{"body":"Internal: check the fuse."}'
expect_status 201
assert_eq "3 False open" "$(jb '"%d %s %s" % (j["ticket_id"], j["follow_up"], j["status"])')" \
	"a note leaves the status"
api GET /api/v1/tickets/3 "$AGENT"
assert_eq "Internal: check the fuse." \
	"$(jb '[m["body_text"] for m in j["messages"] if m["kind"] == "internal"][0]')" "the note"
assert_eq "$FR" "$(jb 'j["first_response_at"]')" "first_response_at after a note"

# --- merge -------------------------------------------------------------------------
api POST /api/v1/tickets/6/merge "$AGENT" '{"into":5}'
expect_status 200
assert_eq 5 "$(jb 'j["id"]')" "merge answers with the target"
assert_match "$(hdr etag)" '^"5\.[0-9]+"$' "the target's ETag"
assert_contains "$(jb '[m["body_text"] for m in j["messages"]]')" "Dup of 5" "the target's messages"
api GET /api/v1/tickets/6 "$AGENT"
expect_status 200
assert_eq "closed 5" "$(jb '"%s %s" % (j["status"], j["merged_into_id"])')" "the merged source"
assert_true 'j["closed_at"] is not None' "closed_at on the merged source"
assert_eq "closed|5" "$(sql "SELECT status || '|' || merged_into_id FROM tickets WHERE id = 6")" \
	"the merged source in the desk"
api POST /api/v1/tickets/6/merge "$AGENT" '{"into":5}'
expect_problem 409 conflict "merging a closed ticket"

# --- events: one per change --------------------------------------------------------
api GET /api/v1/tickets/3/events "$AGENT"
expect_status 200
assert_eq '{"field.priority": 2, "field.status": 2, "message.internal": 1, "message.public": 3, "tag.added": 3, "ticket.created": 1, "ticket.first_response": 1}' \
	"$(jb 'dict(sorted(__import__("collections").Counter(e["kind"] for e in j["events"]).items()))')" \
	"ticket 3's events by kind"
assert_true '[e["id"] for e in j["events"]] == sorted(e["id"] for e in j["events"])' "events oldest first"
assert_eq "$(sql "SELECT count(*) FROM events WHERE entity = 'ticket' AND entity_id = 3")" \
	"$(jb 'len(j["events"])')" "events of ticket 3, against the desk"
assert_eq "new pending|pending open" \
	"$(jb '"|".join("%s %s" % (e["old"], e["new"]) for e in j["events"] if e["kind"] == "field.status")')" \
	"status events"
assert_true 'all(e["actor_id"] == '"$AGENT_ID"' for e in j["events"])' "the agent acted"
api GET /api/v1/tickets/6/events "$AGENT"
expect_status 200
assert_eq "closed" "$(jb '[e["new"] for e in j["events"] if e["kind"] == "field.status"][-1]')" \
	"the merged source's status event"
assert_true '"ticket.merged" in [e["kind"] for e in j["events"]]' "a ticket.merged event"

# --- the list, its filters and pages ------------------------------------------------
for i in $(seq 1 13); do
	api POST /api/v1/tickets "$AGENT" "{\"subject\":\"Bulk $i\",\"body\":\"Body $i\",
		\"requester\":\"c$((i % 2 + 1))@acme.test\",\"tags\":[\"bulk\"]}"
	expect_status 201
done
TOTAL=$(sql 'SELECT count(*) FROM tickets')
assert_eq 20 "$TOTAL" "tickets in the desk"
api GET '/api/v1/tickets?limit=1000' "$AGENT"
expect_status 200
page
assert_eq "$(sql_ids "1 = 1")" "$IDS" "all tickets, newest first"
assert_eq None "$NEXT" "next_cursor of a page that is not full"
api GET /api/v1/tickets "$AGENT"
expect_status 200
assert_true 'all(set(["id","subject","status","priority","version","updated_at"]) <= set(t)
	for t in j["tickets"])' "list items' members"

c2=$(sql "SELECT id FROM users WHERE email_norm = 'c2@acme.test'")
a2=$(sql "SELECT id FROM users WHERE email_norm = 'agent2@example.com'")
g=$(sql "SELECT id FROM agent_groups WHERE name_norm = 'tier2'")
since=$(ms 2021-01-01T00:00:00Z)
while IFS='|' read -r query where; do
	api GET "/api/v1/tickets?limit=1000&$query" "$AGENT"
	expect_status 200 "$query"
	page
	want=$(sql_ids "$where")
	[ -n "$want" ] || fail "the desk has no ticket for '$query': the test is wrong"
	assert_eq "$want" "$IDS" "tickets for ?$query"
done <<EOF
status=new|status = 'new'
status=open|status = 'open'
status=closed|status = 'closed'
assignee=agent2%40example.com|assignee_id = $a2
assignee=none|assignee_id IS NULL
group=Tier2|group_id = $g
group=tier2|group_id = $g
requester=c2@acme.test|requester_id = $c2
requester=C1%40ACME.TEST|requester_id = $C1_ID
tag=billing|id IN (SELECT ticket_id FROM ticket_tags WHERE tag = 'billing')
tag=vip|id IN (SELECT ticket_id FROM ticket_tags WHERE tag = 'vip')
updated_since=2021-01-01T00:00:00Z|updated_at >= $since
status=new&tag=bulk&requester=c2%40acme.test|status = 'new' AND requester_id = $c2 AND id IN (SELECT ticket_id FROM ticket_tags WHERE tag = 'bulk')
EOF
assert_eq "4 3" "$(api GET '/api/v1/tickets?tag=billing' "$AGENT"; page; echo "$IDS")" "tag=billing"
assert_eq "2 1" "$(api GET '/api/v1/tickets?updated_since=2019-01-01&limit=1000' "$AGENT"; page;
	echo "$IDS" | tr ' ' '\n' | sort -n | head -2 | sort -rn | tr '\n' ' ' | sed 's/ $//')" \
	"old tickets with an older updated_since"
api GET '/api/v1/tickets?limit=1000&updated_since=2021-01-01T00:00:00Z' "$AGENT"
page
assert_not_contains " $IDS " " 1 " "updated_since leaves out ticket 1"
api GET '/api/v1/tickets?limit=3' "$AGENT"
page
assert_eq "20 19 18|18" "$IDS|$NEXT" "the first page of 3"

# paging: follow next_cursor until null; every ticket exactly once.
for limit in 1 3 4 5 7 20 1000; do
	seen='' cursor='' pages=0
	while :; do
		api GET "/api/v1/tickets?limit=$limit${cursor:+&cursor=$cursor}" "$AGENT"
		expect_status 200 "page $pages with limit $limit"
		page
		n=$(jb 'len(j["tickets"])')
		[ "$n" -le "$limit" ] || fail "a page of $n tickets with limit=$limit"
		seen="$seen $IDS"
		pages=$((pages + 1))
		[ "$NEXT" = None ] && break
		[ "$pages" -le 100 ] || fail "more than 100 pages with limit=$limit"
		cursor=$NEXT
	done
	assert_eq "$(sql_ids "1 = 1")" "$(echo $seen)" "every ticket once, in pages of $limit"
done
# paging with a filter
seen='' cursor=''
while :; do
	api GET "/api/v1/tickets?limit=2&requester=c1%40acme.test${cursor:+&cursor=$cursor}" "$AGENT"
	expect_status 200
	page
	seen="$seen $IDS"
	[ "$NEXT" = None ] && break
	cursor=$NEXT
done
assert_eq "$(sql_ids "requester_id = $C1_ID")" "$(echo $seen)" "c1's tickets, in pages of 2"
# order=due: by the SLA sort key (waiting customers, longest first), paged by the last id.
due_ids=$(sql "SELECT id FROM tickets ORDER BY sla_sort_key, id" | tr '\n' ' ' | sed 's/ $//')
seen='' cursor=''
while :; do
	api GET "/api/v1/tickets?order=due&limit=3${cursor:+&cursor=$cursor}" "$AGENT"
	expect_status 200
	page
	seen="$seen $IDS"
	[ "$NEXT" = None ] && break
	cursor=$NEXT
done
assert_eq "$due_ids" "$(echo $seen)" "every ticket once, by what is due"
assert_eq "$(sql "SELECT CASE WHEN count(DISTINCT sla_sort_key) > 1 THEN 1 ELSE 0 END FROM tickets")" 1 \
	"the due order is not trivial"
api GET '/api/v1/tickets?order=soonest' "$AGENT"
expect_status 400

# --- people, organisations, groups -----------------------------------------------------
api GET /api/v1/users "$AGENT"
expect_status 200
assert_eq "$(sql "SELECT count(*) FROM users")" "$(jb 'len(j["users"])')" "users listed"
api GET '/api/v1/users?role=agent' "$AGENT"
expect_status 200
assert_eq "agent2@example.com agent@example.com" "$(jb '" ".join(sorted(u["email"] for u in j["users"]))')" "agents listed"
api GET '/api/v1/users?role=boss' "$AGENT"
expect_problem 400 invalid_parameter
api POST /api/v1/users "$AGENT" '{"email":"New.Customer@Acme.test","name":"New Customer"}'
expect_status 201
NEW_ID=$(jb 'j["id"]')
assert_eq "New.Customer@Acme.test|New Customer|customer|True" \
	"$(jb '"|".join(str(j[k]) for k in ("email", "name", "role", "active"))')" "the new customer"
api POST /api/v1/users "$AGENT" '{"email":"new.customer@acme.test"}'
expect_problem 409 conflict "the same email again, in another case"
api POST /api/v1/users "$AGENT" '{"email":"boss@example.com","role":"admin"}'
expect_problem 403 forbidden "an agent making an admin"
api GET "/api/v1/users/$NEW_ID" "$AGENT"
expect_status 200
assert_eq "new.customer@acme.test" "$(jb 'j["email"].lower()')" "GET the new user"
api GET /api/v1/users/999999 "$AGENT"
expect_problem 404 not_found
api PATCH "/api/v1/users/$NEW_ID" "$AGENT" '{"name":"Renamed Customer","active":false}'
expect_status 200
assert_eq "Renamed Customer False" "$(jb '"%s %s" % (j["name"], j["active"])')" "the changed user"
api PATCH "/api/v1/users/$AGENT_ID" "$AGENT" '{"active":false}'
expect_problem 403 forbidden "deactivating oneself"
api PATCH "/api/v1/users/$NEW_ID" "$AGENT" '{"active":"no"}'
expect_problem 422 invalid
api GET /api/v1/organisations "$AGENT"
expect_status 200
assert_true 'isinstance(j["organisations"], list)' "organisations listed"
api POST /api/v1/organisations "$AGENT" '{"name":"Acme"}'
expect_problem 403 forbidden "an agent making an organisation"
api GET /api/v1/groups "$AGENT"
expect_status 200
assert_eq "Tier2" "$(jb '" ".join(g["name"] for g in j["groups"])')" "groups listed"
api POST /api/v1/groups "$AGENT" '{"name":"Tier3"}'
expect_problem 403 forbidden "an agent making a group"
GROUP_ID=$(sql "SELECT id FROM agent_groups WHERE name_norm = 'tier2'")
api POST "/api/v1/groups/$GROUP_ID/members" "$AGENT" '{"email":"agent2@example.com"}'
expect_problem 403 forbidden "an agent adding a member"

# --- ticket documents: a rename shows at once, and is stored again in the background ----
# Ticket 1's requester is c1; its stored document names c1 as it was.
assert_eq 1 "$(sql "SELECT count(*) FROM ticket_docs WHERE ticket_id = 1")" "ticket 1 has a stored document"
api PATCH "/api/v1/users/$C1_ID" "$AGENT" '{"name":"Cee One Renamed"}'
expect_status 200
api GET /api/v1/tickets/1 "$AGENT"
expect_status 200
assert_eq "Cee One Renamed" "$(jb 'j["requester"]["name"]')" "the ticket shows the new name at once"
# serve's docs worker renders the stale documents within a few seconds.
stored=""
for _ in $(seq 50); do
	stored=$(sql "SELECT count(*) FROM ticket_docs WHERE ticket_id = 1 AND body LIKE '%Cee One Renamed%'")
	[ "$stored" = 1 ] && break
	sleep 0.1
done
assert_eq 1 "$stored" "the renamed requester's ticket document stored again by the worker"
assert_eq 0 "$(sql "SELECT count(*) FROM docs_stale")" "no stale documents left"
api GET /api/v1/tickets/1 "$AGENT"
assert_eq "Cee One Renamed" "$(jb 'j["requester"]["name"]')" "the stored document has the new name"

# --- sessions: a password, a cookie, a CSRF token --------------------------------------
printf 'correct horse battery\n' >"$TMP/pw"
"$CHAMPION" --db "$DB" user set agent@example.com --password - <"$TMP/pw" >/dev/null 2>"$TMP/pw.err" ||
	fail "cannot set the agent's password: $(cat "$TMP/pw.err")"
pass
req POST /api/v1/session -H 'Content-Type: application/json' \
	--data-binary '{"email":"agent@example.com","password":"wrong password!"}'
expect_problem 401 unauthenticated "a wrong password"
req POST /api/v1/session -H 'Content-Type: application/json' \
	--data-binary '{"email":"nobody@example.com","password":"wrong password!"}'
expect_problem 401 unauthenticated "an unknown email"
req POST /api/v1/session -H 'Content-Type: application/json' \
	--data-binary '{"email":"AGENT@example.com","password":"correct horse battery"}'
expect_status 201 "signing in"
COOKIE=$(hdr set-cookie)
assert_match "$COOKIE" '^champion_session=chs_[A-Za-z0-9_-]+;' "Set-Cookie"
assert_contains "$COOKIE" "HttpOnly" "Set-Cookie"
assert_contains "$COOKIE" "SameSite=Lax" "Set-Cookie"
CSRF=$(jb 'j["csrf_token"]')
assert_eq "agent@example.com" "$(jb 'j["user"]["email"]')" "the session's user"
SESSION=${COOKIE%%;*}
req GET /api/v1/session -H "Cookie: $SESSION"
expect_status 200 "GET /api/v1/session with the cookie"
assert_eq "$CSRF" "$(jb 'j["csrf_token"]')" "the session's CSRF token"
req GET /api/v1/me -H "Cookie: theme=dark; $SESSION; lang=en"
expect_status 200 "/me with the cookie among others"
req PATCH /api/v1/tickets/4 -H "Cookie: $SESSION" -H 'Content-Type: application/json' \
	--data-binary '{"priority":"low"}'
expect_problem 403 csrf_failed "a write with the cookie and no X-CSRF-Token"
req PATCH /api/v1/tickets/4 -H "Cookie: $SESSION" -H "X-CSRF-Token: ${CSRF}0" -H 'Content-Type: application/json' \
	--data-binary '{"priority":"low"}'
expect_problem 403 csrf_failed "a write with a wrong X-CSRF-Token"
assert_eq normal "$(sql 'SELECT priority FROM tickets WHERE id = 4')" "ticket 4 after refused writes"
req PATCH /api/v1/tickets/4 -H "Cookie: $SESSION" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' \
	--data-binary '{"priority":"low"}'
expect_status 200 "a write with the cookie and X-CSRF-Token"
assert_eq low "$(sql 'SELECT priority FROM tickets WHERE id = 4')" "ticket 4's priority"
req DELETE /api/v1/session -H "Cookie: $SESSION"
expect_problem 403 csrf_failed "signing out without X-CSRF-Token"
req DELETE /api/v1/session -H "Cookie: $SESSION" -H "X-CSRF-Token: $CSRF"
expect_status 204 "signing out"
assert_match "$(hdr set-cookie)" '^champion_session=;.*Max-Age=0' "the expired cookie"
req GET /api/v1/me -H "Cookie: $SESSION"
expect_problem 401 unauthenticated "the cookie after signing out"
req GET /api/v1/me -H "Cookie: champion_session=chs_forged"
expect_problem 401 unauthenticated "a forged cookie"
# Five failures in the window: the account is throttled, with Retry-After.
for i in 1 2 3 4 5; do
	req POST /api/v1/session -H 'Content-Type: application/json' \
		--data-binary '{"email":"agent2@example.com","password":"guess number '$i'"}'
done
req POST /api/v1/session -H 'Content-Type: application/json' \
	--data-binary '{"email":"agent2@example.com","password":"guess number 6"}'
expect_problem 429 too_many_attempts "a sixth failure in the window"
assert_match "$(hdr retry-after)" '^[1-9][0-9]*$' "Retry-After"

# --- metrics -----------------------------------------------------------------------
req GET /metrics
expect_status 200
METRICS=$BODY
assert_match "$(hdr content-type)" '^text/plain' "/metrics Content-Type"
metric()
{
	# Labels hold spaces ("GET /x"): the value is the last field.
	printf '%s\n' "$METRICS" | awk -v k="$1" 'index($0, k " ") == 1 { print $NF }'
}
n=$(metric 'champion_http_requests_total{route="GET /api/v1/tickets/{id}",status="200"}')
assert_match "$n" '^[1-9][0-9]*$' "GET /api/v1/tickets/{id} 200 requests"
n=$(metric 'champion_http_requests_total{route="GET /api/v1/tickets/{id}",status="304"}')
assert_eq 2 "$n" "GET /api/v1/tickets/{id} 304 requests"
n=$(metric 'champion_http_requests_total{route="PATCH /api/v1/tickets/{id}",status="412"}')
assert_eq 8 "$n" "PATCH 412 requests"
n=$(metric 'champion_http_requests_total{route="POST /api/v1/tickets",status="201"}')
assert_eq 18 "$n" "POST /api/v1/tickets 201 requests"
n=$(metric 'champion_http_requests_total{route="POST /api/v1/tickets/{id}/merge",status="409"}')
assert_eq 1 "$n" "merge 409 requests"
assert_match "$(metric 'champion_http_request_duration_seconds_bucket{le="+Inf"}')" '^[1-9][0-9]*$' \
	"the +Inf bucket"
assert_match "$(metric 'champion_db_seconds_total')" '^[0-9.]+$' "champion_db_seconds_total"
py - "$(metric champion_db_seconds_total)" <<'EOF' || fail "champion_db_seconds_total is not > 0"
import sys
sys.exit(0 if float(sys.argv[1]) > 0 else 1)
EOF
pass
batches=$(metric champion_writer_batches_total)
jobs=$(metric champion_writer_jobs_total)
assert_match "$batches" '^[1-9][0-9]*$' "champion_writer_batches_total > 0"
assert_match "$jobs" '^[1-9][0-9]*$' "champion_writer_jobs_total > 0"
# The exposition format: every sample line parses; buckets grow; count = +Inf.
check=$(printf '%s\n' "$METRICS" | py -c '
import re, sys
lines = sys.stdin.read().splitlines()
sample = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\.)*\",?)*\})? [0-9.eE+-]+$")
bad = [l for l in lines if l and not l.startswith("#") and not sample.match(l)]
if bad: print("bad lines: %r" % bad[:3]); sys.exit()
typed = set(l.split()[2] for l in lines if l.startswith("# TYPE"))
for l in lines:
    if l and not l.startswith("#"):
        name = re.split(r"[{ ]", l)[0]
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        if name not in typed and base not in typed:
            print("no TYPE for %s" % name); sys.exit()
b = [float(l.split()[1]) for l in lines if l.startswith("champion_http_request_duration_seconds_bucket")]
if b != sorted(b): print("buckets not cumulative: %r" % b); sys.exit()
c = [float(l.split()[1]) for l in lines if l.startswith("champion_http_request_duration_seconds_count")]
if not c or c[0] != b[-1]: print("count %r != +Inf bucket %r" % (c, b[-1])); sys.exit()
print("ok")')
assert_eq ok "$check" "the Prometheus text format"

# --- the access log: one line per request, with its X-Request-Id -------------------
stop_server 0
check=$(py - "$SRV_ERR" "$TMP/request-ids" <<'EOF'
import collections, re, sys
log = open(sys.argv[1], errors="replace").read().splitlines()
ids = [l.strip() for l in open(sys.argv[2]) if l.strip()]
seen = collections.Counter()
for l in log:
    if 'msg="request"' in l:
        m = re.search(r"\bid=(\S+)", l)
        if not m:
            print("a request line without id: %s" % l); sys.exit()
        seen[m.group(1)] += 1
dup = [i for i, n in seen.items() if n > 1]
if dup: print("ids logged more than once: %r" % dup[:5]); sys.exit()
rdup = [i for i, n in collections.Counter(ids).items() if n > 1]
if rdup: print("X-Request-Id given twice: %r" % rdup[:5]); sys.exit()
missing = [i for i in ids if i not in seen]
if missing: print("responses whose id is not in the log: %r" % missing[:5]); sys.exit()
extra = [i for i in seen if i not in set(ids)]
if extra: print("log lines for ids no response gave: %r" % extra[:5]); sys.exit()
print("ok %d" % len(ids))
EOF
)
assert_match "$check" '^ok [0-9]+$' "access log against X-Request-Id"
line=$(grep 'msg="request"' "$SRV_ERR" | grep 'status=412' | head -1)
assert_contains "$line" 'method=PATCH path="/api/v1/tickets/3" route="/api/v1/tickets/{id}" status=412' \
	"the 412's log line"
assert_contains "$line" "user=$AGENT_ID" "the 412's log line"

# --- HTTP/1.1 keep-alive after any answer (last: today only 200s and 304s keep it) ---------
# A response without Content-Length that is not chunked ends with the connection.
start_server
for first in "GET /api/v1/tickets/1" "GET /api/v1/tickets/999" "POST /api/v1/tickets" "GET /api/v1/tickets?limit=0" \
	"DELETE /api/v1/tickets/1"; do
	args=(-X "${first%% *}" -H "Authorization: Bearer $AGENT")
	[ "${first%% *}" = POST ] && args+=(-H 'Content-Type: application/json' --data-binary '{"subject":"keep","body":"alive"}')
	n=$(curl -s --max-time 10 "${args[@]}" -o /dev/null -w '%{num_connects} ' "$URL${first#* }" \
		--next -s --max-time 10 -H "Authorization: Bearer $AGENT" -o /dev/null -w '%{num_connects}' "$URL/api/v1/me")
	assert_eq "1 0" "$n" "new connections for '$first' then GET /api/v1/me (the second should reuse the first)"
done
stop_server 0

finish
