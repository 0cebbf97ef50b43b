-- 0004_templates.sql - templates created through the API (no repository)
-- are named uniquely: UNIQUE (repository_id, name) does not cover them,
-- since NULLs are distinct.
CREATE UNIQUE INDEX IF NOT EXISTS idx_catalog_templates_local_name
    ON catalog_templates (name) WHERE repository_id IS NULL;
