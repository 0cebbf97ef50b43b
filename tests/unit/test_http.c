/*
 * test_http.c - the request parser: valid heads, every malformed case
 * with the status it must give, input split at every byte, limits,
 * keep-alive and WebSocket rules, chunked bodies, paths and queries.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

#define MAXH	16384

static int
parse(const char *s, struct http_request *r)
{
	return http_parse_head(s, strlen(s), MAXH, r);
}

START_TEST(valid_get)
{
	struct http_request r;
	const char *s = "GET /api/v1/users?x=1&y=%20z HTTP/1.1\r\n"
	    "Host: example.org\r\nAccept:  */*  \r\n\r\n";
	size_t n;
	const char *v;

	ck_assert_int_eq(parse(s, &r), 1);
	ck_assert_int_eq(r.method, HTTP_M_GET);
	ck_assert_uint_eq(r.head_len, strlen(s));
	ck_assert_int_eq((int)r.path_len, 13);
	ck_assert(strncmp(r.path, "/api/v1/users", 13) == 0);
	ck_assert_int_eq((int)r.query_len, 10);
	ck_assert_int_eq(r.version_minor, 1);
	ck_assert_int_eq(r.keep_alive, 1);
	ck_assert_int_eq(r.content_length, -1);
	v = http_header_get(&r, "accept", &n);
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq((int)n, 3);	/* whitespace trimmed */
	ck_assert(strncmp(v, "*/*", 3) == 0);
}
END_TEST

START_TEST(valid_post_and_pipelining)
{
	struct http_request r;
	const char *s = "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
	    "\r\nhelloGET /b HTTP/1.1\r\nHost: h\r\n\r\n";
	size_t first;

	ck_assert_int_eq(parse(s, &r), 1);
	ck_assert_int_eq(r.method, HTTP_M_POST);
	ck_assert_int_eq(r.content_length, 5);
	first = r.head_len + 5;
	ck_assert_int_eq(http_parse_head(s + first, strlen(s) - first, MAXH,
	    &r), 1);
	ck_assert_int_eq(r.method, HTTP_M_GET);
	ck_assert_uint_eq(r.head_len, strlen(s) - first);
}
END_TEST

START_TEST(split_everywhere)
{
	struct http_request r;
	const char *s = "\r\nPUT /x HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n";
	size_t i, n = strlen(s);

	for (i = 0; i < n; i++)
		ck_assert_int_eq(http_parse_head(s, i, MAXH, &r), 0);
	ck_assert_int_eq(http_parse_head(s, n, MAXH, &r), 1);
	ck_assert_int_eq(r.chunked, 1);
	ck_assert_uint_eq(r.head_len, n);
}
END_TEST

START_TEST(bare_lf_accepted)
{
	struct http_request r;

	ck_assert_int_eq(parse("GET / HTTP/1.1\nHost: h\n\n", &r), 1);
}
END_TEST

