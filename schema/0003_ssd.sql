-- 0003_ssd.sql - what the v2.0 code added to the seeds' schema and the C
-- control plane keeps: per-agent credentials and approval (ORIGINAL.md
-- §4.4, §7.2: the original's columns), and revoked user tokens (logout
-- must really log out, which the original's never did).

ALTER TABLE agents ADD COLUMN IF NOT EXISTS api_key_hash VARCHAR(255);
ALTER TABLE agents ADD COLUMN IF NOT EXISTS api_key_created_at TIMESTAMP;
ALTER TABLE agents ADD COLUMN IF NOT EXISTS api_key_last_used_at TIMESTAMP;
-- Rows that existed before approval existed were working agents.
ALTER TABLE agents ADD COLUMN IF NOT EXISTS approval_status VARCHAR(50) DEFAULT 'approved';
ALTER TABLE agents ADD COLUMN IF NOT EXISTS approved_at TIMESTAMP;
ALTER TABLE agents ADD COLUMN IF NOT EXISTS approved_by VARCHAR(255);

CREATE TABLE IF NOT EXISTS revoked_tokens (
    jti VARCHAR(128) PRIMARY KEY,
    expires_at TIMESTAMPTZ NOT NULL         -- the row may go once the token has expired
);
CREATE INDEX IF NOT EXISTS idx_revoked_tokens_expires_at ON revoked_tokens(expires_at);
