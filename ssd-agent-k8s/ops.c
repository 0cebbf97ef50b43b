/*
 * ops.c - the session commands (cluster.h) as chains of API calls: start
 * creates PVC, Deployment, Service (adopting what exists, undoing what it
 * created when it fails, never the user's home) and waits for a Ready
 * pod; stop deletes (never the user's home); hibernate and wake scale;
 * delete home deletes a user's claim no pod mounts.  Each wait has a
 * deadline; done is called exactly once.  One command per session: a
 * newer one ends the older.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "agentproto.h"
#include "cluster_priv.h"
#include "log.h"
#include "manifest.h"
#include "util.h"

enum op_kind { OP_START, OP_STOP, OP_HIBERNATE, OP_WAKE, OP_DELETE_HOME };
static const char *const op_names[] = { "start", "stop", "hibernate",
    "wake", "delete home" };

enum op_obj { OBJ_DEPLOY, OBJ_SERVICE, OBJ_PVC, OBJ_N };
static const struct {
	const char	*what;
	const char	*group;		/* the API group's path */
	const char	*resource;
} op_objs[] = {
	{ "deployment", "/apis/apps/v1", "deployments" },
	{ "service", "/api/v1", "services" },
	{ "persistentvolumeclaim", "/api/v1", "persistentvolumeclaims" },
};
/*
 * The home first, so that the pod never waits for its claim; the Service
 * last: it carries an ownerReference to the Deployment, so that the
 * garbage collector removes it with a Deployment deleted by hand, and
 * stop deletes it explicitly all the same.  The PVC has no owner: the
 * home outlives stop unless deleteHome asks.  Stop deletes the
 * Deployment first, so that its pod goes before the claim it mounts.
 */
static const enum op_obj op_create_order[OBJ_N] = { OBJ_PVC, OBJ_DEPLOY,
    OBJ_SERVICE };
static const enum op_obj op_stop_order[OBJ_N] = { OBJ_DEPLOY, OBJ_SERVICE,
    OBJ_PVC };

enum op_wait { WAIT_NONE, WAIT_READY, WAIT_GONE };

struct op {
	TAILQ_ENTRY(op)		 entry;
	struct cluster		*c;
	enum op_kind		 kind;
	char			 id[MANIFEST_ID_MAX + 1];
	char			 name[MANIFEST_NAME_MAX + 1];
	char			 what[MANIFEST_ID_MAX + 16];	/* for logs */
	struct manifest		 m;		/* start */
	int			 delete_home;	/* stop */
	int			 step;		/* in op_*_order */
	enum op_obj		 obj;		/* being created / deleted */
	unsigned		 created;	/* 1 << obj, by this start */
	int			 scale_up;	/* adopted at 0 replicas */
	char			 nonce[17];
	char			 uid[128];	/* the Deployment's */
	struct kube_req		*req;
	struct event		*deadline_ev;
	struct event		*poll_ev;
	enum op_wait		 wait;
	char			 seen[KUBE_REASON_MAX + KUBE_MESSAGE_MAX + 4];
	char			 err[KUBE_MESSAGE_MAX + 128];
	int			 retryable;
	cluster_done_fn		 done;
	void			*arg;
};

static void	op_create(struct op *);
static void	op_create_next(struct op *);
static void	op_delete_next(struct op *);

/* The collection, or (item) the session's object in it + suffix. */
static struct kube_req *
op_call(struct op *op, const char *method, enum op_obj obj, int item,
    const char *suffix, const char *ctype, const cJSON *body,
    kube_done_fn cb)
{
	struct kube_req *r;
	char *path;

	/* Strict: a field the server does not know is our bug. */
	xasprintf(&path, "%s/namespaces/%s/%s%s%s%s%s", op_objs[obj].group,
	    op->c->namespace, op_objs[obj].resource, item ? "/" : "",
	    !item ? "" : obj == OBJ_PVC ? op->m.pvc_name : op->name,
	    item ? suffix : "", body != NULL && strcmp(method, "DELETE") != 0 ?
	    "?fieldValidation=Strict" : "");
	r = kube_call(op->c->kube, method, path, ctype, body, op->what, cb,
	    op);
	free(path);
	return r;
}

