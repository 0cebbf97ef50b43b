/*
 * server.c - ssd-api's HTTP/1.1 connections: accept within the global and
 * per-address limits, read a request head and body under their size and
 * time limits, hand it to routes.c, write the answer, keep-alive and
 * pipelining (one request at a time per connection), detaching a
 * connection for a hand-off, and streams: answers that stay open and are
 * written to later (Server-Sent Events), bounded by their owner.
 * Parsing itself is common/http.c.
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "addrcount.h"
#include "api.h"
#include "conf.h"
#include "db.h"
#include "handoff.h"
#include "log.h"
#include "util.h"
#include "webhost.h"
#include "worker.h"

/*
 * Closing with unread request bytes makes the kernel send RST, which can
 * destroy the answer before the client reads it: shut down our side and
 * read (and drop) what still comes, for a short while, then close.
 */
#define SERVER_LINGER_MS	2000
#define SERVER_LINGER_BYTES	(4 * 1024 * 1024)

enum conn_state { CONN_HEAD, CONN_BODY, CONN_BUSY, CONN_STREAM };

struct conn {
	struct bufferevent	*bev;
	int			 fd;
	char			 peer[64];	/* "addr:port" */
	struct addr_count	*ac;
	enum conn_state		 state;
	struct event		*timer;
	char			*head;		/* copy of the request head */
	struct http_request	 req;
	struct http_chunked	 chunked;
	uint8_t			*body;
	size_t			 body_len, body_cap;
	int			 close_after;
	int			 head_started;	/* header clock running */
	int			 in_process;	/* inside conn_process */
	int			 detached;	/* handed off: free, keep fd */
	int			 metrics_only;	/* from metrics_listen */
	size_t			 lingered;	/* bytes dropped while closing */
	/* A stream: who to tell when the client goes. */
	void			(*gone)(void *);
	void			*gone_arg;
	LIST_ENTRY(conn)	 streams;
	struct request		 r;
};

static struct {
	struct evconnlistener	*listener;
	struct evconnlistener	*mlistener;	/* metrics_listen */
	unsigned		 nconns;
	int			 paused;
	uint64_t		 max_head, max_body;
	uint64_t		 header_ms, body_ms, idle_ms, write_ms;
	int64_t			 max_conns, max_per_addr;
	struct netlist		 trusted;
	LIST_HEAD(, conn)	 streams;
} srv;

static void	conn_process(struct conn *);
static void	server_listeners_enable(int on);
static void	conn_process_requests(struct conn *);
static void	conn_event_cb(struct bufferevent *, short, void *);

void
server_configure(const struct conf *c)
{
	srv.max_head = conf_size(c, S_HTTP_MAX_HEADER_SIZE);
	srv.max_body = conf_size(c, S_HTTP_MAX_BODY_SIZE);
	srv.header_ms = conf_ms(c, S_HTTP_HEADER_TIMEOUT);
	srv.body_ms = conf_ms(c, S_HTTP_BODY_TIMEOUT);
	srv.idle_ms = conf_ms(c, S_HTTP_IDLE_TIMEOUT);
	srv.write_ms = conf_ms(c, S_HTTP_WRITE_TIMEOUT);
	srv.max_conns = conf_int(c, S_HTTP_MAX_CONNECTIONS);
	srv.max_per_addr = conf_int(c, S_HTTP_MAX_PER_ADDRESS);
	/* conf_check has parsed it already: an error is not possible here. */
	(void)netlist_parse(&srv.trusted, conf_str(c, S_TRUSTED_PROXIES), NULL,
	    0);
}

/*
 * Who sent the request: the TCP peer, unless that is a trusted proxy
 * with X-Forwarded-For, whose headers are read from the last one back.
 */
static void
request_client(struct conn *c)
{
	struct request *r = &c->r;
	const struct http_header *h;
	size_t i;

	ssd_strlcpy(r->client, c->ac->addr, sizeof(r->client));
	for (i = c->req.nheaders; i > 0; i--) {
		h = &c->req.headers[i - 1];
		if (h->name_len == 15 &&
		    strncasecmp(h->name, "X-Forwarded-For", 15) == 0 &&
		    !netlist_forwarded(&srv.trusted, h->value, h->value_len,
		    r->client))
			break;
	}
	if (strcmp(r->client, c->ac->addr) == 0)
		ssd_strlcpy(r->who, c->peer, sizeof(r->who));
	else
		snprintf(r->who, sizeof(r->who), "%s via %s", r->client,
		    c->peer);
}

