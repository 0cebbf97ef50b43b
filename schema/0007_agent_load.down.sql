-- 0007_agent_load.down.sql - back to before 0007: the live-session count
-- and its triggers go; idx_agents_region, which 0007 replaced, is back.
SELECT ssd_down('trigger', 'sessions', 'trigger_sessions_truncate');
SELECT ssd_down('trigger', 'sessions', 'trigger_sessions_live');
SELECT ssd_down('function', '', 'sessions_truncated()');
SELECT ssd_down('function', '', 'sessions_count_live()');
SELECT ssd_down('index', 'agents', 'idx_agents_pick_noregion');
SELECT ssd_down('index', 'agents', 'idx_agents_pick_region');
SELECT ssd_down('index', 'agents', 'idx_agents_pick');
SELECT ssd_down('column', 'agents', 'pick_load');
SELECT ssd_down('column', 'agents', 'live_sessions');
CREATE INDEX IF NOT EXISTS idx_agents_region ON agents(region);
