-- 0002_agents.down.sql - back to before 0002: the agents registry, the
-- command queue, platform_controllers and the sessions' agent columns go,
-- and with them the comments and indexes 0002 put on what stays.
--
-- Sessions that still run on agents stop it: without sessions.agent_id
-- nobody could find them again, and StreamSpace v1.x cannot reach them.
-- What 0002 converted or renamed in a database the seeds' v2.0 script
-- had touched (UUID agent ids, agent_commands' other column names) keeps
-- ssd's shape; the rows stay.
DO $$
DECLARE
    n BIGINT;
BEGIN
    IF EXISTS (SELECT 1 FROM information_schema.columns
               WHERE table_schema = current_schema()
                 AND table_name = 'sessions' AND column_name = 'agent_id')
       AND NOT ssd_preexisting('column', 'sessions', 'agent_id') THEN
        SELECT count(*) INTO n FROM sessions
            WHERE agent_id IS NOT NULL AND state NOT IN ('terminated', 'failed');
        IF n > 0 THEN
            RAISE EXCEPTION 'table sessions, column agent_id: % session(s) '
                'still run on agents, which nothing could reach after '
                'this; delete them (DELETE /api/v1/sessions/ID) and wait '
                'until they are terminated, then go down again', n;
        END IF;
    END IF;
END
$$;

SELECT ssd_down('trigger', 'agents', 'trigger_agents_updated_at');
SELECT ssd_down('function', '', 'update_agent_heartbeat()');

SELECT ssd_down('index', 'platform_controllers', 'idx_platform_controllers_status');
SELECT ssd_down('index', 'platform_controllers', 'idx_platform_controllers_type');
SELECT ssd_down('comment', 'platform_controllers', '');
SELECT ssd_down('table', 'platform_controllers');

SELECT ssd_down('constraint', 'sessions', 'sessions_agent_id_fkey');
SELECT ssd_down('index', 'sessions', 'idx_sessions_platform');
SELECT ssd_down('index', 'sessions', 'idx_sessions_agent_id');
SELECT ssd_down('comment', 'sessions', 'platform_metadata');
SELECT ssd_down('comment', 'sessions', 'platform');
SELECT ssd_down('comment', 'sessions', 'agent_id');
SELECT ssd_down('column', 'sessions', 'region');
SELECT ssd_down('column', 'sessions', 'platform_metadata');
SELECT ssd_down('column', 'sessions', 'agent_id');

SELECT ssd_down('table', 'agent_commands');

SELECT ssd_down('index', 'agents', 'idx_agents_last_heartbeat');
SELECT ssd_down('index', 'agents', 'idx_agents_region');
SELECT ssd_down('index', 'agents', 'idx_agents_status');
SELECT ssd_down('index', 'agents', 'idx_agents_platform');
SELECT ssd_down('table', 'agents');
