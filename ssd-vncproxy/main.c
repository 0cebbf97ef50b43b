/*
 * main.c - ssd-vncproxy: will own agents' data links and browser VNC
 * streams; for now it answers the health hand-offs ssd-api passes it.
 * Chrooted: only I/O on descriptors it was given.
 */
#include "config.h"

#include <stddef.h>

#include "handoff.h"
#include "ipc.h"
#include "log.h"
#include "peers.h"
#include "worker.h"

static void
vncproxy_peer_msg(struct peer *p, struct ipc_msg *m)
{
	struct handoff h;

	if (m->type != IMSG_HANDOFF || p->kind != PROC_API) {
		log_warnx("%s: unexpected message type %u, closing the channel",
		    p->name, m->type);
		peers_drop(p, "protocol error");
		return;
	}
	if (handoff_accept(worker_base(), p->chan, m, "ssd-vncproxy", &h) == 1)
		handoff_refuse(worker_base(), p->chan, &h,
		    "not handled by ssd-vncproxy");
}

static const struct peer_ops vncproxy_peer_ops = {
	.msg = vncproxy_peer_msg,
};

static int
vncproxy_configure(const struct conf *c, int initial, char *err, size_t errlen)
{
	return 0;
}

static void
vncproxy_peer(const struct imsg_peer *p, int fd)
{
	peers_add(p, fd);
}

static const struct worker_ops vncproxy_ops = {
	.name = "ssd-vncproxy",
	.kind = PROC_RELAY,
	.profile = SANDBOX_RELAY,
	.configure = vncproxy_configure,
	.peer = vncproxy_peer,
};

int
main(int argc, char *argv[])
{
	peers_init(&vncproxy_peer_ops);
	return worker_main(argc, argv, &vncproxy_ops);
}
