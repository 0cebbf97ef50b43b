/*
 * sessions.c - /api/v1/sessions, but for creating them (placement.c).  A
 * user owns the sessions they create and sees only those; operators and
 * administrators see all.  Every state change a user asks for writes the
 * session and its agent's command in one statement and NOTIFYs the hubs;
 * transitions follow common/session_state.c.  A stop never deletes the
 * user's home.  A session with no agent (StreamSpace v1.x's, or
 * imported) is "legacy": listed, never counted against a quota,
 * deletable, and placed on an agent when woken from hibernated; nothing
 * else can reach it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "agentproto.h"
#include "api.h"
#include "db.h"
#include "log.h"
#include "session_state.h"
#include "sessions.h"
#include "util.h"

const char *
sessions_privileged(const struct request *r)
{
	return auth_has_role(r, "operator") ? "t" : "f";
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

	if (body_query(r, keys, sizeof(user) - 1) == -1)
		return;
	p[0] = r->user.user_id;
	p[1] = sessions_privileged(r);
	p[2] = body_query_get(r, "user", user, sizeof(user));
	p[3] = body_query_get(r, "state", state, sizeof(state));
	p[4] = body_query_get(r, "agent", agent, sizeof(agent));
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
	    "  policy_reason = NULL, policy_warned_at = NULL, last_activity = "
	    "  CASE WHEN $4 = 'waking' THEN now() ELSE s.last_activity END, "
	    "  updated_at = now() FROM cur WHERE s.id = cur.id AND s.state = "
	    "  ANY($5::text[]) AND (s.agent_id IS NOT NULL OR $4 = "
	    "  'terminating') RETURNING s.*), "
	    "cmd AS (INSERT INTO agent_commands (agent_id, session_id, "
	    "  command_type, payload) SELECT agent_id, id, $6::text, "
	    "  jsonb_build_object('" AP_SESSION_ID "', id, '" AP_DELETE_HOME
	    "', false) FROM upd WHERE agent_id IS NOT NULL RETURNING "
	    "  agent_id), "
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

/* A wake that found a hibernated legacy session places it instead. */
static void
ses_woken(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	if (res != NULL && PQntuples(res) == 1 &&
	    PQgetisnull(res, 0, ST_SESSION + 1) &&
	    !PQgetisnull(res, 0, ST_CURRENT) &&
	    PQgetvalue(res, 0, ST_LEGACY)[0] == 't' &&
	    strcmp(PQgetvalue(res, 0, ST_CURRENT), "hibernated") == 0) {
		placement_legacy(r);
		return;
	}
	ses_moved(r, res, err, sqlstate);
}

void
sessions_wake(struct request *r)
{
	ses_move(r, "waking", AP_CMD_WAKE, "wake", ses_woken);
}
