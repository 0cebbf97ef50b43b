/*
 * mux.h - the stream multiplexing protocol of an agent data link: the
 * framing, its one parser, the frame builders, and the per-stream state
 * and credit flow control that relay (ssd-relay) and agent share.  No
 * I/O and no allocation: callers own sockets and buffers, this module
 * says what they may send and what the peer may send them.
 */
#ifndef SSD_MUX_H
#define SSD_MUX_H

#include <stddef.h>
#include <stdint.h>

/*
 * Wire format, version 1 (the data link's WebSocket subprotocol names
 * the version, MUX_SUBPROTOCOL).
 *
 * The link is a WebSocket connection of binary messages.  A message
 * holds one or more whole frames, back to back; a frame never spans two
 * messages and an empty message is an error.  Senders keep messages
 * within MUX_MESSAGE_MAX bytes; receivers set their WebSocket limit to
 * it.  Every frame is a 9-byte header and a body, integers big-endian:
 *
 *	type	u8	one of enum mux_type
 *	stream	u32	stream id: 0 for PING and PONG, else non-zero
 *	length	u32	bytes of body that follow
 *
 * Bodies (the length must be exactly, or within, what is listed):
 *
 *	OPEN	  u32 window, u8 target, u16 port, u8 n, n-byte session
 *	OPEN_OK	  u32 window
 *	OPEN_FAIL u16 code, 0-MUX_REASON_MAX bytes of UTF-8 reason
 *	DATA	  1-MUX_DATA_MAX bytes of the stream
 *	WINDOW	  u32 credit increment, 1 to MUX_WINDOW_LIMIT
 *	FIN	  empty: the sender sends no more on this stream
 *	RESET	  u16 code, 0-MUX_REASON_MAX bytes of UTF-8 reason
 *	PING	  8 opaque bytes (the sender's clock, for RTT)
 *	PONG	  the 8 bytes of the PING it answers
 *
 * OPEN: the session id is 1-MUX_SESSION_ID_MAX printable ASCII bytes
 * without spaces (what agents accept as a sessionId).  target is what
 * to connect to inside that session: MUX_TARGET_VNC (port 0: the
 * session's VNC endpoint, as the agent knows it) or MUX_TARGET_PORT (a
 * TCP port 1-65535 of the session's pod, e.g. 3000 for an HTTP/WebSocket
 * desktop).  Streams carry opaque bytes; nothing assumes RFB.  Other
 * target values are well-formed: the acceptor answers OPEN_FAIL
 * MUX_E_UNSUPPORTED, so new targets need no new framing.
 *
 * Roles and ids.  The relay is the opener: only it sends OPEN, the agent
 * is the acceptor.  Opener ids are odd and strictly increasing on a link
 * (1, 3, 5, ... gaps allowed); even ids are kept for acceptor-opened
 * streams of a later version.  So an id is never reused on a link, and a
 * frame that crosses a RESET cannot be taken for a newer stream.  An
 * opener out of ids opens a new link.
 *
 * Stream life.  The opener sends OPEN and then nothing but RESET until
 * OPEN_OK or OPEN_FAIL comes back.  The acceptor answers exactly one of
 * them, OPEN_OK before any other frame for the stream.  Then each side
 * sends DATA within its credit, WINDOW as it consumes, and FIN when done
 * sending (half-close); the stream is closed when both FINs are through.
 * RESET ends a stream at once in both directions: both sides drop what
 * they hold for it and forget it.  Frames for an id the receiver has
 * forgotten are dropped: they were in flight across a RESET.
 *
 * Flow control, per stream and direction.  Each side grants the other a
 * receive window: the initial one in OPEN (opener) or OPEN_OK (acceptor),
 * at least MUX_WINDOW_MIN, then WINDOW increments as it consumes data.
 * A sender's credit is what was granted minus what it sent, at most
 * MUX_WINDOW_LIMIT.  DATA beyond the credit, a WINDOW that would lift it
 * past MUX_WINDOW_LIMIT, a zero WINDOW, DATA or FIN after FIN, and any
 * frame out of the order above are stream errors: the receiver RESETs
 * that stream and the link goes on.
 *
 * Link errors (the receiver closes the WebSocket with 1002): a truncated
 * header or body, an unknown type, a length outside the type's bounds,
 * a zero id on a stream frame or a non-zero one on PING/PONG, an even
 * id, an OPEN from the acceptor or with an id not above every earlier
 * one, a frame for an id never opened, a zero code or a reason that is
 * not UTF-8.  An OPEN whose body is the right size but wrong inside (bad
 * session id, window, port) is a stream error: OPEN_FAIL MUX_E_PROTOCOL.
 *
 * PING/PONG: either side may ping; the other answers with PONG at once.
 * Codes (OPEN_FAIL, RESET) are enum mux_code; receivers accept any
 * non-zero code, unknown ones included.
 */
