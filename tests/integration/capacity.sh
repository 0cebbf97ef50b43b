#!/bin/bash
# capacity.sh - placement honours the capacity the real agent reports:
# two ssd-agent-k8s against the Kubernetes double (tests/kube-sim), one
# with MAX_SESSIONS=2.  It gets two sessions and no third; the third is
# refused with the reason while no other agent has room, and goes to the
# second agent once it is online.  Real PostgreSQL, ssd, agents, pods.
# TAP output.
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

agent_start k8s-cap-a MAX_SESSIONS=2
ok_if "agent k8s-cap-a (MAX_SESSIONS=2) is online" wait_until "$TEST_WAIT" online k8s-cap-a
ok_if "... and the capacity it reports is stored as max_sessions 2" wait_until "$TEST_WAIT" \
    sql_is "SELECT capacity->>'max_sessions' FROM agents WHERE agent_id = 'k8s-cap-a'" 2
ids=
for i in 1 2; do
	r=$(create)
	ids="$ids $(json id <<< "${r#* }")"
	ok_if "session $i is placed on k8s-cap-a" [ "${r%% *}" = 202 ] && \
	    [ "$(json agentId <<< "${r#* }")" = k8s-cap-a ]
done
set -- $ids
ok_if "both run (real pods)" wait_until "$TEST_WAIT" eval "state_is $1 running && state_is $2 running"
r=$(create)
ok_if "a third is refused while k8s-cap-a is full: 503 no_agent_available" \
    [ "${r%% *}" = 503 ] && [ "$(json error <<< "${r#* }")" = no_agent_available ]
ok_if "... saying why" grep -q 'capacity' <<< "$(json message <<< "${r#* }")"
ok_if "... and k8s-cap-a got no third command" \
    sql_is "SELECT count(*) FROM agent_commands WHERE agent_id = 'k8s-cap-a' AND command_type = 'start_session'" 2

agent_start k8s-cap-b MAX_SESSIONS=2
ok_if "agent k8s-cap-b comes online" wait_until "$TEST_WAIT" online k8s-cap-b
ok_if "... and reports its capacity" wait_until "$TEST_WAIT" \
    sql_is "SELECT capacity->>'max_sessions' FROM agents WHERE agent_id = 'k8s-cap-b'" 2
r=$(create)
sid3=$(json id <<< "${r#* }")
ok_if "the third now goes to k8s-cap-b" [ "${r%% *}" = 202 ] && \
    [ "$(json agentId <<< "${r#* }")" = k8s-cap-b ]
ok_if "... and runs" wait_until "$TEST_WAIT" state_is "$sid3" running

# The agent refuses a start beyond MAX_SESSIONS itself (an operator's
# manual command, a stale capacity): the command fails with the reason.
psql -qAt -c "INSERT INTO agent_commands (agent_id, session_id, command_type, payload)
    VALUES ('k8s-cap-a', NULL, 'start_session', '{\"sessionId\": \"manual-1\"}');
    SELECT pg_notify('ssd_commands', 'k8s-cap-a')" > /dev/null
ok_if "a start beyond MAX_SESSIONS sent anyway is refused by the agent" wait_until "$TEST_WAIT" \
    sql_is "SELECT status || ': ' || error_message FROM agent_commands WHERE payload->>'sessionId' = 'manual-1'" \
    "failed: the agent is at MAX_SESSIONS"
finish
