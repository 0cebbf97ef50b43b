-- 0010_web.down.sql - back to before 0010: no ssd_agents notifications,
-- and templates are all in the catalog again.
SELECT ssd_down('trigger', 'agents', 'agents_notify_change');
SELECT ssd_down('trigger', 'agents', 'agents_notify_row');
SELECT ssd_down('function', '', 'agents_notify()');
SELECT ssd_down('column', 'catalog_templates', 'enabled');
