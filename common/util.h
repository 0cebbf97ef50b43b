/*
 * util.h - small helpers every ssd program uses: allocation that cannot
 * return NULL, bounded string copies, clocks, fd flags, and the parsers for
 * durations and sizes used by configuration and protocol code.
 */
#ifndef SSD_UTIL_H
#define SSD_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/* Allocation failure is fatal: there is no sensible way to go on. */
void	*xmalloc(size_t n);
void	*xcalloc(size_t nmemb, size_t size);
void	*xrealloc(void *p, size_t n);
char	*xstrdup(const char *s);
char	*xstrndup(const char *s, size_t n);
int	 xasprintf(char **ret, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* strlcpy(3) semantics: always terminates, returns strlen(src). */
size_t	ssd_strlcpy(char *dst, const char *src, size_t size);
/* Overwrites memory the compiler may not optimise away (secrets). */
void	ssd_explicit_bzero(void *p, size_t n);
/* Constant-time comparison of two equal-length buffers: 0 if equal. */
int	ssd_timingsafe_bcmp(const void *a, const void *b, size_t n);

uint64_t now_ms(void);		/* CLOCK_MONOTONIC, milliseconds */
uint64_t now_usec(void);	/* CLOCK_MONOTONIC, microseconds */
uint64_t wall_ms(void);		/* CLOCK_REALTIME, milliseconds */

int	fd_set_nonblock(int fd);
int	fd_set_cloexec(int fd, int on);

/*
 * "250ms", "30s", "5m", "2h", "1d", or a plain number of seconds.
 * Returns 0 and the value in milliseconds, or -1 on bad syntax/overflow.
 */
int	parse_duration_ms(const char *s, uint64_t *ms);
/* "512", "64k", "16KiB", "1M", "1MiB", "2G": bytes (powers of 1024). */
int	parse_size(const char *s, uint64_t *bytes);
/* Decimal integer in [min, max]; -1 on bad syntax or range. */
int	parse_int64(const char *s, int64_t min, int64_t max, int64_t *v);
/* "yes/no/true/false/on/off/1/0"; -1 if none of them. */
int	parse_bool(const char *s);

/* Number of online CPUs, at least 1. */
int	ncpus(void);

/* Fills buf with n random bytes from getrandom(2); -1 on failure. */
int	random_bytes(void *buf, size_t n);
/*
 * The same for secrets (keys, tokens, tickets, ids): getrandom(2) on a
 * valid buffer cannot fail short of a broken kernel, and nothing may go
 * on without the bytes, so failure is fatal.
 */
void	random_fill(void *buf, size_t n);
/* n random bytes as lower-case hex into out (2n+1 bytes). */
void	random_hex(char *out, size_t n);
/*
 * The wait before retry number attempt (0: the first): base doubled per
 * attempt, at most cap.  With jitter, uniform in [1, that] instead
 * ("full jitter"), so that many clients failing together do not all come
 * back at the same moment.
 */
uint64_t backoff_ms(unsigned attempt, uint64_t base, uint64_t cap,
	    int jitter);
/* 1 when s[0..len) is well-formed UTF-8 (RFC 3629), else 0. */
int	utf8_valid(const uint8_t *s, size_t len);
/*
 * FNV-1a of a string: for hash tables, and for placing an agent on a
 * relay (the same agent id must give the same value in every process).
 */
uint32_t fnv1a(const char *s);
/* The same in 64 bits: where a collision would merge two things. */
uint64_t fnv1a64(const char *s);
/* Lower-case hex of n bytes into out (2n+1 bytes). */
void	hex_encode(const void *p, size_t n, char *out);

#endif
