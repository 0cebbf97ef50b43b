/*
 * dial.h - outbound connections of ssd's clients (the agent, the test
 * agent): URLs, TCP or TLS (certificate and host name verified) on
 * libevent, one HTTP request and its response head, under one timeout.
 * The caller then owns the connection (a WebSocket upgrade) or has the
 * whole response read for it (dial_http).
 */
#ifndef SSD_DIAL_H
#define SSD_DIAL_H

#include <stddef.h>

#include <openssl/ssl.h>

struct bufferevent;
struct event_base;
struct evdns_base;
struct http_response;

#define DIAL_HEAD_MAX	16384	/* a response head we read */

struct dial_url {
	int	 tls;			/* https:// or wss:// */
	int	 websocket;		/* ws:// or wss:// */
	char	 host[256];		/* without brackets */
	char	 port[8];
	char	 authority[272];	/* for Host: */
	char	 path[1024];		/* "" or "/prefix", no trailing '/' */
};

/* http, https, ws, wss; no userinfo, query or fragment.  0 or -1. */
int	dial_url_parse(const char *url, struct dial_url *u, char *err,
	    size_t errlen);

/*
 * A client TLS context: the system's CAs, or cafile's alone; peers are
 * always verified.  NULL with err filled.
 */
SSL_CTX	*dial_tls_ctx(const char *cafile, char *err, size_t errlen);

/*
 * The response head arrived (or the attempt failed: res is NULL and err
 * says why).  On success the callee owns bev, whose input holds the
 * bytes after the head, and must set its callbacks before returning.
 */
typedef void (*dial_head_fn)(struct bufferevent *bev,
	    const struct http_response *res, const char *err, void *arg);

struct dial;
/*
 * Connects to u, sends request (len bytes), and reads the response head,
 * all within timeout_ms.  tls is used when u->tls (NULL: refused).  The
 * callback runs exactly once, never before dial_start returns; NULL on
 * immediate failure with err filled.
 */
struct dial	*dial_start(struct event_base *base, struct evdns_base *dns,
		    SSL_CTX *tls, const struct dial_url *u, const char *request,
		    size_t len, int timeout_ms, dial_head_fn done, void *arg,
		    char *err, size_t errlen);
/* Gives up an attempt: its callback will not run. */
void		 dial_cancel(struct dial *d);

/*
 * A whole request/response: status and body (NUL-terminated, at most
 * max_body bytes) or status 0 and err.  The body is valid during the
 * callback only.
 */
typedef void (*dial_http_fn)(int status, const char *body, size_t len,
	    const char *err, void *arg);
struct dial_http;
struct dial_http *dial_http(struct event_base *base, struct evdns_base *dns,
		    SSL_CTX *tls, const struct dial_url *u, const char *method,
		    const char *path, const char *headers, const char *body,
		    size_t max_body, int timeout_ms, dial_http_fn done,
		    void *arg, char *err, size_t errlen);
void		 dial_http_cancel(struct dial_http *h);

#endif