/* The end: log once, tell the caller once, forget the op. */
static void
op_end(struct op *op, const cJSON *result, const char *err, int retryable)
{
	struct cluster *c = op->c;

	TAILQ_REMOVE(&c->ops, op, entry);
	if (op->req != NULL)
		kube_cancel(op->req);
	event_free(op->deadline_ev);
	event_free(op->poll_ev);
	/* Logged by whoever handles the result (commands.c), once. */
	op->done(result, err, retryable, op->arg);
	manifest_free(&op->m);
	free(op);
}

static void
op_end_ok(struct op *op)
{
	cJSON *empty = cJSON_CreateObject();

	op_end(op, empty, NULL, 0);
	cJSON_Delete(empty);
}

static void
op_rollback_cb(const struct kube_resp *resp, void *arg)
{
	struct op *op = arg;

	op->req = NULL;
	if (resp->code != 200 && resp->code != 202 && resp->code != 404)
		log_warnx("session %s: undoing the start: cannot delete %s: "
		    "%s", op->id, op_objs[op->obj].what, resp->status->message);
	op->created &= ~(1u << op->obj);
	op_delete_next(op);
}

/*
 * The op failed: a start first deletes, newest first, what it created;
 * the others report at once.
 */
static void
op_fail(struct op *op, const char *err, int retryable)
{
	snprintf(op->err, sizeof(op->err), "%s", err);
	op->retryable = retryable;
	op->wait = WAIT_NONE;
	if (op->kind != OP_START || op->created == 0) {
		op_end(op, NULL, op->err, op->retryable);
		return;
	}
	evtimer_del(op->poll_ev);
	evtimer_del(op->deadline_ev);
	if (op->req != NULL)
		kube_cancel(op->req);
	op->req = NULL;
	op_delete_next(op);
}

static void
op_fail_resp(struct op *op, const char *doing, const struct kube_resp *resp)
{
	char err[sizeof(op->err)];

	snprintf(err, sizeof(err), "%s: %s", doing, resp->status->message);
	op_fail(op, err, resp->retryable);
}

static void
op_ready(struct op *op, const struct view_pod *pod)
{
	cJSON *res = cJSON_CreateObject();
	int port = pod->vnc_port ? pod->vnc_port : op->m.vnc_port ?
	    op->m.vnc_port : MANIFEST_VNC_PORT;

	cJSON_AddStringToObject(res, AP_POD_NAME, pod->name);
	cJSON_AddStringToObject(res, AP_POD_IP, pod->ip);
	cJSON_AddStringToObject(res, AP_VNC_HOST, pod->ip);
	cJSON_AddNumberToObject(res, AP_VNC_PORT, port);
	cJSON_AddStringToObject(res, AP_NAMESPACE, op->c->namespace);
	if (op->m.pvc != NULL)
		cJSON_AddStringToObject(res, AP_HOME_CLAIM, op->m.pvc_name);
	op_end(op, res, NULL, 0);
	cJSON_Delete(res);
}

/* Looks at the session's pods; 1 if that ended the op. */
static int
op_check(struct op *op, const struct view_pod *pods, size_t n)
{
	const struct view_pod *pod;
	size_t i;

	if (op->wait == WAIT_GONE && n == 0) {
		op_end_ok(op);
		return 1;
	}
	if (op->wait != WAIT_READY)
		return 0;
	if ((pod = view_ready_pod(pods, n)) != NULL) {
		op_ready(op, pod);
		return 1;
	}
	for (i = 0; i < n; i++)
		if (!pods[i].terminating && pods[i].failed)
			snprintf(op->seen, sizeof(op->seen), "%s%s%s%s",
			    pods[i].reason, pods[i].message[0] ? " (" : "",
			    pods[i].message, pods[i].message[0] ? ")" : "");
	return 0;
}

static int
op_check_view(struct op *op)
{
	const struct view_session *s;

	if (!view_synced(op->c->view))
		return 0;
	s = view_find(op->c->view, op->name);
	return op_check(op, s ? s->pods : NULL, s ? s->npods : 0);
}

void
ops_changed(struct cluster *c, const char *name)
{
	struct op *op;

	/* At most one op per session (op_new ends older ones). */
	TAILQ_FOREACH(op, &c->ops, entry)
		if (strcmp(op->name, name) == 0) {
			if (op->wait != WAIT_NONE)
				op_check_view(op);
			return;
		}
}

static void
op_poll_arm(struct op *op)
{
	struct timeval tv = { CLUSTER_POLL_MS / 1000,
	    (CLUSTER_POLL_MS % 1000) * 1000 };

	evtimer_add(op->poll_ev, &tv);
}

