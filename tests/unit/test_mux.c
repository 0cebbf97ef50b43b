/*
 * test_mux.c - the data link multiplexer: every frame type built and
 * parsed back, malformed input of every kind, the stream state machine,
 * and flow control run between a relay and an agent side in memory (a
 * stalled reader stops only its own stream, windows grow up to their
 * cap, no byte is lost or reordered).
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mux.h"

#define KiB	1024U
#define MiB	(1024U * 1024U)

static const struct mux_params params = {
	.window_initial = 256 * KiB,
	.window_max = 4 * MiB,
	.link_buffer_max = 64 * MiB,
};

static void
link_init(struct mux_link *l, enum mux_role role)
{
	ck_assert_int_eq(mux_link_init(l, role, &params), 0);
}

/* Parses msg to its end; returns the events, frames in f[]. */
static int
parse_all(struct mux_link *l, const uint8_t *msg, size_t len,
    struct mux_frame *f, enum mux_event *ev, int max)
{
	size_t off = 0;
	int n = 0;

	while (n < max) {
		ev[n] = mux_parse(l, msg, len, &off, &f[n]);
		if (ev[n] == MUX_EV_END)
			break;
		if (ev[n++] == MUX_EV_LINK_ERROR)
			break;
	}
	return n;
}

/* One frame alone in a message: its event. */
static enum mux_event
parse_one(struct mux_link *l, const uint8_t *msg, size_t len,
    struct mux_frame *f)
{
	size_t off = 0;

