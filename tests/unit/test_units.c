/*
 * test_units.c - quantities and policy durations as users write them:
 * exact values, rounding up, and each way a value is refused.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "units.h"

static uint64_t
bytes(const char *s)
{
	const char *why;
	uint64_t v;

	ck_assert_msg(units_quantity_bytes(s, &v, &why) == 0, "%s: %s", s,
	    why);
	return v;
}

static uint64_t
millis(const char *s)
{
	const char *why;
	uint64_t v;

	ck_assert_msg(units_quantity_millis(s, &v, &why) == 0, "%s: %s", s,
	    why);
	return v;
}

static const char *
bad_quantity(const char *s)
{
	const char *why = NULL;
	uint64_t v;

	ck_assert_int_eq(units_quantity_bytes(s, &v, &why), -1);
	ck_assert_ptr_nonnull(why);
	return why;
}

START_TEST(quantities)
{
	char out[UNITS_QUANTITY_MAX + 1];

	ck_assert_uint_eq(bytes("10Gi"), 10ULL << 30);
	ck_assert_uint_eq(bytes("1.5Gi"), 1610612736ULL);
	ck_assert_uint_eq(bytes("2G"), 2000000000ULL);
	ck_assert_uint_eq(bytes("1.2k"), 1200);	/* exact, not 1201 */
	ck_assert_uint_eq(bytes("1."), 1);	/* as Kubernetes reads it */
	ck_assert_uint_eq(bytes("2.Gi"), 2ULL << 30);
	ck_assert_uint_eq(bytes("1e3"), 1000);
	ck_assert_uint_eq(bytes("1E-3"), 1);	/* rounded up */
	ck_assert_uint_eq(bytes("0.5"), 1);
	ck_assert_uint_eq(bytes("0"), 0);
	ck_assert_uint_eq(bytes(".5Ki"), 512);
	ck_assert_uint_eq(bytes("1.50Mi"), 1572864);
	ck_assert_uint_eq(bytes("7Ei"), 7ULL << 60);
	ck_assert_uint_eq(millis("250m"), 250);
	ck_assert_uint_eq(millis("2"), 2000);
	ck_assert_uint_eq(millis("0.1"), 100);
	ck_assert_uint_eq(millis("100u"), 1);
	ck_assert_uint_eq(millis("1n"), 1);
	units_bytes_quantity(10ULL << 30, out, sizeof(out));
	ck_assert_str_eq(out, "10Gi");
	units_bytes_quantity(1536ULL << 20, out, sizeof(out));
	ck_assert_str_eq(out, "1536Mi");
	units_bytes_quantity(1000, out, sizeof(out));
	ck_assert_str_eq(out, "1000");
	units_bytes_quantity(0, out, sizeof(out));
	ck_assert_str_eq(out, "0");
}
END_TEST

START_TEST(quantities_refused)
{
	ck_assert_str_eq(bad_quantity("-1Gi"), "must not be negative");
	bad_quantity("");
	bad_quantity("Gi");
	bad_quantity("10 Gi");
	bad_quantity("10GB");
	bad_quantity("10gi");
	bad_quantity("1.2.3");
	bad_quantity(".");
	bad_quantity("+5");
	bad_quantity("1e");
	bad_quantity("0x10");
	ck_assert_str_eq(bad_quantity("8Ei"), "too large");
	ck_assert_str_eq(bad_quantity("1e19"), "too large");
	ck_assert_str_eq(bad_quantity("1e999"), "too large");
	ck_assert_uint_eq(bytes("9223372036854775807"), INT64_MAX);
	ck_assert_str_eq(bad_quantity("9223372036854775808"), "too large");
	ck_assert_str_eq(bad_quantity("123456789012345678901"),
	    "too many digits");
	ck_assert_uint_eq(bytes("0.000000000000000000001"), 1);
	bad_quantity("123456789012345678901234567890123");
}
END_TEST

static uint64_t
secs(const char *s)
{
	const char *why;
	uint64_t v;

	ck_assert_msg(units_duration(s, 366 * 86400, &v, &why) == 0, "%s: %s",
	    s, why);
	return v;
}

static const char *
bad_duration(const char *s)
{
	const char *why = NULL;
	uint64_t v;

	ck_assert_int_eq(units_duration(s, 366 * 86400, &v, &why), -1);
	ck_assert_ptr_nonnull(why);
	return why;
}

START_TEST(durations)
{
	char out[UNITS_DURATION_MAX + 1];

	ck_assert_uint_eq(secs("0"), 0);
	ck_assert_uint_eq(secs("90"), 90);
	ck_assert_uint_eq(secs("3s"), 3);
	ck_assert_uint_eq(secs("30m"), 1800);
	ck_assert_uint_eq(secs("1h30m"), 5400);
	ck_assert_uint_eq(secs("1d2h3m4s"), 93784);
	ck_assert_uint_eq(secs("366d"), 366 * 86400);
	units_duration_str(5400, out, sizeof(out));
	ck_assert_str_eq(out, "1h30m");
	units_duration_str(93784, out, sizeof(out));
	ck_assert_str_eq(out, "1d2h3m4s");
	units_duration_str(0, out, sizeof(out));
	ck_assert_str_eq(out, "0");
	units_duration_str(45, out, sizeof(out));
	ck_assert_str_eq(out, "45s");
}
END_TEST

START_TEST(durations_refused)
{
	ck_assert_str_eq(bad_duration("-5m"), "must not be negative");
	ck_assert_str_eq(bad_duration("5 fortnights"),
	    "unknown unit (s, m, h or d)");
	ck_assert_str_eq(bad_duration("5y"), "unknown unit (s, m, h or d)");
	ck_assert_str_eq(bad_duration("1.5h"),
	    "whole numbers only (90s, not 1.5m)");
	ck_assert_str_eq(bad_duration(""), "empty");
	ck_assert(strstr(bad_duration("367d"), "longest") != NULL);
	ck_assert(strstr(bad_duration("99999999999999999999999s"),
	    "longest") != NULL);
	ck_assert(strstr(bad_duration("366d1s"), "longest") != NULL);
	bad_duration("1h30");
	bad_duration("h");
	bad_duration("m5");
	bad_duration("1hh");
	bad_duration("123456789012345678901234567890123m");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("units");
	TCase *tc = tcase_create("units");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, quantities);
	tcase_add_test(tc, quantities_refused);
	tcase_add_test(tc, durations);
	tcase_add_test(tc, durations_refused);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
