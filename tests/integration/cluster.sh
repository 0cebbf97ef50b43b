#!/bin/bash
# cluster.sh - ssd-agent-k8s's Kubernetes side (libcluster, driven by
# tests/agent/clusterctl) against tests/kube-sim: start to a Ready pod that
# speaks RFB, a second start adopting, hibernate, wake at a new address,
# stop with and without the home; a 422 undone, 500s and a 504 after the
# write retried into one completion, 429 with Retry-After, 401, a new
# token and a new CA; a crash loop and a bad image reported with Kubernetes' reasons;
# kubeconfig and in-cluster modes; watches that outlive dropped and
# expired streams.  TAP output.
. "$top_srcdir/tests/integration/lib.sh"

SIM="$top_srcdir/tests/kube-sim/kube-sim"
CTL="$top_builddir/tests/agent/clusterctl"
[ -f "$SIM" ] || skip_all "tests/kube-sim/kube-sim missing"
command -v openssl > /dev/null || skip_all "openssl missing"
S="$T/sim"
NS=streamspace

mkdir -p "$S"
/usr/bin/python3 "$SIM" --state-dir "$S" --namespace "$NS" \
    --log "$T/sim.log" > /dev/null 2>&1 &
on_exit "kill $!; wait $!"
ok_if "kube-sim starts" wait_until "$TEST_WAIT" test -s "$S/url"
[ -s "$S/url" ] || finish

simctl() { /usr/bin/python3 "$SIM" ctl --state-dir "$S" "$@"; }
# ctl ARGS...: clusterctl with the kubeconfig; its log goes to ctl.log.
ctl() { "$CTL" -k "$S/kubeconfig" -r 60 "$@" 2>> "$T/ctl.log"; }
# ctl_in ARGS...: clusterctl in in-cluster mode.
ctl_in() {
	env $(cat "$S/env") "$CTL" -i "$S/serviceaccount" -r 60 "$@" \
	    2>> "$T/ctl.log"
}
# payload ID [SPEC-EXTRA]: a start_session payload; $IMAGE, $HOME_PVC.
payload() {
	printf '{"sessionId":"%s","user":"alice@corp.com","template":{"apiVersion":"stream.space/v1alpha1","kind":"Template","metadata":{"name":"xfce-desktop"},"spec":{"baseImage":"%s","ports":[{"name":"vnc","containerPort":5901}]%s}},"resources":{"memory":"512Mi","cpu":"250m"},"persistentHome":%s}' \
	    "$1" "${IMAGE:-docker.io/accetto/ubuntu-vnc-xfce-g3:latest}" \
	    "${2:-}" "${HOME_PVC:-true}"
}
# jf FIELD <<< clusterctl's output: a field of its "done" line.
jf() { grep '"event":"done"' | json "$1" 2> /dev/null; }
# api PATH: GET on the API server with the agent's token.
api() {
	curl -s --cacert "$S/ca.crt" -H "Authorization: Bearer $(cat "$S/token")" \
	    "$(cat "$S/url")$1"
}
# left ID [pods]: how many objects (of every kind, or pods) are labelled
# session=ID; gone ID [pods]: none are.
left() {
	local n=0 p c paths=("/api/v1/namespaces/$NS/pods")
	[ "${2:-}" = pods ] || paths+=("/apis/apps/v1/namespaces/$NS/deployments" \
	    "/api/v1/namespaces/$NS/services" \
	    "/api/v1/namespaces/$NS/persistentvolumeclaims")
	for p in "${paths[@]}"; do
		c=$(api "$p?labelSelector=session%3D$1" | /usr/bin/python3 -c \
		    'import json,sys; print(len(json.load(sys.stdin)["items"]))')
		n=$((n + c))
	done
	echo "$n"
}
gone() { [ "$(left "$@")" = 0 ]; }
# rfb IP PORT: the pod answers with an RFB greeting.
rfb() { [ "$(timeout 3 bash -c "exec 3<>/dev/tcp/$1/$2; head -c 12 <&3")" = "RFB 003.008" ]; }
# nreq METHOD PATH-REGEX [BODY-REGEX]: requests kube-sim has seen.
nreq() {
	simctl requests | /usr/bin/python3 -c 'import json,re,sys
m, p, b = sys.argv[1], sys.argv[2], sys.argv[3]
print(sum(1 for e in json.load(sys.stdin)["requests"]
          if e["method"] == m and re.search(p, e["path"])
          and re.search(b, json.dumps(e["body"]))))' "$1" "$2" "${3:-}"
}
# first_post: the kind of the first object created.
first_post() {
	simctl requests | /usr/bin/python3 -c 'import json,sys
print([e["path"].rsplit("/", 1)[1] for e in json.load(sys.stdin)["requests"]
       if e["method"] == "POST"][0])'
}
watched() { grep -Eq "$2" "$1"; }
not() { ! "$@"; }

