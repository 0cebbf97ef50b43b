/*
 * link.c - agents' data links, owned by this relay once ssd-api has
 * authenticated the agent and handed the connection over: the 101 with
 * the ssd-mux.v1 subprotocol, the mux parser over WebSocket messages,
 * stream ids to streams, PING/RTT every second and death after silence.
 * Big DATA that an agent sends masked with the key 0 (its spliced
 * frames) goes from the link to the viewer's socket through a pipe,
 * never read but for its first bytes.
 * Never blocks, never allocates per byte; a link's failure ends its
 * streams (with a reason for each viewer) and nothing else.
 */
#include "config.h"

#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "bevio.h"
#include "log.h"
#include "relay.h"
#include "util.h"
#include "worker.h"
#include "ws.h"
#include "wsconn.h"

LIST_HEAD(stream_bucket, stream);

struct dlink {
	TAILQ_ENTRY(dlink)	 entry;
	char			 agent_id[256];
	char			 peer[64];
	struct wsconn		*ws;
	struct mux_link		 mux;
	size_t			 nstreams;
	struct stream_bucket	 buckets[RELAY_LINK_BUCKETS];
	TAILQ_HEAD(, stream)	 parked;
	struct bevio_pipe	 pipe;		/* DATA on its way, spliced */
	uint64_t		 heard_ms;
	int			 broken;	/* output over its bound */
	int			 dead;		/* streams ended, closing */
};

static TAILQ_HEAD(, dlink) links = TAILQ_HEAD_INITIALIZER(links);
static size_t nlinks;
static struct event *dlink_tick_ev;
/* One DATA frame as one message: header and bytes together. */
static uint8_t dlink_scratch[MUX_HEADER_LEN + MUX_DATA_MAX];

size_t
dlink_count(void)
{
	return nlinks;
}

struct mux_link *
dlink_mux(struct dlink *l)
{
	return &l->mux;
}

int
dlink_congested(const struct dlink *l)
{
	return wsconn_queued(l->ws) >= relay_limits.link_output_max / 2;
}

static struct stream_bucket *
dlink_bucket(struct dlink *l, uint32_t id)
{
	return &l->buckets[(id >> 1) % RELAY_LINK_BUCKETS];
}

void
dlink_attach(struct dlink *l, struct stream *s)
{
	LIST_INSERT_HEAD(dlink_bucket(l, s->mux.id), s, bucket);
	l->nstreams++;
}

void
dlink_detach(struct dlink *l, struct stream *s)
{
	LIST_REMOVE(s, bucket);
	if (s->is_parked) {
		TAILQ_REMOVE(&l->parked, s, parked);
		s->is_parked = 0;
	}
	l->nstreams--;
}

void
dlink_park(struct dlink *l, struct stream *s)
{
	if (!s->is_parked) {
		TAILQ_INSERT_TAIL(&l->parked, s, parked);
		s->is_parked = 1;
	}
}

static struct stream *
dlink_lookup(struct dlink *l, uint32_t id)
{
	struct stream *s;

	LIST_FOREACH(s, dlink_bucket(l, id), bucket)
		if (s->mux.id == id)
			return s;
	return NULL;
}

struct dlink *
dlink_pick(const char *agent_id)
{
	struct dlink *l, *best = NULL;

	TAILQ_FOREACH(l, &links, entry)
		if (!l->dead && !l->broken && !l->mux.failed &&
		    strcmp(l->agent_id, agent_id) == 0 &&
		    (best == NULL || l->nstreams < best->nstreams))
			best = l;
	return best;
}

int
dlink_send(struct dlink *l, const void *frame, size_t len)
{
	if (l->dead || l->broken)
		return -1;
	if (wsconn_send(l->ws, WS_OP_BINARY, frame, len) == -1) {
		/* Closed from the tick: the caller may be its stream. */
		log_warnx("agent %s: data link output over %zu bytes, "
		    "closing it", l->agent_id, relay_limits.link_output_max);
		l->broken = 1;
		return -1;
	}
	return 0;
}

int
dlink_send_data(struct dlink *l, uint32_t id, const void *data, size_t len)
{
	mux_put_data_header(dlink_scratch, id, (uint32_t)len);
	memcpy(dlink_scratch + MUX_HEADER_LEN, data, len);
	return dlink_send(l, dlink_scratch, MUX_HEADER_LEN + len);
}

