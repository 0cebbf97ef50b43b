/*
 * sandbox.c - privilege drop and the per-worker seccomp allow-lists.
 *
 * The lists are tables, read top to bottom: what every worker may do, what
 * a database worker adds, and what is refused politely (an errno instead of
 * death) because libc probes it harmlessly.  Anything else kills the
 * process (SCMP_ACT_KILL_PROCESS), and the master restarts it.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"
#include "util.h"

/* Calls every worker may make: I/O on its fds, memory, time, exit. */
static const char *const sandbox_base[] = {
	"read", "write", "readv", "writev", "recvmsg", "sendmsg", "recvfrom",
	"sendto", "close", "shutdown", "epoll_wait", "epoll_pwait",
	"epoll_ctl", "clock_gettime", "clock_getres", "gettimeofday", "time",
	"nanosleep", "clock_nanosleep", "brk", "munmap", "mremap", "madvise",
	"rt_sigreturn", "rt_sigprocmask", "exit", "exit_group", "getpid",
	"gettid", "getppid", "futex", "getrandom", "restart_syscall", "fstat",
	"lseek", "sched_yield",
};

/* What libpq, the resolver and static files add for ssd-api/ssd-hub. */
static const char *const sandbox_db[] = {
	"connect", "getsockopt", "setsockopt", "getsockname", "getpeername",
	"poll", "ppoll", "newfstatat", "statx", "getdents64", "geteuid",
	"getuid", "getegid", "getgid", "uname", "sendmmsg", "recvmmsg",
	"pread64", "readlink", "prlimit64", "sysinfo",
};

/* Refused with EACCES instead of death: libc and libpq probe these. */
static const char *const sandbox_polite[] = {
	"access", "faccessat", "faccessat2", "mkdir", "mkdirat", "unlink",
	"unlinkat", "rename", "renameat", "renameat2", "chmod", "fchmod",
	"fchmodat", "chown", "fchown", "fchownat", "lstat", "stat",
};

static int
sandbox_allow(scmp_filter_ctx ctx, const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);

	/* A call this architecture does not have needs no rule. */
	if (nr == __NR_SCMP_ERROR)
		return 0;
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
}

static int
sandbox_errno(scmp_filter_ctx ctx, const char *name, int err)
{
	int nr = seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR)
		return 0;
	return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(err), nr, 0);
}

static int
sandbox_allow_list(scmp_filter_ctx ctx, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (sandbox_allow(ctx, list[i]) < 0)
			return -1;
	return 0;
}

/* Rules with argument checks, shared by every profile. */
static int
sandbox_base_rules(scmp_filter_ctx ctx, enum sandbox_profile p)
{
	const int prot_ok = PROT_READ | PROT_WRITE;
	int rc = 0;

	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, ~(scmp_datum_t)prot_ok, 0));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, ~(scmp_datum_t)prot_ok, 0));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
	    SCMP_A1(SCMP_CMP_EQ, FIONREAD));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
	    SCMP_A1(SCMP_CMP_EQ, F_GETFL));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
	    SCMP_A1(SCMP_CMP_EQ, F_SETFL));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
	    SCMP_A1(SCMP_CMP_EQ, F_GETFD));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
	    SCMP_A1(SCMP_CMP_EQ, F_SETFD));
	/*
	 * Sanitizers query the signal stack before a report and on the way
	 * out (ASan aborts if they cannot): querying changes nothing.
	 * Setting one is refused politely, but where threads are made.
	 */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sigaltstack), 1,
	    SCMP_A0(SCMP_CMP_EQ, 0));
	if (p != SANDBOX_API)
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
		    SCMP_SYS(sigaltstack), 1, SCMP_A0(SCMP_CMP_NE, 0));
	/* abort() signals itself; let it, so crashes keep their signal. */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
	    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(rt_sigaction), 0);
	/* glibc implements fstat() as newfstatat(fd, "", AT_EMPTY_PATH). */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(newfstatat), 1,
	    SCMP_A3(SCMP_CMP_EQ, AT_EMPTY_PATH));
	return rc == 0 ? 0 : -1;
}