static void
conn_timer_set(struct conn *c, uint64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000),
	    (suseconds_t)(ms % 1000) * 1000 };

	evtimer_add(c->timer, &tv);
}

static void
conn_reset_request(struct conn *c)
{
	if (c->r.pending != NULL)
		db_req_cancel(c->r.pending);
	if (c->r.hashing != NULL)
		hashpool_cancel(c->r.hashing);
	if (c->r.ctx_free != NULL && c->r.ctx != NULL)
		c->r.ctx_free(c->r.ctx);
	free(c->r.ctx);
	free(c->head);
	c->head = NULL;
	free(c->body);
	c->body = NULL;
	c->body_len = c->body_cap = 0;
	memset(&c->r, 0, sizeof(c->r));
	memset(&c->req, 0, sizeof(c->req));
}

/* Forgets the connection; closes the socket unless it was detached. */
static void
conn_free(struct conn *c, int close_fd)
{
	if (c->state == CONN_STREAM) {
		LIST_REMOVE(c, streams);
		if (c->gone != NULL)
			c->gone(c->gone_arg);
	}
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	if (close_fd && c->fd != -1)
		close(c->fd);
	event_free(c->timer);
	conn_reset_request(c);
	addr_release(c->ac);
	free(c);
	srv.nconns--;
	if (srv.paused && (int64_t)srv.nconns < srv.max_conns) {
		srv.paused = 0;
		server_listeners_enable(1);
	}
	server_exit_if_done();
}

static void
conn_timeout_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct conn *c = arg;

	if (c->state == CONN_HEAD && evbuffer_get_length(
	    bufferevent_get_input(c->bev)) == 0) {
		log_debug("%s: idle, closing", c->peer);
		conn_free(c, 1);
		return;
	}
	log_info("%s: request not complete in time, closing", c->peer);
	conn_free(c, 1);
}

static void
conn_linger_read_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	c->lingered += evbuffer_get_length(in);
	evbuffer_drain(in, evbuffer_get_length(in));
	if (c->lingered > SERVER_LINGER_BYTES)
		conn_free(c, 1);
}

static void
conn_linger_timeout_cb(evutil_socket_t fd, short ev, void *arg)
{
	conn_free(arg, 1);
}

/* The answer is out: half-close, drain, then close (see above). */
static void
conn_linger(struct conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);

	evbuffer_drain(in, evbuffer_get_length(in));
	if (shutdown(c->fd, SHUT_WR) == -1) {
		conn_free(c, 1);
		return;
	}
	event_free(c->timer);
	c->timer = evtimer_new(worker_base(), conn_linger_timeout_cb, c);
	conn_timer_set(c, SERVER_LINGER_MS);
	bufferevent_setwatermark(c->bev, EV_READ, 0, 0);
	bufferevent_setcb(c->bev, conn_linger_read_cb, NULL, conn_event_cb, c);
	bufferevent_enable(c->bev, EV_READ);
}

static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	if (c->state == CONN_STREAM ||
	    evbuffer_get_length(bufferevent_get_output(bev)) > 0)
		return;
	if (c->close_after) {
		conn_linger(c);
		return;
	}
	if (c->state == CONN_HEAD)
		conn_process(c);
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	if (what & BEV_EVENT_TIMEOUT)
		log_info("%s: not reading our answer, closing", c->peer);
	else if ((what & BEV_EVENT_ERROR) && errno != ECONNRESET &&
	    errno != EPIPE)
		log_debug("%s: %s", c->peer, strerror(errno));
	conn_free(c, 1);
}

const char *
server_peer(const struct request *r)
{
	return r->who[0] != '\0' ? r->who : r->conn->peer;
}

const char *
server_addr(const struct request *r)
{
	return r->client[0] != '\0' ? r->client : r->conn->ac->addr;
}

const char *
server_conn_addr(const struct request *r)
{
	return r->conn->ac->addr;
}

unsigned
server_conn_count(void)
{
	return srv.nconns;
}

