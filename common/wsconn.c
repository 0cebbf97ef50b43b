/*
 * wsconn.c - a WebSocket connection on a bufferevent (wsconn.h).  Input
 * goes through the one frame parser (ws.c); output is bounded; a single
 * timer per connection sends pings and enforces the idle and close
 * limits.  Callbacks may send or close, never free.
 */
#include "config.h"

#include <sys/uio.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "bevio.h"
#include "log.h"
#include "util.h"
#include "wsconn.h"
#include "wsconn_priv.h"

#define WSCONN_TICK_MS	250
#define WSCONN_STALL_MS	30000
#define WSCONN_WRITE_MAX	(256 * 1024)	/* written per event */

const char *
wsconn_protocol(const struct wsconn *c)
{
	return c->protocol;
}

void
wsconn_set_protocol(struct wsconn *c, const char *protocol)
{
	ssd_strlcpy(c->protocol, protocol, sizeof(c->protocol));
}

/*
 * Off also stops delivering messages already read (a callback that runs
 * out of room gets no more); on again takes up what is buffered.
 */
size_t
wsconn_queued(const struct wsconn *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev));
}

int
wsconn_closing(const struct wsconn *c)
{
	return c->sent_close || c->got_close;
}

/* Reading goes on while nobody paused it and the output has room. */
static void
wsconn_update_reading(struct wsconn *c)
{
	if (c->rd != NULL) {
		wsconn_splice_reading(c, !c->paused && c->stalled_ms == 0);
		return;
	}
	if (!c->paused && c->stalled_ms == 0) {
		bufferevent_enable(c->bev, EV_READ);
		if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
			bufferevent_trigger(c->bev, EV_READ,
			    BEV_OPT_DEFER_CALLBACKS);
	} else
		bufferevent_disable(c->bev, EV_READ);
}

void
wsconn_set_reading(struct wsconn *c, int on)
{
	c->paused = !on;
	wsconn_update_reading(c);
}

/*
 * Our output is at its bound: what we read could make us answer (pongs,
 * a close), so reading waits until the peer has taken it.
 */
int
wsconn_output_full(struct wsconn *c)
{
	if (wsconn_queued(c) < c->opts.max_output)
		return 0;
	if (c->stalled_ms == 0) {
		c->stalled_ms = now_ms();
		wsconn_update_reading(c);
	}
	return 1;
}

int
wsconn_rtt_ms(const struct wsconn *c)
{
	return c->rtt_ms;
}

/*
 * A fresh mask key per frame (RFC 6455 §5.3), from a pool: one getrandom
 * per 1,024 frames instead of one each.
 */
static int
wsconn_mask_key(uint8_t key[4])
{
	static uint8_t pool[4096];
	static size_t left;

	if (left < 4) {
		if (random_bytes(pool, sizeof(pool)) == -1)
			return -1;
		left = sizeof(pool);
	}
	left -= 4;
	memcpy(key, pool + left, 4);
	return 0;
}

/* Client frames up to this size are masked into a scratch buffer. */
#define WSCONN_SCRATCH	(64 * 1024 + 64)

/* A frame for an idle plain socket, written at once (bevio.h). */
static int
wsconn_frame_direct(struct wsconn *c, const uint8_t *hdr, size_t hlen,
    const uint8_t *mask, const void *data, size_t len)
{
	static uint8_t scratch[WSCONN_SCRATCH];
	struct iovec iov[2] = {
		{ (void *)hdr, hlen }, { (void *)data, len },
	};

	if (mask != NULL && len > 0) {
		memcpy(scratch, data, len);
		ws_mask(scratch, len, mask, 0);
		iov[1].iov_base = scratch;
	}
	return bevio_send(c->bev, iov, len > 0 ? 2 : 1);
}

/* One frame out; clients mask with a fresh key per frame. */
static int
wsconn_frame(struct wsconn *c, int opcode, const void *data, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	uint8_t hdr[WS_HEADER_MAX], mask[4];
	struct evbuffer_iovec v;
	size_t n;

	if (c->role == WS_CLIENT && wsconn_mask_key(mask) == -1)
		return -1;
	n = ws_frame_header(hdr, 1, opcode, len, c->role == WS_CLIENT ?
	    mask : NULL);
	if (c->opts.plain_socket && evbuffer_get_length(out) == 0 &&
	    (c->role == WS_SERVER || len <= WSCONN_SCRATCH))
		return wsconn_frame_direct(c, hdr, n, c->role == WS_CLIENT ?
		    mask : NULL, data, len);
	if (evbuffer_add(out, hdr, n) == -1)
		return -1;
	if (len == 0)
		return 0;
	if (c->role == WS_SERVER)
		return evbuffer_add(out, data, len);
	if (evbuffer_reserve_space(out, (ev_ssize_t)len, &v, 1) < 1)
		return -1;
	memcpy(v.iov_base, data, len);
	ws_mask(v.iov_base, len, mask, 0);
	v.iov_len = len;
	return evbuffer_commit_space(out, &v, 1);
}

