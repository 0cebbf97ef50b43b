#!/bin/bash
# agent-vnc.sh - VNC end to end with every real part: PostgreSQL, ssd,
# ssd-agent-k8s with its data link, the Kubernetes API double running a
# real Xvnc (contrib/demo-desktop.sh) as the session's pod.  A scripted
# RFB client completes the handshake through /api/v1/vnc/ID and gets a
# framebuffer update; noVNC in headless Chromium shows the desktop, and
# the screen changes when the test draws on it.  TAP output.
. "$top_srcdir/tests/integration/lib.sh"

export JWT_SECRET=0123456789abcdef0123456789abcdef-test
export ADMIN_PASSWORD=admin-password-for-tests
/usr/bin/python3 -c 'import websockets' 2> /dev/null || skip_all "python3-websockets missing"
command -v Xvnc > /dev/null || skip_all "Xvnc missing (tigervnc-standalone-server)"

ok_if "PostgreSQL starts" pg_up
/usr/bin/python3 "$top_srcdir/tests/kube-sim/kube-sim" --state-dir "$T/ks" \
    --port 0 --namespace sessions \
    --image-map "docker.io/accetto/*=$top_srcdir/contrib/demo-desktop.sh {ip} {port}" \
    --image-map "bench/source=$top_srcdir/tests/ws/bytetarget.py source {ip} {port} $((1 << 30))" \
    --image-map "bench/sink=$top_srcdir/tests/ws/bytetarget.py sink {ip} {port} $T/sink.count" \
    > "$T/kube-sim.log" 2>&1 &
on_exit "kill $!; wait $!"
ok_if "kube-sim starts" wait_until "$TEST_WAIT" test -s "$T/ks/url"
ok_if "ssd starts" ssd_start "agent_heartbeat_interval = 1s" "agent_timeout = 30s" \
    "viewer_max_per_session = 2" "viewer_max_per_user = 3"
