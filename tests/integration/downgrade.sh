#!/bin/bash
# downgrade.sh - the way back (issue 16): every migration has a reverse
# (schema/NNNN_name.down.sql), and ssd -D VERSION applies them under the
# migrations' lock.  Going down from the latest to each version leaves the
# schema a database migrated only that far has; a database that was
# StreamSpace v1.x's goes up, down and up again, and after the down its
# v1.x tables (definitions and rows, pg_dump) are as they were.  ssdctl
# migrate down on a running ssd: upgrade.sh.  TAP.
. "$top_srcdir/tests/integration/lib.sh"

ok_if "a throwaway PostgreSQL starts" pg_up
[ -n "${PGHOST:-}" ] || finish
. "$top_srcdir/tests/upgrade/lib.sh"

versions=$(cd "$top_srcdir/schema" && ls [0-9][0-9][0-9][0-9]_*.sql | grep -v '\.down\.sql$' | sed 's/\.sql$//')
missing=
for v in $versions; do
	[ -f "$top_srcdir/schema/$v.down.sql" ] || missing="$missing $v"
done
ok_if "every migration has its reverse${missing:+ (none for:$missing)}" [ -z "$missing" ]

# tables DB: the tables of its schema, one a line.
tables() {
	psql -qAt -d "$1" -c "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' ORDER BY 1"
}

# --- an empty database, one step at a time ---------------------------------------
newdb fresh
ok_if "an empty database is migrated up" migrate fresh
bad=
for v in $(tac <<< "$versions" | tail -n +2); do
	# A database migrated only as far as $v, from schema files up to it.
	mkdir -p "$T/schema-$v"
	for w in $versions; do
		[[ $w > $v ]] && continue
		cp "$top_srcdir/schema/$w.sql" "$top_srcdir/schema/$w.down.sql" "$T/schema-$v/"
	done
	newdb "upto"
	SCHEMA_DIR=$T/schema-$v migrate upto || { bad="$bad [$v: up failed]"; continue; }
	migrate fresh -D "${v%%_*}" || { bad="$bad [down to $v failed]"; continue; }
	schema_norm upto > "$T/upto.schema"
	schema_norm fresh > "$T/down.schema"
	same "$T/upto.schema" "$T/down.schema" > "$T/diff-$v" || bad="$bad [down to $v: schema differs]"
done
ok_if "going down to each version leaves the schema migrating up to it makes${bad:+ (wrong:$bad)}" [ -z "$bad" ]
ok_if "ssd -D 0 reverts the last one too: nothing of ssd is left" \
    eval 'migrate fresh -D 0 && [ "$(tables fresh)" = schema_migrations ] && db_is fresh "SELECT count(*) FROM schema_migrations" 0 && db_is fresh "SELECT count(*) FROM pg_proc WHERE pronamespace = '"'public'"'::regnamespace" 0'
ok_if "... and up again it is a fresh database" \
    eval 'migrate fresh && schema_norm fresh > "$T/again.schema" && newdb fresh2 && migrate fresh2 && schema_norm fresh2 > "$T/fresh2.schema" && same "$T/fresh2.schema" "$T/again.schema"'
ok_if "ssd -D with nothing newer reverts nothing" \
    eval 'migrate fresh -D "$(tail -1 <<< "$versions")" && grep -q "0 migrations reverted" "$T/migrate-fresh.log"'

# --- what stops a down -----------------------------------------------------------
ok_if "a target that names no migration is refused" \
    eval '! migrate fresh -D 12 && grep -q "12: not 0, a migration.s number" "$T/migrate-fresh.log"'
mkdir -p "$T/nodown"
cp "$top_srcdir"/schema/*.sql "$T/nodown/"
rm "$T/nodown/0003_ssd.down.sql"
ok_if "a migration without its reverse: nothing is reverted" \
    eval '! SCHEMA_DIR=$T/nodown migrate fresh -D 0 && grep -q "migration 0003_ssd has no reverse" "$T/migrate-fresh.log" && db_is fresh "SELECT count(*) FROM schema_migrations WHERE version ~ '"'^[0-9]{4}_'"'" "$(wc -l <<< "$versions")"'
psql -qAt -d fresh -c "INSERT INTO users (id, username) VALUES ('u1', 'u1');
    INSERT INTO agents (agent_id, platform, status) VALUES ('k8s-1', 'kubernetes', 'online');
    INSERT INTO sessions (id, user_id, state, agent_id) VALUES ('s1', 'u1', 'running', 'k8s-1')" > /dev/null
ok_if "a session still running on an agent stops the down below 0002, naming table and column" \
    eval '! migrate fresh -D 0001 && grep -q "table sessions, column agent_id: 1 session(s) still run on agents" "$T/migrate-fresh.log"'
ok_if "... and nothing is reverted (a down is all or nothing)" \
    db_is fresh "SELECT count(*) FROM schema_migrations" "$(wc -l <<< "$versions")"

# --- an ssd database from before (0001..0007) -------------------------------------
newdb old
psql -X -q -v ON_ERROR_STOP=1 -d old -f "$fixtures/ssd-0007.sql" > /dev/null
ok_if "an ssd database at 0007 goes up, then all the way down" \
    eval 'migrate old && migrate old -D 0 && [ "$(tables old)" = schema_migrations ]'

[ -f "$v1schema" ] || { skip_one "the round trip on StreamSpace v1.x" "$v1schema"; finish; }

# --- StreamSpace v1.x: up, down, up ---------------------------------------------
v1db v1
tables v1 > "$T/v1.tables"
v1tables=$(sed 's/^/-t public./' "$T/v1.tables")
v1hash_query v1 > "$T/v1hash.sql"
# Sequences are dumped with their tables; their values are v1.x's too.
dump v1 $v1tables > "$T/v1.before"
ok_if "StreamSpace v1.x (with rows) goes up" migrate v1
schema_norm v1 > "$T/v1.up1"
ok_if "... and all the way down (ssd -D 0)" migrate v1 -D 0
ok_if "... leaving v1.x's tables, definitions and rows, as they were" \
    eval 'dump v1 $v1tables > "$T/v1.after" && same "$T/v1.before" "$T/v1.after"'
ok_if "... and no table or function of ssd but the (empty) schema_migrations" \
    eval 'tables v1 | grep -v -x schema_migrations | same "$T/v1.tables" - &&
    db_is v1 "SELECT count(*) FROM pg_proc WHERE pronamespace = '"'public'"'::regnamespace" 0 &&
    db_is v1 "SELECT count(*) FROM schema_migrations" 0'
ok_if "... then up again, to the schema of the first time" \
    eval 'migrate v1 && schema_norm v1 > "$T/v1.up2" && same "$T/v1.up1" "$T/v1.up2"'

# --- the seeds' v2.0 SQL on v1.x: up, down, up --------------------------------
guidedb guide
psql -qAt -d guide -f "$T/v1hash.sql" > "$T/guide.before"
ok_if "v1.x after the seeds' v2.0 SQL goes up and all the way down" \
    eval 'migrate guide && migrate guide -D 0'
ok_if "... keeping every row of every v1.x table" \
    eval 'psql -qAt -d guide -f "$T/v1hash.sql" > "$T/guide.after" && same "$T/guide.before" "$T/guide.after"'
ok_if "... and goes up again" migrate guide
finish
