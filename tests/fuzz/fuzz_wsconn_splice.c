/*
 * fuzz_wsconn_splice.c - a server wsconn reading a little ahead only
 * (splice_prefix) on arbitrary bytes, written in pieces of a size the
 * first byte picks: no crash, no message over the limit, nothing given
 * spliced that is not a whole message of the announced length.
 */
#include "config.h"

#include <sys/socket.h>

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "bevio.h"
#include "ws.h"
#include "wsconn.h"

#define LIMIT	4096

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct state {
	struct bevio_pipe	 pipe;
	uint64_t		 announced;
	int			 closed;
};

static void
on_message(struct wsconn *c, int opcode, const uint8_t *data, size_t len,
    void *arg)
{
	(void)c;
	(void)opcode;
	(void)data;
	(void)arg;
	if (len > LIMIT)
		abort();
}

static void
on_closed(struct wsconn *c, int code, const char *reason, void *arg)
{
	(void)c;
	(void)code;
	(void)reason;
	((struct state *)arg)->closed = 1;
}

static struct bevio_pipe *
on_splice(struct wsconn *c, const uint8_t *head, uint64_t len, void *arg)
{
	struct state *st = arg;

	(void)c;
	if (len > LIMIT || !(head[0] & 1) || bevio_pipe_open(&st->pipe) == -1)
		return NULL;
	st->announced = len;
	return &st->pipe;
}

static void
on_spliced(struct wsconn *c, const uint8_t *head, size_t hlen,
    struct bevio_pipe *p, void *arg)
{
	struct state *st = arg;

	(void)c;
	(void)head;
	if (hlen < 2 || p->held < 16 || hlen + p->held != st->announced)
		abort();
	bevio_pipe_close(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct wsconn_opts opts = {
		.max_message = LIMIT, .max_output = 1 << 20,
		.close_timeout_ms = 1000, .plain_socket = 1,
		.external_tick = 1, .splice_prefix = 2, .splice_min = 16,
	};
	const struct wsconn_cbs cbs = {
		.message = on_message, .closed = on_closed,
		.splice = on_splice, .spliced = on_spliced,
	};
	struct state st = { .pipe = BEVIO_PIPE_INIT };
	struct event_base *base;
	struct bufferevent *bev;
	struct wsconn *c;
	size_t step, off = 1, n;
	uint8_t junk[4096];
	ssize_t w;
	int sv[2], i;

	if (size < 1)
		return 0;
	signal(SIGPIPE, SIG_IGN);
	step = (size_t)(data[0] % 64) + 1;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		abort();
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	base = event_base_new();
	bev = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	c = wsconn_new(base, bev, WS_SERVER, &opts, &cbs, &st);
	while (off < size && !st.closed) {
		n = size - off < step ? size - off : step;
		if ((w = write(sv[1], data + off, n)) > 0)
			off += (size_t)w;
		while (read(sv[1], junk, sizeof(junk)) > 0)
			continue;
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	}
	for (i = 0; i < 4 && !st.closed; i++)
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	if (!st.closed)
		wsconn_free(c);
	bevio_pipe_close(&st.pipe);
	close(sv[1]);
	event_base_free(base);
	return 0;
}
