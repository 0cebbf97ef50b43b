/*
 * ends.c - every viewer handed to this relay ends with a record to
 * ssd-api (IMSG_STREAM_END), which counts viewers (viewer_max_per_session,
 * viewer_max_per_user) and, for those that got their 101, writes the
 * audit trail (we cannot).  A record lost would count against its session
 * until this relay restarts, so those that do not fit the channel (about
 * 5,000 viewers closing at once fill its queue) wait here, in order, and
 * go as it drains, or each second while ssd-api is away.  At
 * ENDS_WAITING_MAX waiting, one more is logged and dropped.
 */
#include "config.h"

#include <sys/queue.h>

#include <stdlib.h>

#include <event2/event.h>

#include "ipc.h"
#include "log.h"
#include "peers.h"
#include "proto.h"
#include "relay.h"
#include "util.h"
#include "worker.h"

#define ENDS_WAITING_MAX	32768	/* ~25 MiB */
#define ENDS_RETRY_MS		1000

struct end_rec {
	STAILQ_ENTRY(end_rec)	 entry;
	uint32_t		 handoff_id;
	struct imsg_stream_end	 e;
};

static STAILQ_HEAD(, end_rec) waiting = STAILQ_HEAD_INITIALIZER(waiting);
static size_t nwaiting;
static struct event *retry;

static int
ends_try(uint32_t handoff_id, const struct imsg_stream_end *e)
{
	struct peer *api = peers_get(PROC_API, 0);

	return api != NULL && api->chan != NULL && ipc_send(api->chan,
	    IMSG_STREAM_END, handoff_id, -1, e, sizeof(*e)) == 0;
}

static void
ends_retry_cb(evutil_socket_t fd, short ev, void *arg)
{
	ends_flush();
}

static void
ends_arm(void)
{
	struct timeval tv = { ENDS_RETRY_MS / 1000, 0 };

	if (retry == NULL)
		retry = evtimer_new(worker_base(), ends_retry_cb, NULL);
	if (retry == NULL)
		fatalx("evtimer_new failed");
	if (!evtimer_pending(retry, NULL))
		evtimer_add(retry, &tv);
}

void
ends_flush(void)
{
	struct end_rec *w;
	size_t sent = 0;

	while ((w = STAILQ_FIRST(&waiting)) != NULL &&
	    ends_try(w->handoff_id, &w->e)) {
		STAILQ_REMOVE_HEAD(&waiting, entry);
		nwaiting--;
		free(w);
		sent++;
	}
	if (sent > 0 && nwaiting == 0)
		log_info("viewers' end records all sent to ssd-api after "
		    "waiting for its channel");
	if (nwaiting > 0)
		ends_arm();
	/* Stopping: done once they are sent, or can no longer be. */
	relay_maybe_exit();
}

void
ends_send(uint32_t handoff_id, const struct imsg_stream_end *e)
{
	struct end_rec *w;

	if (nwaiting == 0 && ends_try(handoff_id, e))
		return;
	if (nwaiting == ENDS_WAITING_MAX) {
		log_warnx("session %s: viewer %s's end not reported (%d "
		    "records wait for the channel to ssd-api): it counts "
		    "against the session's viewers until this relay restarts",
		    e->session_id, e->peer, ENDS_WAITING_MAX);
		return;
	}
	if (nwaiting == 0)
		log_info("channel to ssd-api full or down: viewers' end "
		    "records wait for it");
	w = xmalloc(sizeof(*w));
	w->handoff_id = handoff_id;
	w->e = *e;
	STAILQ_INSERT_TAIL(&waiting, w, entry);
	nwaiting++;
	ends_arm();
}

/* Records waiting that can still go: ssd-api's channel is up. */
size_t
ends_deliverable(void)
{
	struct peer *api = peers_get(PROC_API, 0);

	return api != NULL && api->chan != NULL ? nwaiting : 0;
}
