/*
 * web.c - browsers' connections to web-streamed sessions (KasmVNC,
 * Selkies): ssd-api checked the request head, and hands the connection
 * over with that head and the bytes read after it.  They go on a stream
 * to the session pod's web port.  The pod's bytes come back as they are;
 * the browser's are framed request by request (webreq.h) only so that
 * every head on the connection, not just the one ssd-api read, reaches
 * the pod without ssd's cookies: bodies, keep-alive and upgraded
 * connections pass untouched.  The stream's life is stream.c's; this is
 * the browser's side.
 */
#include "config.h"

#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "handoff.h"
#include "log.h"
#include "proto.h"
#include "relay.h"
#include "util.h"
#include "webreq.h"
#include "worker.h"

/* Browser bytes read ahead of the stream's credit, at most. */
#define WEB_READ_MAX		(4 * MUX_DATA_MAX)
/* Agent bytes left in the socket's buffer when the window grows back. */
#define WEB_WRITE_LOW		MUX_DATA_MAX
/* Per event: libevent's 16 KiB default would cut DATA frames small. */
#define WEB_READ_ONCE		MUX_DATA_MAX
#define WEB_WRITE_ONCE		(256 * 1024)

static void
web_timer_set(struct stream *s, uint64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000),
	    (suseconds_t)(ms % 1000) * 1000 };

	evtimer_add(s->timer, &tv);
}

void
web_accept(const struct handoff_web *w, struct handoff *h)
{
	struct stream *s;

	if ((s = stream_new(h, STREAM_WEB, w->session_id, w->agent_id,
	    w->user, MUX_TARGET_PORT, w->port)) != NULL)
		log_debug("agent %s session %s stream %u: web connection from "
		    "%s (user %s) to port %u", s->agent, s->session, s->mux.id,
		    s->peer, s->user, w->port);
}

void
web_close(struct stream *s, const char *why)
{
	if (s->web == NULL)
		return;
	if (s->close_reason[0] == '\0')
		ssd_strlcpy(s->close_reason, why, sizeof(s->close_reason));
	bufferevent_free(s->web);
	s->web = NULL;
}

/* Scratch for chunked bodies' bytes, which pass on as they came. */
static char web_scratch[MUX_DATA_MAX];

/* One step of webreq over in: what it passes goes to s->up. */
static enum webreq_step
web_request_step(struct stream *s, struct evbuffer *in)
{
	struct evbuffer_iovec v;
	enum webreq_step step;
	const uint8_t *p;
	size_t len = evbuffer_get_length(in), used, outlen, cap;
	char *out = web_scratch;

	cap = sizeof(web_scratch);
	if (webreq_wants_head(&s->req)) {
		if (len > relay_limits.web_max_head)
			len = relay_limits.web_max_head;
		p = evbuffer_pullup(in, (ssize_t)len);
		cap = len + WEBREQ_OUT_SLACK;
		out = xmalloc(cap);
	} else {
		evbuffer_peek(in, -1, NULL, &v, 1);
		p = v.iov_base;
		len = v.iov_len;
	}
	step = webreq_next(&s->req, p, len, relay_limits.web_max_head, out,
	    cap, &used, &outlen);
	if (step == WEBREQ_HEAD) {
		evbuffer_drain(in, used);
		evbuffer_add(s->up, out, outlen);
	} else if (step == WEBREQ_PASS)
		evbuffer_remove_buffer(in, s->up, used);
	if (out != web_scratch)
		free(out);
	return step;
}

/*
 * The browser's bytes in in to s->up, request by request; an incomplete
 * head stays in in.  NULL, or why the connection must end.
 */
static const char *
web_requests(struct stream *s, struct evbuffer *in)
{
	enum webreq_step step = WEBREQ_PASS;

	while (evbuffer_get_length(in) > 0 &&
	    (step = web_request_step(s, in)) != WEBREQ_MORE) {
		if (step == WEBREQ_SSD) {
			/* A browser asks again on a new connection: ssd-api's. */
			log_info("agent %s session %s stream %u: browser %s "
			    "asked for /.ssd/ on a connection to the pod: "
			    "closed", s->agent, s->session, s->mux.id, s->peer);
			return "request for ssd";
		}
		if (step == WEBREQ_BAD) {
			log_info("agent %s session %s stream %u: browser %s "
			    "sent a request that cannot be framed (%d %s): "
			    "closed", s->agent, s->session, s->mux.id, s->peer,
			    s->req.status, http_status_text(s->req.status));
			return "bad request";
		}
	}
	return NULL;
}

/* The browser's bytes, then: to the agent within credit, the rest waits. */
static int
web_forward(struct stream *s, struct evbuffer *in)
{
	const char *why;

	if ((why = web_requests(s, in)) != NULL) {
		stream_send_reset(s, MUX_E_CANCEL, why);
		web_close(s, why);
		return -1;
	}
	stream_flush_up(s);
	return 0;
}

