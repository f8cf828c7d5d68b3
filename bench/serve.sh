#!/usr/bin/env bash
# shellcheck disable=SC2034 # the result arrays are read through namerefs (over)
# bench/serve.sh - how fast 'champion serve' answers, next to nginx and raw SQLite.
#
#   bench/serve.sh [--tickets N] [--db FILE] [options]
#
# Builds (or reuses) a demo desk, makes an agent API token, starts
# 'champion serve' and nginx on free ports of 127.0.0.1, and drives both with
# wrk; next to the POST scenario it times raw SQLite one-row commits with the
# same durability. Prints a Markdown report on standard output (progress goes
# to standard error): requests/s, p50 and p99 latency per scenario, and the
# targets:
#
#   GET /api/v1/tickets/{id}     >= 0.4 x nginx serving a file of the same size
#   GET /api/v1/tickets?limit=50 >= 0.2 x nginx serving a file of the same size
#   POST /api/v1/tickets         >= 1.0 x raw SQLite one-row commits (WAL, FULL)
#   GET /api/v1/search?q=...     p99 < 50 ms at --search-connections (12 queries,
#                                common words included); also run at --connections
#   GET ticket p99 at 32 connections < 10 ms; server peak RSS (VmHWM) < 64 MB
#
# A script to run by hand, not a test: it takes a few minutes (plus the desk:
# about 2 minutes for 1,000,000 tickets; keep it with --db FILE for next time).
# Everything listens on 127.0.0.1 only; every run is bounded in time; the
# servers it starts are stopped by PID on exit, and its files are removed.
# If champion serve dies, the report says when and how; it is restarted and
# that round of the scenario is left out.
# Missing tools (wrk, nginx, gcc, ...) are installed from Debian's packages.
#
# Options:
#   --tickets N        demo desk size when the desk is built (default 1000000)
#   --db FILE          the desk: reused if it exists, else built there and kept;
#                      default: a temporary desk. The run works on a copy of it
#                      (the write scenarios add tickets), so runs stay comparable.
#   --champion PATH    the binary; default: a release build in build-bench/
#   --duration S       seconds of each measured wrk run (default 12)
#   --warmup S         seconds of the unmeasured run before each (default 3)
#   --connections C    wrk connections (default 32)
#   --search-connections C
#                      connections of the search latency run (default 4: agents
#                      searching at once; search is also run at --connections)
#   --wrk-threads T    wrk threads (default 2)
#   --serve-threads N  champion event loops and nginx workers (default: cores)
#   --write-percent P  writes in the mixed profile (default 10)
#   --sqlite-seconds S length of the raw SQLite run (default 10)
#   --repeat R         rounds of every scenario; medians are reported (default 1;
#                      3 for numbers to publish: this machine's speed drifts)
#   --perf             also profile champion (perf record) in each scenario; the
#                      profiles stay in the kept temporary directory. Profiling
#                      costs CPU: do not compare those numbers with a plain run.
#   --keep             keep the temporary directory (logs, wrk output)
#   --in-place         run on the --db desk itself instead of a copy (saves the
#                      disk space of a copy; the desk grows with every run)
set -Eeuo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"

usage() { sed -n '3,/^set -E/{/^set -E/d;s/^# \{0,1\}//;p}' "$0"; }

tickets=1000000
db=""
champion=""
duration=12
warmup=3
connections=32
search_connections=4
wrk_threads=2
serve_threads=0
write_percent=10
sqlite_seconds=10
repeat=1
perf=""
keep=""
in_place=""

while [ $# -gt 0 ]; do
	case "$1" in
	--tickets) tickets=$2; shift 2 ;;
	--db) db=$2; shift 2 ;;
	--champion) champion=$2; shift 2 ;;
	--duration) duration=$2; shift 2 ;;
	--warmup) warmup=$2; shift 2 ;;
	--connections) connections=$2; shift 2 ;;
	--search-connections) search_connections=$2; shift 2 ;;
	--wrk-threads) wrk_threads=$2; shift 2 ;;
	--serve-threads) serve_threads=$2; shift 2 ;;
	--write-percent) write_percent=$2; shift 2 ;;
	--sqlite-seconds) sqlite_seconds=$2; shift 2 ;;
	--repeat) repeat=$2; shift 2 ;;
	--perf) perf=1; keep=1; shift ;;
	--keep) keep=1; shift ;;
	--in-place) in_place=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; die "unknown argument '$1'" ;;
	esac
