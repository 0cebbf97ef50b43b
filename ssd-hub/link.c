/*
 * link.c - agents' control links, owned by ssd-hub once ssd-api has
 * authenticated the agent and handed the connection over: the 101
 * answer, then a WebSocket (common/wsconn.c) carrying the messages of
 * common/agentproto.h; one link per agent (a new one replaces the old),
 * abuse limits (bad messages, a message rate, a share of the database
 * queue), online/offline in the database.  One timer drives every link's
 * pings and silence limit.
 */
#include "config.h"

#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "agentproto.h"
#include "conf.h"
#include "db.h"
#include "hub.h"
#include "log.h"
#include "util.h"
#include "worker.h"
#include "wsconn.h"

#define HUB_LINK_BUCKETS	4096	/* agent id -> link, by hash */
#define HUB_LINK_CLOSE_MS	2000

/* A link's record in agents, which may outlive it (hub_link_db_online). */
struct hub_link_db {
	char			 agent_id[256];
	char			 conn_id[24];
	int			 online_running;	/* its statement */
	int			 gone;		/* the link: offline next */
};

struct hub_link {
	TAILQ_ENTRY(hub_link)	 entry;
	LIST_ENTRY(hub_link)	 bucket;
	char			 agent_id[256];
	char			 peer[64];
	uint64_t		 serial;	/* which link of the agent */
	struct hub_link_db	*db;
	struct wsconn		*ws;
	unsigned		 abuse;
	int			 closing;
	/* Its queries: at most agent_max_queries out, then it waits. */
	struct db_share		*share;
	/* Messages it may send now, in thousandths, and since when. */
	uint64_t		 credit, credit_ms;
	int			 reconciling;	/* a sessions list */
	char			*next_sessions;	/* the one waiting */
};

static TAILQ_HEAD(, hub_link) links = TAILQ_HEAD_INITIALIZER(links);
static LIST_HEAD(, hub_link) link_buckets[HUB_LINK_BUCKETS];
static size_t nlinks;
static uint64_t link_serial;
static struct event *link_tick_ev;	/* one timer for every link */

const char *
hub_link_agent(const struct hub_link *l)
{
	return l->agent_id;
}

uint64_t
hub_link_serial(const struct hub_link *l)
{
	return l->serial;
}

int
hub_link_reconciling(struct hub_link *l, char *ids)
{
	if (!l->reconciling) {
		l->reconciling = 1;
		return 0;
	}
	if (l->next_sessions != NULL)
		log_info("agent %s: a newer sessions list replaces one not "
		    "yet reconciled", l->agent_id);
	cJSON_free(l->next_sessions);
	l->next_sessions = ids;
	return 1;
}

char *
hub_link_reconciled(const char *agent_id, uint64_t serial)
{
	struct hub_link *l = hub_link_find(agent_id);
	char *next;

	if (l == NULL || l->serial != serial)
		return NULL;
	if ((next = l->next_sessions) == NULL)
		l->reconciling = 0;
	l->next_sessions = NULL;
	return next;
}

size_t
hub_link_count(void)
{
	return nlinks;
}

struct hub_link *
hub_link_find(const char *agent_id)
{
	struct hub_link *l;

	LIST_FOREACH(l, &link_buckets[fnv1a(agent_id) % HUB_LINK_BUCKETS],
	    bucket)
		if (!l->closing && strcmp(l->agent_id, agent_id) == 0)
			return l;
	return NULL;
}

static void
hub_link_db_done(const PGresult *res, const char *err, const char *sqlstate,
    void *arg)
{
	if (res == NULL)
		log_warnx("agent link bookkeeping: %s", err);
}

/* The link's name in agents.websocket_conn_id: unique in this hub. */
static void
hub_link_conn_id(const struct hub_link *l, char *buf, size_t len)
{
	snprintf(buf, len, "%llu-%ld", (unsigned long long)l->serial,
	    (long)getpid());
}

/*
 * The database follows the link: online while it is up.  Its two
 * statements go in order, whatever connections of the pool they get:
 * the offline waits for the online (a link of a moment would otherwise
 * leave its agent online), and clears the link's name, so that a
 * heartbeat of it that runs later cannot bring the agent back online
 * (hub_link_heartbeat).  Its sessions show as degraded while it is
 * away: lists change.
 */
static void
hub_link_db_offline(struct hub_link_db *d)
{
	const char *p[2] = { d->agent_id, d->conn_id }, *why;

	if (db_query(hub_db(), "WITH a AS (UPDATE agents SET status = "
	    "'offline', connected_at = NULL, websocket_conn_id = NULL, "
	    "updated_at = now() WHERE agent_id = $1 AND websocket_conn_id = "
	    "$2 RETURNING agent_id) "
	    "SELECT pg_notify('ssd_sessions', agent_id) FROM a", 2, p,
	    hub_link_db_done, NULL, &why) == NULL)
		log_warnx("agent %s: cannot record it offline: %s",
		    d->agent_id, why);
	free(d);
	hubm_links_changed();
}

