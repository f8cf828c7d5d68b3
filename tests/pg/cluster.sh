# cluster.sh - a throwaway PostgreSQL cluster for the tests, from Debian's
# postgresql package (scripts/setup-deps installs it). Sourced by a test
# script; Debian's own cluster and service are never touched.
#
#   pg_start                 initdb in a new temporary directory, then the
#                            server on 127.0.0.1 on a free port (and a Unix
#                            socket in that directory only); sets PG_DIR,
#                            PG_PORT, PG_PID and PG_BASE (a URL without the
#                            database name)
#   pg_createdb NAME         a new database; echoes its postgresql:// URL
#   pg_down                  fast shutdown by the server's PID (SIGINT),
#                            keeping its data: an outage
#   pg_up                    the same cluster again, on the same port
#   pg_stop                  fast shutdown by the server's PID (SIGINT),
#                            then SIGKILL after 15 s; removes PG_DIR
#
# The server runs as the user 'postgres' when this runs as root (it refuses
# root), else as the caller. fsync is off: these clusters hold test data
# only, and durability is what the SQLite tests and the benchmarks measure.
# A benchmark sets PG_FSYNC=on, and PG_OPTS to more server options
# ("-c shared_buffers=256MB"), before pg_start.
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
PG_DIR='' PG_PORT='' PG_PID='' PG_BASE=''

pg_as()
{
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_start()
{
	[ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] || {
		echo "cluster.sh: PostgreSQL's initdb is missing: scripts/setup-deps installs postgresql" >&2
		return 1
	}
	PG_DIR=$(mktemp -d /tmp/champion-pg.XXXXXX) || return 1
	[ "$(id -u)" = 0 ] && chown postgres: "$PG_DIR"
	pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U champion -A trust -E UTF8 --locale=C.UTF-8 \
		--no-sync >"$PG_DIR/initdb.log" 2>&1 || {
		echo "cluster.sh: initdb failed: $(tail -5 "$PG_DIR/initdb.log")" >&2
		return 1
	}
	local try
	for try in 1 2 3; do
		PG_PORT=$(python3 -S -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
		if pg_run; then
			PG_BASE="postgresql://champion@127.0.0.1:$PG_PORT"
			return 0
		fi
		grep -q "could not bind\|already in use" "$PG_DIR/server.log" 2>/dev/null || break
	done
	echo "cluster.sh: the server did not start: $(tail -5 "$PG_DIR/server.log" 2>/dev/null)" >&2
	return 1
}

# pg_run: the server of PG_DIR on PG_PORT (pg_ctl waits until it takes connections).
pg_run()
{
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
		-o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=${PG_FSYNC:-off} \
-c full_page_writes=${PG_FSYNC:-off} -c max_connections=200 -c shared_buffers=64MB ${PG_OPTS:-}" \
		start >"$PG_DIR/pg_ctl.log" 2>&1 || return 1
	PG_PID=$(head -1 "$PG_DIR/data/postmaster.pid")
}

pg_down()
{
	local i
	[ -n "$PG_PID" ] && kill -INT "$PG_PID" 2>/dev/null || return 1
	for i in $(seq 150); do
		kill -0 "$PG_PID" 2>/dev/null || break
		sleep 0.1
	done
	PG_PID=''
}

pg_up()
{
	pg_run || {
		echo "cluster.sh: the server did not start again: $(tail -5 "$PG_DIR/server.log")" >&2
		return 1
	}
}

pg_createdb()
{
	"$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U champion "$1" >&2 || return 1
	echo "$PG_BASE/$1"
}

pg_stop()
{
	[ -n "$PG_PID" ] && kill -INT "$PG_PID" 2>/dev/null && {
		local i
		for i in $(seq 150); do
			kill -0 "$PG_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$PG_PID" 2>/dev/null || true
	}
	PG_PID=''
	[ -n "$PG_DIR" ] && rm -rf "$PG_DIR"
	PG_DIR=''
	return 0
}
