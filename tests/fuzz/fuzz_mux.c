/*
 * fuzz_mux.c - the data link parser and stream state machine on
 * arbitrary bytes, as opener and as acceptor, the input as one message
 * and cut into several: no crash, no read past a message, every frame
 * the parser accepts builds back to the same bytes, and the flow-control
 * bounds hold (credit + buffered within the window, windows within the
 * link budget).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mux.h"

#define FUZZ_STREAMS	8

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Budget for four initial windows, so refusals and capped growth occur. */
static const struct mux_params fuzz_params = {
	.window_initial = MUX_WINDOW_MIN,
	.window_max = 4 * MUX_WINDOW_MIN,
	.link_buffer_max = 4 * MUX_WINDOW_MIN,
};

struct fuzz {
	struct mux_link		l;
	struct mux_stream	st[FUZZ_STREAMS];
	int			used[FUZZ_STREAMS];
	uint64_t		now;
};

static void
check(int ok)
{
	if (!ok)
		abort();
}

static void
fuzz_invariants(const struct fuzz *z)
{
	uint64_t sum = 0;
	int i;

	for (i = 0; i < FUZZ_STREAMS; i++) {
		if (!z->used[i])
			continue;
		check((uint64_t)z->st[i].recv_credit + z->st[i].recv_buffered <=
		    z->st[i].recv_window);
		check(z->st[i].recv_window <= fuzz_params.window_max);
		check(z->st[i].send_credit <= MUX_WINDOW_LIMIT);
		sum += z->st[i].recv_window;
	}
	check(sum == z->l.reserved);
	check(z->l.reserved <= fuzz_params.link_buffer_max);
}

/* The frame at h, rebuilt from what the parser made of it. */
static void
fuzz_rebuild(const struct mux_frame *f, const uint8_t *h, size_t n)
{
	uint8_t out[MUX_OPEN_MAX + MUX_RESET_MAX];
	size_t m = 0;

	switch (f->type) {
	case MUX_OPEN:
		m = mux_put_open(out, f->stream, f->window, f->session,
		    f->target, f->port);
		break;
	case MUX_OPEN_OK:
		m = mux_put_open_ok(out, f->stream, f->window);
		break;
	case MUX_OPEN_FAIL:
	case MUX_RESET:
		if (strlen(f->reason) != n - MUX_HEADER_LEN - 2)
			return;		/* a NUL cut the logged copy short */
		m = f->type == MUX_RESET ?
		    mux_put_reset(out, f->stream, f->code, f->reason) :
		    mux_put_open_fail(out, f->stream, f->code, f->reason);
		break;
	case MUX_DATA:
		check(f->data == h + MUX_HEADER_LEN && f->len ==
		    n - MUX_HEADER_LEN);
		mux_put_data_header(out, f->stream, (uint32_t)f->len);
		n = m = MUX_HEADER_LEN;
		break;
	case MUX_WINDOW:
		m = mux_put_window(out, f->stream, f->window);
		break;
	case MUX_FIN:
		m = mux_put_fin(out, f->stream);
		break;
	case MUX_PING:
	case MUX_PONG:
		m = mux_put_ping(out, f->type == MUX_PONG, f->ping);
		break;
	}
	check(m == n && memcmp(out, h, n) == 0);
}

static int
fuzz_find(struct fuzz *z, uint32_t id)
{
	int i;

	for (i = 0; i < FUZZ_STREAMS; i++)
		if (z->used[i] && z->st[i].id == id)
			return i;
	return -1;
}

static void
fuzz_drop(struct fuzz *z, int i)
{
	mux_stream_release(&z->st[i]);
	z->used[i] = 0;
}

static void
fuzz_accept(struct fuzz *z, const struct mux_frame *f)
{
	int i;

	for (i = 0; i < FUZZ_STREAMS && z->used[i]; i++)
		;
	if (i == FUZZ_STREAMS ||
	    mux_stream_accept(&z->st[i], &z->l, f, z->now) == -1)
		return;			/* OPEN_FAIL refused */
	z->used[i] = 1;
	check(mux_stream_sent(&z->st[i], MUX_OPEN_OK, 0) == 0);
}

