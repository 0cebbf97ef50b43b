/*
 * activity.c - what the idle policy needs from the relay: which viewers
 * sent input (rfbin.c tells input from an untouched viewer's requests),
 * reported to ssd-api by one timer every relay_activity_interval, one
 * message per viewer that did, never per frame; and the close of a
 * session's viewers when a policy ends it, with the policy's reason.
 * Keeps no state but a flag per stream: nothing to bound.
 */
#include "config.h"

#include <string.h>

#include "conf.h"
#include "ipc.h"
#include "log.h"
#include "peers.h"
#include "proto.h"
#include "relay.h"
#include "util.h"
#include "worker.h"
#include "ws.h"

static struct event *activity_ev;

void
activity_viewer(struct stream *s, const uint8_t *data, size_t len)
{
	if (rfbin_feed(&s->rfbin, data, len))
		s->input = 1;
}

static void
activity_report(struct stream *s, void *arg)
{
	struct ipc_chan *api = arg;
	struct imsg_session_activity a;

	if (!s->input)
		return;
	memset(&a, 0, sizeof(a));
	ssd_strlcpy(a.session_id, s->session, sizeof(a.session_id));
	/* Kept for the next tick when the channel is full. */
	if (ipc_send(api, IMSG_SESSION_ACTIVITY, 0, -1, &a, sizeof(a)) == 0)
		s->input = 0;
}

static void
activity_tick(int fd, short ev, void *arg)
{
	struct peer *api = peers_get(PROC_API, 0);

	if (api != NULL && api->chan != NULL)
		stream_foreach(activity_report, api->chan);
}

void
activity_configure(const struct conf *c)
{
	worker_every(&activity_ev, conf_ms(c, S_RELAY_ACTIVITY_INTERVAL),
	    activity_tick);
}

void
activity_session_end(struct peer *p, struct ipc_msg *m)
{
	struct imsg_session_end e;

	if (p->kind != PROC_API || m->len != sizeof(e)) {
		log_warnx("%s: malformed session end, closing the channel",
		    p->name);
		peers_drop(p, "protocol error");
		return;
	}
	memcpy(&e, m->data, sizeof(e));
	e.session_id[sizeof(e.session_id) - 1] = '\0';
	e.reason[sizeof(e.reason) - 1] = '\0';
	stream_close_session(e.session_id, WS_CLOSE_NORMAL, e.reason);
}
