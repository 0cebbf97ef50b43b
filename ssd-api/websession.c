/*
 * websession.c - web-streamed sessions' origins, s-LABEL.session_domain:
 * a viewer ticket exchanged at /.ssd/auth for a cookie of that host and
 * session only, then each connection checked (the cookie's user may
 * still see the session, running on an online agent) and handed, with
 * its head rewritten without ssd's cookies, to the relay of the session's
 * agent, which carries its bytes to the pod's web port.  Never reads a
 * request body on these hosts, and never logs a ticket or cookie.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "conf.h"
#include "handoff.h"
#include "log.h"
#include "passwd.h"
#include "util.h"
#include "webhost.h"
#include "webreq.h"
#include "worker.h"

#define WEBSESSION_COOKIE_BYTES	32
#define WEBSESSION_COOKIE_HEX	(2 * WEBSESSION_COOKIE_BYTES)
#define WEBSESSION_TICKET_HEX	64	/* as viewer.c issues them */
#define WEBSESSION_AUTH_PATH	"/.ssd/auth"

static struct {
	char		 domain[WEBHOST_DOMAIN_MAX + 1];
	uint64_t	 cookie_ms;
	const char	*cookie;	/* its name, __Host- when Secure */
	int		 secure;
	char		 header[512];	/* Set-Cookie and Location */
} ws;

/* What a request on a session host carries across its queries. */
struct websession_req {
	char	label[WEBHOST_LABEL_MAX + 1];
	char	cookie[WEBSESSION_COOKIE_HEX + 1];
	char	head[HANDOFF_TAIL_MAX];	/* for the pod */
};

void
websession_configure(const struct conf *c, int secure)
{
	ssd_strlcpy(ws.domain, conf_str(c, S_SESSION_DOMAIN),
	    sizeof(ws.domain));
	ws.cookie_ms = conf_ms(c, S_SESSION_COOKIE_LIFETIME);
	ws.secure = secure;
	ws.cookie = secure ? "__Host-ssd-view" : "ssd-view";
}

const char *
websession_domain(void)
{
	return ws.domain;
}

int
websession_match(const struct http_request *req, char *label)
{
	const char *host;
	size_t len;

	if (ws.domain[0] == '\0' ||
	    (host = http_header_get(req, "Host", &len)) == NULL)
		return 0;
	return webhost_match(host, len, ws.domain, label);
}

int
websession_url(const struct request *r, const char *label,
    const char *ticket, char *out, size_t outlen)
{
	const char *host, *colon, *origin = conf_str(worker_conf(),
	    S_WEB_ORIGIN);
	char port[16] = "";
	size_t len, n;
	int rc;

	/* The UI's scheme and port: its web_origin, else this request's. */
	if (origin[0] != '\0') {
		colon = strrchr(origin, ':');
		if (colon != NULL && colon > strchr(origin, ':'))
			ssd_strlcpy(port, colon, sizeof(port));
	} else if ((host = http_header_get(r->http, "Host", &len)) != NULL) {
		for (n = len; n > 0 && host[n - 1] >= '0' &&
		    host[n - 1] <= '9'; n--)
			;
		if (n > 0 && n < len && host[n - 1] == ':' &&
		    len - n < sizeof(port) - 1)
			snprintf(port, sizeof(port), ":%.*s", (int)(len - n),
			    host + n);
	}
	rc = snprintf(out, outlen, "%s://" WEBHOST_PREFIX "%s.%s%s"
	    WEBSESSION_AUTH_PATH "?ticket=%s", strncmp(origin, "https:", 6)
	    == 0 || (origin[0] == '\0' && ws.secure) ? "https" : "http",
	    label, ws.domain, port, ticket);
	return rc > 0 && (size_t)rc < outlen ? 0 : -1;
}

/* Result columns of the ticket's exchange. */
enum { WA_SESSIONS, WA_USERS, WA_COOKIES, WA_USER, WA_SESSION };

