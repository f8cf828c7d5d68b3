#!/usr/bin/env bash
# test_bad_input.sh - what the desk refuses and how: bad text (65) and
# nothing written, bad names and numbers on the command line (64), missing
# things (66), duplicates (73), and databases that are corrupt, too new or
# not a desk at all. Never a crash.
# Lists of arguments in one word ("show 2") are split on purpose:
# shellcheck disable=SC2086
. "${BASH_SOURCE%/*}/lib.sh"

DB=champion.db
q()
{
	sql "$DB" "$1"
}
counts()
{
	q "SELECT (SELECT count(*) FROM tickets) || ' ' || (SELECT count(*) FROM messages) || ' ' ||
	          (SELECT count(*) FROM events) || ' ' || (SELECT count(*) FROM users)"
}
# refused STATUS: the last command exited STATUS and wrote no row.
refused()
{
	assert_status "$1"
	assert_eq "$before" "$(counts)" "ticket, message, event and user rows after a refused command"
}

ch init --admin admin@example.com
assert_status 0
ch user add agent@example.com --role agent
assert_status 0
ch user add carol@example.com
assert_status 0
ch ticket create --subject "Fine" --requester carol@example.com --body "A good ticket"
assert_status 0
out_has "created ticket #1"

# --- text that is not UTF-8 -----------------------------------------------------------
before=$(counts)
ch ticket create --subject "$(printf 'caf\xe9 \xff')" --requester newcomer@example.com --body "ok"
refused 65
err_has "subject"
err_has "UTF-8"
ch ticket create --subject "Fine" --requester carol@example.com --body "$(printf 'bad \xc3\x28 sequence')"
refused 65
err_has "UTF-8"
printf 'overlong \xc0\xaf slash\n' >overlong.txt
ch ticket create --subject "Fine" --requester carol@example.com --body-file overlong.txt
refused 65
err_has "UTF-8"
printf 'surrogate \xed\xa0\x80 half\n' >surrogate.txt
ch --as agent@example.com ticket reply 1 --body-file surrogate.txt
refused 65
err_has "UTF-8"
ch ticket set 1 --subject "$(printf '\xff')"
refused 65
err_has "UTF-8"
ch user add "$(printf 'x\xff@example.com')"
refused 65
ch user add ok@example.com --name "$(printf 'Bad \xfe name')"
refused 65
err_has "UTF-8"
# UTF-8 that is well formed is welcome
ch ticket create --subject "Café ☕ — ça marche" --requester carol@example.com --body "Ünïcödé 👍"
assert_status 0
ch ticket show 2 --json
assert_eq "Café ☕ — ça marche" "$(json 'j["subject"]')" "a UTF-8 subject"
before=$(counts)

# --- control characters and line breaks in a subject -----------------------------------
ch ticket create --subject "$(printf 'ring \a the bell')" --requester carol@example.com --body "ok"
refused 65
err_has "control character"
ch ticket create --subject "$(printf 'escape \033[31m red')" --requester carol@example.com --body "ok"
refused 65
err_has "control character"
ch ticket create --subject "$(printf 'nul-less \x7f delete')" --requester carol@example.com --body "ok"
refused 65
ch ticket create --subject $'two\nlines' --requester carol@example.com --body "ok"
refused 65
err_has "one line"
ch ticket create --subject $'carriage\rreturn' --requester carol@example.com --body "ok"
refused 65
ch ticket set 1 --subject $'line one\nline two'
refused 65
err_has "one line"
# line breaks are fine in a body
ch ticket create --subject "Multi-line body" --requester carol@example.com --body $'one\ntwo\n'
assert_status 0
before=$(counts)

