/*
 * manifest.c - the Deployment, Service and PVC of a session (manifest.h),
 * as KUBERNETES.md §2 describes them, from the control plane's payload
 * and its Template.  Everything that reaches the API server is checked
 * here first, so that a bad payload fails with our message, not a 422.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/sha.h>

#include "agentproto.h"
#include "kubeproto.h"
#include "manifest.h"
#include "template.h"
#include "units.h"
#include "util.h"
#include "webhost.h"

#define MANIFEST_HASH_LEN	8

void
manifest_name(const char *id, char *name)
{
	dns_label_from(id, MANIFEST_NAME_MAX, name);
}

/* 1 when s is a DNS-1123 subdomain of at most max characters. */
static int
manifest_subdomain(const char *s, size_t max)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++) {
		if (islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]))
			continue;
		if ((s[i] != '-' && s[i] != '.') || i == 0 || i == n - 1 ||
		    (s[i] == '.' && (s[i - 1] == '.' || s[i - 1] == '-' ||
		    s[i + 1] == '-')))
			return 0;
	}
	return 1;
}

void
manifest_home_name(const char *user, char *name)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char hex[SHA256_DIGEST_LENGTH * 2 + 1];
	size_t n, keep = MANIFEST_CLAIM_MAX - MANIFEST_HASH_LEN - 1;
	const char *p;

	snprintf(name, MANIFEST_CLAIM_MAX + 1, "home-%s", user);
	if (strlen(user) + 5 <= MANIFEST_CLAIM_MAX &&
	    manifest_subdomain(name, MANIFEST_CLAIM_MAX))
		return;
	/* Lossy: the hash keeps users apart (no lossless name has one). */
	n = 5;
	for (p = user; *p != '\0' && n < keep; p++) {
		char ch = (char)tolower((unsigned char)*p);

		if (!isalnum((unsigned char)ch))
			ch = '-';
		if (ch == '-' && name[n - 1] == '-')
			continue;
		name[n++] = ch;
	}
	while (name[n - 1] == '-')
		n--;
	SHA256((const unsigned char *)user, strlen(user), md);
	hex_encode(md, sizeof(md), hex);
	snprintf(name + n, MANIFEST_CLAIM_MAX + 1 - n, "-%.*s",
	    MANIFEST_HASH_LEN, hex);
}

int
manifest_home_owned(const cJSON *claim, const char *user, const char *user_id)
{
	const char *who = kube_get_str(claim, "metadata", "annotations",
	    MANIFEST_ANN_HOME_USER, NULL);
	const char *uid = kube_get_str(claim, "metadata", "annotations",
	    MANIFEST_ANN_HOME_UID, NULL);

	/* A user of that name deleted and made again is another user. */
	if (uid != NULL && user_id[0] != '\0')
		return strcmp(uid, user_id) == 0;
	return who == NULL || strcmp(who, user) == 0;
}

void
manifest_label_value(const char *s, char *out, size_t outlen)
{
	size_t n = 0, max = outlen - 1;

	if (max > MANIFEST_LABEL_MAX)
		max = MANIFEST_LABEL_MAX;
	for (; *s != '\0' && !isalnum((unsigned char)*s); s++)
		;
	for (; *s != '\0' && n < max; s++)
		out[n++] = isalnum((unsigned char)*s) || *s == '-' ||
		    *s == '.' || *s == '_' ? *s : '_';
	while (n > 0 && !isalnum((unsigned char)out[n - 1]))
		n--;
	out[n] = '\0';
}

int
manifest_session(const cJSON *payload, char *id, size_t idlen, char *name,
    char *err, size_t errlen)
{
	const char *s = kube_get_str(payload, AP_SESSION_ID, NULL);
	size_t i, n;

	if (s == NULL || (n = strlen(s)) == 0 || n > MANIFEST_ID_MAX ||
	    n >= idlen) {
		snprintf(err, errlen, "sessionId must be a string of 1 to %d "
		    "characters", MANIFEST_ID_MAX);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~') {
			snprintf(err, errlen, "sessionId must be printable "
			    "ASCII without spaces");
			return -1;
		}
	memcpy(id, s, n + 1);
	manifest_name(id, name);
	return 0;
}

