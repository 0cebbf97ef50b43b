-- 0005_agent_links.sql - when an agent's current control link came up
-- (NULL while it has none), for ssdctl show agents.
ALTER TABLE agents ADD COLUMN IF NOT EXISTS connected_at TIMESTAMP;
