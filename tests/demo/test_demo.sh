#!/usr/bin/env bash
# test_demo.sh - champion demo, checked from the outside with the sqlite3 CLI.
#
#   test_demo.sh N [SQLITE3]
#
# Builds a demo desk of N tickets (seed 7, a fixed clock) and checks that it
# is what it claims: the counts, the people, the arrival rhythm and trend,
# the conversations' times, first responses and statuses against the
# messages and events, the database's own integrity, determinism (same
# seed: same tables; other seed: other tables), and that a desk with
# tickets is refused. Prints the elapsed time of the build.
set -u

N=${1:?usage: test_demo.sh N [SQLITE3]}
SQLITE3=${2:-$(command -v sqlite3 || true)}
: "${CHAMPION:?CHAMPION must name the champion binary}"
[ -x "$CHAMPION" ] || { echo "test_demo: '$CHAMPION' is not an executable" >&2; exit 1; }
[ -n "$SQLITE3" ] || { echo "test_demo: the sqlite3 command-line tool is needed" >&2; exit 1; }

# A clean environment: no configuration file or variables but the clock.
for v in $(env | sed -n 's/^\(CHAMPION_[A-Z_]*\)=.*/\1/p'); do
	unset "$v"
done
NOW_ISO=2026-11-22T12:00:00Z
NOW_MS=1795348800000 # $NOW_ISO
export CHAMPION_NOW=$NOW_ISO

TMP=$(mktemp -d "${TMPDIR:-/tmp}/champion-demo.XXXXXX") || exit 1
second='' # the background run (its PID), stopped if the test fails before it ends
cleanup()
{
	if [ -n "$second" ]; then
		kill "$second" 2>/dev/null
		wait "$second" 2>/dev/null
	fi
	cd / && rm -rf "$TMP"
}
trap cleanup EXIT
cd "$TMP" || exit 1

PASSED=0

fail()
{
	echo "FAIL (demo, N=$N): $*" >&2
	exit 1
}

pass()
{
	PASSED=$((PASSED + 1))
}

sql()
{
	"$SQLITE3" -batch -noheader "$1" "$2" || fail "sqlite3 failed on: $2"
}

# check WHAT EXPECTED ACTUAL
check()
{
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
	pass
}

# check_true WHAT SQL-CONDITION-RESULT (1 when it holds), DETAILS
check_true()
{
	[ "$2" = 1 ] || fail "$1 ($3)"
	pass
}

now()
{
	date +%s.%N
}

# --- the build ---------------------------------------------------------------
[ "$(date -u -d "$NOW_ISO" +%s)000" = "$NOW_MS" ] || fail "NOW_MS does not match $NOW_ISO"

t0=$(now)
"$CHAMPION" --db d.db demo --tickets "$N" --seed 7 >out.txt 2>err.txt
status=$?
t1=$(now)
elapsed=$(echo "$t1 - $t0" | bc)
[ $status -eq 0 ] || fail "demo exited $status: $(cat err.txt)"
grep -q "sign in as admin@demo.example" out.txt || fail "no sign-in hint in: $(cat out.txt)"
grep -q "^  $N tickets, " out.txt || fail "summary does not count $N tickets: $(cat out.txt)"
[ ! -s err.txt ] || fail "stderr not empty (not a terminal: no progress expected): $(cat err.txt)"
echo "demo: $N tickets in $(printf '%.1f' "$elapsed") s" \
	"($(echo "$N / $elapsed" | bc) tickets/s)"
cat out.txt
pass

# The second run, for determinism, goes on beside the checks of the first.
"$CHAMPION" --db d2.db demo --tickets "$N" --seed 7 >/dev/null 2>err2.txt &
second=$!

# --- counts and people ---------------------------------------------------------
check "ticket count" "$N" "$(sql d.db 'SELECT count(*) FROM tickets')"
check "the admin" "Demo Admin|admin" \
	"$(sql d.db "SELECT name, role FROM users WHERE email = 'admin@demo.example'")"