	return mux_parse(l, msg, len, &off, f);
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Any header, even one the builders refuse to write. */
static size_t
raw_frame(uint8_t *out, int type, uint32_t id, const void *body,
    uint32_t len)
{
	out[0] = (uint8_t)type;
	put32(out + 1, id);
	put32(out + 5, len);
	memcpy(out + MUX_HEADER_LEN, body, len);
	return MUX_HEADER_LEN + len;
}

START_TEST(roundtrip_every_type)
{
	static const uint8_t pv[MUX_PING_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct mux_link agent, relay;
	struct mux_frame f[16];
	enum mux_event ev[16];
	uint8_t msg[4096];
	size_t n = 0;
	int k;

	link_init(&agent, MUX_ACCEPTOR);
	link_init(&relay, MUX_OPENER);
	/* Relay to agent. */
	n += mux_put_open(msg + n, 1, 256 * KiB, "sess-1", MUX_TARGET_VNC, 0);
	n += mux_put_open(msg + n, 3, 1 * MiB, "s", MUX_TARGET_PORT, 3000);
	n += mux_put_data_header(msg + n, 1, 5);
	memcpy(msg + n, "hello", 5);
	n += 5;
	n += mux_put_window(msg + n, 3, 12345);
	n += mux_put_fin(msg + n, 1);
	n += mux_put_reset(msg + n, 3, MUX_E_CANCEL, "browser went away");
	n += mux_put_ping(msg + n, 0, pv);
	n += mux_put_ping(msg + n, 1, pv);
	k = parse_all(&agent, msg, n, f, ev, 16);
	ck_assert_int_eq(k, 8);
	for (k = 0; k < 8; k++)
		ck_assert_int_eq(ev[k], MUX_EV_FRAME);
	ck_assert_int_eq(f[0].type, MUX_OPEN);
	ck_assert_uint_eq(f[0].stream, 1);
	ck_assert_uint_eq(f[0].window, 256 * KiB);
	ck_assert_str_eq(f[0].session, "sess-1");
	ck_assert_uint_eq(f[0].target, MUX_TARGET_VNC);
	ck_assert_uint_eq(f[0].port, 0);
	ck_assert_uint_eq(f[1].target, MUX_TARGET_PORT);
	ck_assert_uint_eq(f[1].port, 3000);
	ck_assert_uint_eq(f[1].window, 1 * MiB);
	ck_assert_int_eq(f[2].type, MUX_DATA);
	ck_assert_uint_eq(f[2].len, 5);
	ck_assert_int_eq(memcmp(f[2].data, "hello", 5), 0);
	ck_assert_int_eq(f[3].type, MUX_WINDOW);
	ck_assert_uint_eq(f[3].window, 12345);
	ck_assert_int_eq(f[4].type, MUX_FIN);
	ck_assert_int_eq(f[5].type, MUX_RESET);
	ck_assert_uint_eq(f[5].code, MUX_E_CANCEL);
	ck_assert_str_eq(f[5].reason, "browser went away");
	ck_assert_int_eq(f[6].type, MUX_PING);
	ck_assert_int_eq(f[7].type, MUX_PONG);
	ck_assert_int_eq(memcmp(f[7].ping, pv, MUX_PING_LEN), 0);
	ck_assert_uint_eq(agent.last_id, 3);

	/* Agent to relay (the relay must have opened the ids). */
	relay.last_id = 3;
	n = mux_put_open_ok(msg, 1, 512 * KiB);
	n += mux_put_open_fail(msg + n, 3, MUX_E_NO_SESSION, NULL);
	k = parse_all(&relay, msg, n, f, ev, 16);
	ck_assert_int_eq(k, 2);
	ck_assert_int_eq(f[0].type, MUX_OPEN_OK);
	ck_assert_uint_eq(f[0].window, 512 * KiB);
	ck_assert_int_eq(f[1].type, MUX_OPEN_FAIL);
	ck_assert_uint_eq(f[1].code, MUX_E_NO_SESSION);
	ck_assert_str_eq(f[1].reason, "");
}
END_TEST

/* The same frames in one message, one per message, or a frame split. */
START_TEST(split_and_concatenated)
{
	struct mux_link agent;
	struct mux_frame f[64];
	enum mux_event ev[64];
	uint8_t msg[8192], data[MUX_DATA_MAX];
	size_t n = 0, off[40], i, o;
	int k, total = 0;

	memset(data, 'x', sizeof(data));
	for (i = 0; i < 20; i++) {
		off[i] = n;
		n += mux_put_open(msg + n, (uint32_t)(2 * i + 1), 256 * KiB,
		    "a", MUX_TARGET_VNC, 0);
		n += mux_put_data_header(msg + n, (uint32_t)(2 * i + 1), 100);
		memcpy(msg + n, data, 100);
		n += 100;
	}
	off[20] = n;
	link_init(&agent, MUX_ACCEPTOR);
	ck_assert_int_eq(parse_all(&agent, msg, n, f, ev, 64), 40);
	link_init(&agent, MUX_ACCEPTOR);
	for (i = 0; i < 20; i++) {
		k = parse_all(&agent, msg + off[i], off[i + 1] - off[i], f, ev,
		    64);
		ck_assert_int_eq(k, 2);
		ck_assert_int_eq(ev[1], MUX_EV_FRAME);
		ck_assert_uint_eq(f[1].len, 100);
		total += k;
	}
	ck_assert_int_eq(total, 40);
	/* A frame cut across two messages is a link error at every cut. */
	for (i = 1; i < off[1]; i++) {
		if (i == MUX_HEADER_LEN + 8 + 1)	/* right after OPEN */
			continue;
		link_init(&agent, MUX_ACCEPTOR);
		k = parse_all(&agent, msg, i, f, ev, 64);
		ck_assert_int_eq(ev[k - 1], MUX_EV_LINK_ERROR);
	}
	/* The largest DATA frames, four to a message. */
	link_init(&agent, MUX_ACCEPTOR);
	agent.last_id = 1;
	{
		static uint8_t big[MUX_MESSAGE_MAX];

		for (o = 0, i = 0; i < 4; i++) {
			o += mux_put_data_header(big + o, 1, MUX_DATA_MAX);
			memcpy(big + o, data, MUX_DATA_MAX);
			o += MUX_DATA_MAX;
		}
		ck_assert_uint_eq(o, MUX_MESSAGE_MAX);
		ck_assert_int_eq(parse_all(&agent, big, o, f, ev, 64), 4);
		ck_assert_int_eq(ev[3], MUX_EV_FRAME);
	}
}
END_TEST

struct bad_case {
	int		 type;
	uint32_t	 id;
	uint32_t	 len;	/* header's length */
	uint32_t	 body;	/* bytes actually present */
	const char	*why;
};

#define BAD_LEN	"frame length out of bounds for its type"

START_TEST(malformed_link_errors)
{
	static const struct bad_case cases[] = {
		{ 0, 1, 0, 0, "unknown frame type" },
		{ 10, 1, 0, 0, "unknown frame type" },
		{ 255, 1, 0, 0, "unknown frame type" },
		{ MUX_DATA, 1, 0, 0, BAD_LEN },
		{ MUX_DATA, 1, MUX_DATA_MAX + 1, MUX_DATA_MAX + 1, BAD_LEN },
		{ MUX_DATA, 1, 0xffffffff, 10, BAD_LEN },
		{ MUX_OPEN_OK, 1, 5, 5, BAD_LEN },
		{ MUX_WINDOW, 1, 3, 3, BAD_LEN },
		{ MUX_FIN, 1, 1, 1, BAD_LEN },
		{ MUX_PING, 0, 7, 7, BAD_LEN },
		{ MUX_RESET, 1, 1, 1, BAD_LEN },
		{ MUX_RESET, 1, MUX_REASON_MAX + 3, MUX_REASON_MAX + 3,
		    BAD_LEN },
		{ MUX_OPEN, 5, 8, 8, BAD_LEN },
		{ MUX_OPEN, 5, 9 + MUX_SESSION_ID_MAX, 9 + MUX_SESSION_ID_MAX,
		    BAD_LEN },
		{ MUX_DATA, 1, 10, 9, "truncated frame body" },
		{ MUX_FIN, 0, 0, 0, "stream frame with id 0" },
		{ MUX_DATA, 0, 1, 1, "stream frame with id 0" },
		{ MUX_DATA, 2, 1, 1, "even stream id" },
		{ MUX_PING, 1, 8, 8, "PING or PONG with a stream id" },
		{ MUX_PONG, 3, 8, 8, "PING or PONG with a stream id" },
		{ MUX_DATA, 7, 1, 1, "frame for a stream never opened" },
		{ MUX_WINDOW, 9, 4, 4, "frame for a stream never opened" },
		{ MUX_RESET, 1, 2, 2, "code 0 in OPEN_FAIL or RESET" },
		{ MUX_OPEN, 3, 9, 9, "OPEN id not above the previous one" },
		{ MUX_OPEN, 4, 9, 9, "even stream id" },
	};
	static uint8_t body[MUX_DATA_MAX + 16], msg[MUX_DATA_MAX + 64];
	struct mux_link l;
	struct mux_frame f;
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		link_init(&l, MUX_ACCEPTOR);
		l.last_id = 5;		/* streams 1, 3, 5 were opened */
		memset(body, 0, sizeof(body));
		n = raw_frame(msg, cases[i].type, cases[i].id, body,
		    cases[i].body);
		put32(msg + 5, cases[i].len);
		ck_assert_msg(parse_one(&l, msg, n, &f) == MUX_EV_LINK_ERROR,
		    "case %zu", i);
		ck_assert_str_eq(f.error, cases[i].why);
		/* Sticky: the link is dead, even for a good frame. */
		n = mux_put_fin(msg, 1);
		ck_assert_int_eq(parse_one(&l, msg, n, &f), MUX_EV_LINK_ERROR);
	}
	for (n = 1; n < MUX_HEADER_LEN; n++) {		/* truncated header */
		link_init(&l, MUX_ACCEPTOR);
		memset(msg, 0, n);
		ck_assert_int_eq(parse_one(&l, msg, n, &f), MUX_EV_LINK_ERROR);
		ck_assert_str_eq(f.error, "truncated frame header");
	}
	link_init(&l, MUX_ACCEPTOR);
	ck_assert_int_eq(parse_one(&l, msg, 0, &f), MUX_EV_LINK_ERROR);
	ck_assert_str_eq(f.error, "empty message");
	/* Reasons must be UTF-8. */
	link_init(&l, MUX_ACCEPTOR);
	l.last_id = 1;
	n = raw_frame(msg, MUX_RESET, 1, "\x00\x01\xc3\x28", 4);
	ck_assert_int_eq(parse_one(&l, msg, n, &f), MUX_EV_LINK_ERROR);
	ck_assert_str_eq(f.error, "reason is not UTF-8");
	/* Only the acceptor takes OPEN. */
	link_init(&l, MUX_OPENER);
	n = mux_put_open(msg, 1, 256 * KiB, "a", MUX_TARGET_VNC, 0);
	ck_assert_int_eq(parse_one(&l, msg, n, &f), MUX_EV_LINK_ERROR);
	ck_assert_str_eq(f.error, "OPEN from the acceptor");
}
END_TEST

/* Right size, wrong inside: OPEN_FAIL for that id, the link goes on. */
START_TEST(bad_open_bodies)
{
	static const struct {
		uint32_t	 window;
		int		 target, port;
		const char	*sid;
		int		 sidlen;	/* declared; -1: strlen */
		const char	*why;
	} cases[] = {
		{ 256 * KiB, 1, 0, "a b", -1, "bad session id in OPEN" },
		{ 256 * KiB, 1, 0, "a\x01", -1, "bad session id in OPEN" },
		{ 256 * KiB, 1, 0, "a\x7f", -1, "bad session id in OPEN" },
		{ 256 * KiB, 1, 0, "\xc3\xa9", -1, "bad session id in OPEN" },
		{ 256 * KiB, 1, 0, "ab", 3, "bad session id in OPEN" },
		{ 256 * KiB, 1, 0, "ab", 1, "bad session id in OPEN" },
		{ 256 * KiB, 1, 0, "a", 0, "bad session id in OPEN" },
		{ 256 * KiB - 1, 1, 0, "a", -1, "OPEN window out of bounds" },
		{ 0, 1, 0, "a", -1, "OPEN window out of bounds" },
		{ 0x80000000, 1, 0, "a", -1, "OPEN window out of bounds" },
		{ 256 * KiB, MUX_TARGET_VNC, 5900, "a", -1,
		    "bad port for the OPEN target" },
		{ 256 * KiB, MUX_TARGET_PORT, 0, "a", -1,
		    "bad port for the OPEN target" },
	};
	struct mux_link l;
	struct mux_frame f;
	uint8_t body[300], msg[600];
	size_t i, n, slen, off;

	link_init(&l, MUX_ACCEPTOR);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		slen = strlen(cases[i].sid);
		put32(body, cases[i].window);
		body[4] = (uint8_t)cases[i].target;
		body[5] = (uint8_t)(cases[i].port >> 8);
		body[6] = (uint8_t)cases[i].port;
		body[7] = (uint8_t)(cases[i].sidlen < 0 ? slen :
		    (size_t)cases[i].sidlen);
		memcpy(body + 8, cases[i].sid, slen);
		n = raw_frame(msg, MUX_OPEN, (uint32_t)(2 * i + 1), body,
		    (uint32_t)(8 + slen));
		n += mux_put_fin(msg + n, 1);	/* the message goes on */
		off = 0;
		ck_assert_msg(mux_parse(&l, msg, n, &off, &f) ==
		    MUX_EV_STREAM_ERROR, "case %zu", i);
		ck_assert_str_eq(f.error, cases[i].why);
		ck_assert_uint_eq(f.stream, 2 * i + 1);
		ck_assert_uint_eq(f.code, MUX_E_PROTOCOL);
		ck_assert_int_eq(mux_parse(&l, msg, n, &off, &f), MUX_EV_FRAME);
		ck_assert_int_eq(f.type, MUX_FIN);
		ck_assert_int_eq(mux_parse(&l, msg, n, &off, &f), MUX_EV_END);
		ck_assert_uint_eq(l.last_id, 2 * i + 1);	/* used up */
	}
	/* Unknown targets are well-formed: the agent answers UNSUPPORTED. */
	memset(body, 'z', sizeof(body));
	body[MUX_SESSION_ID_MAX] = '\0';
	n = mux_put_open(msg, 101, MUX_WINDOW_LIMIT, (char *)body, 77, 9);
	ck_assert_uint_eq(n, MUX_OPEN_MAX);
	ck_assert_int_eq(parse_one(&l, msg, n, &f), MUX_EV_FRAME);
	ck_assert_uint_eq(f.target, 77);
	ck_assert_uint_eq(f.port, 9);
	ck_assert_uint_eq(strlen(f.session), MUX_SESSION_ID_MAX);
}
END_TEST

