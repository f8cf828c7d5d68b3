#!/usr/bin/env bash
# bench/pg.sh - champion serve on PostgreSQL, one and two instances, next to pgbench.
#
#   bench/pg.sh [--tickets N] [--db FILE] [options]
#
# Builds (or reuses) a demo desk on SQLite, starts a throwaway PostgreSQL
# cluster (Debian's postgresql, initdb in a temporary directory, 127.0.0.1 on
# a free port, fsync and synchronous_commit on: an acknowledged write is
# durable, as SQLite's FULL is), moves the desk into it with
# 'champion migrate-store' (timed), then drives 'champion serve' on it with
# wrk: first one instance with one event loop per core, then two instances
# sharing the port (SO_REUSEPORT: the kernel spreads connections over both)
# with the same number of loops in all. Right before each round of the
# scenarios, pgbench measures PostgreSQL itself on the same cluster: its
# select-only run (-S, one primary-key SELECT per transaction) is the
# baseline of the reads, its simple-update run (-N, three UPDATE/INSERT per
# durable transaction) the baseline of the writes.
#
# Prints a Markdown report on standard output (progress on standard error):
# requests/s, p50/p99 per scenario and instance count, the ratios against
# pgbench, peak RSS of each server, and migrate-store's rows/s. A script to
# run by hand, not a test. Everything listens on 127.0.0.1 only; every run is
# bounded in time; the servers and the cluster it starts are stopped by PID.
#
# Options:
#   --tickets N        demo desk size when the desk is built (default 100000)
#   --db FILE          the SQLite desk to move: reused if it exists, else built
#                      there and kept; default: a temporary desk
#   --champion PATH    the binary; default: a release build in build-bench/
#   --duration S       seconds of each measured wrk or pgbench run (default 10)
#   --warmup S         seconds of the unmeasured wrk run before each (default 3)
#   --connections C    wrk connections and pgbench clients (default 32)
#   --search-connections C
#                      connections of the search run (default 4)
#   --wrk-threads T    wrk threads and pgbench threads (default 2)
#   --write-percent P  writes in the mixed profile (default 10)
#   --repeat R         rounds; medians are reported (default 1)
#   --keep             keep the temporary directory (logs, wrk output)
set -Eeuo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"

usage() { sed -n '3,/^set -E/{/^set -E/d;s/^# \{0,1\}//;p}' "$0"; }

tickets=100000
db=""
champion=""
duration=10
warmup=3
connections=32
search_connections=4
wrk_threads=2
write_percent=10
repeat=1
keep=""

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
	--write-percent) write_percent=$2; shift 2 ;;
	--repeat) repeat=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; die "unknown argument '$1'" ;;
	esac
done
for v in tickets duration warmup connections search_connections wrk_threads write_percent repeat; do
	[[ ${!v} =~ ^[0-9]+$ ]] || die "--${v//_/-} wants a whole number, not '${!v}'"
done
[ "$tickets" -ge 1 ] && [ "$duration" -ge 1 ] && [ "$connections" -ge "$wrk_threads" ] &&
	[ "$wrk_threads" -ge 1 ] && [ "$repeat" -ge 1 ] && [ "$connections" -le 150 ] ||
	die "--tickets, --duration, --wrk-threads, --repeat at least 1; connections between threads and 150"

need_debs wrk curl postgresql procps coreutils sqlite3
champion_given=$champion
champion=$(bench_champion "$champion")
bench_own_settings

tmp=$(mktemp -d "${TMPDIR:-/tmp}/champion-bench-pg.XXXXXX")
serve_pids=()
# shellcheck source=tests/pg/cluster.sh
. "$bench_root/tests/pg/cluster.sh"

cleanup() {
	local rc=$? p
	trap - EXIT INT TERM ERR
	set +e
	for p in "${serve_pids[@]}"; do stop_pid "$p" "champion serve" 30; done
	pg_stop
	if [ -n "$keep" ]; then say "bench: kept $tmp"; else rm -rf "$tmp"; fi
	exit "$rc"
}
trap cleanup EXIT
trap 'say "bench: failed at line $LINENO: $BASH_COMMAND"' ERR
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the desk, moved into PostgreSQL -----------------------------------------

