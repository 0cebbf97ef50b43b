/*
 * vnc.c - a byte stream to a session's VNC endpoint (cluster.h): a TCP
 * connection to its Ready pod, or the API server's pod port-forward over
 * WebSocket (v4.channel.k8s.io) pumped into one end of a socket pair, so
 * the caller gets a socket either way.  Buffers are bounded both ways:
 * a side that cannot take more stops the other from reading.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "cluster_priv.h"
#include "dial.h"
#include "log.h"
#include "manifest.h"
#include "util.h"
#include "wsconn.h"

#define VNC_PF_PROTOCOL		"v4.channel.k8s.io"
#define VNC_PF_BUFFER_MAX	(1024 * 1024)	/* queued each way */
#define VNC_PF_CHUNK		65536		/* socket bytes per message */
#define VNC_PF_ERROR_MAX	512		/* the error channel's text */

struct cluster_vnc {
	TAILQ_ENTRY(cluster_vnc) entry;
	struct cluster		*c;
	char			 session[MANIFEST_ID_MAX + 1];
	char			 pod[VIEW_OBJNAME_MAX + 1];
	cluster_vnc_fn		 done;
	void			*arg;
	/* direct */
	int			 fd;
	struct event		*ev;
	/* port-forward */
	struct wsconn_dial	*dialing;
	struct wsconn		*ws;
	struct bufferevent	*local;		/* our end of the pair */
	int			 peer_fd;	/* the caller's end */
	int			 port_seen[2];	/* channel port prefixes */
	char			 error[VNC_PF_ERROR_MAX];
	size_t			 error_len;
};

static void
vnc_free(struct cluster_vnc *v)
{
	TAILQ_REMOVE(&v->c->vncs, v, entry);
	if (v->ev != NULL)
		event_free(v->ev);
	if (v->fd != -1)
		close(v->fd);
	if (v->dialing != NULL)
		wsconn_dial_cancel(v->dialing);
	if (v->ws != NULL)
		wsconn_free(v->ws);
	if (v->local != NULL)
		bufferevent_free(v->local);
	if (v->peer_fd != -1)
		close(v->peer_fd);
	free(v);
}

/* The open is over: the caller gets its socket, or the reason. */
static void
vnc_report(struct cluster_vnc *v, int fd, const char *err)
{
	cluster_vnc_fn done = v->done;

	v->done = NULL;
	if (err != NULL)
		log_warnx("session %s: VNC endpoint: %s", v->session, err);
	done(fd, err, v->arg);
}

