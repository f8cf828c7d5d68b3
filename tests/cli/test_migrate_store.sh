#!/usr/bin/env bash
# champion migrate-store: an SQLite desk copied whole into PostgreSQL (a
# throwaway cluster, tests/pg/cluster.sh), checked table by table against
# the source with the sqlite3 and psql tools, then used; and every refusal
# (a desk in use, a missing file, another schema, a copy that reads back
# different) leaves the destination as it was.
. "$(dirname "$0")/lib.sh"
. "$SOURCE_ROOT/tests/pg/cluster.sh"
trap 'pg_stop; cd /; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
pg_start || exit 1
PSQL="$PG_BIN/psql"

pg() { "$PSQL" "$1" -X -At -c "$2"; }

# -- A source desk with something in every corner -------------------------
SRC=$TMP/src.db
ch --db "$SRC" demo --tickets 300 --days 30
assert_status 0
head -c 70000 /dev/urandom >blob.bin
printf 'the second file\n' >notes.txt
ch --db "$SRC" --as admin@demo.example ticket create --subject "Crash dump attached" \
	--requester dana@customer.example --body "The zeppelin service crashed; dump attached." \
	--attach blob.bin --attach notes.txt
assert_status 0
ch --db "$SRC" --as admin@demo.example ticket create --subject "Same dump again" \
	--requester dana@customer.example --body "Sending it again." --attach blob.bin
assert_status 0
ch --db "$SRC" --as admin@demo.example ticket create --subject "The same crash" \
	--requester dana@customer.example --body "Is this the same as before?"
assert_status 0
# A ticket merged into a newer one: its row names one copied after it.
ch --db "$SRC" --as admin@demo.example ticket merge 302 --into 303
assert_status 0
ch --db "$SRC" mailgate <"$SOURCE_ROOT/tests/fixtures/mail/001-plain-ascii.eml"
assert_status 0
ch --db "$SRC" token create --user admin@demo.example
assert_status 0
NFILES=$(sql "$SRC" "SELECT count(*) FROM attachments")
assert_eq 2 "$NFILES" "attachments of the source"

# -- Usage errors ----------------------------------------------------------
ch --db "$SRC" migrate-store
assert_status 64
err_has "--to URL is required"
ch --db "$SRC" migrate-store --to /tmp/other.db
assert_status 64
err_has "is not a postgresql:// URL"
URL=$(pg_createdb moved) || exit 1
ch --db "$SRC" migrate-store --to "$URL"
assert_status 64
err_has "--to-files DIR or attachments.dir"
ch migrate-store --from "sqlite:$SRC" --to "$URL" --to-files "$TMP/files" --bogus
assert_status 64

# -- The copy ----------------------------------------------------------------
ch migrate-store --from "sqlite:$SRC" --to "$URL" --to-files "$TMP/files"
assert_status 0
TABLES="agent_groups api_tokens attachments calendar_holidays calendars docs_pending
	docs_stale events group_members jobs login_failures mail_inbound mail_raw mailboxes
	message_attachments messages organisations presence sessions signin_links sla_clocks
	sla_policies sla_targets ticket_docs ticket_followers ticket_items ticket_links
	ticket_tags tickets users views"
for t in $TABLES; do
	n=$(sql "$SRC" "SELECT count(*) FROM $t")
	assert_match "$OUT" "(^|$(printf '\n'))$t +$n  [0-9a-f]{32}  same" "the line of $t"
	assert_eq "$n" "$(pg "$URL" "SELECT count(*) FROM $t")" "rows of $t in PostgreSQL"
done
assert_eq 31 "$(printf '%s\n' "$OUT" | grep -c ' same$')" "tables reported"
out_has "files: 2 ("
out_has "copied into $TMP/files"
err_has "migrate-store: tickets: 0 of 303"
err_has "migrate-store: tickets: 303 of 303"
err_has "migrate-store: files: 2 of 2"
err_has "migrate-store: search index: 1 of 1"
err_has "migrate-store: statistics: 1 of 1"
assert_match "$(pg "$URL" "SELECT count(*) FROM pg_stats WHERE tablename = 'search_docs'")" '^[1-9]' \
	"the planner's statistics of the index, right after the copy"

# Row by row, as each tool prints them: nothing changed on the way.
same_rows()
{
	local what=$1 q_sqlite=$2 q_pg=$3 a b
	a=$(sql "$SRC" "$q_sqlite") || exit 1
	b=$(pg "$URL" "$q_pg") || fail "psql failed on: $q_pg"
	[ -n "$a" ] || fail "no $what in the source"
	assert_eq "$a" "$b" "$what"
}
same_rows "tickets" \
	"SELECT id, subject, status, priority, requester_id, assignee_id, group_id, merged_into_id, created_at, updated_at FROM tickets ORDER BY id" \
	"SELECT id, subject, status, priority, requester_id, assignee_id, group_id, merged_into_id, created_at, updated_at FROM tickets ORDER BY id"
same_rows "messages" "SELECT id, ticket_id, author_id, kind, body_text FROM messages ORDER BY id" \
	"SELECT id, ticket_id, author_id, kind, body_text FROM messages ORDER BY id"
same_rows "events" "SELECT * FROM events ORDER BY id" "SELECT * FROM events ORDER BY id"
same_rows "users" "SELECT id, email, name, role, password_hash FROM users ORDER BY id" \
	"SELECT id, email, name, role, password_hash FROM users ORDER BY id"
