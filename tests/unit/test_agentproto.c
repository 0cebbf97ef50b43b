/*
 * test_agentproto.c - the messages between agents and the control plane:
 * what ssd-agent-k8s really sends (its own builders, agentmsg.c) decoded
 * with the decoder ssd-hub and ssd-api use, the control plane's messages
 * decoded as the agent does, and every way a message is refused.  Also
 * the strict JSON reader under it (json.c).
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "agent.h"
#include "agentproto.h"
#include "json.h"

static struct agent_config
test_config(void)
{
	struct agent_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.agent_id = "k8s-eu";
	cfg.platform = "kubernetes";
	cfg.region = "eu-west";
	cfg.namespace = "streamspace";
	cfg.max_cpu = 64;
	cfg.max_memory = 256;
	cfg.max_sessions = 2;
	return cfg;
}

/* Encodes payload as type (consumed) and decodes it again. */
static int
roundtrip(const char *type, const char *id, cJSON *payload, struct ap_msg *m)
{
	char *text = agentproto_encode(type, id, payload);
	const char *why;
	int rc;

	rc = agentproto_decode(text, strlen(text), m, &why);
	cJSON_free(text);
	return rc;
}

START_TEST(real_agent_messages)
{
	struct agent_config cfg = test_config();
	struct ap_capacity cap;
	struct ap_msg m;
	const char *why;
	cJSON *list, *e, *reg;

	ck_assert_int_eq(roundtrip(AP_HELLO, NULL, agentmsg_hello(&cfg), &m),
	    0);
	ck_assert_int_eq(m.type, AP_T_HELLO);
	ck_assert_str_eq(m.u.hello.version, AGENT_VERSION_STRING);
	ck_assert_int_eq(m.u.hello.protocol, AP_PROTOCOL_VERSION);
	ck_assert_str_eq(m.u.hello.namespace, "streamspace");
	agentproto_free(&m);

	/* The capacity placement reads: max_sessions as configured. */
	ck_assert_int_eq(roundtrip(AP_HEARTBEAT, NULL,
	    agentmsg_heartbeat(&cfg, 1, 0), &m), 0);
	ck_assert_int_eq(m.type, AP_T_HEARTBEAT);
	ck_assert(m.u.heartbeat.has_capacity);
	ck_assert_int_eq(m.u.heartbeat.capacity.max_sessions, 2);
	ck_assert_int_eq(m.u.heartbeat.capacity.max_cpu, 64);
	ck_assert_int_eq(m.u.heartbeat.capacity.max_memory, 256);
	ck_assert_int_eq(m.u.heartbeat.active_sessions, 1);
	agentproto_free(&m);

	list = cJSON_CreateArray();
	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, AP_SESSION_ID, "alice-ff-0001");
	cJSON_AddItemToArray(list, e);
	ck_assert_int_eq(roundtrip(AP_SESSIONS, NULL, agentmsg_sessions(list),
	    &m), 0);
	ck_assert_uint_eq(m.u.sessions.nids, 1);
	ck_assert_str_eq(m.u.sessions.ids[0], "alice-ff-0001");
	agentproto_free(&m);

	ck_assert_int_eq(roundtrip(AP_STATUS, NULL, agentmsg_status(
	    "alice-ff-0001", "failed", "CrashLoopBackOff", NULL), &m), 0);
	ck_assert_str_eq(m.u.status.session_id, "alice-ff-0001");
	ck_assert_str_eq(m.u.status.state, "failed");
	ck_assert_str_eq(m.u.status.reason, "CrashLoopBackOff");
	agentproto_free(&m);

	/* The registration body, as ssd-api reads its capacity. */
	reg = agentmsg_registration(&cfg);
	ck_assert_int_eq(agentproto_capacity(cJSON_GetObjectItemCaseSensitive(
	    reg, AP_CAPACITY), &cap, &why), 0);
	ck_assert_int_eq(cap.max_sessions, 2);
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(reg,
	    AP_REG_AGENT_ID)->valuestring, "k8s-eu");
	cJSON_Delete(reg);
}
END_TEST

