-- ssd-0007.sql - a database as ssd's migrations 0001..0007 left it before
-- migrations went both ways (commit c392241): pg_dump of a fresh
-- database after ssd -M, schema and rows.  upgrade.sh migrates it and
-- expects a fresh database's schema.

--
-- PostgreSQL database dump
--


-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: sessions_count_live(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sessions_count_live() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    was_live BOOLEAN := false;
    is_live BOOLEAN := false;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        was_live := COALESCE(OLD.agent_id IS NOT NULL AND
            OLD.state NOT IN ('terminated', 'failed'), false);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        is_live := COALESCE(NEW.agent_id IS NOT NULL AND
            NEW.state NOT IN ('terminated', 'failed'), false);
    END IF;
    -- pending -> running and the like: still one session on one agent.
    IF was_live AND is_live AND OLD.agent_id = NEW.agent_id THEN
        RETURN NULL;
    END IF;
    IF was_live THEN
        UPDATE agents SET live_sessions = live_sessions - 1
            WHERE agent_id = OLD.agent_id;
    END IF;
    IF is_live THEN
        UPDATE agents SET live_sessions = live_sessions + 1
            WHERE agent_id = NEW.agent_id;
    END IF;
    RETURN NULL;
END;
$$;


--
-- Name: sessions_truncated(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.sessions_truncated() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    UPDATE agents SET live_sessions = 0 WHERE live_sessions <> 0;
    RETURN NULL;
END;
$$;


--
-- Name: update_agent_heartbeat(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.update_agent_heartbeat() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.updated_at = NOW();
    RETURN NEW;
END;
$$;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: agent_commands; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.agent_commands (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    command_id character varying(255) DEFAULT ('cmd-'::text || gen_random_uuid()) NOT NULL,
    agent_id character varying(255) NOT NULL,
    session_id character varying(255),
    command_type character varying(50) NOT NULL,
    payload jsonb DEFAULT '{}'::jsonb NOT NULL,
    status character varying(50) DEFAULT 'pending'::character varying,
    result jsonb,
    error_message text,
    created_at timestamp without time zone DEFAULT now(),
    sent_at timestamp without time zone,
    acknowledged_at timestamp without time zone,
    completed_at timestamp without time zone,
    updated_at timestamp without time zone DEFAULT now(),
    deadline timestamp with time zone,
    attempts integer DEFAULT 0 NOT NULL,
    retry_at timestamp with time zone
);


--
-- Name: TABLE agent_commands; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.agent_commands IS 'Command queue for Control Plane -> Agent communication';


--
-- Name: COLUMN agent_commands.command_type; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agent_commands.command_type IS 'Command type: start_session, stop_session, hibernate_session, wake_session';


--
-- Name: COLUMN agent_commands.status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agent_commands.status IS 'Command lifecycle: pending -> sent -> ack -> completed/failed (or timeout)';


--
-- Name: agents; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.agents (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    agent_id character varying(255) NOT NULL,
    platform character varying(50) NOT NULL,
    region character varying(100),
    status character varying(50) DEFAULT 'offline'::character varying,
    capacity jsonb,
    metadata jsonb,
    websocket_conn_id character varying(255),
    last_heartbeat timestamp without time zone,
    created_at timestamp without time zone DEFAULT now(),
    updated_at timestamp without time zone DEFAULT now(),
    api_key_hash character varying(255),
    api_key_created_at timestamp without time zone,
    api_key_last_used_at timestamp without time zone,
    approval_status character varying(50) DEFAULT 'approved'::character varying,
    approved_at timestamp without time zone,
    approved_by character varying(255),
    connected_at timestamp without time zone,
    live_sessions integer DEFAULT 0 NOT NULL,
    pick_load integer GENERATED ALWAYS AS (
CASE
    WHEN (((status)::text = 'online'::text) AND ((COALESCE(approval_status, 'approved'::character varying))::text = 'approved'::text)) THEN live_sessions
    ELSE NULL::integer
END) STORED
);


--
-- Name: TABLE agents; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.agents IS 'Registry of platform-specific agents (K8s, Docker, etc.)';


--
-- Name: COLUMN agents.agent_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agents.agent_id IS 'Unique agent identifier (e.g., k8s-prod-us-east-1)';


--
-- Name: COLUMN agents.platform; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agents.platform IS 'Platform type: kubernetes, docker, vm, cloud';


--
-- Name: COLUMN agents.capacity; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agents.capacity IS 'Agent capacity: {max_cpu: 100, max_memory: 256, max_sessions: 100, current_sessions: 5}';


--
-- Name: COLUMN agents.metadata; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agents.metadata IS 'Platform-specific metadata (cluster name, version, etc.)';


--
-- Name: api_keys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.api_keys (
    id integer NOT NULL,
    key_hash character varying(255) NOT NULL,
    key_prefix character varying(16) NOT NULL,
    name character varying(255) NOT NULL,
    description text,
    user_id character varying(255) NOT NULL,
    scopes text[],
    rate_limit integer DEFAULT 1000,
    expires_at timestamp without time zone,
    last_used_at timestamp without time zone,
    use_count integer DEFAULT 0,
    is_active boolean DEFAULT true,
    created_by character varying(255),
    created_at timestamp without time zone DEFAULT now()
);


--
-- Name: api_keys_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.api_keys_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: api_keys_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.api_keys_id_seq OWNED BY public.api_keys.id;


--
-- Name: audit_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_log (
    id integer NOT NULL,
    user_id character varying(255),
    action character varying(255) NOT NULL,
    resource_type character varying(255),
    resource_id character varying(255),
    changes jsonb,
    "timestamp" timestamp without time zone DEFAULT now(),
    ip_address character varying(64),
    org_id character varying(255)
);


--
-- Name: audit_log_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.audit_log_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: audit_log_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.audit_log_id_seq OWNED BY public.audit_log.id;


--
-- Name: catalog_templates; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.catalog_templates (
    id integer NOT NULL,
    repository_id integer,
    name character varying(255) NOT NULL,
    display_name character varying(255),
    description text,
    category character varying(255),
    app_type character varying(50) DEFAULT 'desktop'::character varying,
    icon_url text,
    manifest jsonb,
    tags text[],
    install_count integer DEFAULT 0,
    is_featured boolean DEFAULT false,
    version character varying(50) DEFAULT '1.0.0'::character varying,
    view_count integer DEFAULT 0,
    avg_rating numeric(3,2) DEFAULT 0,
    rating_count integer DEFAULT 0,
    platform character varying(50) DEFAULT 'kubernetes'::character varying,
    created_at timestamp without time zone DEFAULT now(),
    updated_at timestamp without time zone DEFAULT now()
);


--
-- Name: catalog_templates_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.catalog_templates_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: catalog_templates_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.catalog_templates_id_seq OWNED BY public.catalog_templates.id;


--
-- Name: configuration; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.configuration (
    key character varying(255) NOT NULL,
    value text,
    type character varying(50) DEFAULT 'string'::character varying,
    category character varying(100),
    description text,
    updated_at timestamp without time zone DEFAULT now(),
    updated_by character varying(255)
);


--
-- Name: connections; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.connections (
    id character varying(255) NOT NULL,
    session_id character varying(255),
    user_id character varying(255),
    client_ip character varying(64),
    user_agent text,
    connected_at timestamp without time zone DEFAULT now(),
    last_heartbeat timestamp without time zone DEFAULT now()
);


--
-- Name: group_memberships; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.group_memberships (
    id character varying(255) NOT NULL,
    user_id character varying(255) NOT NULL,
    group_id character varying(255) NOT NULL,
    role character varying(50) DEFAULT 'member'::character varying,
    created_at timestamp without time zone DEFAULT now()
);


--
-- Name: group_quotas; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.group_quotas (
    group_id character varying(255) NOT NULL,
    max_sessions integer DEFAULT 20,
    max_cpu character varying(50) DEFAULT '16000m'::character varying,
    max_memory character varying(50) DEFAULT '64Gi'::character varying,
    max_storage character varying(50) DEFAULT '500Gi'::character varying,
    created_at timestamp without time zone DEFAULT now(),
    updated_at timestamp without time zone DEFAULT now()
);


--
-- Name: groups; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.groups (
    id character varying(255) NOT NULL,
    name character varying(255) NOT NULL,
    display_name character varying(255),
    description text,
    type character varying(50) DEFAULT 'team'::character varying,
    parent_id character varying(255),
    org_id character varying(255) DEFAULT 'default-org'::character varying,
    created_at timestamp without time zone DEFAULT now(),
    updated_at timestamp without time zone DEFAULT now()
);


--
-- Name: organizations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.organizations (
    id character varying(255) NOT NULL,
    name character varying(255) NOT NULL,
    display_name character varying(255),
    k8s_namespace character varying(255) DEFAULT 'streamspace'::character varying,
    created_at timestamp without time zone DEFAULT now(),
    updated_at timestamp without time zone DEFAULT now()
);


--
-- Name: platform_controllers; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.platform_controllers (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    controller_type character varying(50) NOT NULL,
    name character varying(255) NOT NULL,
    endpoint character varying(500),
    region character varying(100),
    status character varying(50) DEFAULT 'offline'::character varying,
    cluster_info jsonb,
    capabilities jsonb,
    last_heartbeat timestamp without time zone,
    created_at timestamp without time zone DEFAULT now(),
    updated_at timestamp without time zone DEFAULT now()
);


--
-- Name: TABLE platform_controllers; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.platform_controllers IS 'Legacy table for controller-based architecture (used by admin UI)';


--
-- Name: repositories; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.repositories (
    id integer NOT NULL,
    name character varying(255) NOT NULL,
    url text NOT NULL,
    branch character varying(255) DEFAULT 'main'::character varying,
    type character varying(50) DEFAULT 'template'::character varying,
    status character varying(50) DEFAULT 'pending'::character varying,
    last_sync timestamp without time zone,
    created_at timestamp without time zone DEFAULT now(),
    updated_at timestamp without time zone DEFAULT now()
);


--
-- Name: repositories_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.repositories_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: repositories_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.repositories_id_seq OWNED BY public.repositories.id;


--
-- Name: revoked_tokens; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.revoked_tokens (
    jti text NOT NULL,
    expires_at timestamp with time zone NOT NULL
);


--
-- Name: schema_migrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_migrations (
    version character varying(50) NOT NULL,
    applied_at timestamp without time zone DEFAULT now()
);


--
-- Name: sessions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.sessions (
    id character varying(255) NOT NULL,
    user_id character varying(255),
    team_id character varying(255),
    template_name character varying(255),
    state character varying(50) DEFAULT 'pending'::character varying,
    app_type character varying(50) DEFAULT 'desktop'::character varying,
    active_connections integer DEFAULT 0,
    url text,
    namespace character varying(255) DEFAULT 'streamspace'::character varying,
    platform character varying(50) DEFAULT 'kubernetes'::character varying,
    controller_id character varying(255),
    pod_name character varying(255),
    memory character varying(50),
    cpu character varying(50),
    persistent_home boolean DEFAULT true,
    idle_timeout character varying(50),
    max_session_duration character varying(50),
    last_activity timestamp without time zone,
    snapshot_config jsonb,
    cluster_id character varying(255),
    tags text[],
    org_id character varying(255) DEFAULT 'default-org'::character varying,
    streaming_protocol character varying(50) DEFAULT 'vnc'::character varying,
    streaming_port integer DEFAULT 5900,
    streaming_path character varying(255),
    created_at timestamp without time zone DEFAULT now(),
    updated_at timestamp without time zone DEFAULT now(),
    last_connection timestamp without time zone,
    last_disconnect timestamp without time zone,
    platform_metadata jsonb,
    agent_id character varying(255),
    region character varying(100)
);


--
-- Name: COLUMN sessions.platform; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.sessions.platform IS 'Platform where session is running: kubernetes, docker, vm, cloud';


--
-- Name: COLUMN sessions.platform_metadata; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.sessions.platform_metadata IS 'Platform-specific session metadata';


--
-- Name: COLUMN sessions.agent_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.sessions.agent_id IS 'Agent managing this session (NULL if using v1.x controller)';


--
-- Name: user_quotas; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.user_quotas (
    user_id character varying(255) NOT NULL,
    max_sessions integer DEFAULT 5,
    max_cpu character varying(50) DEFAULT '4000m'::character varying,
    max_memory character varying(50) DEFAULT '16Gi'::character varying,
    max_storage character varying(50) DEFAULT '100Gi'::character varying,
    used_sessions integer DEFAULT 0,
    used_cpu character varying(50) DEFAULT '0'::character varying,
    used_memory character varying(50) DEFAULT '0'::character varying,
    used_storage character varying(50) DEFAULT '0'::character varying,
    created_at timestamp without time zone DEFAULT now(),
    updated_at timestamp without time zone DEFAULT now()
);


--
-- Name: users; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.users (
    id character varying(255) NOT NULL,
    username character varying(255) NOT NULL,
    email character varying(255),
    full_name character varying(255),
    role character varying(50) DEFAULT 'user'::character varying,
    provider character varying(50) DEFAULT 'local'::character varying,
    active boolean DEFAULT true,
    password_hash character varying(255),
    org_id character varying(255) DEFAULT 'default-org'::character varying,
    created_at timestamp without time zone DEFAULT now(),
    updated_at timestamp without time zone DEFAULT now(),
    last_login timestamp without time zone
);


--
-- Name: viewer_tickets; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.viewer_tickets (
    ticket_hash text NOT NULL,
    user_id character varying(255) NOT NULL,
    session_id character varying(255) NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    used_at timestamp with time zone
);


--
-- Name: api_keys id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_keys ALTER COLUMN id SET DEFAULT nextval('public.api_keys_id_seq'::regclass);


--
-- Name: audit_log id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log ALTER COLUMN id SET DEFAULT nextval('public.audit_log_id_seq'::regclass);


--
-- Name: catalog_templates id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_templates ALTER COLUMN id SET DEFAULT nextval('public.catalog_templates_id_seq'::regclass);


--
-- Name: repositories id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repositories ALTER COLUMN id SET DEFAULT nextval('public.repositories_id_seq'::regclass);


--
-- Data for Name: agent_commands; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.agent_commands (id, command_id, agent_id, session_id, command_type, payload, status, result, error_message, created_at, sent_at, acknowledged_at, completed_at, updated_at, deadline, attempts, retry_at) FROM stdin;
\.


--
-- Data for Name: agents; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.agents (id, agent_id, platform, region, status, capacity, metadata, websocket_conn_id, last_heartbeat, created_at, updated_at, api_key_hash, api_key_created_at, api_key_last_used_at, approval_status, approved_at, approved_by, connected_at, live_sessions) FROM stdin;
\.


--
-- Data for Name: api_keys; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.api_keys (id, key_hash, key_prefix, name, description, user_id, scopes, rate_limit, expires_at, last_used_at, use_count, is_active, created_by, created_at) FROM stdin;
\.


--
-- Data for Name: audit_log; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.audit_log (id, user_id, action, resource_type, resource_id, changes, "timestamp", ip_address, org_id) FROM stdin;
\.


--
-- Data for Name: catalog_templates; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.catalog_templates (id, repository_id, name, display_name, description, category, app_type, icon_url, manifest, tags, install_count, is_featured, version, view_count, avg_rating, rating_count, platform, created_at, updated_at) FROM stdin;
\.


--
-- Data for Name: configuration; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.configuration (key, value, type, category, description, updated_at, updated_by) FROM stdin;
\.


--
-- Data for Name: connections; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.connections (id, session_id, user_id, client_ip, user_agent, connected_at, last_heartbeat) FROM stdin;
\.


--
-- Data for Name: group_memberships; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.group_memberships (id, user_id, group_id, role, created_at) FROM stdin;
\.


--
-- Data for Name: group_quotas; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.group_quotas (group_id, max_sessions, max_cpu, max_memory, max_storage, created_at, updated_at) FROM stdin;
\.


--
-- Data for Name: groups; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.groups (id, name, display_name, description, type, parent_id, org_id, created_at, updated_at) FROM stdin;
\.


--
-- Data for Name: organizations; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.organizations (id, name, display_name, k8s_namespace, created_at, updated_at) FROM stdin;
default-org	default	Default Organization	streamspace	2026-12-07 03:08:27.758408	2026-12-07 03:08:27.758408
\.


--
-- Data for Name: platform_controllers; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.platform_controllers (id, controller_type, name, endpoint, region, status, cluster_info, capabilities, last_heartbeat, created_at, updated_at) FROM stdin;
\.


--
-- Data for Name: repositories; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.repositories (id, name, url, branch, type, status, last_sync, created_at, updated_at) FROM stdin;
\.


--
-- Data for Name: revoked_tokens; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.revoked_tokens (jti, expires_at) FROM stdin;
\.


--
-- Data for Name: schema_migrations; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.schema_migrations (version, applied_at) FROM stdin;
0001_core	2026-12-07 03:08:27.758408
0002_agents	2026-12-07 03:08:27.838103
0003_ssd	2026-12-07 03:08:27.971192
0004_templates	2026-12-07 03:08:27.987703
0005_agent_links	2026-12-07 03:08:27.988922
0006_command_retries	2026-12-07 03:08:27.98981
0007_agent_load	2026-12-07 03:08:27.992729
\.


--
-- Data for Name: sessions; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.sessions (id, user_id, team_id, template_name, state, app_type, active_connections, url, namespace, platform, controller_id, pod_name, memory, cpu, persistent_home, idle_timeout, max_session_duration, last_activity, snapshot_config, cluster_id, tags, org_id, streaming_protocol, streaming_port, streaming_path, created_at, updated_at, last_connection, last_disconnect, platform_metadata, agent_id, region) FROM stdin;
\.


--
-- Data for Name: user_quotas; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.user_quotas (user_id, max_sessions, max_cpu, max_memory, max_storage, used_sessions, used_cpu, used_memory, used_storage, created_at, updated_at) FROM stdin;
\.


--
-- Data for Name: users; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.users (id, username, email, full_name, role, provider, active, password_hash, org_id, created_at, updated_at, last_login) FROM stdin;
\.


--
-- Data for Name: viewer_tickets; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.viewer_tickets (ticket_hash, user_id, session_id, created_at, expires_at, used_at) FROM stdin;
\.


--
-- Name: api_keys_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.api_keys_id_seq', 1, false);


--
-- Name: audit_log_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.audit_log_id_seq', 1, false);


--
-- Name: catalog_templates_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.catalog_templates_id_seq', 1, false);


--
-- Name: repositories_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.repositories_id_seq', 1, false);


--
-- Name: agent_commands agent_commands_command_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agent_commands
    ADD CONSTRAINT agent_commands_command_id_key UNIQUE (command_id);


--
-- Name: agent_commands agent_commands_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agent_commands
    ADD CONSTRAINT agent_commands_pkey PRIMARY KEY (id);


--
-- Name: agents agents_agent_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agents
    ADD CONSTRAINT agents_agent_id_key UNIQUE (agent_id);


--
-- Name: agents agents_approval_status_check; Type: CHECK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE public.agents
    ADD CONSTRAINT agents_approval_status_check CHECK (((approval_status)::text = ANY ((ARRAY['pending'::character varying, 'approved'::character varying, 'rejected'::character varying])::text[]))) NOT VALID;


--
-- Name: agents agents_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agents
    ADD CONSTRAINT agents_pkey PRIMARY KEY (id);


--
-- Name: api_keys api_keys_key_hash_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_keys
    ADD CONSTRAINT api_keys_key_hash_key UNIQUE (key_hash);


--
-- Name: api_keys api_keys_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_keys
    ADD CONSTRAINT api_keys_pkey PRIMARY KEY (id);


--
-- Name: audit_log audit_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);


--
-- Name: catalog_templates catalog_templates_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_templates
    ADD CONSTRAINT catalog_templates_pkey PRIMARY KEY (id);


--
-- Name: catalog_templates catalog_templates_repository_id_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_templates
    ADD CONSTRAINT catalog_templates_repository_id_name_key UNIQUE (repository_id, name);


--
-- Name: configuration configuration_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.configuration
    ADD CONSTRAINT configuration_pkey PRIMARY KEY (key);


--
-- Name: connections connections_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.connections
    ADD CONSTRAINT connections_pkey PRIMARY KEY (id);


--
-- Name: group_memberships group_memberships_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.group_memberships
    ADD CONSTRAINT group_memberships_pkey PRIMARY KEY (id);


--
-- Name: group_memberships group_memberships_user_id_group_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.group_memberships
    ADD CONSTRAINT group_memberships_user_id_group_id_key UNIQUE (user_id, group_id);


--
-- Name: group_quotas group_quotas_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.group_quotas
    ADD CONSTRAINT group_quotas_pkey PRIMARY KEY (group_id);


--
-- Name: groups groups_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.groups
    ADD CONSTRAINT groups_name_key UNIQUE (name);


--
-- Name: groups groups_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.groups
    ADD CONSTRAINT groups_pkey PRIMARY KEY (id);


--
-- Name: organizations organizations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.organizations
    ADD CONSTRAINT organizations_pkey PRIMARY KEY (id);


--
-- Name: platform_controllers platform_controllers_controller_type_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.platform_controllers
    ADD CONSTRAINT platform_controllers_controller_type_name_key UNIQUE (controller_type, name);


--
-- Name: platform_controllers platform_controllers_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.platform_controllers
    ADD CONSTRAINT platform_controllers_pkey PRIMARY KEY (id);


--
-- Name: repositories repositories_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repositories
    ADD CONSTRAINT repositories_name_key UNIQUE (name);


--
-- Name: repositories repositories_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repositories
    ADD CONSTRAINT repositories_pkey PRIMARY KEY (id);


--
-- Name: revoked_tokens revoked_tokens_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.revoked_tokens
    ADD CONSTRAINT revoked_tokens_pkey PRIMARY KEY (jti);


--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);


--
-- Name: sessions sessions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_pkey PRIMARY KEY (id);


--
-- Name: user_quotas user_quotas_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_quotas
    ADD CONSTRAINT user_quotas_pkey PRIMARY KEY (user_id);


--
-- Name: users users_email_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_email_key UNIQUE (email);


--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);


