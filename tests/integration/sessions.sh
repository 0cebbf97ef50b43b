#!/bin/bash
# sessions.sh - templates, sessions, agents and the audit trail over a
# real PostgreSQL: who may do what (user A, user B, operator, admin,
# anonymous, bad tokens), agent selection and the command written with
# the session, the state machine with 409s, quotas, hostile input that
# must be refused or round-trip exactly.  TAP output.
. "$top_srcdir/tests/integration/lib.sh"

export JWT_SECRET=0123456789abcdef0123456789abcdef-test
export ADMIN_PASSWORD=admin-password-for-tests
ok_if "PostgreSQL starts" pg_up
[ -n "${PGHOST:-}" ] && ok_if "ssd starts" ssd_start
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
[ -n "$admin" ] && [ -n "$A" ] && [ -n "$B" ] && [ -n "$O" ]
ok_rc "four users with tokens" $?

tpl='{"apiVersion":"stream.space/v1alpha1","kind":"Template","metadata":{"name":"firefox"},
 "spec":{"displayName":"Firefox","description":"Web \"browser\" \\ ü","category":"Web Browsers",
 "baseImage":"lscr.io/linuxserver/firefox:latest","defaultResources":{"memory":"2Gi","cpu":"1000m"},
 "ports":[{"name":"vnc","containerPort":3000}],"tags":["web","a\"b\\c"]}}'
r=$(api POST /api/v1/templates "$A" "$tpl")
ok_if "a user may not create templates: 403" [ "$(status "$r")" = 403 ]
r=$(api POST /api/v1/templates "$O" "$tpl")
ok_if "an operator creates a template from a Template document: 201" [ "$(status "$r")" = 201 ]
[ "$(json description <<< "$(body "$r")")" = 'Web "browser" \ ü' ] && \
    [ "$(json tags <<< "$(body "$r")")" = '["web", "a\"b\\c"]' ]
ok_rc "... whose strings round-trip exactly" $?
r=$(api POST /api/v1/templates "$O" "$tpl")
ok_if "the same name again: 409" [ "$(status "$r")" = 409 ]
r=$(api POST /api/v1/templates "$O" '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":{}}')
ok_if "not a Template document: 422" [ "$(status "$r")" = 422 ]
r=$(api POST /api/v1/templates "$O" '{"apiVersion":"stream.space/v1alpha1","kind":"Template","metadata":{"name":"Bad_Name"},"spec":{"baseImage":"x"}}')
ok_if "a name that is no DNS-1123 label: 422" [ "$(status "$r")" = 422 ]
r=$(api POST /api/v1/templates "$O" '{"apiVersion":"stream.space/v1alpha1","kind":"Template","metadata":{"name":"x"},"spec":{"baseImage":5}}')
ok_if "a field of the wrong type: 400" [ "$(status "$r")" = 400 ]
bad=""
for spec in '"baseImage":"x y"' '"baseImage":"x","icon":"javascript:alert(1)"' \
    '"baseImage":"x","ports":[{"containerPort":70000}]' \
    '"baseImage":"x","env":[{"name":"1X"}]' '"baseImage":"x","defaultResources":{"memory":"lots"}' \
    '"baseImage":"x","volumeMounts":[{"mountPath":"config"}]'; do
	r=$(api POST /api/v1/templates "$O" "{\"apiVersion\":\"stream.space/v1alpha1\",\"kind\":\"Template\",\"metadata\":{\"name\":\"x\"},\"spec\":{$spec}}")
	[ "$(status "$r")" = 422 ] && grep -q '"spec\.' <<< "$(body "$r")" || bad="$bad [$spec: $r]"
done
ok_if "an image, icon, port, variable, quantity or mount that an agent or browser would not take: 422 naming the field$bad" [ -z "$bad" ]
r=$(api PATCH /api/v1/templates/firefox "$O" '{"icon_url":"javascript:alert(1)"}')
ok_if "an icon that is no URL or path, by PATCH: 422" [ "$(status "$r")" = 422 ]
r=$(api GET /api/v1/templates "$A")
ok_if "users list templates" [ "$(json templates.0.name <<< "$(body "$r")")" = firefox ]
r=$(api PATCH /api/v1/templates/firefox "$O" '{"display_name":"Mozilla Firefox"}')
ok_if "an operator renames it" [ "$(json display_name <<< "$(body "$r")")" = "Mozilla Firefox" ]

