/*
 * peers.h - a worker's channels to the other workers, one per (kind,
 * instance).  The master sends a fresh channel whenever either end
 * restarts; the newer one replaces the old, whose pending work is the
 * owner's to fail (down callback).
 */
#ifndef SSD_PEERS_H
#define SSD_PEERS_H

#include "proto.h"

struct ipc_chan;
struct ipc_msg;

struct peer {
	enum proc_kind	 kind;
	int		 instance;
	unsigned	 gen;
	char		 name[32];	/* "ssd-hub", "ssd-relay[1]" */
	struct ipc_chan	*chan;		/* NULL while down */
	unsigned	 inflight;	/* hand-offs not yet answered */
};

struct peer_ops {
	void	(*msg)(struct peer *, struct ipc_msg *);
	/* The channel went away (peer died, or replaced); optional. */
	void	(*down)(struct peer *, const char *why);
	/* Its queue, full before, fell to half its bound; optional. */
	void	(*drained)(struct peer *);
};

#define PEERS_MAX	80

void	peers_init(const struct peer_ops *ops);
/* Takes fd: a new channel to that peer, replacing any older one. */
void	peers_add(const struct imsg_peer *p, int fd);
/* The peer's slot (its chan may be NULL), or NULL if never seen. */
struct peer *peers_get(enum proc_kind kind, int instance);
/* Closes the channel, e.g. after a malformed message. */
void	peers_drop(struct peer *p, const char *why);

#endif