int
wsconn_send(struct wsconn *c, int opcode, const void *data, size_t len)
{
	if (c->dead || c->sent_close ||
	    wsconn_queued(c) + len > c->opts.max_output)
		return -1;
	return wsconn_frame(c, opcode, data, len);
}

int
wsconn_send_pipe(struct wsconn *c, int opcode, const void *prefix,
    size_t plen, struct bevio_pipe *p)
{
	static const uint8_t zero_key[4];
	uint8_t hdr[WS_HEADER_MAX];
	struct iovec iov[2];

	if (c->dead || c->sent_close || !c->opts.plain_socket ||
	    wsconn_queued(c) + plen + p->held > c->opts.max_output) {
		bevio_pipe_close(p);
		return -1;
	}
	iov[0].iov_base = hdr;
	iov[0].iov_len = ws_frame_header(hdr, 1, opcode, plen + p->held,
	    c->role == WS_CLIENT ? zero_key : NULL);
	iov[1].iov_base = (void *)(uintptr_t)prefix;
	iov[1].iov_len = plen;
	return bevio_send_pipe(c->bev, iov, plen > 0 ? 2 : 1, p);
}

int
wsconn_plain_fd(const struct wsconn *c)
{
	return c->opts.plain_socket ? bufferevent_getfd(c->bev) : -1;
}

int
wsconn_send_text(struct wsconn *c, const char *text)
{
	return wsconn_send(c, WS_OP_TEXT, text, strlen(text));
}

static void
wsconn_send_close(struct wsconn *c, int code, const char *reason)
{
	uint8_t payload[WS_CONTROL_MAX];
	size_t n = 0;

	if (c->sent_close)
		return;
	c->sent_close = 1;
	c->closing_ms = now_ms();
	if (code != WS_CLOSE_NO_STATUS)
		n = ws_close_payload(payload, code, reason);
	wsconn_frame(c, WS_OP_CLOSE, payload, n);
}

void
wsconn_close(struct wsconn *c, int code, const char *reason)
{
	if (c->dead || c->sent_close)
		return;
	c->close_code = code;
	ssd_strlcpy(c->close_reason, reason ? reason : "",
	    sizeof(c->close_reason));
	wsconn_send_close(c, code, reason);
}

void
wsconn_free(struct wsconn *c)
{
	if (c->busy) {
		c->dead = 1;	/* freed when the callback returns */
		return;
	}
	if (c->rd != NULL)
		event_free(c->rd);	/* before its descriptor is closed */
	free(c->ahead);
	bufferevent_free(c->bev);
	if (c->tick != NULL)
		event_free(c->tick);
	ws_parser_free(&c->ws);
	free(c);
}

/* Over: closed() once, then gone (after the callback if inside one). */
void
wsconn_end(struct wsconn *c, int code, const char *reason)
{
	if (c->dead)
		return;
	c->dead = 1;
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	if (c->rd != NULL)
		event_del(c->rd);
	c->busy++;
	c->cbs.closed(c, code, reason, c->arg);
	c->busy--;
	c->dead = 0;
	wsconn_free(c);
}

/* Both close frames are through and our output is written. */
void
wsconn_try_finish(struct wsconn *c)
{
	if (c->sent_close && c->got_close && !c->busy && wsconn_queued(c) == 0)
		wsconn_end(c, c->close_code, c->close_reason);
}

void
wsconn_event_of(struct wsconn *c, enum ws_event ev, const struct ws_msg *m)
{
	switch (ev) {
	case WS_EV_MESSAGE:
		if (!c->sent_close)
			c->cbs.message(c, m->opcode, m->data, m->len, c->arg);
		break;
	case WS_EV_PING:
		if (!c->sent_close)
			wsconn_frame(c, WS_OP_PONG, m->data, m->len);
		break;
	case WS_EV_PONG:
		if (c->ping_ms != 0) {
			c->rtt_ms = (int)(now_ms() - c->ping_ms);
			c->ping_ms = 0;
		}
		break;
	case WS_EV_CLOSE:
		c->got_close = 1;
		if (!c->sent_close) {
			c->close_code = m->code;
			ssd_strlcpy(c->close_reason, m->reason,
			    sizeof(c->close_reason));
			wsconn_send_close(c, m->code, m->reason);
		}
		break;
	case WS_EV_ERROR:
		c->got_close = 1;	/* nothing more will be read */
		wsconn_close(c, m->code, m->reason);
		break;
	case WS_EV_MORE:
		break;
	}
}

