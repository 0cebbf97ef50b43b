/*
 * handoff.h - passing an accepted client connection from ssd-api to the
 * worker that will own it, with everything already known about it: why
 * (the kind), who (peer address, ids in the kind's metadata), and the bytes
 * already read past the request, so that nothing is lost on the way.
 */
#ifndef SSD_HANDOFF_H
#define SSD_HANDOFF_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct ipc_chan;
struct ipc_msg;

enum handoff_kind {
	HANDOFF_HEALTH = 1,	/* answer a health request on the socket */
	HANDOFF_AGENT_LINK,	/* an agent's control link: struct handoff_agent */
	HANDOFF_DATA_LINK,	/* an agent's data link (to a relay): same */
	HANDOFF_VIEWER,		/* a browser's VNC stream: handoff_viewer */
	HANDOFF_WEB,		/* a connection to a web session: handoff_web */
};

/* An authenticated agent's upgrade request; the receiver answers 101. */
struct handoff_agent {
	char	agent_id[256];
	char	accept[32];	/* Sec-WebSocket-Accept, NUL-terminated */
};

/*
 * An authorized viewer's upgrade request for a running session; the relay
 * answers 101 (with protocol, "" for none) once its agent's data link
 * has the stream open, or an HTTP error.
 */
struct handoff_viewer {
	char	session_id[256];
	char	agent_id[256];
	char	user[256];	/* for audit */
	char	accept[32];
	char	protocol[16];	/* "binary" or "" */
};

/*
 * An authorized connection to a web-streamed session's origin; its tail
 * starts with the request head as the pod is to see it.  The relay opens
 * a stream to port of the session's pod and from then on carries bytes
 * both ways, or answers an HTTP error if the stream cannot be opened.
 */
struct handoff_web {
	char		session_id[256];
	char		agent_id[256];
	char		user[256];	/* for audit */
	uint32_t	port;		/* 1-65535 */
	uint32_t	pad;
};

/*
 * The relay that owns an agent's data links, of nrelays: the same agent
 * always goes to the same relay (a restarted relay gets its agents back
 * as they re-dial), so ssd-api needs no table to find it.
 */
unsigned	handoff_relay_for(const char *agent_id, unsigned nrelays);


/*
 * A tail is what ssd-api read past a request's head (at most
 * HANDOFF_READ_AHEAD), with, for a web session, the head rewritten for its
 * pod first: all in one IPC message.
 */
#define HANDOFF_READ_AHEAD	(32 * 1024)
#define HANDOFF_TAIL_MAX	(56 * 1024)
#define HANDOFF_META_MAX	(4 * 1024)

struct handoff_hdr {
	uint32_t	kind;
	uint32_t	meta_len;	/* kind-specific record after this */
	uint32_t	tail_len;	/* pre-read bytes after the record */
	uint32_t	pad;
	uint64_t	ino;		/* inode of the socket, checked */
	char		peer[64];	/* client address, for logs/audit */
};

struct handoff {
	struct handoff_hdr	 hdr;
	uint32_t		 id;	/* the message's peerid */
	int			 fd;	/* owned by the receiver */
	const uint8_t		*meta;
	const uint8_t		*tail;
};

/*
 * Sends fd to the peer (the channel then owns it) with its record.
 * Returns 0 or -1 with errno as ipc_send (the caller still owns fd).
 */
int	handoff_send(struct ipc_chan *c, uint32_t id, int fd,
	    enum handoff_kind kind, const char *peer, const void *meta,
	    size_t meta_len, const void *tail, size_t tail_len);

/*
 * Validates a received IMSG_HANDOFF: sizes, a descriptor that is the
 * socket the record describes.  On success h->fd is taken from m and the
 * pointers point into m's payload.  On failure the message keeps its fd
 * (closed by the IPC layer) and why says what was wrong.
 */
int	handoff_recv(struct ipc_msg *m, struct handoff *h, const char **why);

/*
 * The kind's record of a received hand-off, size checked and every
 * string terminated: 0, or -1 when it is malformed.
 */
int	handoff_agent_meta(const struct handoff *h, struct handoff_agent *a);
int	handoff_viewer_meta(const struct handoff *h, struct handoff_viewer *v);
int	handoff_web_meta(const struct handoff *h, struct handoff_web *w);

/* Answers the sender: the receiver owns the connection, or refuses it. */
void	handoff_ack(struct ipc_chan *c, uint32_t id);
void	handoff_nack(struct ipc_chan *c, uint32_t id, const char *reason);

/*
 * Writes a complete small HTTP response (JSON body, Connection: close) on
 * a handed-off socket and closes it once flushed or after timeout_ms.
 */
void	handoff_reply_http(struct event_base *base, int fd, int status,
	    const char *json, unsigned timeout_ms);

/* Answers a HANDOFF_HEALTH: 200 with the worker's name and pid, then ACK. */
void	handoff_reply_health(struct event_base *base, struct ipc_chan *c,
	    struct handoff *h, const char *worker);

/*
 * What every hand-off receiver does first with a message from peer p:
 * only ssd-api hands connections over (anything else closes the channel),
 * a malformed hand-off is refused, a health check is answered, and a
 * receiver that is stopping refuses the rest.  Returns 1 when h is a
 * hand-off of another kind for the caller, 0 when it was dealt with.
 */
struct peer;
int	handoff_accept(struct event_base *base, struct peer *p,
	    struct ipc_msg *m, int stopping, struct handoff *h);
/*
 * A received connection the caller cannot take: the client gets 503 with
 * reason (plain text, no quotes) and the sender a NACK.
 */
void	handoff_refuse(struct event_base *base, struct ipc_chan *c,
	    struct handoff *h, const char *reason);

/*
 * An agent's link (control or data) handed over: its record parsed, the
 * socket and the bytes already read given to accept, the sender answered.
 * what names the link in the refusal of a malformed record.
 */
typedef void (*handoff_link_fn)(int fd, const char *agent_id,
	    const char *accept, const char *peer, const uint8_t *tail,
	    size_t tail_len);
void	handoff_take_agent_link(struct event_base *base, struct ipc_chan *c,
	    struct handoff *h, handoff_link_fn accept, const char *what);

#endif
