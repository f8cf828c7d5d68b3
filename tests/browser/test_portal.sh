#!/usr/bin/env bash
# test_portal.sh - runs test_portal.mjs in Debian's chromium against a real
# `champion serve` that mails sign-in links through Postfix's smtp-sink
# (tests/mail/sink.sh: 127.0.0.1, stopped by PID): a customer without a
# password asks the portal for a link, the browser test reads the mail the
# sink took and opens the link. web.url names a host that is not this
# server, as a real desk's would behind a proxy: the test opens the
# link's fragment on the server it has.
BROWSER_TESTS=$(cd "${BASH_SOURCE[0]%/*}" && pwd)
. "$BROWSER_TESTS/lib.sh"
. "$BROWSER_TESTS/../mail/sink.sh"

CUSTOMER=nina@customer.test
WEB_URL=https://help.desk.example

ch_ok init --admin admin@example.com
ch_ok user add "$CUSTOMER" --name "Nina Nopassword"
ch_ok ticket create --subject "Badge reader offline" --requester "$CUSTOMER" --body "Since Monday."

start_sink
start_server --set "mail.from=Help Desk <help@desk.example>" --set "smtp.url=smtp://127.0.0.1:$SMTP_PORT" \
	--set mail.outbox_poll_ms=100 --set "web.url=$WEB_URL"
BASE_URL=$URL CUSTOMER_EMAIL=$CUSTOMER SINK_DIR=$TMP/sink WEB_URL=$WEB_URL \
	node "$BROWSER_TESTS/test_portal.mjs"
rc=$?
[ "$rc" = 0 ] || fail "the browser test test_portal.mjs failed (exit $rc): its FAIL line is above"
pass
# The desk: one link mailed and spent, and the sign-in says how.
assert_eq 1 "$(sql "SELECT count(*) FROM signin_links WHERE used_at IS NOT NULL")" "the link spent once"
assert_eq 1 "$(sql "SELECT count(*) FROM events e JOIN users u ON u.id = e.entity_id \
	WHERE e.entity = 'user' AND u.email = '$CUSTOMER' AND e.kind = 'user.signed_in' AND e.data = '{\"by\":\"link\"}'")" \
	"the customer signed in by the link"
stop_server
finish
