/*
 * test_metrics.c - the metrics registry, its snapshot, the checks and the
 * merge of snapshots into the text and OpenMetrics formats, Accept
 * negotiation, and the /proc/self/stat reader, with malformed input.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "metrics.h"
#include "metrics_expo.h"
#include "metrics_proc.h"
#include "util.h"

/* The snapshot's records, as text ("" when empty), NUL-terminated. */
static char *
snapshot_text(struct evbuffer *b)
{
	size_t len = evbuffer_get_length(b);
	char *s = xmalloc(len + 1);

	evbuffer_copyout(b, s, len);
	s[len] = '\0';
	return s;
}

static char *
expose(const struct metrics_source *src, size_t n, enum metrics_format fmt)
{
	struct evbuffer *out = evbuffer_new();
	char *s;

	metrics_expose(out, fmt, src, n);
	s = snapshot_text(out);
	evbuffer_free(out);
	return s;
}

/* A snapshot of this process's registry, checked, as one source. */
static struct evbuffer *
snap(void)
{
	struct evbuffer *b = evbuffer_new();
	const char *why;

	metrics_snapshot(b, 1 << 20);
	ck_assert_int_eq(metrics_snapshot_check(evbuffer_pullup(b, -1),
	    evbuffer_get_length(b), &why), 0);
	return b;
}

static char *
expose_self(enum metrics_format fmt)
{
	struct evbuffer *b = snap();
	struct metrics_source src = { "ssd-test", evbuffer_pullup(b, -1),
	    evbuffer_get_length(b), 0 };
	char *s = expose(&src, 1, fmt);

	evbuffer_free(b);
	return s;
}

