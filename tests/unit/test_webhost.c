/* test_webhost.c - session labels, session hosts, heads for a pod. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "webhost.h"

START_TEST(labels)
{
	char l[WEBHOST_LABEL_MAX + 1], l2[WEBHOST_LABEL_MAX + 1];
	char id[300];

	dns_label_from("alice-firefox-0a1b2c3d", WEBHOST_LABEL_MAX, l);
	ck_assert_str_eq(l, "alice-firefox-0a1b2c3d");
	/* Not a label: cleaned, and a hash of the whole id. */
	dns_label_from("Alice@corp.com--Firefox", WEBHOST_LABEL_MAX, l);
	ck_assert_int_eq(strncmp(l, "alice-corp-com-firefox-", 23), 0);
	ck_assert_uint_eq(strlen(l), 23 + WEBHOST_HASH_LEN);
	dns_label_from("alice@corp.com--firefox", WEBHOST_LABEL_MAX, l2);
	ck_assert_str_ne(l, l2);
	dns_label_from("1234", WEBHOST_LABEL_MAX, l);
	ck_assert_int_eq(strncmp(l, "s-1234-", 7), 0);
	dns_label_from("@@@", WEBHOST_LABEL_MAX, l);
	ck_assert_int_eq(strncmp(l, "s-", 2), 0);
	ck_assert_uint_eq(strlen(l), 2 + WEBHOST_HASH_LEN);
	memset(id, 'a', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	dns_label_from(id, WEBHOST_LABEL_MAX, l);
	ck_assert_uint_eq(strlen(l), WEBHOST_LABEL_MAX);
	ck_assert_int_eq(l[WEBHOST_LABEL_MAX - WEBHOST_HASH_LEN - 1], '-');
	/* A trailing dash is never kept before the hash. */
	id[WEBHOST_LABEL_MAX - WEBHOST_HASH_LEN - 2] = '_';
	dns_label_from(id, WEBHOST_LABEL_MAX, l);
	ck_assert(strstr(l, "--") == NULL);
}
END_TEST

START_TEST(domains)
{
	ck_assert(webhost_domain_ok("localhost"));
	ck_assert(webhost_domain_ok("sessions.example.com"));
	ck_assert(webhost_domain_ok("a-1.b2"));
	ck_assert(!webhost_domain_ok(""));
	ck_assert(!webhost_domain_ok("Sessions.example.com"));
	ck_assert(!webhost_domain_ok("example.com."));
	ck_assert(!webhost_domain_ok(".example.com"));
	ck_assert(!webhost_domain_ok("a..b"));
	ck_assert(!webhost_domain_ok("-a.b"));
	ck_assert(!webhost_domain_ok("a-.b"));
	ck_assert(!webhost_domain_ok("example.com:8080"));
	ck_assert(!webhost_domain_ok("*.example.com"));
	ck_assert(!webhost_domain_ok("a_b.com"));
}
END_TEST

static int
match(const char *host, const char *domain, char *label)
{
	return webhost_match(host, strlen(host), domain, label);
}

