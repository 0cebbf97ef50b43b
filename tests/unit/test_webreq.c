/* test_webreq.c - a web session's connection, request by request. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webreq.h"

#define MAX_HEAD	1024

static char result[1 << 16];
static size_t result_len;
static struct webreq w;

static void
append(const void *p, size_t n)
{
	ck_assert_uint_le(result_len + n, sizeof(result));
	memcpy(result + result_len, p, n);
	result_len += n;
}

/*
 * Feeds in to webreq as a relay would, arriving piece bytes at a time:
 * what it passes on goes to result.  The last step: WEBREQ_PASS when
 * all went, WEBREQ_MORE when a head is incomplete, else the failure.
 */
static enum webreq_step
feed(const char *in, size_t piece)
{
	size_t len = strlen(in), have = 0, done = 0, n, used, outlen;
	enum webreq_step step = WEBREQ_MORE;
	char out[MAX_HEAD + WEBREQ_OUT_SLACK];

	webreq_init(&w);
	result_len = 0;
	while (done < len) {
		if (step == WEBREQ_MORE) {
			if (have == len)
				return WEBREQ_MORE;
			have = have + piece < len ? have + piece : len;
		}
		n = have - done;
		if (webreq_wants_head(&w) && n > MAX_HEAD)
			n = MAX_HEAD;
		step = webreq_next(&w, (const uint8_t *)in + done, n,
		    MAX_HEAD, out, sizeof(out), &used, &outlen);
		if (step == WEBREQ_HEAD)
			append(out, outlen);
		else if (step == WEBREQ_PASS)
			append(in + done, used);
		else if (step != WEBREQ_MORE)
			return step;
		done += used;
		if (done == have && have < len)
			step = WEBREQ_MORE;
	}
	return WEBREQ_PASS;
}

/* feed() in every piece size from 1 to the whole: always the same. */
static void
expect(const char *in, const char *want, enum webreq_step last)
{
	size_t piece, len = strlen(in);

	for (piece = 1; piece <= len; piece++) {
		ck_assert_int_eq(feed(in, piece), last);
		result[result_len] = '\0';
		ck_assert_msg(strcmp(result, want) == 0, "piece %zu: %s",
		    piece, result);
	}
}

START_TEST(keepalive_heads)
{
	expect("GET / HTTP/1.1\r\nHost: s-a.localhost\r\n"
	    "Cookie: ssd-view=abc; app=1\r\n\r\n"
	    "GET /x HTTP/1.1\r\nHost: s-a.localhost\r\n"
	    "Cookie: app=1; __Host-ssd-view=abc; ssd=tok\r\n\r\n",
	    "GET / HTTP/1.1\r\nHost: s-a.localhost\r\nCookie: app=1\r\n\r\n"
	    "GET /x HTTP/1.1\r\nHost: s-a.localhost\r\nCookie: app=1\r\n\r\n",
	    WEBREQ_PASS);
	ck_assert_uint_eq(w.heads, 2);
	/* Only ssd's cookies: the field goes; bare LFs become CRLF. */
	expect("GET / HTTP/1.1\nHost: h\nCookie: ssd-view=1\n\n",
	    "GET / HTTP/1.1\r\nHost: h\r\n\r\n", WEBREQ_PASS);
}
END_TEST

START_TEST(bodies_pass_as_they_are)
{
	/* A body that looks like a head is a body. */
	expect("POST /u HTTP/1.1\r\nHost: h\r\nContent-Length: 38\r\n\r\n"
	    "GET / HTTP/1.1\r\nCookie: ssd-view=x\r\n\r\n"
	    "GET /n HTTP/1.1\r\nHost: h\r\nCookie: ssd-view=y\r\n\r\n",
	    "POST /u HTTP/1.1\r\nHost: h\r\nContent-Length: 38\r\n\r\n"
	    "GET / HTTP/1.1\r\nCookie: ssd-view=x\r\n\r\n"
	    "GET /n HTTP/1.1\r\nHost: h\r\n\r\n", WEBREQ_PASS);
	/* Chunked, with an extension and a trailer, exactly as sent. */
	expect("PUT /u HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n6;x=y\r\nCookie\r\n0\r\nT: 1\r\n\r\n"
	    "GET /n HTTP/1.1\r\nHost: h\r\nCookie: a=b; ssd=t\r\n\r\n",
	    "PUT /u HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n6;x=y\r\nCookie\r\n0\r\nT: 1\r\n\r\n"
	    "GET /n HTTP/1.1\r\nHost: h\r\nCookie: a=b\r\n\r\n", WEBREQ_PASS);
	ck_assert_uint_eq(w.heads, 2);
	/* Content-Length: 0 and HTTP/1.0 heads follow each other. */
	expect("POST / HTTP/1.0\r\nContent-Length: 0\r\n\r\n"
	    "GET / HTTP/1.0\r\nCookie: ssd=1\r\n\r\n",
	    "POST / HTTP/1.0\r\nContent-Length: 0\r\n\r\n"
	    "GET / HTTP/1.0\r\n\r\n", WEBREQ_PASS);
}
END_TEST