void
server_reply(struct request *r, int status, const char *ctype,
    const void *body, size_t len)
{
	struct conn *c = r->conn;
	struct evbuffer *out = bufferevent_get_output(c->bev);
	int head_only = c->req.method == HTTP_M_HEAD;

	if (status >= 400 && c->state != CONN_BUSY)
		c->close_after = 1;	/* the request was not read fully */
	if (!c->req.keep_alive || worker_shutting_down())
		c->close_after = 1;
	log_debug("%s: %s %s -> %d", c->peer, c->req.method_str,
	    r->path[0] ? r->path : "-", status);
	apim_reply(r, status);
	if (r->audit)
		audit_request(r, status);
	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\n", status,
	    http_status_text(status));
	/* A 304 has no body and describes the one the client holds. */
	if (status != 304)
		evbuffer_add_printf(out, "Content-Type: %s\r\n"
		    "Content-Length: %zu\r\n", ctype, len);
	evbuffer_add_printf(out, "Cache-Control: %s\r\n"
	    "X-Content-Type-Options: nosniff\r\n%s%s\r\n",
	    r->cache_control ? r->cache_control : "no-store",
	    r->extra_headers ? r->extra_headers : "",
	    c->close_after ? "Connection: close\r\n" : "");
	if (!head_only && len > 0 && status != 304)
		evbuffer_add(out, body, len);
	conn_reset_request(c);
	c->state = CONN_HEAD;
	c->head_started = 0;
	conn_timer_set(c, srv.idle_ms);
	if (c->close_after)
		bufferevent_disable(c->bev, EV_READ);
	bufferevent_enable(c->bev, EV_WRITE);
}

int
server_detach(struct request *r, const uint8_t **tail, size_t *tail_len,
    size_t max_tail)
{
	static uint8_t buf[HANDOFF_TAIL_MAX];
	struct conn *c = r->conn;
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t head = r->handoff_head_len, n = evbuffer_get_length(in) + head;
	int fd = c->fd;

	if (n > max_tail || n > sizeof(buf))
		return -1;
	if (head > 0)
		memcpy(buf, r->handoff_head, head);
	evbuffer_remove(in, buf + head, n - head);
	*tail = buf;
	*tail_len = n;
	bufferevent_free(c->bev);
	c->bev = NULL;
	c->fd = -1;
	evtimer_del(c->timer);
	if (c->in_process)
		c->detached = 1;	/* conn_process frees it */
	else
		conn_free(c, 0);
	return fd;
}

/* A stream's client may not send anything that matters: dropped. */
static void
conn_stream_read_cb(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);

	evbuffer_drain(in, evbuffer_get_length(in));
}

struct conn *
server_stream_open(struct request *r, const char *ctype,
    void (*gone)(void *), void *arg)
{
	struct conn *c = r->conn;

	log_debug("%s: %s %s -> 200 (stream)", c->peer, c->req.method_str,
	    r->path);
	/* No length: the body ends when the connection does. */
	evbuffer_add_printf(bufferevent_get_output(c->bev), "HTTP/1.1 200 OK\r\n"
	    "Content-Type: %s\r\nCache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\nX-Accel-Buffering: no\r\n"
	    "Connection: close\r\n\r\n", ctype);
	conn_reset_request(c);
	evtimer_del(c->timer);
	c->state = CONN_STREAM;
	c->close_after = 1;
	c->gone = gone;
	c->gone_arg = arg;
	LIST_INSERT_HEAD(&srv.streams, c, streams);
	bufferevent_setcb(c->bev, conn_stream_read_cb, conn_write_cb,
	    conn_event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	return c;
}

int
server_stream_write(struct conn *c, const void *data, size_t len,
    size_t max_queued)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	/* Before judging the client, give the kernel what it takes now. */
	if (evbuffer_get_length(out) + len > max_queued &&
	    evbuffer_get_length(out) > 0)
		(void)evbuffer_write(out, c->fd);
	if (evbuffer_get_length(out) + len > max_queued)
		return -1;
	evbuffer_add(out, data, len);
	return 0;
}

size_t
server_stream_queued(const struct conn *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev));
}

/* The owner ends it: no call back. */
void
server_stream_close(struct conn *c)
{
	c->gone = NULL;
	conn_free(c, 1);
}

static void
conn_fail(struct conn *c, int status)
{
	c->r.conn = c;
	c->close_after = 1;
	server_reply_error(&c->r, status, http_status_text(status));
}

/* The request is c's to answer: -1 when its path is malformed (400). */
static int
conn_request(struct conn *c)
{
	evtimer_del(c->timer);
	c->state = CONN_BUSY;
	c->r.conn = c;
	c->r.http = &c->req;
	c->r.body = c->body;
	c->r.body_len = c->body_len;
	c->r.started_us = now_usec();
	request_client(c);
	if (http_path_decode(c->req.path, c->req.path_len, c->r.path,
	    sizeof(c->r.path)) == -1) {
		c->r.path[0] = '\0';
		server_reply_error(&c->r, 400, "malformed path");
		return -1;
	}
	return 0;
}

