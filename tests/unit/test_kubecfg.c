/*
 * test_kubecfg.c - ssd-agent-k8s's inputs from the cluster side: the
 * kubeconfig subset and the in-cluster files (accepted, and each way one
 * is refused), Status objects, watch lines and events (kubeproto.c).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "kubecfg.h"
#include "kubeproto.h"

static char tmpdir[64];

static void
put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static void
setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_kubecfg.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	put("ca.crt", "-----BEGIN CERTIFICATE-----\n");
	put("token", "tok-123\n");
	put("namespace", "sessions\n");
	put("client.crt", "cert\n");
	put("client.key", "key\n");
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

#define KC_HEAD "apiVersion: v1\nkind: Config\ncurrent-context: c\n" \
	"contexts:\n- name: c\n  context: {cluster: k, user: u%s}\n"
#define KC_CLUSTER "clusters:\n- name: k\n  cluster:\n" \
	"    server: https://127.0.0.1:6443/\n%s"
#define KC_USER "users:\n- name: u\n  user:\n%s"

/* A kubeconfig from its three variable parts; -1/0 as kubecfg_parse. */
static int
kc(const char *ctx_extra, const char *cluster_extra, const char *user,
    struct kubecfg *out, char *err, size_t errlen)
{
	char text[4096], head[512], cl[1024], us[1024];

	snprintf(head, sizeof(head), KC_HEAD, ctx_extra);
	snprintf(cl, sizeof(cl), KC_CLUSTER, cluster_extra);
	snprintf(us, sizeof(us), KC_USER, user);
	snprintf(text, sizeof(text), "%s%s%s", head, cl, us);
	return kubecfg_parse(text, strlen(text), tmpdir, out, err, errlen);
}

static int
kc_refused(const char *ctx_extra, const char *cluster_extra,
    const char *user, const char *needle)
{
	struct kubecfg k;
	char err[512];

	if (kc(ctx_extra, cluster_extra, user, &k, err, sizeof(err)) == 0) {
		kubecfg_free(&k);
		return 0;
	}
	if (strstr(err, needle) == NULL) {
		fprintf(stderr, "error \"%s\" lacks \"%s\"\n", err, needle);
		return 0;
	}
	return 1;
}

