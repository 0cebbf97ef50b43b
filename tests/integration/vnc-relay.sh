#!/bin/bash
# vnc-relay.sh - browser VNC end to end through ssd-relay: a real
# PostgreSQL, ssd, a scripted control-link agent (testagent) that gets
# sessions running, a data link (tests/ws/muxagent) whose streams go to a
# real VNC server (Xvnc) or a TCP echo target, and WebSocket viewers on
# npm ws (tests/integration/vnc-relay.js).  Checks: the data-link route,
# an RFB handshake to a FramebufferUpdate, byte-exact transfers, a
# stalled viewer beside a live one, text frames, a refused open, a
# killed relay and a silent link.  TAP output.
. "$top_srcdir/tests/integration/lib.sh"

command -v Xvnc > /dev/null || skip_all "Xvnc (tigervnc-standalone-server) missing"
command -v node > /dev/null && [ -d "$top_srcdir/tests/node/node_modules/ws" ] ||
    skip_all "node and npm ws (tests/node) missing"
export NODE_PATH="$top_srcdir/tests/node/node_modules"
export JWT_SECRET=0123456789abcdef0123456789abcdef-test
export ADMIN_PASSWORD=admin-password-for-tests
js="$top_srcdir/tests/integration/vnc-relay.js"
ok_if "PostgreSQL starts" pg_up
# (A data link is declared dead after relay_link_timeout: long enough
# that a descheduled test agent is not.)
[ -n "${PGHOST:-}" ] && ok_if "ssd starts" ssd_start "vnc_proxy_timeout = 35s" \
    "trusted_proxies = 127.0.0.2, 127.0.0.3" "relay_link_timeout = 10s" \
    "agent_heartbeat_interval = 1s" "agent_timeout = 30s"
[ -n "$SSD_PID" ] || finish

