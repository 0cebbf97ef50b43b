/*
 * test_wsconn_splice.c - a server wsconn reading a little ahead only
 * (splice_prefix): big data messages masked with the key 0 and taken by
 * the owner arrive as the bytes read ahead and a pipe; every other frame
 * (small, another key, refused, fragmented, control, or a payload in
 * pieces too small for the pipe) through the parser, all in order and
 * every byte intact.
 */
#include "config.h"

#include <sys/socket.h>

#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "bevio.h"
#include "ws.h"
#include "wsconn.h"

#define PREFIX		4
#define SPLICE_MIN	2000
#define BIG		100000
#define SEEN_MAX	512

struct seen {
	struct bevio_pipe	 pipe;
	char			 log[SEEN_MAX + 1];	/* "s" spliced, "m" not */
	uint8_t			*data[SEEN_MAX];
	size_t			 len[SEEN_MAX];
	int			 n, closed_code;
	int			 pause_after;	/* messages, 0: never */
};

static void
keep(struct seen *t, char how, const uint8_t *a, size_t alen,
    struct evbuffer *b)
{
	size_t blen = b != NULL ? evbuffer_get_length(b) : 0;

	ck_assert_int_lt(t->n, SEEN_MAX);
	t->data[t->n] = malloc(alen + blen + 1);
	memcpy(t->data[t->n], a, alen);
	if (blen > 0)
		evbuffer_remove(b, t->data[t->n] + alen, blen);
	t->len[t->n++] = alen + blen;
	t->log[strlen(t->log)] = how;
}

static void
on_message(struct wsconn *c, int opcode, const uint8_t *data, size_t len,
    void *arg)
{
	struct seen *t = arg;

	ck_assert_int_eq(opcode, WS_OP_BINARY);
	keep(t, 'm', data, len, NULL);
	if (t->n == t->pause_after)
		wsconn_set_reading(c, 0);
}

static void
on_closed(struct wsconn *c, int code, const char *reason, void *arg)
{
	(void)c;
	(void)reason;
	((struct seen *)arg)->closed_code = code;
}

/* Taken when the prefix starts with 'S'. */
static struct bevio_pipe *
on_splice(struct wsconn *c, const uint8_t *head, uint64_t len, void *arg)
{
	struct seen *t = arg;

	(void)c;
	ck_assert_uint_gt(len, PREFIX);
	if (head[0] != 'S' || bevio_pipe_open(&t->pipe) == -1)
		return NULL;
	return &t->pipe;
}

static void
on_spliced(struct wsconn *c, const uint8_t *head, size_t hlen,
    struct bevio_pipe *p, void *arg)
{
	struct evbuffer *b = evbuffer_new();

	(void)c;
	ck_assert_uint_ge(hlen, PREFIX);
	ck_assert_uint_ge(p->held, SPLICE_MIN);
	ck_assert_int_eq(bevio_pipe_drain(p, b), 0);
	keep(arg, 's', head, hlen, b);
	evbuffer_free(b);
}

/* One frame as a client sends it. */
static size_t
frame(uint8_t *out, int fin, int op, const uint8_t *payload, size_t len,
    const uint8_t key[4])
{
	size_t n = ws_frame_header(out, fin, op, len, key);

	if (len > 0)
		memcpy(out + n, payload, len);
	ws_mask(out + n, len, key, 0);
	return n + len;
}

struct client {
	struct event_base	*base;
	int			 fd;
	uint8_t			*buf;
	size_t			 len;
};

