-- 0005_agent_links.down.sql - back to before 0005.
SELECT ssd_down('column', 'agents', 'connected_at');
