#!/bin/bash
# floods.sh - floods, with small numbers (what is checked is what they
# leave behind, never a speed): refused VNC upgrades become a few audit
# rows of their own plus one row counting the rest, lose no audit record and
# no admin request, and their log lines are held back and counted; an
# agent flooding heartbeats takes only its share of ssd-hub's database
# queue, and one over agent_message_rate is closed, said once; sessions
# lists of made-up ids get one stop_session per id, at most
# agent_stop_unknown_max per agent.  The agents are tests/agent/testagent
# (common/agentproto's messages).  Real PostgreSQL and ssd.  TAP output.
. "$top_srcdir/tests/integration/lib.sh"

export JWT_SECRET=0123456789abcdef0123456789abcdef-test
export ADMIN_PASSWORD=admin-password-for-tests
ok_if "PostgreSQL starts" pg_up
[ -n "${PGHOST:-}" ] || finish

# upgrade_flood N PATH HEADER: N WebSocket upgrades of PATH from 16
# clients at once, each on its own connection; prints "STATUS COUNT" lines.
upgrade_flood() {
	/usr/bin/python3 - "$SSD_PORT" "$@" <<'EOF'
import collections, socket, sys, threading
port, n, path, header = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
req = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
       f"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
       f"Sec-WebSocket-Version: 13\r\n" + (header + "\r\n" if header else "") +
       "\r\n").encode()
counts, lock, left = collections.Counter(), threading.Lock(), [n]
def client():
    while True:
        with lock:
            if left[0] == 0:
                return
            left[0] -= 1
        status = "none"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=120) as s:
                s.sendall(req)
                data = b""
                while b"\r\n" not in data:
                    b = s.recv(4096)
                    if not b:
                        break
                    data += b
                if data.startswith(b"HTTP/1.1 "):
                    status = data.split(b" ")[1].decode()
        except OSError:
            status = "error"
        with lock:
            counts[status] += 1
threads = [threading.Thread(target=client) for _ in range(16)]
for t in threads:
    t.start()
for t in threads:
    t.join()
for k, v in sorted(counts.items()):
    print(k, v)
EOF
}
login() {
	json token <<< "$(api POST /api/v1/auth/login "" "{\"username\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}" | cut -d' ' -f2-)"
}
q() { psql -qAt -c "$1"; }

# 1. Refused VNC upgrades, with a database queue small enough that one
# audit row per upgrade would fill it.
N=600
ok_if "ssd starts (db_queue_max 8)" ssd_start "db_queue_max = 8" \
    "audit_refused_interval = 1h" "audit_refused_each = 3" \
    "log_limit_interval = 1h" "log_similar_max = 20"
[ -n "$SSD_PID" ] || finish
admin=$(login)
upgrade_flood $N /api/v1/vnc/s-flood "Authorization: Bearer not-a-token" > "$T/flood.out" &
fpid=$!
: > "$T/admin.out"
for i in $(seq 1 10); do
	r=$(api POST /api/v1/groups "$admin" "{\"name\":\"during-flood-$i\"}")
	echo "${r%% *}" >> "$T/admin.out"
done
wait $fpid
ok_if "$N refused upgrades, each answered 401 ($(tr '\n' ' ' < "$T/flood.out"))" \
    [ "$(cat "$T/flood.out")" = "401 $N" ]
ok_if "an admin's requests meanwhile all succeed ($(sort "$T/admin.out" | uniq -c | tr -s ' \n' ' '))" \
    [ "$(sort -u "$T/admin.out")" = 201 ]
ok_if "... each with its audit row" \
    [ "$(q "SELECT count(*) FROM audit_log WHERE action = 'POST /api/v1/groups' AND changes->>'status' = '201'")" = 10 ]
ok_if "the flood has audit_refused_each (3) rows of its own so far, not $N" \
    [ "$(q "SELECT count(*) FROM audit_log WHERE action = 'GET /api/v1/vnc/s-flood'")" = 3 ]
ok_if "no audit record was lost" eval '! grep -q "audit record lost" "$T/ssd.log"'
shown=$(grep 'token refused' "$T/ssd.log" | grep -vc 'similar lines suppressed')
ok_if "its log lines are held back: $shown of $N shown (log_similar_max 20)" [ "$shown" -le 20 ]
ssd_stop
row=$(q "SELECT (changes->>'count') || ' ' || (changes->>'status') || ' ' || ip_address || ' ' || (changes->>'firstSeen' <= changes->>'lastSeen') FROM audit_log WHERE action = 'refused requests' AND resource_type = 'vnc'")
ok_if "at shutdown one row counts the other $((N - 3)), with first and last seen ($row)" \
    [ "$row" = "$((N - 3)) 401 127.0.0.1 true" ]
held=$(sed -n 's/.* \([0-9]*\) similar lines suppressed, the first: .*token refused.*/\1/p' "$T/ssd.log" |
    awk '{ n += $1 } END { print n + 0 }')
ok_if "... and the log says how many lines it held back ($shown shown + $held held = $N)" \
    [ $((shown + held)) = $N ]
mv "$T/ssd.log" "$T/ssd-1.log"