START_TEST(builders_refuse_and_truncate)
{
	uint8_t out[MUX_OPEN_MAX > MUX_RESET_MAX ? MUX_OPEN_MAX :
	    MUX_RESET_MAX];
	char sid[MUX_SESSION_ID_MAX + 2], reason[400];
	struct mux_link l;
	struct mux_frame f;
	size_t i, n;

	memset(sid, 'a', sizeof(sid) - 1);
	sid[sizeof(sid) - 1] = '\0';		/* 254 bytes: one too many */
	ck_assert_uint_eq(mux_put_open(out, 1, 256 * KiB, sid, 1, 0), 0);
	ck_assert_uint_eq(mux_put_open(out, 1, 256 * KiB, "", 1, 0), 0);
	ck_assert_uint_eq(mux_put_open(out, 1, 256 * KiB, "a b", 1, 0), 0);
	ck_assert_uint_eq(mux_put_open(out, 1, 1024, "a", 1, 0), 0);
	ck_assert_uint_eq(mux_put_open(out, 1, 256 * KiB, "a", 256, 0), 0);
	ck_assert_uint_eq(mux_put_open(out, 1, 256 * KiB, "a", 2, 65536), 0);
	ck_assert_uint_eq(mux_put_reset(out, 1, 0, "x"), 0);
	ck_assert_uint_eq(mux_put_reset(out, 1, 65536, "x"), 0);
	ck_assert_uint_eq(mux_put_reset(out, 1, 1, "\xff"), 0);
	/* 300 bytes of 3-byte characters: cut to 198, still UTF-8. */
	for (i = 0; i < 100; i++)
		memcpy(reason + 3 * i, "\xe2\x82\xac", 3);
	reason[300] = '\0';
	n = mux_put_open_fail(out, 1, MUX_E_UNREACHABLE, reason);
	ck_assert_uint_eq(n, MUX_HEADER_LEN + 2 + 198);
	link_init(&l, MUX_OPENER);
	l.last_id = 1;
	ck_assert_int_eq(parse_one(&l, out, n, &f), MUX_EV_FRAME);
	ck_assert_uint_eq(strlen(f.reason), 198);
	memset(reason, 'r', 300);		/* ASCII: cut at 200 */
	n = mux_put_reset(out, 1, MUX_E_IO, reason);
	ck_assert_uint_eq(n, MUX_RESET_MAX);
	ck_assert_int_eq(parse_one(&l, out, n, &f), MUX_EV_FRAME);
	ck_assert_uint_eq(f.code, MUX_E_IO);
	ck_assert_str_eq(mux_code_name(MUX_E_FLOW), "flow-control");
	ck_assert_str_eq(mux_code_name(0), "unknown");
	ck_assert_str_eq(mux_code_name(999), "unknown");
}
END_TEST

