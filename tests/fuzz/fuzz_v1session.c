/*
 * fuzz_v1session.c - a bulk import's body on arbitrary input: parsed as
 * JSON, its list found, every item checked as a v1.x Session: no crash,
 * no leak, bounded work.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "v1session.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const cJSON *items, *o;
	struct v1_session s;
	char err[256];
	cJSON *doc;

	if (size > 65536)
		return 0;
	if ((doc = cJSON_ParseWithLength((const char *)data, size)) == NULL)
		return 0;
	if ((items = v1_session_items(doc, 1000, err, sizeof(err))) != NULL)
		cJSON_ArrayForEach(o, items) {
			(void)v1_session_parse(o, &s, err, sizeof(err));
			v1_session_free(&s);
		}
	cJSON_Delete(doc);
	return 0;
}
