/*
 * datalink.c - the agent's data links to the control plane's relays: a
 * WebSocket (ssd-mux.v1, common/mux.h) per link on which the relay opens
 * streams to sessions' VNC endpoints (MUX_TARGET_VNC) or to a port of
 * their pods (MUX_TARGET_PORT: web-streamed desktops).  Each stream is pumped between the
 * link and a socket from cluster_vnc_open(), within the credit windows
 * of the mux protocol: a slow side stops only its own stream.  Links are
 * dialled again forever, with full-jitter back-off.
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "agent.h"
#include "bevio.h"
#include "cluster.h"
#include "dial.h"
#include "log.h"
#include "mux.h"
#include "util.h"
#include "wsconn.h"

#define DL_WINDOW_INITIAL	(256 * 1024)
#define DL_WINDOW_MAX		(4 * 1024 * 1024)
#define DL_LINK_BUFFER_MAX	(256ULL * 1024 * 1024)
#define DL_LINK_OUTPUT_MAX	(8 * 1024 * 1024)	/* then sockets wait */
#define DL_SOCK_READ_MAX	(4 * MUX_DATA_MAX)	/* socket input held */
#define DL_SOCK_WRITE_MAX	(256 * 1024)		/* written per event */
#define DL_OPEN_TIMEOUT_MS	10000
#define DL_BACKOFF_BASE_MS	500
#define DL_SPLICE_BURST		16	/* frames a wakeup: then other streams */
#define DL_QUIET_READ		4096	/* a quiet stream's read, copied */

struct dl_stream {
	TAILQ_ENTRY(dl_stream)	 entry;
	struct dl_link		*link;
	struct mux_stream	 mux;
	char			 session[MUX_SESSION_ID_MAX + 1];
	struct cluster_vnc	*opening;
	struct bufferevent	*sock;
	/* Spliced streams (dl_pump_spliced): sock only writes. */
	struct event		*readable;
	int			 parked;	/* waits for credit or link */
	int			 quiet;		/* last wakeup: little to move */
	size_t			 in_socket;	/* DATA bytes not yet written */
	int			 eof;		/* the socket said EOF */
	int			 fin_sent, fin_got;
};

struct dl_link {
	TAILQ_HEAD(, dl_stream)	 streams;
	struct mux_link		 mux;
	struct wsconn_dial	*dialing;
	struct wsconn		*ws;
	struct event		*retry_ev;
	unsigned		 attempt;
	int			 index;
};

static struct {
	struct event_base		*base;
	struct evdns_base		*dns;
	SSL_CTX				*tls;
	const struct dial_url		*url;
	const struct agent_config	*cfg;
	struct cluster			*cluster;
	enum cluster_vnc_via		 via;
	int				 splice;	/* DATA_LINK_SPLICE */
	struct bevio_pipe		 pipe;		/* every stream's */
	const char			*key;
	struct dl_link			*links;
	int				 nlinks;
	int				 stopping;
} dl;

static void	dl_dial(struct dl_link *);
static void	dl_pump_socket(struct dl_stream *);

static uint64_t
dl_now_us(void)
{
	return now_ms() * 1000;
}

/* Sends a whole frame; the link's output bound is checked by callers. */
static void
dl_send(struct dl_link *l, const uint8_t *frame, size_t len)
{
	if (l->ws != NULL && wsconn_send(l->ws, WS_OP_BINARY, frame, len) ==
	    -1)
		log_warnx("data link %d: output full, frame dropped", l->index);
}

/* Forgets a stream; RESET is sent first when code is not 0. */
static void
dl_stream_end(struct dl_stream *s, unsigned int code, const char *reason)
{
	uint8_t frame[MUX_RESET_MAX];
	size_t n;

	if (code != 0 && s->mux.state != MUX_ST_CLOSED &&
	    (n = mux_put_reset(frame, s->mux.id, code, reason)) > 0) {
		dl_send(s->link, frame, n);
		mux_stream_sent(&s->mux, MUX_RESET, 0);
	}
	if (code != 0)
		log_info("session %s: stream %u ended: %s%s%s", s->session,
		    s->mux.id, mux_code_name(code), reason ? ": " : "",
		    reason ? reason : "");
	if (s->opening != NULL)
		cluster_vnc_cancel(s->opening);
	if (s->readable != NULL)
		event_free(s->readable);
	if (s->sock != NULL)
		bufferevent_free(s->sock);
	mux_stream_release(&s->mux);
	TAILQ_REMOVE(&s->link->streams, s, entry);
	free(s);
}