# Sessions need an agent.
r=$(api POST /api/v1/sessions "$A" '{"template":"firefox"}')
[ "$(status "$r")" = 503 ] && \
    [ "$(json error <<< "$(body "$r")")" = no_agent_available ]
ok_rc "no agent online: 503 no_agent_available" $?
ok_if "... and nothing written" [ "$(psql -qAt -c 'SELECT (SELECT count(*) FROM sessions) + (SELECT count(*) FROM agent_commands)')" = 0 ]
psql -qAt -c "INSERT INTO agents (agent_id, platform, region, status, last_heartbeat, capacity)
    VALUES ('k8s-1', 'kubernetes', 'eu', 'online', now(), '{\"max_sessions\": 10}'),
           ('k8s-old', 'kubernetes', 'eu', 'online', now() - interval '1 hour', '{}'),
           ('k8s-new', 'kubernetes', 'us', 'online', now(), '{}')" > /dev/null
psql -qAt -c "UPDATE agents SET approval_status = 'pending' WHERE agent_id = 'k8s-new'" > /dev/null
r=$(api POST /api/v1/sessions "$A" '{"template":"firefox","tags":["x\"y"]}')
ok_if "usera creates a session: 202" [ "$(status "$r")" = 202 ]
sid=$(json id <<< "$(body "$r")")
ok_if "... on the only fresh, approved agent" [ "$(json agentId <<< "$(body "$r")")" = k8s-1 ]
[ "$(json state <<< "$(body "$r")")" = pending ] && [ "$(json user <<< "$(body "$r")")" = usera ] && \
    [ "$(json resources.memory <<< "$(body "$r")")" = 2Gi ]
ok_rc "... pending, owned by usera, with the template's resources" $?
ok_if "... with a DNS-1123 id ($sid)" grep -Eq '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$' <<< "$sid"
[ "$(psql -qAt -c "SELECT command_type || ',' || status || ',' || agent_id FROM agent_commands WHERE session_id = '$sid'")" = "start_session,pending,k8s-1" ]
ok_rc "... and a pending start_session command for k8s-1" $?
r=$(api POST /api/v1/sessions "$A" '{"template":"no-such"}')
ok_if "an unknown template: 404" [ "$(status "$r")" = 404 ]
r=$(api POST /api/v1/sessions "$B" "{\"template\":\"firefox\",\"user\":\"usera\"}")
ok_if "userb may not create sessions for usera: 403" [ "$(status "$r")" = 403 ]
r=$(api POST /api/v1/sessions "$A" '{"template":"firefox","persistentHome":"yes"}')
ok_if "a wrong type: 400" [ "$(status "$r")" = 400 ]
r=$(api POST /api/v1/sessions "$A" '{"template":"firefox","resources":{"memory":"lots"}}')
ok_if "a memory size that is no quantity: 400 naming it" \
    eval '[ "$(status "$r")" = 400 ] && grep -q "resources.memory" <<< "$(body "$r")"'

# Who sees what.
r=$(api GET "/api/v1/sessions/$sid" "$B")
ok_if "userb cannot see usera's session: 404" [ "$(status "$r")" = 404 ]
r=$(api GET /api/v1/sessions "$B")
ok_if "userb's list is empty" [ "$(json total <<< "$(body "$r")")" = 0 ]
for m in "DELETE /api/v1/sessions/$sid" "PUT /api/v1/sessions/$sid/hibernate" "PUT /api/v1/sessions/$sid/wake"; do
	r=$(api ${m% *} "${m#* }" "$B")
	ok_if "userb: $m is 404" [ "$(status "$r")" = 404 ]
done
r=$(api GET /api/v1/sessions "$O")
ok_if "the operator sees it" [ "$(json sessions.0.id <<< "$(body "$r")")" = "$sid" ]
r=$(api GET "/api/v1/sessions/$sid" "$A")
ok_if "usera sees it, tags intact" [ "$(json tags <<< "$(body "$r")")" = '["x\"y"]' ]

# The state machine.
r=$(api PUT "/api/v1/sessions/$sid/hibernate" "$A")
[ "$(status "$r")" = 409 ] && \
    [ "$(json state <<< "$(body "$r")")" = pending ]
