#!/bin/bash
# kubesim.sh - kube-sim (tests/kube-sim), the Kubernetes API double, proven
# against the real kubectl over TLS with a bearer token: discovery, create
# and apply of a session's Deployment + Service + PVC, a pod that runs as a
# real process on its own loopback IP and turns Ready when its port
# answers, its claim a directory it writes into (gone with the claim), a
# ReadWriteOncePod claim for one pod at a time, scale to 0 and delete
# ending that process, Status errors (422,
# 409, 404, 401), list selectors and paging, watch (ADDED/MODIFIED/DELETED,
# 410 after compaction), port-forward over WebSocket (v4.channel.k8s.io,
# read with python3-websockets), fault injection, crash loops, image pull
# failures, and a clean SIGTERM.  TAP output.
. "$top_srcdir/tests/integration/lib.sh"

KS="$top_srcdir/tests/kube-sim"
command -v kubectl > /dev/null || skip_all "kubectl missing"
command -v openssl > /dev/null || skip_all "openssl missing"
/usr/bin/python3 -c 'import websockets' 2> /dev/null ||
    skip_all "python3-websockets missing"

D="$T/sim"
KS_PID=
ks_stop() {
	[ -n "$KS_PID" ] || return 0
	kill -TERM "$KS_PID" 2> /dev/null
	local i
	for i in $(seq 100); do
		kill -0 "$KS_PID" 2> /dev/null || break
		sleep 0.1
	done
	kill -KILL "$KS_PID" 2> /dev/null
	wait "$KS_PID" 2> /dev/null
	KS_PID=
}
# finish, with the logs' last lines as TAP comments after a failure.
ks_finish() {
	if [ "$TAP_FAILED" != 0 ]; then
		echo "# --- last lines of kube-sim.log ---"
		grep -v '" 20[01] -$' "$T/kube-sim.log" 2> /dev/null | tail -30 |
		    sed 's/^/# /'
		echo "# --- last lines of test.log ---"
		tail -30 "$T/test.log" | sed 's/^/# /'
	fi
	finish
}
on_exit ks_stop

K() {
	kubectl --kubeconfig "$D/kubeconfig" --cache-dir "$T/kcache" \
	    --request-timeout=20s "$@"
}
ctl() { "$KS/kube-sim" ctl --state-dir "$D" "$@"; }
kcurl() {
	curl -s --max-time 20 --cacert "$D/ca.crt" \
	    -H "Authorization: Bearer $(cat "$D/token")" "$@"
}
# code METHOD PATH [CONTENT-TYPE BODY]: prints the HTTP status; body in $T/out.
code() {
	local args=(-o "$T/out" -w '%{http_code}' -X "$1" "$URL$2")
	[ -n "${3:-}" ] && args+=(-H "Content-Type: $3" --data-binary "$4")
	kcurl "${args[@]}"
}
py() { /usr/bin/python3 -c "$@"; }
# state FIELD...: a value from GET /sim/state (python expression on s).
state() { ctl state | py "import json, sys; s = json.load(sys.stdin); print($1)"; }
pod_of() { K get pods -l "session=$1" -o jsonpath='{.items[0].metadata.name}'; }
pod_pid() { state "[c['pid'] for p in s['pods'] if p['name'] == '$1' for c in p['containers']][0]"; }
alive() { kill -0 "$1" 2> /dev/null; }
dead() { ! kill -0 "$1" 2> /dev/null; }

"$KS/kube-sim" --state-dir "$D" --log "$T/kube-sim.log" --port 0 \
    --bad-image registry.invalid/broken:1 &
KS_PID=$!
ok_if "kube-sim starts and writes its URL" wait_until "$TEST_WAIT" test -s "$D/url"
URL=$(cat "$D/url")
PORT=$(cat "$D/port")
incluster() {
	[ "$URL" = "https://127.0.0.1:$PORT" ] &&
	    [ "$(cat "$D/serviceaccount/namespace")" = default ] &&
	    [ "$(cat "$D/serviceaccount/token")" = "$(cat "$D/token")" ] &&
	    cmp -s "$D/serviceaccount/ca.crt" "$D/ca.crt" &&
	    grep -qx "KUBERNETES_SERVICE_PORT=$PORT" "$D/env" &&
	    grep -qx "KUBERNETES_SERVICE_HOST=127.0.0.1" "$D/env" &&
	    grep -q "certificate-authority-data: " "$D/kubeconfig"
}
ok_if "kubeconfig, serviceaccount/{token,ca.crt,namespace} and env are written" incluster
tls() {
	kcurl -f "$URL/version" | grep -q '"gitVersion":"v1.33.0"' &&
	    kcurl -f "https://localhost:$PORT/api" | grep -q APIVersions &&
	    ! curl -s --max-time 5 "$URL/version" > /dev/null
}
ok_if "TLS: the certificate verifies for 127.0.0.1 and localhost, not without the CA" tls