done
for v in tickets duration warmup connections search_connections wrk_threads serve_threads write_percent sqlite_seconds repeat; do
	[[ ${!v} =~ ^[0-9]+$ ]] || die "--${v//_/-} wants a whole number, not '${!v}'"
done
[ "$tickets" -ge 1 ] && [ "$duration" -ge 1 ] && [ "$connections" -ge 1 ] && [ "$repeat" -ge 1 ] &&
	[ "$wrk_threads" -ge 1 ] && [ "$connections" -ge "$wrk_threads" ] ||
	die "--tickets, --duration, --connections, --wrk-threads and --repeat must be at least 1 (connections >= threads)"

# --- tools ------------------------------------------------------------------

command -v python3 >/dev/null 2>&1 || need_debs python3
need_debs wrk curl gcc libc6-dev libsqlite3-dev sqlite3 procps coreutils
need_nginx
[ -n "$perf" ] && { command -v perf >/dev/null 2>&1 || need_debs linux-perf; }

champion_given=$champion
champion=$(bench_champion "$champion")

# --- the run's own directory and clean-up ----------------------------------

tmp=$(mktemp -d "${TMPDIR:-/tmp}/champion-bench.XXXXXX")
serve_pid="" nginx_pid="" perf_pid="" token_id="" raw_db=""

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	[ -n "$perf_pid" ] && { kill -INT "$perf_pid" 2>/dev/null || true; wait "$perf_pid" 2>/dev/null || true; }
	stop_pid "$nginx_pid" nginx 10
	stop_pid "$serve_pid" "champion serve" 30
	if [ -n "$token_id" ] && [ -n "$in_place" ] && [ -f "$db" ]; then
		"$champion" --db "$db" token revoke "$token_id" >/dev/null 2>&1 || true
	fi
	[ -n "$raw_db" ] && rm -f "$raw_db" "$raw_db-wal" "$raw_db-shm" "$raw_db-journal"
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

# --- the desk ---------------------------------------------------------------

# Only this run's settings: no CHAMPION_* from the caller's environment (say,
# CHAMPION_DB_SYNCHRONOUS=off), no champion.conf from the caller's directory.
bench_own_settings
db=$(bench_abs_path "$db")
cd "$tmp"

src_db=${db:-$tmp/desk.db}
desk_note=""
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
if [ -n "$in_place" ] || [ "$src_db" = "$tmp/desk.db" ]; then
	db=$src_db
else
	# A copy, so that every run starts from the same desk (and the page cache holds it).
	db="$tmp/desk.db"
	say "bench: copying the desk to $db"
	[ -s "$src_db-wal" ] && sqlite3 "$src_db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null 2>&1 || true
	cp --reflink=auto "$src_db" "$db"
	[ -s "$src_db-wal" ] && cp --reflink=auto "$src_db-wal" "$db-wal"
fi
db_dir=$(dirname "$db")
desk_bytes=$(stat -c %s "$db")

agent=$("$champion" --db "$db" user list 2>/dev/null |
	awk '$2 == "agent" && $3 == "yes" && !found { print $4; found = 1 }')
[ -n "$agent" ] || die "the desk $db has no active agent (is it a 'champion demo' desk?)"
token=$("$champion" --db "$db" token create --user "$agent" --name "bench/serve.sh" 2>"$tmp/token.err") ||
	{ cat "$tmp/token.err" >&2; die "could not create a token"; }
token_id=$(sed -n 's/^token #\([0-9]*\).*/\1/p' "$tmp/token.err")
auth="Authorization: Bearer $token"

# The server should be measured, not the disk: read the desk into the page cache.
say "bench: reading the desk into the page cache ($((desk_bytes / 1048576)) MB)"
cat "$db" >/dev/null

# --- champion serve -----------------------------------------------------------

