#!/usr/bin/env bash
# test_attachments.sh - files over the API: multipart/form-data uploads with
# a new ticket, a reply and a note; downloads through the ticket with the
# stored bytes, type, Content-Disposition, nosniff and an ETag; one file on
# disk per content; who may fetch what (404 for what one may not see); and
# bad uploads (too large, too many, truncated, no boundary, no message),
# each refused with a precise problem and nothing stored.
. "${BASH_SOURCE%/*}/lib.sh"

FILES=${CHAMPION_ATTACHMENTS_DIR:-$DB.files} # set by lib.sh on PostgreSQL
LIMIT=6000000

# upload METHOD PATH TOKEN CURL-F-ARGS...: a multipart request built by curl -F.
upload()
{
	local path=$1 token=$2
	shift 2
	local args=()
	for f in "$@"; do
		args+=(-F "$f")
	done
	req POST "$path" -H "Authorization: Bearer $token" "${args[@]}"
}
# raw PATH TOKEN CONTENT-TYPE FILE: a hand-made body.
raw()
{
	req POST "$1" -H "Authorization: Bearer $2" -H "Content-Type: $3" --data-binary "@$4"
}
# download TOKEN URL [CURL ARGS...]: the body stays in $TMP/.body.
download()
{
	local token=$1 path=$2
	shift 2
	req GET "$path" -H "Authorization: Bearer $token" "$@"
}
same_bytes()
{
	if cmp -s "$TMP/.body" "$1"; then
		pass
	else
		fail "the download of $2 differs from the file sent ($(stat -c %s "$TMP/.body" 2>/dev/null) bytes, sent $(stat -c %s "$1"))"
	fi
}
sha()
{
	sha256sum "$1" | cut -d' ' -f1
}
blob_files()
{
	find "$FILES" -type f -not -path "$FILES/tmp/*" 2>/dev/null | wc -l
}
tmp_files()
{
	find "$FILES/tmp" -type f 2>/dev/null | wc -l
}
counts()
{
	sql "SELECT (SELECT count(*) FROM messages) || ' ' || (SELECT count(*) FROM attachments) || ' ' ||
		(SELECT count(*) FROM message_attachments) || ' ' || (SELECT count(*) FROM tickets) || ' ' ||
		(SELECT count(*) FROM events)"
}
# nothing_stored WHAT: no row and no file came of the last request.
nothing_stored()
{
	assert_eq "$BEFORE" "$(counts)" "rows after $1"
	assert_eq "$BLOBS" "$(blob_files)" "blob files after $1"
	assert_eq 0 "$(tmp_files)" "temporary files after $1"
}
mark()
{
	BEFORE=$(counts)
	BLOBS=$(blob_files)
}

# --- the desk ----------------------------------------------------------------------
ch_ok init --admin admin@example.com
ch_ok user add agent@example.com --role agent
ch_ok user add c1@acme.test
ch_ok user add c2@other.test
ch_ok ticket create --subject "Logs attached" --requester c1@acme.test --body "See below"
ch_ok ticket create --subject "Someone else's" --requester c2@other.test --body "Mine"
make_token agent@example.com
AGENT=$TOKEN
make_token c1@acme.test
C1=$TOKEN
make_token c2@other.test
C2=$TOKEN

# Files: binary with NUL bytes, text, 5 MB of noise, one over the limit.
printf 'a\0b\0\0c\r\n--\0' >nul.bin
head -c 3000 /dev/urandom >noise.png
printf 'line one\nline two\n' >notes.txt
head -c 5242880 /dev/urandom >big.bin
head -c $((LIMIT + 1)) /dev/zero >huge.bin
cp nul.bin copy-of-nul.bin

start_server --set "attachments.max_bytes=$LIMIT"

# --- a reply with files: stored, listed, served back byte for byte ----------------------
upload /api/v1/tickets/1/replies "$AGENT" 'message={"body":"Here are the files"};type=application/json' \
	'file=@noise.png;type=image/png' 'file=@nul.bin' 'file=@notes.txt;type=text/plain'