# Watches for the whole test, to see status changes (and restarts):
# one with the kubeconfig, one in-cluster.  Started without the shell
# functions, so that $! is clusterctl itself.
"$CTL" -k "$S/kubeconfig" -w 600 watch > "$T/watch.out" 2>> "$T/ctl.log" &
WATCHERS=$!
env $(cat "$S/env") "$CTL" -i "$S/serviceaccount" -w 600 watch \
    > "$T/watch-in.out" 2>> "$T/ctl.log" &
WATCHERS="$WATCHERS $!"
on_exit "kill $WATCHERS"

# Start, adopt, sessions.
out=$(ctl start "$(payload s1)")
ip=$(jf result.podIP <<< "$out")
pod=$(jf result.podName <<< "$out")
[ -n "$ip" ] && [ -n "$pod" ] && [ "$(jf result.vncPort <<< "$out")" = 5901 ] &&
    [ "$(jf result.vncHost <<< "$out")" = "$ip" ] &&
    [ "$(jf result.namespace <<< "$out")" = "$NS" ]
ok_rc "start: done with the pod, its address and port" $?
ok_if "the Ready pod speaks RFB at that address" rfb "$ip" 5901
dep=$(api "/apis/apps/v1/namespaces/$NS/deployments/s1")
[ "$(api "/api/v1/namespaces/$NS/services/s1" | json metadata.ownerReferences.0.uid)" = \
    "$(json metadata.uid <<< "$dep")" ]
ok_rc "the Service is owned by the Deployment" $?
[ "$(json metadata.labels.user <<< "$dep")" = alice_corp.com ] &&
    [ "$(json metadata.labels.managed-by <<< "$dep")" = ssd-agent-k8s ] &&
    [ "$(json spec.strategy.type <<< "$dep")" = Recreate ]
ok_rc "Deployment: our labels (user sanitised), Recreate" $?
ok_if "Deployment, Service, home claim and pod exist" [ "$(left s1)" = 4 ]
ok_if "the claim came first (no pod waits for it)" \
    [ "$(first_post)" = persistentvolumeclaims ]
out=$(ctl start "$(payload s1)")
ok_if "a second start adopts the objects (409) and completes" \
    [ "$(jf result.podName <<< "$out")" = "$pod" ]
ok_if "... saying so" grep -q 'session s1: adopting the existing deployment' "$T/ctl.log"
ok_if "sessions lists it running" \
    [ "$(ctl sessions | grep '"event":"sessions"' | json sessions.0.state)" = running ]
ok_if "count is 1" [ "$(ctl count | grep '"event":"count"' | json count)" = 1 ]

# Its VNC endpoint, directly and through the API server's port-forward.
vnc_ok() { grep -q '"event":"vnc","greeting":"RFB 003.008","echoed":true'; }
ok_if "vnc direct: the pod's greeting, and our bytes echoed" \
    vnc_ok <<< "$(ctl vnc s1 direct)"
ok_if "vnc through port-forward: the same" vnc_ok <<< "$(ctl vnc s1 portforward)"
ok_if "... it went through the API server's portforward subresource" \
    [ "$(nreq GET "/pods/$pod/portforward")" -ge 1 ]
ok_if "vnc through port-forward, in-cluster credentials" \
    vnc_ok <<< "$(ctl_in vnc s1 portforward)"
ok_if "vnc to a session without a ready pod: a clear error" \
    grep -q 'session nosuch has no ready pod' <<< "$("$CTL" -k "$S/kubeconfig" vnc nosuch 2>&1)"

