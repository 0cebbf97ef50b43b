/*
 * wsconn_splice.c - spliced input of a wsconn (wsconn.h, splice_prefix):
 * the socket is read one frame at a time, so that a data message's
 * payload can go from the socket into a pipe, and on to another socket,
 * without entering user space.  Every other frame, and every one the
 * owner does not take, goes through the parser as usual.  Headers are
 * read exactly (two bytes, then the rest and the prefix), so nothing
 * past a frame is read before its owner is known.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/socket.h>

#include <errno.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "bevio.h"
#include "log.h"
#include "util.h"
#include "wsconn_priv.h"

#define WSS_COPY_STEP	(64 * 1024)

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

static ssize_t
wss_recv(struct wsconn *c, void *buf, size_t n)
{
	ssize_t r;

	do
		r = recv(bufferevent_getfd(c->bev), buf, n, 0);
	while (r == -1 && errno == EINTR);
	return wss_result(c, r, errno);
}

/*
 * From a header's first two bytes: a whole binary frame, masked, longer
 * than the prefix, starting a message: its prefix is read with the rest
 * of the header.  (A length field of 126 or 127 that is not minimal may
 * be shorter: the parser fails such a header, and the connection.)
 */
static int
wss_candidate(const struct wsconn *c)
{
	size_t len7 = c->hd[1] & 0x7f;

	return c->hd[0] == (0x80 | WS_OP_BINARY) && (c->hd[1] & 0x80) &&
	    (len7 >= 126 || len7 > c->opts.splice_prefix) &&
	    ws_parser_between(&c->ws);
}

/* Bytes hd needs: two, then the header and, for a candidate, the prefix. */
static size_t
wss_need(const struct wsconn *c)
{
	if (c->hd_len < 2)
		return 2;
	return ws_header_len(c->hd) + (wss_candidate(c) ?
	    c->opts.splice_prefix : 0);
}

/* A candidate's whole header is in hd: masked with the key 0, not too big. */
static int
wss_offerable(const struct wsconn *c, size_t h)
{
	const uint8_t *key = c->hd + h - 4;
	uint64_t len = ws_header_payload_len(c->hd);

	return (key[0] | key[1] | key[2] | key[3]) == 0 &&
	    len > c->opts.splice_prefix && len <= c->ws.max_message;
}

/*
 * The frame goes to the parser after all: what was read of it (hd, and
 * what p holds), then copy_left more bytes as they come.
 */
static void
wss_to_parser(struct wsconn *c, struct bevio_pipe *p, uint64_t left)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	int rc;

	/* libevent keeps the input's end frozen except while it reads. */
	evbuffer_unfreeze(in, 0);
	rc = evbuffer_add(in, c->hd, c->hd_len);
	if (rc == 0 && p != NULL)
		rc = bevio_pipe_drain(p, in);
	evbuffer_freeze(in, 0);
	c->hd_len = 0;
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

/* hd holds the header (and the prefix): offered, or parsed. */
static void
wss_frame(struct wsconn *c)
{
	size_t h = ws_header_len(c->hd);
	uint64_t len = ws_header_payload_len(c->hd);

	if (c->hd_len > h && wss_offerable(c, h) && (c->pipe =
	    c->cbs.splice(c, c->hd + h, len, c->arg)) != NULL) {
		c->splice_left = len - (c->hd_len - h);
		return;
	}
	wss_to_parser(c, NULL, h + len > c->hd_len ? h + len - c->hd_len : 0);
}

static ssize_t
wss_head(struct wsconn *c)
{
	size_t need = wss_need(c);
	ssize_t r;

	if ((r = wss_recv(c, c->hd + c->hd_len, need - c->hd_len)) <= 0)
		return r;
	c->hd_len += (size_t)r;
	if (c->hd_len == wss_need(c))
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

/* All of the payload is in the pipe: the header is parsed, then given. */
static void
wss_spliced(struct wsconn *c)
{
	size_t h = ws_header_len(c->hd), used;
	struct bevio_pipe *p = c->pipe;
	enum ws_event ev;
	struct ws_msg m;

	c->pipe = NULL;
	c->hd_len = 0;
	ev = ws_parse(&c->ws, c->hd, h, &used, &m);
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
		c->cbs.spliced(c, c->hd + h, p, c->arg);
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
		wss_to_parser(c, c->pipe, c->splice_left);
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

static void
wss_read(evutil_socket_t fd, short what, void *arg)
{
	struct wsconn *c = arg;
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t moved = 0;
	ssize_t r = 1;

	(void)fd;
	(void)what;
	c->heard_ms = now_ms();
	c->busy++;
	wsconn_parse_input(c);	/* what waited while reading was off */
	while (r > 0 && moved < WSCONN_READ_MAX && !c->dead &&
	    !c->got_close && !c->paused && evbuffer_get_length(in) == 0 &&
	    !wsconn_output_full(c)) {
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
	if (c->dead && c->busy == 0)
		wsconn_free(c);
	else
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
	if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
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
	    c)) == NULL)
		fatalx("wsconn: out of memory");
	bufferevent_enable(c->bev, EV_WRITE);
	event_add(c->rd, NULL);
	return 0;
}
