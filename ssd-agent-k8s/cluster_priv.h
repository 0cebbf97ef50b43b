/*
 * cluster_priv.h - what cluster.c (set-up, watches, the view) and ops.c
 * (the four commands) share.  Not for the rest of the agent: cluster.h
 * is its interface.
 */
#ifndef SSD_AGENT_CLUSTER_PRIV_H
#define SSD_AGENT_CLUSTER_PRIV_H

#include <sys/queue.h>

#include <openssl/ssl.h>

#include "cluster.h"
#include "kube.h"
#include "kubecfg.h"
#include "view.h"

#define CLUSTER_API_TIMEOUT_MS	30000	/* api_timeout_ms unset */
#define CLUSTER_READY_TIMEOUT_S	120	/* ready_timeout_s unset */
#define CLUSTER_POLL_MS		2000	/* a waiting command's own look */

struct op;
TAILQ_HEAD(cluster_ops, op);
struct cluster_vnc;
TAILQ_HEAD(cluster_vncs, cluster_vnc);

struct cluster {
	struct event_base	*base;
	struct kubecfg		 kc;
	struct kube		*kube;
	struct view		*view;
	struct kube_watch	*pod_watch;
	struct kube_watch	*deploy_watch;
	char			 namespace[KUBECFG_NAMESPACE_MAX + 1];
	char			 agent[MANIFEST_LABEL_MAX + 1];	/* label */
	char			*selector;	/* this agent's objects */
	char			*storage_class;
	char			*home_size;
	int			 ready_timeout_s;
	cluster_status_fn	 status;
	void			*status_arg;
	struct cluster_ops	 ops;
	SSL_CTX			*vnc_tls;	/* port-forwards (vnc.c) */
	struct evdns_base	*dns;
	struct cluster_vncs	 vncs;		/* opening or pumping */
};

/* ops.c */
/* The view saw the session called name change: a waiting op looks. */
void	ops_changed(struct cluster *c, const char *name);
/* Ends every command still running (done: "shutting down"). */
void	ops_end_all(struct cluster *c);

/* vnc.c: drops every VNC stream being opened or pumped (no callbacks). */
void	vnc_end_all(struct cluster *c);

#endif
