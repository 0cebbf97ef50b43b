/*
 * fuzz_conf.c - settings text (ssd.conf syntax, and what workers receive
 * from the master): parsing must never crash, and whatever is accepted
 * must survive the serialize/parse round trip unchanged.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf *c = conf_new(), *d;
	struct conf_error err;
	char *text;
	int i;

	if (conf_load_text(c, (const char *)data, size, &err) == 0) {
		(void)conf_check(c, &err);
		text = conf_serialize(c, 1);
		d = conf_new();
		if (conf_load_text(d, text, strlen(text), &err) != 0)
			abort();
		for (i = 0; i < S_COUNT; i++)
			if (!conf_equal(c, d, i))
				abort();
		conf_free(d);
		free(text);
	}
	conf_free(c);
	return 0;
}