int
manifest_owned(const cJSON *obj, const char *name, const char *agent)
{
	const char *mgr = kube_get_str(obj, "metadata", "labels",
	    MANIFEST_LABEL_MANAGED, NULL);
	const char *ses = kube_get_str(obj, "metadata", "labels", "session",
	    NULL);
	const char *ag = kube_get_str(obj, "metadata", "labels",
	    MANIFEST_LABEL_AGENT, NULL);

	return mgr != NULL && ses != NULL && ag != NULL && strcmp(mgr,
	    MANIFEST_MANAGER) == 0 && strcmp(ses, name) == 0 &&
	    strcmp(ag, agent) == 0;
}

char *
manifest_selector(const char *agent)
{
	char *s;

	xasprintf(&s, "%s,%s=%s", MANIFEST_SELECTOR, MANIFEST_LABEL_AGENT,
	    agent);
	return s;
}

/* What a start needs beyond the Template's name and image. */
struct manifest_in {
	const char	*user;
	const char	*tpl_name;
	const char	*image;
	const char	*memory;
	const char	*cpu;
	const char	*home_path;
	const cJSON	*env;
	int		 home;
	const char	*access_mode;	/* of a new claim */
	const char	*storage_class;	/* NULL: the cluster's default */
	char		 size[UNITS_QUANTITY_MAX + 1];
};

static const char *const manifest_access_modes[] = { "ReadWriteMany",
    "ReadWriteOnce", "ReadWriteOncePod" };

static int
manifest_resource(const cJSON *payload, const cJSON *spec, const char *key,
    const char *dflt, const char **out, char *err, size_t errlen)
{
	const cJSON *v = kube_get(payload, AP_RESOURCES, key, NULL);

	if (v == NULL || cJSON_IsNull(v))
		v = kube_get(spec, "defaultResources", key, NULL);
	if (v == NULL || cJSON_IsNull(v)) {
		*out = dflt;
		return 0;
	}
	if (!cJSON_IsString(v) || !quantity_ok(v->valuestring)) {
		snprintf(err, errlen, "resources.%s must be a quantity such as "
		    "\"%s\"", key, dflt);
		return -1;
	}
	*out = v->valuestring;
	return 0;
}

/*
 * template_check() has vetted the spec: its first port (else
 * MANIFEST_VNC_PORT) and first mount path (else MANIFEST_HOME_PATH).
 */
static int
manifest_port(const cJSON *spec)
{
	const cJSON *p = kube_get(cJSON_GetArrayItem(kube_get(spec, "ports",
	    NULL), 0), "containerPort", NULL);

	return cJSON_IsNumber(p) ? p->valueint : MANIFEST_VNC_PORT;
}

static const char *
manifest_home_path(const cJSON *spec)
{
	const char *p = kube_get_str(cJSON_GetArrayItem(kube_get(spec,
	    "volumeMounts", NULL), 0), "mountPath", NULL);

	return p != NULL ? p : MANIFEST_HOME_PATH;
}

/* The user's name and id (userId may be absent) into m. */
static int
manifest_user(const cJSON *payload, struct manifest *m, char *err,
    size_t errlen)
{
	const char *user = kube_get_str(payload, AP_USER, NULL);
	const cJSON *uid = kube_get(payload, AP_USER_ID, NULL);

	if (user == NULL || user[0] == '\0' || strlen(user) >
	    MANIFEST_USER_MAX) {
		snprintf(err, errlen, "user must be a string");
		return -1;
	}
	if (uid != NULL && !cJSON_IsNull(uid) && (!cJSON_IsString(uid) ||
	    strlen(uid->valuestring) > MANIFEST_USER_MAX)) {
		snprintf(err, errlen, "userId must be a string");
		return -1;
	}
	ssd_strlcpy(m->user, user, sizeof(m->user));
	ssd_strlcpy(m->user_id, cJSON_IsString(uid) ? uid->valuestring : "",
	    sizeof(m->user_id));
	return 0;
}

/*
 * The payload's home: {scope, accessMode, size, storageClass}, each
 * checked; none, or scope "session", is the session's own claim (as
 * agents made it before homes were the user's), of the agent's size and
 * class.
 */
static int
manifest_home(const cJSON *payload, const struct manifest_opts *o,
    struct manifest *m, struct manifest_in *in, char *err, size_t errlen)
{
	const cJSON *h = kube_get(payload, AP_HOME, NULL);
	const char *scope, *mode, *size, *cls, *why;
	uint64_t bytes;
	size_t i;

