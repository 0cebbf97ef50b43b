-- 0010_web.sql - what the web UI needs of the database.
--
-- ssd_agents notifications: a row of agents was added, removed, or changed
-- in what administrators watch (status, approval, platform, region,
-- capacity, metadata, count of live sessions), with its agent_id; ssd-api
-- passes them to administrators' event streams (GET /api/v1/events).
-- A trigger rather than the statements that change agents: every writer
-- (ssd-hub, ssd-api, ssdctl, an operator's psql) is seen.  Heartbeats,
-- which only move last_heartbeat, notify nothing.
--
-- catalog_templates.enabled: administrators take a template out of the
-- catalog without deleting it; sessions are created only from enabled
-- ones.  StreamSpace 1.x never reads the column.
CREATE OR REPLACE FUNCTION agents_notify() RETURNS TRIGGER AS $$
BEGIN
    PERFORM pg_notify('ssd_agents', CASE WHEN TG_OP = 'DELETE'
        THEN OLD.agent_id ELSE NEW.agent_id END);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS agents_notify_row ON agents;
CREATE TRIGGER agents_notify_row AFTER INSERT OR DELETE ON agents
    FOR EACH ROW EXECUTE FUNCTION agents_notify();
DROP TRIGGER IF EXISTS agents_notify_change ON agents;
CREATE TRIGGER agents_notify_change AFTER UPDATE ON agents
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
        OR OLD.approval_status IS DISTINCT FROM NEW.approval_status
        OR OLD.platform IS DISTINCT FROM NEW.platform
        OR OLD.region IS DISTINCT FROM NEW.region
        OR OLD.capacity IS DISTINCT FROM NEW.capacity
        OR OLD.metadata IS DISTINCT FROM NEW.metadata
        OR OLD.live_sessions IS DISTINCT FROM NEW.live_sessions)
    EXECUTE FUNCTION agents_notify();

ALTER TABLE catalog_templates ADD COLUMN IF NOT EXISTS enabled BOOLEAN
    NOT NULL DEFAULT true;
