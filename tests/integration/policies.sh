#!/bin/bash
# policies.sh - sessions' idle timeout and maximum duration, with real
# PostgreSQL, ssd, ssd-agent-k8s and the Kubernetes double: which policy
# a session gets (template, user, group, setting; what it asks may only
# shorten it), a viewer that types keeps a 3 s idle session running, one
# that only looks sees it hibernated with the close reason idle (warned
# first, audited), a maximum duration stops a session whatever its
# viewers do (home kept), a control plane stopped through an idle
# countdown acts on it when back, two control planes on one database act
# once, and bad values are 400 naming the field with nothing changed.
# Every wait is for a state (TEST_WAIT); nothing here measures speed.
# TAP output.
. "$top_srcdir/tests/integration/lib.sh"

export JWT_SECRET=0123456789abcdef0123456789abcdef-test
export ADMIN_PASSWORD=admin-password-for-tests
command -v kubectl > /dev/null || skip_all "kubectl missing (kubernetes-client)"
/usr/bin/python3 -c 'import websockets' 2> /dev/null || skip_all "python3-websockets missing"

ok_if "PostgreSQL starts" pg_up
/usr/bin/python3 "$top_srcdir/tests/kube-sim/kube-sim" --state-dir "$T/ks" \
    --port 0 --namespace sessions > "$T/kube-sim.log" 2>&1 &
on_exit "kill $!; wait $!"
ok_if "kube-sim starts" wait_until "$TEST_WAIT" test -s "$T/ks/url"
CONF=("agent_heartbeat_interval = 1s" "agent_timeout = 30s" "command_timeout = 120s"
    "session_policy_interval = 1s" "relay_activity_interval = 250ms"
    "session_idle_timeout = 1h")
