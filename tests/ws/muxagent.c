/*
 * muxagent.c - a test agent's data link: dials ssd's
 * /api/v1/agent/data with the agent's key and the ssd-mux.v1
 * subprotocol (dial.c, wsconn.c), accepts the relay's OPENs (mux.h) and
 * connects each stream to a TCP target from the command line, pumps
 * bytes both ways within credit, answers PINGs, and re-dials with
 * back-off when the link drops.  A test peer: not the real agent.
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/socket.h>

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>

#include "dial.h"
#include "log.h"
#include "mux.h"
#include "util.h"
#include "wsconn.h"

#define TARGETS_MAX	8
#define LINK_HIGH	(4 * 1024 * 1024)
#define LINK_OUTPUT_MAX	(16 * 1024 * 1024)
#define REDIAL_FIRST_MS	100
#define REDIAL_MAX_MS	1000

struct target {
	char			 session[MUX_SESSION_ID_MAX + 1]; /* "": any */
	struct sockaddr_storage	 ss;
	int			 sslen;
};

struct astream {
	LIST_ENTRY(astream)	 entry;
	struct mux_stream	 mux;
	struct bufferevent	*bev;
	size_t			 written;	/* not yet consumed */
	int			 connected, eof, shut;
};

static struct event_base *base;
static struct evdns_base *dns;
static struct dial_url url;
static char target_path[512], headers[128];
static struct target targets[TARGETS_MAX];
static size_t ntargets;
static struct wsconn *link_ws;
static struct mux_link mlink;
static LIST_HEAD(, astream) streams = LIST_HEAD_INITIALIZER(streams);
static struct event *redial_ev;
static int redial_ms = REDIAL_FIRST_MS;
static uint8_t scratch[MUX_HEADER_LEN + MUX_DATA_MAX];

static void	dial_link(void);

static int
link_send(const void *frame, size_t len)
{
	if (link_ws == NULL)
		return -1;
	return wsconn_send(link_ws, WS_OP_BINARY, frame, len);
}

static void
stream_free(struct astream *s)
{
	LIST_REMOVE(s, entry);
	mux_stream_release(&s->mux);
	if (s->bev != NULL)
		bufferevent_free(s->bev);
	free(s);
}

static void
stream_reset(struct astream *s, unsigned int code, const char *why)
{
	uint8_t f[MUX_RESET_MAX];

	link_send(f, mux_put_reset(f, s->mux.id, code, why));
	mux_stream_sent(&s->mux, MUX_RESET, 0);
	stream_free(s);
}

/* Both FINs are through and the target took every byte: done. */
static int
stream_done(struct astream *s)
{
	if (s->mux.state != MUX_ST_CLOSED ||
	    evbuffer_get_length(bufferevent_get_output(s->bev)) > 0)
		return 0;
	stream_free(s);
	return 1;
}

/* Target bytes to the relay within credit; FIN after the target's EOF. */
static void
stream_pump(struct astream *s)
{
	struct evbuffer *in = bufferevent_get_input(s->bev);
	uint8_t fin[MUX_FIN_LEN];
	size_t len, n;
	uint32_t credit;

	while ((len = evbuffer_get_length(in)) > 0 && link_ws != NULL &&
	    wsconn_queued(link_ws) < LINK_HIGH &&
	    (credit = mux_send_credit(&s->mux)) > 0) {
		n = len < credit ? len : credit;
		if (n > MUX_DATA_MAX)
			n = MUX_DATA_MAX;
		mux_put_data_header(scratch, s->mux.id, (uint32_t)n);
		evbuffer_remove(in, scratch + MUX_HEADER_LEN, n);
		if (link_send(scratch, MUX_HEADER_LEN + n) == -1)
			return;
		mux_stream_sent(&s->mux, MUX_DATA, n);
	}
	if (len > 0)
		bufferevent_disable(s->bev, EV_READ);
	else if (!s->eof)
		bufferevent_enable(s->bev, EV_READ);
	else if (s->mux.state == MUX_ST_OPEN ||
	    s->mux.state == MUX_ST_HALF_REMOTE) {
		link_send(fin, mux_put_fin(fin, s->mux.id));
		mux_stream_sent(&s->mux, MUX_FIN, 0);
		stream_done(s);
	}
}

static void
target_read(struct bufferevent *bev, void *arg)
{
	stream_pump(arg);
}

/* The target took what the relay sent: credit back, FIN passed on. */
static void
target_written(struct bufferevent *bev, void *arg)
{
	struct astream *s = arg;
	uint8_t f[MUX_WINDOW_LEN];
	uint32_t inc;

	if (mux_consumed(&s->mux, s->written, now_usec(), &inc) == 0 &&
	    inc > 0)
		link_send(f, mux_put_window(f, s->mux.id, inc));
	s->written = 0;
	if (!s->shut && (s->mux.state == MUX_ST_HALF_REMOTE ||
	    s->mux.state == MUX_ST_CLOSED)) {
		s->shut = 1;
		shutdown(bufferevent_getfd(bev), SHUT_WR);
	}
	stream_done(s);
}