# --- empty bodies, empty subjects ----------------------------------------------------
ch ticket create --subject "Empty" --requester carol@example.com --body ""
refused 65
err_has "message is empty"
ch ticket create --subject "Blank" --requester carol@example.com --body $'  \n\t '
refused 65
err_has "empty"
ch ticket create --subject "Stdin" --requester carol@example.com --body -
refused 65
err_has "empty"
run_stdin $' \n\n ' "$CHAMPION" --as agent@example.com ticket reply 1 --body -
refused 65
err_has "empty"
ch ticket create --subject "" --requester carol@example.com --body "text"
refused 65
err_has "subject is empty"
ch ticket create --subject "   " --requester carol@example.com --body "text"
refused 65
ch --as agent@example.com ticket reply 1 --body ""
refused 65
ch --as agent@example.com ticket note 1 --body "  "
refused 65
ch ticket create --subject "No body" --requester carol@example.com
refused 65
err_has "--body"
ch ticket create --subject "Both" --requester carol@example.com --body x --body-file overlong.txt
refused 65
err_has "not both"

# --- a body over 1 MiB ---------------------------------------------------------------
head -c 1048577 /dev/zero | tr '\0' 'a' >big.txt
ch ticket create --subject "Huge" --requester carol@example.com --body-file big.txt
refused 65
err_has "big.txt"
err_has "1048576"
STDIN=big.txt run "$CHAMPION" --as agent@example.com ticket reply 1 --body -
refused 65
err_has "1048576"
# exactly 1 MiB is allowed
head -c 1048576 /dev/zero | tr '\0' 'b' >max.txt
ch ticket create --subject "Just fits" --requester carol@example.com --body-file max.txt
assert_status 0
assert_eq "1048576" "$(q "SELECT length(body_text) FROM messages ORDER BY id DESC LIMIT 1")" "a 1 MiB body"
ch ticket create --subject "A directory" --requester carol@example.com --body-file .
assert_fails
err_has "directory"
before=$(counts)

# --- a subject over 250 characters (code points, not bytes) ----------------------------
long=$(printf 'é%.0s' $(seq 250))
ch ticket create --subject "$long" --requester carol@example.com --body "ok"
assert_status 0
ch ticket create --subject "${long}x" --requester carol@example.com --body "ok"
assert_status 65
err_has "250"
before=$(counts)

# --- bad names on the command line: 64, with the valid names ----------------------------
ch ticket create --subject s --requester carol@example.com --body b --priority hi
refused 64
err_has "priority 'hi'"
err_has "low, normal, high, urgent"
ch ticket set 1 --priority URGENTLY
refused 64
err_has "low, normal, high, urgent"
ch ticket list --status opened
assert_status 64
err_has "status 'opened'"
err_has "new, open, pending, on_hold, solved, closed"
ch ticket set 1 --status "done"
refused 64
err_has "new, open, pending, on_hold, solved, closed"
ch --as agent@example.com ticket reply 1 --body b --status finished
refused 64
ch user add x@example.com --role boss
refused 64
err_has "admin, agent, engineer, customer"
ch user set carol@example.com --active maybe
refused 64
err_has "yes or no"
ch ticket create --subject s --requester carol@example.com --body b --channel pigeon
refused 64
err_has "'pigeon'"
ch ticket create --subject s --requester carol@example.com --body b --tag 'not a tag!'
refused 65
err_has "tag"

# --- ticket ids ----------------------------------------------------------------------
for bad in abc 1x -1 0 1.5 "" "#" "##1" 9223372036854775808 " 1"; do
	ch ticket show "$bad"
	assert_status 64
	err_has "'$bad'"
done
ch ticket show '#1'
assert_status 0
out_has "ticket #1: Fine"
ch ticket link 1 abc
assert_status 64
err_has "'abc'"
ch ticket list --cursor abc
assert_status 64
err_has "--cursor"
ch ticket set 1 --if-version nope
assert_status 64
err_has "--if-version"
ch ticket set 1 --if-version 0
assert_status 64

for cmd in "show 999" "events 999" "set 999 --priority high" "link 1 999" "merge 999 --into 1"; do
	ch ticket $cmd
	assert_status 66
	err_has "no ticket #999"
done
ch --as agent@example.com ticket reply 999 --body hi
refused 66
err_has "no ticket #999"
ch ticket show 9223372036854775807
assert_status 66

# --- --limit ---------------------------------------------------------------------------
for bad in 0 -1 1001 abc 99999999999999999999 18446744073709551617 ""; do
	ch ticket list --limit "$bad"
	assert_status 64
	err_has "--limit wants a number from 1 to 1000"