--
-- Name: users users_username_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_username_key UNIQUE (username);


--
-- Name: viewer_tickets viewer_tickets_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.viewer_tickets
    ADD CONSTRAINT viewer_tickets_pkey PRIMARY KEY (ticket_hash);


--
-- Name: idx_agent_commands_agent_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_agent_commands_agent_id ON public.agent_commands USING btree (agent_id);


--
-- Name: idx_agent_commands_agent_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_agent_commands_agent_status ON public.agent_commands USING btree (agent_id, status, created_at);


--
-- Name: idx_agent_commands_created_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_agent_commands_created_at ON public.agent_commands USING btree (created_at);


--
-- Name: idx_agent_commands_deadline; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_agent_commands_deadline ON public.agent_commands USING btree (deadline) WHERE (deadline IS NOT NULL);


--
-- Name: idx_agent_commands_retry_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_agent_commands_retry_at ON public.agent_commands USING btree (retry_at) WHERE (((status)::text = 'pending'::text) AND (retry_at IS NOT NULL));


--
-- Name: idx_agent_commands_session_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_agent_commands_session_id ON public.agent_commands USING btree (session_id);


--
-- Name: idx_agent_commands_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_agent_commands_status ON public.agent_commands USING btree (status);


--
-- Name: idx_agents_approval_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_agents_approval_status ON public.agents USING btree (approval_status);


