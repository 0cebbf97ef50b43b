/*
 * mux.c - data link stream multiplexing (mux.h).  The parser reads one
 * WebSocket message in place and never reads past it; the stream code
 * is arithmetic on counters.  Runs in the sandboxed relay: no I/O, no
 * allocation, nothing per byte.
 */
#include "config.h"

#include <string.h>

#include "mux.h"
#include "util.h"

/* Body length bounds per type (OPEN: 8 fixed bytes + the session id). */
static const struct {
	uint32_t	min, max;
} mux_bounds[] = {
	[MUX_OPEN] = { 8 + 1, 8 + MUX_SESSION_ID_MAX },
	[MUX_OPEN_OK] = { 4, 4 },
	[MUX_OPEN_FAIL] = { 2, 2 + MUX_REASON_MAX },
	[MUX_DATA] = { 1, MUX_DATA_MAX },
	[MUX_WINDOW] = { 4, 4 },
	[MUX_FIN] = { 0, 0 },
	[MUX_RESET] = { 2, 2 + MUX_REASON_MAX },
	[MUX_PING] = { MUX_PING_LEN, MUX_PING_LEN },
	[MUX_PONG] = { MUX_PING_LEN, MUX_PING_LEN },
};

static const char *const mux_code_names[] = {
	[MUX_E_PROTOCOL] = "protocol",
	[MUX_E_FLOW] = "flow-control",
	[MUX_E_CANCEL] = "cancel",
	[MUX_E_REFUSED] = "refused",
	[MUX_E_NO_SESSION] = "no-session",
	[MUX_E_UNREACHABLE] = "unreachable",
	[MUX_E_UNSUPPORTED] = "unsupported",
	[MUX_E_TIMEOUT] = "timeout",
	[MUX_E_IO] = "io",
	[MUX_E_SHUTDOWN] = "shutdown",
};

const char *
mux_code_name(unsigned int code)
{
	if (code < nitems(mux_code_names) && mux_code_names[code] != NULL)
		return mux_code_names[code];
	return "unknown";
}

static uint32_t
mux_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
mux_set32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int
mux_link_init(struct mux_link *l, enum mux_role role,
    const struct mux_params *params)
{
	if (params->window_initial < MUX_WINDOW_MIN ||
	    params->window_max < params->window_initial ||
	    params->window_max > MUX_WINDOW_LIMIT ||
	    params->link_buffer_max < params->window_initial)
		return -1;
	memset(l, 0, sizeof(*l));
	l->role = role;
	l->params = *params;
	return 0;
}

void
mux_link_rtt(struct mux_link *l, uint64_t sample_us)
{
	/* 0 means "no sample yet", and one sample must not swing it. */
	if (sample_us == 0)
		sample_us = 1;
	l->rtt_us = l->rtt_us == 0 ? sample_us :
	    (7 * l->rtt_us + sample_us) / 8;
}

