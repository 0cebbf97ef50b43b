#!/bin/bash
# upgrade.sh - ssd -M from every starting point (issue 16): an empty
# database; one that ssd's migrations 0001..0007 made (tests/upgrade/
# ssd-0007.sql); the real StreamSpace v1.x schema with rows in it; the
# same after the seeds' own v2.0 SQL was run by hand (tests/upgrade/
# v2.0-agents.sql).  Each upgrades, a second ssd -M changes nothing and
# v1.x's rows are kept.  The v1.x schema is reference data outside the
# source tree (ssd-upgrade(7)): without it those parts are skipped.  TAP.
. "$top_srcdir/tests/integration/lib.sh"

ok_if "a throwaway PostgreSQL starts" pg_up
[ -n "${PGHOST:-}" ] || finish
. "$top_srcdir/tests/upgrade/lib.sh"

# --- an empty database --------------------------------------------------------
newdb fresh
ok_if "an empty database: ssd -M migrates it" migrate fresh
ok_if "... a second ssd -M changes nothing" twice fresh
schema_norm fresh > "$T/fresh.schema"

# --- a database ssd migrated before (0001..0007) -----------------------------
newdb old
psql -X -q -v ON_ERROR_STOP=1 -d old -f "$fixtures/ssd-0007.sql" > /dev/null
ok_if "an ssd database at 0007: ssd -M upgrades it" migrate old
ok_if "... to the schema of a database made fresh" \
    eval 'schema_norm old > "$T/old.schema" && same "$T/fresh.schema" "$T/old.schema"'
ok_if "... and records nothing as there before ssd" \
    db_is old "SELECT count(*) FROM schema_preexisting" 0

[ -f "$v1schema" ] || { skip_one "the real StreamSpace v1.x schema" "$v1schema"; finish; }

# --- the real StreamSpace v1.x schema, with rows ------------------------------
ok_if "the real StreamSpace v1.x schema loads, with a v1.x installation's rows" v1db v1
v1hash_query v1 > "$T/v1hash.sql"
psql -qAt -d v1 -f "$T/v1hash.sql" > "$T/v1hash.before"
ok_if "... ($(wc -l < "$T/v1hash.before") tables)" [ "$(wc -l < "$T/v1hash.before")" -ge 86 ]
ok_if "StreamSpace v1.x: ssd -M upgrades it" migrate v1
ok_if "... keeping every row of every v1.x table as it was" \
    eval 'psql -qAt -d v1 -f "$T/v1hash.sql" > "$T/v1hash.after" && same "$T/v1hash.before" "$T/v1hash.after"'
ok_if "... a second ssd -M changes nothing" twice v1
ok_if "... has every column ssd uses, with its type (platform_controllers is v1.x's own)" \
    columns_cover fresh v1
ok_if "... and every unique key ssd's statements rely on" uniques_cover fresh v1
ok_if "... v1.x's sessions are marked as such, and have no agent" \
    db_is v1 "SELECT count(*) FROM sessions WHERE platform_metadata->>'source' = 'v1.x' AND agent_id IS NULL AND platform = 'kubernetes'" 3

# --- the same after the seeds' own v2.0 SQL ------------------------------------
ok_if "the v1.x schema after the seeds' v2.0 SQL, run by hand" guidedb guide
ok_if "... (which failed where it fails on v1.x: agent_commands, controller_type)" \
    eval 'grep -q "agent_commands_session_id_fkey" "$T/guide-guide.log" && grep -q "controller_type" "$T/guide-guide.log"'
psql -qAt -d guide -f "$T/v1hash.sql" > "$T/guidehash.before"
ok_if "seeds' v2.0 on v1.x: ssd -M upgrades it" migrate guide
ok_if "... keeping every row of every v1.x table" \
    eval 'psql -qAt -d guide -f "$T/v1hash.sql" > "$T/guidehash.after" && same "$T/guidehash.before" "$T/guidehash.after"'
ok_if "... a second ssd -M changes nothing" twice guide
ok_if "... has every column ssd uses, with its type" columns_cover fresh guide
ok_if "... the guide's UUID sessions.agent_id now names the agent" \
    db_is guide "SELECT agent_id FROM sessions WHERE id = 'bob-firefox-browser-0badcafe'" k8s-v2-migration
