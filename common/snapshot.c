/*
 * snapshot.c - answers IMSG_SNAP_REQ from ssd-api with the renderers a
 * process registered (snapshot.h).  One snapshot per kind is kept
 * between chunks; a new request at offset 0 replaces it.  Runs in every
 * process's own loop and never waits for anyone.
 */
#include "config.h"

#include <sys/uio.h>

#include <string.h>

#include <event2/buffer.h>

#include "ipc.h"
#include "log.h"
#include "snapshot.h"
#include "util.h"

#define SNAP_KINDS	(SNAP_STREAMS + 1)

static struct {
	void		(*render[SNAP_KINDS])(struct evbuffer *, size_t);
	struct evbuffer	*buf[SNAP_KINDS];
	uint32_t	 id[SNAP_KINDS];
	size_t		 max;
} snap = { .max = 64 * 1024 * 1024 };

void
snapshot_register(enum snap_kind kind,
    void (*render)(struct evbuffer *, size_t))
{
	snap.render[kind] = render;
}

void
snapshot_configure(size_t max)
{
	snap.max = max;
}

static void
snapshot_send(struct ipc_chan *c, uint32_t id, uint32_t kind,
    uint32_t flags, const void *data, size_t len)
{
	struct imsg_snap_data d = { kind, flags };
	struct iovec iov[2] = {
		{ &d, sizeof(d) },
		{ (void *)(uintptr_t)data, len },
	};

	if (ipc_sendv(c, IMSG_SNAP_DATA, id, -1, iov, len > 0 ? 2 : 1) == -1)
		log_warn("%s: cannot send a snapshot chunk", ipc_chan_name(c));
}

void
snapshot_answer(struct ipc_chan *c, const struct ipc_msg *m)
{
	struct imsg_snap_req req;
	const uint8_t *p;
	size_t len, n, off;
	int i;

	if (ipc_msg_get(m, &req, sizeof(req)) == -1 || req.kind == 0 ||
	    req.kind >= SNAP_KINDS || snap.render[req.kind] == NULL) {
		log_warnx("%s: snapshot request of unknown kind",
		    ipc_chan_name(c));
		snapshot_send(c, m->peerid, 0, SNAP_F_GONE, NULL, 0);
		return;
	}
	if (req.offset == 0) {
		if (snap.buf[req.kind] != NULL)
			evbuffer_free(snap.buf[req.kind]);
		if ((snap.buf[req.kind] = evbuffer_new()) == NULL)
			fatalx("out of memory for a snapshot");
		snap.id[req.kind] = m->peerid;
		snap.render[req.kind](snap.buf[req.kind], snap.max);
	} else if (snap.buf[req.kind] == NULL ||
	    snap.id[req.kind] != m->peerid) {
		snapshot_send(c, m->peerid, req.kind, SNAP_F_GONE, NULL, 0);
		return;
	}
	len = evbuffer_get_length(snap.buf[req.kind]);
	if (req.offset > len) {
		snapshot_send(c, m->peerid, req.kind, SNAP_F_GONE, NULL, 0);
		return;
	}
	p = evbuffer_pullup(snap.buf[req.kind], -1);
	for (i = 0, off = req.offset; i < SNAP_BURST; i++, off += n) {
		n = len - off > SNAP_CHUNK ? SNAP_CHUNK : len - off;
		if (off + n == len) {
			snapshot_send(c, m->peerid, req.kind, SNAP_F_LAST,
			    p + off, n);
			evbuffer_free(snap.buf[req.kind]);
			snap.buf[req.kind] = NULL;
			return;
		}
		snapshot_send(c, m->peerid, req.kind, i + 1 < SNAP_BURST ?
		    SNAP_F_MORE : 0, p + off, n);
	}
}
