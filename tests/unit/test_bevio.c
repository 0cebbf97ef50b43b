/*
 * test_bevio.c - bulk reads, direct writes and spliced moves on socket
 * bufferevents: every byte, in order, through full socket buffers, with
 * the write callback still telling when the output drained.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "bevio.h"

#define TOTAL	(8 * 1024 * 1024)

static uint8_t
pattern(size_t i)
{
	return (uint8_t)(i * 7 + (i >> 12));
}

struct reader {
	size_t	 got, calls, biggest;
	int	 ok;
};

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct reader *r = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t buf[65536];
	size_t n, i;

	bevio_read_more(bev, 1024 * 1024);
	r->calls++;
	if (evbuffer_get_length(in) > r->biggest)
		r->biggest = evbuffer_get_length(in);
	while ((n = evbuffer_remove(in, buf, sizeof(buf))) > 0 &&
	    n != (size_t)-1)
		for (i = 0; i < n; i++, r->got++)
			if (buf[i] != pattern(r->got))
				r->ok = 0;
	if (r->got == TOTAL)
		event_base_loopbreak(bufferevent_get_base(bev));
}

/* Socket pair, non-blocking; [0] gets a bufferevent. */
static void
pair(int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_ne(fcntl(sv[0], F_SETFL, O_NONBLOCK), -1);
	ck_assert_int_ne(fcntl(sv[1], F_SETFL, O_NONBLOCK), -1);
}

START_TEST(read_more_takes_big_pieces)
{
	struct event_base *base = event_base_new();
	struct reader r = { .ok = 1 };
	struct bufferevent *bev;
	uint8_t *src = malloc(TOTAL);
	size_t off = 0, i;
	ssize_t w;
	int sv[2];

	pair(sv);
	for (i = 0; i < TOTAL; i++)
		src[i] = pattern(i);
	bev = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(bev, on_read, NULL, NULL, &r);
	bufferevent_enable(bev, EV_READ);
	while (off < TOTAL) {
		/* Fill the socket, then let the loop read. */
		while (off < TOTAL && (w = write(sv[1], src + off,
		    TOTAL - off)) > 0)
			off += (size_t)w;
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	}
	while (r.got < TOTAL)
		event_base_loop(base, EVLOOP_ONCE);
	ck_assert(r.ok);
	ck_assert_uint_eq(r.got, TOTAL);
	/* More than libevent's own 4 KiB came in one callback. */
	ck_assert_uint_gt(r.biggest, 4 * BEVIO_LIBEVENT_READ);
	bufferevent_free(bev);
	close(sv[1]);
	event_base_free(base);
	free(src);
}
END_TEST

static void
on_written(struct bufferevent *bev, void *arg)
{
	(void)bev;
	(*(int *)arg)++;
}

static size_t
drain_peer(int fd, size_t *at, int *ok)
{
	uint8_t buf[65536];
	size_t total = 0;
	ssize_t n, i;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++, (*at)++)
			if (buf[i] != pattern(*at))
				*ok = 0;
		total += (size_t)n;
	}
	return total;
}

START_TEST(send_direct_then_queued_in_order)
{
	struct event_base *base = event_base_new();
	struct bufferevent *bev;
	uint8_t msg[100000];
	size_t sent = 0, at = 0, i;
	int sv[2], drained = 0, ok = 1;
	struct iovec iov[2];

	pair(sv);
	bev = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(bev, NULL, on_written, NULL, &drained);
	bufferevent_enable(bev, EV_WRITE);

	/* A small message on an idle socket: written at once, nothing kept. */
	for (i = 0; i < 10; i++)
		msg[i] = pattern(i);
	iov[0].iov_base = msg;
	iov[0].iov_len = 4;
	iov[1].iov_base = msg + 4;
	iov[1].iov_len = 6;
	ck_assert_int_eq(bevio_send(bev, iov, 2), 0);
	sent = 10;
	ck_assert_uint_eq(evbuffer_get_length(bufferevent_get_output(bev)), 0);
	ck_assert_uint_eq(drain_peer(sv[1], &at, &ok), 10);
	/* ... and the drained signal comes from the loop, not the call. */
	ck_assert_int_eq(drained, 0);
	event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	ck_assert_int_ge(drained, 1);

	/* Messages until the socket is full: the rest waits, in order. */
	while (evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
		for (i = 0; i < sizeof(msg); i++)
			msg[i] = pattern(sent + i);
		iov[0].iov_base = msg;
		iov[0].iov_len = sizeof(msg);
		ck_assert_int_eq(bevio_send(bev, iov, 1), 0);
		sent += sizeof(msg);
	}
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = pattern(sent + i);
	ck_assert_int_eq(bevio_send(bev, iov, 1), 0);
	sent += sizeof(msg);
	drained = 0;
	while (at < sent) {
		drain_peer(sv[1], &at, &ok);
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	}
	ck_assert(ok);
	ck_assert_uint_eq(at, sent);
	ck_assert_int_ge(drained, 1);
	bufferevent_free(bev);
	close(sv[1]);
	event_base_free(base);
}
END_TEST

