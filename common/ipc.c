/*
 * ipc.c - the framed channel of ipc.h on libevent.
 *
 * Linux facts this relies on (PRIVSEP.md 2.3): on a stream socket a recvmsg
 * stops right after the bytes sent together with an fd, and fds arrive in
 * order, so a FIFO of received fds matched to headers carrying IPC_FD_MARK
 * is exact.  An fd-carrying message always starts a sendmsg batch, so an
 * ETOOMANYREFS failure concerns that one message only.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "ipc.h"
#include "log.h"
#include "util.h"

#define IPC_RBUF_SIZE	(2 * (IPC_HDR_LEN + IPC_MAX_PAYLOAD))
#define IPC_MAX_FDS	4	/* received fds waiting for their header */
#define IPC_IOV_MAX	16

struct ipc_obuf {
	struct ipc_obuf	*next;
	uint32_t	 type, peerid;
	int		 fd;
	size_t		 len, off;
	uint8_t		 data[];
};

struct ipc_chan {
	int			 fd;
	char			*name;
	unsigned		 flags;
	struct event		*rev, *wev;
	const struct ipc_chan_ops *ops;
	void			*arg;

	uint8_t			*rbuf;
	size_t			 rlen;
	int			 fds[IPC_MAX_FDS];
	int			 nfds;

	struct ipc_obuf		*ohead, **otail;
	size_t			 queued, max_queue;
	int			 full;

	int			 dispatching;
	int			 freed;
	int			 dead;
};

void
ipc_hdr_encode(uint8_t out[IPC_HDR_LEN], uint32_t type, uint32_t payload_len,
    uint32_t peerid, int has_fd)
{
	uint32_t h[4];

	h[0] = type;
	h[1] = (IPC_HDR_LEN + payload_len) | (has_fd ? IPC_FD_MARK : 0);
	h[2] = peerid;
	h[3] = (uint32_t)getpid();
	memcpy(out, h, IPC_HDR_LEN);
}

int
ipc_hdr_parse(const uint8_t *buf, size_t len, size_t max_payload,
    struct ipc_hdr *hdr)
{
	uint32_t h[4];

	if (len < IPC_HDR_LEN)
		return 0;
	memcpy(h, buf, IPC_HDR_LEN);
	hdr->type = h[0];
	hdr->has_fd = (h[1] & IPC_FD_MARK) != 0;
	hdr->len = h[1] & ~IPC_FD_MARK;
	hdr->peerid = h[2];
	hdr->pid = h[3];
	if (hdr->len < IPC_HDR_LEN || hdr->len - IPC_HDR_LEN > max_payload)
		return -1;
	return len >= hdr->len ? 1 : 0;
}

static void	ipc_read_cb(evutil_socket_t, short, void *);
static void	ipc_write_cb(evutil_socket_t, short, void *);

struct ipc_chan *
ipc_chan_new(struct event_base *base, int fd, const char *name,
    unsigned flags, size_t max_queue, const struct ipc_chan_ops *ops,
    void *arg)
{
	struct ipc_chan *c = xcalloc(1, sizeof(*c));

	c->fd = fd;
	c->name = xstrdup(name);
	c->flags = flags;
	c->ops = ops;
	c->arg = arg;
	c->rbuf = xmalloc(IPC_RBUF_SIZE);
	c->otail = &c->ohead;
	c->max_queue = max_queue;
	fd_set_nonblock(fd);
	c->rev = event_new(base, fd, EV_READ | EV_PERSIST, ipc_read_cb, c);
	c->wev = event_new(base, fd, EV_WRITE, ipc_write_cb, c);
	if (c->rev == NULL || c->wev == NULL)
		fatalx("ipc %s: cannot create events", name);
	event_add(c->rev, NULL);
	return c;
}

static void
ipc_chan_destroy(struct ipc_chan *c)
{
	struct ipc_obuf *b, *next;
	int i;

	event_free(c->rev);
	event_free(c->wev);
	for (b = c->ohead; b != NULL; b = next) {
		next = b->next;
		if (b->fd != -1)
			close(b->fd);
		free(b);
	}
	for (i = 0; i < c->nfds; i++)
		close(c->fds[i]);
	close(c->fd);
	free(c->rbuf);
	free(c->name);
	free(c);
}

