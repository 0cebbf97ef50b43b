/*
 * main.c - ssd-agent-k8s: reads its settings, sets up the cluster side
 * (cluster.c) and the control link (link.c) on one libevent loop, and
 * runs until SIGTERM or SIGINT, when it closes its link politely.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "agent.h"
#include "bevio.h"
#include "cluster.h"
#include "log.h"
#include "util.h"

#define AGENT_STOP_WAIT_S	2	/* for the close handshake */

static void
agent_signal(evutil_socket_t sig, short what, void *arg)
{
	struct event_base *base = arg;
	struct timeval tv = { AGENT_STOP_WAIT_S, 0 };

	(void)what;
	log_info("signal %d: stopping", (int)sig);
	if (link_close())
		event_base_loopexit(base, &tv);
	else
		event_base_loopbreak(base);
}

int
main(int argc, char **argv)
{
	struct agent_config cfg;
	struct cluster_config cc;
	struct event_base *base;
	struct event *sigterm, *sigint;
	struct cluster *cluster;
	char err[512];

	config_load(&cfg, argc, argv);
	log_init("ssd-agent-k8s", -1, LOG_TARGET_STDERR);
	log_setlevel(cfg.log_level);
	signal(SIGPIPE, SIG_IGN);
	bevio_tune_malloc();
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		fatalx("libcurl cannot start");
	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	memset(&cc, 0, sizeof(cc));
	cc.agent = cfg.agent_id;
	cc.kubeconfig = cfg.kubeconfig;
	cc.incluster_dir = cfg.incluster_dir;
	cc.namespace = cfg.namespace;
	cc.storage_class = cfg.storage_class;
	cc.home_size = cfg.home_size;
	cc.api_timeout_ms = (int)cfg.api_timeout_ms;
	cc.ready_timeout_s = (int)(cfg.ready_timeout_ms / 1000);
	if ((cluster = cluster_new(base, &cc, link_session_status, NULL, err,
	    sizeof(err))) == NULL)
		fatalx("Kubernetes: %s", err);
	link_start(base, &cfg, cluster);
	sigterm = evsignal_new(base, SIGTERM, agent_signal, base);
	sigint = evsignal_new(base, SIGINT, agent_signal, base);
	evsignal_add(sigterm, NULL);
	evsignal_add(sigint, NULL);
	log_info("agent %s for %s started", cfg.agent_id,
	    cfg.control_plane_url);
	event_base_dispatch(base);
	/* Commands still running end (failed, retryable) before the link goes. */
	cluster_free(cluster);
	link_stop();
	event_free(sigterm);
	event_free(sigint);
	event_base_free(base);
	curl_global_cleanup();
	config_free(&cfg);
	return 0;
}