/* Writes what is pending, step bytes at a time, turning the loop. */
static void
push(struct client *cl, size_t step)
{
	size_t off = 0, n;
	ssize_t w;

	while (off < cl->len) {
		n = cl->len - off < step ? cl->len - off : step;
		if ((w = write(cl->fd, cl->buf + off, n)) > 0)
			off += (size_t)w;
		event_base_loop(cl->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	}
	cl->len = 0;
}

/*
 * A socket pair: the server's end (non-blocking) under a wsconn with
 * spliced input reporting to t, the other end cl's, with a buffer of
 * cap bytes.
 */
static struct wsconn *
server(struct client *cl, struct seen *t, size_t cap, int nonblock)
{
	const struct wsconn_opts opts = {
		.max_message = 1 << 20, .max_output = 1 << 20,
		.close_timeout_ms = 1000, .plain_socket = 1,
		.external_tick = 1, .splice_prefix = PREFIX,
		.splice_min = SPLICE_MIN,
	};
	const struct wsconn_cbs cbs = {
		.message = on_message, .closed = on_closed,
		.splice = on_splice, .spliced = on_spliced,
	};
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_ne(fcntl(sv[0], F_SETFL, O_NONBLOCK), -1);
	if (nonblock)
		ck_assert_int_ne(fcntl(sv[1], F_SETFL, O_NONBLOCK), -1);
	cl->base = event_base_new();
	cl->fd = sv[1];
	cl->buf = malloc(cap);
	cl->len = 0;
	return wsconn_new(cl->base, bufferevent_socket_new(cl->base, sv[0],
	    BEV_OPT_CLOSE_ON_FREE), WS_SERVER, &opts, &cbs, t);
}

static void
client_done(struct client *cl, struct seen *t)
{
	int k;

	for (k = 0; k < t->n; k++)
		free(t->data[k]);
	bevio_pipe_close(&t->pipe);
	close(cl->fd);
	free(cl->buf);
	event_base_free(cl->base);
}

/* Turns the loop, reading what the server sends, until it closed. */
static void
until_closed(struct client *cl, struct seen *t)
{
	uint8_t junk[4096];
	int k;

	for (k = 0; k < 100 && t->closed_code == 0; k++) {
		while (read(cl->fd, junk, sizeof(junk)) > 0)
			continue;	/* pongs and the close */
		event_base_loop(cl->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	}
}

START_TEST(frames_spliced_or_parsed_in_order)
{
	static const uint8_t zero[4], key[4] = { 1, 2, 3, 4 };
	struct seen t = { .pipe = BEVIO_PIPE_INIT };
	struct client cl;
	uint8_t *p[8];
	size_t plen[8] = { BIG, BIG, BIG, 3000, 3000, 5000, 10, BIG }, i, j;
	const size_t whole[7] = { 0, 1, 2, 3, 5, 6, 7 };

	server(&cl, &t, 8 * BIG, 0);
	for (i = 0; i < 8; i++) {
		p[i] = malloc(plen[i]);
		for (j = 0; j < plen[i]; j++)
			p[i][j] = (uint8_t)(j * 13 + i);
		p[i][0] = i == 2 ? 'N' : 'S';
	}

	/* 0: key 0, taken: spliced.  1: another key: parsed. */
	cl.len += frame(cl.buf + cl.len, 1, WS_OP_BINARY, p[0], plen[0], zero);
	cl.len += frame(cl.buf + cl.len, 1, WS_OP_BINARY, p[1], plen[1], key);
	/* 2: key 0, refused by its owner; then a ping. */
	cl.len += frame(cl.buf + cl.len, 1, WS_OP_BINARY, p[2], plen[2], zero);
	cl.len += frame(cl.buf + cl.len, 1, WS_OP_PING, NULL, 0, key);
	/* 3, 4: one message in two fragments: parsed. */
	cl.len += frame(cl.buf + cl.len, 0, WS_OP_BINARY, p[3], plen[3], zero);
	cl.len += frame(cl.buf + cl.len, 1, WS_OP_CONT, p[4], plen[4], zero);
	push(&cl, 65536);
	/* 5: key 0 in one-byte pieces: the pipe fills, the parser takes it. */
	cl.len += frame(cl.buf + cl.len, 1, WS_OP_BINARY, p[5], plen[5], zero);
	push(&cl, 1);
	/* 6: key 0 but small: parsed; 7: spliced; then a close. */
	cl.len += frame(cl.buf + cl.len, 1, WS_OP_BINARY, p[6], plen[6], zero);
	cl.len += frame(cl.buf + cl.len, 1, WS_OP_BINARY, p[7], plen[7], zero);
	cl.len += frame(cl.buf + cl.len, 1, WS_OP_CLOSE, (const uint8_t *)
	    "\x03\xe8", 2, key);
	push(&cl, 65536);
	until_closed(&cl, &t);
	ck_assert_str_eq(t.log, "smmmmms");
	ck_assert_int_eq(t.closed_code, 1000);
	for (i = 0; i < 7; i++) {
		j = whole[i];
		if (j == 3) {
			ck_assert_uint_eq(t.len[i], plen[3] + plen[4]);
			ck_assert_mem_eq(t.data[i], p[3], plen[3]);
			ck_assert_mem_eq(t.data[i] + plen[3], p[4], plen[4]);
			continue;
		}
		ck_assert_uint_eq(t.len[i], plen[j]);
		ck_assert_mem_eq(t.data[i], p[j], plen[j]);
	}
	for (i = 0; i < 8; i++)
		free(p[i]);
	client_done(&cl, &t);
}
END_TEST

/*
 * Small frames of every size between big ones, written in pieces that
 * split headers anywhere, or all at once (more than one callback reads:
 * frames left ahead must not wait for the socket): read ahead, each
 * small one parsed, each big one spliced, in order.
 */
START_TEST(small_frames_read_ahead_between_big_ones)
{
	static const uint8_t zero[4];
	struct seen t = { .pipe = BEVIO_PIPE_INIT };
	struct client cl;
	struct wsconn *c;
	uint8_t *p = malloc(BIG);
	char want[SEEN_MAX + 1] = "";
	size_t len[300], i, j;

	c = server(&cl, &t, 1 << 20, 1);
	for (i = 0; i < 300; i++) {
		len[i] = i % 50 == 49 ? BIG : (i * 37) % 700 + 1;
		for (j = 0; j < len[i]; j++)
			p[j] = (uint8_t)(j * 7 + i);
		p[0] = 'S';
		cl.len += frame(cl.buf + cl.len, 1, WS_OP_BINARY, p, len[i],
		    zero);
		want[i] = len[i] == BIG ? 's' : 'm';
	}
	push(&cl, _i == 0 ? 1000 : 1 << 20);
	for (i = 0; i < 100 && t.n < 300; i++)
		event_base_loop(cl.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	ck_assert_str_eq(t.log, want);
	for (i = 0; i < 300; i++) {
		for (j = 0; j < len[i]; j++)
			p[j] = (uint8_t)(j * 7 + i);
		p[0] = 'S';
		ck_assert_uint_eq(t.len[i], len[i]);
		ck_assert_mem_eq(t.data[i], p, len[i]);
	}
	free(p);
	wsconn_free(c);
	client_done(&cl, &t);
}
END_TEST

/*
 * The owner pauses after the second of five small frames, all read
 * ahead at once: the rest wait, then come when reading resumes, though
 * the socket has nothing more to say.
 */
START_TEST(frames_read_ahead_wait_out_a_pause)
{
	static const uint8_t zero[4];
	struct seen t = { .pipe = BEVIO_PIPE_INIT, .pause_after = 2 };
	struct client cl;
	struct wsconn *c;
	uint8_t payload[100];
	int i;

	memset(payload, 'S', sizeof(payload));
	c = server(&cl, &t, 4096, 1);
	for (i = 0; i < 5; i++)
		cl.len += frame(cl.buf + cl.len, 1, WS_OP_BINARY, payload,
		    sizeof(payload), zero);
	push(&cl, 4096);
	for (i = 0; i < 10; i++)
		event_base_loop(cl.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	ck_assert_str_eq(t.log, "mm");
	wsconn_set_reading(c, 1);
	for (i = 0; i < 10 && t.n < 5; i++)
		event_base_loop(cl.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	ck_assert_str_eq(t.log, "mmmmm");
	wsconn_free(c);
	client_done(&cl, &t);
}
END_TEST

/*
 * We close while a spliced payload is on its way: the payload is dropped
 * (no message after our close) and the peer's close frame behind it is
 * still read as a frame, so the handshake ends at once.
 */
START_TEST(close_during_a_splice_still_ends_cleanly)
{
	static const uint8_t zero[4], key[4] = { 5, 6, 7, 8 };
	struct seen t = { .pipe = BEVIO_PIPE_INIT };
	struct client cl;
	struct wsconn *c;
	uint8_t payload[10000];
	size_t half;

	memset(payload, 'S', sizeof(payload));
	c = server(&cl, &t, 32768, 1);
	cl.len = frame(cl.buf, 1, WS_OP_BINARY, payload, sizeof(payload),
	    zero);
	half = cl.len / 2;
	cl.len = half;
	push(&cl, 65536);		/* header, prefix, part of the payload */
	wsconn_close(c, 1001, "going away");
	cl.len = frame(cl.buf, 1, WS_OP_BINARY, payload, sizeof(payload),
	    zero) - half;
	memmove(cl.buf, cl.buf + half, cl.len);
	cl.len += frame(cl.buf + cl.len, 1, WS_OP_CLOSE, (const uint8_t *)
	    "\x03\xe9", 2, key);
	push(&cl, 65536);
	until_closed(&cl, &t);
	ck_assert_int_eq(t.closed_code, 1001);
	ck_assert_str_eq(t.log, "");
	client_done(&cl, &t);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("wsconn_splice");
	TCase *tc = tcase_create("wsconn_splice");
	SRunner *sr;
	int failed;

	signal(SIGPIPE, SIG_IGN);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, frames_spliced_or_parsed_in_order);
	tcase_add_loop_test(tc, small_frames_read_ahead_between_big_ones, 0, 2);
	tcase_add_test(tc, frames_read_ahead_wait_out_a_pause);
	tcase_add_test(tc, close_during_a_splice_still_ends_cleanly);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