# ---------------------------------------------------------------- discovery
ok_if "kubectl version sees the server" eval 'K version | grep -q "Server Version: v1.33.0"'
apires() {
	local out
	out=$(K api-resources) || return 1
	grep -Eq '^deployments +deploy +apps/v1 +true +Deployment' <<< "$out" &&
	    grep -Eq '^services +svc +v1 +true +Service' <<< "$out" &&
	    grep -Eq '^persistentvolumeclaims +pvc +v1' <<< "$out" &&
	    grep -Eq '^pods +po +v1' <<< "$out"
}
ok_if "kubectl api-resources lists deploy/svc/pvc/po with short names" apires
ok_if "/openapi/v3 lists fieldValidation on PATCH, so kubectl leaves validation to the server" \
    eval 'kcurl "$URL/openapi/v3" | grep -q "\"apis/apps/v1\":{\"serverRelativeURL\":\"/openapi/v3/apis/apps/v1?hash="'
eval '[ "$(K get ns streamspace -o jsonpath={.status.phase})" = Active ] && K get ns | grep -q "^kube-system "'
ok_rc "namespaces: every one exists, Active (read-only)" $?
ok_if "the scale subresource is advertised as autoscaling/v1 Scale" \
    eval 'kcurl "$URL/apis/apps/v1" | grep -q "\"name\":\"deployments/scale\",\"singularName\":\"\",\"namespaced\":true,\"kind\":\"Scale\",\"verbs\":\[\"get\",\"patch\",\"update\"\],\"group\":\"autoscaling\""'

# ------------------------------------------------------------------ objects
cat > "$T/s1.yaml" << 'EOF'
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: s1-home
  labels: {app: streamspace-session, session: s1}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 10Gi}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: s1
  labels: {app: streamspace-session, session: s1}
spec:
  replicas: 1
  strategy: {type: Recreate}
  selector: {matchLabels: {session: s1}}
  template:
    metadata:
      labels: {app: streamspace-session, session: s1}
    spec:
      terminationGracePeriodSeconds: 20
      containers:
      - name: session
        image: lscr.io/linuxserver/webtop:ubuntu-xfce
        ports: [{name: vnc, containerPort: 5900}]
        env: [{name: SIM_LISTEN_WHEN, value: "@GATE@"}]
        resources:
          requests: {cpu: 500m, memory: 1024Mi}
          limits: {cpu: 2000m, memory: 2Gi}
        readinessProbe:
          tcpSocket: {port: vnc}
          periodSeconds: 2
        volumeMounts: [{name: home, mountPath: /config}]
      volumes:
      - name: home
        persistentVolumeClaim: {claimName: s1-home}
---
apiVersion: v1
kind: Service
metadata:
  name: s1
  labels: {app: streamspace-session, session: s1}
spec:
  selector: {session: s1}
  ports: [{name: vnc, port: 5900, targetPort: vnc}]
EOF
# Its pod listens once the test has seen it unready: no race with a delay.
sed -i "s|@GATE@|$T/s1.listen|" "$T/s1.yaml"
out=$(K create -f "$T/s1.yaml" 2>&1)
eval \
    'grep -q "persistentvolumeclaim/s1-home created" <<< "$out" && grep -q "deployment.apps/s1 created" <<< "$out" && grep -q "service/s1 created" <<< "$out"'
ok_rc "kubectl create -f: PVC, Deployment and Service created" $?
listed() {
	local out
	out=$(K get deploy,svc,pvc,pods -l app=streamspace-session) || return 1
	grep -q '^deployment.apps/s1 ' <<< "$out" && grep -q '^service/s1 ' <<< "$out" &&
	    grep -Eq '^persistentvolumeclaim/s1-home +Bound ' <<< "$out" &&
	    grep -Eq '^pod/s1-[a-z0-9]{10}-[a-z0-9]{5} ' <<< "$out"
}
ok_if "kubectl get deploy,svc,pvc,pods -l app=streamspace-session lists all four" wait_until "$TEST_WAIT" listed
pod=$(pod_of s1)
ip=$(K get pod "$pod" -o jsonpath='{.status.podIP}')
eval '[[ $ip =~ ^127\.[0-9]+\.[0-9]+\.[0-9]+$ ]] && [ "$ip" != 127.0.0.1 ]'
ok_rc "the pod has its own loopback IP ($ip)" $?
running_unready() {
	[ "$(K get pod "$pod" -o jsonpath='{.status.phase}/{.status.conditions[?(@.type=="Ready")].status}')" = Running/False ]
}
ok_if "Running but not Ready while its port does not answer yet" wait_until "$TEST_WAIT" running_unready
touch "$T/s1.listen"
ok_if "kubectl wait --for=condition=Ready: Ready once the tcpSocket probe succeeds" \
    K wait --for=condition=Ready "pod/$pod" --timeout="${TEST_WAIT}s"
