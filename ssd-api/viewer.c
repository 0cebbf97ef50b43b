/*
 * viewer.c - who may watch a session: one-time viewer tickets (for a
 * web-streamed session, to its own origin: websession.c), and the
 * checks in front of the browser's VNC WebSocket, answered in plain HTTP
 * before the connection goes to the relay holding a data link to the
 * session's agent.  Tickets and tokens never reach a log line or the
 * database: only a ticket's SHA-256 is stored.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/http.h>

#include "api.h"
#include "conf.h"
#include "handoff.h"
#include "log.h"
#include "metrics.h"
#include "passwd.h"
#include "util.h"
#include "worker.h"
#include "ws.h"

#define VIEWER_TICKET_BYTES	32	/* 256 random bits */
#define VIEWER_TICKET_HEX	(2 * VIEWER_TICKET_BYTES)

/*
 * What a viewer connection has been found to be, for the hand-off: the
 * relay answers the upgrade (accept, and protocol: static, or NULL).
 */
struct viewer_conn {
	char		 accept[WS_ACCEPT_LEN + 1];
	const char	*protocol;
	char		 agent_id[256];
};

/* 409 invalid_state with the state, as sessions.c answers. */
static void
viewer_not_running(struct request *r, const char *state)
{
	char msg[128];
	cJSON *o = cJSON_CreateObject();

	snprintf(msg, sizeof(msg), "the session is %s, not running", state);
	cJSON_AddStringToObject(o, "error", "invalid_state");
	cJSON_AddStringToObject(o, "message", msg);
	cJSON_AddStringToObject(o, "state", state);
	server_reply_cjson(r, 409, o);
}

/* Result columns of the issuing statement. */
enum { VT_STATE, VT_LEGACY, VT_EXPIRES, VT_VIEW, VT_LABEL };

/*
 * Without session_domain a web-streamed session has no origin to be
 * served on: never the UI's, where its pages could act as the user.
 */
static void
viewer_no_domain(struct request *r)
{
	server_reply_error_code(r, 409, "web_sessions_disabled", "this "
	    "session is web-streamed and ssd serves those only on origins "
	    "of their own: set session_domain in ssd.conf (see ssd.conf(5))");
}

static void
viewer_ticket_stored(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	const char *ticket = r->ctx, *view;
	char *id, *url, web[512];
	cJSON *o;

	if (res == NULL) {
		api_db_error(r, "issuing a viewer ticket", err, sqlstate);
		return;
	}
	if (PQntuples(res) != 1) {
		server_reply_error(r, 404, "session not found");
		return;
	}
	view = PQgetvalue(res, 0, VT_VIEW);
	if (PQgetisnull(res, 0, VT_EXPIRES)) {
		if (PQgetvalue(res, 0, VT_LEGACY)[0] == 't')
			sessions_reply_legacy(r, PQgetvalue(res, 0, VT_STATE),
			    "show");
		else if (strcmp(view, "none") == 0)
			server_reply_error_code(r, 409, "not_viewable", "this "
			    "session's protocol cannot be shown in a browser");
		else if (strcmp(view, "web") == 0 &&
		    *websession_domain() == '\0')
			viewer_no_domain(r);
		else
			viewer_not_running(r, PQgetvalue(res, 0, VT_STATE));
		return;
	}
	if ((id = evhttp_uriencode(r->params[0], -1, 0)) == NULL)
		fatalx("out of memory for a viewer URL");
	if (strcmp(view, "web") != 0)
		xasprintf(&url, "/api/v1/vnc/%s?ticket=%s", id, ticket);
	else if (websession_url(r, PQgetvalue(res, 0, VT_LABEL), ticket, web,
	    sizeof(web)) == 0)
		url = xstrdup(web);
	else
		fatalx("a session origin's URL longer than %zu bytes",
		    sizeof(web));
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "ticket", ticket);
	cJSON_AddStringToObject(o, "expiresAt",
	    PQgetvalue(res, 0, VT_EXPIRES));
	cJSON_AddStringToObject(o, "view", view);
	cJSON_AddStringToObject(o, "url", url);
	free(url);
	free(id);
	log_info("%s: viewer ticket for session %s issued to %s",
	    server_peer(r), r->params[0], r->user.username);
	server_reply_cjson(r, 201, o);
}

/*
 * Stores the ticket's hash, bound to the caller and the session, when
 * the caller may see the session (else no row: 404, whether or not it
 * exists) and it is running on an agent.  Expired tickets go in the same
 * statement, which keeps the table as small as the tickets in flight.
 */
