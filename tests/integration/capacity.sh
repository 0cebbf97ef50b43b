#!/bin/bash
# capacity.sh - placement honours the capacity the real agent reports:
# two ssd-agent-k8s against the Kubernetes double (tests/kube-sim), one
# with MAX_SESSIONS=2, one with MAX_CPU=1 and MAX_MEMORY=3.  The first
# gets two sessions and no third (503 no_capacity, saying why), which
# goes to the second once it is online; there the CPU, then the memory
# run out.  Draining an agent (API and ssdctl) keeps its sessions and
# gives it no new ones.  A start the agent refuses itself is marked as
# capacity.  Real PostgreSQL, ssd, agents, pods.  TAP output.
. "$top_srcdir/tests/integration/lib.sh"

export JWT_SECRET=0123456789abcdef0123456789abcdef-test
export ADMIN_PASSWORD=admin-password-for-tests
command -v kubectl > /dev/null || skip_all "kubectl missing (kubernetes-client)"

ok_if "PostgreSQL starts" pg_up
/usr/bin/python3 "$top_srcdir/tests/kube-sim/kube-sim" --state-dir "$T/ks" \
    --port 0 --namespace sessions > "$T/kube-sim.log" 2>&1 &
on_exit "kill $!; wait $!"
ok_if "kube-sim starts" wait_until "$TEST_WAIT" test -s "$T/ks/url"
ok_if "ssd starts" ssd_start "agent_heartbeat_interval = 1s" \
    "agent_timeout = 30s" "command_timeout = 120s"