START_TEST(link_params_and_ids)
{
	static const struct mux_params bad[] = {
		{ MUX_WINDOW_MIN - 1, 4 * MiB, 64 * MiB },
		{ 512 * KiB, 256 * KiB, 64 * MiB },
		{ 256 * KiB, MUX_WINDOW_LIMIT + 1U, 64 * MiB },
		{ 512 * KiB, 4 * MiB, 256 * KiB },
	};
	struct mux_params p = params;
	struct mux_link l, a;
	struct mux_stream st, st3[3];
	struct mux_frame f = { .type = MUX_OPEN, .stream = 1,
	    .window = 256 * KiB };
	uint8_t msg[MUX_OPEN_MAX];
	size_t i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(mux_link_init(&l, MUX_OPENER, &bad[i]), -1);
	/* An acceptor out of budget refuses, until a stream is released. */
	p.link_buffer_max = 2 * p.window_initial;
	ck_assert_int_eq(mux_link_init(&a, MUX_ACCEPTOR, &p), 0);
	for (i = 0; i < 3; i++, f.stream += 2)
		ck_assert_int_eq(mux_stream_accept(&st3[i], &a, &f, 1),
		    i < 2 ? 0 : -1);
	mux_stream_release(&st3[0]);
	ck_assert_int_eq(mux_stream_accept(&st3[2], &a, &f, 1), 0);

	link_init(&l, MUX_OPENER);
	link_init(&a, MUX_ACCEPTOR);
	ck_assert_int_eq(mux_stream_open(&st, &l, 1), 0);
	ck_assert_uint_eq(st.id, 1);
	ck_assert_int_eq(mux_stream_open(&st, &l, 1), 0);
	ck_assert_uint_eq(st.id, 3);
	ck_assert_int_eq(mux_stream_accept(&st, &l, &f, 1), -1);
	ck_assert_int_eq(mux_stream_open(&st, &a, 1), -1);
	/* The last odd id, then none: a new link is needed. */
	l.last_id = UINT32_MAX - 2;
	ck_assert_int_eq(mux_stream_open(&st, &l, 1), 0);
	ck_assert_uint_eq(st.id, UINT32_MAX);
	ck_assert_int_eq(mux_stream_open(&st, &l, 1), -1);
	n = mux_put_open(msg, UINT32_MAX, 256 * KiB, "a", 1, 0);
	ck_assert_int_eq(parse_one(&a, msg, n, &f), MUX_EV_FRAME);
	n = mux_put_open(msg, UINT32_MAX, 256 * KiB, "a", 1, 0);
	ck_assert_int_eq(parse_one(&a, msg, n, &f), MUX_EV_LINK_ERROR);

	mux_link_rtt(&l, 8000);
	ck_assert_uint_eq(l.rtt_us, 8000);
	mux_link_rtt(&l, 16000);
	ck_assert_uint_eq(l.rtt_us, 9000);
	l.rtt_us = 0;
	mux_link_rtt(&l, 0);
	ck_assert_uint_eq(l.rtt_us, 1);
}
END_TEST

/* An opener stream that got OPEN_OK with the given window. */
static void
open_stream(struct mux_link *l, struct mux_stream *st, uint32_t window)
{
	struct mux_frame f = { .type = MUX_OPEN_OK, .window = window };

	ck_assert_int_eq(mux_stream_open(st, l, 1), 0);
	ck_assert_uint_eq(mux_send_credit(st), 0);	/* before OPEN_OK */
	ck_assert_int_eq(mux_stream_sent(st, MUX_DATA, 1), -1);
	f.stream = st->id;
	ck_assert_uint_eq(mux_stream_recv(st, &f), 0);
	ck_assert_int_eq(st->state, MUX_ST_OPEN);
}

