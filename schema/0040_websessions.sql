-- 0040_websessions.sql - web-streamed sessions (KasmVNC, Selkies: a web
-- application on a port of the pod), each served on an origin of its own.
--
-- ssd_streaming(manifest): how sessions of a Template are reached, decided
-- once when one is created (or placed on an agent) and stored in
-- sessions.streaming_protocol/_port/_path.  An explicit spec.vnc (enabled;
-- protocol rfb or vnc, else a web protocol) or spec.kasmvnc (enabled: the
-- template catalog's form) wins; then StreamSpace 2.0's rules on the image
-- (linuxserver, kasmweb: selkies; guacamole; x2go) and the first port (3000
-- and 6901: selkies, 8080: guacamole); else VNC.  The port is the
-- template's own (spec.vnc.port, spec.kasmvnc.port, the first containerPort
-- as its pod declares it) before a rule's default.
--
-- ssd_session_view(protocol): how a browser shows such a session: web
-- (its own origin), vnc (noVNC), or none (x2go and the like).
--
-- sessions.web_label: the DNS label of the session's host, s-LABEL under
-- session_domain, from its id (ssd-api's dns_label_from()); NULL for
-- sessions created before, which have VNC.
--
-- web_cookies: the cookie a session's origin gets for a viewer ticket
-- (only its SHA-256, hex), good for that session and that user until
-- expires_at.  StreamSpace 1.x reads none of this.
CREATE OR REPLACE FUNCTION ssd_port(v text) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN v ~ '^[0-9]{1,5}$' AND v::integer BETWEEN 1 AND 65535
        THEN v::integer END
$$;

CREATE OR REPLACE FUNCTION ssd_streaming(manifest jsonb, OUT protocol text,
    OUT port integer, OUT path text)
LANGUAGE sql IMMUTABLE AS $$
    WITH m AS (SELECT
        lower(COALESCE(manifest#>>'{spec,baseImage}', '')) AS image,
        ssd_port(manifest#>>'{spec,ports,0,containerPort}') AS p0,
        manifest#>>'{spec,vnc,enabled}' = 'true' AS vnc,
        lower(COALESCE(manifest#>>'{spec,vnc,protocol}', 'rfb')) AS vproto,
        ssd_port(manifest#>>'{spec,vnc,port}') AS vport,
        manifest#>>'{spec,kasmvnc,enabled}' = 'true' AS kasm,
        ssd_port(manifest#>>'{spec,kasmvnc,port}') AS kport)
    SELECT CASE
        WHEN vnc AND vproto IN ('rfb', 'vnc') THEN 'vnc'
        WHEN vnc AND vproto IN ('http', 'kasmvnc', 'selkies', 'guacamole')
            THEN vproto
        WHEN vnc THEN 'vnc'
        WHEN kasm THEN 'kasmvnc'
        WHEN image LIKE '%linuxserver/%' OR image LIKE '%kasmweb/%'
            THEN 'selkies'
        WHEN image LIKE '%guacamole/%' THEN 'guacamole'
        WHEN image LIKE '%x2go%' THEN 'x2go'
        WHEN p0 IN (3000, 6901) THEN 'selkies'
        WHEN p0 = 8080 THEN 'guacamole'
        ELSE 'vnc' END,
    CASE
        WHEN vnc THEN COALESCE(vport, p0, CASE WHEN vproto IN ('rfb',
            'vnc') THEN 5900 ELSE 3000 END)
        WHEN kasm THEN COALESCE(kport, p0, 3000)
        WHEN image LIKE '%linuxserver/%' THEN COALESCE(p0, 3000)
        WHEN image LIKE '%kasmweb/%' THEN COALESCE(p0, 6901)
        WHEN image LIKE '%guacamole/%' THEN COALESCE(p0, 8080)
        WHEN image LIKE '%x2go%' THEN COALESCE(p0, 22)
        ELSE COALESCE(p0, 5900) END,
    CASE
        WHEN vnc THEN NULL
        WHEN kasm OR image LIKE '%linuxserver/%' OR image LIKE '%kasmweb/%'
            THEN '/websockify'
        WHEN image LIKE '%guacamole/%' THEN '/guacamole'
        WHEN image LIKE '%x2go%' THEN NULL
        WHEN p0 IN (3000, 6901) THEN '/websockify'
        WHEN p0 = 8080 THEN '/guacamole'
        END
    FROM m
$$;

CREATE OR REPLACE FUNCTION ssd_session_view(protocol text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN protocol IS NULL OR protocol = 'vnc' THEN 'vnc'
        WHEN protocol IN ('selkies', 'kasmvnc', 'kasm', 'guacamole', 'http')
            THEN 'web'
        ELSE 'none' END
$$;

ALTER TABLE sessions ADD COLUMN IF NOT EXISTS web_label TEXT;
CREATE UNIQUE INDEX IF NOT EXISTS idx_sessions_web_label ON sessions
    (web_label) WHERE web_label IS NOT NULL;

CREATE TABLE IF NOT EXISTS web_cookies (
    cookie_hash TEXT PRIMARY KEY,           -- SHA-256 of the cookie, hex
    user_id VARCHAR(255) NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    session_id VARCHAR(255) NOT NULL REFERENCES sessions(id)
        ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_web_cookies_expires_at ON web_cookies
    (expires_at);
CREATE INDEX IF NOT EXISTS idx_web_cookies_session_id ON web_cookies
    (session_id);
