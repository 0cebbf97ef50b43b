/*
 * fuzz_rfbin.c - the relay's reading of viewers' bytes (ssd-relay/
 * rfbin.c) on arbitrary streams: no crash, no read past the input, and
 * the same answer whether the stream comes whole or byte by byte
 * (input seen, and whether it was lost).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rfbin.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rfbin whole, bytes;
	uint8_t *copy = malloc(size ? size : 1);
	int a, b = 0;
	size_t i;

	memcpy(copy, data, size);
	rfbin_init(&whole);
	rfbin_init(&bytes);
	a = rfbin_feed(&whole, copy, size);
	for (i = 0; i < size; i++)
		b |= rfbin_feed(&bytes, copy + i, 1);
	if (a != b || rfbin_lost(&whole) != rfbin_lost(&bytes) ||
	    memcmp(&whole, &bytes, sizeof(whole)) != 0)
		abort();
	free(copy);
	return 0;
}
