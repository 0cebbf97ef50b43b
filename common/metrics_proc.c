/*
 * metrics_proc.c - process_* for every ssd process, each about itself.
 *
 * Why each process reads its own /proc/self rather than the master
 * reading /proc/PID of its children: under the shipped unit
 * (ProtectProc=invisible, no CAP_SYS_PTRACE in the bounding set) the
 * root master cannot even see workers that run as another user.  And
 * the relays, chrooted with a seccomp list that has no open, cannot open
 * /proc after the sandbox: so the descriptors of /proc/self/stat and
 * /proc/self/fd are opened here, before it, and re-read at each scrape
 * (lseek + read, lseek + getdents64 on what the process already holds).
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"
#include "metrics_proc.h"
#include "util.h"

#define PROC_STAT_MAX	1024

static struct {
	int	 stat_fd, fd_dir;
	double	 ticks, page, max_fds, start;
} pm = { -1, -1, 100, 4096, 0, 0 };

int
metrics_proc_parse_stat(const char *text, size_t len, struct proc_stat *st)
{
	char buf[PROC_STAT_MAX + 1], *p, *end, *field[24];
	size_t n;

	if (len == 0 || len > PROC_STAT_MAX)
		return -1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	/* The command name is in parentheses and may hold anything. */
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return -1;
	p += 2;
	/* field[0] is the state, the stat(5) field 3. */
	for (n = 0; n < nitems(field); n++) {
		field[n] = p;
		if ((p = strchr(p, ' ')) == NULL) {
			if (n + 1 < nitems(field))
				return -1;
			break;
		}
		*p++ = '\0';
	}
	/* utime 14, stime 15, vsize 23, rss 24 in stat(5)'s numbering. */
	errno = 0;
	st->utime = strtoull(field[11], &end, 10);
	if (*end != '\0' || errno)
		return -1;
	st->stime = strtoull(field[12], &end, 10);
	if (*end != '\0' || errno)
		return -1;
	st->vsize = strtoull(field[20], &end, 10);
	if (*end != '\0' || errno)
		return -1;
	st->rss = strtoull(field[21], &end, 10);
	if ((*end != '\0' && *end != '\n') || errno)
		return -1;
	return 0;
}

static int
metrics_proc_read_stat(struct proc_stat *st)
{
	char buf[PROC_STAT_MAX];
	ssize_t n;

	if (pm.stat_fd == -1 || lseek(pm.stat_fd, 0, SEEK_SET) == -1 ||
	    (n = read(pm.stat_fd, buf, sizeof(buf))) <= 0)
		return -1;
	return metrics_proc_parse_stat(buf, (size_t)n, st);
}

/*
 * Entries of /proc/self/fd, less the directory's own descriptor.  Since
 * Linux 6.2 the directory's size is that count: one fstat, where listing
 * 10,000 agents' links took ssd-hub 8 ms a scrape; older kernels say 0,
 * and are counted entry by entry.
 */
static int
metrics_proc_count_fds(void)
{
	char buf[4096];
	struct dirent64 *d;
	struct stat st;
	ssize_t n, off;
	int count = 0;

	if (pm.fd_dir == -1)
		return -1;
	if (fstat(pm.fd_dir, &st) == 0 && st.st_size > 0)
		return (int)st.st_size - 1;
	if (lseek(pm.fd_dir, 0, SEEK_SET) == -1)
		return -1;
	while ((n = getdents64(pm.fd_dir, buf, sizeof(buf))) > 0)
		for (off = 0; off < n; off += d->d_reclen) {
			d = (struct dirent64 *)(void *)(buf + off);
			if (d->d_name[0] != '.')
				count++;
		}
	return n == -1 ? -1 : count - 1;
}

static void
metrics_proc_collect(void)
{
	struct proc_stat st;
	int fds;

	if (metrics_proc_read_stat(&st) == 0) {
		metrics_set(M_PROCESS_CPU, NULL, (double)(st.utime + st.stime) /
		    pm.ticks);
		metrics_set(M_PROCESS_RSS, NULL, (double)st.rss * pm.page);
		metrics_set(M_PROCESS_VSIZE, NULL, (double)st.vsize);
	}
	if ((fds = metrics_proc_count_fds()) >= 0)
		metrics_set(M_PROCESS_FDS, NULL, fds);
	metrics_set(M_PROCESS_MAX_FDS, NULL, pm.max_fds);
	metrics_set(M_PROCESS_START, NULL, pm.start);
}

void
metrics_proc_init(void)
{
	struct rlimit rl;
	long v;

	pm.start = (double)wall_ms() / 1000;
	if ((v = sysconf(_SC_CLK_TCK)) > 0)
		pm.ticks = (double)v;
	if ((v = sysconf(_SC_PAGESIZE)) > 0)
		pm.page = (double)v;
	/* The limit is set by the master before it starts anyone. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		pm.max_fds = (double)rl.rlim_cur;
	if ((pm.stat_fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC)) == -1)
		log_warn("process metrics: /proc/self/stat");
	if ((pm.fd_dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		log_warn("process metrics: /proc/self/fd");
	metrics_on_collect(metrics_proc_collect);
}