static unsigned int
recv_type(struct mux_stream *st, enum mux_type type, uint32_t arg)
{
	struct mux_frame f = { .type = type, .stream = st->id };

	f.window = arg;
	f.len = arg;
	return mux_stream_recv(st, &f);
}

START_TEST(credit_and_window_overflow)
{
	struct mux_link l;
	struct mux_stream st;
	uint32_t inc;

	link_init(&l, MUX_OPENER);
	open_stream(&l, &st, 256 * KiB);
	ck_assert_uint_eq(mux_send_credit(&st), 256 * KiB);
	ck_assert_int_eq(mux_stream_sent(&st, MUX_DATA, MUX_DATA_MAX + 1), -1);
	ck_assert_int_eq(mux_stream_sent(&st, MUX_DATA, 0), -1);
	ck_assert_int_eq(mux_stream_sent(&st, MUX_DATA, MUX_DATA_MAX), 0);
	ck_assert_uint_eq(mux_send_credit(&st), 192 * KiB);
	/* Up to 2^31-1 of credit, not one byte more. */
	ck_assert_uint_eq(recv_type(&st, MUX_WINDOW,
	    MUX_WINDOW_LIMIT - 192 * KiB), 0);
	ck_assert_uint_eq(mux_send_credit(&st), MUX_WINDOW_LIMIT);
	ck_assert_uint_eq(recv_type(&st, MUX_WINDOW, 1), MUX_E_FLOW);
	ck_assert_int_eq(st.state, MUX_ST_CLOSED);
	ck_assert_int_eq(mux_stream_sent(&st, MUX_RESET, 0), 0);
	mux_stream_release(&st);

	/* Data: exactly the window is fine, one byte over resets. */
	open_stream(&l, &st, 256 * KiB);
	ck_assert_uint_eq(recv_type(&st, MUX_DATA, 200 * KiB), 0);
	ck_assert_uint_eq(recv_type(&st, MUX_DATA, 56 * KiB), 0);
	ck_assert_uint_eq(st.recv_buffered, 256 * KiB);
	ck_assert_int_eq(mux_consumed(&st, 256 * KiB + 1, 2, &inc), -1);
	ck_assert_uint_eq(recv_type(&st, MUX_DATA, 1), MUX_E_FLOW);
	ck_assert_int_eq(st.state, MUX_ST_CLOSED);
	mux_stream_release(&st);
	ck_assert_uint_eq(l.reserved, 0);
}
END_TEST

/* Each of these ends the opener's stream, with the code to RESET. */
START_TEST(state_rules)
{
	static const struct {
		int		 got_ok;	/* after OPEN_OK, else before */
		enum mux_type	 type;
		uint32_t	 arg;
		unsigned int	 code;
	} cases[] = {
		{ 0, MUX_DATA, 1, MUX_E_PROTOCOL },
		{ 0, MUX_WINDOW, 1, MUX_E_PROTOCOL },
		{ 0, MUX_FIN, 0, MUX_E_PROTOCOL },
		{ 0, MUX_OPEN_OK, MUX_WINDOW_MIN - 1, MUX_E_PROTOCOL },
		{ 0, MUX_OPEN_FAIL, 0, 0 },
		{ 0, MUX_RESET, 0, 0 },
		{ 1, MUX_OPEN_OK, 256 * KiB, MUX_E_PROTOCOL },
		{ 1, MUX_OPEN_FAIL, 0, MUX_E_PROTOCOL },
		{ 1, MUX_PING, 0, MUX_E_PROTOCOL },
		{ 1, MUX_WINDOW, 0, MUX_E_PROTOCOL },
		{ 1, MUX_WINDOW, 0xffffffff, MUX_E_FLOW },
		{ 1, MUX_RESET, 0, 0 },
	};
	struct mux_link l, a;
	struct mux_stream st;
	struct mux_frame open = { .type = MUX_OPEN, .stream = 1,
	    .window = 300 * KiB };
	size_t i;

	link_init(&l, MUX_OPENER);
	link_init(&a, MUX_ACCEPTOR);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].got_ok)
			open_stream(&l, &st, 256 * KiB);
		else
			ck_assert_int_eq(mux_stream_open(&st, &l, 1), 0);
		ck_assert_msg(recv_type(&st, cases[i].type, cases[i].arg) ==
		    cases[i].code, "case %zu", i);
		ck_assert_int_eq(st.state, MUX_ST_CLOSED);
		mux_stream_release(&st);
	}
	/* Before OPEN_OK the opener may send nothing but RESET. */
	ck_assert_int_eq(mux_stream_open(&st, &l, 1), 0);
	ck_assert_int_eq(mux_stream_sent(&st, MUX_FIN, 0), -1);
	ck_assert_int_eq(mux_stream_sent(&st, MUX_OPEN_OK, 0), -1);
	ck_assert_int_eq(mux_stream_sent(&st, MUX_WINDOW, 0), -1);
	ck_assert_int_eq(mux_stream_sent(&st, MUX_RESET, 0), 0);
	mux_stream_release(&st);

	/* Acceptor: OPEN_OK or OPEN_FAIL first, and only once. */
	ck_assert_int_eq(mux_stream_accept(&st, &a, &open, 1), 0);
	ck_assert_uint_eq(mux_send_credit(&st), 0);
	ck_assert_uint_eq(recv_type(&st, MUX_OPEN_OK, 256 * KiB),
	    MUX_E_PROTOCOL);
	mux_stream_release(&st);
	ck_assert_int_eq(mux_stream_accept(&st, &a, &open, 1), 0);
	ck_assert_uint_eq(recv_type(&st, MUX_FIN, 0), MUX_E_PROTOCOL);
	mux_stream_release(&st);
	ck_assert_int_eq(mux_stream_accept(&st, &a, &open, 1), 0);
	ck_assert_int_eq(mux_stream_sent(&st, MUX_OPEN_OK, 0), 0);
	ck_assert_uint_eq(mux_send_credit(&st), 300 * KiB);
	ck_assert_int_eq(mux_stream_sent(&st, MUX_OPEN_OK, 0), -1);
	ck_assert_int_eq(mux_stream_sent(&st, MUX_OPEN_FAIL, 0), -1);
	mux_stream_release(&st);
	ck_assert_int_eq(mux_stream_accept(&st, &a, &open, 1), 0);
	ck_assert_int_eq(mux_stream_sent(&st, MUX_OPEN_FAIL, 0), 0);
	ck_assert_int_eq(st.state, MUX_ST_CLOSED);
	mux_stream_release(&st);
	mux_stream_release(&st);		/* twice is harmless */
	ck_assert_uint_eq(a.reserved, 0);
	ck_assert_uint_eq(l.reserved, 0);
}
END_TEST