START_TEST(upgrades_tunnel)
{
	const char *ws = "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\n"
	    "Upgrade: websocket\r\nCookie: ssd-view=1\r\n\r\n";
	char in[512], want[512];

	/* After the upgrade's head, nothing is HTTP any more. */
	snprintf(in, sizeof(in), "%s%s", ws,
	    "\x82\x85GET / HTTP/1.1\r\nCookie: ssd-view=1\r\n\r\n");
	snprintf(want, sizeof(want), "%s%s", "GET /ws HTTP/1.1\r\nHost: h\r\n"
	    "Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
	    "\x82\x85GET / HTTP/1.1\r\nCookie: ssd-view=1\r\n\r\n");
	expect(in, want, WEBREQ_PASS);
	/* An Upgrade field without Connection: upgrade is no upgrade. */
	expect("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n"
	    "GET / HTTP/1.1\r\nHost: h\r\nCookie: ssd=1\r\n\r\n",
	    "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n"
	    "GET / HTTP/1.1\r\nHost: h\r\n\r\n", WEBREQ_PASS);
}
END_TEST

START_TEST(ssd_paths_stop)
{
	const char *first = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
	static const char *const paths[] = { "/.ssd/auth?ticket=abc",
	    "/.ssd", "/%2Essd/auth?ticket=abc", "/.ssd/x" };
	char in[256];
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		snprintf(in, sizeof(in), "%sGET %s HTTP/1.1\r\nHost: h\r\n\r\n",
		    first, paths[i]);
		expect(in, first, WEBREQ_SSD);
	}
	expect("GET /.ssdx HTTP/1.1\r\nHost: h\r\n\r\n",
	    "GET /.ssdx HTTP/1.1\r\nHost: h\r\n\r\n", WEBREQ_PASS);
}
END_TEST

START_TEST(malformed)
{
	char big[MAX_HEAD + 64];

	ck_assert_int_eq(feed("GET / HTTP/1.1\r\nHost: h\r\n\r\nBLAH\r\n\r\n",
	    1000), WEBREQ_BAD);
	ck_assert_int_eq(w.status, 400);
	ck_assert_int_eq(feed("GET / HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 1\r\nContent-Length: 1\r\n\r\nx", 1000),
	    WEBREQ_BAD);
	ck_assert_int_eq(feed("PUT / HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: chunked\r\n\r\nzz\r\n", 1000), WEBREQ_BAD);
	ck_assert_int_eq(w.status, 400);
	ck_assert_int_eq(feed("GET /a%00 HTTP/1.1\r\nHost: h\r\n\r\n", 7),
	    WEBREQ_BAD);
	/* No end of the head within the bound. */
	snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nX: %0*d",
	    MAX_HEAD, 0);
	ck_assert_int_eq(feed(big, 100), WEBREQ_BAD);
	ck_assert_int_eq(w.status, 431);
	/* Incomplete is not malformed: wait for more. */
	ck_assert_int_eq(feed("GET / HTTP/1.1\r\nHost: h\r\n", 3), WEBREQ_MORE);
	ck_assert_int_eq(feed("PUT / HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n5\r\nab", 3), WEBREQ_PASS);
	ck_assert(!webreq_wants_head(&w));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("webreq");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, keepalive_heads);
	tcase_add_test(tc, bodies_pass_as_they_are);
	tcase_add_test(tc, upgrades_tunnel);
	tcase_add_test(tc, ssd_paths_stop);
	tcase_add_test(tc, malformed);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