ok_if "ssd starts (idle timeout 1h, policies checked every second)" ssd_start "${CONF[@]}"
[ -n "$SSD_PID" ] && [ -s "$T/ks/url" ] || finish
ok_if "... and is ready" wait_until "$TEST_WAIT" curl -sf "$SSD_URL/ready"
tpl="$top_srcdir/contrib/templates/xfce-desktop.yaml"
ssdctl template import "$tpl" > /dev/null
sed -e 's/^  name: xfce-desktop/  name: idle3/' -e 's/^spec:/spec:\n  idleTimeout: 3s/' "$tpl" > "$T/idle3.yaml"
ssdctl template import "$T/idle3.yaml" > /dev/null
login() { json token <<< "$(api POST /api/v1/auth/login "" "{\"username\":\"$1\",\"password\":\"$2\"}" | cut -d' ' -f2-)"; }
admin=$(login admin "$ADMIN_PASSWORD")
declare -A tok uid
for u in alice bob; do
	api POST /api/v1/users "$admin" "{\"username\":\"$u\",\"password\":\"$u-password\"}" > /dev/null
	tok[$u]=$(login $u $u-password)
	uid[$u]=$(psql -qAt -c "SELECT id FROM users WHERE username = '$u'")
done
key=$(ssdctl agent add k8s-pol | grep -Eo '[0-9a-f]{64}')
env AGENT_ID=k8s-pol AGENT_KEY="$key" CONTROL_PLANE_URL="ws://127.0.0.1:$SSD_PORT" \
    KUBECONFIG="$T/ks/kubeconfig" NAMESPACE=sessions RECONNECT_MAX=1s \
    SESSION_READY_TIMEOUT=60s LOG_LEVEL=debug \
    "$top_builddir/ssd-agent-k8s/ssd-agent-k8s" >> "$T/agent.log" 2>&1 &
on_exit "kill $!; wait $!"
ok_if "the agent comes online" wait_until "$TEST_WAIT" \
    sql_is "SELECT status FROM agents WHERE agent_id = 'k8s-pol'" online

# The web UI's event streams (GET /api/v1/events) of bob and alice.
for u in bob alice; do
	curl -sN -H "Authorization: Bearer ${tok[$u]}" "$SSD_URL/api/v1/events" > "$T/$u.sse" 2> /dev/null &
	on_exit "kill $! 2> /dev/null; wait $!"
done
ok_if "bob's and alice's event streams are open" wait_until "$TEST_WAIT" \
    eval 'grep -q "^event: hello" "$T/bob.sse" && grep -q "^event: hello" "$T/alice.sse"'
# warned USER SESSION: USER's stream had a sessionWarning (idle) of SESSION.
warned() {
	grep -A1 '^event: sessionWarning$' "$T/$1.sse" | grep -q \
	    "^data: {\"type\":\"sessionWarning\",\"sessionId\":\"$2\",\"userId\":\"${uid[bob]}\",\"reason\":\"idle\""
}

state_is() { sql_is "SELECT state FROM sessions WHERE id = '$1'" "$2"; }
field() { json "$2" <<< "$(api GET "/api/v1/sessions/$1" "$admin" | cut -d' ' -f2-)"; }
count() { psql -qAt -c "SELECT count(*) FROM $1"; }
# create USER BODY: "STATUS BODY".
create() { api POST /api/v1/sessions "${tok[$1]}" "$2"; }
started() {
	local r id
	r=$(create "$@")
	id=$(json id <<< "${r#* }")
	[ "${r%% *}" = 202 ] && wait_until "$TEST_WAIT" state_is "$id" running && echo "$id"
}
# created USER BODY: the id of a new session (not waiting for it to run).
created() {
	local r
	r=$(create "$@")
	[ "${r%% *}" = 202 ] && json id <<< "${r#* }"
}
viewer() {	# viewer SESSION USER MODE [SECONDS]: in the background, output in $T/v-SESSION
	/usr/bin/python3 "$top_srcdir/tests/ws/idleviewer.py" \
	    "ws://127.0.0.1:$SSD_PORT/api/v1/vnc/$1?token=${tok[$2]}" "$3" \
	    "${4:-0}" "$T/stop-$1" > "$T/v-$1" 2>&1 &
}
said() { grep -q "$2" "$T/v-$1"; }

# --- Bad values: 400 naming the field, nothing changed ---------------------
n0=$(count sessions)
bad() {	# bad FIELD BODY...: each body is 400 naming FIELD
	local f=$1 b r
	shift
	for b in "$@"; do
		r=$(create alice "$b")
		[ "${r%% *}" = 400 ] && [ "$(json field <<< "${r#* }")" = "$f" ] || {
			echo "$b: $r"; return 1; }
	done
}
ok_if "idleTimeout negative, of an unknown unit, fractional, a number: 400 naming idleTimeout" \
    bad idleTimeout '{"template":"xfce-desktop","idleTimeout":"-5m"}' \
    '{"template":"xfce-desktop","idleTimeout":"5 fortnights"}' \
    '{"template":"xfce-desktop","idleTimeout":"1.5h"}' '{"template":"xfce-desktop","idleTimeout":30}'
r=$(create alice '{"template":"xfce-desktop","maxSessionDuration":"9999d"}')
ok_if "an absurd maxSessionDuration (beyond policy_duration_max): 400 naming it ($(json message <<< "${r#* }"))" \
    eval '[ "${r%% *}" = 400 ] && [ "$(json field <<< "${r#* }")" = maxSessionDuration ]'
ok_if "... no session was written" [ "$(count sessions)" = "$n0" ]
quota_bad() {
	local r
	r=$(api PUT "/api/v1/users/${uid[alice]}/quota" "$admin" "$2")
	[ "${r%% *}" = 400 ] && [ "$(json field <<< "${r#* }")" = "$1" ]
}
ok_if "a quota's idleTimeout \"abc\", maxStorage \"lots\", maxSessions -1, maxCpu \"-2\": 400 naming each" \
    eval 'quota_bad idleTimeout "{\"idleTimeout\":\"abc\"}" && quota_bad maxStorage "{\"maxStorage\":\"lots\"}" &&
    quota_bad maxSessions "{\"maxSessions\":-1}" && quota_bad maxCpu "{\"maxCpu\":\"-2\"}" &&
    quota_bad maxSessionDuration "{\"idleTimeout\":\"5m\",\"maxSessionDuration\":\"-1s\"}"'
ok_if "... nothing written, not even the good field beside a bad one" \
    eval '[ "$(count user_quotas)" = 0 ] && [ "$(api GET /api/v1/users/${uid[alice]}/quota "${tok[alice]}" | cut -d" " -f2- | json set)" = false ]'
sed 's/^  name: xfce-desktop/  name: badidle/; s/^spec:/spec:\n  idleTimeout: -1m/' "$tpl" > "$T/bad.yaml"
out=$(ssdctl template import "$T/bad.yaml" 2>&1)
ok_if "ssdctl template import: a template whose spec.idleTimeout is negative is refused ($out)" \
    eval '! grep -q created <<< "$out" && grep -q "spec.idleTimeout: must not be negative" <<< "$out"'
r=$(api POST /api/v1/templates "$admin" '{"apiVersion":"stream.space/v1alpha1","kind":"Template","metadata":{"name":"badidle"},"spec":{"baseImage":"x","maxSessionDuration":"5 fortnights"}}')
ok_if "POST /api/v1/templates: one whose spec.maxSessionDuration has an unknown unit is 422 ($(json message <<< "${r#* }"))" \
    eval '[ "${r%% *}" = 422 ] && grep -q spec.maxSessionDuration <<< "${r#* }"'
ok_if "... neither was stored" eval '[ "$(count "catalog_templates WHERE name = '"'"'badidle'"'"'")" = 0 ]'

# --- Which policy a session gets ---------------------------------------------
r=$(api PUT "/api/v1/users/${uid[alice]}/quota" "$admin" '{"maxSessions":50}')
ok_if "PUT /api/v1/users/ID/quota: 200, set, the fields not written as they were shown" \
    eval '[ "${r%% *}" = 200 ] && [ "$(json set <<< "${r#* }")" = true ] && [ "$(json maxStorage <<< "${r#* }")" = 50Gi ]'
policy_of() {	# policy_of BODY: "idle max" seconds of a new session of alice
	local r id
	r=$(create alice "$1")
	id=$(json id <<< "${r#* }")
	echo "$(json idleTimeoutSeconds <<< "${r#* }") $(json maxSessionDurationSeconds <<< "${r#* }")"
	api DELETE "/api/v1/sessions/$id" "$admin" > /dev/null
}
got=$(policy_of '{"template":"xfce-desktop"}')
ok_if "no policy anywhere: the setting's (1h), no maximum ($got)" [ "$got" = "3600 0" ]
gid=$(json id <<< "$(api POST /api/v1/groups "$admin" '{"name":"night-shift"}' | cut -d' ' -f2-)")
api POST "/api/v1/groups/$gid/members" "$admin" "{\"userId\":\"${uid[alice]}\"}" > /dev/null
r=$(api PUT "/api/v1/groups/$gid/quota" "$admin" '{"idleTimeout":"20m","maxSessionDuration":"8h"}')
ok_if "PUT /api/v1/groups/ID/quota: the group's policy ($(json idleTimeout <<< "${r#* }") $(json maxSessionDuration <<< "${r#* }"))" \
    eval '[ "${r%% *}" = 200 ] && [ "$(json idleTimeout <<< "${r#* }")" = 20m ]'
got=$(policy_of '{"template":"xfce-desktop"}')
ok_if "... a member's session gets it ($got)" [ "$got" = "1200 28800" ]
api PUT "/api/v1/users/${uid[alice]}/quota" "$admin" '{"idleTimeout":"10m"}' > /dev/null
got=$(policy_of '{"template":"xfce-desktop"}')
ok_if "the user's own policy comes before the group's ($got)" [ "$got" = "600 28800" ]
got=$(policy_of '{"template":"idle3"}')
ok_if "the template's before the user's ($got)" [ "$got" = "3 28800" ]
got=$(policy_of '{"template":"xfce-desktop","idleTimeout":"5m","maxSessionDuration":"1h"}')
ok_if "a session may ask for less ($got)" [ "$got" = "300 3600" ]
got=$(policy_of '{"template":"xfce-desktop","idleTimeout":"2h","maxSessionDuration":"0"}')
ok_if "... never for more ($got)" [ "$got" = "600 28800" ]
r=$(api GET "/api/v1/users/me/quota" "${tok[alice]}")
ok_if "GET /api/v1/users/me/quota: alice reads hers ($(json idleTimeout <<< "${r#* }"))" \
    eval '[ "${r%% *}" = 200 ] && [ "$(json idleTimeout <<< "${r#* }")" = 10m ] && [ "$(json maxSessions <<< "${r#* }")" = 50 ]'
ok_if "... not bob's: 403" eval '[ "$(api GET "/api/v1/users/${uid[bob]}/quota" "${tok[alice]}" | cut -d" " -f1)" = 403 ]'
api PUT "/api/v1/users/${uid[alice]}/quota" "$admin" '{"idleTimeout":null}' > /dev/null
got=$(policy_of '{"template":"xfce-desktop"}')
ok_if "null takes a user's policy back: the group's again ($got)" [ "$got" = "1200 28800" ]

# --- Idle: a viewer that types keeps it, one that looks does not ------------
# Each viewer starts with its session and attaches the moment it runs,
# which is when its idle countdown starts (idleviewer.py waits for it).
a=$(created bob '{"template":"idle3"}')
viewer "$a" bob input 6
b=$(created bob '{"template":"idle3"}')
viewer "$b" bob read
ok_if "two sessions of bob with a 3 s idle timeout, a viewer waiting for each" \
    eval '[ -n "$a" ] && [ -n "$b" ]'
ok_if "a viewer has typed into the first for 6 s, twice its idle timeout" \
    wait_until "$TEST_WAIT" said "$a" '"held"'
ok_if "... and it still runs" state_is "$a" running
touch "$T/stop-$a"
ok_if "the session whose viewer only looks is hibernated" wait_until "$TEST_WAIT" state_is "$b" hibernated
ok_if "... its viewer closed with the reason idle ($(tail -1 "$T/v-$b"))" \
    wait_until "$TEST_WAIT" said "$b" '"closed": 1000, "reason": "idle"'
ok_if "... the audit trail says so" sql_is "SELECT count(*) FROM audit_log WHERE resource_id = '$b' AND action = 'session hibernate' AND changes->>'reason' = 'idle' AND changes->>'by' = 'policy'" 1
ok_if "... and the session that it ended by idleness" eval '[ "$(field "$b" endedBy)" = idle ]'
ok_if "bob was warned first: a sessionWarning event in his event stream" \
    wait_until "$TEST_WAIT" warned bob "$b"
ok_if "... not in alice's" eval '! grep -q "\"sessionId\":\"$b\"" "$T/alice.sse"'
ok_if "once its viewer left, the first is hibernated too" wait_until "$TEST_WAIT" state_is "$a" hibernated
api PUT "/api/v1/sessions/$b/wake" "${tok[bob]}" > /dev/null
ok_if "bob wakes the second: it runs again (its wake completed)" wait_until "$TEST_WAIT" \
    sql_is "SELECT count(*) FROM agent_commands WHERE session_id = '$b' AND command_type = 'wake_session' AND status = 'completed'" 1
ok_if "... its idle countdown started again at the wake" \
    sql_is "SELECT s.last_activity >= c.created_at FROM sessions s JOIN agent_commands c ON c.session_id = s.id AND c.command_type = 'wake_session' WHERE s.id = '$b'" t
api DELETE "/api/v1/sessions/$a" "${tok[bob]}" > /dev/null
api DELETE "/api/v1/sessions/$b" "${tok[bob]}" > /dev/null

# --- Maximum duration: stopped whatever its viewers do, home kept -----------
c=$(created bob '{"template":"xfce-desktop","maxSessionDuration":"8s"}')
viewer "$c" bob input 3600
ok_if "a session of at most 8 s, a viewer waiting to type into it" [ -n "$c" ]
ok_if "... and is stopped at its maximum duration, though its viewer types" \
    wait_until "$TEST_WAIT" state_is "$c" terminated
ok_if "... its viewer closed with the reason max_duration ($(tail -1 "$T/v-$c"))" \
    wait_until "$TEST_WAIT" said "$c" '"reason": "max_duration"'
ok_if "... audited" sql_is "SELECT count(*) FROM audit_log WHERE resource_id = '$c' AND action = 'session stop' AND changes->>'reason' = 'max_duration'" 1
ok_if "... its home kept" eval 'KUBECONFIG="$T/ks/kubeconfig" kubectl -n sessions get pvc home-bob > /dev/null'

# --- A restart through an idle countdown loses no deadline ------------------
d=$(started bob '{"template":"xfce-desktop","idleTimeout":"10s"}')
deadline=$(field "$d" idleDeadline)
ssd_stop
if [ -n "$d" ] && state_is "$d" running; then
	ok_if "the control plane stopped while a 10 s idle countdown runs (deadline $deadline)" true
	ok_if "... its deadline passes while it is down" wait_until "$TEST_WAIT" \
	    sql_is "SELECT now() > last_activity + interval '10 seconds' FROM sessions WHERE id = '$d'" t
	ssd_start "${CONF[@]}"
	ok_if "back: the session is hibernated for idleness" wait_until "$TEST_WAIT" state_is "$d" hibernated
	after=$(psql -qAt -c "SELECT to_char((changes->>'lastActivity')::timestamp + interval '10 seconds', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM audit_log WHERE resource_id = '$d' AND action = 'session hibernate' AND changes->>'reason' = 'idle'")
	ok_if "... by the deadline set before the restart, not one from it (audited: idle until $after)" \
	    [ "$after" = "$deadline" ]
else
	skip_one "a restart through an idle countdown" "the session ended before the stop"
	ssd_start "${CONF[@]}"
fi
wait_until "$TEST_WAIT" curl -sf "$SSD_URL/ready"

# --- Two control planes on one database: each session acted on once --------
sed -e "s/^port = .*/port = $(free_port)/" -e "s|^control_socket = .*|control_socket = $T/ssd2.sock|" \
    "$T/ssd.conf" > "$T/ssd2.conf"
"$top_builddir/ssd" -d -f "$T/ssd2.conf" >> "$T/ssd2.log" 2>&1 &
SSD2=$!
on_exit "kill $SSD2; wait $SSD2"
ok_if "a second control plane on the same database" wait_until "$TEST_WAIT" \
    eval 'grep -q "ssd-api.*database connection 0 up" "$T/ssd2.log"'
ids=
for i in 1 2 3; do ids="$ids $(started alice '{"template":"idle3"}')"; done
in=$(sed -E "s/ *([^ ]+)/,'\1'/g; s/^,//" <<< "$ids")
ok_if "three idle sessions, no viewer, both control planes looking: all hibernated" \
    wait_until "$TEST_WAIT" sql_is "SELECT count(*) FROM sessions WHERE id IN ($in) AND state = 'hibernated'" 3
ok_if "... each once: one hibernate command each" \
    sql_is "SELECT count(*) FROM agent_commands WHERE session_id IN ($in) AND command_type = 'hibernate_session'" 3
ok_if "... one audit row each" \
    sql_is "SELECT count(*) FROM audit_log WHERE resource_id IN ($in) AND action = 'session hibernate'" 3
ok_if "the agent logged no sanitizer or fatal errors" \
    sh -c "! grep -Eq 'ERROR: (Address|Leak|Undefined)|runtime error|fatal' '$T/agent.log'"
finish