db=$(bench_abs_path "$db")
cd "$tmp"
src_db=${db:-$tmp/desk.db}
if [ -f "$src_db" ]; then
	say "bench: reusing the desk $src_db"
else
	say "bench: building a demo desk of $tickets tickets in $src_db"
	"$champion" --db "$src_db" demo --tickets "$tickets" >"$tmp/demo.txt" 2>"$tmp/demo.err" ||
		{ cat "$tmp/demo.err" >&2; die "champion demo failed"; }
fi

say "bench: starting PostgreSQL (fsync on)"
PG_FSYNC=on PG_OPTS="-c shared_buffers=256MB -c max_wal_size=2GB" pg_start || die "PostgreSQL did not start"
pg_version=$("$PG_BIN/postgres" --version | awk '{ print $3 }')
url=$(pg_createdb desk)
files="$tmp/files"
desk=(--db "$url" --set "attachments.dir=$files")

say "bench: champion migrate-store into $url"
t0=$(date +%s.%N)
"$champion" migrate-store --from "$src_db" --to "$url" --to-files "$files" --quiet \
	>"$tmp/migrate.txt" 2>"$tmp/migrate.err" || { cat "$tmp/migrate.err" >&2; die "migrate-store failed"; }
migrate_s=$(calc "$(date +%s.%N) - $t0")
migrate_rows=$(awk '$NF == "same" { n += $2 } END { print n + 0 }' "$tmp/migrate.txt")
migrate_tables=$(grep -c ' same$' "$tmp/migrate.txt")
sqlite_mb=$(($(stat -c %s "$src_db") / 1048576))
pg_mb=$("$PG_BIN/psql" "$url" -X -At -c "SELECT pg_database_size(current_database()) / 1048576")

agent=$("$champion" "${desk[@]}" user list 2>/dev/null |
	awk '$2 == "agent" && $3 == "yes" && !found { print $4; found = 1 }')
[ -n "$agent" ] || die "the desk has no active agent (is it a 'champion demo' desk?)"
token=$("$champion" "${desk[@]}" token create --user "$agent" --name "bench/pg.sh" 2>/dev/null) ||
	die "could not create a token"
auth="Authorization: Bearer $token"
max_id=$("$PG_BIN/psql" "$url" -X -At -c "SELECT max(id) FROM tickets")

say "bench: pgbench -i (scale 10)"
pgb_url=$(pg_createdb pgbench)
"$PG_BIN/pgbench" -i -q -s 10 "$pgb_url" >"$tmp/pgbench-init.txt" 2>&1 ||
	{ cat "$tmp/pgbench-init.txt" >&2; die "pgbench -i failed"; }

# --- servers -------------------------------------------------------------------

port=$(free_port)
base="http://127.0.0.1:$port"
declare -A RSS_KB

# start_servers N LOOPS: N instances of champion serve on one port, LOOPS loops each.
start_servers() {
	local n=$1 loops=$2 i
	for ((i = 1; i <= n; i++)); do
		say "bench: starting champion serve $i of $n ($loops loops) on 127.0.0.1:$port"
		"$champion" "${desk[@]}" serve --listen "127.0.0.1:$port" --threads "$loops" \
			>>"$tmp/serve-$n.$i.out" 2>>"$tmp/serve-$n.$i.err" &
		serve_pids+=($!)
		local t
		for t in $(seq 300); do
			grep -q 'serving' "$tmp/serve-$n.$i.err" 2>/dev/null && break
			kill -0 "${serve_pids[-1]}" 2>/dev/null || { cat "$tmp/serve-$n.$i.err" >&2; die "champion serve $i exited"; }
			sleep 0.1
		done
	done
	wait_http "$base/readyz" 30 "${serve_pids[0]}" || die "champion serve did not become ready"
}
stop_servers() {
	local p
	for p in "${serve_pids[@]}"; do stop_pid "$p" "champion serve" 30; done
	serve_pids=()
}
sample_rss() { # KEY
	local p kb
	for p in "${serve_pids[@]}"; do
		kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status" 2>/dev/null) || kb=0
		[ "${kb:-0}" -gt "${RSS_KB[$1]:-0}" ] && RSS_KB[$1]=$kb
	done
	return 0
}