static void
target_event(struct bufferevent *bev, short what, void *arg)
{
	struct astream *s = arg;
	uint8_t f[MUX_OPEN_OK_LEN];

	if (what & BEV_EVENT_CONNECTED) {
		s->connected = 1;
		link_send(f, mux_put_open_ok(f, s->mux.id, s->mux.recv_window));
		mux_stream_sent(&s->mux, MUX_OPEN_OK, 0);
		bufferevent_enable(bev, EV_READ | EV_WRITE);
	} else if (!s->connected) {
		link_send(scratch, mux_put_open_fail(scratch, s->mux.id,
		    MUX_E_UNREACHABLE, "cannot connect to the target"));
		mux_stream_sent(&s->mux, MUX_OPEN_FAIL, 0);
		stream_free(s);
	} else if (what & BEV_EVENT_EOF) {
		s->eof = 1;
		stream_pump(s);
	} else
		stream_reset(s, MUX_E_IO, "target connection broke");
}

static const struct target *
target_for(const char *session)
{
	const struct target *any = NULL;
	size_t i;

	for (i = 0; i < ntargets; i++) {
		if (strcmp(targets[i].session, session) == 0)
			return &targets[i];
		if (targets[i].session[0] == '\0')
			any = &targets[i];
	}
	return any;
}