void
ipc_chan_free(struct ipc_chan *c)
{
	if (c == NULL)
		return;
	if (c->dispatching) {
		/* Freed from inside one of our callbacks: finish there. */
		c->freed = 1;
		event_del(c->rev);
		event_del(c->wev);
		return;
	}
	ipc_chan_destroy(c);
}

const char *
ipc_chan_name(const struct ipc_chan *c)
{
	return c->name;
}

void *
ipc_chan_arg(const struct ipc_chan *c)
{
	return c->arg;
}

size_t
ipc_chan_queued(const struct ipc_chan *c)
{
	return c->queued;
}

/* Reports the channel dead once; the owner frees it. */
static void
ipc_fail(struct ipc_chan *c, const char *why)
{
	if (c->dead)
		return;
	c->dead = 1;
	event_del(c->rev);
	event_del(c->wev);
	c->ops->closed(c, why, c->arg);
}

int
ipc_sendv(struct ipc_chan *c, uint32_t type, uint32_t peerid, int fd,
    const struct iovec *iov, int iovcnt)
{
	struct ipc_obuf *b;
	size_t len = 0, off;
	int i;

	if (c->dead || c->freed) {
		errno = EPIPE;
		return -1;
	}
	if (fd != -1 && !(c->flags & IPC_F_FDPASS)) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < iovcnt; i++)
		len += iov[i].iov_len;
	if (len > IPC_MAX_PAYLOAD) {
		errno = EMSGSIZE;
		return -1;
	}
	if (c->queued + IPC_HDR_LEN + len > c->max_queue) {
		c->full = 1;
		errno = ENOBUFS;
		return -1;
	}
	b = xmalloc(sizeof(*b) + IPC_HDR_LEN + len);
	b->next = NULL;
	b->type = type;
	b->peerid = peerid;
	b->fd = fd;
	b->len = IPC_HDR_LEN + len;
	b->off = 0;
	ipc_hdr_encode(b->data, type, (uint32_t)len, peerid, fd != -1);
	for (off = IPC_HDR_LEN, i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > 0)
			memcpy(b->data + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	*c->otail = b;
	c->otail = &b->next;
	c->queued += b->len;
	event_add(c->wev, NULL);
	return 0;
}

int
ipc_send(struct ipc_chan *c, uint32_t type, uint32_t peerid, int fd,
    const void *data, size_t len)
{
	struct iovec iov;

	iov.iov_base = (void *)(uintptr_t)data;
	iov.iov_len = len;
	return ipc_sendv(c, type, peerid, fd, &iov, len > 0 ? 1 : 0);
}

/* Removes the first queued buffer. */
static void
ipc_pop(struct ipc_chan *c)
{
	struct ipc_obuf *b = c->ohead;

	c->ohead = b->next;
	if (c->ohead == NULL)
		c->otail = &c->ohead;
	c->queued -= b->len - b->off;
	if (b->fd != -1)
		close(b->fd);
	free(b);
}

/* One sendmsg: an fd-carrying buffer is only ever first in a batch. */
static int
ipc_write_once(struct ipc_chan *c)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
	struct iovec iov[IPC_IOV_MAX];
	struct msghdr msg;
	struct ipc_obuf *b;
	struct cmsghdr *cm;
	ssize_t n;
	int niov = 0, sendfd = -1;

	for (b = c->ohead; b != NULL && niov < IPC_IOV_MAX; b = b->next) {
		if (b->fd != -1 && niov > 0)
			break;
		if (b->fd != -1 && b->off == 0)
			sendfd = b->fd;
		iov[niov].iov_base = b->data + b->off;
		iov[niov].iov_len = b->len - b->off;
		niov++;
	}
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = (size_t)niov;
	if (sendfd != -1) {
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		msg.msg_control = cmsgbuf.buf;
		msg.msg_controllen = sizeof(cmsgbuf.buf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(cm), &sendfd, sizeof(int));
	}
	n = sendmsg(c->fd, &msg, MSG_NOSIGNAL);
	if (n == -1)
		return -1;
	if (sendfd != -1) {
		/* Sent with the first byte; ours is no longer needed. */
		close(sendfd);
		c->ohead->fd = -1;
	}
	while (n > 0) {
		b = c->ohead;
		if ((size_t)n < b->len - b->off) {
			b->off += (size_t)n;
			c->queued -= (size_t)n;
			break;
		}
		n -= (ssize_t)(b->len - b->off);
		c->queued -= b->len - b->off;
		b->off = b->len;
		ipc_pop(c);
	}
	return 0;
}

