/*
 * wsecho.c - ssd's WebSocket client (dial.c, wsconn.c) against a strict
 * echo server of another implementation (tests/ws/echo-server.py on
 * python3-websockets, tests/node/ws-echo-server.js on npm ws): handshake
 * with a subprotocol, text, UTF-8, binary and 1 MiB messages, a
 * fragmented answer with a ping inside, ping/pong, a close by the server
 * with its code, and a close of ours.  Prints TAP lines.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "dial.h"
#include "log.h"
#include "util.h"
#include "wsconn.h"

#define BIG	(1 << 20)

struct step {
	const char	*name;
	int		 opcode;
	const char	*send;		/* NULL: the binary payload */
	size_t		 len;
	const char	*expect;	/* NULL: the echo */
};

static const struct step steps[] = {
	{ "text echoed", WS_OP_TEXT, "hello", 5, NULL },
	{ "UTF-8 text echoed", WS_OP_TEXT, "h\xc3\xa9llo \xe2\x9c\x93", 10,
	    NULL },
	{ "binary with every byte value echoed", WS_OP_BINARY, NULL, 256,
	    NULL },
	{ "1 MiB binary echoed", WS_OP_BINARY, NULL, BIG, NULL },
	{ "a fragmented answer with a ping inside assembled", WS_OP_TEXT,
	    "fragment", 8, "fragmented" },
	{ "the server's ping answered with a pong", WS_OP_TEXT, "ping", 4,
	    "pong-ok" },
};

static struct event_base *base;
static struct wsconn *conn;
static uint8_t *payload;
static size_t step;
static int nok, nfail, round_no;

static void
check(int ok, const char *name, const char *why)
{
	if (ok)
		printf("ok %d - %s\n", ++nok + nfail, name);
	else
		printf("not ok %d - %s: %s\n", nok + ++nfail, name, why);
	fflush(stdout);
}

static void
send_step(void)
{
	const struct step *s = &steps[step];

	wsconn_send(conn, s->opcode, s->send ? (const void *)s->send :
	    payload, s->len);
}

static void
on_message(struct wsconn *c, int opcode, const uint8_t *data, size_t len,
    void *arg)
{
	const struct step *s = &steps[step];
	const void *want = s->expect ? s->expect : s->send ? s->send :
	    (const char *)payload;
	size_t wlen = s->expect ? strlen(s->expect) : s->len;

	(void)arg;
	if (step >= nitems(steps))
		return;
	check(opcode == (s->expect ? WS_OP_TEXT : s->opcode) && len == wlen &&
	    memcmp(data, want, len) == 0, s->name, "wrong answer");
	if (++step < nitems(steps))
		send_step();
	else if (round_no == 0)
		wsconn_send_text(c, "close:4001");
	else
		wsconn_close(c, WS_CLOSE_NORMAL, "done");
}

static void	dial_round(void);

static void
on_closed(struct wsconn *c, int code, const char *reason, void *arg)
{
	char why[200];

	(void)c;
	(void)arg;
	conn = NULL;
	snprintf(why, sizeof(why), "code %d reason '%s'", code, reason);
	if (round_no == 0) {
		check(code == 4001 && strcmp(reason, "bye") == 0,
		    "the server's close code and reason received", why);
		round_no = 1;
		step = 0;
		dial_round();
	} else {
		check(code == WS_CLOSE_NORMAL && step == nitems(steps),
		    "our close handshake completed with 1000", why);
		event_base_loopbreak(base);
	}
}

static struct dial_url url;
static struct evdns_base *dns;

static void
on_open(struct wsconn *c, int status, const char *err, void *arg)
{
	(void)arg;
	(void)status;
	check(c != NULL && strcmp(wsconn_protocol(c), "chat") == 0,
	    "handshake, subprotocol chat chosen", err ? err : "protocol");
	if (c == NULL) {
		event_base_loopbreak(base);
		return;
	}
	conn = c;
	send_step();
}

static void
dial_round(void)
{
	static const struct wsconn_opts wo = { .max_message = 4 * BIG,
	    .max_output = 8 * BIG, .idle_timeout_ms = 10000,
	    .close_timeout_ms = 2000 };
	static const struct wsconn_cbs cbs = {
	    .message = on_message, .closed = on_closed };
	char err[256];

	if (wsconn_dial(base, dns, NULL, &url, "/", "superchat, chat", NULL,
	    5000, &wo, &cbs, NULL, on_open, err, sizeof(err)) == NULL) {
		check(0, "dial", err);
		event_base_loopbreak(base);
	}
}

static void
time_up(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	check(0, "finished in time", "timeout");
	event_base_loopbreak(base);
}

int
main(int argc, char **argv)
{
	struct timeval tv = { 20, 0 };
	struct event *timer;
	char err[256];
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: wsecho ws://HOST:PORT\n");
		return 2;
	}
	log_init("wsecho", -1, LOG_TARGET_STDERR);
	signal(SIGPIPE, SIG_IGN);	/* a peer gone is an error, not death */
	if (dial_url_parse(argv[1], &url, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	payload = xmalloc(BIG);
	for (i = 0; i < BIG; i++)
		payload[i] = (uint8_t)(i < 256 ? i : i * 2654435761u >> 13);
	base = event_base_new();
	dns = evdns_base_new(base, 0);
	timer = evtimer_new(base, time_up, NULL);
	evtimer_add(timer, &tv);
	dial_round();
	event_base_dispatch(base);
	if (conn != NULL)
		wsconn_free(conn);
	event_free(timer);
	evdns_base_free(dns, 0);
	event_base_free(base);
	free(payload);
	printf("1..%d\n", nok + nfail);
	return nfail == 0 && nok == 2 * (int)nitems(steps) + 4 ? 0 : 1;
}
