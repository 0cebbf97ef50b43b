#!/bin/bash
# websession-desktop.sh - the firefox demo template as a web-streamed
# session in Chromium: its pod on the Kubernetes API double is a real
# web-streamed desktop (contrib/demo-web-desktop.sh: Xvnc behind
# websockify serving noVNC on the container port, as KasmVNC serves its
# client).  Signed in to the UI, opening the session sends the browser to
# the session's own origin, whose web client loads from the pod through
# ssd and connects through its own WebSocket; a screenshot shows the
# desktop (every page's under $top_builddir/tests/screenshots/websession/).
# TAP output.
. "$top_srcdir/tests/integration/lib.sh"

export JWT_SECRET=0123456789abcdef0123456789abcdef-test
export ADMIN_PASSWORD=admin-password-for-tests
command -v Xvnc > /dev/null || skip_all "Xvnc missing (tigervnc-standalone-server)"
command -v websockify > /dev/null || skip_all "websockify missing"
[ -f /usr/share/novnc/vnc.html ] || skip_all "novnc missing"
command -v chromium > /dev/null && [ -d "$top_srcdir/tests/node/node_modules/playwright-core" ] ||
    skip_all "chromium or playwright-core missing (contrib/install-deps.sh test)"

ok_if "PostgreSQL starts" pg_up
/usr/bin/python3 "$top_srcdir/tests/kube-sim/kube-sim" --state-dir "$T/ks" \
    --port 0 --namespace sessions \
    --image-map "lscr.io/linuxserver/*=$top_srcdir/contrib/demo-web-desktop.sh {ip} {port}" \
    > "$T/kube-sim.log" 2>&1 &
on_exit "kill $!; wait $!"
ok_if "kube-sim starts" wait_until "$TEST_WAIT" test -s "$T/ks/url"
ok_if "ssd starts with session_domain = localhost" ssd_start "session_domain = localhost"
[ -n "$SSD_PID" ] && [ -s "$T/ks/url" ] || finish
ssdctl template import "$top_srcdir/contrib/templates/firefox.yaml" > /dev/null
admin=$(json token <<< "$(api POST /api/v1/auth/login "" "{\"username\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}" | cut -d' ' -f2-)")
key=$(ssdctl agent add k8s-desk | grep -Eo '[0-9a-f]{64}')
env AGENT_ID=k8s-desk CONTROL_PLANE_URL="ws://127.0.0.1:$SSD_PORT" AGENT_KEY="$key" \
    KUBECONFIG="$T/ks/kubeconfig" RECONNECT_MAX=1s HEARTBEAT_INTERVAL=1s \
    "$top_builddir/ssd-agent-k8s/ssd-agent-k8s" >> "$T/agent.log" 2>&1 &
on_exit "kill $!; wait $!"
ok_if "the agent comes online" wait_until "$TEST_WAIT" \
    sql_is "SELECT status FROM agents WHERE agent_id = 'k8s-desk'" online
sid=$(json id <<< "$(api POST /api/v1/sessions "$admin" '{"template":"firefox","persistentHome":false}' | cut -d' ' -f2-)")
ok_if "the firefox session reaches running" wait_until "$TEST_WAIT" \
    sql_is "SELECT state FROM sessions WHERE id = '$sid'" running
label=$(psql -qAt -c "SELECT web_label FROM sessions WHERE id = '$sid'")

shots="$top_builddir/tests/screenshots/websession"
rm -rf "$shots"
mkdir -p "$shots"
NODE_PATH="$top_srcdir/tests/node/node_modules" node "$top_srcdir/tests/node/websession.js" \
    "$SSD_URL" "$sid" admin "$ADMIN_PASSWORD" "$shots/firefox" \
    > "$T/browser.out" 2>&1
ev() { grep "\"event\":\"$1\"" "$T/browser.out" | head -1; }
ok_if "opening the session in the UI goes to its own origin ($(ev origin))" \
    grep -q "\"origin\":\"http://s-$label.localhost:$SSD_PORT\"" <<< "$(ev origin)"
ok_if "the pod's own web client loads there and connects through its WebSocket" \
    grep -q . <<< "$(ev connected)"
check_cookies() {
	/usr/bin/python3 -c 'import json, sys
c = json.loads(sys.argv[1])
s = c["session"]
ok = [x["name"] for x in s] == ["ssd-view"] and s[0]["httpOnly"] and s[0]["sameSite"] == "Lax"
ok = ok and "ssd" in [x["name"] for x in c["ui"]]
sys.exit(0 if ok else 1)' "$(ev cookies)"
}
ok_if "the session's origin holds only its own HttpOnly Lax cookie; the UI's is not sent there ($(ev cookies))" \
    check_cookies
ok_if "the screenshot shows the desktop, not a blank screen ($(ev shot))" \
    /usr/bin/python3 -c 'import json, sys; s = json.loads(sys.argv[1]); sys.exit(0 if s["distinct"] >= 3 else 1)' "$(ev shot)"
ok_if "the connection is audited as a web stream" wait_until "$TEST_WAIT" \
    sql_is "SELECT count(*) > 0 FROM audit_log WHERE action = 'web stream' AND resource_id = '$sid'" t
ok_if "no sanitizer report from ssd or the agent" \
    bash -c "! grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error' '$T/ssd.log' '$T/agent.log'"
[ "$TAP_FAILED" = 0 ] || { echo "# --- browser ---"; grep -v console "$T/browser.out" | tail -20 | sed 's/^/# /'; tail -20 "$T/ssd.log" | sed 's/^/# /'; }
finish
