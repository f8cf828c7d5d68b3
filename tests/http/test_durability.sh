#!/usr/bin/env bash
# test_durability.sh - the writer's group commit under load: 200 POSTs from
# 16 concurrent clients all get 201, the desk holds all 200 tickets with
# their messages and events, /metrics shows that the writes were grouped
# (fewer commits than writes), a write that fails halfway leaves nothing
# and the rest of its group whole, concurrent changes to one ticket lose
# nothing, the checkpointer beside the writer folds the log into the desk
# (the writer's commits leave it), and the writer indexes its messages in
# batches. After SIGTERM the desk is intact and every message indexed. A
# group the database refuses for now (another process holds SQLite's
# write lock) runs again with backoff: past three tries it is a 503 with
# Retry-After, and one whose lock is freed meanwhile goes through.
. "${BASH_SOURCE%/*}/lib.sh"

metric()
{
	printf '%s\n' "$BODY" | awk -v k="$1" 'index($0, k " ") == 1 { print $NF }'
}

ch_ok init --admin admin@example.com
ch_ok user add agent@example.com --role agent
make_token agent@example.com
AGENT=$TOKEN
start_server --set log.level=debug
req GET /metrics
expect_status 200
JOBS0=$(metric champion_writer_jobs_total)
BATCHES0=$(metric champion_writer_batches_total)
assert_eq "0 0" "$JOBS0 $BATCHES0" "writer counters before any write"

# --- 200 POSTs, 16 at a time ---------------------------------------------------------
export URL AGENT TMP
seq 200 | xargs -P 16 -I{} sh -c '
	code=$(curl -s --max-time 60 -o "$TMP/load.$1.body" -w "%{http_code}" \
		-H "Authorization: Bearer $AGENT" -H "Content-Type: application/json" \
		--data-binary "{\"subject\":\"load $1\",\"body\":\"message $1\",\"tags\":[\"load\"]}" \
		"$URL/api/v1/tickets")
	echo "$1 $code"' sh {} >"$TMP/load.codes"
assert_eq 200 "$(wc -l <"$TMP/load.codes" | tr -d ' ')" "answers to 200 POSTs"
assert_eq "200 201" "$(cut -d' ' -f2 "$TMP/load.codes" | sort | uniq -c | tr -s ' ' | sed 's/^ //')" \
	"statuses of 200 POSTs ($(grep -v ' 201$' "$TMP/load.codes" | head -5 | tr '\n' ' '))"
# Each answer names its own ticket, and the desk has it as answered.
# The desk's tickets as "ID|SUBJECT" lines (sqlite3 and psql print them alike).
sql "SELECT id, subject FROM tickets WHERE subject LIKE 'load %'" >"$TMP/desk.rows"
check=$(py - "$TMP" <<'EOF'
import json, sys
tmp = sys.argv[1]
desk = {}
for line in open("%s/desk.rows" % tmp):
    tid, _, subject = line.rstrip("\n").partition("|")
    desk[int(tid)] = subject
ids = set()
for i in range(1, 201):
    j = json.load(open("%s/load.%d.body" % (tmp, i)))
    if j.get("subject") != "load %d" % i:
        print("answer %d is for %r" % (i, j.get("subject"))); sys.exit()
    if desk.get(j["id"]) != "load %d" % i:
        print("ticket #%d (load %d) is not in the desk as answered: %r" % (j["id"], i, desk.get(j["id"]))); sys.exit()
    ids.add(j["id"])
print("ok %d" % len(ids))
EOF
)
assert_eq "ok 200" "$check" "200 answers against the desk"
assert_eq 200 "$(sql "SELECT count(*) FROM tickets WHERE subject LIKE 'load %'")" "tickets in the desk"
assert_eq 200 "$(sql "SELECT count(DISTINCT subject) FROM tickets WHERE subject LIKE 'load %'")" "distinct tickets"
assert_eq 200 "$(sql "SELECT count(*) FROM tickets t WHERE subject LIKE 'load %' AND
	(SELECT count(*) FROM messages m WHERE m.ticket_id = t.id AND m.body_text = 'message ' || substr(t.subject, 6)) = 1")" \
	"tickets with their one message"
assert_eq 200 "$(sql "SELECT count(*) FROM tickets t WHERE subject LIKE 'load %' AND
	(SELECT group_concat(kind, ',') FROM (SELECT kind FROM events e WHERE e.entity = 'ticket' AND e.entity_id = t.id ORDER BY kind) AS k)
	= 'message.public,tag.added,ticket.created'")" "tickets with their three events"
assert_eq 200 "$(sql "SELECT count(*) FROM ticket_tags WHERE tag = 'load'")" "tags"

