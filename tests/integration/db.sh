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
for m in 0001_core 0002_agents 0003_ssd; do
	ok_if "migration $m applied at start" grep -q "migration $m applied" "$T/ssd.log"
done
out=$(ssdctl migrate status)
ok_if "ssdctl migrate status lists all three as applied" \
    [ "$(grep -c ' applied$' <<< "$out")" = 3 ]
out=$(ssdctl migrate)
ok_if "ssdctl migrate again: nothing to do ($out)" grep -q '^0 migrations applied' <<< "$out"
n=$(psql -qAt -c "SELECT count(*) FROM schema_migrations")
ok_if "schema_migrations holds 3 rows (got $n)" [ "$n" = 3 ]
ok_if "/ready is 200 once the pools are up" wait_until 10 curl -sf "$SSD_URL/ready"

# The database goes away and comes back.
pg_halt "$T/pg"
not_ready() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$SSD_URL/ready")" = 503 ]; }
ok_if "database down: /ready turns 503" wait_until 10 not_ready
ok_if "... naming the database" grep -q '"reason":"database' <<< "$(curl -s "$SSD_URL/ready")"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$SSD_URL/api/v1/auth/login" \
    -d '{"username":"a","password":"b"}')
ok_if "database down: a login gets 503 (got $code)" [ "$code" = 503 ]
pg_restart "$T/pg"
ok_if "database back: /ready is 200 again" wait_until 15 curl -sf "$SSD_URL/ready"
ssd_stop

# A migration that fails: nothing of it stays, and ssd does not start.
mkdir -p "$T/schema"
cp "$top_srcdir"/schema/*.sql "$T/schema/"
cat > "$T/schema/0004_broken.sql" <<'SQL'
CREATE TABLE half_done (a int);
SELECT no_such_column FROM users;
SQL
sed -i "s|^schema_dir = .*|schema_dir = $T/schema|" "$T/ssd.conf"
out=$("$top_builddir/ssd" -M -d -f "$T/ssd.conf" 2>&1)
rc=$?
ok_if "ssd -M with a broken migration exits 1 (got $rc)" [ "$rc" = 1 ]
ok_if "... saying which and why" grep -q 'migration 0004_broken.sql failed.*no_such_column' <<< "$out"
ok_if "... and none of it is in the database" \
    [ "$(psql -qAt -c "SELECT to_regclass('half_done') IS NULL AND NOT EXISTS (SELECT 1 FROM schema_migrations WHERE version = '0004_broken')")" = t ]
"$top_builddir/ssd" -d -f "$T/ssd.conf" > "$T/broken.log" 2>&1
rc=$?
ok_if "ssd does not start on a failing migration (exit $rc)" \
    [ "$rc" = 1 ] && grep -q 'not starting' "$T/broken.log"

# Two control planes migrating one fresh database at once.
psql -qAt -U postgres -d postgres -c "CREATE DATABASE fresh OWNER ssd" > /dev/null
cp "$T/ssd.conf" "$T/fresh.conf"
sed -i -e "s|^schema_dir = .*|schema_dir = $top_srcdir/schema|" \
    -e "s|^db_name = .*|db_name = fresh|" "$T/fresh.conf"
"$top_builddir/ssd" -M -d -f "$T/fresh.conf" > "$T/m1.log" 2>&1 & p1=$!
"$top_builddir/ssd" -M -d -f "$T/fresh.conf" > "$T/m2.log" 2>&1 & p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
ok_if "two concurrent ssd -M both succeed ($r1, $r2)" [ "$r1" = 0 ] && [ "$r2" = 0 ]
n=$(psql -qAt -d fresh -c "SELECT count(*) FROM schema_migrations")
ok_if "... and each migration was applied once (rows: $n)" [ "$n" = 3 ]
applied=$(cat "$T/m1.log" "$T/m2.log" | grep -c 'migration .* applied')
ok_if "... by one of them ($applied 'applied' lines)" [ "$applied" = 3 ]
finish
