/*
 * main.c - ssd-api, the worker: settings, the listener from the master,
 * its channels to ssd-hub and the relays, and hand-offs with a bound on
 * how many may wait for an answer from one peer.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "api.h"
#include "db.h"
#include "handoff.h"
#include "ipc.h"
#include "log.h"
#include "metrics.h"
#include "peers.h"
#include "util.h"
#include "worker.h"

static struct {
	struct db	*db;
	int		 nrelays;
	unsigned	 max_inflight;
	uint32_t	 next_id;
} api;

struct peer *
api_relay(int instance)
{
	return peers_get(PROC_RELAY, instance);
}

int
api_relay_count(void)
{
	return api.nrelays;
}

static int
api_peer_up(enum proc_kind kind, int instance)
{
	struct peer *p = peers_get(kind, instance);

	return p != NULL && p->chan != NULL;
}

struct db *
api_db(void)
{
	return api.db;
}

static void
api_query_done(const PGresult *res, const char *err, const char *sqlstate,
    void *arg)
{
	struct request *r = arg;

	r->pending = NULL;
	r->next(r, res, err, sqlstate);
}

int
api_query(struct request *r, const char *sql, int nparams,
    const char *const *params, api_db_cb cb)
{
	const char *why;

	r->next = cb;
	r->pending = db_query(api.db, sql, nparams, params, api_query_done, r,
	    &why);
	if (r->pending == NULL) {
		log_debug("%s: database not available: %s", server_peer(r),
		    why);
		server_reply_error(r, 503, "database unavailable");
		return -1;
	}
	return 0;
}

static void
api_hash_done(int ok, const char *hash, void *arg)
{
	struct request *r = arg;

	r->hashing = NULL;
	r->hashed(r, ok, hash);
}

static int
api_hash_queued(struct request *r, struct hash_job *j, api_hash_cb cb)
{
	if (j == NULL) {
		log_warnx("%s: password hashing busy (%zu waiting), 503",
		    server_peer(r), hashpool_waiting());
		r->extra_headers = "Retry-After: 1\r\n";
		server_reply_error(r, 503, "busy checking passwords, try "
		    "again in a moment");
		return -1;
	}
	r->hashing = j;
	r->hashed = cb;
	return 0;
}

int
api_hash_check(struct request *r, const char *password, const char *hash,
    api_hash_cb cb)
{
	return api_hash_queued(r, hashpool_check(password, hash,
	    api_hash_done, r), cb);
}

int
api_hash_make(struct request *r, const char *password, api_hash_cb cb)
{
	return api_hash_queued(r, hashpool_make(password, api_hash_done, r),
	    cb);
}

void
api_db_error(struct request *r, const char *what, const char *err,
    const char *sqlstate)
{
	/* Class 22: a value the database will not take (a date, say). */
	if (sqlstate != NULL && strncmp(sqlstate, "22", 2) == 0) {
		log_info("%s: %s: %s", server_peer(r), what, err);
		server_reply_error(r, 400, "a value is out of range or "
		    "malformed");
		return;
	}
	if (sqlstate == NULL || *sqlstate == '\0' ||
	    strncmp(sqlstate, "57", 2) == 0 || strncmp(sqlstate, "08", 2) == 0) {
		log_warnx("%s: %s: %s", server_peer(r), what, err);
		server_reply_error(r, 503, "database unavailable");
		return;
	}
	log_error("%s: %s: %s (SQLSTATE %s)", server_peer(r), what, err,
	    sqlstate);
	server_reply_error(r, 500, "internal error");
}

void
api_reply_rows(struct request *r, const char *what, const char *key,
    const PGresult *res, const char *err, const char *sqlstate,
    api_row_fn row)
{
	cJSON *o, *list;
	int i;

	if (res == NULL) {
		api_db_error(r, what, err, sqlstate);
		return;
	}
	o = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(o, key);
	for (i = 0; i < PQntuples(res); i++)
		cJSON_AddItemToArray(list, row(res, i));
	cJSON_AddNumberToObject(o, "total", PQntuples(res));
	server_reply_cjson(r, 200, o);
}