port=$(free_port)
base="http://127.0.0.1:$port"
rss_peak_kb=0
# start_serve - starts champion serve (again, after a crash) and waits until it is ready.
start_serve() {
	say "bench: starting champion serve on 127.0.0.1:$port"
	"$champion" --db "$db" serve --listen "127.0.0.1:$port" --threads "$serve_threads" \
		>>"$tmp/serve.out" 2>>"$tmp/serve.err" &
	serve_pid=$!
	wait_http "$base/readyz" 30 "$serve_pid" ||
		{ cat "$tmp/serve.err" >&2; die "champion serve did not become ready"; }
}
# sample_rss - keeps the largest VmHWM seen of any champion serve of this run.
sample_rss() {
	local kb
	kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$serve_pid/status" 2>/dev/null) || kb=0
	[ "${kb:-0}" -gt "$rss_peak_kb" ] && rss_peak_kb=$kb
	return 0
}
start_serve
loops=$(sed -n 's/.* with \([0-9]*\) loop.*/\1/p;T;q' "$tmp/serve.err")
loops=${loops:-$(nproc)}

# The largest ticket id: the first one of the newest-first list.
first=$(curl -fsS --max-time 10 -H "$auth" "$base/api/v1/tickets?limit=1") || first=""
max_id=$(sed -n 's/^[^0-9]*"id":\([0-9]*\).*/\1/p' <<<"$first")
[ -n "$max_id" ] && [ "$max_id" -ge 1 ] || die "could not read the desk's tickets over HTTP"

# Response sizes, for nginx's files: the median GET ticket of 31 random ids, and the pages.
say "bench: measuring response sizes"
sizes=()
for i in $(seq 31); do
	id=$(((RANDOM * 32768 + RANDOM) % max_id + 1))
	sizes+=("$(curl -fsS --max-time 10 -o /dev/null -w '%{size_download}' -H "$auth" "$base/api/v1/tickets/$id")")
done
ticket_bytes=$(printf '%s\n' "${sizes[@]}" | sort -n | sed -n 16p)
page_bytes=$(curl -fsS --max-time 10 -o /dev/null -w '%{size_download}' -H "$auth" "$base/api/v1/tickets?limit=50")
open_bytes=$(curl -fsS --max-time 10 -o /dev/null -w '%{size_download}' -H "$auth" "$base/api/v1/tickets?limit=50&status=open")

# --- nginx ----------------------------------------------------------------------

ngx="$tmp/nginx"
mkdir -p "$ngx/www" "$ngx/temp"
chmod 755 "$tmp" "$ngx" "$ngx/www" # nginx's workers run as nobody
head -c "$ticket_bytes" /dev/zero | tr '\0' 'x' >"$ngx/www/ticket.json"
head -c "$page_bytes" /dev/zero | tr '\0' 'x' >"$ngx/www/page.json"
head -c "$open_bytes" /dev/zero | tr '\0' 'x' >"$ngx/www/open.json"
chmod 644 "$ngx/www/"*.json
nginx_port=$(free_port)
temp_paths=""
nginx_v=$("$(nginx_bin)" -V 2>&1)
for t in client_body proxy fastcgi uwsgi scgi; do
	if [[ $nginx_v == *"--http-$t-temp-path"* ]]; then
		temp_paths="$temp_paths    ${t}_temp_path $ngx/temp/$t;
"
	fi
done
cat >"$ngx/nginx.conf" <<EOF
# nginx for bench/serve.sh: static files of champion's response sizes.
daemon off;
worker_processes $loops;
pid $ngx/nginx.pid;
error_log $ngx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 60s;
    keepalive_requests 1000000;
    default_type application/json;
$temp_paths    server {
        listen 127.0.0.1:$nginx_port;
        root $ngx/www;
    }
}
EOF
say "bench: starting nginx on 127.0.0.1:$nginx_port"
"$(nginx_bin)" -e "$ngx/error.log" -p "$ngx" -c "$ngx/nginx.conf" >"$ngx/stdout" 2>&1 &
nginx_pid=$!
wait_http "http://127.0.0.1:$nginx_port/ticket.json" 15 "$nginx_pid" ||
	{ cat "$ngx/error.log" "$ngx/stdout" >&2 2>/dev/null; die "nginx did not start"; }

