/*
 * peers.c - the table of a worker's channels to other workers (peers.h).
 * Fixed size: the master starts at most PEERS_MAX workers.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ipc.h"
#include "log.h"
#include "peers.h"
#include "snapshot.h"
#include "util.h"
#include "worker.h"

#define PEER_QUEUE	(4 * 1024 * 1024)

static struct peer peer_table[PEERS_MAX];
static size_t peer_count;
static const struct peer_ops *peer_ops;

static const char *
peer_prog(enum proc_kind kind)
{
	switch (kind) {
	case PROC_API:
		return "ssd-api";
	case PROC_HUB:
		return "ssd-hub";
	case PROC_RELAY:
		return "ssd-relay";
	default:
		return "ssd";
	}
}

void
peers_init(const struct peer_ops *ops)
{
	peer_ops = ops;
}

struct peer *
peers_get(enum proc_kind kind, int instance)
{
	size_t i;

	for (i = 0; i < peer_count; i++)
		if (peer_table[i].kind == kind &&
		    peer_table[i].instance == instance)
			return &peer_table[i];
	return NULL;
}

static void
peers_chan_msg(struct ipc_chan *c, struct ipc_msg *m, void *arg)
{
	/* Any worker answers ssd-api's snapshot requests alike. */
	if (m->type == IMSG_SNAP_REQ)
		snapshot_answer(c, m);
	else
		peer_ops->msg(arg, m);
}

static void
peers_chan_closed(struct ipc_chan *c, const char *why, void *arg)
{
	peers_drop(arg, why);
}

static void
peers_chan_drained(struct ipc_chan *c, void *arg)
{
	if (peer_ops->drained != NULL)
		peer_ops->drained(arg);
}

static const struct ipc_chan_ops peers_chan_ops = {
	.msg = peers_chan_msg,
	.closed = peers_chan_closed,
	.drained = peers_chan_drained,
};

void
peers_drop(struct peer *p, const char *why)
{
	if (p->chan == NULL)
		return;
	ipc_chan_free(p->chan);
	p->chan = NULL;
	log_debug("%s: channel closed (%s)", p->name, why);
	if (peer_ops->down != NULL)
		peer_ops->down(p, why);
	p->inflight = 0;
}

void
peers_add(const struct imsg_peer *ip, int fd)
{
	struct peer *p;

	if (ip->kind > PROC_RELAY || ip->instance >= PEERS_MAX) {
		log_warnx("master sent a channel to an unknown peer");
		close(fd);
		return;
	}
	if ((p = peers_get(ip->kind, (int)ip->instance)) == NULL) {
		if (peer_count == PEERS_MAX) {
			log_warnx("too many peers");
			close(fd);
			return;
		}
		p = &peer_table[peer_count++];
		p->kind = ip->kind;
		p->instance = (int)ip->instance;
		if (p->kind == PROC_RELAY)
			snprintf(p->name, sizeof(p->name), "%s[%d]",
			    peer_prog(p->kind), p->instance);
		else
			ssd_strlcpy(p->name, peer_prog(p->kind),
			    sizeof(p->name));
	}
	peers_drop(p, "replaced by a newer channel");
	p->gen = ip->gen;
	fd_set_nonblock(fd);
	p->chan = ipc_chan_new(worker_base(), fd, p->name, IPC_F_FDPASS,
	    PEER_QUEUE, &peers_chan_ops, p);
	log_debug("%s: channel up (generation %u)", p->name, p->gen);
}
