/*
 * proto.h - the messages ssd processes exchange, one enum per channel kind,
 * and the fixed-size payloads that go with them.  Payload sizes are checked
 * exactly by the receiver (ipc_msg_get); strings are fixed arrays that the
 * receiver NUL-terminates before use.
 */
#ifndef SSD_PROTO_H
#define SSD_PROTO_H

#include <stdint.h>

enum proc_kind {
	PROC_MASTER,
	PROC_API,
	PROC_HUB,
	PROC_RELAY,
};

/* master <-> worker (fd 3 of every worker) */
enum imsg_master {
	IMSG_CFG = 1,		/* m->w: settings text (conf_serialize) */
	IMSG_START,		/* m->w: enter the sandbox and serve */
	IMSG_LISTENER,		/* m->api: fd of the HTTP listener */
	IMSG_PEER_CHANNEL,	/* m->w: fd + struct imsg_peer */
	IMSG_PING,		/* m->w: peerid = sequence number */
	IMSG_LOG_LEVEL,		/* m->w: int32 syslog level */
	IMSG_SHUTDOWN,		/* m->w: uint32 drain deadline in ms */
	IMSG_SANDBOX_PROBE,	/* m->w: struct imsg_probe (test aid) */
	IMSG_ADMIN,		/* m->api: an ssdctl request, as sent (JSON);
				   peerid = its id */
	IMSG_METRICS_LISTENER,	/* m->api: fd of the metrics_listen socket */

	IMSG_READY = 100,	/* w->m: serving */
	IMSG_PONG,		/* w->m: peerid = sequence number */
	IMSG_CFG_DONE,		/* w->m: new settings applied */
	IMSG_PROBE_RESULT,	/* w->m: text, when the call was refused */
	IMSG_ADMIN_DATA,	/* api->m: one JSON object of a listing */
	IMSG_ADMIN_END,		/* api->m: the answer, as IMSG_CTL_END */
};

/* api -> hub/relay and back: connection hand-offs */
enum imsg_peer_type {
	IMSG_HANDOFF = 200,	/* api->w: fd + struct handoff + tail */
	IMSG_HANDOFF_ACK,	/* w->api: peerid = hand-off id */
	IMSG_HANDOFF_NACK,	/* w->api: peerid = hand-off id, reason text */
	IMSG_STREAM_END,	/* relay->api: struct imsg_stream_end */
	IMSG_SESSION_ACTIVITY,	/* relay->api: struct imsg_session_activity */
	IMSG_SESSION_END,	/* api->relay: struct imsg_session_end */
	IMSG_STREAMS_CUT,	/* api->relay: struct imsg_streams_cut */
};

/*
 * Viewers of a session sent input (keys, pointer, clipboard) since the
 * relay last said so: at most one per viewer each relay_activity_interval.
 */
struct imsg_session_activity {
	char		session_id[256];
};

/* A policy ended the session: its viewers are closed with the reason. */
struct imsg_session_end {
	char		session_id[256];
	char		reason[64];	/* idle, max_duration */
};

/* What a stream carries: a viewer's VNC, or a web session's bytes. */
enum stream_kind { STREAM_VNC = 0, STREAM_WEB = 1 };

/*
 * A viewer handed to a relay is gone (peerid: the hand-off's id): one for
 * each, refused or not; audited and counted as activity when upgraded.
 */
struct imsg_stream_end {
	char		session_id[256];
	char		user[256];
	char		peer[64];
	char		reason[128];	/* how the viewer's side closed */
	uint64_t	bytes_up, bytes_down, ms;
	int32_t		code;		/* its WebSocket close code, or 0 */
	int32_t		upgraded;	/* 1 once the viewer had its 101 */
	int32_t		kind;		/* enum stream_kind */
	int32_t		pad;
};

/*
 * The web sessions' connections of a session that is stopping, or of a
 * user who was disabled, end now (an empty field matches nothing).
 */
struct imsg_streams_cut {
	char		session_id[256];
	char		user[256];
	char		reason[128];
};

/*
 * api -> master, hub, relays and back: a snapshot of what a process holds
 * (its metrics, a relay's streams), pulled in chunks so that one request
 * never queues more than a chunk on a channel (common/snapshot.h).
 */
enum imsg_snapshot {
	IMSG_SNAP_REQ = 400,	/* api->w: struct imsg_snap_req;
				   peerid = the gathering's id */
	IMSG_SNAP_DATA,		/* w->api: struct imsg_snap_data + bytes */
};

enum snap_kind {
	SNAP_METRICS = 1,	/* metrics_snapshot() records */
	SNAP_STREAMS,		/* a relay's streams, one JSON object a line */
};

/* Offset 0 takes a new snapshot; later ones continue that one. */
struct imsg_snap_req {
	uint32_t	kind;
	uint32_t	offset;
};

#define SNAP_F_LAST	0x01	/* the snapshot ends with these bytes */
#define SNAP_F_GONE	0x02	/* no such snapshot (any more): start over */
#define SNAP_F_MORE	0x04	/* more of this answer follows: ask later */

struct imsg_snap_data {
	uint32_t	kind;
	uint32_t	flags;
};

/* control socket: ssdctl <-> master, JSON payloads */
enum imsg_ctl {
	IMSG_CTL_REQUEST = 300,	/* client: {"cmd": ..., ...} */
	IMSG_CTL_DATA,		/* master: one JSON object of a listing */
	IMSG_CTL_END,		/* master: {"ok": true|false, ...} */
};

struct imsg_peer {
	uint32_t	kind;		/* enum proc_kind of the other end */
	uint32_t	instance;
	uint32_t	gen;		/* restarts of that worker */
};

struct imsg_probe {
	char		what[32];	/* "socket", "open", "execve", ... */
};

/* The last migration in schema/ this build expects (checked by a test). */
#define SSD_SCHEMA_VERSION	"0040_websessions"

/* Exit status of a worker whose configuration cannot work: no restart. */
#define SSD_EXIT_CONFIG	78

#endif
