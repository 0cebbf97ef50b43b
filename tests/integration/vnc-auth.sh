#!/bin/bash
# vnc-auth.sh - who may open a session's VNC WebSocket, against a real
# PostgreSQL and a scripted agent: viewer tickets (issued to the owner or
# an operator, 404 to others, 409 unless running, single use, expiring
# after viewer_ticket_ttl, stored hashed), and the checks in front of
# /api/v1/vnc/ID answered in plain HTTP before any hand-off (400/426, 401,
# 404 for another user's session as for none, 409, 503 agent offline, 503
# no data link).  No ticket or token may appear in the log or the audit
# trail.  TAP output.
. "$top_srcdir/tests/integration/lib.sh"

export JWT_SECRET=0123456789abcdef0123456789abcdef-test
export ADMIN_PASSWORD=admin-password-for-tests
export LOG_LEVEL=debug		# the leak checks read every line there is
ok_if "PostgreSQL starts" pg_up
[ -n "${PGHOST:-}" ] && ok_if "ssd starts" ssd_start \
    "agent_heartbeat_interval = 1s" "agent_timeout = 30s"
[ -n "$SSD_PID" ] || finish

login() { json token <<< "$(api POST /api/v1/auth/login "" "{\"username\":\"$1\",\"password\":\"$2\"}" | cut -d' ' -f2-)"; }
body() { cut -d' ' -f2- <<< "$1"; }
status() { echo "${1%% *}"; }
admin=$(login admin "$ADMIN_PASSWORD")
for u in usera userb oper; do
	role=user; [ $u = oper ] && role=operator
	api POST /api/v1/users "$admin" "{\"username\":\"$u\",\"password\":\"$u-password\",\"role\":\"$role\"}" > /dev/null
done
A=$(login usera usera-password); B=$(login userb userb-password); O=$(login oper oper-password)
[ -n "$A" ] && [ -n "$B" ] && [ -n "$O" ]
ok_rc "users with tokens" $?

# A running session of usera's on an online agent.
ssdctl template import "$top_srcdir/contrib/templates/xfce-desktop.yaml" > /dev/null
key=$(ssdctl agent add k8s-vnc | grep -Eo '[0-9a-f]{64}')
"$top_builddir/tests/agent/testagent" --url "ws://127.0.0.1:$SSD_PORT" \
    --agent k8s-vnc --key "$key" --seconds 3600 > "$T/agent.out" 2>&1 &
apid=$!
on_exit "kill $apid"
agent_is() { sql_is "SELECT status FROM agents WHERE agent_id = 'k8s-vnc'" "$1"; }
ok_if "the test agent is online" wait_until "$TEST_WAIT" agent_is online
sid=$(json id <<< "$(body "$(api POST /api/v1/sessions "$A" '{"template":"xfce-desktop"}')")")
state_is() { sql_is "SELECT state FROM sessions WHERE id = '$sid'" "$1"; }
ok_if "usera's session $sid is running" wait_until "$TEST_WAIT" state_is running

# Viewer tickets.
ticket() { api POST "/api/v1/sessions/$1/viewer-ticket" "$2"; }
t0=$(date +%s)
r=$(ticket "$sid" "$A")
t1=$(json ticket <<< "$(body "$r")")
[ "$(status "$r")" = 201 ] && \
    grep -Eq '^[0-9a-f]{64}$' <<< "$t1"
ok_rc "the owner gets a ticket: 201, 256 bits as hex" $?
ok_if "... with its URL" [ "$(json url <<< "$(body "$r")")" = "/api/v1/vnc/$sid?ticket=$t1" ]
ok_if "... expiring viewer_ticket_ttl (30 s) after it was asked for" /usr/bin/python3 -c '
import sys, time
from datetime import datetime, timezone
e = datetime.strptime(sys.argv[1], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()
sys.exit(not int(sys.argv[2]) + 29 <= e <= time.time() + 31)' "$(json expiresAt <<< "$(body "$r")")" "$t0"
ok_if "... stored as its SHA-256 only, bound to usera and the session" \
    sql_is "SELECT count(*) FILTER (WHERE ticket_hash = encode(sha256('$t1'), 'hex')
        AND user_id = (SELECT id FROM users WHERE username = 'usera') AND session_id = '$sid')
        || ',' || count(*) FILTER (WHERE ticket_hash = '$t1') FROM viewer_tickets" "1,0"
r=$(ticket "$sid" "$B")
ok_if "another user's session: 404" [ "$(status "$r")" = 404 ]
r2=$(ticket no-such-session "$A")
ok_if "... the same answer as a session that does not exist" [ "$r" = "$r2" ]
r=$(ticket "$sid" "$O")
t_oper=$(json ticket <<< "$(body "$r")")
ok_if "an operator gets a ticket for usera's session: 201" [ "$(status "$r")" = 201 ]
r=$(ticket "$sid" "")
ok_if "no credentials: 401" [ "$(status "$r")" = 401 ]
r=$(ticket "$sid" "garbage.token.here")
ok_if "a bad token: 401" [ "$(status "$r")" = 401 ]

# vnc TARGET [AUTHORIZATION] [VERSION] [CURL ARGS...]: a WebSocket
# upgrade; "STATUS BODY".
vnc() {
	local args=(-s --max-time 5 -o "$T/vnc.out" -w '%{http_code}'
	    -H 'Connection: Upgrade' -H 'Upgrade: websocket'
	    -H "Sec-WebSocket-Version: ${3:-13}"
	    -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==')
	[ $# -gt 3 ] && args+=("${@:4}") || args+=(-H 'Sec-WebSocket-Protocol: binary')
	[ -n "${2:-}" ] && args+=(-H "Authorization: Bearer $2")
	local code
	code=$(curl "${args[@]}" "$SSD_URL$1")
	echo "$code $(cat "$T/vnc.out")"
}
code=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$SSD_URL/api/v1/vnc/$sid?ticket=$t1")
ok_if "a plain GET: 400 (got $code)" [ "$code" = 400 ]
r=$(vnc "/api/v1/vnc/$sid?ticket=$t1" "" 8)
ok_if "an upgrade of another WebSocket version: 426" [ "$(status "$r")" = 426 ]
r=$(vnc "/api/v1/vnc/$sid?ticket=$t1" "" 13 -H 'Sec-WebSocket-Protocol: chat')
ok_if "an upgrade offering only subprotocols ssd does not speak (chat): 400" [ "$(status "$r")" = 400 ]
r=$(vnc "/api/v1/vnc/$sid?ticket=$t1" "" 13 -H 'Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==')
ok_if "an upgrade with two Sec-WebSocket-Key headers: 400" [ "$(status "$r")" = 400 ]
ok_if "... none used the ticket up" sql_is "SELECT count(*) FROM viewer_tickets WHERE ticket_hash = encode(sha256('$t1'), 'hex')" 1
r=$(vnc "/api/v1/vnc/$sid?ticket=$t1")
[ "$(status "$r")" = 503 ] && [ "$(json error <<< "$(body "$r")")" = no_data_link ] && \
    [ "$(json message <<< "$(body "$r")")" = "no relay holds a data link to agent k8s-vnc" ]
ok_rc "the ticket passes every check: 503, no relay holds a data link to the agent" $?
ok_if "... and is gone: a ticket is deleted as it is redeemed" sql_is "SELECT count(*) FROM viewer_tickets WHERE ticket_hash = encode(sha256('$t1'), 'hex')" 0
r=$(vnc "/api/v1/vnc/$sid?ticket=$t1")
ok_if "the same ticket again: 401" [ "$(status "$r")" = 401 ]
r=$(vnc "/api/v1/vnc/no-such-session?ticket=$t_oper")
ok_if "a ticket for another session: 401" [ "$(status "$r")" = 401 ]
r=$(vnc "/api/v1/vnc/$sid?ticket=$t_oper")
[ "$(status "$r")" = 503 ] && \
    [ "$(json error <<< "$(body "$r")")" = no_data_link ]
ok_rc "... and it was not used up there: the operator's ticket passes" $?
r=$(vnc "/api/v1/vnc/$sid?ticket=$(printf '%064d' 0)")
ok_if "an unknown ticket: 401" [ "$(status "$r")" = 401 ]
r=$(vnc "/api/v1/vnc/$sid?ticket=short")
ok_if "a malformed ticket: 401" [ "$(status "$r")" = 401 ]

# Tokens in the query (older viewers) or the header.
r=$(vnc "/api/v1/vnc/$sid?token=$A")
ok_if "the owner's token in ?token=: passes (503 no_data_link)" [ "$(json error <<< "$(body "$r")")" = no_data_link ]
r=$(vnc "/api/v1/vnc/$sid?token=$B")
ok_if "another user's token: 404, as for a session that does not exist" \
    [ "$(status "$r")" = 404 ]
r=$(vnc "/api/v1/vnc/$sid" "$O")
ok_if "an operator's token in the header: passes" [ "$(json error <<< "$(body "$r")")" = no_data_link ]
r=$(vnc "/api/v1/vnc/$sid?token=garbage.token.here")
ok_if "a bad token: 401" [ "$(status "$r")" = 401 ]
r=$(vnc "/api/v1/vnc/$sid")
ok_if "no credentials: 401" [ "$(status "$r")" = 401 ]
r=$(vnc "/api/v1/vnc/no-such-session?token=$A")
ok_if "a session that does not exist: 404" [ "$(status "$r")" = 404 ]

# Expiry, with viewer_ticket_ttl changed by a reload.
echo "viewer_ticket_ttl = 1s" >> "$T/ssd.conf"
ok_if "reload with viewer_ticket_ttl = 1s" ssdctl reload
t_exp=$(json ticket <<< "$(body "$(ticket "$sid" "$A")")")
sleep 1.5
r=$(vnc "/api/v1/vnc/$sid?ticket=$t_exp")
ok_if "an expired ticket: 401" [ "$(status "$r")" = 401 ]
t_old=$(json ticket <<< "$(body "$(ticket "$sid" "$A")")")
ok_if "issuing drops expired tickets" sql_is "SELECT count(*) FROM viewer_tickets WHERE ticket_hash = encode(sha256('$t_exp'), 'hex')" 0

# A hibernated session.
api PUT "/api/v1/sessions/$sid/hibernate" "$A" > /dev/null
ok_if "usera hibernates the session" wait_until "$TEST_WAIT" state_is hibernated
r=$(ticket "$sid" "$A")
[ "$(status "$r")" = 409 ] && \
    [ "$(json state <<< "$(body "$r")")" = hibernated ]
ok_rc "a ticket for a hibernated session: 409 with the state" $?
r=$(vnc "/api/v1/vnc/$sid?token=$A")
[ "$(status "$r")" = 409 ] && \
    grep -q hibernated <<< "$(json message <<< "$(body "$r")")"
ok_rc "the WebSocket: 409, saying it is hibernated" $?
api PUT "/api/v1/sessions/$sid/wake" "$A" > /dev/null
ok_if "usera wakes it" wait_until "$TEST_WAIT" state_is running

# The agent goes away.
t_off=$(json ticket <<< "$(body "$(ticket "$sid" "$A")")")
kill "$apid"
wait "$apid" 2> /dev/null
ok_if "the test agent is stopped and offline" wait_until "$TEST_WAIT" agent_is offline
r=$(vnc "/api/v1/vnc/$sid?ticket=$t_off")
[ "$(status "$r")" = 503 ] && \
    [ "$(json error <<< "$(body "$r")")" = agent_offline ] && \
    grep -q k8s-vnc <<< "$(json message <<< "$(body "$r")")"
ok_rc "agent offline: 503 agent_offline, naming the agent" $?

# Nothing secret in the log or the audit trail; every attempt audited.
leaks=
for s in "$t1" "$t_oper" "$t_exp" "$t_old" "$t_off" "$A" "$B" "$O"; do
	grep -qF -- "$s" "$T/ssd.log" && leaks="$leaks ${s:0:8}"
	[ "$(psql -qAt -c "SELECT count(*) FROM audit_log WHERE strpos(action || COALESCE(changes::text, ''), '$s') > 0")" = 0 ] || \
	    leaks="$leaks audit:${s:0:8}"
done
ok_if "no ticket or token in ssd.log (debug level) or audit_log${leaks:+ (found:$leaks)}" [ -z "$leaks" ]
ok_if "ssd.log has the debug lines of the requests (the check above read them)" \
    grep -q "GET /api/v1/vnc/$sid -> 401" "$T/ssd.log"
ok_if "every WebSocket attempt is audited, with its status" \
    sql_is "SELECT count(*) = 17 AND bool_or(changes->>'status' = '404') FROM audit_log WHERE action = 'GET /api/v1/vnc/$sid'" t

# The viewer page and noVNC's files (Debian's novnc).
page() { curl -s -o "$T/page" -w '%{http_code} %{content_type}' "$SSD_URL$1"; }
ok_if "the viewer page is served as HTML" \
    test "$(page "/vnc-viewer/$sid")" = "200 text/html; charset=utf-8"
ok_if "... the web UI's page, whatever the id: nothing of the request in it" \
    cmp -s "$top_srcdir/web/index.html" <(curl -s "$SSD_URL/vnc-viewer/a%3Cb")
if [ -f /usr/share/novnc/core/rfb.js ]; then
	ok_if "noVNC's modules are served as JavaScript" \
	    test "$(page /novnc/core/rfb.js)" = "200 text/javascript; charset=utf-8"
	ok_if "... byte for byte" cmp -s "$T/page" /usr/share/novnc/core/rfb.js
fi
ok_if "nothing outside novnc_dir: dot segments refused" \
    test "$(page /novnc/core/../../../../etc/passwd | cut -c1-3)" = 404
ok_if "... also unnormalised ones" \
    test "$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "$SSD_URL/novnc/core/../vnc.html")" = 400
ok_if "... and only known file types" test "$(page /novnc/core | cut -c1-3)" = 404
ok_if "ssd-api never answered 500" bash -c "! grep -q -- '-> 500' '$T/ssd.log'"
finish
