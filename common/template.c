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
	if (t->image == NULL || t->image[0] == '\0') {
		snprintf(err, errlen, "spec.baseImage is required");
		return 422;
	}
	if (t->app_type != NULL && strcmp(t->app_type, "desktop") != 0 &&
	    strcmp(t->app_type, "webapp") != 0) {
		snprintf(err, errlen, "spec.appType must be desktop or webapp");
		return 422;
	}
	if (template_durations(spec, err, errlen) == -1)
		return 400;
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
