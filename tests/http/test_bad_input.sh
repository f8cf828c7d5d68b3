#!/usr/bin/env bash
# test_bad_input.sh - what clients get wrong: broken, mistyped and oversized
# JSON, wrong media types, invalid UTF-8 and control characters, bodies on
# GET, unknown paths and methods, impossible ids and query parameters, huge
# headers, truncated bodies and slow clients. Each is refused with the right
# status and an RFC 7807 problem+json body, nothing is stored, and the
# server goes on serving.
. "${BASH_SOURCE%/*}/lib.sh"

ntickets()
{
	sql 'SELECT count(*) FROM tickets'
}
# unchanged WHAT: the desk still holds $N tickets and the server still answers.
unchanged()
{
	assert_eq "$N" "$(ntickets)" "tickets in the desk after $1"
	expect_alive "$1"
}
post()
{
	api POST /api/v1/tickets "$AGENT" "$1"
}
# raw_post BYTES-FILE: POST /api/v1/tickets with exactly that body.
raw_post()
{
	req POST /api/v1/tickets -H "Authorization: Bearer $AGENT" -H 'Content-Type: application/json' \
		--data-binary "@$1"
}
# repeat N TEXT: TEXT N times.
repeat()
{
	head -c "$1" /dev/zero | tr '\0' "$2"
}

ch_ok init --admin admin@example.com
ch_ok user add agent@example.com --role agent
ch_ok ticket create --subject "The only one" --requester c@acme.test --body "Hi"
make_token agent@example.com
AGENT=$TOKEN
# One server for everything; slow clients are cut off after a second.
start_server --set server.request_timeout_ms=1000
N=$(ntickets)

# --- malformed JSON ------------------------------------------------------------------
post '{"subject": "x",
  "body": }'
expect_problem 400 invalid_json
assert_match "$(jb 'j["detail"]')" 'line 2, column [0-9]+' "the detail of malformed JSON"
post '{"subject": "x", "body": "y"'
expect_problem 400 invalid_json
assert_contains "$(jb 'j["detail"]')" "line" "the detail"
assert_contains "$(jb 'j["detail"]')" "column" "the detail"
for body in '[{"subject":"x","body":"y"}]' '"just a string"' '42' 'null' '' ' ' \
	'{"subject":"a","subject":"b","body":"y"}' '{"subject":"x","body":"y"} trailing' \
	"{'subject':'x'}" '{"subject":"x","body":"y",}'; do
	post "$body"
	expect_problem 400 invalid_json "body '$body'"
done
unchanged "malformed JSON"

# --- media type ----------------------------------------------------------------------
for ct in 'text/plain' 'application/x-www-form-urlencoded' 'application/jsonx' 'application/json-patch+json' \
	'json' 'application'; do
	req POST /api/v1/tickets -H "Authorization: Bearer $AGENT" -H "Content-Type: $ct" \
		--data-binary '{"subject":"x","body":"y"}'
	expect_problem 415 unsupported_media_type "Content-Type: $ct"
done
req POST /api/v1/tickets -H "Authorization: Bearer $AGENT" -H 'Content-Type:' \
	--data-binary '{"subject":"x","body":"y"}'
expect_problem 415 unsupported_media_type "no Content-Type"
unchanged "wrong media types"
for ct in 'application/json; charset=utf-8' 'Application/JSON'; do
	req POST /api/v1/tickets -H "Authorization: Bearer $AGENT" -H "Content-Type: $ct" \
		--data-binary '{"subject":"media type","body":"y"}'
	expect_status 201 "Content-Type: $ct"
	N=$((N + 1))
done

# --- fields: unknown, missing, mistyped ----------------------------------------------
post '{"subject":"x","body":"y","colour":"red"}'
expect_problem 422 invalid
assert_contains "$(jb 'j["detail"]')" "'colour'" "the detail"
for body in '{"body":"y"}' '{"subject":"x"}' '{}' '{"subject":5,"body":"y"}' '{"subject":"x","body":["y"]}' \
	'{"subject":null,"body":"y"}' '{"subject":"x","body":"y","tags":"billing"}' \
	'{"subject":"x","body":"y","tags":[1]}' '{"subject":"x","body":"y","priority":"extreme"}' \
	'{"subject":"x","body":"y","priority":3}' '{"subject":"x","body":"y","requester":true}' \
	'{"subject":"x","body":"y","tags":["not a tag!"]}' '{"subject":"x","body":"y","requester":"nobody"}' \
	'{"subject":"","body":"y"}' '{"subject":"   ","body":"y"}' "{\"subject\":\"$(repeat 251 s)\",\"body\":\"y\"}"; do
	post "$body"
	expect_problem 422 invalid "body '$body'"
