/*
 * dial.c - outbound connections (dial.h): URL parsing, TCP or verified
 * TLS on a bufferevent, one request and its response head under one
 * timeout, and the small whole-response client the agent registers
 * with.  Every callback is deferred, so none runs inside a call here.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "dial.h"
#include "http.h"
#include "util.h"

struct dial {
	struct bufferevent	*bev;
	struct event		*timer;
	dial_head_fn		 done;
	void			*arg;
	char			 head[DIAL_HEAD_MAX];
};

int
dial_url_parse(const char *url, struct dial_url *u, char *err, size_t errlen)
{
	const char *p, *host, *hend, *port = NULL, *path;
	size_t n;

	memset(u, 0, sizeof(*u));
	if (strncmp(url, "ws://", 5) == 0)
		u->websocket = 1, p = url + 5;
	else if (strncmp(url, "wss://", 6) == 0)
		u->websocket = u->tls = 1, p = url + 6;
	else if (strncmp(url, "http://", 7) == 0)
		p = url + 7;
	else if (strncmp(url, "https://", 8) == 0)
		u->tls = 1, p = url + 8;
	else {
		snprintf(err, errlen, "%s: not a ws, wss, http or https URL",
		    url);
		return -1;
	}
	path = p + strcspn(p, "/?#");
	if (*path == '?' || *path == '#' || strchr(path, '?') != NULL ||
	    strchr(path, '#') != NULL || memchr(p, '@', path - p) != NULL) {
		snprintf(err, errlen, "%s: user, query or fragment in the URL",
		    url);
		return -1;
	}
	if (*p == '[') {
		host = p + 1;
		if ((hend = memchr(host, ']', path - host)) == NULL) {
			snprintf(err, errlen, "%s: unterminated [", url);
			return -1;
		}
		if (hend + 1 < path) {
			if (hend[1] != ':')
				goto bad;
			port = hend + 2;
		}
	} else {
		host = p;
		hend = memchr(p, ':', path - p);
		if (hend != NULL)
			port = hend + 1;
		else
			hend = path;
	}
	n = (size_t)(hend - host);
	if (n == 0 || n >= sizeof(u->host))
		goto bad;
	memcpy(u->host, host, n);
	if (port != NULL) {
		n = (size_t)(path - port);
		if (n == 0 || n >= sizeof(u->port) ||
		    strspn(port, "0123456789") < n)
			goto bad;
		memcpy(u->port, port, n);
		if (atoi(u->port) < 1 || atoi(u->port) > 65535)
			goto bad;
	} else
		ssd_strlcpy(u->port, u->tls ? "443" : "80", sizeof(u->port));
	n = (size_t)(path - p);
	if (n >= sizeof(u->authority))
		goto bad;
	memcpy(u->authority, p, n);
	n = strlen(path);
	while (n > 0 && path[n - 1] == '/')
		n--;
	if (n >= sizeof(u->path))
		goto bad;
	memcpy(u->path, path, n);
	return 0;
bad:
	snprintf(err, errlen, "%s: bad host or port", url);
	return -1;
}

SSL_CTX *
dial_tls_ctx(const char *cafile, char *err, size_t errlen)
{
	SSL_CTX *ctx;
	int ok;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		snprintf(err, errlen, "SSL_CTX_new failed");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	ok = cafile != NULL ? SSL_CTX_load_verify_locations(ctx, cafile, NULL) :
	    SSL_CTX_set_default_verify_paths(ctx);
	if (ok != 1) {
		snprintf(err, errlen, "%s: cannot load CA certificates: %s",
		    cafile ? cafile : "system store",
		    ERR_reason_error_string(ERR_get_error()));
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static void
dial_free(struct dial *d)
{
	if (d->bev != NULL)
		bufferevent_free(d->bev);
	if (d->timer != NULL)
		event_free(d->timer);
	free(d);
}

static void
dial_fail(struct dial *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
dial_fail(struct dial *d, const char *fmt, ...)
{
	dial_head_fn done = d->done;
	void *arg = d->arg;
	char err[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, sizeof(err), fmt, ap);
	va_end(ap);
	dial_free(d);
	done(NULL, NULL, err, arg);
}

static void
dial_read(struct bufferevent *bev, void *arg)
{
	struct dial *d = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct http_response res;
	ev_ssize_t n;
	int rc;

	n = evbuffer_copyout(in, d->head, sizeof(d->head));
	rc = http_parse_response_head(d->head, n < 0 ? 0 : (size_t)n,
	    sizeof(d->head), &res);
	if (rc == 0)
		return;
	if (rc < 0) {
		dial_fail(d, rc == -2 ? "response head too long" :
		    "malformed response head");
		return;
	}
	evbuffer_drain(in, res.head_len);
	bufferevent_setcb(bev, NULL, NULL, NULL, NULL);
	d->bev = NULL;
	d->done(bev, &res, NULL, d->arg);
	dial_free(d);
}

static void
dial_event(struct bufferevent *bev, short what, void *arg)
{
	struct dial *d = arg;
	unsigned long ssl_err;
	int one = 1, dns_err;

	if (what & BEV_EVENT_CONNECTED) {
		setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY,
		    &one, sizeof(one));
		return;
	}
	if ((dns_err = bufferevent_socket_get_dns_error(bev)) != 0)
		dial_fail(d, "cannot resolve: %s", evutil_gai_strerror(dns_err));
	else if ((ssl_err = bufferevent_get_openssl_error(bev)) != 0)
		dial_fail(d, "TLS: %s", ERR_reason_error_string(ssl_err));
	else if (what & BEV_EVENT_EOF)
		dial_fail(d, "connection closed before a response");
	else
		dial_fail(d, "%s", strerror(EVUTIL_SOCKET_ERROR()));
}

static void
dial_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	dial_fail(arg, "timed out");
}

/* A TLS session that checks the name (or address) in the URL. */
static SSL *
dial_ssl(SSL_CTX *tls, const char *host)
{
	X509_VERIFY_PARAM *param;
	struct in6_addr a6;
	struct in_addr a4;
	SSL *ssl;
	int ip;

	if ((ssl = SSL_new(tls)) == NULL)
		return NULL;
	ip = inet_pton(AF_INET, host, &a4) == 1 ||
	    inet_pton(AF_INET6, host, &a6) == 1;
	param = SSL_get0_param(ssl);
	if ((ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host) :
	    X509_VERIFY_PARAM_set1_host(param, host, 0)) != 1 ||
	    (!ip && SSL_set_tlsext_host_name(ssl, host) != 1)) {
		SSL_free(ssl);
		return NULL;
	}
	return ssl;
}

