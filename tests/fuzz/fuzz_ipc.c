/*
 * fuzz_ipc.c - bytes from a peer worker (a compromised one is an attacker
 * of the master) fed to a real channel, and every message that claims to be
 * a hand-off fed to the hand-off record check.
 */
#include "config.h"

#include <sys/socket.h>

#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "handoff.h"
#include "ipc.h"
#include "proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fz_msg(struct ipc_chan *c, struct ipc_msg *m, void *arg)
{
	struct handoff h;
	const char *why;

	if (m->type == IMSG_HANDOFF && handoff_recv(m, &h, &why) == 0)
		close(h.fd);
}

static void
fz_closed(struct ipc_chan *c, const char *why, void *arg)
{
	event_base_loopbreak(arg);
}

static const struct ipc_chan_ops fz_ops = {
	.msg = fz_msg,
	.closed = fz_closed,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct event_base *base;
	struct ipc_chan *c;
	int sv[2], big = 1 << 20;

	if (size > 256 * 1024)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		return 0;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	if (size > 0 && write(sv[0], data, size) != (ssize_t)size) {
		close(sv[0]);
		close(sv[1]);
		return 0;
	}
	close(sv[0]);
	base = event_base_new();
	c = ipc_chan_new(base, sv[1], "fuzz", IPC_F_FDPASS, 1 << 20, &fz_ops,
	    base);
	event_base_dispatch(base);
	ipc_chan_free(c);
	event_base_free(base);
	return 0;
}
