/*
 * template.c - Template documents (template.h): the one place their
 * fields are checked, for the API and for ssdctl template import.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "log.h"
#include "template.h"
#include "units.h"
#include "util.h"

int
dns1123_label(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > TEMPLATE_NAME_MAX || !isalnum((unsigned char)s[0]) ||
	    !isalnum((unsigned char)s[n - 1]))
		return 0;
	for (i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) ||
		    isdigit((unsigned char)s[i]) || s[i] == '-'))
			return 0;
	return 1;
}

char *
json_pg_text_array(const cJSON *v, size_t max, size_t len)
{
	const cJSON *e;
	size_t used = 1;
	const char *p;
	char *arr;

	if (!cJSON_IsArray(v) || (size_t)cJSON_GetArraySize(v) > max)
		return NULL;
	arr = xmalloc(3 + max * (len * 2 + 3));
	arr[0] = '{';
	cJSON_ArrayForEach(e, v) {
		if (!cJSON_IsString(e) || strlen(e->valuestring) > len) {
			free(arr);
			return NULL;
		}
		if (used > 1)
			arr[used++] = ',';
		arr[used++] = '"';
		for (p = e->valuestring; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				arr[used++] = '\\';
			arr[used++] = *p;
		}
		arr[used++] = '"';
	}
	arr[used++] = '}';
	arr[used] = '\0';
	return arr;
}

int
json_opt_str(const cJSON *o, const char *key, size_t max, const char **out,
    char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	*out = NULL;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v) || strlen(v->valuestring) > max) {
		snprintf(err, errlen, "field \"%s\" must be a string of at most "
		    "%zu bytes", key, max);
		return -1;
	}
	*out = v->valuestring;
	return 0;
}

/*
 * A template's policies (spec.idleTimeout, spec.maxSessionDuration), if
 * it says them: durations as sessions' are (common/units.h).
 */
static int
template_durations(const cJSON *spec, char *err, size_t errlen)
{
	static const char *const keys[] = { "idleTimeout",
	    "maxSessionDuration" };
	const char *s, *why;
	uint64_t secs;
	size_t i;

	for (i = 0; i < nitems(keys); i++) {
		if (json_opt_str(spec, keys[i], UNITS_DURATION_MAX, &s, err,
		    errlen) == -1)
			return -1;
		if (s != NULL && units_duration(s, TEMPLATE_DURATION_MAX, &secs,
		    &why) == -1) {
			snprintf(err, errlen, "spec.%s: %s", keys[i], why);
			return -1;
		}
	}
	return 0;
}

/* One grammar of quantities for all of ssd: common/units.c's. */
int
quantity_ok(const char *s)
{
	const char *why;
	uint64_t v;

	/* In bytes, not millis: "3E" is a quantity, if a large one. */
	return units_quantity_bytes(s, &v, &why) == 0;
}

/* An image reference: registry/name:tag@digest characters, no spaces. */
static int
template_image_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= TEMPLATE_IMAGE_MAX && isalnum((unsigned char)s[0]) &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-/:@") == n;
}

int
template_icon_ok(const char *s)
{
	const char *p;

	if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0 &&
	    s[0] != '/')
		return 0;
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '"' ||
		    *p == '<' || *p == '>' || *p == '\\')
			return 0;
	return 1;
}

/* An environment variable's name, as Kubernetes takes it. */
static int
template_env_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 128 && !isdigit((unsigned char)s[0]) &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_.-") == n;
}

/* An optional array of at most max objects: -1 if it is something else. */
static int
template_list(const cJSON *spec, const char *key, int max, const cJSON **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(spec, key), *e;

	*out = NULL;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) > max)
		return -1;
	cJSON_ArrayForEach(e, v)
		if (!cJSON_IsObject(e))
			return -1;
	*out = v;
	return 0;
}

static int
template_ports(const cJSON *spec, char *err, size_t errlen)
{
	const cJSON *ports, *e, *cp;
	const char *name, *proto;
	int i = 0;

	if (template_list(spec, "ports", TEMPLATE_LIST_MAX, &ports) == -1)
		return snprintf(err, errlen, "spec.ports must be a list of at "
		    "most %d ports", TEMPLATE_LIST_MAX), -1;
	cJSON_ArrayForEach(e, ports) {
		cp = cJSON_GetObjectItemCaseSensitive(e, "containerPort");
		if (!cJSON_IsNumber(cp) || cp->valuedouble < 1 ||
		    cp->valuedouble > 65535 ||
		    cp->valuedouble != (double)(int)cp->valuedouble)
			return snprintf(err, errlen, "spec.ports[%d]."
			    "containerPort must be a port number, 1 to 65535",
			    i), -1;
		if (json_opt_str(e, "name", 15, &name, err, errlen) == -1 ||
		    (name != NULL && !dns1123_label(name)))
			return snprintf(err, errlen, "spec.ports[%d].name must "
			    "be a DNS-1123 label of at most 15", i), -1;
		if (json_opt_str(e, "protocol", 8, &proto, err, errlen) == -1 ||
		    (proto != NULL && strcmp(proto, "TCP") != 0 &&
		    strcmp(proto, "UDP") != 0 && strcmp(proto, "SCTP") != 0))
			return snprintf(err, errlen, "spec.ports[%d].protocol "
			    "must be TCP, UDP or SCTP", i), -1;
		i++;
	}
	return 0;
}

