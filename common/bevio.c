/*
 * bevio.c - bulk reads and direct writes for plain socket bufferevents,
 * see bevio.h.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "bevio.h"

size_t
bevio_read_more(struct bufferevent *bev, size_t limit)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	evutil_socket_t fd = bufferevent_getfd(bev);
	struct evbuffer_iovec v[2];
	size_t have, want, added = 0;
	ssize_t n;
	int nv;

	if (fd < 0 || !(bufferevent_get_enabled(bev) & EV_READ) ||
	    evbuffer_get_length(in) < BEVIO_LIBEVENT_READ)
		return 0;
	/* libevent keeps the input's end frozen except while it reads. */
	evbuffer_unfreeze(in, 0);
	while ((have = evbuffer_get_length(in)) < limit) {
		want = limit - have < BEVIO_READ_STEP ? limit - have :
		    BEVIO_READ_STEP;
		if ((nv = evbuffer_reserve_space(in, (ev_ssize_t)want, v, 2)) <
		    1)
			break;
		do
			n = readv(fd, (struct iovec *)v, nv);
		while (n == -1 && errno == EINTR);
		if (n <= 0) {
			evbuffer_commit_space(in, v, 0);
			break;
		}
		if ((size_t)n <= v[0].iov_len) {
			v[0].iov_len = (size_t)n;
			nv = 1;
		} else
			v[1].iov_len = (size_t)n - v[0].iov_len;
		evbuffer_commit_space(in, v, nv);
		added += (size_t)n;
		if ((size_t)n < want)
			break;		/* the socket is empty */
	}
	evbuffer_freeze(in, 0);
	return added;
}

/* What of iov's n pieces is past the skip bytes written goes onto out. */
static int
bevio_queue_rest(struct evbuffer *out, const struct iovec *iov, int n,
    size_t skip)
{
	int i;

	for (i = 0; i < n; i++) {
		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		if (evbuffer_add(out, (const char *)iov[i].iov_base + skip,
		    iov[i].iov_len - skip) == -1)
			return -1;
		skip = 0;
	}
	return 0;
}

/* Writes go straight to the socket: nothing queued before them. */
static int
bevio_direct(struct bufferevent *bev)
{
	return bufferevent_getfd(bev) >= 0 &&
	    (bufferevent_get_enabled(bev) & EV_WRITE) &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0;
}

int
bevio_send(struct bufferevent *bev, const struct iovec *iov, int n)
{
	struct evbuffer *out = bufferevent_get_output(bev);
	ssize_t w = 0;

	if (bevio_direct(bev)) {
		do
			w = writev(bufferevent_getfd(bev), iov, n);
		while (w == -1 && errno == EINTR);
	}
	if (bevio_queue_rest(out, iov, n, w > 0 ? (size_t)w : 0) == -1)
		return -1;
	if (w > 0 && evbuffer_get_length(out) == 0)
		bufferevent_trigger(bev, EV_WRITE, BEV_TRIG_DEFER_CALLBACKS);
	return 0;
}

void
bevio_pipe_close(struct bevio_pipe *p)
{
	if (p->fd[0] != -1) {
		close(p->fd[0]);
		close(p->fd[1]);
	}
	p->fd[0] = p->fd[1] = -1;
	p->held = 0;
}

int
bevio_pipe_open(struct bevio_pipe *p)
{
	if (p->fd[0] != -1)
		return 0;
	p->held = 0;
	if (pipe2(p->fd, O_NONBLOCK | O_CLOEXEC) == -1) {
		p->fd[0] = p->fd[1] = -1;
		return -1;
	}
	/* Best effort: a smaller pipe only moves less per call. */
	(void)fcntl(p->fd[1], F_SETPIPE_SZ, BEVIO_PIPE_SIZE);
	return 0;
}

ssize_t
bevio_pipe_fill(struct bevio_pipe *p, int fd, size_t max)
{
	ssize_t n;

	if (bevio_pipe_open(p) == -1)
		return -1;
	do
		n = splice(fd, NULL, p->fd[1], NULL, max,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	while (n == -1 && errno == EINTR);
	if (n > 0)
		p->held += (size_t)n;
	return n;
}

int
bevio_pipe_drain(struct bevio_pipe *p, struct evbuffer *out)
{
	struct evbuffer_iovec v;
	ssize_t n;

	while (p->held > 0) {
		if (evbuffer_reserve_space(out, (ev_ssize_t)p->held, &v, 1) <
		    1)
			break;
		do
			n = read(p->fd[0], v.iov_base, p->held < v.iov_len ?
			    p->held : v.iov_len);
		while (n == -1 && errno == EINTR);
		if (n <= 0) {
			evbuffer_commit_space(out, &v, 0);
			break;
		}
		v.iov_len = (size_t)n;
		evbuffer_commit_space(out, &v, 1);
		p->held -= (size_t)n;
	}
	if (p->held == 0)
		return 0;
	bevio_pipe_close(p);
	return -1;
}

/* All of p goes onto socket fd, as far as the socket takes it. */
static void
bevio_splice_out(struct bevio_pipe *p, int fd)
{
	ssize_t w;

	while (p->held > 0) {
		w = splice(p->fd[0], NULL, fd, NULL, p->held,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		p->held -= (size_t)w;
	}
}

int
bevio_send_pipe(struct bufferevent *bev, const struct iovec *iov, int n,
    struct bevio_pipe *p)
{
	struct evbuffer *out = bufferevent_get_output(bev);
	struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = n };
	size_t total = 0, skip = 0;
	ssize_t w = 0;
	int i;

	for (i = 0; i < n; i++)
		total += iov[i].iov_len;
	if (bevio_direct(bev)) {
		/* MSG_MORE: the header waits for its payload in the socket. */
		do
			w = sendmsg(bufferevent_getfd(bev), &m,
			    MSG_MORE | MSG_NOSIGNAL);
		while (w == -1 && errno == EINTR);
		skip = w > 0 ? (size_t)w : 0;
		if (skip == total)
			bevio_splice_out(p, bufferevent_getfd(bev));
	}
	if (bevio_queue_rest(out, iov, n, skip) == -1) {
		bevio_pipe_close(p);
		return -1;
	}
	if (p->held == 0 && evbuffer_get_length(out) == 0 && w > 0) {
		bufferevent_trigger(bev, EV_WRITE, BEV_TRIG_DEFER_CALLBACKS);
		return 0;
	}
	return bevio_pipe_drain(p, out);
}

void
bevio_tune_malloc(void)
{
	mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 16 * 1024 * 1024);
}