void
api_not_ready(char *out, size_t len)
{
	const char *why;
	size_t n = 0;
	int i;

	out[0] = '\0';
	if (api.db == NULL || !db_is_up(api.db, &why))
		n += (size_t)snprintf(out, len, "database: %s",
		    api.db ? why : "not started");
	if (!api_peer_up(PROC_HUB, 0) && n < len)
		n += (size_t)snprintf(out + n, len - n, "%sssd-hub not "
		    "connected", n ? "; " : "");
	for (i = 0; i < api.nrelays && n < len; i++)
		if (!api_peer_up(PROC_RELAY, i))
			n += (size_t)snprintf(out + n, len - n,
			    "%sssd-relay[%d] not connected", n ? "; " : "",
			    i);
}

/* ssd_api_handoffs; a viewer not handed over is a VNC failure too. */
static void
api_handoff_count(uint32_t kind, const char *result)
{
	static const char *const kinds[] = { "other", "health", "agent_link",
	    "data_link", "viewer" };

	metrics_add(M_HANDOFFS, ML(kind < nitems(kinds) ? kinds[kind] :
	    kinds[0], result), 1);
	if (kind == HANDOFF_VIEWER && strcmp(result, "failed") == 0)
		metrics_add(M_VNC_FAILURES, ML("handoff_failed"), 1);
}

uint32_t
api_handoff(struct request *r, struct peer *p, uint32_t kind,
    const void *meta, size_t meta_len)
{
	static uint8_t meta_copy[HANDOFF_META_MAX];
	char peer[64];
	const uint8_t *tail;
	size_t tail_len;
	uint32_t id;
	int fd;

	if (p == NULL || p->chan == NULL) {
		api_handoff_count(kind, "failed");
		server_reply_error(r, 503, "worker not available");
		return 0;
	}
	if (p->inflight >= api.max_inflight) {
		log_warnx("%s: %u hand-offs unanswered, refusing more",
		    p->name, p->inflight);
		api_handoff_count(kind, "failed");
		server_reply_error(r, 503, "worker busy");
		return 0;
	}
	/* meta may live in the request, which detaching frees. */
	if (meta_len > sizeof(meta_copy)) {
		server_reply_error(r, 500, "hand-off record too large");
		return 0;
	}
	if (meta_len > 0) {
		memcpy(meta_copy, meta, meta_len);
		meta = meta_copy;
	}
	/* The relay logs and audits the client by this. */
	ssd_strlcpy(peer, server_addr(r), sizeof(peer));
	log_debug("%s: %s %s -> handed to %s", peer, r->http->method_str,
	    r->path, p->name);
	if ((fd = server_detach(r, &tail, &tail_len, HANDOFF_TAIL_MAX)) == -1) {
		server_reply_error(r, 400, "too much data after the request");
		return 0;
	}
	if ((id = ++api.next_id) == 0)
		id = ++api.next_id;
	if (handoff_send(p->chan, id, fd, (enum handoff_kind)kind, peer, meta,
	    meta_len, tail, tail_len) == -1) {
		log_warn("%s: hand-off %u for %s failed", p->name, id, peer);
		api_handoff_count(kind, "failed");
		handoff_reply_http(worker_base(), fd, 503,
		    "{\"error\":\"unavailable\",\"message\":\"worker busy\"}",
		    5000);
		return 0;
	}
	p->inflight++;
	api_handoff_count(kind, "sent");
	return id;
}

static void
api_peer_msg(struct peer *p, struct ipc_msg *m)
{
	switch (m->type) {
	case IMSG_HANDOFF_ACK:
	case IMSG_HANDOFF_NACK:
		if (p->inflight > 0)
			p->inflight--;
		if (m->type == IMSG_HANDOFF_NACK) {
			log_info("%s: hand-off %u refused: %.*s", p->name,
			    m->peerid, (int)(m->len > 200 ? 200 : m->len),
			    (const char *)m->data);
			if (p->kind == PROC_RELAY)
				viewcap_end(m->peerid, p->instance);
		}
		break;
	case IMSG_STREAM_END:
		if (p->kind != PROC_RELAY || m->len != sizeof(struct
		    imsg_stream_end)) {
			log_warnx("%s: malformed stream record, closing the "
			    "channel", p->name);
			peers_drop(p, "protocol error");
			break;
		}
		viewcap_end(m->peerid, p->instance);
		if (((struct imsg_stream_end *)m->data)->upgraded)
			audit_stream_end((struct imsg_stream_end *)m->data);
		break;
	case IMSG_SESSION_ACTIVITY:
		policy_activity(p, m);
		break;
	case IMSG_SNAP_DATA:
		gather_data(p->kind, p->instance, m);
		break;
	default:
		log_warnx("%s: unexpected message type %u, closing the channel",
		    p->name, m->type);
		peers_drop(p, "protocol error");
	}
}