static void
conn_dispatch(struct conn *c)
{
	if (conn_request(c) != 0)
		return;
	if (c->metrics_only)
		metrics_listener_dispatch(&c->r);
	else
		routes_dispatch(&c->r);
}

/*
 * A head for a web-streamed session's host: answered or handed off
 * before its body, which is the session's (its connection is not read
 * again here, and closes after an answer).  0 for any other host.
 */
static int
conn_session_host(struct conn *c)
{
	char label[WEBHOST_LABEL_MAX + 1];
	int match;

	if (c->metrics_only ||
	    (match = websession_match(&c->req, label)) == 0)
		return 0;
	bufferevent_disable(c->bev, EV_READ);
	c->close_after = 1;
	if (conn_request(c) == 0)
		websession_dispatch(&c->r, match, label);
	return 1;
}

static int
conn_body_grow(struct conn *c, size_t need)
{
	if (need > srv.max_body)
		return -1;
	if (need > c->body_cap) {
		c->body_cap = need < 4096 ? 4096 : need;
		c->body = xrealloc(c->body, c->body_cap);
	}
	return 0;
}

/* Reads body bytes; 1 when the body is complete. */
static int
conn_read_body(struct conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t avail = evbuffer_get_length(in), want, used, made;
	uint8_t *p;
	int rc;

	if (!c->req.chunked) {
		if (c->req.content_length <= 0)
			return 1;
		want = (size_t)c->req.content_length - c->body_len;
		if (want > avail)
			want = avail;
		evbuffer_remove(in, c->body + c->body_len, want);
		c->body_len += want;
		return c->body_len == (size_t)c->req.content_length;
	}
	while (avail > 0) {
		p = evbuffer_pullup(in, (ssize_t)avail);
		if (conn_body_grow(c, c->body_len + 16384 > srv.max_body ?
		    srv.max_body : c->body_len + 16384) == -1)
			return -413;
		rc = http_chunked_decode(&c->chunked, p, avail, &used,
		    c->body + c->body_len, c->body_cap - c->body_len, &made);
		evbuffer_drain(in, used);
		c->body_len += made;
		avail -= used;
		if (rc != 0)
			return rc;
		if (used == 0 && made == 0)
			break;
	}
	return 0;
}

static int
conn_read_head(struct conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t avail = evbuffer_get_length(in);
	size_t len = avail < srv.max_head ? avail : srv.max_head;
	const char *p;
	int rc;

	if (avail == 0)
		return 0;
	p = (const char *)evbuffer_pullup(in, (ssize_t)len);
	rc = http_parse_head(p, len, srv.max_head, &c->req);
	if (rc <= 0)
		return rc;
	/* Keep the head where the parsed pointers stay valid. */
	c->head = xmalloc(c->req.head_len);
	evbuffer_remove(in, c->head, c->req.head_len);
	rc = http_parse_head(c->head, c->req.head_len, srv.max_head, &c->req);
	if (rc != 1)
		fatalx("request head changed when copied");
	return 1;
}

/* Starts reading a body, or -STATUS when it cannot be taken. */
static int
conn_begin_body(struct conn *c)
{
	if (c->req.chunked) {
		http_chunked_init(&c->chunked, srv.max_body);
		return 0;
	}
	if (c->req.content_length <= 0)
		return 0;
	if ((uint64_t)c->req.content_length > srv.max_body)
		return -413;
	conn_body_grow(c, (size_t)c->req.content_length);
	return 0;
}

static void
conn_process(struct conn *c)
{
	c->in_process = 1;
	conn_process_requests(c);
	c->in_process = 0;
	if (c->detached)
		conn_free(c, 0);
}

static void
conn_process_requests(struct conn *c)
{
	int rc;

	/*
	 * A pipelined request waits until the answers before it are
	 * written: it may hand the connection off, and what is still
	 * queued here would be lost with it (conn_write_cb goes on).
	 */
	while (c->state != CONN_BUSY && !c->close_after &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
		if (c->state == CONN_HEAD) {
			if ((rc = conn_read_head(c)) == 0)
				return;
			if (rc == 1 && conn_session_host(c))
				return;
			if (rc < 0 || (rc = conn_begin_body(c)) < 0) {
				conn_fail(c, -rc);
				return;
			}
			c->state = CONN_BODY;
			conn_timer_set(c, srv.body_ms);
		}
		if ((rc = conn_read_body(c)) == 0)
			return;
		if (rc < 0) {
			conn_fail(c, -rc);
			return;
		}
		conn_dispatch(c);
		if (c->detached)
			return;
	}
}

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	/* The header clock starts with the first byte of a request. */
	if (c->state == CONN_HEAD && !c->head_started) {
		c->head_started = 1;
		conn_timer_set(c, srv.header_ms);
	}
	conn_process(c);
}

