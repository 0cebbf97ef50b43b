/*
 * test_ipc.c - the framed channel of common/ipc.c and the hand-off record of
 * common/handoff.c over real socketpairs and a real libevent loop.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "handoff.h"
#include "ipc.h"
#include "proto.h"
#include "util.h"

struct rx {
	unsigned	 nmsg;
	uint32_t	 types[64];
	size_t		 lens[64];
	uint8_t		 sums[64];
	int		 fds[64];
	int		 closed;
	char		 why[128];
	int		 drained;
	unsigned	 send_failed;
	struct event_base *base;
	unsigned	 stop_after;
};

static uint8_t
sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n-- > 0)
		s = (uint8_t)(s * 31 + *p++);
	return s;
}

static void
rx_msg(struct ipc_chan *c, struct ipc_msg *m, void *arg)
{
	struct rx *rx = arg;

	if (rx->nmsg < 64) {
		rx->types[rx->nmsg] = m->type;
		rx->lens[rx->nmsg] = m->len;
		rx->sums[rx->nmsg] = sum(m->data, m->len);
		rx->fds[rx->nmsg] = ipc_msg_take_fd(m);
	}
	if (++rx->nmsg == rx->stop_after)
		event_base_loopbreak(rx->base);
}

static void
rx_closed(struct ipc_chan *c, const char *why, void *arg)
{
	struct rx *rx = arg;

	rx->closed = 1;
	ssd_strlcpy(rx->why, why, sizeof(rx->why));
	event_base_loopbreak(rx->base);
}

static void
rx_drained(struct ipc_chan *c, void *arg)
{
	struct rx *rx = arg;

	rx->drained = 1;
	event_base_loopbreak(rx->base);
}

static void
rx_send_failed(struct ipc_chan *c, uint32_t type, uint32_t peerid, int err,
    void *arg)
{
	((struct rx *)arg)->send_failed++;
}

static const struct ipc_chan_ops rx_ops = {
	.msg = rx_msg,
	.closed = rx_closed,
	.drained = rx_drained,
	.send_failed = rx_send_failed,
};

/* Runs the loop until it is broken or two seconds pass. */
static void
run(struct event_base *base)
{
	struct timeval tv = { 2, 0 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

static void
pair(int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv), 0);
}

START_TEST(framing_in_order)
{
	struct event_base *base = event_base_new();
	struct rx rx = { .base = base, .stop_after = 5 };
	static uint8_t big[IPC_MAX_PAYLOAD];
	size_t sizes[5] = { 0, 1, 100, 4096, IPC_MAX_PAYLOAD };
	struct ipc_chan *a, *b;
	int sv[2], i;

	pair(sv);
	a = ipc_chan_new(base, sv[0], "a", 0, 1 << 20, &rx_ops, &rx);
	b = ipc_chan_new(base, sv[1], "b", 0, 1 << 20, &rx_ops, &rx);
	for (i = 0; i < (int)sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(ipc_send(a, 10 + i, 0, -1, big, sizes[i]), 0);
	run(base);
	ck_assert_uint_eq(rx.nmsg, 5);
	for (i = 0; i < 5; i++) {
		ck_assert_uint_eq(rx.types[i], 10 + i);
		ck_assert_uint_eq(rx.lens[i], sizes[i]);
		ck_assert_uint_eq(rx.sums[i], sum(big, sizes[i]));
	}
	ipc_chan_free(a);
	ipc_chan_free(b);
	event_base_free(base);
}
END_TEST

START_TEST(oversized_send_refused)
{
	struct event_base *base = event_base_new();
	struct rx rx = { .base = base };
	static uint8_t big[IPC_MAX_PAYLOAD + 1];
	struct ipc_chan *a;
	int sv[2];

	pair(sv);
	a = ipc_chan_new(base, sv[0], "a", 0, 1 << 20, &rx_ops, &rx);
	errno = 0;
	ck_assert_int_eq(ipc_send(a, 1, 0, -1, big, sizeof(big)), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	/* An fd on a channel not made for fds is refused too. */
	ck_assert_int_eq(ipc_send(a, 1, 0, sv[1], NULL, 0), -1);
	ck_assert_int_eq(errno, EINVAL);
	ipc_chan_free(a);
	close(sv[1]);
	event_base_free(base);
}
END_TEST

/* Writes raw bytes at a channel and expects it to report closing. */
static void
expect_malformed(const void *raw, size_t len, int sendfd, unsigned flags,
    const char *why_part)
{
	struct event_base *base = event_base_new();
	struct rx rx = { .base = base };
	struct ipc_chan *b;
	int sv[2], extra[2];

	pair(sv);
	b = ipc_chan_new(base, sv[1], "b", flags, 1 << 20, &rx_ops, &rx);
	if (sendfd) {
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(int))];
		} cm;
		struct iovec iov = { (void *)(uintptr_t)raw, len };
		struct msghdr msg = { 0 };
		struct cmsghdr *c;

		pair(extra);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cm.b;
		msg.msg_controllen = sizeof(cm.b);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_len = CMSG_LEN(sizeof(int));
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(c), &extra[0], sizeof(int));
		ck_assert_int_eq(sendmsg(sv[0], &msg, 0), (ssize_t)len);
		close(extra[0]);
		close(extra[1]);
	} else
		ck_assert_int_eq(write(sv[0], raw, len), (ssize_t)len);
	run(base);
	ck_assert_msg(rx.closed, "channel not closed for: %s", why_part);
	ck_assert_uint_eq(rx.nmsg, 0);
	ck_assert_msg(strstr(rx.why, why_part) != NULL, "why: %s", rx.why);
	ipc_chan_free(b);
	close(sv[0]);
	event_base_free(base);
}

