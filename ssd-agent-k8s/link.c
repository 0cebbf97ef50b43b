/*
 * link.c - the agent's control link to the control plane: registration
 * (with the bootstrap key until approved, then its own key, stored),
 * the WebSocket dial, hello, heartbeats, the sessions list for
 * reconciliation, commands and status reports; and redialling forever
 * with full-jitter exponential back-off.  Never blocks the loop.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "agent.h"
#include "agentproto.h"
#include "cluster.h"
#include "dial.h"
#include "log.h"
#include "util.h"
#include "wsconn.h"

#define LINK_BACKOFF_BASE_MS	1000
#define LINK_REGISTER_MAX_BODY	65536
#define LINK_STATUS_QUEUE_MAX	4096	/* reports kept while offline */

static struct {
	struct event_base		*base;
	struct evdns_base		*dns;
	SSL_CTX				*tls;
	const struct agent_config	*cfg;
	struct cluster			*cluster;
	struct dial_url			 url;
	char				 key[AGENT_KEY_MAX];
	int				 own_key;	/* key is ours */
	struct dial_http		*registering;
	struct wsconn_dial		*dialing;
	struct wsconn			*ws;
	struct event			*retry_ev;	/* next attempt */
	struct event			*beat_ev;	/* heartbeats */
	unsigned			 attempt;	/* failures in a row */
	int				 sessions_sent;
	int				 registered;
	int				 pending_said;
	int				 stopping;
	cJSON				*queued;	/* status reports */
} lk;

static void	link_register(void);
static void	link_dial(void);

static uint64_t
link_backoff_ms(void)
{
	return backoff_ms(lk.attempt++, LINK_BACKOFF_BASE_MS,
	    lk.cfg->reconnect_max_ms, 1);
}

static void
link_later(uint64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000),
	    (suseconds_t)(ms % 1000) * 1000 };

	if (!lk.stopping)
		evtimer_add(lk.retry_ev, &tv);
}

static void
link_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (lk.registered)
		link_dial();
	else
		link_register();
}

static int
link_send(const char *type, const char *id, const cJSON *payload)
{
	char *s;
	int rc;

	if (lk.ws == NULL)
		return -1;
	s = agentproto_encode(type, id, payload ? cJSON_Duplicate(payload,
	    1) : NULL);
	rc = wsconn_send_text(lk.ws, s);
	if (rc == -1)
		log_warnx("control link: %s not sent (output full)", type);
	cJSON_free(s);
	return rc;
}

static void
link_heartbeat(evutil_socket_t fd, short what, void *arg)
{
	cJSON *p, *list;

	(void)fd;
	(void)what;
	(void)arg;
	if (lk.ws == NULL)
		return;
	/* The first full list goes out as soon as the cluster has one. */
	if (!lk.sessions_sent && (list = cluster_sessions(lk.cluster)) !=
	    NULL) {
		p = agentmsg_sessions(list);
		lk.sessions_sent = link_send(AP_SESSIONS, NULL, p) == 0;
		cJSON_Delete(p);
	}
	p = agentmsg_heartbeat(lk.cfg, cluster_session_count(lk.cluster),
	    commands_running());
	link_send(AP_HEARTBEAT, NULL, p);
	cJSON_Delete(p);
}

static void
link_beat_every(uint64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000),
	    (suseconds_t)(ms % 1000) * 1000 };

	evtimer_del(lk.beat_ev);
	event_assign(lk.beat_ev, lk.base, -1, EV_PERSIST, link_heartbeat,
	    NULL);
	evtimer_add(lk.beat_ev, &tv);
}

void
link_session_status(const char *session_id, const char *state,
    const char *reason, const cJSON *metadata, void *arg)
{
	cJSON *p;

	(void)arg;
	p = agentmsg_status(session_id, state, reason, metadata);
	if (link_send(AP_STATUS, NULL, p) == 0) {
		cJSON_Delete(p);
		return;
	}
	/* Offline: kept (bounded) and sent when the link is back. */
	if (cJSON_GetArraySize(lk.queued) >= LINK_STATUS_QUEUE_MAX)
		cJSON_DeleteItemFromArray(lk.queued, 0);
	cJSON_AddItemToArray(lk.queued, p);
}

static void
link_flush_queued(void)
{
	cJSON *p;

	while (lk.ws != NULL && (p = cJSON_DetachItemFromArray(lk.queued,
	    0)) != NULL) {
		link_send(AP_STATUS, NULL, p);
		cJSON_Delete(p);
	}
}

