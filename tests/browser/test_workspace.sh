#!/usr/bin/env bash
# test_workspace.sh - runs test_workspace.mjs in Debian's chromium against a
# real `champion serve`: an agent and a customer with passwords, a ticket
# from that customer with tags, and a ticket whose subject and body are
# script payloads; the browser test gets the addresses and credentials.
. "${BASH_SOURCE[0]%/*}/lib.sh"

AGENT=ann@example.com
CUSTOMER=carl@customer.test
PASSWORD='correct horse battery staple'

ch_ok init --admin admin@example.com
ch_ok user add "$AGENT" --role agent --name "Ann Agent"
ch_ok user add "$CUSTOMER" --name "Carl Customer"
ch_ok group add Support
ch_ok group member Support "$AGENT"
for who in "$AGENT" "$CUSTOMER"; do
	printf '%s\n' "$PASSWORD" | "$CHAMPION" --db "$DB" user set "$who" --password - \
		>/dev/null 2>"$TMP/pw.err" || fail "cannot set $who's password: $(cat "$TMP/pw.err")"
	sanitizer_check "$TMP/pw.err" "user set --password"
done
ch_ok ticket create --subject "Printer on fire" --requester "$CUSTOMER" \
	--body "It smokes when I print." --group Support --tag hardware --tag urgent-ish
FIRE=$(printf '%s' "$OUT" | grep -o '#[0-9]*' | head -1 | tr -d '#')
ch_ok ticket create --subject '<img src=x onerror="window.__xss=1">Evil' --requester "$CUSTOMER" \
	--body '<script>window.__xss=2</script><b onmouseover="window.__xss=3">bold</b>' --group Support
EVIL=$(printf '%s' "$OUT" | grep -o '#[0-9]*' | head -1 | tr -d '#')
[ -n "$FIRE" ] && [ -n "$EVIL" ] || fail "no ticket ids in: $OUT"
make_token "$AGENT"

start_server
BASE_URL=$URL AGENT_EMAIL=$AGENT CUSTOMER_EMAIL=$CUSTOMER PASSWORD=$PASSWORD TOKEN=$TOKEN \
	FIRE=$FIRE EVIL=$EVIL node "$BROWSER_DIR/test_workspace.mjs"
rc=$?
[ "$rc" = 0 ] || fail "the browser test test_workspace.mjs failed (exit $rc): its FAIL line is above"
pass
# What the browser did is in the desk.
assert_eq "solved" "$(sql "SELECT status FROM tickets WHERE id = $FIRE")" "the ticket the agent solved"
assert_eq "1" "$(sql "SELECT count(*) FROM messages WHERE ticket_id = $FIRE AND kind = 'internal' \
	AND body_text LIKE 'Checked the fuser%'")" "the agent's note"
assert_eq "1" "$(sql "SELECT count(*) FROM tickets t JOIN users u ON u.id = t.requester_id \
	WHERE u.email = '$CUSTOMER' AND t.subject = 'Scanner jams' AND t.channel IN ('web', 'portal', 'api')")" \
	"the ticket the customer opened in the portal"
stop_server
finish
