/*
 * agentproto.h - the messages between an agent and the control plane,
 * defined once: every message type and every JSON key is spelled here and
 * nowhere else (ssd-agent-k8s, ssd-hub, ssd-api and the test agents use
 * these names; SQL that reads a key concatenates the macro).  AP_ is this
 * module's short prefix.
 *
 * The control link carries text frames of one JSON object each:
 *   {"type": T, "id": ID, "timestamp": SECONDS, "payload": {...}}
 * "id" names the command a reply is about.  Agent to control plane:
 *   hello     {version, protocolVersion, capabilities[], namespace}
 *   heartbeat {status, activeSessions, runningCommands,
 *              capacity: {max_cpu, max_memory, max_sessions}}
 *   sessions  {sessions: [{sessionId, state, podName, podIP} | "id"]}
 *   status    {sessionId, state, reason, ...metadata}
 *   ack, complete, failed (id)  {podName, podIP, vncHost, vncPort,
 *              namespace, homeClaim, ...} or {error, retryable,
 *              noCapacity}
 * Control plane to agent:
 *   hello     {protocolVersion, heartbeatInterval, countHibernated}
 *   command (id)  {commandType, sessionId, data: {sessionId, user,
 *              userId, template, resources: {memory, cpu},
 *              persistentHome, home: {scope, accessMode, size,
 *              storageClass}, deleteHome, reason}}
 *   A home of scope "user" is the user's claim in the agent's namespace,
 *   shared by their sessions and kept when they stop; "session" is the
 *   session's own claim (v2.0's, for sessions woken from before).
 *   delete_home's data is {user, userId, namespace}: the user's claim
 *   goes, unless a pod still mounts it.
 *   error     {message}
 * Registration (POST /api/v1/agents/register) is a JSON body
 *   {agentId, platform, region, capacity, metadata: {version, namespace}}
 * answered {apiKey} once approved.  The capacity keys are the seeds'
 * (agents.capacity in 000_...txt); the others are StreamSpace v2.0's.
 */
#ifndef SSD_AGENTPROTO_H
#define SSD_AGENTPROTO_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;

#define AP_PROTOCOL_VERSION	1

/* The envelope. */
#define AP_TYPE			"type"
#define AP_ID			"id"
#define AP_TIMESTAMP		"timestamp"
#define AP_PAYLOAD		"payload"

/* Message types. */
#define AP_HELLO		"hello"
#define AP_HEARTBEAT		"heartbeat"
#define AP_SESSIONS		"sessions"
#define AP_STATUS		"status"
#define AP_ACK			"ack"
#define AP_COMPLETE		"complete"
#define AP_FAILED		"failed"
#define AP_COMMAND		"command"
#define AP_ERROR		"error"

/* Payload keys. */
#define AP_VERSION		"version"
#define AP_PROTOCOL		"protocolVersion"
#define AP_CAPABILITIES		"capabilities"
#define AP_NAMESPACE		"namespace"
#define AP_HEARTBEAT_INTERVAL	"heartbeatInterval"
#define AP_AGENT_STATUS		"status"
#define AP_ACTIVE_SESSIONS	"activeSessions"
#define AP_RUNNING_COMMANDS	"runningCommands"
#define AP_CAPACITY		"capacity"
#define AP_CAP_MAX_CPU		"max_cpu"
#define AP_CAP_MAX_MEMORY	"max_memory"
#define AP_CAP_MAX_SESSIONS	"max_sessions"
#define AP_SESSION_LIST		"sessions"
#define AP_SESSION_ID		"sessionId"
#define AP_STATE		"state"
#define AP_REASON		"reason"
#define AP_POD_NAME		"podName"
#define AP_POD_IP		"podIP"
#define AP_VNC_HOST		"vncHost"
#define AP_VNC_PORT		"vncPort"
#define AP_MESSAGE		"message"
#define AP_LAST_TERMINATION	"lastTerminationReason"
#define AP_ERROR_TEXT		"error"
#define AP_RETRYABLE		"retryable"
#define AP_COMMAND_TYPE		"commandType"
#define AP_DATA			"data"
#define AP_USER			"user"
#define AP_TEMPLATE		"template"
#define AP_RESOURCES		"resources"
#define AP_MEMORY		"memory"
#define AP_CPU			"cpu"
#define AP_PERSISTENT_HOME	"persistentHome"
#define AP_DELETE_HOME		"deleteHome"
#define AP_USER_ID		"userId"
#define AP_HOME			"home"
#define AP_HOME_SCOPE		"scope"
#define AP_HOME_ACCESS_MODE	"accessMode"
#define AP_HOME_SIZE		"size"
#define AP_HOME_STORAGE_CLASS	"storageClass"
#define AP_HOME_CLAIM		"homeClaim"
#define AP_NO_CAPACITY		"noCapacity"
#define AP_COUNT_HIBERNATED	"countHibernated"