# Hibernate (after a 429) and wake.
simctl fault '{"method":"PATCH","path_regex":"/scale$","status":429,"retry_after":1,"count":1}' > /dev/null
t0=$(date +%s%N)
out=$(ctl hibernate '{"sessionId":"s1"}')
t1=$(date +%s%N)
[ "$(jf error <<< "$out")" = "" ] && [ $(( (t1 - t0) / 1000000 )) -ge 1000 ]
ok_rc "hibernate: done after a 429, Retry-After honoured" $?
ok_if "... and no pod is left" gone s1 pods
ok_if "the watch reported hibernated" wait_until "$TEST_WAIT" \
    watched "$T/watch.out" '"sessionId":"s1","state":"hibernated"'
out=$(ctl wake '{"sessionId":"s1"}')
ip2=$(jf result.podIP <<< "$out")
[ -n "$ip2" ] && [ "$(jf result.podName <<< "$out")" != "$pod" ]
ok_rc "wake: done with a new pod" $?
ok_if "the new pod speaks RFB at its address" rfb "$ip2" 5901

# Stop: keeps the home unless asked.
out=$(ctl stop '{"sessionId":"s1"}')
ok_if "stop: done" [ "$(jf error <<< "$out")" = "" ]
ok_if "... only the home claim is left" [ "$(left s1)" = 1 ]
ok_if "a Foreground delete was asked for the Deployment" \
    [ "$(nreq DELETE '/deployments/s1$' Foreground)" -ge 1 ]
ok_if "the watch reported terminated" wait_until "$TEST_WAIT" \
    watched "$T/watch.out" '"sessionId":"s1","state":"terminated"'
out=$(ctl stop '{"sessionId":"s1","deleteHome":true}')
[ "$(jf error <<< "$out")" = "" ] && wait_until "$TEST_WAIT" gone s1
ok_rc "stop with deleteHome: done, nothing left" $?
out=$(ctl stop '{"sessionId":"s1"}')
ok_if "stopping what is gone succeeds" [ "$(jf error <<< "$out")" = "" ]

# Failures.
simctl fault '{"method":"POST","path_regex":"/services$","status":422,"message":"Service \"s2\" is invalid: spec.ports: Required value","count":1}' > /dev/null
out=$(ctl start "$(payload s2)")
grep -q 'spec.ports: Required value' <<< "$(jf error <<< "$out")" &&
    [ "$(jf retryable <<< "$out")" = false ]
ok_rc "422: failed with the API server's message, not retryable" $?
ok_if "... and what it created is deleted" wait_until "$TEST_WAIT" gone s2

before=$(nreq POST '/deployments$')
simctl fault '{"method":"POST","path_regex":"/deployments$","status":500,"count":2}' > /dev/null
out=$(ctl start "$(payload s3)")
[ "$(grep -c '"event":"done"' <<< "$out")" = 1 ] && [ -n "$(jf result.podIP <<< "$out")" ]
ok_rc "500 twice: retried, completes once" $?
ok_if "... after three POSTs" [ $(( $(nreq POST '/deployments$') - before )) = 3 ]
ctl stop '{"sessionId":"s3","deleteHome":true}' > /dev/null

simctl fault '{"method":"POST","path_regex":"/deployments$","status":504,"after_commit":true,"count":1}' > /dev/null
simctl fault '{"method":"POST","path_regex":"/services$","status":403,"count":1}' > /dev/null
out=$(ctl start "$(payload s4)")
[ -n "$(jf error <<< "$out")" ] && [ "$(jf retryable <<< "$out")" = false ]
ok_rc "504 after the write, then 403: failed, not retryable" $?
ok_if "... the Deployment whose answer was lost is ours: deleted" \
    wait_until "$TEST_WAIT" gone s4

simctl fault '{"method":"POST","path_regex":"/persistentvolumeclaims$","status":503,"retry_after":0}' > /dev/null
out=$(ctl start "$(payload s5)")
[ -n "$(jf error <<< "$out")" ] && [ "$(jf retryable <<< "$out")" = true ]
ok_rc "503 for good: failed after its tries, retryable" $?
simctl faults-clear > /dev/null

out=$(ctl start "$(payload s6 ',"env":[{"name":"SIM_LISTEN_DELAY_MS","value":"600000"},{"name":"SIM_EXIT_AFTER_MS","value":"100"}]')")
ok_if "a crash loop: start fails with CrashLoopBackOff" \
    grep -q CrashLoopBackOff <<< "$(jf error <<< "$out")"
ok_if "the watch reported failed: CrashLoopBackOff" \
    watched "$T/watch.out" '"sessionId":"s6","state":"failed","reason":"CrashLoopBackOff"'
