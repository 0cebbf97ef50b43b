/*
 * session_state.h - the session state machine, in one place for every
 * writer (ssd-api for users' requests, ssd-hub for agents' reports):
 *
 *   pending -> starting -> running -> hibernating -> hibernated
 *   hibernated -> waking -> running;  pending -> running (fast agents)
 *   hibernating -> running, waking -> hibernated (timed out)
 *   any live state -> terminating -> terminated;  any live -> failed
 */
#ifndef SSD_SESSION_STATE_H
#define SSD_SESSION_STATE_H

#include <stddef.h>

/* 1 when a session may go from one state to the other. */
int	session_transition_ok(const char *from, const char *to);
/*
 * The states a session may reach to from, as a PostgreSQL array literal
 * ("{running,waking}") for "WHERE state = ANY($n::text[])"; -1 if to is
 * not a state or the buffer is too small.
 */
int	session_states_into(const char *to, char *out, size_t len);
/* 1 when s is one of the states above. */
int	session_state_known(const char *s);
/* 1 for terminated and failed: no way out. */
int	session_state_final(const char *state);

#endif