/* Home scopes. */
#define AP_HOME_SCOPE_USER	"user"
#define AP_HOME_SCOPE_SESSION	"session"

/* Command types. */
#define AP_CMD_START		"start_session"
#define AP_CMD_STOP		"stop_session"
#define AP_CMD_HIBERNATE	"hibernate_session"
#define AP_CMD_WAKE		"wake_session"
#define AP_CMD_DELETE_HOME	"delete_home"

/* Registration. */
#define AP_REG_AGENT_ID		"agentId"
#define AP_REG_PLATFORM		"platform"
#define AP_REG_REGION		"region"
#define AP_REG_METADATA		"metadata"
#define AP_REG_API_KEY		"apiKey"

/* Bounds every decoder holds the other side to. */
#define AP_ID_MAX		127	/* command ids */
#define AP_SESSION_ID_MAX	253	/* a DNS subdomain */
#define AP_TEXT_MAX		1024	/* versions, reasons, errors */
#define AP_SESSIONS_MAX		10000	/* entries of a sessions list */

enum ap_type {
	AP_T_HELLO,
	AP_T_HEARTBEAT,
	AP_T_SESSIONS,
	AP_T_STATUS,
	AP_T_ACK,
	AP_T_COMPLETE,
	AP_T_FAILED,
	AP_T_COMMAND,
	AP_T_ERROR,
};

/* An agent's offer; -1 where it did not say (0 is "no limit"). */
struct ap_capacity {
	int64_t	max_cpu;	/* cores */
	int64_t	max_memory;	/* GiB */
	int64_t	max_sessions;
};

/*
 * One decoded message.  Strings and the payload point into root, which
 * the message owns (agentproto_free); absent optional strings are NULL.
 */
struct ap_msg {
	enum ap_type		 type;
	const char		*id;		/* command id, or NULL */
	struct cJSON		*root;
	const struct cJSON	*payload;	/* an object, maybe empty */
	union {
		struct {
			const char	*version;
			const char	*namespace;
			int64_t		 protocol;	/* -1: not said */
			int64_t		 heartbeat_s;	/* -1: not said */
			int		 count_hibernated; /* -1: not said */
		} hello;
		struct {
			const char	*status;
			int64_t		 active_sessions;	/* -1 */
			int64_t		 running_commands;	/* -1 */
			int		 has_capacity;
			struct ap_capacity capacity;
		} heartbeat;
		struct {
			const char	**ids;	/* nids of them, owned */
			size_t		  nids;
		} sessions;
		struct {
			const char	*session_id;
			const char	*state;
			const char	*reason;
		} status;
		struct {		/* ack, complete, failed */
			const char	*error;
			const char	*pod_name;
			int		 retryable;
			int		 no_capacity;	/* refused: full */
		} reply;
		struct {
			const char		*command_type;
			const char		*session_id;
			const struct cJSON	*data;	/* an object */
		} command;
		struct {
			const char	*message;
		} error;
	} u;
};

/*
 * Decodes one text message of either side: the envelope, the type, and
 * the payload the type must have, every field type- and size-checked.
 * 0, or -1 with why (a static string) and nothing to free.
 */
int	agentproto_decode(const void *text, size_t len, struct ap_msg *m,
	    const char **why);
void	agentproto_free(struct ap_msg *m);
const char *agentproto_type_name(enum ap_type t);

/*
 * A message's text: the envelope around payload (consumed; NULL for
 * none), stamped with the time.  Free with cJSON_free.
 */
char	*agentproto_encode(const char *type, const char *id,
	    struct cJSON *payload);

/*
 * Reads a capacity object (a registration's or a heartbeat's): each key
 * absent or a whole number in [0, 2^31); -1 with why if not an object or
 * a value is wrong.
 */
int	agentproto_capacity(const struct cJSON *o, struct ap_capacity *cap,
	    const char **why);
/* The capacity as stored and sent: only the keys that were said. */
struct cJSON *agentproto_capacity_json(const struct ap_capacity *cap);

#endif
