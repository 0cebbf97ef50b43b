/*
 * handoff.c - the hand-off record of handoff.h, and the small reply a
 * receiver can write on a handed-off socket.  Runs in the sandboxed relay
 * too: only I/O on descriptors already held, no allocation per byte.
 */
#include "config.h"

#include <sys/stat.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "handoff.h"
#include "ipc.h"
#include "log.h"
#include "peers.h"
#include "proto.h"
#include "util.h"

#define HANDOFF_REPLY_MS	5000

int
handoff_send(struct ipc_chan *c, uint32_t id, int fd, enum handoff_kind kind,
    const char *peer, const void *meta, size_t meta_len, const void *tail,
    size_t tail_len)
{
	struct handoff_hdr h;
	struct iovec iov[3];
	struct stat st;

	if (meta_len > HANDOFF_META_MAX || tail_len > HANDOFF_TAIL_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	if (fstat(fd, &st) == -1)
		return -1;
	memset(&h, 0, sizeof(h));
	h.kind = kind;
	h.meta_len = (uint32_t)meta_len;
	h.tail_len = (uint32_t)tail_len;
	h.ino = (uint64_t)st.st_ino;
	ssd_strlcpy(h.peer, peer, sizeof(h.peer));
	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = (void *)(uintptr_t)meta;
	iov[1].iov_len = meta_len;
	iov[2].iov_base = (void *)(uintptr_t)tail;
	iov[2].iov_len = tail_len;
	return ipc_sendv(c, IMSG_HANDOFF, id, fd, iov, 3);
}

int
handoff_recv(struct ipc_msg *m, struct handoff *h, const char **why)
{
	struct stat st;

	if (m->fd == -1) {
		*why = "no descriptor";
		return -1;
	}
	if (m->len < sizeof(h->hdr)) {
		*why = "short record";
		return -1;
	}
	memcpy(&h->hdr, m->data, sizeof(h->hdr));
	h->hdr.peer[sizeof(h->hdr.peer) - 1] = '\0';
	if (h->hdr.meta_len > HANDOFF_META_MAX ||
	    h->hdr.tail_len > HANDOFF_TAIL_MAX ||
	    m->len != sizeof(h->hdr) + h->hdr.meta_len + h->hdr.tail_len) {
		*why = "record sizes do not add up";
		return -1;
	}
	if (fstat(m->fd, &st) == -1 || (uint64_t)st.st_ino != h->hdr.ino ||
	    !S_ISSOCK(st.st_mode)) {
		*why = "descriptor is not the socket the record describes";
		return -1;
	}
	h->id = m->peerid;
	h->meta = m->data + sizeof(h->hdr);
	h->tail = h->meta + h->hdr.meta_len;
	h->fd = ipc_msg_take_fd(m);
	return 0;
}

void
handoff_ack(struct ipc_chan *c, uint32_t id)
{
	if (ipc_send(c, IMSG_HANDOFF_ACK, id, -1, NULL, 0) == -1)
		log_warn("hand-off %u: cannot acknowledge", id);
}

void
handoff_nack(struct ipc_chan *c, uint32_t id, const char *reason)
{
	if (ipc_send(c, IMSG_HANDOFF_NACK, id, -1, reason,
	    strlen(reason)) == -1)
		log_warn("hand-off %u: cannot refuse", id);
}

static void
handoff_reply_done(struct bufferevent *bev, void *arg)
{
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		bufferevent_free(bev);
}

static void
handoff_reply_event(struct bufferevent *bev, short what, void *arg)
{
	/* Timeout or error: the client is gone or not reading. */
	bufferevent_free(bev);
}

static const char *
handoff_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	default:
		return "Error";
	}
}

void
handoff_reply_http(struct event_base *base, int fd, int status,
    const char *json, unsigned timeout_ms)
{
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	struct bufferevent *bev;

	bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		close(fd);
		return;
	}
	evbuffer_add_printf(bufferevent_get_output(bev),
	    "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\nCache-Control: no-store\r\n"
	    "Connection: close\r\n\r\n%s", status, handoff_reason(status),
	    strlen(json), json);
	bufferevent_setcb(bev, NULL, handoff_reply_done, handoff_reply_event,
	    NULL);
	bufferevent_set_timeouts(bev, NULL, &tv);
	bufferevent_enable(bev, EV_WRITE);
}