START_TEST(fin_both_directions)
{
	struct mux_link l;
	struct mux_stream st;
	uint32_t inc;

	link_init(&l, MUX_OPENER);
	/* We finish first; the peer keeps sending, then finishes. */
	open_stream(&l, &st, 256 * KiB);
	ck_assert_int_eq(mux_stream_sent(&st, MUX_FIN, 0), 0);
	ck_assert_int_eq(st.state, MUX_ST_HALF_LOCAL);
	ck_assert_uint_eq(mux_send_credit(&st), 0);
	ck_assert_int_eq(mux_stream_sent(&st, MUX_DATA, 1), -1);
	ck_assert_int_eq(mux_stream_sent(&st, MUX_FIN, 0), -1);
	ck_assert_uint_eq(recv_type(&st, MUX_DATA, 200 * KiB), 0);
	ck_assert_int_eq(mux_consumed(&st, 200 * KiB, 2, &inc), 0);
	ck_assert_uint_eq(inc, 200 * KiB);	/* still granting */
	ck_assert_uint_eq(recv_type(&st, MUX_WINDOW, 10), 0);
	ck_assert_uint_eq(recv_type(&st, MUX_FIN, 0), 0);
	ck_assert_int_eq(st.state, MUX_ST_CLOSED);
	/* Late WINDOW and RESET cross our FIN: ignored. */
	ck_assert_uint_eq(recv_type(&st, MUX_WINDOW, 10), 0);
	ck_assert_uint_eq(recv_type(&st, MUX_RESET, 0), 0);
	ck_assert_uint_eq(recv_type(&st, MUX_DATA, 1), MUX_E_PROTOCOL);
	mux_stream_release(&st);

	/* The peer finishes first; we may still send, it grants nothing. */
	open_stream(&l, &st, 256 * KiB);
	ck_assert_uint_eq(recv_type(&st, MUX_DATA, 200 * KiB), 0);
	ck_assert_uint_eq(recv_type(&st, MUX_FIN, 0), 0);
	ck_assert_int_eq(st.state, MUX_ST_HALF_REMOTE);
	ck_assert_int_eq(mux_consumed(&st, 200 * KiB, 2, &inc), 0);
	ck_assert_uint_eq(inc, 0);
	ck_assert_uint_eq(recv_type(&st, MUX_DATA, 1), MUX_E_PROTOCOL);
	mux_stream_release(&st);
	open_stream(&l, &st, 256 * KiB);
	ck_assert_uint_eq(recv_type(&st, MUX_FIN, 0), 0);
	ck_assert_uint_eq(recv_type(&st, MUX_FIN, 0), MUX_E_PROTOCOL);
	mux_stream_release(&st);
	open_stream(&l, &st, 256 * KiB);
	ck_assert_uint_eq(recv_type(&st, MUX_FIN, 0), 0);
	ck_assert_int_eq(mux_stream_sent(&st, MUX_DATA, 1000), 0);
	ck_assert_int_eq(mux_stream_sent(&st, MUX_FIN, 0), 0);
	ck_assert_int_eq(st.state, MUX_ST_CLOSED);
	mux_stream_release(&st);
}
END_TEST