START_TEST(malformed_headers)
{
	uint32_t h[4];

	h[0] = 1; h[1] = 8; h[2] = 0; h[3] = 0;		/* len < header */
	expect_malformed(h, sizeof(h), 0, 0, "malformed");
	h[1] = IPC_HDR_LEN + IPC_MAX_PAYLOAD + 1;	/* too long */
	expect_malformed(h, sizeof(h), 0, 0, "malformed");
	h[1] = IPC_HDR_LEN | IPC_FD_MARK;		/* fd never came */
	expect_malformed(h, sizeof(h), 0, IPC_F_FDPASS, "did not arrive");
	h[1] = IPC_HDR_LEN;				/* fd on fd-less chan */
	expect_malformed(h, sizeof(h), 1, 0, "unexpected descriptor");
}
END_TEST

START_TEST(peer_closes_mid_message)
{
	struct event_base *base = event_base_new();
	struct rx rx = { .base = base };
	uint8_t buf[IPC_HDR_LEN + 10];
	struct ipc_chan *b;
	int sv[2];

	pair(sv);
	b = ipc_chan_new(base, sv[1], "b", 0, 1 << 20, &rx_ops, &rx);
	ipc_hdr_encode(buf, 7, 10, 0, 0);
	memset(buf + IPC_HDR_LEN, 'x', 10);
	ck_assert_int_eq(write(sv[0], buf, IPC_HDR_LEN + 4), IPC_HDR_LEN + 4);
	close(sv[0]);
	run(base);
	ck_assert(rx.closed);
	ck_assert_uint_eq(rx.nmsg, 0);
	ck_assert_str_eq(rx.why, "connection closed");
	ipc_chan_free(b);
	event_base_free(base);
}
END_TEST

struct hrx {
	struct event_base	*base;
	unsigned		 nmsg;
	int			 fd;
	char			 peer[64], meta[16], tail[64];
	uint32_t		 id;
};

static void
hrx_msg(struct ipc_chan *c, struct ipc_msg *m, void *arg)
{
	struct hrx *hx = arg;
	struct handoff h;
	const char *why;

	hx->nmsg++;
	if (m->type == IMSG_HANDOFF) {
		ck_assert_int_eq(handoff_recv(m, &h, &why), 0);
		hx->fd = h.fd;
		hx->id = h.id;
		ssd_strlcpy(hx->peer, h.hdr.peer, sizeof(hx->peer));
		memcpy(hx->meta, h.meta, h.hdr.meta_len);
		memcpy(hx->tail, h.tail, h.hdr.tail_len);
	} else
		ck_assert_int_eq(m->fd, -1);
	if (hx->nmsg == 3)
		event_base_loopbreak(hx->base);
}

static const struct ipc_chan_ops hrx_ops = {
	.msg = hrx_msg,
	.closed = rx_closed,
};