--
-- Name: idx_agents_last_heartbeat; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_agents_last_heartbeat ON public.agents USING btree (last_heartbeat);


--
-- Name: idx_agents_pick; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_agents_pick ON public.agents USING btree (pick_load, agent_id);


--
-- Name: idx_agents_pick_noregion; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_agents_pick_noregion ON public.agents USING btree (((region IS NOT NULL)), pick_load, agent_id);


--
-- Name: idx_agents_pick_region; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_agents_pick_region ON public.agents USING btree (region, pick_load, agent_id);


--
-- Name: idx_agents_platform; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_agents_platform ON public.agents USING btree (platform);


--
-- Name: idx_agents_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_agents_status ON public.agents USING btree (status);


--
-- Name: idx_audit_log_timestamp; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_audit_log_timestamp ON public.audit_log USING btree ("timestamp");


--
-- Name: idx_audit_log_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_audit_log_user_id ON public.audit_log USING btree (user_id);


--
-- Name: idx_catalog_templates_local_name; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX idx_catalog_templates_local_name ON public.catalog_templates USING btree (name) WHERE (repository_id IS NULL);


--
-- Name: idx_platform_controllers_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_platform_controllers_status ON public.platform_controllers USING btree (status);


--
-- Name: idx_platform_controllers_type; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_platform_controllers_type ON public.platform_controllers USING btree (controller_type);