login() { json token <<< "$(api POST /api/v1/auth/login "" "{\"username\":\"$1\",\"password\":\"$2\"}" | cut -d' ' -f2-)"; }
body() { cut -d' ' -f2- <<< "$1"; }
admin=$(login admin "$ADMIN_PASSWORD")
api POST /api/v1/users "$admin" '{"username":"usera","password":"usera-password","role":"user"}' > /dev/null
A=$(login usera usera-password)
ssdctl template import "$top_srcdir/contrib/templates/xfce-desktop.yaml" > /dev/null
key=$(ssdctl agent add k8s-relay | grep -Eo '[0-9a-f]{64}')
"$top_builddir/tests/agent/testagent" --url "ws://127.0.0.1:$SSD_PORT" \
    --agent k8s-relay --key "$key" --seconds 3600 > "$T/agent.out" 2>&1 &
on_exit "kill $!"
agent_is() { sql_is "SELECT status FROM agents WHERE agent_id = 'k8s-relay'" "$1"; }
ok_if "the control-link agent is online" wait_until "$TEST_WAIT" agent_is online
new_session() { json id <<< "$(body "$(api POST /api/v1/sessions "$A" '{"template":"xfce-desktop"}')")"; }
running() { sql_is "SELECT count(*) FROM sessions WHERE state = 'running'" "$1"; }
s_vnc=$(new_session); s_echo=$(new_session); s_dead=$(new_session)
s_banner=$(new_session)
ok_if "four running sessions on it" wait_until "$TEST_WAIT" running 4

# Targets: Xvnc on a free display and port, a TCP echo, a closed port,
# a server that sends 10 MiB and closes.
for d in $(seq $((50 + RANDOM % 100)) 250); do
	[ -e "/tmp/.X11-unix/X$d" ] || [ -e "/tmp/.X$d-lock" ] || break
done
vport=$(free_port); eport=$(free_port); dport=$(free_port); bport=$(free_port)
Xvnc ":$d" -rfbport "$vport" -interface 127.0.0.1 -SecurityTypes None \
    -BlacklistThreshold=1000000 -geometry 640x480 -depth 24 -nolisten tcp \
    > "$T/xvnc.log" 2>&1 &
on_exit "kill $!"
node "$js" echo-server "$eport" > "$T/echo.log" 2>&1 &
on_exit "kill $!"
node "$js" banner-server "$bport" $((10 << 20)) > "$T/banner.log" 2>&1 &
on_exit "kill $!"
port_open() { (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null; }
wait_until "$TEST_WAIT" port_open "$vport" && \
    wait_until "$TEST_WAIT" port_open "$eport" && wait_until "$TEST_WAIT" port_open "$bport"
ok_rc "Xvnc :$d and the other targets listen" $?

url() { echo "ws://127.0.0.1:$SSD_PORT/api/v1/vnc/$1?token=$A"; }
# upgrade PATH [HEADERS...]: a WebSocket upgrade by curl; "STATUS BODY".
upgrade() {
	local p=$1 code
	shift
	code=$(curl -s --max-time 15 -o "$T/up.out" -w '%{http_code}' \
	    -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
	    -H 'Sec-WebSocket-Version: 13' \
	    -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' "$@" "$SSD_URL$p")
	echo "$code $(cat "$T/up.out")"
}
r=$(upgrade "/api/v1/vnc/$s_vnc?token=$A")
[ "${r%% *}" = 503 ] && \
    [ "$(json error <<< "$(body "$r")")" = no_data_link ]
ok_rc "no data link yet: the relay answers 503 no_data_link" $?

# The data-link route.
r=$(upgrade "/api/v1/agent/data?agent_id=k8s-relay" -H "X-Agent-API-Key: $key")
ok_if "data link without the ssd-mux.v1 subprotocol: 400" [ "${r%% *}" = 400 ]
r=$(upgrade "/api/v1/agent/data?agent_id=k8s-relay" -H 'Sec-WebSocket-Protocol: ssd-mux.v1' \
    -H "X-Agent-API-Key: $(printf '%064d' 0)")
ok_if "data link with a wrong key: 401" [ "${r%% *}" = 401 ]
r=$(upgrade "/api/v1/agents/data?agent_id=k8s-relay" -H 'Sec-WebSocket-Protocol: ssd-mux.v1')
ok_if "data link without a key: 401" [ "${r%% *}" = 401 ]
ok_if "a data link's first frame sent with its upgrade request is answered" \
    /usr/bin/python3 "$top_srcdir/tests/ws/pipelined.py" "$SSD_PORT" "$key" k8s-relay

"$top_builddir/tests/ws/muxagent" --url "ws://127.0.0.1:$SSD_PORT" --agent k8s-relay \
    --key "$key" --target "$s_vnc=127.0.0.1:$vport" --target "$s_dead=127.0.0.1:$dport" \
    --target "$s_banner=127.0.0.1:$bport" --target "127.0.0.1:$eport" --seconds 3600 > "$T/mux.out" 2>&1 &
mux=$!
on_exit "kill -CONT $mux; kill $mux"
links_up() { [ "$(grep -c '^link up' "$T/mux.out")" -ge "$1" ]; }
ok_if "muxagent's data link is up" wait_until "$TEST_WAIT" links_up 1

# RFB through the relay, with and without the binary subprotocol.
run() { node "$js" "$@" > "$T/js.out" 2>&1; local rc=$?; cat "$T/js.out" >> "$T/test.log"; return $rc; }
ok_if "RFB handshake to a FramebufferUpdate (no subprotocol, noVNC's default)" run rfb "$(url "$s_vnc")"
diag "$(cat "$T/js.out")"
ok_if "... none chosen" [ "$(json protocol < "$T/js.out")" = "" ]
VIEWER_PROTOCOLS=binary run rfb "$(url "$s_vnc")"
ok_if "the same offering binary: binary echoed" [ "$(json protocol < "$T/js.out")" = binary ]

# The client address: X-Forwarded-For counts from trusted proxies only.
VIEWER_FROM=127.0.0.2 VIEWER_XFF="198.51.100.7, 203.0.113.9" run until "$(url "$s_echo")" 5000
VIEWER_FROM=127.0.0.2 VIEWER_XFF="203.0.113.11, 127.0.0.3" run until "$(url "$s_echo")" 5000
VIEWER_XFF=203.0.113.10 run until "$(url "$s_echo")" 5000
audited_from() { sql_is "SELECT string_agg(DISTINCT ip_address, ' ' ORDER BY ip_address) FROM audit_log WHERE action = '$1' AND ip_address LIKE '203.%'" "$2"; }
ok_if "through a trusted proxy the viewer's stream is audited with its client address" \
    wait_until "$TEST_WAIT" audited_from "vnc stream" "203.0.113.11 203.0.113.9"
ok_if "... and so is its request; from elsewhere the header is ignored" \
    audited_from "GET /api/v1/vnc/$s_echo" "203.0.113.11 203.0.113.9"
ok_if "... the relay logs the client" grep -q "viewer 203.0.113.9 (user usera)" "$T/ssd.log"
ok_if "... ssd-api both, client and proxy" grep -q "203.0.113.9 via 127.0.0.2:[0-9]*: user usera" "$T/ssd.log"

# Bytes, exact both ways.  The relay owning the agent: FNV-1a % 2.
relay_of() {
	/usr/bin/python3 -c 'import sys
h = 2166136261
for c in sys.argv[1].encode():
    h = ((h ^ c) * 16777619) & 0xffffffff
print(h % 2)' "$1"
}
relay=$(relay_of k8s-relay)
ok_if "256 MiB through the echo target, byte-exact both ways, close 1000" \
    run echo "$(url "$s_echo")" $((256 << 20))
diag "$(cat "$T/js.out")"
# A viewer that stops reading for 30 s beside a live one on the same link:
# the live one's round trips go on all along (how fast is bench/vnc.sh's
# question), and the relay and the agent's side hold the stalled one's
# window, not the 64 MiB behind it.
rss() { awk '/VmRSS/ { print $2 }' "/proc/$1/status"; }
relay_pid=$(worker_pid "ssd-relay[$relay]")
asan=
ldd "$top_builddir/ssd-relay/ssd-relay" | grep -q libasan && asan=1
# A viewer that floods pings and reads nothing (issue 12 #1): its pongs
# count against the relay's output bound, which stops reading it, and it
# is closed 1008 once it has kept the bound full for 30 s (it goes on
# beside the stall below).  The flooder sends until its socket takes
# nothing for 5 s, or the relay closes it, or 120 s: not for a set time,
# which on a loaded machine may not reach the bound.
rssf0=$(rss "$relay_pid")
/usr/bin/python3 "$top_srcdir/tests/ws/pingflood.py" "$(url "$s_echo")" 5 \
    "$T/pingflood.go" > "$T/pingflood.out" 2>&1 &
flooder=$!
on_exit "kill $flooder"
wait_until 150 grep -q flooded "$T/pingflood.out"
rssf1=$(rss "$relay_pid")
diag "relay RSS before/after the pings: $rssf0/$rssf1 KiB; $(cat "$T/pingflood.out")"
what="a viewer flooding pings unread: the relay grows by less than 16 MiB"
if [ -n "$asan" ]; then
	skip_one "$what" "ASan's quarantine keeps freed memory resident"
else
	ok_if "$what" [ $((rssf1 - rssf0)) -lt 16384 ]
fi
rtt_runs=0
rtt_ok() { run rtt "$(url "$s_echo")" 2000 && rtt_runs=$((rtt_runs + 1)); }
rss0="$(rss "$relay_pid") $(rss "$mux")"
node "$js" stall "$(url "$s_echo")" 30 > "$T/stall.out" 2>&1 &
stalled=$!
wait_until "$TEST_WAIT" grep -q stalled "$T/stall.out"
for i in 1 2 3; do rtt_ok; done
rss1="$(rss "$relay_pid") $(rss "$mux")"
ok_if "a live viewer's 3 x 2,000 round trips complete while another stalls" [ "$rtt_runs" = 3 ]
ok_if "the stalled viewer gets back every byte it sent once it reads again" wait "$stalled"
diag "$(tail -1 "$T/stall.out")"
read -r r0 m0 <<< "$rss0"
read -r r1 m1 <<< "$rss1"
diag "RSS before/during the stall: relay $r0/$r1 KiB, muxagent $m0/$m1 KiB"
what="... relay and agent side grow by less than 32 MiB with 64 MiB held back"
if [ -n "$asan" ]; then
	skip_one "$what" "ASan's quarantine keeps freed memory resident"
else
	[ $((r1 - r0)) -lt 32768 ] && [ $((m1 - m0)) -lt 32768 ]
	ok_rc "$what" $?
fi
wait_until 90 grep -q "$s_echo.*(1008 not reading)" "$T/ssd.log"
rc=$?
ok_rc "the ping flooder is closed for not reading" $rc
[ "$rc" = 0 ] || grep "$s_echo" "$T/ssd.log" | tail -6 |
    while read -r line; do diag "$line"; done
touch "$T/pingflood.go"
wait "$flooder"
# (What it was sent but had not read is dropped with the connection.)
ok_if "... and its connection ends ($(tail -1 "$T/pingflood.out"))" \
    grep -qxE "close 1008|eof" "$T/pingflood.out"
ok_if "the target's 10 MiB then its close: every byte, then close 1000" \
    run count "$(url "$s_banner")" $((10 << 20))
streams_of() { sql_is "SELECT count(*) FROM audit_log WHERE action = 'vnc stream' AND resource_id = '$1'" "$2"; }
n=$(psql -qAt -c "SELECT count(*) FROM audit_log WHERE action = 'vnc stream' AND resource_id = '$s_banner'")
run quit "$(url "$s_banner")" && wait_until "$TEST_WAIT" streams_of "$s_banner" $((n + 1))
ok_rc "a viewer that leaves with 10 MiB on the way: its stream still ends" $?
# Another transaction holds the session's row for longer than
# db_query_timeout (10 s): the end's row does not wait for it, nor is lost.
psql -q -c "BEGIN; SELECT 1 FROM sessions WHERE id = '$s_banner' FOR UPDATE; SELECT pg_sleep(600)" > /dev/null 2>&1 &
locker=$!
wait_until "$TEST_WAIT" sql_is "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(600)' AND wait_event = 'PgSleep'" 1
run quit "$(url "$s_banner")" && wait_until "$TEST_WAIT" streams_of "$s_banner" $((n + 2))
ok_rc "... and one while its session's row is held by another transaction" $?
psql -qAt -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(600)' AND pid <> pg_backend_pid()" > /dev/null
wait $locker
ok_if "... none reported lost" eval '! grep -q "audit record lost" "$T/ssd.log"'
ok_if "a viewer that answers nothing: closed 1001 after vnc_proxy_timeout (35 s)" \
    run deaf "$(url "$s_echo")" 40
diag "$(cat "$T/js.out")"
ok_if "a text message: close 1003" run text "$(url "$s_echo")"
r=$(upgrade "/api/v1/vnc/$s_dead?token=$A")
[ "${r%% *}" = 502 ] && \
    [ "$(json code <<< "$(body "$r")")" = unreachable ]
ok_rc "an unreachable target: 502 with the agent's reason" $?
diag "$r"

# A second agent, whose data link the other relay owns; its session is
# the least loaded agent's pick.
for other in k8s-other-{0..9}; do
	[ "$(relay_of "$other")" != "$relay" ] && break
done
key2=$(ssdctl agent add "$other" | grep -Eo '[0-9a-f]{64}')
"$top_builddir/tests/agent/testagent" --url "ws://127.0.0.1:$SSD_PORT" \
    --agent "$other" --key "$key2" --seconds 3600 > "$T/agent2.out" 2>&1 &
on_exit "kill $!"
"$top_builddir/tests/ws/muxagent" --url "ws://127.0.0.1:$SSD_PORT" --agent "$other" \
    --key "$key2" --target "127.0.0.1:$eport" --seconds 3600 > "$T/mux-other.out" 2>&1 &
on_exit "kill $!"
other_ready() { sql_is "SELECT status FROM agents WHERE agent_id = '$other'" online &&
    grep -q '^link up' "$T/mux-other.out"; }
wait_until "$TEST_WAIT" other_ready && s_other=$(new_session) && wait_until "$TEST_WAIT" running 5 &&
    sql_is "SELECT agent_id FROM sessions WHERE id = '$s_other'" "$other"
ok_rc "agent $other (ssd-relay[$((1 - relay))]) is up with a running session" $?

# A relay killed: its viewer is cut, the agent re-dials, viewers work;
# the other relay's viewer, in round trips all along, never notices.
rpid=$(worker_pid "ssd-relay[$relay]")
node "$js" idle "$(url "$s_echo")" 10 > "$T/idle.out" 2>&1 &
idle=$!
node "$js" steady "$(url "$s_other")" 8 > "$T/steady.out" 2>&1 &
steady=$!
wait_until "$TEST_WAIT" grep -q open "$T/idle.out"
wait_until "$TEST_WAIT" grep -q open "$T/steady.out"
t0=$(date +%s%N)
kill -9 "$rpid"
ok_if "kill -9 of ssd-relay[$relay]: its viewer is closed" wait "$idle"
diag "$(tail -1 "$T/idle.out")"
ok_if "a new viewer works after the kill (the agent re-dials the new relay)" \
    wait_until "$TEST_WAIT" run until "$(url "$s_echo")" 5000
diag "$(( ($(date +%s%N) - t0) / 1000000 )) ms from the kill to a working viewer; $(tail -3 "$T/mux.out" | tr '\n' ' ')"
ok_if "... the other relay's viewer ran its round trips through it, uncut" wait "$steady"
diag "$(tail -1 "$T/steady.out")"

# A second data link of the agent: two viewers go one on each; one link
# goes silent (its agent stopped): only its viewer is closed, and told why.
"$top_builddir/tests/ws/muxagent" --url "ws://127.0.0.1:$SSD_PORT" --agent k8s-relay \
    --key "$key" --target "127.0.0.1:$eport" --seconds 3600 > "$T/mux2.out" 2>&1 &
on_exit "kill $!"
ok_if "a second data link of the same agent is up" wait_until "$TEST_WAIT" grep -q '^link up' "$T/mux2.out"
node "$js" idle "$(url "$s_echo")" 30 > "$T/idle1.out" 2>&1 &
i1=$!
node "$js" idle "$(url "$s_echo")" 30 > "$T/idle2.out" 2>&1 &
i2=$!
wait_until "$TEST_WAIT" grep -q open "$T/idle1.out"
wait_until "$TEST_WAIT" grep -q open "$T/idle2.out"
kill -STOP "$mux"
wait "$i1" "$i2"
closes=$(tail -qn1 "$T/idle1.out" "$T/idle2.out" | sort | tr '\n' ' ')
ok_if "a silent data link: its viewer gets 1011 agent data link lost, the other stays" \
    grep -Eq '^\{"code":1011,"reason":"agent data link lost","ms":[0-9]+\} \{"error":"no close"\} $' <<< "$closes"
diag "$closes"
kill -CONT "$mux"
ok_if "... and after it wakes up viewers work again" run until "$(url "$s_echo")" 5000

ok_if "no token in ssd.log" bash -c "! grep -qF -- '$A' '$T/ssd.log'"
ok_if "the other relay never restarted" [ "$(worker_field "ssd-relay[$((1 - relay))]" 4)" = 0 ]
node "$js" idle "$(url "$s_echo")" 10 > "$T/idle3.out" 2>&1 &
idle=$!
wait_until "$TEST_WAIT" grep -q open "$T/idle3.out"
ssd_stop
wait "$idle"
stopped_close() { [ "$(tail -1 "$T/idle3.out" | json code)/$(tail -1 "$T/idle3.out" | json reason)" = "1001/relay stopping" ]; }
ok_if "ssd stops: its viewer gets 1001 relay stopping ($(tail -1 "$T/idle3.out"))" stopped_close
ok_if "no sanitizer report from ssd (at exit too) or muxagent" \
    bash -c "! grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error' '$T/ssd.log' '$T/mux.out'"
finish
