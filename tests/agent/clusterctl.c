/*
 * clusterctl.c - runs one ssd-agent-k8s cluster command (cluster.h) from
 * the command line and prints what the cluster side says as JSON lines:
 * status changes, the command's end, the sessions; or opens a session's
 * VNC endpoint directly or through port-forward.  For the integration
 * tests against kube-sim and for debugging; not installed.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "cluster.h"
#include "kubecfg.h"
#include "log.h"
#include "util.h"

#define CTL_PAYLOAD_MAX		(1024 * 1024)
#define CTL_SESSIONS_POLL_MS	50
#define CTL_VNC_PROBE		"ssd-echo-probe\n"
#define CTL_VNC_GREETING	12	/* "RFB 003.008\n" */

struct ctl {
	struct event_base	*base;
	struct cluster		*cluster;
	struct event		*tick_ev;
	const char		*cmd;
	int			 linger_s;	/* watch on after done */
	int			 rc;
	struct bufferevent	*vnc;
	const char		*vnc_session;
	const char		*vnc_via;
};

static void
ctl_print(cJSON *line)
{
	char *s = cJSON_PrintUnformatted(line);

	if (s == NULL)
		fatalx("out of memory");
	printf("%s\n", s);
	fflush(stdout);
	free(s);
	cJSON_Delete(line);
}

static void
ctl_status(const char *id, const char *state, const char *reason,
    const cJSON *metadata, void *arg)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "event", "status");
	cJSON_AddStringToObject(o, "sessionId", id);
	cJSON_AddStringToObject(o, "state", state);
	if (reason != NULL)
		cJSON_AddStringToObject(o, "reason", reason);
	else
		cJSON_AddNullToObject(o, "reason");
	cJSON_AddItemToObject(o, "metadata", cJSON_Duplicate(metadata, 1));
	ctl_print(o);
}

static void
ctl_stop_in(struct ctl *ctl, int seconds)
{
	struct timeval tv = { seconds, 0 };

	event_base_loopexit(ctl->base, &tv);
}

static void
ctl_done(const cJSON *result, const char *error, int retryable, void *arg)
{
	struct ctl *ctl = arg;
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "event", "done");
	cJSON_AddItemToObject(o, "result", result ? cJSON_Duplicate(result,
	    1) : cJSON_CreateNull());
	if (error != NULL)
		cJSON_AddStringToObject(o, "error", error);
	else
		cJSON_AddNullToObject(o, "error");
	cJSON_AddBoolToObject(o, "retryable", retryable);
	ctl_print(o);
	ctl->rc = error != NULL ? 1 : 0;
	ctl_stop_in(ctl, ctl->linger_s);
}

/* sessions and count wait for the first complete list. */
static void
ctl_tick(evutil_socket_t fd, short what, void *arg)
{
	struct timeval tv = { 0, CTL_SESSIONS_POLL_MS * 1000 };
	struct ctl *ctl = arg;
	cJSON *arr, *o;

	if ((arr = cluster_sessions(ctl->cluster)) == NULL) {
		evtimer_add(ctl->tick_ev, &tv);
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "event", ctl->cmd);
	if (strcmp(ctl->cmd, "count") == 0) {
		cJSON_AddNumberToObject(o, "count",
		    (double)cluster_session_count(ctl->cluster));
		cJSON_Delete(arr);
	} else
		cJSON_AddItemToObject(o, "sessions", arr);
	ctl_print(o);
	ctl->rc = 0;
	ctl_stop_in(ctl, ctl->linger_s);
}

static void
ctl_signal(evutil_socket_t sig, short what, void *arg)
{
	event_base_loopbreak(arg);
}

