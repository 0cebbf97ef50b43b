/*
 * test_mux.c - the data link multiplexer's framing: every frame type built
 * and parsed back, split and concatenated frames, malformed input of every
 * kind, the builders' refusals, link parameters and stream ids.  Streams
 * and flow control are test_mux_flow.c's.
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
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