req GET /metrics
expect_status 200
JOBS=$(metric champion_writer_jobs_total)
BATCHES=$(metric champion_writer_batches_total)
echo "writer: $JOBS jobs in $BATCHES batches" >&2
[ "$JOBS" -ge 200 ] || fail "champion_writer_jobs_total is $JOBS, expected >= 200"
pass
if [ "$BATCHES" -ge 1 ] && [ "$BATCHES" -lt "$JOBS" ]; then
	pass
else
	fail "champion_writer_batches_total is $BATCHES for $JOBS jobs: the writes were not grouped"
fi
assert_eq 200 "$(printf '%s\n' "$BODY" | awk 'index($0, "champion_http_requests_total{route=\"POST /api/v1/tickets\",status=\"201\"} ") == 1 { print $NF }')" \
	"POST /api/v1/tickets 201 in /metrics"

# --- a write that fails halfway leaves the rest of its group ------------------------
# The writer runs a group without a savepoint per job; a ticket for a new
# requester in a group that does not exist fails after adding the
# requester, which spoils the group: it runs again, job by job in
# savepoints. The good tickets are all there, the failed ones left nothing.
RERUN0=$(metric champion_writer_groups_rerun_total)
seq 60 | xargs -P 16 -I{} sh -c '
	if [ $(($1 % 6)) = 0 ]; then
		data="{\"subject\":\"half $1\",\"body\":\"x\",\"requester\":\"ghost$1@example.com\",\"group\":\"No such group\"}"
	else
		data="{\"subject\":\"whole $1\",\"body\":\"message $1\",\"requester\":\"real$1@example.com\"}"
	fi
	code=$(curl -s --max-time 60 -o /dev/null -w "%{http_code}" \
		-H "Authorization: Bearer $AGENT" -H "Content-Type: application/json" \
		--data-binary "$data" "$URL/api/v1/tickets")
	echo "$1 $code"' sh {} >"$TMP/half.codes"
assert_eq "50 201|10 404" "$(cut -d' ' -f2 "$TMP/half.codes" | sort | uniq -c | tr -s ' ' | sed 's/^ //' | paste -sd'|')" \
	"statuses of 50 good and 10 failing POSTs"
assert_eq 50 "$(sql "SELECT count(*) FROM tickets t JOIN users u ON u.id = t.requester_id
	WHERE t.subject LIKE 'whole %' AND u.email = 'real' || substr(t.subject, 7) || '@example.com'
	AND (SELECT count(*) FROM messages m WHERE m.ticket_id = t.id) = 1")" "good tickets with their requesters and messages"
assert_eq "0 0 0" "$(sql "SELECT (SELECT count(*) FROM tickets WHERE subject LIKE 'half %'),
	(SELECT count(*) FROM users WHERE email LIKE 'ghost%'),
	(SELECT count(*) FROM events WHERE data LIKE '%ghost%')" | tr '|' ' ')" \
	"what the failed POSTs left: tickets, requesters, events"
req GET /metrics
expect_status 200
RERUN=$(metric champion_writer_groups_rerun_total)
echo "writer: $((RERUN - RERUN0)) groups run again" >&2
if [ "$TEST_BACKEND" = postgresql ]; then
	# Each write keeps its savepoint there (a failed statement aborts the
	# whole transaction): a failing one is undone alone, no group runs again.
	assert_eq "$RERUN0" "$RERUN" "groups run again on PostgreSQL"
elif [ "$RERUN" -gt "$RERUN0" ] && [ "$RERUN" -le $((RERUN0 + 10)) ]; then
	pass
else
	fail "champion_writer_groups_rerun_total went from $RERUN0 to $RERUN for 10 failing writes"
fi

# --- concurrent changes to one ticket lose nothing ---------------------------------
api POST /api/v1/tickets "$AGENT" '{"subject":"contended","body":"one ticket, many writers"}'
expect_status 201
T=$(jb 'j["id"]')
V0=$(jb 'j["version"]')
export T
seq 100 | xargs -P 16 -I{} sh -c '
	if [ $(($1 % 2)) = 0 ]; then
		code=$(curl -s --max-time 60 -o /dev/null -w "%{http_code}" -X PATCH \
			-H "Authorization: Bearer $AGENT" -H "Content-Type: application/json" \
			--data-binary "{\"add_tags\":[\"t$1\"]}" "$URL/api/v1/tickets/$T")
	else
		code=$(curl -s --max-time 60 -o /dev/null -w "%{http_code}" \
			-H "Authorization: Bearer $AGENT" -H "Content-Type: application/json" \
			--data-binary "{\"body\":\"note $1\"}" "$URL/api/v1/tickets/$T/notes")
	fi
	echo "$1 $code"' sh {} >"$TMP/contend.codes"