# --- raw SQLite: one row per transaction, WAL, synchronous=FULL -------------------

cat >"$tmp/sqlite_full.c" <<'EOF'
/* One row per transaction with Champion's durability: WAL, synchronous=FULL. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void check(sqlite3 *db, int rc, const char *what)
{
	if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
		fprintf(stderr, "sqlite_full: %s: %s\n", what, sqlite3_errmsg(db));
		exit(1);
	}
}

int main(int argc, char **argv)
{
	sqlite3 *db;
	sqlite3_stmt *begin, *ins, *commit;
	char body[401];
	double secs, start, *lat;
	long max, n = 0;

	if (argc != 4)
		return fprintf(stderr, "usage: sqlite_full FILE SECONDS MAX_ROWS\n"), 2;
	secs = atof(argv[2]);
	max = atol(argv[3]);
	lat = malloc(sizeof(*lat) * (size_t)max);
	memset(body, 'x', 400);
	body[400] = '\0';
	check(NULL, sqlite3_open(argv[1], &db), "open");
	check(db, sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
			       "CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, "
			       "created_at INTEGER NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL)",
			       NULL, NULL, NULL), "set up");
	check(db, sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, NULL), "prepare");
	check(db, sqlite3_prepare_v2(db, "INSERT INTO t(created_at, subject, body) VALUES (?1, ?2, ?3)",
				     -1, &ins, NULL), "prepare");
	check(db, sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL), "prepare");
	start = now();
	while (n < max) {
		double t0 = now();
		if (t0 - start >= secs)
			break;
		check(db, sqlite3_step(begin), "begin");
		sqlite3_reset(begin);
		sqlite3_bind_int64(ins, 1, (sqlite3_int64)(t0 * 1000));
		sqlite3_bind_text(ins, 2, "Cannot log in after the password reset", -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, body, 400, SQLITE_STATIC);
		check(db, sqlite3_step(ins), "insert");
		sqlite3_reset(ins);
		check(db, sqlite3_step(commit), "commit");
		sqlite3_reset(commit);
		lat[n++] = now() - t0;
	}
	double elapsed = now() - start;
	qsort(lat, (size_t)n, sizeof(*lat), cmp);
	printf("rows=%ld seconds=%.3f rps=%.1f p50_us=%.0f p99_us=%.0f\n", n, elapsed, n / elapsed,
	       n ? lat[n / 2] * 1e6 : 0, n ? lat[(n * 99) / 100] * 1e6 : 0);
	sqlite3_finalize(begin);
	sqlite3_finalize(ins);
	sqlite3_finalize(commit);
	sqlite3_close(db);
	free(lat);
	return 0;
}
EOF
gcc -O2 -o "$tmp/sqlite_full" "$tmp/sqlite_full.c" -lsqlite3

# --- wrk ------------------------------------------------------------------------

declare -A RPS P50 P99 ERRS OKS CPU DBT
metrics_text=""
scrape() { metrics_text=$(curl -fsS --max-time 10 "$base/metrics"); }
# Answers with a 2xx status, /metrics itself left out.
ok_total() {
	awk '/^champion_http_requests_total/ && !/GET \/metrics/ && /status="2/ { n += $NF } END { print n + 0 }' <<<"$metrics_text"
}

# alive SERVER PID WHEN - true while the server lives. nginx gone ends the run;
# champion gone is a result: it is recorded, restarted, and the scenario's round dropped.
alive() {
	local st=0 how
	kill -0 "$2" 2>/dev/null && return 0
	wait "$2" 2>/dev/null || st=$?
	how="exit status $st$([ "$st" -gt 128 ] && echo ", signal $((st - 128))")"
	if [ "$1" != champion ]; then
		nginx_pid=""
		die "nginx died during $3 ($how)"
	fi
	serve_pid=""
	tail -5 "$tmp/serve.err" >&2 || true
	say "bench: CHAMPION SERVE DIED during round $round, $3 ($how); restarting it"
	CRASHES+=("round $round, $3: $how")
	start_serve
	return 1
}
CRASHES=()

# bench NAME SERVER URL SCRIPT [SCRIPT ARGS...] - a warm-up, then the measured run.
# SERVER is "champion" or "nginx". Results go to the arrays above, keyed NAME.ROUND.
bench() {
	local name=$1 server=$2 url=$3 script=$4
	shift 4
	local pid=$serve_pid hdr=(-H "$auth") args=() out="$tmp/wrk-$name.$round.txt" line
	local conns=${BENCH_CONNECTIONS:-$connections} threads=$wrk_threads
	[ "$threads" -gt "$conns" ] && threads=$conns
	local t0 t1 ok0=0 ok1=0 db0=0 db1=0 j0 b0
	[ "$server" = nginx ] && { pid=$nginx_pid; hdr=(); }
	[ $# -gt 0 ] && args=(-- "$@")
	say "bench: round $round/$repeat, $name: ${warmup}s warm-up, ${duration}s measured"
	if [ "$warmup" -gt 0 ]; then
		timeout $((warmup + 30)) wrk -t "$threads" -c "$conns" -d "${warmup}s" "${hdr[@]}" \
			-s "$here/wrk/$script" "$url" "${args[@]}" >"$tmp/wrk-$name.$round.warmup.txt" 2>&1 || true
	fi
	alive "$server" "$pid" "$name (warm-up)" || return 0
	if [ "$server" = champion ]; then
		scrape
		ok0=$(ok_total) db0=$(metric champion_db_seconds_total)
		j0=$(metric champion_writer_jobs_total) b0=$(metric champion_writer_batches_total)
	fi
	if [ -n "$perf" ] && [ "$server" = champion ] && [ "$round" = 1 ]; then
		perf record -q -F 999 -p "$serve_pid" -o "$tmp/perf-$name.data" -- sleep "$duration" \
			>/dev/null 2>"$tmp/perf-$name.err" &
		perf_pid=$!
	fi
	t0=$(cpu_ticks "$pid")
	timeout $((duration + 60)) wrk -t "$threads" -c "$conns" -d "${duration}s" --latency \
		--timeout 10s "${hdr[@]}" -s "$here/wrk/$script" "$url" "${args[@]}" >"$out" 2>&1 ||
		{ cat "$out" >&2; die "wrk failed in $name"; }
	t1=$(cpu_ticks "$pid")
	if ! alive "$server" "$pid" "$name"; then
		[ -n "$perf_pid" ] && { wait "$perf_pid" 2>/dev/null || true; perf_pid=""; }
		return 0
	fi
	[ "$server" = champion ] && sample_rss
	if [ -n "$perf_pid" ]; then
		wait "$perf_pid" 2>/dev/null || true
		perf_pid=""
		{
			perf report -i "$tmp/perf-$name.data" --stdio --sort dso --percent-limit 1 2>/dev/null
			perf report -i "$tmp/perf-$name.data" --stdio --sort dso,symbol --percent-limit 0.7 2>/dev/null
		} | grep '%' | grep -v '^#' >"$tmp/perf-$name.txt" || true
	fi
	line=$(grep '^BENCH ' "$out" | tail -1) || { cat "$out" >&2; die "no BENCH line from wrk in $name"; }
	local requests rps p50_us p99_us errors status_errors
	eval "$(tr ' ' '\n' <<<"${line#BENCH }" | grep -E '^[a-z0-9_]+=[0-9.]+$')"
	local k=$name.$round
	RPS[$k]=$rps P50[$k]=$p50_us P99[$k]=$p99_us
	ERRS[$k]=$errors SERRS[$k]=$status_errors REQS[$k]=$requests
	CPU[$k]=$(calc "($t1 - $t0) * 1000000 / $(getconf CLK_TCK) / ($requests > 0 ? $requests : 1)")
	if [ "$server" = champion ]; then
		scrape
		ok1=$(ok_total) db1=$(metric champion_db_seconds_total)
		OKS[$k]=$((ok1 - ok0))
		DBT[$k]=$(calc "($db1 - $db0) * 1000000 / ($requests > 0 ? $requests : 1)")
		GROUP_JOBS[$name]=$((${GROUP_JOBS[$name]:-0} + $(metric champion_writer_jobs_total) - j0))
		GROUP_BATCHES[$name]=$((${GROUP_BATCHES[$name]:-0} + $(metric champion_writer_batches_total) - b0))
	fi
}
declare -A GROUP_JOBS GROUP_BATCHES SERRS REQS RAW_RPS RAW_P50 RAW_P99 RAW_ROWS

# raw_sqlite - one round of raw one-row commits, next to the desk (the same file system).
raw_sqlite() {
	local raw line rows rps p50_us p99_us
	say "bench: round $round/$repeat, raw SQLite one-row commits for ${sqlite_seconds}s"
	raw_db="$db_dir/.bench-raw-$$.db"
	raw=$(timeout $((sqlite_seconds + 60)) "$tmp/sqlite_full" "$raw_db" "$sqlite_seconds" 10000000)
	rm -f "$raw_db" "$raw_db-wal" "$raw_db-shm"
	raw_db=""
	eval "$(tr ' ' '\n' <<<"$raw" | grep -E '^(rows|rps|p50_us|p99_us)=[0-9.]+$')"
	RAW_ROWS[$round]=$rows RAW_RPS[$round]=$rps RAW_P50[$round]=$p50_us RAW_P99[$round]=$p99_us
}

# Each baseline runs right next to the scenario it is compared with: this machine's
# speed drifts over minutes, and a ratio of two runs far apart measures the drift.
for ((round = 1; round <= repeat; round++)); do
	bench nginx-ticket nginx "http://127.0.0.1:$nginx_port/ticket.json" report.lua
	bench get-ticket champion "$base/" get_ticket.lua "$max_id"
	bench nginx-page nginx "http://127.0.0.1:$nginx_port/page.json" report.lua
	bench queue-page champion "$base/api/v1/tickets?limit=50" report.lua
	bench nginx-open nginx "http://127.0.0.1:$nginx_port/open.json" report.lua
	bench queue-open champion "$base/api/v1/tickets?limit=50&status=open" report.lua
	raw_sqlite
	bench post-ticket champion "$base/" post_ticket.lua
	bench mixed champion "$base/" mixed.lua "$max_id" "$write_percent"
	bench search champion "$base/" search.lua
	BENCH_CONNECTIONS=$search_connections bench search-light champion "$base/" search.lua
done
stop_pid "$nginx_pid" nginx 10
nginx_pid=""

sample_rss
rss_now_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$serve_pid/status")
say "bench: stopping champion serve"
stop_pid "$serve_pid" "champion serve" 30
serve_pid=""

# --- the report -------------------------------------------------------------------

# median V... - the middle value (the mean of the two middle ones for an even count).
median() {
	[ $# -gt 0 ] || { echo 0; return 0; }
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2];
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# over ARRAY NAME - the values of ARRAY[NAME.1..repeat] that exist (a round whose
# server crashed has none), one a line.
over() {
	local -n arr=$1
	local r
	for ((r = 1; r <= repeat; r++)); do
		[ -n "${arr[$2.$r]:-}" ] && echo "${arr[$2.$r]}"
	done
	return 0
}
med() { mapfile -t _v < <(over "$1" "$2"); median "${_v[@]}"; } # ARRAY NAME
sum() { over "$1" "$2" | awk '{ n += $1 } END { print n + 0 }'; }
# round_ratio A B ROUND - A's req/s over B's in one round (B: a scenario, or "raw").
# Empty when the round has no result for A.
round_ratio() {
	local a=${RPS[$1.$3]:-} b
	if [ "$2" = raw ]; then b=${RAW_RPS[$3]:-}; else b=${RPS[$2.$3]:-}; fi
	[ -n "$a" ] && [ -n "$b" ] || return 0
	calc "$b > 0 ? $a / $b : 0"
}
ratio_of() { # A B - the median of the per-round ratios; empty without any
	local r v out=()
	for ((r = 1; r <= repeat; r++)); do
		v=$(round_ratio "$1" "$2" "$r")
		[ -n "$v" ] && out+=("$v")
	done
	[ ${#out[@]} -gt 0 ] && median "${out[@]}"
	return 0
}
rounds_of() { # A B - " (rounds: x, y, z)" when there is more than one round
	local r v list=""
	[ "$repeat" -gt 1 ] || return 0
	for ((r = 1; r <= repeat; r++)); do
		v=$(round_ratio "$1" "$2" "$r")
		list="$list${list:+, }$(num "$v")"
	done
	echo " (rounds: $list)"
}
verdict() { # VALUE OP GOAL (no value: the server crashed in every round)
	if [ -n "$1" ] && awk "BEGIN { exit !($1 $2 $3) }"; then echo PASS; else echo MISS; fi
}
num() { # VALUE [DECIMALS] - "crashed" for no value
	if [ -n "$1" ]; then printf "%.${2:-2}f" "$1"; else echo crashed; fi
}
r_get=$(ratio_of get-ticket nginx-ticket)
r_page=$(ratio_of queue-page nginx-page)
r_open=$(ratio_of queue-open nginx-open)
r_post=$(ratio_of post-ticket raw)
p99_get_ms=$([ -n "$(over P99 get-ticket)" ] && calc "$(med P99 get-ticket) / 1000")
p99_search_ms=$([ -n "$(over P99 search)" ] && calc "$(med P99 search) / 1000")
p99_light_ms=$([ -n "$(over P99 search-light)" ] && calc "$(med P99 search-light) / 1000")
p99_nginx_ms=$(calc "$(med P99 nginx-ticket) / 1000")
rss_mb=$(calc "$rss_peak_kb / 1024")
group() { # NAME
	if [ "${GROUP_BATCHES[$1]:-0}" -gt 0 ]; then
		printf '%.1f' "$(calc "${GROUP_JOBS[$1]} / ${GROUP_BATCHES[$1]}")"
	else
		echo "-"
	fi
}

row() { # NAME LABEL
	local n=$1 ok="-" db="-" reqs
	if [ -z "$(over RPS "$n")" ]; then
		printf '| %s | crashed | - | - | - | - | - | - |\n' "$2"
		return 0
	fi
	reqs=$(sum REQS "$n")
	if [ -n "$(over OKS "$n")" ]; then
		ok=$(printf '%.0f%%' "$(calc "$reqs > 0 ? $(sum OKS "$n") * 100 / $reqs : 0")")
		db=$(printf '%.0f' "$(med DBT "$n")")
	fi
	printf '| %s | %.0f | %s | %s | %s/%s | %s | %.0f | %s |\n' "$2" "$(med RPS "$n")" \
		"$(fmt_us "$(med P50 "$n")")" "$(fmt_us "$(med P99 "$n")")" "$(sum ERRS "$n")" \
		"$(sum SERRS "$n")" "$ok" "$(med CPU "$n")" "$db"
}

if [ -n "$champion_given" ]; then
	tree="given with --champion"
else
	tree="built from source tree $(git -C "$bench_root" describe --always --dirty 2>/dev/null || echo "?")"
fi
sync=$("$champion" --db "$db" config 2>/dev/null | awk '$1 == "db.synchronous" && !f { print $3; f = 1 }')
cat <<EOF
## champion serve: $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -r)

- champion: $champion ($tree); $loops event loops + the writer thread, db.synchronous=$sync
- desk: $(basename "$src_db"), $(printf "%'d" "$max_id") as the largest ticket id, $((desk_bytes / 1048576)) MB ($desk_note$([ "$db" != "$src_db" ] && echo ", run on a copy"))
- nginx $("$(nginx_bin)" -v 2>&1 | sed 's,.*/,,'): $loops workers, static files of champion's sizes (ticket $ticket_bytes B = median of 31 random GETs, page $page_bytes B, open page $open_bytes B)
- wrk: $wrk_threads threads, $connections connections, ${warmup}s warm-up + ${duration}s measured per scenario, $repeat round(s) (medians shown), on the same $(nproc) cores as the servers
- mixed: $((100 - write_percent))% GET /api/v1/tickets/{id}, $write_percent% POST /api/v1/tickets/{id}/replies, random ids

