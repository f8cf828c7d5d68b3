# lib.sh - what the black-box HTTP tests share. Source it from a test script.
#
# Each script runs in a fresh temporary directory (removed on exit) with no
# CHAMPION_* variables but CHAMPION (the binary). Servers listen on
# 127.0.0.1 only, on a port the kernel just handed out, and are always
# stopped by their PID (SIGTERM; SIGKILL only after 15 s) when the script
# ends, however it ends.
#
#   ch ARGS...           runs "$CHAMPION" --db "$DB" ARGS (OUT, ERR, STATUS);
#                        fails on a crash or a sanitizer report
#   make_token EMAIL     a new token for EMAIL in TOKEN (TOKEN_ID: its id)
#   start_server [GLOBAL ARGS...]  starts `serve` on a free port with 2
#                        loops and waits (10 s at most) for /readyz; sets
#                        SRV_PID, SRV_ERR (its stderr), PORT, URL
#   stop_server [STATUS] SIGTERM, waits (15 s at most), expects exit STATUS
#                        (default 0) and no sanitizer report
#   req METHOD PATH [CURL ARGS...]  one request to $URL; sets CODE, BODY,
#                        HDRS, RID (X-Request-Id), CURL_RC
#   api METHOD PATH TOKEN [JSON [CURL ARGS...]]  the same, with the token
#                        (none when empty) and a JSON body when given
#   hdr NAME             a header of the last response
#   jb EXPR              a Python expression over j, the last body as JSON
#   expect_status N, expect_problem N [CODE], assert_eq, assert_contains,
#   assert_not_contains, assert_match, assert_true COND-EXPR WHAT
#   sql QUERY            the desk's answer (sqlite3 CLI, or psql on PostgreSQL)
#   finish               checks every server's stderr for sanitizer
#                        reports, prints "N passed, 0 failed"
#
# The first failed assertion prints what was asked, what was expected and
# what came, then exits 1. With HTTP_TESTS_KEEP_GOING=1 failures are
# counted and the script goes on (to see every problem at once); it still
# exits 1 at the end.

# Variables set here are read by the scripts that source it:
# shellcheck disable=SC2034
set -u

: "${CHAMPION:?CHAMPION must name the champion binary}"
case "$CHAMPION" in
/*) ;;
*) CHAMPION="$PWD/$CHAMPION" ;;
esac
[ -x "$CHAMPION" ] || {
	echo "lib.sh: '$CHAMPION' is not an executable" >&2
	exit 1
}
SQLITE3=${SQLITE3:-$(command -v sqlite3 || true)}
for tool in curl python3 "$SQLITE3"; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "lib.sh: the '$tool' tool is needed" >&2
		exit 1
	}
done

# python3 without site (pyenv shims and .pth files cost a second on a busy machine).
PYBIN=$(python3 -c 'import sys; print(sys.executable)') || exit 1
# py ARGS...: the test's Python. In the background, run "$PYBIN" -S itself:
# $! of a function is its subshell's, and reaping that leaves Python alive,
# holding the test's output open (meson then waits for it).
py()
{
	"$PYBIN" -S "$@"
}

# CHAMPION_TEST_BACKEND=postgresql: the desk lives in a throwaway
# PostgreSQL cluster of the test's own (tests/pg/cluster.sh) instead of a
# file; DB is then its URL, sql speaks psql, and attachments go to
# $TMP/files (a desk at a URL must be told where).
TEST_BACKEND=${CHAMPION_TEST_BACKEND:-sqlite}
for v in $(env | sed -n 's/^\(CHAMPION_[A-Z_]*\)=.*/\1/p'); do
	unset "$v"
