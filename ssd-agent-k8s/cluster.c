/*
 * cluster.c - the agent's Kubernetes side set up (cluster.h): the API
 * server configuration, the HTTP client, the watches of our pods and
 * Deployments feeding the view, and what the view tells the control
 * link.  The commands themselves are in ops.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include <event2/dns.h>

#include "cluster_priv.h"
#include "log.h"
#include "manifest.h"
#include "template.h"
#include "util.h"

static void
cluster_view_status(const char *id, const char *state, const char *reason,
    const cJSON *metadata, void *arg)
{
	struct cluster *c = arg;

	log_info("session %s: %s%s%s", id, state, reason ? ": " : "",
	    reason ? reason : "");
	if (c->status != NULL)
		c->status(id, state, reason, metadata, c->status_arg);
}

static void
cluster_view_changed(const char *name, void *arg)
{
	ops_changed(arg, name);
}

static void
cluster_pods_list(const cJSON *items, void *arg)
{
	struct cluster *c = arg;

	view_list(c->view, VIEW_PODS, items);
}

static void
cluster_pods_event(enum kube_event_type type, const cJSON *obj, void *arg)
{
	struct cluster *c = arg;

	view_event(c->view, VIEW_PODS, type, obj);
}

static void
cluster_deploy_list(const cJSON *items, void *arg)
{
	struct cluster *c = arg;

	view_list(c->view, VIEW_DEPLOYMENTS, items);
}

static void
cluster_deploy_event(enum kube_event_type type, const cJSON *obj, void *arg)
{
	struct cluster *c = arg;

	view_event(c->view, VIEW_DEPLOYMENTS, type, obj);
}

/* A storage class name: a DNS-1123 subdomain. */
static int
cluster_subdomain(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 253 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "0123456789-.") == n && s[0] != '-' && s[0] != '.' &&
	    s[n - 1] != '-' && s[n - 1] != '.';
}

static int
cluster_settings(struct cluster *c, const struct cluster_config *cfg,
    char *err, size_t errlen)
{
	const char *ns = cfg->namespace ? cfg->namespace : c->kc.namespace ?
	    c->kc.namespace : "default";

	if (!dns1123_label(ns)) {
		snprintf(err, errlen, "namespace \"%.64s\" is not a DNS-1123 "
		    "label", ns);
		return -1;
	}
	ssd_strlcpy(c->namespace, ns, sizeof(c->namespace));
	manifest_label_value(cfg->agent ? cfg->agent : "", c->agent,
	    sizeof(c->agent));
	if (c->agent[0] == '\0') {
		snprintf(err, errlen, "the agent id %s cannot label objects",
		    cfg->agent ? cfg->agent : "(none)");
		return -1;
	}
	c->selector = manifest_selector(c->agent);
	if (cfg->storage_class != NULL &&
	    !cluster_subdomain(cfg->storage_class)) {
		snprintf(err, errlen, "storage class \"%.64s\" is not a valid "
		    "name", cfg->storage_class);
		return -1;
	}
	if (cfg->home_size != NULL && !quantity_ok(cfg->home_size)) {
		snprintf(err, errlen, "home size \"%.32s\" is not a quantity "
		    "such as 10Gi", cfg->home_size);
		return -1;
	}
	c->storage_class = cfg->storage_class ? xstrdup(cfg->storage_class) :
	    NULL;
	c->home_size = xstrdup(cfg->home_size ? cfg->home_size :
	    MANIFEST_HOME_SIZE);
	c->ready_timeout_s = cfg->ready_timeout_s > 0 ? cfg->ready_timeout_s :
	    CLUSTER_READY_TIMEOUT_S;
	return 0;
}

static void
cluster_watch(struct cluster *c)
{
	char *path;

	xasprintf(&path, "/api/v1/namespaces/%s/pods", c->namespace);
	c->pod_watch = kube_watch_new(c->kube, "watch pods", path,
	    c->selector, cluster_pods_list, cluster_pods_event, c);
	free(path);
	xasprintf(&path, "/apis/apps/v1/namespaces/%s/deployments",
	    c->namespace);
	c->deploy_watch = kube_watch_new(c->kube, "watch deployments", path,
	    c->selector, cluster_deploy_list, cluster_deploy_event, c);
	free(path);
}

struct cluster *
cluster_new(struct event_base *base, const struct cluster_config *cfg,
    cluster_status_fn status, void *status_arg, char *err, size_t errlen)
{
	struct cluster *c = xcalloc(1, sizeof(*c));
	int rc;

	c->base = base;
	c->status = status;
	c->status_arg = status_arg;
	TAILQ_INIT(&c->ops);
	TAILQ_INIT(&c->vncs);
	if (cfg->kubeconfig != NULL)
		rc = kubecfg_load(cfg->kubeconfig, &c->kc, err, errlen);
	else
		rc = kubecfg_incluster(cfg->incluster_dir, &c->kc, err, errlen);
	if (rc == -1) {
		free(c);
		return NULL;
	}
	if (cluster_settings(c, cfg, err, errlen) == -1 ||
	    (c->kube = kube_new(base, &c->kc, cfg->api_timeout_ms > 0 ?
	    cfg->api_timeout_ms : CLUSTER_API_TIMEOUT_MS, err, errlen)) ==
	    NULL) {
		cluster_free(c);
		return NULL;
	}
	c->view = view_new(c->namespace, cluster_view_status,
	    cluster_view_changed, c);
	cluster_watch(c);
	log_info("cluster: API server %s, namespace %s", c->kc.server,
	    c->namespace);
	return c;
}

void
cluster_free(struct cluster *c)
{
	if (c == NULL)
		return;
	ops_end_all(c);
	vnc_end_all(c);
	kube_watch_free(c->pod_watch);
	kube_watch_free(c->deploy_watch);
	view_free(c->view);
	kube_free(c->kube);
	kubecfg_free(&c->kc);
	if (c->vnc_tls != NULL)
		SSL_CTX_free(c->vnc_tls);
	if (c->dns != NULL)
		evdns_base_free(c->dns, 0);
	free(c->storage_class);
	free(c->selector);
	free(c->home_size);
	free(c);
}

cJSON *
cluster_sessions(struct cluster *c)
{
	return view_sessions(c->view);
}

size_t
cluster_session_count(struct cluster *c)
{
	return view_count(c->view);
}

size_t
cluster_session_count_awake(struct cluster *c)
{
	return view_count_awake(c->view);
}
