/*
 * placement.c - a session comes to life: POST /api/v1/sessions, and the
 * wake of a hibernated session without an agent.  One statement picks an
 * agent with room (not draining, below its max_sessions, max_cpu and
 * max_memory), resolves the session's idle timeout and maximum duration,
 * chooses the user's home in the agent's namespace, writes the session,
 * its home and its start_session command together, and NOTIFYs the hubs.
 * What it refuses (quota, capacity, a home in use) it says why.
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
#include "log.h"
#include "sessions.h"
#include "template.h"
#include "units.h"
#include "util.h"
#include "webhost.h"
#include "worker.h"

#define PL_ID_USER_MAX		20
#define PL_ID_TPL_MAX		30
/* A user without a quota row may have 5 sessions and 50Gi of home. */
#define PL_QUOTA_SESSIONS	"5"
#define PL_QUOTA_STORAGE	"53687091200"

/*
 * Whether the user whose id is owner may have one more session: fewer
 * live ones on agents than their quota.  Legacy sessions hold nothing
 * ssd knows of and do not count.
 */
#define PL_QUOTA_OK(owner) \
    "(SELECT count(*) FROM sessions q WHERE q.user_id = " owner " AND " \
    "q.agent_id IS NOT NULL AND q.state " SES_LIVE ") < COALESCE((SELECT " \
    "max_sessions FROM user_quotas WHERE user_id = " owner "), " \
    PL_QUOTA_SESSIONS ")"
/* A resource of the session: asked for, else the template's, else dflt. */
#define PL_RESOURCE(asked, tpl, key, dflt) \
    "COALESCE(" asked ", " tpl ".manifest#>>'{spec,defaultResources," key \
    "}', '" dflt "')"
/* The start_session payload for session ses of owner from template tpl. */
#define PL_START_PAYLOAD(ses, owner, tpl, home) \
    "jsonb_build_object('" AP_SESSION_ID "', " ses ".id, '" AP_USER "', " \
    owner ".username, '" AP_USER_ID "', " owner ".id, '" AP_TEMPLATE "', " \
    tpl ".manifest, '" AP_RESOURCES "', jsonb_build_object('" AP_MEMORY \
    "', " ses ".memory, '" AP_CPU "', " ses ".cpu), '" AP_PERSISTENT_HOME \
    "', " ses ".persistent_home, '" AP_HOME "', " home ")"

/*
 * An agent's room.  Its capacity keys are whole numbers (agentproto.c
 * checked them); 0 or none: no limit.  What it holds is what its live
 * sessions ask for, less its hibernated ones' unless they keep their
 * room (hib: capacity_count_hibernated); need: what this one asks for
 * (millicores, MiB).  Columns of schema/0030_homes_policies.sql.
 */
#define PL_CAP(key)	"(a.capacity->>'" key "')"
#define PL_CAP_SET(key)	PL_CAP(key) " ~ '^[1-9][0-9]{0,8}$'"
#define PL_ROOM_SESSIONS(hib) \
    "a.pick_load - CASE WHEN " hib " THEN 0 ELSE a.hibernated_sessions " \
    "END < CASE WHEN " PL_CAP_SET(AP_CAP_MAX_SESSIONS) " THEN " \
    PL_CAP(AP_CAP_MAX_SESSIONS) "::int ELSE 2147483647 END"
#define PL_ROOM_CPU(hib) \
    "CASE WHEN " PL_CAP_SET(AP_CAP_MAX_CPU) " THEN a.live_cpu_millis - " \
    "CASE WHEN " hib " THEN 0 ELSE a.hibernated_cpu_millis END + (SELECT " \
    "cpu_m FROM req) <= " PL_CAP(AP_CAP_MAX_CPU) "::bigint * 1000 ELSE " \
    "true END"
#define PL_ROOM_MEMORY(hib) \
    "CASE WHEN " PL_CAP_SET(AP_CAP_MAX_MEMORY) " THEN a.live_memory_mib - " \
    "CASE WHEN " hib " THEN 0 ELSE a.hibernated_memory_mib END + (SELECT " \
    "mem_mib FROM req) <= " PL_CAP(AP_CAP_MAX_MEMORY) "::bigint * 1024 " \
    "ELSE true END"
