#!/usr/bin/env bash
# test_web.sh - the web UI's files as champion serve answers them: the
# pages at / and /portal (no-cache, a Content-Security-Policy that runs
# nothing inline, nosniff), every file they name under /assets/VERSION/
# (cached a year, gzip when asked and only then, an ETag and 304), and
# what is refused: another build's version, a page under /assets/, a path
# that climbs out, a method other than GET and HEAD. Also the names a
# queue's rows carry for the workspace (GET /api/v1/views/{id}/tickets).
. "${BASH_SOURCE%/*}/lib.sh"

ch_ok init --admin admin@example.com
ch_ok user add agent@example.com --role agent --name "Ada Agent"
ch_ok group add Support
ch_ok group member Support agent@example.com
ch_ok ticket create --subject "Printer on fire" --requester carl@customer.test \
	--name "Carl Customer" --body "Smoke" --group Support --assignee agent@example.com \
	--tag hardware --tag urgent-ish
make_token agent@example.com
A=$TOKEN
start_server

# --- pages ----------------------------------------------------------------------------
for page in / /portal; do
	req GET "$page"
	expect_status 200 "$page"
	assert_contains "$(hdr content-type)" "text/html" "$page's type"
	assert_eq "no-cache" "$(hdr cache-control)" "$page is asked again each time"
	assert_eq "nosniff" "$(hdr x-content-type-options)" "$page: nosniff"
	csp=$(hdr content-security-policy)
	assert_contains "$csp" "script-src 'self'" "$page: scripts from here only"
	assert_contains "$csp" "default-src 'none'" "$page: nothing else by default"
	assert_not_contains "$csp" "unsafe-inline" "$page: nothing inline"
	assert_contains "$csp" "frame-ancestors 'none'" "$page: never framed"
	assert_not_contains "$BODY" "{{version}}" "$page names this build's files"
	assert_not_contains "$BODY" "<script>" "$page has no inline script"
	assert_not_contains "$BODY" "http://" "$page loads nothing from elsewhere"
done
req GET /
PAGE=$BODY
PAGE_ETAG=$(hdr etag)
[ -n "$PAGE_ETAG" ] || fail "the page has no ETag"
req GET / -H "If-None-Match: $PAGE_ETAG"
expect_status 304 "the page again, unchanged"

# --- the files it names ------------------------------------------------------------------
mapfile -t files < <(printf '%s' "$PAGE" | grep -o '/assets/[^"]*' | sort -u)
[ "${#files[@]}" -ge 3 ] || fail "the page names ${#files[@]} files under /assets/"
VERSION=$(printf '%s' "${files[0]}" | cut -d/ -f3)
assert_match "$VERSION" '^[0-9a-f]{16}$' "the set's version"
for f in "${files[@]}"; do
	req GET "$f"
	expect_status 200 "$f"
	assert_eq "public, max-age=31536000, immutable" "$(hdr cache-control)" "$f is cached a year"
	assert_eq "" "$(hdr content-encoding)" "$f: no gzip unless asked"
	assert_eq "nosniff" "$(hdr x-content-type-options)" "$f: nosniff"
	plain=$(wc -c <"$TMP/.body")
	etag=$(hdr etag)
	case $f in
	*.js) assert_eq "text/javascript; charset=utf-8" "$(hdr content-type)" "$f's type" ;;
	*.css) assert_eq "text/css; charset=utf-8" "$(hdr content-type)" "$f's type" ;;
	*.svg) assert_eq "image/svg+xml" "$(hdr content-type)" "$f's type" ;;
	esac
	# The bytes are web/'s own.
	cmp -s "$TMP/.body" "$SOURCE_ROOT/web/${f#/assets/$VERSION/}" ||
		fail "$f is not the file web/${f#/assets/$VERSION/}"
	req GET "$f" -H "Accept-Encoding: gzip, deflate"
	if [ "$(hdr content-encoding)" = gzip ]; then
		assert_eq "accept-encoding" "$(hdr vary)" "$f: Vary"
		[ "$(wc -c <"$TMP/.body")" -lt "$plain" ] || fail "$f: gzip is not smaller"
		gunzip -c <"$TMP/.body" | cmp -s - "$SOURCE_ROOT/web/${f#/assets/$VERSION/}" ||
			fail "$f: the gzip body does not inflate to the file"
	fi
	req GET "$f" -H "Accept-Encoding: gzip;q=0"
	assert_eq "" "$(hdr content-encoding)" "$f: gzip;q=0 refuses gzip"
	req GET "$f" -H "If-None-Match: $etag"
	expect_status 304 "$f again"
done
# Modules the pages load import others: those are there too.
for m in api dom markdown signin; do
	req GET "/assets/$VERSION/js/$m.js"
	expect_status 200 "js/$m.js"
done
req HEAD "${files[0]}"
expect_status 200 "HEAD"
[ ! -s "$TMP/.body" ] || fail "HEAD came with a body"

# --- refused ---------------------------------------------------------------------------
req GET "/assets/0000000000000000/css/app.css"
expect_problem 404 not_found "another build's file"
assert_contains "$BODY" "/assets/$VERSION/" "the 404 says where this build's files are"
req GET "/assets/$VERSION/agent.html"
expect_problem 404 not_found "a page is not a file under /assets/"
req GET "/assets/$VERSION/nope.js"
expect_problem 404 not_found "a file that is not there"
req GET "/assets/$VERSION/../../../etc/passwd" --path-as-is
[ "$CODE" = 404 ] || [ "$CODE" = 400 ] || fail "a path climbing out: status $CODE"
assert_not_contains "$BODY" "root:" "a path climbing out reads nothing"
req POST / -H 'Content-Type: application/json' --data '{}'
expect_problem 405 method_not_allowed "POST on a page"
assert_eq "GET, HEAD" "$(hdr allow)" "Allow"
req GET /metrics
assert_match "$BODY" 'champion_http_requests_total\{route="web",status="200"\} [0-9]+' \
	"the pages and files are counted as the web's"

# --- a queue's rows carry names ------------------------------------------------------------
api GET /api/v1/views "$A"
MINE=$(jb '[v["id"] for v in j["views"] if v["name"] == "Mine"][0]')
api GET "/api/v1/views/$MINE/tickets" "$A"
expect_status 200
assert_eq "Carl Customer carl@customer.test" \
	"$(jb 'j["tickets"][0]["requester"]["name"] + " " + j["tickets"][0]["requester"]["email"]')" "requester"
assert_eq "agent@example.com Ada Agent Support" \
	"$(jb '" ".join([j["tickets"][0]["assignee"], j["tickets"][0]["assignee_name"], j["tickets"][0]["group"]])')" \
	"assignee and group"
assert_eq '["hardware", "urgent-ish"]' "$(jb 'j["tickets"][0]["tags"]')" "tags"

expect_alive
stop_server
finish
