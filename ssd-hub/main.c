/*
 * main.c - ssd-hub: owns the agents' control links (a later issue); for now it answers the health hand-offs ssd-api passes it, proving the fd passing across the sandbox.
 */
#include "config.h"

#include <stddef.h>

#include "handoff.h"
#include "ipc.h"
#include "log.h"
#include "peers.h"
#include "worker.h"

static void
hub_peer_msg(struct peer *p, struct ipc_msg *m)
{
	struct handoff h;

	if (m->type != IMSG_HANDOFF || p->kind != PROC_API) {
		log_warnx("%s: unexpected message type %u, closing the channel",
		    p->name, m->type);
		peers_drop(p, "protocol error");
		return;
	}
	if (handoff_accept(worker_base(), p->chan, m, "ssd-hub", &h) == 1)
		handoff_refuse(worker_base(), p->chan, &h,
		    "not handled by ssd-hub");
}

static const struct peer_ops hub_peer_ops = {
	.msg = hub_peer_msg,
};

static int
hub_configure(const struct conf *c, int initial, char *err, size_t errlen)
{
	return 0;
}

static void
hub_peer(const struct imsg_peer *p, int fd)
{
	peers_add(p, fd);
}

static const struct worker_ops hub_ops = {
	.name = "ssd-hub",
	.kind = PROC_HUB,
	.profile = SANDBOX_HUB,
	.configure = hub_configure,
	.peer = hub_peer,
};

int
main(int argc, char *argv[])
{
	peers_init(&hub_peer_ops);
	return worker_main(argc, argv, &hub_ops);
}
