/*
 * link.c - agents' control links, owned by ssd-hub once ssd-api has
 * authenticated the agent and handed the connection over: the 101
 * answer, WebSocket framing (common/ws.c), JSON messages {type, id,
 * timestamp, payload}, pings, silence and abuse limits, one link per
 * agent (a new one replaces the old), online/offline in the database.
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

#include "conf.h"
#include "db.h"
#include "hub.h"
#include "log.h"
#include "util.h"
#include "worker.h"
#include "ws.h"

#define LINK_PROTOCOL_VERSION	1
#define LINK_ABUSE_MAX		10	/* bad messages before we hang up */
#define LINK_OUTPUT_MAX		(8 * 1024 * 1024)
#define LINK_BUCKETS		4096	/* agent id -> link, by hash */

struct link {
	TAILQ_ENTRY(link)	 entry;
	LIST_ENTRY(link)	 bucket;
	char			 agent_id[256];
	char			 peer[64];
	uint64_t		 serial;	/* which link of the agent */
	struct bufferevent	*bev;
	struct ws_parser	 ws;
	uint64_t		 last_heard_ms;
	uint64_t		 last_ping_ms;
	unsigned		 abuse;
	int			 closing;
};

static TAILQ_HEAD(, link) links = TAILQ_HEAD_INITIALIZER(links);
static LIST_HEAD(, link) link_buckets[LINK_BUCKETS];
static size_t nlinks;
static uint64_t link_serial;
static struct event *link_tick_ev;	/* one timer for every link */

static void	link_close(struct link *, int, const char *);

const char *
link_agent(const struct link *l)
{
	return l->agent_id;
}

size_t
link_count(void)
{
	return nlinks;
}

struct link *
link_find(const char *agent_id)
{
	struct link *l;

	LIST_FOREACH(l, &link_buckets[fnv1a(agent_id) % LINK_BUCKETS], bucket)
		if (!l->closing && strcmp(l->agent_id, agent_id) == 0)
			return l;
	return NULL;
}

static void
link_db_done(const PGresult *res, const char *err, const char *sqlstate,
    void *arg)
{
	if (res == NULL)
		log_warnx("agent link bookkeeping: %s", err);
}

/* The database follows the link: online while it is up. */
static void
link_db_state(struct link *l, int online)
{
	char serial[24];
	const char *p[2] = { l->agent_id, serial }, *why;

	snprintf(serial, sizeof(serial), "%llu-%ld",
	    (unsigned long long)l->serial, (long)getpid());
	/* Its sessions show as degraded while it is away: lists change. */
	if (db_query(hub_db(), online ? "WITH a AS (UPDATE agents SET status "
	    "= 'online', last_heartbeat = now(), websocket_conn_id = $2, "
	    "connected_at = now(), updated_at = now() WHERE agent_id = $1 "
	    "RETURNING agent_id) "
	    "SELECT pg_notify('ssd_sessions', agent_id) FROM a" : "WITH a AS "
	    "(UPDATE agents SET status = 'offline', connected_at = NULL, "
	    "updated_at = now() WHERE "
	    "agent_id = $1 AND websocket_conn_id = $2 RETURNING agent_id) "
	    "SELECT pg_notify('ssd_sessions', agent_id) FROM a", 2, p,
	    link_db_done, NULL, &why) == NULL)
		log_warnx("agent %s: cannot record it %s: %s", l->agent_id,
		    online ? "online" : "offline", why);
}

static int
link_write_frame(struct link *l, int opcode, const void *data, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(l->bev);
	uint8_t hdr[WS_HEADER_MAX];
	size_t n;

	if (evbuffer_get_length(out) + len > LINK_OUTPUT_MAX)
		return -1;
	n = ws_frame_header(hdr, 1, opcode, len, NULL);
	evbuffer_add(out, hdr, n);
	evbuffer_add(out, data, len);
	return 0;
}

int
link_send_json(struct link *l, cJSON *msg)
{
	char *text;
	int rc;

	if (l->closing) {
		cJSON_Delete(msg);
		return -1;
	}
	if (cJSON_GetObjectItem(msg, "timestamp") == NULL)
		cJSON_AddNumberToObject(msg, "timestamp",
		    (double)(wall_ms() / 1000));
	text = cJSON_PrintUnformatted(msg);
	cJSON_Delete(msg);
	rc = link_write_frame(l, WS_OP_TEXT, text, strlen(text));
	cJSON_free(text);
	if (rc == -1)
		link_close(l, WS_CLOSE_POLICY, "agent not reading");
	return rc;
}

