/*
 * main.c - ssd-relay: owns agents' data links (link.c) and the
 * browsers' streams on them (stream.c: VNC; web.c: web sessions), all
 * handed over by ssd-api, which also says when streams are to end,
 * and tells ssd-api which viewers sent input (activity.c); answers
 * health hand-offs too.  Chrooted and sandboxed: only I/O on
 * descriptors it was given, never an open, socket or connect.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "bevio.h"
#include "handoff.h"
#include "ipc.h"
#include "log.h"
#include "metrics.h"
#include "peers.h"
#include "proto.h"
#include "relay.h"
#include "snapshot.h"
#include "worker.h"

void
relay_maybe_exit(void)
{
	if (worker_shutting_down() && dlink_count() == 0 &&
	    stream_count() == 0 && ends_deliverable() == 0)
		worker_exit(0);
}

static void
relay_viewer(struct peer *p, struct handoff *h)
{
	struct handoff_viewer v;

	if (handoff_viewer_meta(h, &v) == -1) {
		handoff_refuse(worker_base(), p->chan, h, "malformed viewer "
		    "hand-off");
		return;
	}
	stream_viewer(&v, h);
	handoff_ack(p->chan, h->id);
}

static void
relay_web(struct peer *p, struct handoff *h)
{
	struct handoff_web w;

	if (handoff_web_meta(h, &w) == -1) {
		handoff_refuse(worker_base(), p->chan, h, "malformed web "
		    "hand-off");
		return;
	}
	web_accept(&w, h);
	handoff_ack(p->chan, h->id);
}

/* ssd-api: a session stopped, or a user was disabled. */
static void
relay_cut(struct peer *p, struct ipc_msg *m)
{
	struct imsg_streams_cut c;

	if (p->kind != PROC_API || m->len != sizeof(c)) {
		log_warnx("%s: malformed streams cut, closing the channel",
		    p->name);
		peers_drop(p, "protocol error");
		return;
	}
	memcpy(&c, m->data, sizeof(c));
	c.session_id[sizeof(c.session_id) - 1] = '\0';
	c.user[sizeof(c.user) - 1] = '\0';
	c.reason[sizeof(c.reason) - 1] = '\0';
	stream_cut(c.session_id, c.user, c.reason);
}

static void
relay_peer_msg(struct peer *p, struct ipc_msg *m)
{
	struct handoff h;

	if (m->type == IMSG_SESSION_END) {
		activity_session_end(p, m);
		return;
	}
	if (m->type == IMSG_STREAMS_CUT) {
		relay_cut(p, m);
		return;
	}
	if (handoff_accept(worker_base(), p, m, worker_shutting_down(),
	    &h) != 1)
		return;
	if (h.hdr.kind == HANDOFF_DATA_LINK)
		handoff_take_agent_link(worker_base(), p->chan, &h,
		    dlink_accept, "data link");
	else if (h.hdr.kind == HANDOFF_VIEWER)
		relay_viewer(p, &h);
	else if (h.hdr.kind == HANDOFF_WEB)
		relay_web(p, &h);
	else
		handoff_refuse(worker_base(), p->chan, &h,
		    "not handled by ssd-relay");
}

static void
relay_peer_drained(struct peer *p)
{
	if (p->kind == PROC_API)
		ends_flush();
}

static const struct peer_ops relay_peer_ops = {
	.msg = relay_peer_msg,
	.drained = relay_peer_drained,
};

struct relay_limits relay_limits;

static void
relay_metrics_collect(void)
{
	metrics_set(M_RELAY_LINKS, NULL, dlink_count());
	metrics_set(M_RELAY_STREAMS, NULL, stream_count());
}

/* New links and streams take the new bounds; open ones keep theirs. */
static int
relay_configure(const struct conf *c, int initial, char *err, size_t errlen)
{
	struct relay_limits *rl = &relay_limits;

	if (initial) {
		stream_metrics_init();
		metrics_on_collect(relay_metrics_collect);
		snapshot_register(SNAP_STREAMS, stream_list);
	}
	rl->window_max = (uint32_t)conf_size(c, S_RELAY_WINDOW_MAX);
	rl->link_buffer_max = conf_size(c, S_RELAY_LINK_BUFFER_MAX);
	rl->link_output_max = conf_size(c, S_RELAY_LINK_OUTPUT_MAX);
	rl->link_timeout_ms = conf_ms(c, S_RELAY_LINK_TIMEOUT);
	rl->open_timeout_ms = conf_ms(c, S_RELAY_OPEN_TIMEOUT);
	rl->viewer_message_max = conf_size(c, S_RELAY_VIEWER_MAX_MESSAGE);
	rl->viewer_output_max = 2 * (size_t)rl->window_max + 64 * 1024;
	activity_configure(c);
	rl->web_idle_ms = conf_ms(c, S_WEB_STREAM_IDLE_TIMEOUT);
	rl->web_max_head = conf_size(c, S_HTTP_MAX_HEADER_SIZE);
	return 0;
}

static void
relay_peer(const struct imsg_peer *p, int fd)
{
	peers_add(p, fd);
}

/* Viewers and agents reconnect elsewhere or later: tell them now. */
static void
relay_shutdown(void)
{
	stream_close_all("relay stopping");
	dlink_close_all("relay stopping");
	relay_maybe_exit();
}

static const struct worker_ops relay_ops = {
	.name = "ssd-relay",
	.kind = PROC_RELAY,
	.profile = SANDBOX_RELAY,
	.configure = relay_configure,
	.peer = relay_peer,
	.shutdown = relay_shutdown,
};

int
main(int argc, char *argv[])
{
	bevio_tune_malloc();
	peers_init(&relay_peer_ops);
	return worker_main(argc, argv, &relay_ops);
}
