/*
 * relay.h - ssd-relay's insides: agents' data links (link.c) and the
 * browsers' streams multiplexed on them (stream.c: VNC over WebSocket;
 * web.c: a web session's connection, bytes as they are), framed by
 * common/mux.h.  Runs chrooted and sandboxed: only I/O on descriptors
 * handed over by ssd-api, no allocation per byte, every buffer bounded.
 */
#ifndef SSD_RELAY_H
#define SSD_RELAY_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include "mux.h"
#include "rfbin.h"
#include "webreq.h"

struct conf;
struct event;
struct evbuffer;
struct ipc_msg;
struct peer;
struct handoff;
struct bufferevent;
struct handoff_viewer;
struct handoff_web;
struct wsconn;

/*
 * The bounds of ssd.conf(5) (relay_*), as of the last reload: windows
 * granted to agents per stream (from MUX_WINDOW_MIN up to window_max)
 * and their sum over one link; a link's output, above half of which
 * viewers' input waits; silence and open limits; a viewer's largest
 * message and queued output.
 */
struct relay_limits {
	uint32_t	window_max;
	uint64_t	link_buffer_max;
	size_t		link_output_max;
	uint64_t	link_timeout_ms;
	uint64_t	open_timeout_ms;
	size_t		viewer_message_max;
	size_t		viewer_output_max;
	uint64_t	web_idle_ms;
	size_t		web_max_head;	/* http_max_header_size */
};
extern struct relay_limits relay_limits;

#define RELAY_LINK_BUCKETS	256	/* streams of a link, by id */
/* Protocol timing: links are pinged this often, idle viewers after. */
#define RELAY_LINK_PING_MS	1000
/* Less DATA than this still to read costs less copied than spliced. */
#define RELAY_SPLICE_MIN	(16 * 1024)
#define RELAY_VIEWER_PING_MS	30000
#define RELAY_CLOSE_TIMEOUT_MS	3000
#define RELAY_REPLY_MS		5000

struct dlink;

/* One browser's stream on one data link. */
struct stream {
	int			 kind;		/* enum stream_kind */
	TAILQ_ENTRY(stream)	 all;
	LIST_ENTRY(stream)	 bucket;	/* its link's id hash */
	TAILQ_ENTRY(stream)	 parked;	/* waits for link output */
	int			 is_parked;
	struct dlink		*link;		/* NULL once detached */
	struct mux_stream	 mux;
	int			 fd;		/* browser, until 101 */
	struct wsconn		*ws;		/* browser, after 101 */
	struct bufferevent	*web;		/* web browser, once open */
	struct webreq		 req;		/* web: where its heads are */
	uint64_t		 moved_ms;	/* web: when a byte last moved */
	struct event		*timer;		/* open, then linger */
	uint8_t			*tail;		/* read past request */
	size_t			 tail_len;
	struct evbuffer		*up;		/* bytes awaiting credit */
	uint32_t		 down_queued;	/* agent bytes unwritten */
	int			 browser_done;	/* clean close: FIN */
	int			 close_pending;	/* agent's FIN: close */
	uint64_t		 bytes_up, bytes_down, started_ms;
	char			 session[MUX_SESSION_ID_MAX + 1];
	char			 agent[256];
	char			 user[256];
	char			 peer[64];
	char			 protocol[16];
	char			 accept[32];
	int			 upgraded;	/* the viewer got its 101 */
	uint32_t		 handoff_id;	/* ssd-api's, for its count */
	int			 close_code;
	char			 close_reason[128];
	struct rfbin		 rfbin;		/* what the viewer sends */
	int			 input;		/* since activity last said */
};

/* link.c */
void	 dlink_accept(int fd, const char *agent_id, const char *accept,
	    const char *peer, const uint8_t *tail, size_t tail_len);
/* The agent's data link with the fewest streams, or NULL. */
struct dlink *dlink_pick(const char *agent_id);
struct mux_link *dlink_mux(struct dlink *l);
/* A whole frame; -1 when the link is failing (it will be closed). */
int	 dlink_send(struct dlink *l, const void *frame, size_t len);
/* One DATA frame of len (<= MUX_DATA_MAX) bytes; -1 as dlink_send. */
int	 dlink_send_data(struct dlink *l, uint32_t id, const void *data,
	    size_t len);
