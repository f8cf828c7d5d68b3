# bench/lib.sh - helpers shared by the benchmark scripts (sourced, not run).
#
# Bash only. Nothing here starts a server or leaves anything behind; the
# scripts that source it own their processes and their temporary files.

# shellcheck disable=SC2034 # for the scripts that source this file
bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

say() { printf '%s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# need_debs PKG... - installs the Debian packages that dpkg says are missing,
# as scripts/setup-deps does: 'apt-get update' only when something is missing,
# root or sudo only then. Never starts a service: a package's post-install
# 'invoke-rc.d start' (nginx's, for one) is refused while we install, unless
# the machine already has its own policy.
need_debs() {
	local p status missing="" sudo="" policy=/usr/sbin/policy-rc.d made_policy=""
	for p in "$@"; do
		status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
		case "$status" in
		*"install ok installed"*) ;;
		*) missing="$missing $p" ;;
		esac
	done
	[ -z "$missing" ] && return 0
	say "bench: installing Debian packages:$missing"
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null 2>&1 || die "missing packages:$missing; run as root to install them"
		sudo="sudo"
	fi
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
		$sudo chmod 755 "$policy"
		made_policy=1
	fi
	# shellcheck disable=SC2086
	if ! { DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
			$missing >/dev/null; }; then
		[ -n "$made_policy" ] && $sudo rm -f "$policy"
		die "could not install:$missing"
	fi
	[ -n "$made_policy" ] && $sudo rm -f "$policy"
	return 0
}

# need_nginx - an nginx binary from any of Debian's nginx packages, else nginx-light.
need_nginx() {
	command -v nginx >/dev/null 2>&1 && return 0
	[ -x /usr/sbin/nginx ] && return 0
	need_debs nginx-light
}

nginx_bin() { command -v nginx 2>/dev/null || echo /usr/sbin/nginx; }

# free_port - a TCP port on 127.0.0.1 that nobody listens on right now.
free_port() {
	python3 - <<'EOF'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

# wait_http URL SECONDS PID - waits for URL to answer 2xx while PID lives.
wait_http() {
	local url=$1 secs=$2 pid=$3 i
	for ((i = 0; i < secs * 10; i++)); do
		curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# stop_pid PID NAME [SECONDS] - SIGTERM, wait, SIGKILL if it will not go.
stop_pid() {
	local pid=$1 name=$2 secs=${3:-15} i
	[ -n "$pid" ] || return 0
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < secs * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
		sleep 0.1
	done
	say "bench: $name (pid $pid) did not stop in ${secs}s; killing it"
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# cpu_ticks PID... - user+system clock ticks used so far by these processes
# (all their threads), and by their direct children (nginx's workers).
cpu_ticks() {
	local pids=" $* " f line total=0 pid ppid ut st
	for f in /proc/[0-9]*/stat; do
		line=$(cat "$f" 2>/dev/null) || continue
		pid=${line%% *}
		line=${line##*) } # past "(comm) "
		read -r _ ppid _ _ _ _ _ _ _ _ _ ut st _ <<<"$line"
		case "$pids" in
		*" $pid "* | *" $ppid "*) total=$((total + ut + st)) ;;
		esac
	done
	echo "$total"
}

# metric NAME - a value from the Prometheus text in $metrics_text.
# shellcheck disable=SC2154 # metrics_text: set by the sourcing script
metric() {
	awk -v n="$1" '$1 == n { print $2; exit }' <<<"$metrics_text"
}

# fmt_us MICROSECONDS - "0.84 ms", "12.3 ms", "1.20 s".
fmt_us() {
	awk -v u="$1" 'BEGIN {
		if (u == "" || u == "-") { print "-"; exit }
		if (u < 10000) printf "%.2f ms\n", u / 1000;
		else if (u < 1000000) printf "%.1f ms\n", u / 1000;
		else printf "%.2f s\n", u / 1000000 }'
}

# calc EXPR - floating-point arithmetic through awk.
calc() { awk "BEGIN { print ($*) }"; }

# bench_champion [PATH]: the binary to measure, as an absolute path: PATH, or
# (none given) a release build of this tree in build-bench/, made with the
# project's own set-up.
bench_champion() {
	local champion=$1 bdir
	if [ -z "$champion" ]; then
		"$bench_root/scripts/setup-deps" >&2
		bdir="$bench_root/build-bench"
		if [ ! -f "$bdir/build.ninja" ]; then
			say "bench: configuring a release build in $bdir"
			meson setup "$bdir" "$bench_root" --buildtype=release >/dev/null
		fi
		say "bench: building $bdir"
		ninja -C "$bdir" champion champion-serve >/dev/null
		champion="$bdir/champion"
	fi
	[ -x "$champion" ] || die "no champion binary at '$champion'"
	echo "$(cd "$(dirname "$champion")" && pwd)/$(basename "$champion")"
}

# Only this run's settings: no CHAMPION_* from the caller's environment (say,
# CHAMPION_DB_SYNCHRONOUS=off).
bench_own_settings() {
	local v
	for v in $(env | sed -n 's/^\(CHAMPION_[A-Z_]*\)=.*/\1/p'); do
		unset "$v"
	done
}

# bench_abs_path FILE: FILE as an absolute path, its directory made; "" stays "".
bench_abs_path() {
	[ -n "$1" ] || return 0
	mkdir -p "$(dirname "$1")"
	echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
}