assert_eq "50 200|50 201" "$(cut -d' ' -f2 "$TMP/contend.codes" | sort | uniq -c | tr -s ' ' | sed 's/^ //' | paste -sd'|')" \
	"statuses of 100 concurrent changes to one ticket"
assert_eq 50 "$(sql "SELECT count(*) FROM ticket_tags WHERE ticket_id = $T AND tag LIKE 't%'")" "tags on the contended ticket"
assert_eq 50 "$(sql "SELECT count(*) FROM messages WHERE ticket_id = $T AND kind = 'internal'")" "notes on the contended ticket"
assert_eq 50 "$(sql "SELECT count(*) FROM events WHERE entity = 'ticket' AND entity_id = $T AND kind = 'tag.added'")" \
	"tag events on the contended ticket"
api GET "/api/v1/tickets/$T" "$AGENT"
expect_status 200
assert_eq 50 "$(jb 'len([t for t in j["tags"] if t.startswith("t")])')" "tags the API shows"
assert_eq "\"$T.$(jb 'j["version"]')\"" "$(hdr etag)" "ETag and version agree"
[ "$(jb 'j["version"]')" -gt "$V0" ] || fail "the contended ticket's version did not move"
pass

# --- the checkpointer (SQLite's write-ahead log; PostgreSQL has its own) -------------
# It runs every second: within a few, one has copied a log the writes left.
ckpt=''
[ "$TEST_BACKEND" = postgresql ] && ckpt=copied
for _ in $(seq 50); do
	[ -n "$ckpt" ] && break
	ckpt=$(grep 'msg="checkpoint" ' "$SRV_ERR" | awk '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		if (v["log_pages"] > 100 && v["copied"] == v["log_pages"]) { print "copied"; exit }
	}')
	[ -n "$ckpt" ] && break
	sleep 0.1
done
assert_eq copied "$ckpt" "a checkpoint of the log the writes left ($(grep -c 'msg="checkpoint" ' "$SRV_ERR") logged)"

# --- the search index follows the writes, in batches ---------------------------------
found='' pending=''
for _ in $(seq 100); do
	api GET "/api/v1/search?q=load&limit=100" "$AGENT"
	found=$(printf '%s' "$BODY" | py -c 'import json, sys; print(len(json.load(sys.stdin)["results"]))')
	pending=$(sql 'SELECT count(*) FROM search_pending')
	[ "$found $pending" = "100 0" ] && break
	sleep 0.05
done
assert_eq 100 "$found" "POSTed tickets the search finds"
assert_eq 0 "$pending" "messages left to index while serving"

# --- after SIGTERM -----------------------------------------------------------------
api POST /api/v1/tickets "$AGENT" '{"subject":"last words","body":"echidna"}'
expect_status 201
stop_server 0
[ "$TEST_BACKEND" = sqlite ] && assert_eq ok "$(sql 'PRAGMA integrity_check')" "integrity of the desk"
assert_eq 252 "$(sql 'SELECT count(*) FROM tickets')" "tickets after the server stopped"
assert_eq 0 "$(sql 'SELECT count(*) FROM search_pending')" "messages left to index after the server stopped"
ch_ok ticket search echidna
assert_contains "$OUT" "last words" "the last message in the search index"

# --- the database refuses a group for now: it runs again, whole ----------------------
# SQLite: another process holds the write lock; each BEGIN IMMEDIATE waits
# db.busy_timeout_ms for it, then the writer runs the group again after a
# backoff, three times at most (desk_batch_retry).
# psql_holding SQL SECONDS: a psql session runs SQL in a transaction and keeps
# it open that long, then ROLLBACK or COMMIT (END); back once SQL has run.
psql_holding()
{
	rm -f "$TMP/held"
	printf 'BEGIN;\n%s;\n\\! touch %s\nSELECT pg_sleep(%s);\n%s;\n' "$1" "$TMP/held" "$2" "${3:-ROLLBACK}" |
		psql -X -q -o /dev/null "$DB" -f - &
	HOLDER=$!
	ALL_PIDS+=("$HOLDER")
	held "the psql session did not run: $1"
}
# held WHAT: waits up to 4 s for $TMP/held; fails with WHAT if it never comes.
held()
{
	for _ in $(seq 200); do
		[ -e "$TMP/held" ] && return 0
		sleep 0.02
	done
	fail "$1"
}
# hold_lock SECONDS: a process holds the desk's write lock that long ($TMP/held once it has it).
hold_lock()
{
	rm -f "$TMP/held"
	"$PYBIN" -S - "$DB" "$1" "$TMP/held" <<'EOF' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[3], "w").close()
