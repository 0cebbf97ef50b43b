#!/bin/bash
# prometheus.sh - a real Prometheus (Debian's) scrapes ssd every second
# on loopback during an end-to-end run: a scripted agent (testagent) with
# a data link (muxagent) and viewers on npm ws.  Checks, by PromQL on
# what Prometheus stored: the agent's streamspace_agent_status 1 online,
# then 0 once it is stopped, and AgentOffline firing in /api/v1/alerts
# (the test's copy of the rules waits 5 s, not 2 m); the VNC and session
# failure counters move when a viewer and a session fail; a stalled
# viewer counted; ssdctl show streams; a relay killed with -9: its
# counters reset, rate() stays non-negative, and no scrape lacks them.
# TAP output.
. "$top_srcdir/tests/integration/lib.sh"

command -v prometheus > /dev/null && command -v promtool > /dev/null ||
    skip_all "prometheus and promtool (Debian's prometheus) missing"
command -v node > /dev/null && [ -d "$top_srcdir/tests/node/node_modules/ws" ] ||
    skip_all "node and npm ws (tests/node) missing"
export NODE_PATH="$top_srcdir/tests/node/node_modules"
export JWT_SECRET=0123456789abcdef0123456789abcdef-test
export ADMIN_PASSWORD=admin-password-for-tests
js="$top_srcdir/tests/integration/vnc-relay.js"
ok_if "PostgreSQL starts" pg_up
# A scrape answers within Prometheus's 1 s timeout: a worker slower than
# metrics_timeout is shown with its last numbers (ssd_metrics_stale).
[ -n "${PGHOST:-}" ] && ok_if "ssd starts" ssd_start "metrics_db_interval = 1s" \
    "metrics_timeout = 500ms" "agent_heartbeat_interval = 1s" "agent_timeout = 30s" \
    "relay_link_timeout = 10s"
[ -n "$SSD_PID" ] || finish

login() { json token <<< "$(api POST /api/v1/auth/login "" "{\"username\":\"$1\",\"password\":\"$2\"}" | cut -d' ' -f2-)"; }
admin=$(login admin "$ADMIN_PASSWORD")
api POST /api/v1/users "$admin" '{"username":"usera","password":"usera-password","role":"user"}' > /dev/null
A=$(login usera usera-password)
ssdctl template import "$top_srcdir/contrib/templates/xfce-desktop.yaml" > /dev/null
key=$(ssdctl agent add k8s-ok | grep -Eo '[0-9a-f]{64}')
key_bad=$(ssdctl agent add k8s-bad | grep -Eo '[0-9a-f]{64}')
"$top_builddir/tests/agent/testagent" --url "ws://127.0.0.1:$SSD_PORT" \
    --agent k8s-ok --key "$key" --seconds 3600 > "$T/agent.out" 2>&1 &
agent=$!
on_exit "kill $agent"
eport=$(free_port); dport=$(free_port)
node "$js" echo-server "$eport" > "$T/echo.log" 2>&1 &
on_exit "kill $!"
agent_is() { sql_is "SELECT status FROM agents WHERE agent_id = '$1'" "$2"; }
ok_if "agent k8s-ok is online" wait_until "$TEST_WAIT" agent_is k8s-ok online
new_session() { json id <<< "$(api POST /api/v1/sessions "$A" '{"template":"xfce-desktop"}' | cut -d' ' -f2-)"; }
running() { sql_is "SELECT count(*) FROM sessions WHERE state = 'running'" "$1"; }
s_echo=$(new_session); s_dead=$(new_session)
ok_if "two running sessions on it" wait_until "$TEST_WAIT" running 2
"$top_builddir/tests/ws/muxagent" --url "ws://127.0.0.1:$SSD_PORT" --agent k8s-ok \
    --key "$key" --target "$s_dead=127.0.0.1:$dport" --target "127.0.0.1:$eport" \
    --seconds 3600 > "$T/mux.out" 2>&1 &
mux=$!
on_exit "kill $mux"
ok_if "its data link is up" wait_until "$TEST_WAIT" grep -q '^link up' "$T/mux.out"

# Prometheus: every second, AgentOffline after 5 s instead of 2 m.
pport=$(free_port)
P="http://127.0.0.1:$pport"
sed 's/^        for: 2m$/        for: 5s/' "$top_srcdir/contrib/prometheus/ssd-alerts.yml" > "$T/alerts.yml"
cat > "$T/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $T/alerts.yml
scrape_configs:
  - job_name: ssd
    static_configs:
      - targets: ['127.0.0.1:$SSD_PORT']
EOF
ok_if "promtool check config" promtool check config "$T/prometheus.yml"
prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/prometheus" \
    --web.listen-address="127.0.0.1:$pport" --log.level=warn > "$T/prometheus.log" 2>&1 &
on_exit "kill $!"
ok_if "Prometheus is ready" wait_until "$TEST_WAIT" curl -sf "$P/-/ready"

# promql QUERY: the value of its one result, or nothing.
promql() {
	curl -s --data-urlencode "query=$1" "$P/api/v1/query" | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin).get("data", {}).get("result", [])
if len(r) == 1:
    print(r[0]["value"][1])'
}
prom_is() { [ "$(promql "$1")" = "$2" ]; }
prom_ge() { /usr/bin/python3 -c 'import sys; sys.exit(not float(sys.argv[1]) >= float(sys.argv[2]))' "$(promql "$1")" "$2" 2> /dev/null; }
ok_if "Prometheus scrapes ssd (up 1)" wait_until "$TEST_WAIT" prom_is 'up{job="ssd"}' 1
ok_if "streamspace_agent_status: k8s-ok online 1" \
    wait_until "$TEST_WAIT" prom_is 'streamspace_agent_status{agent_id="k8s-ok",status="online"}' 1
