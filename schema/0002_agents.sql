-- 0002_agents.sql - the StreamSpace v2.0 agents migration: the agents
-- registry, the agent_commands queue, the sessions columns that tie a
-- session to an agent, platform_controllers, their indexes, comments and
-- the updated_at trigger.
--
-- Sources: 000_b46713cf35e1485a.txt (migration guide, "migrations/v2.0-
-- agents.sql"), 001_d0c895cae18c328f.txt (v2.0-beta release notes, §7
-- "Database Schema Updates"), 002_e26c97ce5b9a5b2a.txt and
-- 004_6cda5f0d65dca30a.txt (deployment guides, "Database Migration"),
-- 003_3e3b83458773fa88.txt (refactor summary, §5), and
-- design/ORIGINAL.md §3 and §4.4 (what the v2.0 code really used).
--
-- Idempotent: CREATE ... IF NOT EXISTS, ADD COLUMN IF NOT EXISTS, DO
-- blocks that look before they change.  Applied twice, or onto a database
-- where some other shape of this migration already ran, it ends in the
-- same schema.
--
-- Reconciliation, where the seeds disagree:
-- * agents: the guide's table (all seeds agree but for one name).  The
--   connection column is websocket_conn_id (000, 001, 002) rather than
--   websocket_id (003, ORIGINAL: "never written"); a websocket_id column
--   found in an existing table is left alone.  idx_agents_agent_id (000,
--   002) is not created: the UNIQUE constraint's index already is one.
-- * Agents are referenced by agents.agent_id, the VARCHAR name
--   ("k8s-cluster-1"), not by agents.id: release notes (001), refactor
--   summary (003) and the v2.0 code do so; the guides (000, 002) write
--   "agent_id UUID REFERENCES agents(id)".  So agent_commands.agent_id and
--   sessions.agent_id are VARCHAR(255) REFERENCES agents(agent_id).  A
--   database where the guide's script ran (sessions.agent_id UUID) is
--   converted: each UUID becomes the agent's name.
-- * agent_commands.session_id is VARCHAR(255): sessions.id is VARCHAR in
--   v1.x, so the guide's "session_id UUID REFERENCES sessions(id)" cannot
--   even be created (PostgreSQL refuses incompatible key types).
-- * agent_commands columns: command_id (001, 003; default 'cmd-<uuid>'),
--   command_type (000, 001, 002; 003 and the v2.0 code say "action"),
--   payload JSONB NOT NULL DEFAULT '{}' (001, 003; the guide's
--   "command_data"), error_message (000, 003; 001's "error"),
--   acknowledged_at (003, v2.0 code; the guide's "acked_at"), result
--   (000, 001), updated_at (the v2.0 code wrote it; only its un-run
--   migration 004 created it).  An existing table with the other names is
--   renamed to these.  001's timeout_at is not created: ssd's per-command
--   deadline is 0003's agent_commands.deadline (TIMESTAMPTZ).
-- * status values: pending, sent, ack, completed, failed, timeout (001
--   adds timeout to the guide's five).  Free VARCHAR as in the seeds.
-- * sessions.platform: VARCHAR(50) DEFAULT 'kubernetes' (001; the guide
--   has no default); v1.x databases have it already.  sessions.region
--   VARCHAR(100) (001 only) is added too.
-- * Backfill (000 step 5, "mark as v1.x"): run only when this migration
--   adds sessions.platform_metadata, i.e. once, on the sessions that
--   existed before; the guide's "WHERE platform IS NULL" would match
--   nothing, platform having a default.  v1.x's own columns (platform)
--   are not written: going down must find them as they were.
-- * platform_controllers: StreamSpace v1.x has a table of that name with
--   another shape (controller_id, platform, display_name, version) for
--   its controllers; ssd uses neither.  Where one exists it is left as it
--   is, without the seeds' indexes and comment, which need theirs.
-- * Foreign keys that must be added to a table created elsewhere are
--   added NOT VALID: old rows are not checked, new ones are.
-- * schema_migrations (000 step 6) is not created here: the migration
--   runner (ssd -M) owns that table and creates it with the guide's
--   definition; a 'v2.0.0-agents' row left by the guide's script is left
--   alone.  The guide's final "SELECT ... AS status" is left out too.

-- 1. agents --------------------------------------------------------------
CREATE TABLE IF NOT EXISTS agents (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    agent_id VARCHAR(255) UNIQUE NOT NULL,  -- "k8s-cluster-1"
    platform VARCHAR(50) NOT NULL,          -- kubernetes, docker, vm, cloud
    region VARCHAR(100),                    -- "us-east-1"
    status VARCHAR(50) DEFAULT 'offline',   -- online, offline, draining
    capacity JSONB,                         -- {max_cpu, max_memory, max_sessions, current_sessions}
    metadata JSONB,                         -- platform-specific
    websocket_conn_id VARCHAR(255),         -- the live control link
    last_heartbeat TIMESTAMP,
    created_at TIMESTAMP DEFAULT NOW(),
    updated_at TIMESTAMP DEFAULT NOW()
);
-- An agents table of another shape (003's, the v2.0 code's) gets the
-- columns it lacks.
ALTER TABLE agents ADD COLUMN IF NOT EXISTS region VARCHAR(100);
ALTER TABLE agents ADD COLUMN IF NOT EXISTS status VARCHAR(50) DEFAULT 'offline';
ALTER TABLE agents ADD COLUMN IF NOT EXISTS capacity JSONB;
ALTER TABLE agents ADD COLUMN IF NOT EXISTS metadata JSONB;
ALTER TABLE agents ADD COLUMN IF NOT EXISTS websocket_conn_id VARCHAR(255);
ALTER TABLE agents ADD COLUMN IF NOT EXISTS last_heartbeat TIMESTAMP;
ALTER TABLE agents ADD COLUMN IF NOT EXISTS created_at TIMESTAMP DEFAULT NOW();
ALTER TABLE agents ADD COLUMN IF NOT EXISTS updated_at TIMESTAMP DEFAULT NOW();
ALTER TABLE agents ALTER COLUMN id SET DEFAULT gen_random_uuid();
ALTER TABLE agents ALTER COLUMN status SET DEFAULT 'offline';
ALTER TABLE agents ALTER COLUMN created_at SET DEFAULT NOW();

CREATE INDEX IF NOT EXISTS idx_agents_platform ON agents(platform);
CREATE INDEX IF NOT EXISTS idx_agents_status ON agents(status);
CREATE INDEX IF NOT EXISTS idx_agents_region ON agents(region);
CREATE INDEX IF NOT EXISTS idx_agents_last_heartbeat ON agents(last_heartbeat);

COMMENT ON TABLE agents IS 'Registry of platform-specific agents (K8s, Docker, etc.)';
COMMENT ON COLUMN agents.agent_id IS 'Unique agent identifier (e.g., k8s-prod-us-east-1)';
COMMENT ON COLUMN agents.platform IS 'Platform type: kubernetes, docker, vm, cloud';
COMMENT ON COLUMN agents.capacity IS 'Agent capacity: {max_cpu: 100, max_memory: 256, max_sessions: 100, current_sessions: 5}';
COMMENT ON COLUMN agents.metadata IS 'Platform-specific metadata (cluster name, version, etc.)';

-- 2. UUID references to agents(id) (the guides' script) become names -----
DO $$
DECLARE
    t text;
    col text;
    con record;
BEGIN
    FOREACH t IN ARRAY ARRAY['sessions', 'agent_commands'] LOOP
        FOREACH col IN ARRAY ARRAY['agent_id', 'session_id'] LOOP
            CONTINUE WHEN t = 'sessions' AND col = 'session_id';
            CONTINUE WHEN NOT EXISTS (SELECT 1 FROM information_schema.columns
                WHERE table_schema = current_schema() AND table_name = t
                  AND column_name = col AND data_type = 'uuid');
            FOR con IN SELECT c.conname FROM pg_constraint c
                JOIN pg_attribute a ON a.attrelid = c.conrelid
                 AND a.attnum = ANY (c.conkey)
                WHERE c.conrelid = format('%I', t)::regclass
                  AND c.contype = 'f' AND a.attname = col LOOP
                EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', t, con.conname);
            END LOOP;
            EXECUTE format('ALTER TABLE %I ALTER COLUMN %I TYPE VARCHAR(255) USING %I::text',
                t, col, col);
            IF col = 'agent_id' THEN
                EXECUTE format('UPDATE %I x SET agent_id = a.agent_id FROM agents a '
                    'WHERE x.agent_id = a.id::text', t);
            END IF;
            RAISE NOTICE '%.% converted from UUID to VARCHAR', t, col;
        END LOOP;
    END LOOP;
END
$$;

-- 3. agent_commands ------------------------------------------------------
CREATE TABLE IF NOT EXISTS agent_commands (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    command_id VARCHAR(255) UNIQUE NOT NULL DEFAULT ('cmd-' || gen_random_uuid()),
    agent_id VARCHAR(255) NOT NULL REFERENCES agents(agent_id) ON DELETE CASCADE,
    session_id VARCHAR(255) REFERENCES sessions(id) ON DELETE CASCADE,
    command_type VARCHAR(50) NOT NULL,      -- start_session, stop_session, hibernate_session, wake_session
    payload JSONB NOT NULL DEFAULT '{}',
    status VARCHAR(50) DEFAULT 'pending',   -- pending, sent, ack, completed, failed, timeout
    result JSONB,
    error_message TEXT,
    created_at TIMESTAMP DEFAULT NOW(),
    sent_at TIMESTAMP,
    acknowledged_at TIMESTAMP,
    completed_at TIMESTAMP,
    updated_at TIMESTAMP DEFAULT NOW()
);

-- An agent_commands table of another shape: the other seeds' names are
-- renamed to ours, missing columns added.
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT * FROM (VALUES ('action', 'command_type'),
        ('command_data', 'payload'), ('acked_at', 'acknowledged_at'),
        ('error', 'error_message')) AS v(old, new) LOOP
        IF EXISTS (SELECT 1 FROM information_schema.columns
                   WHERE table_schema = current_schema()
                     AND table_name = 'agent_commands' AND column_name = r.old)
           AND NOT EXISTS (SELECT 1 FROM information_schema.columns
                   WHERE table_schema = current_schema()
                     AND table_name = 'agent_commands' AND column_name = r.new) THEN
            EXECUTE format('ALTER TABLE agent_commands RENAME COLUMN %I TO %I',
                r.old, r.new);
            RAISE NOTICE 'agent_commands.% renamed to %', r.old, r.new;
        END IF;
    END LOOP;
END
$$;
ALTER TABLE agent_commands ADD COLUMN IF NOT EXISTS command_id VARCHAR(255)
    UNIQUE NOT NULL DEFAULT ('cmd-' || gen_random_uuid());
ALTER TABLE agent_commands ADD COLUMN IF NOT EXISTS session_id VARCHAR(255);
ALTER TABLE agent_commands ADD COLUMN IF NOT EXISTS payload JSONB NOT NULL DEFAULT '{}';
ALTER TABLE agent_commands ADD COLUMN IF NOT EXISTS result JSONB;
ALTER TABLE agent_commands ADD COLUMN IF NOT EXISTS error_message TEXT;
ALTER TABLE agent_commands ADD COLUMN IF NOT EXISTS sent_at TIMESTAMP;
ALTER TABLE agent_commands ADD COLUMN IF NOT EXISTS acknowledged_at TIMESTAMP;
ALTER TABLE agent_commands ADD COLUMN IF NOT EXISTS completed_at TIMESTAMP;
ALTER TABLE agent_commands ADD COLUMN IF NOT EXISTS updated_at TIMESTAMP DEFAULT NOW();
UPDATE agent_commands SET payload = '{}' WHERE payload IS NULL;
ALTER TABLE agent_commands ALTER COLUMN payload SET DEFAULT '{}';
ALTER TABLE agent_commands ALTER COLUMN payload SET NOT NULL;
-- ssd inserts commands naming only agent, session, type and payload.
ALTER TABLE agent_commands ALTER COLUMN command_id SET DEFAULT ('cmd-' || gen_random_uuid());
ALTER TABLE agent_commands ALTER COLUMN status SET DEFAULT 'pending';
ALTER TABLE agent_commands ALTER COLUMN created_at SET DEFAULT NOW();

CREATE INDEX IF NOT EXISTS idx_agent_commands_agent_id ON agent_commands(agent_id);
CREATE INDEX IF NOT EXISTS idx_agent_commands_session_id ON agent_commands(session_id);
CREATE INDEX IF NOT EXISTS idx_agent_commands_status ON agent_commands(status);
CREATE INDEX IF NOT EXISTS idx_agent_commands_created_at ON agent_commands(created_at);

COMMENT ON TABLE agent_commands IS 'Command queue for Control Plane -> Agent communication';
COMMENT ON COLUMN agent_commands.command_type IS 'Command type: start_session, stop_session, hibernate_session, wake_session';
COMMENT ON COLUMN agent_commands.status IS 'Command lifecycle: pending -> sent -> ack -> completed/failed (or timeout)';

-- 4. sessions: the agent columns ------------------------------------------
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                   WHERE table_schema = current_schema()
                     AND table_name = 'sessions'
                     AND column_name = 'platform_metadata') THEN
        ALTER TABLE sessions ADD COLUMN platform_metadata JSONB;
        -- The sessions there are now ran under the v1.x controller (000
        -- step 5, once).
        UPDATE sessions
        SET platform_metadata = jsonb_build_object('source', 'v1.x',
                'controller', 'kubebuilder');
    END IF;
END
$$;
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS agent_id VARCHAR(255)
    REFERENCES agents(agent_id) ON DELETE SET NULL;
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS platform VARCHAR(50) DEFAULT 'kubernetes';
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS region VARCHAR(100);
CREATE INDEX IF NOT EXISTS idx_sessions_agent_id ON sessions(agent_id);
CREATE INDEX IF NOT EXISTS idx_sessions_platform ON sessions(platform);

COMMENT ON COLUMN sessions.agent_id IS 'Agent managing this session (NULL if using v1.x controller)';
COMMENT ON COLUMN sessions.platform IS 'Platform where session is running: kubernetes, docker, vm, cloud';
COMMENT ON COLUMN sessions.platform_metadata IS 'Platform-specific session metadata';

-- 5. The foreign keys to agents and sessions, wherever they went missing
--    (a converted column, a table created by other code).
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT * FROM (VALUES
        ('sessions', 'agent_id', 'agents', 'agent_id', 'SET NULL'),
        ('agent_commands', 'agent_id', 'agents', 'agent_id', 'CASCADE'),
        ('agent_commands', 'session_id', 'sessions', 'id', 'CASCADE'))
        AS v(tbl, col, ref, refcol, ondelete) LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_constraint c
                JOIN pg_attribute a ON a.attrelid = c.conrelid
                 AND a.attnum = ANY (c.conkey)
                WHERE c.conrelid = format('%I', r.tbl)::regclass
                  AND c.contype = 'f'
                  AND c.confrelid = format('%I', r.ref)::regclass
                  AND a.attname = r.col) THEN
            EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I FOREIGN KEY (%I) '
                'REFERENCES %I(%I) ON DELETE %s NOT VALID', r.tbl,
                r.tbl || '_' || r.col || '_fkey', r.col, r.ref, r.refcol,
                r.ondelete);
            RAISE NOTICE 'foreign key %.% -> %(%) added', r.tbl, r.col,
                r.ref, r.refcol;
        END IF;
    END LOOP;
END
$$;

-- 6. platform_controllers (the admin UI's legacy view) --------------------
CREATE TABLE IF NOT EXISTS platform_controllers (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    controller_type VARCHAR(50) NOT NULL,   -- kubernetes, docker, vmware
    name VARCHAR(255) NOT NULL,
    endpoint VARCHAR(500),
    region VARCHAR(100),
    status VARCHAR(50) DEFAULT 'offline',
    cluster_info JSONB,
    capabilities JSONB,
    last_heartbeat TIMESTAMP,
    created_at TIMESTAMP DEFAULT NOW(),
    updated_at TIMESTAMP DEFAULT NOW(),
    UNIQUE (controller_type, name)
);
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM information_schema.columns
               WHERE table_schema = current_schema()
                 AND table_name = 'platform_controllers'
                 AND column_name = 'controller_type') THEN
        CREATE INDEX IF NOT EXISTS idx_platform_controllers_type
            ON platform_controllers(controller_type);
        CREATE INDEX IF NOT EXISTS idx_platform_controllers_status
            ON platform_controllers(status);
        COMMENT ON TABLE platform_controllers IS
            'Legacy table for controller-based architecture (used by admin UI)';
    ELSE
        RAISE NOTICE 'platform_controllers: StreamSpace v1.x''s own table, '
            'left as it is (ssd does not use it)';
    END IF;
END
$$;

-- 7. agents.updated_at on every UPDATE (000 step 7; the guide's CREATE
--    TRIGGER has no IF NOT EXISTS, hence the DROP first).
CREATE OR REPLACE FUNCTION update_agent_heartbeat() RETURNS TRIGGER AS $$
BEGIN
    NEW.updated_at = NOW();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS trigger_agents_updated_at ON agents;
CREATE TRIGGER trigger_agents_updated_at BEFORE UPDATE ON agents
    FOR EACH ROW EXECUTE FUNCTION update_agent_heartbeat();
