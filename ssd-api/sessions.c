/*
 * sessions.c - /api/v1/sessions.  A user owns the sessions they create
 * and sees only those; operators and administrators see all.  Creating
 * picks an agent and writes the session and its start_session command in
 * one statement, and NOTIFYs the hubs; so does every state change a user
 * asks for.  Transitions follow common/session_state.c.  A session with
 * no agent (StreamSpace v1.x's, or imported) is "legacy": listed, never
 * counted against a quota, deletable, and placed on an agent when woken
 * from hibernated; nothing else can reach it.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "agentproto.h"
#include "api.h"
#include "conf.h"
#include "db.h"
#include "log.h"
#include "session_state.h"
#include "template.h"
#include "util.h"
#include "webhost.h"
#include "worker.h"

#define SES_ID_USER_MAX		20
#define SES_ID_TPL_MAX		30

#define SES_ISO(col) \
    "to_char(" col ", 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
/*
 * A live session whose agent is offline is shown as degraded (the seeds'
 * term) until the agent is back; the stored state is unchanged.  Needs
 * agents a joined on s.agent_id.
 */
#define SES_SHOWN \
    "CASE WHEN s.agent_id IS NOT NULL AND a.status IS DISTINCT FROM " \
    "'online' AND s.state NOT IN ('terminated', 'failed') THEN " \
    "'degraded' ELSE s.state END"
/*
 * A session as the API shows it, built by PostgreSQL from sessions s
 * and users u (one definition for every answer; JSON made in the
 * database costs ssd-api nothing per row).  Columns after it: its id,
 * owner's name and agent, for logs.
 */
#define SES_JSON \
    "json_strip_nulls(json_build_object('id', s.id, 'name', s.id, " \
    "'userId', s.user_id, 'user', COALESCE(u.username, ''), 'template', " \
    "COALESCE(s.template_name, ''), 'state', " SES_SHOWN ", 'status', " \
    "json_build_object('phase', initcap(" SES_SHOWN "), 'podName', " \
    "NULLIF(s.pod_name, '')), 'agentId', COALESCE(s.agent_id, ''), " \
    "'platform', COALESCE(s.platform, ''), 'region', COALESCE(s.region, " \
    "''), 'platformMetadata', COALESCE(s.platform_metadata, '{}'::jsonb), " \
    "'resources', json_build_object('memory', COALESCE(s.memory, ''), " \
    "'cpu', COALESCE(s.cpu, '')), 'persistentHome', " \
    "COALESCE(s.persistent_home, true), 'idleTimeout', " \
    "COALESCE(s.idle_timeout, ''), 'maxSessionDuration', " \
    "COALESCE(s.max_session_duration, ''), 'tags', COALESCE(s.tags, " \
    "'{}'), 'createdAt', " SES_ISO("s.created_at") ", 'updatedAt', " \
    SES_ISO("s.updated_at") ", 'lastActivity', " SES_ISO("s.last_activity") \
    ", 'streamingProtocol', COALESCE(s.streaming_protocol, 'vnc'), " \
    "'streamingPort', COALESCE(s.streaming_port, 5900), 'view', " \
    "ssd_session_view(s.streaming_protocol), 'namespace', " \
    "COALESCE(s.namespace, 'streamspace'), 'legacy', s.agent_id IS NULL))"
#define SES_COLUMNS \
    SES_JSON ", s.id, COALESCE(u.username, ''), COALESCE(s.agent_id, '')"
/*
 * Sessions still holding resources; quotas count them, and so does
 * agents.live_sessions (schema/0007_agent_load.sql, the same test).
 */
#define SES_LIVE	"NOT IN ('terminated', 'failed')"
/*
 * Whether the user whose id is owner may have one more session: fewer
 * live ones on agents than their quota (5 without one).  Legacy sessions
 * hold nothing ssd knows of and do not count.
 */
