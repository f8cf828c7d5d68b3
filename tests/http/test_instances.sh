#!/usr/bin/env bash
# test_instances.sh - three `champion serve` on one PostgreSQL desk (run with
# CHAMPION_TEST_BACKEND=postgresql; meson registers it in that suite only):
# clients create and reply through all three at once, and every
# acknowledged write is in the desk exactly once; SLA timers that came due
# while no server ran fire once each, whichever server claims them; and a
# stream on one server hears a ticket created through another.
. "${BASH_SOURCE%/*}/lib.sh"

[ "$TEST_BACKEND" = postgresql ] ||
	fail "test_instances.sh is for a desk on PostgreSQL (CHAMPION_TEST_BACKEND=postgresql)"

ch_ok init --admin admin@example.com
ch_ok user add agent@example.com --role agent
make_token agent@example.com
AGENT=$TOKEN
ch_ok sla add Fast --first-reply "all=1h"
# Six tickets whose first reply came due at 10:00 while no server ran.
for i in $(seq 6); do
	CHAMPION_NOW=2026-11-02T09:00:00Z ch_ok ticket create --subject "Waiting $i" \
		--requester "w$i@customer.test" --body "Help"
done
assert_eq 0 "$(sql "SELECT count(*) FROM events WHERE kind = 'sla.breach'")" "no breach before a server runs"

# --- three servers ---------------------------------------------------------------
export CHAMPION_NOW=2026-11-02T12:00:00Z
URLS=() PIDS=() ERRS=()
# Live streams read the desk when PostgreSQL signals a change (LISTEN/NOTIFY),
# and would poll only every 20 minutes here: what a stream hears, it heard
# through the signal.
for name in a b c; do
	start_server --set server.live_poll_ms=60000
	URLS+=("$URL")
	PIDS+=("$SRV_PID")
	ERRS+=("$SRV_ERR")
done
export AGENT TMPD=$TMP

# --- timers fire once across servers ------------------------------------------------
n=''
for _ in $(seq 100); do
	n=$(sql "SELECT count(*) FROM events WHERE kind = 'sla.breach'")
	[ "$n" -ge 6 ] && break
	sleep 0.1
done
sleep 1.5 # every server's timer loop has run again by now
assert_eq 6 "$(sql "SELECT count(*) FROM events WHERE kind = 'sla.breach'")" "breaches, one per ticket"
assert_eq 0 "$(sql "SELECT count(*) FROM (SELECT entity_id FROM events WHERE kind = 'sla.breach'
	GROUP BY entity_id HAVING count(*) > 1) AS twice")" "tickets breached twice"
assert_eq 0 "$(sql "SELECT count(*) FROM jobs WHERE kind = 'sla.timer' AND state = 'done' AND attempts > 1")" \
	"timer jobs run more than once"

# --- concurrent writes through all three ----------------------------------------------
# 120 new tickets, 40 through each server, 12 clients at once.
seq 120 | xargs -P 12 -I{} sh -c '
	url=$(echo "$0" | cut -d" " -f$(( $1 % 3 + 1 )))
	code=$(curl -s --max-time 60 -o "$TMPD/new.$1.body" -w "%{http_code}" \
		-H "Authorization: Bearer $AGENT" -H "Content-Type: application/json" \
		--data-binary "{\"subject\":\"parallel $1\",\"body\":\"opened $1\"}" "$url/api/v1/tickets")
	echo "$1 $code"' "${URLS[*]}" {} >"$TMP/new.codes"
assert_eq "120 201" "$(cut -d' ' -f2 "$TMP/new.codes" | sort | uniq -c | tr -s ' ' | sed 's/^ //')" \
	"statuses of 120 POSTs through three servers"
assert_eq 120 "$(sql "SELECT count(*) FROM tickets WHERE subject LIKE 'parallel %'")" "tickets in the desk"
assert_eq 120 "$(sql "SELECT count(DISTINCT subject) FROM tickets WHERE subject LIKE 'parallel %'")" \
	"each acknowledged ticket once"
