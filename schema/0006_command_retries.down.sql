-- 0006_command_retries.down.sql - back to before 0006.
SELECT ssd_down('index', 'agent_commands', 'idx_agent_commands_retry_at');
SELECT ssd_down('column', 'agent_commands', 'retry_at');
