/*
 * wsconn_splice.c - spliced input of a wsconn (wsconn.h, splice_prefix):
 * the socket is read at most WSCONN_AHEAD bytes ahead, so that a data
 * message's payload can go from the socket into a pipe, and on to
 * another socket, without entering user space.  A small frame comes
 * whole with one read and goes to the parser, as does every frame the
 * owner does not take; of a big one, one read brings the header and the
 * payload's first bytes, and the rest is spliced.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "bevio.h"
#include "log.h"
#include "util.h"
#include "wsconn_priv.h"

#define WSS_COPY_STEP	(64 * 1024)

_Static_assert(WS_HEADER_MAX + WSCONN_PIPE_PREFIX_MAX <= WSCONN_AHEAD,
    "a header and its prefix fit ahead");

/*
 * A read's outcome for the loop: bytes, 0 to wait for the socket, or -1
 * when the connection is over (end of file or an error, reported).
 */
static ssize_t
wss_result(struct wsconn *c, ssize_t r, int err)
{
	if (r > 0)
		return r;
	if (r == -1 && (err == EAGAIN || err == EWOULDBLOCK))
		return 0;
	wsconn_lost(c, BEV_EVENT_READING | (r == 0 ? BEV_EVENT_EOF :
	    BEV_EVENT_ERROR));
	return -1;
}

/* A short read emptied the socket: the next would only say EAGAIN. */
static ssize_t
wss_recv(struct wsconn *c, void *buf, size_t n)
{
	ssize_t r;

	if (c->drained)
		return 0;
	do
		r = recv(bufferevent_getfd(c->bev), buf, n, 0);
	while (r == -1 && errno == EINTR);
	c->drained = r > 0 && (size_t)r < n;
	return wss_result(c, r, errno);
}

static size_t
wss_avail(const struct wsconn *c)
{
	return c->ahead_len - c->ahead_off;
}

/*
 * From a header's first two bytes: a whole binary frame, masked, longer
 * than the prefix, starting a message: the owner may take it once the
 * rest of the header and the prefix are read.  (A length field of 126
 * or 127 that is not minimal may be shorter: the parser fails such a
 * header, and the connection.)
 */
static int
wss_candidate(const struct wsconn *c, const uint8_t *hd)
{
	size_t len7 = hd[1] & 0x7f;

	return hd[0] == (0x80 | WS_OP_BINARY) && (hd[1] & 0x80) &&
	    (len7 >= 126 || len7 > c->opts.splice_prefix) &&
	    ws_parser_between(&c->ws);
}

/* Bytes ahead needs to decide on the next frame. */
static size_t
wss_need(const struct wsconn *c)
{
	const uint8_t *hd = c->ahead + c->ahead_off;

	if (wss_avail(c) < 2)
		return 2;
	return ws_header_len(hd) + (wss_candidate(c, hd) ?
	    c->opts.splice_prefix : 0);
}

/* The next frame can go on without the socket: its start is ahead. */
static int
wss_ready(const struct wsconn *c)
{
	return c->splice_left == 0 && c->copy_left == 0 &&
	    wss_avail(c) >= wss_need(c);
}

/*
 * A candidate whose header is ahead may be offered: masked with the key
 * 0, not too big, and with at least splice_min bytes of it still in the
 * socket (for fewer, the copy costs less than the pipe's calls).
 */
static int
wss_offerable(const struct wsconn *c, const uint8_t *hd, size_t h,
    uint64_t len)
{
	const uint8_t *key = hd + h - 4;
	size_t got = wss_avail(c) - h;

	return (key[0] | key[1] | key[2] | key[3]) == 0 &&
	    len > c->opts.splice_prefix && len <= c->ws.max_message &&
	    len > got && len - got >= c->opts.splice_min;
}

/*
 * n bytes ahead (a frame, or its start) go to the parser, then what p
 * holds, then copy_left more bytes of the frame as they come.
 */
