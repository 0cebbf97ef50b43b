/*
 * register.c - agents in front of ssd-api: registration with the
 * bootstrap key (pending until an administrator approves; the agent's
 * own key is then handed out exactly once) or with the agent's own key,
 * approval and rejection, and the control link's authentication before
 * the connection is handed to ssd-hub.  Agent keys are 64 hex characters
 * (256 random bits) stored as their SHA-256.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "agentproto.h"
#include "api.h"
#include "conf.h"
#include "handoff.h"
#include "log.h"
#include "mux.h"
#include "passwd.h"
#include "peers.h"
#include "util.h"
#include "ws.h"

#define AGENT_ID_MAX		255
#define AGENT_KEY_HEX		64
#define REGISTER_WINDOW_MS	60000

static struct {
	char		*bootstrap;
	unsigned	 per_minute;
} reg;

void
register_configure(const struct conf *c)
{
	free(reg.bootstrap);
	reg.bootstrap = conf_is_set(c, S_AGENT_BOOTSTRAP_KEY) ?
	    xstrdup(conf_str(c, S_AGENT_BOOTSTRAP_KEY)) : NULL;
	reg.per_minute = (unsigned)conf_int(c, S_AGENT_REGISTER_RATE);
}

static int
register_is_bootstrap(const char *key, size_t len)
{
	return reg.bootstrap != NULL && len == strlen(reg.bootstrap) &&
	    ssd_timingsafe_bcmp(key, reg.bootstrap, len) == 0;
}

/* Agent ids name Kubernetes-side things too: a conservative charset. */
static int
register_id_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= AGENT_ID_MAX && strspn(s,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	    "._-") == n;
}

struct reg_ctx {
	char	agent_id[AGENT_ID_MAX + 1];
	char	key_hash[65];
	int	bootstrap;
	char	*update_params[5];	/* platform, region, capacity, metadata */
	char	new_key[AGENT_KEY_HEX + 1];
};

static void
reg_ctx_free(void *arg)
{
	struct reg_ctx *rc = arg;
	size_t i;

	for (i = 0; i < 5; i++)
		free(rc->update_params[i]);
}

static void
register_answer(struct request *r, int status, const char *approval,
    const char *key, const char *message)
{
	struct reg_ctx *rc = r->ctx;
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "agentId", rc->agent_id);
	cJSON_AddStringToObject(o, "approvalStatus", approval);
	if (key != NULL)
		cJSON_AddStringToObject(o, AP_REG_API_KEY, key);
	cJSON_AddStringToObject(o, "message", message);
	server_reply_cjson(r, status, o);
}

static void
register_stored(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	struct reg_ctx *rc = r->ctx;
	const char *state;

	if (res == NULL || PQntuples(res) != 1) {
		api_db_error(r, "registering an agent", err ? err : "no row",
		    sqlstate);
		return;
	}
	state = PQgetvalue(res, 0, 0);
	ssd_strlcpy(r->audit_id, rc->agent_id, sizeof(r->audit_id));
	if (strcmp(state, "pending") == 0) {
		log_info("%s: agent %s registered, waiting for approval",
		    server_peer(r), rc->agent_id);
		register_answer(r, 202, "pending", NULL, "waiting for an "
		    "administrator's approval; register again later");
	} else if (rc->new_key[0] != '\0' && PQgetvalue(res, 0, 1)[0] == 't') {
		log_info("%s: agent %s received its key", server_peer(r),
		    rc->agent_id);
		register_answer(r, 200, "approved", rc->new_key, "store this "
		    "key: it is shown once, and the bootstrap key no longer "
		    "works for this agent");
	} else
		register_answer(r, 200, "approved", NULL, "registered");
}

/*
 * Decides from the agent's row (approval, whether it has a key, whether
 * the key sent is that key) what registration means, in one statement.
 */
