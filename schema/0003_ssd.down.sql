-- 0003_ssd.down.sql - back to before 0003: viewer tickets, revoked
-- tokens, command deadlines and retries, agents' keys and approval go.
SELECT ssd_down('table', 'viewer_tickets');
SELECT ssd_down('table', 'revoked_tokens');

SELECT ssd_down('index', 'agent_commands', 'idx_agent_commands_deadline');
SELECT ssd_down('index', 'agent_commands', 'idx_agent_commands_agent_status');
SELECT ssd_down('column', 'agent_commands', 'attempts');
SELECT ssd_down('column', 'agent_commands', 'deadline');

SELECT ssd_down('index', 'agents', 'idx_agents_approval_status');
SELECT ssd_down('constraint', 'agents', 'agents_approval_status_check');
SELECT ssd_down('column', 'agents', 'approved_by');
SELECT ssd_down('column', 'agents', 'approved_at');
SELECT ssd_down('column', 'agents', 'approval_status');
SELECT ssd_down('column', 'agents', 'api_key_last_used_at');
SELECT ssd_down('column', 'agents', 'api_key_created_at');
SELECT ssd_down('column', 'agents', 'api_key_hash');
