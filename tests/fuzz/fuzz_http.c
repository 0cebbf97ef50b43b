/*
 * fuzz_http.c - the HTTP parser on arbitrary bytes: as a response head
 * (the agent's side), as a request head (and an exact copy of it, as
 * ssd-api re-parses one), then the rest as a chunked body fed whole and
 * byte by byte, the path, query and cookie lookups, and the origin
 * check.  Nothing may crash, read out
 * of bounds, or give different answers.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

#define FUZZ_MAX_HEAD	16384
#define FUZZ_MAX_BODY	4096

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Decodes in[0..len) in pieces of at most step; the status and body. */
static int
fuzz_chunked(const uint8_t *in, size_t len, size_t step, uint8_t *body,
    size_t *body_len, size_t *used_total)
{
	struct http_chunked ch;
	uint8_t out[7];
	size_t pos = 0, used, made, n;
	int rc = 0;

	http_chunked_init(&ch, FUZZ_MAX_BODY);
	*body_len = 0;
	while (pos < len) {
		n = len - pos < step ? len - pos : step;
		rc = http_chunked_decode(&ch, in + pos, n, &used, out,
		    sizeof(out), &made);
		if (used > n || made > sizeof(out) ||
		    *body_len + made > FUZZ_MAX_BODY)
			abort();
		memcpy(body + *body_len, out, made);
		*body_len += made;
		pos += used;
		if (rc != 0 || (used == 0 && made == 0))
			break;
	}
	*used_total = pos;
	return rc;
}

static void
fuzz_body(const uint8_t *in, size_t len)
{
	static uint8_t b1[FUZZ_MAX_BODY], b2[FUZZ_MAX_BODY];
	size_t n1, n2, u1, u2;
	int rc1, rc2;

	rc1 = fuzz_chunked(in, len, len, b1, &n1, &u1);
	rc2 = fuzz_chunked(in, len, 1, b2, &n2, &u2);
	if (rc1 != rc2 || n1 != n2 || memcmp(b1, b2, n1) != 0 ||
	    (rc1 == 1 && u1 != u2))
		abort();
}

static void
fuzz_decoders(const char *p, size_t len)
{
	static const char *const keys[] = { "token", "user", "", NULL };
	char path[256], val[64], bad[40];
	int n;

	if (http_path_decode(p, len, path, sizeof(path)) == 0 &&
	    (path[0] != '/' || strlen(path) >= sizeof(path)))
		abort();
	n = http_query_get(p, len, "token", val, sizeof(val));
	if (n >= (int)sizeof(val) || (n >= 0 && strlen(val) != (size_t)n))
		abort();
	(void)http_query_get(p, len, "", val, sizeof(val));
	if (http_query_check(p, len, keys, 256, bad, sizeof(bad)) != 0 &&
	    strlen(bad) > 32)
		abort();
}

/* Cookies and origins: the answer lies within the head, exactly. */
static void
fuzz_cookies(const struct http_request *r)
{
	const char *v, *o, *h;
	size_t n, olen, hlen, i;

	if ((v = http_cookie_get(r, "ssd", &n)) != NULL) {
		if (v < r->target || v + n > r->target + r->head_len)
			abort();
		for (i = 0; i < n; i++)
			if (v[i] <= ' ' || v[i] == ';' || v[i] == '"')
				abort();
	}
	o = http_header_get(r, "Origin", &olen);
	h = http_header_get(r, "Host", &hlen);
	if (o != NULL && h != NULL && http_origin_is(o, olen, h, hlen) &&
	    (olen <= hlen || memchr(h, '/', hlen) != NULL))
		abort();
}

/* The same bytes as a response head, as the agent reads one. */
static void
fuzz_response(const char *buf, size_t size)
{
	struct http_response res;
	size_t i;
	int rc;

	rc = http_parse_response_head(buf, size, FUZZ_MAX_HEAD, &res);
	if (rc < -2 || rc > 1)
		abort();
	if (rc != 1)
		return;
	if (res.head_len > size || res.status < 100 || res.status > 999 ||
	    res.nheaders > HTTP_MAX_HEADERS ||
	    (res.chunked && res.content_length != -1) ||
	    res.reason + res.reason_len > buf + res.head_len)
		abort();
	for (i = 0; i < res.nheaders; i++)
		if (res.headers[i].name < buf || res.headers[i].value +
		    res.headers[i].value_len > buf + res.head_len)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request r, r2;
	const char *buf = (const char *)data;
	char *copy;
	size_t i;
	int rc;

	fuzz_decoders(buf, size < 512 ? size : 512);
	fuzz_response(buf, size);
	rc = http_parse_head(buf, size, FUZZ_MAX_HEAD, &r);
	if (rc < -505 || rc > 1 || (rc < 0 && rc > -400))
		abort();
	if (rc != 1) {
		if (rc == 0 && size >= FUZZ_MAX_HEAD)
			abort();
		return 0;
	}
	if (r.head_len > size || r.head_len > FUZZ_MAX_HEAD ||
	    r.nheaders > HTTP_MAX_HEADERS || r.path == NULL ||
	    r.target < buf || r.target + r.target_len > buf + r.head_len ||
	    (r.chunked && r.content_length != -1) ||
	    (r.version_minor != 0 && r.version_minor != 1))
		abort();
	for (i = 0; i < r.nheaders; i++)
		if (r.headers[i].name < buf || r.headers[i].value +
		    r.headers[i].value_len > buf + r.head_len)
			abort();

	/* ssd-api keeps an exact copy of the head and parses it again. */
	if ((copy = malloc(r.head_len)) == NULL)
		abort();
	memcpy(copy, data, r.head_len);
	if (http_parse_head(copy, r.head_len, FUZZ_MAX_HEAD, &r2) != 1 ||
	    r2.head_len != r.head_len || r2.nheaders != r.nheaders ||
	    r2.content_length != r.content_length ||
	    r2.chunked != r.chunked || r2.keep_alive != r.keep_alive ||
	    r2.upgrade_websocket != r.upgrade_websocket)
		abort();
	free(copy);

	fuzz_cookies(&r);
	fuzz_decoders(r.path, r.path_len);
	if (r.query != NULL)
		fuzz_decoders(r.query, r.query_len);
	if (r.chunked)
		fuzz_body(data + r.head_len, size - r.head_len);
	return 0;
}
