-- 0008_v1x_passwords.sql - the way back for StreamSpace v1.x users'
-- passwords.  v1.x stored bcrypt hashes; ssd checks them and, at the
-- first successful login, stores a yescrypt hash instead (ssd-api/auth.c,
-- auth_rehash).  v1.x checks bcrypt only, so the bcrypt hash a login
-- replaced is kept in users.v1_password_hash, and going down
-- (0008_v1x_passwords.down.sql) puts it back.
--
-- A password set in ssd after that (the API, ssdctl, psql) makes the kept
-- hash stale: the trigger forgets it unless the same UPDATE sets it,
-- which only the rehash does.  Such a user's password cannot be given
-- back to v1.x; going down says how many there are.
ALTER TABLE users ADD COLUMN IF NOT EXISTS v1_password_hash VARCHAR(255);
COMMENT ON COLUMN users.v1_password_hash IS
    'The StreamSpace v1.x bcrypt hash a login replaced, for going back to v1.x';

CREATE OR REPLACE FUNCTION users_forget_v1_password() RETURNS TRIGGER AS $$
BEGIN
    IF NEW.v1_password_hash IS NOT DISTINCT FROM OLD.v1_password_hash THEN
        NEW.v1_password_hash := NULL;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS trigger_users_v1_password ON users;
CREATE TRIGGER trigger_users_v1_password BEFORE UPDATE OF password_hash
    ON users FOR EACH ROW
    WHEN (NEW.password_hash IS DISTINCT FROM OLD.password_hash)
    EXECUTE FUNCTION users_forget_v1_password();
