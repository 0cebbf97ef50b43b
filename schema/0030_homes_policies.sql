-- 0030_homes_policies.sql - what sessions need to look after the user's
-- data and the cluster's capacity (ssd-api(8): HOMES, POLICIES, CAPACITY):
--
-- * user_homes: the persistent home of each user in each agent namespace
--   (a PersistentVolumeClaim the agents create and never delete with a
--   session).  A row is written when a session that mounts it is created;
--   it goes away with an administrator's delete_home command
--   (delete_command), and shows as deleting while that command runs.
-- * sessions: the idle timeout and maximum duration in force (seconds,
--   resolved from template, user, groups and settings when the session
--   is created; NULL for sessions without an agent: no policy), when its
--   viewers were last warned, why a policy ended it, and which home it
--   mounts (home_namespace) and whether exclusively (ReadWriteOnce: the
--   unique index refuses a second live session of that user on it).
-- * user_quotas, group_quotas: the idle timeout and maximum duration of
--   users and groups (seconds; NULL: not set).
-- * agents: draining (no new sessions), and beside live_sessions (0007)
--   the sums that placement compares with the agent's capacity: its
--   hibernated sessions and the cpu (millicores) and memory (MiB) its
--   live and its hibernated sessions ask for, kept by a trigger as 0007
--   keeps live_sessions, for the same reasons.
--
-- The functions read values that ssd-api checked with common/units.c
-- before they were stored (Kubernetes quantities, policy durations); a
-- value they cannot read (a v1.x row, a hand-written one) counts as 0 or
-- as no policy, never as an error.

-- Quantities and durations --------------------------------------------
CREATE OR REPLACE FUNCTION ssd_quantity(q TEXT) RETURNS NUMERIC AS $$
    SELECT m[1]::numeric * CASE
        WHEN m[2] IS NULL OR m[2] = '' THEN 1
        WHEN m[2] ~ '^[eE]' THEN 10::numeric ^ substr(m[2], 2)::int
        ELSE CASE m[2] WHEN 'Ki' THEN 2::numeric ^ 10 WHEN 'Mi' THEN
            2::numeric ^ 20 WHEN 'Gi' THEN 2::numeric ^ 30 WHEN 'Ti' THEN
            2::numeric ^ 40 WHEN 'Pi' THEN 2::numeric ^ 50 WHEN 'Ei' THEN
            2::numeric ^ 60 WHEN 'n' THEN 1e-9 WHEN 'u' THEN 1e-6 WHEN 'm'
            THEN 1e-3 WHEN 'k' THEN 1e3 WHEN 'M' THEN 1e6 WHEN 'G' THEN 1e9
            WHEN 'T' THEN 1e12 WHEN 'P' THEN 1e15 WHEN 'E' THEN 1e18 END
        END
    FROM (SELECT regexp_match(q, '^([0-9]+\.?[0-9]*|\.[0-9]+)'
          '([eE][+-]?[0-9]{1,3}|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$')
          AS m) x
$$ LANGUAGE sql IMMUTABLE;

CREATE OR REPLACE FUNCTION ssd_cpu_millis(q TEXT) RETURNS BIGINT AS $$
    SELECT COALESCE(ceil(ssd_quantity(q) * 1000), 0)::bigint
$$ LANGUAGE sql IMMUTABLE;

CREATE OR REPLACE FUNCTION ssd_memory_mib(q TEXT) RETURNS BIGINT AS $$
    SELECT COALESCE(ceil(ssd_quantity(q) / 1048576), 0)::bigint
$$ LANGUAGE sql IMMUTABLE;

-- "0", "90", "1h30m": seconds; NULL for anything else.
CREATE OR REPLACE FUNCTION ssd_duration_seconds(d TEXT) RETURNS BIGINT AS $$
    SELECT CASE
        WHEN d ~ '^[0-9]{1,12}$' THEN d::bigint
        WHEN d ~ '^([0-9]{1,12}[smhd]){1,8}$' THEN (SELECT sum(m[1]::bigint *
            CASE m[2] WHEN 's' THEN 1 WHEN 'm' THEN 60 WHEN 'h' THEN 3600
            ELSE 86400 END) FROM regexp_matches(d, '([0-9]+)([smhd])', 'g')
            AS m)::bigint
        END
