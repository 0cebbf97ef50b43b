/*
 * view.c - sessions as the watches show them (view.h): pods and
 * Deployments reduced to the fields that decide a session's state, the
 * state derived (running, pending, failed with Kubernetes' reason,
 * hibernated, terminated), and each change reported once.  Objects come
 * from the API server: every field is type-checked and bounded here.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "agentproto.h"
#include "log.h"
#include "util.h"
#include "view.h"

TAILQ_HEAD(view_sessions, view_session);

struct view {
	struct view_sessions	 sessions;
	size_t			 nsessions;
	char			*namespace;
	int			 listed[2];	/* per enum view_kind */
	view_status_fn		 status;
	view_changed_fn		 changed;
	void			*arg;
};

/* Waiting reasons that mean the container will not come up by itself. */
static const char *const view_failures[] = {
	"CrashLoopBackOff", "ErrImagePull", "ImagePullBackOff",
	"InvalidImageName", "ErrImageNeverPull", "CreateContainerConfigError",
	"CreateContainerError", "RunContainerError", "PreCreateHookError",
	"PostStartHookError",
};

/* A bounded string field copied, or -1 if it is missing or too long. */
static int
view_copy(char *dst, size_t size, const char *s)
{
	if (s == NULL || strlen(s) >= size)
		return -1;
	ssd_strlcpy(dst, s, size);
	return 0;
}

/* The common metadata: name, session label, session id annotation. */
static int
view_meta(const cJSON *obj, char *name, char *session, char *id,
    int *terminating)
{
	const char *ann;

	if (view_copy(name, VIEW_OBJNAME_MAX + 1, kube_get_str(obj,
	    "metadata", "name", NULL)) == -1 ||
	    view_copy(session, MANIFEST_LABEL_MAX + 1, kube_get_str(obj,
	    "metadata", "labels", "session", NULL)) == -1 || session[0] == '\0')
		return -1;
	ann = kube_get_str(obj, "metadata", "annotations", MANIFEST_ANN_ID,
	    NULL);
	if (view_copy(id, MANIFEST_ID_MAX + 1, ann) == -1 || id[0] == '\0')
		ssd_strlcpy(id, session, MANIFEST_ID_MAX + 1);
	*terminating = kube_get(obj, "metadata", "deletionTimestamp", NULL) !=
	    NULL && !cJSON_IsNull(kube_get(obj, "metadata",
	    "deletionTimestamp", NULL));
	return 0;
}

/* Kubernetes' text goes to logs and JSON: no control characters. */
static void
view_text(char *dst, size_t size, const char *s)
{
	size_t i;

	ssd_strlcpy(dst, s != NULL ? s : "", size);
	for (i = 0; dst[i] != '\0'; i++)
		if ((unsigned char)dst[i] < ' ' || dst[i] == 0x7f)
			dst[i] = ' ';
}

/* The first reason found is the one kept. */
static void
view_reason(struct view_pod *p, const char *reason, const char *msg,
    int failed)
{
	if (p->reason[0] != '\0' || reason == NULL || reason[0] == '\0')
		return;
	view_text(p->reason, sizeof(p->reason), reason);
	view_text(p->message, sizeof(p->message), msg);
	p->failed = failed;
}

static int
view_condition(const cJSON *status, const char *type, const char *value,
    const char **reason, const char **msg)
{
	const cJSON *c;
	const char *t, *s;

	cJSON_ArrayForEach(c, kube_get(status, "conditions", NULL)) {
		t = kube_get_str(c, "type", NULL);
		s = kube_get_str(c, "status", NULL);
		if (t == NULL || s == NULL || strcmp(t, type) != 0)
			continue;
		*reason = kube_get_str(c, "reason", NULL);
		*msg = kube_get_str(c, "message", NULL);
		return strcmp(s, value) == 0;
	}
	return 0;
}

/*
 * A container that waits for a reason in view_failures will not start by
 * itself.  A terminated one is restarted (Deployments restart always):
 * its reason only says why the last run ended.
 */
static void
view_containers(const cJSON *status, struct view_pod *p)
{
	const cJSON *cs;
	const char *r, *last;
	size_t i;

	cJSON_ArrayForEach(cs, kube_get(status, "containerStatuses", NULL)) {
		r = kube_get_str(cs, "state", "waiting", "reason", NULL);
		last = kube_get_str(cs, "lastState", "terminated", "reason",
		    NULL);
		for (i = 0; r != NULL && i < nitems(view_failures); i++)
			if (strcmp(r, view_failures[i]) == 0)
				break;
		if (r == NULL || i == nitems(view_failures) ||
		    p->reason[0] != '\0')
			continue;
		view_reason(p, r, kube_get_str(cs, "state", "waiting",
		    "message", NULL), 1);
		view_text(p->last_reason, sizeof(p->last_reason), last);
	}
}

