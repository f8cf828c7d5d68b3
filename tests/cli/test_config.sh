#!/usr/bin/env bash
# test_config.sh - `champion config`: every key, its value and where the value
# came from (default < file < env < flag), and the errors of a bad file or
# a bad value.
. "${BASH_SOURCE%/*}/lib.sh"

# The keys, as `config --keys` documents them (checked against the list below).
KEYS="db.path db.synchronous db.busy_timeout_ms attachments.dir attachments.max_bytes log.level server.listen server.threads server.body_max_bytes server.request_timeout_ms server.shutdown_grace_ms server.batch_max server.live_poll_ms web.url mail.from smtp.url smtp.user smtp.password smtp.require_tls smtp.ca_file smtp.timeout_ms mail.outbox_poll_ms mail.new_tickets_per_hour mail.cc_followers mail.acknowledge jobs.lease_ms imap.url imap.user imap.password imap.mailbox imap.move_to imap.require_tls imap.ca_file imap.poll_ms"

# source KEY: the source the last `config` output gives KEY.
source_of()
{
	printf '%s\n' "$OUT" | sed -n "s/^$1 = .*  # \([a-z]*\)\$/\1/p"
}
# value KEY: the value the last `config` output gives KEY.
value_of()
{
	printf '%s\n' "$OUT" | sed -n "s/^$1 = \(.*\)  # [a-z]*\$/\1/p"
}

# --- defaults -----------------------------------------------------------------------
ch config
assert_status 0
out_has "# configuration file: (none)"
for k in $KEYS; do
	assert_eq "default" "$(source_of "$k")" "source of $k with no file, env or flag"
done
assert_eq "champion.db" "$(value_of db.path)" "default db.path"
assert_eq "full" "$(value_of db.synchronous)" "default db.synchronous"
assert_eq "warn" "$(value_of log.level)" "default log.level"
# every key line is "key = value  # source", and there is one per key
nkeys=$(printf '%s\n' "$OUT" | grep -c '^[a-z_]*\.[a-z_]* = .*  # [a-z]*$')
assert_eq "$(wc -w <<<"$KEYS")" "$nkeys" "number of key lines"
[ ! -e champion.db ] || fail "'champion config' created a desk"
# A secret is shown as set, never printed.
ch --set smtp.password=hunter2 config
assert_eq "smtp.password = (set)  # flag" "$(printf '%s\n' "$OUT" | grep '^smtp.password')" "a password in champion config"
pass

# --- config --keys documents each key and its environment variable -------------------
ch config --keys
assert_status 0
for k in $KEYS; do
	out_has "$k = "
done
out_has "(env CHAMPION_DB)"
out_has "(env CHAMPION_DB_SYNCHRONOUS)"
out_has "(env CHAMPION_DB_BUSY_TIMEOUT_MS)"
out_has "(env CHAMPION_ATTACHMENTS_DIR)"
out_has "(env CHAMPION_ATTACHMENTS_MAX_BYTES)"
out_has "(env CHAMPION_LOG_LEVEL)"
out_has "commit durability"
ndocs=$(printf '%s\n' "$OUT" | grep -c '^# .*(env CHAMPION_[A-Z_]*)$')
assert_eq "$nkeys" "$ndocs" "documented keys"

# --- ./champion.conf: source file -------------------------------------------------
cat >champion.conf <<'EOF'
; a comment
[db]
busy_timeout_ms = 1234
synchronous = normal

[log]
level = error
EOF
ch config
assert_status 0
out_has "# configuration file: champion.conf"
assert_eq "1234" "$(value_of db.busy_timeout_ms)" "db.busy_timeout_ms from the file"
assert_eq "file" "$(source_of db.busy_timeout_ms)" "source of db.busy_timeout_ms"
assert_eq "error" "$(value_of log.level)" "log.level from the file"
assert_eq "file" "$(source_of log.level)" "source of log.level"
assert_eq "file" "$(source_of db.synchronous)" "source of db.synchronous"
assert_eq "default" "$(source_of db.path)" "source of db.path (not in the file)"

# --- the environment beats the file -----------------------------------------------------
CHAMPION_DB_SYNCHRONOUS=off ch config
assert_status 0
assert_eq "off" "$(value_of db.synchronous)" "db.synchronous from the environment"
assert_eq "env" "$(source_of db.synchronous)" "source of db.synchronous"
assert_eq "file" "$(source_of log.level)" "source of log.level, untouched by the env"

CHAMPION_DB=env.db CHAMPION_ATTACHMENTS_MAX_BYTES=77 ch config
assert_eq "env.db" "$(value_of db.path)" "db.path from CHAMPION_DB"
assert_eq "env" "$(source_of db.path)" "source of db.path"
assert_eq "77" "$(value_of attachments.max_bytes)" "attachments.max_bytes from the env"
assert_eq "env" "$(source_of attachments.max_bytes)" "source of attachments.max_bytes"