static struct dl_stream *
dl_find(struct dl_link *l, uint32_t id)
{
	struct dl_stream *s;

	TAILQ_FOREACH(s, &l->streams, entry)
		if (s->mux.id == id)
			return s;
	return NULL;
}

/* Both directions are done: the stream goes. */
static void
dl_stream_maybe_done(struct dl_stream *s)
{
	if (s->fin_sent && s->fin_got && s->sock != NULL &&
	    evbuffer_get_length(bufferevent_get_output(s->sock)) == 0)
		dl_stream_end(s, 0, NULL);
}

/* Everything read before the socket's EOF is out: our half closes. */
static void
dl_send_fin(struct dl_stream *s)
{
	uint8_t frame[MUX_FIN_LEN];

	if (s->fin_sent || mux_stream_sent(&s->mux, MUX_FIN, 0) != 0)
		return;
	dl_send(s->link, frame, mux_put_fin(frame, s->mux.id));
	s->fin_sent = 1;
	dl_stream_maybe_done(s);
}

/* Socket bytes out as DATA, as far as credit and the link allow. */
static void
dl_pump_socket(struct dl_stream *s)
{
	struct evbuffer *in = bufferevent_get_input(s->sock);
	uint8_t frame[MUX_HEADER_LEN + MUX_DATA_MAX];
	uint32_t credit;
	size_t n;

	while ((n = evbuffer_get_length(in)) > 0 && s->link->ws != NULL) {
		credit = mux_send_credit(&s->mux);
		if (credit == 0 || wsconn_queued(s->link->ws) >
		    DL_LINK_OUTPUT_MAX) {
			bufferevent_disable(s->sock, EV_READ);
			return;
		}
		if (n > credit)
			n = credit;
		if (n > MUX_DATA_MAX)
			n = MUX_DATA_MAX;
		mux_put_data_header(frame, s->mux.id, (uint32_t)n);
		evbuffer_remove(in, frame + MUX_HEADER_LEN, n);
		dl_send(s->link, frame, MUX_HEADER_LEN + n);
		mux_stream_sent(&s->mux, MUX_DATA, n);
	}
	if (!s->eof) {
		bufferevent_enable(s->sock, EV_READ);
		return;
	}
	if (evbuffer_get_length(in) == 0)
		dl_send_fin(s);
}

/* A failed read of the session's socket ends the stream: -2. */
static ssize_t
dl_read_failed(struct dl_stream *s)
{
	char why[128];

	if (errno == EAGAIN)
		return -1;
	snprintf(why, sizeof(why), "the session's socket: %s",
	    strerror(errno));
	dl_stream_end(s, MUX_E_IO, why);
	return -2;
}

/*
 * Socket bytes out as DATA without entering user space: spliced into
 * the pipe, then onto the link behind their headers (bevio.h).  Only on
 * a plain link, and masked with the key 0 (wsconn_send_pipe): masking
 * (RFC 6455 section 10.3) keeps a browser's scripts from choosing the
 * bytes an intermediary sees; the agent is no browser, and a plain link
 * shows its bytes to any intermediary anyway.  The bytes moved, 0 at
 * end of file, -1 when there are none now, -2 when the stream ended.
 */
static ssize_t
dl_splice_once(struct dl_stream *s, uint32_t credit)
{
	uint8_t hdr[MUX_HEADER_LEN];
	ssize_t n;

	n = bevio_pipe_fill(&dl.pipe, bufferevent_getfd(s->sock),
	    credit < MUX_DATA_MAX ? credit : MUX_DATA_MAX);
	if (n <= 0)
		return n == 0 ? 0 : dl_read_failed(s);
	mux_put_data_header(hdr, s->mux.id, (uint32_t)n);
	if (wsconn_send_pipe(s->link->ws, WS_OP_BINARY, hdr, sizeof(hdr),
	    &dl.pipe) == -1) {
		dl_stream_end(s, MUX_E_IO, "the data link took no more");
		return -2;
	}
	mux_stream_sent(&s->mux, MUX_DATA, (size_t)n);
	return n;
}

