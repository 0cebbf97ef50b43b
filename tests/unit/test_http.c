/*
 * test_http.c - the request parser of common/http.c: valid heads, every
 * malformed case with the status it must give, input split at every
 * byte, limits, keep-alive and WebSocket rules, chunked bodies.  The
 * decoders of a parsed request and the response parser: test_http_decode.c.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

#define MAXH	16384
#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

static int
parse(const char *s, struct http_request *r)
{
	return http_parse_head(s, strlen(s), MAXH, r);
}

/* Valid requests. */

START_TEST(valid_get)
{
	struct http_request r;
	const char *s = "GET /api/v1/users?x=1&y=%20z HTTP/1.1\r\n"
	    "Host: example.org\r\nAccept:  */*  \r\nX-Empty:\r\n\r\n";
	size_t n;
	const char *v;

	ck_assert_int_eq(parse(s, &r), 1);
	ck_assert_int_eq(r.method, HTTP_M_GET);
	ck_assert_str_eq(r.method_str, "GET");
	ck_assert_uint_eq(r.head_len, strlen(s));
	ck_assert_uint_eq(r.target_len, 24);
	ck_assert_uint_eq(r.path_len, 13);
	ck_assert(strncmp(r.path, "/api/v1/users", 13) == 0);
	ck_assert_uint_eq(r.query_len, 10);
	ck_assert(strncmp(r.query, "x=1&y=%20z", 10) == 0);
	ck_assert_int_eq(r.version_minor, 1);
	ck_assert_int_eq(r.keep_alive, 1);
	ck_assert_int_eq(r.content_length, -1);
	ck_assert_int_eq(r.chunked, 0);
	ck_assert_uint_eq(r.nheaders, 3);
	v = http_header_get(&r, "accept", &n);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(n, 3);	/* whitespace trimmed */
	ck_assert(strncmp(v, "*/*", 3) == 0);
	v = http_header_get(&r, "X-EMPTY", &n);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(http_header_get(&r, "Accep", &n));
}
END_TEST

START_TEST(valid_post_and_pipelining)
{
	struct http_request r;
	const char *s = "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
	    "\r\nhelloGET /b HTTP/1.1\r\nHost: h\r\n\r\nGET /c";
	size_t first, second;

	ck_assert_int_eq(parse(s, &r), 1);
	ck_assert_int_eq(r.method, HTTP_M_POST);
	ck_assert_int_eq(r.content_length, 5);
	ck_assert_uint_eq(r.head_len, 48);
	ck_assert(memcmp(s + r.head_len, "hello", 5) == 0);
	first = r.head_len + 5;
	ck_assert_int_eq(http_parse_head(s + first, strlen(s) - first, MAXH,
	    &r), 1);
	ck_assert_int_eq(r.method, HTTP_M_GET);
	ck_assert(strncmp(r.path, "/b", r.path_len) == 0);
	second = first + r.head_len;
	ck_assert_str_eq(s + second, "GET /c");
	/* The head re-parsed from an exact copy gives the same result. */
	ck_assert_int_eq(http_parse_head(s, 48, MAXH, &r), 1);
	ck_assert_uint_eq(r.head_len, 48);
	ck_assert_int_eq(http_parse_head(s + second, 6, MAXH, &r), 0);
}
END_TEST

START_TEST(valid_methods_and_forms)
{
	static const struct {
		const char		*line;
		enum http_method	 m;
	} ms[] = {
		{ "HEAD / HTTP/1.1", HTTP_M_HEAD },
		{ "PUT / HTTP/1.1", HTTP_M_PUT },
		{ "PATCH / HTTP/1.1", HTTP_M_PATCH },
		{ "DELETE / HTTP/1.1", HTTP_M_DELETE },
		{ "OPTIONS * HTTP/1.1", HTTP_M_OPTIONS },
		{ "PROPFIND / HTTP/1.1", HTTP_M_OTHER },
		{ "get / HTTP/1.1", HTTP_M_OTHER },	/* case-sensitive */
	};
	struct http_request r;
	char buf[128];
	size_t i;

	for (i = 0; i < NITEMS(ms); i++) {
		snprintf(buf, sizeof(buf), "%s\r\nHost: h\r\n\r\n", ms[i].line);
		ck_assert_int_eq(parse(buf, &r), 1);
		ck_assert_int_eq(r.method, ms[i].m);
	}
	ck_assert_str_eq(r.method_str, "get");
	/* absolute-form: the path is what counts, not the authority. */
	ck_assert_int_eq(parse("GET http://h:8080/a/b?q HTTP/1.1\r\n"
	    "Host: h\r\n\r\n", &r), 1);
	ck_assert_uint_eq(r.path_len, 4);
	ck_assert(strncmp(r.path, "/a/b", 4) == 0);
	ck_assert_uint_eq(r.query_len, 1);
	ck_assert_int_eq(parse("GET HTTPS://[::1]?x=1 HTTP/1.1\r\n"
	    "Host: h\r\n\r\n", &r), 1);
	ck_assert_str_eq(r.path, "/");
	ck_assert_uint_eq(r.query_len, 3);
	/* Empty lines before a request are skipped but counted. */
	ck_assert_int_eq(parse("\r\n\nGET / HTTP/1.0\r\n\r\n", &r), 1);
	ck_assert_uint_eq(r.head_len, 21);
	/* Bare LF ends a line (RFC 9112 §2.2). */
	ck_assert_int_eq(parse("GET / HTTP/1.1\nHost: h\n\n", &r), 1);
	ck_assert_uint_eq(r.head_len, 24);
	/* obs-text in a value is kept. */
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: h\r\n"
	    "X: caf\xc3\xa9\r\n\r\n", &r), 1);
}
END_TEST