START_TEST(kubeconfig_good)
{
	struct kubecfg k;
	char err[512];

	/* "Q0EK" is base64 for "CA\n". */
	ck_assert_int_eq(kc(", namespace: ns1",
	    "    certificate-authority-data: Q0EK\n",
	    "    token: abc.def\n", &k, err, sizeof(err)), 0);
	ck_assert_str_eq(k.server, "https://127.0.0.1:6443");
	ck_assert_int_eq(k.ca_len, 3);
	ck_assert_mem_eq(k.ca_data, "CA\n", 3);
	ck_assert_str_eq(k.token, "abc.def");
	ck_assert_str_eq(k.namespace, "ns1");
	ck_assert_ptr_null(k.token_file);
	kubecfg_free(&k);

	ck_assert_int_eq(kc("", "    certificate-authority: ca.crt\n",
	    "    tokenFile: token\n    client-certificate: client.crt\n"
	    "    client-key-data: a2V5\n", &k, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(k.ca_file, "/ca.crt"));
	ck_assert_int_eq(strncmp(k.ca_file, tmpdir, strlen(tmpdir)), 0);
	ck_assert_ptr_nonnull(strstr(k.token_file, "/token"));
	ck_assert_ptr_nonnull(strstr(k.cert_file, "/client.crt"));
	ck_assert_int_eq(k.key_len, 3);
	ck_assert_ptr_null(k.namespace);
	kubecfg_free(&k);

	ck_assert_int_eq(kc("", "    insecure-skip-tls-verify: false\n",
	    "    client-certificate-data: Y2VydA==\n"
	    "    client-key: client.key\n", &k, err, sizeof(err)), 0);
	ck_assert_int_eq(k.cert_len, 4);
	kubecfg_free(&k);
}
END_TEST

START_TEST(kubeconfig_refused)
{
	const char *tok = "    token: t\n";
	char err[512], text[2048];
	struct kubecfg k;

	ck_assert(kc_refused("", "    insecure-skip-tls-verify: true\n", tok,
	    "insecure-skip-tls-verify is refused"));
	ck_assert(kc_refused("", "    certificate-authority: ca.crt\n"
	    "    certificate-authority-data: Q0EK\n", tok, "both"));
	ck_assert(kc_refused("", "    certificate-authority-data: Q0E\n", tok,
	    "not valid base64"));
	ck_assert(kc_refused("", "    certificate-authority-data: Q0E=K\n",
	    tok, "not valid base64"));
	ck_assert(kc_refused("", "    certificate-authority: nothere.crt\n",
	    tok, "nothere.crt"));
	ck_assert(kc_refused("", "    proxy-url: http://p:3128\n", tok,
	    "proxy-url is not supported"));
	ck_assert(kc_refused("", "", "    exec: {command: aws}\n",
	    "exec is not supported"));
	ck_assert(kc_refused("", "", "    username: a\n    password: b\n",
	    "username is not supported"));
	ck_assert(kc_refused("", "", "    {}\n", "has no credentials"));
	ck_assert(kc_refused("", "", "    client-certificate: client.crt\n",
	    "needs its key"));
	ck_assert(kc_refused("", "", "    token: a\n    tokenFile: token\n",
	    "both token and tokenFile"));
	ck_assert(kc_refused("", "", "    token: \"a b\"\n", "token is empty"));
	ck_assert(kc_refused("", "", "    token: 7\n", "must be a string"));
	ck_assert(kc_refused("", "", "    tokenFile: missing\n", "missing"));
	ck_assert(kc_refused(", namespace: Bad_NS", "", tok,
	    "not a DNS-1123 label"));

	/* Whole-document problems. */
	ck_assert_int_eq(kubecfg_parse("a: [1", 5, NULL, &k, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "kubeconfig:"));
	ck_assert_int_eq(kubecfg_parse("a: 1\n---\nb: 2\n", 14, NULL, &k, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "one YAML document"));
	ck_assert_int_eq(kubecfg_parse("- 1\n", 4, NULL, &k, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "not a mapping"));
	ck_assert_int_eq(kubecfg_parse("contexts: []\n", 13, NULL, &k, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "current-context is not set"));
	snprintf(text, sizeof(text), "current-context: c\ncontexts:\n"
	    "- name: c\n  context: {cluster: other, user: u}\n" KC_CLUSTER
	    KC_USER, "", tok);
	ck_assert_int_eq(kubecfg_parse(text, strlen(text), NULL, &k, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "no cluster named \"other\""));
	ck_assert_int_eq(kubecfg_parse("current-context: x\n", 19, NULL, &k,
	    err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "no contexts list"));
}
END_TEST

START_TEST(kubeconfig_server)
{
	static const char *const bad[] = { "http://127.0.0.1:6443",
	    "https://", "https:///x", "https://a b", "ftp://x" };
	char text[1024], err[512];
	struct kubecfg k;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), KC_HEAD "clusters:\n- name: k\n"
		    "  cluster: {server: \"%s\"}\n" KC_USER, "", bad[i],
		    "    token: t\n");
		ck_assert_int_eq(kubecfg_parse(text, strlen(text), NULL, &k,
		    err, sizeof(err)), -1);
	}
	snprintf(text, sizeof(text), KC_HEAD "clusters:\n- name: k\n"
	    "  cluster: {}\n" KC_USER, "", "    token: t\n");
	ck_assert_int_eq(kubecfg_parse(text, strlen(text), NULL, &k, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "has no server"));
}
END_TEST

START_TEST(kubeconfig_file)
{
	struct kubecfg k;
	char path[256], err[512];

	put("config", "current-context: c\ncontexts:\n- name: c\n  context: "
	    "{cluster: k, user: u}\nclusters:\n- name: k\n  cluster:\n"
	    "    server: https://h:1\n    certificate-authority: ca.crt\n"
	    "users:\n- name: u\n  user: {tokenFile: token}\n");
	snprintf(path, sizeof(path), "%s/config", tmpdir);
	ck_assert_int_eq(kubecfg_load(path, &k, err, sizeof(err)), 0);
	ck_assert_int_eq(strncmp(k.ca_file, tmpdir, strlen(tmpdir)), 0);
	kubecfg_free(&k);
	snprintf(path, sizeof(path), "%s/none", tmpdir);
	ck_assert_int_eq(kubecfg_load(path, &k, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "none"));
}
END_TEST

