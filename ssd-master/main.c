/*
 * main.c - the ssd master: reads the configuration, binds the HTTP
 * listener and the control socket, starts the workers (proc.c) and keeps
 * them going; reload, orderly stop and systemd notification live here.
 * The master never reads a byte from an HTTP client.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "master.h"
#include "metrics.h"
#include "sdnotify.h"
#include "util.h"

#define MASTER_KILL_GRACE_MS	2000

struct master *master;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: ssd [-dMnv] [-D version] [-f file]\n");
	exit(2);
}

int
master_bind(const char *addr, int64_t portnum)
{
	struct addrinfo hints, *res;
	char port[16];
	int fd, on = 1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	snprintf(port, sizeof(port), "%lld", (long long)portnum);
	if ((rc = getaddrinfo(addr, port, &hints, &res)) != 0)
		fatalx("listen address \"%s\": %s", addr, gai_strerror(rc));
	fd = socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1)
		fatal("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, res->ai_addr, res->ai_addrlen) == -1)
		fatal("cannot listen on %s port %s", addr, port);
	/* Bursts are normal: every agent re-dials after a restart. */
	if (listen(fd, SOMAXCONN) == -1)
		fatal("listen");
	freeaddrinfo(res);
	return fd;
}

/*
 * Every agent link and every viewer is a descriptor in some worker: the
 * workers inherit the hard limit as their soft one.
 */
static void
master_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("cannot raise the descriptor limit");
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		log_debug("descriptor limit %llu",
		    (unsigned long long)rl.rlim_cur);
}

/* Fails early and clearly on what would make every worker fail. */
static void
master_check_dirs(const struct conf *c)
{
	static const char *const progs[] = { "ssd-api", "ssd-hub",
	    "ssd-relay" };
	const char *dir = conf_str(c, S_WORKER_DIR);
	const char *root = conf_str(c, S_CHROOT_DIR);
	char path[1024];
	size_t i;

	for (i = 0; i < nitems(progs); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, progs[i]);
		if (access(path, X_OK) == -1)
			fatal("worker_dir: %s", path);
	}
	if (mkdir(root, 0755) == -1 && errno != EEXIST)
		fatal("chroot_dir: cannot create %s", root);
}

void
master_status(void)
{
	size_t i, ready = 0;

	for (i = 0; i < master->nworkers; i++)
		if (master->workers[i].state == WORKER_READY)
			ready++;
	if (master->stopping)
		sdn_notify("STATUS=stopping");
	else if (ready == master->nworkers && master->ready_notified)
		sdn_notify("READY=1\nSTATUS=%zu workers ready, port %lld",
		    ready, (long long)conf_int(master->conf, S_PORT));
	else
		sdn_notify("STATUS=%zu of %zu workers ready", ready,
		    master->nworkers);
}

static void
master_stop_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct timeval tv = { MASTER_KILL_GRACE_MS / 1000, 0 };

	if (master->stopping == 1) {
		log_warnx("workers still running after shutdown_timeout, "
		    "killing them");
		master->stopping = 2;
		proc_kill_all(SIGKILL);
		evtimer_add(master->stop_timer, &tv);
		return;
	}
	/* Nothing survives SIGKILL for long: stop waiting for it. */
	event_base_loopbreak(master->base);
}

void
master_shutdown(int status)
{
	uint64_t ms = conf_ms(master->conf, S_SHUTDOWN_TIMEOUT);
	struct timeval tv = { (time_t)(ms / 1000),
	    (suseconds_t)(ms % 1000) * 1000 };

	if (master->stopping) {
		log_warnx("second stop request: killing the workers now");
		proc_kill_all(SIGKILL);
		return;
	}
	master->stopping = 1;
	master->exit_status = status;
	log_info("stopping (deadline %llums)", (unsigned long long)ms);
	sdn_notify("STOPPING=1\nSTATUS=stopping");
	control_close();
	if (master->listen_fd != -1) {
		close(master->listen_fd);
		master->listen_fd = -1;
	}
	if (master->metrics_fd != -1) {
		close(master->metrics_fd);
		master->metrics_fd = -1;
	}
	if (master->reloading)
		control_reload_done(master->reload_client, 0, "stopping");
	proc_send_shutdown((uint32_t)ms);
	if (proc_all_down()) {
		event_base_loopbreak(master->base);
		return;
	}
	master->stop_timer = evtimer_new(master->base, master_stop_timer_cb,
	    NULL);
	evtimer_add(master->stop_timer, &tv);
}

