#!/usr/bin/env bash
# test_imap.sh - champion serve reads a real IMAP mailbox: Dovecot, started
# here on 127.0.0.1 with its own configuration in the test's directory (a
# passwd-file user, a Maildir) and stopped by PID. New messages become
# tickets and replies, each exactly once, left marked read or moved to a
# folder once stored; a message appended twice is kept once; the poller's
# bookmark survives a restart; a wrong password is reported on the mailbox
# and nothing is lost.
MAIL_TESTS=$(cd "${BASH_SOURCE%/*}" && pwd)
. "$MAIL_TESTS/../http/lib.sh"

. "$MAIL_TESTS/dovecot.sh"
IMAP_PORT=$(free_port)
dovecot_start imap "ssl = no
disable_plaintext_auth = no
namespace inbox {
  inbox = yes
  mailbox Done {
    auto = create
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}" "$IMAP_PORT"
IMAP=imap://127.0.0.1:$IMAP_PORT

# append FILE [MAILBOX]: puts a message into the mailbox (IMAP APPEND).
append()
{
	curl -s --max-time 10 -u desk@example.com:s3cret -T "$1" "$IMAP/${2:-INBOX}" ||
		fail "IMAP APPEND of $1 failed: $(tail -5 "$DV/dovecot.log")"
}

# imap_cmd COMMAND [MAILBOX]: the server's untagged answer.
imap_cmd()
{
	curl -s --max-time 10 -u desk@example.com:s3cret -X "$1" "$IMAP/${2:-INBOX}"
}

# wait_sql QUERY WANT: the desk answers WANT within 15 s.
wait_sql()
{
	local got=""
	for _ in $(seq 150); do
		got=$(sql "$1")
		[ "$got" = "$2" ] && { pass; return 0; }
		sleep 0.1
	done
	fail "'$1' gave '$got', expected '$2' (server: $(grep -i imap "$SRV_ERR" | tail -3))"
}

msg()
{ # FILE FROM ID SUBJECT [EXTRA HEADER]
	printf 'From: %s\r\nTo: desk@example.com\r\nSubject: %s\r\nMessage-ID: <%s>\r\n%sDate: Thu, 03 Dec 2026 08:00:00 +0000\r\n\r\nText of %s\r\n' \
		"$2" "$4" "$3" "${5:-}" "$3" >"$1"
}

ch_ok init --admin admin@example.com
msg "$TMP/1.eml" "Erin <erin@example.org>" one@example.org "Cannot export"
msg "$TMP/2.eml" "frank@example.org" two@example.org "Slow search"
append "$TMP/1.eml"
append "$TMP/2.eml"

IMAP_SET=(--set "imap.url=$IMAP/INBOX" --set imap.user=desk@example.com
	--set imap.password=s3cret --set imap.poll_ms=200 --set imap.mailbox=support)
start_server "${IMAP_SET[@]}" --set log.level=info
wait_sql "SELECT count(*) FROM mail_inbound WHERE mailbox = 'support'" 2
assert_eq "new_ticket new_ticket" "$(sql "SELECT state FROM mail_inbound ORDER BY id" | tr '\n' ' ' | sed 's/ $//')" "two new tickets"
assert_eq "Cannot export|erin@example.org" "$(sql "SELECT t.subject, u.email FROM tickets t JOIN users u ON u.id = t.requester_id ORDER BY t.id LIMIT 1")" "the first ticket"
assert_eq 2 "$(sql "SELECT last_uid FROM mailboxes WHERE name = 'support'")" "the bookmark"
assert_contains "$(imap_cmd 'UID FETCH 1:* FLAGS')" '\Seen' "stored messages are marked read"
assert_eq "" "$(sql "SELECT last_error FROM mailboxes WHERE name = 'support'")" "no error on the mailbox"

# A reply threads; the same message appended again is kept once.
msg "$TMP/3.eml" "erin@example.org" three@example.org "Re: Cannot export" "In-Reply-To: <one@example.org>"$'\r\n'
append "$TMP/3.eml"
append "$TMP/1.eml"
wait_sql "SELECT count(*) FROM mail_inbound" 4
assert_eq "threaded duplicate" "$(sql "SELECT state FROM mail_inbound WHERE id > 2 ORDER BY id" | tr '\n' ' ' | sed 's/ $//')" "a reply, then a copy"
assert_eq 2 "$(sql "SELECT count(*) FROM tickets")" "tickets"
assert_eq 2 "$(sql "SELECT count(*) FROM messages WHERE ticket_id = 1")" "the first ticket's messages"
stop_server

# --- restart: nothing fetched twice; then moved to a folder once stored -------------------
msg "$TMP/4.eml" "gina@example.org" four@example.org "Printer"
append "$TMP/4.eml"
start_server "${IMAP_SET[@]}" --set imap.move_to=Done
wait_sql "SELECT count(*) FROM mail_inbound" 5
assert_eq "new_ticket" "$(sql "SELECT state FROM mail_inbound ORDER BY id DESC LIMIT 1")" "the new message after a restart"
assert_eq 3 "$(sql "SELECT count(*) FROM tickets")" "tickets after a restart"
for _ in $(seq 50); do
	case "$(imap_cmd 'UID SEARCH ALL' Done)" in *SEARCH\ [0-9]*) break ;; esac
	sleep 0.1