#define MUX_SUBPROTOCOL		"ssd-mux.v1"
#define MUX_HEADER_LEN		9
#define MUX_DATA_MAX		65536
#define MUX_MESSAGE_MAX		(4 * (MUX_HEADER_LEN + MUX_DATA_MAX))
#define MUX_WINDOW_MIN		(256 * 1024)
#define MUX_WINDOW_LIMIT	0x7fffffffU
#define MUX_SESSION_ID_MAX	253
#define MUX_REASON_MAX		200
#define MUX_PING_LEN		8

/* Whole frames, for the builders' buffers. */
#define MUX_OPEN_MAX		(MUX_HEADER_LEN + 8 + MUX_SESSION_ID_MAX)
#define MUX_OPEN_OK_LEN		(MUX_HEADER_LEN + 4)
#define MUX_RESET_MAX		(MUX_HEADER_LEN + 2 + MUX_REASON_MAX)
#define MUX_WINDOW_LEN		(MUX_HEADER_LEN + 4)
#define MUX_FIN_LEN		MUX_HEADER_LEN
#define MUX_PING_FRAME_LEN	(MUX_HEADER_LEN + MUX_PING_LEN)

/*
 * Window auto-tuning: a receive window doubles (up to the link's
 * window_max) when half of it was consumed within MUX_GROW_RTTS round
 * trips, i.e. when the stream runs near window/RTT and the consumer
 * keeps up (quic-go's rule).  A slow consumer never grows its window.
 */
#define MUX_GROW_RTTS		2

enum mux_type {
	MUX_OPEN = 1,
	MUX_OPEN_OK = 2,
	MUX_OPEN_FAIL = 3,
	MUX_DATA = 4,
	MUX_WINDOW = 5,
	MUX_FIN = 6,
	MUX_RESET = 7,
	MUX_PING = 8,
	MUX_PONG = 9,
};

enum mux_target {
	MUX_TARGET_VNC = 1,
	MUX_TARGET_PORT = 2,
};

/* OPEN_FAIL and RESET codes (0 is not a code). */
enum mux_code {
	MUX_E_PROTOCOL = 1,	/* the peer broke a rule of this stream */
	MUX_E_FLOW = 2,		/* data beyond credit, window overflow */
	MUX_E_CANCEL = 3,	/* our end went away (browser closed) */
	MUX_E_REFUSED = 4,	/* a limit: link buffer budget, ids */
	MUX_E_NO_SESSION = 5,	/* no such session here, or not running */
	MUX_E_UNREACHABLE = 6,	/* could not connect to the target */
	MUX_E_UNSUPPORTED = 7,	/* unknown target type */
	MUX_E_TIMEOUT = 8,
	MUX_E_IO = 9,		/* the target's or client's socket broke */
	MUX_E_SHUTDOWN = 10,	/* the process is going away */
};

/* A short name for a code, for logs ("unknown" for others). */
const char *mux_code_name(unsigned int code);

enum mux_role { MUX_OPENER, MUX_ACCEPTOR };