START_TEST(window_updates_and_growth)
{
	struct mux_params p = params;
	struct mux_link l;
	struct mux_stream st, st2;
	uint64_t now = 1000;
	uint32_t inc, w;
	int i;

	link_init(&l, MUX_OPENER);
	open_stream(&l, &st, 256 * KiB);
	/* No RTT yet: updates at half the window, never growth. */
	ck_assert_uint_eq(recv_type(&st, MUX_DATA, 100 * KiB), 0);
	ck_assert_int_eq(mux_consumed(&st, 100 * KiB, now, &inc), 0);
	ck_assert_uint_eq(inc, 0);
	ck_assert_uint_eq(recv_type(&st, MUX_DATA, 28 * KiB), 0);
	ck_assert_int_eq(mux_consumed(&st, 28 * KiB, now, &inc), 0);
	ck_assert_uint_eq(inc, 128 * KiB);
	ck_assert_uint_eq(st.recv_window, 256 * KiB);

	/* A consumer that keeps up at 1 ms RTT: doubling to window_max. */
	mux_link_rtt(&l, 1000);
	for (i = 0, w = 256 * KiB; i < 8; i++) {
		now += 100;
		ck_assert_uint_eq(recv_type(&st, MUX_DATA, st.recv_credit), 0);
		ck_assert_int_eq(mux_consumed(&st, st.recv_buffered, now,
		    &inc), 0);
		w = w * 2 > params.window_max ? params.window_max : w * 2;
		ck_assert_uint_eq(st.recv_window, w);
		ck_assert_uint_eq(inc, w);	/* all of it was free */
	}
	ck_assert_uint_eq(l.reserved, params.window_max);
	mux_stream_release(&st);

	/* A slow consumer (half a window per 10 ms): no growth. */
	open_stream(&l, &st, 256 * KiB);
	for (i = 0; i < 8; i++) {
		now += 10000;
		ck_assert_uint_eq(recv_type(&st, MUX_DATA, 128 * KiB), 0);
		ck_assert_int_eq(mux_consumed(&st, 128 * KiB, now, &inc), 0);
		ck_assert_uint_eq(inc, 128 * KiB);
	}
	ck_assert_uint_eq(st.recv_window, 256 * KiB);
	mux_stream_release(&st);

	/* The link budget caps growth, and refuses a stream it cannot fit. */
	p.link_buffer_max = 640 * KiB;
	ck_assert_int_eq(mux_link_init(&l, MUX_OPENER, &p), 0);
	mux_link_rtt(&l, 1000);
	open_stream(&l, &st, 256 * KiB);
	open_stream(&l, &st2, 256 * KiB);
	ck_assert_int_eq(mux_stream_open(&st, &l, now), -1);
	for (i = 0; i < 4; i++) {
		now += 10;
		ck_assert_uint_eq(recv_type(&st, MUX_DATA, st.recv_credit), 0);
		ck_assert_int_eq(mux_consumed(&st, st.recv_buffered, now,
		    &inc), 0);
	}
	ck_assert_uint_eq(st.recv_window, 384 * KiB);
	ck_assert_uint_eq(l.reserved, 640 * KiB);
	mux_stream_release(&st);
	mux_stream_release(&st2);
	ck_assert_uint_eq(l.reserved, 0);
}
END_TEST

/*
 * A relay and an agent side in memory.  The agent pushes a counting
 * byte pattern on each stream as fast as credit allows; the relay
 * checks every byte's order and consumes only streams whose reader
 * runs.  Messages go both ways through the real builders and parser.
 */
#define NSTREAMS	3

struct duo {
	struct mux_link		relay, agent;
	struct mux_stream	rs[NSTREAMS], as[NSTREAMS];
	uint64_t		sent[NSTREAMS], got[NSTREAMS];
	int			reading[NSTREAMS];
	uint64_t		now;
};

/* The bytes of stream i from position pos on. */
static void
duo_pattern(uint8_t *p, size_t n, uint64_t pos, int i)
{
	size_t j;

	for (j = 0; j < n; j++)
		p[j] = (uint8_t)((pos + j) * 7 + (uint64_t)i);
}

static int
duo_index(struct mux_stream *ss, uint32_t id)
{
	int i;

	for (i = 0; i < NSTREAMS; i++)
		if (ss[i].id == id && ss[i].state != MUX_ST_CLOSED)
			return i;
	return -1;		/* forgotten after RESET: drop */
}

/* Relay side: takes one message from the agent. */
static void
duo_relay_recv(struct duo *d, const uint8_t *msg, size_t len)
{
	static uint8_t want[MUX_DATA_MAX];
	struct mux_frame f;
	enum mux_event ev;
	size_t off = 0;
	int i;

	while ((ev = mux_parse(&d->relay, msg, len, &off, &f)) !=
	    MUX_EV_END) {
		ck_assert_int_eq(ev, MUX_EV_FRAME);
		if ((i = duo_index(d->rs, f.stream)) == -1)
			continue;
		ck_assert_uint_eq(mux_stream_recv(&d->rs[i], &f), 0);
		if (f.type != MUX_DATA)
			continue;
		duo_pattern(want, f.len, d->got[i], i);
		ck_assert_int_eq(memcmp(f.data, want, f.len), 0);
		d->got[i] += f.len;
	}
}

/* Agent side: WINDOW, FIN, RESET from the relay. */
static void
duo_agent_recv(struct duo *d, const uint8_t *msg, size_t len)
{
	struct mux_frame f;
	size_t off = 0;
	int i;

	while (mux_parse(&d->agent, msg, len, &off, &f) == MUX_EV_FRAME)
		if ((i = duo_index(d->as, f.stream)) != -1)
			ck_assert_uint_eq(mux_stream_recv(&d->as[i], &f), 0);
	ck_assert_uint_eq(off, len);
}

static void
duo_open(struct duo *d)
{
	uint8_t msg[NSTREAMS * MUX_OPEN_MAX];
	struct mux_frame f;
	size_t n = 0, off = 0;
	int i;

	memset(d, 0, sizeof(*d));
	link_init(&d->relay, MUX_OPENER);
	link_init(&d->agent, MUX_ACCEPTOR);
	for (i = 0; i < NSTREAMS; i++) {
		ck_assert_int_eq(mux_stream_open(&d->rs[i], &d->relay, 1), 0);
		n += mux_put_open(msg + n, d->rs[i].id, d->rs[i].recv_window,
		    "session-x", MUX_TARGET_VNC, 0);
		d->reading[i] = 1;
	}
	for (i = 0; i < NSTREAMS; i++) {
		ck_assert_int_eq(mux_parse(&d->agent, msg, n, &off, &f),
		    MUX_EV_FRAME);
		ck_assert_int_eq(mux_stream_accept(&d->as[i], &d->agent, &f, 1),
		    0);
	}
	for (n = 0, i = 0; i < NSTREAMS; i++) {
		n += mux_put_open_ok(msg + n, d->as[i].id,
		    d->as[i].recv_window);
		ck_assert_int_eq(mux_stream_sent(&d->as[i], MUX_OPEN_OK, 0), 0);
	}
	duo_relay_recv(d, msg, n);
}