/* Takes the settings that changed into effect; the rest is reported. */
static void
master_apply(struct conf *next, char *note, size_t notelen)
{
	const struct conf_def *d;
	int i, level;
	size_t n;

	note[0] = '\0';
	for (i = 0; i < S_COUNT; i++) {
		if (conf_equal(master->conf, next, i))
			continue;
		d = conf_def(i);
		if (d->flags & CONF_RESTART) {
			n = strlen(note);
			snprintf(note + n, notelen - n, "%s%s",
			    n == 0 ? "needs a restart: " : ", ", d->key);
			conf_copy_setting(next, master->conf, i);
		} else if (d->type == CONF_SECRET)
			log_info("reload: %s changed", d->key);
		else
			log_info("reload: %s is now \"%s\"", d->key,
			    conf_str(next, i));
	}
	if (note[0] != '\0')
		log_warnx("reload: %s (keeping the old values)", note);
	conf_free(master->conf);
	master->conf = next;
	level = log_level_parse(conf_str(next, S_LOG_LEVEL));
	log_setlevel(master->verbose ? LOG_DEBUG : level);
	conf_log_limits(next);
	metrics_enable(conf_bool(next, S_METRICS));
}

static void
master_reload_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	size_t i;

	for (i = 0; i < master->nworkers; i++)
		if (master->workers[i].cfg_pending)
			log_warnx("%s: did not take the new settings in time",
			    master->workers[i].name);
	master->reloading = 0;
	metrics_add(M_RELOADS, ML("failed"), 1);
	control_reload_done(master->reload_client, 0,
	    "some workers did not take the new settings in time");
	master->reload_client = NULL;
}

void
master_reload_progress(void)
{
	char msg[sizeof(master->reload_note) + 16];
	size_t i;

	if (!master->reloading)
		return;
	for (i = 0; i < master->nworkers; i++)
		if (master->workers[i].cfg_pending &&
		    master->workers[i].pid > 0)
			return;
	evtimer_del(master->reload_timer);
	master->reloading = 0;
	metrics_add(M_RELOADS, ML("ok"), 1);
	log_info("reload done");
	sdn_notify("READY=1");
	master_status();
	snprintf(msg, sizeof(msg), "reloaded%s%s",
	    master->reload_note[0] != '\0' ? "; " : "", master->reload_note);
	control_reload_done(master->reload_client, 1, msg);
	master->reload_client = NULL;
}

int
master_reload(struct ctl_conn *client)
{
	uint64_t ms = conf_ms(master->conf, S_WORKER_START_TIMEOUT);
	struct timeval tv = { (time_t)(ms / 1000), 0 };
	struct conf_error err;
	struct conf *next;
	size_t i;

	if (master->reloading || master->stopping) {
		control_reload_done(client, 0, master->stopping ?
		    "stopping" : "a reload is already in progress");
		return -1;
	}
	sdn_notify("RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)now_usec());
	log_info("reloading %s", master->conf_path);
	next = conf_new();
	if (conf_load_all(next, master->conf_path, master->conf_must_exist,
	    &err) == -1) {
		conf_free(next);
		log_warnx("reload: %s; keeping the current configuration",
		    err.msg);
		metrics_add(M_RELOADS, ML("failed"), 1);
		sdn_notify("READY=1");
		control_reload_done(client, 0, err.msg);
		return -1;
	}
	master_apply(next, master->reload_note, sizeof(master->reload_note));
	master->reloading = 1;
	master->reload_client = client;
	for (i = 0; i < master->nworkers; i++)
		proc_send_cfg(&master->workers[i]);
	if (master->reload_timer == NULL)
		master->reload_timer = evtimer_new(master->base,
		    master_reload_timer_cb, NULL);
	evtimer_add(master->reload_timer, &tv);
	master_reload_progress();
	return 0;
}

static void
master_signal_cb(evutil_socket_t sig, short ev, void *arg)
{
	switch (sig) {
	case SIGCHLD:
		proc_reap();
		break;
	case SIGHUP:
		master_reload(NULL);
		break;
	case SIGTERM:
	case SIGINT:
		master_shutdown(0);
		break;
	case SIGUSR1:
		log_info("SIGUSR1: no log files to reopen");
		break;
	}
}

static void
master_ping_cb(evutil_socket_t fd, short ev, void *arg)
{
	proc_ping_all();
}

static void
master_watchdog_cb(evutil_socket_t fd, short ev, void *arg)
{
	size_t i;

	/* A worker that stopped answering stalls the watchdog too. */
	for (i = 0; i < master->nworkers; i++)
		if (master->workers[i].pings_missed >= 2)
			return;
	sdn_notify("WATCHDOG=1");
}

static void
master_log_cb(evutil_socket_t fd, short ev, void *arg)
{
	log_flush(0);
}

static struct event *
master_periodic(event_callback_fn cb, uint64_t usec)
{
	struct timeval tv = { (time_t)(usec / 1000000),
	    (suseconds_t)(usec % 1000000) };
	struct event *ev;

	ev = event_new(master->base, -1, EV_PERSIST, cb, NULL);
	event_add(ev, &tv);
	return ev;
}

static void
master_signals(void)
{
	static const int sigs[] = { SIGCHLD, SIGHUP, SIGTERM, SIGINT,
	    SIGUSR1 };
	size_t i;

	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < nitems(sigs); i++)
		evsignal_add(evsignal_new(master->base, sigs[i],
		    master_signal_cb, NULL), NULL);
}

