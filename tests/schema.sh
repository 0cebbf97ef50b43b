#!/bin/bash
# schema.sh - TAP test of schema/0001..0003 on a throwaway PostgreSQL
# (tests/pg.sh): a fresh database gets every table and column; applying
# the files again changes nothing (the schema dumps are equal); a v1.x
# database with rows in it, and one where the seeds' v2.0 script had
# already run, are upgraded without losing a row.  0010_web: its
# ssd_agents notifications.

top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
schema=$top/schema
files="0001_core.sql 0002_agents.sql 0003_ssd.sql"

n=0
failed=0
T=$(mktemp -d /tmp/ssd-schema.XXXXXX) || exit 1
chmod 755 "$T"	# the server runs as nobody, in $T/pg
cleanup() {
	[ -n "${PG_STARTED:-}" ] && pg_stop "$T/pg"
	[ -n "${SCHEMA_KEEP:-}" ] && cp "$T"/*.sql "$SCHEMA_KEEP"/ 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ok_if DESCRIPTION COMMAND...: one TAP line; on failure the command's
# output as comments.
ok_if() {
	local desc=$1 out
	shift
	n=$((n + 1))
	if out=$("$@" 2>&1); then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		[ -n "$out" ] && sed 's/^/# /' <<< "$out" | head -40
		failed=1
	fi
}

finish() {
	echo "1..$n"
	exit $failed
}

# The notices of IF NOT EXISTS ("already exists, skipping") are noise.
export PGOPTIONS='-c client_min_messages=warning'

. "$top/tests/pg.sh"

# apply DB FILE...: each file with psql, stopping at the first error.
apply() {
	local db=$1 f
	shift
	for f in "$@"; do
		psql -X -v ON_ERROR_STOP=1 -q -d "$db" -f "$schema/$f" || return 1
	done
}

# q DB SQL: one value (DB "postgres": as the superuser).
q() {
	if [ "$1" = postgres ]; then
		psql -X -qAt -v ON_ERROR_STOP=1 -U postgres -d postgres -c "$2"
	else
		psql -X -qAt -v ON_ERROR_STOP=1 -d "$1" -c "$2"
	fi
}

# eq EXPECTED DB SQL: the query's answer is EXPECTED.
eq() {
	local got
	got=$(q "$2" "$3") || return 1
	[ "$got" = "$1" ] || { echo "expected '$1', got '$got'"; return 1; }
}

# dump DB FILE: the schema, for comparison.
dump() (
	set -o pipefail
	"$PG_BIN/pg_dump" --schema-only --no-owner --no-privileges -d "$1" |
	    grep -v -e '^--' -e '^$' -e '^SET ' -e '^SELECT pg_catalog' \
	    -e '^\\restrict ' -e '^\\unrestrict ' > "$2"
)

samefile() {
	[ -s "$1" ] && [ -s "$2" ] || { echo "a dump is empty"; return 1; }
	diff -u "$1" "$2"
}

# refused DB SQL: the statement fails on a foreign key.
refused() {
	psql -X -qAt -d "$1" -c "$2" 2>&1 | grep -q 'violates foreign key constraint'
}

# --- the server ------------------------------------------------------------
# Not through ok_if: pg_start exports PGHOST and the rest into this shell.
n=$((n + 1))
if pg_start "$T/pg" 2> "$T/pg_start.err"; then
	PG_STARTED=1
	echo "ok $n - a throwaway PostgreSQL starts (tests/pg.sh)"
else
	echo "not ok $n - a throwaway PostgreSQL starts (tests/pg.sh)"
	sed 's/^/# /' "$T/pg_start.err"
	echo "Bail out! no PostgreSQL server"
	failed=1
	finish
fi
ok_if "... Unix socket only, in its own directory" \
    eq "|$T/pg" postgres "SELECT current_setting('listen_addresses') || '|' || current_setting('unix_socket_directories')"
ok_if "... connected as role ssd to database ssd, which ssd owns" \
    eq "ssd|ssd|ssd" ssd "SELECT current_user, current_database(), pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"

# --- a fresh database ------------------------------------------------------
for f in $files; do
	ok_if "$f applies to a fresh database" apply ssd "$f"
done

tables="organizations users user_quotas groups group_memberships group_quotas
repositories catalog_templates sessions connections audit_log api_keys
configuration agents agent_commands platform_controllers revoked_tokens
viewer_tickets"
missing=
for t in $tables; do
	[ "$(q ssd "SELECT to_regclass('public.$t') IS NOT NULL")" = t ] || missing="$missing $t"
done
ok_if "all $(wc -w <<< "$tables") tables exist${missing:+ (missing:$missing)}" [ -z "$missing" ]

# table.column:type, type as information_schema.columns.data_type says.
columns="
users.id:character varying users.username:character varying
users.password_hash:character varying users.role:character varying
users.org_id:character varying users.active:boolean
user_quotas.max_sessions:integer groups.parent_id:character varying
group_memberships.group_id:character varying group_quotas.max_sessions:integer
catalog_templates.manifest:jsonb catalog_templates.tags:ARRAY
audit_log.changes:jsonb audit_log.timestamp:timestamp without time zone
api_keys.key_hash:character varying api_keys.scopes:ARRAY
configuration.value:text
sessions.id:character varying sessions.user_id:character varying
sessions.state:character varying sessions.template_name:character varying
sessions.last_activity:timestamp without time zone sessions.tags:ARRAY
sessions.streaming_port:integer
sessions.agent_id:character varying sessions.platform:character varying
sessions.platform_metadata:jsonb sessions.region:character varying
agents.id:uuid agents.agent_id:character varying agents.platform:character varying
agents.region:character varying agents.status:character varying
agents.capacity:jsonb agents.metadata:jsonb agents.websocket_conn_id:character varying
agents.last_heartbeat:timestamp without time zone agents.updated_at:timestamp without time zone
agents.api_key_hash:character varying agents.api_key_last_used_at:timestamp without time zone
agents.approval_status:character varying agents.approved_by:character varying
agent_commands.id:uuid agent_commands.command_id:character varying
agent_commands.agent_id:character varying agent_commands.session_id:character varying
agent_commands.command_type:character varying agent_commands.payload:jsonb
agent_commands.status:character varying agent_commands.result:jsonb
agent_commands.error_message:text agent_commands.sent_at:timestamp without time zone
agent_commands.acknowledged_at:timestamp without time zone
agent_commands.completed_at:timestamp without time zone
agent_commands.updated_at:timestamp without time zone
agent_commands.deadline:timestamp with time zone agent_commands.attempts:integer
platform_controllers.controller_type:character varying platform_controllers.cluster_info:jsonb
revoked_tokens.jti:text revoked_tokens.expires_at:timestamp with time zone
viewer_tickets.ticket_hash:text viewer_tickets.user_id:character varying
viewer_tickets.session_id:character varying
viewer_tickets.expires_at:timestamp with time zone viewer_tickets.used_at:timestamp with time zone
"
# The list is split on whitespace: spaces in types become _.
columns=$(sed -E 's/ (varying|without|with|time|zone)/_\1/g' <<< "$columns")
# check_columns DB: each expected column, with its type.
check_columns() {
	local have bad= c
	have=$(q "$1" "SELECT replace(table_name || '.' || column_name || ':' || data_type, ' ', '_') FROM information_schema.columns WHERE table_schema = 'public'") || return 1
	for c in $columns; do
		grep -qxF -- "$c" <<< "$have" || bad="$bad $c"
	done
	[ -z "$bad" ] || { echo "missing or mistyped:$bad"; return 1; }
}
ok_if "the $(wc -w <<< "$columns") expected columns exist, with their types" check_columns ssd

indexes="idx_sessions_user_id idx_sessions_agent_id idx_sessions_platform
idx_agents_platform idx_agents_status idx_agents_region idx_agents_last_heartbeat
idx_agent_commands_agent_id idx_agent_commands_session_id idx_agent_commands_status
idx_agent_commands_created_at idx_agent_commands_deadline
idx_platform_controllers_type idx_platform_controllers_status
idx_revoked_tokens_expires_at idx_viewer_tickets_expires_at"
check_indexes() {
	local bad= i
	for i in $indexes; do
		[ "$(q "$1" "SELECT to_regclass('public.$i') IS NOT NULL")" = t ] || bad="$bad $i"
	done
	[ -z "$bad" ] || { echo "missing:$bad"; return 1; }
}
ok_if "the $(wc -w <<< "$indexes") expected indexes exist" check_indexes ssd
ok_if "no schema_migrations table (the migration runner's)" \
    eq f ssd "SELECT to_regclass('public.schema_migrations') IS NOT NULL"
ok_if "the default organization is there" \
    eq 1 ssd "SELECT count(*) FROM organizations WHERE id = 'default-org'"

# The references behave as the seeds say.
ok_if "an agent, a session on it and a command can be stored" q ssd "
INSERT INTO users (id, username) VALUES ('u1', 'alice');
INSERT INTO agents (agent_id, platform) VALUES ('k8s-1', 'kubernetes');
INSERT INTO sessions (id, user_id, template_name, state, agent_id)
    VALUES ('alice-firefox-0001', 'u1', 'firefox', 'pending', 'k8s-1');
INSERT INTO agent_commands (agent_id, session_id, command_type)
    VALUES ('k8s-1', 'alice-firefox-0001', 'start_session');
INSERT INTO viewer_tickets (ticket_hash, user_id, session_id, expires_at)
    VALUES ('h1', 'u1', 'alice-firefox-0001', now() + interval '1 minute');
INSERT INTO revoked_tokens (jti, expires_at) VALUES ('j1', now())"
ok_if "... a command gets command_id 'cmd-<uuid>', payload {}, status pending, attempts 0" \
    eq "t|{}|pending|0" ssd "SELECT command_id LIKE 'cmd-%', payload, status, attempts FROM agent_commands"
ok_if "... a new agent defaults to approval 'approved' (the original's default)" \
    eq approved ssd "SELECT approval_status FROM agents WHERE agent_id = 'k8s-1'"
approval_check() {
	psql -X -qAt -d ssd -c "UPDATE agents SET approval_status = 'maybe'" 2>&1 | grep -q 'agents_approval_status_check'
}
ok_if "... approval_status accepts nothing but pending/approved/rejected" approval_check
ok_if "... a command for an unknown agent is refused" \
    refused ssd "INSERT INTO agent_commands (agent_id, command_type) VALUES ('nope', 'stop_session')"
ok_if "... deleting the agent deletes its commands and unsets sessions.agent_id" \
    eq "0|" ssd "DELETE FROM agents WHERE agent_id = 'k8s-1'; SELECT (SELECT count(*) FROM agent_commands) || '|' || COALESCE((SELECT agent_id FROM sessions), '')"
ok_if "... updating an agent sets its updated_at (trigger)" \
    eq t ssd "INSERT INTO agents (agent_id, platform, updated_at) VALUES ('k8s-2', 'docker', '2000-01-01'); UPDATE agents SET status = 'online' WHERE agent_id = 'k8s-2'; SELECT updated_at > '2001-01-01' FROM agents WHERE agent_id = 'k8s-2'"
ok_if "... deleting the session deletes its viewer tickets" \
    eq 0 ssd "DELETE FROM sessions; SELECT count(*) FROM viewer_tickets"

# --- idempotence -------------------------------------------------------------
ok_if "the schema dumps (pg_dump --schema-only)" dump ssd "$T/fresh.sql"
apply_again() {
	local f
	for f in $files; do apply ssd "$f" || return 1; done
}
ok_if "0001, 0002, 0003 apply a second time" apply_again
# dumped_same DB FILE NEWFILE: DB's schema now is the one in FILE.
dumped_same() {
	dump "$1" "$3" && samefile "$2" "$3"
}
ok_if "... and change nothing in the schema" dumped_same ssd "$T/fresh.sql" "$T/again.sql"
ok_if "... nor in the rows" eq "1|1|1|0" ssd "SELECT (SELECT count(*) FROM users) || '|' || (SELECT count(*) FROM agents) || '|' || (SELECT count(*) FROM organizations) || '|' || (SELECT count(*) FROM sessions)"

# --- a v1.x database with rows -------------------------------------------------
q postgres "CREATE DATABASE v1 OWNER ssd" > /dev/null
ok_if "0001 alone makes a v1.x database" apply v1 0001_core.sql
ok_if "... into which a user and a session go" q v1 "
INSERT INTO users (id, username, email, role, password_hash)
    VALUES ('4f1e6c1a-0000-4000-8000-000000000001', 'bob', 'bob@example.org', 'user', '\$2a\$10\$abc');
INSERT INTO user_quotas (user_id) VALUES ('4f1e6c1a-0000-4000-8000-000000000001');
INSERT INTO sessions (id, user_id, template_name, state, url)
    VALUES ('bob-firefox-a1b2c3d4', '4f1e6c1a-0000-4000-8000-000000000001', 'firefox', 'running', 'http://x')"
ok_if "0002 upgrades it" apply v1 0002_agents.sql
ok_if "0003 upgrades it" apply v1 0003_ssd.sql
ok_if "... the user is kept" eq "bob|bob@example.org|\$2a\$10\$abc" v1 "SELECT username, email, password_hash FROM users"
ok_if "... the session is kept, marked as a v1.x Kubernetes session with no agent" \
    eq "bob-firefox-a1b2c3d4|running|http://x|kubernetes|v1.x||" v1 \
    "SELECT id, state, url, platform, platform_metadata->>'source', COALESCE(agent_id, ''), COALESCE(region, '') FROM sessions"
ok_if "... the quota row is kept" eq 1 v1 "SELECT count(*) FROM user_quotas"
ok_if "... every expected column is there" check_columns v1
ok_if "... and its schema is a fresh database's" dumped_same v1 "$T/fresh.sql" "$T/v1.sql"
ok_if "... applying 0002 and 0003 again does not mark sessions again" q v1 "
UPDATE sessions SET platform_metadata = NULL;
INSERT INTO sessions (id, user_id, template_name) VALUES ('bob-xterm-00000000', '4f1e6c1a-0000-4000-8000-000000000001', 'xterm')"
apply v1 0002_agents.sql 0003_ssd.sql
ok_if "... (no platform_metadata written)" eq 0 v1 "SELECT count(*) FROM sessions WHERE platform_metadata IS NOT NULL"

# --- a v1.x database where the seeds' v2.0 script already ran -----------------
# The guides' script (000_*.txt, 002_*.txt) run with psql's defaults, which
# go on after an error: its agent_commands fails (UUID session_id against
# VARCHAR sessions.id), sessions.agent_id becomes a UUID.  The v2.0 code's
# agent_commands (ORIGINAL.md §3: "action", no updated_at) stands in.
q postgres "CREATE DATABASE v2guide OWNER ssd" > /dev/null
apply v2guide 0001_core.sql
q v2guide "INSERT INTO users (id, username) VALUES ('u1', 'carol');
INSERT INTO sessions (id, user_id, template_name, state) VALUES ('carol-gimp-00000001', 'u1', 'gimp', 'running')" > /dev/null
psql -X -q -d v2guide > "$T/guide.log" 2>&1 <<'SQL'
CREATE TABLE IF NOT EXISTS agents (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    agent_id VARCHAR(255) UNIQUE NOT NULL, platform VARCHAR(50) NOT NULL,
    region VARCHAR(100), status VARCHAR(50) DEFAULT 'offline', capacity JSONB,
    metadata JSONB, websocket_conn_id VARCHAR(255), last_heartbeat TIMESTAMP,
    created_at TIMESTAMP DEFAULT NOW(), updated_at TIMESTAMP DEFAULT NOW());
CREATE INDEX IF NOT EXISTS idx_agents_agent_id ON agents(agent_id);
CREATE TABLE IF NOT EXISTS agent_commands (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    agent_id UUID REFERENCES agents(id) ON DELETE CASCADE,
    session_id UUID REFERENCES sessions(id) ON DELETE CASCADE,
    command_type VARCHAR(50) NOT NULL, command_data JSONB,
    status VARCHAR(50) DEFAULT 'pending', result JSONB, error_message TEXT,
    created_at TIMESTAMP DEFAULT NOW(), sent_at TIMESTAMP, acked_at TIMESTAMP,
    completed_at TIMESTAMP);
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS agent_id UUID REFERENCES agents(id) ON DELETE SET NULL;
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS platform VARCHAR(50);
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS platform_metadata JSONB;
UPDATE sessions SET platform = 'kubernetes',
    platform_metadata = jsonb_build_object('source', 'v1.x', 'controller', 'kubebuilder')
WHERE platform IS NULL;
CREATE TABLE IF NOT EXISTS schema_migrations (version VARCHAR(50) PRIMARY KEY, applied_at TIMESTAMP DEFAULT NOW());
INSERT INTO schema_migrations (version) VALUES ('v2.0.0-agents') ON CONFLICT (version) DO NOTHING;
CREATE OR REPLACE FUNCTION update_agent_heartbeat() RETURNS TRIGGER AS $$
BEGIN NEW.updated_at = NOW(); RETURN NEW; END; $$ LANGUAGE plpgsql;
CREATE TRIGGER trigger_agents_updated_at BEFORE UPDATE ON agents
FOR EACH ROW EXECUTE FUNCTION update_agent_heartbeat();
CREATE TABLE IF NOT EXISTS agent_commands (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    command_id VARCHAR(255) UNIQUE NOT NULL,
    agent_id VARCHAR(255) NOT NULL REFERENCES agents(agent_id) ON DELETE CASCADE,
    session_id VARCHAR(255), action VARCHAR(50) NOT NULL, payload JSONB,
    status VARCHAR(50) DEFAULT 'pending', error_message TEXT,
    created_at TIMESTAMP DEFAULT NOW(), sent_at TIMESTAMP,
    acknowledged_at TIMESTAMP, completed_at TIMESTAMP);
INSERT INTO agents (agent_id, platform) VALUES ('k8s-old', 'kubernetes');
UPDATE sessions SET agent_id = (SELECT id FROM agents);
INSERT INTO agent_commands (command_id, agent_id, session_id, action, payload)
    VALUES ('cmd-1', 'k8s-old', 'carol-gimp-00000001', 'stop_session', NULL);
SQL
ok_if "(fixture: the guide's script failed where it fails in real life)" \
    grep -q 'incompatible types: uuid and character varying' "$T/guide.log"
ok_if "0002 and 0003 upgrade a database the seeds' v2.0 script had migrated" \
    apply v2guide 0002_agents.sql 0003_ssd.sql
ok_if "... every expected column is there, with our types" check_columns v2guide
ok_if "... sessions.agent_id now holds the agent's name, the session is kept" \
    eq "carol-gimp-00000001|running|k8s-old|kubernetes" v2guide "SELECT id, state, agent_id, platform FROM sessions"
ok_if "... the command is kept (action -> command_type, payload {})" \
    eq "cmd-1|k8s-old|stop_session|{}|0" v2guide "SELECT command_id, agent_id, command_type, payload, attempts FROM agent_commands"
ok_if "... a command is queued as ssd-api queues it (no command_id given)" \
    eq "t|pending|0" v2guide "INSERT INTO agent_commands (agent_id, session_id, command_type, payload) VALUES ('k8s-old', 'carol-gimp-00000001', 'wake_session', '{}') RETURNING command_id LIKE 'cmd-%', status, attempts"
ok_if "... sessions.agent_id references agents(agent_id) again" \
    refused v2guide "UPDATE sessions SET agent_id = 'nope'"
ok_if "... deleting the agent unsets the session's agent and drops its commands" \
    eq "|0" v2guide "DELETE FROM agents; SELECT COALESCE((SELECT agent_id FROM sessions), '') || '|' || (SELECT count(*) FROM agent_commands)"
ok_if "... the guide's schema_migrations row is left alone" \
    eq 1 v2guide "SELECT count(*) FROM schema_migrations WHERE version = 'v2.0.0-agents'"
dump v2guide "$T/guide1.sql"
apply v2guide $files
ok_if "... and applying 0001..0003 once more changes nothing" dumped_same v2guide "$T/guide1.sql" "$T/guide2.sql"

# --- 0010_web: its trigger (its way back: downgrade.sh) -------------------
later="0004_templates.sql 0005_agent_links.sql 0006_command_retries.sql 0007_agent_load.sql"
ok_if "0004..0007 and 0010_web apply on top" apply ssd $later 0010_web.sql
ok_if "catalog_templates.enabled, true by default" \
    eq t ssd "INSERT INTO catalog_templates (name, display_name) VALUES ('web-t', 'x') RETURNING enabled"
# notifies EXPECTED SQL...: the ssd_agents notifications the statements
# send (each its own transaction: PostgreSQL folds equal ones within one),
# counted by payload ("3:web-a"), as psql prints them, are EXPECTED.
notifies() {
	local want=$1 got args=() q
	shift
	for q in "$@"; do args+=(-c "$q"); done
	got=$(psql -X -q -d ssd -c "LISTEN ssd_agents" "${args[@]}" -c "SELECT 1" 2>&1 |
	    sed -n 's/.*notification "ssd_agents" with payload "\([^"]*\)".*/\1/p' |
	    sort | uniq -c | awk '{ printf "%s%s:%s", (NR > 1 ? " " : ""), $1, $2 }')
	[ "$got" = "$want" ] || { echo "expected '$want', got '$got'"; return 1; }
}
ok_if "a new agent, its status and its approval notify ssd_agents with its id" \
    notifies 3:web-a "INSERT INTO agents (agent_id, platform) VALUES ('web-a', 'kubernetes')" \
    "UPDATE agents SET status = 'online' WHERE agent_id = 'web-a'" \
    "UPDATE agents SET approval_status = 'rejected' WHERE agent_id = 'web-a'"
ok_if "... a heartbeat does not" \
    notifies "" "UPDATE agents SET last_heartbeat = now() WHERE agent_id = 'web-a'"
ok_if "... deleting it does" notifies 1:web-a "DELETE FROM agents WHERE agent_id = 'web-a'"

finish
