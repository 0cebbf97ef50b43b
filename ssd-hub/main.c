/*
 * main.c - ssd-hub: owns the agents' control links (link.c) and sends
 * them their commands (dispatch.c).  ssd-api authenticates an agent and
 * hands its connection here; the hub answers health hand-offs too.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include <event2/event.h>

#include "db.h"
#include "handoff.h"
#include "hub.h"
#include "ipc.h"
#include "log.h"
#include "peers.h"
#include "util.h"
#include "worker.h"

/* Command deadlines are checked this often. */
#define HUB_SWEEP_SECONDS	2

static struct db *hub_database;

struct db *
hub_db(void)
{
	return hub_database;
}

const struct conf *
hub_conf(void)
{
	return worker_conf();
}

static void
hub_peer_msg(struct peer *p, struct ipc_msg *m)
{
	struct handoff h;

	if (handoff_accept(worker_base(), p, m, worker_shutting_down(),
	    &h) != 1)
		return;
	if (h.hdr.kind == HANDOFF_AGENT_LINK)
		handoff_take_agent_link(worker_base(), p->chan, &h,
		    hub_link_accept, "agent");
	else
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
hub_sweep_cb(evutil_socket_t fd, short ev, void *arg)
{
	const char *why;

	if (db_is_up(hub_database, &why))
		dispatch_sweep();
}

/* In the sandbox: libpq connects from here on. */
static void
hub_start(void)
{
	static const char *const channels[] = { "ssd_commands" };
	struct timeval tv = { HUB_SWEEP_SECONDS, 0 };

	hub_database = db_open(worker_base(), worker_conf(), "ssd-hub");
	db_listen(hub_database, channels, nitems(channels), dispatch_notify,
	    NULL);
	hubm_start();
	event_add(event_new(worker_base(), -1, EV_PERSIST, hub_sweep_cb, NULL),
	    &tv);
}

static void
hub_peer(const struct imsg_peer *p, int fd)
{
	peers_add(p, fd);
}

/*
 * Agents reconnect to whichever hub comes next: tell them now, and leave
 * once the close frames are out (or at the master's deadline).
 */
static void
hub_shutdown(void)
{
	hub_link_close_all("control plane stopping");
	if (hub_link_count() == 0)
		worker_exit(0);
}

static const struct worker_ops hub_ops = {
	.name = "ssd-hub",
	.kind = PROC_HUB,
	.profile = SANDBOX_HUB,
	.configure = hub_configure,
	.start = hub_start,
	.peer = hub_peer,
	.shutdown = hub_shutdown,
};

int
main(int argc, char *argv[])
{
	peers_init(&hub_peer_ops);
	return worker_main(argc, argv, &hub_ops);
}
