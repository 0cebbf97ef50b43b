/*
 * relay.c - ssd-api in front of the ssd-vncproxy relays: an agent's data
 * link (authenticated as its control link is, with the ssd-mux.v1
 * subprotocol) and a browser's authorized VNC upgrade both go to the
 * relay that owns the agent, handoff_relay_for(agent, relays), so that
 * they meet there.  Keys are checked as SHA-256, never logged.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "api.h"
#include "handoff.h"
#include "log.h"
#include "mux.h"
#include "passwd.h"
#include "peers.h"
#include "util.h"
#include "ws.h"

#define RELAY_AGENT_ID_MAX	255
#define RELAY_AGENT_KEY_HEX	64

struct data_link_ctx {
	struct handoff_agent	meta;
};

static struct peer *
relay_of(const char *agent_id)
{
	return api_relay((int)handoff_relay_for(agent_id,
	    (unsigned)api_relay_count()));
}

/* As register.c's agent ids: what an agent may be called. */
static int
relay_agent_id_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= RELAY_AGENT_ID_MAX && strspn(s,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	    "._-") == n;
}

static void
data_link_authed(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	struct data_link_ctx *dc = r->ctx;
	struct peer *p;

	if (res == NULL) {
		api_db_error(r, "authenticating an agent's data link", err,
		    sqlstate);
		return;
	}
	if (PQntuples(res) != 1) {
		log_info("%s: agent %s: data link refused (unknown, not "
		    "approved, or bad key)", server_peer(r), dc->meta.agent_id);
		server_reply_error(r, 401, "agent not approved or bad key");
		return;
	}
	p = relay_of(dc->meta.agent_id);
	log_info("%s: agent %s: data link handed to %s", server_peer(r),
	    dc->meta.agent_id, p != NULL ? p->name : "a relay not started");
	api_handoff(r, p, HANDOFF_DATA_LINK, &dc->meta, sizeof(dc->meta));
}

/*
 * GET /api/v1/agent/data?agent_id=: an agent's data link, the twin of
 * its control link (/api/v1/agent/connect) but for the relay, and only
 * with the stream protocol's subprotocol.
 */
void
relay_data_connect(struct request *r)
{
	static const char *const protocols[] = { MUX_SUBPROTOCOL, NULL };
	const char *key, *proto, *p[2];
	struct data_link_ctx *dc;
	char key_hash[65];
	size_t len;
	int rc;

	dc = xcalloc(1, sizeof(*dc));
	r->ctx = dc;
	if (http_query_get(r->http->query, r->http->query_len, "agent_id",
	    dc->meta.agent_id, sizeof(dc->meta.agent_id)) < 1 ||
	    !relay_agent_id_ok(dc->meta.agent_id)) {
		server_reply_error(r, 400, "agent_id required");
		return;
	}
	if ((rc = ws_server_check(r->http, protocols, dc->meta.accept,
	    &proto)) != 0) {
		if (rc == -426)
			r->extra_headers = "Sec-WebSocket-Version: 13\r\n";
		server_reply_error(r, -rc, "a WebSocket upgrade is required");
		return;
	}
	if (proto == NULL) {
		server_reply_error(r, 400, "the WebSocket subprotocol "
		    MUX_SUBPROTOCOL " is required");
		return;
	}
	if ((key = http_header_get(r->http, "X-Agent-API-Key", &len)) ==
	    NULL || len != RELAY_AGENT_KEY_HEX) {
		server_reply_error(r, 401, "X-Agent-API-Key required");
		return;
	}
	sha256_hex(key, len, key_hash);
	p[0] = dc->meta.agent_id;
	p[1] = key_hash;
	api_query(r, "UPDATE agents SET api_key_last_used_at = now() WHERE "
	    "agent_id = $1 AND api_key_hash = $2 AND COALESCE("
	    "approval_status, 'approved') = 'approved' RETURNING agent_id", 2,
	    p, data_link_authed);
}

/*
 * The relay answers from here on (101 or an HTTP error), so the attempt
 * is audited now, as handed off; a relay that is down is a 503 here.
 */
void
relay_handoff_viewer(struct request *r, const struct handoff_viewer *v)
{
	struct peer *p = relay_of(v->agent_id);
	char msg[320];

	if (p == NULL || p->chan == NULL) {
		snprintf(msg, sizeof(msg), "the relay of agent %s is not "
		    "running", v->agent_id);
		log_info("%s: user %s: session %s: %s", server_peer(r),
		    v->user, v->session_id, msg);
		server_reply_error_code(r, 503, "relay_unavailable", msg);
		return;
	}
	log_info("%s: user %s: session %s: viewer handed to %s",
	    server_peer(r), v->user, v->session_id, p->name);
	if (r->audit) {
		audit_request(r, 101);
		r->audit = 0;
	}
	api_handoff(r, p, HANDOFF_VIEWER, v, sizeof(*v));
}
