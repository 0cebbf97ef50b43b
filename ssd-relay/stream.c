/*
 * stream.c - browsers' streams: a viewer handed over by ssd-api gets a
 * mux stream on its agent's data link, its 101 once the agent has the
 * session's VNC endpoint open, then bytes both ways within the stream's
 * credit (web sessions' connections share the stream's life here, their
 * browser side is web.c).  A stalled browser stops only its own stream:
 * what the agent may send it is bounded by its window, which only grows
 * back as the browser's socket takes the bytes.  Only stream_settle()
 * frees a stream.
 */
#include "config.h"

#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "bevio.h"
#include "conf.h"
#include "handoff.h"
#include "log.h"
#include "metrics.h"
#include "relay.h"
#include "util.h"
#include "worker.h"
#include "ws.h"
#include "proto.h"
#include "wsconn.h"

static TAILQ_HEAD(, stream) streams = TAILQ_HEAD_INITIALIZER(streams);
static size_t nstreams;

/* Series of the hot paths, taken once (stream_metrics_init). */
static struct {
	struct metric	*to_agent, *to_viewer, *opened, *open_time;
} sm;

size_t
stream_count(void)
{
	return nstreams;
}

static void
stream_report_end(const struct stream *s)
{
	struct imsg_stream_end e;

	memset(&e, 0, sizeof(e));
	ssd_strlcpy(e.session_id, s->session, sizeof(e.session_id));
	ssd_strlcpy(e.user, s->user, sizeof(e.user));
	ssd_strlcpy(e.peer, s->peer, sizeof(e.peer));
	ssd_strlcpy(e.reason, s->close_reason, sizeof(e.reason));
	e.bytes_up = s->bytes_up;
	e.bytes_down = s->bytes_down;
	e.ms = now_ms() - s->started_ms;
	e.code = s->close_code;
	e.kind = s->kind;
	e.upgraded = s->upgraded;
	ends_send(s->handoff_id, &e);
}

void
stream_metrics_init(void)
{
	sm.to_agent = metrics_get(M_RELAY_BYTES, ML("to_agent"));
	sm.to_viewer = metrics_get(M_RELAY_BYTES, ML("to_viewer"));
	sm.opened = metrics_get(M_RELAY_OPENED, NULL);
	sm.open_time = metrics_get(M_RELAY_OPEN_DURATION, NULL);
	/* Shown at 0 from the start: a rate needs the series before. */
	metrics_get(M_RELAY_STALLS, ML("agent_window"));
	metrics_get(M_RELAY_STALLS, ML("link_congested"));
}

/* ssd_relay_streams_closed's code: the usual ones, else other. */
static const char *
stream_close_label(const struct stream *s)
{
	static const char *const codes[] = { "1000", "1001", "1002", "1003",
	    "1005", "1006", "1007", "1008", "1009", "1011" };
	char code[16];
	size_t i;

	if (!s->upgraded)
		return "none";
	snprintf(code, sizeof(code), "%d", s->close_code);
	for (i = 0; i < nitems(codes); i++)
		if (strcmp(codes[i], code) == 0)
			return codes[i];
	return "other";
}

static void
stream_free(struct stream *s)
{
	metrics_add(M_RELAY_CLOSED, ML(stream_close_label(s)), 1);
	stream_report_end(s);
	log_info("agent %s session %s stream %u: viewer %s (user %s) gone "
	    "after %llu ms, %llu bytes up, %llu down", s->agent, s->session,
	    s->mux.id, s->peer, s->user,
	    (unsigned long long)(now_ms() - s->started_ms),
	    (unsigned long long)s->bytes_up, (unsigned long long)s->bytes_down);
	TAILQ_REMOVE(&streams, s, all);
	nstreams--;
	event_free(s->timer);
	evbuffer_free(s->up);
	free(s->tail);
	free(s);
	relay_maybe_exit();
}

/*
 * Forgets the stream on its link: its id and window are given back.  The
 * browser's input is no longer flow-controlled (it is dropped), and is
 * read again so that its close handshake can complete.
 */
