#!/usr/bin/env bash
# bench/sla.sh - the SLA targets of issue 5 on a big demo desk.
#
#   bench/sla.sh [--tickets N] [--db FILE] [options]
#
# Builds (or reuses) a demo desk, works on a copy of it, gives the copy a
# business calendar and two SLA policies (an urgent one and a standard one,
# as a desk would), then measures:
#
#   GET /api/v1/tickets?order=due&limit=50 (and &status=open)
#                                p99 < 20 ms at each of --connections
#   champion sla recompute       every ticket's clocks from its events < 60 s
#   champion report first-response
#                                over the last month and over the whole desk < 1 s
#
# and prints a Markdown report on standard output (progress on standard
# error): each figure next to its target with PASS or MISS, and the commands.
# Adding the policies recomputes the tickets not closed too; that time is
# shown, not judged.
#
# A script to run by hand, not a test: a few minutes, plus the desk (about
# 2 minutes for 1,000,000 tickets; keep it with --db FILE for the next run).
# champion serve listens on 127.0.0.1 only and is stopped by PID on exit;
# the copy and the run's files are removed unless --keep.
#
# Options:
#   --tickets N       demo desk size when the desk is built (default 1000000)
#   --db FILE         the desk: reused if it exists, else built there and kept
#   --champion PATH   the binary; default: a release build in build-bench/
#   --duration S      seconds of each measured wrk run (default 10)
#   --warmup S        seconds of the unmeasured run before each (default 2)
#   --connections "C..."  wrk connection counts (default "1 4 16")
#   --keep            keep the temporary directory (the copy, logs)
set -Eeuo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"

usage() { sed -n '3,/^set -E/{/^set -E/d;s/^# \{0,1\}//;p}' "$0"; }

tickets=1000000
db=""
champion=""
duration=10
warmup=2
connections="1 4 16"
keep=""
while [ $# -gt 0 ]; do
	case "$1" in
	--tickets) tickets=$2; shift 2 ;;
	--db) db=$2; shift 2 ;;
	--champion) champion=$2; shift 2 ;;
	--duration) duration=$2; shift 2 ;;
	--warmup) warmup=$2; shift 2 ;;
	--connections) connections=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; die "unknown argument '$1'" ;;
	esac
done
for v in tickets duration warmup; do
	[[ ${!v} =~ ^[0-9]+$ ]] || die "--$v wants a whole number, not '${!v}'"
done
for c in $connections; do
	[[ $c =~ ^[1-9][0-9]*$ ]] || die "--connections wants whole numbers, not '$c'"
done

command -v python3 >/dev/null 2>&1 || need_debs python3
need_debs wrk curl sqlite3 procps coreutils

champion=$(bench_champion "$champion")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/champion-sla-bench.XXXXXX")
serve_pid=""
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	stop_pid "$serve_pid" "champion serve" 30
	if [ -n "$keep" ]; then
		say "bench: kept $tmp"
	else
		rm -rf "$tmp"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'say "bench: failed at line $LINENO: $BASH_COMMAND"' ERR
trap 'exit 130' INT
trap 'exit 143' TERM

bench_own_settings
db=$(bench_abs_path "$db")
cd "$tmp"

# --- the desk: a copy, with a calendar and policies -------------------------------

src_db=${db:-$tmp/source.db}
if [ -f "$src_db" ]; then
	say "bench: reusing the desk $src_db"
	desk_note="reused"
else
	say "bench: building a demo desk of $tickets tickets in $src_db (this takes a while)"
	t0=$(date +%s.%N)
	"$champion" --db "$src_db" demo --tickets "$tickets" >"$tmp/demo.txt" 2>"$tmp/demo.err" ||
		{ cat "$tmp/demo.err" >&2; die "champion demo failed"; }
	desk_note="built in $(calc "$(date +%s.%N) - $t0" | xargs printf '%.0f') s"
fi
say "bench: copying the desk"
[ -s "$src_db-wal" ] && sqlite3 "$src_db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null 2>&1 || true
work="$tmp/desk.db"
cp --reflink=auto "$src_db" "$work"
n_tickets=$(sqlite3 "$work" 'SELECT count(*) FROM tickets')
n_events=$(sqlite3 "$work" 'SELECT count(*) FROM events')
n_open=$(sqlite3 "$work" "SELECT count(*) FROM tickets WHERE status != 'closed'")
cat "$work" >/dev/null # into the page cache: the desk is measured, not the disk

