/*
 * gather.c - ssd-api collects a snapshot (common/snapshot.h) from every
 * process for /metrics, or from every relay for ssdctl show streams: a
 * chunk at a time over the channels that exist (the master's on fd 3,
 * the peers'), every process answering from its own loop, so no loop
 * ever waits for another.  Requests that come while a gathering runs
 * share it.  For metrics the last complete snapshot of each process is
 * kept: a process that is restarting or too slow shows its last numbers
 * (marked stale), never a gap; its successor's start from 0, a reset.
 */
#include "config.h"

#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "api.h"
#include "conf.h"
#include "ipc.h"
#include "log.h"
#include "metrics.h"
#include "metrics_expo.h"
#include "peers.h"
#include "util.h"
#include "worker.h"

enum gsrc_state { GS_IDLE, GS_WAITING, GS_DONE, GS_FAILED };

struct gather_src {
	char			 name[32];	/* its worker="..." */
	enum proc_kind		 kind;		/* PROC_MASTER: fd 3 */
	int			 instance;
	enum gsrc_state		 state;
	struct evbuffer		*fresh;		/* being received */
	struct evbuffer		*last;		/* last complete one */
};

struct gather_wait {
	TAILQ_ENTRY(gather_wait) entry;
	struct gather		*g;
	gather_fn		 fn;
	void			*arg;
};

struct gather {
	enum snap_kind		 kind;
	uint32_t		 id;
	int			 running;
	struct event		*timer;
	struct gather_src	*src;
	size_t			 nsrc;
	TAILQ_HEAD(, gather_wait) waiting;
};

static struct gather gathers[2];	/* metrics, streams */
static uint32_t gather_seq;

static struct gather *
gather_of(enum snap_kind kind)
{
	return kind == SNAP_METRICS ? &gathers[0] : kind == SNAP_STREAMS ?
	    &gathers[1] : NULL;
}

static void
gather_src_init(struct gather_src *s, enum proc_kind kind, int instance,
    const char *name)
{
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->instance = instance;
	ssd_strlcpy(s->name, name, sizeof(s->name));
	if ((s->fresh = evbuffer_new()) == NULL)
		fatalx("out of memory for metrics");
}

void
gather_init(int nrelays)
{
	struct gather *g;
	char name[32];
	size_t i, k = 0;

	g = &gathers[0];
	g->kind = SNAP_METRICS;
	g->nsrc = 3 + (size_t)nrelays;
	g->src = xcalloc(g->nsrc, sizeof(*g->src));
	gather_src_init(&g->src[k++], PROC_API, 0, "ssd-api");
	gather_src_init(&g->src[k++], PROC_MASTER, 0, "ssd");
	gather_src_init(&g->src[k++], PROC_HUB, 0, "ssd-hub");
	for (i = 0; i < (size_t)nrelays; i++) {
		snprintf(name, sizeof(name), "ssd-relay[%zu]", i);
		gather_src_init(&g->src[k++], PROC_RELAY, (int)i, name);
	}
	g = &gathers[1];
	g->kind = SNAP_STREAMS;
	g->nsrc = (size_t)nrelays;
	g->src = xcalloc(g->nsrc ? g->nsrc : 1, sizeof(*g->src));
	for (i = 0; i < (size_t)nrelays; i++) {
		snprintf(name, sizeof(name), "ssd-relay[%zu]", i);
		gather_src_init(&g->src[i], PROC_RELAY, (int)i, name);
	}
	for (i = 0; i < nitems(gathers); i++)
		TAILQ_INIT(&gathers[i].waiting);
}

static struct ipc_chan *
gather_chan(const struct gather_src *s)
{
	struct peer *p;

	if (s->kind == PROC_MASTER)
		return worker_master_chan();
	p = peers_get(s->kind, s->instance);
	return p != NULL ? p->chan : NULL;
}

static int
gather_request(struct gather *g, struct gather_src *s, uint32_t offset)
{
	struct imsg_snap_req req = { g->kind, offset };
	struct ipc_chan *c = gather_chan(s);

	if (c == NULL || ipc_send(c, IMSG_SNAP_REQ, g->id, -1, &req,
	    sizeof(req)) == -1) {
		s->state = GS_FAILED;
		return -1;
	}
	s->state = GS_WAITING;
	return 0;
}

/* Ends the gathering: every waiter gets what there is. */
static void
gather_finish(struct gather *g)
{
	struct metrics_source *res = xcalloc(g->nsrc ? g->nsrc : 1,
	    sizeof(*res));
	struct gather_src *s;
	struct gather_wait *w;
	size_t i;

	evtimer_del(g->timer);
	g->running = 0;
	for (i = 0; i < g->nsrc; i++) {
		s = &g->src[i];
		res[i].worker = s->name;
		if (s->state == GS_DONE && g->kind == SNAP_METRICS) {
			/* The new one replaces the kept one. */
			if (s->last != NULL)
				evbuffer_free(s->last);
			s->last = s->fresh;
			if ((s->fresh = evbuffer_new()) == NULL)
				fatalx("out of memory for metrics");
		}
		if (s->state == GS_DONE && g->kind == SNAP_STREAMS) {
			res[i].len = evbuffer_get_length(s->fresh);
			res[i].snap = evbuffer_pullup(s->fresh, -1);
		} else if (g->kind == SNAP_METRICS && s->last != NULL) {
			res[i].len = evbuffer_get_length(s->last);
			res[i].snap = evbuffer_pullup(s->last, -1);
		}
		res[i].stale = s->state != GS_DONE;
		s->state = GS_IDLE;
	}
	while ((w = TAILQ_FIRST(&g->waiting)) != NULL) {
		TAILQ_REMOVE(&g->waiting, w, entry);
		w->fn(res, g->nsrc, w->arg);
		free(w);
	}
	for (i = 0; i < g->nsrc; i++)
		evbuffer_drain(g->src[i].fresh,
		    evbuffer_get_length(g->src[i].fresh));
	free(res);
}