START_TEST(control_plane_messages)
{
	struct ap_msg m;
	cJSON *p, *d;

	p = cJSON_CreateObject();
	cJSON_AddNumberToObject(p, AP_PROTOCOL, AP_PROTOCOL_VERSION);
	cJSON_AddNumberToObject(p, AP_HEARTBEAT_INTERVAL, 30);
	ck_assert_int_eq(roundtrip(AP_HELLO, NULL, p, &m), 0);
	ck_assert_int_eq(m.u.hello.heartbeat_s, 30);
	ck_assert_int_eq(m.u.hello.count_hibernated, -1);
	agentproto_free(&m);
	p = cJSON_CreateObject();
	cJSON_AddFalseToObject(p, AP_COUNT_HIBERNATED);
	ck_assert_int_eq(roundtrip(AP_HELLO, NULL, p, &m), 0);
	ck_assert_int_eq(m.u.hello.count_hibernated, 0);
	agentproto_free(&m);

	p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, AP_COMMAND_TYPE, AP_CMD_START);
	cJSON_AddStringToObject(p, AP_SESSION_ID, "s1");
	d = cJSON_AddObjectToObject(p, AP_DATA);
	cJSON_AddStringToObject(d, AP_USER, "alice");
	ck_assert_int_eq(roundtrip(AP_COMMAND, "c-1", p, &m), 0);
	ck_assert_str_eq(m.id, "c-1");
	ck_assert_str_eq(m.u.command.command_type, AP_CMD_START);
	ck_assert_str_eq(m.u.command.session_id, "s1");
	ck_assert_ptr_nonnull(m.u.command.data);
	agentproto_free(&m);

	/* A reply with no payload at all has an empty one. */
	ck_assert_int_eq(roundtrip(AP_ACK, "c-1", NULL, &m), 0);
	ck_assert(cJSON_IsObject(m.payload));
	ck_assert_int_eq(m.u.reply.retryable, 0);
	ck_assert_int_eq(m.u.reply.no_capacity, 0);
	agentproto_free(&m);

	/* A start the agent had no room for. */
	p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, AP_ERROR_TEXT, "the agent is at MAX_SESSIONS");
	cJSON_AddFalseToObject(p, AP_RETRYABLE);
	cJSON_AddTrueToObject(p, AP_NO_CAPACITY);
	ck_assert_int_eq(roundtrip(AP_FAILED, "c-2", p, &m), 0);
	ck_assert_int_eq(m.u.reply.no_capacity, 1);
	ck_assert_int_eq(m.u.reply.retryable, 0);
	agentproto_free(&m);
}
END_TEST

static int
refused(const char *text)
{
	const char *why = NULL;
	struct ap_msg m;

	if (agentproto_decode(text, strlen(text), &m, &why) == 0) {
		agentproto_free(&m);
		return 0;
	}
	return why != NULL;
}