/* What agents accept as a sessionId: printable ASCII, no spaces. */
static int
mux_session_ok(const uint8_t *s, size_t n)
{
	size_t i;

	if (n == 0 || n > MUX_SESSION_ID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return 0;
	return 1;
}

static enum mux_event
mux_link_error(struct mux_link *l, struct mux_frame *f, const char *why)
{
	l->failed = 1;
	f->error = why;
	return MUX_EV_LINK_ERROR;
}

static enum mux_event
mux_stream_error(struct mux_frame *f, const char *why)
{
	f->code = MUX_E_PROTOCOL;
	f->error = why;
	return MUX_EV_STREAM_ERROR;
}

/*
 * The id rules of mux.h; records an OPEN's id, so an OPEN with a bad
 * body still uses its id up (the opener will not send it again).
 */
static const char *
mux_check_id(struct mux_link *l, const struct mux_frame *f)
{
	if (f->type == MUX_PING || f->type == MUX_PONG)
		return f->stream == 0 ? NULL : "PING or PONG with a stream id";
	if (f->stream == 0)
		return "stream frame with id 0";
	if ((f->stream & 1) == 0)
		return "even stream id";
	if (f->type != MUX_OPEN)
		return f->stream > l->last_id ? "frame for a stream never "
		    "opened" : NULL;
	if (l->role != MUX_ACCEPTOR)
		return "OPEN from the acceptor";
	if (f->stream <= l->last_id)
		return "OPEN id not above the previous one";
	l->last_id = f->stream;
	return NULL;
}

static enum mux_event
mux_open_body(struct mux_frame *f, const uint8_t *b, uint32_t n)
{
	size_t slen = b[7];

	f->window = mux_get32(b);
	f->target = b[4];
	f->port = (unsigned int)b[5] << 8 | b[6];
	f->session[0] = '\0';
	if (slen != n - 8 || !mux_session_ok(b + 8, slen))
		return mux_stream_error(f, "bad session id in OPEN");
	memcpy(f->session, b + 8, slen);
	f->session[slen] = '\0';
	if (f->window < MUX_WINDOW_MIN || f->window > MUX_WINDOW_LIMIT)
		return mux_stream_error(f, "OPEN window out of bounds");
	if ((f->target == MUX_TARGET_VNC && f->port != 0) ||
	    (f->target == MUX_TARGET_PORT && f->port == 0))
		return mux_stream_error(f, "bad port for the OPEN target");
	return MUX_EV_FRAME;
}

static enum mux_event
mux_reason_body(struct mux_link *l, struct mux_frame *f, const uint8_t *b,
    uint32_t n)
{
	f->code = (unsigned int)b[0] << 8 | b[1];
	if (f->code == 0)
		return mux_link_error(l, f, "code 0 in OPEN_FAIL or RESET");
	if (!utf8_valid(b + 2, n - 2))
		return mux_link_error(l, f, "reason is not UTF-8");
	memcpy(f->reason, b + 2, n - 2);
	f->reason[n - 2] = '\0';
	return MUX_EV_FRAME;
}

static enum mux_event
mux_body(struct mux_link *l, struct mux_frame *f, const uint8_t *b,
    uint32_t n)
{
	switch (f->type) {
	case MUX_OPEN:
		return mux_open_body(f, b, n);
	case MUX_OPEN_FAIL:
	case MUX_RESET:
		return mux_reason_body(l, f, b, n);
	case MUX_OPEN_OK:
	case MUX_WINDOW:
		f->window = mux_get32(b);
		break;
	case MUX_DATA:
		f->data = b;
		f->len = n;
		break;
	case MUX_PING:
	case MUX_PONG:
		memcpy(f->ping, b, MUX_PING_LEN);
		break;
	case MUX_FIN:
		break;
	}
	return MUX_EV_FRAME;
}

enum mux_event
mux_parse(struct mux_link *l, const uint8_t *msg, size_t len, size_t *off,
    struct mux_frame *f)
{
	const uint8_t *h;
	const char *why;
	uint32_t blen;

	f->stream = 0;
	f->error = NULL;
	if (l->failed)
		return mux_link_error(l, f, "link failed before");
	if (len == 0)
		return mux_link_error(l, f, "empty message");
	if (*off >= len)
		return MUX_EV_END;
	if (len - *off < MUX_HEADER_LEN)
		return mux_link_error(l, f, "truncated frame header");
	h = msg + *off;
	f->stream = mux_get32(h + 1);
	blen = mux_get32(h + 5);
	if (h[0] < MUX_OPEN || h[0] > MUX_PONG)
		return mux_link_error(l, f, "unknown frame type");
	f->type = h[0];
	if (blen < mux_bounds[f->type].min || blen > mux_bounds[f->type].max)
		return mux_link_error(l, f, "frame length out of bounds for "
		    "its type");
	if (len - *off - MUX_HEADER_LEN < blen)
		return mux_link_error(l, f, "truncated frame body");
	if ((why = mux_check_id(l, f)) != NULL)
		return mux_link_error(l, f, why);
	*off += MUX_HEADER_LEN + blen;
	return mux_body(l, f, h + MUX_HEADER_LEN, blen);
}

int
mux_parse_data_header(struct mux_link *l, const uint8_t h[MUX_HEADER_LEN],
    uint64_t msg_len, struct mux_frame *f)
{
	uint32_t blen = mux_get32(h + 5);

	memset(f, 0, sizeof(*f));
	f->type = MUX_DATA;
	f->stream = mux_get32(h + 1);
	f->len = blen;
	if (l->failed || h[0] != MUX_DATA || blen < mux_bounds[MUX_DATA].min ||
	    blen > mux_bounds[MUX_DATA].max ||
	    (uint64_t)blen + MUX_HEADER_LEN != msg_len ||
	    mux_check_id(l, f) != NULL)
		return -1;
	return 0;
}

static size_t
mux_put_header(uint8_t *out, enum mux_type type, uint32_t stream,
    uint32_t len)
{
	out[0] = (uint8_t)type;
	mux_set32(out + 1, stream);
	mux_set32(out + 5, len);
	return MUX_HEADER_LEN;
}

size_t
mux_put_open(uint8_t out[MUX_OPEN_MAX], uint32_t stream, uint32_t window,
    const char *session, unsigned int target, unsigned int port)
{
	size_t slen = strnlen(session, MUX_SESSION_ID_MAX + 1);
	uint8_t *b = out + MUX_HEADER_LEN;

	if (!mux_session_ok((const uint8_t *)session, slen) ||
	    window < MUX_WINDOW_MIN || window > MUX_WINDOW_LIMIT ||
	    target > UINT8_MAX || port > UINT16_MAX)
		return 0;
	mux_put_header(out, MUX_OPEN, stream, (uint32_t)(8 + slen));
	mux_set32(b, window);
	b[4] = (uint8_t)target;
	b[5] = (uint8_t)(port >> 8);
	b[6] = (uint8_t)port;
	b[7] = (uint8_t)slen;
	memcpy(b + 8, session, slen);
	return MUX_HEADER_LEN + 8 + slen;
}

/* OPEN_OK and WINDOW: a frame of one 32-bit value. */
static size_t
mux_put_u32(uint8_t *out, enum mux_type type, uint32_t stream, uint32_t v)
{
	mux_put_header(out, type, stream, 4);
	mux_set32(out + MUX_HEADER_LEN, v);
	return MUX_HEADER_LEN + 4;
}

size_t
mux_put_open_ok(uint8_t out[MUX_OPEN_OK_LEN], uint32_t stream,
    uint32_t window)
{
	return mux_put_u32(out, MUX_OPEN_OK, stream, window);
}

/* OPEN_FAIL and RESET: the reason is cut on a UTF-8 boundary. */
static size_t
mux_put_reason(uint8_t *out, enum mux_type type, uint32_t stream,
    unsigned int code, const char *reason)
{
	size_t n;

	if (code == 0 || code > UINT16_MAX)
		return 0;
	if (reason == NULL)
		reason = "";
	n = strnlen(reason, MUX_REASON_MAX + 1);
	if (n > MUX_REASON_MAX) {
		n = MUX_REASON_MAX;
		while (n > 0 && ((uint8_t)reason[n] & 0xc0) == 0x80)
			n--;
	}
	if (!utf8_valid((const uint8_t *)reason, n))
		return 0;
	mux_put_header(out, type, stream, (uint32_t)(2 + n));
	out[MUX_HEADER_LEN] = (uint8_t)(code >> 8);
	out[MUX_HEADER_LEN + 1] = (uint8_t)code;
	memcpy(out + MUX_HEADER_LEN + 2, reason, n);
	return MUX_HEADER_LEN + 2 + n;
}

size_t
mux_put_open_fail(uint8_t out[MUX_RESET_MAX], uint32_t stream,
    unsigned int code, const char *reason)
{
	return mux_put_reason(out, MUX_OPEN_FAIL, stream, code, reason);
}

size_t
mux_put_reset(uint8_t out[MUX_RESET_MAX], uint32_t stream,
    unsigned int code, const char *reason)
{
	return mux_put_reason(out, MUX_RESET, stream, code, reason);
}

size_t
mux_put_data_header(uint8_t out[MUX_HEADER_LEN], uint32_t stream,
    uint32_t len)
{
	return mux_put_header(out, MUX_DATA, stream, len);
}

size_t
mux_put_window(uint8_t out[MUX_WINDOW_LEN], uint32_t stream,
    uint32_t increment)
{
	return mux_put_u32(out, MUX_WINDOW, stream, increment);
}

size_t
mux_put_fin(uint8_t out[MUX_FIN_LEN], uint32_t stream)
{
	return mux_put_header(out, MUX_FIN, stream, 0);
}

size_t
mux_put_ping(uint8_t out[MUX_PING_FRAME_LEN], int pong,
    const uint8_t value[MUX_PING_LEN])
{
	mux_put_header(out, pong ? MUX_PONG : MUX_PING, 0, MUX_PING_LEN);
	memcpy(out + MUX_HEADER_LEN, value, MUX_PING_LEN);
	return MUX_PING_FRAME_LEN;
}

/* Takes window_initial from the link's budget for a new stream. */
static int
mux_stream_init(struct mux_stream *st, struct mux_link *l, uint32_t id,
    int opener, uint64_t now_us)
{
	uint32_t w = l->params.window_initial;

	if (l->params.link_buffer_max - l->reserved < w)
		return -1;
	l->reserved += w;
	memset(st, 0, sizeof(*st));
	st->link = l;
	st->id = id;
	st->state = MUX_ST_OPENING;
	st->opener = opener;
	st->recv_window = st->recv_credit = w;
	st->epoch_us = now_us;
	return 0;
}

int
mux_stream_open(struct mux_stream *st, struct mux_link *l, uint64_t now_us)
{
	uint32_t id;

	if (l->role != MUX_OPENER || l->last_id == UINT32_MAX)
		return -1;
	id = l->last_id == 0 ? 1 : l->last_id + 2;
	if (mux_stream_init(st, l, id, 1, now_us) == -1)
		return -1;
	l->last_id = id;
	return 0;
}

int
mux_stream_accept(struct mux_stream *st, struct mux_link *l,
    const struct mux_frame *open, uint64_t now_us)
{
	if (l->role != MUX_ACCEPTOR || open->type != MUX_OPEN ||
	    mux_stream_init(st, l, open->stream, 0, now_us) == -1)
		return -1;
	st->send_credit = open->window;
	return 0;
}

void
mux_stream_release(struct mux_stream *st)
{
	if (st->link != NULL)
		st->link->reserved -= st->recv_window;
	st->link = NULL;
	st->recv_window = st->recv_credit = 0;
	st->state = MUX_ST_CLOSED;
}

static unsigned int
mux_recv_open_ok(struct mux_stream *st, uint32_t window)
{
	if (!st->opener || st->state != MUX_ST_OPENING ||
	    window < MUX_WINDOW_MIN || window > MUX_WINDOW_LIMIT)
		return MUX_E_PROTOCOL;
	st->send_credit = window;
	st->state = MUX_ST_OPEN;
	return 0;
}

static unsigned int
mux_recv_data(struct mux_stream *st, size_t n)
{
	if (st->state != MUX_ST_OPEN && st->state != MUX_ST_HALF_LOCAL)
		return MUX_E_PROTOCOL;
	if (n > st->recv_credit)
		return MUX_E_FLOW;
	st->recv_credit -= (uint32_t)n;
	st->recv_buffered += (uint32_t)n;
	return 0;
}

static unsigned int
mux_recv_window(struct mux_stream *st, uint32_t increment)
{
	if (st->state == MUX_ST_OPENING || increment == 0)
		return MUX_E_PROTOCOL;
	if (increment > MUX_WINDOW_LIMIT - st->send_credit)
		return MUX_E_FLOW;
	st->send_credit += increment;
	return 0;
}

static unsigned int
mux_recv_fin(struct mux_stream *st)
{
	if (st->state == MUX_ST_OPEN)
		st->state = MUX_ST_HALF_REMOTE;
	else if (st->state == MUX_ST_HALF_LOCAL)
		st->state = MUX_ST_CLOSED;
	else
		return MUX_E_PROTOCOL;
	return 0;
}

unsigned int
mux_stream_recv(struct mux_stream *st, const struct mux_frame *f)
{
	unsigned int code;

	if (st->state == MUX_ST_CLOSED &&
	    (f->type == MUX_WINDOW || f->type == MUX_RESET))
		return 0;
	switch (f->type) {
	case MUX_OPEN_OK:
		code = mux_recv_open_ok(st, f->window);
		break;
	case MUX_DATA:
		code = mux_recv_data(st, f->len);
		break;
	case MUX_WINDOW:
		code = mux_recv_window(st, f->window);
		break;
	case MUX_FIN:
		code = mux_recv_fin(st);
		break;
	case MUX_OPEN_FAIL:
		code = st->opener && st->state == MUX_ST_OPENING ? 0 :
		    MUX_E_PROTOCOL;
		break;
	case MUX_RESET:
		code = 0;
		break;
	default:		/* OPEN, PING, PONG: not a stream's frames */
		code = MUX_E_PROTOCOL;
		break;
	}
	if (code != 0 || f->type == MUX_RESET || f->type == MUX_OPEN_FAIL)
		st->state = MUX_ST_CLOSED;
	return code;
}

uint32_t
mux_send_credit(const struct mux_stream *st)
{
	if (st->state != MUX_ST_OPEN && st->state != MUX_ST_HALF_REMOTE)
		return 0;
	return st->send_credit;
}

int
mux_stream_sent(struct mux_stream *st, enum mux_type type, size_t len)
{
	switch (type) {
	case MUX_OPEN_OK:
	case MUX_OPEN_FAIL:
		if (st->opener || st->state != MUX_ST_OPENING)
			return -1;
		st->state = type == MUX_OPEN_OK ? MUX_ST_OPEN : MUX_ST_CLOSED;
		return 0;
	case MUX_DATA:
		if (len == 0 || len > MUX_DATA_MAX ||
		    len > mux_send_credit(st))
			return -1;
		st->send_credit -= (uint32_t)len;
		return 0;
	case MUX_FIN:
		if (st->state == MUX_ST_OPEN)
			st->state = MUX_ST_HALF_LOCAL;
		else if (st->state == MUX_ST_HALF_REMOTE)
			st->state = MUX_ST_CLOSED;
		else
			return -1;
		return 0;
	case MUX_RESET:
		/* Also after mux_stream_recv() closed it for an error. */
		st->state = MUX_ST_CLOSED;
		return 0;
	default:
		return -1;
	}
}

/*
 * Auto-tuning (MUX_GROW_RTTS): how much to add to the window, taken
 * from the link's budget.  A first epoch that included the open's
 * connect time, or a clock going backwards, simply does not grow.
 */
static uint32_t
mux_grow(struct mux_stream *st, uint64_t now_us)
{
	struct mux_link *l = st->link;
	uint64_t add = st->recv_window;

	if (l->rtt_us == 0 || now_us < st->epoch_us ||
	    now_us - st->epoch_us >= MUX_GROW_RTTS * l->rtt_us)
		return 0;
	if (add > l->params.window_max - st->recv_window)
		add = l->params.window_max - st->recv_window;
	if (add > l->params.link_buffer_max - l->reserved)
		add = l->params.link_buffer_max - l->reserved;
	st->recv_window += (uint32_t)add;
	l->reserved += add;
	return (uint32_t)add;
}

int
mux_consumed(struct mux_stream *st, size_t n, uint64_t now_us,
    uint32_t *increment)
{
	uint32_t free;

	*increment = 0;
	if (n > st->recv_buffered)
		return -1;
	st->recv_buffered -= (uint32_t)n;
	if (st->state != MUX_ST_OPEN && st->state != MUX_ST_HALF_LOCAL)
		return 0;
	/*
	 * Updating at half the window, not per read, keeps WINDOW frames
	 * rare while the sender never waits if the consumer keeps up.
	 */
	free = st->recv_window - st->recv_credit - st->recv_buffered;
	if (free < st->recv_window / 2)
		return 0;
	free += mux_grow(st, now_us);
	st->epoch_us = now_us;
	st->recv_credit += free;
	*increment = free;
	return 0;
}
