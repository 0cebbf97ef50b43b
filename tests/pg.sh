#!/bin/bash
# pg.sh - a throwaway PostgreSQL server for tests and the demo, from
# Debian's postgresql package: initdb in a directory of our own, Unix
# socket only (no TCP), a random port number so that socket names differ,
# torn down by pg_stop.  PostgreSQL refuses to run as root, so as root the
# server runs as nobody (DIR is chowned to it; its parents must let nobody
# through, which /tmp and `mktemp -d` give).  Two servers in two
# directories never share anything: socket, lock file and data all live
# in DIR.
#
# Sourced:  pg_start DIR   initdb into DIR/pgdata, start, wait until
#                          pg_isready answers (30 s), create role and
#                          database "ssd" (role password $PG_PASSWORD if
#                          set), export PGHOST PGPORT PGDATABASE PGUSER
#           pg_stop DIR    stops it (immediate) and removes DIR/pgdata
#           pg_restart DIR stops and starts the same cluster again
#           pg_halt DIR    stops it, keeping the data (the outage tests)
# CLI:      tests/pg.sh start DIR   prints eval-able export lines and
#                                   leaves the server running
#           tests/pg.sh stop DIR
# Superuser: "postgres" (psql -U postgres -d postgres), trust on the socket.
# PG_OPTS: more server options ("-c name=value ..."); PG_WAIT: seconds (120:
# a loaded machine is slow to start a server, and a ready one ends the wait).
# On failure: a message and the tail of the server's log, on stderr.

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
PG_WAIT=${PG_WAIT:-120}

# Runs a PostgreSQL program as the server's user, from DIR (as nobody, a
# root-only working directory would only bring warnings).
_pg_as() {
	if [ "$(id -u)" = 0 ]; then
		(cd "$_pg_dir" && runuser -u nobody -- "$@")
	else
		(cd "$_pg_dir" && "$@")
	fi
}

_pg_fail() {
	echo "pg.sh: $*" >&2
	if [ -s "$_pg_dir/pg.log" ]; then
		echo "pg.sh: last lines of $_pg_dir/pg.log:" >&2
		tail -20 "$_pg_dir/pg.log" | sed 's/^/pg.sh: | /' >&2
	fi
	return 1
}

