/*
 * proc.c - the master's workers: fork+exec with a clean environment and
 * the master channel on fd 3, one socket pair per pair of workers that
 * talk, liveness pings, and restarts with back-off that give up on a
 * crash loop.  Never touches client data.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "ipc.h"
#include "master.h"
#include "metrics.h"
#include "snapshot.h"
#include "util.h"
#include "worker.h"

#define PROC_CHAN_QUEUE		(1024 * 1024)
#define PROC_BACKOFF_FIRST_MS	1000
#define PROC_BACKOFF_MAX_MS	60000
#define PROC_PINGS_MISSED_MAX	3

static void	proc_chan_msg(struct ipc_chan *, struct ipc_msg *, void *);
static void	proc_chan_closed(struct ipc_chan *, const char *, void *);

static const struct ipc_chan_ops proc_chan_ops = {
	.msg = proc_chan_msg,
	.closed = proc_chan_closed,
};

const char *
proc_state_name(enum worker_state s)
{
	switch (s) {
	case WORKER_DOWN:
		return "down";
	case WORKER_STARTING:
		return "starting";
	case WORKER_READY:
		return "ready";
	case WORKER_BACKOFF:
		return "backoff";
	case WORKER_STOPPING:
		return "stopping";
	}
	return "?";
}

static void
proc_worker_init(struct worker *w, enum proc_kind kind, const char *prog,
    int instance)
{
	memset(w, 0, sizeof(*w));
	w->kind = kind;
	w->prog = prog;
	w->instance = instance;
	w->pid = -1;
	if (kind == PROC_RELAY)
		snprintf(w->name, sizeof(w->name), "%s[%d]", prog, instance);
	else
		ssd_strlcpy(w->name, prog, sizeof(w->name));
	ssd_strlcpy(w->last_exit, "-", sizeof(w->last_exit));
}

void
proc_init(void)
{
	int64_t nrelay = conf_int(master->conf, S_RELAY_WORKERS);
	size_t i;

	if (nrelay == 0)
		nrelay = ncpus();
	master->nworkers = 2 + (size_t)nrelay;
	master->workers = xcalloc(master->nworkers, sizeof(struct worker));
	proc_worker_init(&master->workers[0], PROC_API, "ssd-api", 0);
	proc_worker_init(&master->workers[1], PROC_HUB, "ssd-hub", 0);
	for (i = 2; i < master->nworkers; i++)
		proc_worker_init(&master->workers[i], PROC_RELAY,
		    "ssd-relay", (int)i - 2);
}

struct worker *
proc_find(const char *name)
{
	size_t i;

	for (i = 0; i < master->nworkers; i++)
		if (strcmp(master->workers[i].name, name) == 0)
			return &master->workers[i];
	return NULL;
}

static int
proc_running(const struct worker *w)
{
	return w->pid > 0 && w->chan != NULL;
}

/* The design's table: api<->hub, api<->relay, hub<->relay. */
static int
proc_talk(const struct worker *a, const struct worker *b)
{
	return a->kind != b->kind;
}

static void
proc_send_peer(struct worker *to, const struct worker *other, int fd)
{
	struct imsg_peer p;

	memset(&p, 0, sizeof(p));
	p.kind = other->kind;
	p.instance = (uint32_t)other->instance;
	p.gen = other->gen;
	if (ipc_send(to->chan, IMSG_PEER_CHANNEL, 0, fd, &p, sizeof(p)) == -1) {
		log_warn("%s: cannot pass the channel to %s", to->name,
		    other->name);
		close(fd);
	}
}

/* Gives w a fresh channel to every running worker it talks to. */
static void
proc_wire(struct worker *w)
{
	struct worker *o;
	int sp[2];
	size_t i;

	for (i = 0; i < master->nworkers; i++) {
		o = &master->workers[i];
		if (o == w || !proc_running(o) || !proc_talk(w, o))
			continue;
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0, sp) == -1) {
			log_warn("%s: socketpair for %s", w->name, o->name);
			continue;
		}
		proc_send_peer(w, o, sp[0]);
		proc_send_peer(o, w, sp[1]);
	}
}

static char **
proc_env(void)
{
	static const char *const keep[] = {
		"TZ", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS",
	};
	static char *env[nitems(keep) + 1];
	size_t i, n = 0;
	char *v;

	for (i = 0; i < nitems(keep); i++) {
		if ((v = getenv(keep[i])) == NULL)
			continue;
		free(env[n]);
		xasprintf(&env[n++], "%s=%s", keep[i], v);
	}
	env[n] = NULL;
	return env;
}

