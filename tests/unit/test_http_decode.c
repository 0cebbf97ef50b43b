/*
 * test_http_decode.c - common/http.c past the request head: paths, query
 * strings, cookies and origins decoded, status texts, and the response
 * head parser (valid and malformed answers).
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

START_TEST(paths)
{
	char out[64];

	ck_assert_int_eq(http_path_decode("/a%20b", 6, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/a b");
	ck_assert_int_eq(http_path_decode("/", 1, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/");
	ck_assert_int_eq(http_path_decode("/a/..b/.c/...", 13, out,
	    sizeof(out)), 0);
	ck_assert_int_eq(http_path_decode("/%C3%A9", 7, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/\xc3\xa9");
	ck_assert_int_eq(http_path_decode("/a/../b", 7, out, sizeof(out)), -1);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(http_path_decode("/a/%2e%2E/b", 11, out,
	    sizeof(out)), -1);
	ck_assert_int_eq(http_path_decode("/a/.%2e", 7, out, sizeof(out)), -1);
	ck_assert_int_eq(http_path_decode("/a/./b", 6, out, sizeof(out)), -1);
	ck_assert_int_eq(http_path_decode("/a/.", 4, out, sizeof(out)), -1);
	ck_assert_int_eq(http_path_decode("/..", 3, out, sizeof(out)), -1);
	ck_assert_int_eq(http_path_decode("/a%00", 5, out, sizeof(out)), -1);
	ck_assert_int_eq(http_path_decode("/a%0a", 5, out, sizeof(out)), -1);
	ck_assert_int_eq(http_path_decode("/a%2fb", 6, out, sizeof(out)), -1);
	ck_assert_int_eq(http_path_decode("/a%g0", 5, out, sizeof(out)), -1);
	ck_assert_int_eq(http_path_decode("/a%2", 4, out, sizeof(out)), -1);
	ck_assert_int_eq(http_path_decode("/a%", 3, out, sizeof(out)), -1);
	ck_assert_int_eq(http_path_decode("a", 1, out, sizeof(out)), -1);
	ck_assert_int_eq(http_path_decode("%2fa", 4, out, sizeof(out)), -1);
	ck_assert_int_eq(http_path_decode("", 0, out, sizeof(out)), -1);
	/* Only len bytes are read; out must hold the NUL too. */
	ck_assert_int_eq(http_path_decode("/abc/../", 4, out, sizeof(out)),
	    0);
	ck_assert_str_eq(out, "/abc");
	ck_assert_int_eq(http_path_decode("/abc", 4, out, 5), 0);
	ck_assert_int_eq(http_path_decode("/abcd", 5, out, 5), -1);
	ck_assert_int_eq(http_path_decode("/", 1, out, 0), -1);
}
END_TEST

