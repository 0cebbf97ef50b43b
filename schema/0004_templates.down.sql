-- 0004_templates.down.sql - back to before 0004.
SELECT ssd_down('index', 'catalog_templates', 'idx_catalog_templates_local_name');