/*
 * An agent that may take one more session: online and approved (its
 * pick_load, the count of its live sessions, is set; NULL sorts last:
 * schema/0007_agent_load.sql), not draining, with room, heard from
 * within agent_timeout (timeout, in ms), of the platform asked for.  The
 * statement runs with a generic plan (db.c prepares it), planned on
 * statistics that may be stale or missing.  Each test is written so
 * that the planner cannot conclude from them that hardly any agent
 * qualifies, and then sort them all rather than read them in order:
 * pick_load and last_heartbeat are compared with no constant (statistics
 * taken while every agent was offline), tests of parameters alone are
 * CASEs (the planner takes "$3 IS NULL OR ..." to pass 1 % of the
 * agents, a CASE one half).
 */
#define PL_AGENT_LIVE(platform, timeout) \
    "a.last_heartbeat + " timeout " * interval '1 millisecond' > now() " \
    "AND CASE WHEN " platform " IS NULL THEN true ELSE a.platform = " \
    platform " END"
#define PL_AGENT_FREE(platform, timeout, hib) \
    "NOT a.draining AND " PL_ROOM_SESSIONS(hib) " AND " PL_ROOM_CPU(hib) \
    " AND " PL_ROOM_MEMORY(hib) " AND " PL_AGENT_LIVE(platform, timeout)
/*
 * The first such agent in the order given, among those matching cond,
 * read from the index kept in that order (schema/0007_agent_load.sql),
 * with its namespace (as it said in its hello; homes are per namespace).
 */
#define PL_PICK(platform, timeout, hib, cond, order) \
    "(SELECT a.agent_id, a.platform, a.region, COALESCE(NULLIF(" \
    "a.metadata->>'" AP_NAMESPACE "', ''), 'agent:' || a.agent_id) AS ns " \
    "FROM agents a WHERE " PL_AGENT_FREE(platform, timeout, hib) " " cond \
    " ORDER BY " order " LIMIT 1)"
/*
 * When no agent had room: of the online, approved agents of the
 * platform, how many are draining and how many lack each kind of room,
 * for the answer.
 */
#define PL_WHY_CTE(platform, timeout, hib) \
    "why AS (SELECT json_build_object('online', count(*), 'draining', " \
    "count(*) FILTER (WHERE a.draining), 'sessions', count(*) FILTER " \
    "(WHERE NOT (" PL_ROOM_SESSIONS(hib) ")), 'cpu', count(*) FILTER " \
    "(WHERE NOT (" PL_ROOM_CPU(hib) ")), 'memory', count(*) FILTER " \
    "(WHERE NOT (" PL_ROOM_MEMORY(hib) ")), 'cpuAsked', (SELECT cpu FROM " \
    "req), 'memoryAsked', (SELECT memory FROM req)) AS j FROM agents a " \
    "WHERE a.pick_load IS NOT NULL AND " PL_AGENT_LIVE(platform, timeout) \
    " AND NOT EXISTS (SELECT 1 FROM agent))"
/*
 * A home row whose claim an administrator deleted (its delete_home
 * command completed) stands for no home: a new one takes its place.
 */
#define PL_HOME_GONE \
    "EXISTS (SELECT 1 FROM agent_commands ac WHERE ac.command_id = " \
    "user_homes.delete_command AND ac.status = 'completed')"
/* The resources a session asks for, and in the agents' units. */
#define PL_REQ_CTE(memory, cpu, from) \
    "req AS (SELECT m AS memory, c AS cpu, ssd_memory_mib(m) AS mem_mib, " \
    "ssd_cpu_millis(c) AS cpu_m FROM (SELECT " memory " AS m, " cpu " AS c " \
    from ") x)"
/*
 * A policy of the owner's groups: the strictest that one of them sets (a
 * positive one before 0, which means never).
 */
#define PL_GROUPS_POLICY(col) \
    "(SELECT COALESCE(min(NULLIF(g." col ", 0)), min(g." col ")) FROM " \
    "group_quotas g JOIN group_memberships m ON m.group_id = g.group_id " \
    "WHERE m.user_id = owner.id)"
/*
 * What the session asked for may shorten what the policy says (its
 * template's, else its owner's, else their groups', else the setting),
 * never lengthen it; 0 is never.
 */
