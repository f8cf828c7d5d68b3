# lib.sh - what every browser test's shell side starts with: playwright-core
# installed (scripts/setup-browser: quick when already there), then the
# HTTP tests' library (tests/http/lib.sh): a desk in a temporary directory,
# start_server, make_token, pass/fail. Sourced by tests/browser/test_*.sh.
BROWSER_DIR=$(cd "${BASH_SOURCE[0]%/*}" && pwd)
SOURCE_ROOT=${SOURCE_ROOT:-$(cd "$BROWSER_DIR/../.." && pwd)}
"$SOURCE_ROOT/scripts/setup-browser" || {
	echo "FAIL: scripts/setup-browser could not install playwright-core" >&2
	exit 1
}
. "$SOURCE_ROOT/tests/http/lib.sh"