[ -n "$SSD_PID" ] && [ -s "$T/ks/url" ] || finish
ssdctl template import "$top_srcdir/contrib/templates/xfce-desktop.yaml" > /dev/null
admin=$(json token <<< "$(api POST /api/v1/auth/login "" "{\"username\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}" | cut -d' ' -f2-)")
key=$(ssdctl agent add k8s-vnc | grep -Eo '[0-9a-f]{64}')

declare -A bsid
AGENT_PID=
agent_start() {
	env AGENT_ID=k8s-vnc CONTROL_PLANE_URL="ws://127.0.0.1:$SSD_PORT" \
	    AGENT_KEY="$key" KUBECONFIG="$T/ks/kubeconfig" RECONNECT_MAX=1s \
	    HEARTBEAT_INTERVAL=1s LOG_LEVEL=debug "$@" \
	    "$top_builddir/ssd-agent-k8s/ssd-agent-k8s" >> "$T/agent.log" 2>&1 &
	AGENT_PID=$!
}
agent_stop() { [ -n "$AGENT_PID" ] && kill "$1" "$AGENT_PID" 2> /dev/null; wait "$AGENT_PID" 2> /dev/null; AGENT_PID=; }
on_exit 'agent_stop -TERM'
agent_start
ok_if "the agent comes online" wait_until "$TEST_WAIT" \
    sql_is "SELECT status FROM agents WHERE agent_id = 'k8s-vnc'" online
ok_if "... and its data link is up" wait_until "$TEST_WAIT" grep -q 'data link 0 up' "$T/agent.log"

sid=$(json id <<< "$(api POST /api/v1/sessions "$admin" '{"template":"xfce-desktop","persistentHome":false}' | cut -d' ' -f2-)")
ok_if "a desktop session reaches running" wait_until "$TEST_WAIT" \
    sql_is "SELECT state FROM sessions WHERE id = '$sid'" running
ticket_url() { json url <<< "$(api POST "/api/v1/sessions/$sid/viewer-ticket" "$admin" | cut -d' ' -f2-)"; }
rfb() { local u=$1; shift; /usr/bin/python3 "$top_srcdir/tests/ws/rfbclient.py" "ws://127.0.0.1:$SSD_PORT$u" "$@"; }

before=$(psql -qAt -c "SELECT now()")
out=$(rfb "$(ticket_url)")
ok_if "RFB through /api/v1/vnc/ID (ticket, no subprotocol): handshake and a framebuffer update ($out)" \
    grep -q '"width": 1024, "height": 768' <<< "$out"
out=$(rfb "/api/v1/vnc/$sid?token=$admin" binary)
ok_if "... with a JWT and the binary subprotocol, as the original viewer" \
    grep -q '"protocol": "binary"' <<< "$out"
u2=$(ticket_url)
u3=$(ticket_url)
rfb "$u2" > "$T/v2" &
rfb "$u3" > "$T/v3"
wait $!
both_viewed() { grep -q '"rects"' "$T/v2" && grep -q '"rects"' "$T/v3"; }
ok_if "two viewers of one session at once, each its own stream" both_viewed
ok_if "every stream is audited when it ends, with its bytes, duration and close" \
    wait_until "$TEST_WAIT" sql_is "SELECT count(*) >= 4 AND bool_and((changes->>'bytesDown')::bigint > 0 AND changes ? 'durationMs' AND changes ? 'closeCode') FROM audit_log WHERE action = 'vnc stream' AND resource_id = '$sid'" t
diag "$(psql -qAt -c "SELECT changes FROM audit_log WHERE action = 'vnc stream' AND resource_id = '$sid'" | tr '\n' ' ')"
ok_if "... and it moves the session's last_activity" \
    sql_is "SELECT last_activity > '$before' FROM sessions WHERE id = '$sid'" t

# A viewer keeps working while ssd-hub is killed and restarted.  The
# viewer asks for updates until its time is up; it can only finish when
# the last one comes, after the kill, and says how the stream ended.
rfb "$(ticket_url)" "" 8 > "$T/hold1" &
holder=$!
wait_until "$TEST_WAIT" grep -q '"rects"' "$T/hold1"
kill -9 "$(worker_pid ssd-hub)"
wait $holder
ok_if "kill -9 ssd-hub: a running VNC stream goes on ($(tail -1 "$T/hold1"))" \
    /usr/bin/python3 -c 'import json, sys; r = json.loads(sys.argv[1]); sys.exit(0 if r.get("updates", 0) >= 2 and "closed" not in r else 1)' "$(tail -1 "$T/hold1")"

# The agent restarts: its streams end with a reason, new ones work later.
rfb "$(ticket_url)" "" 8 > "$T/hold2" &
holder=$!
wait_until "$TEST_WAIT" grep -q '"rects"' "$T/hold2"
agent_stop -TERM
wait $holder
ok_if "agent stopped: its viewer's stream closes with a code and reason ($(tail -1 "$T/hold2"))" \
    /usr/bin/python3 -c 'import json, sys; r = json.loads(sys.argv[1]); sys.exit(0 if r.get("closed", 1000) != 1000 and r.get("reason") else 1)' "$(tail -1 "$T/hold2")"
agent_start
link_again() { [ "$(grep -c 'data link 0 up' "$T/agent.log")" -ge 2 ]; }
ok_if "... the agent is back with its data link" wait_until "$TEST_WAIT" link_again
out=$(rfb "$(ticket_url)")
ok_if "... and a new viewer works" grep -q '"rects"' <<< "$out"

# Viewer caps: 2 per session, 3 per user (admin's, here).
sid2=$(json id <<< "$(api POST /api/v1/sessions "$admin" '{"template":"xfce-desktop","persistentHome":false}' | cut -d' ' -f2-)")
wait_until "$TEST_WAIT" sql_is "SELECT state FROM sessions WHERE id = '$sid2'" running
upgrade_code() {
	curl -s --max-time 10 -o "$T/cap.out" -w '%{http_code}' -H 'Connection: Upgrade' \
	    -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' \
	    -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' "http://127.0.0.1:$SSD_PORT$1"
}
# hold URL FILE: a viewer in the background for 10 minutes, its pid
# (python's own, so that a kill ends it) in holders.
holders=()
hold() {
	(exec /usr/bin/python3 "$top_srcdir/tests/ws/rfbclient.py" \
	    "ws://127.0.0.1:$SSD_PORT$1" "" 600 > "$2") &
	holders+=($!)
}
hold "$(ticket_url)" "$T/cap0"
hold "$(ticket_url)" "$T/cap1"
all_viewing() { local f; for f in "$@"; do grep -q '"rects"' "$f" || return 1; done; }
wait_until "$TEST_WAIT" all_viewing "$T/cap0" "$T/cap1"
code=$(upgrade_code "$(ticket_url)")
ok_if "a third viewer of one session: 429 too_many_viewers (got $code)" \
    eval '[ "$code" = 429 ] && grep -q "viewer_max_per_session" "$T/cap.out"'
sid_keep=$sid
sid=$sid2
hold "$(ticket_url)" "$T/cap2"
wait_until "$TEST_WAIT" all_viewing "$T/cap2"
code=$(upgrade_code "$(ticket_url)")
ok_if "a fourth viewer of the user's, on another session: 429 naming viewer_max_per_user (got $code)" \
    eval '[ "$code" = 429 ] && grep -q "viewer_max_per_user" "$T/cap.out"'
kill "${holders[@]}" 2> /dev/null
wait "${holders[@]}" 2> /dev/null
sid=$sid_keep
viewers_back() {
	local u3 u4 p3
	u3=$(ticket_url) u4=$(ticket_url)
	rfb "$u3" "" 3 > "$T/cap3" &
	p3=$!
	rfb "$u4" "" 3 > "$T/cap4"
	wait "$p3"
	all_viewing "$T/cap3" "$T/cap4"
}
ok_if "... once they close, their places are free again (two viewers of the first session at once)" \
    wait_until "$TEST_WAIT" viewers_back
api DELETE "/api/v1/sessions/$sid2" "$admin" > /dev/null

# Byte-exact through the whole path: 1 GiB down, 512 MiB up, to the close.
if command -v node > /dev/null && [ -d "$top_srcdir/tests/node/node_modules/ws" ]; then
	for t in source sink; do
		sed -e "s|name: xfce-desktop|name: bytes-$t|" -e "s|baseImage: .*|baseImage: bench/$t|" \
		    "$top_srcdir/contrib/templates/xfce-desktop.yaml" > "$T/bytes-$t.yaml"
		ssdctl template import "$T/bytes-$t.yaml" > /dev/null
		bsid[$t]=$(json id <<< "$(api POST /api/v1/sessions "$admin" "{\"template\":\"bytes-$t\",\"persistentHome\":false}" | cut -d' ' -f2-)")
	done
	wait_until "$TEST_WAIT" sql_is "SELECT count(*) FROM sessions WHERE id IN ('${bsid[source]}', '${bsid[sink]}') AND state = 'running'" 2
	out=$(NODE_PATH="$top_srcdir/tests/node/node_modules" node "$top_srcdir/tests/node/vnc-client.js" \
	    down "ws://127.0.0.1:$SSD_PORT/api/v1/vnc/${bsid[source]}?token=$admin" $((1 << 30)))
	ok_if "1 GiB from the session to the viewer, every byte ($out)" grep -q '"exact":true' <<< "$out"
	out=$(NODE_PATH="$top_srcdir/tests/node/node_modules" node "$top_srcdir/tests/node/vnc-client.js" \
	    up "ws://127.0.0.1:$SSD_PORT/api/v1/vnc/${bsid[sink]}?token=$admin" $((1 << 29)))
	# (Readiness probes connect too: their counts are 0.)
	sink_got() { grep -qx "$1" "$T/sink.count" 2> /dev/null; }
	ok_if "512 MiB from the viewer to the session, every byte, up to the close ($out)" \
	    wait_until "$TEST_WAIT" sink_got $((1 << 29))
	# A viewer of the source that reads nothing for 10 s: the agent and
	# the relays hold its windows, not the 1 GiB behind them.
	rss() { local p n=0; for p in "$@"; do n=$((n + $(awk '/VmRSS/ { print $2 }' "/proc/$p/status"))); done; echo $n; }
	relays="$(worker_pid 'ssd-relay[0]') $(worker_pid 'ssd-relay[1]')"
	a0=$(rss "$AGENT_PID") r0=$(rss $relays)
	NODE_PATH="$top_srcdir/tests/node/node_modules" node "$top_srcdir/tests/node/vnc-client.js" \
	    hold "ws://127.0.0.1:$SSD_PORT/api/v1/vnc/${bsid[source]}?token=$admin" 10 > "$T/hold.out" 2>&1 &
	holder=$!
	wait_until "$TEST_WAIT" grep -q held "$T/hold.out"
	a1=$(rss "$AGENT_PID") r1=$(rss $relays)
	wait "$holder"
	diag "RSS before/while a viewer holds back the source: agent $a0/$a1 KiB, relays $r0/$r1 KiB; $(tail -1 "$T/hold.out")"
	what="... a viewer that stops reading: agent and relays grow by less than 32 MiB"
	if ldd "$top_builddir/ssd-agent-k8s/ssd-agent-k8s" | grep -q libasan; then
		skip_one "$what" "ASan's quarantine keeps freed memory resident"
	else
		[ $((a1 - a0)) -lt 32768 ] && [ $((r1 - r0)) -lt 32768 ] &&
		    grep -q '"close":1000' "$T/hold.out"
		ok_rc "$what" $?
	fi
	ok_if "... those streams were spliced (a plain link, DATA_LINK_SPLICE=yes)" \
	    grep -q 'open (spliced)' "$T/agent.log"
	# Copied through user space instead, as on a TLS link.
	agent_stop -TERM
	agent_start DATA_LINK_SPLICE=no
	links_up() { [ "$(grep -c 'data link 0 up' "$T/agent.log")" -ge 3 ]; }
	wait_until "$TEST_WAIT" links_up
	out=$(NODE_PATH="$top_srcdir/tests/node/node_modules" node "$top_srcdir/tests/node/vnc-client.js" \
	    down "ws://127.0.0.1:$SSD_PORT/api/v1/vnc/${bsid[source]}?token=$admin" $((1 << 30)))
	ok_if "with DATA_LINK_SPLICE=no, 1 GiB down, every byte, not spliced ($out)" \
	    eval 'grep -q "\"exact\":true" <<< "$out" && grep "stream .* open" "$T/agent.log" | tail -1 | grep -vq spliced'
else
	diag "npm ws missing (contrib/install-deps.sh test): byte-exactness test skipped"
fi

# noVNC in Chromium: the desktop shows, and changes when drawn on.
if command -v chromium > /dev/null && [ -d "$top_srcdir/tests/node/node_modules/playwright-core" ]; then
	ip=$(json platformMetadata.podIP <<< "$(api GET "/api/v1/sessions/$sid" "$admin" | cut -d' ' -f2-)")
	display=$(head -n1 "/tmp/ssd-demo-desktop.$ip")
	node "$top_srcdir/tests/node/viewer.js" "$SSD_URL/vnc-viewer/$sid" admin "$ADMIN_PASSWORD" \
	    "$T/shot" "env DISPLAY=:$display xsetroot -solid '#d02020'" > "$T/browser.out" 2>&1
	ok_if "noVNC in Chromium connects ($(grep -c . "$T/browser.out") lines)" \
	    grep -q '"event":"status","text":"Connected' "$T/browser.out"
	shot1=$(grep '"event":"shot"' "$T/browser.out" | head -1)
	shot2=$(grep '"event":"shot"' "$T/browser.out" | sed -n 2p)
	ok_if "the screenshot shows the desktop, not a blank screen ($shot1)" \
	    /usr/bin/python3 -c 'import json, sys; s = json.loads(sys.argv[1]); sys.exit(0 if s["distinct"] >= 3 else 1)' "$shot1"
	ok_if "after drawing on the desktop the screen changes ($shot2)" \
	    /usr/bin/python3 -c 'import json, sys; a, b = (json.loads(x) for x in sys.argv[1:]); sys.exit(0 if b["corner"] == [208, 32, 32] and a["corner"] != b["corner"] else 1)' "$shot1" "$shot2"
else
	diag "chromium or playwright-core missing (contrib/install-deps.sh test): browser test skipped"
fi
agent_stop -TERM
ok_if "the agent logged no sanitizer or fatal errors" \
    sh -c "! grep -Eq 'ERROR: (Address|Leak|Undefined)|runtime error|fatal' '$T/agent.log'"
[ "$TAP_FAILED" = 0 ] || { echo "# --- agent.log ---"; tail -40 "$T/agent.log" | sed 's/^/# /'; }
finish