# 2. Agents, and refused requests counted over a short interval.  (The
# waits below count log lines, some of them identical: not held back.)
unset SSD_PORT
ok_if "ssd starts again (agent limits)" ssd_start "db_queue_max = 16" \
    "audit_refused_interval = 1s" "agent_max_queries = 2" \
    "agent_message_rate = 1" "agent_message_burst = 5000" \
    "agent_stop_unknown_max = 30" "log_repeat_max = 100"
[ -n "$SSD_PID" ] || finish
upgrade_flood 50 /api/v1/vnc/s-short "" > "$T/flood2.out"
counted() {
	[ "$(q "SELECT count(*) FILTER (WHERE action <> 'refused requests') + coalesce(sum((changes->>'count')::int), 0) FROM audit_log WHERE action = 'GET /api/v1/vnc/s-short' OR (action = 'refused requests' AND changes->>'example' = 'GET /api/v1/vnc/s-short')")" = 50 ]
}
ok_if "50 refused upgrades more ($(tr '\n' ' ' < "$T/flood2.out"))" [ "$(cat "$T/flood2.out")" = "401 50" ]
ok_if "refused requests counted each interval while ssd runs: all 50 in the audit log" \
    wait_until "$TEST_WAIT" counted
ok_if "... in rows that count them" [ "$(q "SELECT count(*) > 0 FROM audit_log WHERE action = 'refused requests' AND changes->>'example' = 'GET /api/v1/vnc/s-short'")" = t ]

agent() { "$top_builddir/tests/agent/testagent" --url "ws://127.0.0.1:$SSD_PORT" "$@"; }
# bg_agent OUT ARGS...: a scripted agent in the background until it is
# killed; pids in $apids.
apids=
bg_agent() {
	local out=$1
	shift
	agent "$@" --seconds "$TEST_WAIT" > "$out" 2>&1 &
	apids="$apids $!"
}
on_exit 'kill $apids; wait $apids'
add_agent() { ssdctl agent add "$1" | grep -Eo '[0-9a-f]{64}'; }
# Each sessions list ends reconciled, or replaced by a newer one first.
lists_done() {
	[ "$(grep -Ec "agent $1: (sessions reconciled|a newer sessions list replaces)" "$T/ssd.log")" -ge "$2" ]
}
stops() { q "SELECT count(*) FROM agent_commands WHERE agent_id = '$1' AND command_type = 'stop_session'"; }

# 3. Sessions lists of ids the control plane does not know.
ids=$(seq -f 'ghost-%g' -s, 1 20)
keyd1=$(add_agent k8s-d1)
bg_agent "$T/d1.out" --agent k8s-d1 --key "$keyd1" --sessions "$ids" --sessions-times 5
ok_if "an agent lists 20 unknown sessions 5 times" wait_until "$TEST_WAIT" lists_done k8s-d1 5
bg_agent "$T/d1b.out" --agent k8s-d1 --key "$keyd1" --sessions "$ids"
ok_if "... and again on a new link" wait_until "$TEST_WAIT" lists_done k8s-d1 6
n=$(stops k8s-d1)
ok_if "... each gets one stop_session, not one per list ($n)" [ "$n" = 20 ]
ids=$(seq -f 'made-up-%g' -s, 1 50)
bg_agent "$T/d2.out" --agent k8s-d2 --key "$(add_agent k8s-d2)" --sessions "$ids" --sessions-times 2
ok_if "an agent lists 50 unknown sessions twice" wait_until "$TEST_WAIT" lists_done k8s-d2 2
n=$(stops k8s-d2)
ok_if "... it gets agent_stop_unknown_max (30) stop_session commands ($n)" [ "$n" = 30 ]
ok_if "... and the rest is logged as held back" \
    grep -q 'agent k8s-d2: sessions reconciled: 0 it does not have marked failed, 30 it should not have told to stop, 20 more' "$T/ssd.log"

# 4. A heartbeat flood takes only its link's share of the hub's queue:
# another agent's work goes on and no query is refused for a full queue.
bg_agent "$T/a.out" --agent k8s-a --key "$(add_agent k8s-a)" --heartbeats 3000
wait_until "$TEST_WAIT" grep -q 'agent k8s-a: control link up' "$T/ssd.log"
bg_agent "$T/b.out" --agent k8s-b --key "$(add_agent k8s-b)" --sessions ghost-b
ok_if "while one agent floods, another's unknown session is told to stop" \
    wait_until "$TEST_WAIT" grep -q '"command":"stop_session","session":"ghost-b"' "$T/b.out"
ok_if "... and the flooding agent, within its burst, keeps its link" \
    eval '! grep -q "\"event\":\"closed\"" "$T/a.out"'
ok_if "no query of the hub was refused for a full queue" \
    eval '! grep -q "ssd-hub.*too many queries waiting" "$T/ssd.log"'

# 5. Beyond agent_message_burst the link is closed, and that is said once.
bg_agent "$T/c.out" --agent k8s-c --key "$(add_agent k8s-c)" --heartbeats 6000
ok_if "an agent over agent_message_rate is closed (1008, with the reason)" \
    wait_until "$TEST_WAIT" grep -q '"event":"closed","code":1008,"reason":"message rate limit exceeded"' "$T/c.out"
ok_if "... logged once, with its id" \
    [ "$(grep -c 'agent k8s-c: more than agent_message_burst' "$T/ssd.log")" = 1 ]
finish