#define PL_POLICY(asked, spec, col, setting) \
    "(SELECT CASE WHEN " asked " IS NULL THEN p WHEN p = 0 THEN " asked \
    " WHEN " asked " = 0 THEN p ELSE least(" asked ", p) END FROM (SELECT " \
    "COALESCE(NULLIF(least(COALESCE(ssd_duration_seconds(tpl.manifest#>>" \
    "'{spec," spec "}'), -1), 2147483647), -1)::int, " \
    "(SELECT " col " FROM user_quotas WHERE user_id = owner.id), " \
    PL_GROUPS_POLICY(col) ", " setting ") AS p) x)"
#define PL_POL_CTE(idle, maxdur, dflt_idle, dflt_max) \
    "pol AS (SELECT " PL_POLICY(idle, "idleTimeout", \
    "idle_timeout_seconds", dflt_idle) " AS idle, " PL_POLICY(maxdur, \
    "maxSessionDuration", "max_session_duration_seconds", dflt_max) \
    " AS maxdur FROM owner, tpl)"

/*
 * The agent is the least-loaded one with room in the region asked for
 * ($4; none asked: of no region), else the least-loaded anywhere: the
 * first of three picks that finds one (the later ones do not run).  The
 * region is matched with = ANY, not =: an equality would let the
 * generic plan drop the region from the order and read
 * idx_agents_pick_region instead, through every agent when none is in
 * that region.  With no region asked, one ordered read does it: those
 * of no region first.
 *
 * The home ($8: persistentHome) is the owner's in the agent's namespace:
 * the one there (its access mode; refused while being deleted, or when
 * exclusive and mounted by another live session), else a new one of
 * $18 (home_access_mode), $21 (homeSize) or $19 (home_size) within the
 * owner's storage quota, $20 (home_storage_class).
 */