START_TEST(split_everywhere)
{
	static const char *reqs[] = {
		"\r\nPUT /x HTTP/1.1\r\nHost: h\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n",
		"GET /ws HTTP/1.1\nHost: h\nConnection: upgrade\n"
		    "Upgrade: websocket\n\n",
		"OPTIONS * HTTP/1.0\r\n\r\n",
	};
	struct http_request r;
	size_t i, k, n;

	for (k = 0; k < NITEMS(reqs); k++) {
		n = strlen(reqs[k]);
		for (i = 0; i < n; i++)
			ck_assert_msg(http_parse_head(reqs[k], i, MAXH,
			    &r) == 0, "request %zu at %zu", k, i);
		ck_assert_int_eq(http_parse_head(reqs[k], n, MAXH, &r), 1);
		ck_assert_uint_eq(r.head_len, n);
	}
}
END_TEST

/* Malformed requests and their status. */

static const struct {
	const char	*req;
	int		 status;
} bad[] = {
	/* request line */
	{ "GET / HTTP/2.0\r\nHost: h\r\n\r\n", -505 },
	{ "GET / HTTP/1.2\r\nHost: h\r\n\r\n", -505 },
	{ "GET / HTTP/0.9\r\nHost: h\r\n\r\n", -505 },
	{ "GET / HTTP/1.1x\r\nHost: h\r\n\r\n", -400 },
	{ "GET / HTTP/1.1 \r\nHost: h\r\n\r\n", -400 },
	{ "GET / http/1.1\r\nHost: h\r\n\r\n", -400 },
	{ "GET /\r\nHost: h\r\n\r\n", -400 },
	{ "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", -400 },
	{ "GET /\x01 HTTP/1.1\r\nHost: h\r\n\r\n", -400 },
	{ "GET /\x80 HTTP/1.1\r\nHost: h\r\n\r\n", -400 },
	{ "GET /a#frag HTTP/1.1\r\nHost: h\r\n\r\n", -400 },
	{ "G(T / HTTP/1.1\r\nHost: h\r\n\r\n", -400 },
	{ "ABCDEFGHIJKLMNOP / HTTP/1.1\r\nHost: h\r\n\r\n", -400 },
	{ "GET x HTTP/1.1\r\nHost: h\r\n\r\n", -400 },
	{ "GET * HTTP/1.1\r\nHost: h\r\n\r\n", -400 },
	{ "CONNECT h:443 HTTP/1.1\r\nHost: h\r\n\r\n", -400 },
	{ "GET ftp://h/ HTTP/1.1\r\nHost: h\r\n\r\n", -400 },
	{ "GET http://u@h/ HTTP/1.1\r\nHost: h\r\n\r\n", -400 },
	{ "GET http:///a HTTP/1.1\r\nHost: h\r\n\r\n", -400 },
	{ "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.0\r\n\r\n",
	    -400 },
	/* field lines */
	{ "GET / HTTP/1.1\r\nHost : h\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\nHost\t: h\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\n Host: h\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\nHost: h\r\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\nNoColon\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\n: empty\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\nX(y): 1\r\nHost: h\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\nHost: h\r\nX: a\x01z\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\nHost: h\r\nX: a\x7fz\r\n\r\n", -400 },
	/* Host */
	{ "GET / HTTP/1.1\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\nHost: u@h\r\n\r\n", -400 },
	/* framing: Content-Length and Transfer-Encoding */
	{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", -400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Length: 0\r\n\r\n", -400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
	    "Content-Length: 6\r\n\r\n", -400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
	    "Content-Length: 5\r\n\r\n", -400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\n", -400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", -400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +1\r\n\r\n", -400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x10\r\n\r\n", -400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n", -400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 9223372036854775808\r\n\r\n", -400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 99999999999999999999\r\n\r\n", -400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n",
	    -501 },
	{ "POST / HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: gzip, chunked\r\n\r\n", -501 },
	{ "POST / HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: chunked;x=1\r\n\r\n", -501 },
	{ "POST / HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: chunked, gzip\r\n\r\n", -400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "Transfer-Encoding: gzip\r\n\r\n", -400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", -400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: chunked, chunked\r\n\r\n", -400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: ,\r\n\r\n", -400 },
	{ "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", -400 },
};

START_TEST(malformed)
{
	struct http_request r;

	ck_assert_msg(parse(bad[_i].req, &r) == bad[_i].status,
	    "case %d: got %d, want %d", _i, parse(bad[_i].req, &r),
	    bad[_i].status);
}
END_TEST

START_TEST(nul_anywhere)
{
	struct http_request r;
	const char s1[] = "GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n";
	const char s2[] = "GET / HTTP/1.1\r\nHo\0st: h\r\n\r\n";
	const char s3[] = "GET /\0 HTTP/1.1\r\nHost: h\r\n\r\n";
	const char s4[] = "G\0T / HTTP/1.1\r\nHost: h\r\n\r\n";

	ck_assert_int_eq(http_parse_head(s1, sizeof(s1) - 1, MAXH, &r), -400);
	ck_assert_int_eq(http_parse_head(s2, sizeof(s2) - 1, MAXH, &r), -400);
	ck_assert_int_eq(http_parse_head(s3, sizeof(s3) - 1, MAXH, &r), -400);
	/* Refused before the line is even complete. */
	ck_assert_int_eq(http_parse_head(s4, 3, MAXH, &r), -400);
}
END_TEST

START_TEST(early_garbage)
{
	struct http_request r;
	const char tls[] = "\x16\x03\x01\x02\x00\x01";

	ck_assert_int_eq(http_parse_head(tls, sizeof(tls) - 1, MAXH, &r),
	    -400);
	ck_assert_int_eq(parse("GE\r", &r), 0);
	ck_assert_int_eq(parse("GE\rT", &r), -400);
	ck_assert_int_eq(parse("ABCDEFGHIJKLMNOP", &r), -400);
	ck_assert_int_eq(parse("ABCDEFGHIJKLMNO", &r), 0);
}
END_TEST

/* Limits. */

START_TEST(limits)
{
	struct http_request r;
	size_t sz = 2 * MAXH + 100, n;
	char *s = malloc(sz);
	int i;

	ck_assert_ptr_nonnull(s);
	/* A request line over half the limit: 414 ... */
	snprintf(s, sz, "GET /%0*d HTTP/1.1\r\nHost: h\r\n\r\n", MAXH / 2, 0);
	ck_assert_int_eq(parse(s, &r), -414);
	/* ... also while it is still arriving ... */
	ck_assert_int_eq(http_parse_head(s, MAXH / 2 + 10, MAXH, &r), -414);
	/* ... but not at exactly half, even with its CR waiting. */
	n = MAXH / 2 - strlen("GET / HTTP/1.1");
	snprintf(s, sz, "GET /%0*d HTTP/1.1\r\nHost: h\r\n\r\n", (int)n, 0);
	ck_assert_int_eq(http_parse_head(s, MAXH / 2 + 1, MAXH, &r), 0);
	ck_assert_int_eq(parse(s, &r), 1);
	/* Headers over the limit: 431, complete or not. */
	snprintf(s, sz, "GET / HTTP/1.1\r\nHost: h\r\nX: %0*d\r\n\r\n", MAXH,
	    0);
	ck_assert_int_eq(parse(s, &r), -431);
	ck_assert_int_eq(http_parse_head(s, MAXH, MAXH, &r), -431);
	ck_assert_int_eq(http_parse_head(s, MAXH - 1, MAXH, &r), 0);
	/* A head of exactly max_head bytes is fine. */
	n = MAXH - strlen("GET / HTTP/1.1\r\nHost: h\r\nX: \r\n\r\n");
	snprintf(s, sz, "GET / HTTP/1.1\r\nHost: h\r\nX: %0*d\r\n\r\nXYZ",
	    (int)n, 0);
	ck_assert_int_eq(parse(s, &r), 1);
	ck_assert_uint_eq(r.head_len, MAXH);
	/* HTTP_MAX_HEADERS fields are fine, one more is 400. */
	strcpy(s, "GET / HTTP/1.1\r\nHost: h\r\n");
	for (i = 1; i < HTTP_MAX_HEADERS; i++)
		strcat(s, "A: b\r\n");
	strcat(s, "\r\n");
	ck_assert_int_eq(parse(s, &r), 1);
	ck_assert_uint_eq(r.nheaders, HTTP_MAX_HEADERS);
	strcpy(s + strlen(s) - 2, "A: b\r\n\r\n");
	ck_assert_int_eq(parse(s, &r), -400);
	/* The largest Content-Length we take. */
	ck_assert_int_eq(parse("POST / HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 999999999999999999\r\n\r\n", &r), 1);
	ck_assert_int_eq(r.content_length, 999999999999999999LL);
	free(s);
}
END_TEST

/* Connection options. */

START_TEST(keep_alive_rules)
{
	struct http_request r;

	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: h\r\n\r\n", &r), 1);
	ck_assert_int_eq(r.keep_alive, 1);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: h\r\n"
	    "Connection: foo, Close\r\n\r\n", &r), 1);
	ck_assert_int_eq(r.keep_alive, 0);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: h\r\n"
	    "Connection: closed\r\n\r\n", &r), 1);
	ck_assert_int_eq(r.keep_alive, 1);
	ck_assert_int_eq(parse("GET / HTTP/1.0\r\n\r\n", &r), 1);
	ck_assert_int_eq(r.version_minor, 0);
	ck_assert_int_eq(r.keep_alive, 0);
	ck_assert_int_eq(parse("GET / HTTP/1.0\r\n"
	    "Connection: Keep-Alive\r\n\r\n", &r), 1);
	ck_assert_int_eq(r.keep_alive, 1);
	ck_assert_int_eq(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n"
	    "Connection: close\r\n\r\n", &r), 1);
	ck_assert_int_eq(r.keep_alive, 0);
	ck_assert(http_header_has_token(&r, "connection", "KEEP-ALIVE"));
	ck_assert(!http_header_has_token(&r, "connection", "keep"));
}
END_TEST