static void
server_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	char addr[INET6_ADDRSTRLEN] = "?", key[NETLIST_ADDR_MAX];
	struct timeval wtv;
	struct addr_count *ac;
	struct conn *c;
	int port = 0, on = 1;

	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr,
		    addr, sizeof(addr));
		port = ntohs(((struct sockaddr_in *)sa)->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)sa)->sin6_addr,
		    addr, sizeof(addr));
		port = ntohs(((struct sockaddr_in6 *)sa)->sin6_port);
	}
	netlist_addr_key(addr, key);
	if (worker_shutting_down() || (ac = addr_take(key, srv.max_per_addr)) == NULL) {
		log_info("%s: too many connections from this address, "
		    "refused", addr);
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	c->ac = ac;
	c->metrics_only = l == srv.mlistener;
	snprintf(c->peer, sizeof(c->peer), "%s:%d", addr, port);
	c->bev = bufferevent_socket_new(worker_base(), fd, 0);
	c->timer = evtimer_new(worker_base(), conn_timeout_cb, c);
	if (c->bev == NULL || c->timer == NULL)
		fatalx("out of memory for a connection");
	srv.nconns++;
	wtv.tv_sec = (time_t)(srv.write_ms / 1000);
	wtv.tv_usec = (suseconds_t)(srv.write_ms % 1000) * 1000;
	bufferevent_set_timeouts(c->bev, NULL, &wtv);
	bufferevent_setwatermark(c->bev, EV_READ, 0, srv.max_head +
	    HANDOFF_READ_AHEAD);
	bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb,
	    conn_event_cb, c);
	bufferevent_enable(c->bev, EV_READ);
	c->head_started = 1;
	conn_timer_set(c, srv.header_ms);
	if ((int64_t)srv.nconns >= srv.max_conns) {
		log_warnx("%u connections: not accepting more until one "
		    "closes", srv.nconns);
		srv.paused = 1;
		server_listeners_enable(0);
	}
}

static void
server_accept_error_cb(struct evconnlistener *l, void *arg)
{
	/* EMFILE and friends: the limits above should keep us clear. */
	log_warn("accept");
}

static void
server_listeners_enable(int on)
{
	struct evconnlistener *l[2] = { srv.listener, srv.mlistener };
	size_t i;

	for (i = 0; i < nitems(l); i++)
		if (l[i] != NULL && on)
			evconnlistener_enable(l[i]);
		else if (l[i] != NULL)
			evconnlistener_disable(l[i]);
}

static void
server_listen_on(struct evconnlistener **lp, int fd)
{
	if (*lp != NULL) {
		close(fd);
		return;
	}
	fd_set_nonblock(fd);
	/* Backlog 0: the master's listen() stands (-1 would make it 128). */
	*lp = evconnlistener_new(worker_base(), server_accept_cb, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (*lp == NULL)
		fatalx("cannot listen");
	evconnlistener_set_error_cb(*lp, server_accept_error_cb);
	if (srv.paused)
		evconnlistener_disable(*lp);
}

void
server_listen(int fd)
{
	server_listen_on(&srv.listener, fd);
}

/* metrics_listen: its connections get /metrics and nothing else. */
void
server_listen_metrics(int fd)
{
	server_listen_on(&srv.mlistener, fd);
}

/*
 * Stops accepting; open connections finish their current request, and
 * streams end now (their clients reconnect to another instance).
 */
void
server_shutdown(void)
{
	if (srv.listener != NULL) {
		evconnlistener_free(srv.listener);
		srv.listener = NULL;
	}
	while (!LIST_EMPTY(&srv.streams))
		conn_free(LIST_FIRST(&srv.streams), 1);
	if (srv.mlistener != NULL) {
		evconnlistener_free(srv.mlistener);
		srv.mlistener = NULL;
	}
	server_exit_if_done();
}

void
server_exit_if_done(void)
{
	if (worker_shutting_down() && srv.nconns == 0 && audit_pending() == 0)
		worker_exit(0);
}
