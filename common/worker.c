/*
 * worker.c - what every worker does between exec and its own work: reads
 * its arguments, opens its log, takes its settings from the master, enters
 * the sandbox on IMSG_START and answers the master's control messages.
 * A worker trusts its master; it still validates every message's size.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "ipc.h"
#include "log.h"
#include "metrics.h"
#include "metrics_proc.h"
#include "snapshot.h"
#include "worker.h"
#include "util.h"

#define WORKER_MASTER_QUEUE	(1024 * 1024)

static struct {
	const struct worker_ops	*ops;
	struct event_base	*base;
	struct ipc_chan		*master;
	struct conf		*conf;
	struct event		*deadline;
	struct event		*log_timer;	/* held-back lines said */
	int			 instance;
	int			 started;
	int			 draining;
} w;

struct event_base *
worker_base(void)
{
	return w.base;
}

const struct conf *
worker_conf(void)
{
	return w.conf;
}

int
worker_instance(void)
{
	return w.instance;
}

struct ipc_chan *
worker_master_chan(void)
{
	return w.master;
}

int
worker_shutting_down(void)
{
	return w.draining;
}

void
worker_exit(int status)
{
	log_debug("exiting with status %d", status);
	exit(status);
}

static void
worker_reply(uint32_t type, uint32_t peerid, const void *data, size_t len)
{
	if (ipc_send(w.master, type, peerid, -1, data, len) == -1)
		log_warn("cannot answer the master");
}

void
worker_admin_reply(uint32_t id, int end, const char *json)
{
	worker_reply(end ? IMSG_ADMIN_END : IMSG_ADMIN_DATA, id, json,
	    strlen(json));
}

/* Settings text from the master: first set-up, or a reload. */
static void
worker_cfg(const struct ipc_msg *m)
{
	struct conf_error cerr;
	struct conf *c = conf_new();
	char why[CONF_ERR_MAX];
	int initial = w.conf == NULL;

	if (conf_load_text(c, (const char *)m->data, m->len, &cerr) == -1) {
		conf_free(c);
		if (initial)
			fatalx("settings from the master: %s", cerr.msg);
		log_warnx("reload: %s", cerr.msg);
		worker_reply(IMSG_CFG_DONE, 0, cerr.msg, strlen(cerr.msg));
		return;
	}
	if (w.ops->configure(c, initial, why, sizeof(why)) == -1) {
		conf_free(c);
		if (initial) {
			log_error("unusable settings: %s", why);
			exit(SSD_EXIT_CONFIG);
		}
		log_warnx("reload refused: %s", why);
		worker_reply(IMSG_CFG_DONE, 0, why, strlen(why));
		return;
	}
	log_setlevel(log_level_parse(conf_str(c, S_LOG_LEVEL)));
	conf_log_limits(c);
	metrics_enable(conf_bool(c, S_METRICS));
	snapshot_configure(conf_size(c, S_METRICS_MAX_SIZE));
	conf_free(w.conf);
	w.conf = c;
	if (!initial)
		worker_reply(IMSG_CFG_DONE, 0, NULL, 0);
}

static void
worker_start(void)
{
	struct sandbox_opts so;
	char err[256];

	if (w.conf == NULL)
		fatalx("START before settings");
	memset(&so, 0, sizeof(so));
	if (w.ops->profile == SANDBOX_RELAY) {
		so.user = conf_str(w.conf, S_RELAY_USER);
		so.chroot_dir = conf_str(w.conf, S_CHROOT_DIR);
	} else
		so.user = conf_str(w.conf, S_USER);
	if (sandbox_enter(w.ops->profile, &so, err, sizeof(err)) == -1) {
		log_error("sandbox: %s", err);
		exit(SSD_EXIT_CONFIG);
	}
	w.started = 1;
	if (w.ops->start != NULL)
		w.ops->start();
	worker_reply(IMSG_READY, 0, NULL, 0);
	log_info("ready");
}

static void
worker_log_cb(evutil_socket_t fd, short ev, void *arg)
{
	log_flush(0);
}

static void
worker_deadline_cb(evutil_socket_t fd, short ev, void *arg)
{
	log_warnx("shutdown deadline reached, exiting");
	worker_exit(0);
}

static void
worker_shutdown(const struct ipc_msg *m)
{
	struct timeval tv;
	uint32_t ms;

	if (ipc_msg_get(m, &ms, sizeof(ms)) == -1 || w.draining)
		return;
	w.draining = 1;
	log_info("shutting down (deadline %ums)", ms);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	w.deadline = evtimer_new(w.base, worker_deadline_cb, NULL);
	evtimer_add(w.deadline, &tv);
	if (w.ops->shutdown != NULL)
		w.ops->shutdown();
	else
		worker_exit(0);
}

static void
worker_probe(const struct ipc_msg *m)
{
	struct imsg_probe p;
	char result[128];

	if (ipc_msg_get(m, &p, sizeof(p)) == -1)
		return;
	p.what[sizeof(p.what) - 1] = '\0';
	if (!conf_bool(w.conf, S_DEBUG_SANDBOX_PROBE)) {
		log_warnx("sandbox probe \"%s\" refused: debug_sandbox_probe "
		    "is off", p.what);
		return;
	}
	log_warnx("sandbox probe: attempting %s", p.what);
	sandbox_probe(p.what, result, sizeof(result));
	log_warnx("sandbox probe: %s", result);
	worker_reply(IMSG_PROBE_RESULT, 0, result, strlen(result));
}