START_TEST(websocket_upgrade)
{
	struct http_request r;

	ck_assert_int_eq(parse("GET /ws HTTP/1.1\r\nHost: h\r\n"
	    "Connection: keep-alive, Upgrade\r\nUpgrade: WebSocket\r\n\r\n",
	    &r), 1);
	ck_assert_int_eq(r.upgrade_websocket, 1);
	ck_assert_int_eq(parse("GET /ws HTTP/1.1\r\nHost: h\r\n"
	    "Connection: upgrade\r\nUpgrade: h2c, websocket\r\n\r\n", &r), 1);
	ck_assert_int_eq(r.upgrade_websocket, 1);
	/* Not for POST, HTTP/1.0, without the token, or another protocol. */
	ck_assert_int_eq(parse("POST /ws HTTP/1.1\r\nHost: h\r\n"
	    "Connection: upgrade\r\nUpgrade: websocket\r\n\r\n", &r), 1);
	ck_assert_int_eq(r.upgrade_websocket, 0);
	ck_assert_int_eq(parse("GET /ws HTTP/1.0\r\n"
	    "Connection: upgrade\r\nUpgrade: websocket\r\n\r\n", &r), 1);
	ck_assert_int_eq(r.upgrade_websocket, 0);
	ck_assert_int_eq(parse("GET /ws HTTP/1.1\r\nHost: h\r\n"
	    "Upgrade: websocket\r\n\r\n", &r), 1);
	ck_assert_int_eq(r.upgrade_websocket, 0);
	ck_assert_int_eq(parse("GET /ws HTTP/1.1\r\nHost: h\r\n"
	    "Connection: upgraded\r\nUpgrade: websocket\r\n\r\n", &r), 1);
	ck_assert_int_eq(r.upgrade_websocket, 0);
	ck_assert_int_eq(parse("GET /ws HTTP/1.1\r\nHost: h\r\n"
	    "Connection: upgrade\r\nUpgrade: h2c\r\n\r\n", &r), 1);
	ck_assert_int_eq(r.upgrade_websocket, 0);
}
END_TEST