ch() { "$champion" --db "$work" "$@"; }
# timed NAME CMD...: runs CMD; its wall time in seconds into SECS[NAME], its CPU
# time (user + system) into CPUS[NAME], its output in $tmp/NAME.out.
declare -A SECS CPUS
timed() {
	local name=$1 t
	shift
	t=$( { TIMEFORMAT='%R %U %S'; time "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"; } 2>&1) ||
		{ cat "$tmp/$name.err" >&2; die "$name failed: $*"; }
	read -r wall user sys <<<"$t"
	SECS[$name]=$wall
	CPUS[$name]=$(calc "$user + $sys")
	say "bench: $name: $(printf '%.2f' "$wall") s ($(printf '%.2f' "${CPUS[$name]}") s of CPU)"
}

ch calendar add Office --zone Europe/London --hours "mon-fri 09:00-17:00" \
	--holiday 2026-12-25 --holiday 2026-12-26 >/dev/null
timed add-urgent ch sla add Urgent --priority urgent --calendar-time --calendar Office \
	--first-reply "all=1h" --next-reply "all=2h" --resolution "all=1d" --escalate-to urgent
timed add-standard ch sla add Standard --calendar Office --first-reply "low=8h,normal=4h,high=2h" \
	--next-reply "all=8h" --periodic-update "all=2d" --resolution "low=10d,normal=5d,high=2d"
# The first recompute writes the closed tickets' clocks (adding a policy
# computes only the tickets still moving); the second finds them all done.
timed recompute ch sla recompute
timed recompute-again ch sla recompute
n_clocks=$(sqlite3 "$work" 'SELECT count(*) FROM sla_clocks')

# The report: the desk's last month, and all of it.
read -r t_min t_max < <(sqlite3 -separator ' ' "$work" 'SELECT min(created_at), max(created_at) FROM tickets')
iso() { date -u -d "@$(($1 / 1000))" +%Y-%m-%dT%H:%M:%SZ; }
month_from=$(iso $((t_max - 30 * 86400000)))
all_from=$(iso "$t_min")
all_to=$(iso $((t_max + 1000)))
timed report-month ch report first-response --from "$month_from" --to "$all_to" --json
timed report-month-by ch report first-response --from "$month_from" --to "$all_to" --by group --json
timed report-all ch report first-response --from "$all_from" --to "$all_to" --json
month_tickets=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["lines"][0]["tickets"])' "$tmp/report-month.out")
all_tickets=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["lines"][0]["tickets"])' "$tmp/report-all.out")

# --- the queue ordered by what is due, over HTTP ------------------------------------

agent=$(ch user list 2>/dev/null | awk '$2 == "agent" && $3 == "yes" && !found { print $4; found = 1 }')
[ -n "$agent" ] || die "the desk has no active agent (is it a 'champion demo' desk?)"
token=$(ch token create --user "$agent" --name "bench/sla.sh" 2>/dev/null) || die "could not create a token"
port=$(free_port)
base="http://127.0.0.1:$port"
say "bench: starting champion serve on 127.0.0.1:$port"
"$champion" --db "$work" serve --listen "127.0.0.1:$port" >"$tmp/serve.out" 2>"$tmp/serve.err" &
serve_pid=$!
wait_http "$base/readyz" 30 "$serve_pid" || { cat "$tmp/serve.err" >&2; die "champion serve did not become ready"; }
curl -fsS -H "Authorization: Bearer $token" "$base/api/v1/tickets?order=due&limit=50" >"$tmp/page.json" ||
	die "GET ?order=due failed"
page_n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["tickets"]))' "$tmp/page.json")
[ "$page_n" = 50 ] || die "a page of $page_n tickets, not 50"