static int
template_env(const cJSON *spec, char *err, size_t errlen)
{
	const cJSON *env, *e, *v;
	const char *name;
	int i = 0;

	if (template_list(spec, "env", TEMPLATE_ENV_MAX, &env) == -1)
		return snprintf(err, errlen, "spec.env must be a list of at most "
		    "%d variables", TEMPLATE_ENV_MAX), -1;
	cJSON_ArrayForEach(e, env) {
		v = cJSON_GetObjectItemCaseSensitive(e, "value");
		if (json_opt_str(e, "name", 128, &name, err, errlen) == -1 ||
		    name == NULL || !template_env_name_ok(name))
			return snprintf(err, errlen, "spec.env[%d].name must be "
			    "a variable name", i), -1;
		if (v != NULL && !cJSON_IsNull(v) && !cJSON_IsNumber(v) &&
		    !cJSON_IsBool(v) && (!cJSON_IsString(v) ||
		    strlen(v->valuestring) > TEMPLATE_VALUE_MAX))
			return snprintf(err, errlen, "spec.env[%d].value must be "
			    "a scalar of at most %d bytes", i,
			    TEMPLATE_VALUE_MAX), -1;
		i++;
	}
	return 0;
}

static int
template_resources(const cJSON *spec, char *err, size_t errlen)
{
	static const char *const keys[] = { "memory", "cpu" };
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(spec,
	    "defaultResources");
	const char *q;
	size_t i;

	if (res == NULL || cJSON_IsNull(res))
		return 0;
	if (!cJSON_IsObject(res))
		return snprintf(err, errlen, "spec.defaultResources must be an "
		    "object"), -1;
	for (i = 0; i < nitems(keys); i++)
		if (json_opt_str(res, keys[i], TEMPLATE_QUANTITY_MAX, &q, err,
		    errlen) == -1 || (q != NULL && !quantity_ok(q)))
			return snprintf(err, errlen, "spec.defaultResources.%s "
			    "must be a quantity such as \"2Gi\" or \"500m\"",
			    keys[i]), -1;
	return 0;
}

static int
template_mounts(const cJSON *spec, char *err, size_t errlen)
{
	const cJSON *mounts, *e;
	const char *path;
	int i = 0;

	if (template_list(spec, "volumeMounts", TEMPLATE_LIST_MAX,
	    &mounts) == -1)
		return snprintf(err, errlen, "spec.volumeMounts must be a list "
		    "of at most %d mounts", TEMPLATE_LIST_MAX), -1;
	cJSON_ArrayForEach(e, mounts) {
		if (json_opt_str(e, "mountPath", TEMPLATE_PATH_MAX, &path, err,
		    errlen) == -1 || path == NULL || path[0] != '/' ||
		    strchr(path, ':') != NULL)
			return snprintf(err, errlen, "spec.volumeMounts[%d]."
			    "mountPath must be an absolute path", i), -1;
		i++;
	}
	return 0;
}

/*
 * spec.vnc and spec.kasmvnc, what ssd_streaming() (schema 0040) decides a
 * session's protocol and port from: objects with an optional boolean
 * enabled, port and (vnc only) protocol.
 */
static int
template_stream_block(const cJSON *spec, const char *key, int protocol,
    char *err, size_t errlen)
{
	static const char *const protocols[] = { "rfb", "vnc", "http",
	    "kasmvnc", "selkies", "guacamole" };
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(spec, key), *v;
	const char *proto;
	size_t i;

	if (o == NULL || cJSON_IsNull(o))
		return 0;
	if (!cJSON_IsObject(o))
		return snprintf(err, errlen, "spec.%s must be an object", key),
		    -1;
	v = cJSON_GetObjectItemCaseSensitive(o, "enabled");
	if (v != NULL && !cJSON_IsBool(v))
		return snprintf(err, errlen, "spec.%s.enabled must be true or "
		    "false", key), -1;
	v = cJSON_GetObjectItemCaseSensitive(o, "port");
	if (v != NULL && (!cJSON_IsNumber(v) || v->valuedouble < 1 ||
	    v->valuedouble > 65535 ||
	    v->valuedouble != (double)(int)v->valuedouble))
		return snprintf(err, errlen, "spec.%s.port must be a port "
		    "number, 1 to 65535", key), -1;
	if (!protocol)
		return 0;
	if (json_opt_str(o, "protocol", 16, &proto, err, errlen) == -1)
		return -1;
	for (i = 0; proto != NULL && i < nitems(protocols); i++)
		if (strcmp(proto, protocols[i]) == 0)
			return 0;
	return proto == NULL ? 0 : (snprintf(err, errlen, "spec.%s.protocol "
	    "must be rfb (VNC) or a web protocol: http, kasmvnc, selkies or "
	    "guacamole", key), -1);
}