void
viewer_ticket(struct request *r)
{
	char *ticket, hash[65], ttl[24];
	const char *p[6];

	ticket = xmalloc(VIEWER_TICKET_HEX + 1);
	r->ctx = ticket;
	random_hex(ticket, VIEWER_TICKET_BYTES);
	sha256_hex(ticket, VIEWER_TICKET_HEX, hash);
	snprintf(ttl, sizeof(ttl), "%llu", (unsigned long long)conf_ms(
	    worker_conf(), S_VIEWER_TICKET_TTL));
	p[0] = r->params[0];
	p[1] = r->user.user_id;
	p[2] = sessions_privileged(r);
	p[3] = hash;
	p[4] = ttl;
	p[5] = *websession_domain() != '\0' ? "t" : "f";
	api_query(r, "WITH s AS (SELECT id, state, agent_id, web_label, "
	    "  ssd_session_view(streaming_protocol) AS view FROM sessions "
	    "  WHERE id = $1 AND (user_id = $2 OR $3::boolean)), "
	    "gone AS (DELETE FROM viewer_tickets WHERE expires_at < now()), "
	    "ins AS (INSERT INTO viewer_tickets (ticket_hash, user_id, "
	    "  session_id, expires_at) SELECT $4, $2, s.id, now() + "
	    "  $5::bigint * interval '1 millisecond' FROM s WHERE s.state = "
	    "  'running' AND s.agent_id IS NOT NULL AND (s.view = 'vnc' OR "
	    "  (s.view = 'web' AND $6::boolean AND s.web_label IS NOT NULL)) "
	    "  RETURNING expires_at) "
	    "SELECT s.state, s.agent_id IS NULL, "
	    "to_char(ins.expires_at AT TIME ZONE 'UTC', "
	    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), s.view, "
	    "COALESCE(s.web_label, '') FROM s LEFT JOIN ins ON true",
	    6, p, viewer_ticket_stored);
}

/*
 * The hand-off point: r passed every check, and belongs to the relay
 * worker holding a data link to agent vc->agent_id, which answers the
 * upgrade (vc->accept, vc->protocol), or 503 when it holds none.
 */
static void
viewer_handoff(struct request *r, const struct viewer_conn *vc)
{
	struct handoff_viewer v;

	memset(&v, 0, sizeof(v));
	ssd_strlcpy(v.session_id, r->params[0], sizeof(v.session_id));
	ssd_strlcpy(v.agent_id, vc->agent_id, sizeof(v.agent_id));
	ssd_strlcpy(v.user, r->user.username, sizeof(v.user));
	ssd_strlcpy(v.accept, vc->accept, sizeof(v.accept));
	ssd_strlcpy(v.protocol, vc->protocol ? vc->protocol : "",
	    sizeof(v.protocol));
	relay_handoff_viewer(r, &v);
}

/*
 * The session's check, columns from c on: whether r's user owns it, its
 * state, agent, whether that agent is online, and how it is viewed.
 */
#define VIEWER_CHECK_COLUMNS	"s.user_id = u.id, s.state, " \
	"COALESCE(s.agent_id, ''), a.status IS NOT DISTINCT FROM 'online', " \
	"ssd_session_view(s.streaming_protocol)"
enum { VS_OWNER, VS_STATE, VS_AGENT, VS_AGENT_ONLINE, VS_VIEW };

/* May r's user view the session of res's row 0 (columns from c), now? */
static void
viewer_check(struct request *r, const PGresult *res, int c)
{
	struct viewer_conn *vc = r->ctx;
	const char *sid = r->params[0];
	char msg[300];

	if (PQgetvalue(res, 0, c + VS_OWNER)[0] != 't' &&
	    *sessions_privileged(r) != 't') {
		/* As the REST routes: another's session is none at all. */
		log_info("%s: user %s may not view session %s", server_peer(r),
		    r->user.username, sid);
		server_reply_error(r, 404, "session not found");
		return;
	}
	if (PQgetvalue(res, 0, c + VS_AGENT)[0] == '\0') {
		sessions_reply_legacy(r, PQgetvalue(res, 0, c + VS_STATE),
		    "show");
		return;
	}
	if (strcmp(PQgetvalue(res, 0, c + VS_VIEW), "vnc") != 0) {
		server_reply_error_code(r, 409, "not_vnc_session", "this "
		    "session does not stream VNC: a web-streamed one opens at "
		    "the url of its viewer ticket");
		return;
	}
	if (strcmp(PQgetvalue(res, 0, c + VS_STATE), "running") != 0) {
		viewer_not_running(r, PQgetvalue(res, 0, c + VS_STATE));
		return;
	}
	ssd_strlcpy(vc->agent_id, PQgetvalue(res, 0, c + VS_AGENT),
	    sizeof(vc->agent_id));
	if (PQgetvalue(res, 0, c + VS_AGENT_ONLINE)[0] != 't') {
		snprintf(msg, sizeof(msg), "agent %s of session %s is offline",
		    vc->agent_id, sid);
		log_info("%s: user %s: %s", server_peer(r), r->user.username,
		    msg);
		metrics_add(M_VNC_FAILURES, ML("agent_offline"), 1);
		server_reply_error_code(r, 503, "agent_offline", msg);
		return;
	}
	viewer_handoff(r, vc);
}