START_TEST(malformed)
{
	char *big;
	size_t i, n;

	ck_assert(refused(""));
	ck_assert(refused("{not json"));
	ck_assert(refused("[1,2]"));
	ck_assert(refused("\"hello\""));
	ck_assert(refused("{}"));
	ck_assert(refused("{\"type\":7}"));
	ck_assert(refused("{\"type\":\"bogus\"}"));
	ck_assert(refused("{\"type\":\"hello\"} x"));
	ck_assert(refused("{\"type\":\"hello\"}{\"type\":\"hello\"}"));
	ck_assert(refused("{\"type\":\"hello\",\"type\":\"heartbeat\"}"));
	ck_assert(refused("{\"type\":\"hello\",\"payload\":{\"a\":1,"
	    "\"a\":2}}"));
	ck_assert(refused("{\"type\":\"hello\",\"payload\":[]}"));
	ck_assert(refused("{\"type\":\"hello\",\"payload\":{\"version\":"
	    "\"a\\u0000b\"}}"));
	ck_assert(refused("{\"type\":\"hello\",\"payload\":{\"version\":"
	    "\"\xff\"}}"));
	ck_assert(refused("{\"type\":\"hello\",\"payload\":{\"version\":1}}"));
	ck_assert(refused("{\"type\":\"ack\"}"));
	ck_assert(refused("{\"type\":\"ack\",\"id\":\"\"}"));
	ck_assert(refused("{\"type\":\"ack\",\"id\":7}"));
	ck_assert(refused("{\"type\":\"failed\",\"id\":\"c\",\"payload\":"
	    "{\"retryable\":\"yes\"}}"));
	ck_assert(refused("{\"type\":\"failed\",\"id\":\"c\",\"payload\":"
	    "{\"noCapacity\":1}}"));
	ck_assert(refused("{\"type\":\"hello\",\"payload\":"
	    "{\"countHibernated\":\"no\"}}"));
	ck_assert(refused("{\"type\":\"status\",\"payload\":{\"state\":"
	    "\"running\"}}"));
	ck_assert(refused("{\"type\":\"status\",\"payload\":{\"sessionId\":"
	    "\"s\",\"state\":\"\"}}"));
	ck_assert(refused("{\"type\":\"sessions\",\"payload\":{}}"));
	ck_assert(refused("{\"type\":\"sessions\",\"payload\":{\"sessions\":"
	    "[7]}}"));
	ck_assert(refused("{\"type\":\"command\",\"id\":\"c\",\"payload\":"
	    "{\"commandType\":\"start_session\"}}"));
	ck_assert(refused("{\"type\":\"command\",\"payload\":"
	    "{\"commandType\":\"x\",\"sessionId\":\"s\"}}"));
	ck_assert(refused("{\"type\":\"command\",\"id\":\"c\",\"payload\":"
	    "{\"commandType\":\"x\",\"sessionId\":\"s\",\"data\":5}}"));
	ck_assert(refused("{\"type\":\"heartbeat\",\"payload\":{\"capacity\":"
	    "{\"max_sessions\":-1}}}"));
	ck_assert(refused("{\"type\":\"heartbeat\",\"payload\":{\"capacity\":"
	    "{\"max_sessions\":1.5}}}"));
	ck_assert(refused("{\"type\":\"heartbeat\",\"payload\":{\"capacity\":"
	    "{\"max_sessions\":\"2\"}}}"));
	ck_assert(refused("{\"type\":\"heartbeat\",\"payload\":{\"capacity\":"
	    "{\"max_sessions\":1e300}}}"));
	ck_assert(refused("{\"type\":\"heartbeat\",\"payload\":{\"capacity\":"
	    "[]}}"));

	/* An id one byte too long; a list one entry too long. */
	big = malloc(64 * (AP_SESSIONS_MAX + 2) + 256);
	n = (size_t)sprintf(big, "{\"type\":\"ack\",\"id\":\"");
	memset(big + n, 'x', AP_ID_MAX + 1);
	strcpy(big + n + AP_ID_MAX + 1, "\"}");
	ck_assert(refused(big));
	big[n + AP_ID_MAX] = '"';
	strcpy(big + n + AP_ID_MAX + 1, "}");
	ck_assert(!refused(big));
	n = (size_t)sprintf(big, "{\"type\":\"sessions\",\"payload\":"
	    "{\"sessions\":[");
	for (i = 0; i <= AP_SESSIONS_MAX; i++)
		n += (size_t)sprintf(big + n, "%s\"s%zu\"", i ? "," : "", i);
	strcpy(big + n, "]}}");
	ck_assert(refused(big));
	free(big);
}
END_TEST

/* The strict reader on a C string. */
static cJSON *
parse(const char *text, const char **why)
{
	return json_parse_strict(text, strlen(text), why);
}

START_TEST(strict_json)
{
	const char *why;
	cJSON *v;

	v = parse(" {\"a\":[1,{\"b\":2,\"c\":3}]} \n", &why);
	ck_assert_ptr_nonnull(v);
	cJSON_Delete(v);
	ck_assert_ptr_null(parse("{\"a\":{\"b\":1,\"b\":2}}", &why));
	ck_assert_str_eq(why, "a key appears twice in one object");
	ck_assert_ptr_null(parse("{} []", &why));
	ck_assert_str_eq(why, "data after the JSON value");
	ck_assert_ptr_null(parse("{\"a\":\"\\u0000\"}", &why));
	ck_assert_ptr_null(parse("{\"a\":\"\xc0\xaf\"}", &why));
	ck_assert_ptr_null(parse("", &why));
	/* Escaped backslashes before a u are not an escape of it. */
	v = parse("{\"a\":\"\\\\u0000\"}", &why);
	ck_assert_ptr_nonnull(v);
	cJSON_Delete(v);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("agentproto");
	TCase *tc = tcase_create("all");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, real_agent_messages);
	tcase_add_test(tc, control_plane_messages);
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, strict_json);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
