#!/bin/bash
# homes.sh - each user's persistent home: real PostgreSQL, ssd, two real
# ssd-agent-k8s sharing one namespace of the Kubernetes double (whose
# claims are directories its pods really write to).  A file written into
# the home through the session (viewer, relay, agent, pod) is there again
# in the user's next session, on either agent, and not in another user's;
# kubectl shows home-USER and no claim per session.  Deleting a session
# never deletes the home; an administrator's delete (API, ssdctl) does,
# refused while a session mounts it, audited.  persistentHome false, a
# home larger than the quota (400), ReadWriteOnce (409 for a second
# session).  TAP output.
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
CONF=("agent_heartbeat_interval = 1s" "agent_timeout = 30s" "command_timeout = 120s")
ok_if "ssd starts" ssd_start "${CONF[@]}"
[ -n "$SSD_PID" ] && [ -s "$T/ks/url" ] || finish
ok_if "... and is ready (database up)" wait_until "$TEST_WAIT" curl -sf "$SSD_URL/ready"
ssdctl template import "$top_srcdir/contrib/templates/xfce-desktop.yaml" > /dev/null
login() { json token <<< "$(api POST /api/v1/auth/login "" "{\"username\":\"$1\",\"password\":\"$2\"}" | cut -d' ' -f2-)"; }
admin=$(login admin "$ADMIN_PASSWORD")
declare -A tok
for u in alice bob carol dave; do
	api POST /api/v1/users "$admin" "{\"username\":\"$u\",\"password\":\"$u-password\"}" > /dev/null
	tok[$u]=$(login $u $u-password)
done
kc() { KUBECONFIG="$T/ks/kubeconfig" kubectl -n sessions "$@"; }

agent_start() {
	local id=$1 key
	key=$(ssdctl agent add "$id" | grep -Eo '[0-9a-f]{64}')
	env AGENT_ID="$id" AGENT_KEY="$key" CONTROL_PLANE_URL="ws://127.0.0.1:$SSD_PORT" \
	    KUBECONFIG="$T/ks/kubeconfig" NAMESPACE=sessions RECONNECT_MAX=1s \
	    SESSION_READY_TIMEOUT=60s LOG_LEVEL=debug \
	    "$top_builddir/ssd-agent-k8s/ssd-agent-k8s" >> "$T/agent-$id.log" 2>&1 &
	on_exit "kill $!; wait $!"
}
online() { sql_is "SELECT status FROM agents WHERE agent_id = '$1'" online; }
state_is() { sql_is "SELECT state FROM sessions WHERE id = '$1'" "$2"; }
# create USER [BODY-EXTRA]: "STATUS BODY" of POST /api/v1/sessions.
create() { api POST /api/v1/sessions "${tok[$1]}" "{\"template\":\"xfce-desktop\"${2:-}}"; }
# started USER [BODY-EXTRA]: a new session of USER, once running; its id.
started() {
	local r id
	r=$(create "$@")
	id=$(json id <<< "${r#* }")
	[ "${r%% *}" = 202 ] && wait_until "$TEST_WAIT" state_is "$id" running && echo "$id"
}
# home SESSION USER LINE: the pod's answer to LINE, through the viewer.
home() {
	/usr/bin/python3 "$top_srcdir/tests/ws/podfile.py" \
	    "ws://127.0.0.1:$SSD_PORT/api/v1/vnc/$1?token=${tok[$2]}" "$3"
}
stopped() {
	local r
	r=$(api DELETE "/api/v1/sessions/$1" "${tok[$2]}")
	[ "${r%% *}" = 202 ] && wait_until "$TEST_WAIT" state_is "$1" terminated
}
claims() { kc get pvc -o jsonpath='{range .items[*]}{.metadata.name} {end}'; }

agent_start k8s-home-a
agent_start k8s-home-b
ok_if "two agents in namespace sessions come online" wait_until "$TEST_WAIT" \
    eval 'online k8s-home-a && online k8s-home-b'
ok_if "... and say their namespace" wait_until "$TEST_WAIT" \
    sql_is "SELECT count(*) FROM agents WHERE metadata->>'namespace' = 'sessions'" 2

# A home that outlives its session.
s1=$(started alice)
ok_if "alice's session runs" [ -n "$s1" ]
ok_if "kubectl get pvc: home-alice, no claim of the session's" eval '[ "$(claims)" = "home-alice " ]'
ok_if "... mounted by the session's pod at the template's path" eval \
    '[ "$(kc get pods -l "session=$s1" -o jsonpath="{.items[0].spec.volumes[0].persistentVolumeClaim.claimName} {.items[0].spec.containers[0].volumeMounts[0].mountPath}")" = "home-alice /home/headless" ]'
out=$(home "$s1" alice "SIM-PUT /home/headless/note alice wrote this")
ok_if "a file written into the home through the session ($out)" [ "$out" = SIM-OK ]
ok_if "deleting the session" stopped "$s1" alice
ok_if "... keeps home-alice, and only it" eval '[ "$(claims)" = "home-alice " ] && [ -z "$(kc get deploy -o name)" ]'
s2=$(started alice)
out=$(home "$s2" alice "SIM-GET /home/headless/note")
ok_if "alice's next session finds the file ($out)" [ "$out" = "SIM-DATA alice wrote this" ]
b1=$(started bob)
out=$(home "$b1" bob "SIM-GET /home/headless/note")
ok_if "bob's session does not see it: his own home ($out)" [ "$out" = SIM-NONE ]
ok_if "kubectl get pvc: home-alice and home-bob" eval '[ "$(claims)" = "home-alice home-bob " ]'

# The other agent of the namespace mounts the same home.
other=$(psql -qAt -c "SELECT agent_id FROM sessions WHERE id = '$s2'")
api POST "/api/v1/admin/agents/$other/drain" "$admin" > /dev/null
s3=$(started alice)
ok_if "with $other draining, alice's second session goes to the other agent" \
    eval '[ -n "$s3" ] && [ "$(psql -qAt -c "SELECT agent_id FROM sessions WHERE id = '"'"'$s3'"'"'")" != "$other" ]'
out=$(home "$s3" alice "SIM-GET /home/headless/note")
ok_if "... and finds the same file there, both mounting home-alice (ReadWriteMany) ($out)" \
    [ "$out" = "SIM-DATA alice wrote this" ]
api POST "/api/v1/admin/agents/$other/undrain" "$admin" > /dev/null
ok_if "... still one claim per user" eval '[ "$(claims)" = "home-alice home-bob " ]'

# What administrators see, and deleting a home.
# (The claim's name comes with the agent's answer to the start, which
# may arrive after the pod's watch said the session runs.)
alice_home() {
	api GET /api/v1/admin/homes "$admin" | cut -d' ' -f2- | /usr/bin/python3 -c 'import json, sys
h = json.load(sys.stdin)["homes"][0]
print(h["user"], h["namespace"], h.get("claim"), h["accessMode"], h["state"], *sorted(h["sessions"]))'
}
want="alice sessions home-alice ReadWriteMany ready $(printf '%s\n' "$s2" "$s3" | sort | paste -sd' ')"
ok_if "GET /api/v1/admin/homes: alice's home, its namespace, claim, mode, state and two sessions" \
    wait_until "$TEST_WAIT" eval '[ "$(alice_home)" = "$want" ]'
diag "$(alice_home)"
ok_if "users may not list homes: 403" eval '[ "$(api GET /api/v1/admin/homes "${tok[alice]}" | cut -d" " -f1)" = 403 ]'
r=$(api DELETE /api/v1/admin/homes/alice "$admin")
ok_if "deleting alice's home while her sessions mount it: 409 home_in_use" \
    eval '[ "${r%% *}" = 409 ] && [ "$(json error <<< "${r#* }")" = home_in_use ]'
ok_if "... naming them ($(json message <<< "${r#* }"))" grep -q "$s2 (running)" <<< "$(json message <<< "${r#* }")"
ok_if "... and nothing changed" eval \
    'kc get pvc home-alice > /dev/null && sql_is "SELECT count(*) FROM agent_commands WHERE command_type = '"'"'delete_home'"'"'" 0'
ssdctl show homes > "$T/homes.out"
ok_if "ssdctl show homes lists them: $(grep alice "$T/homes.out" | tr -s ' ')" \
    grep -Eq "^alice +sessions +home-alice +ReadWriteMany +ready +2$" "$T/homes.out"
ok_if "ssdctl home delete alice: refused the same way" eval '! ssdctl home delete alice 2> "$T/ctl.err" && grep -q "a session mounts the home" "$T/ctl.err"'
stopped "$s2" alice && stopped "$s3" alice
r=$(api DELETE /api/v1/admin/homes/alice "$admin")
ok_if "her sessions stopped: DELETE /api/v1/admin/homes/alice is 202, deleting" \
    eval '[ "${r%% *}" = 202 ] && [ "$(json state <<< "${r#* }")" = deleting ]'
ok_if "... kubectl: home-alice is gone, home-bob stays" wait_until "$TEST_WAIT" \
    eval '[ "$(claims)" = "home-bob " ]'
ok_if "... so are its files" wait_until "$TEST_WAIT" eval '! ls "$T"/ks/volumes/*/note 2> /dev/null'
ok_if "... it is no longer listed" wait_until "$TEST_WAIT" \
    eval '[ "$(api GET "/api/v1/admin/homes?user=alice" "$admin" | cut -d" " -f2- | json total)" = 0 ]'
ok_if "... audited: who deleted which home where, by which agent" \
    sql_is "SELECT count(*) FROM audit_log WHERE action = 'home delete' AND resource_id = 'alice' AND user_id = 'admin' AND changes->>'namespace' = 'sessions' AND changes ? 'agent'" 1
s4=$(started alice)
out=$(home "$s4" alice "SIM-GET /home/headless/note")
ok_if "alice's next session gets a new, empty home ($out)" [ "$out" = SIM-NONE ]
stopped "$s4" alice
ok_if "ssdctl home delete alice: audited too" eval \
    'ssdctl home delete alice | grep -q "is being deleted" && wait_until "$TEST_WAIT" eval "[ \"\$(claims)\" = \"home-bob \" ]" && sql_is "SELECT count(*) FROM audit_log WHERE action = '"'"'home delete'"'"' AND changes->>'"'"'via'"'"' = '"'"'ssdctl'"'"'" 1'
r=$(api DELETE /api/v1/admin/homes/nobody "$admin")
ok_if "a user without a home: 404" [ "${r%% *}" = 404 ]

# Opting out, and the quota.
c1=$(started carol ',"persistentHome":false')
ok_if "persistentHome false: a session without a home" eval \
    '[ -n "$c1" ] && [ -z "$(kc get pods -l "session=$c1" -o jsonpath="{.spec.volumes[*].persistentVolumeClaim}")" ] && ! kc get pvc home-carol 2> /dev/null'
psql -qAt -c "INSERT INTO user_quotas (user_id, max_storage) SELECT id, '1Gi' FROM users WHERE username = 'carol'" > /dev/null
r=$(create carol ',"homeSize":"2Gi"')
ok_if "a home larger than the storage quota: 400 naming homeSize" \
    eval '[ "${r%% *}" = 400 ] && [ "$(json field <<< "${r#* }")" = homeSize ]'
ok_if "... nothing written" sql_is "SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = 'carol'" 1
r=$(create carol ',"homeSize":"-1Gi"')
ok_if "a negative size: 400 naming homeSize ($(json message <<< "${r#* }"))" \
    eval '[ "${r%% *}" = 400 ] && [ "$(json field <<< "${r#* }")" = homeSize ]'
c2=$(started carol)
ok_if "without homeSize her home is home_size cut to her quota: 1Gi" \
    eval '[ "$(kc get pvc home-carol -o jsonpath={.spec.resources.requests.storage})" = 1Gi ]'

# ReadWriteOnce: one live session per user and namespace.
echo "home_access_mode = ReadWriteOnce" >> "$T/ssd.conf"
ok_if "ssdctl reload: home_access_mode = ReadWriteOnce" ssdctl reload
d1=$(started dave)
ok_if "dave's home is ReadWriteOnce" eval \
    '[ "$(kc get pvc home-dave -o jsonpath={.spec.accessModes[0]})" = ReadWriteOnce ]'
r=$(create dave)
ok_if "a second session of dave: 409 home_in_use, not a pod stuck waiting" \
    eval '[ "${r%% *}" = 409 ] && [ "$(json error <<< "${r#* }")" = home_in_use ] && grep -q "$d1" <<< "$(json message <<< "${r#* }")"'
ok_if "... nothing written" sql_is "SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = 'dave'" 1
api PUT "/api/v1/sessions/$d1/hibernate" "${tok[dave]}" > /dev/null
wait_until "$TEST_WAIT" state_is "$d1" hibernated
r=$(create dave)
ok_if "... also while the first is hibernated (it mounts it again when woken)" [ "${r%% *}" = 409 ]
stopped "$d1" dave
d2=$(started dave)
ok_if "... and once it is deleted, a new one mounts the home" [ -n "$d2" ]
r=$(create carol)
ok_if "carol's home stays ReadWriteMany: the setting is for new homes" [ "${r%% *}" = 202 ]

ok_if "the agents logged no sanitizer or fatal errors" \
    sh -c "! grep -Eq 'ERROR: (Address|Leak|Undefined)|runtime error|fatal' '$T'/agent-*.log"
[ "$TAP_FAILED" = 0 ] || { echo "# --- agent logs ---"; tail -n 30 "$T"/agent-*.log | sed 's/^/# /'; }
finish
