/*
 * log.h - logging for every ssd program, under the program's own name.
 *
 * One call per line; each line names the object it concerns.  fatal() and
 * fatalx() are for start-up only (before the event loop); afterwards an
 * error ends the one connection or command it concerns and is logged once.
 */
#ifndef SSD_LOG_H
#define SSD_LOG_H

#include <stdarg.h>
#include <syslog.h>

enum log_target {
	LOG_TARGET_STDERR,	/* "name[pid]: msg" lines, for -d */
	LOG_TARGET_SYSLOG,	/* syslog(3), identifier = name */
	LOG_TARGET_JOURNAL,	/* own journal stream, identifier = name */
};

/* Levels are syslog(3) priorities; only these four are settable. */
#define SSD_LOG_ERROR	LOG_ERR
#define SSD_LOG_WARN	LOG_WARNING
#define SSD_LOG_INFO	LOG_INFO
#define SSD_LOG_DEBUG	LOG_DEBUG

/*
 * Opens the log.  instance >= 0 is shown as "[instance] " before every
 * message (several relays share one identifier).  Must be called before the
 * sandbox is entered: syslog and journal need a socket.
 */
void	log_init(const char *name, int instance, enum log_target target);
/*
 * While on, every line logged also goes to the standard error the
 * process had when this was turned on (a terminal, a CI log), whatever
 * the target: one-shot commands and start-up errors must not vanish into
 * a syslog that may not exist.  Turn it on before log_init (which may
 * take stderr over for the journal), off before daemonising.
 */
void	log_copy_to_stderr(int on);
void	log_setlevel(int level);
int	log_getlevel(void);
const char *log_name(void);

/* "debug", "info", "warn"/"warning", "error" <-> level; -1 if unknown. */
int	log_level_parse(const char *s);
const char *log_level_name(int level);
/* "stderr", "syslog", "journal" <-> target; -1 if unknown. */
int	log_target_parse(const char *s);
const char *log_target_name(enum log_target target);

void	log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	vlog(int level, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));

/* Log at LOG_CRIT and exit(1); fatal() appends strerror(errno). */
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/*
 * Lines a peer can make us repeat are limited, at every level but debug
 * (asked for) and fatal: within each interval_ms, a line identical to
 * one already logged is shown same_max times, and lines of one call site
 * (one format) similar_max times, however their objects differ; what is
 * held back is counted and said once when the interval is over: "LINE
 * [repeated N more times]", "N similar lines suppressed, the first:
 * LINE".  Identical lines count by their whole text, so lines of two
 * objects are never taken for repeats of each other.  A bounded table:
 * a kind pushed out early is summed up first.  0 turns a limit off.
 * The event loop's thread only (other threads may only call fatal).
 */
#define LOG_LIMIT_INTERVAL_MS	10000
#define LOG_LIMIT_SAME		5
#define LOG_LIMIT_SIMILAR	200
void	log_set_limits(unsigned interval_ms, unsigned same_max,
	    unsigned similar_max);
/*
 * Says what was held back in intervals now over (all: in every one);
 * call every second or so from the loop, or summaries wait for the next
 * line.  log_init() has it said at exit.
 */
void	log_flush(int all);

#endif