#define SES_QUOTA_OK(owner) \
    "(SELECT count(*) FROM sessions q WHERE q.user_id = " owner " AND " \
    "q.agent_id IS NOT NULL AND q.state " SES_LIVE ") < COALESCE((SELECT " \
    "max_sessions FROM user_quotas WHERE user_id = " owner "), 5)"
/* The start_session payload for session ses of owner from template tpl. */
#define SES_START_PAYLOAD(ses, owner, tpl) \
    "jsonb_build_object('" AP_SESSION_ID "', " ses ".id, '" AP_USER "', " \
    owner ".username, '" AP_TEMPLATE "', " tpl ".manifest, '" \
    AP_RESOURCES "', jsonb_build_object('" AP_MEMORY "', " ses ".memory, '" \
    AP_CPU "', " ses ".cpu), '" AP_PERSISTENT_HOME "', " ses \
    ".persistent_home)"
/* A resource of the session: asked for, else the template's, else dflt. */
#define SES_RESOURCE(asked, tpl, key, dflt) \
    "COALESCE(" asked ", " tpl ".manifest#>>'{spec,defaultResources," key \
    "}', '" dflt "')"

const char *
sessions_privileged(const struct request *r)
{
	return auth_has_role(r, "operator") ? "t" : "f";
}

/* A DNS-1123 piece of s, at most max bytes, for session ids. */
static void
ses_slug(const char *s, size_t max, char *out)
{
	size_t n = 0;

	for (; *s != '\0' && n < max; s++) {
		if (isalnum((unsigned char)*s))
			out[n++] = (char)tolower((unsigned char)*s);
		else if (n > 0 && out[n - 1] != '-')
			out[n++] = '-';
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	out[n] = '\0';
}

/* "<user>-<template>-<8 hex>": a valid Kubernetes name, always. */
static void
ses_new_id(const char *user, const char *tpl, char *out, size_t len)
{
	char u[SES_ID_USER_MAX + 1], t[SES_ID_TPL_MAX + 1], hex[9];

	ses_slug(user, SES_ID_USER_MAX, u);
	ses_slug(tpl, SES_ID_TPL_MAX, t);
	random_hex(hex, 4);
	snprintf(out, len, "%s%s%s%s%s", u[0] ? u : "s", t[0] ? "-" : "",
	    t, "-", hex);
}

static void
ses_reply_one(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate, int status)
{
	if (res == NULL) {
		api_db_error(r, "sessions", err, sqlstate);
		return;
	}
	if (PQntuples(res) != 1) {
		server_reply_error(r, 404, "session not found");
		return;
	}
	server_reply_json(r, status, PQgetvalue(res, 0, 0));
}

static void
ses_got(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	ses_reply_one(r, res, err, sqlstate, 200);
}

void
sessions_get(struct request *r)
{
	const char *p[3] = { r->params[0], r->user.user_id, sessions_privileged(r) };

	api_query(r, "SELECT " SES_COLUMNS " FROM sessions s LEFT JOIN users "
	    "u ON u.id = s.user_id LEFT JOIN agents a ON a.agent_id = "
	    "s.agent_id WHERE s.id = $1 AND (s.user_id = $2 OR "
	    "$3::boolean)", 3, p, ses_got);
}

static void
ses_listed(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	if (res == NULL || PQntuples(res) != 1) {
		api_db_error(r, "listing sessions", err ? err : "no row",
		    sqlstate);
		return;
	}
	cache_put(CACHE_SESSIONS, r->ctx, PQgetvalue(res, 0, 0),
	    (size_t)PQgetlength(res, 0, 0));
	server_reply_json(r, 200, PQgetvalue(res, 0, 0));
}

void
sessions_list(struct request *r)
{
	static const char *const keys[] = { "user", "state", "agent", NULL };
	char user[256], state[256], agent[256];
	const char *p[5], *cached;
	size_t len;
	const struct http_request *h = r->http;

	if (body_query(r, keys, sizeof(user) - 1) == -1)
		return;
	p[0] = r->user.user_id;
	p[1] = sessions_privileged(r);
	p[2] = http_query_get(h->query, h->query_len, "user", user,
	    sizeof(user)) >= 0 ? user : NULL;
	p[3] = http_query_get(h->query, h->query_len, "state", state,
	    sizeof(state)) >= 0 ? state : NULL;
	p[4] = http_query_get(h->query, h->query_len, "agent", agent,
	    sizeof(agent)) >= 0 ? agent : NULL;
	if (p[3] != NULL && !session_state_known(p[3])) {
		server_reply_error(r, 400, "query parameter \"state\" is not a "
		    "session state");
		return;
	}
	/* The same question from the same caller: the same list. */
	xasprintf((char **)&r->ctx, "%s|%s|%s|%s|%s", p[0], p[1],
	    p[2] ? p[2] : "", p[3] ? p[3] : "", p[4] ? p[4] : "");
	if ((cached = cache_get(CACHE_SESSIONS, r->ctx, &len)) != NULL) {
		server_reply(r, 200, "application/json", cached, len);
		return;
	}
	api_query(r, "SELECT json_build_object('sessions', COALESCE(json_agg("
	    "j ORDER BY created DESC, id), '[]'), 'total', count(*)) FROM "
	    "(SELECT " SES_JSON " AS j, s.created_at AS created, s.id FROM "
	    "sessions s LEFT JOIN users u ON u.id = s.user_id LEFT JOIN "
	    "agents a ON a.agent_id = s.agent_id WHERE "
	    "(s.user_id = $1 OR $2::boolean) AND ($3::text IS NULL OR "
	    "s.user_id = $3 OR u.username = $3) AND ($4::text IS NULL OR "
	    "s.state = $4) AND ($5::text IS NULL OR s.agent_id = $5) ORDER BY "
	    "s.created_at DESC, s.id LIMIT 1000) x", 5, p, ses_listed);
}

/*
 * 403 or 503 when the owner's quota, or the agents, left no room for one
 * more session (quota: "t" if it did; agents: how many were found, as
 * text); 1 if answered.
 */
static int
ses_no_room(struct request *r, const char *quota, const char *agents)
{
	if (quota[0] != 't')
		server_reply_error_code(r, 403, "quota_exceeded",
		    "the owner has as many sessions as their quota allows");
	else if (agents[0] == '0')
		server_reply_error_code(r, 503, "no_agent_available",
		    "no approved agent is online with capacity left");
	else
		return 0;
	return 1;
}

/* agent_timeout in ms, as a statement's parameter. */
static void
ses_agent_timeout(char *buf, size_t len)
{
	snprintf(buf, len, "%llu", (unsigned long long)conf_ms(worker_conf(),
	    S_AGENT_TIMEOUT));
}

int
sessions_changed(const char *ids, db_cb cb, void *arg, const char **why)
{
	const char *p[1] = { ids };

	return db_query(api_db(), "WITH ids AS (SELECT "
	    "jsonb_array_elements_text($1::jsonb) AS id) "
	    "SELECT " SES_JSON ", s.user_id FROM sessions s LEFT JOIN users u "
	    "ON u.id = s.user_id LEFT JOIN agents a ON a.agent_id = s.agent_id "
	    "WHERE s.id IN (SELECT id FROM ids) OR (s.state " SES_LIVE " AND "
	    "(s.agent_id IN (SELECT id FROM ids) OR s.user_id IN (SELECT id "
	    "FROM ids)))", 1, p, cb, arg, why) == NULL ? -1 : 0;
}

/* Result columns of the create statement before the session's. */
enum { SC_TEMPLATE, SC_OWNER, SC_QUOTA, SC_AGENT, SC_SESSION };

static void
ses_created(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	if (res == NULL || PQntuples(res) != 1) {
		api_db_error(r, "creating a session", err ? err : "no row",
		    sqlstate);
		return;
	}
	if (PQgetvalue(res, 0, SC_TEMPLATE)[0] == '0')
		server_reply_error(r, 404, "template not found");
	else if (PQgetvalue(res, 0, SC_OWNER)[0] == '0')
		server_reply_error(r, 422, "no such user");
	else if (!ses_no_room(r, PQgetvalue(res, 0, SC_QUOTA),
	    PQgetvalue(res, 0, SC_AGENT))) {
		ssd_strlcpy(r->audit_id, PQgetvalue(res, 0, SC_SESSION + 1),
		    sizeof(r->audit_id));
		cache_clear(CACHE_SESSIONS);
		log_info("%s: session %s created for %s on agent %s",
		    server_peer(r), PQgetvalue(res, 0, SC_SESSION + 1),
		    PQgetvalue(res, 0, SC_SESSION + 2),
		    PQgetvalue(res, 0, SC_SESSION + 3));
		server_reply_json(r, 202, PQgetvalue(res, 0, SC_SESSION));
	}
}

/*
 * An agent that may take one more session: online and approved (its
 * pick_load, the count of its live sessions, is set; NULL sorts last:
 * schema/0007_agent_load.sql), below its max_sessions (0 or none: no
 * limit), heard from within agent_timeout (timeout, in ms), of the
 * platform asked for.  The statement runs with a
 * generic plan (db.c prepares it), planned on statistics that may be
 * stale or missing.  Each test is written so that the planner cannot
 * conclude from them that hardly any agent qualifies, and then sort them
 * all rather than read them in order: pick_load and last_heartbeat are
 * compared with no constant (statistics taken while every agent was
 * offline), tests of parameters alone are CASEs (the planner takes "$3
 * IS NULL OR ..." to pass 1 % of the agents, a CASE one half).
 */
#define SES_MAX_SESSIONS "(a.capacity->>'" AP_CAP_MAX_SESSIONS "')"
#define SES_AGENT_FREE(platform, timeout) \
    "a.pick_load < CASE WHEN " SES_MAX_SESSIONS " ~ '^[1-9][0-9]{0,8}$' " \
    "THEN " SES_MAX_SESSIONS "::int ELSE 2147483647 END AND " \
    "a.last_heartbeat + " timeout " * interval '1 millisecond' > now() " \
    "AND CASE WHEN " platform " IS NULL THEN true ELSE a.platform = " \
    platform " END"
/*
 * The first such agent in the order given, among those matching cond,
 * read from the index kept in that order (schema/0007_agent_load.sql).
 */
#define SES_PICK(platform, timeout, cond, order) \
    "(SELECT a.agent_id, a.platform, a.region FROM agents a WHERE " \
    SES_AGENT_FREE(platform, timeout) " " cond " ORDER BY " order \
    " LIMIT 1)"

/*
 * The agent is the least-loaded one in the region asked for ($4; none
 * asked: of no region), else the least-loaded anywhere: the first of
 * three picks that finds one (the later ones do not run).  The region is
 * matched with = ANY, not =: an equality would let the generic plan drop
 * the region from the order and read idx_agents_pick instead, through
 * every agent when none is in that region.  With no region asked, one
 * ordered read does it: those of no region first.
 */
static const char ses_create_sql[] =
    "WITH owner AS (SELECT id, username FROM users WHERE (id = $1::text "
    "  OR username = $1::text) AND active LIMIT 1), "
    "tpl AS (SELECT name, manifest FROM catalog_templates WHERE (name = "
    "  $2::text OR id::text = $2::text) AND repository_id IS NULL AND "
    "  enabled LIMIT 1), "
    "agent AS (" SES_PICK("$3::text", "$12::bigint",
    "AND a.region = ANY (ARRAY[$4::text])",
    "a.region, a.pick_load, a.agent_id") " UNION ALL "
    "  " SES_PICK("$3::text", "$12::bigint",
    "AND CASE WHEN $4::text IS NULL THEN true ELSE false END",
    "a.region IS NOT NULL, a.pick_load, a.agent_id") " UNION ALL "
    "  " SES_PICK("$3::text", "$12::bigint", "",
    "a.pick_load, a.agent_id") " LIMIT 1), "
    "quota AS (SELECT " SES_QUOTA_OK("owner.id") " AS ok FROM owner), "
    "ins AS (INSERT INTO sessions (id, user_id, template_name, state, "
    "  agent_id, platform, region, memory, cpu, persistent_home, "
    "  idle_timeout, max_session_duration, tags, streaming_protocol, "
    "  streaming_port, streaming_path, web_label, created_at, updated_at, "
    "  last_activity) SELECT $5::text, "
    "  owner.id, tpl.name, 'pending', agent.agent_id, agent.platform, "
    "  agent.region, " SES_RESOURCE("$6::text", "tpl", "memory", "2Gi") ", "
    "  " SES_RESOURCE("$7::text", "tpl", "cpu", "1000m") ", "
    "  $8::boolean, $9::text, $10::text, "
    "  $11::text[], st.protocol, st.port, st.path, $13::text, now(), "
    "  now(), now() FROM owner, tpl, agent, quota, "
    "  LATERAL ssd_streaming(tpl.manifest) st WHERE quota.ok "
    "  RETURNING *), "
    "cmd AS (INSERT INTO agent_commands (agent_id, session_id, "
    "  command_type, payload) SELECT ins.agent_id, ins.id, "
    "  '" AP_CMD_START "', " SES_START_PAYLOAD("ins", "owner", "tpl")
    "  FROM ins, owner, tpl RETURNING agent_id), "
    "note AS (SELECT pg_notify('ssd_commands', agent_id) FROM cmd UNION "
    "  ALL SELECT pg_notify('ssd_sessions', id) FROM ins) "
    "SELECT (SELECT count(*) FROM tpl), (SELECT count(*) FROM owner), "
    "  COALESCE((SELECT ok FROM quota), false), (SELECT count(*) FROM "
    "  agent) + (SELECT count(*) FROM note), " SES_COLUMNS
    "  FROM (SELECT 1) one LEFT JOIN ins s ON true LEFT JOIN users u "
    "  ON u.id = s.user_id LEFT JOIN agents a ON a.agent_id = s.agent_id";

/* A resource asked for: what Kubernetes would take, or 400 naming it. */
static int
sessions_quantity(struct request *r, const char *key, const char *q)
{
	char msg[128];

	if (q == NULL || quantity_ok(q))
		return 0;
	snprintf(msg, sizeof(msg), "field \"resources.%s\" must be a "
	    "quantity such as \"2Gi\" or \"500m\"", key);
	server_reply_error(r, 400, msg);
	return -1;
}

void
sessions_create(struct request *r)
{
	const char *owner, *tpl, *platform, *region, *mem = NULL, *cpu = NULL;
	const char *idle, *maxdur, *p[13];
	char timeout[24], label[WEBHOST_LABEL_MAX + 1];
	const cJSON *res;
	char id[64], *tags = NULL;
	int home = 1;
	cJSON *o;

	if ((o = body_object(r)) == NULL)
		return;
	res = cJSON_GetObjectItemCaseSensitive(o, "resources");
	if (body_str(r, o, "template", 255, 1, &tpl) == -1 ||
	    body_str(r, o, "user", 255, 0, &owner) == -1 ||
	    body_str(r, o, "platform", 32, 0, &platform) == -1 ||
	    body_str(r, o, "region", 100, 0, &region) == -1 ||
	    body_str(r, o, "idleTimeout", 32, 0, &idle) == -1 ||
	    body_str(r, o, "maxSessionDuration", 32, 0, &maxdur) == -1 ||
	    body_bool(r, o, "persistentHome", &home) == -1 ||
	    body_str_array(r, o, "tags", 32, 64, &tags) == -1 ||
	    (res != NULL && !cJSON_IsObject(res) && (server_reply_error(r, 400,
	    "field \"resources\" must be an object"), 1)) ||
	    (res != NULL && (body_str(r, res, "memory", 32, 0, &mem) == -1 ||
	    body_str(r, res, "cpu", 32, 0, &cpu) == -1)) ||
	    sessions_quantity(r, "memory", mem) == -1 ||
	    sessions_quantity(r, "cpu", cpu) == -1) {
		free(tags);
		cJSON_Delete(o);
		return;
	}
	/* Sessions for someone else: administrators only. */
	if (owner != NULL && strcmp(owner, r->user.user_id) != 0 &&
	    strcmp(owner, r->user.username) != 0 &&
	    !auth_has_role(r, "admin")) {
		free(tags);
		cJSON_Delete(o);
		server_reply_error(r, 403, "only administrators create "
		    "sessions for other users");
		return;
	}
	ses_new_id(owner ? owner : r->user.username, tpl, id, sizeof(id));
	p[0] = owner ? owner : r->user.user_id;
	p[1] = tpl;
	p[2] = platform;
	p[3] = region;
	p[4] = id;
	p[5] = mem;
	p[6] = cpu;
	p[7] = home ? "t" : "f";
	p[8] = idle;
	p[9] = maxdur;
	p[10] = tags;
	ses_agent_timeout(timeout, sizeof(timeout));
	p[11] = timeout;
	dns_label_from(id, WEBHOST_LABEL_MAX, label);
	p[12] = label;
	api_query(r, ses_create_sql, 13, p, ses_created);
	free(tags);
	cJSON_Delete(o);
}

/*
 * 409 for what a session without an agent cannot do (cannot: "view",
 * "hibernate", ...), saying what its owner can do instead.
 */
void
sessions_reply_legacy(struct request *r, const char *state,
    const char *cannot)
{
	int hib = strcmp(state, "hibernated") == 0;
	char msg[320];
	cJSON *o;

	snprintf(msg, sizeof(msg), "the session has no agent (a StreamSpace "
	    "v1.x session, or its agent was removed): ssd cannot %s it; %s",
	    cannot, hib ? "wake it to start it on an agent, or delete it" :
	    "delete it (a hibernated one can be woken on an agent)");
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "error", "legacy_session");
	cJSON_AddStringToObject(o, "message", msg);
	cJSON_AddStringToObject(o, "state", state);
	cJSON_AddBoolToObject(o, "legacy", 1);
	server_reply_cjson(r, 409, o);
}

