/*
 * log.c - one log line per call, to stderr, syslog or the journal.
 *
 * Messages are sanitised here (control characters escaped) because they
 * often carry peer-supplied strings: a client must not forge log lines,
 * nor fill the disk with them (repeats are counted, log_set_limits).
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
/*
 * The limiter's tables, one per kind (a flood of lines all different
 * must not push out the count of their format): slots, and probing.
 */
#define LOG_SLOTS	256
#define LOG_PROBE	8
#define LOG_KEEP	240	/* bytes of a line kept for its summary */

enum log_kind { LOG_SAME, LOG_SIMILAR };

/* One kind of line in its interval: the same text, or one call site. */
struct log_slot {
	uint64_t	key;		/* 0: free */
	uint64_t	since;		/* the interval's start, ms */
	unsigned	shown, held;
	int		pri;
	enum log_kind	kind;
	char		line[LOG_KEEP];	/* the repeated one, or the first held */
};

static char		 log_ident[64] = "ssd";
static int		 log_instance = -1;
static enum log_target	 log_to = LOG_TARGET_STDERR;
static int		 log_level = LOG_INFO;
static int		 log_copy_fd = -1;	/* the terminal, or -1 */
static unsigned		 log_limit_ms = LOG_LIMIT_INTERVAL_MS;
static unsigned		 log_limit_same = LOG_LIMIT_SAME;
static unsigned		 log_limit_similar = LOG_LIMIT_SIMILAR;
static struct log_slot	 log_slots[2][LOG_SLOTS];	/* by log_kind */
static uint64_t		 log_flushed_ms;

static void	log_line(int, const char *);
static void	log_flush_at_exit(void);

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
	static int at_exit;

	if (!at_exit && atexit(log_flush_at_exit) == 0)
		at_exit = 1;
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
log_set_limits(unsigned interval_ms, unsigned same_max, unsigned similar_max)
{
	log_flush(1);
	log_limit_ms = interval_ms;
	log_limit_same = same_max;
	log_limit_similar = similar_max;
}

/* What a slot held back, said once; the slot is then empty. */
static void
log_slot_summary(struct log_slot *sl)
{
	char msg[LOG_LINE_MAX];

	if (sl->held > 0) {
		if (sl->kind == LOG_SAME)
			snprintf(msg, sizeof(msg), "%s [repeated %u more "
			    "times]", sl->line, sl->held);
		else
			snprintf(msg, sizeof(msg), "%u similar lines "
			    "suppressed, the first: %s", sl->held, sl->line);
		log_line(sl->pri, msg);
	}
	sl->key = 0;
}

void
log_flush(int all)
{
	uint64_t now = now_ms();
	struct log_slot *sl;
	size_t i;

	log_flushed_ms = now;
	for (i = 0; i < 2 * LOG_SLOTS; i++) {
		sl = &log_slots[i / LOG_SLOTS][i % LOG_SLOTS];
		if (sl->key != 0 && (all || now - sl->since >= log_limit_ms))
			log_slot_summary(sl);
	}
}

static void
log_flush_at_exit(void)
{
	log_flush(1);
}

/*
 * The slot of key: its own, else a free one, else the one whose interval
 * began first (summed up before it is taken).  An interval over starts
 * anew.
 */
static struct log_slot *
log_slot_get(uint64_t key, enum log_kind kind, uint64_t now)
{
	struct log_slot *sl, *mine = NULL, *take = NULL;
	size_t i;

	for (i = 0; i < LOG_PROBE && mine == NULL; i++) {
		sl = &log_slots[kind][(key + i) % LOG_SLOTS];
		if (sl->key == key)
			mine = sl;
		else if (take == NULL || (take->key != 0 && (sl->key == 0 ||
		    sl->since < take->since)))
			take = sl;
	}
	if (mine != NULL && now - mine->since < log_limit_ms)
		return mine;
	sl = mine != NULL ? mine : take;
	if (sl->key != 0)
		log_slot_summary(sl);
	sl->key = key;
	sl->kind = kind;
	sl->since = now;
	sl->shown = sl->held = 0;
	return sl;
}

/* 1 when one more line of this kind may be shown now, else counted. */
static int
log_slot_take(enum log_kind kind, const char *keytext, unsigned max,
    int pri, const char *raw, uint64_t now)
{
	struct log_slot *sl;
	uint64_t key;

	if (max == 0)
		return 1;
	key = fnv1a64(keytext) | 1;	/* never 0, the free mark */
	sl = log_slot_get(key, kind, now);
	if (sl->shown < max) {
		if (sl->shown++ == 0 && kind == LOG_SAME)
			ssd_strlcpy(sl->line, raw, sizeof(sl->line));
		return 1;
	}
	if (sl->held++ == 0) {
		if (kind == LOG_SIMILAR)
			ssd_strlcpy(sl->line, raw, sizeof(sl->line));
		sl->pri = pri;
	} else if (pri < sl->pri)
		sl->pri = pri;	/* said as the most severe it held */
	return 0;
}

/*
 * Whether raw (formatted from fmt) is shown: debug lines and fatal ones
 * always are; others within the limits.
 */
static int
log_limit_ok(int pri, const char *fmt, const char *raw)
{
	uint64_t now;

	if (pri >= LOG_DEBUG || pri <= LOG_CRIT || log_limit_ms == 0)
		return 1;
	now = now_ms();
	/* Where nothing calls log_flush() (the agent), lines do. */
	if (now - log_flushed_ms >= 1000)
		log_flush(0);
	return log_slot_take(LOG_SAME, raw, log_limit_same, pri, raw, now) &&
	    log_slot_take(LOG_SIMILAR, fmt, log_limit_similar, pri, raw, now);
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	char raw[LOG_LINE_MAX];
	int saved_errno = errno;

	if (pri > log_level)
		return;
	vsnprintf(raw, sizeof(raw), fmt, ap);
	if (log_limit_ok(pri, fmt, raw))
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
	if (log_limit_ok(pri, fmt, raw))
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
