/*
 * test_template.c - Template documents (accepted, and each way one is
 * refused, field by field), quantities, and the YAML reader (types,
 * documents, hostile input).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "template.h"
#include "yamljson.h"

static int
check_json(const char *json, struct template_doc *t)
{
	cJSON *doc = cJSON_Parse(json);
	char err[256];
	int rc;

	rc = template_check(doc, t, err, sizeof(err));
	template_doc_free(t);
	cJSON_Delete(doc);
	return rc;
}

#define TPL(meta, spec) "{\"apiVersion\":\"stream.space/v1alpha1\"," \
	"\"kind\":\"Template\",\"metadata\":" meta ",\"spec\":" spec "}"

START_TEST(documents)
{
	struct template_doc t;

	ck_assert_int_eq(check_json(TPL("{\"name\":\"ff\"}",
	    "{\"baseImage\":\"x\",\"tags\":[\"a\",\"b\\\"c\"]}"), &t), 0);
	ck_assert_int_eq(check_json("{\"apiVersion\":\"v1\",\"kind\":\"Pod\"}",
	    &t), 422);
	ck_assert_int_eq(check_json("[1,2]", &t), 400);
	ck_assert_int_eq(check_json(TPL("{\"name\":\"Firefox\"}",
	    "{\"baseImage\":\"x\"}"), &t), 422);
	ck_assert_int_eq(check_json(TPL("{\"name\":\"-ff\"}",
	    "{\"baseImage\":\"x\"}"), &t), 422);
	ck_assert_int_eq(check_json(TPL("{\"name\":\"ff\"}", "{}"), &t), 422);
	ck_assert_int_eq(check_json(TPL("{\"name\":\"ff\"}",
	    "{\"baseImage\":7}"), &t), 400);
	ck_assert_int_eq(check_json(TPL("{\"name\":\"ff\"}",
	    "{\"baseImage\":\"x\",\"appType\":\"game\"}"), &t), 422);
	ck_assert_int_eq(check_json(TPL("{\"name\":\"ff\"}",
	    "{\"baseImage\":\"x\",\"tags\":\"a\"}"), &t), 400);
	ck_assert_int_eq(check_json(TPL("[]", "{}"), &t), 400);
	/* Its session policies, if it says them, are durations. */
	ck_assert_int_eq(check_json(TPL("{\"name\":\"ff\"}", "{\"baseImage\":"
	    "\"x\",\"idleTimeout\":\"30m\",\"maxSessionDuration\":\"8h\"}"),
	    &t), 0);
	ck_assert_int_eq(check_json(TPL("{\"name\":\"ff\"}", "{\"baseImage\":"
	    "\"x\",\"idleTimeout\":\"-5m\"}"), &t), 422);
	ck_assert_int_eq(check_json(TPL("{\"name\":\"ff\"}", "{\"baseImage\":"
	    "\"x\",\"maxSessionDuration\":\"5 fortnights\"}"), &t), 422);
	ck_assert_int_eq(check_json(TPL("{\"name\":\"ff\"}", "{\"baseImage\":"
	    "\"x\",\"idleTimeout\":30}"), &t), 422);
	ck_assert_int_eq(check_json(TPL("{\"name\":\"ff\"}", "{\"baseImage\":"
	    "\"x\",\"idleTimeout\":\"99999d\"}"), &t), 422);
}
END_TEST

