#!/bin/bash
# import-wake.sh - a StreamSpace v1.x session, imported, woken on a real
# agent (ssd-agent-k8s against tests/kube-sim): what v1.x's controller
# left in the cluster (a Deployment and Service of the session's name, its
# home claim ID-home) is handled as ssd-upgrade(7) says, with real
# kubectl: the Deployment and Service deleted, the claim labelled for the
# agent, which then adopts it, and the session runs.  Without that, the
# agent refuses objects that are not its own.  TAP.
. "$top_srcdir/tests/integration/lib.sh"

export JWT_SECRET=0123456789abcdef0123456789abcdef-wake
export ADMIN_PASSWORD=admin-password-for-wake
export AGENT_BOOTSTRAP_KEY=bootstrap-key-for-wake
command -v kubectl > /dev/null || skip_all "kubectl missing (kubernetes-client)"

kc() { KUBECONFIG="$T/ks/kubeconfig" kubectl --cache-dir "$T/kcache" "$@"; }
state_of() { psql -qAt -c "SELECT state FROM sessions WHERE id = '$1'"; }
is_state() { [ "$(state_of "$1")" = "$2" ]; }

ok_if "PostgreSQL starts" pg_up
/usr/bin/python3 "$top_srcdir/tests/kube-sim/kube-sim" --state-dir "$T/ks" \
    --port 0 --namespace streamspace > "$T/kube-sim.log" 2>&1 &
on_exit "kill $!; wait $!"
ok_if "kube-sim starts" wait_until "$TEST_WAIT" test -s "$T/ks/url"
ok_if "ssd starts" ssd_start "command_timeout = 60s"
[ -n "$SSD_PID" ] && [ -s "$T/ks/url" ] || finish
ssdctl template import "$top_srcdir/contrib/templates/xfce-desktop.yaml" > /dev/null
ADM=$(json token <<< "$(api POST /api/v1/auth/login "" "{\"username\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}" | cut -d' ' -f2-)")

env AGENT_ID=k8s-wake CONTROL_PLANE_URL="ws://127.0.0.1:$SSD_PORT" \
    AGENT_KEY_FILE="$T/agent.key" KUBECONFIG="$T/ks/kubeconfig" \
    REGISTER_POLL_INTERVAL=200ms RECONNECT_MAX=1s HEARTBEAT_INTERVAL=2s \
    SESSION_READY_TIMEOUT=30s NAMESPACE=streamspace \
    "$top_builddir/ssd-agent-k8s/ssd-agent-k8s" >> "$T/agent.log" 2>&1 &
on_exit "kill $!; wait $!"
ok_if "the agent registers" wait_until "$TEST_WAIT" sql_is "SELECT approval_status FROM agents WHERE agent_id = 'k8s-wake'" pending
ssdctl agent approve k8s-wake > /dev/null
ok_if "... is approved and comes online" \
    wait_until "$TEST_WAIT" sql_is "SELECT status FROM agents WHERE agent_id = 'k8s-wake'" online

# What v1.x's controller left: the session's Deployment and Service, and
# its home claim with the user's files.
id=admin-xfce-desktop-a1b2c3d4
cat > "$T/v1-objects.yaml" <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: $id, labels: {app: streamspace-session, session: $id}}
spec:
  replicas: 0
  selector: {matchLabels: {session: $id}}
  template:
    metadata: {labels: {app: streamspace-session, session: $id}}
    spec: {containers: [{name: session, image: lscr.io/linuxserver/webtop:latest}]}
---
apiVersion: v1
kind: Service
metadata: {name: $id, labels: {app: streamspace-session, session: $id}}
spec: {selector: {session: $id}, ports: [{name: vnc, port: 3000}]}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: $id-home, labels: {app: streamspace-session, session: $id}}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 10Gi}}}
EOF
ok_if "v1.x's objects of the session are in the cluster (kubectl apply)" \
    kc apply -f "$T/v1-objects.yaml"
uid=$(kc get pvc "$id-home" -o jsonpath='{.metadata.uid}')
item="{\"apiVersion\":\"stream.space/v1alpha1\",\"kind\":\"Session\",\"metadata\":{\"name\":\"$id\",\"namespace\":\"streamspace\"},\"spec\":{\"user\":\"admin\",\"template\":\"xfce-desktop\",\"state\":\"hibernated\",\"persistentHome\":true}}"
r=$(api POST /api/v1/sessions/bulk-import "$ADM" "{\"kind\":\"List\",\"items\":[$item]}")
ok_if "the session is imported" grep -q '"created":1' <<< "$r"

# Woken with v1.x's Deployment still there, a session fails, saying why.
left=admin-xfce-desktop-0badcafe
sed "s/$id/$left/g" "$T/v1-objects.yaml" | kc apply -f - > /dev/null
api POST /api/v1/sessions/bulk-import "$ADM" "[${item//$id/$left}]" > /dev/null
api PUT "/api/v1/sessions/$left/wake" "$ADM" > /dev/null
ok_if "woken with v1.x's objects left in place, a session fails" \
    wait_until "$TEST_WAIT" is_state "$left" failed
ok_if "... its command saying the agent found objects not its own" \
    sql_is "SELECT count(*) FROM agent_commands WHERE session_id = '$left' AND error_message LIKE '%exists and is not one of ours%'" 1
ok_if "... and v1.x's claim is untouched" \
    eval '[ -n "$(kc get pvc "$left-home" -o name)" ]'

# ssd-upgrade(7), AGENT ROLL-OUT: before waking it.
ok_if "kubectl -n streamspace delete deployment,service $id" \
    kc -n streamspace delete deployment,service "$id"
ok_if "kubectl -n streamspace label pvc $id-home managed-by=ssd-agent-k8s session=$id streamspace.io/agent=k8s-wake" \
    kc -n streamspace label pvc "$id-home" managed-by=ssd-agent-k8s "session=$id" streamspace.io/agent=k8s-wake --overwrite
r=$(api PUT "/api/v1/sessions/$id/wake" "$ADM")
ok_if "waking it places it on the agent" grep -q '"agentId":"k8s-wake"' <<< "$r"
ok_if "... which starts it: running" wait_until "$TEST_WAIT" is_state "$id" running
ok_if "... in v1.x's home claim, adopted, not a new one" \
    eval '[ "$(kc get pvc "$id-home" -o jsonpath="{.metadata.uid}")" = "$uid" ] && grep -q "session $id: adopting the existing persistentvolumeclaim" "$T/agent.log"'
ok_if "... its pod mounts it" \
    eval '[ "$(kc get pods -l "session=$id" -o jsonpath="{.items[0].spec.volumes[*].persistentVolumeClaim.claimName}")" = "$id-home" ]'
finish
