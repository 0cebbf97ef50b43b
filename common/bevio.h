/*
 * bevio.h - bulk reads and direct writes for plain socket bufferevents.
 *
 * libevent 2.1 reads at most 4 KiB per readiness event (EVBUFFER_MAX_READ;
 * only 2.2 can change it), so a stream of hundreds of MB/s costs an
 * ioctl, a readv and a pass through the loop per 4 KiB.  From the read
 * callback, bevio_read_more goes on reading the socket into the input in
 * large pieces.  Writes, on the other hand, wait for an EPOLLOUT round
 * trip: bevio_send writes at once when it can.  Only for
 * bufferevent_socket_new bufferevents: a TLS one must go through OpenSSL.
 */
#ifndef SSD_BEVIO_H
#define SSD_BEVIO_H

#include <stddef.h>

struct bufferevent;

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
 * For processes that move bulk streams: buffers of 64-256 KiB come and go
 * all the time, and glibc would give each back to the kernel (mmap for
 * the large ones, trimming the heap top for the rest) only to fault it
 * in again on the next read.  Keeps up to 16 MiB of free heap instead.
 */
void	bevio_tune_malloc(void);

#endif
