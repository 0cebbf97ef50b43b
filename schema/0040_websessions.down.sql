-- 0040_websessions.down.sql - back to before 0040: no session origins.
-- Sessions keep the streaming_protocol they were given; ssd before 0040
-- shows them all with noVNC.
SELECT ssd_down('index', 'web_cookies', 'idx_web_cookies_session_id');
SELECT ssd_down('index', 'web_cookies', 'idx_web_cookies_expires_at');
SELECT ssd_down('table', 'web_cookies');
SELECT ssd_down('index', 'sessions', 'idx_sessions_web_label');
SELECT ssd_down('column', 'sessions', 'web_label');
SELECT ssd_down('function', '', 'ssd_session_view(text)');
SELECT ssd_down('function', '', 'ssd_streaming(jsonb)');
SELECT ssd_down('function', '', 'ssd_port(text)');
