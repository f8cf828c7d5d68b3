# dovecot.sh - a real Dovecot for the mail tests, sourced after tests/http/lib.sh:
# its own configuration in $TMP/dovecot (DV), a passwd-file user
# desk@example.com / s3cret with a Maildir, listening on 127.0.0.1 only,
# and stopped by PID with the test's other processes.
#
#   dovecot_start PROTOCOLS CONF PORT...
#
# writes the common configuration plus CONF (ssl, namespaces, listeners:
# what the test is about), starts Dovecot and waits until every PORT listens.

DOVECOT=$(command -v dovecot || echo /usr/sbin/dovecot)
[ -x "$DOVECOT" ] || fail "dovecot (Debian's dovecot-imapd) is needed: scripts/setup-deps installs it"

# Dovecot drops to user nobody for the mail: its directories must be reachable.
chmod o+x "$TMP"
DV=$TMP/dovecot
mkdir -p "$DV/run" "$DV/state" "$DV/home"
chown nobody:nogroup "$DV/home"
echo "desk@example.com:{PLAIN}s3cret::::::" >"$DV/users"

dovecot_start()
{
	local protocols=$1 conf=$2 port
	shift 2
	cat >"$DV/dovecot.conf" <<CONF
base_dir = $DV/run
state_dir = $DV/state
log_path = $DV/dovecot.log
protocols = $protocols
listen = 127.0.0.1
auth_mechanisms = plain login
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $DV/users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$DV/home/%u
}
mail_location = maildir:~/Maildir
service stats {
  unix_listener stats-reader {
    mode = 0600
  }
  unix_listener stats-writer {
    mode = 0600
  }
}
$conf
CONF
	"$DOVECOT" -F -c "$DV/dovecot.conf" >"$DV/stdout" 2>&1 &
	DOVECOT_PID=$!
	ALL_PIDS+=("$DOVECOT_PID")
	for port in "$@"; do
		for _ in $(seq 100); do
			(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
			sleep 0.05
		done
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null ||
			fail "Dovecot does not listen on $port: $(cat "$DV/stdout" "$DV/dovecot.log" 2>/dev/null | tail -5)"
	done
}
