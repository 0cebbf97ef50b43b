/*
 * body.c - reading JSON request bodies the same way on every route: the
 * body must be one JSON value read strictly (common/json.c: UTF-8, no
 * NUL, no trailing data, no key twice), an object but where a route takes
 * another (a bulk import's array); fields are checked for type and
 * length; unknown fields are ignored (documented in ssd-api(8)).  Query
 * filters are read as strictly: no unknown key, none twice.  Helpers
 * answer 400 themselves and return -1/NULL.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "api.h"
#include "conf.h"
#include "json.h"
#include "template.h"
#include "units.h"
#include "util.h"
#include "worker.h"

cJSON *
body_json(struct request *r)
{
	const char *why;
	char msg[128];
	cJSON *o;

	if (r->body_len == 0) {
		server_reply_error(r, 400, "a JSON body is required");
		return NULL;
	}
	if ((o = json_parse_strict(r->body, r->body_len, &why)) == NULL) {
		snprintf(msg, sizeof(msg), "the body is not one JSON value: %s",
		    why);
		server_reply_error(r, 400, msg);
	}
	return o;
}

cJSON *
body_object(struct request *r)
{
	cJSON *o;

	if ((o = body_json(r)) == NULL)
		return NULL;
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		server_reply_error(r, 400, "the body is not a JSON object");
		return NULL;
	}
	return o;
}

int
body_str(struct request *r, const cJSON *o, const char *key, size_t max,
    int required, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	char msg[160];

	*out = NULL;
	if (v == NULL || cJSON_IsNull(v)) {
		if (!required)
			return 0;
		snprintf(msg, sizeof(msg), "field \"%s\" is required", key);
	} else if (!cJSON_IsString(v))
		snprintf(msg, sizeof(msg), "field \"%s\" must be a string", key);
	else if (strlen(v->valuestring) > max)
		snprintf(msg, sizeof(msg), "field \"%s\" is longer than %zu "
		    "bytes", key, max);
	else if (required && v->valuestring[0] == '\0')
		snprintf(msg, sizeof(msg), "field \"%s\" is empty", key);
	else {
		*out = v->valuestring;
		return 0;
	}
	server_reply_error(r, 400, msg);
	return -1;
}

int
body_bool(struct request *r, const cJSON *o, const char *key, int *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	char msg[128];

	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsBool(v)) {
		snprintf(msg, sizeof(msg), "field \"%s\" must be true or false",
		    key);
		server_reply_error(r, 400, msg);
		return -1;
	}
	*out = cJSON_IsTrue(v);
	return 0;
}

/* An array of at most max strings of at most len bytes, as a PG array. */
int
body_str_array(struct request *r, const cJSON *o, const char *key,
    size_t max, size_t len, char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	char msg[160];

	*out = NULL;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if ((*out = json_pg_text_array(v, max, len)) != NULL)
		return 0;
	snprintf(msg, sizeof(msg), "field \"%s\" must be an array of at most "
	    "%zu strings of at most %zu bytes", key, max, len);
	server_reply_error(r, 400, msg);
	return -1;
}

void
body_field_error(struct request *r, const char *key, const char *why)
{
	cJSON *o = cJSON_CreateObject();
	char msg[256];

	snprintf(msg, sizeof(msg), "field \"%s\": %s", key, why);
	cJSON_AddStringToObject(o, "error", "bad_request");
	cJSON_AddStringToObject(o, "message", msg);
	cJSON_AddStringToObject(o, "field", key);
	server_reply_cjson(r, 400, o);
}

/* A string field for units.c: absent (NULL), or one it may read. */
static int
body_units_str(struct request *r, const cJSON *o, const char *key,
    size_t max, const char *what, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	*out = NULL;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v) || strlen(v->valuestring) > max) {
		body_field_error(r, key, what);
		return -1;
	}
	*out = v->valuestring;
	return 0;
}

int
body_duration(struct request *r, const cJSON *o, const char *key,
    int64_t *secs)
{
	uint64_t max = conf_ms(worker_conf(), S_POLICY_DURATION_MAX) / 1000, v;
	const char *s, *why;

	*secs = -1;
	if (body_units_str(r, o, key, UNITS_DURATION_MAX, "must be a string "
	    "such as \"30m\", \"1h30m\" or \"0\"", &s) == -1)
		return -1;
	if (s == NULL)
		return 0;
	if (units_duration(s, max, &v, &why) == -1) {
		body_field_error(r, key, why);
		return -1;
	}
	*secs = (int64_t)v;
	return 0;
}

int
body_bytes(struct request *r, const cJSON *o, const char *key,
    int64_t *bytes)
{
	const char *s, *why;
	uint64_t v;

	*bytes = -1;
	if (body_units_str(r, o, key, UNITS_QUANTITY_MAX, "must be a string "
	    "such as \"10Gi\"", &s) == -1)
		return -1;
	if (s == NULL)
		return 0;
	if (units_quantity_bytes(s, &v, &why) == -1) {
		body_field_error(r, key, why);
		return -1;
	}
	*bytes = (int64_t)v;
	return 0;
}

int
body_query(struct request *r, const char *const *keys, size_t max)
{
	static const char *const why[] = { "", "is not a filter of this route",
	    "is given twice", "is not valid UTF-8 text of at most" };
	char bad[40], msg[160];
	int rc;

	if ((rc = http_query_check(r->http->query, r->http->query_len, keys,
	    max, bad, sizeof(bad))) == 0)
		return 0;
	if (rc == HTTP_QUERY_MALFORMED)
		snprintf(msg, sizeof(msg), "query parameter \"%s\" %s %zu "
		    "bytes", bad, why[rc], max);
	else
		snprintf(msg, sizeof(msg), "query parameter \"%s\" %s", bad,
		    why[rc]);
	server_reply_error(r, 400, msg);
	return -1;
}

const char *
body_query_get(struct request *r, const char *key, char *buf, size_t size)
{
	return http_query_get(r->http->query, r->http->query_len, key, buf,
	    size) >= 0 ? buf : NULL;
}