static int
view_port(const cJSON *obj)
{
	const cJSON *ports = kube_get(cJSON_GetArrayItem(kube_get(obj, "spec",
	    "containers", NULL), 0), "ports", NULL), *p, *n;
	const char *name;

	cJSON_ArrayForEach(p, ports) {
		name = kube_get_str(p, "name", NULL);
		n = kube_get(p, "containerPort", NULL);
		if (cJSON_IsNumber(n) && n->valuedouble >= 1 &&
		    n->valuedouble <= 65535 && (name == NULL ||
		    strcmp(name, "vnc") == 0 || p == ports->child))
			return n->valueint;
	}
	return 0;
}

int
view_pod_parse(const cJSON *obj, struct view_pod *p)
{
	const cJSON *status = kube_get(obj, "status", NULL);
	const char *phase = kube_get_str(status, "phase", NULL);
	const char *ip = kube_get_str(status, "podIP", NULL);
	const char *reason = NULL, *msg = NULL;

	memset(p, 0, sizeof(*p));
	if (view_meta(obj, p->name, p->session, p->id, &p->terminating) == -1)
		return -1;
	if (ip != NULL)
		view_copy(p->ip, sizeof(p->ip), ip);
	p->vnc_port = view_port(obj);
	p->ready = phase != NULL && strcmp(phase, "Running") == 0 &&
	    view_condition(status, "Ready", "True", &reason, &msg) &&
	    p->ip[0] != '\0';
	reason = msg = NULL;
	if (phase != NULL && (strcmp(phase, "Failed") == 0 ||
	    strcmp(phase, "Unknown") == 0)) {
		/* Evicted, NodeLost, ...; else why the container ended. */
		if ((reason = kube_get_str(status, "reason", NULL)) == NULL &&
		    (reason = kube_get_str(cJSON_GetArrayItem(kube_get(status,
		    "containerStatuses", NULL), 0), "state", "terminated",
		    "reason", NULL)) == NULL)
			reason = phase;
		view_reason(p, reason, kube_get_str(status, "message", NULL),
		    1);
	}
	if (!p->ready)
		view_containers(status, p);
	reason = msg = NULL;
	if (!view_condition(status, "PodScheduled", "True", &reason, &msg) &&
	    reason != NULL && strcmp(reason, "Unschedulable") == 0)
		view_reason(p, reason, msg, 0);
	return 0;
}

int
view_deploy_parse(const cJSON *obj, struct view_deploy *d)
{
	const cJSON *r = kube_get(obj, "spec", "replicas", NULL);

	memset(d, 0, sizeof(*d));
	if (view_meta(obj, d->name, d->session, d->id, &d->terminating) == -1)
		return -1;
	d->replicas = 1;
	if (cJSON_IsNumber(r) && r->valuedouble >= 0 && r->valuedouble < 1e6)
		d->replicas = r->valueint;
	return 0;
}

const struct view_pod *
view_ready_pod(const struct view_pod *pods, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (pods[i].ready && !pods[i].terminating)
			return &pods[i];
	return NULL;
}

struct view *
view_new(const char *namespace, view_status_fn status,
    view_changed_fn changed, void *arg)
{
	struct view *v = xcalloc(1, sizeof(*v));

	TAILQ_INIT(&v->sessions);
	v->namespace = xstrdup(namespace);
	v->status = status;
	v->changed = changed;
	v->arg = arg;
	return v;
}

static void
view_remove(struct view *v, struct view_session *s)
{
	TAILQ_REMOVE(&v->sessions, s, entry);
	v->nsessions--;
	free(s);
}

void
view_free(struct view *v)
{
	struct view_session *s;

	if (v == NULL)
		return;
	while ((s = TAILQ_FIRST(&v->sessions)) != NULL)
		view_remove(v, s);
	free(v->namespace);
	free(v);
}

int
view_synced(const struct view *v)
{
	return v->listed[VIEW_PODS] && v->listed[VIEW_DEPLOYMENTS];
}