static void
stream_detach(struct stream *s)
{
	if (s->link == NULL)
		return;
	dlink_detach(s->link, s);
	mux_stream_release(&s->mux);
	s->link = NULL;
	if (s->ws != NULL)
		wsconn_set_reading(s->ws, 1);
}

void
stream_settle(struct stream *s)
{
	if (s->link != NULL && s->mux.state == MUX_ST_CLOSED)
		stream_detach(s);
	if (s->ws == NULL && s->web == NULL && s->fd == -1 && s->link == NULL)
		stream_free(s);
}

/* An HTTP answer instead of the 101 on fd, which goes with it. */
static void
relay_reply(int fd, int status, const char *error, const char *message,
    const char *code)
{
	cJSON *o = cJSON_CreateObject();
	char *json;

	cJSON_AddStringToObject(o, "error", error);
	cJSON_AddStringToObject(o, "message", message);
	if (code != NULL)
		cJSON_AddStringToObject(o, "code", code);
	if ((json = cJSON_PrintUnformatted(o)) == NULL)
		fatalx("out of memory for a viewer's answer");
	cJSON_Delete(o);
	handoff_reply_http(worker_base(), fd, status, json, RELAY_REPLY_MS);
	cJSON_free(json);
}

static void
stream_reply(struct stream *s, int status, const char *error,
    const char *message, const char *code)
{
	relay_reply(s->fd, status, error, message, code);
	s->fd = -1;
}

void
stream_send_reset(struct stream *s, unsigned int code, const char *why)
{
	uint8_t frame[MUX_RESET_MAX];
	size_t n;

	if (s->link == NULL)
		return;
	if ((n = mux_put_reset(frame, s->mux.id, code, why)) > 0)
		dlink_send(s->link, frame, n);
	mux_stream_sent(&s->mux, MUX_RESET, 0);
	stream_detach(s);
}

static void
stream_send_fin(struct stream *s)
{
	struct timeval tv = { (time_t)(relay_limits.open_timeout_ms / 1000),
	    (suseconds_t)(relay_limits.open_timeout_ms % 1000) * 1000 };
	uint8_t frame[MUX_FIN_LEN];

	if (s->link == NULL || (s->mux.state != MUX_ST_OPEN &&
	    s->mux.state != MUX_ST_HALF_REMOTE))
		return;
	dlink_send(s->link, frame, mux_put_fin(frame, s->mux.id));
	mux_stream_sent(&s->mux, MUX_FIN, 0);
	/* Waiting for the agent's FIN: bounded. */
	if (s->mux.state != MUX_ST_CLOSED)
		evtimer_add(s->timer, &tv);
}

/* The consumer took n bytes: a WINDOW when half the window is free. */
void
stream_consumed(struct stream *s, size_t n)
{
	uint8_t frame[MUX_WINDOW_LEN];
	uint32_t inc;

	if (s->link == NULL || n == 0)
		return;
	if (mux_consumed(&s->mux, n, now_usec(), &inc) == 0 && inc > 0)
		dlink_send(s->link, frame, mux_put_window(frame, s->mux.id,
		    inc));
}

/* Browser bytes as DATA within credit and link room; returns bytes sent. */
static size_t
stream_send(struct stream *s, const uint8_t *data, size_t len)
{
	size_t sent = 0, n;
	uint32_t credit;

	while (s->link != NULL && sent < len) {
		if (dlink_congested(s->link)) {
			dlink_park(s->link, s);
			break;
		}
		if ((credit = mux_send_credit(&s->mux)) == 0)
			break;
		n = len - sent;
		if (n > credit)
			n = credit;
		if (n > MUX_DATA_MAX)
			n = MUX_DATA_MAX;
		if (dlink_send_data(s->link, s->mux.id, data + sent, n) == -1)
			break;
		mux_stream_sent(&s->mux, MUX_DATA, n);
		sent += n;
	}
	s->bytes_up += sent;
	metric_add(sm.to_agent, (double)sent);
	return sent;
}

