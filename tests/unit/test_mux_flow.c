/*
 * test_mux_flow.c - the data link multiplexer's streams: the state
 * machine, credit and window rules, FIN both ways, window growth, and
 * flow control run between a relay and an agent side in memory (a stalled
 * reader stops only its own stream, no byte is lost or reordered).
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
	Suite *s = suite_create("mux_flow");
	TCase *tc = tcase_create("mux_flow");
	SRunner *sr;
	int failed;

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