static void
register_found(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	struct reg_ctx *rc = r->ctx;
	const char *p[7], *approval = NULL;
	int exists, has_key = 0, own_key = 0;

	if (res == NULL) {
		api_db_error(r, "registering an agent", err, sqlstate);
		return;
	}
	exists = PQntuples(res) == 1;
	if (exists) {
		approval = PQgetvalue(res, 0, 0);
		has_key = PQgetvalue(res, 0, 1)[0] == 't';
		own_key = PQgetvalue(res, 0, 2)[0] == 't';
	}
	if (!own_key && !rc->bootstrap) {
		log_info("%s: agent %s: registration refused (bad key)",
		    server_peer(r), rc->agent_id);
		server_reply_error(r, 401, "invalid agent key");
		return;
	}
	if (!own_key && has_key) {
		log_warnx("%s: agent %s: the bootstrap key no longer works for "
		    "it (it has its own key)", server_peer(r), rc->agent_id);
		server_reply_error(r, 401, "this agent has its own key");
		return;
	}
	if (exists && strcmp(approval, "rejected") == 0) {
		server_reply_error(r, 403, "this agent was rejected");
		return;
	}
	/* Approved, no key yet: this answer carries it, once. */
	if (exists && strcmp(approval, "approved") == 0 && !has_key) {
		random_hex(rc->new_key, AGENT_KEY_HEX / 2);
		sha256_hex(rc->new_key, AGENT_KEY_HEX, rc->key_hash);
	}
	p[0] = rc->agent_id;
	p[1] = rc->update_params[0];
	p[2] = rc->update_params[1];
	p[3] = rc->update_params[2];
	p[4] = rc->update_params[3];
	p[5] = rc->new_key[0] ? rc->key_hash : NULL;
	p[6] = exists ? "t" : "f";
	api_query(r, "INSERT INTO agents (agent_id, platform, region, "
	    "capacity, metadata, status, approval_status, created_at, "
	    "updated_at) VALUES ($1::text, COALESCE($2::text, 'kubernetes'), "
	    "$3::text, $4::jsonb, $5::jsonb, 'offline', CASE WHEN "
	    "$7::boolean THEN 'approved' ELSE 'pending' END, now(), now()) "
	    "ON CONFLICT (agent_id) DO UPDATE SET platform = "
	    "COALESCE($2::text, agents.platform), region = COALESCE($3::text, "
	    "agents.region), capacity = COALESCE($4::jsonb, agents.capacity), "
	    "metadata = COALESCE($5::jsonb, agents.metadata), api_key_hash = "
	    "COALESCE($6::text, agents.api_key_hash), api_key_created_at = "
	    "CASE WHEN $6::text IS NULL THEN agents.api_key_created_at ELSE "
	    "now() END, updated_at = now() WHERE agents.api_key_hash IS NULL "
	    "OR $6::text IS NULL RETURNING COALESCE(approval_status, "
	    "'approved'), $6::text IS NOT NULL", 7, p,
	    register_stored);
}

/* Reads the registration body into rc; -1 after answering 400. */
static int
register_body(struct request *r, struct reg_ctx *rc)
{
	const char *id, *platform, *region, *why = NULL;
	const cJSON *cap, *meta;
	struct ap_capacity c;
	char msg[160];
	cJSON *o, *cj;

	if ((o = body_object(r)) == NULL)
		return -1;
	cap = cJSON_GetObjectItemCaseSensitive(o, AP_CAPACITY);
	meta = cJSON_GetObjectItemCaseSensitive(o, AP_REG_METADATA);
	if (body_str(r, o, AP_REG_AGENT_ID, AGENT_ID_MAX, 1, &id) == -1 ||
	    body_str(r, o, AP_REG_PLATFORM, 32, 0, &platform) == -1 ||
	    body_str(r, o, AP_REG_REGION, 100, 0, &region) == -1) {
		cJSON_Delete(o);
		return -1;
	}
	if (cap != NULL && agentproto_capacity(cap, &c, &why) == -1) {
		cJSON_Delete(o);
		snprintf(msg, sizeof(msg), "field \"" AP_CAPACITY "\": %s", why);
		server_reply_error(r, 400, msg);
		return -1;
	}
	if (!register_id_ok(id) || (platform != NULL &&
	    strcmp(platform, "kubernetes") != 0 && strcmp(platform,
	    "docker") != 0 && strcmp(platform, "vm") != 0 && strcmp(platform,
	    "cloud") != 0) || (meta != NULL && !cJSON_IsObject(meta))) {
		cJSON_Delete(o);
		server_reply_error(r, 400, AP_REG_AGENT_ID " (letters, digits, "
		    "._-), " AP_REG_PLATFORM " kubernetes|docker|vm|cloud, "
		    AP_REG_METADATA " an object");
		return -1;
	}
	ssd_strlcpy(rc->agent_id, id, sizeof(rc->agent_id));
	rc->update_params[0] = platform ? xstrdup(platform) : NULL;
	rc->update_params[1] = region ? xstrdup(region) : NULL;
	if (cap != NULL) {
		cj = agentproto_capacity_json(&c);
		rc->update_params[2] = cJSON_PrintUnformatted(cj);
		cJSON_Delete(cj);
	}
	rc->update_params[3] = meta ? cJSON_PrintUnformatted(meta) : NULL;
	cJSON_Delete(o);
	return 0;
}