declare -A P99 P50 RPS ERR
queue_run() { # NAME PATH CONNECTIONS
	local name=$1 path=$2 c=$3 line
	wrk -t1 -c"$c" -d"${warmup}s" -H "Authorization: Bearer $token" "$base$path" >/dev/null 2>&1 || true
	line=$(wrk -t1 -c"$c" -d"${duration}s" -H "Authorization: Bearer $token" \
		-s "$here/wrk/report.lua" "$base$path" 2>&1 | grep '^BENCH ') || die "wrk failed on $path"
	P50[$name/$c]=$(sed -n 's/.* p50_us=\([0-9]*\).*/\1/p' <<<"$line")
	P99[$name/$c]=$(sed -n 's/.* p99_us=\([0-9]*\).*/\1/p' <<<"$line")
	RPS[$name/$c]=$(sed -n 's/.* rps=\([0-9.]*\).*/\1/p' <<<"$line")
	ERR[$name/$c]=$(sed -n 's/.* errors=\([0-9]*\) status_errors=\([0-9]*\).*/\1+\2/p' <<<"$line")
	say "bench: $name at $c: p99 $(fmt_us "${P99[$name/$c]}"), ${RPS[$name/$c]} req/s"
}
for c in $connections; do
	queue_run due "/api/v1/tickets?order=due&limit=50" "$c"
	queue_run due-open "/api/v1/tickets?order=due&limit=50&status=open" "$c"
done
stop_pid "$serve_pid" "champion serve" 30
serve_pid=""

# --- the report ---------------------------------------------------------------------

verdict() { awk -v x="$1" -v t="$2" 'BEGIN { print (x + 0 < t + 0) ? "PASS" : "MISS" }'; }
secs() { printf '%.2f s' "$1"; }
# wall NAME: "12.3 s (CPU 4.5 s)"
wall() { printf '%.2f s (CPU %.2f s)' "${SECS[$1]}" "${CPUS[$1]}"; }
cat <<EOF
## sla

On a copy of a demo desk of $n_tickets tickets ($n_events events, $n_open not
closed; $desk_note) with a business calendar and two policies (Urgent:
calendar time; Standard: business time, four metrics): $n_clocks clocks.
$(nproc) cores, $(date -u +%Y-%m-%d).

    bench/sla.sh${db:+ --db $db} --duration $duration --connections "$connections"

| what | figure | target | |
|---|---|---|---|
EOF
for c in $connections; do
	for name in due due-open; do
		path="GET /api/v1/tickets?order=due&limit=50"
		[ "$name" = due-open ] && path="$path&status=open"
		printf '| %s, %s connection%s: p99 (p50; req/s; errors) | %s (%s; %s; %s) | < 20 ms | %s |\n' \
			"$path" "$c" "$([ "$c" = 1 ] || echo s)" "$(fmt_us "${P99[$name/$c]}")" \
			"$(fmt_us "${P50[$name/$c]}")" "${RPS[$name/$c]}" "${ERR[$name/$c]}" \
			"$(verdict "${P99[$name/$c]}" 20000)"
	done
done
printf '| champion sla recompute (%s tickets; the first: closed ones written) | %s | < 60 s | %s |\n' \
	"$n_tickets" "$(wall recompute)" "$(verdict "${SECS[recompute]}" 60)"
printf '| champion sla recompute again (nothing changed) | %s | < 60 s | %s |\n' \
	"$(wall recompute-again)" "$(verdict "${SECS[recompute-again]}" 60)"
printf '| champion report first-response, last month (%s tickets) | %s | < 1 s | %s |\n' \
	"$month_tickets" "$(wall report-month)" "$(verdict "${SECS[report-month]}" 1)"
printf '| the same --by group | %s | < 1 s | %s |\n' \
	"$(wall report-month-by)" "$(verdict "${SECS[report-month-by]}" 1)"
printf '| champion report first-response, whole desk (%s tickets) | %s | < 1 s | %s |\n' \
	"$all_tickets" "$(wall report-all)" "$(verdict "${SECS[report-all]}" 1)"
printf '| champion sla add (two policies; each recomputes the %s tickets not closed) | %s; %s | - | |\n' \
	"$n_open" "$(wall add-urgent)" "$(wall add-standard)"
cat <<EOF

Report periods: $month_from to $all_to, and $all_from to $all_to. Times
are wall clock of the whole command (process start to exit; CPU: its user
and system time) on a desk read into the page cache first; wrk runs
${duration} s after a ${warmup} s warm-up, one thread. Load average at
the end: $(cut -d' ' -f1-3 /proc/loadavg).
EOF