# --- runs ----------------------------------------------------------------------

declare -A RPS P50 P99 ERRS
# run_wrk KEY URL SCRIPT [ARGS...] - a warm-up, then the measured run.
run_wrk() {
	local key=$1 url=$2 script=$3 conns=${BENCH_CONNECTIONS:-$connections} threads=$wrk_threads
	shift 3
	local args=() out="$tmp/wrk-$key.txt" line requests rps p50_us p99_us errors status_errors
	[ $# -gt 0 ] && args=(-- "$@")
	[ "$threads" -gt "$conns" ] && threads=$conns
	say "bench: $key"
	if [ "$warmup" -gt 0 ]; then
		timeout $((warmup + 30)) wrk -t "$threads" -c "$conns" -d "${warmup}s" -H "$auth" \
			-s "$here/wrk/$script" "$url" "${args[@]}" >/dev/null 2>&1 || true
	fi
	timeout $((duration + 60)) wrk -t "$threads" -c "$conns" -d "${duration}s" --latency \
		--timeout 10s -H "$auth" -s "$here/wrk/$script" "$url" "${args[@]}" >"$out" 2>&1 ||
		{ cat "$out" >&2; die "wrk failed in $key"; }
	line=$(grep '^BENCH ' "$out" | tail -1) || { cat "$out" >&2; die "no BENCH line in $key"; }
	eval "$(tr ' ' '\n' <<<"${line#BENCH }" | grep -E '^[a-z0-9_]+=[0-9.]+$')"
	RPS[$key]=$rps P50[$key]=$p50_us P99[$key]=$p99_us ERRS[$key]="$errors/$status_errors"
}
# run_pgbench KEY MODE(-S|-N)
run_pgbench() {
	local out="$tmp/pgbench-$1.txt"
	say "bench: $1 (pgbench $2)"
	timeout $((duration + 60)) "$PG_BIN/pgbench" "$2" -n -c "$connections" -j "$wrk_threads" \
		-T "$duration" "$pgb_url" >"$out" 2>&1 || { cat "$out" >&2; die "pgbench $2 failed"; }
	RPS[$1]=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$out" | head -1)
	P50[$1]=$(calc "$(sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p' "$out") * 1000")
	P99[$1]=""
	ERRS[$1]="-"
}

scenarios() { # N: instances
	local n=$1
	run_pgbench "pgbench-select.$n.$round" -S
	run_wrk "get-ticket.$n.$round" "$base/" get_ticket.lua "$max_id"
	run_wrk "queue-page.$n.$round" "$base/api/v1/tickets?limit=50" report.lua
	BENCH_CONNECTIONS=$search_connections run_wrk "search.$n.$round" "$base/" search.lua
	run_pgbench "pgbench-update.$n.$round" -N
	run_wrk "post-ticket.$n.$round" "$base/" post_ticket.lua
	run_wrk "mixed.$n.$round" "$base/" mixed.lua "$max_id" "$write_percent"
	sample_rss "$n"
}

loops=$(nproc)
half=$(((loops + 1) / 2))
for ((round = 1; round <= repeat; round++)); do
	start_servers 1 "$loops"
	scenarios 1
	stop_servers
	start_servers 2 "$half"
	scenarios 2
	stop_servers
done

# --- the report ------------------------------------------------------------------

median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2];
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
med() { # ARRAY KEY (without the round)
	local -n arr=$1
	local r vals=()
	for ((r = 1; r <= repeat; r++)); do
		[ -n "${arr[$2.$r]:-}" ] && vals+=("${arr[$2.$r]}")
	done
	[ ${#vals[@]} -gt 0 ] && median "${vals[@]}"
	return 0
}
ratio() { # A B - median of the per-round ratios of req/s
	local r vals=()
	for ((r = 1; r <= repeat; r++)); do
		vals+=("$(calc "${RPS[$2.$r]} > 0 ? ${RPS[$1.$r]} / ${RPS[$2.$r]} : 0")")
	done
	printf '%.2f' "$(median "${vals[@]}")"
}
row() { # KEY LABEL
	printf '| %s | %.0f | %.0f | %s | %s | %s | %s |\n' "$2" "$(med RPS "$1.1")" "$(med RPS "$1.2")" \
		"$(fmt_us "$(med P50 "$1.1")")" "$(fmt_us "$(med P50 "$1.2")")" \
		"$(fmt_us "$(med P99 "$1.1")")" "$(fmt_us "$(med P99 "$1.2")")"
}
errs() { echo "${ERRS[$1.1.1]:-} ${ERRS[$1.2.1]:-}"; }
if [ -n "$champion_given" ]; then
	tree="given with --champion"
else
	tree="built from source tree $(git -C "$bench_root" describe --always --dirty 2>/dev/null || echo "?")"
fi
cat <<EOF
## champion serve on PostgreSQL: $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -r)

- champion: $champion ($tree)
- PostgreSQL $pg_version on 127.0.0.1, a throwaway cluster: fsync on, synchronous_commit on, shared_buffers 256MB
- desk: $(printf "%'d" "$max_id") tickets, moved from SQLite ($sqlite_mb MB) by champion migrate-store: $migrate_tables tables, $(printf "%'d" "$migrate_rows") rows in $(printf '%.1f' "$migrate_s") s ($(printf "%'.0f" "$(calc "$migrate_rows / $migrate_s")") rows/s, checked), $pg_mb MB in PostgreSQL
- one instance: $loops event loops; two instances: $half loops each, one port (SO_REUSEPORT)
- wrk and pgbench: $wrk_threads threads, $connections connections (search: $search_connections), ${duration}s measured, $repeat round(s) (medians), on the same $(nproc) cores as the servers and PostgreSQL
- pgbench scale 10: -S (select only) and -N (simple update), each run right before the scenarios compared with it

| scenario | req/s, 1 instance | req/s, 2 instances | p50, 1 | p50, 2 | p99, 1 | p99, 2 |
|---|---:|---:|---:|---:|---:|---:|
EOF
row pgbench-select "pgbench -S (tps; p50 column: average latency)"
row get-ticket "GET /api/v1/tickets/{id}, random id"
row queue-page "GET /api/v1/tickets?limit=50"
row search "GET /api/v1/search?q=... at $search_connections connections"
row pgbench-update "pgbench -N (tps; p50 column: average latency)"
row post-ticket "POST /api/v1/tickets"
row mixed "mixed $((100 - write_percent))/$write_percent GET ticket / POST reply"
cat <<EOF

| ratio | 1 instance | 2 instances |
|---|---:|---:|
| GET ticket / pgbench -S | $(ratio get-ticket.1 pgbench-select.1) | $(ratio get-ticket.2 pgbench-select.2) |
| queue page / pgbench -S | $(ratio queue-page.1 pgbench-select.1) | $(ratio queue-page.2 pgbench-select.2) |
| POST ticket / pgbench -N | $(ratio post-ticket.1 pgbench-update.1) | $(ratio post-ticket.2 pgbench-update.2) |
| mixed / pgbench -N | $(ratio mixed.1 pgbench-update.1) | $(ratio mixed.2 pgbench-update.2) |

Peak RSS (VmHWM) of a server: $(calc "${RSS_KB[1]:-0} / 1024" | xargs printf '%.1f') MB (one instance), $(calc "${RSS_KB[2]:-0} / 1024" | xargs printf '%.1f') MB (the larger of two).
Errors (socket/status) in the first round, 1 then 2 instances: GET $(errs get-ticket), POST $(errs post-ticket), mixed $(errs mixed).
EOF