void
agents_register(struct request *r)
{
	char key_hash[65], rl[80], addr[NETLIST_ADDR_MAX], retry[64];
	const char *key, *p[2];
	struct reg_ctx *rc;
	unsigned wait;
	size_t len;

	netlist_addr_key(server_addr(r), addr);
	snprintf(rl, sizeof(rl), "r:%s", addr);
	if ((wait = ratelimit_take(rl, reg.per_minute,
	    REGISTER_WINDOW_MS)) != 0) {
		snprintf(retry, sizeof(retry), "Retry-After: %u\r\n", wait);
		r->extra_headers = retry;
		server_reply_error(r, 429, "too many registrations from this "
		    "address");
		return;
	}
	if ((key = http_header_get(r->http, "X-Agent-API-Key", &len)) ==
	    NULL || len == 0 || len > 256) {
		server_reply_error(r, 401, "X-Agent-API-Key required");
		return;
	}
	rc = xcalloc(1, sizeof(*rc));
	r->ctx = rc;
	r->ctx_free = reg_ctx_free;
	if (register_body(r, rc) == -1)
		return;
	rc->bootstrap = register_is_bootstrap(key, len);
	sha256_hex(key, len, key_hash);
	p[0] = rc->agent_id;
	p[1] = key_hash;
	api_query(r, "SELECT COALESCE(approval_status, 'approved'), "
	    "api_key_hash IS NOT NULL, api_key_hash = $2 FROM agents WHERE "
	    "agent_id = $1", 2, p, register_found);
}

static void
approval_done(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	cJSON *o;

	if (res == NULL) {
		api_db_error(r, "approving an agent", err, sqlstate);
		return;
	}
	if (PQntuples(res) != 1) {
		server_reply_error(r, 404, "agent not found");
		return;
	}
	log_info("%s: %s set agent %s to %s", server_peer(r),
	    r->user.username, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "agentId", PQgetvalue(res, 0, 0));
	cJSON_AddStringToObject(o, "approvalStatus", PQgetvalue(res, 0, 1));
	server_reply_cjson(r, 200, o);
}

/* Agent $1 approved or rejected ($2) by user $3 (NULL: ssdctl). */
static const char approval_sql[] =
    "UPDATE agents SET approval_status = $2::text, approved_at = CASE WHEN "
    "$2::text = 'approved' THEN now() END, approved_by = $3::text, "
    "updated_at = now() WHERE agent_id = $1 RETURNING agent_id, "
    "approval_status";

static void
approval_set(struct request *r, const char *to)
{
	const char *p[3] = { r->params[0], to, r->user.user_id };

	api_query(r, approval_sql, 3, p, approval_done);
}

void
agents_approve(struct request *r)
{
	approval_set(r, "approved");
}

void
agents_reject(struct request *r)
{
	approval_set(r, "rejected");
}

struct link_ctx {
	struct handoff_agent	meta;
	enum handoff_kind	kind;	/* control or data link */
};

static void
link_authed(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	struct link_ctx *lc = r->ctx;
	struct peer *p;

	if (res == NULL) {
		api_db_error(r, "authenticating an agent", err, sqlstate);
		return;
	}
	if (PQntuples(res) != 1) {
		log_info("%s: agent %s: link refused (unknown, not approved, "
		    "or bad key)", server_peer(r), lc->meta.agent_id);
		server_reply_error(r, 401, "agent not approved or bad key");
		return;
	}
	p = lc->kind == HANDOFF_AGENT_LINK ? peers_get(PROC_HUB, 0) :
	    relay_of_agent(lc->meta.agent_id);
	log_info("%s: agent %s: %s link handed to %s", server_peer(r),
	    lc->meta.agent_id, lc->kind == HANDOFF_AGENT_LINK ? "control" :
	    "data", p != NULL ? p->name : "a worker not started");
	api_handoff(r, p, lc->kind, &lc->meta, sizeof(lc->meta));
}

/*
 * An agent's link: its control link for ssd-hub, or a data link (with
 * the stream protocol's subprotocol, required) for the relay owning the
 * agent.  Both are authenticated the same way.
 */