void
handoff_reply_health(struct event_base *base, struct ipc_chan *c,
    struct handoff *h, const char *worker)
{
	char json[160];

	snprintf(json, sizeof(json), "{\"status\":\"healthy\",\"worker\":"
	    "\"%s\",\"pid\":%ld}", worker, (long)getpid());
	handoff_reply_http(base, h->fd, 200, json, HANDOFF_REPLY_MS);
	h->fd = -1;
	handoff_ack(c, h->id);
}

int
handoff_accept(struct event_base *base, struct peer *p, struct ipc_msg *m,
    int stopping, struct handoff *h)
{
	struct ipc_chan *c = p->chan;
	const char *why;

	if (m->type != IMSG_HANDOFF || p->kind != PROC_API) {
		log_warnx("%s: unexpected message type %u, closing the channel",
		    p->name, m->type);
		peers_drop(p, "protocol error");
		return 0;
	}
	if (handoff_recv(m, h, &why) == -1) {
		log_warnx("hand-off %u from %s refused: %s", m->peerid,
		    ipc_chan_name(c), why);
		handoff_nack(c, m->peerid, why);
		return 0;
	}
	if (h->hdr.kind == HANDOFF_HEALTH) {
		log_debug("hand-off %u: health check from %s", h->id,
		    h->hdr.peer);
		handoff_reply_health(base, c, h, log_name());
		return 0;
	}
	if (stopping) {
		handoff_refuse(base, c, h, "stopping");
		return 0;
	}
	return 1;
}

void
handoff_refuse(struct event_base *base, struct ipc_chan *c,
    struct handoff *h, const char *reason)
{
	char json[256];

	log_warnx("hand-off %u (kind %u, client %s) refused: %s", h->id,
	    h->hdr.kind, h->hdr.peer, reason);
	snprintf(json, sizeof(json), "{\"error\":\"unavailable\","
	    "\"message\":\"%s\"}", reason);
	handoff_reply_http(base, h->fd, 503, json, HANDOFF_REPLY_MS);
	h->fd = -1;
	handoff_nack(c, h->id, reason);
}

void
handoff_take_agent_link(struct event_base *base, struct ipc_chan *c,
    struct handoff *h, handoff_link_fn accept, const char *what)
{
	struct handoff_agent a;
	char why[64];

	if (handoff_agent_meta(h, &a) == -1) {
		snprintf(why, sizeof(why), "malformed %s hand-off", what);
		handoff_refuse(base, c, h, why);
		return;
	}
	accept(h->fd, a.agent_id, a.accept, h->hdr.peer, h->tail,
	    h->hdr.tail_len);
	h->fd = -1;
	handoff_ack(c, h->id);
}

unsigned
handoff_relay_for(const char *agent_id, unsigned nrelays)
{
	return nrelays == 0 ? 0 : fnv1a(agent_id) % nrelays;
}

int
handoff_agent_meta(const struct handoff *h, struct handoff_agent *a)
{
	if (h->hdr.meta_len != sizeof(*a))
		return -1;
	memcpy(a, h->meta, sizeof(*a));
	a->agent_id[sizeof(a->agent_id) - 1] = '\0';
	a->accept[sizeof(a->accept) - 1] = '\0';
	return 0;
}

int
handoff_viewer_meta(const struct handoff *h, struct handoff_viewer *v)
{
	if (h->hdr.meta_len != sizeof(*v))
		return -1;
	memcpy(v, h->meta, sizeof(*v));
	v->session_id[sizeof(v->session_id) - 1] = '\0';
	v->agent_id[sizeof(v->agent_id) - 1] = '\0';
	v->user[sizeof(v->user) - 1] = '\0';
	v->accept[sizeof(v->accept) - 1] = '\0';
	v->protocol[sizeof(v->protocol) - 1] = '\0';
	return 0;
}

int
handoff_web_meta(const struct handoff *h, struct handoff_web *w)
{
	if (h->hdr.meta_len != sizeof(*w))
		return -1;
	memcpy(w, h->meta, sizeof(*w));
	w->session_id[sizeof(w->session_id) - 1] = '\0';
	w->agent_id[sizeof(w->agent_id) - 1] = '\0';
	w->user[sizeof(w->user) - 1] = '\0';
	return w->port >= 1 && w->port <= 65535 ? 0 : -1;
}
