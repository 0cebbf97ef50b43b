/*
 * agents.c - what administrators see and do of agents and of the audit
 * trail: /api/v1/agents (also under /api/v1/admin/agents, the original's
 * paths), draining an agent (no new sessions, its running ones stay)
 * and /api/v1/admin/audit.  Registration and links are the hub's.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "api.h"
#include "db.h"
#include "log.h"
#include "util.h"

/* Online and draining shows as draining: it takes no new sessions. */
#define AGENT_STATUS \
    "CASE WHEN a.draining AND a.status = 'online' THEN 'draining' ELSE " \
    "COALESCE(a.status, 'offline') END"
#define AGENT_COLUMNS \
    "a.id, a.agent_id, a.platform, COALESCE(a.region, ''), " \
    AGENT_STATUS ", COALESCE(a.approval_status, " \
    "'approved'), COALESCE(a.capacity, '{}'::jsonb), COALESCE(a.metadata, " \
    "'{}'::jsonb), to_char(a.last_heartbeat, " \
    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), to_char(a.created_at, " \
    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), (SELECT count(*) FROM sessions s " \
    "WHERE s.agent_id = a.agent_id AND s.state NOT IN ('terminated', " \
    "'failed')), to_char(a.connected_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " \
    "extract(epoch FROM now() - a.connected_at)::bigint, a.draining, " \
    "json_build_object('sessions', a.live_sessions, 'hibernated', " \
    "a.hibernated_sessions, 'cpuMillis', a.live_cpu_millis, 'memoryMiB', " \
    "a.live_memory_mib)"
enum { AGENT_NCOLUMNS = 15 };	/* in AGENT_COLUMNS */

/* Agents of platform $1, status $2 and region $3 (NULL: any). */
static const char agents_list_sql[] =
    "SELECT " AGENT_COLUMNS " FROM agents a WHERE ($1::text IS NULL OR "
    "a.platform = $1) AND ($2::text IS NULL OR " AGENT_STATUS " = $2) AND "
    "($3::text IS NULL OR a.region = $3) ORDER BY a.agent_id LIMIT 1000";

static cJSON *
agent_json(const PGresult *res, int row)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "id", PQgetvalue(res, row, 0));
	cJSON_AddStringToObject(o, "agentId", PQgetvalue(res, row, 1));
	cJSON_AddStringToObject(o, "platform", PQgetvalue(res, row, 2));
	cJSON_AddStringToObject(o, "region", PQgetvalue(res, row, 3));
	cJSON_AddStringToObject(o, "status", PQgetvalue(res, row, 4));
	cJSON_AddStringToObject(o, "approvalStatus", PQgetvalue(res, row, 5));
	cJSON_AddItemToObject(o, "capacity", cJSON_Parse(PQgetvalue(res, row,
	    6)));
	cJSON_AddItemToObject(o, "metadata", cJSON_Parse(PQgetvalue(res, row,
	    7)));
	if (!PQgetisnull(res, row, 8))
		cJSON_AddStringToObject(o, "lastHeartbeat",
		    PQgetvalue(res, row, 8));
	cJSON_AddStringToObject(o, "createdAt", PQgetvalue(res, row, 9));
	cJSON_AddNumberToObject(o, "sessions", atoi(PQgetvalue(res, row, 10)));
	cJSON_AddBoolToObject(o, "draining", PQgetvalue(res, row, 13)[0] ==
	    't');
	/* What its live sessions hold, as placement counts it. */
	cJSON_AddItemToObject(o, "load", cJSON_Parse(PQgetvalue(res, row,
	    14)));
	/* Since when its control link is up (absent when it is not). */
	if (!PQgetisnull(res, row, 11)) {
		cJSON_AddStringToObject(o, "connectedAt", PQgetvalue(res, row,
		    11));
		cJSON_AddNumberToObject(o, "linkAgeSeconds",
		    atof(PQgetvalue(res, row, 12)));
	}
	return o;
}

/* AGENT_COLUMNS, then the id asked for: a is NULL when it is gone. */

int
agents_changed(const char *ids, db_cb cb, void *arg, const char **why)
{
	const char *p[1] = { ids };

	return db_query(api_db(), "SELECT " AGENT_COLUMNS ", ids.id FROM "
	    "jsonb_array_elements_text($1::jsonb) AS ids(id) LEFT JOIN agents "
	    "a ON a.agent_id = ids.id", 1, p, cb, arg, why) == NULL ? -1 : 0;
}

cJSON *
agents_event_json(const PGresult *res, int row)
{
	cJSON *o;

	if (!PQgetisnull(res, row, 0))
		return agent_json(res, row);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "agentId", PQgetvalue(res, row,
	    AGENT_NCOLUMNS));
	cJSON_AddBoolToObject(o, "deleted", 1);
	return o;
}

