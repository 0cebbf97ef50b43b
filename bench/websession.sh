#!/bin/bash
# bench/websession.sh - HTTP through a web-streamed session's path against
# the same server reached directly, in one run:
#   D  direct to the pod's web port (tests/ws/webapp.py on kube-sim),
#   R  ssd: the session's origin s-LABEL.localhost -> ssd-api (cookie
#      checked, head rewritten) -> ssd-relay -> data link -> ssd-agent-k8s
#      -> the pod.
# The same client (tests/ws/webclient.py) for both: a download and an
# upload of SIZE_MB, every byte checked; rounds rotate the order; medians
# in MiB/s and R's ratio to D are printed.  A failed or unchecked transfer
# ends the run with the reason.  Not part of make check.
# Usage: bench/websession.sh [BUILD_DIR]   Environment: ROUNDS (3),
# SIZE_MB (512), VNC_VIA (the agent's way to the pod: direct, as in a
# cluster; portforward measures the Kubernetes double's port-forward).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
rounds=${ROUNDS:-3}
size=$(( ${SIZE_MB:-512} * 1024 * 1024 ))
bench_needs python3

pg_up > /dev/null || fail "PostgreSQL did not start"
/usr/bin/python3 "$top/tests/kube-sim/kube-sim" --state-dir "$T/ks" --port 0 \
    --namespace bench \
    --image-map "test/webapp*=$top/tests/ws/webapp.py {ip} {port} /dev/null" \
    > "$T/kube-sim.log" 2>&1 &
on_exit "kill $!; wait $!"
wait_until 15 test -s "$T/ks/url" || fail "kube-sim did not start"
ssd_start "session_domain = localhost" || fail "ssd did not start"
cat > "$T/webapp.yaml" <<'YAML'
apiVersion: stream.space/v1alpha1
kind: Template
metadata:
  name: webapp
spec:
  baseImage: test/webapp:1
  ports:
    - containerPort: 8000
  vnc: {enabled: true, protocol: http, port: 8000}
YAML
ssdctl template import "$T/webapp.yaml" > /dev/null || fail "cannot import the template"
key=$(ssdctl agent add k8s-bench | grep -Eo '[0-9a-f]{64}')
AGENT_ID=k8s-bench CONTROL_PLANE_URL="ws://127.0.0.1:$SSD_PORT" AGENT_KEY=$key \
    KUBECONFIG="$T/ks/kubeconfig" VNC_VIA=${VNC_VIA:-direct} LOG_LEVEL=warn \
    "$build/ssd-agent-k8s/ssd-agent-k8s" > "$T/agent.log" 2>&1 &
on_exit "kill $!; wait $!"
wait_until 30 sql_is "SELECT status FROM agents WHERE agent_id = 'k8s-bench'" online ||
    fail "the agent did not come online"
jwt=$(json token <<< "$(api POST /api/v1/auth/login "" "{\"username\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}" | cut -d' ' -f2-)")
sid=$(json id <<< "$(api POST /api/v1/sessions "$jwt" '{"template":"webapp","persistentHome":false}' | cut -d' ' -f2-)")
wait_until 30 sql_is "SELECT state FROM sessions WHERE id = '$sid'" running ||
    fail "the session did not start"
ip=$(json platformMetadata.podIP <<< "$(api GET "/api/v1/sessions/$sid" "$jwt" | cut -d' ' -f2-)")
label=$(psql -qAt -c "SELECT web_label FROM sessions WHERE id = '$sid'")
ticket=$(json ticket <<< "$(api POST "/api/v1/sessions/$sid/viewer-ticket" "$jwt" | cut -d' ' -f2-)")
host="s-$label.localhost:$SSD_PORT"
cookie=$(/usr/bin/python3 "$top/tests/ws/webclient.py" "127.0.0.1:$SSD_PORT" "$host" - auth "$ticket" |
    /usr/bin/python3 -c 'import json, sys; print((json.load(sys.stdin)["setCookie"] or "").split(";")[0])')
[ -n "$cookie" ] || fail "no cookie for the session's origin"

# run VARIANT WHAT: MiB/s of one checked transfer
run() {
	local out
	case $1 in
	D) out=$(/usr/bin/python3 "$top/tests/ws/webclient.py" "$ip:8000" "$ip:8000" - "$2" "$size") ;;
	R) out=$(/usr/bin/python3 "$top/tests/ws/webclient.py" "127.0.0.1:$SSD_PORT" "$host" "$cookie" "$2" "$size") ;;
	esac
	grep -q '"exact": true' <<< "$out" || fail "$1 $2 failed: $out"
	/usr/bin/python3 -c 'import json, sys; o = json.loads(sys.argv[1]); print(round(int(sys.argv[2]) / 1048576 / o["seconds"], 1))' "$out" "$size"
}
declare -A res
for ((r = 0; r < rounds; r++)); do
	order="D R"
	[ $((r % 2)) = 1 ] && order="R D"
	for v in $order; do
		for what in bytes upload; do
			res[$v.$what]+="$(run "$v" "$what") "
		done
	done
done
printf '%-10s %12s %12s %8s\n' "" "direct" "through ssd" "R/D"
for what in bytes upload; do
	d=$(tr ' ' '\n' <<< "${res[D.$what]}" | grep . | median)
	s=$(tr ' ' '\n' <<< "${res[R.$what]}" | grep . | median)
	printf '%-10s %9s MiB/s %6s MiB/s %8s\n' "${what/bytes/download}" "$d" "$s" \
	    "$(awk -v a="$s" -v b="$d" 'BEGIN { printf "%.2f", a / b }')"
done
echo "($rounds rounds of $((size >> 20)) MiB each way, medians; client and server: Python)"