/*
 * Receive-side limits of one side of a link; the peer never learns
 * them except through the windows granted.  window_initial (at least
 * MUX_WINDOW_MIN) is granted to every new stream and can grow up to
 * window_max (at most MUX_WINDOW_LIMIT).  link_buffer_max bounds the sum
 * of the receive windows of all streams of the link, hence every byte
 * the link can make us buffer: a stream is refused, or its window not
 * grown, rather than going past it.  It also caps the open streams at
 * link_buffer_max / window_initial.
 */
struct mux_params {
	uint32_t	window_initial;
	uint32_t	window_max;
	uint64_t	link_buffer_max;
};

struct mux_link {
	enum mux_role	 role;
	struct mux_params params;
	uint32_t	 last_id;	/* highest stream id opened */
	uint64_t	 reserved;	/* sum of the streams' windows */
	uint64_t	 rtt_us;	/* smoothed; 0 until a sample */
	int		 failed;	/* a link error was returned */
};

/* -1 if params break the bounds above. */
int	mux_link_init(struct mux_link *l, enum mux_role role,
	    const struct mux_params *params);
/* A PONG's round trip, measured by the caller from its PING value. */
void	mux_link_rtt(struct mux_link *l, uint64_t sample_us);

/*
 * A parsed frame.  data points into the message.  Fields a type does
 * not use are unspecified.
 */
struct mux_frame {
	enum mux_type	 type;
	uint32_t	 stream;
	const uint8_t	*data;		/* DATA */
	size_t		 len;		/* DATA */
	uint32_t	 window;	/* OPEN, OPEN_OK: initial; WINDOW */
	unsigned int	 code;		/* OPEN_FAIL, RESET; stream errors */
	unsigned int	 target;	/* OPEN */
	unsigned int	 port;		/* OPEN */
	char		 session[MUX_SESSION_ID_MAX + 1];	/* OPEN */
	char		 reason[MUX_REASON_MAX + 1];	/* the peer's */
	uint8_t		 ping[MUX_PING_LEN];	/* PING, PONG */
	const char	*error;		/* errors: what was wrong */
};

enum mux_event {
	MUX_EV_END,		/* the message is used up */
	MUX_EV_FRAME,		/* *f is a well-formed frame */
	MUX_EV_STREAM_ERROR,	/* bad OPEN: OPEN_FAIL f->code to f->stream */
	MUX_EV_LINK_ERROR,	/* close the link (f->stream: 0 or the id) */
};

/*
 * Parses the frame of msg at *off and moves *off past it; call until
 * MUX_EV_END.  A link error is final: every later call returns it again.
 * The parser checks the frame alone and the link's ids; what depends on
 * a stream's state is mux_stream_recv()'s job.
 */
enum mux_event mux_parse(struct mux_link *l, const uint8_t *msg, size_t len,
	    size_t *off, struct mux_frame *f);
/*
 * For a message of msg_len bytes that begins with header h: whether it
 * is one well-formed DATA frame, alone in the message, for a stream the
 * link has opened (its body may then be moved without being parsed: f
 * gets all but the data).  0 if so; -1 if not (mux_parse says why).
 */
int		mux_parse_data_header(struct mux_link *l,
		    const uint8_t h[MUX_HEADER_LEN], uint64_t msg_len,
		    struct mux_frame *f);

/*
 * Builders: each writes one whole frame to out and returns its length.
 * Those with a session id or a reason return 0 when it is invalid (an
 * OPEN also for a window outside MUX_WINDOW_MIN..MUX_WINDOW_LIMIT, a
 * RESET or OPEN_FAIL for code 0); a reason (NULL: none) is cut to
 * MUX_REASON_MAX bytes on a character boundary.  DATA is a header the
 * caller follows with len bytes of its own.
 */
size_t	mux_put_open(uint8_t out[MUX_OPEN_MAX], uint32_t stream,
	    uint32_t window, const char *session, unsigned int target,
	    unsigned int port);
size_t	mux_put_open_ok(uint8_t out[MUX_OPEN_OK_LEN], uint32_t stream,
	    uint32_t window);
size_t	mux_put_open_fail(uint8_t out[MUX_RESET_MAX], uint32_t stream,
	    unsigned int code, const char *reason);
