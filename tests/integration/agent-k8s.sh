#!/bin/bash
# agent-k8s.sh - ssd-agent-k8s end to end: a real PostgreSQL, ssd, the
# agent and the Kubernetes API double (tests/kube-sim, whose pods are real
# processes on loopback addresses), checked through the API and with real
# kubectl.  Registration with the bootstrap key and approval; a session's
# whole life (start with its pod IP, hibernate, wake on a new pod,
# delete with nothing left but the user's home); API faults (500s, 422), a crashing pod, the
# agent killed mid-create, the control plane restarted, and in-cluster
# configuration.  TAP output.
. "$top_srcdir/tests/integration/lib.sh"

export JWT_SECRET=0123456789abcdef0123456789abcdef-test
export ADMIN_PASSWORD=admin-password-for-tests
export AGENT_BOOTSTRAP_KEY=bootstrap-key-for-tests
command -v kubectl > /dev/null || skip_all "kubectl missing (kubernetes-client)"

ks() { /usr/bin/python3 "$top_srcdir/tests/kube-sim/kube-sim" ctl --state-dir "$T/ks" "$@"; }
kc() { KUBECONFIG="$T/ks/kubeconfig" kubectl "$@"; }
state_of() { psql -qAt -c "SELECT state FROM sessions WHERE id = '$1'"; }
is_state() { [ "$(state_of "$1")" = "$2" ]; }
# requests METHOD PATH-REGEX STATUS: how many such calls kube-sim answered.
requests() {
	ks requests | /usr/bin/python3 -c 'import json, re, sys
m, p, s = sys.argv[1:]
print(sum(1 for r in json.load(sys.stdin)["requests"] if r["method"] == m
    and re.search(p, r["path"]) and str(r["status"]) == s))' "$@"
}
session_objects() { kc get deploy,svc,pvc,pods -l "session=$1" -o name 2> /dev/null | wc -l; }
objects_are() { [ "$(session_objects "$1")" = "$2" ]; }
no_session_objects() { [ -z "$(kc get deploy,svc,pvc,pods -l app=streamspace-session -o name)" ]; }
deployments_created() { [ "$(requests POST '/deployments$' 201)" -ge "$1" ]; }

ok_if "PostgreSQL starts" pg_up
/usr/bin/python3 "$top_srcdir/tests/kube-sim/kube-sim" --state-dir "$T/ks" \
    --port 0 --namespace sessions > "$T/kube-sim.log" 2>&1 &
on_exit "kill $!; wait $!"
ok_if "kube-sim starts" wait_until "$TEST_WAIT" test -s "$T/ks/url"
ok_if "ssd starts" ssd_start "agent_heartbeat_interval = 1s" "agent_timeout = 30s" \
    "command_timeout = 120s"
