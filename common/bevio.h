/*
 * bevio.h - bulk reads and direct writes for plain socket bufferevents.
 *
 * libevent 2.1 reads at most 4 KiB per readiness event (EVBUFFER_MAX_READ;
 * only 2.2 can change it), so a stream of hundreds of MB/s costs an
 * ioctl, a readv and a pass through the loop per 4 KiB.  From the read
 * callback, bevio_read_more goes on reading the socket into the input in
 * large pieces.  Writes, on the other hand, wait for an EPOLLOUT round
 * trip: bevio_send writes at once when it can.  Bytes that only pass
 * from one socket to another need not enter user space at all: a
 * bevio_pipe moves them with splice(2).  Only for bufferevent_socket_new
 * bufferevents: a TLS one must go through OpenSSL.
 */
#ifndef SSD_BEVIO_H
#define SSD_BEVIO_H

#include <stddef.h>
#include <sys/types.h>

struct bufferevent;
struct evbuffer;

#define BEVIO_READ_STEP		(64 * 1024)

#define BEVIO_LIBEVENT_READ	4096	/* what libevent 2.1 reads at most */

/*
 * Reads until the socket has nothing more, or the input holds limit
 * bytes; nothing when libevent's own read did not fill its 4 KiB (the
 * socket is empty then).  End of file and errors are left in the socket
 * for libevent to find on its next read.  Returns the bytes added.
 */
size_t	bevio_read_more(struct bufferevent *bev, size_t limit);

/*
 * Queues iov[0..n) on the output; when nothing was queued before, writes
 * it to the socket straight away, without the EPOLLOUT round trip nor a
 * copy into the output, and queues only what the socket did not take.
 * Everything written so runs the write callback (the "drained" signal)
 * deferred, as libevent's own write would.  Errors stay in the socket for
 * libevent's next write.  0, or -1 when out of memory.
 */
struct iovec;
int	bevio_send(struct bufferevent *bev, const struct iovec *iov, int n);

/*
 * A pipe through which socket bytes go to another socket inside the
 * kernel (splice(2): page references, no copies).  It is empty between
 * uses, so one pipe serves every stream of a process.  fd[0] is -1 until
 * the first fill (and after a failure: the next fill opens a new one).
 */
struct bevio_pipe {
	int	 fd[2];
	size_t	 held;		/* bytes in it */
};

#define BEVIO_PIPE_INIT		{ { -1, -1 }, 0 }
#define BEVIO_PIPE_SIZE		(1024 * 1024)	/* slots for 64 KiB of skbs */

/* Opens p unless it is open: 0, or -1 with errno. */
int	bevio_pipe_open(struct bevio_pipe *p);
/*
 * Moves up to max bytes from socket fd into the pipe p, after what it
 * holds: the bytes moved, 0 at end of file, -1 with errno (EAGAIN:
 * nothing to read now, or the pipe is full).  Opens p if need be.
 */
ssize_t	bevio_pipe_fill(struct bevio_pipe *p, int fd, size_t max);
/*
 * Sends iov's n pieces (headers, say) and then all the pipe holds on
 * bev's socket: straight from the pipe when bev's output is empty, else
 * (and for what the socket does not take) queued on the output, read
 * out of the pipe.  The pipe
 * is empty after.  As with bevio_send, what was all written runs the
 * write callback, deferred, and errors of the socket stay in it for
 * libevent's next write.  0, or -1 when out of memory.
 */
int	bevio_send_pipe(struct bufferevent *bev, const struct iovec *iov,
	    int n, struct bevio_pipe *p);
/* All the pipe holds, read onto the end of out: 0, or -1 (closed). */
int	bevio_pipe_drain(struct bevio_pipe *p, struct evbuffer *out);
void	bevio_pipe_close(struct bevio_pipe *p);

/*
 * For processes that move bulk streams: buffers of 64-256 KiB come and go
 * all the time, and glibc would give each back to the kernel (mmap for
 * the large ones, trimming the heap top for the rest) only to fault it
 * in again on the next read.  Keeps up to 16 MiB of free heap instead.
 */
void	bevio_tune_malloc(void);

#endif