size_t	mux_put_data_header(uint8_t out[MUX_HEADER_LEN], uint32_t stream,
	    uint32_t len);
size_t	mux_put_window(uint8_t out[MUX_WINDOW_LEN], uint32_t stream,
	    uint32_t increment);
size_t	mux_put_fin(uint8_t out[MUX_FIN_LEN], uint32_t stream);
size_t	mux_put_reset(uint8_t out[MUX_RESET_MAX], uint32_t stream,
	    unsigned int code, const char *reason);
/* PING, or PONG when pong is set. */
size_t	mux_put_ping(uint8_t out[MUX_PING_FRAME_LEN], int pong,
	    const uint8_t value[MUX_PING_LEN]);

/*
 * Stream states.  OPENING: OPEN sent or received, OPEN_OK not yet.
 * HALF_LOCAL: we sent FIN; HALF_REMOTE: the peer did.  CLOSED: both
 * FINs, a RESET either way, or an OPEN_FAIL.
 */
enum mux_state {
	MUX_ST_OPENING,
	MUX_ST_OPEN,
	MUX_ST_HALF_LOCAL,
	MUX_ST_HALF_REMOTE,
	MUX_ST_CLOSED,
};

/*
 * One stream of a link, as one side sees it.  Receive side: the peer
 * may still send recv_credit bytes, recv_buffered bytes arrived that the
 * consumer has not taken; their sum never exceeds recv_window, which is
 * what this stream can make us hold.
 */
struct mux_stream {
	struct mux_link	*link;
	uint32_t	 id;
	enum mux_state	 state;
	int		 opener;
	uint32_t	 send_credit;
	uint32_t	 recv_window;
	uint32_t	 recv_credit;
	uint32_t	 recv_buffered;
	uint64_t	 epoch_us;	/* when the last window was granted */
};

/*
 * Opener: takes the next id and reserves window_initial of the link's
 * budget; then send mux_put_open(st->id, st->recv_window, ...).  -1 when
 * ids or the budget ran out (refuse the client; the link stays).
 * now_us is a monotonic clock in microseconds, here and below.
 */
int	mux_stream_open(struct mux_stream *st, struct mux_link *l,
	    uint64_t now_us);
/*
 * Acceptor, for a parsed OPEN: reserves window_initial.  -1 when the
 * budget ran out: answer OPEN_FAIL MUX_E_REFUSED.  Otherwise answer
 * OPEN_OK with st->recv_window once the target is connected.
 */
int	mux_stream_accept(struct mux_stream *st, struct mux_link *l,
	    const struct mux_frame *open, uint64_t now_us);
/* The caller forgets the stream: its window returns to the link. */
void	mux_stream_release(struct mux_stream *st);

/*
 * A frame of this stream arrived (OPEN_OK, OPEN_FAIL, DATA, WINDOW, FIN,
 * RESET).  0: act on it (deliver DATA; after RESET or OPEN_FAIL drop the
 * stream).  Otherwise the peer broke a stream rule: the stream is
 * CLOSED and the caller sends RESET with the returned code.  WINDOW and
 * RESET on a CLOSED stream are ignored (0): they cross our FIN.
 */
unsigned int mux_stream_recv(struct mux_stream *st,
	    const struct mux_frame *f);
/* Bytes of DATA we may send now (chunk them by MUX_DATA_MAX). */
uint32_t mux_send_credit(const struct mux_stream *st);
/*
 * We sent a frame of this stream: OPEN_OK, OPEN_FAIL, DATA (of len
 * bytes), FIN or RESET.  -1 if that frame was not allowed now (a caller
 * bug; nothing changes).
 */
int	mux_stream_sent(struct mux_stream *st, enum mux_type type,
	    size_t len);
/*
 * The consumer took n of the buffered bytes.  *increment is the WINDOW
 * to send now, or 0 (updates go out each time half the window is free,
 * and not after the peer's FIN).  -1 if n is more than was buffered.
 */
int	mux_consumed(struct mux_stream *st, size_t n, uint64_t now_us,
	    uint32_t *increment);

#endif