/* What the input holds goes through the parser, as far as we may. */
void
wsconn_parse_input(struct wsconn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer_iovec v;
	enum ws_event ev;
	struct ws_msg m;
	size_t used;

	while (!c->dead && !c->got_close && !c->paused &&
	    evbuffer_get_length(in) > 0 && !wsconn_output_full(c) &&
	    evbuffer_peek(in, -1, NULL, &v, 1) >= 1) {
		ev = ws_parse(&c->ws, v.iov_base, v.iov_len, &used, &m);
		evbuffer_drain(in, used);
		wsconn_event_of(c, ev, &m);
	}
	if (c->got_close)
		evbuffer_drain(in, evbuffer_get_length(in));
}

static void
wsconn_read(struct bufferevent *bev, void *arg)
{
	struct wsconn *c = arg;

	c->heard_ms = now_ms();
	c->busy++;
	if (c->opts.plain_socket && !c->paused && c->stalled_ms == 0)
		bevio_read_more(bev, WSCONN_READ_MAX);
	wsconn_parse_input(c);
	c->busy--;
	if (c->dead && c->busy == 0)
		wsconn_free(c);
	else
		wsconn_try_finish(c);
}

static void
wsconn_written(struct bufferevent *bev, void *arg)
{
	struct wsconn *c = arg;

	(void)bev;
	if (c->stalled_ms != 0 && !c->dead) {
		c->stalled_ms = 0;
		wsconn_update_reading(c);
	}
	if (c->cbs.drained != NULL && !c->sent_close && !c->dead) {
		c->busy++;
		c->cbs.drained(c, c->arg);
		c->busy--;
		if (c->dead) {
			wsconn_free(c);
			return;
		}
	}
	wsconn_try_finish(c);
}

void
wsconn_lost(struct wsconn *c, short what)
{
	if (c->sent_close && c->got_close)
		wsconn_end(c, c->close_code, c->close_reason);
	else
		wsconn_end(c, 1006, what & BEV_EVENT_EOF ?
		    "connection closed without a close frame" :
		    "connection lost");
}

static void
wsconn_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	wsconn_lost(arg, what);
}

void
wsconn_tick(struct wsconn *c, uint64_t now)
{
	uint64_t stall = c->opts.stall_timeout_ms > 0 ?
	    (uint64_t)c->opts.stall_timeout_ms : WSCONN_STALL_MS;

	if (c->sent_close) {
		if (now - c->closing_ms >= (uint64_t)c->opts.close_timeout_ms)
			wsconn_end(c, c->close_code, c->close_reason);
		return;
	}
	if (c->stalled_ms != 0 && now - c->stalled_ms >= stall) {
		wsconn_close(c, WS_CLOSE_POLICY, "not reading");
		return;
	}
	if (c->opts.idle_timeout_ms > 0 &&
	    now - c->heard_ms >= (uint64_t)c->opts.idle_timeout_ms) {
		wsconn_close(c, WS_CLOSE_GOING_AWAY, "idle timeout");
		return;
	}
	if (c->opts.ping_interval_ms > 0 && c->ping_ms == 0 &&
	    now - c->heard_ms >= (uint64_t)c->opts.ping_interval_ms) {
		c->ping_ms = now;
		wsconn_frame(c, WS_OP_PING, NULL, 0);
	}
}

static void
wsconn_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	wsconn_tick(arg, now_ms());
}

struct wsconn *
wsconn_new(struct event_base *base, struct bufferevent *bev,
    enum ws_role role, const struct wsconn_opts *opts,
    const struct wsconn_cbs *cbs, void *arg)
{
	struct timeval tv = { 0, WSCONN_TICK_MS * 1000 };
	struct wsconn *c;

	c = xcalloc(1, sizeof(*c));
	c->bev = bev;
	c->role = role;
	c->opts = *opts;
	c->cbs = *cbs;
	c->arg = arg;
	c->rtt_ms = -1;
	c->heard_ms = now_ms();
	ws_parser_init(&c->ws, role, opts->max_message);
	if (!opts->external_tick) {
		if ((c->tick = event_new(base, -1, EV_PERSIST, wsconn_tick_cb,
		    c)) == NULL)
			fatalx("wsconn: out of memory");
		evtimer_add(c->tick, &tv);
	}
	bufferevent_set_max_single_write(bev, WSCONN_WRITE_MAX);
	bufferevent_setcb(bev, wsconn_read, wsconn_written, wsconn_event, c);
	if (wsconn_splice_start(c, base) == 0)
		return c;
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	if (evbuffer_get_length(bufferevent_get_input(bev)) > 0)
		bufferevent_trigger(bev, EV_READ, BEV_OPT_DEFER_CALLBACKS);
	return c;
}
