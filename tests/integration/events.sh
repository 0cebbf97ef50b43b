#!/bin/bash
# events.sh - GET /api/v1/events (Server-Sent Events) against a real
# PostgreSQL, ssd and a scripted agent: hello first, session changes live
# to their owner (never to another user), to operators and administrators,
# agent changes to administrators only (the ssd_agents trigger of
# schema/0010_web.sql), keep-alive comments, resync when notifications
# may have been missed, streams ended by logout, the limits (streams in all
# and per user: 503, 429) and a client that does not read: dropped, its
# queue bounded.  TAP output.
. "$top_srcdir/tests/integration/lib.sh"

export JWT_SECRET=0123456789abcdef0123456789abcdef-test
export ADMIN_PASSWORD=admin-password-for-tests
ok_if "PostgreSQL starts" pg_up
[ -n "${PGHOST:-}" ] && ok_if "ssd starts" ssd_start "events_keepalive = 1s" \
    "events_max_per_user = 3" "events_max_connections = 7" "events_queue_max = 64KiB"
[ -n "$SSD_PID" ] || finish

login() { json token <<< "$(api POST /api/v1/auth/login "" "{\"username\":\"$1\",\"password\":\"$2\"}" | cut -d' ' -f2-)"; }
body() { cut -d' ' -f2- <<< "$1"; }
admin=$(login admin "$ADMIN_PASSWORD")
for u in usera userb oper; do
	role=user; [ $u = oper ] && role=operator
	api POST /api/v1/users "$admin" "{\"username\":\"$u\",\"password\":\"$u-password\",\"role\":\"$role\"}" > /dev/null
done
A=$(login usera usera-password); B=$(login userb userb-password); O=$(login oper oper-password)
ssdctl template import "$top_srcdir/contrib/templates/firefox.yaml" > /dev/null
key=$(ssdctl agent add k8s-ev | grep -Eo '[0-9a-f]{64}')
"$top_builddir/tests/agent/testagent" --url "ws://127.0.0.1:$SSD_PORT" \
    --agent k8s-ev --key "$key" --seconds 300 > "$T/agent.out" 2>&1 &
apid=$!
on_exit "kill $apid"
ok_if "the test agent is online" wait_until "$TEST_WAIT" sql_is "SELECT status FROM agents WHERE agent_id = 'k8s-ev'" online

# stream NAME TOKEN: GET /api/v1/events into $T/NAME.sse, in the background.
stream() {
	curl -sN -H "Authorization: Bearer $2" "$SSD_URL/api/v1/events" > "$T/$1.sse" 2> /dev/null &
	eval "pid_$1=$!"
	on_exit "kill $! 2> /dev/null"
}
has() { grep -q -- "$2" "$T/$1.sse"; }
ok_if "anonymous: 401" test "$(curl -s -o /dev/null -w '%{http_code}' "$SSD_URL/api/v1/events")" = 401
h=$(curl -s -m 3 -D - -o /dev/null -H "Authorization: Bearer $A" "$SSD_URL/api/v1/events" | tr -d '\r')
ok_if "a stream: 200 text/event-stream, no-store, no length, then close" \
    bash -c 'grep -q "^HTTP/1.1 200" <<< "$1" && grep -qi "^Content-Type: text/event-stream" <<< "$1" && grep -qi "^Cache-Control: no-store" <<< "$1" && ! grep -qi "^Content-Length" <<< "$1"' _ "$h"
stream a "$A"; stream b "$B"; stream op "$O"; stream adm "$admin"
ok_if "hello first, with the user and role, after the retry interval" wait_until "$TEST_WAIT" \
    bash -c '[ "$(head -3 "$1")" = "$(printf "retry: 3000\nid: 1\nevent: hello")" ] || [ "$(sed -n 3p "$1")" = "event: hello" ]' _ "$T/a.sse"
ok_if "... for every stream" wait_until "$TEST_WAIT" bash -c 'for f in "$@"; do grep -q "^data: {\"user\":" "$f" || exit 1; done' _ "$T/b.sse" "$T/op.sse" "$T/adm.sse"
ok_if "... naming the user and role" grep -q '"user":"usera","role":"user"' "$T/a.sse"

sa=$(json id <<< "$(body "$(api POST /api/v1/sessions "$A" '{"template":"firefox"}')")")
sb=$(json id <<< "$(body "$(api POST /api/v1/sessions "$B" '{"template":"firefox"}')")")
ok_if "A's session reaches A's stream, running as the agent says" \
    wait_until "$TEST_WAIT" has a "\"id\":\"$sa\".*\"state\":\"running\""
ok_if "B's session reaches B's stream" wait_until "$TEST_WAIT" has b "\"id\":\"$sb\".*\"state\":\"running\""
ok_if "both reach the operator's and the administrator's" wait_until "$TEST_WAIT" \
    bash -c 'for f in "$3" "$4"; do grep -q "\"id\":\"$1\".*running" "$f" && grep -q "\"id\":\"$2\".*running" "$f" || exit 1; done' _ "$sa" "$sb" "$T/op.sse" "$T/adm.sse"
api PUT "/api/v1/sessions/$sb/hibernate" "$B" > /dev/null
ok_if "B hibernates: B sees hibernating, then hibernated" \
    wait_until "$TEST_WAIT" has b "\"id\":\"$sb\".*\"state\":\"hibernated\""
ok_if "A's stream never carries B's session, B's never A's" \
    bash -c '! grep -q "$1" "$3" && ! grep -q "$2" "$4" && grep -q "event: session" "$3"' _ "$sb" "$sa" "$T/a.sse" "$T/b.sse"

# Agents: administrators only.
psql -qAt -c "INSERT INTO agents (agent_id, platform, region, approval_status) VALUES ('k8s-new', 'kubernetes', 'eu', 'pending')" > /dev/null
ok_if "a new agent (any writer: psql here) reaches the administrator" wait_until "$TEST_WAIT" has adm '"agentId":"k8s-new".*"approvalStatus":"pending"'
api POST /api/v1/admin/agents/k8s-new/approve "$admin" > /dev/null
ok_if "... its approval" wait_until "$TEST_WAIT" has adm '"agentId":"k8s-new".*"approvalStatus":"approved"'
api DELETE /api/v1/agents/k8s-new "$admin" > /dev/null
ok_if "... its removal" wait_until "$TEST_WAIT" has adm '"agentId":"k8s-new","deleted":true'
ok_if "agents never reach users or operators" bash -c '! grep -q "event: agent" "$1" && ! grep -q "event: agent" "$2" && ! grep -q "event: agent" "$3"' _ "$T/a.sse" "$T/b.sse" "$T/op.sse"
n0=$(grep -c '"agentId":"k8s-ev"' "$T/adm.sse")
psql -qAt -c "UPDATE agents SET last_heartbeat = now() WHERE agent_id = 'k8s-ev'" > /dev/null
api GET /api/v1/agents "$admin" > /dev/null	# a round trip after the update
sleep 0.5
ok_if "a heartbeat alone notifies nothing" [ "$(grep -c '"agentId":"k8s-ev"' "$T/adm.sse")" = "$n0" ]

# The agent goes away: its sessions are degraded, live, for their owners.
kill "$apid"
ok_if "the agent is offline: A sees their session degraded" wait_until "$TEST_WAIT" has a "\"id\":\"$sa\".*\"state\":\"degraded\""
ok_if "... and the administrator the agent offline" wait_until "$TEST_WAIT" has adm '"agentId":"k8s-ev".*"status":"offline"'

ok_if "keep-alive comments on an idle stream (events_keepalive)" wait_until "$TEST_WAIT" has b '^: keep-alive$'

# Missed notifications: the database connection is cut; streams resync.
psql -qAt -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'ssd-api'" > /dev/null
ok_if "database connection lost and back: every stream gets resync" \
    wait_until "$TEST_WAIT" bash -c 'for f in "$@"; do grep -q "^event: resync$" "$f" || exit 1; done' _ "$T/a.sse" "$T/b.sse" "$T/adm.sse"

# Limits: 3 streams per user, 7 in all (4 open here).
code() { curl -s -m 3 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" "$SSD_URL/api/v1/events"; }
stream a2 "$A"; stream a3 "$A"
wait_until "$TEST_WAIT" has a3 'event: hello'
ok_if "a fourth stream of one user: 429" test "$(code "$A")" = 429
stream op2 "$O"
wait_until "$TEST_WAIT" has op2 'event: hello'
ok_if "an eighth stream: 503" test "$(code "$O")" = 503
kill "$pid_a2" "$pid_a3" "$pid_op2"
frees() { [ "$(code "$A")" = 200 ]; }
ok_if "streams that ended free their places" wait_until "$TEST_WAIT" frees

# Logout ends the streams of that token (ssd_auth).
ck=$(curl -s -D - -o /dev/null -H "Origin: $SSD_URL" -H 'Content-Type: application/json' \
    -d '{"username":"userb","password":"userb-password"}' "$SSD_URL/api/v1/auth/session" |
    tr -d '\r' | sed -n 's/^Set-Cookie: ssd=\([^;]*\);.*/\1/p')
curl -sN -H "Cookie: ssd=$ck" "$SSD_URL/api/v1/events" > "$T/ck.sse" 2> /dev/null &
ckpid=$!
on_exit "kill $ckpid 2> /dev/null"
ok_if "the UI's cookie opens a stream" wait_until "$TEST_WAIT" grep -q 'event: hello' "$T/ck.sse"
curl -s -o /dev/null -X POST -H "Cookie: ssd=$ck" -H "Origin: $SSD_URL" "$SSD_URL/api/v1/auth/logout"
ok_if "logout ends it" wait_until "$TEST_WAIT" bash -c '! kill -0 $1 2> /dev/null' _ "$ckpid"
ok_if "... and it cannot reopen: 401" test "$(curl -s -m 3 -o /dev/null -w '%{http_code}' -H "Cookie: ssd=$ck" "$SSD_URL/api/v1/events")" = 401

# A client that never reads: once events_queue_max (64 KiB) waits for it,
# it is dropped; ssd-api does not grow.
/usr/bin/python3 - "$SSD_PORT" "$A" > "$T/slow.out" 2>&1 <<'EOF' &
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(("GET /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n" % sys.argv[2]).encode())
print("connected", flush=True)
time.sleep(120)
EOF
slow=$!
on_exit "kill $slow 2> /dev/null"
wait_until "$TEST_WAIT" grep -q connected "$T/slow.out"
api_pid=$(worker_pid ssd-api)
rss0=$(awk '/VmRSS/ { print $2 }' "/proc/$api_pid/status")
aid=$(psql -qAt -c "SELECT id FROM users WHERE username = 'usera'")
# 40 sessions of usera's at once in each event burst (about 1 KiB each).
psql -qAt -c "INSERT INTO sessions (id, user_id, template_name, state) SELECT 'bulk-' || i, '$aid', 'firefox', 'running' FROM generate_series(1, 40) i" > /dev/null
flood() { for _ in $(seq 1 10); do psql -qAt -c "SELECT pg_notify('ssd_sessions', '$aid')" > /dev/null; sleep 0.1; done; grep -q "does not read" "$T/ssd.log"; }
ok_if "a client that does not read is dropped (events_queue_max)" wait_until 60 flood
rss1=$(awk '/VmRSS/ { print $2 }' "/proc/$api_pid/status")
diag "ssd-api RSS before/after the flood: $rss0/$rss1 KiB"
what="... and ssd-api grew by less than 16 MiB"
if ldd "$top_builddir/ssd-api/ssd-api" | grep -q libasan; then
	skip_one "$what" "ASan's quarantine keeps freed memory resident"
else
	ok_rc "$what" $([ $((rss1 - rss0)) -lt 16384 ]; echo $?)
fi
ok_if "A's own stream, which reads, is still open and got the bursts" \
    bash -c 'kill -0 $1 && grep -q "\"id\":\"bulk-40\"" "$2"' _ "$pid_a" "$T/a.sse"
# More at once than a stream may queue: one resync instead.
psql -qAt -c "INSERT INTO sessions (id, user_id, template_name, state) SELECT 'more-' || i, '$aid', 'firefox', 'running' FROM generate_series(1, 100) i" > /dev/null
n0=$(grep -c '^event: resync$' "$T/a.sse")
psql -qAt -c "SELECT pg_notify('ssd_sessions', '$aid')" > /dev/null
more_resync() { [ "$(grep -c '^event: resync$' "$T/a.sse")" -gt "$n0" ]; }
ok_if "a burst larger than events_queue_max comes as one resync" wait_until "$TEST_WAIT" more_resync
ok_if "... not as the sessions" bash -c '! grep -q "\"id\":\"more-" "$1"' _ "$T/a.sse"
ok_if "ssd-api never answered 500" bash -c "! grep -q -- '-> 500' '$T/ssd.log'"
finish