done
assert_match "$(imap_cmd 'UID SEARCH ALL' Done)" 'SEARCH [0-9]' "the message moved to Done"
assert_not_contains "$(imap_cmd 'UID SEARCH ALL' INBOX)" " 5" "and gone from INBOX"
stop_server

# --- a wrong password: reported on the mailbox; the message waits ---------------------
msg "$TMP/5.eml" "hank@example.org" five@example.org "Later"
append "$TMP/5.eml"
start_server --set "imap.url=$IMAP/INBOX" --set imap.user=desk@example.com \
	--set imap.password=wrong --set imap.poll_ms=200 --set imap.mailbox=support
for _ in $(seq 100); do
	[ -n "$(sql "SELECT last_error FROM mailboxes WHERE name = 'support'")" ] && break
	sleep 0.1
done
assert_match "$(sql "SELECT last_error FROM mailboxes WHERE name = 'support'")" '[Ll]ogin|denied|auth' "the mailbox says why"
assert_eq 5 "$(sql "SELECT count(*) FROM mail_inbound")" "nothing taken without a login"
stop_server
start_server "${IMAP_SET[@]}"
wait_sql "SELECT count(*) FROM mail_inbound WHERE message_id = 'five@example.org'" 1
wait_sql "SELECT coalesce(last_error, '') FROM mailboxes WHERE name = 'support'" ""
stop_server

# --- killed while reading: every message kept, each once -------------------------------
# The poller may take a batch of 60 before the kill lands (it is quick):
# then the next attempt appends 60 more, up to five attempts, and at least
# one must have been killed halfway. Each message carries some 100 KB of
# text, so that taking one is slow enough for the kill to land among them.
python3 -c 'import sys; sys.stdout.write("".join("Line %d of the log the customer pasted, with its details.\r\n" % i for i in range(1800)))' >"$TMP/long.txt"
BEFORE=$(sql "SELECT count(*) FROM tickets")
HALFWAY=0 ATTEMPTS=0
for attempt in 1 2 3 4 5; do
	ATTEMPTS=$attempt
	for i in $(seq 1 60); do
		msg "$TMP/k.eml" "k$attempt.$i@example.org" "kill$attempt.$i@example.org" "Killed $attempt.$i"
		cat "$TMP/long.txt" >>"$TMP/k.eml"
		append "$TMP/k.eml"
	done
	start_server "${IMAP_SET[@]}"
	for _ in $(seq 400); do
		[ "$(sql "SELECT count(*) FROM mail_inbound WHERE message_id LIKE 'kill$attempt.%'")" -ge 1 ] && break
		sleep 0.01
	done
	kill -9 "$SRV_PID"
	wait "$SRV_PID" 2>/dev/null
	TAKEN=$(sql "SELECT count(*) FROM mail_inbound WHERE message_id LIKE 'kill$attempt.%'")
	echo "killed while reading, attempt $attempt: $TAKEN of 60 taken before the kill" >&2
	start_server "${IMAP_SET[@]}"
	wait_sql "SELECT count(DISTINCT message_id) FROM mail_inbound WHERE message_id LIKE 'kill$attempt.%'" 60
	stop_server
	[ "$TAKEN" -lt 60 ] && { HALFWAY=$attempt; break; }
done
[ "$HALFWAY" -gt 0 ] || fail "the poller took all 60 before each of five kills: kill it sooner"
pass
assert_eq $((60 * ATTEMPTS)) "$(sql "SELECT count(*) FROM mail_inbound WHERE message_id LIKE 'kill%' AND state = 'new_ticket'")" "each message one ticket"
assert_eq $((BEFORE + 60 * ATTEMPTS)) "$(sql "SELECT count(*) FROM tickets")" "no ticket twice"

kill "$DOVECOT_PID" 2>/dev/null
wait "$DOVECOT_PID" 2>/dev/null
finish
