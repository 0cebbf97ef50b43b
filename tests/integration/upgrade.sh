#!/bin/bash
# upgrade.sh - ssd -M from every starting point (issue 16): an empty
# database; one that ssd's migrations 0001..0007 made (tests/upgrade/
# ssd-0007.sql); the real StreamSpace v1.x schema with rows in it; the
# same after the seeds' own v2.0 SQL was run by hand (tests/upgrade/
# v2.0-agents.sql).  Each upgrades, a second ssd -M changes nothing and
# v1.x's rows are kept.  The v1.x schema is reference data outside the
# source tree (ssd-upgrade(7)): without it those parts are skipped.  TAP.
. "$top_srcdir/tests/integration/lib.sh"

fixtures=$top_srcdir/tests/upgrade
v1schema=$(reference_file streamspace-v1.x-schema.sql)
ok_if "a throwaway PostgreSQL starts" pg_up
[ -n "${PGHOST:-}" ] || finish
export PGOPTIONS='-c client_min_messages=warning'

# newdb NAME: an empty database owned by ssd.
newdb() {
	psql -qAt -U postgres -d postgres -c "DROP DATABASE IF EXISTS $1" \
	    -c "CREATE DATABASE $1 OWNER ssd" > /dev/null
}

# migrate DB: ssd -M against it; the output goes to $T/migrate-DB.log.
migrate() {
	{
		echo "db_host = $PGHOST"
		echo "db_port = $PGPORT"
		echo "db_name = $1"
		echo "db_user = $PGUSER"
		echo "schema_dir = $top_srcdir/schema"
		echo "control_socket = $T/m.sock"
	} > "$T/m-$1.conf"
	"$top_builddir/ssd" -M -d -f "$T/m-$1.conf" >> "$T/migrate-$1.log" 2>&1
}

# dump DB [pg_dump options]: the database as text, without noise.
dump() {
	local db=$1
	shift
	"$PG_BIN/pg_dump" --no-owner --no-privileges "$@" -d "$db" |
	    grep -v -e '^--' -e '^$' -e '^\\'
}

# schema_norm DB: its schema as a dump reloaded and dumped again reads, so
# that one loaded from a dump (ssd-0007.sql) compares with a made one.
schema_norm() {
	newdb "norm_$1"
	dump "$1" --schema-only | psql -X -q -v ON_ERROR_STOP=1 -d "norm_$1" > /dev/null &&
	    dump "norm_$1" --schema-only
}

# db_is DB SQL VALUE: the query's answer in DB is VALUE.
db_is() {
	local got
	got=$(psql -qAt -v ON_ERROR_STOP=1 -d "$1" -c "$2") || return 1
	[ "$got" = "$3" ] || { echo "$2: got '$got', want '$3'"; return 1; }
}

# refused DB SQL: the statement fails on a foreign key.
refused() {
	psql -X -qAt -d "$1" -c "$2" 2>&1 | grep -q 'violates foreign key constraint'
}

# columns_cover A B: every column of A's tables is in B with the same
# type, nullable in B if it is in A (platform_controllers aside).
columns_cover() {
	local q="SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'platform_controllers'"
	psql -qAt -d "$1" -c "$q" | sort > "$T/cols.$1"
	psql -qAt -d "$2" -c "$q" | sed 's/ NO$/ YES/' | sort > "$T/cols.$2"
	sed 's/ NO$/ YES/' "$T/cols.$1" | sort | comm -23 - "$T/cols.$2" > "$T/cols.missing"
	[ ! -s "$T/cols.missing" ] || { cat "$T/cols.missing"; return 1; }
	# Where A forbids NULL, B may too; where A allows it, B must.
	grep ' YES$' "$T/cols.$1" | comm -23 - <(psql -qAt -d "$2" -c "$q" | sort) > "$T/cols.strict"
	[ ! -s "$T/cols.strict" ] || { cat "$T/cols.strict"; return 1; }
}

# uniques_cover A B: each unique index of A (table and columns) is in B.
uniques_cover() {
	local q="SELECT t.relname || '(' || (SELECT string_agg(a.attname, ',' ORDER BY k.o) FROM unnest(x.indkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.n) || ')' || COALESCE(' WHERE ' || pg_get_expr(x.indpred, x.indrelid), '') FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid WHERE t.relnamespace = 'public'::regnamespace AND x.indisunique AND t.relname <> 'platform_controllers'"
	comm -23 <(psql -qAt -d "$1" -c "$q" | sort) <(psql -qAt -d "$2" -c "$q" | sort) > "$T/uq.missing"
	[ ! -s "$T/uq.missing" ] || { cat "$T/uq.missing"; return 1; }
}

same() { diff -u "$1" "$2" > "$T/diff.out" || { cat "$T/diff.out"; return 1; }; }

# v1hash_query DB: a query hashing every table's rows as they are now,
# column by column (columns added later are not hashed).
v1hash_query() {
	psql -qAt -d "$1" -c "SELECT string_agg(q, ' UNION ALL ' ORDER BY t) FROM (
	    SELECT table_name AS t, format('SELECT %L, md5(COALESCE(string_agg(x::text, chr(10) ORDER BY x::text), %L)) FROM (SELECT %s FROM %I) x',
	        table_name, '', string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position), table_name) AS q
	    FROM information_schema.columns WHERE table_schema = 'public' GROUP BY table_name) y"
}