/* One round: the agent sends what credit allows, the relay reads. */
static void
duo_round(struct duo *d)
{
	static uint8_t msg[MUX_MESSAGE_MAX];
	uint8_t win[NSTREAMS * MUX_WINDOW_LEN];
	size_t n = 0, w = 0, k;
	uint32_t inc;
	int i;

	d->now += 50;
	for (i = 0; i < NSTREAMS; i++) {
		k = mux_send_credit(&d->as[i]);
		if (k > MUX_DATA_MAX)
			k = MUX_DATA_MAX;
		if (k == 0)
			continue;
		n += mux_put_data_header(msg + n, d->as[i].id, (uint32_t)k);
		duo_pattern(msg + n, k, d->sent[i], i);
		n += k;
		d->sent[i] += k;
		ck_assert_int_eq(mux_stream_sent(&d->as[i], MUX_DATA, k), 0);
	}
	if (n > 0)
		duo_relay_recv(d, msg, n);
	for (i = 0; i < NSTREAMS; i++) {
		if (!d->reading[i] || d->rs[i].state == MUX_ST_CLOSED)
			continue;
		ck_assert_int_eq(mux_consumed(&d->rs[i],
		    d->rs[i].recv_buffered, d->now, &inc), 0);
		if (inc > 0)
			w += mux_put_window(win + w, d->rs[i].id, inc);
	}
	if (w > 0)
		duo_agent_recv(d, win, w);
}

START_TEST(stalled_reader_stops_only_its_stream)
{
	static struct duo d;
	uint64_t before;
	int r;

	duo_open(&d);
	d.reading[0] = 0;		/* stream 0's browser stops reading */
	for (r = 0; r < 400; r++)
		duo_round(&d);
	/* It stopped at its window, with nothing more in flight. */
	ck_assert_uint_eq(d.got[0], 256 * KiB);
	ck_assert_uint_eq(d.sent[0], 256 * KiB);
	ck_assert_uint_eq(d.rs[0].recv_buffered, 256 * KiB);
	ck_assert_uint_eq(mux_send_credit(&d.as[0]), 0);
	/* The others never waited: a full frame every round. */
	ck_assert_uint_eq(d.got[1], 400ULL * MUX_DATA_MAX);
	ck_assert_uint_eq(d.got[2], 400ULL * MUX_DATA_MAX);
	ck_assert_uint_eq(d.relay.reserved, NSTREAMS * 256 * KiB);
	/* Reading again, it catches up byte-exact. */
	d.reading[0] = 1;
	before = d.got[0];
	for (r = 0; r < 100; r++)
		duo_round(&d);
	ck_assert_uint_gt(d.got[0], before + 50 * MUX_DATA_MAX);
	ck_assert_uint_eq(d.got[0], d.sent[0]);
}
END_TEST

START_TEST(reset_leaves_others_alive)
{
	static struct duo d;
	uint8_t msg[MUX_RESET_MAX + MUX_FIN_LEN];
	uint64_t got1;
	size_t n;
	int r;

	duo_open(&d);
	for (r = 0; r < 10; r++)
		duo_round(&d);
	/* The relay resets stream 1 (its browser left) and forgets it. */
	n = mux_put_reset(msg, d.rs[1].id, MUX_E_CANCEL, "client closed");
	ck_assert_int_eq(mux_stream_sent(&d.rs[1], MUX_RESET, 0), 0);
	got1 = d.got[1];
	/* The agent's DATA already in flight is dropped by id. */
	ck_assert_uint_gt(mux_send_credit(&d.as[1]), 0);
	duo_round(&d);
	ck_assert_uint_eq(d.got[1], got1);
	duo_agent_recv(&d, msg, n);
	ck_assert_int_eq(d.as[1].state, MUX_ST_CLOSED);
	ck_assert_uint_eq(mux_send_credit(&d.as[1]), 0);
	mux_stream_release(&d.rs[1]);
	mux_stream_release(&d.as[1]);
	for (r = 0; r < 10; r++)
		duo_round(&d);
	ck_assert_uint_eq(d.got[0], 21ULL * MUX_DATA_MAX);
	ck_assert_uint_eq(d.got[2], 21ULL * MUX_DATA_MAX);
	ck_assert_uint_eq(d.relay.reserved, 2 * 256 * KiB);
	/* The agent finishes stream 2; stream 0 goes on. */
	n = mux_put_fin(msg, d.as[2].id);
	ck_assert_int_eq(mux_stream_sent(&d.as[2], MUX_FIN, 0), 0);
	duo_relay_recv(&d, msg, n);
	ck_assert_int_eq(d.rs[2].state, MUX_ST_HALF_REMOTE);
	duo_round(&d);
	ck_assert_uint_eq(d.got[0], 22ULL * MUX_DATA_MAX);
	ck_assert_uint_eq(d.got[2], 21ULL * MUX_DATA_MAX);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("mux");
	TCase *tc = tcase_create("mux");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, roundtrip_every_type);
	tcase_add_test(tc, split_and_concatenated);
	tcase_add_test(tc, malformed_link_errors);
	tcase_add_test(tc, bad_open_bodies);
	tcase_add_test(tc, builders_refuse_and_truncate);
	tcase_add_test(tc, link_params_and_ids);
	tcase_add_test(tc, credit_and_window_overflow);
	tcase_add_test(tc, state_rules);
	tcase_add_test(tc, fin_both_directions);
	tcase_add_test(tc, window_updates_and_growth);
	tcase_add_test(tc, stalled_reader_stops_only_its_stream);
	tcase_add_test(tc, reset_leaves_others_alive);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
