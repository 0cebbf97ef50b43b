/*
 * ws.h - the one WebSocket (RFC 6455) implementation of ssd, for servers
 * (hub, relay) and clients (agent): the handshake on both sides, and an
 * incremental frame parser that assembles messages, enforces masking per
 * side, fragmentation rules, control frame rules, UTF-8 of text and a
 * size limit.  No I/O here: callers own sockets and buffers.
 */
#ifndef SSD_WS_H
#define SSD_WS_H

#include <stddef.h>
#include <stdint.h>

struct http_request;

enum ws_role { WS_SERVER, WS_CLIENT };

enum ws_opcode {
	WS_OP_CONT = 0x0, WS_OP_TEXT = 0x1, WS_OP_BINARY = 0x2,
	WS_OP_CLOSE = 0x8, WS_OP_PING = 0x9, WS_OP_PONG = 0xa,
};

/* Close codes (RFC 6455 §7.4.1). */
#define WS_CLOSE_NORMAL		1000
#define WS_CLOSE_GOING_AWAY	1001
#define WS_CLOSE_PROTOCOL	1002
#define WS_CLOSE_UNSUPPORTED	1003
#define WS_CLOSE_NO_STATUS	1005	/* never sent */
#define WS_CLOSE_BAD_DATA	1007
#define WS_CLOSE_POLICY		1008
#define WS_CLOSE_TOO_BIG	1009
#define WS_CLOSE_INTERNAL	1011

#define WS_ACCEPT_LEN		28	/* base64 of a SHA-1 */
#define WS_KEY_LEN		24	/* base64 of 16 bytes */
#define WS_CONTROL_MAX		125
#define WS_HEADER_MAX		14

/*
 * Server side: checks an upgrade request (GET, HTTP/1.1, Upgrade and
 * Connection, one version header saying 13, one 16-byte key) and picks
 * the first of the client's subprotocols that is in protocols
 * (NULL-terminated; NULL or empty: none).  A client that offers
 * subprotocols, none of them ours, is refused; one that offers none gets
 * *protocol = NULL.  Returns 0, -400, or -426 (wrong version: answer
 * with Sec-WebSocket-Version: 13).
 */
int	ws_server_check(const struct http_request *req,
	    const char *const *protocols, char accept[WS_ACCEPT_LEN + 1],
	    const char **protocol);
/* The 101 answer; returns its length, or 0 if out is too small. */
size_t	ws_server_response(char *out, size_t len, const char *accept,
	    const char *protocol);

/* Sec-WebSocket-Accept for a key. */
void	ws_accept_for(const char *key, size_t keylen,
	    char accept[WS_ACCEPT_LEN + 1]);
/* Client side: a fresh random key. */
int	ws_client_key(char key[WS_KEY_LEN + 1]);

/*
 * Client side: the upgrade request for target (origin-form, with its
 * query) on host; protocols is the offer ("a, b") or NULL; extra is
 * more header lines, each ending in CRLF, or NULL.  Returns its length,
 * or 0 if out is too small.
 */
size_t	ws_client_request(char *out, size_t len, const char *host,
	    const char *target, const char *key, const char *protocols,
	    const char *extra);
/*
 * Checks the server's answer to it: 0 with the chosen subprotocol in
 * protocol ("" for none), -1 if the status is not 101 (res->status says
 * what it is), -2 if it is a 101 that breaks RFC 6455 §4.1 (no Upgrade
 * or Connection token, a wrong Sec-WebSocket-Accept, a subprotocol we
 * did not offer, an extension: we offer none).
 */
struct http_response;
int	ws_client_check(const struct http_response *res, const char *key,
	    const char *protocols, char *protocol, size_t protolen);

/* Frame header for a payload of len bytes; mask is NULL for servers. */
size_t	ws_frame_header(uint8_t out[WS_HEADER_MAX], int fin, int opcode,
	    uint64_t len, const uint8_t *mask);
/* XORs data with mask, offset bytes into the payload. */
void	ws_mask(uint8_t *data, size_t len, const uint8_t mask[4],
	    uint64_t offset);
/* A close payload: code and reason (truncated to fit 125 bytes). */
size_t	ws_close_payload(uint8_t out[WS_CONTROL_MAX], int code,
	    const char *reason);

enum ws_event {
	WS_EV_MORE,		/* all input used, nothing complete yet */
	WS_EV_MESSAGE,		/* a complete text or binary message */
	WS_EV_PING,
	WS_EV_PONG,
	WS_EV_CLOSE,		/* the peer's close: code, reason */
	WS_EV_ERROR,		/* protocol error: close with code */
};

struct ws_msg {
	int		 opcode;	/* WS_OP_TEXT or WS_OP_BINARY */
	const uint8_t	*data;		/* valid until the next ws_parse */
	size_t		 len;
	int		 code;		/* close code, or error code to send */
	char		 reason[WS_CONTROL_MAX + 1];
};

struct ws_parser {
	enum ws_role	 role;
	size_t		 max_message;
	int		 state;
	uint8_t		 hdr[WS_HEADER_MAX];
	size_t		 hdr_len;
	int		 fin, opcode;
	uint64_t	 remaining, offset;
	uint8_t		 mask[4];
	int		 masked;
	int		 msg_opcode;	/* of the message being assembled */
	uint8_t		*msg;
	size_t		 msg_len, msg_cap;
	uint8_t		 ctl[WS_CONTROL_MAX];
	size_t		 ctl_len;
	int		 closed;
};

void	ws_parser_init(struct ws_parser *p, enum ws_role role,
	    size_t max_message);
/*
 * For readers that move some payloads elsewhere (wsconn's spliced
 * input): whether the parser is between frames and messages; the length
 * of a header from its first two bytes, and the payload length of a
 * whole one (ws_parse checks the rules); and, once ws_parse has taken
 * the header of an unfragmented data frame, that its payload was taken
 * out of the stream: the frame is done, with no message.
 */
int	ws_parser_between(const struct ws_parser *p);
size_t	ws_header_len(const uint8_t h[2]);
uint64_t ws_header_payload_len(const uint8_t *h);
void	ws_parser_payload_taken(struct ws_parser *p);
void	ws_parser_free(struct ws_parser *p);
/*
 * Consumes input until an event: returns it with *consumed bytes used
 * (call again with the rest).  After WS_EV_CLOSE or WS_EV_ERROR nothing
 * more is parsed.
 */
enum ws_event ws_parse(struct ws_parser *p, const uint8_t *in, size_t len,
	    size_t *consumed, struct ws_msg *out);

#endif
