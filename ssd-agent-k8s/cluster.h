/*
 * cluster.h - the agent's Kubernetes side, as the control link sees it:
 * run the four session commands against the API server (libcurl multi on
 * the agent's libevent loop, never blocking), watch the sessions' pods
 * and deployments, and say what the cluster holds.  Nothing here knows
 * about the control plane's protocol: results and status changes are
 * handed back through callbacks as plain JSON.
 */
#ifndef SSD_AGENT_CLUSTER_H
#define SSD_AGENT_CLUSTER_H

#include <stddef.h>

#include <cjson/cJSON.h>

struct event_base;
struct cluster;

struct cluster_config {
	const char	*agent;		/* whose objects: labelled, watched */
	const char	*kubeconfig;	/* NULL: in-cluster configuration */
	const char	*incluster_dir;	/* NULL: the service account dir */
	const char	*namespace;	/* NULL: from the config, or "default" */
	const char	*storage_class;	/* NULL: the cluster's default */
	const char	*home_size;	/* PVC size for persistentHome */
	int		 api_timeout_ms;	/* per API call */
	int		 ready_timeout_s;	/* start/wake: pod Ready within */
};

/*
 * A session's state as seen in the cluster changed (from the watch):
 * state is one of running, hibernated, failed, terminated, pending;
 * reason is Kubernetes' reason (CrashLoopBackOff, ErrImagePull,
 * Evicted, NodeLost, ...) or NULL; metadata holds podName, podIP and
 * whatever else is known (the callee copies what it keeps).
 */
typedef void (*cluster_status_fn)(const char *session_id, const char *state,
	    const char *reason, const cJSON *metadata, void *arg);

/*
 * A command is over.  On success result is the `complete` payload
 * (podName, podIP, vncHost, vncPort for start and wake; may be empty)
 * and error is NULL; on failure error says why (the API server's
 * message where there is one) and retryable is 1 when trying again
 * later may succeed (429, 5xx, connection errors after the call's own
 * retries).  The callee copies what it keeps.
 */
typedef void (*cluster_done_fn)(const cJSON *result, const char *error,
	    int retryable, void *arg);

/* NULL with err filled on a bad or unreadable configuration. */
struct cluster	*cluster_new(struct event_base *base,
		    const struct cluster_config *cfg, cluster_status_fn status,
		    void *status_arg, char *err, size_t errlen);
void		 cluster_free(struct cluster *c);

/*
 * The commands.  payload is the command's payload as the control plane
 * sent it (start: sessionId, user, template (a Template document),
 * resources {memory, cpu}, persistentHome; the others: sessionId, and
 * for stop deleteHome).  Idempotent: starting a session whose objects
 * exist adopts them; stopping one that is gone succeeds.  done is
 * called exactly once, possibly before the call returns.
 */
void	cluster_start(struct cluster *c, const cJSON *payload,
	    cluster_done_fn done, void *arg);
void	cluster_stop(struct cluster *c, const cJSON *payload,
	    cluster_done_fn done, void *arg);
void	cluster_hibernate(struct cluster *c, const cJSON *payload,
	    cluster_done_fn done, void *arg);
void	cluster_wake(struct cluster *c, const cJSON *payload,
	    cluster_done_fn done, void *arg);
/*
 * A user's home (payload: user, userId) deleted, unless a pod mounts it
 * or it is another user's; gone already is done.  The result names the
 * claim (homeClaim) and namespace.
 */
void	cluster_delete_home(struct cluster *c, const cJSON *payload,
	    cluster_done_fn done, void *arg);

/*
 * The sessions the cluster holds (objects labelled managed-by=ssd-agent-k8s
 * in the namespace), for the `sessions` message: an array of
 * {sessionId, state, podName?, podIP?}, or NULL while the first list has
 * not completed yet.  The caller frees it.
 */
cJSON	*cluster_sessions(struct cluster *c);
/* How many sessions exist (any state but terminated), for heartbeats. */
size_t	 cluster_session_count(struct cluster *c);
/* The same, less the hibernated ones. */
size_t	 cluster_session_count_awake(struct cluster *c);

/*
 * A byte stream to a session's VNC endpoint (its Ready pod's address and
 * VNC port), or to another TCP port of that pod when port is not 0 (a
 * web-streamed desktop's HTTP port, as the control plane stored it): a
 * TCP connection to the pod (CLUSTER_VNC_DIRECT, for an agent inside the
 * cluster), or the API server's port-forward over WebSocket
 * (CLUSTER_VNC_PORTFORWARD, for one outside).  Only ever the session's
 * own pod.  done gets a
 * connected socket that the caller owns (closing it ends the stream), or
 * -1 and why; it is called once, never before cluster_vnc_open returns.
 * NULL with err when there is nothing to connect to.  cancel is for
 * attempts whose done has not been called yet.
 */
enum cluster_vnc_via { CLUSTER_VNC_DIRECT, CLUSTER_VNC_PORTFORWARD };
typedef void (*cluster_vnc_fn)(int fd, const char *err, void *arg);
struct cluster_vnc;
struct cluster_vnc *cluster_vnc_open(struct cluster *c,
	    const char *session_id, int port, enum cluster_vnc_via via,
	    int timeout_ms,
	    cluster_vnc_fn done, void *arg, char *err, size_t errlen);
void	cluster_vnc_cancel(struct cluster_vnc *v);

#endif