--
-- Name: idx_revoked_tokens_expires_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_revoked_tokens_expires_at ON public.revoked_tokens USING btree (expires_at);


--
-- Name: idx_sessions_agent_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_sessions_agent_id ON public.sessions USING btree (agent_id);


--
-- Name: idx_sessions_platform; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_sessions_platform ON public.sessions USING btree (platform);


--
-- Name: idx_sessions_state; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_sessions_state ON public.sessions USING btree (state);


--
-- Name: idx_sessions_tags; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_sessions_tags ON public.sessions USING gin (tags);


--
-- Name: idx_sessions_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_sessions_user_id ON public.sessions USING btree (user_id);


--
-- Name: idx_viewer_tickets_expires_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_viewer_tickets_expires_at ON public.viewer_tickets USING btree (expires_at);


--
-- Name: idx_viewer_tickets_session_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idx_viewer_tickets_session_id ON public.viewer_tickets USING btree (session_id);


--
-- Name: agents trigger_agents_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER trigger_agents_updated_at BEFORE UPDATE ON public.agents FOR EACH ROW EXECUTE FUNCTION public.update_agent_heartbeat();


--
-- Name: sessions trigger_sessions_live; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER trigger_sessions_live AFTER INSERT OR DELETE OR UPDATE OF state, agent_id ON public.sessions FOR EACH ROW EXECUTE FUNCTION public.sessions_count_live();


