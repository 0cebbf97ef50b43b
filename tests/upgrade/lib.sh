# lib.sh - databases for the upgrade tests (upgrade.sh, downgrade.sh),
# sourced after tests/integration/lib.sh and pg_up: the starting points
# (an empty database, the real StreamSpace v1.x schema with an
# installation's rows, the same after the seeds' v2.0 SQL), ssd -M and
# ssd -D against one, and comparisons of schemas and rows.

fixtures=$top_srcdir/tests/upgrade
v1schema=$(reference_file streamspace-v1.x-schema.sql)
export PGOPTIONS='-c client_min_messages=warning'

# newdb NAME: an empty database owned by ssd.
newdb() {
	psql -qAt -U postgres -d postgres -c "DROP DATABASE IF EXISTS $1" \
	    -c "CREATE DATABASE $1 OWNER ssd" > /dev/null
}

# migrate DB [ssd options]: ssd -M (or the options: -D VERSION) against
# it; the output goes to $T/migrate-DB.log.
migrate() {
	local db=$1
	shift
	{
		echo "db_host = $PGHOST"
		echo "db_port = $PGPORT"
		echo "db_name = $db"
		echo "db_user = $PGUSER"
		echo "schema_dir = ${SCHEMA_DIR:-$top_srcdir/schema}"
		echo "control_socket = $T/m.sock"
	} > "$T/m-$db.conf"
	[ $# -gt 0 ] || set -- -M
	"$top_builddir/ssd" "$@" -d -f "$T/m-$db.conf" >> "$T/migrate-$db.log" 2>&1
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

# guidedb DB: v1db, then the seeds' v2.0 SQL as an operator would run it
# (psql goes on after each error), then an agent in the guide's shape
# that one session runs on.
guidedb() {
	v1db "$1" || return 1
	psql -X -q -d "$1" -f "$fixtures/v2.0-agents.sql" > "$T/guide-$1.log" 2>&1
	psql -X -q -v ON_ERROR_STOP=1 -d "$1" > /dev/null <<'SQL'
INSERT INTO agents (agent_id, platform, status) VALUES ('k8s-v2-migration', 'kubernetes', 'offline');
UPDATE sessions SET agent_id = (SELECT id FROM agents) WHERE id = 'bob-firefox-browser-0badcafe';
SQL
}