check_true "agents" "$(sql d.db "SELECT count(*) >= 8 FROM users WHERE role = 'agent'")" \
	"at least 8"
check_true "engineers" \
	"$(sql d.db "SELECT count(*) BETWEEN 2 AND 4 FROM users WHERE role = 'engineer'")" "2 to 4"
check_true "customers" \
	"$(sql d.db "SELECT count(*) >= 20 FROM users WHERE role = 'customer'")" "at least 20"
check_true "customers mostly in organisations" \
	"$(sql d.db "SELECT avg(organisation_id IS NOT NULL) > 0.7 FROM users
		     WHERE role = 'customer'")" "over 70%"
check_true "groups" "$(sql d.db 'SELECT count(*) BETWEEN 3 AND 5 FROM agent_groups')" "3 to 5"
check_true "every group has agents" \
	"$(sql d.db "SELECT count(*) = 0 FROM agent_groups g WHERE NOT EXISTS (SELECT 1
		     FROM group_members m JOIN users u ON u.id = m.user_id
		     WHERE m.group_id = g.id AND u.role = 'agent')")" "a group without agents"
check_true "organisations" "$(sql d.db 'SELECT count(*) >= 5 FROM organisations')" "at least 5"
check_true "some organisations share tickets" \
	"$(sql d.db 'SELECT sum(shares_tickets) > 0 FROM organisations')" "none shares"
check_true "assignees are agents of the ticket's group" \
	"$(sql d.db "SELECT count(*) = 0 FROM tickets t WHERE t.assignee_id IS NOT NULL AND
		     NOT EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = t.group_id AND
		     m.user_id = t.assignee_id)")" "an assignee outside the ticket's group"
check_true "tickets have tags" \
	"$(sql d.db "SELECT count(DISTINCT ticket_id) = $N FROM ticket_tags")" "untagged tickets"
check_true "priorities mostly normal" \
	"$(sql d.db "SELECT avg(priority = 'normal') > 0.5 FROM tickets")" "normal is not the most"