static void
hub_link_db_online_done(const PGresult *res, const char *err,
    const char *sqlstate, void *arg)
{
	struct hub_link_db *d = arg;

	hub_link_db_done(res, err, sqlstate, NULL);
	d->online_running = 0;
	if (d->gone)
		hub_link_db_offline(d);
}

static void
hub_link_db_online(struct hub_link *l)
{
	struct hub_link_db *d;
	const char *p[2], *why;

	d = xcalloc(1, sizeof(*d));
	ssd_strlcpy(d->agent_id, l->agent_id, sizeof(d->agent_id));
	hub_link_conn_id(l, d->conn_id, sizeof(d->conn_id));
	p[0] = d->agent_id;
	p[1] = d->conn_id;
	l->db = d;
	d->online_running = db_query(hub_db(), "WITH a AS (UPDATE agents "
	    "SET status = 'online', last_heartbeat = now(), "
	    "websocket_conn_id = $2, connected_at = now(), updated_at = "
	    "now() WHERE agent_id = $1 RETURNING agent_id) "
	    "SELECT pg_notify('ssd_sessions', agent_id) FROM a", 2, p,
	    hub_link_db_online_done, d, &why) != NULL;
	if (!d->online_running)
		log_warnx("agent %s: cannot record it online: %s",
		    l->agent_id, why);
	hubm_links_changed();
}

static void
hub_link_db_gone(struct hub_link *l)
{
	struct hub_link_db *d = l->db;

	l->db = NULL;
	if (d->online_running)
		d->gone = 1;	/* hub_link_db_online_done goes on */
	else
		hub_link_db_offline(d);
}

/*
 * The link no longer counts: no commands go to it, and the agent is
 * offline now, not when the peer has answered our close.
 */
static void
hub_link_gone(struct hub_link *l)
{
	if (l->closing)
		return;
	l->closing = 1;
	hub_link_db_gone(l);
}

static void
hub_link_close(struct hub_link *l, int code, const char *why)
{
	if (l->closing)
		return;
	hub_link_gone(l);
	wsconn_close(l->ws, code, why);
	/* Its close frame may wait behind what its share held up. */
	wsconn_set_reading(l->ws, 1);
}

int
hub_link_send(struct hub_link *l, const char *type, const char *id,
    cJSON *payload)
{
	char *text;
	int rc;

	if (l->closing) {
		cJSON_Delete(payload);
		return -1;
	}
	text = agentproto_encode(type, id, payload);
	rc = wsconn_send_text(l->ws, text);
	cJSON_free(text);
	if (rc == -1)
		hub_link_close(l, WS_CLOSE_POLICY, "agent not reading");
	return rc;
}

static void
hub_link_error(struct hub_link *l, const char *what)
{
	cJSON *p = cJSON_CreateObject();

	log_info("agent %s: %s", l->agent_id, what);
	cJSON_AddStringToObject(p, AP_MESSAGE, what);
	hub_link_send(l, AP_ERROR, NULL, p);
	if (++l->abuse > (unsigned)conf_int(hub_conf(),
	    S_AGENT_MAX_BAD_MESSAGES))
		hub_link_close(l, WS_CLOSE_POLICY, "too many bad messages");
}

/*
 * The namespace it runs sessions in is kept with it: users' homes are
 * per namespace (ssd-api's placement.c reads it).
 */
static void
hub_link_namespace(struct hub_link *l, const char *ns)
{
	const char *p[2] = { l->agent_id, ns }, *why;

	if (ns == NULL || ns[0] == '\0')
		return;
	if (db_query(hub_db(), "UPDATE agents SET metadata = COALESCE("
	    "metadata, '{}') || jsonb_build_object('" AP_NAMESPACE "', $2::text) "
	    "WHERE agent_id = $1 AND metadata->>'" AP_NAMESPACE "' IS "
	    "DISTINCT FROM $2::text", 2, p, hub_link_db_done, NULL,
	    &why) == NULL)
		log_warnx("agent %s: its namespace not recorded: %s",
		    l->agent_id, why);
}

/* The control plane's hello, under settings c. */
static void
hub_link_say_hello(struct hub_link *l, const struct conf *c)
{
	cJSON *p = cJSON_CreateObject();

	cJSON_AddNumberToObject(p, AP_PROTOCOL, AP_PROTOCOL_VERSION);
	cJSON_AddNumberToObject(p, AP_HEARTBEAT_INTERVAL,
	    (double)(conf_ms(c, S_AGENT_HEARTBEAT_INTERVAL) / 1000));
	/* So that the agent counts its sessions as placement does. */
	cJSON_AddBoolToObject(p, AP_COUNT_HIBERNATED, conf_bool(c,
	    S_CAPACITY_COUNT_HIBERNATED));
	hub_link_send(l, AP_HELLO, NULL, p);
}