ok_if "... and references agents(agent_id) again" \
    refused guide "UPDATE sessions SET agent_id = 'nope'"

# --- a v1.x shape that cannot be adapted ---------------------------------------
v1db odd
psql -qAt -d odd -c "ALTER TABLE sessions ADD COLUMN tags TEXT" > /dev/null
ok_if "a v1.x sessions.tags of another type: ssd -M stops" eval '! migrate odd'
ok_if "... naming the table, the column and what to do" \
    grep -q 'migration 0001_core.sql failed, nothing of it applied: ERROR:  table sessions, column tags: is text where ssd needs ARRAY; convert it' "$T/migrate-odd.log"
ok_if "... having changed nothing" db_is odd "SELECT to_regclass('organizations') IS NULL AND NOT EXISTS (SELECT 1 FROM schema_migrations WHERE version = '0001_core')" t

# --- ssd on the upgraded v1.x database -------------------------------------------
export JWT_SECRET=0123456789abcdef0123456789abcdef-upgrade
export ADMIN_PASSWORD=admin-password-for-upgrade
export PGDATABASE=v1
# The seeds' environment: one variable under its 2.0 name, one retired.
export AGENT_HEARTBEAT_TIMEOUT=45s VNC_PROXY_ENABLED=true
ok_if "ssd runs on the upgraded v1.x database" ssd_start
[ -n "$SSD_PID" ] || finish
ok_if "the seeds' AGENT_HEARTBEAT_TIMEOUT sets agent_timeout (ssd -n)" \
    eval '"$top_builddir/ssd" -n -f "$T/ssd.conf" 2> /dev/null | grep -q "^agent_timeout = \"45s\" *# environment AGENT_HEARTBEAT_TIMEOUT$"'
ok_if "a retired one, VNC_PROXY_ENABLED, is named at start with what replaced it" \
    grep -q "environment VNC_PROXY_ENABLED is ignored: the VNC proxy, ssd-vncproxy, is always on" "$T/ssd.log"
