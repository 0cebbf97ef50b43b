/*
 * testagent.c - a scripted agent for the hub's tests and benchmark, on
 * the same dial and WebSocket code as ssd-agent-k8s: dials the control
 * link, says hello, heartbeats as the hub asks, answers every command
 * (ack, then complete, or failed on cue), can play dead or drop its link,
 * or flood it (heartbeats, the same sessions list again), and prints
 * what it saw, decoded as the real agent decodes it
 * (common/agentproto.c), as JSON lines on stdout: {"event": ...}.
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

#include "agentproto.h"
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
	int			 sessions_times;	/* that often */
	int			 flood;		/* heartbeats at once */
	int			 silent;
	int			 drop_after;	/* commands before a drop */
	int			 commands;
	int			 max_sessions;	/* its capacity */
	struct event		*beat;		/* heartbeats, as asked */
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
	char *s = agentproto_encode(type, id, payload);

	if (wsconn_send_text(a->ws, s) == -1)
		event_line("send-failed", "type", type);
	cJSON_free(s);
}

static void
agent_heartbeat(struct agent *a)
{
	cJSON *p = cJSON_CreateObject(), *caps;

	cJSON_AddStringToObject(p, AP_AGENT_STATUS, "online");
	cJSON_AddNumberToObject(p, AP_ACTIVE_SESSIONS, 0);
	caps = cJSON_AddObjectToObject(p, AP_CAPACITY);
	cJSON_AddNumberToObject(caps, AP_CAP_MAX_SESSIONS, a->max_sessions);
	agent_send(a, AP_HEARTBEAT, NULL, p);
}

static void
agent_beat_cb(evutil_socket_t fd, short what, void *arg)
{
	struct agent *a = arg;

	(void)fd;
	(void)what;
	if (a->ws != NULL && !a->silent)
		agent_heartbeat(a);
}

/* Heartbeats every s seconds from now on, as the hello answer asks. */
static void
agent_beat_every(struct agent *a, int64_t s)
{
	struct timeval tv = { (time_t)s, 0 };

	if (s <= 0 || a->beat != NULL)
		return;
	a->beat = event_new(a->base, -1, EV_PERSIST, agent_beat_cb, a);
	evtimer_add(a->beat, &tv);
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
agent_command(struct agent *a, const struct ap_msg *m)
{
	const char *id = m->id, *t = m->u.command.command_type;
	cJSON *p;
	char pod[300];

	if (agent_first_time(a, id))
		event_line("execute", "id", id);
	agent_send(a, AP_ACK, id, NULL);
	if (a->drop_after > 0 && ++a->commands >= a->drop_after) {
		event_line("dropping", "id", id);
		event_base_loopbreak(a->base);
		return;
	}
	if (a->fail_retryable != NULL && strcmp(t, a->fail_retryable) == 0 &&
	    !cJSON_HasObjectItem(a->retried, id)) {
		cJSON_AddTrueToObject(a->retried, id);
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, AP_ERROR_TEXT, "API server busy");
		cJSON_AddTrueToObject(p, AP_RETRYABLE);
		agent_send(a, AP_FAILED, id, p);
	} else if (a->fail != NULL && strcmp(t, a->fail) == 0) {
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, AP_ERROR_TEXT, "image pull failed");
		agent_send(a, AP_FAILED, id, p);
	} else {
		p = cJSON_CreateObject();
		snprintf(pod, sizeof(pod), "%s-pod", m->u.command.session_id);
		cJSON_AddStringToObject(p, AP_POD_NAME, pod);
		agent_send(a, AP_COMPLETE, id, p);
	}
	/* Answers for another agent's command must be refused. */
	agent_send(a, AP_COMPLETE, "cmd-not-mine", NULL);
}

/* What the control plane sent, decoded as the real agent decodes it. */
static void
agent_message(struct wsconn *c, int opcode, const uint8_t *data, size_t len,
    void *arg)
{
	struct agent *a = arg;
	const char *why;
	struct ap_msg m;
	cJSON *o;

	(void)c;
	if (opcode != WS_OP_TEXT || agentproto_decode(data, len, &m,
	    &why) == -1) {
		event_line("unparsable", NULL, NULL);
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "event", "message");
	cJSON_AddStringToObject(o, "type", agentproto_type_name(m.type));
	if (m.id != NULL)
		cJSON_AddStringToObject(o, "id", m.id);
	if (m.type == AP_T_HELLO)
		cJSON_AddNumberToObject(o, "heartbeat_s",
		    (double)m.u.hello.heartbeat_s);
	else if (m.type == AP_T_COMMAND) {
		cJSON_AddStringToObject(o, "command",
		    m.u.command.command_type);
		cJSON_AddStringToObject(o, "session", m.u.command.session_id);
	} else if (m.type == AP_T_ERROR && m.u.error.message != NULL)
		cJSON_AddStringToObject(o, "message", m.u.error.message);
	out(o);
	if (m.type == AP_T_COMMAND)
		agent_command(a, &m);
	else if (m.type == AP_T_HELLO)
		agent_beat_every(a, m.u.hello.heartbeat_s);
	agentproto_free(&m);
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
	cJSON *p, *list, *s;
	char *ids, *tok, *save;
	int i;

	p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, AP_VERSION, "test-1");
	cJSON_AddItemToObject(p, AP_CAPABILITIES, cJSON_CreateArray());
	agent_send(a, AP_HELLO, NULL, p);
	agent_heartbeat(a);
	agent_send(a, "bogus", NULL, NULL);
	for (i = 0; i < a->sessions_times && a->sessions != NULL; i++) {
		p = cJSON_CreateObject();
		list = cJSON_AddArrayToObject(p, AP_SESSION_LIST);
		ids = xstrdup(a->sessions);
		for (tok = strtok_r(ids, ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save)) {
			s = cJSON_CreateObject();
			cJSON_AddStringToObject(s, AP_SESSION_ID, tok);
			cJSON_AddStringToObject(s, AP_STATE, "running");
			cJSON_AddItemToArray(list, s);
		}
		free(ids);
		agent_send(a, AP_SESSIONS, NULL, p);
	}
	for (i = 0; i < a->flood; i++)
		agent_heartbeat(a);
	if (a->complete != NULL)
		agent_send(a, AP_COMPLETE, a->complete, NULL);
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
	    "[--drop-after N]\n\t[--max-sessions N] [--sessions-times N] "
	    "[--heartbeats N]\n");
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
		{ "max-sessions", required_argument, NULL, 'm' },
		{ "sessions-times", required_argument, NULL, 'T' },
		{ "heartbeats", required_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	const struct wsconn_opts wo = { .max_message = 1 << 20,
	    .max_output = 8 << 20, .ping_interval_ms = 20000,
	    .close_timeout_ms = 2000 };
	const struct wsconn_cbs cbs = {
	    .message = agent_message, .closed = agent_closed };
	const char *url = NULL, *id = NULL, *key = NULL;
	struct agent a = { .max_sessions = 5, .sessions_times = 1 };
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
		case 'm': a.max_sessions = atoi(optarg); break;
		case 'T': a.sessions_times = atoi(optarg); break;
		case 'H': a.flood = atoi(optarg); break;
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
	if (a.beat != NULL)
		event_free(a.beat);
	evdns_base_free(dns, 0);
	event_base_free(a.base);
	cJSON_Delete(a.retried);
	return 0;
}