/* A frame for stream i: what a relay or agent would do with it. */
static void
fuzz_stream(struct fuzz *z, int i, const struct mux_frame *f)
{
	struct mux_stream *st = &z->st[i];
	uint32_t credit, inc;

	if (mux_stream_recv(st, f) != 0) {
		check(mux_stream_sent(st, MUX_RESET, 0) == 0);
		fuzz_drop(z, i);
		return;
	}
	if (f->type == MUX_DATA) {
		/* Consume half, so windows both fill and reopen. */
		check(mux_consumed(st, st->recv_buffered / 2 + (f->len & 1),
		    z->now, &inc) == 0);
		check(inc <= st->recv_window);
	}
	if ((credit = mux_send_credit(st)) > 0)
		check(mux_stream_sent(st, MUX_DATA, credit > MUX_DATA_MAX ?
		    MUX_DATA_MAX : credit) == 0);
	if (f->type == MUX_RESET || f->type == MUX_OPEN_FAIL ||
	    st->state == MUX_ST_CLOSED)
		fuzz_drop(z, i);
}

static int
fuzz_message(struct fuzz *z, const uint8_t *msg, size_t len)
{
	struct mux_frame f;
	enum mux_event ev;
	size_t off = 0, before;
	int i;

	for (;;) {
		before = off;
		ev = mux_parse(&z->l, msg, len, &off, &f);
		check(off <= len);
		z->now += 10;
		if (ev == MUX_EV_END || ev == MUX_EV_LINK_ERROR)
			return ev == MUX_EV_END ? 0 : -1;
		check(off > before);
		if (ev == MUX_EV_STREAM_ERROR)
			continue;	/* OPEN_FAIL f.code */
		fuzz_rebuild(&f, msg + before, off - before);
		if (f.type == MUX_OPEN)
			fuzz_accept(z, &f);
		else if (f.type == MUX_PONG)
			mux_link_rtt(&z->l, (uint64_t)f.ping[0] * 100);
		else if (f.type != MUX_PING &&
		    (i = fuzz_find(z, f.stream)) != -1)
			fuzz_stream(z, i, &f);
		fuzz_invariants(z);
	}
}

/*
 * split: the input is messages of [u16 length][bytes], the rest one
 * last message; otherwise the whole input is one message.
 */
static void
run(const uint8_t *data, size_t size, enum mux_role role, int split)
{
	struct mux_frame ok = { .type = MUX_OPEN_OK,
	    .window = MUX_WINDOW_MIN };
	static struct fuzz z;
	size_t pos = 0, n;
	int i;

	memset(&z, 0, sizeof(z));
	if (mux_link_init(&z.l, role, &fuzz_params) == -1)
		abort();
	/* As opener, streams 1, 3, 5 are open for the input to act on. */
	for (i = 0; role == MUX_OPENER && i < 3; i++) {
		check(mux_stream_open(&z.st[i], &z.l, 0) == 0);
		z.used[i] = 1;
		if (i > 0)
			check(mux_stream_recv(&z.st[i], &ok) == 0);
	}
	do {
		n = size - pos;
		if (split && n >= 2 && (size_t)(data[pos] << 8 |
		    data[pos + 1]) <= n - 2) {
			n = (size_t)(data[pos] << 8 | data[pos + 1]);
			pos += 2;
		}
		if (fuzz_message(&z, data + pos, n) == -1)
			break;
		pos += n;
	} while (pos < size);
	for (i = 0; i < FUZZ_STREAMS; i++)
		if (z.used[i])
			fuzz_drop(&z, i);
	check(z.l.reserved == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, MUX_ACCEPTOR, 0);
	run(data, size, MUX_OPENER, 0);
	run(data, size, MUX_ACCEPTOR, 1);
	return 0;
}
