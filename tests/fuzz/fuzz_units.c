/*
 * fuzz_units.c - quantities and policy durations on arbitrary bytes (up
 * to the first NUL): no crash, no read past the input, a reason for
 * every refusal, and what is accepted prints back as a value that reads
 * the same.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), out[UNITS_QUANTITY_MAX + 1];
	const char *why = NULL;
	uint64_t v, w;

	memcpy(s, data, size);
	s[size] = '\0';
	if (units_quantity_bytes(s, &v, &why) == 0) {
		units_bytes_quantity(v, out, sizeof(out));
		if (units_quantity_bytes(out, &w, &why) != 0 || w != v)
			abort();
	} else if (why == NULL)
		abort();
	why = NULL;
	if (units_quantity_millis(s, &v, &why) == -1 && why == NULL)
		abort();
	why = NULL;
	if (units_duration(s, 366 * 86400, &v, &why) == 0) {
		units_duration_str(v, out, sizeof(out));
		if (units_duration(out, 366 * 86400, &w, &why) != 0 || w != v)
			abort();
	} else if (why == NULL)
		abort();
	free(s);
	return 0;
}
