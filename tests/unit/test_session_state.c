/*
 * test_session_state.c - the session state machine: the moves the design
 * allows, the ones it does not, and the SQL arrays built from it.
 */
#include "config.h"

#include <check.h>
#include <string.h>

#include "session_state.h"

START_TEST(allowed)
{
	ck_assert(session_transition_ok("pending", "starting"));
	ck_assert(session_transition_ok("starting", "running"));
	ck_assert(session_transition_ok("running", "hibernating"));
	ck_assert(session_transition_ok("hibernating", "hibernated"));
	ck_assert(session_transition_ok("hibernated", "waking"));
	ck_assert(session_transition_ok("waking", "running"));
	ck_assert(session_transition_ok("hibernated", "terminating"));
	ck_assert(session_transition_ok("terminating", "terminated"));
	ck_assert(session_transition_ok("waking", "failed"));
}
END_TEST

START_TEST(refused)
{
	ck_assert(!session_transition_ok("pending", "hibernating"));
	ck_assert(!session_transition_ok("hibernating", "waking"));
	ck_assert(!session_transition_ok("running", "waking"));
	ck_assert(!session_transition_ok("terminated", "running"));
	ck_assert(!session_transition_ok("failed", "terminating"));
	ck_assert(!session_transition_ok("terminating", "terminating"));
	ck_assert(!session_transition_ok("running", "nonsense"));
	ck_assert(!session_transition_ok("nonsense", "running"));
	ck_assert(session_state_final("terminated"));
	ck_assert(!session_state_final("running"));
}
END_TEST

START_TEST(arrays)
{
	char buf[256];

	ck_assert_int_eq(session_states_into("hibernating", buf, sizeof(buf)),
	    0);
	ck_assert_str_eq(buf, "{running}");
	ck_assert_int_eq(session_states_into("waking", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "{hibernated}");
	ck_assert_int_eq(session_states_into("terminating", buf, sizeof(buf)),
	    0);
	ck_assert_str_eq(buf, "{pending,starting,running,hibernating,"
	    "hibernated,waking}");
	ck_assert_int_eq(session_states_into("terminating", buf, 10), -1);
	ck_assert_int_eq(session_states_into("bogus", buf, sizeof(buf)), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("session_state");
	TCase *tc = tcase_create("session_state");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, allowed);
	tcase_add_test(tc, refused);
	tcase_add_test(tc, arrays);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
