/*
 * test_wsconn_splice.c - a server wsconn reading frame by frame
 * (splice_prefix): data messages masked with the key 0 and taken by the
 * owner arrive through a pipe; every other frame (another key, refused,
 * fragmented, control, or a payload in pieces too small for the pipe)
 * through the parser, all in order and every byte intact.
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

#define PREFIX	4
#define BIG	100000

struct seen {
	struct bevio_pipe	 pipe;
	char			 log[256];	/* "s" spliced, "m" message */
	uint8_t			*data[16];
	size_t			 len[16];
	int			 n, closed_code;
};

static void
keep(struct seen *t, char how, const uint8_t *a, size_t alen,
    struct evbuffer *b)
{
	size_t blen = b != NULL ? evbuffer_get_length(b) : 0;

	ck_assert_int_lt(t->n, 16);
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
	(void)c;
	ck_assert_int_eq(opcode, WS_OP_BINARY);
	keep(arg, 'm', data, len, NULL);
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
on_spliced(struct wsconn *c, const uint8_t *head, struct bevio_pipe *p,
    void *arg)
{
	struct evbuffer *b = evbuffer_new();

	(void)c;
	ck_assert_int_eq(bevio_pipe_drain(p, b), 0);
	keep(arg, 's', head, PREFIX, b);
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
	uint8_t *p[7];
	size_t plen[7] = { BIG, BIG, BIG, 3000, 3000, 1000, 10 }, i, j;

	server(&cl, &t, 8 * BIG, 0);
	for (i = 0; i < 7; i++) {
		p[i] = malloc(plen[i]);
		for (j = 0; j < plen[i]; j++)
			p[i][j] = (uint8_t)(j * 13 + i);
		p[i][0] = i == 1 || i == 4 ? 'S' : i == 2 ? 'N' : 'S';
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
	/* 6: key 0, spliced, then a close. */
	cl.len += frame(cl.buf + cl.len, 1, WS_OP_BINARY, p[6], plen[6], zero);
	cl.len += frame(cl.buf + cl.len, 1, WS_OP_CLOSE, (const uint8_t *)
	    "\x03\xe8", 2, key);
	push(&cl, 65536);
	until_closed(&cl, &t);
	ck_assert_str_eq(t.log, "smmmms");
	ck_assert_int_eq(t.closed_code, 1000);
	ck_assert_uint_eq(t.len[0], plen[0]);
	ck_assert_mem_eq(t.data[0], p[0], plen[0]);
	ck_assert_uint_eq(t.len[1], plen[1]);
	ck_assert_mem_eq(t.data[1], p[1], plen[1]);
	ck_assert_uint_eq(t.len[2], plen[2]);
	ck_assert_mem_eq(t.data[2], p[2], plen[2]);
	ck_assert_uint_eq(t.len[3], plen[3] + plen[4]);
	ck_assert_mem_eq(t.data[3], p[3], plen[3]);
	ck_assert_mem_eq(t.data[3] + plen[3], p[4], plen[4]);
	ck_assert_uint_eq(t.len[4], plen[5]);
	ck_assert_mem_eq(t.data[4], p[5], plen[5]);
	ck_assert_uint_eq(t.len[5], plen[6]);
	ck_assert_mem_eq(t.data[5], p[6], plen[6]);
	for (i = 0; i < 7; i++)
		free(p[i]);
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
	uint8_t payload[1000];
	size_t half;

	memset(payload, 'S', sizeof(payload));
	c = server(&cl, &t, 4096, 1);
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
	tcase_add_test(tc, close_during_a_splice_still_ends_cleanly);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