# The postmaster's pid, from its pid file (empty when it is not running).
_pg_pid() {
	local pid
	[ -f "$1/pgdata/postmaster.pid" ] || return 0
	read -r pid < "$1/pgdata/postmaster.pid" 2>/dev/null
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

_pg_ctl_start() {
	local dir=$1 port=$2 i
	# pg_ctl hands -o to a shell: the directory is quoted for it.
	_pg_as "$PG_BIN/pg_ctl" -D "$dir/pgdata" -l "$dir/pg.log" -w \
	    -t "$PG_WAIT" -o "-k '$dir' -p $port -c listen_addresses='' \
	    -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
	    -c shared_buffers=16MB -c max_connections=100 \
	    -c max_wal_size=256MB -c log_min_messages=warning ${PG_OPTS:-}" \
	    start > "$dir/pg_ctl.log" 2>&1 || return 1
	for ((i = 0; i < PG_WAIT * 10; i++)); do
		"$PG_BIN/pg_isready" -q -h "$dir" -p "$port" -U postgres \
		    -d postgres -t 1 && return 0
		[ -n "$(_pg_pid "$dir")" ] || return 1
		sleep 0.1
	done
	return 1
}

pg_start() {
	local dir=$1 port= try
	[ -n "$dir" ] || { echo "pg.sh: pg_start DIR" >&2; return 2; }
	case $dir in /*) ;; *) dir=$PWD/$dir ;; esac
	_pg_dir=$dir
	[ -x "$PG_BIN/initdb" ] || { _pg_fail "no PostgreSQL server binaries in '$PG_BIN' (apt install postgresql)"; return 1; }
	[ -n "$(_pg_pid "$dir")" ] && { _pg_fail "a server is already running in $dir/pgdata (pg_stop $dir first)"; return 1; }
	rm -rf "$dir/pgdata" "$dir/pg.log"
	mkdir -p "$dir" || { _pg_fail "cannot create $dir"; return 1; }
	chmod 755 "$dir"
	if [ "$(id -u)" = 0 ]; then
		chown nobody "$dir" || { _pg_fail "cannot chown $dir to nobody"; return 1; }
		runuser -u nobody -- test -w "$dir" -a -x "$dir" ||
		    { _pg_fail "user nobody cannot use $dir: a parent directory is closed to it (use a directory under /tmp)"; return 1; }
	fi
	_pg_as "$PG_BIN/initdb" -D "$dir/pgdata" -U postgres -A trust -E UTF8 \
	    --locale=C --no-sync > "$dir/initdb.log" 2>&1 ||
	    { _pg_fail "initdb failed: $(tail -5 "$dir/initdb.log")"; return 1; }
	# A socket name nobody else uses: random port, retried on a clash.
	for try in 1 2 3; do
		port=$((20000 + RANDOM % 30000))
		[ -e "$dir/.s.PGSQL.$port" ] && { port=; continue; }
		_pg_ctl_start "$dir" "$port" && break
		[ -n "$(_pg_pid "$dir")" ] && break	# started, but not ready
		grep -q 'could not create lock file\|Address already in use' \
		    "$dir/pg.log" 2>/dev/null || { port=; break; }
		port=
	done
	if [ -z "$port" ] || ! "$PG_BIN/pg_isready" -q -h "$dir" -p "$port" \
	    -U postgres -d postgres; then
		_pg_fail "the server in $dir did not start or answer pg_isready within ${PG_WAIT}s: $(tail -3 "$dir/pg_ctl.log" 2>/dev/null)"
		pg_stop "$dir" 2>/dev/null
		return 1
	fi
	echo "$port" > "$dir/port"
	# The password through a psql variable: no quoting trouble.
	"$PG_BIN/psql" -h "$dir" -p "$port" -U postgres -d postgres -qAtX \
	    -v ON_ERROR_STOP=1 -v pw="${PG_PASSWORD:-}" > "$dir/setup.log" 2>&1 <<-'SQL' ||
		SELECT CASE WHEN :'pw' = '' THEN 'CREATE ROLE ssd LOGIN'
		    ELSE format('CREATE ROLE ssd LOGIN PASSWORD %L', :'pw') END \gexec
		CREATE DATABASE ssd OWNER ssd;
	SQL
	    { _pg_fail "cannot create role and database ssd: $(cat "$dir/setup.log")"; pg_stop "$dir" 2>/dev/null; return 1; }
	export PGHOST=$dir PGPORT=$port PGDATABASE=ssd PGUSER=ssd
}

# A clean, fast stop: clients are cut off, committed data stays (the
# server runs without fsync, so an immediate stop could lose it).
pg_halt() {
	local _pg_dir=$1
	[ -d "$1/pgdata" ] || return 0
	_pg_as "$PG_BIN/pg_ctl" -D "$1/pgdata" -m fast -w -t "$PG_WAIT" stop > /dev/null 2>&1
}

pg_restart() {
	local port
	_pg_dir=$1
	pg_halt "$1"
	port=$(cat "$1/port" 2>/dev/null) || { _pg_fail "no server was started in $1"; return 1; }
	_pg_ctl_start "$1" "$port" || _pg_fail "restart failed"
}

# Stops the server (if any) and removes its data; the logs stay.
pg_stop() {
	local _pg_dir=$1 pid
	[ -n "$1" ] || { echo "pg.sh: pg_stop DIR" >&2; return 2; }
	[ -d "$1/pgdata" ] || return 0
	if [ -n "$(_pg_pid "$1")" ]; then
		_pg_as "$PG_BIN/pg_ctl" -D "$1/pgdata" -m immediate -w -t 10 \
		    stop > /dev/null 2>&1
		# Still there (pg_ctl failed): the postmaster we started goes.
		pid=$(_pg_pid "$1")
		[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	fi
	rm -rf "$1/pgdata" "$1/port"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	case ${1:-} in
	start)
		[ -n "${2:-}" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
		pg_start "$2" || exit 1
		for v in PGHOST PGPORT PGDATABASE PGUSER; do
			printf 'export %s=%q;\n' "$v" "${!v}"
		done
		;;
	stop)
		[ -n "${2:-}" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
		pg_stop "$2"
		;;
	*)
		echo "usage: $0 start|stop DIR" >&2
		exit 2
		;;
	esac
fi
