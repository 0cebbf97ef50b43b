/*
 * metrics_proc.h - the standard process_* metrics of a process, read
 * from its own /proc/self files through descriptors opened before the
 * sandbox (the relays may open nothing afterwards).
 */
#ifndef SSD_METRICS_PROC_H
#define SSD_METRICS_PROC_H

#include <stddef.h>
#include <stdint.h>

struct proc_stat {
	uint64_t	utime, stime;	/* clock ticks */
	uint64_t	vsize;		/* bytes */
	uint64_t	rss;		/* pages */
};

/* Call before the sandbox; registers the collector of process_*. */
void	metrics_proc_init(void);
/* The fields of a /proc/PID/stat line; -1 when it is malformed. */
int	metrics_proc_parse_stat(const char *text, size_t len,
	    struct proc_stat *st);

#endif
