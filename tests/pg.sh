#!/bin/bash
# pg.sh - a throwaway PostgreSQL server for tests and the demo, from
# Debian's postgresql package: initdb in a directory of our own, Unix
# socket only (no TCP), a random port so that socket names never collide,
# torn down by pg_stop.  PostgreSQL refuses to run as root, so as root the
# server runs as nobody.
#
# Sourced:  pg_start DIR   starts it; exports PGHOST PGPORT PGDATABASE
#                          PGUSER (database and role "ssd")
#           pg_stop DIR    stops it and removes DIR/pgdata
#           pg_restart DIR stops and starts the same cluster again
#           pg_halt DIR    stops it, keeping the data (the outage tests)
# CLI:      tests/pg.sh start DIR   prints eval-able export lines
#           tests/pg.sh stop DIR

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}

_pg_as() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u nobody -- "$@"
	else
		"$@"
	fi
}

_pg_fail() {
	echo "pg.sh: $*" >&2
	[ -f "$_pg_dir/pg.log" ] && tail -20 "$_pg_dir/pg.log" | sed 's/^/pg.sh: | /' >&2
	return 1
}

_pg_ctl_start() {
	local dir=$1 port=$2
	_pg_as "$PG_BIN/pg_ctl" -D "$dir/pgdata" -l "$dir/pg.log" -w -t 30 \
	    -o "-k $dir -p $port -c listen_addresses= -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=16MB -c max_connections=100" \
	    start > /dev/null 2>&1
}

pg_start() {
	local dir=$1 port
	_pg_dir=$dir
	[ -x "$PG_BIN/initdb" ] || { _pg_fail "no PostgreSQL server binaries (apt install postgresql)"; return 1; }
	mkdir -p "$dir" || return 1
	chmod 755 "$dir"
	[ "$(id -u)" = 0 ] && chown nobody "$dir"
	_pg_as "$PG_BIN/initdb" -D "$dir/pgdata" -U postgres -A trust -E UTF8 \
	    --no-sync > "$dir/initdb.log" 2>&1 || { _pg_fail "initdb failed: $(tail -3 "$dir/initdb.log")"; return 1; }
	# A socket name nobody else uses: random port, retried on a clash.
	for _ in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 30000))
		[ -e "$dir/.s.PGSQL.$port" ] && continue
		_pg_ctl_start "$dir" "$port" && break
		port=
	done
	[ -n "$port" ] || { _pg_fail "the server did not start"; return 1; }
	echo "$port" > "$dir/port"
	_pg_as "$PG_BIN/psql" -h "$dir" -p "$port" -U postgres -d postgres -qAt \
	    -v ON_ERROR_STOP=1 -c "CREATE ROLE ssd LOGIN${PG_PASSWORD:+ PASSWORD '$PG_PASSWORD'}" \
	    -c "CREATE DATABASE ssd OWNER ssd" > "$dir/setup.log" 2>&1 ||
	    { _pg_fail "cannot create role and database: $(cat "$dir/setup.log")"; return 1; }
	export PGHOST=$dir PGPORT=$port PGDATABASE=ssd PGUSER=ssd
}

# A clean, fast stop: clients are cut off, committed data stays (the
# server runs without fsync, so an immediate stop could lose it).
pg_halt() {
	[ -d "$1/pgdata" ] || return 0
	_pg_as "$PG_BIN/pg_ctl" -D "$1/pgdata" -m fast -w -t 30 stop > /dev/null 2>&1
}

pg_restart() {
	_pg_dir=$1
	pg_halt "$1"
	_pg_ctl_start "$1" "$(cat "$1/port")" || _pg_fail "restart failed"
}

pg_stop() {
	[ -d "$1/pgdata" ] && _pg_as "$PG_BIN/pg_ctl" -D "$1/pgdata" \
	    -m immediate -w -t 30 stop > /dev/null 2>&1
	rm -rf "$1/pgdata"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	case ${1:-} in
	start)
		[ -n "${2:-}" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
		pg_start "$2" || exit 1
		echo "export PGHOST=$PGHOST PGPORT=$PGPORT PGDATABASE=$PGDATABASE PGUSER=$PGUSER"
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
