#!/usr/bin/env bash
# ui.sh - how fast the agent workspace is in a real browser (Debian's
# chromium, driven by playwright-core as tests/browser/ drives it), on
# loopback, measured by the page itself with the Performance API:
#
#   - a cold load (empty cache) of a queue: time from navigation to the
#     50 rows on the page, and the bytes transferred (pages, files, API);
#   - the same warm (files from the cache, as every later visit);
#   - opening a ticket with 20 messages, and from it a queue of 50 (click
#     to rendered, the API call included);
#   - medians of RUNS runs (default 15).
#
#   bench/ui.sh [--tickets N] [--runs N]
#
# Builds its own demo desk (N tickets, default 20000, as make run) in a temporary
# directory, gives its admin a password and every group, adds a ticket
# with 20 messages, and serves it with build-bench/champion (or
# $CHAMPION). Targets (issue 6): load < 300 ms and < 150 KB, queue of 50
# < 50 ms, ticket of 20 messages < 100 ms.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
TICKETS=20000
RUNS=15
while [ $# -gt 0 ]; do
	case $1 in
	--tickets) TICKETS=$2; shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	*) die "usage: ui.sh [--tickets N] [--runs N]" ;;
	esac
done
CHAMPION=${CHAMPION:-$ROOT/build-bench/champion}
[ -x "$CHAMPION" ] || CHAMPION=$ROOT/build/champion
[ -x "$CHAMPION" ] || die "build champion first (meson setup build-bench --buildtype=release)"
"$ROOT/scripts/setup-browser" >&2

TMP=$(mktemp -d "${TMPDIR:-/tmp}/champion-ui.XXXXXX")
PID=
cleanup() {
	stop_pid "$PID" "champion serve" || true
	[ -n "${UI_KEEP_LOG:-}" ] && cp "$TMP/serve.log" "$UI_KEEP_LOG"
	rm -rf "$TMP"
}
trap cleanup EXIT

DB=$TMP/desk.db
say "ui: a demo desk of $TICKETS tickets"
"$CHAMPION" --db "$DB" demo --tickets "$TICKETS" >/dev/null 2>&1 || die "demo failed"
"$CHAMPION" --db "$DB" group list | tail -n +2 | while read -r _ _ name; do
	"$CHAMPION" --db "$DB" group member "$name" admin@demo.example >/dev/null
done
PASSWORD=bench-password-$$
echo "$PASSWORD" | "$CHAMPION" --db "$DB" user set admin@demo.example --password - >/dev/null
LONG=$("$CHAMPION" --db "$DB" ticket create --subject "Twenty messages" \
	--requester bench@customer.example --body "Message 1 of 20: the first." --group Billing |
	sed -n 's/.*#\([0-9]*\).*/\1/p')
for i in $(seq 2 20); do
	if [ $((i % 2)) = 0 ]; then
		"$CHAMPION" --db "$DB" --as admin@demo.example ticket reply "$LONG" \
			--body "Message $i of 20: an answer with a few lines of text in it, as agents write them. We looked into it and here is what we found." >/dev/null
	else
		"$CHAMPION" --db "$DB" --as bench@customer.example ticket reply "$LONG" \
			--body "Message $i of 20: the customer writes back with more detail about what they see." >/dev/null
	fi
done
PORT=$(free_port)
"$CHAMPION" --db "$DB" serve --listen "127.0.0.1:$PORT" >"$TMP/serve.log" 2>&1 &
PID=$!
wait_http "http://127.0.0.1:$PORT/readyz" 30 "$PID" || die "the server did not start: $(tail -5 "$TMP/serve.log")"

# The demo leaves its tickets' documents to serve's docs worker: measure once it is done.
for _ in $(seq 600); do
	[ "$(sqlite3 "$DB" 'SELECT count(*) FROM docs_stale' 2>/dev/null)" = 0 ] && break
	sleep 0.5
done
BASE_URL=http://127.0.0.1:$PORT EMAIL=admin@demo.example PASSWORD=$PASSWORD TICKET=$LONG RUNS=$RUNS \
	node "$ROOT/bench/ui.mjs"
