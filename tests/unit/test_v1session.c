/*
 * test_v1session.c - common/v1session.c: StreamSpace v1.x Session objects
 * in both forms, the lists they come in, and what is refused.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "util.h"
#include "v1session.h"

/* What `kubectl get sessions -o json` prints for one v1.x session. */
static const char kube_item[] =
    "{\"apiVersion\":\"stream.space/v1alpha1\",\"kind\":\"Session\","
    "\"metadata\":{\"name\":\"bob-firefox-a1b2c3d4\",\"namespace\":"
    "\"streamspace\",\"uid\":\"0b6f3a54-6c43-4a8e-9d2e-4f1e6c1a0001\","
    "\"creationTimestamp\":\"2025-11-21T12:34:56Z\",\"labels\":{\"user\":"
    "\"bob\"},\"managedFields\":[{\"manager\":\"kubectl\"}]},"
    "\"spec\":{\"user\":\"bob\",\"template\":\"firefox-browser\","
    "\"state\":\"hibernated\",\"resources\":{\"memory\":\"2Gi\","
    "\"cpu\":\"1000m\"},\"persistentHome\":true,\"idleTimeout\":\"30m\","
    "\"maxSessionDuration\":\"8h\",\"tags\":[\"web\",\"team \\\"a\\\"\"]},"
    "\"status\":{\"phase\":\"Hibernated\",\"podName\":\"x\"}}";

/* The seeds' converted form: the v2.0 API's session object. */
static const char flat_item[] =
    "{\"name\":\"alice-gimp-00000001\",\"namespace\":\"streamspace\","
    "\"user\":\"alice\",\"template\":\"gimp\",\"state\":\"running\","
    "\"persistentHome\":false,\"resources\":{\"memory\":\"512Mi\","
    "\"cpu\":\"0.5\"},\"createdAt\":\"2025-11-20T08:00:00.123456Z\","
    "\"status\":{\"phase\":\"Running\"}}";

static cJSON *
parse(const char *text)
{
	cJSON *o = cJSON_Parse(text);

	ck_assert_msg(o != NULL, "fixture is not JSON: %s", text);
	return o;
}

START_TEST(kube_form)
{
	cJSON *o = parse(kube_item);
	struct v1_session s;
	char err[256];

	ck_assert_int_eq(v1_session_parse(o, &s, err, sizeof(err)), 0);
	ck_assert_str_eq(s.name, "bob-firefox-a1b2c3d4");
	ck_assert_str_eq(s.user, "bob");
	ck_assert_str_eq(s.template_name, "firefox-browser");
	ck_assert_str_eq(s.state, "hibernated");
	ck_assert_str_eq(s.namespace, "streamspace");
	ck_assert_str_eq(s.memory, "2Gi");
	ck_assert_str_eq(s.cpu, "1000m");
	ck_assert_int_eq(s.persistent_home, 1);
	ck_assert_str_eq(s.idle_timeout, "30m");
	ck_assert_str_eq(s.max_duration, "8h");
	ck_assert_str_eq(s.created, "2025-11-21T12:34:56Z");
	ck_assert_str_eq(s.uid, "0b6f3a54-6c43-4a8e-9d2e-4f1e6c1a0001");
	ck_assert_str_eq(s.tags, "{\"web\",\"team \\\"a\\\"\"}");
	v1_session_free(&s);
	cJSON_Delete(o);
}
END_TEST

START_TEST(flat_form)
{
	cJSON *o = parse(flat_item);
	struct v1_session s;
	char err[256];

	ck_assert_int_eq(v1_session_parse(o, &s, err, sizeof(err)), 0);
	ck_assert_str_eq(s.name, "alice-gimp-00000001");
	ck_assert_str_eq(s.user, "alice");
	ck_assert_str_eq(s.template_name, "gimp");
	ck_assert_str_eq(s.state, "running");
	ck_assert_int_eq(s.persistent_home, 0);
	ck_assert_str_eq(s.cpu, "0.5");
	ck_assert_str_eq(s.created, "2025-11-20T08:00:00.123456Z");
	ck_assert_ptr_null(s.uid);
	ck_assert_ptr_null(s.tags);
	v1_session_free(&s);
	cJSON_Delete(o);

	/* "id" names it when "name" does not; no state means running. */
	o = parse("{\"id\":\"x-1\",\"user\":\"u\",\"template\":\"t\"}");
	ck_assert_int_eq(v1_session_parse(o, &s, err, sizeof(err)), 0);
	ck_assert_str_eq(s.name, "x-1");
	ck_assert_str_eq(s.state, "running");
	ck_assert_int_eq(s.persistent_home, -1);
	v1_session_free(&s);
	cJSON_Delete(o);
}
END_TEST