/* Result columns of a transition before the session's. */
enum { ST_CURRENT, ST_LEGACY, ST_SESSION };

static void
ses_moved(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	const char *state;
	char msg[96];
	cJSON *o;

	if (res == NULL || PQntuples(res) != 1) {
		api_db_error(r, "changing a session", err ? err : "no row",
		    sqlstate);
		return;
	}
	if (PQgetisnull(res, 0, ST_CURRENT)) {
		server_reply_error(r, 404, "session not found");
		return;
	}
	state = PQgetvalue(res, 0, ST_CURRENT);
	if (PQgetisnull(res, 0, ST_SESSION + 1) &&
	    PQgetvalue(res, 0, ST_LEGACY)[0] == 't') {
		sessions_reply_legacy(r, state, r->ctx);
		return;
	}
	if (PQgetisnull(res, 0, ST_SESSION + 1)) {
		snprintf(msg, sizeof(msg), "the session is %s", state);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "error", "invalid_state");
		cJSON_AddStringToObject(o, "message", msg);
		cJSON_AddStringToObject(o, "state", state);
		server_reply_cjson(r, 409, o);
		return;
	}
	cache_clear(CACHE_SESSIONS);
	relay_cut(r->params[0], "", "session stopping");
	server_reply_json(r, 202, PQgetvalue(res, 0, ST_SESSION));
}

