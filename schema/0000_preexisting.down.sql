-- 0000_preexisting.down.sql - the last step down: what every other down
-- file used goes.
DROP FUNCTION IF EXISTS ssd_down_not_null(TEXT, TEXT, TEXT);
DROP FUNCTION IF EXISTS ssd_down(TEXT, TEXT, TEXT);
DROP FUNCTION IF EXISTS ssd_preexisting(TEXT, TEXT, TEXT);
DROP TABLE IF EXISTS schema_preexisting;
