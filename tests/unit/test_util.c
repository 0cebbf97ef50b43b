/* test_util.c - parsers and helpers of common/util.c. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

START_TEST(duration_units)
{
	uint64_t ms;

	ck_assert_int_eq(parse_duration_ms("250ms", &ms), 0);
	ck_assert_uint_eq(ms, 250);
	ck_assert_int_eq(parse_duration_ms("30s", &ms), 0);
	ck_assert_uint_eq(ms, 30000);
	ck_assert_int_eq(parse_duration_ms("30", &ms), 0);
	ck_assert_uint_eq(ms, 30000);
	ck_assert_int_eq(parse_duration_ms("5m", &ms), 0);
	ck_assert_uint_eq(ms, 300000);
	ck_assert_int_eq(parse_duration_ms("2h", &ms), 0);
	ck_assert_uint_eq(ms, 7200000);
	ck_assert_int_eq(parse_duration_ms("1d", &ms), 0);
	ck_assert_uint_eq(ms, 86400000);
}
END_TEST

START_TEST(duration_malformed)
{
	static const char *bad[] = { "", "s", "-1s", "1x", "1 s", " 1s",
	    "1.5s", "99999999999999999999s", "18446744073709551615d" };
	uint64_t ms;
	size_t i;

	for (i = 0; i < nitems(bad); i++)
		ck_assert_msg(parse_duration_ms(bad[i], &ms) == -1,
		    "accepted \"%s\"", bad[i]);
}
END_TEST

START_TEST(size_units)
{
	uint64_t b;

	ck_assert_int_eq(parse_size("512", &b), 0);
	ck_assert_uint_eq(b, 512);
	ck_assert_int_eq(parse_size("16KiB", &b), 0);
	ck_assert_uint_eq(b, 16384);
	ck_assert_int_eq(parse_size("1M", &b), 0);
	ck_assert_uint_eq(b, 1048576);
	ck_assert_int_eq(parse_size("1x", &b), -1);
	ck_assert_int_eq(parse_size("17179869184G", &b), -1);
}
END_TEST

START_TEST(int_and_bool)
{
	int64_t v;

	ck_assert_int_eq(parse_int64("42", 0, 100, &v), 0);
	ck_assert_int_eq(v, 42);
	ck_assert_int_eq(parse_int64("101", 0, 100, &v), -1);
	ck_assert_int_eq(parse_int64("4x", 0, 100, &v), -1);
	ck_assert_int_eq(parse_int64("", 0, 100, &v), -1);
	ck_assert_int_eq(parse_bool("yes"), 1);
	ck_assert_int_eq(parse_bool("off"), 0);
	ck_assert_int_eq(parse_bool("maybe"), -1);
}
END_TEST

START_TEST(strlcpy_truncates)
{
	char buf[4];

	ck_assert_uint_eq(ssd_strlcpy(buf, "abcdef", sizeof(buf)), 6);
	ck_assert_str_eq(buf, "abc");
}
END_TEST

START_TEST(utf8)
{
	static const struct {
		const char	*s;
		int		 ok;
	} cases[] = {
		{ "plain ascii", 1 },
		{ "\xc3\xbc \xe2\x82\xac \xf0\x9f\x98\x80", 1 },	/* ü € emoji */
		{ "\xff", 0 },
		{ "\xc3", 0 },				/* truncated */
		{ "\xc0\xaf", 0 },			/* overlong '/' */
		{ "\xe0\x80\xaf", 0 },		/* overlong, 3 bytes */
		{ "\xed\xa0\x80", 0 },		/* surrogate */
		{ "\xf4\x90\x80\x80", 0 },		/* beyond U+10FFFF */
		{ "\xe2\x82", 0 },			/* truncated € */
		{ "a\x80" "b", 0 },			/* stray continuation */
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(utf8_valid((const uint8_t *)cases[i].s,
		    strlen(cases[i].s)) == cases[i].ok, "case %zu", i);
}
END_TEST

START_TEST(fnv1a_vectors)
{
	/* The published FNV-1a 32-bit test vectors. */
	ck_assert_uint_eq(fnv1a(""), 0x811c9dc5u);
	ck_assert_uint_eq(fnv1a("a"), 0xe40c292cu);
	ck_assert_uint_eq(fnv1a("foobar"), 0xbf9cf968u);
	/* And the 64-bit ones. */
	ck_assert_uint_eq(fnv1a64(""), 0xcbf29ce484222325ULL);
	ck_assert_uint_eq(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
	ck_assert_uint_eq(fnv1a64("foobar"), 0x85944171f73967e8ULL);
}
END_TEST

/* Exponential, capped; with jitter within (0, that]. */
START_TEST(backoff)
{
	uint64_t d;
	unsigned a;
	int i;

	ck_assert_uint_eq(backoff_ms(0, 1000, 60000, 0), 1000);
	ck_assert_uint_eq(backoff_ms(1, 1000, 60000, 0), 2000);
	ck_assert_uint_eq(backoff_ms(5, 1000, 60000, 0), 32000);
	ck_assert_uint_eq(backoff_ms(6, 1000, 60000, 0), 60000);
	ck_assert_uint_eq(backoff_ms(4000000000u, 1000, 60000, 0), 60000);
	ck_assert_uint_eq(backoff_ms(3, 1000, 500, 0), 500);
	for (a = 0; a < 12; a++)
		for (i = 0; i < 200; i++) {
			d = backoff_ms(a, 250, 30000, 1);
			ck_assert(d >= 1 && d <= backoff_ms(a, 250, 30000, 0));
		}
}
END_TEST

START_TEST(random_hex_fills)
{
	char a[65], b[65];

	memset(a, 'x', sizeof(a));
	random_hex(a, 32);
	random_hex(b, 32);
	ck_assert_uint_eq(strlen(a), 64);
	ck_assert_uint_eq(strspn(a, "0123456789abcdef"), 64);
	ck_assert_str_ne(a, b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("parse");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, duration_units);
	tcase_add_test(tc, duration_malformed);
	tcase_add_test(tc, size_units);
	tcase_add_test(tc, int_and_bool);
	tcase_add_test(tc, strlcpy_truncates);
	tcase_add_test(tc, utf8);
	tcase_add_test(tc, fnv1a_vectors);
	tcase_add_test(tc, backoff);
	tcase_add_test(tc, random_hex_fills);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