static void
link_message(struct wsconn *c, int opcode, const uint8_t *data, size_t len,
    void *arg)
{
	const char *why;
	struct ap_msg m;
	int64_t hb;

	(void)c;
	(void)arg;
	if (opcode != WS_OP_TEXT || agentproto_decode(data, len, &m,
	    &why) == -1) {
		log_warnx("control link: a message refused: %s",
		    opcode != WS_OP_TEXT ? "not text" : why);
		return;
	}
	switch (m.type) {
	case AP_T_COMMAND:
		commands_handle(m.id, m.u.command.command_type,
		    m.u.command.session_id, m.u.command.data);
		break;
	case AP_T_HELLO:
		lk.attempt = 0;		/* a working link resets back-off */
		hb = m.u.hello.heartbeat_s;
		if (hb >= 1 && (uint64_t)hb * 1000 < lk.cfg->heartbeat_ms)
			link_beat_every((uint64_t)hb * 1000);
		if (m.u.hello.count_hibernated != -1)
			commands_count_hibernated(m.u.hello.count_hibernated);
		break;
	case AP_T_ERROR:
		log_warnx("control plane: %s", m.u.error.message ?
		    m.u.error.message : "error");
		break;
	default:
		log_info("control link: message %s ignored",
		    agentproto_type_name(m.type));
		break;
	}
	agentproto_free(&m);
}

static void
link_closed(struct wsconn *c, int code, const char *reason, void *arg)
{
	uint64_t ms;

	(void)c;
	(void)arg;
	lk.ws = NULL;
	evtimer_del(lk.beat_ev);
	if (lk.stopping) {
		event_base_loopbreak(lk.base);
		return;
	}
	ms = link_backoff_ms();
	log_warnx("control link closed (%d %s): again in %llu ms", code,
	    reason, (unsigned long long)ms);
	link_later(ms);
}

static void
link_hello(void)
{
	cJSON *p = agentmsg_hello(lk.cfg);

	link_send(AP_HELLO, NULL, p);
	cJSON_Delete(p);
}

static void
link_dialed(struct wsconn *c, int status, const char *err, void *arg)
{
	uint64_t ms;

	(void)arg;
	lk.dialing = NULL;
	if (c == NULL) {
		ms = link_backoff_ms();
		log_warnx("control link to %s: %s: again in %llu ms",
		    lk.cfg->control_plane_url, err, (unsigned long long)ms);
		if (status == 401 || status == 403)
			lk.registered = 0;	/* register again first */
		link_later(ms);
		return;
	}
	lk.ws = c;
	lk.sessions_sent = 0;
	log_info("control link to %s up", lk.cfg->control_plane_url);
	link_hello();
	link_beat_every(lk.cfg->heartbeat_ms);
	link_heartbeat(-1, 0, NULL);
	commands_resend();
	link_flush_queued();
}

static void
link_dial(void)
{
	const struct wsconn_opts wo = {
		.max_message = lk.cfg->max_message,
		.max_output = 4 * lk.cfg->max_message,
		.ping_interval_ms = 20000,
		.idle_timeout_ms = (int)(lk.cfg->heartbeat_ms * 5 / 2 > 60000 ?
		    lk.cfg->heartbeat_ms * 5 / 2 : 60000),
		.close_timeout_ms = 2000,
	};
	const struct wsconn_cbs cbs = {
	    .message = link_message, .closed = link_closed };
	char target[512], headers[AGENT_KEY_MAX + 64], err[256];

	snprintf(target, sizeof(target), "/api/v1/agent/connect?agent_id=%s",
	    lk.cfg->agent_id);
	snprintf(headers, sizeof(headers), "X-Agent-API-Key: %s\r\n", lk.key);
	lk.dialing = wsconn_dial(lk.base, lk.dns, lk.tls, &lk.url, target,
	    NULL, headers, (int)lk.cfg->connect_timeout_ms, &wo, &cbs, NULL,
	    link_dialed, err, sizeof(err));
	if (lk.dialing == NULL) {
		log_warnx("control link: %s", err);
		link_later(link_backoff_ms());
	}
}

/* The data links use the same address, TLS and key (datalink.c). */
static void
link_start_data(void)
{
	const struct datalink_env env = { lk.base, lk.dns, lk.tls, &lk.url,
	    lk.cfg, lk.cluster, lk.key };

	datalink_start(&env);
}

/* The registration's answer: our key (once), pending, or refused. */
static void
link_registered(int status, const char *body, size_t len, const char *err,
    void *arg)
{
	const cJSON *key;
	char why[256];
	cJSON *o = NULL;

	(void)arg;
	lk.registering = NULL;
	if (status == 200 || status == 202)
		o = cJSON_ParseWithLength(body, len);
	if (status == 200 && o != NULL) {
		key = cJSON_GetObjectItemCaseSensitive(o, AP_REG_API_KEY);
		if (cJSON_IsString(key) && strlen(key->valuestring) <
		    sizeof(lk.key)) {
			ssd_strlcpy(lk.key, key->valuestring, sizeof(lk.key));
			lk.own_key = 1;
			log_info("approved: received this agent's own key");
			if (lk.cfg->agent_key_file == NULL)
				log_warnx("AGENT_KEY_FILE is not set: the key "
				    "is kept in memory only; set it or "
				    "AGENT_KEY, or a restart needs a new key");
			else if (config_write_key(lk.cfg->agent_key_file,
			    lk.key, why, sizeof(why)) == -1)
				log_warnx("cannot store the key: %s", why);
		}
		cJSON_Delete(o);
		lk.registered = 1;
		lk.attempt = 0;
		link_dial();
		link_start_data();
		return;
	}
	cJSON_Delete(o);
	if (status == 202) {
		if (!lk.pending_said)
			log_info("registered, waiting for an administrator's "
			    "approval (ssdctl agent approve %s)",
			    lk.cfg->agent_id);
		lk.pending_said = 1;
		link_later(lk.cfg->register_poll_ms);
		return;
	}
	if (status == 0)
		snprintf(why, sizeof(why), "%s", err);
	else
		snprintf(why, sizeof(why), "HTTP %d: %.*s", status,
		    (int)(len > 160 ? 160 : len), body);
	log_warnx("registration at %s refused or failed: %s",
	    lk.cfg->control_plane_url, why);
	link_later(link_backoff_ms());
}