--
-- Name: sessions trigger_sessions_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER trigger_sessions_truncate AFTER TRUNCATE ON public.sessions FOR EACH STATEMENT EXECUTE FUNCTION public.sessions_truncated();


--
-- Name: agent_commands agent_commands_agent_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agent_commands
    ADD CONSTRAINT agent_commands_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES public.agents(agent_id) ON DELETE CASCADE;


--
-- Name: agent_commands agent_commands_session_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agent_commands
    ADD CONSTRAINT agent_commands_session_id_fkey FOREIGN KEY (session_id) REFERENCES public.sessions(id) ON DELETE CASCADE;


--
-- Name: api_keys api_keys_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_keys
    ADD CONSTRAINT api_keys_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: catalog_templates catalog_templates_repository_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_templates
    ADD CONSTRAINT catalog_templates_repository_id_fkey FOREIGN KEY (repository_id) REFERENCES public.repositories(id) ON DELETE CASCADE;


--
-- Name: connections connections_session_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.connections
    ADD CONSTRAINT connections_session_id_fkey FOREIGN KEY (session_id) REFERENCES public.sessions(id) ON DELETE CASCADE;


--
-- Name: connections connections_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.connections
    ADD CONSTRAINT connections_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: group_memberships group_memberships_group_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.group_memberships
    ADD CONSTRAINT group_memberships_group_id_fkey FOREIGN KEY (group_id) REFERENCES public.groups(id) ON DELETE CASCADE;


