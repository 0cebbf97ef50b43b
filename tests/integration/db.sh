#!/bin/bash
# db.sh - ssd and a real PostgreSQL: migrations applied at start under the
# advisory lock and recorded, ssdctl migrate (status), /ready following the
# database through an outage, a failing migration leaving nothing behind
# and stopping ssd, two instances migrating one database at once.  TAP.
. "$top_srcdir/tests/integration/lib.sh"

ok_if "a throwaway PostgreSQL starts" pg_up
[ -n "${PGHOST:-}" ] || finish
ok_if "ssd starts and migrates the empty database" ssd_start
[ -n "$SSD_PID" ] || finish
nmig=0
for f in "$top_srcdir"/schema/[0-9][0-9][0-9][0-9]_*.sql; do
	case $f in *.down.sql) continue ;; esac
	m=$(basename "$f" .sql)
	nmig=$((nmig + 1))
	ok_if "migration $m applied at start" grep -q "migration $m applied" "$T/ssd.log"
done
last=$m
ok_if "the last migration ($last) is the version ssd expects" \
    grep -q "SSD_SCHEMA_VERSION.*\"$last\"" "$top_srcdir/common/proto.h"
out=$(ssdctl migrate status)
ok_if "ssdctl migrate status lists all $nmig as applied" \
    [ "$(grep -c ' applied$' <<< "$out")" = "$nmig" ]
out=$(ssdctl migrate)
ok_if "ssdctl migrate again: nothing to do ($out)" grep -q '^0 migrations applied' <<< "$out"
n=$(psql -qAt -c "SELECT count(*) FROM schema_migrations")
ok_if "schema_migrations holds $nmig rows (got $n)" [ "$n" = "$nmig" ]
ok_if "/ready is 200 once the pools are up" wait_until 10 curl -sf "$SSD_URL/ready"

# The database goes away and comes back.
pg_halt "$T/pg"
not_ready() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$SSD_URL/ready")" = 503 ]; }
ok_if "database down: /ready turns 503" wait_until 10 not_ready
ok_if "... naming the database" grep -q '"reason":"database' <<< "$(curl -s "$SSD_URL/ready")"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' "$SSD_URL/api/v1/auth/login" \
    -d '{"username":"a","password":"b"}')
ok_if "database down: a login gets 503 (got $code)" [ "$code" = 503 ]
ok_if "PostgreSQL comes back" pg_restart "$T/pg"
ok_if "database back: /ready is 200 again" wait_until 15 curl -sf "$SSD_URL/ready"
ssd_stop

# A migration that fails: nothing of it stays, and ssd does not start.
mkdir -p "$T/schema"
cp "$top_srcdir"/schema/*.sql "$T/schema/"
cat > "$T/schema/0099_broken.sql" <<'SQL'
CREATE TABLE half_done (a int);
SELECT no_such_column FROM users;
SQL
sed -i "s|^schema_dir = .*|schema_dir = $T/schema|" "$T/ssd.conf"
out=$("$top_builddir/ssd" -M -d -f "$T/ssd.conf" 2>&1)
rc=$?
ok_if "ssd -M with a broken migration exits 1 (got $rc)" [ "$rc" = 1 ]
ok_if "... saying which and why" grep -q 'migration 0099_broken.sql failed.*no_such_column' <<< "$out"
ok_if "... and none of it is in the database" \
    [ "$(psql -qAt -c "SELECT to_regclass('half_done') IS NULL AND NOT EXISTS (SELECT 1 FROM schema_migrations WHERE version = '0099_broken')")" = t ]
"$top_builddir/ssd" -d -f "$T/ssd.conf" > "$T/broken.log" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q 'not starting' "$T/broken.log"
ok_rc "ssd does not start on a failing migration (exit $rc)" $?

# Two control planes migrating one fresh database at once.
psql -qAt -U postgres -d postgres -c "CREATE DATABASE fresh OWNER ssd" > /dev/null
cp "$T/ssd.conf" "$T/fresh.conf"
sed -i -e "s|^schema_dir = .*|schema_dir = $top_srcdir/schema|" \
    -e "s|^db_name = .*|db_name = fresh|" "$T/fresh.conf"
"$top_builddir/ssd" -M -d -f "$T/fresh.conf" > "$T/m1.log" 2>&1 & p1=$!
"$top_builddir/ssd" -M -d -f "$T/fresh.conf" > "$T/m2.log" 2>&1 & p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
[ "$r1" = 0 ] && [ "$r2" = 0 ]
ok_rc "two concurrent ssd -M both succeed ($r1, $r2)" $?
n=$(psql -qAt -d fresh -c "SELECT count(*) FROM schema_migrations")
ok_if "... and each migration was applied once (rows: $n)" [ "$n" = "$nmig" ]
applied=$(cat "$T/m1.log" "$T/m2.log" | grep -c 'migration .* applied')
ok_if "... by one of them ($applied 'applied' lines)" [ "$applied" = "$nmig" ]

# A v1.x-like database: 0001 only, with data; the rest keeps the rows.
psql -qAt -U postgres -d postgres -c "CREATE DATABASE v1 OWNER ssd" > /dev/null
psql -qAt -d v1 -v ON_ERROR_STOP=1 -f "$top_srcdir/schema/0001_core.sql" > /dev/null
psql -qAt -d v1 -c "INSERT INTO users (id, username, role) VALUES ('u1', 'olduser', 'user');
    INSERT INTO sessions (id, user_id, template_name, state) VALUES ('old-1', 'u1', 'firefox', 'running')" > /dev/null
sed -e "s|^db_name = .*|db_name = v1|" "$T/fresh.conf" > "$T/v1.conf"
"$top_builddir/ssd" -M -d -f "$T/v1.conf" > "$T/v1.log" 2>&1
ok_if "migrating a v1.x-like database succeeds" [ $? = 0 ]
"$top_builddir/ssd" -M -d -f "$T/v1.conf" > "$T/v1b.log" 2>&1
ok_if "... twice" [ $? = 0 ]
[ "$(psql -qAt -d v1 -c "SELECT state || ',' || platform || ',' || (agent_id IS NULL) FROM sessions WHERE id = 'old-1'")" = "running,kubernetes,true" ]
ok_rc "... keeping its rows, now with the v2 columns" $?
finish
