/*
 * wsconn.h - a WebSocket connection on a libevent bufferevent, either
 * side: framing and masking (common/ws.c), pings, an idle limit, a
 * bounded output queue and the close handshake with real codes; and the
 * client's dial (wsconn_dial.c, on common/dial.c) that ends in one.
 */
#ifndef SSD_WSCONN_H
#define SSD_WSCONN_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "ws.h"

#define WSCONN_PIPE_PREFIX_MAX	64

struct bevio_pipe;
struct bufferevent;
struct dial_url;
struct event_base;
struct evdns_base;
struct wsconn;

struct wsconn_opts {
	size_t	 max_message;		/* largest message taken */
	size_t	 max_output;		/* queued bytes before sends fail */
	int	 ping_interval_ms;	/* 0: no pings */
	int	 idle_timeout_ms;	/* nothing heard for this long: close */
	int	 close_timeout_ms;	/* wait for the peer's close frame */
	/*
	 * Output at max_output stops reading (so pings cannot make us
	 * queue pongs without end) until it drains; a peer that keeps it
	 * there this long (0: 30 s) is closed with 1008.
	 */
	int	 stall_timeout_ms;
	int	 plain_socket;		/* not TLS: bulk reads (bevio.h) */
	/*
	 * No timer of its own: the owner calls wsconn_tick() at least every
	 * second (one timer for thousands of connections).
	 */
	int	 external_tick;
	/*
	 * A server on a plain socket may take payloads out of the stream
	 * (cbs.splice): its input is then read a little ahead only, and
	 * data frames with at least splice_min payload bytes not yet read
	 * come to splice() with their first splice_prefix bytes (at most
	 * WSCONN_PIPE_PREFIX_MAX).  0: off.
	 */
	size_t	 splice_prefix;
	size_t	 splice_min;
};

struct wsconn_cbs {
	/* A text or binary message; data is valid during the call. */
	void	(*message)(struct wsconn *c, int opcode, const uint8_t *data,
		    size_t len, void *arg);
	/*
	 * The connection is over (closed by either side, lost, or a
	 * protocol error): the close code and reason that ended it, 1006
	 * when there was no close frame.  Called once; c is freed after.
	 */
	void	(*closed)(struct wsconn *c, int code, const char *reason,
		    void *arg);
	/* Optional: everything queued was written (flow control). */
	void	(*drained)(struct wsconn *c, void *arg);
	/*
	 * With opts.splice_prefix: a whole binary message of len bytes,
	 * masked with the key 0, is coming; head holds its first
	 * splice_prefix bytes.  A pipe to move the rest into, or NULL:
	 * message() gets it as usual.  Once all of it is there, spliced()
	 * gets the message's first hlen bytes (read ahead, at least
	 * splice_prefix) in head and the rest in the pipe.
	 */
	struct bevio_pipe *(*splice)(struct wsconn *c, const uint8_t *head,
		    uint64_t len, void *arg);
	void	(*spliced)(struct wsconn *c, const uint8_t *head, size_t hlen,
		    struct bevio_pipe *p, void *arg);
};

/* Takes bev (after the handshake) and any bytes already in its input. */
struct wsconn	*wsconn_new(struct event_base *base, struct bufferevent *bev,
		    enum ws_role role, const struct wsconn_opts *opts,
		    const struct wsconn_cbs *cbs, void *arg);
/* Queues one message; -1 once closing or over max_output. */
int		 wsconn_send(struct wsconn *c, int opcode, const void *data,
		    size_t len);
int		 wsconn_send_text(struct wsconn *c, const char *text);
/*
 * Queues one message of prefix and then all that p holds, on a plain
 * socket, the pipe's bytes moved by the kernel (bevio.h).  A client
 * masks it with the key 0: what goes on the wire is the payload as it is
 * (see the caller for why that is safe there).  -1 once closing, over
 * max_output, or not a plain socket; p is empty after, either way.
 */
int		 wsconn_send_pipe(struct wsconn *c, int opcode,
		    const void *prefix, size_t plen, struct bevio_pipe *p);
/* The socket under a plain connection (for splicing into), else -1. */
int		 wsconn_plain_fd(const struct wsconn *c);
/* Starts the close handshake; closed() follows. */
void		 wsconn_close(struct wsconn *c, int code, const char *reason);
/* Drops the connection now, without closed(); not from a callback. */
void		 wsconn_free(struct wsconn *c);
size_t		 wsconn_queued(const struct wsconn *c);
/* 1 once either side has started the close handshake. */
int		 wsconn_closing(const struct wsconn *c);
/* The subprotocol agreed on in the handshake, "" for none. */
const char	*wsconn_protocol(const struct wsconn *c);
void		 wsconn_set_protocol(struct wsconn *c, const char *protocol);
/* Stops or resumes reading (flow control; a test agent playing dead). */
void		 wsconn_set_reading(struct wsconn *c, int on);
/* Round trip of the last answered ping, in ms (-1: none yet). */
int		 wsconn_rtt_ms(const struct wsconn *c);
/*
 * Pings, idle, stall and close limits as of now (external_tick); may end
 * the connection (closed() runs, c is gone).  Not from a callback.
 */
void		 wsconn_tick(struct wsconn *c, uint64_t now);

/*
 * The client's dial: connect (TLS if u says so), the upgrade request for
 * u's path + target (which may hold a query), protocols and extra header
 * lines (CRLF-terminated) offered, the answer checked.  done gets the
 * open connection, or NULL with the HTTP status (0 if none) and why.
 */
typedef void (*wsconn_dial_fn)(struct wsconn *c, int status,
	    const char *err, void *arg);
struct wsconn_dial;
struct wsconn_dial *wsconn_dial(struct event_base *base,
		    struct evdns_base *dns, SSL_CTX *tls, const struct dial_url *u,
		    const char *target, const char *protocols,
		    const char *headers, int timeout_ms,
		    const struct wsconn_opts *opts,
		    const struct wsconn_cbs *cbs, void *arg,
		    wsconn_dial_fn done, char *err, size_t errlen);
void		 wsconn_dial_cancel(struct wsconn_dial *d);

#endif
