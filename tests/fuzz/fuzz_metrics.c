/*
 * fuzz_metrics.c - what ssd-api takes from other processes and from
 * scrapers for /metrics, on arbitrary bytes: a snapshot from a worker
 * (checked, then merged in both formats when the check passes), an
 * Accept header, and a /proc/self/stat line.  No crash, no read past
 * the input, and a merged answer always ends with a newline.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "metrics_expo.h"
#include "metrics_proc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Exactly size bytes: a read past them is caught. */
	uint8_t *copy = malloc(size ? size : 1);
	struct metrics_source src[2];
	struct proc_stat st;
	struct evbuffer *out;
	const char *why;
	size_t len;

	memcpy(copy, data, size);
	(void)metrics_negotiate((const char *)copy, size);
	(void)metrics_proc_parse_stat((const char *)copy, size, &st);
	if (metrics_snapshot_check(copy, size, &why) == 0) {
		src[0] = (struct metrics_source){ "a", copy, size, 0 };
		src[1] = (struct metrics_source){ "b\"\n", copy, size, 1 };
		if ((out = evbuffer_new()) == NULL)
			abort();
		metrics_expose(out, METRICS_TEXT, src, 2);
		metrics_expose(out, METRICS_OPENMETRICS, src, 2);
		len = evbuffer_get_length(out);
		if (len == 0 || *evbuffer_pullup(out, -1) == '\0' ||
		    evbuffer_pullup(out, -1)[len - 1] != '\n')
			abort();
		evbuffer_free(out);
	}
	free(copy);
	return 0;
}