greeting() {
	py "import socket; s = socket.create_connection(('$ip', 5900), 5); assert s.recv(12) == b'RFB 003.008\n'"
}
ok_if "the pod's process answers on podIP:5900 with an RFB greeting" greeting
# Its claim is a directory on the host, mounted at /config for its pod.
volume="$D/volumes/$(K get pvc s1-home -o jsonpath='{.spec.volumeName}')"
ok_if "the pod writes /config/note into its claim's volume ($volume)" eval \
    "py \"import socket; s = socket.create_connection(('\$ip', 5900), 5); s.recv(12); s.sendall(b'SIM-PUT /config/note kept\\n'); assert s.recv(100) == b'SIM-OK\\n'\" && [ \"\$(cat '$volume/note')\" = kept ]"
ok_if "kubectl rollout status: successfully rolled out" \
    eval 'K rollout status deploy/s1 --timeout="${TEST_WAIT}s" | grep -q "successfully rolled out"'
checkjson() {
	K get deploy s1 -o json > "$T/d.json" && K get pod "$pod" -o json > "$T/p.json" &&
	    K get svc s1 -o json > "$T/s.json" && K get pvc s1-home -o json > "$T/c.json" &&
	    py "
import json
T = '$T'
d, p, s, c = (json.load(open(f'{T}/{n}.json')) for n in 'dpsc')
assert d['kind'] == 'Deployment' and d['metadata']['generation'] == 1
assert d['spec']['revisionHistoryLimit'] == 10 and d['spec']['progressDeadlineSeconds'] == 600
ct = d['spec']['template']['spec']['containers'][0]
assert ct['terminationMessagePath'] == '/dev/termination-log' and ct['imagePullPolicy'] == 'IfNotPresent'
assert ct['resources'] == {'requests': {'cpu': '500m', 'memory': '1Gi'}, 'limits': {'cpu': '2', 'memory': '2Gi'}}
assert ct['readinessProbe']['failureThreshold'] == 3 and ct['ports'][0]['protocol'] == 'TCP'
st = d['status']
assert st['observedGeneration'] == 1 and st['readyReplicas'] == 1 and st['availableReplicas'] == 1
assert {c['type']: c['reason'] for c in st['conditions']} == {'Available': 'MinimumReplicasAvailable', 'Progressing': 'NewReplicaSetAvailable'}
h = p['metadata']['labels']['pod-template-hash']
assert p['metadata']['name'].startswith('s1-' + h + '-') and len(h) == 10
ref = p['metadata']['ownerReferences'][0]
assert ref['kind'] == 'Deployment' and ref['uid'] == d['metadata']['uid'] and ref['controller']
cs = p['status']['containerStatuses'][0]
assert cs['ready'] and 'running' in cs['state'] and p['status']['hostIP'] == '127.0.0.1'
assert s['spec']['clusterIP'].startswith('10.96.') and s['spec']['ports'][0]['targetPort'] == 'vnc'
assert c['status']['phase'] == 'Bound' and c['spec']['volumeName'] and c['spec']['volumeMode'] == 'Filesystem'
assert 'kubernetes.io/pvc-protection' in c['metadata']['finalizers']
"
}
ok_if "-o json is valid JSON with the server's defaults, status and owner references" checkjson
# (The Deployment is "configured" by every apply: its live 1Gi and 2 are not
# the manifest's 1024Mi and 2000m, as with a real server.)
applied() {
	local out
	K apply --validate=false -f "$T/s1.yaml" > /dev/null &&
	    out=$(K apply --validate=false -f "$T/s1.yaml") &&
	    grep -q "persistentvolumeclaim/s1-home unchanged" <<< "$out" &&
	    grep -q "service/s1 unchanged" <<< "$out" &&
	    sed 's/{name: SIM_LISTEN_WHEN, value: "[^"]*"}/{name: SIM_LISTEN_DELAY_MS, value: "0"}/' "$T/s1.yaml" |
	    K apply --validate=false -f - | grep -q "deployment.apps/s1 configured"
}
ok_if "kubectl apply --validate=false: unchanged, then configured (strategic merge patch)" applied
newpod() {
	local p
	p=$(K get pods -l session=s1 -o jsonpath='{range .items[?(@.status.phase=="Running")]}{.metadata.name}{"\n"}{end}')
	[ -n "$p" ] && [ "$p" != "$pod" ] && [ "$(wc -l <<< "$p")" = 1 ]
}
ok_if "the template change replaced the pod (Recreate strategy)" wait_until "$TEST_WAIT" newpod
ok_if "generation 2 observed" eval '[ "$(K get deploy s1 -o jsonpath={.metadata.generation}/{.status.observedGeneration})" = 2/2 ]'
K wait --for=condition=Ready pod -l session=s1 --timeout="${TEST_WAIT}s" > /dev/null
pod=$(pod_of s1)
pid=$(pod_pid "$pod")
ok_if "the pod's process is alive (pid $pid)" alive "$pid"

