-- 0030_homes_policies.down.sql - back to before 0030: homes, policies,
-- draining and the capacity sums go.  What was kept of homes is the
-- cluster's: the claims stay where they are (kubectl get pvc).
DO $$
DECLARE
    n BIGINT;
BEGIN
    IF to_regclass('user_homes') IS NOT NULL THEN
        SELECT count(*) INTO n FROM user_homes;
        IF n > 0 THEN
            RAISE WARNING 'user_homes: % home(s) are forgotten; their '
                'claims (home-USER) stay in the agents'' namespaces, and '
                'this ssd no longer mounts them', n;
        END IF;
    END IF;
END
$$;
SELECT ssd_down('trigger', 'sessions', 'trigger_sessions_truncate_load');
SELECT ssd_down('trigger', 'sessions', 'trigger_sessions_load');
SELECT ssd_down('function', '', 'sessions_truncated_load()');
SELECT ssd_down('function', '', 'sessions_count_load()');
SELECT ssd_down('function', '', 'sessions_load_apply(sessions,integer)');
SELECT ssd_down('index', 'user_homes', 'idx_user_homes_delete_command');
SELECT ssd_down('index', 'user_homes', 'idx_user_homes_user_namespace');
SELECT ssd_down('table', 'user_homes');
SELECT ssd_down('column', 'agents', 'hibernated_memory_mib');
SELECT ssd_down('column', 'agents', 'hibernated_cpu_millis');
SELECT ssd_down('column', 'agents', 'live_memory_mib');
SELECT ssd_down('column', 'agents', 'live_cpu_millis');
SELECT ssd_down('column', 'agents', 'hibernated_sessions');
-- 0010's trigger again, without draining.
DROP TRIGGER IF EXISTS agents_notify_change ON agents;
CREATE TRIGGER agents_notify_change AFTER UPDATE ON agents
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
        OR OLD.approval_status IS DISTINCT FROM NEW.approval_status
        OR OLD.platform IS DISTINCT FROM NEW.platform
        OR OLD.region IS DISTINCT FROM NEW.region
        OR OLD.capacity IS DISTINCT FROM NEW.capacity
        OR OLD.metadata IS DISTINCT FROM NEW.metadata
        OR OLD.live_sessions IS DISTINCT FROM NEW.live_sessions)
    EXECUTE FUNCTION agents_notify();
SELECT ssd_down('column', 'agents', 'draining');
SELECT ssd_down('column', 'group_quotas', 'max_session_duration_seconds');
SELECT ssd_down('column', 'group_quotas', 'idle_timeout_seconds');
SELECT ssd_down('column', 'user_quotas', 'max_session_duration_seconds');
SELECT ssd_down('column', 'user_quotas', 'idle_timeout_seconds');
SELECT ssd_down('index', 'sessions', 'idx_sessions_policy');
SELECT ssd_down('index', 'sessions', 'idx_sessions_home_exclusive');
SELECT ssd_down('column', 'sessions', 'home_exclusive');
SELECT ssd_down('column', 'sessions', 'home_namespace');
SELECT ssd_down('column', 'sessions', 'policy_reason');
SELECT ssd_down('column', 'sessions', 'policy_warned_at');
SELECT ssd_down('column', 'sessions', 'max_duration_seconds');
SELECT ssd_down('column', 'sessions', 'idle_timeout_seconds');
SELECT ssd_down('function', '', 'ssd_duration_seconds(text)');
SELECT ssd_down('function', '', 'ssd_memory_mib(text)');
SELECT ssd_down('function', '', 'ssd_cpu_millis(text)');
SELECT ssd_down('function', '', 'ssd_quantity(text)');