static void
api_peer_down(struct peer *p, const char *why)
{
	gather_peer_down(p->kind, p->instance);
	if (p->inflight > 0)
		log_warnx("%s: channel lost with %u hand-offs unanswered (%s)",
		    p->name, p->inflight, why);
	if (p->kind == PROC_RELAY)
		viewcap_relay_lost(p->instance);
}

static const struct peer_ops api_peer_ops = {
	.msg = api_peer_msg,
	.down = api_peer_down,
};

static int
api_configure(const struct conf *c, int initial, char *err, size_t errlen)
{
	int64_t n = conf_int(c, S_RELAY_WORKERS);

	if (initial) {
		api.nrelays = n == 0 ? ncpus() : (int)n;
		gather_init(api.nrelays);
	}
	api.max_inflight = (unsigned)conf_int(c, S_HANDOFF_MAX_INFLIGHT);
	server_configure(c);
	auth_configure(c);
	cookie_configure(c);
	websession_configure(c, cookie_secure());
	cache_configure(c);
	events_configure(c);
	register_configure(c);
	ratelimit_configure(c);
	hashpool_configure(c, initial);
	policy_configure(c);
	refused_configure(c);
	viewcap_configure(c);
	apim_configure(c);
	return 0;
}

/* What the database says changed: caches, policies, live event streams. */
static void
api_notified(const char *channel, const char *payload, void *arg)
{
	cache_notify(channel, payload, arg);
	policy_notify(channel, payload, arg);
	events_notify(channel, payload);
}

/* In the sandbox: libpq connects from here on. */
static void
api_start(void)
{
	static const char *const channels[] = { "ssd_sessions", "ssd_auth",
	    "ssd_agents", "ssd_session_end", "ssd_session_events" };

	hashpool_start(worker_conf());
	api.db = db_open(worker_base(), worker_conf(), "ssd-api");
	db_listen(api.db, channels, nitems(channels), api_notified, NULL);
	apim_start();
}

static void
api_notify_done(const PGresult *res, const char *err, const char *sqlstate,
    void *arg)
{
	if (res == NULL)
		log_warnx("NOTIFY %s failed (other control planes may answer "
		    "from stale caches for up to api_cache_ttl): %s",
		    (const char *)arg, err);
}

void
api_notify(const char *channel, const char *payload)
{
	const char *p[2] = { channel, payload }, *why;

	if (db_query(api.db, "SELECT pg_notify($1, $2)", 2, p,
	    api_notify_done, (void *)channel, &why) == NULL)
		log_warnx("NOTIFY %s failed: %s", channel, why);
}

/* What was counted goes to the audit trail before the clients go. */
static void
api_shutdown(void)
{
	refused_flush();
	server_shutdown();
}

/* The master's part of /metrics. */
static void
api_master_snapshot(const struct ipc_msg *m)
{
	gather_data(PROC_MASTER, 0, m);
}

static void
api_peer(const struct imsg_peer *p, int fd)
{
	peers_add(p, fd);
}

static const struct worker_ops api_ops = {
	.name = "ssd-api",
	.kind = PROC_API,
	.profile = SANDBOX_API,
	.configure = api_configure,
	.start = api_start,
	.peer = api_peer,
	.listener = server_listen,
	.metrics_listener = server_listen_metrics,
	.snapshot = api_master_snapshot,
	.shutdown = api_shutdown,
	.admin = admin_request,
};

/* ssd-api -R prints the route table: method, pattern, least role. */
int
main(int argc, char *argv[])
{
	if (argc == 2 && strcmp(argv[1], "-R") == 0) {
		routes_print(stdout);
		return 0;
	}
	peers_init(&api_peer_ops);
	return worker_main(argc, argv, &api_ops);
}