struct dial *
dial_start(struct event_base *base, struct evdns_base *dns, SSL_CTX *tls,
    const struct dial_url *u, const char *request, size_t len,
    int timeout_ms, dial_head_fn done, void *arg, char *err, size_t errlen)
{
	const int opts = BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS;
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	struct dial *d;
	SSL *ssl;

	if (u->tls && tls == NULL) {
		snprintf(err, errlen, "%s: TLS is not configured", u->host);
		return NULL;
	}
	d = xcalloc(1, sizeof(*d));
	d->done = done;
	d->arg = arg;
	if (u->tls) {
		if ((ssl = dial_ssl(tls, u->host)) == NULL) {
			snprintf(err, errlen, "%s: cannot set up TLS", u->host);
			free(d);
			return NULL;
		}
		d->bev = bufferevent_openssl_socket_new(base, -1, ssl,
		    BUFFEREVENT_SSL_CONNECTING, opts);
	} else
		d->bev = bufferevent_socket_new(base, -1, opts);
	d->timer = evtimer_new(base, dial_timeout, d);
	if (d->bev == NULL || d->timer == NULL ||
	    evbuffer_add(bufferevent_get_output(d->bev), request, len) == -1) {
		snprintf(err, errlen, "%s: out of memory", u->host);
		dial_free(d);
		return NULL;
	}
	bufferevent_setcb(d->bev, dial_read, NULL, dial_event, d);
	bufferevent_enable(d->bev, EV_READ | EV_WRITE);
	evtimer_add(d->timer, &tv);
	if (bufferevent_socket_connect_hostname(d->bev, dns, AF_UNSPEC,
	    u->host, atoi(u->port)) == -1) {
		snprintf(err, errlen, "%s:%s: cannot connect", u->host,
		    u->port);
		dial_free(d);
		return NULL;
	}
	return d;
}

void
dial_cancel(struct dial *d)
{
	dial_free(d);
}

struct dial_http {
	struct dial		*dial;
	struct bufferevent	*bev;
	struct event		*timer;
	struct http_chunked	 chunked;
	int			 is_chunked;
	int			 status;
	int64_t			 content_length;
	size_t			 max_body;
	struct evbuffer		*body;
	dial_http_fn		 done;
	void			*arg;
};

static void
dial_http_free(struct dial_http *h)
{
	if (h->dial != NULL)
		dial_cancel(h->dial);
	if (h->bev != NULL)
		bufferevent_free(h->bev);
	if (h->timer != NULL)
		event_free(h->timer);
	if (h->body != NULL)
		evbuffer_free(h->body);
	free(h);
}

