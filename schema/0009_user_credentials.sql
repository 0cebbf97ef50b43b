-- 0009_user_credentials.sql - what a user's credentials need beyond v1.x's
-- columns (ssd-api(8), USERS):
--
-- * users.token_generation: the generation of the user's tokens.  Each
--   token carries the generation it was issued in (claim "gen"); a
--   password change moves it on, so that every token issued before stops
--   working at once (ssd-api/auth.c checks it on every request).
-- * One user name per spelling: logins compare names without regard to
--   case, so "Bob" and "bob" cannot both exist.  The unique index is made
--   when the table allows it; a database that holds such a pair already
--   (v1.x compared names exactly) keeps both, is warned about, and new
--   names are still checked against every spelling (ssd-api/users.c).
ALTER TABLE users ADD COLUMN IF NOT EXISTS token_generation INTEGER
    NOT NULL DEFAULT 0;
COMMENT ON COLUMN users.token_generation IS
    'Tokens issued before the last password change carry an older generation and no longer work';

DO $$
DECLARE
    dup TEXT;
BEGIN
    SELECT string_agg(names, '; ') INTO dup FROM (
        SELECT string_agg(username, ', ' ORDER BY username) AS names
        FROM users GROUP BY lower(username) HAVING count(*) > 1) d;
    IF dup IS NULL THEN
        CREATE UNIQUE INDEX IF NOT EXISTS idx_users_username_lower
            ON users (lower(username));
    ELSE
        RAISE WARNING 'users differ only in case (%): logins pick the '
            'exact spelling first; rename one of each pair and run '
            'ssd -M again to make names unique without regard to case',
            dup;
    END IF;
END
$$;