START_TEST(send_to_a_closed_peer_keeps_the_error)
{
	struct event_base *base = event_base_new();
	struct bufferevent *bev;
	struct iovec iov = { "hello", 5 };
	int sv[2];

	pair(sv);
	close(sv[1]);
	bev = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	bufferevent_enable(bev, EV_WRITE);
	/* The write fails (EPIPE); the bytes wait for libevent to find out. */
	ck_assert_int_eq(bevio_send(bev, &iov, 1), 0);
	ck_assert_uint_eq(evbuffer_get_length(bufferevent_get_output(bev)), 5);
	bufferevent_free(bev);
	event_base_free(base);
}
END_TEST

/* Everything the peer of a bufferevent has, appended at dst + *got. */
static void
collect(int fd, uint8_t *dst, size_t cap, size_t *got)
{
	ssize_t n;

	while (*got < cap && (n = read(fd, dst + *got, cap - *got)) > 0)
		*got += (size_t)n;
}

/*
 * Frames of a 4-byte header (0xa5, 24-bit length) and spliced bytes:
 * direct while the output is idle, queued once the peer lags; the peer
 * gets every header and every source byte, in order.
 */
START_TEST(pipe_moves_socket_bytes_behind_headers)
{
	struct event_base *base = event_base_new();
	struct bevio_pipe p = BEVIO_PIPE_INIT;
	struct bufferevent *bev;
	uint8_t *src = malloc(TOTAL), *dst = malloc(2 * TOTAL), hdr[4];
	struct iovec iov[2] = { { hdr, 1 }, { hdr + 1, 3 } };
	size_t in = 0, moved = 0, got = 0, frames = 0, queued = 0, at, len, i;
	ssize_t n;
	int a[2], b[2];

	pair(a);
	pair(b);
	for (i = 0; i < TOTAL; i++)
		src[i] = pattern(i);
	bev = bufferevent_socket_new(base, b[0], BEV_OPT_CLOSE_ON_FREE);
	bufferevent_enable(bev, EV_WRITE);
	while (moved < TOTAL) {
		while (in < TOTAL && (n = write(a[1], src + in,
		    TOTAL - in < 100000 ? TOTAL - in : 100000)) > 0)
			in += (size_t)n;
		if ((n = bevio_pipe_fill(&p, a[0], 65536)) == -1) {
			ck_assert_int_eq(errno, EAGAIN);
		} else {
			ck_assert_int_gt(n, 0);
			hdr[0] = 0xa5;
			hdr[1] = (uint8_t)(n >> 16);
			hdr[2] = (uint8_t)(n >> 8);
			hdr[3] = (uint8_t)n;
			/* In two pieces, as a header and a payload's start. */
			ck_assert_int_eq(bevio_send_pipe(bev, iov, 2, &p), 0);
			ck_assert_uint_eq(p.held, 0);
			moved += (size_t)n;
			frames++;
		}
		if (evbuffer_get_length(bufferevent_get_output(bev)) > queued)
			queued = evbuffer_get_length(bufferevent_get_output(bev));
		/* The peer reads after every 16th frame only: it lags. */
		if (frames % 16 == 0) {
			collect(b[1], dst, 2 * TOTAL, &got);
			event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		}
	}
	close(a[1]);
	ck_assert_int_eq(bevio_pipe_fill(&p, a[0], 65536), 0);
	while (got < moved + 4 * frames) {
		collect(b[1], dst, 2 * TOTAL, &got);
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	}
	ck_assert_uint_gt(queued, 0);
	for (at = 0, i = 0; i < got; i += 4 + len) {
		ck_assert_uint_eq(dst[i], 0xa5);
		len = (size_t)dst[i + 1] << 16 | (size_t)dst[i + 2] << 8 |
		    dst[i + 3];
		ck_assert_uint_le(i + 4 + len, got);
		ck_assert_mem_eq(dst + i + 4, src + at, len);
		at += len;
	}
	ck_assert_uint_eq(at, TOTAL);
	bevio_pipe_close(&p);
	bufferevent_free(bev);
	close(a[0]);
	close(b[1]);
	event_base_free(base);
	free(src);
	free(dst);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("bevio");
	TCase *tc = tcase_create("bevio");
	SRunner *sr;
	int failed;

	signal(SIGPIPE, SIG_IGN);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, read_more_takes_big_pieces);
	tcase_add_test(tc, send_direct_then_queued_in_order);
	tcase_add_test(tc, send_to_a_closed_peer_keeps_the_error);
	tcase_add_test(tc, pipe_moves_socket_bytes_behind_headers);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