# twice DB: a second ssd -M applies nothing and changes nothing.
twice() {
	dump "$1" > "$T/$1.before" && migrate "$1" &&
	    grep -q '(0 migrations applied)' "$T/migrate-$1.log" &&
	    dump "$1" > "$T/$1.after" && same "$T/$1.before" "$T/$1.after"
}

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
# v1db DB: the v1.x schema as v1.x creates it, and a v1.x installation's
# rows: bob and dave (bcrypt password "$BOB_PW", made by python3-bcrypt when
# it is there), carol (no password), bob's quota, a group with its quota and members, his sessions
# (running, hibernated, terminated), a catalog template, an API key,
# audit rows, a notification.
BOB_ID=4f1e6c1a-0000-4000-8000-000000000001
BOB_PW='bob v1 password'
BOB_HASH=$(/usr/bin/python3 -c 'import bcrypt, sys
print(bcrypt.hashpw(sys.argv[1].encode(), bcrypt.gensalt(10, prefix=b"2a")).decode())' "$BOB_PW" 2> /dev/null)
v1db() {
	newdb "$1"
	psql -X -q -v ON_ERROR_STOP=1 -d "$1" -f "$v1schema" > /dev/null || return 1
	psql -X -q -v ON_ERROR_STOP=1 -d "$1" -v id="$BOB_ID" -v hash="${BOB_HASH:-x}" > /dev/null <<'SQL'
INSERT INTO users (id, username, email, full_name, role, password_hash)
    VALUES (:'id', 'bob', 'bob@example.org', 'Bob', 'user', :'hash'),
           ('u-carol', 'carol', 'carol@example.org', 'Carol', 'operator', NULL),
           ('u-dave', 'dave', 'dave@example.org', 'Dave', 'user', :'hash');
INSERT INTO user_quotas (user_id, max_sessions) VALUES (:'id', 2);
INSERT INTO groups (id, name, display_name, type) VALUES ('g-eng', 'engineering', 'Engineering', 'team');
INSERT INTO group_quotas (group_id, max_sessions) VALUES ('g-eng', 7);
INSERT INTO group_memberships (id, user_id, group_id, role)
    VALUES ('m-1', :'id', 'g-eng', 'owner'), ('m-2', 'u-carol', 'g-eng', 'member');
INSERT INTO catalog_templates (repository_id, name, display_name, manifest, tags)
    SELECT id, 'firefox-browser', 'Firefox', '{"spec":{"baseImage":"lscr.io/linuxserver/firefox:latest"}}', ARRAY['web']
    FROM repositories WHERE name = 'Official Templates';
INSERT INTO sessions (id, user_id, team_id, template_name, state, url, memory, cpu, persistent_home, idle_timeout, last_activity)
    VALUES ('bob-firefox-browser-a1b2c3d4', :'id', 'g-eng', 'firefox-browser', 'running', 'http://10.42.1.5:3000', '2Gi', '1000m', true, '30m', now()),
           ('bob-firefox-browser-0badcafe', :'id', NULL, 'firefox-browser', 'hibernated', NULL, '2Gi', '1000m', true, NULL, NULL),
           ('bob-firefox-browser-deadbeef', :'id', NULL, 'firefox-browser', 'terminated', NULL, NULL, NULL, false, NULL, NULL);
INSERT INTO connections (id, session_id, user_id, client_ip) VALUES ('c-1', 'bob-firefox-browser-a1b2c3d4', :'id', '192.0.2.7');
INSERT INTO api_keys (key_hash, key_prefix, name, user_id, scopes) VALUES ('$2a$10$notarealkeyhash', 'sk_abcd', 'ci', :'id', ARRAY['read']);
INSERT INTO audit_log (user_id, action, resource_type, resource_id) VALUES (:'id', 'login', 'users', :'id');
INSERT INTO notifications (id, user_id, type, title, message) VALUES ('n-1', :'id', 'info', 'Welcome', 'v1.x says hello');
SQL
}
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
guidedb() {
	v1db "$1" || return 1
	# As an operator would run it: psql goes on after each error.
	psql -X -q -d "$1" -f "$fixtures/v2.0-agents.sql" > "$T/guide-$1.log" 2>&1
	psql -X -q -v ON_ERROR_STOP=1 -d "$1" > /dev/null <<'SQL'
INSERT INTO agents (agent_id, platform, status) VALUES ('k8s-v2-migration', 'kubernetes', 'offline');
UPDATE sessions SET agent_id = (SELECT id FROM agents) WHERE id = 'bob-firefox-browser-0badcafe';
SQL
}
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
ok_if "ssd runs on the upgraded v1.x database" ssd_start
[ -n "$SSD_PID" ] || finish
ok_if "... and is ready (/ready: schema at its version)" wait_until 20 curl -sf "$SSD_URL/ready"
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
	    wait_until 20 db_is v1 "SELECT left(password_hash, 3) || (v1_password_hash = '$BOB_HASH') FROM users WHERE username = 'bob'" '$y$true'
	ok_if "... he logs in again, checked against the new hash" \
	    [ "$(login bob "$BOB_PW")" = 200 ]
	ok_if "... a wrong password is refused" [ "$(login bob "$BOB_PW!")" = 401 ]
	login dave "$BOB_PW" > /dev/null
	wait_until 20 db_is v1 "SELECT v1_password_hash IS NOT NULL FROM users WHERE username = 'dave'" t
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
finish