static void
websession_authed(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	struct websession_req *w = r->ctx;

	if (res == NULL) {
		api_db_error(r, "exchanging a session origin's ticket", err,
		    sqlstate);
		return;
	}
	if (strcmp(PQgetvalue(res, 0, WA_SESSIONS), "0") == 0) {
		server_reply_error(r, 404, "no such session");
		return;
	}
	if (strcmp(PQgetvalue(res, 0, WA_USERS), "0") == 0) {
		log_info("%s: session host %s: ticket refused (unknown, used, "
		    "expired, or its user disabled)", server_peer(r), w->label);
		server_reply_error(r, 401, "invalid, used or expired ticket");
		return;
	}
	if (strcmp(PQgetvalue(res, 0, WA_COOKIES), "0") == 0) {
		log_info("%s: user %s may not view session %s",
		    server_peer(r), PQgetvalue(res, 0, WA_USER),
		    PQgetvalue(res, 0, WA_SESSION));
		server_reply_error(r, 403, "this ticket's user may not view "
		    "this session");
		return;
	}
	log_info("%s: user %s: session %s: its origin's cookie given",
	    server_peer(r), PQgetvalue(res, 0, WA_USER),
	    PQgetvalue(res, 0, WA_SESSION));
	/* Host-only (no Domain), and not readable by the session's pages. */
	snprintf(ws.header, sizeof(ws.header), "Set-Cookie: %s=%s; Path=/; "
	    "Max-Age=%llu; HttpOnly; SameSite=Lax%s\r\nLocation: /\r\n",
	    ws.cookie, w->cookie, (unsigned long long)(ws.cookie_ms / 1000),
	    ws.secure ? "; Secure" : "");
	r->extra_headers = ws.header;
	server_reply(r, 302, "text/plain", "", 0);
}

/*
 * GET /.ssd/auth?ticket=: the ticket is used up (for this session only)
 * and, if its user may still see the session, exchanged for a cookie
 * whose hash is stored; expired cookies go in the same statement.
 */
static void
websession_auth(struct request *r, struct websession_req *w)
{
	const struct http_request *h = r->http;
	char ticket[WEBSESSION_TICKET_HEX + 1], thash[65], chash[65], ms[24];
	const char *p[4] = { thash, w->label, chash, ms };

	if (http_query_get(h->query, h->query_len, "ticket", ticket,
	    sizeof(ticket)) != WEBSESSION_TICKET_HEX) {
		server_reply_error(r, 401, "invalid, used or expired ticket");
		return;
	}
	sha256_hex(ticket, WEBSESSION_TICKET_HEX, thash);
	random_hex(w->cookie, WEBSESSION_COOKIE_BYTES);
	sha256_hex(w->cookie, WEBSESSION_COOKIE_HEX, chash);
	snprintf(ms, sizeof(ms), "%llu", (unsigned long long)ws.cookie_ms);
	api_query(r, "WITH s AS (SELECT id, user_id FROM sessions WHERE "
	    "web_label = $2), "
	    "gone AS (DELETE FROM web_cookies WHERE expires_at < now()), "
	    "t AS (DELETE FROM viewer_tickets v USING s WHERE "
	    "  v.ticket_hash = $1 AND v.session_id = s.id AND v.used_at IS "
	    "  NULL AND v.expires_at > now() RETURNING v.user_id), "
	    "u AS (SELECT u.id, u.username, u.id = s.user_id OR u.role IN "
	    "  ('admin', 'operator') AS ok FROM t JOIN users u ON u.id = "
	    "  t.user_id CROSS JOIN s WHERE u.active), "
	    "c AS (INSERT INTO web_cookies (cookie_hash, user_id, session_id, "
	    "  expires_at) SELECT $3, u.id, s.id, now() + $4::bigint * "
	    "  interval '1 millisecond' FROM u, s WHERE u.ok RETURNING 1) "
	    "SELECT (SELECT count(*) FROM s), (SELECT count(*) FROM u), "
	    "(SELECT count(*) FROM c), COALESCE((SELECT username FROM u), ''), "
	    "COALESCE((SELECT id FROM s), '')", 4, p, websession_authed);
}

/* Hands the connection to the relay of the session's agent. */
static void
websession_handoff(struct request *r, struct websession_req *w,
    const PGresult *res)
{
	struct handoff_web hw;
	long n;

	if ((n = webhost_head(r->http, webreq_ssd_cookies, w->head,
	    sizeof(w->head))) < 0) {
		server_reply_error(r, 431, "request head too large");
		return;
	}
	memset(&hw, 0, sizeof(hw));
	ssd_strlcpy(hw.session_id, PQgetvalue(res, 0, 0),
	    sizeof(hw.session_id));
	ssd_strlcpy(hw.agent_id, PQgetvalue(res, 0, 1), sizeof(hw.agent_id));
	ssd_strlcpy(hw.user, PQgetvalue(res, 0, 6), sizeof(hw.user));
	hw.port = (uint32_t)strtoul(PQgetvalue(res, 0, 5), NULL, 10);
	r->handoff_head = w->head;
	r->handoff_head_len = (size_t)n;
	api_handoff(r, relay_of_agent(hw.agent_id), HANDOFF_WEB, &hw,
	    sizeof(hw));
}

