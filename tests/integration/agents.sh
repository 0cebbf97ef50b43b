#!/bin/bash
# agents.sh - agents and ssd-hub against a real PostgreSQL: registration
# with the bootstrap key, approval, the agent's own key handed out once,
# the control link handed from ssd-api to ssd-hub, hello and heartbeat,
# a session's start_session command sent on the link and its completion
# moving the session to running, a failed start, isolation between
# agents, offline on disconnect.  The agent is tests/agent/testagent.c
# (Debian's python3-websockets).  TAP output.
. "$top_srcdir/tests/integration/lib.sh"

export JWT_SECRET=0123456789abcdef0123456789abcdef-test
export ADMIN_PASSWORD=admin-password-for-tests
export AGENT_BOOTSTRAP_KEY=bootstrap-key-for-tests
/usr/bin/python3 -c 'import websockets' 2> /dev/null || skip_all "python3-websockets missing"
ok_if "PostgreSQL starts" pg_up
[ -n "${PGHOST:-}" ] && ok_if "ssd starts" ssd_start "agent_heartbeat_interval = 1s" "agent_timeout = 10s" \
    "command_timeout = 60s"
[ -n "$SSD_PID" ] || finish
admin=$(json token <<< "$(api POST /api/v1/auth/login "" "{\"username\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}" | cut -d' ' -f2-)")
ssdctl template import "$top_srcdir/contrib/templates/firefox.yaml" > /dev/null

reg() {	# reg KEY BODY: "STATUS BODY"
	local code
	code=$(curl -s -o "$T/reg" -w '%{http_code}' -X POST -H "X-Agent-API-Key: $1" \
	    -H 'Content-Type: application/json' -d "$2" "$SSD_URL/api/v1/agents/register")
	echo "$code $(cat "$T/reg")"
}
body='{"agentId":"k8s-test","platform":"kubernetes","region":"eu","capacity":{"max_sessions":5}}'
r=$(reg wrong-key "$body")
ok_if "registration with a wrong key: 401" [ "${r%% *}" = 401 ]
r=$(reg "$AGENT_BOOTSTRAP_KEY" "$body")
[ "${r%% *}" = 202 ] && \
    [ "$(json approvalStatus <<< "${r#* }")" = pending ]
ok_rc "a new agent with the bootstrap key: 202 pending" $?
r=$(reg "$AGENT_BOOTSTRAP_KEY" '{"agentId":"bad id!"}')
ok_if "a bad agent id: 400" [ "${r%% *}" = 400 ]
r=$(api POST /api/v1/admin/agents/k8s-test/approve "$admin")
ok_if "the admin approves it" [ "$(json approvalStatus <<< "${r#* }")" = approved ]
r=$(reg "$AGENT_BOOTSTRAP_KEY" "$body")
key=$(json apiKey <<< "${r#* }")
[ "${r%% *}" = 200 ] && \
    grep -Eq '^[0-9a-f]{64}$' <<< "$key"
ok_rc "registering again hands out its own key, once" $?
r=$(reg "$AGENT_BOOTSTRAP_KEY" "$body")
ok_if "after that the bootstrap key no longer works for it: 401" [ "${r%% *}" = 401 ]
r=$(reg "$key" "$body")
[ "${r%% *}" = 200 ] && [ -z "$(json apiKey <<< "${r#* }")" ]
ok_rc "its own key does: 200" $?
# A heartbeat in the same write as the upgrade request: ssd-api read it
# with the request and hands it over with the connection.
/usr/bin/python3 "$top_srcdir/tests/ws/pipelined.py" control "$SSD_PORT" "$key" \
    k8s-test > "$T/pipelined.out" 2>&1 &
pipelined=$!
ok_if "a heartbeat sent with the upgrade request reaches ssd-hub" wait_until "$TEST_WAIT" \
    sql_is "SELECT capacity->>'max_sessions' FROM agents WHERE agent_id = 'k8s-test'" 77
wait $pipelined
ok_if "... on a link that was up ($(cat "$T/pipelined.out"))" grep -qx held "$T/pipelined.out"
# Links of a moment, each with a heartbeat: the agent ends offline each
# time (the hub's statements for a link go in order).
offline() { [ "$(psql -qAt -c "SELECT status FROM agents WHERE agent_id = 'k8s-test'")" = offline ]; }
flashes=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	/usr/bin/python3 "$top_srcdir/tests/ws/pipelined.py" flash "$SSD_PORT" "$key" \
	    k8s-test > /dev/null 2>&1 &&
	    wait_until "$TEST_WAIT" offline && flashes=$((flashes + 1))
done
ok_if "ten links of a moment: the agent is offline after each ($flashes)" test "$flashes" = 10
ok_if "the key is stored as a hash only" \
    [ "$(psql -qAt -c "SELECT api_key_hash <> '$key' AND length(api_key_hash) = 64 FROM agents WHERE agent_id = 'k8s-test'")" = t ]

# The control link.
agent() { "$top_builddir/tests/agent/testagent" --url "ws://127.0.0.1:$SSD_PORT" "$@"; }
# bg_agent OUT ARGS...: a scripted agent in the background until
# stop_agent; checks wait for what it should bring about, not for a time.
bg_agent() {
	local out=$1
	shift
	agent "$@" --seconds "$TEST_WAIT" > "$out" 2>&1 &
	apid=$!
}
stop_agent() { kill "$apid" 2> /dev/null; wait "$apid" 2> /dev/null; }
on_exit stop_agent
out=$(agent --agent k8s-test --key "$(printf '%064d' 0)" --seconds "$TEST_WAIT")
ok_if "a link with a wrong key is refused: 401" grep -q '"status":401' <<< "$out"
bg_agent "$T/agent.out" --agent k8s-test --key "$key"
online() { [ "$(psql -qAt -c "SELECT status FROM agents WHERE agent_id = 'k8s-test'")" = online ]; }
ok_if "the agent connects and is online" wait_until "$TEST_WAIT" online
ok_if "ssd-hub owns the link (the api handed it over)" grep -q 'ssd-hub\[[0-9]*\]: agent k8s-test: control link up' "$T/ssd.log"
ok_if "hello is answered with the heartbeat interval" \
    wait_until "$TEST_WAIT" grep -q '"type":"hello".*"heartbeat_s":1' "$T/agent.out"
ok_if "an unknown message type gets an error message" \
    wait_until "$TEST_WAIT" grep -q '"type":"error"' "$T/agent.out"
ok_if "the heartbeat's capacity is stored" \
    wait_until "$TEST_WAIT" sql_is "SELECT capacity->>'max_sessions' FROM agents WHERE agent_id = 'k8s-test'" 5
r=$(api POST /api/v1/sessions "$admin" '{"template":"firefox"}')
sid=$(json id <<< "${r#* }")
ok_if "a session is created on k8s-test" [ "$(json agentId <<< "${r#* }")" = k8s-test ]
ok_if "its start_session command reaches the agent at once (NOTIFY)" \
    wait_until "$TEST_WAIT" grep -q "\"command\":\"start_session\",\"session\":\"$sid\"" "$T/agent.out"
running() { [ "$(json state <<< "$(api GET "/api/v1/sessions/$sid" "$admin" | cut -d' ' -f2-)")" = running ]; }
ok_if "the agent's completion makes the session running" wait_until "$TEST_WAIT" running
ok_if "... with its pod name" [ "$(psql -qAt -c "SELECT pod_name FROM sessions WHERE id = '$sid'")" = "$sid-pod" ]
ok_if "... and the agent's result in platformMetadata" [ "$(json platformMetadata.podName <<< "$(api GET "/api/v1/sessions/$sid" "$admin" | cut -d' ' -f2-)")" = "$sid-pod" ]
ok_if "the command is completed" \
    [ "$(psql -qAt -c "SELECT status FROM agent_commands WHERE session_id = '$sid'")" = completed ]
ok_if "an answer for a command not the agent's is refused and logged" \
    wait_until "$TEST_WAIT" grep -q 'complete of command cmd-not-mine: refused' "$T/ssd.log"
r=$(api DELETE "/api/v1/sessions/$sid" "$admin")
terminated() { [ "$(psql -qAt -c "SELECT state FROM sessions WHERE id = '$sid'")" = terminated ]; }
ok_if "deleting it: stop_session goes out, the session ends terminated" wait_until "$TEST_WAIT" terminated
stop_agent
# k8s-test shown online while no agent is linked, so that sessions are
# placed on it and their commands wait: once the hub has recorded the
# last link's end, which would undo it.
fake_online() {
	wait_until "$TEST_WAIT" offline
	psql -qAt -c "UPDATE agents SET status = 'online', last_heartbeat = now() WHERE agent_id = 'k8s-test'" > /dev/null
}
ok_if "the agent leaves: offline" wait_until "$TEST_WAIT" offline

# Commands wait for an agent that is away, and a failed start fails the session.
fake_online
r=$(api POST /api/v1/sessions "$admin" '{"template":"firefox"}')
sid2=$(json id <<< "${r#* }")
ok_if "a session created while the agent is away waits pending" \
    [ "$(psql -qAt -c "SELECT status FROM agent_commands WHERE session_id = '$sid2'")" = pending ]
bg_agent "$T/agent2.out" --agent k8s-test --key "$key" --fail start_session
ok_if "the returning agent gets the waiting command" \
    wait_until "$TEST_WAIT" grep -q "\"session\":\"$sid2\"" "$T/agent2.out"
ok_if "its failure makes the session failed" \
    wait_until "$TEST_WAIT" sql_is "SELECT state FROM sessions WHERE id = '$sid2'" failed
stop_agent
ok_if "... and the error is kept" \
    [ "$(psql -qAt -c "SELECT error_message FROM agent_commands WHERE session_id = '$sid2'")" = "image pull failed" ]

# kill -9 ssd-hub while commands are in flight: after its restart every
# command reaches its end, executed once (the agent is idempotent by id).
fake_online
bg_agent "$T/crash1.out" --agent k8s-test --key "$key" --state "$T/executed"
wait_until "$TEST_WAIT" online
ids=
for i in 1 2 3; do
	r=$(api POST /api/v1/sessions "$admin" '{"template":"firefox"}')
	ids="$ids $(json id <<< "${r#* }")"
done
kill -9 "$(worker_pid ssd-hub)"
wait $apid		# the agent leaves with its link
hub_back() { [ "$(worker_field ssd-hub 3)" = ready ]; }
wait_until "$TEST_WAIT" hub_back
bg_agent "$T/crash2.out" --agent k8s-test --key "$key" --state "$T/executed"
all_running() {
	sql_is "SELECT count(*) FROM sessions WHERE state = 'running' AND id IN ($(echo $ids | sed "s/\([^ ]*\)/'\1'/g; s/ /,/g"))" 3
}
ok_if "kill -9 ssd-hub mid-flight: all three sessions end running" \
    wait_until "$TEST_WAIT" all_running
stop_agent
dups=$(cat "$T/crash1.out" "$T/crash2.out" | grep '"event":"execute"' | sort | uniq -d | wc -l)
execs=$(cat "$T/crash1.out" "$T/crash2.out" | grep -c '"event":"execute"')
[ "$execs" = 3 ] && [ "$dups" = 0 ]
ok_rc "... each command executed exactly once ($execs executions, $dups twice)" $?
ok_if "... and every command is completed" \
    [ "$(psql -qAt -c "SELECT count(*) FROM agent_commands WHERE status <> 'completed' AND session_id IN ($(echo $ids | sed "s/\([^ ]*\)/'\1'/g; s/ /,/g"))")" = 0 ]

# While its agent is away a running session shows as degraded.
s1=${ids%% *}
s1=${ids# }; s1=${s1%% *}
shown() { [ "$(json state <<< "$(api GET "/api/v1/sessions/$s1" "$admin" | cut -d' ' -f2-)")" = "$1" ]; }
# (20 s: the time is not what is checked, and make -j2 check runs a
# 30 s stalled-viewer test beside this one.)
ok_if "agent offline: its running session shows degraded" wait_until "$TEST_WAIT" shown degraded
ok_if "... its stored state is still running" \
    [ "$(psql -qAt -c "SELECT state FROM sessions WHERE id = '$s1'")" = running ]
bg_agent /dev/null --agent k8s-test --key "$key"
ok_if "agent back: running again" wait_until "$TEST_WAIT" shown running
stop_agent

# Reconciliation: the agent reports one of its three running sessions and
# one the control plane never made.
set -- $ids
bg_agent "$T/rec.out" --agent k8s-test --key "$key" --sessions "$1,ghost-1"
ok_if "reconciliation: sessions the agent does not have are failed" wait_until "$TEST_WAIT" \
    sql_is "SELECT string_agg(state, ',' ORDER BY id) FROM sessions WHERE id IN ('$2', '$3')" "failed,failed"
ok_if "... the one it has keeps running" \
    [ "$(psql -qAt -c "SELECT state FROM sessions WHERE id = '$1'")" = running ]
ok_if "... and the one nobody wants is told to stop" wait_until "$TEST_WAIT" \
    grep -q '"command":"stop_session","session":"ghost-1"' "$T/rec.out"
stop_agent

# An agent that goes silent (reads and sends nothing) is disconnected for
# it and marked offline while its process still holds the socket.
bg_agent /dev/null --agent k8s-test --key "$key" --silent
ok_if "a silent agent connects" wait_until "$TEST_WAIT" online
ok_if "... and is marked offline while its socket is still open" \
    wait_until "$TEST_WAIT" offline
ok_if "... because it was silent for agent_timeout" wait_until "$TEST_WAIT" \
    grep -q 'agent k8s-test: link closed (1001 idle timeout)' "$T/ssd.log"
stop_agent

# A retryable failure: the command is sent again after a back-off and
# then completes.
fake_online
r=$(api POST /api/v1/sessions "$admin" '{"template":"firefox"}')
sidr=$(json id <<< "${r#* }")
bg_agent "$T/retry.out" --agent k8s-test --key "$key" --fail-retryable start_session
ok_if "a retryable failure is retried and the session ends running" \
    wait_until "$TEST_WAIT" sql_is "SELECT state FROM sessions WHERE id = '$sidr'" running
stop_agent
[ "$(grep -c "\"session\":\"$sidr\"" "$T/retry.out")" = 2 ] && \
    [ "$(psql -qAt -c "SELECT attempts || ',' || status FROM agent_commands WHERE session_id = '$sidr'")" = "1,completed" ]
ok_rc "... the command was sent twice and counts one retry" $?

# A second agent, added by ssdctl, cannot answer for the first one.
out=$(ssdctl agent add k8s-two)
key2=$(grep -Eo '[0-9a-f]{64}' <<< "$out")
ok_if "ssdctl agent add prints the new agent's key once" [ -n "$key2" ]
fake_online
r=$(api POST /api/v1/sessions "$admin" '{"template":"firefox","region":"eu"}')
sid3=$(json id <<< "${r#* }")
cmd3=$(psql -qAt -c "SELECT command_id FROM agent_commands WHERE session_id = '$sid3'")
bg_agent "$T/agent3.out" --agent k8s-two --key "$key2" --complete "$cmd3"
ok_if "k8s-two's claim to complete k8s-test's command is refused" wait_until "$TEST_WAIT" \
    grep -q "agent k8s-two: complete of command $cmd3: refused" "$T/ssd.log"
stop_agent
ok_if "... and the session did not move" \
    [ "$(psql -qAt -c "SELECT state FROM sessions WHERE id = '$sid3'")" = pending ]
# A command nobody answers times out, and its session leaves the
# transitional state.
psql -qAt -c "UPDATE agent_commands SET created_at = now() - interval '61 seconds' WHERE session_id = '$sid3'" > /dev/null
timed_out() { [ "$(psql -qAt -c "SELECT status FROM agent_commands WHERE session_id = '$sid3'")" = timeout ]; }
ok_if "an unanswered command ends as timeout after command_timeout" wait_until "$TEST_WAIT" timed_out
ok_if "... and its session as failed" [ "$(psql -qAt -c "SELECT state FROM sessions WHERE id = '$sid3'")" = failed ]

out=$(ssdctl show agents)
grep -q '^k8s-test' <<< "$out" && \
    grep -q '^k8s-two' <<< "$out" && grep -q 'LINK-AGE' <<< "$out"
ok_rc "ssdctl show agents lists both, with link age" $?
ok_if "ssdctl agent reject" ssdctl agent reject k8s-two
r=$(reg "$key2" '{"agentId":"k8s-two"}')
ok_if "a rejected agent cannot register: 403" [ "${r%% *}" = 403 ]

# A hostile agent flooding malformed messages and garbage frames is cut
# off, and does not disturb another agent's work.
psql -qAt -c "UPDATE agents SET status = 'online', last_heartbeat = now() WHERE agent_id = 'k8s-test'" > /dev/null
keyf=$(ssdctl agent add k8s-flood | grep -Eo '[0-9a-f]{64}')
bg_agent "$T/calm.out" --agent k8s-test --key "$key"
wait_until "$TEST_WAIT" online
/usr/bin/python3 "$top_srcdir/tests/agent/flood.py" 127.0.0.1 "$SSD_PORT" k8s-flood "$keyf" > "$T/flood.out" 2>&1 &
fpid=$!
r=$(api POST /api/v1/sessions "$admin" '{"template":"firefox","region":"eu"}')
sidf=$(json id <<< "${r#* }")
wait $fpid
# The hub's log is the witness: the close frame itself may never reach
# the flooder, whose unread garbage makes the hub's close a reset.
cut_off() { grep -Eq 'agent k8s-flood: link closed \((1008|1002) ' "$T/ssd.log"; }
ok_if "the flooding agent is cut off with 1008 or 1002 ($(tr '\n' ' ' < "$T/flood.out"))" \
    wait_until "$TEST_WAIT" cut_off
runningf() { [ "$(psql -qAt -c "SELECT state FROM sessions WHERE id = '$sidf'")" = running ]; }
ok_if "meanwhile the other agent's session started normally" wait_until "$TEST_WAIT" runningf
stop_agent
# npm's ws, a strict client, against the hub's WebSocket server.
if command -v node > /dev/null && [ -d "$top_srcdir/tests/node/node_modules/ws" ]; then
	out=$(node "$top_srcdir/tests/node/ws-agent.js" "ws://127.0.0.1:$SSD_PORT" k8s-test "$key" 2>&1)
	ok_if "ws (npm) cross-test: $(tr '\n' ';' <<< "$out")" \
	    [ "$(grep -c '^ok' <<< "$out")" = 5 ]
else
	diag "npm ws not installed (contrib/install-deps.sh test): cross-test skipped"
fi
finish
