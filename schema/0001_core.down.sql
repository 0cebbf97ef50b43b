-- 0001_core.down.sql - back to before 0001: on a new database its tables
-- go; on a StreamSpace v1.x one they stay, with v1.x's rows and ssd's, and
-- only what 0001 added goes (organizations, org_id, sessions' extra
-- columns), users.email NOT NULL again.  Users made in ssd without an
-- email stop it: v1.x requires one.
DO $$
DECLARE
    who TEXT;
BEGIN
    SELECT string_agg(quote_literal(username), ', ' ORDER BY username)
        INTO who FROM users WHERE email IS NULL;
    PERFORM ssd_down_not_null('users', 'email', 'give ' || COALESCE(who, '')
        || ' an email address (UPDATE users SET email = ... WHERE '
        || 'username = ...) or delete them, then go down again');
END
$$;

SELECT ssd_down('index', 'audit_log', 'idx_audit_log_user_id');
SELECT ssd_down('index', 'audit_log', 'idx_audit_log_timestamp');
SELECT ssd_down('index', 'sessions', 'idx_sessions_tags');
SELECT ssd_down('index', 'sessions', 'idx_sessions_state');
SELECT ssd_down('index', 'sessions', 'idx_sessions_user_id');

SELECT ssd_down('column', 'audit_log', 'org_id');
SELECT ssd_down('column', 'sessions', 'streaming_path');
SELECT ssd_down('column', 'sessions', 'streaming_port');
SELECT ssd_down('column', 'sessions', 'streaming_protocol');
SELECT ssd_down('column', 'sessions', 'org_id');
SELECT ssd_down('column', 'sessions', 'tags');
SELECT ssd_down('column', 'sessions', 'cluster_id');
SELECT ssd_down('column', 'sessions', 'snapshot_config');
SELECT ssd_down('column', 'sessions', 'platform');
SELECT ssd_down('column', 'groups', 'org_id');
SELECT ssd_down('column', 'users', 'org_id');

SELECT ssd_down('table', 'configuration');
SELECT ssd_down('table', 'api_keys');
SELECT ssd_down('table', 'audit_log');
SELECT ssd_down('table', 'connections');
SELECT ssd_down('table', 'sessions');
SELECT ssd_down('table', 'catalog_templates');
SELECT ssd_down('table', 'repositories');
SELECT ssd_down('table', 'group_quotas');
SELECT ssd_down('table', 'group_memberships');
SELECT ssd_down('table', 'groups');
SELECT ssd_down('table', 'user_quotas');
SELECT ssd_down('table', 'users');
SELECT ssd_down('table', 'organizations');