START_TEST(query_checks)
{
	static const char *const keys[] = { "user", "search", NULL };
	char name[40], big[400];
	static const struct {
		const char	*q;
		int		 want;
		const char	*bad;
	} cases[] = {
		{ "", 0, NULL },
		{ "user=a&search=b+c%20d", 0, NULL },
		{ "user=&search", 0, NULL },
		{ "user=%C3%BC", 0, NULL },
		{ "&&user=a&", 0, NULL },
		{ "nope=1", HTTP_QUERY_UNKNOWN, "nope" },
		{ "user=a&USER=b", HTTP_QUERY_UNKNOWN, "USER" },
		{ "us%00er=a", HTTP_QUERY_UNKNOWN, "us%00er" },
		{ "user=a&user=b", HTTP_QUERY_REPEATED, "user" },
		{ "us%65r=a&user=b", HTTP_QUERY_REPEATED, "user" },
		{ "user=%00", HTTP_QUERY_MALFORMED, "user" },
		{ "user=%0a", HTTP_QUERY_MALFORMED, "user" },
		{ "user=%zz", HTTP_QUERY_MALFORMED, "user" },
		{ "user=%C3", HTTP_QUERY_MALFORMED, "user" },
		{ "search=%ff%fe", HTTP_QUERY_MALFORMED, "search" },
		{ "n%ffpe\x01=1", HTTP_QUERY_UNKNOWN, "n%ffpe?" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(http_query_check(cases[i].q, strlen(cases[i].q),
		    keys, 16, name, sizeof(name)) == cases[i].want, "%s",
		    cases[i].q);
		if (cases[i].bad != NULL)
			ck_assert_str_eq(name, cases[i].bad);
	}
	ck_assert_int_eq(http_query_check(NULL, 0, keys, 16, name,
	    sizeof(name)), 0);
	/* A value of max bytes passes, one more does not. */
	memcpy(big, "search=", 7);
	memset(big + 7, 'x', 16);
	ck_assert_int_eq(http_query_check(big, 7 + 16, keys, 16, name,
	    sizeof(name)), 0);
	memset(big + 7, 'x', 17);
	ck_assert_int_eq(http_query_check(big, 7 + 17, keys, 16, name,
	    sizeof(name)), HTTP_QUERY_MALFORMED);
}
END_TEST

START_TEST(queries)
{
	const char *q = "a=1&token=x%2By+z&empty=&flag&a=2&sp+ace=%7e&&=v";
	size_t ql = strlen(q);
	char out[16];

	ck_assert_int_eq(http_query_get(q, ql, "a", out, sizeof(out)), 1);
	ck_assert_str_eq(out, "1");
	ck_assert_int_eq(http_query_get(q, ql, "token", out, sizeof(out)), 5);
	ck_assert_str_eq(out, "x+y z");
	ck_assert_int_eq(http_query_get(q, ql, "empty", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(http_query_get(q, ql, "flag", out, sizeof(out)), 0);
	ck_assert_int_eq(http_query_get(q, ql, "sp ace", out, sizeof(out)), 1);
	ck_assert_str_eq(out, "~");
	ck_assert_int_eq(http_query_get(q, ql, "", out, sizeof(out)), 1);
	ck_assert_int_eq(http_query_get(q, ql, "nope", out, sizeof(out)), -1);
	ck_assert_int_eq(http_query_get(q, ql, "fla", out, sizeof(out)), -1);
	ck_assert_int_eq(http_query_get(q, ql, "flagg", out, sizeof(out)),
	    -1);
	/* Only len bytes are looked at. */
	ck_assert_int_eq(http_query_get(q, 3, "token", out, sizeof(out)), -1);
	ck_assert_int_eq(http_query_get("k=%00", 5, "k", out, sizeof(out)),
	    -1);
	ck_assert_int_eq(http_query_get("k=%zz", 5, "k", out, sizeof(out)),
	    -1);
	ck_assert_int_eq(http_query_get("k=%4", 4, "k", out, sizeof(out)),
	    -1);
	ck_assert_int_eq(http_query_get("k%00=1&k=2", 10, "k", out,
	    sizeof(out)), 1);
	ck_assert_str_eq(out, "2");
	/* Longest value that fits, and one more. */
	ck_assert_int_eq(http_query_get("k=0123456789abcde", 17, "k", out,
	    sizeof(out)), 15);
	ck_assert_int_eq(http_query_get("k=0123456789abcdef", 18, "k", out,
	    sizeof(out)), -1);
	ck_assert_int_eq(http_query_get(NULL, 0, "k", out, sizeof(out)), -1);
	ck_assert_int_eq(http_query_get("k=1", 3, "k", out, 0), -1);
}
END_TEST

/* The cookie called name in head s: its value, or "(none)". */
static const char *
cookie(const char *s, const char *name)
{
	static char out[256];
	struct http_request r;
	const char *v;
	size_t n;

	ck_assert_int_eq(parse(s, &r), 1);
	if ((v = http_cookie_get(&r, name, &n)) == NULL)
		return "(none)";
	ck_assert_uint_lt(n, sizeof(out));
	memcpy(out, v, n);
	out[n] = '\0';
	return out;
}

#define CK(fields)	"GET / HTTP/1.1\r\nHost: h\r\n" fields "\r\n"

START_TEST(cookies)
{
	ck_assert_str_eq(cookie(CK("Cookie: ssd=abc.def-1_2\r\n"), "ssd"),
	    "abc.def-1_2");
	ck_assert_str_eq(cookie(CK("Cookie: a=1; ssd=x; b=2\r\n"), "ssd"),
	    "x");
	ck_assert_str_eq(cookie(CK("Cookie: a=1;ssd=x\r\n"), "ssd"), "x");
	ck_assert_str_eq(cookie(CK("Cookie: ssd=\"q\"\r\n"), "ssd"), "q");
	ck_assert_str_eq(cookie(CK("Cookie: ssd=\r\n"), "ssd"), "");
	ck_assert_str_eq(cookie(CK("Cookie: a=1\r\nCookie: ssd=y\r\n"),
	    "ssd"), "y");
	/* Names are exact and case-sensitive; prefixes do not match. */
	ck_assert_str_eq(cookie(CK("Cookie: SSD=x; ssdx=y; xssd=z\r\n"),
	    "ssd"), "(none)");
	ck_assert_str_eq(cookie(CK("Cookie: ssd\r\n"), "ssd"), "(none)");
	ck_assert_str_eq(cookie(CK(""), "ssd"), "(none)");
	ck_assert_str_eq(cookie(CK("Cookie: ssd=x\r\n"), ""), "(none)");
	/* Twice, in one field or two: neither is trusted. */
	ck_assert_str_eq(cookie(CK("Cookie: ssd=x; ssd=y\r\n"), "ssd"),
	    "(none)");
	ck_assert_str_eq(cookie(CK("Cookie: ssd=x\r\nCookie: ssd=x\r\n"),
	    "ssd"), "(none)");
	/* Values outside cookie-octet. */
	ck_assert_str_eq(cookie(CK("Cookie: ssd=a b\r\n"), "ssd"), "(none)");
	ck_assert_str_eq(cookie(CK("Cookie: ssd=a,b\r\n"), "ssd"), "(none)");
	ck_assert_str_eq(cookie(CK("Cookie: ssd=a\\b\r\n"), "ssd"),
	    "(none)");
	ck_assert_str_eq(cookie(CK("Cookie: ssd=\"\r\n"), "ssd"), "(none)");
	ck_assert_str_eq(cookie(CK("Cookie: ssd=\"a\r\n"), "ssd"), "(none)");
	ck_assert_str_eq(cookie(CK("Cookie: ssd=\xc3\xa9\r\n"), "ssd"),
	    "(none)");
	/* A malformed other pair does not hide ours. */
	ck_assert_str_eq(cookie(CK("Cookie: junk; =; a=b c; ssd=ok\r\n"),
	    "ssd"), "ok");
}
END_TEST

START_TEST(origins)
{
#define OI(o, h)	http_origin_is(o, strlen(o), h, strlen(h))
	ck_assert_int_eq(OI("http://ssd.example:8080", "ssd.example:8080"), 1);
	ck_assert_int_eq(OI("https://SSD.example", "ssd.EXAMPLE"), 1);
	ck_assert_int_eq(OI("http://[::1]:8080", "[::1]:8080"), 1);
	ck_assert_int_eq(OI("http://ssd.example:8081", "ssd.example:8080"), 0);
	ck_assert_int_eq(OI("http://ssd.example.evil", "ssd.example"), 0);
	ck_assert_int_eq(OI("http://evil/ssd.example", "ssd.example"), 0);
	ck_assert_int_eq(OI("http://ssd.example/", "ssd.example"), 0);
	ck_assert_int_eq(OI("ftp://ssd.example", "ssd.example"), 0);
	ck_assert_int_eq(OI("null", "null"), 0);
	ck_assert_int_eq(OI("http://", ""), 0);
	ck_assert_int_eq(OI("http://a", "a/"), 0);
	ck_assert_int_eq(http_origin_is(NULL, 0, "h", 1), 0);
#undef OI
}
END_TEST

START_TEST(status_texts)
{
	ck_assert_str_eq(http_status_text(404), "Not Found");
	ck_assert_str_eq(http_status_text(431),
	    "Request Header Fields Too Large");
	ck_assert_str_eq(http_status_text(505), "HTTP Version Not Supported");
	ck_assert_str_eq(http_status_text(299), "Unknown");
	ck_assert_str_eq(http_method_name(HTTP_M_PATCH), "PATCH");
	ck_assert_str_eq(http_method_name(HTTP_M_OTHER), "OTHER");
}
END_TEST

/* Response heads, as the agent reads the control plane's answers. */
static const char *const bad_responses[] = {
	"HTTP/2 200 OK\r\n\r\n",
	"HTTP/1.1 20 OK\r\n\r\n",
	"HTTP/1.1 2000 OK\r\n\r\n",
	"HTTP/1.1 099 Low\r\n\r\n",
	"HTTP/1.1 200OK\r\n\r\n",
	"http/1.1 200 OK\r\n\r\n",
	"HTTP/1.1 200 O\x01K\r\n\r\n",
	"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
	"HTTP/1.1 200 OK\r\n: x\r\n\r\n",
	"HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n",
	"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
	"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
	"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: "
	    "chunked\r\n\r\n",
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
};

START_TEST(response_malformed)
{
	struct http_response res;
	const char *r = bad_responses[_i];

	ck_assert_msg(http_parse_response_head(r, strlen(r), 8192, &res) == -1,
	    "accepted: %s", r);
}
END_TEST

START_TEST(response_valid)
{
	struct http_response res;
	const char *r = "HTTP/1.1 201 Created\r\nContent-Type: application/"
	    "json\r\nContent-Length: 11\r\n\r\n{\"key\":\"k\"}";
	const char *ch = "HTTP/1.0 200\nTransfer-Encoding: chunked\n\n";
	size_t i, len = strlen(r), vlen;
	const char *v;

	for (i = 0; i < len - 11; i++)
		ck_assert_int_eq(http_parse_response_head(r, i, 8192, &res), 0);
	ck_assert_int_eq(http_parse_response_head(r, len, 8192, &res), 1);
	ck_assert_int_eq(res.status, 201);
	ck_assert_int_eq(res.version_minor, 1);
	ck_assert_uint_eq(res.reason_len, 7);
	ck_assert_int_eq(res.content_length, 11);
	ck_assert_uint_eq(res.head_len, len - 11);
	v = http_response_header(&res, "content-type", &vlen);
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(strncmp(v, "application/json", vlen), 0);
	ck_assert_int_eq(http_response_has_token(&res, "Content-Type",
	    "application/json"), 1);
	ck_assert_ptr_null(http_response_header(&res, "Upgrade", NULL));
	ck_assert_int_eq(http_parse_response_head(ch, strlen(ch), 8192, &res),
	    1);
	ck_assert_int_eq(res.status, 200);
	ck_assert_uint_eq(res.reason_len, 0);
	ck_assert_int_eq(res.chunked, 1);
	ck_assert_int_eq(res.content_length, -1);
	/* No end within the limit. */
	ck_assert_int_eq(http_parse_response_head(r, 30, 30, &res), -2);
}
END_TEST

static Suite *
http_decode_suite(void)
{
	Suite *s = suite_create("http_decode");
	TCase *tc;

	tc = tcase_create("decode");
	tcase_add_test(tc, paths);
	tcase_add_test(tc, queries);
	tcase_add_test(tc, query_checks);
	tcase_add_test(tc, cookies);
	tcase_add_test(tc, origins);
	tcase_add_test(tc, status_texts);
	suite_add_tcase(s, tc);

	tc = tcase_create("response");
	tcase_add_test(tc, response_valid);
	tcase_add_loop_test(tc, response_malformed, 0,
	    (int)NITEMS(bad_responses));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(http_decode_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
