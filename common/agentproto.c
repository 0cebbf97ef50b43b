/*
 * agentproto.c - the one decoder and encoder of the messages between
 * agents and the control plane (agentproto.h).  Pure: text in, checked
 * fields out; no I/O, no logging, every string bounded.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "agentproto.h"
#include "json.h"
#include "util.h"

static const char *const ap_names[] = {
	[AP_T_HELLO] = AP_HELLO,
	[AP_T_HEARTBEAT] = AP_HEARTBEAT,
	[AP_T_SESSIONS] = AP_SESSIONS,
	[AP_T_STATUS] = AP_STATUS,
	[AP_T_ACK] = AP_ACK,
	[AP_T_COMPLETE] = AP_COMPLETE,
	[AP_T_FAILED] = AP_FAILED,
	[AP_T_COMMAND] = AP_COMMAND,
	[AP_T_ERROR] = AP_ERROR,
};

const char *
agentproto_type_name(enum ap_type t)
{
	return (size_t)t < nitems(ap_names) ? ap_names[t] : "?";
}

/*
 * An optional string field of at most max bytes: 0 with *out NULL when
 * absent or null, -1 when of another type or too long.
 */
static int
ap_str(const cJSON *o, const char *key, size_t max, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	*out = NULL;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v) || strlen(v->valuestring) > max)
		return -1;
	*out = v->valuestring;
	return 0;
}

/* An optional boolean: -1 in *out when absent or null. */
static int
ap_bool(const cJSON *o, const char *key, int *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	*out = -1;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsBool(v))
		return -1;
	*out = cJSON_IsTrue(v);
	return 0;
}

/* A required non-empty string. */
static int
ap_str_req(const cJSON *o, const char *key, size_t max, const char **out)
{
	return ap_str(o, key, max, out) == -1 || *out == NULL ||
	    (*out)[0] == '\0' ? -1 : 0;
}

/* An optional whole number in [0, max]: -1 in *out when absent. */
static int
ap_int(const cJSON *o, const char *key, int64_t max, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	*out = -1;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    v->valuedouble < 0 || v->valuedouble > (double)max ||
	    v->valuedouble != (double)(int64_t)v->valuedouble)
		return -1;
	*out = (int64_t)v->valuedouble;
	return 0;
}

int
agentproto_capacity(const cJSON *o, struct ap_capacity *cap,
    const char **why)
{
	const int64_t max = INT32_MAX;

	cap->max_cpu = cap->max_memory = cap->max_sessions = -1;
	if (!cJSON_IsObject(o)) {
		*why = "capacity is not an object";
		return -1;
	}
	if (ap_int(o, AP_CAP_MAX_CPU, max, &cap->max_cpu) == -1 ||
	    ap_int(o, AP_CAP_MAX_MEMORY, max, &cap->max_memory) == -1 ||
	    ap_int(o, AP_CAP_MAX_SESSIONS, max, &cap->max_sessions) == -1) {
		*why = "capacity values must be whole numbers from 0";
		return -1;
	}
	return 0;
}

cJSON *
agentproto_capacity_json(const struct ap_capacity *cap)
{
	cJSON *o = cJSON_CreateObject();

	if (cap->max_cpu >= 0)
		cJSON_AddNumberToObject(o, AP_CAP_MAX_CPU,
		    (double)cap->max_cpu);
	if (cap->max_memory >= 0)
		cJSON_AddNumberToObject(o, AP_CAP_MAX_MEMORY,
		    (double)cap->max_memory);
	if (cap->max_sessions >= 0)
		cJSON_AddNumberToObject(o, AP_CAP_MAX_SESSIONS,
		    (double)cap->max_sessions);
	return o;
}

static int
ap_hello(struct ap_msg *m, const char **why)
{
	const cJSON *p = m->payload;

	if (ap_str(p, AP_VERSION, AP_TEXT_MAX, &m->u.hello.version) == -1 ||
	    ap_str(p, AP_NAMESPACE, AP_SESSION_ID_MAX,
	    &m->u.hello.namespace) == -1 ||
	    ap_int(p, AP_PROTOCOL, INT32_MAX, &m->u.hello.protocol) == -1 ||
	    ap_int(p, AP_HEARTBEAT_INTERVAL, 86400,
	    &m->u.hello.heartbeat_s) == -1 ||
	    ap_bool(p, AP_COUNT_HIBERNATED,
	    &m->u.hello.count_hibernated) == -1) {
		*why = "malformed hello";
		return -1;
	}
	return 0;
}

