-- 0009_user_credentials.down.sql - back to before 0009: tokens carry no
-- generation any more (the older ssd ignores the claim), and names are
-- unique as spelt.
SELECT ssd_down('index', 'users', 'idx_users_username_lower');
SELECT ssd_down('column', 'users', 'token_generation');