done
# Sanitizer builds: report leaks, stop at the first error. libh2o's own
# per-thread caches are not ours to free (lsan.supp says which).
HTTP_TESTS_DIR=$(cd "${BASH_SOURCE[0]%/*}" && pwd)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$HTTP_TESTS_DIR/lsan.supp:print_suppressions=0}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/champion-http.XXXXXX") || exit 1
cd "$TMP" || exit 1
DB=$TMP/d.db
if [ "$TEST_BACKEND" = postgresql ]; then
	. "$HTTP_TESTS_DIR/../pg/cluster.sh"
	pg_start || {
		rm -rf "$TMP"
		exit 1
	}
	DB=$(pg_createdb desk) || {
		pg_stop
		rm -rf "$TMP"
		exit 1
	}
	export CHAMPION_ATTACHMENTS_DIR=$TMP/files
fi
PASSED=0
FAILED=0
OUT='' ERR='' STATUS=0 LAST_CMD=''
CODE='' BODY='' HDRS='' RID='' CURL_RC=0 LAST_REQ=''
SRV_PID='' SRV_ERR='' PORT='' URL=''
ALL_PIDS=()
ALL_ERRS=()
NSERVERS=0
: >"$TMP/request-ids"

# alive PID: the process exists and is not a zombie.
alive()
{
	local st
	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# reap PID: SIGTERM, 15 s, SIGKILL; REAPED is the exit status ("killed" if SIGKILLed).
# Not in a subshell: only the parent shell can wait for its child.
REAPED=''
reap()
{
	local pid=$1 i
	if alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null
		for ((i = 0; i < 150; i++)); do
			alive "$pid" || break
			sleep 0.1
		done
		if alive "$pid"; then
			kill -KILL "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			REAPED=killed
			return
		fi
	fi
	wait "$pid" 2>/dev/null
	REAPED=$?
}

cleanup()
{
	local pid
	for pid in "${ALL_PIDS[@]}"; do
		alive "$pid" && reap "$pid"
	done
	cd /
	[ "$TEST_BACKEND" = postgresql ] && pg_stop
	if [ "$FAILED" -gt 0 ] && [ -n "${HTTP_TESTS_KEEP_TMP:-}" ]; then
		echo "kept $TMP" >&2
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Where in the test script an assertion was called from.
where()
{
	local i=1
	while [ "${BASH_SOURCE[$i]:-}" = "${BASH_SOURCE[0]}" ]; do
		i=$((i + 1))
	done
	echo "${BASH_SOURCE[$i]##*/}:${BASH_LINENO[$((i - 1))]}"
}

fail()
{
	FAILED=$((FAILED + 1))
	# In a $(...) subshell: leave a mark for the script itself to see.
	[ "$BASHPID" = "$$" ] || echo x >>"$TMP/.subfail"
	{
		echo "FAIL at $(where): $1"
		if [ -n "$LAST_REQ" ]; then
			echo "  last request: $LAST_REQ"
			echo "  status: $CODE (curl exit $CURL_RC)"
			printf '  body: %s\n' "$(printf '%s' "$BODY" | head -c 1500)"
		fi
		if [ -n "$LAST_CMD" ]; then
			echo "  last command: $LAST_CMD (exit $STATUS)"
			printf '  stderr: %s\n' "$(printf '%s' "$ERR" | head -c 1500)"
		fi
	} >&2
	if [ "${HTTP_TESTS_KEEP_GOING:-}" = 1 ]; then
		return 0
	fi
	[ "$BASHPID" = "$$" ] && echo "$PASSED passed, 1 failed" >&2
	exit 1
}

# A failure inside a $(...) subshell counts for the script too.
check_subfail()
{
	[ -s "$TMP/.subfail" ] || return 0
	FAILED=$((FAILED + $(wc -l <"$TMP/.subfail")))
	: >"$TMP/.subfail"
	if [ "${HTTP_TESTS_KEEP_GOING:-}" != 1 ]; then
		echo "$PASSED passed, $FAILED failed" >&2
		exit 1
	fi
}

pass()
{
	check_subfail
	PASSED=$((PASSED + 1))
}

sanitizer_check()
{
	# $1: file, $2: what
	if grep -q -e 'Sanitizer' -e 'runtime error' "$1" 2>/dev/null; then
		fail "a sanitizer reported an error in $2:
$(grep -m 40 -A 30 -e 'Sanitizer' -e 'runtime error' "$1" | head -60)"
		return 1
	fi
	return 0
}

# --- the CLI -----------------------------------------------------------------------

ch()
{
	LAST_CMD="champion --db d.db $*"
	LAST_REQ=''
	"$CHAMPION" --db "$DB" "$@" </dev/null >"$TMP/.out" 2>"$TMP/.err"
	STATUS=$?
	OUT=$(cat "$TMP/.out")
	ERR=$(cat "$TMP/.err")
	sanitizer_check "$TMP/.err" "'$LAST_CMD'"
	[ "$STATUS" -lt 128 ] || fail "'$LAST_CMD' died of signal $((STATUS - 128))"
	return 0
}

# ch_ok ARGS...: a command that must succeed.
ch_ok()
{
	ch "$@"
	[ "$STATUS" = 0 ] || fail "expected '$LAST_CMD' to succeed"
	pass
}

# make_token EMAIL: TOKEN is a new token for EMAIL, TOKEN_ID its id (not in a subshell).
TOKEN='' TOKEN_ID=''
make_token()
{
	"$CHAMPION" --db "$DB" token create --user "$1" </dev/null >"$TMP/.tok" 2>"$TMP/.tokerr" ||
		{
			ERR=$(cat "$TMP/.tokerr")
			fail "champion token create --user $1 failed: $ERR"
		}
	sanitizer_check "$TMP/.tokerr" "token create"
	TOKEN_ID=$(sed -n 's/^token #\([0-9]*\) .*/\1/p' "$TMP/.tokerr")
	TOKEN=$(cat "$TMP/.tok")
	if [ -z "$TOKEN" ] || [ -z "$TOKEN_ID" ]; then
		fail "champion token create --user $1 printed no token"
	fi
}

# --- servers -----------------------------------------------------------------------

free_port()
{
	py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# record_rid HEADERFILE: remembers the X-Request-Id the response carried.
record_rid()
{
	local id
	id=$(tr -d '\r' <"$1" | sed -n 's/^[Xx]-[Rr]equest-[Ii]d: *//p' | tail -1)
	[ -n "$id" ] && echo "$id" >>"$TMP/request-ids"
	RID=$id
}

# start_server [GLOBAL ARGS...]: serve the desk $DB on a free port; waits for /readyz.
# glibc keeps no stacks of ended threads for reuse: memory a thread left
# behind (h2o's per-thread buffer pools live in its TLS, at its stack's
# top) is unmapped when it ends, so a use after its end crashes the test
# instead of reading what happens to be still there.
start_server()
{
	local t0 code
	LAST_CMD='' LAST_REQ=''
	for _ in 1 2 3; do
		PORT=$(free_port)
		URL=http://127.0.0.1:$PORT
		NSERVERS=$((NSERVERS + 1))
		SRV_ERR=$TMP/server.$NSERVERS.err
		ALL_ERRS+=("$SRV_ERR")
		GLIBC_TUNABLES=glibc.pthread.stack_cache_size=0 \
			"$CHAMPION" --db "$DB" "$@" serve --listen "127.0.0.1:$PORT" --threads 2 \
			</dev/null >"$TMP/server.$NSERVERS.out" 2>"$SRV_ERR" &
		SRV_PID=$!
		ALL_PIDS+=("$SRV_PID")
		t0=$(date +%s%N)
		while (($(date +%s%N) - t0 < 10000000000)); do
			if ! alive "$SRV_PID"; then
				break
			fi
			code=$(curl -s -o /dev/null -D "$TMP/.poll" -w '%{http_code}' --max-time 1 \
				"$URL/readyz" 2>/dev/null)
			[ "$code" != 000 ] && record_rid "$TMP/.poll"
			[ "$code" = 200 ] && return 0
			sleep 0.05
		done
		if alive "$SRV_PID"; then
			reap "$SRV_PID"
			fail "the server on $URL was not ready within 10 s; its stderr: $(head -c 2000 "$SRV_ERR")"
			return 1
		fi
		wait "$SRV_PID"
		code=$?
		sanitizer_check "$SRV_ERR" "the server"
		# Someone took the port in between: try another.
		grep -q 'cannot listen' "$SRV_ERR" && continue
		fail "the server exited with status $code before it was ready; its stderr: $(head -c 2000 "$SRV_ERR")"
		return 1
	done
	fail "no free port after 3 tries"
}

# stop_server [EXPECTED STATUS]: SIGTERM, at most 15 s, then the exit status.
SRV_EXIT=''
stop_server()
{
	local want=${1:-0} t0
	LAST_CMD='' LAST_REQ=''
	t0=$(date +%s%N)
	reap "$SRV_PID"
	SRV_EXIT=$REAPED
	STOP_MS=$((($(date +%s%N) - t0) / 1000000))
	sanitizer_check "$SRV_ERR" "the server's stderr"
	[ "$SRV_EXIT" != killed ] ||
		fail "the server (pid $SRV_PID) did not exit within 15 s of SIGTERM: killed it"
	[ "$SRV_EXIT" = "$want" ] ||
		fail "the server exited with status $SRV_EXIT after SIGTERM, expected $want; its stderr ends: $(tail -c 2000 "$SRV_ERR")"
	pass
}

# --- requests ----------------------------------------------------------------------

# req METHOD PATH [CURL ARGS...]
req()
{
	local method=$1 path=$2
	shift 2
	LAST_CMD=''
	LAST_REQ="$method $URL$path"
	[ $# -gt 0 ] && LAST_REQ="$LAST_REQ (curl $(printf '%q ' "$@" | head -c 400))"
	rm -f "$TMP/.body" "$TMP/.hdrs"
	CODE=$(curl -sS -X "$method" --max-time 20 -o "$TMP/.body" -D "$TMP/.hdrs" \
		-w '%{http_code}' "$@" "$URL$path" 2>"$TMP/.curlerr")
	CURL_RC=$?
	BODY=$(head -c 200000 "$TMP/.body" 2>/dev/null | tr -d '\0')
	HDRS=$(tr -d '\r' <"$TMP/.hdrs" 2>/dev/null)
	record_rid "$TMP/.hdrs"
	return 0
}

# api METHOD PATH TOKEN [JSON [CURL ARGS...]]
api()
{
	local method=$1 path=$2 token=$3 auth=()
	shift 3
	[ -n "$token" ] && auth=(-H "Authorization: Bearer $token")
	if [ $# -gt 0 ]; then
		local json=$1
		shift
		printf '%s' "$json" >"$TMP/.req"
		req "$method" "$path" "${auth[@]}" -H 'Content-Type: application/json' \
			--data-binary "@$TMP/.req" "$@"
		LAST_REQ="$LAST_REQ body: $(printf '%s' "$json" | head -c 300)"
	else
		req "$method" "$path" "${auth[@]}"
	fi
}

# hdr NAME: the last response's header NAME (case-insensitive), or nothing.
hdr()
{
	printf '%s\n' "$HDRS" | awk -v n="$(echo "$1" | tr 'A-Z' 'a-z')" '
		{ i = index($0, ":"); if (i && tolower(substr($0, 1, i - 1)) == n) {
			v = substr($0, i + 1); sub(/^ */, "", v); print v } }' | tail -1
}

# jb EXPR: EXPR over j (the last body as JSON): lists and objects as JSON, else as Python prints.
jb()
{
	printf '%s' "$BODY" | py -c '
import json, sys
j = json.load(sys.stdin)
r = eval(sys.argv[1])
print(json.dumps(r) if isinstance(r, (dict, list)) else r)
' "$1" 2>"$TMP/.pyerr" || {
		fail "the body is not JSON, or '$1' failed on it: $(head -c 300 "$TMP/.pyerr")"
		echo "?"
	}
}

expect_status()
{
	[ "$CODE" = "$1" ] || {
		fail "expected HTTP status $1, got $CODE${2:+ ($2)}"
		return
	}
	pass
}

# expect_problem STATUS [CODE]: an RFC 7807 body with type, title, status, detail, code.
expect_problem()
{
	expect_status "$1" "${3:-}"
	local ct
	ct=$(hdr content-type)
	case "$ct" in
	application/problem+json*) pass ;;
	*) fail "expected Content-Type application/problem+json with the $1, got '$ct'" ;;
	esac
	local check
	check=$(printf '%s' "$BODY" | py -c '
import json, sys
want, code = int(sys.argv[1]), sys.argv[2]
try:
    j = json.loads(sys.stdin.read())
except Exception as e:
    print("not JSON: %s" % e); sys.exit()
if not isinstance(j, dict):
    print("not an object"); sys.exit()
for k in ("type", "title", "detail", "code"):
    if not isinstance(j.get(k), str) or not j[k]:
        print("no string member %r" % k); sys.exit()
if j.get("status") != want:
    print("status member is %r, not %d" % (j.get("status"), want)); sys.exit()
if code and j["code"] != code:
    print("code is %r, not %r" % (j["code"], code)); sys.exit()
print("ok")
' "$1" "${2:-}" 2>&1)
	[ "$check" = ok ] || {
		fail "the $1 body is not the expected problem+json: $check"
		return
	}
	pass
}

assert_eq()
{
	[ "$1" = "$2" ] || {
		fail "expected ${3:-value} to be '$1', got '$2'"
		return
	}
	pass
}

assert_contains()
{
	case "$1" in
	*"$2"*) pass ;;
	*) fail "expected ${3:-the text} to contain '$2'; it was: '$(printf '%s' "$1" | head -c 1500)'" ;;
	esac
}

assert_not_contains()
{
	case "$1" in
	*"$2"*) fail "expected ${3:-the text} not to contain '$2'; it was: '$(printf '%s' "$1" | head -c 1500)'" ;;
	*) pass ;;
	esac
}

