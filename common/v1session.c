/*
 * v1session.c - StreamSpace v1.x Session objects (v1session.h): the one
 * place their fields are checked.  Pure: no I/O, no allocation but the
 * tags literal; unknown fields (status, managedFields...) are ignored.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "template.h"
#include "util.h"
#include "v1session.h"

#define V1_TEXT_MAX	255	/* user and template names */
#define V1_SHORT_MAX	32	/* quantities, durations, as a create takes */
#define V1_TAGS_MAX	32
#define V1_TAG_LEN	64

/* Where each form keeps what is not in spec. */
struct v1_form {
	const char	*name;
	const char	*alt_name;	/* the flat form's "id" */
	const char	*created;
	const char	*uid;
};
static const struct v1_form v1_kube = { "name", NULL, "creationTimestamp",
    "uid" };
static const struct v1_form v1_flat = { "name", "id", "createdAt", NULL };

const cJSON *
v1_session_items(const cJSON *doc, size_t max, char *err, size_t errlen)
{
	const cJSON *items = doc;

	if (cJSON_IsObject(doc))
		items = cJSON_GetObjectItemCaseSensitive(doc, "items");
	if (!cJSON_IsArray(items)) {
		snprintf(err, errlen, "expected an array of v1.x Session "
		    "objects, or a List of them (kubectl get sessions -o json)");
		return NULL;
	}
	if ((size_t)cJSON_GetArraySize(items) > max) {
		snprintf(err, errlen, "%d sessions, more than the %zu one "
		    "import takes (bulk_import_max)", cJSON_GetArraySize(items),
		    max);
		return NULL;
	}
	return items;
}

/* n digits at s, between lo and hi. */
static int
v1_digits(const char *s, int n, int lo, int hi)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return 0;
		v = v * 10 + s[i] - '0';
	}
	return v >= lo && v <= hi;
}

