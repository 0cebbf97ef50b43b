/*
 * fuzz_http.c - the request parser on arbitrary bytes: the head, then
 * the rest as a chunked body, the path and a query lookup.  Nothing may
 * crash, read out of bounds or report a head longer than its input.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request r;
	struct http_chunked ch;
	uint8_t out[512];
	char path[256], val[64];
	size_t used, made, pos;
	int rc;

	rc = http_parse_head((const char *)data, size, 16384, &r);
	if (rc != 1)
		return 0;
	if (r.head_len > size || r.nheaders > HTTP_MAX_HEADERS)
		abort();
	(void)http_path_decode(r.path, r.path_len, path, sizeof(path));
	(void)http_query_get(r.query, r.query_len, "token", val, sizeof(val));
	http_chunked_init(&ch, 4096);
	for (pos = r.head_len; pos < size;) {
		rc = http_chunked_decode(&ch, data + pos, size - pos, &used,
		    out, sizeof(out), &made);
		if (used > size - pos || made > sizeof(out))
			abort();
		pos += used;
		if (rc != 0 || (used == 0 && made == 0))
			break;
	}
	return 0;
}
