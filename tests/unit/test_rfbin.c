/*
 * test_rfbin.c - the relay's reading of what a viewer sends
 * (ssd-relay/rfbin.c): an untouched noVNC stream is no input however
 * it is cut, keys, pointer and clipboard are, and what cannot be
 * followed counts as input from then on.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "rfbin.h"

/* What noVNC sends before any input: handshake, format, encodings. */
static const uint8_t hello_none[] = "RFB 003.008\n\x01\x01";
static const uint8_t setup[] = {
	0, 0, 0, 0, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0,
	2, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 7, 0xff, 0xff, 0xff, 0x21,
	3, 1, 0, 0, 0, 0, 4, 0, 3, 0,
	248, 0, 0, 0, 0, 0, 0, 3, 4, 'a', 'b', 'c', 'd',
	150, 1, 0, 0, 0, 0, 4, 0, 3, 0,
	251, 0, 4, 0, 3, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 4, 0, 3, 0,
	0, 0, 0, 0,
};
static const uint8_t request[] = { 3, 1, 0, 0, 0, 0, 4, 0, 3, 0 };
static const uint8_t pointer[] = { 5, 1, 0, 10, 0, 20 };
static const uint8_t key[] = { 4, 1, 0, 0, 0, 0, 0, 0x61 };
static const uint8_t cut[] = { 6, 0, 0, 0, 0, 0, 0, 3, 'x', 'y', 'z' };

/* Feeds p in pieces of step bytes: 1 when any piece held input. */
static int
feed(struct rfbin *r, const uint8_t *p, size_t n, size_t step)
{
	int input = 0;
	size_t i, k;

	for (i = 0; i < n; i += k) {
		k = n - i < step ? n - i : step;
		input |= rfbin_feed(r, p + i, k);
	}
	return input;
}

START_TEST(untouched_viewer)
{
	struct rfbin r;
	size_t step;
	int i;

	for (step = 1; step <= 64; step++) {
		rfbin_init(&r);
		ck_assert_int_eq(feed(&r, hello_none, sizeof(hello_none) - 1,
		    step), 0);
		ck_assert_int_eq(feed(&r, setup, sizeof(setup), step), 0);
		for (i = 0; i < 20; i++)
			ck_assert_int_eq(feed(&r, request, sizeof(request),
			    step), 0);
		ck_assert(!rfbin_lost(&r));
	}
}
END_TEST

START_TEST(input)
{
	const uint8_t *inputs[] = { pointer, key, cut };
	const size_t lens[] = { sizeof(pointer), sizeof(key), sizeof(cut) };
	static const uint8_t qemu_key[] = { 255, 0, 0, 1, 0, 0, 0, 0x61, 0, 0,
	    0, 30 };
	static const uint8_t qemu_audio[] = { 255, 1, 0, 2, 3, 2, 0, 0, 0x56,
	    0x22, 255, 1, 0, 0 };
	struct rfbin r;
	size_t i, step;

	for (i = 0; i < 3; i++)
		for (step = 1; step <= 16; step++) {
			rfbin_init(&r);
			feed(&r, hello_none, sizeof(hello_none) - 1, step);
			ck_assert_int_eq(feed(&r, inputs[i], lens[i], step), 1);
			ck_assert_int_eq(feed(&r, request, sizeof(request),
			    step), 0);
		}
	rfbin_init(&r);
	feed(&r, hello_none, sizeof(hello_none) - 1, 5);
	ck_assert_int_eq(feed(&r, qemu_audio, sizeof(qemu_audio), 3), 0);
	ck_assert_int_eq(feed(&r, qemu_key, sizeof(qemu_key), 5), 1);
	ck_assert_int_eq(feed(&r, request, sizeof(request), 10), 0);
	ck_assert(!rfbin_lost(&r));
}
END_TEST

START_TEST(vnc_authentication)
{
	static const uint8_t hello_auth[] = "RFB 003.008\n\x02"
	    "0123456789abcdef\x01";
	struct rfbin r;

	rfbin_init(&r);
	ck_assert_int_eq(feed(&r, hello_auth, sizeof(hello_auth) - 1, 7), 0);
	ck_assert_int_eq(feed(&r, request, sizeof(request), 10), 0);
	ck_assert_int_eq(feed(&r, pointer, sizeof(pointer), 6), 1);
}
END_TEST

START_TEST(not_followed)
{
	static const uint8_t unknown[] = { 77, 1, 2, 3 };
	struct rfbin r;

	/* RFB 3.3: the client does not say what security it uses. */
	rfbin_init(&r);
	rfbin_feed(&r, (const uint8_t *)"RFB 003.003\n", 12);
	ck_assert(rfbin_lost(&r));
	ck_assert_int_eq(rfbin_feed(&r, request, sizeof(request)), 1);
	/* Not RFB at all. */
	rfbin_init(&r);
	ck_assert_int_eq(rfbin_feed(&r, (const uint8_t *)"GET / HTTP/1.1\r\n",
	    16), 1);
	/* A security type it cannot follow (VeNCrypt). */
	rfbin_init(&r);
	rfbin_feed(&r, (const uint8_t *)"RFB 003.008\n\x13", 13);
	ck_assert(rfbin_lost(&r));
	/* A message it does not know. */
	rfbin_init(&r);
	feed(&r, hello_none, sizeof(hello_none) - 1, 4);
	ck_assert_int_eq(rfbin_feed(&r, unknown, sizeof(unknown)), 1);
	ck_assert(rfbin_lost(&r));
	ck_assert_int_eq(rfbin_feed(&r, request, sizeof(request)), 1);
	/* QEMU audio with an operation it does not know. */
	rfbin_init(&r);
	feed(&r, hello_none, sizeof(hello_none) - 1, 14);
	ck_assert_int_eq(rfbin_feed(&r, (const uint8_t *)"\xff\x01\x00\x09",
	    4), 1);
	ck_assert(rfbin_lost(&r));
}
END_TEST

START_TEST(long_payloads)
{
	static uint8_t big[8 + 70000];
	struct rfbin r;

	/* A 70000-byte clipboard, then requests: skipped by count. */
	memset(big, 'q', sizeof(big));
	memcpy(big, "\x06\x00\x00\x00\x00\x01\x11\x70", 8);
	rfbin_init(&r);
	feed(&r, hello_none, sizeof(hello_none) - 1, 14);
	ck_assert_int_eq(feed(&r, big, sizeof(big), 4096), 1);
	ck_assert_int_eq(feed(&r, request, sizeof(request), 3), 0);
	ck_assert(!rfbin_lost(&r));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("rfbin");
	TCase *tc = tcase_create("rfbin");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, untouched_viewer);
	tcase_add_test(tc, input);
	tcase_add_test(tc, vnc_authentication);
	tcase_add_test(tc, not_followed);
	tcase_add_test(tc, long_payloads);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
