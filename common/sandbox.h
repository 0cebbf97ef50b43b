/*
 * sandbox.h - how a worker gives up what it does not need: chroot (relay),
 * an unprivileged user, no new privileges, resource limits and a seccomp
 * allow-list of its own.  Entered once, after set-up, before any input
 * from outside is handled; there is no way back.
 */
#ifndef SSD_SANDBOX_H
#define SSD_SANDBOX_H

#include <stddef.h>

enum sandbox_profile {
	SANDBOX_API,	/* HTTP clients, PostgreSQL; accepts connections */
	SANDBOX_HUB,	/* agent links, PostgreSQL */
	SANDBOX_RELAY,	/* only I/O on descriptors it was given */
};

struct sandbox_opts {
	const char	*user;		/* become this user when root */
	const char	*chroot_dir;	/* SANDBOX_RELAY only */
};

/*
 * Returns 0, or -1 with a message in err (the caller exits with
 * SSD_EXIT_CONFIG when the cause is configuration, e.g. an unknown user).
 */
int	sandbox_enter(enum sandbox_profile profile,
	    const struct sandbox_opts *opts, char *err, size_t errlen);

/*
 * Test aid: makes one call the sandbox forbids ("socket", "open",
 * "execve", "ptrace", "fork").  Returns only if the call was refused with
 * an errno, describing it in result; a call the filter kills never returns.
 */
void	sandbox_probe(const char *what, char *result, size_t len);

#endif
