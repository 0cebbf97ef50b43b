-- 0002_agents.sql - the StreamSpace v2.0 agents migration (seeds: the
-- v1.x -> v2.0 migration guide, 000_*.txt, and the release notes,
-- 001_*.txt), idempotent, reconciled where the seeds disagree:
--
-- * agents are referenced by agent_id (the VARCHAR name), not by the UUID:
--   the v2.0 code and the release notes do so, sessions.agent_id holds
--   that name, and the guide's UUID references would not match.
-- * sessions.id is VARCHAR in v1.x, so agent_commands.session_id is too
--   (the guide's "session_id UUID REFERENCES sessions(id)" cannot work).
-- * agent_commands keeps both spellings the seeds use for its fields only
--   once: command_type (guide) and payload (release notes).
-- * schema_migrations belongs to the migration runner (ssd -M), which
--   creates it with the guide's definition; the guide's 'v2.0.0-agents'
--   row may be present in a database migrated by the original script and
--   is left alone.

CREATE TABLE IF NOT EXISTS agents (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    agent_id VARCHAR(255) UNIQUE NOT NULL,  -- "k8s-cluster-1"
    platform VARCHAR(50) NOT NULL,          -- kubernetes, docker, vm, cloud
    region VARCHAR(100),
    status VARCHAR(50) DEFAULT 'offline',   -- online, offline, draining
    capacity JSONB,
    metadata JSONB,
    websocket_conn_id VARCHAR(255),
    last_heartbeat TIMESTAMP,
    created_at TIMESTAMP DEFAULT NOW(),
    updated_at TIMESTAMP DEFAULT NOW()
);
CREATE INDEX IF NOT EXISTS idx_agents_platform ON agents(platform);
CREATE INDEX IF NOT EXISTS idx_agents_status ON agents(status);
CREATE INDEX IF NOT EXISTS idx_agents_region ON agents(region);
CREATE INDEX IF NOT EXISTS idx_agents_last_heartbeat ON agents(last_heartbeat);

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
    updated_at TIMESTAMP DEFAULT NOW()      -- the original wrote it but never created it
);
CREATE INDEX IF NOT EXISTS idx_agent_commands_agent_id ON agent_commands(agent_id);
CREATE INDEX IF NOT EXISTS idx_agent_commands_session_id ON agent_commands(session_id);
CREATE INDEX IF NOT EXISTS idx_agent_commands_status ON agent_commands(status);
CREATE INDEX IF NOT EXISTS idx_agent_commands_created_at ON agent_commands(created_at);

ALTER TABLE sessions ADD COLUMN IF NOT EXISTS agent_id VARCHAR(255)
    REFERENCES agents(agent_id) ON DELETE SET NULL;
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS platform VARCHAR(50) DEFAULT 'kubernetes';
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS platform_metadata JSONB;
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS region VARCHAR(100);
CREATE INDEX IF NOT EXISTS idx_sessions_agent_id ON sessions(agent_id);
CREATE INDEX IF NOT EXISTS idx_sessions_platform ON sessions(platform);

CREATE TABLE IF NOT EXISTS platform_controllers (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    controller_type VARCHAR(50) NOT NULL,
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

-- v1.x sessions ran under the Kubernetes controller.
UPDATE sessions
SET platform = 'kubernetes',
    platform_metadata = jsonb_build_object('source', 'v1.x', 'controller', 'kubebuilder')
WHERE platform_metadata IS NULL AND agent_id IS NULL;

CREATE OR REPLACE FUNCTION update_agent_heartbeat() RETURNS TRIGGER AS $$
BEGIN
    NEW.updated_at = NOW();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS trigger_agents_updated_at ON agents;
CREATE TRIGGER trigger_agents_updated_at BEFORE UPDATE ON agents
    FOR EACH ROW EXECUTE FUNCTION update_agent_heartbeat();