ok_rc "hibernating a pending session: 409 with the state" $?
psql -qAt -c "UPDATE sessions SET state = 'running' WHERE id = '$sid'" > /dev/null
r=$(api PUT "/api/v1/sessions/$sid/hibernate" "$A")
[ "$(status "$r")" = 202 ] && [ "$(json state <<< "$(body "$r")")" = hibernating ]
ok_rc "running -> hibernating: 202" $?
r=$(api PUT "/api/v1/sessions/$sid/wake" "$A")
ok_if "waking a hibernating session: 409" [ "$(status "$r")" = 409 ]
psql -qAt -c "UPDATE sessions SET state = 'hibernated' WHERE id = '$sid'" > /dev/null
r=$(api PUT "/api/v1/sessions/$sid/wake" "$A")
ok_if "hibernated -> waking: 202" [ "$(json state <<< "$(body "$r")")" = waking ]
r=$(api DELETE "/api/v1/sessions/$sid" "$A")
ok_if "delete -> terminating: 202" [ "$(json state <<< "$(body "$r")")" = terminating ]
r=$(api DELETE "/api/v1/sessions/$sid" "$A")
ok_if "deleting again: 409" [ "$(status "$r")" = 409 ]
ok_if "each step queued its command, in order" \
    [ "$(psql -qAt -c "SELECT string_agg(command_type, ',' ORDER BY created_at) FROM agent_commands WHERE session_id = '$sid'")" = \
    "start_session,hibernate_session,wake_session,stop_session" ]

# Admins create for others; quotas.
r=$(api POST /api/v1/sessions "$admin" '{"template":"firefox","user":"userb"}')
[ "$(status "$r")" = 202 ] && [ "$(json user <<< "$(body "$r")")" = userb ]
ok_rc "the admin creates one for userb" $?
psql -qAt -c "INSERT INTO user_quotas (user_id, max_sessions) SELECT id, 1 FROM users WHERE username = 'userb'" > /dev/null
r=$(api POST /api/v1/sessions "$B" '{"template":"firefox"}')
[ "$(status "$r")" = 403 ] && [ "$(json error <<< "$(body "$r")")" = quota_exceeded ]
ok_rc "over quota: 403 quota_exceeded" $?

# Lists are cached; a change by another control plane (here: psql and
# NOTIFY, as ssd-hub and other instances do) shows at once.
api GET /api/v1/sessions "$O" > /dev/null
psql -qAt -c "UPDATE sessions SET region = 'elsewhere' WHERE id = '$sid'; NOTIFY ssd_sessions" > /dev/null
fresh() { grep -q elsewhere <<< "$(api GET /api/v1/sessions "$O")"; }
ok_if "a NOTIFY ssd_sessions refreshes cached lists" wait_until "$TEST_WAIT" fresh

# Agents and the audit trail: administrators only.
r=$(api GET /api/v1/agents "$A")
ok_if "a user may not list agents: 403" [ "$(status "$r")" = 403 ]
r=$(api GET "/api/v1/admin/agents?region=eu" "$admin")
ok_if "the admin lists agents by region" [ "$(json total <<< "$(body "$r")")" = 2 ]
r=$(api GET /api/v1/agents/k8s-1 "$admin")
ok_if "... and reads one, with its live sessions" [ "$(json sessions <<< "$(body "$r")")" = 2 ]
r=$(api GET "/api/v1/admin/audit?resource_type=sessions&limit=50" "$admin")
ok_if "the audit trail has the session changes" [ "$(json count <<< "$(body "$r")")" -ge 6 ]
r=$(api GET /api/v1/admin/audit "$O")
ok_if "an operator may not read it: 403" [ "$(status "$r")" = 403 ]
r=$(api DELETE /api/v1/agents/k8s-1 "$admin")
ok_if "the admin deletes an agent: 204" [ "$(status "$r")" = 204 ]
ok_if "... its sessions lose it" [ "$(psql -qAt -c "SELECT count(*) FROM sessions WHERE agent_id IS NULL")" = 2 ]

# The agent chosen: the least-loaded of the region asked for, else of no
# region when none was asked, else of any; never one at its max_sessions.
psql -qAt -c "UPDATE agents SET status = 'offline';
    INSERT INTO agents (agent_id, platform, region, status, last_heartbeat, capacity)
    VALUES ('pick-eu', 'kubernetes', 'eu', 'online', now(), '{\"max_sessions\": 1}'),
           ('pick-none', 'kubernetes', NULL, 'online', now(), '{}'),
           ('pick-us-1', 'kubernetes', 'us', 'online', now(), '{}'),
           ('pick-us-2', 'kubernetes', 'us', 'online', now(), '{}')" > /dev/null
picks=
for region in eu eu "" us us; do
	r=$(api POST /api/v1/sessions "$admin" "{\"template\":\"firefox\"${region:+,\"region\":\"$region\"}}")
	picks="$picks${picks:+ }$(json agentId <<< "$(body "$r")")"