static void
agents_listed(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	api_reply_rows(r, "listing agents", "agents", res, err, sqlstate,
	    agent_json);
}

void
agents_list(struct request *r)
{
	static const char *const keys[] = { "platform", "status", "region",
	    NULL };
	char platform[128], status[128], region[128];
	const char *p[3];

	if (body_query(r, keys, sizeof(region) - 1) == -1)
		return;
	p[0] = body_query_get(r, "platform", platform, sizeof(platform));
	p[1] = body_query_get(r, "status", status, sizeof(status));
	p[2] = body_query_get(r, "region", region, sizeof(region));
	api_query(r, agents_list_sql, 3, p, agents_listed);
}

static void
agents_got(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	if (res == NULL) {
		api_db_error(r, "reading an agent", err, sqlstate);
		return;
	}
	if (PQntuples(res) != 1) {
		server_reply_error(r, 404, "agent not found");
		return;
	}
	server_reply_cjson(r, 200, agent_json(res, 0));
}

void
agents_get(struct request *r)
{
	const char *p[1] = { r->params[0] };

	api_query(r, "SELECT " AGENT_COLUMNS " FROM agents a WHERE "
	    "a.agent_id = $1", 1, p, agents_got);
}

static void
agents_deleted(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	if (res == NULL) {
		api_db_error(r, "deleting an agent", err, sqlstate);
		return;
	}
	if (PQntuples(res) != 1) {
		server_reply_error(r, 404, "agent not found");
		return;
	}
	cache_clear(CACHE_SESSIONS);
	api_notify("ssd_sessions", r->params[0]);
	server_reply(r, 204, "application/json", NULL, 0);
}

/* Its sessions lose their agent (ON DELETE SET NULL), its commands go. */
void
agents_delete(struct request *r)
{
	const char *p[1] = { r->params[0] };

	api_query(r, "DELETE FROM agents WHERE agent_id = $1 RETURNING id", 1,
	    p, agents_deleted);
}

/*
 * Agent $1 drained or not ($2), asked by user $3 through $4 (api or
 * ssdctl; ssdctl's is audited here, the API's by its request).
 */
static const char agents_drain_sql[] =
    "WITH a AS (UPDATE agents SET draining = $2::boolean, updated_at = "
    "  now() WHERE agent_id = $1 RETURNING *), "
    "au AS (INSERT INTO audit_log (user_id, action, resource_type, "
    "  resource_id, changes, timestamp, ip_address, org_id) SELECT $3, "
    "  CASE WHEN $2::boolean THEN 'agent drain' ELSE 'agent undrain' END, "
    "  'agents', a.agent_id, jsonb_build_object('via', $4::text, "
    "  'liveSessions', a.live_sessions), now(), NULL, 'default-org' FROM "
    "  a WHERE $4::text = 'ssdctl' RETURNING 1) "
    "SELECT " AGENT_COLUMNS ", (SELECT count(*) FROM au) FROM a";

static void
agents_drained(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	if (res == NULL) {
		api_db_error(r, "draining an agent", err, sqlstate);
		return;
	}
	if (PQntuples(res) != 1) {
		server_reply_error(r, 404, "agent not found");
		return;
	}
	log_info("%s: agent %s %s", server_peer(r), PQgetvalue(res, 0, 1),
	    PQgetvalue(res, 0, 13)[0] == 't' ? "draining: no new sessions" :
	    "no longer draining");
	server_reply_cjson(r, 200, agent_json(res, 0));
}

static void
agents_drain_set(struct request *r, const char *to)
{
	const char *p[4] = { r->params[0], to, r->user.user_id, "api" };

	api_query(r, agents_drain_sql, 4, p, agents_drained);
}

void
agents_drain(struct request *r)
{
	agents_drain_set(r, "t");
}

void
agents_undrain(struct request *r)
{
	agents_drain_set(r, "f");
}

static void
audit_listed(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	cJSON *o, *list, *e;
	int i;

	if (res == NULL) {
		api_db_error(r, "reading the audit log", err, sqlstate);
		return;
	}
	o = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(o, "entries");
	for (i = 0; i < PQntuples(res); i++) {
		e = cJSON_CreateObject();
		cJSON_AddNumberToObject(e, "id", atof(PQgetvalue(res, i, 0)));
		cJSON_AddStringToObject(e, "userId", PQgetvalue(res, i, 1));
		cJSON_AddStringToObject(e, "action", PQgetvalue(res, i, 2));
		cJSON_AddStringToObject(e, "resourceType",
		    PQgetvalue(res, i, 3));
		cJSON_AddStringToObject(e, "resourceId", PQgetvalue(res, i, 4));
		cJSON_AddItemToObject(e, "details",
		    cJSON_Parse(PQgetvalue(res, i, 5)));
		cJSON_AddStringToObject(e, "timestamp", PQgetvalue(res, i, 6));
		cJSON_AddStringToObject(e, "ipAddress", PQgetvalue(res, i, 7));
		cJSON_AddStringToObject(e, "username", PQgetvalue(res, i, 8));
		cJSON_AddItemToArray(list, e);
	}
	cJSON_AddNumberToObject(o, "count", PQntuples(res));
	server_reply_cjson(r, 200, o);
}

