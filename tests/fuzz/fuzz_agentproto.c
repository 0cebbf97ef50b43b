/*
 * fuzz_agentproto.c - the decoder of agents' and the control plane's
 * messages on arbitrary bytes: no crash, no read past the input, and a
 * message it accepts has the fields its type promises, within bounds.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "agentproto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_str(const char *s, size_t max, int required)
{
	if (s == NULL ? required : strlen(s) > max)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	const char *why = NULL;
	struct ap_msg m;
	size_t i;

	/* Not NUL-terminated: a read past the input is caught. */
	memcpy(copy, data, size);
	if (agentproto_decode(copy, size, &m, &why) == -1) {
		if (why == NULL)
			abort();
		free(copy);
		return 0;
	}
	if (!cJSON_IsObject(m.payload))
		abort();
	check_str(m.id, AP_ID_MAX, 0);
	switch (m.type) {
	case AP_T_SESSIONS:
		if (m.u.sessions.nids > AP_SESSIONS_MAX)
			abort();
		for (i = 0; i < m.u.sessions.nids; i++)
			check_str(m.u.sessions.ids[i], AP_SESSION_ID_MAX, 1);
		break;
	case AP_T_STATUS:
		check_str(m.u.status.session_id, AP_SESSION_ID_MAX, 1);
		check_str(m.u.status.state, 32, 1);
		break;
	case AP_T_ACK:
	case AP_T_COMPLETE:
	case AP_T_FAILED:
		check_str(m.id, AP_ID_MAX, 1);
		break;
	case AP_T_COMMAND:
		check_str(m.u.command.command_type, 32, 1);
		check_str(m.u.command.session_id, AP_SESSION_ID_MAX, 1);
		break;
	case AP_T_HEARTBEAT:
		if (m.u.heartbeat.has_capacity &&
		    (m.u.heartbeat.capacity.max_sessions < -1 ||
		    m.u.heartbeat.capacity.max_sessions > INT32_MAX))
			abort();
		break;
	default:
		break;
	}
	agentproto_free(&m);
	free(copy);
	return 0;
}
