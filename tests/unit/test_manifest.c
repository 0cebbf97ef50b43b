/*
 * test_manifest.c - a session's Kubernetes objects (manifest.c): names,
 * label values, the bodies built from a payload and every
 * way a payload is refused; and how pods and Deployments read back
 * become session states (view.c), each change reported once.
 */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "kubeproto.h"
#include "manifest.h"
#include "view.h"

#define TPL "{\"apiVersion\":\"stream.space/v1alpha1\",\"kind\":\"Template\"," \
	"\"metadata\":{\"name\":\"firefox\"},\"spec\":{\"baseImage\":" \
	"\"lscr.io/linuxserver/firefox:latest\",\"defaultResources\":" \
	"{\"memory\":\"2Gi\",\"cpu\":\"1000m\"},\"ports\":[{\"name\":\"vnc\"," \
	"\"containerPort\":3000}],\"env\":[{\"name\":\"PUID\",\"value\":" \
	"\"1000\"},{\"name\":\"TZ\",\"value\":\"Etc/UTC\"},{\"name\":" \
	"\"SESSION_ID\",\"value\":\"spoofed\"},{\"name\":\"N\",\"value\":7}]," \
	"\"volumeMounts\":[{\"name\":\"user-home\",\"mountPath\":" \
	"\"/config\"}]}}"

static const struct manifest_opts opts = { .namespace = "streamspace",
    .agent = "k8s-eu", .storage_class = "fast", .home_size = "5Gi",
    .nonce = "n0nce" };

static int
build(const char *payload, struct manifest *m, char *err, size_t errlen)
{
	cJSON *p = cJSON_Parse(payload);
	int rc;

	ck_assert_ptr_nonnull(p);
	rc = manifest_build(p, &opts, m, err, errlen);
	cJSON_Delete(p);
	return rc;
}

static int
dns1035(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 63 || !islower((unsigned char)s[0]) ||
	    s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

START_TEST(names)
{
	char a[MANIFEST_NAME_MAX + 1], b[MANIFEST_NAME_MAX + 1], id[300];
	static const char *const ids[] = { "alice-firefox-1a2b3c4d",
	    "Alice_Firefox", "1abc", "---", "a--b", "x.y@z", "é", "a-" };
	size_t i;

	manifest_name("alice-firefox-1a2b3c4d", a);
	ck_assert_str_eq(a, "alice-firefox-1a2b3c4d");
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		manifest_name(ids[i], a);
		ck_assert_msg(dns1035(a), "%s -> %s", ids[i], a);
		manifest_name(ids[i], b);
		ck_assert_str_eq(a, b);
	}
	manifest_name("1abc", a);
	ck_assert_int_eq(strncmp(a, "s-1abc-", 7), 0);
	manifest_name("Alice_Firefox", a);
	manifest_name("alice-firefox", b);
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(strncmp(a, "alice-firefox-", 14), 0);
	memset(id, 'a', 250);
	id[250] = '\0';
	manifest_name(id, a);
	ck_assert_int_eq(strlen(a), MANIFEST_NAME_MAX);
	ck_assert(dns1035(a));
	id[249] = 'b';
	manifest_name(id, b);
	ck_assert_str_ne(a, b);
}
END_TEST

START_TEST(label_values)
{
	char out[64], big[100];

	manifest_label_value("alice@corp.com", out, sizeof(out));
	ck_assert_str_eq(out, "alice_corp.com");
	manifest_label_value("__x y__", out, sizeof(out));
	ck_assert_str_eq(out, "x_y");
	manifest_label_value("@@@", out, sizeof(out));
	ck_assert_str_eq(out, "");
	memset(big, 'u', 99);
	big[99] = '\0';
	big[63] = '.';
	manifest_label_value(big, out, sizeof(out));
	ck_assert_int_eq(strlen(out), 63);
	big[62] = '-';
	manifest_label_value(big, out, sizeof(out));
	ck_assert_int_eq(strlen(out), 62);
}
END_TEST