assert_match()
{
	[[ $1 =~ $2 ]] || {
		fail "expected ${3:-the text} to match /$2/; it was: '$(printf '%s' "$1" | head -c 1500)'"
		return
	}
	pass
}

# assert_true PYTHON-EXPR WHAT: the expression (over j, the last body) is true.
assert_true()
{
	local r
	r=$(jb "bool($1)")
	[ "$r" = True ] || {
		fail "expected $2 ($1)"
		return
	}
	pass
}

sql()
{
	if [ "$TEST_BACKEND" = postgresql ]; then
		psql -X -q -A -t -v ON_ERROR_STOP=1 "$DB" -c "$1" 2>"$TMP/.sqlerr" ||
			fail "psql failed on: $1: $(cat "$TMP/.sqlerr")"
		return
	fi
	"$SQLITE3" -batch -noheader "$DB" "$1" 2>"$TMP/.sqlerr" ||
		fail "sqlite3 failed on: $1: $(cat "$TMP/.sqlerr")"
}

# The server still answers /healthz, and the desk holds N tickets.
expect_alive()
{
	local saved_req=$LAST_REQ
	req GET /healthz
	[ "$CODE" = 200 ] || fail "the server no longer answers /healthz (${1:-}) after: $saved_req"
	pass
}

finish()
{
	local f
	check_subfail
	for f in "${ALL_ERRS[@]}"; do
		sanitizer_check "$f" "server log ${f##*/}"
	done
	if [ "$FAILED" -gt 0 ]; then
		echo "$PASSED passed, $FAILED failed" >&2
		exit 1
	fi
	echo "$PASSED passed, 0 failed"
	exit 0
}