$$ LANGUAGE sql IMMUTABLE;

-- Sessions, quotas, agents ----------------------------------------------
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS idle_timeout_seconds INT;
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS max_duration_seconds INT;
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS policy_warned_at TIMESTAMPTZ;
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS policy_reason VARCHAR(32);
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS home_namespace VARCHAR(255);
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS home_exclusive BOOLEAN
    NOT NULL DEFAULT false;
CREATE UNIQUE INDEX IF NOT EXISTS idx_sessions_home_exclusive
    ON sessions (user_id, home_namespace)
    WHERE home_exclusive AND state NOT IN ('terminated', 'failed');
-- The policy timer reads the sessions a policy may end, not all.
CREATE INDEX IF NOT EXISTS idx_sessions_policy ON sessions (state)
    WHERE idle_timeout_seconds > 0 OR max_duration_seconds > 0;

ALTER TABLE user_quotas ADD COLUMN IF NOT EXISTS idle_timeout_seconds INT;
ALTER TABLE user_quotas ADD COLUMN IF NOT EXISTS
    max_session_duration_seconds INT;
ALTER TABLE group_quotas ADD COLUMN IF NOT EXISTS idle_timeout_seconds INT;
ALTER TABLE group_quotas ADD COLUMN IF NOT EXISTS
    max_session_duration_seconds INT;

ALTER TABLE agents ADD COLUMN IF NOT EXISTS draining BOOLEAN NOT NULL
    DEFAULT false;
ALTER TABLE agents ADD COLUMN IF NOT EXISTS hibernated_sessions INT NOT NULL
    DEFAULT 0;
ALTER TABLE agents ADD COLUMN IF NOT EXISTS live_cpu_millis BIGINT NOT NULL
    DEFAULT 0;
ALTER TABLE agents ADD COLUMN IF NOT EXISTS live_memory_mib BIGINT NOT NULL
    DEFAULT 0;
ALTER TABLE agents ADD COLUMN IF NOT EXISTS hibernated_cpu_millis BIGINT
    NOT NULL DEFAULT 0;
ALTER TABLE agents ADD COLUMN IF NOT EXISTS hibernated_memory_mib BIGINT
    NOT NULL DEFAULT 0;

-- Live event streams (GET /api/v1/events) show an agent drained or back:
-- 0010's trigger, with draining.
DROP TRIGGER IF EXISTS agents_notify_change ON agents;
CREATE TRIGGER agents_notify_change AFTER UPDATE ON agents
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
        OR OLD.approval_status IS DISTINCT FROM NEW.approval_status
        OR OLD.platform IS DISTINCT FROM NEW.platform
        OR OLD.region IS DISTINCT FROM NEW.region
        OR OLD.capacity IS DISTINCT FROM NEW.capacity
        OR OLD.metadata IS DISTINCT FROM NEW.metadata
        OR OLD.live_sessions IS DISTINCT FROM NEW.live_sessions
        OR OLD.draining IS DISTINCT FROM NEW.draining)
    EXECUTE FUNCTION agents_notify();