[ -n "$SSD_PID" ] && [ -s "$T/ks/url" ] || finish
ok_if "... and is ready (database up)" wait_until "$TEST_WAIT" curl -sf "$SSD_URL/ready"
ssdctl template import "$top_srcdir/contrib/templates/xfce-desktop.yaml" > /dev/null
admin=$(json token <<< "$(api POST /api/v1/auth/login "" "{\"username\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}" | cut -d' ' -f2-)")

# agent_start ID [VAR=value...]: a real agent with its own key.
agent_start() {
	local id=$1 key
	shift
	key=$(ssdctl agent add "$id" | grep -Eo '[0-9a-f]{64}')
	env AGENT_ID="$id" AGENT_KEY="$key" CONTROL_PLANE_URL="ws://127.0.0.1:$SSD_PORT" \
	    KUBECONFIG="$T/ks/kubeconfig" RECONNECT_MAX=1s SESSION_READY_TIMEOUT=60s \
	    LOG_LEVEL=debug "$@" "$top_builddir/ssd-agent-k8s/ssd-agent-k8s" \
	    >> "$T/agent-$id.log" 2>&1 &
	on_exit "kill $!; wait $!"
}
online() { sql_is "SELECT status FROM agents WHERE agent_id = '$1'" online; }
create() { api POST /api/v1/sessions "$admin" '{"template":"xfce-desktop"}'; }
state_is() { sql_is "SELECT state FROM sessions WHERE id = '$1'" "$2"; }
# reply_is STATUS FIELD VALUE: $r, "STATUS BODY", has BODY's FIELD = VALUE.
reply_is() { [ "${r%% *}" = "$1" ] && [ "$(json "$2" <<< "${r#* }")" = "$3" ]; }
# reply_says STATUS TEXT: $r has that status and its message says TEXT.
reply_says() { [ "${r%% *}" = "$1" ] && grep -q "$2" <<< "$(json message <<< "${r#* }")"; }

agent_start k8s-cap-a MAX_SESSIONS=2
ok_if "agent k8s-cap-a (MAX_SESSIONS=2) is online" wait_until "$TEST_WAIT" online k8s-cap-a
ok_if "... and the capacity it reports is stored as max_sessions 2" wait_until "$TEST_WAIT" \
    sql_is "SELECT capacity->>'max_sessions' FROM agents WHERE agent_id = 'k8s-cap-a'" 2
ids=
for i in 1 2; do
	r=$(create)
	ids="$ids $(json id <<< "${r#* }")"
	ok_if "session $i is placed on k8s-cap-a" \
	    reply_is 202 agentId k8s-cap-a
done
set -- $ids
ok_if "both run (real pods)" wait_until "$TEST_WAIT" eval "state_is $1 running && state_is $2 running"
r=$(create)
ok_if "a third is refused while k8s-cap-a is full: 503 no_capacity" \
    reply_is 503 error no_capacity
ok_if "... saying why: $(json message <<< "${r#* }")" \
    grep -q '1 at their max_sessions' <<< "$(json message <<< "${r#* }")"
ok_if "... and k8s-cap-a got no third command" \
    sql_is "SELECT count(*) FROM agent_commands WHERE agent_id = 'k8s-cap-a' AND command_type = 'start_session'" 2

agent_start k8s-cap-b MAX_SESSIONS=4 MAX_CPU=1 MAX_MEMORY=3
ok_if "agent k8s-cap-b (MAX_CPU=1, MAX_MEMORY=3) comes online" wait_until "$TEST_WAIT" online k8s-cap-b
ok_if "... and reports its capacity" wait_until "$TEST_WAIT" \
    sql_is "SELECT capacity->>'max_cpu' || ' ' || (capacity->>'max_memory') FROM agents WHERE agent_id = 'k8s-cap-b'" "1 3"
r=$(create)
sid3=$(json id <<< "${r#* }")
ok_if "the third now goes to k8s-cap-b" \
    reply_is 202 agentId k8s-cap-b
ok_if "... and runs" wait_until "$TEST_WAIT" state_is "$sid3" running
r=$(create)
ok_if "a fourth asking for 1000m CPU finds no CPU left on k8s-cap-b: 503 no_capacity" \
    reply_is 503 error no_capacity
ok_if "... saying so: $(json message <<< "${r#* }")" \
    grep -q '1 without the CPU' <<< "$(json message <<< "${r#* }")"
r=$(api POST /api/v1/sessions "$admin" '{"template":"xfce-desktop","resources":{"cpu":"0","memory":"1Gi"}}')
sid4=$(json id <<< "${r#* }")
ok_if "... one asking for no CPU and 1Gi fits (3Gi of memory)" \
    reply_is 202 agentId k8s-cap-b
r=$(api POST /api/v1/sessions "$admin" '{"template":"xfce-desktop","resources":{"cpu":"0","memory":"512Mi"}}')
ok_if "... then memory runs out (2Gi + 1Gi of 3Gi): 503 no_capacity without the memory" \
    reply_says 503 '1 without the memory'
ok_if "k8s-cap-b's sums are what its sessions ask for" \
    sql_is "SELECT live_cpu_millis || ' ' || live_memory_mib FROM agents WHERE agent_id = 'k8s-cap-b'" "1000 3072"

# Draining: no new sessions, the running ones stay; then back.
r=$(api DELETE "/api/v1/sessions/$1" "$admin")
ok_if "one of k8s-cap-a's sessions is deleted (it has room again)" [ "${r%% *}" = 202 ]
ok_if "... and is gone" wait_until "$TEST_WAIT" state_is "$1" terminated
r=$(api POST /api/v1/admin/agents/k8s-cap-a/drain "$admin")
ok_if "POST /api/v1/admin/agents/k8s-cap-a/drain: 200, draining" \
    reply_is 200 status draining
ok_if "GET /api/v1/agents shows it draining" eval \
    '[ "$(api GET "/api/v1/agents?status=draining" "$admin" | cut -d" " -f2- | json agents.0.agentId)" = k8s-cap-a ]'
ok_if "ssdctl show agents shows it draining" eval \
    "ssdctl show agents | grep -Eq '^k8s-cap-a +draining '"
r=$(api POST /api/v1/sessions "$admin" '{"template":"xfce-desktop","resources":{"cpu":"0","memory":"256Mi"}}')
ok_if "a new session does not go to the draining agent, which has room: 503 no_capacity, 1 draining" \
    reply_says 503 '1 is draining'
ok_if "... its running session stays" state_is "$2" running
ok_if "ssdctl agent undrain k8s-cap-a" eval "ssdctl agent undrain k8s-cap-a | grep -q 'takes new sessions'"
ok_if "... audited" sql_is "SELECT count(*) FROM audit_log WHERE action = 'agent undrain' AND resource_id = 'k8s-cap-a'" 1
r=$(api POST /api/v1/sessions "$admin" '{"template":"xfce-desktop","resources":{"cpu":"0","memory":"256Mi"}}')
ok_if "... and gets new sessions again" \
    reply_is 202 agentId k8s-cap-a
ok_if "ssdctl agent drain k8s-cap-b" eval "ssdctl agent drain k8s-cap-b | grep -q 'is draining'"
ok_if "... shown by ssdctl show agents" eval "ssdctl show agents | grep -Eq '^k8s-cap-b +draining '"
r=$(api POST /api/v1/admin/agents/nope/drain "$admin")
ok_if "draining an unknown agent: 404" [ "${r%% *}" = 404 ]

# The agent refuses a start beyond MAX_SESSIONS itself (a capacity the
# control plane had not heard of yet): the session fails as capacity.
wait_until "$TEST_WAIT" sql_is "SELECT count(*) FROM sessions WHERE agent_id = 'k8s-cap-a' AND state = 'running'" 2
psql -qAt -c "INSERT INTO sessions (id, user_id, template_name, state, agent_id, memory, cpu)
    VALUES ('manual-1', 'admin', 'xfce-desktop', 'pending', 'k8s-cap-a', '1Gi', '0');
    INSERT INTO agent_commands (agent_id, session_id, command_type, payload)
    VALUES ('k8s-cap-a', 'manual-1', 'start_session', '{\"sessionId\": \"manual-1\"}');
    SELECT pg_notify('ssd_commands', 'k8s-cap-a')" > /dev/null
ok_if "a start beyond MAX_SESSIONS sent anyway is refused by the agent" wait_until "$TEST_WAIT" \
    sql_is "SELECT status || ': ' || error_message FROM agent_commands WHERE session_id = 'manual-1'" \
    "failed: the agent is at MAX_SESSIONS"
ok_if "... and its session is failed as no_capacity, not as broken" \
    sql_is "SELECT state || ' ' || (platform_metadata->>'failure') FROM sessions WHERE id = 'manual-1'" "failed no_capacity"

# Hibernated sessions keep their room, unless capacity_count_hibernated
# says otherwise; the agent is told (hello) and counts the same way.
hib=$(psql -qAt -c "SELECT id FROM sessions WHERE agent_id = 'k8s-cap-a' AND state = 'running' ORDER BY created_at LIMIT 1")
api PUT "/api/v1/sessions/$hib/hibernate" "$admin" > /dev/null
ok_if "one of k8s-cap-a's two sessions is hibernated" wait_until "$TEST_WAIT" state_is "$hib" hibernated
small='{"template":"xfce-desktop","resources":{"cpu":"0","memory":"64Mi"}}'
r=$(api POST /api/v1/sessions "$admin" "$small")
ok_if "... it keeps its room: no capacity for another (k8s-cap-b draining)" \
    reply_says 503 '1 at their max_sessions'
echo "capacity_count_hibernated = no" >> "$T/ssd.conf"
ok_if "ssdctl reload: capacity_count_hibernated = no" ssdctl reload
r=$(api POST /api/v1/sessions "$admin" "$small")
sid6=$(json id <<< "${r#* }")
ok_if "... now a new session takes its room on k8s-cap-a" \
    reply_is 202 agentId k8s-cap-a
ok_if "... and the agent, told so, runs it" wait_until "$TEST_WAIT" state_is "$sid6" running
api PUT "/api/v1/sessions/$hib/wake" "$admin" > /dev/null
ok_if "waking the hibernated one finds k8s-cap-a full: it stays hibernated" \
    wait_until "$TEST_WAIT" state_is "$hib" hibernated
ok_if "... refused by the agent as capacity" sql_is "SELECT status || ': ' || error_message FROM agent_commands WHERE session_id = '$hib' AND command_type = 'wake_session'" "failed: the agent is at MAX_SESSIONS"
ok_if "GET /api/v1/agents/k8s-cap-a shows its load" eval \
    '[ "$(api GET /api/v1/agents/k8s-cap-a "$admin" | cut -d" " -f2- | json load.hibernated)" = 1 ]'
finish
