#!/usr/bin/env bash
# test_tls.sh - mail over TLS with real servers: Dovecot, started here on
# 127.0.0.1 with a certificate of a CA made here (openssl), serves IMAP with
# implicit TLS (imaps) and with STARTTLS, and SMTP submission with STARTTLS
# and a password, relaying to Postfix's smtp-sink. champion serve reads the
# mailbox over both and sends a reply through submission, trusting the CA
# through imap.ca_file and smtp.ca_file; without them the certificate does
# not verify, the error says so, and nothing is lost: the message waits.
MAIL_TESTS=$(cd "${BASH_SOURCE%/*}" && pwd)
. "$MAIL_TESTS/../http/lib.sh"

. "$MAIL_TESTS/dovecot.sh"
[ -x /usr/lib/dovecot/submission ] ||
	fail "Dovecot's submission service (dovecot-submissiond) is needed: scripts/setup-deps installs it"
SINK=$(command -v smtp-sink || echo /usr/sbin/smtp-sink)
[ -x "$SINK" ] || fail "smtp-sink (Debian's postfix package) is needed: scripts/setup-deps installs it"
command -v openssl >/dev/null || fail "openssl is needed: scripts/setup-deps installs it"

# --- a CA and the server's certificate (for 127.0.0.1) ---------------------------------
PKI=$TMP/pki
mkdir -p "$PKI"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Champion test CA" \
	-keyout "$PKI/ca.key" -out "$PKI/ca.pem" 2>"$PKI/log" || fail "CA: $(cat "$PKI/log")"
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
	-keyout "$PKI/server.key" -out "$PKI/server.csr" 2>>"$PKI/log" || fail "CSR: $(cat "$PKI/log")"
printf 'subjectAltName = IP:127.0.0.1, DNS:localhost\n' >"$PKI/ext"
openssl x509 -req -in "$PKI/server.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" \
	-CAcreateserial -days 2 -extfile "$PKI/ext" -out "$PKI/server.pem" 2>>"$PKI/log" ||
	fail "certificate: $(cat "$PKI/log")"
# Another CA, which signed nothing here.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Some other CA" \
	-keyout "$PKI/other.key" -out "$PKI/other.pem" 2>>"$PKI/log" || fail "CA: $(cat "$PKI/log")"

# --- smtp-sink behind Dovecot's submission service -------------------------------------
chmod o+x "$TMP" && mkdir -p "$TMP/sink" && chmod 777 "$TMP/sink"
SINK_PORT=$(free_port)
"$SINK" -u nobody -d "$TMP/sink/%M." "127.0.0.1:$SINK_PORT" 10 >"$TMP/sink.log" 2>&1 &
ALL_PIDS+=("$!")

