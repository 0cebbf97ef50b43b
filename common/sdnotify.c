/*
 * sdnotify.c - sd_notify(3) and journal streams, with or without libsystemd.
 *
 * The fallback follows the protocols documented in sd_notify(3) and
 * systemd-journald.service(8): a datagram to $NOTIFY_SOCKET, and a stream
 * to /run/systemd/journal/stdout that starts with a short header.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#endif

#include "sdnotify.h"
#include "util.h"

#define JOURNAL_STDOUT_PATH	"/run/systemd/journal/stdout"

#ifdef HAVE_LIBSYSTEMD
static int
sdn_send(const char *msg)
{
	return sd_notify(0, msg);
}
#else
static int
sdn_send(const char *msg)
{
	struct sockaddr_un sun;
	const char *path = getenv("NOTIFY_SOCKET");
	size_t len;
	socklen_t slen;
	int fd, rc;

	if (path == NULL || *path == '\0')
		return 0;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sun.sun_path))
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, len);
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0';		/* abstract namespace */
	slen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	rc = sendto(fd, msg, strlen(msg), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, slen) == -1 ? -1 : 1;
	close(fd);
	return rc;
}
#endif

int
sdn_notify(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sdn_send(msg);
}

uint64_t
sdn_watchdog_usec(void)
{
	const char *s = getenv("WATCHDOG_USEC");
	const char *p = getenv("WATCHDOG_PID");
	unsigned long long v;
	char *end;

	if (s == NULL)
		return 0;
	if (p != NULL && strtol(p, NULL, 10) != (long)getpid())
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return 0;
	return v;
}

int
sdn_under_systemd(void)
{
	return getenv("NOTIFY_SOCKET") != NULL ||
	    getenv("JOURNAL_STREAM") != NULL;
}

#ifdef HAVE_LIBSYSTEMD
static int
sdn_stream_fd(const char *ident)
{
	return sd_journal_stream_fd(ident, 6 /* LOG_INFO */, 1);
}
#else
static int
sdn_stream_fd(const char *ident)
{
	struct sockaddr_un sun;
	char hdr[256];
	int fd, n;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ssd_strlcpy(sun.sun_path, JOURNAL_STDOUT_PATH, sizeof(sun.sun_path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		goto fail;
	shutdown(fd, SHUT_RD);
	/* identifier, unit id, priority, level prefix, syslog, kmsg, console */
	n = snprintf(hdr, sizeof(hdr), "%s\n\n6\n1\n0\n0\n0\n", ident);
	if (n < 0 || (size_t)n >= sizeof(hdr) ||
	    write(fd, hdr, (size_t)n) != n)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}
#endif

int
sdn_journal_stream(const char *ident)
{
	int fd = sdn_stream_fd(ident);

	if (fd < 0)
		return -1;
	if (fd != STDERR_FILENO) {
		if (dup2(fd, STDERR_FILENO) == -1) {
			close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}