time.sleep(float(sys.argv[2]))
c.execute("ROLLBACK")
EOF
	HOLDER=$!
	ALL_PIDS+=("$HOLDER")
	held "the lock holder did not take the write lock"
}
if [ "$TEST_BACKEND" = sqlite ]; then
	start_server --set db.busy_timeout_ms=100
	hold_lock 4
	api POST /api/v1/tickets "$AGENT" '{"subject":"held out","body":"the lock stays"}'
	expect_problem 503
	assert_match "$(hdr retry-after)" '^[0-9]+$' "Retry-After once the retries are spent"
	req GET /metrics
	assert_eq 3 "$(metric champion_writer_groups_retried_total)" "the group ran again three times"
	wait "$HOLDER"
	assert_eq 0 "$(sql "SELECT count(*) FROM tickets WHERE subject = 'held out'")" "the refused write"
	# Released while the writer waits to try again: the write goes through.
	hold_lock 0.25
	api POST /api/v1/tickets "$AGENT" '{"subject":"held briefly","body":"the lock goes"}'
	expect_status 201 "a write whose group ran again once the lock was free"
	wait "$HOLDER"
	req GET /metrics
	retried=$(metric champion_writer_groups_retried_total)
	[ "$retried" -gt 3 ] || fail "champion_writer_groups_retried_total is $retried: the second write was not retried"
	pass
	assert_eq 1 "$(sql "SELECT count(*) FROM tickets WHERE subject = 'held briefly'")" "the retried write, once"
	stop_server 0
fi

# PostgreSQL: another session holds a ticket's row lock; the write that
# changes that ticket waits db.busy_timeout_ms (lock_timeout), fails on its
# own, and runs again alone after a backoff, three times at most.
# hold_row ID SECONDS: a psql session locks ticket ID's row that long ($TMP/held once it has).
hold_row()
{
	psql_holding "SELECT 1 FROM tickets WHERE id = $1 FOR UPDATE" "$2"
}
if [ "$TEST_BACKEND" = postgresql ]; then
	start_server --set db.busy_timeout_ms=100
	api POST /api/v1/tickets "$AGENT" '{"subject":"row lock","body":"to be held"}'
	expect_status 201
	T=$(jb 'j["id"]')
	hold_row "$T" 4
	api PATCH "/api/v1/tickets/$T" "$AGENT" '{"priority":"high"}'
	expect_problem 503
	assert_match "$(hdr retry-after)" '^[0-9]+$' "Retry-After once the retries are spent"
	req GET /metrics
	assert_eq 3 "$(metric champion_writer_jobs_retried_total)" "the write ran again three times"
	wait "$HOLDER"
	assert_eq normal "$(sql "SELECT priority FROM tickets WHERE id = $T")" "the refused change"
	# Released while the writer waits to try again: the change goes through.
	hold_row "$T" 0.25
	api PATCH "/api/v1/tickets/$T" "$AGENT" '{"priority":"urgent"}'
	expect_status 200 "a change that ran again once the row was free"
	wait "$HOLDER"
	req GET /metrics
	retried=$(metric champion_writer_jobs_retried_total)
	[ "$retried" -gt 3 ] || fail "champion_writer_jobs_retried_total is $retried: the second change was not retried"
	pass
	assert_eq urgent "$(sql "SELECT priority FROM tickets WHERE id = $T")" "the retried change"
	assert_eq 1 "$(sql "SELECT count(*) FROM events WHERE entity_id = $T AND field = 'priority'")" \
		"its event, once"
	stop_server 0
fi

# PostgreSQL: servers write side by side, so a write reads the ticket it
# changes with its row locked (FOR UPDATE). Another session changes the
# ticket and holds its lock 1 s; a PATCH whose If-Match names the version
# before that change waits for it, then sees the new version: 412, not a
# lost update.
if [ "$TEST_BACKEND" = postgresql ]; then
	start_server
	api GET "/api/v1/tickets/$T" "$AGENT"
	expect_status 200
	OLD_ETAG=$(hdr etag)
	psql_holding "UPDATE tickets SET priority = 'low', version = version + 1 WHERE id = $T" 1 COMMIT
	req PATCH "/api/v1/tickets/$T" -H "Authorization: Bearer $AGENT" -H "If-Match: $OLD_ETAG" \
		-H 'Content-Type: application/json' --data-binary '{"priority":"high"}'
	expect_problem 412 precondition_failed "If-Match of the version another writer was replacing"
	wait "$HOLDER"
	assert_eq low "$(sql "SELECT priority FROM tickets WHERE id = $T")" "the other session's change, kept"
	stop_server 0
fi

finish