ctl requests-clear > /dev/null
ok_if "kubectl scale --replicas=0" K scale deploy/s1 --replicas=0
ok_if "... the pod's process goes away" wait_until "$TEST_WAIT" dead "$pid"
ok_if "... and the pod object is deleted" K wait --for=delete "pod/$pod" --timeout="${TEST_WAIT}s"
scalereq() {
	ctl requests | py "
import json, sys
r = [e for e in json.load(sys.stdin)['requests'] if e['method'] == 'PATCH']
assert r[0]['path'] == '/apis/apps/v1/namespaces/default/deployments/s1/scale', r
assert r[0]['headers']['Content-Type'] == 'application/merge-patch+json'
assert r[0]['body'] == {'spec': {'replicas': 0}} and r[0]['status'] == 200"
}
ok_if "the request log shows the merge patch kubectl sent to .../scale" scalereq
ok_if "GET .../scale: autoscaling/v1 Scale with a string selector" \
    eval 'kcurl "$URL/apis/apps/v1/namespaces/default/deployments/s1/scale" | grep -q "\"spec\":{\"replicas\":0},\"status\":{\"replicas\":0,\"selector\":\"session=s1\"}"'
K scale deploy/s1 --replicas=1 > /dev/null
ok_if "scaled back to 1: Ready again" wait_until "$TEST_WAIT" K wait --for=condition=Ready pod -l session=s1 --timeout=2s
pod=$(pod_of s1)
pid=$(pod_pid "$pod")

# ------------------------------------------------------------- port-forward
pf() { "$KS/pf-client" --state-dir "$D" "$@"; }
out=$(pf --send hello "$pod" 5900)
eval 'grep -qx "{\"prefix\": \[0, 5900\]}" <<< "$out" && grep -qx "{\"prefix\": \[1, 5900\]}" <<< "$out"'
ok_rc "port-forward v4.channel.k8s.io: port prefixes on channels 0 and 1" $?
eval 'grep -qx "{\"data\": \"RFB 003.008\\\\n\"}" <<< "$out" && grep -qx "{\"data\": \"hello\"}" <<< "$out"'
ok_rc "... the pod's RFB greeting arrives on channel 0, and the echo" $?
out=$(pf --protocol v4.base64.channel.k8s.io --send b64 "$pod" 5900)
eval 'grep -qx "{\"data\": \"RFB 003.008\\\\n\"}" <<< "$out" && grep -qx "{\"data\": \"b64\"}" <<< "$out"'
ok_rc "port-forward v4.base64.channel.k8s.io carries the same bytes" $?
out=$(pf "$pod" 5999)
eval 'grep -q "{\"error\": \"error forwarding port 5999 to pod .*connection refused" <<< "$out" && grep -q "{\"closed\": 1000}" <<< "$out"'
ok_rc "a port nobody listens on: kubelet-style text on the error channel, then close" $?
spdy=$(kcurl -o /dev/null -w '%{http_code}' -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
    -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
    -H 'Sec-WebSocket-Protocol: SPDY/3.1+portforward.k8s.io' \
    "$URL/api/v1/namespaces/default/pods/$pod/portforward")
ok_if "the SPDY/3.1+portforward.k8s.io tunnel is refused with 400" [ "$spdy" = 400 ]
ok_if "kubectl port-forward (SPDY) fails with a clean error" \
    eval 'K port-forward "$pod" 0:5900 2>&1 | grep -q "not supported by kube-sim"'

# ----------------------------------------------------------------- errors
sed 's/name: s1$/name: Bad_Name/' "$T/s1.yaml" > "$T/bad.yaml"
out=$(K create -f "$T/bad.yaml" 2>&1)
ok_if "422 for an invalid name, as kubectl prints it" \
    eval 'grep -q "Error from server (Invalid): error when creating .*: Deployment.apps \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain" <<< "$out"'
