-- 0000_preexisting.sql - what the database held before ssd's first
-- migration (a StreamSpace v1.x database, one the seeds' v2.0 script was
-- run on), so that going down (NNNN_name.down.sql, ssdctl migrate down)
-- removes what ssd added and nothing that was there before.
--
-- Numbered 0000 so that it runs first on a new or a v1.x database.  On a
-- database ssd migrated before this file existed it runs after 0007 and
-- records nothing: 0001 could not have run on a real v1.x database then
-- (it failed on v1.x's sessions), so everything there is ssd's own.
--
-- schema_preexisting holds one row per object of the current schema:
-- kind is table, column, not_null (a NOT NULL column), index, constraint,
-- trigger, function (name: its signature), comment (of a table, name '',
-- or of a column).  tbl is the table ('' for functions).  The runner's
-- schema_migrations is not listed.
--
-- ssd_down(kind, tbl, name) undoes an object a migration added unless it
-- was there before: drops a table, column, index, constraint, trigger or
-- function, removes a comment.  ssd_down_not_null(tbl, col,
-- hint) puts back a NOT NULL that v1.x had and an up migration dropped, or
-- stops, naming the table, the column and (hint) what to do.  Neither
-- cascades: an object something else still depends on stops the down with
-- PostgreSQL's message, and nothing of that migration's down is applied.

CREATE TABLE IF NOT EXISTS schema_preexisting (
    kind TEXT NOT NULL,
    tbl TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (kind, tbl, name)
);

DO $$
DECLARE
    ours BOOLEAN;
BEGIN
    IF EXISTS (SELECT 1 FROM schema_preexisting) THEN
        RETURN;
    END IF;
    IF to_regclass('schema_migrations') IS NOT NULL THEN
        EXECUTE 'SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE '
            'version ~ ''^[0-9]{4}_'' AND version <> ''0000_preexisting'')'
            INTO ours;
        IF ours THEN
            RETURN;
        END IF;
    END IF;
    INSERT INTO schema_preexisting (kind, tbl, name)
    WITH t AS (
        SELECT c.oid, c.relname FROM pg_class c
        WHERE c.relnamespace = current_schema()::regnamespace
          AND c.relkind IN ('r', 'p')
          AND c.relname NOT IN ('schema_migrations', 'schema_preexisting'))
    SELECT 'table', t.relname, '' FROM t
    UNION SELECT 'column', t.relname, a.attname FROM t
        JOIN pg_attribute a ON a.attrelid = t.oid
        WHERE a.attnum > 0 AND NOT a.attisdropped
    UNION SELECT 'not_null', t.relname, a.attname FROM t
        JOIN pg_attribute a ON a.attrelid = t.oid
        WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attnotnull
    UNION SELECT 'index', t.relname, i.relname FROM t
        JOIN pg_index x ON x.indrelid = t.oid
        JOIN pg_class i ON i.oid = x.indexrelid
    UNION SELECT 'constraint', t.relname, con.conname FROM t
        JOIN pg_constraint con ON con.conrelid = t.oid
    UNION SELECT 'trigger', t.relname, tg.tgname FROM t
        JOIN pg_trigger tg ON tg.tgrelid = t.oid AND NOT tg.tgisinternal
    UNION SELECT 'comment', t.relname, COALESCE(a.attname, '') FROM t
        JOIN pg_description d ON d.objoid = t.oid
         AND d.classoid = 'pg_class'::regclass
        LEFT JOIN pg_attribute a ON a.attrelid = t.oid
         AND a.attnum = d.objsubid AND d.objsubid > 0
    UNION SELECT 'function', '', p.oid::regprocedure::text FROM pg_proc p
        WHERE p.pronamespace = current_schema()::regnamespace;
END
$$;

CREATE OR REPLACE FUNCTION ssd_preexisting(k TEXT, t TEXT, n TEXT)
RETURNS BOOLEAN AS $$
    SELECT EXISTS (SELECT 1 FROM schema_preexisting
                   WHERE kind = k AND tbl = t AND name = n);
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION ssd_down(k TEXT, t TEXT, n TEXT DEFAULT '')
RETURNS VOID AS $$
DECLARE
    tbl_here BOOLEAN := to_regclass(format('%I', t)) IS NOT NULL;
BEGIN
    IF ssd_preexisting(k, t, n) THEN
        RETURN;
    END IF;
    CASE k
    WHEN 'table' THEN
        EXECUTE format('DROP TABLE IF EXISTS %I', t);
    WHEN 'column' THEN
        IF tbl_here THEN
            EXECUTE format('ALTER TABLE %I DROP COLUMN IF EXISTS %I', t, n);
        END IF;
    WHEN 'index' THEN
        EXECUTE format('DROP INDEX IF EXISTS %I', n);
    WHEN 'constraint' THEN
        IF tbl_here THEN
            EXECUTE format('ALTER TABLE %I DROP CONSTRAINT IF EXISTS %I',
                t, n);
        END IF;
    WHEN 'trigger' THEN
        IF tbl_here THEN
            EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', n, t);
        END IF;
    WHEN 'function' THEN
        EXECUTE format('DROP FUNCTION IF EXISTS %s', n);
    WHEN 'comment' THEN
        IF tbl_here AND n = '' THEN
            EXECUTE format('COMMENT ON TABLE %I IS NULL', t);
        ELSIF tbl_here AND EXISTS (SELECT 1 FROM information_schema.columns
                WHERE table_schema = current_schema() AND table_name = t
                  AND column_name = n) THEN
            EXECUTE format('COMMENT ON COLUMN %I.%I IS NULL', t, n);
        END IF;
    ELSE
        RAISE EXCEPTION 'ssd_down: unknown kind %', k;
    END CASE;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION ssd_down_not_null(t TEXT, c TEXT, hint TEXT)
RETURNS VOID AS $$
DECLARE
    nulls BIGINT;
BEGIN
    IF NOT ssd_preexisting('not_null', t, c) THEN
        RETURN;
    END IF;
    EXECUTE format('SELECT count(*) FROM %I WHERE %I IS NULL', t, c)
        INTO nulls;
    IF nulls > 0 THEN
        RAISE EXCEPTION 'table %, column %: % row(s) hold NULL, which the '
            'database had forbidden before ssd; %', t, c, nulls, hint;
    END IF;
    EXECUTE format('ALTER TABLE %I ALTER COLUMN %I SET NOT NULL', t, c);
END;
$$ LANGUAGE plpgsql;