START_TEST(hosts)
{
	char l[WEBHOST_LABEL_MAX + 1], host[200];

	ck_assert_int_eq(match("s-abc.localhost", "localhost", l), 1);
	ck_assert_str_eq(l, "abc");
	ck_assert_int_eq(match("S-ABC-1.Sessions.Example.COM:8443",
	    "sessions.example.com", l), 1);
	ck_assert_str_eq(l, "abc-1");
	ck_assert_int_eq(match("s-abc.localhost.:80", "localhost", l), 1);
	ck_assert_str_eq(l, "abc");
	/* Not under the domain: the UI's own host, others, literals. */
	ck_assert_int_eq(match("localhost:8080", "localhost", l), 0);
	ck_assert_int_eq(match("127.0.0.1:8080", "localhost", l), 0);
	ck_assert_int_eq(match("[::1]:8080", "localhost", l), 0);
	ck_assert_int_eq(match("s-abc.evillocalhost", "localhost", l), 0);
	ck_assert_int_eq(match("s-abc.localhost.evil", "localhost", l), 0);
	ck_assert_int_eq(match("", "localhost", l), 0);
	ck_assert_int_eq(match("s-abc.localhost:", "localhost", l), 0);
	ck_assert_int_eq(match("s-abc.localhost:80x", "localhost", l), 0);
	/* Under it but no session host: 404 without a hand-off. */
	ck_assert_int_eq(match("www.localhost", "localhost", l), -1);
	ck_assert_int_eq(match("s-.localhost", "localhost", l), -1);
	ck_assert_int_eq(match("s--x.localhost", "localhost", l), -1);
	ck_assert_int_eq(match("s-x-.localhost", "localhost", l), -1);
	ck_assert_int_eq(match("s-a.b.localhost", "localhost", l), -1);
	ck_assert_int_eq(match("s-a_b.localhost", "localhost", l), -1);
	ck_assert_int_eq(match(".localhost", "localhost", l), 0);
	snprintf(host, sizeof(host), "s-%0*d.localhost", WEBHOST_LABEL_MAX,
	    0);
	ck_assert_int_eq(match(host, "localhost", l), 1);
	ck_assert_uint_eq(strlen(l), WEBHOST_LABEL_MAX);
	snprintf(host, sizeof(host), "s-%0*d.localhost",
	    WEBHOST_LABEL_MAX + 1, 0);
	ck_assert_int_eq(match(host, "localhost", l), -1);
}
END_TEST

static const char *const drop[] = { "ssd", "ssd-session", NULL };

static long
head(const char *raw, char *out, size_t outlen)
{
	struct http_request req;

	ck_assert_int_eq(http_parse_head(raw, strlen(raw), 65536, &req), 1);
	return webhost_head(&req, drop, out, outlen);
}

START_TEST(heads)
{
	static const char small[] = "GET / HTTP/1.1\r\nHost: hh\r\n"
	    "Cookie: a=b\r\n\r\n";
	char out[1024];
	long n;

	n = head("GET /a?b=c HTTP/1.1\r\nHost: s-x.localhost\r\n"
	    "Cookie: a=1; ssd-session=SECRET;b=2 ;  ssd=TOKEN\r\n"
	    "X-Other: ssd-session=kept\r\n\r\n", out, sizeof(out));
	ck_assert_int_gt(n, 0);
	out[n] = '\0';
	ck_assert_str_eq(out, "GET /a?b=c HTTP/1.1\r\nHost: s-x.localhost\r\n"
	    "Cookie: a=1; b=2\r\nX-Other: ssd-session=kept\r\n\r\n");
	/* Only ssd's cookies: the field goes; bare LF becomes CRLF. */
	n = head("POST / HTTP/1.0\nHost: h\nCookie: ssd-session=S\n"
	    "Content-Length: 3\nCookie: ssd=T; ssd-session2=x\n\nabc", out,
	    sizeof(out));
	ck_assert_int_gt(n, 0);
	out[n] = '\0';
	ck_assert_str_eq(out, "POST / HTTP/1.0\r\nHost: h\r\n"
	    "Content-Length: 3\r\nCookie: ssd-session2=x\r\n\r\n");
	/* Names are exact and case-sensitive; pairs without '=' count. */
	n = head("GET / HTTP/1.1\r\nHost: h\r\ncookie: SSD=a; ssd; =v; ;\r\n"
	    "\r\n", out, sizeof(out));
	ck_assert_int_gt(n, 0);
	out[n] = '\0';
	ck_assert_str_eq(out, "GET / HTTP/1.1\r\nHost: h\r\n"
	    "cookie: SSD=a; =v\r\n\r\n");
	/* Too small a buffer, at every size. */
	for (n = 0; n < (long)strlen(small); n++)
		ck_assert_int_eq(head(small, out, (size_t)n), -1);
	ck_assert_int_eq(head(small, out, strlen(small)), (long)strlen(small));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("webhost");
	TCase *tc = tcase_create("webhost");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, labels);
	tcase_add_test(tc, domains);
	tcase_add_test(tc, hosts);
	tcase_add_test(tc, heads);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