[ -n "$SSD_PID" ] && [ -s "$T/ks/url" ] || finish
ssdctl template import "$top_srcdir/contrib/templates/xfce-desktop.yaml" > /dev/null
admin=$(json token <<< "$(api POST /api/v1/auth/login "" "{\"username\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}" | cut -d' ' -f2-)")

AGENT_PID=
agent_start() {	# agent_start [VAR=value...]: kubeconfig mode unless overridden
	env AGENT_ID=k8s-e2e CONTROL_PLANE_URL="ws://127.0.0.1:$SSD_PORT" \
	    AGENT_KEY_FILE="$T/agent.key" KUBECONFIG="$T/ks/kubeconfig" \
	    REGISTER_POLL_INTERVAL=200ms RECONNECT_MAX=1s HEARTBEAT_INTERVAL=1s \
	    SESSION_READY_TIMEOUT=60s LOG_LEVEL=debug "$@" \
	    "$top_builddir/ssd-agent-k8s/ssd-agent-k8s" >> "$T/agent.log" 2>&1 &
	AGENT_PID=$!
}
agent_stop() { [ -n "$AGENT_PID" ] && kill "$1" "$AGENT_PID" 2> /dev/null; wait "$AGENT_PID" 2> /dev/null; AGENT_PID=; }
on_exit 'agent_stop -TERM'
online() { [ "$(psql -qAt -c "SELECT status FROM agents WHERE agent_id = 'k8s-e2e'")" = online ]; }

# Registration: bootstrap key, pending, approval, own key stored.
agent_start AGENT_BOOTSTRAP_KEY="$AGENT_BOOTSTRAP_KEY"
ok_if "a new agent registers with the bootstrap key and waits: pending" \
    wait_until "$TEST_WAIT" sql_is "SELECT approval_status FROM agents WHERE agent_id = 'k8s-e2e'" pending
ssdctl agent approve k8s-e2e > /dev/null
ok_if "approved: it stores its own key (0600) and comes online" \
    wait_until "$TEST_WAIT" online
sh -c "grep -Eq '^[0-9a-f]{64}$' '$T/agent.key' && [ \$(stat -c %a '$T/agent.key') = 600 ]"
ok_rc "... the key file holds 64 hex digits, mode 600" $?
agent_stop -TERM
agent_start
ok_if "restarted with only its key file: online again" wait_until "$TEST_WAIT" online

create() {	# create BODY: prints the new session's id
	json id <<< "$(api POST /api/v1/sessions "$admin" "$1" | cut -d' ' -f2-)"
}
meta() { json "platformMetadata.$2" <<< "$(api GET "/api/v1/sessions/$1" "$admin" | cut -d' ' -f2-)"; }
rfb_at() {	# rfb_at IP PORT: the server there greets with RFB
	/usr/bin/python3 -c 'import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), 2)
sys.exit(0 if s.recv(12).startswith(b"RFB ") else 1)' "$1" "$2"
}

# A whole life.
t0=$(date +%s%N)
sid=$(create '{"template":"xfce-desktop"}')
ok_if "a session reaches running" wait_until "$TEST_WAIT" is_state "$sid" running
diag "POST /api/v1/sessions to running: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
ip=$(meta "$sid" podIP)
kip=$(kc get pods -l "session=$sid" -o jsonpath='{.items[0].status.podIP}')
ok_if "platformMetadata has the pod's IP, as kubectl shows it ($ip)" \
    test -n "$ip" -a "$ip" = "$kip"
ok_if "its VNC port answers on the pod IP" rfb_at "$ip" 5901
ok_if "kubectl lists its deployment, service and pod, no claim of its own" \
    [ "$(session_objects "$sid")" = 3 ]
ok_if "... its pod mounts the user's home, home-admin" eval \
    '[ "$(kc get pods -l "session=$sid" -o jsonpath="{.items[0].spec.volumes[0].persistentVolumeClaim.claimName}")" = home-admin ]'
ok_if "... a claim of the user's, in no session, of no agent" eval \
    '[ "$(kc get pvc home-admin -o jsonpath="{.metadata.labels.app} {.metadata.labels.session}{.metadata.labels.streamspace\.io/agent} {.metadata.annotations.streamspace\.io/home-user} {.spec.accessModes[0]}")" = "streamspace-home  admin ReadWriteMany" ]'

api PUT "/api/v1/sessions/$sid/hibernate" "$admin" > /dev/null
ok_if "hibernate: state hibernated" wait_until "$TEST_WAIT" is_state "$sid" hibernated
sh -c "[ -z \"\$(KUBECONFIG=$T/ks/kubeconfig kubectl get pods -l session=$sid -o name)\" ] && ! /usr/bin/python3 -c 'import socket; socket.create_connection((\"$ip\", 5901), 1)'"
ok_rc "... the pod and its process are gone" $?
api PUT "/api/v1/sessions/$sid/wake" "$admin" > /dev/null
ok_if "wake: running again" wait_until "$TEST_WAIT" is_state "$sid" running
ip2=$(meta "$sid" podIP)
ok_if "... on a new pod IP ($ip -> $ip2)" test -n "$ip2" -a "$ip2" != "$ip"
ok_if "... where its VNC port answers" rfb_at "$ip2" 5901
api DELETE "/api/v1/sessions/$sid" "$admin" > /dev/null
ok_if "delete: terminated" wait_until "$TEST_WAIT" is_state "$sid" terminated
ok_if "... and kubectl shows nothing left of it" wait_until "$TEST_WAIT" objects_are "$sid" 0
ok_if "... but the user's home" kc get pvc home-admin

# The API server fails three times, then recovers: created once.
ks requests-clear > /dev/null
ks fault '{"method":"POST","path_regex":"/deployments$","status":500,"count":3}' > /dev/null
sid=$(create '{"template":"xfce-desktop"}')
ok_if "three 500s on create, then success: running" wait_until "$TEST_WAIT" is_state "$sid" running
ok_if "... the deployment was created exactly once, after three 500s" \
    test "$(requests POST '/deployments$' 201)/$(requests POST '/deployments$' 500)" = 1/3
api DELETE "/api/v1/sessions/$sid" "$admin" > /dev/null
wait_until "$TEST_WAIT" is_state "$sid" terminated

# 422 from the API server: failed with its message, nothing left behind.
ks fault '{"method":"POST","path_regex":"/services$","status":422,"message":"Service \"x\" is invalid: spec.ports[0].port: Invalid value: 0","count":1}' > /dev/null
sid=$(create '{"template":"xfce-desktop"}')
ok_if "422 on create: the session fails" wait_until "$TEST_WAIT" is_state "$sid" failed
ok_if "... with the API server's message" \
    grep -q 'spec.ports\[0\].port: Invalid value' <<< "$(psql -qAt -c "SELECT error_message FROM agent_commands WHERE session_id = '$sid'")"
ok_if "... and nothing is left behind" wait_until "$TEST_WAIT" objects_are "$sid" 0

# A pod that crashes after it was Ready.
sid=$(create '{"template":"xfce-desktop"}')
wait_until "$TEST_WAIT" is_state "$sid" running
pod=$(kc get pods -l "session=$sid" -o jsonpath='{.items[0].metadata.name}')
for _ in 1 2 3 4; do ks -n sessions crash "$pod" > /dev/null; sleep 0.3; done
ok_if "a pod that keeps crashing: the session shows failed" wait_until "$TEST_WAIT" is_state "$sid" failed
ok_if "... with the Kubernetes reason ($(meta "$sid" reason))" \
    grep -Eq 'CrashLoopBackOff|Error|Completed' <<< "$(meta "$sid" reason)"
ok_if "... and what it held in the cluster is freed" \
    wait_until "$TEST_WAIT" objects_are "$sid" 0
api DELETE "/api/v1/sessions/$sid" "$admin" > /dev/null

# The agent killed while it creates: after its restart the session ends
# running (or failed), never stuck, and nothing exists twice.
ks fault '{"method":"POST","path_regex":"/services$","delay_ms":3000,"count":1}' > /dev/null
sid=$(create '{"template":"xfce-desktop"}')
wait_until "$TEST_WAIT" deployments_created 2
sleep 0.5
agent_stop -KILL
agent_start
ok_if "agent killed mid-create, restarted: the session ends running" \
    wait_until "$TEST_WAIT" is_state "$sid" running
# (The pod's readiness, reported by the watch, may make the session
# running before the start command has created the service.)
ok_if "... its command completed once" \
    wait_until "$TEST_WAIT" sql_is "SELECT status FROM agent_commands WHERE session_id = '$sid'" completed
ok_if "... with one deployment, one service, one pod, and the user's one home" \
    [ "$(session_objects "$sid")/$(kc get pvc -o name | wc -l)" = 3/1 ]

# The control plane restarts: the agent comes back (it redials with a
# back-off of at most RECONNECT_MAX).
ssd_stop
ssd_start "agent_heartbeat_interval = 1s" "agent_timeout = 30s" \
    "command_timeout = 120s"
t0=$(date +%s%N)
ok_if "control plane restarted: the agent is back" wait_until "$TEST_WAIT" online
diag "agent back after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
api DELETE "/api/v1/sessions/$sid" "$admin" > /dev/null
ok_if "... and its commands still work" wait_until "$TEST_WAIT" is_state "$sid" terminated

# In-cluster configuration: token, CA and namespace files, service env.
agent_stop -TERM
. "$T/ks/env"
agent_start KUBECONFIG= KUBE_INCLUSTER_DIR="$T/ks/serviceaccount" \
    KUBERNETES_SERVICE_HOST="$KUBERNETES_SERVICE_HOST" \
    KUBERNETES_SERVICE_PORT="$KUBERNETES_SERVICE_PORT"
wait_until "$TEST_WAIT" online
sid=$(create '{"template":"xfce-desktop"}')
ok_if "in-cluster mode: a session reaches running" wait_until "$TEST_WAIT" is_state "$sid" running
api DELETE "/api/v1/sessions/$sid" "$admin" > /dev/null
ok_if "... and is deleted" wait_until "$TEST_WAIT" is_state "$sid" terminated
ok_if "kubectl: no session objects remain" \
    wait_until "$TEST_WAIT" no_session_objects
agent_stop -TERM
ok_if "the agent logged no sanitizer or fatal errors" \
    sh -c "! grep -Eq 'ERROR: (Address|Leak|Undefined)|runtime error|fatal' '$T/agent.log'"
[ "$TAP_FAILED" = 0 ] || { echo "# --- agent.log ---"; tail -60 "$T/agent.log" | sed 's/^/# /'; }
finish