static const struct {
	const char	*req;
	int		 status;
} bad[] = {
	{ "GET / HTTP/1.1\r\n\r\n", -400 },			/* no Host */
	{ "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", -400 },
	{ "GET / HTTP/2.0\r\nHost: h\r\n\r\n", -505 },
	{ "GET / HTTP/1.2\r\nHost: h\r\n\r\n", -505 },
	{ "GET / HTTP/1.1x\r\nHost: h\r\n\r\n", -400 },
	{ "GET / http/1.1\r\nHost: h\r\n\r\n", -400 },
	{ "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", -400 },
	{ "GET /\x01 HTTP/1.1\r\nHost: h\r\n\r\n", -400 },
	{ "G(T / HTTP/1.1\r\nHost: h\r\n\r\n", -400 },
	{ "GET x HTTP/1.1\r\nHost: h\r\n\r\n", -400 },
	{ "GET * HTTP/1.1\r\nHost: h\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\nHost : h\r\n\r\n", -400 },	/* space before : */
	{ "GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", -400 },
	{ "GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n", -400 },	/* bare CR */
	{ "GET / HTTP/1.1\r\nNoColon\r\n\r\n", -400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", -400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
	    "Content-Length: 6\r\n\r\n", -400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", -400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\n", -400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 99999999999999999999\r\n\r\n", -400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n",
	    -501 },
	{ "POST / HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: chunked, gzip\r\n\r\n", -400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", -400 },
	{ "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", -400 },
};

START_TEST(malformed)
{
	struct http_request r;

	ck_assert_int_eq(parse(bad[_i].req, &r), bad[_i].status);
}
END_TEST

START_TEST(nul_in_header)
{
	struct http_request r;
	const char s[] = "GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n";

	ck_assert_int_eq(http_parse_head(s, sizeof(s) - 1, MAXH, &r), -400);
}
END_TEST

START_TEST(limits)
{
	struct http_request r;
	char *s = malloc(MAXH + 100);
	int i;

	/* A request line over half the limit: 414. */
	snprintf(s, MAXH + 100, "GET /%0*d HTTP/1.1\r\nHost: h\r\n\r\n",
	    MAXH / 2, 0);
	ck_assert_int_eq(parse(s, &r), -414);
	/* ... also while it is still arriving. */
	ck_assert_int_eq(http_parse_head(s, MAXH / 2 + 10, MAXH, &r), -414);
	/* Headers over the limit: 431. */
	snprintf(s, MAXH + 100, "GET / HTTP/1.1\r\nHost: h\r\nX: %0*d\r\n\r\n",
	    MAXH, 0);
	ck_assert_int_eq(parse(s, &r), -431);
	/* Too many headers: 431. */
	strcpy(s, "GET / HTTP/1.1\r\nHost: h\r\n");
	for (i = 0; i < HTTP_MAX_HEADERS; i++)
		strcat(s, "A: b\r\n");
	strcat(s, "\r\n");
	ck_assert_int_eq(parse(s, &r), -431);
	free(s);
}
END_TEST

START_TEST(keep_alive_rules)
{
	struct http_request r;

	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: h\r\n"
	    "Connection: close\r\n\r\n", &r), 1);
	ck_assert_int_eq(r.keep_alive, 0);
	ck_assert_int_eq(parse("GET / HTTP/1.0\r\n\r\n", &r), 1);
	ck_assert_int_eq(r.keep_alive, 0);
	ck_assert_int_eq(parse("GET / HTTP/1.0\r\n"
	    "Connection: Keep-Alive\r\n\r\n", &r), 1);
	ck_assert_int_eq(r.keep_alive, 1);
}
END_TEST

START_TEST(websocket_upgrade)
{
	struct http_request r;

	ck_assert_int_eq(parse("GET /ws HTTP/1.1\r\nHost: h\r\n"
	    "Connection: keep-alive, Upgrade\r\nUpgrade: WebSocket\r\n\r\n",
	    &r), 1);
	ck_assert_int_eq(r.upgrade_websocket, 1);
	ck_assert_int_eq(parse("POST /ws HTTP/1.1\r\nHost: h\r\n"
	    "Connection: upgrade\r\nUpgrade: websocket\r\n\r\n", &r), 1);
	ck_assert_int_eq(r.upgrade_websocket, 0);
	ck_assert_int_eq(parse("GET /ws HTTP/1.0\r\n"
	    "Connection: upgrade\r\nUpgrade: websocket\r\n\r\n", &r), 1);
	ck_assert_int_eq(r.upgrade_websocket, 0);
	ck_assert_int_eq(parse("GET /ws HTTP/1.1\r\nHost: h\r\n"
	    "Upgrade: websocket\r\n\r\n", &r), 1);
	ck_assert_int_eq(r.upgrade_websocket, 0);
}
END_TEST

START_TEST(absolute_and_asterisk_forms)
{
	struct http_request r;

	ck_assert_int_eq(parse("GET http://h:8080/a/b?q HTTP/1.1\r\n"
	    "Host: h\r\n\r\n", &r), 1);
	ck_assert_int_eq((int)r.path_len, 4);
	ck_assert(strncmp(r.path, "/a/b", 4) == 0);
	ck_assert_int_eq(parse("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", &r),
	    1);
}
END_TEST

/* Decodes body in pieces of step bytes; returns the decoder's status. */
static int
chunked(const char *body, size_t step, uint64_t max, char *out,
    size_t *outn)
{
	struct http_chunked ch;
	size_t len = strlen(body), pos = 0, used, made, n;
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
	return rc;
}