--
-- Name: group_memberships group_memberships_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.group_memberships
    ADD CONSTRAINT group_memberships_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: group_quotas group_quotas_group_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.group_quotas
    ADD CONSTRAINT group_quotas_group_id_fkey FOREIGN KEY (group_id) REFERENCES public.groups(id) ON DELETE CASCADE;


--
-- Name: groups groups_org_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.groups
    ADD CONSTRAINT groups_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.organizations(id);


--
-- Name: groups groups_parent_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.groups
    ADD CONSTRAINT groups_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES public.groups(id) ON DELETE SET NULL;


--
-- Name: sessions sessions_agent_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES public.agents(agent_id) ON DELETE SET NULL;


--
-- Name: sessions sessions_org_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.organizations(id);


--
-- Name: sessions sessions_team_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_team_id_fkey FOREIGN KEY (team_id) REFERENCES public.groups(id) ON DELETE SET NULL;


--
-- Name: sessions sessions_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: user_quotas user_quotas_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_quotas
    ADD CONSTRAINT user_quotas_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: users users_org_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.organizations(id);


--
-- Name: viewer_tickets viewer_tickets_session_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.viewer_tickets
    ADD CONSTRAINT viewer_tickets_session_id_fkey FOREIGN KEY (session_id) REFERENCES public.sessions(id) ON DELETE CASCADE;


--
-- Name: viewer_tickets viewer_tickets_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.viewer_tickets
    ADD CONSTRAINT viewer_tickets_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- PostgreSQL database dump complete
--