static void
viewer_checked(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	if (res == NULL) {
		api_db_error(r, "checking a viewer", err, sqlstate);
		return;
	}
	if (PQntuples(res) != 1) {
		server_reply_error(r, 404, "session not found");
		return;
	}
	viewer_check(r, res, 0);
}

/* Authenticated by a token: may this user see this session, now? */
static void
viewer_authed(struct request *r)
{
	const char *p[2] = { r->params[0], r->user.user_id };

	api_query(r, "SELECT " VIEWER_CHECK_COLUMNS " FROM sessions s "
	    "JOIN users u ON u.id = $2 LEFT JOIN agents a ON a.agent_id = "
	    "s.agent_id WHERE s.id = $1", 2, p, viewer_checked);
}

static void
viewer_redeemed(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	if (res == NULL) {
		api_db_error(r, "redeeming a viewer ticket", err, sqlstate);
		return;
	}
	if (PQntuples(res) != 1) {
		log_info("%s: session %s: viewer ticket refused (unknown, "
		    "used, expired, or its user disabled)", server_peer(r),
		    r->params[0]);
		server_reply_error(r, 401, "invalid, used or expired ticket");
		return;
	}
	auth_set_user(r, res, 0);
	r->authed = 1;
	viewer_check(r, res, 3);
}

/*
 * Uses the ticket up, in one statement (of two redeeming at once, one
 * wins), if it is for this session and not expired; its user must still
 * be active, and their role is the database's now.  A redeemed ticket is
 * deleted: the table holds only tickets in flight, which keeps issuing
 * (and its sweep of expired ones) cheap at hundreds of opens a second.
 * The same statement checks the session (the ticket's session exists:
 * its row goes with the session's).
 */
static void
viewer_redeem(struct request *r, const char *ticket, size_t len)
{
	char hash[65];
	const char *p[2] = { hash, r->params[0] };

	if (len != VIEWER_TICKET_HEX) {
		server_reply_error(r, 401, "invalid, used or expired ticket");
		return;
	}
	sha256_hex(ticket, len, hash);
	api_query(r, "WITH t AS (DELETE FROM viewer_tickets WHERE "
	    "ticket_hash = $1 AND session_id = $2 AND used_at IS NULL AND "
	    "expires_at > now() RETURNING user_id) SELECT u.id, "
	    "u.username, u.role, " VIEWER_CHECK_COLUMNS " FROM t JOIN users "
	    "u ON u.id = t.user_id JOIN sessions s ON s.id = $2 LEFT JOIN "
	    "agents a ON a.agent_id = s.agent_id WHERE u.active", 2, p,
	    viewer_redeemed);
}

/*
 * GET /api/v1/vnc/{id}: a WebSocket upgrade (checked first, so that a
 * plain GET does not use a ticket up), authenticated by ?ticket=, by
 * ?token= (a user token, for older viewers), or as every other route.
 * Each attempt is audited, whatever its outcome.
 */
void
viewer_connect(struct request *r)
{
	static const char *const protocols[] = { "binary", NULL };
	const struct http_request *h = r->http;
	char ticket[VIEWER_TICKET_HEX + 1], token[JWT_MAX_LEN + 1];
	struct viewer_conn *vc;
	int n;

	r->audit = 1;
	vc = xcalloc(1, sizeof(*vc));
	r->ctx = vc;
	if ((n = ws_server_check(h, protocols, vc->accept,
	    &vc->protocol)) != 0) {
		if (n == -426)
			r->extra_headers = "Sec-WebSocket-Version: 13\r\n";
		server_reply_error(r, -n, "a WebSocket upgrade is required");
		return;
	}
	if ((n = http_query_get(h->query, h->query_len, "ticket", ticket,
	    sizeof(ticket))) >= 0)
		viewer_redeem(r, ticket, (size_t)n);
	else if ((n = http_query_get(h->query, h->query_len, "token", token,
	    sizeof(token))) > 0)
		auth_require_jwt(r, token, (size_t)n, "user", viewer_authed);
	else
		auth_require(r, "user", viewer_authed);
}