START_TEST(counters_and_labels)
{
	char *s;

	metrics_init("ssd-test");
	metrics_add(M_LOGINS, ML("success"), 2);
	metrics_add(M_LOGINS, ML("success"), 1);
	metrics_add(M_HTTP_REQUESTS, ML("/a/\"b\"\\c", "GET", "2xx"), 1);
	metrics_add(M_HTTP_REQUESTS, ML("line\nbreak", "GET", "4xx"), 1);
	metrics_set(M_WORKER_UP, ML("ssd-hub"), 1);
	s = expose_self(METRICS_TEXT);
	ck_assert_ptr_nonnull(strstr(s, "# TYPE ssd_api_logins_total counter\n"
	    "ssd_api_logins_total{worker=\"ssd-test\",result=\"success\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(s, "route=\"/a/\\\"b\\\"\\\\c\","));
	ck_assert_ptr_nonnull(strstr(s, "route=\"line?break\","));
	/* Its own worker label is not doubled by the process's. */
	ck_assert_ptr_nonnull(strstr(s, "ssd_worker_up{worker=\"ssd-hub\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(s, "ssd_metrics_stale{worker=\"ssd-test\"} "
	    "0\n"));
	free(s);
	/* Disabled: nothing counts. */
	metrics_enable(0);
	metrics_add(M_LOGINS, ML("success"), 10);
	metrics_enable(1);
	s = expose_self(METRICS_TEXT);
	ck_assert_ptr_nonnull(strstr(s, "result=\"success\"} 3\n"));
	free(s);
}
END_TEST

START_TEST(histograms_and_gauges)
{
	char *s;

	metrics_init("ssd-test");
	metrics_observe(M_RELAY_OPEN_DURATION, NULL, 0.003);
	metrics_observe(M_RELAY_OPEN_DURATION, NULL, 0.2);
	metrics_observe(M_RELAY_OPEN_DURATION, NULL, 60);
	metrics_set(M_SESSIONS, ML("running", "kubernetes"), 4);
	metrics_clear(M_SESSIONS);
	metrics_set(M_SESSIONS, ML("pending", "kubernetes"), 1.5);
	s = expose_self(METRICS_TEXT);
	ck_assert_ptr_nonnull(strstr(s, "ssd_relay_stream_open_duration_seconds"
	    "_bucket{worker=\"ssd-test\",le=\"0.005\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(s, "le=\"0.25\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(s, "le=\"10\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(s, "le=\"+Inf\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(s, "_count{worker=\"ssd-test\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(s, "_sum{worker=\"ssd-test\"} 60.203\n"));
	ck_assert_ptr_null(strstr(s, "state=\"running\""));
	ck_assert_ptr_nonnull(strstr(s, "state=\"pending\",platform="
	    "\"kubernetes\"} 1.5\n"));
	free(s);
}
END_TEST

START_TEST(series_bound)
{
	char route[32], *s;
	int i;

	metrics_init("ssd-test");
	for (i = 0; i < METRICS_SERIES_MAX + 10; i++) {
		snprintf(route, sizeof(route), "/r%d", i);
		metrics_add(M_HTTP_REQUESTS, ML(route, "GET", "2xx"), 1);
	}
	s = expose_self(METRICS_TEXT);
	ck_assert_ptr_nonnull(strstr(s, "{worker=\"ssd-test\",route=\"other\","
	    "method=\"other\",code=\"other\"} 10\n"));
	ck_assert_ptr_null(strstr(s, "route=\"/r2000\""));
	free(s);
}
END_TEST

static void
write_two(struct evbuffer *out)
{
	metrics_sample_to(out, M_AGENT_STATUS, ML("a1", "online"), 1);
	metrics_sample_to(out, M_AGENT_STATUS, ML("a1", "offline"), 0);
}

START_TEST(formats_and_merge)
{
	struct evbuffer *a, *b;
	struct metrics_source src[3];
	char *s, *p;

	metrics_init("ssd-hub");
	metrics_writer(M_AGENT_STATUS, write_two);
	metrics_add(M_SESSION_FAILURES, ML("lost"), 1);
	a = snap();
	metrics_init("ssd-relay[0]");
	metrics_add(M_VNC_FAILURES, ML("timeout"), 2);
	metrics_set(M_PROCESS_FDS, NULL, 7);
	b = snap();
	src[0] = (struct metrics_source){ "ssd-hub", evbuffer_pullup(a, -1),
	    evbuffer_get_length(a), 0 };
	src[1] = (struct metrics_source){ "ssd-relay[0]",
	    evbuffer_pullup(b, -1), evbuffer_get_length(b), 1 };
	src[2] = (struct metrics_source){ "ssd-relay[1]", NULL, 0, 1 };
	s = expose(src, 3, METRICS_OPENMETRICS);
	ck_assert_ptr_nonnull(strstr(s, "# TYPE streamspace_agent_status gauge\n"
	    "streamspace_agent_status{worker=\"ssd-hub\",agent_id=\"a1\","
	    "status=\"online\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(s, "# TYPE streamspace_session_failures "
	    "counter\nstreamspace_session_failures_total{"));
	ck_assert_ptr_nonnull(strstr(s, "ssd_metrics_stale{worker=\"ssd-relay"
	    "[0]\"} 1\nssd_metrics_stale{worker=\"ssd-relay[1]\"} 1\n"));
	ck_assert_int_eq(strcmp(s + strlen(s) - 6, "# EOF\n"), 0);
	/* One HELP and TYPE per family, however many sources have it. */
	p = strstr(s, "# TYPE process_open_fds");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_null(strstr(p + 1, "# TYPE process_open_fds"));
	free(s);
	s = expose(src, 3, METRICS_TEXT);
	ck_assert_ptr_nonnull(strstr(s, "# HELP "
	    "streamspace_vnc_connection_failures_total "));
	ck_assert_ptr_nonnull(strstr(s, "# TYPE "
	    "streamspace_vnc_connection_failures_total counter\n"));
	ck_assert_ptr_null(strstr(s, "# EOF"));
	free(s);
	evbuffer_free(a);
	evbuffer_free(b);
}
END_TEST

/* A record of family id holding text, appended to b. */
static void
rec(struct evbuffer *b, unsigned id, const char *text)
{
	struct metrics_rec r = { (uint16_t)id, 0, (uint32_t)strlen(text) };

	evbuffer_add(b, &r, sizeof(r));
	evbuffer_add(b, text, strlen(text));
}

static int
check(struct evbuffer *b)
{
	const char *why = NULL;
	int rc;

	rc = metrics_snapshot_check(evbuffer_pullup(b, -1),
	    evbuffer_get_length(b), &why);
	ck_assert(rc == 0 || why != NULL);
	evbuffer_drain(b, evbuffer_get_length(b));
	return rc;
}

START_TEST(malformed_snapshots)
{
	struct evbuffer *b = evbuffer_new();
	struct metrics_rec r = { M_LOGINS, 0, 100 };

	rec(b, M_LOGINS, "ssd_api_logins_total{result=\"x\"} 1\n");
	ck_assert_int_eq(check(b), 0);
	ck_assert_int_eq(check(b), 0);		/* empty is fine */
	evbuffer_add(b, &r, 4);
	ck_assert_int_eq(check(b), -1);		/* truncated header */
	evbuffer_add(b, &r, sizeof(r));
	evbuffer_add(b, "ssd_api_logins_total 1\n", 23);
	ck_assert_int_eq(check(b), -1);		/* length past the end */
	rec(b, M_COUNT, "x 1\n");
	ck_assert_int_eq(check(b), -1);		/* unknown family */
	rec(b, M_LOGINS, "ssd_api_logins_total 1\n");
	rec(b, M_LOGINS, "ssd_api_logins_total 2\n");
	ck_assert_int_eq(check(b), -1);		/* family twice */
	rec(b, M_LOGINS, "ssd_worker_up{worker=\"x\"} 1\n");
	ck_assert_int_eq(check(b), -1);		/* another family's line */
	rec(b, M_LOGINS, "ssd_api_logins 1\n");
	ck_assert_int_eq(check(b), -1);		/* a counter without _total */
	rec(b, M_LOGINS, "ssd_api_logins_totalx 1\n");
	ck_assert_int_eq(check(b), -1);
	rec(b, M_LOGINS, "ssd_api_logins_total 1");
	ck_assert_int_eq(check(b), -1);		/* no final newline */
	rec(b, M_LOGINS, "ssd_api_logins_total 1\n# TYPE x gauge\n");
	ck_assert_int_eq(check(b), -1);		/* a comment smuggled in */
	rec(b, M_LOGINS, "ssd_api_logins_total{a=\"\x01\"} 1\n");
	ck_assert_int_eq(check(b), -1);		/* control character */
	rec(b, M_RELAY_OPEN_DURATION,
	    "ssd_relay_stream_open_duration_seconds_bucket{le=\"1\"} 1\n"
	    "ssd_relay_stream_open_duration_seconds_sum 1\n");
	ck_assert_int_eq(check(b), 0);
	r.len = 0;
	evbuffer_add(b, &r, sizeof(r));
	ck_assert_int_eq(check(b), -1);		/* an empty record */
	evbuffer_free(b);
}
END_TEST

START_TEST(negotiation)
{
	const char *prom = "application/openmetrics-text;version=1.0.0,"
	    "application/openmetrics-text;version=0.0.1;q=0.75,"
	    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
	const char *plain = "text/plain;version=0.0.4;q=1,"
	    "application/openmetrics-text;q=0.5";

	ck_assert_int_eq(metrics_negotiate(NULL, 0), METRICS_TEXT);
	ck_assert_int_eq(metrics_negotiate(prom, strlen(prom)),
	    METRICS_OPENMETRICS);
	ck_assert_int_eq(metrics_negotiate(plain, strlen(plain)),
	    METRICS_TEXT);
	ck_assert_int_eq(metrics_negotiate("*/*", 3), METRICS_TEXT);
	ck_assert_int_eq(metrics_negotiate("application/openmetrics-text; "
	    "q=0", 33), METRICS_TEXT);
	ck_assert_int_eq(metrics_negotiate("APPLICATION/OPENMETRICS-TEXT", 28),
	    METRICS_OPENMETRICS);
	ck_assert_int_eq(metrics_negotiate(",,;;q=,", 7), METRICS_TEXT);
	/* Only len bytes count. */
	ck_assert_int_eq(metrics_negotiate(prom, 10), METRICS_TEXT);
	ck_assert_str_eq(metrics_content_type(METRICS_TEXT),
	    "text/plain; version=0.0.4; charset=utf-8");
}
END_TEST

START_TEST(proc_stat)
{
	const char *ok = "4242 (ssd (x) y) S 1 4242 4242 0 -1 4194560 300 0 "
	    "0 0 17 9 0 0 20 0 1 0 12345 23621632 2264 18446744073709551615 "
	    "1 1 0 0 0 0 0 4096 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
	const char *bad[] = { "", "4242 ssd S 1", "4242 (ssd) S 1 2 3",
	    "4242 (ssd)S 1 4242 4242 0 -1 4194560 300 0 0 0 17 9 0 0 20 0 1 0 "
	    "12345 23621632 2264 1 1 1",
	    "4242 (ssd) S 1 4242 4242 0 -1 4194560 300 0 0 0 x7 9 0 0 20 0 1 "
	    "0 12345 23621632 2264 1 1 1" };
	struct proc_stat st;
	size_t i;

	ck_assert_int_eq(metrics_proc_parse_stat(ok, strlen(ok), &st), 0);
	ck_assert_uint_eq(st.utime, 17);
	ck_assert_uint_eq(st.stime, 9);
	ck_assert_uint_eq(st.vsize, 23621632);
	ck_assert_uint_eq(st.rss, 2264);
	for (i = 0; i < nitems(bad); i++)
		ck_assert_int_eq(metrics_proc_parse_stat(bad[i], strlen(bad[i]),
		    &st), -1);
}
END_TEST

START_TEST(table)
{
	const struct metric_def *d;
	int i;

	for (i = 0; i < M_COUNT; i++) {
		d = metrics_def((enum metric_id)i);
		/* HELP text needs no escaping; counters carry no suffix. */
		ck_assert_ptr_null(strpbrk(d->help, "\\\n"));
		ck_assert(strlen(d->name) < 6 ||
		    strcmp(d->name + strlen(d->name) - 6, "_total") != 0);
		ck_assert((d->type == METRIC_HISTOGRAM) ==
		    (d->buckets != MB_NONE));
	}
}
END_TEST

START_TEST(values)
{
	char v[40];

	metrics_format_value(v, sizeof(v), 0.05);
	ck_assert_str_eq(v, "0.05");
	metrics_format_value(v, sizeof(v), 1796618570.979);
	ck_assert_str_eq(v, "1796618570.979");
	metrics_format_value(v, sizeof(v), 3);
	ck_assert_str_eq(v, "3");
	metrics_format_value(v, sizeof(v), 1.0 / 0.0);
	ck_assert_str_eq(v, "+Inf");
	metrics_format_value(v, sizeof(v), 0.0 / 0.0);
	ck_assert_str_eq(v, "NaN");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("metrics");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, counters_and_labels);
	tcase_add_test(tc, histograms_and_gauges);
	tcase_add_test(tc, series_bound);
	tcase_add_test(tc, formats_and_merge);
	tcase_add_test(tc, malformed_snapshots);
	tcase_add_test(tc, negotiation);
	tcase_add_test(tc, proc_stat);
	tcase_add_test(tc, table);
	tcase_add_test(tc, values);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
