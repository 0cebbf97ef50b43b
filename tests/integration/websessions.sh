#!/bin/bash
# websessions.sh - web-streamed sessions end to end: PostgreSQL, ssd with
# session_domain = localhost, ssd-agent-k8s, and a pod on the Kubernetes
# API double that is an HTTP app recording every request head
# (tests/ws/webapp.py).  Through the session's own origin: the ticket
# exchange and who may use it, large downloads and uploads byte-exact,
# chunked bodies, keep-alive, parallel connections, a WebSocket inside
# the app, slow and broken answers, and what the pod sees.  TAP output.
. "$top_srcdir/tests/integration/lib.sh"

export JWT_SECRET=0123456789abcdef0123456789abcdef-test
export ADMIN_PASSWORD=admin-password-for-tests
BIG=$((256 << 20))
[ -n "${SSD_TEST_QUICK:-}" ] && BIG=$((64 << 20))

ok_if "PostgreSQL starts" pg_up
/usr/bin/python3 "$top_srcdir/tests/kube-sim/kube-sim" --state-dir "$T/ks" \
    --port 0 --namespace sessions \
    --image-map "test/webapp*=$top_srcdir/tests/ws/webapp.py {ip} {port} $T/heads" \
    > "$T/kube-sim.log" 2>&1 &
on_exit "kill $!; wait $!"
ok_if "kube-sim starts" wait_until "$TEST_WAIT" test -s "$T/ks/url"
ok_if "ssd starts with session_domain = localhost" ssd_start "session_domain = localhost"
[ -n "$SSD_PID" ] && [ -s "$T/ks/url" ] || finish
cat > "$T/webapp.yaml" <<'EOF'
apiVersion: stream.space/v1alpha1
kind: Template
metadata:
  name: webapp
spec:
  displayName: Web test app
  baseImage: test/webapp:1
  ports:
    - name: http
      containerPort: 8000
  vnc:
    enabled: true
    protocol: http
    port: 8000