START_TEST(chunked_bodies)
{
	const char *body = "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\n"
	    "Trailer: x\r\n\r\n";
	char out[256];
	size_t n, step;

	for (step = 1; step <= strlen(body); step++) {
		ck_assert_int_eq(chunked(body, step, 1000, out, &n), 1);
		ck_assert_uint_eq(n, 11);
		ck_assert(memcmp(out, "hello world", 11) == 0);
	}
	ck_assert_int_eq(chunked("0\r\n\r\n", 1, 10, out, &n), 1);
	ck_assert_int_eq(chunked("0\n\n", 1, 10, out, &n), 1);
	ck_assert_int_eq(chunked("g\r\n", 1, 10, out, &n), -400);
	ck_assert_int_eq(chunked("\r\n", 1, 10, out, &n), -400);
	ck_assert_int_eq(chunked("5\r\nhelloX", 1, 10, out, &n), -400);
	ck_assert_int_eq(chunked("5\rX", 1, 10, out, &n), -400);
	ck_assert_int_eq(chunked("ffffffffffffffffff\r\n", 1, 1ULL << 62, out,
	    &n), -413);
	ck_assert_int_eq(chunked("00000000000000000001\r\n", 1, 10, out, &n),
	    -400);
	ck_assert_int_eq(chunked("b\r\n", 1, 10, out, &n), -413);
	ck_assert_int_eq(chunked("6\r\nhello!\r\n6\r\n", 1, 10, out, &n),
	    -413);
	ck_assert_int_eq(chunked("5;a\x01\r\n", 1, 10, out, &n), -400);
}
END_TEST

START_TEST(paths)
{
	char out[64];

	ck_assert_int_eq(http_path_decode("/a%20b", 6, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/a b");
	ck_assert_int_eq(http_path_decode("/a/../b", 7, out, sizeof(out)), -1);
	ck_assert_int_eq(http_path_decode("/a/%2e%2E/b", 11, out,
	    sizeof(out)), -1);
	ck_assert_int_eq(http_path_decode("/a/./b", 6, out, sizeof(out)), -1);
	ck_assert_int_eq(http_path_decode("/..", 3, out, sizeof(out)), -1);
	ck_assert_int_eq(http_path_decode("/a/..b", 6, out, sizeof(out)), 0);
	ck_assert_int_eq(http_path_decode("/a%00", 5, out, sizeof(out)), -1);
	ck_assert_int_eq(http_path_decode("/a%2fb", 6, out, sizeof(out)), -1);
	ck_assert_int_eq(http_path_decode("/a%g0", 5, out, sizeof(out)), -1);
	ck_assert_int_eq(http_path_decode("/a%2", 4, out, sizeof(out)), -1);
	ck_assert_int_eq(http_path_decode("a", 1, out, sizeof(out)), -1);
	ck_assert_int_eq(http_path_decode("/abcdef", 7, out, 4), -1);
}
END_TEST

START_TEST(queries)
{
	const char *q = "a=1&token=x%2By+z&empty=&flag&a=2";
	char out[16];

	ck_assert_int_eq(http_query_get(q, strlen(q), "a", out, sizeof(out)),
	    1);
	ck_assert_str_eq(out, "1");
	ck_assert_int_eq(http_query_get(q, strlen(q), "token", out,
	    sizeof(out)), 5);
	ck_assert_str_eq(out, "x+y z");
	ck_assert_int_eq(http_query_get(q, strlen(q), "empty", out,
	    sizeof(out)), 0);
	ck_assert_int_eq(http_query_get(q, strlen(q), "flag", out,
	    sizeof(out)), 0);
	ck_assert_int_eq(http_query_get(q, strlen(q), "nope", out,
	    sizeof(out)), -1);
	ck_assert_int_eq(http_query_get("k=%00", 5, "k", out, sizeof(out)),
	    -1);
	ck_assert_int_eq(http_query_get("k=0123456789abcdefgh", 20, "k", out,
	    sizeof(out)), -1);
	ck_assert_int_eq(http_query_get(NULL, 0, "k", out, sizeof(out)), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("http");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, valid_get);
	tcase_add_test(tc, valid_post_and_pipelining);
	tcase_add_test(tc, split_everywhere);
	tcase_add_test(tc, bare_lf_accepted);
	tcase_add_loop_test(tc, malformed, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, nul_in_header);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, keep_alive_rules);
	tcase_add_test(tc, websocket_upgrade);
	tcase_add_test(tc, absolute_and_asterisk_forms);
	tcase_add_test(tc, chunked_bodies);
	tcase_add_test(tc, paths);
	tcase_add_test(tc, queries);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