static void
op_poll_cb(const struct kube_resp *resp, void *arg)
{
	struct view_pod pods[VIEW_PODS_MAX];
	const cJSON *it;
	struct op *op = arg;
	size_t n = 0;

	op->req = NULL;
	if (resp->code != 200) {
		log_debug("session %s: looking at its pods: %s", op->id,
		    resp->status->message);
		op_poll_arm(op);
		return;
	}
	cJSON_ArrayForEach(it, kube_get(resp->body, "items", NULL))
		if (n < VIEW_PODS_MAX && view_pod_parse(it, &pods[n]) == 0 &&
		    strcmp(pods[n].session, op->name) == 0)
			n++;
	if (!op_check(op, pods, n))
		op_poll_arm(op);
}

static void
op_poll_ev(evutil_socket_t fd, short what, void *arg)
{
	struct op *op = arg;
	char *sel, *esc, *path;

	xasprintf(&sel, "session=%s", op->name);
	esc = kube_escape(sel);
	xasprintf(&path, "/api/v1/namespaces/%s/pods?labelSelector=%s",
	    op->c->namespace, esc);
	op->req = kube_call(op->c->kube, "GET", path, NULL, NULL, op->what,
	    op_poll_cb, op);
	free(path);
	free(esc);
	free(sel);
}

static void
op_deadline_ev(evutil_socket_t fd, short what, void *arg)
{
	struct op *op = arg;
	char err[sizeof(op->err)];

	if (op->wait == WAIT_GONE) {
		snprintf(err, sizeof(err), "its pod is still there after %d s",
		    op->c->ready_timeout_s);
		op_fail(op, err, 1);
		return;
	}
	snprintf(err, sizeof(err), "no Ready pod within %d s%s%s",
	    op->c->ready_timeout_s, op->seen[0] ? ": " : "", op->seen);
	op_fail(op, err, op->seen[0] == '\0');
}

/* Waits for a Ready pod or for none, from the watch and by polling. */
static void
op_wait(struct op *op, enum op_wait wait)
{
	struct timeval tv = { op->c->ready_timeout_s, 0 };

	op->wait = wait;
	evtimer_add(op->deadline_ev, &tv);
	if (!op_check_view(op))
		op_poll_ev(-1, 0, op);
}

static void
op_scale_cb(const struct kube_resp *resp, void *arg)
{
	struct op *op = arg;

	op->req = NULL;
	if (resp->code == 404)
		op_fail(op, "the session's deployment does not exist", 0);
	else if (resp->code != 200)
		op_fail_resp(op, "scaling its deployment", resp);
	else
		op_wait(op, op->kind == OP_HIBERNATE ? WAIT_GONE : WAIT_READY);
}

static void
op_scale(struct op *op, int replicas)
{
	cJSON *body = cJSON_CreateObject();

	cJSON_AddNumberToObject(cJSON_AddObjectToObject(body, "spec"),
	    "replicas", replicas);
	op->req = op_call(op, "PATCH", OBJ_DEPLOY, 1, "/scale",
	    "application/merge-patch+json", body, op_scale_cb);
	cJSON_Delete(body);
}

static void
op_deleted_cb(const struct kube_resp *resp, void *arg)
{
	struct op *op = arg;
	char doing[64];

	op->req = NULL;
	if (resp->code != 200 && resp->code != 202 && resp->code != 404) {
		snprintf(doing, sizeof(doing), "deleting its %s",
		    op_objs[op->obj].what);
		op_fail_resp(op, doing, resp);
		return;
	}
	op->step++;
	op_delete_next(op);
}

/*
 * Deletes the next object: for stop, in op_stop_order (the PVC only if
 * asked); for a failed start, what it created, newest first.
 */