static void
gather_maybe_done(struct gather *g)
{
	size_t i;

	for (i = 0; i < g->nsrc; i++)
		if (g->src[i].state == GS_WAITING)
			return;
	gather_finish(g);
}

static void
gather_timeout_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct gather *g = arg;
	size_t i;

	for (i = 0; i < g->nsrc; i++)
		if (g->src[i].state == GS_WAITING)
			log_info("%s: no complete snapshot within "
			    "metrics_timeout", g->src[i].name);
	gather_finish(g);
}

/* ssd-api's own part needs no channel. */
static void
gather_self(struct gather *g, struct gather_src *s)
{
	evbuffer_drain(s->fresh, evbuffer_get_length(s->fresh));
	metrics_snapshot(s->fresh, conf_size(worker_conf(),
	    S_METRICS_MAX_SIZE));
	s->state = GS_DONE;
}

static void
gather_start(struct gather *g)
{
	uint64_t ms = conf_ms(worker_conf(), S_METRICS_TIMEOUT);
	struct timeval tv = { (time_t)(ms / 1000),
	    (suseconds_t)(ms % 1000) * 1000 };
	struct gather_src *s;
	size_t i;

	if (++gather_seq == 0)
		gather_seq = 1;
	g->id = gather_seq;
	g->running = 1;
	if (g->timer == NULL && (g->timer = evtimer_new(worker_base(),
	    gather_timeout_cb, g)) == NULL)
		fatalx("out of memory for metrics");
	evtimer_add(g->timer, &tv);
	for (i = 0; i < g->nsrc; i++) {
		s = &g->src[i];
		evbuffer_drain(s->fresh, evbuffer_get_length(s->fresh));
		if (s->kind == PROC_API)
			gather_self(g, s);
		else
			gather_request(g, s, 0);
	}
}

struct gather_wait *
gather(enum snap_kind kind, gather_fn fn, void *arg)
{
	struct gather *g = gather_of(kind);
	struct gather_wait *w = xcalloc(1, sizeof(*w));

	w->g = g;
	w->fn = fn;
	w->arg = arg;
	TAILQ_INSERT_TAIL(&g->waiting, w, entry);
	if (!g->running) {
		gather_start(g);
		/* Nothing to wait for (no channel up): fn has run already. */
		gather_maybe_done(g);
	}
	return g->running ? w : NULL;
}

void
gather_cancel(struct gather_wait *w)
{
	TAILQ_REMOVE(&w->g->waiting, w, entry);
	free(w);
}

static struct gather_src *
gather_src_of(struct gather *g, enum proc_kind kind, int instance)
{
	size_t i;

	for (i = 0; i < g->nsrc; i++)
		if (g->src[i].kind == kind && g->src[i].instance == instance)
			return &g->src[i];
	return NULL;
}

/* A chunk is in; the next is asked for, or the snapshot is complete. */
static void
gather_chunk(struct gather *g, struct gather_src *s,
    const struct imsg_snap_data *d, const uint8_t *data, size_t len)
{
	size_t max = conf_size(worker_conf(), S_METRICS_MAX_SIZE);
	const char *why;

	if (d->flags & SNAP_F_GONE) {
		log_warnx("%s: snapshot lost on the way", s->name);
		s->state = GS_FAILED;
		return;
	}
	if (evbuffer_get_length(s->fresh) + len > max) {
		log_warnx("%s: snapshot over metrics_max_size (%zu bytes)",
		    s->name, max);
		s->state = GS_FAILED;
		return;
	}
	evbuffer_add(s->fresh, data, len);
	if (d->flags & SNAP_F_MORE)
		return;
	if (!(d->flags & SNAP_F_LAST)) {
		gather_request(g, s, (uint32_t)evbuffer_get_length(s->fresh));
		return;
	}
	s->state = GS_DONE;
	if (g->kind == SNAP_METRICS && metrics_snapshot_check(
	    evbuffer_pullup(s->fresh, -1), evbuffer_get_length(s->fresh),
	    &why) == -1) {
		log_warnx("%s: malformed metrics snapshot (%s), left out",
		    s->name, why);
		s->state = GS_FAILED;
	}
}

void
gather_data(enum proc_kind kind, int instance, const struct ipc_msg *m)
{
	struct imsg_snap_data d;
	struct gather_src *s;
	struct gather *g;

	if (m->len < sizeof(d)) {
		log_warnx("malformed snapshot chunk, ignored");
		return;
	}
	memcpy(&d, m->data, sizeof(d));
	if ((g = gather_of((enum snap_kind)d.kind)) == NULL ||
	    (s = gather_src_of(g, kind, instance)) == NULL) {
		log_warnx("snapshot chunk of an unknown kind or sender, "
		    "ignored");
		return;
	}
	/* A late answer to a gathering that ended: nobody waits for it. */
	if (!g->running || m->peerid != g->id || s->state != GS_WAITING)
		return;
	gather_chunk(g, s, &d, m->data + sizeof(d), m->len - sizeof(d));
	gather_maybe_done(g);
}

void
gather_peer_down(enum proc_kind kind, int instance)
{
	struct gather_src *s;
	size_t i;

	for (i = 0; i < nitems(gathers); i++) {
		if (!gathers[i].running || (s = gather_src_of(&gathers[i],
		    kind, instance)) == NULL || s->state != GS_WAITING)
			continue;
		s->state = GS_FAILED;
		gather_maybe_done(&gathers[i]);
	}
}
