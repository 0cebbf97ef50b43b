/*
 * webreq.c - a web session's connection, request by request (webreq.h).
 * Framing follows RFC 9112 §6: a chunked body, else Content-Length,
 * else none (requests have no read-until-close bodies).  After a head
 * asking for an upgrade the rest is the upgraded protocol's: browsers
 * open a connection of its own for a WebSocket and drop it when the
 * upgrade is refused, so the bytes after such a head are never HTTP.
 */
#include "config.h"

#include <string.h>

#include "http.h"
#include "webhost.h"
#include "webreq.h"

const char *const webreq_ssd_cookies[] = { "ssd-view", "__Host-ssd-view",
	"ssd", "__Host-ssd", NULL };

void
webreq_init(struct webreq *w)
{
	memset(w, 0, sizeof(*w));
	w->state = WEBREQ_S_HEAD;
}

int
webreq_wants_head(const struct webreq *w)
{
	return w->state == WEBREQ_S_HEAD;
}

/* Is the decoded path one of ssd's own (answered by ssd-api only)? */
static int
webreq_is_ssd(const char *path)
{
	return strncmp(path, "/.ssd/", 6) == 0 || strcmp(path, "/.ssd") == 0;
}

static enum webreq_step
webreq_bad(struct webreq *w, int status)
{
	w->status = status;
	return WEBREQ_BAD;
}

static enum webreq_step
webreq_head(struct webreq *w, const uint8_t *in, size_t len,
    size_t max_head, char *out, size_t outcap, size_t *used, size_t *outlen)
{
	struct http_request req;
	long n;
	int rc;

	rc = http_parse_head((const char *)in, len, max_head, &req);
	if (rc == 0)
		return WEBREQ_MORE;
	if (rc < 0)
		return webreq_bad(w, -rc);
	/* out is big enough for the path: it holds the whole head. */
	if (http_path_decode(req.path, req.path_len, out, outcap) == -1)
		return webreq_bad(w, 400);
	if (webreq_is_ssd(out))
		return WEBREQ_SSD;
	if ((n = webhost_head(&req, webreq_ssd_cookies, out, outcap)) < 0)
		return webreq_bad(w, 431);
	*used = req.head_len;
	*outlen = (size_t)n;
	w->heads++;
	if (http_header_has_token(&req, "Connection", "upgrade") &&
	    http_header_count(&req, "Upgrade") > 0)
		w->state = WEBREQ_S_TUNNEL;
	else if (req.chunked) {
		http_chunked_init(&w->chunked, UINT64_MAX);
		w->state = WEBREQ_S_CHUNKED;
	} else if (req.content_length > 0) {
		w->remaining = (uint64_t)req.content_length;
		w->state = WEBREQ_S_LENGTH;
	}
	return WEBREQ_HEAD;
}

/* As far as in goes in a chunked body; its end brings the next head. */
static enum webreq_step
webreq_chunked(struct webreq *w, const uint8_t *in, size_t len, char *out,
    size_t outcap, size_t *used)
{
	size_t consumed, produced;
	int rc;

	rc = http_chunked_decode(&w->chunked, in, len, &consumed,
	    (uint8_t *)out, outcap, &produced);
	if (rc < 0)
		return webreq_bad(w, -rc);
	if (rc == 1)
		w->state = WEBREQ_S_HEAD;
	*used = consumed;
	return consumed > 0 || rc == 1 ? WEBREQ_PASS : WEBREQ_MORE;
}

enum webreq_step
webreq_next(struct webreq *w, const uint8_t *in, size_t len,
    size_t max_head, char *out, size_t outcap, size_t *used, size_t *outlen)
{
	*used = 0;
	*outlen = 0;
	if (len == 0)
		return WEBREQ_MORE;
	switch (w->state) {
	case WEBREQ_S_HEAD:
		return webreq_head(w, in, len, max_head, out, outcap, used,
		    outlen);
	case WEBREQ_S_LENGTH:
		*used = len < w->remaining ? len : (size_t)w->remaining;
		if ((w->remaining -= *used) == 0)
			w->state = WEBREQ_S_HEAD;
		return WEBREQ_PASS;
	case WEBREQ_S_CHUNKED:
		return webreq_chunked(w, in, len, out, outcap, used);
	case WEBREQ_S_TUNNEL:
		break;
	}
	*used = len;
	return WEBREQ_PASS;
}
