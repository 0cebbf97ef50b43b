/*
 * relay.h - ssd-relay's insides: agents' data links (link.c) and the
 * browsers' VNC streams multiplexed on them (stream.c), framed by
 * common/mux.h.  Runs chrooted and sandboxed: only I/O on descriptors
 * handed over by ssd-api, no allocation per byte, every buffer bounded.
 */
#ifndef SSD_RELAY_H
#define SSD_RELAY_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include "mux.h"

struct event;
struct evbuffer;
struct handoff;
struct handoff_viewer;
struct wsconn;

/*
 * Receive windows granted to agents (per stream: initial, grown up to
 * max) and the sum over one link's streams, which bounds what a link
 * can make us buffer and caps its streams at 2048.
 */
#define RELAY_WINDOW_INITIAL	MUX_WINDOW_MIN
#define RELAY_WINDOW_MAX	(4 * 1024 * 1024)
#define RELAY_LINK_BUFFER_MAX	((uint64_t)512 * 1024 * 1024)
/* Browser bytes wait while a link's output is above this. */
#define RELAY_LINK_OUTPUT_HIGH	(4 * 1024 * 1024)
/* ... and the link is broken past this (an agent that does not read). */
#define RELAY_LINK_OUTPUT_MAX	(RELAY_LINK_OUTPUT_HIGH + 4 * 1024 * 1024)
#define RELAY_LINK_PING_MS	1000
#define RELAY_LINK_SILENT_MS	5000
#define RELAY_LINK_BUCKETS	256
/* A stream's OPEN waits this long; a half-closed one lingers as long. */
#define RELAY_OPEN_TIMEOUT_MS	10000
#define RELAY_LINGER_MS		10000
/* Browser side: largest message taken, output beyond the window. */
#define RELAY_VIEWER_MESSAGE	(256 * 1024)
#define RELAY_VIEWER_OUTPUT_MAX	(2 * RELAY_WINDOW_MAX + 64 * 1024)
#define RELAY_VIEWER_PING_MS	30000
#define RELAY_CLOSE_TIMEOUT_MS	3000
#define RELAY_REPLY_MS		5000

struct dlink;

/* One browser's VNC stream on one data link. */
struct stream {
	TAILQ_ENTRY(stream)	 all;
	LIST_ENTRY(stream)	 bucket;	/* its link's id hash */
	TAILQ_ENTRY(stream)	 parked;	/* waits for link output */
	int			 is_parked;
	struct dlink		*link;		/* NULL once detached */
	struct mux_stream	 mux;
	int			 fd;		/* browser, until 101 */
	struct wsconn		*ws;		/* browser, after 101 */
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
	int			 close_code;
	char			 close_reason[128];
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
void	 stream_frame(struct stream *s, const struct mux_frame *f);
/* Its link is gone: the stream ends with why. */
void	 stream_link_lost(struct stream *s, const char *why);
/* Its link's output drained: send what waits for it. */
void	 stream_resume(struct stream *s);
size_t	 stream_count(void);
void	 stream_close_all(const char *why);
/* Shutting down and nothing left: exit. */
void	 relay_maybe_exit(void);

#endif