/* Chunked bodies. */

/* Decodes body in pieces of step bytes into out[256]. */
static int
chunked(const char *body, size_t len, size_t step, uint64_t max, char *out,
    size_t *outn, size_t *used_total)
{
	struct http_chunked ch;
	size_t pos = 0, used, made, n;
	int rc = 0;

	http_chunked_init(&ch, max);
	*outn = 0;
	while (pos < len && rc == 0) {
		n = len - pos < step ? len - pos : step;
		rc = http_chunked_decode(&ch, (const uint8_t *)body + pos, n,
		    &used, (uint8_t *)out + *outn, 256 - *outn, &made);
		*outn += made;
		pos += used;
		if (used == 0 && made == 0 && rc == 0)
			break;
	}
	if (used_total != NULL)
		*used_total = pos;
	return rc;
}

static int
chunked1(const char *body, uint64_t max)
{
	char out[256];
	size_t n;

	return chunked(body, strlen(body), 1, max, out, &n, NULL);
}

START_TEST(chunked_split_everywhere)
{
	const char *body = "5;ext=1;q=\"a b\"\r\nhello\r\n6 ; x\r\n world\r\n"
	    "A\r\n, chunked!\r\n0\r\nTrailer: x\r\nT2:\r\n\r\nNEXT";
	size_t blen = strlen(body), n, step, used, i;
	char out[256];

	for (step = 1; step <= blen; step++) {
		ck_assert_int_eq(chunked(body, blen, step, 1000, out, &n,
		    &used), 1);
		ck_assert_uint_eq(n, 21);
		ck_assert(memcmp(out, "hello world, chunked!", 21) == 0);
		ck_assert_uint_eq(used, blen - 4);	/* not "NEXT" */
	}
	/* Every prefix is incomplete, never an error. */
	for (i = 0; i < blen - 4; i++)
		ck_assert_int_eq(chunked(body, i, 1, 1000, out, &n, NULL), 0);
}
END_TEST

