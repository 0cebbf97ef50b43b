/*
 * json.h - JSON from outside, read one way everywhere (request bodies,
 * agents' messages): well-formed UTF-8, exactly one value with nothing
 * but white space after it, no NUL character (cJSON would cut the string
 * there), and no object with the same key twice (which of the two would
 * count is a parser's whim).
 */
#ifndef SSD_JSON_H
#define SSD_JSON_H

#include <stddef.h>

struct cJSON;

/* The value, or NULL with why (a static string). */
struct cJSON	*json_parse_strict(const void *text, size_t len,
		    const char **why);

#endif