| scenario | req/s | p50 | p99 | errors sock/status | 2xx | server CPU µs/req | /metrics db µs/req |
|---|---:|---:|---:|---:|---:|---:|---:|
EOF
row nginx-ticket "nginx, static ${ticket_bytes} B (ticket size)"
row nginx-page "nginx, static ${page_bytes} B (page size)"
row nginx-open "nginx, static ${open_bytes} B (open page size)"
row get-ticket "GET /api/v1/tickets/{id}, random id"
row queue-page "GET /api/v1/tickets?limit=50"
row queue-open "GET /api/v1/tickets?limit=50&status=open"
row post-ticket "POST /api/v1/tickets"
row mixed "mixed $((100 - write_percent))/$write_percent GET ticket / POST reply"
row search "GET /api/v1/search?q=..., 12 queries (bench/wrk/search.lua)"
row search-light "the same search at $search_connections connections"
printf '| raw SQLite INSERT, 1 row/commit, WAL + FULL (%.0f rows) | %.0f | %s | %s | - | - | - | - |\n' \
	"$(median "${RAW_ROWS[@]}")" "$(median "${RAW_RPS[@]}")" "$(fmt_us "$(median "${RAW_P50[@]}")")" \
	"$(fmt_us "$(median "${RAW_P99[@]}")")"
