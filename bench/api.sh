#!/bin/bash
# bench/api.sh - throughput of ssd-api against a real PostgreSQL on this
# machine: GET /api/v1/sessions (100 sessions, admin token) and
# POST /api/v1/auth/login (yescrypt: CPU-bound by design), each with wrk,
# with GET /health measured in the same run as the reference; then
# GET /health's latency on one connection alone and while logins flood
# ssd-api on the others (password hashes run beside its event loop).
# Not part of make check.  Usage: bench/api.sh [BUILD_DIR] (default build/plain)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build/plain}" && pwd) || exit 1
secs=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-64}
T=$(mktemp -d /tmp/ssd-bench.XXXXXX)
chmod 755 "$T"
command -v wrk > /dev/null || { echo "bench: wrk is not installed (contrib/install-deps.sh test)"; exit 1; }
. "$top/tests/pg.sh"
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid"; pg_stop "$T/pg"; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "bench: $*" >&2; tail -20 "$T/ssd.log" >&2; exit 1; }
pg_start "$T/pg" > /dev/null || exit 1
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
login_max_failures = 10000
# (One user's logins from one address in parallel count as failures
# until they succeed: 64 at once must not start its back-off.)
login_backoff_after = 1000
CONF
JWT_SECRET=bench-secret-0123456789abcdef0123456789 ADMIN_PASSWORD=bench-admin-password \
    "$build/ssd" -d -f "$T/ssd.conf" > "$T/ssd.log" 2>&1 &
pid=$!
url="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -sf "$url/ready" > /dev/null && break; sleep 0.1; done
curl -sf "$url/ready" > /dev/null || fail "ssd is not ready"
login='{"username":"admin","password":"bench-admin-password"}'
token=$(curl -s -X POST -H 'Content-Type: application/json' -d "$login" "$url/api/v1/auth/login" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
psql -qAt -c "INSERT INTO agents (agent_id, platform, status, last_heartbeat) VALUES ('bench', 'kubernetes', 'online', now());
    INSERT INTO sessions (id, user_id, template_name, state, agent_id, tags)
    SELECT 'bench-' || g, 'admin', 'firefox', 'running', 'bench', '{a,b}' FROM generate_series(1, 100) g" > /dev/null
n=$(curl -s -H "Authorization: Bearer $token" "$url/api/v1/sessions" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
[ "$n" = 100 ] || { echo "bench: expected 100 sessions, got $n"; exit 1; }
cat > "$T/login.lua" <<LUA
wrk.method = "POST"
wrk.body = '$login'
wrk.headers["Content-Type"] = "application/json"
LUA

# run NAME wrk-args...: prints requests/s and p99 in ms.
run() {
	local name=$1 out rps p99
	shift
	out=$(wrk -t2 -c"$conns" -d"${secs}s" --latency "$@" 2>&1)
	rps=$(awk '/^Requests\/sec:/ { print $2 }' <<< "$out")
	p99=$(awk '$1 == "99%" { print $2 }' <<< "$out")
	if grep -q 'Non-2xx' <<< "$out" || [ -z "$rps" ]; then
		echo "bench: $name failed: $(grep -E 'Non-2xx|rror' <<< "$out" | head -3)" >&2
		return
	fi
	printf '%-34s %10s req/s   p99 %s\n' "$name" "$rps" "$p99" >&2
	echo "$rps"
}
echo "ssd-api, wrk -t2 -c$conns -d${secs}s, $(nproc) CPUs:" >&2
ref=$(run "GET /health (reference)" "$url/health")
list=$(run "GET /api/v1/sessions (100 rows)" -H "Authorization: Bearer $token" "$url/api/v1/sessions")
lg=$(run "POST /api/v1/auth/login" -s "$T/login.lua" "$url/api/v1/auth/login")
[ -n "$ref" ] && [ -n "$list" ] && [ -n "$lg" ] || fail "a wrk run failed (above)"
awk -v r="$ref" -v l="$list" -v g="$lg" 'BEGIN {
	printf "ratios to /health: sessions list %.3f, login %.4f\n", l / r, g / r }'

# ms VALUE: wrk's latency ("812.00us", "1.20ms", "2.01s") in milliseconds.
ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[0-9]s$/) n *= 1000; print n }'; }
# health_latency: "p50 p99" of GET /health on one connection, in ms.
health_latency() {
	local out
	out=$(wrk -t1 -c1 -d"${secs}s" --latency "$url/health" 2>&1)
	echo "$(ms "$(awk '$1 == "50%" { print $2 }' <<< "$out")") $(ms "$(awk '$1 == "99%" { print $2 }' <<< "$out")")"
}
read -r a50 a99 <<< "$(health_latency)"
wrk -t1 -c"$conns" -d"$((secs + 2))s" -s "$T/login.lua" "$url/api/v1/auth/login" > "$T/flood.out" 2>&1 &
flood=$!
sleep 1
read -r f50 f99 <<< "$(health_latency)"
wait "$flood"
frps=$(awk '/^Requests\/sec:/ { print $2 }' "$T/flood.out")
grep -q 'Non-2xx' "$T/flood.out" && fail "the login flood had refusals: $(grep Non-2xx "$T/flood.out")"
[ -n "$a99" ] && [ -n "$f99" ] && [ -n "$frps" ] || fail "no latency figures from wrk"
printf 'GET /health on one connection: p50 %s ms, p99 %s ms alone; p50 %s ms, p99 %s ms under %s logins/s on %s connections\n' \
    "$a50" "$a99" "$f50" "$f99" "$frps" "$conns"
awk -v a="$a99" -v f="$f99" 'BEGIN { printf "ratio of /health p99 under the login flood to alone: %.2f\n", f / a }'