ok_if "... a Service name must be a DNS-1035 label" \
    eval 'grep -q "Service \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a DNS-1035 label" <<< "$out"'
cat > "$T/invalid.yaml" << 'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: s2}
spec:
  selector: {matchLabels: {session: s2}}
  template:
    metadata: {labels: {session: other}}
    spec:
      containers:
      - name: session
        image: ""
        ports: [{name: a-very-long-port-name, containerPort: 70000}]
        resources: {requests: {cpu: "3"}, limits: {cpu: "2"}}
EOF
out=$(K create -f "$T/invalid.yaml" 2>&1)
multi() {
	grep -q 'The Deployment "s2" is invalid:' <<< "$out" &&
	    grep -q 'spec.template.metadata.labels: Invalid value: .*`selector` does not match template `labels`' <<< "$out" &&
	    grep -q 'spec.template.spec.containers\[0\].image: Required value' <<< "$out" &&
	    grep -q 'containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive' <<< "$out" &&
	    grep -q 'ports\[0\].name: Invalid value: "a-very-long-port-name": must be no more than 15 characters' <<< "$out" &&
	    grep -q 'resources.requests: Invalid value: "3": must be less than or equal to cpu limit of 2' <<< "$out"
}
ok_if "422 with several causes: selector, image, port range, port name, requests > limits" multi
c=$(code POST /api/v1/namespaces/default/persistentvolumeclaims application/json \
    '{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"x"},"spec":{}}')
