#!/bin/bash
# vnc-burst.sh - thousands of viewers of one session closing at once: each
# viewer's end reaches ssd-api (its record waits in the relay while the
# channel is full, about 5,000 records), so every one gets its audit row
# (written in batches, not one query each against db_queue_max) and none
# keeps counting against viewer_max_per_session.  Real parts: PostgreSQL,
# ssd, ssd-agent-k8s, the Kubernetes API double; the pod answers the RFB
# banner (tests/ws/bytetarget.py).  TAP output.
. "$top_srcdir/tests/integration/lib.sh"

export JWT_SECRET=0123456789abcdef0123456789abcdef-test
export ADMIN_PASSWORD=admin-password-for-tests
export NODE_PATH=$top_srcdir/tests/node/node_modules
n=10000
command -v node > /dev/null && [ -d "$NODE_PATH/ws" ] ||
    skip_all "node or npm ws missing (contrib/install-deps.sh test)"
# Each viewer is a socket in the client, the relay, the agent and the pod;
# the agent carries at most 1,024 streams on each of its DATA_LINKS.
ulimit -n $((n + 4000)) 2> /dev/null || skip_all "cannot raise the open file limit to $((n + 4000))"

ok_if "PostgreSQL starts" pg_up
/usr/bin/python3 "$top_srcdir/tests/kube-sim/kube-sim" --state-dir "$T/ks" \
    --port 0 --namespace sessions \
    --image-map "bench/idle=$top_srcdir/tests/ws/bytetarget.py banner {ip} {port} -" \
    > "$T/kube-sim.log" 2>&1 &
on_exit "kill $!; wait $!"
ok_if "kube-sim starts" wait_until "$TEST_WAIT" test -s "$T/ks/url"
ok_if "ssd starts" ssd_start "viewer_max_per_session = $n" "viewer_max_per_user = $n" \
    "http_max_connections = $((n + 100))" "http_max_connections_per_address = $((n + 100))" \
    "handoff_max_inflight = $n"
[ -n "$SSD_PID" ] && [ -s "$T/ks/url" ] || finish
sed -e "s|name: xfce-desktop|name: idle|" -e "s|baseImage: .*|baseImage: bench/idle|" \
    "$top_srcdir/contrib/templates/xfce-desktop.yaml" > "$T/idle.yaml"
ssdctl template import "$T/idle.yaml" > /dev/null
admin=$(json token <<< "$(api POST /api/v1/auth/login "" "{\"username\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}" | cut -d' ' -f2-)")
key=$(ssdctl agent add k8s-burst | grep -Eo '[0-9a-f]{64}')
AGENT_ID=k8s-burst CONTROL_PLANE_URL="ws://127.0.0.1:$SSD_PORT" AGENT_KEY=$key \
    KUBECONFIG="$T/ks/kubeconfig" VNC_VIA=direct DATA_LINKS=10 LOG_LEVEL=warn \
    "$top_builddir/ssd-agent-k8s/ssd-agent-k8s" > "$T/agent.log" 2>&1 &
on_exit "kill $!; wait $!"
ok_if "the agent comes online" wait_until "$TEST_WAIT" \
    sql_is "SELECT status FROM agents WHERE agent_id = 'k8s-burst'" online
sid=$(json id <<< "$(api POST /api/v1/sessions "$admin" '{"template":"idle","persistentHome":false}' | cut -d' ' -f2-)")
ok_if "the session reaches running" wait_until "$TEST_WAIT" \
    sql_is "SELECT state FROM sessions WHERE id = '$sid'" running

# viewers FIFO OUT: n viewers up, held until FIFO's writer closes.
viewers() {
	mkfifo "$1"
	node "$top_srcdir/tests/node/vnc-client.js" idle \
	    "ws://127.0.0.1:$SSD_PORT/api/v1/vnc/$sid?token=$admin" "$n" < "$1" > "$2" 2>&1 &
	VIEWERS=$!
	exec 9> "$1"
}
vnc_ends() { psql -qAt -c "SELECT count(*) FROM audit_log WHERE action = 'vnc stream' AND resource_id = '$sid'"; }

# up OUT: the client's count of viewers up, once it has one.
up() { wait_until $((TEST_WAIT * 2)) grep -q '"up"' "$1" && json up < <(grep '"up"' "$1"); }
viewers "$T/hold1" "$T/wave1"
ok_if "$n viewers of the session open (each has the RFB banner)" test "$(up "$T/wave1")" = "$n"
exec 9>&-
wait $VIEWERS
ok_if "all close at once: the relay holds no streams" wait_until $((TEST_WAIT * 2)) \
    test "$(ssdctl show streams | grep -c "$sid")" = 0
# (Under ASan on a loaded machine rows went missing: the batches queued
# on the session's row past db_query_timeout, now skipped if held, see
# vnc-relay.sh.  A generous bound still, and the count if not.)
wait_until $((TEST_WAIT * 4)) test "$(vnc_ends)" = "$n"
ok_rc "every end reached ssd-api: $n audit rows (got $(vnc_ends))" $?
ok_if "... none reported lost" eval '! grep -E "end not reported|audit record lost" "$T/ssd.log"'
grep -q "end records wait for it" "$T/ssd.log" &&
    diag "the channel to ssd-api filled and records waited in the relay"

# None still counts: as many viewers again fit viewer_max_per_session.
viewers "$T/hold2" "$T/wave2"
ok_if "$n viewers again: none refused as over viewer_max_per_session" test "$(up "$T/wave2")" = "$n"
exec 9>&-
wait $VIEWERS
finish