static void
link_open(const struct mux_frame *f)
{
	const struct target *t = target_for(f->session);
	struct astream *s = xcalloc(1, sizeof(*s));
	unsigned int code = 0;

	if (mux_stream_accept(&s->mux, &mlink, f, now_usec()) == -1) {
		free(s);
		link_send(scratch, mux_put_open_fail(scratch, f->stream,
		    MUX_E_REFUSED, "no room"));
		return;
	}
	LIST_INSERT_HEAD(&streams, s, entry);
	if (f->target != MUX_TARGET_VNC)
		code = MUX_E_UNSUPPORTED;
	else if (t == NULL)
		code = MUX_E_NO_SESSION;
	else if ((s->bev = bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		fatalx("out of memory");
	if (code == 0) {
		bufferevent_setcb(s->bev, target_read, target_written,
		    target_event, s);
		if (bufferevent_socket_connect(s->bev,
		    (const struct sockaddr *)&t->ss, t->sslen) == 0)
			return;
		code = MUX_E_UNREACHABLE;
	}
	link_send(scratch, mux_put_open_fail(scratch, s->mux.id, code, NULL));
	mux_stream_sent(&s->mux, MUX_OPEN_FAIL, 0);
	stream_free(s);
}

static struct astream *
stream_find(uint32_t id)
{
	struct astream *s;

	LIST_FOREACH(s, &streams, entry)
		if (s->mux.id == id)
			return s;
	return NULL;
}

static void
link_stream_frame(const struct mux_frame *f)
{
	struct astream *s = stream_find(f->stream);
	unsigned int code;

	if (s == NULL)
		return;
	if ((code = mux_stream_recv(&s->mux, f)) != 0) {
		stream_reset(s, code, "stream protocol error");
		return;
	}
	if (f->type == MUX_RESET) {
		stream_free(s);
	} else if (f->type == MUX_DATA) {
		bufferevent_write(s->bev, f->data, f->len);
		s->written += f->len;
	} else if (f->type == MUX_WINDOW) {
		stream_pump(s);
	} else if (f->type == MUX_FIN &&
	    evbuffer_get_length(bufferevent_get_output(s->bev)) == 0) {
		target_written(s->bev, s);
	}
}

static void
link_message(struct wsconn *c, int opcode, const uint8_t *data, size_t len,
    void *arg)
{
	uint8_t pong[MUX_PING_FRAME_LEN];
	struct mux_frame f;
	enum mux_event ev;
	size_t off = 0;

	while ((ev = mux_parse(&mlink, data, len, &off, &f)) != MUX_EV_END) {
		if (ev == MUX_EV_LINK_ERROR) {
			log_warnx("link error: %s", f.error);
			wsconn_close(c, WS_CLOSE_PROTOCOL, "mux error");
			return;
		}
		if (ev == MUX_EV_STREAM_ERROR)
			link_send(scratch, mux_put_open_fail(scratch,
			    f.stream, f.code, f.error));
		else if (f.type == MUX_OPEN)
			link_open(&f);
		else if (f.type == MUX_PING)
			link_send(pong, mux_put_ping(pong, 1, f.ping));
		else if (f.type != MUX_PONG)
			link_stream_frame(&f);
	}
}

static void
link_drained(struct wsconn *c, void *arg)
{
	struct astream *s, *next;

	for (s = LIST_FIRST(&streams); s != NULL; s = next) {
		next = LIST_NEXT(s, entry);
		if (s->connected)
			stream_pump(s);
	}
}

static void
redial_later(void)
{
	struct timeval tv = { redial_ms / 1000, (redial_ms % 1000) * 1000 };

	evtimer_add(redial_ev, &tv);
	redial_ms = redial_ms * 2 > REDIAL_MAX_MS ? REDIAL_MAX_MS :
	    redial_ms * 2;
}

static void
link_closed(struct wsconn *c, int code, const char *reason, void *arg)
{
	printf("link down %d %s\n", code, reason);
	fflush(stdout);
	link_ws = NULL;
	while (!LIST_EMPTY(&streams))
		stream_free(LIST_FIRST(&streams));
	redial_later();
}

static void
link_up(struct wsconn *c, int status, const char *err, void *arg)
{
	static const struct mux_params params = { MUX_WINDOW_MIN,
	    4 * 1024 * 1024, (uint64_t)512 * 1024 * 1024 };

	if (c == NULL) {
		printf("dial failed: %d %s\n", status, err);
		fflush(stdout);
		redial_later();
		return;
	}
	if (mux_link_init(&mlink, MUX_ACCEPTOR, &params) == -1)
		fatalx("mux parameters");
	link_ws = c;
	redial_ms = REDIAL_FIRST_MS;
	printf("link up\n");
	fflush(stdout);
}

static void
dial_link(void)
{
	static const struct wsconn_opts wo = { .max_message = MUX_MESSAGE_MAX,
	    .max_output = LINK_OUTPUT_MAX, .close_timeout_ms = 2000 };
	static const struct wsconn_cbs cbs = {
	    .message = link_message, .closed = link_closed,
	    .drained = link_drained };
	char err[256];

	if (wsconn_dial(base, dns, NULL, &url, target_path, MUX_SUBPROTOCOL,
	    headers, 5000, &wo, &cbs, NULL, link_up, err, sizeof(err)) ==
	    NULL) {
		printf("dial failed: %s\n", err);
		redial_later();
	}
}

static void
redial(evutil_socket_t fd, short what, void *arg)
{
	dial_link();
}

static void
time_up(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(base);
}

static void
add_target(const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct target *t = &targets[ntargets];
	size_t n;

	if (ntargets == TARGETS_MAX)
		fatalx("too many targets");
	if (eq != NULL) {
		n = (size_t)(eq - arg);
		if (n > MUX_SESSION_ID_MAX)
			fatalx("session id too long");
		memcpy(t->session, arg, n);
		arg = eq + 1;
	}
	t->sslen = sizeof(t->ss);
	if (evutil_parse_sockaddr_port(arg, (struct sockaddr *)&t->ss,
	    &t->sslen) == -1)
		fatalx("bad target %s (HOST:PORT, numeric)", arg);
	ntargets++;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "agent", required_argument, NULL, 'a' },
		{ "key", required_argument, NULL, 'k' },
		{ "target", required_argument, NULL, 't' },
		{ "seconds", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	const char *agent = NULL, *key = NULL, *u = NULL;
	struct timeval life = { 60, 0 };
	char err[256];
	int ch;

	log_init("muxagent", -1, LOG_TARGET_STDERR);
	signal(SIGPIPE, SIG_IGN);	/* a peer gone is an error, not death */
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'u')
			u = optarg;
		else if (ch == 'a')
			agent = optarg;
		else if (ch == 'k')
			key = optarg;
		else if (ch == 't')
			add_target(optarg);
		else if (ch == 's')
			life.tv_sec = atoi(optarg);
		else
			return 2;
	}
	if (u == NULL || agent == NULL || key == NULL || ntargets == 0) {
		fprintf(stderr, "usage: muxagent --url ws://HOST:PORT "
		    "--agent ID --key KEY --target [SESSION=]HOST:PORT... "
		    "[--seconds N]\n");
		return 2;
	}
	if (dial_url_parse(u, &url, err, sizeof(err)) == -1)
		fatalx("%s", err);
	snprintf(target_path, sizeof(target_path),
	    "/api/v1/agent/data?agent_id=%s", agent);
	snprintf(headers, sizeof(headers), "X-Agent-API-Key: %s\r\n", key);
	base = event_base_new();
	dns = evdns_base_new(base, 0);
	redial_ev = evtimer_new(base, redial, NULL);
	event_add(evtimer_new(base, time_up, NULL), &life);
	dial_link();
	event_base_dispatch(base);
	return 0;
}
