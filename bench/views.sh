#!/usr/bin/env bash
# views.sh - how fast the views answer on a big desk: the list with every
# view's count (GET /api/v1/views) and a page of 50 of each default view
# (GET /api/v1/views/{id}/tickets), through champion serve.
#
#   bench/views.sh DB EMAIL [RUNS]
#
# DB is an existing desk (champion demo --tickets 1000000 makes one),
# EMAIL the agent to read as (one in a few groups). Each request runs RUNS
# times (default 20) after one warm-up; the median and the slowest are
# printed in milliseconds, with the counts. The desk gets one API token.
set -eu

DB=${1:?usage: views.sh DB EMAIL [RUNS]}
EMAIL=${2:?usage: views.sh DB EMAIL [RUNS]}
RUNS=${3:-20}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CHAMPION=${CHAMPION:-$ROOT/build/champion}
. "$ROOT/bench/lib.sh"
command -v curl >/dev/null || die "no curl"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/champion-views.XXXXXX")
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

TOKEN=$("$CHAMPION" --db "$DB" token create --user "$EMAIL" --name "bench views")
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$CHAMPION" --db "$DB" serve --listen "127.0.0.1:$PORT" >"$TMP/serve.log" 2>&1 &
PID=$!
for _ in $(seq 100); do
	curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
	sleep 0.1
done

# time_ms PATH: RUNS timings of GET PATH, "median max" in ms.
time_ms() {
	curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT$1" >"$TMP/body" ||
		die "GET $1 failed"
	for _ in $(seq "$RUNS"); do
		curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $TOKEN" \
			"http://127.0.0.1:$PORT$1"
	done | sort -n | awk '{t[NR] = $1 * 1000} END {printf "%.1f %.1f", t[int((NR + 1) / 2)], t[NR]}'
}

tickets=$(sqlite3 "$DB" 'SELECT count(*) FROM tickets')
printf 'desk: %s tickets; reading as %s; %s runs each\n' "$tickets" "$EMAIL" "$RUNS"
read -r med max <<<"$(time_ms /api/v1/views)"
printf '%-34s median %6s ms  max %6s ms\n' "GET /api/v1/views (all counts)" "$med" "$max"
python3 -c '
import json, sys
for v in json.load(open(sys.argv[1]))["views"]:
    print("    %-28s %8d" % (v["name"], v["count"]))
' "$TMP/body" >"$TMP/counts"
cat "$TMP/counts"
for id in $(python3 -c 'import json,sys; print(" ".join(str(v["id"]) for v in json.load(open(sys.argv[1]))["views"]))' "$TMP/body"); do
	read -r med max <<<"$(time_ms "/api/v1/views/$id/tickets?limit=50")"
	n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["tickets"]))' "$TMP/body")
	printf '%-34s median %6s ms  max %6s ms  (%s tickets)\n' "GET /api/v1/views/$id/tickets" "$med" "$max" "$n"
done
