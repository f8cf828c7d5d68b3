#!/usr/bin/env bash
# test_import.sh - champion import: an mbox (mboxrd quoting undone) and a
# Maildir become tickets and threaded replies (their cached JSON left for
# champion serve to render), a second run adds nothing,
# a reply refused halfway leaves nothing of itself, and bad input gets a
# clear error.
. "${BASH_SOURCE%/*}/../http/lib.sh"

ch_ok init --admin admin@example.com
py "$SOURCE_ROOT/bench/gen_mbox.py" 300 "$TMP/gen.mbox" 7
# One message of our own with a quoted "From " line (mboxrd).
printf 'From someone@example.org Thu Dec  3 08:00:00 2026\nFrom: quote@example.org\nSubject: Quoting\nMessage-ID: <quote@example.org>\n\nA line:\n>From the start of a line.\n>>From deeper.\n\n' >>"$TMP/gen.mbox"

ch_ok import mbox "$TMP/gen.mbox"
assert_match "$OUT" '^imported 301 messages in ' "the summary"
NEW=$(sql "SELECT count(*) FROM mail_inbound WHERE state = 'new_ticket'")
REPLIES=$(sql "SELECT count(*) FROM mail_inbound WHERE state = 'threaded'")
assert_eq 301 "$((NEW + REPLIES))" "every message a ticket or a reply ($NEW + $REPLIES)"
assert_eq "$NEW" "$(sql "SELECT count(*) FROM tickets")" "one ticket per conversation"
[ "$REPLIES" -gt 50 ] || fail "replies should thread: only $REPLIES did"
pass
assert_eq 0 "$(sql "SELECT count(*) FROM jobs WHERE kind = 'mail.ack'")" "no acknowledgement of history"
# The tickets' cached JSON is left to champion serve; reads render it meanwhile.
assert_eq "0 0 $NEW" "$(sql "SELECT (SELECT count(*) FROM ticket_docs), (SELECT count(*) FROM ticket_items),
	(SELECT count(*) FROM docs_stale)" | tr '|' ' ')" "documents and list entries left stale"
T=$(sql "SELECT ticket_id FROM mail_inbound WHERE state = 'threaded' LIMIT 1")
NMSG=$(sql "SELECT count(*) FROM messages WHERE ticket_id = $T")
ch_ok ticket show "$T" --as admin@example.com
assert_contains "$OUT" "$(sql "SELECT subject FROM tickets WHERE id = $T")" "a stale ticket read at once"
BODY=$(sql "SELECT body_text FROM messages WHERE mail_id = 'quote@example.org'")
assert_contains "$BODY" $'\nFrom the start of a line.' "mboxrd: one '>' taken off"
assert_contains "$BODY" $'\n>From deeper.' "mboxrd: the rest kept"
# Threads follow References: each reply's ticket is its conversation's.
assert_eq 0 "$(sql "SELECT count(*) FROM mail_inbound i JOIN messages m ON m.id = i.message WHERE i.ticket_id != m.ticket_id")" "messages on their recorded tickets"

make_token admin@example.com
start_server
api GET "/api/v1/tickets/$T" "$TOKEN"
expect_status 200
assert_eq "$NMSG" "$(jb 'len(j["messages"])')" "the API renders a stale ticket with its messages"
# The server's docs worker renders them in the background (a batch a second).
for _ in $(seq 100); do
	[ "$(sql "SELECT count(*) FROM docs_stale")" = 0 ] && break
	sleep 0.2
done
assert_eq "0 $NEW $NEW" "$(sql "SELECT (SELECT count(*) FROM docs_stale), (SELECT count(*) FROM ticket_docs),
	(SELECT count(*) FROM ticket_items)" | tr '|' ' ')" "documents rendered by champion serve"
api GET "/api/v1/tickets/$T" "$TOKEN"
expect_status 200
assert_eq "$NMSG" "$(jb 'len(j["messages"])')" "the rendered document"
stop_server 0

# Again: everything is a duplicate.
ch_ok import mbox "$TMP/gen.mbox"
assert_contains "$OUT" "301 duplicates" "a second import"
assert_eq "$NEW" "$(sql "SELECT count(*) FROM tickets")" "tickets after a second import"