static void
hub_link_hello(struct hub_link *l, const struct ap_msg *m)
{
	log_info("agent %s: hello (%s, namespace %s)", l->agent_id,
	    m->u.hello.version ? m->u.hello.version : "no version",
	    m->u.hello.namespace ? m->u.hello.namespace : "not said");
	hub_link_namespace(l, m->u.hello.namespace);
	hub_link_say_hello(l, hub_conf());
}

void
hub_link_hello_all(const struct conf *c)
{
	struct hub_link *l;

	TAILQ_FOREACH(l, &links, entry)
		if (!l->closing)
			hub_link_say_hello(l, c);
}

/*
 * Its capacity is stored as the keys it said, nothing else.  It says
 * online only while the database names this link: a heartbeat whose
 * statement runs after its link went offline does not revive it.
 */
static void
hub_link_heartbeat(struct hub_link *l, const struct ap_msg *m)
{
	const char *p[3], *why;
	char *cap = NULL, serial[24];
	cJSON *o;

	if (m->u.heartbeat.has_capacity) {
		o = agentproto_capacity_json(&m->u.heartbeat.capacity);
		cap = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
	}
	hub_link_conn_id(l, serial, sizeof(serial));
	p[0] = l->agent_id;
	p[1] = cap;
	p[2] = serial;
	if (db_query(hub_db(), "UPDATE agents SET status = CASE WHEN "
	    "websocket_conn_id = $3 THEN 'online' ELSE status END, "
	    "last_heartbeat = now(), capacity = COALESCE($2::jsonb, "
	    "capacity), updated_at = now() WHERE agent_id = $1", 3, p,
	    hub_link_db_done, NULL, &why) == NULL)
		log_warnx("agent %s: heartbeat not recorded: %s", l->agent_id,
		    why);
	cJSON_free(cap);
}

/*
 * Within agent_message_rate (a token bucket of agent_message_burst);
 * else the link is closed, and that is said once.
 */
static int
hub_link_rate_ok(struct hub_link *l)
{
	const struct conf *cf = hub_conf();
	uint64_t rate = (uint64_t)conf_int(cf, S_AGENT_MESSAGE_RATE);
	uint64_t burst = (uint64_t)conf_int(cf, S_AGENT_MESSAGE_BURST);
	uint64_t now = now_ms();

	l->credit += (now - l->credit_ms) * rate;
	if (l->credit > burst * 1000)
		l->credit = burst * 1000;
	l->credit_ms = now;
	if (l->credit >= 1000) {
		l->credit -= 1000;
		return 1;
	}
	log_warnx("agent %s: more than agent_message_burst (%llu) messages "
	    "beyond agent_message_rate (%llu a second), closing its link",
	    l->agent_id, (unsigned long long)burst, (unsigned long long)rate);
	hub_link_close(l, WS_CLOSE_POLICY, "message rate limit exceeded");
	return 0;
}

/* A share of the hub's queries that was full has room: read again. */
static void
hub_link_room(void *arg)
{
	struct hub_link *l = arg;

	if (!l->closing)
		wsconn_set_reading(l->ws, 1);
}

/* One message, decoded once, then handled by type. */
static void
hub_link_handle(struct hub_link *l, int opcode, const uint8_t *data,
    size_t len)
{
	const char *why;
	struct ap_msg m;

	if (opcode != WS_OP_TEXT) {
		hub_link_error(l, "binary message on the control link");
		return;
	}
	if (agentproto_decode(data, len, &m, &why) == -1) {
		hub_link_error(l, why);
		return;
	}
	switch (m.type) {
	case AP_T_HELLO:
		hub_link_hello(l, &m);
		break;
	case AP_T_HEARTBEAT:
		hub_link_heartbeat(l, &m);
		break;
	case AP_T_ACK:
	case AP_T_COMPLETE:
	case AP_T_FAILED:
		dispatch_reply(l, &m);
		break;
	case AP_T_STATUS:
		dispatch_status(l, &m);
		break;
	case AP_T_SESSIONS:
		dispatch_sessions(l, &m);
		break;
	default:
		hub_link_error(l, "not a message an agent sends");
		break;
	}
	agentproto_free(&m);
}

/*
 * One message from the agent, within its rate: the queries handling it
 * makes are charged to the link's share, and a full share stops reading
 * the link until one of them is done.
 */