	in->access_mode = manifest_access_modes[1];
	in->storage_class = o->storage_class;
	ssd_strlcpy(in->size, o->home_size ? o->home_size :
	    MANIFEST_HOME_SIZE, sizeof(in->size));
	if (h == NULL || cJSON_IsNull(h))
		return 0;
	scope = kube_get_str(h, AP_HOME_SCOPE, NULL);
	mode = kube_get_str(h, AP_HOME_ACCESS_MODE, NULL);
	size = kube_get_str(h, AP_HOME_SIZE, NULL);
	cls = kube_get_str(h, AP_HOME_STORAGE_CLASS, NULL);
	if (!cJSON_IsObject(h) || scope == NULL ||
	    (strcmp(scope, AP_HOME_SCOPE_USER) != 0 &&
	    strcmp(scope, AP_HOME_SCOPE_SESSION) != 0)) {
		snprintf(err, errlen, "home must be an object with a scope of "
		    AP_HOME_SCOPE_USER " or " AP_HOME_SCOPE_SESSION);
		return -1;
	}
	m->user_home = strcmp(scope, AP_HOME_SCOPE_USER) == 0;
	if (!m->user_home)
		return 0;
	for (i = 0; mode != NULL && i < nitems(manifest_access_modes); i++)
		if (strcmp(mode, manifest_access_modes[i]) == 0)
			in->access_mode = manifest_access_modes[i];
	if (mode == NULL || strcmp(mode, in->access_mode) != 0) {
		snprintf(err, errlen, "home.accessMode must be ReadWriteMany, "
		    "ReadWriteOnce or ReadWriteOncePod");
		return -1;
	}
	if (size != NULL) {
		if (units_quantity_bytes(size, &bytes, &why) == -1 ||
		    (bytes == 0 && (why = "must not be 0"))) {
			snprintf(err, errlen, "home.size: %s", why);
			return -1;
		}
		units_bytes_quantity(bytes, in->size, sizeof(in->size));
	}
	if (cls != NULL && !manifest_subdomain(cls, 253)) {
		snprintf(err, errlen, "home.storageClass must be a storage "
		    "class name");
		return -1;
	}
	if (cls != NULL)
		in->storage_class = cls;
	manifest_home_name(m->user, m->pvc_name);
	return 0;
}

static int
manifest_input(const cJSON *payload, const struct manifest_opts *o,
    struct manifest *m, struct manifest_in *in, char *err, size_t errlen)
{
	const cJSON *tpl = kube_get(payload, AP_TEMPLATE, NULL), *spec, *home;
	struct template_doc t;
	char terr[200];

	memset(in, 0, sizeof(*in));
	if (manifest_session(payload, m->session_id, sizeof(m->session_id),
	    m->name, err, errlen) == -1)
		return -1;
	if (manifest_user(payload, m, err, errlen) == -1)
		return -1;
	in->user = m->user;
	if (template_check(tpl, &t, terr, sizeof(terr)) != 0) {
		template_doc_free(&t);
		snprintf(err, errlen, "template: %s", terr);
		return -1;
	}
	in->tpl_name = t.name;
	in->image = t.image;
	template_doc_free(&t);
	spec = kube_get(tpl, "spec", NULL);
	home = kube_get(payload, AP_PERSISTENT_HOME, NULL);
	if (home != NULL && !cJSON_IsBool(home) && !cJSON_IsNull(home)) {
		snprintf(err, errlen, "persistentHome must be true or false");
		return -1;
	}
	in->home = cJSON_IsTrue(home);
	if (in->home && manifest_home(payload, o, m, in, err, errlen) == -1)
		return -1;
	in->env = kube_get(spec, "env", NULL);
	if (kube_get(payload, AP_RESOURCES, NULL) != NULL &&
	    !cJSON_IsObject(kube_get(payload, AP_RESOURCES, NULL)) &&
	    !cJSON_IsNull(kube_get(payload, AP_RESOURCES, NULL))) {
		snprintf(err, errlen, "resources must be an object");
		return -1;
	}
	m->vnc_port = manifest_port(spec);
	in->home_path = manifest_home_path(spec);
	return manifest_resource(payload, spec, "memory", MANIFEST_MEMORY,
	    &in->memory, err, errlen) || manifest_resource(payload, spec,
	    "cpu", MANIFEST_CPU, &in->cpu, err, errlen) ? -1 : 0;
}