expect_status 201
MSG=$(jb 'j["message_id"]')
api GET /api/v1/tickets/1 "$AGENT"
expect_status 200
ATTS=$(jb '[m for m in j["messages"] if m["id"] == '"$MSG"'][0]["attachments"]')
assert_eq "noise.png notes.txt nul.bin" \
	"$(printf '%s' "$ATTS" | py -c 'import json,sys; print(" ".join(a["filename"] for a in json.load(sys.stdin)))')" \
	"the reply's attachments"
url_of()
{
	printf '%s' "$ATTS" | py -c '
import json, sys
for a in json.load(sys.stdin):
    if a["filename"] == sys.argv[1]:
        print(a["url"])' "$1"
}
field_of()
{
	printf '%s' "$ATTS" | py -c '
import json, sys
for a in json.load(sys.stdin):
    if a["filename"] == sys.argv[1]:
        print(a[sys.argv[2]])' "$1" "$2"
}
NOISE_URL=$(url_of noise.png)
NUL_URL=$(url_of nul.bin)
NOTES_URL=$(url_of notes.txt)
assert_match "$NOISE_URL" '^/api/v1/tickets/1/attachments/[0-9]+$' "an attachment's url"
assert_eq "$(sha noise.png) 3000 image/png" \
	"$(field_of noise.png sha256) $(field_of noise.png size) $(field_of noise.png content_type)" \
	"noise.png as listed"
assert_eq "application/octet-stream" "$(field_of nul.bin content_type)" \
	"the type of a part sent without one (nothing sniffed)"

download "$AGENT" "$NOISE_URL"
expect_status 200
same_bytes noise.png noise.png
assert_eq "image/png" "$(hdr content-type)" "Content-Type: the stored type"
assert_eq nosniff "$(hdr x-content-type-options)" "X-Content-Type-Options"
assert_eq "attachment; filename=\"noise.png\"; filename*=UTF-8''noise.png" \
	"$(hdr content-disposition)" "Content-Disposition"
assert_eq 3000 "$(hdr content-length)" "Content-Length"
assert_eq "\"$(sha noise.png)\"" "$(hdr etag)" "ETag: the content's SHA-256"
assert_contains "$(hdr content-security-policy)" sandbox "Content-Security-Policy"
ETAG=$(hdr etag)
download "$AGENT" "$NOISE_URL" -H "If-None-Match: $ETAG"
expect_status 304 "If-None-Match with the ETag"
assert_eq "" "$BODY" "a 304's body"
download "$AGENT" "$NOISE_URL" -H 'If-None-Match: "other"'
expect_status 200 "If-None-Match with another tag"
download "$AGENT" "$NUL_URL"
expect_status 200
same_bytes nul.bin "a file with NUL bytes"
download "$AGENT" "$NOTES_URL"
same_bytes notes.txt notes.txt
assert_eq "text/plain" "$(hdr content-type)" "notes.txt's type"
req HEAD "$NOISE_URL" -H "Authorization: Bearer $AGENT" -I
expect_status 200 "HEAD"
assert_eq 3000 "$(hdr content-length)" "HEAD's Content-Length"

# --- one file on disk per content ------------------------------------------------------
NUL_BLOB=$FILES/$(sha nul.bin | cut -c1-2)/$(sha nul.bin)
[ -f "$NUL_BLOB" ] && pass || fail "no blob file $NUL_BLOB"
N=$(blob_files)
upload /api/v1/tickets/1/replies "$AGENT" 'message={"body":"The same file again"}' \
	'file=@copy-of-nul.bin' 'file=@nul.bin'
expect_status 201
assert_eq "$N" "$(blob_files)" "blob files after the same content twice more"
assert_eq 1 "$(sql "SELECT count(*) FROM attachments WHERE sha256 = '$(sha nul.bin)'")" \
	"attachments rows for one content"
assert_eq 3 "$(sql "SELECT count(*) FROM message_attachments ma JOIN attachments a ON a.id = ma.attachment_id
	WHERE a.sha256 = '$(sha nul.bin)'")" "messages' links to it"
assert_eq 0 "$(tmp_files)" "temporary files after uploads"

# --- 5 MB round trip -------------------------------------------------------------------
upload /api/v1/tickets/1/replies "$AGENT" 'message={"body":"A big one"}' 'file=@big.bin'
expect_status 201
BIG_ID=$(sql "SELECT id FROM attachments WHERE sha256 = '$(sha big.bin)'")
download "$AGENT" "/api/v1/tickets/1/attachments/$BIG_ID"
expect_status 200
same_bytes big.bin "the 5 MB file"
assert_eq 5242880 "$(hdr content-length)" "the 5 MB file's Content-Length"

