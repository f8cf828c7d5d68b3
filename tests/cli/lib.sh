# lib.sh - what the black-box CLI tests share. Source it from a test script.
#
# Each script runs in a fresh temporary directory (removed on exit) with a
# clean environment: no CHAMPION_* variables but CHAMPION (the binary) and a
# fixed clock, CHAMPION_NOW=2026-11-02T10:00:00Z.
#
#   run CMD...        runs CMD with stdin from /dev/null (or from $STDIN when
#                     set), capturing OUT, ERR and STATUS; fails the script
#                     when the program crashed (status >= 128) or a sanitizer
#                     spoke on stderr, whatever the test expects
#   ch ARGS...        run "$CHAMPION" ARGS...
#   run_stdin TEXT CMD...  run with TEXT on standard input
#   assert_status N, assert_fails, assert_contains TEXT NEEDLE [WHAT],
#   assert_not_contains TEXT NEEDLE [WHAT], assert_eq EXPECTED ACTUAL [WHAT],
#   assert_match TEXT ERE [WHAT]; out_has/err_has/out_lacks/err_lacks NEEDLE
#   check the last run's stdout or stderr
#   sql DB QUERY      prints the query's result (sqlite3 CLI)
#   json EXPR         a Python expression over j, the last stdout as JSON
#   sha FILE          the file's SHA-256
#   finish            prints "N passed, 0 failed"; call it last
#
# The first failed assertion prints what was expected and what came, the
# command that ran, and exits 1.

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
[ -n "$SQLITE3" ] || {
	echo "lib.sh: the sqlite3 command-line tool is needed" >&2
	exit 1
}

# The backend of the desk the test names by default (champion.db): sqlite,
# or postgresql (CHAMPION_TEST_BACKEND), read before the clean-up below.
TEST_BACKEND=${CHAMPION_TEST_BACKEND:-sqlite}

# A clean environment: the tests say what they want.
for v in $(env | sed -n 's/^\(CHAMPION_[A-Z_]*\)=.*/\1/p'); do
	unset "$v"
done
export CHAMPION_NOW=2026-11-02T10:00:00Z

TMP=$(mktemp -d "${TMPDIR:-/tmp}/champion-cli.XXXXXX") || exit 1
trap 'cd /; rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1

# On PostgreSQL the default desk is a database of a throwaway cluster
# (tests/pg/cluster.sh), named by CHAMPION_DB, its files where SQLite's
# would be (champion.db.files); sql on champion.db asks it with psql. A
# desk named with --db stays an SQLite file.
PG_URL=''
if [ "$TEST_BACKEND" = postgresql ]; then
	# shellcheck source=tests/pg/cluster.sh
	. "${SOURCE_ROOT:?SOURCE_ROOT must name the source tree}/tests/pg/cluster.sh"
	trap 'pg_stop; cd /; rm -rf "$TMP"' EXIT
	trap 'exit 130' INT TERM
	pg_start || exit 1
	PG_URL=$(pg_createdb cli) || exit 1
	export CHAMPION_DB=$PG_URL CHAMPION_ATTACHMENTS_DIR=$TMP/champion.db.files
fi

PASSED=0
OUT='' ERR='' STATUS=0 LAST_CMD=''

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
	{
		echo "FAIL at $(where): $1"
		[ -n "$LAST_CMD" ] && echo "  last command: $LAST_CMD (exit $STATUS)"
		[ -n "$LAST_CMD" ] && printf '  stdout: %s\n' "$(printf '%s' "$OUT" | head -c 3000)"
		[ -n "$LAST_CMD" ] && printf '  stderr: %s\n' "$(printf '%s' "$ERR" | head -c 3000)"
		echo "$PASSED passed, 1 failed"
	} >&2
	exit 1
}

pass()
{
	PASSED=$((PASSED + 1))
}

run()
{
	LAST_CMD=$(printf '%q ' "$@")
	LAST_CMD=${LAST_CMD% }
	LAST_CMD=${LAST_CMD//"$CHAMPION"/champion}
	"$@" <"${STDIN:-/dev/null}" >"$TMP/.out" 2>"$TMP/.err"
	STATUS=$?
	OUT=$(cat "$TMP/.out")
	ERR=$(cat "$TMP/.err")
	case "$ERR" in
	*Sanitizer* | *"runtime error"*) fail "a sanitizer reported an error" ;;
	esac
	if [ "$STATUS" -ge 128 ]; then
		fail "the program died of signal $((STATUS - 128))"
	fi
	return 0
}

ch()
{
	run "$CHAMPION" "$@"
}

# run_stdin TEXT CMD...: run with TEXT (printf %s, so no newline added) on stdin.
run_stdin()
{
	printf '%s' "$1" >"$TMP/.in"
	shift
	STDIN="$TMP/.in" run "$@"
}

assert_status()
{
	[ "$STATUS" = "$1" ] || fail "expected exit status $1, got $STATUS"
	pass
}

# "; it was: TEXT", unless TEXT is the last run's output, printed anyway.
shown()
{
	case "$2" in
	stdout | stderr) ;;
	*) printf "; it was: '%s'" "$(printf '%s' "$1" | head -c 2000)" ;;
	esac
}

# The last command failed, with any status but a crash.
assert_fails()
{
	[ "$STATUS" != 0 ] || fail "expected a failure (non-zero exit), got 0"
	pass
}

# assert_match TEXT ERE [WHAT]
assert_match()
{
	[[ $1 =~ $2 ]] || fail "expected ${3:-the text} to match /$2/; it was: '$1'"
	pass
}

assert_contains()
{
	case "$1" in
	*"$2"*) pass ;;
	*) fail "expected ${3:-the text} to contain '$2'$(shown "$1" "${3:-}")" ;;
	esac
}

assert_not_contains()
{
	case "$1" in
	*"$2"*) fail "expected ${3:-the text} not to contain '$2'$(shown "$1" "${3:-}")" ;;
	*) pass ;;
	esac
}

assert_eq()
{
	[ "$1" = "$2" ] || fail "expected ${3:-value} to be '$1', got '$2'"
	pass
}

# Shorthands for the last run.
out_has() { assert_contains "$OUT" "$1" stdout; }
err_has() { assert_contains "$ERR" "$1" stderr; }
out_lacks() { assert_not_contains "$OUT" "$1" stdout; }
err_lacks() { assert_not_contains "$ERR" "$1" stderr; }

sql()
{
	if [ -n "$PG_URL" ] && [ "$1" = champion.db ]; then
		psql -X -q -A -t -v ON_ERROR_STOP=1 "$PG_URL" -c "$2" 2>"$TMP/.sqlerr" ||
			fail "psql failed on: $2: $(cat "$TMP/.sqlerr")"
		return 0
	fi
	[ -f "$1" ] || fail "sql: no database file '$1'"
	"$SQLITE3" -batch -noheader "$1" "$2" || fail "sqlite3 failed on: $2"
}

# json EXPR: evaluates the Python expression EXPR with j = the last stdout
# parsed as JSON, and prints the result: lists and objects as JSON, the
# rest as Python prints them (None, True, 42, text).
json()
{
	printf '%s' "$OUT" | python3 -c '
import json, sys
j = json.load(sys.stdin)
r = eval(sys.argv[1])
print(json.dumps(r) if isinstance(r, (dict, list)) else r)
' "$1" || fail "stdout is not JSON or '$1' failed on it"
}

sha()
{
	sha256sum "$1" | cut -d' ' -f1
}

finish()
{
	echo "$PASSED passed, 0 failed"
	exit 0
}