static void
link_free(struct link *l)
{
	TAILQ_REMOVE(&links, l, entry);
	LIST_REMOVE(l, bucket);
	nlinks--;
	bufferevent_free(l->bev);
	ws_parser_free(&l->ws);
	free(l);
	if (worker_shutting_down() && nlinks == 0)
		worker_exit(0);
}

static void
link_flushed_cb(struct bufferevent *bev, void *arg)
{
	struct link *l = arg;

	if (l->closing &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		link_free(l);
}

/* Sends a close frame, marks the agent offline, frees once flushed. */
static void
link_close(struct link *l, int code, const char *why)
{
	uint8_t pl[WS_CONTROL_MAX];

	if (l->closing)
		return;
	log_info("agent %s: link closed (%d %s)", l->agent_id, code, why);
	l->closing = 1;
	link_write_frame(l, WS_OP_CLOSE, pl, ws_close_payload(pl, code, why));
	bufferevent_disable(l->bev, EV_READ);
	link_db_state(l, 0);
	link_flushed_cb(l->bev, l);
}

static void
link_error(struct link *l, const char *what)
{
	cJSON *m = cJSON_CreateObject(), *p;

	log_info("agent %s: %s", l->agent_id, what);
	cJSON_AddStringToObject(m, "type", "error");
	p = cJSON_AddObjectToObject(m, "payload");
	cJSON_AddStringToObject(p, "message", what);
	link_send_json(l, m);
	if (++l->abuse > LINK_ABUSE_MAX)
		link_close(l, WS_CLOSE_POLICY, "too many bad messages");
}

static void
link_hello(struct link *l, const cJSON *payload)
{
	cJSON *m = cJSON_CreateObject(), *p;

	log_info("agent %s: hello (%s)", l->agent_id,
	    cJSON_IsObject(payload) && cJSON_IsString(cJSON_GetObjectItem(
	    payload, "version")) ? cJSON_GetObjectItem(payload,
	    "version")->valuestring : "no version");
	cJSON_AddStringToObject(m, "type", "hello");
	p = cJSON_AddObjectToObject(m, "payload");
	cJSON_AddNumberToObject(p, "protocolVersion", LINK_PROTOCOL_VERSION);
	cJSON_AddNumberToObject(p, "heartbeatInterval",
	    (double)(conf_ms(hub_conf(), S_AGENT_HEARTBEAT_INTERVAL) / 1000));
	link_send_json(l, m);
}

static void
link_heartbeat(struct link *l, const cJSON *payload)
{
	const cJSON *cap = cJSON_GetObjectItem(payload, "capacity");
	const char *p[2], *why;
	char *text = cJSON_IsObject(cap) ? cJSON_PrintUnformatted(cap) : NULL;

	p[0] = l->agent_id;
	p[1] = text;
	if (db_query(hub_db(), "UPDATE agents SET status = 'online', "
	    "last_heartbeat = now(), capacity = COALESCE($2::jsonb, "
	    "capacity), updated_at = now() WHERE agent_id = $1", 2, p,
	    link_db_done, NULL, &why) == NULL)
		log_warnx("agent %s: heartbeat not recorded: %s", l->agent_id,
		    why);
	cJSON_free(text);
}

/* One text message from the agent. */
static void
link_message(struct link *l, const uint8_t *data, size_t len)
{
	cJSON *m = cJSON_ParseWithLength((const char *)data, len);
	const cJSON *type = cJSON_GetObjectItem(m, "type");
	const cJSON *id = cJSON_GetObjectItem(m, "id");
	const cJSON *payload = cJSON_GetObjectItem(m, "payload");
	const char *t;

	if (!cJSON_IsObject(m) || !cJSON_IsString(type)) {
		link_error(l, "malformed message");
		cJSON_Delete(m);
		return;
	}
	t = type->valuestring;
	if (strcmp(t, "hello") == 0)
		link_hello(l, payload);
	else if (strcmp(t, "heartbeat") == 0)
		link_heartbeat(l, payload);
	else if (strcmp(t, "ack") == 0 || strcmp(t, "complete") == 0 ||
	    strcmp(t, "failed") == 0) {
		if (cJSON_IsString(id))
			dispatch_reply(l, t, id->valuestring, payload);
		else
			link_error(l, "command reply without an id");
	} else if (strcmp(t, "status") == 0 && cJSON_IsObject(payload))
		dispatch_status(l, payload);
	else if (strcmp(t, "sessions") == 0 && cJSON_IsObject(payload))
		dispatch_sessions(l, payload);
	else
		link_error(l, "unknown message type");
	cJSON_Delete(m);
}

static void
link_read_cb(struct bufferevent *bev, void *arg)
{
	struct link *l = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len, used;
	struct ws_msg m;
	enum ws_event ev;
	uint8_t *p;

	l->last_heard_ms = now_ms();
	while (!l->closing && (len = evbuffer_get_length(in)) > 0) {
		p = evbuffer_pullup(in, (ssize_t)len);
		ev = ws_parse(&l->ws, p, len, &used, &m);
		evbuffer_drain(in, used);
		switch (ev) {
		case WS_EV_MESSAGE:
			if (m.opcode == WS_OP_TEXT)
				link_message(l, m.data, m.len);
			else
				link_error(l, "binary message on the "
				    "control link");
			break;
		case WS_EV_PING:
			link_write_frame(l, WS_OP_PONG, m.data, m.len);
			break;
		case WS_EV_PONG:
			break;
		case WS_EV_CLOSE:
			link_close(l, WS_CLOSE_NORMAL, "closed by the agent");
			return;
		case WS_EV_ERROR:
			link_close(l, m.code, m.reason);
			return;
		case WS_EV_MORE:
			if (used == 0)
				return;
			break;
		}
	}
}

static void
link_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct link *l = arg;

	if (!l->closing) {
		log_info("agent %s: connection lost", l->agent_id);
		l->closing = 1;
		link_db_state(l, 0);
	}
	link_free(l);
}

