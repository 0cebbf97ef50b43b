/*
 * testagent.c - a scripted agent for the hub's tests and benchmark, on
 * the same dial and WebSocket code as ssd-agent-k8s: dials the control
 * link, says hello, heartbeats, answers every command (ack, then
 * complete, or failed on cue), can play dead or drop its link, and
 * prints what it saw as JSON lines on stdout.
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <event2/dns.h>
#include <event2/event.h>

#include "dial.h"
#include "log.h"
#include "util.h"
#include "wsconn.h"

struct agent {
	struct event_base	*base;
	struct wsconn_dial	*dial;
	struct wsconn		*ws;
	const char		*fail;		/* command type to fail */
	const char		*fail_retryable;	/* ... once, retryable */
	const char		*complete;	/* a command id to claim */
	const char		*state;		/* file of executed ids */
	const char		*sessions;	/* ids to report, or NULL */
	int			 silent;
	int			 drop_after;	/* commands before a drop */
	int			 commands;
	cJSON			*retried;
};

static void
out(cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);

	printf("%s\n", s);
	fflush(stdout);
	cJSON_free(s);
	cJSON_Delete(o);
}

static void
event_line(const char *ev, const char *key, const char *val)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "event", ev);
	if (key != NULL)
		cJSON_AddStringToObject(o, key, val);
	out(o);
}

static void
agent_send(struct agent *a, const char *type, const char *id, cJSON *payload)
{
	cJSON *m = cJSON_CreateObject();
	char *s;

	cJSON_AddStringToObject(m, "type", type);
	if (id != NULL)
		cJSON_AddStringToObject(m, "id", id);
	cJSON_AddNumberToObject(m, "timestamp", (double)time(NULL));
	if (payload != NULL)
		cJSON_AddItemToObject(m, "payload", payload);
	s = cJSON_PrintUnformatted(m);
	if (wsconn_send_text(a->ws, s) == -1)
		event_line("send-failed", "type", type);
	cJSON_free(s);
	cJSON_Delete(m);
}

/* Idempotent by command id: executed once however often it comes. */
static int
agent_first_time(struct agent *a, const char *id)
{
	char line[256];
	FILE *f;
	int seen = 0;

	if (a->state == NULL)
		return 1;
	if ((f = fopen(a->state, "r")) != NULL) {
		while (!seen && fgets(line, sizeof(line), f) != NULL) {
			line[strcspn(line, "\n")] = '\0';
			seen = strcmp(line, id) == 0;
		}
		fclose(f);
	}
	if (!seen && (f = fopen(a->state, "a")) != NULL) {
		fprintf(f, "%s\n", id);
		fclose(f);
	}
	return !seen;
}

static void
agent_command(struct agent *a, const char *id, const cJSON *payload)
{
	const cJSON *type = cJSON_GetObjectItem(payload, "commandType");
	const cJSON *sid = cJSON_GetObjectItem(payload, "sessionId");
	const char *t = cJSON_IsString(type) ? type->valuestring : "";
	cJSON *p;
	char pod[300];

	if (agent_first_time(a, id))
		event_line("execute", "id", id);
	agent_send(a, "ack", id, NULL);
	if (a->drop_after > 0 && ++a->commands >= a->drop_after) {
		event_line("dropping", "id", id);
		event_base_loopbreak(a->base);
		return;
	}
	if (a->fail_retryable != NULL && strcmp(t, a->fail_retryable) == 0 &&
	    !cJSON_HasObjectItem(a->retried, id)) {
		cJSON_AddTrueToObject(a->retried, id);
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "error", "API server busy");
		cJSON_AddTrueToObject(p, "retryable");
		agent_send(a, "failed", id, p);
	} else if (a->fail != NULL && strcmp(t, a->fail) == 0) {
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "error", "image pull failed");
		agent_send(a, "failed", id, p);
	} else {
		p = cJSON_CreateObject();
		snprintf(pod, sizeof(pod), "%s-pod", cJSON_IsString(sid) ?
		    sid->valuestring : "");
		cJSON_AddStringToObject(p, "podName", pod);
		agent_send(a, "complete", id, p);
	}
	/* Answers for another agent's command must be refused. */
	agent_send(a, "complete", "cmd-not-mine", NULL);
}

static void
agent_message(struct wsconn *c, int opcode, const uint8_t *data, size_t len,
    void *arg)
{
	struct agent *a = arg;
	const cJSON *type, *id, *payload;
	cJSON *m, *o;

	(void)c;
	if (opcode != WS_OP_TEXT ||
	    (m = cJSON_ParseWithLength((const char *)data, len)) == NULL) {
		event_line("unparsable", NULL, NULL);
		return;
	}
	type = cJSON_GetObjectItem(m, "type");
	id = cJSON_GetObjectItem(m, "id");
	payload = cJSON_GetObjectItem(m, "payload");
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "event", "message");
	cJSON_AddItemToObject(o, "type", type ? cJSON_Duplicate(type, 1) :
	    cJSON_CreateNull());
	cJSON_AddItemToObject(o, "id", id ? cJSON_Duplicate(id, 1) :
	    cJSON_CreateNull());
	cJSON_AddItemToObject(o, "payload", payload ?
	    cJSON_Duplicate(payload, 1) : cJSON_CreateNull());
	out(o);
	if (cJSON_IsString(type) && strcmp(type->valuestring, "command") ==
	    0 && cJSON_IsString(id))
		agent_command(a, id->valuestring, payload);
	cJSON_Delete(m);
}

static void
agent_closed(struct wsconn *c, int code, const char *reason, void *arg)
{
	struct agent *a = arg;
	cJSON *o = cJSON_CreateObject();

	(void)c;
	cJSON_AddStringToObject(o, "event", "closed");
	cJSON_AddNumberToObject(o, "code", code);
	cJSON_AddStringToObject(o, "reason", reason);
	out(o);
	a->ws = NULL;
	event_base_loopbreak(a->base);
}