static void
agents_link(struct request *r, enum handoff_kind kind)
{
	static const char *const none[] = { NULL };
	static const char *const mux[] = { MUX_SUBPROTOCOL, NULL };
	const char *key, *proto, *p[2];
	struct link_ctx *lc;
	char key_hash[65];
	size_t len;
	int rc;

	lc = xcalloc(1, sizeof(*lc));
	lc->kind = kind;
	r->ctx = lc;
	if (http_query_get(r->http->query, r->http->query_len, "agent_id",
	    lc->meta.agent_id, sizeof(lc->meta.agent_id)) < 1 ||
	    !register_id_ok(lc->meta.agent_id)) {
		server_reply_error(r, 400, "agent_id required");
		return;
	}
	if ((rc = ws_server_check(r->http, kind == HANDOFF_DATA_LINK ? mux :
	    none, lc->meta.accept, &proto)) != 0) {
		if (rc == -426)
			r->extra_headers = "Sec-WebSocket-Version: 13\r\n";
		server_reply_error(r, -rc, "a WebSocket upgrade is required");
		return;
	}
	if (kind == HANDOFF_DATA_LINK && proto == NULL) {
		server_reply_error(r, 400, "the WebSocket subprotocol "
		    MUX_SUBPROTOCOL " is required");
		return;
	}
	if ((key = http_header_get(r->http, "X-Agent-API-Key", &len)) ==
	    NULL || len != AGENT_KEY_HEX) {
		server_reply_error(r, 401, "X-Agent-API-Key required");
		return;
	}
	sha256_hex(key, len, key_hash);
	p[0] = lc->meta.agent_id;
	p[1] = key_hash;
	api_query(r, "UPDATE agents SET api_key_last_used_at = now() WHERE "
	    "agent_id = $1 AND api_key_hash = $2 AND COALESCE("
	    "approval_status, 'approved') = 'approved' RETURNING agent_id", 2,
	    p, link_authed);
}

/* GET /api/v1/agent/connect?agent_id=: the agent's control link. */
void
agents_connect(struct request *r)
{
	agents_link(r, HANDOFF_AGENT_LINK);
}

/* GET /api/v1/agent/data?agent_id=: a data link, for the agent's relay. */
void
agents_data_connect(struct request *r)
{
	agents_link(r, HANDOFF_DATA_LINK);
}

static void
agents_ctl_approved(uint32_t id, const PGresult *res, const char *err,
    const char *sqlstate, void *arg)
{
	char msg[512];

	if (res == NULL) {
		log_warnx("ssdctl: agent approval: %s", err);
		admin_end(id, 0, err);
	} else if (PQntuples(res) != 1)
		admin_end(id, 0, "no such agent");
	else {
		snprintf(msg, sizeof(msg), "agent %s %s", PQgetvalue(res, 0, 0),
		    PQgetvalue(res, 0, 1));
		log_info("ssdctl: %s", msg);
		admin_end(id, 1, msg);
	}
}

/* ssdctl agent approve|reject: the statement of the admin routes. */
void
agents_ctl_approval(uint32_t id, const char *agent, const char *to)
{
	const char *p[3] = { agent, to, NULL };

	admin_query(id, approval_sql, 3, p, agents_ctl_approved, NULL);
}

static void
agents_ctl_added(uint32_t id, const PGresult *res, const char *err,
    const char *sqlstate, void *arg)
{
	char *key = arg, msg[512];

	if (res == NULL) {
		log_warnx("ssdctl: agent add: %s", err);
		admin_end(id, 0, err);
	} else if (PQntuples(res) != 1)
		admin_end(id, 0, "an agent of that id exists");
	else {
		log_info("ssdctl: agent %s added", PQgetvalue(res, 0, 0));
		snprintf(msg, sizeof(msg), "agent %s added; its key (shown "
		    "once): %s", PQgetvalue(res, 0, 0), key);
		admin_end(id, 1, msg);
		ssd_explicit_bzero(msg, sizeof(msg));
	}
	ssd_explicit_bzero(key, AGENT_KEY_HEX);
	free(key);
}

/*
 * ssdctl agent add: an approved agent with a fresh key, which goes back
 * to the operator once (only its hash is kept).
 */
void
agents_ctl_add(uint32_t id, const char *agent)
{
	char *key, hash[65];
	const char *p[2] = { agent, hash };

	if (!register_id_ok(agent)) {
		admin_end(id, 0, "an agent id is letters, digits, ._- (at most "
		    "255)");
		return;
	}
	key = xmalloc(AGENT_KEY_HEX + 1);
	random_hex(key, AGENT_KEY_HEX / 2);
	sha256_hex(key, AGENT_KEY_HEX, hash);
	admin_query(id, "INSERT INTO agents (agent_id, platform, status, "
	    "approval_status, approved_at, api_key_hash, api_key_created_at) "
	    "VALUES ($1, 'kubernetes', 'offline', 'approved', now(), $2, "
	    "now()) ON CONFLICT (agent_id) DO NOTHING RETURNING agent_id", 2,
	    p, agents_ctl_added, key);
}