static void
web_read(struct bufferevent *bev, void *arg)
{
	struct stream *s = arg;

	s->moved_ms = now_ms();
	if (web_forward(s, bufferevent_get_input(bev)) == -1) {
		stream_settle(s);
		return;
	}
	if (s->web != NULL && evbuffer_get_length(s->up) > 0)
		bufferevent_disable(bev, EV_READ);	/* until credit */
}

/* The pod's side is done and all of it written: FIN to the browser. */
static void
web_finish(struct stream *s)
{
	if (shutdown(bufferevent_getfd(s->web), SHUT_WR) == -1 ||
	    s->browser_done || s->link == NULL)
		web_close(s, s->browser_done ? "closed" : "session closed");
}

/* Written down to WEB_WRITE_LOW: the agent may send that much more. */
static void
web_written(struct bufferevent *bev, void *arg)
{
	struct stream *s = arg;
	size_t left = evbuffer_get_length(bufferevent_get_output(bev));

	if (s->down_queued > left) {
		stream_consumed(s, s->down_queued - left);
		s->down_queued = (uint32_t)left;
	}
	if (left == 0 && s->close_pending) {
		s->close_pending = 0;
		web_finish(s);
	}
	stream_settle(s);
}

static void
web_event(struct bufferevent *bev, short what, void *arg)
{
	struct stream *s = arg;

	if (what & BEV_EVENT_EOF) {
		/* Half-closed (or gone: a write will say): FIN after the rest. */
		bufferevent_disable(bev, EV_READ);
		s->browser_done = 1;
		stream_flush_up(s);
		if (s->web != NULL && s->mux.state == MUX_ST_HALF_REMOTE &&
		    !s->close_pending)
			web_close(s, "closed");
	} else {
		log_info("agent %s session %s stream %u: browser %s lost",
		    s->agent, s->session, s->mux.id, s->peer);
		stream_send_reset(s, MUX_E_CANCEL, "browser gone");
		web_close(s, "browser lost");
	}
	stream_settle(s);
}

void
web_open(struct stream *s)
{
	evtimer_del(s->timer);
	if ((s->web = bufferevent_socket_new(worker_base(), s->fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		fatalx("out of memory for a web connection");
	s->fd = -1;
	s->upgraded = 1;
	s->moved_ms = now_ms();
	bufferevent_setcb(s->web, web_read, web_written, web_event, s);
	bufferevent_setwatermark(s->web, EV_READ, 0,
	    relay_limits.web_max_head > WEB_READ_MAX ?
	    relay_limits.web_max_head : WEB_READ_MAX);
	bufferevent_setwatermark(s->web, EV_WRITE, WEB_WRITE_LOW, 0);
	bufferevent_set_max_single_read(s->web, WEB_READ_ONCE);
	bufferevent_set_max_single_write(s->web, WEB_WRITE_ONCE);
	bufferevent_enable(s->web, EV_WRITE);
	webreq_init(&s->req);
	/* The head ssd-api read and rewrote, and what came after it. */
	evbuffer_prepend(bufferevent_get_input(s->web), s->tail, s->tail_len);
	free(s->tail);
	s->tail = NULL;
	log_debug("agent %s session %s stream %u: web connection from %s "
	    "open in %llu ms", s->agent, s->session, s->mux.id, s->peer,
	    (unsigned long long)(now_ms() - s->started_ms));
	web_timer_set(s, relay_limits.web_idle_ms);
	if (web_forward(s, bufferevent_get_input(s->web)) == -1)
		return;
	if (s->web != NULL && evbuffer_get_length(s->up) == 0)
		bufferevent_enable(s->web, EV_READ);
}

int
web_down(struct stream *s, const uint8_t *data, size_t len)
{
	if (s->web == NULL) {
		/* The browser left: keep the agent flowing to its FIN. */
		stream_consumed(s, len);
		return -1;
	}
	s->moved_ms = now_ms();
	bufferevent_write(s->web, data, len);
	s->down_queued += (uint32_t)len;
	s->bytes_down += len;
	return 0;
}

void
web_remote_fin(struct stream *s)
{
	if (s->web == NULL)
		return;
	if (evbuffer_get_length(bufferevent_get_output(s->web)) > 0)
		s->close_pending = 1;
	else
		web_finish(s);
}

void
web_idle(struct stream *s)
{
	uint64_t quiet = now_ms() - s->moved_ms;

	if (s->web != NULL && quiet < relay_limits.web_idle_ms) {
		web_timer_set(s, relay_limits.web_idle_ms - quiet);
		return;
	}
	log_info("agent %s session %s stream %u: web connection from %s "
	    "idle for %llu ms, closing", s->agent, s->session, s->mux.id,
	    s->peer, (unsigned long long)quiet);
	stream_send_reset(s, MUX_E_CANCEL, "idle");
	web_close(s, "idle");
}