done
post '{"subject":5,"body":"y"}'
assert_contains "$(jb 'j["detail"]')" "'subject'" "the detail naming the field"
api PATCH /api/v1/tickets/1 "$AGENT" '{"status":3}'
expect_problem 422 invalid
api PATCH /api/v1/tickets/1 "$AGENT" '{"status":"reopened"}'
expect_problem 422 invalid
api PATCH /api/v1/tickets/1 "$AGENT" '{"id":7}'
expect_problem 422 invalid
assert_contains "$(jb 'j["detail"]')" "'id'" "the detail"
for into in '"1"' 0 -3 1.5 null 99999999999999999999; do
	api POST /api/v1/tickets/1/merge "$AGENT" "{\"into\":$into}"
	case "$CODE" in
	400) expect_problem 400 invalid_json "into: $into" ;;
	*) expect_problem 422 invalid "into: $into" ;;
	esac
done
api POST /api/v1/tickets/1/replies "$AGENT" '{"body":"x","kind":"internal"}'
expect_problem 422 invalid
api POST /api/v1/tickets/1/replies "$AGENT" '{}'
expect_problem 422 invalid
unchanged "mistyped fields"
assert_eq 1 "$(sql 'SELECT count(*) FROM messages WHERE ticket_id = 1')" "ticket 1's messages"

# --- invalid UTF-8 and control characters ----------------------------------------------
printf '{"subject":"bad \xff byte","body":"y"}' >"$TMP/ff.json"
raw_post "$TMP/ff.json"
expect_problem 400 invalid_json "a raw 0xff in a string"
printf '{"subject":"overlong \xc0\xaf","body":"y"}' >"$TMP/overlong.json"
raw_post "$TMP/overlong.json"
expect_problem 400 invalid_json "an overlong encoding"
printf '{"subject":"surrogate \xed\xa0\x80","body":"y"}' >"$TMP/surrogate.json"
raw_post "$TMP/surrogate.json"
expect_problem 400 invalid_json "an encoded surrogate"
printf '{"subject":"x","body":"truncated \xe2\x82"}' >"$TMP/trunc.json"
raw_post "$TMP/trunc.json"
expect_problem 400 invalid_json "a truncated sequence"
printf '{"subject":"raw \x01 control","body":"y"}' >"$TMP/ctl.json"
raw_post "$TMP/ctl.json"
expect_problem 400 invalid_json "a raw control character in a string"
post '{"subject":"lone \ud800 surrogate","body":"y"}'
if [ "$CODE" = 400 ]; then
	expect_problem 400 invalid_json "an escaped lone surrogate"
else
	expect_problem 422 invalid "an escaped lone surrogate"
fi
for s in 'bell \u0007 here' 'two\nlines' 'escape \u001b[31m' 'del \u007f'; do
	post "{\"subject\":\"$s\",\"body\":\"y\"}"
	expect_problem 422 invalid "subject '$s'"
done
# An escaped NUL: the JSON parser refuses it (400), or the field check does (422).
for body in '{"subject":"nul \u0000 here","body":"y"}' '{"subject":"x","body":"nul \u0000 in the body"}'; do
	post "$body"
	if [ "$CODE" = 400 ]; then
		expect_problem 400 invalid_json "$body"
	else
		expect_problem 422 invalid "$body"
	fi
done
unchanged "invalid UTF-8 and control characters"
assert_eq 0 "$(sql "SELECT count(*) FROM tickets WHERE subject LIKE '%bad%' OR subject LIKE '%bell%'")" \
	"tickets stored from refused bodies"

# --- deep nesting ------------------------------------------------------------------------
{
	printf '{"subject":'
	repeat 200000 '['
	repeat 200000 ']'
	printf ',"body":"y"}'
} >"$TMP/deep.json"
raw_post "$TMP/deep.json"
case "$CODE" in
400) expect_problem 400 invalid_json "200000 nested arrays" ;;
*) expect_problem 422 invalid "200000 nested arrays" ;;
esac
unchanged "deep nesting"