done
ok_if "agents chosen by region, then load ($picks)" \
    [ "$picks" = "pick-eu pick-none pick-none pick-us-1 pick-us-2" ]
psql -qAt -c "UPDATE sessions SET state = 'failed' WHERE agent_id = 'pick-us-2'" > /dev/null
[ "$(psql -qAt -c "SELECT string_agg(agent_id || '=' || live_sessions, ' ' ORDER BY agent_id) FROM agents WHERE agent_id LIKE 'pick-%'")" = \
    "pick-eu=1 pick-none=2 pick-us-1=1 pick-us-2=0" ]
ok_rc "... each agent's live sessions counted as sessions come and go" $?

# Bad tokens on every protected route.
tok() { /usr/bin/python3 - "$@" <<'PY'
import base64, hashlib, hmac, json, sys, time
alg, key, exp = sys.argv[1], sys.argv[2].encode(), int(time.time()) + int(sys.argv[3])
b = lambda d: base64.urlsafe_b64encode(d).rstrip(b"=")
h = b(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode())
p = b(json.dumps({"user_id": "admin", "username": "admin", "role": "admin", "jti": "x" * 64,
    "iss": "streamspace-api", "exp": exp, "iat": 1}, separators=(",", ":")).encode())
d = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}[alg]
print((h + b"." + p + b"." + b(hmac.new(key, h + b"." + p, d).digest())).decode())
PY
}
good=$(tok HS256 "$JWT_SECRET" 600)
expired=$(tok HS256 "$JWT_SECRET" -10)
otherkey=$(tok HS256 "another key of 32 bytes or more!!" 600)
hs512=$(tok HS512 "$JWT_SECRET" 600)
r=$(api GET /api/v1/agents "$good")
ok_if "a forged-here token with the right key works (the test's own check)" [ "$(status "$r")" = 200 ]
leaks=
for route in "GET /api/v1/sessions" "POST /api/v1/sessions" "GET /api/v1/sessions/$sid" \
    "DELETE /api/v1/sessions/$sid" "PUT /api/v1/sessions/$sid/hibernate" "PUT /api/v1/sessions/$sid/wake" \
    "GET /api/v1/users" "POST /api/v1/users" "GET /api/v1/users/me" "PATCH /api/v1/users/me" \
    "DELETE /api/v1/users/x" "GET /api/v1/templates" "POST /api/v1/templates" "GET /api/v1/templates/firefox" \
    "PATCH /api/v1/templates/firefox" "DELETE /api/v1/templates/firefox" "GET /api/v1/agents" \
    "GET /api/v1/agents/k8s-new" "DELETE /api/v1/agents/k8s-new" "GET /api/v1/admin/audit"; do
	for t in "" "$expired" "$otherkey" "$hs512" "garbage.token.here"; do
		r=$(api ${route% *} "${route#* }" "$t" '{}')
		[ "$(status "$r")" = 401 ] || leaks="$leaks [$route with ${t:0:10}: $(status "$r")]"
	done
done
ok_if "anonymous, expired, other-key, HS512 and garbage tokens: 401 on all 20 routes${leaks:+ (leaks:$leaks)}" [ -z "$leaks" ]

# Hostile bodies.
printf '{"template":"firefox","tags":["\xff\xfe"]}' > "$T/bad-utf8"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $A" \
    -H 'Content-Type: application/json' --data-binary "@$T/bad-utf8" "$SSD_URL/api/v1/sessions")
ok_if "invalid UTF-8: 400 (got $code)" [ "$code" = 400 ]
head -c 900000 /dev/zero | tr '\0' a | sed 's/.*/{"template":"&"}/' > "$T/long"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $A" \
    -H 'Content-Type: application/json' --data-binary "@$T/long" "$SSD_URL/api/v1/sessions")
ok_if "a 900 kB field: 400 (got $code)" [ "$code" = 400 ]
r=$(api POST /api/v1/sessions "$A" '["not","an","object"]')
ok_if "a JSON array body: 400" [ "$(status "$r")" = 400 ]
r=$(api POST /api/v1/sessions "$A" '{"template":"fire\u0000fox"}')
[ "$(status "$r")" -ge 400 ] && [ "$(status "$r")" -lt 500 ]
ok_rc "a NUL in a string: 4xx" $?
ok_if "ssd-api never answered 500" bash -c "! grep -q -- '-> 500' '$T/ssd.log'"
finish