# --- names that could break a header ---------------------------------------------------
{
	printf -- '--B0undary\r\nContent-Disposition: form-data; name="message"\r\n\r\n{"body":"odd names"}\r\n'
	printf -- '--B0undary\r\nContent-Disposition: form-data; name="file"; '
	printf -- "filename*=UTF-8''..%%2Fna%%C3%%AFve%%20%%22q%%22%%0D%%0AX-Evil%%3A%%201.txt\r\n"
	printf -- 'Content-Type: text/plain\r\n\r\nodd\r\n--B0undary--\r\n'
} >odd.form
raw /api/v1/tickets/1/replies "$AGENT" "multipart/form-data; boundary=B0undary" odd.form
expect_status 201
ODD_ID=$(sql "SELECT attachment_id FROM message_attachments WHERE message_id = $(jb 'j["message_id"]')")
assert_eq "naïve \"q\"__X-Evil: 1.txt" \
	"$(sql "SELECT filename FROM message_attachments WHERE message_id = $(jb 'j["message_id"]')")" \
	"the stored name: no directories, control characters made '_'"
download "$AGENT" "/api/v1/tickets/1/attachments/$ODD_ID"
expect_status 200
assert_eq "attachment; filename=\"na_ve _q___X-Evil: 1.txt\"; filename*=UTF-8''na%C3%AFve%20%22q%22__X-Evil%3A%201.txt" \
	"$(hdr content-disposition)" "Content-Disposition of an odd name"
assert_eq "" "$(hdr x-evil)" "no injected header"

# --- who may fetch what ----------------------------------------------------------------
upload /api/v1/tickets/1/notes "$AGENT" 'message={"body":"Internal: our own logs"}' 'file=@notes.txt;filename=internal.txt'
expect_status 201
INTERNAL_ID=$(sql "SELECT attachment_id FROM message_attachments WHERE filename = 'internal.txt'")
download "$AGENT" "/api/v1/tickets/1/attachments/$INTERNAL_ID"
expect_status 200 "an agent fetching a note's attachment"
# The same content is also in a public reply (notes.txt): the customer gets that one.
download "$C1" "/api/v1/tickets/1/attachments/$INTERNAL_ID"
expect_status 200 "the same bytes through the public reply"
assert_contains "$(hdr content-disposition)" 'filename="notes.txt"' "the public name, not the note's"
upload /api/v1/tickets/1/notes "$AGENT" 'message={"body":"Internal only"}' 'file=@big.bin;filename=secret.bin;type=application/x-secret' 'file=@odd.form;filename=secret2.txt'
expect_status 201
SECRET_ID=$(sql "SELECT attachment_id FROM message_attachments WHERE filename = 'secret2.txt'")
download "$C1" "/api/v1/tickets/1/attachments/$SECRET_ID"
expect_problem 404 not_found "a customer fetching an internal note's attachment"
assert_not_contains "$BODY" secret "the 404's body"
api GET /api/v1/tickets/1 "$C1"
assert_not_contains "$BODY" secret2.txt "the customer's view of the ticket"
download "$C1" "$NOISE_URL"
expect_status 200 "a customer fetching their own ticket's attachment"
same_bytes noise.png "noise.png for the customer"
download "$C2" "$NOISE_URL"
expect_problem 404 not_found "another customer fetching it"
download "$C2" "/api/v1/tickets/2/attachments/$(field_of noise.png id)"
expect_problem 404 not_found "an attachment through a ticket that does not carry it"
download "$AGENT" "/api/v1/tickets/1/attachments/999999"
expect_problem 404 not_found "an unknown attachment"
download "" "$NOISE_URL"
expect_problem 401 unauthenticated "no token"

# --- a new ticket with a file, from a customer -----------------------------------------
upload /api/v1/tickets "$C1" 'message={"subject":"Screenshot","body":"What is this?"}' 'file=@noise.png;filename=screen.png;type=image/png'
expect_status 201
T3=$(jb 'j["id"]')
assert_eq "screen.png image/png 3000" \
	"$(jb '" ".join(str(j["messages"][0]["attachments"][0][k]) for k in ("filename", "content_type", "size"))')" \
	"the new ticket's attachment"