static void
wss_to_parser(struct wsconn *c, size_t n, struct bevio_pipe *p,
    uint64_t left)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	int rc;

	/* libevent keeps the input's end frozen except while it reads. */
	evbuffer_unfreeze(in, 0);
	rc = evbuffer_add(in, c->ahead + c->ahead_off, n);
	if (rc == 0 && p != NULL)
		rc = bevio_pipe_drain(p, in);
	evbuffer_freeze(in, 0);
	c->ahead_off += n;
	if (c->ahead_off == c->ahead_len)
		c->ahead_off = c->ahead_len = 0;
	c->copy_left = left;
	if (rc == -1) {
		/* The owner's closed() logs it, with what it concerns. */
		c->got_close = 1;
		wsconn_close(c, WS_CLOSE_INTERNAL,
		    "input lost: out of memory or a broken pipe");
		return;
	}
	wsconn_parse_input(c);
}

/* A frame's header (and prefix) is ahead: offered, or parsed. */
static void
wss_frame(struct wsconn *c)
{
	const uint8_t *hd = c->ahead + c->ahead_off;
	size_t h = ws_header_len(hd), got = wss_avail(c) - h;
	uint64_t len = ws_header_payload_len(hd);

	c->bulk = wss_candidate(c, hd) && wss_offerable(c, hd, h, len) &&
	    (c->pipe = c->cbs.splice(c, hd + h, len, c->arg)) != NULL;
	if (c->bulk) {
		c->splice_left = len - got;
		return;
	}
	if (len > got)
		wss_to_parser(c, h + got, NULL, len - got);
	else
		wss_to_parser(c, h + (size_t)len, NULL, 0);
}

/*
 * At a frame's start: one read ahead if need be, then the frame.  After
 * a spliced frame, the next is likely big too: the read takes at most a
 * header and its prefix, so that none of the payload is copied.
 */
static ssize_t
wss_head(struct wsconn *c)
{
	size_t avail = wss_avail(c);
	ssize_t r = 1;

	if (avail < wss_need(c)) {
		memmove(c->ahead, c->ahead + c->ahead_off, avail);
		c->ahead_off = 0;
		c->ahead_len = avail;
		if ((r = wss_recv(c, c->ahead + avail, (c->bulk ?
		    WS_HEADER_MAX + c->opts.splice_prefix : WSCONN_AHEAD) -
		    avail)) <= 0)
			return r;
		c->ahead_len += (size_t)r;
	}
	if (wss_avail(c) >= wss_need(c))
		wss_frame(c);
	return r;
}

static ssize_t
wss_copy(struct wsconn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer_iovec v;
	size_t want = c->copy_left < WSS_COPY_STEP ? (size_t)c->copy_left :
	    WSS_COPY_STEP;
	ssize_t r;

	evbuffer_unfreeze(in, 0);
	if (evbuffer_reserve_space(in, (ev_ssize_t)want, &v, 1) < 1)
		fatalx("websocket input: out of memory");
	r = wss_recv(c, v.iov_base, want < v.iov_len ? want : v.iov_len);
	v.iov_len = r > 0 ? (size_t)r : 0;
	evbuffer_commit_space(in, &v, r > 0 ? 1 : 0);
	evbuffer_freeze(in, 0);
	if (r > 0) {
		c->copy_left -= (uint64_t)r;
		wsconn_parse_input(c);
	}
	return r;
}

/*
 * All of the payload is in the pipe: the header is parsed, then the
 * payload given, its first bytes from ahead (valid during the call).
 */
