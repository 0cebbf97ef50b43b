/*
 * log.c - one log line per call, to stderr, syslog or the journal.
 *
 * Messages are sanitised here (control characters escaped) because they
 * often carry peer-supplied strings: a client must not forge log lines.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sdnotify.h"
#include "util.h"

#define LOG_LINE_MAX	2048

static char		 log_ident[64] = "ssd";
static int		 log_instance = -1;
static enum log_target	 log_to = LOG_TARGET_STDERR;
static int		 log_level = LOG_INFO;
static int		 log_copy_fd = -1;	/* the terminal, or -1 */

void
log_copy_to_stderr(int on)
{
	if (on && log_copy_fd == -1)
		log_copy_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	else if (!on && log_copy_fd != -1) {
		close(log_copy_fd);
		log_copy_fd = -1;
	}
}

void
log_init(const char *name, int instance, enum log_target target)
{
	ssd_strlcpy(log_ident, name, sizeof(log_ident));
	log_instance = instance;
	log_to = target;
	switch (target) {
	case LOG_TARGET_SYSLOG:
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
		break;
	case LOG_TARGET_JOURNAL:
		if (sdn_journal_stream(log_ident) == -1) {
			/* No journal after all: syslog still reaches it. */
			log_to = LOG_TARGET_SYSLOG;
			openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
		}
		break;
	case LOG_TARGET_STDERR:
		break;
	}
}

void
log_setlevel(int level)
{
	log_level = level;
}

int
log_getlevel(void)
{
	return log_level;
}

const char *
log_name(void)
{
	return log_ident;
}

int
log_level_parse(const char *s)
{
	if (strcmp(s, "debug") == 0)
		return LOG_DEBUG;
	if (strcmp(s, "info") == 0)
		return LOG_INFO;
	if (strcmp(s, "warn") == 0 || strcmp(s, "warning") == 0)
		return LOG_WARNING;
	if (strcmp(s, "error") == 0)
		return LOG_ERR;
	return -1;
}

const char *
log_level_name(int level)
{
	switch (level) {
	case LOG_DEBUG:
		return "debug";
	case LOG_INFO:
	case LOG_NOTICE:
		return "info";
	case LOG_WARNING:
		return "warn";
	default:
		return "error";
	}
}

int
log_target_parse(const char *s)
{
	if (strcmp(s, "stderr") == 0)
		return LOG_TARGET_STDERR;
	if (strcmp(s, "syslog") == 0)
		return LOG_TARGET_SYSLOG;
	if (strcmp(s, "journal") == 0)
		return LOG_TARGET_JOURNAL;
	return -1;
}

const char *
log_target_name(enum log_target target)
{
	switch (target) {
	case LOG_TARGET_SYSLOG:
		return "syslog";
	case LOG_TARGET_JOURNAL:
		return "journal";
	default:
		return "stderr";
	}
}

/* Copies s into dst escaping bytes that could break or forge a line. */
static size_t
log_sanitize(char *dst, size_t dstlen, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	for (; *s != '\0' && n + 5 < dstlen; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n' || c == '\r' || c == '\t' || c < 0x20 ||
		    c == 0x7f) {
			dst[n++] = '\\';
			dst[n++] = 'x';
			dst[n++] = hex[c >> 4];
			dst[n++] = hex[c & 0xf];
		} else
			dst[n++] = (char)c;
	}
	dst[n] = '\0';
	return n;
}

static void
log_emit(int pri, const char *msg)
{
	char line[LOG_LINE_MAX + 128];
	int n;

	switch (log_to) {
	case LOG_TARGET_SYSLOG:
		syslog(pri, "%s", msg);
		return;
	case LOG_TARGET_JOURNAL:
		n = snprintf(line, sizeof(line), "<%d>%s\n", pri, msg);
		break;
	case LOG_TARGET_STDERR:
	default:
		n = snprintf(line, sizeof(line), "%s[%ld]: %s\n", log_ident,
		    (long)getpid(), msg);
		break;
	}
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	/* One write per line keeps lines of different processes apart. */
	(void)!write(STDERR_FILENO, line, (size_t)n);
}

static void
log_copy(const char *msg)
{
	char line[LOG_LINE_MAX + 128];
	int n;

	if (log_copy_fd == -1)
		return;
	n = snprintf(line, sizeof(line), "%s: %s\n", log_ident, msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	(void)!write(log_copy_fd, line, (size_t)n);
}

/* Prefixes, sanitises and emits one formatted line. */
static void
log_line(int pri, const char *raw)
{
	char msg[LOG_LINE_MAX];
	size_t off = 0;

	if (log_instance >= 0)
		off = (size_t)snprintf(msg, sizeof(msg), "[%d] ",
		    log_instance);
	log_sanitize(msg + off, sizeof(msg) - off, raw);
	if (log_to != LOG_TARGET_STDERR)
		log_copy(msg);
	log_emit(pri, msg);
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	char raw[LOG_LINE_MAX];
	int saved_errno = errno;

	if (pri > log_level)
		return;
	vsnprintf(raw, sizeof(raw), fmt, ap);
	log_line(pri, raw);
	errno = saved_errno;
}

/* As vlog(), with ": strerror(errno)" appended. */
static void
vlog_errno(int pri, const char *fmt, va_list ap)
{
	char raw[LOG_LINE_MAX];
	int saved_errno = errno;
	int n;

	if (pri > log_level)
		return;
	n = vsnprintf(raw, sizeof(raw), fmt, ap);
	if (n >= 0 && (size_t)n < sizeof(raw))
		snprintf(raw + n, sizeof(raw) - (size_t)n, ": %s",
		    strerror(saved_errno));
	log_line(pri, raw);
	errno = saved_errno;
}

void
log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_errno(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_level < LOG_DEBUG)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_errno(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}

int
log_ratelimit_ok(struct log_ratelimit *rl)
{
	unsigned long long now = now_ms();

	if (now - rl->window_start >= rl->interval_ms) {
		if (rl->dropped > 0)
			log_warnx("%u similar messages suppressed",
			    rl->dropped);
		rl->window_start = now;
		rl->count = 0;
		rl->dropped = 0;
	}
	if (rl->count < rl->burst) {
		rl->count++;
		return 1;
	}
	rl->dropped++;
	return 0;
}