static void
worker_master_msg(struct ipc_chan *c, struct ipc_msg *m, void *arg)
{
	struct imsg_peer peer;
	int32_t level;

	switch (m->type) {
	case IMSG_CFG:
		worker_cfg(m);
		break;
	case IMSG_START:
		if (!w.started)
			worker_start();
		break;
	case IMSG_LISTENER:
		if (m->fd == -1 || w.ops->listener == NULL)
			fatalx("master sent a listener without a descriptor");
		w.ops->listener(ipc_msg_take_fd(m));
		break;
	case IMSG_METRICS_LISTENER:
		if (m->fd == -1 || w.ops->metrics_listener == NULL)
			fatalx("master sent a metrics listener without a "
			    "descriptor");
		w.ops->metrics_listener(ipc_msg_take_fd(m));
		break;
	case IMSG_SNAP_DATA:
		if (w.ops->snapshot == NULL)
			fatalx("master sent an unasked snapshot");
		w.ops->snapshot(m);
		break;
	case IMSG_PEER_CHANNEL:
		if (m->fd == -1 || ipc_msg_get(m, &peer, sizeof(peer)) == -1)
			fatalx("master sent a malformed peer channel");
		if (w.ops->peer != NULL)
			w.ops->peer(&peer, ipc_msg_take_fd(m));
		break;
	case IMSG_PING:
		worker_reply(IMSG_PONG, m->peerid, NULL, 0);
		break;
	case IMSG_LOG_LEVEL:
		if (ipc_msg_get(m, &level, sizeof(level)) == 0) {
			log_setlevel(level);
			log_info("log level now %s", log_level_name(level));
		}
		break;
	case IMSG_SHUTDOWN:
		worker_shutdown(m);
		break;
	case IMSG_SANDBOX_PROBE:
		worker_probe(m);
		break;
	case IMSG_ADMIN:
		if (w.ops->admin != NULL && w.started)
			w.ops->admin(m->peerid, (const char *)m->data, m->len);
		else
			worker_admin_reply(m->peerid, 1, "{\"ok\":false,"
			    "\"error\":\"not handled by this worker\"}");
		break;
	default:
		fatalx("master sent unknown message type %u", m->type);
	}
}

static void
worker_master_closed(struct ipc_chan *c, const char *why, void *arg)
{
	/* Without a master there is nobody to answer to: leave at once. */
	log_info("master channel closed (%s), exiting", why);
	exit(w.draining ? 0 : 1);
}

static const struct ipc_chan_ops worker_master_ops = {
	.msg = worker_master_msg,
	.closed = worker_master_closed,
};

/* Before the sandbox: process_* needs descriptors opened now. */
static void
worker_metrics_init(void)
{
	char name[32];

	if (w.ops->kind == PROC_RELAY)
		snprintf(name, sizeof(name), "%s[%d]", w.ops->name,
		    w.instance);
	else
		ssd_strlcpy(name, w.ops->name, sizeof(name));
	metrics_init(name);
	metrics_proc_init();
	snapshot_register(SNAP_METRICS, metrics_snapshot);
}

static void
worker_usage(const char *name)
{
	fprintf(stderr, "usage: %s -I instance -L stderr|syslog|journal "
	    "-l level\n(started by ssd(8), not by hand)\n", name);
	exit(2);
}

int
worker_main(int argc, char *argv[], const struct worker_ops *ops)
{
	int ch, target = LOG_TARGET_STDERR, level = LOG_INFO;
	int64_t inst = -1;

	while ((ch = getopt(argc, argv, "I:L:l:")) != -1) {
		switch (ch) {
		case 'I':
			if (parse_int64(optarg, 0, 1023, &inst) == -1)
				worker_usage(ops->name);
			break;
		case 'L':
			if ((target = log_target_parse(optarg)) == -1)
				worker_usage(ops->name);
			break;
		case 'l':
			if ((level = log_level_parse(optarg)) == -1)
				worker_usage(ops->name);
			break;
		default:
			worker_usage(ops->name);
		}
	}
	if (inst < 0)
		worker_usage(ops->name);
	w.ops = ops;
	w.instance = (int)inst;
	log_init(ops->name, ops->kind == PROC_RELAY ? w.instance : -1, target);
	log_setlevel(level);
	worker_metrics_init();
	/* The master drives shutdown; a signal to the group must not. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	if (fcntl(WORKER_MASTER_FD, F_GETFD) == -1)
		fatalx("no master channel on fd %d", WORKER_MASTER_FD);
	if ((w.base = event_base_new()) == NULL)
		fatalx("cannot create the event loop");
	w.log_timer = event_new(w.base, -1, EV_PERSIST, worker_log_cb, NULL);
	event_add(w.log_timer, &(struct timeval){ 1, 0 });
	w.master = ipc_chan_new(w.base, WORKER_MASTER_FD, "master",
	    IPC_F_FDPASS, WORKER_MASTER_QUEUE, &worker_master_ops, NULL);
	event_base_dispatch(w.base);
	return 0;
}
