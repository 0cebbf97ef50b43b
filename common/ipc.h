/*
 * ipc.h - framed messages, optionally carrying one fd, between ssd
 * processes over Unix-domain stream sockets (imsg-style).
 *
 * Wire format: a 16-byte header {type, len, peerid, pid} in host byte order,
 * len counting header and payload, bit 31 of len marking "this message
 * carries the descriptor".  Queues are bounded; a malformed or oversized
 * message closes the channel; nothing here blocks inside the event loop.
 */
#ifndef SSD_IPC_H
#define SSD_IPC_H

#include <sys/uio.h>

#include <stddef.h>
#include <stdint.h>

struct event_base;

#define IPC_HDR_LEN		16
#define IPC_FD_MARK		0x80000000u
#define IPC_MAX_PAYLOAD		(64 * 1024)

struct ipc_hdr {
	uint32_t	type;
	uint32_t	len;		/* header + payload, without IPC_FD_MARK */
	uint32_t	peerid;
	uint32_t	pid;
	int		has_fd;
};

struct ipc_msg {
	uint32_t	 type;
	uint32_t	 peerid;	/* request id, instance: the sender's choice */
	uint32_t	 pid;		/* sender's pid */
	int		 fd;		/* -1, or closed after the handler unless taken */
	const uint8_t	*data;
	size_t		 len;
};

struct ipc_chan;

struct ipc_chan_ops {
	/* One complete message; the payload is valid during the call only. */
	void	(*msg)(struct ipc_chan *, struct ipc_msg *, void *);
	/*
	 * The channel is dead (EOF, I/O error, malformed input): why says
	 * which.  The callee must ipc_chan_free() it (it may do so here).
	 */
	void	(*closed)(struct ipc_chan *, const char *why, void *);
	/* Optional: the queue fell to half its bound after being full. */
	void	(*drained)(struct ipc_chan *, void *);
	/*
	 * Optional: a queued message carrying an fd could not be sent
	 * (ETOOMANYREFS: too many fds in flight to a stalled peer).  The fd
	 * is closed; the channel lives on.
	 */
	void	(*send_failed)(struct ipc_chan *, uint32_t type,
		    uint32_t peerid, int err, void *);
};

#define IPC_F_FDPASS	0x01	/* descriptors may travel on this channel */

/*
 * Takes ownership of fd (a connected, non-blocking AF_UNIX stream socket).
 * max_queue bounds the bytes waiting to be written.
 */
struct ipc_chan *ipc_chan_new(struct event_base *base, int fd,
	    const char *name, unsigned flags, size_t max_queue,
	    const struct ipc_chan_ops *ops, void *arg);
/* Closes the socket and every queued fd; safe inside any callback. */
void	ipc_chan_free(struct ipc_chan *c);
const char *ipc_chan_name(const struct ipc_chan *c);
void	*ipc_chan_arg(const struct ipc_chan *c);
size_t	ipc_chan_queued(const struct ipc_chan *c);

/*
 * Queues a message.  On success the channel owns fd (closed once sent, or
 * when the channel is freed).  On failure the caller still owns fd and errno
 * says why: EMSGSIZE (payload too large), ENOBUFS (queue full: back off),
 * EINVAL (fd on a channel without IPC_F_FDPASS), EPIPE (channel is dead).
 */
int	ipc_send(struct ipc_chan *c, uint32_t type, uint32_t peerid, int fd,
	    const void *data, size_t len);
int	ipc_sendv(struct ipc_chan *c, uint32_t type, uint32_t peerid, int fd,
	    const struct iovec *iov, int iovcnt);

/* Takes the fd out of a message: the caller now owns it. */
int	ipc_msg_take_fd(struct ipc_msg *m);
/* Copies an exactly-sized payload; -1 if the size differs. */
int	ipc_msg_get(const struct ipc_msg *m, void *out, size_t len);

/*
 * The pure decoder, shared by the channel, blocking clients and the fuzz
 * target: 0 = need more bytes, 1 = *hdr describes a complete message at the
 * start of buf, -1 = malformed (length out of range).
 */
int	ipc_hdr_parse(const uint8_t *buf, size_t len, size_t max_payload,
	    struct ipc_hdr *hdr);
void	ipc_hdr_encode(uint8_t out[IPC_HDR_LEN], uint32_t type,
	    uint32_t payload_len, uint32_t peerid, int has_fd);

/*
 * Blocking helpers for command-line clients (ssdctl) and start-up code;
 * never use them inside an event loop.  timeout_ms < 0 waits forever.
 * ipc_recv_sync returns the payload length (into buf, at most buflen),
 * or -1 with errno (ETIMEDOUT, ECONNRESET on EOF, EBADMSG, EMSGSIZE).
 */
int	ipc_send_sync(int fd, uint32_t type, uint32_t peerid, const void *data,
	    size_t len, int timeout_ms);
int	ipc_recv_sync(int fd, struct ipc_hdr *hdr, void *buf, size_t buflen,
	    int timeout_ms);

#endif