static const char pl_create_sql[] =
    "WITH owner AS (SELECT id, username FROM users WHERE (id = $1::text "
    "  OR username = $1::text) AND active LIMIT 1), "
    "tpl AS (SELECT name, manifest FROM catalog_templates WHERE (name = "
    "  $2::text OR id::text = $2::text) AND repository_id IS NULL AND "
    "  enabled LIMIT 1), "
    PL_REQ_CTE(PL_RESOURCE("$6::text", "tpl", "memory", "2Gi"),
    PL_RESOURCE("$7::text", "tpl", "cpu", "1000m"), "FROM tpl") ", "
    "agent AS (" PL_PICK("$3::text", "$12::bigint", "$17::boolean",
    "AND a.region = ANY (ARRAY[$4::text])",
    "a.region, a.pick_load, a.agent_id") " UNION ALL "
    "  " PL_PICK("$3::text", "$12::bigint", "$17::boolean",
    "AND CASE WHEN $4::text IS NULL THEN true ELSE false END",
    "a.region IS NOT NULL, a.pick_load, a.agent_id") " UNION ALL "
    "  " PL_PICK("$3::text", "$12::bigint", "$17::boolean", "",
    "a.pick_load, a.agent_id") " LIMIT 1), "
    PL_WHY_CTE("$3::text", "$12::bigint", "$17::boolean") ", "
    "quota AS (SELECT " PL_QUOTA_OK("owner.id") " AS ok FROM owner), "
    "lim AS (SELECT COALESCE((SELECT ceil(ssd_quantity(q.max_storage)) FROM "
    "  user_quotas q WHERE q.user_id = owner.id), " PL_QUOTA_STORAGE
    "  )::bigint AS max_b FROM owner), "
    "home AS (SELECT agent.ns, CASE WHEN h.id IS NOT NULL AND hc.status IS "
    "  DISTINCT FROM 'completed' THEN h.access_mode ELSE $18::text END AS "
    "  mode, COALESCE(hc.status IN ('pending', 'sent', 'ack'), false) AS "
    "  deleting, COALESCE($21::bigint, least($19::bigint, lim.max_b)) AS "
    "  size FROM owner CROSS JOIN agent CROSS JOIN lim LEFT JOIN user_homes "
    "  h ON h.user_id = owner.id AND h.namespace = agent.ns LEFT JOIN "
    "  agent_commands hc ON hc.command_id = h.delete_command WHERE "
    "  $8::boolean), "
    "busy AS (SELECT s.id, s.state FROM sessions s, owner, home WHERE "
    "  home.mode <> 'ReadWriteMany' AND s.user_id = owner.id AND "
    "  s.home_namespace = home.ns AND s.state " SES_LIVE " LIMIT 1), "
    PL_POL_CTE("$13::int", "$14::int", "$15::int", "$16::int") ", "
    "ok AS (SELECT quota.ok AND ($21::bigint IS NULL OR $21::bigint <= "
    "  lim.max_b) AND NOT COALESCE((SELECT deleting FROM home), false) AND "
    "  NOT EXISTS (SELECT 1 FROM busy) AS ok FROM quota, lim), "
    "ins AS (INSERT INTO sessions (id, user_id, template_name, state, "
    "  agent_id, platform, region, memory, cpu, persistent_home, "
    "  idle_timeout, max_session_duration, tags, streaming_protocol, "
    "  streaming_port, streaming_path, web_label, created_at, "
    "  updated_at, last_activity, "
    "  idle_timeout_seconds, max_duration_seconds, home_namespace, "
    "  home_exclusive, namespace) SELECT $5::text, owner.id, tpl.name, "
    "  'pending', "
    "  agent.agent_id, agent.platform, agent.region, req.memory, req.cpu, "
    "  $8::boolean, $9::text, $10::text, "
    "  $11::text[], st.protocol, st.port, st.path, $22::text, now(), "
    "  now(), now(), "
    "  pol.idle, pol.maxdur, home.ns, COALESCE(home.mode <> "
    "  'ReadWriteMany', false), CASE WHEN agent.ns LIKE 'agent:%' THEN "
    "  'streamspace' ELSE agent.ns END FROM owner, tpl, req, agent, ok, "
    "  pol, LATERAL ssd_streaming(tpl.manifest) st LEFT "
    "  JOIN home ON true WHERE ok.ok RETURNING *), "
    "uh AS (INSERT INTO user_homes (user_id, username, namespace, "
    "  access_mode, size_bytes, storage_class) SELECT owner.id, "
    "  owner.username, home.ns, home.mode, home.size, $20::text FROM ins, "
    "  owner, home ON CONFLICT (user_id, namespace) DO UPDATE SET "
    "  last_used_at = now(), username = EXCLUDED.username, access_mode = "
    "  CASE WHEN " PL_HOME_GONE " THEN EXCLUDED.access_mode ELSE "
    "  user_homes.access_mode END, size_bytes = CASE WHEN " PL_HOME_GONE
    " THEN EXCLUDED.size_bytes ELSE user_homes.size_bytes END, "
    "  storage_class = CASE WHEN " PL_HOME_GONE " THEN "
    "  EXCLUDED.storage_class ELSE user_homes.storage_class END, "
    "  created_at = CASE WHEN " PL_HOME_GONE " THEN now() ELSE "
    "  user_homes.created_at END, delete_command = CASE WHEN "
    PL_HOME_GONE " THEN NULL ELSE user_homes.delete_command END "
    "  RETURNING 1), "
    "cmd AS (INSERT INTO agent_commands (agent_id, session_id, "
    "  command_type, payload) SELECT ins.agent_id, ins.id, "
    "  '" AP_CMD_START "', " PL_START_PAYLOAD("ins", "owner", "tpl",
    "(SELECT jsonb_strip_nulls(jsonb_build_object('" AP_HOME_SCOPE "', '"
    AP_HOME_SCOPE_USER "', '" AP_HOME_ACCESS_MODE "', home.mode, '"
    AP_HOME_SIZE "', home.size::text, '" AP_HOME_STORAGE_CLASS "', "
    "$20::text)) FROM home)")
    "  FROM ins, owner, tpl RETURNING agent_id), "
    "note AS (SELECT pg_notify('ssd_commands', agent_id) FROM cmd UNION "
    "  ALL SELECT pg_notify('ssd_sessions', id) FROM ins) "
    "SELECT (SELECT count(*) FROM tpl), (SELECT count(*) FROM owner), "
    "  COALESCE((SELECT ok FROM quota), false), (SELECT count(*) FROM "
    "  agent) + (SELECT count(*) FROM note), (SELECT j FROM why), "
    "  $21::bigint IS NULL OR $21::bigint <= (SELECT max_b FROM lim), "
    "  (SELECT max_b FROM lim), COALESCE((SELECT deleting FROM home), "
    "  false), (SELECT id || ' (' || state || ')' FROM busy), (SELECT "
    "  'namespace ' || ns || ', ' || mode FROM home), (SELECT count(*) FROM uh), "
    SES_COLUMNS
    "  FROM (SELECT 1) one LEFT JOIN ins s ON true LEFT JOIN users u "
    "  ON u.id = s.user_id LEFT JOIN agents a ON a.agent_id = s.agent_id";

