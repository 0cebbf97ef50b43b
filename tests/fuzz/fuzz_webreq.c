/*
 * fuzz_webreq.c - a browser's bytes on a web session's connection: the
 * input (after its first byte) is fed to webreq as it would arrive, all
 * at once and in pieces of the first byte's size.  Both ways must end
 * the same and pass the same bytes on (but for how much of a malformed
 * body passed before its error); every head passed on must parse again
 * and hold none of ssd's cookies.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "webhost.h"
#include "webreq.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_HEAD	4096

struct passed {
	uint8_t	*bytes;
	size_t	 len;
};

static void
check_head(const char *head, size_t len)
{
	static char again[MAX_HEAD + WEBREQ_OUT_SLACK];
	struct http_request req;

	if (http_parse_head(head, len, sizeof(again), &req) != 1 ||
	    req.head_len != len)
		abort();
	/* Nothing left to drop: rewriting it again changes nothing. */
	if (webhost_head(&req, webreq_ssd_cookies, again, sizeof(again)) !=
	    (long)len || memcmp(again, head, len) != 0)
		abort();
}

static enum webreq_step
feed(const uint8_t *in, size_t len, size_t piece, struct passed *p)
{
	static char out[MAX_HEAD + WEBREQ_OUT_SLACK];
	struct webreq w;
	size_t have = 0, done = 0, n, used, outlen;
	enum webreq_step step = WEBREQ_MORE;

	webreq_init(&w);
	p->len = 0;
	while (done < len) {
		if (step == WEBREQ_MORE) {
			if (have == len)
				return WEBREQ_MORE;
			have = have + piece < len ? have + piece : len;
		}
		n = have - done;
		if (webreq_wants_head(&w) && n > MAX_HEAD)
			n = MAX_HEAD;
		step = webreq_next(&w, in + done, n, MAX_HEAD, out,
		    sizeof(out), &used, &outlen);
		if (used > n || (step == WEBREQ_PASS && used == 0))
			abort();
		if (step == WEBREQ_HEAD) {
			check_head(out, outlen);
			memcpy(p->bytes + p->len, out, outlen);
			p->len += outlen;
		} else if (step == WEBREQ_PASS) {
			memcpy(p->bytes + p->len, in + done, used);
			p->len += used;
		} else if (step != WEBREQ_MORE)
			return step;
		done += used;
		if (done == have && have < len)
			step = WEBREQ_MORE;
	}
	return WEBREQ_PASS;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct passed whole, pieces;
	enum webreq_step a, b;
	size_t cap;

	if (size < 1)
		return 0;
	/* Heads may grow by CRLFs; never past the slack per head. */
	cap = 2 * size + WEBREQ_OUT_SLACK * (size / 8 + 1);
	whole.bytes = malloc(cap);
	pieces.bytes = malloc(cap);
	a = feed(data + 1, size - 1, size, &whole);
	b = feed(data + 1, size - 1, 1 + data[0] % 64, &pieces);
	/* A body may pass in part before an error further on in it. */
	if (a != b || (a != WEBREQ_BAD && whole.len != pieces.len) ||
	    memcmp(whole.bytes, pieces.bytes, whole.len < pieces.len ?
	    whole.len : pieces.len) != 0)
		abort();
	free(whole.bytes);
	free(pieces.bytes);
	return 0;
}
