#!/usr/bin/env bash
# test_outbox.sh - public replies reach a real SMTP server (Postfix's
# smtp-sink on 127.0.0.1, started and stopped here by PID): composed with
# the thread's headers and the ticket's tag, as text and safe HTML, to the
# requester and followers; a server that is down leaves the reply queued
# for a retry; a 5xx refusal marks it failed with the server's answer.
MAIL_TESTS=$(cd "${BASH_SOURCE%/*}" && pwd)
. "$MAIL_TESTS/../http/lib.sh"
. "$MAIL_TESTS/sink.sh"

# wait_delivery MESSAGE_ID STATE: the message's delivery becomes STATE within 15 s.
wait_delivery()
{
	local got=""
	for _ in $(seq 150); do
		got=$(sql "SELECT delivery FROM messages WHERE id = $1")
		[ "$got" = "$2" ] && { pass; return 0; }
		sleep 0.1
	done
	fail "message $1: delivery '$got', expected '$2' ($(sql "SELECT delivery_detail FROM messages WHERE id = $1"))"
}

FROM="Help Desk <help@desk.example>"
ch_ok init --admin admin@example.com
ch_ok user add agent@example.com --role agent
ch_ok user add watcher@example.com --role customer
ch_ok --as agent@example.com ticket create --subject "Printer on fire" --requester cust@example.com --body "It smokes"
ch_ok --as agent@example.com ticket set 1 --follower watcher@example.com

# --- without mail.from nothing is queued -------------------------------------------
ch_ok --as agent@example.com ticket reply 1 --body "Looking into it"
assert_eq "" "$(sql "SELECT delivery FROM messages ORDER BY id DESC LIMIT 1")" "delivery without mail.from"
assert_eq 0 "$(sql "SELECT count(*) FROM jobs")" "jobs without mail.from"

# --- a reply, sent through the sink --------------------------------------------------
ch_ok --set "mail.from=$FROM" --as agent@example.com ticket reply 1 \
	--body 'Turn it **off**. <script>alert(1)</script> [docs](javascript:alert(2)) https://example.com/fix'
MID=$(sql "SELECT max(id) FROM messages")
MAILID=$(sql "SELECT mail_id FROM messages WHERE id = $MID")
assert_eq queued "$(sql "SELECT delivery FROM messages WHERE id = $MID")" "delivery once written"
assert_match "$MAILID" '^champion\.1\.[0-9a-f]{16}@desk\.example$' "the reply's Message-ID"
assert_eq "mail.send queued $MID" "$(sql "SELECT kind, state, ref_id FROM jobs" | tr '|' ' ')" "the job"
# A customer's own public message is not mailed back to them.
ch_ok --set "mail.from=$FROM" --as cust@example.com ticket reply 1 --body "Thanks"
assert_eq "" "$(sql "SELECT delivery FROM messages ORDER BY id DESC LIMIT 1")" "a customer's message"

start_sink
start_server --set "mail.from=$FROM" --set "smtp.url=smtp://127.0.0.1:$SMTP_PORT" \
	--set mail.outbox_poll_ms=100
