#!/usr/bin/env bash
# test_mailgate.sh - champion mailgate as a mail server's pipe calls it:
# every fixture stored (exit 0), replies threaded onto the ticket the desk
# mailed from, duplicates once, a busy or missing desk exit 75 (the mail
# server retries), an oversized message 65, mail from the desk itself
# held, and killing mailgate at any moment loses no message.
. "${BASH_SOURCE%/*}/../http/lib.sh"

FIX=$SOURCE_ROOT/tests/fixtures/mail
FROM="Help Desk <help@desk.example>"

# gate FILE [ARGS...]: runs mailgate on FILE; GATE_STATUS, GATE_ERR.
gate()
{
	local f=$1
	shift
	"$CHAMPION" --db "$DB" --set "mail.from=$FROM" "$@" mailgate <"$f" >"$TMP/.gout" 2>"$TMP/.gerr"
	GATE_STATUS=$?
	GATE_ERR=$(cat "$TMP/.gerr")
	sanitizer_check "$TMP/.gerr" "mailgate < $(basename "$f")"
}

ch_ok init --admin admin@example.com
ch_ok user add agent@example.com --role agent

# --- every fixture is stored -------------------------------------------------------
n=0
for f in "$FIX"/*.eml; do
	gate "$f"
	[ "$GATE_STATUS" = 0 ] || fail "mailgate < $(basename "$f") exited $GATE_STATUS: $GATE_ERR"
	n=$((n + 1))
done
pass
assert_eq "$n" "$(sql "SELECT count(*) FROM mail_inbound")" "every fixture on the record"
assert_eq 0 "$(sql "SELECT count(*) FROM mail_inbound WHERE raw_size = 0")" "raw sizes"
# Every raw message is in the desk, byte for byte, under its hash.
for f in "$FIX"/0[0-2]*.eml; do
	sha=$(sha256sum "$f" | cut -d' ' -f1)
	assert_eq "$(stat -c %s "$f")" "$(sql "SELECT length(bytes) FROM mail_raw WHERE sha256 = '$sha'")" "$(basename "$f") stored verbatim"
done
assert_eq 0 "$(sql "SELECT count(*) FROM mail_inbound i LEFT JOIN mail_raw r ON r.sha256 = i.raw_sha256 WHERE r.sha256 IS NULL")" "every delivery's raw message"
assert_eq 0 "$(sql "SELECT count(*) FROM mail_inbound WHERE state IN ('new_ticket', 'threaded') AND ticket_id IS NULL")" "tickets of stored mail"
# The unreadable fixtures are tickets with their source attached.
DEGRADED=$(sql "SELECT count(*) FROM attachments a JOIN message_attachments ma ON ma.attachment_id = a.id WHERE ma.filename = 'message.eml'" 2>/dev/null || echo x)
[ "$DEGRADED" -gt 0 ] 2>/dev/null || fail "unreadable mail keeps its source as message.eml: found $DEGRADED"
pass
# Bounces make no tickets; the desk's own mail is held.
assert_eq 0 "$(sql "SELECT count(*) FROM mail_inbound WHERE state = 'bounce' AND ticket_id IS NULL")" "bounces"
OWN=$(grep -l -i '^From:.*help@desk.example' "$FIX"/*.eml | head -1)
if [ -n "$OWN" ]; then
	gate "$OWN"
	assert_contains "$GATE_ERR" "held" "mail from the desk's own address"
fi

# --- a conversation: customer, agent by mail, customer's reply threads back -------------
printf 'From: Carol <carol@example.org>\r\nTo: help@desk.example\r\nSubject: Cannot log in\r\nMessage-ID: <c1@example.org>\r\nDate: Thu, 03 Dec 2026 08:00:00 +0000\r\n\r\nMy password stopped working.\r\n' >"$TMP/c1.eml"
gate "$TMP/c1.eml"
assert_eq 0 "$GATE_STATUS" "the first mail"
T=$(sql "SELECT ticket_id FROM mail_inbound WHERE message_id = 'c1@example.org'")
ch_ok --set "mail.from=$FROM" --as agent@example.com ticket reply "$T" --body "Reset it here."
SENT=$(sql "SELECT mail_id FROM messages WHERE ticket_id = $T ORDER BY id DESC LIMIT 1")
assert_match "$SENT" '@desk\.example$' "the agent's reply has a Message-ID"
printf 'From: carol@example.org\r\nTo: help@desk.example\r\nSubject: Re: [#%s] Cannot log in\r\nMessage-ID: <c2@example.org>\r\nIn-Reply-To: <%s>\r\nReferences: <c1@example.org> <%s>\r\n\r\nThat worked, thanks!\r\n\r\nOn Thu, Help Desk wrote:\r\n> Reset it here.\r\n' "$T" "$SENT" "$SENT" >"$TMP/c2.eml"
TICKETS=$(sql "SELECT count(*) FROM tickets")
gate "$TMP/c2.eml"
assert_eq 0 "$GATE_STATUS" "the reply"
assert_contains "$GATE_ERR" "threaded, ticket #$T" "the reply threads onto its ticket"
assert_eq "$TICKETS" "$(sql "SELECT count(*) FROM tickets")" "no new ticket for a reply"
assert_eq 3 "$(sql "SELECT count(*) FROM messages WHERE ticket_id = $T")" "the conversation"
# The same message again (the mail server retried): stored once.
gate "$TMP/c2.eml"
assert_contains "$GATE_ERR" "duplicate" "a message delivered twice"
assert_eq 3 "$(sql "SELECT count(*) FROM messages WHERE ticket_id = $T")" "the conversation after a duplicate"

# --- transient failures: 75, and nothing half-stored ---------------------------------
# Another process holds the desk (SQLite: its exclusive lock; PostgreSQL:
# the table of deliveries) for 3 s; mailgate waits 200 ms for it.
rm -f "$TMP/locked"
if [ "$TEST_BACKEND" = sqlite ]; then
	"$PYBIN" -S - "$DB" "$TMP/locked" <<'PYEOF' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
c.execute("BEGIN EXCLUSIVE")
open(sys.argv[2], "w").close()
time.sleep(3)
c.execute("ROLLBACK")
PYEOF
else
	printf 'BEGIN;\nLOCK TABLE mail_inbound IN ACCESS EXCLUSIVE MODE;\n\\! touch %s\nSELECT pg_sleep(3);\nROLLBACK;\n' \
		"$TMP/locked" | psql -X -q -o /dev/null "$DB" -f - &
fi
LOCKER=$!
ALL_PIDS+=("$LOCKER")
for _ in $(seq 100); do
	[ -e "$TMP/locked" ] && break
	sleep 0.05
done
[ -e "$TMP/locked" ] || fail "the locker did not take its lock"
printf 'From: dan@example.org\r\nSubject: While busy\r\nMessage-ID: <busy@example.org>\r\n\r\nHello\r\n' >"$TMP/busy.eml"
gate "$TMP/busy.eml" --set db.busy_timeout_ms=200
assert_eq 75 "$GATE_STATUS" "mailgate on a locked desk ($GATE_ERR)"
wait "$LOCKER" 2>/dev/null
gate "$TMP/busy.eml"
assert_eq 0 "$GATE_STATUS" "the retry once the desk is free"
assert_eq 1 "$(sql "SELECT count(*) FROM mail_inbound WHERE message_id = 'busy@example.org'")" "stored once"
"$CHAMPION" --db "$TMP/no-such-desk.db" mailgate <"$TMP/busy.eml" >/dev/null 2>"$TMP/.nerr"
assert_eq 75 "$?" "mailgate without a desk"
head -c $((65 * 1024 * 1024)) /dev/zero >"$TMP/huge.eml"
gate "$TMP/huge.eml"
assert_eq 65 "$GATE_STATUS" "a message over 64 MiB"
rm -f "$TMP/huge.eml"
gate /dev/null
assert_eq 0 "$GATE_STATUS" "an empty message is stored too"

# --- killed at any moment: no message lost, none twice ----------------------------------
for i in $(seq 1 25); do
	printf 'From: k%d@example.org\r\nSubject: Kill %d\r\nMessage-ID: <kill%d@example.org>\r\n\r\nBody %d\r\n' "$i" "$i" "$i" "$i" >"$TMP/k.eml"
	"$CHAMPION" --db "$DB" mailgate <"$TMP/k.eml" >/dev/null 2>&1 &
	pid=$!
	sleep "0.0$((RANDOM % 10))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rc=$?
	# The mail server retries whatever did not exit 0.
	while [ "$rc" != 0 ]; do
		"$CHAMPION" --db "$DB" mailgate <"$TMP/k.eml" >/dev/null 2>&1
		rc=$?
		[ "$rc" = 0 ] || [ "$rc" = 75 ] || fail "mailgate retry exited $rc"
	done
done
assert_eq 25 "$(sql "SELECT count(DISTINCT message_id) FROM mail_inbound WHERE message_id LIKE 'kill%'")" "every killed message, stored"
assert_eq 25 "$(sql "SELECT count(*) FROM tickets t JOIN mail_inbound i ON i.ticket_id = t.id WHERE i.message_id LIKE 'kill%' AND i.state = 'new_ticket'")" "each once, as one ticket"
# What follows is about SQLite's write-ahead log.
if [ "$TEST_BACKEND" = postgresql ]; then
	ch_ok ticket list
	finish
fi

# --- one delivery, one commit: the log stays for the next ------------------------------
# mailgate's close leaves the write-ahead log (no checkpoint: no sync of
# the desk, no log deleted and made again); a commit that leaves the log
# 128 pages long or more folds it into the desk and empties it.
sql "SELECT 1" >/dev/null # the sqlite3 tool's close folds the log in and removes it
[ ! -e "$DB-wal" ] || fail "the log outlived the sqlite3 tool's close"
wal_mail()
{
	printf 'From: wal@example.org\r\nSubject: Through the log\r\nMessage-ID: <wal%d@example.org>\r\n\r\nHello %d.\r\n' "$1" "$1" >"$TMP/w.eml"
	gate "$TMP/w.eml"
	[ "$GATE_STATUS" = 0 ] || fail "mailgate < wal$1 exited $GATE_STATUS: $GATE_ERR"
}
wal_mail 0
[ -s "$DB-wal" ] || fail "mailgate's close removed or emptied the log"
pass
emptied=0
for i in $(seq 1 60); do
	wal_mail "$i"
	if [ -e "$DB-wal" ] && [ ! -s "$DB-wal" ]; then
		emptied=$i
		break
	fi
done
[ "$emptied" -gt 0 ] || fail "60 deliveries and the log was never emptied"
pass
assert_eq $((emptied + 1)) "$(sql "SELECT count(*) FROM mail_inbound WHERE message_id LIKE 'wal%'")" "every delivery through the log, stored"

# --- a long log is its writer's: a delivery does not pay for copying it ------------------
# A bigger writer (here a stand-in for the server) keeps the desk open with
# 5,000 pages in the log, past DB_KEEP_WAL_MAX (4,096): the delivery commits
# through the log and leaves the log as long as it found it.
sql "SELECT 1" >/dev/null # an empty log to start from
python3 - "$DB" "$TMP/writer" <<'PY' &
import os, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA wal_autocheckpoint=0")
db.execute("CREATE TABLE IF NOT EXISTS scratch (b BLOB)")
db.execute("BEGIN")
for _ in range(5000):
    db.execute("INSERT INTO scratch VALUES (randomblob(3900))")
db.execute("COMMIT")
open(sys.argv[2] + ".ready", "w").close()
for _ in range(600):  # 30 s at most, should the test fail meanwhile
    if os.path.exists(sys.argv[2] + ".done"):
        break
    time.sleep(0.05)
db.execute("DROP TABLE scratch")
db.close()
PY
writer=$!
for _ in $(seq 1 200); do [ -e "$TMP/writer.ready" ] && break; sleep 0.05; done
[ -e "$TMP/writer.ready" ] || fail "the stand-in writer did not start"
long=$(stat -c %s "$DB-wal")
[ "$long" -gt $((4096 * 4096)) ] || fail "the stand-in left a log of only $long bytes"
wal_mail 999
[ "$(stat -c %s "$DB-wal")" -ge "$long" ] || fail "the delivery copied the writer's long log"
touch "$TMP/writer.done"
wait "$writer" || fail "the stand-in writer failed"
assert_eq 1 "$(sql "SELECT count(*) FROM mail_inbound WHERE message_id = 'wal999@example.org'")" "the delivery past a long log, stored"

ch_ok ticket list
finish
