/*
 * fuzz_yaml.c - YAML to JSON on arbitrary input, and every document that
 * comes out checked as a Template: no crash, no leak, bounded work.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "template.h"
#include "yamljson.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct template_doc t;
	char err[256];
	cJSON *docs, *d;

	if (size > 65536)
		return 0;
	if ((docs = yaml_to_json((const char *)data, size, err,
	    sizeof(err))) == NULL)
		return 0;
	cJSON_ArrayForEach(d, docs) {
		(void)template_check(d, &t, err, sizeof(err));
		template_doc_free(&t);
	}
	cJSON_Delete(docs);
	return 0;
}