wait_delivery "$MID" sent
assert_match "$(sql "SELECT delivery_detail FROM messages WHERE id = $MID")" '^250' "the server's answer"
assert_eq done "$(sql "SELECT state FROM jobs WHERE ref_id = $MID")" "the job after sending"
MAIL=$(cat "$TMP"/sink/* 2>/dev/null)
assert_contains "$MAIL" "X-Mail-Args: <help@desk.example>" "envelope sender"
assert_contains "$MAIL" "<cust@example.com>" "envelope: the requester"
assert_contains "$MAIL" "<watcher@example.com>" "envelope: the follower"
assert_contains "$MAIL" "Message-Id: <$MAILID>" "Message-ID header"
assert_contains "$MAIL" "Subject: [#1] Printer on fire" "the subject with its tag"
assert_contains "$MAIL" "Auto-Submitted: no" "a person's reply says so"
assert_contains "$MAIL" "multipart/alternative" "text and HTML"
assert_contains "$MAIL" "<strong>off</strong>" "Markdown rendered"
HTML=$(printf '%s\n' "$MAIL" | sed -n '/^Content-Type: text\/html/,$p')
assert_contains "$HTML" "<strong>off</strong>" "the HTML part"
assert_not_contains "$HTML" "<script>alert" "no raw HTML in the HTML part"
assert_not_contains "$HTML" 'href="javascript:' "no javascript: link"
assert_contains "$MAIL" 'href="https://example.com/fix"' "autolinked URL"
# The CLI and the API show the delivery.
ch_ok ticket show 1
assert_contains "$OUT" "[mail] sent <$MAILID>: 250" "ticket show"
make_token agent@example.com
api GET /api/v1/tickets/1 "$TOKEN"
expect_status 200
assert_eq "sent $MAILID" "$(jb "' '.join([m['delivery']['state'] + ' ' + m['delivery']['message_id'] for m in j['messages'] if 'delivery' in m])")" "delivery in the API"

# The next reply threads onto the first (In-Reply-To, References) and carries a file.
rm -f "$TMP"/sink/*
printf 'step,done\n1,yes\n2,no\n' >"$TMP/steps.csv"
curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" -F 'message={"body":"Second answer"};type=application/json' \
	-F "file=@$TMP/steps.csv;type=text/csv" "$URL/api/v1/tickets/1/replies"
MID2=$(sql "SELECT max(id) FROM messages")
wait_delivery "$MID2" sent
MAIL=$(cat "$TMP"/sink/*)
assert_contains "$MAIL" "In-Reply-To: <$MAILID>" "In-Reply-To the earlier reply"
assert_contains "$MAIL" "References: <$MAILID>" "References"
assert_contains "$MAIL" "multipart/mixed" "text and a file"
assert_contains "$MAIL" 'filename=steps.csv' "the file's name"
B64=$(printf 'step,done\n1,yes\n2,no\n' | base64)
assert_contains "$MAIL" "$B64" "the file's bytes (base64)"

# --- the server is down: queued, retried later ---------------------------------------
stop_sink
api POST /api/v1/tickets/1/replies "$TOKEN" '{"body":"Third answer"}'
expect_status 201
MID3=$(sql "SELECT max(id) FROM messages")
for _ in $(seq 150); do
	[ "$(sql "SELECT attempts FROM jobs WHERE ref_id = $MID3")" = 1 ] &&
		[ "$(sql "SELECT state FROM jobs WHERE ref_id = $MID3")" = queued ] && break
	sleep 0.1
done
assert_eq "queued 1" "$(sql "SELECT state, attempts FROM jobs WHERE ref_id = $MID3" | tr '|' ' ')" "a job whose server is down"
assert_eq queued "$(sql "SELECT delivery FROM messages WHERE id = $MID3")" "its message"
assert_match "$(sql "SELECT delivery_detail FROM messages WHERE id = $MID3")" "[Cc]onnect" "why it waits"
RUN_AT=$(sql "SELECT run_at - updated_at FROM jobs WHERE ref_id = $MID3")
[ "$RUN_AT" -ge 15000 ] && [ "$RUN_AT" -le 30000 ] || fail "the first retry 15-30 s later: $RUN_AT ms"
pass
stop_server

# --- a 5xx refusal: failed, with the answer ------------------------------------------
start_sink -f RCPT
start_server --set "mail.from=$FROM" --set "smtp.url=smtp://127.0.0.1:$SMTP_PORT" \
	--set mail.outbox_poll_ms=100
api POST /api/v1/tickets/1/replies "$TOKEN" '{"body":"Fourth answer"}'
expect_status 201
MID4=$(sql "SELECT max(id) FROM messages")
wait_delivery "$MID4" failed
assert_match "$(sql "SELECT delivery_detail FROM messages WHERE id = $MID4")" '^5[0-9][0-9]' "the refusal"
assert_eq "failed 1" "$(sql "SELECT state, attempts FROM jobs WHERE ref_id = $MID4" | tr '|' ' ')" "no retry after a 5xx"
stop_server
# champion job shows it, and an admin queues it again.
JOB4=$(sql "SELECT id FROM jobs WHERE ref_id = $MID4")
ch_ok job list --state failed
assert_contains "$OUT" "mail.send" "job list"
assert_match "$(printf '%s\n' "$OUT" | grep "^$JOB4 ")" 'failed +#1 +1/12 .*5[0-9][0-9]' "the failed job's line"
ch --as agent@example.com job list
assert_eq 77 "$STATUS" "job list is for admins"
ch job retry "$JOB4"
assert_eq 0 "$STATUS" "job retry"
assert_eq "queued 0" "$(sql "SELECT state, attempts FROM jobs WHERE id = $JOB4" | tr '|' ' ')" "the job queued again"
ch job retry "$JOB4"
assert_eq 73 "$STATUS" "retrying a queued job (conflict)"
ch job list --state nonsense
assert_eq 64 "$STATUS" "an unknown state"
stop_sink

# --- killed mid-send: sent after the lease, once, with the same Message-ID ----------------
# A server that takes the connection and never answers holds the send; champion is
# killed in the middle of it, and comes back to a working server.
HOLE_PORT=$(free_port)
"$PYBIN" -S - "$HOLE_PORT" <<'PYEOF' &
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(5)
conns = []
end = time.time() + 60
s.settimeout(1)
while time.time() < end:
    try:
        conns.append(s.accept()[0])
    except socket.timeout:
        pass
PYEOF
HOLE_PID=$!
ALL_PIDS+=("$HOLE_PID")
start_server --set "mail.from=$FROM" --set "smtp.url=smtp://127.0.0.1:$HOLE_PORT" \
	--set mail.outbox_poll_ms=100 --set jobs.lease_ms=1500
api POST /api/v1/tickets/1/replies "$TOKEN" '{"body":"Sent through a crash"}'
expect_status 201
MID5=$(sql "SELECT max(id) FROM messages")
MAILID5=$(sql "SELECT mail_id FROM messages WHERE id = $MID5")
for _ in $(seq 100); do
	[ "$(sql "SELECT state FROM jobs WHERE ref_id = $MID5")" = running ] && break
	sleep 0.05
done
assert_eq running "$(sql "SELECT state FROM jobs WHERE ref_id = $MID5")" "the job while the server hangs"
kill -9 "$SRV_PID"
wait "$SRV_PID" 2>/dev/null
kill "$HOLE_PID" 2>/dev/null
rm -f "$TMP"/sink/*
start_sink
start_server --set "mail.from=$FROM" --set "smtp.url=smtp://127.0.0.1:$SMTP_PORT" \
	--set mail.outbox_poll_ms=100 --set jobs.lease_ms=1500
wait_delivery "$MID5" sent
assert_eq "done 2" "$(sql "SELECT state, attempts FROM jobs WHERE ref_id = $MID5" | tr '|' ' ')" "taken over after the lease"
assert_contains "$(cat "$TMP"/sink/*)" "Message-Id: <$MAILID5>" "sent with the Message-ID it was given"
assert_eq 1 "$(grep -l "Message-Id: <$MAILID5>" "$TMP"/sink/* | wc -l)" "sent once"
stop_server
stop_sink

# --- acknowledgements: to people, never to machines (no loops) ---------------------------
ACK="Thanks: ticket #{ticket} is open. Reply to add to it."
gate()
{ # FILE: mailgate with acknowledgements on
	"$CHAMPION" --db "$DB" --set "mail.from=$FROM" --set "mail.acknowledge=$ACK" mailgate \
		<"$1" >/dev/null 2>"$TMP/.gerr" || fail "mailgate < $1: $(cat "$TMP/.gerr")"
	sanitizer_check "$TMP/.gerr" "mailgate"
	pass
}
printf 'From: Pat <pat@example.org>\r\nTo: help@desk.example\r\nSubject: Broken export\r\nMessage-ID: <pat1@example.org>\r\n\r\nThe export fails.\r\n' >"$TMP/pat1.eml"
gate "$TMP/pat1.eml"
PAT=$(sql "SELECT ticket_id FROM mail_inbound WHERE message_id = 'pat1@example.org'")
assert_eq 1 "$(sql "SELECT count(*) FROM jobs WHERE kind = 'mail.ack' AND ticket_id = $PAT")" "an acknowledgement for a person's mail"
# A vacation notice and a mailing list open tickets but are never answered.
printf 'From: Out Of Office <ooo@example.org>\r\nSubject: Out of office\r\nAuto-Submitted: auto-replied\r\nMessage-ID: <ooo1@example.org>\r\n\r\nI am away.\r\n' >"$TMP/ooo.eml"
gate "$TMP/ooo.eml"
printf 'From: news@example.org\r\nSubject: Newsletter\r\nList-Id: <news.example.org>\r\nPrecedence: bulk\r\nMessage-ID: <news1@example.org>\r\n\r\nNews.\r\n' >"$TMP/news.eml"
gate "$TMP/news.eml"
assert_eq 1 "$(sql "SELECT count(*) FROM jobs WHERE kind = 'mail.ack'")" "no acknowledgement to automatic or bulk mail"

rm -f "$TMP"/sink/*
start_sink
start_server --set "mail.from=$FROM" --set "smtp.url=smtp://127.0.0.1:$SMTP_PORT" \
	--set mail.outbox_poll_ms=100
for _ in $(seq 150); do
	[ "$(sql "SELECT state FROM jobs WHERE kind = 'mail.ack'")" = done ] && break
	sleep 0.1
done
assert_eq done "$(sql "SELECT state FROM jobs WHERE kind = 'mail.ack'")" "the acknowledgement job"
MAIL=$(cat "$TMP"/sink/*)
assert_contains "$MAIL" "Auto-Submitted: auto-replied" "an acknowledgement says it is automatic"
assert_contains "$MAIL" "In-Reply-To: <pat1@example.org>" "it answers the customer's mail"
assert_contains "$MAIL" "Subject: [#$PAT] Broken export" "with the ticket's tag"
assert_contains "$MAIL" "ticket #$PAT is open" "its text, with the number"
assert_contains "$MAIL" "X-Rcpt-Args: <pat@example.org>" "to the customer"
ACKID=$(printf '%s\n' "$MAIL" | tr -d '\r' | sed -n 's/^Message-Id: <\(.*\)>$/\1/p' | head -1)
assert_match "$ACKID" '^champion\.[0-9]+\.ack\.' "the acknowledgement's Message-ID"
assert_eq 1 "$(sql "SELECT count(*) FROM events WHERE entity_id = $PAT AND kind = 'mail.acknowledged'")" "recorded on the ticket"
stop_server

# The customer's autoresponder answers the acknowledgement: stored, never answered back.
printf 'From: pat@example.org\r\nSubject: Auto: [#%s] Broken export\r\nAuto-Submitted: auto-replied\r\nMessage-ID: <pat-auto@example.org>\r\nIn-Reply-To: <%s>\r\nReferences: <pat1@example.org> <%s>\r\n\r\nI am on leave.\r\n' "$PAT" "$ACKID" "$ACKID" >"$TMP/auto.eml"
gate "$TMP/auto.eml"
assert_eq "threaded $PAT" "$(sql "SELECT state, ticket_id FROM mail_inbound WHERE message_id = 'pat-auto@example.org'" | tr '|' ' ')" "the autoresponder's mail threads"
# Our own mail coming back (a forwarding loop) is held.
printf 'From: %s\r\nSubject: [#%s] Broken export\r\nMessage-ID: <%s>\r\n\r\nThanks\r\n' "$FROM" "$PAT" "$ACKID" >"$TMP/own.eml"
gate "$TMP/own.eml"
assert_eq held "$(sql "SELECT state FROM mail_inbound ORDER BY id DESC LIMIT 1")" "the desk's own mail"
assert_eq 1 "$(sql "SELECT count(*) FROM jobs WHERE kind = 'mail.ack'")" "still one acknowledgement: no loop"
stop_sink
finish