/* Result columns of a connection's check. */
enum { WC_SESSION, WC_AGENT, WC_STATE, WC_ONLINE, WC_VIEW, WC_PORT, WC_USER,
    WC_ALLOWED };

static void
websession_checked(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	struct websession_req *w = r->ctx;
	char msg[300];

	if (res == NULL) {
		api_db_error(r, "checking a session origin's cookie", err,
		    sqlstate);
		return;
	}
	if (PQntuples(res) != 1) {
		server_reply_error(r, 404, "no such session");
		return;
	}
	if (PQgetisnull(res, 0, WC_USER)) {
		server_reply_error(r, 401, "not signed in to this session: "
		    "open it from ssd's web UI");
		return;
	}
	if (PQgetvalue(res, 0, WC_ALLOWED)[0] != 't') {
		log_info("%s: user %s may not view session %s", server_peer(r),
		    PQgetvalue(res, 0, WC_USER), PQgetvalue(res, 0, WC_SESSION));
		server_reply_error(r, 403, "you may not view this session");
		return;
	}
	if (strcmp(PQgetvalue(res, 0, WC_VIEW), "web") != 0) {
		server_reply_error_code(r, 409, "not_web_session", "this "
		    "session is not web-streamed: open it in ssd's web UI");
		return;
	}
	if (strcmp(PQgetvalue(res, 0, WC_STATE), "running") != 0) {
		snprintf(msg, sizeof(msg), "the session is %s, not running",
		    PQgetvalue(res, 0, WC_STATE));
		server_reply_error_code(r, 409, "invalid_state", msg);
		return;
	}
	if (PQgetvalue(res, 0, WC_ONLINE)[0] != 't') {
		snprintf(msg, sizeof(msg), "agent %s of session %s is offline",
		    PQgetvalue(res, 0, WC_AGENT), PQgetvalue(res, 0, WC_SESSION));
		server_reply_error_code(r, 503, "agent_offline", msg);
		return;
	}
	websession_handoff(r, w, res);
}

/* A connection to the session's app: its cookie, and the session. */
static void
websession_check(struct request *r, struct websession_req *w)
{
	const char *v;
	char hash[65] = "";
	const char *p[2] = { w->label, hash };
	size_t len;

	v = http_cookie_get(r->http, ws.cookie, &len);
	if (v != NULL && len == WEBSESSION_COOKIE_HEX)
		sha256_hex(v, len, hash);
	api_query(r, "SELECT s.id, COALESCE(s.agent_id, ''), s.state, "
	    "a.status IS NOT DISTINCT FROM 'online', "
	    "ssd_session_view(s.streaming_protocol), "
	    "COALESCE(s.streaming_port, 0), u.username, u.id = s.user_id OR "
	    "u.role IN ('admin', 'operator') FROM sessions s "
	    "LEFT JOIN agents a ON a.agent_id = s.agent_id "
	    "LEFT JOIN web_cookies c ON c.session_id = s.id AND "
	    "  c.cookie_hash = $2 AND c.expires_at > now() "
	    "LEFT JOIN users u ON u.id = c.user_id AND u.active "
	    "WHERE s.web_label = $1", 2, p, websession_checked);
}

void
websession_dispatch(struct request *r, int match, const char *label)
{
	struct websession_req *w;

	if (match < 0) {
		server_reply_error(r, 404, "no such session");
		return;
	}
	w = xcalloc(1, sizeof(*w));
	r->ctx = w;
	ssd_strlcpy(w->label, label, sizeof(w->label));
	if (strcmp(r->path, WEBSESSION_AUTH_PATH) == 0 &&
	    r->http->method == HTTP_M_GET)
		websession_auth(r, w);
	else if (strncmp(r->path, "/.ssd/", 6) == 0)
		server_reply_error(r, 404, "not found");
	else
		websession_check(r, w);
}