static void
op_delete_next(struct op *op)
{
	static const char foreground[] = "{\"kind\":\"DeleteOptions\","
	    "\"apiVersion\":\"v1\",\"propagationPolicy\":\"Foreground\"}";
	kube_done_fn cb = op_deleted_cb;
	cJSON *opts;
	int i;

	if (op->kind == OP_START) {
		cb = op_rollback_cb;
		for (i = OBJ_N - 1; i >= 0; i--)
			if (op->created & 1u << op_create_order[i])
				break;
		op->step = i < 0 ? OBJ_N : i;
		if (i >= 0)
			op->obj = op_create_order[i];
	} else {
		if (op->step < OBJ_N && op_stop_order[op->step] == OBJ_PVC &&
		    !op->delete_home)
			op->step++;
		if (op->step < OBJ_N)
			op->obj = op_stop_order[op->step];
	}
	if (op->step >= OBJ_N) {
		if (op->kind == OP_START)
			op_end(op, NULL, op->err, op->retryable);
		else
			op_wait(op, WAIT_GONE);
		return;
	}
	opts = op->obj == OBJ_DEPLOY ? cJSON_Parse(foreground) : NULL;
	op->req = op_call(op, "DELETE", op->obj, 1, "", NULL, opts, cb);
	cJSON_Delete(opts);
}

/* The next object; after them, scale up an adopted hibernated one, wait. */
static void
op_create_next(struct op *op)
{
	while (++op->step < OBJ_N && op_create_order[op->step] == OBJ_PVC &&
	    op->m.pvc == NULL)
		;
	if (op->step < OBJ_N) {
		op->obj = op_create_order[op->step];
		op_create(op);
		return;
	}
	if (op->scale_up)
		op_scale(op, 1);
	else
		op_wait(op, WAIT_READY);
}

/* The Deployment's uid, for the Service's ownerReference. */
static int
op_take_uid(struct op *op, const cJSON *obj)
{
	const char *uid = kube_get_str(obj, "metadata", "uid", NULL);

	if (uid == NULL || uid[0] == '\0' || strlen(uid) >= sizeof(op->uid)) {
		op_fail(op, "the API server's deployment has no uid", 0);
		return -1;
	}
	ssd_strlcpy(op->uid, uid, sizeof(op->uid));
	return 0;
}

/*
 * The user's home exists (made by an earlier session, another agent of
 * the namespace, or StreamSpace 1.x): mounted if it is theirs.  Never
 * created by this start, so never undone by it.
 */
static void
op_adopt_home(struct op *op, const cJSON *claim)
{
	char err[sizeof(op->err)];

	if (!manifest_home_owned(claim, op->m.user, op->m.user_id)) {
		snprintf(err, sizeof(err), "the claim %s is the home of another "
		    "user (one deleted and made again?): an administrator "
		    "must delete it first", op->m.pvc_name);
		op_fail(op, err, 0);
		return;
	}
	if (kube_get(claim, "metadata", "deletionTimestamp", NULL) != NULL) {
		snprintf(err, sizeof(err), "the user's home %s is being "
		    "deleted", op->m.pvc_name);
		op_fail(op, err, 1);
		return;
	}
	log_info("session %s: mounting the user's home %s", op->id,
	    op->m.pvc_name);
	op_create_next(op);
}

static void
op_adopt_cb(const struct kube_resp *resp, void *arg)
{
	struct op *op = arg;
	const char *nonce = kube_get_str(resp->body, "metadata", "annotations",
	    MANIFEST_ANN_NONCE, NULL);
	const cJSON *replicas = kube_get(resp->body, "spec", "replicas", NULL);
	char err[128];
	int ours;

	op->req = NULL;
	if (resp->code != 200) {
		op_fail_resp(op, "reading the existing objects", resp);
		return;
	}
	if (op->obj == OBJ_PVC && op->m.user_home) {
		op_adopt_home(op, resp->body);
		return;
	}
	ours = manifest_owned(resp->body, op->name, op->c->agent);
	snprintf(err, sizeof(err), "a %s of that name exists and is %s",
	    op_objs[op->obj].what, ours ? "being deleted" : "not one of ours");
	if (!ours || kube_get(resp->body, "metadata", "deletionTimestamp",
	    NULL) != NULL) {
		op_fail(op, err, ours);
		return;
	}
	/* Our own create whose answer was lost (and retried) is ours. */
	if (nonce != NULL && strcmp(nonce, op->nonce) == 0)
		op->created |= 1u << op->obj;
	if (op->obj == OBJ_DEPLOY && op_take_uid(op, resp->body) == -1)
		return;
	if (op->obj == OBJ_DEPLOY && cJSON_IsNumber(replicas) &&
	    replicas->valuedouble == 0)
		op->scale_up = 1;
	log_info("session %s: adopting the existing %s", op->id,
	    op_objs[op->obj].what);
	op_create_next(op);
}