static int
ap_heartbeat(struct ap_msg *m, const char **why)
{
	const cJSON *p = m->payload;
	const cJSON *cap = cJSON_GetObjectItemCaseSensitive(p, AP_CAPACITY);

	if (ap_str(p, AP_AGENT_STATUS, 32, &m->u.heartbeat.status) == -1 ||
	    ap_int(p, AP_ACTIVE_SESSIONS, INT32_MAX,
	    &m->u.heartbeat.active_sessions) == -1 ||
	    ap_int(p, AP_RUNNING_COMMANDS, INT32_MAX,
	    &m->u.heartbeat.running_commands) == -1) {
		*why = "malformed heartbeat";
		return -1;
	}
	if (cap != NULL && !cJSON_IsNull(cap)) {
		if (agentproto_capacity(cap, &m->u.heartbeat.capacity,
		    why) == -1)
			return -1;
		m->u.heartbeat.has_capacity = 1;
	}
	return 0;
}

/* Each entry a session id, or an object with one. */
static int
ap_sessions(struct ap_msg *m, const char **why)
{
	const cJSON *list, *e, *id;
	size_t n;

	list = cJSON_GetObjectItemCaseSensitive(m->payload, AP_SESSION_LIST);
	if (!cJSON_IsArray(list)) {
		*why = "a sessions message needs a sessions array";
		return -1;
	}
	if ((n = (size_t)cJSON_GetArraySize(list)) > AP_SESSIONS_MAX) {
		*why = "more sessions than one list may hold";
		return -1;
	}
	m->u.sessions.ids = xcalloc(n + 1, sizeof(*m->u.sessions.ids));
	cJSON_ArrayForEach(e, list) {
		id = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e,
		    AP_SESSION_ID) : e;
		if (!cJSON_IsString(id) || id->valuestring[0] == '\0' ||
		    strlen(id->valuestring) > AP_SESSION_ID_MAX) {
			*why = "a sessions entry without a valid session id";
			return -1;
		}
		m->u.sessions.ids[m->u.sessions.nids++] = id->valuestring;
	}
	return 0;
}

static int
ap_status(struct ap_msg *m, const char **why)
{
	const cJSON *p = m->payload;

	if (ap_str_req(p, AP_SESSION_ID, AP_SESSION_ID_MAX,
	    &m->u.status.session_id) == -1 ||
	    ap_str_req(p, AP_STATE, 32, &m->u.status.state) == -1 ||
	    ap_str(p, AP_REASON, AP_TEXT_MAX, &m->u.status.reason) == -1) {
		*why = "a status needs sessionId and state";
		return -1;
	}
	return 0;
}

static int
ap_reply(struct ap_msg *m, const char **why)
{
	const cJSON *p = m->payload;
	int retryable, full;

	if (m->id == NULL) {
		*why = "a command reply without an id";
		return -1;
	}
	if (ap_str(p, AP_ERROR_TEXT, AP_TEXT_MAX, &m->u.reply.error) == -1 ||
	    ap_str(p, AP_POD_NAME, AP_SESSION_ID_MAX,
	    &m->u.reply.pod_name) == -1 ||
	    ap_bool(p, AP_RETRYABLE, &retryable) == -1 ||
	    ap_bool(p, AP_NO_CAPACITY, &full) == -1) {
		*why = "malformed command reply";
		return -1;
	}
	m->u.reply.retryable = retryable == 1;
	m->u.reply.no_capacity = full == 1;
	return 0;
}

static int
ap_command(struct ap_msg *m, const char **why)
{
	const cJSON *p = m->payload, *d;

	d = cJSON_GetObjectItemCaseSensitive(p, AP_DATA);
	if (m->id == NULL || ap_str_req(p, AP_COMMAND_TYPE, 32,
	    &m->u.command.command_type) == -1 || ap_str_req(p, AP_SESSION_ID,
	    AP_SESSION_ID_MAX, &m->u.command.session_id) == -1 ||
	    (d != NULL && !cJSON_IsObject(d) && !cJSON_IsNull(d))) {
		*why = "a command needs id, commandType and sessionId";
		return -1;
	}
	m->u.command.data = cJSON_IsObject(d) ? d : NULL;
	return 0;
}