START_TEST(handoff_fd_and_tail)
{
	struct event_base *base = event_base_new();
	struct hrx hx = { .base = base, .fd = -1 };
	static const char tail[] = "GET /next HTTP/1.1\r\n";
	struct rx rx = { .base = base };
	struct ipc_chan *a, *b;
	int sv[2], client[2];
	char buf[32];

	pair(sv);
	pair(client);
	a = ipc_chan_new(base, sv[0], "a", IPC_F_FDPASS, 1 << 20, &rx_ops,
	    &rx);
	b = ipc_chan_new(base, sv[1], "b", IPC_F_FDPASS, 1 << 20, &hrx_ops,
	    &hx);
	/* Plain messages glued around it must not steal the descriptor. */
	ck_assert_int_eq(ipc_send(a, 5, 0, -1, "x", 1), 0);
	ck_assert_int_eq(handoff_send(a, 42, client[1], HANDOFF_HEALTH,
	    "192.0.2.1", "meta", 4, tail, sizeof(tail) - 1), 0);
	ck_assert_int_eq(ipc_send(a, 6, 0, -1, "y", 1), 0);
	run(base);
	ck_assert_uint_eq(hx.nmsg, 3);
	ck_assert_int_ne(hx.fd, -1);
	ck_assert_uint_eq(hx.id, 42);
	ck_assert_str_eq(hx.peer, "192.0.2.1");
	ck_assert_int_eq(memcmp(hx.meta, "meta", 4), 0);
	ck_assert_str_eq(hx.tail, tail);
	ipc_chan_free(a);
	ipc_chan_free(b);
	event_base_free(base);
	/* The received fd is the client's socket: bytes flow through it. */
	ck_assert_int_eq(write(hx.fd, "pong", 4), 4);
	ck_assert_int_eq(read(client[0], buf, sizeof(buf)), 4);
	ck_assert_int_eq(memcmp(buf, "pong", 4), 0);
	close(hx.fd);
	close(client[0]);
}
END_TEST

/* Builds a hand-off message by hand and checks handoff_recv's verdicts. */
static int
recv_record(struct handoff_hdr *hdr, size_t extra, int fd, const char **why)
{
	static uint8_t buf[sizeof(struct handoff_hdr) + 64];
	struct ipc_msg m = { .type = IMSG_HANDOFF, .peerid = 9, .fd = fd };
	struct handoff h;
	int rc;

	memcpy(buf, hdr, sizeof(*hdr));
	memset(buf + sizeof(*hdr), 'z', 64);
	m.data = buf;
	m.len = sizeof(*hdr) + extra;
	rc = handoff_recv(&m, &h, why);
	if (rc == 0)
		close(h.fd);
	return rc;
}

