-- 0003_ssd.sql - what the C control plane needs beyond the seeds' schema:
-- per-agent keys and approval, command deadlines and retries, revoked
-- user tokens, one-time viewer tickets.
--
-- Sources: no seed file has these.  The agent key and approval columns are
-- the v2.0 code's own (design/ORIGINAL.md §4.4, §7.2: api_key_hash,
-- api_key_created_at, api_key_last_used_at, approval_status, approved_at,
-- approved_by), so that a database the original v2.0 code migrated is a
-- valid starting point too.  The rest is ssd's (ORIGINAL.md §3: "no
-- timeout state, no retry counter, no per-command timeout"; §7.1: logout
-- never revoked anything; §1.3/§7.1: the viewer's token in a URL).
--
-- Idempotent: ADD COLUMN IF NOT EXISTS, CREATE ... IF NOT EXISTS, and a DO
-- block that adds a constraint only when it is missing.
--
-- Choices:
-- * The agent's key hash is agents.api_key_hash (the original's column
--   name, which ssd-api uses): SHA-256 of the 64-hex key, as 64 hex
--   digits.  No second "key_hash" column: a v2.0 row's api_key_hash is a
--   bcrypt string, which never equals a SHA-256 hex digest, so such an
--   agent's key simply stops working (fails closed) until it is given a
--   new key.
-- * agents.approval_status is 'pending' | 'approved' | 'rejected' (NULL
--   is read as 'approved', as the original did).  The column default is
--   'approved', the original's, so that agents that existed before
--   approval did stay in service; new registrations insert 'pending'
--   explicitly.  The CHECK is added NOT VALID: rows already there are
--   not checked, new values are.
-- * agent_commands.deadline (TIMESTAMPTZ, NULL = none): when a command not
--   yet answered times out (status 'timeout').  attempts: how many times
--   it was sent.  These replace 001's agent_commands.timeout_at.
-- * revoked_tokens: the jti of each logged-out JWT until it expires.
-- * viewer_tickets: a one-time, short-lived ticket for the VNC viewer, so
--   that no JWT goes into a URL; only its SHA-256 (hex) is stored.
-- * New columns are TIMESTAMPTZ; the seeds' columns stay TIMESTAMP.
-- * No schema_migrations: the migration runner owns it.

-- Agents: keys and approval (the original v2.0 code's columns).
ALTER TABLE agents ADD COLUMN IF NOT EXISTS api_key_hash VARCHAR(255);
ALTER TABLE agents ADD COLUMN IF NOT EXISTS api_key_created_at TIMESTAMP;
ALTER TABLE agents ADD COLUMN IF NOT EXISTS api_key_last_used_at TIMESTAMP;
-- Rows that existed before approval existed were working agents.
ALTER TABLE agents ADD COLUMN IF NOT EXISTS approval_status VARCHAR(50) DEFAULT 'approved';
ALTER TABLE agents ADD COLUMN IF NOT EXISTS approved_at TIMESTAMP;
ALTER TABLE agents ADD COLUMN IF NOT EXISTS approved_by VARCHAR(255);
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'agents'::regclass
                     AND conname = 'agents_approval_status_check') THEN
        ALTER TABLE agents ADD CONSTRAINT agents_approval_status_check
            CHECK (approval_status IN ('pending', 'approved', 'rejected'))
            NOT VALID;
    END IF;
END
$$;
CREATE INDEX IF NOT EXISTS idx_agents_approval_status ON agents(approval_status);

-- Commands: a deadline and a retry counter.
ALTER TABLE agent_commands ADD COLUMN IF NOT EXISTS deadline TIMESTAMPTZ;
ALTER TABLE agent_commands ADD COLUMN IF NOT EXISTS attempts INT NOT NULL DEFAULT 0;
-- The dispatcher's two questions: what is pending for this agent, and
-- what has passed its deadline.
CREATE INDEX IF NOT EXISTS idx_agent_commands_agent_status
    ON agent_commands(agent_id, status, created_at);
CREATE INDEX IF NOT EXISTS idx_agent_commands_deadline
    ON agent_commands(deadline) WHERE deadline IS NOT NULL;

-- Logged-out user tokens, until they would have expired anyway.
CREATE TABLE IF NOT EXISTS revoked_tokens (
    jti TEXT PRIMARY KEY,
    expires_at TIMESTAMPTZ NOT NULL         -- the row may go after this
);
CREATE INDEX IF NOT EXISTS idx_revoked_tokens_expires_at ON revoked_tokens(expires_at);

-- One-time tickets for the VNC viewer.
CREATE TABLE IF NOT EXISTS viewer_tickets (
    ticket_hash TEXT PRIMARY KEY,           -- SHA-256 of the ticket, hex
    user_id VARCHAR(255) NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    session_id VARCHAR(255) NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ                     -- NULL until redeemed (once)
);
CREATE INDEX IF NOT EXISTS idx_viewer_tickets_expires_at ON viewer_tickets(expires_at);
CREATE INDEX IF NOT EXISTS idx_viewer_tickets_session_id ON viewer_tickets(session_id);
