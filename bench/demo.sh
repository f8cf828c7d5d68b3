#!/usr/bin/env bash
# demo.sh - how fast `champion demo` builds a desk, against raw SQLite inserts.
#
#   bench/demo.sh [N]        (N tickets, default 1000000)
#
# Builds an N-ticket demo desk in a temporary directory and prints the
# elapsed seconds, tickets/s, messages/s and rows/s (every row of every
# table). Then, as a baseline on the same machine, inserts the same number
# of rows into a one-table database with the sqlite3 CLI, in one
# transaction (a recursive CTE: no parsing, no application code), and
# prints the ratio of the two rates, which depends much less on the machine
# than either rate.
#
# CHAMPION names the binary (default: build/champion under the source
# tree); SQLITE3 the CLI (default: sqlite3 on the PATH).
set -eu

N=${1:-1000000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CHAMPION=${CHAMPION:-$ROOT/build/champion}
SQLITE3=${SQLITE3:-sqlite3}
[ -x "$CHAMPION" ] || { echo "demo.sh: no champion binary at '$CHAMPION' (set CHAMPION)" >&2; exit 1; }
command -v "$SQLITE3" >/dev/null || { echo "demo.sh: no sqlite3 CLI (set SQLITE3)" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/champion-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
for v in $(env | sed -n 's/^\(CHAMPION_[A-Z_]*\)=.*/\1/p'); do
	unset "$v"
done
export CHAMPION_NOW=2026-11-22T12:00:00Z

now() { date +%s.%N; }
rate() { echo "scale=0; $1 / $2" | bc; }

# --- champion demo ---------------------------------------------------------------
# CPU time beside the elapsed time: on a shared machine the elapsed time
# includes waiting for the other processes.
load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')
timer=()
[ -x /usr/bin/time ] && timer=(/usr/bin/time -f '%U %S' -o "$TMP/cpu.txt")
t0=$(now)
"${timer[@]}" "$CHAMPION" --db "$TMP/demo.db" demo --tickets "$N" --seed 1 >"$TMP/out.txt"
t1=$(now)
secs=$(echo "$t1 - $t0" | bc)
cpu='?'
[ -s "$TMP/cpu.txt" ] && cpu=$(awk '{ printf "%.1f", $1 + $2 }' "$TMP/cpu.txt")
counts=$("$SQLITE3" "$TMP/demo.db" "SELECT
	(SELECT count(*) FROM tickets), (SELECT count(*) FROM messages),
	(SELECT count(*) FROM events),
	(SELECT count(*) FROM tickets) + (SELECT count(*) FROM messages) +
	(SELECT count(*) FROM events) + (SELECT count(*) FROM ticket_tags) +
	(SELECT count(*) FROM ticket_followers) + (SELECT count(*) FROM users) +
	(SELECT count(*) FROM organisations) + (SELECT count(*) FROM agent_groups) +
	(SELECT count(*) FROM group_members)")
IFS='|' read -r tickets messages events rows <<<"$counts"
size=$(du -m "$TMP/demo.db" | cut -f1)
rm -f "$TMP/demo.db"*

echo "champion demo --tickets $N ($(nproc) cores, $(uname -m), load average $load)"
printf '  %.1f s (%s s CPU); %s tickets, %s messages, %s events, %s rows in all, %s MiB\n' \
	"$secs" "$cpu" "$tickets" "$messages" "$events" "$rows" "$size"
printf '  %s tickets/s, %s messages/s, %s rows/s\n' "$(rate "$tickets" "$secs")" \
	"$(rate "$messages" "$secs")" "$(rate "$rows" "$secs")"

# --- baseline: the same number of rows, raw --------------------------------------
t0=$(now)
"$SQLITE3" "$TMP/raw.db" >/dev/null <<SQL
PRAGMA journal_mode=DELETE;
PRAGMA synchronous=OFF;
CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, s TEXT NOT NULL);
BEGIN;
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $rows)
INSERT INTO t (n, s) SELECT i, 'row ' || i FROM c;
COMMIT;
SQL
t1=$(now)
raw_secs=$(echo "$t1 - $t0" | bc)
echo "baseline: $rows rows into one table, one transaction (sqlite3 CLI)"
printf '  %.1f s, %s rows/s\n' "$raw_secs" "$(rate "$rows" "$raw_secs")"
printf 'ratio: champion demo writes rows at 1/%.1f of the raw rate\n' \
	"$(echo "scale=2; $secs / $raw_secs" | bc)"