/* In the child: fd 3 is the channel, nothing else is inherited. */
static void __attribute__((noreturn))
proc_exec(const struct worker *w, int fd, char *path, char **env)
{
	char inst[16], *argv[8];
	int level = log_getlevel();
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (fd != WORKER_MASTER_FD) {
		if (dup2(fd, WORKER_MASTER_FD) == -1)
			_exit(127);
	} else
		fd_set_cloexec(fd, 0);
	syscall(SYS_close_range, WORKER_MASTER_FD + 1, ~0U, 0);
	snprintf(inst, sizeof(inst), "%d", w->instance);
	argv[0] = (char *)w->prog;
	argv[1] = "-I";
	argv[2] = inst;
	argv[3] = "-L";
	argv[4] = (char *)log_target_name(master->log_target);
	argv[5] = "-l";
	argv[6] = (char *)log_level_name(level);
	argv[7] = NULL;
	execve(path, argv, env);
	fprintf(stderr, "%s: cannot execute %s: %s\n", w->name, path,
	    strerror(errno));
	_exit(127);
}

static void
proc_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct worker *w = arg;

	if (w->state == WORKER_BACKOFF) {
		proc_spawn(w);
		return;
	}
	if (w->state == WORKER_STARTING && w->pid > 0) {
		log_warnx("%s: not ready within %llums, killing it", w->name,
		    (unsigned long long)conf_ms(master->conf,
		    S_WORKER_START_TIMEOUT));
		kill(w->pid, SIGKILL);
	}
}

static void
proc_timer_set(struct worker *w, uint64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000),
	    (suseconds_t)(ms % 1000) * 1000 };

	if (w->timer == NULL)
		w->timer = evtimer_new(master->base, proc_timer_cb, w);
	evtimer_add(w->timer, &tv);
}

/* A copy of a listening socket the master keeps, for ssd-api. */
static void
proc_send_listener(struct worker *w, uint32_t type, int fd)
{
	int lfd = dup(fd);

	if (lfd == -1 || ipc_send(w->chan, type, 0, lfd, NULL, 0) == -1) {
		log_warn("%s: cannot pass a listener", w->name);
		if (lfd != -1)
			close(lfd);
	}
}

void
proc_spawn(struct worker *w)
{
	char *path, *cfg;
	int sp[2];
	pid_t pid;

	xasprintf(&path, "%s/%s", conf_str(master->conf, S_WORKER_DIR),
	    w->prog);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		fatal("socketpair");
	switch ((pid = fork())) {
	case -1:
		fatal("fork");
	case 0:
		close(sp[0]);
		proc_exec(w, sp[1], path, proc_env());
	}
	free(path);
	close(sp[1]);
	fd_set_nonblock(sp[0]);
	w->pid = pid;
	w->gen++;
	w->state = WORKER_STARTING;
	w->started_ms = now_ms();
	w->pings_missed = 0;
	w->cfg_pending = 0;
	w->chan = ipc_chan_new(master->base, sp[0], w->name, IPC_F_FDPASS,
	    PROC_CHAN_QUEUE, &proc_chan_ops, w);
	log_debug("%s: started, pid %ld", w->name, (long)pid);

	cfg = conf_serialize(master->conf, w->kind != PROC_RELAY);
	if (ipc_send(w->chan, IMSG_CFG, 0, -1, cfg, strlen(cfg)) == -1)
		log_warn("%s: cannot send the settings", w->name);
	ssd_explicit_bzero(cfg, strlen(cfg));
	free(cfg);
	proc_wire(w);
	if (w->kind == PROC_API && master->listen_fd != -1)
		proc_send_listener(w, IMSG_LISTENER, master->listen_fd);
	if (w->kind == PROC_API && master->metrics_fd != -1)
		proc_send_listener(w, IMSG_METRICS_LISTENER,
		    master->metrics_fd);
	ipc_send(w->chan, IMSG_START, 0, -1, NULL, 0);
	proc_timer_set(w, conf_ms(master->conf, S_WORKER_START_TIMEOUT));
}

void
proc_start_all(void)
{
	size_t i;

	for (i = 0; i < master->nworkers; i++)
		proc_spawn(&master->workers[i]);
}