/*
 * Once a second, over all links: pings every agent_heartbeat_interval
 * keep NATs and proxies open, and a link silent for agent_timeout is
 * closed (so an agent is offline within a second of its timeout).
 */
static void
link_tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	uint64_t now = now_ms(), timeout, interval;
	struct link *l, *next;

	timeout = conf_ms(hub_conf(), S_AGENT_TIMEOUT);
	interval = conf_ms(hub_conf(), S_AGENT_HEARTBEAT_INTERVAL);
	for (l = TAILQ_FIRST(&links); l != NULL; l = next) {
		next = TAILQ_NEXT(l, entry);
		if (l->closing)
			continue;
		if (now - l->last_heard_ms > timeout)
			link_close(l, WS_CLOSE_GOING_AWAY, "agent silent too long");
		else if (now - l->last_ping_ms >= interval) {
			l->last_ping_ms = now;
			link_write_frame(l, WS_OP_PING, "", 0);
		}
	}
}

void
link_accept(int fd, const char *agent_id, const char *accept,
    const char *peer, const uint8_t *tail, size_t tail_len)
{
	struct timeval tv = { 1, 0 };
	struct link *l, *old;
	char resp[256];
	size_t n;

	if ((old = link_find(agent_id)) != NULL)
		link_close(old, 4000, "replaced by a new link");
	l = xcalloc(1, sizeof(*l));
	ssd_strlcpy(l->agent_id, agent_id, sizeof(l->agent_id));
	ssd_strlcpy(l->peer, peer, sizeof(l->peer));
	l->serial = ++link_serial;
	l->last_heard_ms = l->last_ping_ms = now_ms();
	ws_parser_init(&l->ws, WS_SERVER,
	    conf_size(hub_conf(), S_AGENT_MAX_MESSAGE));
	fd_set_nonblock(fd);
	l->bev = bufferevent_socket_new(worker_base(), fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (l->bev == NULL)
		fatalx("out of memory for an agent link");
	if (link_tick_ev == NULL) {
		link_tick_ev = event_new(worker_base(), -1, EV_PERSIST,
		    link_tick_cb, NULL);
		event_add(link_tick_ev, &tv);
	}
	TAILQ_INSERT_TAIL(&links, l, entry);
	LIST_INSERT_HEAD(&link_buckets[fnv1a(agent_id) % LINK_BUCKETS], l,
	    bucket);
	nlinks++;
	bufferevent_setcb(l->bev, link_read_cb, link_flushed_cb, link_event_cb,
	    l);
	n = ws_server_response(resp, sizeof(resp), accept, NULL);
	bufferevent_write(l->bev, resp, n);
	if (tail_len > 0)
		evbuffer_add(bufferevent_get_input(l->bev), tail, tail_len);
	bufferevent_enable(l->bev, EV_READ | EV_WRITE);
	log_info("agent %s: control link up from %s", agent_id, peer);
	link_db_state(l, 1);
	dispatch_link_up(agent_id);
	if (tail_len > 0)
		link_read_cb(l->bev, l);
}

void
link_close_all(const char *why)
{
	struct link *l, *next;

	for (l = TAILQ_FIRST(&links); l != NULL; l = next) {
		next = TAILQ_NEXT(l, entry);
		link_close(l, WS_CLOSE_GOING_AWAY, why);
	}
}