/* Its output is above RELAY_LINK_OUTPUT_HIGH: park, wait for drain. */
int	 dlink_congested(const struct dlink *l);
void	 dlink_park(struct dlink *l, struct stream *s);
void	 dlink_attach(struct dlink *l, struct stream *s);
void	 dlink_detach(struct dlink *l, struct stream *s);
size_t	 dlink_count(void);
void	 dlink_close_all(const char *why);

/* stream.c */
/* A viewer hand-off: the record is checked, h->fd is taken. */
void	 stream_viewer(const struct handoff_viewer *v, struct handoff *h);
/*
 * A stream of kind to target/port of session on a data link to agent,
 * for h's client (h->fd is taken): OPEN sent, waiting for OPEN_OK.  NULL
 * when it cannot be opened (the client was answered 503).
 */
struct stream *stream_new(struct handoff *h, int kind, const char *session,
	    const char *agent, const char *user, unsigned int target,
	    unsigned int port);
/* Bytes in s->up go out within credit, then the browser is read again. */
void	 stream_flush_up(struct stream *s);
/* The browser took n bytes of the agent's: its window grows back. */
void	 stream_consumed(struct stream *s, size_t n);
void	 stream_send_reset(struct stream *s, unsigned int code,
	    const char *why);
/* Frees s once neither the browser nor the link refers to it. */
void	 stream_settle(struct stream *s);
/* Ends the web streams of session or of user (imsg_streams_cut). */
void	 stream_cut(const char *session, const char *user, const char *why);
void	 stream_frame(struct stream *s, const struct mux_frame *f);
/* DATA for s may come as a pipe (stream_frame_spliced): a viewer's. */
int	 stream_splices(const struct stream *s);
/*
 * DATA: its first bytes (f->len less p->held) at f->data, the rest in p,
 * which is empty after.
 */
struct bevio_pipe;
void	 stream_frame_spliced(struct stream *s, const struct mux_frame *f,
	    struct bevio_pipe *p);
/* Its link is gone: the stream ends with why. */
void	 stream_link_lost(struct stream *s, const char *why);
/* Its link's output drained: send what waits for it. */
void	 stream_resume(struct stream *s);
size_t	 stream_count(void);
/* Its series of /metrics, once metrics are set up. */
void	 stream_metrics_init(void);
/* ssdctl show streams: a JSON object a line, at most max bytes. */
void	 stream_list(struct evbuffer *out, size_t max);
void	 stream_close_all(const char *why);
/* Calls fn for every stream (fn must not free it). */
void	 stream_foreach(void (*fn)(struct stream *, void *), void *arg);
/* Closes the viewers of session with code and reason (a policy's end). */
void	 stream_close_session(const char *session, int code,
	    const char *reason);

/* activity.c: viewers' input, reported to ssd-api in batches. */
void	 activity_configure(const struct conf *c);
/* A viewer's bytes: noted when they are input. */
void	 activity_viewer(struct stream *s, const uint8_t *data, size_t len);
/* ssd-api's IMSG_SESSION_END: that session's viewers are closed. */
void	 activity_session_end(struct peer *p, struct ipc_msg *m);

/* Shutting down and nothing left: exit. */
void	 relay_maybe_exit(void);

/* ends.c: each viewer's end record to ssd-api, kept while it cannot go */
struct imsg_stream_end;
void	 ends_send(uint32_t handoff_id, const struct imsg_stream_end *e);
void	 ends_flush(void);
size_t	 ends_deliverable(void);

/* web.c: web sessions' connections, carried as bytes */
void	 web_accept(const struct handoff_web *w, struct handoff *h);
/* The agent opened the stream: the browser's bytes flow from now on. */
void	 web_open(struct stream *s);
/* The pod's bytes for the browser: 0, or -1 when it has left. */
int	 web_down(struct stream *s, const uint8_t *data, size_t len);
/* The agent's side sends no more: the browser's side is shut down. */
void	 web_remote_fin(struct stream *s);
/* Closes the browser's connection, if open (the caller settles s). */
void	 web_close(struct stream *s, const char *why);
/* s->timer after the open: closes s when idle too long. */
void	 web_idle(struct stream *s);

#endif