/*
 * A quiet stream (an update now and then) is read and copied: for a few
 * bytes, one read and one write cost less than the pipe's three calls.
 * As dl_splice_once; a full read makes the stream busy (spliced).
 */
static ssize_t
dl_read_quiet(struct dl_stream *s, uint32_t credit)
{
	uint8_t frame[MUX_HEADER_LEN + DL_QUIET_READ];
	ssize_t n;

	do
		n = recv(bufferevent_getfd(s->sock), frame + MUX_HEADER_LEN,
		    credit < DL_QUIET_READ ? credit : DL_QUIET_READ, 0);
	while (n == -1 && errno == EINTR);
	if (n <= 0)
		return n == 0 ? 0 : dl_read_failed(s);
	mux_put_data_header(frame, s->mux.id, (uint32_t)n);
	if (wsconn_send(s->link->ws, WS_OP_BINARY, frame, MUX_HEADER_LEN +
	    (size_t)n) == -1) {
		dl_stream_end(s, MUX_E_IO, "the data link took no more");
		return -2;
	}
	mux_stream_sent(&s->mux, MUX_DATA, (size_t)n);
	return n;
}

static void
dl_pump_spliced(struct dl_stream *s)
{
	struct wsconn *ws = s->link->ws;
	size_t moved = 0;
	uint32_t credit;
	ssize_t n;
	int i;

	s->parked = 0;
	for (i = 0; i < DL_SPLICE_BURST && !s->eof; i++) {
		credit = mux_send_credit(&s->mux);
		if (ws == NULL || credit == 0 || wsconn_queued(ws) > 0) {
			s->parked = 1;	/* until WINDOW or the link drains */
			event_del(s->readable);
			return;
		}
		n = s->quiet ? dl_read_quiet(s, credit) :
		    dl_splice_once(s, credit);
		if (n == -2)
			return;		/* the stream ended */
		if (n == -1)
			break;		/* nothing more now */
		if (n == 0)
			s->eof = 1;
		moved += (size_t)n;
		if (s->quiet && n < DL_QUIET_READ)
			break;		/* all there was, most likely */
		s->quiet = 0;
	}
	s->quiet = moved < DL_QUIET_READ;
	if (!s->eof) {
		event_add(s->readable, NULL);
		return;
	}
	event_del(s->readable);
	dl_send_fin(s);
}

static void
dl_sock_readable(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	dl_pump_spliced(arg);
}

/* Credit came back or the link drained: a waiting socket goes on. */
static void
dl_resume(struct dl_stream *s)
{
	if (s->sock == NULL || mux_send_credit(&s->mux) == 0)
		return;
	if (s->readable == NULL)
		dl_pump_socket(s);
	else if (s->parked)
		dl_pump_spliced(s);
}

static void
dl_sock_read(struct bufferevent *bev, void *arg)
{
	bevio_read_more(bev, DL_SOCK_READ_MAX);
	dl_pump_socket(arg);
}

/* The socket took bytes: their window goes back to the relay. */
static void
dl_sock_written(struct bufferevent *bev, void *arg)
{
	struct dl_stream *s = arg;
	size_t left = evbuffer_get_length(bufferevent_get_output(bev));
	uint8_t frame[MUX_WINDOW_LEN];
	uint32_t inc = 0;

	if (s->in_socket > left) {
		mux_consumed(&s->mux, s->in_socket - left, dl_now_us(), &inc);
		s->in_socket = left;
		if (inc > 0) {
			dl_send(s->link, frame, mux_put_window(frame,
			    s->mux.id, inc));
		}
	}
	if (left == 0 && s->fin_got)
		shutdown(bufferevent_getfd(bev), SHUT_WR);
	dl_stream_maybe_done(s);
}

static void
dl_sock_event(struct bufferevent *bev, short what, void *arg)
{
	struct dl_stream *s = arg;

	(void)bev;
	if (!(what & BEV_EVENT_EOF)) {
		dl_stream_end(s, MUX_E_IO, "the session's socket broke");
		return;
	}
	s->eof = 1;
	bufferevent_disable(s->sock, EV_READ);
	dl_pump_socket(s);
}