chmod o+r "$PKI"/server.*
IMAP_PORT=$(free_port)
IMAPS_PORT=$(free_port)
SUBMIT_PORT=$(free_port)
dovecot_start "imap submission" "hostname = desk.example
ssl = required
ssl_cert = <$PKI/server.pem
ssl_key = <$PKI/server.key
disable_plaintext_auth = yes
namespace inbox {
  inbox = yes
}
submission_relay_host = 127.0.0.1
submission_relay_port = $SINK_PORT
submission_relay_trusted = yes
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
    ssl = yes
  }
}
service submission-login {
  inet_listener submission {
    address = 127.0.0.1
    port = $SUBMIT_PORT
  }
}" "$IMAP_PORT" "$IMAPS_PORT" "$SUBMIT_PORT"
for _ in $(seq 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/$SINK_PORT") 2>/dev/null && break
	sleep 0.05
done
(exec 3<>"/dev/tcp/127.0.0.1/$SINK_PORT") 2>/dev/null ||
	fail "smtp-sink does not listen on $SINK_PORT: $(tail -5 "$TMP/sink.log")"

# append FILE: puts a message into the inbox over imaps, trusting our CA.
append()
{
	curl -s --max-time 10 --cacert "$PKI/ca.pem" -u desk@example.com:s3cret -T "$1" \
		"imaps://127.0.0.1:$IMAPS_PORT/INBOX" ||
		fail "IMAP APPEND of $1 failed: $(tail -5 "$DV/dovecot.log")"
}

msg()
{ # FILE FROM ID SUBJECT
	printf 'From: %s\r\nTo: desk@example.com\r\nSubject: %s\r\nMessage-ID: <%s>\r\nDate: Thu, 03 Dec 2026 08:00:00 +0000\r\n\r\nText of %s\r\n' \
		"$2" "$4" "$3" "$3" >"$1"
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
	fail "'$1' gave '$got', expected '$2' (server: $(grep -i -E "imap|smtp|mail" "$SRV_ERR" | tail -3))"
}

ch_ok init --admin admin@example.com
msg "$TMP/1.eml" "erin@example.org" one@example.org "Cannot export"
append "$TMP/1.eml"

# --- imaps without the CA: refused, reported, nothing lost ---------------------------
IMAPS_SET=(--set "imap.url=imaps://127.0.0.1:$IMAPS_PORT/INBOX" --set imap.user=desk@example.com
	--set imap.password=s3cret --set imap.poll_ms=200 --set imap.mailbox=support)
start_server "${IMAPS_SET[@]}" --set "imap.ca_file=$PKI/other.pem"
for _ in $(seq 150); do
	[ -n "$(sql "SELECT last_error FROM mailboxes WHERE name = 'support'")" ] && break
	sleep 0.1
done
assert_match "$(sql "SELECT last_error FROM mailboxes WHERE name = 'support'")" \
	'[Cc]ertificate|SSL|TLS' "an unverified certificate is the mailbox's error"
assert_eq 0 "$(sql "SELECT count(*) FROM mail_inbound")" "nothing stored from an unverified server"
stop_server

# --- imaps with the CA ---------------------------------------------------------------
start_server "${IMAPS_SET[@]}" --set "imap.ca_file=$PKI/ca.pem"
wait_sql "SELECT count(*) FROM mail_inbound WHERE mailbox = 'support'" 1
assert_eq "Cannot export|erin@example.org" "$(sql "SELECT t.subject, u.email FROM tickets t JOIN users u ON u.id = t.requester_id")" "the ticket from imaps"
assert_eq "" "$(sql "SELECT last_error FROM mailboxes WHERE name = 'support'")" "the error is cleared"
stop_server
# Dovecot names how each login came (loopback counts as secure, so it takes plain ones too).
LOGINS=$(grep -c "imap-login: Info: Login: user=<desk@example.com>" "$DV/dovecot.log")
assert_eq "$LOGINS" "$(grep -c "imap-login: Info: Login: user=<desk@example.com>.*, TLS, " "$DV/dovecot.log")" \
	"every login was over TLS ($LOGINS: curl's appends, champion's polls)"

# --- imap:// with STARTTLS required --------------------------------------------------
msg "$TMP/2.eml" "frank@example.org" two@example.org "Slow search"
append "$TMP/2.eml"
start_server --set "imap.url=imap://127.0.0.1:$IMAP_PORT/INBOX" --set imap.user=desk@example.com \
	--set imap.password=s3cret --set imap.poll_ms=200 --set imap.mailbox=support \
	--set imap.require_tls=1 --set "imap.ca_file=$PKI/ca.pem"
wait_sql "SELECT count(*) FROM mail_inbound WHERE mailbox = 'support'" 2
assert_eq "Slow search" "$(sql "SELECT subject FROM tickets WHERE id = 2")" "the ticket over STARTTLS"
stop_server
assert_match "$(grep "imap-login: Info: Login: user=<desk@example.com>" "$DV/dovecot.log" | grep "lip=127.0.0.1, mpid" | tail -1)" \
	', TLS, ' "the STARTTLS login"

# --- a reply through submission: STARTTLS, then the password ------------------------
FROM="Help Desk <help@desk.example>"
ch_ok user add agent@example.com --role agent
ch_ok --set "mail.from=$FROM" --as agent@example.com ticket reply 1 --body "We are on it"
MID=$(sql "SELECT max(id) FROM messages")
SMTP_SET=(--set "mail.from=$FROM" --set "smtp.url=smtp://127.0.0.1:$SUBMIT_PORT"
	--set smtp.user=desk@example.com --set smtp.password=s3cret --set smtp.require_tls=1
	--set mail.outbox_poll_ms=100 --set jobs.lease_ms=1000)
start_server "${SMTP_SET[@]}" --set "smtp.ca_file=$PKI/other.pem"
for _ in $(seq 150); do
	[ -n "$(sql "SELECT delivery_detail FROM messages WHERE id = $MID")" ] && break
	sleep 0.1
done
assert_eq queued "$(sql "SELECT delivery FROM messages WHERE id = $MID")" "not sent to an unverified server"
assert_match "$(sql "SELECT delivery_detail FROM messages WHERE id = $MID")" \
	'[Cc]ertificate|SSL|TLS' "the certificate is the reason"
assert_eq 0 "$(find "$TMP/sink" -type f | wc -l)" "nothing reached the relay"
stop_server

# The send is retried later (backoff); the test brings that moment forward.
sql "UPDATE jobs SET run_at = 0 WHERE ref_id = $MID AND state = 'queued'"
start_server "${SMTP_SET[@]}" --set "smtp.ca_file=$PKI/ca.pem"
wait_sql "SELECT delivery FROM messages WHERE id = $MID" sent
MAIL=$(cat "$TMP"/sink/* 2>/dev/null)
assert_contains "$MAIL" "<erin@example.org>" "the relay got the reply for the requester"
assert_contains "$MAIL" "We are on it" "with its text"
assert_match "$(grep "submission-login: Info: Login: user=<desk@example.com>" "$DV/dovecot.log" | tail -1)" \
	', TLS, ' "submission took the password over TLS"

finish