/* What waits for credit goes out; then reading resumes, or FIN. */
void
stream_flush_up(struct stream *s)
{
	size_t len, n, sent;
	uint8_t *p;

	while (s->link != NULL && (len = evbuffer_get_length(s->up)) > 0) {
		n = len > MUX_DATA_MAX ? MUX_DATA_MAX : len;
		p = evbuffer_pullup(s->up, (ev_ssize_t)n);
		sent = stream_send(s, p, n);
		evbuffer_drain(s->up, sent);
		if (sent < n)
			return;
	}
	if (evbuffer_get_length(s->up) > 0)
		return;
	if (s->ws != NULL)
		wsconn_set_reading(s->ws, 1);
	else if (s->browser_done)
		stream_send_fin(s);
	else if (s->web != NULL)
		bufferevent_enable(s->web, EV_READ);
}

static void
viewer_message(struct wsconn *c, int opcode, const uint8_t *data, size_t len,
    void *arg)
{
	struct stream *s = arg;
	size_t sent = 0;

	if (opcode != WS_OP_BINARY) {
		log_info("agent %s session %s stream %u: viewer %s sent text, "
		    "closing", s->agent, s->session, s->mux.id, s->peer);
		stream_send_reset(s, MUX_E_PROTOCOL, "viewer protocol error");
		wsconn_close(c, WS_CLOSE_UNSUPPORTED, "binary messages only");
		return;
	}
	if (s->link == NULL)
		return;
	activity_viewer(s, data, len);
	if (evbuffer_get_length(s->up) == 0)
		sent = stream_send(s, data, len);
	if (sent < len) {
		/* At most this message: no more arrive until we resume. */
		evbuffer_add(s->up, data + sent, len - sent);
		wsconn_set_reading(c, 0);
		metrics_add(M_RELAY_STALLS, ML(s->link != NULL &&
		    dlink_congested(s->link) ? "link_congested" :
		    "agent_window"), 1);
	}
}

/* The browser's socket took everything: the agent may send as much. */
static void
viewer_drained(struct wsconn *c, void *arg)
{
	struct stream *s = arg;

	stream_consumed(s, s->down_queued);
	s->down_queued = 0;
	if (s->close_pending) {
		s->close_pending = 0;
		wsconn_close(c, WS_CLOSE_NORMAL, "");
	}
}

static void
viewer_closed(struct wsconn *c, int code, const char *reason, void *arg)
{
	struct stream *s = arg;

	s->ws = NULL;
	/*
	 * What the browser was sent but not yet known to be written counts
	 * as taken: the agent needs the credit to read on to its FIN.
	 */
	stream_consumed(s, s->down_queued);
	s->down_queued = 0;
	s->close_code = code;
	ssd_strlcpy(s->close_reason, reason, sizeof(s->close_reason));
	if (s->link != NULL && (code == WS_CLOSE_NORMAL ||
	    code == WS_CLOSE_GOING_AWAY)) {
		/* What the browser sent before its close still goes. */
		s->browser_done = 1;
		stream_flush_up(s);
	} else if (s->link != NULL) {
		log_info("agent %s session %s stream %u: viewer %s lost (%d "
		    "%s)", s->agent, s->session, s->mux.id, s->peer, code,
		    reason);
		stream_send_reset(s, MUX_E_CANCEL, "viewer gone");
	}
	stream_settle(s);
}

static const struct wsconn_cbs viewer_cbs = {
	.message = viewer_message,
	.closed = viewer_closed,
	.drained = viewer_drained,
};