const struct view_session *
view_find(const struct view *v, const char *name)
{
	struct view_session *s;

	TAILQ_FOREACH(s, &v->sessions, entry)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

static struct view_session *
view_get(struct view *v, const char *name)
{
	struct view_session *s = (struct view_session *)view_find(v, name);

	if (s == NULL) {
		s = xcalloc(1, sizeof(*s));
		ssd_strlcpy(s->name, name, sizeof(s->name));
		TAILQ_INSERT_TAIL(&v->sessions, s, entry);
		v->nsessions++;
	}
	return s;
}

/*
 * The session's state now, with the pod that tells it; NULL while it is
 * between states (scaling down, being deleted) or gone.
 */
static const char *
view_state(const struct view_session *s, const struct view_pod **podp)
{
	const struct view_pod *pod;
	size_t i;

	*podp = NULL;
	if (!s->has_deploy || s->deploy.terminating || s->deploy.replicas ==
	    0)
		return s->has_deploy && !s->deploy.terminating &&
		    s->npods == 0 ? "hibernated" : NULL;
	if ((*podp = view_ready_pod(s->pods, s->npods)) != NULL)
		return "running";
	for (i = 0; i < s->npods; i++) {
		pod = &s->pods[i];
		if (!pod->terminating && pod->failed) {
			*podp = pod;
			return "failed";
		}
	}
	for (i = 0; i < s->npods; i++)
		if (!s->pods[i].terminating)
			*podp = &s->pods[i];
	/*
	 * Only pods on their way out, or a running session's pod just gone:
	 * a rollout, a replaced pod, or a stop whose Deployment event has
	 * not come yet (pods and Deployments are two streams).
	 */
	if (*podp == NULL && (s->npods > 0 || strcmp(s->state, "running") ==
	    0))
		return NULL;
	return "pending";
}

/*
 * Reports state unless it says nothing new: the same state and reason
 * (and address, when running); a failed pod's later reasons
 * (ErrImagePull and ImagePullBackOff take turns, a crash-looping
 * container runs between back-offs) until it runs or another pod fails.
 */
static void
view_report(struct view *v, struct view_session *s, const char *state,
    const struct view_pod *pod)
{
	const char *reason = pod != NULL && pod->reason[0] ? pod->reason : "";
	const char *ip = pod != NULL ? pod->ip : "";
	const char *name = pod != NULL ? pod->name : "";
	int failed = strcmp(state, "failed") == 0;
	cJSON *meta;

	if (strcmp(state, "running") == 0 || strcmp(state, "hibernated") == 0)
		reason = "";
	if (strcmp(s->state, state) == 0 && (failed ? strcmp(s->pod, name) ==
	    0 : strcmp(s->reason, reason) == 0 && (strcmp(state, "running") !=
	    0 || strcmp(s->ip, ip) == 0)))
		return;
	if (strcmp(state, "pending") == 0 && strcmp(s->state, "failed") == 0)
		return;
	ssd_strlcpy(s->state, state, sizeof(s->state));
	ssd_strlcpy(s->reason, reason, sizeof(s->reason));
	ssd_strlcpy(s->ip, ip, sizeof(s->ip));
	ssd_strlcpy(s->pod, name, sizeof(s->pod));
	meta = cJSON_CreateObject();
	cJSON_AddStringToObject(meta, AP_NAMESPACE, v->namespace);
	if (pod != NULL) {
		cJSON_AddStringToObject(meta, AP_POD_NAME, pod->name);
		if (pod->ip[0] != '\0')
			cJSON_AddStringToObject(meta, AP_POD_IP, pod->ip);
		if (pod->vnc_port > 0)
			cJSON_AddNumberToObject(meta, AP_VNC_PORT, pod->vnc_port);
		if (reason[0] != '\0' && pod->message[0] != '\0')
			cJSON_AddStringToObject(meta, AP_MESSAGE, pod->message);
		if (reason[0] != '\0' && pod->last_reason[0] != '\0')
			cJSON_AddStringToObject(meta, AP_LAST_TERMINATION,
			    pod->last_reason);
	}
	v->status(s->id, state, reason[0] ? reason : NULL, meta,
	    v->arg);
	cJSON_Delete(meta);
}

/* Reports what changed for s, and drops it once nothing of it is left. */
static void
view_update(struct view *v, struct view_session *s)
{
	const struct view_pod *pod;
	const char *state;
	char name[sizeof(s->name)];

	ssd_strlcpy(name, s->name, sizeof(name));
	if (!s->has_deploy && s->npods == 0) {
		if (view_synced(v) && s->state[0] != '\0' &&
		    strcmp(s->state, "terminated") != 0)
			view_report(v, s, "terminated", NULL);
		view_remove(v, s);
	} else if (view_synced(v) && (state = view_state(s, &pod)) != NULL)
		view_report(v, s, state, pod);
	v->changed(name, v->arg);
}

static void
view_update_all(struct view *v)
{
	struct view_session *s, *next;

	for (s = TAILQ_FIRST(&v->sessions); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		view_update(v, s);
	}
}

static void
view_pod_del(struct view_session *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->npods; i++)
		if (strcmp(s->pods[i].name, name) == 0) {
			s->pods[i] = s->pods[--s->npods];
			return;
		}
}