START_TEST(incluster)
{
	struct kubecfg k;
	char err[512], tok[KUBECFG_TOKEN_MAX + 1];

	unsetenv("KUBERNETES_SERVICE_HOST");
	ck_assert_int_eq(kubecfg_incluster(tmpdir, &k, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "KUBERNETES_SERVICE_HOST"));
	setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	ck_assert_int_eq(kubecfg_incluster(tmpdir, &k, err, sizeof(err)), 0);
	ck_assert_str_eq(k.server, "https://10.0.0.1:443");
	ck_assert_str_eq(k.namespace, "sessions");
	ck_assert_ptr_nonnull(strstr(k.token_file, "/token"));
	ck_assert_ptr_nonnull(strstr(k.ca_file, "/ca.crt"));
	ck_assert_ptr_null(k.token);
	kubecfg_free(&k);
	ck_assert_int_eq(kubecfg_read_token("/nonexistent", tok, sizeof(tok),
	    err, sizeof(err)), -1);

	setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
	ck_assert_int_eq(kubecfg_incluster(tmpdir, &k, err, sizeof(err)), 0);
	ck_assert_str_eq(k.server, "https://[fd00::1]:443");
	kubecfg_free(&k);

	setenv("KUBERNETES_SERVICE_HOST", "a/b", 1);
	ck_assert_int_eq(kubecfg_incluster(tmpdir, &k, err, sizeof(err)), -1);
	setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "70000", 1);
	ck_assert_int_eq(kubecfg_incluster(tmpdir, &k, err, sizeof(err)), -1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);

	put("token", " \n");
	ck_assert_int_eq(kubecfg_incluster(tmpdir, &k, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "not a bearer token"));
	put("token", "a\001b");
	ck_assert_int_eq(kubecfg_incluster(tmpdir, &k, err, sizeof(err)), -1);
	put("token", "good\n");
	put("namespace", "Not_A_Label");
	ck_assert_int_eq(kubecfg_incluster(tmpdir, &k, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "not a DNS-1123 label"));
	put("namespace", "ns");
	snprintf(tok, sizeof(tok), "%s/ca.crt", tmpdir);
	unlink(tok);
	ck_assert_int_eq(kubecfg_incluster(tmpdir, &k, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "ca.crt"));
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
}
END_TEST

START_TEST(token_file)
{
	char path[256], tok[64], err[256];

	put("t2", "abc.def-ghi\r\n\n");
	snprintf(path, sizeof(path), "%s/t2", tmpdir);
	ck_assert_int_eq(kubecfg_read_token(path, tok, sizeof(tok), err,
	    sizeof(err)), 0);
	ck_assert_str_eq(tok, "abc.def-ghi");
	ck_assert_int_eq(kubecfg_read_token(path, tok, 5, err, sizeof(err)),
	    -1);
}
END_TEST

START_TEST(status)
{
	struct kube_status st;
	cJSON *b;

	b = cJSON_Parse("{\"kind\":\"Status\",\"status\":\"Failure\","
	    "\"message\":\"deployments.apps \\\"s1\\\" already exists\","
	    "\"reason\":\"AlreadyExists\",\"code\":409}");
	kube_status_parse(409, b, &st);
	ck_assert_int_eq(st.code, 409);
	ck_assert_str_eq(st.reason, "AlreadyExists");
	ck_assert_str_eq(st.message, "deployments.apps \"s1\" already exists");
	cJSON_Delete(b);

	b = cJSON_Parse("{\"kind\":\"Status\",\"reason\":\"Expired\","
	    "\"code\":410,\"message\":\"a\\nb\"}");
	kube_status_parse(0, b, &st);
	ck_assert_int_eq(st.code, 410);
	ck_assert_str_eq(st.message, "a b");
	cJSON_Delete(b);

	b = cJSON_Parse("{\"kind\":\"Pod\",\"message\":\"x\",\"code\":1}");
	kube_status_parse(502, b, &st);
	ck_assert_int_eq(st.code, 502);
	ck_assert_str_eq(st.reason, "");
	ck_assert_str_eq(st.message, "HTTP 502");
	cJSON_Delete(b);

	b = cJSON_Parse("{\"kind\":\"Status\",\"reason\":\"Forbidden\","
	    "\"code\":\"403\"}");
	kube_status_parse(403, b, &st);
	ck_assert_str_eq(st.message, "Forbidden (HTTP 403)");
	cJSON_Delete(b);
	kube_status_parse(0, NULL, &st);
	ck_assert_str_eq(st.message, "HTTP 0");
}
END_TEST

static int
ev(const char *line, struct kube_event *e)
{
	char err[128];

	return kube_event_parse(line, strlen(line), e, err, sizeof(err));
}