ok_if "... and the failed start left nothing" wait_until "$TEST_WAIT" gone s6

simctl bad-image registry.example/missing:1 > /dev/null
out=$(ctl start "$(IMAGE=registry.example/missing:1 payload s7)")
ok_if "a bad image: start fails with ErrImagePull or ImagePullBackOff" \
    grep -Eq 'ErrImagePull|ImagePullBackOff' <<< "$(jf error <<< "$out")"
ok_if "the watch reported it" watched "$T/watch.out" \
    '"sessionId":"s7","state":"failed","reason":"(ErrImagePull|ImagePullBackOff)"'
ok_if "... and the failed start left nothing" wait_until "$TEST_WAIT" gone s7

out=$(ctl start '{"sessionId":"s8","user":"u","template":{"kind":"Pod"}}')
grep -q 'template' <<< "$(jf error <<< "$out")" && [ "$(jf retryable <<< "$out")" = false ]
ok_rc "a bad payload fails at once, not retryable" $?

# In-cluster mode, 401 and a new token.
out=$(ctl_in start "$(HOME_PVC=false payload s9)")
[ -n "$(jf result.podIP <<< "$out")" ] && [ "$(jf result.namespace <<< "$out")" = "$NS" ]
ok_rc "in-cluster: start completes" $?
simctl fault '{"status":401,"count":1}' > /dev/null
out=$(ctl_in hibernate '{"sessionId":"s9"}')
ok_if "in-cluster: a 401 re-reads the token and retries once" \
    [ "$(jf error <<< "$out")" = "" ]
cp "$S/kubeconfig" "$T/old-kubeconfig"
simctl --write tokens new-token-for-the-test > /dev/null
simctl watch-drop end > /dev/null
out=$(ctl start "$(HOME_PVC=false payload s10)")
ok_if "the in-cluster watch, restarted, read the new token" wait_until "$TEST_WAIT" \
    watched "$T/watch-in.out" '"sessionId":"s10","state":"running"'
out=$("$CTL" -k "$T/old-kubeconfig" wake '{"sessionId":"s9"}' 2>> "$T/ctl.log")
grep -q Unauthorized <<< "$(jf error <<< "$out")" && [ "$(jf retryable <<< "$out")" = false ]
ok_rc "a revoked token: 401, not retryable" $?

# A new cluster CA: new connections read ca.crt again.
simctl rotate-ca > /dev/null
simctl watch-drop end > /dev/null
out=$(ctl_in start "$(HOME_PVC=false payload s11)")
ok_if "after a CA rotation the in-cluster watch reconnects" wait_until "$TEST_WAIT" \
    watched "$T/watch-in.out" '"sessionId":"s11","state":"running"'
ctl_in stop '{"sessionId":"s11"}' > /dev/null

# The watches outlive reset and expired streams.
simctl watch-drop reset > /dev/null
simctl compact > /dev/null
simctl watch-drop expire > /dev/null
ctl_in stop '{"sessionId":"s10"}' > /dev/null
ok_if "after reset and expired streams the watch still reports" wait_until "$TEST_WAIT" \
    watched "$T/watch-in.out" '"sessionId":"s10","state":"terminated"'
ok_if "... having listed again" grep -q 'watch pods: .*listing again' "$T/ctl.log"
ctl_in stop '{"sessionId":"s9"}' > /dev/null

cat > "$T/insecure" << EOF
current-context: c
contexts: [{name: c, context: {cluster: k, user: u}}]
clusters: [{name: k, cluster: {server: "$(cat "$S/url")", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t}}]
EOF
"$CTL" -k "$T/insecure" sessions > /dev/null 2> "$T/insecure.err"
[ $? = 2 ] && grep -q 'insecure-skip-tls-verify is refused' "$T/insecure.err"
ok_rc "a kubeconfig turning TLS verification off is refused" $?
kill $WATCHERS
wait $WATCHERS
ok_if "no sanitizer report from clusterctl, watchers included" \
    not grep -q Sanitizer "$T/ctl.log"

if [ "$TAP_FAILED" != 0 ]; then
	diag "--- clusterctl log ---"
	tail -40 "$T/ctl.log" | sed 's/^/# /'
	diag "--- watch ---"
	tail -20 "$T/watch.out" | sed 's/^/# /'
fi
finish