/*
 * Moves the session to state `to` if it may go there from where it is,
 * queueing command for its agent; a session without an agent has nobody
 * to stop it, so terminating it ends it at once, and it can go nowhere
 * else (cb then hears of it as legacy; the request's ctx says what was
 * asked, for the answer).
 */
static void
ses_move(struct request *r, const char *to, const char *command,
    const char *what, api_db_cb cb)
{
	const char *p[6];
	char from[160];

	if (session_states_into(to, from, sizeof(from)) == -1)
		fatalx("session state %s has no way in", to);
	r->ctx = xstrdup(what);
	p[0] = r->params[0];
	p[1] = r->user.user_id;
	p[2] = sessions_privileged(r);
	p[3] = to;
	p[4] = from;
	p[5] = command;
	api_query(r, "WITH cur AS (SELECT id, state, agent_id FROM sessions "
	    "WHERE id = $1 AND (user_id = $2 OR $3::boolean)), "
	    "upd AS (UPDATE sessions s SET state = CASE WHEN s.agent_id IS "
	    "  NULL AND $4 = 'terminating' THEN 'terminated' ELSE $4 END, "
	    "  updated_at = now() FROM cur WHERE s.id = cur.id AND s.state = "
	    "  ANY($5::text[]) AND (s.agent_id IS NOT NULL OR $4 = "
	    "  'terminating') RETURNING s.*), "
	    "cmd AS (INSERT INTO agent_commands (agent_id, session_id, "
	    "  command_type, payload) SELECT agent_id, id, $6::text, "
	    "  jsonb_build_object('" AP_SESSION_ID "', id, '" AP_DELETE_HOME
	    "', $6::text = '" AP_CMD_STOP "') FROM upd WHERE agent_id IS "
	    "  NOT NULL RETURNING agent_id), "
	    "note AS (SELECT pg_notify('ssd_commands', agent_id) FROM cmd "
	    "  UNION ALL SELECT pg_notify('ssd_sessions', id) FROM upd) "
	    "SELECT (SELECT state FROM cur), (SELECT agent_id IS NULL FROM "
	    "cur), " SES_COLUMNS ", (SELECT count(*) FROM note) FROM (SELECT "
	    "1) one LEFT JOIN upd s ON true LEFT JOIN users u ON u.id = "
	    "s.user_id LEFT JOIN agents a ON a.agent_id = s.agent_id", 6, p,
	    cb);
}

