#!/usr/bin/env bash
# test_import.sh - champion import: an mbox (mboxrd quoting undone) and a
# Maildir become tickets and threaded replies, a second run adds nothing,
# and bad input gets a clear error.
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
BODY=$(sql "SELECT body_text FROM messages WHERE mail_id = 'quote@example.org'")
assert_contains "$BODY" $'\nFrom the start of a line.' "mboxrd: one '>' taken off"
assert_contains "$BODY" $'\n>From deeper.' "mboxrd: the rest kept"
# Threads follow References: each reply's ticket is its conversation's.
assert_eq 0 "$(sql "SELECT count(*) FROM mail_inbound i JOIN messages m ON m.id = i.message WHERE i.ticket_id != m.ticket_id")" "messages on their recorded tickets"

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