# A Maildir, in another mailbox.
mkdir -p "$TMP/md/cur" "$TMP/md/new" "$TMP/md/tmp"
printf 'From: md1@example.org\r\nSubject: From a Maildir\r\nMessage-ID: <md1@example.org>\r\n\r\nOne\r\n' >"$TMP/md/cur/1.host:2,S"
printf 'From: md1@example.org\r\nSubject: Re: From a Maildir\r\nMessage-ID: <md2@example.org>\r\nIn-Reply-To: <md1@example.org>\r\n\r\nTwo\r\n' >"$TMP/md/new/2.host"
touch -d '2026-12-01 10:00' "$TMP/md/cur/1.host:2,S"
touch -d '2026-12-01 11:00' "$TMP/md/new/2.host"
ch_ok import maildir "$TMP/md" --mailbox archive
assert_contains "$OUT" "imported 2 messages" "the Maildir"
assert_eq "new_ticket threaded" "$(sql "SELECT state FROM mail_inbound WHERE mailbox = 'archive' ORDER BY id" | tr '\n' ' ' | sed 's/ $//')" "oldest first, the reply threaded"

# A stranger's reply with an attachment over the limit is refused halfway
# (after adding them as a follower and storing the text): held instead.
# Batches run without a savepoint per message, so this one is stored again
# message by message; the messages around it keep their place.
ATT=$(head -c 3000 /dev/urandom | base64 -w 76)
{
	printf 'From a@example.org Thu Dec  3 08:00:00 2026\nFrom: a@example.org\nSubject: Printer\nMessage-ID: <r1@example.org>\n\nIt jams.\n\n'
	printf 'From x@other.org Thu Dec  3 08:01:00 2026\nFrom: x@other.org\nSubject: Re: Printer\nMessage-ID: <r2@example.org>\nIn-Reply-To: <r1@example.org>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b1"\n\n--b1\nContent-Type: text/plain\n\nLog attached.\n--b1\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename="log.bin"\nContent-Transfer-Encoding: base64\n\n%s\n--b1--\n\n' "$ATT"
	printf 'From b@example.org Thu Dec  3 08:02:00 2026\nFrom: b@example.org\nSubject: Scanner\nMessage-ID: <r3@example.org>\n\nIt is slow.\n\n'
	printf 'From b@example.org Thu Dec  3 08:03:00 2026\nFrom: b@example.org\nSubject: Re: Scanner\nMessage-ID: <r4@example.org>\nIn-Reply-To: <r3@example.org>\n\nStill slow.\n\n'
} >"$TMP/refused.mbox"
CHAMPION_LOG_LEVEL=debug ch_ok --set attachments.max_bytes=1024 import mbox "$TMP/refused.mbox" --mailbox refused
assert_contains "$OUT" "imported 4 messages" "the mbox with a refused reply"
if [ "$TEST_BACKEND" = sqlite ]; then
	assert_contains "$ERR" 'msg="import batch stored again" messages=2' "the batch stored again from its refused reply"
else # each message keeps its savepoint there (db_begin_flat): nothing to store again
	assert_not_contains "$ERR" 'import batch stored again' "a batch on PostgreSQL"
fi
assert_eq "r1 new_ticket|r2 held|r3 new_ticket|r4 threaded" \
	"$(sql "SELECT replace(message_id, '@example.org', '') || ' ' || state FROM mail_inbound WHERE mailbox = 'refused' ORDER BY id" | paste -sd'|')" \
	"what became of each message"
T1=$(sql "SELECT ticket_id FROM mail_inbound WHERE message_id = 'r1@example.org'")
assert_eq "0 0 1 0" "$(sql "SELECT (SELECT count(*) FROM ticket_followers WHERE ticket_id = $T1),
	(SELECT count(*) FROM events WHERE entity = 'ticket' AND entity_id = $T1 AND kind = 'follower.added'),
	(SELECT count(*) FROM messages WHERE ticket_id = $T1),
	(SELECT count(*) FROM messages WHERE body_text LIKE 'Log attached%')" | tr '|' ' ')" \
	"the refused reply left nothing on the ticket it was refused from"
assert_eq 2 "$(sql "SELECT count(*) FROM messages m JOIN mail_inbound i ON i.ticket_id = m.ticket_id WHERE i.message_id = 'r3@example.org'")" \
	"the conversation after it"

# Bad input.
ch import mbox "$TMP/missing.mbox"
assert_eq 66 "$STATUS" "a missing file"
assert_contains "$ERR" "missing.mbox" "the error names the file"
printf 'Subject: not an mbox\n\nhello\n' >"$TMP/plain.txt"
ch import mbox "$TMP/plain.txt"
assert_eq 65 "$STATUS" "not an mbox"
assert_contains "$ERR" "not an mbox" "the error says why"
ch import zip "$TMP/plain.txt"
assert_eq 64 "$STATUS" "an unknown kind"
ch import maildir "$TMP/no-such-dir"
assert_eq 66 "$STATUS" "a missing Maildir"
finish