static cJSON *
ctl_payload(const char *arg)
{
	char err[256], *text;
	cJSON *p;

	if (arg[0] == '{')
		return cJSON_Parse(arg);
	if ((text = kubecfg_read_file(strcmp(arg, "-") == 0 ? "/dev/stdin" :
	    arg, CTL_PAYLOAD_MAX, NULL, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		return NULL;
	}
	p = cJSON_Parse(text);
	free(text);
	return p;
}

/* The endpoint's greeting, then our probe echoed (kube-sim's pods echo). */
static void
ctl_vnc_read(struct bufferevent *bev, void *arg)
{
	struct ctl *ctl = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	const size_t want = CTL_VNC_GREETING + sizeof(CTL_VNC_PROBE) - 1;
	char buf[CTL_VNC_GREETING + sizeof(CTL_VNC_PROBE)];
	cJSON *o;

	if (evbuffer_get_length(in) < want)
		return;
	evbuffer_remove(in, buf, want);
	buf[want] = '\0';
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "event", "vnc");
	buf[CTL_VNC_GREETING - 1] = '\0';
	cJSON_AddStringToObject(o, "greeting", buf);
	cJSON_AddBoolToObject(o, "echoed", strcmp(buf + CTL_VNC_GREETING,
	    CTL_VNC_PROBE) == 0);
	ctl_print(o);
	ctl->rc = 0;
	ctl_stop_in(ctl, 0);
}

static void
ctl_vnc_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	log_warnx("vnc: the stream ended early (%#x)", what);
	ctl_stop_in(arg, 0);
}

static void
ctl_vnc_open(int fd, const char *err, void *arg)
{
	struct ctl *ctl = arg;

	if (fd == -1) {
		log_warnx("vnc: %s", err);
		ctl_stop_in(ctl, 0);
		return;
	}
	ctl->vnc = bufferevent_socket_new(ctl->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (ctl->vnc == NULL)
		fatalx("out of memory");
	bufferevent_setcb(ctl->vnc, ctl_vnc_read, NULL, ctl_vnc_event, ctl);
	bufferevent_enable(ctl->vnc, EV_READ | EV_WRITE);
	bufferevent_write(ctl->vnc, CTL_VNC_PROBE, sizeof(CTL_VNC_PROBE) - 1);
}

/* vnc SESSION [direct|portforward], once the view knows the session. */
static void
ctl_vnc_tick(evutil_socket_t fd, short what, void *arg)
{
	struct timeval tv = { 0, CTL_SESSIONS_POLL_MS * 1000 };
	struct ctl *ctl = arg;
	cJSON *arr;
	char err[256];

	(void)fd;
	(void)what;
	if ((arr = cluster_sessions(ctl->cluster)) == NULL) {
		evtimer_add(ctl->tick_ev, &tv);
		return;
	}
	cJSON_Delete(arr);
	if (cluster_vnc_open(ctl->cluster, ctl->vnc_session, 0,
	    strcmp(ctl->vnc_via, "portforward") == 0 ?
	    CLUSTER_VNC_PORTFORWARD : CLUSTER_VNC_DIRECT, 5000, ctl_vnc_open,
	    ctl, err, sizeof(err)) == NULL) {
		log_warnx("vnc: %s", err);
		ctl_stop_in(ctl, 0);
	}
}

static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr, "usage: clusterctl [-v] [-k kubeconfig | -i dir] "
	    "[-n namespace] [-s storage-class]\n"
	    "\t[-H home-size] [-t api-timeout-ms] [-r ready-timeout-s] "
	    "[-w seconds]\n"
	    "\tstart|stop|hibernate|wake payload | sessions | count | "
	    "watch |\n\tvnc session [direct|portforward]\n"
	    "payload: a JSON file, - (stdin), or the JSON itself\n");
	exit(2);
}

