-- 0008_v1x_passwords.down.sql - back to before 0008: each v1.x user whose
-- bcrypt hash a login replaced gets it back, so that StreamSpace v1.x can
-- check their password again.  Passwords set in ssd cannot be given back
-- (v1.x checks bcrypt only): a warning counts those users of a database
-- that was v1.x's.
SELECT ssd_down('trigger', 'users', 'trigger_users_v1_password');
SELECT ssd_down('function', '', 'users_forget_v1_password()');
UPDATE users SET password_hash = v1_password_hash
    WHERE v1_password_hash IS NOT NULL;
DO $$
DECLARE
    who TEXT;
BEGIN
    IF ssd_preexisting('table', 'users', '') THEN
        SELECT string_agg(username, ', ' ORDER BY username) INTO who
            FROM users WHERE password_hash LIKE '$y$%';
        IF who IS NOT NULL THEN
            RAISE WARNING 'users %: their passwords were set in ssd, '
                'which StreamSpace v1.x cannot check; set them again in '
                'v1.x', who;
        END IF;
    END IF;
END
$$;
SELECT ssd_down('column', 'users', 'v1_password_hash');