download "$C1" "$(jb 'j["messages"][0]["attachments"][0]["url"]')"
same_bytes noise.png "the new ticket's file"

# --- JSON still works on the same routes -----------------------------------------------
api POST /api/v1/tickets/1/replies "$AGENT" '{"body":"plain JSON"}'
expect_status 201 "a JSON reply"

# --- bad uploads: a precise problem, nothing stored ----------------------------------
mark
upload /api/v1/tickets/1/replies "$AGENT" 'message={"body":"too big"}' 'file=@notes.txt' 'file=@huge.bin'
expect_problem 413 attachment_too_large "a file over attachments.max_bytes"
assert_contains "$(jb 'j["detail"]')" "huge.bin" "the detail names the file"
assert_contains "$(jb 'j["detail"]')" "attachments.max_bytes" "the detail names the setting"
nothing_stored "an oversized file"

args=()
for i in $(seq 1 11); do
	args+=("file=@notes.txt;filename=n$i.txt")
done
upload /api/v1/tickets/1/replies "$AGENT" 'message={"body":"too many"}' "${args[@]}"
expect_problem 413 too_many_attachments "11 files"
nothing_stored "too many files"

{
	printf -- '--XX\r\nContent-Disposition: form-data; name="message"\r\n\r\n{"body":"cut"}\r\n'
	printf -- '--XX\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\n'
	head -c 100000 big.bin
} >truncated.form
raw /api/v1/tickets/1/replies "$AGENT" "multipart/form-data; boundary=XX" truncated.form
expect_problem 400 invalid_multipart "a truncated body"
assert_contains "$(jb 'j["detail"]')" "closing boundary" "the detail"
nothing_stored "a truncated body"

raw /api/v1/tickets/1/replies "$AGENT" "multipart/form-data" odd.form
expect_problem 400 missing_boundary "no boundary"
nothing_stored "no boundary"

raw /api/v1/tickets/1/replies "$AGENT" "multipart/form-data; boundary=Other" odd.form
expect_problem 400 invalid_multipart "the wrong boundary"
nothing_stored "the wrong boundary"

{
	printf -- '--B\r\nContent-Type: text/plain\r\n\r\nno disposition\r\n--B--\r\n'
} >nodisp.form
raw /api/v1/tickets/1/replies "$AGENT" "multipart/form-data; boundary=B" nodisp.form
expect_problem 400 invalid_multipart "a part without Content-Disposition"
nothing_stored "a part without Content-Disposition"

upload /api/v1/tickets/1/replies "$AGENT" 'file=@notes.txt'
expect_problem 400 invalid_multipart "no message part"
assert_contains "$(jb 'j["detail"]')" "'message'" "the detail"
nothing_stored "no message part"

upload /api/v1/tickets/1/replies "$AGENT" 'message={"body":' 'file=@notes.txt'
expect_problem 400 invalid_json "a message part that is not JSON"
nothing_stored "bad JSON in the message part"

upload /api/v1/tickets/1/replies "$AGENT" 'message={"body":"x"}' 'file=<notes.txt'
expect_problem 400 invalid_multipart "a file part without a filename"
nothing_stored "a file part without a filename"

upload /api/v1/tickets/1/replies "$AGENT" 'message={"body":""}' 'file=@big.bin'
expect_problem 422 invalid "an empty reply with a file"
nothing_stored "a refused reply"

upload /api/v1/tickets/2/replies "$C1" 'message={"body":"not mine"}' 'file=@big.bin'
expect_problem 404 not_found "a reply to someone else's ticket"
nothing_stored "a reply to someone else's ticket"

upload /api/v1/tickets/1/replies "" 'message={"body":"who?"}' 'file=@big.bin'
expect_problem 401 unauthenticated "an upload without a token"
nothing_stored "an upload without a token"

req POST /api/v1/tickets/1/merge -H "Authorization: Bearer $AGENT" -F 'message={"into":2}'
expect_problem 415 unsupported_media_type "multipart on a JSON-only route"

expect_alive "after the bad uploads"
stop_server 0
finish