static cJSON *
manifest_meta(cJSON *o, const char *api, const char *kind, const char *name,
    const char *ns)
{
	cJSON *meta;

	cJSON_AddStringToObject(o, "apiVersion", api);
	cJSON_AddStringToObject(o, "kind", kind);
	meta = cJSON_AddObjectToObject(o, "metadata");
	cJSON_AddStringToObject(meta, "name", name);
	cJSON_AddStringToObject(meta, "namespace", ns);
	return meta;
}

static void
manifest_labels(cJSON *meta, const struct manifest *m,
    const struct manifest_in *in)
{
	cJSON *l = cJSON_AddObjectToObject(meta, "labels");
	char user[MANIFEST_LABEL_MAX + 1];

	manifest_label_value(in->user, user, sizeof(user));
	cJSON_AddStringToObject(l, "app", "streamspace-session");
	cJSON_AddStringToObject(l, "session", m->name);
	cJSON_AddStringToObject(l, "user", user);
	cJSON_AddStringToObject(l, "template", in->tpl_name);
	cJSON_AddStringToObject(l, MANIFEST_LABEL_MANAGED, MANIFEST_MANAGER);
	cJSON_AddStringToObject(l, MANIFEST_LABEL_AGENT, m->agent);
}

static void
manifest_annotations(cJSON *meta, const struct manifest *m,
    const char *nonce)
{
	cJSON *a = cJSON_AddObjectToObject(meta, "annotations");

	cJSON_AddStringToObject(a, MANIFEST_ANN_ID, m->session_id);
	if (nonce != NULL)
		cJSON_AddStringToObject(a, MANIFEST_ANN_NONCE, nonce);
}

static void
manifest_nv(cJSON *arr, const char *name, const char *value)
{
	cJSON *e = cJSON_CreateObject();

	cJSON_AddStringToObject(e, "name", name);
	cJSON_AddStringToObject(e, "value", value);
	cJSON_AddItemToArray(arr, e);
}

static void
manifest_env(cJSON *c, const struct manifest *m, const struct manifest_in *in)
{
	cJSON *env = cJSON_AddArrayToObject(c, "env");
	const cJSON *e, *v;
	const char *name;
	char num[32];

	cJSON_ArrayForEach(e, in->env) {
		name = kube_get_str(e, "name", NULL);
		v = kube_get(e, "value", NULL);
		if (strcmp(name, "SESSION_ID") == 0)
			continue;
		if (cJSON_IsNumber(v))
			snprintf(num, sizeof(num), "%.17g", v->valuedouble);
		else
			snprintf(num, sizeof(num), "%s", cJSON_IsTrue(v) ?
			    "true" : cJSON_IsFalse(v) ? "false" : "");
		manifest_nv(env, name, cJSON_IsString(v) ? v->valuestring :
		    num);
	}
	manifest_nv(env, "SESSION_ID", m->session_id);
}

static void
manifest_mount(cJSON *mounts, const char *name, const char *path)
{
	cJSON *v = cJSON_CreateObject();

	cJSON_AddStringToObject(v, "name", name);
	cJSON_AddStringToObject(v, "mountPath", path);
	cJSON_AddItemToArray(mounts, v);
}

static cJSON *
manifest_container(const struct manifest *m, const struct manifest_in *in)
{
	cJSON *c = cJSON_CreateObject(), *port, *res, *req, *mounts, *probe;

	cJSON_AddStringToObject(c, "name", "session");
	cJSON_AddStringToObject(c, "image", in->image);
	port = cJSON_CreateObject();
	cJSON_AddStringToObject(port, "name", "vnc");
	cJSON_AddNumberToObject(port, "containerPort", m->vnc_port);
	cJSON_AddStringToObject(port, "protocol", "TCP");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(c, "ports"), port);
	manifest_env(c, m, in);
	res = cJSON_AddObjectToObject(c, "resources");
	req = cJSON_AddObjectToObject(res, "requests");
	cJSON_AddStringToObject(req, "cpu", in->cpu);
	cJSON_AddStringToObject(req, "memory", in->memory);
	cJSON_AddItemToObject(res, "limits", cJSON_Duplicate(req, 1));
	mounts = cJSON_AddArrayToObject(c, "volumeMounts");
	if (in->home)
		manifest_mount(mounts, "home", in->home_path);
	manifest_mount(mounts, "dshm", "/dev/shm");
	probe = cJSON_AddObjectToObject(c, "readinessProbe");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(probe, "tcpSocket"),
	    "port", "vnc");
	cJSON_AddNumberToObject(probe, "periodSeconds", 2);
	cJSON_AddNumberToObject(probe, "timeoutSeconds", 2);
	cJSON_AddNumberToObject(probe, "failureThreshold", 3);
	cJSON_AddFalseToObject(cJSON_AddObjectToObject(c, "securityContext"),
	    "allowPrivilegeEscalation");
	return c;
}