static void
op_created_cb(const struct kube_resp *resp, void *arg)
{
	struct op *op = arg;
	char doing[64];

	op->req = NULL;
	if (resp->code == 409) {
		op->req = op_call(op, "GET", op->obj, 1, "", NULL, NULL,
		    op_adopt_cb);
		return;
	}
	if (resp->code != 200 && resp->code != 201) {
		snprintf(doing, sizeof(doing), "creating its %s",
		    op_objs[op->obj].what);
		op_fail_resp(op, doing, resp);
		return;
	}
	/* A user's home outlives a failed start: another may mount it. */
	if (op->obj != OBJ_PVC || !op->m.user_home)
		op->created |= 1u << op->obj;
	if (op->obj == OBJ_DEPLOY && op_take_uid(op, resp->body) == -1)
		return;
	op_create_next(op);
}

static void
op_create(struct op *op)
{
	const cJSON *body[] = { op->m.deployment, op->m.service, op->m.pvc };

	if (op->obj == OBJ_SERVICE)
		manifest_set_owner(op->m.service, op->name, op->uid);
	op->req = op_call(op, "POST", op->obj, 0, "", NULL, body[op->obj],
	    op_created_cb);
}

/*
 * A new op for payload's session, older ones for it ended; NULL (and
 * done called) if the payload is unusable.
 */
static struct op *
op_new(struct cluster *c, enum op_kind kind, const cJSON *payload,
    cluster_done_fn done, void *arg)
{
	struct op *op = xcalloc(1, sizeof(*op)), *old;
	char err[256], msg[64];

	op->c = c;
	op->kind = kind;
	op->done = done;
	op->arg = arg;
	if (manifest_session(payload, op->id, sizeof(op->id), op->name, err,
	    sizeof(err)) == -1) {
		log_warnx("%s command refused: %s", op_names[kind], err);
		done(NULL, err, 0, arg);
		free(op);
		return NULL;
	}
	snprintf(op->what, sizeof(op->what), "session %s", op->id);
	random_hex(op->nonce, 8);
	if ((op->deadline_ev = evtimer_new(c->base, op_deadline_ev, op)) ==
	    NULL || (op->poll_ev = evtimer_new(c->base, op_poll_ev, op)) ==
	    NULL)
		fatalx("session %s: evtimer_new", op->id);
	TAILQ_FOREACH(old, &c->ops, entry)
		if (strcmp(old->name, op->name) == 0)
			break;
	if (old != NULL) {
		snprintf(msg, sizeof(msg), "superseded by a %s command",
		    op_names[kind]);
		op_end(old, NULL, msg, 0);
	}
	TAILQ_INSERT_TAIL(&c->ops, op, entry);
	return op;
}

void
cluster_start(struct cluster *c, const cJSON *payload, cluster_done_fn done,
    void *arg)
{
	struct manifest_opts mo;
	struct op *op;
	char err[256];

	if ((op = op_new(c, OP_START, payload, done, arg)) == NULL)
		return;
	mo.namespace = c->namespace;
	mo.agent = c->agent;
	mo.storage_class = c->storage_class;
	mo.home_size = c->home_size;
	mo.nonce = op->nonce;
	if (manifest_build(payload, &mo, &op->m, err, sizeof(err)) == -1) {
		op_end(op, NULL, err, 0);
		return;
	}
	op->step = -1;
	op_create_next(op);
}

void
cluster_stop(struct cluster *c, const cJSON *payload, cluster_done_fn done,
    void *arg)
{
	const cJSON *home = kube_get(payload, AP_DELETE_HOME, NULL);
	struct op *op;

	if ((op = op_new(c, OP_STOP, payload, done, arg)) == NULL)
		return;
	if (home != NULL && !cJSON_IsBool(home) && !cJSON_IsNull(home)) {
		op_end(op, NULL, "deleteHome must be true or false", 0);
		return;
	}
	op->delete_home = cJSON_IsTrue(home);
	snprintf(op->m.pvc_name, sizeof(op->m.pvc_name), "%s-home", op->name);
	op_delete_next(op);
}

void
cluster_hibernate(struct cluster *c, const cJSON *payload,
    cluster_done_fn done, void *arg)
{
	struct op *op;

	if ((op = op_new(c, OP_HIBERNATE, payload, done, arg)) != NULL)
		op_scale(op, 0);
}