same_rows "raw mail bytes" "SELECT sha256, lower(hex(bytes)) FROM mail_raw" \
	"SELECT sha256, encode(bytes, 'hex') FROM mail_raw"
same_rows "ticket documents" "SELECT ticket_id, version, body FROM ticket_docs ORDER BY ticket_id" \
	"SELECT ticket_id, version, body FROM ticket_docs ORDER BY ticket_id"
assert_eq 303 "$(pg "$URL" "SELECT merged_into_id FROM tickets WHERE id = 302")" "the merge"
for h in $(sql "$SRC" "SELECT sha256 FROM attachments"); do
	f="$TMP/files/${h:0:2}/$h"
	[ -f "$f" ] || fail "attachment $h was not copied to $f"
	assert_eq "$h" "$(sha "$f")" "the copied file $h"
	pass
done
assert_eq "$(sql "$SRC" "SELECT count(*) FROM messages")" \
	"$(pg "$URL" "SELECT count(*) FROM search_docs")" "messages indexed in PostgreSQL"
assert_eq 0 "$(pg "$URL" "SELECT count(*) FROM search_pending")" "messages left to index"
assert_eq 0 "$(pg "$URL" "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'D'")" \
	"triggers left off"

# -- The moved desk at work ----------------------------------------------------
PGDESK=(--db "$URL" --set "attachments.dir=$TMP/files")
ch "${PGDESK[@]}" ticket search zeppelin
assert_status 0
out_has "Crash dump attached"
ch "${PGDESK[@]}" --as admin@demo.example ticket create --subject "First on PostgreSQL" \
	--requester dana@customer.example --body "Hello from the new desk."
assert_status 0
out_has "created ticket #304"
ch "${PGDESK[@]}" ticket show 301 --json
assert_status 0
assert_eq "notes.txt" "$(json "sorted(a['filename'] for m in j['messages'] for a in m.get('attachments', []))[1]")" \
	"an attachment of the moved ticket"
ch "${PGDESK[@]}" --as admin@demo.example ticket reply 301 --body "Answered after the move."
assert_status 0
# The triggers are on again: a new subject reaches the messages' search documents.
ch "${PGDESK[@]}" ticket set 303 --subject "Quokka crash, same as before"
assert_status 0
ch "${PGDESK[@]}" ticket search quokka
assert_status 0
out_has "Quokka crash"

# -- Refusals ------------------------------------------------------------------
# A desk in use: refused, and untouched.
before=$(pg "$URL" "SELECT count(*) || ' ' || max(id) FROM tickets")
ch migrate-store --from "$SRC" --to "$URL" --to-files "$TMP/files" --quiet
assert_status 73
err_has "holds a desk in use"
assert_eq "$before" "$(pg "$URL" "SELECT count(*) || ' ' || max(id) FROM tickets")" "the desk in use"

# A file missing from the source: nothing committed, and a second try goes through.
URL2=$(pg_createdb second) || exit 1
h=$(sql "$SRC" "SELECT sha256 FROM attachments WHERE size = 70000")
mv "$SRC.files/${h:0:2}/$h" "$TMP/aside"
ch migrate-store --from "$SRC" --to "$URL2" --to-files "$TMP/files2" --quiet
assert_status 66
err_has "$h"
assert_eq 0 "$(pg "$URL2" "SELECT count(*) FROM users")" "users after a failed copy"
mv "$TMP/aside" "$SRC.files/${h:0:2}/$h"
ch migrate-store --from "$SRC" --to "$URL2" --to-files "$TMP/files2" --quiet
assert_status 0
assert_eq "" "$ERR" "stderr with --quiet"

# Both desks on one directory of files: checked, not copied.
URL3=$(pg_createdb shared) || exit 1
ch migrate-store --from "$SRC" --to "$URL3" --to-files "$SRC.files" --quiet
assert_status 0
out_has "files: 2 ("
out_has "found in the shared directory"

# A copy that reads back different: a rule (not a trigger, which the copy
# turns off) adds a row to a table copied before. Nothing is committed.
URL4=$(pg_createdb ruled) || exit 1
ch --db "$URL4" --set "attachments.dir=$TMP/files4" init
assert_status 0
pg "$URL4" "CREATE RULE extra AS ON INSERT TO users WHERE new.id = 1
	DO ALSO INSERT INTO login_failures (key, at) VALUES ('ruled', 1)" >/dev/null
ch migrate-store --from "$SRC" --to "$URL4" --to-files "$TMP/files4" --quiet
assert_status 70
err_has "table login_failures reads back different"
assert_match "$OUT" "login_failures +0  0{32}  DIFFERENT: 1 rows" "the report of the difference"
assert_eq 0 "$(pg "$URL4" "SELECT count(*) FROM tickets")" "tickets after a copy that differed"

# Another schema: a table the destination lacks.
URL5=$(pg_createdb other) || exit 1
cp "$SRC" other.db
cp -r "$SRC.files" other.db.files
sql other.db "CREATE TABLE extra (x INTEGER)" >/dev/null
ch migrate-store --from other.db --to "$URL5" --to-files "$TMP/files5"
assert_status 65
err_has "table extra of the source has no counterpart"

# The source as the destination.
ch migrate-store --from "$URL" --to "$URL" --to-files "$TMP/files"
assert_status 64
err_has "name the same desk"

finish