static void
wss_spliced(struct wsconn *c)
{
	const uint8_t *hd = c->ahead + c->ahead_off;
	size_t h = ws_header_len(hd), hlen = wss_avail(c) - h, used;
	struct bevio_pipe *p = c->pipe;
	enum ws_event ev;
	struct ws_msg m;

	c->pipe = NULL;
	c->ahead_off = c->ahead_len = 0;
	ev = ws_parse(&c->ws, hd, h, &used, &m);
	if (ev != WS_EV_MORE) {
		bevio_pipe_close(p);
		wsconn_event_of(c, ev, &m);
		return;
	}
	/* The parser waits for the next frame (the peer's close, say). */
	ws_parser_payload_taken(&c->ws);
	if (c->sent_close)
		bevio_pipe_close(p);	/* as message() is not called then */
	else
		c->cbs.spliced(c, hd + h, hlen, p, c->arg);
}

static ssize_t
wss_splice(struct wsconn *c)
{
	int fd = bufferevent_getfd(c->bev), avail = 0, err;
	ssize_t r;

	r = bevio_pipe_fill(c->pipe, fd, c->splice_left);
	err = errno;
	if (r == -1 && err == EAGAIN && ioctl(fd, FIONREAD, &avail) == 0 &&
	    avail > 0) {
		/* The pipe is full (a payload in tiny pieces): parse it. */
		r = (ssize_t)c->pipe->held;
		wss_to_parser(c, wss_avail(c), c->pipe, c->splice_left);
		c->pipe = NULL;
		c->splice_left = 0;
		return r > 0 ? r : 1;
	}
	if ((r = wss_result(c, r, err)) <= 0)
		return r;
	c->splice_left -= (uint64_t)r;
	if (c->splice_left == 0)
		wss_spliced(c);
	return r;
}

/* No close, pause, message waiting or full output stops the input. */
static int
wss_may_read(struct wsconn *c)
{
	return !c->dead && !c->got_close && !c->paused &&
	    evbuffer_get_length(bufferevent_get_input(c->bev)) == 0 &&
	    !wsconn_output_full(c);
}

static void
wss_read(evutil_socket_t fd, short what, void *arg)
{
	struct wsconn *c = arg;
	size_t moved = 0;
	ssize_t r = 1;

	(void)fd;
	(void)what;
	c->heard_ms = now_ms();
	c->drained = 0;
	c->busy++;
	wsconn_parse_input(c);	/* what waited while reading was off */
	while (r > 0 && moved < WSCONN_READ_MAX && wss_may_read(c)) {
		if (c->splice_left > 0)
			r = wss_splice(c);
		else if (c->copy_left > 0)
			r = wss_copy(c);
		else
			r = wss_head(c);
		if (r > 0)
			moved += (size_t)r;
	}
	c->busy--;
	if (c->dead && c->busy == 0) {
		wsconn_free(c);
		return;
	}
	/* Frames already read ahead do not wake the socket's event. */
	if (wss_ready(c) && wss_may_read(c))
		event_active(c->rd, EV_READ, 0);
	wsconn_try_finish(c);
}

void
wsconn_splice_reading(struct wsconn *c, int on)
{
	if (!on) {
		event_del(c->rd);
		return;
	}
	event_add(c->rd, NULL);
	if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0 ||
	    wss_ready(c))
		event_active(c->rd, EV_READ, 0);
}

int
wsconn_splice_start(struct wsconn *c, struct event_base *base)
{
	int fd = bufferevent_getfd(c->bev);

	if (c->opts.splice_prefix == 0 || c->opts.splice_prefix >
	    WSCONN_PIPE_PREFIX_MAX || !c->opts.plain_socket ||
	    c->role != WS_SERVER || c->cbs.splice == NULL ||
	    c->cbs.spliced == NULL || fd < 0 ||
	    evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
		return -1;
	if ((c->rd = event_new(base, fd, EV_READ | EV_PERSIST, wss_read,
	    c)) == NULL || (c->ahead = malloc(WSCONN_AHEAD)) == NULL)
		fatalx("wsconn: out of memory");
	bufferevent_enable(c->bev, EV_WRITE);
	event_add(c->rd, NULL);
	return 0;
}
