# sink.sh - Postfix's smtp-sink for the tests that send mail: sourced after
# tests/http/lib.sh. It listens on 127.0.0.1 on a free port, writes each
# mail it takes to $TMP/sink/, and is stopped by its PID (lib.sh's cleanup
# too, however the script ends).
#
#   start_sink [smtp-sink options...]  sets SINK_PID, SMTP_PORT
#   stop_sink
SINK=$(command -v smtp-sink || echo /usr/sbin/smtp-sink)
[ -x "$SINK" ] || fail "smtp-sink (Debian's postfix package) is needed: scripts/setup-deps installs it"
# smtp-sink drops to user nobody: it must reach its dump directory.
chmod o+x "$TMP" && mkdir -p "$TMP/sink" && chmod 777 "$TMP/sink"

start_sink()
{
	SMTP_PORT=$(free_port)
	"$SINK" -u nobody -d "$TMP/sink/%M." "$@" "127.0.0.1:$SMTP_PORT" 10 \
		>"$TMP/sink.log" 2>&1 &
	SINK_PID=$!
	ALL_PIDS+=("$SINK_PID")
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$SMTP_PORT") 2>/dev/null && return 0
		sleep 0.05
	done
	fail "smtp-sink did not listen on $SMTP_PORT: $(cat "$TMP/sink.log")"
}

stop_sink()
{
	kill "$SINK_PID" 2>/dev/null
	wait "$SINK_PID" 2>/dev/null
	return 0
}
