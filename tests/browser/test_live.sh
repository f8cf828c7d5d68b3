#!/usr/bin/env bash
# test_live.sh - runs test_live.mjs in Debian's chromium: two agents and an
# engineer with passwords in one group, one ticket there; the browser test opens both
# agents' workspaces and makes changes through the API and the CLI (which
# is another process: its changes reach the server through the desk).
. "${BASH_SOURCE[0]%/*}/lib.sh"

PASSWORD='correct horse battery staple'
ch_ok init --admin admin@example.com
ch_ok user add ann@example.com --role agent --name "Ann Agent"
ch_ok user add bob@example.com --role agent --name "Bob Agent"
ch_ok user add eve@example.com --role engineer --name "Eve Engineer"
ch_ok group add Support
for who in ann@example.com bob@example.com eve@example.com; do
	ch_ok group member Support "$who"
	printf '%s\n' "$PASSWORD" | "$CHAMPION" --db "$DB" user set "$who" --password - \
		>/dev/null 2>"$TMP/pw.err" || fail "cannot set $who's password: $(cat "$TMP/pw.err")"
	sanitizer_check "$TMP/pw.err" "user set --password"
done
ch_ok ticket create --subject "Shared trouble" --requester carl@customer.test --body "Help" \
	--group Support
make_token ann@example.com

start_server
# The CLI the browser test runs to make a change from another process.
cat >"$TMP/cli.sh" <<CLI
#!/usr/bin/env bash
exec "$CHAMPION" --db "$DB" "\$@"
CLI
chmod +x "$TMP/cli.sh"
BASE_URL=$URL PASSWORD=$PASSWORD TOKEN=$TOKEN CLI="$TMP/cli.sh" \
	node "$BROWSER_DIR/test_live.mjs"
rc=$?
[ "$rc" = 0 ] || fail "the browser test test_live.mjs failed (exit $rc): its FAIL line is above"
pass
assert_eq "left" "$(sql "SELECT p.state FROM presence p JOIN users u ON u.id = p.user_id \
	WHERE u.email = 'bob@example.com' AND p.ticket_id = 1")" "Bob left the ticket when he went back to the queue"
stop_server
finish
