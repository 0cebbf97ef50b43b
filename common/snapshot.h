/*
 * snapshot.h - the answering side of IMSG_SNAP_REQ (proto.h): a process
 * renders what it was asked for once, at offset 0, and hands it out a
 * few chunks per request, so a large snapshot (every agent's status)
 * never fills a channel that also carries pings and hand-offs.
 */
#ifndef SSD_SNAPSHOT_H
#define SSD_SNAPSHOT_H

#include <stddef.h>

#include "proto.h"

struct evbuffer;
struct ipc_chan;
struct ipc_msg;

/*
 * Bytes of snapshot per IMSG_SNAP_DATA, and IMSG_SNAP_DATA per request:
 * 240 KiB at a time, a quarter of the smallest channel queue.
 */
#define SNAP_CHUNK	(60 * 1024)
#define SNAP_BURST	4

/* What renders kind: at most max bytes into out. */
void	snapshot_register(enum snap_kind kind,
	    void (*render)(struct evbuffer *out, size_t max));
/* The bound on one snapshot (metrics_max_size). */
void	snapshot_configure(size_t max);
/* Answers an IMSG_SNAP_REQ on c (a chunk, or GONE). */
void	snapshot_answer(struct ipc_chan *c, const struct ipc_msg *m);

#endif