/* The session's endpoint answered (or not): OPEN_OK and the pump. */
static void
dl_opened(int fd, const char *err, void *arg)
{
	struct dl_stream *s = arg;
	uint8_t frame[MUX_RESET_MAX];
	int one = 1;

	s->opening = NULL;
	if (fd == -1) {
		dl_send(s->link, frame, mux_put_open_fail(frame, s->mux.id,
		    MUX_E_UNREACHABLE, err));
		mux_stream_sent(&s->mux, MUX_OPEN_FAIL, 0);
		dl_stream_end(s, 0, NULL);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	s->sock = bufferevent_socket_new(dl.base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (s->sock == NULL) {
		close(fd);
		dl_stream_end(s, MUX_E_IO, "out of memory");
		return;
	}
	bufferevent_setcb(s->sock, dl_sock_read, dl_sock_written,
	    dl_sock_event, s);
	bufferevent_setwatermark(s->sock, EV_READ, 0, DL_SOCK_READ_MAX);
	bufferevent_set_max_single_write(s->sock, DL_SOCK_WRITE_MAX);
	/* Without a pipe (out of descriptors) the stream copies. */
	if (dl.splice && s->link->ws != NULL &&
	    wsconn_plain_fd(s->link->ws) != -1 &&
	    bevio_pipe_open(&dl.pipe) == 0 && (s->readable = event_new(
	    dl.base, fd, EV_READ | EV_PERSIST, dl_sock_readable, s)) == NULL) {
		dl_stream_end(s, MUX_E_IO, "out of memory");
		return;
	}
	dl_send(s->link, frame, mux_put_open_ok(frame, s->mux.id,
	    s->mux.recv_window));
	mux_stream_sent(&s->mux, MUX_OPEN_OK, 0);
	log_info("session %s: stream %u open%s", s->session, s->mux.id,
	    s->readable != NULL ? " (spliced)" : "");
	if (s->readable == NULL) {
		bufferevent_enable(s->sock, EV_READ | EV_WRITE);
		return;
	}
	bufferevent_enable(s->sock, EV_WRITE);
	s->quiet = 1;		/* a handshake comes first */
	event_add(s->readable, NULL);
}

static void
dl_open(struct dl_link *l, const struct mux_frame *f)
{
	uint8_t frame[MUX_RESET_MAX];
	struct dl_stream *s;
	char err[256];
	unsigned int code = 0;
	const char *why = NULL;

	s = xcalloc(1, sizeof(*s));
	s->link = l;
	ssd_strlcpy(s->session, f->session, sizeof(s->session));
	if (mux_stream_accept(&s->mux, &l->mux, f, dl_now_us()) == -1) {
		dl_send(l, frame, mux_put_open_fail(frame, f->stream,
		    MUX_E_REFUSED, "too many streams on this link"));
		free(s);
		return;
	}
	TAILQ_INSERT_TAIL(&l->streams, s, entry);
	if (f->target != MUX_TARGET_VNC && f->target != MUX_TARGET_PORT) {
		code = MUX_E_UNSUPPORTED;
		why = "only the VNC and port targets";
	} else if ((s->opening = cluster_vnc_open(dl.cluster, s->session,
	    f->target == MUX_TARGET_PORT ? (int)f->port : 0, dl.via,
	    DL_OPEN_TIMEOUT_MS, dl_opened, s, err, sizeof(err))) == NULL) {
		code = MUX_E_NO_SESSION;
		why = err;
	}
	if (code != 0) {
		log_info("session %s: stream %u refused: %s", s->session,
		    s->mux.id, why);
		dl_send(l, frame, mux_put_open_fail(frame, s->mux.id, code,
		    why));
		mux_stream_sent(&s->mux, MUX_OPEN_FAIL, 0);
		dl_stream_end(s, 0, NULL);
	}
}

/* DATA for the session: into its socket, accounted until written. */
static void
dl_data(struct dl_stream *s, const struct mux_frame *f)
{
	struct iovec iov = { (void *)f->data, f->len };

	if (s->sock == NULL || bevio_send(s->sock, &iov, 1) == -1) {
		dl_stream_end(s, MUX_E_IO, "cannot write to the session");
		return;
	}
	s->in_socket += f->len;
}

/* A frame of a known stream, checked by the stream's state machine. */
static void
dl_stream_frame(struct dl_stream *s, const struct mux_frame *f)
{
	unsigned int code;

	if ((code = mux_stream_recv(&s->mux, f)) != 0) {
		dl_stream_end(s, code, "the relay broke the stream's rules");
		return;
	}
	switch (f->type) {
	case MUX_DATA:
		dl_data(s, f);
		break;
	case MUX_WINDOW:
		dl_resume(s);
		break;
	case MUX_FIN:
		s->fin_got = 1;
		if (s->sock != NULL && evbuffer_get_length(
		    bufferevent_get_output(s->sock)) == 0)
			shutdown(bufferevent_getfd(s->sock), SHUT_WR);
		if (s->sock != NULL)
			dl_stream_maybe_done(s);
		break;
	case MUX_RESET:
		dl_stream_end(s, 0, NULL);
		break;
	default:
		break;
	}
}

static void
dl_frame(struct dl_link *l, const struct mux_frame *f)
{
	uint8_t frame[MUX_PING_FRAME_LEN];
	struct dl_stream *s;

	switch (f->type) {
	case MUX_OPEN:
		dl_open(l, f);
		break;
	case MUX_PING:
		dl_send(l, frame, mux_put_ping(frame, 1, f->ping));
		break;
	case MUX_PONG:
		break;
	default:
		/* Unknown ids crossed a RESET of ours: dropped. */
		if ((s = dl_find(l, f->stream)) != NULL)
			dl_stream_frame(s, f);
		break;
	}
}

static void
dl_message(struct wsconn *c, int opcode, const uint8_t *data, size_t len,
    void *arg)
{
	struct dl_link *l = arg;
	uint8_t frame[MUX_RESET_MAX];
	struct mux_frame f;
	size_t off = 0;

	if (opcode != WS_OP_BINARY) {
		wsconn_close(c, WS_CLOSE_UNSUPPORTED, "binary only");
		return;
	}
	for (;;) {
		switch (mux_parse(&l->mux, data, len, &off, &f)) {
		case MUX_EV_END:
			return;
		case MUX_EV_FRAME:
			dl_frame(l, &f);
			break;
		case MUX_EV_STREAM_ERROR:
			dl_send(l, frame, mux_put_open_fail(frame, f.stream,
			    f.code, f.error));
			break;
		case MUX_EV_LINK_ERROR:
			log_warnx("data link %d: %s", l->index, f.error);
			wsconn_close(c, WS_CLOSE_PROTOCOL, f.error);
			return;
		}
	}
}

/* The link's output drained: sockets that waited may read again. */
static void
dl_drained(struct wsconn *c, void *arg)
{
	struct dl_link *l = arg;
	struct dl_stream *s, *next;

	(void)c;
	for (s = TAILQ_FIRST(&l->streams); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		dl_resume(s);
	}
}

static void
dl_drop_streams(struct dl_link *l)
{
	struct dl_stream *s;

	while ((s = TAILQ_FIRST(&l->streams)) != NULL)
		dl_stream_end(s, 0, NULL);
}

static void
dl_later(struct dl_link *l)
{
	uint64_t d = backoff_ms(l->attempt++, DL_BACKOFF_BASE_MS,
	    dl.cfg->reconnect_max_ms, 1);
	struct timeval tv;

	tv.tv_sec = (time_t)(d / 1000);
	tv.tv_usec = (suseconds_t)(d % 1000) * 1000;
	if (!dl.stopping)
		evtimer_add(l->retry_ev, &tv);
}

static void
dl_closed(struct wsconn *c, int code, const char *reason, void *arg)
{
	struct dl_link *l = arg;

	(void)c;
	l->ws = NULL;
	dl_drop_streams(l);
	if (dl.stopping)
		return;
	log_warnx("data link %d closed (%d %s)", l->index, code, reason);
	dl_later(l);
}

static void
dl_dialed(struct wsconn *c, int status, const char *err, void *arg)
{
	struct dl_link *l = arg;
	const struct mux_params mp = { DL_WINDOW_INITIAL, DL_WINDOW_MAX,
	    DL_LINK_BUFFER_MAX };

	(void)status;
	l->dialing = NULL;
	if (c == NULL) {
		log_warnx("data link %d: %s", l->index, err);
		dl_later(l);
		return;
	}
	if (strcmp(wsconn_protocol(c), MUX_SUBPROTOCOL) != 0) {
		log_warnx("data link %d: the control plane did not agree to %s",
		    l->index, MUX_SUBPROTOCOL);
		wsconn_close(c, WS_CLOSE_PROTOCOL, "subprotocol");
		return;
	}
	mux_link_init(&l->mux, MUX_ACCEPTOR, &mp);
	l->ws = c;
	l->attempt = 0;
	log_info("data link %d up", l->index);
}

static void
dl_dial(struct dl_link *l)
{
	const struct wsconn_opts wo = {
		.max_message = MUX_MESSAGE_MAX,
		.max_output = 2 * DL_LINK_OUTPUT_MAX,
		.ping_interval_ms = 5000,
		.idle_timeout_ms = 15000,
		.close_timeout_ms = 2000,
	};
	const struct wsconn_cbs cbs = {
	    .message = dl_message, .closed = dl_closed,
	    .drained = dl_drained };
	char target[512], headers[AGENT_KEY_MAX + 64], err[256];

	snprintf(target, sizeof(target), "/api/v1/agent/data?agent_id=%s",
	    dl.cfg->agent_id);
	snprintf(headers, sizeof(headers), "X-Agent-API-Key: %s\r\n", dl.key);
	l->dialing = wsconn_dial(dl.base, dl.dns, dl.tls, dl.url, target,
	    MUX_SUBPROTOCOL, headers, (int)dl.cfg->connect_timeout_ms, &wo,
	    &cbs, l, dl_dialed, err, sizeof(err));
	if (l->dialing == NULL) {
		log_warnx("data link %d: %s", l->index, err);
		dl_later(l);
	}
}

static void
dl_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	dl_dial(arg);
}

void
datalink_start(const struct datalink_env *env)
{
	int i;

	if (dl.links != NULL)
		return;		/* already up: links redial on their own */
	dl.base = env->base;
	dl.dns = env->dns;
	dl.tls = env->tls;
	dl.url = env->url;
	dl.cfg = env->cfg;
	dl.cluster = env->cluster;
	dl.key = env->key;
	dl.splice = strcmp(env->cfg->data_link_splice, "yes") == 0;
	dl.pipe = (struct bevio_pipe)BEVIO_PIPE_INIT;
	dl.via = env->cfg->kubeconfig != NULL && strcmp(env->cfg->vnc_via,
	    "direct") != 0 ? CLUSTER_VNC_PORTFORWARD : CLUSTER_VNC_DIRECT;
	if (strcmp(env->cfg->vnc_via, "portforward") == 0)
		dl.via = CLUSTER_VNC_PORTFORWARD;
	dl.nlinks = (int)env->cfg->data_links;
	dl.links = xcalloc((size_t)dl.nlinks, sizeof(*dl.links));
	for (i = 0; i < dl.nlinks; i++) {
		TAILQ_INIT(&dl.links[i].streams);
		dl.links[i].index = i;
		if ((dl.links[i].retry_ev = evtimer_new(dl.base, dl_retry,
		    &dl.links[i])) == NULL)
			fatalx("out of memory");
		dl_dial(&dl.links[i]);
	}
}

void
datalink_stop(void)
{
	struct dl_link *l;
	int i;

	dl.stopping = 1;
	for (i = 0; i < dl.nlinks; i++) {
		l = &dl.links[i];
		dl_drop_streams(l);
		if (l->dialing != NULL)
			wsconn_dial_cancel(l->dialing);
		if (l->ws != NULL)
			wsconn_free(l->ws);
		event_free(l->retry_ev);
	}
	free(dl.links);
	bevio_pipe_close(&dl.pipe);
	memset(&dl, 0, sizeof(dl));
}