void
sessions_delete(struct request *r)
{
	ses_move(r, "terminating", AP_CMD_STOP, "delete", ses_moved);
}

void
sessions_hibernate(struct request *r)
{
	ses_move(r, "hibernating", AP_CMD_HIBERNATE, "hibernate",
	    ses_moved);
}

/* Result columns of a placement before the session's. */
enum { PL_FOUND, PL_OWNER, PL_TEMPLATE, PL_QUOTA, PL_AGENT, PL_SESSION };

static void
ses_placed(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	if (res == NULL || PQntuples(res) != 1) {
		api_db_error(r, "placing a session", err ? err : "no row",
		    sqlstate);
		return;
	}
	if (PQgetvalue(res, 0, PL_FOUND)[0] == '0')
		server_reply_error_code(r, 409, "invalid_state", "the session "
		    "changed meanwhile; read it again");
	else if (PQgetvalue(res, 0, PL_OWNER)[0] == '0')
		server_reply_error(r, 422, "its owner no longer exists or is "
		    "disabled");
	else if (PQgetvalue(res, 0, PL_TEMPLATE)[0] == '0')
		server_reply_error_code(r, 409, "template_missing", "its "
		    "template is not known to ssd: an operator must add it "
		    "(ssdctl template import) before it can start");
	else if (!ses_no_room(r, PQgetvalue(res, 0, PL_QUOTA),
	    PQgetvalue(res, 0, PL_AGENT))) {
		cache_clear(CACHE_SESSIONS);
		log_info("%s: session %s (no agent) placed on agent %s",
		    server_peer(r), PQgetvalue(res, 0, PL_SESSION + 1),
		    PQgetvalue(res, 0, PL_SESSION + 3));
		server_reply_json(r, 202, PQgetvalue(res, 0, PL_SESSION));
	}
}