/* Ends every stream of the link with why; the link takes no more. */
static void
dlink_end_streams(struct dlink *l, const char *why)
{
	struct stream *s;
	size_t i;

	l->dead = 1;
	for (i = 0; i < RELAY_LINK_BUCKETS; i++)
		while ((s = LIST_FIRST(&l->buckets[i])) != NULL)
			stream_link_lost(s, why);
}

static void
dlink_fail(struct dlink *l, int code, const char *why)
{
	if (l->dead)
		return;
	log_info("agent %s: data link from %s closed (%d %s), %zu streams "
	    "ended", l->agent_id, l->peer, code, why, l->nstreams);
	dlink_end_streams(l, "agent data link lost");
	wsconn_close(l->ws, code, why);
}

static void
dlink_ping(struct dlink *l, uint64_t now_us)
{
	uint8_t frame[MUX_PING_FRAME_LEN], v[MUX_PING_LEN];
	int i;

	for (i = 0; i < MUX_PING_LEN; i++)
		v[i] = (uint8_t)(now_us >> (56 - 8 * i));
	mux_put_ping(frame, 0, v);
	dlink_send(l, frame, sizeof(frame));
}

static void
dlink_pong(struct dlink *l, const uint8_t v[MUX_PING_LEN])
{
	uint64_t sent = 0, now = now_usec();
	int i;

	for (i = 0; i < MUX_PING_LEN; i++)
		sent = sent << 8 | v[i];
	if (sent != 0 && sent <= now)
		mux_link_rtt(&l->mux, now - sent);
}

static void
dlink_frame(struct dlink *l, const struct mux_frame *f)
{
	uint8_t pong[MUX_PING_FRAME_LEN];
	struct stream *s;

	switch (f->type) {
	case MUX_PING:
		mux_put_ping(pong, 1, f->ping);
		dlink_send(l, pong, sizeof(pong));
		break;
	case MUX_PONG:
		dlink_pong(l, f->ping);
		break;
	default:
		/* Forgotten ids: frames that crossed our RESET. */
		if ((s = dlink_lookup(l, f->stream)) != NULL)
			stream_frame(s, f);
		break;
	}
}

static void
dlink_message(struct wsconn *c, int opcode, const uint8_t *data, size_t len,
    void *arg)
{
	struct dlink *l = arg;
	struct mux_frame f;
	enum mux_event ev;
	size_t off = 0;

	l->heard_ms = now_ms();
	if (l->dead)
		return;
	if (opcode != WS_OP_BINARY) {
		dlink_fail(l, WS_CLOSE_UNSUPPORTED, "text on a data link");
		return;
	}
	while (!l->dead && (ev = mux_parse(&l->mux, data, len, &off, &f)) !=
	    MUX_EV_END) {
		if (ev != MUX_EV_FRAME) {
			/* The relay opens streams: an agent's OPEN is wrong. */
			log_warnx("agent %s: data link protocol error: %s",
			    l->agent_id, f.error ? f.error : "bad frame");
			dlink_fail(l, WS_CLOSE_PROTOCOL, "mux protocol error");
			return;
		}
		dlink_frame(l, &f);
	}
}

/* A DATA frame alone in its message, for a viewer that takes it spliced. */
static struct bevio_pipe *
dlink_splice(struct wsconn *c, const uint8_t *head, uint64_t len, void *arg)
{
	struct dlink *l = arg;
	struct mux_frame f;
	struct stream *s;

	(void)c;
	if (l->dead || mux_parse_data_header(&l->mux, head, len, &f) == -1 ||
	    (s = dlink_lookup(l, f.stream)) == NULL || !stream_splices(s) ||
	    bevio_pipe_open(&l->pipe) == -1)
		return NULL;
	return &l->pipe;
}

static void
dlink_spliced(struct wsconn *c, const uint8_t *head, size_t hlen,
    struct bevio_pipe *p, void *arg)
{
	struct dlink *l = arg;
	struct mux_frame f;
	struct stream *s;

	(void)c;
	l->heard_ms = now_ms();
	if (l->dead || mux_parse_data_header(&l->mux, head, hlen +
	    (uint64_t)p->held, &f) == -1 ||
	    (s = dlink_lookup(l, f.stream)) == NULL) {
		bevio_pipe_close(p);	/* crossed our RESET: dropped */
		return;
	}
	f.data = head + MUX_HEADER_LEN;
	stream_frame_spliced(s, &f, p);
}

static void
dlink_free(struct dlink *l)
{
	bevio_pipe_close(&l->pipe);
	TAILQ_REMOVE(&links, l, entry);
	nlinks--;
	free(l);
	relay_maybe_exit();
}

