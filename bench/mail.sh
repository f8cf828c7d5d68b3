#!/usr/bin/env bash
# mail.sh - how fast mail comes in: champion import over a generated mbox,
# against raw SQLite inserts in the same run, and one champion mailgate
# invocation (process start to exit) on a big desk.
#
#   bench/mail.sh [--messages N] [--desk FILE] [--mailgates K]
#
#   --messages N   messages in the generated mbox (default 100000; 55% open a
#                  conversation, 45% answer one, 5% with an attachment)
#   --desk FILE    a desk to time mailgate on (e.g. a 1,000,000-ticket demo desk
#                  built by 'champion demo'); it is copied first, never changed.
#                  Without it the mailgate part is skipped.
#   --mailgates K  mailgate invocations timed (default 200)
#
# Prints messages/s of the import, rows/s of the raw baseline (the same
# number of rows of the same size, committed a thousand at a time, WAL,
# synchronous=FULL, sqlite3 CLI), their ratio, and mailgate's p50/p99
# wall time (timed with bash's $EPOCHREALTIME around the process, beside
# /bin/true timed alike). A script to run by hand, not a test. Files go to
# a temporary directory, removed at the end.
set -euo pipefail

N=100000
DESK=""
K=200
while [ $# -gt 0 ]; do
	case $1 in
	--messages) N=$2; shift 2 ;;
	--desk) DESK=$2; shift 2 ;;
	--mailgates) K=$2; shift 2 ;;
	-h | --help) sed -n '2,/^set -e/{/^set -e/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	*) echo "mail.sh: unknown option '$1'" >&2; exit 64 ;;
	esac
done
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CHAMPION=${CHAMPION:-$ROOT/build/champion}
SQLITE3=${SQLITE3:-sqlite3}
[ -x "$CHAMPION" ] || { echo "mail.sh: no champion binary at '$CHAMPION' (set CHAMPION)" >&2; exit 1; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/champion-mailbench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
for v in $(env | sed -n 's/^\(CHAMPION_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
now() { date +%s.%N; }

echo "## mail: $(date -u +%Y-%m-%d), $(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg)"
echo
python3 "$ROOT/bench/gen_mbox.py" "$N" "$TMP/gen.mbox" 1
bytes=$(stat -c %s "$TMP/gen.mbox")
"$CHAMPION" --db "$TMP/desk.db" init >/dev/null
t0=$(now)
/usr/bin/time -f "%U %S" -o "$TMP/import.cpu" "$CHAMPION" --db "$TMP/desk.db" import mbox "$TMP/gen.mbox" >"$TMP/import.out"
t1=$(now)
secs=$(echo "$t1 - $t0" | bc)
rate=$(echo "scale=0; $N / $secs" | bc)
read -r user sys <"$TMP/import.cpu"
echo "- champion import mbox: $N messages ($((bytes / 1048576)) MiB) in $(printf '%.1f' "$secs") s: **$rate messages/s**"
echo "  (CPU: $user s user + $sys s system, both threads; load average $(cut -d' ' -f1 /proc/loadavg) at the end)"
echo "  ($(cat "$TMP/import.out" | sed 's/^imported [0-9]* messages in [0-9.]* s ([0-9]*\/s): //'))"

# Baseline: as many rows of the same average size, a thousand per commit, WAL + FULL.
size=$((bytes / N))
{
	echo "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	echo "CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB NOT NULL);"
	for ((i = 0; i < N; i += 1000)); do
		echo "BEGIN; WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 1000) INSERT INTO t (b) SELECT randomblob($size) FROM c; COMMIT;"
	done
} >"$TMP/raw.sql"
t0=$(now)
"$SQLITE3" "$TMP/raw.db" <"$TMP/raw.sql" >/dev/null
t1=$(now)
raw_secs=$(echo "$t1 - $t0" | bc)
raw_rate=$(echo "scale=0; $N / $raw_secs" | bc)
echo "- raw SQLite: $N rows of $size bytes, 1,000 per commit, WAL + FULL (sqlite3 CLI): $(printf '%.1f' "$raw_secs") s, $raw_rate rows/s"
printf -- '- ratio: import takes messages at %.2f x the raw row rate (target: >= 5,000 messages/s)\n' \
	"$(echo "scale=4; $rate / $raw_rate" | bc)"

if [ -n "$DESK" ]; then
	[ -f "$DESK" ] || { echo "mail.sh: no desk '$DESK'" >&2; exit 1; }
	cp "$DESK" "$TMP/big.db"
	[ -d "$DESK.files" ] && cp -r "$DESK.files" "$TMP/big.db.files"
	# The copy's writeback first: otherwise the deliveries' syncs queue behind gigabytes of it.
	sync
	tickets=$("$SQLITE3" "$TMP/big.db" "SELECT count(*) FROM tickets")
	# The first open migrates the copy: not timed.
	printf 'From: warm@example.org\r\nSubject: warm-up\r\nMessage-ID: <warm@x>\r\n\r\nhi\r\n' |
		"$CHAMPION" --db "$TMP/big.db" mailgate 2>/dev/null
	# Each run timed by the shell's own clock ($EPOCHREALTIME, no process of its
	# own): from before the fork to after the wait. /bin/true timed the same
	# way, alternating with mailgate, is the floor: a process's start and exit.
	: >"$TMP/times"
	: >"$TMP/floor"
	usecs() { local t=${1/[.,]/}; echo $((10#$t)); }
	for ((i = 0; i < K; i++)); do
		printf 'From: c%d@example.org\r\nTo: support@desk.example\r\nSubject: Question %d\r\nMessage-ID: <mg%d@example.org>\r\nDate: Thu, 03 Dec 2026 08:00:00 +0000\r\n\r\nHello, a question number %d.\r\n' \
			"$((i % 50))" "$i" "$i" "$i" >"$TMP/m.eml"
		t0=$EPOCHREALTIME
		"$CHAMPION" --db "$TMP/big.db" mailgate <"$TMP/m.eml" 2>/dev/null
		t1=$EPOCHREALTIME
		echo $(($(usecs "$t1") - $(usecs "$t0"))) >>"$TMP/times"
		t0=$EPOCHREALTIME
		/bin/true <"$TMP/m.eml"
		t1=$EPOCHREALTIME
		echo $(($(usecs "$t1") - $(usecs "$t0"))) >>"$TMP/floor"
	done
	pct() { sort -n "$1" | awk '{ v[NR] = $1 } END {
		printf "%.1f %.1f\n", v[int(NR * 0.5 + 0.5)] / 1000, v[int(NR * 0.99 + 0.5)] / 1000 }'; }
	read -r p50 p99 < <(pct "$TMP/times")
	read -r f50 f99 < <(pct "$TMP/floor")
	sync_mode=$("$CHAMPION" --db "$TMP/big.db" config | awk '$1 == "db.synchronous" { print $3 }')
	echo "- champion mailgate on a $(printf "%'d" "$tickets")-ticket desk, $K invocations (process start to exit, db.synchronous=$sync_mode): p50 $p50 ms, p99 $p99 ms (target: < 10 ms; /bin/true timed alike: p50 $f50 ms, p99 $f99 ms; load average $(cut -d' ' -f1 /proc/loadavg))"
fi