START_TEST(chunked_small_output)
{
	struct http_chunked ch;
	const char *body = "a\r\n0123456789\r\n0\r\n\r\n";
	size_t pos = 0, used, made, got = 0, len = strlen(body);
	uint8_t out[3], all[16];
	int rc = 0, rounds = 0;

	http_chunked_init(&ch, 100);
	while (rc == 0 && rounds++ < 100) {
		rc = http_chunked_decode(&ch, (const uint8_t *)body + pos,
		    len - pos, &used, out, sizeof(out), &made);
		ck_assert_uint_le(made, sizeof(out));
		memcpy(all + got, out, made);
		got += made;
		pos += used;
	}
	ck_assert_int_eq(rc, 1);
	ck_assert_uint_eq(got, 10);
	ck_assert(memcmp(all, "0123456789", 10) == 0);
	/* Done stays done and consumes nothing more. */
	ck_assert_int_eq(http_chunked_decode(&ch, (const uint8_t *)"x", 1,
	    &used, out, sizeof(out), &made), 1);
	ck_assert_uint_eq(used, 0);
}
END_TEST

START_TEST(chunked_malformed)
{
	struct http_chunked ch;
	size_t used, made;
	uint8_t out[8];

	ck_assert_int_eq(chunked1("0\r\n\r\n", 0), 1);
	ck_assert_int_eq(chunked1("000\r\n\r\n", 0), 1);
	ck_assert_int_eq(chunked1("g\r\n", 10), -400);	/* bad hex */
	ck_assert_int_eq(chunked1("\r\n", 10), -400);
	ck_assert_int_eq(chunked1(" 5\r\n", 10), -400);
	ck_assert_int_eq(chunked1("0x5\r\n", 10), -400);
	ck_assert_int_eq(chunked1("5 5\r\n", 10), -400);
	ck_assert_int_eq(chunked1("5x\r\n", 10), -400);
	ck_assert_int_eq(chunked1("5\n", 10), -400);	/* bare LF */
	ck_assert_int_eq(chunked1("5\rX", 10), -400);
	ck_assert_int_eq(chunked1("5\r\nhelloX", 10), -400);
	ck_assert_int_eq(chunked1("5\r\nhello\n", 10), -400);
	ck_assert_int_eq(chunked1("5\r\nhello\r\r", 10), -400);
	ck_assert_int_eq(chunked1("5;a\x01\r\n", 10), -400);
	ck_assert_int_eq(chunked1("5;a\n", 10), -400);
	ck_assert_int_eq(chunked1("0\n\n", 10), -400);
	/* Trailers must be field lines. */
	ck_assert_int_eq(chunked1("0\r\nX: y\r\n\r\n", 10), 1);
	ck_assert_int_eq(chunked1("0\r\n folded\r\n\r\n", 10), -400);
	ck_assert_int_eq(chunked1("0\r\nX y\r\n\r\n", 10), -400);
	ck_assert_int_eq(chunked1("0\r\nX: y\n\r\n", 10), -400);
	ck_assert_int_eq(chunked1("0\r\n\rX", 10), -400);
	/* Too many digits, even leading zeros; overflow is 413 first. */
	ck_assert_int_eq(chunked1("00000000000000001\r\n", 10), -400);
	ck_assert_int_eq(chunked1("ffffffffffffffffff\r\n", UINT64_MAX),
	    -400);
	ck_assert_int_eq(chunked1("ffffffffffffffffff\r\n", 1ULL << 62),
	    -413);
	/* Errors are sticky. */
	http_chunked_init(&ch, 10);
	ck_assert_int_eq(http_chunked_decode(&ch, (const uint8_t *)"z", 1,
	    &used, out, sizeof(out), &made), -400);
	ck_assert_int_eq(http_chunked_decode(&ch, (const uint8_t *)"0", 1,
	    &used, out, sizeof(out), &made), -400);
	ck_assert_uint_eq(used, 0);
}
END_TEST