unset AGENT_HEARTBEAT_TIMEOUT VNC_PROXY_ENABLED
ok_if "... and is ready (/ready: schema at its version)" wait_until "$TEST_WAIT" curl -sf "$SSD_URL/ready"
# login USER PASSWORD: the status; the token in $T/token.
login() {
	local out
	out=$(api POST /api/v1/auth/login "" "$(/usr/bin/python3 -c 'import json, sys
print(json.dumps({"username": sys.argv[1], "password": sys.argv[2]}))' "$1" "$2")")
	json token <<< "${out#* }" > "$T/token"
	echo "${out%% *}"
}
ok_if "v1.x's admin, who had no password, gets ADMIN_PASSWORD" \
    [ "$(login admin "$ADMIN_PASSWORD")" = 200 ]
ADM=$(cat "$T/token")
if [ -n "$BOB_HASH" ]; then
	ok_if "bob logs in with his v1.x password (bcrypt, made by python3-bcrypt)" \
	    [ "$(login bob "$BOB_PW")" = 200 ]
	BOB=$(cat "$T/token")
	ok_if "... his hash is yescrypt now; the bcrypt one is kept for the way back" \
	    wait_until "$TEST_WAIT" db_is v1 "SELECT left(password_hash, 3) || (v1_password_hash = '$BOB_HASH') FROM users WHERE username = 'bob'" '$y$true'
	ok_if "... he logs in again, checked against the new hash" \
	    [ "$(login bob "$BOB_PW")" = 200 ]
	ok_if "... a wrong password is refused" [ "$(login bob "$BOB_PW!")" = 401 ]
	login dave "$BOB_PW" > /dev/null
	wait_until "$TEST_WAIT" db_is v1 "SELECT v1_password_hash IS NOT NULL FROM users WHERE username = 'dave'" t
	api PATCH /api/v1/users/u-dave "$ADM" '{"password":"dave new password"}' > /dev/null
	ok_if "a password set in ssd forgets the v1.x hash it replaced (dave)" \
	    db_is v1 "SELECT v1_password_hash IS NULL AND left(password_hash, 3) = '\$y\$' FROM users WHERE username = 'dave'" t
else
	skip_one "a v1.x bcrypt user logs in" "python3-bcrypt missing (contrib/install-deps.sh test)"
fi
# members GROUP: "name:role ..." as the API lists them.
members() {
	api GET "/api/v1/groups/$1/members" "$ADM" | cut -d' ' -f2- |
	    /usr/bin/python3 -c 'import json, sys
print(" ".join(m["username"] + ":" + m["groupRole"] for m in json.load(sys.stdin)["members"]))'
}
ok_if "groups are kept: engineering, bob its owner, carol a member" \
    [ "$(members g-eng)" = "bob:owner carol:member" ]

# --- v1.x sessions ----------------------------------------------------------------
# Without python3-bcrypt bob's hash is not one: his token then comes
# from a password set by the administrator.
if [ -z "$BOB_HASH" ]; then
	api PATCH "/api/v1/users/$BOB_ID" "$ADM" '{"password":"bob new password"}' > /dev/null
	login bob "bob new password" > /dev/null
	BOB=$(cat "$T/token")
fi
run=bob-firefox-browser-a1b2c3d4
hib=bob-firefox-browser-0badcafe
code() { cut -d' ' -f1 <<< "$1"; }
field() { cut -d' ' -f2- <<< "$1" | json "$2"; }
# listed SESSIONS-JSON: "id:state:legacy ..." in the list's order.
listed() {
	cut -d' ' -f2- <<< "$1" | /usr/bin/python3 -c 'import json, sys
print(" ".join("%s:%s:%s" % (s["id"], s["state"], json.dumps(s["legacy"])) for s in json.load(sys.stdin)["sessions"]))'
}
r=$(api GET /api/v1/sessions "$BOB")
ok_if "bob's v1.x sessions are listed for him, marked legacy" \
    [ "$(listed "$r" | tr ' ' '\n' | sort | tr '\n' ' ')" = "$hib:hibernated:true $run:running:true bob-firefox-browser-deadbeef:terminated:true " ]
r=$(api POST "/api/v1/sessions/$run/viewer-ticket" "$BOB")
ok_if "viewing one: 409 legacy_session, saying why and what to do" \
    eval '[ "$(code "$r")" = 409 ] && [ "$(field "$r" error)" = legacy_session ] && field "$r" message | grep -q "StreamSpace v1.x.*delete it"'
r=$(curl -s --max-time 10 -o "$T/vnc.out" -w '%{http_code}' -H 'Connection: Upgrade' \
    -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' \
    -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' -H "Authorization: Bearer $BOB" \
    "$SSD_URL/api/v1/vnc/$run")
ok_if "... its VNC WebSocket too: 409 legacy_session" \
    eval '[ "$r" = 409 ] && grep -q legacy_session "$T/vnc.out"'
r=$(api PUT "/api/v1/sessions/$run/hibernate" "$BOB")
ok_if "hibernating it: 409 legacy_session" [ "$(code "$r")" = 409 ]
r=$(api PUT "/api/v1/sessions/$run/wake" "$BOB")
ok_if "waking a running one: 409 legacy_session (only a hibernated one can be placed)" \
    eval '[ "$(code "$r")" = 409 ] && [ "$(field "$r" error)" = legacy_session ]'
ok_if "... and it is still as it was" db_is v1 "SELECT state || (agent_id IS NULL) FROM sessions WHERE id = '$run'" runningtrue

# An agent that may take sessions, and the template, for creates and wakes.
sed 's/^  name: firefox$/  name: firefox-browser/' "$top_srcdir/contrib/templates/firefox.yaml" > "$T/ffb.yaml"
ssdctl template import "$T/ffb.yaml" > /dev/null
agent_up() { psql -qAt -c "INSERT INTO agents (agent_id, platform, status, last_heartbeat) VALUES ('k8s-up', 'kubernetes', 'online', now()) ON CONFLICT (agent_id) DO UPDATE SET last_heartbeat = now()" > /dev/null; }
agent_up
r=$(api POST /api/v1/sessions "$BOB" '{"template":"firefox-browser"}')
ok_if "bob creates a session: his two live v1.x sessions do not count against his quota of 2 (got $(code "$r"))" \
    [ "$(code "$r")" = 202 ]
agent_up
r=$(api PUT "/api/v1/sessions/$hib/wake" "$BOB")
ok_if "waking the hibernated v1.x session places it on an agent (got $(code "$r"))" \
    eval '[ "$(code "$r")" = 202 ] && [ "$(field "$r" agentId)" = k8s-up ] && [ "$(field "$r" state)" = pending ] && [ "$(field "$r" legacy)" = false ]'
ok_if "... with a start_session for its own id and template" \
    db_is v1 "SELECT count(*) FROM agent_commands WHERE session_id = '$hib' AND command_type = 'start_session' AND payload->>'sessionId' = '$hib' AND payload#>>'{template,metadata,name}' = 'firefox-browser' AND payload->>'persistentHome' = 'true'" 1
agent_up
r=$(api POST /api/v1/sessions "$BOB" '{"template":"firefox-browser"}')
ok_if "... which counts now: a third session is over bob's quota (v1.x's user_quotas)" \
    eval '[ "$(code "$r")" = 403 ] && [ "$(field "$r" error)" = quota_exceeded ]'
r=$(api DELETE "/api/v1/sessions/$run" "$BOB")
ok_if "deleting the running v1.x session ends it at once" \
    eval '[ "$(code "$r")" = 202 ] && [ "$(field "$r" state)" = terminated ]'
ok_if "... without a command to any agent" \
    db_is v1 "SELECT count(*) FROM agent_commands WHERE session_id = '$run'" 0

# --- back to v1.x: ssdctl migrate down on the running ssd --------------------------
api POST /api/v1/users "$ADM" '{"username":"zed","password":"zed-password"}' > /dev/null
applied=$(psql -qAt -c "SELECT count(*) || ' ' || max(version) FROM schema_migrations")
r=$(ssdctl migrate down 0 2>&1)
ok_if "ssdctl migrate down 0: refused while bob's sessions run on an agent (table sessions, column agent_id)" \
    grep -q "0002_agents.down.sql failed, nothing reverted: ERROR:  table sessions, column agent_id: 2 session(s) still run on agents" <<< "$r"
ok_if "... and nothing is reverted" db_is v1 "SELECT count(*) || ' ' || max(version) FROM schema_migrations" "$applied"
# What an agent reports once it has stopped them.
psql -qAt -c "UPDATE sessions SET state = 'terminated' WHERE agent_id IS NOT NULL" > /dev/null
r=$(ssdctl migrate down 0 2>&1)
ok_if "then: refused while zed, made in ssd, has no email (table users, column email)" \
    grep -q "table users, column email: 1 row(s) hold NULL.*give 'zed' an email address" <<< "$r"
api PATCH "/api/v1/users/$(psql -qAt -c "SELECT id FROM users WHERE username = 'zed'")" "$ADM" '{"email":"zed@example.org"}' > /dev/null
r=$(ssdctl migrate down 0 2>&1)
ok_if "then every migration is reverted" grep -q "^${applied%% *} migrations reverted" <<< "$r"
ok_if "... naming the users whose passwords v1.x cannot check (set in ssd)" \
    grep -q "WARNING:  users admin, dave, zed: their passwords were set in ssd" <<< "$r"
not_ready() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$SSD_URL/ready")" = 503 ]; }
ok_if "... and the running ssd is no longer ready (/ready 503: schema not at its version)" \
    eval 'not_ready && curl -s "$SSD_URL/ready" | grep -q "schema is not at version"'
ssdctl stop > /dev/null
wait "$SSD_PID"
SSD_PID=
if [ -n "$BOB_HASH" ]; then
	ok_if "bob has his v1.x bcrypt hash back: python3-bcrypt checks his password with it" \
	    /usr/bin/python3 -c 'import bcrypt, sys
sys.exit(0 if bcrypt.checkpw(sys.argv[1].encode(), sys.argv[2].encode()) else 1)' "$BOB_PW" \
	    "$(psql -qAt -c "SELECT password_hash FROM users WHERE username = 'bob'")"
fi
ok_if "v1.x's tables are v1.x's again (no ssd column in users or sessions)" \
    db_is v1 "SELECT count(*) FROM information_schema.columns WHERE table_name IN ('users', 'sessions') AND column_name IN ('org_id', 'agent_id', 'v1_password_hash', 'tags')" 0
ok_if "ssd -M brings the database up again" migrate v1
finish