/* Result columns of the create statement before the session's. */
enum { PC_TEMPLATE, PC_OWNER, PC_QUOTA, PC_AGENT, PC_WHY, PC_SIZE_OK,
    PC_STORAGE_MAX, PC_HOME_DELETING, PC_HOME_BUSY, PC_HOME, PC_HOME_ROW,
    PC_SESSION };

/* A DNS-1123 piece of s, at most max bytes, for session ids. */
static void
pl_slug(const char *s, size_t max, char *out)
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
pl_new_id(const char *user, const char *tpl, char *out, size_t len)
{
	char u[PL_ID_USER_MAX + 1], t[PL_ID_TPL_MAX + 1], hex[9];

	pl_slug(user, PL_ID_USER_MAX, u);
	pl_slug(tpl, PL_ID_TPL_MAX, t);
	random_hex(hex, 4);
	snprintf(out, len, "%s%s%s%s%s", u[0] ? u : "s", t[0] ? "-" : "",
	    t, "-", hex);
}

static int
pl_why_count(const cJSON *why, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(why, key);

	return cJSON_IsNumber(v) ? v->valueint : 0;
}

static const char *
pl_why_str(const cJSON *why, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(why, key);

	return cJSON_IsString(v) ? v->valuestring : "?";
}

/*
 * 503 when no agent had room: no_agent_available when none is online,
 * else no_capacity, saying what each lacked (why: PL_WHY_CTE's object).
 */
static void
pl_no_agent(struct request *r, const char *why_text)
{
	cJSON *why = why_text ? cJSON_Parse(why_text) : NULL, *o;
	char msg[512];

	if (pl_why_count(why, "online") == 0) {
		server_reply_error_code(r, 503, "no_agent_available",
		    "no approved agent is online");
		cJSON_Delete(why);
		return;
	}
	snprintf(msg, sizeof(msg), "no agent has room for this session (it "
	    "asks for %s CPU and %s memory): of %d online agent%s, %d %s "
	    "draining, %d at their max_sessions, %d without the CPU and %d "
	    "without the memory left", pl_why_str(why, "cpuAsked"),
	    pl_why_str(why, "memoryAsked"), pl_why_count(why, "online"),
	    pl_why_count(why, "online") == 1 ? "" : "s",
	    pl_why_count(why, "draining"), pl_why_count(why, "draining") ==
	    1 ? "is" : "are", pl_why_count(why, "sessions"),
	    pl_why_count(why, "cpu"), pl_why_count(why, "memory"));
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "error", "no_capacity");
	cJSON_AddStringToObject(o, "message", msg);
	cJSON_AddItemToObject(o, "agents", why);
	server_reply_cjson(r, 503, o);
}

/* 409 home_in_use or home_deleting: the home cannot be mounted now. */
static void
pl_home_refused(struct request *r, const PGresult *res)
{
	const char *home = PQgetvalue(res, 0, PC_HOME);
	char msg[512];

	if (PQgetvalue(res, 0, PC_HOME_DELETING)[0] == 't') {
		snprintf(msg, sizeof(msg), "the owner's home (%s) is being "
		    "deleted; try again once it is gone", home);
		server_reply_error_code(r, 409, "home_deleting", msg);
		return;
	}
	snprintf(msg, sizeof(msg), "the owner's home (%s) can be mounted by "
	    "one session at a time, and session %s has it: use that one, or "
	    "delete it first", home, PQgetvalue(res, 0, PC_HOME_BUSY));
	server_reply_error_code(r, 409, "home_in_use", msg);
}

