/*
 * manifest.h - a session's Kubernetes objects (Deployment, Service, PVC)
 * built from a start_session payload, and the names and labels that tie
 * objects to sessions.  Pure: no I/O, every field checked and bounded.
 */
#ifndef SSD_AGENT_MANIFEST_H
#define SSD_AGENT_MANIFEST_H

#include <stddef.h>

#include <cjson/cJSON.h>

#define MANIFEST_ID_MAX		253	/* a session id as the CP gives it */
#define MANIFEST_NAME_MAX	47	/* names (KUBERNETES.md §7.10) */
#define MANIFEST_CLAIM_MAX	63	/* a home claim's name */
#define MANIFEST_USER_MAX	255	/* a user's name or id */
#define MANIFEST_LABEL_MAX	63	/* a label value */
#define MANIFEST_VNC_PORT	5900	/* when the template has no port */
#define MANIFEST_HOME_SIZE	"10Gi"
#define MANIFEST_HOME_PATH	"/config"
#define MANIFEST_MEMORY		"2Gi"	/* when neither payload nor template */
#define MANIFEST_CPU		"1000m"	/* say */
#define MANIFEST_SHM_SIZE	"1Gi"	/* /dev/shm for browsers */

#define MANIFEST_MANAGER	"ssd-agent-k8s"
#define MANIFEST_LABEL_MANAGED	"managed-by"
#define MANIFEST_SELECTOR	MANIFEST_LABEL_MANAGED "=" MANIFEST_MANAGER
/* Which agent made it: agents sharing a namespace leave the rest alone. */
#define MANIFEST_LABEL_AGENT	"streamspace.io/agent"
#define MANIFEST_ANN_ID		"streamspace.io/session-id"
/* Whose home a user's claim is: name and id, as the control plane says. */
#define MANIFEST_ANN_HOME_USER	"streamspace.io/home-user"
#define MANIFEST_ANN_HOME_UID	"streamspace.io/home-user-id"
#define MANIFEST_ANN_NONCE	"ssd-agent-k8s/start"

/* The agent's own defaults, where the payload's home does not say. */
struct manifest_opts {
	const char	*namespace;
	const char	*agent;		/* label value (manifest_label_value) */
	const char	*storage_class;	/* NULL: the cluster's default */
	const char	*home_size;	/* NULL: MANIFEST_HOME_SIZE */
	const char	*nonce;		/* marks what one start created */
};

struct manifest {
	char	 session_id[MANIFEST_ID_MAX + 1];
	char	 agent[MANIFEST_LABEL_MAX + 1];	/* its label value */
	char	 name[MANIFEST_NAME_MAX + 1];	/* Deployment, Service */
	/* The home's claim: home-USER, or (a session's own) name-home. */
	char	 pvc_name[MANIFEST_CLAIM_MAX + 1];
	int	 user_home;	/* the claim is the user's, not the session's */
	char	 user[MANIFEST_USER_MAX + 1];
	char	 user_id[MANIFEST_USER_MAX + 1];	/* "" if not said */
	int	 vnc_port;
	cJSON	*deployment;
	cJSON	*service;
	cJSON	*pvc;		/* NULL without persistentHome */
};

/*
 * A start_session payload (sessionId, user, userId, template, resources,
 * persistentHome, home) into m.  -1 with the reason in err.
 */
int	manifest_build(const cJSON *payload, const struct manifest_opts *o,
	    struct manifest *m, char *err, size_t errlen);
void	manifest_free(struct manifest *m);
/*
 * The claim of user's home: "home-USER" when that is a valid name, else
 * a cleaned prefix and 8 hex digits of the name's SHA-256 (the same user
 * always gives the same claim, two users never the same readable one).
 */
void	manifest_home_name(const char *user, char *name);
/*
 * 1 when claim (read back) may be mounted as the home of user (user_id
 * "": not known): its annotations name them, or it has none of ours
 * (StreamSpace 1.x's home-USER).  0 when it names someone else.
 */
int	manifest_home_owned(const cJSON *claim, const char *user,
	    const char *user_id);
/*
 * The claim of a user's home from a delete_home payload (user, userId)
 * into m (pvc_name, user, user_id).  -1 and err.
 */
int	manifest_home_target(const cJSON *payload, struct manifest *m,
	    char *err, size_t errlen);
/* The Deployment (name, uid) owns obj: the GC removes obj with it. */
void	manifest_set_owner(cJSON *obj, const char *name, const char *uid);

/*
 * The payload's sessionId (1-253 printable ASCII) into id and its object
 * name into name (MANIFEST_NAME_MAX + 1 bytes).  -1 and err.
 */
int	manifest_session(const cJSON *payload, char *id, size_t idlen,
	    char *name, char *err, size_t errlen);
/*
 * A session id as a DNS-1035 label of at most MANIFEST_NAME_MAX: the id
 * itself when it is one, else a cleaned prefix and 8 hex digits of its
 * SHA-256 (the same id always gives the same name).
 */
void	manifest_name(const char *id, char *name);
/* s as a label value: [A-Za-z0-9._-], alphanumeric ends, at most 63. */
void	manifest_label_value(const char *s, char *out, size_t outlen);
/*
 * 1 when obj (a Deployment, Service or PVC read back) carries our
 * managed-by label, session=name and this agent's label, i.e. it may be
 * adopted.
 */
int	manifest_owned(const cJSON *obj, const char *name, const char *agent);
/* The label selector of one agent's objects (free it). */
char	*manifest_selector(const char *agent);

#endif