START_TEST(handoff_record_checked)
{
	struct handoff_hdr hdr;
	struct stat st;
	const char *why;
	int sv[2], tmp;
	char path[] = "/tmp/test_ipc.XXXXXX";

	pair(sv);
	fstat(sv[0], &st);
	memset(&hdr, 0, sizeof(hdr));
	hdr.ino = st.st_ino;
	hdr.meta_len = 4;
	hdr.tail_len = 6;
	ck_assert_int_eq(recv_record(&hdr, 10, dup(sv[0]), &why), 0);
	/* Sizes that do not add up. */
	ck_assert_int_eq(recv_record(&hdr, 11, sv[0], &why), -1);
	hdr.tail_len = HANDOFF_TAIL_MAX + 1;
	ck_assert_int_eq(recv_record(&hdr, 10, sv[0], &why), -1);
	hdr.tail_len = 6;
	/* The wrong descriptor: another socket, then a regular file. */
	ck_assert_int_eq(recv_record(&hdr, 10, sv[1], &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "not the socket"));
	tmp = mkstemp(path);
	unlink(path);
	fstat(tmp, &st);
	hdr.ino = st.st_ino;
	ck_assert_int_eq(recv_record(&hdr, 10, tmp, &why), -1);
	/* No descriptor at all. */
	ck_assert_int_eq(recv_record(&hdr, 10, -1, &why), -1);
	close(tmp);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(backpressure_bound_and_drain)
{
	struct event_base *base = event_base_new();
	struct rx rx = { .base = base };
	static uint8_t chunk[8192];
	struct ipc_chan *a;
	int sv[2], small = 4096, n = 0;
	char sink[65536];

	pair(sv);
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	a = ipc_chan_new(base, sv[0], "a", 0, 64 * 1024, &rx_ops, &rx);
	while (ipc_send(a, 1, 0, -1, chunk, sizeof(chunk)) == 0)
		n++;
	ck_assert_int_eq(errno, ENOBUFS);
	ck_assert_int_lt(n, 9);		/* bounded by the 64 KiB queue */
	run(base);			/* peer not reading: queue stays */
	ck_assert(!rx.drained);
	ck_assert_uint_gt(ipc_chan_queued(a), 32 * 1024);
	fd_set_nonblock(sv[1]);
	while (!rx.drained) {
		struct timeval tv = { 0, 20000 };

		while (read(sv[1], sink, sizeof(sink)) > 0)
			;
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
	ck_assert_uint_le(ipc_chan_queued(a), 32 * 1024);
	ck_assert_int_eq(ipc_send(a, 1, 0, -1, chunk, sizeof(chunk)), 0);
	ipc_chan_free(a);
	close(sv[1]);
	event_base_free(base);
}
END_TEST

/*
 * An unprivileged sender with a low RLIMIT_NOFILE hits ETOOMANYREFS when a
 * peer stops taking descriptors: only those hand-offs fail, the channel
 * lives.  Runs in a child that can drop privileges.
 */
START_TEST(too_many_refs_fails_only_the_handoff)
{
	struct rlimit rl = { 32, 32 };
	struct passwd *pw = getpwnam("nobody");
	struct event_base *base;
	struct ipc_chan *a;
	struct rx rx = { 0 };
	int sv[2], i, tmp[2], status;
	pid_t pid;

	if (geteuid() != 0 || pw == NULL)
		return;		/* root is exempt from the limit; test as nobody */
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		if (setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
		    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1 ||
		    setrlimit(RLIMIT_NOFILE, &rl) == -1)
			_exit(2);
		base = event_base_new();
		rx.base = base;
		pair(sv);
		a = ipc_chan_new(base, sv[0], "a", IPC_F_FDPASS, 1 << 20,
		    &rx_ops, &rx);
		for (i = 0; i < 40; i++) {
			pair(tmp);
			if (ipc_send(a, 1, (uint32_t)i, tmp[0], NULL, 0) == -1)
				close(tmp[0]);
			close(tmp[1]);
			{
				struct timeval tv = { 0, 1000 };

				event_base_loopexit(base, &tv);
				event_base_dispatch(base);
			}
		}
		/* Failures were reported, and plain messages still go out. */
		if (rx.send_failed == 0 || rx.closed)
			_exit(3);
		if (ipc_send(a, 2, 0, -1, "ok", 2) == -1)
			_exit(4);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

START_TEST(hdr_parse_limits)
{
	struct ipc_hdr h;
	uint8_t buf[IPC_HDR_LEN + 4] = { 0 };

	ck_assert_int_eq(ipc_hdr_parse(buf, 3, 100, &h), 0);
	ipc_hdr_encode(buf, 1, 4, 7, 1);
	ck_assert_int_eq(ipc_hdr_parse(buf, IPC_HDR_LEN, 100, &h), 0);
	ck_assert_int_eq(ipc_hdr_parse(buf, sizeof(buf), 100, &h), 1);
	ck_assert(h.has_fd);
	ck_assert_uint_eq(h.len, IPC_HDR_LEN + 4);
	ck_assert_uint_eq(h.peerid, 7);
	ck_assert_int_eq(ipc_hdr_parse(buf, sizeof(buf), 3, &h), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ipc");
	TCase *tc = tcase_create("channel");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, framing_in_order);
	tcase_add_test(tc, oversized_send_refused);
	tcase_add_test(tc, malformed_headers);
	tcase_add_test(tc, peer_closes_mid_message);
	tcase_add_test(tc, handoff_fd_and_tail);
	tcase_add_test(tc, handoff_record_checked);
	tcase_add_test(tc, backpressure_bound_and_drain);
	tcase_add_test(tc, too_many_refs_fails_only_the_handoff);
	tcase_add_test(tc, hdr_parse_limits);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
