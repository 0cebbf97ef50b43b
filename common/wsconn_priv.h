/*
 * wsconn_priv.h - the insides of a wsconn, shared by wsconn.c and its
 * spliced input (wsconn_splice.c).
 */
#ifndef SSD_WSCONN_PRIV_H
#define SSD_WSCONN_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "ws.h"
#include "wsconn.h"

#define WSCONN_READ_MAX		(256 * 1024)	/* input read per callback */
/* Spliced input read ahead: a small frame whole, a big one's header. */
#define WSCONN_AHEAD		4096

struct wsconn {
	struct bufferevent	*bev;
	struct event		*tick;
	enum ws_role		 role;
	struct wsconn_opts	 opts;
	struct wsconn_cbs	 cbs;
	void			*arg;
	struct ws_parser	 ws;
	uint64_t		 heard_ms;	/* last bytes in */
	uint64_t		 ping_ms;	/* last ping out, 0: answered */
	uint64_t		 closing_ms;	/* our close frame out */
	int			 rtt_ms;
	int			 close_code;	/* the close that ends it */
	char			 close_reason[WS_CONTROL_MAX + 1];
	int			 sent_close, got_close;
	int			 busy, dead;	/* in a callback; over */
	int			 paused;	/* set_reading(0): no messages */
	uint64_t		 stalled_ms;	/* output full since, 0: not */
	char			 protocol[64];
	/*
	 * Spliced input (opts.splice_prefix): the socket is read by rd
	 * instead of the bufferevent, at most WSCONN_AHEAD bytes ahead
	 * into ahead[], whose bytes from ahead_off are not yet used.
	 * Then copy_left more bytes of the frame go to the input for the
	 * parser, or splice_left bytes of its payload into pipe (while
	 * ahead holds only that frame's header and first bytes).  bulk:
	 * the last frame was spliced; drained: a read this wakeup was short.
	 */
	struct event		*rd;
	uint8_t			*ahead;
	size_t			 ahead_off, ahead_len;
	int			 bulk, drained;
	uint64_t		 copy_left;
	uint64_t		 splice_left;
	struct bevio_pipe	*pipe;
};

/* wsconn.c */
void	wsconn_parse_input(struct wsconn *c);
void	wsconn_event_of(struct wsconn *c, enum ws_event ev,
	    const struct ws_msg *m);
int	wsconn_output_full(struct wsconn *c);
/* Reading met end of file or an error (what: BEV_EVENT_*). */
void	wsconn_lost(struct wsconn *c, short what);
void	wsconn_end(struct wsconn *c, int code, const char *reason);
void	wsconn_try_finish(struct wsconn *c);

/* wsconn_splice.c */
/* Spliced input, if opts and the socket allow: 0 when it is on. */
int	wsconn_splice_start(struct wsconn *c, struct event_base *base);
void	wsconn_splice_reading(struct wsconn *c, int on);

#endif