static void
link_register(void)
{
	char headers[AGENT_KEY_MAX + 64], err[256], *body;
	cJSON *o;

	o = agentmsg_registration(lk.cfg);
	body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	snprintf(headers, sizeof(headers), "X-Agent-API-Key: %s\r\n", lk.key);
	lk.registering = dial_http(lk.base, lk.dns, lk.tls, &lk.url, "POST",
	    "/api/v1/agents/register", headers, body, LINK_REGISTER_MAX_BODY,
	    (int)lk.cfg->connect_timeout_ms, link_registered, NULL, err,
	    sizeof(err));
	cJSON_free(body);
	if (lk.registering == NULL) {
		log_warnx("registration: %s", err);
		link_later(link_backoff_ms());
	}
}

/* Our own key if we have one, else the bootstrap key; fatal if neither. */
static void
link_pick_key(void)
{
	char err[256];
	int rc;

	if (lk.cfg->agent_key != NULL) {
		ssd_strlcpy(lk.key, lk.cfg->agent_key, sizeof(lk.key));
		lk.own_key = 1;
		return;
	}
	if (lk.cfg->agent_key_file != NULL) {
		rc = config_read_key(lk.cfg->agent_key_file, lk.key,
		    sizeof(lk.key), err, sizeof(err));
		if (rc == -1)
			fatalx("AGENT_KEY_FILE: %s", err);
		if (rc == 0) {
			lk.own_key = 1;
			return;
		}
	}
	if (lk.cfg->bootstrap_key == NULL)
		fatalx("no key in %s and no AGENT_BOOTSTRAP_KEY",
		    lk.cfg->agent_key_file);
	ssd_strlcpy(lk.key, lk.cfg->bootstrap_key, sizeof(lk.key));
}

void
link_start(struct event_base *base, const struct agent_config *cfg,
    struct cluster *cluster)
{
	char err[256];

	lk.base = base;
	lk.cfg = cfg;
	lk.cluster = cluster;
	if (dial_url_parse(cfg->control_plane_url, &lk.url, err,
	    sizeof(err)) == -1)
		fatalx("CONTROL_PLANE_URL: %s", err);
	if (lk.url.tls && (lk.tls = dial_tls_ctx(cfg->ca_file, err,
	    sizeof(err))) == NULL)
		fatalx("control plane TLS: %s", err);
	link_pick_key();
	if ((lk.dns = evdns_base_new(base,
	    EVDNS_BASE_INITIALIZE_NAMESERVERS)) == NULL)
		fatalx("cannot set up DNS resolution");
	lk.retry_ev = evtimer_new(base, link_retry, NULL);
	lk.beat_ev = evtimer_new(base, link_heartbeat, NULL);
	lk.queued = cJSON_CreateArray();
	if (lk.retry_ev == NULL || lk.beat_ev == NULL)
		fatalx("out of memory");
	commands_init(cluster, link_send, cfg->max_sessions);
	link_register();
}

int
link_close(void)
{
	lk.stopping = 1;
	evtimer_del(lk.retry_ev);
	if (lk.ws == NULL)
		return 0;
	wsconn_close(lk.ws, WS_CLOSE_GOING_AWAY, "agent stopping");
	return 1;
}

void
link_stop(void)
{
	datalink_stop();
	lk.stopping = 1;
	if (lk.registering != NULL)
		dial_http_cancel(lk.registering);
	if (lk.dialing != NULL)
		wsconn_dial_cancel(lk.dialing);
	if (lk.ws != NULL)
		wsconn_free(lk.ws);
	lk.registering = NULL;
	lk.dialing = NULL;
	lk.ws = NULL;
	if (lk.retry_ev != NULL)
		event_free(lk.retry_ev);
	if (lk.beat_ev != NULL)
		event_free(lk.beat_ev);
	if (lk.dns != NULL)
		evdns_base_free(lk.dns, 0);
	if (lk.tls != NULL)
		SSL_CTX_free(lk.tls);
	cJSON_Delete(lk.queued);
	commands_free();
	memset(&lk, 0, sizeof(lk));
}