static cJSON *
manifest_pod_spec(const struct manifest *m, const struct manifest_in *in)
{
	cJSON *spec = cJSON_CreateObject(), *sc, *vols, *v, *src;

	cJSON_AddFalseToObject(spec, "automountServiceAccountToken");
	cJSON_AddFalseToObject(spec, "enableServiceLinks");
	cJSON_AddNumberToObject(spec, "terminationGracePeriodSeconds", 20);
	sc = cJSON_AddObjectToObject(spec, "securityContext");
	cJSON_AddNumberToObject(sc, "fsGroup", 1000);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(sc, "seccompProfile"),
	    "type", "RuntimeDefault");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(spec, "containers"),
	    manifest_container(m, in));
	vols = cJSON_AddArrayToObject(spec, "volumes");
	if (in->home) {
		v = cJSON_CreateObject();
		cJSON_AddStringToObject(v, "name", "home");
		cJSON_AddStringToObject(cJSON_AddObjectToObject(v,
		    "persistentVolumeClaim"), "claimName", m->pvc_name);
		cJSON_AddItemToArray(vols, v);
	}
	v = cJSON_CreateObject();
	cJSON_AddStringToObject(v, "name", "dshm");
	src = cJSON_AddObjectToObject(v, "emptyDir");
	cJSON_AddStringToObject(src, "medium", "Memory");
	cJSON_AddStringToObject(src, "sizeLimit", MANIFEST_SHM_SIZE);
	cJSON_AddItemToArray(vols, v);
	return spec;
}

static cJSON *
manifest_deployment(const struct manifest *m, const struct manifest_in *in,
    const struct manifest_opts *o)
{
	cJSON *d = cJSON_CreateObject(), *meta, *spec, *tpl;

	meta = manifest_meta(d, "apps/v1", "Deployment", m->name,
	    o->namespace);
	manifest_labels(meta, m, in);
	manifest_annotations(meta, m, o->nonce);
	spec = cJSON_AddObjectToObject(d, "spec");
	cJSON_AddNumberToObject(spec, "replicas", 1);
	cJSON_AddNumberToObject(spec, "revisionHistoryLimit", 2);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(spec, "strategy"),
	    "type", "Recreate");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(
	    spec, "selector"), "matchLabels"), "session", m->name);
	tpl = cJSON_AddObjectToObject(spec, "template");
	meta = cJSON_AddObjectToObject(tpl, "metadata");
	manifest_labels(meta, m, in);
	manifest_annotations(meta, m, NULL);
	cJSON_AddItemToObject(tpl, "spec", manifest_pod_spec(m, in));
	return d;
}

static cJSON *
manifest_service(const struct manifest *m, const struct manifest_in *in,
    const struct manifest_opts *o)
{
	cJSON *s = cJSON_CreateObject(), *meta, *spec, *port;

	meta = manifest_meta(s, "v1", "Service", m->name, o->namespace);
	manifest_labels(meta, m, in);
	manifest_annotations(meta, m, o->nonce);
	spec = cJSON_AddObjectToObject(s, "spec");
	cJSON_AddStringToObject(spec, "type", "ClusterIP");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(spec, "selector"),
	    "session", m->name);
	port = cJSON_CreateObject();
	cJSON_AddStringToObject(port, "name", "vnc");
	cJSON_AddNumberToObject(port, "port", m->vnc_port);
	cJSON_AddStringToObject(port, "targetPort", "vnc");
	cJSON_AddStringToObject(port, "protocol", "TCP");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(spec, "ports"), port);
	return s;
}