static void
hub_link_message(struct wsconn *c, int opcode, const uint8_t *data,
    size_t len, void *arg)
{
	struct hub_link *l = arg;

	(void)c;
	if (l->closing || !hub_link_rate_ok(l))
		return;
	db_charge(hub_db(), l->share);
	hub_link_handle(l, opcode, data, len);
	db_charge(hub_db(), NULL);
	if (!l->closing && db_share_full(l->share))
		wsconn_set_reading(l->ws, 0);
}

static void
hub_link_closed(struct wsconn *c, int code, const char *reason, void *arg)
{
	struct hub_link *l = arg;

	(void)c;
	log_info("agent %s: link closed (%d %s)", l->agent_id, code, reason);
	hub_link_gone(l);
	db_share_free(l->share);
	cJSON_free(l->next_sessions);
	TAILQ_REMOVE(&links, l, entry);
	LIST_REMOVE(l, bucket);
	nlinks--;
	free(l);
	if (worker_shutting_down() && nlinks == 0)
		worker_exit(0);
}

/*
 * Once a second, over all links: pings and the silence limit.  A link
 * that has started closing (silent, not reading, or closed by the agent)
 * is gone from then on, not once the handshake is over.
 */
static void
hub_link_tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct hub_link *l, *next;
	uint64_t now = now_ms();

	for (l = TAILQ_FIRST(&links); l != NULL; l = next) {
		next = TAILQ_NEXT(l, entry);
		if (wsconn_closing(l->ws))
			hub_link_gone(l);
		wsconn_tick(l->ws, now);	/* may free l */
	}
}

static void
hub_link_start_timer(void)
{
	struct timeval tv = { 1, 0 };

	if (link_tick_ev != NULL)
		return;
	if ((link_tick_ev = event_new(worker_base(), -1, EV_PERSIST,
	    hub_link_tick_cb, NULL)) == NULL)
		fatalx("out of memory for the link timer");
	event_add(link_tick_ev, &tv);
}

void
hub_link_accept(int fd, const char *agent_id, const char *accept,
    const char *peer, const uint8_t *tail, size_t tail_len)
{
	const struct conf *cf = hub_conf();
	const struct wsconn_opts opts = {
		.max_message = conf_size(cf, S_AGENT_MAX_MESSAGE),
		.max_output = conf_size(cf, S_AGENT_MAX_OUTPUT),
		.ping_interval_ms = (int)conf_ms(cf,
		    S_AGENT_HEARTBEAT_INTERVAL),
		.idle_timeout_ms = (int)conf_ms(cf, S_AGENT_TIMEOUT),
		.close_timeout_ms = HUB_LINK_CLOSE_MS,
		.plain_socket = 1,
		.external_tick = 1,
	};
	const struct wsconn_cbs cbs = {
	    .message = hub_link_message, .closed = hub_link_closed };
	struct hub_link *l, *old;
	struct bufferevent *bev;
	char resp[256];
	size_t n;

	if ((old = hub_link_find(agent_id)) != NULL)
		hub_link_close(old, 4000, "replaced by a new link");
	fd_set_nonblock(fd);
	if ((bev = bufferevent_socket_new(worker_base(), fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		fatalx("out of memory for an agent link");
	n = ws_server_response(resp, sizeof(resp), accept, NULL);
	bufferevent_write(bev, resp, n);
	/* At the front: libevent keeps the input's end for its reads. */
	if (tail_len > 0)
		evbuffer_prepend(bufferevent_get_input(bev), tail, tail_len);
	l = xcalloc(1, sizeof(*l));
	ssd_strlcpy(l->agent_id, agent_id, sizeof(l->agent_id));
	ssd_strlcpy(l->peer, peer, sizeof(l->peer));
	l->serial = ++link_serial;
	l->share = db_share_new((unsigned)conf_int(cf, S_AGENT_MAX_QUERIES),
	    hub_link_room, l);
	l->credit = (uint64_t)conf_int(cf, S_AGENT_MESSAGE_BURST) * 1000;
	l->credit_ms = now_ms();
	TAILQ_INSERT_TAIL(&links, l, entry);
	LIST_INSERT_HEAD(&link_buckets[fnv1a(agent_id) % HUB_LINK_BUCKETS], l,
	    bucket);
	nlinks++;
	l->ws = wsconn_new(worker_base(), bev, WS_SERVER, &opts, &cbs, l);
	hub_link_start_timer();
	log_info("agent %s: control link up from %s", agent_id, peer);
	hub_link_db_online(l);
	dispatch_link_up(agent_id);
}

void
hub_link_close_all(const char *why)
{
	struct hub_link *l;

	TAILQ_FOREACH(l, &links, entry)
		hub_link_close(l, WS_CLOSE_GOING_AWAY, why);
}
