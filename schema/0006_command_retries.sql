-- 0006_command_retries.sql - a command an agent failed with "retryable"
-- waits until retry_at before it is sent again (back-off); attempts
-- (0003) counts the retries.
ALTER TABLE agent_commands ADD COLUMN IF NOT EXISTS retry_at TIMESTAMPTZ;
CREATE INDEX IF NOT EXISTS idx_agent_commands_retry_at
    ON agent_commands(retry_at) WHERE status = 'pending' AND retry_at IS NOT NULL;