/* Opening files read-only is allowed to database workers; writing never. */
static int
sandbox_open_rules(scmp_filter_ctx ctx, int readonly_ok)
{
	static const int wflags[] = { O_WRONLY, O_RDWR, O_CREAT, O_TRUNC,
	    O_APPEND };
	scmp_datum_t wr = 0;
	size_t i;
	int rc = 0;

	for (i = 0; i < nitems(wflags); i++)
		wr |= (scmp_datum_t)wflags[i];
	if (readonly_ok) {
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat),
		    1, SCMP_A2(SCMP_CMP_MASKED_EQ, wr, 0));
		/* Disjoint from the rule above: any write flag set. */
		for (i = 0; i < nitems(wflags); i++)
			rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
			    SCMP_SYS(openat), 1, SCMP_A2(SCMP_CMP_MASKED_EQ,
			    (scmp_datum_t)wflags[i], (scmp_datum_t)wflags[i]));
	} else
		rc |= sandbox_errno(ctx, "openat", EACCES);
	rc |= sandbox_errno(ctx, "open", EACCES);
	rc |= sandbox_errno(ctx, "creat", EACCES);
	return rc == 0 ? 0 : -1;
}

static int
sandbox_socket_rules(scmp_filter_ctx ctx, enum sandbox_profile p)
{
	int rc = 0;

	if (p == SANDBOX_RELAY) {
		/* glibc's syslog() reconnects: let it fail, not kill us. */
		rc |= sandbox_errno(ctx, "socket", EACCES);
		return rc;
	}
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
	    SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
	    SCMP_A0(SCMP_CMP_EQ, AF_INET));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
	    SCMP_A0(SCMP_CMP_EQ, AF_INET6));
	/*
	 * getaddrinfo() asks netlink for the local addresses to sort the
	 * answers of a name with several (db_host = localhost: ::1 and
	 * 127.0.0.1); refused, it sorts them without.
	 */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket),
	    1, SCMP_A0(SCMP_CMP_EQ, AF_NETLINK));
	if (p == SANDBOX_API)
		rc |= sandbox_allow(ctx, "accept4");
	return rc == 0 ? 0 : -1;
}

/*
 * ssd-api hashes passwords on threads of its own (ssd-api/hashpool.c):
 * clone only with CLONE_THREAD, so never a new process; clone3, whose
 * flags sit in memory a filter cannot read, answers ENOSYS and glibc
 * falls back to clone.
 */
static int
sandbox_thread_rules(scmp_filter_ctx ctx)
{
	int rc = 0;

	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
	    SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	rc |= sandbox_errno(ctx, "clone3", ENOSYS);
	rc |= sandbox_allow(ctx, "set_robust_list");
	rc |= sandbox_allow(ctx, "rseq");
	/*
	 * What a sanitizer's runtime does in every new thread: sets its
	 * signal stack, and calls pthread_getattr_np, which reads the
	 * affinity.
	 */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sigaltstack), 1,
	    SCMP_A0(SCMP_CMP_NE, 0));
	rc |= sandbox_allow(ctx, "sched_getaffinity");
	return rc == 0 ? 0 : -1;
}

/*
 * The relay moves the agents' DATA to viewers' sockets through a pipe of
 * each data link (wsconn_splice.c, bevio.h): pipe2 and splice, and the
 * pipe's size.  They reach no file: the relay holds sockets and pipes.
 */
static int
sandbox_splice_rules(scmp_filter_ctx ctx)
{
	int rc = 0;

	rc |= sandbox_allow(ctx, "pipe2");
	rc |= sandbox_allow(ctx, "splice");
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
	    SCMP_A1(SCMP_CMP_EQ, F_SETPIPE_SZ));
	return rc == 0 ? 0 : -1;
}

static int
sandbox_seccomp(enum sandbox_profile p, char *err, size_t errlen)
{
	scmp_filter_ctx ctx;
	size_t i;
	int rc;

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL) {
		snprintf(err, errlen, "seccomp_init failed");
		return -1;
	}
	rc = sandbox_allow_list(ctx, sandbox_base, nitems(sandbox_base));
	if (rc == 0 && p != SANDBOX_RELAY)
		rc = sandbox_allow_list(ctx, sandbox_db, nitems(sandbox_db));
	if (rc == 0)
		rc = sandbox_base_rules(ctx, p);
	if (rc == 0)
		rc = sandbox_open_rules(ctx, p != SANDBOX_RELAY);
	if (rc == 0)
		rc = sandbox_socket_rules(ctx, p);
	if (rc == 0 && p == SANDBOX_API)
		rc = sandbox_thread_rules(ctx);
	for (i = 0; rc == 0 && i < nitems(sandbox_polite); i++)
		rc = sandbox_errno(ctx, sandbox_polite[i], EACCES);
	if (rc == 0 && p == SANDBOX_RELAY)
		rc = sandbox_errno(ctx, "connect", EACCES);
	/*
	 * process_open_fds lists /proc/self/fd through the descriptor opened
	 * before the sandbox (metrics_proc.c): a directory the relay holds.
	 */
	if (rc == 0 && p == SANDBOX_RELAY)
		rc = sandbox_allow(ctx, "getdents64");
	if (rc == 0 && p == SANDBOX_RELAY)
		rc = sandbox_splice_rules(ctx);
	if (rc != 0) {
		snprintf(err, errlen, "cannot build the seccomp filter");
		seccomp_release(ctx);
		return -1;
	}
	if ((rc = seccomp_load(ctx)) != 0) {
		snprintf(err, errlen, "seccomp_load: %s", strerror(-rc));
		seccomp_release(ctx);
		return -1;
	}
	seccomp_release(ctx);
	return 0;
}