static void
ipc_write_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ipc_chan *c = arg;
	struct ipc_obuf *b;
	uint32_t type, peerid;
	int err;

	c->dispatching++;
	while (c->ohead != NULL && !c->freed && !c->dead) {
		if (ipc_write_once(c) == 0)
			continue;
		err = errno;
		if (err == EINTR)
			continue;
		if (err == EAGAIN || err == ENOBUFS)
			break;
		b = c->ohead;
		if (err == ETOOMANYREFS && b->fd != -1) {
			/* Drop only this hand-off; the channel is fine. */
			type = b->type;
			peerid = b->peerid;
			ipc_pop(c);
			if (c->ops->send_failed != NULL)
				c->ops->send_failed(c, type, peerid, err,
				    c->arg);
			continue;
		}
		ipc_fail(c, strerror(err));
	}
	if (!c->freed && !c->dead) {
		if (c->ohead != NULL)
			event_add(c->wev, NULL);
		if (c->full && c->queued <= c->max_queue / 2) {
			c->full = 0;
			if (c->ops->drained != NULL)
				c->ops->drained(c, c->arg);
		}
	}
	c->dispatching--;
	if (c->freed && c->dispatching == 0)
		ipc_chan_destroy(c);
	(void)fd;
	(void)ev;
}

/* Moves the fds of one control message into the FIFO. */
static int
ipc_take_cmsg_fds(struct ipc_chan *c, struct msghdr *msg, const char **why)
{
	struct cmsghdr *cm;
	int bad = 0;

	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		int *fds = (int *)(void *)CMSG_DATA(cm);
		size_t i, n;

		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, &fds[i], sizeof(int));
			if (!(c->flags & IPC_F_FDPASS) ||
			    c->nfds == IPC_MAX_FDS) {
				close(fd);
				bad = 1;
				continue;
			}
			c->fds[c->nfds++] = fd;
		}
	}
	if (bad)
		*why = "unexpected descriptor received";
	return bad ? -1 : 0;
}

static int
ipc_read_once(struct ipc_chan *c, const char **why)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(IPC_MAX_FDS * sizeof(int))];
	} cmsgbuf;
	struct msghdr msg;
	struct iovec iov;
	ssize_t n;

	iov.iov_base = c->rbuf + c->rlen;
	iov.iov_len = IPC_RBUF_SIZE - c->rlen;
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);
	n = recvmsg(c->fd, &msg, MSG_CMSG_CLOEXEC);
	if (n == -1) {
		if (errno == EINTR || errno == EAGAIN)
			return 1;
		*why = strerror(errno);
		return -1;
	}
	if (ipc_take_cmsg_fds(c, &msg, why) == -1)
		return -1;
	if (msg.msg_flags & MSG_CTRUNC) {
		/* The kernel dropped a descriptor: a hand-off was lost. */
		*why = "descriptor lost in transit (MSG_CTRUNC)";
		return -1;
	}
	if (n == 0) {
		*why = "connection closed";
		return -1;
	}
	c->rlen += (size_t)n;
	return 0;
}

/* Hands every complete message in the buffer to the owner. */
static int
ipc_dispatch(struct ipc_chan *c, const char **why)
{
	struct ipc_hdr hdr;
	struct ipc_msg m;
	size_t off = 0;
	int rc;

	while (!c->freed && !c->dead) {
		rc = ipc_hdr_parse(c->rbuf + off, c->rlen - off,
		    IPC_MAX_PAYLOAD, &hdr);
		if (rc == 0)
			break;
		if (rc == -1) {
			*why = "malformed message header";
			return -1;
		}
		m.type = hdr.type;
		m.peerid = hdr.peerid;
		m.pid = hdr.pid;
		m.data = c->rbuf + off + IPC_HDR_LEN;
		m.len = hdr.len - IPC_HDR_LEN;
		m.fd = -1;
		if (hdr.has_fd) {
			if (c->nfds == 0) {
				*why = "message announces a descriptor that "
				    "did not arrive";
				return -1;
			}
			m.fd = c->fds[0];
			memmove(c->fds, c->fds + 1,
			    (size_t)--c->nfds * sizeof(int));
		}
		off += hdr.len;
		c->ops->msg(c, &m, c->arg);
		if (m.fd != -1)
			close(m.fd);
	}
	if (c->freed || c->dead)
		return 0;
	if (off > 0) {
		memmove(c->rbuf, c->rbuf + off, c->rlen - off);
		c->rlen -= off;
	}
	if (c->nfds > 0 && c->rlen == 0) {
		*why = "descriptor without a message";
		return -1;
	}
	return 0;
}