static void
vnc_direct_ready(evutil_socket_t fd, short what, void *arg)
{
	struct cluster_vnc *v = arg;
	socklen_t len = sizeof(int);
	int soerr = 0, one = 1;
	char why[128];

	if (what & EV_TIMEOUT)
		soerr = ETIMEDOUT;
	else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
		soerr = errno;
	if (soerr != 0) {
		snprintf(why, sizeof(why), "connect: %s", strerror(soerr));
		vnc_report(v, -1, why);
		vnc_free(v);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	v->fd = -1;		/* the caller's now */
	vnc_report(v, fd, NULL);
	vnc_free(v);
}

static int
vnc_direct(struct cluster_vnc *v, const char *ip, int port, int timeout_ms,
    char *err, size_t errlen)
{
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t sslen;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, ip, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		sslen = sizeof(*sin);
	} else if (inet_pton(AF_INET6, ip, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		sslen = sizeof(*sin6);
	} else {
		snprintf(err, errlen, "pod address %s is not an IP", ip);
		return -1;
	}
	if ((v->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1 || (connect(v->fd, (struct sockaddr *)&ss,
	    sslen) == -1 && errno != EINPROGRESS)) {
		snprintf(err, errlen, "connect %s:%d: %s", ip, port,
		    strerror(errno));
		return -1;
	}
	v->ev = event_new(v->c->base, v->fd, EV_WRITE, vnc_direct_ready, v);
	if (v->ev == NULL || event_add(v->ev, &tv) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* Both sides of the port-forward are done: close what is left. */
static void
vnc_pf_end(struct cluster_vnc *v, const char *why)
{
	if (v->done != NULL)
		vnc_report(v, -1, why);
	else if (why != NULL)
		log_info("session %s: port-forward to %s ended: %s", v->session,
		    v->pod, why);
	if (v->ws != NULL) {
		wsconn_close(v->ws, WS_CLOSE_NORMAL, "");
		return;		/* vnc_pf_closed frees */
	}
	vnc_free(v);
}

static void
vnc_pf_local_read(struct bufferevent *bev, void *arg)
{
	struct cluster_vnc *v = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t msg[1 + VNC_PF_CHUNK];
	size_t n;

	while (v->ws != NULL && (n = evbuffer_get_length(in)) > 0) {
		if (wsconn_queued(v->ws) > VNC_PF_BUFFER_MAX) {
			bufferevent_disable(bev, EV_READ);	/* until drained */
			return;
		}
		msg[0] = 0;	/* the data channel */
		n = (size_t)evbuffer_remove(in, msg + 1, VNC_PF_CHUNK);
		if (wsconn_send(v->ws, WS_OP_BINARY, msg, n + 1) == -1) {
			vnc_pf_end(v, "cannot send to the API server");
			return;
		}
	}
}

static void
vnc_pf_local_written(struct bufferevent *bev, void *arg)
{
	struct cluster_vnc *v = arg;

	(void)bev;
	if (v->ws != NULL)
		wsconn_set_reading(v->ws, 1);
	else
		vnc_free(v);	/* the port-forward ended: all is written */
}

static void
vnc_pf_local_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	vnc_pf_end(arg, what & BEV_EVENT_EOF ? NULL : "socket error");
}

static void
vnc_pf_ws_drained(struct wsconn *c, void *arg)
{
	struct cluster_vnc *v = arg;

	(void)c;
	if (v->local != NULL) {
		bufferevent_enable(v->local, EV_READ);
		vnc_pf_local_read(v->local, v);
	}
}

/* The caller's socket, once the data channel is set up. */
static void
vnc_pf_open(struct cluster_vnc *v)
{
	int fd = v->peer_fd;

	v->peer_fd = -1;
	vnc_report(v, fd, NULL);
	bufferevent_enable(v->local, EV_READ | EV_WRITE);
}

static void
vnc_pf_message(struct wsconn *c, int opcode, const uint8_t *data, size_t len,
    void *arg)
{
	struct cluster_vnc *v = arg;
	size_t room;
	int ch;

	if (opcode != WS_OP_BINARY || len == 0 || data[0] > 1) {
		vnc_pf_end(v, "unexpected message from the API server");
		return;
	}
	ch = data[0];
	if (!v->port_seen[ch]) {
		/* Each channel starts with the port, little-endian. */
		v->port_seen[ch] = 1;
		if (ch == 0 && v->done != NULL)
			vnc_pf_open(v);
		return;
	}
	if (ch == 1) {
		room = sizeof(v->error) - 1 - v->error_len;
		if (len - 1 < room)
			room = len - 1;
		memcpy(v->error + v->error_len, data + 1, room);
		v->error_len += room;
		v->error[v->error_len] = '\0';
		vnc_pf_end(v, v->error);
		return;
	}
	bufferevent_write(v->local, data + 1, len - 1);
	if (evbuffer_get_length(bufferevent_get_output(v->local)) >
	    VNC_PF_BUFFER_MAX)
		wsconn_set_reading(c, 0);	/* until the socket takes it */
}

static void
vnc_pf_closed(struct wsconn *c, int code, const char *reason, void *arg)
{
	struct cluster_vnc *v = arg;
	char why[160];

	(void)c;
	v->ws = NULL;
	if (v->done != NULL) {
		snprintf(why, sizeof(why), "port-forward closed: %d %s", code,
		    reason);
		vnc_report(v, -1, why);
	} else if (evbuffer_get_length(bufferevent_get_output(v->local)) > 0) {
		/* What the pod sent last is still on its way to the caller. */
		bufferevent_disable(v->local, EV_READ);
		return;		/* vnc_pf_local_written frees */
	}
	vnc_free(v);
}

static void
vnc_pf_dialed(struct wsconn *c, int status, const char *err, void *arg)
{
	struct cluster_vnc *v = arg;
	char why[VIEW_OBJNAME_MAX + 256];

	(void)status;
	v->dialing = NULL;
	if (c == NULL) {
		snprintf(why, sizeof(why), "port-forward to pod %s: %s", v->pod,
		    err);
		vnc_report(v, -1, why);
		vnc_free(v);
		return;
	}
	v->ws = c;
}

/* PEM certificates from a file or from memory into the context's store. */
static int
vnc_tls_ca(SSL_CTX *ctx, const struct kubecfg *kc)
{
	STACK_OF(X509_INFO) *infos;
	X509_STORE *store = SSL_CTX_get_cert_store(ctx);
	X509_INFO *xi;
	BIO *bio;
	int i, n = 0;

	if (kc->ca_file != NULL)
		return SSL_CTX_load_verify_locations(ctx, kc->ca_file, NULL) ==
		    1 ? 0 : -1;
	if (kc->ca_data == NULL)
		return SSL_CTX_set_default_verify_paths(ctx) == 1 ? 0 : -1;
	if ((bio = BIO_new_mem_buf(kc->ca_data, (int)kc->ca_len)) == NULL)
		return -1;
	infos = PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (infos == NULL)
		return -1;
	for (i = 0; i < sk_X509_INFO_num(infos); i++) {
		xi = sk_X509_INFO_value(infos, i);
		if (xi->x509 != NULL && X509_STORE_add_cert(store, xi->x509) == 1)
			n++;
	}
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	return n > 0 ? 0 : -1;
}

/* The kubeconfig's client certificate, when it has one. */
static int
vnc_tls_client(SSL_CTX *ctx, const struct kubecfg *kc)
{
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	BIO *bio;
	int ok;

	if (kc->cert_file != NULL && kc->key_file != NULL)
		return SSL_CTX_use_certificate_chain_file(ctx, kc->cert_file) ==
		    1 && SSL_CTX_use_PrivateKey_file(ctx, kc->key_file,
		    SSL_FILETYPE_PEM) == 1 ? 0 : -1;
	if (kc->cert_data == NULL || kc->key_data == NULL)
		return 0;
	if ((bio = BIO_new_mem_buf(kc->cert_data, (int)kc->cert_len)) != NULL) {
		cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		BIO_free(bio);
	}
	if ((bio = BIO_new_mem_buf(kc->key_data, (int)kc->key_len)) != NULL) {
		key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
		BIO_free(bio);
	}
	ok = cert != NULL && key != NULL &&
	    SSL_CTX_use_certificate(ctx, cert) == 1 &&
	    SSL_CTX_use_PrivateKey(ctx, key) == 1;
	X509_free(cert);
	EVP_PKEY_free(key);
	return ok ? 0 : -1;
}

/* The API server's TLS context, made once. */
static SSL_CTX *
vnc_tls(struct cluster *c, char *err, size_t errlen)
{
	SSL_CTX *ctx;

	if (c->vnc_tls != NULL)
		return c->vnc_tls;
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		snprintf(err, errlen, "SSL_CTX_new failed");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (vnc_tls_ca(ctx, &c->kc) == -1 || vnc_tls_client(ctx, &c->kc) ==
	    -1) {
		snprintf(err, errlen, "API server TLS credentials: %s",
		    ERR_reason_error_string(ERR_get_error()));
		SSL_CTX_free(ctx);
		return NULL;
	}
	return c->vnc_tls = ctx;
}

static int
vnc_portforward(struct cluster_vnc *v, int port, int timeout_ms, char *err,
    size_t errlen)
{
	const struct wsconn_opts wo = {
		.max_message = 2 * VNC_PF_CHUNK,
		.max_output = 2 * VNC_PF_BUFFER_MAX,
		.ping_interval_ms = 20000,
		.idle_timeout_ms = 0,
		.close_timeout_ms = 2000,
	};
	const struct wsconn_cbs cbs = {
	    .message = vnc_pf_message, .closed = vnc_pf_closed,
	    .drained = vnc_pf_ws_drained };
	struct cluster *c = v->c;
	struct dial_url u;
	char target[512], headers[KUBECFG_TOKEN_MAX + 64];
	const char *token;
	SSL_CTX *tls = NULL;
	int sv[2];

	if (dial_url_parse(c->kc.server, &u, err, errlen) == -1 ||
	    (u.tls && (tls = vnc_tls(c, err, errlen)) == NULL))
		return -1;
	if (c->dns == NULL && (c->dns = evdns_base_new(c->base,
	    EVDNS_BASE_INITIALIZE_NAMESERVERS)) == NULL) {
		snprintf(err, errlen, "cannot set up DNS resolution");
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sv) == -1) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return -1;
	}
	v->peer_fd = sv[1];
	v->local = bufferevent_socket_new(c->base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	if (v->local == NULL) {
		close(sv[0]);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	bufferevent_setcb(v->local, vnc_pf_local_read, vnc_pf_local_written,
	    vnc_pf_local_event, v);
	bufferevent_setwatermark(v->local, EV_READ, 0, VNC_PF_CHUNK);
	snprintf(target, sizeof(target), "/api/v1/namespaces/%s/pods/%s/"
	    "portforward?ports=%d", c->namespace, v->pod, port);
	token = kube_token(c->kube);
	headers[0] = '\0';
	if (token[0] != '\0')
		snprintf(headers, sizeof(headers), "Authorization: Bearer "
		    "%s\r\n", token);
	v->dialing = wsconn_dial(c->base, c->dns, tls, &u, target,
	    VNC_PF_PROTOCOL, headers, timeout_ms, &wo, &cbs, v, vnc_pf_dialed,
	    err, errlen);
	return v->dialing == NULL ? -1 : 0;
}

struct cluster_vnc *
cluster_vnc_open(struct cluster *c, const char *session_id, int port,
    enum cluster_vnc_via via, int timeout_ms, cluster_vnc_fn done,
    void *arg, char *err, size_t errlen)
{
	const struct view_session *s;
	const struct view_pod *pod;
	char name[MANIFEST_NAME_MAX + 1];
	struct cluster_vnc *v;
	int rc;

	manifest_name(session_id, name);
	if ((s = view_find(c->view, name)) == NULL ||
	    (pod = view_ready_pod(s->pods, s->npods)) == NULL) {
		snprintf(err, errlen, "session %s has no ready pod", session_id);
		return NULL;
	}
	if (port == 0 && (port = pod->vnc_port) == 0) {
		snprintf(err, errlen, "session %s: its pod has no VNC port",
		    session_id);
		return NULL;
	}
	v = xcalloc(1, sizeof(*v));
	v->c = c;
	TAILQ_INSERT_TAIL(&c->vncs, v, entry);
	v->fd = v->peer_fd = -1;
	v->done = done;
	v->arg = arg;
	ssd_strlcpy(v->session, session_id, sizeof(v->session));
	ssd_strlcpy(v->pod, pod->name, sizeof(v->pod));
	rc = via == CLUSTER_VNC_DIRECT ?
	    vnc_direct(v, pod->ip, port, timeout_ms, err, errlen) :
	    vnc_portforward(v, port, timeout_ms, err, errlen);
	if (rc == -1) {
		vnc_free(v);
		return NULL;
	}
	return v;
}

void
cluster_vnc_cancel(struct cluster_vnc *v)
{
	if (v->done == NULL)
		return;		/* open already: the pump is the caller's */
	vnc_free(v);
}

void
vnc_end_all(struct cluster *c)
{
	struct cluster_vnc *v;

	while ((v = TAILQ_FIRST(&c->vncs)) != NULL)
		vnc_free(v);
}
