/*
 * view.h - the agent's picture of its sessions in the cluster, kept from
 * the pod and deployment watches: what each pod and Deployment says that
 * matters (read in one place, view_*_parse), each session's state, and
 * a report whenever that state changes.  Pure: no I/O.
 */
#ifndef SSD_AGENT_VIEW_H
#define SSD_AGENT_VIEW_H

#include <sys/queue.h>

#include <stddef.h>

#include <cjson/cJSON.h>

#include "kubeproto.h"
#include "manifest.h"

#define VIEW_PODS_MAX		8	/* pods kept per session */
#define VIEW_OBJNAME_MAX	253
#define VIEW_IP_MAX		63

struct view_pod {
	char	name[VIEW_OBJNAME_MAX + 1];
	char	session[MANIFEST_LABEL_MAX + 1];	/* its session label */
	char	id[MANIFEST_ID_MAX + 1];	/* session id annotation */
	char	ip[VIEW_IP_MAX + 1];
	int	vnc_port;		/* 0 if it has none */
	int	ready;			/* Running, Ready, with an IP */
	int	terminating;		/* has a deletionTimestamp */
	int	failed;			/* reason is a failure */
	char	reason[KUBE_REASON_MAX];	/* "" if none */
	char	message[KUBE_MESSAGE_MAX];
	char	last_reason[KUBE_REASON_MAX];	/* why its last run ended */
};

struct view_deploy {
	char	name[VIEW_OBJNAME_MAX + 1];
	char	session[MANIFEST_LABEL_MAX + 1];
	char	id[MANIFEST_ID_MAX + 1];
	int	replicas;
	int	terminating;
};

struct view_session {
	TAILQ_ENTRY(view_session) entry;
	char			name[MANIFEST_LABEL_MAX + 1];
	char			id[MANIFEST_ID_MAX + 1];	/* session id */
	int			has_deploy;
	struct view_deploy	deploy;
	struct view_pod		pods[VIEW_PODS_MAX];
	size_t			npods;
	/* The last state reported, to report each change once. */
	char			state[16];
	char			reason[KUBE_REASON_MAX];
	char			ip[VIEW_IP_MAX + 1];
	char			pod[VIEW_OBJNAME_MAX + 1];
};

enum view_kind { VIEW_PODS, VIEW_DEPLOYMENTS };

/* A session's state changed (see cluster_status_fn). */
typedef void (*view_status_fn)(const char *id, const char *state,
	    const char *reason, const cJSON *metadata, void *arg);
/* Something about the session called name changed (it may be gone). */
typedef void (*view_changed_fn)(const char *name, void *arg);

struct view;

struct view	*view_new(const char *namespace, view_status_fn status,
		    view_changed_fn changed, void *arg);
void		 view_free(struct view *v);
/* A complete list of kind: replaces what the view knew of it. */
void		 view_list(struct view *v, enum view_kind kind,
		    const cJSON *items);
void		 view_event(struct view *v, enum view_kind kind,
		    enum kube_event_type type, const cJSON *obj);
/* 1 once both kinds have been listed. */
int		 view_synced(const struct view *v);
const struct view_session *view_find(const struct view *v,
		    const char *name);
/* The array for cluster_sessions(), or NULL until view_synced(). */
cJSON		*view_sessions(const struct view *v);
size_t		 view_count(const struct view *v);
/* Those of them not hibernated. */
size_t		 view_count_awake(const struct view *v);

/* A pod or Deployment of ours as the view keeps it; -1 if not ours. */
int	view_pod_parse(const cJSON *obj, struct view_pod *p);
int	view_deploy_parse(const cJSON *obj, struct view_deploy *d);
/* The pod to connect to: Ready and not terminating; or NULL. */
const struct view_pod *view_ready_pod(const struct view_pod *pods,
	    size_t n);

#endif