/* The end: the callback with the body or the error, then nothing. */
static void
dial_http_finish(struct dial_http *h, const char *err)
{
	size_t len = evbuffer_get_length(h->body);
	char *body;

	if (err == NULL) {
		body = xmalloc(len + 1);
		evbuffer_copyout(h->body, body, len);
		body[len] = '\0';
		h->done(h->status, body, len, NULL, h->arg);
		free(body);
	} else
		h->done(0, NULL, 0, err, h->arg);
	dial_http_free(h);
}

/* Moves body bytes from the connection, decoding chunks; 1 when done. */
static int
dial_http_take(struct dial_http *h, const char **err)
{
	struct evbuffer *in = bufferevent_get_input(h->bev);
	uint8_t chunk[4096], out[4096];
	size_t n, used, made;
	int rc;

	while ((n = evbuffer_get_length(in)) > 0) {
		if (!h->is_chunked) {
			if (evbuffer_get_length(h->body) + n > h->max_body) {
				*err = "response body too large";
				return -1;
			}
			evbuffer_remove_buffer(in, h->body, n);
			break;
		}
		n = (size_t)evbuffer_copyout(in, chunk, sizeof(chunk));
		rc = http_chunked_decode(&h->chunked, chunk, n, &used, out,
		    sizeof(out), &made);
		evbuffer_drain(in, used);
		evbuffer_add(h->body, out, made);
		if (rc == 1)
			return 1;
		if (rc < 0) {
			*err = rc == -413 ? "response body too large" :
			    "malformed chunked body";
			return -1;
		}
	}
	return !h->is_chunked && h->content_length >= 0 &&
	    evbuffer_get_length(h->body) >= (size_t)h->content_length;
}

static void
dial_http_read(struct bufferevent *bev, void *arg)
{
	struct dial_http *h = arg;
	const char *err = NULL;
	int rc;

	(void)bev;
	if ((rc = dial_http_take(h, &err)) != 0)
		dial_http_finish(h, rc < 0 ? err : NULL);
}

static void
dial_http_event(struct bufferevent *bev, short what, void *arg)
{
	struct dial_http *h = arg;
	const char *err = NULL;
	int rc;

	(void)bev;
	rc = dial_http_take(h, &err);
	if (rc == 0 && (what & BEV_EVENT_EOF) && !h->is_chunked &&
	    h->content_length < 0)
		rc = 1;		/* delimited by the close */
	dial_http_finish(h, rc == 1 ? NULL : err ? err :
	    "connection closed in the response");
}

static void
dial_http_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	dial_http_finish(arg, "timed out");
}

static void
dial_http_head(struct bufferevent *bev, const struct http_response *res,
    const char *err, void *arg)
{
	struct dial_http *h = arg;

	h->dial = NULL;
	if (bev == NULL) {
		dial_http_finish(h, err);
		return;
	}
	h->bev = bev;
	h->status = res->status;
	h->content_length = res->content_length;
	h->is_chunked = res->chunked;
	if (h->content_length > (int64_t)h->max_body) {
		dial_http_finish(h, "response body too large");
		return;
	}
	bufferevent_setcb(bev, dial_http_read, NULL, dial_http_event, h);
	dial_http_read(bev, h);
}

struct dial_http *
dial_http(struct event_base *base, struct evdns_base *dns, SSL_CTX *tls,
    const struct dial_url *u, const char *method, const char *path,
    const char *headers, const char *body, size_t max_body, int timeout_ms,
    dial_http_fn done, void *arg, char *err, size_t errlen)
{
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	struct dial_http *h;
	char *req;
	int n;

	h = xcalloc(1, sizeof(*h));
	h->max_body = max_body;
	h->done = done;
	h->arg = arg;
	http_chunked_init(&h->chunked, max_body);
	n = xasprintf(&req, "%s %s%s HTTP/1.1\r\nHost: %s\r\n"
	    "Connection: close\r\nAccept: application/json\r\n%s"
	    "%s%zu\r\n\r\n%s", method, u->path, path, u->authority,
	    headers ? headers : "", body ? "Content-Type: application/json\r\n"
	    "Content-Length: " : "Content-Length: ", body ? strlen(body) : 0,
	    body ? body : "");
	if ((h->body = evbuffer_new()) == NULL ||
	    (h->timer = evtimer_new(base, dial_http_timeout, h)) == NULL ||
	    (h->dial = dial_start(base, dns, tls, u, req, (size_t)n,
	    timeout_ms, dial_http_head, h, err, errlen)) == NULL) {
		if (h->body == NULL || h->timer == NULL)
			snprintf(err, errlen, "out of memory");
		free(req);
		dial_http_free(h);
		return NULL;
	}
	free(req);
	evtimer_add(h->timer, &tv);
	return h;
}

void
dial_http_cancel(struct dial_http *h)
{
	dial_http_free(h);
}