static void
pl_created(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	char size[UNITS_QUANTITY_MAX + 1], msg[160];

	if (res == NULL && sqlstate != NULL && strcmp(sqlstate, "23505") == 0) {
		/* Two creates raced for an exclusive home: one got it. */
		server_reply_error_code(r, 409, "home_in_use", "the owner's "
		    "home can be mounted by one session at a time, and "
		    "another session has just taken it");
		return;
	}
	if (res == NULL || PQntuples(res) != 1) {
		api_db_error(r, "creating a session", err ? err : "no row",
		    sqlstate);
		return;
	}
	if (PQgetvalue(res, 0, PC_TEMPLATE)[0] == '0')
		server_reply_error(r, 404, "template not found");
	else if (PQgetvalue(res, 0, PC_OWNER)[0] == '0')
		server_reply_error(r, 422, "no such user");
	else if (PQgetvalue(res, 0, PC_SIZE_OK)[0] != 't') {
		units_bytes_quantity(strtoull(PQgetvalue(res, 0,
		    PC_STORAGE_MAX), NULL, 10), size, sizeof(size));
		snprintf(msg, sizeof(msg), "larger than the owner's storage "
		    "quota (%s)", size);
		body_field_error(r, "homeSize", msg);
	} else if (PQgetvalue(res, 0, PC_QUOTA)[0] != 't')
		server_reply_error_code(r, 403, "quota_exceeded",
		    "the owner has as many sessions as their quota allows");
	else if (PQgetvalue(res, 0, PC_AGENT)[0] == '0')
		pl_no_agent(r, PQgetisnull(res, 0, PC_WHY) ? NULL :
		    PQgetvalue(res, 0, PC_WHY));
	else if (PQgetisnull(res, 0, PC_SESSION + 1))
		pl_home_refused(r, res);
	else {
		ssd_strlcpy(r->audit_id, PQgetvalue(res, 0, PC_SESSION + 1),
		    sizeof(r->audit_id));
		cache_clear(CACHE_SESSIONS);
		log_info("%s: session %s created for %s on agent %s%s%s",
		    server_peer(r), PQgetvalue(res, 0, PC_SESSION + 1),
		    PQgetvalue(res, 0, PC_SESSION + 2),
		    PQgetvalue(res, 0, PC_SESSION + 3),
		    PQgetisnull(res, 0, PC_HOME) ? "" : ", home ",
		    PQgetisnull(res, 0, PC_HOME) ? "" : PQgetvalue(res, 0,
		    PC_HOME));
		server_reply_json(r, 202, PQgetvalue(res, 0, PC_SESSION));
	}
}

/* agent_timeout in ms, as a statement's parameter. */
static void
pl_agent_timeout(char *buf, size_t len)
{
	snprintf(buf, len, "%llu", (unsigned long long)conf_ms(worker_conf(),
	    S_AGENT_TIMEOUT));
}

/* A setting's duration in whole seconds, as a parameter. */
static void
pl_setting_s(enum setting_id id, char *buf, size_t len)
{
	snprintf(buf, len, "%llu", (unsigned long long)(conf_ms(worker_conf(),
	    id) / 1000));
}

/* An optional number as a parameter: NULL when -1. */
static const char *
pl_opt(int64_t v, char *buf, size_t len)
{
	if (v < 0)
		return NULL;
	snprintf(buf, len, "%lld", (long long)v);
	return buf;
}

struct pl_body {
	const char	*owner, *tpl, *platform, *region, *mem, *cpu;
	const char	*idle, *maxdur;
	int64_t		 idle_s, maxdur_s, home_bytes;
	int		 home;
	char		*tags;
};

/* The body of POST /api/v1/sessions; -1 once answered (400). */
static int
pl_body_read(struct request *r, const cJSON *o, struct pl_body *b)
{
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(o, "resources");

	memset(b, 0, sizeof(*b));
	b->home = 1;
	if (body_str(r, o, "template", 255, 1, &b->tpl) == -1 ||
	    body_str(r, o, "user", 255, 0, &b->owner) == -1 ||
	    body_str(r, o, "platform", 32, 0, &b->platform) == -1 ||
	    body_str(r, o, "region", 100, 0, &b->region) == -1 ||
	    body_duration(r, o, "idleTimeout", &b->idle_s) == -1 ||
	    body_duration(r, o, "maxSessionDuration", &b->maxdur_s) == -1 ||
	    body_bytes(r, o, "homeSize", &b->home_bytes) == -1 ||
	    body_bool(r, o, "persistentHome", &b->home) == -1 ||
	    body_str_array(r, o, "tags", 32, 64, &b->tags) == -1)
		return -1;
	if (res != NULL && !cJSON_IsNull(res) && !cJSON_IsObject(res)) {
		server_reply_error(r, 400, "field \"resources\" must be an "
		    "object");
		return -1;
	}
	if (res != NULL && (body_str(r, res, "memory", 32, 0, &b->mem) == -1 ||
	    body_str(r, res, "cpu", 32, 0, &b->cpu) == -1))
		return -1;
	if ((b->mem != NULL && !quantity_ok(b->mem)) || (b->cpu != NULL &&
	    !quantity_ok(b->cpu))) {
		body_field_error(r, b->mem != NULL && !quantity_ok(b->mem) ?
		    "resources.memory" : "resources.cpu", "must be a quantity "
		    "such as \"2Gi\" or \"500m\"");
		return -1;
	}
	b->idle = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o,
	    "idleTimeout"));
	b->maxdur = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o,
	    "maxSessionDuration"));
	return 0;
}