/* chroot (if asked), then the user's gid and uid, and proof of no return. */
static int
sandbox_drop(const struct sandbox_opts *o, char *err, size_t errlen)
{
	struct passwd *pw;
	uid_t uid;
	gid_t gid;

	if (geteuid() != 0) {
		log_warnx("not started as root: keeping uid %ld%s",
		    (long)geteuid(), o->chroot_dir != NULL ?
		    " and no chroot" : "");
		return 0;
	}
	errno = 0;
	if ((pw = getpwnam(o->user)) == NULL) {
		snprintf(err, errlen, "user \"%s\": %s", o->user,
		    errno != 0 ? strerror(errno) : "no such user");
		return -1;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (o->chroot_dir != NULL && (chroot(o->chroot_dir) == -1 ||
	    chdir("/") == -1)) {
		snprintf(err, errlen, "chroot %s: %s", o->chroot_dir,
		    strerror(errno));
		return -1;
	}
	if (setgroups(1, &gid) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1) {
		snprintf(err, errlen, "cannot become %s: %s", o->user,
		    strerror(errno));
		return -1;
	}
	if (uid != 0 && (setuid(0) != -1 || seteuid(0) != -1)) {
		snprintf(err, errlen, "could regain root after dropping it");
		return -1;
	}
	return 0;
}

int
sandbox_enter(enum sandbox_profile p, const struct sandbox_opts *o,
    char *err, size_t errlen)
{
	struct rlimit rl = { 0, 0 };

	if (sandbox_drop(o, err, errlen) == -1)
		return -1;
	/*
	 * No children, and no core files with secrets in them.  RLIMIT_NPROC
	 * counts threads too, so ssd-api, which hashes on threads, keeps
	 * its limit and relies on the filter: clone only with CLONE_THREAD.
	 */
	if ((p != SANDBOX_API && setrlimit(RLIMIT_NPROC, &rl) == -1) ||
	    setrlimit(RLIMIT_CORE, &rl) == -1) {
		snprintf(err, errlen, "setrlimit: %s", strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		snprintf(err, errlen, "PR_SET_NO_NEW_PRIVS: %s",
		    strerror(errno));
		return -1;
	}
	return sandbox_seccomp(p, err, errlen);
}

void
sandbox_probe(const char *what, char *result, size_t len)
{
	long rc = -1;

	errno = 0;
	if (strcmp(what, "socket") == 0)
		rc = socket(AF_INET, SOCK_STREAM, 0);
	else if (strcmp(what, "open") == 0)
		rc = open("/etc/ssd-sandbox-probe", O_WRONLY | O_CREAT, 0600);
	else if (strcmp(what, "openat") == 0)
		rc = openat(AT_FDCWD, "/etc/passwd", O_RDONLY);
	else if (strcmp(what, "execve") == 0) {
		char *const argv[] = { (char *)"/bin/true", NULL };

		rc = execve("/bin/true", argv, argv + 1);
	} else if (strcmp(what, "ptrace") == 0)
		rc = ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	else if (strcmp(what, "fork") == 0)
		rc = syscall(SYS_fork);
	else if (strcmp(what, "clone") == 0)	/* a process, not a thread */
		rc = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	else {
		snprintf(result, len, "%s: unknown probe", what);
		return;
	}
	if (rc >= 0)
		snprintf(result, len, "%s: ALLOWED (returned %ld)", what, rc);
	else
		snprintf(result, len, "%s: refused: %s", what,
		    strerror(errno));
}
