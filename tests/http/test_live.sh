#!/usr/bin/env bash
# test_live.sh - live updates: GET /api/v1/stream sends a hello, then the
# changes to tickets the caller sees (made through the API here, and by
# the CLI, another process) and presence changes, as server-sent events;
# an engineer hears only of the tickets they see; a customer may not
# listen (403); ?seconds ends a stream, and stopping the server ends the
# open ones without waiting out the grace period. Presence: POST and GET
# /api/v1/tickets/{id}/presence, 'left' takes one off, a bad state is 422,
# an unknown ticket 404.
. "${BASH_SOURCE%/*}/lib.sh"

ch_ok init --admin admin@example.com
ch_ok user add agent@example.com --role agent --name "Ann Agent"
ch_ok user add eng@example.com --role engineer --name "Eve Engineer"
ch_ok group add Engineering
ch_ok group member Engineering eng@example.com
ch_ok ticket create --subject "For engineering" --requester carl@customer.test --body "Deep" \
	--group Engineering # 1
ch_ok ticket create --subject "Billing only" --requester carl@customer.test --body "Money" # 2
make_token agent@example.com
AG=$TOKEN
make_token eng@example.com
ENG=$TOKEN
make_token carl@customer.test
CUST=$TOKEN
start_server

# PostgreSQL signals the desk's changes to the server (LISTEN/NOTIFY); SQLite cannot.
api GET /metrics ""
expect_status 200
assert_match "$BODY" "champion_live_listening $([ "$TEST_BACKEND" = postgresql ] && echo 1 || echo 0)" \
	"whether the server hears the desk's signals"

# listen NAME TOKEN SECONDS: a stream into $TMP/NAME.sse, in the background.
listen()
{
	curl -sN --max-time 30 -H "Authorization: Bearer $2" "$URL/api/v1/stream?seconds=$3" \
		>"$TMP/$1.sse" 2>"$TMP/$1.err" &
	LISTENERS+=($!)
}
LISTENERS=()
# events FILE NAME: the data lines of FILE's events called NAME.
events()
{
	awk -v n="$2" '/^event: / { ev = substr($0, 8) } /^data: / && ev == n { print substr($0, 7) }' "$1"
}

# --- refused ------------------------------------------------------------------------
api GET /api/v1/stream "$CUST"
expect_problem 403 forbidden "a customer's stream"
api GET "/api/v1/stream?seconds=0" "$AG"
expect_problem 400 invalid_parameter "seconds=0"
api POST /api/v1/tickets/1/presence "$AG" '{"state":"dancing"}'
expect_problem 422 invalid "an unknown presence state"
assert_contains "$BODY" "viewing, typing or left" "the states the 422 names"
api POST /api/v1/tickets/999/presence "$AG" '{"state":"viewing"}'
expect_problem 404 not_found "presence on a ticket that is not there"
api POST /api/v1/tickets/2/presence "$ENG" '{"state":"viewing"}'
expect_problem 404 not_found "presence on a ticket the engineer does not see"
api POST /api/v1/tickets/1/presence "$CUST" '{"state":"viewing"}'
expect_problem 403 forbidden "a customer's presence"

# --- a stream hears the changes --------------------------------------------------------
listen agent "$AG" 3
listen eng "$ENG" 3
sleep 0.5
api POST /api/v1/tickets/1/replies "$AG" '{"body":"Looking"}'
expect_status 201
api POST /api/v1/tickets/2/notes "$AG" '{"body":"Refund?"}'
expect_status 201
ch_ok ticket create --subject "From another process" --requester dora@customer.test --body "Hi" \
	--group Engineering # 3
api POST /api/v1/tickets/1/presence "$AG" '{"state":"typing"}'
expect_status 204
api GET /api/v1/tickets/1/presence "$ENG"
expect_status 200
assert_eq "Ann Agent typing" "$(jb '" ".join([j["presence"][0]["name"], j["presence"][0]["state"]])')" \
	"who is on ticket 1"
for pid in "${LISTENERS[@]}"; do
	wait "$pid" || fail "a stream with ?seconds=3 did not end cleanly (curl exit $?)"
done
A="$TMP/agent.sse"
assert_eq "hello" "$(sed -n 's/^event: //p' "$A" | head -1)" "the first event"
assert_match "$(events "$A" hello)" '^\{"event_id":[0-9]+,"presence_seq":[0-9]+\}$' "the hello"
tickets=$(events "$A" ticket | py -c '
import json, sys
print(" ".join("%d:%s" % (e["ticket_id"], e["kind"]) for e in map(json.loads, sys.stdin)))')
assert_contains "$tickets" "1:message.public" "the reply to ticket 1"
assert_contains "$tickets" "2:message.internal" "the note on ticket 2"
assert_contains "$tickets" "3:ticket.created" "the CLI's new ticket"
assert_eq '{"ticket_id":1,"user_id":2,"name":"Ann Agent","email":"agent@example.com","state":"typing"}' \
	"$(events "$A" presence)" "the presence event"
etickets=$(events "$TMP/eng.sse" ticket | py -c '
import json, sys
print(" ".join(sorted(set(str(e["ticket_id"]) for e in map(json.loads, sys.stdin)))))')
assert_eq "1 3" "$etickets" "the tickets the engineer heard of (not 2: not in their group)"
assert_eq "1" "$(events "$TMP/eng.sse" presence | grep -c typing)" "the engineer sees who types on ticket 1"

# --- leaving ---------------------------------------------------------------------------
api POST /api/v1/tickets/1/presence "$AG" '{"state":"left"}'
expect_status 204
api GET /api/v1/tickets/1/presence "$ENG"
assert_eq "0" "$(jb 'len(j["presence"])')" "nobody on ticket 1 once Ann left"

# --- stopping ends open streams ----------------------------------------------------------
# While changes keep coming: a stream may be stopping with a write still on
# the wire (it must end once h2o has taken that write).
curl -sN --max-time 30 -H "Authorization: Bearer $AG" "$URL/api/v1/stream" >"$TMP/open.sse" 2>&1 &
CURL=$!
(
	for i in $(seq 400); do
		st=viewing
		[ $((i % 2)) = 0 ] && st=typing
		curl -s -o /dev/null --max-time 2 -H "Authorization: Bearer $AG" \
			-H 'Content-Type: application/json' -d "{\"state\":\"$st\"}" "$URL/api/v1/tickets/1/presence" ||
			break
	done
) &
BUSY=$!
sleep 1.5
expect_alive
stop_server
kill "$BUSY" 2>/dev/null
wait "$BUSY" 2>/dev/null
wait "$CURL"
assert_eq 0 "$?" "curl's exit: the stream ended cleanly"
[ "$STOP_MS" -lt 5000 ] || fail "the server took $STOP_MS ms to stop with a stream open"
assert_eq "hello" "$(sed -n 's/^event: //p' "$TMP/open.sse" | head -1)" "the open stream's hello"
finish
