#!/bin/bash
# bench/hub.sh - ssd-hub with many agents: N simulated agents (each its
# own connection; bench/hub.py) on one ssd and a real PostgreSQL, hub CPU
# and RSS at steady state, and the command round trip.  Not part of make
# check.  Usage: bench/hub.sh [BUILD_DIR] [N...]   (default: 1000 10000)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build/plain}" && pwd) || exit 1
shift
counts=${*:-1000 10000}
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
T=$(mktemp -d /tmp/ssd-bench.XXXXXX)
chmod 755 "$T"
. "$top/tests/pg.sh"
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid"; pg_stop "$T/pg"; rm -rf "$T"; }
trap cleanup EXIT
PG_OPTS="-c max_connections=200" pg_start "$T/pg" > /dev/null || exit 1
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$T/libexec" "$T/empty"
for w in ssd-api ssd-hub ssd-relay; do ln -s "$build/$w/$w" "$T/libexec/$w"; done
users="$(id -un)"; relay="$users"
getent passwd _ssd > /dev/null && [ "$(id -u)" = 0 ] && users=_ssd relay=_ssd-relay
cat > "$T/ssd.conf" <<CONF
port = $port
worker_dir = $T/libexec
chroot_dir = $T/empty
control_socket = $T/ssd.sock
user = $users
relay_user = $relay
schema_dir = $top/schema
db_host = $PGHOST
db_port = $PGPORT
db_name = $PGDATABASE
db_user = $PGUSER
log_level = warn
http_max_connections_per_address = 100000
http_max_connections = 100000
handoff_max_inflight = 10000
CONF
JWT_SECRET=bench-secret-0123456789abcdef0123456789 ADMIN_PASSWORD=bench-admin-password \
    "$build/ssd" -d -f "$T/ssd.conf" > "$T/ssd.log" 2>&1 &
pid=$!
url="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -sf "$url/ready" > /dev/null && break; sleep 0.1; done
curl -sf "$url/ready" > /dev/null || { echo "bench: ssd is not ready"; tail "$T/ssd.log"; exit 1; }
"$build/ssdctl" -s "$T/ssd.sock" template import "$top/contrib/templates/firefox.yaml" > /dev/null
token=$(curl -s -X POST -H 'Content-Type: application/json' \
    -d '{"username":"admin","password":"bench-admin-password"}' "$url/api/v1/auth/login" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
key=$(printf 'b%.0s' $(seq 64))
hash=$(printf '%s' "$key" | sha256sum | cut -d' ' -f1)
hub=$("$build/ssdctl" -s "$T/ssd.sock" show workers | awk '$1 == "ssd-hub" { print $2 }')
# Each round replaces the agents table wholesale, faster than autovacuum
# (1 min naptime) notices: without ANALYZE, ssd-api would go on with the
# plans made for the previous round's table (a seq scan and sort that
# suits 1,000 agents; 12 ms a create at 10,000).  A fleet's table changes
# gradually and autovacuum keeps its statistics, and thus the plans, current.
for n in $counts; do
	psql -qAt -c "DELETE FROM agent_commands; DELETE FROM sessions; DELETE FROM agents;
	    INSERT INTO agents (agent_id, platform, status, approval_status, api_key_hash)
	    SELECT 'bench-' || g, 'kubernetes', 'offline', 'approved', '$hash' FROM generate_series(0, $n - 1) g;
	    INSERT INTO user_quotas (user_id, max_sessions) VALUES ('admin', 1000000)
	    ON CONFLICT (user_id) DO UPDATE SET max_sessions = 1000000;
	    ANALYZE agents" > /dev/null
	echo "== $n agents (ssd-hub pid $hub), $(nproc) CPUs"
	/usr/bin/python3 "$top/bench/hub.py" "$url" "$key" "$n" "$token" "$hub" ||
	    { echo "bench/hub.sh: the run with $n agents failed" >&2; tail -5 "$T/ssd.log" >&2; exit 1; }
	sleep 2
done