/* What a real agent says first. */
static void
agent_greet(struct agent *a)
{
	cJSON *p, *caps, *list, *s;
	char *ids, *tok, *save;

	p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "version", "test-1");
	cJSON_AddItemToObject(p, "capabilities", cJSON_CreateArray());
	agent_send(a, "hello", NULL, p);
	p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "status", "online");
	cJSON_AddNumberToObject(p, "activeSessions", 0);
	caps = cJSON_AddObjectToObject(p, "capacity");
	cJSON_AddNumberToObject(caps, "max_sessions", 5);
	agent_send(a, "heartbeat", NULL, p);
	agent_send(a, "bogus", NULL, NULL);
	if (a->sessions != NULL) {
		p = cJSON_CreateObject();
		list = cJSON_AddArrayToObject(p, "sessions");
		ids = xstrdup(a->sessions);
		for (tok = strtok_r(ids, ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save)) {
			s = cJSON_CreateObject();
			cJSON_AddStringToObject(s, "sessionId", tok);
			cJSON_AddStringToObject(s, "state", "running");
			cJSON_AddItemToArray(list, s);
		}
		free(ids);
		agent_send(a, "sessions", NULL, p);
	}
	if (a->complete != NULL)
		agent_send(a, "complete", a->complete, NULL);
	if (a->silent)
		wsconn_set_reading(a->ws, 0);
}

static void
agent_dialed(struct wsconn *c, int status, const char *err, void *arg)
{
	struct agent *a = arg;
	cJSON *o;

	a->dial = NULL;
	if (c == NULL) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "event", "refused");
		cJSON_AddNumberToObject(o, "status", status);
		cJSON_AddStringToObject(o, "error", err);
		out(o);
		event_base_loopbreak(a->base);
		return;
	}
	a->ws = c;
	event_line("connected", NULL, NULL);
	agent_greet(a);
}

static void
agent_time_up(evutil_socket_t fd, short what, void *arg)
{
	struct agent *a = arg;

	(void)fd;
	(void)what;
	if (a->ws != NULL && !a->silent)
		wsconn_close(a->ws, WS_CLOSE_NORMAL, "done");
	else
		event_base_loopbreak(a->base);
}

static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr, "usage: testagent --url URL --agent ID --key KEY "
	    "[--seconds S] [--fail TYPE] [--fail-retryable TYPE]\n"
	    "\t[--complete ID] [--state FILE] [--sessions ID,...] [--silent] "
	    "[--drop-after N]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "agent", required_argument, NULL, 'a' },
		{ "key", required_argument, NULL, 'k' },
		{ "seconds", required_argument, NULL, 's' },
		{ "fail", required_argument, NULL, 'f' },
		{ "fail-retryable", required_argument, NULL, 'r' },
		{ "complete", required_argument, NULL, 'c' },
		{ "state", required_argument, NULL, 't' },
		{ "sessions", required_argument, NULL, 'S' },
		{ "silent", no_argument, NULL, 'q' },
		{ "drop-after", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const struct wsconn_opts wo = { .max_message = 1 << 20,
	    .max_output = 8 << 20, .ping_interval_ms = 20000,
	    .close_timeout_ms = 2000 };
	const struct wsconn_cbs cbs = { agent_message, agent_closed, NULL };
	const char *url = NULL, *id = NULL, *key = NULL;
	struct agent a = { 0 };
	struct dial_url u;
	struct evdns_base *dns;
	struct event *timer;
	struct timeval tv;
	char err[256], target[512], headers[512];
	double seconds = 5;
	int ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'u': url = optarg; break;
		case 'a': id = optarg; break;
		case 'k': key = optarg; break;
		case 's': seconds = atof(optarg); break;
		case 'f': a.fail = optarg; break;
		case 'r': a.fail_retryable = optarg; break;
		case 'c': a.complete = optarg; break;
		case 't': a.state = optarg; break;
		case 'S': a.sessions = optarg; break;
		case 'q': a.silent = 1; break;
		case 'd': a.drop_after = atoi(optarg); break;
		default: usage();
		}
	}
	if (url == NULL || id == NULL || key == NULL || seconds <= 0)
		usage();
	log_init("testagent", -1, LOG_TARGET_STDERR);
	signal(SIGPIPE, SIG_IGN);	/* a peer gone is an error, not death */
	log_setlevel(SSD_LOG_WARN);
	if (dial_url_parse(url, &u, err, sizeof(err)) == -1)
		fatalx("%s", err);
	a.retried = cJSON_CreateObject();
	a.base = event_base_new();
	dns = evdns_base_new(a.base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
	snprintf(target, sizeof(target), "/api/v1/agent/connect?agent_id=%s",
	    id);
	snprintf(headers, sizeof(headers), "X-Agent-API-Key: %s\r\n", key);
	if ((a.dial = wsconn_dial(a.base, dns, NULL, &u, target, NULL, headers,
	    5000, &wo, &cbs, &a, agent_dialed, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	tv.tv_sec = (time_t)seconds;
	tv.tv_usec = (suseconds_t)((seconds - (double)tv.tv_sec) * 1e6);
	timer = evtimer_new(a.base, agent_time_up, &a);
	evtimer_add(timer, &tv);
	event_base_dispatch(a.base);
	if (a.dial != NULL)
		wsconn_dial_cancel(a.dial);
	if (a.ws != NULL)
		wsconn_free(a.ws);
	event_line("done", NULL, NULL);
	event_free(timer);
	evdns_base_free(dns, 0);
	event_base_free(a.base);
	cJSON_Delete(a.retried);
	return 0;
}