static void
proc_ready(struct worker *w)
{
	if (w->state != WORKER_STARTING)
		return;
	evtimer_del(w->timer);
	w->state = WORKER_READY;
	w->start_failures = 0;
	log_debug("%s: ready", w->name);
	if (!master->ready_notified && proc_all_ready()) {
		master->ready_notified = 1;
		log_info("ready: %zu workers, listening on %s port %lld",
		    master->nworkers, conf_str(master->conf, S_LISTEN_ADDRESS),
		    (long long)conf_int(master->conf, S_PORT));
	}
	master_status();
}

static void
proc_chan_msg(struct ipc_chan *c, struct ipc_msg *m, void *arg)
{
	struct worker *w = arg;

	switch (m->type) {
	case IMSG_READY:
		proc_ready(w);
		break;
	case IMSG_PONG:
		w->pings_missed = 0;
		break;
	case IMSG_CFG_DONE:
		if (m->len > 0)
			log_warnx("%s: reload refused: %.*s", w->name,
			    (int)m->len, (const char *)m->data);
		w->cfg_pending = 0;
		master_reload_progress();
		break;
	case IMSG_PROBE_RESULT:
		log_info("%s: sandbox probe: %.*s", w->name, (int)m->len,
		    (const char *)m->data);
		break;
	case IMSG_ADMIN_DATA:
	case IMSG_ADMIN_END:
		if (w->kind == PROC_API) {
			control_admin_msg(m->peerid, m->type,
			    (const char *)m->data, m->len);
			break;
		}
		/* FALLTHROUGH */
	case IMSG_SNAP_REQ:
		/* ssd-api gathers /metrics: the master's part, at once. */
		if (m->type == IMSG_SNAP_REQ && w->kind == PROC_API) {
			snapshot_answer(c, m);
			break;
		}
		/* FALLTHROUGH */
	default:
		/* A worker we cannot understand is a failed worker. */
		log_warnx("%s: unexpected message type %u, killing it",
		    w->name, m->type);
		kill(w->pid, SIGKILL);
	}
}

static void
proc_chan_closed(struct ipc_chan *c, const char *why, void *arg)
{
	struct worker *w = arg;

	ipc_chan_free(c);
	w->chan = NULL;
	if (w->kind == PROC_API)
		control_admin_lost();
	if (w->pid > 0) {
		log_debug("%s: channel closed (%s)", w->name, why);
		kill(w->pid, SIGKILL);
	}
}

static void
proc_describe_exit(struct worker *w, int status)
{
	if (WIFSIGNALED(status))
		snprintf(w->last_exit, sizeof(w->last_exit), "signal-%d",
		    WTERMSIG(status));
	else
		snprintf(w->last_exit, sizeof(w->last_exit), "exit-%d",
		    WEXITSTATUS(status));
}

/* Why a worker ended, as ssd_worker_restarts labels it. */
static const char *
proc_exit_reason(const struct worker *w, int status, enum worker_state was)
{
	if (w->pings_missed >= PROC_PINGS_MISSED_MAX)
		return "unresponsive";
	if (was != WORKER_READY)
		return "start_failed";
	return WIFSIGNALED(status) ? "signal" : "exit";
}

/* Counts a failure; true when crash_limit is reached within the window. */
static int
proc_crash_loop(struct worker *w)
{
	uint64_t now = now_ms(), window = conf_ms(master->conf,
	    S_CRASH_WINDOW);
	int64_t limit = conf_int(master->conf, S_CRASH_LIMIT);
	unsigned i, n = 0;

	w->fails[w->nfails++ % WORKER_FAIL_RING] = now;
	for (i = 0; i < WORKER_FAIL_RING && i < w->nfails; i++)
		if (now - w->fails[i] <= window)
			n++;
	if ((int64_t)n < limit)
		return 0;
	log_error("%s: %u failures within %llums, giving up", w->name, n,
	    (unsigned long long)window);
	return 1;
}

