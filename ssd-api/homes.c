/*
 * homes.c - users' homes as administrators see them: GET
 * /api/v1/admin/homes, and DELETE /api/v1/admin/homes/USER (also
 * ssdctl show homes, ssdctl home delete), the one way a home goes.  A
 * delete is refused while a session (hibernated ones too) mounts the
 * home; otherwise each home becomes a delete_home command for an agent
 * of its namespace, audited, and shows as deleting until it is done.
 * Homes are created by placement.c, never here.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "agentproto.h"
#include "api.h"
#include "log.h"
#include "sessions.h"
#include "util.h"

/* The delete_home command of home h, and what its status means. */
#define HOME_CMD_DONE(c)	c ".status = 'completed'"
#define HOME_CMD_RUNNING(c)	c ".status IN ('pending', 'sent', 'ack')"
/* Live sessions of h's user that mount h. */
#define HOME_USERS(h) \
    "sessions s WHERE s.user_id = " h ".user_id AND s.home_namespace = " \
    h ".namespace AND s.state " SES_LIVE

/* Homes of user $1 (id or name; NULL: all) that are not gone. */
static const char homes_list_sql[] =
    "SELECT json_strip_nulls(json_build_object('id', h.id, 'userId', "
    "  h.user_id, 'user', h.username, 'namespace', h.namespace, 'claim', "
    "  (SELECT s.platform_metadata->>'" AP_HOME_CLAIM "' FROM sessions s "
    "  WHERE s.user_id = h.user_id AND s.home_namespace = h.namespace AND "
    "  s.platform_metadata ? '" AP_HOME_CLAIM "' ORDER BY s.created_at DESC "
    "  LIMIT 1), 'accessMode', h.access_mode, 'sizeBytes', h.size_bytes, "
    "  'storageClass', h.storage_class, 'createdAt', "
    SES_ISO("h.created_at") ", 'lastUsedAt', " SES_ISO("h.last_used_at")
    ", 'state', CASE WHEN " HOME_CMD_RUNNING("c") " THEN 'deleting' ELSE "
    "  'ready' END, 'lastError', CASE WHEN c.status IN ('failed', "
    "  'timeout') THEN c.error_message END, 'sessions', (SELECT "
    "  json_agg(s.id ORDER BY s.id) FROM " HOME_USERS("h") "))) "
    "FROM user_homes h LEFT JOIN agent_commands c ON c.command_id = "
    "  h.delete_command WHERE NOT COALESCE(" HOME_CMD_DONE("c") ", false) "
    "  AND ($1::text IS NULL OR h.user_id = $1 OR h.username = $1) "
    "ORDER BY h.username, h.namespace LIMIT 1000";

/* The list's query builds each home's JSON itself. */
static cJSON *
homes_row(const PGresult *res, int row)
{
	return cJSON_Parse(PQgetvalue(res, row, 0));
}

static void
homes_listed(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	api_reply_rows(r, "listing homes", "homes", res, err, sqlstate,
	    homes_row);
}

void
homes_list(struct request *r)
{
	static const char *const keys[] = { "user", NULL };
	char user[256];
	const char *p[1];

	if (body_query(r, keys, sizeof(user) - 1) == -1)
		return;
	p[0] = body_query_get(r, "user", user, sizeof(user));
	api_query(r, homes_list_sql, 1, p, homes_listed);
}

/*
 * The homes of user $1 (id or name) in namespace $2 (NULL: every one)
 * deleted by user $3 (NULL: ssdctl) through $4 (api, ssdctl), all or
 * none: none while a session mounts one or one is being deleted, or
 * when a namespace has no agent to do it.  The agent of a namespace is
 * an approved one there, online ones first, the last heard from first.
 */
