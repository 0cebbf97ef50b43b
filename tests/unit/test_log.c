/*
 * test_log.c - common/log.c's limiter: repeats and floods of one kind of
 * line held back and counted, said once; lines of different objects never
 * taken for repeats; nothing held back lost when its table is full.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "util.h"

static FILE *captured;

/* Standard error goes to a file from here on (each test is forked). */
static void
capture(void)
{
	captured = tmpfile();
	ck_assert_ptr_nonnull(captured);
	ck_assert_int_ne(dup2(fileno(captured), STDERR_FILENO), -1);
	log_init("test", -1, LOG_TARGET_STDERR);
	log_setlevel(SSD_LOG_INFO);
}

/* What was logged so far, NUL-terminated (freed by the caller). */
static char *
logged(void)
{
	off_t n = lseek(STDERR_FILENO, 0, SEEK_END);
	char *s;

	ck_assert_int_ge(n, 0);
	s = xcalloc(1, (size_t)n + 1);
	ck_assert_int_eq(pread(STDERR_FILENO, s, (size_t)n, 0), n);
	return s;
}

static unsigned
count(const char *hay, const char *needle)
{
	unsigned n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

START_TEST(repeats_counted)
{
	char *s;
	int i;

	capture();
	log_set_limits(60000, 3, 0);
	for (i = 0; i < 10; i++)
		log_warnx("agent a: heartbeat not recorded");
	s = logged();
	ck_assert_uint_eq(count(s, "agent a: heartbeat not recorded"), 3);
	free(s);
	log_flush(1);
	s = logged();
	ck_assert_uint_eq(count(s, "agent a: heartbeat not recorded "
	    "[repeated 7 more times]"), 1);
	free(s);
}
END_TEST

/* Agent b's line is shown while agent a's repeats are held back. */
START_TEST(objects_apart)
{
	char *s, what[32];
	int i, j;

	capture();
	log_set_limits(60000, 1, 0);
	for (i = 0; i < 3; i++)
		for (j = 0; j < 5; j++)
			log_warnx("agent %c: link closed", 'a' + j);
	s = logged();
	for (j = 0; j < 5; j++) {
		snprintf(what, sizeof(what), "agent %c: link closed\n",
		    'a' + j);
		ck_assert_uint_eq(count(s, what), 1);
	}
	free(s);
	log_flush(1);
	s = logged();
	ck_assert_uint_eq(count(s, "[repeated 2 more times]"), 5);
	ck_assert_uint_eq(count(s, "agent c: link closed [repeated 2 more "
	    "times]"), 1);
	free(s);
}
END_TEST

START_TEST(similar_lines)
{
	char *s;
	int i;

	capture();
	log_set_limits(60000, 5, 10);
	for (i = 0; i < 50; i++)
		log_info("127.0.0.1:%d: token refused: bad signature",
		    40000 + i);
	log_info("another kind of line");
	s = logged();
	ck_assert_uint_eq(count(s, ": token refused"), 10);
	ck_assert_uint_eq(count(s, "another kind of line"), 1);
	free(s);
	log_flush(1);
	s = logged();
	ck_assert_uint_eq(count(s, "40 similar lines suppressed, the first: "
	    "127.0.0.1:40010: token refused"), 1);
	free(s);
}
END_TEST

/*
 * More different lines of one format than the tables hold: their format's
 * count is not pushed out by them (it was, and each push showed 10 more).
 */
START_TEST(similar_many)
{
	char *s;
	int i;

	capture();
	log_set_limits(60000, 5, 10);
	for (i = 0; i < 2000; i++)
		log_info("127.0.0.1:%d: token refused: bad signature",
		    10000 + i);
	s = logged();
	ck_assert_uint_eq(count(s, ": token refused"), 10);
	free(s);
	log_flush(1);
	s = logged();
	ck_assert_uint_eq(count(s, "1990 similar lines suppressed"), 1);
	free(s);
}
END_TEST

/* An interval over: its summary, then the line is shown again. */
START_TEST(interval_ends)
{
	char *s;

	capture();
	log_set_limits(100, 1, 0);
	log_warnx("same");
	log_warnx("same");
	usleep(150 * 1000);
	log_flush(0);
	log_warnx("same");
	s = logged();
	ck_assert_uint_eq(count(s, "]: same\n"), 2);
	ck_assert_uint_eq(count(s, "]: same [repeated 1 more times]\n"), 1);
	ck_assert_ptr_nonnull(strstr(strstr(s, "[repeated"), "]: same\n"));
	free(s);
}
END_TEST

/* More kinds than the table holds: each one summed up, none lost. */
START_TEST(table_full)
{
	char *s;
	int i;

	capture();
	log_set_limits(60000, 1, 0);
	for (i = 0; i < 5000; i++) {
		log_warnx("session s-%d: refused", i);
		log_warnx("session s-%d: refused", i);
	}
	log_flush(1);
	s = logged();
	ck_assert_uint_eq(count(s, ": refused\n"), 5000);
	ck_assert_uint_eq(count(s, ": refused [repeated 1 more times]\n"),
	    5000);
	free(s);
}
END_TEST

START_TEST(debug_and_off)
{
	char *s;
	int i;

	capture();
	log_setlevel(SSD_LOG_DEBUG);
	log_set_limits(60000, 1, 1);
	for (i = 0; i < 20; i++)
		log_debug("asked for");
	log_set_limits(60000, 0, 0);
	for (i = 0; i < 20; i++)
		log_warnx("no limit");
	s = logged();
	ck_assert_uint_eq(count(s, "asked for"), 20);
	ck_assert_uint_eq(count(s, "no limit"), 20);
	free(s);
}
END_TEST

/* Programs that never read settings (the agent) limit as ssd does. */
START_TEST(defaults_are_the_settings)
{
	struct conf *c = conf_new();

	ck_assert_uint_eq(conf_ms(c, S_LOG_LIMIT_INTERVAL),
	    LOG_LIMIT_INTERVAL_MS);
	ck_assert_int_eq(conf_int(c, S_LOG_REPEAT_MAX), LOG_LIMIT_SAME);
	ck_assert_int_eq(conf_int(c, S_LOG_SIMILAR_MAX), LOG_LIMIT_SIMILAR);
	conf_free(c);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("limits");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, repeats_counted);
	tcase_add_test(tc, objects_apart);
	tcase_add_test(tc, similar_lines);
	tcase_add_test(tc, similar_many);
	tcase_add_test(tc, interval_ends);
	tcase_add_test(tc, table_full);
	tcase_add_test(tc, debug_and_off);
	tcase_add_test(tc, defaults_are_the_settings);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