/*
 * Waking a hibernated session that has no agent starts it on one, under
 * its own id (an agent adopts a home claim of that name labelled for it,
 * ssd-upgrade(7)): an agent picked as a create picks one, of the session's
 * platform, the quota checked as for a create, the row and its
 * start_session command written together.
 */
static const char ses_place_sql[] =
    "WITH cur AS (SELECT id, user_id, template_name, platform FROM "
    "  sessions WHERE id = $1 AND (user_id = $2 OR $3::boolean) AND "
    "  agent_id IS NULL AND state = 'hibernated'), "
    "owner AS (SELECT u.id, u.username FROM users u, cur WHERE u.id = "
    "  cur.user_id AND u.active), "
    "tpl AS (SELECT t.name, t.manifest FROM catalog_templates t, cur WHERE "
    "  t.name = cur.template_name AND t.repository_id IS NULL LIMIT 1), "
    "agent AS (" SES_PICK("(SELECT platform FROM cur)", "$4::bigint", "",
    "a.pick_load, a.agent_id") "), "
    "quota AS (SELECT " SES_QUOTA_OK("owner.id") " AS ok FROM owner), "
    "upd AS (UPDATE sessions s SET agent_id = agent.agent_id, platform = "
    "  agent.platform, region = agent.region, state = 'pending', memory = "
    "  " SES_RESOURCE("s.memory", "tpl", "memory", "2Gi") ", cpu = "
    "  " SES_RESOURCE("s.cpu", "tpl", "cpu", "1000m") ", persistent_home "
    "  = COALESCE(s.persistent_home, true), updated_at = now() FROM cur, "
    "  owner, tpl, agent, quota WHERE s.id = cur.id AND s.agent_id IS NULL "
    "  AND s.state = 'hibernated' AND quota.ok RETURNING s.*), "
    "cmd AS (INSERT INTO agent_commands (agent_id, session_id, "
    "  command_type, payload) SELECT upd.agent_id, upd.id, "
    "  '" AP_CMD_START "', " SES_START_PAYLOAD("upd", "owner", "tpl")
    "  FROM upd, owner, tpl RETURNING agent_id), "
    "note AS (SELECT pg_notify('ssd_commands', agent_id) FROM cmd UNION "
    "  ALL SELECT pg_notify('ssd_sessions', id) FROM upd) "
    "SELECT (SELECT count(*) FROM cur), (SELECT count(*) FROM owner), "
    "  (SELECT count(*) FROM tpl), COALESCE((SELECT ok FROM quota), "
    "  false), (SELECT count(*) FROM agent) + (SELECT count(*) FROM note), "
    "  " SES_COLUMNS " FROM (SELECT 1) one LEFT JOIN upd s ON true LEFT "
    "  JOIN users u ON u.id = s.user_id LEFT JOIN agents a ON a.agent_id "
    "  = s.agent_id";

/* A wake that found a hibernated legacy session places it instead. */
static void
ses_woken(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	const char *p[4];
	char timeout[24];

	if (res != NULL && PQntuples(res) == 1 &&
	    PQgetisnull(res, 0, ST_SESSION + 1) &&
	    !PQgetisnull(res, 0, ST_CURRENT) &&
	    PQgetvalue(res, 0, ST_LEGACY)[0] == 't' &&
	    strcmp(PQgetvalue(res, 0, ST_CURRENT), "hibernated") == 0) {
		p[0] = r->params[0];
		p[1] = r->user.user_id;
		p[2] = sessions_privileged(r);
		ses_agent_timeout(timeout, sizeof(timeout));
		p[3] = timeout;
		api_query(r, ses_place_sql, 4, p, ses_placed);
		return;
	}
	ses_moved(r, res, err, sqlstate);
}

void
sessions_wake(struct request *r)
{
	ses_move(r, "waking", AP_CMD_WAKE, "wake", ses_woken);
}