# --- bodies too large, and bodies where none belongs ------------------------------------
repeat 100000 x | sed 's/^/{"subject":"/; s/$/"}/' >"$TMP/100k.json"
req PATCH /api/v1/tickets/1 -H "Authorization: Bearer $AGENT" -H 'Content-Type: application/json' \
	--data-binary "@$TMP/100k.json"
expect_problem 413 body_too_large "100 KB to PATCH (64 KB limit)"
req PATCH /api/v1/tickets/1 -H "Authorization: Bearer $AGENT" -H 'Content-Type: application/json' \
	-H 'Transfer-Encoding: chunked' --data-binary "@$TMP/100k.json"
expect_problem 413 body_too_large "100 KB chunked to PATCH"
repeat 5000 x | sed 's/^/{"into":2,"pad":"/; s/$/"}/' >"$TMP/5k.json"
req POST /api/v1/tickets/1/merge -H "Authorization: Bearer $AGENT" -H 'Content-Type: application/json' \
	--data-binary "@$TMP/5k.json"
expect_problem 413 body_too_large "5 KB to merge (4 KB limit)"
for path in /healthz /metrics /api/v1/me /api/v1/tickets /api/v1/tickets/1 /api/v1/tickets/1/events; do
	req GET "$path" -H "Authorization: Bearer $AGENT" --data-binary 'x=1'
	expect_problem 413 body_too_large "a body on GET $path"
done
unchanged "bodies too large"
assert_eq 1 "$(sql 'SELECT version FROM tickets WHERE id = 1')" "ticket 1's version"

# --- paths, methods, ids -------------------------------------------------------------
for path in /portalx /assets /api /api/v1 /api/v1/ticket /api/v1/ticketsX /api/v2/tickets /api/v1/tickets/1/replies/2 \
	/api/v1/tickets/1/attachments /metrics/x "/$(repeat 4000 a)"; do
	api GET "$path" "$AGENT"
	expect_problem 404 not_found "GET $path"
done
for id in 0 -1 99999999999999999999999 9223372036854775808 abc 1.5 1e3 0x10 '%201' '1%00' '1;x'; do
	api GET "/api/v1/tickets/$id" "$AGENT"
	expect_problem 404 not_found "ticket id '$id'"
	api POST "/api/v1/tickets/$id/replies" "$AGENT" '{"body":"x"}'
	expect_problem 404 not_found "a reply to ticket id '$id'"
done
api GET /api/v1/tickets/9223372036854775807 "$AGENT"
expect_problem 404 not_found "the largest id"
api PATCH /api/v1/tickets/4242 "$AGENT" '{"priority":"high"}'
expect_problem 404 not_found "PATCH a missing ticket"
for mp in "DELETE /api/v1/tickets/1" "PUT /api/v1/tickets/1" "POST /api/v1/tickets/1" "GET /api/v1/tickets/1/replies" \
	"PATCH /api/v1/tickets" "POST /healthz" "DELETE /metrics" "OPTIONS /api/v1/me"; do
	api "${mp%% *}" "${mp#* }" "$AGENT"
	expect_problem 405 method_not_allowed "$mp"
done
unchanged "unknown paths and methods"

# --- query parameters ------------------------------------------------------------------
for q in limit=0 limit=100000 limit=1001 limit=99999999999999999999 limit=-1 limit=abc limit= 'limit=1%20' \
	cursor=-5 cursor=0 cursor=x status=bogus status=NEW updated_since=yesterday 'updated_since=2026-13-01'; do
	api GET "/api/v1/tickets?$q" "$AGENT"
	expect_problem 400 invalid_parameter "?$q"
done
api GET "/api/v1/tickets?limit=1000" "$AGENT"
expect_status 200 "limit=1000, the largest page"

# --- a truncated body: Content-Length 100, 10 bytes, close ---------------------------
out=$(py - "$PORT" "$AGENT" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(("POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
           "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n" % sys.argv[2]).encode()
          + b'{"subject"')
s.close()
print("sent")
EOF
)
assert_eq sent "$out" "the truncated request"
sleep 0.3
unchanged "a truncated body"

