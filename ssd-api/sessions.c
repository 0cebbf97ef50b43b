/*
 * sessions.c - /api/v1/sessions.  A user owns the sessions they create
 * and sees only those; operators and administrators see all.  Creating
 * picks an agent and writes the session and its start_session command in
 * one statement, and NOTIFYs the hubs; so does every state change a user
 * asks for.  Transitions follow common/session_state.c.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "api.h"
#include "db.h"
#include "log.h"
#include "session_state.h"
#include "util.h"

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
    "'streamingPort', COALESCE(s.streaming_port, 5900), 'namespace', " \
    "COALESCE(s.namespace, 'streamspace')))"
#define SES_COLUMNS \
    SES_JSON ", s.id, COALESCE(u.username, ''), COALESCE(s.agent_id, '')"
/*
 * Sessions still holding resources; quotas count them, and so does
 * agents.live_sessions (schema/0007_agent_load.sql, the same test).
 */
#define SES_LIVE	"NOT IN ('terminated', 'failed')"

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
	uint8_t rnd[4];

	ses_slug(user, SES_ID_USER_MAX, u);
	ses_slug(tpl, SES_ID_TPL_MAX, t);
	if (random_bytes(rnd, sizeof(rnd)) == -1)
		fatal("getrandom");
	hex_encode(rnd, sizeof(rnd), hex);
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
	char user[256], state[32], agent[256];
	const char *p[5], *cached;
	size_t len;
	const struct http_request *h = r->http;

	p[0] = r->user.user_id;
	p[1] = sessions_privileged(r);
	p[2] = http_query_get(h->query, h->query_len, "user", user,
	    sizeof(user)) >= 0 ? user : NULL;
	p[3] = http_query_get(h->query, h->query_len, "state", state,
	    sizeof(state)) >= 0 ? state : NULL;
	p[4] = http_query_get(h->query, h->query_len, "agent", agent,
	    sizeof(agent)) >= 0 ? agent : NULL;
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
	else if (PQgetvalue(res, 0, SC_QUOTA)[0] != 't')
		server_reply_error_code(r, 403, "quota_exceeded",
		    "the owner has as many sessions as their quota allows");
	else if (PQgetvalue(res, 0, SC_AGENT)[0] == '0')
		server_reply_error_code(r, 503, "no_agent_available",
		    "no approved agent is online with capacity left");
	else {
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
 * schema/0007_agent_load.sql), below its max_sessions, with a recent
 * heartbeat, of the platform asked for ($3).  The statement runs with a
 * generic plan (db.c prepares it), planned on statistics that may be
 * stale or missing.  Each test is written so that the planner cannot
 * conclude from them that hardly any agent qualifies, and then sort them
 * all rather than read them in order: pick_load and last_heartbeat are
 * compared with no constant (statistics taken while every agent was
 * offline), tests of parameters alone are CASEs (the planner takes "$3
 * IS NULL OR ..." to pass 1 % of the agents, a CASE one half).
 */
#define SES_AGENT_FREE \
    "a.pick_load < CASE WHEN a.capacity->>'max_sessions' ~ " \
    "'^[0-9]{1,9}$' THEN (a.capacity->>'max_sessions')::int ELSE " \
    "2147483647 END AND a.last_heartbeat + interval '90 seconds' > now() " \
    "AND CASE WHEN $3::text IS NULL THEN true ELSE a.platform = $3 END"
/*
 * The first such agent in the order given, among those matching cond,
 * read from the index kept in that order (schema/0007_agent_load.sql).
 */
#define SES_PICK(cond, order) \
    "(SELECT a.agent_id, a.platform, a.region FROM agents a WHERE " \
    SES_AGENT_FREE " " cond " ORDER BY " order " LIMIT 1)"

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
    "agent AS (" SES_PICK("AND a.region = ANY (ARRAY[$4::text])",
    "a.region, a.pick_load, a.agent_id") " UNION ALL "
    "  " SES_PICK("AND CASE WHEN $4::text IS NULL THEN true ELSE false END",
    "a.region IS NOT NULL, a.pick_load, a.agent_id") " UNION ALL "
    "  " SES_PICK("", "a.pick_load, a.agent_id") " LIMIT 1), "
    "quota AS (SELECT (SELECT count(*) FROM sessions, owner WHERE "
    "  sessions.user_id = owner.id AND state " SES_LIVE ") < COALESCE(("
    "  SELECT max_sessions FROM user_quotas, owner WHERE user_id = "
    "  owner.id), 5) AS ok), "
    "ins AS (INSERT INTO sessions (id, user_id, template_name, state, "
    "  agent_id, platform, region, memory, cpu, persistent_home, "
    "  idle_timeout, max_session_duration, tags, streaming_protocol, "
    "  streaming_port, created_at, updated_at, last_activity) SELECT $5::text, "
    "  owner.id, tpl.name, 'pending', agent.agent_id, agent.platform, "
    "  agent.region, COALESCE($6::text, tpl.manifest#>>'{spec,"
    "  defaultResources,memory}', '2Gi'), COALESCE($7::text, "
    "  tpl.manifest#>>'{spec,defaultResources,cpu}', '1000m'), "
    "  $8::boolean, $9::text, $10::text, "
    "  $11::text[], 'vnc', CASE WHEN tpl.manifest#>>'{spec,ports,0,"
    "  containerPort}' ~ '^[0-9]{1,5}$' THEN (tpl.manifest#>>'{spec,"
    "  ports,0,containerPort}')::int ELSE 5900 END, now(), now(), now() "
    "  FROM owner, tpl, agent, quota WHERE quota.ok RETURNING *), "
    "cmd AS (INSERT INTO agent_commands (agent_id, session_id, "
    "  command_type, payload) SELECT ins.agent_id, ins.id, "
    "  'start_session', jsonb_build_object('sessionId', ins.id, 'user', "
    "  owner.username, 'template', tpl.manifest, 'resources', "
    "  jsonb_build_object('memory', ins.memory, 'cpu', ins.cpu), "
    "  'persistentHome', ins.persistent_home) FROM ins, owner, tpl "
    "  RETURNING agent_id), "
    "note AS (SELECT pg_notify('ssd_commands', agent_id) FROM cmd UNION "
    "  ALL SELECT pg_notify('ssd_sessions', id) FROM ins) "
    "SELECT (SELECT count(*) FROM tpl), (SELECT count(*) FROM owner), "
    "  COALESCE((SELECT ok FROM quota), false), (SELECT count(*) FROM "
    "  agent) + (SELECT count(*) FROM note), " SES_COLUMNS
    "  FROM (SELECT 1) one LEFT JOIN ins s ON true LEFT JOIN users u "
    "  ON u.id = s.user_id LEFT JOIN agents a ON a.agent_id = s.agent_id";

void
sessions_create(struct request *r)
{
	const char *owner, *tpl, *platform, *region, *mem = NULL, *cpu = NULL;
	const char *idle, *maxdur, *p[11];
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
	    body_str(r, res, "cpu", 32, 0, &cpu) == -1))) {
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
	api_query(r, ses_create_sql, 11, p, ses_created);
	free(tags);
	cJSON_Delete(o);
}

