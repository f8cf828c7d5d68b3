#!/usr/bin/env bash
# test_basics.sh - the command line itself: usage, help, version, and the
# usage errors (exit 64) every command shares. None of this needs a desk,
# and none of it may create one.
. "${BASH_SOURCE%/*}/lib.sh"

COMMANDS="init ticket user org group config demo"

# --- no command: usage on stderr, nothing on stdout -------------------------
ch
assert_status 64
err_has "usage: champion"
err_has "commands:"
assert_eq "" "$OUT" "stdout of a bare 'champion'"

# --- help, --help, -h: the same usage on stdout ---------------------------------
ch help
assert_status 0
out_has "usage: champion"
for c in $COMMANDS help version; do
	out_has "   $c "
done
out_has "--db PATH"
out_has "--as EMAIL"
assert_eq "" "$ERR" "stderr of 'champion help'"
help_text=$OUT

ch --help
assert_status 0
assert_eq "$help_text" "$OUT" "'champion --help' (same as 'champion help')"

ch -h
assert_status 0
assert_eq "$help_text" "$OUT" "'champion -h' (same as 'champion help')"

# --- help COMMAND ----------------------------------------------------------------
ch help ticket
assert_status 0
out_has "usage: champion ticket create"
out_has "champion ticket list"
out_has "champion ticket merge ID --into TARGET"
out_lacks "global options"

ch help nosuch
assert_status 64
err_has "'nosuch' is not a champion command"

# --- version ---------------------------------------------------------------------
ch version
assert_status 0
[[ $OUT =~ ^champion\ [0-9]+\.[0-9]+\.[0-9]+ ]] || fail "version line, got '$OUT'"
pass
version=$OUT

ch --version
assert_status 0
assert_eq "$version" "$OUT" "'champion --version'"

# --- serve: champion hands it to champion-serve, beside it ---------------------------
# champion itself loads none of the server's libraries (nor ICU, loaded by
# the first calendar built): a mailgate process starts in a third of the time.
libs=$(ldd "$CHAMPION")
for lib in libh2o libcurl libcmark libssl libicu; do
	assert_not_contains "$libs" "$lib" "the libraries champion loads at start"
done
# GMime linked from its archive brings neither gpgme nor GIO (src/mail/gmime_lean.c),
# so none of the ten libraries behind them either.
if [[ $libs != *libgmime* ]]; then
	for lib in libgpgme libassuan libgpg-error libgio libmount libblkid libselinux libpcre2 libz; do
		assert_not_contains "$libs" "$lib" "the libraries champion loads at start"
	done
fi
ch serve --help
assert_status 0
out_has "usage: champion serve"
serve_help=$OUT
ch help serve
assert_status 0
assert_eq "$serve_help" "$OUT" "'champion help serve'"
ch --db x.db serve --routes
assert_status 0
out_has "GET /api/v1/tickets"
# Without champion-serve beside it: a clear error, exit 69 (EX_UNAVAILABLE).
mkdir alone
cp "$CHAMPION" alone/champion
run alone/champion serve --routes
assert_status 69
err_has "cannot run '"
err_has "/alone/champion-serve'"
rm -r alone

# --- every command's --help, -h and 'help CMD': the same text, exit 0 -------------
for c in $COMMANDS; do
	ch "$c" --help
	assert_status 0
	out_has "usage: champion $c"
	assert_eq "" "$ERR" "stderr of 'champion $c --help'"
	text=$OUT
	ch "$c" -h
	assert_status 0
	assert_eq "$text" "$OUT" "'champion $c -h'"
	ch help "$c"
	assert_status 0
	assert_eq "$text" "$OUT" "'champion help $c'"
done
# --help wins over whatever else is on the line, and needs no desk.
ch ticket show 42 --help
assert_status 0
out_has "usage: champion ticket"
ch --db nowhere/at/all.db user add x@example.com --help
assert_status 0
out_has "usage: champion user"

# --- unknown command -------------------------------------------------------------
ch foo
assert_status 64
err_has "'foo' is not a champion command"
err_has "champion help"
assert_eq "" "$OUT" "stdout of 'champion foo'"

ch --db x.db foo bar
assert_status 64
err_has "'foo'"

# --- unknown verbs of a command --------------------------------------------------
ch ticket
assert_status 64
err_has "champion ticket:"
err_has "create, list, show"
ch ticket frobnicate
assert_status 64
err_has "'frobnicate' is not a ticket command"
err_has "see 'champion ticket --help'"
ch user frobnicate
assert_status 64
err_has "'frobnicate'"
ch user
assert_status 64
ch org frobnicate
assert_status 64
err_has "'frobnicate'"
ch group frobnicate
assert_status 64

# --- unknown options -------------------------------------------------------------
ch ticket list --bogus
assert_status 64
err_has "unknown option '--bogus'"
err_has "see 'champion ticket --help'"
ch user list --bogus
assert_status 64
err_has "'--bogus'"
ch init --bogus
assert_status 64
err_has "'--bogus'"
ch config --bogus
assert_status 64
err_has "'--bogus'"
ch org list --bogus
assert_status 64
err_has "'--bogus'"
ch group list --bogus
assert_status 64
err_has "'--bogus'"

# --- an option without its value -------------------------------------------------
ch ticket list --status
assert_status 64
err_has "option '--status' needs a value"
ch ticket create --subject
assert_status 64
err_has "'--subject' needs a value"
ch init --admin
assert_status 64
err_has "'--admin' needs a value"
ch user list --role
assert_status 64
err_has "'--role' needs a value"
# the global options too, wherever they stand
ch user list --db
assert_status 64
err_has "'--db' needs a value"
ch ticket list --as
assert_status 64
err_has "'--as' needs a value"
ch config --config
assert_status 64
err_has "'--config' needs a value"
ch config --set
assert_status 64
err_has "'--set' needs a value"
ch --set novalue config
assert_status 64
err_has "KEY=VALUE"
err_has "'novalue'"

# --- a missing positional argument -----------------------------------------------
ch ticket show
assert_status 64
err_has "show wants one ticket ID"
ch ticket reply --body hi
assert_status 64
err_has "reply wants one ticket ID"
ch ticket link 1
assert_status 64
err_has "two ticket IDs"
ch ticket merge 1
assert_status 64
err_has "--into"
ch user add
assert_status 64
err_has "add wants one EMAIL"
ch user show
assert_status 64
err_has "one EMAIL"
ch org add
assert_status 64
err_has "add wants one NAME"
ch group member Support
assert_status 64
err_has "member NAME EMAIL"
ch init --name "Ada"
assert_status 64
err_has "--name goes with --admin"

# --- an extra argument -------------------------------------------------------------
ch ticket show 1 2
assert_status 64
err_has "show wants one ticket ID"
ch ticket list 5
assert_status 64
err_has "list wants no arguments"
ch ticket create extra --subject s --requester a@example.com --body b
assert_status 64
err_has "create wants no arguments"
ch init extra
assert_status 64
err_has "unexpected argument 'extra'"
ch config extra
assert_status 64
err_has "unexpected argument 'extra'"
ch user list extra
assert_status 64
err_has "'extra'"
ch user add a@example.com b@example.com
assert_status 64
err_has "add wants one EMAIL"
ch org list extra
assert_status 64
err_has "'extra'"
ch group list extra
assert_status 64

# --- none of the above touched a desk ------------------------------------------------
if [ -e champion.db ] || [ -e x.db ]; then
	fail "a usage error or help created a desk: $(ls)"
fi
pass

finish