ok_if "... and offline 0" prom_is 'streamspace_agent_status{agent_id="k8s-ok",status="offline"}' 0

# A viewer that fails: its session's VNC server does not listen.
fails='sum(streamspace_vnc_connection_failures_total)'
before=$(promql "$fails")
code=$(curl -s --max-time 30 -o /dev/null -w '%{http_code}' -H 'Connection: Upgrade' \
    -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' \
    -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' "$SSD_URL/api/v1/vnc/$s_dead?token=$A")
ok_if "a viewer of a session whose VNC server is down: 502" [ "$code" = 502 ]
ok_if "streamspace_vnc_connection_failures_total moves (was ${before:-absent})" \
    wait_until "$TEST_WAIT" prom_ge 'sum(streamspace_vnc_connection_failures_total{reason="unreachable"})' $(( ${before%.*} + 1 ))

# A viewer's bytes, and one that stalls: counted, and listed.
url="ws://127.0.0.1:$SSD_PORT/api/v1/vnc/$s_echo?token=$A"
ok_if "1 MiB through a viewer, byte-exact" node "$js" echo "$url" 1048576
relay=$(/usr/bin/python3 -c 'import sys
h = 2166136261
for c in sys.argv[1].encode():
    h = ((h ^ c) * 16777619) & 0xffffffff
print(h % 2)' k8s-ok)
bytes="ssd_relay_bytes_total{worker=\"ssd-relay[$relay]\",direction=\"to_viewer\"}"
ok_if "ssd-relay[$relay]'s ssd_relay_bytes_total to_viewer reaches 1 MiB" \
    wait_until "$TEST_WAIT" prom_ge "$bytes" 1048576
stalls=$(promql 'sum(ssd_relay_flow_stalls_total)')
node "$js" stall "$url" 3600 > "$T/stall.out" 2>&1 &
stall=$!
on_exit "kill $stall"
wait_until "$TEST_WAIT" grep -q stalled "$T/stall.out"
ok_if "a viewer that stops reading: ssd_relay_flow_stalls_total moves (was ${stalls:-absent})" \
    wait_until "$TEST_WAIT" prom_ge 'sum(ssd_relay_flow_stalls_total)' $(( ${stalls%.*} + 1 ))
ssdctl -j show streams > "$T/streams" 2>&1
listed() { grep -q "\"session\":\"$s_echo\",\"agent\":\"k8s-ok\",\"user\":\"usera\".*\"state\":\"open\"" "$T/streams" &&
    grep -q "\"relay\":\"ssd-relay\[$relay\]\"" "$T/streams"; }
ok_if "ssdctl show streams: the stalled viewer, its user, session and relay" listed
diag "$(head -1 "$T/streams")"
ssdctl show streams > "$T/streams.txt"
ok_if "... as a table with its bytes and since when" \
    grep -Eq "^ssd-relay\[$relay\] +$s_echo +vnc +usera +127\.0\.0\.1 +open +[0-9T:-]+Z +[0-9]+ +[0-9]+$" "$T/streams.txt"
kill "$stall"

# kill -9 of the relay: its counters restart from 0, a reset to
# Prometheus; every scrape still had them.
t0=$(date +%s)
rpid=$(worker_pid "ssd-relay[$relay]")
kill -9 "$rpid"
reset_seen() { prom_ge "resets(${bytes}[10m])" 1; }
ok_if "kill -9 ssd-relay[$relay]: Prometheus sees its bytes counter reset" \
    wait_until "$TEST_WAIT" reset_seen
ok_if "... the restart counted (ssd_worker_restarts_total)" \
    wait_until "$TEST_WAIT" prom_is "ssd_worker_restarts_total{worker=\"ssd-relay[$relay]\",reason=\"signal\"}" 1
ok_if "... rate() over it is never negative" \
    prom_ge "min_over_time(rate(${bytes}[5s])[2m:1s])" 0
ok_if "... increase() over the kill is not negative either" prom_ge "increase(${bytes}[10m])" 0
w=$(( $(date +%s) - t0 + 5 ))
gap=$(promql "sum(sum_over_time(up{job=\"ssd\"}[${w}s])) - sum(count_over_time(${bytes}[${w}s]))")
ok_if "... and no gap: every scrape of the last ${w}s had it (difference ${gap:-none})" [ "$gap" = 0 ]
ok_if "viewers work through the new relay (the agent re-dialled it)" \
    node "$js" until "$url" $((TEST_WAIT * 1000))

# The agent stops: offline, then AgentOffline fires.
kill "$agent" "$mux"
ok_if "agent k8s-ok stopped: streamspace_agent_status online 0" \
    wait_until "$TEST_WAIT" prom_is 'streamspace_agent_status{agent_id="k8s-ok",status="online"}' 0
ok_if "... offline 1" prom_is 'streamspace_agent_status{agent_id="k8s-ok",status="offline"}' 1
firing() {
	curl -s "$P/api/v1/alerts" | /usr/bin/python3 -c '
import json, sys
a = json.load(sys.stdin)["data"]["alerts"]
sys.exit(not any(x["labels"].get("alertname") == "AgentOffline" and
    x["labels"].get("agent_id") == "k8s-ok" and x["state"] == "firing" for x in a))'
}
ok_if "AgentOffline for k8s-ok is firing in /api/v1/alerts" wait_until "$TEST_WAIT" firing
code=$(curl -s --max-time 30 -o /dev/null -w '%{http_code}' -H 'Connection: Upgrade' \
    -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' \
    -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' "$SSD_URL/api/v1/vnc/$s_echo?token=$A")
ok_if "a viewer of the offline agent's session: 503, counted by ssd-api" \
    wait_until "$TEST_WAIT" prom_ge 'streamspace_vnc_connection_failures_total{worker="ssd-api",reason="agent_offline"}' 1
diag "viewer answered $code"

# A session that fails: its agent fails start_session.
"$top_builddir/tests/agent/testagent" --url "ws://127.0.0.1:$SSD_PORT" --agent k8s-bad \
    --key "$key_bad" --fail start_session --seconds 3600 > "$T/agent-bad.out" 2>&1 &
on_exit "kill $!"
ok_if "agent k8s-bad (failing every start) is online" wait_until "$TEST_WAIT" agent_is k8s-bad online
before=$(promql 'sum(streamspace_session_failures_total)')
s_bad=$(new_session)
ok_if "its session fails" wait_until "$TEST_WAIT" sql_is "SELECT state FROM sessions WHERE id = '$s_bad'" failed
ok_if "streamspace_session_failures_total{reason=start_failed} moves (was ${before:-absent})" \
    wait_until "$TEST_WAIT" prom_ge 'sum(streamspace_session_failures_total{reason="start_failed"})' $(( ${before%.*} + 1 ))

# After all this, a scrape with every family, and promtool likes it.
ssdctl reload > /dev/null
scrape
man_names=$("$top_builddir/man/gen-metrics" -n)
missing=
for n in $man_names; do
	grep -Eq "^$n(_bucket)?[{ ]" "$T/metrics" || missing="$missing $n"
done
ok_if "every metric of ssd-metrics(7) in a scrape${missing:+ (missing:$missing)}" [ -z "$missing" ]
ok_if "promtool check metrics: clean" bash -c "promtool check metrics < '$T/metrics'"
rules_ok() {
	curl -s "$P/api/v1/rules" | /usr/bin/python3 -c '
import json, sys
g = json.load(sys.stdin)["data"]["groups"]
r = [x for grp in g for x in grp["rules"]]
sys.exit(not r or any(x.get("health") != "ok" for x in r))'
}
ok_if "Prometheus evaluated every rule without error" rules_ok
ok_if "no sanitizer report from ssd" \
    bash -c "! grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error' '$T/ssd.log'"
finish