/* Result columns of a transition before the session's. */
enum { ST_CURRENT, ST_SESSION };

static void
ses_moved(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
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
	if (PQgetisnull(res, 0, ST_SESSION + 1)) {
		snprintf(msg, sizeof(msg), "the session is %s",
		    PQgetvalue(res, 0, ST_CURRENT));
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "error", "invalid_state");
		cJSON_AddStringToObject(o, "message", msg);
		cJSON_AddStringToObject(o, "state",
		    PQgetvalue(res, 0, ST_CURRENT));
		server_reply_cjson(r, 409, o);
		return;
	}
	cache_clear(CACHE_SESSIONS);
	server_reply_json(r, 202, PQgetvalue(res, 0, ST_SESSION));
}

/*
 * Moves the session to state `to` if it may go there from where it is,
 * queueing command for its agent; a session without an agent has nobody
 * to stop it, so terminating it ends it at once.
 */
static void
ses_move(struct request *r, const char *to, const char *command)
{
	const char *p[6];
	char from[160];

	if (session_states_into(to, from, sizeof(from)) == -1)
		fatalx("session state %s has no way in", to);
	p[0] = r->params[0];
	p[1] = r->user.user_id;
	p[2] = sessions_privileged(r);
	p[3] = to;
	p[4] = from;
	p[5] = command;
	api_query(r, "WITH cur AS (SELECT id, state FROM sessions WHERE id = "
	    "$1 AND (user_id = $2 OR $3::boolean)), "
	    "upd AS (UPDATE sessions s SET state = CASE WHEN s.agent_id IS "
	    "  NULL AND $4 = 'terminating' THEN 'terminated' ELSE $4 END, "
	    "  updated_at = now() FROM cur WHERE s.id = cur.id AND s.state = "
	    "  ANY($5::text[]) RETURNING s.*), "
	    "cmd AS (INSERT INTO agent_commands (agent_id, session_id, "
	    "  command_type, payload) SELECT agent_id, id, $6::text, "
	    "  jsonb_build_object('sessionId', id, 'deleteHome', $6::text = "
	    "  'stop_session') FROM upd WHERE agent_id IS "
	    "  NOT NULL RETURNING agent_id), "
	    "note AS (SELECT pg_notify('ssd_commands', agent_id) FROM cmd "
	    "  UNION ALL SELECT pg_notify('ssd_sessions', id) FROM upd) "
	    "SELECT (SELECT state FROM cur), " SES_COLUMNS ", (SELECT count(*) "
	    "FROM note) FROM (SELECT 1) one LEFT JOIN upd s ON true LEFT JOIN "
	    "users u ON u.id = s.user_id LEFT JOIN agents a ON a.agent_id = "
	    "s.agent_id", 6, p, ses_moved);
}

void
sessions_delete(struct request *r)
{
	ses_move(r, "terminating", "stop_session");
}

void
sessions_hibernate(struct request *r)
{
	ses_move(r, "hibernating", "hibernate_session");
}

void
sessions_wake(struct request *r)
{
	ses_move(r, "waking", "wake_session");
}

