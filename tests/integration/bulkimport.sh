#!/bin/bash
# bulkimport.sh - POST /api/v1/sessions/bulk-import (issue 16): a
# StreamSpace v1.x installation's sessions, as `kubectl get sessions -o
# json` prints them and in the seeds' converted form, become hibernated
# sessions with no agent for their users and templates; each item's
# outcome (created, or skipped and why); nothing written twice on a second
# import; one item the database refuses costs only that item; bounded;
# audited; waking one places it on an agent.  Real PostgreSQL.  TAP.
. "$top_srcdir/tests/integration/lib.sh"

export JWT_SECRET=0123456789abcdef0123456789abcdef-import
export ADMIN_PASSWORD=admin-password-for-import
ok_if "PostgreSQL starts" pg_up
[ -n "${PGHOST:-}" ] && ok_if "ssd starts (bulk_import_max 8)" ssd_start "bulk_import_max = 8"
[ -n "$SSD_PID" ] || finish

login() { json token <<< "$(api POST /api/v1/auth/login "" "{\"username\":\"$1\",\"password\":\"$2\"}" | cut -d' ' -f2-)"; }
code() { echo "${1%% *}"; }
body() { cut -d' ' -f2- <<< "$1"; }
ADM=$(login admin "$ADMIN_PASSWORD")
api POST /api/v1/users "$ADM" '{"username":"alice","password":"alice-password"}' > /dev/null
ALICE=$(login alice alice-password)
ssdctl template import "$top_srcdir/contrib/templates/firefox.yaml" > /dev/null

# The export: a Kubernetes List, as kubectl prints it (with the fields
# kubectl adds), and flat items as the seeds' conversion writes them.
kitem() {	# NAME USER TEMPLATE STATE [creationTimestamp]
	printf '{"apiVersion":"stream.space/v1alpha1","kind":"Session","metadata":{"name":"%s","namespace":"streamspace","uid":"uid-%s","creationTimestamp":"%s","resourceVersion":"42","managedFields":[{"manager":"streamspace-api"}]},"spec":{"user":"%s","template":"%s","state":"%s","resources":{"memory":"2Gi","cpu":"1000m"},"persistentHome":true,"idleTimeout":"30m","tags":["web"]},"status":{"phase":"Running","podName":"%s-pod","url":"http://10.42.1.5:3000"}}' \
	    "$1" "$1" "${5:-2025-11-21T12:34:56Z}" "$2" "$3" "$4" "$1"
}
items=(
	"$(kitem alice-firefox-a1b2c3d4 alice firefox running)"
	'{"name":"alice-firefox-0badcafe","user":"alice","template":"firefox","state":"hibernated","persistentHome":false,"createdAt":"2025-11-20T08:00:00Z"}'
	"$(kitem alice-firefox-deadbeef alice firefox terminated)"
	"$(kitem nobody-firefox-00000001 nobody firefox running)"
	"$(kitem alice-gimp-00000002 alice gimp running)"
	"$(kitem Alice-Bad alice firefox running)"
	"$(kitem alice-firefox-feb30000 alice firefox running 2025-02-30T10:00:00Z)"
	"$(kitem alice-firefox-a1b2c3d4 alice firefox running)"
)
list=$(IFS=,; echo "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[${items[*]}]}")
# outcome BODY: "status[:reason word]" per item, in order.
outcome() {
	body "$1" | /usr/bin/python3 -c 'import json, sys
d = json.load(sys.stdin)
print(d["created"], d["skipped"], " ".join(r["status"] + (":" + r["reason"].split()[0] if "reason" in r else "") for r in d["results"]))'
}

r=$(api POST /api/v1/sessions/bulk-import "$ALICE" "$list")
ok_if "a user may not import: 403" [ "$(code "$r")" = 403 ]
r=$(api POST /api/v1/sessions/bulk-import "$ADM" "$list")
ok_if "an administrator imports a kubectl List: 200" [ "$(code "$r")" = 200 ]
ok_if "... each item's outcome: created, created, terminated, no user, no template, bad name, refused date, exists" \
    [ "$(outcome "$r")" = "2 6 created created skipped:terminated skipped:no skipped:no skipped:the skipped:the skipped:a" ]
ok_if "... the reasons name what to do (ssdctl template import)" \
    grep -q 'no template gimp in ssd (ssdctl template import)' <<< "$r"
ok_if "... one the database refused (February 30) cost only itself" \
    grep -q '"name":"alice-firefox-feb30000","status":"skipped","reason":"the database refused it' <<< "$r"
ok_if "the sessions are alice's, hibernated, with no agent, as v1.x had them" \
    sql_is "SELECT string_agg(id || ':' || state || ':' || COALESCE(agent_id, '-') || ':' || template_name || ':' || COALESCE(memory, '-') || ':' || persistent_home || ':' || (platform_metadata->>'source') || ':' || (platform_metadata->>'v1State'), ' ' ORDER BY id) FROM sessions" \
    "alice-firefox-0badcafe:hibernated:-:firefox:-:false:v1.x:hibernated alice-firefox-a1b2c3d4:hibernated:-:firefox:2Gi:true:v1.x:running"
ok_if "... keeping v1.x's creation time and tags" \
    sql_is "SELECT created_at || ' ' || tags::text FROM sessions WHERE id = 'alice-firefox-a1b2c3d4'" "2025-11-21 12:34:56 {web}"
listed=$(api GET /api/v1/sessions "$ALICE")
ok_if "alice sees both, marked legacy" \
    [ "$(body "$listed" | /usr/bin/python3 -c 'import json, sys; print(sorted((s["id"], s["legacy"]) for s in json.load(sys.stdin)["sessions"]))')" = "[('alice-firefox-0badcafe', True), ('alice-firefox-a1b2c3d4', True)]" ]
ok_if "each created session is audited, and the request" \
    sql_is "SELECT (SELECT string_agg(resource_id || ':' || (changes->>'user'), ' ' ORDER BY resource_id) FROM audit_log WHERE action = 'import session') || ' ' || (SELECT count(*) FROM audit_log WHERE action = 'POST /api/v1/sessions/bulk-import' AND changes->>'status' = '200')" \
    "alice-firefox-0badcafe:alice alice-firefox-a1b2c3d4:alice 1"

# Again: nothing new, nothing changed.
before=$(psql -qAt -c "SELECT md5(string_agg(s::text, '' ORDER BY id)) FROM sessions s")
r=$(api POST /api/v1/sessions/bulk-import "$ADM" "$list")
ok_if "importing again creates nothing: those there are skipped as existing" \
    [ "$(outcome "$r")" = "0 8 skipped:a skipped:a skipped:terminated skipped:no skipped:no skipped:the skipped:the skipped:a" ]
ok_if "... and no session changed" \
    sql_is "SELECT md5(string_agg(s::text, '' ORDER BY id)) FROM sessions s" "$before"

# The converted form as a bare array; what is not a list of sessions.
r=$(api POST /api/v1/sessions/bulk-import "$ADM" '[{"id":"alice-firefox-00000003","user":"alice","template":"firefox"}]')
ok_if "a bare array of flat items (no state: running): created" \
    [ "$(outcome "$r")" = "1 0 created" ]
r=$(api POST /api/v1/sessions/bulk-import "$ADM" "[$(printf '{},%.0s' 1 2 3 4 5 6 7 8){}]")
ok_if "more items than bulk_import_max: 413, nothing written" \
    eval '[ "$(code "$r")" = 413 ] && grep -q bulk_import_max <<< "$r"'
for bad in '{"kind":"Session"}' '"x"' '{"items":{}}' '[' 'null'; do
	r=$(api POST /api/v1/sessions/bulk-import "$ADM" "$bad")
	[ "$(code "$r")" = 400 ] || echo "$bad: $r" >> "$T/bad"
done
ok_if "not a list of sessions (an object, a string, bad JSON): 400" [ ! -s "$T/bad" ]
r=$(api POST /api/v1/sessions/bulk-import "$ADM" '[1, "x", [], {"metadata":{"name":"n"}}]')
ok_if "items that are not sessions: each skipped, saying why" \
    [ "$(outcome "$r")" = "0 4 skipped:not skipped:not skipped:not skipped:metadata" ]

# Placed on an agent when woken.
psql -qAt -c "INSERT INTO agents (agent_id, platform, status, last_heartbeat) VALUES ('k8s-imp', 'kubernetes', 'online', now())" > /dev/null
r=$(api PUT /api/v1/sessions/alice-firefox-0badcafe/wake "$ALICE")
ok_if "alice wakes an imported session: placed on the agent, pending" \
    eval '[ "$(code "$r")" = 202 ] && [ "$(body "$r" | json agentId)" = k8s-imp ] && [ "$(body "$r" | json state)" = pending ]'
ok_if "... its start_session carries its own id, the template and its v1.x resources" \
    sql_is "SELECT payload->>'sessionId' || ' ' || (payload#>>'{template,metadata,name}') || ' ' || (payload#>>'{resources,memory}') || ' ' || (payload->>'persistentHome') FROM agent_commands WHERE session_id = 'alice-firefox-0badcafe' AND command_type = 'start_session'" \
    "alice-firefox-0badcafe firefox 2Gi false"
ok_if "ssd-api never answered 500" bash -c "! grep -q -- '-> 500' '$T/ssd.log'"
finish
