-- 0007_agent_load.sql - each agent's count of live sessions (state neither
-- terminated nor failed, as ssd-api's SES_LIVE says), kept by triggers on
-- sessions, so that a session create picks the least-loaded agent from an
-- index instead of counting the sessions of every agent (43 ms a create
-- at 10,000 agents, bench/hub.sh).
--
-- Triggers rather than the statements that move sessions: every writer
-- (ssd-api, ssd-hub, ssdctl, an operator's psql, ON DELETE SET NULL when
-- an agent goes) keeps the count right without knowing of it.  TRUNCATE
-- fires no row trigger, hence the statement trigger for it.
--
-- pick_load is that count while the agent may take sessions (online and
-- approved), else NULL, which sorts last: the create reads the agents in
-- pick_load order from an index and stops at the first with room.  The
-- indexes are whole, not partial on status: the planner's statistics on
-- status are often stale (taken while every agent was offline, say), and
-- it then preferred idx_agents_status and sorted every online agent on
-- each create (20 ms at 10,000 agents).
ALTER TABLE agents ADD COLUMN IF NOT EXISTS live_sessions INT NOT NULL DEFAULT 0;
ALTER TABLE agents ADD COLUMN IF NOT EXISTS pick_load INT GENERATED ALWAYS AS
    (CASE WHEN status = 'online' AND
     COALESCE(approval_status, 'approved') = 'approved' THEN live_sessions
     END) STORED;

CREATE OR REPLACE FUNCTION sessions_count_live() RETURNS TRIGGER AS $$
DECLARE
    was_live BOOLEAN := false;
    is_live BOOLEAN := false;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        was_live := COALESCE(OLD.agent_id IS NOT NULL AND
            OLD.state NOT IN ('terminated', 'failed'), false);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        is_live := COALESCE(NEW.agent_id IS NOT NULL AND
            NEW.state NOT IN ('terminated', 'failed'), false);
    END IF;
    -- pending -> running and the like: still one session on one agent.
    IF was_live AND is_live AND OLD.agent_id = NEW.agent_id THEN
        RETURN NULL;
    END IF;
    IF was_live THEN
        UPDATE agents SET live_sessions = live_sessions - 1
            WHERE agent_id = OLD.agent_id;
    END IF;
    IF is_live THEN
        UPDATE agents SET live_sessions = live_sessions + 1
            WHERE agent_id = NEW.agent_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION sessions_truncated() RETURNS TRIGGER AS $$
BEGIN
    UPDATE agents SET live_sessions = 0 WHERE live_sessions <> 0;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS trigger_sessions_live ON sessions;
CREATE TRIGGER trigger_sessions_live
    AFTER INSERT OR DELETE OR UPDATE OF state, agent_id ON sessions
    FOR EACH ROW EXECUTE FUNCTION sessions_count_live();
DROP TRIGGER IF EXISTS trigger_sessions_truncate ON sessions;
CREATE TRIGGER trigger_sessions_truncate AFTER TRUNCATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION sessions_truncated();

-- The sessions there already.  CREATE TRIGGER locked sessions against
-- writers until this transaction ends, so no change slips in between the
-- count and the trigger.
UPDATE agents a SET live_sessions = l.n FROM (SELECT a2.agent_id,
    (SELECT count(*) FROM sessions s WHERE s.agent_id = a2.agent_id AND
     s.state NOT IN ('terminated', 'failed')) AS n FROM agents a2) l
    WHERE a.agent_id = l.agent_id AND a.live_sessions <> l.n;

-- The create's agent choice (ssd-api/sessions.c): the least-loaded agent
-- of the region asked for, else of no region when none was asked, else of
-- any, each read in that order from an index.  idx_agents_pick_region
-- leads with region, so it answers what idx_agents_region (0002) did; left
-- in place, that one looked as cheap to the planner as soon as it
-- misjudged how many agents a region has (no statistics yet, say), and
-- the create read a whole region from it and sorted it (5 ms at 1,000
-- agents).
CREATE INDEX IF NOT EXISTS idx_agents_pick ON agents (pick_load, agent_id);
CREATE INDEX IF NOT EXISTS idx_agents_pick_region
    ON agents (region, pick_load, agent_id);
CREATE INDEX IF NOT EXISTS idx_agents_pick_noregion
    ON agents ((region IS NOT NULL), pick_load, agent_id);
DROP INDEX IF EXISTS idx_agents_region;