# --- arrivals: weekly rhythm and growth ------------------------------------------
# Hour slots of the window [now - 365 days, now), each with its ticket count.
rhythm=$(sql d.db "
WITH RECURSIVE slot(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM slot WHERE i < 365 * 24 - 1),
start(ms) AS (SELECT $NOW_MS - 365 * 86400000),
counts AS (SELECT (created_at - (SELECT ms FROM start)) / 3600000 AS i, count(*) AS n
           FROM tickets GROUP BY 1),
slots AS (SELECT s.i, coalesce(c.n, 0) AS n,
                 strftime('%w', ((SELECT ms FROM start) + s.i * 3600000) / 1000, 'unixepoch')
                     AS wd,
                 CAST(strftime('%H', ((SELECT ms FROM start) + s.i * 3600000) / 1000,
                     'unixepoch') AS INTEGER) AS hour
          FROM slot s LEFT JOIN counts c ON c.i = s.i)
SELECT
  (SELECT avg(n) FROM slots WHERE wd BETWEEN '1' AND '5' AND hour BETWEEN 10 AND 15) >
  2 * (SELECT avg(n) FROM slots WHERE hour BETWEEN 0 AND 4),
  (SELECT sum(n) * 24.0 / count(*) FROM slots WHERE wd IN ('0', '6')) <
  (SELECT sum(n) * 24.0 / count(*) FROM slots WHERE wd BETWEEN '1' AND '5'),
  printf('%.2f busy/night per hour, %.0f weekend/%.0f weekday per day',
    (SELECT avg(n) FROM slots WHERE wd BETWEEN '1' AND '5' AND hour BETWEEN 10 AND 15) /
    max((SELECT avg(n) FROM slots WHERE hour BETWEEN 0 AND 4), 1e-9),
    (SELECT sum(n) * 24.0 / count(*) FROM slots WHERE wd IN ('0', '6')),
    (SELECT sum(n) * 24.0 / count(*) FROM slots WHERE wd BETWEEN '1' AND '5'))")
IFS='|' read -r busy weekend detail <<<"$rhythm"
echo "rhythm: $detail"
check_true "weekday 10:00-16:00 more than twice as busy per hour as 00:00-05:00" "$busy" \
	"$detail"
check_true "weekends quieter per day than weekdays" "$weekend" "$detail"
growth=$(sql d.db "SELECT sum(created_at >= $NOW_MS - 91 * 86400000) || '|' ||
	sum(created_at < $NOW_MS - 274 * 86400000) FROM tickets")
echo "growth: ${growth%|*} tickets in the last quarter, ${growth#*|} in the first"
check_true "growth: the last quarter busier than the first" \
	"$(( ${growth%|*} > ${growth#*|} ))" "last $((${growth%|*})), first $((${growth#*|}))"
check_true "tickets inside the window" \
	"$(sql d.db "SELECT min(created_at) >= $NOW_MS - 365 * 86400000 AND
		     max(created_at) < $NOW_MS FROM tickets")" "a ticket outside [now - 365d, now)"

# --- conversations, first responses, statuses ------------------------------------
check "messages before their ticket or after now" 0 \
	"$(sql d.db "SELECT count(*) FROM messages m JOIN tickets t ON t.id = m.ticket_id
		     WHERE m.created_at < t.created_at OR m.created_at > $NOW_MS")"
check "events before their ticket or after now" 0 \
	"$(sql d.db "SELECT count(*) FROM events e JOIN tickets t ON t.id = e.entity_id
		     WHERE e.entity = 'ticket' AND (e.created_at < t.created_at OR
		     e.created_at > $NOW_MS)")"
check "tickets whose opening message is not the requester's at creation" 0 \
	"$(sql d.db "SELECT count(*) FROM tickets t JOIN messages m ON m.id = (SELECT min(id)
		     FROM messages WHERE ticket_id = t.id) WHERE m.author_id <> t.requester_id OR
		     m.created_at <> t.created_at OR m.kind <> 'public'")"
check "customers' internal notes or engineers' public replies" 0 \
	"$(sql d.db "SELECT count(*) FROM messages WHERE (author_role = 'customer' AND
		     kind = 'internal') OR (author_role = 'engineer' AND kind = 'public')")"
check "first_response_at other than the first public staff reply (or NULL without one)" 0 \
	"$(sql d.db "SELECT count(*) FROM tickets t WHERE t.first_response_at IS NOT
		     (SELECT min(m.created_at) FROM messages m WHERE m.ticket_id = t.id AND
		      m.kind = 'public' AND m.author_role IN ('admin', 'agent'))")"
check "first_response_at other than its ticket.first_response event" 0 \
	"$(sql d.db "SELECT count(*) FROM tickets t WHERE t.first_response_at IS NOT
		     (SELECT CAST(e.new_value AS INTEGER) FROM events e WHERE e.entity = 'ticket'
		      AND e.entity_id = t.id AND e.kind = 'ticket.first_response')")"
check "first reply on the row (fr_at, fr_by) other than its ticket.first_response event" 0 \
	"$(sql d.db "SELECT count(*) FROM tickets t LEFT JOIN events e ON e.entity = 'ticket'
		     AND e.entity_id = t.id AND e.kind = 'ticket.first_response'
		     WHERE t.fr_at IS NOT e.created_at OR t.fr_by IS NOT e.actor_id")"
check "tickets with more than one ticket.first_response event" 0 \
	"$(sql d.db "SELECT count(*) FROM (SELECT entity_id FROM events WHERE
		     kind = 'ticket.first_response' GROUP BY entity_id HAVING count(*) > 1)")"
check_true "some tickets still without a first response" \
	"$(sql d.db 'SELECT count(*) > 0 FROM tickets WHERE first_response_at IS NULL')" \
	"every ticket answered: nothing recent is waiting"
check "solved or closed tickets without solved_at, or others with it" 0 \
	"$(sql d.db "SELECT count(*) FROM tickets WHERE (status IN ('solved', 'closed')) <>
		     (solved_at IS NOT NULL)")"
check "closed tickets without closed_at, or others with it" 0 \
	"$(sql d.db "SELECT count(*) FROM tickets WHERE (status = 'closed') <>
		     (closed_at IS NOT NULL)")"
check "times out of order on a ticket" 0 \
	"$(sql d.db "SELECT count(*) FROM tickets WHERE solved_at < created_at OR
		     closed_at < solved_at OR updated_at < created_at OR updated_at > $NOW_MS OR
		     first_response_at < created_at")"
check "a message event for every message" 0 \
	"$(sql d.db "SELECT count(*) FROM messages m WHERE NOT EXISTS (SELECT 1 FROM events e
		     WHERE e.entity = 'ticket' AND e.entity_id = m.ticket_id AND
		     e.kind = 'message.' || m.kind AND e.created_at = m.created_at AND
		     e.data = '{\"message_id\":' || m.id || '}')")"
check "a ticket.created event per ticket" "$N" \
	"$(sql d.db "SELECT count(DISTINCT entity_id) FROM events WHERE entity = 'ticket' AND
		     kind = 'ticket.created'")"
check "events of a ticket out of time order" 0 \
	"$(sql d.db "SELECT count(*) FROM (SELECT created_at, lag(created_at) OVER
		     (PARTITION BY entity_id ORDER BY id) AS prev FROM events
		     WHERE entity = 'ticket') WHERE created_at < prev")"
# The field.status events, replayed from new, end at the ticket's status, and
# each starts where the one before ended.
check "status events that do not chain" 0 \
	"$(sql d.db "SELECT count(*) FROM (SELECT old_value, lag(new_value, 1, 'new') OVER
		     (PARTITION BY entity_id ORDER BY id) AS prev FROM events
		     WHERE entity = 'ticket' AND kind = 'field.status') WHERE old_value <> prev")"
check "tickets whose status is not where their status events end" 0 \
	"$(sql d.db "SELECT count(*) FROM tickets t WHERE t.status <> coalesce((SELECT
		     e.new_value FROM events e WHERE e.entity = 'ticket' AND e.entity_id = t.id
		     AND e.kind = 'field.status' ORDER BY e.id DESC LIMIT 1), 'new')")"
check "moves the status machine forbids (back to new, out of closed, closed unsolved)" 0 \
	"$(sql d.db "SELECT count(*) FROM events WHERE kind = 'field.status' AND
		     (new_value = 'new' OR old_value = 'closed' OR
		      (new_value = 'closed' AND old_value <> 'solved'))")"
statuses=$(sql d.db "SELECT group_concat(status, ' ') FROM (SELECT DISTINCT status FROM tickets
	ORDER BY status)")
check_true "older tickets mostly solved or closed" \
	"$(sql d.db "SELECT avg(status IN ('solved', 'closed')) > 0.9 FROM tickets
		     WHERE created_at < $NOW_MS - 60 * 86400000")" "statuses: $statuses"
if [ "$N" -ge 5000 ]; then
	check "every status present (by age)" "closed new on_hold open pending solved" "$statuses"
fi

# --- the database itself ------------------------------------------------------
check "foreign keys" "" "$(sql d.db 'PRAGMA foreign_key_check')"
check "journal mode after the bulk load" "wal" "$(sql d.db 'PRAGMA journal_mode')"
"$CHAMPION" --db fresh.db init >/dev/null || fail "champion init failed"
idx="SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master ORDER BY name"
check "schema (tables and indexes) the same as a fresh desk's" "$(sql fresh.db "$idx")" \
	"$(sql d.db "$idx")"
if [ "$N" -le 100000 ]; then
	check "integrity (with CHECK constraints)" "ok" "$(sql d.db 'PRAGMA integrity_check')"
fi

# --- the search index, built beside the load ----------------------------------------
check "messages missing from the search index" 0 \
	"$(sql d.db 'SELECT count(*) FROM messages m WHERE NOT EXISTS (SELECT 1 FROM
		     search_index_docsize s WHERE s.id = m.id)')"
check "search index entries without a message" 0 \
	"$(sql d.db 'SELECT count(*) FROM search_index_docsize s WHERE NOT EXISTS (SELECT 1
		     FROM messages m WHERE m.id = s.id)')"
