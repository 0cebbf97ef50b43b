/*
 * fuzz_ws.c - the WebSocket frame parser on arbitrary bytes, as server
 * and as client, whole and in pieces: no crash, no read past the input,
 * no message over the limit.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "ws.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
run(const uint8_t *data, size_t size, enum ws_role role, size_t step)
{
	struct ws_parser p;
	struct ws_msg m;
	size_t pos = 0, used, n;
	enum ws_event ev;

	ws_parser_init(&p, role, 4096);
	while (pos < size) {
		n = size - pos < step ? size - pos : step;
		ev = ws_parse(&p, data + pos, n, &used, &m);
		if (used > n || (ev == WS_EV_MESSAGE && m.len > 4096))
			abort();
		pos += used;
		if (ev == WS_EV_CLOSE || ev == WS_EV_ERROR ||
		    (ev == WS_EV_MORE && used == 0))
			break;
	}
	ws_parser_free(&p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, WS_SERVER, size ? size : 1);
	run(data, size, WS_CLIENT, size ? size : 1);
	run(data, size, WS_SERVER, 3);
	return 0;
}