/*
 * Filters: user (an id or a user name), action, resource_type and
 * resource_id exactly, search (a piece of the action, resource or the
 * name a login was for), since and until (times, UTC); newest first.
 */
void
audit_list(struct request *r)
{
	static const char *const keys[] = { "user", "action", "resource_type",
	    "resource_id", "limit", "offset", "search", "since", "until",
	    NULL };
	char vals[nitems(keys) - 1][256];
	const struct http_request *h = r->http;
	const char *p[nitems(keys) - 1];
	int64_t n;
	size_t i;

	if (body_query(r, keys, sizeof(vals[0]) - 1) == -1)
		return;
	for (i = 0; i < nitems(keys) - 1; i++)
		p[i] = http_query_get(h->query, h->query_len, keys[i], vals[i],
		    sizeof(vals[i])) > 0 ? vals[i] : NULL;
	if ((p[4] && parse_int64(p[4], 1, 1000, &n) == -1) ||
	    (p[5] && parse_int64(p[5], 0, INT32_MAX, &n) == -1)) {
		server_reply_error(r, 400, "limit must be 1 to 1000, offset "
		    "0 or more");
		return;
	}
	api_query(r, "SELECT l.id, COALESCE(l.user_id, ''), l.action, "
	    "COALESCE(l.resource_type, ''), COALESCE(l.resource_id, ''), "
	    "COALESCE(l.changes, '{}'::jsonb), to_char(l.timestamp, "
	    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), COALESCE(l.ip_address, ''), "
	    "COALESCE(u.username, '') FROM audit_log l LEFT JOIN users u ON "
	    "u.id = l.user_id WHERE ($1::text IS NULL OR l.user_id = $1 OR "
	    "l.user_id = (SELECT id FROM users WHERE username = $1)) AND "
	    "($2::text IS NULL OR l.action = $2) AND ($3::text IS NULL OR "
	    "l.resource_type = $3) AND ($4::text IS NULL OR l.resource_id = "
	    "$4) AND ($7::text IS NULL OR strpos(lower(l.action || ' ' || "
	    "COALESCE(l.resource_type, '') || ' ' || COALESCE(l.resource_id, "
	    "'') || ' ' || COALESCE(l.changes->>'username', '')), lower($7)) > "
	    "0) AND ($8::text IS NULL OR l.timestamp >= $8::timestamptz AT "
	    "TIME ZONE 'UTC') AND ($9::text IS NULL OR l.timestamp < "
	    "$9::timestamptz AT TIME ZONE 'UTC') ORDER BY l.id DESC LIMIT "
	    "COALESCE($5::int, 100) OFFSET COALESCE($6::int, 0)",
	    (int)nitems(p), p, audit_listed);
}

static void
agents_ctl_listed(uint32_t id, const PGresult *res, const char *err,
    const char *sqlstate, void *arg)
{
	admin_rows(id, res, err, agent_json);
}

/* ssdctl show agents: GET /api/v1/agents's rows, unfiltered. */
void
agents_ctl_list(uint32_t id)
{
	const char *p[3] = { NULL, NULL, NULL };

	admin_query(id, agents_list_sql, 3, p, agents_ctl_listed, NULL);
}

static void
agents_ctl_drained(uint32_t id, const PGresult *res, const char *err,
    const char *sqlstate, void *arg)
{
	char msg[320];

	if (res == NULL) {
		admin_end(id, 0, err);
		return;
	}
	if (PQntuples(res) != 1) {
		admin_end(id, 0, "no such agent");
		return;
	}
	snprintf(msg, sizeof(msg), "agent %s %s", PQgetvalue(res, 0, 1),
	    PQgetvalue(res, 0, 13)[0] == 't' ? "is draining: it gets no new "
	    "sessions, its running ones stay" : "takes new sessions again");
	log_info("ssdctl: %s", msg);
	admin_end(id, 1, msg);
}

/* ssdctl agent drain|undrain: the statement of the admin routes. */
void
agents_ctl_drain(uint32_t id, const char *agent, int drain)
{
	const char *p[4] = { agent, drain ? "t" : "f", NULL, "ssdctl" };

	admin_query(id, agents_drain_sql, 4, p, agents_ctl_drained, NULL);
}
