-- 0001_core.sql - the StreamSpace v1.x core tables that the control plane
-- uses, so that a new database gets them and a v1.x database keeps its
-- own, with what ssd needs added.
--
-- Sources: the seeds only name these tables (000_b46713cf35e1485a.txt:
-- "87 tables", v2.0 "doesn't modify v1.x tables"; its migration ALTERs
-- sessions and needs sessions(id) to exist); their columns come from
-- design/ORIGINAL.md §4.4 (the v2.0 code's auto-migration, database.go)
-- and from what StreamSpace v1.x really creates
-- (../shared/reference/streamspace-v1.x-schema.sql, tested by
-- tests/integration/upgrade.sh).
--
-- Choices:
-- * CREATE ... IF NOT EXISTS, INSERT ... ON CONFLICT DO NOTHING: a table
--   that exists is kept with its rows.  What v1.x lacks is added after
--   each table (ADD COLUMN IF NOT EXISTS, a no-op where the CREATE made
--   the table): v1.x has no organizations, no org_id columns, and its
--   sessions have no tags, cluster_id or streaming_* columns.  Nothing of
--   v1.x is dropped or renamed; 0001_core.down.sql takes the additions
--   back out.
-- * v1.x's users.email is NOT NULL; ssd creates users without one
--   (ssdctl user add, the API's optional email), so the constraint is
--   dropped.  Going down puts it back, and stops, naming the users, while
--   one has no email.
-- * Ids are VARCHAR(255) as in v1.x (users.id is a UUID as text, the
--   seeded admin's is 'admin'; sessions.id is "<user>-<template>-<hex>"),
--   which decides the types of every reference in 0002 and 0003.
-- * Timestamps stay TIMESTAMP (without time zone) as in v1.x; columns that
--   ssd adds (0003) are TIMESTAMPTZ.
-- * Only the tables the control plane uses, and those they reference, are
--   created (organizations, repositories, connections included); a v1.x
--   database holds ~70 more feature tables, which ssd leaves alone.
-- * sessions.platform already exists in v1.x (DEFAULT 'kubernetes'); the
--   v2.0 columns (agent_id, platform_metadata, region) are 0002's.
-- * No schema_migrations here: the migration runner (ssd -M) owns it.

-- A column ssd relies on that exists with another type cannot be adapted
-- without changing what v1.x stored: stop and say so.
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT c.table_name, c.column_name, c.data_type, v.want
        FROM (VALUES ('users', 'id', 'character varying'),
            ('users', 'username', 'character varying'),
            ('users', 'password_hash', 'character varying'),
            ('groups', 'id', 'character varying'),
            ('sessions', 'id', 'character varying'),
            ('sessions', 'user_id', 'character varying'),
            ('sessions', 'state', 'character varying'),
            ('sessions', 'tags', 'ARRAY'),
            ('sessions', 'streaming_port', 'integer'),
            ('catalog_templates', 'manifest', 'jsonb'),
            ('catalog_templates', 'tags', 'ARRAY'),
            ('audit_log', 'changes', 'jsonb')) AS v(tbl, col, want)
        JOIN information_schema.columns c ON c.table_schema = current_schema()
         AND c.table_name = v.tbl AND c.column_name = v.col
        WHERE c.data_type <> v.want LOOP
        RAISE EXCEPTION 'table %, column %: is % where ssd needs %; convert '
            'it (ALTER TABLE % ALTER COLUMN % TYPE ...) or rename it, then '
            'run ssd -M again', r.table_name, r.column_name, r.data_type,
            r.want, r.table_name, r.column_name;
    END LOOP;
END
$$;

CREATE TABLE IF NOT EXISTS organizations (
    id VARCHAR(255) PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    display_name VARCHAR(255),
    k8s_namespace VARCHAR(255) DEFAULT 'streamspace',
    created_at TIMESTAMP DEFAULT NOW(),
    updated_at TIMESTAMP DEFAULT NOW()
);
INSERT INTO organizations (id, name, display_name, k8s_namespace)
VALUES ('default-org', 'default', 'Default Organization', 'streamspace')
ON CONFLICT (id) DO NOTHING;

CREATE TABLE IF NOT EXISTS users (
    id VARCHAR(255) PRIMARY KEY,            -- UUID text; the seeded admin is 'admin'
    username VARCHAR(255) UNIQUE NOT NULL,
    email VARCHAR(255) UNIQUE,
    full_name VARCHAR(255),
    role VARCHAR(50) DEFAULT 'user',        -- user, operator, admin
    provider VARCHAR(50) DEFAULT 'local',   -- local, saml, oidc
    active BOOLEAN DEFAULT true,
    password_hash VARCHAR(255),             -- crypt(3) string: bcrypt (v1) or yescrypt
    org_id VARCHAR(255) REFERENCES organizations(id) DEFAULT 'default-org',
    created_at TIMESTAMP DEFAULT NOW(),
    updated_at TIMESTAMP DEFAULT NOW(),
    last_login TIMESTAMP
);
-- v1.x: no organizations; email NOT NULL.
ALTER TABLE users ADD COLUMN IF NOT EXISTS org_id VARCHAR(255)
    REFERENCES organizations(id) DEFAULT 'default-org';
ALTER TABLE users ALTER COLUMN email DROP NOT NULL;

CREATE TABLE IF NOT EXISTS user_quotas (
    user_id VARCHAR(255) PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    max_sessions INT DEFAULT 5,
    max_cpu VARCHAR(50) DEFAULT '4000m',
    max_memory VARCHAR(50) DEFAULT '16Gi',
    max_storage VARCHAR(50) DEFAULT '100Gi',
    used_sessions INT DEFAULT 0,
    used_cpu VARCHAR(50) DEFAULT '0',
    used_memory VARCHAR(50) DEFAULT '0',
    used_storage VARCHAR(50) DEFAULT '0',
    created_at TIMESTAMP DEFAULT NOW(),
    updated_at TIMESTAMP DEFAULT NOW()
);

CREATE TABLE IF NOT EXISTS groups (
    id VARCHAR(255) PRIMARY KEY,
    name VARCHAR(255) UNIQUE NOT NULL,
    display_name VARCHAR(255),
    description TEXT,
    type VARCHAR(50) DEFAULT 'team',        -- team, department, project, system
    parent_id VARCHAR(255) REFERENCES groups(id) ON DELETE SET NULL,
    org_id VARCHAR(255) REFERENCES organizations(id) DEFAULT 'default-org',
    created_at TIMESTAMP DEFAULT NOW(),
    updated_at TIMESTAMP DEFAULT NOW()
);
ALTER TABLE groups ADD COLUMN IF NOT EXISTS org_id VARCHAR(255)
    REFERENCES organizations(id) DEFAULT 'default-org';

CREATE TABLE IF NOT EXISTS group_memberships (
    id VARCHAR(255) PRIMARY KEY,
    user_id VARCHAR(255) NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    group_id VARCHAR(255) NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    role VARCHAR(50) DEFAULT 'member',      -- member, admin, owner
    created_at TIMESTAMP DEFAULT NOW(),
    UNIQUE (user_id, group_id)
);

CREATE TABLE IF NOT EXISTS group_quotas (
    group_id VARCHAR(255) PRIMARY KEY REFERENCES groups(id) ON DELETE CASCADE,
    max_sessions INT DEFAULT 20,
    max_cpu VARCHAR(50) DEFAULT '16000m',
    max_memory VARCHAR(50) DEFAULT '64Gi',
    max_storage VARCHAR(50) DEFAULT '500Gi',
    created_at TIMESTAMP DEFAULT NOW(),
    updated_at TIMESTAMP DEFAULT NOW()
);

CREATE TABLE IF NOT EXISTS repositories (
    id SERIAL PRIMARY KEY,
    name VARCHAR(255) UNIQUE NOT NULL,
    url TEXT NOT NULL,
    branch VARCHAR(255) DEFAULT 'main',
    type VARCHAR(50) DEFAULT 'template',
    status VARCHAR(50) DEFAULT 'pending',
    last_sync TIMESTAMP,
    created_at TIMESTAMP DEFAULT NOW(),
    updated_at TIMESTAMP DEFAULT NOW()
);

CREATE TABLE IF NOT EXISTS catalog_templates (
    id SERIAL PRIMARY KEY,
    repository_id INT REFERENCES repositories(id) ON DELETE CASCADE,
    name VARCHAR(255) NOT NULL,
    display_name VARCHAR(255),
    description TEXT,
    category VARCHAR(255),
    app_type VARCHAR(50) DEFAULT 'desktop',
    icon_url TEXT,
    manifest JSONB,                         -- the full Template document
    tags TEXT[],
    install_count INT DEFAULT 0,
    is_featured BOOLEAN DEFAULT false,
    version VARCHAR(50) DEFAULT '1.0.0',
    view_count INT DEFAULT 0,
    avg_rating NUMERIC(3,2) DEFAULT 0,
    rating_count INT DEFAULT 0,
    platform VARCHAR(50) DEFAULT 'kubernetes',
    created_at TIMESTAMP DEFAULT NOW(),
    updated_at TIMESTAMP DEFAULT NOW(),
    UNIQUE (repository_id, name)
);

CREATE TABLE IF NOT EXISTS sessions (
    id VARCHAR(255) PRIMARY KEY,            -- <user>-<template>-<8 hex>, also the k8s name
    user_id VARCHAR(255) REFERENCES users(id) ON DELETE CASCADE,
    team_id VARCHAR(255) REFERENCES groups(id) ON DELETE SET NULL,
    template_name VARCHAR(255),
    state VARCHAR(50) DEFAULT 'pending',
    app_type VARCHAR(50) DEFAULT 'desktop',
    active_connections INT DEFAULT 0,
    url TEXT,
    namespace VARCHAR(255) DEFAULT 'streamspace',
    platform VARCHAR(50) DEFAULT 'kubernetes',
    controller_id VARCHAR(255),
    pod_name VARCHAR(255),
    memory VARCHAR(50),
    cpu VARCHAR(50),
    persistent_home BOOLEAN DEFAULT true,
    idle_timeout VARCHAR(50),
    max_session_duration VARCHAR(50),
    last_activity TIMESTAMP,
    snapshot_config JSONB,
    cluster_id VARCHAR(255),
    tags TEXT[],
    org_id VARCHAR(255) REFERENCES organizations(id) DEFAULT 'default-org',
    streaming_protocol VARCHAR(50) DEFAULT 'vnc',
    streaming_port INT DEFAULT 5900,
    streaming_path VARCHAR(255),
    created_at TIMESTAMP DEFAULT NOW(),
    updated_at TIMESTAMP DEFAULT NOW(),
    last_connection TIMESTAMP,
    last_disconnect TIMESTAMP
);
-- What v1.x's sessions lack.
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS platform VARCHAR(50) DEFAULT 'kubernetes';
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS snapshot_config JSONB;
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS cluster_id VARCHAR(255);
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS tags TEXT[];
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS org_id VARCHAR(255)
    REFERENCES organizations(id) DEFAULT 'default-org';
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS streaming_protocol VARCHAR(50) DEFAULT 'vnc';
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS streaming_port INT DEFAULT 5900;
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS streaming_path VARCHAR(255);
CREATE INDEX IF NOT EXISTS idx_sessions_user_id ON sessions(user_id);
CREATE INDEX IF NOT EXISTS idx_sessions_state ON sessions(state);
CREATE INDEX IF NOT EXISTS idx_sessions_tags ON sessions USING GIN (tags);

CREATE TABLE IF NOT EXISTS connections (
    id VARCHAR(255) PRIMARY KEY,
    session_id VARCHAR(255) REFERENCES sessions(id) ON DELETE CASCADE,
    user_id VARCHAR(255) REFERENCES users(id) ON DELETE CASCADE,
    client_ip VARCHAR(64),
    user_agent TEXT,
    connected_at TIMESTAMP DEFAULT NOW(),
    last_heartbeat TIMESTAMP DEFAULT NOW()
);

CREATE TABLE IF NOT EXISTS audit_log (
    id SERIAL PRIMARY KEY,
    user_id VARCHAR(255),
    action VARCHAR(255) NOT NULL,
    resource_type VARCHAR(255),
    resource_id VARCHAR(255),
    changes JSONB,
    timestamp TIMESTAMP DEFAULT NOW(),
    ip_address VARCHAR(64),
    org_id VARCHAR(255)
);
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS org_id VARCHAR(255);
CREATE INDEX IF NOT EXISTS idx_audit_log_timestamp ON audit_log(timestamp);
CREATE INDEX IF NOT EXISTS idx_audit_log_user_id ON audit_log(user_id);

CREATE TABLE IF NOT EXISTS api_keys (
    id SERIAL PRIMARY KEY,
    key_hash VARCHAR(255) UNIQUE NOT NULL,
    key_prefix VARCHAR(16) NOT NULL,
    name VARCHAR(255) NOT NULL,
    description TEXT,
    user_id VARCHAR(255) NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    scopes TEXT[],
    rate_limit INT DEFAULT 1000,
    expires_at TIMESTAMP,
    last_used_at TIMESTAMP,
    use_count INT DEFAULT 0,
    is_active BOOLEAN DEFAULT true,
    created_by VARCHAR(255),
    created_at TIMESTAMP DEFAULT NOW()
);

CREATE TABLE IF NOT EXISTS configuration (
    key VARCHAR(255) PRIMARY KEY,
    value TEXT,
    type VARCHAR(50) DEFAULT 'string',
    category VARCHAR(100),
    description TEXT,
    updated_at TIMESTAMP DEFAULT NOW(),
    updated_by VARCHAR(255)
);