START_TEST(events)
{
	struct kube_event e;

	ck_assert_int_eq(ev("{\"type\":\"ADDED\",\"object\":{\"kind\":\"Pod\","
	    "\"metadata\":{\"name\":\"p\",\"resourceVersion\":\"12\"}}}", &e),
	    0);
	ck_assert_int_eq(e.type, KUBE_ADDED);
	ck_assert_str_eq(e.rv, "12");
	ck_assert_str_eq(kube_get_str(e.object, "metadata", "name", NULL),
	    "p");
	kube_event_free(&e);
	ck_assert_int_eq(ev("{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":"
	    "{\"resourceVersion\":\"99\"}}}", &e), 0);
	ck_assert_int_eq(e.type, KUBE_BOOKMARK);
	kube_event_free(&e);
	ck_assert_int_eq(ev("{\"type\":\"ERROR\",\"object\":{\"kind\":"
	    "\"Status\",\"code\":410}}", &e), 0);
	ck_assert_str_eq(e.rv, "");
	kube_event_free(&e);
	ck_assert_int_eq(ev("{\"type\":\"ADDED\"}", &e), -1);
	ck_assert_int_eq(ev("{\"type\":\"SOMETHING\",\"object\":{}}", &e), -1);
	ck_assert_int_eq(ev("{\"type\":7,\"object\":{}}", &e), -1);
	ck_assert_int_eq(ev("{\"type\":\"ADDED\",\"object\":[]}", &e), -1);
	ck_assert_int_eq(ev("{\"type\":\"ADDED\",\"object\":{\"metadata\":"
	    "{\"resourceVersion\":\"1 2\"}}}", &e), -1);
	ck_assert_int_eq(ev("{\"type\":\"ADDED\",\"object\":{\"metadata\":"
	    "{\"resourceVersion\":\"\"}}}", &e), -1);
	ck_assert_int_eq(ev("not json", &e), -1);
	ck_assert_int_eq(ev("", &e), -1);
}
END_TEST

struct collected {
	char	text[256];
	int	n;
	int	stop_at;
};

static int
collect(const char *line, size_t len, void *arg)
{
	struct collected *c = arg;

	strncat(c->text, line, len);
	strcat(c->text, "|");
	return ++c->n == c->stop_at ? 7 : 0;
}

START_TEST(lines)
{
	const char *stream = "{\"a\":1}\n\n  \r\n{\"b\":2}\r\n{\"c\"";
	struct collected c;
	struct kube_lines l;
	size_t i, step;

	for (step = 1; step <= strlen(stream); step++) {
		memset(&c, 0, sizeof(c));
		kube_lines_init(&l, 16);
		for (i = 0; i < strlen(stream); i += step)
			ck_assert_int_eq(kube_lines_feed(&l, stream + i,
			    strlen(stream) - i < step ? strlen(stream) - i :
			    step, collect, &c), 0);
		ck_assert_str_eq(c.text, "{\"a\":1}|{\"b\":2}\r|");
		ck_assert_int_eq(kube_lines_feed(&l, ":3}\n", 4, collect, &c),
		    0);
		ck_assert_str_eq(c.text, "{\"a\":1}|{\"b\":2}\r|{\"c\":3}|");
		kube_lines_free(&l);
	}
	/* A line longer than the bound, in one piece or several. */
	memset(&c, 0, sizeof(c));
	kube_lines_init(&l, 4);
	ck_assert_int_eq(kube_lines_feed(&l, "abcd\n", 5, collect, &c), 0);
	ck_assert_int_eq(kube_lines_feed(&l, "abcde\n", 6, collect, &c), -1);
	kube_lines_free(&l);
	kube_lines_init(&l, 4);
	ck_assert_int_eq(kube_lines_feed(&l, "abc", 3, collect, &c), 0);
	ck_assert_int_eq(kube_lines_feed(&l, "de", 2, collect, &c), -1);
	kube_lines_free(&l);
	/* The callback stops the stream. */
	memset(&c, 0, sizeof(c));
	c.stop_at = 2;
	kube_lines_init(&l, 64);
	ck_assert_int_eq(kube_lines_feed(&l, "a\nb\nc\n", 6, collect, &c), 7);
	ck_assert_str_eq(c.text, "a|b|");
	kube_lines_free(&l);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("kubecfg");
	TCase *tc = tcase_create("kubecfg");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, kubeconfig_good);
	tcase_add_test(tc, kubeconfig_refused);
	tcase_add_test(tc, kubeconfig_server);
	tcase_add_test(tc, kubeconfig_file);
	tcase_add_test(tc, incluster);
	tcase_add_test(tc, token_file);
	tcase_add_test(tc, status);
	tcase_add_test(tc, events);
	tcase_add_test(tc, lines);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