void
cluster_wake(struct cluster *c, const cJSON *payload, cluster_done_fn done,
    void *arg)
{
	struct op *op;

	if ((op = op_new(c, OP_WAKE, payload, done, arg)) != NULL)
		op_scale(op, 1);
}

static void
op_home_deleted_cb(const struct kube_resp *resp, void *arg)
{
	struct op *op = arg;
	cJSON *res;

	op->req = NULL;
	if (resp->code != 200 && resp->code != 202 && resp->code != 404) {
		op_fail_resp(op, "deleting the user's home", resp);
		return;
	}
	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, AP_HOME_CLAIM, op->m.pvc_name);
	cJSON_AddStringToObject(res, AP_NAMESPACE, op->c->namespace);
	op_end(op, res, NULL, 0);
	cJSON_Delete(res);
}

/* The pods of the namespace: none may mount the claim. */
static void
op_home_pods_cb(const struct kube_resp *resp, void *arg)
{
	struct op *op = arg;
	const cJSON *pod, *vol;
	const char *claim;
	char err[sizeof(op->err)];
	cJSON *opts;

	op->req = NULL;
	if (resp->code != 200) {
		op_fail_resp(op, "looking for pods that mount the home", resp);
		return;
	}
	cJSON_ArrayForEach(pod, kube_get(resp->body, "items", NULL))
		cJSON_ArrayForEach(vol, kube_get(pod, "spec", "volumes", NULL)) {
			claim = kube_get_str(vol, "persistentVolumeClaim",
			    "claimName", NULL);
			if (claim == NULL || strcmp(claim, op->m.pvc_name) != 0)
				continue;
			snprintf(err, sizeof(err), "pod %.100s still mounts "
			    "%s", kube_get_str(pod, "metadata", "name", NULL) ?
			    kube_get_str(pod, "metadata", "name", NULL) : "?",
			    op->m.pvc_name);
			op_fail(op, err, 0);
			return;
		}
	/* Only the claim read: not a newer one of the same name. */
	opts = cJSON_CreateObject();
	cJSON_AddStringToObject(opts, "kind", "DeleteOptions");
	cJSON_AddStringToObject(opts, "apiVersion", "v1");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(opts,
	    "preconditions"), "uid", op->uid);
	op->req = op_call(op, "DELETE", OBJ_PVC, 1, "", NULL, opts,
	    op_home_deleted_cb);
	cJSON_Delete(opts);
}

static void
op_home_got_cb(const struct kube_resp *resp, void *arg)
{
	struct op *op = arg;
	const char *uid = kube_get_str(resp->body, "metadata", "uid", NULL);
	char err[sizeof(op->err)], *path;

	op->req = NULL;
	if (resp->code == 404) {
		op_home_deleted_cb(resp, op);
		return;
	}
	if (resp->code != 200) {
		op_fail_resp(op, "reading the user's home", resp);
		return;
	}
	if (!manifest_home_owned(resp->body, op->m.user, op->m.user_id)) {
		snprintf(err, sizeof(err), "the claim %s is not the home of %s",
		    op->m.pvc_name, op->m.user);
		op_fail(op, err, 0);
		return;
	}
	if (uid == NULL || strlen(uid) >= sizeof(op->uid)) {
		op_fail(op, "the API server's claim has no uid", 0);
		return;
	}
	ssd_strlcpy(op->uid, uid, sizeof(op->uid));
	xasprintf(&path, "/api/v1/namespaces/%s/pods", op->c->namespace);
	op->req = kube_call(op->c->kube, "GET", path, NULL, NULL, op->what,
	    op_home_pods_cb, op);
	free(path);
}

void
cluster_delete_home(struct cluster *c, const cJSON *payload,
    cluster_done_fn done, void *arg)
{
	struct op *op;
	char err[256];

	if ((op = op_new(c, OP_DELETE_HOME, payload, done, arg)) == NULL)
		return;
	if (manifest_home_target(payload, &op->m, err, sizeof(err)) == -1) {
		op_end(op, NULL, err, 0);
		return;
	}
	snprintf(op->what, sizeof(op->what), "home %s", op->m.pvc_name);
	op->req = op_call(op, "GET", OBJ_PVC, 1, "", NULL, NULL,
	    op_home_got_cb);
}

void
ops_end_all(struct cluster *c)
{
	struct op *op;

	while ((op = TAILQ_FIRST(&c->ops)) != NULL)
		op_end(op, NULL, "the agent is shutting down", 1);
}