# CHAMPION_DATABASE_URL names the desk too (as hosts name a database's URL);
# with CHAMPION_DB naming another, neither wins.
CHAMPION_DATABASE_URL=postgresql://desk@127.0.0.1:1/desk ch config
assert_status 0
assert_eq "postgresql://desk@127.0.0.1:1/desk" "$(value_of db.path)" "db.path from CHAMPION_DATABASE_URL"
assert_eq "env" "$(source_of db.path)" "source of db.path from CHAMPION_DATABASE_URL"
CHAMPION_DB=env.db CHAMPION_DATABASE_URL=postgresql://desk@127.0.0.1:1/desk ch config
assert_status 65
err_has "both CHAMPION_DB ('env.db') and CHAMPION_DATABASE_URL"
CHAMPION_DATABASE_URL=postgresql://desk@127.0.0.1:1/desk ch --db flag.db config
assert_status 0
assert_eq "flag.db" "$(value_of db.path)" "--db over CHAMPION_DATABASE_URL"

# --- a flag beats the environment: --set and --db ----------------------------------------
CHAMPION_DB_SYNCHRONOUS=off CHAMPION_DB=env.db ch --set db.synchronous=full --db flag.db config
assert_status 0
assert_eq "full" "$(value_of db.synchronous)" "db.synchronous from --set"
assert_eq "flag" "$(source_of db.synchronous)" "source of db.synchronous"
assert_eq "flag.db" "$(value_of db.path)" "db.path from --db"
assert_eq "flag" "$(source_of db.path)" "source of db.path"

ch config --set log.level=debug --db=f2.db --set attachments.max_bytes=10
assert_status 0
assert_eq "debug" "$(value_of log.level)" "log.level from a --set after the command"
assert_eq "flag" "$(source_of log.level)" "source of log.level"
assert_eq "f2.db" "$(value_of db.path)" "db.path from --db="
assert_eq "10" "$(value_of attachments.max_bytes)" "attachments.max_bytes from --set"
assert_eq "file" "$(source_of db.busy_timeout_ms)" "source of an untouched key"

# --set names only known keys
ch --set db.bogus=1 config
assert_fails
err_has "'db.bogus'"

# --- the file's values are used, not just shown --------------------------------------
printf '[db]\npath = fromfile.db\n' >champion.conf
ch init --admin admin@example.com
assert_status 0
out_has "created desk 'fromfile.db'"
if [ ! -s fromfile.db ] || [ -e champion.db ]; then
	fail "init did not use db.path from champion.conf"
fi
pass
ch user list
assert_status 0
out_has "admin@example.com"

# --- --config FILE and $CHAMPION_CONFIG ---------------------------------------------
printf '[log]\nlevel = info\n' >other.conf
ch --config other.conf config
assert_status 0
out_has "# configuration file: other.conf"
assert_eq "info" "$(value_of log.level)" "log.level from --config other.conf"
assert_eq "default" "$(source_of db.path)" "db.path with --config other.conf (./champion.conf unread)"

CHAMPION_CONFIG=other.conf ch config
assert_status 0
out_has "# configuration file: other.conf"
assert_eq "info" "$(value_of log.level)" "log.level from CHAMPION_CONFIG"

# a named file that is missing is an error, not a silent default
ch --config missing.conf config
assert_fails
err_has "'missing.conf'"
err_has "cannot read configuration"
ch --config=missing.conf user list
assert_fails
err_has "'missing.conf'"
CHAMPION_CONFIG=gone.conf ch config
assert_fails
err_has "'gone.conf'"

# an unknown key in the file names the file and the line
printf '[db]\npath = x.db\nbogus = 1\n' >bad.conf
ch --config bad.conf config
assert_fails
err_has "bad.conf:3"
err_has "db.bogus"
printf '[log]\nlevel = warn\n' >champion.conf
printf '[attachments]\nmax_byte = 5\n' >>champion.conf
ch config
assert_fails
err_has "champion.conf:4"
err_has "attachments.max_byte"

# a line that is not INI names the file and the line
printf '[log]\nlevel = warn\nthis is not a setting\n' >syntax.conf
ch --config syntax.conf config
assert_fails
err_has "syntax.conf:3"

# --- a bad db.synchronous: a clear error when the desk is opened ---------------------
rm champion.conf
ch init
assert_status 0
ch --set db.synchronous=sometimes user list
assert_fails
err_has "db.synchronous"
err_has "'sometimes'"
err_has "full, normal, off"
err_has "flag"
CHAMPION_DB_SYNCHRONOUS=maybe ch ticket list
assert_fails
err_has "'maybe'"
err_has "env"
printf '[db]\nsynchronous = often\n' >sync.conf
ch --config sync.conf user list
assert_fails
err_has "'often'"
err_has "file"
# every valid value opens the desk
for s in full normal off; do
	ch --set db.synchronous=$s user list
	assert_status 0
done

# other bad values are named too
ch --set db.busy_timeout_ms=soon user list
assert_fails
err_has "db.busy_timeout_ms"
err_has "'soon'"
ch --set attachments.max_bytes=-1 user list
assert_fails
err_has "attachments.max_bytes"
ch --set log.level=loud user list
assert_fails
err_has "log.level"
err_has "'loud'"

finish
