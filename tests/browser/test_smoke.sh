#!/usr/bin/env bash
# test_smoke.sh - runs test_smoke.mjs in Debian's chromium against a real
# `champion serve`: a fresh desk with one agent who has a password, the
# server on a free port of 127.0.0.1, the browser test given BASE_URL,
# AGENT_EMAIL and AGENT_PASSWORD; then the server stops (and, in the
# sanitizer build, must have reported nothing).
. "${BASH_SOURCE[0]%/*}/lib.sh"

EMAIL=ann@example.com
PASSWORD='correct horse battery staple'

ch_ok init --admin admin@example.com
ch_ok user add "$EMAIL" --role agent --name "Ann Agent"
printf '%s\n' "$PASSWORD" >"$TMP/pw"
"$CHAMPION" --db "$DB" user set "$EMAIL" --password - <"$TMP/pw" >/dev/null 2>"$TMP/pw.err" ||
	fail "cannot set $EMAIL's password: $(cat "$TMP/pw.err")"
sanitizer_check "$TMP/pw.err" "user set --password"
pass

start_server
# The browser's own output goes to this script's (meson's log).
BASE_URL=$URL AGENT_EMAIL=$EMAIL AGENT_PASSWORD=$PASSWORD \
	node "$BROWSER_DIR/test_smoke.mjs"
rc=$?
[ "$rc" = 0 ] || fail "the browser test test_smoke.mjs failed (exit $rc): its FAIL line is above"
pass
stop_server
finish