/* YYYY-MM-DDTHH:MM:SS[.fraction]Z, as Kubernetes writes times. */
static int
v1_time(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 20 || !v1_digits(s, 4, 1, 9999) || s[4] != '-' ||
	    !v1_digits(s + 5, 2, 1, 12) || s[7] != '-' ||
	    !v1_digits(s + 8, 2, 1, 31) || s[10] != 'T' ||
	    !v1_digits(s + 11, 2, 0, 23) || s[13] != ':' ||
	    !v1_digits(s + 14, 2, 0, 59) || s[16] != ':' ||
	    !v1_digits(s + 17, 2, 0, 60) || s[n - 1] != 'Z')
		return 0;
	if (n == 20)
		return 1;
	if (s[19] != '.' || n < 22 || n > 30)
		return 0;
	for (i = 20; i < n - 1; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* spec's resources: absent, or an object of two quantities. */
static int
v1_resources(const cJSON *spec, struct v1_session *s, char *err,
    size_t errlen)
{
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(spec, "resources");

	if (r == NULL || cJSON_IsNull(r))
		return 0;
	if (!cJSON_IsObject(r)) {
		snprintf(err, errlen, "resources must be an object");
		return -1;
	}
	if (json_opt_str(r, "memory", V1_SHORT_MAX, &s->memory, err,
	    errlen) || json_opt_str(r, "cpu", V1_SHORT_MAX, &s->cpu, err,
	    errlen))
		return -1;
	if ((s->memory != NULL && !quantity_ok(s->memory)) ||
	    (s->cpu != NULL && !quantity_ok(s->cpu))) {
		snprintf(err, errlen, "resources.memory and resources.cpu must "
		    "be quantities such as \"2Gi\" and \"1000m\"");
		return -1;
	}
	return 0;
}

/* What spec says, in either form (the flat form's spec is the object). */
static int
v1_spec(const cJSON *spec, struct v1_session *s, char *err, size_t errlen)
{
	const cJSON *home, *tags;

	if (json_opt_str(spec, "user", V1_TEXT_MAX, &s->user, err, errlen) ||
	    json_opt_str(spec, "template", V1_TEXT_MAX, &s->template_name,
	    err, errlen) || json_opt_str(spec, "state", V1_SHORT_MAX,
	    &s->state, err, errlen) || json_opt_str(spec, "idleTimeout",
	    V1_SHORT_MAX, &s->idle_timeout, err, errlen) ||
	    json_opt_str(spec, "maxSessionDuration", V1_SHORT_MAX,
	    &s->max_duration, err, errlen) ||
	    v1_resources(spec, s, err, errlen) == -1)
		return -1;
	if (s->user == NULL || s->user[0] == '\0') {
		snprintf(err, errlen, "user is required");
		return -1;
	}
	if (s->template_name == NULL || !dns1123_label(s->template_name)) {
		snprintf(err, errlen, "template must name a template (a "
		    "DNS-1123 label)");
		return -1;
	}
	if (s->state == NULL)
		s->state = "running";
	if (strcmp(s->state, "running") != 0 &&
	    strcmp(s->state, "hibernated") != 0 &&
	    strcmp(s->state, "terminated") != 0) {
		snprintf(err, errlen, "state must be running, hibernated or "
		    "terminated");
		return -1;
	}
	home = cJSON_GetObjectItemCaseSensitive(spec, "persistentHome");
	if (home != NULL && !cJSON_IsNull(home) && !cJSON_IsBool(home)) {
		snprintf(err, errlen, "persistentHome must be true or false");
		return -1;
	}
	s->persistent_home = cJSON_IsBool(home) ? cJSON_IsTrue(home) : -1;
	tags = cJSON_GetObjectItemCaseSensitive(spec, "tags");
	if (tags != NULL && !cJSON_IsNull(tags) && (s->tags =
	    json_pg_text_array(tags, V1_TAGS_MAX, V1_TAG_LEN)) == NULL) {
		snprintf(err, errlen, "tags must be at most %d strings of at "
		    "most %d bytes", V1_TAGS_MAX, V1_TAG_LEN);
		return -1;
	}
	return 0;
}

/* What metadata says (the flat form's metadata is the object too). */
static int
v1_meta(const cJSON *meta, const struct v1_form *f, struct v1_session *s,
    char *err, size_t errlen)
{
	if (json_opt_str(meta, f->name, V1_TEXT_MAX, &s->name, err, errlen) ||
	    (s->name == NULL && f->alt_name != NULL && json_opt_str(meta,
	    f->alt_name, V1_TEXT_MAX, &s->name, err, errlen)) ||
	    json_opt_str(meta, "namespace", V1_TEXT_MAX, &s->namespace, err,
	    errlen) || json_opt_str(meta, f->created, V1_SHORT_MAX,
	    &s->created, err, errlen) || (f->uid != NULL &&
	    json_opt_str(meta, f->uid, 64, &s->uid, err, errlen)))
		return -1;
	if (s->name == NULL || !dns1123_label(s->name)) {
		snprintf(err, errlen, "the session's name must be a DNS-1123 "
		    "label: lower-case letters, digits and '-', at most 63");
		return -1;
	}
	if (s->namespace != NULL && !dns1123_label(s->namespace)) {
		snprintf(err, errlen, "namespace must be a DNS-1123 label");
		return -1;
	}
	if (s->created != NULL && !v1_time(s->created)) {
		snprintf(err, errlen, "%s must be a time such as "
		    "2025-11-21T12:34:56Z", f->created);
		return -1;
	}
	return 0;
}

int
v1_session_parse(const cJSON *o, struct v1_session *s, char *err,
    size_t errlen)
{
	const cJSON *meta, *spec;
	const char *api, *kind;

	memset(s, 0, sizeof(*s));
	s->persistent_home = -1;
	if (!cJSON_IsObject(o)) {
		snprintf(err, errlen, "not an object");
		return -1;
	}
	meta = cJSON_GetObjectItemCaseSensitive(o, "metadata");
	if (meta == NULL)
		return v1_meta(o, &v1_flat, s, err, errlen) == -1 ||
		    v1_spec(o, s, err, errlen) == -1 ? -1 : 0;
	if (json_opt_str(o, "apiVersion", 64, &api, err, errlen) ||
	    json_opt_str(o, "kind", 64, &kind, err, errlen))
		return -1;
	if ((kind != NULL && strcmp(kind, "Session") != 0) || (api != NULL &&
	    strncmp(api, "stream.space/", 13) != 0)) {
		snprintf(err, errlen, "not a StreamSpace Session (apiVersion "
		    "stream.space/v1alpha1, kind Session)");
		return -1;
	}
	spec = cJSON_GetObjectItemCaseSensitive(o, "spec");
	if (!cJSON_IsObject(meta) || !cJSON_IsObject(spec)) {
		snprintf(err, errlen, "metadata and spec must be objects");
		return -1;
	}
	return v1_meta(meta, &v1_kube, s, err, errlen) == -1 ||
	    v1_spec(spec, s, err, errlen) == -1 ? -1 : 0;
}

void
v1_session_free(struct v1_session *s)
{
	free(s->tags);
	s->tags = NULL;
}