/*
 * A user's home is no session's and no agent's: agents sharing the
 * namespace mount it for the same user, and none watches or deletes it
 * but on an administrator's delete_home.  Its annotations say whose.
 */
static void
manifest_home_meta(cJSON *meta, const struct manifest *m)
{
	cJSON *l = cJSON_AddObjectToObject(meta, "labels");
	cJSON *a = cJSON_AddObjectToObject(meta, "annotations");
	char user[MANIFEST_LABEL_MAX + 1];

	manifest_label_value(m->user, user, sizeof(user));
	cJSON_AddStringToObject(l, "app", "streamspace-home");
	cJSON_AddStringToObject(l, "user", user);
	cJSON_AddStringToObject(l, MANIFEST_LABEL_MANAGED, MANIFEST_MANAGER);
	cJSON_AddStringToObject(a, MANIFEST_ANN_HOME_USER, m->user);
	if (m->user_id[0] != '\0')
		cJSON_AddStringToObject(a, MANIFEST_ANN_HOME_UID, m->user_id);
}

static cJSON *
manifest_pvc(const struct manifest *m, const struct manifest_in *in,
    const struct manifest_opts *o)
{
	cJSON *p = cJSON_CreateObject(), *meta, *spec, *modes;

	meta = manifest_meta(p, "v1", "PersistentVolumeClaim", m->pvc_name,
	    o->namespace);
	if (m->user_home)
		manifest_home_meta(meta, m);
	else {
		manifest_labels(meta, m, in);
		manifest_annotations(meta, m, o->nonce);
	}
	spec = cJSON_AddObjectToObject(p, "spec");
	modes = cJSON_AddArrayToObject(spec, "accessModes");
	cJSON_AddItemToArray(modes, cJSON_CreateString(in->access_mode));
	cJSON_AddStringToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(
	    spec, "resources"), "requests"), "storage", in->size);
	if (in->storage_class != NULL)
		cJSON_AddStringToObject(spec, "storageClassName",
		    in->storage_class);
	return p;
}

int
manifest_home_target(const cJSON *payload, struct manifest *m, char *err,
    size_t errlen)
{
	memset(m, 0, sizeof(*m));
	if (!cJSON_IsObject(payload) || manifest_user(payload, m, err,
	    errlen) == -1)
		return -1;
	m->user_home = 1;
	manifest_home_name(m->user, m->pvc_name);
	return 0;
}

int
manifest_build(const cJSON *payload, const struct manifest_opts *o,
    struct manifest *m, char *err, size_t errlen)
{
	struct manifest_in in;

	memset(m, 0, sizeof(*m));
	if (!cJSON_IsObject(payload)) {
		snprintf(err, errlen, "the payload must be an object");
		return -1;
	}
	if (manifest_input(payload, o, m, &in, err, errlen) == -1)
		return -1;
	manifest_label_value(o->agent ? o->agent : "", m->agent,
	    sizeof(m->agent));
	if (!m->user_home)
		snprintf(m->pvc_name, sizeof(m->pvc_name), "%s-home", m->name);
	m->deployment = manifest_deployment(m, &in, o);
	m->service = manifest_service(m, &in, o);
	if (in.home)
		m->pvc = manifest_pvc(m, &in, o);
	return 0;
}

void
manifest_free(struct manifest *m)
{
	cJSON_Delete(m->deployment);
	cJSON_Delete(m->service);
	cJSON_Delete(m->pvc);
	m->deployment = m->service = m->pvc = NULL;
}

void
manifest_set_owner(cJSON *obj, const char *name, const char *uid)
{
	cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	cJSON *ref = cJSON_CreateObject(), *refs;

	cJSON_DeleteItemFromObjectCaseSensitive(meta, "ownerReferences");
	refs = cJSON_AddArrayToObject(meta, "ownerReferences");
	cJSON_AddStringToObject(ref, "apiVersion", "apps/v1");
	cJSON_AddStringToObject(ref, "kind", "Deployment");
	cJSON_AddStringToObject(ref, "name", name);
	cJSON_AddStringToObject(ref, "uid", uid);
	cJSON_AddFalseToObject(ref, "controller");
	cJSON_AddTrueToObject(ref, "blockOwnerDeletion");
	cJSON_AddItemToArray(refs, ref);
}