static const char homes_delete_sql[] =
    "WITH h AS (SELECT h.* FROM user_homes h LEFT JOIN agent_commands c "
    "  ON c.command_id = h.delete_command WHERE (h.user_id = $1 OR "
    "  h.username = $1) AND ($2::text IS NULL OR h.namespace = $2) AND "
    "  NOT COALESCE(" HOME_CMD_DONE("c") ", false) FOR UPDATE OF h), "
    "busy AS (SELECT s.id, s.state FROM h, " HOME_USERS("h") "), "
    "deleting AS (SELECT h.id FROM h JOIN agent_commands c ON "
    "  c.command_id = h.delete_command WHERE " HOME_CMD_RUNNING("c") "), "
    "plan AS (SELECT DISTINCT ON (h.id) h.id, h.username, h.user_id, "
    "  h.namespace, a.agent_id, 'cmd-' || gen_random_uuid() AS cid FROM h "
    "  JOIN agents a ON COALESCE(NULLIF(a.metadata->>'" AP_NAMESPACE "', "
    "  ''), 'agent:' || a.agent_id) = h.namespace AND COALESCE("
    "  a.approval_status, 'approved') = 'approved' ORDER BY h.id, "
    "  a.status = 'online' DESC, a.last_heartbeat DESC NULLS LAST), "
    "go AS (SELECT NOT EXISTS (SELECT 1 FROM busy) AND NOT EXISTS (SELECT "
    "  1 FROM deleting) AND (SELECT count(*) FROM plan) = (SELECT count(*) "
    "  FROM h) AS ok), "
    "cmd AS (INSERT INTO agent_commands (command_id, agent_id, session_id, "
    "  command_type, payload) SELECT p.cid, p.agent_id, NULL, '"
    AP_CMD_DELETE_HOME "', jsonb_strip_nulls(jsonb_build_object('"
    AP_SESSION_ID "', 'home:' || p.id, '" AP_USER "', p.username, '"
    AP_USER_ID "', p.user_id, '" AP_NAMESPACE "', p.namespace)) FROM plan "
    "  p, go WHERE go.ok RETURNING command_id, agent_id), "
    "upd AS (UPDATE user_homes u SET delete_command = p.cid FROM plan p, "
    "  cmd WHERE u.id = p.id AND cmd.command_id = p.cid RETURNING u.id), "
    "au AS (INSERT INTO audit_log (user_id, action, resource_type, "
    "  resource_id, changes, timestamp, ip_address, org_id) SELECT $3, "
    "  'home delete', 'homes', p.username, jsonb_build_object('namespace', "
    "  p.namespace, 'userId', p.user_id, 'agent', p.agent_id, 'command', "
    "  p.cid, 'via', $4::text), now(), $5, 'default-org' FROM plan p, cmd "
    "  WHERE cmd.command_id = p.cid RETURNING 1), "
    "note AS (SELECT pg_notify('ssd_commands', agent_id) FROM cmd) "
    "SELECT (SELECT count(*) FROM h), (SELECT string_agg(id || ' (' || "
    "  state || ')', ', ' ORDER BY id) FROM busy), (SELECT count(*) FROM "
    "  deleting), (SELECT string_agg(namespace, ', ') FROM h WHERE id NOT "
    "  IN (SELECT id FROM plan)), (SELECT json_agg(json_build_object("
    "  'namespace', p.namespace, 'agent', p.agent_id, 'command', p.cid)) "
    "  FROM plan p, upd WHERE upd.id = p.id), (SELECT count(*) FROM au) + "
    "  (SELECT count(*) FROM note)";

/* Result columns of a delete. */
enum { HD_FOUND, HD_BUSY, HD_DELETING, HD_NO_AGENT, HD_PLANNED };

/*
 * What the delete came to: 0 when it was queued (*planned: the JSON of
 * the commands), else the status and why (into why).
 */
