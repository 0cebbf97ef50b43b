-- 0020_web.down.sql - the reverse of 0020_web.sql (never applied by
-- ssd's migrations, which skip *.down.sql).
DROP TRIGGER IF EXISTS agents_notify_change ON agents;
DROP TRIGGER IF EXISTS agents_notify_row ON agents;
DROP FUNCTION IF EXISTS agents_notify();
ALTER TABLE catalog_templates DROP COLUMN IF EXISTS enabled;