eval '[ "$c" = 422 ] && py "
ok_rc "PVC without accessModes and storage: 422 Status with causes" $?
import json
s = json.load(open(\"$T/out\"))
assert s[\"kind\"] == \"Status\" and s[\"apiVersion\"] == \"v1\" and s[\"status\"] == \"Failure\" and s[\"reason\"] == \"Invalid\" and s[\"code\"] == 422
assert s[\"details\"][\"kind\"] == \"PersistentVolumeClaim\" and s[\"details\"][\"name\"] == \"x\"
assert {c[\"field\"] for c in s[\"details\"][\"causes\"]} == {\"spec.accessModes\", \"spec.resources[storage]\"}"'
ok_if "create again: 409 AlreadyExists" \
    eval 'K create -f "$T/s1.yaml" 2>&1 | grep -q "Error from server (AlreadyExists): .*deployments.apps \"s1\" already exists"'
sed 's/periodSeconds: 2/periodSeconds: 2\n          periodSecs: 2/; s/\bs1\b/s5/g' "$T/s1.yaml" > "$T/typo.yaml"
ok_if "fieldValidation=Strict (kubectl's default): an unknown field is a 400" \
    eval 'K create -f "$T/typo.yaml" 2>&1 | grep -q "Error from server (BadRequest): .*Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: unknown field \"spec.template.spec.containers\[0\].readinessProbe.periodSecs\""'
warned() {
	K create --validate=warn -f "$T/typo.yaml" 2>&1 |
	    grep -q 'Warning: unknown field "spec.template.spec.containers\[0\].readinessProbe.periodSecs"' &&
	    [ -z "$(K get deploy s5 -o jsonpath='{.spec.template.spec.containers[0].readinessProbe.periodSecs}')" ] &&
	    K delete -f "$T/typo.yaml" --wait=false > /dev/null
}
ok_if "fieldValidation=Warn: a Warning header, the field is dropped" warned
c=$(code POST /api/v1/namespaces/default/services application/json \
    '{"metadata":{"name":"t"},"spec":{"ports":[{"port":"5900"}]}}')
eval '[ "$c" = 400 ] && grep -q "json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32" "$T/out"'
ok_rc "a string where an int32 belongs: 400 with the decoder's message" $?
ok_if "get a missing object: 404 NotFound" \
    eval 'K get deploy nosuch 2>&1 | grep -qx "Error from server (NotFound): deployments.apps \"nosuch\" not found"'
ok_if "a bad token: kubectl says Unauthorized" \
    eval 'K --token=not-a-token get pods 2>&1 | grep -q "error: You must be logged in to the server (Unauthorized)"'
c=$(curl -s -o "$T/out" -w '%{http_code}' --cacert "$D/ca.crt" -H 'Authorization: Bearer nope' "$URL/api/v1/namespaces/default/pods")
eval '[ "$c" = 401 ] && grep -q "\"reason\":\"Unauthorized\",\"code\":401" "$T/out"'
ok_rc "... the API answers 401 with an Unauthorized Status" $?
rv=$(K get svc s1 -o jsonpath='{.metadata.resourceVersion}')
K label svc s1 touched=yes > /dev/null
c=$(code PUT /api/v1/namespaces/default/services/s1 application/json \
    "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"s1\",\"resourceVersion\":\"$rv\"},\"spec\":{\"ports\":[{\"port\":5900}]}}")
eval '[ "$c" = 409 ] && grep -q "\"reason\":\"Conflict\"" "$T/out" && grep -q "the object has been modified" "$T/out"'
ok_rc "PUT with a stale resourceVersion: 409 Conflict" $?
c=$(code PATCH /apis/apps/v1/namespaces/default/deployments/s1 application/json-patch+json \
    '[{"op":"test","path":"/metadata/labels/session","value":"s9"},{"op":"replace","path":"/spec/replicas","value":3}]')
eval '[ "$c" = 422 ] && [ "$(K get deploy s1 -o jsonpath={.spec.replicas})" = 1 ]'
ok_rc "JSON patch whose test op fails: 422, nothing changed" $?
c=$(code PATCH /apis/apps/v1/namespaces/default/deployments/s1 application/apply-patch+cbor '{}')
ok_if "an unknown patch type: 415" [ "$c" = 415 ]

# ------------------------------------------------------ lists and selectors
for n in a b c; do
	kcurl -o /dev/null -X POST -H 'Content-Type: application/json' \
	    "$URL/api/v1/namespaces/default/persistentvolumeclaims" --data-binary \
	    "{\"metadata\":{\"name\":\"p-$n\",\"labels\":{\"tier\":\"$n\"}},\"spec\":{\"accessModes\":[\"ReadWriteOnce\"],\"resources\":{\"requests\":{\"storage\":\"1Gi\"}}}}"
done
names() { K get pvc -l "$1" -o jsonpath='{.items[*].metadata.name}'; }
ok_if "label selectors: in, notin, !=, exists, !exists" eval '
	[ "$(names "tier in (a,c)")" = "p-a p-c" ] && [ "$(names "tier notin (a)")" = "p-b p-c s1-home" ] &&
	[ "$(names "tier!=b,tier")" = "p-a p-c" ] && [ "$(names "!tier")" = s1-home ]'
ok_if "field selector metadata.name" \
    eval '[ "$(K get pvc --field-selector metadata.name=p-b -o jsonpath="{.items[*].metadata.name}")" = p-b ]'
page() {
	local c1 c2
	kcurl "$URL/api/v1/namespaces/default/persistentvolumeclaims?limit=2" > "$T/page1" &&
	    c1=$(json metadata.continue < "$T/page1") && [ -n "$c1" ] &&
	    [ "$(json metadata.remainingItemCount < "$T/page1")" = 2 ] &&
	    kcurl "$URL/api/v1/namespaces/default/persistentvolumeclaims?limit=2&continue=$c1" > "$T/page2" &&
	    [ "$(py "import json; print(' '.join(i['metadata']['name'] for f in ('page1', 'page2') for i in json.load(open('$T/' + f))['items']))")" = "p-a p-b p-c s1-home" ] &&
	    c2=$(json metadata.continue < "$T/page2") && [ -z "$c2" ]
}
ok_if "limit and continue page through the list" page

# ------------------------------------------------------------------- watch
rv=$(kcurl "$URL/api/v1/namespaces/default/persistentvolumeclaims" | json metadata.resourceVersion)
kcurl -N "$URL/api/v1/namespaces/default/persistentvolumeclaims?watch=true&resourceVersion=$rv&timeoutSeconds=4" > "$T/watch" &
wpid=$!
K label pvc p-a watched=yes > /dev/null
K delete pvc p-a > /dev/null
kcurl -X POST -H 'Content-Type: application/json' -o /dev/null \
    "$URL/api/v1/namespaces/default/persistentvolumeclaims" --data-binary \
    '{"metadata":{"name":"p-d"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}'
wait "$wpid"
watched() {
	py "
import json
ev = [json.loads(l) for l in open('$T/watch')]
seq = [(e['type'], e['object']['metadata']['name']) for e in ev]
a = [s for s in seq if s[1] == 'p-a']
assert a[0] == ('MODIFIED', 'p-a') and a[-1] == ('DELETED', 'p-a'), seq
assert ('ADDED', 'p-d') in seq, seq
assert all(e['object']['kind'] == 'PersistentVolumeClaim' for e in ev)
assert int(ev[0]['object']['metadata']['resourceVersion']) > $rv"
}
ok_if "watch from a list's RV: MODIFIED, DELETED, ADDED lines, one JSON event per line" watched
initial() {
	kcurl -N "$URL/api/v1/namespaces/default/persistentvolumeclaims?watch=1&labelSelector=tier&timeoutSeconds=1" |
	    py "
import json, sys
ev = [json.loads(l) for l in sys.stdin]
got = sorted(e['type'] + ':' + e['object']['metadata']['name'] for e in ev)
assert got == ['ADDED:p-b', 'ADDED:p-c'], got"
}
ok_if "watch without RV starts with synthetic ADDED events, and timeoutSeconds ends it" initial
ok_if "POST /sim/compact raises the compaction floor" eval '[ "$(ctl compact | json floor)" -gt "$rv" ]'
expired() {
	kcurl -N "$URL/api/v1/namespaces/default/persistentvolumeclaims?watch=true&resourceVersion=$rv&timeoutSeconds=10" > "$T/old" &&
	    [ "$(wc -l < "$T/old")" = 1 ] && py "
import json
e = json.load(open('$T/old'))
assert e['type'] == 'ERROR' and e['object']['code'] == 410 and e['object']['reason'] == 'Expired', e
assert e['object']['message'].startswith('too old resource version: $rv ')"
}
ok_if "a watch from an RV below the floor: one ERROR event with a 410 Expired Status" expired

# ----------------------------------------------------------------- faults
ctl fault '{"method":"POST","path_regex":"/deployments$","status":500,"count":1}' > /dev/null
sed 's/\bs1\b/s4/g' "$T/s1.yaml" > "$T/s4.yaml"
ok_if "an injected 500 on POST .../deployments: kubectl reports InternalError" \
    eval 'K create -f "$T/s4.yaml" 2>&1 | grep -q "Error from server (InternalError)"'
ok_if "... the fault was used up: the retry works" \
    eval 'K create -f "$T/s4.yaml" 2>&1 | grep -q "deployment.apps/s4 created"'
ctl fault '{"method":"GET","path_regex":"/services$","status":429,"retry_after":2,"count":1}' > /dev/null
c=$(curl -s -D "$T/hdr" -o "$T/out" -w '%{http_code}' --cacert "$D/ca.crt" \
    -H "Authorization: Bearer $(cat "$D/token")" "$URL/api/v1/namespaces/default/services")
eval '[ "$c" = 429 ] && grep -qi "^Retry-After: 2" "$T/hdr" && grep -q "\"retryAfterSeconds\":2" "$T/out"'
ok_rc "an injected 429 carries Retry-After and details.retryAfterSeconds" $?
ctl fault '{"method":"GET","path_regex":"/services/s1$","drop":true,"count":1}' > /dev/null
kcurl -o /dev/null "$URL/api/v1/namespaces/default/services/s1"
ok_if "an injected drop resets the connection mid-response" [ "$?" -ne 0 ]
ctl fault '{"method":"DELETE","path_regex":"/services/s4$","status":504,"after_commit":true,"count":1}' > /dev/null
c=$(code DELETE /api/v1/namespaces/default/services/s4)
eval '[ "$c" = 504 ] && ! K get svc s4 > /dev/null 2>&1'
ok_rc "a 504 after the write was committed: the object is gone all the same" $?
c=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$D/ca.crt" "$URL/sim/state")
ok_if "the control interface needs the admin token" [ "$c" = 401 ]

# ------------------------------------------------ crash loops, image pulls
ctl crash "$pod" > /dev/null
restarted() { [ "$(K get pod "$pod" -o jsonpath='{.status.containerStatuses[0].restartCount}')" -ge 1 ]; }
eval 'wait_until "$TEST_WAIT" restarted && dead "$pid"'
ok_rc "a crashed container is restarted (restartCount 1) with a new process" $?
cat > "$T/crash.yaml" << 'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: crashy}
spec:
  selector: {matchLabels: {session: crashy}}
  template:
    metadata: {labels: {session: crashy}}
    spec:
      containers:
      - name: c
        image: example/crashy:1
        env: [{name: SIM_EXIT_AFTER_MS, value: "100"}]
EOF
cat > "$T/pullfail.yaml" << 'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: pullfail}
spec:
  selector: {matchLabels: {session: pullfail}}
  template:
    metadata: {labels: {session: pullfail}}
    spec:
      containers: [{name: c, image: "registry.invalid/broken:1"}]
EOF
K create -f "$T/crash.yaml" > /dev/null
crashloop() {
	K get pods -l session=crashy -o json | py "
import json, sys
cs = json.load(sys.stdin)['items'][0]['status']['containerStatuses'][0]
assert cs['state']['waiting']['reason'] == 'CrashLoopBackOff' and cs['restartCount'] >= 1
assert not cs['ready'] and cs['lastState']['terminated']['exitCode'] == 1"
}
ok_if "a container that keeps exiting: CrashLoopBackOff, Ready false" wait_until "$TEST_WAIT" crashloop
rv=$(kcurl "$URL/api/v1/namespaces/default/pods" | json metadata.resourceVersion)
K create -f "$T/pullfail.yaml" > /dev/null
pullstates() {
	kcurl -N "$URL/api/v1/namespaces/default/pods?watch=1&resourceVersion=$rv&labelSelector=session%3Dpullfail&timeoutSeconds=3" |
	    py "
import json, sys
seen = []
for l in sys.stdin:
    st = json.loads(l)['object']['status']
    for cs in st.get('containerStatuses', []):
        r = st['phase'] + '/' + cs['state'].get('waiting', {}).get('reason', '')
        if not seen or seen[-1] != r:
            seen.append(r)
print(' '.join(seen))"
}
seen=$(pullstates)
eval 'grep -q "Pending/ErrImagePull Pending/ImagePullBackOff" <<< "$seen" && ! grep -q Running <<< "$seen"'
ok_rc "--bad-image: the pod stays Pending, ErrImagePull then ImagePullBackOff ($seen)" $?

# ------------------------------------------------------------ access modes
cat > "$T/once.yaml" << 'EOF2'
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: once}
spec:
  accessModes: [ReadWriteOncePod]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: once-a}
spec:
  containers: [{name: c, image: example/once, ports: [{containerPort: 7000}]}]
  volumes: [{name: v, persistentVolumeClaim: {claimName: once}}]
---
apiVersion: v1
kind: Pod
metadata: {name: once-b}
spec:
  containers: [{name: c, image: example/once, ports: [{containerPort: 7000}]}]
  volumes: [{name: v, persistentVolumeClaim: {claimName: once}}]
EOF2
K create -f "$T/once.yaml" > /dev/null
ok_if "kubectl get pvc once: Bound, access mode RWOP" wait_until "$TEST_WAIT" \
    eval 'K get pvc once | grep -Eq "^once +Bound +pvc-[-0-9a-f]+ +1Gi +RWOP "'
ok_if "a ReadWriteOncePod claim: one pod runs" K wait --for=condition=Ready pod/once-a --timeout="${TEST_WAIT}s"
unschedulable() {
	[ "$(K get pod once-b -o jsonpath='{.status.phase} {.status.conditions[0].reason}')" = "Pending Unschedulable" ] &&
	    K get pod once-b -o jsonpath='{.status.conditions[0].message}' | grep -q 'ReadWriteOncePod access mode'
}
ok_if "... the other stays Pending, Unschedulable, saying why" wait_until "$TEST_WAIT" unschedulable
K delete pod once-a --wait=false > /dev/null
ok_if "... and runs once the first is gone" K wait --for=condition=Ready pod/once-b --timeout="${TEST_WAIT}s"
K delete -f "$T/once.yaml" --wait=false > /dev/null 2>&1

# ------------------------------------------------------------------ delete
ok_if "kubectl delete --cascade=foreground of a Deployment waits for its pod" \
    K delete deploy crashy --cascade=foreground --timeout="${TEST_WAIT}s"
eval 'K delete -f "$T/s1.yaml" --timeout="${TEST_WAIT}s" > /dev/null && [ -z "$(K get deploy,svc,pvc,pods -l session=s1 -o name)" ]'
ok_rc "kubectl delete -f: everything of s1 is gone" $?
ok_if "... its claim's volume with it" wait_until "$TEST_WAIT" test ! -e "$volume"
pid=$(state "([c['pid'] for p in s['pods'] for c in p['containers'] if p['name'].startswith('s1-')] or [0])[0]")
ok_if "... and no s1 pod process is left" [ "$pid" = 0 ]

# ------------------------------------------------------- tokens, shutdown
ctl tokens --write rotated-token > /dev/null
ok_if "replaced tokens: the new kubeconfig works" K get svc s4-missing --ignore-not-found
ok_if "... and the old token gets 401" \
    eval '[ "$(curl -s -o /dev/null -w "%{http_code}" --cacert "$D/ca.crt" -H "Authorization: Bearer $(cat "$D/serviceaccount/ca.crt" | wc -c)" "$URL/api")" = 401 ]'
pids=$(state "' '.join(str(c['pid']) for p in s['pods'] for c in p['containers'] if c['pid'])")
ok_if "pod processes are running before shutdown" [ -n "$pids" ]
kill -TERM "$KS_PID"
gone() { ! kill -0 "$KS_PID" 2> /dev/null; }
ok_if "SIGTERM: kube-sim exits" wait_until "$TEST_WAIT" gone
KS_PID=
left=
for p in $pids; do alive "$p" && left="$left $p"; done
ok_if "... leaving no pod process behind${left:+ (left:$left)}" [ -z "$left" ]
ks_finish
