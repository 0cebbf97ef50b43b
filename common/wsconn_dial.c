/*
 * wsconn_dial.c - the client's side of a WebSocket: dial (common/dial.c,
 * TLS or not), the upgrade request, the answer checked, and a wsconn on
 * the connection.  Apart from wsconn.c so that servers, which never dial,
 * do not link TLS client code.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>

#include "dial.h"
#include "http.h"
#include "util.h"
#include "wsconn.h"

struct wsconn_dial {
	struct dial		*dial;
	struct event_base	*base;
	char			 key[WS_KEY_LEN + 1];
	char			*protocols;
	struct wsconn_opts	 opts;
	struct wsconn_cbs	 cbs;
	void			*arg;
	wsconn_dial_fn		 done;
};

static void
wsconn_dial_free(struct wsconn_dial *d)
{
	if (d->dial != NULL)
		dial_cancel(d->dial);
	free(d->protocols);
	free(d);
}

static void
wsconn_dial_head(struct bufferevent *bev, const struct http_response *res,
    const char *err, void *arg)
{
	struct wsconn_dial *d = arg;
	struct wsconn *c;
	char proto[64], why[160];
	int rc;

	d->dial = NULL;
	if (bev == NULL) {
		d->done(NULL, 0, err, d->arg);
		wsconn_dial_free(d);
		return;
	}
	if ((rc = ws_client_check(res, d->key, d->protocols, proto,
	    sizeof(proto))) != 0) {
		if (rc == -1)
			snprintf(why, sizeof(why), "refused: HTTP %d %.*s",
			    res->status, (int)(res->reason_len > 64 ? 64 :
			    res->reason_len), res->reason);
		else
			snprintf(why, sizeof(why), "bad WebSocket handshake");
		bufferevent_free(bev);
		d->done(NULL, res->status, why, d->arg);
		wsconn_dial_free(d);
		return;
	}
	c = wsconn_new(d->base, bev, WS_CLIENT, &d->opts, &d->cbs, d->arg);
	wsconn_set_protocol(c, proto);
	d->done(c, 101, NULL, d->arg);
	wsconn_dial_free(d);
}

struct wsconn_dial *
wsconn_dial(struct event_base *base, struct evdns_base *dns, SSL_CTX *tls,
    const struct dial_url *u, const char *target, const char *protocols,
    const char *headers, int timeout_ms, const struct wsconn_opts *opts,
    const struct wsconn_cbs *cbs, void *arg, wsconn_dial_fn done,
    char *err, size_t errlen)
{
	struct wsconn_dial *d;
	char req[4096], path[2048];
	size_t n;

	d = xcalloc(1, sizeof(*d));
	d->base = base;
	d->opts = *opts;
	d->opts.plain_socket = !u->tls;
	d->cbs = *cbs;
	d->arg = arg;
	d->done = done;
	d->protocols = protocols ? xstrdup(protocols) : NULL;
	snprintf(path, sizeof(path), "%s%s", u->path, target);
	if (ws_client_key(d->key) == -1 ||
	    (n = ws_client_request(req, sizeof(req), u->authority, path,
	    d->key, protocols, headers)) == 0) {
		snprintf(err, errlen, "%s: request too long", u->host);
		wsconn_dial_free(d);
		return NULL;
	}
	if ((d->dial = dial_start(base, dns, tls, u, req, n, timeout_ms,
	    wsconn_dial_head, d, err, errlen)) == NULL) {
		wsconn_dial_free(d);
		return NULL;
	}
	return d;
}

void
wsconn_dial_cancel(struct wsconn_dial *d)
{
	wsconn_dial_free(d);
}