# Each answer names the ticket the desk holds under its subject.
sql "SELECT id, subject FROM tickets WHERE subject LIKE 'parallel %'" >"$TMP/desk.rows"
check=$(py - "$TMP" <<'EOF'
import json, sys
tmp = sys.argv[1]
desk = dict((int(l.split("|", 1)[0]), l.rstrip("\n").split("|", 1)[1]) for l in open(tmp + "/desk.rows"))
for i in range(1, 121):
    j = json.load(open("%s/new.%d.body" % (tmp, i)))
    if desk.get(j.get("id")) != "parallel %d" % i:
        print("answer %d names #%s, which the desk has as %r" % (i, j.get("id"), desk.get(j.get("id")))); sys.exit()
print("ok")
EOF
)
assert_eq ok "$check" "answers against the desk"

# Replies to those tickets, each through another server than its ticket's.
py -c '
import json, sys
for i in range(1, 121):
    print(i, json.load(open("%s/new.%d.body" % (sys.argv[1], i)))["id"])' "$TMP" >"$TMP/new.ids"
xargs -P 12 -n 2 sh -c '
	id=$2
	url=$(echo "$0" | cut -d" " -f$(( ($1 + 1) % 3 + 1 )))
	code=$(curl -s --max-time 60 -o /dev/null -w "%{http_code}" \
		-H "Authorization: Bearer $AGENT" -H "Content-Type: application/json" \
		--data-binary "{\"body\":\"answer $1\"}" "$url/api/v1/tickets/$id/replies")
	echo "$1 $code"' "${URLS[*]}" <"$TMP/new.ids" >"$TMP/reply.codes"
assert_eq "120 201" "$(cut -d' ' -f2 "$TMP/reply.codes" | sort | uniq -c | tr -s ' ' | sed 's/^ //')" \
	"statuses of 120 replies through three servers"
assert_eq 120 "$(sql "SELECT count(*) FROM tickets t WHERE t.subject LIKE 'parallel %' AND
	(SELECT count(*) FROM messages m WHERE m.ticket_id = t.id AND m.body_text = 'answer ' || substr(t.subject, 10)) = 1")" \
	"each reply once, on its ticket"
assert_eq 120 "$(sql "SELECT count(*) FROM tickets WHERE subject LIKE 'parallel %' AND first_response_at IS NOT NULL")" \
	"first responses recorded"
# Search finds them through any server (each indexes at its commits).
URL=${URLS[2]}
api GET "/api/v1/search?q=answer&limit=100" "$AGENT"
expect_status 200
assert_eq 100 "$(jb 'len(j["results"])')" "replies the third server's search finds"

# --- a stream on A hears a ticket made through B ---------------------------------------
curl -sN --max-time 30 -H "Authorization: Bearer $AGENT" "${URLS[0]}/api/v1/stream?seconds=5" \
	>"$TMP/a.sse" 2>&1 &
STREAM=$!
ALL_PIDS+=("$STREAM")
for _ in $(seq 50); do
	grep -q '^event: hello' "$TMP/a.sse" 2>/dev/null && break
	sleep 0.1
done
URL=${URLS[1]}
api POST /api/v1/tickets "$AGENT" '{"subject":"seen across servers","body":"from B"}'
expect_status 201
NEWB=$(jb 'j["id"]')
heard=''
for _ in $(seq 50); do
	grep -q "\"ticket_id\":$NEWB\b\|\"id\":$NEWB\b" "$TMP/a.sse" && { heard=yes; break; }
	sleep 0.1
done
assert_eq yes "$heard" "server A's stream hears ticket #$NEWB made through server B ($(tail -c 300 "$TMP/a.sse"))"
URL=${URLS[0]}
api GET /metrics ""
expect_status 200
assert_match "$BODY" "champion_live_listening 1" "server A listens for the desk's signals"
assert_match "$BODY" "champion_live_signals_total [1-9]" "server A was signalled"

# --- all three stop cleanly ------------------------------------------------------------
for i in 0 1 2; do
	SRV_PID=${PIDS[$i]} SRV_ERR=${ERRS[$i]}
	stop_server 0
done
finish