START_TEST(lists)
{
	const char *ok[] = { "[]", "[1,2]", "{\"kind\":\"List\",\"items\":[{}]}",
	    "{\"apiVersion\":\"stream.space/v1alpha1\",\"items\":[]}" };
	const char *bad[] = { "{}", "1", "\"items\"", "null",
	    "{\"items\":{}}", "{\"items\":\"x\"}", "[1,2,3,4]" };
	char err[256];
	size_t i;
	cJSON *o;

	for (i = 0; i < nitems(ok); i++) {
		o = parse(ok[i]);
		ck_assert_msg(v1_session_items(o, 3, err, sizeof(err)) != NULL,
		    "refused %s: %s", ok[i], err);
		cJSON_Delete(o);
	}
	for (i = 0; i < nitems(bad); i++) {
		o = parse(bad[i]);
		ck_assert_msg(v1_session_items(o, 3, err, sizeof(err)) == NULL,
		    "took %s", bad[i]);
		cJSON_Delete(o);
	}
}
END_TEST

/* Each: the Kubernetes form with one thing wrong, or a flat one. */
START_TEST(refused)
{
	static const char *bad[] = {
	    "1", "[]", "null", "\"s\"",
	    "{}",
	    "{\"name\":\"n\",\"template\":\"t\"}",
	    "{\"name\":\"n\",\"user\":\"\",\"template\":\"t\"}",
	    "{\"name\":\"n\",\"user\":\"u\"}",
	    "{\"name\":\"N\",\"user\":\"u\",\"template\":\"t\"}",
	    "{\"name\":\"-n\",\"user\":\"u\",\"template\":\"t\"}",
	    "{\"name\":\"n_1\",\"user\":\"u\",\"template\":\"t\"}",
	    "{\"name\":\"n.1\",\"user\":\"u\",\"template\":\"t\"}",
	    "{\"name\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaa\",\"user\":\"u\",\"template\":\"t\"}",
	    "{\"name\":7,\"user\":\"u\",\"template\":\"t\"}",
	    "{\"name\":\"n\",\"user\":[\"u\"],\"template\":\"t\"}",
	    "{\"name\":\"n\",\"user\":\"u\",\"template\":\"../t\"}",
	    "{\"name\":\"n\",\"user\":\"u\",\"template\":\"t\",\"state\":\"Running\"}",
	    "{\"name\":\"n\",\"user\":\"u\",\"template\":\"t\",\"state\":\"pending\"}",
	    "{\"name\":\"n\",\"user\":\"u\",\"template\":\"t\",\"state\":1}",
	    "{\"name\":\"n\",\"user\":\"u\",\"template\":\"t\",\"persistentHome\":\"yes\"}",
	    "{\"name\":\"n\",\"user\":\"u\",\"template\":\"t\",\"resources\":[]}",
	    "{\"name\":\"n\",\"user\":\"u\",\"template\":\"t\",\"resources\":{\"memory\":\"lots\"}}",
	    "{\"name\":\"n\",\"user\":\"u\",\"template\":\"t\",\"resources\":{\"cpu\":\"1.2.3\"}}",
	    "{\"name\":\"n\",\"user\":\"u\",\"template\":\"t\",\"resources\":{\"cpu\":\"1Xi\"}}",
	    "{\"name\":\"n\",\"user\":\"u\",\"template\":\"t\",\"resources\":{\"cpu\":2}}",
	    "{\"name\":\"n\",\"user\":\"u\",\"template\":\"t\",\"tags\":\"web\"}",
	    "{\"name\":\"n\",\"user\":\"u\",\"template\":\"t\",\"tags\":[1]}",
	    "{\"name\":\"n\",\"user\":\"u\",\"template\":\"t\",\"namespace\":\"Ns\"}",
	    "{\"name\":\"n\",\"user\":\"u\",\"template\":\"t\",\"idleTimeout\":30}",
	    "{\"name\":\"n\",\"user\":\"u\",\"template\":\"t\",\"createdAt\":\"yesterday\"}",
	    "{\"name\":\"n\",\"user\":\"u\",\"template\":\"t\",\"createdAt\":\"2025-13-01T00:00:00Z\"}",
	    "{\"name\":\"n\",\"user\":\"u\",\"template\":\"t\",\"createdAt\":\"2025-11-21 12:34:56Z\"}",
	    "{\"name\":\"n\",\"user\":\"u\",\"template\":\"t\",\"createdAt\":\"2025-11-21T12:34:56+01:00\"}",
	    "{\"name\":\"n\",\"user\":\"u\",\"template\":\"t\",\"createdAt\":\"2025-11-21T12:34:56.Z\"}",
	    "{\"metadata\":{\"name\":\"n\"}}",
	    "{\"metadata\":\"n\",\"spec\":{\"user\":\"u\",\"template\":\"t\"}}",
	    "{\"metadata\":{\"name\":\"n\"},\"spec\":[]}",
	    "{\"kind\":\"Template\",\"metadata\":{\"name\":\"n\"},\"spec\":{\"user\":\"u\",\"template\":\"t\"}}",
	    "{\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"n\"},\"spec\":{\"user\":\"u\",\"template\":\"t\"}}",
	    "{\"kind\":1,\"metadata\":{\"name\":\"n\"},\"spec\":{\"user\":\"u\",\"template\":\"t\"}}",
	    "{\"metadata\":{\"name\":\"n\",\"uid\":5},\"spec\":{\"user\":\"u\",\"template\":\"t\"}}",
	    "{\"metadata\":{\"name\":\"n\",\"creationTimestamp\":\"2025\"},\"spec\":{\"user\":\"u\",\"template\":\"t\"}}",
	    /* The Kubernetes form keeps fields in spec, not at the top. */
	    "{\"metadata\":{\"name\":\"n\"},\"spec\":{},\"user\":\"u\",\"template\":\"t\"}",
	};
	struct v1_session s;
	char err[256];
	size_t i;
	cJSON *o;

	for (i = 0; i < nitems(bad); i++) {
		o = parse(bad[i]);
		err[0] = '\0';
		ck_assert_msg(v1_session_parse(o, &s, err, sizeof(err)) == -1,
		    "took %s", bad[i]);
		ck_assert_msg(err[0] != '\0', "no reason for %s", bad[i]);
		v1_session_free(&s);
		cJSON_Delete(o);
	}
}
END_TEST

START_TEST(quantities_and_times)
{
	static const char *ok[] = { "1", "0.5", "100m", "2Gi", "1.5G", "64Ki",
	    "3E" };
	char text[256], err[256];
	struct v1_session s;
	size_t i;
	cJSON *o;

	for (i = 0; i < nitems(ok); i++) {
		snprintf(text, sizeof(text), "{\"name\":\"n\",\"user\":\"u\","
		    "\"template\":\"t\",\"resources\":{\"cpu\":\"%s\"},"
		    "\"createdAt\":\"2024-02-29T23:59:60.5Z\"}", ok[i]);
		o = parse(text);
		ck_assert_msg(v1_session_parse(o, &s, err, sizeof(err)) == 0,
		    "refused %s: %s", ok[i], err);
		v1_session_free(&s);
		cJSON_Delete(o);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("v1session");
	TCase *tc = tcase_create("v1session");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, kube_form);
	tcase_add_test(tc, flat_form);
	tcase_add_test(tc, lists);
	tcase_add_test(tc, refused);
	tcase_add_test(tc, quantities_and_times);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