static const char *
str(const cJSON *o, const char *path)
{
	char buf[256], *p, *save;
	const cJSON *v = o;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = strtok_r(buf, ".", &save); p != NULL && v != NULL;
	    p = strtok_r(NULL, ".", &save))
		v = cJSON_IsArray(v) ? cJSON_GetArrayItem(v, atoi(p)) :
		    cJSON_GetObjectItemCaseSensitive(v, p);
	if (cJSON_IsNumber(v)) {
		static char num[32];

		snprintf(num, sizeof(num), "%d", v->valueint);
		return num;
	}
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

START_TEST(bodies)
{
	struct manifest m;
	const cJSON *env, *e;
	char err[256];
	int seen = 0;

	ck_assert_int_eq(build("{\"sessionId\":\"alice-firefox-1a2b3c4d\","
	    "\"user\":\"alice@corp.com\",\"template\":" TPL ",\"resources\":"
	    "{\"memory\":\"1Gi\"},\"persistentHome\":true}", &m, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(m.name, "alice-firefox-1a2b3c4d");
	ck_assert_str_eq(m.pvc_name, "alice-firefox-1a2b3c4d-home");
	ck_assert_int_eq(m.vnc_port, 3000);
	ck_assert_str_eq(str(m.deployment, "kind"), "Deployment");
	ck_assert_str_eq(str(m.deployment, "metadata.namespace"),
	    "streamspace");
	ck_assert_str_eq(str(m.deployment, "metadata.labels.user"),
	    "alice_corp.com");
	ck_assert_str_eq(str(m.deployment, "metadata.labels.managed-by"),
	    "ssd-agent-k8s");
	ck_assert_str_eq(str(m.deployment, "metadata.labels.template"),
	    "firefox");
	ck_assert_str_eq(str(m.deployment, "metadata.labels.app"),
	    "streamspace-session");
	ck_assert_str_eq(kube_get_str(m.deployment, "metadata", "annotations",
	    MANIFEST_ANN_NONCE, NULL), "n0nce");
	ck_assert_str_eq(kube_get_str(m.deployment, "metadata", "labels",
	    MANIFEST_LABEL_AGENT, NULL), "k8s-eu");
	ck_assert_str_eq(kube_get_str(m.deployment, "spec", "template",
	    "metadata", "labels", MANIFEST_LABEL_AGENT, NULL), "k8s-eu");
	ck_assert_str_eq(str(m.deployment, "spec.replicas"), "1");
	ck_assert_str_eq(str(m.deployment, "spec.selector.matchLabels.session"),
	    m.name);
	ck_assert_str_eq(str(m.deployment,
	    "spec.template.metadata.labels.managed-by"), "ssd-agent-k8s");
	ck_assert_str_eq(kube_get_str(m.deployment, "spec", "template",
	    "metadata", "annotations", MANIFEST_ANN_ID, NULL), m.session_id);
	ck_assert_str_eq(str(m.deployment,
	    "spec.template.spec.containers.0.image"),
	    "lscr.io/linuxserver/firefox:latest");
	ck_assert_str_eq(str(m.deployment,
	    "spec.template.spec.containers.0.ports.0.containerPort"), "3000");
	ck_assert_str_eq(str(m.deployment, "spec.template.spec.containers.0."
	    "readinessProbe.tcpSocket.port"), "vnc");
	ck_assert_str_eq(str(m.deployment, "spec.template.spec.containers.0."
	    "resources.limits.memory"), "1Gi");
	ck_assert_str_eq(str(m.deployment, "spec.template.spec.containers.0."
	    "resources.requests.cpu"), "1000m");
	ck_assert_str_eq(str(m.deployment, "spec.template.spec.containers.0."
	    "volumeMounts.0.mountPath"), "/config");
	ck_assert_str_eq(str(m.deployment, "spec.template.spec.volumes.0."
	    "persistentVolumeClaim.claimName"), m.pvc_name);
	env = kube_get(cJSON_GetArrayItem(kube_get(m.deployment, "spec",
	    "template", "spec", "containers", NULL), 0), "env", NULL);
	cJSON_ArrayForEach(e, env) {
		if (strcmp(str(e, "name"), "SESSION_ID") == 0) {
			ck_assert_str_eq(str(e, "value"), m.session_id);
			seen++;
		}
		if (strcmp(str(e, "name"), "N") == 0)
			ck_assert_str_eq(str(e, "value"), "7");
	}
	ck_assert_int_eq(seen, 1);
	ck_assert_str_eq(str(m.service, "spec.type"), "ClusterIP");
	ck_assert_str_eq(str(m.service, "spec.ports.0.port"), "3000");
	ck_assert_str_eq(str(m.service, "spec.selector.session"), m.name);
	ck_assert_ptr_nonnull(m.pvc);
	ck_assert_str_eq(str(m.pvc, "spec.storageClassName"), "fast");
	ck_assert_str_eq(str(m.pvc, "spec.resources.requests.storage"), "5Gi");
	ck_assert_str_eq(str(m.pvc, "spec.accessModes.0"), "ReadWriteOnce");
	ck_assert(manifest_owned(m.deployment, m.name, m.agent));
	ck_assert(manifest_owned(m.pvc, m.name, m.agent));
	ck_assert(!manifest_owned(m.service, "other", m.agent));
	ck_assert(!manifest_owned(m.service, m.name, "another-agent"));
	manifest_set_owner(m.service, m.name, "uid-1");
	manifest_set_owner(m.service, m.name, "uid-2");
	ck_assert_int_eq(cJSON_GetArraySize(kube_get(m.service, "metadata",
	    "ownerReferences", NULL)), 1);
	ck_assert_str_eq(str(m.service, "metadata.ownerReferences.0.uid"),
	    "uid-2");
	manifest_free(&m);

	/* No home, no port in the template: 5900, no PVC. */
	ck_assert_int_eq(build("{\"sessionId\":\"9Lives\",\"user\":\"bob\","
	    "\"template\":{\"apiVersion\":\"stream.space/v1alpha1\",\"kind\":"
	    "\"Template\",\"metadata\":{\"name\":\"x\"},\"spec\":"
	    "{\"baseImage\":\"img\"}}}", &m, err, sizeof(err)), 0);
	ck_assert(dns1035(m.name));
	ck_assert_int_eq(m.vnc_port, 5900);
	ck_assert_ptr_null(m.pvc);
	ck_assert_str_eq(str(m.deployment, "spec.template.spec.containers.0."
	    "resources.limits.memory"), "2Gi");
	ck_assert_str_eq(str(m.deployment, "spec.template.spec.volumes.0.name"),
	    "dshm");
	manifest_free(&m);
}
END_TEST

START_TEST(homes)
{
	char a[MANIFEST_CLAIM_MAX + 1], b[MANIFEST_CLAIM_MAX + 1], user[300];
	static const char *const users[] = { "alice", "Alice", "alice@corp.com",
	    "bob.smith", "-x-", "é", "a..b", "", "ALICE" };
	struct manifest m;
	char err[256];
	cJSON *claim;
	size_t i;

	manifest_home_name("alice", a);
	ck_assert_str_eq(a, "home-alice");
	manifest_home_name("bob.smith", a);
	ck_assert_str_eq(a, "home-bob.smith");
	/* Lossy names are hashed: "Alice" is not "alice". */
	manifest_home_name("Alice", a);
	ck_assert_int_eq(strncmp(a, "home-alice-", 11), 0);
	ck_assert_uint_eq(strlen(a), 19);
	manifest_home_name("alice@corp.com", b);
	ck_assert_int_eq(strncmp(b, "home-alice-corp-com-", 20), 0);
	ck_assert_str_ne(a, b);
	memset(user, 'u', 299);
	user[299] = '\0';
	manifest_home_name(user, a);
	ck_assert_uint_le(strlen(a), MANIFEST_CLAIM_MAX);
	for (i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		manifest_home_name(users[i], a);
		ck_assert_msg(strlen(a) > 5 && strlen(a) <= MANIFEST_CLAIM_MAX &&
		    islower((unsigned char)a[0]) && a[strlen(a) - 1] != '-' &&
		    strspn(a, "abcdefghijklmnopqrstuvwxyz0123456789-.") ==
		    strlen(a), "%s -> %s", users[i], a);
		manifest_home_name(users[i], b);
		ck_assert_str_eq(a, b);
	}

	/* The user's home: named for them, theirs, no session's. */
	ck_assert_int_eq(build("{\"sessionId\":\"alice-firefox-1\","
	    "\"user\":\"alice\",\"userId\":\"u-1\",\"template\":" TPL ","
	    "\"persistentHome\":true,\"home\":{\"scope\":\"user\","
	    "\"accessMode\":\"ReadWriteMany\",\"size\":\"10737418240\"}}", &m,
	    err, sizeof(err)), 0);
	ck_assert(m.user_home);
	ck_assert_str_eq(m.pvc_name, "home-alice");
	ck_assert_str_eq(str(m.pvc, "metadata.name"), "home-alice");
	ck_assert_str_eq(str(m.pvc, "spec.accessModes.0"), "ReadWriteMany");
	ck_assert_str_eq(str(m.pvc, "spec.resources.requests.storage"), "10Gi");
	ck_assert_str_eq(str(m.pvc, "spec.storageClassName"), "fast");
	ck_assert_str_eq(str(m.pvc, "metadata.labels.app"), "streamspace-home");
	ck_assert_ptr_null(kube_get(m.pvc, "metadata", "labels", "session",
	    NULL));
	ck_assert_ptr_null(kube_get(m.pvc, "metadata", "labels",
	    MANIFEST_LABEL_AGENT, NULL));
	ck_assert_ptr_null(kube_get(m.pvc, "metadata", "ownerReferences",
	    NULL));
	ck_assert_str_eq(kube_get_str(m.pvc, "metadata", "annotations",
	    MANIFEST_ANN_HOME_UID, NULL), "u-1");
	ck_assert_str_eq(str(m.deployment, "spec.template.spec.volumes.0."
	    "persistentVolumeClaim.claimName"), "home-alice");
	ck_assert(manifest_home_owned(m.pvc, "alice", "u-1"));
	ck_assert(!manifest_home_owned(m.pvc, "alice", "u-2"));
	ck_assert(!manifest_home_owned(m.pvc, "bob", ""));
	manifest_free(&m);
	/* StreamSpace 1.x's home-alice has none of our annotations. */
	claim = cJSON_Parse("{\"metadata\":{\"name\":\"home-alice\"}}");
	ck_assert(manifest_home_owned(claim, "alice", "u-1"));
	cJSON_Delete(claim);

	/* A class of its own; a session's own claim as before. */
	ck_assert_int_eq(build("{\"sessionId\":\"s2\",\"user\":\"alice\","
	    "\"template\":" TPL ",\"persistentHome\":true,\"home\":{\"scope\":"
	    "\"user\",\"accessMode\":\"ReadWriteOncePod\",\"storageClass\":"
	    "\"nfs.example\"}}", &m, err, sizeof(err)), 0);
	ck_assert_str_eq(str(m.pvc, "spec.storageClassName"), "nfs.example");
	ck_assert_str_eq(str(m.pvc, "spec.resources.requests.storage"), "5Gi");
	manifest_free(&m);
	ck_assert_int_eq(build("{\"sessionId\":\"s3\",\"user\":\"alice\","
	    "\"template\":" TPL ",\"persistentHome\":true,\"home\":{\"scope\":"
	    "\"session\"}}", &m, err, sizeof(err)), 0);
	ck_assert(!m.user_home);
	ck_assert_str_eq(m.pvc_name, "s3-home");
	ck_assert_str_eq(str(m.pvc, "metadata.labels.session"), "s3");
	manifest_free(&m);

	/* What delete_home needs. */
	claim = cJSON_Parse("{\"user\":\"Alice\",\"userId\":\"u-9\"}");
	ck_assert_int_eq(manifest_home_target(claim, &m, err, sizeof(err)), 0);
	manifest_home_name("Alice", a);
	ck_assert_str_eq(m.pvc_name, a);
	ck_assert_str_eq(m.user_id, "u-9");
	cJSON_Delete(claim);
	claim = cJSON_Parse("{\"userId\":\"u-9\"}");
	ck_assert_int_eq(manifest_home_target(claim, &m, err, sizeof(err)), -1);
	cJSON_Delete(claim);
}
END_TEST

static int
refused(const char *payload, const char *needle)
{
	struct manifest m;
	char err[256];

	if (build(payload, &m, err, sizeof(err)) == 0) {
		manifest_free(&m);
		return 0;
	}
	if (strstr(err, needle) == NULL) {
		fprintf(stderr, "error \"%s\" lacks \"%s\"\n", err, needle);
		return 0;
	}
	return 1;
}

#define MIN_TPL(spec) "{\"apiVersion\":\"stream.space/v1alpha1\",\"kind\":" \
	"\"Template\",\"metadata\":{\"name\":\"x\"},\"spec\":" \
	"{\"baseImage\":\"img\"" spec "}}"

START_TEST(payloads_refused)
{
	ck_assert(refused("[]", "must be an object"));
	ck_assert(refused("{\"user\":\"a\",\"template\":" TPL "}",
	    "sessionId"));
	ck_assert(refused("{\"sessionId\":\"a b\",\"user\":\"a\","
	    "\"template\":" TPL "}", "printable"));
	ck_assert(refused("{\"sessionId\":\"\",\"user\":\"a\"}", "sessionId"));
	ck_assert(refused("{\"sessionId\":\"s\",\"template\":" TPL "}",
	    "user"));
	ck_assert(refused("{\"sessionId\":\"s\",\"user\":\"a\"}", "template"));
	ck_assert(refused("{\"sessionId\":\"s\",\"user\":\"a\",\"template\":"
	    "{\"apiVersion\":\"stream.space/v1alpha1\",\"kind\":\"Template\","
	    "\"metadata\":{\"name\":\"x\"},\"spec\":{}}}", "baseImage"));
	ck_assert(refused("{\"sessionId\":\"s\",\"user\":\"a\",\"template\":"
	    TPL ",\"resources\":{\"cpu\":2}}", "resources.cpu"));
	ck_assert(refused("{\"sessionId\":\"s\",\"user\":\"a\",\"template\":"
	    TPL ",\"resources\":{\"memory\":\"lots\"}}", "resources.memory"));
	ck_assert(refused("{\"sessionId\":\"s\",\"user\":\"a\",\"template\":"
	    TPL ",\"resources\":[]}", "resources must be an object"));
	ck_assert(refused("{\"sessionId\":\"s\",\"user\":\"a\",\"template\":"
	    TPL ",\"persistentHome\":\"yes\"}", "persistentHome"));
	ck_assert(refused("{\"sessionId\":\"s\",\"user\":\"a\",\"template\":"
	    MIN_TPL(",\"ports\":[{\"containerPort\":70000}]") "}",
	    "containerPort"));
	ck_assert(refused("{\"sessionId\":\"s\",\"user\":\"a\",\"template\":"
	    MIN_TPL(",\"ports\":[{\"containerPort\":\"5900\"}]") "}",
	    "containerPort"));
	ck_assert(refused("{\"sessionId\":\"s\",\"user\":\"a\",\"template\":"
	    MIN_TPL(",\"env\":[{\"name\":\"1X\",\"value\":\"v\"}]") "}",
	    "spec.env"));
	ck_assert(refused("{\"sessionId\":\"s\",\"user\":\"a\",\"template\":"
	    MIN_TPL(",\"env\":[{\"name\":\"X\",\"value\":{}}]") "}",
	    "spec.env"));
	ck_assert(refused("{\"sessionId\":\"s\",\"user\":\"a\",\"template\":"
	    MIN_TPL(",\"env\":{}") "}", "spec.env"));
	ck_assert(refused("{\"sessionId\":\"s\",\"user\":\"a\",\"template\":"
	    MIN_TPL(",\"volumeMounts\":[{\"mountPath\":\"rel\"}]") "}",
	    "mountPath"));
	ck_assert(refused("{\"sessionId\":\"s\",\"user\":\"a\",\"template\":"
	    MIN_TPL(",\"defaultResources\":{\"cpu\":\"-1\"}") "}",
	    "defaultResources.cpu"));
	ck_assert(refused("{\"sessionId\":\"s\",\"user\":\"u\",\"template\":"
	    MIN_TPL("") ",\"persistentHome\":true,\"home\":{\"scope\":\"all\"}}",
	    "scope"));
	ck_assert(refused("{\"sessionId\":\"s\",\"user\":\"u\",\"template\":"
	    MIN_TPL("") ",\"persistentHome\":true,\"home\":\"user\"}", "scope"));
	ck_assert(refused("{\"sessionId\":\"s\",\"user\":\"u\",\"template\":"
	    MIN_TPL("") ",\"persistentHome\":true,\"home\":{\"scope\":\"user\","
	    "\"accessMode\":\"ReadOnlyMany\"}}", "accessMode"));
	ck_assert(refused("{\"sessionId\":\"s\",\"user\":\"u\",\"template\":"
	    MIN_TPL("") ",\"persistentHome\":true,\"home\":{\"scope\":\"user\","
	    "\"accessMode\":\"ReadWriteMany\",\"size\":\"0\"}}", "must not be 0"));
	ck_assert(refused("{\"sessionId\":\"s\",\"user\":\"u\",\"template\":"
	    MIN_TPL("") ",\"persistentHome\":true,\"home\":{\"scope\":\"user\","
	    "\"accessMode\":\"ReadWriteMany\",\"size\":\"ten\"}}", "home.size"));
	ck_assert(refused("{\"sessionId\":\"s\",\"user\":\"u\",\"template\":"
	    MIN_TPL("") ",\"persistentHome\":true,\"home\":{\"scope\":\"user\","
	    "\"accessMode\":\"ReadWriteMany\",\"storageClass\":\"Bad_Class\"}}",
	    "storageClass"));
	ck_assert(refused("{\"sessionId\":\"s\",\"user\":\"u\",\"userId\":7,"
	    "\"template\":" MIN_TPL("") "}", "userId"));
}
END_TEST

/* The view: reports recorded as "id state reason" lines. */
static char reports[2048];

static void
record(const char *id, const char *state, const char *reason,
    const cJSON *meta, void *arg)
{
	char line[256];

	snprintf(line, sizeof(line), "%s %s %s %s\n", id, state,
	    reason ? reason : "-", kube_get_str(meta, "podIP", NULL) ?
	    kube_get_str(meta, "podIP", NULL) : "-");
	strncat(reports, line, sizeof(reports) - strlen(reports) - 1);
}

static void
changed(const char *name, void *arg)
{
	(*(int *)arg)++;
}

static cJSON *
pod(const char *name, const char *status, int terminating)
{
	char text[2048];
	cJSON *p;

	snprintf(text, sizeof(text), "{\"metadata\":{\"name\":\"%s\","
	    "\"labels\":{\"session\":\"s1\",\"managed-by\":\"ssd-agent-k8s\"},"
	    "\"annotations\":{\"" MANIFEST_ANN_ID "\":\"S1\"}%s},"
	    "\"spec\":{\"containers\":[{\"ports\":[{\"name\":\"vnc\","
	    "\"containerPort\":5901}]}]},\"status\":%s}", name, terminating ?
	    ",\"deletionTimestamp\":\"2024-01-01T00:00:00Z\"" : "", status);
	ck_assert_ptr_nonnull(p = cJSON_Parse(text));
	return p;
}

#define READY "{\"phase\":\"Running\",\"podIP\":\"127.0.1.2\",\"conditions\":" \
	"[{\"type\":\"Ready\",\"status\":\"True\"}]}"
#define CRASH "{\"phase\":\"Running\",\"podIP\":\"127.0.1.2\"," \
	"\"containerStatuses\":[{\"state\":{\"waiting\":{\"reason\":" \
	"\"CrashLoopBackOff\",\"message\":\"back-off 10s\"}},\"lastState\":" \
	"{\"terminated\":{\"reason\":\"Error\"}}}]}"
#define RESTARTED "{\"phase\":\"Running\",\"podIP\":\"127.0.1.2\"," \
	"\"containerStatuses\":[{\"state\":{\"running\":{}}}]}"

START_TEST(pods_parsed)
{
	struct view_pod p;
	struct view_deploy d;
	cJSON *o;

	o = pod("p1", READY, 0);
	ck_assert_int_eq(view_pod_parse(o, &p), 0);
	ck_assert(p.ready);
	ck_assert_str_eq(p.ip, "127.0.1.2");
	ck_assert_str_eq(p.id, "S1");
	ck_assert_int_eq(p.vnc_port, 5901);
	cJSON_Delete(o);
	o = pod("p1", CRASH, 0);
	ck_assert_int_eq(view_pod_parse(o, &p), 0);
	ck_assert(!p.ready && p.failed);
	ck_assert_str_eq(p.reason, "CrashLoopBackOff");
	ck_assert_str_eq(p.last_reason, "Error");
	cJSON_Delete(o);
	o = pod("p1", "{\"phase\":\"Failed\",\"reason\":\"Evicted\","
	    "\"message\":\"low on memory\"}", 0);
	ck_assert_int_eq(view_pod_parse(o, &p), 0);
	ck_assert(p.failed);
	ck_assert_str_eq(p.reason, "Evicted");
	cJSON_Delete(o);
	o = pod("p1", "{\"phase\":\"Pending\",\"conditions\":[{\"type\":"
	    "\"PodScheduled\",\"status\":\"False\",\"reason\":"
	    "\"Unschedulable\",\"message\":\"0/3 nodes\"}]}", 0);
	ck_assert_int_eq(view_pod_parse(o, &p), 0);
	ck_assert(!p.failed);
	ck_assert_str_eq(p.reason, "Unschedulable");
	cJSON_Delete(o);
	o = pod("p1", "{\"phase\":\"Running\",\"conditions\":[{\"type\":"
	    "\"Ready\",\"status\":\"True\"}]}", 1);
	ck_assert_int_eq(view_pod_parse(o, &p), 0);
	ck_assert(!p.ready && p.terminating);
	cJSON_Delete(o);
	o = cJSON_Parse("{\"metadata\":{\"name\":\"x\"}}");
	ck_assert_int_eq(view_pod_parse(o, &p), -1);
	ck_assert_int_eq(view_deploy_parse(o, &d), -1);
	cJSON_Delete(o);
	o = cJSON_Parse("{\"metadata\":{\"name\":\"d\",\"labels\":{\"session\":"
	    "\"s1\"}},\"spec\":{\"replicas\":0}}");
	ck_assert_int_eq(view_deploy_parse(o, &d), 0);
	ck_assert_int_eq(d.replicas, 0);
	ck_assert_str_eq(d.id, "s1");
	cJSON_Delete(o);
}
END_TEST

static void
deploy_event(struct view *v, enum kube_event_type t, int replicas)
{
	char text[512];
	cJSON *d;

	snprintf(text, sizeof(text), "{\"metadata\":{\"name\":\"s1\","
	    "\"labels\":{\"session\":\"s1\"},\"annotations\":{\""
	    MANIFEST_ANN_ID "\":\"S1\"}},\"spec\":{\"replicas\":%d}}",
	    replicas);
	d = cJSON_Parse(text);
	view_event(v, VIEW_DEPLOYMENTS, t, d);
	cJSON_Delete(d);
}

static void
pod_event(struct view *v, enum kube_event_type t, const char *name,
    const char *status, int terminating)
{
	cJSON *p = pod(name, status, terminating);

	view_event(v, VIEW_PODS, t, p);
	cJSON_Delete(p);
}

START_TEST(states)
{
	int nchanged = 0;
	struct view *v = view_new("ns", record, changed, &nchanged);
	cJSON *items = cJSON_CreateArray(), *arr;

	reports[0] = '\0';
	ck_assert_ptr_null(view_sessions(v));
	cJSON_AddItemToArray(items, pod("p1", READY, 0));
	view_list(v, VIEW_PODS, items);
	ck_assert_str_eq(reports, "");		/* not synced yet */
	cJSON_Delete(items);
	items = cJSON_CreateArray();
	view_list(v, VIEW_DEPLOYMENTS, items);
	cJSON_Delete(items);
	/* A pod without its Deployment: between states, nothing said. */
	ck_assert_str_eq(reports, "");
	ck_assert_int_eq(view_count(v), 1);
	deploy_event(v, KUBE_ADDED, 1);
	ck_assert_str_eq(reports, "S1 running - 127.0.1.2\n");
	pod_event(v, KUBE_MODIFIED, "p1", READY, 0);
	ck_assert_str_eq(reports, "S1 running - 127.0.1.2\n");
	arr = view_sessions(v);
	ck_assert_int_eq(cJSON_GetArraySize(arr), 1);
	ck_assert_str_eq(kube_get_str(cJSON_GetArrayItem(arr, 0), "state",
	    NULL), "running");
	ck_assert_str_eq(kube_get_str(cJSON_GetArrayItem(arr, 0), "sessionId",
	    NULL), "S1");
	cJSON_Delete(arr);

	/* Crash loop: failed once, not again while it restarts. */
	reports[0] = '\0';
	pod_event(v, KUBE_MODIFIED, "p1", CRASH, 0);
	pod_event(v, KUBE_MODIFIED, "p1", RESTARTED, 0);
	pod_event(v, KUBE_MODIFIED, "p1", CRASH, 0);
	ck_assert_str_eq(reports, "S1 failed CrashLoopBackOff 127.0.1.2\n");
	pod_event(v, KUBE_MODIFIED, "p1", READY, 0);
	ck_assert_str_eq(reports, "S1 failed CrashLoopBackOff 127.0.1.2\n"
	    "S1 running - 127.0.1.2\n");

	/* Hibernate: scaled to 0, pod terminating, then gone. */
	reports[0] = '\0';
	deploy_event(v, KUBE_MODIFIED, 0);
	pod_event(v, KUBE_MODIFIED, "p1", READY, 1);
	ck_assert_str_eq(reports, "");
	pod_event(v, KUBE_DELETED, "p1", READY, 1);
	ck_assert_str_eq(reports, "S1 hibernated - -\n");

	/* Wake: a new pod, pending, then running at another address. */
	reports[0] = '\0';
	deploy_event(v, KUBE_MODIFIED, 1);
	pod_event(v, KUBE_ADDED, "p2", "{\"phase\":\"Pending\"}", 0);
	pod_event(v, KUBE_MODIFIED, "p2", "{\"phase\":\"Running\",\"podIP\":"
	    "\"127.0.1.3\",\"conditions\":[{\"type\":\"Ready\",\"status\":"
	    "\"True\"}]}", 0);
	ck_assert_str_eq(reports, "S1 pending - -\nS1 running - 127.0.1.3\n");

	/* Stop: Deployment and pod go; terminated once. */
	reports[0] = '\0';
	deploy_event(v, KUBE_DELETED, 1);
	pod_event(v, KUBE_DELETED, "p2", READY, 1);
	ck_assert_str_eq(reports, "S1 terminated - -\n");
	ck_assert_int_eq(view_count(v), 0);
	ck_assert_ptr_null(view_find(v, "s1"));
	ck_assert_int_gt(nchanged, 10);

	/* A re-list that no longer holds a session ends it. */
	deploy_event(v, KUBE_ADDED, 0);
	reports[0] = '\0';
	items = cJSON_CreateArray();
	view_list(v, VIEW_DEPLOYMENTS, items);
	cJSON_Delete(items);
	ck_assert_str_eq(reports, "S1 terminated - -\n");
	view_free(v);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("manifest");
	TCase *tc = tcase_create("manifest");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, names);
	tcase_add_test(tc, label_values);
	tcase_add_test(tc, bodies);
	tcase_add_test(tc, homes);
	tcase_add_test(tc, payloads_refused);
	tcase_add_test(tc, pods_parsed);
	tcase_add_test(tc, states);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