/* What sessions are built and reached from: each field named when wrong. */
static int
template_spec(const cJSON *spec, const struct template_doc *t, char *err,
    size_t errlen)
{
	if (t->image == NULL || t->image[0] == '\0')
		return snprintf(err, errlen, "spec.baseImage is required"), -1;
	if (!template_image_ok(t->image))
		return snprintf(err, errlen, "spec.baseImage must be an image "
		    "reference: letters, digits and ._-/:@"), -1;
	if (t->icon != NULL && t->icon[0] != '\0' &&
	    !template_icon_ok(t->icon))
		return snprintf(err, errlen, "spec.icon must be an https: or "
		    "http: URL, or a path"), -1;
	if (t->app_type != NULL && strcmp(t->app_type, "desktop") != 0 &&
	    strcmp(t->app_type, "webapp") != 0)
		return snprintf(err, errlen, "spec.appType must be desktop or "
		    "webapp"), -1;
	return template_ports(spec, err, errlen) == -1 ||
	    template_stream_block(spec, "vnc", 1, err, errlen) == -1 ||
	    template_stream_block(spec, "kasmvnc", 0, err, errlen) == -1 ||
	    template_env(spec, err, errlen) == -1 ||
	    template_resources(spec, err, errlen) == -1 ||
	    template_mounts(spec, err, errlen) == -1 ||
	    template_durations(spec, err, errlen) == -1 ? -1 : 0;
}

int
template_check(const cJSON *doc, struct template_doc *t, char *err,
    size_t errlen)
{
	const cJSON *meta, *spec, *tags;
	const char *api, *kind;

	memset(t, 0, sizeof(*t));
	if (!cJSON_IsObject(doc) || json_opt_str(doc, "apiVersion", 64, &api,
	    err, errlen) || json_opt_str(doc, "kind", 64, &kind, err, errlen))
		return snprintf(err, errlen, "not a Template document"), 400;
	if (api == NULL || kind == NULL ||
	    strcmp(api, "stream.space/v1alpha1") != 0 ||
	    strcmp(kind, "Template") != 0) {
		snprintf(err, errlen, "not a Template document (apiVersion "
		    "stream.space/v1alpha1, kind Template)");
		return 422;
	}
	meta = cJSON_GetObjectItemCaseSensitive(doc, "metadata");
	spec = cJSON_GetObjectItemCaseSensitive(doc, "spec");
	if (!cJSON_IsObject(meta) || !cJSON_IsObject(spec)) {
		snprintf(err, errlen, "metadata and spec must be objects");
		return 400;
	}
	if (json_opt_str(meta, "name", 255, &t->name, err, errlen) ||
	    json_opt_str(spec, "displayName", 255, &t->display_name, err,
	    errlen) || json_opt_str(spec, "description", 4096,
	    &t->description, err, errlen) || json_opt_str(spec, "category",
	    255, &t->category, err, errlen) || json_opt_str(spec, "icon",
	    2048, &t->icon, err, errlen) || json_opt_str(spec, "appType", 32,
	    &t->app_type, err, errlen) || json_opt_str(spec, "baseImage",
	    512, &t->image, err, errlen))
		return 400;
	if (t->name == NULL || !dns1123_label(t->name)) {
		snprintf(err, errlen, "metadata.name must be a DNS-1123 label: "
		    "lower-case letters, digits and '-', at most 63");
		return 422;
	}
	if (template_spec(spec, t, err, errlen) == -1)
		return 422;
	tags = cJSON_GetObjectItemCaseSensitive(spec, "tags");
	if (tags != NULL && (t->tags = json_pg_text_array(tags, 64, 64)) ==
	    NULL) {
		snprintf(err, errlen, "spec.tags must be at most 64 strings of "
		    "at most 64 bytes");
		return 400;
	}
	return 0;
}

void
template_doc_free(struct template_doc *t)
{
	free(t->tags);
	t->tags = NULL;
}
