/*
 * json.c - the strict JSON reader (json.h) on top of cJSON, which checks
 * neither UTF-8, nor what follows the value, nor duplicate keys.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "json.h"
#include "util.h"

/*
 * A NUL byte, or an escaped one (\u0000): a backslash that follows an
 * even number of backslashes starts an escape.
 */
static int
json_has_nul(const unsigned char *b, size_t len)
{
	size_t i, run = 0;

	for (i = 0; i < len; i++) {
		if (b[i] == '\0')
			return 1;
		if (b[i] == '\\') {
			run++;
			continue;
		}
		if (run % 2 == 1 && b[i] == 'u' && i + 4 < len &&
		    memcmp(b + i + 1, "0000", 4) == 0)
			return 1;
		run = 0;
	}
	return 0;
}

static int
json_key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * 1 when some object in v has a key twice: keys sorted, neighbours
 * compared, so that a body of many keys costs n log n, not n^2.  cJSON
 * bounds the depth of the recursion.
 */
static int
json_has_duplicate(const cJSON *v)
{
	const cJSON *c;
	const char **keys;
	size_t n = 0, i;
	int dup = 0;

	if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
		return 0;
	for (c = v->child; c != NULL; c = c->next) {
		if (json_has_duplicate(c))
			return 1;
		n++;
	}
	if (!cJSON_IsObject(v) || n < 2)
		return 0;
	keys = xcalloc(n, sizeof(*keys));
	for (c = v->child, i = 0; c != NULL; c = c->next)
		keys[i++] = c->string;
	qsort(keys, n, sizeof(*keys), json_key_cmp);
	for (i = 1; i < n && !dup; i++)
		dup = strcmp(keys[i - 1], keys[i]) == 0;
	free(keys);
	return dup;
}

cJSON *
json_parse_strict(const void *text, size_t len, const char **why)
{
	const char *end = NULL, *s = text;
	cJSON *v;

	if (!utf8_valid(text, len)) {
		*why = "not valid UTF-8";
		return NULL;
	}
	if (json_has_nul(text, len)) {
		*why = "NUL characters are not accepted";
		return NULL;
	}
	if ((v = cJSON_ParseWithLengthOpts(s, len, &end, 0)) == NULL) {
		*why = "not JSON";
		return NULL;
	}
	for (; end < s + len; end++)
		if (strchr(" \t\r\n", *end) == NULL) {
			cJSON_Delete(v);
			*why = "data after the JSON value";
			return NULL;
		}
	if (json_has_duplicate(v)) {
		cJSON_Delete(v);
		*why = "a key appears twice in one object";
		return NULL;
	}
	return v;
}