# Ticket 1, by the words of its subject, among its requester's tickets.
t1=$(sql d.db "SELECT u.email || '|' || t.subject FROM tickets t JOIN users u ON
	      u.id = t.requester_id WHERE t.id = 1")
"$CHAMPION" --db d.db ticket search "${t1#*|}" --requester "${t1%%|*}" --limit 100 --json \
	>search.json 2>err.txt || fail "ticket search failed: $(cat err.txt)"
grep -q '"id": 1,' search.json || fail "search for ticket 1's subject '${t1#*|}' misses it"
pass

# --- determinism -----------------------------------------------------------------
dump()
{
	"$SQLITE3" "$1" ".dump tickets messages events" | sha256sum | cut -d' ' -f1
}
wait "$second" || { second=''; fail "second demo run failed: $(cat err2.txt)"; }
second=
dump d2.db >d2.sha &
dump d.db >d.sha
wait $! || fail "dumping d2.db failed"
check "same seed, same tickets, messages and events (sha256 of .dump)" "$(cat d.sha)" \
	"$(cat d2.sha)"
rm -f d2.db
# Another seed makes another desk (a small one says as much as a large one).
small=$((N < 2000 ? N : 2000))
"$CHAMPION" --db s7.db demo --tickets "$small" --seed 7 >/dev/null 2>err.txt &&
	"$CHAMPION" --db s8.db demo --tickets "$small" --seed 8 >/dev/null 2>>err.txt ||
	fail "small demo runs failed: $(cat err.txt)"
[ "$(dump s7.db)" != "$(dump s8.db)" ] || fail "seeds 7 and 8 gave the same tables"
pass

# --- refusals ------------------------------------------------------------------
"$CHAMPION" --db s7.db demo --tickets 10 >out.txt 2>err.txt
status=$?
[ $status -ne 0 ] || fail "demo on a desk with tickets succeeded"
grep -q "already has $small tickets" err.txt ||
	fail "unclear refusal of a desk with tickets: '$(cat err.txt)'"
check "ticket count after the refusal" "$small" "$(sql s7.db 'SELECT count(*) FROM tickets')"
check "indexes after the refusal" "$(sql fresh.db "$idx")" "$(sql s7.db "$idx")"

# An initialised, empty desk is filled; its own admin stays.
"$CHAMPION" --db init.db init --admin boss@example.org >/dev/null || fail "init failed"
"$CHAMPION" --db init.db demo --tickets 50 >/dev/null 2>err.txt ||
	fail "demo on an initialised empty desk failed: $(cat err.txt)"
check "demo on an initialised desk" "50|boss@example.org" \
	"$(sql init.db "SELECT (SELECT count(*) FROM tickets) || '|' || (SELECT email FROM users
		        WHERE id = 1)")"

# Usage errors: exit 64, a precise message, no desk created.
for args in "" "--tickets 0" "--tickets 10000001" "--tickets ten" "--tickets 5 --days 0" \
	"--tickets 5 --days 3651" "--tickets 5 --seed -1" "--tickets 5 extra"; do
	# shellcheck disable=SC2086
	"$CHAMPION" --db usage.db demo $args >out.txt 2>err.txt
	status=$?
	[ $status -eq 64 ] || fail "'demo $args' exited $status, not 64"
	grep -q "champion demo: " err.txt || fail "'demo $args': no precise message: $(cat err.txt)"
	[ ! -e usage.db ] || fail "'demo $args' created a desk"
	pass
done

echo "$PASSED passed, 0 failed"