/* ssd -M, and auto_migrate at start: 0 when the schema is current. */
static int
master_migrate(void)
{
	char err[1024];
	int n;

	if ((n = migrate_run(master->conf, 0, NULL, NULL, err,
	    sizeof(err))) == -1) {
		log_error("%s", err);
		return 1;
	}
	log_info("database schema up to date (%d migration%s applied)", n,
	    n == 1 ? "" : "s");
	return 0;
}

/* ssd -D: back to version, then exit; 0 when done. */
static int
master_migrate_down(const char *target)
{
	char err[1024], notes[MIGRATE_NOTES_MAX];
	int n;

	if ((n = migrate_down(master->conf, target, NULL, NULL, notes, err,
	    sizeof(err))) == -1) {
		log_error("%s", err);
		return 1;
	}
	log_info("%d migration%s reverted", n, n == 1 ? "" : "s");
	return 0;
}

static void
master_env_warn_stderr(const char *msg, void *arg)
{
	fprintf(stderr, "ssd: %s\n", msg);
}

static void
master_env_warn_log(const char *msg, void *arg)
{
	log_warnx("%s", msg);
}

static struct conf *
master_config(const char *path, int must_exist, int check_only)
{
	struct conf_error err;
	struct conf *c = conf_new();

	if (conf_load_all(c, path, must_exist, &err) == -1) {
		fprintf(stderr, "ssd: %s\n", err.msg);
		exit(1);
	}
	if (check_only) {
		conf_env_warnings(master_env_warn_stderr, NULL);
		conf_print(c, stdout);
		exit(0);
	}
	return c;
}

int
main(int argc, char *argv[])
{
	const char *path = SSD_SYSCONFDIR "/ssd.conf";
	int ch, foreground = 0, check_only = 0, must_exist = 0, verbose = 0;
	int level, migrate_only = 0;
	const char *down = NULL;
	uint64_t wd;

	while ((ch = getopt(argc, argv, "dD:f:Mnv")) != -1) {
		switch (ch) {
		case 'd':
			foreground = 1;
			break;
		case 'D':
			down = optarg;
			break;
		case 'f':
			path = optarg;
			must_exist = 1;
			break;
		case 'M':
			migrate_only = 1;
			break;
		case 'n':
			check_only = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	master = xcalloc(1, sizeof(*master));
	master->verbose = verbose;
	master->conf = master_config(path, must_exist, check_only);
	master->conf_path = path;
	master->conf_must_exist = must_exist;
	master->listen_fd = master->control_fd = master->metrics_fd = -1;
	if (foreground)
		master->log_target = LOG_TARGET_STDERR;
	else if (sdn_under_systemd())
		master->log_target = LOG_TARGET_JOURNAL;
	else
		master->log_target = LOG_TARGET_SYSLOG;
	/*
	 * Until it serves, what ssd says also reaches whoever started it,
	 * unless that standard error already is the journal.
	 */
	if (migrate_only || getenv("JOURNAL_STREAM") == NULL)
		log_copy_to_stderr(1);
	log_init("ssd", -1, master->log_target);
	level = log_level_parse(conf_str(master->conf, S_LOG_LEVEL));
	log_setlevel(master->verbose ? LOG_DEBUG : level);
	conf_log_limits(master->conf);
	conf_env_warnings(master_env_warn_log, NULL);

	if (down != NULL)
		exit(master_migrate_down(down));
	if (migrate_only)
		exit(master_migrate());
	if (conf_bool(master->conf, S_AUTO_MIGRATE) && master_migrate() != 0)
		fatalx("not starting: the database schema is not up to date");
	master_check_dirs(master->conf);
	master_raise_nofile();
	master->listen_fd = master_bind(conf_str(master->conf,
	    S_LISTEN_ADDRESS), conf_int(master->conf, S_PORT));
	master->metrics_fd = master_metrics_bind();
	if (control_open() == -1)
		exit(1);
	log_copy_to_stderr(0);
	if (!foreground && !sdn_under_systemd() && daemon(0, 0) == -1)
		fatal("daemon");

	if ((master->base = event_base_new()) == NULL)
		fatalx("cannot create the event loop");
	master_metrics_init();
	master_signals();
	control_listen();
	proc_init();
	log_info("starting %zu workers from %s", master->nworkers,
	    conf_str(master->conf, S_WORKER_DIR));
	proc_start_all();
	master->ping_timer = master_periodic(master_ping_cb,
	    conf_ms(master->conf, S_WORKER_PING_INTERVAL) * 1000);
	master_periodic(master_log_cb, 1000000);
	if ((wd = sdn_watchdog_usec()) != 0)
		master->watchdog_timer = master_periodic(master_watchdog_cb,
		    wd / 2);
	event_base_dispatch(master->base);

	control_close();
	log_info("stopped");
	return master->exit_status;
}