-- What a session row adds to its agent's sums (sign: 1 or -1).
CREATE OR REPLACE FUNCTION sessions_load_apply(s sessions, sign INT)
RETURNS VOID AS $$
BEGIN
    IF s.agent_id IS NULL OR s.state IS NULL OR
       s.state IN ('terminated', 'failed') THEN
        RETURN;
    END IF;
    UPDATE agents SET
        live_cpu_millis = live_cpu_millis + sign * ssd_cpu_millis(s.cpu),
        live_memory_mib = live_memory_mib + sign * ssd_memory_mib(s.memory),
        hibernated_sessions = hibernated_sessions +
            CASE WHEN s.state = 'hibernated' THEN sign ELSE 0 END,
        hibernated_cpu_millis = hibernated_cpu_millis +
            CASE WHEN s.state = 'hibernated' THEN
            sign * ssd_cpu_millis(s.cpu) ELSE 0 END,
        hibernated_memory_mib = hibernated_memory_mib +
            CASE WHEN s.state = 'hibernated' THEN
            sign * ssd_memory_mib(s.memory) ELSE 0 END
        WHERE agent_id = s.agent_id;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION sessions_count_load() RETURNS TRIGGER AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.agent_id IS NOT DISTINCT FROM NEW.agent_id
       AND OLD.cpu IS NOT DISTINCT FROM NEW.cpu
       AND OLD.memory IS NOT DISTINCT FROM NEW.memory
       AND (OLD.state IN ('terminated', 'failed')) IS NOT DISTINCT FROM
           (NEW.state IN ('terminated', 'failed'))
       AND (OLD.state = 'hibernated') IS NOT DISTINCT FROM
           (NEW.state = 'hibernated') THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        PERFORM sessions_load_apply(OLD, -1);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM sessions_load_apply(NEW, 1);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION sessions_truncated_load() RETURNS TRIGGER AS $$
BEGIN
    UPDATE agents SET hibernated_sessions = 0, live_cpu_millis = 0,
        live_memory_mib = 0, hibernated_cpu_millis = 0,
        hibernated_memory_mib = 0
        WHERE hibernated_sessions <> 0 OR live_cpu_millis <> 0 OR
        live_memory_mib <> 0;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS trigger_sessions_load ON sessions;
CREATE TRIGGER trigger_sessions_load
    AFTER INSERT OR DELETE OR UPDATE OF state, agent_id, cpu, memory
    ON sessions FOR EACH ROW EXECUTE FUNCTION sessions_count_load();
DROP TRIGGER IF EXISTS trigger_sessions_truncate_load ON sessions;
CREATE TRIGGER trigger_sessions_truncate_load AFTER TRUNCATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION sessions_truncated_load();

-- The sessions there already (CREATE TRIGGER holds writers off until the
-- transaction ends, as in 0007).
UPDATE agents a SET hibernated_sessions = l.hib, live_cpu_millis = l.cpu,
    live_memory_mib = l.mem, hibernated_cpu_millis = l.hcpu,
    hibernated_memory_mib = l.hmem
    FROM (SELECT s.agent_id, count(*) FILTER (WHERE s.state = 'hibernated')
          AS hib, sum(ssd_cpu_millis(s.cpu)) AS cpu,
          sum(ssd_memory_mib(s.memory)) AS mem,
          COALESCE(sum(ssd_cpu_millis(s.cpu)) FILTER (WHERE s.state =
          'hibernated'), 0) AS hcpu,
          COALESCE(sum(ssd_memory_mib(s.memory)) FILTER (WHERE s.state =
          'hibernated'), 0) AS hmem
          FROM sessions s WHERE s.agent_id IS NOT NULL AND
          s.state NOT IN ('terminated', 'failed') GROUP BY s.agent_id) l
    WHERE a.agent_id = l.agent_id;

-- Homes ----------------------------------------------------------------
-- user_id goes NULL when the user is deleted: the claim stays in the
-- cluster (with the files) until an administrator deletes it, and the
-- row is how they find it.
CREATE TABLE IF NOT EXISTS user_homes (
    id SERIAL PRIMARY KEY,
    user_id VARCHAR(255) REFERENCES users(id) ON DELETE SET NULL,
    username VARCHAR(255) NOT NULL,
    namespace VARCHAR(255) NOT NULL,
    access_mode VARCHAR(32) NOT NULL,
    size_bytes BIGINT NOT NULL,
    storage_class VARCHAR(253),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    last_used_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    delete_command VARCHAR(255)          -- agent_commands.command_id
);
CREATE UNIQUE INDEX IF NOT EXISTS idx_user_homes_user_namespace
    ON user_homes (user_id, namespace);
CREATE INDEX IF NOT EXISTS idx_user_homes_delete_command
    ON user_homes (delete_command) WHERE delete_command IS NOT NULL;