static int
homes_outcome(const PGresult *res, const char *user, char *why,
    size_t len, const char **planned)
{
	*planned = NULL;
	if (PQgetvalue(res, 0, HD_FOUND)[0] == '0') {
		snprintf(why, len, "%s has no home (in that namespace)", user);
		return 404;
	}
	if (!PQgetisnull(res, 0, HD_BUSY)) {
		snprintf(why, len, "a session mounts the home: %.300s; delete "
		    "the sessions first", PQgetvalue(res, 0, HD_BUSY));
		return 409;
	}
	if (PQgetvalue(res, 0, HD_DELETING)[0] != '0') {
		snprintf(why, len, "the home is being deleted already");
		return 409;
	}
	if (!PQgetisnull(res, 0, HD_NO_AGENT) || PQgetisnull(res, 0,
	    HD_PLANNED)) {
		snprintf(why, len, "no agent serves namespace %.200s to delete "
		    "the home there", PQgetisnull(res, 0, HD_NO_AGENT) ? "?" :
		    PQgetvalue(res, 0, HD_NO_AGENT));
		return 409;
	}
	*planned = PQgetvalue(res, 0, HD_PLANNED);
	return 0;
}

static void
homes_deleted(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	const char *planned;
	char why[512];
	cJSON *o;
	int rc;

	if (res == NULL || PQntuples(res) != 1) {
		api_db_error(r, "deleting a home", err ? err : "no row",
		    sqlstate);
		return;
	}
	if ((rc = homes_outcome(res, r->params[0], why, sizeof(why),
	    &planned)) != 0) {
		server_reply_error_code(r, rc, rc == 404 ? "not_found" :
		    !PQgetisnull(res, 0, HD_BUSY) ? "home_in_use" :
		    PQgetvalue(res, 0, HD_DELETING)[0] != '0' ?
		    "home_deleting" : "no_agent_available", why);
		return;
	}
	log_info("%s: home of %s to be deleted: %s", server_peer(r),
	    r->params[0], planned);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "user", r->params[0]);
	cJSON_AddItemToObject(o, "homes", cJSON_Parse(planned));
	cJSON_AddStringToObject(o, "state", "deleting");
	server_reply_cjson(r, 202, o);
}

void
homes_delete(struct request *r)
{
	static const char *const keys[] = { "namespace", NULL };
	char ns[256];
	const char *p[5];

	if (body_query(r, keys, sizeof(ns) - 1) == -1)
		return;
	p[0] = r->params[0];
	p[1] = body_query_get(r, "namespace", ns, sizeof(ns));
	p[2] = r->user.user_id;
	p[3] = "api";
	p[4] = server_addr(r);
	api_query(r, homes_delete_sql, 5, p, homes_deleted);
}

static void
homes_ctl_listed(uint32_t id, const PGresult *res, const char *err,
    const char *sqlstate, void *arg)
{
	admin_rows(id, res, err, homes_row);
}

/* ssdctl show homes: GET /api/v1/admin/homes's rows. */
void
homes_ctl_list(uint32_t id)
{
	const char *p[1] = { NULL };

	admin_query(id, homes_list_sql, 1, p, homes_ctl_listed, NULL);
}

static void
homes_ctl_deleted(uint32_t id, const PGresult *res, const char *err,
    const char *sqlstate, void *arg)
{
	char *user = arg, why[512], msg[640];
	const char *planned;

	if (res == NULL || PQntuples(res) != 1)
		admin_end(id, 0, err ? err : "no answer");
	else if (homes_outcome(res, user, why, sizeof(why), &planned) != 0)
		admin_end(id, 0, why);
	else {
		snprintf(msg, sizeof(msg), "the home of %s is being deleted: "
		    "%.500s", user, planned);
		log_info("ssdctl: %s", msg);
		admin_end(id, 1, msg);
	}
	free(user);
}

/* ssdctl home delete USER [NAMESPACE]: the route's statement. */
void
homes_ctl_delete(uint32_t id, const char *user, const char *ns)
{
	const char *p[5] = { user, ns, NULL, "ssdctl", NULL };

	if (user == NULL) {
		admin_end(id, 0, "home delete USER [NAMESPACE]");
		return;
	}
	admin_query(id, homes_delete_sql, 5, p, homes_ctl_deleted,
	    xstrdup(user));
}