/* OPEN_OK: the browser gets its 101 and the stream starts flowing. */
static void
stream_upgrade(struct stream *s)
{
	uint64_t idle = conf_ms(worker_conf(), S_VNC_PROXY_TIMEOUT);
	struct wsconn_opts o = {
		.max_message = relay_limits.viewer_message_max,
		.max_output = relay_limits.viewer_output_max,
		.ping_interval_ms = idle / 3 < RELAY_VIEWER_PING_MS ?
		    (int)(idle / 3) : RELAY_VIEWER_PING_MS,
		.idle_timeout_ms = (int)idle,
		.close_timeout_ms = RELAY_CLOSE_TIMEOUT_MS,
		.plain_socket = 1,
	};
	struct bufferevent *bev;
	char resp[256];
	size_t n;

	evtimer_del(s->timer);
	if ((bev = bufferevent_socket_new(worker_base(), s->fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		fatalx("out of memory for a viewer");
	s->fd = -1;
	n = ws_server_response(resp, sizeof(resp), s->accept,
	    s->protocol[0] != '\0' ? s->protocol : NULL);
	bufferevent_write(bev, resp, n);
	/* An input buffer takes bytes only at its front (libevent). */
	if (s->tail_len > 0)
		evbuffer_prepend(bufferevent_get_input(bev), s->tail,
		    s->tail_len);
	free(s->tail);
	s->tail = NULL;
	s->ws = wsconn_new(worker_base(), bev, WS_SERVER, &o, &viewer_cbs, s);
	s->upgraded = 1;
	metric_observe(sm.open_time, (double)(now_ms() - s->started_ms) /
	    1000);
	log_info("agent %s session %s stream %u: viewer %s (user %s) "
	    "connected in %llu ms", s->agent, s->session, s->mux.id, s->peer,
	    s->user, (unsigned long long)(now_ms() - s->started_ms));
}

static void
stream_refused(struct stream *s, const struct mux_frame *f)
{
	char msg[1024];
	int status;

	switch (f->code) {
	case MUX_E_NO_SESSION:
	case MUX_E_REFUSED:
	case MUX_E_SHUTDOWN:
		status = 503;
		break;
	default:
		status = 502;
		break;
	}
	snprintf(msg, sizeof(msg), "agent %s cannot reach session %s: %s",
	    s->agent, s->session, f->reason[0] != '\0' ? f->reason :
	    mux_code_name(f->code));
	log_info("agent %s session %s stream %u: open failed (%s): %s",
	    s->agent, s->session, s->mux.id, mux_code_name(f->code),
	    f->reason);
	metrics_add(M_VNC_FAILURES, ML(mux_code_name(f->code)), 1);
	stream_reply(s, status, "vnc_unavailable", msg,
	    mux_code_name(f->code));
}

/* len bytes for the viewer were queued (sent) or not (refused). */
static void
stream_down_done(struct stream *s, size_t len, int sent)
{
	if (sent) {
		s->down_queued += (uint32_t)len;
		s->bytes_down += len;
		metric_add(sm.to_viewer, (double)len);
	} else if (wsconn_queued(s->ws) + len >
	    relay_limits.viewer_output_max) {
		log_warnx("agent %s session %s stream %u: viewer %s output "
		    "over %zu bytes, closing", s->agent, s->session, s->mux.id,
		    s->peer, relay_limits.viewer_output_max);
		stream_send_reset(s, MUX_E_REFUSED, "viewer not reading");
		wsconn_close(s->ws, WS_CLOSE_POLICY, "viewer not reading");
	} else
		stream_consumed(s, len);	/* its close is on the way */
}

static void
stream_down(struct stream *s, const uint8_t *data, size_t len)
{
	if (s->kind == STREAM_WEB) {
		if (web_down(s, data, len) == 0)
			metric_add(sm.to_viewer, (double)len);
		return;
	}
	if (s->ws == NULL) {
		/* The browser left cleanly: keep the agent flowing to FIN. */
		stream_consumed(s, len);
		return;
	}
	stream_down_done(s, len, wsconn_send(s->ws, WS_OP_BINARY, data, len) ==
	    0);
}

static void
stream_remote_fin(struct stream *s)
{
	if (s->kind == STREAM_WEB)
		web_remote_fin(s);
	if (s->ws == NULL)
		return;
	if (wsconn_queued(s->ws) == 0)
		wsconn_close(s->ws, WS_CLOSE_NORMAL, "");
	else
		s->close_pending = 1;
}

static void
stream_remote_reset(struct stream *s, const struct mux_frame *f)
{
	char why[WS_CONTROL_MAX + 1];

	log_info("agent %s session %s stream %u: reset by the agent (%s): %s",
	    s->agent, s->session, s->mux.id, mux_code_name(f->code),
	    f->reason);
	stream_detach(s);
	snprintf(why, sizeof(why), "agent: %.100s", f->reason[0] != '\0' ?
	    f->reason : mux_code_name(f->code));
	if (s->ws != NULL)
		wsconn_close(s->ws, WS_CLOSE_INTERNAL, why);
	web_close(s, why);
}

/* The agent broke the stream's rules (code): it ends. */
static void
stream_broken(struct stream *s, unsigned int code)
{
	log_warnx("agent %s session %s stream %u: agent broke the stream "
	    "protocol (%s)", s->agent, s->session, s->mux.id,
	    mux_code_name(code));
	stream_send_reset(s, code, "stream protocol error");
	if (s->fd != -1) {
		metrics_add(M_VNC_FAILURES, ML("protocol"), 1);
		stream_reply(s, 502, "vnc_unavailable", "the agent broke the "
		    "stream protocol", mux_code_name(code));
	}
	if (s->ws != NULL)
		wsconn_close(s->ws, WS_CLOSE_INTERNAL,
		    "agent stream protocol error");
	web_close(s, "agent stream protocol error");
}

int
stream_splices(const struct stream *s)
{
	return s->kind == STREAM_VNC && s->ws != NULL;
}

void
stream_frame_spliced(struct stream *s, const struct mux_frame *f,
    struct bevio_pipe *p)
{
	unsigned int code;

	if ((code = mux_stream_recv(&s->mux, f)) != 0) {
		bevio_pipe_close(p);
		stream_broken(s, code);
	} else if (!stream_splices(s)) {
		bevio_pipe_close(p);	/* the viewer left since */
		stream_consumed(s, f->len);
	} else
		stream_down_done(s, f->len, wsconn_send_pipe(s->ws,
		    WS_OP_BINARY, f->data, f->len - p->held, p) == 0);
	stream_settle(s);
}

void
stream_frame(struct stream *s, const struct mux_frame *f)
{
	unsigned int code;

	if ((code = mux_stream_recv(&s->mux, f)) != 0)
		stream_broken(s, code);
	else if (f->type == MUX_OPEN_OK && s->kind == STREAM_WEB)
		web_open(s);
	else if (f->type == MUX_OPEN_OK)
		stream_upgrade(s);
	else if (f->type == MUX_OPEN_FAIL)
		stream_refused(s, f);
	else if (f->type == MUX_DATA)
		stream_down(s, f->data, f->len);
	else if (f->type == MUX_WINDOW)
		stream_flush_up(s);
	else if (f->type == MUX_FIN)
		stream_remote_fin(s);
	else if (f->type == MUX_RESET)
		stream_remote_reset(s, f);
	stream_settle(s);
}

void
stream_resume(struct stream *s)
{
	stream_flush_up(s);
	stream_settle(s);
}

/* Without a link: the browser is told why (HTTP before the 101). */
static void
stream_end(struct stream *s, int ws_code, const char *why)
{
	stream_detach(s);
	if (s->fd != -1) {
		metrics_add(M_VNC_FAILURES, ML("link_lost"), 1);
		stream_reply(s, 503, "agent_offline", why, NULL);
	}
	if (s->ws != NULL)
		wsconn_close(s->ws, ws_code, why);
	web_close(s, why);
	stream_settle(s);
}

void
stream_link_lost(struct stream *s, const char *why)
{
	stream_end(s, WS_CLOSE_INTERNAL, why);
}

/* The open timed out, or the agent's FIN after ours never came. */
static void
stream_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct stream *s = arg;
	char msg[1024];

	if (s->fd != -1) {
		log_warnx("agent %s session %s stream %u: no answer to OPEN "
		    "within %llu ms", s->agent, s->session, s->mux.id,
		    (unsigned long long)relay_limits.open_timeout_ms);
		stream_send_reset(s, MUX_E_TIMEOUT, "open timed out");
		metrics_add(M_VNC_FAILURES, ML("timeout"), 1);
		snprintf(msg, sizeof(msg), "agent %s did not open session %s "
		    "in time", s->agent, s->session);
		stream_reply(s, 504, "vnc_timeout", msg, NULL);
	} else if (s->kind == STREAM_WEB)
		web_idle(s);
	else
		stream_send_reset(s, MUX_E_CANCEL, "viewer gone");
	stream_settle(s);
}

static void
stream_refuse(struct handoff *h, const char *session, const char *agent,
    const char *user, const char *error, const char *msg)
{
	struct imsg_stream_end e;

	log_info("agent %s session %s: viewer %s (user %s) refused: %s",
	    agent, session, h->hdr.peer, user, msg);
	metrics_add(M_VNC_FAILURES, ML(error), 1);
	relay_reply(h->fd, 503, error, msg, NULL);
	h->fd = -1;
	memset(&e, 0, sizeof(e));
	ssd_strlcpy(e.session_id, session, sizeof(e.session_id));
	ssd_strlcpy(e.user, user, sizeof(e.user));
	ssd_strlcpy(e.peer, h->hdr.peer, sizeof(e.peer));
	ssd_strlcpy(e.reason, error, sizeof(e.reason));
	ends_send(h->id, &e);
}

struct stream *
stream_new(struct handoff *h, int kind, const char *session,
    const char *agent, const char *user, unsigned int target,
    unsigned int port)
{
	struct timeval tv = { (time_t)(relay_limits.open_timeout_ms / 1000),
	    (suseconds_t)(relay_limits.open_timeout_ms % 1000) * 1000 };
	uint8_t open[MUX_OPEN_MAX];
	struct dlink *l;
	struct stream *s;
	char msg[1024];
	size_t n;

	if ((l = dlink_pick(agent)) == NULL) {
		snprintf(msg, sizeof(msg), "no relay holds a data link to "
		    "agent %s", agent);
		stream_refuse(h, session, agent, user, "no_data_link", msg);
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	if (mux_stream_open(&s->mux, dlink_mux(l), now_usec()) == -1 ||
	    (n = mux_put_open(open, s->mux.id, s->mux.recv_window,
	    session, target, port)) == 0) {
		mux_stream_release(&s->mux);
		free(s);
		snprintf(msg, sizeof(msg), "no room for another stream to "
		    "session %s on agent %s's data link", session, agent);
		stream_refuse(h, session, agent, user, "relay_busy", msg);
		return NULL;
	}
	s->kind = kind;
	s->fd = h->fd;
	h->fd = -1;
	s->handoff_id = h->id;
	fd_set_nonblock(s->fd);
	ssd_strlcpy(s->session, session, sizeof(s->session));
	ssd_strlcpy(s->agent, agent, sizeof(s->agent));
	ssd_strlcpy(s->user, user, sizeof(s->user));
	ssd_strlcpy(s->peer, h->hdr.peer, sizeof(s->peer));
	if ((s->tail_len = h->hdr.tail_len) > 0) {
		s->tail = xmalloc(s->tail_len);
		memcpy(s->tail, h->tail, s->tail_len);
	}
	if ((s->up = evbuffer_new()) == NULL || (s->timer = evtimer_new(
	    worker_base(), stream_timeout, s)) == NULL)
		fatalx("out of memory for a viewer");
	s->started_ms = now_ms();
	rfbin_init(&s->rfbin);
	s->link = l;
	TAILQ_INSERT_TAIL(&streams, s, all);
	nstreams++;
	dlink_attach(l, s);
	metric_add(sm.opened, 1);
	evtimer_add(s->timer, &tv);
	if (dlink_send(l, open, n) == -1) {
		stream_end(s, WS_CLOSE_INTERNAL, "agent data link lost");
		return NULL;
	}
	return s;
}

void
stream_viewer(const struct handoff_viewer *v, struct handoff *h)
{
	struct stream *s;

	if ((s = stream_new(h, STREAM_VNC, v->session_id, v->agent_id,
	    v->user, MUX_TARGET_VNC, 0)) == NULL)
		return;
	ssd_strlcpy(s->protocol, v->protocol, sizeof(s->protocol));
	ssd_strlcpy(s->accept, v->accept, sizeof(s->accept));
}

void
stream_cut(const char *session, const char *user, const char *why)
{
	struct stream *s, *next;

	for (s = TAILQ_FIRST(&streams); s != NULL; s = next) {
		next = TAILQ_NEXT(s, all);
		if (s->kind != STREAM_WEB)
			continue;
		if ((session[0] == '\0' || strcmp(s->session, session) != 0) &&
		    (user[0] == '\0' || strcmp(s->user, user) != 0))
			continue;
		log_info("agent %s session %s stream %u: viewer %s (user %s) "
		    "cut off: %s", s->agent, s->session, s->mux.id, s->peer,
		    s->user, why);
		ssd_strlcpy(s->close_reason, why, sizeof(s->close_reason));
		stream_send_reset(s, MUX_E_CANCEL, why);
		stream_end(s, WS_CLOSE_POLICY, why);
	}
}

void
stream_foreach(void (*fn)(struct stream *, void *), void *arg)
{
	struct stream *s;

	TAILQ_FOREACH(s, &streams, all)
		fn(s, arg);
}

void
stream_close_session(const char *session, int code, const char *reason)
{
	struct stream *s, *next;

	for (s = TAILQ_FIRST(&streams); s != NULL; s = next) {
		next = TAILQ_NEXT(s, all);
		if (strcmp(s->session, session) != 0)
			continue;
		log_info("agent %s session %s stream %u: viewer %s closed: %s",
		    s->agent, s->session, s->mux.id, s->peer, reason);
		stream_send_reset(s, MUX_E_CANCEL, reason);
		stream_end(s, code, reason);
	}
}

void
stream_close_all(const char *why)
{
	struct stream *s, *next;

	for (s = TAILQ_FIRST(&streams); s != NULL; s = next) {
		next = TAILQ_NEXT(s, all);
		stream_send_reset(s, MUX_E_SHUTDOWN, why);
		stream_end(s, WS_CLOSE_GOING_AWAY, why);
	}
}

/*
 * ssdctl show streams: one JSON object a line for each viewer, with the
 * bytes ssd_relay_bytes counts; at most max bytes.
 */
void
stream_list(struct evbuffer *out, size_t max)
{
	uint64_t now = now_ms(), wall = wall_ms();
	const struct stream *s;
	char since[32], *line;
	struct tm tm;
	time_t t;
	cJSON *o;

	TAILQ_FOREACH(s, &streams, all) {
		t = (time_t)((wall - (now - s->started_ms)) / 1000);
		gmtime_r(&t, &tm);
		strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", &tm);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "session", s->session);
		cJSON_AddStringToObject(o, "agent", s->agent);
		cJSON_AddStringToObject(o, "user", s->user);
		cJSON_AddStringToObject(o, "viewer", s->peer);
		cJSON_AddStringToObject(o, "state", s->upgraded ? "open" :
		    "opening");
		cJSON_AddStringToObject(o, "kind", s->kind == STREAM_WEB ?
		    "web" : "vnc");
		cJSON_AddStringToObject(o, "since", since);
		cJSON_AddNumberToObject(o, "bytesToAgent", (double)s->bytes_up);
		cJSON_AddNumberToObject(o, "bytesToViewer",
		    (double)s->bytes_down);
		line = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		if (line == NULL)
			fatalx("out of memory for a stream list");
		if (evbuffer_get_length(out) + strlen(line) + 1 > max) {
			log_warnx("stream list over metrics_max_size, cut");
			cJSON_free(line);
			break;
		}
		evbuffer_add_printf(out, "%s\n", line);
		cJSON_free(line);
	}
}