static void
view_pod_put(struct view_session *s, const struct view_pod *p)
{
	size_t i;

	for (i = 0; i < s->npods; i++)
		if (strcmp(s->pods[i].name, p->name) == 0)
			break;
	if (i == VIEW_PODS_MAX) {
		/* Full: an old pod that is going or gone makes room. */
		for (i = 0; i < s->npods; i++)
			if (s->pods[i].terminating || s->pods[i].failed)
				break;
		if (i == VIEW_PODS_MAX) {
			log_debug("session %s: more than %d pods, %s not "
			    "followed", s->name, VIEW_PODS_MAX, p->name);
			return;
		}
	}
	s->pods[i] = *p;
	if (i == s->npods)
		s->npods++;
}

/* An object without the annotation only says the session label. */
static void
view_set_id(struct view_session *s, const char *id)
{
	if (s->id[0] == '\0' || strcmp(id, s->name) != 0)
		ssd_strlcpy(s->id, id, sizeof(s->id));
}

/* Applies one object; returns the session it concerns, or NULL. */
static struct view_session *
view_apply(struct view *v, enum view_kind kind, enum kube_event_type type,
    const cJSON *obj)
{
	struct view_deploy d;
	struct view_pod p;
	struct view_session *s;

	if (kind == VIEW_PODS) {
		if (view_pod_parse(obj, &p) == -1)
			return NULL;
		s = view_get(v, p.session);
		view_set_id(s, p.id);
		if (type == KUBE_DELETED)
			view_pod_del(s, p.name);
		else
			view_pod_put(s, &p);
		return s;
	}
	if (view_deploy_parse(obj, &d) == -1)
		return NULL;
	s = view_get(v, d.session);
	view_set_id(s, d.id);
	s->has_deploy = type != KUBE_DELETED;
	if (s->has_deploy)
		s->deploy = d;
	return s;
}

void
view_list(struct view *v, enum view_kind kind, const cJSON *items)
{
	struct view_session *s;
	const cJSON *it;

	TAILQ_FOREACH(s, &v->sessions, entry)
		if (kind == VIEW_PODS)
			s->npods = 0;
		else
			s->has_deploy = 0;
	cJSON_ArrayForEach(it, items)
		view_apply(v, kind, KUBE_ADDED, it);
	v->listed[kind] = 1;
	view_update_all(v);
}

void
view_event(struct view *v, enum view_kind kind, enum kube_event_type type,
    const cJSON *obj)
{
	struct view_session *s;

	if ((s = view_apply(v, kind, type, obj)) != NULL)
		view_update(v, s);
}

cJSON *
view_sessions(const struct view *v)
{
	const struct view_session *s;
	const struct view_pod *pod;
	const char *state;
	cJSON *arr, *o;

	if (!view_synced(v))
		return NULL;
	arr = cJSON_CreateArray();
	TAILQ_FOREACH(s, &v->sessions, entry) {
		if ((state = view_state(s, &pod)) == NULL)
			state = s->state[0] != '\0' ? s->state : "pending";
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, AP_SESSION_ID, s->id);
		cJSON_AddStringToObject(o, AP_STATE, state);
		if (pod != NULL) {
			cJSON_AddStringToObject(o, AP_POD_NAME, pod->name);
			if (pod->ip[0] != '\0')
				cJSON_AddStringToObject(o, AP_POD_IP, pod->ip);
		}
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

size_t
view_count(const struct view *v)
{
	return v->nsessions;
}

size_t
view_count_awake(const struct view *v)
{
	const struct view_session *s;
	size_t n = 0;

	TAILQ_FOREACH(s, &v->sessions, entry)
		n += strcmp(s->state, "hibernated") != 0;
	return n;
}