static void
proc_exited(struct worker *w, int status)
{
	enum worker_state was = w->state;
	char how[64];
	unsigned ms;

	proc_describe_exit(w, status);
	w->pid = -1;
	if (w->chan != NULL) {
		ipc_chan_free(w->chan);
		w->chan = NULL;
	}
	if (w->timer != NULL)
		evtimer_del(w->timer);
	w->state = WORKER_DOWN;
	if (master->stopping) {
		log_debug("%s: stopped (%s)", w->name, w->last_exit);
		if (proc_all_down())
			event_base_loopbreak(master->base);
		return;
	}
	if (WIFSIGNALED(status))
		snprintf(how, sizeof(how), "killed by signal %d (%s)",
		    WTERMSIG(status), sigabbrev_np(WTERMSIG(status)) ?
		    sigabbrev_np(WTERMSIG(status)) : "?");
	else
		snprintf(how, sizeof(how), "exited with status %d",
		    WEXITSTATUS(status));
	if (WIFEXITED(status) && WEXITSTATUS(status) == SSD_EXIT_CONFIG) {
		log_error("%s: %s: its configuration cannot work, stopping",
		    w->name, how);
		master_shutdown(1);
		return;
	}
	if (proc_crash_loop(w)) {
		master_shutdown(1);
		return;
	}
	w->restarts++;
	metrics_add(M_WORKER_RESTARTS, ML(w->name, proc_exit_reason(w,
	    status, was)), 1);
	if (was == WORKER_READY) {
		log_warnx("%s: %s; restarting", w->name, how);
		proc_spawn(w);
	} else {
		ms = (unsigned)backoff_ms(w->start_failures++,
		    PROC_BACKOFF_FIRST_MS, PROC_BACKOFF_MAX_MS, 0);
		log_warnx("%s: %s while starting; restarting in %ums",
		    w->name, how, ms);
		w->state = WORKER_BACKOFF;
		proc_timer_set(w, ms);
	}
	master_status();
	master_reload_progress();
}

void
proc_reap(void)
{
	size_t i;
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < master->nworkers; i++)
			if (master->workers[i].pid == pid)
				break;
		if (i < master->nworkers)
			proc_exited(&master->workers[i], status);
	}
}

void
proc_ping_all(void)
{
	struct worker *w;
	size_t i;

	for (i = 0; i < master->nworkers; i++) {
		w = &master->workers[i];
		if (w->state != WORKER_READY || w->chan == NULL)
			continue;
		if (w->pings_missed >= PROC_PINGS_MISSED_MAX) {
			log_warnx("%s: missed %u pings, killing it", w->name,
			    w->pings_missed);
			kill(w->pid, SIGKILL);
			continue;
		}
		w->pings_missed++;
		ipc_send(w->chan, IMSG_PING, w->pings_missed, -1, NULL, 0);
	}
}

int
proc_all_ready(void)
{
	size_t i;

	for (i = 0; i < master->nworkers; i++)
		if (master->workers[i].state != WORKER_READY)
			return 0;
	return 1;
}

int
proc_all_down(void)
{
	size_t i;

	for (i = 0; i < master->nworkers; i++)
		if (master->workers[i].pid > 0)
			return 0;
	return 1;
}

void
proc_kill_all(int sig)
{
	size_t i;

	for (i = 0; i < master->nworkers; i++)
		if (master->workers[i].pid > 0)
			kill(master->workers[i].pid, sig);
}

void
proc_send_shutdown(uint32_t deadline_ms)
{
	struct worker *w;
	size_t i;

	for (i = 0; i < master->nworkers; i++) {
		w = &master->workers[i];
		if (w->timer != NULL)
			evtimer_del(w->timer);
		if (w->pid <= 0) {
			w->state = WORKER_DOWN;
			continue;
		}
		w->state = WORKER_STOPPING;
		if (w->chan == NULL || ipc_send(w->chan, IMSG_SHUTDOWN, 0, -1,
		    &deadline_ms, sizeof(deadline_ms)) == -1)
			kill(w->pid, SIGKILL);
	}
}

int
proc_send_cfg(struct worker *w)
{
	char *cfg;
	int rc;

	if (w->chan == NULL || w->pid <= 0)
		return -1;
	cfg = conf_serialize(master->conf, w->kind != PROC_RELAY);
	rc = ipc_send(w->chan, IMSG_CFG, 0, -1, cfg, strlen(cfg));
	ssd_explicit_bzero(cfg, strlen(cfg));
	free(cfg);
	if (rc == 0)
		w->cfg_pending = 1;
	return rc;
}

void
proc_send_log_level(struct worker *w, int level)
{
	int32_t l = level;

	if (w->chan != NULL)
		ipc_send(w->chan, IMSG_LOG_LEVEL, 0, -1, &l, sizeof(l));
}