EOF
ssdctl template import "$T/webapp.yaml" "$top_srcdir/contrib/templates/firefox.yaml" > /dev/null
login() { json token <<< "$(api POST /api/v1/auth/login "" "{\"username\":\"$1\",\"password\":\"$2\"}" | cut -d' ' -f2-)"; }
admin=$(login admin "$ADMIN_PASSWORD")
for u in alice:user bob:user carl:user olga:operator; do
	api POST /api/v1/users "$admin" "{\"username\":\"${u%%:*}\",\"password\":\"${u%%:*}-password\",\"role\":\"${u##*:}\"}" > /dev/null
done
alice=$(login alice alice-password) bob=$(login bob bob-password) olga=$(login olga olga-password)
key=$(ssdctl agent add k8s-web | grep -Eo '[0-9a-f]{64}')
env AGENT_ID=k8s-web CONTROL_PLANE_URL="ws://127.0.0.1:$SSD_PORT" AGENT_KEY="$key" \
    KUBECONFIG="$T/ks/kubeconfig" RECONNECT_MAX=1s HEARTBEAT_INTERVAL=1s \
    "$top_builddir/ssd-agent-k8s/ssd-agent-k8s" >> "$T/agent.log" 2>&1 &
on_exit "kill $!; wait $!"
ok_if "the agent comes online with its data link" wait_until "$TEST_WAIT" \
    sql_is "SELECT status FROM agents WHERE agent_id = 'k8s-web'" online

new_session() { json id <<< "$(api POST /api/v1/sessions "$1" "{\"template\":\"$2\",\"persistentHome\":false}" | cut -d' ' -f2-)"; }
sid=$(new_session "$alice" webapp)
sid2=$(json id <<< "$(api POST /api/v1/sessions "$admin" '{"template":"webapp","user":"carl","persistentHome":false}' | cut -d' ' -f2-)")
fox=$(new_session "$alice" firefox)
out=$(api GET "/api/v1/sessions/$sid" "$alice")
ok_if "the protocol is the template's, decided at create: http on 8000, a web view" \
    /usr/bin/python3 -c 'import json, sys; s = json.loads(sys.argv[1].split(" ", 1)[1]); sys.exit(0 if (s["streamingProtocol"], s["streamingPort"], s["view"]) == ("http", 8000, "web") else 1)' "$out"
out=$(api GET "/api/v1/sessions/$fox" "$alice")
ok_if "a LinuxServer image is web-streamed on its port 3000 (the original's rules)" \
    /usr/bin/python3 -c 'import json, sys; s = json.loads(sys.argv[1].split(" ", 1)[1]); sys.exit(0 if (s["streamingProtocol"], s["streamingPort"], s["view"]) == ("selkies", 3000, "web") else 1)' "$out"
ok_if "the sessions reach running" wait_until "$TEST_WAIT" \
    sql_is "SELECT count(*) FROM sessions WHERE id IN ('$sid', '$sid2') AND state = 'running'" 2
label=$(psql -qAt -c "SELECT web_label FROM sessions WHERE id = '$sid'")
label2=$(psql -qAt -c "SELECT web_label FROM sessions WHERE id = '$sid2'")
HOST="s-$label.localhost:$SSD_PORT"
ADDR="127.0.0.1:$SSD_PORT"
web() { /usr/bin/python3 "$top_srcdir/tests/ws/webclient.py" "$ADDR" "$@"; }
field() { /usr/bin/python3 -c 'import json, sys; print(json.loads(sys.argv[2]).get(sys.argv[1]))' "$@"; }
ticket() { json "${3:-ticket}" <<< "$(api POST "/api/v1/sessions/$2/viewer-ticket" "$1" | cut -d' ' -f2-)"; }
lacks() { ! grep -q "$1" <<< "$2"; }
cookie_of() { field setCookie "$1" | cut -d';' -f1; }

url=$(ticket "$alice" "$sid" url)
ok_if "a web session's viewer ticket opens its own origin ($url)" \
    test "${url%%\?*}" = "http://$HOST/.ssd/auth"
t=$(ticket "$alice" "$sid")
out=$(web "$HOST" - auth "$t")
ok_if "/.ssd/auth exchanges it: 302 to /, a host-only HttpOnly SameSite=Lax cookie ($out)" \
    /usr/bin/python3 -c 'import json, sys; o = json.loads(sys.argv[1]); c = o["setCookie"]; sys.exit(0 if o["status"] == 302 and o["location"] == "/" and c.startswith("ssd-view=") and "HttpOnly" in c and "SameSite=Lax" in c and "Domain" not in c else 1)' "$out"
C=$(cookie_of "$out")
out=$(web "$HOST" - auth "$t")
ok_if "... the same ticket twice: 401" test "$(field status "$out")" = 401
out=$(web "$HOST" "$C" get /)
ok_if "with the cookie the app answers from the pod ($(field status "$out"))" \
    grep -q 'web session test app' <<< "$out"
ok_if "without it: 401" test "$(field status "$(web "$HOST" - get /)")" = 401
ok_if "a forged cookie: 401" test "$(field status "$(web "$HOST" "ssd-view=$(printf %064d 0)" get /)")" = 401
HOST2="s-$label2.localhost:$SSD_PORT"
carl=$(login carl carl-password)
ok_if "a ticket for another session does not open this one: 401" \
    test "$(field status "$(web "$HOST" - auth "$(ticket "$carl" "$sid2")")")" = 401
C2=$(cookie_of "$(web "$HOST2" - auth "$(ticket "$carl" "$sid2")")")
ok_if "another session's cookie does not open this one: 401" \
    test "$(field status "$(web "$HOST" "$C2" get /)")" = 401
ok_if "... and opens its own" test "$(field status "$(web "$HOST2" "$C2" get /)")" = 200
ok_if "another user cannot get a ticket for the session: 404" \
    test "$(api POST "/api/v1/sessions/$sid/viewer-ticket" "$bob" | cut -d' ' -f1)" = 404
lines=$(wc -l < "$T/heads")
ok_if "a session host that does not exist: 404" \
    test "$(field status "$(web "s-nope.localhost:$SSD_PORT" "$C" get /)")" = 404
ok_if "... answered by ssd, nothing reached a pod" test "$(wc -l < "$T/heads")" = "$lines"
# An operator may view it; demoted to user, neither their cookie nor
# their ticket works any longer.
ot=$(ticket "$olga" "$sid")
OC=$(cookie_of "$(web "$HOST" - auth "$(ticket "$olga" "$sid")")")
ok_if "an operator's cookie for the session works" test "$(field status "$(web "$HOST" "$OC" get /)")" = 200
oid=$(psql -qAt -c "SELECT id FROM users WHERE username = 'olga'")
api PATCH "/api/v1/users/$oid" "$admin" '{"role":"user"}' > /dev/null
ok_if "... demoted to user, their cookie: 403" test "$(field status "$(web "$HOST" "$OC" get /)")" = 403
ok_if "... and their ticket: 403" test "$(field status "$(web "$HOST" - auth "$ot")")" = 403

out=$(web "$HOST" "$C" bytes "$BIG")
ok_if "$((BIG >> 20)) MiB download, every byte ($out)" grep -q '"exact": true' <<< "$out"
out=$(web "$HOST" "$C" upload "$BIG")
ok_if "$((BIG >> 20)) MiB upload, every byte ($out)" grep -q '"exact": true' <<< "$out"
out=$(web "$HOST" "$C" upload $((32 << 20)) chunked)
ok_if "32 MiB chunked upload ($out)" grep -q '"exact": true' <<< "$out"
out=$(web "$HOST" "$C; app=kept" keepalive 100)
ok_if "keep-alive: 100 requests on one connection ($out)" \
    grep -q '"ok": 100, "connections": 1, "sameSocket": true' <<< "$out"
out=$(web "$HOST" "$C; app=kept" mixed)
ok_if "chunked and sized bodies that hold heads, then a GET, on one connection ($out)" \
    grep -q '"bodiesExact": true, "status": 200, "connections": 1, "sameSocket": true' <<< "$out"
t3=$(ticket "$alice" "$sid")
out=$(web "$HOST" "$C" ssdafter "$t3")
ok_if "/.ssd/auth on a connection to the pod: closed, not passed on ($out)" \
    grep -q '"first": 200, "second": "closed"' <<< "$out"
ok_if "... and its ticket still works on a new connection" \
    test "$(field status "$(web "$HOST" - auth "$t3")")" = 302
out=$(web "$HOST" "$C" parallel 6 $((8 << 20)))
ok_if "six connections at once, 8 MiB each ($out)" grep -q '"exact": true' <<< "$out"
out=$(web "$HOST" "$C" ws)
ok_if "a WebSocket upgrade inside the app echoes ($out)" grep -q '101.*"echoed": 2' <<< "$out"
out=$(web "$HOST" "$C" get "/slow?ms=3000")
ok_if "a pod slow to answer (3 s) is waited for ($out)" test "$(field status "$out")" = 200
out=$(web "$HOST" "$C" cut)
ok_if "a pod that closes mid-body: the browser's body ends short ($out)" \
    /usr/bin/python3 -c 'import json, sys; o = json.loads(sys.argv[1]); sys.exit(0 if o["status"] == 200 and 0 < o["got"] < o["declared"] else 1)' "$out"

# What reached the pod: no ssd token, ticket or cookie in any head, the
# first of a connection (which ssd-api read) or a later one (the
# relay's), while the app's own cookie went through.
ok_if "the pod saw no ticket, bearer token or ssd cookie in any request" \
    /usr/bin/python3 - "$T/heads" "$t" "$t3" "$alice" "${C#*=}" <<'EOF'
import json, sys
heads, secrets = sys.argv[1], sys.argv[2:]
app = 0
for line in open(heads):
    h = json.loads(line)
    if any(s in line for s in secrets) or "authorization" in line.lower():
        sys.exit("credential in " + line)
    for k, v in h["headers"]:
        if k.lower() == "cookie" and "ssd" in v:
            sys.exit("ssd cookie in " + line)
        app += k.lower() == "cookie" and v == "app=kept"
sys.exit(0 if app >= 103 else "the app's cookie reached the pod %d times" % app)
EOF
relayed() {	# relayed DIRECTION: its ssd_relay_bytes_total over every relay
	scrape && awk -v d="direction=\"$1\"" 'index($0, "ssd_relay_bytes_total{") == 1 && index($0, d) { n += $2 } END { printf "%.0f\n", n }' "$T/metrics"
}
bytes_counted() { [ "$(relayed to_viewer)" -ge "$BIG" ] && [ "$(relayed to_agent)" -ge "$BIG" ]; }
ok_if "web streams' bytes are in ssd_relay_bytes_total, both ways" \
    wait_until "$TEST_WAIT" bytes_counted
ok_if "connections are audited as web streams" wait_until "$TEST_WAIT" \
    sql_is "SELECT count(*) > 0 FROM audit_log WHERE action = 'web stream' AND resource_id = '$sid' AND (changes->>'bytesDown')::bigint >= $BIG" t

# A connection ends when its session stops or its user is disabled: a
# request the pod holds for two minutes gets no answer.
held() { grep -c "/slow?ms=120000" "$T/heads"; }
more_held() { [ "$(held)" -gt "$1" ]; }
cut_off() {	# cut_off HOST COOKIE what...: the request in flight ends unanswered
	local host=$1 cookie=$2 n
	shift 2
	n=$(held)
	web "$host" "$cookie" get "/slow?ms=120000" > "$T/held.out" 2>&1 &
	local client=$!
	wait_until "$TEST_WAIT" more_held "$n"
	ssdctl show streams > "$T/streams.txt"
	"$@" > /dev/null
	wait_until "$TEST_WAIT" test -s "$T/held.out"
	kill "$client" 2> /dev/null
	wait "$client" 2> /dev/null
	grep -q '"error"' "$T/held.out"
}
ok_if "user disabled: their connection in flight ends" \
    cut_off "$HOST2" "$C2" api PATCH "/api/v1/users/$(psql -qAt -c "SELECT id FROM users WHERE username = 'carl'")" "$admin" '{"active":false}'
ok_if "session deleted: its connection in flight ends" \
    cut_off "$HOST" "$C" api DELETE "/api/v1/sessions/$sid" "$alice"
ok_if "... listed by ssdctl show streams, while it was, as a web stream of alice's" \
    grep -Eq "^ssd-relay\[[0-9]+\] +$sid +web +alice " "$T/streams.txt"

# The VNC route refuses it; without session_domain it has no origin.
out=$(curl -s -o /dev/null -w '%{http_code}' -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
    -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
    "$SSD_URL/api/v1/vnc/$sid?token=$alice")
ok_if "/api/v1/vnc/ID of a web session: 409" test "$out" = 409
ssd_stop
ssd_start
out=$(api POST "/api/v1/sessions/$sid/viewer-ticket" "$alice")
ok_if "without session_domain its ticket is refused naming the setting ($out)" \
    grep -q '^409 .*session_domain' <<< "$out"
out=$(web "$HOST" "$C" get /)
ok_if "... and no host is a session's: the UI's origin answers, not the pod ($(field status "$out"))" \
    lacks 'web session test app' "$out"
ok_if "no sanitizer report from ssd or the agent" \
    bash -c "! grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error' '$T/ssd.log' '$T/agent.log'"
[ "$TAP_FAILED" = 0 ] || { echo "# --- agent.log ---"; tail -20 "$T/agent.log" | sed 's/^/# /'; echo "# --- ssd.log ---"; tail -30 "$T/ssd.log" | sed 's/^/# /'; }
finish