# --- invalid request lines and framing -----------------------------------------------
out=$(py - "$PORT" <<'EOF'
import socket, sys
def ask(raw):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
    s.sendall(raw)
    data = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    except socket.timeout:
        return "timeout"
    except ConnectionResetError:
        pass
    s.close()
    return data.split(b"\r\n", 1)[0].decode(errors="replace") or "closed"
for raw in (b"GARBAGE\r\n\r\n", b"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n",
            b"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\nConnection: close\r\n\r\n",
            b"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\nConnection: close\r\n\r\nabcdefg",
            b"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n",
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"):
    print(ask(raw))
EOF
)
printf '%s\n' "$out" | grep -q timeout && fail "the server left a malformed request hanging: $out"
last=$(printf '%s\n' "$out" | tail -1)
assert_match "$last" '^HTTP/1\.1 200' "a plain request after malformed ones"
unchanged "malformed request lines"

# --- slow clients: cut off after server.request_timeout_ms ------------------------------
out=$(py - "$PORT" "$AGENT" <<'EOF'
import socket, sys, time
port, token = int(sys.argv[1]), sys.argv[2]
def wait_closed(first):
    s = socket.create_connection(("127.0.0.1", port), timeout=15)
    s.sendall(first)
    t0 = time.monotonic()
    got = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            got += b
    except socket.timeout:
        return "still open after 15 s"
    except ConnectionResetError:
        pass
    return "closed after %.1f s%s" % (time.monotonic() - t0,
        (" with " + got.split(b"\r\n", 1)[0].decode(errors="replace")) if got else "")
print("half a request line:", wait_closed(b"GET /hea"))
print("headers never ended:", wait_closed(b"GET /healthz HTTP/1.1\r\nHost: x\r\n"))
print("a body never came:", wait_closed(
    ("POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
     "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n" % token).encode() + b'{"subject"'))
print("nothing at all:", wait_closed(b""))
EOF
)
printf '%s\n' "$out" >&2
while IFS= read -r line; do
	assert_match "$line" 'closed after (0\.[5-9]|[1-4]\.[0-9]) s' "a slow client cut off within 5 s ($line)"
done <<<"$out"
unchanged "slow clients"

# The checks from here on fail with the server as it is now (see the commit
# that added them); they come last so that all of the above still runs.

# --- a huge header ---------------------------------------------------------------------
req GET /healthz -H "X-Big: $(repeat 65536 a)"
case "$CODE" in
4??) pass ;;
000) pass ;; # the server closed the connection
*) fail "a 64 KB header: expected a 4xx or a closed connection, got $CODE" ;;
esac
many=()
for i in $(seq 200); do
	many+=(-H "X-H$i: $(repeat 300 b)")
done
req GET /api/v1/me -H "Authorization: Bearer $AGENT" "${many[@]}"
case "$CODE" in
4?? | 000 | 200) pass ;;
*) fail "200 headers of 300 bytes: expected a 4xx, a 200 or a closed connection, got $CODE" ;;
esac
unchanged "a huge header"

# --- the request body limit of h2o itself --------------------------------------------------
{
	printf '{"subject":"big","body":"'
	repeat 3000000 b
	printf '"}'
} >"$TMP/3m.json"
raw_post "$TMP/3m.json"
expect_problem 413 body_too_large "3 MB to POST /api/v1/tickets (2 MB limit)"
unchanged "a 3 MB body"

# --- 405 says what is allowed (RFC 9110 15.5.6) ------------------------------------------
api DELETE /api/v1/tickets/1 "$AGENT"
expect_status 405
assert_match "$(hdr allow)" 'GET' "the 405's Allow header"
assert_match "$(hdr allow)" 'PATCH' "the 405's Allow header"

# --- query strings with broken escapes --------------------------------------------------
# A bad %-escape must not silently drop the filter (and answer with every ticket).
for q in 'status=%ZZ' 'limit=%zz' 'requester=%' 'tag=%4'; do
	api GET "/api/v1/tickets?$q" "$AGENT"
	expect_problem 400 invalid_parameter "?$q"
done

# --- C1 control characters (U+0080..U+009F; U+0085 is even a line break) ------------------
for s in 'nel \u0085 here' 'csi \u009b31m'; do
	post "{\"subject\":\"$s\",\"body\":\"y\"}"
	expect_problem 422 invalid "subject '$s'"
done
unchanged "C1 control characters"

stop_server 0
finish