START_TEST(spec_fields)
{
	static const struct {
		const char	*spec;
		int		 want;
	} cases[] = {
		{ "{\"baseImage\":\"lscr.io/linuxserver/firefox:1.2@sha256:ab\","
		    "\"icon\":\"https://example.org/ff.png\",\"ports\":[{"
		    "\"containerPort\":3000,\"name\":\"http\",\"protocol\":"
		    "\"TCP\"}],\"env\":[{\"name\":\"PUID\",\"value\":\"1000\"},"
		    "{\"name\":\"N\",\"value\":2}],\"defaultResources\":{"
		    "\"memory\":\"2Gi\",\"cpu\":\"500m\"},\"volumeMounts\":[{"
		    "\"mountPath\":\"/config\"}]}", 0 },
		{ "{\"baseImage\":\"x y\"}", 422 },
		{ "{\"baseImage\":\"-x\"}", 422 },
		{ "{\"baseImage\":\"x\",\"icon\":\"javascript:alert(1)\"}", 422 },
		{ "{\"baseImage\":\"x\",\"icon\":\"https://a/\\\"b\"}", 422 },
		{ "{\"baseImage\":\"x\",\"icon\":\"/icons/ff.svg\"}", 0 },
		{ "{\"baseImage\":\"x\",\"ports\":[{\"containerPort\":0}]}", 422 },
		{ "{\"baseImage\":\"x\",\"ports\":[{\"containerPort\":65536}]}",
		    422 },
		{ "{\"baseImage\":\"x\",\"ports\":[{\"containerPort\":80.5}]}",
		    422 },
		{ "{\"baseImage\":\"x\",\"ports\":[{\"containerPort\":\"80\"}]}",
		    422 },
		{ "{\"baseImage\":\"x\",\"ports\":[{\"containerPort\":80,"
		    "\"protocol\":\"ICMP\"}]}", 422 },
		{ "{\"baseImage\":\"x\",\"ports\":{}}", 422 },
		{ "{\"baseImage\":\"x\",\"env\":[{\"value\":\"v\"}]}", 422 },
		{ "{\"baseImage\":\"x\",\"env\":[{\"name\":\"1A\"}]}", 422 },
		{ "{\"baseImage\":\"x\",\"env\":[{\"name\":\"A\",\"value\":"
		    "{}}]}", 422 },
		{ "{\"baseImage\":\"x\",\"defaultResources\":{\"memory\":"
		    "\"lots\"}}", 422 },
		{ "{\"baseImage\":\"x\",\"defaultResources\":{\"cpu\":2}}", 422 },
		{ "{\"baseImage\":\"x\",\"defaultResources\":[]}", 422 },
		{ "{\"baseImage\":\"x\",\"volumeMounts\":[{\"mountPath\":"
		    "\"config\"}]}", 422 },
		{ "{\"baseImage\":\"x\",\"volumeMounts\":[{}]}", 422 },
		{ "{\"baseImage\":\"x\",\"vnc\":{\"enabled\":true,\"port\":"
		    "5901,\"protocol\":\"rfb\"},\"kasmvnc\":{\"enabled\":"
		    "false,\"port\":3000}}", 0 },
		{ "{\"baseImage\":\"x\",\"vnc\":{\"protocol\":\"kasmvnc\"}}",
		    0 },
		{ "{\"baseImage\":\"x\",\"vnc\":null,\"kasmvnc\":{}}", 0 },
		{ "{\"baseImage\":\"x\",\"vnc\":true}", 422 },
		{ "{\"baseImage\":\"x\",\"vnc\":{\"enabled\":\"yes\"}}", 422 },
		{ "{\"baseImage\":\"x\",\"vnc\":{\"port\":0}}", 422 },
		{ "{\"baseImage\":\"x\",\"vnc\":{\"port\":\"5900\"}}", 422 },
		{ "{\"baseImage\":\"x\",\"vnc\":{\"protocol\":\"RFB\"}}", 422 },
		{ "{\"baseImage\":\"x\",\"vnc\":{\"protocol\":\"ssh\"}}", 422 },
		{ "{\"baseImage\":\"x\",\"vnc\":{\"protocol\":5}}", 422 },
		{ "{\"baseImage\":\"x\",\"kasmvnc\":{\"port\":70000}}", 422 },
		{ "{\"baseImage\":\"x\",\"kasmvnc\":[]}", 422 },
	};
	struct template_doc t;
	char doc[1024];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(doc, sizeof(doc), TPL("{\"name\":\"ff\"}", "%s"),
		    cases[i].spec);
		ck_assert_msg(check_json(doc, &t) == cases[i].want, "%s",
		    cases[i].spec);
	}
}
END_TEST

START_TEST(quantities)
{
	static const char *const good[] = { "1", "500m", "2Gi", "1.5", "0.5Gi",
	    "1e3", "1E-2", "100Mi", "3k", ".5" };
	static const char *const bad[] = { "", "Gi", "-1", "1.2.3", "1 Gi",
	    "1Gb", "1e", "abc", "1m1", "12345678901234567890123456789012Mi" };
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(quantity_ok(good[i]), "%s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!quantity_ok(bad[i]), "%s", bad[i]);
}
END_TEST

START_TEST(names)
{
	char long_name[80];

	ck_assert(dns1123_label("a"));
	ck_assert(dns1123_label("firefox-2"));
	ck_assert(!dns1123_label(""));
	ck_assert(!dns1123_label("a-"));
	ck_assert(!dns1123_label("a_b"));
	ck_assert(!dns1123_label("A"));
	memset(long_name, 'a', 64);
	long_name[64] = '\0';
	ck_assert(!dns1123_label(long_name));
	long_name[63] = '\0';
	ck_assert(dns1123_label(long_name));
}
END_TEST

static cJSON *
yaml(const char *text)
{
	char err[256];

	return yaml_to_json(text, strlen(text), err, sizeof(err));
}

START_TEST(yaml_types)
{
	cJSON *d = yaml("a: 1\nb: \"1\"\nc: true\nd: ~\ne: [x, 2.5]\n"
	    "f: {g: h}\n---\n- z\n");
	cJSON *first;

	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(cJSON_GetArraySize(d), 2);
	first = cJSON_GetArrayItem(d, 0);
	ck_assert(cJSON_IsNumber(cJSON_GetObjectItem(first, "a")));
	ck_assert(cJSON_IsString(cJSON_GetObjectItem(first, "b")));
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(first, "c")));
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(first, "d")));
	ck_assert(cJSON_IsArray(cJSON_GetObjectItem(first, "e")));
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(first, "f"),
	    "g")->valuestring, "h");
	cJSON_Delete(d);
}
END_TEST

START_TEST(yaml_hostile)
{
	char *deep = malloc(200);
	cJSON *d;
	int i;

	ck_assert_ptr_null(yaml("a: &x 1\nb: *x\n"));
	ck_assert_ptr_null(yaml("a: [1, 2\n"));
	ck_assert_ptr_null(yaml("{[1]: 2}\n"));
	for (i = 0; i < 40; i++)
		deep[i] = '[';
	deep[40] = '\0';
	ck_assert_ptr_null(yaml(deep));
	free(deep);
	d = yaml("");
	ck_assert_ptr_nonnull(d);
	cJSON_Delete(d);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("template");
	TCase *tc = tcase_create("template");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, documents);
	tcase_add_test(tc, spec_fields);
	tcase_add_test(tc, quantities);
	tcase_add_test(tc, names);
	tcase_add_test(tc, yaml_types);
	tcase_add_test(tc, yaml_hostile);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
