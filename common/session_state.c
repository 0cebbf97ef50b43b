/*
 * session_state.c - the table behind session_state.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "session_state.h"

static const char *const session_states[] = {
	"pending", "starting", "running", "hibernating", "hibernated",
	"waking", "terminating", "terminated", "failed",
};

static const struct {
	const char	*from;
	const char	*to;
} session_moves[] = {
	{ "pending", "starting" },
	{ "pending", "running" },
	{ "starting", "running" },
	{ "running", "hibernating" },
	{ "hibernating", "hibernated" },
	{ "hibernated", "waking" },
	{ "waking", "running" },
	/* A hibernation or wake that timed out leaves things as they were. */
	{ "hibernating", "running" },
	{ "waking", "hibernated" },
	{ "terminating", "terminated" },
};

int
session_state_final(const char *state)
{
	return strcmp(state, "terminated") == 0 || strcmp(state, "failed") == 0;
}

int
session_state_known(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(session_states) / sizeof(session_states[0]);
	    i++)
		if (strcmp(session_states[i], s) == 0)
			return 1;
	return 0;
}

int
session_transition_ok(const char *from, const char *to)
{
	size_t i;

	if (!session_state_known(from) || !session_state_known(to) ||
	    session_state_final(from))
		return 0;
	/* Any live session may be stopped, or fail. */
	if ((strcmp(to, "terminating") == 0 && strcmp(from, to) != 0) ||
	    strcmp(to, "failed") == 0)
		return 1;
	for (i = 0; i < sizeof(session_moves) / sizeof(session_moves[0]); i++)
		if (strcmp(session_moves[i].from, from) == 0 &&
		    strcmp(session_moves[i].to, to) == 0)
			return 1;
	return 0;
}

int
session_states_into(const char *to, char *out, size_t len)
{
	size_t i, n = 0;
	int k;

	if (!session_state_known(to) || len < 3)
		return -1;
	out[n++] = '{';
	for (i = 0; i < sizeof(session_states) / sizeof(session_states[0]);
	    i++) {
		if (!session_transition_ok(session_states[i], to))
			continue;
		k = snprintf(out + n, len - n, "%s%s", n > 1 ? "," : "",
		    session_states[i]);
		if (k < 0 || (size_t)k >= len - n)
			return -1;
		n += (size_t)k;
	}
	if (n + 2 > len)
		return -1;
	out[n++] = '}';
	out[n] = '\0';
	return 0;
}
