#!/usr/bin/env bash
# test_docs.sh - the documentation is part of the feature:
#  - the README's "short session" runs as written and does what it says;
#  - every command in `champion help` has a section in the man page and a row
#    in the README, and its --help names it;
#  - every configuration key is in the README, the man page and `config --keys`.
set -euo pipefail

: "${CHAMPION:?CHAMPION must name the binary}" "${SOURCE_ROOT:?}"
readme="$SOURCE_ROOT/README.md"
man="$SOURCE_ROOT/docs/champion.1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail() { echo "FAIL: $*" >&2; echo "$pass passed, 1 failed"; exit 1; }
ok() { pass=$((pass + 1)); }

# 1. The README's session, run line by line in an empty directory.
awk '/^A short session:/ {on=1; next} on && /^```sh$/ {inb=1; next} inb && /^```$/ {exit} inb {print}' \
	"$readme" > "$tmp/session.sh"
[ -s "$tmp/session.sh" ] || fail "README has no 'A short session:' sh block"
mkdir "$tmp/bin" "$tmp/desk"
ln -s "$(realpath "$CHAMPION")" "$tmp/bin/champion"
(cd "$tmp/desk" && env -u CHAMPION_DB -u CHAMPION_CONFIG PATH="$tmp/bin:$PATH" bash -e "$tmp/session.sh") \
	> "$tmp/out" 2> "$tmp/err" || { cat "$tmp/err" >&2; fail "README session does not run"; }
grep -q 'Sanitizer\|runtime error' "$tmp/err" && fail "sanitizer report in README session"
ok
grep -q '^status:     solved' "$tmp/out" || fail "README session: ticket 1 is not solved"
ok
grep -q '"status": "solved"' "$tmp/out" || fail "README session: list --status solved --json"
ok
grep -q 'ticket.first_response' "$tmp/out" || fail "README session: events lack first response"
ok

# The binary is where the README, the Makefile (make run) and the bench say it is.
if [ -n "${BUILD_ROOT:-}" ]; then
	[ "$(realpath "$BUILD_ROOT/champion")" = "$(realpath "$CHAMPION")" ] ||
		fail "the binary under test is not build/champion: $CHAMPION"
	grep -q 'exec $(BUILD)/champion ' "$SOURCE_ROOT/Makefile" || fail "make run does not run \$(BUILD)/champion"
	grep -q '`build/champion`' "$readme" || fail "README does not name build/champion"
	ok
fi

# 2. Every command is documented in the man page, README and its own --help.
cmds=$("$CHAMPION" help | awk '/^commands:/ {on=1; next} on && /^$/ {exit} on {print $1}')
[ -n "$cmds" ] || fail "champion help lists no commands"
for c in $cmds; do
	case "$c" in help | version) continue ;; esac
	grep -q "^\.B $c\b\|^\.B $c \|^\.B $c$" "$man" || fail "man page has no entry for '$c'"
	grep -q "champion $c" "$readme" || fail "README does not mention 'champion $c'"
	"$CHAMPION" "$c" --help | grep -q "champion $c" || fail "'champion $c --help' does not name it"
	ok
done

# 3. Every configuration key is documented.
keys=$("$CHAMPION" --db "$tmp/none.db" config | awk '/^[a-z_]+\.[a-z_]+ = / {print $1}')
[ -n "$keys" ] || fail "champion config lists no keys"
for k in $keys; do
	grep -q "\`$k\`" "$readme" || fail "README does not document key '$k'"
	grep -q "^\.B $k$" "$man" || fail "man page does not document key '$k'"
	ok
done

# 4. The OpenAPI document and the router name the same routes.
openapi="$SOURCE_ROOT/docs/openapi.yaml"
"$CHAMPION" serve --routes | awk '{print $1, $2}' | sort > "$tmp/router"
awk '
	/^paths:/ {on=1; next}
	on && /^[^ ]/ {on=0}
	on && /^  \/[^ ]*:$/ {path=$1; sub(/:$/, "", path); next}
	on && /^    (get|post|put|patch|delete):/ {m=$1; sub(/:$/, "", m); print toupper(m), path}
' "$openapi" | sort > "$tmp/openapi"
[ -s "$tmp/openapi" ] || fail "docs/openapi.yaml lists no operations"
if ! diff -u "$tmp/router" "$tmp/openapi" > "$tmp/routes.diff"; then
	cat "$tmp/routes.diff" >&2
	fail "the router (-) and docs/openapi.yaml (+) disagree"
fi
ok
# Public routes in the router are exactly those with 'security: []' in the document.
"$CHAMPION" serve --routes | awk '$3 == "public" {print $1, $2}' | sort > "$tmp/public"
awk '
	/^paths:/ {on=1; next}
	on && /^  \/[^ ]*:$/ {path=$1; sub(/:$/, "", path); next}
	on && /^    (get|post|put|patch|delete):/ {m=toupper($1); sub(/:$/, "", m); next}
	on && /^      security: \[\]/ {print m, path}
' "$openapi" | sort > "$tmp/public-doc"
diff -u "$tmp/public" "$tmp/public-doc" >&2 || fail "public routes differ between router and docs/openapi.yaml"
ok

echo "$pass passed, 0 failed"