done
ch ticket list --limit 1000
assert_status 0
ch ticket list --limit 1 --json
assert_eq "1" "$(json 'len(j["tickets"])')" "tickets with --limit 1"

# --- email addresses ---------------------------------------------------------------------
for bad in not-an-email "@example.com" "carol@" "a@b@example.com" "a b@example.com" \
	"<x@example.com>" "x@example.com,y@example.com" "$(printf 'x\t@example.com')"; do
	ch user add "$bad"
	refused 65
	err_has "address"
done
ch ticket create --subject s --requester not-an-email --body b
refused 65
err_has "not an email address"
long_email="$(printf 'a%.0s' $(seq 250))@example.com"
ch user add "$long_email"
refused 65
err_has "longer than"

# the same email in another case is the same person
ch user add Dup@Example.COM
assert_status 0
before=$(counts)
ch user add dup@example.com
refused 73
err_has "already exists"
ch user add DUP@EXAMPLE.COM --role agent
refused 73
ch user add "  dup@example.com  "
refused 73
assert_eq "Dup@Example.COM" "$(q "SELECT email FROM users WHERE email_norm = 'dup@example.com'")" "the first spelling is kept"

# --- CHAMPION_NOW garbage ---------------------------------------------------------------
for bad in garbage 2026-13-45T99:00:00Z 12abc "2026-11-02 10:00:00 CET"; do
	CHAMPION_NOW=$bad ch ticket list
	assert_status 64
	err_has "CHAMPION_NOW"
done
CHAMPION_NOW=$(( $(date -u -d 2026-11-02T12:00:00Z +%s) * 1000 )) ch ticket create --subject "At noon" \
	--requester carol@example.com --body b
assert_status 0
assert_eq "$(( $(date -u -d 2026-11-02T12:00:00Z +%s) * 1000 ))" \
	"$(q "SELECT created_at FROM tickets ORDER BY id DESC LIMIT 1")" "CHAMPION_NOW in milliseconds"

# --- databases that are not healthy desks: an error, never a crash ------------------------
# (run() fails the script on a signal or a sanitizer report.)
head -c 8192 /dev/urandom >random.db
sum=$(sha random.db)
for cmd in "ticket list" "user list" "ticket show 1" "user add z@example.com"; do
	ch --db random.db $cmd
	assert_fails
	assert_match "$ERR" "corrupt|not a database" "stderr for a file of random bytes"
done
assert_eq "$sum" "$(sha random.db)" "random.db after the attempts"

"$SQLITE3" "$DB" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
[ ! -s "$DB-wal" ] || fail "the desk's WAL was not checkpointed"
cp "$DB" half.db
truncate -s $(($(stat -c %s half.db) / 2)) half.db
for cmd in "ticket list" "ticket show 1" "user list" "ticket events 1" \
	"ticket create --subject s --requester carol@example.com --body b"; do
	ch --db half.db $cmd
	assert_fails
	assert_match "$ERR" "corrupt|not a database|malformed" "stderr for a truncated desk"
done

# a newer schema: refused (73), untouched
cp "$DB" newer.db
"$SQLITE3" newer.db "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from_the_future', 0)"
n=$(sql newer.db "SELECT count(*) FROM users")
for cmd in "ticket list" "user add future@example.com"; do
	ch --db newer.db $cmd
	assert_status 73
	err_has "newer"
	err_has "999"
done
assert_eq "$n" "$(sql newer.db "SELECT count(*) FROM users")" "users in the newer desk"
assert_eq "999" "$(sql newer.db "SELECT max(version) FROM schema_migrations")" "newer.db's schema version"

# a SQLite database of something else: 65, and not migrated into a desk
"$SQLITE3" foreign.db "CREATE TABLE recipes (name TEXT); INSERT INTO recipes VALUES ('soup')"
ch --db foreign.db ticket list
assert_status 65
err_has "not a Champion desk"
ch --db foreign.db user add x@example.com
assert_status 65
assert_eq "recipes" "$(sql foreign.db "SELECT group_concat(name) FROM sqlite_master WHERE type = 'table'")" \
	"foreign.db's tables"

finish
