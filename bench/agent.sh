#!/bin/bash
# bench/agent.sh - ssd-agent-k8s against the Kubernetes API double: the
# time from POST /api/v1/sessions to running (p50/p99 over N starts, one at
# a time), how much of it the control plane spends before the agent has
# the command (all from the database's clock), and
# the agent's RSS idle and with N sessions running.  Not part of make
# check.  Usage: bench/agent.sh [BUILD_DIR] [N]   (default N: 100)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
n=${2:-100}

rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
pg_up > /dev/null || fail "PostgreSQL did not start"
/usr/bin/python3 "$top/tests/kube-sim/kube-sim" --state-dir "$T/ks" --port 0 \
    --namespace bench > "$T/kube-sim.log" 2>&1 &
on_exit "kill $!; wait $!"
wait_until 15 test -s "$T/ks/url" || fail "kube-sim did not start"
ssd_start || fail "ssd did not start: $(tail -5 "$T/ssd.log")"
ssdctl template import "$top/contrib/templates/xfce-desktop.yaml" > /dev/null
key=$(ssdctl agent add k8s-bench | grep -Eo '[0-9a-f]{64}')
AGENT_ID=k8s-bench CONTROL_PLANE_URL="ws://127.0.0.1:$SSD_PORT" AGENT_KEY=$key \
    KUBECONFIG="$T/ks/kubeconfig" LOG_LEVEL=warn \
    "$build/ssd-agent-k8s/ssd-agent-k8s" > "$T/agent.log" 2>&1 &
agent=$!
on_exit "kill $agent; wait $agent"
wait_until 5 sql_is "SELECT status FROM agents WHERE agent_id = 'k8s-bench'" online ||
    fail "the agent did not come online: $(tail -3 "$T/agent.log")"
psql -q -c "INSERT INTO user_quotas (user_id, max_sessions) VALUES ('admin', $((n + 10))) ON CONFLICT (user_id) DO UPDATE SET max_sessions = $((n + 10))"
admin=$(json token <<< "$(api POST /api/v1/auth/login "" "{\"username\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}" | cut -d' ' -f2-)")
sleep 2
idle=$(rss_kib "$agent")

for ((i = 0; i < n; i++)); do
	sid=$(json id <<< "$(api POST /api/v1/sessions "$admin" '{"template":"xfce-desktop","persistentHome":false}' | cut -d' ' -f2-)")
	wait_until 30 sql_is "SELECT state FROM sessions WHERE id = '$sid'" running ||
	    fail "session $sid did not start"
done
sleep 2
busy=$(rss_kib "$agent")
# From the database's own clock: created -> command sent (control plane),
# sent -> completed (agent and API server), created -> running (all).
pct() {
	psql -qAt -F ' ' -c "SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY x)::numeric, 1), round(percentile_cont(0.99) WITHIN GROUP (ORDER BY x)::numeric, 1) FROM (SELECT extract(epoch FROM $1) * 1000 AS x FROM agent_commands c JOIN sessions s ON s.id = c.session_id WHERE c.command_type = 'start_session' AND s.state = 'running') q"
}
read -r all50 all99 <<< "$(pct 's.updated_at - s.created_at')"
read -r cp1_50 cp1_99 <<< "$(pct 'c.sent_at - s.created_at')"
read -r ag50 ag99 <<< "$(pct 'c.completed_at - c.sent_at')"
[ -n "$all50" ] && [ -n "$cp1_50" ] && [ -n "$ag50" ] || fail "no start times in the database"
printf 'sessions started one at a time:          %d\n' "$n"
printf 'POST /api/v1/sessions to running:        p50 %s ms, p99 %s ms\n' "$all50" "$all99"
printf '  control plane, created to command sent: p50 %s ms, p99 %s ms\n' "$cp1_50" "$cp1_99"
printf '  agent + API double, sent to complete:   p50 %s ms, p99 %s ms\n' "$ag50" "$ag99"
printf '  (running is stored on the first of the agent'"'"'s pod-ready status and its\n'
printf '   completion, whichever comes first: usually the status)\n'
printf 'agent RSS idle:                          %s KiB\n' "$idle"
printf 'agent RSS with %d sessions running:     %s KiB\n' "$n" "$busy"