cat <<EOF

| target | measured | goal | |
|---|---:|---:|---|
| GET ticket / nginx same-size file | $(num "$r_get")$(rounds_of get-ticket nginx-ticket) | ≥ 0.40 | $(verdict "$r_get" '>=' 0.4) |
| queue page / nginx same-size file | $(num "$r_page")$(rounds_of queue-page nginx-page) | ≥ 0.20 | $(verdict "$r_page" '>=' 0.2) |
| queue page status=open / nginx same-size file | $(num "$r_open")$(rounds_of queue-open nginx-open) | ≥ 0.20 | $(verdict "$r_open" '>=' 0.2) |
| POST ticket / raw one-row FULL commits | $(num "$r_post")$(rounds_of post-ticket raw) | ≥ 1.00 | $(verdict "$r_post" '>=' 1.0) |
| GET ticket p99 at $connections connections (nginx, same size: $(printf '%.2f' "$p99_nginx_ms") ms) | $(num "$p99_get_ms") ms | < 10 ms | $(verdict "$p99_get_ms" '<' 10) |
| search p99 at $search_connections connections (at $connections: $(num "$p99_search_ms") ms) | $(num "$p99_light_ms") ms | < 50 ms | $(verdict "$p99_light_ms" '<' 50) |
| server peak RSS (VmHWM) | $(printf '%.1f' "$rss_mb") MB | < 64 MB | $(verdict "$rss_mb" '<' 64) |