void
sessions_create(struct request *r)
{
	const struct conf *c = worker_conf();
	char id[64], timeout[24], n[6][24], label[WEBHOST_LABEL_MAX + 1];
	const char *p[22], *cls;
	struct pl_body b;
	cJSON *o;

	if ((o = body_object(r)) == NULL)
		return;
	if (pl_body_read(r, o, &b) == -1) {
		free(b.tags);
		cJSON_Delete(o);
		return;
	}
	/* Sessions for someone else: administrators only. */
	if (b.owner != NULL && strcmp(b.owner, r->user.user_id) != 0 &&
	    strcmp(b.owner, r->user.username) != 0 &&
	    !auth_has_role(r, "admin")) {
		free(b.tags);
		cJSON_Delete(o);
		server_reply_error(r, 403, "only administrators create "
		    "sessions for other users");
		return;
	}
	pl_new_id(b.owner ? b.owner : r->user.username, b.tpl, id, sizeof(id));
	pl_agent_timeout(timeout, sizeof(timeout));
	cls = conf_str(c, S_HOME_STORAGE_CLASS);
	p[0] = b.owner ? b.owner : r->user.user_id;
	p[1] = b.tpl;
	p[2] = b.platform;
	p[3] = b.region;
	p[4] = id;
	p[5] = b.mem;
	p[6] = b.cpu;
	p[7] = b.home ? "t" : "f";
	p[8] = b.idle;
	p[9] = b.maxdur;
	p[10] = b.tags;
	p[11] = timeout;
	p[12] = pl_opt(b.idle_s, n[0], sizeof(n[0]));
	p[13] = pl_opt(b.maxdur_s, n[1], sizeof(n[1]));
	pl_setting_s(S_SESSION_IDLE_TIMEOUT, n[2], sizeof(n[2]));
	p[14] = n[2];
	pl_setting_s(S_SESSION_MAX_DURATION, n[3], sizeof(n[3]));
	p[15] = n[3];
	p[16] = conf_bool(c, S_CAPACITY_COUNT_HIBERNATED) ? "t" : "f";
	p[17] = conf_str(c, S_HOME_ACCESS_MODE);
	snprintf(n[4], sizeof(n[4]), "%llu", (unsigned long long)conf_size(c,
	    S_HOME_SIZE));
	p[18] = n[4];
	p[19] = cls != NULL && cls[0] != '\0' ? cls : NULL;
	p[20] = pl_opt(b.home_bytes, n[5], sizeof(n[5]));
	dns_label_from(id, WEBHOST_LABEL_MAX, label);
	p[21] = label;
	api_query(r, pl_create_sql, 22, p, pl_created);
	free(b.tags);
	cJSON_Delete(o);
}

/* Result columns of a placement before the session's. */
enum { PL_FOUND, PL_OWNER, PL_TEMPLATE, PL_QUOTA, PL_AGENT, PL_WHY,
    PL_SESSION };

static void
pl_placed(struct request *r, const PGresult *res, const char *err,
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
	else if (PQgetvalue(res, 0, PL_QUOTA)[0] != 't')
		server_reply_error_code(r, 403, "quota_exceeded",
		    "the owner has as many sessions as their quota allows");
	else if (PQgetvalue(res, 0, PL_AGENT)[0] == '0')
		pl_no_agent(r, PQgetisnull(res, 0, PL_WHY) ? NULL :
		    PQgetvalue(res, 0, PL_WHY));
	else {
		cache_clear(CACHE_SESSIONS);
		log_info("%s: session %s (no agent) placed on agent %s",
		    server_peer(r), PQgetvalue(res, 0, PL_SESSION + 1),
		    PQgetvalue(res, 0, PL_SESSION + 3));
		server_reply_json(r, 202, PQgetvalue(res, 0, PL_SESSION));
	}
}