static int
ap_error(struct ap_msg *m, const char **why)
{
	if (ap_str(m->payload, AP_MESSAGE, AP_TEXT_MAX,
	    &m->u.error.message) == -1) {
		*why = "malformed error";
		return -1;
	}
	return 0;
}

static int
ap_lookup(const char *name, enum ap_type *t)
{
	size_t i;

	for (i = 0; i < nitems(ap_names); i++)
		if (strcmp(name, ap_names[i]) == 0) {
			*t = (enum ap_type)i;
			return 0;
		}
	return -1;
}

static int
ap_envelope(struct ap_msg *m, const char **why)
{
	const cJSON *type, *id, *p;

	type = cJSON_GetObjectItemCaseSensitive(m->root, AP_TYPE);
	id = cJSON_GetObjectItemCaseSensitive(m->root, AP_ID);
	p = cJSON_GetObjectItemCaseSensitive(m->root, AP_PAYLOAD);
	if (!cJSON_IsString(type)) {
		*why = "a message without a type";
		return -1;
	}
	if (ap_lookup(type->valuestring, &m->type) == -1) {
		*why = "unknown message type";
		return -1;
	}
	if (id != NULL && !cJSON_IsNull(id)) {
		if (!cJSON_IsString(id) || id->valuestring[0] == '\0' ||
		    strlen(id->valuestring) > AP_ID_MAX) {
			*why = "malformed id";
			return -1;
		}
		m->id = id->valuestring;
	}
	if (p != NULL && !cJSON_IsNull(p) && !cJSON_IsObject(p)) {
		*why = "the payload is not an object";
		return -1;
	}
	if (!cJSON_IsObject(p)) {
		cJSON_DeleteItemFromObjectCaseSensitive(m->root, AP_PAYLOAD);
		p = cJSON_AddObjectToObject(m->root, AP_PAYLOAD);
	}
	m->payload = p;
	return 0;
}

int
agentproto_decode(const void *text, size_t len, struct ap_msg *m,
    const char **why)
{
	static int (*const check[])(struct ap_msg *, const char **) = {
		[AP_T_HELLO] = ap_hello,
		[AP_T_HEARTBEAT] = ap_heartbeat,
		[AP_T_SESSIONS] = ap_sessions,
		[AP_T_STATUS] = ap_status,
		[AP_T_ACK] = ap_reply,
		[AP_T_COMPLETE] = ap_reply,
		[AP_T_FAILED] = ap_reply,
		[AP_T_COMMAND] = ap_command,
		[AP_T_ERROR] = ap_error,
	};

	memset(m, 0, sizeof(*m));
	if ((m->root = json_parse_strict(text, len, why)) == NULL)
		return -1;
	if (!cJSON_IsObject(m->root)) {
		*why = "a message is not a JSON object";
		agentproto_free(m);
		return -1;
	}
	if (ap_envelope(m, why) == -1 || check[m->type](m, why) == -1) {
		agentproto_free(m);
		return -1;
	}
	return 0;
}

void
agentproto_free(struct ap_msg *m)
{
	if (m->type == AP_T_SESSIONS)
		free(m->u.sessions.ids);
	cJSON_Delete(m->root);
	memset(m, 0, sizeof(*m));
}

char *
agentproto_encode(const char *type, const char *id, cJSON *payload)
{
	cJSON *m = cJSON_CreateObject();
	char *s;

	cJSON_AddStringToObject(m, AP_TYPE, type);
	if (id != NULL)
		cJSON_AddStringToObject(m, AP_ID, id);
	cJSON_AddNumberToObject(m, AP_TIMESTAMP, (double)(wall_ms() / 1000));
	if (payload != NULL)
		cJSON_AddItemToObject(m, AP_PAYLOAD, payload);
	s = cJSON_PrintUnformatted(m);
	cJSON_Delete(m);
	return s;
}