static void
ipc_read_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ipc_chan *c = arg;
	const char *why = NULL;
	int rc;

	c->dispatching++;
	rc = ipc_read_once(c, &why);
	if (rc == 0)
		rc = ipc_dispatch(c, &why);
	if (rc == -1 && !c->freed)
		ipc_fail(c, why);
	c->dispatching--;
	if (c->freed && c->dispatching == 0)
		ipc_chan_destroy(c);
	(void)fd;
	(void)ev;
}

int
ipc_msg_take_fd(struct ipc_msg *m)
{
	int fd = m->fd;

	m->fd = -1;
	return fd;
}

int
ipc_msg_get(const struct ipc_msg *m, void *out, size_t len)
{
	if (m->len != len)
		return -1;
	memcpy(out, m->data, len);
	return 0;
}

/* Waits for fd to become ready for events within the deadline. */
static int
ipc_wait(int fd, short events, uint64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int timeout, rc;

	for (;;) {
		if (deadline == 0)
			timeout = -1;
		else {
			uint64_t now = now_ms();

			timeout = now >= deadline ? 0 : (int)(deadline - now);
		}
		rc = poll(&pfd, 1, timeout);
		if (rc > 0)
			return 0;
		if (rc == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR)
			return -1;
	}
}

int
ipc_send_sync(int fd, uint32_t type, uint32_t peerid, const void *data,
    size_t len, int timeout_ms)
{
	uint64_t deadline = timeout_ms < 0 ? 0 : now_ms() + (uint64_t)timeout_ms;
	uint8_t hdr[IPC_HDR_LEN];
	struct iovec iov[2];
	size_t total, done = 0;
	ssize_t n;

	if (len > IPC_MAX_PAYLOAD) {
		errno = EMSGSIZE;
		return -1;
	}
	ipc_hdr_encode(hdr, type, (uint32_t)len, peerid, 0);
	total = IPC_HDR_LEN + len;
	while (done < total) {
		int k = 0;

		if (done < IPC_HDR_LEN) {
			iov[k].iov_base = hdr + done;
			iov[k++].iov_len = IPC_HDR_LEN - done;
		}
		if (len > 0) {
			size_t doff = done > IPC_HDR_LEN ? done - IPC_HDR_LEN : 0;

			iov[k].iov_base = (uint8_t *)(uintptr_t)data + doff;
			iov[k++].iov_len = len - doff;
		}
		n = writev(fd, iov, k);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN && ipc_wait(fd, POLLOUT,
			    deadline) == 0)
				continue;
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}

/* Reads exactly len bytes before the deadline. */
static int
ipc_read_full(int fd, void *buf, size_t len, uint64_t deadline)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		if (ipc_wait(fd, POLLIN, deadline) == -1)
			return -1;
		n = read(fd, (uint8_t *)buf + done, len - done);
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = ECONNRESET;
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}

int
ipc_recv_sync(int fd, struct ipc_hdr *hdr, void *buf, size_t buflen,
    int timeout_ms)
{
	uint64_t deadline = timeout_ms < 0 ? 0 : now_ms() + (uint64_t)timeout_ms;
	uint8_t raw[IPC_HDR_LEN];
	size_t plen;

	if (ipc_read_full(fd, raw, sizeof(raw), deadline) == -1)
		return -1;
	if (ipc_hdr_parse(raw, sizeof(raw), IPC_MAX_PAYLOAD, hdr) == -1 ||
	    hdr->has_fd) {
		errno = EBADMSG;
		return -1;
	}
	plen = hdr->len - IPC_HDR_LEN;
	if (plen > buflen) {
		errno = EMSGSIZE;
		return -1;
	}
	if (ipc_read_full(fd, buf, plen, deadline) == -1)
		return -1;
	return (int)plen;
}