/*
 * Waking a hibernated session that has no agent starts it on one, under
 * its own id and with its own home claim (ID-home, which an agent
 * adopts once labelled for it, ssd-upgrade(7)): an agent picked as a
 * create picks one, of the session's platform, the quota checked as for
 * a create, the policies of its template, owner and settings, the row
 * and its start_session command written together.
 */
static const char pl_place_sql[] =
    "WITH cur AS (SELECT id, user_id, template_name, platform, memory, cpu "
    "  FROM sessions WHERE id = $1 AND (user_id = $2 OR $3::boolean) AND "
    "  agent_id IS NULL AND state = 'hibernated'), "
    "owner AS (SELECT u.id, u.username FROM users u, cur WHERE u.id = "
    "  cur.user_id AND u.active), "
    "tpl AS (SELECT t.name, t.manifest FROM catalog_templates t, cur WHERE "
    "  t.name = cur.template_name AND t.repository_id IS NULL LIMIT 1), "
    PL_REQ_CTE(PL_RESOURCE("cur.memory", "tpl", "memory", "2Gi"),
    PL_RESOURCE("cur.cpu", "tpl", "cpu", "1000m"), "FROM cur, tpl") ", "
    "agent AS (" PL_PICK("(SELECT platform FROM cur)", "$4::bigint",
    "$5::boolean", "", "a.pick_load, a.agent_id") "), "
    PL_WHY_CTE("(SELECT platform FROM cur)", "$4::bigint", "$5::boolean")
    ", quota AS (SELECT " PL_QUOTA_OK("owner.id") " AS ok FROM owner), "
    PL_POL_CTE("NULL::int", "NULL::int", "$6::int", "$7::int") ", "
    "upd AS (UPDATE sessions s SET agent_id = agent.agent_id, platform = "
    "  agent.platform, region = agent.region, state = 'pending', memory = "
    "  req.memory, cpu = req.cpu, persistent_home = COALESCE("
    "  s.persistent_home, true), idle_timeout_seconds = pol.idle, "
    "  max_duration_seconds = pol.maxdur, updated_at = now(), "
    "  last_activity = now() FROM cur, owner, tpl, req, agent, quota, pol "
    "  WHERE s.id = cur.id AND s.agent_id IS NULL AND s.state = "
    "  'hibernated' AND quota.ok RETURNING s.*), "
    "cmd AS (INSERT INTO agent_commands (agent_id, session_id, "
    "  command_type, payload) SELECT upd.agent_id, upd.id, "
    "  '" AP_CMD_START "', " PL_START_PAYLOAD("upd", "owner", "tpl",
    "CASE WHEN upd.persistent_home THEN jsonb_build_object('"
    AP_HOME_SCOPE "', '" AP_HOME_SCOPE_SESSION "') END")
    "  FROM upd, owner, tpl RETURNING agent_id), "
    "note AS (SELECT pg_notify('ssd_commands', agent_id) FROM cmd UNION "
    "  ALL SELECT pg_notify('ssd_sessions', id) FROM upd) "
    "SELECT (SELECT count(*) FROM cur), (SELECT count(*) FROM owner), "
    "  (SELECT count(*) FROM tpl), COALESCE((SELECT ok FROM quota), "
    "  false), (SELECT count(*) FROM agent) + (SELECT count(*) FROM note), "
    "  (SELECT j FROM why), " SES_COLUMNS " FROM (SELECT 1) one LEFT JOIN "
    "  upd s ON true LEFT JOIN users u ON u.id = s.user_id LEFT JOIN "
    "  agents a ON a.agent_id = s.agent_id";

void
placement_legacy(struct request *r)
{
	const struct conf *c = worker_conf();
	char timeout[24], idle[24], maxdur[24];
	const char *p[7];

	pl_agent_timeout(timeout, sizeof(timeout));
	pl_setting_s(S_SESSION_IDLE_TIMEOUT, idle, sizeof(idle));
	pl_setting_s(S_SESSION_MAX_DURATION, maxdur, sizeof(maxdur));
	p[0] = r->params[0];
	p[1] = r->user.user_id;
	p[2] = sessions_privileged(r);
	p[3] = timeout;
	p[4] = conf_bool(c, S_CAPACITY_COUNT_HIBERNATED) ? "t" : "f";
	p[5] = idle;
	p[6] = maxdur;
	api_query(r, pl_place_sql, 7, p, pl_placed);
}