START_TEST(chunked_nul_in_trailer)
{
	const char s[] = "0\r\nX: a\0b\r\n\r\n";
	char out[256];
	size_t n;

	ck_assert_int_eq(chunked(s, sizeof(s) - 1, 1, 10, out, &n, NULL),
	    -400);
}
END_TEST

START_TEST(chunked_limits)
{
	char line[HTTP_CHUNK_LINE_MAX + 16], *tr;
	size_t trlen = HTTP_TRAILERS_MAX + 64;

	/* max_body counts all chunks together. */
	ck_assert_int_eq(chunked1("a\r\n0123456789\r\n0\r\n\r\n", 10), 1);
	ck_assert_int_eq(chunked1("b\r\n", 10), -413);
	ck_assert_int_eq(chunked1("6\r\nhello!\r\n5\r\n", 10), -413);
	ck_assert_int_eq(chunked1("6\r\nhello!\r\n4\r\n1234\r\n0\r\n\r\n", 10),
	    1);
	/* Chunk extensions are bounded. */
	memset(line, 'x', sizeof(line));
	memcpy(line, "1;", 2);
	strcpy(line + HTTP_CHUNK_LINE_MAX - 2, "\r\n");
	ck_assert_int_eq(chunked1(line, 10), 0);
	memset(line + HTTP_CHUNK_LINE_MAX - 2, 'x', 2);
	strcpy(line + HTTP_CHUNK_LINE_MAX, "\r\n");
	ck_assert_int_eq(chunked1(line, 10), -400);
	/* So are trailers. */
	tr = malloc(trlen);
	ck_assert_ptr_nonnull(tr);
	memset(tr, 'a', trlen);
	memcpy(tr, "0\r\nX: ", 6);
	strcpy(tr + trlen - 5, "\r\n\r\n");
	ck_assert_int_eq(chunked1(tr, 10), -400);
	free(tr);
}
END_TEST

/* Paths and queries. */

static Suite *
http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc;

	tc = tcase_create("head_valid");
	tcase_add_test(tc, valid_get);
	tcase_add_test(tc, valid_post_and_pipelining);
	tcase_add_test(tc, valid_methods_and_forms);
	tcase_add_test(tc, split_everywhere);
	suite_add_tcase(s, tc);

	tc = tcase_create("head_malformed");
	tcase_add_loop_test(tc, malformed, 0, (int)NITEMS(bad));
	tcase_add_test(tc, nul_anywhere);
	tcase_add_test(tc, early_garbage);
	suite_add_tcase(s, tc);

	tc = tcase_create("head_limits");
	tcase_add_test(tc, limits);
	suite_add_tcase(s, tc);

	tc = tcase_create("connection");
	tcase_add_test(tc, keep_alive_rules);
	tcase_add_test(tc, websocket_upgrade);
	suite_add_tcase(s, tc);

	tc = tcase_create("chunked");
	tcase_add_test(tc, chunked_split_everywhere);
	tcase_add_test(tc, chunked_small_output);
	tcase_add_test(tc, chunked_malformed);
	tcase_add_test(tc, chunked_nul_in_trailer);
	tcase_add_test(tc, chunked_limits);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(http_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
