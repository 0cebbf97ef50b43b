/*
 * agentmsg.c - what ssd-agent-k8s says to the control plane: the payloads
 * of its hello, heartbeat, sessions and status messages and its
 * registration body, in the words of common/agentproto.h.  Pure
 * builders, apart from the link so that a unit test can decode exactly
 * these with the control plane's decoder.
 */
#include "config.h"

#include <cjson/cJSON.h>

#include "agent.h"
#include "agentproto.h"

cJSON *
agentmsg_capacity(const struct agent_config *cfg)
{
	const struct ap_capacity cap = {
		.max_cpu = (int64_t)cfg->max_cpu,
		.max_memory = (int64_t)cfg->max_memory,
		.max_sessions = (int64_t)cfg->max_sessions,
	};

	return agentproto_capacity_json(&cap);
}

cJSON *
agentmsg_hello(const struct agent_config *cfg)
{
	cJSON *p = cJSON_CreateObject(), *caps;

	cJSON_AddStringToObject(p, AP_VERSION, AGENT_VERSION_STRING);
	cJSON_AddNumberToObject(p, AP_PROTOCOL, AP_PROTOCOL_VERSION);
	caps = cJSON_AddArrayToObject(p, AP_CAPABILITIES);
	cJSON_AddItemToArray(caps, cJSON_CreateString("kubernetes"));
	cJSON_AddItemToArray(caps, cJSON_CreateString("hibernate"));
	cJSON_AddStringToObject(p, AP_NAMESPACE, cfg->namespace ?
	    cfg->namespace : "");
	return p;
}

cJSON *
agentmsg_heartbeat(const struct agent_config *cfg, size_t active,
    size_t running)
{
	cJSON *p = cJSON_CreateObject();

	cJSON_AddStringToObject(p, AP_AGENT_STATUS, "online");
	cJSON_AddNumberToObject(p, AP_ACTIVE_SESSIONS, (double)active);
	cJSON_AddNumberToObject(p, AP_RUNNING_COMMANDS, (double)running);
	cJSON_AddItemToObject(p, AP_CAPACITY, agentmsg_capacity(cfg));
	return p;
}

cJSON *
agentmsg_sessions(cJSON *list)
{
	cJSON *p = cJSON_CreateObject();

	cJSON_AddItemToObject(p, AP_SESSION_LIST, list);
	return p;
}

cJSON *
agentmsg_status(const char *session_id, const char *state,
    const char *reason, const cJSON *metadata)
{
	cJSON *p;

	p = metadata ? cJSON_Duplicate(metadata, 1) : cJSON_CreateObject();
	if (!cJSON_IsObject(p)) {
		cJSON_Delete(p);
		p = cJSON_CreateObject();
	}
	cJSON_DeleteItemFromObjectCaseSensitive(p, AP_SESSION_ID);
	cJSON_DeleteItemFromObjectCaseSensitive(p, AP_STATE);
	cJSON_AddStringToObject(p, AP_SESSION_ID, session_id);
	cJSON_AddStringToObject(p, AP_STATE, state);
	if (reason != NULL && !cJSON_HasObjectItem(p, AP_REASON))
		cJSON_AddStringToObject(p, AP_REASON, reason);
	return p;
}

cJSON *
agentmsg_registration(const struct agent_config *cfg)
{
	cJSON *o = cJSON_CreateObject(), *meta;

	cJSON_AddStringToObject(o, AP_REG_AGENT_ID, cfg->agent_id);
	cJSON_AddStringToObject(o, AP_REG_PLATFORM, cfg->platform);
	if (cfg->region != NULL)
		cJSON_AddStringToObject(o, AP_REG_REGION, cfg->region);
	cJSON_AddItemToObject(o, AP_CAPACITY, agentmsg_capacity(cfg));
	meta = cJSON_AddObjectToObject(o, AP_REG_METADATA);
	cJSON_AddStringToObject(meta, AP_VERSION, AGENT_VERSION_STRING);
	if (cfg->namespace != NULL)
		cJSON_AddStringToObject(meta, AP_NAMESPACE, cfg->namespace);
	return o;
}