static void
dlink_closed(struct wsconn *c, int code, const char *reason, void *arg)
{
	struct dlink *l = arg;

	if (!l->dead) {
		log_info("agent %s: data link from %s lost (%d %s), %zu "
		    "streams ended", l->agent_id, l->peer, code, reason,
		    l->nstreams);
		dlink_end_streams(l, "agent data link lost");
	}
	dlink_free(l);
}

/* Output written: streams that waited for room go on, oldest first. */
static void
dlink_drained(struct wsconn *c, void *arg)
{
	struct dlink *l = arg;
	struct stream *s;

	while (!l->dead && !dlink_congested(l) &&
	    (s = TAILQ_FIRST(&l->parked)) != NULL) {
		TAILQ_REMOVE(&l->parked, s, parked);
		s->is_parked = 0;
		stream_resume(s);
	}
}

/* Once a second over all links: a PING each, and death after silence. */
static void
dlink_tick(evutil_socket_t fd, short ev, void *arg)
{
	uint64_t now = now_ms(), now_us = now_usec();
	struct dlink *l, *next;

	for (l = TAILQ_FIRST(&links); l != NULL; l = next) {
		next = TAILQ_NEXT(l, entry);
		if (l->dead)
			continue;
		if (l->broken)
			dlink_fail(l, WS_CLOSE_POLICY, "agent not reading");
		else if (now - l->heard_ms >= relay_limits.link_timeout_ms)
			dlink_fail(l, WS_CLOSE_GOING_AWAY,
			    "agent data link silent");
		else
			dlink_ping(l, now_us);
	}
}

static const struct wsconn_cbs dlink_cbs = {
	.message = dlink_message,
	.closed = dlink_closed,
	.drained = dlink_drained,
	.splice = dlink_splice,
	.spliced = dlink_spliced,
};

void
dlink_accept(int fd, const char *agent_id, const char *accept,
    const char *peer, const uint8_t *tail, size_t tail_len)
{
	const struct mux_params params = { MUX_WINDOW_MIN,
	    relay_limits.window_max, relay_limits.link_buffer_max };
	const struct wsconn_opts opts = {
		.max_message = MUX_MESSAGE_MAX,
		.max_output = relay_limits.link_output_max,
		.close_timeout_ms = RELAY_CLOSE_TIMEOUT_MS,
		.plain_socket = 1,
		.splice_prefix = MUX_HEADER_LEN,
		.splice_min = RELAY_SPLICE_MIN,
	};
	struct timeval tv = { RELAY_LINK_PING_MS / 1000,
	    (RELAY_LINK_PING_MS % 1000) * 1000 };
	struct bufferevent *bev;
	struct dlink *l;
	char resp[256];
	size_t i, n;

	fd_set_nonblock(fd);
	if ((bev = bufferevent_socket_new(worker_base(), fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		fatalx("out of memory for a data link");
	l = xcalloc(1, sizeof(*l));
	ssd_strlcpy(l->agent_id, agent_id, sizeof(l->agent_id));
	ssd_strlcpy(l->peer, peer, sizeof(l->peer));
	for (i = 0; i < RELAY_LINK_BUCKETS; i++)
		LIST_INIT(&l->buckets[i]);
	TAILQ_INIT(&l->parked);
	l->pipe = (struct bevio_pipe)BEVIO_PIPE_INIT;
	if (mux_link_init(&l->mux, MUX_OPENER, &params) == -1)
		fatalx("relay mux parameters out of bounds");
	l->heard_ms = now_ms();
	n = ws_server_response(resp, sizeof(resp), accept, MUX_SUBPROTOCOL);
	bufferevent_write(bev, resp, n);
	/* At the front: libevent keeps the input's end for its reads. */
	if (tail_len > 0)
		evbuffer_prepend(bufferevent_get_input(bev), tail, tail_len);
	if (dlink_tick_ev == NULL) {
		dlink_tick_ev = event_new(worker_base(), -1, EV_PERSIST,
		    dlink_tick, NULL);
		event_add(dlink_tick_ev, &tv);
	}
	TAILQ_INSERT_TAIL(&links, l, entry);
	nlinks++;
	l->ws = wsconn_new(worker_base(), bev, WS_SERVER, &opts, &dlink_cbs,
	    l);
	log_info("agent %s: data link up from %s", agent_id, peer);
}

void
dlink_close_all(const char *why)
{
	struct dlink *l, *next;

	for (l = TAILQ_FIRST(&links); l != NULL; l = next) {
		next = TAILQ_NEXT(l, entry);
		dlink_fail(l, WS_CLOSE_GOING_AWAY, why);
	}
}