static void
ctl_run(struct ctl *ctl, const char *cmd, const char *arg)
{
	static const struct {
		const char *name;
		void (*fn)(struct cluster *, const cJSON *, cluster_done_fn,
		    void *);
	} cmds[] = {
		{ "start", cluster_start }, { "stop", cluster_stop },
		{ "hibernate", cluster_hibernate }, { "wake", cluster_wake },
	};
	cJSON *payload;
	size_t i;

	ctl->cmd = cmd;
	if (strcmp(cmd, "sessions") == 0 || strcmp(cmd, "count") == 0) {
		ctl_tick(-1, 0, ctl);
		return;
	}
	if (strcmp(cmd, "watch") == 0) {
		ctl->rc = 0;
		ctl_stop_in(ctl, ctl->linger_s);
		return;
	}
	if (strcmp(cmd, "vnc") == 0 && arg != NULL) {
		ctl->vnc_session = arg;
		event_assign(ctl->tick_ev, ctl->base, -1, 0, ctl_vnc_tick, ctl);
		ctl_vnc_tick(-1, 0, ctl);
		return;
	}
	for (i = 0; i < nitems(cmds); i++)
		if (strcmp(cmd, cmds[i].name) == 0)
			break;
	if (i == nitems(cmds) || arg == NULL)
		usage();
	if ((payload = ctl_payload(arg)) == NULL)
		fatalx("%s: not a JSON payload", arg);
	cmds[i].fn(ctl->cluster, payload, ctl_done, ctl);
	cJSON_Delete(payload);
}

int
main(int argc, char *argv[])
{
	struct cluster_config cfg;
	struct event *sigint, *sigterm;
	struct ctl ctl;
	char err[512];
	int ch, verbose = 0, limit_s;

	memset(&cfg, 0, sizeof(cfg));
	memset(&ctl, 0, sizeof(ctl));
	cfg.agent = "clusterctl";
	ctl.rc = 3;	/* the command never ended */
	while ((ch = getopt(argc, argv, "H:i:k:n:r:s:t:vw:")) != -1) {
		switch (ch) {
		case 'H':
			cfg.home_size = optarg;
			break;
		case 'i':
			cfg.incluster_dir = optarg;
			break;
		case 'k':
			cfg.kubeconfig = optarg;
			break;
		case 'n':
			cfg.namespace = optarg;
			break;
		case 'r':
			cfg.ready_timeout_s = atoi(optarg);
			break;
		case 's':
			cfg.storage_class = optarg;
			break;
		case 't':
			cfg.api_timeout_ms = atoi(optarg);
			break;
		case 'v':
			verbose = 1;
			break;
		case 'w':
			ctl.linger_s = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	log_init("clusterctl", -1, LOG_TARGET_STDERR);
	log_setlevel(verbose ? SSD_LOG_DEBUG : SSD_LOG_INFO);
	signal(SIGPIPE, SIG_IGN);
	if ((ctl.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	if ((ctl.cluster = cluster_new(ctl.base, &cfg, ctl_status, &ctl, err,
	    sizeof(err))) == NULL) {
		log_warnx("%s", err);
		event_base_free(ctl.base);
		return 2;
	}
	ctl.tick_ev = evtimer_new(ctl.base, ctl_tick, &ctl);
	sigint = evsignal_new(ctl.base, SIGINT, ctl_signal, ctl.base);
	sigterm = evsignal_new(ctl.base, SIGTERM, ctl_signal, ctl.base);
	if (ctl.tick_ev == NULL || sigint == NULL || sigterm == NULL ||
	    evsignal_add(sigint, NULL) == -1 ||
	    evsignal_add(sigterm, NULL) == -1)
		fatalx("cannot set up events");
	ctl.vnc_via = optind + 2 < argc ? argv[optind + 2] : "direct";
	ctl_run(&ctl, argv[optind], optind + 1 < argc ? argv[optind + 1] :
	    NULL);
	/* Every command ends by itself; this is the guard if one does not. */
	limit_s = (cfg.ready_timeout_s > 0 ? cfg.ready_timeout_s : 120) +
	    ctl.linger_s + 120;
	event_base_loopexit(ctl.base, &(struct timeval){ limit_s, 0 });
	event_base_dispatch(ctl.base);
	if (ctl.vnc != NULL)
		bufferevent_free(ctl.vnc);
	cluster_free(ctl.cluster);
	event_free(ctl.tick_ev);
	event_free(sigint);
	event_free(sigterm);
	event_base_free(ctl.base);
	return ctl.rc;
}