Writer group size (champion_writer_jobs_total / champion_writer_batches_total):
$(group post-ticket) during POST ticket, $(group mixed) during mixed. Server RSS at the end: $((rss_now_kb / 1024)) MB.
Ratios are medians of per-round ratios; each baseline ran right before its
scenario. "errors sock/status": wrk's socket errors / answers >= 400; a server
that closes a connection after its answer shows as read errors. "2xx": 2xx
answers counted by /metrics over requests counted by wrk. "server CPU": user +
system time of the server process (nginx: master and workers) per request.
"/metrics db": champion_db_seconds_total per request: the time the loops' and
the writer's connections spent running statements.
EOF
if [ ${#CRASHES[@]} -gt 0 ]; then
	printf '\n**champion serve crashed %d time(s)** and was restarted; those rounds are left out:\n' \
		"${#CRASHES[@]}"
	printf -- '- %s\n' "${CRASHES[@]}"
	printf 'Its stderr: %s. Peak RSS is the largest VmHWM of its processes, sampled after each scenario.\n' \
		"$([ -n "$keep" ] && echo "$tmp/serve.err" || echo "rerun with --keep to keep it")"
fi
if [ -n "$perf" ]; then
	for n in get-ticket queue-page queue-open post-ticket mixed search search-light; do
		[ -s "$tmp/perf-$n.txt" ] || continue
		printf '\nperf, %s (self time by library, then by symbol):\n```\n' "$n"
		head -40 "$tmp/perf-$n.txt"
		printf '```\n'
	done
fi
