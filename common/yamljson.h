/*
 * yamljson.h - YAML documents as JSON (cJSON), for ssdctl template import.
 */
#ifndef SSD_YAMLJSON_H
#define SSD_YAMLJSON_H

#include <stddef.h>

struct cJSON;

/*
 * YAML (one or more documents) to a JSON array of documents.  Anchors
 * and aliases and documents nested deeper than 32 are refused; tags are
 * ignored (plain scalars are typed by the core schema).  NULL with a
 * message (and line) in err.
 */
struct cJSON *yaml_to_json(const char *text, size_t len, char *err,
	    size_t errlen);

#endif
